"""Fixtures: the fake Slack from tests/slack, a fake Lambda Invoke API, and a Lambda-like environment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import secrets
from handlers import aws_lambda
from tests.slack.fakes import BOT_TOKEN, SIGNING_SECRET, FakeSlack

from .fake_lambda import FakeLambda

CHECK_CHANNEL = "C0CHECKS01"
POSTURE_CHANNEL = "C0POSTURE1"

_LAMBDA_VARS = (
    "DEMARC_STATE", "DEMARC_SECRET_ARN", "DEMARC_SSM_PREFIX", "SLACK_APP_TOKEN", "DEMARC_POSTURE_CHANNEL",
    "DEMARC_CATALOGUE",
)


@pytest.fixture(scope="session")
def fake_lambda_server() -> Iterator[FakeLambda]:
    fake = FakeLambda().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_lambda(fake_lambda_server: FakeLambda) -> FakeLambda:
    fake_lambda_server.take()
    return fake_lambda_server


@pytest.fixture
def aws_env(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shared fake-AWS environment, plus a fresh Lambda "container": no Slack or secret
    settings from the shell, no secrets cached."""
    for key in _LAMBDA_VARS:
        monkeypatch.delenv(key, raising=False)
    secrets.clear_cache()
    aws_lambda.reset()
    yield
    secrets.clear_cache()
    aws_lambda.reset()


@pytest.fixture
def lambda_env(aws_env: None, slack: FakeSlack, fake_lambda: FakeLambda, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Slack function's environment: Slack and the Lambda API both on loopback fakes."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("DEMARC_CHECK_CHANNELS", CHECK_CHANNEL)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake_lambda.url)
