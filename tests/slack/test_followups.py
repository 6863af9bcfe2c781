"""Follow-ups in a thread and in DMs, over real HTTP against the fake Slack (issue 15, parts 1-2).

A scripted thread: a mention starts it, thread replies that do not mention demarc follow up
(service swap, layer swap, compare then "and there?", a fresh question), and the context
expires after DEMARC_CONTEXT_TTL_SECONDS by the injected clock. Two `demarc serve` processes
sharing one SQLite state file continue each other's threads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answerer
from bot.clock import FixedClock
from handlers.blocks import ACTION_SHARE
from handlers.deps import Deps, Jobs
from tests.slack.conftest import Running, make_settings, response_posts
from tests.slack.fakes import (
    BOT_USER,
    Call,
    FakeCheckIndex,
    FakePosture,
    FakeScanner,
    FakeSlack,
    dm_event,
    event_body,
    post,
    sign,
)
from tests.slack.helpers import assert_within_limits, blocks_of, visible_text
from tests.slack.test_serve import SERVE, _env, _free_port

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "C0GENERAL1"
THREAD = "1700000100.000100"
TTL = 600


@dataclass
class Thread:
    """Sends messages into one channel thread of a running app and reads what demarc posted."""

    url: str
    slack: FakeSlack
    deps: Deps | None = None
    thread_ts: str = THREAD
    channel: str = CHANNEL
    sent: int = 0
    seen: list[Call] = field(default_factory=list)

    def _send(self, event: dict[str, Any]) -> None:
        self.sent += 1
        body = event_body(event, event_id=f"Ev0FOLLOW{os.getpid()}{self.thread_ts[-4:]}{self.sent:04d}")
        assert post(self.url, body, "application/json", sign(body)).status == 200

    def _event(self, text: str, mention: bool) -> dict[str, Any]:
        ts = f"{self.thread_ts[:-6]}{int(self.thread_ts[-6:]) + self.sent + 1:06d}"
        event = {"type": "app_mention" if mention else "message", "user": "U0USER0001", "ts": ts,
                 "channel": self.channel, "event_ts": ts,
                 "text": f"<@{BOT_USER}> {text}" if mention else text}
        if not mention:
            event["channel_type"] = "channel"
        if mention and self.sent == 0:
            event["ts"] = event["event_ts"] = self.thread_ts  # the mention that starts the thread
        else:
            event["thread_ts"] = self.thread_ts
        return event

    def say(self, text: str, *, mention: bool = False) -> str:
        """Send one message and return the text of demarc's reply in the thread."""
        before = len(self._posts())
        self._send(self._event(text, mention))
        calls = self.slack.wait_for(lambda _: len(self._posts()) > before)
        [reply] = self._posts()[before:]
        assert reply.body["thread_ts"] == self.thread_ts and reply.body["channel"] == self.channel
        assert_within_limits(reply.blocks)
        del calls
        return reply.text_blob

    def ignored(self, text: str, *, mention: bool = False, event: dict[str, Any] | None = None) -> None:
        """Send one message and check that demarc posted nothing for it."""
        before = len(self._posts())
        self._send(event or self._event(text, mention))
        deadline = time.monotonic() + 5
        while self.deps is not None and self.deps.answers.pending and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.deps is None:
            time.sleep(0.5)
        assert len(self._posts()) == before, self._posts()[before:][0].text_blob

    def _posts(self) -> list[Call]:
        return [c for c in self.slack.of("chat.postMessage") if c.body.get("channel") == self.channel]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def app_with_clock(
    start_app: Callable[..., Running], slack: FakeSlack, answerer: Answerer, clock: FixedClock, tmp_path: Path
) -> Running:
    settings = make_settings(
        slack.api_url, DEMARC_CONTEXT_TTL_SECONDS=str(TTL), DEMARC_STATE=str(tmp_path / "state.sqlite3")
    )
    deps = Deps(settings=settings, answerer=answerer, scanner=FakeScanner(), check_index=FakeCheckIndex(),
                posture=FakePosture(), jobs=Jobs(1), clock=clock)
    return start_app(deps=deps, env={"DEMARC_CONTEXT_TTL_SECONDS": str(TTL)})


