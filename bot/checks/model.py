"""The results of a scan, shaped exactly like the contract's `demarc check --json` object.

Plain dataclasses with no AWS imports, so the Slack app and the posture summary can build,
compare and render reports without loading boto3.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "error"]

#: The `region` of findings about account-wide things (IAM, the account's trail set).
GLOBAL_REGION = "global"


def finding_id(check: str, account: str, region: str, resource: str) -> str:
    """A finding's stable id: the same (check, account, region, resource) gives the same id
    on every run, whatever its detail text says, so other tools can track it."""
    digest = hashlib.sha256("\x1f".join((check, account, region, resource)).encode()).hexdigest()
    return f"demarc-{digest[:32]}"


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

    def to_dict(self, account: str | None = None) -> dict[str, Any]:
        """The contract's result object; with `account`, each finding carries its stable `id`."""
        findings: list[dict[str, str]] = []
        for f in self.findings:
            entry = f.to_dict()
            if account is not None:
                entry = {"id": finding_id(self.check, account, f.region, f.resource), **entry}
            findings.append(entry)
        return {
            "check": self.check,
            "service": self.service,
            "topic": self.topic,
            "status": self.status,
            "findings": findings,
            "error": self.error,
        }


@dataclass
class AccountReport:
    """Everything one scan learnt about one account."""

    account: str
    regions: list[str]
    results: list[CheckResult]
    #: Tags of the resources that carry the owners overlay's tag keys, by ARN and short id
    #: (read only when `DEMARC_OWNERS` routes by tag; not part of the report's JSON).
    resource_tags: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Why owners by tag could not be read, where they could not.
    owner_notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when any check failed or could not finish (what `--strict` exits 1 on)."""
        return any(r.status != "pass" for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "regions": list(self.regions),
            "results": [r.to_dict(self.account) for r in self.results],
        }
