"""Hostile network input against `demarc serve` over real HTTP (issue 14, items 2, 3, 7):
replays, the lazy-listener marker from outside, malformed timestamps, unsigned garbage, and
what reaches the logs."""

from __future__ import annotations

import logging
import time

import pytest

from tests.slack.conftest import Running
from tests.slack.fakes import action_body, command_body, post, sign

FORM = "application/x-www-form-urlencoded"


def test_a_replayed_check_scans_and_posts_once(running: Running) -> None:
    body = command_body("check s3-public-access", response_url=running.slack.response_url())
    headers = sign(body)
    statuses = [post(running.url, body, FORM, headers).status for _ in range(5)]
    assert statuses == [200] * 5  # acknowledged, so nobody retries; but only the first acts
    assert running.scanner.done.wait(5)
    time.sleep(0.6)
    assert running.scanner.calls == [(["s3-public-access"], None)]
    assert len(running.slack.of("/response/cmd")) == 1


def test_a_replayed_button_click_acts_once(running: Running) -> None:
    body = action_body("demarc_run_check", "s3-public-access", response_url=running.slack.response_url("act"))
    headers = sign(body)
    for _ in range(3):
        assert post(running.url, body, FORM, headers).status == 200
    assert running.scanner.done.wait(5)
    time.sleep(0.6)
    assert len(running.scanner.calls) == 1


def test_the_same_command_signed_again_is_a_new_request(running: Running) -> None:
    body = command_body("who patches the OS on Fargate?", response_url=running.slack.response_url())
    post(running.url, body, FORM, sign(body, timestamp=int(time.time()) - 1))
    post(running.url, body, FORM, sign(body))
    running.slack.wait_count("/response/cmd", 2)


def test_lazy_marker_from_outside_is_refused(running: Running) -> None:
    body = command_body("check", response_url=running.slack.response_url())
    headers = sign(body) | {"X-Slack-Bolt-Lazy-Only": "1", "X-Slack-Bolt-Lazy-Function-Name": "answer_demarc"}
    assert post(running.url, body, FORM, headers).status == 401
    time.sleep(0.4)
    assert running.scanner.calls == [] and running.slack.of("/response/") == []


@pytest.mark.parametrize("timestamp", ["not-a-number", "", "1e9", "-5", "9" * 40, "1700000000.5", " 17 "])
def test_malformed_timestamp_gets_401_without_a_traceback(
    running: Running, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    caplog.set_level(logging.DEBUG)
    body = command_body("check", response_url=running.slack.response_url())
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": sign(body)["X-Slack-Signature"]}
    result = post(running.url, body, FORM, headers)
    assert result.status == 401
    assert "Traceback" not in result.body and not any(r.exc_info for r in caplog.records)
    assert running.scanner.calls == []


@pytest.mark.parametrize("body", ["{not json", "\x00\xff garbage", "payload=%7Bbroken", ""])
def test_unsigned_garbage_gets_401(running: Running, body: str) -> None:
    assert post(running.url, body, "application/json").status == 401
    assert post(running.url, body, FORM).status == 401


def test_rejected_requests_never_log_the_body_or_response_url(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_url = running.slack.response_url("leak-me-0123456789")
    body = command_body("check my-secret-question", response_url=secret_url) + "&pad=" + "A" * 500_000
    result = post(running.url, body, FORM, sign(body, secret="wrong-secret"))
    assert result.status == 401
    logged = "\n".join(r.getMessage() + repr(vars(r)) for r in caplog.records)
    assert "leak-me" not in logged and "my-secret-question" not in logged and "AAAA" not in logged
    assert len(logged) < 20_000


def test_bolt_and_library_log_lines_lose_bodies_and_response_urls(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever Bolt or slack_sdk print (here: Bolt's own rejected-signature line), the body
    and any response_url are gone and the line is bounded."""
    caplog.set_level(logging.DEBUG)
    hook = "https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0TEAM0001%2F123%2Fsecrettoken"
    logging.getLogger("slack_bolt.RequestVerification").info(
        "Invalid request signature detected (signature: v0=abc, timestamp: 1, body: "
        f"response_url={hook}&text=my-private-question{'B' * 100_000})"
    )
    logging.getLogger("demarc.handlers").info("posting to %s", {"response_url": "https://hooks.slack.com/actions/x"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "hooks.slack.com" not in logged and "secrettoken" not in logged
    assert "my-private-question" not in logged and "BBBB" not in logged
    assert all(len(r.getMessage()) < 2_100 for r in caplog.records)
