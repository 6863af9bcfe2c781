"""`demarc catalogue validate [PATH]`: check a catalogue directory before the bot loads it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands import SubParsers


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "catalogue",
        help="validate a catalogue directory",
        description="Work with the responsibility catalogue.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    validate = actions.add_parser(
        "validate",
        help="validate a catalogue directory",
        description="Validate a catalogue directory. A directory other than the built-in one is validated "
        "as it would be used: merged over the built-in catalogue. Prints one line per problem "
        "(file: entry: what is wrong) and exits non-zero if there is any.",
    )
    validate.add_argument("path", nargs="?", type=Path, help="catalogue directory (default: the configured catalogue)")
    validate.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from bot.catalogue import catalogue_directories, collect_problems
    from bot.paths import builtin_catalogue_dir

    if args.path is None:
        directories = catalogue_directories()
    else:
        path: Path = args.path
        if not path.is_dir():
            print(f"demarc: error: {path} is not a directory", file=sys.stderr)
            return 2
        builtin = builtin_catalogue_dir()
        same = path.resolve() == builtin.resolve()
        directories = (builtin,) if same else (builtin, path)
    catalogue, problems = collect_problems(directories)
    for problem in problems:
        print(problem, file=sys.stderr)
    if catalogue is None:
        print(f"{len(problems)} problem(s); the catalogue is not usable", file=sys.stderr)
        return 1
    cells = sum(len(s.cells) for s in catalogue.services.values())
    print(
        f"ok: {len(catalogue.services)} services, {len(catalogue.topics)} topics, {cells} cells, "
        f"{len(catalogue.checks)} checks, {len(catalogue.teams)} team mapping(s)"
    )
    return 0
