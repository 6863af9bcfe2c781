"""Buttons on answers: run the related check, show the whole service, compare, pick an
alternative, share an ephemeral answer in the channel.

Each listener acks first (the HTTP response goes back as soon as ack() is called), then works.
Follow-ups are ephemeral to the person who clicked, except check results and Share, which are
meant for the channel. The channel allowlist is enforced here too: a button on an answer in a
DM or an unlisted channel gets the same refusal as the slash command, and no AWS call.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot import blocks
from handlers.common import (
    answer_cell,
    answer_compare,
    answer_question,
    checks_allowed,
    guard,
    resolve_checks,
    run_checks,
)
from handlers.deps import Deps


def _action_pattern(action_id: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(action_id)}(:\d+)?$")


def _value(body: dict[str, Any]) -> str:
    acts = body.get("actions") or [{}]
    return str(acts[0].get("value") or "")


def _channel(body: dict[str, Any]) -> str | None:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return str(channel) if channel else None


def register(app: App, deps: Deps) -> None:
    def private_reply(respond: Respond) -> Any:
        def reply(message_blocks: list[dict[str, Any]], text: str) -> object:
            return respond(blocks=message_blocks, text=text, response_type="ephemeral", replace_original=False)

        return reply

    def public_reply(respond: Respond) -> Any:
        def reply(message_blocks: list[dict[str, Any]], text: str) -> object:
            return respond(blocks=message_blocks, text=text, response_type="in_channel", replace_original=False)

        return reply

    def on_run_check(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        channel = _channel(body)
        private = private_reply(respond)
        if not checks_allowed(deps, channel):
            private(*blocks.check_refusal(channel))
            return
        target = _value(body)

        def start() -> None:
            ids = resolve_checks(deps, target)
            public = public_reply(respond)
            who = blocks.user_mention((body.get("user") or {}).get("id"))
            notice = f"Running `{blocks.escape_code(target)}` for {who or 'you'}…"
            public(*blocks.render_notice(notice, emoji=":hourglass_flowing_sand:"))
            deps.jobs.submit(lambda: guard("action.run_check", public, lambda: run_checks(deps, ids, target, public)))

        guard("action.run_check", private, start)

    def on_show_service(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        reply = private_reply(respond)
        guard("action.show_service", reply, lambda: reply(*answer_cell(deps, _value(body), None)))

    def on_alternative(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        service, _, topic = _value(body).partition("|")
        reply = private_reply(respond)
        guard("action.alternative", reply, lambda: reply(*answer_cell(deps, service, topic or None)))

    def on_compare(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        left, _, right = _value(body).partition("|")
        reply = private_reply(respond)
        guard("action.compare", reply, lambda: reply(*answer_compare(deps, left, right)))

    def on_share(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        value = _value(body)
        user = blocks.user_mention((body.get("user") or {}).get("id"))

        def share() -> None:
            question = value[2:] if value.startswith("q:") else value
            message_blocks, text = answer_question(deps, question)
            if user:
                message_blocks = blocks.fit([blocks.context(f"Shared by {user}"), *message_blocks])
            respond(blocks=message_blocks, text=text, response_type="in_channel", replace_original=False)
            respond(delete_original=True)

        guard("action.share", private_reply(respond), share)

    app.action(_action_pattern(blocks.ACTION_RUN_CHECK))(on_run_check)
    app.action(_action_pattern(blocks.ACTION_SHOW_SERVICE))(on_show_service)
    app.action(_action_pattern(blocks.ACTION_ALTERNATIVE))(on_alternative)
    app.action(_action_pattern(blocks.ACTION_COMPARE))(on_compare)
    app.action(_action_pattern(blocks.ACTION_SHARE))(on_share)
