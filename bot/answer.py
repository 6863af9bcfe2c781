"""Build the contract's answer object (CONTRACT.md section 3) from a match.

Kept apart from the matcher so that every surface (terminal, JSON Lines, Slack blocks)
renders one and the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.catalogue import OWNER_WORDS, Catalogue, default_catalogue
from bot.confidence import Evidence, features, shipped
from bot.facets import part_for, phrase_keys, service_names
from bot.matcher import CONFIDENT_SCORE, Matcher, MatchResult

# An answer for the part AWS does of a layer AWS and the customer share keeps this much of its
# score: never "high" (one in four such answers was wrong over the labelled sets).
PART_OF_SHARED_FACTOR = 0.7

NOTES = {
    "empty": "Ask a question about who is responsible for something on AWS, e.g. 'who patches the OS on Fargate?'.",
    "foreign": "demarc answers for AWS only: '{foreign}' belongs to another provider, whose split I won't guess. "
    "Ask about an AWS service, e.g. 'who patches the OS on Fargate?'.",
    "own-site": "demarc answers for AWS services: '{foreign}' is your own site, and what runs there is yours "
    "unless an AWS offering runs it. Name the AWS service, e.g. 'who patches the nodes of EKS Hybrid Nodes?'.",
    "not-responsibility": "That reads as an AWS question that is not about who is responsible (how-to, "
    "pricing, limits), so I won't guess. Ask who owns a layer, e.g. 'who patches the OS on EC2?'.",
    "uncovered": "demarc's catalogue does not cover {foreign} yet, so I won't guess its line.{near} "
    "Read the 'Security in {foreign}' chapter of its AWS documentation (its shared responsibility, "
    "data protection and resilience pages), or add it to your catalogue.",
    # An uncovered product whose catalogue entry says what to read instead (a retired product).
    "uncovered-read": "demarc's catalogue does not cover {foreign}, so I won't guess its line.{near} {read}",
    "no-service": "I could not tell which AWS service or model this is about. Name one "
    "(EC2, Lambda, S3, RDS, Fargate, EKS ...), e.g. 'who encrypts data in S3?'.",
}


@dataclass(frozen=True)
class Answerer:
    """A catalogue and its matcher, built once per process."""

    catalogue: Catalogue
    matcher: Matcher

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> Answerer:
        return cls(catalogue, Matcher(catalogue))

    def answer(self, question: str) -> dict[str, Any]:
        result = self.matcher.match(question)
        return build_answer(self.catalogue, question, result, reading=self.matcher.expand_names(question))

    def answer_cell(self, service: str, topic: str | None, question: str = "") -> dict[str, Any]:
        """The contract's answer for one cell (or, with `topic` None, a whole service), chosen by
        the caller rather than matched: a Slack button, `/demarc check`, `compare`.

        Raises KeyError for an unknown service or topic, so a stale button fails loudly.
        """
        if service not in self.catalogue.services:
            raise KeyError(f"unknown service {service!r}")
        if topic is not None and topic not in self.catalogue.services[service].cells:
            raise KeyError(f"unknown topic {topic!r} for {service!r}")
        result = MatchResult(service, topic, 100.0, None, whole_service=topic is None, probability=1.0)
        if not question:
            name = self.catalogue.services[service].name
            question = f"{name}: {self.catalogue.topics[topic].title if topic else 'every layer'}"
        return build_answer(self.catalogue, question, result)


_DEFAULT: Answerer | None = None


def default_answerer() -> Answerer:
    """The configured catalogue and its index, built once per process (and cached across runs)."""
    global _DEFAULT
    if _DEFAULT is None:
        from bot.cache import cached
        from bot.catalogue import catalogue_directories

        _DEFAULT = cached(catalogue_directories(), lambda: Answerer.from_catalogue(default_catalogue()), Answerer)
    return _DEFAULT


def build_answer(
    catalogue: Catalogue, question: str, result: MatchResult, *, reading: str | None = None
) -> dict[str, Any]:
    """The contract's answer object. `reading` is the question as the matcher read it (identifiers
    such as "nodejs16.x" followed by what they name), which facets are looked up in."""
    match: dict[str, Any] | None = None
    breakdown: dict[str, list[str]] | None = None
    aws_part_of_shared = False
    if result.service is not None:
        service = catalogue.services[result.service]
        breakdown = catalogue.breakdown(service.id)
        parent = service.variant_of if service.answer_as_parent else None
        match = {
            "service": parent or service.id,
            "variant": service.id if service.variant_of else None,
            "topic": None,
            "owner": None,
            "score": result.score,
            "summary": service.summary or f"{service.name}: who owns each layer, by owner.",
            "sources": list(service.sources),
            "service_name": service.name,
            "confidence": "high" if result.confident else "low",
            "team": None,
            "checks": [],
        }
        if result.topic is not None:
            cell = service.cells[result.topic]
            text = question if reading is None else reading
            asks_whole = phrase_keys(tuple(catalogue.vocabulary.get("whole_layer", ())))
            facet = part_for(cell, text, service_names(service), asks_whole) if cell.parts else None
            owner, summary, sources = cell.owner, cell.summary, list(cell.sources)
            if facet is not None:
                part, phrase = facet
                owner, summary = part.owner, part.summary
                sources = list(dict.fromkeys([*part.sources, *cell.sources]))
                match["facet"] = phrase
                if part.owner == "aws" and cell.owner == "shared":
                    # "AWS does the part you named" of a layer AWS and you share: one answer in four
                    # like this was wrong over the labelled sets (the asker meant the rest of the
                    # layer, their part), so it is no promise; the whole layer is the alternative.
                    aws_part_of_shared = True
                    match["score"] = round(result.score * PART_OF_SHARED_FACTOR, 1)
                if breakdown is not None and owner != cell.owner:
                    # The breakdown is the line for the configuration asked about: the layer the
                    # facet decides sits with the facet's owner there too.
                    breakdown = _moved(catalogue, breakdown, cell.topic, owner)
            match.update(
                topic=cell.topic,
                owner=owner,
                owner_words=OWNER_WORDS[owner],
                topic_title=catalogue.topics[cell.topic].title,
                summary=f"{service.differs} {summary}" if service.differs else summary,
                sources=sources,
                team=catalogue.team_for(service.id, cell.topic) if owner != "aws" else None,
                checks=catalogue.checks_for_cell(service.id, cell.topic),
            )
        else:
            match["checks"] = [c.id for c in catalogue.checks.values() if c.service == service.id]
            if service.differs:
                match["summary"] = f"{service.differs} {match['summary']}"
        if service.differs:
            match["differs"] = service.differs
    alternatives = []
    if aws_part_of_shared and match is not None:
        whole_layer = {"service": result.service, "topic": result.topic, "owner": "shared", "score": match["score"]}
        alternatives.append(whole_layer)
    for alt in result.alternatives:
        alt_owner = catalogue.cell(alt.service, alt.topic).owner if alt.topic else None
        alternatives.append({"service": alt.service, "topic": alt.topic, "owner": alt_owner, "score": alt.score})
    confident = result.confident
    if match is not None and match["topic"] is not None:
        confident = _confident_cell(catalogue, result, match, alternatives) and not aws_part_of_shared
        match["confidence"] = "high" if confident else "low"
    note = None
    if match is None and result.check is None:
        near = ""
        if result.near and result.near in catalogue.services:
            near_name = catalogue.services[result.near].name
            near = f" It is not {near_name}: {near_name}'s answer would not hold for it."
        reason = "uncovered-read" if result.reason == "uncovered" and result.read else result.reason
        template = NOTES.get(reason, NOTES["no-service"])
        note = template.format(foreign=result.foreign or "that", near=near, read=result.read)
    elif aws_part_of_shared and match is not None:
        note = (
            f"Low confidence: AWS does the part you named ({match['facet']}), but {match['topic_title']} is a "
            "layer AWS and you share, and the rest of it may be yours: see the whole layer among the alternatives."
        )
    elif match is not None and not confident:
        note = _unsure(catalogue, result)
    return {
        "question": question,
        "match": match,
        "breakdown": breakdown,
        "alternatives": alternatives,
        "check": result.check,
        "note": note,
    }


def _confident_cell(
    catalogue: Catalogue, result: MatchResult, match: dict[str, Any], alternatives: list[dict[str, Any]]
) -> bool:
    """Whether a cell answer is "high": no tie between two services (`Evidence.tied`: the answer asks
    which one) and its owner's calibrated probability (`bot.confidence`, reported as `match["probability"]`) reaches
    the shipped threshold. Without evidence (a cell asked for by id) or without shipped weights, the
    score threshold decides."""
    if result.evidence is None:
        return bool(match["score"] >= CONFIDENT_SCORE)
    values = cell_features(catalogue, result.evidence, match, alternatives)
    calibrator = shipped()
    if calibrator is None:
        return bool(match["score"] >= CONFIDENT_SCORE)
    probability = calibrator.probability(values)
    match["probability"] = round(probability, 3)
    return not result.evidence.tied and probability >= calibrator.threshold


def cell_features(
    catalogue: Catalogue, evidence: Evidence, match: dict[str, Any], alternatives: list[dict[str, Any]]
) -> dict[str, float]:
    """The calibrator's inputs for a cell answer (also what `benchmarks/fit_confidence.py` fits on)."""
    service = catalogue.services[match["variant"] or match["service"]]
    return features(
        match["score"],
        evidence,
        split_layer=bool(service.cells[match["topic"]].parts),
        facet="facet" in match,
        owner=match["owner"],
        variant=service.variant_of is not None,
        alternatives=[(a["owner"], float(a["score"])) for a in alternatives],
    )


