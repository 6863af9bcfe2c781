"""Find the (service, topic) cell a question is about, or decide that it is not about one.

How a question is read:

1. Its words are normalised and stemmed (`bot.text`); a word the catalogue does not know
   is corrected with rapidfuzz to the nearest catalogue word ("farget" -> "fargate",
   "versionning" -> "versioning"), and split names are joined ("cloud front").
2. Every catalogue phrase found in the question is a *hit*: services (by name, or by a
   generic hint such as "bucket"), topics (aliases weigh 3, hints 1, a service's own
   feature names more), cue words (who/whose, how-to, other clouds, our account ...), and
   check keywords. A phrase inside a longer phrase of the same kind does not count twice.
3. The service is the most specific one named (precedence), the topic the best-scored
   layer for that service; cue words decide between answering, a whole-service breakdown,
   an account check, and saying "not something I can answer".

Everything it knows comes from the catalogue; the code only holds the weighing.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from bot.catalogue import Catalogue, Service
from bot.cell_text import CellText
from bot.confidence import Evidence
from bot.facets import words_close
from bot.gazetteer import PREFIXES, Product, botocore_products, holds_covered_name, needs_prefix
from bot.text import MAX_MATCH_CHARS, fold, inflects, name_managed_keys, phrase_key, stem, strip_slack_markup
from bot.topic_model import TopicModel, model_for

ALIAS_WEIGHT = 3.0
HINT_WEIGHT = 1.0
ONE_LAYER_OVER_EVERY = 3 * ALIAS_WEIGHT  # a layer's phrases weighing this much outweigh a cue for every layer
OWN_CELL_BONUS = 0.0
OTHER_CELL_WEIGHT = 2.0
TIE_FACTOR = 0.7  # two services named alike (same rank, neither ruled out): a genuine tie is never "high"
CONFIDENT_SCORE = 75.0  # owner probability x service certainty, in %; chosen leave-one-set-out (README)
TAG_REACH = 14  # words before a closing "right?" / "yes?" that make the statement it asks about
DUTY_REACH = 3  # "our (own) design problem": words from the side to its duty
PROVIDER_REACH = 3  # "does (that mean) AWS keep ...": words from the auxiliary to AWS or the service
SPAN_REACH = 3  # "from the data centre to the logs": at most this many words of the first layer before "to"
WHO_CLAUSE_WORDS = 4  # how far after "who" the verb and the word it works on are looked for
# Log-probability per unit of cosine similarity to the service's own cell text; chosen
# leave-one-set-out over every labelled set (16 on every fold, of 0-24; README).
CELL_BLEND = 16.0
PHRASE_BLEND = 0.3  # log-probability per unit of layer-phrase weight (one constant, chosen on the public sets)
MODEL_ONLY_PROBABILITY = 0.9  # with no layer phrase at all, the model alone must be this sure
ONE_THING_PROBABILITY = 0.2  # ... when the question asks who does one thing ("who locks that down?")
ONE_THING_WORDS = 12  # ... in a message this long: a shorter one ("who secures fargate?") asks for it all
MIN_FUZZY_LENGTH = 5

# Hit kinds and the category within which a shorter phrase is absorbed by a longer one.
SERVICE, SERVICE_HINT, TOPIC, CUE, CHECK, CHECK_UNLESS = "service", "hint", "topic", "cue", "check", "unless"
CANONICAL = "canonical"  # scope of the entry made from a service's own id
FRAMING = "framing"  # scope of a model's other-framing name ("managed services", "serverless model")
PRODUCT = "~"  # prefix of the pseudo-services of AWS products the catalogue does not cover
PRODUCT_PRECEDENCE = 10  # named in passing next to a covered service ("lambda mounting EFS"), the service answers
LINE_MOVER_PRECEDENCE = 95  # "RDS on Outposts": the site changes who owns what, so it decides
FOCUS_AFTER_WORDS = 25  # in a longer message, the sentence that asks the question weighs more
FOCUS_FACTOR = 1.5
SOLE_LAYER_WORDS = 15  # up to this many words, the one layer named outright is the layer asked about
FEATURE_ONLY_CONFIDENCE = 0.6  # a service named by its features alone ("visibility timeout"): never "high"
PEER_PRECEDENCE = 5  # a service at most this far below the answered one is its peer, not a building block
UNNAMED_LAYER_FACTOR = 0.7  # the whole breakdown for a question that asks who of no layer named: not "high"
ALTERNATIVE_REACH = 3  # words either side of "or" in which AWS and us are the two alternatives
DISMISSAL_REACH = 7  # words after a service in which "... are fine" says it is not the subject
COMPARISON_REACH = 7  # words back from a service in which "like" makes it the thing compared with
DOER_REACH = 12  # words before "or does <service>" in which "do we ..." asks the other side
OPENING_WORDS = 1  # a service named within the first words of a message ("our X ...") opens it
# ... when its precedence is a peer's: a store (S3, EFS 60) beside a platform (EKS 80), not a
# building block (IAM, KMS, VPC, 20-30). 25 over 15 gained one first-sight answer and lost none.
OPENER_GAP = 25
REPORT_WINDOW = 3  # words after a reporting service's name in which "flagged" makes it the messenger
REPORT_BEFORE = 3  # ... and before it ("shows up in Inspector")
REPORT_CLAUSE = 8  # ... or further on in its clause, when the question does not ask what it does itself
SUBJECT_EVIDENCE = 2  # own feature words that make the service named first the subject over a later, more general one
_CATEGORY = {SERVICE: SERVICE, SERVICE_HINT: SERVICE, TOPIC: TOPIC, CUE: CUE, CHECK: CHECK, CHECK_UNLESS: CHECK}


@dataclass(frozen=True, slots=True)
class Entry:
    """What one catalogue phrase means: a service, a topic, a cue, or part of a check."""

    kind: str
    target: str
    weight: float = 1.0
    scope: str | None = None  # the service of a cell alias; the keyword group of a check


def _entry_order(entry: Entry) -> tuple[str, str, float, str]:
    return entry.kind, entry.target, entry.weight, entry.scope or ""


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    entry: Entry


@dataclass(frozen=True, slots=True)
class Candidate:
    service: str
    topic: str | None
    score: float


@dataclass(frozen=True)
class MatchResult:
    """The matcher's verdict; `bot.answer` turns it into the contract's JSON."""

    service: str | None
    topic: str | None
    score: float
    check: str | None
    alternatives: tuple[Candidate, ...] = ()
    reason: str = ""  # why there is no match: empty, foreign, not-responsibility, no-service
    foreign: str | None = None  # another provider's name, or the AWS product the catalogue does not cover
    near: str | None = None  # for an uncovered product: the covered service it is easily confused with
    read: str = ""  # for an uncovered product: what the catalogue says to read instead, if anything
    whole_service: bool = False
    probability: float = 1.0  # how likely the answered owner is right (cells); 1.0 for a breakdown
    tie: str | None = None  # another service named just as plainly: the answer offers both
    evidence: Evidence | None = None  # for a cell chosen from a question: what calibrates its confidence

    @property
    def confident(self) -> bool:
        return self.service is not None and self.score >= CONFIDENT_SCORE


@dataclass(frozen=True)
class Named:
    """What a message names, without deciding an answer: how a follow-up in a conversation
    (`bot.conversation`) tells which of the earlier question's service and layer it replaces."""

    services: tuple[str, ...]  # covered services named (outright or by a hint), most specific first
    topic: str | None  # the layer it names for the service in question (None: no layer phrase)
    names_layer: bool  # a layer is named outright (an alias, not a mere hint), whatever the service
    other: bool  # another cloud, or an AWS product the catalogue does not cover
    whole: bool  # asks for a whole service ("every layer", "what am I responsible for")
    check: bool  # asks about the account's state
    compare: bool  # "compare", "vs", "versus"


class _Words(NamedTuple):
    """A question's words as `Matcher._words` reads them."""

    words: list[str]
    corrected: set[int]
    focus: tuple[int, int]  # the words of the sentence that asks the question
    breaks: frozenset[int]  # words that open a clause after punctuation ("(no EKS). etcd": "etcd")
    titled: frozenset[int] = frozenset()  # words of a compliance control's bracketed title


@dataclass
class _Reading:
    """The hits of one question, grouped for the decisions that follow."""

    words: list[str]
    corrected: set[int]
    hits: list[Hit]
    canonical: list[Hit] = field(default_factory=list)  # services' own ids, even inside longer names
    focus: tuple[int, int] = (0, 0)  # the words of the sentence that asks the question
    breaks: frozenset[int] = frozenset()  # words that open a clause (`_Words.breaks`)
    titled: frozenset[int] = frozenset()  # a control's bracketed title (`_Words.titled`)
    asked: tuple[int, int] = (0, 0)  # the asking sentence, also in a message short enough to be all focus
    typed: list[str] = field(default_factory=list)  # the words before stemming, to quote back
    cues: dict[str, list[Hit]] = field(default_factory=lambda: defaultdict(list))
    negated: set[str] = field(default_factory=set)  # services mentioned only to be ruled out
    # ... and those ruled out earlier but named again in the asking sentence ("instead of running
    # ECS ourselves ... keeping the ECS agent current?"): back, but not the subject for that alone.
    renamed: set[str] = field(default_factory=set)
    tie: str | None = None  # the other service of a genuine tie
    displaced: str | None = None  # the service precedence chose, when the question's subject overrode it
    maintenance: frozenset[int] | None = None  # `Matcher._maintenance_of_a_layer`, once read
    header: int = 0  # words of a short heading the message opens with ("cloudwatch: who ...?")


def _parse_weighted(phrase: str, default: float) -> tuple[str, float]:
    """`patch^2` gives a phrase its own weight."""
    text, sep, weight = phrase.rpartition("^")
    if sep and text:
        try:
            return text, float(weight)
        except ValueError:
            pass
    return phrase, default


