"""Amazon EKS Kubernetes versions and their end of standard support, from
`catalogue/eks-versions.yaml` (data, not code: a new date changes only the YAML)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.errors import ConfigError
from bot.paths import builtin_catalogue_dir

FILE_NAME = "eks-versions.yaml"


@dataclass(frozen=True)
class EksVersion:
    id: str
    end_of_standard_support: dt.date
    end_of_extended_support: dt.date | None

    def past_standard_support(self, today: dt.date) -> bool:
        """Standard support ended on or before `today` (the scan's date, from the injected clock)."""
        return self.end_of_standard_support <= today


def parse(text: str, source: str = FILE_NAME) -> dict[str, EksVersion]:
    data = yaml.safe_load(text) or {}
    table = data.get("eks_versions") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: expected an 'eks_versions' mapping")
    out: dict[str, EksVersion] = {}
    for version, entry in table.items():
        end = entry.get("end_of_standard_support") if isinstance(entry, dict) else None
        extended = entry.get("end_of_extended_support") if isinstance(entry, dict) else None
        if not isinstance(end, dt.date) or (extended is not None and not isinstance(extended, dt.date)):
            raise ConfigError(f"{source}: {version}: support ends must be dates (YYYY-MM-DD)")
        out[str(version)] = EksVersion(str(version), end, extended)
    return out


@lru_cache(maxsize=4)
def load(path: Path | None = None) -> dict[str, EksVersion]:
    path = path or builtin_catalogue_dir() / FILE_NAME
    return parse(path.read_text(encoding="utf-8"), str(path))
