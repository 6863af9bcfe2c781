"""Deltas, grouping and trend from fake scans: the rules that make new/fixed exact."""

from __future__ import annotations

import datetime as dt

from bot.clock import FixedClock
from bot.posture import run_posture
from bot.posture.render import render_text
from bot.posture.summary import SEVERITIES, sparkline
from bot.store import open_store
from tests.posture.helpers import ACCOUNT, DAY1, DAY2, DAY3, all_errors, report, scan_of, settings


def keys(items: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    return {(i["check"], i["resource"], i["region"]) for i in items}


def test_first_run_has_no_deltas_and_null_previous_run(state_file: str) -> None:
    run = run_posture(
        settings(state_file), scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]})), clock=FixedClock(DAY1)
    )
    [obj] = [a.to_json() for a in run.summary.accounts]
    assert obj["account"] == ACCOUNT
    assert obj["generated_at"] == "2026-11-22T09:00:00Z"
    assert obj["new"] == [] and obj["fixed"] == [] and obj["previous_run"] is None
    assert {r["check"] for r in obj["results"] if r["status"] == "fail"} == {"open-ports"}
    assert obj["trend"] == [1]


def test_new_and_fixed_are_exact_triples(state_file: str) -> None:
    cfg = settings(state_file)
    before = {
        "open-ports": [("sg-1", "us-east-1")],
        "s3-public-access": [("logs", "global")],
        "s3-encryption": [("logs", "global"), ("data", "global")],
    }
    after = {
        "open-ports": [("sg-1", "us-east-1"), ("sg-2", "us-east-1")],
        "s3-encryption": [("data", "global")],
        "rds-public": [("db-1", "us-east-1")],
    }
    run_posture(cfg, scan=scan_of(report(before)), clock=FixedClock(DAY1))
    obj = run_posture(cfg, scan=scan_of(report(after)), clock=FixedClock(DAY2)).summary.accounts[0].to_json()
    assert keys(obj["new"]) == {("open-ports", "sg-2", "us-east-1"), ("rds-public", "db-1", "us-east-1")}
    assert keys(obj["fixed"]) == {("s3-public-access", "logs", "global"), ("s3-encryption", "logs", "global")}
    assert all(set(i) == {"id", "check", "resource", "region"} for i in obj["new"] + obj["fixed"])
    assert obj["previous_run"] == "2026-11-22T09:00:00Z"
    assert obj["trend"] == [4, 4]
    # worst first: the new critical finding (open-ports) before the new high one (rds-public)
    assert [i["check"] for i in obj["new"]] == ["open-ports", "rds-public"]


def test_an_erroring_check_fixes_nothing_and_its_last_good_run_is_the_baseline(state_file: str) -> None:
    cfg = settings(state_file)
    run_posture(cfg, scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]})), clock=FixedClock(DAY1))
    # Day 2: open-ports cannot run: sg-1 is not "fixed".
    day2 = run_posture(
        cfg, scan=scan_of(report({}, errors={"open-ports": "AccessDenied ec2:Describe"})), clock=FixedClock(DAY2)
    )
    assert day2.summary.accounts[0].fixed == []
    assert day2.summary.accounts[0].errors[0].check == "open-ports"
    # Day 3: it runs again and finds sg-2 only: compared with day 1, sg-1 fixed and sg-2 new.
    day3 = run_posture(cfg, scan=scan_of(report({"open-ports": [("sg-2", "us-east-1")]})), clock=FixedClock(DAY3))
    obj = day3.summary.accounts[0].to_json()
    assert keys(obj["new"]) == {("open-ports", "sg-2", "us-east-1")}
    assert keys(obj["fixed"]) == {("open-ports", "sg-1", "us-east-1")}
    assert obj["previous_run"] == "2026-11-23T09:00:00Z"


def test_a_failed_scan_is_never_all_clear_and_leaves_a_gap_in_the_trend(state_file: str) -> None:
    cfg = settings(state_file)
    run_posture(cfg, scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]})), clock=FixedClock(DAY1))
    failed = run_posture(cfg, scan=scan_of(all_errors()), clock=FixedClock(DAY2))
    assert failed.summary.failed and failed.any_failing
    account = failed.summary.accounts[0]
    assert account.status == "failed" and account.fixed == []
    assert "not an all-clear" in render_text(failed.summary)
    assert "All checks pass" not in render_text(failed.summary)
    later = run_posture(cfg, scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]})), clock=FixedClock(DAY3))
    assert later.summary.accounts[0].trend == [1, None, 1]
    assert later.summary.accounts[0].sparkline == "█·█"
    assert later.summary.accounts[0].new == [] and later.summary.accounts[0].fixed == []


def test_regions_scanned_by_only_one_run_are_not_compared(state_file: str) -> None:
    cfg = settings(state_file)
    run_posture(
        cfg,
        scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]}, regions=["us-east-1"])),
        clock=FixedClock(DAY1),
    )
    run = run_posture(
        cfg,
        scan=scan_of(
            report({"open-ports": [("sg-9", "eu-west-1")], "s3-encryption": [("b", "global")]}, regions=["eu-west-1"])
        ),
        clock=FixedClock(DAY2),
    )
    account = run.summary.accounts[0]
    assert [d.key.resource for d in account.new] == ["b"]  # global findings compare; regional ones do not
    assert account.fixed == []


def test_groups_by_topic_worst_first(state_file: str) -> None:
    spec = {
        "s3-encryption": [("b1", "global")],  # encryption, medium
        "iam-root-mfa": [(ACCOUNT, "global")],  # iam, critical
        "cloudtrail": [(ACCOUNT, "global")],  # logging, high
        "iam-password-policy": [(ACCOUNT, "global")],  # iam, medium
    }
    summary = run_posture(settings(state_file), scan=scan_of(report(spec)), clock=FixedClock(DAY1)).summary.accounts[0]
    assert [g.topic for g in summary.groups] == ["iam", "logging", "encryption"]
    assert [c.view.id for c in summary.groups[0].checks] == ["iam-root-mfa", "iam-password-policy"]
    assert summary.by_severity() == {"critical": 1, "high": 1, "medium": 2, "low": 0}


def test_several_accounts_compare_with_their_own_history(state_file: str) -> None:
    cfg = settings(state_file)
    a, b = "111111111111", "222222222222"
    run_posture(cfg, scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]}, account=a)), clock=FixedClock(DAY1))
    run = run_posture(
        cfg,
        scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]}, account=a), report({}, account=b)),
        clock=FixedClock(DAY2),
    )
    lines = run.json_lines()
    assert len(lines) == 2
    first, second = run.summary.accounts
    assert first.previous_run == "2026-11-22T09:00:00Z" and first.new == []
    assert second.previous_run is None
    assert open_store(state_file).accounts() == [a, b]


def test_sparkline_scales_to_the_largest_count_and_shows_any_finding() -> None:
    assert sparkline([0, 1, 100]) == "▁▂█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([None, 3]) == "·█"
    assert sparkline([]) == ""
    assert SEVERITIES[0] == "critical"


def test_trend_is_capped_to_the_last_runs(state_file: str) -> None:
    cfg = settings(state_file)
    start = DAY1
    for day in range(16):
        spec = {"open-ports": [(f"sg-{i}", "us-east-1") for i in range(day)]}
        run = run_posture(cfg, scan=scan_of(report(spec)), clock=FixedClock(start + dt.timedelta(days=day)))
    trend = run.summary.accounts[0].trend
    assert trend == list(range(2, 16))
