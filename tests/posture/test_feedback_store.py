"""Feedback in the posture store: one behaviour on SQLite and DynamoDB (moto), the v3 -> v4
migration, the retention purge by a frozen clock, and the labelled-question export."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bot.clock import SYSTEM_CLOCK, FixedClock
from bot.commands.feedback import export_lines, purge
from bot.config import load_settings
from bot.feedback import NOT_ANSWERABLE, WHOLE_SERVICE, Answered, Correction, FeedbackRecord, label, new_record
from bot.store import SqliteStore, open_store
from bot.store.feedback import FeedbackStore, open_feedback_store
from bot.store.sqlite import SCHEMA_VERSION

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
CELL = Answered("cell", "fargate", "os-patching", "aws")


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FeedbackStore]:
    if request.param == "sqlite":
        yield open_feedback_store(str(tmp_path / "s.sqlite3"))
    else:
        yield open_feedback_store(request.getfixturevalue("dynamo_url"))


def click(clock: Any, verdict: str = "wrong", question: str = "who patches the OS on Fargate?", *,
          retention: int = 30, user: str = "U0USER0001", message: str = "1.1") -> FeedbackRecord:
    return new_record(clock=clock, retention_days=retention, verdict=verdict,  # type: ignore[arg-type]
                      question=question, answered=CELL, user=user, team="T0TEAM0001", channel="C0CHANNEL1",
                      message=message, surface="ephemeral")


def test_clicks_round_trip_replace_and_count(store: FeedbackStore) -> None:
    clock = FixedClock(T0)
    first = click(clock, "right")
    store.save_feedback(first)
    assert store.get_feedback(first.id) == first
    again = click(clock, "wrong")  # the same person, the same answer: the vote changes
    assert again.id == first.id
    store.save_feedback(again)
    clock.advance(minutes=1)
    other = click(clock, "wrong", user="U0OTHER001")
    store.save_feedback(other.with_correction(Correction(owner="customer", at="2026-11-01T09:01:00Z")))
    assert [r.id for r in store.feedback()] == [first.id, other.id]
    assert store.feedback_counts() == {"right": 0, "wrong": 2, "corrected": 1}
    assert store.get_feedback("nope") is None


def test_the_purge_blanks_old_text_and_keeps_the_counts(store: FeedbackStore) -> None:
    """Retention by the injected clock, frozen: a record older than the retention loses its
    question, note and who clicked; its verdict and labels stay, so the counts do not move."""
    with time_machine.travel(T0, tick=False):
        old = click(SYSTEM_CLOCK, "wrong").with_correction(Correction(owner="customer", note="see ticket 42",
                                                                     at="2026-11-01T09:00:00Z"))
        store.save_feedback(old)
        assert purge(store, SYSTEM_CLOCK, 30) == 0
    with time_machine.travel(T0 + dt.timedelta(days=29, hours=23), tick=False):
        assert purge(store, SYSTEM_CLOCK, 30) == 0  # still within the retention
        fresh = click(SYSTEM_CLOCK, "right", "who encrypts data in S3?", message="2.2")
        store.save_feedback(fresh)
    with time_machine.travel(T0 + dt.timedelta(days=30, minutes=1), tick=False):
        assert purge(store, SYSTEM_CLOCK, 30) == 1
        assert purge(store, SYSTEM_CLOCK, 30) == 0  # once
    gone = store.get_feedback(old.id)
    assert gone is not None and gone.redacted
    assert (gone.question, gone.user, gone.team, gone.channel) == (None, None, None, None)
    assert gone.correction is not None and gone.correction.note is None and gone.correction.owner == "customer"
    assert "see ticket" not in gone.dumps() and "Fargate" not in gone.dumps()
    kept = store.get_feedback(fresh.id)
    assert kept is not None and kept.question == "who encrypts data in S3?"
    assert store.feedback_counts() == {"right": 1, "wrong": 1, "corrected": 1}
    lines, unlabelled = export_lines(store, include_right=True)
    assert [json.loads(line)["question"] for line in lines] == ["who encrypts data in S3?"] and unlabelled == 0


def test_zero_retention_keeps_no_text_at_all() -> None:
    record = click(FixedClock(T0), retention=0)
    assert record.redacted and record.question is None and record.user is None
    assert label(record, lambda s, t: "aws") is None


def test_labels_follow_the_questions_format() -> None:
    base = click(FixedClock(T0))

    def owner_of(service: str, topic: str) -> str | None:
        return {("ecs", "os-patching"): "customer"}.get((service, topic))

    def corrected(**fields: Any) -> dict[str, Any] | None:
        return label(base.with_correction(Correction(at="x", **fields)), owner_of)

    assert corrected(owner="shared") == {"question": base.question, "kind": "cell", "service": "fargate",
                                         "topic": "os-patching", "owner": "shared", "check": None}
    assert corrected(service="ecs")["owner"] == "customer"  # type: ignore[index]  # from the catalogue's cell
    assert corrected(topic=WHOLE_SERVICE)["kind"] == "service"  # type: ignore[index]
    assert corrected(topic=NOT_ANSWERABLE) == {"question": base.question, "kind": "none", "service": None,
                                               "topic": None, "owner": None, "check": None}
    assert corrected(note="just wrong") is None  # says nothing about what is right
    assert corrected(service="nope") is None  # no cell, no owner: never guessed
    assert label(base, owner_of) is None  # "wrong" and no correction


def test_sqlite_migrates_v3_to_v4_keeping_acceptances(tmp_path: Path) -> None:
    from bot.store.risks import Acceptance

    path = tmp_path / "v3.sqlite3"
    old = SqliteStore(path, target_version=3)
    acceptance = Acceptance("open-ports", "111122223333", "us-east-1", "sg-1", "why", "U1", "2026-11-01T09:00:00Z",
                            "2026-12-01")
    old.add_acceptance(acceptance, at=acceptance.accepted_at)
    with sqlite3.connect(path) as conn:
        assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'feedback'").fetchall()
    store = SqliteStore(path)
    assert store.schema_version() == SCHEMA_VERSION == 4
    assert store.acceptances("111122223333") == [acceptance]
    store.save_feedback(click(FixedClock(T0)))
    assert store.feedback_counts()["wrong"] == 1


def test_settings_for_feedback(tmp_path: Path) -> None:
    settings = load_settings({})
    assert (settings.feedback_retention_days, settings.feedback_control, settings.block_kit) == (90, "auto", "2026")
    from bot.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_settings({"DEMARC_FEEDBACK": "maybe", "DEMARC_FEEDBACK_RETENTION_DAYS": "-1",
                       "DEMARC_BLOCK_KIT": "1999"})
    text = str(caught.value)
    assert "DEMARC_FEEDBACK=" in text and "DEMARC_FEEDBACK_RETENTION_DAYS" in text and "DEMARC_BLOCK_KIT" in text
    assert open_store(str(tmp_path / "x.sqlite3")) is not None