def _moved(catalogue: Catalogue, breakdown: dict[str, list[str]], topic: str, owner: str) -> dict[str, list[str]]:
    """`breakdown` with `topic` listed under `owner`, every list still in layer order."""
    owner_of = {t: o for o, topics in breakdown.items() for t in topics}
    owner_of[topic] = owner
    moved: dict[str, list[str]] = {o: [] for o in breakdown}
    for t in catalogue.topic_order:
        if t in owner_of:
            moved[owner_of[t]].append(t)
    return moved


def _unsure(catalogue: Catalogue, result: MatchResult) -> str:
    """ "I'm not sure: is this about X (AWS) or Y (yours)?", naming the likeliest layer with another owner."""
    own = {result.service, catalogue.services[result.service].variant_of} if result.service else set()
    if result.service is not None and result.topic is None and all(a.service in own for a in result.alternatives):
        name = catalogue.services[result.service].name
        return (
            f"I could not tell which layer this is about, so here is every layer of {name}. Low confidence: "
            "ask again naming the layer (the OS, the runtime, your code, the data ...)."
        )
    if result.service is None or result.topic is None:
        return "Low confidence: I may have picked the wrong service; see the alternatives."
    if result.tie is not None and result.tie in catalogue.services:
        first, second = catalogue.services[result.service].name, catalogue.services[result.tie].name
        return (
            f"I'm not sure which service this is about: {first} or {second}? Low confidence: "
            f"both are listed; ask again naming the one you run."
        )
    cells = catalogue.services[result.service].cells
    chosen = cells[result.topic]
    other = next(
        (
            alt
            for alt in result.alternatives
            if alt.topic and alt.service == result.service and cells[alt.topic].owner != chosen.owner
        ),
        None,
    )
    if other is None or other.topic is None:
        return "Low confidence: I may have picked the wrong layer; see the alternatives."

    def side(owner: str) -> str:
        return {"aws": "AWS", "customer": "yours", "shared": "shared"}[owner]

    first = catalogue.topics[chosen.topic].title
    second = catalogue.topics[other.topic].title
    return (
        f"I'm not sure: is this about {first} ({side(chosen.owner)}) or {second} "
        f"({side(cells[other.topic].owner)})? Low confidence: both are listed; ask again naming the layer."
    )
