"""The CIS AWS Foundations Benchmark v3.0.0 recommendations and how demarc covers them.

Every recommendation is either covered by one or more checks (each check declares its CIS
ids in `bot/checks/defs/`) or listed here with why it is not: the benchmark marks it
Manual, or no read-only API shows it, or demarc does not check it yet. `docs/cis.md` is
generated from this table (`python -m bot.checks.cis`); `demarc check --framework cis`
runs the covered set and prints the coverage per section.

Sources (recommendation ids, titles and Automated/Manual as in the benchmark; the Security
Hub control each maps to):
- https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-controls-reference.html
CIS v5.0.0 also exists (Security Hub supports it); its renumbering is not mapped yet.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BENCHMARK = "CIS AWS Foundations Benchmark v3.0.0"

SECTIONS = {
    "1": "Identity and Access Management",
    "2": "Storage",
    "3": "Logging",
    "4": "Monitoring",
    "5": "Networking",
}


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: str
    automated: bool
    why_not: str = ""  # why no check covers it (empty: a check must)

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]


_MANUAL = "Manual in the benchmark"
_TODO = "automated; not checked yet (see issue 17)"

RECOMMENDATIONS: tuple[Recommendation, ...] = (
    Recommendation(
        "1.1",
        "Maintain current contact details",
        False,
        _MANUAL + "; the account contact is not readable by a read-only role",
    ),
    Recommendation("1.2", "Ensure security contact information is registered", False, _MANUAL),
    Recommendation("1.3", "Ensure security questions are registered in the AWS account", False, _MANUAL + "; no API"),
    Recommendation("1.4", "Ensure no 'root' user account access key exists", True),
    Recommendation("1.5", "Ensure MFA is enabled for the 'root' user account", True),
    Recommendation("1.6", "Ensure hardware MFA is enabled for the 'root' user account", False, _MANUAL),
    Recommendation("1.7", "Eliminate use of the 'root' user for administrative and daily tasks", False),
    Recommendation("1.8", "Ensure IAM password policy requires minimum length of 14 or greater", True),
    Recommendation("1.9", "Ensure IAM password policy prevents password reuse", True),
    Recommendation("1.10", "Ensure MFA is enabled for all IAM users that have a console password", True),
    Recommendation(
        "1.11",
        "Do not setup access keys during initial user setup for all IAM users that have a console password",
        False,
        _MANUAL,
    ),
    Recommendation("1.12", "Ensure credentials unused for 45 days or greater are disabled", True),
    Recommendation("1.13", "Ensure there is only one active access key available for any single IAM user", True),
    Recommendation("1.14", "Ensure access keys are rotated every 90 days or less", True),
    Recommendation("1.15", "Ensure IAM Users Receive Permissions Only Through Groups", True),
    Recommendation(
        "1.16", 'Ensure IAM policies that allow full "*:*" administrative privileges are not attached', True
    ),
    Recommendation("1.17", "Ensure a support role has been created to manage incidents with AWS Support", True),
    Recommendation("1.18", "Ensure IAM instance roles are used for AWS resource access from instances", False, _MANUAL),
    Recommendation("1.19", "Ensure that all the expired SSL/TLS certificates stored in AWS IAM are removed", True),
    Recommendation("1.20", "Ensure that IAM Access analyzer is enabled for all regions", True),
    Recommendation(
        "1.21", "Ensure IAM users are managed centrally via identity federation or AWS Organizations", False, _MANUAL
    ),
    Recommendation("1.22", "Ensure access to AWSCloudShellFullAccess is restricted", False, _MANUAL),
    Recommendation("2.1.1", "Ensure S3 Bucket Policy is set to deny HTTP requests", True),
    Recommendation("2.1.2", "Ensure MFA Delete is enabled on S3 buckets", False),
    Recommendation(
        "2.1.3",
        "Ensure all data in Amazon S3 has been discovered, classified and secured when required",
        False,
        _MANUAL,
    ),
    Recommendation("2.1.4", "Ensure that S3 Buckets are configured with 'Block public access (bucket settings)'", True),
    Recommendation("2.2.1", "Ensure EBS Volume Encryption is Enabled in all Regions", True),
    Recommendation("2.3.1", "Ensure that encryption-at-rest is enabled for RDS Instances", True),
    Recommendation("2.3.2", "Ensure Auto Minor Version Upgrade feature is Enabled for RDS Instances", True),
    Recommendation("2.3.3", "Ensure that public access is not given to RDS Instance", True),
    Recommendation(
        "2.4.1",
        "Ensure that encryption is enabled for EFS file systems",
        True,
        "automated; not checked: EFS is not in the catalogue yet",
    ),
    Recommendation("3.1", "Ensure CloudTrail is enabled in all regions", True),
    Recommendation("3.2", "Ensure CloudTrail log file validation is enabled", True),
    Recommendation("3.3", "Ensure AWS Config is enabled in all regions", True),
    Recommendation("3.4", "Ensure that S3 Bucket access logging is enabled on the CloudTrail S3 bucket", True, _TODO),
    Recommendation("3.5", "Ensure CloudTrail logs are encrypted at rest using KMS CMKs", True),
    Recommendation("3.6", "Ensure rotation for customer-created symmetric CMKs is enabled", True),
    Recommendation("3.7", "Ensure VPC flow logging is enabled in all VPCs", True),
    Recommendation("3.8", "Ensure that Object-level logging for write events is enabled for S3 bucket", True, _TODO),
    Recommendation("3.9", "Ensure that Object-level logging for read events is enabled for S3 bucket", True, _TODO),
    Recommendation("4.1", "Ensure unauthorized API calls are monitored", True),
    Recommendation("4.2", "Ensure management console sign-in without MFA is monitored", True),
    Recommendation("4.3", "Ensure usage of 'root' account is monitored", True),
    Recommendation("4.4", "Ensure IAM policy changes are monitored", True),
    Recommendation("4.5", "Ensure CloudTrail configuration changes are monitored", True),
    Recommendation("4.6", "Ensure AWS Management Console authentication failures are monitored", True),
    Recommendation("4.7", "Ensure disabling or scheduled deletion of customer created CMKs is monitored", True),
    Recommendation("4.8", "Ensure S3 bucket policy changes are monitored", True),
    Recommendation("4.9", "Ensure AWS Config configuration changes are monitored", True),
    Recommendation("4.10", "Ensure security group changes are monitored", True),
    Recommendation("4.11", "Ensure Network Access Control Lists (NACL) changes are monitored", True),
    Recommendation("4.12", "Ensure changes to network gateways are monitored", True),
    Recommendation("4.13", "Ensure route table changes are monitored", True),
    Recommendation("4.14", "Ensure VPC changes are monitored", True),
    Recommendation("4.15", "Ensure AWS Organizations changes are monitored", True),
    Recommendation("4.16", "Ensure AWS Security Hub is enabled", True),
    Recommendation(
        "5.1", "Ensure no Network ACLs allow ingress from 0.0.0.0/0 to remote server administration ports", True
    ),
    Recommendation(
        "5.2", "Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports", True
    ),
    Recommendation(
        "5.3", "Ensure no security groups allow ingress from ::/0 to remote server administration ports", True
    ),
    Recommendation("5.4", "Ensure the default security group of every VPC restricts all traffic", True),
    Recommendation("5.5", 'Ensure routing tables for VPC peering are "least access"', False, _MANUAL),
    Recommendation("5.6", "Ensure that EC2 Metadata Service only allows IMDSv2", True),
)


def checks_by_recommendation() -> dict[str, list[str]]:
    """CIS id -> the ids of the checks that cover it (in the registry's order)."""
    from bot.checks.registry import all_checks

    out: dict[str, list[str]] = {r.id: [] for r in RECOMMENDATIONS}
    for check in all_checks():
        for cis_id in check.cis:
            if cis_id not in out:
                raise ValueError(f"check {check.id} names CIS {cis_id}, which is not in {BENCHMARK}")
            out[cis_id].append(check.id)
    return out


def cis_check_ids() -> list[str]:
    """Every check that covers some CIS recommendation."""
    from bot.checks.registry import all_checks

    return [c.id for c in all_checks() if c.cis]


def coverage_rows() -> list[tuple[str, str, int, int, int]]:
    """Per section: (id, title, automated recommendations, automated ones covered, all covered)."""
    covered = checks_by_recommendation()
    rows = []
    for section, title in SECTIONS.items():
        recs = [r for r in RECOMMENDATIONS if r.section == section]
        automated = [r for r in recs if r.automated]
        rows.append(
            (
                section,
                title,
                len(automated),
                sum(1 for r in automated if covered[r.id]),
                sum(1 for r in recs if covered[r.id]),
            )
        )
    return rows


def coverage_text(statuses: Mapping[str, str] | None = None) -> str:
    """The per-section coverage lines `demarc check --framework cis` prints; with a scan's
    check statuses (check id -> pass/fail/error), how the covered recommendations fared."""
    covered = checks_by_recommendation()
    lines = [f"{BENCHMARK} coverage (automated recommendations covered by a check):"]
    total_auto = total_cov = 0
    for section, title, automated, cov, _ in coverage_rows():
        total_auto += automated
        total_cov += cov
        line = f"  {section} {title:<32} {cov:>2}/{automated:<2} automated"
        if statuses is not None:
            fared = {"pass": 0, "fail": 0, "error": 0}
            for rec in RECOMMENDATIONS:
                ids = covered[rec.id]
                if rec.section != section or not ids:
                    continue
                states = {statuses.get(c, "error") for c in ids}
                fared["error" if "error" in states else "fail" if "fail" in states else "pass"] += 1
            line += f"   recommendations: {fared['pass']} pass, {fared['fail']} fail, {fared['error']} error"
        lines.append(line)
    lines.append(f"  {'total':<34} {total_cov:>2}/{total_auto:<2} automated (the rest: docs/cis.md says why)")
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """docs/cis.md: every recommendation, the checks that cover it, or why none does."""
    covered = checks_by_recommendation()
    out = [
        f"# {BENCHMARK}: what demarc checks",
        "",
        "Generated by `python -m bot.checks.cis` from `bot/checks/cis.py` and the CIS ids each check",
        "declares (tests/checks/test_cis.py keeps this file in step). `demarc check --framework cis`",
        "runs the covered set and prints the coverage per section.",
        "",
        "Sources: the Security Hub CIS benchmark page and controls reference",
        "(https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html,",
        "https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-controls-reference.html).",
        "CIS v5.0.0 is newer; its renumbering is not mapped yet.",
        "",
        "| section | automated | covered |",
        "| --- | --- | --- |",
    ]
    for section, title, automated, cov, _ in coverage_rows():
        out.append(f"| {section} {title} | {automated} | {cov} |")
    out += ["", "| id | recommendation | type | checks, or why not |", "| --- | --- | --- | --- |"]
    for rec in RECOMMENDATIONS:
        checks = ", ".join(f"`{c}`" for c in covered[rec.id])
        kind = "Automated" if rec.automated else "Manual"
        why = checks or rec.why_not or "not checked"
        if checks and rec.why_not:
            why = f"{checks} ({rec.why_not})"
        out.append(f"| {rec.id} | {rec.title} | {kind} | {why} |")
    return "\n".join(out) + "\n"


DOC = Path(__file__).resolve().parents[2] / "docs" / "cis.md"


def main() -> int:
    DOC.write_text(markdown(), encoding="utf-8")
    sys.stdout.write(coverage_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
