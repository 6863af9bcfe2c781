"""AWS Lambda entry points: `slack_handler` (Function URL / API Gateway), `posture_handler`
(EventBridge schedule), and the Organization variant's three Step Functions steps:
`org_enumerate_handler`, `org_account_handler` (one Distributed Map item: one account) and
`org_aggregate_handler` (one summary from the stored runs, posted once).

`slack_handler` serves the same Bolt app as `demarc serve`, built in Lambda mode (see
handlers/app.py): the ack goes back within Slack's 3 seconds and slow work runs in a lazy
listener, which Bolt's Lambda adapter starts by invoking this same function asynchronously
(InvocationType=Event) with the original request marked lazy-only. The app is built once per
container, on its first request, and reused while the container is warm.

Secrets come from the environment or, when absent, from Secrets Manager / Parameter Store
(bot/secrets.py), read once per container. State lives in DynamoDB (DEMARC_STATE=dynamodb://T).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.config import Settings, load_settings, require_slack
from bot.errors import ConfigError
from bot.secrets import slack_secrets

if TYPE_CHECKING:
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler

    from bot.clock import Clock

log = logging.getLogger("demarc.lambda")

#: Botocore settings for the lazy-listener Invoke call, which sits on the ack path.
INVOKE_CONNECT_TIMEOUT = 1
INVOKE_READ_TIMEOUT = 2

_handler: SlackRequestHandler | None = None
_lock = threading.Lock()


class PostureFailed(RuntimeError):
    """Raised for a failed posting attempt so Lambda's asynchronous retries try again."""


def lambda_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, with the Slack secrets filled in from AWS when not set there."""
    env = os.environ if env is None else env
    return load_settings({**env, **slack_secrets(env)})


#: Loggers that print whole AWS responses at DEBUG, Secrets Manager's and Parameter Store's included.
_CHATTY = ("botocore", "boto3", "urllib3")


def _configure_logging(settings: Settings) -> None:
    """Lambda's Python runtime starts the root logger at WARNING; demarc's INFO lines should show.

    DEMARC_LOG_LEVEL=DEBUG raises demarc's verbosity, never botocore's: at DEBUG botocore logs
    response bodies, which for GetSecretValue/GetParameters are the Slack secrets.
    """
    logging.getLogger().setLevel(settings.log_level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.INFO)


def _build_slack_handler() -> SlackRequestHandler:
    import boto3
    from botocore.config import Config
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler
    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

    from handlers.app import build_app
    from handlers.deps import Deps

    settings = lambda_settings()
    require_slack(settings)
    _configure_logging(settings)
    # No auth.test here: Bolt's authorization runs it on the first request and caches it.
    app = build_app(settings, Deps(settings=settings), verify_token=False, lambda_mode=True)
    handler = SlackRequestHandler(app)
    runner = app.listener_runner.lazy_listener_runner
    if isinstance(runner, LambdaLazyListenerRunner):
        # Made now (at cold start) with short timeouts, instead of on the first ack with 60 s ones.
        config = Config(
            connect_timeout=INVOKE_CONNECT_TIMEOUT,
            read_timeout=INVOKE_READ_TIMEOUT,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        signed = _signed_lazy_runner(str(settings.slack_signing_secret or ""))
        signed.lambda_client = boto3.session.Session().client("lambda", config=config)
        app.listener_runner.lazy_listener_runner = signed
    log.info("slack app ready", extra={"lambda_mode": True, "state": settings.state or "(none)"})
    return handler


def _signed_lazy_runner(secret: str) -> Any:
    """Bolt's Lambda lazy runner, with the function's own HMAC on the lazy marker
    (handlers/verify.py), so `slack_handler` can tell its own invocations from a caller's."""
    import json

    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

    from handlers.verify import LAZY_AUTH_HEADER, lazy_token

    class SignedLazyRunner(LambdaLazyListenerRunner):
        def start(self, function: Any, request: Any) -> None:
            if self.lambda_client is None:  # pragma: no cover - always set at cold start
                raise RuntimeError("no Lambda client for the lazy invocation")
            event: dict[str, Any] = request.context["lambda_request"]
            headers = event["headers"]
            name = str(request.lazy_function_name)
            headers["x-slack-bolt-lazy-only"] = "1"
            headers["x-slack-bolt-lazy-function-name"] = name
            headers[LAZY_AUTH_HEADER] = lazy_token(secret, name, headers, str(event.get("body") or ""))
            event["method"] = "NONE"
            invocation = self.lambda_client.invoke(
                FunctionName=request.context["aws_lambda_invoked_function_arn"],
                InvocationType="Event",
                Payload=json.dumps(event),
            )
            log.info("lazy listener invoked", extra={"function": name, "status": invocation.get("StatusCode")})

    return SignedLazyRunner(logging.getLogger("demarc.lambda"))


