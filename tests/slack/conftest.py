"""Fixtures: a fake Slack Web API on loopback and the real demarc app served by handlers/server.py."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answerer
from bot.config import Settings, load_settings
from handlers.app import build_app
from handlers.deps import Deps, Jobs
from handlers.server import HttpServer
from tests.slack.fakes import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_ID,
    FakeCheckIndex,
    FakePosture,
    FakeScanner,
    FakeSlack,
    HttpResult,
    action_body,
    command_body,
    event_body,
    post,
    sign,
)

CHECK_CHANNEL = "C0CHECKS01"
#: Answers remember each thread's context in the state store: never the developer's own one.
#: Named by process, not random: the test modules import this file a second time as
#: ``tests.slack.conftest``, and both copies must share (and remove) one directory. It is made
#: on first use, so xdist's controller, which imports this file but runs no test, makes none.
_STATE_DIR = Path(tempfile.gettempdir()) / f"demarc-slack-state-{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def _remove_state_dir() -> Iterator[None]:
    """The state files are the run's own: leave no directory behind in the machine's /tmp."""
    yield
    shutil.rmtree(_STATE_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _quick_server_error_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Server errors are still retried the same number of times, without seconds of back-off
    per test (429s keep their real, capped Retry-After waits: the tests measure those)."""
    from handlers import slack_client

    monkeypatch.setattr(slack_client, "SERVER_ERROR_BACKOFF", 0.01)


def make_settings(api_url: str, **env: str) -> Settings:
    base = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DEMARC_CHECK_CHANNELS": CHECK_CHANNEL,
        "PORT": "3000",
        # Tests run several scans in one channel; the cool-down has its own test.
        "DEMARC_SCAN_COOLDOWN": "0",
        # These tests read the classic layout's mrkdwn; the 2026 layout (tables, rich text, the
        # default) has its own tests (test_feedback.py, test_feedback_blocks.py).
        "DEMARC_BLOCK_KIT": "classic",
    }
    base.update(env)
    # One state file per app: no test sees another's thread contexts.
    _STATE_DIR.mkdir(mode=0o700, exist_ok=True)
    base.setdefault("DEMARC_STATE", str(_STATE_DIR / f"state-{uuid.uuid4().hex}.sqlite3"))
    return load_settings({k: v for k, v in base.items() if v})


@dataclass
class Running:
    """The real app on a real port, plus what it was built with."""

    url: str
    deps: Deps
    scanner: FakeScanner
    posture: FakePosture
    slack: FakeSlack
    server: HttpServer

    def command(self, text: str, *, channel: str = CHECK_CHANNEL, name: str = "cmd", user: str = "U0USER0001",
                team: str = TEAM_ID) -> HttpResult:
        body = command_body(text, channel=channel, response_url=self.slack.response_url(name), user=user, team=team)
        return post(self.url, body, "application/x-www-form-urlencoded", sign(body))

    def event(self, event: dict[str, Any], *, event_id: str, retry: int | None = None) -> HttpResult:
        body = event_body(event, event_id=event_id)
        headers = sign(body)
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return post(self.url, body, "application/json", headers)

    def action(self, action_id: str, value: str, *, channel: str = CHECK_CHANNEL, name: str = "act",
               ephemeral: bool = True, user: str = "U0USER0001", team: str = TEAM_ID) -> HttpResult:
        body = action_body(action_id, value, response_url=self.slack.response_url(name), channel=channel,
                           ephemeral=ephemeral, user=user, team=team)
        return post(self.url, body, "application/x-www-form-urlencoded", sign(body))


@pytest.fixture
def start_app(slack: FakeSlack, answerer: Answerer) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(*, scanner: FakeScanner | None = None, env: dict[str, str] | None = None,
              deps: Deps | None = None) -> Running:
        settings = make_settings(slack.api_url, **(env or {}))
        scanner = scanner or FakeScanner()
        posture = FakePosture()
        deps = deps or Deps(
            settings=settings, answerer=answerer, scanner=scanner, check_index=FakeCheckIndex(),
            posture=posture, jobs=Jobs(2),
        )
        app = build_app(settings, deps, verify_token=True)
        server = HttpServer(app, host="127.0.0.1", port=0, threads=16)
        server.start_in_thread()
        running = Running(f"http://127.0.0.1:{server.port}/slack/events", deps, scanner, posture, slack, server)
        started.append(running)
        return running

    yield start
    for running in started:
        running.server.stop(timeout=2)
        running.deps.shutdown(wait=True)


@pytest.fixture
def running(start_app: Callable[..., Running]) -> Running:
    return start_app()


def response_posts(slack: FakeSlack, name: str = "cmd") -> list[dict[str, Any]]:
    return [json.loads(c.raw) for c in slack.of(f"/response/{name}")]
