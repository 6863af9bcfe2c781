"""Events: a mention is answered in its thread, a direct message in the DM, App Home on open.

Bolt acknowledges events before these listeners run (process_before_response is False), so
the answer's Web API call never delays the ack. Event retries are dropped earlier, by
handlers/dedupe.py.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.common import answer_question, guard
from handlers.deps import Deps
from handlers.home import publish_home


def register(app: App, deps: Deps) -> None:
    def on_mention(event: dict[str, Any], client: WebClient) -> None:
        channel = str(event.get("channel") or "")
        thread_ts = event.get("thread_ts") or event.get("ts")

        def reply(message_blocks: list[dict[str, Any]], text: str) -> object:
            return client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=message_blocks, text=text)

        text = str(event.get("text") or "")
        deps.answers.submit(lambda: guard("event.app_mention", reply, lambda: reply(*answer_question(deps, text))))

    def on_message(event: dict[str, Any], client: WebClient) -> None:
        # Only a person's own new message in a DM with demarc; everything else is acknowledged and ignored.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        channel = str(event.get("channel") or "")
        thread_ts = event.get("thread_ts")  # a reply in a DM thread stays in that thread

        def reply(message_blocks: list[dict[str, Any]], text: str) -> object:
            return client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=message_blocks, text=text)

        text = str(event.get("text") or "")
        deps.answers.submit(lambda: guard("event.message.im", reply, lambda: reply(*answer_question(deps, text))))

    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = str(event.get("user") or "")
        deps.answers.submit(lambda: guard("event.app_home_opened", None, lambda: publish_home(deps, client, user)))

    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.event("app_home_opened")(on_home_opened)