def header(text: str) -> str:
    return text.split("\n", 1)[0]


def test_a_thread_keeps_its_context_through_five_kinds_of_follow_up(
    app_with_clock: Running, slack: FakeSlack, clock: FixedClock
) -> None:
    thread = Thread(app_with_clock.url, slack, app_with_clock.deps)
    first = thread.say("who patches the OS on Fargate?", mention=True)
    assert "AWS Fargate · Operating system" in first

    # 1. Service swap: the layer carries over.
    swapped = thread.say("and on Lambda?")
    assert "AWS Lambda · Operating system" in swapped and "Fargate · " not in swapped
    # 2. Layer swap: the service carries over.
    layer = thread.say("what about encryption?")
    assert "AWS Lambda · Encryption" in layer
    # 3. Compare, then "and there?" keeps both services (and the layer).
    compared = thread.say("compare with fargate")
    assert "AWS Lambda vs AWS Fargate" in compared
    both = thread.say("and there?")
    assert "AWS Lambda · Encryption" in both and "AWS Fargate · Encryption" in both
    # 4. A follow-up naming a service and a layer is a fresh question.
    fresh = thread.say("who encrypts data in S3?")
    assert "Amazon S3 · Encryption" in fresh and "Lambda · " not in fresh
    after_fresh = thread.say("and on EC2?")
    assert "Amazon EC2 · Encryption" in after_fresh

    # Chatter in demarc's thread is not answered; neither is anything in a thread demarc never answered.
    thread.ignored("thanks, that helps")
    thread.ignored("<@U0OTHER001> did you see this?")  # a question, but not one for demarc
    stranger = Thread(app_with_clock.url, slack, app_with_clock.deps, thread_ts="1700000200.000100")
    stranger.sent = 1  # a thread someone else started
    stranger.ignored("and on Lambda?")
    top_level = {"type": "message", "channel_type": "channel", "user": "U0USER0001", "text": "and on Lambda?",
                 "ts": "1700000300.000100", "channel": CHANNEL, "event_ts": "1700000300.000100"}
    thread.ignored("", event=top_level)

    # 5. Expiry: past the TTL the thread is forgotten, by the injected clock.
    clock.advance(seconds=TTL - 1)
    assert "Amazon EC2 · Operating system" in thread.say("what about the OS?")
    clock.advance(seconds=TTL + 1)
    thread.ignored("and on Lambda?")
    forgotten = thread.say("what about encryption?", mention=True)
    assert "could not tell which AWS service" in forgotten


def test_a_mention_in_a_thread_is_answered_once(app_with_clock: Running, slack: FakeSlack) -> None:
    """Slack sends a mention in a thread twice (app_mention and message.channels): one answer."""
    thread = Thread(app_with_clock.url, slack, app_with_clock.deps, thread_ts="1700000400.000100")
    thread.say("who patches the OS on Fargate?", mention=True)
    thread.say("and on Lambda?", mention=True)
    as_message = thread._event("and on Lambda?", mention=False) | {"text": f"<@{BOT_USER}> and on Lambda?"}
    thread.ignored("", event=as_message)


def test_several_questions_in_one_message_are_answered_in_order(app_with_clock: Running, slack: FakeSlack) -> None:
    thread = Thread(app_with_clock.url, slack, app_with_clock.deps, thread_ts="1700000500.000100")
    text = thread.say("Does ECS patch the host, and who owns the task role?", mention=True)
    first, second = text.index("Amazon ECS (EC2 launch type) · Operating system"), text.index(
        "Amazon ECS (EC2 launch type) · Identity and access management")
    assert first < second
    many = thread.say("who patches EC2? who encrypts S3? who owns IAM on Lambda? who logs on RDS?")
    assert "Amazon EC2 · " in many and "Amazon S3 · " in many and "AWS Lambda · " in many
    assert "at most 3 questions" in many and "who logs on RDS?" in many


