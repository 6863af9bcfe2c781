"""Assertions shared by the Slack tests: Block Kit limits and what a user can read."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_sdk.models.blocks import Block

from handlers import blockkit as K

LIVE_MENTION = re.compile(r"<[!@]|<#")


def assert_within_limits(message_blocks: list[dict[str, Any]], *, max_blocks: int = K.MAX_BLOCKS_MESSAGE,
                         text_budget: int = K.MESSAGE_TEXT_BUDGET) -> None:
    assert 0 < len(message_blocks) <= max_blocks
    assert K.text_size(message_blocks) <= text_budget
    assert K.json_size(message_blocks) <= K.VIEW_JSON_BUDGET if max_blocks > K.MAX_BLOCKS_MESSAGE \
        else K.json_size(message_blocks) <= K.MESSAGE_JSON_BUDGET
    assert len([b for b in message_blocks if b["type"] == "table"]) <= 1  # Slack takes one table a message
    for block in message_blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.to_dict()  # slack_sdk validates per-element limits here (raises SlackObjectFormationError)
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= K.MAX_SECTION_TEXT
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= K.MAX_HEADER_TEXT
        if block["type"] == "table":
            assert 0 < len(block["rows"]) <= K.MAX_TABLE_ROWS
            assert all(0 < len(row) <= K.MAX_TABLE_CELLS for row in block["rows"])
            assert len({len(row) for row in block["rows"]}) == 1  # every row as wide as the header
        if block["type"] == "context_actions":
            assert 0 < len(block["elements"]) <= K.MAX_CONTEXT_ACTIONS
            for element in block["elements"]:
                for side in ("positive_button", "negative_button"):
                    assert len(element[side]["text"]["text"]) <= K.MAX_BUTTON_TEXT
                    assert K.utf16_len(element[side]["value"]) <= K.MAX_BUTTON_VALUE
        if block["type"] == "actions":
            assert len(block["elements"]) <= K.MAX_ACTION_ELEMENTS
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= K.MAX_BUTTON_TEXT
                assert K.utf16_len(element.get("value", "")) <= K.MAX_BUTTON_VALUE


def visible_text(message_blocks: list[dict[str, Any]]) -> str:
    return "\n".join(K._texts(message_blocks))


def blocks_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    value = payload.get("blocks") or []
    return json.loads(value) if isinstance(value, str) else list(value)
