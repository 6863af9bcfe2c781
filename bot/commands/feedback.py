"""`demarc feedback export|stats|purge`: the Right/Wrong clicks from Slack, as labelled questions.

`export` writes one JSON Lines row per labelled click in the format of the labelled question
sets (question, kind, service, topic, owner, check), ready to review and add to a test set:
every "wrong" click with a correction, and with `--include-right` every "right" one. Text
older than DEMARC_FEEDBACK_RETENTION_DAYS is purged first, by the same rule the Slack app
applies.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from bot.commands import SubParsers

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import Settings
    from bot.store.feedback import FeedbackStore


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "feedback",
        help="export the Right/Wrong feedback from Slack as labelled questions",
        description="Feedback given on answers in Slack, kept in DEMARC_STATE.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write the corrected answers as labelled questions (JSON Lines)",
        description="Write every 'wrong' click with a correction (and with --include-right every 'right' one) "
        "as one labelled question per line, in the format of the question sets.",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--include-right", action="store_true", help="also export answers marked right")
    export.set_defaults(func=run_export)
    stats = actions.add_parser("stats", help="how many answers were marked right, wrong and corrected")
    stats.add_argument("--json", action="store_true", help="one JSON object")
    stats.set_defaults(func=run_stats)
    purge = actions.add_parser(
        "purge", help="blank the text of feedback older than DEMARC_FEEDBACK_RETENTION_DAYS (counts are kept)"
    )
    purge.set_defaults(func=run_purge)


def purge(store: FeedbackStore, clock: Clock, retention_days: int) -> int:
    """Blank the text of every record older than the retention (counts and labels are kept)."""
    from bot.feedback import cutoff

    return store.redact_feedback(cutoff(clock, retention_days))


def export_lines(store: FeedbackStore, *, include_right: bool = False) -> tuple[list[str], int]:
    """The labelled lines, and how many "wrong" clicks could not be labelled (no correction)."""
    from bot.catalogue import default_catalogue
    from bot.feedback import label

    catalogue = None

    def owner_of(service: str, topic: str) -> str | None:
        nonlocal catalogue
        catalogue = catalogue or default_catalogue()
        entry = catalogue.services.get(service)
        cell = entry.cells.get(topic) if entry else None
        return cell.owner if cell else None

    lines, unlabelled = [], 0
    for record in store.feedback():
        if record.verdict == "right" and not include_right:
            continue
        row = label(record, owner_of)
        if row is None:
            unlabelled += record.verdict == "wrong" and not record.redacted
            continue
        lines.append(json.dumps(row, ensure_ascii=False))
    return lines, unlabelled


def _open(settings: Settings) -> FeedbackStore:
    from bot.store.feedback import open_feedback_store

    return open_feedback_store(settings)


def run_export(args: argparse.Namespace) -> int:
    from bot.clock import SYSTEM_CLOCK
    from bot.config import load_settings

    settings = load_settings()
    store = _open(settings)
    try:
        purge(store, SYSTEM_CLOCK, settings.feedback_retention_days)
        lines, unlabelled = export_lines(store, include_right=args.include_right)
    finally:
        store.close()
    text = "".join(line + "\n" for line in lines)
    if args.output:
        from pathlib import Path

        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    note = f"; {unlabelled} 'wrong' click(s) without a correction left out" if unlabelled else ""
    print(f"demarc: {len(lines)} labelled question(s){note}", file=sys.stderr)
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from bot.config import load_settings

    store = _open(load_settings())
    try:
        counts = store.feedback_counts()
    finally:
        store.close()
    if args.json:
        print(json.dumps(counts, sort_keys=True))
    else:
        print(f"right {counts['right']}, wrong {counts['wrong']} ({counts['corrected']} with a correction)")
    return 0


def run_purge(args: argparse.Namespace) -> int:
    from bot.clock import SYSTEM_CLOCK
    from bot.config import load_settings

    settings = load_settings()
    store = _open(settings)
    try:
        changed = purge(store, SYSTEM_CLOCK, settings.feedback_retention_days)
    finally:
        store.close()
    print(f"demarc: text purged from {changed} feedback record(s)", file=sys.stderr)
    return 0
