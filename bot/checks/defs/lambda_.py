"""Lambda checks: deprecated runtimes, and functions anyone can invoke."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.checks import runtimes
from bot.checks.loaders import lambda_
from bot.checks.model import Finding
from bot.checks.policy_doc import allows_everyone, statements
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
    needs=(lambda_.FUNCTIONS, lambda_.ALIAS_TARGETS),
    regional=True,
    remedy="aws lambda update-function-configuration --region {region} --function-name {resource} "
    "--runtime <supported runtime>, then publish a version and point its aliases at it",
    securityhub=("Lambda.2",),
)
def runtime(ctx: CheckContext) -> Iterator[Finding]:
    """$LATEST on a deprecated runtime, and published versions aliases still route to.

    One finding per function (the resource is the function name); the detail names each
    alias and version, so a function whose $LATEST was upgraded still fails while an alias
    sends traffic to the old runtime.
    """
    table = runtimes.load()
    reasons: dict[str, list[str]] = {}
    order: list[str] = []
    noted: set[tuple[str, str]] = set()

    def judge(fn: str, runtime: str | None, where: str) -> None:
        if runtime is None:
            return  # container image: the image's base decides, not a managed runtime
        known = table.get(runtime)
        if known is None:
            if (fn, runtime) not in noted:
                noted.add((fn, runtime))
                ctx.note(f"{fn} ({ctx.region}): runtime {runtime} is not in the runtime table")
        elif known.is_deprecated(ctx.today):
            if fn not in reasons:
                order.append(fn)
            reasons.setdefault(fn, []).append(f"{where}runtime {runtime} deprecated on {known.deprecated}")

    for fn in ctx.get(lambda_.FUNCTIONS):
        judge(fn.name, fn.runtime, "")
    for target in ctx.get(lambda_.ALIAS_TARGETS):
        judge(target.function, target.runtime, f"alias {target.alias} -> version {target.version}: ")
    for fn_name in order:
        yield ctx.finding(fn_name, "; ".join(reasons[fn_name]))


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
        if allows_everyone(s) and not _has_source_condition(s.get("Condition"))
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


@check(
    "lambda-env-secrets",
    service="lambda",
    topic="encryption",
    needs=(lambda_.FUNCTIONS,),
    regional=True,
    remedy="move the value to Secrets Manager or Parameter Store and read it at run time (or through the "
    "AWS Parameters and Secrets Lambda extension); then remove it: aws lambda update-function-configuration "
    "--region {region} --function-name {resource} --environment ...",
)
def env_secrets(ctx: CheckContext) -> Iterator[Finding]:
    """Environment variables whose name says secret (*_SECRET, *PASSWORD*, *TOKEN* ...) or whose
    value has the shape of an AWS access key; the finding names the variables, never a value."""
    for fn in ctx.get(lambda_.FUNCTIONS):
        if fn.secret_env:
            yield ctx.finding(fn.name, f"environment variables that look like secrets: {', '.join(fn.secret_env)}")
