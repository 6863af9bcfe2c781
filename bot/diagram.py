"""The Shared Responsibility Model as a picture: one stack of layers per service.

Facilities at the bottom, up to the top layer of the catalogue, each band coloured by its
owner (AWS, customer, shared); one to four services side by side, the layers where the line
differs between them marked on the right, and a legend. Shared bands carry a footnote number
and the footnotes say which half is whose, shortened from the cell summaries.

Drawn from the catalogue (any service, user overlays included) with matplotlib, which is an
optional extra (`pip install 'demarc-bot[pictures]'`). It is imported only when a picture is
drawn, never by `demarc ask` or the Slack answer path.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.catalogue import OWNER_WORDS, Catalogue, Cell, Owner
from bot.errors import DemarcError, UsageError

Format = Literal["png", "svg"]
FORMATS: tuple[Format, ...] = ("png", "svg")
MAX_SERVICES = 4

#: Band colours by owner (the orange/blue/purple of the Slack answers' squares).
OWNER_COLOURS: dict[str, str] = {"aws": "#ff9900", "customer": "#1f6fb2", "shared": "#8e5bb5"}
OWNER_TEXT: dict[str, str] = {"aws": "#1b1b1b", "customer": "#ffffff", "shared": "#ffffff"}
BACKGROUND = "#ffffff"
INK = "#1b1b1b"
DIFFERS = "#c62828"
INSTALL_HINT = "pip install 'demarc-bot[pictures]'"

DPI = 100
# Layout, in inches.
LABEL_W = 2.8  # layer titles on the left
COLUMN_W = 2.1
GAP_W = 0.15  # between columns
MARK_W = 1.2  # the "line differs" marks on the right
BAND_H = 0.36
BAND_GAP = 0.05  # white between bands, so each band reads (and scans) on its own
TITLE_H = 1.25
LEGEND_H = 0.55
NOTE_LINE_H = 0.2
MARGIN = 0.2


class PicturesUnavailable(DemarcError):
    """matplotlib is not installed: one line saying what to install."""


def load_matplotlib() -> Any:
    """The matplotlib package, or a one-line error saying what to install."""
    try:
        import matplotlib
    except ImportError as exc:
        raise PicturesUnavailable(f"drawing pictures needs matplotlib, which is not installed: {INSTALL_HINT}") from exc
    return matplotlib


@dataclass(frozen=True)
class Band:
    """One drawn band, with its box in image pixels (left, top, right, bottom; y grows down)."""

    service: str
    topic: str
    owner: Owner
    box: tuple[int, int, int, int]

    @property
    def centre(self) -> tuple[int, int]:
        left, top, right, bottom = self.box
        return (left + right) // 2, (top + bottom) // 2


@dataclass(frozen=True)
class Picture:
    """A rendered diagram: the file's bytes plus what was drawn where (for tests and alt text)."""

    data: bytes
    format: Format
    width: int
    height: int
    services: tuple[str, ...]
    topics: tuple[str, ...]
    bands: tuple[Band, ...]
    differing: tuple[str, ...]
    notes: tuple[str, ...]

    def alt_text(self, catalogue: Catalogue) -> str:
        names = ", ".join(catalogue.services[s].name for s in self.services)
        if len(self.services) > 1:
            differ = ", ".join(catalogue.topics[t].title for t in self.differing) or "no layer"
            return f"Shared Responsibility Model layers for {names}; the line differs at: {differ}."
        return f"Shared Responsibility Model layers for {names}, coloured by owner (AWS, customer, shared)."


