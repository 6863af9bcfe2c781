"""Running checks: accounts x regions x checks, concurrently, with bounded pools.

Accounts run `accounts_in_flight` at a time (`DEMARC_SCAN_ACCOUNTS_IN_FLIGHT`). Each
account in flight has pools of its own: check units, which wait on loads (run inline by
the first unit that needs them) and on per-resource calls, which wait on nothing but AWS.
Each pool waits only on the one below it, so none can starve, and because no account
shares its threads, an account that AWS throttles (or that answers slowly) holds only
its own threads: every other account finishes as if it were not there.

Reports are streamed: `on_report` is called in the caller's thread as each account
finishes, so a CLI writes that account's line (and posture stores its run) at once and an
interrupted scan keeps everything that finished. Memory is bounded by the accounts in
flight, not by the number of accounts: an account's clients, inventory and threads are
dropped as soon as its report is delivered.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from bot.checks.faults import LoadError, describe_fault
from bot.checks.inventory import Inventory
from bot.checks.model import GLOBAL_REGION, AccountReport, CheckResult, Finding
from bot.checks.registry import Check, CheckContext, all_checks
from bot.checks.session import (
    ClientFactory,
    SessionFactory,
    assume_role,
    credential_problem,
    default_session,
    organization_role_arns,
    resolve_regions,
)
from bot.clock import SYSTEM_CLOCK, Clock
from bot.config import DEFAULT_ACCOUNTS_IN_FLIGHT  # DEMARC_SCAN_ACCOUNTS_IN_FLIGHT default
from bot.errors import DemarcError, UsageError

#: Per account in flight: check units at once, and per-resource API calls at once.
CHECK_WORKERS = 8
IO_WORKERS = 8


@dataclass(frozen=True)
class ScanProgress:
    """Where a scan stands: accounts done / in flight / failed, and check units done."""

    accounts: int
    done: int
    in_flight: int
    failed: int
    units_done: int
    units_total: int


#: progress(state): called as units and accounts finish (from worker threads).
Progress = Callable[[ScanProgress], None]
#: on_report(report): called in the caller's thread as soon as one account finishes.
OnReport = Callable[[AccountReport], None]


def all_check_ids() -> list[str]:
    return [c.id for c in all_checks()]


def checks_for_service(service_id: str) -> list[str]:
    return [c.id for c in all_checks() if c.service == service_id]


def select_checks(names: Sequence[str] | None) -> list[Check]:
    """The checks named by id or by service id (all when none); unknown names are a UsageError."""
    checks = all_checks()
    if not names:
        return checks
    wanted: set[str] = set()
    for name in names:
        by_service = checks_for_service(name)
        if any(c.id == name for c in checks):
            wanted.add(name)
        elif by_service:
            wanted.update(by_service)
        else:
            services = sorted({c.service for c in checks})
            raise UsageError(
                f"unknown check '{name}'; valid checks: {', '.join(c.id for c in checks)} "
                f"(or a service: {', '.join(services)})"
            )
    return [c for c in checks if c.id in wanted]


@dataclass(frozen=True)
class _Target:
    account: str
    factory: ClientFactory | None = None
    role_arn: str | None = None
    error: str | None = None


class _Counter:
    """Progress bookkeeping shared by the account workers."""

    def __init__(self, accounts: int, units_total: int, progress: Progress | None) -> None:
        self.accounts, self.units_total, self._progress = accounts, units_total, progress
        self.units_done = self.done = self.in_flight = self.failed = 0
        self._lock = threading.Lock()

    def _emit(self) -> None:
        if self._progress is not None:
            self._progress(
                ScanProgress(self.accounts, self.done, self.in_flight, self.failed, self.units_done, self.units_total)
            )

    def tick(self, units: int = 1) -> None:
        with self._lock:
            self.units_done += units
            self._emit()

    def started(self) -> None:
        with self._lock:
            self.in_flight += 1
            self._emit()

    def finished(self, failed: bool) -> None:
        with self._lock:
            self.in_flight -= 1
            self.done += 1
            self.failed += failed
            self._emit()


def run_scan(
    check_ids: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    *,
    session_factory: SessionFactory | None = None,
    role_arns: Sequence[str] = (),
    org_role_name: str | None = None,
    progress: Progress | None = None,
    clock: Clock = SYSTEM_CLOCK,
    accounts_in_flight: int = DEFAULT_ACCOUNTS_IN_FLIGHT,
    on_report: OnReport | None = None,
    tag_keys: Sequence[str] = (),
) -> list[AccountReport]:
    """Scan every account asked for and return one report per account (in target order).

    `on_report` gets each report as soon as its account finishes. `tag_keys`: the tag keys
    the owners overlay routes by; each account's resources carrying them are read once its
    checks are done (`AccountReport.resource_tags`). Raises DemarcError
    (one line) when the caller's own credentials are unusable; any other failure becomes
    the `error` of the checks it affects.
    """
    checks = select_checks(check_ids)
    make_session = session_factory or default_session
    # The caller's own clients (STS for every account's AssumeRole) serve every account in flight.
    base = ClientFactory(make_session(), pool_size=max(IO_WORKERS, accounts_in_flight))
    scan_regions = resolve_regions(tuple(regions) if regions else None, base.session)
    home = scan_regions[0]
    own_account = _caller_account(base, home)
    today = clock.now().date()  # runtime deprecation dates are UTC calendar dates

    targets: list[_Target] = []
    if not role_arns and not org_role_name:
        targets.append(_Target(own_account, base))
    arns = list(dict.fromkeys(role_arns))
    if org_role_name:
        try:
            org_arns, _ = organization_role_arns(base, org_role_name, home)
        except Exception as exc:  # re-raised as one clear line
            raise credential_problem(exc) or DemarcError(
                "could not list the Organization's accounts: "
                + describe_fault(exc, service="organizations", operation="ListAccounts", region=home, regional=False)
            ) from exc
        targets.append(_Target(own_account, base))
        arns += [a for a in org_arns if a not in arns]
    targets += [_Target(_account_of(arn), role_arn=arn) for arn in arns]

    units_per_account = sum(len(c.regions(scan_regions)) for c in checks)
    counter = _Counter(len(targets), units_per_account * len(targets), progress)
    reports: dict[int, AccountReport] = {}
    with ThreadPoolExecutor(max(1, accounts_in_flight), thread_name_prefix="demarc-account") as account_pool:
        pending: dict[Future[AccountReport], int] = {
            account_pool.submit(_scan_account, t, base, checks, scan_regions, today, clock, counter, tuple(tag_keys)): i
            for i, t in enumerate(targets)
        }
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = pending.pop(future)
                    reports[index] = future.result()
                    if on_report is not None:
                        on_report(reports[index])
        except BaseException:  # interrupted: accounts not started never start
            for future in pending:
                future.cancel()
            raise
    return [reports[i] for i in range(len(targets))]


def _account_of(role_arn: str) -> str:
    parts = role_arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else role_arn


def _caller_account(base: ClientFactory, region: str) -> str:
    try:
        return str(base.client("sts", region).get_caller_identity()["Account"])
    except Exception as exc:  # re-raised as one clear line
        problem = credential_problem(exc)
        if problem is not None:
            raise problem from exc
        raise DemarcError(
            "could not reach AWS: "
            + describe_fault(exc, service="sts", operation="GetCallerIdentity", region=region, regional=False)
        ) from exc


def _scan_account(
    target: _Target,
    base: ClientFactory,
    checks: list[Check],
    regions: list[str],
    today: dt.date,
    clock: Clock,
    counter: _Counter,
    tag_keys: tuple[str, ...] = (),
) -> AccountReport:
    counter.started()
    report: AccountReport | None = None
    try:
        report = _scan_one(target, base, checks, regions, today, clock, counter, tag_keys)
        return report
    finally:
        counter.finished(failed=report is None or all(r.error for r in report.results))


def _scan_one(
    target: _Target,
    base: ClientFactory,
    checks: list[Check],
    regions: list[str],
    today: dt.date,
    clock: Clock,
    counter: _Counter,
    tag_keys: tuple[str, ...] = (),
) -> AccountReport:
    factory = target.factory
    if factory is None and target.role_arn:
        try:
            factory = assume_role(base, target.role_arn, regions[0], clock=clock, pool_size=CHECK_WORKERS + IO_WORKERS)
        except Exception as exc:  # becomes every check's error for this account
            reason = describe_fault(exc, service="sts", operation="AssumeRole", region=regions[0], regional=False)
            return _unreachable(target, checks, regions, f"could not assume {target.role_arn}: {reason}", counter)
    if factory is None:
        return _unreachable(target, checks, regions, target.error or "no credentials for this account", counter)

    # This account's own threads: a throttled or slow account never holds another's.
    # Its threads are bound to it, so they share the scan's clients, signed as this account.
    with (
        factory.bound(),
        ThreadPoolExecutor(
            CHECK_WORKERS, thread_name_prefix=f"demarc-{target.account}-check", initializer=factory.bind
        ) as check_pool,
        ThreadPoolExecutor(
            IO_WORKERS, thread_name_prefix=f"demarc-{target.account}-io", initializer=factory.bind
        ) as io_pool,
    ):
        report = _evaluate(target, factory, checks, regions, today, clock, check_pool, io_pool, counter)
        if tag_keys:
            from bot.checks.ownership import resource_tags

            report.resource_tags, report.owner_notes = resource_tags(factory, regions, tag_keys)
    return report


def _evaluate(
    target: _Target,
    factory: ClientFactory,
    checks: list[Check],
    regions: list[str],
    today: dt.date,
    clock: Clock,
    check_pool: Executor,
    io_pool: Executor,
    counter: _Counter,
) -> AccountReport:
    inventory = Inventory(factory, account_id=target.account, home_region=regions[0], io_pool=io_pool, clock=clock)
    # Region by region (account-wide units first, with the home region), so that a region's
    # clients can be released as soon as its last unit is done; within a check, findings keep
    # the order of the regions.
    order = {GLOBAL_REGION: -1, **{r: i for i, r in enumerate(regions)}}
    units = sorted(((c, r) for c in checks for r in c.regions(regions)), key=lambda unit: order.get(unit[1], -1))
    remaining = Counter(r for _, r in units)
    futures = [check_pool.submit(_run_unit, c, inventory, r, today, counter) for c, r in units]
    by_check: dict[str, list[CheckContext]] = {}
    findings: dict[str, list[Finding]] = {}
    for (c, region), future in zip(units, futures, strict=True):
        ctx, found = future.result()
        by_check.setdefault(c.id, []).append(ctx)
        findings.setdefault(c.id, []).extend(found)
        remaining[region] -= 1
        if remaining[region] == 0 and region not in (GLOBAL_REGION, regions[0]):
            factory.release_region(region)  # the home region serves account-wide reads to the end
    results = []
    for c in checks:
        contexts = by_check.get(c.id, [])
        errors = list(dict.fromkeys(e for ctx in contexts for e in ctx.errors))
        notes = list(dict.fromkeys(n for ctx in contexts for n in ctx.notes))
        results.append(CheckResult(c.id, c.service, c.topic, findings.get(c.id, []), "; ".join(errors) or None, notes))
    return AccountReport(target.account, list(regions), results)


def _run_unit(
    check: Check, inventory: Inventory, region: str, today: dt.date, counter: _Counter
) -> tuple[CheckContext, list[Finding]]:
    ctx = CheckContext(inventory, region, today)
    found: list[Finding] = []
    try:
        for finding in check.evaluate(ctx):
            found.append(finding)
    except LoadError as exc:
        ctx.error(str(exc))
    except Exception as exc:  # a bug in one check is reported on it, others run on
        ctx.error(f"check failed: {type(exc).__name__}: {exc}")
    finally:
        counter.tick()
    return ctx, found


def _unreachable(
    target: _Target, checks: list[Check], regions: list[str], error: str, counter: _Counter
) -> AccountReport:
    counter.tick(sum(len(c.regions(regions)) for c in checks))
    return AccountReport(
        target.account, list(regions), [CheckResult(c.id, c.service, c.topic, [], error) for c in checks]
    )
