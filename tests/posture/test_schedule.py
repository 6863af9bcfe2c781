"""When the summary fires: crontab semantics in DEMARC_TZ, across time zones and DST."""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import FixedClock
from bot.errors import ConfigError
from bot.posture.schedule import PostureScheduler, next_fire, previous_fire, scheduler_for, validate_cron

UTC = dt.UTC


def z(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def fires(expr: str, tz: str, after: str, count: int) -> list[str]:
    out, moment = [], z(after)
    for _ in range(count):
        moment = next_fire(expr, tz, moment)
        out.append(moment.strftime("%Y-%m-%dT%H:%MZ"))
    return out


def test_default_cron_in_utc() -> None:
    assert fires("0 9 * * *", "UTC", "2026-11-23T08:00:00Z", 2) == ["2026-11-23T09:00Z", "2026-11-24T09:00Z"]
    assert fires("0 9 * * *", "UTC", "2026-11-23T09:00:00Z", 1) == ["2026-11-24T09:00Z"]  # strictly after


def test_new_york_spring_forward_keeps_nine_local() -> None:
    # 2025-03-09 02:00 EST -> 03:00 EDT
    assert fires("0 9 * * *", "America/New_York", "2025-03-07T15:00:00Z", 3) == [
        "2025-03-08T14:00Z",  # 09:00 EST
        "2025-03-09T13:00Z",  # 09:00 EDT
        "2025-03-10T13:00Z",
    ]


def test_a_time_skipped_by_spring_forward_fires_once_at_the_change() -> None:
    assert fires("30 2 * * *", "America/New_York", "2025-03-08T12:00:00Z", 3) == [
        "2025-03-09T07:00Z",  # 02:30 does not exist: 03:00 EDT
        "2025-03-10T06:30Z",  # 02:30 EDT
        "2025-03-11T06:30Z",
    ]
    # several skipped times collapse into one run
    assert fires("*/15 2 * * *", "America/New_York", "2025-03-09T05:00:00Z", 2) == [
        "2025-03-09T07:00Z",
        "2025-03-10T06:00Z",
    ]


def test_a_time_repeated_by_fall_back_fires_once() -> None:
    # 2025-11-02 02:00 EDT -> 01:00 EST: 01:30 happens twice; cron runs it once
    assert fires("30 1 * * *", "America/New_York", "2025-11-01T12:00:00Z", 2) == [
        "2025-11-02T05:30Z",  # 01:30 EDT
        "2025-11-03T06:30Z",  # 01:30 EST, next day
    ]
    # asked during the repeated hour, after the first 01:30 already fired
    assert fires("30 1 * * *", "America/New_York", "2025-11-02T06:10:00Z", 1) == ["2025-11-03T06:30Z"]


def test_europe_london_across_bst() -> None:
    # 2025-03-30 01:00 GMT -> 02:00 BST; 2025-10-26 02:00 BST -> 01:00 GMT
    assert fires("0 9 * * *", "Europe/London", "2025-03-29T00:00:00Z", 2) == ["2025-03-29T09:00Z", "2025-03-30T08:00Z"]
    assert fires("30 1 * * *", "Europe/London", "2025-03-29T12:00:00Z", 2) == ["2025-03-30T01:00Z", "2025-03-31T00:30Z"]
    assert fires("0 9 * * *", "Europe/London", "2025-10-25T12:00:00Z", 2) == ["2025-10-26T09:00Z", "2025-10-27T09:00Z"]


def test_half_hour_zone() -> None:
    assert fires("0 9 * * *", "Asia/Kolkata", "2026-11-23T00:00:00Z", 1) == ["2026-11-23T03:30Z"]


@pytest.mark.parametrize("sunday", ["0", "7", "sun", "SUN"])
def test_day_of_week_0_and_7_are_sunday(sunday: str) -> None:
    # 2026-11-25 is a Wednesday; the next Sunday is 2026-11-29
    [first] = fires(f"0 9 * * {sunday}", "UTC", "2026-11-25T12:00:00Z", 1)
    assert first == "2026-11-29T09:00Z"
    assert z(first.replace("Z", ":00Z")).weekday() == 6


def test_weekdays_only() -> None:
    # Friday 2026-11-27 10:00 -> Monday 2026-11-30 09:00
    assert fires("0 9 * * 1-5", "Europe/Paris", "2026-11-27T10:00:00Z", 2) == ["2026-11-30T08:00Z", "2026-12-01T08:00Z"]


def test_day_of_month_or_day_of_week_as_in_crontab() -> None:
    # "the 1st, and every Monday": either field matches (2026-12-01 is a Tuesday)
    assert fires("0 9 1 * 1", "UTC", "2026-11-25T00:00:00Z", 3) == [
        "2026-11-30T09:00Z",
        "2026-12-01T09:00Z",
        "2026-12-07T09:00Z",
    ]


def test_apscheduler_from_crontab_reads_weekdays_differently() -> None:
    """Why we do not use it: APScheduler 3 counts day_of_week 0 as Monday."""
    cron = pytest.importorskip("apscheduler.triggers.cron")  # dev-only comparison
    CronTrigger = cron.CronTrigger

    after = z("2026-11-25T12:00:00Z")
    theirs = CronTrigger.from_crontab("0 9 * * 0", timezone="UTC").get_next_fire_time(None, after)
    ours = next_fire("0 9 * * 0", "UTC", after)
    assert theirs is not None and theirs.weekday() == 0  # Monday
    assert ours.weekday() == 6  # Sunday, as in crontab


ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata"]


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    after=st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(UTC)),
)
def test_nine_local_fires_daily_and_nothing_is_skipped(zone: str, after: dt.datetime) -> None:
    fire = next_fire("0 9 * * *", zone, after)
    local = fire.astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (9, 0)
    assert after < fire <= after + dt.timedelta(hours=25)
    assert previous_fire("0 9 * * *", zone, fire - dt.timedelta(microseconds=1)) <= after


