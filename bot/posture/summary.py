"""The posture summary: what is failing now, what changed since the last run, and the trend.

Deltas compare (check, resource, region) triples. They are only claimed where both runs
could see: each check is compared with the newest earlier run in which that check
completed (a run where it errored says nothing about its resources), a check that errors
now reports nothing as fixed, and regions scanned by only one of the two runs are left
out. That keeps "new" and "fixed" exact instead of noisy after an outage or a
`--region` change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from bot.checks.model import AccountReport, CheckResult, finding_id
from bot.errors import DemarcError
from bot.store.records import RunMeta, RunStatus, run_status

SEVERITIES = ("critical", "high", "medium", "low")
#: How many runs (the current one included) the trend shows.
TREND_RUNS = 14
SPARK = "▁▂▃▄▅▆▇█"
#: A run that could not check anything: a gap in the trend, never a zero.
SPARK_GAP = "·"

#: Earlier runs, newest first, each with its results (loaded lazily by the caller).
History = Iterable[tuple[RunMeta, Sequence[CheckResult]]]


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


@dataclass(frozen=True, order=True)
class FindingKey:
    """The identity of a finding across runs (its detail text may change; it stays the same)."""

    check: str
    resource: str
    region: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "resource": self.resource, "region": self.region}

    def id(self, account: str) -> str:
        """The stable finding id (check, account, region, resource): see `finding_id`."""
        return finding_id(self.check, account, self.region, self.resource)

    def to_json(self, account: str) -> dict[str, str]:
        return {"id": self.id(account), **self.to_dict()}


@dataclass(frozen=True)
class CheckView:
    """What the catalogue says about a check, for display and ordering."""

    id: str
    title: str
    severity: str
    topic: str
    topic_title: str
    topic_order: int
    fix: str


@lru_cache(maxsize=256)
def check_view(check_id: str, topic: str) -> CheckView:
    """Catalogue facts for a check; a check the catalogue does not know still renders."""
    try:
        from bot.catalogue import default_catalogue

        cat = default_catalogue()
    except DemarcError:
        return CheckView(check_id, check_id, "medium", topic, topic, 999, "")
    info = cat.checks.get(check_id)
    topic_id = info.topic if info else topic
    order = cat.topic_order
    topic_info = cat.topics.get(topic_id)
    return CheckView(
        id=check_id,
        title=info.title if info else check_id,
        severity=info.severity if info else "medium",
        topic=topic_id,
        topic_title=topic_info.title if topic_info else topic_id,
        topic_order=order.index(topic_id) if topic_id in order else len(order),
        fix=info.fix if info else "",
    )


@dataclass(frozen=True)
class DeltaItem:
    """A new or fixed finding, with what a reader needs to act on it."""

    key: FindingKey
    detail: str
    view: CheckView

    @property
    def sort_key(self) -> tuple[int, str, str, str]:
        return (severity_rank(self.view.severity), self.key.check, self.key.resource, self.key.region)


@dataclass
class CheckLine:
    view: CheckView
    result: CheckResult
    new: frozenset[FindingKey] = frozenset()


@dataclass
class TopicGroup:
    topic: str
    title: str
    checks: list[CheckLine]

    @property
    def worst(self) -> int:
        return min(severity_rank(c.view.severity) for c in self.checks)

    @property
    def findings(self) -> int:
        return sum(len(c.result.findings) for c in self.checks)


@dataclass
class AccountSummary:
    account: str
    generated_at: str
    regions: tuple[str, ...]
    results: list[CheckResult]
    status: RunStatus
    new: list[DeltaItem]
    fixed: list[DeltaItem]
    previous_run: str | None
    trend: list[int | None]
    groups: list[TopicGroup]
    errors: list[CheckResult]
    run: RunMeta | None = None
    accepted: list[Any] = field(default_factory=list)  # bot.posture.exceptions.AcceptedFinding
    audit: list[Any] = field(default_factory=list)  # bot.store.risks.AuditEvent
    owners: Any = None  # bot.posture.owners.Owners

    def owner_of(self, result: CheckResult, resource: str | None = None) -> str | None:
        """Who owns `result`'s finding on `resource` (its tag first), or the check's layer."""
        if not self.owners:
            return None
        return self.owners.owner(self.account, result.service, result.topic, resource)  # type: ignore[no-any-return]

    def _results_json(self) -> list[dict[str, Any]]:
        out = []
        for result in self.results:
            entry = result.to_dict(self.account)
            for finding in entry["findings"]:
                finding["owner"] = self.owner_of(result, finding["resource"])
            out.append(entry)
        return out

    @property
    def findings(self) -> int:
        return sum(len(r.findings) for r in self.results)

    @property
    def failing_checks(self) -> int:
        return sum(1 for r in self.results if r.status == "fail")

    @property
    def sparkline(self) -> str:
        return sparkline(self.trend)

    @property
    def new_critical(self) -> list[DeltaItem]:
        return [d for d in self.new if d.view.severity == "critical"]

    @property
    def quiet(self) -> bool:
        """Nothing to tell since the run compared with: no delta, and not a first look."""
        return (
            self.status != "failed"
            and self.previous_run is not None
            and not self.new
            and not self.fixed
            and not self.accepted
        )

    def finding_ids(self) -> list[str]:
        """Every current finding's stable id, in result order."""
        return [finding_id(r.check, self.account, f.region, f.resource) for r in self.results for f in r.findings]

    def by_severity(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for result in self.results:
            severity = check_view(result.check, result.topic).severity
            counts[severity] = counts.get(severity, 0) + len(result.findings)
        return counts

    def to_json(self) -> dict[str, Any]:
        """The contract's `demarc posture --json` object (plus trend and counts)."""
        return {
            "account": self.account,
            "generated_at": self.generated_at,
            "regions": list(self.regions),
            "status": self.status,
            "results": self._results_json(),
            "new": [d.key.to_json(self.account) for d in self.new],
            "fixed": [d.key.to_json(self.account) for d in self.fixed],
            "previous_run": self.previous_run,
            "accepted": [a.to_json() for a in self.accepted],
            "audit": [e.to_json() for e in self.audit],
            "trend": list(self.trend),
            "sparkline": self.sparkline,
            "summary": {
                "failing_checks": self.failing_checks,
                "errors": len(self.errors),
                "findings": self.findings,
                "new": len(self.new),
                "fixed": len(self.fixed),
                "accepted": len(self.accepted),
                "by_severity": self.by_severity(),
            },
        }


@dataclass
class PostureSummary:
    """Every account's summary from one run, or the reason the scan could not run at all."""

    generated_at: str
    accounts: list[AccountSummary] = field(default_factory=list)
    scan_error: str | None = None

    @property
    def failed(self) -> bool:
        """True when nothing could be checked: reported as a failure, never as all clear."""
        return self.scan_error is not None or not self.accounts or all(a.status == "failed" for a in self.accounts)

    @property
    def new_critical(self) -> list[DeltaItem]:
        return [d for a in self.accounts for d in a.new_critical]

    @property
    def findings(self) -> int:
        return sum(a.findings for a in self.accounts)

    @property
    def changed(self) -> bool:
        """Worth a post when posting only on change: a failure, a delta, or a first look.

        A check that keeps erroring the same way is not news; it is shown whenever a post
        goes out for another reason.
        """
        return self.failed or any(a.new or a.fixed or a.previous_run is None for a in self.accounts)

    @property
    def quiet(self) -> bool:
        """A day with no change at all: the post is two lines (see `handlers.posture.blocks`)."""
        return not self.failed and bool(self.accounts) and all(a.quiet for a in self.accounts)


def sparkline(values: Sequence[int | None]) -> str:
    """Heights relative to the largest count, so zero is always the floor and any finding shows."""
    top = max((v for v in values if v is not None), default=0)
    out = []
    for value in values:
        if value is None:
            out.append(SPARK_GAP)
        elif value == 0 or top == 0:
            out.append(SPARK[0])
        else:
            out.append(SPARK[max(1, round(value / top * (len(SPARK) - 1)))])
    return "".join(out)


def compute_delta(
    regions: Sequence[str], current: Sequence[CheckResult], history: History
) -> tuple[list[DeltaItem], list[DeltaItem], str | None]:
    """New and fixed findings against `history`, and the time of the run compared with.

    See the module docstring for which comparisons are made and why.
    """
    pending = {r.check: r for r in current}
    baselines: dict[str, tuple[RunMeta, CheckResult]] = {}
    previous: str | None = None
    for meta, results in history:
        previous = previous or meta.generated_at
        for result in results:
            if result.check in pending and result.check not in baselines and result.status != "error":
                baselines[result.check] = (meta, result)
        if len(baselines) == len(pending):
            break
    new: list[DeltaItem] = []
    fixed: list[DeltaItem] = []
    for check, result in pending.items():
        if check not in baselines:
            continue  # never seen completed: a first look, nothing to compare with
        base_meta, base = baselines[check]
        blind = set(regions) ^ set(base_meta.regions)
        view = check_view(check, result.topic)
        now = {FindingKey(check, f.resource, f.region): f.detail for f in result.findings if f.region not in blind}
        before = {FindingKey(check, f.resource, f.region): f.detail for f in base.findings if f.region not in blind}
        new += [DeltaItem(k, d, view) for k, d in now.items() if k not in before]
        if result.status != "error":
            fixed += [DeltaItem(k, d, view) for k, d in before.items() if k not in now]
    return sorted(new, key=lambda d: d.sort_key), sorted(fixed, key=lambda d: d.sort_key), previous


def group_by_topic(results: Sequence[CheckResult], new: Sequence[DeltaItem]) -> list[TopicGroup]:
    """Checks with findings by responsibility topic, worst severity first."""
    new_keys = frozenset(d.key for d in new)
    groups: dict[str, TopicGroup] = {}
    for result in results:
        if not result.findings:
            continue
        view = check_view(result.check, result.topic)
        mine = frozenset(k for k in new_keys if k.check == result.check)
        findings = sorted(
            result.findings, key=lambda f: (FindingKey(result.check, f.resource, f.region) not in mine, f)
        )
        line = CheckLine(view, replace(result, findings=findings), mine)
        groups.setdefault(view.topic, TopicGroup(view.topic, view.topic_title, [])).checks.append(line)
    for group in groups.values():
        group.checks.sort(key=lambda c: (severity_rank(c.view.severity), -len(c.result.findings), c.view.id))
    order = {g.topic: g.checks[0].view.topic_order for g in groups.values()}
    return sorted(groups.values(), key=lambda g: (g.worst, order[g.topic], g.topic))


def summarize_account(
    report: AccountReport,
    *,
    generated_at: str,
    history: History,
    trend_runs: Sequence[RunMeta],
    run: RunMeta | None = None,
    accepted: Sequence[Any] = (),
    audit: Sequence[Any] = (),
) -> AccountSummary:
    """One account's summary; `trend_runs` are earlier runs, newest first.

    `accepted` findings (already left out of `report`) are not failing and not "fixed".
    """
    new, fixed, previous = compute_delta(report.regions, report.results, history)
    hidden = {(a.check, a.finding.resource, a.finding.region) for a in accepted}
    fixed = [d for d in fixed if (d.key.check, d.key.resource, d.key.region) not in hidden]
    status = run_status(report.results)
    earlier = [None if m.status == "failed" else m.failing for m in reversed(trend_runs[: TREND_RUNS - 1])]
    current = None if status == "failed" else sum(len(r.findings) for r in report.results)
    return AccountSummary(
        account=report.account,
        generated_at=generated_at,
        regions=tuple(report.regions),
        results=list(report.results),
        status=status,
        new=new,
        fixed=fixed,
        previous_run=previous,
        trend=[*earlier, current],
        groups=group_by_topic(report.results, new),
        errors=[r for r in report.results if r.status == "error"],
        run=run,
        accepted=list(accepted),
        audit=list(audit),
    )
