"""CloudTrail check: at least one multi-region trail is logging."""

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
