"""Questions about AWS products and variants beyond the first 25 ids, graded the way
../shared/tools/grade_outside.py grades them: the answer must be the product asked about with
the right owner, or an honest "not covered"; a wrong owner is the worst failure."""

from __future__ import annotations

import re
from typing import Any

from bot.answer import Answerer
from tests.grading import DATA, read_questions

OWN_SET = DATA / "questions_outside_own.jsonl"  # written before the fixes it measures, owners from AWS docs


def _norm(name: str) -> str:
    name = re.sub(r"\([^)]*\)", " ", name.lower()).replace("amazon ", "").replace("aws ", "")
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def _verdict(row: dict[str, Any], match: dict[str, Any] | None) -> str:
    if match is None:
        return "declined"
    if row["covered_id"]:
        service_ok = match["service"] == row["covered_id"]
    else:
        got, want = _norm(match.get("service_name") or ""), _norm(row["aws_service"])
        service_ok = bool(got) and (got == want or got in want or want in got)
    owners = row["owner"] if isinstance(row["owner"], list) else [row["owner"]]
    owner_ok = row["owner"] is None or match["topic"] is None or match["owner"] in owners
    return "right" if service_ok and owner_ok else "wrong"


def test_own_outside_set_is_answered_and_rarely_wrong(answerer: Answerer) -> None:
    rows = read_questions(OWN_SET)
    verdicts = [(_verdict(row, answerer.answer(row["question"])["match"]), row["question"]) for row in rows]
    right = sum(v == "right" for v, _ in verdicts) / len(rows)
    wrong = [q for v, q in verdicts if v == "wrong"]
    assert right >= 0.90, wrong
    assert len(wrong) / len(rows) <= 0.08, wrong
