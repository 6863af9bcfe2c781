"""Running checks: accounts x regions x checks, concurrently, with bounded pools.

Three pools, each waiting only on the one below it, so none can starve: accounts wait
on check units, check units wait on loads (run inline by the first unit that needs
them) and on per-resource calls, which wait on nothing but AWS.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from bot.checks.faults import LoadError, describe_fault
from bot.checks.inventory import Inventory
from bot.checks.model import AccountReport, CheckResult, Finding
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
from bot.errors import DemarcError, UsageError

ACCOUNT_WORKERS = 4
CHECK_WORKERS = 16
IO_WORKERS = 32

#: progress(done, total): called after each (account, check, region) unit finishes.
Progress = Callable[[int, int], None]


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
    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self._progress = total, 0, progress
        self._lock = threading.Lock()

    def tick(self) -> None:
        if self._progress is None:
            return
        with self._lock:
            self.done += 1
            done = self.done
        self._progress(done, self.total)


def run_scan(
    check_ids: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    *,
    session_factory: SessionFactory | None = None,
    role_arns: Sequence[str] = (),
    org_role_name: str | None = None,
    progress: Progress | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> list[AccountReport]:
    """Scan every account asked for and return one report per account.

    Raises DemarcError (one line) when the caller's own credentials are unusable; any
    other failure becomes the `error` of the checks it affects.
    """
    checks = select_checks(check_ids)
    make_session = session_factory or default_session
    base = ClientFactory(make_session(), pool_size=IO_WORKERS)
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
    counter = _Counter(units_per_account * len(targets), progress)
    with (
        ThreadPoolExecutor(ACCOUNT_WORKERS, thread_name_prefix="demarc-account") as account_pool,
        ThreadPoolExecutor(CHECK_WORKERS, thread_name_prefix="demarc-check") as check_pool,
        ThreadPoolExecutor(IO_WORKERS, thread_name_prefix="demarc-io") as io_pool,
    ):
        futures = [
            account_pool.submit(
                _scan_account,
                t,
                base,
                make_session,
                checks,
                scan_regions,
                today,
                check_pool,
                io_pool,
                counter,
            )
            for t in targets
        ]
        return [f.result() for f in futures]


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
    make_session: SessionFactory,
    checks: list[Check],
    regions: list[str],
    today: dt.date,
    check_pool: Executor,
    io_pool: Executor,
    counter: _Counter,
) -> AccountReport:
    factory = target.factory
    if factory is None and target.role_arn:
        try:
            factory = assume_role(base, target.role_arn, regions[0], make_session)
        except Exception as exc:  # becomes every check's error for this account
            reason = describe_fault(exc, service="sts", operation="AssumeRole", region=regions[0], regional=False)
            return _unreachable(target, checks, regions, f"could not assume {target.role_arn}: {reason}", counter)
    if factory is None:
        return _unreachable(target, checks, regions, target.error or "no credentials for this account", counter)

    inventory = Inventory(factory, account_id=target.account, home_region=regions[0], io_pool=io_pool)
    units = [(c, r) for c in checks for r in c.regions(regions)]
    futures = [check_pool.submit(_run_unit, c, inventory, r, today, counter) for c, r in units]
    by_check: dict[str, list[CheckContext]] = {}
    findings: dict[str, list[Finding]] = {}
    for (c, _), future in zip(units, futures, strict=True):
        ctx, found = future.result()
        by_check.setdefault(c.id, []).append(ctx)
        findings.setdefault(c.id, []).extend(found)
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
    for c in checks:
        for _ in c.regions(regions):
            counter.tick()
    return AccountReport(
        target.account, list(regions), [CheckResult(c.id, c.service, c.topic, [], error) for c in checks]
    )
