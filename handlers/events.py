"""Events: a mention is answered in its thread, a direct message in the DM, a follow-up in a
thread demarc answered in (handlers/replies.py keeps each conversation's context), App Home on open.

On a server, Bolt acknowledges events before these listeners run (process_before_response is
False) and the answer goes to a small pool, so its Web API call never delays the ack. On AWS
Lambda (`lazy=True`) each answer is a Bolt lazy listener, run by a second invocation of the
function; events that need no answer are matched by a cheaper ack-only listener instead, so
they never cost that second invocation. Event retries are dropped earlier, by handlers/dedupe.py.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import replies
from handlers.blockkit import downgrade, has_new_blocks
from handlers.common import guard
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

    def answer_in(
        where: str, event: dict[str, Any], client: WebClient, thread_ts: Any, key: str, *, only_follow_ups: bool = False
    ) -> None:
        """Answer the event's text in its channel (and thread), after the ack, with the context of
        conversation `key` (handlers/replies.py)."""
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

        def work() -> None:
            message = replies.answer_in_conversation(deps, text, key, only_follow_ups=only_follow_ups)
            if message is not None:
                reply(*message)

        text = str(event.get("text") or "")
        # A thread reply nobody asked demarc about gets no apology either: it was not for demarc.
        pool.submit(lambda: guard(where, None if only_follow_ups else reply, work))

    def answer_mention(event: dict[str, Any], client: WebClient, context: BoltContext | None = None) -> None:
        if not is_person_mention(event):
            return
        thread_ts = event.get("thread_ts") or event.get("ts")
        team = context.team_id if context is not None else None
        key = replies.conversation_key(team, str(event.get("channel") or ""), str(thread_ts or ""))
        answer_in("event.app_mention", event, client, thread_ts, key)

    def answer_message(event: dict[str, Any], client: WebClient, context: BoltContext | None = None) -> None:
        # Everything but a person's own message is acknowledged and ignored.
        channel = str(event.get("channel") or "")
        team = context.team_id if context is not None else None
        if is_person_dm(event):
            # A reply in a DM thread stays in that thread; otherwise the answer goes in the DM.
            key = replies.conversation_key(team, channel, None)
            answer_in("event.message.im", event, client, event.get("thread_ts"), key)
        elif replies.is_thread_reply(event) and not replies.mentions_bot(event, context):
            # A mention in a thread also arrives as app_mention: answered there, not twice.
            key = replies.conversation_key(team, channel, str(event.get("thread_ts")))
            answer_in("event.message.thread", event, client, event.get("thread_ts"), key, only_follow_ups=True)

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
        app.event("message", matchers=[is_person_dm])(ack=ack_event, lazy=[answer_message])
        app.event("message", matchers=[replies.is_thread_reply])(ack=ack_event, lazy=[answer_message])
        app.event("message")(ack_event)
        app.event("app_home_opened", matchers=[is_home_tab])(ack=ack_event, lazy=[publish_home_tab])
        app.event("app_home_opened")(ack_event)
        return

    app.event("app_mention")(answer_mention)
    app.event("message")(answer_message)
    app.event("app_home_opened")(publish_home_tab)
