"""Findings in the formats other security tools read: OCSF, ASFF, CSV.

- OCSF: one Detection Finding (class 2004, OCSF 1.5.0, the schema `py-ocsf-models` models,
  as Prowler writes them) per finding, as a JSON array.
- ASFF: the AWS Security Finding Format, as a JSON array a team can pass to
  `aws securityhub batch-import-findings` with its own credentials (demarc's policy stays
  read-only and never calls Security Hub). Every required top-level attribute is set:
  https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html
- CSV: one row per finding, with its stable id, severity, owner-independent fields and controls.

Only failing findings are written (a passing check has none); checks that errored are
not findings and are left out (the JSON output carries them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.checks.model import AccountReport, Finding, finding_id
from bot.posture.controls import CIS_VERSION, controls_for

FORMATS = ("json", "ocsf", "asff", "csv")
OCSF_VERSION = "1.5.0"
ASFF_SCHEMA_VERSION = "2018-10-08"
PRODUCT = "demarc"

_OCSF_SEVERITY = {"critical": (5, "Critical"), "high": (4, "High"), "medium": (3, "Medium"), "low": (2, "Low")}
_ASFF_SEVERITY = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW"}

#: ASFF resource types for what each check's `resource` names (Other where ASFF has none).
_ASFF_RESOURCE_TYPE = {
    "s3-public-access": "AwsS3Bucket",
    "s3-encryption": "AwsS3Bucket",
    "rds-encryption": "AwsRdsDbInstance",
    "rds-public": "AwsRdsDbInstance",
    "open-ports": "AwsEc2SecurityGroup",
    "lambda-runtime": "AwsLambdaFunction",
    "lambda-public": "AwsLambdaFunction",
    "ec2-patching": "AwsEc2Instance",
    "cloudtrail": "AwsAccount",
    "iam-password-policy": "AwsAccount",
    "iam-root-mfa": "AwsAccount",
    "iam-root-access-keys": "AwsAccount",
    "iam-user-mfa": "AwsIamUser",
}


@dataclass(frozen=True)
class Row:
    """One finding with everything the formats need."""

    id: str
    account: str
    check: str
    service: str
    topic: str
    title: str
    severity: str
    fix: str
    finding: Finding


def rows(reports: Sequence[AccountReport]) -> Iterator[Row]:
    from bot.checks import metadata

    for report in reports:
        for result in report.results:
            meta = metadata.get(result.check)
            for f in result.findings:
                yield Row(
                    id=finding_id(result.check, report.account, f.region, f.resource),
                    account=report.account,
                    check=result.check,
                    service=result.service,
                    topic=result.topic,
                    title=meta.title if meta else result.check,
                    severity=meta.severity if meta else "medium",
                    fix=meta.fix if meta else "",
                    finding=f,
                )


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("demarc")
    except PackageNotFoundError:
        return "0"


def ocsf_finding(row: Row, when: dt.datetime) -> dict[str, Any]:
    """One OCSF Detection Finding (class_uid 2004, activity Create, status New)."""
    severity_id, severity = _OCSF_SEVERITY.get(row.severity, (0, "Unknown"))
    millis = int(when.timestamp() * 1000)
    f = row.finding
    controls = controls_for(row.check)
    region = None if f.region == "global" else f.region
    return {
        "metadata": {
            "event_code": row.check,
            "product": {"name": PRODUCT, "vendor_name": PRODUCT, "uid": PRODUCT, "version": _version()},
            "profiles": ["cloud"],
            "uid": row.id,
            "version": OCSF_VERSION,
        },
        "category_name": "Findings",
        "category_uid": 2,
        "class_name": "Detection Finding",
        "class_uid": 2004,
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": 1,
        "status": "New",
        "status_code": "FAIL",
        "status_detail": f.detail,
        "message": f"{row.title}: {f.resource} — {f.detail}",
        "time": millis,
        "time_dt": _iso(when),
        "finding_info": {
            "uid": row.id,
            "title": row.title,
            "desc": f.detail,
            "types": [row.topic],
            "created_time": millis,
            "created_time_dt": _iso(when),
        },
        "cloud": {
            "provider": "AWS",
            "region": region,
            "account": {"uid": row.account, "name": row.account, "type": "AWS Account", "type_id": 10},
        },
        "resources": [
            {
                "uid": f.resource,
                "name": f.resource,
                "region": region,
                "type": _ASFF_RESOURCE_TYPE.get(row.check, "Other"),
                "group": {"name": row.service},
                "cloud_partition": "aws",
                "data": {"details": f.detail},
            }
        ],
        "remediation": {"desc": row.fix or "See `demarc check` for the fix."},
        "risk_details": f.detail,
        "unmapped": {"check": row.check, "compliance": controls.to_dict()},
    }


def _asff_resource(row: Row) -> dict[str, Any]:
    f = row.finding
    kind = _ASFF_RESOURCE_TYPE.get(row.check, "Other")
    resource = f.resource
    if kind == "AwsS3Bucket":
        resource = f"arn:aws:s3:::{f.resource}"
    out: dict[str, Any] = {"Type": kind, "Id": resource, "Partition": "aws"}
    if f.region != "global":
        out["Region"] = f.region
    return out


def asff_finding(row: Row, when: dt.datetime, *, home_region: str) -> dict[str, Any]:
    """One ASFF finding for a custom integration (`product/<account>/default`)."""
    f = row.finding
    region = home_region if f.region == "global" else f.region
    stamp = _iso(when)
    controls = controls_for(row.check)
    related = [f"CIS AWS Foundations Benchmark v{CIS_VERSION}/{c}" for c in controls.cis]
    return {
        "SchemaVersion": ASFF_SCHEMA_VERSION,
        "Id": row.id,
        "ProductArn": f"arn:aws:securityhub:{region}:{row.account}:product/{row.account}/default",
        "ProductName": PRODUCT,
        "CompanyName": PRODUCT,
        "GeneratorId": f"demarc/{row.check}",
        "AwsAccountId": row.account,
        "Region": region,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": stamp,
        "UpdatedAt": stamp,
        "Severity": {"Label": _ASFF_SEVERITY.get(row.severity, "MEDIUM"), "Original": row.severity},
        "Title": row.title,
        "Description": f.detail[:1024],
        "Remediation": {"Recommendation": {"Text": (row.fix or "See `demarc check` for the fix.")[:512]}},
        "Resources": [_asff_resource(row)],
        "Compliance": {"Status": "FAILED", "RelatedRequirements": related},
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
        "ProductFields": {
            "demarc/check": row.check,
            "demarc/topic": row.topic,
            "demarc/security_hub_controls": " ".join(controls.security_hub),
        },
    }


CSV_FIELDS = (
    "id",
    "account",
    "region",
    "check",
    "service",
    "topic",
    "severity",
    "resource",
    "detail",
    "title",
    "cis",
    "security_hub",
)


def to_csv(reports: Sequence[AccountReport]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows(reports):
        controls = controls_for(row.check)
        writer.writerow(
            {
                "id": row.id,
                "account": row.account,
                "region": row.finding.region,
                "check": row.check,
                "service": row.service,
                "topic": row.topic,
                "severity": row.severity,
                "resource": row.finding.resource,
                "detail": row.finding.detail,
                "title": row.title,
                "cis": " ".join(controls.cis),
                "security_hub": " ".join(controls.security_hub),
            }
        )
    return out.getvalue()


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


def render(reports: Sequence[AccountReport], fmt: str, *, when: dt.datetime, home_region: str = "us-east-1") -> str:
    """The reports in `fmt` (ocsf, asff or csv); a JSON array for ocsf and asff."""
    if fmt == "csv":
        return to_csv(reports)
    if fmt == "ocsf":
        items = [ocsf_finding(r, when) for r in rows(reports)]
    elif fmt == "asff":
        items = [asff_finding(r, when, home_region=home_region) for r in rows(reports)]
    else:
        raise ValueError(f"unknown output format {fmt!r}")
    return json.dumps(_strip_none(items), indent=1, ensure_ascii=False) + "\n"
