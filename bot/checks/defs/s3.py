"""S3 checks: public buckets (after Block Public Access), default encryption, account-level Block
Public Access, TLS-only bucket policies, access points, versioning and MFA delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.checks.faults import LoadError
from bot.checks.loaders import s3
from bot.checks.model import Finding
from bot.checks.policy_doc import is_everyone, statements
from bot.checks.registry import CheckContext, check


@check(
    "s3-public-access",
    service="s3",
    topic="data",
    needs=(s3.EXPOSURE,),
    regional=False,
    remedy="aws s3api put-public-access-block --bucket {resource} --public-access-block-configuration "
    "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    # Not S3.8: it fails any bucket whose own Block Public Access flags are not all on, public or
    # not; this check reports buckets that are public (after account and bucket BPA), as S3.2/S3.3 do.
    securityhub=("S3.2", "S3.3"),
)
def public_access(ctx: CheckContext) -> Iterator[Finding]:
    exposure = ctx.get(s3.EXPOSURE)
    if exposure.account_block_error:
        ctx.error(exposure.account_block_error)
    for entry in exposure.buckets:
        if entry.error:
            ctx.error(entry.error)
        elif entry.reasons:
            yield ctx.finding(entry.bucket.name, "; ".join(entry.reasons), entry.bucket.finding_region)


@check(
    "s3-encryption",
    service="s3",
    topic="encryption",
    needs=(s3.ENCRYPTION,),
    regional=False,
    remedy="aws s3api put-bucket-encryption --bucket {resource} --server-side-encryption-configuration "
    '\'{{"Rules":[{{"ApplyServerSideEncryptionByDefault":{{"SSEAlgorithm":"AES256"}}}}]}}\'',
    # No Security Hub control: AWS retired S3.4 (S3 encrypts every new object with SSE-S3 since
    # January 2023), and CIS dropped default bucket encryption in v2.0.
)
def encryption(ctx: CheckContext) -> Iterator[Finding]:
    for entry in ctx.get(s3.ENCRYPTION):
        if entry.error:
            ctx.error(entry.error)
        elif not entry.encrypted:
            yield ctx.finding(entry.bucket.name, "no default encryption configuration", entry.bucket.finding_region)


_BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _missing_blocks(config: dict[str, bool]) -> list[str]:
    return [name for name in _BLOCK_SETTINGS if not config.get(name)]


@check(
    "s3-account-public-access-block",
    service="s3",
    topic="data",
    needs=(s3.ACCOUNT_PUBLIC_ACCESS_BLOCK,),
    regional=False,
    cis=("2.1.4",),
    securityhub=("S3.1",),
    remedy="aws s3control put-public-access-block --account-id {resource} --public-access-block-configuration "
    "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
)
def account_public_access_block(ctx: CheckContext) -> Iterator[Finding]:
    missing = _missing_blocks(ctx.get(s3.ACCOUNT_PUBLIC_ACCESS_BLOCK))
    if missing:
        yield ctx.finding(ctx.account_id, f"account-level Block Public Access is off for: {', '.join(missing)}")


def _is_s3_all(action: object) -> bool:
    actions = action if isinstance(action, list) else [action]
    return any(a in ("*", "s3:*") for a in actions)


def denies_insecure_transport(document: dict[str, Any] | None) -> bool:
    """A Deny of s3:* to Principal * when aws:SecureTransport is false (CIS 2.1.1)."""
    for st in statements(document or {}):
        if st.get("Effect") != "Deny" or not is_everyone(st.get("Principal")) or not _is_s3_all(st.get("Action")):
            continue
        condition = st.get("Condition") or {}
        for operator in ("Bool", "BoolIfExists"):
            value = (condition.get(operator) or {}).get("aws:SecureTransport")
            values = value if isinstance(value, list) else [value]
            if any(str(v).lower() == "false" for v in values):
                return True
    return False


@check(
    "s3-secure-transport",
    service="s3",
    topic="network-config",
    needs=(s3.POLICIES,),
    regional=False,
    cis=("2.1.1",),
    securityhub=("S3.5",),
)
def secure_transport(ctx: CheckContext) -> Iterator[Finding]:
    for entry in ctx.get(s3.POLICIES).values():
        if entry.error:
            ctx.error(entry.error)
        elif not denies_insecure_transport(entry.document):
            why = "no bucket policy" if entry.document is None else "the bucket policy does not deny"
            yield ctx.finding(
                entry.bucket.name,
                f"{why} requests without TLS (aws:SecureTransport false)",
                entry.bucket.finding_region,
            )


@check(
    "s3-access-point-public",
    service="s3",
    topic="iam",
    needs=(s3.ACCESS_POINTS, s3.ACCOUNT_PUBLIC_ACCESS_BLOCK),
    regional=True,
    securityhub=("S3.19",),
)
def access_point_public(ctx: CheckContext) -> Iterator[Finding]:
    """An access point without all four Block Public Access settings, unless the account has them."""
    try:
        account = ctx.get(s3.ACCOUNT_PUBLIC_ACCESS_BLOCK)
    except LoadError as exc:
        account = {}
        ctx.error(str(exc))
    if not _missing_blocks(account):
        return
    for point in ctx.get(s3.ACCESS_POINTS):
        if point.error:
            ctx.error(point.error)
        elif missing := _missing_blocks(point.public_access_block):
            yield ctx.finding(
                point.arn, f"access point to bucket {point.bucket}: Block Public Access off for {', '.join(missing)}"
            )


@check(
    "s3-versioning",
    service="s3",
    topic="resource-config",
    needs=(s3.VERSIONING,),
    regional=False,
    securityhub=("S3.14",),
    remedy="aws s3api put-bucket-versioning --bucket {resource} --versioning-configuration Status=Enabled",
)
def versioning(ctx: CheckContext) -> Iterator[Finding]:
    for entry in ctx.get(s3.VERSIONING):
        if entry.error:
            ctx.error(entry.error)
        elif entry.status != "Enabled":
            state = entry.status.lower() if entry.status else "never enabled"
            yield ctx.finding(entry.bucket.name, f"versioning is {state}", entry.bucket.finding_region)


@check(
    "s3-mfa-delete",
    service="s3",
    topic="resource-config",
    needs=(s3.VERSIONING,),
    regional=False,
    cis=("2.1.2",),
    securityhub=("S3.20",),
)
def mfa_delete(ctx: CheckContext) -> Iterator[Finding]:
    for entry in ctx.get(s3.VERSIONING):
        if entry.error:
            ctx.error(entry.error)
        elif not entry.mfa_delete:
            yield ctx.finding(entry.bucket.name, "MFA delete is not enabled", entry.bucket.finding_region)
