"""EBS checks: encryption by default per region, unencrypted volumes, public snapshots."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.loaders import ec2
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check


@check(
    "ebs-encryption",
    service="ebs",
    topic="encryption",
    needs=(ec2.EBS_ENCRYPTION_BY_DEFAULT, ec2.VOLUMES),
    regional=True,
    remedy="aws ec2 enable-ebs-encryption-by-default --region {region}",
    cis=("2.2.1",),
    securityhub=("EC2.7", "EC2.3"),
)
def ebs_encryption(ctx: CheckContext) -> list[Finding]:
    # Two independent questions: a denied one must not hide the other's answer.
    findings: list[Finding] = []
    with ctx.part():
        if not ctx.get(ec2.EBS_ENCRYPTION_BY_DEFAULT):
            findings.append(ctx.finding(ctx.region, f"EBS encryption by default is off in {ctx.region}"))
    with ctx.part():
        for volume in ctx.get(ec2.VOLUMES):
            if not volume.encrypted:
                findings.append(ctx.finding(volume.id, f"unencrypted volume ({volume.size_gib} GiB)"))
    return findings


@check(
    "ebs-public-snapshot",
    service="ebs",
    topic="data",
    needs=(ec2.PUBLIC_SNAPSHOTS,),
    regional=True,
    securityhub=("EC2.1",),
    remedy="aws ec2 modify-snapshot-attribute --region {region} --snapshot-id {resource} "
    "--attribute createVolumePermission --operation-type remove --group-names all",
)
def public_snapshot(ctx: CheckContext) -> Iterator[Finding]:
    for snapshot in ctx.get(ec2.PUBLIC_SNAPSHOTS):
        yield ctx.finding(snapshot, "snapshot is public: anyone can create a volume from it")
