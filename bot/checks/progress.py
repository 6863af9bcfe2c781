"""A one-line progress display on stderr for long scans (TTY only).

`scanning [#####.....] 12/100 accounts done, 8 in flight, 1 failed (1,234/5,000 checks)`,
redrawn in place at most ten times a second. Reports written to stdout while it is shown
go through `write_above`, which clears the line, writes, and redraws it, so a terminal
shows each account's result as it finishes with the progress line under them.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.checks.runner import ScanProgress


class ProgressLine:
    """Redraws the scan's progress in place; at most ten redraws a second."""

    def __init__(self, stream: TextIO | None = None, *, interval: float = 0.1) -> None:
        self._stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._last = 0.0
        self._interval = interval
        self._drawn = False
        self._text = ""

    @staticmethod
    def render(state: ScanProgress) -> str:
        width = 20
        filled = width * state.units_done // max(state.units_total, 1)
        failed = f", {state.failed} failed" if state.failed else ""
        return (
            f"scanning [{'#' * filled}{'.' * (width - filled)}] {state.done}/{state.accounts} accounts done, "
            f"{state.in_flight} in flight{failed} ({state.units_done:,}/{state.units_total:,} checks)"
        )

    def __call__(self, state: ScanProgress) -> None:
        now = time.monotonic()
        final = state.done == state.accounts
        with self._lock:
            if not final and now - self._last < self._interval:
                return
            self._last = now
            self._text = self.render(state)
            self._draw()

    def _draw(self) -> None:
        self._stream.write(f"\r\033[K{self._text}")
        self._stream.flush()
        self._drawn = True

    def write_above(self, text: str, out: TextIO | None = None) -> None:
        """Write `text` to `out` (stdout) with the progress line kept below it."""
        out = out or sys.stdout
        with self._lock:
            if self._drawn:
                self._stream.write("\r\033[K")
                self._stream.flush()
            out.write(text)
            out.flush()
            if self._text:
                self._draw()

    def close(self) -> None:
        with self._lock:
            if self._drawn:
                self._stream.write("\r\033[K")
                self._stream.flush()
            self._drawn = False
            self._text = ""
