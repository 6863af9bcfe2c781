"""Feedback on answers: "right" or "wrong", an optional correction, and labelled questions.

Every answer in Slack carries a Right / Wrong control (handlers/feedback.py). A click is
one `FeedbackRecord`: what demarc answered, the question as typed, the verdict, and only
the click's own context (user, team, channel, surface). A "wrong" click may carry a
`Correction` (the right service, layer or owner) given in a modal.

The question text is personal data of a sort (people paste ARNs and incident details), so
it is kept only `DEMARC_FEEDBACK_RETENTION_DAYS` (by the injected clock): `purge()` blanks
the text, the note and who clicked of every older record, and keeps the verdict and the
labels, so counts survive the purge. With 0 days no text is kept at all.

`label()` turns a record into one line of the labelled-questions format
(/work/shared/QUESTIONS.md: question, kind, service, topic, owner, check), which
`demarc feedback export` writes as JSON Lines, ready to review and add to a test set.

Pure data and rules: no Slack, no store, no catalogue import (an owner look-up is passed in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from bot.clock import Clock

Verdict = Literal["right", "wrong"]
VERDICTS: tuple[Verdict, ...] = ("right", "wrong")
KINDS = ("cell", "service", "account", "none")
OWNERS = ("aws", "customer", "shared")
#: Correction layer meaning "the whole service, every layer" (a `service` question).
WHOLE_SERVICE = "*"
#: Correction layer meaning "demarc should not have answered this" (a `none` question).
NOT_ANSWERABLE = "-"
DEFAULT_RETENTION_DAYS = 90
MAX_NOTE = 500
#: The keys of one labelled question, in the order QUESTIONS.md fixes.
QUESTION_KEYS = ("question", "kind", "service", "topic", "owner", "check")


@dataclass(frozen=True)
class Answered:
    """What demarc answered: the labels of its answer."""

    kind: str  # cell, service, account, none
    service: str | None = None
    topic: str | None = None
    owner: str | None = None
    check: str | None = None

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> Answered:
        """The labels of a contract answer object (CONTRACT.md section 3)."""
        match = answer.get("match")
        check = answer.get("check") or None
        if not match:
            return cls("account" if check else "none", check=check)
        topic = match.get("topic")
        if topic is None:
            return cls("service", match.get("service"), check=check)
        return cls("cell", match.get("service"), topic, match.get("owner"), check)


@dataclass(frozen=True)
class Correction:
    """What the person who clicked "wrong" says is right; every field optional."""

    service: str | None = None
    topic: str | None = None  # a topic id, WHOLE_SERVICE or NOT_ANSWERABLE
    owner: str | None = None
    note: str | None = None
    at: str = ""

    @property
    def empty(self) -> bool:
        return not (self.service or self.topic or self.owner or self.note)


@dataclass(frozen=True)
class FeedbackRecord:
    id: str
    at: str  # ISO time (UTC, Z) of the click
    verdict: Verdict
    question: str | None
    answered: Answered
    correction: Correction | None = None
    user: str | None = None
    team: str | None = None
    channel: str | None = None
    surface: str | None = None
    redacted: bool = False

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> FeedbackRecord:
        data = json.loads(text)
        data["answered"] = Answered(**data["answered"])
        if data.get("correction"):
            data["correction"] = Correction(**data["correction"])
        return cls(**data)

    def with_correction(self, correction: Correction) -> FeedbackRecord:
        return replace(self, verdict="wrong", correction=correction)

    def redact(self) -> FeedbackRecord:
        """The record without the text anyone typed and without who clicked; labels kept."""
        correction = replace(self.correction, note=None) if self.correction else None
        return replace(self, question=None, correction=correction, user=None, team=None, channel=None, redacted=True)


def feedback_id(
    team: str | None, channel: str | None, message: str | None, user: str | None, question: str = ""
) -> str:
    """One vote per person per answer: a second click on the same answer replaces the first.
    (The question is part of the key too: ephemeral answers may share a message ts.)"""
    key = "|".join(part or "" for part in (team, channel, message, user, question))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cutoff(clock: Clock, retention_days: int) -> str:
    """Records clicked before this instant lose their text."""
    return iso(clock.now() - dt.timedelta(days=retention_days))


def new_record(
    *,
    clock: Clock,
    retention_days: int,
    verdict: Verdict,
    question: str,
    answered: Answered,
    user: str | None,
    team: str | None,
    channel: str | None,
    message: str | None,
    surface: str | None,
) -> FeedbackRecord:
    record = FeedbackRecord(
        id=feedback_id(team, channel, message, user, question),
        at=iso(clock.now()),
        verdict=verdict,
        question=question,
        answered=answered,
        user=user,
        team=team,
        channel=channel,
        surface=surface,
    )
    return record.redact() if retention_days <= 0 else record


OwnerOf = Callable[[str, str], "str | None"]


def label(record: FeedbackRecord, owner_of: OwnerOf) -> dict[str, Any] | None:
    """One labelled question (QUESTIONS.md keys, in order), or None when the record cannot be
    labelled: its text was purged, or it says "wrong" without saying what is right.

    A "right" answer is labelled with what demarc answered. A correction names the layer
    (a topic, the whole service, or "not a question for demarc"), the service and/or the
    owner; what it leaves out is taken from the answer, and an owner left out comes from
    the catalogue's cell (`owner_of(service, topic)`), so a line never guesses.
    """
    if record.redacted or not record.question:
        return None
    a = record.answered
    if record.verdict == "right":
        if a.kind == "cell":
            return _line(record.question, "cell", a.service, a.topic, a.owner, a.check)
        if a.kind == "service":
            return _line(record.question, "service", a.service)
        if a.kind == "account":
            return _line(record.question, "account", check=a.check)
        return _line(record.question, "none")
    c = record.correction
    if c is None or not (c.service or c.topic or c.owner):
        return None
    if c.topic == NOT_ANSWERABLE:
        return _line(record.question, "none")
    service = c.service or a.service
    if service is None:
        return None
    if c.topic == WHOLE_SERVICE or (c.topic is None and c.owner is None and a.kind == "service"):
        return _line(record.question, "service", service)
    topic = c.topic or a.topic
    if topic is None:
        return None
    owner = c.owner
    if owner is None:
        if (service, topic) == (a.service, a.topic):
            return None  # "wrong", the same cell, and no owner: nothing says what is right
        owner = owner_of(service, topic)
        if owner is None:
            return None
    return _line(record.question, "cell", service, topic, owner)


def _line(
    question: str,
    kind: str,
    service: str | None = None,
    topic: str | None = None,
    owner: str | None = None,
    check: str | None = None,
) -> dict[str, Any]:
    return dict(zip(QUESTION_KEYS, (question, kind, service, topic, owner, check), strict=True))
