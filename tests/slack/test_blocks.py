"""Block Kit rendering as plain functions: limits under hostile catalogues and scans, escaping."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import build_answer
from bot.catalogue import Catalogue, Cell, CheckInfo, Service, Topic
from bot.checks.model import AccountReport, CheckResult, Finding
from bot.logs import REDACTED, Redactor, configure_logging
from bot.matcher import Candidate, MatchResult
from handlers import blockkit as K
from handlers import blocks as B
from tests.slack.fakes import sample_report
from tests.slack.helpers import LIVE_MENTION, assert_within_limits, visible_text


def huge_catalogue(topics: int = 300) -> Catalogue:
    """A catalogue nobody should write: hundreds of topics, very long names and summaries."""
    owners = ("aws", "customer", "shared")
    topic_map = {
        f"t{i:03d}": Topic(f"t{i:03d}", f"Topic {i} " + "x" * 200 + " <!channel> &", "", i, (), ())
        for i in range(topics)
    }
    cells = {
        tid: Cell("big", tid, owners[i % 3], "S" * 5000 + " <@U123>", tuple(f"https://e.com/{j}" for j in range(40)))
        for i, tid in enumerate(topic_map)
    }
    service = Service("big", "Big " + "N" * 400, "x", 1, (), (), ("big2",), "Z" * 8000, ("https://e.com",), cells)
    service2 = Service("big2", "Other " + "M" * 400, "x", 1, (), (), (), "", (), cells)
    checks = {
        f"c{i}": CheckInfo(f"c{i}", "big", "t000", "Check title " + "T" * 300, "high", (), (), "fix " * 400)
        for i in range(40)
    }
    teams = {tid: "@team-" + "q" * 300 for tid in topic_map}
    return Catalogue(topic_map, {"big": service, "big2": service2}, checks, teams, {}, {})


def test_huge_catalogue_answer_fits_slack_limits() -> None:
    catalogue = huge_catalogue()
    alternatives = tuple(Candidate("big", f"t{i:03d}", 50.0) for i in range(1, 40))
    result = MatchResult("big", "t000", 40.0, None, alternatives)  # low confidence
    answer = build_answer(catalogue, "q" * 10_000, result)
    message, text = B.render_answer(catalogue, answer, shareable=True, share_value="q:" + "q" * 5000)
    assert_within_limits(message)
    rendered = visible_text(message)
    assert "Low confidence" in rendered
    assert f"{K.ELLIPSIS} and" in rendered  # the breakdown says what it left out
    assert message[-1]["type"] == "actions"  # buttons survive trimming
    assert len(text) <= K.MAX_FALLBACK_TEXT
    assert not LIVE_MENTION.search(rendered.replace("<https://", ""))


def test_whole_service_answer_of_huge_catalogue() -> None:
    catalogue = huge_catalogue()
    answer = build_answer(catalogue, "everything", MatchResult("big", None, 100.0, None, whole_service=True))
    message, _ = B.render_answer(catalogue, answer)
    assert_within_limits(message)


def test_thousands_of_findings_fit_and_say_how_many_more() -> None:
    results = [
        CheckResult(f"check-{c}", "s3", "data",
                    [Finding(f"res-{c}-{i}-" + "r" * 80, "us-east-1", "detail <!here> " + "d" * 200)
                     for i in range(2000)], "err " * 500 if c % 3 == 0 else None)
        for c in range(60)
    ]
    report = AccountReport("123456789012", ["us-east-1"] * 30, results)
    message, _ = B.render_check_reports(huge_catalogue(), [report, report], requested="<!channel> all")
    assert_within_limits(message)
    text = visible_text(message)
    assert "more findings" in text and "too long for one Slack message" in text
    assert "<!here>" not in text and "<!channel>" not in text


def test_small_report_is_whole(catalogue: Catalogue) -> None:
    message, text = B.render_check_reports(catalogue, [sample_report(3)])
    rendered = visible_text(message)
    assert "bucket-00002" in rendered and "more" not in rendered
    assert "123456789012: 2 of 3 need attention" in text
    # errors first, then failures, passes summarised
    order = [b["text"]["text"] for b in message if b["type"] == "section"]
    assert "cloudtrail" in order[0] and "s3-public-access" in order[1]


def test_home_view_with_huge_posture_summary() -> None:
    posture = [K.section("line " + "p" * 2900) for _ in range(300)]
    view = B.render_home(huge_catalogue(), posture, check_channels=["C0CHECKS01"])
    assert_within_limits(view["blocks"], max_blocks=K.MAX_BLOCKS_VIEW, text_budget=K.VIEW_TEXT_BUDGET)


def test_escape_and_unescape() -> None:
    assert K.escape("a & <b> <!channel>") == "a &amp; &lt;b&gt; &lt;!channel&gt;"
    assert "@channel" not in K.escape("hey @channel and @HERE")
    assert K.unescape_slack("<@U1> who &amp; <https://x.y|link> <!here> &lt;3") == " who & link  <3"
    question, cut = K.clean_question("x" * 5000)
    assert cut and len(question) == K.MAX_QUESTION


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=3000))
def test_any_text_renders_safely(text: str) -> None:
    from bot.answer import default_answerer

    answerer = default_answerer()
    question, truncated = K.clean_question(text)
    message, fallback = B.render_answer(answerer.catalogue, answerer.answer(question), truncated=truncated)
    assert_within_limits(message)
    rendered = visible_text(message) + fallback
    assert not LIVE_MENTION.search(rendered.replace("<https://", "").replace("<http://", ""))


def test_clip_and_lines_within() -> None:
    assert K.clip("abcdef", 4) == "abc…"
    out = K.lines_within([f"line {i}" for i in range(1000)], 100, "more")
    assert len(out) <= 100 and out.endswith("more")


# ---------------------------------------------------------------------------- logs


def test_redactor_masks_tokens_and_secrets() -> None:
    redact = Redactor(["my-signing-secret-value"])
    line = "xoxb-123-456-abc xapp-1-A1-2-ff xoxp-9-9 Bearer xoxe.xoxp-1-x my-signing-secret-value"
    out = redact(line)
    for secret in ("xoxb-123", "xapp-1", "xoxp-9", "my-signing-secret-value"):
        assert secret not in out
    assert out.count(REDACTED) >= 4


def test_json_lines_logging_never_writes_a_token() -> None:
    stream = io.StringIO()
    handler = configure_logging("DEBUG", secrets=["sekrit-signing-123"], stream=stream)
    try:
        log = logging.getLogger("demarc.test")
        log.info("token %s", "xoxb-1111-2222-abcdefghijk", extra={"event_id": "Ev1", "secret": "sekrit-signing-123"})
        try:
            raise ValueError("failed with xapp-1-A111-2222-abcdef")
        except ValueError:
            log.exception("boom")
        logging.getLogger("slack_sdk.web").debug("headers: {'Authorization': 'Bearer xoxb-1-2-3'}")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    entries: list[dict[str, Any]] = [json.loads(line) for line in lines]
    assert entries[0]["event_id"] == "Ev1" and entries[0]["level"] == "info"
    blob = stream.getvalue()
    assert "xoxb-" not in blob and "xapp-" not in blob and "sekrit-signing-123" not in blob
