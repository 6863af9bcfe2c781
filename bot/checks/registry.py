"""The check unit and the registry of all checks.

A check is one small unit: its id, its catalogue cell (service, topic), the resources it
reads (and through them the API calls and IAM actions it needs), and a function that
turns those resources into findings. Adding a check is adding one decorated function
under `bot/checks/defs/`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource
from bot.checks.model import GLOBAL_REGION, Finding

T = TypeVar("T")


@dataclass
class CheckContext:
    """What a check sees while it runs for one account and region."""

    inventory: Inventory
    region: str
    today: dt.date
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def account_id(self) -> str:
        return self.inventory.account_id

    def get(self, resource: Resource[T]) -> T:
        """Loaded data; a LoadError ends this check for this region with that error."""
        return self.inventory.get(resource, self.region)

    def error(self, message: str) -> None:
        """Record a partial failure; the check still reports what it did see."""
        if message not in self.errors:
            self.errors.append(message)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    @contextmanager
    def part(self) -> Iterator[None]:
        """An independent part of a check: its LoadError is recorded, the rest runs on."""
        try:
            yield
        except LoadError as exc:
            self.error(str(exc))

    def finding(self, resource: str, detail: str, region: str | None = None) -> Finding:
        return Finding(resource, region or self.region, detail)


Evaluator = Callable[[CheckContext], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    """One account check (see module docstring)."""

    id: str
    service: str
    topic: str
    regional: bool
    needs: tuple[Resource[Any], ...]
    evaluate: Evaluator
    remedy: str | None = None  # a command for one finding; {resource} and {region} filled in
    cis: tuple[str, ...] = ()  # CIS AWS Foundations Benchmark recommendation ids (see bot/checks/cis.py)
    securityhub: tuple[str, ...] = ()  # AWS Security Hub control ids the check corresponds to

    @property
    def api_calls(self) -> frozenset[ApiCall]:
        out: set[ApiCall] = set()
        for resource in self.needs:
            out |= resource.all_calls()
        return frozenset(out)

    @property
    def iam_actions(self) -> frozenset[str]:
        return frozenset(call.action for call in self.api_calls)

    def regions(self, scanned: list[str]) -> list[str]:
        """Where this check runs: every scanned region, or once for the account."""
        return list(scanned) if self.regional else [GLOBAL_REGION]


_REGISTRY: dict[str, Check] = {}

#: The contract's order (section 4); checks added later follow, in registration order.
CONTRACT_ORDER = (
    "iam-password-policy",
    "iam-root-mfa",
    "iam-root-access-keys",
    "iam-user-mfa",
    "iam-admin-policy",
    "s3-public-access",
    "s3-encryption",
    "ebs-encryption",
    "rds-encryption",
    "rds-public",
    "open-ports",
    "lambda-runtime",
    "lambda-public",
    "ec2-patching",
    "cloudtrail",
)


def check(
    check_id: str,
    *,
    service: str,
    topic: str,
    needs: tuple[Resource[Any], ...],
    regional: bool,
    remedy: str | None = None,
    cis: tuple[str, ...] = (),
    securityhub: tuple[str, ...] = (),
) -> Callable[[Evaluator], Evaluator]:
    """Register the decorated function as the finding logic of check `check_id`."""

    def register(fn: Evaluator) -> Evaluator:
        if check_id in _REGISTRY:
            raise ValueError(f"check {check_id} registered twice")
        _REGISTRY[check_id] = Check(
            check_id, service, topic, regional, needs, fn, remedy, tuple(cis), tuple(securityhub)
        )
        return fn

    return register


def all_checks() -> list[Check]:
    """Every registered check, in the contract's order."""
    import bot.checks.defs  # noqa: F401 - importing the definitions registers them

    rank = {check_id: i for i, check_id in enumerate(CONTRACT_ORDER)}
    return sorted(_REGISTRY.values(), key=lambda c: rank.get(c.id, len(rank)))


def get_check(check_id: str) -> Check:
    for c in all_checks():
        if c.id == check_id:
            return c
    raise KeyError(check_id)
