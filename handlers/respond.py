"""Answers through a `response_url` that do not get lost.

Bolt's `respond` posts once: a 429, a 5xx or an expired URL (404) and the answer is gone,
check results after a minute-long scan included. `Responder` has the same call shape, and:

1. posts with the shared retry policy (handlers/slack_client.py): connection errors, 429s
   after `Retry-After` (seconds or an HTTP date, capped), and 500/502/503/504 with backoff;
2. if the URL still refuses, falls back to the Web API: `chat.postMessage` for an in-channel
   message, `chat.postEphemeral` to the asker for a private one;
3. if that fails too, logs what was lost (where, for whom, what kind, the statuses), never
   the text.

Every wait is capped, so one channel's back-off holds one answer worker for seconds, not
minutes (and the answer pool has workers to spare; see handlers/deps.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from handlers.blockkit import downgrade, has_new_blocks
from handlers.slack_client import WEB_API_TIMEOUT, retry_handlers

log = logging.getLogger("demarc.respond")


@dataclass(frozen=True)
class Delivery:
    """What happened to one message: `status_code` 200 when it reached Slack by either path."""

    status_code: int
    via: str  # response_url, chat.postMessage, chat.postEphemeral, lost


class Responder:
    """A `respond` that retries, falls back to the Web API, and reports a loss."""

    def __init__(self, response_url: str | None, client: WebClient | None, *, channel: str | None,
                 user: str | None, timeout: int = WEB_API_TIMEOUT) -> None:
        self.response_url, self.client, self.channel, self.user = response_url, client, channel, user
        self.timeout = timeout

    def __call__(
        self,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        **extra: Any,
    ) -> Delivery:
        status = self._post_url(text, blocks, response_type, replace_original, delete_original, extra)
        if status == 400 and has_new_blocks(blocks):
            # A workspace or client that does not take tables, rich text or feedback buttons yet.
            blocks = downgrade(blocks or [])
            status = self._post_url(text, blocks, response_type, replace_original, delete_original, extra)
        if status == 200:
            return Delivery(200, "response_url")
        if delete_original or replace_original:
            # Nothing to fall back to: the original is only reachable through its response_url.
            log.warning("response_url update failed", extra={"status": status, "channel": self.channel,
                                                              "action": "delete" if delete_original else "replace"})
            return Delivery(status, "lost")
        fallback = self._fallback(text, blocks, response_type)
        if fallback is not None:
            return fallback
        log.error(
            "answer lost",
            extra={"channel": self.channel, "user": self.user, "response_type": response_type or "ephemeral",
                   "status": status, "blocks": len(blocks or [])},
        )
        return Delivery(status, "lost")

    def _post_url(self, text: str | None, blocks: list[dict[str, Any]] | None, response_type: str | None,
                  replace_original: bool | None, delete_original: bool | None, extra: dict[str, Any]) -> int:
        if not self.response_url:
            return 0
        try:
            webhook = WebhookClient(self.response_url, timeout=self.timeout, retry_handlers=retry_handlers(),
                                    logger=logging.getLogger("slack_sdk.webhook"))
            response = webhook.send(
                text=text, blocks=blocks, response_type=response_type, replace_original=replace_original,
                delete_original=delete_original, **extra,
            )
            return int(response.status_code)
        except Exception as exc:  # connection refused or reset after the retries
            log.warning("response_url unreachable", extra={"error": type(exc).__name__, "channel": self.channel})
            return 0

    def _fallback(self, text: str | None, blocks: list[dict[str, Any]] | None,
                  response_type: str | None) -> Delivery | None:
        if self.client is None or not self.channel:
            return None
        try:
            if response_type == "in_channel":
                self.client.chat_postMessage(channel=self.channel, text=text or "", blocks=blocks)
                method = "chat.postMessage"
            elif self.user:
                self.client.chat_postEphemeral(channel=self.channel, user=self.user, text=text or "", blocks=blocks)
                method = "chat.postEphemeral"
            else:
                return None
        except (SlackApiError, OSError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) and exc.response else None
            log.warning("Web API fallback failed",
                        extra={"channel": self.channel, "error": error or type(exc).__name__})
            return None
        log.info("answer delivered by fallback", extra={"channel": self.channel, "via": method})
        return Delivery(200, method)


def responder_for(body: dict[str, Any], client: WebClient | None) -> Responder:
    """The Responder for a slash command or an interaction payload."""
    if "command" in body or "channel_id" in body:
        return Responder(body.get("response_url"), client, channel=body.get("channel_id"), user=body.get("user_id"))
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    user = (body.get("user") or {}).get("id")
    return Responder(body.get("response_url"), client, channel=channel, user=user)


def reliable(respond: Any, body: dict[str, Any], client: WebClient | None) -> Any:
    """`respond` made reliable: a Responder when the payload has a response URL (every real
    Slack command and interaction); otherwise the given `respond` (tests calling listeners)."""
    return responder_for(body, client) if body.get("response_url") else respond
