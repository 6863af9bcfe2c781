"""The posted blocks stay inside Slack's limits with thousands of findings."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.checks.model import AccountReport
from bot.clock import FixedClock
from bot.posture import run_posture
from bot.posture.render import render_text
from bot.posture.summary import PostureSummary
from handlers.blockkit import (
    MAX_BLOCKS_MESSAGE,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    MESSAGE_JSON_BUDGET,
    MESSAGE_TEXT_BUDGET,
    json_size,
    text_size,
)
from handlers.posture.blocks import (
    failure_blocks,
    main_message,
    thread_messages,
)
from tests.posture.helpers import DAY1, DAY2, report, scan_of, settings

CHECKS = ["open-ports", "s3-encryption", "s3-public-access", "iam-user-mfa", "ebs-encryption", "rds-public"]


def assert_within_limits(blocks: list[dict[str, Any]]) -> None:
    # The same three limits handlers.blockkit.fit holds every other message to.
    assert 0 < len(blocks) <= MAX_BLOCKS_MESSAGE
    assert text_size(blocks) <= MESSAGE_TEXT_BUDGET
    assert json_size(blocks) <= MESSAGE_JSON_BUDGET
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]  # slack_sdk's own limits
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_TEXT


def big_report(total: int, account: str = "111122223333") -> AccountReport:
    spec: dict[str, list[tuple[str, str]]] = {c: [] for c in CHECKS}
    for i in range(total):
        check = CHECKS[i % len(CHECKS)]
        spec[check].append((f"arn:aws:iam::{account}:resource/a-rather-long-resource-name-{i:06d}", "us-east-1"))
    return report(spec, account=account)


def summary_of(state: str, *reports: AccountReport, before: tuple[AccountReport, ...] = ()) -> PostureSummary:
    cfg = settings(state)
    if before:
        run_posture(cfg, scan=scan_of(*before), clock=FixedClock(DAY1))
    return run_posture(cfg, scan=scan_of(*reports), clock=FixedClock(DAY2)).summary


def test_five_thousand_findings_fit_and_all_reach_the_thread(state_file: str) -> None:
    summary = summary_of(state_file, big_report(5000), before=(big_report(2500),))
    assert len(summary.accounts[0].new) == 2500
    blocks, overflow = main_message(summary, day="2026-11-23", mention="<!subteam^S0SEC>")
    assert overflow
    assert_within_limits(blocks)
    text = json.dumps(blocks)
    assert "New since" in text and "resource-name-" in text  # names resources, not only totals
    messages = thread_messages(summary)
    for message in messages:
        assert_within_limits(message)
    listed = "".join(json.dumps(m) for m in messages)
    assert listed.count("`arn:aws:iam::111122223333:resource/a-rather-long-resource-name-") == 5000
    assert render_text(summary).count("a-rather-long-resource-name-") >= 5000


def test_many_accounts_are_listed_compactly(state_file: str) -> None:
    reports = [big_report(50, account=f"{i:012d}") for i in range(40)]
    blocks, overflow = main_message(summary_of(state_file, *reports), day="2026-11-23")
    assert overflow
    assert_within_limits(blocks)


def test_few_findings_are_all_named_without_a_thread(state_file: str) -> None:
    summary = summary_of(
        state_file, report({"open-ports": [("sg-1", "us-east-1")], "s3-encryption": [("b", "global")]})
    )
    blocks, overflow = main_message(summary, day="2026-11-23")
    assert not overflow
    assert_within_limits(blocks)


def test_text_from_aws_cannot_mention_anyone(state_file: str) -> None:
    summary = summary_of(state_file, report({"s3-encryption": [("<!channel> & <@U123>", "global")]}))
    text = json.dumps(main_message(summary, day="d")[0])
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text


def test_failure_blocks_fit_even_with_a_huge_reason() -> None:
    blocks = failure_blocks("x" * 10_000, day="2026-11-23")
    assert_within_limits(blocks)
    assert "not an all-clear" in json.dumps(blocks)


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("blocks")


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    counts=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=8),
    name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300),
)
def test_any_summary_fits(state_dir: Path, counts: list[int], name: str) -> None:
    reports = []
    for index, count in enumerate(counts):
        spec = {
            CHECKS[i % len(CHECKS)]: [(f"{name}-{j}", "us-east-1") for j in range(count)] for i in range(index % 3 + 1)
        }
        reports.append(report(spec, account=f"{index:012d}"))
    summary = run_posture(
        settings(str(state_dir / f"{uuid.uuid4().hex}.db")), scan=scan_of(*reports), clock=FixedClock(DAY2)
    ).summary
    blocks, _ = main_message(summary, day="2026-11-23", mention="<!subteam^S0SEC>")
    assert_within_limits(blocks)
    for message in thread_messages(summary):
        assert_within_limits(message)
