""""Show the picture": the layer-stack diagram of an answer or a comparison, uploaded into its thread.

The button (handlers.blocks.ACTION_SHOW_PICTURE) carries the service ids, `|`-separated. The
listener acks first, draws with bot.diagram (matplotlib, imported only now) and uploads the PNG
with files upload v2 (`files:write`): into the message's thread, or, for an answer only its
asker could see (ephemeral, outside a thread), into the conversation with a note of who asked.
Without matplotlib the clicker gets one line saying what to install.
"""

from __future__ import annotations

import logging
from collections.abc import Container
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.errors import DemarcError
from handlers import blockkit, blocks
from handlers.actions import ack_action
from handlers.common import guard
from handlers.deps import Deps
from handlers.slack_client import slack_problem

log = logging.getLogger(__name__)


def services_of(value: str, known: Container[str]) -> list[str]:
    """The service ids in a button value, known ones only, at most four, in order."""
    ids = [part.strip() for part in value.split("|") if part.strip()]
    return [s for s in dict.fromkeys(ids) if s in known][:4]


def thread_of(body: dict[str, Any]) -> str | None:
    """The thread to upload into: the message's thread, else the message itself unless it is ephemeral."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    thread = container.get("thread_ts") or message.get("thread_ts")
    if thread:
        return str(thread)
    if container.get("is_ephemeral"):
        return None
    ts = container.get("message_ts") or message.get("ts")
    return str(ts) if ts else None


def upload_picture(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    from bot.diagram import draw

    catalogue = deps.answerer.catalogue
    acts = body.get("actions") or [{}]
    services = services_of(str(acts[0].get("value") or ""), catalogue.services)
    if not services:
        raise DemarcError("I do not know which service to draw any more (the catalogue changed); ask again.")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if not channel:
        raise DemarcError("I cannot tell which conversation to put the picture in.")
    picture = draw(catalogue, services)
    thread = thread_of(body)
    who = blockkit.user_mention((body.get("user") or {}).get("id"))
    names = " vs ".join(catalogue.services[s].name for s in services)
    try:
        client.files_upload_v2(
            channel=str(channel),
            thread_ts=thread,
            content=picture.data,
            filename=f"srm-{'-'.join(services)}.png",
            title=f"Shared responsibility: {names}",
            alt_txt=picture.alt_text(catalogue),
            initial_comment=None if thread else f"The picture {who or 'someone'} asked for: {names}",
        )
    except Exception as exc:
        log.warning("pictures: upload failed: %s", slack_problem(exc))
        raise DemarcError(
            f"I could not upload the picture ({slack_problem(exc)}). The app needs the files:write scope and "
            "to be in this conversation; `demarc diagram` draws it locally."
        ) from exc


def register(app: App, deps: Deps, *, lazy: bool = False) -> None:
    def reply_to(respond: Respond) -> Any:
        def reply(message_blocks: list[dict[str, Any]], text: str) -> object:
            return respond(blocks=message_blocks, text=text, response_type="ephemeral", replace_original=False)

        return reply

    def work(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        guard("action.show_picture", reply_to(respond), lambda: upload_picture(deps, client, body))

    pattern = blocks.action_pattern(blocks.ACTION_SHOW_PICTURE)
    if lazy:
        app.action(pattern)(ack=ack_action, lazy=[work])
        return

    def listener(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        deps.answers.submit(lambda: work(body, client, respond))

    app.action(pattern)(listener)