class Matcher:
    """An index over one catalogue; build once, then `match()` many questions."""

    def __init__(self, catalogue: Catalogue, topics: TopicModel | None = None) -> None:
        """`topics`: a layer model to use instead of the catalogue's own (the trainer reads its
        example questions with a matcher before the model they train exists)."""
        self.catalogue = catalogue
        self._phrases: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
        self._raw_words: set[str] = set()  # what a typo may be corrected into
        self._known_words: set[str] = set()  # every word the catalogue uses
        self._service_words: set[str] = set()  # words of service names and aliases
        self._plain = frozenset(fold(" ".join(catalogue.vocabulary.get("plain_words", ()))).split())
        # "r all our buckets encrypted?": a chat short form is read as the words it stands for.
        shorthand = (fold(p).split() for p in catalogue.vocabulary.get("chat_shorthand", ()))
        self._shorthand = {short: tuple(full) for short, *full in shorthand if full}
        self._trailing = frozenset(
            stem(w) for w in fold(" ".join(catalogue.vocabulary["trailing_owner_words"])).split()
        )
        self._aws_side = frozenset(fold(" ".join(catalogue.vocabulary.get("aws_side", ()))).split())
        self._our_side = frozenset(fold(" ".join(catalogue.vocabulary.get("our_side", ()))).split())
        self._compliance = frozenset(
            stem(w) for w in fold(" ".join(catalogue.vocabulary.get("compliance", ()))).split()
        )
        # "cve", "vulnerability": the flaw lives in the layer the message names ("runc CVE" is the
        # container runtime's); only when it names none do they lean towards the OS and the app.
        self._vulnerability = frozenset(
            tuple(stem(w) for w in fold(p).split()) for p in catalogue.vocabulary.get("vulnerability", ())
        )
        # "flagged", "finding", "control": after a reporting service's name, it is the messenger.
        self._reporting = frozenset(
            tuple(stem(w) for w in fold(p).split()) for p in catalogue.vocabulary.get("reporting_words", ())
        )
        self._duty_verbs = frozenset(
            stem(w) for w in fold(" ".join(catalogue.vocabulary.get("duty_verbs", ()))).split()
        )
        self._maintenance_verbs = frozenset(
            stem(w) for w in fold(" ".join(catalogue.vocabulary.get("maintenance_verbs", ()))).split()
        )
        self.topics: TopicModel = topics if topics is not None else model_for(catalogue)
        self.cell_text = CellText(catalogue)
        self._build()
        # The longest phrase each word opens: most words open none, so reading a question tries
        # only the lengths that can match.
        self._opens: dict[str, int] = {}
        for key in self._phrases:
            self._opens[key[0]] = max(self._opens.get(key[0], 0), len(key))
        buckets: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self._raw_words):
            if len(word) >= MIN_FUZZY_LENGTH - 1 and not word.isdigit():
                buckets[word[0]].append(word)
        self._buckets = dict(buckets)
        service_buckets: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self._service_words):
            if len(word) >= MIN_FUZZY_LENGTH and word.isalpha() and not self._everyday(word):
                service_buckets[word[0]].append(word)
        self._service_buckets = dict(service_buckets)
        self._correct = lru_cache(maxsize=16384)(self._correct_uncached)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_correct", None)  # a per-instance lru_cache; rebuilt on load
        # The phrase index holds ~7,700 entries of ~1,700 distinct meanings: pickled as each
        # meaning once plus numbers, a cold `demarc ask` loads it in a third of the time.
        phrases: dict[tuple[str, ...], list[Entry]] = state.pop("_phrases")
        meanings = sorted({e for entries in phrases.values() for e in entries}, key=_entry_order)
        number = {e: i for i, e in enumerate(meanings)}
        state["_phrase_meanings"] = [(e.kind, e.target, e.weight, e.scope) for e in meanings]
        state["_phrase_numbers"] = {key: [number[e] for e in entries] for key, entries in phrases.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        meanings = [Entry(*fields) for fields in state.pop("_phrase_meanings")]
        numbers = state.pop("_phrase_numbers")
        self.__dict__.update(state)
        self._phrases = defaultdict(list, {key: [meanings[i] for i in entries] for key, entries in numbers.items()})
        self._correct = lru_cache(maxsize=16384)(self._correct_uncached)

    # ------------------------------------------------------------------ index

    def _add(self, phrase: str, entry: Entry) -> None:
        # "what's" reaches the matcher as "what" (fold drops 's), so a phrase written "what s" must too.
        words = [w for w in fold(phrase).split() if w != "s"]
        if not words:
            return
        self._known_words.update(words)
        if entry.target.startswith(f"{PRODUCT}aws:"):
            pass  # botocore's 400 product names are never typo targets: "cutover" must stay itself
        elif not (entry.kind == CUE and entry.target == "foreign"):
            # A typo may become any catalogue word except another cloud's name: "dropped" must
            # not turn a question into one about DigitalOcean droplets.
            self._raw_words.update(words)
        if entry.kind == SERVICE and not entry.target.startswith(f"{PRODUCT}aws:"):
            self._service_words.update(words)
        key = tuple(stem(w) for w in words)
        entries = self._phrases[key]
        if entry not in entries:
            entries.append(entry)

    def _build(self) -> None:
        cat = self.catalogue
        # Names too many to list ("c6i.metal", "m7g.metal-48xl"): each match reads as the service's alias.
        self._name_patterns: list[tuple[re.Pattern[str], str]] = [
            (re.compile(pattern, re.IGNORECASE), f" {service.aliases[0]} ")
            for service in cat.services.values()
            if service.aliases
            for pattern in service.name_patterns
        ]
        self._name_patterns += [
            (re.compile(pattern, re.IGNORECASE), rf" \g<0> {phrase} ")
            for topic in cat.topics.values()
            for phrase, pattern in topic.name_patterns
        ]
        # parent id -> (variant id, stemmed words of one configuration that defines the variant)
        self._configurations: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for service in cat.services.values():
            if service.variant_of is None:
                continue
            for phrase in service.selected_by:
                words = [w for w in fold(phrase).split() if w != "s"]
                self._known_words.update(words)
                if words:
                    key = tuple(stem(w) for w in words)
                    self._configurations.setdefault(service.variant_of, []).append((service.id, key))
        # service id -> stemmed words of the facet phrases of its cells (its own feature words)
        self._facet_keys: dict[str, tuple[tuple[str, ...], ...]] = {
            service.id: tuple(
                dict.fromkeys(
                    phrase_key(phrase)
                    for cell in service.cells.values()
                    for part in cell.parts
                    if not part.layer_wide  # a layer's facet ("tls 1.2") names no service
                    for phrase in part.when
                )
            )
            for service in cat.services.values()
        }
        # One-word facet phrases that are everyday words ("patch"): no evidence of a service. Kept
        # as this small set, not as the stems of every plain word, which the cached index would carry.
        one_word = {key[0] for keys in self._facet_keys.values() for key in keys if len(key) == 1}
        self._everyday_facets = frozenset(
            w for w in one_word if any(stem(p) == w for p in self._plain if p[:2] == w[:2])
        )
        # A facet phrase that is also a layer's own alias ("tls", "cmk") tells the layer, not the service.
        self._layer_keys = frozenset(
            phrase_key(_parse_weighted(a, 0)[0]) for t in cat.topics.values() for a in t.aliases
        )
        # ... and so does one that is a layer word ("config" is resource configuration, not AWS Config).
        layer_phrases = {
            fold(_parse_weighted(a, 0)[0]).strip() for t in cat.topics.values() for a in (*t.aliases, *t.hints)
        }
        for service in cat.services.values():
            own_id = service.id.replace("-", " ")
            # An id of everyday words ("backup", "batch", "supply chain") or a layer word ("config")
            # names the service only where the catalogue lists it as an alias: "etcd backups" are not
            # AWS Backup, and a compromised npm package is no AWS Supply Chain.
            everyday = all(word in self._plain for word in own_id.split())  # "supply chain"
            if (not everyday and own_id not in layer_phrases) or fold(own_id) in {
                fold(a) for a in service.aliases
            }:
                self._add(own_id, Entry(SERVICE, service.id, scope=CANONICAL))
            for alias in service.aliases:
                self._add(alias, Entry(SERVICE, service.id))
            for framing in service.framings:
                self._add(framing, Entry(SERVICE, service.id, scope=FRAMING))
            for hint in service.hints:
                self._add(hint, Entry(SERVICE_HINT, service.id))
            for cell in service.cells.values():
                for alias in cell.aliases:
                    self._add(alias, Entry(TOPIC, cell.topic, ALIAS_WEIGHT, scope=service.id))
        for topic in cat.topics.values():
            for alias in topic.aliases:
                text, weight = _parse_weighted(alias, ALIAS_WEIGHT)
                self._add(text, Entry(TOPIC, topic.id, weight))
            for hint in topic.hints:
                text, weight = _parse_weighted(hint, HINT_WEIGHT)
                self._add(text, Entry(TOPIC, topic.id, weight))
        for cue in (
            "responsibility",
            "whole_service",
            "every_layer",
            "account",
            "account_requests",
            "state_words",
            "not_responsibility",
            "how_to",
            "foreign",
            _FOREIGN_PRODUCT,
            "own_site",
        ):
            for phrase in cat.vocabulary.get(cue, ()):
                self._add(phrase, Entry(CUE, cue))
        self._build_products()
        for check in cat.checks.values():
            for index, group in enumerate(check.keywords):
                for phrase in group:
                    self._add(phrase, Entry(CHECK, check.id, scope=str(index)))
            for phrase in check.unless:
                self._add(phrase, Entry(CHECK_UNLESS, check.id))

    def _build_products(self) -> None:
        """Index every AWS product the catalogue does not cover, by the names AWS gives it.

        A product that is also a layer word ("KMS", "WAF", "CloudWatch") points at itself only
        as weakly as a hint, so "encrypt the bucket with KMS" stays a question about S3.
        """
        cat = self.catalogue
        covered: set[str] = set()
        for service in cat.services.values():
            covered.update(fold(p).strip() for p in (service.id.replace("-", " "), service.name, *service.aliases))
        layer_words = {fold(_parse_weighted(a, 0)[0]).strip() for t in cat.topics.values() for a in t.aliases}
        common = self._plain
        frozen_covered, frozen_layer = frozenset(covered), frozenset(layer_words)
        self.products: dict[str, Product] = {}
        # "AWS Context", "AWS Support": the prefix and an everyday word. After "a" or "an", and
        # closing its clause, that is speech ("in an AWS context, ..."), not the product.
        self._speech_after_article: set[tuple[str, ...]] = set()
        self._curated = frozenset(cat.products)
        # Curated offerings whose name contains the covered service they are confused with
        # ("Aurora DSQL", "DAX in front of DynamoDB"): named with it, they are the specific name.
        self._named_after_near: set[str] = set()
        for pid, product in cat.products.items():
            near = cat.services.get(product.near) if product.near else None
            if near is None:
                continue
            near_names = {fold(n).strip() for n in (near.id.replace("-", " "), near.name, *near.aliases)}
            own_names = [fold(a).strip() for a in (product.name, *product.aliases)]
            if any(f" {n} " in f" {a} " for a in own_names for n in near_names if n):
                self._named_after_near.add(f"{PRODUCT}{pid}")
        names = {fold(p.name).strip() for p in cat.products.values()}
        candidates: list[tuple[str, Product, bool]] = [
            (f"{PRODUCT}{pid}", product, True) for pid, product in cat.products.items()
        ]
        # A covered service's name words: botocore's "Managed Streaming for Kafka" is MSK by another name.
        covered_names = [_name_words(service.name) for service in cat.services.values()]
        for name, phrases in botocore_products():
            if fold(name).strip() in names or any(p in covered for p in phrases):
                continue  # the catalogue covers it, or its own products section names it better
            # ... and so is one of its APIs ("SageMaker Runtime", "NeptuneData", "CloudTrail Data Service").
            own_words = _name_words(name) - _API_WORDS
            if own_words and any(own_words <= words for words in covered_names):
                continue
            candidates.append((f"{PRODUCT}aws:{name}", Product(name, phrases), False))
        for target, product, curated in candidates:
            aliases = [fold(a).strip() for a in (product.name, *product.aliases)]
            if not curated:
                # "Security Incident Response" is too ordinary to trust alone, but "AWS Security
                # Incident Response" is the product, and "AWS Payment Cryptography" is more than "AWS
                # Payments": a name with the prefix AWS writes it without. One word takes the prefix
                # only when it is the whole name ("AWS Interconnect"): "AWS notifications" is speech.
                # A name holding a covered service's ("EC2 Instance Connect") stays that service's.
                aliases += [
                    f"{prefix}{a}"
                    for a in aliases
                    if not a.startswith(PREFIXES)
                    and (len(a.split()) > 1 or a == fold(product.name).strip())
                    and not holds_covered_name(a, frozen_covered)
                    for prefix in PREFIXES
                ]
                aliases = [a for a in aliases if not needs_prefix(a, common, frozen_covered)]
                aliases = [a for a in aliases if not _technology_only(a, product.name)]
            aliases = [a for a in aliases if a and a not in covered]
            if not aliases:
                continue
            self.products[target] = product
            for alias in aliases:
                rest = next((alias[len(p) :] for p in PREFIXES if alias.startswith(p)), None)
                if rest and needs_prefix(rest, common, frozen_covered):
                    self._speech_after_article.add(tuple(stem(w) for w in alias.split()))
                kind = SERVICE_HINT if alias in frozen_layer else SERVICE
                self._add(alias, Entry(kind, target))

    # ------------------------------------------------------------------ reading

    def _everyday(self, word: str) -> bool:
        return word in self._plain or inflects(word, self._plain)

    def _correct_uncached(self, word: str) -> str:
        if word in self._known_words or word in self._plain or len(word) < MIN_FUZZY_LENGTH:
            return word
        if not word.isalpha():
            return word
        bucket = self._buckets.get(word[0])
        if not bucket or inflects(word, self._plain) or inflects(word, self._known_words):
            return word
        # Distinctive service names ("aroura", "farget") survive two slips; any other word,
        # including the everyday words in service names ("scaling", "tables"), must be longer.
        for pool, max_distance in (
            (self._service_buckets.get(word[0], ()), 1 if len(word) <= 5 else 2),
            (bucket, 1 if len(word) <= 9 else 2),
        ):
            candidates = [w for w in pool if abs(len(w) - len(word)) <= max_distance]
            from rapidfuzz import process  # only for a word the catalogue does not know
            from rapidfuzz.distance import OSA

            best = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=max_distance)
            if best is not None:
                return str(best[0])
        return word

    def expand_names(self, question: str) -> str:
        """The question with each identifier the catalogue's name patterns know followed, or
        replaced, by what it names ("nodejs16.x language runtime", "c6i.metal" as a metal instance)."""
        for pattern, alias in self._name_patterns:
            question = pattern.sub(alias, question)
        return question

    def _words(self, question: str) -> _Words:
        """Corrected words, the indices that were corrected, the span of the asking sentence, and
        the words that open a clause after punctuation."""
        words: list[str] = []
        corrected: set[int] = set()
        breaks: set[int] = set()
        sentences: list[tuple[int, int, bool]] = []
        text = _COMMAND.sub(" ", strip_slack_markup(question[: MAX_MATCH_CHARS * 2])[:MAX_MATCH_CHARS])
        text = self.expand_names(name_managed_keys(text))
        # "SOC 2 CC6.4 (physical access restrictions)": the bracketed title of a control says what the
        # control is about, so it leans towards that layer, but only as a hint: the layer the question
        # itself names decides ("ISO 27001 A 8.10 (information deletion): ... leftover blocks from
        # another customer's volume?" is about isolation, not data). The title's words are marked.
        text = _CONTROL_TITLE.sub(
            lambda m: m.group(0)[: m.start(1) - m.start(0)] + f" {_TITLE_OPEN} {m.group(1)} {_TITLE_CLOSE} )", text
        )
        titled: set[int] = set()
        in_title = False
        for sentence in _SENTENCE.findall(text):
            # "ElastiCache Serverless", "CloudFront Functions": a CamelCase name the catalogue knows
            # as one word stays one word (fold would split it into "elasti cache", "cloud front").
            sentence = _CAMEL_WORD.sub(lambda m: self._known_camel(m.group(0)), sentence)
            raw: list[str] = []
            opens: set[int] = set()  # raw positions that follow a comma, colon, bracket or dash
            for clause in _CLAUSE_BREAK.split(sentence):
                clause_words = fold(clause).split()
                if raw and clause_words:
                    opens.add(len(raw))
                raw.extend(clause_words)
            start = len(words)
            if start and raw:
                breaks.add(start)  # a new sentence opens a clause too
            i = 0
            while i < len(raw):
                word = raw[i]
                if i in opens:
                    breaks.add(len(words))
                if word in (_TITLE_OPEN, _TITLE_CLOSE):
                    in_title = word == _TITLE_OPEN
                    i += 1
                    continue
                if in_title:
                    titled.add(len(words))
                if i + 1 < len(raw) and i + 1 not in opens:
                    joined = word + raw[i + 1]
                    if len(joined) >= 6 and joined in self._raw_words and raw[i + 1] not in self._raw_words:
                        words.append(joined)
                        i += 2
                        continue
                if word in self._shorthand:
                    words.extend(self._shorthand[word])
                    i += 1
                    continue
                fixed = self._correct(word)
                if fixed != word:
                    corrected.add(len(words))
                words.append(fixed)
                i += 1
            if len(words) > start:
                sentences.append((start, len(words), "?" in sentence))
        asking = [s for s in sentences if s[2]] or sentences or [(0, 0, False)]
        start, end = asking[-1][:2]
        return _Words(words, corrected, (start, end), frozenset(breaks), frozenset(titled))

    def _known_camel(self, word: str) -> str:
        folded = word.lower()
        return folded if folded in self._raw_words else word

    def _read(self, question: str) -> _Reading:
        words, corrected, focus, breaks, titled = self._words(question)
        stems = [stem(w) for w in words]
        found: list[Hit] = []
        n = len(stems)
        for i in range(n):
            for length in range(min(self._opens.get(stems[i], 0), n - i), 0, -1):
                entries = self._phrases.get(tuple(stems[i : i + length]))
                if entries and not any(b in breaks for b in range(i + 1, i + length)):
                    # a phrase does not run across a comma or bracket ("we don't use RDS, postgres ...")
                    if stems[i] == _MANAGED and i > 0 and stems[i - 1] == "self":
                        # "self-managed kafka" is the asker's own Kafka, not "managed kafka" (MSK)
                        entries = [e for e in entries if e.kind not in (SERVICE, SERVICE_HINT)]
                    found.extend(Hit(i, i + length, e) for e in entries)
        # "our DBA team is taking it over from the platform team": a layer's word before "team" names
        # people, not the layer.
        found = [h for h in found if not (h.entry.kind == TOPIC and h.end < n and stems[h.end] == _TEAM)]
        found = [
            h
            for h in found
            if not (
                h.entry.target.startswith(PRODUCT)
                and h.start > 0
                and stems[h.start - 1] in _INDEFINITE
                and (h.end >= n or h.end in breaks)  # "an Amazon Forecast dataset" is the product
                and tuple(stems[h.start : h.end]) in self._speech_after_article
            )
        ]
        # A layer named right after a service, in the same clause ("no ALB access logs"; not "(no EKS). etcd").
        layer_starts = frozenset(h.start for h in found if h.entry.kind == TOPIC and h.start not in breaks)
        # Only services and their hints can be ruled out or dismissed (both functions say so too).
        service_hits = [h for h in found if h.entry.kind in (SERVICE, SERVICE_HINT)]
        named_at = frozenset(h.start for h in service_hits if h.entry.kind == SERVICE)
        denied = [h for h in service_hits if _negated(stems, h, layer_starts, breaks, words, named_at)]
        # "EMR on EC2, not EMR Serverless": what is ruled out is the longest name there, not the
        # shorter one inside it; the shorter name is part of it and says nothing on its own.
        inside_denied = [h for h in denied if h.entry.kind in (SERVICE, SERVICE_HINT) and _inside_other_name(h, denied)]
        denied = [h for h in denied if h not in inside_denied]
        # "EFS mounted with plain mount, no efs-utils": "no" before a service the message also names
        # outright, un-negated, rules out a tool or feature named after it, not the service.
        kept_names = {h.entry.target for h in found if h.entry.kind == SERVICE and h not in denied}
        inside_denied += [h for h in denied if h.entry.target in kept_names and _determiner_before(stems, h.start)]
        denied = [h for h in denied if h not in inside_denied]
        negated = {h.entry.target for h in denied if h.entry.kind == SERVICE}
        # "off a Lightsail container service onto a regular Lightsail instance": where a move goes is
        # run, whatever the same service's other mention left behind.
        negated -= {
            h.entry.target
            for h in service_hits
            if h.entry.kind == SERVICE and h not in denied and _move_destination(stems, h.start, breaks)
        }
        negated_hints = {h.entry.target for h in denied if h.entry.kind == SERVICE_HINT} - negated
        # "The queue and the function are fine": a service said to be fine is not the one asked about,
        # whether named or only hinted at.
        dismissed = [h for h in service_hits if _dismissed(stems, h, breaks)]
        negated |= {h.entry.target for h in dismissed}
        # "Our MediaPackage origin sits behind CloudFront": what a service sits behind is in front of
        # the subject, not the subject, when the subject is named outright too.
        # Only a service named just before "behind" sits behind it: "a region dies behind our global
        # accelerator" puts no service there.
        sits = {h.end for h in service_hits if h.entry.kind == SERVICE and h.entry.target in self.catalogue.services}
        fronts = [
            h
            for h in service_hits
            if h.entry.kind == SERVICE
            and _in_front(stems, h.start)
            and any(h.start - BEHIND_REACH <= end < h.start for end in sits)
        ]
        in_front = {h.entry.target for h in fronts}
        named_elsewhere = {
            h.entry.target
            for h in service_hits
            if h.entry.kind == SERVICE and h not in fronts and h.entry.target in self.catalogue.services
        }
        behind = in_front - named_elsewhere if named_elsewhere - in_front else set()
        # The shorter name inside a ruled-out name of the same service is the same mention ("off
        # Elastic Beanstalk" rules out "beanstalk" there too), and a shorter name of another service
        # inside it is part of that name ("off a Lightsail container service": no container service).
        same_mention = [
            h
            for h in found
            if h.entry.kind in (SERVICE, SERVICE_HINT)
            and h not in denied
            and (
                any(g.entry.target == h.entry.target and g.start <= h.start and h.end <= g.end for g in denied)
                or _inside_other_name(h, denied)
                # "not our route tables": a word of a hint ruled out ("tables") hints at nothing else
                or (h.entry.kind == SERVICE_HINT and _inside_other_name(h, denied, (SERVICE, SERVICE_HINT)))
            )
        ]
        found = [h for h in found if h not in denied and h not in inside_denied and h not in same_mention]
        hits = _drop_absorbed(found)
        canonical = [h for h in found if h.entry.kind == SERVICE and h.entry.scope == CANONICAL]
        asked = focus  # the asking sentence, even in a short message (for the layer named in it)
        if n <= FOCUS_AFTER_WORDS:
            focus = (0, n)
        reading = _Reading(
            words=stems,
            corrected=corrected,
            hits=hits,
            canonical=canonical,
            focus=focus,
            breaks=breaks,
            titled=titled,
            typed=words,
        )
        reading.asked = asked
        reading.header = _header_length(question)
        # "MySQL ourselves on an instance instead of RDS": the service ruled out does not come back
        # through its generic hints ("mysql"), unless it is also named outright elsewhere.
        # In a long message, only a mention in the asking sentence brings it back: "we moved from
        # beanstalk to App Runner. in beanstalk we had to ... with app runner do we still ...?"
        start, end = reading.focus
        named = {h.entry.target for h in hits if h.entry.kind == SERVICE}
        named_in_focus = {
            h.entry.target for h in hits if h.entry.kind == SERVICE and start <= h.start < end and h not in dismissed
        }
        # A service ruled out only through its hints ("like it does for zip functions") comes back
        # wherever it is named outright.
        # "from Elasticsearch 7.10 to OpenSearch 2.x": named again as where the move goes, it is back.
        destinations = {
            h.entry.target
            for h in hits
            if h.entry.kind == SERVICE
            and h.start > 0
            and (stems[h.start - 1] in _MOVE_TO or _now_on(stems, h.start))
            and h not in dismissed
        }
        reading.negated = (negated - named_in_focus - destinations) | (negated_hints - named) | behind
        reading.renamed = negated & named_in_focus
        # A cue word inside a covered service's name is part of the name: "microsoft" in "AWS Managed
        # Microsoft AD" is not another provider, "step" in "Step Functions" is not a how-to.
        names = [(h.start, h.end) for h in hits if h.entry.kind == SERVICE and not h.entry.target.startswith(PRODUCT)]
        service_ends = frozenset(h.end for h in hits if h.entry.kind in (SERVICE, SERVICE_HINT))
        for hit in hits:
            if hit.entry.kind != CUE or (
                hit.entry.target in _NAME_PART_CUES
                and any(s <= hit.start and hit.end <= e and (e - s) > (hit.end - hit.start) for s, e in names)
            ):
                continue
            after = stems[hit.end] if hit.end < len(stems) else ""
            if hit.entry.target == "responsibility" and after in _MANAGED_KINDS:
                continue  # "customer managed keys", "AWS managed policies" name a kind of resource, not who
            if hit.entry.target == "responsibility" and self._not_asking_who(stems, hit, service_ends):
                continue
            if (
                hit.entry.target == "whole_service"
                and stems[hit.start : hit.end] == ["split"]
                and hit.start > 0
                and stems[hit.start - 1] == "or"
            ):
                continue  # "AWS's problem, ours, or split?": a third answer, not a request for the split
            if (
                hit.entry.target == "not_responsibility"
                and stems[hit.start] in _WHO
                and hit.end - hit.start == 2
                and words[hit.start + 1] not in _TRIVIA_VERBS
            ):
                continue  # "who creates the users?" asks who does it; "who created kubernetes?" is trivia
            reading.cues[hit.entry.target].append(hit)
        # Another company's product beside a covered AWS service named outright is what that service
        # connects to ("AppFlow pulls Salesforce objects into S3", "a Glue job reading Snowflake");
        # alone ("who patches Snowflake?") it is another provider's, declined as one.
        products = reading.cues.pop(_FOREIGN_PRODUCT, None)
        covered = self.catalogue.services
        if products and not any(
            h.entry.kind == SERVICE and h.entry.target in covered and h.entry.target not in reading.negated
            for h in hits
        ):
            reading.cues["foreign"] = sorted([*reading.cues.get("foreign", ()), *products], key=lambda h: h.start)
        return reading

    @staticmethod
    def _not_asking_who(stems: Sequence[str], hit: Hit, service_ends: frozenset[int]) -> bool:
        """A "whose job" phrase that is part of something else: "for us or just us-east-1" (whom
        it is for, then a choice of regions), "every VPC we own" (which resources)."""
        phrase = tuple(stems[hit.start : hit.end])
        if phrase == ("us", "or") and hit.start > 0 and stems[hit.start - 1] == "for":
            return True
        return phrase[:1] == ("we",) and len(phrase) == 2 and hit.start in service_ends

    def services_named(self, text: str) -> list[str]:
        """Services named outright in a short text, most specific first (for `compare`).

        Generic hints ("functions") and other clouds' names ("azure-functions") name nothing.
        """
        reading = self._read(text)
        if reading.cues.get("foreign"):
            return []
        named = {hit.entry.target for hit in reading.hits if hit.entry.kind == SERVICE}
        return [s for s, _ in self._rank_services(reading) if s in named and not s.startswith(PRODUCT)]

    def named(self, question: str, service: str | None = None) -> Named:
        """The services and the layer a message names, for reading it as a follow-up.

        The layer is read for the first service the message names, else for `service` (the
        service of the conversation so far); only a layer phrase counts, not the model alone.
        """
        reading = self._read(question)
        foreign = bool(reading.cues.get("foreign")) and not self._names_a_hybrid_offering(reading)
        ranked = self._rank_services(reading)
        uncovered = bool(ranked) and ranked[0][0].startswith(PRODUCT)
        services = tuple(s for s, _ in ranked if not s.startswith(PRODUCT))
        if service is not None and services:
            # "what about IAM?" or "the task role?" in a conversation about ECS asks about the IAM
            # layer: a service mentioned only inside a layer's own phrase is read as that layer there.
            layer_spans = {(h.start, h.end) for h in reading.hits if h.entry.kind == TOPIC and h.entry.scope is None}
            spans: dict[str, set[tuple[int, int]]] = defaultdict(set)
            for h in reading.hits:
                if h.entry.kind in (SERVICE, SERVICE_HINT):
                    spans[h.entry.target].add((h.start, h.end))

            def inside_a_layer(span: tuple[int, int]) -> bool:
                return any(s <= span[0] and span[1] <= e for s, e in layer_spans)

            if all(inside_a_layer(span) for name in services for span in spans[name]):
                services = ()
        target = services[0] if services else service
        topic: str | None = None
        if target is not None and target in self.catalogue.services:
            scores = self._topic_scores(reading, target)
            if scores:
                topic = self._blend(self._topic_probabilities(reading, target), scores)
        asks_who = bool(reading.cues.get("responsibility"))
        return Named(
            services=services,
            topic=topic,
            names_layer=any(
                h.entry.kind == TOPIC and h.entry.scope is None and h.entry.weight >= ALIAS_WEIGHT for h in reading.hits
            ),
            other=foreign or uncovered,
            whole=bool(reading.cues.get("whole_service")) or bool(reading.cues.get("every_layer")),
            check=self._account_check(reading, asks_who) is not None,
            compare=any(w in _COMPARE for w in reading.typed),
        )

    def explain(self, question: str) -> list[str]:
        """The phrases found in a question and what each means (for `demarc ask --explain`)."""
        reading = self._read(question)
        lines = [f"words: {' '.join(reading.words)}"]
        for hit in reading.hits:
            e = hit.entry
            scope = f" [{e.scope}]" if e.scope else ""
            lines.append(f"  {' '.join(reading.words[hit.start : hit.end])!r}: {e.kind} {e.target} {e.weight:g}{scope}")
        return lines

    # ------------------------------------------------------------------ deciding

    def layer_words(self, question: str) -> list[str]:
        """The words of a question the layer model learns from, as an example of its layer.

        As `_topic_probabilities` reads a question, but with every service's name left out (an
        example's words teach the layer, not which services it was asked about), and control ids
        and numbers too.
        """
        reading = self._read(question)
        names = {i for h in reading.canonical for i in range(h.start, h.end)}
        return [w for i, w in enumerate(reading.words) if i not in names and self._layer_word(w)]

    def _layer_word(self, word: str) -> bool:
        """Whether the layer model reads a word at all: control ids and numbers name no layer."""
        return word not in self._compliance and not word.isdigit() and len(word) > 1

    def match(self, question: str, *, service: str | None = None) -> MatchResult:
        """The cell (or whole service) a question is about, or why there is none.

        With `service`, the question is read as being about that service: a follow-up in a
        conversation about it that names only a layer ("what about encryption?"); it need
        not ask "whose job" again, the conversation already did.
        """
        reading = self._read(question)
        if not reading.words:
            return MatchResult(None, None, 0.0, None, reason="empty")
        cues = reading.cues
        if (
            cues.get("foreign")
            and not self._names_a_hybrid_offering(reading)
            and not self._foreign_aside(reading)
            and not self._foreign_glossed(reading)
            and not self._foreign_left_behind(reading)
        ):
            first = cues["foreign"][0]
            return MatchResult(
                None, None, 0.0, None, reason="foreign", foreign=" ".join(reading.typed[first.start : first.end])
            )
        if cues.get("own_site") and not any(
            h.entry.kind == SERVICE and h.entry.target in self.catalogue.services for h in reading.hits
        ):
            # "should we stay on prem?": nothing AWS runs is named, so there is no AWS line to draw.
            first = cues["own_site"][0]
            return MatchResult(
                None, None, 0.0, None, reason="own-site", foreign=" ".join(reading.typed[first.start : first.end])
            )
        asks_who = self._asks_who(reading)
        every_layer = bool(cues.get("every_layer"))
        # A clause for each side ("which responsibilities shift to AWS and which stay with us") asks
        # for every layer, whatever layer words the clauses use.
        every_layer = (
            every_layer
            or self._asks_each_side(reading)
            or self._asks_whole_twice(reading)
            or self._spans_layers(reading)
        )
        wants_whole = bool(cues.get("whole_service")) or every_layer
        check = self._account_check(reading, asks_who)
        ranked_services = self._rank_services(reading)
        if service is not None and service in self.catalogue.services:
            ranked_services = [(service, 1.0), *(r for r in ranked_services if r[0] != service)]
            reading.tie, asks_who = None, True
        if not ranked_services:
            return MatchResult(None, None, 0.0, check, reason="" if check else "no-service")
        service, service_conf = ranked_services[0]
        if service.startswith(PRODUCT):
            product = self.products[service]
            return MatchResult(
                None, None, 0.0, check, reason="uncovered", foreign=product.name, near=product.near, read=product.read
            )
        # Named in passing ("lambda mounting EFS"), an uncovered offering is no alternative either.
        ranked_services = [ranked for ranked in ranked_services if not ranked[0].startswith(PRODUCT)]
        configured = self._configured_variant(reading, service)
        if configured != service:
            # "beanstalk with managed updates turned off": the configuration stated is the variant's.
            service = configured
            ranked_services = [(service, service_conf), *ranked_services[1:]]
        topic_scores = self._topic_scores(reading, service)
        ranked_topics = sorted(topic_scores.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
        best_topic = ranked_topics[0][0] if ranked_topics else None
        best_weight = ranked_topics[0][1][0] if ranked_topics else 0.0
        if best_topic is None and not wants_whole and asks_who:
            # No layer phrase, but words the catalogue uses for one layer ("secure disposal of
            # storage media"): the model may still be sure enough to answer that layer.
            probabilities = self._topic_probabilities(reading, service, without_cues=True)
            likeliest = max(probabilities, key=lambda t: probabilities[t])
            # "who is supposed to lock that down?" asks who does one thing; "what's left for us?"
            # asks for everything: only the first may take the model's layer when it is less sure.
            needed = MODEL_ONLY_PROBABILITY if not self._asks_who_does_one_thing(reading) else ONE_THING_PROBABILITY
            if probabilities[likeliest] >= needed:
                best_topic, best_weight = likeliest, HINT_WEIGHT

        if not (asks_who or wants_whole or check):
            if cues.get("not_responsibility"):
                return MatchResult(None, None, 0.0, None, reason="not-responsibility")
            if best_topic is None and len(reading.words) > 4:
                return MatchResult(None, None, 0.0, None, reason="not-responsibility")

        # "... OS patching is AWS's now, correct? (filling in the RACI)": one layer named three times
        # over is what is asked, whatever word for every layer comes with it.
        every_layer = every_layer and best_weight < ONE_LAYER_OVER_EVERY
        whole = best_topic is None or every_layer or (wants_whole and best_weight < ALIAS_WEIGHT)
        if check and best_topic is None:
            info = self.catalogue.checks[check]
            if info.service == service:
                best_topic, best_weight, whole = info.topic, ALIAS_WEIGHT, False
        if whole:
            # A longer question that names no layer and does not ask for the whole service gets the
            # breakdown as a fallback ("SnapStart: UUIDs repeat across environments, ours?"): unsure.
            score = 100.0 * service_conf * (1.0 if wants_whole or len(reading.words) <= 4 else UNNAMED_LAYER_FACTOR)
            alternatives = tuple(Candidate(s, None, round(100.0 * c * 0.8, 1)) for s, c in ranked_services[1:3])
            return MatchResult(service, None, round(score, 1), check, alternatives, whole_service=True)

        assert best_topic is not None
        probabilities = self._topic_probabilities(reading, service)
        if not (check and self.catalogue.checks[check].topic == best_topic and best_weight >= ALIAS_WEIGHT):
            best_topic = self._blend(probabilities, topic_scores, reading)
        owner_probability = self._owner_probability(service, best_topic, _posterior(probabilities, topic_scores))
        score = 100.0 * service_conf * owner_probability
        contested = True
        if self._rival_owner(service, best_topic, reading):
            score *= TIE_FACTOR  # the service precedence would have chosen answers this layer with another owner
        elif self._phrases_point_elsewhere(service, best_topic, topic_scores):
            score *= TIE_FACTOR  # the question's own layer words name only layers another party owns
        elif self._named_rival(service, best_topic, reading, ranked_services):
            score *= TIE_FACTOR  # the question opens with a peer service that owns this layer otherwise
        else:
            contested = False
        alternatives = self._alternatives(service, best_topic, probabilities, ranked_services, service_conf)
        tie = reading.tie if reading.tie is not None and not reading.tie.startswith(PRODUCT) else None
        if tie is not None:  # a genuine tie offers the other service first
            alternatives = tuple(sorted(alternatives, key=lambda c: c.service != tie))
        cells = self.catalogue.services[service].cells
        rival = max((p for t, p in probabilities.items() if t in cells and cells[t].owner != cells[best_topic].owner),
                    default=0.0)
        evidence = Evidence(
            layer_margin=probabilities.get(best_topic, 0.0) - rival,
            rival_layer=rival,
            service_certainty=service_conf,
            services_named=len(ranked_services),
            words=len(reading.words),
            contested=contested,
            tied=tie is not None,
        )
        return MatchResult(
            service,
            best_topic,
            round(score, 1),
            check,
            alternatives,
            probability=owner_probability,
            tie=tie,
            evidence=evidence,
        )

    def _topic_probabilities(self, reading: _Reading, service: str, *, without_cues: bool = False) -> dict[str, float]:
        """The model's layer probabilities for a question, the chosen service's own name left out.

        "vpc", "iam" or "cloudtrail" name the service; they say nothing about the layer. In a
        long message, the sentence that asks the question counts double.
        """
        # Another service's name says where, not which layer: a site named next to the service
        # ("a node group in a Local Zone") would pull the model towards that site's own cells.
        services = self.catalogue.services
        own = {
            i
            for h in reading.canonical
            if h.entry.target == service or _names_elsewhere(services.get(h.entry.target), services.get(service))
            for i in range(h.start, h.end)
        }
        own.update(i for h in reading.hits if without_cues and h.entry.kind == CUE for i in range(h.start, h.end))
        own.update(i for s, e in self._ruled_out_layers(reading) for i in range(s, e))  # "not our image"
        own.update(self._maintenance_of_a_layer(reading))  # "patch runc": runc says which layer
        if without_cues:
            # Cue words ("whose job", "ours", "AWS or us") say what kind of question it is, not which
            # layer: with no layer phrase, only the other words may name one.
            own.update(i for i, w in enumerate(reading.words) if w in self._aws_side or w in self._our_side)
            # ... nor do "secure", "security" or "protect": with no layer named they ask for all of them.
            own.update(i for i, w in enumerate(reading.words) if w in _LIST_WORDS)
        # Control ids ("SOC 2 CC6.1", "PCI DSS 3.5", "HIPAA 164.312", "ISO A.8.24") are not layers:
        # the layer named next to them decides.
        keep = [i for i, w in enumerate(reading.words) if i not in own and self._layer_word(w)]
        stems = [reading.words[i] for i in keep]
        positions = keep
        focus = reading.focus
        boost: list[int] = []
        if focus != (0, len(reading.words)):
            boost = [j for j, i in enumerate(positions) if focus[0] <= i < focus[1]]
        # "who encrypts data in S3": the verb right after "who" is the work asked about, and
        # "who patches the hypervisor": so is the next word it works on (articles and the
        # service's own name aside), or the verb alone would outweigh the layer.
        cue_words = {i for h in reading.cues.get("responsibility", ()) for i in range(h.start, h.end)}
        kept = set(positions) - cue_words  # "who owns the network controls": "owns" only asks who
        after_who: set[int] = set()
        layer_words = {
            i
            for h in reading.hits
            if h.entry.kind == TOPIC and h.entry.weight >= ALIAS_WEIGHT
            for i in range(h.start, h.end)
        }
        for h in reading.cues.get("responsibility", ()):
            if reading.words[h.start] not in _WHO:
                continue
            clause = [
                i
                for i in range(h.end, min(len(reading.words), h.end + WHO_CLAUSE_WORDS))
                if i in kept and reading.words[i] not in _ARTICLES
            ]
            # ... unless the word it works on names a layer outright: "who patches the hypervisor"
            # asks about the hypervisor, and the verb alone would pull towards the OS.
            if len(clause) >= 2 and reading.words[clause[0]] in self._duty_verbs and clause[1] in layer_words:
                clause = clause[1:]
            after_who.update(clause[:2])
        boost.extend(j for j, i in enumerate(positions) if i in after_who)
        cells = self.catalogue.services[service].cells
        probabilities = self.topics.probabilities(self.topics.vector(stems, boost))
        probabilities = {t: p for t, p in probabilities.items() if t in cells}
        if without_cues:
            return probabilities
        # What this service's own cells say (FSx's hardware cell: "AWS replaces failed file servers")
        # sharpens the model, which learnt each layer from every service at once.
        # Service names are left out of that comparison, as the model leaves out the answered one's:
        # a cell whose summary happens to name a service the question names ("Site-to-Site VPN exposes
        # no container runtime", "consumers on EC2 or Lambda") is no closer for that.
        names = {i for h in reading.hits if h.entry.kind == SERVICE for i in range(h.start, h.end)}
        closeness = self.cell_text.similarities([w for i, w in enumerate(reading.words) if i not in names], service)
        scaled = {t: p * math.exp(CELL_BLEND * closeness.get(t, 0.0)) for t, p in probabilities.items()}
        total = sum(scaled.values()) or 1.0
        return {t: p / total for t, p in scaled.items()}

    def _blend(
        self, probabilities: dict[str, float], phrases: dict[str, tuple[float, int]], reading: _Reading | None = None
    ) -> str:
        """The model's layer, nudged by layer phrases named outright (aliases of the catalogue).

        A short question that names exactly one layer outright ("hypervisor security for ...") is
        about that layer: the model only weighs in when the words point several ways.
        """
        named = [t for t, (weight, _) in phrases.items() if t in probabilities and weight > 0]
        if (
            reading is not None
            and len(named) == 1
            and phrases[named[0]][0] >= ALIAS_WEIGHT
            and len(reading.words) <= SOLE_LAYER_WORDS
        ):
            return named[0]

        def score(topic: str) -> float:
            return math.log(probabilities[topic] + 1e-9) + PHRASE_BLEND * phrases.get(topic, (0.0, 0))[0]

        return max(probabilities, key=score)

    def _owner_probability(self, service: str, topic: str, probabilities: dict[str, float]) -> float:
        """How likely the answered owner is right: the mass of every layer with that owner."""
        cells = self.catalogue.services[service].cells
        owner = cells[topic].owner
        total = sum(probabilities.values()) or 1.0
        return sum(p for t, p in probabilities.items() if cells[t].owner == owner) / total

    def _phrases_point_elsewhere(self, service: str, topic: str, phrases: dict[str, tuple[float, int]]) -> bool:
        """The model chose a layer the question's words do not name, and every layer they do name
        has another owner ("physical perimeter ... for EC2" read as capacity, a customer layer,
        while "physical" names only AWS's layers): the words and the model disagree on the owner,
        so the answer is not "high"."""
        named = [t for t, (weight, _) in phrases.items() if weight > 0]
        if not named or topic in named:
            return False
        cells = self.catalogue.services[service].cells
        owner = cells[topic].owner
        return all(t in cells and cells[t].owner != owner for t in named)

    def _rival_owner(self, service: str, topic: str, reading: _Reading) -> bool:
        """The subject rule chose `service` over the one the catalogue's precedence ranks first, and
        that one answers the layer with another owner ("CMK for the S3 bucket: does KMS rotate
        it" is KMS's or S3's encryption): which is meant is a judgement, so the answer is not "high"."""
        other = reading.displaced
        services = self.catalogue.services
        if other is None or other == service or other not in services:
            return False
        cell, rival = services[service].cells.get(topic), services[other].cells.get(topic)
        return cell is not None and rival is not None and rival.owner != cell.owner

    def _named_rival(self, service: str, topic: str, reading: _Reading, ranked: Sequence[tuple[str, float]]) -> bool:
        """The question opens with another service, precedence answered a later one, and the two
        answer this layer with different owners ("CloudFront distribution: the ACM certificate and
        TLS policy, whose?": ACM's encryption is shared, CloudFront's is yours). Which is meant is
        a judgement, so the answer is not "high". A service the answered one runs on, belongs to or
        varies is context, and a building block named as the means (a KMS key, an IAM role: far
        lower precedence) is no rival."""
        services = self.catalogue.services
        chosen = services[service]
        cell = chosen.cells.get(topic)
        if cell is None or chosen.model == service:
            return False  # a model's example services are the model's, not rivals
        first: dict[str, int] = {}
        for hit in reading.hits:
            if hit.entry.kind == SERVICE and hit.entry.target not in first:
                first[hit.entry.target] = hit.start
        if service not in first:
            return False
        for other, _ in ranked:
            if other == service or other not in services or first.get(other, len(reading.words)) >= first[service]:
                continue
            rival = services[other]
            if rival.model == other or self._precedence(other) < self._precedence(service) - PEER_PRECEDENCE:
                continue
            related = (chosen.variant_of, chosen.part_of, *chosen.runs_on)
            if other in related or service in (rival.variant_of, rival.part_of, *rival.runs_on):
                continue
            rival_cell = rival.cells.get(topic)
            if rival_cell is not None and rival_cell.owner != cell.owner:
                return True
        return False

    def _configured_variant(self, reading: _Reading, service: str) -> str:
        """The variant of `service` whose defining configuration the question states, if any.

        A configuration counts when all its words are stated together (in any order, within a few
        words of each other) and not negated ("a zip, not a container image"); the longest one stated
        wins ("managed platform updates off" over "custom ami" if both are there).
        """
        options = self._configurations.get(service)
        if not options:
            return service
        best: tuple[int, str] | None = None
        for variant, key in options:
            if (best is None or len(key) > best[0]) and _stated(reading.words, key):
                best = (len(key), variant)
        return best[1] if best is not None else service

    def _foreign_aside(self, reading: _Reading) -> bool:
        """Another provider named only in the background of a long message ("They've only used
        Heroku before. Can you lay out ... for Beanstalk?"): the asking sentence names a covered
        service and no other provider, so it is the question."""
        start, end = reading.focus
        if (start, end) == (0, len(reading.words)):
            return False
        if any(start <= h.start < end for h in reading.cues.get("foreign", ())):
            return False
        return any(
            h.entry.kind == SERVICE and start <= h.start < end and h.entry.target in self.catalogue.services
            for h in reading.hits
        )

    def _foreign_left_behind(self, reading: _Reading) -> bool:
        """Every other provider named is where a move to a covered service started: "We moved from
        Heroku to Elastic Beanstalk. ... ours to fix?" asks about Beanstalk."""
        foreign = reading.cues.get("foreign", ())
        if not foreign:
            return False
        words = reading.words
        moved_to = any(
            h.entry.kind == SERVICE
            and h.entry.target in self.catalogue.services
            and _move_destination(words, h.start, reading.breaks)
            for h in reading.hits
        )
        return moved_to and all(_left_behind(words, h, reading.breaks) for h in foreign)

    def _foreign_glossed(self, reading: _Reading) -> bool:
        """Every other provider's word is glossed with a covered service in brackets right after it:
        "my little cloud function (Lambda)" uses the generic word for the AWS service it names."""
        starts = {
            h.start for h in reading.hits if h.entry.kind == SERVICE and h.entry.target in self.catalogue.services
        }
        return all(h.end in starts and h.end in reading.breaks for h in reading.cues.get("foreign", ()))

    def _names_a_hybrid_offering(self, reading: _Reading) -> bool:
        """ "EKS Anywhere on our vSphere", "ECS Anywhere on prem", "our file gateway VM on ESXi": an
        AWS offering that runs on the asker's own site makes VMware or "on prem" context, not another
        provider. A service whose own facilities or hypervisor the catalogue gives to the customer
        (Storage Gateway, DataSync, Elastic Disaster Recovery) is one by its cells."""
        for hit in reading.hits:
            target = hit.entry.target
            if hit.entry.kind != SERVICE:
                continue
            if target.startswith(PRODUCT) and target[len(PRODUCT) :] in self._curated:
                return True
            service = self.catalogue.services.get(target)
            if service is None:
                continue
            if service.variant_of is not None or any(
                topic in service.cells and service.cells[topic].owner != "aws" for topic in _ON_YOUR_SITE
            ):
                return True
        return False

    def _precedence(self, service: str) -> int:
        if service.startswith(PRODUCT):
            # A curated offering named after a covered service ("RDS Custom", "DAX in front of
            # DynamoDB", "ECS Managed Instances") is the more specific name: it decides.
            product = self.products[service]
            specific = product.moves_line or service in self._named_after_near
            return LINE_MOVER_PRECEDENCE if specific else PRODUCT_PRECEDENCE
        return self.catalogue.services[service].precedence

    def _ranking_precedence(self, reading: _Reading, service: str, named: dict[str, tuple[int, bool]]) -> int:
        """A service's precedence among those named, as the variant the question configures it as:
        "our Lambda, deployed as a container image from ECR" ranks Lambda as its container-image
        variant, the more specific service, above the registry it pulls from. A variant named
        outright ranks itself."""
        if service.startswith(PRODUCT):
            return self._precedence(service)
        configured = self._configured_variant(reading, service)
        return self._precedence(service if configured in named else configured)

    def _names_both_sides(self, reading: _Reading) -> bool:
        """ "What does AWS do and what do we do" asks who, even without "who"."""
        inside_names = {
            i for h in reading.hits if h.entry.kind in (SERVICE, SERVICE_HINT) for i in range(h.start, h.end)
        }
        words = reading.words
        aws = any(w in self._aws_side and i not in inside_names for i, w in enumerate(words))
        return aws and any(w in self._our_side for w in words)

    def _asks_something_else(self, reading: _Reading) -> bool:
        """A long message whose asking sentence asks a price or a how-to while every "whose job" word
        sits in the background ("finance is asking us to trim spend. What's the cheapest instance
        class ...?"): the question is the asking sentence's, not responsibility."""
        start, end = reading.focus
        if (start, end) == (0, len(reading.words)):
            return False

        def inside(hits: Sequence[Hit]) -> bool:
            return any(start <= h.start and h.end <= end for h in hits)

        return inside(reading.cues.get("not_responsibility", ())) and not inside(reading.cues.get("responsibility", ()))

    def _tag_question(self, reading: _Reading) -> bool:
        """ "the pipeline engine itself is AWS's, right?", "aws will upgrade kafka for us, right?":
        a statement of who does it, turned into a question by a tag at the end, asks who."""
        words = reading.words
        if len(words) < 3 or words[-1] not in _TAGS:
            return False
        clause = words[max(0, len(words) - TAG_REACH) : -1]
        return any(w in self._aws_side or w in self._our_side for w in clause)

    def asks_who(self, text: str) -> bool:
        """Whether a text asks whose job something is, in any of the ways `match` hears it."""
        reading = self._read(text)
        return bool(reading.words) and self._asks_who(reading)

    def _asks_who(self, reading: _Reading) -> bool:
        cues = reading.cues
        # "... aws or us?" asks who; "... for us?" asks for something done on our behalf.
        # "... are AWS's again?", "... is AWS's now?": a last word of time says nothing; the one before it asks.
        words = reading.words
        ending = words[:-1] if len(words) > 2 and words[-1] in _TRAILING_FILLERS else words
        trailing = ending[-1] in self._trailing and ending[-2:-1] != ["for"]
        # Naming both sides asks who ("what AWS does and what we do"), unless it is a how-to
        # ("how do I rotate a key with the aws cli").
        both_sides = self._names_both_sides(reading) and not cues.get("not_responsibility")
        # "... aws fixes or we redeploy?": AWS and us as the two sides of an "or" ask who, whatever
        # how-to words ("deploy", "restart") the sides use.
        responsibility = bool(cues.get("responsibility")) and not self._asks_something_else(reading)
        return (
            responsibility
            or trailing
            or both_sides
            or self._sides_alternate(reading)
            or self._names_a_duty(reading)
            or self._tag_question(reading)
            or self._asks_if_aws_does(reading)
        )

    def _asks_if_aws_does(self, reading: _Reading) -> bool:
        """ "does S3 keep a copy in another AZ?", "does that mean AWS keeps the OS patched?": asking
        whether AWS, or a service of theirs, does a duty (vocabulary `duty_verbs`) asks who. The
        auxiliary opens the question, AWS or the service follows within a few words, and the
        duty's verb right after it; "does S3 support versioning?" names no duty."""
        words = reading.words
        names = {h.start: h.end for h in reading.hits if h.entry.kind == SERVICE}
        for i, word in enumerate(words):
            if word not in _DOING:
                continue
            for j in range(i + 1, min(len(words), i + 1 + PROVIDER_REACH)):
                if words[j] in self._our_side:
                    break  # "do our RDS instances keep a week of backups?" asks about our account
                if words[j] in self._aws_side:
                    after = j + 1
                elif j in names:
                    after = names[j]
                else:
                    continue
                if after < len(words) and words[after] in self._duty_verbs:
                    return True
                break
        return False

    def _agents_asked(self, reading: _Reading) -> set[str]:
        """Services the question asks whether they do a duty themselves: "... or does KMS do it on its
        own?", "will Macie delete them?" (an auxiliary, the name, then a duty verb)."""
        words = reading.words
        agents: set[str] = set()
        for hit in reading.hits:
            if hit.entry.kind != SERVICE or hit.end >= len(words):
                continue
            if words[hit.end] not in self._duty_verbs and words[hit.end] != "do":
                continue
            before = words[max(0, hit.start - PROVIDER_REACH) : hit.start]
            auxiliary = max((k for k, w in enumerate(before) if w in _DOING), default=None)
            # "do our RDS instances keep ...?" asks about our resources, not what the service does
            if auxiliary is not None and not any(w in self._our_side for w in before[auxiliary + 1 :]):
                agents.add(hit.entry.target)
        return agents

    def _asks_who_does_one_thing(self, reading: _Reading) -> bool:
        """ "who is supposed to lock that down?", "whose job was keeping durable copies?": a "who"
        question with no word that asks for a list ("what", "which", "everything") is about one
        duty, even when no layer phrase names it."""
        words = reading.words
        if len(words) < ONE_THING_WORDS:
            return False  # "who secures fargate?" is the whole service, asked briefly
        return any(w in _WHO for w in words) and not any(w in _LIST_WORDS for w in words)

    def _names_a_duty(self, reading: _Reading) -> bool:
        """ "is surviving a zone failure our design problem?", "their security concern": a side's
        problem or duty with a word or two between asks who, as "our problem" does."""
        words = reading.words
        for i, word in enumerate(words):
            if word in _DUTY_OWNERS and any(w in _DUTIES for w in words[i + 1 : i + 1 + DUTY_REACH]):
                return True
        return False

    def _asks_whole_twice(self, reading: _Reading) -> bool:
        """Two requests for the split in other words ("full SRM breakdown") ask for every layer,
        whatever layer a clause mentions on the way."""
        asks = {(h.start, h.end) for h in reading.cues.get("whole_service", ())}
        separate = [span for span in asks if not any(o != span and o[0] <= span[0] and span[1] <= o[1] for o in asks)]
        return len(separate) >= 2

    def _spans_layers(self, reading: _Reading) -> bool:
        """ "from the data centre to the logs", "from the hardware up to IAM": a range of layers."""
        words = reading.words
        starts: dict[int, set[str]] = defaultdict(set)
        # "from the anycast edge to the load balancers": a layer word inside a service's name ("load"
        # in "load balancer") names the service, not a layer the range runs to.
        names = [(h.start, h.end) for h in reading.hits if h.entry.kind == SERVICE]
        for h in reading.hits:
            inside_a_name = any(s <= h.start and h.end <= e and e - s > h.end - h.start for s, e in names)
            if h.entry.kind == TOPIC and not inside_a_name:
                starts[h.start].add(h.entry.target)

        def layers_at(i: int) -> set[str]:
            """The layers named right after word i, past "the" / "our" ("to the logs")."""
            while i < len(words) and words[i] in _SPAN_FILLER:
                i += 1
            return starts.get(i, set())

        for i, word in enumerate(words):
            first = layers_at(i + 1) if word == "from" else set()
            if not first:
                continue
            for j in range(i + 2, min(len(words), i + 2 * SPAN_REACH + 2)):
                if words[j] in _SPAN_TO and layers_at(j + 1) - first:
                    return True
        return False

    def _asks_each_side(self, reading: _Reading) -> bool:
        """Two "what" clauses, one about AWS and one about us ("what does AWS take care of for an ALB,
        and what's left to us?"), or the two sides set against each other ("an AWS column vs a
        customer column"), ask for the whole split, whatever verbs they use."""
        inside_names = {
            i for h in reading.hits if h.entry.kind in (SERVICE, SERVICE_HINT) for i in range(h.start, h.end)
        }
        words = reading.words
        for i, word in enumerate(words):
            # "an aws column vs a customer column": the two sides set against each other
            if word in _VERSUS:
                before = set(words[max(0, i - ALTERNATIVE_REACH) : i]) - {words[j] for j in inside_names}
                after = set(words[i + 1 : i + 1 + ALTERNATIVE_REACH])
                if (before & self._aws_side and after & self._our_side) or (
                    before & self._our_side and after & self._aws_side
                ):
                    return True
        starts = [i for i, w in enumerate(words) if w in _SPLIT_QUESTION_WORDS]
        if len(starts) < 2:
            return False
        sides = []
        for start, end in zip(starts, [*starts[1:], len(reading.words)], strict=True):
            # "what does AWS do for us": whom the work is for is no side of the split.
            clause = [
                (i, reading.words[i])
                for i in range(start, end)
                if i not in inside_names and not (i > start and reading.words[i - 1] == "for")
            ]
            sides.append(
                ({w for _, w in clause} & self._aws_side and "aws", {w for _, w in clause} & self._our_side and "us")
            )
        aws = any(a and not u for a, u in sides)
        us = any(u and not a for a, u in sides)
        return aws and us

    def _sides_alternate(self, reading: _Reading) -> bool:
        """AWS on one side of an "or" and us on the other, a few words apart ("aws fixes or we redeploy",
        "do we patch it or does aws"). A service doing the work stands for AWS ("do we still run the
        ASG, or does ECS figure it out"); a service merely chosen does not ("ECS or EKS?")."""
        words = reading.words
        doers = {
            h.start - 1
            for h in reading.hits
            if h.entry.kind == SERVICE and h.entry.target in self.catalogue.services and h.start > 0
        }
        named_ends = {
            h.end for h in reading.hits if h.entry.kind == SERVICE and h.entry.target in self.catalogue.services
        }
        for i, word in enumerate(words):
            if word != "or":
                continue
            before = set(words[max(0, i - ALTERNATIVE_REACH) : i])
            after = set(words[i + 1 : i + 1 + ALTERNATIVE_REACH])
            if i + 1 in doers and words[i + 1] in _AUXILIARIES:
                # "do we still babysit the ASG ..., or does ECS ...": a question each side asks of
                # its doer, we in the first, the service (AWS's side) in the second.
                start = max(0, i - DOER_REACH)
                if any(words[j] in _AUXILIARIES and words[j + 1] in self._our_side for j in range(start, i - 1)):
                    return True
            aws_first = bool(before & self._aws_side and after & self._our_side)
            if aws_first or bool(before & self._our_side and after & self._aws_side):
                return True
            # "is scaling beyond that aurora's job or is the min/max range our setting?": the service's
            # job on one side ("'s" is gone from the words), ours on the other, in one sentence.
            if i >= 2 and words[i - 1] in _SERVICE_DUTIES and i - 1 in named_ends:
                rest = words[i + 1 : i + 1 + 2 * ALTERNATIVE_REACH]
                cut = next((k for k in range(len(rest)) if i + 1 + k in reading.breaks), len(rest))
                if set(rest[:cut]) & self._our_side:
                    return True
        return False

    def _rank_services(self, reading: _Reading) -> list[tuple[str, float]]:
        """Services named, most specific first, each with a confidence in 0..1."""
        strong: dict[str, tuple[int, bool]] = {}
        weak: dict[str, tuple[int, bool]] = {}
        hint_counts: dict[str, int] = {}
        features = self._feature_spans(reading)
        for hit in reading.hits:
            kind = hit.entry.kind
            if kind not in (SERVICE, SERVICE_HINT) or hit.entry.target in reading.negated:
                continue
            if kind == SERVICE_HINT and any(
                start <= hit.start and hit.end <= end and owner != hit.entry.target
                for (start, end), owner in features.items()
            ):
                continue  # "cache" in CloudFront's "cache policy" is no hint of ElastiCache
            fuzzy = any(i in reading.corrected for i in range(hit.start, hit.end))
            bucket = strong if kind == SERVICE else weak
            previous = bucket.get(hit.entry.target)
            if previous is None or (previous[1] and not fuzzy):
                bucket[hit.entry.target] = (hit.start, fuzzy)
            if kind == SERVICE_HINT:
                hint_counts[hit.entry.target] = hint_counts.get(hit.entry.target, 0) + 1
        services = self.catalogue.services
        framed = {h.entry.target for h in reading.hits if h.entry.kind == SERVICE and h.entry.scope == FRAMING} - {
            h.entry.target for h in reading.hits if h.entry.kind == SERVICE and h.entry.scope != FRAMING
        }
        if framed:
            # "managed model (ECS on EC2)": a framing word plus one service of its own is about that
            # service; with a list of the model's examples ("RDS, EMR") it is about the model. Services
            # of other models ("the CloudWatch agent on EC2 ... isn't CloudWatch a managed service")
            # are no examples of it.
            specific = [s for s in strong if s not in framed and not s.startswith(PRODUCT) and services[s].model != s]
            for model in framed:
                if specific and sum(services[s].model == model for s in specific) < 2:
                    strong.pop(model, None)
        ranked: list[tuple[str, float]] = []
        for bucket, base in ((strong, 1.0), (weak, 0.75)):
            # A service named outright wins by precedence; among generic hints, the service more
            # of them point at wins first ("instance" and "retirement notice" outweigh one "api").
            order = sorted(
                bucket.items(),
                key=lambda kv: (
                    -hint_counts.get(kv[0], 0) if bucket is weak else 0,
                    -self._ranking_precedence(reading, kv[0], bucket),
                    kv[1][0],
                ),
            )
            for service_id, (_, fuzzy) in order:
                if all(service_id != s for s, _ in ranked):
                    ranked.append((service_id, base * (0.9 if fuzzy else 1.0)))
        if not ranked:
            feature = self._service_of_features(reading)
            if feature is not None:
                ranked.append((feature, FEATURE_ONLY_CONFIDENCE))
        headline = self._headline(reading, strong)
        if headline is not None:
            # "cloudwatch: who watches the metrics for our EC2 and RDS?": the one service a short
            # heading names is the subject; the services after it are what it is about.
            reading.displaced = ranked[0][0] if ranked[0][0] != headline else None
            ranked.sort(key=lambda kv: kv[0] != headline)
            return ranked
        opener = self._product_named_first(reading, strong)
        reporter = self._reporter_named_first(reading, strong) if opener is None else None
        if reporter is not None:
            # "Macie found SSNs in s3://... will Macie quarantine them?": the reporting service named
            # first is the subject; the service it reports on is context.
            reading.displaced = ranked[0][0] if ranked[0][0] != reporter else None
            ranked.sort(key=lambda kv: kv[0] != reporter)
            return ranked
        if opener is not None:
            # "Lake Formation on top of the Glue catalog: who grants ...": the product the question
            # opens with is its subject, declined by name; the later service is context.
            ranked.sort(key=lambda kv: kv[0] != opener)
            return ranked
        subject = self._described_by_clause(reading, strong, ranked)
        if subject is None:
            subject = self._called_before_host(reading, strong, ranked)
        if subject is None:
            subject = self._subject(reading, strong, weak, ranked)
        if subject is None:
            subject = self._runs_on_top(strong, ranked, reading)
        if subject is None:
            subject = self._moved_to(reading, strong, ranked)
        if subject is None:
            subject = self._user_named_more(reading, strong, ranked)
        if subject is not None:
            reading.displaced = ranked[0][0]
            ranked.sort(key=lambda kv: kv[0] != subject)
        layer_of = self._subject_of_a_named_layer(reading, strong, ranked)
        if layer_of is not None:
            ranked.sort(key=lambda kv: kv[0] != layer_of)
        if (
            len(ranked) > 1
            and ranked[0][1] == ranked[1][1]
            and self._precedence(ranked[0][0]) == self._precedence(ranked[1][0])
        ):
            # "An SNS topic fans into our SQS queue and the queue's access policy ... that queue
            # policy": two services named alike, and the message keeps coming back to one of them.
            said = _said(reading)
            first, second = ranked[0][0], ranked[1][0]
            if subject is None and layer_of is None and said.get(second, 0) >= said.get(first, 0) + RETURNED_TO:
                ranked[0], ranked[1] = ranked[1], ranked[0]
                reading.displaced = first
                return ranked
            ranked[0] = (ranked[0][0], ranked[0][1] * TIE_FACTOR)
            reading.tie = ranked[1][0]
        return ranked

    def _called_before_host(
        self, reading: _Reading, strong: dict[str, tuple[int, bool]], ranked: list[tuple[str, float]]
    ) -> str | None:
        """A service named before the one that runs the caller's code (`hosts_code`), or after it but
        more often, when the two are all the message names: "Mount targets for the EFS file system our
        ECS tasks share: who controls port 2049?" is about EFS; ECS says where the clients run. A
        reporting service (Inspector) and one every service uses (IAM, VPC) are no such subject. None
        otherwise."""
        services = self.catalogue.services
        covered = [s for s in strong if s in services and services[s].model != s and s not in reading.negated]
        if len(covered) != 2 or not ranked:
            return None
        hosts = [s for s in covered if self._hosts_code(s)]
        if len(hosts) != 1:
            return None
        (host,) = hosts
        (called_id,) = [s for s in covered if s != host]
        # "EKS pods mount an EFS file system ... if a disk inside EFS fails": named after the host but
        # more often than it (outright or by its own words: "EKS pods can't reach our ElastiCache
        # cluster ... the cache's security group"), the called service is the subject too. The
        # host's own words ("pods", "tasks") only say where the callers run: only its names count.
        said, named = _said(reading), _mentions(reading)
        if strong[called_id][0] > strong[host][0] and said.get(called_id, 0) <= named.get(host, 0):
            return None
        called = services[called_id]
        if called.reports_on or called.used_by_all or host in (called.variant_of, called.part_of, *called.runs_on):
            return None
        if self._configured_variant(reading, host) != host:
            return None  # "the fn is deployed as a container image (public.ecr.aws/... base)": Lambda's variant
        at = strong[called_id][0]
        if at > 0 and reading.words[at - 1] == "from":
            return None  # "the role that pulls our images from ECR on Fargate": where images come from
        return called_id if ranked[0][0] != called_id else None

    def _hosts_code(self, service_id: str) -> bool:
        """It runs code (`hosts_code`), itself or as a variant of a service that does (Local Zones, EC2's)."""
        services = self.catalogue.services
        service = services[service_id]
        while not service.hosts_code and service.variant_of is not None and service.variant_of in services:
            service = services[service.variant_of]
        return service.hosts_code

    def _subject_of_a_named_layer(
        self, reading: _Reading, strong: dict[str, tuple[int, bool]], ranked: list[tuple[str, float]]
    ) -> str | None:
        """The first other service or product named outright, when the leading service is the one
        that shares its name with a layer (IAM): "setting up a proper IAM user for the MTurk API"
        asks about MTurk's IAM layer, not about IAM. None otherwise."""
        services = self.catalogue.services
        if not ranked or ranked[0][0] not in self.catalogue.topics:
            return None
        others = [
            s
            for s in strong
            if s != ranked[0][0]
            and s not in reading.negated
            and (s.startswith(PRODUCT) or (s in services and not services[s].used_by_all and services[s].model != s))
        ]
        return min(others, key=lambda s: strong[s][0]) if others else None

    def _described_by_clause(
        self, reading: _Reading, strong: dict[str, tuple[int, bool]], ranked: list[tuple[str, float]]
    ) -> str | None:
        """The service every other one is named in a relative clause about: "the machines holding the
        KMS key that encrypts our S3 bucket" asks about KMS; S3 only says which key. None otherwise."""
        services = self.catalogue.services
        named = [
            h
            for h in reading.hits
            if h.entry.kind == SERVICE and h.entry.target in strong and h.entry.target in services
        ]
        if len({h.entry.target for h in named}) != 2:
            return None
        words = reading.words
        for head in named:
            # the head's name, at most one noun ("key", "queue"), then "that" / "which" and a verb
            at = head.end + (1 if head.end < len(words) and words[head.end] not in _RELATIVES else 0)
            if at >= len(words) or words[at] not in _RELATIVES or at in reading.breaks or at + 1 in reading.breaks:
                continue
            if at > head.end and reading.typed[head.end].lower().endswith("ed"):
                continue  # "Security Hub flagged that one of our SNS topics ...": what it reported, no clause
            before = [w for w in words[max(0, head.start - 3) : head.start] if w not in _POSSESSIVE_ARTICLES]
            if before and before[-1] in _LOCATED:
                continue  # "ENIs in our VPC that belong to FSx": the clause may be about the ENIs
            clause = [h for h in named if h.entry.target != head.entry.target]
            if all(
                at + 1 < h.start <= at + 1 + RELATIVE_REACH
                and not any(b in reading.breaks for b in range(at + 1, h.start + 1))
                for h in clause
            ):
                target = head.entry.target
                return target if ranked[0][0] != target else None
        return None

    def _headline(self, reading: _Reading, strong: dict[str, tuple[int, bool]]) -> str | None:
        """The one covered service named outright in the message's heading (`header`), when other
        services are named only after it; None otherwise."""
        if not reading.header:
            return None
        services = self.catalogue.services
        named = [
            h
            for h in reading.hits
            if h.entry.kind == SERVICE and h.entry.target in strong and h.entry.target not in reading.negated
        ]
        heading = {h.entry.target for h in named if h.start < reading.header}
        after = {h.entry.target for h in named if h.start >= reading.header} - heading
        if len(heading) != 1 or not after:
            return None
        (service,) = heading
        if service not in services or services[service].model == service:
            return None
        return service

    def _user_named_more(
        self, reading: _Reading, strong: dict[str, tuple[int, bool]], ranked: list[tuple[str, float]]
    ) -> str | None:
        """A service that uses every other service named (`uses`) and is named more often than each
        of them is the subject, wherever it comes: "our S3 bucket feeds an Amazon Kendra index. When
        Kendra crawls it, who encrypts the copy?" is about Kendra."""
        services = self.catalogue.services
        covered = [s for s in strong if s in services and services[s].model != s]
        if len(covered) < 2 or not ranked:
            return None
        mentions = _mentions(reading)
        for candidate in covered:
            others = [s for s in covered if s != candidate]
            if all(s in services[candidate].uses and mentions.get(candidate, 0) > mentions.get(s, 0) for s in others):
                return candidate if ranked[0][0] != candidate else None
        return None

    def _moved_to(
        self, reading: _Reading, strong: dict[str, tuple[int, bool]], ranked: list[tuple[str, float]]
    ) -> str | None:
        """The service a message says it moved (is moving) to, when it is also the service named last:
        "With Beanstalk we spread it over AZs ourselves. We're moving the API to App Runner now. Do we
        still ...?" is about App Runner."""
        if len(ranked) < 2:
            return None
        words = reading.words
        destinations = [
            hit
            for hit in reading.hits
            if hit.entry.kind == SERVICE
            and hit.entry.target in strong
            and _move_destination(words, hit.start, reading.breaks)
        ]
        targets = {h.entry.target for h in destinations}
        if len(targets) != 1:
            return None
        (target,) = targets
        last = max(h.start for h in reading.hits if h.entry.kind == SERVICE and h.entry.target == target)
        others = [
            h for h in reading.hits if h.entry.kind == SERVICE and h.entry.target in strong and h.entry.target != target
        ]
        # "... to App Runner. in beanstalk we had to ... with app runner do we still ...?": the other
        # service may come back in between, as long as the destination is named last.
        if not others or any(h.start > last for h in others):
            return None
        return target if ranked[0][0] != target else None

    def _feature_spans(self, reading: _Reading) -> dict[tuple[int, int], str]:
        """Where the message uses a feature phrase of two words or more that one service's cells own
        (its variants count as it), and whose: "cache policy" is CloudFront's."""
        services = self.catalogue.services
        scopes: dict[tuple[int, int], set[str]] = defaultdict(set)
        for hit in reading.hits:
            if hit.entry.kind != TOPIC or hit.end - hit.start < 2:
                continue  # one word ("consumers", "keys") is too plain to name a product
            scope = hit.entry.scope
            if scope is None or scope not in services:
                continue
            root = services[scope]
            while root.variant_of is not None and root.variant_of in services:
                root = services[root.variant_of]
            scopes[(hit.start, hit.end)].add(root.id)
        return {span: next(iter(owners)) for span, owners in scopes.items() if len(owners) == 1}

    def _service_of_features(self, reading: _Reading) -> str | None:
        """The service a message names only by its own features ("visibility timeout shorter than
        the consumer runtime: whose setting?" is SQS's): the one whose feature phrases of two words
        or more, each used by no other service, the message uses most; None on a tie or none."""
        counts: dict[str, int] = defaultdict(int)
        for owner in self._feature_spans(reading).values():
            counts[owner] += 1
        if not counts:
            return None
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return None
        return ranked[0][0]

    def _reporter_named_first(self, reading: _Reading, strong: dict[str, tuple[int, bool]]) -> str | None:
        """A reporting service (`reports_on`: GuardDuty, Security Hub, Inspector ...) named outright
        before every other covered service named outright, and not only as the messenger, or a
        service named before one it `uses` (Transfer Family before its S3 bucket) or one every
        service uses (`used_by_all`: "AppSync resolver errors but nothing in CloudWatch"); None
        if there is none.

        "Inspector flagged a CVE in our Fargate image" and "Security Hub RDS.2 says ..." are about
        the service reported on: a reporting word or a control id right after the name makes it
        the messenger. Named again without one ("Inspector found a CVE in our layer. Will
        Inspector patch it?"), it is the subject after all."""
        services = self.catalogue.services
        covered = {s: p for s, (p, _) in strong.items() if s in services and services[s].model != s}
        if len(covered) < 2:
            return None
        first = min(covered, key=lambda s: covered[s])
        service = services[first]
        if service.reports_on:
            if self._only_reports(reading, first):
                return None
        else:
            # Every other service named is one it uses; one every service uses (CloudWatch) named
            # more often than it is the subject itself ("Lambda log groups ... the CloudWatch Logs bill").
            mentions = _mentions(reading)
            # (its parent named beside a variant, "the ecs agent" beside ECS Anywhere, is the same product)
            others = [s for s in covered if s != first and s != service.variant_of]
            if not all(
                s in service.uses
                or (services[s].used_by_all and mentions.get(s, 0) <= mentions.get(first, 0))
                for s in others
            ):
                return None
        start, end = reading.focus
        if (start, end) != (0, len(reading.words)):
            # "... lit up with a critical CVE in the api image. does ECR patch it?": the asking
            # sentence names the other service and not the reporter.
            # ... though not when it names only a service every service uses ("or is IAM still our job?").
            asked = {
                h.entry.target
                for h in reading.hits
                if h.entry.kind == SERVICE
                and start <= h.start < end
                and not (h.entry.target in services and services[h.entry.target].used_by_all)
            }
            if first not in asked and asked & set(covered):
                return None
        return first

    def _only_reports(self, reading: _Reading, service: str) -> bool:
        """Every mention of a reporting service is as the messenger: "Inspector flagged ...",
        "shows up in Inspector", "Config rule rds-storage-encrypted ..."."""
        named = [h for h in reading.hits if h.entry.kind == SERVICE and h.entry.target == service]
        # "Macie found PII ... where are the sensitive data discovery results kept?": a feature of its
        # own that is no report (one of its cells' aliases without a reporting word) makes it the subject.
        if any(
            h.entry.kind == TOPIC
            and h.entry.scope == service
            and not any((w,) in self._reporting for w in reading.words[h.start : h.end])
            for h in reading.hits
        ):
            return False
        return bool(named) and all(
            self._reports_at(reading, h.end)
            or self._reported_by(reading, h.start)
            or any((w,) in self._reporting for w in reading.words[h.start : h.end])
            or self._reports_later(reading, h)
            for h in named
        )

    def _reports_later(self, reading: _Reading, hit: Hit) -> bool:
        """ "Inspector woke us up with 41 critical findings across our EC2 hosts": a reporting word
        further on in the clause still makes it the messenger, unless the question asks what it
        does itself ("does Inspector fix anything it finds?", "will Macie delete ...")."""
        words = reading.words
        if hit.start > 0 and words[hit.start - 1] in _DOING:
            return False
        if hit.end < len(words) and words[hit.end] in self._duty_verbs:
            return False
        for i in range(hit.end, min(len(words), hit.end + REPORT_CLAUSE)):
            if i > hit.end and i in reading.breaks:
                return False
            if (words[i],) in self._reporting:
                return True
        return False

    def _reports_at(self, reading: _Reading, position: int) -> bool:
        """A reporting word or a control id ("RDS.2", "KMS.4") within a few words after `position`,
        in the same clause: the name just before is the messenger."""
        words = reading.words
        end = min(len(words), position + REPORT_WINDOW)
        for i in range(position, end):
            if i > position and i in reading.breaks:
                return False
            if self._reporting_word_at(words, i):
                return True
            if i == position and i + 1 < len(words) and words[i].isalpha() and words[i + 1].isdigit():
                return True  # a control id: "security hub rds 2"
        return False

    def _reported_by(self, reading: _Reading, position: int) -> bool:
        """A reporting word just before the name, in the same clause ("shows up in Inspector",
        "flagged by Security Hub"): the name is the messenger."""
        words = reading.words
        for i in range(max(0, position - REPORT_BEFORE), position):
            if any(b in reading.breaks for b in range(i + 1, position + 1)):
                continue
            if 0 < self._reporting_word_at(words, i) <= position - i:
                return True
        return False

    def _reporting_word_at(self, words: Sequence[str], i: int) -> int:
        """The length of the reporting phrase (`reporting_words`) that starts at word `i`, or 0."""
        return max((len(key) for key in self._reporting if tuple(words[i : i + len(key)]) == key), default=0)

    def _product_named_first(self, reading: _Reading, strong: dict[str, tuple[int, bool]]) -> str | None:
        """An uncovered product that is the question's subject: named more often than any covered service,
        or named outright, by a name of two words or more, before every covered service named outright
        ("Lake Formation on top of the Glue catalog"); None if there is none.

        One word of a model's id ("kafka" is botocore's id for MSK) is the technology, not the
        subject; a one-word product name ("Textract", "CodeArtifact") is the product. A product that
        is also a layer word ("CloudHSM") is only a hint and does not count: counted, it cost 1-2
        points of owner accuracy on every labelled set, such words being mostly the means ("S3 keys
        in CloudHSM")."""
        products = [
            (position, s)
            for s, (position, _) in strong.items()
            if s.startswith(PRODUCT) and not (self.products[s].reports_on or self.products[s].deploys)
        ]
        named = [s for s in strong if not s.startswith(PRODUCT)]
        if not products or not named:
            return None
        mentions = _mentions(reading)
        most = max(products, key=lambda p: (mentions.get(p[1], 0), -p[0]))[1]
        if mentions.get(most, 0) > max(mentions.get(s, 0) for s in named):
            return most  # "our S3 bucket feeds a Kendra index. when kendra crawls it ...": named again, the subject
        # A service every service uses (IAM, VPC, CloudTrail) is where the product's roles, network or
        # records are, wherever it is named: "who grants the IAM permissions for CodeGuru Profiler?"
        services = self.catalogue.services
        covered = [strong[s][0] for s in named if not services[s].used_by_all]
        first, product = min(products)
        if covered and first >= min(covered):
            return None
        span = max((h.end - h.start for h in reading.hits if h.entry.target == product and h.start == first), default=0)
        if span >= 2:
            return product
        # One word names the product when it is the product's own name ("Textract" for Amazon Textract,
        # "CodeArtifact"), not a word of its model id ("kafka" for Managed Streaming for Kafka).
        word = reading.words[first]
        name = fold(self.products[product].name).split()
        bare = [w for w in name if w not in ("amazon", "aws")]
        return product if len(bare) == 1 and stem(bare[0]) == word else None

    def _evidence(
        self,
        reading: _Reading,
        service: str,
        *,
        rival: str | None = None,
        shared: bool = True,
        specific: bool = False,
    ) -> int:
        """How many of a service's own feature words the question uses: its cells' aliases
        ("kafka clients" for MSK) and facet phrases ("customer managed key" for KMS).

        With `rival`, words inside the rival's name ("ssm patch" in "SSM Patch Manager") do not
        count, and without `shared` neither do those the rival has too ("execution role" is
        Lambda's and Step Functions').

        With `specific`, a facet phrase that is also a layer's own alias ("tls", "cmk") does not
        count: it names the layer, and only a service named outright may claim it."""
        skip: set[tuple[int, int]] = set()
        names: list[tuple[int, int]] = []
        rival_keys: set[tuple[str, ...]] = set()
        if rival is not None:
            names = [(h.start, h.end) for h in reading.hits if h.entry.kind == SERVICE and h.entry.target == rival]
            if not shared:
                skip = {(h.start, h.end) for h in reading.hits if h.entry.kind == TOPIC and h.entry.scope == rival}
                rival_keys = set(self._facet_keys.get(rival, ()))
        # Overlapping phrases ("certificate renewal" and "renewal") are one feature word.
        spans = sorted(
            {
                (h.start, h.end)
                for h in reading.hits
                if h.entry.kind == TOPIC
                and h.entry.scope == service
                and (h.start, h.end) not in skip
                and not any(h.start < e and s < h.end for s, e in names)
            },
            key=lambda span: span[0] - span[1],
        )
        taken: list[tuple[int, int]] = []
        for s0, e0 in spans:
            if all(e0 <= s1 or s0 >= e1 for s1, e1 in taken):
                taken.append((s0, e0))
        count = len(taken)
        counted_words = {reading.words[i] for s0, e0 in taken for i in range(s0, e0)}
        # A facet phrase counts where the question has its words close together, as a facet is
        # named; a one-word facet that is an everyday word ("patch", unlike "cmk") tells no service.
        return count + sum(
            1
            for key in self._facet_keys.get(service, ())
            if key
            and key not in rival_keys
            and not (len(key) == 1 and key[0] in self._everyday_facets)
            and not (specific and key in self._layer_keys)
            and not set(key) <= counted_words  # the same words, already counted as a phrase
            and words_close(reading.words, key)
        )

    def _subject(
        self,
        reading: _Reading,
        strong: dict[str, tuple[int, bool]],
        weak: dict[str, tuple[int, bool]],
        ranked: Sequence[tuple[str, float]],
    ) -> str | None:
        """The service a question is about when it names another as context.

        "After the MSK upgrade, are the kafka client libs in our consumers on ECS ...": the service
        whose own feature words the question uses is the subject; a more general service with none
        of its own features ("ECS") is context. A service that runs on, or is a variant of, the
        other keeps its precedence (Fargate over ECS).
        """
        services = self.catalogue.services
        if len(ranked) < 2 or ranked[0][0] not in strong or ranked[0][0] not in services:
            return None  # an uncovered product named outright is declined by name, never displaced
        top = ranked[0][0]
        if services[top].model == top:
            return None
        above = services[top]
        # One feature word may be a general layer phrase ("least privilege" is also IAM's); two, or
        # one for the service the asking sentence opens with (and names no less often than the
        # other), make it the subject. Ties go to the service named first.
        # "... in ECR. does ECR patch ...": a service named again stays the subject
        mentions = _mentions(reading)
        best: tuple[int, int, str] | None = None
        # A service only hinted at ("the distribution") needs two feature words of its own.
        candidates = [(s, p, True) for s, (p, _) in strong.items()]
        candidates += [(s, p, False) for s, (p, _) in weak.items() if s not in strong]
        start, end = reading.focus
        top_asked = (start, end) != (0, len(reading.words)) and any(
            h.entry.kind == SERVICE and h.entry.target == top and start <= h.start < end for h in reading.hits
        )
        partial = (start, end) != (0, len(reading.words))
        focus_named = {h.entry.target for h in reading.hits if h.entry.kind == SERVICE and start <= h.start < end}
        top_in_focus = top in focus_named
        top_position = strong[top][0]
        agents = self._agents_asked(reading)
        # "... so we patch containerd on the ECS hosts. does ECR itself have a runtime ...?": the
        # asking sentence names a service and stresses it ("itself"), the other is not in it.
        if partial and not top_in_focus:
            stressed = {
                h.entry.target
                for h in reading.hits
                if h.entry.kind == SERVICE
                and start <= h.start < end
                and reading.words[h.end : h.end + 1] == [_ITSELF]
                and h.entry.target in services
                and h.entry.target != top
            }
            if len(stressed) == 1:
                return next(iter(stressed))
        # "Evaluating App Runner against ECS. For App Runner, what's the full breakdown?": a request
        # for every layer names no feature words; the one service its asking sentence names is it.
        a_start, a_end = reading.asked
        if (reading.cues.get("whole_service") or reading.cues.get("every_layer")) and (a_start, a_end) != (
            0,
            len(reading.words),
        ):
            in_asked = {
                h.entry.target
                for h in reading.hits
                if h.entry.kind == SERVICE and a_start <= h.start < a_end and h.entry.target in services
            }
            if len(in_asked) == 1 and top not in in_asked:
                return next(iter(in_asked))
        for service_id, position, named in candidates:
            if service_id == top or service_id.startswith(PRODUCT) or service_id not in services:
                continue
            if not named and top_asked:
                continue  # the asking sentence names the service outright: a mere hint elsewhere is no rival
            if services[service_id].model == service_id:
                continue
            if service_id in (above.variant_of, above.part_of, *above.runs_on):
                continue
            # "Two ALBs ... Is building that in Route 53 (...) ours?": the asking sentence names it and
            # not the other.
            asked = (
                named
                and partial
                and service_id in focus_named
                and top not in focus_named
                and service_id not in reading.renamed
            )
            if not asked and self._evidence(reading, top, rival=service_id, shared=False) > 0:
                continue  # the service precedence chose has feature words of its own: it stays
            evidence = self._evidence(reading, service_id, rival=top, specific=not named)
            # Named first in the sentence that asks ("secrets manager secret our ECS tasks read: ..."),
            # one feature word of its own is enough.
            # So is the service a message opens with ("Our Step Functions state machine fails whenever
            # one Lambda task throws ...").
            # A building block a message opens with ("task IAM roles for our ECS services") is the means.
            opener = position <= OPENING_WORDS and self._precedence(service_id) >= self._precedence(top) - OPENER_GAP
            first = position == reading.focus[0] or opener
            opens = named and first and mentions.get(service_id, 0) >= mentions.get(top, 0)
            # ... and then one feature word of its own is enough too.
            needed = 1 if opens or asked else SUBJECT_EVIDENCE
            if named and service_id in agents and top not in agents:
                needed = min(needed, 1)  # "... or does KMS do it on its own?": asked what it does itself
            # "ECR in us-east-1 erroring on pulls and our ECS services ... point at <the ECR registry>
            # ... a copy of our images?": opened with and named again, it is the subject outright.
            again = mentions.get(service_id, 0) > mentions.get(top, 0)
            if named and again and not top_in_focus and position < top_position:
                needed = 0
            if evidence >= needed and (best is None or (-evidence, position) < (best[0], best[1])):
                best = (-evidence, position, service_id)
        return best[2] if best is not None else None

    def _runs_on_top(
        self, strong: dict[str, tuple[int, bool]], ranked: Sequence[tuple[str, float]], reading: _Reading
    ) -> str | None:
        """A service named outright that runs on the one precedence chose is the more specific
        (graph edge `runs_on`): Inspector's agent-based scanning next to Systems Manager's agent,
        RDS Custom next to the EC2 instance under it."""
        services = self.catalogue.services
        if not ranked or ranked[0][0] not in services:
            return None
        top = ranked[0][0]
        runners = [
            s for s in strong if s in services and s not in reading.negated and top in services[s].runs_on and s != top
        ]
        return runners[0] if len(runners) == 1 else None

    def _maintenance_of_a_layer(self, reading: _Reading) -> frozenset[int]:
        """Positions of maintenance verbs (vocabulary `maintenance_verbs`) whose object is a layer
        named outright: "do we need to patch runc", "who upgrades the engine". Patching is work on
        any software layer, so the object names the layer and the verb is no evidence of the OS."""
        if reading.maintenance is not None:
            return reading.maintenance
        words = reading.words
        named: dict[int, set[str]] = defaultdict(set)  # layers named outright, by first word
        leaning: dict[int, set[str]] = defaultdict(set)  # layers any phrase leans towards, by first word
        for h in reading.hits:
            if h.entry.kind == TOPIC:
                leaning[h.start].add(h.entry.target)
                if h.entry.weight >= ALIAS_WEIGHT:
                    named[h.start].add(h.entry.target)
        verbs: set[int] = set()
        for i, word in enumerate(words):
            if word not in self._maintenance_verbs:
                continue
            j = i + 1
            while j < len(words) and words[j] in _POSSESSIVE_ARTICLES:
                j += 1
            if named.get(j, set()) - leaning.get(i, set()):
                verbs.add(i)
        reading.maintenance = frozenset(verbs)
        return reading.maintenance

    def _ruled_out_layers(self, reading: _Reading) -> set[tuple[int, int]]:
        """Spans of layer phrases the message rules out: "the management plane, not the IAM
        permissions to call it", "not our image: runc on the hosts". A layer named right after
        "not the/our" is not the one asked about, as long as another layer is named outright."""
        words = reading.words
        spans = {
            (h.start, h.end)
            for h in reading.hits
            if h.entry.kind == TOPIC
            and (
                (h.start >= 2 and words[h.start - 1] in _POSSESSIVE_ARTICLES and words[h.start - 2] == "not")
                # the phrase holds the article itself: "not our code"
                or (h.start >= 1 and words[h.start] in _POSSESSIVE_ARTICLES and words[h.start - 1] == "not")
            )
        }
        if spans and any(
            h.entry.kind == TOPIC and h.entry.weight >= ALIAS_WEIGHT and not _within(h, spans) for h in reading.hits
        ):
            return spans
        return set()

    def _topic_scores(self, reading: _Reading, service: str) -> dict[str, tuple[float, int]]:
        """Topic -> (weight, tie-break rank), for the chosen service.

        Equal weights go to the topic with the longest phrase, then to the one named first.
        """
        scores: dict[str, tuple[float, int]] = {}
        per_topic: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
        seen: dict[str, set[tuple[tuple[str, ...], int]]] = defaultdict(set)
        names = [(h.start, h.end) for h in reading.hits if h.entry.kind in (SERVICE, SERVICE_HINT)]
        own_names = {(h.start, h.end) for h in reading.canonical if h.entry.target == service}
        ruled_out = self._ruled_out_layers(reading)
        maintenance = self._maintenance_of_a_layer(reading)
        for hit in reading.hits:
            entry = hit.entry
            if entry.kind != TOPIC or _within(hit, ruled_out):
                continue
            if hit.end - hit.start == 1 and hit.start in maintenance:
                continue  # "patch" in "patch runc": the work, not the layer
            span = (hit.start, hit.end)
            if span in own_names:
                # "vpc", "iam", "cloudtrail" name the service; they say nothing about the layer.
                continue
            if entry.scope is None:
                weight = entry.weight
                if any(s <= hit.start and hit.end <= e and (e - s) > (hit.end - hit.start) for s, e in names):
                    # "control plane" inside "eks control plane" is part of a name: a hint at most,
                    # and a mere hint inside a name ("infrastructure" in "infrastructure services") is nothing.
                    if weight <= HINT_WEIGHT:
                        continue
                    weight = HINT_WEIGHT
            elif entry.scope == service and any(
                hit.start <= s and e <= hit.end and span != (s, e) for s, e in own_names
            ):
                # A feature phrase that spells out the service ("data on ec2", "eks control plane") is
                # half name: it leans towards its topic but yields to a phrase naming the layer outright.
                weight = min(entry.weight, 2.0)
            elif entry.scope == service:
                weight = entry.weight + OWN_CELL_BONUS
            else:
                weight = OTHER_CELL_WEIGHT
            phrase = tuple(reading.words[hit.start : hit.end])
            if any(p == phrase and start != hit.start for p, start in seen[entry.target]):
                continue  # "data ... data" is one piece of evidence, not two (the same words twice)
            seen[entry.target].add((phrase, hit.start))
            span = reading.asked  # the focus itself when the message is long enough to have one
            if span[0] <= hit.start and hit.end <= span[1] and span != (0, len(reading.words)):
                # "FSx for Lustre scratch file system is full. Who owns capacity here?": the layer
                # the asking sentence names weighs more, in a short message too.
                weight *= FOCUS_FACTOR
            if all(i in reading.titled for i in range(hit.start, hit.end)):
                weight = min(weight, HINT_WEIGHT)  # a control's title leans towards its layer
            per_topic[entry.target].append((weight, hit.start, hit.end))
        named_layers = {
            topic
            for topic, found in per_topic.items()
            for weight, start, end in found
            if weight >= ALIAS_WEIGHT and tuple(reading.words[start:end]) not in self._vulnerability
        }
        if named_layers:
            # "Leaky Vessels (runc CVE) on our node groups: whose patch?": the CVE is the runtime's.
            vulnerable = [
                (start, end)
                for found in per_topic.values()
                for _, start, end in found
                if tuple(reading.words[start:end]) in self._vulnerability
            ]
            for topic in list(per_topic):
                per_topic[topic] = [
                    f for f in per_topic[topic] if tuple(reading.words[f[1] : f[2]]) not in self._vulnerability
                ]
            if vulnerable:
                start, end = min(vulnerable)
                for topic in named_layers:
                    per_topic[topic].append((HINT_WEIGHT, start, end))
        for topic, found in per_topic.items():
            if not found:
                continue
            # Overlapping phrases for one topic are one piece of evidence: the strongest counts.
            taken: list[tuple[int, int]] = []
            for weight, start, end in sorted(found, key=lambda f: -f[0]):
                if all(end <= s or start >= e for s, e in taken):
                    taken.append((start, end))
                    total, rank = scores.get(topic, (0.0, start - 100 * (end - start)))
                    scores[topic] = (total + weight, min(rank, start - 100 * (end - start)))
        return scores

    def _alternatives(
        self,
        service: str,
        topic: str,
        probabilities: dict[str, float],
        ranked_services: Sequence[tuple[str, float]],
        service_conf: float,
    ) -> tuple[Candidate, ...]:
        """The likeliest layer with another owner first (the one a low answer asks about), then the rest."""
        cells = self.catalogue.services[service].cells
        owner = cells[topic].owner
        others = sorted((t for t in probabilities if t != topic), key=lambda t: -probabilities[t])
        other_owner = [t for t in others if cells[t].owner != owner][:1]
        same_owner = [t for t in others if t not in other_owner][:1]
        found = [
            Candidate(service, t, round(100.0 * service_conf * probabilities[t], 1)) for t in other_owner + same_owner
        ]
        for other_service, conf in ranked_services[1:2]:
            if topic in self.catalogue.services[other_service].cells:
                found.append(Candidate(other_service, topic, round(100.0 * conf * 0.8, 1)))
        return tuple(found[:3])

    def _account_check(self, reading: _Reading, asks_who: bool) -> str | None:
        """The check a question about the account's state asks for, if it asks about the account."""
        groups: dict[str, set[int]] = defaultdict(set)
        covered: dict[str, set[int]] = defaultdict(set)  # the question's words each check's keywords cover
        excluded: set[str] = set()
        for hit in reading.hits:
            if hit.entry.kind == CHECK:
                groups[hit.entry.target].add(int(hit.entry.scope or 0))
                covered[hit.entry.target].update(range(hit.start, hit.end))
            elif hit.entry.kind == CHECK_UNLESS:
                excluded.add(hit.entry.target)
        # More keyword groups first; then the check whose keywords cover more of the question's words
        # ("block public access ... at the account level" is the account-level check, not buckets').
        # Then the check of a service the question names outright ("... our KMS keys": KMS's rotation).
        named_outright = {h.entry.target for h in reading.hits if h.entry.kind == SERVICE}
        best: tuple[int, int, int, str] | None = None
        for check_id, matched in groups.items():
            info = self.catalogue.checks[check_id]
            if check_id in excluded or len(matched) < len(info.keywords):
                continue
            rank = (len(info.keywords), len(covered[check_id]), int(info.service in named_outright))
            if best is None or rank > best[:3]:
                best = (*rank, check_id)
        if best is None:
            return None
        check_id = best[3]
        cues = reading.cues
        # With "whose job" in the question, only a plain question about the account ("are any of
        # ours public right now?") adds a check; without it, any request, state word or a terse
        # question ("root got keys?") about a checkable thing is about the account.
        # A terse question ("root got keys?") counts only if it names no other service than the
        # check's own: "cloudtrail hosts OS patching" is about CloudTrail, not our instances.
        named = {h.entry.target for h in reading.hits if h.entry.kind == SERVICE}
        terse = len(reading.words) <= 5 and named <= {self.catalogue.checks[check_id].service}
        # A how-to ("how do I ... with versioning on", "write me a terraform module ...") is not about
        # the account, whatever state words it uses; only an explicit account cue makes it one.
        about_account = bool(cues.get("account")) or (
            not asks_who
            and not cues.get("how_to")
            and (bool(cues.get("account_requests")) or bool(cues.get("state_words")) or terse)
        )
        return check_id if about_account else None


_WHO = frozenset({"who", "whos"})
# Words that ask for a list of duties rather than one ("what's ours?", "which parts", "everything").
# "security" with no layer named is the whole of it too ("who handles security for our new lambda stack?").
_LIST_WORDS = frozenset(
    stem(w)
    for w in (
        "what", "whats", "which", "everything", "all", "list", "each", "every", "breakdown", "split", "parts",
        "security", "secure", "securing", "protect", "protecting",
    )
)
#: Nouns after "customer managed" / "AWS managed" that make it the name of a resource kind.
_MANAGED_KINDS = frozenset(
    stem(w) for w in ("key", "keys", "kms", "cmk", "cmks", "policy", "policies", "prefix", "rule", "rules")
)
_TEAM = stem("team")
_INDEFINITE = frozenset({"a", "an"})  # "in an AWS context": an article before a product name made of everyday words
_FOREIGN_PRODUCT = "foreign_products"  # the vocabulary's other companies' products (SaaS, tools)
_NAME_PART_CUES = frozenset({"foreign", _FOREIGN_PRODUCT, "not_responsibility"})  # cues that would refuse a question
_CONTROL_TITLE = re.compile(
    r"\b(?:iso|soc|pci|hipaa|nist|cis|fedramp)\b[\w .:/-]{0,30}?\d[\w.-]*\s*\(([^()]{3,60})\)", re.IGNORECASE
)
# Marks around a control's title in the text (letters only, so folding keeps them as words).
_TITLE_OPEN, _TITLE_CLOSE = "demarctitleopens", "demarctitlecloses"
_COMMAND = re.compile(r"^\s*/demarc\b", re.IGNORECASE)  # the slash command's own name is not a word of the question
_CAMEL_WORD = re.compile(r"\b[A-Za-z]*[a-z][A-Z][A-Za-z]*\b")
#: Punctuation inside a sentence that ends a clause: a comma, colon, semicolon, bracket or a spaced dash.
_CLAUSE_BREAK = re.compile(r"[,;:](?=\s|$)|[()\[\]{}]|\s[-\u2013\u2014]+\s")  # not "tl;dr", "10:30"
#: A sentence ends at . ! ? or a line break; a full stop inside a word ("i4i.metal", "api.example.com",
#: "provided.al2023") does not end one.
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\w))+[.!?]*|[.!?\n]+")
_NEGATIONS = frozenset({"no", "not", "without", "non", "never", "nor", stem("unlike")})
#: Words before "like" that make it a wish ("we'd like lambda to ..."), not a comparison.
_WANTING = frozenset({"would", "wed", "id", "d", "i", "we", "you", "they", "should", "might", "just"})
_SPLIT_QUESTION_WORDS = frozenset({"what", "which"})
_VERSUS = frozenset({"vs", "versus"})
_SPAN_TO = frozenset({"to", "through", "thru", "until"})  # "from the hardware (up) to the app"
_TAGS = frozenset({"right", "yes", "no", "correct", "true", "yeah", "surely", "innit", "yep", "ya", "confirm"})
_DUTY_OWNERS = frozenset({"our", "their", "my", "your", "aws", "amazon", stem("whose")})
# Not "job": "our glue job failed" is a job that runs, not a duty.
_DUTIES = frozenset(stem(w) for w in ("problem", "responsibility", "duty", "headache", "concern", "remit"))
# "aurora's job or ours": after a service's name, "job" is a duty too ("our glue job failed" has no "or").
_SERVICE_DUTIES = _DUTIES | {"job"}
_ITSELF = stem("itself")
_TRAILING_FILLERS = frozenset({"again", "now", "then", "still", "too", "anymore"})
THE_WAY_REACH = 4  # words between "the way" and the service it compares with ("the way it is on Fargate")
_WAY_DIRECTIONS = frozenset({"up", "down", "out", "in", "through", "back", "to", "from"})
_SPAN_FILLER = frozenset({"the", "a", "our", "your", "their", "its"})
_NOT_COMPARING = _WANTING | frozenset(stem(w) for w in ("looks", "seems", "feels", "sounds", "something"))
_CLAUSE_ENDS = frozenset({"but", "and", "so", "or", "then", stem("because")})
_AUXILIARIES = frozenset({"does", "do", "will", "would", "can", "should", "is"})
# "does S3 keep ...", "will AWS rotate ...": auxiliaries that ask whether someone does something
# ("is CloudTrail logging ...?" asks about a state instead).
_DOING = frozenset({"does", "do", "will", "would", "can", "doesnt", "dont", "wont", "didnt", "did"})
_DO_NOT = frozenset({"dont", "doesnt", "didnt"})
_DO_NOT_VERBS = frozenset(
    stem(w) for w in ("use", "using", "put", "run", "have", "need", "want", "go", "touch", "deploy")
)
#: Layers whose owner, when not AWS, puts part of a service on the customer's own site.
_ON_YOUR_SITE = ("facilities", "virtualization")
_DETERMINER_NEGATIONS = frozenset({"no", "without"})  # "no ALB access logs": they qualify the noun after
_NEGATION_PAIRS = frozenset(
    {("instead", "of"), ("rather", "than"), ("isnt", "on"), ("not", "on"), ("no", "more"), ("away", "from")}
    | {(stem(verb), "off") for verb in ("moving", "migrating", "getting", "move", "migrate")}
    | {("rid", "of")}  # "we got rid of the ASG"
)
# "compared to Fargate, on App Runner who ...": the service compared with is not the one asked about
# (read off the words as written: "compare with Fargate" asks for a comparison).
_COMPARED_WITH = frozenset({("compared", "to"), ("compared", "with"), ("opposed", "to")})
# "we come from ElastiCache", "coming from Heroku, ...": where the asker came from is left behind;
# "container instances come from an ECS-optimized AMI" is where something is made, not a move.
_CAME_FROM = frozenset((stem(verb), "from") for verb in ("coming", "come", "came"))
_MOVERS = frozenset({"we", "i", "were", "weve", "im", "ive", "us", "team", "company"})
# "we stopped using EKS", "no longer use Beanstalk": the verb of use is an article to `_negated`,
# so these are read off the words as written.
_GIVEN_UP = frozenset({(stem("stopped"), "using"), (stem("quit"), "using"), ("longer", "use"), ("longer", "using")})
# Verbs that turn a service down when they come right before its name.
# Read off the words as written: the past tense turns it down, "skipping CloudFront" bypasses it.
_PASSED_OVER = frozenset({"skipped", "ditched", "dropped", "avoided", "abandoned", "outgrew", "rejected"})
_DEMONSTRATIVES = frozenset({"that", "this", "these", "those", "thes", "thos", "cve"})  # "like CVE-..." is an example
_POSSESSIVE_ARTICLES = frozenset({"the", "our", "a", "an", "their", "your"})
_CONTRAST_PAIRS = frozenset({("rather", "than"), ("instead", "of")})
# "who created / wrote / founded ...": trivia, read off the words as written (stems merge the tenses).
_TRIVIA_VERBS = frozenset({"invented", "created", "wrote", "founded", "made", "built", "designed", "developed"})
_DESTINATION = frozenset({"to", "onto", "into"})  # "moving the API to App Runner"
_ARTICLES_AND_KINDS = frozenset({"the", "a", "an", "our", "regular", "plain", "new"})  # "onto a regular Lightsail"
_MOVE_VERBS = frozenset(stem(w) for w in ("moving", "move", "moved", "migrating", "migrate", "migrated", "taking"))
# Verbs that open a move ("we switched from ECS to ...", "went from EC2 to containers").
_MOVERS_OF = _MOVE_VERBS | frozenset(
    stem(w) for w in ("switched", "switching", "switch", "went", "going", "changed", "ported")
)
# Verbs that send data along a path: "shipping logs from our tasks into CloudWatch" moves no workload.
_DATA_VERBS = frozenset(
    stem(w)
    for w in ("shipping", "ship", "sending", "send", "streaming", "stream", "forwarding", "forward", "exporting",
              "export", "copying", "copy", "replicating", "replicate", "delivering", "deliver", "pushing", "push",
              "piping", "pipe", "flowing", "flow", "flows")
)
_MANAGED = stem("managed")
_KIND_WORDS = frozenset({_MANAGED})  # "not a managed NAT gateway": a kind of the thing ruled out
_BEING = frozenset(
    stem(w) for w in ("is", "are", "was", "were", "look", "looks", "seem", "seems", "itself", "themselves")
)
_HEALTHY = frozenset(stem(w) for w in ("fine", "ok", "okay", "healthy", "unaffected", "untouched"))
# "EKS was too pricey": turned down for what it costs; "the identity pool is too wide" is a fault of the
# thing asked about, no reason to leave it.
_TURNED_DOWN_FOR = frozenset(
    stem(w) for w in ("pricey", "expensive", "costly", "complex", "complicated", "much", "heavy", "clunky")
)
_ARTICLES = frozenset({"the", "a", "an", "our", "old", "any", "using", "use", "on", "plain", "regular"})
_MOVE_FROM, _MOVE_TO = "from", frozenset({"to", "onto", "into"})
MOVE_REACH = 4  # "from EMR on EC2 to ...": words from "from" to a service left behind, and on to "to"
_BEFORE, _AFTER = stem("before"), stem("after")  # a message's "Before: ... After: ..." labels
_EARLIER = (_BEFORE, stem("previously"))  # "we ran it on EMR before; now ..."
_NOW = stem("now")
_NOW_ON = frozenset(stem(w) for w in ("on", "using", "use", "running"))  # "we're now on X"
_LOCATED = frozenset({"in", "on", "inside"})  # "the ENIs in our VPC that ..."
_RELATIVES = frozenset({"that", "which"})  # "the KMS key that encrypts our S3 bucket"
RELATIVE_REACH = 4  # words of a relative clause before the service it names ("that encrypts our S3")
LEFT_BEFORE_REACH = 4  # words after a service's name where the clause may end with "before"
USED_TO_REACH = 9  # "we used to run partner SFTP on a plain EC2 ...": words from "we" to the service
_PEOPLE = frozenset({"we", "i", "they", "you", "team"})
REPLACE_REACH = 6  # "replacing our Windows file servers on EC2 with FSx": the same for "replacing ... with"
# What opens a move, what closes it, and how far apart: the services between are left behind.
_MOVES = (
    (_MOVE_FROM, _MOVE_TO, MOVE_REACH, MOVE_REACH),
    # "from self-managed kafka on ec2 to MSK": farther from "from" when "to" follows right after
    (_MOVE_FROM, _MOVE_TO, REPLACE_REACH, 1),
    (stem("replacing"), frozenset({"with", "by"}), REPLACE_REACH, REPLACE_REACH),
    (stem("swapping"), frozenset({"for", "with"}), REPLACE_REACH, REPLACE_REACH),
)
#: Words that ask to set two services side by side (`Named.compare`).
_COMPARE = frozenset({"compare", "compared", "comparing", "comparison", "vs", "versus"})


