"""Which facet of a layer a question names, when AWS's docs split that layer between owners.

A cell's `parts` (catalogue data) say, for example, that AWS rotates AWS managed keys while
you rotate customer managed keys. The cell's own owner is the honest answer to a question
about the layer as a whole; a question that names one facet ("is rotation of our customer
managed key automatic?") gets that facet's owner. Only phrases the catalogue lists count, the
longest one named wins, and a question that names two facets with different owners as
strongly gets the cell's answer: it is about both.
"""

from __future__ import annotations

from functools import lru_cache

from bot.catalogue import Cell, Part
from bot.text import phrase_key, stem, tokens


@lru_cache(maxsize=8192)
def _key(phrase: str) -> tuple[str, ...]:
    return phrase_key(phrase)


FACET_SLACK = 2  # other words a facet phrase may have between its own


def _contains(words: list[str], key: tuple[str, ...]) -> bool:
    """All of `key`'s words within a window of len(key) + FACET_SLACK words, in any order."""
    wanted = set(key)
    width = len(key) + FACET_SLACK
    return any(
        word in wanted and wanted <= set(words[start : start + width]) for start, word in enumerate(words)
    )


def part_for(cell: Cell, question: str) -> tuple[Part, str] | None:
    """The part of `cell` the question names, with the phrase that named it, or None."""
    if not cell.parts:
        return None
    words = [stem(word) for word in tokens(question)]
    best: tuple[int, Part, str] | None = None
    rivals: set[str] = set()
    for part in cell.parts:
        for phrase in part.when:
            key = _key(phrase)
            if not key or not _contains(words, key):
                continue
            if best is None or len(key) > best[0]:
                best, rivals = (len(key), part, phrase), {part.owner}
            elif len(key) == best[0]:
                rivals.add(part.owner)
    if best is None or len(rivals) > 1:
        return None
    return best[1], best[2]
