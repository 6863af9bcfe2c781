"""Which facet of a layer a question names, when AWS's docs split that layer between owners.

A cell's `parts` (catalogue data) say, for example, that AWS rotates AWS managed keys while
you rotate customer managed keys. The cell's own owner is the honest answer to a question
about the layer as a whole; a question that names one facet ("is rotation of our customer
managed key automatic?") gets that facet's owner. Only phrases the catalogue lists count, with
their words close together: in the phrase's own order within a sentence's reach ("kafka 3.5 ...
bumping the cluster ... upgrade"), or in any order only a couple of words apart ("keys that are
customer managed"), so "aws" at the start, "key" later and "own" in "on its own" do not make
"aws owned key". The longest one named wins, and a question that names two facets with different owners as
strongly gets the cell's answer: it is about both.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.catalogue import Cell, Part, Service
from bot.text import phrase_key, stem, tokens


@lru_cache(maxsize=8192)
def _key(phrase: str) -> tuple[str, ...]:
    return phrase_key(phrase)


FACET_SLACK = 2  # other words a facet phrase may have between its own when they come in another order
FACET_SPREAD = 16  # ... and in their own order, within a sentence ("kafka 3.5 ... bumping the cluster ... upgrade")


FACET_DENIAL_REACH = 3  # words before a facet phrase where "no" / "never" denies it
# "doesn't have the SSM agent installed": a contracted negation denies as "not" does.
_DENIALS = frozenset(
    {"no", "not", "never", "without", "doesnt", "dont", "didnt", "isnt", "arent", "wasnt", "werent", "havent", "hasnt"}
)
# "(automated agent configuration is off)": a setting switched off after its name denies it too.
FACET_OFF_REACH = 3  # words after a facet phrase where "off" / "disabled" denies it
_SWITCHED_OFF = frozenset(stem(w) for w in ("off", "disabled", "disable"))
_COMPARED = frozenset(stem(w) for w in ("like", "unlike"))  # "our CMK: rotated every year, like the AWS managed keys?"
_ARTICLES = frozenset({"the", "a", "an", "our", stem("those"), stem("these"), "that", "any"})
_FORMER = frozenset(stem(w) for w in ("old", "previous", "former"))
# "we'd like the AWS managed key rotated" wants it; it compares nothing.
_WANTING = frozenset(stem(w) for w in ("would", "wed", "id", "d", "i", "we", "you", "they", "should", "might"))


def _compared(words: list[str], start: int) -> bool:
    """The phrase at `start` is what something is compared with ("like the aws managed key"), not
    the thing asked about ("we would like the aws managed key" is not a comparison)."""
    before = words[max(0, start - 3) : start]
    if before and before[-1] in _FORMER:
        return True  # "the old standard workflows had history": what it used to be, not what is asked
    if before and before[-1] in _ARTICLES:
        before = before[:-1]
    if not before or before[-1] not in _COMPARED:
        return False
    return before[-1] == stem("unlike") or len(before) < 2 or before[-2] not in _WANTING


def words_close(words: list[str], key: tuple[str, ...]) -> bool:
    """`key`'s words close together: in any order within len(key) + FACET_SLACK words ("keys that
    are customer managed"), or in their own order within len(key) + FACET_SPREAD words; not
    where the phrase is only a comparison ("like the aws managed key") or is denied ("log groups
    with no kms key", "we never picked a kms key")."""
    return _found(words, key) is not None


_SENTENCE_GAP = re.compile(r"(?<=[.!?])\s+|\n+")


def sentence_starts(question: str, total: int) -> frozenset[int]:
    """The word positions (as `tokens` counts them) that open a new sentence: a phrase spread out
    over two sentences ("... Bedrock knowledge base for our chatbot. The encryption at rest ...")
    names nothing. Empty when the sentences' words do not add up to the question's `total`."""
    starts: set[int] = set()
    count = 0
    for piece in _SENTENCE_GAP.split(question):
        n = len(tokens(piece))
        if count and n:
            starts.add(count)
        count += n
    return frozenset(starts) if count == total else frozenset()


def _found(
    words: list[str], key: tuple[str, ...], starts: frozenset[int] = frozenset()
) -> tuple[int, int, bool] | None:
    """Where `words_close` finds `key`: its first and last word's positions, and whether its words
    came in their own order. Spread out in its own order, it stays within one sentence (`starts`)."""
    wanted = set(key)
    unordered: tuple[int, int, bool] | None = None  # kept while an in-order match may still come
    for start, word in enumerate(words):
        if word not in wanted or _compared(words, start):
            continue
        window = words[start : start + len(key) + FACET_SLACK]
        if wanted <= set(window):
            positions = [window.index(w) for w in key]
            last = start + max(positions)
            if not _denied(words, min(start + p for p in positions), last, key):
                if positions == sorted(positions):
                    return start, last, True
                unordered = unordered or (start, last, False)
            continue
        if word == key[0]:
            at, found = start, True
            for w in key[1:]:
                try:
                    at = words.index(w, at + 1, start + len(key) + FACET_SPREAD)
                except ValueError:
                    found = False
                    break
            if found and not _denied(words, start, at, key) and not any(start < b <= at for b in starts):
                return start, at, True
    return unordered


def _denied(words: list[str], first: int, last: int, key: tuple[str, ...] = ()) -> bool:
    """A negation among the few words before the phrase or inside it ("no kms key", "we did NOT
    configure a customer managed key"), or the setting it names switched off right after it
    ("automated agent configuration is off"). A negation that is one of the phrase's own words
    ("shard without replicas") denies nothing."""
    own = set(key) & _DENIALS
    for end in {first, last}:  # before its first word, and before the last of a spread-out phrase
        before = [w for w in words[max(0, end - FACET_DENIAL_REACH - 2) : end] if w not in _ARTICLES and w not in own]
        if any(w in _DENIALS for w in before[-FACET_DENIAL_REACH:]):
            return True
    # ... and inside it when its words are close together
    if last - first <= len(key) + FACET_SLACK and any(w in _DENIALS and w not in own for w in words[first:last]):
        return True
    return any(w in _SWITCHED_OFF for w in words[last + 1 : last + 1 + FACET_OFF_REACH])


def _overruled(found: tuple[int, int, bool] | None, owner: str, spans: list[tuple[int, int, bool, str]]) -> bool:
    """A phrase found out of order among words that another owner's phrase uses in its own order."""
    if found is None or found[2]:
        return False
    start, last, _ = found
    return any(o != owner and ordered and s <= last and start <= e for s, e, ordered, o in spans)


def service_names(service: Service) -> frozenset[tuple[str, ...]]:
    """The service's aliases as facet keys: the phrases that are names, not descriptions."""
    return frozenset(_key(alias) for alias in service.aliases)


NAME_INSERT = 1  # words a name may have inserted among its own ("customer managed KMS keys")


def _adjacent(words: list[str], key: tuple[str, ...]) -> bool:
    """`key` word for word, or with a qualifier inserted ("customer managed KMS keys"), and not
    only as a comparison ("like the aws managed ones")."""
    n = len(key)
    for i in range(len(words) - n + 1):
        if words[i] != key[0] or _compared(words, i):
            continue
        at, spare = i, NAME_INSERT
        for w in key[1:]:
            while at + 1 < len(words) and words[at + 1] != w and spare:
                at, spare = at + 1, spare - 1
            if at + 1 >= len(words) or words[at + 1] != w:
                break
            at += 1
        else:
            if not _denied(words, i, at, key):
                return True
    return False


_SPLIT_ANSWERS = frozenset(stem(w) for w in ("both", "split"))
SPLIT_REACH = 6  # words before "both" / "split" where the "or" that offers it may be


def offers_the_split(words: list[str]) -> bool:
    """ "... does Lambda do it, do we bring a KMS key, or a bit of both?": the asker offers the split
    as an answer, so a layer AWS's docs split is answered whole, not by the one facet it names."""
    return any(w in _SPLIT_ANSWERS and "or" in words[max(0, i - SPLIT_REACH) : i] for i, w in enumerate(words))


@lru_cache(maxsize=8)
def phrase_keys(phrases: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    """Catalogue phrases as stemmed keys, built once per vocabulary."""
    return frozenset(k for k in map(_key, phrases) if k)


def _says_any(words: list[str], keys: frozenset[tuple[str, ...]]) -> bool:
    """One of `keys` word for word."""
    return any(tuple(words[i : i + len(key)]) == key for key in keys for i in range(len(words) - len(key) + 1))


def part_for(
    cell: Cell,
    question: str,
    names: frozenset[tuple[str, ...]] = frozenset(),
    whole_layer: frozenset[tuple[str, ...]] = frozenset(),
) -> tuple[Part, str] | None:
    """The part of `cell` the question names, with the phrase that named it, or None.

    A phrase in `names` (the stemmed aliases of the service, such as "outposts server") is a
    product's name, and a name is only named whole: "our outpost died ... swap the server" does
    not name an Outposts server. A question about a shared layer as a whole (a `whole_layer` phrase:
    "overall", "do we own part of it") names no part: the layer answers it.
    """
    if not cell.parts:
        return None
    words = [stem(word) for word in tokens(question)]
    starts = sentence_starts(question, len(words))
    if cell.owner == "shared" and (offers_the_split(words) or _says_any(words, whole_layer)):
        return None
    # (key, part, phrase, where it was found loosely: None for a name said word for word)
    candidates: list[tuple[tuple[str, ...], Part, str, tuple[int, int, bool] | None]] = []
    spans: list[tuple[int, int, bool, str]] = []  # where each phrase was found, in order or not, whose
    for part in cell.parts:
        for phrase in part.when:
            key = _key(phrase)
            if not key:
                continue
            found = _found(words, key, starts)
            if found is not None:
                # A name said loosely still holds its words; only a phrase said close together
                # overrules another gathered out of order ("manage the agent manually ... updates"
                # spread out does not overrule "manually ... agent ... manage" said tightly).
                tight = found[2] and found[1] - found[0] < len(key) + FACET_SLACK
                spans.append((found[0], found[1], tight, part.owner))
            if key in names:
                if _adjacent(words, key):
                    candidates.append((key, part, phrase, None))
            elif found is not None:
                candidates.append((key, part, phrase, found))
    # "our customer managed KMS keys: something AWS does?": "aws managed kms key" gathered out of
    # order from the words another owner's phrase uses in its own order is not named.
    named = [(key, part, phrase) for key, part, phrase, found in candidates if not _overruled(found, part.owner, spans)]
    if not named:
        return None
    key, part, phrase = max(named, key=lambda n: len(n[0]))
    # Another owner's facet named in other words ("key generation is aws's? and the cert we
    # imported?"): the question is about both sides, and the cell answers it. A phrase sharing a
    # word with the longest is a variation of it ("customer managed key", "aws managed key").
    # Two owners' phrases as long as each other are named as strongly: the cell answers too.
    if any(other.owner != part.owner and (len(k) == len(key) or not set(k) & set(key)) for k, other, _ in named):
        return None
    return part, phrase