_MANAGED_NAME_WORDS = frozenset({"amazon", "aws", "managed", "service", "for", "the", "of", "apache"})
_NAME_FILLER = frozenset({"amazon", "aws", "for", "the", "and", "of", "with", "apache", "service"})
#: Words botocore adds to a service's name for one of its APIs: "<service> Runtime", "<service> Data".
_API_WORDS = frozenset(
    {"data", "runtime", "plane", "control", "api", "apis", "v2", "admin", "logs", "identity", "provider", "sync"}
)
_API_SUFFIXES = _API_WORDS | {"service"}  # glued on: "NeptuneData", "RDS DataService"


def _technology_only(alias: str, name: str) -> bool:
    """ "grafana" for Amazon Managed Grafana, "airflow" for Amazon Managed Workflows for Apache
    Airflow: the open-source technology a managed product runs, which a message names far more
    often for itself ("Grafana link is in the channel") than for the AWS product."""
    name_words = set(fold(name).split())
    if "managed" not in name_words:
        return False
    return set(alias.split()) <= name_words - _MANAGED_NAME_WORDS


def _name_words(name: str) -> frozenset[str]:
    """A product name's own words as written (CamelCase kept whole: "CloudFront" is not "cloud"),
    without "Amazon", "for", "Apache" and the like, and without a trailing API word glued on
    ("NeptuneData" is "neptune")."""
    words = set()
    for word in re.findall(r"[a-z0-9]+", re.sub(r"\([^)]*\)", " ", name).lower()):
        for suffix in _API_SUFFIXES:
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                word = word[: -len(suffix)]
                break
        if word not in _NAME_FILLER:
            words.add(word)
    return frozenset(words)


