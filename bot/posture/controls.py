"""The CIS AWS Foundations Benchmark recommendations and AWS Security Hub CSPM controls each
check corresponds to.

Security Hub control ids are from AWS's "Security Hub CSPM controls reference"
(https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-controls-reference.html)
and the CIS numbers from its "CIS AWS Foundations Benchmark" standard page, v3.0.0
(https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html),
which maps every CIS v3.0.0 recommendation to its Security Hub control. Lambda.1 checked
against https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html; the CIS
v3.0.0 numbers (1.4, 1.5, 1.8, 1.10, 1.16, 2.1.4, 2.2.1, 2.3.1) cross-checked against a
published v3.0.0 recommendation list (https://haitmg.pl/cloud-audit/compliance/cis-aws-v3).
A check with no CIS recommendation has an empty CIS list (Lambda runtimes, public Lambda
functions, patching); default bucket encryption has neither since CIS dropped it (v2.0) and
Security Hub retired S3.4 (S3 now encrypts every new object).
"""

from __future__ import annotations

from dataclasses import dataclass

CIS_VERSION = "3.0.0"


@dataclass(frozen=True)
class Controls:
    cis: tuple[str, ...]
    security_hub: tuple[str, ...]

    def to_dict(self) -> dict[str, list[str]]:
        return {f"cis_{CIS_VERSION}": list(self.cis), "security_hub": list(self.security_hub)}


CONTROLS: dict[str, Controls] = {
    "iam-password-policy": Controls(("1.8",), ("IAM.15",)),
    "iam-root-mfa": Controls(("1.5",), ("IAM.9",)),
    "iam-root-access-keys": Controls(("1.4",), ("IAM.4",)),
    "iam-user-mfa": Controls(("1.10",), ("IAM.5",)),
    "iam-admin-policy": Controls(("1.16",), ("IAM.1",)),
    # S3.1 (CIS v3.0.0 2.1.4) is the account-level Block Public Access setting: the
    # s3-account-public-access-block check declares it. S3.8 fails a bucket whose own BPA flags
    # are not all on, public or not. This check reports public buckets (S3.2, S3.3).
    "s3-public-access": Controls((), ("S3.2", "S3.3")),
    "s3-encryption": Controls((), ()),
    "ebs-encryption": Controls(("2.2.1",), ("EC2.7", "EC2.3")),
    "rds-encryption": Controls(("2.3.1",), ("RDS.3",)),
    "rds-public": Controls(("2.3.3",), ("RDS.2",)),
    "open-ports": Controls(("5.2", "5.3"), ("EC2.53", "EC2.54", "EC2.19")),
    "lambda-runtime": Controls((), ("Lambda.2",)),
    "lambda-public": Controls((), ("Lambda.1",)),
    "ec2-patching": Controls((), ("SSM.2",)),
    "cloudtrail": Controls(("3.1",), ("CloudTrail.1",)),
}

NONE = Controls((), ())


def controls_for(check_id: str) -> Controls:
    return CONTROLS.get(check_id, NONE)


def with_controls(report_json: dict[str, object]) -> dict[str, object]:
    """A report or summary JSON object whose result objects also carry their `controls`."""
    results = report_json.get("results")
    if isinstance(results, list):
        for result in results:
            if isinstance(result, dict):
                result["controls"] = controls_for(str(result.get("check"))).to_dict()
    return report_json


def _add_the_check_units_own() -> None:
    """Checks that declare their CIS and Security Hub ids on the unit itself (the newer
    families) are mapped from there; the table above keeps the first fifteen's sources."""
    from bot.checks.registry import all_checks

    for check in all_checks():
        CONTROLS.setdefault(check.id, Controls(tuple(check.cis), tuple(check.securityhub)))


_add_the_check_units_own()
