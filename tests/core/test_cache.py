"""The catalogue cache is used only while nothing it was built from has changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.cache import cache_key, cached
from bot.paths import builtin_catalogue_dir


class Built:
    def __init__(self, n: int) -> None:
        self.n = n


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("DEMARC_CACHE_DIR", str(directory))
    monkeypatch.delenv("DEMARC_NO_CACHE", raising=False)
    return directory


def test_second_build_comes_from_the_cache(cache_dir: Path, tmp_path: Path) -> None:
    catalogue = tmp_path / "cat"
    shutil.copytree(builtin_catalogue_dir(), catalogue)
    builds: list[int] = []

    def build() -> Built:
        builds.append(1)
        return Built(len(builds))

    assert cached([catalogue], build, Built).n == 1
    assert cached([catalogue], build, Built).n == 1
    assert len(builds) == 1
    assert [p.stat().st_mode & 0o777 for p in cache_dir.glob("*.pickle")] == [0o600]


def test_a_changed_catalogue_file_is_a_new_key(cache_dir: Path, tmp_path: Path) -> None:
    catalogue = tmp_path / "cat"
    shutil.copytree(builtin_catalogue_dir(), catalogue)
    before = cache_key([catalogue])
    topics = catalogue / "topics.yaml"
    stat = topics.stat()
    os.utime(topics, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert cache_key([catalogue]) != before
    (catalogue / "extra.yaml").write_text("teams: {os-patching: '@x'}\\n", encoding="utf-8")
    assert len({before, cache_key([catalogue])}) == 2


def test_a_corrupt_cache_is_rebuilt(cache_dir: Path, tmp_path: Path) -> None:
    catalogue = tmp_path / "cat"
    shutil.copytree(builtin_catalogue_dir(), catalogue)
    cached([catalogue], lambda: Built(1), Built)
    [path] = cache_dir.glob("*.pickle")
    path.write_bytes(b"not a pickle")
    assert cached([catalogue], lambda: Built(2), Built).n == 2


def test_no_cache_means_no_file(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMARC_NO_CACHE", "1")
    assert cached([builtin_catalogue_dir()], lambda: Built(3), Built).n == 3
    assert not cache_dir.exists()


def test_an_unwritable_cache_directory_is_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("DEMARC_CACHE_DIR", str(blocker / "cache"))
    assert cached([builtin_catalogue_dir()], lambda: Built(4), Built).n == 4


def test_the_catalogue_itself_is_cached_and_a_change_reloads_it(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`default_catalogue()` (what the posture job and `demarc check` name cells with) parses
    the YAML once; a later process reads the cache, and an edited file is parsed again."""
    import bot.catalogue as catalogue_module

    directory = tmp_path / "cat"
    shutil.copytree(builtin_catalogue_dir(), directory)
    parsed: list[int] = []
    real = catalogue_module.load_catalogue
    monkeypatch.setattr(catalogue_module, "load_catalogue", lambda dirs=None: parsed.append(1) or real(dirs))
    first = catalogue_module._cached.__wrapped__((directory,))
    again = catalogue_module._cached.__wrapped__((directory,))  # as a new process would: no lru entry
    assert len(parsed) == 1 and again.services.keys() == first.services.keys()
    assert [p.name.split("-")[0] for p in cache_dir.glob("*.pickle")] == ["catalogue"]
    services = directory / "services.yaml"
    stat = services.stat()
    os.utime(services, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    catalogue_module._cached.__wrapped__((directory,))
    assert len(parsed) == 2


def test_every_module_whose_objects_are_cached_is_in_the_key(answerer: object) -> None:
    """The pickled answerer holds objects of these modules: editing one must be a new key."""
    from bot import cache

    matcher = answerer.matcher  # type: ignore[attr-defined]
    held = [answerer, matcher, *vars(matcher).values(), *vars(answerer).values()]
    modules = {type(value).__module__ for value in held if type(value).__module__.startswith("bot.")}
    files = {module.removeprefix("bot.").replace(".", "/") + ".py" for module in modules}
    assert files <= set(cache._CODE), sorted(files - set(cache._CODE))
