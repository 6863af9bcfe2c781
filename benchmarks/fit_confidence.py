"""Fit the confidence calibrator (`bot.confidence`) on answers nobody tuned for, and say how it holds.

    python benchmarks/fit_confidence.py               # fit, report, and write catalogue/confidence-model.json
    python benchmarks/fit_confidence.py --dry-run     # report only

Every repository set is answered by a layer model fitted without it (5 folds grouped by set, as
`bench_generalise.py --cross-validate 5` does), so the features are those of first-sight answers;
the public ../shared sets are first sight already. Each cell answer with a verified owner is a
row: its features (`bot.answer.cell_features`) and whether its owner is wrong. A logistic
regression (scikit-learn) is then fitted and, to say how it holds, cross-validated again over the
sets: the share of "high" answers with a wrong owner at the threshold, next to the score
threshold it replaces at the same share of "high". The threshold is the least probability whose
held-out share of "high" answers is at least TARGET_HIGH. A development step (about 6 minutes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_generalise as bg  # noqa: E402

import bot.answer as answer_module  # noqa: E402
from bot.answer import Answerer  # noqa: E402
from bot.catalogue import default_catalogue  # noqa: E402
from bot.confidence import FEATURES, SHIPPED  # noqa: E402
from bot.matcher import CONFIDENT_SCORE  # noqa: E402

FOLDS = 5
C = 1.0  # inverse L2 strength: 0.1 / 0.3 / 1 / 3 held out alike (within 0.1 point of wrong among high)
TARGET_HIGH = 0.86  # the share of cell answers marked "high" the threshold keeps (the issue asks at least 80%)


def first_sight_rows() -> list[dict[str, Any]]:
    """(set, features, wrong) for every calibrated cell answer, each set answered by a model that never saw it."""
    catalogue = default_catalogue()
    sets = bg.labelled_sets()
    answerers: dict[str, Answerer] = {}
    for fold, (held, fold_answerer, _) in enumerate(bg.fold_answerers(catalogue, sets, FOLDS)):
        answerers.update((s.name, fold_answerer) for s in held)
        print(f"  fold {fold + 1}/{FOLDS} fitted", file=sys.stderr, flush=True)
    shipped = Answerer.from_catalogue(catalogue)
    seen: dict[tuple[Any, ...], tuple[dict[str, float], bool]] = {}
    original = answer_module.cell_features

    def recording(*args: Any) -> dict[str, float]:
        values = original(*args)
        match = args[2]
        seen[(match["service"], match["topic"], match["owner"], match["score"])] = (values, args[1].tied)
        return values

    answer_module.cell_features = recording  # type: ignore[assignment]
    rows = []
    try:
        for s in sets:
            grade = bg.grade_outside_item if s.outside else bg.grade_in_format
            for row in s.rows:
                seen.clear()
                answer = bg.ask_json(answerers.get(s.name, shipped), str(row["question"]))
                graded = grade(row, answer)
                m = answer.get("match")
                if not (graded.calibrated and graded.topic_answer and m):
                    continue
                recorded = seen.get((m["service"], m["topic"], m["owner"], m["score"]))
                if recorded is not None:
                    values, tied = recorded
                    # AWS's part of a shared layer is never "high" either (bot.answer): not eligible.
                    first = (answer.get("alternatives") or [{}])[0]
                    whole_layer = first.get("topic") == m["topic"] and first.get("owner") == "shared"
                    eligible = not tied and not ("facet" in m and m["owner"] == "aws" and whole_layer)
                    rows.append({"set": s.name, "x": [values[f] for f in FEATURES], "wrong": graded.owner_wrong,
                                 "score": float(m["score"]), "eligible": eligible,
                                 # what was answered, for studying the misses (the fit reads only the above)
                                 "answered": [m["service"], m["topic"], m["owner"], m.get("variant")]})
    finally:
        answer_module.cell_features = original
    return rows


def fit(rows: list[dict[str, Any]], target_high: float) -> tuple[dict[str, Any], list[str]]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([r["x"] for r in rows])
    y = np.array([int(r["wrong"]) for r in rows])
    names = sorted({r["set"] for r in rows})
    group = np.array([names.index(r["set"]) for r in rows])
    held_out = np.zeros(len(rows))
    for fold in range(FOLDS):
        test = group % FOLDS == fold
        model = LogisticRegression(C=C, max_iter=5000).fit(x[~test], y[~test])
        held_out[test] = 1.0 - model.predict_proba(x[test])[:, 1]
    scores = np.array([r["score"] for r in rows])
    # A tie between two services (the answer asks which one) and AWS's part of a shared layer stay
    # "low" whatever their probability.
    eligible = np.array([bool(r["eligible"]) for r in rows])
    order = np.sort(held_out[eligible])[::-1]
    threshold = float(order[min(int(target_high * len(rows)), len(order)) - 1])
    report = [f"{len(rows)} first-sight cell answers with a verified owner, {int(y.sum())} with a wrong owner"]
    high = eligible & (held_out >= threshold)
    report.append(f"calibrated (held out over sets): high {high.mean():.3f}, wrong among high "
                  f"{y[high].mean():.4f} ({int(y[high].sum())}/{int(high.sum())}); threshold {threshold:.3f}")
    by_score = np.argsort(-scores, kind="stable")[: int(high.sum())]
    report.append(f"score alone at the same share: wrong among high {y[by_score].mean():.4f} "
                  f"({int(y[by_score].sum())}/{len(by_score)}; score >= {scores[by_score].min():g})")
    old = scores >= CONFIDENT_SCORE
    report.append(f"the score threshold alone (score >= {CONFIDENT_SCORE:g}): high {old.mean():.3f}, wrong among high "
                  f"{y[old].mean():.4f} ({int(y[old].sum())}/{int(old.sum())})")
    outside = np.array([r["set"].startswith("outside") for r in rows])
    for label, part in (("in-format", ~outside), ("outside", outside)):
        h = part & high
        report.append(f"  {label}: high {h.sum() / max(part.sum(), 1):.3f}, wrong among high "
                      f"{y[h].sum() / max(h.sum(), 1):.4f} ({int(y[h].sum())}/{int(h.sum())})")
    final = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    body = {
        "about": "P(owner wrong) = sigmoid(intercept + sum(weights * features)); by benchmarks/fit_confidence.py",
        "weights": {f: round(float(w), 5) for f, w in zip(FEATURES, final.coef_[0], strict=True)},
        "intercept": round(float(final.intercept_[0]), 5),
        "threshold": round(threshold, 4),
        "fitted_on": len(rows),
    }
    return body, report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="report only; do not write the weights")
    ap.add_argument("--target-high", type=float, default=TARGET_HIGH, help="share of cell answers to mark high")
    ap.add_argument("--rows", type=Path, help="keep the first-sight rows in this JSON file (read it if it exists)")
    args = ap.parse_args()
    if args.rows is not None and args.rows.exists():
        rows = json.loads(args.rows.read_text(encoding="utf-8"))
    else:
        rows = first_sight_rows()
        if args.rows is not None:
            args.rows.write_text(json.dumps(rows), encoding="utf-8")
    body, report = fit(rows, args.target_high)
    print("\n".join(report))
    if not args.dry_run:
        path = REPO / "catalogue" / SHIPPED
        path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
