"""Every surface, end to end: the real Bolt app over real HTTP, Web API calls to the fake Slack."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from handlers import blockkit as K
from handlers import blocks as B
from tests.slack.conftest import CHECK_CHANNEL, Running, response_posts
from tests.slack.fakes import BOT_ID, FakeScanner, dm_event, mention_event
from tests.slack.helpers import assert_within_limits, blocks_of, visible_text


def _layer_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith((":large_", "*:large_"))]


def _first_response(running: Running, name: str = "cmd") -> dict[str, Any]:
    running.slack.wait_count(f"/response/{name}")
    return response_posts(running.slack, name)[0]


# ---------------------------------------------------------------------------- slash command


def test_question_is_answered_with_owner_breakdown_and_share_button(running: Running) -> None:
    result = running.command("who patches the OS on Fargate?")
    assert result.status == 200 and result.body == ""
    reply = _first_response(running)
    assert reply["response_type"] == "ephemeral"
    message = blocks_of(reply)
    assert_within_limits(message)
    text = visible_text(message)
    assert "Owner: :large_orange_square: *AWS*" in text
    layers = _layer_lines(text)
    assert len(layers) == 17
    assert "Physical facilities" in layers[0] and "Logging and monitoring" in layers[-1]
    assert "Customer data" in text and "Sources:" in text
    buttons = [e for b in message if b["type"] == "actions" for e in b["elements"]]
    assert any(b["action_id"].startswith(B.ACTION_SHARE) for b in buttons)
    assert any(b["action_id"].startswith(B.ACTION_COMPARE) for b in buttons)
    assert any(b["action_id"].startswith(B.ACTION_SHOW_SERVICE) for b in buttons)


def test_question_about_a_whole_service_shows_the_breakdown(running: Running) -> None:
    running.command("what am I responsible for on Lambda?")
    text = visible_text(blocks_of(_first_response(running)))
    assert "AWS Lambda: who owns what" in text
    assert "it depends on the layer" in text
    assert len(_layer_lines(text)) == 17
    assert "Run check" in text  # Lambda has account checks


def test_answer_offers_the_related_account_check(running: Running) -> None:
    running.command("are any of our buckets public?")
    message = blocks_of(_first_response(running))
    buttons = [e for b in message if b["type"] == "actions" for e in b["elements"]]
    run = [b for b in buttons if b["action_id"].startswith(B.ACTION_RUN_CHECK)]
    assert run and run[0]["value"] == "s3-public-access"


def test_no_match_says_what_demarc_can_answer(running: Running) -> None:
    running.command("what is the best pizza in town")
    text = visible_text(blocks_of(_first_response(running)))
    assert "What I can answer" in text and "who patches the OS on Fargate?" in text


def test_other_cloud_is_not_guessed(running: Running) -> None:
    running.command("who patches the OS on Azure VMs?")
    text = visible_text(blocks_of(_first_response(running)))
    assert "answers for AWS only" in text and "azure" in text


def test_help_rides_on_the_ack_and_makes_no_slack_call(running: Running) -> None:
    result = running.command("help")
    assert result.status == 200
    body = result.json()
    assert body["response_type"] == "ephemeral"
    assert "/demarc check" in visible_text(body["blocks"])
    time.sleep(0.3)
    assert running.slack.user_visible() == []


def test_compare_shows_where_the_line_differs(running: Running) -> None:
    running.command("compare fargate lambda")
    text = visible_text(blocks_of(_first_response(running)))
    assert "AWS Fargate vs AWS Lambda" in text
    assert "Where the line differs" in text or "same place" in text


def test_compare_usage_error_is_one_clear_line(running: Running) -> None:
    running.command("compare fargate")
    text = visible_text(blocks_of(_first_response(running)))
    assert "usage: /demarc compare" in text and "Traceback" not in text


def test_compare_unknown_service(running: Running) -> None:
    running.command("compare fargate <!channel>")
    text = visible_text(blocks_of(_first_response(running)))
    assert "unknown service" in text or "vs" in text
    assert "<!channel>" not in text


def test_check_runs_after_the_ack_and_posts_in_channel(start_app: Callable[..., Running]) -> None:
    running = start_app(scanner=FakeScanner(delay=1.5))
    result = running.command("check s3")
    assert result.status == 200
    assert result.elapsed < 0.5, "a slow scan must not delay the ack"
    assert "Running `s3`" in result.json()["text"]
    running.slack.wait_count("/response/cmd", timeout=10)
    reply = response_posts(running.slack)[0]
    assert reply["response_type"] == "in_channel"
    message = blocks_of(reply)
    assert_within_limits(message)
    text = visible_text(message)
    assert "123456789012" in text and "bucket-00000" in text and "AccessDenied" in text
    assert running.scanner.calls == [(["s3-public-access", "s3-encryption"], None)]


def test_check_single_id_and_unknown_id(running: Running) -> None:
    running.command("check cloudtrail", name="one")
    _first_response(running, "one")
    assert running.scanner.calls[-1][0] == ["cloudtrail"]
    running.command("check no-such-check", name="bad")
    text = visible_text(blocks_of(_first_response(running, "bad")))
    assert "unknown check" in text and "s3-public-access" in text
    assert len(running.scanner.calls) == 1


def test_check_refused_outside_allowlisted_channels_without_aws_call(running: Running) -> None:
    result = running.command("check", channel="C0RANDOM01")
    assert result.status == 200
    text = visible_text(result.json()["blocks"])
    assert "DEMARC_CHECK_CHANNELS" in text and "did not look at AWS" in text
    time.sleep(0.5)
    assert running.scanner.calls == []
    assert running.slack.user_visible() == []
    assert running.deps.jobs.pending == 0


def test_checks_refused_everywhere_when_unset(start_app: Callable[..., Running]) -> None:
    running = start_app(env={"DEMARC_CHECK_CHANNELS": ""})
    result = running.command("check s3", channel=CHECK_CHANNEL)
    assert "DEMARC_CHECK_CHANNELS" in visible_text(result.json()["blocks"])
    result = running.command("posture", channel=CHECK_CHANNEL)
    assert "DEMARC_CHECK_CHANNELS" in visible_text(result.json()["blocks"])
    time.sleep(0.3)
    assert running.scanner.calls == [] and running.posture.posted == []


def test_scan_failure_is_reported_without_traceback(start_app: Callable[..., Running]) -> None:
    from bot.errors import DemarcError

    running = start_app(scanner=FakeScanner(error=DemarcError("no AWS credentials found")))
    running.command("check")
    text = visible_text(blocks_of(_first_response(running)))
    assert "no AWS credentials found" in text and "Traceback" not in text


def test_posture_posts_the_summary_in_the_channel(running: Running) -> None:
    result = running.command("posture")
    assert "posture summary" in result.json()["text"]
    running.slack.wait_count("chat.postMessage")
    assert running.posture.posted == [(CHECK_CHANNEL, True)]


# ---------------------------------------------------------------------------- events


def test_mention_is_answered_in_the_thread(running: Running) -> None:
    result = running.event(mention_event("who encrypts data in S3?", ts="1700000001.000100"), event_id="EvM1")
    assert result.status == 200
    [call] = running.slack.wait_count("chat.postMessage")
    assert call.body["channel"] == "C0GENERAL1"
    assert call.body["thread_ts"] == "1700000001.000100"
    assert_within_limits(call.blocks)
    assert "Amazon S3 · Encryption" in visible_text(call.blocks)


def test_mention_inside_a_thread_stays_in_that_thread(running: Running) -> None:
    event = mention_event("who patches the OS on EC2?", ts="1700000002.000200") | {"thread_ts": "1700000000.000001"}
    running.event(event, event_id="EvM2")
    [call] = running.slack.wait_count("chat.postMessage")
    assert call.body["thread_ts"] == "1700000000.000001"


def test_direct_message_is_answered_in_the_dm(running: Running) -> None:
    running.event(dm_event("who owns the hypervisor on EC2?"), event_id="EvD1")
    [call] = running.slack.wait_count("chat.postMessage")
    assert call.body["channel"] == "D0DM000001"
    assert "thread_ts" not in call.body or not call.body["thread_ts"]
    assert "*AWS*" in visible_text(call.blocks)


def test_bot_messages_and_edits_in_dms_are_ignored(running: Running) -> None:
    assert running.event(dm_event("hello") | {"bot_id": BOT_ID}, event_id="EvB1").status == 200
    assert running.event(dm_event("x") | {"subtype": "message_changed"}, event_id="EvB2").status == 200
    time.sleep(0.5)
    assert running.slack.of("chat.postMessage") == []


def test_app_home_shows_examples_and_last_posture(running: Running) -> None:
    running.event({"type": "app_home_opened", "user": "U0USER0001", "tab": "home", "channel": "D0DM000001"},
                  event_id="EvH1")
    [call] = running.slack.wait_count("views.publish")
    view = call.body["view"]
    view = view if isinstance(view, dict) else __import__("json").loads(view)
    assert view["type"] == "home" and call.body["user_id"] == "U0USER0001"
    text = visible_text(view["blocks"])
    assert "who patches the OS on Fargate?" in text and "Posture 2026-11-23" in text
    assert_within_limits(view["blocks"], max_blocks=K.MAX_BLOCKS_VIEW, text_budget=K.VIEW_TEXT_BUDGET)


# ---------------------------------------------------------------------------- buttons


def test_run_check_button_in_allowed_channel(running: Running) -> None:
    result = running.action(f"{B.ACTION_RUN_CHECK}:0", "s3-public-access")
    assert result.status == 200
    running.slack.wait_count("/response/act", 2)
    posts = response_posts(running.slack, "act")
    assert all(p["response_type"] == "in_channel" for p in posts)
    assert "bucket-00000" in visible_text(blocks_of(posts[-1]))
    assert running.scanner.calls == [(["s3-public-access"], None)]


def test_run_check_button_refused_in_a_dm(running: Running) -> None:
    running.action(f"{B.ACTION_RUN_CHECK}:0", "s3-public-access", channel="D0DM000001")
    reply = _first_response(running, "act")
    assert reply["response_type"] == "ephemeral"
    assert "DEMARC_CHECK_CHANNELS" in visible_text(blocks_of(reply))
    time.sleep(0.3)
    assert running.scanner.calls == []


def test_show_whole_service_button(running: Running) -> None:
    running.action(f"{B.ACTION_SHOW_SERVICE}:1", "fargate")
    text = visible_text(blocks_of(_first_response(running, "act")))
    assert "AWS Fargate: who owns what" in text and len(_layer_lines(text)) == 17


def test_compare_and_alternative_buttons(running: Running) -> None:
    running.action(f"{B.ACTION_COMPARE}:2", "fargate|lambda", name="cmp")
    assert "AWS Fargate vs AWS Lambda" in visible_text(blocks_of(_first_response(running, "cmp")))
    running.action(f"{B.ACTION_ALTERNATIVE}:0", "ecs|os-patching", name="alt")
    text = visible_text(blocks_of(_first_response(running, "alt")))
    assert "Operating system" in text and "*Customer*" in text


def test_stale_button_value_gets_a_clear_message(running: Running) -> None:
    running.action(f"{B.ACTION_ALTERNATIVE}:0", "nope|nothing")
    text = visible_text(blocks_of(_first_response(running, "act")))
    assert "no longer has" in text


def test_share_posts_in_channel_and_removes_the_ephemeral(running: Running) -> None:
    running.action(f"{B.ACTION_SHARE}:3", "q:who patches the OS on Fargate?")
    running.slack.wait_count("/response/act", 2)
    first, second = response_posts(running.slack, "act")
    assert first["response_type"] == "in_channel"
    assert "Shared by <@U0USER0001>" in visible_text(blocks_of(first))
    assert second == {"delete_original": True} or second.get("delete_original") is True
