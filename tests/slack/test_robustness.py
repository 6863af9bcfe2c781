"""Signatures, retries, escaping, hostile input, failing listeners, Web API rate limits."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from handlers import blockkit as K
from handlers.deps import Deps, Jobs
from tests.slack.conftest import Running, make_settings
from tests.slack.fakes import (
    Failure,
    FakeCheckIndex,
    FakePosture,
    FakeScanner,
    FakeSlack,
    command_body,
    dm_event,
    event_body,
    mention_event,
    post,
    sign,
)
from tests.slack.helpers import LIVE_MENTION, assert_within_limits, visible_text

# ---------------------------------------------------------------------------- signatures


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "v0=" + "0" * 64},  # wrong signature
        "wrong-secret",
        "stale",
        "future",
    ],
    ids=["unsigned", "bad-signature", "wrong-secret", "stale-6min", "future-6min"],
)
def test_forged_or_stale_requests_get_401_and_do_nothing(running: Running, headers: Any) -> None:
    body = command_body("check", response_url=running.slack.response_url())
    if headers == "wrong-secret":
        headers = sign(body, secret="not-the-signing-secret")
    elif headers == "stale":
        headers = sign(body, timestamp=int(time.time()) - 6 * 60)
    elif headers == "future":
        headers = sign(body, timestamp=int(time.time()) + 6 * 60)
    else:
        headers = {k: v.replace("{now}", str(int(time.time()))) for k, v in headers.items()}
    running.slack.reset()
    result = post(running.url, body, "application/x-www-form-urlencoded", headers)
    assert result.status == 401
    event = event_body(mention_event("who patches the OS on EC2?"), event_id="EvForged")
    assert post(running.url, event, "application/json", {**headers}).status == 401
    time.sleep(0.4)
    assert running.slack.calls == []
    assert running.scanner.calls == []


def test_tampered_body_with_valid_headers_is_rejected(running: Running) -> None:
    body = command_body("help", response_url=running.slack.response_url())
    headers = sign(body)
    tampered = body.replace("help", "check")
    running.slack.reset()
    assert post(running.url, tampered, "application/x-www-form-urlencoded", headers).status == 401
    time.sleep(0.3)
    assert running.slack.calls == [] and running.scanner.calls == []


def test_health_and_unknown_paths(running: Running) -> None:
    base = running.url.rsplit("/slack/events", 1)[0]
    with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
        assert response.status == 200
    assert post(base + "/other", "{}", "application/json").status == 404


# ---------------------------------------------------------------------------- retries


def test_event_retries_never_produce_a_second_answer(running: Running) -> None:
    event = mention_event("who patches the OS on EC2?")
    assert running.event(event, event_id="EvRetry1").status == 200
    for retry in (1, 2, 3):
        assert running.event(event, event_id="EvRetry1", retry=retry).status == 200
    running.slack.wait_count("chat.postMessage")
    time.sleep(0.5)
    assert len(running.slack.of("chat.postMessage")) == 1


def test_concurrent_duplicate_deliveries_answer_once(running: Running) -> None:
    event = dm_event("who patches the OS on Fargate?")
    threads = [
        threading.Thread(target=running.event, args=(event,), kwargs={"event_id": "EvBurst", "retry": i or None})
        for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    running.slack.wait_count("chat.postMessage")
    time.sleep(0.5)
    assert len(running.slack.of("chat.postMessage")) == 1


def test_distinct_events_are_all_answered(running: Running) -> None:
    for i in range(3):
        running.event(dm_event(f"who patches the OS on EC2? {i}", ts=f"17.{i}"), event_id=f"EvDistinct{i}")
    assert len(running.slack.wait_count("chat.postMessage", 3)) == 3


# ---------------------------------------------------------------------------- escaping


HOSTILE = (
    "<!channel> <!here> <!everyone> <@U0VICTIM1> @channel @here & <b>x</b> <#C0SECRET1> who patches the OS on EC2?"
)


def _assert_no_live_mentions(message_blocks: list[dict[str, Any]], text: str = "") -> None:
    for part in [visible_text(message_blocks), text]:
        # The only live link-ish syntax demarc emits is source URLs.
        stripped = part.replace("<https://", "")
        assert not LIVE_MENTION.search(stripped), stripped
        assert "@channel" not in part and "@here" not in part


def test_user_text_is_escaped_and_mentions_are_not_echoed_live(running: Running) -> None:
    running.event(dm_event(HOSTILE), event_id="EvHostile")
    [call] = running.slack.wait_count("chat.postMessage")
    _assert_no_live_mentions(call.blocks, str(call.body.get("text")))
    assert "&amp;" in visible_text(call.blocks)
    running.command(HOSTILE.replace("who patches", "xyzzy"), name="h")
    running.slack.wait_count("/response/h")
    reply = running.slack.of("/response/h")[0]
    import json

    payload = json.loads(reply.raw)
    _assert_no_live_mentions(payload["blocks"], payload["text"])


def test_huge_message_gets_an_answer_within_limits(running: Running) -> None:
    huge = ("who patches the OS on Fargate? " + "A" * 500 + " & <x> ") * 90  # ~48k characters
    running.event(dm_event(huge), event_id="EvHuge")
    [call] = running.slack.wait_count("chat.postMessage")
    assert_within_limits(call.blocks)
    assert "cut to the first 4,000 characters" in visible_text(call.blocks)
    assert len(str(call.body.get("text"))) <= K.MAX_FALLBACK_TEXT


def test_binary_and_control_characters(running: Running) -> None:
    running.event(dm_event("\x00\x01\u202e who \ud7ff patches \x7f the OS on EC2 \uffff"), event_id="EvCtl")
    [call] = running.slack.wait_count("chat.postMessage")
    assert call.blocks


def test_malformed_payloads_do_not_crash(running: Running) -> None:
    for body, ctype in [("{not json", "application/json"), ("payload=%7Bbad", "application/x-www-form-urlencoded"),
                        ('{"type":"event_callback","event":{"type":"app_mention"}}', "application/json")]:
        result = post(running.url, body, ctype, sign(body))
        assert result.status in (200, 400, 404)
        assert "Traceback" not in result.body
    # the app still answers
    running.slack.reset()
    running.event(dm_event("who patches the OS on EC2?"), event_id="EvAfterBad")
    running.slack.wait_count("chat.postMessage")


# ---------------------------------------------------------------------------- failures


class ExplodingAnswerer:
    """Wraps the real answerer; raises for questions containing 'explode'."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.catalogue = real.catalogue
        self.matcher = real.matcher

    def answer(self, question: str) -> dict[str, Any]:
        if "explode" in question:
            raise RuntimeError("secret internal detail xoxb-9999-leak")
        result: dict[str, Any] = self.real.answer(question)
        return result


