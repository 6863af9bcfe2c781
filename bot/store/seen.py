"""The memory of Slack deliveries already acted on, so a retry or a replay acts once.

`SeenEvents` is what the Slack layer needs: claim an id, and learn whether it was new.
`EventIdCache` keeps ids in this process (a restart forgets); `bot.store.seen_dynamo`
keeps them in the shared DynamoDB table, for replicas and AWS Lambda.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Protocol


class SeenEvents(Protocol):
    """Claims event ids: True the first time an id is seen (within some time-to-live)."""

    def claim(self, event_id: str) -> bool: ...


class EventIdCache:
    """Thread-safe set of recently seen ids with a time-to-live and a size bound."""

    def __init__(self, ttl_seconds: float = 3600.0, max_size: int = 50_000) -> None:
        self._ttl = ttl_seconds
        self._max = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, event_id: str, now: float | None = None) -> bool:
        """True the first time `event_id` is seen (within the TTL), False for a repeat."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._seen:
                oldest, seen_at = next(iter(self._seen.items()))
                if now - seen_at <= self._ttl and len(self._seen) < self._max:
                    break
                del self._seen[oldest]
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)
