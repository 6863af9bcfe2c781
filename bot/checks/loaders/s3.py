"""S3: buckets, Block Public Access (account and bucket), ACLs, policies, encryption.

S3 is global: buckets are listed once per account and each bucket is read through a
client in its own region (ListBuckets reports `BucketRegion`), so no redirect is needed.
Per-bucket calls are skipped when their answer cannot change the result:

- Block Public Access `IgnorePublicAcls` (bucket or account) makes S3 ignore every ACL
  grant to the public, so the ACL is not read.
- `RestrictPublicBuckets` (bucket or account) limits a bucket with a public policy to AWS
  service principals and the owner account's users, so the policy is not held against it
  (every policy is still read once, for the secure-transport check, and shared).
- `BlockPublicAcls` and `BlockPublicPolicy` only refuse *new* public ACLs and policies;
  one already in place stays effective, so they neutralise nothing here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource, ResourceGone
from bot.checks.model import GLOBAL_REGION
from bot.checks.policy_doc import action_text, allows_everyone, principal_text, statements

PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}


@dataclass(frozen=True)
class Bucket:
    name: str
    region: str | None  # None when ListBuckets did not say (older endpoints, emulators)

    @property
    def finding_region(self) -> str:
        return self.region or GLOBAL_REGION


def _buckets(inv: Inventory, region: str) -> list[Bucket]:
    return [Bucket(b["Name"], b.get("BucketRegion")) for b in inv.pages("s3", region, "ListBuckets", "Buckets")]


BUCKETS: Resource[list[Bucket]] = Resource("s3.buckets", False, (ApiCall("s3", "ListBuckets"),), _buckets)


def _account_public_access_block(inv: Inventory, region: str) -> dict[str, bool]:
    response = inv.call(
        "s3control",
        region,
        "GetPublicAccessBlock",
        absent=("NoSuchPublicAccessBlockConfiguration",),
        AccountId=inv.account_id,
    )
    return dict((response or {}).get("PublicAccessBlockConfiguration", {}))


ACCOUNT_PUBLIC_ACCESS_BLOCK: Resource[dict[str, bool]] = Resource(
    "s3.account_public_access_block",
    False,
    (ApiCall("s3control", "GetPublicAccessBlock"),),
    _account_public_access_block,
)


@dataclass
class BucketExposure:
    """Why a bucket is public after Block Public Access is applied (empty: it is not)."""

    bucket: Bucket
    reasons: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Exposure:
    buckets: list[BucketExposure]
    account_block_error: str | None = None


def public_acl_grants(acl: dict[str, Any]) -> list[str]:
    """'ACL grants READ to AllUsers' for each grant to a public group."""
    out = []
    for grant in acl.get("Grants", []):
        group = PUBLIC_GROUPS.get(str(grant.get("Grantee", {}).get("URI", "")))
        if group:
            out.append(f"ACL grants {grant.get('Permission', 'access')} to {group}")
    return out


def public_policy_statements(policy: dict[str, Any]) -> list[str]:
    """'policy allows s3:GetObject to Principal *' for each unconditioned public Allow
    (NotPrincipal and NotAction included: see `bot.checks.policy_doc`)."""
    return [
        f"policy allows {action_text(st)} to {principal_text(st)}"
        for st in statements(policy)
        if allows_everyone(st) and not st.get("Condition")
    ]


@dataclass(frozen=True)
class BucketPolicy:
    """A bucket's policy document (None: it has none), or why it could not be read."""

    bucket: Bucket
    document: dict[str, Any] | None
    error: str | None = None


def _policies(inv: Inventory, region: str) -> dict[str, BucketPolicy]:
    def one(bucket: Bucket) -> BucketPolicy | None:
        try:
            response = inv.call(
                "s3",
                bucket.region or region,
                "GetBucketPolicy",
                absent=("NoSuchBucketPolicy",),
                gone=("NoSuchBucket",),
                Bucket=bucket.name,
            )
        except ResourceGone:
            return None
        except LoadError as exc:
            return BucketPolicy(bucket, None, str(exc))
        return BucketPolicy(bucket, None if response is None else json.loads(response["Policy"]))

    buckets = inv.get(BUCKETS, region)
    return {p.bucket.name: p for p in inv.fan_out(one, buckets) if p is not None}


#: Every bucket's policy, read once for the public-access and secure-transport checks.
POLICIES: Resource[dict[str, BucketPolicy]] = Resource(
    "s3.policies", False, (ApiCall("s3", "GetBucketPolicy"),), _policies, needs=(BUCKETS,)
)