def _edge_check(handler: SlackRequestHandler, event: Mapping[str, Any]) -> str | None:
    """Why a request must be refused before Bolt sees it (None: pass it on).

    Slack's signature is checked here (a bad one is never parsed or logged); the lazy marker
    is honoured only with the function's own HMAC."""
    import base64
    import binascii

    from handlers.verify import has_lazy_marker, lazy_marker_genuine, verify

    secret = str(handler.app._signing_secret or "")
    headers = dict(event.get("headers") or {})
    for key, values in (event.get("multiValueHeaders") or {}).items():
        if values and key not in headers:
            headers[key] = values[0]
    raw_text = str(event.get("body") or "")
    if has_lazy_marker(headers):
        return None if lazy_marker_genuine(secret, headers, raw_text) else "lazy-listener marker from outside"
    try:
        raw = base64.b64decode(raw_text, validate=False) if event.get("isBase64Encoded") else raw_text.encode()
    except (binascii.Error, ValueError):
        return "body is not base64"
    return None if verify(secret, headers, raw) else "bad or missing signature"


def _slack() -> SlackRequestHandler:
    global _handler
    with _lock:
        if _handler is None:
            _handler = _build_slack_handler()
        return _handler


def reset() -> None:
    """Forget the built app (as a new container would); for tests and configuration reloads."""
    global _handler
    with _lock:
        _handler = None


def _response(status: int, body: str) -> dict[str, Any]:
    return {"statusCode": status, "body": body, "headers": {"Content-Type": "text/plain"}}


def slack_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Function URL / API Gateway (REST v1 or HTTP v2) entry point for Slack's requests.

    A misconfiguration answers 500 with one sentence in the log (never a secret); a body that
    is neither JSON nor form data answers 400, as `demarc serve` does.
    """
    try:
        handler = _slack()
    except ConfigError as exc:
        log.error("demarc is misconfigured: %s", exc)
        return _response(500, "demarc is misconfigured; see the function's log")
    why = _edge_check(handler, event) if isinstance(event, Mapping) else "not an HTTP event"
    if why is not None:
        log.info("unauthenticated request rejected", extra={"why": why})
        return _response(401, "Unauthorized")
    try:
        result: dict[str, Any] = handler.handle(event, context)  # type: ignore[no-untyped-call]
    except (ValueError, KeyError, TypeError):
        # Bolt parses the body before it verifies the signature; a garbled body is not from Slack.
        log.warning("unparseable request rejected")
        return _response(400, "Bad Request")
    return result


def event_clock(event: Mapping[str, Any]) -> Clock:
    """The instant a scheduled event stands for: EventBridge's `time`, else the system clock.

    A retried or delayed delivery of the 09:00 event still means the 09:00 summary: "today"
    is the day the schedule fired, not the day a retry happens to run (across midnight).
    """
    from bot.clock import SYSTEM_CLOCK, FixedClock, parse_instant

    when = event.get("time") if isinstance(event, Mapping) else None
    if isinstance(when, str) and when.strip():
        try:
            return FixedClock(parse_instant(when))
        except ValueError:
            log.warning("posture: the event's time %r is not ISO 8601; using the clock", when[:40])
    return SYSTEM_CLOCK


def posture_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """EventBridge schedule entry point: post today's posture summary to DEMARC_POSTURE_CHANNEL.

    Idempotent: the store claims (channel, local day) in DynamoDB before posting, so a
    duplicate EventBridge delivery, a retry or a second invocation the same day posts nothing.
    The day is the event's own `time`. A failed attempt raises, so Lambda's asynchronous
    retries run it again.
    """
    from handlers.posture import post_posture
    from handlers.slack_client import build_client

    settings = lambda_settings()
    _configure_logging(settings)
    if not settings.slack_bot_token:
        raise ConfigError("missing SLACK_BOT_TOKEN (or DEMARC_SECRET_ARN / DEMARC_SSM_PREFIX to read it from)")
    channel = settings.posture_channel
    if not channel:
        raise ConfigError("DEMARC_POSTURE_CHANNEL is not set: no channel to post the posture summary to")
    if not settings.state_location.shared:
        # /tmp is per container: SQLite there would forget yesterday's run and today's post.
        raise ConfigError("DEMARC_STATE must be dynamodb://TABLE on Lambda (deltas and posting once need it)")
    outcome = post_posture(build_client(settings), channel, settings, clock=event_clock(event))
    result = {"status": outcome.status, "reason": outcome.reason, "ts": outcome.ts}
    log.info("posture: %s", outcome)
    if outcome.status == "failed":
        raise PostureFailed(str(outcome))
    return result


# --- The Organization variant (Step Functions Distributed Map) -------------------------


def _shared_state_settings(*, slack: bool = False) -> Settings:
    """Settings for a Step Functions step; only the posting step reads the Slack secret."""
    settings = lambda_settings() if slack else load_settings()
    _configure_logging(settings)
    if not settings.state_location.shared:
        raise ConfigError("DEMARC_STATE must be dynamodb://TABLE on Lambda (the Map's items store their runs there)")
    return settings


def org_enumerate_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Step 1: the Organization's active accounts (ListAccounts; management or delegated
    administrator account only), as the Distributed Map's items."""
    from bot.posture.org import enumerate_accounts

    settings = load_settings()
    _configure_logging(settings)
    if not settings.org_role_name:
        raise ConfigError("DEMARC_ORG_ROLE_NAME is not set: no member role to assume in each account")
    accounts = enumerate_accounts(settings.org_role_name, region=(settings.regions or (None,))[0])
    log.info("org: %d active accounts", len(accounts))
    return {"accounts": accounts, "time": event.get("time") if isinstance(event, Mapping) else None}


