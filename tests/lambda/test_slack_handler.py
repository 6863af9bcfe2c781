"""`slack_handler` driven with real Lambda event shapes carrying signed Slack requests.

The handler is the one Lambda runs: Bolt's AWS Lambda adapter around the demarc app in
Lambda mode. The ack must come back inside the budget; the slow half must be dispatched as
an asynchronous `lambda:Invoke` of the same function (recorded by a loopback fake), and
feeding that payload back into the handler, as Lambda does, must deliver the answer to Slack.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from handlers import aws_lambda
from tests.slack.fakes import FakeSlack, action_body, command_body, dm_event, event_body, mention_event, sign

from .conftest import CHECK_CHANNEL
from .events import FUNCTION_ARN, FakeContext, function_url, http_v2, rest_v1
from .fake_lambda import FakeLambda

#: Slack's own limit for an ack. The tests hold the handler to it, warm or cold, and check that
#: no work happens on the ack path; how fast the ack is (p99 ~80 ms) is measured by the
#: benchmarks, not here, where a loaded CI machine must not fail a correct handler.
ACK_BUDGET = 3.0
FORM = "application/x-www-form-urlencoded"

Shape = Callable[[str, str, dict[str, str]], dict[str, Any]]
SHAPES: dict[str, Shape] = {
    "rest-v1": rest_v1,
    "http-api-v2": lambda body, ct, signed: http_v2(body, ct, signed, base64_body=True),
    "function-url": function_url,
}


def invoke(event: dict[str, Any]) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    result = aws_lambda.slack_handler(event, FakeContext())
    return result, time.perf_counter() - started


def run_lazy(fake_lambda: FakeLambda) -> list[dict[str, Any]]:
    """Deliver every recorded asynchronous invocation back to the handler, as Lambda would."""
    results = []
    for invocation in fake_lambda.take():
        assert invocation.invocation_type == "Event"
        assert invocation.function == FUNCTION_ARN
        result, _ = invoke(invocation.payload)
        results.append(result)
    return results


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_signed_question_acks_in_budget_then_answers_via_lazy_invocation(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda, shape: str
) -> None:
    # Cold: the first request builds the app (catalogue, Bolt, the Lambda client).
    cold_body = command_body("help", response_url=slack.response_url("cold"))
    cold, cold_elapsed = invoke(SHAPES[shape](cold_body, FORM, sign(cold_body)))
    assert cold["statusCode"] == 200
    assert cold_elapsed < 3.0, f"cold ack took {cold_elapsed:.3f}s"

    body = command_body("who patches the OS on Fargate?", response_url=slack.response_url(shape))
    result, elapsed = invoke(SHAPES[shape](body, FORM, sign(body)))
    print(f"\n[{shape}] ack: cold {cold_elapsed * 1000:.0f} ms, warm {elapsed * 1000:.0f} ms")

    assert result["statusCode"] == 200
    assert result["body"] == ""  # a bare ack; the answer follows through the response URL
    assert elapsed < ACK_BUDGET, f"ack took {elapsed:.3f}s"
    assert slack.of(f"/response/{shape}") == []  # nothing answered on the ack path

    invocations = fake_lambda.invocations
    assert len(invocations) == 1
    payload = invocations[0].payload
    assert payload["headers"]["x-slack-bolt-lazy-only"] == "1"
    assert payload["headers"]["x-slack-bolt-lazy-function-name"] == "answer_demarc"

    lazy_results = run_lazy(fake_lambda)
    assert [r["statusCode"] for r in lazy_results] == [200]
    [answer] = slack.wait_count(f"/response/{shape}", 1, timeout=5)
    assert "Fargate" in answer.text_blob
    assert "Customer" in answer.text_blob or "AWS" in answer.text_blob
    assert json.loads(answer.raw)["response_type"] == "ephemeral"
    assert fake_lambda.invocations == []  # the lazy half starts nothing further


def test_help_is_answered_on_the_ack_and_starts_no_invocation(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    body = command_body("help", response_url=slack.response_url())
    result, _ = invoke(function_url(body, FORM, sign(body)))
    assert result["statusCode"] == 200
    ack = json.loads(result["body"])
    assert ack["response_type"] == "ephemeral"
    assert "/demarc" in json.dumps(ack["blocks"])
    assert fake_lambda.invocations == []  # the whole answer is the ack: no second invocation
    assert slack.of("/response/") == []


def test_check_outside_the_allowlist_is_refused_on_the_ack(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    body = command_body("check s3", channel="C0OTHER001", response_url=slack.response_url())
    result, _ = invoke(rest_v1(body, FORM, sign(body)))
    assert result["statusCode"] == 200
    assert "DEMARC_CHECK_CHANNELS" in result["body"]
    assert fake_lambda.invocations == []
    assert slack.of("/response/") == []  # no AWS call, no follow-up


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_forged_signature_is_rejected_and_nothing_runs(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda, shape: str
) -> None:
    body = command_body("who patches the OS on Fargate?", response_url=slack.response_url())
    forged = sign(body, secret="not-the-signing-secret-0000000000")
    result, _ = invoke(SHAPES[shape](body, FORM, forged))
    assert result["statusCode"] == 401
    stale = sign(body, timestamp=int(time.time()) - 600)
    result, _ = invoke(SHAPES[shape](body, FORM, stale))
    assert result["statusCode"] == 401
    assert fake_lambda.invocations == []
    assert slack.user_visible() == []


def test_tampered_lazy_payload_is_rejected(lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda) -> None:
    """The re-invocation is verified like any request: editing its body breaks the signature."""
    body = command_body("what is IAM?", response_url=slack.response_url())
    invoke(function_url(body, FORM, sign(body), base64_body=False))
    [invocation] = fake_lambda.take()
    invocation.payload["body"] = invocation.payload["body"].replace("IAM", "EC2")
    result, _ = invoke(invocation.payload)
    assert result["statusCode"] == 401
    assert slack.of("/response/") == []


def test_mention_event_over_http_api_is_acked_then_answered_in_thread(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    body = event_body(mention_event("who patches the OS on Fargate?"), event_id="Ev0LAMBDA01")
    result, elapsed = invoke(http_v2(body, "application/json", sign(body), base64_body=False))
    assert result["statusCode"] == 200
    assert elapsed < ACK_BUDGET
    assert slack.of("chat.postMessage") == []
    run_lazy(fake_lambda)
    [post] = slack.wait_count("chat.postMessage", 1, timeout=5)
    assert post.body["thread_ts"] == "1700000000.000100"
    assert "Fargate" in post.text_blob


def test_event_retry_is_dropped_but_its_lazy_half_is_not(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    body = event_body(dm_event("who encrypts S3 objects?"), event_id="Ev0LAMBDA02")
    first, _ = invoke(function_url(body, "application/json", sign(body)))
    retry_headers = sign(body) | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    retry, _ = invoke(function_url(body, "application/json", retry_headers))
    assert first["statusCode"] == retry["statusCode"] == 200
    assert len(fake_lambda.invocations) == 1  # the retry started no work
    run_lazy(fake_lambda)  # the first delivery's lazy half carries the same event id: it runs
    assert len(slack.wait_count("chat.postMessage", 1, timeout=5)) == 1


def test_bot_messages_in_the_dm_are_acked_without_an_invocation(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    own = dm_event("an answer demarc posted") | {"bot_id": "BBOT000001"}
    body = event_body(own, event_id="Ev0LAMBDA03")
    result, _ = invoke(function_url(body, "application/json", sign(body)))
    assert result["statusCode"] == 200
    assert fake_lambda.invocations == []  # matched by the ack-only listener: no second invocation


def test_button_is_acked_then_answered_by_its_lazy_listener(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    body = action_body("demarc_compare", "fargate|lambda", response_url=slack.response_url("act"),
                       channel=CHECK_CHANNEL)
    result, elapsed = invoke(function_url(body, FORM, sign(body)))
    assert result["statusCode"] == 200
    assert elapsed < ACK_BUDGET
    [invocation] = fake_lambda.invocations
    assert invocation.payload["headers"]["x-slack-bolt-lazy-function-name"] == "compare"
    run_lazy(fake_lambda)
    [reply] = slack.wait_count("/response/act", 1, timeout=5)
    assert "Fargate" in reply.text_blob and "Lambda" in reply.text_blob


def test_garbled_body_gets_400_not_a_crash(lambda_env: None, fake_lambda: FakeLambda) -> None:
    body = "{not json"
    result, _ = invoke(http_v2(body, "application/json", sign(body), base64_body=False))
    assert result["statusCode"] in (400, 401)
    assert fake_lambda.invocations == []


def test_missing_secrets_answer_500_without_leaking(lambda_env: None, monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    body = command_body("help", response_url="https://hooks.slack.com/x")
    result, _ = invoke(function_url(body, FORM, sign(body)))
    assert result["statusCode"] == 500
    assert "SLACK_SIGNING_SECRET" in caplog.text
    assert "xoxb-1111" not in caplog.text


def test_event_retry_landing_in_another_container_is_dropped_via_dynamodb(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Lambda a retry may reach a fresh container: the seen-event memory is the DynamoDB table."""
    import boto3
    from moto import mock_aws

    from bot.store import DynamoStore

    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", fake_lambda.url)  # DynamoDB is moto, Invoke the fake
    monkeypatch.setenv("DEMARC_STATE", "dynamodb://demarc-state")
    with mock_aws():
        DynamoStore.create_table(boto3.client("dynamodb", region_name="us-east-1"), "demarc-state")
        body = event_body(mention_event("who patches the OS on Fargate?"), event_id="Ev0LAMBDA04")
        first, elapsed = invoke(function_url(body, "application/json", sign(body)))
        aws_lambda.reset()  # the retry reaches a new container, with an empty memory
        retry_headers = sign(body) | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        retry, _ = invoke(function_url(body, "application/json", retry_headers))
        assert first["statusCode"] == retry["statusCode"] == 200
        assert elapsed < ACK_BUDGET
        assert len(fake_lambda.invocations) == 1
        run_lazy(fake_lambda)
    assert len(slack.wait_count("chat.postMessage", 1, timeout=5)) == 1


