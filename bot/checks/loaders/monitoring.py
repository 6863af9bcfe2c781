"""The CIS metric-filter-and-alarm set (CIS v3.0.0 section 4): what the account's CloudTrail
log groups are watched for, and whether anyone is told.

From the one DescribeTrails read (shared with the CloudTrail checks): the multi-region
trails that deliver to CloudWatch Logs and are logging (GetTrailStatus only for the
trails the logging check did not already ask about). For each such log group, its
metric filters (DescribeMetricFilters); for each region of those log groups, the metric
alarms once (DescribeAlarms); for each SNS topic those alarms notify, its subscriptions
(ListSubscriptionsByTopic). A filter counts when an alarm on its metric notifies a topic
with at least one confirmed subscription.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource
from bot.checks.loaders import cloudtrail

_UNCONFIRMED = frozenset({"PendingConfirmation", "Deleted", ""})


@dataclass(frozen=True)
class WatchedFilter:
    """One metric filter on a CloudTrail log group, and whether an alarm tells someone."""

    log_group: str
    name: str
    pattern: str
    notifies: bool  # an alarm on its metric notifies an SNS topic with a confirmed subscriber


@dataclass
class Monitoring:
    #: ARNs of the logging multi-region trails that deliver to CloudWatch Logs.
    trails: list[str] = field(default_factory=list)
    filters: list[WatchedFilter] = field(default_factory=list)


def _log_group(arn: str) -> tuple[str, str] | None:
    """(region, name) of `arn:aws:logs:<region>:<account>:log-group:<name>[:*]`."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        return None
    return parts[3], parts[6]


def _monitoring(inv: Inventory, region: str) -> Monitoring:
    state = inv.get(cloudtrail.TRAILS, region)
    out = Monitoring()
    groups: dict[tuple[str, str], None] = {}
    for trail in inv.get(cloudtrail.TRAIL_LIST, region):
        arn = str(trail.get("TrailARN") or trail.get("Name"))
        group = _log_group(str(trail.get("CloudWatchLogsLogGroupArn") or ""))
        if not trail.get("IsMultiRegionTrail") or group is None or arn in out.trails:
            continue
        if arn in state.idle_trails:
            continue
        if arn != state.logging_trail:
            if state.errors:
                raise LoadError(state.errors[0])
            # The logging check stopped at the first logging trail; ask about this one.
            status = inv.call("cloudtrail", trail.get("HomeRegion") or region, "GetTrailStatus", Name=arn) or {}
            if not status.get("IsLogging"):
                continue
        out.trails.append(arn)
        groups.setdefault(group)
    if not groups and state.errors:
        raise LoadError(state.errors[0])

    filters: list[tuple[str, str, str, list[tuple[str, str]]]] = []  # group, name, pattern, metrics
    for where, name in groups:
        for f in inv.pages("logs", where, "DescribeMetricFilters", "metricFilters", logGroupName=name):
            metrics = [
                (str(m.get("metricName", "")), str(m.get("metricNamespace", "")))
                for m in f.get("metricTransformations", [])
            ]
            filters.append((f"{where}:{name}", str(f.get("filterName", "")), str(f.get("filterPattern", "")), metrics))

    alarm_topics: dict[tuple[str, str, str], set[str]] = {}  # (region, metric, namespace) -> topic ARNs
    for where in dict.fromkeys(w for w, _ in groups):
        for alarm in inv.pages("cloudwatch", where, "DescribeAlarms", "MetricAlarms", page_size=100):
            topics = {a for a in alarm.get("AlarmActions", []) if str(a).startswith("arn:") and ":sns:" in str(a)}
            key = (where, str(alarm.get("MetricName", "")), str(alarm.get("Namespace", "")))
            alarm_topics.setdefault(key, set()).update(topics)

    wanted = sorted(
        {
            t
            for group, _, _, metrics in filters
            for m in metrics
            for t in alarm_topics.get((group.split(":")[0], *m), ())
        }
    )

    def subscribed(topic: str) -> tuple[str, bool]:
        subs = inv.pages("sns", topic.split(":")[3], "ListSubscriptionsByTopic", "Subscriptions", TopicArn=topic)
        return topic, any(str(s.get("SubscriptionArn", "")) not in _UNCONFIRMED for s in subs)

    told = dict(inv.fan_out(subscribed, wanted))
    for group_id, filter_name, pattern, metrics in filters:
        where = group_id.split(":")[0]
        notifies = any(told.get(t, False) for m in metrics for t in alarm_topics.get((where, *m), ()))
        out.filters.append(WatchedFilter(group_id, filter_name, pattern, notifies))
    return out


MONITORING: Resource[Monitoring] = Resource(
    "cloudwatch.cis_monitoring",
    False,
    (
        ApiCall("logs", "DescribeMetricFilters"),
        ApiCall("cloudwatch", "DescribeAlarms"),
        ApiCall("sns", "ListSubscriptionsByTopic"),
    ),
    _monitoring,
    needs=(cloudtrail.TRAIL_LIST, cloudtrail.TRAILS),
)