def org_account_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Step 2, one Map item: assume the account's role, run every check, store the run."""
    from bot.posture.org import scan_account_item
    from bot.store import open_store

    settings = _shared_state_settings()
    store = open_store(settings)
    try:
        result = scan_account_item(settings, event, store, clock=event_clock(event))
    finally:
        store.close()
    log.info("org: account %s scanned: %s", result["account"], result["status"])
    return result


def org_aggregate_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Step 3: one posture summary from the latest stored run of every enumerated account,
    posted once to DEMARC_POSTURE_CHANNEL (the store's claim makes a retry post nothing)."""
    from bot.posture.org import not_scanned_since, stored_posture
    from bot.posture.owners import load_owners
    from handlers.posture import post_posture
    from handlers.slack_client import build_client

    settings = _shared_state_settings(slack=True)
    channel = settings.posture_channel
    if not settings.slack_bot_token or not channel:
        raise ConfigError("the Organization summary needs SLACK_BOT_TOKEN and DEMARC_POSTURE_CHANNEL")
    items = event.get("accounts") if isinstance(event, Mapping) else None
    accounts = [str(i["account"]) for i in items] if isinstance(items, list) else None
    clock = event_clock(event)
    owners = load_owners(settings.owners_file)  # a bad file fails before anything is read
    missing: list[str] = []

    def prepared(store: Any, posted_to: str) -> Any:
        wanted = accounts if accounts is not None else store.accounts()
        missing[:] = not_scanned_since(store, wanted, clock.now())
        fresh = [a for a in wanted if a not in set(missing)]
        return stored_posture(store, fresh, clock=clock, compare_with_channel=posted_to, owners=owners)

    outcome = post_posture(build_client(settings), channel, settings, clock=clock, prepared=prepared)
    accounts_in = len(outcome.run.summary.accounts) if outcome.run is not None else 0
    result = {
        "status": outcome.status,
        "reason": outcome.reason,
        "ts": outcome.ts,
        "accounts": accounts_in,
        "not_scanned": missing,
    }
    log.info("org posture: %s (%d accounts; not scanned this run: %s)", outcome, accounts_in, missing or "none")
    if outcome.status == "failed":
        raise PostureFailed(str(outcome))
    return result