def test_a_thread_follow_up_is_answered_by_another_lambda_invocation_with_the_stored_context(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    """The mention and its follow-up are separate invocations (separate containers, as far as
    they know): the context comes from the state store, not from memory."""
    body = event_body(mention_event("who patches the OS on Fargate?", ts="1700000800.000100"), event_id="Ev0LAMTH1")
    assert invoke(function_url(body, "application/json", sign(body)))[0]["statusCode"] == 200
    run_lazy(fake_lambda)
    slack.wait_count("chat.postMessage", 1, timeout=15)
    aws_lambda.reset()  # a fresh container: nothing in memory
    reply = {"type": "message", "channel_type": "channel", "user": "U0USER0001", "text": "and on Lambda?",
             "channel": "C0GENERAL1", "ts": "1700000800.000200", "thread_ts": "1700000800.000100",
             "event_ts": "1700000800.000200"}
    body = event_body(reply, event_id="Ev0LAMTH2")
    result, elapsed = invoke(function_url(body, "application/json", sign(body)))
    assert result["statusCode"] == 200 and elapsed < ACK_BUDGET
    run_lazy(fake_lambda)
    posts = slack.wait_count("chat.postMessage", 2, timeout=15)
    assert posts[1].body["thread_ts"] == "1700000800.000100"
    assert "AWS Lambda · Operating system" in posts[1].text_blob
