"""Build the Bolt app: the shared WebClient (handlers.slack_client), verification on,
listeners registered.

On a long-running server every listener acks and queues its work (answers to `deps.answers`,
account checks to `deps.jobs`) before it returns, so Bolt runs listeners on the request
thread (`process_before_response=True`) and answers Slack the moment the listener returns.
With it False, Bolt would run each listener on another thread and poll for the ack every
10 ms, which put 10 ms on every acknowledgement and a thread hop under bursts.

`lambda_mode` is the AWS Lambda shape of the same app: the function is frozen the moment it
returns, so nothing may run after the response. There `process_before_response` is True (the
ack function finishes before Bolt answers) and slow work is a Bolt lazy listener, which the
Lambda adapter runs in a second, asynchronous invocation. Event de-duplication then needs a
memory shared by every container: DynamoDB when DEMARC_STATE is a dynamodb:// URL.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltError

from bot.config import Settings
from bot.errors import ConfigError
from handlers.dedupe import DedupeEvents
from handlers.deps import Deps
from handlers.listeners import register_listeners
from handlers.slack_client import build_client

log = logging.getLogger("demarc.app")

LISTENER_THREADS = 64


def build_app(
    settings: Settings,
    deps: Deps | None = None,
    *,
    verify_token: bool = True,
    dedupe: DedupeEvents | None = None,
    listener_threads: int = LISTENER_THREADS,
    lambda_mode: bool = False,
) -> App:
    """The demarc Bolt app. With `verify_token`, auth.test runs now and a bad token fails here.

    `lambda_mode` acks before answering and moves slow work to lazy listeners (see the module
    docstring); the caller wraps the app in Bolt's AWS Lambda adapter.
    """
    from handlers import log_safety

    log_safety.install()  # before Bolt logs anything: no bodies, no response_urls, bounded lines
    deps = deps or Deps(settings=settings)
    client = build_client(settings)
    if dedupe is None and (lambda_mode or settings.state_location.shared):
        # Replicas that share a DynamoDB state share the memory of answered events too.
        dedupe = lambda_dedupe(settings)
    try:
        app = App(
            client=client,
            signing_secret=str(settings.slack_signing_secret or ""),
            token_verification_enabled=verify_token,
            process_before_response=True,
            # Listeners return at once (work is queued or lazy), so Bolt's executor only runs
            # lazy listeners and the like; a modest pool will do.
            listener_executor=None
            if lambda_mode
            else ThreadPoolExecutor(listener_threads, thread_name_prefix="demarc-listener"),
            logger=logging.getLogger("slack_bolt"),
            # Bolt's own request verification stays on in HTTP mode (always on Lambda); Socket
            # Mode has no HTTP to sign.
            request_verification_enabled=lambda_mode or not settings.socket_mode or bool(settings.slack_signing_secret),
        )
    except BoltError as exc:
        raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN at start-up ({_short(exc)}); check the token") from exc
    except OSError as exc:
        raise ConfigError(f"could not reach Slack at {settings.slack_api_url} ({_short(exc)})") from exc

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        """Last line of defence: log it (no payload, it may hold user text) and carry on."""
        log.error(
            "unhandled listener error",
            exc_info=error,
            extra={"payload_type": body.get("type") if isinstance(body, dict) else None},
        )

    register_listeners(app, deps, dedupe=dedupe, lazy=lambda_mode)
    return app


def lambda_dedupe(settings: Settings) -> DedupeEvents:
    """Seen-event memory shared by every container or replica: the DynamoDB table when
    DEMARC_STATE names one (on Lambda, and for servers whose replicas share that state).

    Without it every container remembers only its own deliveries, so a retry that lands in
    another container is answered twice; said once, loudly, at cold start.
    """
    from bot.store import open_seen_events

    if settings.state_location.shared:
        return DedupeEvents(open_seen_events(settings))
    log.warning("DEMARC_STATE is not a dynamodb:// URL: event de-duplication is per container on Lambda")
    return DedupeEvents()


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
