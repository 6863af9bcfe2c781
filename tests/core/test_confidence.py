"""A cell answer's confidence is a calibrated probability, and the shipped weights are sound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.confidence import FEATURES, SHIPPED, Calibrator, Evidence, features, load, shipped
from bot.matcher import CONFIDENT_SCORE
from bot.paths import builtin_catalogue_dir


def _plain(**changes: float) -> dict[str, float]:
    evidence = Evidence(layer_margin=0.9, rival_layer=0.02, service_certainty=1.0, services_named=1, words=8)
    values = features(100.0, evidence, split_layer=False, facet=False, owner="aws", variant=False, alternatives=[])
    values.update(changes)
    return values


def test_the_shipped_weights_name_every_feature_and_a_sensible_threshold() -> None:
    body = json.loads((builtin_catalogue_dir() / SHIPPED).read_text(encoding="utf-8"))
    assert set(body["weights"]) == set(FEATURES)
    assert 0.5 < body["threshold"] < 1.0


def test_a_higher_score_and_a_wider_layer_margin_make_a_right_owner_likelier() -> None:
    calibrator = shipped()
    assert calibrator is not None
    assert calibrator.probability(_plain(score=1.0)) > calibrator.probability(_plain(score=0.6))
    assert calibrator.probability(_plain(layer_margin=0.9)) > calibrator.probability(_plain(layer_margin=0.1))
    assert 0.0 < calibrator.probability(_plain()) < 1.0


def test_features_read_the_alternatives_by_owner() -> None:
    evidence = Evidence(layer_margin=0.5, rival_layer=0.3, service_certainty=0.75, services_named=3, words=40)
    values = features(
        80.0,
        evidence,
        split_layer=True,
        facet=True,
        owner="shared",
        variant=True,
        alternatives=[("shared", 70.0), ("customer", 40.0), (None, 55.0)],
    )
    assert list(values) == list(FEATURES)
    assert values["rival_owner_alternative"] == pytest.approx(0.40)  # the best alternative with ANOTHER owner
    assert values["best_alternative"] == pytest.approx(0.70)
    assert values["several_services"] == 1.0 and values["owner_shared"] == 1.0 and values["owner_aws"] == 0.0


def test_weights_naming_an_unknown_feature_are_refused(tmp_path: Path) -> None:
    path = tmp_path / SHIPPED
    path.write_text(json.dumps({"weights": {"score": -3.0, "mood": 1.0}, "intercept": 0.0, "threshold": 0.9}))
    with pytest.raises(ValueError, match="mood"):
        load(path)
    assert load(tmp_path / "absent.json") is None


def test_confidence_follows_the_reported_probability(answerer: Answerer) -> None:
    calibrator = shipped()
    assert isinstance(calibrator, Calibrator)
    for question in (
        "who patches the OS on Fargate?",
        "is the hypervisor our problem on EC2?",
        "whose job is encrypting the data in our S3 buckets?",
        "Our auditor wants to know who physically guards the machines holding the KMS key that encrypts our S3 bucket",
    ):
        match = answerer.answer(question)["match"]
        assert match is not None and match["topic"] is not None
        assert 0.0 <= match["probability"] <= 1.0
        assert (match["confidence"] == "high") == (match["probability"] >= calibrator.threshold)
    assert answerer.answer("who patches the OS on Fargate?")["match"]["confidence"] == "high"


def test_a_whole_service_breakdown_reports_no_probability(answerer: Answerer) -> None:
    match = answerer.answer("what am I responsible for on Lambda?")["match"]
    assert match is not None and match["topic"] is None and "probability" not in match


def test_the_calibrator_withdraws_high_from_a_saturated_score(answerer: Answerer) -> None:
    # A score of 100 on a layer AWS's docs split (S3 on Outposts encryption has facets): the score
    # alone would say "high"; the calibrated probability does not reach the threshold.
    match = answerer.answer(
        "are objects in our S3 on Outposts buckets encrypted at rest, or do we set up SSE?"
    )["match"]
    assert match is not None and match["score"] >= CONFIDENT_SCORE
    assert match["confidence"] == "low" and match["probability"] < shipped().threshold  # type: ignore[union-attr]