def _exposure(inv: Inventory, region: str) -> Exposure:
    buckets = inv.get(BUCKETS, region)
    account_error = None
    try:
        account = inv.get(ACCOUNT_PUBLIC_ACCESS_BLOCK, region)
    except LoadError as exc:
        account, account_error = {}, str(exc)
    if account.get("IgnorePublicAcls") and account.get("RestrictPublicBuckets"):
        return Exposure([BucketExposure(b) for b in buckets], account_error)
    policies = {} if account.get("RestrictPublicBuckets") else inv.get(POLICIES, region)

    def one(bucket: Bucket) -> BucketExposure | None:
        where = bucket.region or region
        try:
            response = inv.call(
                "s3",
                where,
                "GetPublicAccessBlock",
                absent=("NoSuchPublicAccessBlockConfiguration",),
                gone=("NoSuchBucket",),
                Bucket=bucket.name,
            )
            own = dict((response or {}).get("PublicAccessBlockConfiguration", {}))
            reasons: list[str] = []
            if not (account.get("IgnorePublicAcls") or own.get("IgnorePublicAcls")):
                acl = inv.call("s3", where, "GetBucketAcl", gone=("NoSuchBucket",), Bucket=bucket.name) or {}
                reasons += public_acl_grants(acl)
            if not (account.get("RestrictPublicBuckets") or own.get("RestrictPublicBuckets")):
                policy = policies.get(bucket.name)
                if policy is None:  # deleted meanwhile
                    return None
                if policy.error:
                    return BucketExposure(bucket, error=policy.error)
                if policy.document is not None:
                    reasons += public_policy_statements(policy.document)
            return BucketExposure(bucket, reasons)
        except ResourceGone:
            return None
        except LoadError as exc:
            return BucketExposure(bucket, error=str(exc))

    return Exposure([e for e in inv.fan_out(one, buckets) if e is not None], account_error)


EXPOSURE: Resource[Exposure] = Resource(
    "s3.exposure",
    False,
    (ApiCall("s3", "GetPublicAccessBlock"), ApiCall("s3", "GetBucketAcl")),
    _exposure,
    needs=(BUCKETS, ACCOUNT_PUBLIC_ACCESS_BLOCK, POLICIES),
)


@dataclass(frozen=True)
class BucketEncryption:
    bucket: Bucket
    encrypted: bool
    error: str | None = None


def _encryption(inv: Inventory, region: str) -> list[BucketEncryption]:
    def one(bucket: Bucket) -> BucketEncryption | None:
        try:
            response = inv.call(
                "s3",
                bucket.region or region,
                "GetBucketEncryption",
                absent=("ServerSideEncryptionConfigurationNotFoundError",),
                gone=("NoSuchBucket",),
                Bucket=bucket.name,
            )
        except ResourceGone:
            return None
        except LoadError as exc:
            return BucketEncryption(bucket, False, str(exc))
        rules = (response or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        return BucketEncryption(bucket, bool(rules))

    buckets = inv.get(BUCKETS, region)
    return [e for e in inv.fan_out(one, buckets) if e is not None]


ENCRYPTION: Resource[list[BucketEncryption]] = Resource(
    "s3.encryption", False, (ApiCall("s3", "GetBucketEncryption"),), _encryption, needs=(BUCKETS,)
)


@dataclass(frozen=True)
class BucketVersioning:
    bucket: Bucket
    status: str  # Enabled, Suspended, or "" (never enabled)
    mfa_delete: bool
    error: str | None = None


def _versioning(inv: Inventory, region: str) -> list[BucketVersioning]:
    def one(bucket: Bucket) -> BucketVersioning | None:
        try:
            response = inv.call(
                "s3", bucket.region or region, "GetBucketVersioning", gone=("NoSuchBucket",), Bucket=bucket.name
            )
        except ResourceGone:
            return None
        except LoadError as exc:
            return BucketVersioning(bucket, "", False, str(exc))
        response = response or {}
        return BucketVersioning(bucket, str(response.get("Status", "")), response.get("MFADelete") == "Enabled")

    buckets = inv.get(BUCKETS, region)
    return [v for v in inv.fan_out(one, buckets) if v is not None]


VERSIONING: Resource[list[BucketVersioning]] = Resource(
    "s3.versioning", False, (ApiCall("s3", "GetBucketVersioning"),), _versioning, needs=(BUCKETS,)
)


@dataclass(frozen=True)
class AccessPoint:
    name: str
    bucket: str
    arn: str
    public_access_block: dict[str, bool]
    error: str | None = None


def _access_points(inv: Inventory, region: str) -> list[AccessPoint]:
    # botocore has no paginator for ListAccessPoints: follow NextToken by hand.
    listed: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        page = inv.call("s3control", region, "ListAccessPoints", AccountId=inv.account_id, MaxResults=1000, **token)
        listed += (page or {}).get("AccessPointList", [])
        if not (page or {}).get("NextToken"):
            break
        token = {"NextToken": str(page["NextToken"])}  # type: ignore[index]

    def one(point: dict[str, Any]) -> AccessPoint | None:
        name, bucket = str(point["Name"]), str(point.get("Bucket", ""))
        arn = str(point.get("AccessPointArn") or f"arn:aws:s3:{region}:{inv.account_id}:accesspoint/{name}")
        try:
            response = inv.call(
                "s3control", region, "GetAccessPoint", gone=("NoSuchAccessPoint",), AccountId=inv.account_id, Name=name
            )
        except ResourceGone:
            return None
        except LoadError as exc:
            return AccessPoint(name, bucket, arn, {}, str(exc))
        block = dict((response or {}).get("PublicAccessBlockConfiguration", {}))
        return AccessPoint(name, bucket, arn, block)

    # AWS lists a region's own access points; keep only those (an emulator may list them all).
    here = [p for p in listed if str(p.get("AccessPointArn", "")).split(":")[3:4] in ([region], [])]
    return [p for p in inv.fan_out(one, here) if p is not None]


ACCESS_POINTS: Resource[list[AccessPoint]] = Resource(
    "s3.access_points",
    True,
    (ApiCall("s3control", "ListAccessPoints"), ApiCall("s3control", "GetAccessPoint")),
    _access_points,
)
