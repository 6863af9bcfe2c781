"""The state store: one behaviour on SQLite and DynamoDB (moto), migrations, and selection."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from bot.errors import ConfigError
from bot.store import DynamoStore, SqliteStore, StateStore, open_store
from bot.store import dynamo as store_dynamo
from bot.store.records import PostKey, RunMeta, results_to_json
from bot.store.sqlite import SCHEMA_VERSION
from tests.posture.helpers import DAY1, DAY2, DAY3, report, settings

KEY = PostKey("C0POSTURE", "2026-11-23", "111122223333")


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    if request.param == "sqlite":
        yield SqliteStore(tmp_path / "s.sqlite3")
    else:
        yield open_store(request.getfixturevalue("dynamo_url"))


def save(store: StateStore, spec: dict[str, list[tuple[str, str]]], when: object) -> RunMeta:
    rep = report(spec)
    meta = RunMeta.new(rep.account, rep.regions, rep.results, when)  # type: ignore[arg-type]
    store.save_run(meta, rep.results)
    return meta


def test_runs_round_trip_newest_first(store: StateStore) -> None:
    one = save(store, {"open-ports": [("sg-1", "us-east-1")]}, DAY1)
    two = save(store, {}, DAY2)
    three = save(store, {"s3-encryption": [("b", "global"), ("c", "global")]}, DAY3)
    assert [m.run_id for m in store.recent_runs(one.account, 10)] == [three.run_id, two.run_id, one.run_id]
    assert [m.run_id for m in store.recent_runs(one.account, 2, until_key=two.key)] == [two.run_id, one.run_id]
    assert store.recent_runs(one.account, 1)[0] == three
    assert three.failing == 2 and three.status == "ok"
    results = store.load_results(one.run_id)
    assert results_to_json(results) == results_to_json(report({"open-ports": [("sg-1", "us-east-1")]}).results)
    assert store.load_results("nope") == []
    assert store.accounts() == [one.account]
    assert store.recent_runs("000000000000", 5) == []


def test_claims_admit_one_poster_and_failed_claims_can_be_retried(store: StateStore) -> None:
    now = time.time()
    assert store.claim_post(KEY, "a", now=now, lease=60)
    assert not store.claim_post(KEY, "b", now=now, lease=60)  # a is posting
    assert not store.claim_post(KEY, "b", now=now, lease=60, force=True)  # not even forced over a live claim
    store.release_post(KEY, "a", "Slack answered internal_error (HTTP 500)")
    [record] = store.posts(KEY.channel, KEY.day)
    assert record.status == "failed" and record.error and "500" in record.error
    assert store.claim_post(KEY, "b", now=now, lease=60)  # a retry may post
    meta = save(store, {}, DAY2)
    store.finish_post(KEY, "b", "1700000000.000001", {meta.account: meta})
    [record] = store.posts(KEY.channel, KEY.day)
    assert (record.status, record.ts, record.attempts) == ("posted", "1700000000.000001", 2)
    assert not store.claim_post(KEY, "c", now=now + 10_000, lease=60)  # posted stays posted
    assert store.claim_post(KEY, "c", now=now, lease=60, force=True)  # unless forced
    assert store.last_posted(KEY.channel, meta.account) == meta
    assert store.last_posted("C0OTHER", meta.account) is None


def test_an_expired_claim_is_taken_over(store: StateStore) -> None:
    now = time.time()
    assert store.claim_post(KEY, "dead", now=now, lease=5)
    assert not store.claim_post(KEY, "b", now=now + 4, lease=5)
    assert store.claim_post(KEY, "b", now=now + 6, lease=5)
    store.release_post(KEY, "dead", "late")  # the dead one's release must not undo b's claim
    assert store.posts(KEY.channel, KEY.day)[0].status == "claimed"


def test_releasing_without_error_forgets_the_claim(store: StateStore) -> None:
    assert store.claim_post(KEY, "a", now=time.time(), lease=60)
    store.release_post(KEY, "a", None)
    assert store.posts(KEY.channel, KEY.day) == []


def test_threads_racing_for_one_claim(store: StateStore) -> None:
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def race(name: str) -> None:
        barrier.wait()
        if store.claim_post(KEY, name, now=time.time(), lease=60):
            winners.append(name)

    threads = [threading.Thread(target=race, args=(f"t{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_dynamo_splits_large_results_across_items(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_dynamo, "PART_BYTES", 1000)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        DynamoStore.create_table(client, "big")
        store = DynamoStore("big", client=client)
        spec = {"open-ports": [(f"sg-{i:05d}-{i * 7919 % 10007}", "us-east-1") for i in range(3000)]}
        meta = save(store, spec, DAY1)
        parts = client.query(
            TableName="big",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": f"blob#{meta.run_id}"}},
        )
        assert parts["Count"] > 3
        findings = [f for r in store.load_results(meta.run_id) for f in r.findings]
        assert len(findings) == 3000


def test_dynamo_missing_table_is_one_clear_line(aws_env: None) -> None:
    with mock_aws():
        store = open_store("dynamodb://no-such-table?region=us-east-1")
        with pytest.raises(ConfigError, match=r"no-such-table.*does not exist"):
            store.accounts()


def write_v1(path: Path) -> None:
    SqliteStore(path, target_version=1)
    rep = report({"open-ports": [("sg-1", "us-east-1"), ("sg-2", "us-east-1")]})
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO runs (run_key, run_id, account, generated_at, regions, results) VALUES (?, ?, ?, ?, ?, ?)",
            (
                "2026-11-22T09:00:00.000000Z#r1",
                "r1",
                rep.account,
                "2026-11-22T09:00:00Z",
                json.dumps(rep.regions),
                results_to_json(rep.results),
            ),
        )


def test_sqlite_migrates_v1_to_current_and_backfills(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    write_v1(path)
    assert SqliteStore(path, target_version=1).schema_version() == 1
    store = SqliteStore(path)
    assert store.schema_version() == SCHEMA_VERSION == 4
    [meta] = store.recent_runs("111122223333", 5)
    assert (meta.run_id, meta.failing, meta.status) == ("r1", 2, "ok")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    SqliteStore(path)  # opening again migrates nothing


def test_sqlite_refuses_a_newer_schema_and_garbage(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    SqliteStore(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(ConfigError, match="newer than this demarc"):
        SqliteStore(path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match="cannot use it as a SQLite database"):
        SqliteStore(junk)


def test_open_store_selects_by_demarc_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: None) -> None:
    assert isinstance(open_store(str(tmp_path / "a.db")), SqliteStore)
    assert isinstance(open_store(f"sqlite://{tmp_path}/b.db"), SqliteStore)
    assert isinstance(open_store(tmp_path / "c.db"), SqliteStore)
    assert isinstance(open_store(settings(str(tmp_path / "d.db"))), SqliteStore)
    monkeypatch.setenv("DEMARC_STATE", str(tmp_path / "env.db"))
    default = open_store(None)
    assert isinstance(default, SqliteStore) and default.path == tmp_path / "env.db"
    dyn = open_store("dynamodb://demarc-state?region=eu-west-1")
    assert isinstance(dyn, DynamoStore) and dyn.table == "demarc-state"
    for bad, message in [
        ("redis://x", "unknown store"),
        ("dynamodb://a", "not a DynamoDB table name"),
        ("dynamodb://tbl?colour=red", "unknown option"),
        ("sqlite://", "names no file"),
    ]:
        with pytest.raises(ConfigError, match=message):
            open_store(bad)


def test_sqlite_state_directory_is_created(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "deep" / "er" / "state.sqlite3")
    assert store.path.exists() and DAY1.year == 2026
