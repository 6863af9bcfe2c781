"""How likely a cell answer's owner is right: the probability behind confidence "high".

The matcher's score (service certainty x the layer model's owner probability) saturates: over the
labelled sets, answered by layer models that never saw them, a quarter of the confident wrong
owners scored 100. Other things the answer already knows tell them apart: how far the chosen
layer is ahead of the best layer with another owner, whether the layer is one AWS's docs split
(it has facets), how strong the next alternative is, how many services the message names and
how long it is. A logistic regression over those features, fitted to answers given by layer
models that never saw the question's set (`benchmarks/fit_confidence.py`, a development step),
turns them into a probability. Its weights are data (`confidence-model.json` in the built-in
catalogue directory); scoring is one dot product, so nothing is imported for it at run time.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

SHIPPED = "confidence-model.json"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the matcher knew when it chose a cell, beyond its score."""

    layer_margin: float  # the layer model's probability of the chosen layer minus that of the best other-owner layer
    rival_layer: float  # ... and that other-owner layer's probability
    service_certainty: float  # how plainly the service was named (1.0 outright, less for a hint or a typo)
    services_named: int  # covered services the message names
    words: int  # the message's length in words
    # The matcher's own rules found another owner in play: a service named beside it that owns this
    # layer otherwise, or layer words that name only layers another party owns.
    contested: bool = False
    # Two services named as plainly, neither more specific: the answer asks which one, so it stays "low".
    tied: bool = False


# The features, in the order the shipped weights use them.
FEATURES = (
    "score",
    "layer_margin",
    "rival_layer",
    "split_layer",
    "facet",
    "rival_owner_alternative",
    "best_alternative",
    "several_services",
    "service_certainty",
    "length",
    "owner_shared",
    "owner_aws",
    "variant",
    "contested",
)


def features(
    score: float,
    evidence: Evidence,
    *,
    split_layer: bool,
    facet: bool,
    owner: str,
    variant: bool,
    alternatives: list[tuple[str | None, float]],
) -> dict[str, float]:
    """The calibrator's inputs for one cell answer; `alternatives` are (owner, score) pairs."""
    rival_owner = max((s for o, s in alternatives if o is not None and o != owner), default=0.0)
    best = max((s for _, s in alternatives), default=0.0)
    return {
        "score": score / 100.0,
        "layer_margin": evidence.layer_margin,
        "rival_layer": evidence.rival_layer,
        "split_layer": float(split_layer),
        "facet": float(facet),
        "rival_owner_alternative": rival_owner / 100.0,
        "best_alternative": best / 100.0,
        "several_services": float(evidence.services_named >= 2),
        "service_certainty": evidence.service_certainty,
        "length": math.log1p(evidence.words) / 5.0,
        "owner_shared": float(owner == "shared"),
        "owner_aws": float(owner == "aws"),
        "variant": float(variant),
        "contested": float(evidence.contested),
    }


@dataclass(frozen=True)
class Calibrator:
    """Logistic-regression weights for P(owner wrong), and the probability that earns "high"."""

    weights: dict[str, float]
    intercept: float
    threshold: float  # the least probability of a right owner that is reported as "high"

    def probability(self, values: dict[str, float]) -> float:
        """The probability that the answered owner is right."""
        z = self.intercept + sum(self.weights.get(name, 0.0) * value for name, value in values.items())
        return 1.0 - 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Calibrator:
        weights = {str(k): float(v) for k, v in body["weights"].items()}
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"{SHIPPED}: unknown features {sorted(unknown)}")
        return cls(weights, float(body["intercept"]), float(body["threshold"]))


def load(path: Path) -> Calibrator | None:
    """The weights in `path`, or None when there are none (the score threshold decides then)."""
    try:
        return Calibrator.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


@lru_cache(maxsize=1)
def shipped() -> Calibrator | None:
    from bot.paths import builtin_catalogue_dir

    return load(builtin_catalogue_dir() / SHIPPED)
