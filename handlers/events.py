"""Events: a mention is answered in its thread, a direct message in the DM, App Home on open.

On a server, Bolt acknowledges events before these listeners run (process_before_response is
False) and the answer goes to a small pool, so its Web API call never delays the ack. On AWS
Lambda (`lazy=True`) each answer is a Bolt lazy listener, run by a second invocation of the
function; events that need no answer are matched by a cheaper ack-only listener instead, so
they never cost that second invocation. Event retries are dropped earlier, by handlers/dedupe.py.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blockkit import downgrade, has_new_blocks
from handlers.common import answer_question, guard
from handlers.deps import INLINE, Deps
from handlers.home import publish_home


def is_person_dm(event: dict[str, Any]) -> bool:
    """A person's own new message in a DM with demarc; not an edit, not a bot (not demarc itself)."""
    return event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")


def is_person_mention(event: dict[str, Any]) -> bool:
    """A mention written by a person: not by another bot or an app, and not by demarc itself
    (whose messages carry its `bot_id`), so two bots can never answer each other in a loop."""
    return (
        not event.get("bot_id")
        and not event.get("bot_profile")
        and event.get("subtype") not in ("bot_message", "message_changed", "message_deleted")
        and bool(event.get("user"))
    )


def is_home_tab(event: dict[str, Any]) -> bool:
    return bool(event.get("tab", "home") == "home")


def ack_event(ack: Ack) -> None:
    """Events need an empty 200 and nothing else; any answer comes later."""
    ack()


def register(app: App, deps: Deps, *, lazy: bool = False) -> None:
    pool = INLINE if lazy else deps.answers

    def answer_in(where: str, event: dict[str, Any], client: WebClient, thread_ts: Any) -> None:
        """Answer the event's text in its channel (and thread), after the ack."""
        channel = str(event.get("channel") or "")

        def reply(message_blocks: list[dict[str, Any]], text: str) -> object:
            try:
                return client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=message_blocks, text=text)
            except SlackApiError as exc:
                error = exc.response.get("error") if exc.response is not None else None
                if error != "invalid_blocks" or not has_new_blocks(message_blocks):
                    raise
                # A workspace or client that does not take tables, rich text or feedback buttons yet.
                return client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=downgrade(message_blocks),
                                               text=text)

        text = str(event.get("text") or "")
        pool.submit(lambda: guard(where, reply, lambda: reply(*answer_question(deps, text, surface="message"))))

    def answer_mention(event: dict[str, Any], client: WebClient) -> None:
        if not is_person_mention(event):
            return
        answer_in("event.app_mention", event, client, event.get("thread_ts") or event.get("ts"))

    def answer_dm(event: dict[str, Any], client: WebClient) -> None:
        # Everything but a person's own message is acknowledged and ignored.
        if is_person_dm(event):
            # A reply in a DM thread stays in that thread; otherwise the answer goes in the DM.
            answer_in("event.message.im", event, client, event.get("thread_ts"))

    def publish_home_tab(event: dict[str, Any], client: WebClient) -> None:
        if not is_home_tab(event):
            return
        user = str(event.get("user") or "")
        assert deps.home_published is not None
        if not user or not deps.home_published.first(user):
            return  # published for this user within the last minute: the tab still shows it
        pool.submit(lambda: guard("event.app_home_opened", None, lambda: publish_home(deps, client, user)))

    if lazy:
        # First match wins: the answering listener, then an ack-only one for everything else.
        app.event("app_mention", matchers=[is_person_mention])(ack=ack_event, lazy=[answer_mention])
        app.event("app_mention")(ack_event)
        app.event("message", matchers=[is_person_dm])(ack=ack_event, lazy=[answer_dm])
        app.event("message")(ack_event)
        app.event("app_home_opened", matchers=[is_home_tab])(ack=ack_event, lazy=[publish_home_tab])
        app.event("app_home_opened")(ack_event)
        return

    app.event("app_mention")(answer_mention)
    app.event("message")(answer_dm)
    app.event("app_home_opened")(publish_home_tab)
