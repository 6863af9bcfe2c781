"""What one attempt to publish the posture summary did, in words a CLI or a log can show.

The posting itself is Slack's business (handlers/posture/post.py); the outcome is plain
data, so the core CLI can report it and exit with the right code without importing Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.posture.run import PostureRun


@dataclass
class PostOutcome:
    """What a posting attempt did; `failed` means a retry is due (scan or post failed)."""

    status: Literal["posted", "skipped", "failed"]
    reason: str
    ts: str | None = None
    run: PostureRun | None = None

    def __str__(self) -> str:
        return f"{self.status}: {self.reason}"


#: Posts today's summary to `settings.posture_channel`; the flag is `force` (post again on
#: a day already posted). The Slack layer provides it (handlers/posture); the core CLI only
#: calls it, so `bot` never imports Slack.
Publisher = Callable[["Settings", bool], PostOutcome]
