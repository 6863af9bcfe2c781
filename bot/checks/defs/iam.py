"""IAM checks: password policy, root MFA and keys, console users' MFA, admin policies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.checks.loaders import iam
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check

MIN_PASSWORD_LENGTH = 14


@check(
    "iam-password-policy",
    service="iam",
    topic="iam",
    needs=(iam.PASSWORD_POLICY,),
    regional=False,
    remedy=(
        "aws iam update-account-password-policy --minimum-password-length 14 plus every setting you already "
        "enforce (the call replaces the whole policy)"
    ),
)
def password_policy(ctx: CheckContext) -> Iterator[Finding]:
    policy = ctx.get(iam.PASSWORD_POLICY)
    if policy is None:
        yield ctx.finding(ctx.account_id, "the account has no password policy")
        return
    length = int(policy.get("MinimumPasswordLength", 0))
    if length < MIN_PASSWORD_LENGTH:
        yield ctx.finding(ctx.account_id, f"minimum password length is {length} (needs {MIN_PASSWORD_LENGTH} or more)")


@check("iam-root-mfa", service="iam", topic="iam", needs=(iam.ACCOUNT_SUMMARY,), regional=False)
def root_mfa(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.get(iam.ACCOUNT_SUMMARY).get("AccountMFAEnabled", 0) == 0:
        yield ctx.finding(ctx.account_id, "the root user has no MFA device")


@check("iam-root-access-keys", service="iam", topic="iam", needs=(iam.ACCOUNT_SUMMARY,), regional=False)
def root_access_keys(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.get(iam.ACCOUNT_SUMMARY).get("AccountAccessKeysPresent", 0) == 1:
        yield ctx.finding(ctx.account_id, "the root user has access keys")


@check(
    "iam-user-mfa",
    service="iam",
    topic="iam",
    needs=(iam.CONSOLE_USERS,),
    regional=False,
    remedy="enable an MFA device for {name} (IAM > Users > Security credentials), or remove its "
    "console password: aws iam delete-login-profile --user-name {name}",
)
def user_mfa(ctx: CheckContext) -> Iterator[Finding]:
    for user in ctx.get(iam.CONSOLE_USERS):
        if user.error:
            ctx.error(user.error)
        elif user.has_password and user.mfa_devices == 0:
            yield ctx.finding(user.arn, "console password and no MFA device")


def _is_star(value: Any) -> bool:
    return value == "*" or (isinstance(value, list) and "*" in value)


def allows_everything(document: dict[str, Any]) -> bool:
    """An Allow statement with Action "*" on Resource "*" (each a string or a list holding "*")."""
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return any(
        s.get("Effect") == "Allow" and _is_star(s.get("Action")) and _is_star(s.get("Resource"))
        for s in statements
        if isinstance(s, dict)
    )


def _is_administrator_access(arn: str) -> bool:
    # arn:<partition>:iam::aws:policy/AdministratorAccess (aws, aws-cn, aws-us-gov)
    parts = arn.split(":")
    return len(parts) == 6 and parts[4] == "aws" and parts[5] == "policy/AdministratorAccess"


@check(
    "iam-admin-policy",
    service="iam",
    topic="iam",
    needs=(iam.AUTHORIZATION_DETAILS,),
    regional=False,
)
def admin_policy(ctx: CheckContext) -> Iterator[Finding]:
    details = ctx.get(iam.AUTHORIZATION_DETAILS)
    for user in details.users:
        if any(_is_administrator_access(arn) for arn in user.attached_policy_arns):
            yield ctx.finding(user.arn, "AWS managed AdministratorAccess policy attached directly to the user")
    for policy in details.policies:
        if allows_everything(policy.document):
            yield ctx.finding(
                policy.arn,
                f'default version {policy.default_version} allows "Action": "*" on "Resource": "*"',
            )
