"""Slack listeners for demarc, kept thin: parse the payload, call bot/, render with bot/blocks.

Layout follows slack-samples' starter template: one module per surface, each with a
`register(app, deps)`; `register_listeners` wires them all, plus the event de-duplication
middleware and an app-wide error handler.
"""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events
from handlers.dedupe import DedupeEvents
from handlers.deps import Deps


def register_listeners(app: App, deps: Deps, *, dedupe: DedupeEvents | None = None, lazy: bool = False) -> None:
    """Wire every surface; `lazy` splits each into an ack and a Bolt lazy listener (AWS Lambda)."""
    app.use(dedupe or DedupeEvents())
    commands.register(app, deps, lazy=lazy)
    events.register(app, deps, lazy=lazy)
    actions.register(app, deps, lazy=lazy)