def format_for(path: str) -> Format:
    """png or svg from a file name; anything else is a usage error."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in FORMATS:
        raise UsageError(f"the picture's file name must end in .png or .svg, not {path!r}")
    return suffix


def differing_topics(catalogue: Catalogue, services: Sequence[str]) -> list[str]:
    """The layers, bottom up, where the services do not all have the same owner."""
    if len(services) < 2:
        return []
    return [t for t in catalogue.topic_order if len({catalogue.cell(s, t).owner for s in services}) > 1]


_SENTENCE = re.compile(r"(?<=[.;])\s+")
_YOUR_PART = re.compile(r"^(your part|you|customers?)\b[:,]?\s*", re.IGNORECASE)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split()).rstrip(".;")
    return textwrap.shorten(text, width=width, placeholder="…")


def shared_note(cell: Cell, width: int = 75) -> str:
    """ "AWS: …; you: …" shortened from a shared cell's summary (AWS's sentence, then yours)."""
    sentences = [s.strip() for s in _SENTENCE.split(cell.summary.strip()) if s.strip()]
    aws_half = next((s for s in sentences if s.startswith(("AWS", "Amazon"))), sentences[0] if sentences else "")
    yours = next((s for s in sentences if _YOUR_PART.match(s) and s is not aws_half), "")
    aws_text = re.sub(r"^(AWS|Amazon)\s+", "", aws_half)
    parts = [f"AWS {_clip(aws_text, width)}"]
    if yours:
        parts.append(f"you {_clip(_YOUR_PART.sub('', yours), width)}")
    return "; ".join(parts)


def _wrap_note(note: str, width: int) -> list[str]:
    """A footnote on at most two lines of `width` characters (the second indented)."""
    lines = textwrap.wrap(note, width)
    if len(lines) <= 2:
        return lines
    return [lines[0], _clip(" ".join(lines[1:]), width - 4)]


def draw(catalogue: Catalogue, services: Sequence[str], *, format: Format = "png") -> Picture:
    """Draw the stacks of `services` (ids, one to four) and return the rendered file."""
    services = tuple(dict.fromkeys(services))
    if not 1 <= len(services) <= MAX_SERVICES:
        raise UsageError(f"draw one to {MAX_SERVICES} services side by side, not {len(services)}")
    unknown = [s for s in services if s not in catalogue.services]
    if unknown:
        raise UsageError(f"unknown service {unknown[0]!r} (known: {', '.join(sorted(catalogue.services))})")
    load_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    topics = tuple(t for t in catalogue.topic_order if all(t in catalogue.services[s].cells for s in services))
    differing = tuple(t for t in differing_topics(catalogue, services) if t in topics)
    notes: list[str] = []
    note_of: dict[tuple[str, str], int] = {}
    for topic in topics:
        for service in services:
            cell = catalogue.cell(service, topic)
            if cell.owner == "shared":
                note_of[(service, topic)] = len(notes) + 1
                where = catalogue.topics[topic].title
                if len(services) > 1:
                    where = f"{catalogue.services[service].name} · {where}"
                notes.append(f"[{len(notes) + 1}] {where}: {shared_note(cell)}")

    marks = MARK_W if len(services) > 1 else 0.0
    width = MARGIN * 2 + LABEL_W + len(services) * COLUMN_W + (len(services) - 1) * GAP_W + marks
    width = max(width, 6.4)
    stack_h = len(topics) * BAND_H
    fits = int((width - 2 * MARGIN) / 0.07)  # characters of 8-point DejaVu Sans across the figure
    note_lines = [line for note in notes for line in _wrap_note(note, fits)]
    notes_h = len(note_lines) * NOTE_LINE_H + (0.15 if notes else 0)
    height = MARGIN * 2 + TITLE_H + stack_h + LEGEND_H + notes_h

    figure = Figure(figsize=(width, height), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)  # the Agg canvas, without pyplot (no global state, no GUI backend)
    # One axes over the whole figure, in inches, y up: positions below are plain layout.
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()

    stack_bottom = MARGIN + notes_h + LEGEND_H
    stack_top = stack_bottom + stack_h
    left0 = MARGIN + LABEL_W
    names = [catalogue.services[s].name for s in services]
    title = " · ".join(names) if len(names) > 1 else f"{names[0]}: who owns each layer"
    axes.text(
        MARGIN,
        height - MARGIN,
        "AWS Shared Responsibility Model: who owns each layer, facilities up",
        fontsize=10,
        color="#555555",
        va="top",
        ha="left",
    )
    axes.text(MARGIN, height - MARGIN - 0.25, title, fontsize=15, fontweight="bold", color=INK, va="top", ha="left")

    rects: list[tuple[str, str, Owner, Any]] = []
    for column, service in enumerate(services):
        x = left0 + column * (COLUMN_W + GAP_W)
        heading = "\n".join(textwrap.wrap(catalogue.services[service].name, 24)[:2])
        axes.text(
            x + COLUMN_W / 2,
            stack_top + 0.1,
            heading,
            fontsize=11,
            fontweight="bold",
            color=INK,
            ha="center",
            va="bottom",
        )
        for row, topic in enumerate(topics):
            cell = catalogue.cell(service, topic)
            y = stack_bottom + row * BAND_H
            rect = Rectangle(
                (x, y + BAND_GAP / 2),
                COLUMN_W,
                BAND_H - BAND_GAP,
                facecolor=OWNER_COLOURS[cell.owner],
                edgecolor="none",
                linewidth=0,
                antialiased=False,
            )
            rect.set_gid(f"band-{service}-{topic}")
            axes.add_patch(rect)
            label = OWNER_WORDS[cell.owner]
            if (service, topic) in note_of:
                label += f" [{note_of[(service, topic)]}]"
            axes.text(
                x + COLUMN_W / 2,
                y + BAND_H / 2,
                label,
                fontsize=9,
                color=OWNER_TEXT[cell.owner],
                ha="center",
                va="center",
            )
            rects.append((service, topic, cell.owner, rect))
    for row, topic in enumerate(topics):
        y = stack_bottom + row * BAND_H + BAND_H / 2
        bold = topic in differing
        axes.text(
            left0 - 0.12,
            y,
            catalogue.topics[topic].title,
            fontsize=10,
            color=DIFFERS if bold else INK,
            fontweight="bold" if bold else "normal",
            ha="right",
            va="center",
        )
        if bold:
            x = left0 + len(services) * COLUMN_W + (len(services) - 1) * GAP_W + 0.1
            axes.text(x, y, "◀ line differs", fontsize=9, color=DIFFERS, fontweight="bold", ha="left", va="center")

    handles = [Patch(facecolor=OWNER_COLOURS[o], label=OWNER_WORDS[o]) for o in ("aws", "customer", "shared")]
    legend_y = (stack_bottom - LEGEND_H * 0.35) / height
    legend = axes.legend(
        handles=handles,
        loc="center left",
        bbox_to_anchor=(left0 / width, legend_y),
        ncol=3,
        frameon=False,
        fontsize=10,
        handlelength=1.6,
        borderaxespad=0,
    )
    if differing:
        axes.text(
            left0 + 3 * 1.25 + 0.2,
            stack_bottom - LEGEND_H * 0.35,
            "◀ the line differs between them",
            fontsize=10,
            color=DIFFERS,
            ha="left",
            va="center",
        )
    legend.set_gid("legend")
    for number, line in enumerate(note_lines):
        y = MARGIN + (len(note_lines) - number - 0.5) * NOTE_LINE_H
        indent = 0.0 if line.startswith("[") else 0.25
        axes.text(MARGIN + indent, y, line, fontsize=8, color=INK, ha="left", va="center")

    # Patch extents are plain transforms of fixed limits on a fixed-size figure: no draw needed.
    pixel_h = round(height * DPI)
    bands = []
    for service, topic, owner, rect in rects:
        extent = rect.get_window_extent()
        box = (round(extent.x0), pixel_h - round(extent.y1), round(extent.x1), pixel_h - round(extent.y0))
        bands.append(Band(service, topic, owner, box))
    buffer = io.BytesIO()
    # SVG keeps its words as text, not glyph outlines: a quarter of the size, half the time to
    # write, and the labels stay searchable and readable by a screen reader.
    with load_matplotlib().rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format=format, dpi=DPI, facecolor=BACKGROUND, metadata=_metadata(format))
    return Picture(
        data=buffer.getvalue(),
        format=format,
        width=round(width * DPI),
        height=pixel_h,
        services=services,
        topics=topics,
        bands=tuple(bands),
        differing=differing,
        notes=tuple(notes),
    )


def _metadata(format: Format) -> dict[str, Any]:
    """Reproducible files: no date stamp in the SVG, no software line varying by version."""
    if format == "svg":
        return {"Date": None, "Creator": "demarc"}
    return {"Software": "demarc"}


__all__ = [
    "FORMATS",
    "OWNER_COLOURS",
    "Band",
    "Picture",
    "PicturesUnavailable",
    "differing_topics",
    "draw",
    "format_for",
    "load_matplotlib",
    "shared_note",
]
