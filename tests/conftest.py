"""Shared fixtures: the built-in catalogue and its answerer, loaded once per test session;
the frozen instants every time-sensitive test also runs at."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine

from bot.answer import Answerer
from bot.catalogue import Catalogue, load_catalogue
from bot.paths import builtin_catalogue_dir
from tests.slack.fakes import FakeSlack


def _install_moto_extensions() -> None:
    """moto's missing parts (Access Analyzer, pinned credential dates, ...: tests/checks/moto_ext.py)
    for every test directory that scans a moto account, whichever files a run collects. Imported
    under the name tests/checks' own conftest uses, so it is installed once."""
    import sys

    checks = str(Path(__file__).parent / "checks")
    if checks not in sys.path:
        sys.path.insert(0, checks)
    import moto_ext  # noqa: F401


_install_moto_extensions()


def _keep_compiled_code() -> None:
    """Let this run, its xdist workers and the `demarc` processes the tests start write and
    reuse bytecode, even where the environment turns it off (PYTHONDONTWRITEBYTECODE=1 on the
    CI machine): otherwise every one of those processes compiles the project and pytest
    re-rewrites every test module, about a fifth of the suite's CPU time."""
    import sys

    sys.dont_write_bytecode = False
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


_keep_compiled_code()

#: The system clock is frozen at each of these for tests marked `time_sensitive`: if any code
#: read the real time instead of the injected clock, its result would change with the instant.
#: DEMARC_TZ is New York for all of them (the time-sensitive tests that read it set it so).
FROZEN_INSTANTS = {
    "now": None,  # the real clock, as CI sees it on the day it runs
    "23:59:59-in-demarc-tz": "2026-11-23T23:59:59-05:00",
    "dst-spring-forward": "2027-03-14T07:00:30Z",  # 02:00:30 EST does not exist: 03:00:30 EDT
    "dst-fall-back": "2026-11-01T06:30:00Z",  # 01:30 EDT, an hour before 01:30 EST
    "a-year-from-now": "2027-12-02T12:00:00Z",
}
FROZEN_TZ = "America/New_York"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "time_sensitive: run once per instant of FROZEN_INSTANTS, with the system clock frozen there"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("time_sensitive"):
        metafunc.fixturenames.append("_frozen_instant")
        metafunc.parametrize("_frozen_instant", list(FROZEN_INSTANTS), indirect=True)


@pytest.fixture
def _frozen_instant(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Freeze (and let tick) the system clock at one instant, with DEMARC_TZ in New York."""
    monkeypatch.setenv("DEMARC_TZ", FROZEN_TZ)
    instant = FROZEN_INSTANTS[request.param]
    if instant is None:
        yield request.param
        return
    with time_machine.travel(instant, tick=True):
        yield request.param


#: The one fake-AWS environment: fake credentials (never the developer's real account), no
#: profile, endpoint, region or config file from the developer's shell, and few retries.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/demarc-test-credentials",
    "DEMARC_AWS_MAX_ATTEMPTS": "2",
    # moto's thousands of default AMIs cost seconds to build and list in every mock; no test needs them
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}
CLEARED_AWS_ENV = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_LAMBDA",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_REGION",
    "AWS_CONFIG_FILE",
    "DEMARC_REGIONS",
)


def use_fake_aws(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    """Point boto3 at fake credentials only (moto or a loopback endpoint set by the test)."""
    for key in CLEARED_AWS_ENV:
        monkeypatch.delenv(key, raising=False)
    for key, value in {**FAKE_AWS_ENV, **extra}.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake-AWS environment for one test."""
    use_fake_aws(monkeypatch)


@pytest.fixture(scope="session")
def answerer(_private_cache_dir: Path) -> Answerer:
    """The built-in catalogue's answerer, through the same cache `demarc ask` uses: built once
    for the whole run (every xdist worker and every `demarc` subprocess then loads it)."""
    from bot.cache import cached

    directories = [builtin_catalogue_dir()]
    with (_private_cache_dir / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker builds; the others wait, then load
        return cached(directories, lambda: Answerer.from_catalogue(load_catalogue(directories)), Answerer)


@pytest.fixture(scope="session")
def catalogue(answerer: Answerer) -> Catalogue:
    return answerer.catalogue


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Path]:
    """Tests and the subprocesses they start never touch the user's own catalogue cache.

    One directory for the whole run, shared by the xdist workers: the cache's keys are the
    code and catalogue files themselves, so sharing is safe, and the index is built once.
    """
    root = tmp_path_factory.getbasetemp()
    directory = (root.parent if worker_id != "master" else root) / "demarc-cache"
    directory.mkdir(exist_ok=True)
    previous = os.environ.get("DEMARC_CACHE_DIR")
    os.environ["DEMARC_CACHE_DIR"] = str(directory)
    yield directory
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
