"""One posture run: scan, compare with stored history, store the run, build the summary.

Every run is stored (even one whose checks all failed) before anything is posted, so a
post that fails loses nothing: the next post compares with the run its channel last
showed, not with whatever ran in between. Each account's run is stored as soon as that
account finishes (the scan streams its reports), so a scan of 500 accounts that is
interrupted keeps every account it finished.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.checks.model import AccountReport, CheckResult
from bot.clock import SYSTEM_CLOCK, Clock
from bot.posture.summary import TREND_RUNS, AccountSummary, PostureSummary, summarize_account
from bot.store import StateStore, open_store
from bot.store.records import RunMeta, iso_z

if TYPE_CHECKING:
    from bot.config import Settings

#: What `run_posture` calls to scan; tests inject fakes, the default runs every check.
#: A scan that takes an `on_report` keyword streams: each report is stored as it arrives.
Scan = Callable[..., list[AccountReport]]

#: How far back a check that errored recently looks for a run where it completed.
HISTORY_RUNS = 30


def default_scan(settings: Settings, clock: Clock = SYSTEM_CLOCK) -> Scan:
    """Every check in the configured regions and accounts, dated by `clock` (boto3 is
    imported only when it runs)."""

    def scan(on_report: Callable[[AccountReport], None] | None = None) -> list[AccountReport]:
        from bot.checks import run_scan

        return run_scan(
            regions=list(settings.regions) or None,
            role_arns=settings.role_arns,
            org_role_name=settings.org_role_name,
            clock=clock,
            accounts_in_flight=settings.scan_accounts_in_flight,
            on_report=on_report,
        )

    return scan


def _streams(scan: Scan) -> bool:
    try:
        return "on_report" in inspect.signature(scan).parameters
    except (TypeError, ValueError):
        return False


@dataclass
class PostureRun:
    """What one run produced: the summary, the raw reports, and the stored run of each account."""

    summary: PostureSummary
    reports: list[AccountReport]
    runs: dict[str, RunMeta] = field(default_factory=dict)

    @property
    def any_failing(self) -> bool:
        """What `--strict` exits 1 on: a failing or erroring check, or a scan that failed."""
        return self.summary.failed or any(r.failed for r in self.reports)

    def json_lines(self) -> list[str]:
        return [json.dumps(a.to_json()) for a in self.summary.accounts]


def _history(store: StateStore, account: str, until_key: str | None) -> Iterator[tuple[RunMeta, list[CheckResult]]]:
    for meta in store.recent_runs(account, HISTORY_RUNS, until_key=until_key):
        yield meta, store.load_results(meta.run_id)


def run_posture(
    settings: Settings,
    *,
    scan: Scan | None = None,
    store: StateStore | None = None,
    clock: Clock = SYSTEM_CLOCK,
    compare_with_channel: str | None = None,
    on_account: Callable[[AccountSummary], None] | None = None,
) -> PostureRun:
    """Scan, store and summarise. A scan that cannot run at all raises (DemarcError).

    `compare_with_channel`: compare with the run the last summary posted to that channel
    showed (what its readers last saw) rather than with the previous stored run.
    `on_account` gets each account's summary right after its run is stored.
    """
    now = clock.now()
    own = store is None
    state = store if store is not None else open_store(settings)  # a bad DEMARC_STATE fails before a scan
    try:
        summary = PostureSummary(generated_at=iso_z(now))
        runs: dict[str, RunMeta] = {}
        recorded: set[int] = set()

        def record(report: AccountReport) -> None:
            recorded.add(id(report))
            account = record_account(
                state, report, now=now, generated_at=summary.generated_at, compare_with_channel=compare_with_channel
            )
            summary.accounts.append(account)
            if account.run is not None:
                runs[report.account] = account.run
            if on_account is not None:
                on_account(account)

        scanner = scan or default_scan(settings, clock)
        reports = scanner(on_report=record) if _streams(scanner) else scanner()
        for report in reports:
            if id(report) not in recorded:
                record(report)
        order = {r.account: i for i, r in enumerate(reports)}
        summary.accounts.sort(key=lambda a: order.get(a.account, len(order)))
        return PostureRun(summary, reports, runs)
    finally:
        if own:
            state.close()


def record_account(
    state: StateStore,
    report: AccountReport,
    *,
    now: dt.datetime,
    generated_at: str,
    compare_with_channel: str | None = None,
) -> AccountSummary:
    """Compare one account's report with its history, store it as a run, and summarise it."""
    until = None
    if compare_with_channel:
        posted = state.last_posted(compare_with_channel, report.account)
        until = posted.key if posted else None
    trend = state.recent_runs(report.account, TREND_RUNS - 1)
    meta = RunMeta.new(report.account, report.regions, report.results, now)
    account = summarize_account(
        report,
        generated_at=generated_at,
        history=_history(state, report.account, until),
        trend_runs=trend,
        run=meta,
    )
    state.save_run(meta, report.results)
    return account
