"""S3 checks: public buckets (after Block Public Access) and default encryption."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.loaders import s3
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check


@check(
    "s3-public-access",
    service="s3",
    topic="data",
    needs=(s3.EXPOSURE,),
    regional=False,
    remedy="aws s3api put-public-access-block --bucket {resource} --public-access-block-configuration "
    "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    securityhub=("S3.2", "S3.3", "S3.8"),
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
    securityhub=("S3.4",),
)
def encryption(ctx: CheckContext) -> Iterator[Finding]:
    for entry in ctx.get(s3.ENCRYPTION):
        if entry.error:
            ctx.error(entry.error)
        elif not entry.encrypted:
            yield ctx.finding(entry.bucket.name, "no default encryption configuration", entry.bucket.finding_region)
