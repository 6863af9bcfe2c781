"""`demarc check`: run the account checks against the standard AWS credential chain.

boto3 is imported only inside `run`, so building the parser for other commands stays light.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.commands import SubParsers, add_scan_arguments


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
    from bot.checks.progress import ProgressLine
    from bot.checks.render import render_text
    from bot.checks.runner import select_checks
    from bot.config import load_settings

    settings = load_settings()
    if args.framework == "cis":
        from bot.checks.cis import cis_check_ids

        args.check_ids = list(args.check_ids or []) + [c for c in cis_check_ids() if c not in (args.check_ids or [])]
    select_checks(args.check_ids)  # unknown ids fail before any AWS call
    show_progress = not args.json and not args.no_progress and sys.stderr.isatty()
    progress = ProgressLine() if show_progress else None
    try:
        reports = run_scan(
            args.check_ids or None,
            args.region or list(settings.regions) or None,
            role_arns=args.role_arn or settings.role_arns,
            org_role_name=args.org_role_name or settings.org_role_name,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    for report in reports:
        if args.json:
            sys.stdout.write(json.dumps(report.to_dict()) + "\n")
        else:
            sys.stdout.write(render_text(report) + ("\n" if len(reports) > 1 else ""))
    if args.framework == "cis" and not args.json:
        from bot.checks.cis import coverage_text

        for report in reports:
            sys.stdout.write("\n" + coverage_text({r.check: r.status for r in report.results}))
    sys.stdout.flush()
    return 1 if args.strict and any(r.failed for r in reports) else 0
