"""Slack request signatures checked at the HTTP edge, before Bolt sees the request.

Bolt verifies too, but only after parsing the body (so garbage answered 400, a malformed
timestamp raised and answered 500 with a traceback) and it logs the whole rejected body,
`response_url`s included. Both edges (`demarc serve`'s WSGI app and the Lambda handler)
call `verify` first: anything unsigned, wrongly signed, stale, far-future or with a
timestamp that is not a number gets 401 and is never parsed or logged.

The Lambda lazy-listener marker (`x-slack-bolt-lazy-only`) is an unsigned header any caller
could add; `lazy_token` is an HMAC only the function can compute (it needs the signing
secret), attached by the function's own lazy invocation and checked on the way back in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from bot.clock import SYSTEM_CLOCK, Clock, epoch_seconds

#: Slack's replay window: a request older or newer than this is refused.
MAX_SKEW_SECONDS = 300
LAZY_HEADERS = ("x-slack-bolt-lazy-only", "x-slack-bolt-lazy-function-name")
LAZY_AUTH_HEADER = "x-demarc-lazy-auth"


def header(headers: Mapping[str, object], name: str) -> str:
    """A header by case-insensitive name, first value when it is a list."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            if isinstance(value, list | tuple):
                value = value[0] if value else ""
            return str(value)
    return ""


def verify(secret: str, headers: Mapping[str, object], body: bytes, clock: Clock = SYSTEM_CLOCK) -> bool:
    """True when the request is signed by Slack with `secret` within the window."""
    timestamp = header(headers, "x-slack-request-timestamp").strip()
    signature = header(headers, "x-slack-signature").strip()
    if not secret or not signature or not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    if abs(epoch_seconds(clock) - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def has_lazy_marker(headers: Mapping[str, object]) -> bool:
    return any(header(headers, name) for name in LAZY_HEADERS)


def lazy_token(secret: str, function: str, headers: Mapping[str, object], body: str) -> str:
    """The HMAC the function attaches to its own lazy invocation of `function`."""
    material = "\n".join(
        (
            "demarc-lazy-v1",
            function,
            header(headers, "x-slack-request-timestamp"),
            header(headers, "x-slack-signature"),
            hashlib.sha256(body.encode()).hexdigest(),
        )
    )
    return hmac.new(secret.encode(), material.encode(), hashlib.sha256).hexdigest()


def lazy_marker_genuine(secret: str, headers: Mapping[str, object], body: str) -> bool:
    """True when the lazy marker carries the function's own HMAC."""
    function = header(headers, "x-slack-bolt-lazy-function-name")
    given = header(headers, LAZY_AUTH_HEADER)
    if not secret or not function or not given:
        return False
    return hmac.compare_digest(lazy_token(secret, function, headers, body), given)
