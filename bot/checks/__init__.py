"""Account checks: the customer's side of the shared responsibility line, checked live.

Public API (boto3 is imported only when a scan runs):

- `run_scan(check_ids, regions, *, session_factory, role_arns, org_role_name, progress,
  clock, accounts_in_flight, on_report)` returns one `AccountReport` per account;
  `on_report` gets each one as soon as its account finishes; `report.to_dict()` is the
  contract JSON.
- `all_check_ids()`, `checks_for_service(service_id)`.
- `bot.checks.render.render_text(report)` for terminals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.checks.model import AccountReport, CheckResult, Finding
from bot.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    from bot.checks.runner import OnReport, Progress
    from bot.checks.session import SessionFactory

__all__ = ["AccountReport", "CheckResult", "Finding", "all_check_ids", "checks_for_service", "run_scan"]


def all_check_ids() -> list[str]:
    """Every check id, in the contract's order."""
    from bot.checks.runner import all_check_ids as ids

    return ids()


def checks_for_service(service_id: str) -> list[str]:
    """The ids of the checks whose catalogue cell is on `service_id` (e.g. "s3")."""
    from bot.checks.runner import checks_for_service as for_service

    return for_service(service_id)


def run_scan(
    check_ids: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    *,
    session_factory: SessionFactory | None = None,
    role_arns: Sequence[str] = (),
    org_role_name: str | None = None,
    progress: Progress | None = None,
    clock: Clock = SYSTEM_CLOCK,
    accounts_in_flight: int | None = None,
    on_report: OnReport | None = None,
    tag_keys: Sequence[str] = (),
) -> list[AccountReport]:
    """Run the checks (all when none named) in every region and account asked for
    (`tag_keys`: resource tags to read for the owners overlay)."""
    from bot.checks.runner import run_scan as run
    from bot.config import DEFAULT_ACCOUNTS_IN_FLIGHT

    return run(
        check_ids,
        regions,
        session_factory=session_factory,
        role_arns=role_arns,
        org_role_name=org_role_name,
        progress=progress,
        clock=clock,
        accounts_in_flight=accounts_in_flight or DEFAULT_ACCOUNTS_IN_FLIGHT,
        on_report=on_report,
        tag_keys=tag_keys,
    )
