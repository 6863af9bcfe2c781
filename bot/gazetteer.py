"""Every AWS product by name, so that one the catalogue does not cover is recognised as itself.

A question about ECR must not get ECS's answer, nor one about KMS "I could not tell which
service". The names come from botocore's service models (`serviceFullName`,
`serviceAbbreviation`, `serviceId` and the model's directory name in each service-2.json),
read once per botocore version at catalogue-build time and cached (`bot.cache`), plus the
catalogue's own `products:` section for offerings with no API of their own (Outposts racks,
Local Zones, RDS Custom, EKS Anywhere ...). botocore itself is never imported: its data
directory is found and its JSON files are read, so `demarc ask` stays light.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

from bot.text import fold, inflects

PREFIXES = ("amazon ", "aws ")  # the words AWS writes before its products' names
_PAREN = re.compile(r"\(([^)]*)\)")
_GLUED = re.compile(r"^(Amazon|AWS)(?=[A-Z][a-z]|[A-Z]{2,}\b)")


@dataclass(frozen=True, slots=True)
class Product:
    """An AWS product: its name as AWS writes it and the phrases that name it."""

    name: str
    aliases: tuple[str, ...]  # folded phrases; those that need the Amazon/AWS prefix carry it
    near: str | None = None  # the covered service a keyword matcher would confuse it with
    moves_line: bool = False  # named with a covered service, it still decides (Outposts, Local Zones)
    read: str = ""  # what to read in the AWS docs instead
    # It reports on other services (an AWS Health notice, a Support case): named first next to a
    # covered service, it is the messenger, not the subject.
    reports_on: bool = False
    # A tool that deploys other services (the AWS CDK, AWS SAM): it has no line of its own, so next
    # to a covered service that service answers ("our SAM template deploys a Lambda: who patches ...").
    deploys: bool = False


def _botocore_data() -> Path | None:
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        return None
    data = Path(spec.origin).parent / "data"
    return data if data.is_dir() else None


def _metadata(service_dir: Path) -> dict[str, str] | None:
    versions = sorted(p for p in service_dir.iterdir() if p.is_dir())
    for version in reversed(versions):
        for name in ("service-2.json", "service-2.json.gz"):
            path = version / name
            if path.is_file():
                raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
                metadata = json.loads(raw).get("metadata", {})
                return {k: str(v) for k, v in metadata.items() if isinstance(v, str)}
    return None


def _names(full: str, extra: list[str]) -> tuple[str, set[str]]:
    """(display name, folded candidate phrases), prefixed and unprefixed."""
    phrases: set[str] = set()
    # "AmazonMQ", "AWSBillingConductor": the prefix glued to the name is a word of its own.
    full, extra = _GLUED.sub(r"\1 ", full), [_GLUED.sub(r"\1 ", e) for e in extra]
    # Each name is read as AWS writes it ("IoT SiteWise": "iot site wise") and as engineers type
    # it in lower case ("iot sitewise"), where no capital marks the word break.
    for text in [full, *extra, *(e.lower() for e in [full, *extra])]:
        for inner in _PAREN.findall(text):
            phrases.add(fold(inner).strip())
        phrases.add(fold(_PAREN.sub(" ", text)).strip())
    out: set[str] = set()
    for phrase in phrases:
        phrase = " ".join(phrase.split())
        if not phrase:
            continue
        out.add(phrase)
        for prefix in PREFIXES:
            if phrase.startswith(prefix):
                out.add(phrase[len(prefix) :])
    return " ".join(full.split()), {p for p in out if p}


SHIPPED = "aws-products.json.gz"  # in the built-in catalogue directory, written by `python -m bot.gazetteer`


def _botocore_version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("botocore")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _shipped() -> tuple[str, list[tuple[str, tuple[str, ...]]]] | None:
    from bot.paths import builtin_catalogue_dir

    try:
        body = json.loads(gzip.decompress((builtin_catalogue_dir() / SHIPPED).read_bytes()))
        return str(body["botocore"]), [(str(n), tuple(p)) for n, p in body["products"]]
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None


def botocore_products() -> list[tuple[str, tuple[str, ...]]]:
    """(name, candidate phrases) for every service model botocore ships.

    The list shipped with the catalogue is used when it was made from this botocore version (or
    botocore is absent): a Lambda cold start must not read 400 JSON models. Otherwise the models
    are read once per botocore version and cached.
    """
    shipped = _shipped()
    data = _botocore_data()
    if data is None:
        return shipped[1] if shipped else []
    version = _botocore_version()
    if shipped and shipped[0] == version:
        return shipped[1]
    from bot.cache import cached_as

    return cached_as("gazetteer", f"botocore-{version}", _read_all, list)


def needs_prefix(phrase: str, common: frozenset[str], covered: frozenset[str]) -> bool:
    """Whether a phrase names the product only with "Amazon"/"AWS" in front.

    "backup", "config" or "machine learning" are ordinary words, and so are their inflections
    ("schemas" is botocore's EventBridge Schema Registry); "s3 files" or "ec2 instance connect"
    would swallow a covered service's name in ordinary speech. Three letters are too few to trust
    alone: "sdb" is a Linux disk as often as SimpleDB's API.
    """
    words = phrase.split()
    if phrase.startswith(PREFIXES):
        return False
    if len(phrase) < 4 or phrase.isdigit():
        return True
    # "Application Migration Service", "Simple Workflow Service": three or more words ending in
    # "service" are a product's name however ordinary each word is.
    if all(_ordinary(w, common) for w in words) and not (len(words) >= 3 and words[-1] == "service"):
        return True
    return holds_covered_name(phrase, covered)


def _ordinary(word: str, common: frozenset[str]) -> bool:
    # The common-word list holds each form it saw; a plural or "-ing" form may be missing from it.
    return word in common or word.isdigit() or inflects(word, common)


def holds_covered_name(phrase: str, covered: frozenset[str]) -> bool:
    """Whether some run of the phrase's words is a covered service's name ("ec2 instance connect")."""
    words = phrase.split()
    return any(" ".join(words[i:j]) in covered for i in range(len(words)) for j in range(i + 1, len(words) + 1))


def _read_all() -> list[tuple[str, tuple[str, ...]]]:
    data = _botocore_data()
    products: list[tuple[str, tuple[str, ...]]] = []
    for service_dir in sorted(p for p in data.iterdir() if p.is_dir()) if data else ():
        try:
            metadata = _metadata(service_dir)
        except (OSError, ValueError):
            continue
        if not metadata or not metadata.get("serviceFullName"):
            continue
        extra = [metadata.get("serviceAbbreviation", ""), metadata.get("serviceId", ""), service_dir.name]
        name, phrases = _names(metadata["serviceFullName"], [e for e in extra if e])
        products.append((name, tuple(sorted(phrases))))
    return products


def main() -> None:
    """`python -m bot.gazetteer`: write the product names of the installed botocore next to the catalogue."""
    import sys

    from bot.paths import builtin_catalogue_dir

    path = builtin_catalogue_dir() / SHIPPED
    body = {"botocore": _botocore_version(), "products": [[n, list(p)] for n, p in _read_all()]}
    path.write_bytes(gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0))
    sys.stdout.write(f"wrote {path}: {len(body['products'])} products from botocore {body['botocore']}\n")


if __name__ == "__main__":
    main()
