"""The one way demarc talks to the Slack Web API: one client factory, one retry policy.

Every WebClient (the Bolt app's, the posture post's, the Lambda posture job's) comes from
`build_client`, so they all point at `SLACK_API_URL` and retry the same things: connection
resets, 429 rate limits (honouring Retry-After) and 5xx answers, a few times each.
slack_sdk's default list retries connection errors only; rate limits need their own handler.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings

#: Seconds before a Web API call gives up (per attempt).
WEB_API_TIMEOUT = 15
CONNECTION_RETRIES = 2
RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 3


def retry_handlers() -> list[RetryHandler]:
    """The retry policy every client shares."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
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
