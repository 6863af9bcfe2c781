"""The posture trend chart, drawn from a store with several runs and read back."""

from __future__ import annotations

import datetime as dt

from bot.clock import FixedClock
from bot.posture import run_posture
from bot.posture.chart import CHART_RUNS, SEVERITY_COLOURS, trend_chart, trend_figure, trend_series
from bot.store import open_store
from tests.pictures import close, open_png, rgb
from tests.posture.helpers import DAY1, all_errors, report, scan_of, settings

OTHER = "444455556666"


def fill(state: str, days: int) -> None:
    """`days` daily runs: open ports grow by one a day, a medium finding every other day, day 3 fails."""
    store = open_store(state)
    try:
        for day in range(days):
            ports = [(f"sg-{i}", "us-east-1") for i in range(day + 1)]
            spec = {"open-ports": ports, "ec2-patching": [("i-1", "us-east-1")]}
            if day % 2:
                spec["s3-encryption"] = [("bucket-a", "global"), ("bucket-b", "global")]
            scanned = all_errors() if day == 3 else report(spec)
            when = DAY1 + dt.timedelta(days=day)
            run_posture(settings(state), scan=scan_of(scanned, report({}, account=OTHER)), store=store,
                        clock=FixedClock(when))
    finally:
        store.close()


def test_series_counts_findings_by_severity_and_gaps_failed_runs(state_file: str) -> None:
    fill(state_file, 6)
    store = open_store(state_file)
    try:
        series = trend_series(store, "111122223333")
    finally:
        store.close()
    assert len(series) == 6
    assert [p.generated_at[:10] for p in series] == [f"2026-11-{22 + d}" for d in range(6)]  # oldest first
    assert series[0].counts == {"critical": 1, "high": 1, "medium": 0, "low": 0}
    assert series[1].counts == {"critical": 2, "high": 1, "medium": 2, "low": 0}
    assert series[3].counts is None  # the failed run is a gap, not an all-clear
    assert series[5].counts == {"critical": 6, "high": 1, "medium": 2, "low": 0}


def test_chart_has_one_stacked_bar_per_run_coloured_by_severity(state_file: str) -> None:
    fill(state_file, 6)
    store = open_store(state_file)
    try:
        series = {a: trend_series(store, a) for a in ("111122223333", OTHER)}
        data = trend_chart(store, ["111122223333", OTHER])
    finally:
        store.close()
    image = open_png(data)
    assert image.size == (900, 600)  # 9 x (1.2 + 2.4 per account) inches at 100 dpi
    figure = trend_figure(series)
    first, second = figure.axes[:2]
    assert first.get_title(loc="left") == "Account 111122223333" and second.get_title(loc="left") == f"Account {OTHER}"
    containers = {c.get_label(): c for c in first.containers}
    assert list(containers) == ["Critical", "High", "Medium", "Low"]
    for severity, container in zip(("critical", "high", "medium", "low"), containers.values(), strict=True):
        assert len(container.patches) == 6  # one bar per run
        heights = [bar.get_height() for bar in container.patches]
        assert heights == [p.counts[severity] if p.counts else 0 for p in series["111122223333"]]
        assert all(close(tuple(round(c * 255) for c in bar.get_facecolor()[:3]), rgb(SEVERITY_COLOURS[severity]), 1)
                   for bar in container.patches)
    # The pixels: the newest run's bar is critical red at its foot.
    bar = containers["Critical"].patches[-1]
    figure.draw_without_rendering()
    box = bar.get_window_extent()
    x, y = round((box.x0 + box.x1) / 2), image.height - round(box.y0) - 3
    assert close(image.getpixel((x, y)), rgb(SEVERITY_COLOURS["critical"]), 10)  # type: ignore[arg-type]


def test_chart_keeps_the_last_thirty_runs(state_file: str) -> None:
    fill(state_file, CHART_RUNS + 3)
    store = open_store(state_file)
    try:
        series = trend_series(store, "111122223333")
    finally:
        store.close()
    assert len(series) == CHART_RUNS
    assert series[-1].generated_at.startswith((DAY1 + dt.timedelta(days=CHART_RUNS + 2)).date().isoformat())
