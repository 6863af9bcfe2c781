"""`demarc posture` as a cron job runs it: exit codes, one-line errors, posting once."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from handlers.cli import main
from handlers.posture import post
from tests.posture.helpers import CHANNEL
from tests.slack.fakes import FakeSlack


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, state_file: str) -> FakeSlack:
    monkeypatch.setattr(post, "POST_INTERVAL", 0.0)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("DEMARC_POSTURE_CHANNEL", CHANNEL)
    monkeypatch.setenv("DEMARC_STATE", state_file)
    return slack


@pytest.fixture
def moto_account(aws_env: None) -> Iterator[None]:
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="plain-bucket")
        yield


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["posture", "--force"], "--force"),
        (["posture", "--post"], "SLACK_BOT_TOKEN and DEMARC_POSTURE_CHANNEL"),
        (["posture", "--state", "redis://cache"], "unknown store"),
        (["posture", "--bogus"], "unrecognized arguments"),
    ],
)
def test_usage_and_config_errors_exit_2_with_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SLACK_BOT_TOKEN", "DEMARC_POSTURE_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    assert code == 2
    assert needle in one_line_error(capsys)


def test_post_posts_once_and_a_rerun_is_skipped(
    slack_env: FakeSlack, moto_account: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["posture", "--post", "--json", "--region", "us-east-1"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["account"] == "123456789012"
    assert "posted" in captured.err
    assert main(["posture", "--post", "--region", "us-east-1"]) == 0
    assert "already posted" in capsys.readouterr().err
    [call] = slack_env.of("chat.postMessage")
    assert "plain-bucket" in json.dumps(call.body["blocks"])


def test_post_without_aws_credentials_reports_the_failure(
    slack_env: FakeSlack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert main(["posture", "--post"]) == 2
    assert "scan failed" in capsys.readouterr().err
    [notice] = slack_env.of("chat.postMessage")
    assert "not an all-clear" in json.dumps(notice.body["blocks"])
