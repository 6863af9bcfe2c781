"""The Right / Wrong control, the correction modal and the Block Kit of 2026 as plain
functions: Slack's documented shapes, slack_sdk's models, and Slack's limits."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block, ContextActionsBlock, FeedbackButtonsElement, RichTextBlock, TableBlock
from slack_sdk.models.views import View

from bot.answer import Answerer, build_answer
from bot.compare import compare
from bot.feedback import Answered
from bot.matcher import MatchResult
from handlers import blockkit as K
from handlers import blocks as B
from handlers.feedback_blocks import (
    ACTION_FEEDBACK,
    MAX_OPTIONS,
    control_for,
    correction_modal,
    feedback_block,
    feedback_value,
    parse_value,
)
from tests.slack.helpers import LIVE_MENTION, assert_within_limits, visible_text
from tests.slack.test_blocks import huge_catalogue

QUESTION = "who patches the OS on Fargate?"


def test_native_control_is_slacks_documented_context_actions_shape(answerer: Answerer) -> None:
    answer = answerer.answer(QUESTION)
    block = feedback_block("native", answer, QUESTION, "message")
    assert block is not None
    # https://docs.slack.dev/reference/block-kit/blocks/context-actions-block: feedback_buttons
    # with positive_button / negative_button, each {text: plain_text, value}.
    assert block["type"] == "context_actions" and set(block) == {"type", "block_id", "elements"}
    [element] = block["elements"]
    assert set(element) == {"type", "action_id", "positive_button", "negative_button"}
    assert element["type"] == "feedback_buttons" and element["action_id"] == ACTION_FEEDBACK
    for side, verdict in (("positive_button", "right"), ("negative_button", "wrong")):
        assert set(element[side]) == {"text", "accessibility_label", "value"}
        assert element[side]["text"]["type"] == "plain_text"
        data = parse_value(element[side]["value"])
        assert data is not None and data["v"] == verdict and data["q"] == QUESTION
        assert (data["k"], data["s"], data["t"], data["o"]) == ("cell", "fargate", "os-patching", "aws")
    # slack_sdk models it: parsed, validated and serialised back to the same dict.
    parsed = Block.parse(block)
    assert isinstance(parsed, ContextActionsBlock) and isinstance(parsed.elements[0], FeedbackButtonsElement)
    assert parsed.to_dict() == block


def test_plain_control_and_the_surface_rule(answerer: Answerer) -> None:
    answer = answerer.answer(QUESTION)
    block = feedback_block("buttons", answer, QUESTION, "ephemeral")
    assert block is not None and block["type"] == "actions"
    assert [json.loads(e["value"])["v"] for e in block["elements"]] == ["right", "wrong"]
    assert feedback_block("off", answer, QUESTION, "message") is None
    assert feedback_block("native", answer, "   ", "message") is None
    assert control_for("auto", "message") == "native" and control_for("auto", "ephemeral") == "buttons"
    assert control_for("buttons", "message") == "buttons" and control_for("native", "ephemeral") == "native"


def test_a_long_question_is_cut_to_fit_the_value(answerer: Answerer) -> None:
    question = ("😀\"\\" * 3000)[:4000]
    value = feedback_value("wrong", answerer.answer(question), question, "message")
    assert K.utf16_len(value) <= K.MAX_BUTTON_VALUE
    data = parse_value(value)
    assert data is not None and question.startswith(data["q"]) and len(data["q"]) > 300
    assert parse_value("not json") is None and parse_value('{"v": "maybe", "q": "x"}') is None


def test_answers_with_feedback_stay_within_limits(answerer: Answerer) -> None:
    catalogue = huge_catalogue()
    answer = build_answer(catalogue, "q" * 10_000, MatchResult("big", "t000", 40.0, None, ()))
    for modern in (False, True):
        for control in ("native", "buttons"):
            message, _ = B.render_answer(catalogue, answer, modern=modern,
                                         feedback=feedback_block(control, answer, "q" * 4000, "message"))
            assert_within_limits(message)
            assert message[-1]["block_id"] == "demarc_feedback"  # the control survives trimming


def test_the_correction_modal_fits_slacks_view_limits(answerer: Answerer) -> None:
    catalogue = huge_catalogue()
    services = [(f"s{i}", "Service " + "n" * 200) for i in range(300)]
    topics = [(t, catalogue.topics[t].title) for t in catalogue.topic_order]
    value = feedback_value("wrong", answerer.answer(QUESTION), "x" * 4000, "message")
    view = correction_modal(record_id="f" * 32, value=value, channel="C0CHANNEL1", user="U0USER0001",
                            question="<!channel> " + "x" * 4000, answered=Answered("cell", "s5", "t001", "aws"),
                            services=services, topics=topics)
    assert len(view["private_metadata"]) <= 3000 and len(view["blocks"]) <= K.MAX_BLOCKS_VIEW
    for block in view["blocks"]:
        element = block.get("element") or {}
        groups = element.get("option_groups", [{"options": element.get("options", [])}])
        for group in groups:
            assert len(group["options"]) <= MAX_OPTIONS
            assert all(len(o["text"]["text"]) <= 75 for o in group["options"])
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= K.MAX_SECTION_TEXT and "<!channel>" not in block["text"]["text"]
    View(**view).to_dict()  # slack_sdk validates the view (title length, blocks, options)
    real = correction_modal(record_id="f" * 32, value=value, channel=None, user=None, question=QUESTION,
                            answered=Answered("cell", "fargate", "os-patching", "aws"),
                            services=[(s.id, s.name) for s in answerer.catalogue.services.values()],
                            topics=[(t, answerer.catalogue.topics[t].title) for t in answerer.catalogue.topic_order])
    [service] = [b for b in real["blocks"] if b.get("block_id") == "fb_service"]
    assert service["element"]["initial_option"]["value"] == "fargate"
    # Past 100 services, every one of them can still be picked, from alphabetical groups.
    offered = [o["value"] for g in service["element"]["option_groups"] for o in g["options"]]
    assert sorted(offered) == sorted(answerer.catalogue.services)
    View(**real).to_dict()


def _types(message: list[dict[str, Any]]) -> list[str]:
    return [b["type"] for b in message]


def test_2026_answer_has_a_table_breakdown_and_rich_text_summary(answerer: Answerer) -> None:
    answer = answerer.answer(QUESTION)
    modern, fallback_modern = B.render_answer(answerer.catalogue, answer, modern=True)
    classic, fallback_classic = B.render_answer(answerer.catalogue, answer)
    assert_within_limits(modern) and assert_within_limits(classic)  # type: ignore[func-returns-value]
    assert "table" in _types(modern) and "rich_text" in _types(modern)
    assert "table" not in _types(classic) and "rich_text" not in _types(classic)
    assert fallback_modern == fallback_classic  # the notification text does not change
    [table] = [b for b in modern if b["type"] == "table"]
    assert isinstance(Block.parse(table), TableBlock)
    header, *rows = table["rows"]
    assert [c["text"] for c in header] == ["Layer", "Owner"]
    assert len(rows) == sum(len(v) for v in answer["breakdown"].values())
    marked = [r for r in rows if "\u25c0" in json.dumps(r, ensure_ascii=False)]
    assert len(marked) == 1 and "Operating system" in json.dumps(marked[0])
    [summary] = [b for b in modern if b["type"] == "rich_text"]
    assert isinstance(Block.parse(summary), RichTextBlock)
    text = visible_text([summary])
    assert "Owner: " in text and "AWS" in text and answer["match"]["summary"][:40] in text
    whole, _ = B.render_answer(answerer.catalogue, answerer.answer("what am I responsible for on Lambda?"),
                               modern=True)
    assert_within_limits(whole)
    assert "it depends on the layer" in visible_text(whole)


def test_2026_comparison_is_a_table_with_a_classic_twin(answerer: Answerer) -> None:
    comparison = compare(answerer.catalogue, "ec2", "lambda")
    modern, _ = B.render_comparison(answerer.catalogue, comparison, modern=True)
    classic, _ = B.render_comparison(answerer.catalogue, comparison)
    assert_within_limits(modern) and assert_within_limits(classic)  # type: ignore[func-returns-value]
    [table] = [b for b in modern if b["type"] == "table"]
    assert [c["text"] for c in table["rows"][0]] == ["Layer", "Amazon EC2", "AWS Lambda"]
    assert len(table["rows"]) == len(comparison.differences) + 1
    assert "Where the line differs" in visible_text(modern) and "Where the line differs" in visible_text(classic)


def test_2026_huge_catalogue_fits_and_says_what_it_left_out() -> None:
    catalogue = huge_catalogue()
    answer = build_answer(catalogue, "everything", MatchResult("big", "t000", 100.0, None, ()))
    message, _ = B.render_answer(catalogue, answer, modern=True)
    assert_within_limits(message)
    rendered = visible_text(message)
    assert f"{K.ELLIPSIS} and" in rendered and "more layers" in rendered
    assert not LIVE_MENTION.search(rendered.replace("<https://", ""))
    comparison = compare(catalogue, "big", "big2")
    assert_within_limits(B.render_comparison(catalogue, comparison, modern=True)[0])


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=2000))
def test_any_text_renders_safely_in_2026_blocks_with_feedback(text: str) -> None:
    from bot.answer import default_answerer

    answerer = default_answerer()
    question, truncated = K.clean_question(text)
    answer = answerer.answer(question)
    message, fallback = B.render_answer(answerer.catalogue, answer, truncated=truncated, modern=True,
                                        feedback=feedback_block("native", answer, question, "message"))
    assert_within_limits(message)
    rendered = visible_text(message) + fallback
    assert not LIVE_MENTION.search(rendered.replace("<https://", "").replace("<http://", ""))


def test_downgrade_turns_2026_blocks_into_classic_ones(answerer: Answerer) -> None:
    answer = answerer.answer(QUESTION)
    modern, _ = B.render_answer(answerer.catalogue, answer, modern=True,
                                feedback=feedback_block("native", answer, QUESTION, "message"))
    classic = K.downgrade(modern)
    assert_within_limits(classic)
    assert not K.has_new_blocks(classic) and K.has_new_blocks(modern)
    text = visible_text(classic)
    assert "*AWS*" in text and "Operating system" in text and "*Layer* · *Owner*" in text
    [control] = [b for b in classic if b.get("block_id") == "demarc_feedback"]
    assert control["type"] == "actions" and [parse_value(e["value"])["v"] for e in control["elements"]] == [  # type: ignore[index]
        "right", "wrong"]
    comparison, _ = B.render_comparison(answerer.catalogue, compare(answerer.catalogue, "ec2", "lambda"), modern=True)
    assert_within_limits(K.downgrade(comparison))
    huge = huge_catalogue()
    big = build_answer(huge, "q", MatchResult("big", "t000", 100.0, None, ()))
    assert_within_limits(K.downgrade(B.render_answer(huge, big, modern=True)[0]))
