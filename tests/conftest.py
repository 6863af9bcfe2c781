"""Shared fixtures: the built-in catalogue and its answerer, loaded once per test session."""

from __future__ import annotations

import pytest

from bot.answer import Answerer
from bot.catalogue import Catalogue, load_catalogue
from bot.paths import builtin_catalogue_dir


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue([builtin_catalogue_dir()])


@pytest.fixture(scope="session")
def answerer(catalogue: Catalogue) -> Answerer:
    return Answerer.from_catalogue(catalogue)
