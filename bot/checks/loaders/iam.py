"""IAM: the account's password policy, summary, users and customer managed policies.

GetAccountAuthorizationDetails returns users with their attached policies and every
customer managed policy with its versions in one paginated call, instead of ListUsers,
ListAttachedUserPolicies per user, ListPolicies and GetPolicyVersion per policy. Console
passwords and MFA come from the credential report (two calls per account) instead of
GetLoginProfile and ListMFADevices per user. The report is at most four hours old (IAM
regenerates an older one when asked): a password or MFA device changed since then shows
on the next report, while a user created since is read one by one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource, ResourceGone


def _password_policy(inv: Inventory, region: str) -> dict[str, Any] | None:
    response = inv.call("iam", region, "GetAccountPasswordPolicy", absent=("NoSuchEntity",))
    return None if response is None else dict(response["PasswordPolicy"])


PASSWORD_POLICY: Resource[dict[str, Any] | None] = Resource(
    "iam.password_policy", False, (ApiCall("iam", "GetAccountPasswordPolicy"),), _password_policy
)


def _account_summary(inv: Inventory, region: str) -> dict[str, int]:
    response = inv.call("iam", region, "GetAccountSummary") or {}
    return {str(k): int(v) for k, v in response.get("SummaryMap", {}).items()}


ACCOUNT_SUMMARY: Resource[dict[str, int]] = Resource(
    "iam.account_summary", False, (ApiCall("iam", "GetAccountSummary"),), _account_summary
)


@dataclass(frozen=True)
class IamUser:
    name: str
    arn: str
    attached_policy_arns: tuple[str, ...]
    inline_policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class ManagedPolicy:
    arn: str
    default_version: str
    document: dict[str, Any]


@dataclass(frozen=True)
class AuthorizationDetails:
    users: list[IamUser]
    policies: list[ManagedPolicy]


def policy_document(raw: Any) -> dict[str, Any]:
    """A policy document as a dict (IAM may return it URL-encoded JSON text)."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        parsed = json.loads(unquote(raw))
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _authorization_details(inv: Inventory, region: str) -> AuthorizationDetails:
    users: list[IamUser] = []
    policies: list[ManagedPolicy] = []
    for page in inv.all_pages(
        "iam", region, "GetAccountAuthorizationDetails", page_size=1000, Filter=["User", "LocalManagedPolicy"]
    ):
        for user in page.get("UserDetailList", []):
            attached = tuple(p["PolicyArn"] for p in user.get("AttachedManagedPolicies", []))
            inline = tuple(str(p.get("PolicyName")) for p in user.get("UserPolicyList", []))
            users.append(IamUser(user["UserName"], user["Arn"], attached, inline))
        for policy in page.get("Policies", []):
            default = next((v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
            if default is not None:
                policies.append(
                    ManagedPolicy(
                        policy["Arn"], str(default.get("VersionId")), policy_document(default.get("Document"))
                    )
                )
    return AuthorizationDetails(users, policies)


AUTHORIZATION_DETAILS: Resource[AuthorizationDetails] = Resource(
    "iam.authorization_details",
    False,
    (ApiCall("iam", "GetAccountAuthorizationDetails"),),
    _authorization_details,
)


@dataclass(frozen=True)
class ConsoleUser:
    """A user's console password and MFA state (or why it could not be read)."""

    arn: str
    has_password: bool
    mfa_devices: int
    error: str | None = None


#: How long IAM may take to build the credential report before the users are read one by one.
REPORT_WAITS = (0.2, 0.5, 1.0, 2.0, 2.0, 2.0, 4.0)
#: Injected in tests (waiting for the report is the only sleep in a loader).
sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class CredentialReport:
    """IAM's credential report, read once for every check that needs it: console password and
    MFA state of every user by ARN, and every row (root included) with its keys and dates."""

    generated: dt.datetime | None
    users: dict[str, tuple[bool, bool]]  # arn -> (password enabled, MFA active)
    rows: tuple[Credentials, ...] = ()


def _credential_report(inv: Inventory, region: str) -> CredentialReport | None:
    """The report, or None when IAM did not finish it in time (the users are then read
    one by one). GenerateCredentialReport answers COMPLETE at once when a report under
    four hours old exists, so a daily scan usually waits for nothing."""
    for wait in (*REPORT_WAITS, None):
        state = (inv.call("iam", region, "GenerateCredentialReport") or {}).get("State")
        if state == "COMPLETE":
            break
        if wait is None:
            return None
        sleep(wait)
    response = inv.call(
        "iam", region, "GetCredentialReport", absent=("ReportNotPresent", "ReportExpired", "ReportInProgress")
    )
    if response is None:
        return None
    content = response.get("Content", b"")
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    users: dict[str, tuple[bool, bool]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("user") == "<root_account>" or not row.get("arn"):
            continue
        users[row["arn"]] = (row.get("password_enabled") == "true", row.get("mfa_active") == "true")
    generated = response.get("GeneratedTime")
    return CredentialReport(
        generated if isinstance(generated, dt.datetime) else None, users, tuple(parse_credential_report(text))
    )


CREDENTIAL_REPORT: Resource[CredentialReport | None] = Resource(
    "iam.credential_report",
    False,
    (ApiCall("iam", "GenerateCredentialReport"), ApiCall("iam", "GetCredentialReport")),
    _credential_report,
)


def _console_users(inv: Inventory, region: str) -> list[ConsoleUser]:
    """Console and MFA state of every user: from the credential report (two calls for the
    whole account), and one by one (GetLoginProfile, ListMFADevices) only for the users
    the report does not list yet (created after it was generated) or when IAM did not
    finish the report in time."""
    users = inv.get(AUTHORIZATION_DETAILS, region).users
    report = inv.get(CREDENTIAL_REPORT, region)
    known = report.users if report is not None else {}
    out: list[ConsoleUser] = []
    missing: list[IamUser] = []
    for user in users:
        state = known.get(user.arn)
        if state is None:
            missing.append(user)
        else:
            out.append(ConsoleUser(user.arn, state[0], 1 if state[1] else 0))

    def one(user: IamUser) -> ConsoleUser | None:
        try:
            profile = inv.call("iam", region, "GetLoginProfile", absent=("NoSuchEntity",), UserName=user.name)
            if profile is None:
                return ConsoleUser(user.arn, False, 0)
            devices = inv.pages("iam", region, "ListMFADevices", "MFADevices", UserName=user.name)
            return ConsoleUser(user.arn, True, len(devices))
        except ResourceGone:
            return None
        except LoadError as exc:
            return ConsoleUser(user.arn, False, 0, error=str(exc))

    out += [u for u in inv.fan_out(one, missing) if u is not None]
    return out


CONSOLE_USERS: Resource[list[ConsoleUser]] = Resource(
    "iam.console_users",
    False,
    (),
    _console_users,
    needs=(AUTHORIZATION_DETAILS, CREDENTIAL_REPORT),
    occasional=(ApiCall("iam", "GetLoginProfile"), ApiCall("iam", "ListMFADevices")),
)


# --- the credential report: every user's (and root's) passwords and keys, in one call ---------

ROOT_USER = "<root_account>"


@dataclass(frozen=True)
class AccessKey:
    slot: int  # 1 or 2, as the credential report numbers them
    active: bool
    last_rotated: dt.date | None
    last_used: dt.date | None


@dataclass(frozen=True)
class Credentials:
    """One credential report row: a user's (or the root user's) password and access keys."""

    user: str
    arn: str
    created: dt.date | None
    password_enabled: bool
    password_last_used: dt.date | None
    password_last_changed: dt.date | None
    keys: tuple[AccessKey, ...]

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_USER


def _report_date(value: str | None) -> dt.date | None:
    """An ISO timestamp from the report as a date; N/A, no_information, not_supported as None."""
    if not value or not value[:4].isdigit():
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_credential_report(text: str) -> list[Credentials]:
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        keys = tuple(
            AccessKey(
                slot,
                row.get(f"access_key_{slot}_active") == "true",
                _report_date(row.get(f"access_key_{slot}_last_rotated")),
                _report_date(row.get(f"access_key_{slot}_last_used_date")),
            )
            for slot in (1, 2)
        )
        rows.append(
            Credentials(
                str(row.get("user", "")),
                str(row.get("arn", "")),
                _report_date(row.get("user_creation_time")),
                row.get("password_enabled") == "true",
                _report_date(row.get("password_last_used")),
                _report_date(row.get("password_last_changed")),
                keys,
            )
        )
    return rows


SUPPORT_POLICY_ARN = "arn:aws:iam::aws:policy/AWSSupportAccess"


def _support_roles(inv: Inventory, region: str) -> list[str]:
    pages = inv.all_pages("iam", region, "ListEntitiesForPolicy", PolicyArn=SUPPORT_POLICY_ARN, EntityFilter="Role")
    return [str(r["RoleName"]) for page in pages for r in page.get("PolicyRoles", [])]


SUPPORT_ROLES: Resource[list[str]] = Resource(
    "iam.support_roles", False, (ApiCall("iam", "ListEntitiesForPolicy"),), _support_roles
)


@dataclass(frozen=True)
class ServerCertificate:
    name: str
    arn: str
    expires: dt.date | None


def _server_certificates(inv: Inventory, region: str) -> list[ServerCertificate]:
    out = []
    for meta in inv.pages("iam", region, "ListServerCertificates", "ServerCertificateMetadataList", page_size=1000):
        expiration = meta.get("Expiration")
        expires = expiration.date() if isinstance(expiration, dt.datetime) else _report_date(str(expiration or ""))
        out.append(ServerCertificate(str(meta["ServerCertificateName"]), str(meta.get("Arn", "")), expires))
    return out


SERVER_CERTIFICATES: Resource[list[ServerCertificate]] = Resource(
    "iam.server_certificates", False, (ApiCall("iam", "ListServerCertificates"),), _server_certificates
)
