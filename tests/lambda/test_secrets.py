"""Slack secrets from Secrets Manager and Parameter Store (moto), read once per container, never logged."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from bot import secrets
from bot.errors import ConfigError
from handlers.aws_lambda import lambda_settings
from tests.slack.fakes import BOT_TOKEN, SIGNING_SECRET


@pytest.fixture
def aws(aws_env: None) -> Iterator[None]:
    with mock_aws():
        yield


def test_secrets_manager_json_secret_fills_missing_settings(aws: None, caplog: pytest.LogCaptureFixture) -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(
        Name="demarc/slack",
        SecretString=json.dumps({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}),
    )["ARN"]
    caplog.set_level("INFO")
    settings = lambda_settings({"DEMARC_SECRET_ARN": arn})
    assert settings.slack_bot_token == BOT_TOKEN
    assert settings.slack_signing_secret == SIGNING_SECRET
    assert BOT_TOKEN not in caplog.text and SIGNING_SECRET not in caplog.text
    assert BOT_TOKEN not in repr(settings)

    # Once per container: a rotated value is not re-read until the cache is cleared (a new container).
    client.put_secret_value(SecretId=arn, SecretString=json.dumps({"SLACK_BOT_TOKEN": "xoxb-rotated-000000000"}))
    assert lambda_settings({"DEMARC_SECRET_ARN": arn}).slack_bot_token == BOT_TOKEN
    secrets.clear_cache()
    assert lambda_settings({"DEMARC_SECRET_ARN": arn}).slack_bot_token == "xoxb-rotated-000000000"


def test_environment_wins_over_the_secret(aws: None) -> None:
    env = {"DEMARC_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf",
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    assert secrets.slack_secrets(env) == {}  # nothing missing: the store is not even called


def test_ssm_securestring_parameters(aws: None, caplog: pytest.LogCaptureFixture) -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/demarc/prod/SLACK_BOT_TOKEN", Value=BOT_TOKEN, Type="SecureString")
    ssm.put_parameter(Name="/demarc/prod/SLACK_SIGNING_SECRET", Value=SIGNING_SECRET, Type="SecureString")
    caplog.set_level("INFO")
    settings = lambda_settings({"DEMARC_SSM_PREFIX": "/demarc/prod/"})
    assert settings.slack_bot_token == BOT_TOKEN
    assert settings.slack_signing_secret == SIGNING_SECRET
    assert BOT_TOKEN not in caplog.text and SIGNING_SECRET not in caplog.text


def test_ssm_prefix_without_leading_slash_and_one_missing_parameter(aws: None) -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/demarc/SLACK_BOT_TOKEN", Value=BOT_TOKEN, Type="SecureString")
    assert secrets.slack_secrets({"DEMARC_SSM_PREFIX": "demarc"}) == {"SLACK_BOT_TOKEN": BOT_TOKEN}


def test_unreadable_secret_is_one_sentence_without_values(aws: None) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf"
    with pytest.raises(ConfigError, match=r"could not read the secret .*ResourceNotFoundException"):
        lambda_settings({"DEMARC_SECRET_ARN": arn})


def test_secret_that_is_not_json_is_refused_without_echoing_it(aws: None) -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(Name="demarc/plain", SecretString=BOT_TOKEN)["ARN"]
    with pytest.raises(ConfigError) as info:
        lambda_settings({"DEMARC_SECRET_ARN": arn})
    assert "JSON object" in str(info.value)
    assert BOT_TOKEN not in str(info.value)


def test_debug_logging_on_lambda_keeps_botocore_quiet(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore logs response bodies (the secret values) at DEBUG; DEMARC_LOG_LEVEL must not reach it."""
    import logging

    from handlers.aws_lambda import _configure_logging

    monkeypatch.setenv("DEMARC_LOG_LEVEL", "DEBUG")
    root, botocore = logging.getLogger(), logging.getLogger("botocore")
    before = root.level, botocore.level
    try:
        _configure_logging(lambda_settings())
        assert root.level == logging.DEBUG
        assert not botocore.isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(before[0])
        botocore.setLevel(before[1])
