"""`demarc ask`: answer a question from the catalogue, for a terminal or as JSON."""

from __future__ import annotations

import argparse
import json
import sys

from bot.commands import SubParsers
from bot.errors import UsageError

MAX_QUESTION_CHARS = 100_000


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
    from bot.render_text import render_answer

    answerer = default_answerer()
    if args.question == ["-"]:
        if not args.json:
            # One terminal answer after another, separated by a rule.
            for line in _stdin_lines():
                print(render_answer(answerer.catalogue, answerer.answer(line)))
                print("-" * 40)
            return 0
        out = sys.stdout
        for line in _stdin_lines():
            out.write(json.dumps(answerer.answer(line), ensure_ascii=False) + "\n")
        out.flush()
        return 0
    question = " ".join(args.question)
    if not question.strip():
        raise UsageError('the question is empty: ask e.g. demarc ask "who patches the OS on Fargate?"')
    if len(question) > MAX_QUESTION_CHARS:
        raise UsageError(f"the question is {len(question)} characters long (at most {MAX_QUESTION_CHARS})")
    answer = answerer.answer(question)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False))
    else:
        print(render_answer(answerer.catalogue, answer, colour=sys.stdout.isatty()))
    if args.explain:
        print("\nHow demarc read it:", file=sys.stderr if args.json else sys.stdout)
        for line in answerer.matcher.explain(question):
            print(f"  {line}", file=sys.stderr if args.json else sys.stdout)
    return 0


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
