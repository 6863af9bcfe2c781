"""EC2 check: running instances that Patch Manager does not cover or reports behind."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.loaders import ec2
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check


@check(
    "ec2-patching",
    service="ec2",
    topic="os-patching",
    needs=(ec2.RUNNING_INSTANCES, ec2.PATCH_STATES),
    regional=True,
    remedy="aws ssm send-command --region {region} --instance-ids {resource} "
    "--document-name AWS-RunPatchBaseline --parameters Operation=Install",
    securityhub=("SSM.2",),
)
def patching(ctx: CheckContext) -> Iterator[Finding]:
    states = ctx.get(ec2.PATCH_STATES)
    for instance in ctx.get(ec2.RUNNING_INSTANCES):
        state = states.get(instance)
        if state is None:
            yield ctx.finding(instance, "no SSM patch state (not managed by SSM or never scanned)")
            continue
        parts = [
            f"{n} {label}"
            for n, label in (
                (state.missing, "missing"),
                (state.failed, "failed"),
                (state.pending_reboot, "installed pending reboot"),
            )
            if n > 0
        ]
        if parts:
            yield ctx.finding(instance, "patches: " + ", ".join(parts))
