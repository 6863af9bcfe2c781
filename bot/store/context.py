"""The memory of conversations: what each Slack thread (each DM) was last about, for follow-ups.

A follow-up ("and on Lambda?") may land on another replica, another Lambda container, or
after a restart, so the `Context` (`bot.conversation`) lives in the state store named by
`DEMARC_STATE`, next to posture runs and seen events:

- SQLite: table `conversations (key, data, expires_at)` in the state file, created on first
  use (`CREATE TABLE IF NOT EXISTS`, outside the numbered migrations of `bot.store.sqlite`,
  so it never competes with them);
- DynamoDB: one item per conversation, `pk = context#<key>`, `sk = context`, the context as
  JSON in `data`, and `purge_at` (the table's TTL attribute, as for seen events).

A context lasts `DEMARC_CONTEXT_TTL_SECONDS` (default 3600) after the last answer in its
conversation, by the injected clock; an expired one reads as absent even before it is purged
(DynamoDB's TTL deletion is lazy). Keys are built by the Slack layer: `<team>:<channel>:<thread
ts>` in channels, `<team>:<channel>` for a DM. A store that cannot be reached never stops an
answer: it reads as "no context" and a failed save is logged (fail open).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.clock import SYSTEM_CLOCK, Clock, epoch_seconds
from bot.config import DEFAULT_CONTEXT_TTL_SECONDS
from bot.conversation import Context
from bot.store.location import parse_state
from bot.store.seen_dynamo import TTL_ATTRIBUTE
from bot.store.sqlite import BUSY_TIMEOUT_MS

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger("demarc.context")


class ConversationStore(Protocol):
    """Remembers one `Context` per conversation key, for a time-to-live."""

    def load(self, key: str) -> Context | None:
        """The conversation's context, or None when there is none or it has expired."""

    def save(self, key: str, context: Context) -> None:
        """Remember `context` for `key` (replacing any), for the TTL from now."""

    def known(self, key: str) -> bool:
        """Whether demarc answered in this conversation within the TTL."""


class SqliteConversations:
    """`ConversationStore` in the SQLite state file (several processes on one machine share it)."""

    def __init__(self, path: Path, *, clock: Clock = SYSTEM_CLOCK, ttl_seconds: float = DEFAULT_CONTEXT_TTL_SECONDS):
        self.path = Path(path)
        self.clock, self.ttl = clock, float(ttl_seconds)
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not self._ready:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS conversations "
                "(key TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at REAL NOT NULL)"
            )
            self._ready = True
        return conn

    def _row(self, key: str) -> str | None:
        now = epoch_seconds(self.clock)
        try:
            conn = self._connect()
            try:
                row = conn.execute(
                    "SELECT data FROM conversations WHERE key = ? AND expires_at > ?", (key, now)
                ).fetchone()
            finally:
                conn.close()
        except (sqlite3.Error, OSError) as exc:
            log.warning("conversation context unavailable", extra={"error": type(exc).__name__})
            return None
        return str(row[0]) if row else None

    def load(self, key: str) -> Context | None:
        data = self._row(key)
        return Context.from_json(data) if data else None

    def known(self, key: str) -> bool:
        return self._row(key) is not None

    def save(self, key: str, context: Context) -> None:
        now = epoch_seconds(self.clock)
        try:
            conn = self._connect()
            try:
                conn.execute(
                    "INSERT INTO conversations (key, data, expires_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
                    (key, context.to_json(), now + self.ttl),
                )
                conn.execute("DELETE FROM conversations WHERE expires_at <= ?", (now,))
            finally:
                conn.close()
        except (sqlite3.Error, OSError) as exc:
            log.warning("conversation context not saved", extra={"error": type(exc).__name__})


class DynamoConversations:
    """`ConversationStore` on the shared DynamoDB table (replicas, AWS Lambda)."""

    def __init__(
        self,
        table: str,
        *,
        region: str | None = None,
        client: Any = None,
        clock: Clock = SYSTEM_CLOCK,
        ttl_seconds: float = DEFAULT_CONTEXT_TTL_SECONDS,
    ) -> None:
        self.table = table
        self.clock, self.ttl = clock, float(ttl_seconds)
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 2, "mode": "standard"})
            client = boto3.session.Session().client("dynamodb", region_name=region, config=config)
        self._db = client

    def _key(self, key: str) -> dict[str, Any]:
        return {"pk": {"S": f"context#{key}"}, "sk": {"S": "context"}}

    def _data(self, key: str) -> str | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            item = self._db.get_item(TableName=self.table, Key=self._key(key), ConsistentRead=True).get("Item")
        except (BotoCoreError, ClientError) as exc:
            log.warning("conversation context unavailable", extra={"error": type(exc).__name__})
            return None
        if not item or float(item.get(TTL_ATTRIBUTE, {}).get("N", "0")) <= epoch_seconds(self.clock):
            return None
        return str(item["data"]["S"])

    def load(self, key: str) -> Context | None:
        data = self._data(key)
        return Context.from_json(data) if data else None

    def known(self, key: str) -> bool:
        return self._data(key) is not None

    def save(self, key: str, context: Context) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        item = {
            **self._key(key),
            "data": {"S": context.to_json()},
            TTL_ATTRIBUTE: {"N": str(int(epoch_seconds(self.clock) + self.ttl))},
        }
        try:
            self._db.put_item(TableName=self.table, Item=item)
        except (BotoCoreError, ClientError) as exc:
            log.warning("conversation context not saved", extra={"error": type(exc).__name__})


def open_conversations(settings: Settings, clock: Clock = SYSTEM_CLOCK) -> ConversationStore:
    """The conversation memory `DEMARC_STATE` names, with `DEMARC_CONTEXT_TTL_SECONDS`."""
    location = parse_state(settings.state)
    ttl = settings.context_ttl_seconds
    if location.kind == "dynamodb" and location.table:
        return DynamoConversations(location.table, region=location.region, clock=clock, ttl_seconds=ttl)
    assert location.path is not None
    return SqliteConversations(location.path, clock=clock, ttl_seconds=ttl)
