"""When the daily summary goes out: crontab semantics in DEMARC_TZ, and the thread that waits.

Fields mean what they mean in crontab(5): day-of-week 0 and 7 are Sunday, and when both
day-of-month and day-of-week are restricted either may match. croniter does the field
matching on local wall-clock times; this module maps wall times to instants the way cron
does across DST: a time skipped by spring-forward fires at the change (02:30 in New York
runs at 03:00 EDT), and a time repeated by fall-back fires once, at its first occurrence.
(APScheduler 3's `CronTrigger.from_crontab` numbers weekdays from Monday, so it is not
used.)
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

from bot.clock import SYSTEM_CLOCK, Clock
from bot.errors import ConfigError

log = logging.getLogger(__name__)

#: Retry a failed scan or post after these delays (seconds), then wait for the next fire.
RETRY_DELAYS = (120.0, 300.0, 900.0, 1800.0, 3600.0)
#: At start-up, a fire missed by less than this runs at once (the store skips it if posted).
CATCH_UP = dt.timedelta(hours=2)
#: The thread re-reads the clock at least this often, so a suspended host catches up.
MAX_SLEEP = 60.0
_MINUTE = dt.timedelta(minutes=1)


def validate_cron(expr: str, clock: Clock = SYSTEM_CLOCK) -> None:
    """A five-field crontab line that fires at least once (not e.g. "0 9 31 2 *")."""
    if len(expr.split()) != 5 or not croniter.is_valid(expr):
        raise ConfigError(f"DEMARC_POSTURE_CRON={expr!r} is not a crontab line (minute hour day month weekday)")
    next_fire(expr, "UTC", clock.now())


def _exists(wall: dt.datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock time happens in `zone` (not skipped by a DST change)."""
    back = wall.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    return back == wall


def _instant(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant a cron wall time fires: its first occurrence, or the end of a DST gap."""
    probe = wall
    for _ in range(48 * 60):
        if _exists(probe, zone):
            return probe.replace(tzinfo=zone, fold=0)
        probe = (probe + _MINUTE).replace(second=0, microsecond=0)
    raise ValueError(f"{wall} does not exist in {zone.key}")  # pragma: no cover - no zone skips 2 days


def next_fire(expr: str, timezone: str, after: dt.datetime) -> dt.datetime:
    """The first fire strictly after `after` (aware), as an aware UTC datetime."""
    zone = ZoneInfo(timezone)
    wall = after.astimezone(zone).replace(tzinfo=None)
    it = croniter(expr, wall)
    try:
        for _ in range(10_000):
            moment = _instant(it.get_next(dt.datetime), zone)
            if moment > after:
                return moment.astimezone(dt.UTC)
    except CroniterBadDateError:
        pass
    raise ConfigError(f"DEMARC_POSTURE_CRON={expr!r} never fires")  # e.g. "0 9 31 2 *"


def previous_fire(expr: str, timezone: str, before: dt.datetime) -> dt.datetime:
    """The last fire at or before `before`, as an aware UTC datetime."""
    zone = ZoneInfo(timezone)
    wall = before.astimezone(zone).replace(tzinfo=None) + dt.timedelta(microseconds=1)
    it = croniter(expr, wall)
    try:
        for _ in range(10_000):
            moment = _instant(it.get_prev(dt.datetime), zone)
            if moment <= before:
                return moment.astimezone(dt.UTC)
    except CroniterBadDateError:
        pass
    raise ConfigError(f"DEMARC_POSTURE_CRON={expr!r} never fires")


class PostureScheduler:
    """A daemon thread that runs `job` at each fire, retrying while it reports failure.

    `job` returns True when the day is settled (posted, or skipped on purpose) and False
    when a retry is due. Every time comes from `clock` (the first fire too, unless given),
    so tests can drive it.
    """

    def __init__(
        self,
        job: Callable[[], bool],
        next_after: Callable[[dt.datetime], dt.datetime],
        *,
        first: dt.datetime | None = None,
        clock: Clock = SYSTEM_CLOCK,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        max_sleep: float = MAX_SLEEP,
    ) -> None:
        self._job = job
        self._next_after = next_after
        self._clock = clock
        self._retry_delays = retry_delays
        self._max_sleep = max_sleep
        self._stop = threading.Event()
        self.next_run: dt.datetime = first or next_after(clock.now())
        self.runs = 0
        self._thread = threading.Thread(target=self._loop, name="demarc-posture", daemon=True)

    def start(self) -> PostureScheduler:
        log.info("posture: next summary at %s", self.next_run.isoformat())
        self._thread.start()
        return self

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop waiting; a run in progress finishes (its claim keeps other replicas off)."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run_job(self) -> bool:
        self.runs += 1
        try:
            return self._job()
        except Exception:  # the thread must survive anything a run does
            log.exception("posture: the scheduled run failed")
            return False

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            wait = (self.next_run - self._clock.now()).total_seconds()
            if wait > 0:
                self._stop.wait(min(wait, self._max_sleep))
                continue
            settled = self._run_job()
            regular = self._next_after(max(self.next_run, self._clock.now()))
            if settled or failures >= len(self._retry_delays):
                failures = 0
                self.next_run = regular
            else:
                retry = self._clock.now() + dt.timedelta(seconds=self._retry_delays[failures])
                failures += 1
                self.next_run = min(retry, regular)
                if self.next_run == regular:
                    failures = 0
            log.info("posture: next run at %s", self.next_run.isoformat())


class _Disabled:
    """What start_scheduler returns when no posting channel is configured."""

    def shutdown(self, timeout: float = 10.0) -> None:
        """Nothing runs."""


def scheduler_for(
    job: Callable[[], bool], cron: str, timezone: str, *, clock: Clock = SYSTEM_CLOCK
) -> PostureScheduler:
    """A scheduler on `cron` in `timezone`; a fire missed within CATCH_UP runs at once.

    The first run is decided here from `clock` alone (a missed fire, or the next one), and
    the scheduler keeps the same clock: nothing reads the system time behind its back.
    """
    validate_cron(cron, clock)
    now = clock.now()

    def next_after(after: dt.datetime) -> dt.datetime:
        return next_fire(cron, timezone, after)

    previous = previous_fire(cron, timezone, now)
    first = now if now - previous <= CATCH_UP else next_after(now)
    return PostureScheduler(job, next_after, first=first, clock=clock)
