"""The daily posture summary's logic: every check, what changed, the trend.

- `run_posture(settings)` scans, stores the run and returns the summary (`demarc posture`).
- `bot.posture.schedule`: when the summary is due (crontab in DEMARC_TZ, DST-correct).
- `bot.posture.render.render_text`: the summary for a terminal (and the overflow file).

Posting to Slack, the App Home view and the start-up channel check are Slack-facing and
live in `handlers.posture`. boto3 is imported only when a scan runs.
"""

from __future__ import annotations

from bot.posture.outcome import PostOutcome, Publisher
from bot.posture.run import PostureRun, run_posture

__all__ = ["PostOutcome", "PostureRun", "Publisher", "run_posture"]
