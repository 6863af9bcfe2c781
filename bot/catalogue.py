"""Load the YAML catalogue, merge user directories over the built-in one, and validate it.

A catalogue directory holds any number of YAML files (`*.yaml`, `*.yml`, searched
recursively, read in name order). Each file is a fragment with any of these keys:

- `topics`: topic id -> {title, description, aliases, hints}
- `services`: service id -> {name, model, precedence, aliases, hints, neighbours}
- `service` + `cells` (+ `summary`, `sources`): one service's cells, topic id -> {owner, summary, sources, aliases}
- `checks`: check id -> {service, topic, title, severity, keywords, unless, fix}
- `teams`: topic id or `service/topic` -> the team that owns it in this organisation
- `vocabulary`: cue-word lists for the matcher (lists are extended, not replaced)
- `lambda_runtimes`: runtime id -> {deprecated: date or null, source}

Later directories override earlier ones field by field, so a user's directory can add a
service, override one cell's owner, or map `os-patching` to `@platform-oncall`. Every
problem is reported with its file, entry and reason, and a catalogue with any problem is
refused whole: the bot never starts with half the data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from bot.errors import DemarcError
from bot.gazetteer import Product
from bot.paths import builtin_catalogue_dir

if TYPE_CHECKING:
    import yaml

Owner = Literal["aws", "customer", "shared"]
OWNERS: tuple[Owner, ...] = ("aws", "customer", "shared")
OWNER_WORDS: Mapping[str, str] = {"aws": "AWS", "customer": "Customer", "shared": "Shared"}
SEVERITIES = ("critical", "high", "medium", "low")
FRAGMENT_KEYS = frozenset(
    {
        "topics",
        "services",
        "service",
        "cells",
        "summary",
        "sources",
        "checks",
        "teams",
        "vocabulary",
        "lambda_runtimes",
        "eks_versions",  # read by bot/checks/eks_versions.py, not part of the answer catalogue
        "products",
    }
)
VOCABULARY_LISTS = (
    "responsibility",
    "chat_shorthand",
    "trailing_owner_words",
    "aws_side",
    "our_side",
    "whole_service",
    "every_layer",
    "account",
    "account_requests",
    "state_words",
    "not_responsibility",
    "foreign",
    "foreign_products",
    "own_site",
    "plain_words",
    "compliance",
    "how_to",
    "vulnerability",
    "reporting_words",
    "duty_verbs",
    "maintenance_verbs",
    "whole_layer",
)
MAX_SUMMARY = 600
# A service that sets no precedence is a specialised product: named beside a general platform or
# store ("our ECS tasks pull from ECR", "Comprehend writes its results to our S3 bucket") it is the
# one asked about, so it ranks above the platforms (ECS 75, EKS 80, S3 60), below what runs on them.
# Services that are usually context (IAM, KMS, VPC, EC2, CloudFormation) set a lower one.
DEFAULT_PRECEDENCE = 82


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the catalogue, located precisely enough to fix it."""

    file: str
    entry: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.message}"


class CatalogueError(DemarcError):
    """The catalogue cannot be used; `problems` lists every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"the catalogue has {len(self.problems)} problem(s):\n{lines}")


def _fields_reduce(obj: Any) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a frozen dataclass as its constructor and fields: a cold `demarc ask` unpickles
    thousands of cells, and the generated per-field `__setstate__` takes twice as long."""
    return type(obj), tuple(getattr(obj, f.name) for f in fields(obj))


@dataclass(frozen=True, slots=True)
class Topic:
    __reduce__ = _fields_reduce

    id: str
    title: str
    description: str
    order: int
    aliases: tuple[str, ...]
    hints: tuple[str, ...]
    # Identifiers that name the layer, by the phrase they mean: ("language runtime", regex) reads
    # "nodejs16.x" or "python3.8" as itself followed by "language runtime".
    name_patterns: tuple[tuple[str, str], ...] = ()
    # The layer said in plain words ("the buildings the servers sit in"): training text for the
    # layer model only, never matched as a phrase.
    plain: tuple[str, ...] = ()
    # Facets every cell of this layer with a given owner shares (every AWS API requires TLS 1.2 of
    # its clients, so even where AWS protects the data the connection's client end is yours).
    parts: tuple[LayerPart, ...] = ()


@dataclass(frozen=True, slots=True)
class Part:
    """One facet of a layer whose owner differs from the cell's (AWS rotates AWS managed keys;
    you rotate customer managed keys): the phrases that name it, its owner, and why."""

    __reduce__ = _fields_reduce

    owner: Owner
    when: tuple[str, ...]
    summary: str
    sources: tuple[str, ...]
    # Written once on the layer for every cell of one owner: the phrases name the layer's facet,
    # not this service's features, so they are no evidence of the service.
    layer_wide: bool = False


