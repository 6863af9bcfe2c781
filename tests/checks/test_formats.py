"""`--output ocsf|asff|csv` over the seeded moto account: every finding validates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from conftest import SeededBaseline
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from seed import ACCOUNT, REGION_A

from bot.checks.model import AccountReport, finding_id
from bot.posture.controls import CONTROLS
from bot.posture.formats import render

WHEN = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
#: https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html
ASFF_REQUIRED = {
    "AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn",
    "Resources", "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt",
}  # fmt: skip


@pytest.fixture(scope="module")
def report(seeded_baseline: SeededBaseline) -> AccountReport:
    return seeded_baseline.report  # type: ignore[no-any-return]


def _count(report: AccountReport) -> int:
    return sum(len(r.findings) for r in report.results)


def test_every_finding_is_a_valid_ocsf_detection_finding(report: AccountReport) -> None:
    items: list[dict[str, Any]] = json.loads(render([report], "ocsf", when=WHEN))
    assert len(items) == _count(report) > 20
    for item in items:
        model = DetectionFinding.model_validate(item)
        assert model.class_uid == 2004 and model.finding_info.uid.startswith("demarc-")
    check_ids = {i["metadata"]["event_code"] for i in items}
    assert all(c in CONTROLS for c in check_ids)
    [root_mfa] = [i for i in items if i["metadata"]["event_code"] == "iam-root-mfa"]
    assert root_mfa["unmapped"]["compliance"] == {"cis_3.0.0": ["1.5"], "security_hub": ["IAM.9"]}
    assert root_mfa["finding_info"]["uid"] == finding_id("iam-root-mfa", ACCOUNT, "global", ACCOUNT)


def test_asff_has_every_field_security_hub_requires(report: AccountReport) -> None:
    items: list[dict[str, Any]] = json.loads(render([report], "asff", when=WHEN, home_region=REGION_A))
    assert len(items) == _count(report)
    for item in items:
        assert set(item) >= ASFF_REQUIRED, ASFF_REQUIRED - set(item)
        assert item["SchemaVersion"] == "2018-10-08" and item["Severity"]["Label"] in {
            "CRITICAL",
            "HIGH",
            "MEDIUM",
            "LOW",
        }
        assert item["ProductArn"] == f"arn:aws:securityhub:{item['Region']}:{ACCOUNT}:product/{ACCOUNT}/default"
        assert all({"Type", "Id"} <= set(r) for r in item["Resources"]) and item["Types"]
        assert item["CreatedAt"] == "2026-11-23T09:00:00.000Z"
    assert len({i["Id"] for i in items}) == len(items)


def test_csv_has_one_row_per_finding_with_its_id(report: AccountReport) -> None:
    rows = list(csv.DictReader(io.StringIO(render([report], "csv", when=WHEN))))
    assert len(rows) == _count(report)
    [alias] = [r for r in rows if r["resource"] == "fn-alias-old"]
    assert alias["id"] == finding_id("lambda-runtime", ACCOUNT, REGION_A, "fn-alias-old")
    assert alias["security_hub"] == "Lambda.2" and "alias prod" in alias["detail"]
