"""No request body and no `response_url` in any log line, at any level, from any library.

Bolt logs rejected requests in full (`Invalid request signature detected (... body: ...)` at
INFO), its Lambda adapter logs every incoming event at DEBUG, and its `request body:` lines
print payloads; a `response_url` in a log lets its reader post into the channel for 30
minutes. Filtering handlers would miss the Lambda runtime's own handler, so the sanitiser is a
log-record factory: every record, whoever logs it and wherever it goes, is rewritten when it
is made:

- from a logger outside demarc, anything from a body-ish marker on is withheld;
- `response_url` values and Slack webhook/response URLs are masked everywhere, and outside
  demarc's loggers every URL path but the Web API's (slack_sdk's webhook client logs the
  response URL it posts to);
- each message is capped at `MAX_MESSAGE` characters, so one request's log stays small.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MAX_MESSAGE = 2000
WITHHELD = "[request content withheld]"
URL_REDACTED = "[redacted-url]"

_BODY_MARKER = re.compile(
    r"(body\s*[:=]|incoming (event|request)\s*:|'body'|\"body\"|payload=|'headers'|\"headers\"|response_url)",
    re.IGNORECASE,
)
_RESPONSE_URL_VALUE = re.compile(r"(response_url[\"']?\s*(?:[:=]|%3A|%3D)\s*(?:%22|[\"'])?)([^\"'&\s,}]+)", re.I)
_SLACK_HOOK = re.compile(r"https?(?::|%3A)(?:/|%2F){2}hooks\.slack\.com[^\s\"'<>,}]*", re.IGNORECASE)

#: A URL path other than the Web API's (/api/METHOD): response URLs, webhooks, uploads.
_URL_PATH = re.compile(r"(https?://[^/\s'\"]+)(/(?!api/)[^\s'\",}]*)", re.IGNORECASE)

_installed = False
_lock = threading.Lock()


def sanitise(logger_name: str, message: str) -> str:
    if not logger_name.startswith("demarc"):
        found = _BODY_MARKER.search(message)
        if found:
            message = message[: found.start()] + WITHHELD
        message = _URL_PATH.sub(lambda m: m.group(1) + "/" + URL_REDACTED, message)
    message = _RESPONSE_URL_VALUE.sub(lambda m: m.group(1) + URL_REDACTED, message)
    message = _SLACK_HOOK.sub(URL_REDACTED, message)
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + f"... [{len(message) - MAX_MESSAGE} characters cut]"
    return message


def install() -> None:
    """Wrap the log-record factory once per process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: keep the template only
                message = str(record.msg)
            record.msg = sanitise(record.name, message)
            record.args = None
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
