"""Conversations: follow-up questions that lean on the one before, and several questions in one message.

A follow-up keeps what it leaves out of the question before it (`Context`):

| the follow-up names | example | answered as |
| --- | --- | --- |
| a service and a layer | "who encrypts data in S3?" | a fresh question |
| a service only | "and on Lambda?" | that service, the earlier layer |
| a layer only | "what about encryption?" | the earlier service(s), that layer |
| neither, opening like a follow-up | "and there?" | the earlier service(s) and layer again |
| "compare" / "vs" and a service | "compare with Lambda" | the earlier service against that one |
| "compare" and two services | "compare Fargate and Lambda" | the two (a layer named: that layer on each) |

After a comparison the context holds both services, so "and there?" or "what about
encryption?" answers the layer on each. A message that is a whole-service or account
question, or names another cloud or an uncovered product, is always read fresh.

Several questions in one message ("Does ECS patch the host, and who owns the task role?")
are split (`split_questions`) and answered in order, each a follow-up of the one before it
within the message, at most `MAX_QUESTIONS`; the rest are named as skipped.

Everything here is core: no Slack. The Slack layer keeps a `Context` per thread (per DM) in
`bot.store.context`; `demarc ask --json -` keeps one across `+ ` lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.answer import Answerer, build_answer
from bot.compare import Comparison, compare
from bot.matcher import Matcher

MAX_QUESTIONS = 3

#: How a reply used the context: it kept the earlier layer, the earlier service(s), both, or
#: compared the earlier service with a new one; None for a fresh question.
KEPT_TOPIC, KEPT_SERVICE, KEPT_BOTH, COMPARED = "topic", "service", "both", "compare"

#: Words that open a follow-up that names nothing new ("and there?", "what about it?").
_OPENERS = re.compile(
    r"^\s*(and|also|plus|same|what about|how about|what of|ok and|again|ditto|likewise)\b",
    re.IGNORECASE,
)
#: Where one question ends and the next begins inside a sentence: ", and who ...", "; does ...".
_ASKING = r"who|whose|whos|what|which|does|do|is|are|can|should|how|where|when|will|would|did|has|have"
_CLAUSE = re.compile(rf"(?:,\s*(?:and|also|plus)|;)\s+(?=(?:{_ASKING})\b)", re.IGNORECASE)
_QUESTION_END = re.compile(r"(?<=\?)\s+")
_COMPARE_FIRST = re.compile(r"^\s*(compare|comparing)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Context:
    """What the conversation is about so far: a service (two after a comparison) and a layer."""

    services: tuple[str, ...] = ()
    topic: str | None = None

    def to_json(self) -> str:
        return json.dumps({"services": list(self.services), "topic": self.topic})

    @classmethod
    def from_json(cls, text: str) -> Context:
        data = json.loads(text)
        return cls(tuple(str(s) for s in data.get("services") or ()), data.get("topic"))

    def to_dict(self) -> dict[str, Any]:
        return {"services": list(self.services), "topic": self.topic}


@dataclass(frozen=True)
class Reply:
    """One question's result: its answers (one per service in question) or a comparison."""

    question: str
    answers: list[dict[str, Any]]
    comparison: Comparison | None = None
    kept: str | None = None  # KEPT_TOPIC, KEPT_SERVICE, KEPT_BOTH, COMPARED, or None (fresh)
    context: Context | None = None  # the context after this reply


@dataclass(frozen=True)
class Turn:
    """A whole message's result: its replies in order, the questions skipped, the context after."""

    replies: list[Reply]
    skipped: list[str] = field(default_factory=list)
    context: Context | None = None
    text: str = ""  # the whole message


def looks_like_follow_up(text: str) -> bool:
    """A message in a thread that reads as a question to demarc, not chatter: it asks ("?") or
    opens like a follow-up ("and on Lambda", "what about encryption")."""
    return "?" in text or bool(_OPENERS.match(text)) or text.strip().lower().startswith(("compare", "vs"))


