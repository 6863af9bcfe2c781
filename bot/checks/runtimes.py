"""Lambda runtime deprecation dates, from `catalogue/lambda-runtimes.yaml`.

Data, not code: when AWS announces a new date only the YAML changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.errors import ConfigError
from bot.paths import builtin_catalogue_dir

FILE_NAME = "lambda-runtimes.yaml"


@dataclass(frozen=True)
class Runtime:
    id: str
    deprecated: dt.date | None

    def is_deprecated(self, today: dt.date) -> bool:
        """Deprecated on or before `today` (the run date)."""
        return self.deprecated is not None and self.deprecated <= today


def parse(text: str, source: str = FILE_NAME) -> dict[str, Runtime]:
    data = yaml.safe_load(text) or {}
    table = data.get("lambda_runtimes") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: expected a 'lambda_runtimes' mapping")
    out: dict[str, Runtime] = {}
    for runtime_id, entry in table.items():
        date = entry.get("deprecated") if isinstance(entry, dict) else None
        if date is not None and not isinstance(date, dt.date):
            raise ConfigError(f"{source}: {runtime_id}: 'deprecated' must be a date (YYYY-MM-DD) or null")
        out[str(runtime_id)] = Runtime(str(runtime_id), date)
    return out


@lru_cache(maxsize=4)
def load(path: Path | None = None) -> dict[str, Runtime]:
    """The runtime table (the built-in one unless `path` is given)."""
    path = path or builtin_catalogue_dir() / FILE_NAME
    return parse(path.read_text(encoding="utf-8"), str(path))
