"""`demarc compare A B`: where two services draw the line differently."""

from __future__ import annotations

import argparse
import json

from bot.commands import SubParsers


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="show where two services' responsibility lines differ",
        description="Show the layers where two services (or models) put the line in different places.",
    )
    parser.add_argument("services", nargs=2, metavar="SERVICE", help="a service id or name (e.g. fargate lambda)")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.answer import default_answerer
    from bot.compare import compare, render_comparison, resolve_service

    answerer = default_answerer()
    left, right = (resolve_service(answerer.catalogue, answerer.matcher, name) for name in args.services)
    comparison = compare(answerer.catalogue, left, right)
    if args.json:
        print(json.dumps(comparison.to_dict(), ensure_ascii=False))
    else:
        print(render_comparison(answerer.catalogue, comparison))
    return 0
