"""RDS checks: storage encryption and public accessibility of DB instances."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.loaders import rds
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check


@check(
    "rds-encryption",
    service="rds",
    topic="encryption",
    needs=(rds.DB_INSTANCES,),
    regional=True,
    cis=("2.3.1",),
    securityhub=("RDS.3",),
)
def rds_encryption(ctx: CheckContext) -> Iterator[Finding]:
    for db in ctx.get(rds.DB_INSTANCES):
        if not db.encrypted:
            yield ctx.finding(db.id, f"storage encryption is off ({db.engine})")


@check(
    "rds-public",
    service="rds",
    topic="network-config",
    needs=(rds.DB_INSTANCES,),
    regional=True,
    remedy="aws rds modify-db-instance --region {region} --db-instance-identifier {resource} "
    "--no-publicly-accessible --apply-immediately",
    cis=("2.3.3",),
    securityhub=("RDS.2",),
)
def rds_public(ctx: CheckContext) -> Iterator[Finding]:
    for db in ctx.get(rds.DB_INSTANCES):
        if db.public:
            yield ctx.finding(db.id, f"publicly accessible ({db.engine})")
