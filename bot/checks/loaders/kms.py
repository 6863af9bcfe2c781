"""KMS, per region: the account's enabled symmetric customer managed keys and their rotation.

ListKeys names every key (AWS managed ones too); DescribeKey tells who manages it and its
spec; GetKeyRotationStatus is asked only of the customer managed symmetric keys that are
enabled, the only ones automatic rotation applies to.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource, ResourceGone


@dataclass(frozen=True)
class KeyRotation:
    arn: str
    rotation: bool
    error: str | None = None


def _key_rotation(inv: Inventory, region: str) -> list[KeyRotation]:
    keys = inv.pages("kms", region, "ListKeys", "Keys", page_size=1000)

    def one(key: dict[str, str]) -> KeyRotation | None:
        key_id = key["KeyId"]
        try:
            meta = (inv.call("kms", region, "DescribeKey", gone=("NotFoundException",), KeyId=key_id) or {}).get(
                "KeyMetadata", {}
            )
            if (
                meta.get("KeyManager") != "CUSTOMER"
                or meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT"
                or meta.get("KeyState") != "Enabled"
                or meta.get("Origin", "AWS_KMS") != "AWS_KMS"
            ):
                return None
            arn = str(meta.get("Arn") or key.get("KeyArn") or key_id)
            status = inv.call("kms", region, "GetKeyRotationStatus", gone=("NotFoundException",), KeyId=key_id) or {}
            return KeyRotation(arn, bool(status.get("KeyRotationEnabled")))
        except ResourceGone:
            return None
        except LoadError as exc:
            return KeyRotation(str(key.get("KeyArn") or key_id), False, str(exc))

    return [k for k in inv.fan_out(one, keys) if k is not None]


KEY_ROTATION: Resource[list[KeyRotation]] = Resource(
    "kms.key_rotation",
    True,
    (ApiCall("kms", "ListKeys"), ApiCall("kms", "DescribeKey"), ApiCall("kms", "GetKeyRotationStatus")),
    _key_rotation,
)
