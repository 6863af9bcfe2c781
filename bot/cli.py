"""The core of the `demarc` command line: parse arguments, dispatch, turn errors into exit codes.

The console script is `handlers.cli:main`, which calls `main` here with the Slack-facing
pieces plugged in (the `serve` command, the posture publisher), so this package never
imports Slack and `demarc ask` never loads it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from bot import __version__
from bot.errors import DemarcError

if TYPE_CHECKING:
    from bot.posture.outcome import Publisher

# Sub-command modules, in the order `demarc --help` lists them.
COMMAND_MODULES = tuple(
    f"bot.commands.{name}"
    for name in ("ask", "compare", "diagram", "check", "posture", "feedback", "catalogue", "config", "demo")
)


class OneLineArgumentParser(argparse.ArgumentParser):
    """Usage errors are one line on stderr and exit 2, as the contract asks."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser(extra_modules: Sequence[str] = (), *, publisher: Publisher | None = None) -> argparse.ArgumentParser:
    """The parser for the core commands plus `extra_modules` (each with `register(subparsers)`).

    `publisher` is what `demarc posture --post` calls; without it `--post` is refused.
    """
    parser = OneLineArgumentParser(
        prog="demarc",
        description="Whose job is this, AWS's or ours? Answers from the AWS Shared Responsibility Model "
        "and checks the linked account for the customer-side pitfalls.",
    )
    parser.add_argument("--version", action="version", version=f"demarc {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser, required=True
    )
    for name in (*COMMAND_MODULES, *extra_modules):
        importlib.import_module(name).register(subparsers)
    parser.set_defaults(publisher=publisher)
    return parser


def main(
    argv: Sequence[str] | None = None, *, extra_modules: Sequence[str] = (), publisher: Publisher | None = None
) -> int:
    parser = build_parser(extra_modules, publisher=publisher)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except DemarcError as exc:
        print(f"demarc: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("demarc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `demarc ask --json - | head` closes the pipe early; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if os.environ.get("DEMARC_DEBUG"):
            raise
        print(
            f"demarc: internal error: {type(exc).__name__}: {exc} (set DEMARC_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