def _names_elsewhere(named: Service | None, chosen: Service | None) -> bool:
    """`named` is a variant of another service than `chosen` is (Local Zones or Outposts next to EKS)."""
    return (
        named is not None
        and chosen is not None
        and named.variant_of is not None
        and named.id != chosen.id
        and named.id != chosen.variant_of
        and chosen.id != named.variant_of
    )


def _negated(
    stems: Sequence[str],
    hit: Hit,
    layer_starts: frozenset[int] = frozenset(),
    breaks: frozenset[int] = frozenset(),
    typed: Sequence[str] = (),
    named_at: frozenset[int] | None = None,
) -> bool:
    """A service mentioned only to be ruled out ("kubeadm, no eks") is not what the question is about.

    "No" or "without" before a service that names a layer of it ("no ALB access logs", "without
    S3 encryption") rules out the layer, not the service.
    """
    if hit.entry.kind not in (SERVICE, SERVICE_HINT) or hit.start == 0:
        return False
    before = [w for w in stems[max(0, hit.start - 4) : hit.start]]
    while before and (before[-1] in _ARTICLES or before[-1] in _KIND_WORDS):
        before.pop()  # "not the infrastructure services model", "instead of plain RDS"
    if not before:
        return False
    if typed and typed[hit.start - 1] in _PASSED_OVER:
        return True  # "skipped RDS to save money", "we ditched Beanstalk" (not "skipping CloudFront": bypassing it)
    written = [w for w in typed[max(0, hit.start - 3) : hit.start] if w not in _ARTICLES]
    if len(written) >= 2 and (written[-2], written[-1]) in _COMPARED_WITH:
        return True
    if before[-1] in _NEGATIONS:
        # "no ALB access logs", "no usage plan": what is ruled out is a layer or a feature, not the service.
        feature = hit.end in layer_starts or hit.entry.kind == SERVICE_HINT
        return not (before[-1] in _DETERMINER_NEGATIONS and feature)
    # "we don't use RDS", "we don't put cloudfront in front": a verb between; "doesn't kinesis
    # scale itself?" (no verb between) asks about the service.
    raw = stems[max(0, hit.start - 3) : hit.start]
    if len(raw) >= 2 and ((raw[-2] in _DO_NOT and raw[-1] in _DO_NOT_VERBS) or (raw[-2], raw[-1]) in _GIVEN_UP):
        return True
    if len(before) >= 2 and (before[-2], before[-1]) in _NEGATION_PAIRS:
        return True
    if len(before) >= 2 and (before[-2], before[-1]) in _CAME_FROM:
        return len(before) < 3 or before[-3] in _MOVERS
    # "moving a small Flask API off Elastic Beanstalk onto App Runner": a move's "off" with the
    # thing moved between the verb and it.
    if before[-1] == "off" and any(w in _MOVE_VERBS for w in stems[max(0, hit.start - MOVE_REACH - 2) : hit.start]):
        return True
    # "rather than paying for EKS", "instead of going with Aurora": a verb and its preposition between.
    gap = stems[max(0, hit.start - 4) : hit.start]
    if not any(b in breaks for b in range(hit.start - len(gap) + 1, hit.start + 1)):
        for k in range(len(gap) - 3, -1, -1):
            if (gap[k], gap[k + 1]) in _CONTRAST_PAIRS:
                return True
    # "we moved from EC2 to Fargate", "from EMR on EC2 to EMR Serverless": the services left
    # behind are not the ones the asker runs.
    if _left_behind(stems, hit, breaks, named_at):
        return True
    # "like we used to handle the beanstalk update window", "we used to run SFTP on a plain EC2
    # box": what the asker used to do is behind them ("the bucket is used to store" is no habit).
    back = stems[max(0, hit.start - USED_TO_REACH) : hit.start]
    for k in range(len(back) - 2):
        if back[k] in _PEOPLE and back[k + 1] == "used" and back[k + 2] == "to":
            since = hit.start - len(back) + k
            if not any(b in breaks for b in range(since + 1, hit.start + 1)):
                return True
    if _compared_the_way(stems, hit.start, breaks):
        return True  # "... the way it is on Fargate?", "the way RDS does": the service compared with
    if before[-1] == "like" and (len(before) < 2 or before[-2] not in _NOT_COMPARING):
        return True  # "... deprecation to track, like lambda?": a comparison, not the service asked about
    # "... something we set up like we do for RDS?", "like with kinesis data streams": the service
    # a clause opened by "like" names is the one compared with.
    reach = COMPARISON_REACH
    while reach > 0 and any(b in breaks for b in range(hit.start - reach + 1, hit.start + 1)):
        reach -= 1  # "... like CVE-2018-1002105: on EKS": the comparison ends at the colon
    window = list(stems[max(0, hit.start - reach) : hit.start])
    for k in range(len(window) - 1, -1, -1):
        if window[k] == "like":
            if k + 1 < len(window) and window[k + 1] in _DEMONSTRATIVES:
                return False  # "records like that, r53's or ours?": "like that" is "such", no comparison
            previous = window[k - 1] if k else (stems[hit.start - len(window) - 1] if hit.start > len(window) else "")
            if hit.start - len(window) + k in breaks:
                previous = ""  # "... or do we need to do something, like with CloudFront?": a new clause
            return previous not in _NOT_COMPARING and all(w not in _CLAUSE_ENDS for w in window[k + 1 :])
    return False


