"""Do the answers hold on questions nobody tuned for?

    python benchmarks/bench_generalise.py            # every labelled set, the current constants
    python benchmarks/bench_generalise.py --loso     # and leave-one-set-out selection of the constants
    python benchmarks/bench_generalise.py --cross-validate 5   # and each repository set graded by a
                                                    # layer model that never learnt from it

For each labelled set (../shared/questions_dev*.jsonl, tests/data/questions_*.jsonl) it prints
the measures of ../shared/tools/grade_questions.py (owner, service, topic, whole-service,
abstention, check, no stray check), scored exactly as that grader scores them (its helpers are
imported when ../shared/tools is there), plus calibration: the share of cell answers marked
"high" and the share of those with a wrong owner. The outside sets (questions_outside_*.jsonl)
get the verdicts of ../shared/tools/grade_outside.py (right / wrong / declined) and the same
calibration over their items with a verified owner. Everything runs in-process through
`bot.answer.Answerer` and `bot.conversation.answer_message` (the path of `demarc ask --json -`,
which splits a message into its questions), so it measures what the graders see.

`--loso` chooses the matcher's free constants leave-one-set-out: for each held-out set, the grid
point that maximises the objective on the OTHER sets (outside sets included as folds), then that
set's figures with those values, next to its figures with the shipped constants. Three
procedures share one sweep: (a) PHRASE_BLEND, MODEL_ONLY_PROBABILITY, TIE_FACTOR and
the confidence threshold (CONFIDENCE: the calibrated probability of a right owner, in %)
together; (b) PHRASE_BLEND and MODEL_ONLY_PROBABILITY alone (the two that change
answers, confidence left as shipped); (c) ALIAS_WEIGHT and HINT_WEIGHT alone (read when the phrase
index is built, so each value builds a new Matcher, about 0.3 s). The constants are patched as
module attributes of `bot.matcher` for each grid point; no file is edited. The topic model's
training constants are not swept: each value would retrain the model (about 15 s in plain Python).

Objective (fixed before the sweep): the mean, over the in-format training sets, of
(owner + topic + whole-service accuracy) / 3; subject to a hard cap (`--cap`, default 1%): at most
that share of the training sets' "high" cell answers (pooled, outside items with a verified
owner included) carry a wrong owner. The threshold never changes an answer, only its
confidence: with a procedure that may move it, the lowest threshold meeting the cap (the most
"high" answers) is taken. Ties on the objective go to the grid point nearest the shipped
constants. The differences are printed in questions, not only rates: on sets of 90-220
questions one question is 0.5-1.9 points.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import bot.confidence as confidence_module  # noqa: E402
import bot.matcher as matcher_module  # noqa: E402
from bot.answer import Answerer  # noqa: E402
from bot.catalogue import Catalogue, default_catalogue  # noqa: E402
from bot.conversation import answer_message, turn_json  # noqa: E402

SHARED = REPO.parent / "shared"
TOOLS = SHARED / "tools"
CAP = 0.01  # at most this share of "high" answers with a wrong owner
ANSWER_TIME = ("PHRASE_BLEND", "MODEL_ONLY_PROBABILITY", "TIE_FACTOR")  # read as each question is answered
INDEX_TIME = ("ALIAS_WEIGHT", "HINT_WEIGHT")  # read when the phrase index is built: a new Matcher per value
SWEPT = (*ANSWER_TIME, *INDEX_TIME)
GRID: dict[str, tuple[float, ...]] = {
    "PHRASE_BLEND": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5),
    "MODEL_ONLY_PROBABILITY": (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01),
    "TIE_FACTOR": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "ALIAS_WEIGHT": (2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0),  # swept apart (the others at their shipped values): a
    "HINT_WEIGHT": (0.5, 1.0, 1.5, 2.0),  # rebuild per point makes the full product too slow here
}
THRESHOLDS = (80.0, 85.0, 90.0, 92.0, 94.0, 95.0, 96.0, 97.0, 98.0, 99.0)  # probability of a right owner, %


def _load_tool(name: str) -> ModuleType | None:
    path = TOOLS / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"_grader_{name}", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_GQ = _load_tool("grade_questions")
_GO = _load_tool("grade_outside")


def as_set(value: Any) -> set[Any]:
    if _GQ is not None:
        return set(_GQ.as_set(value))
    if value is None:
        return {None}
    return set(value) if isinstance(value, list) else {value}


def owners(value: Any) -> set[Any]:
    if _GO is not None:
        return set(_GO.owners(value))
    return set(value) if isinstance(value, list) else ({value} if value else set())


def same_product(service_id: str, service_name: str, aws_service: str) -> bool:
    if _GO is not None:
        return bool(_GO.same_product(service_id, service_name, aws_service))

    def norm(s: str) -> str:
        s = re.sub(r"\([^)]*\)", " ", s.lower())
        for w in ("amazon ", "aws "):
            s = s.replace(w, "")
        return re.sub(r"[^a-z0-9]+", " ", s).strip()

    first25 = {"ec2", "ebs", "vpc", "autoscaling", "elb", "rds", "aurora", "emr", "ecs", "fargate", "eks", "lambda",
               "s3", "dynamodb", "cloudfront", "elastic-beanstalk", "api-gateway", "sqs", "sns", "elasticache", "iam",
               "cloudtrail", "infrastructure-services", "container-services", "abstracted-services"}
    a, b = norm(service_name), norm(aws_service)
    return service_id not in first25 and bool(a) and (a == b or a in b or b in a)


@dataclass(frozen=True)
class LabelledSet:
    name: str
    rows: tuple[dict[str, Any], ...]
    outside: bool


def labelled_sets() -> list[LabelledSet]:
    paths = [SHARED / "questions_dev.jsonl", SHARED / "questions_dev2.jsonl", SHARED / "questions_outside_dev.jsonl"]
    paths += sorted((REPO / "tests" / "data").glob("questions_*.jsonl"))
    sets = []
    for path in paths:
        if not path.exists():
            continue
        rows = tuple(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        sets.append(LabelledSet(path.stem.removeprefix("questions_"), rows, path.stem.startswith("questions_outside")))
    return sets


# ------------------------------------------------------------------ scoring, as the graders do

@dataclass(frozen=True)
class Graded:
    """One answer, reduced to what the measures need; `score` lets any threshold be applied."""

    metrics: tuple[tuple[str, bool], ...]  # (measure, right) pairs, grade_questions' tally
    calibrated: bool  # counts in calibration (a cell item; an outside item with a verified owner)
    topic_answer: bool  # a cell answered (match with a topic)
    owner_wrong: bool  # that cell's owner is not one the key accepts
    score: float
    verdict: str | None = None  # outside sets: right / declined / wrong


def certainty(m: dict[str, Any] | None) -> float:
    """What the confidence threshold applies to, in %: a cell answer's calibrated probability of a
    right owner (`match.probability`), else the score."""
    if m is None:
        return 0.0
    if m.get("probability") is not None:
        return 100.0 * float(m["probability"])
    return float(m.get("score", 0.0))


def grade_in_format(row: dict[str, Any], a: dict[str, Any]) -> Graded:
    """grade_questions.py's tally for one item, line for line."""
    out: list[tuple[str, bool]] = []
    kind = row.get("kind")
    m = a.get("match") if a else None
    m = m if isinstance(m, dict) else None
    if kind == "cell":
        out.append(("owner", m is not None and m.get("owner") in as_set(row.get("owner"))))
        out.append(("topic", m is not None and m.get("topic") in as_set(row.get("topic"))))
    if kind in ("cell", "service"):
        out.append(("service", m is not None and m.get("service") in as_set(row.get("service"))))
    if kind == "service":
        out.append(("whole", m is not None and m.get("service") == row.get("service") and m.get("topic") is None))
    if kind == "none":
        out.append(("abstain", a is not None and a.get("match") is None))
    if kind == "account":
        out.append(("check", a is not None and a.get("check") == row.get("check")))
    else:
        c = a.get("check") if a else None
        out.append(("check_fp", not (c is not None and c not in as_set(row.get("check")))))
    topic_answer = kind == "cell" and m is not None and m.get("topic") is not None
    return Graded(
        tuple(out),
        calibrated=kind == "cell",
        topic_answer=topic_answer,
        owner_wrong=topic_answer and m is not None and m.get("owner") not in as_set(row.get("owner")),
        score=certainty(m),
    )


