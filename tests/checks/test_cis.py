"""CIS coverage: every recommendation is covered by a check or says why not; docs/cis.md is
generated from the table; `demarc check --framework cis` runs the set and prints coverage."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from bot.checks import cis
from bot.checks.registry import all_checks
from handlers.cli import main


def test_every_recommendation_is_covered_or_says_why_not() -> None:
    covered = cis.checks_by_recommendation()
    for rec in cis.RECOMMENDATIONS:
        assert covered[rec.id] or rec.why_not, rec.id
    assert len({r.id for r in cis.RECOMMENDATIONS}) == len(cis.RECOMMENDATIONS)


def test_every_declared_cis_id_is_a_recommendation() -> None:
    ids = {r.id for r in cis.RECOMMENDATIONS}
    for check in all_checks():
        assert set(check.cis) <= ids, check.id


def test_the_doc_is_generated_from_the_table() -> None:
    assert cis.DOC.read_text(encoding="utf-8") == cis.markdown(), "run python -m bot.checks.cis"


@mock_aws
def test_framework_cis_runs_the_set_and_prints_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    boto3.client("iam", region_name="us-east-1").generate_credential_report()
    main(["check", "--framework", "cis", "--region", "us-east-1", "--no-progress"])
    out = capsys.readouterr().out
    for check_id in cis.cis_check_ids():
        assert f" {check_id}: " in out
    assert "lambda-runtime" not in out  # no CIS id: not in the set
    assert "CIS AWS Foundations Benchmark v3.0.0 coverage" in out
    for section, title in cis.SECTIONS.items():
        assert f"  {section} {title}" in out
    assert "recommendations:" in out
