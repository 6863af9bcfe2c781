"""Feedback on answers in the posture store, on both backends (`bot.feedback` has the rules).

SQLite: one table, `feedback` (schema version 4, `bot.store.sqlite.MIGRATIONS`), the record
as JSON in `data` beside the columns that are counted and purged by. DynamoDB: partition
`feedback`, sort key the record id (one vote per person per answer, so a second click
replaces the first), the record as JSON in `data`.

`SqliteFeedback` and `DynamoFeedback` are mixed into `SqliteStore` and `DynamoStore`, so one
`DEMARC_STATE` holds posture runs and feedback alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.feedback import VERDICTS, FeedbackRecord

if TYPE_CHECKING:
    from bot.config import Settings


class FeedbackStore(Protocol):
    def save_feedback(self, record: FeedbackRecord) -> None:
        """Store a click; a record with the same id (the same person, the same answer) is replaced."""

    def get_feedback(self, record_id: str) -> FeedbackRecord | None: ...

    def feedback(self) -> list[FeedbackRecord]:
        """Every record, oldest click first."""

    def feedback_counts(self) -> dict[str, int]:
        """`right`, `wrong` and `corrected` (wrong with a correction), purged records included."""

    def redact_feedback(self, before: str) -> int:
        """Blank the text of every record clicked before `before` (ISO time); how many were changed."""

    def close(self) -> None: ...


def open_feedback_store(settings_or_url: Settings | str | Path | None = None) -> FeedbackStore:
    """The store `DEMARC_STATE` names, as a feedback store (both backends implement it)."""
    from bot.store import open_store

    store: Any = open_store(settings_or_url)
    return store  # type: ignore[no-any-return]


def counts_of(records: list[tuple[str, bool]]) -> dict[str, int]:
    counts = {verdict: 0 for verdict in VERDICTS} | {"corrected": 0}
    for verdict, corrected in records:
        counts[verdict] = counts.get(verdict, 0) + 1
        counts["corrected"] += int(corrected and verdict == "wrong")
    return counts


def _corrected(record: FeedbackRecord) -> bool:
    return record.verdict == "wrong" and record.correction is not None and not record.correction.empty


# --------------------------------------------------------------------------- SQLite


def sqlite_v4(conn: sqlite3.Connection) -> None:
    """Feedback on answers: one row per person per answer."""
    conn.execute(
        "CREATE TABLE feedback (id TEXT PRIMARY KEY, at TEXT NOT NULL, verdict TEXT NOT NULL, "
        "corrected INTEGER NOT NULL DEFAULT 0, redacted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX feedback_by_time ON feedback (at)")


class SqliteFeedback:
    """The feedback half of `SqliteStore` (which provides `_read` and `_write`)."""

    if TYPE_CHECKING:

        def _read(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def save_feedback(self, record: FeedbackRecord) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO feedback (id, at, verdict, corrected, redacted, data) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET at = excluded.at, verdict = excluded.verdict, "
                "corrected = excluded.corrected, redacted = excluded.redacted, data = excluded.data",
                (record.id, record.at, record.verdict, int(_corrected(record)), int(record.redacted), record.dumps()),
            )

    def get_feedback(self, record_id: str) -> FeedbackRecord | None:
        with self._read() as conn:
            row = conn.execute("SELECT data FROM feedback WHERE id = ?", (record_id,)).fetchone()
        return FeedbackRecord.loads(str(row[0])) if row else None

    def feedback(self) -> list[FeedbackRecord]:
        with self._read() as conn:
            rows = conn.execute("SELECT data FROM feedback ORDER BY at, id").fetchall()
        return [FeedbackRecord.loads(str(r[0])) for r in rows]

    def feedback_counts(self) -> dict[str, int]:
        with self._read() as conn:
            rows = conn.execute("SELECT verdict, corrected FROM feedback").fetchall()
        return counts_of([(str(v), bool(c)) for v, c in rows])

    def redact_feedback(self, before: str) -> int:
        with self._write() as conn:
            rows = conn.execute("SELECT data FROM feedback WHERE at < ? AND redacted = 0", (before,)).fetchall()
            for (text,) in rows:
                record = FeedbackRecord.loads(str(text)).redact()
                conn.execute("UPDATE feedback SET redacted = 1, data = ? WHERE id = ?", (record.dumps(), record.id))
        return len(rows)


# --------------------------------------------------------------------------- DynamoDB

FEEDBACK_PK = "feedback"


class DynamoFeedback:
    """The feedback half of `DynamoStore` (which provides `_call` and `_query`)."""

    if TYPE_CHECKING:

        def _call(self, operation: str, **kwargs: Any) -> Any: ...

        def _query(
            self, pk: str, *, newest_first: bool = False, limit: int | None = None, **extra: Any
        ) -> list[Any]: ...

    def save_feedback(self, record: FeedbackRecord) -> None:
        self._call(
            "put_item",
            Item={
                "pk": {"S": FEEDBACK_PK},
                "sk": {"S": record.id},
                "at": {"S": record.at},
                "verdict": {"S": record.verdict},
                "corrected": {"N": str(int(_corrected(record)))},
                "redacted": {"N": str(int(record.redacted))},
                "data": {"S": record.dumps()},
            },
        )

    def get_feedback(self, record_id: str) -> FeedbackRecord | None:
        item = self._call("get_item", Key={"pk": {"S": FEEDBACK_PK}, "sk": {"S": record_id}}, ConsistentRead=True).get(
            "Item"
        )
        return FeedbackRecord.loads(item["data"]["S"]) if item else None

    def _items(self) -> Iterator[Any]:
        items = self._query(FEEDBACK_PK)
        items.sort(key=lambda i: (i.get("at", {}).get("S", ""), i["sk"]["S"]))
        yield from items

    def feedback(self) -> list[FeedbackRecord]:
        return [FeedbackRecord.loads(i["data"]["S"]) for i in self._items()]

    def feedback_counts(self) -> dict[str, int]:
        return counts_of([(i["verdict"]["S"], i.get("corrected", {}).get("N") == "1") for i in self._items()])

    def redact_feedback(self, before: str) -> int:
        changed = 0
        for item in self._items():
            if item["at"]["S"] >= before or item.get("redacted", {}).get("N") == "1":
                continue
            self.save_feedback(FeedbackRecord.loads(item["data"]["S"]).redact())
            changed += 1
        return changed
