"""Posture runs are stored account by account as the scan streams them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.checks.model import AccountReport, CheckResult, Finding
from bot.config import Settings
from bot.posture import run_posture
from bot.store import SqliteStore


def report(account: str) -> AccountReport:
    finding = Finding("sg-1", "us-east-1", "22/tcp open to 0.0.0.0/0")
    return AccountReport(account, ["us-east-1"], [CheckResult("open-ports", "vpc", "network-config", [finding])])


def test_each_account_is_stored_before_the_next_one_arrives(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    stored_when_next_arrived: list[list[str]] = []
    printed: list[str] = []

    def scan(on_report: Callable[[AccountReport], None] | None = None) -> list[AccountReport]:
        out = []
        for account in ("111111111111", "222222222222", "333333333333"):
            stored_when_next_arrived.append(store.accounts())
            out.append(report(account))
            assert on_report is not None
            on_report(out[-1])
        return out

    result = run_posture(Settings(), scan=scan, store=store, on_account=lambda a: printed.append(a.account))
    assert stored_when_next_arrived == [[], ["111111111111"], ["111111111111", "222222222222"]]
    assert printed == ["111111111111", "222222222222", "333333333333"]
    assert [a.account for a in result.summary.accounts] == printed
    assert set(result.runs) == set(printed)


def test_an_interrupted_scan_keeps_the_accounts_it_finished(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")

    def scan(on_report: Callable[[AccountReport], None] | None = None) -> list[AccountReport]:
        assert on_report is not None
        on_report(report("111111111111"))
        on_report(report("222222222222"))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_posture(Settings(), scan=scan, store=store)
    assert store.accounts() == ["111111111111", "222222222222"]


def test_a_scan_that_does_not_stream_is_stored_after_it_returns(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    result = run_posture(Settings(), scan=lambda: [report("111111111111")], store=store)
    assert store.accounts() == ["111111111111"] and list(result.runs) == ["111111111111"]