def grade_outside_item(row: dict[str, Any], a: dict[str, Any]) -> Graded:
    """grade_outside.py's verdict for one item, line for line."""
    m = a.get("match")
    want = owners(row.get("owner"))
    if m is None:
        verdict = "declined"
    else:
        if row.get("covered_id"):
            svc_ok = m.get("service") == row["covered_id"]
        else:
            svc_ok = same_product(m.get("service", ""), m.get("service_name") or "", row["aws_service"])
        owner_ok = not want or m.get("topic") is None or m.get("owner") in want
        verdict = "right" if svc_ok and owner_ok else "wrong"
    topic_answer = m is not None and bool(m.get("topic"))
    return Graded(
        (),
        calibrated=bool(want),
        topic_answer=topic_answer and bool(want),
        owner_wrong=topic_answer and bool(want) and m is not None and m.get("owner") not in want,
        score=certainty(m),
        verdict=verdict,
    )


def ask_json(answerer: Answerer, question: str) -> dict[str, Any]:
    """What one line of `demarc ask --json -` prints (a fresh message: no line starts with "+ ")."""
    text = question[2:] if question.startswith("+ ") else question
    return turn_json(answer_message(answerer, text, None))


def grade_set(answerer: Answerer, labelled: LabelledSet) -> list[Graded]:
    grade = grade_outside_item if labelled.outside else grade_in_format
    return [grade(row, ask_json(answerer, str(row["question"]))) for row in labelled.rows]


