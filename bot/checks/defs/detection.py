"""Detection services: IAM Access Analyzer, AWS Config recording, GuardDuty and Security Hub in every region, and
the CIS metric-filter-and-alarm set on the CloudTrail log group.

Controls: https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html (IAM.28,
CIS v3.0.0 1.20: an external access analyzer in every region),
https://docs.aws.amazon.com/securityhub/latest/userguide/config-controls.html (Config.1,
CIS v3.0.0 3.3), https://docs.aws.amazon.com/securityhub/latest/userguide/guardduty-controls.html
(GuardDuty.1; no CIS v3.0.0 recommendation), CIS v3.0.0 4.16 for Security Hub itself (no
Security Hub control checks Security Hub), and
https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
(CloudWatch.1-14, which AWS relates to CIS v1.4.0 4.1-4.14, numbered as in v3.0.0, though not
in order: CloudWatch.1 is root usage (4.3), .2 unauthorized API calls (4.1), .3 sign-in without
MFA (4.2), .4-.14 are 4.4-4.14; 4.15, AWS Organizations changes, has no Security Hub control).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.checks.loaders import detection, monitoring
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check


@check(
    "iam-access-analyzer",
    service="iam",
    topic="iam",
    needs=(detection.ANALYZERS,),
    regional=True,
    cis=("1.20",),
    securityhub=("IAM.28",),
    remedy="aws accessanalyzer create-analyzer --region {region} --analyzer-name demarc-external --type ACCOUNT",
)
def access_analyzer(ctx: CheckContext) -> Iterator[Finding]:
    analyzers = ctx.get(detection.ANALYZERS)
    external = [a for a in analyzers if a.type in detection.EXTERNAL_ACCESS_TYPES]
    if any(a.status == "ACTIVE" for a in external):
        return
    if external:
        states = ", ".join(f"{a.name} is {a.status.lower()}" for a in external)
        yield ctx.finding(ctx.region, f"no active external access analyzer ({states})")
    else:
        yield ctx.finding(ctx.region, "no IAM Access Analyzer for external access in this region")


@check(
    "config-recording",
    service="config",
    topic="logging",
    needs=(detection.CONFIG_RECORDERS,),
    regional=True,
    cis=("3.3",),
    securityhub=("Config.1",),
    remedy="aws configservice put-configuration-recorder --region {region} --configuration-recorder "
    "name=default,roleARN=<role ARN> --recording-group allSupported=true,includeGlobalResourceTypes=true && "
    "aws configservice start-configuration-recorder --region {region} --configuration-recorder-name default",
)
def config_recording(ctx: CheckContext) -> Iterator[Finding]:
    recorders = ctx.get(detection.CONFIG_RECORDERS)
    if not recorders:
        yield ctx.finding(ctx.region, "no AWS Config configuration recorder")
        return
    if not any(r.recording for r in recorders):
        names = ", ".join(r.name for r in recorders)
        yield ctx.finding(ctx.region, f"configuration recorder {names} is not recording")
        return
    if not any(r.recording and r.all_supported for r in recorders):
        yield ctx.finding(ctx.region, "the recorder records only selected resource types (not all supported)")


@check(
    "guardduty-enabled",
    service="guardduty",
    topic="logging",
    needs=(detection.DETECTORS,),
    regional=True,
    securityhub=("GuardDuty.1",),
    remedy="aws guardduty create-detector --region {region} --enable (or update-detector --enable)",
)
def guardduty_enabled(ctx: CheckContext) -> Iterator[Finding]:
    detectors = ctx.get(detection.DETECTORS)
    if not detectors:
        yield ctx.finding(ctx.region, "GuardDuty has no detector in this region")
    elif not any(d.status == "ENABLED" for d in detectors):
        yield ctx.finding(ctx.region, f"GuardDuty detector {detectors[0].id} is {detectors[0].status.lower()}")


@check(
    "securityhub-enabled",
    service="security-hub",
    topic="logging",
    needs=(detection.SECURITY_HUB,),
    regional=True,
    cis=("4.16",),
    remedy="aws securityhub enable-security-hub --region {region}",
)
def securityhub_enabled(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.get(detection.SECURITY_HUB) is None:
        yield ctx.finding(ctx.region, "Security Hub is not enabled in this region")


# --- the CIS metric filters (CIS v3.0.0 4.1-4.15) ------------------------------------------


@dataclass(frozen=True)
class MetricRecommendation:
    cis: str
    what: str
    terms: tuple[str, ...]  # each must appear in the filter pattern (spaces and quotes ignored, == as =)


def _events(*names: str) -> tuple[str, ...]:
    return tuple(f'$.eventName="{n}"' for n in names)


#: The filter patterns of CIS v3.0.0 4.1-4.15, as the terms each must contain.
METRIC_RECOMMENDATIONS: tuple[MetricRecommendation, ...] = (
    MetricRecommendation(
        "4.1", "unauthorized API calls", ('$.errorCode="*UnauthorizedOperation"', '$.errorCode="AccessDenied*"')
    ),
    MetricRecommendation(
        "4.2",
        "console sign-in without MFA",
        ('$.eventName="ConsoleLogin"', '$.additionalEventData.MFAUsed!="Yes"'),
    ),
    MetricRecommendation(
        "4.3",
        "root user usage",
        ('$.userIdentity.type="Root"', "$.userIdentity.invokedByNOTEXISTS", '$.eventType!="AwsServiceEvent"'),
    ),
    MetricRecommendation(
        "4.4",
        "IAM policy changes",
        _events(
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
        ),
    ),
    MetricRecommendation(
        "4.5",
        "CloudTrail configuration changes",
        _events("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    ),
    MetricRecommendation(
        "4.6",
        "console authentication failures",
        ('$.eventName="ConsoleLogin"', '$.errorMessage="Failedauthentication"'),
    ),
    MetricRecommendation(
        "4.7",
        "disabling or scheduled deletion of customer managed keys",
        ('$.eventSource="kms.amazonaws.com"', *_events("DisableKey", "ScheduleKeyDeletion")),
    ),
    MetricRecommendation(
        "4.8",
        "S3 bucket policy changes",
        (
            '$.eventSource="s3.amazonaws.com"',
            *_events(
                "PutBucketAcl",
                "PutBucketPolicy",
                "PutBucketCors",
                "PutBucketLifecycle",
                "PutBucketReplication",
                "DeleteBucketPolicy",
                "DeleteBucketCors",
                "DeleteBucketLifecycle",
                "DeleteBucketReplication",
            ),
        ),
    ),
    MetricRecommendation(
        "4.9",
        "AWS Config configuration changes",
        (
            '$.eventSource="config.amazonaws.com"',
            *_events(
                "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"
            ),
        ),
    ),
    MetricRecommendation(
        "4.10",
        "security group changes",
        _events(
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
        ),
    ),
    MetricRecommendation(
        "4.11",
        "network ACL changes",
        _events(
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ),
    ),
    MetricRecommendation(
        "4.12",
        "network gateway changes",
        _events(
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ),
    ),
    MetricRecommendation(
        "4.13",
        "route table changes",
        _events(
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ),
    ),
    MetricRecommendation(
        "4.14",
        "VPC changes",
        _events(
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc",
            "DetachClassicLinkVpc",
            "DisableVpcClassicLink",
            "EnableVpcClassicLink",
        ),
    ),
    MetricRecommendation(
        "4.15",
        "AWS Organizations changes",
        (
            '$.eventSource="organizations.amazonaws.com"',
            *_events(
                "AcceptHandshake",
                "AttachPolicy",
                "CreateAccount",
                "CreateOrganizationalUnit",
                "CreatePolicy",
                "DeclineHandshake",
                "DeleteOrganization",
                "DeleteOrganizationalUnit",
                "DeletePolicy",
                "DetachPolicy",
                "DisablePolicyType",
                "EnablePolicyType",
                "InviteAccountToOrganization",
                "LeaveOrganization",
                "MoveAccount",
                "RemoveAccountFromOrganization",
                "UpdatePolicy",
                "UpdateOrganizationalUnit",
            ),
        ),
    ),
)

_SPACE = re.compile(r"\s+")


def normalise_pattern(pattern: str) -> str:
    """A filter pattern with white space and double quotes removed and `==` written `=`
    (CloudWatch reads `$.eventName = "X"`, `$.eventName == X` and `$.eventName=X` alike)."""
    return _SPACE.sub("", pattern).replace('"', "").replace("==", "=")


def covers(pattern: str, rec: MetricRecommendation) -> bool:
    """Every term of the recommendation's pattern is in `pattern` (a term followed by more
    letters, `CreatePolicy` inside `CreatePolicyVersion`, does not count)."""
    text = normalise_pattern(pattern)
    return all(re.search(re.escape(normalise_pattern(term)) + r"(?![A-Za-z0-9])", text) for term in rec.terms)


def missing_recommendations(
    filters: Sequence[monitoring.WatchedFilter],
) -> tuple[list[MetricRecommendation], list[MetricRecommendation]]:
    """(no metric filter at all, a filter but no alarm that tells a subscriber)."""
    no_filter, no_alarm = [], []
    for rec in METRIC_RECOMMENDATIONS:
        matching = [f for f in filters if covers(f.pattern, rec)]
        if not matching:
            no_filter.append(rec)
        elif not any(f.notifies for f in matching):
            no_alarm.append(rec)
    return no_filter, no_alarm


def _names(recs: Sequence[MetricRecommendation]) -> str:
    return ", ".join(f"{r.cis} {r.what}" for r in recs)


@check(
    "cloudwatch-cis-alarms",
    service="cloudwatch",
    topic="logging",
    needs=(monitoring.MONITORING,),
    regional=False,
    cis=tuple(r.cis for r in METRIC_RECOMMENDATIONS),
    securityhub=tuple(f"CloudWatch.{n}" for n in range(1, 15)),
)
def cis_alarms(ctx: CheckContext) -> Iterator[Finding]:
    state = ctx.get(monitoring.MONITORING)
    if not state.trails:
        yield ctx.finding(ctx.account_id, "no logging multi-region CloudTrail trail delivers to CloudWatch Logs")
        return
    no_filter, no_alarm = missing_recommendations(state.filters)
    parts = []
    if no_filter:
        parts.append(f"no metric filter for {_names(no_filter)}")
    if no_alarm:
        parts.append(f"a metric filter but no alarm notifying a subscribed SNS topic for {_names(no_alarm)}")
    if parts:
        yield ctx.finding(ctx.account_id, "; ".join(parts))
