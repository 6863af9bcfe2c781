"""Check titles, severities and fixes from `catalogue/checks.yaml` (owned by the catalogue)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from bot.paths import builtin_catalogue_dir


@dataclass(frozen=True)
class CheckMeta:
    id: str
    service: str
    topic: str
    title: str
    severity: str
    fix: str


@lru_cache(maxsize=1)
def load() -> dict[str, CheckMeta]:
    data = yaml.safe_load((builtin_catalogue_dir() / "checks.yaml").read_text(encoding="utf-8")) or {}
    out = {}
    for check_id, entry in (data.get("checks") or {}).items():
        out[check_id] = CheckMeta(
            check_id,
            str(entry.get("service", "")),
            str(entry.get("topic", "")),
            str(entry.get("title", check_id)),
            str(entry.get("severity", "medium")),
            str(entry.get("fix", "")).strip(),
        )
    return out


def get(check_id: str) -> CheckMeta | None:
    return load().get(check_id)
