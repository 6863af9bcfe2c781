"""The Organization variant: one account per invocation, fanned out by Step Functions.

A Step Functions Distributed Map (deploy/template.yaml) runs three steps, each a Lambda
entry point in `handlers/aws_lambda.py` that calls this module:

1. `enumerate_accounts`: Organizations ListAccounts (in the management or delegated
   administrator account), the active accounts as Map items `{"account", "role_arn"}`.
2. `scan_account_item`, once per item: assume that account's role, run every check,
   store the run. One account per invocation, so 500 accounts are 500 short
   invocations (MaxConcurrency at a time), never one 30-minute process.
3. `stored_posture`: the posture summary built from the latest stored run of every
   enumerated account; the Slack layer posts it once (the store's claim prevents a
   second post).

`stored_reports` serves `/demarc check` at Organization scope the same way: from the
stored runs, not from a 500-account scan inside a Slack request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from bot.checks.model import AccountReport, CheckResult
from bot.clock import SYSTEM_CLOCK, Clock
from bot.posture.run import HISTORY_RUNS, PostureRun, record_account
from bot.posture.summary import TREND_RUNS, PostureSummary, summarize_account
from bot.store import StateStore
from bot.store.records import RunMeta, iso_z

if TYPE_CHECKING:
    from bot.checks.session import SessionFactory
    from bot.config import Settings
    from bot.posture.owners import Owners


def enumerate_accounts(
    role_name: str, *, session_factory: SessionFactory | None = None, region: str | None = None
) -> list[dict[str, str]]:
    """Every active account of the Organization but the caller's, with its role ARN."""
    from bot.checks.session import ClientFactory, default_session, organization_role_arns, resolve_regions

    base = ClientFactory((session_factory or default_session)())
    home = resolve_regions([region] if region else None, base.session)[0]
    arns, _ = organization_role_arns(base, role_name, home)
    return [{"account": arn.split(":")[4], "role_arn": arn} for arn in arns]


def scan_account_item(
    settings: Settings,
    item: dict[str, Any],
    store: StateStore,
    *,
    clock: Clock = SYSTEM_CLOCK,
    session_factory: SessionFactory | None = None,
) -> dict[str, Any]:
    """Scan one Map item's account through its role and store the run; a small result
    (the Map's output stays far under Step Functions' 256 KB)."""
    from bot.checks import run_scan

    role_arn = str(item["role_arn"])
    [report] = run_scan(
        regions=list(settings.regions) or None,
        role_arns=[role_arn],
        session_factory=session_factory,
        clock=clock,
        accounts_in_flight=1,
    )
    now = clock.now()
    account = record_account(store, report, now=now, generated_at=iso_z(now))
    assert account.run is not None
    return {
        "account": report.account,
        "run_id": account.run.run_id,
        "status": account.run.status,
        "failing": account.run.failing,
        "errors": sum(1 for r in report.results if r.error),
    }


def _older_runs(
    store: StateStore, latest: RunMeta, until_key: str | None
) -> Iterator[tuple[RunMeta, list[CheckResult]]]:
    for meta in store.recent_runs(latest.account, HISTORY_RUNS + 1, until_key=until_key):
        if meta.run_id != latest.run_id:
            yield meta, store.load_results(meta.run_id)


def stored_posture(
    store: StateStore,
    accounts: Sequence[str] | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    compare_with_channel: str | None = None,
    owners: Owners | None = None,
) -> PostureRun:
    """One posture summary from the latest stored run of each account (all stored
    accounts when none are named); accounts with no stored run are left out.

    `owners`: the teams overlay, by account and layer (stored runs keep no resource tags).

    `compare_with_channel`: new and fixed are measured against the run that channel's
    last summary showed, as `run_posture` does.
    """
    summary = PostureSummary(generated_at=iso_z(clock.now()))
    reports: list[AccountReport] = []
    runs: dict[str, RunMeta] = {}
    for account in dict.fromkeys(accounts if accounts is not None else store.accounts()):
        recent = store.recent_runs(account, TREND_RUNS)
        if not recent:
            continue
        latest, earlier = recent[0], recent[1:]
        until = None
        if compare_with_channel:
            posted = store.last_posted(compare_with_channel, account)
            until = posted.key if posted else None
        report = AccountReport(account, list(latest.regions), store.load_results(latest.run_id))
        account_summary = summarize_account(
            report,
            generated_at=latest.generated_at,
            history=_older_runs(store, latest, until),
            trend_runs=earlier,
            run=latest,
        )
        if owners is not None:
            account_summary.owners = owners.for_report(report)
        summary.accounts.append(account_summary)
        reports.append(report)
        runs[account] = latest
    return PostureRun(summary, reports, runs)


def not_scanned_since(store: StateStore, accounts: Sequence[str], since: dt.datetime) -> list[str]:
    """The accounts with no stored run at or after `since` (their Map item failed): the
    summary leaves them out rather than show an older run as today's."""
    cutoff = iso_z(since)
    out = []
    for account in accounts:
        recent = store.recent_runs(account, 1)
        if not recent or recent[0].generated_at < cutoff:
            out.append(account)
    return out


def stored_reports(store: StateStore, check_ids: Sequence[str] | None = None) -> list[AccountReport]:
    """The latest stored report of every account, limited to `check_ids` (all when None)."""
    wanted = set(check_ids) if check_ids else None
    out = []
    for account in store.accounts():
        recent = store.recent_runs(account, 1)
        if not recent:
            continue
        results = [r for r in store.load_results(recent[0].run_id) if wanted is None or r.check in wanted]
        out.append(AccountReport(account, list(recent[0].regions), results))
    return out
