"""What the owners overlay needs to know about an account beyond its checks: the tags of
its resources and the OUs the account sits in.

Both are read only when `DEMARC_OWNERS` asks for them (`tags:` or `ous:`), so a team that
routes by account alone makes no extra call. Both are read-only:

- `tag:GetResources` (Resource Groups Tagging API), one paginated read per region and tag
  key, with the key as a filter, so only the resources that carry it come back. Several
  keys are read separately because the API ANDs its filters.
- `organizations:ListParents`, from the caller's own credentials (the management or
  delegated administrator account), walking up from the account to the root.

A failure here never fails a check: it becomes a note on the account, and routing falls
back to the account, OU or layer owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bot.checks.faults import describe_fault

if TYPE_CHECKING:
    from bot.checks.session import ClientFactory

#: Actions the owners overlay may call, beyond the checks' own (docs/iam-policy.json lists them).
TAG_ACTIONS = ("tag:GetResources",)
#: On the caller's (management or delegated administrator) account, with `ous:` only.
OU_ACTIONS = ("organizations:ListParents",)

#: ListParents walks one level per call; real Organizations nest at most five OUs deep.
MAX_OU_DEPTH = 8


def short_id(arn_or_id: str) -> str:
    """The part of an ARN that checks report as a finding's resource (bucket, sg-..., function name).

    `arn:aws:s3:::logs` -> `logs`; `arn:aws:ec2:eu-west-1:1:security-group/sg-1` -> `sg-1`;
    `arn:aws:lambda:eu-west-1:1:function:api` -> `api`; anything else is returned as is.
    """
    if not arn_or_id.startswith("arn:"):
        return arn_or_id
    parts = arn_or_id.split(":", 5)
    resource = parts[5] if len(parts) == 6 else arn_or_id
    for separator in ("/", ":"):
        if separator in resource:
            resource = resource.rsplit(separator, 1)[1]
    return resource


def resource_tags(
    factory: ClientFactory, regions: Iterable[str], keys: Iterable[str]
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Tags of the account's resources that carry any of `keys`, by ARN and by short id.

    Returns (tags by resource, notes); a region that cannot be read is a note, not a failure.
    """
    wanted = sorted(set(keys))
    found: dict[str, dict[str, str]] = {}
    notes: list[str] = []
    for region in regions:
        for key in wanted:
            try:
                client = factory.client("resourcegroupstaggingapi", region)
                pages = client.get_paginator("get_resources").paginate(TagFilters=[{"Key": key}])
                for page in pages:
                    for mapping in page.get("ResourceTagMappingList", []):
                        _record(found, mapping)
            except Exception as exc:  # reported on the account; owners fall back to account/OU/layer
                reason = describe_fault(
                    exc, service="resourcegroupstaggingapi", operation="GetResources", region=region, regional=True
                )
                notes.append(f"owners by tag skipped in {region}: {reason}")
                break
    return found, notes


def _record(found: dict[str, dict[str, str]], mapping: Mapping[str, Any]) -> None:
    arn = str(mapping.get("ResourceARN", ""))
    if not arn:
        return
    tags = {str(t.get("Key", "")): str(t.get("Value", "")) for t in mapping.get("Tags", [])}
    for name in (arn, short_id(arn)):
        found.setdefault(name, {}).update(tags)


def ou_path(client: Any, account: str) -> tuple[str, ...]:
    """The OUs that hold `account`, nearest first (the root is left out)."""
    path: list[str] = []
    child = account
    for _ in range(MAX_OU_DEPTH):
        parents = client.list_parents(ChildId=child).get("Parents", [])
        if not parents or parents[0].get("Type") != "ORGANIZATIONAL_UNIT":
            break
        child = str(parents[0]["Id"])
        path.append(child)
    return tuple(path)
