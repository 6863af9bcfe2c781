"""RDS checks: storage encryption, public accessibility, automatic minor version upgrades,
backup retention and deletion protection of DB instances."""

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


MIN_BACKUP_RETENTION_DAYS = 7


@check(
    "rds-auto-minor-upgrade",
    service="rds",
    topic="resource-config",
    needs=(rds.DB_INSTANCES,),
    regional=True,
    cis=("2.3.2",),
    securityhub=("RDS.13",),
    remedy="aws rds modify-db-instance --region {region} --db-instance-identifier {resource} "
    "--auto-minor-version-upgrade --apply-immediately",
)
def auto_minor_upgrade(ctx: CheckContext) -> Iterator[Finding]:
    for db in ctx.get(rds.DB_INSTANCES):
        if not db.auto_minor_upgrade:
            yield ctx.finding(db.id, "automatic minor version upgrade is off")


@check(
    "rds-backup-retention",
    service="rds",
    topic="high-availability",
    needs=(rds.DB_INSTANCES,),
    regional=True,
    securityhub=("RDS.11",),
    remedy="aws rds modify-db-instance --region {region} --db-instance-identifier {resource} "
    "--backup-retention-period 7 --apply-immediately",
)
def backup_retention(ctx: CheckContext) -> Iterator[Finding]:
    for db in ctx.get(rds.DB_INSTANCES):
        if db.backup_retention_days == 0:
            yield ctx.finding(db.id, "automated backups are off (retention 0 days)")
        elif db.backup_retention_days < MIN_BACKUP_RETENTION_DAYS:
            yield ctx.finding(
                db.id,
                f"automated backups kept {db.backup_retention_days} days (fewer than {MIN_BACKUP_RETENTION_DAYS})",
            )


@check(
    "rds-deletion-protection",
    service="rds",
    topic="resource-config",
    needs=(rds.DB_INSTANCES,),
    regional=True,
    securityhub=("RDS.8",),
    remedy="aws rds modify-db-instance --region {region} --db-instance-identifier {resource} "
    "--deletion-protection --apply-immediately",
)
def deletion_protection(ctx: CheckContext) -> Iterator[Finding]:
    for db in ctx.get(rds.DB_INSTANCES):
        if not db.deletion_protection:
            yield ctx.finding(db.id, "deletion protection is off")
