"""Shared fixtures: the built-in catalogue and its answerer, loaded once per test session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

from bot.answer import Answerer
from bot.catalogue import Catalogue, load_catalogue
from bot.paths import builtin_catalogue_dir
from tests.slack.fakes import FakeSlack


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue([builtin_catalogue_dir()])


@pytest.fixture(scope="session")
def answerer(catalogue: Catalogue) -> Answerer:
    return Answerer.from_catalogue(catalogue)


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir() -> Iterator[None]:
    """Tests and the subprocesses they start never touch the user's own catalogue cache."""
    with tempfile.TemporaryDirectory(prefix="demarc-cache-") as directory:
        previous = os.environ.get("DEMARC_CACHE_DIR")
        os.environ["DEMARC_CACHE_DIR"] = directory
        yield
        if previous is None:
            os.environ.pop("DEMARC_CACHE_DIR", None)
        else:
            os.environ["DEMARC_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    """One fake Slack Web API on loopback for the whole session (Slack and Lambda tests)."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack(fake_slack: FakeSlack) -> FakeSlack:
    """The fake Slack with the previous test's calls forgotten."""
    fake_slack.reset()
    return fake_slack
