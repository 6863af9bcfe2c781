"""`demarc config check`: validate the environment without printing secrets."""

from __future__ import annotations

import argparse

from bot.commands import SubParsers


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "config", help="check the configuration", description="Inspect demarc's configuration."
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="show what is set, what each mode still needs, and what is wrong",
        description="Show every setting (secrets masked), what each way of running demarc still needs, "
        "and every problem found. Exits 1 when there is a problem.",
    )
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from bot.config_report import build_report, render_report

    report = build_report()
    print(render_report(report))
    return 0 if report.ok else 1
