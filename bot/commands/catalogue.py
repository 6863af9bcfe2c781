"""`demarc catalogue validate [PATH]`: check a catalogue directory before the bot loads it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

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
    validate.add_argument(
        "--standalone",
        action="store_true",
        help="validate the directory as the whole catalogue (not merged over the built-in one): every "
        "service that is not a variant must have a cell for every topic",
    )
    validate.set_defaults(func=run_validate)
    services = actions.add_parser(
        "services",
        help="list every service and variant with its cell count",
        description="List every service and variant of the configured catalogue, with its cell count.",
    )
    services.add_argument("--json", action="store_true", help="print the list as JSON")
    services.set_defaults(func=run_services)


def run_validate(args: argparse.Namespace) -> int:
    from bot.catalogue import catalogue_directories, collect_problems
    from bot.paths import builtin_catalogue_dir

    if args.path is None:
        directories = (builtin_catalogue_dir(),) if args.standalone else catalogue_directories()
    else:
        path: Path = args.path
        if not path.is_dir():
            print(f"demarc: error: {path} is not a directory", file=sys.stderr)
            return 2
        builtin = builtin_catalogue_dir()
        same = path.resolve() == builtin.resolve()
        directories = (builtin,) if same or args.standalone else (builtin, path)
        if args.standalone:
            directories = (path,)
    catalogue, problems = collect_problems(directories)
    for problem in problems:
        print(problem, file=sys.stderr)
    if catalogue is None:
        print(f"{len(problems)} problem(s); the catalogue is not usable", file=sys.stderr)
        return 1
    from bot.catalogue import generic_only_cells

    for service_id, topic in generic_only_cells(catalogue):
        print(
            f"warning: cells.{service_id}.{topic}: its only source is the generic shared responsibility "
            "page; cite the service's own documentation",
            file=sys.stderr,
        )
    cells = sum(len(s.own_cells) for s in catalogue.services.values())
    print(
        f"ok: {len(catalogue.services)} services, {len(catalogue.topics)} topics, {cells} cells, "
        f"{len(catalogue.checks)} checks, {len(catalogue.teams)} team mapping(s)"
    )
    return 0


def run_services(args: argparse.Namespace) -> int:
    import json

    from bot.catalogue import default_catalogue

    catalogue = default_catalogue()
    ordered = sorted(catalogue.services.values(), key=lambda s: (s.variant_of or s.id, s.variant_of is not None, s.id))
    rows: list[dict[str, Any]] = [
        {
            "id": service.id,
            "name": service.name,
            "variant_of": service.variant_of,
            "cells": len(service.cells),
            "own_cells": len(service.own_cells),
        }
        for service in ordered
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    width = max(len(r["id"]) for r in rows)
    for row in rows:
        kind = f"variant of {row['variant_of']}, {row['own_cells']} own" if row["variant_of"] else "service"
        indent = "  " if row["variant_of"] else ""
        print(f"{indent}{row['id']:<{width + 2 - len(indent)}}  {row['cells']:>2} cells  ({kind})  {row['name']}")
    variants = sum(1 for r in rows if r["variant_of"])
    print(f"{len(rows) - variants} services, {variants} variants")
    return 0
