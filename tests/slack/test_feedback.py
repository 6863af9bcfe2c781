"""Right / Wrong on answers, over real HTTP against the fake Slack with signed requests:
clicks are stored and counted (store and /healthz), "wrong" opens a modal whose correction
`demarc feedback export` turns into labelled questions the shared grader accepts."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.feedback import NOT_ANSWERABLE, QUESTION_KEYS, WHOLE_SERVICE
from bot.store.feedback import open_feedback_store
from handlers.feedback_blocks import (
    ACTION_FEEDBACK,
    BLOCK_FEEDBACK,
    NOTE_BLOCK,
    NOTE_INPUT,
    OWNER_BLOCK,
    OWNER_INPUT,
    SERVICE_BLOCK,
    SERVICE_INPUT,
    TOPIC_BLOCK,
    TOPIC_INPUT,
    parse_value,
)
from tests.slack.conftest import CHECK_CHANNEL, Running
from tests.slack.fakes import BOT_USER, TEAM_ID, USER, mention_event, post, sign
from tests.slack.helpers import assert_within_limits, blocks_of

GRADER = Path("/work/shared/tools/grade_questions.py")
DEMARC = Path(sys.executable).with_name("demarc")


def health(running: Running) -> dict[str, int]:
    base = running.url.rsplit("/slack/events", 1)[0]
    with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
        body = json.loads(response.read())
    assert body["ok"] is True
    return dict(body["metrics"])


def control(message_blocks: list[dict[str, Any]]) -> dict[str, Any]:
    [block] = [b for b in message_blocks if b.get("block_id") == BLOCK_FEEDBACK]
    return block


def values_of(block: dict[str, Any]) -> dict[str, str]:
    """verdict -> value, from either shape of the control."""
    if block["type"] == "context_actions":
        [element] = block["elements"]
        assert element["type"] == "feedback_buttons" and element["action_id"] == ACTION_FEEDBACK
        pair = (element["positive_button"]["value"], element["negative_button"]["value"])
    else:
        assert block["type"] == "actions"
        pair = tuple(e["value"] for e in block["elements"])
    out = {}
    for value in pair:
        data = parse_value(value)
        assert data is not None
        out[data["v"]] = value
    return out


def native_click(running: Running, value: str, *, channel: str, message_ts: str, name: str,
                 user: str = USER) -> None:
    """A click on Slack's feedback buttons: block_actions with a feedback_buttons action."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "team_id": TEAM_ID},
        "api_app_id": "A0APP00001",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": "333.444.native",
        "team": {"id": TEAM_ID, "domain": "demarc-test"},
        "channel": {"id": channel, "name": "general"},
        "response_url": running.slack.response_url(name),
        "actions": [{"type": "feedback_buttons", "action_id": ACTION_FEEDBACK, "block_id": BLOCK_FEEDBACK,
                     "value": value, "action_ts": "1700000001.1"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    assert post(running.url, body, "application/x-www-form-urlencoded", sign(body)).status == 200


def submit(running: Running, view: dict[str, Any], *, service: str | None = None, topic: str | None = None,
           owner: str | None = None, note: str = "", user: str = USER) -> Any:
    def select(value: str | None) -> dict[str, Any]:
        option = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
        return {"type": "static_select", "selected_option": option}

    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "demarc-test"},
        "user": {"id": user, "username": "alice", "team_id": TEAM_ID},
        "api_app_id": "A0APP00001",
        "token": "legacy-verification-token",
        "trigger_id": "111.222.def",
        "view": {
            "id": "V0FEEDBACK", "type": "modal", "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": {
                SERVICE_BLOCK: {SERVICE_INPUT: select(service)},
                TOPIC_BLOCK: {TOPIC_INPUT: select(topic)},
                OWNER_BLOCK: {OWNER_INPUT: select(owner)},
                NOTE_BLOCK: {NOTE_INPUT: {"type": "plain_text_input", "value": note}},
            }},
        },
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    result = post(running.url, body, "application/x-www-form-urlencoded", sign(body))
    assert result.status == 200
    return result.json() if result.body else None


def ask(running: Running, question: str, name: str) -> dict[str, str]:
    assert running.command(question, name=name).status == 200
    [reply] = running.slack.wait_count(f"/response/{name}")
    message_blocks = blocks_of(json.loads(reply.raw))
    assert_within_limits(message_blocks)
    block = control(message_blocks)
    assert block["type"] == "actions"  # DEMARC_FEEDBACK=auto: plain buttons on ephemeral answers
    return values_of(block)


