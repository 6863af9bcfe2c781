"""One module per `demarc` sub-command; each exposes `register(subparsers)`.

Command modules import their heavy dependencies (boto3, slack_bolt) inside `run`, so that
building the parser for `demarc ask` stays cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Protocol

Runner = Callable[[argparse.Namespace], int]


class SubParsers(Protocol):
    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser: ...


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every command that scans the account shares (check, posture)."""
    parser.add_argument("--json", action="store_true", help="one JSON object per account, one per line")
    parser.add_argument(
        "--output",
        choices=("text", "json", "ocsf", "asff", "csv"),
        default=None,
        help="output format: text (default), json (as --json), ocsf (OCSF Detection Findings), "
        "asff (Security Hub findings to import with your own credentials), csv",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when any check fails or errors")
    parser.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="R",
        help="region to scan (repeatable; default DEMARC_REGIONS, else the credential chain's region)",
    )
    parser.add_argument(
        "--role-arn",
        action="append",
        default=[],
        metavar="ARN",
        help="scan the account of this role (repeatable; default DEMARC_ROLE_ARNS)",
    )
    parser.add_argument(
        "--org-role-name",
        metavar="NAME",
        help="scan every account of the AWS Organization through this role (default DEMARC_ORG_ROLE_NAME)",
    )


def output_format(args: argparse.Namespace) -> str:
    """The chosen output format: `--output`, or json for `--json`, else text."""
    chosen = getattr(args, "output", None)
    if getattr(args, "json", False):
        if chosen not in (None, "json"):
            from bot.errors import UsageError

            raise UsageError("--json and --output differ: use one of them")
        return "json"
    return str(chosen or "text")
