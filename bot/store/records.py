"""What the posture store keeps: run metadata, run results, and posting claims.

Plain dataclasses and JSON helpers, shared by every store backend so that SQLite and
DynamoDB hold byte-for-byte the same documents and a deployment can move between them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.checks.model import CheckResult, Finding

RunStatus = Literal["ok", "partial", "failed"]
PostStatus = Literal["claimed", "posted", "failed"]


def iso_z(moment: dt.datetime) -> str:
    """The contract's timestamp form: UTC, whole seconds, trailing Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_status(results: Sequence[CheckResult]) -> RunStatus:
    """`failed` when nothing could be checked: such a run must never read as all clear."""
    if not results or all(r.status == "error" for r in results):
        return "failed"
    return "partial" if any(r.status == "error" for r in results) else "ok"


@dataclass(frozen=True)
class RunMeta:
    """One stored run of one account, without its (possibly large) results.

    `key` orders runs: the UTC time to the microsecond plus the run id, so two runs in
    the same second (two replicas) still have a total order in every backend.
    """

    run_id: str
    account: str
    generated_at: str
    regions: tuple[str, ...]
    status: RunStatus
    failing: int
    key: str

    @classmethod
    def new(cls, account: str, regions: Sequence[str], results: Sequence[CheckResult], now: dt.datetime) -> RunMeta:
        run_id = uuid.uuid4().hex
        moment = now.astimezone(dt.UTC)
        return cls(
            run_id=run_id,
            account=account,
            generated_at=iso_z(moment),
            regions=tuple(regions),
            status=run_status(results),
            failing=sum(len(r.findings) for r in results),
            key=f"{moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{run_id}",
        )


def results_to_json(results: Sequence[CheckResult]) -> str:
    """Results as stored: the contract's result objects plus the checks' notes."""
    return json.dumps([{**r.to_dict(), "notes": list(r.notes)} for r in results], separators=(",", ":"))


def results_from_json(text: str) -> list[CheckResult]:
    out = []
    for item in json.loads(text):
        out.append(
            CheckResult(
                check=str(item["check"]),
                service=str(item.get("service", "")),
                topic=str(item.get("topic", "")),
                findings=[
                    Finding(str(f["resource"]), str(f["region"]), str(f.get("detail", ""))) for f in item["findings"]
                ],
                error=item.get("error"),
                notes=[str(n) for n in item.get("notes", [])],
            )
        )
    return out


@dataclass(frozen=True)
class PostKey:
    """One day's summary in one channel for one set of accounts: posted at most once."""

    channel: str
    day: str
    accounts: str

    @classmethod
    def of(cls, channel: str, day: str, accounts: Sequence[str]) -> PostKey:
        return cls(channel, day, ",".join(sorted(set(accounts))) or "-")


#: The account set of the one failure notice a day may carry (a scan that could not run).
SCAN_FAILED = "!scan-failed"


@dataclass(frozen=True)
class PostRecord:
    key: PostKey
    status: PostStatus
    owner: str
    claimed_at: float
    expires_at: float
    ts: str | None = None
    error: str | None = None
    attempts: int = 0


def claimable(record: PostRecord | None, owner: str, now: float, *, force: bool) -> bool:
    """Whether `owner` may claim a post. The one rule every backend implements.

    Free when never claimed, when the last attempt failed, or when a claimant died and its
    lease ran out. `force` also takes a posted day, but never a live claim of another
    process: that one is posting right now.
    """
    if record is None or record.status == "failed" or record.owner == owner:
        return True
    live_claim = record.status == "claimed" and record.expires_at > now
    if force:
        return not live_claim
    return record.status == "claimed" and not live_claim


def new_owner() -> str:
    """Who holds a claim: enough to find the process in logs, unique per attempt."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