def _deps_with(slack: FakeSlack, answerer: Any) -> Deps:
    settings = make_settings(slack.api_url)
    return Deps(settings=settings, answerer=answerer, scanner=FakeScanner(), check_index=FakeCheckIndex(),
                posture=FakePosture(), jobs=Jobs(1))


def test_failing_listener_tells_the_user_without_traceback_and_app_lives_on(
    start_app: Callable[..., Running], slack: FakeSlack, answerer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    running = start_app(deps=_deps_with(slack, ExplodingAnswerer(answerer)))
    running.event(dm_event("please explode"), event_id="EvBoom")
    [call] = running.slack.wait_count("chat.postMessage")
    text = visible_text(call.blocks)
    assert "Sorry, something went wrong" in text and "reference" in text
    assert "Traceback" not in text and "secret internal detail" not in text
    running.command("explode now", name="boom")
    reply = running.slack.wait_count("/response/boom")[0]
    assert b"Sorry, something went wrong" in reply.raw and b"Traceback" not in reply.raw
    # one failure does not take the app down
    running.event(dm_event("who patches the OS on EC2?"), event_id="EvAfterBoom")
    running.slack.wait_count("chat.postMessage", 2)


def test_failing_home_posture_store_still_publishes_home(start_app: Callable[..., Running]) -> None:
    running = start_app()

    def broken(settings: Any) -> None:
        raise OSError("database is locked")

    running.posture.latest_summary_blocks = broken  # type: ignore[method-assign]
    running.event({"type": "app_home_opened", "user": "U0USER0001", "tab": "home"}, event_id="EvHomeBroken")
    [call] = running.slack.wait_count("views.publish")
    assert "No posture summary yet" in call.raw.decode()


def test_rate_limits_and_server_errors_are_retried(running: Running) -> None:
    running.slack.fail("chat.postMessage", Failure(429, {"Retry-After": "1"}), Failure(503, body='{"ok":false}'))
    running.event(dm_event("who patches the OS on EC2?"), event_id="EvRate")
    calls = running.slack.wait_count("chat.postMessage", 3, timeout=15)
    assert len(calls) == 3  # 429, 503, then success


def test_posture_failure_is_reported_privately(start_app: Callable[..., Running]) -> None:
    running = start_app()

    def broken(client: Any, channel: str, settings: Any, *, force: bool = False) -> None:
        raise RuntimeError("boom")

    running.posture.post_posture = broken  # type: ignore[method-assign]
    running.command("posture")
    reply = running.slack.wait_count("/response/cmd")[0]
    assert b"Sorry, something went wrong" in reply.raw


@pytest.mark.parametrize(("state", "shared"), [("dynamodb://demarc-state?region=us-east-1", True), ("", False)])
def test_replicas_sharing_a_dynamodb_state_share_event_memory(
    slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, state: str, shared: bool
) -> None:
    import handlers.app as app_module
    from handlers.dedupe import DedupeEvents

    calls: list[str] = []

    def fake_shared_memory(settings: object) -> DedupeEvents:
        calls.append(str(getattr(settings, "state", "")))
        return DedupeEvents()

    monkeypatch.setattr(app_module, "lambda_dedupe", fake_shared_memory)
    settings = make_settings(slack.api_url, DEMARC_STATE=state)
    app_module.build_app(settings, verify_token=False)
    assert calls == ([state] if shared else [])
