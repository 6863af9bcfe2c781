"""Hostile input against the Lambda entry point, in-process (issue 14, items 2, 3 and 7):
replays, the lazy-listener marker from outside, and what reaches the logs at DEBUG."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from handlers import aws_lambda
from tests.slack.fakes import FakeSlack, command_body, sign

from .conftest import CHECK_CHANNEL
from .events import FakeContext, function_url
from .fake_lambda import FakeLambda

FORM = "application/x-www-form-urlencoded"


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = aws_lambda.slack_handler(event, FakeContext())
    return result


def run_lazy(fake_lambda: FakeLambda) -> list[dict[str, Any]]:
    return [invoke(invocation.payload) for invocation in fake_lambda.take()]


def test_lazy_marker_from_outside_is_refused_and_does_nothing(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    body = command_body("who patches the OS on Fargate?", response_url=slack.response_url("lazy"))
    headers = sign(body) | {"x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": "answer_demarc"}
    assert invoke(function_url(body, FORM, headers))["statusCode"] == 401
    forged = headers | {"x-demarc-lazy-auth": "0" * 64}
    assert invoke(function_url(body, FORM, forged))["statusCode"] == 401
    assert fake_lambda.invocations == [] and slack.of("/response/lazy") == []


def test_the_functions_own_lazy_invocation_is_honoured(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    body = command_body("who patches the OS on Fargate?", response_url=slack.response_url("own"))
    assert invoke(function_url(body, FORM, sign(body)))["statusCode"] == 200
    [invocation] = fake_lambda.invocations
    assert invocation.payload["headers"]["x-demarc-lazy-auth"]
    assert [r["statusCode"] for r in run_lazy(fake_lambda)] == [200]
    assert len(slack.wait_count("/response/own", 1, timeout=5)) == 1


def test_a_replayed_command_acts_once_on_lambda(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda
) -> None:
    body = command_body("who patches the OS on Fargate?", response_url=slack.response_url("replay"))
    headers = sign(body)
    results = [invoke(function_url(body, FORM, headers))["statusCode"] for _ in range(4)]
    assert results == [200] * 4
    assert len(fake_lambda.invocations) == 1  # one lazy half: the replays started nothing
    run_lazy(fake_lambda)
    assert len(slack.wait_count("/response/replay", 1, timeout=5)) == 1


def test_a_replay_reaching_another_container_is_dropped_via_dynamodb(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto import mock_aws

    from bot.store import DynamoStore

    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", fake_lambda.url)
    monkeypatch.setenv("DEMARC_STATE", "dynamodb://demarc-state")
    with mock_aws():
        DynamoStore.create_table(boto3.client("dynamodb", region_name="us-east-1"), "demarc-state")
        body = command_body("who patches the OS on EC2?", response_url=slack.response_url("x"))
        headers = sign(body)
        assert invoke(function_url(body, FORM, headers))["statusCode"] == 200
        aws_lambda.reset()  # the replay reaches a fresh container
        assert invoke(function_url(body, FORM, headers))["statusCode"] == 200
        assert len(fake_lambda.invocations) == 1


def test_debug_logging_on_lambda_shows_no_signed_request_or_response_url(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DEMARC_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    url = slack.response_url("debug-secret-path")
    body = command_body("my private question about S3", response_url=url, channel=CHECK_CHANNEL)
    headers = sign(body)
    assert invoke(function_url(body, FORM, headers))["statusCode"] == 200
    run_lazy(fake_lambda)
    slack.wait_count("/response/debug-secret-path", 1, timeout=5)
    bad = invoke(function_url(body, FORM, sign(body, secret="nope")))
    assert bad["statusCode"] == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "debug-secret-path" not in logged
    assert "my+private+question" not in logged and "my private question" not in logged
    assert headers["X-Slack-Signature"] not in logged
