"""The per-service cell text index: a question is nearest the cell whose own text it echoes."""

from __future__ import annotations

import pytest

from bot.answer import Answerer
from bot.catalogue import Catalogue
from bot.cell_text import CellText
from bot.text import fold, stem


def _nearest(index: CellText, question: str, service: str) -> str:
    scores = index.similarities([stem(w) for w in fold(question).split()], service)
    return max(scores, key=lambda topic: scores[topic])


@pytest.fixture(scope="module")
def index(catalogue: Catalogue) -> CellText:
    return CellText(catalogue)


@pytest.mark.parametrize(
    ("question", "service", "topic"),
    [
        ("the storage servers behind our file system failed", "fsx-lustre", "hardware"),
        ("who rotates the key material", "kms", "encryption"),
    ],
)
def test_question_is_nearest_the_cell_it_describes(index: CellText, question: str, service: str, topic: str) -> None:
    assert _nearest(index, question, service) == topic


def test_every_cell_of_a_service_is_scored(index: CellText, catalogue: Catalogue) -> None:
    scores = index.similarities(["patch"], "ec2")
    assert set(scores) == set(catalogue.services["ec2"].cells)
    assert all(0.0 <= s <= 1.0 + 1e-9 for s in scores.values())


def test_unknown_words_and_services_score_nothing(index: CellText) -> None:
    assert not any(index.similarities(["zzzqqq"], "ec2").values())
    assert index.similarities(["patch"], "no-such-service") == {}


def test_data_center_is_one_term_not_the_word_data(answerer: Answerer) -> None:
    # "data center" is in nearly every facilities cell; its "data" alone is no facilities word.
    match = answerer.answer("who secures S3 data?")["match"]
    assert match is not None and match["topic"] == "data"
    match = answerer.answer("who secures the data center behind S3?")["match"]
    assert match is not None and match["topic"] == "facilities"


def test_a_service_name_in_a_cell_summary_is_no_evidence_of_that_layer(answerer: Answerer) -> None:
    # Site-to-Site VPN's container-runtime cell names the service ("Site-to-Site VPN exposes no container
    # runtime"); the name in the question made that cell the closest until names were left out.
    question = "our Site-to-Site VPN tunnels drop every night: is the network underneath them AWS's or ours?"
    match = answerer.answer(question)["match"]
    assert match is not None and match["topic"] == "network-infrastructure"
