"""The latest stored summary, for the Slack App Home: no scan, just what the store holds."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bot.checks.model import AccountReport
from bot.clock import local_day
from bot.posture.summary import TREND_RUNS, PostureSummary, summarize_account
from bot.store import open_store
from handlers.posture.blocks import main_message

if TYPE_CHECKING:
    from bot.config import Settings


def latest_summary_blocks(settings: Settings) -> list[dict[str, Any]] | None:
    """Blocks for the newest run of every account, with its deltas and trend; None before any run."""
    store = open_store(settings)
    try:
        summary = PostureSummary(generated_at="")
        for account in store.accounts():
            runs = store.recent_runs(account, TREND_RUNS)
            if not runs:
                continue
            latest, earlier = runs[0], runs[1:]
            report = AccountReport(account, list(latest.regions), store.load_results(latest.run_id))
            summary.accounts.append(
                summarize_account(
                    report,
                    generated_at=latest.generated_at,
                    history=((m, store.load_results(m.run_id)) for m in earlier),
                    trend_runs=earlier,
                    run=latest,
                )
            )
            summary.generated_at = max(summary.generated_at, latest.generated_at)
        if not summary.accounts:
            return None
        moment = dt.datetime.strptime(summary.generated_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        blocks, _ = main_message(
            summary, day=local_day(moment, settings.timezone), rest="run `demarc posture` for the full list"
        )
        return blocks
    finally:
        store.close()
