"""No input crashes the matcher, and every answer keeps the contract's shape."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import Answerer
from bot.catalogue import OWNERS

SLACKISH = st.sampled_from(
    [
        "<!channel>",
        "<@U024BE7LH>",
        "<#C123|general>",
        "<https://x.y|link>",
        "&amp;",
        "&lt;",
        ":fire:",
        "`",
        "\x00",
        "\u202e",
        "🔥",
        "who",
        "patches",
        "fargate",
        "s3",
        "bucket",
        "os",
        "?",
        "\n",
        " ",
    ]
)


def assert_shape(answer: dict[str, object], question: str) -> None:
    assert answer["question"] == question
    json.dumps(answer)
    match = answer["match"]
    if match is None:
        return
    assert isinstance(match, dict)
    assert isinstance(match["score"], float) and 0 <= match["score"] <= 100
    breakdown = answer["breakdown"]
    assert isinstance(breakdown, dict) and set(breakdown) == set(OWNERS)
    if match["topic"] is not None:
        assert match["owner"] in OWNERS and match["topic"] in breakdown[match["owner"]]
        assert match["summary"] and match["sources"]
    else:
        assert match["owner"] is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_unicode_text(answerer: Answerer, question: str) -> None:
    assert_shape(answerer.answer(question), question)


@settings(max_examples=200, deadline=None)
@given(st.lists(SLACKISH, max_size=40).map("".join))
def test_slack_markup_soup(answerer: Answerer, question: str) -> None:
    assert_shape(answerer.answer(question), question)


def test_huge_input_is_answered(answerer: Answerer) -> None:
    question = "who patches the OS on Fargate? " + "lorem ipsum " * 200_000
    answer = answerer.answer(question)
    assert answer["match"]["service"] == "fargate"


def test_control_characters(answerer: Answerer) -> None:
    question = "who\x00 patches\x1b[31m the OS\r\n on\t Fargate\x7f?"
    answer = answerer.answer(question)
    assert answer["match"]["topic"] == "os-patching"


def test_names_ending_in_a_digit_take_a_plural() -> None:
    from bot.text import stem

    assert stem("m5s") == "m5" and stem("ec2s") == "ec2"
    assert stem("k8s") == "k8s"  # a name, not a plural


def test_a_setting_is_not_the_verb_set() -> None:
    from bot.text import stem

    assert stem("settings") == stem("setting") == "setting"
    assert stem("set") == "set" and stem("sets") == "set"  # "patch set", "who sets it" name no settings
