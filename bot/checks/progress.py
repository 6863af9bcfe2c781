"""A one-line progress display on stderr for long scans (TTY only)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class ProgressLine:
    """Redraws 'scanning: 12/45 checks' in place; at most ten redraws a second."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        with self._lock:
            if done < total and now - self._last < 0.1:
                return
            self._last = now
            width = 30
            filled = width * done // max(total, 1)
            self._stream.write(f"\rscanning [{'#' * filled}{'.' * (width - filled)}] {done}/{total} checks")
            self._stream.flush()
            self._drawn = True

    def close(self) -> None:
        with self._lock:
            if self._drawn:
                self._stream.write("\r\033[K")
                self._stream.flush()
