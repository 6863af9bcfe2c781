"""How close a question's words are to what the catalogue says about each cell of one service.

The layer model (`bot.topic_model`) learns each layer from every service's text at once, so
what one service's summary says about a layer ("AWS replaces a failed file server" is FSx's
hardware) is averaged away among the other 97 services. This index keeps each cell's own
text (summary, facet summaries, aliases and facet phrases) as a TF-IDF vector, so a question
can be compared with the cells of the service it is about: "file server died, who replaces
it?" is nearest FSx's hardware cell, whatever the layer words are elsewhere.

Measured leave-one-set-out over every labelled set (README), the similarity, added to the
layer model's log-probabilities, raised held-out topic accuracy by 1.5 points and lowered the
share of wrong "high" answers on the in-format sets. It is built in plain Python once per
catalogue (cached with the rest of the index) and scoring is one sparse dot product per cell.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from bot.catalogue import Catalogue
from bot.text import fold, stem

#: Words that carry no layer in any cell's text: articles, pronouns, the two sides' names.
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "for",
        "is",
        "are",
        "be",
        "by",
        "with",
        "your",
        "you",
        "its",
        "it",
        "their",
        "they",
        "we",
        "our",
        "aws",
        "that",
        "this",
        "which",
        "as",
        "at",
        "from",
        "can",
        "any",
        "each",
    ]
)


def _terms(words: Iterable[str]) -> Counter[str]:
    return Counter(w for w in words if w not in _STOP and len(w) > 1 and not w.isdigit())


def _stems(text: str) -> list[str]:
    return [stem(w) for w in fold(text).split() if w not in _STOP]


class CellText:
    """Per service, the unit TF-IDF vector of each cell's text."""

    def __init__(self, catalogue: Catalogue) -> None:
        documents: dict[tuple[str, str], Counter[str]] = {}
        for service_id, service in catalogue.services.items():
            for topic, cell in service.cells.items():
                parts = [p.summary for p in cell.parts] + [w for p in cell.parts for w in p.when]
                text = " ".join([cell.summary, *parts, *cell.aliases])
                documents[(service_id, topic)] = _terms(_stems(text))
        frequency: Counter[str] = Counter()
        for counts in documents.values():
            frequency.update(set(counts))
        total = len(documents)
        self._idf = {w: math.log((total + 1) / (n + 1)) + 1.0 for w, n in frequency.items()}
        self._cells: dict[str, dict[str, dict[str, float]]] = {}
        for (service_id, topic), counts in documents.items():
            self._cells.setdefault(service_id, {})[topic] = self._unit(counts)

    def _unit(self, counts: Mapping[str, int]) -> dict[str, float]:
        weights = {w: (1.0 + math.log(n)) * self._idf[w] for w, n in counts.items() if w in self._idf}
        norm = math.sqrt(sum(x * x for x in weights.values())) or 1.0
        return {w: x / norm for w, x in weights.items()}

    def similarities(self, stems: Iterable[str], service: str) -> dict[str, float]:
        """Topic -> cosine similarity between the question's stemmed words and that cell's text."""
        question = self._unit(_terms(stems))
        cells = self._cells.get(service, {})
        return {topic: sum(x * vector.get(w, 0.0) for w, x in question.items()) for topic, vector in cells.items()}
