"""`demarc demo`: the first five minutes, with no Slack and no AWS account.

A new user should see all three parts of demarc working before configuring anything:
answers from the catalogue, a scan, and the posture summary. The scan and the posture
use the real check code against a built-in SAMPLE account (`bot.checks.sample`), whose
API calls are answered locally, so the demo cannot touch (or be blocked by) any real
account, and the posture state lives in a temporary directory that is deleted afterwards.

boto3 and the posture code are imported inside `run`, so building the parser for other
commands stays light.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands import SubParsers

if TYPE_CHECKING:
    from bot.checks.model import AccountReport

#: Questions whose answers land on each owner: AWS, the customer, and a shared layer.
QUESTIONS = (
    "who patches the OS on Fargate?",
    "log4j in a lambda, us or them?",
    "who patches the Lambda runtime?",
)

#: The sample account's second day, for the posture section: one finding fixed, one new.
DAY_TWO_STORY = "alice turned on MFA; someone opened PostgreSQL (5432) to the internet"


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="try demarc with no Slack and no AWS account: answers, a sample scan, a posture summary",
        description="Show answers to typical questions, a scan of a built-in SAMPLE AWS account (the real "
        "checks, answered offline; no AWS account is used), and that account's posture summary.",
    )
    parser.add_argument("--no-color", action="store_true", help="no colour, even on a terminal (also NO_COLOR)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    colour = sys.stdout.isatty() and not args.no_color and not os.environ.get("NO_COLOR")
    out: Callable[[str], None] = _writer(colour)

    out("# demarc demo: the first five minutes, with no Slack and no AWS account.\n")
    _answers(out, colour)

    from bot.checks import run_scan
    from bot.checks.render import render_text
    from bot.checks.sample import SAMPLE_REGIONS, sample_session_factory

    regions = " ".join(f"--region {r}" for r in SAMPLE_REGIONS)
    out("## 2. Check: a scan of a SAMPLE AWS account")
    out(
        _para(
            "The real checks, run against a built-in sample account (bot/sample_account.yaml): no AWS "
            "account is used and nothing is sent anywhere. With your own credentials this is:"
        )
    )
    out(f"$ demarc check {regions}")
    [report] = run_scan(None, SAMPLE_REGIONS, session_factory=sample_session_factory())
    out(render_text(report))

    out("## 3. Posture: what changed since yesterday")
    out(
        _para(
            f"The sample account scanned again a day later ({DAY_TWO_STORY}) and compared with the "
            "scan above; both runs are stored in a temporary state file, deleted afterwards:"
        )
    )
    out("$ demarc posture")
    out(_posture(report))

    out("## Next")
    out('  demarc ask "your question"     answers from the catalogue (--json for scripts)')
    out("  demarc check                   the same scan of your account, read-only (docs/iam-policy.json)")
    out("  demarc posture                 this summary for your account, stored run after run")
    out("  demarc serve                   the Slack app (see README.md, Configuration)")
    sys.stdout.flush()
    return 0


def _para(text: str) -> str:
    """A paragraph wrapped like the answers (88 columns), then a blank line."""
    import textwrap

    return textwrap.fill(text, 88) + "\n"


def _writer(colour: bool) -> Callable[[str], None]:
    """Print a line; section headings ("## ...") are bold on a colour terminal."""

    def out(text: str) -> None:
        if colour and text.startswith("#"):
            text = f"\033[1m{text}\033[0m"
        print(text)

    return out


def _answers(out: Callable[[str], None], colour: bool) -> None:
    from bot.answer import default_answerer
    from bot.render_text import render_answer

    out("## 1. Ask: whose job is it, AWS's or ours?\n")
    answerer = default_answerer()
    for question in QUESTIONS:
        out(f'$ demarc ask "{question}"')
        out(render_answer(answerer.catalogue, answerer.answer(question), colour=colour))
        out("")


def next_day(data: dict[str, Any]) -> dict[str, Any]:
    """The sample account a day later: alice's MFA is fixed, a new world-open 5432 appears."""
    for user in data["iam"]["users"]:
        if user["name"] == "alice":
            user["mfa_devices"] = [f"arn:aws:iam::{data['account_id']}:mfa/alice-phone"]
    data["regions"]["us-east-1"]["security_groups"].append(
        {
            "GroupId": "sg-0a1b2c3d4e5f60005",
            "GroupName": "analytics-db-temp",
            "Description": "temporary access for the analytics contractor",
            "VpcId": "vpc-0a1b2c3d4e5f60001",
            "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        }
    )
    return data


def _posture(yesterday: AccountReport) -> str:
    """Two posture runs (yesterday's report, then the next day's scan) in a throwaway store."""
    import tempfile

    from bot.checks import run_scan
    from bot.checks.sample import SAMPLE_REGIONS, sample_account_data, sample_session_factory
    from bot.clock import SYSTEM_CLOCK, FixedClock
    from bot.config import Settings
    from bot.posture import run_posture
    from bot.posture.render import render_text
    from bot.store import open_store

    settings = Settings(regions=SAMPLE_REGIONS)
    now = SYSTEM_CLOCK.now().replace(microsecond=0)
    day_two = sample_session_factory(next_day(sample_account_data()))
    with tempfile.TemporaryDirectory(prefix="demarc-demo-") as tmp:
        store = open_store(Path(tmp) / "posture.sqlite3")
        try:
            run_posture(settings, scan=lambda: [yesterday], store=store, clock=FixedClock(now - dt.timedelta(days=1)))
            today = run_posture(
                settings,
                scan=lambda: run_scan(None, SAMPLE_REGIONS, session_factory=day_two),
                store=store,
                clock=FixedClock(now),
            )
        finally:
            store.close()
    return render_text(today.summary)