def _compared_the_way(stems: Sequence[str], start: int, breaks: frozenset[int] | set[int]) -> bool:
    """ "is the hypervisor AWS's, the way it is on Fargate?", "the way normal RDS does it": a service
    named a few words after "the way", in one clause, is what the subject is compared with ("all the
    way up to data" and "the way down from the datacentre" compare nothing)."""
    for k in range(max(0, start - THE_WAY_REACH - 2), start - 1):
        if stems[k] != "the" or stems[k + 1] != "way":
            continue
        if k > 0 and stems[k - 1] == "all":
            continue
        between = stems[k + 2 : start]
        if between[:1] and between[0] in _WAY_DIRECTIONS:
            continue
        if any(b in breaks for b in range(k + 1, start + 1)) or any(w in _CLAUSE_ENDS for w in between):
            continue
        return True
    return False


def _now_on(stems: Sequence[str], start: int) -> bool:
    """ "we're now on Amazon OpenSearch Service", "now using Aurora": what the asker runs today."""
    k = start - 1
    while k >= 0 and stems[k] in _ARTICLES_AND_KINDS:
        k -= 1
    return k >= 1 and stems[k] in _NOW_ON and _NOW in stems[max(0, k - 2) : k]


def _move_destination(stems: Sequence[str], start: int, breaks: frozenset[int] | set[int]) -> bool:
    """The name at `start` is where a move goes: "moving the API to App Runner", "onto a regular
    Lightsail instance" (a move verb, then "to", "onto" or "into" right before the name, in one clause)."""
    k = start - 1
    while k >= 0 and stems[k] in _ARTICLES_AND_KINDS:
        k -= 1
    if k < 1 or stems[k] not in _DESTINATION or k + 1 in breaks:
        return False
    for v in range(k - 1, max(-1, k - MOVE_REACH - 3), -1):
        if v + 1 in breaks:
            return False  # the verb and "to" are in one clause
        if stems[v] in _MOVE_VERBS:
            return True
    return False


