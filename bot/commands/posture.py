"""`demarc posture`: every check, what changed since the last run, the trend; `--post` to Slack.

`demarc posture --post` is the unit a cron job or an EventBridge schedule runs where no
long-lived `demarc serve` is: it posts at most once per channel and day, so a retried
job or a second replica does not post twice.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

from bot.commands import SubParsers, add_scan_arguments, output_format
from bot.errors import ConfigError, UsageError


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "posture",
        help="posture summary: failing checks by topic, new and fixed findings, trend",
        description="Run every account check, store the run (DEMARC_STATE) and summarise it: failing checks "
        "by responsibility topic, worst first, what is new and fixed since the previous run, and the trend.",
    )
    add_scan_arguments(parser)
    parser.add_argument(
        "--post", action="store_true", help="post to DEMARC_POSTURE_CHANNEL (needs SLACK_BOT_TOKEN), once a day"
    )
    parser.add_argument("--force", action="store_true", help="with --post: post even if today's summary is posted")
    parser.add_argument(
        "--state",
        metavar="PATH_OR_URL",
        help="where runs are stored: a SQLite file or dynamodb://TABLE[?region=R] (default DEMARC_STATE)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.posture import PostureRun, run_posture
    from bot.posture.render import render_text
    from bot.posture.summary import AccountSummary

    if args.force and not args.post:
        raise UsageError("--force only means something with --post")
    fmt = output_format(args)
    settings = load_settings()
    if args.region:
        settings = replace(settings, regions=tuple(dict.fromkeys(args.region)))
    if args.state:
        settings = replace(settings, state=args.state)
    if args.role_arn:
        settings = replace(settings, role_arns=tuple(dict.fromkeys(args.role_arn)))
    if args.org_role_name:
        settings = replace(settings, org_role_name=args.org_role_name)

    def show(result: PostureRun) -> None:
        if fmt in ("ocsf", "asff", "csv"):
            import datetime as dt

            from bot.posture.formats import render

            when = dt.datetime.fromisoformat(result.summary.generated_at.replace("Z", "+00:00"))
            shown = result.shown_reports()
            regions = [r for report in shown for r in report.regions]
            sys.stdout.write(render(shown, fmt, when=when, home_region=regions[0] if regions else "us-east-1"))
        elif fmt == "json":
            sys.stdout.write("".join(line + "\n" for line in result.json_lines()))
        else:
            sys.stdout.write(render_text(result.summary))
        sys.stdout.flush()

    if not args.post:
        if not args.json:
            result = run_posture(settings)
            show(result)
            return 1 if args.strict and result.any_failing else 0

        def stream(account: AccountSummary) -> None:
            """Each account's line once its run is stored: a killed scan keeps what it printed."""
            sys.stdout.write(json.dumps(account.to_json()) + "\n")
            sys.stdout.flush()

        result = run_posture(settings, on_account=stream)
        return 1 if args.strict and result.any_failing else 0

    publisher = getattr(args, "publisher", None)
    if publisher is None:
        raise ConfigError("--post needs demarc's Slack layer: run the `demarc` console script")
    outcome = publisher(settings, args.force)
    if outcome.run is not None:
        show(outcome.run)
    print(f"demarc: posture {outcome}", file=sys.stderr)
    if outcome.status == "failed":
        return 2 if outcome.run is None else 1
    return 1 if args.strict and outcome.run is not None and outcome.run.any_failing else 0
