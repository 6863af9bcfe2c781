"""Answers through response URLs that fail (issue 14, items 4 and 5), over real HTTP.

The fake Slack scripts each response URL's answers (`fail("<name>", ...)`): 429 with a
Retry-After in seconds or as an HTTP date, 500/502/504, 404 and 400; the test asserts what
Slack finally received, by which path, and how long other channels waited."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import time

import pytest

from bot.clock import FixedClock
from handlers.slack_client import MAX_RETRY_WAIT, retry_after_seconds
from tests.slack.conftest import CHECK_CHANNEL, Running
from tests.slack.fakes import Failure, dm_event

BUSY = Failure.of(429, {"ok": False, "error": "rate_limited"}, {"Retry-After": "1"})


def test_check_results_survive_429_then_502_then_504(running: Running) -> None:
    running.slack.fail("cmd", BUSY, Failure.of(502, {}), Failure.of(504, {}))
    running.command("check s3-public-access")
    posts = running.slack.wait_count("/response/cmd", 4, timeout=20)  # three refused attempts, then the results
    time.sleep(0.3)
    assert len(running.slack.of("/response/cmd")) == 4 and running.slack.of("chat.postMessage") == []
    assert json.loads(posts[-1].raw)["response_type"] == "in_channel"
    assert "bucket-00000" in posts[-1].raw.decode()


def test_retry_after_as_an_http_date_is_honoured(running: Running) -> None:
    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1), usegmt=True)
    running.slack.fail("cmd", Failure.of(429, {"ok": False}, {"Retry-After": when}))
    running.command("who patches the OS on Fargate?")
    posts = running.slack.wait_count("/response/cmd", 2, timeout=10)
    assert "Fargate" in posts[-1].raw.decode()


@pytest.mark.parametrize("status", [404, 400, 500])
def test_a_dead_response_url_falls_back_to_the_web_api(running: Running, status: int) -> None:
    running.slack.fail("cmd", *[Failure.of(status, {"ok": False})] * 5)
    running.command("check s3-public-access")
    [posted] = running.slack.wait_count("chat.postMessage", 1, timeout=20)
    assert posted.body["channel"] == CHECK_CHANNEL and "bucket-00000" in posted.text_blob
    running.slack.fail("q", *[Failure.of(status, {"ok": False})] * 5)
    running.command("who patches the OS on Fargate?", name="q")
    [private] = running.slack.wait_count("chat.postEphemeral", 1, timeout=20)
    assert private.body["user"] == "U0USER0001" and "Fargate" in private.text_blob


def test_an_answer_lost_everywhere_is_logged_without_its_text(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    running.slack.fail("cmd", *[Failure.of(404, {"ok": False})] * 3)
    running.slack.fail("chat.postEphemeral", Failure.of(200, {"ok": False, "error": "channel_not_found"}))
    running.command("who patches the OS on Fargate?")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not [r for r in caplog.records if r.getMessage() == "answer lost"]:
        time.sleep(0.1)
    [lost] = [r for r in caplog.records if r.getMessage() == "answer lost"]
    assert lost.channel == CHECK_CHANNEL and lost.status == 404  # type: ignore[attr-defined]
    assert "Fargate" not in repr(vars(lost))


def test_one_rate_limited_channel_does_not_stall_another(running: Running) -> None:
    """Channel A's response URL answers 429 with Retry-After: 40 again and again; a DM
    elsewhere is answered at once, and A's waits are capped."""
    running.slack.fail("busy", *[Failure.of(429, {"ok": False}, {"Retry-After": "40"})] * 20)
    for i in range(3):
        running.command(f"who patches the OS on Fargate? {i}", name="busy")
    time.sleep(0.3)
    started = time.monotonic()
    running.event(dm_event("who encrypts data in S3?"), event_id="EvElsewhere")
    running.slack.wait_count("chat.postMessage", 1, timeout=5)
    assert time.monotonic() - started < 2.0


def test_retry_after_parsing_is_capped() -> None:
    clock = FixedClock(dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC))
    assert retry_after_seconds("2", clock) == 2
    assert retry_after_seconds("40", clock) == MAX_RETRY_WAIT
    assert retry_after_seconds("Wed, 02 Dec 2026 07:00:02 GMT", clock) == 2
    assert retry_after_seconds("Wed, 02 Dec 2026 08:00:00 GMT", clock) == MAX_RETRY_WAIT
    assert retry_after_seconds("garbage", clock) == 1 and retry_after_seconds(None, clock) == 1


def test_share_keeps_the_private_answer_when_the_public_post_failed(running: Running) -> None:
    from handlers.blocks import ACTION_SHARE

    running.slack.fail("act", *[Failure.of(404, {"ok": False})] * 3)
    running.slack.fail("chat.postMessage", Failure.of(200, {"ok": False, "error": "not_in_channel"}))
    running.action(ACTION_SHARE, "q:who patches the OS on Fargate?")
    running.slack.wait_count("chat.postEphemeral", 1, timeout=15)  # "could not share": the fallback of the notice
    time.sleep(0.5)
    bodies = [json.loads(c.raw) for c in running.slack.of("/response/act") if c.raw.startswith(b"{")]
    assert not any(b.get("delete_original") for b in bodies)
    assert "could not share" in running.slack.of("chat.postEphemeral")[0].text_blob
