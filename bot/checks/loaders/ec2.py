"""EC2 and SSM, per region: EBS defaults, volumes, security groups, running instances
and their Patch Manager state and metadata options, network ACLs, VPCs and their flow
logs, and the account's public snapshots and AMIs. Only the fields the checks read are kept, so a large
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
    egress: tuple[dict[str, Any], ...] = ()
    vpc_id: str = ""


def _security_groups(inv: Inventory, region: str) -> list[SecurityGroup]:
    return [
        SecurityGroup(
            g["GroupId"],
            g.get("GroupName", ""),
            tuple(g.get("IpPermissions", [])),
            tuple(g.get("IpPermissionsEgress", [])),
            str(g.get("VpcId", "")),
        )
        for g in inv.pages("ec2", region, "DescribeSecurityGroups", "SecurityGroups", page_size=1000)
    ]


SECURITY_GROUPS: Resource[list[SecurityGroup]] = Resource(
    "ec2.security_groups", True, (ApiCall("ec2", "DescribeSecurityGroups"),), _security_groups
)


@dataclass(frozen=True)
class Instance:
    id: str
    http_tokens: str  # "required" when only IMDSv2 answers; "optional" allows IMDSv1
    http_endpoint: str  # "disabled" turns the metadata service off altogether


def _instances(inv: Inventory, region: str) -> list[Instance]:
    reservations = inv.pages(
        "ec2",
        region,
        "DescribeInstances",
        "Reservations",
        page_size=1000,
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}],
    )
    return [
        Instance(
            i["InstanceId"],
            str(i.get("MetadataOptions", {}).get("HttpTokens", "optional")),
            str(i.get("MetadataOptions", {}).get("HttpEndpoint", "enabled")),
        )
        for r in reservations
        for i in r.get("Instances", [])
        if i.get("State", {}).get("Name") == "running"
    ]


#: Running instances, read once for the patching and IMDSv2 checks.
INSTANCES: Resource[list[Instance]] = Resource(
    "ec2.instances", True, (ApiCall("ec2", "DescribeInstances"),), _instances
)


def _running_instances(inv: Inventory, region: str) -> list[str]:
    return [i.id for i in inv.get(INSTANCES, region)]


RUNNING_INSTANCES: Resource[list[str]] = Resource(
    "ec2.running_instances", True, (), _running_instances, needs=(INSTANCES,)
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


@dataclass(frozen=True)
class NetworkAcl:
    id: str
    vpc_id: str
    is_default: bool
    entries: tuple[dict[str, Any], ...]


def _network_acls(inv: Inventory, region: str) -> list[NetworkAcl]:
    return [
        NetworkAcl(a["NetworkAclId"], str(a.get("VpcId", "")), bool(a.get("IsDefault")), tuple(a.get("Entries", [])))
        for a in inv.pages("ec2", region, "DescribeNetworkAcls", "NetworkAcls", page_size=1000)
    ]


NETWORK_ACLS: Resource[list[NetworkAcl]] = Resource(
    "ec2.network_acls", True, (ApiCall("ec2", "DescribeNetworkAcls"),), _network_acls
)


def _vpcs(inv: Inventory, region: str) -> list[str]:
    return [str(v["VpcId"]) for v in inv.pages("ec2", region, "DescribeVpcs", "Vpcs", page_size=1000)]


VPCS: Resource[list[str]] = Resource("ec2.vpcs", True, (ApiCall("ec2", "DescribeVpcs"),), _vpcs)


def _flow_logged(inv: Inventory, region: str) -> set[str]:
    """The resources (VPC ids among them) that have an active flow log."""
    logs = inv.pages("ec2", region, "DescribeFlowLogs", "FlowLogs", page_size=1000)
    return {str(f.get("ResourceId")) for f in logs if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"}


FLOW_LOGGED: Resource[set[str]] = Resource("ec2.flow_logged", True, (ApiCall("ec2", "DescribeFlowLogs"),), _flow_logged)


def _public_snapshots(inv: Inventory, region: str) -> list[str]:
    """The account's own snapshots that anyone may restore (one call: AWS filters them)."""
    snapshots = inv.pages(
        "ec2", region, "DescribeSnapshots", "Snapshots", page_size=1000, OwnerIds=["self"], RestorableByUserIds=["all"]
    )
    return [str(s["SnapshotId"]) for s in snapshots]


PUBLIC_SNAPSHOTS: Resource[list[str]] = Resource(
    "ec2.public_snapshots", True, (ApiCall("ec2", "DescribeSnapshots"),), _public_snapshots
)


def _public_images(inv: Inventory, region: str) -> list[str]:
    """The account's own AMIs that anyone may launch."""
    images = inv.pages(
        "ec2", region, "DescribeImages", "Images", page_size=1000, Owners=["self"], ExecutableUsers=["all"]
    )
    return [str(i["ImageId"]) for i in images if i.get("Public")]


PUBLIC_IMAGES: Resource[list[str]] = Resource(
    "ec2.public_images", True, (ApiCall("ec2", "DescribeImages"),), _public_images
)