def split_questions(answerer: Answerer, text: str) -> list[str]:
    """The questions in a message, in order; one (the whole text) unless it plainly asks several.

    Splits after a "?" and before ", and who ..." / "; does ...". A piece that names neither
    a service nor a layer is context, not a question, and stays with its neighbour, so a long
    message whose one question sits in the middle is still one question.
    """
    pieces: list[tuple[str, bool]] = []  # (text, part of a sentence that asks)
    for sentence in _QUESTION_END.split(text.strip()):
        asks = sentence.rstrip().endswith("?")
        pieces.extend((p.strip(), asks) for p in _CLAUSE.split(sentence) if p.strip())
    if len(pieces) <= 1:
        return [text]
    matcher = answerer.matcher
    questions: list[str] = []
    pending = ""
    for piece, asks in pieces:
        if not asks:
            if questions and not pending:
                questions[-1] = f"{questions[-1]} {piece}"  # "... by who? i mean the servers behind it"
            else:
                pending = f"{pending} {piece}".strip()  # "We run on Fargate." sets up the question after it
            continue
        piece = f"{pending} {piece}".strip() if pending else piece
        named = matcher.named(piece)
        if not (named.services or named.names_layer):
            pending = piece  # "Quick one?" names nothing: it belongs with what follows
            continue
        questions.append(piece)
        pending = ""
    if pending and questions:
        questions[-1] = f"{questions[-1]} {pending}"
    questions = _merge_unasked(matcher, questions)
    questions = _merge_restated(matcher, questions)
    return questions if len(questions) > 1 else [text]


def _merge_unasked(matcher: Matcher, questions: list[str]) -> list[str]:
    """Join a piece that asks nothing of responsibility to the question after it: "do the model
    providers on Bedrock see our prompts? and who controls how long they are kept?" is one
    question about Bedrock's data, not a how-to followed by a question."""
    merged: list[str] = []
    carried = ""
    for number, question in enumerate(questions):
        text = f"{carried} {question}".strip()
        if number < len(questions) - 1 and (
            matcher.match(text).reason == "not-responsibility"
            # "memorydb encryption at rest + TLS, on by default? and who owns the kms key side of it?":
            # a piece that does not ask who, before one that does, sets that one up.
            or (not matcher.asks_who(text) and matcher.asks_who(questions[number + 1]))
        ):
            carried = text
            continue
        merged.append(text)
        carried = ""
    return merged


def _merge_restated(matcher: Matcher, questions: list[str]) -> list[str]:
    """Join a question to the one before when both are about the same cell: "is the default
    SSE-SQS good enough or do we need KMS? basically who owns queue encryption, us or AWS?" asks
    one thing twice, and the second wording (who owns it) is the one to answer with the first."""
    merged: list[str] = []
    previous: tuple[str | None, str | None] | None = None
    for question in questions:
        result = matcher.match(question)
        if result.service is None and previous is not None and previous[0] is not None:
            # "... on by default? and who owns the kms key side of it?": a follow-on that names no
            # service is read as being about the one before, and joins it if it asks the same layer.
            result = matcher.match(question, service=previous[0])
        cell = (result.service, result.topic)
        if merged and previous is not None and cell == previous and cell[0] is not None:
            merged[-1] = f"{merged[-1]} {question}"
            continue
        merged.append(question)
        previous = cell
    return merged


def context_of(answer: dict[str, Any], before: Context | None) -> Context | None:
    """The context an answer leaves: its service and layer; a question with no match keeps the old one."""
    match = answer.get("match")
    if not match:
        return before
    return Context((str(match.get("variant") or match["service"]),), match.get("topic"))


