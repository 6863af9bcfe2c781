"""The layer model's shipped fit: converged, so it is reproducible and an edit stays local."""

from __future__ import annotations

import pytest

from bot import topic_model
from bot.catalogue import default_catalogue

pytest.importorskip("sklearn")  # the `dev` and `train` extras: fitting is a development step

LAYERS = ("os-patching", "virtualization", "encryption", "logging")


def _documents() -> list[tuple[list[str], str]]:
    """A third of the built-in catalogue's training text for four layers: seconds, not a minute."""
    docs = [(words, label) for words, label in topic_model.training_documents(default_catalogue()) if label in LAYERS]
    return docs[::3]


def _probabilities(model: topic_model.TopicModel, text: str) -> dict[str, float]:
    return model.probabilities(model.vector([topic_model.stem(w) for w in text.split()]))


def test_the_fit_is_reproducible() -> None:
    docs = _documents()
    first, second = topic_model.fit(docs, LAYERS), topic_model.fit(docs, LAYERS)
    assert first.rows == second.rows and first.bias == pytest.approx(second.bias)
    assert list(first.weights) == pytest.approx(list(second.weights), abs=1e-4)


def test_a_phrase_added_to_one_layer_leaves_questions_about_the_others_alone() -> None:
    """One more encryption phrase must not move a logging or hypervisor question (stochastic passes
    reordered by the edit moved a dozen unrelated answers per retrain)."""
    docs = _documents()
    before = topic_model.fit(docs, LAYERS)
    after = topic_model.fit([*docs, (["envelop", "key", "wrap"], "encryption")], LAYERS)
    for question in ("who keeps the audit trail of api calls", "who isolates tenants on the hypervisor"):
        old, new = _probabilities(before, question), _probabilities(after, question)
        assert max(old, key=old.__getitem__) == max(new, key=new.__getitem__)
        assert all(abs(old[layer] - new[layer]) < 0.02 for layer in LAYERS), (question, old, new)
    # ... while the phrase itself now reads as encryption.
    wrapped = _probabilities(after, "envelope key wrapping")
    assert max(wrapped, key=wrapped.__getitem__) == "encryption"
