"""Accepted risks: the DEMARC_EXCEPTIONS file, the store's audit trail (both backends), expiry."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.errors import ConfigError
from bot.posture import run_posture
from bot.posture.exceptions import load_file, validate_expiry
from bot.store import open_store
from bot.store.risks import Acceptance
from bot.store.sqlite import SCHEMA_VERSION
from tests.posture.helpers import ACCOUNT, report, scan_of, settings

SPEC = {"s3-public-access": [("public-website", "global"), ("leaky", "global")]}
D1 = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
FILE = """
exceptions:
  - check: s3-public-access
    account: "111122223333"
    resource: public-website
    reason: static website behind CloudFront, reviewed by AppSec
    accepted_by: alice@example.com
    accepted_on: 2026-11-20
    expires: 2026-11-25
"""


def _file(tmp_path: Path, text: str = FILE) -> Path:
    path = tmp_path / "exceptions.yaml"
    path.write_text(text)
    return path


def test_expiry_is_required_and_bounded(tmp_path: Path) -> None:
    today = dt.date(2026, 11, 22)
    assert validate_expiry(dt.date(2027, 2, 20), today, 90) is None
    assert "more than 90 days" in str(validate_expiry(dt.date(2027, 2, 21), today, 90))
    no_expiry = FILE.replace("    expires: 2026-11-25\n", "")
    with pytest.raises(ConfigError, match="missing expires"):
        load_file(_file(tmp_path, no_expiry), today=today, max_days=90)
    with pytest.raises(ConfigError, match="more than 3 days"):
        load_file(_file(tmp_path), today=today, max_days=3)
    [entry] = load_file(_file(tmp_path), today=today, max_days=90)
    assert entry.region == "*" and entry.expires == "2026-11-25" and entry.source == "file"


@pytest.mark.time_sensitive
@pytest.mark.parametrize("backend", ["sqlite", "dynamodb"])
def test_file_acceptance_hides_until_expiry_then_fails_again(
    backend: str, tmp_path: Path, state_file: str, request: pytest.FixtureRequest
) -> None:
    state = state_file if backend == "sqlite" else request.getfixturevalue("dynamo_url")
    cfg = settings(state, exceptions_file=_file(tmp_path))
    scan = scan_of(report(SPEC))
    first = run_posture(cfg, scan=scan, clock=FixedClock(D1))
    [account] = first.summary.accounts
    [s3] = [r for r in account.results if r.check == "s3-public-access"]
    assert [f.resource for f in s3.findings] == ["leaky"]  # not counted as failing
    [accepted] = account.accepted
    assert accepted.acceptance.accepted_by == "alice@example.com" and accepted.acceptance.expires == "2026-11-25"
    obj = json.loads(first.json_lines()[0])
    assert obj["accepted"][0]["resource"] == "public-website" and obj["accepted"][0]["expires"] == "2026-11-25"
    assert [e["event"] for e in obj["audit"]] == ["accepted"]
    # the day before expiry: still hidden, not "fixed", nothing new
    before = run_posture(cfg, scan=scan, clock=FixedClock(D1 + dt.timedelta(days=2))).summary.accounts[0]
    assert not before.new and not before.fixed and before.accepted
    # the day it expires: back as failing (and named as new), an expiry in the audit trail
    back = run_posture(cfg, scan=scan, clock=FixedClock(dt.datetime(2026, 11, 25, 0, 30, tzinfo=dt.UTC)))
    summary = back.summary.accounts[0]
    assert not summary.accepted
    assert [d.key.resource for d in summary.new] == ["public-website"]
    assert [e.kind for e in summary.audit] == ["accepted", "expired"]
    # runs repeat: one event each
    again = run_posture(cfg, scan=scan, clock=FixedClock(dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC)))
    assert [e.kind for e in again.summary.accounts[0].audit] == ["accepted", "expired"]


def test_store_keeps_acceptances_and_audit_once(state_file: str) -> None:
    store = open_store(state_file)
    a = Acceptance(
        "open-ports", ACCOUNT, "us-east-1", "sg-1", "bastion", "U1", "2026-11-22T09:00:00Z", "2026-12-01", "slack"
    )
    assert store.add_acceptance(a, at="2026-11-22T09:00:00Z")
    assert not store.add_acceptance(a, at="2026-11-22T09:00:01Z")
    assert store.acceptances(ACCOUNT) == [a] and [e.kind for e in store.audit(ACCOUNT)] == ["accepted"]
    assert store.acceptances("999999999999") == []
    store.close()


def test_sqlite_migrates_a_v2_database(tmp_path: Path) -> None:
    from bot.store.sqlite import SqliteStore

    path = tmp_path / "old.db"
    SqliteStore(path, target_version=2).close()
    store = SqliteStore(path)
    assert store.schema_version() == SCHEMA_VERSION and store.acceptances(ACCOUNT) == []
    store.close()
