"""IAM: the account's password policy, summary, users and customer managed policies.

GetAccountAuthorizationDetails returns users with their attached policies and every
customer managed policy with its versions in one paginated call, instead of ListUsers,
ListAttachedUserPolicies per user, ListPolicies and GetPolicyVersion per policy.
"""

from __future__ import annotations

import json
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
            users.append(IamUser(user["UserName"], user["Arn"], attached))
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


def _console_users(inv: Inventory, region: str) -> list[ConsoleUser]:
    users = inv.get(AUTHORIZATION_DETAILS, region).users

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

    return [u for u in inv.fan_out(one, users) if u is not None]


CONSOLE_USERS: Resource[list[ConsoleUser]] = Resource(
    "iam.console_users",
    False,
    (ApiCall("iam", "GetLoginProfile"), ApiCall("iam", "ListMFADevices")),
    _console_users,
    needs=(AUTHORIZATION_DETAILS,),
)
