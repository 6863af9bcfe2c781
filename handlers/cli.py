"""The `demarc` console script: the core command line with the Slack surfaces plugged in.

`bot.cli` knows the core commands (ask, compare, check, posture, catalogue, config, demo)
and imports no Slack; this module adds `demarc serve` and the publisher behind
`demarc posture --post`. Nothing here imports Slack at module level, so `demarc ask`
starts as fast as the core alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli import main as core_main

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.posture.outcome import PostOutcome

#: Sub-command modules of the Slack layer, listed after the core ones in `demarc --help`.
SLACK_COMMAND_MODULES = ("handlers.serve_command",)


def publish_posture(settings: Settings, force: bool) -> PostOutcome:
    """`demarc posture --post`: today's summary to DEMARC_POSTURE_CHANNEL, once a day."""
    from handlers.posture import publish

    return publish(settings, force)


def main(argv: Sequence[str] | None = None) -> int:
    return core_main(argv, extra_modules=SLACK_COMMAND_MODULES, publisher=publish_posture)


if __name__ == "__main__":
    raise SystemExit(main())
