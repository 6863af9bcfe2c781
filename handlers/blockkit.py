"""The one Block Kit toolkit: Slack's limits, escaping, primitives, and fitting a message.

Every Slack surface (answers, comparisons, check reports, help, App Home, the posture
summary) builds its blocks from these, so there is one set of Slack's limits and one idea
of "fits in a message". Two rules hold for everything built with it:

- User text is *data*, never markup: it is unescaped from Slack's wire form for matching,
  then re-escaped (`&`, `<`, `>`) before it goes back into mrkdwn, and broadcast words
  (`@channel`, `@here`, `@everyone`) are broken with a zero-width space, so nobody can make
  demarc ping a channel.
- Slack's limits are enforced, not hoped for: `fit()` clips every element to its documented
  maximum and trims whole blocks (with a "… and N more" line) until the message fits in
  the block count and the text and JSON budgets, whatever the catalogue or a scan holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

Block = dict[str, Any]

# --------------------------------------------------------------------------- limits

MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_ACTION_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
#: context_actions: at most 5 elements (feedback buttons, icon buttons).
MAX_CONTEXT_ACTIONS = 5
#: table: at most 100 rows (the header row included) of at most 20 cells; one table a message.
MAX_TABLE_ROWS = 100
MAX_TABLE_CELLS = 20
#: Characters per table cell demarc writes (Slack's own cap is larger).
MAX_TABLE_CELL_TEXT = 500
#: Slack rejects a message whose blocks hold more than about 12-13k characters of text in
#: total (`msg_blocks_too_long`, undocumented); stay well inside it.
MESSAGE_TEXT_BUDGET = 10_000
VIEW_TEXT_BUDGET = 24_000
#: A hard cap on the serialised blocks, whatever the text count says.
MESSAGE_JSON_BUDGET = 32_000
VIEW_JSON_BUDGET = 64_000
#: The `text` fallback (notifications, screen readers); `msg_too_long` starts near 4,000.
MAX_FALLBACK_TEXT = 2900

ELLIPSIS = "…"

# --------------------------------------------------------------------------- escaping

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
#: Questions longer than this are cut before matching and echoing.
MAX_QUESTION = 4000

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def escape(text: str) -> str:
    """Make arbitrary text safe inside mrkdwn: no live mentions, links or broadcasts."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


#: Bidirectional controls (embeddings, overrides, isolates, marks) that can make echoed text
#: read differently from what was typed.
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
#: Characters that start mrkdwn formatting (bold, italic, strike, code, quote).
_MARKDOWN = re.compile(r"([*_~`>])")
#: A bare URL or domain-looking word Slack would turn into a link.
_BARE_URL = re.compile(r"(?i)\b((?:https?|ftp|mailto|slack):|www\.|[a-z0-9-]+\.(?=[a-z]{2,}\b))")


def neutralise(text: str) -> str:
    """User text for a public line (the "Asked:" echo): escaped, bidirectional controls
    removed, mrkdwn formatting and bare URLs defused, so it reads exactly as typed and
    renders as plain words (no bold, no link preview, no reordered text)."""
    text = _BIDI.sub("", text)
    text = escape(text)
    text = _MARKDOWN.sub(lambda m: m.group(1) + "\u200b", text)

    def defuse(m: re.Match[str]) -> str:
        whole = m.group(0)
        return whole[:-1] + "\u200b" + whole[-1]

    return _BARE_URL.sub(defuse, text)


