"""Where posture runs and posting claims live, behind one small interface.

SQLite (the embedded default) serves one machine; replicas on several machines share a
DynamoDB table. `DEMARC_STATE` picks: a file path (or `sqlite:///path`) is SQLite,
`dynamodb://table[?region=eu-west-1]` is DynamoDB. Everything above this module talks
to `StateStore` only, so deltas, trends and "posted once a day" behave the same on both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from bot.checks.model import CheckResult
from bot.errors import ConfigError
from bot.posture.records import PostKey, PostRecord, RunMeta

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["DynamoStore", "SqliteStore", "StateStore", "open_store"]

_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


class StateStore(Protocol):
    """The posture state: runs (for deltas and trends) and post claims (for posting once)."""

    def save_run(self, meta: RunMeta, results: Sequence[CheckResult]) -> None:
        """Store one account's run; never overwrites another run."""

    def recent_runs(self, account: str, limit: int, *, until_key: str | None = None) -> list[RunMeta]:
        """Up to `limit` runs of `account`, newest first, with `key <= until_key` when given."""

    def load_results(self, run_id: str) -> list[CheckResult]:
        """The results of one stored run (empty when the run is unknown)."""

    def accounts(self) -> list[str]:
        """Every account with a stored run, sorted."""

    def claim_post(self, key: PostKey, owner: str, *, now: float, lease: float, force: bool = False) -> bool:
        """Atomically claim the right to post `key`; False when another process holds or did it."""

    def finish_post(self, key: PostKey, owner: str, ts: str, runs: Mapping[str, RunMeta]) -> None:
        """Mark `key` posted (message `ts`) and remember which run of each account it showed."""

    def release_post(self, key: PostKey, owner: str, error: str | None) -> None:
        """Give a claim back: with an error it stays on record as failed (retryable); without, it is
        forgotten (nothing was posted on purpose, e.g. nothing changed)."""

    def posts(self, channel: str, day: str) -> list[PostRecord]:
        """The claims and posts recorded for one channel and local day."""

    def last_posted(self, channel: str, account: str) -> RunMeta | None:
        """The run of `account` that the last summary posted to `channel` showed."""

    def close(self) -> None:
        """Release connections."""


def open_store(settings_or_url: Settings | str | Path | None = None) -> StateStore:
    """The store named by `DEMARC_STATE` (or the given URL or path); SQLite by default."""
    from bot.config import Settings

    target: str | Path | None
    target = settings_or_url.state if isinstance(settings_or_url, Settings) else settings_or_url
    if target is None or (isinstance(target, str) and not target.strip()):
        from bot.paths import default_state_path

        return SqliteStore(default_state_path())
    if isinstance(target, Path):
        return SqliteStore(target.expanduser())
    text = target.strip()
    if text.startswith("dynamodb://"):
        return _dynamo_from_url(text)
    if text.startswith("sqlite://"):
        path = unquote(urlsplit(text).path)
        if not path:
            raise ConfigError(f"DEMARC_STATE={text!r} names no file (use sqlite:///path/to/state.sqlite3)")
        return SqliteStore(Path(path).expanduser())
    if re.match(r"^[a-z][a-z0-9+.-]*://", text):
        raise ConfigError(
            f"DEMARC_STATE={text!r}: unknown store; use a file path (SQLite) or dynamodb://TABLE[?region=R]"
        )
    return SqliteStore(Path(text).expanduser())


def _dynamo_from_url(url: str) -> StateStore:
    parts = urlsplit(url)
    table = unquote(parts.netloc + parts.path).strip("/")
    if not _TABLE.match(table):
        raise ConfigError(f"DEMARC_STATE={url!r}: {table!r} is not a DynamoDB table name")
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"region"})
    if unknown:
        raise ConfigError(f"DEMARC_STATE={url!r}: unknown option(s) {', '.join(unknown)} (only region=...)")
    regions = query.get("region") or []
    region = regions[-1] if regions else None
    return DynamoStore(table, region=region)


# Imported last: the backends import records, not this module, so there is no cycle.
from bot.posture.store_dynamo import DynamoStore  # noqa: E402
from bot.posture.store_sqlite import SqliteStore  # noqa: E402
