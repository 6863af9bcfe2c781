"""Builders for fake scans: reports shaped like bot.checks produces, without AWS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from bot.catalogue import default_catalogue
from bot.checks.model import AccountReport, CheckResult, Finding
from bot.config import Settings

ACCOUNT = "111122223333"
CHANNEL = "C0POSTURE"
DAY1 = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
DAY3 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)

Spec = Mapping[str, Sequence[tuple[str, str]]]  # check id -> [(resource, region)]


def report(
    findings: Spec,
    *,
    errors: Mapping[str, str] | None = None,
    account: str = ACCOUNT,
    regions: Sequence[str] = ("us-east-1",),
) -> AccountReport:
    """Every catalogue check: failing with `findings`, erroring per `errors`, else passing."""
    results = []
    for check_id, info in default_catalogue().checks.items():
        found = [
            Finding(resource, region, f"{check_id} on {resource}") for resource, region in findings.get(check_id, ())
        ]
        results.append(CheckResult(check_id, info.service, info.topic, found, (errors or {}).get(check_id)))
    return AccountReport(account, list(regions), results)


def all_errors(message: str = "AccessDenied: no credentials", account: str = ACCOUNT) -> AccountReport:
    base = report({}, account=account)
    return replace(base, results=[replace(r, error=message) for r in base.results])


def scan_of(*reports: AccountReport) -> Callable[[], list[AccountReport]]:
    return lambda: list(reports)


def settings(state: str, **overrides: object) -> Settings:
    base = Settings(
        slack_bot_token=None,
        posture_channel=CHANNEL,
        state=state,
        timezone="UTC",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]
