"""CloudTrail checks: a multi-region trail is logging; every trail validates and KMS-encrypts its logs."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.loaders import cloudtrail
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check


@check(
    "cloudtrail",
    service="cloudtrail",
    topic="logging",
    needs=(cloudtrail.TRAILS,),
    regional=False,
    remedy="aws cloudtrail create-trail --name demarc-audit --s3-bucket-name <bucket> "
    "--is-multi-region-trail && aws cloudtrail start-logging --name demarc-audit",
    cis=("3.1",),
    securityhub=("CloudTrail.1",),
)
def trail(ctx: CheckContext) -> Iterator[Finding]:
    state = ctx.get(cloudtrail.TRAILS)
    if state.logging_trail:
        return
    for error in state.errors:
        # We could not tell whether some multi-region trail is logging.
        ctx.error(error)
    if state.errors:
        return
    if state.idle_trails:
        yield ctx.finding(ctx.account_id, f"multi-region trail(s) not logging: {', '.join(state.idle_trails)}")
    else:
        yield ctx.finding(ctx.account_id, "no multi-region trail")


@check(
    "cloudtrail-log-validation",
    service="cloudtrail",
    topic="logging",
    needs=(cloudtrail.TRAIL_SETTINGS,),
    regional=False,
    cis=("3.2",),
    securityhub=("CloudTrail.4",),
    remedy="aws cloudtrail update-trail --name {resource} --enable-log-file-validation",
)
def log_validation(ctx: CheckContext) -> Iterator[Finding]:
    for trail in ctx.get(cloudtrail.TRAIL_SETTINGS):
        if not trail.log_file_validation:
            yield ctx.finding(trail.arn, "log file validation is off", trail.home_region)


@check(
    "cloudtrail-kms",
    service="cloudtrail",
    topic="encryption",
    needs=(cloudtrail.TRAIL_SETTINGS,),
    regional=False,
    cis=("3.5",),
    securityhub=("CloudTrail.2",),
    remedy="aws cloudtrail update-trail --name {resource} --kms-key-id <KMS key ARN>",
)
def kms(ctx: CheckContext) -> Iterator[Finding]:
    for trail in ctx.get(cloudtrail.TRAIL_SETTINGS):
        if trail.kms_key_id is None:
            yield ctx.finding(trail.arn, "log files are not encrypted with a KMS key (SSE-S3 only)", trail.home_region)
