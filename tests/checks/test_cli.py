"""`demarc check` end to end through bot.cli.main, against moto."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from bot.checks.model import finding_id
from handlers.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_unknown_check_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "no-such-check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown check 'no-such-check'" in err[0] and "open-ports" in err[0]


def test_missing_credentials_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["check", "--json", "iam-root-mfa"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "no AWS credentials found" in captured.err
    assert "Traceback" not in captured.err


@mock_aws
def test_json_output_and_strict_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="demarc-cli-bucket")
    assert main(["check", "--json", "s3", "--region", "us-east-1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["regions"] == ["us-east-1"]
    assert [r["check"] for r in data["results"]][:2] == ["s3-public-access", "s3-encryption"]
    [finding] = data["results"][1]["findings"]
    assert finding == {
        "id": finding_id("s3-encryption", data["account"], "global", "demarc-cli-bucket"),
        "resource": "demarc-cli-bucket",
        "region": "global",
        "detail": "no default encryption configuration",
    }
    assert data["results"][1]["controls"] == {"cis_3.0.0": [], "security_hub": []}
    assert main(["check", "--output", "csv", "s3-encryption", "--region", "us-east-1"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0].startswith("id,account,region,check") and "demarc-cli-bucket" in rows[1]
    assert main(["check", "--json", "--strict", "s3-encryption", "--region", "us-east-1"]) == 1
    assert main(["check", "--strict", "s3-public-access", "--region", "us-east-1"]) == 0
    assert "PASS  s3-public-access" in capsys.readouterr().out


@mock_aws
def test_demarc_regions_and_role_arns_report_per_account(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEMARC_REGIONS", "us-east-1,eu-west-1")
    role = "arn:aws:iam::111122223333:role/demarc-audit"
    assert main(["check", "--json", "open-ports", "--role-arn", role]) == 0
    [line] = capsys.readouterr().out.strip().splitlines()
    data = json.loads(line)
    assert data["account"] == "111122223333"
    assert data["regions"] == ["us-east-1", "eu-west-1"]
    assert data["results"][0]["status"] == "pass"


def test_command_module_does_not_import_boto3() -> None:
    code = "import sys, bot.commands.check; print('boto3' in sys.modules or 'botocore' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@mock_aws
def test_accounts_from_configuration_one_report_each(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEMARC_REGIONS", "us-east-1")
    monkeypatch.setenv(
        "DEMARC_ROLE_ARNS", "arn:aws:iam::111122223333:role/demarc-audit,arn:aws:iam::444455556666:role/demarc-audit"
    )
    assert main(["check", "--json", "cloudtrail"]) == 0
    accounts = [json.loads(line)["account"] for line in capsys.readouterr().out.strip().splitlines()]
    assert sorted(accounts) == ["111122223333", "444455556666"]


def test_malformed_role_list_is_a_one_line_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEMARC_ROLE_ARNS", "demarc-audit")
    assert main(["check", "cloudtrail"]) == 2
    err = capsys.readouterr().err
    assert "DEMARC_ROLE_ARNS: 'demarc-audit' is not an IAM role ARN" in err and "Traceback" not in err


@mock_aws
def test_every_account_of_the_organization_through_a_role(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    monkeypatch.setenv("DEMARC_REGIONS", "us-east-1")
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    created = [
        org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
        for name in ("prod", "staging")
    ]
    assert main(["check", "--json", "cloudtrail", "--org-role-name", "demarc-audit"]) == 0
    reports = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    own = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"]
    assert sorted(r["account"] for r in reports) == sorted([own, *created])
    assert all(r["results"][0]["check"] == "cloudtrail" for r in reports)
