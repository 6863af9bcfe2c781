"""`demarc demo` and the offline sample account it scans.

The sample account must stay in step with the checks: a full scan of it finds exactly the
findings listed here, every operation the checks declare is answered, every answer has
the shape botocore would parse from AWS, and nothing goes near the network.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.checks import all_check_ids, run_scan
from bot.checks.model import AccountReport, CheckResult
from bot.checks.policy import FREE_CALLS
from bot.checks.registry import all_checks
from bot.checks.sample import (
    DATA_FILE,
    SAMPLE_REGIONS,
    SERVED_OPERATIONS,
    UnknownSampleOperation,
    sample_account_data,
    sample_session_factory,
)
from bot.clock import FixedClock
from bot.commands.demo import next_day
from handlers.cli import main

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "111122223333"
TODAY = dt.date(2026, 11, 23)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# check id -> {(resource, region): a phrase its detail must contain}; a check not listed passes.
EXPECTED: dict[str, dict[tuple[str, str], str]] = {
    "iam-password-policy": {(ACCOUNT, "global"): "minimum password length is 8"},
    "iam-user-mfa": {(f"arn:aws:iam::{ACCOUNT}:user/alice", "global"): "no MFA device"},
    "iam-admin-policy": {(f"arn:aws:iam::{ACCOUNT}:user/ops-admin", "global"): "AdministratorAccess"},
    "s3-public-access": {("acme-marketing-site", "us-east-1"): "ACL grants READ to AllUsers"},
    "s3-encryption": {("acme-legacy-logs", "us-east-1"): "no default encryption"},
    "ebs-encryption": {
        ("eu-west-1", "eu-west-1"): "encryption by default is off",
        ("vol-0c4e5f6a7b8c90001", "eu-west-1"): "unencrypted volume (100 GiB)",
    },
    "rds-encryption": {("legacy-crm", "eu-west-1"): "storage encryption is off"},
    "rds-public": {("reporting-replica", "us-east-1"): "publicly accessible"},
    "open-ports": {
        ("sg-0a1b2c3d4e5f60002", "us-east-1"): "22/tcp open to 0.0.0.0/0",
        ("sg-0c4e5f6a7b8c90002", "eu-west-1"): "3389/tcp open to ::/0",
    },
    "lambda-runtime": {("thumbnailer", "us-east-1"): "python3.9 deprecated"},
    "lambda-public": {
        ("webhook-receiver", "us-east-1"): "resource policy allows Principal *",
        ("status-page", "eu-west-1"): "function URL with auth type NONE",
    },
    "ec2-patching": {
        ("i-0a1b2c3d4e5f60001", "us-east-1"): "7 missing",
        ("i-0a1b2c3d4e5f60003", "us-east-1"): "no SSM patch state",
    },
    "cloudtrail": {(ACCOUNT, "global"): "no multi-region trail"},
    "eks-version": {
        (f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/acme-prod", "us-east-1"): "left standard support on 2025-11-26"
    },
    "eks-endpoint-public": {(f"arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/acme-tools", "eu-west-1"): "open to 0.0.0.0/0"},
    "eks-secrets-encryption": {(f"arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/acme-tools", "eu-west-1"): "not envelope"},
    "eks-control-plane-logging": {
        (f"arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/acme-tools", "eu-west-1"): "api, audit, authenticator"
    },
    "ecs-secret-env": {
        (f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/acme-jobs:7", "us-east-1"): "jobs: SMTP_PASSWORD"
    },
    "lambda-env-secrets": {("nightly-report", "us-east-1"): "SLACK_WEBHOOK_TOKEN"},
    "sqs-encryption": {(f"arn:aws:sqs:eu-west-1:{ACCOUNT}:acme-legacy-events", "eu-west-1"): "not encrypted"},
    "dynamodb-pitr": {("acme-sessions", "us-east-1"): "point-in-time recovery is off"},
    "elasticache-transit-encryption": {("acme-sessions-cache", "us-east-1"): "encryption in transit"},
    "elb-http-listeners": {
        (
            f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/app/acme-tools-alb/50dc6c495c0c9188",
            "eu-west-1",
        ): ("port 80 serve plain HTTP")
    },
    "iam-access-analyzer": {("eu-west-1", "eu-west-1"): "no IAM Access Analyzer for external access"},
    "config-recording": {("eu-west-1", "eu-west-1"): "no AWS Config configuration recorder"},
    "guardduty-enabled": {("eu-west-1", "eu-west-1"): "no detector"},
    "securityhub-enabled": {("eu-west-1", "eu-west-1"): "not enabled"},
    "cloudwatch-cis-alarms": {(ACCOUNT, "global"): "no logging multi-region CloudTrail trail"},
    "iam-password-reuse": {(ACCOUNT, "global"): "remembers 0 passwords"},
    "iam-unused-credentials": {(f"arn:aws:iam::{ACCOUNT}:user/alice", "global"): "console password last used 175"},
    "iam-key-rotation": {(f"arn:aws:iam::{ACCOUNT}:user/ci-deploy", "global"): "access key 1 is 632 days old"},
    "iam-user-policies": {
        (f"arn:aws:iam::{ACCOUNT}:user/{name}", "global"): "1 managed policy attached to the user directly"
        for name in ("alice", "ops-admin", "ci-deploy")
    },
    "s3-account-public-access-block": {(ACCOUNT, "global"): "account-level Block Public Access is off"},
    "s3-secure-transport": {
        (name, region): "requests without TLS"
        for name, region in (
            ("acme-marketing-site", "us-east-1"),
            ("acme-partner-exports", "eu-west-1"),
            ("acme-legacy-logs", "us-east-1"),
        )
    },
    "s3-access-point-public": {
        (f"arn:aws:s3:eu-west-1:{ACCOUNT}:accesspoint/partner-exports-ap", "eu-west-1"): "BlockPublicPolicy"
    },
    "s3-versioning": {
        ("acme-marketing-site", "us-east-1"): "versioning is suspended",
        ("acme-partner-exports", "eu-west-1"): "versioning is never enabled",
        ("acme-legacy-logs", "us-east-1"): "versioning is never enabled",
    },
    "s3-mfa-delete": {
        (name, region): "MFA delete is not enabled"
        for name, region in (
            ("acme-marketing-site", "us-east-1"),
            ("acme-partner-exports", "eu-west-1"),
            ("acme-legacy-logs", "us-east-1"),
        )
    },
    "ebs-public-snapshot": {("snap-0c4e5f6a7b8c90001", "eu-west-1"): "snapshot is public"},
    "ec2-imdsv2": {("i-0a1b2c3d4e5f60003", "us-east-1"): "accepts IMDSv1"},
    "ec2-public-ami": {("ami-0a1b2c3d4e5f60002", "us-east-1"): "AMI is public"},
    "vpc-default-security-group": {
        ("sg-0a1b2c3d4e5f60001", "us-east-1"): "1 inbound rule and 1 outbound rule",
        ("sg-0c4e5f6a7b8c90001", "eu-west-1"): "1 inbound rule and 1 outbound rule",
    },
    "vpc-nacl-admin-ports": {("acl-0a1b2c3d4e5f60001", "us-east-1"): "rule 100 allows 22/tcp from 0.0.0.0/0"},
    "vpc-flow-logs": {("vpc-0c4e5f6a7b8c90001", "eu-west-1"): "no active flow log"},
    "rds-auto-minor-upgrade": {("legacy-crm", "eu-west-1"): "automatic minor version upgrade is off"},
    "rds-backup-retention": {("legacy-crm", "eu-west-1"): "automated backups kept 1 days"},
    "rds-deletion-protection": {
        ("legacy-crm", "eu-west-1"): "deletion protection is off",
        ("reporting-replica", "us-east-1"): "deletion protection is off",
    },
    "cloudtrail-log-validation": {
        (f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/acme-audit", "us-east-1"): "log file validation is off"
    },
    "cloudtrail-kms": {(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/acme-audit", "us-east-1"): "not encrypted"},
    "kms-key-rotation": {
        (f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1f2e3d4c-0000-4000-8000-00000000b001", "eu-west-1"): "rotation is off"
    },
    "iam-expired-certificates": {
        (f"arn:aws:iam::{ACCOUNT}:server-certificate/legacy-portal-2024", "global"): "expired on 2025-03-31"
    },
}


def _no_network(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the sample account opened a network connection")


@pytest.fixture(scope="module")
def report() -> AccountReport:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        [scanned] = run_scan(None, SAMPLE_REGIONS, session_factory=sample_session_factory(), clock=FixedClock.on(TODAY))
    return scanned


def _result(report: AccountReport, check_id: str) -> CheckResult:
    return next(r for r in report.results if r.check == check_id)


# -- the sample account, in step with the checks -----------------------------------------


def test_every_check_ran_on_the_sample(report: AccountReport) -> None:
    assert report.account == ACCOUNT
    assert report.regions == list(SAMPLE_REGIONS)
    assert [r.check for r in report.results] == all_check_ids()
    assert len(report.results) == len(all_checks())
    assert set(EXPECTED) < set(all_check_ids())


@pytest.mark.parametrize("check_id", all_check_ids())
def test_findings_are_exactly_the_expected_ones(report: AccountReport, check_id: str) -> None:
    result = _result(report, check_id)
    assert result.error is None, result.error
    assert result.notes == []
    expected = EXPECTED.get(check_id, {})
    assert {(f.resource, f.region) for f in result.findings} == set(expected)
    for finding in result.findings:
        assert expected[(finding.resource, finding.region)] in finding.detail
    assert len(result.findings) == len(expected)  # no duplicates
    assert result.status == ("fail" if expected else "pass")


def test_the_sample_answers_exactly_the_operations_the_checks_make() -> None:
    needed = {(call.service, call.operation) for check in all_checks() for call in check.api_calls}
    # Every check's calls, plus the caller's own identity (the runner's first call).
    assert needed | set(FREE_CALLS) == set(SERVED_OPERATIONS)


def _conforms(value: Any, shape: Any, path: str) -> list[str]:
    """Where `value` differs from what botocore parses for `shape` (members, types, enums)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected a structure, got {type(value).__name__}"]
        problems = [f"{path}.{k}: not a member of {shape.name}" for k in value if k not in shape.members]
        for key, item in value.items():
            if key in shape.members:
                problems += _conforms(item, shape.members[key], f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [p for i, item in enumerate(value) for p in _conforms(item, shape.member, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map"]
        return [
            p
            for key, item in value.items()
            for p in _conforms(key, shape.key, f"{path} key") + _conforms(item, shape.value, f"{path}[{key}]")
        ]
    if kind == "string":
        if shape.name == "policyDocumentType" and isinstance(value, dict):
            return []  # IAM's URL-encoded JSON, decoded by botocore's after-call handler
        if not isinstance(value, str):
            return [f"{path}: expected a string, got {value!r}"]
        return [f"{path}: {value!r} is not one of {shape.enum}"] if shape.enum and value not in shape.enum else []
    checks = {
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "timestamp": lambda v: isinstance(v, dt.datetime),
        "double": lambda v: isinstance(v, int | float),
        "float": lambda v: isinstance(v, int | float),
        "blob": lambda v: isinstance(v, bytes),
    }
    check = checks.get(kind)
    return [] if check is None or check(value) else [f"{path}: {value!r} is not a {kind}"]


def test_every_answer_has_the_shape_aws_would_send() -> None:
    answers: list[tuple[Any, dict[str, Any]]] = []
    make = sample_session_factory()

    def recording() -> Any:
        session = make()
        session.events.register("after-call", lambda model, parsed, **_: answers.append((model, parsed)))
        return session

    run_scan(None, SAMPLE_REGIONS, session_factory=recording, clock=FixedClock.on(TODAY))
    # Not reached by this account's scan (no multi-region trail), so asked directly.
    recording().client("cloudtrail", region_name="us-east-1").get_trail_status(Name="acme-audit")
    # Read one by one only for users the credential report does not list yet.
    iam = recording().client("iam", region_name="us-east-1")
    iam.get_login_profile(UserName="alice")
    iam.list_mfa_devices(UserName="alice")
    # The CIS alarm set reads these only for a multi-region trail delivering to CloudWatch Logs.
    recording().client("logs", region_name="us-east-1").describe_metric_filters(logGroupName="acme-audit")
    recording().client("cloudwatch", region_name="us-east-1").describe_alarms()
    recording().client("sns", region_name="us-east-1").list_subscriptions_by_topic(
        TopicArn="arn:aws:sns:us-east-1:111122223333:security-alerts"
    )
    seen = set()
    for model, parsed in answers:
        seen.add((model.service_model.service_name, model.name))
        if "Error" in parsed:
            continue
        body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        assert _conforms(body, model.output_shape, model.name) == []
    assert seen == set(SERVED_OPERATIONS)


def test_unknown_operations_and_parameters_are_named_not_answered_empty() -> None:
    session = sample_session_factory()()
    ec2 = session.client("ec2", region_name="us-east-1")
    with pytest.raises(UnknownSampleOperation, match="ec2:DescribeRegions"):
        ec2.describe_regions()
    with pytest.raises(UnknownSampleOperation, match="ec2:DescribeVolumes with Filters"):
        ec2.describe_volumes(Filters=[{"Name": "encrypted", "Values": ["false"]}])
    with pytest.raises(UnknownSampleOperation, match="no data for region ap-south-1"):
        session.client("rds", region_name="ap-south-1").describe_db_instances()
    with pytest.raises(UnknownSampleOperation, match="Role"):
        session.client("iam").get_account_authorization_details(Filter=["Role"])


def test_a_scan_outside_the_sample_regions_reports_the_cause() -> None:
    [scanned] = run_scan(
        ["rds-public"], ["ap-south-1"], session_factory=sample_session_factory(), clock=FixedClock.on(TODAY)
    )
    error = _result(scanned, "rds-public").error or ""
    assert "UnknownSampleOperation" in error and "ap-south-1" in error


def test_errors_come_back_as_aws_would_send_them() -> None:
    session = sample_session_factory()()
    iam = session.client("iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_login_profile(UserName="ci-deploy")
    s3 = session.client("s3", region_name="us-east-1")
    with pytest.raises(s3.exceptions.ClientError, match="PermanentRedirect"):
        s3.get_bucket_acl(Bucket="acme-app-data")  # an eu-west-1 bucket
    with pytest.raises(s3.exceptions.NoSuchBucket):
        s3.get_bucket_acl(Bucket="no-such-bucket")


def test_the_user_environment_and_aws_files_change_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, report: AccountReport
) -> None:
    broken = tmp_path / "config"
    broken.write_text("[profile broken\nnot an ini file", encoding="utf-8")
    for name, value in {
        "AWS_PROFILE": "demarc-no-such-profile",
        "AWS_CONFIG_FILE": str(broken),
        "AWS_SHARED_CREDENTIALS_FILE": str(broken),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_CA_BUNDLE": str(tmp_path / "missing.pem"),
        "AWS_USE_FIPS_ENDPOINT": "true",
        "AWS_RETRY_MODE": "no-such-mode",
        "AWS_DEFAULT_REGION": "mars-north-1",
        "DEMARC_REGIONS": "ap-south-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    [scanned] = run_scan(None, SAMPLE_REGIONS, session_factory=sample_session_factory(), clock=FixedClock.on(TODAY))
    assert scanned.to_dict() == report.to_dict()


def test_the_next_day_fixes_one_finding_and_adds_one(report: AccountReport) -> None:
    factory = sample_session_factory(next_day(sample_account_data()))
    [later] = run_scan(None, SAMPLE_REGIONS, session_factory=factory, clock=FixedClock.on(TODAY))

    def keys(r: AccountReport) -> set[tuple[str, str, str]]:
        return {(res.check, f.resource, f.region) for res in r.results for f in res.findings}

    assert keys(report) - keys(later) == {("iam-user-mfa", f"arn:aws:iam::{ACCOUNT}:user/alice", "global")}
    assert keys(later) - keys(report) == {("open-ports", "sg-0a1b2c3d4e5f60005", "us-east-1")}


def test_sample_data_is_not_shared_between_callers() -> None:
    data = sample_account_data()
    data["iam"]["users"].clear()
    assert sample_account_data()["iam"]["users"]


# -- the demo command --------------------------------------------------------------------


@pytest.mark.slow
def test_demo_end_to_end(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    state = tmp_path / "state" / "user-state.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DEMARC_", "SLACK_"))}
    env.update(
        TMPDIR=str(scratch),
        HOME=str(tmp_path / "home"),
        AWS_PROFILE="demarc-no-such-profile",  # the demo must not read the user's AWS setup
        DEMARC_STATE=str(state),  # nor write to the user's posture state
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert not ANSI.search(out)  # not a terminal: no colour

    answers, rest = out.split("## 2.", 1)
    scan, posture = rest.split("## 3.", 1)
    # 1. answers, with the owner in words
    assert "AWS Fargate / Operating system: AWS" in answers
    assert "AWS Lambda / Application: Customer" in answers
    assert "AWS Lambda / Platform and runtime: Shared" in answers
    # 2. the scan of the sample account: every expected failure, and the passes
    assert f"AWS account {ACCOUNT} (us-east-1, eu-west-1): 50 failing, 0 could not finish, 13 passing" in scan
    for check_id in EXPECTED:
        assert f"FAIL  {check_id}:" in scan
    for check_id in set(all_check_ids()) - set(EXPECTED):
        assert f"PASS  {check_id}:" in scan
    assert "This is yours under the model" in scan
    # 3. the posture summary: what changed and the trend
    assert "Posture summary" in posture
    assert re.search(r"Since \S+: 1 new, 1 fixed", posture)
    assert re.search(r"\+ .*sg-0a1b2c3d4e5f60005 \(us-east-1\) — 5432/tcp open to 0\.0\.0\.0/0", posture)
    assert re.search(r"- .*user/alice \(global\)", posture)
    assert "Trend (last 2 run(s))" in posture

    assert list(scratch.iterdir()) == []  # the temporary posture store is gone
    assert not state.exists()


def test_colour_only_on_a_terminal_and_never_with_no_color(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["demo"]) == 0
    assert ANSI.search(capsys.readouterr().out)
    assert main(["demo", "--no-color"]) == 0
    assert not ANSI.search(capsys.readouterr().out)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["demo"]) == 0
    assert not ANSI.search(capsys.readouterr().out)


def test_the_sample_data_ships_with_the_package() -> None:
    # bot/sample_account.yaml sits inside the package, so hatchling puts it in the wheel.
    assert DATA_FILE == ROOT / "bot" / "sample_account.yaml"
    assert DATA_FILE.is_file()