def utf16_len(text: str) -> int:
    """Length as Slack counts it: UTF-16 code units (characters outside the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


def clip_utf16(text: str, limit: int) -> str:
    """Cut to at most `limit` UTF-16 code units, never splitting a character."""
    if utf16_len(text) <= limit:
        return text
    out, used = [], 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > limit:
            break
        out.append(char)
        used += size
    return "".join(out)


def escape_code(text: str) -> str:
    """Escape text that goes inside `code` (backticks would close the span)."""
    return escape(text).replace("`", "'")


def unescape_slack(text: str) -> str:
    """Turn Slack's wire form of a user's message into plain text for the matcher.

    `<@U123>` and `<!channel>` become nothing (they are not part of the question), links
    become their label, and `&amp;`/`&lt;`/`&gt;` become the characters the user typed.
    """

    def link(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith(("@", "!", "#")):
            return label or ""
        return label or target

    text = _SLACK_LINK.sub(link, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clean_question(text: str) -> tuple[str, bool]:
    """The plain question, whitespace collapsed and capped; `True` when it was cut."""
    plain = " ".join(unescape_slack(text or "").split())
    if len(plain) > MAX_QUESTION:
        return plain[:MAX_QUESTION], True
    return plain, False


def clip(text: str, limit: int) -> str:
    """Cut to `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def user_mention(user_id: str | None) -> str:
    """A mention of a real user id from a payload (never from user text), else ''."""
    return f"<@{user_id}>" if user_id and _USER_ID.match(user_id) else ""


# --------------------------------------------------------------------------- primitives


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(clip(text, MAX_HEADER_TEXT))}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts if t]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(clip(text, MAX_BUTTON_TEXT)),
        "action_id": action_id,
        "value": clip_utf16(value, MAX_BUTTON_VALUE),
    }
    if style:
        element["style"] = style
    return element


def actions(elements: Sequence[dict[str, Any]], block_id: str | None = None) -> Block | None:
    """An actions block, or None when there is nothing to press.

    Buttons in one block need distinct action ids, so each gets a numeric suffix;
    handlers match the prefix.
    """
    if not elements:
        return None
    numbered = []
    for i, element in enumerate(elements[:MAX_ACTION_ELEMENTS]):
        numbered.append({**element, "action_id": f"{element['action_id']}:{i}"})
    block: Block = {"type": "actions", "elements": numbered}
    if block_id:
        block["block_id"] = block_id
    return block


def lines_within(lines: Sequence[str], limit: int, noun: str = "more") -> str:
    """Join as many whole lines as fit in `limit`, then say how many were left out."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        line = clip(line, limit - 40)
        rest = len(lines) - i - 1
        tail = len(f"\n{ELLIPSIS} and {rest} {noun}") if rest else 0
        if used + len(line) + 1 + tail > limit:
            out.append(f"{ELLIPSIS} and {len(lines) - i} {noun}")
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


# --------------------------------------------------------------------------- Block Kit of 2026
#
# Table and rich-text blocks (https://docs.slack.dev/reference/block-kit/blocks/table-block,
# .../rich-text-block), modelled by slack_sdk's TableBlock and RichTextBlock. Rich text is
# literal: Slack does not read mrkdwn, links or mentions in a `text` element, so it needs no
# escaping; angle brackets and broadcast words are still defused, so copying the text
# elsewhere can never ping anyone either. The classic section layout stays the fallback
# (DEMARC_BLOCK_KIT=classic).


def literal(text: str) -> str:
    """Text for a rich-text or table cell: shown as typed, never a mention or broadcast."""
    text = _BIDI.sub("", text).replace("<", "\u2039").replace(">", "\u203a")
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


def rt_text(text: str, *, bold: bool = False, italic: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "text", "text": literal(text)}
    style = {k: True for k, on in (("bold", bold), ("italic", italic)) if on}
    if style:
        element["style"] = style
    return element


def rt_emoji(name: str) -> dict[str, Any]:
    return {"type": "emoji", "name": name.strip(":")}


def rich_text(*sections: Sequence[dict[str, Any]], block_id: str | None = None) -> Block:
    """A rich_text block of `rich_text_section`s, each a list of rt_text/rt_emoji elements."""
    block: Block = {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": list(e)} for e in sections if e],
    }
    if block_id:
        block["block_id"] = block_id
    return block


def raw_cell(text: str) -> dict[str, Any]:
    return {"type": "raw_text", "text": clip(literal(text), MAX_TABLE_CELL_TEXT) or " "}


def rich_cell(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": list(elements)}]}


def table(rows: Sequence[Sequence[dict[str, Any]]], *, wrap: Sequence[bool] = (), block_id: str | None = None) -> Block:
    """A table block: the first row is the header; rows and cells cut to Slack's maxima."""
    block: Block = {
        "type": "table",
        "rows": [list(row[:MAX_TABLE_CELLS]) for row in rows[:MAX_TABLE_ROWS]],
    }
    if wrap:
        block["column_settings"] = [{"is_wrapped": w} for w in wrap[:MAX_TABLE_CELLS]]
    if block_id:
        block["block_id"] = block_id
    return block


# --------------------------------------------------------------------------- limits


def _clip_text_object(obj: dict[str, Any], limit: int) -> dict[str, Any]:
    return {**obj, "text": clip(str(obj.get("text", "")), limit)}


def clip_block(block: Block) -> Block:
    """Clip one block's elements to their documented maxima."""
    kind = block.get("type")
    block = dict(block)
    if kind == "section":
        if "text" in block:
            block["text"] = _clip_text_object(block["text"], MAX_SECTION_TEXT)
        if "fields" in block:
            block["fields"] = [_clip_text_object(f, MAX_FIELD_TEXT) for f in block["fields"][:MAX_FIELDS]]
    elif kind == "header":
        block["text"] = _clip_text_object(block["text"], MAX_HEADER_TEXT)
    elif kind == "context":
        block["elements"] = [
            _clip_text_object(e, MAX_SECTION_TEXT) if "text" in e else e
            for e in block["elements"][:MAX_CONTEXT_ELEMENTS]
        ]
    elif kind == "actions":
        elements = []
        for e in block["elements"][:MAX_ACTION_ELEMENTS]:
            e = dict(e)
            if e.get("type") == "button":
                e["text"] = _clip_text_object(e["text"], MAX_BUTTON_TEXT)
                e["value"] = clip_utf16(str(e.get("value", "")), MAX_BUTTON_VALUE)
                e["action_id"] = clip(str(e["action_id"]), MAX_ACTION_ID)
            elements.append(e)
        block["elements"] = elements
    elif kind == "context_actions":
        block["elements"] = list(block["elements"][:MAX_CONTEXT_ACTIONS])
    elif kind == "table":
        block["rows"] = [list(row[:MAX_TABLE_CELLS]) for row in block["rows"][:MAX_TABLE_ROWS]]
    return block


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def text_size(blocks: Sequence[Block]) -> int:
    """Characters of text in the blocks, the quantity behind `msg_blocks_too_long`."""
    return sum(len(t) for t in _texts(list(blocks)))


def json_size(blocks: Sequence[Block]) -> int:
    return len(json.dumps(list(blocks), ensure_ascii=False))


def fit(
    blocks: Sequence[Block | None],
    *,
    tail: Sequence[Block | None] = (),
    max_blocks: int = MAX_BLOCKS_MESSAGE,
    text_budget: int = MESSAGE_TEXT_BUDGET,
    json_budget: int = MESSAGE_JSON_BUDGET,
    noun: str = "more",
) -> list[Block]:
    """Clip every block and drop trailing body blocks until the whole fits Slack's limits.

    `tail` (the buttons) is kept whole; body blocks are dropped from the end, and a context
    line says how many were left out, so the user always sees that there is more.
    """
    body = [clip_block(b) for b in blocks if b]
    end = [clip_block(b) for b in tail if b]

    def fits(candidate: list[Block]) -> bool:
        return (
            len(candidate) <= max_blocks and text_size(candidate) <= text_budget and json_size(candidate) <= json_budget
        )

    if fits(body + end):
        return body + end
    dropped = 0
    while body:
        body.pop()
        dropped += 1
        note = context(f"_{ELLIPSIS} and {dropped} {noun} (too long for one Slack message)_")
        if fits([*body, note, *end]):
            return [*body, note, *end]
    # Even the tail does not fit (it cannot, by construction, but never send a bad message).
    return [context(f"_{ELLIPSIS} too long for one Slack message_")]


def fallback_text(text: str) -> str:
    """The `text` that goes with blocks (notifications), escaped and capped."""
    return clip(text, MAX_FALLBACK_TEXT)


# --------------------------------------------------------------------------- answers


# --------------------------------------------------------------------------- the classic fallback

#: Block types a workspace or client may not take yet (Slack answers `invalid_blocks`).
NEW_BLOCK_TYPES = frozenset({"table", "rich_text", "context_actions"})


def has_new_blocks(blocks: Sequence[Block] | None) -> bool:
    return any(b.get("type") in NEW_BLOCK_TYPES for b in blocks or ())


def _rich_mrkdwn(elements: Iterable[dict[str, Any]]) -> str:
    """Rich-text elements as mrkdwn: text escaped (it was literal), bold and italic kept."""
    out = []
    for e in elements:
        if e.get("type") == "emoji":
            out.append(f":{e.get('name', '')}:")
        elif e.get("type") == "text":
            text = escape(str(e.get("text", "")))
            style = e.get("style") or {}
            if text.strip() and style.get("bold"):
                text = f"*{text}*"
            if text.strip() and style.get("italic"):
                text = f"_{text}_"
            out.append(text)
        elif "elements" in e:
            out.append(_rich_mrkdwn(e["elements"]))
    return "".join(out)


def _cell_mrkdwn(cell: dict[str, Any]) -> str:
    if cell.get("type") == "rich_text":
        return _rich_mrkdwn(cell.get("elements") or [])
    return escape(str(cell.get("text", "")))


def downgrade(blocks: Sequence[Block]) -> list[Block]:
    """The same message in classic blocks only: a table becomes lines of a section, rich text a
    mrkdwn section, the feedback buttons two plain buttons (same action id and values)."""
    out: list[Block] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "table":
            rows = block.get("rows") or []
            lines = [" · ".join(_cell_mrkdwn(c) for c in row) for row in rows[1:]]
            head = " · ".join(f"*{_cell_mrkdwn(c)}*" for c in rows[0]) if rows else ""
            out.append(section(head + "\n" + lines_within(lines, MAX_SECTION_TEXT - len(head) - 40, "more rows")))
        elif kind == "rich_text":
            text = "\n".join(_rich_mrkdwn(e.get("elements") or []) for e in block.get("elements") or [])
            out.append(section(clip(text, MAX_SECTION_TEXT) or " "))
        elif kind == "context_actions":
            elements = []
            for e in block.get("elements") or []:
                if e.get("type") == "feedback_buttons":
                    for side in ("positive_button", "negative_button"):
                        b = e[side]
                        elements.append(button(str(b["text"]["text"]), str(e.get("action_id") or ""), str(b["value"])))
            new = actions(elements, block_id=block.get("block_id"))
            if new:
                out.append(new)
        else:
            out.append(block)
    split = len(out)
    while split and out[split - 1].get("type") == "actions":
        split -= 1  # the buttons stay whole, as fit() keeps them
    return fit(out[:split], tail=out[split:])
