"""Process-wide counters shown on `/healthz`: what happened since this process started.

Kept in memory (a health check must never wait for the store); the lasting counts are in
the store (`demarc feedback stats`). Every counter is present from the start, at 0, so a
dashboard can scrape a fixed shape.
"""

from __future__ import annotations

import threading

#: The counters `/healthz` always shows.
NAMES = ("feedback_right", "feedback_wrong", "feedback_corrections")


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = dict.fromkeys(NAMES, 0)

    def inc(self, name: str, by: int = 1) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + by

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


#: The process's counters (one app per process in production; tests read differences).
METRICS = Metrics()
