"""IAM checks: password policy, root MFA and keys, console users' MFA, admin policies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from bot.checks.faults import LoadError
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
    cis=("1.8",),
    securityhub=("IAM.15",),
)
def password_policy(ctx: CheckContext) -> Iterator[Finding]:
    policy = ctx.get(iam.PASSWORD_POLICY)
    if policy is None:
        yield ctx.finding(ctx.account_id, "the account has no password policy")
        return
    length = int(policy.get("MinimumPasswordLength", 0))
    if length < MIN_PASSWORD_LENGTH:
        yield ctx.finding(ctx.account_id, f"minimum password length is {length} (needs {MIN_PASSWORD_LENGTH} or more)")


@check(
    "iam-root-mfa",
    service="iam",
    topic="iam",
    needs=(iam.ACCOUNT_SUMMARY,),
    regional=False,
    cis=("1.5",),
    securityhub=("IAM.9",),
)
def root_mfa(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.get(iam.ACCOUNT_SUMMARY).get("AccountMFAEnabled", 0) == 0:
        yield ctx.finding(ctx.account_id, "the root user has no MFA device")


@check(
    "iam-root-access-keys",
    service="iam",
    topic="iam",
    needs=(iam.ACCOUNT_SUMMARY,),
    regional=False,
    cis=("1.4",),
    securityhub=("IAM.4",),
)
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
    cis=("1.10",),
    securityhub=("IAM.5",),
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
    cis=("1.16",),
    securityhub=("IAM.1",),
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


# --- credentials over time, root use, support role, certificates (CIS section 1) ---------------

UNUSED_DAYS = 45
KEY_MAX_AGE_DAYS = 90
ROOT_RECENT_DAYS = 90
PASSWORD_REUSE = 24


@check(
    "iam-password-reuse",
    service="iam",
    topic="iam",
    needs=(iam.PASSWORD_POLICY,),
    regional=False,
    cis=("1.9",),
    securityhub=("IAM.16",),
)
def password_reuse(ctx: CheckContext) -> Iterator[Finding]:
    policy = ctx.get(iam.PASSWORD_POLICY)
    if policy is None:
        yield ctx.finding(ctx.account_id, "the account has no password policy")
        return
    remembered = int(policy.get("PasswordReusePrevention", 0))
    if remembered < PASSWORD_REUSE:
        yield ctx.finding(
            ctx.account_id, f"password reuse prevention remembers {remembered} passwords (needs {PASSWORD_REUSE})"
        )


def _days(today: dt.date, then: dt.date | None) -> int | None:
    return None if then is None else (today - then).days


@check(
    "iam-unused-credentials",
    service="iam",
    topic="iam",
    needs=(iam.CREDENTIAL_REPORT,),
    regional=False,
    cis=("1.12",),
    securityhub=("IAM.22",),
    remedy="aws iam delete-login-profile --user-name {name}, or aws iam update-access-key --user-name {name} "
    "--access-key-id <key> --status Inactive",
)
def unused_credentials(ctx: CheckContext) -> Iterator[Finding]:
    """A console password or an active access key not used for 45 days (never used: since it was set)."""
    for row in _rows(ctx.get(iam.CREDENTIAL_REPORT)):
        if row.is_root:
            continue
        problems = []
        if row.password_enabled:
            idle = _days(ctx.today, row.password_last_used or row.password_last_changed or row.created)
            if idle is not None and idle >= UNUSED_DAYS:
                used = "used" if row.password_last_used else "set, never used,"
                problems.append(f"console password last {used} {idle} days ago")
        for key in row.keys:
            if not key.active:
                continue
            idle = _days(ctx.today, key.last_used or key.last_rotated)
            if idle is not None and idle >= UNUSED_DAYS:
                used = "used" if key.last_used else "created, never used,"
                problems.append(f"access key {key.slot} last {used} {idle} days ago")
        if problems:
            yield ctx.finding(row.arn, "; ".join(problems))


@check(
    "iam-key-rotation",
    service="iam",
    topic="iam",
    needs=(iam.CREDENTIAL_REPORT,),
    regional=False,
    cis=("1.14",),
    securityhub=("IAM.3",),
)
def key_rotation(ctx: CheckContext) -> Iterator[Finding]:
    for row in _rows(ctx.get(iam.CREDENTIAL_REPORT)):
        if row.is_root:
            continue
        old = [
            f"access key {key.slot} is {age} days old"
            for key in row.keys
            if key.active and (age := _days(ctx.today, key.last_rotated)) is not None and age > KEY_MAX_AGE_DAYS
        ]
        if old:
            yield ctx.finding(row.arn, "; ".join(old) + f" (rotate every {KEY_MAX_AGE_DAYS} days)")


@check(
    "iam-one-active-key",
    service="iam",
    topic="iam",
    needs=(iam.CREDENTIAL_REPORT,),
    regional=False,
    cis=("1.13",),
)
def one_active_key(ctx: CheckContext) -> Iterator[Finding]:
    for row in _rows(ctx.get(iam.CREDENTIAL_REPORT)):
        if not row.is_root and all(key.active for key in row.keys):
            yield ctx.finding(row.arn, "two active access keys")


@check(
    "iam-root-used",
    service="iam",
    topic="iam",
    needs=(iam.CREDENTIAL_REPORT,),
    regional=False,
    cis=("1.7",),
)
def root_used(ctx: CheckContext) -> Iterator[Finding]:
    """The root user signed in or used an access key within the last 90 days (scan clock)."""
    for row in _rows(ctx.get(iam.CREDENTIAL_REPORT)):
        if not row.is_root:
            continue
        uses = [("password", row.password_last_used)] + [(f"access key {k.slot}", k.last_used) for k in row.keys]
        recent = [
            f"{what} used {days} days ago"
            for what, when in uses
            if (days := _days(ctx.today, when)) is not None and 0 <= days <= ROOT_RECENT_DAYS
        ]
        if recent:
            yield ctx.finding(ctx.account_id, f"root user {'; '.join(recent)}")


@check(
    "iam-user-policies",
    service="iam",
    topic="iam",
    needs=(iam.AUTHORIZATION_DETAILS,),
    regional=False,
    cis=("1.15",),
    securityhub=("IAM.2",),
)
def user_policies(ctx: CheckContext) -> Iterator[Finding]:
    """Users should get permissions only through groups (or roles)."""
    for user in ctx.get(iam.AUTHORIZATION_DETAILS).users:
        parts = []
        if user.attached_policy_arns:
            parts.append(
                f"{len(user.attached_policy_arns)} managed polic{'y' if len(user.attached_policy_arns) == 1 else 'ies'}"
            )
        if user.inline_policies:
            parts.append(f"{len(user.inline_policies)} inline polic{'y' if len(user.inline_policies) == 1 else 'ies'}")
        if parts:
            yield ctx.finding(user.arn, " and ".join(parts) + " attached to the user directly")


@check(
    "iam-support-role",
    service="iam",
    topic="iam",
    needs=(iam.SUPPORT_ROLES,),
    regional=False,
    cis=("1.17",),
    securityhub=("IAM.18",),
)
def support_role(ctx: CheckContext) -> Iterator[Finding]:
    if not ctx.get(iam.SUPPORT_ROLES):
        yield ctx.finding(ctx.account_id, "no role has the AWSSupportAccess policy attached")


@check(
    "iam-expired-certificates",
    service="iam",
    topic="iam",
    needs=(iam.SERVER_CERTIFICATES,),
    regional=False,
    cis=("1.19",),
    securityhub=("IAM.26",),
    remedy="aws iam delete-server-certificate --server-certificate-name {name}",
)
def expired_certificates(ctx: CheckContext) -> Iterator[Finding]:
    for cert in ctx.get(iam.SERVER_CERTIFICATES):
        if cert.expires is not None and cert.expires < ctx.today:
            yield ctx.finding(cert.arn or cert.name, f"expired on {cert.expires.isoformat()}")


def _rows(report: iam.CredentialReport | None) -> tuple[iam.Credentials, ...]:
    """The credential report's rows. When IAM did not finish the report in time, the checks
    that need it report an error (never a pass they could not verify)."""
    if report is None:
        raise LoadError("IAM did not finish the credential report in time (GenerateCredentialReport); scan again")
    return report.rows
