"""S3: buckets, Block Public Access (account and bucket), ACLs, policies, encryption.

S3 is global: buckets are listed once per account and each bucket is read through a
client in its own region (ListBuckets reports `BucketRegion`), so no redirect is needed.
Per-bucket calls are skipped when their answer cannot change the result:

- Block Public Access `IgnorePublicAcls` (bucket or account) makes S3 ignore every ACL
  grant to the public, so the ACL is not read.
- `RestrictPublicBuckets` (bucket or account) limits a bucket with a public policy to AWS
  service principals and the owner account's users, so the policy is not read.
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


def _exposure(inv: Inventory, region: str) -> Exposure:
    buckets = inv.get(BUCKETS, region)
    account_error = None
    try:
        account = inv.get(ACCOUNT_PUBLIC_ACCESS_BLOCK, region)
    except LoadError as exc:
        account, account_error = {}, str(exc)
    if account.get("IgnorePublicAcls") and account.get("RestrictPublicBuckets"):
        return Exposure([BucketExposure(b) for b in buckets], account_error)

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
                policy = inv.call(
                    "s3",
                    where,
                    "GetBucketPolicy",
                    absent=("NoSuchBucketPolicy",),
                    gone=("NoSuchBucket",),
                    Bucket=bucket.name,
                )
                if policy is not None:
                    reasons += public_policy_statements(json.loads(policy["Policy"]))
            return BucketExposure(bucket, reasons)
        except ResourceGone:
            return None
        except LoadError as exc:
            return BucketExposure(bucket, error=str(exc))

    return Exposure([e for e in inv.fan_out(one, buckets) if e is not None], account_error)


EXPOSURE: Resource[Exposure] = Resource(
    "s3.exposure",
    False,
    (ApiCall("s3", "GetPublicAccessBlock"), ApiCall("s3", "GetBucketAcl"), ApiCall("s3", "GetBucketPolicy")),
    _exposure,
    needs=(BUCKETS, ACCOUNT_PUBLIC_ACCESS_BLOCK),
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
