"""Wire every Slack surface into a Bolt app.

Layout follows slack-samples' starter template: one module per surface (`commands`,
`events`, `actions`), each with a `register(app, deps)` that attaches plain, importable
callbacks; this module wires them all, plus the event de-duplication middleware.
"""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, pictures
from handlers.dedupe import DedupeEvents
from handlers.deps import Deps


def register_listeners(app: App, deps: Deps, *, dedupe: DedupeEvents | None = None, lazy: bool = False) -> None:
    """Wire every surface; `lazy` splits each into an ack and a Bolt lazy listener (AWS Lambda)."""
    app.use(dedupe or DedupeEvents())
    commands.register(app, deps, lazy=lazy)
    events.register(app, deps, lazy=lazy)
    actions.register(app, deps, lazy=lazy)
    pictures.register(app, deps, lazy=lazy)
    from handlers.posture import accept

    accept.register(app, deps)
    from handlers import feedback

    feedback.register(app, deps, lazy=lazy)