def _left_behind(
    stems: Sequence[str], hit: Hit, breaks: frozenset[int] | set[int], named_at: frozenset[int] | None = None
) -> bool:
    """Between "from" and "to" of one clause ("moving from EMR on EC2 to EMR Serverless"; also
    "replacing ... with", "swapping ... for"), or in a message's "Before: ... After: ..." where the
    after names something else.

    With `named_at` (where services are named), a "from ... to" that no move verb opens is a move
    only when a service is where it goes: "the link from our Outposts rack back to the home Region"
    is a path, and the rack is still the subject."""
    for opener, closers, reach, ahead_reach in _MOVES:
        back = stems[max(0, hit.start - reach) : hit.start]
        if opener not in back:
            continue
        since = hit.start - len(back) + max(i for i, w in enumerate(back) if w == opener)
        clause = not any(b in breaks for b in range(since + 1, hit.start + 1))
        if clause and not any(w in closers for w in stems[since:hit.start]):
            ahead = stems[hit.end : hit.end + ahead_reach]
            if any(w in closers for w in ahead):
                if opener == _MOVE_FROM and _opened_by(stems, since, breaks, _DATA_VERBS):
                    continue  # "shipping logs from our Fargate tasks into CloudWatch": where data goes
                if opener == _MOVE_FROM and named_at is not None and not _opened_by(stems, since, breaks, _MOVERS_OF):
                    to = hit.end + next(i for i, w in enumerate(ahead) if w in closers)
                    if not any(to < at <= to + MOVE_REACH + 1 for at in named_at):
                        continue
                return True
    # "We ran Spark on EMR before; now these are Glue jobs": a clause that ends with "before" (or
    # "previously"), and the next one opens with "now".
    ahead = stems[hit.end : hit.end + LEFT_BEFORE_REACH]
    for word in _EARLIER:
        if word in ahead:
            ended = hit.end + ahead.index(word) + 1
            if ended in breaks and _NOW in stems[ended : ended + 2]:
                return True
    # "Before: ECS on EC2 with our own ASG ... After: ECS Managed Instances."
    labels = [i for i, w in enumerate(stems) if w in (_BEFORE, _AFTER) and (i == 0 or i in breaks)]
    opened = [i for i in labels if stems[i] == _BEFORE and i < hit.start]
    closed = [i for i in labels if stems[i] == _AFTER and i >= hit.end]
    return bool(opened and closed) and max(opened) < min(closed)


