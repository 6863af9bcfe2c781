"""RDS DB instances, per region."""

from __future__ import annotations

from dataclasses import dataclass

from bot.checks.inventory import ApiCall, Inventory, Resource


@dataclass(frozen=True)
class DbInstance:
    id: str
    engine: str
    encrypted: bool
    public: bool
    auto_minor_upgrade: bool = True
    backup_retention_days: int = 1
    deletion_protection: bool = False


def _db_instances(inv: Inventory, region: str) -> list[DbInstance]:
    return [
        DbInstance(
            d["DBInstanceIdentifier"],
            str(d.get("Engine", "")),
            bool(d.get("StorageEncrypted")),
            bool(d.get("PubliclyAccessible")),
            bool(d.get("AutoMinorVersionUpgrade")),
            int(d.get("BackupRetentionPeriod", 0)),
            bool(d.get("DeletionProtection")),
        )
        for d in inv.pages("rds", region, "DescribeDBInstances", "DBInstances", page_size=100)
    ]


DB_INSTANCES: Resource[list[DbInstance]] = Resource(
    "rds.db_instances", True, (ApiCall("rds", "DescribeDBInstances"),), _db_instances
)
