"""The one source of "now" and "today": every time-dependent decision reads a `Clock`.

Posting once a day, the catch-up window after a restart, post leases, runtime deprecation
dates and the Lambda posture job all ask a clock instead of the system time, so a test (or
an EventBridge event carrying its own `time`) can say exactly when "now" is. Production
code passes `SYSTEM_CLOCK`; tests pass a `FixedClock` or freeze time with time-machine.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Tells the time as an aware UTC datetime."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that says one instant until told otherwise (tests, and events that carry a time)."""

    def __init__(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.moment = moment.astimezone(dt.UTC)

    @classmethod
    def on(cls, day: dt.date, hour: int = 12) -> FixedClock:
        """Noon (by default) UTC on `day`: for code that only cares about the date."""
        return cls(dt.datetime.combine(day, dt.time(hour), dt.UTC))

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)

    def __repr__(self) -> str:
        return f"FixedClock({self.moment.isoformat()})"


SYSTEM_CLOCK: Clock = SystemClock()


def epoch_seconds(clock: Clock) -> float:
    """The clock's now as POSIX seconds (what leases and TTLs are stored as)."""
    return clock.now().timestamp()


def local_day(moment: dt.datetime, timezone: str) -> str:
    """The calendar day of `moment` in `timezone`: what "today's summary" means to a channel."""
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()


def today(clock: Clock, timezone: str = "UTC") -> dt.date:
    """Today's date in `timezone` by `clock` (runtime deprecations, the day of a post)."""
    return clock.now().astimezone(ZoneInfo(timezone)).date()


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant such as EventBridge's `time` ("2026-11-23T09:00:00Z"), as aware UTC."""
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
