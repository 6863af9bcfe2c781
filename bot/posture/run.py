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
    from bot.posture.owners import Owners

#: What `run_posture` calls to scan; tests inject fakes, the default runs every check.
#: A scan that takes an `on_report` keyword streams: each report is stored as it arrives.
Scan = Callable[..., list[AccountReport]]

#: How far back a check that errored recently looks for a run where it completed.
HISTORY_RUNS = 30


def default_scan(settings: Settings, clock: Clock = SYSTEM_CLOCK, tag_keys: tuple[str, ...] = ()) -> Scan:
    """Every check in the configured regions and accounts, dated by `clock` (boto3 is
    imported only when it runs); `tag_keys`: the resource tags the owners overlay routes by."""

    def scan(on_report: Callable[[AccountReport], None] | None = None) -> list[AccountReport]:
        from bot.checks import run_scan

        return run_scan(
            regions=list(settings.regions) or None,
            role_arns=settings.role_arns,
            org_role_name=settings.org_role_name,
            clock=clock,
            accounts_in_flight=settings.scan_accounts_in_flight,
            on_report=on_report,
            tag_keys=tag_keys,
        )

    return scan


def ou_resolver() -> Callable[[str], tuple[str, ...]]:
    """An account's OUs, nearest first, read with the caller's own credentials (the
    management or delegated administrator account): `organizations:ListParents`."""
    from bot.checks.ownership import ou_path
    from bot.checks.session import ClientFactory, default_session

    factory = ClientFactory(default_session())
    cache: dict[str, tuple[str, ...]] = {}

    def resolve(account: str) -> tuple[str, ...]:
        if account not in cache:
            cache[account] = ou_path(factory.client("organizations", "us-east-1"), account)
        return cache[account]

    return resolve


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
        return self.summary.failed or any(r.failed for r in self.shown_reports())

    def shown_reports(self) -> list[AccountReport]:
        """The reports as the summary shows them (accepted findings left out)."""
        return [AccountReport(a.account, list(a.regions), list(a.results)) for a in self.summary.accounts]

    def json_lines(self) -> list[str]:
        from bot.posture.controls import with_controls

        return [json.dumps(with_controls(a.to_json())) for a in self.summary.accounts]


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
    from bot.clock import today as local_today
    from bot.posture import exceptions

    now = clock.now()
    day = local_today(clock, settings.timezone)
    stamp = iso_z(now)
    from_file = (
        exceptions.load_file(settings.exceptions_file, today=day, max_days=settings.exception_max_days)
        if settings.exceptions_file
        else []
    )  # a bad exceptions file fails before a scan
    from bot.posture.owners import load_owners

    owners = load_owners(settings.owners_file)
    resolve_ous = ou_resolver() if owners.ous else None
    own = store is None
    state = store if store is not None else open_store(settings)  # a bad DEMARC_STATE fails before a scan
    try:
        for acceptance in from_file:
            state.add_acceptance(acceptance, at=stamp)
        summary = PostureSummary(generated_at=iso_z(now))
        runs: dict[str, RunMeta] = {}
        recorded: set[int] = set()

        def record(report: AccountReport) -> None:
            recorded.add(id(report))
            account = record_account(
                state,
                report,
                now=now,
                generated_at=summary.generated_at,
                compare_with_channel=compare_with_channel,
                day=day,
                owners=owners.for_report(report, resolve_ous),
            )
            summary.accounts.append(account)
            if account.run is not None:
                runs[report.account] = account.run
            if on_account is not None:
                on_account(account)

        scanner = scan or default_scan(settings, clock, owners.tag_keys)
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
    day: dt.date | None = None,
    owners: Owners | None = None,
) -> AccountSummary:
    """Compare one account's report with its history, apply the accepted risks of `day`
    (recording the ones that expired), store it as a run, and summarise it."""
    from bot.posture import exceptions

    day = day or now.date()
    stamp = iso_z(now)
    until = None
    if compare_with_channel:
        posted = state.last_posted(compare_with_channel, report.account)
        until = posted.key if posted else None
    trend = state.recent_runs(report.account, TREND_RUNS - 1)
    known = state.acceptances(report.account)
    for event in exceptions.expired_events(known, day, stamp):
        state.add_audit(event)
    shown, accepted = exceptions.apply(report, known, day)
    meta = RunMeta.new(shown.account, shown.regions, shown.results, now)
    account = summarize_account(
        shown,
        generated_at=generated_at,
        history=_history(state, report.account, until),
        trend_runs=trend,
        run=meta,
        accepted=accepted,
        audit=state.audit(report.account),
    )
    if owners is not None:
        account.owners = owners
    state.save_run(meta, shown.results)
    return account
