"""A cache of the built catalogue and matcher index, so `demarc ask` starts in milliseconds.

Parsing ~30 YAML files and indexing every phrase takes well over 100 ms, and a terminal
command or a Lambda cold start pays it on every run. The built objects are pickled to the
user's cache directory under a key made of demarc's version, the matcher's own source files,
and every catalogue file's path, size and modification time: any change to any of them is
a new key, so a stale cache is never used. The file is the user's own (mode 0600, in their
cache directory); anything unreadable or unexpected is ignored and rebuilt.
`DEMARC_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, TypeVar

from bot import __version__

log = logging.getLogger("demarc.cache")
T = TypeVar("T")
_CODE = (
    "catalogue.py",
    "matcher.py",
    "text.py",
    "answer.py",
    "topic_model.py",
    "gazetteer.py",
    "services_graph.py",
    "cell_text.py",
)


def _cache_dir() -> Path:
    configured = os.environ.get("DEMARC_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("demarc", appauthor=False))


def cache_key(directories: Sequence[Path]) -> str:
    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in _CODE:
        if not (here / name).is_file():
            continue
        stat = (here / name).stat()
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for directory in directories:
        for path in sorted(Path(directory).rglob("*")):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                stat = path.stat()
                digest.update(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def cached(directories: Sequence[Path], build: Callable[[], T], kind: type[T]) -> T:
    """`build()`'s result, from the cache when the key matches, else built and stored."""
    return cached_as("answerer", cache_key(directories), build, kind)


def cached_as(prefix: str, key: str, build: Callable[[], T], kind: type[T]) -> T:
    """`build()`'s result stored as `<prefix>-<key>.pickle`: one current file per prefix.

    The trained topic model and the gazetteer of AWS product names use it with keys of their
    own (the training text's digest, botocore's version), so a catalogue overlay that changes
    no topic text does not retrain, and botocore's models are read once per botocore version.
    """
    if os.environ.get("DEMARC_NO_CACHE", "").strip() not in ("", "0"):
        return build()
    try:
        path = _cache_dir() / f"{prefix}-{key}.pickle"
        if path.is_file():
            with path.open("rb") as handle:
                value = _load_quickly(handle)  # the user's own 0600 file, keyed as above
            if isinstance(value, kind):
                return value
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        log.debug("catalogue cache unreadable; rebuilding", exc_info=True)
    value = build()
    try:
        _store(path, value)
    except (OSError, pickle.PickleError, TypeError, AttributeError, UnboundLocalError):
        log.debug("catalogue cache not written", exc_info=True)
    return value


def _load_quickly(handle: BinaryIO) -> object:
    """Unpickle with the cyclic garbage collector paused.

    A cache holds ~100,000 small objects, and every few hundred new ones start a collection
    that walks them all again: a third of a cold `ask` went there. Nothing unpickled here is
    garbage, so pausing it loses nothing; it is back on (if it was) before this returns.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(handle)
    finally:
        if enabled:
            gc.enable()


def _store(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = path.name.split("-", 1)[0]
    for old in path.parent.glob(f"{prefix}-*.pickle"):
        # the answerer and catalogue replace their old copy; models stay (an overlay and the
        # built-in one alternate)
        if old != path and prefix in ("answerer", "catalogue"):
            old.unlink(missing_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{prefix}-", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.chmod(0o600)
        tmp.replace(path)  # atomic: a concurrent reader sees the old file or the new one
    finally:
        tmp.unlink(missing_ok=True)
