"""Accepted risks and their audit trail, as the store keeps them (both backends).

An `Acceptance` says one finding (check, account, region, resource: its stable id) is
accepted by someone, for a reason, until an expiry date. It is active while the local day
is before `expires`; on the day it expires the finding is failing again. An `AuditEvent`
records every acceptance and every expiry; the store never deletes either.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bot.checks.model import finding_id

AuditKind = Literal["accepted", "expired"]
Source = Literal["slack", "file"]


@dataclass(frozen=True)
class Acceptance:
    check: str
    account: str
    region: str
    resource: str
    reason: str
    accepted_by: str
    accepted_at: str  # ISO time (UTC, Z)
    expires: str  # ISO date: failing again on this local day
    source: Source = "slack"

    @property
    def finding_id(self) -> str:
        return finding_id(self.check, self.account, self.region, self.resource)

    @property
    def key(self) -> str:
        """Unique per acceptance: the same finding may be accepted again after expiry."""
        return f"{self.finding_id}#{self.source}#{self.expires}"

    @property
    def expiry(self) -> dt.date:
        return dt.date.fromisoformat(self.expires)

    def active_on(self, day: dt.date) -> bool:
        return day < self.expiry

    def to_json(self) -> dict[str, Any]:
        return {"id": self.finding_id, **asdict(self)}

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Acceptance:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class AuditEvent:
    kind: AuditKind
    at: str  # ISO time (UTC, Z)
    acceptance: Acceptance

    @property
    def key(self) -> str:
        """One `accepted` and one `expired` event per acceptance, however often runs repeat."""
        return f"{self.kind}#{self.acceptance.key}"

    def to_json(self) -> dict[str, Any]:
        a = self.acceptance
        return {
            "event": self.kind,
            "at": self.at,
            "id": a.finding_id,
            "check": a.check,
            "resource": a.resource,
            "region": a.region,
            "accepted_by": a.accepted_by,
            "reason": a.reason,
            "expires": a.expires,
            "source": a.source,
        }

    def dumps(self) -> str:
        return json.dumps({"kind": self.kind, "at": self.at, "acceptance": asdict(self.acceptance)}, sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> AuditEvent:
        data = json.loads(text)
        return cls(data["kind"], data["at"], Acceptance(**data["acceptance"]))
