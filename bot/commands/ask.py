"""`demarc ask`: answer a question from the catalogue, for a terminal or as JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from bot.commands import SubParsers
from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.answer import Answerer
    from bot.conversation import Turn

MAX_QUESTION_CHARS = 100_000
#: `demarc ask --json -`: a line that starts with this is a follow-up of the line before it.
FOLLOW_UP = "+ "


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="answer a question about who is responsible",
        description="Answer 'whose job is this, AWS's or ours?' from the catalogue.",
    )
    parser.add_argument("question", nargs="+", help="the question, or '-' to read one question per line from stdin")
    parser.add_argument("--json", action="store_true", help="print the answer as JSON (JSON Lines with '-')")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also show the phrases demarc recognised and what each means (for catalogue authors)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.answer import default_answerer
    from bot.conversation import answer_message, turn_json

    answerer = default_answerer()
    if args.question == ["-"]:
        # A line starting with "+ " is a follow-up of the line before it ("+ and on Lambda?"),
        # as in a Slack thread; any other line starts afresh.
        context = None
        out = sys.stdout
        for number, line in enumerate(_stdin_lines(), start=1):
            followup = line.startswith(FOLLOW_UP)
            text = line[len(FOLLOW_UP) :] if followup else line
            try:
                turn = answer_message(answerer, text, context if followup else None)
            except Exception as exc:  # one line demarc cannot answer must not cost the others
                if os.environ.get("DEMARC_DEBUG"):
                    raise
                print(f"demarc: line {number}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
                context = None
                if args.json:
                    out.write(json.dumps(_failed_line(text, exc), ensure_ascii=False) + "\n")
                else:
                    print(f"demarc could not answer line {number} ({type(exc).__name__}); the others follow.")
                    print("-" * 40)
                continue
            context = turn.context
            if args.json:
                out.write(json.dumps(turn_json(turn), ensure_ascii=False) + "\n")
            else:
                # One terminal answer after another, separated by a rule.
                print(_render_turn(answerer, turn))
                print("-" * 40)
        out.flush()
        return 0
    question = " ".join(args.question)
    if not question.strip():
        raise UsageError('the question is empty: ask e.g. demarc ask "who patches the OS on Fargate?"')
    if len(question) > MAX_QUESTION_CHARS:
        raise UsageError(f"the question is {len(question)} characters long (at most {MAX_QUESTION_CHARS})")
    turn = answer_message(answerer, question)
    if args.json:
        print(json.dumps(turn_json(turn), ensure_ascii=False))
    else:
        print(_render_turn(answerer, turn, colour=sys.stdout.isatty()))
    if args.explain:
        print("\nHow demarc read it:", file=sys.stderr if args.json else sys.stdout)
        for line in answerer.matcher.explain(question):
            print(f"  {line}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _failed_line(question: str, exc: Exception) -> dict[str, object]:
    """The contract's answer shape for a line demarc failed on: no match, and a note saying so."""
    return {
        "question": question,
        "match": None,
        "breakdown": None,
        "alternatives": [],
        "check": None,
        "note": f"demarc could not answer this line (internal error: {type(exc).__name__}); please report it.",
    }


def _render_turn(answerer: Answerer, turn: Turn, *, colour: bool = False) -> str:
    """Every answer of a message for a terminal, in order; a note names the questions skipped."""
    from bot.compare import render_comparison
    from bot.conversation import MAX_QUESTIONS
    from bot.render_text import render_answer

    parts: list[str] = []
    for reply in turn.replies:
        if reply.comparison is not None:
            parts.append(render_comparison(answerer.catalogue, reply.comparison))
        parts.extend(render_answer(answerer.catalogue, answer, colour=colour) for answer in reply.answers)
    if turn.skipped:
        parts.append(
            f"Skipped (at most {MAX_QUESTIONS} questions a message): " + " | ".join(q.strip() for q in turn.skipped)
        )
    return "\n\n".join(parts)


def _stdin_lines() -> list[str]:
    """Every line is a question, blank ones included, so that output lines pair with input lines."""
    try:
        data = sys.stdin.buffer.read()
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read questions from stdin: {exc}") from exc
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]
