"""Where two services' lines differ: the classic surprise is that Fargate and Lambda are
both "serverless" yet do not draw the line in the same place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.catalogue import OWNER_WORDS, Catalogue
from bot.errors import UsageError
from bot.matcher import Matcher


@dataclass(frozen=True)
class Comparison:
    left: str
    right: str
    differences: list[dict[str, Any]]
    same: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"services": [self.left, self.right], "differences": self.differences, "same": self.same}


def resolve_service(catalogue: Catalogue, matcher: Matcher, name: str) -> str:
    """A service id from an id, a name or an alias, typos included ("farget")."""
    key = name.strip().lower()
    if key in catalogue.services:
        return key
    ranked = matcher.services_named(name)
    if not ranked:
        known = ", ".join(sorted(catalogue.services))
        raise UsageError(f"unknown service {name!r} (known: {known})")
    return ranked[0]


def compare(catalogue: Catalogue, left: str, right: str) -> Comparison:
    a, b = catalogue.services[left], catalogue.services[right]
    differences: list[dict[str, Any]] = []
    same: list[dict[str, Any]] = []
    for topic in catalogue.topic_order:
        cell_a, cell_b = a.cells[topic], b.cells[topic]
        row: dict[str, Any] = {"topic": topic, left: cell_a.owner, right: cell_b.owner}
        if cell_a.owner != cell_b.owner:
            row["summaries"] = {left: cell_a.summary, right: cell_b.summary}
            differences.append(row)
        else:
            same.append(row)
    return Comparison(left, right, differences, same)


def render_comparison(catalogue: Catalogue, comparison: Comparison) -> str:
    left, right = comparison.left, comparison.right
    name_a, name_b = catalogue.services[left].name, catalogue.services[right].name
    lines = [f"{name_a} vs {name_b}"]
    if not comparison.differences:
        lines.append("  The line sits in the same place for every layer.")
    else:
        lines.append(f"  Where the line differs ({len(comparison.differences)} layer(s)):")
        width = max(len(catalogue.topics[row["topic"]].title) for row in comparison.differences)
        for row in comparison.differences:
            title = catalogue.topics[row["topic"]].title
            lines.append(
                f"    {title:<{width}}  {name_a}: {OWNER_WORDS[row[left]]:<8}  {name_b}: {OWNER_WORDS[row[right]]}"
            )
    if comparison.same:
        groups: dict[str, list[str]] = {}
        for row in comparison.same:
            groups.setdefault(row[left], []).append(catalogue.topics[row["topic"]].title)
        lines.append("  The same on both:")
        for owner, titles in groups.items():
            lines.append(f"    {OWNER_WORDS[owner]}: {', '.join(titles)}")
    return "\n".join(lines)
