"""The acceptance measures of ../shared/QUESTIONS.md, for tests that hold the matcher to its bars."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_DEV_SET = REPO.parent / "shared" / "questions_dev.jsonl"
DATA = Path(__file__).resolve().parent / "data"
BARS = {"owner": 0.95, "service": 0.95, "topic": 0.90, "abstain": 0.90, "check": 0.90}  # the bars


def read_questions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _as_set(value: Any) -> set[Any]:
    if value is None:
        return {None}
    return set(value) if isinstance(value, list) else {value}


def grade(
    rows: Iterable[dict[str, Any]], answer: Callable[[str], dict[str, Any]]
) -> tuple[dict[str, float], list[str]]:
    """Rates per measure, and a line per miss (for the assertion message)."""
    tally: dict[str, list[int]] = {
        k: [0, 0] for k in ("owner", "service", "topic", "whole", "abstain", "check", "check_fp")
    }
    misses: list[str] = []

    def count(measure: str, ok: bool, row: dict[str, Any], got: Any) -> None:
        tally[measure][1] += 1
        tally[measure][0] += int(ok)
        if not ok:
            misses.append(f"{measure}: {row['question'][:70]!r} want {row.get(measure)} got {got}")

    for row in rows:
        result = answer(row["question"])
        match = result["match"]
        got = (match or {}).get("service"), (match or {}).get("topic"), (match or {}).get("owner"), result["check"]
        kind = row["kind"]
        if kind == "cell":
            count("owner", match is not None and match["owner"] in _as_set(row["owner"]), row, got)
            count("topic", match is not None and match["topic"] in _as_set(row["topic"]), row, got)
        if kind in ("cell", "service"):
            count("service", match is not None and match["service"] in _as_set(row["service"]), row, got)
        if kind == "service":
            count(
                "whole", match is not None and match["service"] == row["service"] and match["topic"] is None, row, got
            )
        if kind == "none":
            count("abstain", match is None, row, got)
        if kind == "account":
            count("check", result["check"] == row["check"], row, got)
        else:
            check = result["check"]
            count("check_fp", not (check is not None and check not in _as_set(row["check"])), row, got)
    rates = {k: (ok / n if n else 1.0) for k, (ok, n) in tally.items()}
    return rates, misses