@dataclass(frozen=True, slots=True)
class LayerPart:
    """A facet written once on a layer, joining every cell of that layer whose owner is `over`."""

    __reduce__ = _fields_reduce

    over: Owner
    part: Part


@dataclass(frozen=True, slots=True)
class Cell:
    __reduce__ = _fields_reduce

    service: str
    topic: str
    owner: Owner
    summary: str
    sources: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True, slots=True)
class Service:
    __reduce__ = _fields_reduce

    id: str
    name: str
    model: str
    precedence: int
    aliases: tuple[str, ...]
    hints: tuple[str, ...]
    neighbours: tuple[str, ...]
    summary: str
    sources: tuple[str, ...]
    cells: Mapping[str, Cell]
    framings: tuple[str, ...] = ()
    variant_of: str | None = None  # a variant inherits every cell of its parent and overrides some
    answer_as_parent: bool = False  # the answer's `match.service` stays the parent's id
    differs: str = ""  # for a variant: the sentence shown first ("Unlike RDS, on RDS Custom you patch the OS")
    runs_on: tuple[str, ...] = ()  # services it runs on that a question may also name (graph edges)
    part_of: str | None = None  # a bigger product it is part of
    # For a variant: configurations that define it ("custom ami", "managed updates off"). A question
    # that names the parent and states one of them (all its words, any order) is about the variant.
    selected_by: tuple[str, ...] = ()
    # Regular expressions for names that are too many to list as aliases (every `*.metal` instance
    # type): a question's text that matches one is read as the service's first alias.
    name_patterns: tuple[str, ...] = ()
    # It reports on the others (a Security Hub control, an Inspector or GuardDuty finding): named
    # first, it is the question's subject unless it is only the messenger ("Inspector flagged ...").
    reports_on: bool = False
    # Services it uses as parts (Transfer Family's S3 bucket, a Step Functions task's Lambda):
    # named before them, it is the subject.
    uses: tuple[str, ...] = ()
    # Every other service uses it (CloudWatch for logs, KMS for keys, IAM for roles): named after
    # another service, it is the means, not the subject.
    used_by_all: bool = False
    # It runs your code (EC2, ECS, EKS, Fargate, Lambda, Auto Scaling): named after a service that
    # code calls, it says where the caller runs ("Mount targets for the EFS our ECS tasks share").
    hosts_code: bool = False

    @property
    def own_cells(self) -> list[str]:
        """The topics this service defines itself (for a variant: its overrides)."""
        return [t for t, c in self.cells.items() if c.service == self.id]


@dataclass(frozen=True, slots=True)
class CheckInfo:
    __reduce__ = _fields_reduce

    id: str
    service: str
    topic: str
    title: str
    severity: str
    keywords: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...]
    fix: str


@dataclass(frozen=True, slots=True)
class LambdaRuntime:
    __reduce__ = _fields_reduce

    id: str
    deprecated: dt.date | None
    source: str


@dataclass(frozen=True)
class Catalogue:
    topics: Mapping[str, Topic]
    services: Mapping[str, Service]
    checks: Mapping[str, CheckInfo]
    teams: Mapping[str, str]
    vocabulary: Mapping[str, tuple[str, ...]]
    lambda_runtimes: Mapping[str, LambdaRuntime]
    directories: tuple[Path, ...] = field(default=())
    products: Mapping[str, Product] = field(default_factory=dict)  # offerings not covered, by id

    @property
    def topic_order(self) -> list[str]:
        return sorted(self.topics, key=lambda t: self.topics[t].order)

    def cell(self, service: str, topic: str) -> Cell:
        return self.services[service].cells[topic]

    def breakdown(self, service: str) -> dict[str, list[str]]:
        """Topic ids by owner, each list in layer order (facilities up to data)."""
        result: dict[str, list[str]] = {owner: [] for owner in OWNERS}
        cells = self.services[service].cells
        for topic in self.topic_order:
            if topic in cells:
                result[cells[topic].owner].append(topic)
        return result

    def layers_in_order(self, breakdown: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
        """(topic, owner) for every layer a breakdown names, facilities up to data: the order
        every rendering of a breakdown (text, Block Kit, tables) lists them in."""
        owner_of = {topic: owner for owner in OWNERS for topic in breakdown.get(owner, [])}
        return [(topic, owner_of[topic]) for topic in self.topic_order if topic in owner_of]

    def team_for(self, service: str, topic: str) -> str | None:
        """The user's own team for a cell they own (service/topic beats topic-wide mappings)."""
        return self.teams.get(f"{service}/{topic}") or self.teams.get(topic)

    def checks_for_cell(self, service: str, topic: str) -> list[str]:
        return [c.id for c in self.checks.values() if c.service == service and c.topic == topic]


# --------------------------------------------------------------------------- reading


@dataclass
class _Raw:
    """Merged raw data, with the file each entry came from (for error messages)."""

    topics: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    service_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    cells: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    teams: dict[str, Any] = field(default_factory=dict)
    vocabulary: dict[str, list[Any]] = field(default_factory=dict)
    lambda_runtimes: dict[str, Any] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)  # entry -> file, within the directory being read

    def define(self, name: str, entry: str, problems: list[Problem]) -> None:
        """Note where an entry is defined; the same service or cell twice in one directory is an error."""
        first = self.seen.get(entry)
        if first is not None and first != name:
            problems.append(Problem(name, entry, f"is defined twice in one catalogue directory: in {first} and {name}"))
        elif first is not None:
            problems.append(Problem(name, entry, "is defined twice in this file"))
        self.seen[entry] = name