def _opened_by(stems: Sequence[str], since: int, breaks: frozenset[int] | set[int], verbs: frozenset[str]) -> bool:
    """One of `verbs` opens the clause whose "from" is at `since`, a few words before it: "we
    switched from ECS to ..." (a move), "shipping logs from Fargate into CloudWatch" (data sent)."""
    for k in range(since - 1, max(-1, since - MOVE_REACH - 2), -1):
        if k + 1 in breaks:
            return False
        if stems[k] in verbs:
            return True
    return False


_HEADER = re.compile(r"^\s*([^:?!.\n]{1,60}?)\s*:\s")
HEADER_WORDS = 4  # the longest heading: "Amazon MQ broker:", "our Redshift cluster:"


def _header_length(question: str) -> int:
    """How many words a short heading the message opens with has ("CloudWatch: who watches ...",
    "Redshift cluster: the public toggle ..."): 0 when there is none."""
    found = _HEADER.match(_COMMAND.sub(" ", strip_slack_markup(question[:MAX_MATCH_CHARS])))
    if found is None:
        return 0
    n = len(fold(found.group(1)).split())
    return n if n <= HEADER_WORDS else 0


# Of two services named alike, the one a message names (outright or by its hints) in this many more
# places is its subject, not half of a tie.
RETURNED_TO = 2


