"""The posture trend chart: findings by severity over the last runs, one panel per account.

Read from the state store (`recent_runs`, `load_results`), severities from the catalogue's
check metadata. Drawn with matplotlib (the optional `pictures` extra), imported only here and
only when a chart is drawn. A run that could not check anything is a gap, never a zero.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.posture.summary import SEVERITIES, check_view
from bot.store import StateStore

#: How many runs the chart shows (the newest last).
CHART_RUNS = 30
#: Accounts drawn, one panel each; the rest are named in the title.
MAX_PANELS = 4
SEVERITY_COLOURS: dict[str, str] = {
    "critical": "#b71c1c",
    "high": "#ef6c00",
    "medium": "#fbc02d",
    "low": "#78909c",
}
DPI = 100


@dataclass(frozen=True)
class TrendPoint:
    """One stored run: when, and its findings by severity (None when the run could not check)."""

    run_id: str
    generated_at: str
    counts: dict[str, int] | None


def trend_series(store: StateStore, account: str, runs: int = CHART_RUNS) -> list[TrendPoint]:
    """The account's last `runs` runs, oldest first, with findings counted by severity."""
    points = []
    for meta in reversed(store.recent_runs(account, runs)):
        if meta.status == "failed":
            points.append(TrendPoint(meta.run_id, meta.generated_at, None))
            continue
        counts = dict.fromkeys(SEVERITIES, 0)
        for result in store.load_results(meta.run_id):
            if result.findings:
                severity = check_view(result.check, result.topic).severity
                counts[severity if severity in counts else "medium"] += len(result.findings)
        points.append(TrendPoint(meta.run_id, meta.generated_at, counts))
    return points


def trend_figure(series: dict[str, list[TrendPoint]]) -> Any:
    """The matplotlib Figure: stacked bars by severity per run, one panel per account."""
    from bot.diagram import load_matplotlib

    load_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    accounts = list(series)[:MAX_PANELS]
    figure = Figure(figsize=(9.0, 1.2 + 2.4 * max(1, len(accounts))), dpi=DPI, facecolor="#ffffff")
    FigureCanvasAgg(figure)
    more = len(series) - len(accounts)
    title = f"Posture findings by severity, last {CHART_RUNS} runs"
    if more:
        title += f" (first {len(accounts)} of {len(series)} accounts)"
    figure.suptitle(title, fontsize=13, fontweight="bold", x=0.02, ha="left")
    panels = figure.subplots(max(1, len(accounts)), 1, squeeze=False)[:, 0]
    for axes, account in zip(panels, accounts or [""], strict=False):
        points = series.get(account, [])
        xs = list(range(len(points)))
        bottom = [0] * len(points)
        for severity in SEVERITIES:
            heights = [p.counts[severity] if p.counts else 0 for p in points]
            bars = axes.bar(
                xs, heights, bottom=bottom, color=SEVERITY_COLOURS[severity], label=severity.title(), width=0.75
            )
            for bar in bars.patches:
                bar.set_gid(f"trend-{account}-{severity}")
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        for x, point in zip(xs, points, strict=True):
            if point.counts is None:
                axes.text(x, 0, "×", ha="center", va="bottom", color="#555555", fontsize=11)
        axes.set_title(f"Account {account}" if account else "No runs yet", fontsize=10, loc="left")
        axes.set_ylabel("findings", fontsize=9)
        axes.set_xlim(-0.6, max(8, len(points)) - 0.4)
        step = max(1, -(-len(points) // 8))  # at most about eight date labels, so they never overlap
        ticks = xs[::-1][::step][::-1]  # counted back from the newest run, which is always labelled
        axes.set_xticks(ticks, [points[i].generated_at[5:10] for i in ticks], fontsize=8)
        axes.tick_params(axis="y", labelsize=8)
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.yaxis.get_major_locator().set_params(integer=True)
    panels[0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    figure.text(0.02, 0.01, "× a run that could not check anything (no findings counted)", fontsize=8, color="#555555")
    figure.tight_layout(rect=(0, 0.03, 1, 0.95))
    return figure


def trend_chart(store: StateStore, accounts: Sequence[str], runs: int = CHART_RUNS) -> bytes:
    """The trend chart of `accounts` as PNG bytes (raises PicturesUnavailable without matplotlib)."""
    figure = trend_figure({account: trend_series(store, account, runs) for account in accounts})
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": "demarc"})
    return buffer.getvalue()
