"""A full scan of a moto account seeded with violating and compliant resources of every
kind: each check's findings must be exactly the seeded violations."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, Recorder, SeededBaseline, by_check, deny, found, region_down, throttle
from moto import mock_aws
from seed import ACCOUNT, REGION_A, REGION_B, Expected

from bot.checks import all_check_ids, checks_for_service, run_scan
from bot.checks.policy import is_read_only
from bot.checks.registry import all_checks
from bot.clock import FixedClock

POLICY_FILE = Path(__file__).resolve().parents[2] / "docs" / "iam-policy.json"
REGIONS = [REGION_A, REGION_B]


@pytest.fixture(scope="module", autouse=True)
def empty_moto_behind_the_replay() -> Iterator[None]:
    """The scans here replay the run's seeded baseline; a call it never made reaches this
    empty moto, never the network."""
    with mock_aws():
        yield


@pytest.fixture(scope="module")
def expected(seeded_baseline: SeededBaseline) -> Expected:
    return seeded_baseline.expected  # type: ignore[return-value]


@pytest.fixture(scope="module")
def baseline(seeded_baseline: SeededBaseline) -> tuple[Any, Recorder]:
    return seeded_baseline.report, seeded_baseline.recorder


def policy_actions() -> set[str]:
    document = json.loads(POLICY_FILE.read_text())
    return {a for statement in document["Statement"] for a in statement["Action"]}


@pytest.mark.parametrize("check_id", all_check_ids())
def test_findings_are_exactly_the_seeded_violations(check_id: str, baseline: Any, expected: Expected) -> None:
    result = by_check(baseline[0])[check_id]
    assert result.error is None
    assert found(result) == expected.get(check_id, set())
    assert result.status == ("fail" if expected.get(check_id) else "pass")


def test_report_has_the_contract_shape(baseline: Any) -> None:
    data = json.loads(json.dumps(baseline[0].to_dict()))
    assert set(data) == {"account", "regions", "results"}
    assert data["account"] == ACCOUNT
    assert data["regions"] == REGIONS
    assert [r["check"] for r in data["results"]] == all_check_ids()
    for result in data["results"]:
        assert set(result) == {"check", "service", "topic", "status", "findings", "error"}
        assert result["status"] in {"pass", "fail", "error"}
        for finding in result["findings"]:
            assert set(finding) == {"id", "resource", "region", "detail"} and finding["detail"]
    ports = next(r for r in data["results"] if r["check"] == "open-ports")
    assert (ports["service"], ports["topic"]) == ("vpc", "network-config")
    assert any(f["detail"] == "22/tcp open to 0.0.0.0/0" for f in ports["findings"])


def test_each_api_call_is_made_once(baseline: Any) -> None:
    # GenerateCredentialReport is asked again until IAM says the report is COMPLETE.
    calls = [c for c in baseline[1].calls if c[:2] != ("iam", "GenerateCredentialReport")]
    duplicates = [call for call, n in Counter(calls).items() if n > 1]
    assert duplicates == []


def test_global_services_are_scanned_once_per_account(baseline: Any) -> None:
    ops = Counter((s, o) for s, o, _, _ in baseline[1].calls)
    assert ops[("iam", "GetAccountSummary")] == 1
    assert ops[("s3", "ListBuckets")] == 1
    assert ops[("cloudtrail", "DescribeTrails")] == 1
    assert ops[("ec2", "DescribeSecurityGroups")] == len(REGIONS)


def occasional_actions() -> set[str]:
    """Actions of fallback calls (users the credential report does not list yet)."""
    return {call.action for c in all_checks() for r in c.needs for call in r.occasional_calls()}


def test_least_privilege_policy_matches_the_calls_made(baseline: Any) -> None:
    called = baseline[1].actions()
    policy = policy_actions()
    assert called - policy == set(), "calls missing from docs/iam-policy.json"
    assert policy - called - occasional_actions() == set(), "policy actions the code never calls"
    assert all(is_read_only(a) for a in policy | called)


def test_declared_actions_equal_the_policy() -> None:
    from bot.checks.ownership import TAG_ACTIONS

    declared = set().union(*(c.iam_actions for c in all_checks()), TAG_ACTIONS)
    assert declared == policy_actions()


@pytest.mark.parametrize("check_id", all_check_ids())
def test_each_check_calls_exactly_what_it_declares(check_id: str, baseline: Any) -> None:
    recorder = Recorder(replay=baseline[1])
    run_scan([check_id], REGIONS, session_factory=recorder, clock=FixedClock.on(TODAY))
    check = next(c for c in all_checks() if c.id == check_id)
    assert recorder.actions() == set(check.iam_actions) - occasional_actions()


def test_service_id_selects_its_checks(baseline: Any) -> None:
    [report] = run_scan(["s3"], [REGION_A], session_factory=Recorder(replay=baseline[1]), clock=FixedClock.on(TODAY))
    assert [r.check for r in report.results] == checks_for_service("s3")
    assert checks_for_service("s3")[:2] == ["s3-public-access", "s3-encryption"]


def test_unknown_runtime_is_a_note_not_a_finding(baseline: Any) -> None:
    result = by_check(baseline[0])["lambda-runtime"]
    assert any("python9.9" in n for n in result.notes)
    assert "fn-unknown" not in {f.resource for f in result.findings}


def _tag_actions() -> set[str]:
    from bot.checks.ownership import TAG_ACTIONS

    return set(TAG_ACTIONS)


POLICY_ACTIONS = sorted(policy_actions() - _tag_actions())  # the owners overlay's read: its own test below


def _operation(action: str) -> tuple[str, str]:
    from bot.checks.registry import all_checks

    for c in all_checks():
        for call in c.api_calls:
            if call.action == action:
                return call.service, call.operation
    raise AssertionError(action)


def denial_groups(actions: list[str]) -> list[tuple[str, ...]]:
    """The policy's actions in groups that no one check spans: denying a whole group at once
    tells, for every action in it, exactly what denying it alone would (each check that needs
    one of them names that one; every other check is untouched), in a dozen scans instead of
    one scan per action."""
    needing = {a: {c.id for c in all_checks() if a in c.iam_actions} for a in actions}
    groups: list[list[str]] = []
    for action in actions:
        for group in groups:
            if not any(needing[action] & needing[other] for other in group):
                group.append(action)
                break
        else:
            groups.append([action])
    return [tuple(g) for g in groups]


DENIAL_GROUPS = denial_groups(POLICY_ACTIONS)


def test_denial_groups_cover_every_action_once_and_no_check_spans_a_group() -> None:
    assert sorted(a for g in DENIAL_GROUPS for a in g) == POLICY_ACTIONS
    for check in all_checks():
        assert all(len(set(check.iam_actions) & set(g)) <= 1 for g in DENIAL_GROUPS), check.id


@pytest.mark.parametrize("actions", DENIAL_GROUPS, ids=["+".join(g) for g in DENIAL_GROUPS])
def test_one_permission_denied_leaves_every_other_check_intact(actions: tuple[str, ...], baseline: Any) -> None:
    recorder = Recorder(replay=baseline[1])
    for action in actions:
        recorder.add_fault(deny(*_operation(action)))
    [report] = run_scan(None, REGIONS, session_factory=recorder, clock=FixedClock.on(TODAY))
    base = by_check(baseline[0])
    for check in all_checks():
        result = by_check(report)[check.id]
        [denied] = [a for a in actions if a in check.iam_actions] or [None]
        if denied is not None and denied not in occasional_actions():
            assert result.status == "error", (check.id, denied)
            assert f"access denied: needs {denied}" in (result.error or ""), (check.id, result.error)
        else:
            assert (result.status, found(result)) == (base[check.id].status, found(base[check.id])), check.id


def test_a_denied_tag_read_leaves_every_check_intact_and_says_why(baseline: Any) -> None:
    recorder = Recorder(replay=baseline[1])
    recorder.add_fault(deny("resourcegroupstaggingapi", "GetResources"))
    [report] = run_scan(None, REGIONS, session_factory=recorder, clock=FixedClock.on(TODAY), tag_keys=["team"])
    base = by_check(baseline[0])
    for check in all_checks():
        result = by_check(report)[check.id]
        assert (result.status, found(result)) == (base[check.id].status, found(base[check.id])), check.id
    assert report.resource_tags == {}
    assert len(report.owner_notes) == len(REGIONS)
    assert all("access denied: needs tag:GetResources" in n for n in report.owner_notes), report.owner_notes


def test_throttling_past_retries_is_that_checks_error(baseline: Any) -> None:
    recorder = Recorder(replay=baseline[1])
    recorder.add_fault(throttle("ec2", "DescribeSecurityGroups"))
    [report] = run_scan(None, REGIONS, session_factory=recorder, clock=FixedClock.on(TODAY))
    results = by_check(report)
    throttled = {c.id for c in all_checks() if "ec2:DescribeSecurityGroups" in c.iam_actions}
    assert throttled == {"open-ports", "vpc-default-security-group"}
    for check_id in throttled:
        assert results[check_id].error == "throttled by AWS after 1 retry (ec2:DescribeSecurityGroups)"
    base = by_check(baseline[0])
    for check_id in all_check_ids():
        if check_id not in throttled:
            assert found(results[check_id]) == found(base[check_id])
            assert results[check_id].error is None


def test_a_region_that_does_not_answer_keeps_the_other_regions_findings(baseline: Any) -> None:
    recorder = Recorder(replay=baseline[1])
    recorder.add_fault(region_down("eu-west-3"))
    [report] = run_scan(None, [REGION_A, "eu-west-3"], session_factory=recorder, clock=FixedClock.on(TODAY))
    results = by_check(report)
    base = by_check(baseline[0])
    for check in all_checks():
        result = results[check.id]
        if check.regional:
            assert result.status == "error"
            assert "region eu-west-3 did not answer" in (result.error or "")
            want = {f for f in found(base[check.id]) if f[1] == REGION_A}
            assert found(result) == want, check.id
        else:
            assert (result.status, found(result)) == (base[check.id].status, found(base[check.id]))


def test_alias_on_a_deprecated_published_version_names_the_alias(baseline: Any) -> None:
    """$LATEST was upgraded; the prod alias still sends traffic to version 1 on python3.8."""
    result = by_check(baseline[0])["lambda-runtime"]
    [finding] = [f for f in result.findings if f.resource == "fn-alias-old"]
    assert finding.detail.startswith("alias prod -> version 1: runtime python3.8 deprecated")
    assert "fn-alias-ok" not in {f.resource for f in result.findings}


def test_aliases_are_listed_only_for_functions_with_published_versions(baseline: Any) -> None:
    """One ListFunctions (FunctionVersion=ALL) gives every version's runtime: no per-function
    ListVersionsByFunction, and no ListAliases for a function that has nothing published."""
    ops = Counter((s, o) for s, o, _, _ in baseline[1].calls)
    assert ops[("lambda", "ListVersionsByFunction")] == 0
    listed = {params for s, o, _, params in baseline[1].calls if (s, o) == ("lambda", "ListAliases")}
    assert listed and all("fn-alias-" in params for params in listed)
    assert ops[("lambda", "ListAliases")] < ops[("lambda", "GetPolicy")]


def test_notprincipal_and_single_statement_policies_are_public(baseline: Any) -> None:
    details = {f.resource: f.detail for f in by_check(baseline[0])["s3-public-access"].findings}
    assert details["demarc-notprincipal"] == "policy allows s3:GetObject to everyone except NotPrincipal"
    assert details["demarc-notaction"] == "policy allows all actions except s3:DeleteObject to Principal *"
    assert "demarc-deny-notprincipal" not in details


def test_cis_alarms_name_every_missing_recommendation(baseline: Any) -> None:
    """4.1 is watched and told; 4.3 alarms a topic nobody subscribed to; 4.4 has no alarm."""
    [finding] = by_check(baseline[0])["cloudwatch-cis-alarms"].findings
    no_filter, no_alarm = finding.detail.split("; ")
    assert no_filter.startswith("no metric filter for 4.2 console sign-in without MFA, 4.5 ")
    assert "4.15 AWS Organizations changes" in no_filter
    assert "4.1 " not in no_filter and "4.3 " not in no_filter and "4.4 " not in no_filter
    assert no_alarm == (
        "a metric filter but no alarm notifying a subscribed SNS topic for 4.3 root user usage, 4.4 IAM policy changes"
    )


@pytest.mark.parametrize(
    ("check_id", "compliant", "violating"),
    [("config-recording", REGION_A, REGION_B), ("guardduty-enabled", REGION_A, REGION_B)],
)
def test_detection_services_per_region(check_id: str, compliant: str, violating: str, baseline: Any) -> None:
    result = by_check(baseline[0])[check_id]
    assert found(result) == {(violating, violating)}
    assert compliant not in {f.region for f in result.findings}


def test_eks_version_support_follows_the_scan_clock(baseline: Any) -> None:
    """1.34 leaves standard support on 2026-12-02: a finding from that day, by the injected clock."""
    import datetime as dt

    def versions(day: dt.date) -> set[str]:
        replay = Recorder(replay=baseline[1])
        [report] = run_scan(["eks-version"], [REGION_A], session_factory=replay, clock=FixedClock.on(day))
        return {f.resource.rsplit("/", 1)[-1] for f in by_check(report)["eks-version"].findings}

    assert versions(dt.date(2026, 12, 1)) == {"eks-defaults", "eks-narrow"}
    assert versions(dt.date(2026, 12, 2)) == {"eks-defaults", "eks-narrow", "eks-hardened", "eks-v6"}


def test_secret_findings_name_variables_never_values(baseline: Any) -> None:
    results = by_check(baseline[0])
    lam = {f.resource: f.detail for f in results["lambda-env-secrets"].findings}
    assert lam["fn-env-secrets"] == "environment variables that look like secrets: JWT_SECRET, STRIPE_API_KEY"
    assert lam["fn-env-key-value"] == "environment variables that look like secrets: UPLOADER"
    [ecs] = results["ecs-secret-env"].findings
    assert ecs.detail == "plain environment variables that look like secrets (use secrets): main: DB_PASSWORD"
    everything = json.dumps(baseline[0].to_dict())
    for value in ("sk_live_demarc", "s3cr3t", "wJalrXUtnFEMI", "plain-text-pw", "AKIAIOSFODNN7EXAMPLE"):
        assert value not in everything


def test_only_the_latest_active_task_definition_revision_is_judged(baseline: Any) -> None:
    results = by_check(baseline[0])
    judged = {
        f.resource.rsplit("/", 1)[-1]
        for c in ("ecs-privileged-containers", "ecs-secret-env")
        for f in results[c].findings
    }
    assert judged == {"worker:1"}  # web:1 (privileged) and batch:2 (deregistered) are not the latest ACTIVE
