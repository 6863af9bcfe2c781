""""Show the picture" over real HTTP: the button on answers and comparisons, the diagram uploaded
into the thread with files upload v2 against the fake Slack, and read back pixel by pixel."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from bot.diagram import draw
from handlers import blocks as B
from tests.pictures import assert_stacks_match_catalogue, open_png
from tests.slack.conftest import Running, response_posts
from tests.slack.fakes import Failure, action_body, post, sign
from tests.slack.helpers import assert_within_limits, blocks_of, visible_text


def picture_buttons(message: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in message if b["type"] == "actions" for e in b["elements"]
            if e["action_id"].startswith(B.ACTION_SHOW_PICTURE)]


def click(running: Running, value: str, *, ephemeral: bool, thread_ts: str | None = None, name: str = "pic") -> None:
    body = action_body(f"{B.ACTION_SHOW_PICTURE}:0", value, response_url=running.slack.response_url(name),
                       ephemeral=ephemeral)
    if thread_ts:
        payload = json.loads(urllib.parse.parse_qs(body)["payload"][0])
        payload["container"]["thread_ts"] = thread_ts
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    result = post(running.url, body, "application/x-www-form-urlencoded", sign(body))
    assert result.status == 200


def test_answers_and_comparisons_carry_the_button(running: Running) -> None:
    catalogue = running.deps.answerer.catalogue
    answer_blocks, _ = B.render_answer(catalogue, running.deps.answerer.answer("who patches the OS on Fargate?"))
    assert_within_limits(answer_blocks)
    assert [b["value"] for b in picture_buttons(answer_blocks)] == ["fargate"]
    running.command("compare fargate lambda")
    running.slack.wait_count("/response/cmd")
    message = blocks_of(response_posts(running.slack)[0])
    assert_within_limits(message)
    assert "AWS Fargate vs AWS Lambda" in visible_text(message)
    assert [b["value"] for b in picture_buttons(message)] == ["fargate|lambda"]


def test_the_picture_is_uploaded_into_the_thread(running: Running) -> None:
    click(running, "ec2|ecs|fargate|lambda", ephemeral=False, thread_ts="1700000000.000100")
    [complete] = running.slack.wait_count("files.completeUploadExternal", timeout=30)
    [named] = running.slack.of("files.getUploadURLExternal")
    [upload] = running.slack.of("/upload/")
    assert complete.body["channel_id"] == "C0CHECKS01" and complete.body["thread_ts"] == "1700000000.000100"
    assert named.body["filename"] == "srm-ec2-ecs-fargate-lambda.png"
    assert "line differs at" in named.body["alt_txt"]
    assert int(named.body["length"]) == len(upload.raw)
    catalogue = running.deps.answerer.catalogue
    picture = draw(catalogue, ["ec2", "ecs", "fargate", "lambda"])
    assert_stacks_match_catalogue(open_png(upload.raw), picture, catalogue)
    assert not running.slack.of("/response/pic")  # nothing to say: the picture is the answer


def test_a_shared_message_outside_a_thread_gets_its_own_thread(running: Running) -> None:
    click(running, "lambda", ephemeral=False)
    [complete] = running.slack.wait_count("files.completeUploadExternal", timeout=30)
    assert complete.body["thread_ts"] == "1700000000.000300"  # the clicked message


def test_an_ephemeral_answer_gets_the_picture_in_the_conversation_with_who_asked(running: Running) -> None:
    click(running, "fargate|lambda", ephemeral=True)
    [complete] = running.slack.wait_count("files.completeUploadExternal", timeout=30)
    assert "thread_ts" not in complete.body
    assert "<@U0USER0001>" in complete.body["initial_comment"]
    assert "AWS Fargate vs AWS Lambda" in complete.body["initial_comment"]


def test_a_failed_upload_tells_the_clicker(running: Running) -> None:
    running.slack.fail("files.getUploadURLExternal", Failure.of(200, {"ok": False, "error": "missing_scope"}))
    click(running, "ec2", ephemeral=False)
    running.slack.wait_count("/response/pic", timeout=30)
    [reply] = response_posts(running.slack, "pic")
    assert reply["response_type"] == "ephemeral"
    text = visible_text(blocks_of(reply))
    assert "missing_scope" in text and "files:write" in text
    assert not running.slack.of("files.completeUploadExternal")


def test_an_unknown_service_is_a_notice_not_an_upload(running: Running) -> None:
    click(running, "nope", ephemeral=False)
    running.slack.wait_count("/response/pic", timeout=30)
    assert "ask again" in visible_text(blocks_of(response_posts(running.slack, "pic")[0]))
    assert not running.slack.of("files.getUploadURLExternal")