def _yaml() -> Any:
    import yaml

    return yaml


@lru_cache(maxsize=1)
def _yaml_loader() -> type[yaml.SafeLoader]:
    """The fastest safe loader, refusing a key twice in one mapping: YAML would keep the last
    silently ("aliases:" written twice in a cell drops the first list)."""
    import yaml  # only to build a catalogue: `ask` from the cache never parses YAML

    base = cast("type[yaml.SafeLoader]", getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    class _StrictLoader(base):  # type: ignore[valid-type,misc]
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, str) and key in seen:
                    reason = f"duplicate key {key!r} (the later one would replace the first)"
                    raise yaml.constructor.ConstructorError(None, None, reason, key_node.start_mark)
                seen.add(key)
            return cast("dict[Any, Any]", super().construct_mapping(node, deep=deep))

    return _StrictLoader


def _catalogue_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _merge_fields(target: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        target[key] = value


def _read_directory(directory: Path, raw: _Raw, problems: list[Problem]) -> None:
    raw.seen = {}  # entries defined in this directory: a second definition here is a mistake
    if not directory.is_dir():
        problems.append(Problem(_display(directory), "(directory)", "is not a directory"))
        return
    files = _catalogue_files(directory)
    if not files:
        problems.append(Problem(_display(directory), "(directory)", "holds no .yaml files"))
    for path in files:
        name = _display(path)
        try:
            data = _yaml().load(path.read_text(encoding="utf-8"), Loader=_yaml_loader())
        except _yaml().YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "(file)"
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            problems.append(Problem(name, where, f"is not valid YAML: {reason}"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, "(file)", f"cannot be read: {exc}"))
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(Problem(name, "(top level)", "must be a mapping of sections (topics, services, cells ...)"))
            continue
        _read_fragment(name, data, raw, problems)


def _mapping(name: str, entry: str, value: Any, problems: list[Problem]) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    problems.append(Problem(name, entry, f"must be a mapping, got {type(value).__name__}"))
    return None


def _read_fragment(name: str, data: dict[str, Any], raw: _Raw, problems: list[Problem]) -> None:
    for key in data:
        if key not in FRAGMENT_KEYS:
            problems.append(
                Problem(name, str(key), f"unknown section (expected one of {', '.join(sorted(FRAGMENT_KEYS))})")
            )
    for section in ("topics", "services", "checks", "products"):
        if section not in data:
            continue
        entries = _mapping(name, section, data[section], problems)
        for entry_id, body in (entries or {}).items():
            fields = _mapping(name, f"{section}.{entry_id}", body, problems)
            if fields is None:
                continue
            target: dict[str, dict[str, Any]] = getattr(raw, section)
            if section == "services":
                raw.define(name, f"services.{entry_id}", problems)
            _merge_fields(target.setdefault(str(entry_id), {}), fields)
            raw.origin[f"{section}.{entry_id}"] = name
    if "cells" in data or "service" in data:
        _read_cells(name, data, raw, problems)
    if "teams" in data:
        teams = _mapping(name, "teams", data["teams"], problems) or {}
        for key, team in teams.items():
            raw.teams[str(key)] = team
            raw.origin[f"teams.{key}"] = name
    if "vocabulary" in data:
        vocabulary = _mapping(name, "vocabulary", data["vocabulary"], problems) or {}
        for key, words in vocabulary.items():
            if key not in VOCABULARY_LISTS:
                problems.append(
                    Problem(name, f"vocabulary.{key}", f"unknown list (expected {', '.join(VOCABULARY_LISTS)})")
                )
            elif not isinstance(words, list):
                problems.append(Problem(name, f"vocabulary.{key}", "must be a list of phrases"))
            else:
                raw.vocabulary.setdefault(key, []).extend(words)
                raw.origin.setdefault(f"vocabulary.{key}", name)
    if "lambda_runtimes" in data:
        runtimes = _mapping(name, "lambda_runtimes", data["lambda_runtimes"], problems) or {}
        for key, body in runtimes.items():
            raw.lambda_runtimes[str(key)] = body
            raw.origin[f"lambda_runtimes.{key}"] = name


def _read_cells(name: str, data: dict[str, Any], raw: _Raw, problems: list[Problem]) -> None:
    service = data.get("service")
    if not isinstance(service, str) or not service:
        problems.append(Problem(name, "service", "a file with cells must name its service id (service: <id>)"))
        return
    info = raw.service_info.setdefault(service, {})
    for key in ("summary", "sources"):
        if key in data:
            info[key] = data[key]
            raw.origin[f"service_info.{service}.{key}"] = name
    cells = _mapping(name, f"cells ({service})", data.get("cells", {}), problems) or {}
    for topic, body in cells.items():
        fields = _mapping(name, f"cells.{service}.{topic}", body, problems)
        if fields is None:
            continue
        raw.define(name, f"cells.{service}.{topic}", problems)
        _merge_fields(raw.cells.setdefault(service, {}).setdefault(str(topic), {}), fields)
        raw.origin[f"cells.{service}.{topic}"] = name


# --------------------------------------------------------------------------- validation


def _phrases(origin: str, entry: str, value: Any, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(Problem(origin, entry, "must be a list of phrases"))
        return ()
    for item in value:
        if isinstance(item, bool):
            problems.append(Problem(origin, entry, f'phrase {item!r} is not text (quote on/off/yes/no in YAML: "on")'))
        elif not isinstance(item, (str, int, float)):
            problems.append(Problem(origin, entry, f"phrase {item!r} is not text"))
    return tuple(str(v) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool))


def _patterns(origin: str, entry: str, value: Any, problems: list[Problem]) -> tuple[str, ...]:
    """Regular expressions (case-insensitive); one that does not compile is reported, not raised."""
    patterns = _phrases(origin, entry, value, problems)
    good = []
    for pattern in patterns:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as error:
            problems.append(Problem(origin, entry, f"{pattern!r} is not a regular expression: {error}"))
            continue
        good.append(pattern)
    return tuple(good)


def _topic_patterns(origin: str, entry: str, value: Any, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    """A mapping of phrase -> regular expressions, as (phrase, pattern) pairs."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        problems.append(Problem(origin, entry, "must map a phrase to a list of regular expressions"))
        return ()
    return tuple(
        (str(phrase), pattern)
        for phrase, patterns in value.items()
        for pattern in _patterns(origin, f"{entry}.{phrase}", patterns, problems)
    )


def _text(origin: str, entry: str, value: Any, problems: list[Problem], *, required: bool = True) -> str:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    if value is None and not required:
        return ""
    problems.append(Problem(origin, entry, "must be a non-empty string"))
    return ""


def _sources(origin: str, entry: str, value: Any, problems: list[Problem], *, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        problems.append(Problem(origin, entry, "must be a non-empty list of documentation URLs"))
        return ()
    urls: list[str] = []
    for url in value:
        if not isinstance(url, str) or not url.startswith("https://"):
            problems.append(Problem(origin, entry, f"source {url!r} is not an https:// URL"))
        else:
            urls.append(url)
    return tuple(urls)


def _build(raw: _Raw, problems: list[Problem], directories: tuple[Path, ...]) -> Catalogue:
    origin = raw.origin
    topics: dict[str, Topic] = {}
    for order, (topic_id, body) in enumerate(raw.topics.items()):
        where = origin.get(f"topics.{topic_id}", "?")
        topics[topic_id] = Topic(
            id=topic_id,
            title=_text(where, f"topics.{topic_id}.title", body.get("title"), problems),
            description=_text(
                where, f"topics.{topic_id}.description", body.get("description"), problems, required=False
            ),
            order=order,
            aliases=_phrases(where, f"topics.{topic_id}.aliases", body.get("aliases"), problems),
            hints=_phrases(where, f"topics.{topic_id}.hints", body.get("hints"), problems),
            name_patterns=_topic_patterns(
                where, f"topics.{topic_id}.name_patterns", body.get("name_patterns"), problems
            ),
            plain=_phrases(where, f"topics.{topic_id}.plain", body.get("plain"), problems),
            parts=_layer_parts(where, f"topics.{topic_id}", body.get("parts"), problems),
        )
    if not topics:
        problems.append(Problem("(catalogue)", "topics", "no topics are defined"))

    services: dict[str, Service] = {}
    for service_id, body in raw.services.items():
        where = origin.get(f"services.{service_id}", "?")
        precedence = body.get("precedence", DEFAULT_PRECEDENCE)
        if not isinstance(precedence, int) or isinstance(precedence, bool):
            problems.append(Problem(where, f"services.{service_id}.precedence", "must be an integer"))
            precedence = DEFAULT_PRECEDENCE
        variant_of = body.get("variant_of")
        if variant_of is not None and (not isinstance(variant_of, str) or variant_of not in raw.services):
            problems.append(Problem(where, f"services.{service_id}.variant_of", f"unknown service {variant_of!r}"))
            variant_of = None
        if variant_of == service_id:
            problems.append(Problem(where, f"services.{service_id}.variant_of", "a service cannot be its own variant"))
            variant_of = None
        cells = _build_cells(service_id, raw, topics, problems, variant=variant_of is not None)
        info = raw.service_info.get(service_id, {})
        info_origin = origin.get(f"service_info.{service_id}.summary", where)
        services[service_id] = Service(
            id=service_id,
            name=_text(where, f"services.{service_id}.name", body.get("name"), problems),
            model=str(body.get("model") or service_id),
            precedence=precedence,
            aliases=_phrases(where, f"services.{service_id}.aliases", body.get("aliases"), problems),
            hints=_phrases(where, f"services.{service_id}.hints", body.get("hints"), problems),
            neighbours=_phrases(where, f"services.{service_id}.neighbours", body.get("neighbours"), problems),
            summary=_text(info_origin, f"{service_id}.summary", info.get("summary"), problems, required=False),
            sources=_sources(info_origin, f"{service_id}.sources", info.get("sources"), problems, required=False),
            cells=cells,
            framings=_phrases(where, f"services.{service_id}.framings", body.get("framings"), problems),
            variant_of=variant_of,
            answer_as_parent=bool(body.get("answer_as_parent", False)),
            differs=_text(where, f"services.{service_id}.differs", body.get("differs"), problems, required=False),
            runs_on=_phrases(where, f"services.{service_id}.runs_on", body.get("runs_on"), problems),
            part_of=str(body["part_of"]) if body.get("part_of") else None,
            selected_by=_phrases(where, f"services.{service_id}.selected_by", body.get("selected_by"), problems),
            name_patterns=_patterns(where, f"services.{service_id}.name_patterns", body.get("name_patterns"), problems),
            reports_on=bool(body.get("reports_on", False)),
            uses=_phrases(where, f"services.{service_id}.uses", body.get("uses"), problems),
            used_by_all=bool(body.get("used_by_all", False)),
            hosts_code=bool(body.get("hosts_code", False)),
        )
        if services[service_id].name_patterns and not services[service_id].aliases:
            problems.append(
                Problem(where, f"services.{service_id}.name_patterns", "a service with name patterns needs an alias")
            )
        if services[service_id].selected_by and variant_of is None:
            problems.append(
                Problem(
                    where,
                    f"services.{service_id}.selected_by",
                    "only a variant (variant_of) is selected by configuration",
                )
            )
    services = _resolve_graph(services, raw, problems)
    for service_id in raw.cells:
        if service_id not in raw.services:
            where = next(iter(origin[k] for k in origin if k.startswith(f"cells.{service_id}.")), "?")
            problems.append(
                Problem(
                    where,
                    f"service {service_id}",
                    "has cells but is not defined under `services:` (name it there first)",
                )
            )
    for service in services.values():
        for neighbour in service.neighbours:
            if neighbour not in raw.services:
                problems.append(
                    Problem(
                        origin.get(f"services.{service.id}", "?"),
                        f"services.{service.id}.neighbours",
                        f"unknown service {neighbour!r}",
                    )
                )
        for edge in ("runs_on", "part_of", "uses"):
            value = getattr(service, edge)
            for target in value if isinstance(value, tuple) else (value,) if value else ():
                if target not in raw.services:
                    problems.append(
                        Problem(
                            origin.get(f"services.{service.id}", "?"),
                            f"services.{service.id}.{edge}",
                            f"unknown service {target!r}",
                        )
                    )
        model = service.model
        if model not in raw.services:
            problems.append(
                Problem(
                    origin.get(f"services.{service.id}", "?"),
                    f"services.{service.id}.model",
                    f"unknown model {model!r}",
                )
            )

    checks = _build_checks(raw, services, topics, problems)
    teams = _build_teams(raw, services, topics, problems)
    vocabulary = {
        key: _phrases(origin.get(f"vocabulary.{key}", "?"), f"vocabulary.{key}", raw.vocabulary.get(key, []), problems)
        for key in VOCABULARY_LISTS
    }
    runtimes = _build_runtimes(raw, problems)
    products = _build_products(raw, services, problems)
    return Catalogue(topics, services, checks, teams, vocabulary, runtimes, directories, products)


def _build_products(raw: _Raw, services: Mapping[str, Service], problems: list[Problem]) -> dict[str, Product]:
    products: dict[str, Product] = {}
    for product_id, body in raw.products.items():
        where = raw.origin.get(f"products.{product_id}", "?")
        entry = f"products.{product_id}"
        if product_id in services:
            continue  # the catalogue covers it now: its own cells answer
        near = body.get("near")
        if near is not None and near not in services:
            problems.append(Problem(where, f"{entry}.near", f"unknown service {near!r}"))
            near = None
        products[product_id] = Product(
            name=_text(where, f"{entry}.name", body.get("name"), problems),
            aliases=_phrases(where, f"{entry}.aliases", body.get("aliases"), problems),
            near=near,
            moves_line=bool(body.get("moves_line", False)),
            read=str(body.get("read") or ""),
            reports_on=bool(body.get("reports_on", False)),
            deploys=bool(body.get("deploys", False)),
        )
    return products


def _resolve_graph(services: dict[str, Service], raw: _Raw, problems: list[Problem]) -> dict[str, Service]:
    """Fill variants from their parents and rank services by the graph.

    A variant gets every parent cell it does not override, and the parent's model. Where a
    service sets no `precedence`, the graph sets it: a variant, or a service that runs on or
    is part of another, ranks above that other one, so the most specific service named wins.
    """
    resolved: dict[str, Service] = {}
    visiting: set[str] = set()

    def resolve(service_id: str) -> Service:
        if service_id in resolved:
            return resolved[service_id]
        service = services[service_id]
        if service_id in visiting:
            where = raw.origin.get(f"services.{service_id}", "?")
            problems.append(Problem(where, f"services.{service_id}", "variant_of/runs_on/part_of edges form a cycle"))
            return service
        visiting.add(service_id)
        above = [t for t in (service.variant_of, *service.runs_on, service.part_of) if t and t in services]
        parents = [resolve(t) for t in above]
        visiting.discard(service_id)
        changes: dict[str, Any] = {}
        if service.variant_of and service.variant_of in services:
            parent = resolve(service.variant_of)
            cells = dict(parent.cells)
            cells.update(service.cells)
            changes["cells"] = cells
            if "model" not in raw.services[service_id]:
                changes["model"] = parent.model
        if "precedence" not in raw.services[service_id] and parents:
            changes["precedence"] = max(DEFAULT_PRECEDENCE, *(p.precedence for p in parents)) + 5
        result = dataclasses.replace(service, **changes) if changes else service
        resolved[service_id] = result
        return result

    return {service_id: resolve(service_id) for service_id in services}


def _build_cells(
    service_id: str, raw: _Raw, topics: Mapping[str, Topic], problems: list[Problem], *, variant: bool = False
) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    given = raw.cells.get(service_id, {})
    service_origin = raw.origin.get(f"services.{service_id}", "?")
    for topic_id, body in given.items():
        where = raw.origin.get(f"cells.{service_id}.{topic_id}", "?")
        entry = f"cells.{service_id}.{topic_id}"
        if topic_id not in topics:
            problems.append(Problem(where, entry, f"unknown topic {topic_id!r}"))
            continue
        unknown = set(body) - {"owner", "summary", "sources", "aliases", "parts"}
        if unknown:
            problems.append(Problem(where, entry, f"unknown field(s) {', '.join(sorted(unknown))}"))
        owner = body.get("owner")
        if owner not in OWNERS:
            problems.append(Problem(where, entry, f"owner {owner!r} is not one of aws, customer, shared"))
            continue
        summary = _text(where, f"{entry}.summary", body.get("summary"), problems)
        if len(summary) > MAX_SUMMARY:
            problems.append(Problem(where, f"{entry}.summary", f"is {len(summary)} characters (at most {MAX_SUMMARY})"))
        if owner == "shared" and summary and not _says_both_sides(summary):
            problems.append(
                Problem(where, f"{entry}.summary", "a shared cell must say which part is AWS's and which is yours")
            )
        cells[topic_id] = Cell(
            service=service_id,
            topic=topic_id,
            owner=cast(Owner, owner),
            summary=summary,
            sources=_sources(where, f"{entry}.sources", body.get("sources"), problems, required=True),
            aliases=_phrases(where, f"{entry}.aliases", body.get("aliases"), problems),
            parts=(
                *_parts(where, entry, owner, body.get("parts"), problems),
                *(shared.part for shared in topics[topic_id].parts if shared.over == owner),
            ),
        )
    missing = [t for t in topics if t not in cells and t not in given]
    if missing and not variant:
        problems.append(
            Problem(service_origin, f"service {service_id}", f"has no cell for topic(s): {', '.join(missing)}")
        )
    return cells


def _parts(where: str, entry: str, cell_owner: str, value: Any, problems: list[Problem]) -> tuple[Part, ...]:
    """A cell's `parts`: each an owner other than the cell's, the phrases that name the facet,
    a summary and its sources."""
    return tuple(part for _, part in _read_parts(where, entry, cell_owner, value, problems))


def _layer_parts(where: str, entry: str, value: Any, problems: list[Problem]) -> tuple[LayerPart, ...]:
    """A layer's `parts`: facets written once, each joining every cell of the layer whose owner is
    its `over` (an owner other than the part's own)."""
    return tuple(LayerPart(over, part) for over, part in _read_parts(where, entry, None, value, problems))


def _read_parts(
    where: str, entry: str, cell_owner: str | None, value: Any, problems: list[Problem]
) -> list[tuple[Owner, Part]]:
    """(owner of the cells it joins, part) for each valid entry; a layer's (`cell_owner` None)
    name that owner in `over`."""
    if value is None:
        return []
    layer = cell_owner is None
    named = {"owner", "when", "summary", "sources", *(("over",) if layer else ())}
    listed = ", ".join(sorted(named))
    if not isinstance(value, list):
        problems.append(Problem(where, f"{entry}.parts", f"must be a list of {{{listed}}}"))
        return []
    parts: list[tuple[Owner, Part]] = []
    for index, body in enumerate(value):
        at = f"{entry}.parts[{index}]"
        if not isinstance(body, dict):
            problems.append(Problem(where, at, f"must be a mapping with {listed}"))
            continue
        unknown = set(body) - named
        if unknown:
            problems.append(Problem(where, at, f"unknown field(s) {', '.join(sorted(unknown))}"))
        owner = body.get("owner")
        if owner not in OWNERS:
            problems.append(Problem(where, f"{at}.owner", f"{owner!r} is not one of aws, customer, shared"))
            continue
        over = body.get("over") if layer else cell_owner
        if over not in OWNERS:
            problems.append(Problem(where, f"{at}.over", f"{over!r} is not one of aws, customer, shared"))
            continue
        if owner == over:
            whose = "the owner of the cells it joins" if layer else "the cell's own owner"
            problems.append(Problem(where, f"{at}.owner", f"is {whose} ({owner}); a part names a facet that differs"))
        when = _phrases(where, f"{at}.when", body.get("when"), problems)
        if not when:
            problems.append(Problem(where, f"{at}.when", "must list the phrases that name this facet"))
        summary = _text(where, f"{at}.summary", body.get("summary"), problems)
        if layer and owner == "shared" and summary and not _says_both_sides(summary):
            problems.append(Problem(where, f"{at}.summary", "a shared facet must say which part is AWS's and yours"))
        part = Part(
            owner=cast(Owner, owner),
            when=when,
            summary=summary,
            sources=_sources(where, f"{at}.sources", body.get("sources"), problems, required=True),
            layer_wide=layer,
        )
        parts.append((cast(Owner, over), part))
    return parts


def _says_both_sides(summary: str) -> bool:
    lowered = summary.lower()
    return "aws" in lowered and any(word in lowered for word in ("you", "customer", "your"))


def _build_checks(
    raw: _Raw, services: Mapping[str, Service], topics: Mapping[str, Topic], problems: list[Problem]
) -> dict[str, CheckInfo]:
    checks: dict[str, CheckInfo] = {}
    for check_id, body in raw.checks.items():
        where = raw.origin.get(f"checks.{check_id}", "?")
        entry = f"checks.{check_id}"
        service, topic = body.get("service"), body.get("topic")
        if service not in services:
            problems.append(Problem(where, f"{entry}.service", f"unknown service {service!r}"))
        if topic not in topics:
            problems.append(Problem(where, f"{entry}.topic", f"unknown topic {topic!r}"))
        severity = body.get("severity", "medium")
        if severity not in SEVERITIES:
            problems.append(Problem(where, f"{entry}.severity", f"must be one of {', '.join(SEVERITIES)}"))
        groups_raw = body.get("keywords", [])
        groups: list[tuple[str, ...]] = []
        if not isinstance(groups_raw, list) or not groups_raw:
            problems.append(Problem(where, f"{entry}.keywords", "must be a non-empty list of phrase lists"))
        else:
            for index, group in enumerate(groups_raw):
                phrases = _phrases(where, f"{entry}.keywords[{index}]", group, problems)
                if phrases:
                    groups.append(phrases)
        checks[check_id] = CheckInfo(
            id=check_id,
            service=str(service),
            topic=str(topic),
            title=_text(where, f"{entry}.title", body.get("title"), problems),
            severity=str(severity),
            keywords=tuple(groups),
            unless=_phrases(where, f"{entry}.unless", body.get("unless"), problems),
            fix=_text(where, f"{entry}.fix", body.get("fix"), problems),
        )
    return checks


def _build_teams(
    raw: _Raw, services: Mapping[str, Service], topics: Mapping[str, Topic], problems: list[Problem]
) -> dict[str, str]:
    teams: dict[str, str] = {}
    for key, team in raw.teams.items():
        where = raw.origin.get(f"teams.{key}", "?")
        service, _, topic = key.rpartition("/")
        if topic not in topics or (service and service not in services):
            problems.append(
                Problem(
                    where, f"teams.{key}", "must be a topic id or service/topic (e.g. os-patching or ec2/os-patching)"
                )
            )
            continue
        if not isinstance(team, str) or not team.strip():
            problems.append(Problem(where, f"teams.{key}", "must name a team (e.g. '@platform-oncall')"))
            continue
        teams[key] = team.strip()
    return teams


def _build_runtimes(raw: _Raw, problems: list[Problem]) -> dict[str, LambdaRuntime]:
    runtimes: dict[str, LambdaRuntime] = {}
    for runtime_id, body in raw.lambda_runtimes.items():
        where = raw.origin.get(f"lambda_runtimes.{runtime_id}", "?")
        entry = f"lambda_runtimes.{runtime_id}"
        if not isinstance(body, dict):
            problems.append(Problem(where, entry, "must be a mapping with `deprecated` (a date or null)"))
            continue
        deprecated = body.get("deprecated")
        if isinstance(deprecated, str):
            try:
                deprecated = dt.date.fromisoformat(deprecated)
            except ValueError:
                problems.append(Problem(where, f"{entry}.deprecated", f"{deprecated!r} is not a YYYY-MM-DD date"))
                continue
        if deprecated is not None and not isinstance(deprecated, dt.date):
            problems.append(Problem(where, f"{entry}.deprecated", "must be a YYYY-MM-DD date or null"))
            continue
        runtimes[runtime_id] = LambdaRuntime(runtime_id, deprecated, str(body.get("source") or ""))
    return runtimes


GENERIC_SOURCE = "https://aws.amazon.com/compliance/shared-responsibility-model/"


def generic_only_cells(catalogue: Catalogue) -> list[tuple[str, str]]:
    """Cells whose only source is AWS's generic shared-responsibility page (a warning, not an error).

    That page states the model, not any one service's feature, so such a cell rests on nothing
    a reviewer can check for that service.
    """
    found: list[tuple[str, str]] = []
    for service in catalogue.services.values():
        for topic in service.own_cells:
            sources = service.cells[topic].sources
            if sources and all(url.rstrip("/") == GENERIC_SOURCE.rstrip("/") for url in sources):
                found.append((service.id, topic))
    return found


# --------------------------------------------------------------------------- entry points


def catalogue_directories(
    extra: Iterable[Path | str] = (), *, configured: Sequence[Path] | None = None
) -> tuple[Path, ...]:
    """The built-in catalogue, then `DEMARC_CATALOGUE` (`configured`, as `Settings.catalogue`
    holds it; read with the same parser when not given), then any extra directories."""
    from bot.config import parse_catalogue_dirs

    dirs = [builtin_catalogue_dir()]
    dirs.extend(configured if configured is not None else parse_catalogue_dirs(os.environ.get("DEMARC_CATALOGUE")))
    dirs.extend(Path(p) for p in extra)
    return tuple(dirs)


def collect_problems(directories: Sequence[Path]) -> tuple[Catalogue | None, list[Problem]]:
    """Read and validate; returns the catalogue only when there is no problem at all."""
    raw = _Raw()
    problems: list[Problem] = []
    for directory in directories:
        _read_directory(Path(directory), raw, problems)
    catalogue = _build(raw, problems, tuple(Path(d) for d in directories))
    return (None if problems else catalogue), problems


def load_catalogue(directories: Sequence[Path] | None = None) -> Catalogue:
    """Load and validate, or raise CatalogueError listing every problem."""
    dirs = tuple(directories) if directories is not None else catalogue_directories()
    catalogue, problems = collect_problems(dirs)
    if catalogue is None:
        raise CatalogueError(problems)
    return catalogue


@lru_cache(maxsize=4)
def _cached(directories: tuple[Path, ...]) -> Catalogue:
    """Loaded once per process, and from the on-disk cache (`bot.cache`) across processes:
    parsing and validating the YAML costs ~1 s of CPU, which a posture job, a Lambda cold
    start or `demarc check` otherwise paid just to name each finding's cell and owner."""
    from bot.cache import cache_key, cached_as

    return cached_as("catalogue", cache_key(directories), lambda: load_catalogue(directories), Catalogue)


def default_catalogue() -> Catalogue:
    """The catalogue for this process's configuration, loaded once."""
    return _cached(catalogue_directories())
