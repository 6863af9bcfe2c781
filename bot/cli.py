"""The `demarc` console script: parse arguments, dispatch, and turn errors into exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot import __version__
from bot.errors import DemarcError

# Sub-command modules under bot/commands/, in the order `demarc --help` lists them.
COMMAND_MODULES = ("ask", "compare", "check", "posture", "serve", "catalogue", "config", "demo")


class OneLineArgumentParser(argparse.ArgumentParser):
    """Usage errors are one line on stderr and exit 2, as the contract asks."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineArgumentParser(
        prog="demarc",
        description="Whose job is this, AWS's or ours? Answers from the AWS Shared Responsibility Model "
        "and checks the linked account for the customer-side pitfalls.",
    )
    parser.add_argument("--version", action="version", version=f"demarc {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser, required=True
    )
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"bot.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
