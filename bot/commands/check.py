"""`demarc check`: run the account checks against the standard AWS credential chain.

boto3 is imported only inside `run`, so building the parser for other commands stays light.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.commands import SubParsers, add_scan_arguments, output_format


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check the AWS account for customer-side pitfalls",
        description="Run account checks (all when none named). A CHECK_ID may also be a service id "
        "such as 's3', meaning every check of that service.",
    )
    parser.add_argument("check_ids", nargs="*", metavar="CHECK_ID", help="check ids or service ids")
    add_scan_arguments(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress display on stderr")
    parser.add_argument(
        "--framework",
        choices=["cis"],
        help="run the checks that cover a framework's recommendations (cis: CIS AWS Foundations "
        "Benchmark) and print its coverage per section",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.checks import run_scan
    from bot.checks.model import AccountReport
    from bot.checks.progress import ProgressLine
    from bot.checks.render import render_text
    from bot.checks.runner import select_checks
    from bot.config import load_settings

    settings = load_settings()
    fmt = output_format(args)
    if args.framework == "cis":
        from bot.checks.cis import cis_check_ids

        args.check_ids = list(args.check_ids or []) + [c for c in cis_check_ids() if c not in (args.check_ids or [])]
    select_checks(args.check_ids)  # unknown ids fail before any AWS call
    # Standard formats (OCSF, ASFF, CSV) are one document for the whole scan; text and JSON
    # Lines stream, one account as soon as it finishes.
    streaming = fmt in ("text", "json")
    show_progress = not args.no_progress and sys.stderr.isatty() and (fmt == "text" or not streaming)
    progress = ProgressLine() if show_progress else None
    role_arns = args.role_arn or settings.role_arns
    org_role_name = args.org_role_name or settings.org_role_name
    several = bool(org_role_name) or len(role_arns) > 1
    failed = False
    reports: list[AccountReport] = []

    def emit(report: AccountReport) -> None:
        """Each account's result as soon as it finishes (JSON Lines, or text)."""
        nonlocal failed
        failed = failed or report.failed
        reports.append(report)
        if not streaming:
            return
        if fmt == "json":
            from bot.posture.controls import with_controls

            text = json.dumps(with_controls(report.to_dict())) + "\n"
        else:
            text = render_text(report) + ("\n" if several else "")
        if progress is not None:
            progress.write_above(text, sys.stdout)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()

    try:
        run_scan(
            args.check_ids or None,
            args.region or list(settings.regions) or None,
            role_arns=role_arns,
            org_role_name=org_role_name,
            progress=progress,
            accounts_in_flight=settings.scan_accounts_in_flight,
            on_report=emit,
        )
    finally:
        if progress is not None:
            progress.close()
    if fmt == "text" and args.framework == "cis":
        from bot.checks.cis import coverage_text

        for report in reports:
            sys.stdout.write("\n" + coverage_text({r.check: r.status for r in report.results}))
        sys.stdout.flush()
    if not streaming:
        from bot.clock import SYSTEM_CLOCK
        from bot.posture.formats import render

        regions = [r for report in reports for r in report.regions]
        sys.stdout.write(
            render(reports, fmt, when=SYSTEM_CLOCK.now(), home_region=regions[0] if regions else "us-east-1")
        )
        sys.stdout.flush()
    return 1 if args.strict and failed else 0
