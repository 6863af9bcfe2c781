"""The one reading of `DEMARC_STATE`: which store, and where.

Every store demarc opens (posture runs, post claims, the memory of answered Slack events)
is named by this one setting, so there is exactly one parser for it:

| `DEMARC_STATE` | store |
| --- | --- |
| unset | SQLite in the user's data directory |
| a file path, or `sqlite:///path` | SQLite at that path |
| `dynamodb://TABLE[?region=R]` | one DynamoDB table shared by every replica |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from bot.errors import ConfigError

_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


@dataclass(frozen=True)
class StateLocation:
    """Where state lives: a SQLite file, or a DynamoDB table (and its region)."""

    kind: Literal["sqlite", "dynamodb"]
    path: Path | None = None
    table: str | None = None
    region: str | None = None

    @property
    def shared(self) -> bool:
        """Whether replicas on several machines see the same state."""
        return self.kind == "dynamodb"


def parse_state(value: str | Path | None) -> StateLocation:
    """Read a `DEMARC_STATE` value; raise ConfigError with one sentence when it is wrong."""
    if isinstance(value, Path):
        return StateLocation("sqlite", path=value.expanduser())
    text = (value or "").strip()
    if not text:
        from bot.paths import default_state_path

        return StateLocation("sqlite", path=default_state_path())
    if text.startswith("dynamodb://"):
        return _dynamodb(text)
    if text.startswith("sqlite://"):
        path = unquote(urlsplit(text).path)
        if not path:
            raise ConfigError(f"DEMARC_STATE={text!r} names no file (use sqlite:///path/to/state.sqlite3)")
        return StateLocation("sqlite", path=Path(path).expanduser())
    if _SCHEME.match(text):
        raise ConfigError(
            f"DEMARC_STATE={text!r}: unknown store; use a file path (SQLite) or dynamodb://TABLE[?region=R]"
        )
    return StateLocation("sqlite", path=Path(text).expanduser())


def _dynamodb(url: str) -> StateLocation:
    parts = urlsplit(url)
    table = unquote(parts.netloc + parts.path).strip("/")
    if not _TABLE.match(table):
        raise ConfigError(f"DEMARC_STATE={url!r}: {table!r} is not a DynamoDB table name")
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"region"})
    if unknown:
        raise ConfigError(f"DEMARC_STATE={url!r}: unknown option(s) {', '.join(unknown)} (only region=...)")
    regions = query.get("region") or []
    return StateLocation("dynamodb", table=table, region=regions[-1] if regions else None)
