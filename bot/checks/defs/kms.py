"""KMS check: customer managed symmetric keys rotate automatically."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.loaders import kms
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check


@check(
    "kms-key-rotation",
    service="kms",
    topic="encryption",
    needs=(kms.KEY_ROTATION,),
    regional=True,
    cis=("3.6",),
    securityhub=("KMS.4",),
    remedy="aws kms enable-key-rotation --region {region} --key-id {resource}",
)
def key_rotation(ctx: CheckContext) -> Iterator[Finding]:
    for key in ctx.get(kms.KEY_ROTATION):
        if key.error:
            ctx.error(key.error)
        elif not key.rotation:
            yield ctx.finding(key.arn, "automatic key rotation is off")
