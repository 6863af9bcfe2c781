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
    for block in message_blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.to_dict()  # slack_sdk validates per-element limits here (raises SlackObjectFormationError)
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= K.MAX_SECTION_TEXT
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= K.MAX_HEADER_TEXT
        if block["type"] == "actions":
            assert len(block["elements"]) <= K.MAX_ACTION_ELEMENTS
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= K.MAX_BUTTON_TEXT
                assert len(element.get("value", "")) <= K.MAX_BUTTON_VALUE


def visible_text(message_blocks: list[dict[str, Any]]) -> str:
    return "\n".join(K._texts(message_blocks))


def blocks_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    value = payload.get("blocks") or []
    return json.loads(value) if isinstance(value, str) else list(value)
