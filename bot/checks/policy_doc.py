"""Reading resource-policy documents (S3 bucket policies, Lambda function policies) the same way.

Both checks ask one question of a statement: does it Allow everyone? Keeping the reading in one
place means a fix (a new way to write "everyone") reaches both.
"""

from __future__ import annotations

from typing import Any


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document; a single statement may be written as an object."""
    found = policy.get("Statement", [])
    if isinstance(found, dict):
        found = [found]
    return [st for st in found if isinstance(st, dict)]


def is_everyone(principal: Any) -> bool:
    """Principal "*" or {"AWS": "*"} (alone or in a list): anyone, signed in or not."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False
