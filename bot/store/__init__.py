"""Everything demarc remembers, behind small interfaces: one package, one setting.

Two kinds of state, each on SQLite (the embedded default, one machine) or on one shared
DynamoDB table (replicas on several machines, AWS Lambda), chosen by `DEMARC_STATE`
(parsed once, in `bot.store.location`):

- `StateStore`: posture runs (for deltas and trends) and post claims (for posting once a
  day); `bot.store.sqlite` and `bot.store.dynamo`.
- `SeenEvents`: ids of Slack deliveries already acted on, so a retry or replay acts once;
  `bot.store.seen` (in memory, per process) and `bot.store.seen_dynamo` (shared).

The key scheme, in one place. SQLite has a table per kind (`runs`, `results`, `posts`,
`posted`, `acceptances`, `audit`, `feedback`; see `bot.store.sqlite`). DynamoDB has one table
with string keys `pk` and `sk`:

| pk | sk | holds |
| --- | --- | --- |
| `run#<account>` | run key (time + id) | run metadata: status, failing count, regions, parts |
| `blob#<run_id>` | `0000`, `0001`, ... | the run's results, zlib-compressed, split under the 400 KB item limit |
| `accounts` | account | one item per account with runs |
| `post#<channel>#<day>` | account set | the day's claim or post (conditional writes; lease in `expires_at`) |
| `posted#<channel>` | account | the run id the channel's last summary showed |
| `event#<id>` | `seen` | a Slack delivery already claimed (TTL attribute `purge_at`) |
| `context#<conversation>` | `context` | a thread's follow-up context (`bot.store.context`; TTL `purge_at`) |
| `accept#<account>` | acceptance key | an accepted risk (`bot.store.risks.Acceptance`, JSON in `data`) |
| `audit#<account>` | event key | an acceptance or expiry event (written once: conditional put) |
| `feedback` | record id | a Right/Wrong click on an answer and its correction (`bot.store.feedback`) |

Everything above this package talks to the protocols only, so deltas, trends, "posted
once a day" and "answered once" behave the same on both backends.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.checks.model import CheckResult
from bot.store.location import StateLocation, parse_state
from bot.store.records import PostKey, PostRecord, RunMeta
from bot.store.risks import Acceptance, AuditEvent
from bot.store.seen import EventIdCache, SeenEvents

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "DynamoStore",
    "EventIdCache",
    "SeenEvents",
    "SqliteStore",
    "StateLocation",
    "StateStore",
    "open_seen_events",
    "open_store",
    "parse_state",
]


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

    def add_acceptance(self, acceptance: Acceptance, *, at: str) -> bool:
        """Store an accepted risk and its `accepted` audit event; False when already stored."""

    def acceptances(self, account: str) -> list[Acceptance]:
        """Every acceptance of `account` ever stored (expired ones included), oldest first."""

    def add_audit(self, event: AuditEvent) -> bool:
        """Record an audit event once; False when an event with its key is already recorded."""

    def audit(self, account: str) -> list[AuditEvent]:
        """The audit trail of `account`, oldest first."""

    def close(self) -> None:
        """Release connections."""


def _location(settings_or_url: Settings | str | Path | None) -> StateLocation:
    """Settings carry DEMARC_STATE as read at start-up; with nothing given, the environment
    is read now, by the same parser."""
    from bot.config import Settings

    if isinstance(settings_or_url, Settings):
        return settings_or_url.state_location
    if settings_or_url is None:
        return parse_state(os.environ.get("DEMARC_STATE"))
    return parse_state(settings_or_url)


def open_store(settings_or_url: Settings | str | Path | None = None) -> StateStore:
    """The store named by `DEMARC_STATE` (or the given URL or path); SQLite by default."""
    location = _location(settings_or_url)
    if location.kind == "dynamodb":
        assert location.table is not None
        return DynamoStore(location.table, region=location.region)
    assert location.path is not None
    return SqliteStore(location.path)


def open_seen_events(settings_or_url: Settings | str | Path | None = None) -> SeenEvents:
    """The memory of answered Slack deliveries that matches `DEMARC_STATE`: the shared
    DynamoDB table when it names one, else this process's memory (SQLite is per machine,
    and one process per machine already shares its memory between threads)."""
    location = _location(settings_or_url)
    if location.kind == "dynamodb" and location.table:
        from bot.store.seen_dynamo import DynamoEventIds

        return DynamoEventIds(location.table, region=location.region)
    return EventIdCache()


# Imported last: the backends import records, not this module, so there is no cycle.
from bot.store.dynamo import DynamoStore  # noqa: E402
from bot.store.sqlite import SqliteStore  # noqa: E402
