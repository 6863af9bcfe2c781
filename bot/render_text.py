"""Render answers for a terminal: owner in words (coloured on a TTY), summary, breakdown, sources."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from bot.catalogue import OWNER_WORDS, OWNERS, Catalogue

_COLOURS = {"aws": "\033[33m", "customer": "\033[36m", "shared": "\033[35m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"
WIDTH = 88


class Style:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def owner(self, owner: str) -> str:
        word = OWNER_WORDS.get(owner, owner)
        return f"{_BOLD}{_COLOURS.get(owner, '')}{word}{_RESET}" if self.colour else word

    def bold(self, text: str) -> str:
        return f"{_BOLD}{text}{_RESET}" if self.colour else text

    def dim(self, text: str) -> str:
        return f"{_DIM}{text}{_RESET}" if self.colour else text


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def render_breakdown(catalogue: Catalogue, breakdown: Mapping[str, list[str]], style: Style, team_service: str) -> str:
    lines = []
    for owner in OWNERS:
        topics = breakdown.get(owner, [])
        if not topics:
            continue
        labels = []
        for topic in topics:
            label = catalogue.topics[topic].title if topic in catalogue.topics else topic
            team = catalogue.team_for(team_service, topic) if owner != "aws" else None
            labels.append(f"{label} ({team})" if team else label)
        lines.append(f"  {style.owner(owner)}: " + ", ".join(labels))
    return "\n".join(textwrap.fill(line, WIDTH, subsequent_indent="      ") for line in lines)


def render_answer(catalogue: Catalogue, answer: Mapping[str, Any], *, colour: bool = False) -> str:
    style = Style(colour)
    match = answer.get("match")
    out: list[str] = []
    if match is None:
        if answer.get("check"):
            out.append(f"That is a question about your account: run `demarc check {answer['check']}`.")
        else:
            out.append(answer.get("note") or "No match.")
        return "\n".join(out)
    service = catalogue.services[match["service"]]
    if match["topic"] is None:
        out.append(style.bold(f"{service.name}: who owns what"))
        if service.summary:
            out.append(_wrap(service.summary))
    else:
        topic_title = catalogue.topics[match["topic"]].title
        owner = match["owner"]
        out.append(f"{style.bold(service.name)} / {topic_title}: {style.owner(owner)}")
        out.append(_wrap(match["summary"]))
        if match.get("team"):
            out.append(f"  Your team: {match['team']}")
    if match.get("confidence") == "low" or answer.get("note"):
        out.append(style.dim(f"  ({answer.get('note') or 'low confidence'})"))
    out.append("")
    out.append(style.bold("Breakdown") + style.dim(" (layers from the data centre up)"))
    out.append(render_breakdown(catalogue, answer["breakdown"], style, service.id))
    if match.get("sources"):
        out.append("")
        out.append(style.bold("Sources"))
        out.extend(f"  {url}" for url in match["sources"])
    if answer.get("alternatives"):
        out.append("")
        out.append(style.bold("Or did you mean"))
        for alt in answer["alternatives"]:
            name = catalogue.services[alt["service"]].name
            if alt["topic"]:
                title = catalogue.topics[alt["topic"]].title
                out.append(f"  {name} / {title}: {OWNER_WORDS[alt['owner']]}")
            else:
                out.append(f"  {name} (whole service)")
    if answer.get("check"):
        out.append("")
        out.append(f"Check your account: demarc check {answer['check']}")
    elif match.get("checks"):
        out.append("")
        out.append("Related account check(s): " + ", ".join(f"demarc check {c}" for c in match["checks"]))
    return "\n".join(out)
