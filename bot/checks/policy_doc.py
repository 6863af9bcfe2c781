"""Reading resource-policy documents (S3 bucket policies, Lambda function policies) the same way.

Both checks ask one question of a statement: does it Allow everyone? Keeping the reading in one
place means a fix (a new way to write "everyone") reaches both.

Every grammar form of the policy language is read: `Statement` as a list or a single object,
`Principal` as `"*"`, `{"AWS": "*"}`, a string or a list, `NotPrincipal` (an Allow with
`NotPrincipal` grants everyone except the principals named, so it is public), and `Action` or
`NotAction` (an Allow with `NotAction` grants every action except those named).
"""

from __future__ import annotations

from typing import Any


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document; a single statement may be written as an object."""
    found = policy.get("Statement", [])
    if isinstance(found, dict):
        found = [found]
    if not isinstance(found, list):
        return []
    return [st for st in found if isinstance(st, dict)]


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def is_everyone(principal: Any) -> bool:
    """Principal "*" or {"AWS": "*"} (alone or in a list, or a list holding "*"): anyone."""
    if any(p == "*" for p in _values(principal)):
        return True
    if isinstance(principal, dict):
        return any(v == "*" for v in _values(principal.get("AWS")))
    return False


def allows_everyone(statement: dict[str, Any]) -> bool:
    """An Allow statement open to anyone: Principal everyone, or any NotPrincipal."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotPrincipal" in statement:
        return True  # everyone except the principals named
    return is_everyone(statement.get("Principal"))


def principal_text(statement: dict[str, Any]) -> str:
    """How the statement reaches everyone, for a finding's detail."""
    if "NotPrincipal" in statement:
        return "everyone except NotPrincipal"
    return "Principal *"


def action_text(statement: dict[str, Any]) -> str:
    """The actions a statement allows: `Action` joined, or "all actions except ..." for NotAction."""
    if "NotAction" in statement and "Action" not in statement:
        return "all actions except " + ", ".join(str(a) for a in _values(statement["NotAction"]))
    return ", ".join(str(a) for a in _values(statement.get("Action", "*")))
