"""`demarc diagram SERVICE [SERVICE...] -o FILE.png`: the layer stacks as a picture."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands import SubParsers


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "diagram",
        help="draw the layer stack of one to four services, coloured by owner (PNG or SVG)",
        description="Draw the Shared Responsibility Model layer stack of one to four services side by side, "
        "each layer coloured by its owner (AWS, customer, shared), with the layers where the line differs "
        "marked. Needs matplotlib: pip install 'demarc-bot[pictures]'.",
    )
    parser.add_argument("services", nargs="+", metavar="SERVICE", help="a service id or name (e.g. ec2 fargate)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write it: FILE.png or FILE.svg")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.answer import default_answerer
    from bot.compare import resolve_service
    from bot.diagram import MAX_SERVICES, draw, format_for
    from bot.errors import UsageError

    fmt = format_for(args.output)
    if len(args.services) > MAX_SERVICES:
        raise UsageError(f"draw one to {MAX_SERVICES} services side by side, not {len(args.services)}")
    answerer = default_answerer()
    services = [resolve_service(answerer.catalogue, answerer.matcher, name) for name in args.services]
    picture = draw(answerer.catalogue, services, format=fmt)
    path = Path(args.output)
    try:
        path.write_bytes(picture.data)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    names = ", ".join(answerer.catalogue.services[s].name for s in picture.services)
    print(f"wrote {args.output} ({picture.width}x{picture.height}, {names})", file=sys.stderr)
    return 0
