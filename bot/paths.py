"""Where demarc finds its built-in data and keeps its state.

The built-in catalogue ships inside the wheel as `bot/_catalogue`; in a source checkout
(or an editable install) it is the repository's top-level `catalogue/` directory.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_catalogue_dir() -> Path:
    shipped = _PACKAGE_DIR / "_catalogue"
    if shipped.is_dir():
        return shipped
    return _PACKAGE_DIR.parent / "catalogue"


def default_state_path() -> Path:
    """The SQLite file used when `DEMARC_STATE` is unset: in the user's data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("demarc", appauthor=False)) / "state.sqlite3"
