"""Buttons on answers: run the related check, show the whole service, compare, pick an
alternative, share an ephemeral answer in the channel.

Each listener acks first (the HTTP response goes back as soon as ack() is called), then works;
on AWS Lambda (`lazy=True`) the work is a Bolt lazy listener, run by a second invocation.
Follow-ups are ephemeral to the person who clicked, except check results and Share, which are
meant for the channel. The channel allowlist is enforced here too: a button on an answer in a
DM or an unlisted channel gets the same refusal as the slash command, and no AWS call.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers import blockkit, blocks
from handlers.authorize import Asker, refusal
from handlers.common import (
    answer_cell,
    answer_compare,
    answer_question,
    checks_allowed,
    guard,
    resolve_checks,
    run_checks,
    start_scan,
)
from handlers.deps import INLINE, Deps, Pool
from handlers.respond import reliable


def _action_pattern(action_id: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(action_id)}(:\d+)?$")


def _value(body: dict[str, Any]) -> str:
    acts = body.get("actions") or [{}]
    return str(acts[0].get("value") or "")


def _channel(body: dict[str, Any]) -> str | None:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return str(channel) if channel else None


def ack_action(ack: Ack) -> None:
    """On Lambda the ack of a button is an empty 200; the lazy listener does the rest."""
    ack()


def register(app: App, deps: Deps, *, lazy: bool = False) -> None:
    jobs: Pool = INLINE if lazy else deps.jobs

    def private_reply(respond: Respond) -> Any:
        def reply(message_blocks: list[dict[str, Any]], text: str) -> object:
            return respond(blocks=message_blocks, text=text, response_type="ephemeral", replace_original=False)

        return reply

    def public_reply(respond: Respond) -> Any:
        def reply(message_blocks: list[dict[str, Any]], text: str) -> object:
            return respond(blocks=message_blocks, text=text, response_type="in_channel", replace_original=False)

        return reply

    def run_check(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        channel = _channel(body)
        private = private_reply(respond)
        target = _value(body)
        asker = Asker.from_action(body)
        if not checks_allowed(deps, channel):
            deps.auth.channel_allowed(asker, f"check {target}", "button")  # the audit line
            private(*blocks.check_refusal(channel))
            return
        decision = deps.auth.decide(client, asker, f"check {target}", "button")
        if not decision.allowed:
            private(*refusal(decision, channel))  # zero AWS calls
            return

        def start() -> None:
            ids = resolve_checks(deps, target)
            public = public_reply(respond)
            who = blockkit.user_mention((body.get("user") or {}).get("id"))
            notice = f"Running `{blockkit.escape_code(target)}` for {who or 'you'}…"
            start_scan(
                deps, channel, private, jobs,
                lambda: guard("action.run_check", public, lambda: run_checks(deps, ids, target, public)),
                before=lambda: public(*blocks.render_notice(notice, emoji=":hourglass_flowing_sand:")),
            )

        guard("action.run_check", private, start)

    def show_service(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        reply = private_reply(respond)
        guard("action.show_service", reply, lambda: reply(*answer_cell(deps, _value(body), None)))

    def alternative(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        service, _, topic = _value(body).partition("|")
        reply = private_reply(respond)
        guard("action.alternative", reply, lambda: reply(*answer_cell(deps, service, topic or None)))

    def compare(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        left, _, right = _value(body).partition("|")
        reply = private_reply(respond)
        guard("action.compare", reply, lambda: reply(*answer_compare(deps, left, right)))

    def share(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        value = _value(body)
        user = blockkit.user_mention((body.get("user") or {}).get("id"))

        def post_shared() -> None:
            question = value[2:] if value.startswith("q:") else value
            # No Run-check buttons in the channel: every reader could click them.
            message_blocks, text = answer_question(deps, question, run_checks=False, surface="message")
            if user:
                message_blocks = blockkit.fit([blockkit.context(f"Shared by {user}"), *message_blocks])
            posted = respond(blocks=message_blocks, text=text, response_type="in_channel", replace_original=False)
            if getattr(posted, "status_code", 200) != 200:
                # The private answer is all the user has: keep it, and say the share failed.
                respond(**_notice("I could not share that answer in the channel; your private copy is kept."))
                return
            respond(delete_original=True)

        guard("action.share", private_reply(respond), post_shared)

    def attach(action_id: str, bare: Callable[[dict[str, Any], Respond, WebClient], None]) -> None:
        """Ack first, then `work`: in the same listener on a server, in a lazy listener on Lambda.

        `respond` becomes a Responder (handlers/respond.py): retried, with a Web API fallback."""

        @functools.wraps(bare)
        def work(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            bare(body, reliable(respond, body, client), client)

        if lazy:
            app.action(_action_pattern(action_id))(ack=ack_action, lazy=[work])
            return

        def listener(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            ack()
            deps.answers.submit(
                lambda: guard(f"action.{action_id}", private_reply(respond), lambda: work(body, respond, client))
            )

        app.action(_action_pattern(action_id))(listener)

    attach(blocks.ACTION_RUN_CHECK, run_check)
    attach(blocks.ACTION_SHOW_SERVICE, show_service)
    attach(blocks.ACTION_ALTERNATIVE, alternative)
    attach(blocks.ACTION_COMPARE, compare)
    attach(blocks.ACTION_SHARE, share)


def _notice(text: str) -> dict[str, Any]:
    message_blocks, fallback = blocks.render_notice(text, emoji=":warning:")
    return {"blocks": message_blocks, "text": fallback, "response_type": "ephemeral", "replace_original": False}
