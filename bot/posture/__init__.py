"""The daily posture summary: every check, what changed, the trend, posted once a day.

- `run_posture(settings)` scans, stores the run and returns the summary (`demarc posture`).
- `post_posture(client, channel, settings)` does that and posts it, once per channel and
  local day however many replicas try (`demarc posture --post`, the scheduler, `/demarc posture`).
- `start_scheduler(client, settings)` posts on DEMARC_POSTURE_CRON in DEMARC_TZ (`demarc serve`).
- `check_posting_channel(client, channel)`: a start-up check of the posting channel.
- `latest_summary_blocks(settings)`: the newest stored summary for the App Home.

Slack and boto3 are imported only when used.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.posture.channel import check_posting_channel
from bot.posture.home import latest_summary_blocks
from bot.posture.post import PostOutcome, post_posture
from bot.posture.run import PostureRun, run_posture

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.config import Settings
    from bot.posture.schedule import PostureScheduler, _Disabled

__all__ = [
    "PostOutcome",
    "PostureRun",
    "check_posting_channel",
    "latest_summary_blocks",
    "post_posture",
    "run_posture",
    "start_scheduler",
]

log = logging.getLogger(__name__)


def start_scheduler(client: WebClient, settings: Settings) -> PostureScheduler | _Disabled:
    """Post the summary on DEMARC_POSTURE_CRON in DEMARC_TZ from a daemon thread.

    Returns an object with `.shutdown()`; without DEMARC_POSTURE_CHANNEL nothing is
    scheduled. A bad cron line raises ConfigError here, at start-up.
    """
    from bot.posture.schedule import _Disabled, scheduler_for

    channel = settings.posture_channel
    if not channel:
        log.info("posture: DEMARC_POSTURE_CHANNEL is not set; no daily summary is scheduled")
        return _Disabled()

    def job() -> bool:
        outcome = post_posture(client, channel, settings)
        log.info("posture: %s", outcome)
        return outcome.status != "failed"

    return scheduler_for(job, settings.posture_cron, settings.timezone).start()