MEASURES = ("owner", "service", "topic", "whole", "abstain", "check", "check_fp")


@dataclass(frozen=True)
class Figures:
    rates: dict[str, float]  # measure -> rate (nan-free: absent measures are missing)
    counts: dict[str, int]
    n_cal: int
    high: int
    high_wrong: int

    @property
    def high_share(self) -> float:
        return self.high / self.n_cal if self.n_cal else float("nan")

    @property
    def high_wrong_share(self) -> float:
        return self.high_wrong / self.high if self.high else 0.0


def figures(graded: Sequence[Graded], threshold: float) -> Figures:
    tally: dict[str, list[int]] = {}
    verdicts = {"right": 0, "declined": 0, "wrong": 0}
    for g in graded:
        for measure, ok in g.metrics:
            t = tally.setdefault(measure, [0, 0])
            t[0] += ok
            t[1] += 1
        if g.verdict is not None:
            verdicts[g.verdict] += 1
    rates = {k: ok / n for k, (ok, n) in tally.items() if n}
    counts = {k: n for k, (_, n) in tally.items()}
    if any(g.verdict is not None for g in graded):
        rates |= {k: v / len(graded) for k, v in verdicts.items()}
        counts |= {k: len(graded) for k in verdicts}
    cal = [g for g in graded if g.calibrated]
    # a cell answer's `confidence` is "high" exactly when its calibrated probability reaches the threshold
    high = [g for g in cal if g.topic_answer and g.score >= threshold]
    return Figures(rates, counts, len(cal), len(high), sum(g.owner_wrong for g in high))


