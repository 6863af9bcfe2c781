"""App Home: what demarc is, example questions, and the last posture summary."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from handlers import blocks
from handlers.deps import Deps

log = logging.getLogger("demarc.handlers")


def home_view(deps: Deps) -> dict[str, Any]:
    """The view; a posture store that cannot be read yields a home tab without the summary."""
    try:
        posture_blocks = deps.posture.latest_summary_blocks(deps.settings)
    except Exception:
        log.exception("could not read the last posture summary for App Home")
        posture_blocks = None
    return blocks.render_home(
        deps.answerer.catalogue, posture_blocks, check_channels=sorted(deps.settings.check_channels)
    )


def publish_home(deps: Deps, client: WebClient, user_id: str) -> None:
    client.views_publish(user_id=user_id, view=home_view(deps))
