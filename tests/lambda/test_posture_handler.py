"""`posture_handler` on an EventBridge schedule event: a moto account, the DynamoDB store, the fake Slack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import time_machine
from moto import mock_aws

from bot.errors import ConfigError
from bot.store import DynamoStore
from handlers.aws_lambda import posture_handler
from tests.slack.fakes import BOT_TOKEN, FakeSlack

from .conftest import POSTURE_CHANNEL
from .events import ACCOUNT, FakeContext

TABLE = "demarc-state"
SCHEDULE_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": ACCOUNT,
    "time": "2026-11-23T09:00:00Z",
    "region": "us-east-1",
    "resources": [f"arn:aws:events:us-east-1:{ACCOUNT}:rule/demarc-PostureFunctionDaily"],
    "detail": {},
}


@pytest.fixture
def account(aws_env: None, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The posture function's environment against a seeded moto account (a public bucket, a user)."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("DEMARC_POSTURE_CHANNEL", POSTURE_CHANNEL)
    monkeypatch.setenv("DEMARC_STATE", f"dynamodb://{TABLE}")
    monkeypatch.setenv("DEMARC_REGIONS", "us-east-1")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        DynamoStore.create_table(dynamodb, TABLE)
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="public-assets")
        s3.put_bucket_policy(Bucket="public-assets", Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                           "Resource": "arn:aws:s3:::public-assets/*"}],
        }))
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="alice")
        iam.create_login_profile(UserName="alice", Password="Correct-Horse-1!")
        yield {"dynamodb": dynamodb}


@pytest.mark.time_sensitive
def test_posts_once_then_skips_the_same_day(account: dict[str, Any], slack: FakeSlack) -> None:
    first = posture_handler(SCHEDULE_EVENT, FakeContext(function_name="demarc-posture"))
    assert first["status"] == "posted", first
    posts = [c for c in slack.of("chat.postMessage") if c.body.get("channel") == POSTURE_CHANNEL]
    main = [c for c in posts if not c.body.get("thread_ts")]
    assert len(main) == 1
    assert "public-assets" in "".join(c.text_blob for c in posts)
    assert first["ts"]

    # EventBridge delivers at least once, and a retry may land in another container.
    second = posture_handler(SCHEDULE_EVENT, FakeContext(function_name="demarc-posture"))
    assert second["status"] == "skipped"
    assert len(slack.of("chat.postMessage")) == len(posts)

    # The run and the post claim are in DynamoDB, where the next day's deltas will find them.
    store = DynamoStore(TABLE, region="us-east-1")
    assert store.accounts() == [ACCOUNT]


def test_refuses_a_store_that_would_forget(account: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                           slack: FakeSlack) -> None:
    monkeypatch.setenv("DEMARC_STATE", "/tmp/demarc-state.sqlite3")
    with pytest.raises(ConfigError, match="dynamodb://"):
        posture_handler(SCHEDULE_EVENT, FakeContext())
    assert slack.user_visible() == []


def test_needs_a_channel(account: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMARC_POSTURE_CHANNEL")
    with pytest.raises(ConfigError, match="DEMARC_POSTURE_CHANNEL"):
        posture_handler(SCHEDULE_EVENT, FakeContext())


def test_the_day_is_the_events_not_the_clocks(account: dict[str, Any], slack: FakeSlack) -> None:
    """A retry of the 09:00 event that runs after midnight still means that day's summary."""
    assert posture_handler(SCHEDULE_EVENT, FakeContext())["status"] == "posted"
    with time_machine.travel("2026-11-24T00:00:30Z", tick=False):
        late_retry = posture_handler(SCHEDULE_EVENT, FakeContext())
    assert late_retry["status"] == "skipped", late_retry
    with time_machine.travel("2026-11-23T10:00:00Z", tick=False):
        next_day = posture_handler(dict(SCHEDULE_EVENT, time="2026-11-24T09:00:00Z"), FakeContext())
    assert next_day["status"] == "posted", next_day
    headers = [c.text_blob for c in slack.of("chat.postMessage") if not c.body.get("thread_ts")]
    assert any("2026-11-23" in h for h in headers) and any("2026-11-24" in h for h in headers)
