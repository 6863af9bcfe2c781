"""The posture summary in Slack: posting it once a day, the App Home view, the channel check.

- `post_posture(client, channel, settings)` runs the posture and posts it, once per channel
  and local day however many replicas try (`demarc posture --post`, the scheduler,
  `/demarc posture`, the Lambda job).
- `start_scheduler(client, settings)` posts on DEMARC_POSTURE_CRON in DEMARC_TZ (`demarc serve`).
- `check_posting_channel(client, channel)`: a start-up check of the posting channel.
- `latest_summary_blocks(settings)`: the newest stored summary for the App Home.
- `publisher(settings)`: the `Publisher` the core CLI calls for `demarc posture --post`.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.clock import SYSTEM_CLOCK, Clock
from bot.config import Settings
from bot.errors import ConfigError
from bot.posture.outcome import PostOutcome
from bot.posture.schedule import PostureScheduler, _Disabled, scheduler_for
from handlers.posture.channel import check_posting_channel
from handlers.posture.home import latest_summary_blocks
from handlers.posture.post import post_posture
from handlers.slack_client import build_client

__all__ = [
    "PostOutcome",
    "check_posting_channel",
    "latest_summary_blocks",
    "post_posture",
    "publish",
    "start_scheduler",
]

log = logging.getLogger(__name__)


def start_scheduler(
    client: WebClient, settings: Settings, *, clock: Clock = SYSTEM_CLOCK
) -> PostureScheduler | _Disabled:
    """Post the summary on DEMARC_POSTURE_CRON in DEMARC_TZ from a daemon thread.

    Returns an object with `.shutdown()`; without DEMARC_POSTURE_CHANNEL nothing is
    scheduled. A bad cron line raises ConfigError here, at start-up.
    """
    channel = settings.posture_channel
    if not channel:
        log.info("posture: DEMARC_POSTURE_CHANNEL is not set; no daily summary is scheduled")
        return _Disabled()

    def job() -> bool:
        outcome = post_posture(client, channel, settings, clock=clock)
        log.info("posture: %s", outcome)
        return outcome.status != "failed"

    return scheduler_for(job, settings.posture_cron, settings.timezone, clock=clock).start()


def publish(settings: Settings, force: bool) -> PostOutcome:
    """`demarc posture --post`: today's summary to DEMARC_POSTURE_CHANNEL (a `Publisher`)."""
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("DEMARC_POSTURE_CHANNEL", settings.posture_channel),
        )
        if not value
    ]
    if missing:
        raise ConfigError(f"--post needs {' and '.join(missing)} in the environment")
    assert settings.posture_channel is not None
    return post_posture(build_client(settings), settings.posture_channel, settings, force=force)
