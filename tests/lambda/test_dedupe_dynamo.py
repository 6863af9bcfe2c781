"""The DynamoDB seen-event store: one winner per event id, across containers, expiring with TTL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.errors import ConfigError
from bot.store import DynamoStore, StateLocation, parse_state
from bot.store.seen_dynamo import TTL_ATTRIBUTE, DynamoEventIds

TABLE = "demarc-state"


@pytest.fixture
def dynamodb(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        DynamoStore.create_table(client, TABLE)
        yield client


def test_first_claim_wins_and_a_second_container_sees_it(dynamodb: Any) -> None:
    one = DynamoEventIds(TABLE, region="us-east-1")
    two = DynamoEventIds.from_url(f"dynamodb://{TABLE}?region=us-east-1")  # another container
    assert one.claim("Ev001", now=1_000_000) is True
    assert two.claim("Ev001", now=1_000_005) is False
    assert one.claim("Ev002", now=1_000_005) is True
    item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "event#Ev001"}, "sk": {"S": "seen"}})["Item"]
    assert int(item[TTL_ATTRIBUTE]["N"]) == 1_000_000 + 3600


def test_an_expired_item_not_yet_deleted_by_ttl_counts_as_absent(dynamodb: Any) -> None:
    ids = DynamoEventIds(TABLE, region="us-east-1", ttl_seconds=60)
    assert ids.claim("Ev003", now=1_000_000) is True
    assert ids.claim("Ev003", now=1_000_030) is False
    assert ids.claim("Ev003", now=1_000_061) is True


def test_unreachable_table_fails_open(dynamodb: Any) -> None:
    assert DynamoEventIds("no-such-table", region="us-east-1").claim("Ev004") is True


def test_url_parsing() -> None:
    assert parse_state("dynamodb://demarc-state") == StateLocation("dynamodb", table="demarc-state")
    assert parse_state("dynamodb://demarc-state?region=eu-west-1") == StateLocation(
        "dynamodb", table="demarc-state", region="eu-west-1"
    )
    assert parse_state("/tmp/state.sqlite3") == StateLocation("sqlite", path=Path("/tmp/state.sqlite3"))
    with pytest.raises(ConfigError):
        parse_state("dynamodb://x")
    with pytest.raises(ConfigError):
        DynamoEventIds.from_url("/tmp/state.sqlite3")
