"""EC2 and SSM, per region: EBS defaults, volumes, security groups, running instances
and their Patch Manager state. Only the fields the checks read are kept, so a large
account's inventory stays small in memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.checks.inventory import ApiCall, Inventory, Resource


def _ebs_default(inv: Inventory, region: str) -> bool:
    response = inv.call("ec2", region, "GetEbsEncryptionByDefault") or {}
    return bool(response.get("EbsEncryptionByDefault"))


EBS_ENCRYPTION_BY_DEFAULT: Resource[bool] = Resource(
    "ec2.ebs_encryption_by_default", True, (ApiCall("ec2", "GetEbsEncryptionByDefault"),), _ebs_default
)


@dataclass(frozen=True)
class Volume:
    id: str
    encrypted: bool
    size_gib: int


def _volumes(inv: Inventory, region: str) -> list[Volume]:
    return [
        Volume(v["VolumeId"], bool(v.get("Encrypted")), int(v.get("Size", 0)))
        for v in inv.pages("ec2", region, "DescribeVolumes", "Volumes", page_size=500)
    ]


VOLUMES: Resource[list[Volume]] = Resource("ec2.volumes", True, (ApiCall("ec2", "DescribeVolumes"),), _volumes)


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    ingress: tuple[dict[str, Any], ...]


def _security_groups(inv: Inventory, region: str) -> list[SecurityGroup]:
    return [
        SecurityGroup(g["GroupId"], g.get("GroupName", ""), tuple(g.get("IpPermissions", [])))
        for g in inv.pages("ec2", region, "DescribeSecurityGroups", "SecurityGroups", page_size=1000)
    ]


SECURITY_GROUPS: Resource[list[SecurityGroup]] = Resource(
    "ec2.security_groups", True, (ApiCall("ec2", "DescribeSecurityGroups"),), _security_groups
)


def _running_instances(inv: Inventory, region: str) -> list[str]:
    reservations = inv.pages(
        "ec2",
        region,
        "DescribeInstances",
        "Reservations",
        page_size=1000,
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}],
    )
    return [
        i["InstanceId"]
        for r in reservations
        for i in r.get("Instances", [])
        if i.get("State", {}).get("Name") == "running"
    ]


RUNNING_INSTANCES: Resource[list[str]] = Resource(
    "ec2.running_instances", True, (ApiCall("ec2", "DescribeInstances"),), _running_instances
)

# DescribeInstancePatchStates accepts at most 50 instance ids per request.
PATCH_STATE_BATCH = 50


@dataclass(frozen=True)
class PatchState:
    missing: int
    failed: int
    pending_reboot: int


def _patch_states(inv: Inventory, region: str) -> dict[str, PatchState]:
    instances = inv.get(RUNNING_INSTANCES, region)
    batches = [instances[i : i + PATCH_STATE_BATCH] for i in range(0, len(instances), PATCH_STATE_BATCH)]

    def one(batch: list[str]) -> list[Any]:
        return inv.pages("ssm", region, "DescribeInstancePatchStates", "InstancePatchStates", InstanceIds=batch)

    states: dict[str, PatchState] = {}
    for page in inv.fan_out(one, batches):
        for s in page:
            states[s["InstanceId"]] = PatchState(
                int(s.get("MissingCount", 0)),
                int(s.get("FailedCount", 0)),
                int(s.get("InstalledPendingRebootCount", 0)),
            )
    return states


PATCH_STATES: Resource[dict[str, PatchState]] = Resource(
    "ssm.patch_states",
    True,
    (ApiCall("ssm", "DescribeInstancePatchStates"),),
    _patch_states,
    needs=(RUNNING_INSTANCES,),
)
