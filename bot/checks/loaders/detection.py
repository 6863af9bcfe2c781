"""Detection services, per region: AWS Config's recorders, GuardDuty's detectors, Security Hub.

One call (or two) per service and region, whatever the account's size:
DescribeConfigurationRecorders and DescribeConfigurationRecorderStatus; ListDetectors, then
GetDetector for each detector (a region has at most one); DescribeHub, whose "not
subscribed" answer means Security Hub is off in that region.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.checks.inventory import ApiCall, Inventory, Resource, ResourceGone


@dataclass(frozen=True)
class ConfigRecorder:
    name: str
    recording: bool
    all_supported: bool
    global_types: bool
    last_status: str | None = None


def _config_recorders(inv: Inventory, region: str) -> list[ConfigRecorder]:
    recorders = (inv.call("config", region, "DescribeConfigurationRecorders") or {}).get("ConfigurationRecorders", [])
    if not recorders:
        return []
    statuses = {
        str(s.get("name")): s
        for s in (inv.call("config", region, "DescribeConfigurationRecorderStatus") or {}).get(
            "ConfigurationRecordersStatus", []
        )
    }
    out = []
    for rec in recorders:
        name = str(rec.get("name", "default"))
        group = rec.get("recordingGroup") or {}
        status = statuses.get(name, {})
        out.append(
            ConfigRecorder(
                name,
                bool(status.get("recording")),
                bool(group.get("allSupported", True)),
                bool(group.get("includeGlobalResourceTypes", False)),
                status.get("lastStatus"),
            )
        )
    return out


CONFIG_RECORDERS: Resource[list[ConfigRecorder]] = Resource(
    "config.recorders",
    True,
    # The status is asked only where the region has a recorder.
    (ApiCall("config", "DescribeConfigurationRecorders"), ApiCall("config", "DescribeConfigurationRecorderStatus")),
    _config_recorders,
)


@dataclass(frozen=True)
class Detector:
    id: str
    status: str


def _detectors(inv: Inventory, region: str) -> list[Detector]:
    ids = inv.pages("guardduty", region, "ListDetectors", "DetectorIds", page_size=50)

    def one(detector_id: str) -> Detector | None:
        try:
            got = (
                inv.call("guardduty", region, "GetDetector", gone=("BadRequestException",), DetectorId=detector_id)
                or {}
            )
        except ResourceGone:
            return None
        return Detector(detector_id, str(got.get("Status", "")))

    return [d for d in inv.fan_out(one, ids) if d is not None]


DETECTORS: Resource[list[Detector]] = Resource(
    "guardduty.detectors",
    True,
    # GetDetector only for the detectors a region has (none where GuardDuty was never turned on).
    (ApiCall("guardduty", "ListDetectors"), ApiCall("guardduty", "GetDetector")),
    _detectors,
)


def _hub(inv: Inventory, region: str) -> str | None:
    """The hub's ARN, or None where the account is not subscribed to Security Hub."""
    hub = inv.call("securityhub", region, "DescribeHub", absent=("InvalidAccessException", "ResourceNotFoundException"))
    return None if hub is None else str(hub.get("HubArn") or "hub")


SECURITY_HUB: Resource[str | None] = Resource("securityhub.hub", True, (ApiCall("securityhub", "DescribeHub"),), _hub)


@dataclass(frozen=True)
class Analyzer:
    name: str
    type: str
    status: str


#: Analyzer types that look for external access (the unused-access kinds do not).
EXTERNAL_ACCESS_TYPES = frozenset({"ACCOUNT", "ORGANIZATION"})


def _analyzers(inv: Inventory, region: str) -> list[Analyzer]:
    return [
        Analyzer(str(a.get("name", "")), str(a.get("type", "")), str(a.get("status", "")))
        for a in inv.pages("accessanalyzer", region, "ListAnalyzers", "analyzers", page_size=100)
    ]


ANALYZERS: Resource[list[Analyzer]] = Resource(
    "accessanalyzer.analyzers", True, (ApiCall("accessanalyzer", "ListAnalyzers"),), _analyzers
)