def objective(figs: Iterable[Figures]) -> float:
    scores = [(f.rates.get("owner", 1.0) + f.rates.get("topic", 1.0) + f.rates.get("whole", 1.0)) / 3 for f in figs]
    return sum(scores) / len(scores) if scores else 0.0


# ------------------------------------------------------------------ printing

IN_COLUMNS = (("owner", "owner"), ("service", "service"), ("topic", "topic"), ("whole", "whole"),
              ("abstain", "abstain"), ("check", "check"), ("check_fp", "no-stray"))
OUT_COLUMNS = (("right", "right"), ("declined", "declined"), ("wrong", "wrong"))


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(title: str, rows: Sequence[tuple[str, LabelledSet, Figures]]) -> None:
    print(f"\n{title}")
    inside = [r for r in rows if not r[1].outside]
    outside = [r for r in rows if r[1].outside]
    if inside:
        head = "".join(f"{label:>9}" for _, label in IN_COLUMNS)
        print(f"  {'set':<14}{'n':>5}{head}{'high':>8}{'wrongHi':>9}")
        for label, s, f in inside:
            vals = "".join(f"{_cell(f.rates.get(k)):>9}" for k, _ in IN_COLUMNS)
            print(f"  {label:<14}{len(s.rows):>5}{vals}{f.high_share:>8.3f}{f.high_wrong_share:>9.3f}"
                  f"  ({f.high_wrong}/{f.high})")
    if outside:
        head = "".join(f"{label:>9}" for _, label in OUT_COLUMNS)
        print(f"  {'outside set':<14}{'n':>5}{head}{'n-owner':>9}{'high':>8}{'wrongHi':>9}")
        for label, s, f in outside:
            vals = "".join(f"{_cell(f.rates.get(k)):>9}" for k, _ in OUT_COLUMNS)
            print(f"  {label:<14}{len(s.rows):>5}{vals}{f.n_cal:>9}{f.high_share:>8.3f}{f.high_wrong_share:>9.3f}"
                  f"  ({f.high_wrong}/{f.high})")


def pooled(figs: Sequence[Figures]) -> tuple[int, int, int]:
    return sum(f.n_cal for f in figs), sum(f.high for f in figs), sum(f.high_wrong for f in figs)


# ------------------------------------------------------------------ the sweep

def current_constants() -> dict[str, float]:
    constants = {name: float(getattr(matcher_module, name)) for name in SWEPT}
    calibrator = confidence_module.shipped()
    constants["CONFIDENCE"] = 100.0 * calibrator.threshold if calibrator else float(matcher_module.CONFIDENT_SCORE)
    return constants


