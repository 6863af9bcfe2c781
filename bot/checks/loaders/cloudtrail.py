"""CloudTrail: is any multi-region trail logging?

DescribeTrails in the home region also lists multi-region trails created in other
regions (shadow trails), so one call finds every candidate; GetTrailStatus is asked in
each candidate's home region, stopping at the first that is logging.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource


@dataclass(frozen=True)
class Trail:
    """One trail's settings, as DescribeTrails reports them (no extra call)."""

    arn: str
    home_region: str
    log_file_validation: bool
    kms_key_id: str | None


@dataclass
class TrailState:
    logging_trail: str | None = None
    idle_trails: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _trail_list(inv: Inventory, region: str) -> list[dict[str, Any]]:
    response = inv.call("cloudtrail", region, "DescribeTrails", includeShadowTrails=True) or {}
    return list(response.get("trailList", []))


#: DescribeTrails once, for the logging check and the trail-settings checks.
TRAIL_LIST: Resource[list[dict[str, Any]]] = Resource(
    "cloudtrail.trail_list", False, (ApiCall("cloudtrail", "DescribeTrails"),), _trail_list
)


def _trail_settings(inv: Inventory, region: str) -> list[Trail]:
    """Every trail once (a multi-region trail's shadow copies are the same ARN)."""
    out: dict[str, Trail] = {}
    for trail in inv.get(TRAIL_LIST, region):
        arn = str(trail.get("TrailARN") or trail.get("Name"))
        out.setdefault(
            arn,
            Trail(
                arn,
                str(trail.get("HomeRegion") or inv.region_for(region)),
                bool(trail.get("LogFileValidationEnabled")),
                trail.get("KmsKeyId") or None,
            ),
        )
    return list(out.values())


TRAIL_SETTINGS: Resource[list[Trail]] = Resource(
    "cloudtrail.trail_settings", False, (), _trail_settings, needs=(TRAIL_LIST,)
)


def _trails(inv: Inventory, region: str) -> TrailState:
    state = TrailState()
    for trail in inv.get(TRAIL_LIST, region):
        if not trail.get("IsMultiRegionTrail"):
            continue
        arn = str(trail.get("TrailARN") or trail.get("Name"))
        try:
            status = inv.call("cloudtrail", trail.get("HomeRegion") or region, "GetTrailStatus", Name=arn) or {}
        except LoadError as exc:
            state.errors.append(str(exc))
            continue
        if status.get("IsLogging"):
            state.logging_trail = arn
            break
        state.idle_trails.append(arn)
    return state


TRAILS: Resource[TrailState] = Resource(
    "cloudtrail.trails",
    False,
    (ApiCall("cloudtrail", "GetTrailStatus"),),
    _trails,
    needs=(TRAIL_LIST,),
)
