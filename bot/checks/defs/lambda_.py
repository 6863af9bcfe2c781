"""Lambda checks: deprecated runtimes, and functions anyone can invoke."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.checks import runtimes
from bot.checks.loaders import lambda_
from bot.checks.model import Finding
from bot.checks.policy_doc import is_everyone, statements
from bot.checks.registry import CheckContext, check

# Condition keys that tie a Principal "*" grant to a source (account, ARN, organisation),
# so that it is no longer open to anyone. Compared case-insensitively, as IAM does.
SOURCE_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "lambda:EventSourceToken",
    )
)


@check(
    "lambda-runtime",
    service="lambda",
    topic="platform",
    needs=(lambda_.FUNCTIONS,),
    regional=True,
    remedy="aws lambda update-function-configuration --region {region} --function-name {resource} "
    "--runtime <supported runtime>",
    securityhub=("Lambda.2",),
)
def runtime(ctx: CheckContext) -> Iterator[Finding]:
    table = runtimes.load()
    for fn in ctx.get(lambda_.FUNCTIONS):
        if fn.runtime is None:
            continue  # container image: the image's base decides, not a managed runtime
        known = table.get(fn.runtime)
        if known is None:
            ctx.note(f"{fn.name} ({ctx.region}): runtime {fn.runtime} is not in the runtime table")
        elif known.is_deprecated(ctx.today):
            yield ctx.finding(fn.name, f"runtime {fn.runtime} deprecated on {known.deprecated}")


def _has_source_condition(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    return any(
        str(key).lower() in SOURCE_CONDITION_KEYS
        for block in condition.values()
        if isinstance(block, dict)
        for key in block
    )


def public_statements(policy: dict[str, Any]) -> list[str]:
    """Sids of Allow statements to Principal "*" that no source condition narrows."""
    return [
        str(s.get("Sid") or "(no Sid)")
        for s in statements(policy)
        if s.get("Effect") == "Allow"
        and is_everyone(s.get("Principal"))
        and not _has_source_condition(s.get("Condition"))
    ]


@check(
    "lambda-public",
    service="lambda",
    topic="iam",
    needs=(lambda_.EXPOSURE,),
    regional=True,
    remedy="aws lambda get-policy --region {region} --function-name {resource}  # then: aws lambda "
    "remove-permission --statement-id <Sid>, and update-function-url-config --auth-type AWS_IAM",
    securityhub=("Lambda.1",),
)
def public(ctx: CheckContext) -> Iterator[Finding]:
    for entry in ctx.get(lambda_.EXPOSURE):
        if entry.error:
            ctx.error(entry.error)
            continue
        reasons = []
        sids = public_statements(entry.policy or {})
        if sids:
            reasons.append(f"resource policy allows Principal * with no source condition ({', '.join(sids)})")
        if entry.url_auth_type == "NONE":
            reasons.append("function URL with auth type NONE")
        if reasons:
            yield ctx.finding(entry.function, "; ".join(reasons))
