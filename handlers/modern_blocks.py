"""The Block Kit of 2026 where it helps: a table for owner breakdowns and comparisons, rich
text for an answer's summary (DEMARC_BLOCK_KIT=2026, the default).

Each builder has a classic twin in handlers/blocks.py (sections of mrkdwn), used with
DEMARC_BLOCK_KIT=classic. Both are built within Slack's limits: a table holds at most 100
rows (the header included) and demarc writes one table a message; the rows stop at a text
budget and a context line says how many layers were left out, as the classic list does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.catalogue import OWNER_WORDS, OWNERS, Catalogue
from handlers.blockkit import (
    ELLIPSIS,
    MAX_SECTION_TEXT,
    MAX_TABLE_ROWS,
    Block,
    context,
    escape,
    json_size,
    raw_cell,
    rich_cell,
    rich_text,
    rt_emoji,
    rt_text,
    section,
    table,
    text_size,
)

#: Characters of cell text, and of JSON, one table may hold: well inside the message's budgets.
TABLE_TEXT_BUDGET = 4000
TABLE_JSON_BUDGET = 14_000
OWNER_EMOJI_NAMES: Mapping[str, str] = {
    "aws": "large_orange_square",
    "customer": "large_blue_square",
    "shared": "large_purple_square",
}


def owner_cell(owner: str, *, bold: bool = False) -> dict[str, object]:
    return rich_cell(rt_emoji(OWNER_EMOJI_NAMES.get(owner, "white_square")), rt_text(" "),
                     rt_text(OWNER_WORDS.get(owner, owner), bold=bold))


class _Budget:
    """Rows go in while the table stays inside its text and JSON budgets and Slack's 100 rows."""

    def __init__(self) -> None:
        self.text = 0
        self.json = 0

    def take(self, rows: list[list[dict[str, object]]], candidate: list[dict[str, object]]) -> bool:
        text, size = text_size([{"elements": candidate}]), json_size([candidate])  # type: ignore[list-item]
        if self.text + text > TABLE_TEXT_BUDGET or self.json + size > TABLE_JSON_BUDGET or len(rows) >= MAX_TABLE_ROWS:
            return False
        self.text += text
        self.json += size
        rows.append(candidate)
        return True


def breakdown_table(
    catalogue: Catalogue,
    service_id: str,
    breakdown: Mapping[str, Sequence[str]] | None = None,
    *,
    highlight: str | None = None,
) -> list[Block]:
    """Layer | Owner (| Your team): the service's breakdown from the data centre up."""
    service = catalogue.services[service_id]
    breakdown = breakdown or catalogue.breakdown(service_id)
    owner_of = dict(catalogue.layers_in_order(breakdown))
    layers = list(owner_of)
    teams = {t: catalogue.team_for(service_id, t) for t in layers if owner_of[t] != "aws"}
    with_teams = any(teams.values())
    header = [raw_cell("Layer"), raw_cell("Owner")] + ([raw_cell("Your team")] if with_teams else [])
    rows: list[list[dict[str, object]]] = [header]
    budget = _Budget()
    shown = 0
    for topic in layers:
        mark = topic == highlight
        title = catalogue.topics[topic].title
        row = [
            rich_cell(rt_text(title + (" \u25c0" if mark else ""), bold=mark)),
            owner_cell(owner_of[topic], bold=mark),
        ]
        if with_teams:
            row.append(raw_cell(teams.get(topic) or ""))
        if not budget.take(rows, row):
            break
        shown += 1
    counts = ", ".join(f"{OWNER_WORDS[o]} {len(breakdown.get(o, []))}" for o in OWNERS if breakdown.get(o))
    left = len(layers) - shown
    blocks: list[Block] = [
        section(f"*Who owns what on {escape(service.name)}* _(layer by layer, from the data centre up)_"),
        table(rows, wrap=[True, False, True], block_id="demarc_breakdown"),
    ]
    note = f"{ELLIPSIS} and {left} more layers · " if left else ""
    blocks.append(context(note + counts))
    return blocks


def summary_rich_text(owner: str | None, summary: str) -> Block:
    """"Owner: AWS" and the cell's summary, as literal rich text (no mrkdwn to escape)."""
    first: list[dict[str, object]] = [rt_text("Owner: ")]
    if owner is None:
        first.append(rt_text("it depends on the layer", bold=True))
    else:
        first += [rt_emoji(OWNER_EMOJI_NAMES.get(owner, "white_square")), rt_text(" "),
                  rt_text(OWNER_WORDS.get(owner, owner), bold=True)]
    text = summary.strip()
    if len(text) > MAX_SECTION_TEXT - 100:
        text = text[: MAX_SECTION_TEXT - 101] + ELLIPSIS
    first.append(rt_text("\n" + text if text else ""))
    return rich_text([e for e in first if e.get("text", True)], block_id="demarc_summary")


def comparison_table(
    catalogue: Catalogue, left: str, right: str, rows: Sequence[Mapping[str, str]]
) -> list[Block]:
    """Layer | A | B for the layers where the two services draw the line differently."""
    name_a, name_b = catalogue.services[left].name, catalogue.services[right].name
    out: list[list[dict[str, object]]] = [[raw_cell("Layer"), raw_cell(name_a), raw_cell(name_b)]]
    budget = _Budget()
    shown = 0
    for row in rows:
        cells = [raw_cell(catalogue.topics[row["topic"]].title), owner_cell(row[left]), owner_cell(row[right])]
        if not budget.take(out, cells):
            break
        shown += 1
    blocks: list[Block] = [
        section(f"*Where the line differs* ({len(rows)} layers):"),
        table(out, wrap=[True, False, False], block_id="demarc_compare"),
    ]
    if shown < len(rows):
        blocks.append(context(f"{ELLIPSIS} and {len(rows) - shown} more layers"))
    return blocks
