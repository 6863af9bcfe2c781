"""Slack's event retries must never produce a second answer.

Slack re-delivers an event (same `event_id`, `X-Slack-Retry-Num` 1-3; in Socket Mode the
envelope's `retry_attempt`) when it thinks the first delivery was not acknowledged in time,
which can happen while the first delivery is still being answered. So an event id is
claimed the moment it arrives, not when its answer is sent, and any later delivery of it is
acknowledged (so Slack stops retrying) and dropped.

The middleware is a global Bolt middleware, which runs after Bolt's signature check: a forged
request can never claim an event id. It works on the dispatched `BoltRequest`, so HTTP and
Socket Mode share it. The memory is pluggable (`SeenEvents`): per process by default (a
restart forgets; a retry that reaches a fresh process is answered once there), or a DynamoDB
table on AWS Lambda (bot/store/seen_dynamo.py), where every container is a fresh process.

A Bolt lazy listener on Lambda re-enters the app with the same body (and event id) marked
`lazy_only`; that is the work of the first delivery, not a retry, so it is never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.store.seen import EventIdCache, SeenEvents

log = logging.getLogger("demarc.dedupe")


class DedupeEvents(Middleware):
    """Acknowledge and drop any Events API delivery whose event_id was already claimed."""

    def __init__(self, cache: SeenEvents | None = None) -> None:
        self.cache: SeenEvents = cache or EventIdCache()

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if req.lazy_only:  # the lazy half of a delivery already claimed by its ack half
            return next()
        body = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and event_id and not self.cache.claim(event_id):
            retry = req.headers.get("x-slack-retry-num", [""])[0] if req.headers else ""
            log.info("duplicate event dropped", extra={"event_id": event_id, "retry_num": retry, "mode": req.mode})
            return BoltResponse(status=200, body="")
        return next()