def test_a_dm_is_one_conversation(app_with_clock: Running, slack: FakeSlack) -> None:
    url = app_with_clock.url
    for n, text in enumerate(("who patches the OS on Fargate?", "and on Lambda?")):
        event = dm_event(text, ts=f"1700000600.00010{n}")
        body = event_body(event, event_id=f"Ev0FOLLOWDM{n}")
        assert post(url, body, "application/json", sign(body)).status == 200
        slack.wait_for(lambda _, n=n: len(slack.of("chat.postMessage")) > n)
    answers = [c.text_blob for c in slack.of("chat.postMessage")]
    assert "AWS Fargate · Operating system" in answers[0] and "AWS Lambda · Operating system" in answers[1]


# ---------------------------------------------------------------------- two processes, one store


@pytest.fixture
def two_servers(slack: FakeSlack, tmp_path: Path) -> Iterator[tuple[str, str]]:
    state = tmp_path / "shared-state.sqlite3"
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(SERVE, env=_env(slack, PORT=str(port), DEMARC_STATE=str(state)), cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for port in ports
    ]
    try:
        for proc, port in zip(procs, ports, strict=True):
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
        yield f"http://127.0.0.1:{ports[0]}/slack/events", f"http://127.0.0.1:{ports[1]}/slack/events"
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_two_serve_processes_sharing_one_state_file_continue_each_others_threads(
    two_servers: tuple[str, str], slack: FakeSlack
) -> None:
    first_url, second_url = two_servers
    thread = Thread(first_url, slack, thread_ts="1700000700.000100")
    assert "AWS Fargate · Operating system" in thread.say("who patches the OS on Fargate?", mention=True)
    thread.url = second_url  # the follow-up lands on the other replica
    assert "AWS Lambda · Operating system" in thread.say("and on Lambda?")
    thread.url = first_url
    assert "AWS Lambda · Encryption" in thread.say("what about encryption?")


def test_a_slash_command_with_two_questions_answers_both_and_shares_both(running: Running, slack: FakeSlack) -> None:
    question = "Does ECS patch the host, and who owns the task role?"
    running.command(question, name="multi")
    slack.wait_count("/response/multi")
    [reply] = response_posts(slack, "multi")
    text = visible_text(blocks_of(reply))
    assert text.index("· Operating system") < text.index("· Identity and access management")
    assert_within_limits(blocks_of(reply))
    values = [e["value"] for b in blocks_of(reply) if b["type"] == "actions" for e in b["elements"]
              if e["action_id"].split(":")[0] == ACTION_SHARE]
    assert values and set(values) == {f"q:{question}"}
    block_ids = [b["block_id"] for b in blocks_of(reply) if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))  # Slack refuses a message with a repeated block_id
    running.action(ACTION_SHARE, values[0], name="shared")
    slack.wait_count("/response/shared")
    shared = response_posts(slack, "shared")[0]
    assert shared["response_type"] == "in_channel"
    assert "· Identity and access management" in visible_text(blocks_of(shared))


def test_several_questions_in_the_2026_layout_fit_one_message(
    start_app: Callable[..., Running], slack: FakeSlack
) -> None:
    running = start_app(env={"DEMARC_BLOCK_KIT": "2026"})
    running.command("who patches EC2? who encrypts S3? who owns IAM on Lambda? who logs on RDS?", name="modern")
    slack.wait_count("/response/modern")
    [reply] = response_posts(slack, "modern")
    message_blocks = blocks_of(reply)
    assert_within_limits(message_blocks)
    block_ids = [b["block_id"] for b in message_blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    text = json.dumps(message_blocks)
    assert "Amazon EC2" in text and "Amazon S3" in text and "AWS Lambda" in text and "who logs on RDS?" in text
