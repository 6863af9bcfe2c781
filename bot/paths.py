"""Where demarc finds its built-in data and keeps its state.

The built-in catalogue ships inside the wheel as `bot/_catalogue`; in a source checkout
(or an editable install) it is the repository's top-level `catalogue/` directory.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_catalogue_dir() -> Path:
    shipped = _PACKAGE_DIR / "_catalogue"
    if shipped.is_dir():
        return shipped
    return _PACKAGE_DIR.parent / "catalogue"


def default_state_path() -> Path:
    """`DEMARC_STATE` when set, else a SQLite file in the user's data directory."""
    configured = os.environ.get("DEMARC_STATE")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("demarc", appauthor=False)) / "state.sqlite3"
