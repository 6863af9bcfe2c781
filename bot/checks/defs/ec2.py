"""EC2 checks: running instances that Patch Manager does not cover or reports behind, instances
that still answer IMDSv1, and public AMIs."""

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


@check(
    "ec2-imdsv2",
    service="ec2",
    topic="resource-config",
    needs=(ec2.INSTANCES,),
    regional=True,
    cis=("5.6",),
    securityhub=("EC2.8",),
    remedy="aws ec2 modify-instance-metadata-options --region {region} --instance-id {resource} "
    "--http-tokens required --http-endpoint enabled",
)
def imdsv2(ctx: CheckContext) -> Iterator[Finding]:
    for instance in ctx.get(ec2.INSTANCES):
        if instance.http_endpoint != "disabled" and instance.http_tokens != "required":
            yield ctx.finding(instance.id, f"instance metadata accepts IMDSv1 (HttpTokens {instance.http_tokens})")


@check(
    "ec2-public-ami",
    service="ec2",
    topic="data",
    needs=(ec2.PUBLIC_IMAGES,),
    regional=True,
    remedy="aws ec2 modify-image-attribute --region {region} --image-id {resource} "
    '--launch-permission "Remove=[{{Group=all}}]"',
)
def public_ami(ctx: CheckContext) -> Iterator[Finding]:
    for image in ctx.get(ec2.PUBLIC_IMAGES):
        yield ctx.finding(image, "AMI is public: anyone can launch it and read its disks")
