"""The summary against a seeded moto account, before and after changes: exact new and fixed.

Uses the real `bot.checks.run_scan` (moto in-process), then changes resources the way an
incident would (a bucket made public, SSH opened to the world) and fixes others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.clock import FixedClock
from bot.posture import run_posture
from handlers.cli import main
from tests.posture.helpers import DAY1, DAY2, DAY3, settings

ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"


@pytest.fixture
def aws(aws_env: None) -> Iterator[dict[str, Any]]:
    with mock_aws():
        clients = {name: boto3.client(name, region_name=REGION) for name in ("s3", "ec2", "iam")}
        s3, ec2, iam = clients["s3"], clients["ec2"], clients["iam"]
        for bucket in ("logs-bucket", "public-assets"):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_encryption(
            Bucket="public-assets",
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        group = ec2.create_security_group(GroupName="web", Description="web tier")["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        )
        iam.create_user(UserName="alice")
        iam.create_login_profile(UserName="alice", Password="Correct-Horse-1!")
        clients["group"] = group
        yield clients


def change_resources(aws: dict[str, Any]) -> None:
    """A bucket made public, port 22 opened to the world; alice's console password and the
    logs bucket's missing encryption fixed."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public-assets/*"}
        ],
    }
    aws["s3"].put_bucket_policy(Bucket="public-assets", Policy=json.dumps(policy))
    aws["ec2"].authorize_security_group_ingress(
        GroupId=aws["group"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    aws["iam"].delete_login_profile(UserName="alice")
    aws["s3"].put_bucket_encryption(
        Bucket="logs-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


def triples(items: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    return {(i["check"], i["resource"], i["region"]) for i in items}


def failing(obj: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(r["check"], f["resource"], f["region"]) for r in obj["results"] for f in r["findings"]}


def test_new_fixed_and_trend_on_a_seeded_account(aws: dict[str, Any], state_file: str) -> None:
    cfg = settings(state_file, regions=(REGION,))
    first = run_posture(cfg, clock=FixedClock(DAY1)).summary.accounts[0].to_json()
    assert first["account"] == ACCOUNT and first["previous_run"] is None
    assert first["new"] == [] and first["fixed"] == []
    errors = [(r["check"], r["error"]) for r in first["results"] if r["status"] == "error"]
    assert errors == []
    before = failing(first)
    # the bucket's findings carry whatever region the s3 checks report; learn it from run 1
    bucket_region = next(f["region"] for r in first["results"] for f in r["findings"] if f["resource"] == "logs-bucket")
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert ("iam-user-mfa", alice, "global") in before
    assert ("s3-encryption", "logs-bucket", bucket_region) in before

    change_resources(aws)
    second = run_posture(cfg, clock=FixedClock(DAY2)).summary.accounts[0].to_json()
    assert triples(second["new"]) == {
        ("s3-public-access", "public-assets", bucket_region),
        ("open-ports", aws["group"], REGION),
    }
    assert triples(second["fixed"]) == {
        ("iam-user-mfa", alice, "global"),
        ("s3-encryption", "logs-bucket", bucket_region),
    }
    assert triples(second["new"]) == failing(second) - before
    assert triples(second["fixed"]) == before - failing(second)
    assert second["previous_run"] == "2026-11-22T09:00:00Z"

    third = run_posture(cfg, clock=FixedClock(DAY3))
    obj = third.summary.accounts[0].to_json()
    assert obj["new"] == [] and obj["fixed"] == []
    assert obj["trend"] == [len(before), len(failing(second)), len(failing(second))]
    assert len(obj["sparkline"]) == 3
    assert third.summary.new_critical == []


def test_cli_json_lines_follow_the_contract(
    aws: dict[str, Any], state_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["posture", "--json", "--state", state_file, "--region", REGION]) == 0
    first = json.loads(capsys.readouterr().out)
    change_resources(aws)
    assert main(["posture", "--json", "--state", state_file, "--region", REGION, "--strict"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    second = json.loads(out[0])
    assert {"account", "generated_at", "results", "new", "fixed", "previous_run"} <= set(second)
    assert second["previous_run"] == first["generated_at"]
    assert ("open-ports", aws["group"], REGION) in triples(second["new"])
