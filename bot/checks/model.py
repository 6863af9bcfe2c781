"""The results of a scan, shaped exactly like the contract's `demarc check --json` object.

Plain dataclasses with no AWS imports, so the Slack app and the posture summary can build,
compare and render reports without loading boto3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "error"]

#: The `region` of findings about account-wide things (IAM, the account's trail set).
GLOBAL_REGION = "global"


@dataclass(frozen=True, order=True)
class Finding:
    """One resource on the customer's side of the line that is not as it should be."""

    resource: str
    region: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"resource": self.resource, "region": self.region, "detail": self.detail}


@dataclass
class CheckResult:
    """One check's outcome over every region scanned.

    A check that found problems in one region but could not look in another keeps the
    findings it has and is `error`: the error is the more urgent thing to tell, because
    the check's answer is incomplete.
    """

    check: str
    service: str
    topic: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> Status:
        if self.error:
            return "error"
        return "fail" if self.findings else "pass"

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "service": self.service,
            "topic": self.topic,
            "status": self.status,
            "findings": [f.to_dict() for f in self.findings],
            "error": self.error,
        }


@dataclass
class AccountReport:
    """Everything one scan learnt about one account."""

    account: str
    regions: list[str]
    results: list[CheckResult]

    @property
    def failed(self) -> bool:
        """True when any check failed or could not finish (what `--strict` exits 1 on)."""
        return any(r.status != "pass" for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "regions": list(self.regions),
            "results": [r.to_dict() for r in self.results],
        }
