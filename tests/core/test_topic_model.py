"""The layer model's shipped fit is the optimum of its objective, not where stochastic passes stopped."""

from __future__ import annotations

import math

import pytest

from bot import topic_model
from bot.catalogue import default_catalogue

pytest.importorskip("sklearn")  # the `dev` and `train` extras: fitting is a development step

LAYERS = ("os-patching", "virtualization", "encryption", "logging")


def _documents() -> list[tuple[list[str], str]]:
    """A third of the built-in catalogue's training text for four layers: seconds, not a minute."""
    docs = [(words, label) for words, label in topic_model.training_documents(default_catalogue()) if label in LAYERS]
    return docs[::3]


def _largest_gradient(model: topic_model.TopicModel, docs: list[tuple[list[str], str]]) -> float:
    """The largest entry of the gradient of C x log-loss + 1/2 |W|^2 (scikit-learn's objective) at
    the model's weights: zero, up to float32 rounding, only at the optimum."""
    _, _, index, rows = topic_model._design(docs, LAYERS)
    assert model.rows == index
    k = len(LAYERS)
    weights, bias = model.weights, model.bias
    gradient = [[0.0] * k for _ in index]
    bias_gradient = [0.0] * k
    for vec, label in rows:
        logits = list(bias)
        for i, v in vec:
            for c in range(k):
                logits[c] += weights[i * k + c] * v
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        errors = [e / sum(exps) - (c == label) for c, e in enumerate(exps)]
        for i, v in vec:
            for c in range(k):
                gradient[i][c] += errors[c] * v
        for c in range(k):
            bias_gradient[c] += errors[c]
    c_value = topic_model.SHIPPED_C
    largest = max(abs(c_value * g + weights[i * k + c]) for i, row in enumerate(gradient) for c, g in enumerate(row))
    return max(largest, *(abs(c_value * g) for g in bias_gradient))


def test_the_shipped_fit_converges_to_the_optimum() -> None:
    """A converged fit is unique and moves smoothly with the text, so an edit to one layer's phrases
    moves only the answers about it; 40 stochastic passes stopped far from it (largest gradient ~7)."""
    docs = _documents()
    assert _largest_gradient(topic_model.fit(docs, LAYERS), docs) < 0.1
