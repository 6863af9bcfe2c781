"""`demarc serve` as a user runs it, and one real account check through the Slack app on moto."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answer import Answerer
from handlers.deps import Deps, Jobs
from tests.conftest import use_fake_aws
from tests.slack.conftest import CHECK_CHANNEL, Running, make_settings, response_posts
from tests.slack.fakes import BOT_TOKEN, SIGNING_SECRET, FakePosture, FakeSlack, command_body, post, sign
from tests.slack.helpers import blocks_of, visible_text

ROOT = Path(__file__).resolve().parents[2]
# CI points this at `demarc` in a clean virtual environment built like the container image
# (pinned runtime lock + the wheel, no dev tools), to run the image's own start-up command.
IMAGE_BIN = os.environ.get("DEMARC_IMAGE_BIN")
SERVE = [IMAGE_BIN, "serve"] if IMAGE_BIN else [sys.executable, "-m", "handlers.cli", "serve"]


def _env(slack: FakeSlack, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DEMARC_"))}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.api_url,
               DEMARC_CHECK_CHANNELS=CHECK_CHANNEL, PYTHONPATH="" if IMAGE_BIN else str(ROOT))
    env.update(extra)
    return {k: v for k, v in env.items() if v}


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(SERVE, env=env, capture_output=True, text=True,
                          timeout=30, cwd=ROOT)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "not-a-token"}, "must start with 'xoxb-'"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN must start with 'xapp-'"),
        ({"PORT": "http"}, "PORT"),
    ],
)
def test_serve_fails_fast_with_one_line(slack: FakeSlack, extra: dict[str, str], expected: str) -> None:
    result = _serve(_env(slack, **extra))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "xoxb-1111" not in result.stderr


def test_serve_fails_fast_when_slack_rejects_the_token(slack: FakeSlack) -> None:
    slack.auth_ok = False
    try:
        result = _serve(_env(slack))
    finally:
        slack.auth_ok = True
    assert result.returncode == 2
    assert "rejected SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert "xoxb-1111" not in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_http_end_to_end_json_logs_and_sigterm(slack: FakeSlack) -> None:
    port = _free_port()
    env = _env(slack, PORT=str(port), DEMARC_LOG_LEVEL="DEBUG")
    proc = subprocess.Popen(SERVE, env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.1)
        body = command_body("who patches the OS on Fargate?", response_url=slack.response_url("proc"))
        result = post(f"http://127.0.0.1:{port}/slack/events", body, "application/x-www-form-urlencoded", sign(body))
        assert result.status == 200
        slack.wait_count("/response/proc")
        forged = post(f"http://127.0.0.1:{port}/slack/events", body, "application/x-www-form-urlencoded",
                      sign(body, secret="forged"))
        assert forged.status == 401
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines
    for line in lines:
        json.loads(line)  # one JSON object a line
    assert "xoxb-" not in stderr and SIGNING_SECRET not in stderr
    assert any('"shutting down"' in line for line in lines)


def test_real_check_through_slack_on_moto(
    start_app: Callable[..., Running], slack: FakeSlack, answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto = pytest.importorskip("moto")
    use_fake_aws(monkeypatch)
    with moto.mock_aws():
        settings = make_settings(slack.api_url)
        deps = Deps(settings=settings, answerer=answerer, posture=FakePosture(), jobs=Jobs(1))  # real scanner
        running = start_app(deps=deps)
        running.command("check iam-password-policy", name="moto")
        running.slack.wait_count("/response/moto", timeout=30)
        reply = response_posts(slack, "moto")[0]
    assert reply["response_type"] == "in_channel"
    text = visible_text(blocks_of(reply))
    assert "123456789012" in text and "iam-password-policy" in text


def test_serve_reports_an_unreachable_posture_channel_at_start_up(slack: FakeSlack) -> None:
    from tests.slack.fakes import Failure

    slack.fail("conversations.info", Failure(200, body='{"ok": false, "error": "channel_not_found"}'))
    port = _free_port()
    env = _env(slack, PORT=str(port), DEMARC_POSTURE_CHANNEL="C0POSTING1")
    proc = subprocess.Popen(SERVE, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not slack.of("conversations.info"):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    [line] = [json.loads(x) for x in stderr.splitlines() if "posture channel not reachable" in x]
    assert line["level"] in ("ERROR", "error") and "invite the app" in json.dumps(line)
