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

from bot.text import fold

_PREFIXES = ("amazon ", "aws ")
_PAREN = re.compile(r"\(([^)]*)\)")


@dataclass(frozen=True, slots=True)
class Product:
    """An AWS product: its name as AWS writes it and the phrases that name it."""

    name: str
    aliases: tuple[str, ...]  # folded phrases; those that need the Amazon/AWS prefix carry it
    near: str | None = None  # the covered service a keyword matcher would confuse it with
    moves_line: bool = False  # named with a covered service, it still decides (Outposts, Local Zones)
    read: str = ""  # what to read in the AWS docs instead


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
    for text in [full, *extra]:
        for inner in _PAREN.findall(text):
            phrases.add(fold(inner).strip())
        phrases.add(fold(_PAREN.sub(" ", text)).strip())
    out: set[str] = set()
    for phrase in phrases:
        phrase = " ".join(phrase.split())
        if not phrase:
            continue
        out.add(phrase)
        for prefix in _PREFIXES:
            if phrase.startswith(prefix):
                out.add(phrase[len(prefix) :])
    return " ".join(full.split()), {p for p in out if p}


def botocore_products() -> list[tuple[str, tuple[str, ...]]]:
    """(name, candidate phrases) for every service model botocore ships, cached per botocore version."""
    data = _botocore_data()
    if data is None:
        return []
    import importlib.metadata

    from bot.cache import cached_as

    try:
        version = importlib.metadata.version("botocore")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"

    def read() -> list[tuple[str, tuple[str, ...]]]:
        products: list[tuple[str, tuple[str, ...]]] = []
        for service_dir in sorted(p for p in data.iterdir() if p.is_dir()):
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

    return cached_as("gazetteer", f"botocore-{version}", read, list)


def needs_prefix(phrase: str, common: frozenset[str], covered: frozenset[str]) -> bool:
    """Whether a phrase names the product only with "Amazon"/"AWS" in front.

    "backup", "config" or "machine learning" are ordinary words; "s3 files" or "ec2 instance
    connect" would swallow a covered service's name in ordinary speech.
    """
    words = phrase.split()
    if phrase.startswith(_PREFIXES):
        return False
    if len(phrase) < 3 or phrase.isdigit():
        return True
    if all(w in common or w.isdigit() for w in words):
        return True
    return any(
        " ".join(words[i:j]) in covered for i in range(len(words)) for j in range(i + 1, len(words) + 1)
    )
