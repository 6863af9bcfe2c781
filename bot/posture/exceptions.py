"""Accepted risks: from the DEMARC_EXCEPTIONS YAML file and from Slack, applied to a run.

The file, for teams who keep exceptions in git::

    exceptions:
      - check: s3-public-access
        account: "111122223333"
        region: global            # optional: every region when left out
        resource: public-website
        reason: static website behind CloudFront, reviewed by AppSec
        accepted_by: alice@example.com
        accepted_on: 2026-11-20   # optional: today when left out
        expires: 2027-01-31       # required; at most DEMARC_EXCEPTION_MAX_DAYS after accepted_on

An accepted finding leaves the failing results (it does not count as failing) and is
shown in its own section with who accepted it and until when. On the local day it
expires it is failing again, and an `expired` event joins the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.checks.model import AccountReport, CheckResult, Finding
from bot.errors import ConfigError
from bot.store.risks import Acceptance, AuditEvent

DEFAULT_MAX_DAYS = 90
_FIELDS = ("check", "account", "resource", "reason", "accepted_by", "expires")


@dataclass(frozen=True)
class AcceptedFinding:
    """A current finding hidden by an active acceptance."""

    check: str
    finding: Finding
    acceptance: Acceptance

    def to_json(self) -> dict[str, Any]:
        a = self.acceptance
        return {
            "id": a.finding_id if a.region != "*" else None,
            "check": self.check,
            "resource": self.finding.resource,
            "region": self.finding.region,
            "detail": self.finding.detail,
            "reason": a.reason,
            "accepted_by": a.accepted_by,
            "accepted_at": a.accepted_at,
            "expires": a.expires,
            "source": a.source,
        }


def validate_expiry(expires: dt.date, accepted_on: dt.date, max_days: int) -> str | None:
    """Why an expiry is not allowed, or None."""
    if expires <= accepted_on:
        return f"expiry {expires.isoformat()} is not after {accepted_on.isoformat()}"
    if (expires - accepted_on).days > max_days:
        return f"expiry {expires.isoformat()} is more than {max_days} days after {accepted_on.isoformat()}"
    return None


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from exc


def load_file(path: Path, *, today: dt.date, max_days: int) -> list[Acceptance]:
    """The file's exceptions; every problem is reported at once (ConfigError)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"DEMARC_EXCEPTIONS: cannot read {path}: {exc}") from exc
    entries = data.get("exceptions") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"DEMARC_EXCEPTIONS: {path} needs a top-level `exceptions:` list")
    out: list[Acceptance] = []
    problems: list[str] = []
    for number, entry in enumerate(entries, 1):
        where = f"DEMARC_EXCEPTIONS {path.name} entry {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: not a mapping")
            continue
        missing = [f for f in _FIELDS if not str(entry.get(f) or "").strip()]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)} (an expiry is required)")
            continue
        try:
            expires = _date(entry["expires"], f"{where} expires")
            accepted_on = _date(entry.get("accepted_on") or today, f"{where} accepted_on")
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        why = validate_expiry(expires, accepted_on, max_days)
        if why and expires > today:  # an expired entry is fine: it just no longer applies
            problems.append(f"{where}: {why}")
            continue
        out.append(
            Acceptance(
                check=str(entry["check"]),
                account=str(entry["account"]),
                region=str(entry.get("region") or "*"),
                resource=str(entry["resource"]),
                reason=str(entry["reason"]),
                accepted_by=str(entry["accepted_by"]),
                accepted_at=f"{accepted_on.isoformat()}T00:00:00Z",
                expires=expires.isoformat(),
                source="file",
            )
        )
    if problems:
        raise ConfigError("; ".join(problems), problems=problems)
    return out


def _matches(a: Acceptance, check: str, finding: Finding) -> bool:
    return a.check == check and a.resource == finding.resource and a.region in ("*", finding.region)


def apply(
    report: AccountReport, acceptances: Sequence[Acceptance], today: dt.date
) -> tuple[AccountReport, list[AcceptedFinding]]:
    """The report without findings an active acceptance covers, and those findings."""
    active = [a for a in acceptances if a.account == report.account and a.active_on(today)]
    if not active:
        return report, []
    kept_results: list[CheckResult] = []
    accepted: list[AcceptedFinding] = []
    for result in report.results:
        kept: list[Finding] = []
        for finding in result.findings:
            match = next((a for a in active if _matches(a, result.check, finding)), None)
            if match is None:
                kept.append(finding)
            else:
                accepted.append(AcceptedFinding(result.check, finding, match))
        kept_results.append(replace(result, findings=kept))
    return replace(report, results=kept_results), accepted


def expired_events(acceptances: Sequence[Acceptance], today: dt.date, at: str) -> list[AuditEvent]:
    """An `expired` event for each acceptance whose expiry day has come (the store keeps one each)."""
    return [AuditEvent("expired", at, a) for a in acceptances if not a.active_on(today)]