def test_invalid_cron_lines_are_config_errors() -> None:
    for bad in ("61 9 * * *", "0 9 * *", "every day", "0 9 * * 8", "0 9 31 2 *"):
        with pytest.raises(ConfigError, match="DEMARC_POSTURE_CRON"):
            validate_cron(bad)


@pytest.mark.time_sensitive
def test_catch_up_after_a_restart_within_the_window() -> None:
    now = z("2026-11-23T09:30:00Z")
    assert scheduler_for(lambda: True, "0 9 * * *", "UTC", clock=FixedClock(now)).next_run == now
    later = z("2026-11-23T12:00:00Z")
    assert scheduler_for(lambda: True, "0 9 * * *", "UTC", clock=FixedClock(later)).next_run == z(
        "2026-11-24T09:00:00Z"
    )


@pytest.mark.time_sensitive
def test_the_thread_retries_a_failed_run_then_waits_for_the_next_fire() -> None:
    results = [False, True]
    done = threading.Event()

    def job() -> bool:
        ok = results.pop(0)
        if not results:
            done.set()
        return ok

    far = dt.timedelta(days=1)
    scheduler = PostureScheduler(
        job, lambda after: after + far, first=dt.datetime.now(UTC), retry_delays=(0.05,), max_sleep=0.05
    ).start()
    try:
        assert done.wait(5)
        time.sleep(0.1)
        assert scheduler.runs == 2
        assert scheduler.next_run > dt.datetime.now(UTC) + dt.timedelta(hours=23)
    finally:
        started = time.monotonic()
        scheduler.shutdown()
        assert time.monotonic() - started < 2


def test_a_job_that_raises_does_not_kill_the_thread() -> None:
    calls: list[int] = []
    done = threading.Event()

    def job() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        done.set()
        return True

    scheduler = PostureScheduler(
        job,
        lambda after: after + dt.timedelta(days=1),
        first=dt.datetime.now(UTC),
        retry_delays=(0.01,),
        max_sleep=0.05,
    ).start()
    try:
        assert done.wait(5)
    finally:
        scheduler.shutdown()
    assert len(calls) == 2


@pytest.mark.time_sensitive
def test_the_first_run_comes_from_the_injected_clock_alone() -> None:
    """Whatever the system clock says, a scheduler built at a given instant plans from it."""
    for start, first in (
        ("2026-11-23T09:30:00Z", "2026-11-23T09:30:00Z"),  # missed by 30 minutes: catch up now
        ("2026-11-23T12:00:00Z", "2026-11-24T09:00:00Z"),  # missed by 3 hours: the next fire
        ("2027-03-14T06:59:59Z", "2027-03-14T13:00:00Z"),  # New York: 09:00 EDT on the DST day
        ("2027-12-02T23:59:59Z", "2027-12-03T14:00:00Z"),  # a year on, 09:00 EST the next day
    ):
        zone = "America/New_York" if start.startswith("2027") else "UTC"
        scheduler = scheduler_for(lambda: True, "0 9 * * *", zone, clock=FixedClock(z(start)))
        assert scheduler.next_run == z(first), (start, zone)