def sweep(catalogue: Catalogue, sets: Sequence[LabelledSet]) -> dict[tuple[float, ...], list[list[Graded]]]:
    """The grid points of the constants, patched into bot.matcher in turn: the full product of the
    answer-time ones (index-time ones as shipped), then the index-time ones (the others as shipped)."""
    saved = {name: getattr(matcher_module, name) for name in SWEPT}
    shipped = tuple(float(saved[name]) for name in SWEPT)
    here = dict(zip(SWEPT, shipped, strict=True))
    points = [(*p, *(here[n] for n in INDEX_TIME)) for p in itertools.product(*(GRID[n] for n in ANSWER_TIME))]
    points += [(*(here[n] for n in ANSWER_TIME), *p) for p in itertools.product(*(GRID[n] for n in INDEX_TIME))]
    points = list(dict.fromkeys([*points, shipped]))
    results: dict[tuple[float, ...], list[list[Graded]]] = {}
    answerers: dict[tuple[float, ...], Answerer] = {}
    started = time.perf_counter()
    try:
        for i, point in enumerate(points):
            for name, value in zip(SWEPT, point, strict=True):
                setattr(matcher_module, name, value)
            index_key = point[len(ANSWER_TIME):]
            if index_key not in answerers:
                answerers[index_key] = Answerer.from_catalogue(catalogue)
            results[point] = [grade_set(answerers[index_key], s) for s in sets]
            if i % 25 == 0:
                print(f"  sweep {i + 1}/{len(points)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    finally:
        for name, value in saved.items():
            setattr(matcher_module, name, value)
    return results


@dataclass(frozen=True)
class Procedure:
    label: str
    free: tuple[str, ...]  # the answer constants it may move; the others stay as shipped
    move_threshold: bool  # whether it may move the confidence threshold


PROCEDURES = (
    Procedure("PHRASE_BLEND, MODEL_ONLY_PROBABILITY, TIE_FACTOR, CONFIDENCE", ANSWER_TIME, True),
    Procedure("PHRASE_BLEND and MODEL_ONLY_PROBABILITY only", ("PHRASE_BLEND", "MODEL_ONLY_PROBABILITY"), False),
    Procedure("ALIAS_WEIGHT and HINT_WEIGHT only", INDEX_TIME, False),
)


def choose(
    results: dict[tuple[float, ...], list[list[Graded]]],
    sets: Sequence[LabelledSet],
    train: Sequence[int],
    shipped: dict[str, float],
    procedure: Procedure,
    cap: float,
) -> tuple[tuple[float, ...], float, float]:
    """(answer constants, confidence threshold, objective) chosen on the `train` sets alone."""

    def distance(point: tuple[float, ...]) -> float:
        return sum(abs(v - shipped[n]) / (max(GRID[n]) - min(GRID[n])) for n, v in zip(SWEPT, point, strict=True))

    thresholds = THRESHOLDS if procedure.move_threshold else (shipped["CONFIDENCE"],)
    best: tuple[float, float, float, tuple[float, ...], float] | None = None
    # When no point meets the cap on these training sets, the one with the fewest wrong owners
    # among "high" answers (then the better objective) is taken, and the caller says so.
    fallback: tuple[float, float, tuple[float, ...], float] | None = None
    for point, graded in results.items():
        if any(v != shipped[n] for n, v in zip(SWEPT, point, strict=True) if n not in procedure.free):
            continue
        feasible = []
        for threshold in thresholds:
            figs = [figures(graded[i], threshold) for i in train]
            _, high, wrong = pooled(figs)
            if wrong <= cap * high:
                feasible.append((threshold, high))
            share = wrong / high if high else 0.0
            obj_here = objective(figures(graded[i], threshold) for i in train if not sets[i].outside)
            candidate = (share, -obj_here, point, threshold)
            if fallback is None or candidate[:2] < fallback[:2]:
                fallback = candidate
        if not feasible:
            continue
        threshold = min(t for t, _ in feasible)
        high = dict(feasible)[threshold]
        obj = objective(figures(graded[i], threshold) for i in train if not sets[i].outside)
        key = (round(obj, 9), high, -distance(point), point, threshold)
        if best is None or key[:3] > best[:3]:
            best = key
    if best is None:
        if fallback is None:
            raise SystemExit("bench_generalise: no grid point to choose from")
        print(f"  (no grid point meets the {cap:.1%} cap on the training sets; the fewest wrong among high: "
              f"{fallback[0]:.1%})")
        return fallback[2], fallback[3], -fallback[1]
    return best[3], best[4], best[0]


def _describe(point: tuple[float, ...], threshold: float) -> str:
    return ", ".join(f"{n} {v:g}" for n, v in zip(SWEPT, point, strict=True)) + f", CONFIDENCE {threshold:g}"


def loso(answerer: Answerer, sets: Sequence[LabelledSet], caps: Sequence[float]) -> None:
    shipped = current_constants()
    print(f"\nleave-one-set-out: grid {', '.join(f'{n} {GRID[n]}' for n in SWEPT)}; CONFIDENCE {THRESHOLDS}")
    print("objective: mean over in-format training sets of (owner + topic + whole) / 3; cap: pooled wrong owners "
          "<= the cap of high answers on the training sets; then the most high answers; ties: nearest the shipped")
    results = sweep(answerer.catalogue, sets)
    base_point = tuple(shipped[n] for n in SWEPT)
    base = results[base_point]
    rows_now = [(s.name, s, figures(base[i], shipped["CONFIDENCE"])) for i, s in enumerate(sets)]
    print_table("held-out figures, shipped constants (" + _describe(base_point, shipped["CONFIDENCE"]) + ")",
                rows_now)
    for cap, procedure in itertools.product(caps, PROCEDURES):
        print(f"\n=== procedure: {procedure.label}, cap {cap:.1%} ===")
        print("chosen per held-out set (on the other sets):")
        rows_cv = []
        for held in range(len(sets)):
            train = [i for i in range(len(sets)) if i != held]
            point, threshold, obj = choose(results, sets, train, shipped, procedure, cap)
            base_obj = objective(figures(base[i], shipped["CONFIDENCE"]) for i in train if not sets[i].outside)
            print(f"  {sets[held].name:<14} {_describe(point, threshold)}  "
                  f"(train objective {obj:.4f}; shipped {base_obj:.4f})")
            rows_cv.append((sets[held].name, sets[held], figures(results[point][held], threshold)))
        print_table(f"held-out figures, {procedure.label} chosen leave-one-set-out", rows_cv)
        print("difference (procedure - shipped), held-out, in questions (rate):")
        for (name, s, a), (_, _, b) in zip(rows_now, rows_cv, strict=True):
            keys = [k for k, _ in (OUT_COLUMNS if s.outside else IN_COLUMNS)]
            diffs = "  ".join(
                f"{k} {round((b.rates.get(k, 0) - a.rates.get(k, 0)) * a.counts.get(k, 0)):+d}"
                for k in keys if k in a.counts
            )
            print(f"  {name:<14} {diffs}  high {b.high - a.high:+d}  wrong-high {b.high_wrong - a.high_wrong:+d}")
        for label, rows in (("shipped", rows_now), ("procedure", rows_cv)):
            n, high, wrong = pooled([f for _, _, f in rows])
            print(f"  pooled held-out calibration, {label}: high {high / n:.3f}, "
                  f"wrong among high {wrong / max(high, 1):.4f} ({wrong}/{high})")
        point, threshold, obj = choose(results, sets, list(range(len(sets))), shipped, procedure, cap)
        print(f"chosen on all sets: {_describe(point, threshold)} (objective {obj:.4f})")
        print_table("all sets with the values chosen on all sets (in-sample, not held out)",
                    [(s.name, s, figures(results[point][i], threshold)) for i, s in enumerate(sets)])


def fold_answerers(
    catalogue: Catalogue, sets: Sequence[LabelledSet], k: int
) -> Iterator[tuple[list[LabelledSet], Answerer, int]]:
    """For each of k folds of the repository sets (dealt by name): the sets held out, an answerer
    whose layer model learnt from the catalogue text and the other folds' questions only, and how
    many questions it learnt from. The public ../shared sets are in no fold: never training data."""
    from bot import topic_model

    examples_by_set = {p.stem.removeprefix("questions_"): p for p in topic_model.example_paths()}
    own = sorted((s for s in sets if s.name in examples_by_set), key=lambda s: s.name)
    docs = topic_model.training_documents(catalogue)
    for fold in range(k):
        held = own[fold::k]
        examples = topic_model.labelled_questions([examples_by_set[s.name] for s in own if s not in held])
        model = topic_model.fit(docs + topic_model.example_documents(catalogue, examples), catalogue.topic_order)
        yield held, Answerer(catalogue, matcher_module.Matcher(catalogue, topics=model)), len(examples)


def cross_validate(catalogue: Catalogue, sets: Sequence[LabelledSet], k: int, threshold: float) -> None:
    """Each repository set graded by a layer model that never saw it (nor the sets in its fold).

    The shipped model learns from the repository's labelled sets, so their figures above are in-sample
    for it. Here the sets are dealt into k folds by name; each fold's sets are graded with a model
    fitted to the catalogue text and the other folds' questions (scikit-learn, ~1 min per fold). The
    public ../shared sets are never training data: their figures above are first-sight already.
    """
    print(f"\n{k}-fold cross-validation over the repository sets (grouped by set)")
    rows: list[tuple[str, LabelledSet, Figures]] = []
    for fold, (held, answerer, trained_on) in enumerate(fold_answerers(catalogue, sets, k)):
        rows += [(s.name, s, figures(grade_set(answerer, s), threshold)) for s in held]
        print(f"  fold {fold + 1}: {trained_on} training questions, held out {', '.join(s.name for s in held)}",
              flush=True)
    rows.sort(key=lambda r: [s.name for s in sets].index(r[0]))
    print_table(f"held-out figures, {k}-fold", rows)
    _print_pooled(rows)


def _print_pooled(rows: Sequence[tuple[str, LabelledSet, Figures]]) -> None:
    inside = [f for _, s, f in rows if not s.outside]
    outside = [(s, f) for _, s, f in rows if s.outside]
    tally = {m: [0, 0] for m in ("owner", "topic", "whole")}
    for f in inside:
        for m in tally:
            if m in f.counts:
                tally[m][0] += round(f.rates[m] * f.counts[m])
                tally[m][1] += f.counts[m]
    print("  in-format pooled: " + ", ".join(f"{m} {ok / max(n, 1):.3f} ({ok}/{n})" for m, (ok, n) in tally.items()))
    n, high, wrong = pooled(inside)
    print(f"  in-format cells: high {high / max(n, 1):.3f}, "
          f"wrong among high {wrong / max(high, 1):.4f} ({wrong}/{high})")
    if outside:
        total = sum(len(s.rows) for s, _ in outside)
        right = sum(round(f.rates.get("right", 0) * len(s.rows)) for s, f in outside)
        bad = sum(round(f.rates.get("wrong", 0) * len(s.rows)) for s, f in outside)
        n, high, wrong = pooled([f for _, f in outside])
        print(f"  outside pooled: right {right / total:.3f}, wrong {bad / total:.3f} ({right}/{bad} of {total}); "
              f"verified owner: high {high / max(n, 1):.3f}, wrong among high {wrong / max(high, 1):.4f} "
              f"({wrong}/{high})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loso", action="store_true", help="leave-one-set-out selection of the matcher's constants")
    ap.add_argument("--cross-validate", type=int, metavar="K", default=0,
                    help="also grade each repository set with a layer model fitted without it (K folds; scikit-learn)")
    ap.add_argument("--cap", type=float, nargs="+", default=[CAP],
                    help="largest share of high answers with a wrong owner (more than one: each in turn, one sweep)")
    args = ap.parse_args()
    started = time.perf_counter()
    answerer = Answerer.from_catalogue(default_catalogue())
    sets = labelled_sets()
    constants = current_constants()
    print("graders: " + ("imported from " + str(TOOLS) if _GQ and _GO else "local copies (../shared/tools missing)"))
    print("constants: " + ", ".join(f"{k} {v:g}" for k, v in constants.items()))
    rows = [(s.name, s, figures(grade_set(answerer, s), constants["CONFIDENCE"])) for s in sets]
    print_table("every labelled set, shipped constants (in-sample for the layer model on the repository's sets)", rows)
    _print_pooled(rows)
    if args.cross_validate:
        if importlib.util.find_spec("sklearn") is None:
            sys.exit("--cross-validate fits the layer model: it needs scikit-learn (pip install -e '.[train]')")
        cross_validate(answerer.catalogue, sets, args.cross_validate, constants["CONFIDENCE"])
    if args.loso:
        loso(answerer, sets, args.cap)
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
