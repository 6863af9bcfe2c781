"""Detection checks on hand-written inputs and on small moto accounts: the edge cases the
seeded account does not hold (tests/checks/seed.py holds the rest)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from conftest import TODAY, Recorder, by_check, found
from moto import mock_aws

from bot.checks import run_scan
from bot.checks.defs.detection import (
    METRIC_RECOMMENDATIONS,
    cis_alarms,
    config_recording,
    covers,
    guardduty_enabled,
    missing_recommendations,
)
from bot.checks.inventory import Inventory, Resource
from bot.checks.loaders import detection, monitoring
from bot.checks.registry import CheckContext
from bot.clock import FixedClock

#: CIS v3.0.0's own filter patterns (4.1-4.15), as the benchmark prints them.
CIS_PATTERNS = {
    "4.1": '{($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
    '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }',
    "4.2": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
    '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    "4.3": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
    '$.eventType != "AwsServiceEvent" }',
    "4.4": "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||"
    "($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||"
    "($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||"
    "($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||"
    "($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||"
    "($.eventName=DetachGroupPolicy)}",
    "4.5": "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
    "($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    "4.6": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "4.7": "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    "4.8": "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) "
    "|| ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) "
    "|| ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || "
    "($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    "4.9": "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||"
    "($.eventName=DeleteDeliveryChannel) ||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
    "4.10": "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || "
    "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || "
    "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    "4.11": "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
    "($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
    "($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    "4.12": "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || "
    "($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || "
    "($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
    "4.13": "{($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) "
    "|| ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || "
    "($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
    "4.14": "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || "
    "($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || "
    "($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || "
    "($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || "
    "($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    "4.15": '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || '
    '($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") '
    '|| ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") '
    '|| ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || '
    '($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || '
    '($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || '
    '($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || '
    '($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }',
}


def _ctx(region: str, *loaded: tuple[Resource[Any], Any]) -> CheckContext:
    inv = Inventory(None, account_id="111122223333", home_region="us-east-1", io_pool=ThreadPoolExecutor(1))  # type: ignore[arg-type]
    for resource, value in loaded:
        inv.preload(resource, region, value)
    return CheckContext(inv, region, dt.date(2026, 11, 23))


def test_each_cis_pattern_covers_its_own_recommendation_only() -> None:
    assert [r.cis for r in METRIC_RECOMMENDATIONS] == list(CIS_PATTERNS)
    for rec in METRIC_RECOMMENDATIONS:
        assert covers(CIS_PATTERNS[rec.cis], rec), rec.cis
    # CloudTrail's pattern is not the IAM one, and vice versa
    by_id = {r.cis: r for r in METRIC_RECOMMENDATIONS}
    assert not covers(CIS_PATTERNS["4.5"], by_id["4.4"])
    assert not covers(CIS_PATTERNS["4.4"], by_id["4.5"])


def test_a_pattern_missing_one_event_does_not_count() -> None:
    rec = next(r for r in METRIC_RECOMMENDATIONS if r.cis == "4.4")
    # CreatePolicy dropped: CreatePolicyVersion alone must not stand in for it
    pattern = CIS_PATTERNS["4.4"].replace("($.eventName=CreatePolicy)||", "")
    assert "CreatePolicyVersion" in pattern
    assert not covers(pattern, rec)


def test_every_pattern_watched_and_told_passes() -> None:
    filters = [monitoring.WatchedFilter("g", cis, p, True) for cis, p in CIS_PATTERNS.items()]
    assert missing_recommendations(filters) == ([], [])
    ctx = _ctx("global", (monitoring.MONITORING, monitoring.Monitoring(["arn:trail"], filters)))
    assert list(cis_alarms(ctx)) == []
    # one pattern's alarm tells nobody
    filters[2] = monitoring.WatchedFilter("g", "4.3", CIS_PATTERNS["4.3"], False)
    ctx = _ctx("global", (monitoring.MONITORING, monitoring.Monitoring(["arn:trail"], filters)))
    [finding] = cis_alarms(ctx)
    assert finding.detail == "a metric filter but no alarm notifying a subscribed SNS topic for 4.3 root user usage"


def test_no_trail_to_cloudwatch_logs_is_one_finding() -> None:
    ctx = _ctx("global", (monitoring.MONITORING, monitoring.Monitoring()))
    [finding] = cis_alarms(ctx)
    assert "no logging multi-region CloudTrail trail delivers to CloudWatch Logs" in finding.detail


@pytest.mark.parametrize(
    ("recorders", "detail"),
    [
        ([], "no AWS Config configuration recorder"),
        ([detection.ConfigRecorder("default", False, True, True)], "configuration recorder default is not recording"),
        ([detection.ConfigRecorder("default", True, False, False)], "records only selected resource types"),
        ([detection.ConfigRecorder("default", True, True, False)], None),
    ],
)
def test_config_recorder_states(recorders: list[detection.ConfigRecorder], detail: str | None) -> None:
    findings = list(config_recording(_ctx("eu-west-1", (detection.CONFIG_RECORDERS, recorders))))
    if detail is None:
        assert findings == []
    else:
        [finding] = findings
        assert (finding.resource, finding.region) == ("eu-west-1", "eu-west-1")
        assert detail in finding.detail


def test_guardduty_without_a_detector() -> None:
    [finding] = guardduty_enabled(_ctx("eu-west-1", (detection.DETECTORS, [])))
    assert finding.detail == "GuardDuty has no detector in this region"


def test_only_an_idle_multi_region_trail_fails_cloudtrail_and_the_cis_alarms() -> None:
    """The seeded account's trail to CloudWatch Logs is logging; here the only multi-region
    trail (with a log group) is not, so neither check may count it."""
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="demarc-idle-logs")
        boto3.client("logs", region_name="us-east-1").create_log_group(logGroupName="idle")
        boto3.client("cloudtrail", region_name="us-east-1").create_trail(
            Name="idle-trail",
            S3BucketName="demarc-idle-logs",
            IsMultiRegionTrail=True,
            CloudWatchLogsLogGroupArn="arn:aws:logs:us-east-1:123456789012:log-group:idle:*",
            CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/ct",
        )
        recorder = Recorder()
        [report] = run_scan(
            ["cloudtrail", "cloudwatch-cis-alarms"],
            ["us-east-1"],
            session_factory=recorder,
            clock=FixedClock.on(TODAY),
        )
    results = by_check(report)
    assert found(results["cloudtrail"]) == {("123456789012", "global")}
    assert "not logging" in results["cloudtrail"].findings[0].detail
    [alarms] = results["cloudwatch-cis-alarms"].findings
    assert "no logging multi-region CloudTrail trail" in alarms.detail
    # the idle trail's status was asked once, by the logging check, and reused
    assert [c[1] for c in recorder.calls].count("GetTrailStatus") == 1
    assert "DescribeMetricFilters" not in [c[1] for c in recorder.calls]


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("DB_PASSWORD", "x", True),
        ("JWT_SECRET", "x", True),
        ("GITHUB_TOKEN", "x", True),
        ("stripe_api_key", "x", True),
        ("ANYTHING", "AKIAIOSFODNN7EXAMPLE", True),
        ("ANYTHING", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", True),
        ("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:db", False),
        ("DB_PASSWORD", "arn:aws:ssm:us-east-1:1:parameter/db", False),
        ("TOKEN_TTL", "300", False),
        ("SECRET_NAME", "prod/db", False),
        ("TABLE_NAME", "orders", False),
        ("LOG_LEVEL", "debug", False),
        ("PASSWORD", "", False),
        ("CALLBACK", "0123456789012345678901234567890123456789", False),  # 40 digits, not a key's shape
    ],
)
def test_secret_looking(name: str, value: str, secret: bool) -> None:
    from bot.checks.secrets import secret_looking

    assert secret_looking(name, value) is secret
