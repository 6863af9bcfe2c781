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
catalogue (cached with the rest of the index); scoring walks only the question's terms, through
a per-service inverted index built on that service's first question.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from bot.catalogue import Catalogue
from bot.text import COMPOUNDS, compound_words, fold, stem

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
    """A text's terms; a compound pair ("data center") is one term, not two words."""
    stems = list(words)
    inside = compound_words(stems)
    terms = Counter(
        w for i, w in enumerate(stems) if i not in inside and w not in _STOP and len(w) > 1 and not w.isdigit()
    )
    terms.update(f"{a} {b}" for a, b in itertools.pairwise(stems) if (a, b) in COMPOUNDS)
    return terms


def _stems(text: str) -> list[str]:
    return [stem(w) for w in fold(text).split() if w not in _STOP]


#: One service's cells: their topics, and each cell's slice (offsets) of term ids and weights.
_Cells = tuple[tuple[str, ...], "array[int]", "array[int]", "array[float]"]


class CellText:
    """Per service, the unit TF-IDF vector of each cell's text.

    Held as flat arrays (term ids and weights per cell, one term list for all): the index is
    pickled with the rest of the answerer, and a cold `demarc ask` loads it in about a
    millisecond, where nested dictionaries of the same vectors took seven.
    """

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
        self._terms = sorted(frequency)
        self._index = {w: i for i, w in enumerate(self._terms)}
        self._idf = array("d", (math.log((total + 1) / (frequency[w] + 1)) + 1.0 for w in self._terms))
        by_service: dict[str, list[tuple[str, dict[int, float]]]] = {}
        for (service_id, topic), counts in documents.items():
            by_service.setdefault(service_id, []).append((topic, self._unit(counts)))
        self._cells: dict[str, _Cells] = {}
        for service_id, cells in by_service.items():
            offsets, ids, weights = array("I", [0]), array("I"), array("f")
            for _, vector in cells:
                ids.extend(vector)
                weights.extend(vector.values())
                offsets.append(len(ids))
            self._cells[service_id] = (tuple(t for t, _ in cells), offsets, ids, weights)
        self._postings: dict[str, dict[int, list[tuple[int, float]]]] = {}

    def _unit(self, counts: Mapping[str, int]) -> dict[int, float]:
        ids = {w: self._index[w] for w in counts if w in self._index}
        weights = {i: (1.0 + math.log(counts[w])) * self._idf[i] for w, i in ids.items()}
        norm = math.sqrt(sum(x * x for x in weights.values())) or 1.0
        return {i: x / norm for i, x in weights.items()}

    def __getstate__(self) -> dict[str, object]:
        return {"terms": "\n".join(self._terms), "idf": self._idf, "cells": self._cells}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._terms = state["terms"].split("\n") if state["terms"] else []
        self._index = {w: i for i, w in enumerate(self._terms)}
        self._idf = state["idf"]
        self._cells = state["cells"]
        self._postings = {}

    def similarities(self, stems: Iterable[str], service: str) -> dict[str, float]:
        """Topic -> cosine similarity between the question's stemmed words and that cell's text."""
        cells = self._cells.get(service)
        if cells is None:
            return {}
        topics = cells[0]
        postings = self._postings.get(service)
        if postings is None:
            postings = self._postings[service] = self._invert(cells)
        scores = [0.0] * len(topics)
        for term, x in self._unit(_terms(stems)).items():
            for k, weight in postings.get(term, ()):
                scores[k] += x * weight
        return dict(zip(topics, scores, strict=True))

    @staticmethod
    def _invert(cells: _Cells) -> dict[int, list[tuple[int, float]]]:
        """Term -> (cell, weight) for one service, built on its first question in a process."""
        topics, offsets, ids, weights = cells
        postings: dict[int, list[tuple[int, float]]] = {}
        for k in range(len(topics)):
            for j in range(offsets[k], offsets[k + 1]):
                postings.setdefault(ids[j], []).append((k, weights[j]))
        return postings
