"""Conversations in Slack: mentions, DMs and thread replies answered with their thread's context.

The core decides (`bot.conversation`: follow-ups, several questions in one message); this
module only finds the conversation's key, loads and saves its `Context` through
`deps.conversation_store()` (`bot.store.context`, shared by replicas and Lambda containers),
and renders the turn as one Slack message.

Keys: `<team>:<channel>:<thread ts>` for a channel thread (a mention starts one at its own
`ts`), `<team>:<channel>` for a DM, so every DM is one conversation whether or not it uses
threads. A thread reply that does not mention demarc is answered only when its thread has a
context (demarc answered there within `DEMARC_CONTEXT_TTL_SECONDS`) and it reads as a
question or a follow-up; anything else in a channel is never answered.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.catalogue import Catalogue
from bot.conversation import MAX_QUESTIONS, Context, Reply, Turn, answer_message, looks_like_follow_up
from handlers import blockkit, blocks
from handlers.blockkit import Block, context, divider, fit
from handlers.common import RenderOne, modern, render_one_answer
from handlers.deps import Deps


def conversation_key(team: str | None, channel: str, thread_ts: str | None) -> str:
    """The conversation a message belongs to: its channel thread, or the whole DM."""
    parts = [team or "-", channel]
    if thread_ts and not channel.startswith("D"):
        parts.append(thread_ts)
    return ":".join(parts)


def is_thread_reply(event: dict[str, Any]) -> bool:
    """A person's reply in a channel thread (message.channels / message.groups): not a bot, not
    an edit, not a top-level message. Whether demarc answers it is decided after the ack."""
    return (
        event.get("channel_type") in ("channel", "group")
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(event.get("thread_ts"))
        and event.get("thread_ts") != event.get("ts")
    )


def mentions_bot(event: dict[str, Any], context: Any) -> bool:
    """Whether the message mentions demarc (then its app_mention event answers it)."""
    bot_user = getattr(context, "bot_user_id", None) if context is not None else None
    text = str(event.get("text") or "")
    return f"<@{bot_user}>" in text if bot_user else "<@" in text


def answer_in_conversation(
    deps: Deps, raw_text: str, key: str, *, only_follow_ups: bool = False
) -> tuple[list[Block], str] | None:
    """Blocks for a message in conversation `key`, its context loaded before and saved after.

    With `only_follow_ups` (a thread reply that does not mention demarc), None unless the
    thread is one demarc answered in and the message reads as a question to it.
    """
    question, truncated = blockkit.clean_question(raw_text)
    store = deps.conversation_store()
    before = store.load(key)
    if only_follow_ups and (before is None or not looks_like_follow_up(question)):
        return None
    turn = answer_message(deps.answerer, question, before)
    if only_follow_ups and all(_unanswered(reply) for reply in turn.replies):
        return None  # "did you see this?" in demarc's thread was for someone else: no "I could not tell"
    # Saved even when nothing matched: the thread stays one demarc answers follow-ups in.
    store.save(key, turn.context or before or _EMPTY)
    return render_turn(
        deps.answerer.catalogue,
        turn,
        lambda answer: render_one_answer(deps, answer, turn.text, truncated=truncated, surface="message"),
        modern=modern(deps),
    )


def render_turn(
    catalogue: Catalogue, turn: Turn, render_one: RenderOne, *, modern: bool = False
) -> tuple[list[Block], str]:
    """One message for a whole turn: a single answer exactly as `render_one` draws it (the one
    place that knows how an answer looks: `handlers.common.render_one_answer`); several
    (questions, or services after a comparison) one after another, each with its own buttons,
    the per-service breakdown left out, and a line naming the questions skipped."""
    parts: list[tuple[list[Block], str]] = []
    alone = len(turn.replies) == 1 and not turn.skipped  # a comparison on its own may be a table (2026)
    for reply in turn.replies:
        if reply.comparison is not None:
            parts.append(blocks.render_comparison(catalogue, reply.comparison, modern=modern and alone))
        parts.extend(render_one(answer) for answer in reply.answers)
    if len(parts) == 1 and not turn.skipped:
        return parts[0]
    body: list[Block | None] = []
    tail: list[Block | None] = []
    texts: list[str] = []
    for index, (part_blocks, text) in enumerate(parts):
        if index:
            body.append(divider())
        dropped_table = False
        for block in part_blocks:
            if len(parts) > 1 and (_is_breakdown(block) or (dropped_table and block.get("type") == "context")):
                # Slack takes one table a message, and three breakdowns would drown the answers.
                dropped_table = block.get("type") == "table"
                continue
            dropped_table = False
            block = copy.deepcopy(block)
            if "block_id" in block:
                block["block_id"] = f"{block['block_id']}_{index + 1}" if index else block["block_id"]
            body.append(block)
        texts.append(text)
    if turn.skipped:
        listed = "; ".join(f"“{blockkit.neutralise(blockkit.clip(q.strip(), 120))}”" for q in turn.skipped)
        note = f"I answer at most {MAX_QUESTIONS} questions a message; ask again for: {listed}"
        tail.append(context(f":scissors: {note}"))
        texts.append(note)
    return fit(body, tail=tail), blockkit.fallback_text(" / ".join(texts))


def _unanswered(reply: Reply) -> bool:
    """A fresh reading that matched nothing and names no check: not a question demarc can take."""
    return reply.comparison is None and all(a.get("match") is None and not a.get("check") for a in reply.answers)


def _is_breakdown(block: Block) -> bool:
    """The per-service breakdown of an answer: its heading and its section (classic) or table (2026)."""
    if block.get("type") == "table":
        return True
    text = block.get("text")
    return isinstance(text, dict) and str(text.get("text", "")).startswith("*Who owns what on ")


_EMPTY = Context()
