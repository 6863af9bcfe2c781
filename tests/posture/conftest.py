"""Fixtures for the posture tests: a state file per test and a moto server for DynamoDB.

The fake Slack is the shared one (`slack` in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.posture.moto_server import MotoServer


@pytest.fixture
def state_file(tmp_path: Path) -> str:
    return str(tmp_path / "state.sqlite3")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def dynamo_url(
    moto_server: MotoServer, aws_env: None, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> str:
    """A fresh table on the shared moto server; AWS_ENDPOINT_URL points boto3 at it."""
    import re

    import boto3

    from bot.store import DynamoStore

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    table = "demarc-" + re.sub(r"[^A-Za-z0-9_.-]", "-", request.node.name)[:200]
    DynamoStore.create_table(boto3.client("dynamodb", region_name="eu-west-1"), table)
    return f"dynamodb://{table}?region=eu-west-1"
