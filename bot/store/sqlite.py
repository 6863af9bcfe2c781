"""The embedded posture store: one SQLite file, safe for several processes on one machine.

WAL lets readers run beside a writer; `BEGIN IMMEDIATE` takes the write lock before a
claim is read, so two processes cannot both see a day as free. Each operation opens its
own connection, which makes the store usable from the scheduler thread and Slack
handlers at once without sharing a connection across threads.

The schema is versioned with `PRAGMA user_version`; `MIGRATIONS[n]` takes a database
from version n to n+1 inside one write transaction, so two processes starting together
migrate once.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.checks.model import CheckResult
from bot.errors import ConfigError
from bot.store.feedback import SqliteFeedback, sqlite_v4
from bot.store.records import (
    PostKey,
    PostRecord,
    RunMeta,
    claimable,
    results_from_json,
    results_to_json,
    run_status,
)
from bot.store.risks import Acceptance, AuditEvent

BUSY_TIMEOUT_MS = 30_000


def _script(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statements inside the caller's transaction (`executescript` would commit it)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    """The first schema: runs with their results, and post claims."""
    _script(
        conn,
        """
        CREATE TABLE runs (
            run_key TEXT PRIMARY KEY,
            run_id TEXT NOT NULL UNIQUE,
            account TEXT NOT NULL,
            generated_at TEXT NOT NULL,
            regions TEXT NOT NULL,
            results TEXT NOT NULL
        );
        CREATE TABLE posts (
            channel TEXT NOT NULL,
            day TEXT NOT NULL,
            accounts TEXT NOT NULL,
            status TEXT NOT NULL,
            owner TEXT NOT NULL,
            claimed_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            ts TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (channel, day, accounts)
        );
        """,
    )


def _v2(conn: sqlite3.Connection) -> None:
    """Trends without reading every run's results, and the run each channel last saw.

    Adds `status` and `failing` to runs (backfilled from the stored results), an index for
    "latest runs of an account", and `last_posted` for "what changed since the last post".
    """
    conn.execute("ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'ok'")
    conn.execute("ALTER TABLE runs ADD COLUMN failing INTEGER NOT NULL DEFAULT 0")
    rows = conn.execute("SELECT run_key, results FROM runs").fetchall()
    for run_key, text in rows:
        results = results_from_json(text)
        conn.execute(
            "UPDATE runs SET status = ?, failing = ? WHERE run_key = ?",
            (run_status(results), sum(len(r.findings) for r in results), run_key),
        )
    _script(
        conn,
        """
        CREATE INDEX runs_by_account ON runs (account, run_key);
        CREATE TABLE last_posted (
            channel TEXT NOT NULL,
            account TEXT NOT NULL,
            run_id TEXT NOT NULL,
            PRIMARY KEY (channel, account)
        );
        """,
    )


def _v3(conn: sqlite3.Connection) -> None:
    """Accepted risks and their audit trail (`bot.store.risks`), JSON documents per account."""
    _script(
        conn,
        """
        CREATE TABLE acceptances (
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            data TEXT NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (account, key)
        );
        CREATE TABLE audit (
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            at TEXT NOT NULL,
            data TEXT NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (account, key)
        );
        """,
    )


#: v4: feedback on answers (`bot.store.feedback`).
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, sqlite_v4]
SCHEMA_VERSION = len(MIGRATIONS)

_RUN_COLUMNS = "run_id, account, generated_at, regions, status, failing, run_key"


def _meta(row: Sequence[object]) -> RunMeta:
    run_id, account, generated_at, regions, status, failing, run_key = row
    return RunMeta(
        run_id=str(run_id),
        account=str(account),
        generated_at=str(generated_at),
        regions=tuple(json.loads(str(regions))),
        status=status,  # type: ignore[arg-type]  # written by us from RunStatus
        failing=int(str(failing)),
        key=str(run_key),
    )


class SqliteStore(SqliteFeedback):
    """`StateStore` on one SQLite file (created, with its directory, on first use)."""

    def __init__(self, path: Path, *, target_version: int = SCHEMA_VERSION) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._migrate(target_version)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"DEMARC_STATE {path}: cannot use it as a SQLite database ({exc})") from exc
        except OSError as exc:
            raise ConfigError(f"DEMARC_STATE {path}: cannot create it ({exc.strerror or exc})") from exc

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the database's write lock from its first statement."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    def _use_wal(self) -> None:
        """Switch the file to WAL once. WAL cannot be switched inside a transaction (it is a
        property of the file), and SQLite answers "database is locked" at once, without its
        busy handler, when several processes open a new file together: so retry a while."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        delay = 0.01
        while True:
            conn = self._connect()
            try:
                if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                    return
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            finally:
                conn.close()
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    def _migrate(self, target: int) -> None:
        self._use_wal()
        with self._write() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    f"DEMARC_STATE {self.path} has schema version {version}, newer than this demarc "
                    f"understands ({SCHEMA_VERSION}); upgrade demarc"
                )
            for step in range(version, target):
                MIGRATIONS[step](conn)
                conn.execute(f"PRAGMA user_version = {step + 1}")

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def save_run(self, meta: RunMeta, results: Sequence[CheckResult]) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO runs (run_key, run_id, account, generated_at, regions, results, status, failing) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    meta.key,
                    meta.run_id,
                    meta.account,
                    meta.generated_at,
                    json.dumps(list(meta.regions)),
                    results_to_json(results),
                    meta.status,
                    meta.failing,
                ),
            )

    def recent_runs(self, account: str, limit: int, *, until_key: str | None = None) -> list[RunMeta]:
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs WHERE account = ? AND (? IS NULL OR run_key <= ?) "
                "ORDER BY run_key DESC LIMIT ?",
                (account, until_key, until_key, limit),
            ).fetchall()
        return [_meta(row) for row in rows]

    def load_results(self, run_id: str) -> list[CheckResult]:
        with self._read() as conn:
            row = conn.execute("SELECT results FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return results_from_json(row[0]) if row else []

    def accounts(self) -> list[str]:
        with self._read() as conn:
            return [str(r[0]) for r in conn.execute("SELECT DISTINCT account FROM runs ORDER BY account")]

    def _record(self, conn: sqlite3.Connection, key: PostKey) -> PostRecord | None:
        row = conn.execute(
            "SELECT status, owner, claimed_at, expires_at, ts, error, attempts FROM posts "
            "WHERE channel = ? AND day = ? AND accounts = ?",
            (key.channel, key.day, key.accounts),
        ).fetchone()
        if row is None:
            return None
        status, owner, claimed_at, expires_at, ts, error, attempts = row
        return PostRecord(key, status, owner, claimed_at, expires_at, ts, error, attempts)

    def claim_post(self, key: PostKey, owner: str, *, now: float, lease: float, force: bool = False) -> bool:
        with self._write() as conn:
            record = self._record(conn, key)
            if not claimable(record, owner, now, force=force):
                return False
            conn.execute(
                "INSERT INTO posts (channel, day, accounts, status, owner, claimed_at, expires_at, attempts) "
                "VALUES (?, ?, ?, 'claimed', ?, ?, ?, 1) "
                "ON CONFLICT (channel, day, accounts) DO UPDATE SET status = 'claimed', owner = excluded.owner, "
                "claimed_at = excluded.claimed_at, expires_at = excluded.expires_at, error = NULL, "
                "attempts = posts.attempts + 1",
                (key.channel, key.day, key.accounts, owner, now, now + lease),
            )
            return True

    def finish_post(self, key: PostKey, owner: str, ts: str, runs: Mapping[str, RunMeta]) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE posts SET status = 'posted', owner = ?, ts = ?, error = NULL "
                "WHERE channel = ? AND day = ? AND accounts = ?",
                (owner, ts, key.channel, key.day, key.accounts),
            )
            for account, meta in runs.items():
                conn.execute(
                    "INSERT INTO last_posted (channel, account, run_id) VALUES (?, ?, ?) "
                    "ON CONFLICT (channel, account) DO UPDATE SET run_id = excluded.run_id",
                    (key.channel, account, meta.run_id),
                )

    def release_post(self, key: PostKey, owner: str, error: str | None) -> None:
        with self._write() as conn:
            where = "WHERE channel = ? AND day = ? AND accounts = ? AND owner = ? AND status = 'claimed'"
            args = (key.channel, key.day, key.accounts, owner)
            if error is None:
                conn.execute(f"DELETE FROM posts {where}", args)
            else:
                conn.execute(f"UPDATE posts SET status = 'failed', error = ? {where}", (error, *args))

    def posts(self, channel: str, day: str) -> list[PostRecord]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT accounts, status, owner, claimed_at, expires_at, ts, error, attempts FROM posts "
                "WHERE channel = ? AND day = ? ORDER BY accounts",
                (channel, day),
            ).fetchall()
        return [PostRecord(PostKey(channel, day, r[0]), *r[1:]) for r in rows]

    def last_posted(self, channel: str, account: str) -> RunMeta | None:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {', '.join('r.' + c.strip() for c in _RUN_COLUMNS.split(','))} "
                "FROM last_posted p JOIN runs r ON r.run_id = p.run_id WHERE p.channel = ? AND p.account = ?",
                (channel, account),
            ).fetchone()
        return _meta(row) if row else None

    def add_acceptance(self, acceptance: Acceptance, *, at: str) -> bool:
        with self._write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO acceptances (account, key, data, seq) "
                "VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM acceptances))",
                (acceptance.account, acceptance.key, acceptance.dumps()),
            )
            added = cur.rowcount == 1
        if added:
            self.add_audit(AuditEvent("accepted", at, acceptance))
        return added

    def acceptances(self, account: str) -> list[Acceptance]:
        with self._read() as conn:
            rows = conn.execute("SELECT data FROM acceptances WHERE account = ? ORDER BY seq", (account,)).fetchall()
        return [Acceptance.loads(str(r[0])) for r in rows]

    def add_audit(self, event: AuditEvent) -> bool:
        with self._write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO audit (account, key, at, data, seq) "
                "VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit))",
                (event.acceptance.account, event.key, event.at, event.dumps()),
            )
            return cur.rowcount == 1

    def audit(self, account: str) -> list[AuditEvent]:
        with self._read() as conn:
            rows = conn.execute("SELECT data FROM audit WHERE account = ? ORDER BY at, seq", (account,)).fetchall()
        return [AuditEvent.loads(str(r[0])) for r in rows]

    def close(self) -> None:
        """Nothing to release: every operation closes its own connection."""