def click_wrong(running: Running, value: str, name: str) -> dict[str, Any]:
    before = len(running.slack.of("views.open"))
    assert running.action(ACTION_FEEDBACK + ":1", value, name=name).status == 200
    calls = running.slack.wait_count("views.open", before + 1)
    raw = calls[-1].body["view"]
    view: dict[str, Any] = raw if isinstance(raw, dict) else json.loads(raw)
    assert len(view["private_metadata"]) <= 3000
    return view


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_five_wrong_clicks_export_as_questions_the_grader_accepts(
    start_app: Callable[..., Running], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    state = str(tmp_path / "state.sqlite3")
    running = start_app(env={"DEMARC_STATE": state, "DEMARC_BLOCK_KIT": "2026"})
    before = health(running)

    corrections: list[tuple[str, dict[str, str | None]]] = [
        ("who patches the OS on Fargate?", {"topic": "os-patching", "owner": "aws"}),
        ("who encrypts data in S3?", {"owner": "shared"}),
        ("what am I responsible for on Lambda?", {"topic": WHOLE_SERVICE}),
        ("what is the best pizza in town", {"topic": NOT_ANSWERABLE}),
    ]
    for i, (question, fields) in enumerate(corrections):
        values = ask(running, question, f"q{i}")
        view = click_wrong(running, values["wrong"], f"w{i}")
        assert submit(running, view, **fields, note="seen in review") is None  # closes the modal

    # The fifth through Slack's own feedback buttons, on an answer to a mention.
    assert running.event(mention_event("k8s masters on eks, whose job?"), event_id="EvFB1").status == 200
    [posted] = running.slack.wait_count("chat.postMessage")
    native = control(posted.blocks)
    assert native["type"] == "context_actions"
    # The 2026 layout over the wire: the owner named in words, every layer a row of one table.
    assert_within_limits(posted.blocks)
    [table] = [b for b in posted.blocks if b["type"] == "table"]
    assert len(table["rows"]) == 18  # the header and 17 layers
    assert "AWS" in json.dumps([b for b in posted.blocks if b["type"] == "rich_text"])
    native_click(running, values_of(native)["wrong"], channel="C0GENERAL1", message_ts="1700000000.000100",
                 name="native")
    calls = running.slack.wait_count("views.open", 5)
    raw = calls[-1].body["view"]
    view = raw if isinstance(raw, dict) else json.loads(raw)
    assert submit(running, view, service="eks", topic="control-plane", owner="aws") is None

    # A sixth "wrong" without a correction is counted, and left out of the export.
    values = ask(running, "who runs the kubelet on EKS nodes?", "q9")
    view = click_wrong(running, values["wrong"], "w9")
    assert submit(running, view) is None

    wait_for(lambda: open_feedback_store(state).feedback_counts()["wrong"] == 6)
    store = open_feedback_store(state)
    assert store.feedback_counts() == {"right": 0, "wrong": 6, "corrected": 5}
    for record in store.feedback():
        # Only the click's own context: ids, no payload, no response_url, no trigger.
        assert record.user == USER and record.team == TEAM_ID
        assert record.channel in (CHECK_CHANNEL, "C0GENERAL1")
        blob = record.dumps()
        assert "response" not in blob and "111.222" not in blob and "333.444" not in blob
    after = health(running)
    assert after["feedback_wrong"] - before["feedback_wrong"] == 6
    assert after["feedback_corrections"] - before["feedback_corrections"] == 5
    thanks = running.slack.of("chat.postEphemeral")
    assert len(thanks) == 6 and all(c.body.get("user") == USER for c in thanks)

    out = tmp_path / "feedback.jsonl"
    env = {**os.environ, "DEMARC_STATE": state}
    done = subprocess.run([str(DEMARC), "feedback", "export", "-o", str(out)], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "5 labelled question(s); 1 'wrong' click(s) without a correction left out" in done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5 and all(tuple(r) == QUESTION_KEYS for r in rows)
    by_question = {r["question"]: r for r in rows}
    assert by_question["who patches the OS on Fargate?"] == {
        "question": "who patches the OS on Fargate?", "kind": "cell", "service": "fargate",
        "topic": "os-patching", "owner": "aws", "check": None}
    assert by_question["what is the best pizza in town"]["kind"] == "none"
    assert by_question["what am I responsible for on Lambda?"]["kind"] == "service"
    eks = by_question["k8s masters on eks, whose job?"]
    assert (eks["kind"], eks["service"], eks["topic"], eks["owner"]) == ("cell", "eks", "control-plane", "aws")
    s3 = by_question["who encrypts data in S3?"]
    assert (s3["kind"], s3["service"], s3["owner"]) == ("cell", "s3", "shared")

    if GRADER.is_file():
        graded = subprocess.run(
            [sys.executable, str(GRADER), "--questions", str(out), "--demarc", str(DEMARC)],
            env=env, capture_output=True, text=True, timeout=120,
        )
        assert "5 questions from" in graded.stdout, graded.stdout + graded.stderr
        assert "JSON shape problems: 0" in graded.stdout, graded.stdout
        assert "could not run" not in graded.stdout and "Traceback" not in graded.stderr

    logs = caplog.text
    for question, _ in corrections:
        assert question not in logs
    assert "seen in review" not in logs and "response_url" not in logs


def test_right_clicks_are_counted_in_the_store_and_on_healthz(
    start_app: Callable[..., Running], tmp_path: Path
) -> None:
    state = str(tmp_path / "state.sqlite3")
    running = start_app(env={"DEMARC_STATE": state})
    before = health(running)
    values = ask(running, "who patches the OS on Fargate?", "r0")
    assert running.action(ACTION_FEEDBACK + ":0", values["right"], name="right").status == 200
    [thanks] = running.slack.wait_count("/response/right")
    assert "counted as right" in thanks.raw.decode()
    assert running.slack.of("views.open") == []
    # The same person clicking again on the same answer replaces the vote, never doubles it.
    assert running.action(ACTION_FEEDBACK + ":0", values["right"], name="right2").status == 200
    running.slack.wait_count("/response/right2")
    store = open_feedback_store(state)
    assert store.feedback_counts() == {"right": 1, "wrong": 0, "corrected": 0}
    [record] = store.feedback()
    assert (record.verdict, record.answered.service, record.answered.topic) == ("right", "fargate", "os-patching")
    assert health(running)["feedback_right"] - before["feedback_right"] == 2

    out = tmp_path / "right.jsonl"
    env = {**os.environ, "DEMARC_STATE": state}
    plain = subprocess.run([str(DEMARC), "feedback", "export"], env=env, capture_output=True, text=True, timeout=60)
    assert plain.returncode == 0 and plain.stdout == ""
    done = subprocess.run([str(DEMARC), "feedback", "export", "--include-right", "-o", str(out)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    [row] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert row == {"question": "who patches the OS on Fargate?", "kind": "cell", "service": "fargate",
                   "topic": "os-patching", "owner": "aws", "check": None}
    stats = subprocess.run([str(DEMARC), "feedback", "stats", "--json"], env=env, capture_output=True, text=True,
                           timeout=60)
    assert json.loads(stats.stdout) == {"corrected": 0, "right": 1, "wrong": 0}


def test_a_correction_from_someone_else_is_refused(start_app: Callable[..., Running], tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite3")
    running = start_app(env={"DEMARC_STATE": state})
    values = ask(running, "who encrypts data in S3?", "x0")
    view = click_wrong(running, values["wrong"], "x1")
    refused = submit(running, view, owner="aws", user="U0OTHER001")
    assert refused["response_action"] == "errors"
    wait_for(lambda: open_feedback_store(state).feedback_counts()["wrong"] == 1)
    [record] = open_feedback_store(state).feedback()
    assert record.correction is None


def test_feedback_off_and_native_everywhere(start_app: Callable[..., Running], tmp_path: Path) -> None:
    off = start_app(env={"DEMARC_FEEDBACK": "off", "DEMARC_STATE": str(tmp_path / "a.sqlite3")})
    assert off.command("who patches the OS on Fargate?", name="off").status == 200
    [reply] = off.slack.wait_count("/response/off")
    assert not [b for b in blocks_of(json.loads(reply.raw)) if b.get("block_id") == BLOCK_FEEDBACK]
    off.slack.reset()
    native = start_app(env={"DEMARC_FEEDBACK": "native", "DEMARC_BLOCK_KIT": "classic",
                            "DEMARC_STATE": str(tmp_path / "b.sqlite3")})
    assert native.command("who patches the OS on Fargate?", name="nat").status == 200
    [reply] = native.slack.wait_count("/response/nat")
    message_blocks = blocks_of(json.loads(reply.raw))
    assert control(message_blocks)["type"] == "context_actions"
    assert not [b for b in message_blocks if b["type"] in ("table", "rich_text")]  # the classic layout
    assert_within_limits(message_blocks)
    assert BOT_USER  # the fake's bot is the one answering


def test_a_workspace_that_rejects_the_new_blocks_gets_the_classic_ones(
    start_app: Callable[..., Running], tmp_path: Path
) -> None:
    from tests.slack.fakes import Failure

    running = start_app(env={"DEMARC_BLOCK_KIT": "2026", "DEMARC_STATE": str(tmp_path / "s.sqlite3")})
    running.slack.fail("old", Failure(400, {"Content-Type": "text/plain"}, "invalid_blocks"))
    assert running.command("who patches the OS on Fargate?", name="old").status == 200
    first, second = running.slack.wait_count("/response/old", 2)
    assert {b["type"] for b in blocks_of(json.loads(first.raw))} >= {"table", "rich_text"}
    retried = blocks_of(json.loads(second.raw))
    assert not {"table", "rich_text", "context_actions"} & {b["type"] for b in retried}
    assert_within_limits(retried)
    running.slack.fail("chat.postMessage", Failure(200, {}, '{"ok": false, "error": "invalid_blocks"}'))
    assert running.event(mention_event("who patches the OS on Fargate?"), event_id="EvOld1").status == 200
    posts = running.slack.wait_count("chat.postMessage", 2)
    assert "context_actions" in {b["type"] for b in posts[0].blocks}
    assert not {"table", "rich_text", "context_actions"} & {b["type"] for b in posts[1].blocks}
    assert control(posts[1].blocks)["type"] == "actions"  # Right / Wrong survives as plain buttons
