"""The one way demarc talks to the Slack Web API: one client factory, one retry policy.

Every WebClient (the Bolt app's, the posture post's, the Lambda posture job's) comes from
`build_client`, so they all point at `SLACK_API_URL` and retry the same things: connection
resets, 429 rate limits (honouring Retry-After) and 5xx answers, a few times each.
slack_sdk's default list retries connection errors only; rate limits need their own handler.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import BackoffRetryIntervalCalculator, HttpRequest, HttpResponse, RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.clock import SYSTEM_CLOCK, Clock, epoch_seconds
from bot.config import Settings

#: Seconds before a Web API call gives up (per attempt).
WEB_API_TIMEOUT = 15
CONNECTION_RETRIES = 2
RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 3


#: Longest single wait before a retry, whatever Retry-After says: a worker asleep for 40 s
#: is a worker not answering anyone else.
MAX_RETRY_WAIT = 3.0
#: Server errors worth another try (a gateway's 502/504 included).
RETRIED_STATUSES = frozenset({500, 502, 503, 504})
#: First wait after a server error, doubled per retry (slack_sdk's backoff, plus its jitter).
SERVER_ERROR_BACKOFF = 0.5


def retry_after_seconds(value: str | None, clock: Clock = SYSTEM_CLOCK, cap: float = MAX_RETRY_WAIT) -> float:
    """Seconds to wait for a `Retry-After` header: delta-seconds or an HTTP date, capped; 1 when
    absent or unreadable."""
    text = (value or "").strip()
    wait = 1.0
    if text.isascii() and text.isdigit():
        wait = float(text)
    elif text:
        try:
            when = email.utils.parsedate_to_datetime(text)
            wait = when.timestamp() - epoch_seconds(clock)
        except (TypeError, ValueError, IndexError, OverflowError):
            wait = 1.0
    return max(0.0, min(wait, cap))


class CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """429s retried after Retry-After (seconds or an HTTP date), never longer than `cap`.

    slack_sdk's own handler sleeps for whatever the header says and cannot read a date."""

    def __init__(self, max_retry_count: int = RATE_LIMIT_RETRIES, *, cap: float = MAX_RETRY_WAIT,
                 clock: Clock = SYSTEM_CLOCK, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.cap, self.clock, self.sleep = cap, clock, sleep

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("rate limited without a response")
        state.next_attempt_requested = True
        header = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        value = header[0] if isinstance(header, list) and header else header
        self.sleep(retry_after_seconds(str(value) if value else None, self.clock, self.cap) + random.random() / 10)
        state.increment_current_attempt()


class GatewayErrorRetryHandler(ServerErrorRetryHandler):
    """500, 502, 503 and 504 retried with backoff (slack_sdk's handler skips 502 and 504)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in RETRIED_STATUSES


def retry_handlers() -> list[RetryHandler]:
    """The retry policy every client shares (Web API and response URLs alike)."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        CappedRateLimitRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        GatewayErrorRetryHandler(
            max_retry_count=SERVER_ERROR_RETRIES,
            interval_calculator=BackoffRetryIntervalCalculator(backoff_factor=SERVER_ERROR_BACKOFF),
        ),
    ]


def build_client(settings: Settings) -> WebClient:
    """A WebClient with the bot token on `SLACK_API_URL` and the shared retry policy."""
    return WebClient(
        token=str(settings.slack_bot_token or ""),
        base_url=settings.slack_api_url,
        timeout=WEB_API_TIMEOUT,
        retry_handlers=retry_handlers(),
        logger=logging.getLogger("slack_sdk.web"),
    )


def slack_problem(exc: BaseException) -> str:
    """One line for a Slack failure: the API's error code when there is one."""
    if isinstance(exc, SlackApiError):
        error = exc.response.get("error") if exc.response is not None else None
        status = getattr(exc.response, "status_code", None)
        return f"Slack answered {error or 'an error'} (HTTP {status})"
    return f"{type(exc).__name__}: {exc}"