def _mentions(reading: _Reading, kinds: tuple[str, ...] = (SERVICE,)) -> dict[str, int]:
    """How many places name each service outright (two names at one place are one mention), or
    with `kinds` also by its hints ("SQS queue", "the queue's", "queue policy": three)."""
    starts: dict[str, set[int]] = defaultdict(set)
    for hit in reading.hits:
        if hit.entry.kind in kinds:
            starts[hit.entry.target].add(hit.start)
    return {target: len(at) for target, at in starts.items()}


def _said(reading: _Reading) -> dict[str, int]:
    """How many places name or hint at each service."""
    return _mentions(reading, (SERVICE, SERVICE_HINT))


def _inside_other_name(hit: Hit, names: Sequence[Hit], kinds: tuple[str, ...] = (SERVICE,)) -> bool:
    """Whether `hit` lies inside a longer name of another service among `names` ("EMR" inside
    "EMR Serverless", "container service" inside "Lightsail container service")."""
    return any(
        g.entry.kind in kinds
        and g.entry.target != hit.entry.target
        and g.start <= hit.start
        and hit.end <= g.end
        and g.end - g.start > hit.end - hit.start
        for g in names
    )


def _within(hit: Hit, spans: set[tuple[int, int]]) -> bool:
    """Whether `hit` lies inside one of `spans`."""
    return any(s <= hit.start and hit.end <= e for s, e in spans)


def _determiner_before(stems: Sequence[str], start: int) -> bool:
    """Whether "no" or "without" (articles aside) comes right before position `start`."""
    before = [w for w in stems[max(0, start - 3) : start] if w not in _ARTICLES]
    return bool(before) and before[-1] in _DETERMINER_NEGATIONS


_BEHIND = stem("behind")
BEHIND_REACH = 6  # words before the name behind which a service must sit ("MediaPackage origin sits behind CloudFront")
_BEHIND_DETERMINERS = frozenset(stem(w) for w in ("the", "a", "an", "our", "their", "its", "your"))


def _in_front(stems: Sequence[str], start: int) -> bool:
    """The name at `start` follows "behind" ("behind CloudFront", "behind our ALB")."""
    before = list(stems[max(0, start - 2) : start])
    if before and before[-1] in _BEHIND_DETERMINERS:
        before = before[:-1]
    return bool(before) and before[-1] == _BEHIND


def _dismissed(stems: Sequence[str], hit: Hit, breaks: frozenset[int] | set[int]) -> bool:
    """A service the message says is fine ("the ECS tasks themselves are fine", "the queue and the
    function are fine", "the cluster looks healthy") is context, not the subject: a be-verb (or
    "itself") and a word of health follow it within a few words of the same clause."""
    if hit.entry.kind not in (SERVICE, SERVICE_HINT):
        return False
    after: list[str] = []
    for i in range(hit.end, min(len(stems), hit.end + DISMISSAL_REACH)):
        if i in breaks:
            break  # "our DynamoDB table. The queue ... are fine": another sentence speaks of another thing
        if stems[i] in _CLAUSE_ENDS and stems[i] != "and":
            break
        after.append(stems[i])
    if any(word in _HEALTHY and after[k - 1] in _BEING for k, word in enumerate(after[1:], start=1)):
        return True
    # "EKS was too pricey", "Aurora is too expensive for us": a service turned down for a reason.
    return len(after) >= 3 and after[0] in _BEING and after[1] == "too" and after[2] in _TURNED_DOWN_FOR


CONFIGURATION_SLACK = 3  # words a stated configuration may have between its own ("platform branch that got retired")


def _stated(words: Sequence[str], key: tuple[str, ...]) -> bool:
    """All of `key`'s words close together in `words`, any order, and not just after a negation."""
    wanted = set(key)
    width = len(key) + CONFIGURATION_SLACK
    for start, word in enumerate(words):
        if word not in wanted:
            continue
        if not wanted <= set(words[start : start + width]):
            continue
        before = [w for w in words[max(0, start - 3) : start] if w not in _ARTICLES]
        if before and before[-1] in _NEGATIONS:
            continue
        return True
    return False


def _posterior(probabilities: dict[str, float], phrases: dict[str, tuple[float, int]]) -> dict[str, float]:
    """The model's layer probabilities updated by the layer phrases named outright, with the same
    weight `_blend` gives them when it picks the layer: p(t) * exp(PHRASE_BLEND * weight(t)),
    renormalised. The owner's probability then rests on both kinds of evidence, not the model alone."""
    scaled = {t: p * math.exp(PHRASE_BLEND * phrases.get(t, (0.0, 0))[0]) for t, p in probabilities.items()}
    total = sum(scaled.values()) or 1.0
    return {t: v / total for t, v in scaled.items()}


def _topic_confidence(weight: float, runner_up: float) -> float:
    confidence = min(1.0, 0.55 + 0.1 * weight)
    if weight - runner_up < 1.0:
        confidence *= 0.85
    return confidence


def _drop_absorbed(hits: Iterable[Hit]) -> list[Hit]:
    """Drop a hit inside a longer hit of its category (a longer phrase is the better reading)."""
    hits = list(hits)
    # phrases of two words or more: only they hold another
    spans: dict[str, set[tuple[int, int, str | None]]] = defaultdict(set)
    for hit in hits:
        if hit.entry.kind == TOPIC and hit.entry.scope is not None:
            continue  # one service's feature name must not hide a general phrase inside it
        if hit.entry.kind in (CHECK, CHECK_UNLESS):
            continue  # "function url" must not hide "function": each keyword group needs its words
        if hit.end - hit.start > 1:
            # A service's own hint holding its name ("codeguru profiler agent") leaves the name outright.
            own = hit.entry.target if hit.entry.kind == SERVICE_HINT else None
            spans[_CATEGORY[hit.entry.kind]].add((hit.start, hit.end, own))

    def inside(hit: Hit, category: str) -> bool:
        longer = spans.get(category, ())
        return any(
            s <= hit.start
            and hit.end <= e
            and (e - s) > (hit.end - hit.start)
            and not (hit.entry.kind == SERVICE and own == hit.entry.target)
            for s, e, own in longer
        )

    kept: list[Hit] = []
    for hit in hits:
        category = _CATEGORY[hit.entry.kind]
        if inside(hit, category):
            continue
        kept.append(hit)
    return kept
