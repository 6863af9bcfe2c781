"""CloudTrail: is any multi-region trail logging?

DescribeTrails in the home region also lists multi-region trails created in other
regions (shadow trails), so one call finds every candidate; GetTrailStatus is asked in
each candidate's home region, stopping at the first that is logging.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource


@dataclass
class TrailState:
    logging_trail: str | None = None
    idle_trails: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _trails(inv: Inventory, region: str) -> TrailState:
    response = inv.call("cloudtrail", region, "DescribeTrails", includeShadowTrails=True) or {}
    state = TrailState()
    for trail in response.get("trailList", []):
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
    (ApiCall("cloudtrail", "DescribeTrails"), ApiCall("cloudtrail", "GetTrailStatus")),
    _trails,
)