def answer_one(answerer: Answerer, question: str, context: Context | None) -> Reply:
    """One question, read as a follow-up of `context` when it leaves something out."""
    catalogue = answerer.catalogue
    if context is None or not context.services:
        if _COMPARE_FIRST.match(question):
            # "compare Fargate and Lambda" opens a conversation about both.
            named = answerer.matcher.named(question)
            if len(named.services) >= 2 and not named.other and named.services[0] != named.services[1]:
                return _both(answerer, question, Context(named.services[:2], None), named.topic, None)
        return _fresh(answerer, question, context)
    named = answerer.matcher.named(question, service=context.services[0])
    if named.other or named.whole or named.check:
        return _fresh(answerer, question, context)
    if named.compare and named.services:
        left, right = (
            (named.services[0], named.services[1])
            if len(named.services) > 1
            else (context.services[0], named.services[0])
        )
        if left != right:
            return _both(answerer, question, Context((left, right), context.topic), named.topic, COMPARED)
    if named.services and named.topic:
        return _fresh(answerer, question, context)
    if named.services:
        service = named.services[0]
        topic = context.topic if context.topic in catalogue.services[service].cells else None
        answer = answerer.answer_cell(service, topic, question)
        return Reply(question, [answer], None, KEPT_TOPIC, context_of(answer, context))
    if named.topic:
        answers = [
            build_answer(catalogue, question, answerer.matcher.match(question, service=service))
            for service in context.services
        ]
        topics = {a["match"]["topic"] for a in answers if a.get("match")}
        after = Context(context.services, topics.pop() if len(topics) == 1 else named.topic)
        return Reply(question, answers, None, KEPT_SERVICE, after)
    if _OPENERS.match(question):
        if context.topic is None and len(context.services) == 2:
            left, right = context.services
            return Reply(question, [], compare(catalogue, left, right), KEPT_BOTH, context)
        answers = [answerer.answer_cell(s, context.topic, question) for s in context.services]
        return Reply(question, answers, None, KEPT_BOTH, context)
    return _fresh(answerer, question, context)


def _both(answerer: Answerer, question: str, pair: Context, topic: str | None, kept: str | None) -> Reply:
    """Two services side by side: the layer named on each, else where their lines differ."""
    if topic is None:
        left, right = pair.services
        return Reply(question, [], compare(answerer.catalogue, left, right), kept, pair)
    answers = [
        build_answer(answerer.catalogue, question, answerer.matcher.match(question, service=service))
        for service in pair.services
    ]
    return Reply(question, answers, None, kept, Context(pair.services, topic))


def _fresh(answerer: Answerer, question: str, context: Context | None) -> Reply:
    answer = answerer.answer(question)
    return Reply(question, [answer], None, None, context_of(answer, context))


def answer_message(answerer: Answerer, text: str, context: Context | None = None) -> Turn:
    """Every question of a message (at most MAX_QUESTIONS), each a follow-up of the one before."""
    questions = split_questions(answerer, text)
    replies: list[Reply] = []
    for question in questions[:MAX_QUESTIONS]:
        reply = answer_one(answerer, question, context)
        replies.append(reply)
        context = reply.context
    return Turn(replies, questions[MAX_QUESTIONS:], context, text)


# ---------------------------------------------------------------------- JSON (demarc ask --json -)


def reply_json(reply: Reply) -> dict[str, Any]:
    """One reply as the contract's answer object; a follow-up adds `followup`, a reply about two
    services adds `answers` (both, in order), a comparison adds `comparison`."""
    if reply.comparison is not None:
        out: dict[str, Any] = {
            "question": reply.question,
            "match": None,
            "breakdown": None,
            "alternatives": [],
            "check": None,
            "note": None,
            "comparison": reply.comparison.to_dict(),
        }
    else:
        out = dict(reply.answers[0])
        if len(reply.answers) > 1:
            out["answers"] = list(reply.answers)
    if reply.kept is not None:
        out["followup"] = {"kept": reply.kept, "context": reply.context.to_dict() if reply.context else None}
    return out


def turn_json(turn: Turn) -> dict[str, Any]:
    """A message's JSON: exactly the single answer object when it asked one question; with several,
    the first question's object (its `question` the whole message, as sent) plus `questions`
    (every one answered, in order) and `skipped`."""
    items = [reply_json(r) for r in turn.replies]
    if len(items) == 1 and not turn.skipped:
        return items[0]
    out = dict(items[0])
    out["question"] = turn.text or out["question"]
    out["questions"] = items
    out["skipped"] = list(turn.skipped)
    return out
