"""Serving the Slack app: HTTP under waitress, or Socket Mode; graceful shutdown on SIGTERM.

Bolt's built-in development server (`app.start()`) handles one request at a time with a
tiny backlog and resets connections under a burst, so HTTP mode serves Bolt's WSGI adapter
under waitress: a thread pool sized for bursts, a listen backlog of 1024, a request-body
cap, no tracebacks in responses. `/slack/events` takes events, commands and interactivity;
`/healthz` answers load balancers and orchestrators without touching Slack.

This is the only module in bot/ that imports slack_bolt, and only inside functions, so the
core stays importable without it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import TYPE_CHECKING, Any

from bot.config import Settings

if TYPE_CHECKING:
    from slack_bolt import App

    from handlers.deps import Deps

log = logging.getLogger("demarc.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 48
#: Seconds a connection may send nothing before waitress closes it (Slack sends a request at once).
CHANNEL_TIMEOUT = 10
#: How often waitress sweeps for such connections (its default is 30 s).
CLEANUP_INTERVAL = 2
#: Open connections at most (less when the file-descriptor limit is lower); past it waitress
#: stops accepting until some close.
CONNECTION_LIMIT = 4000
#: Seconds one request may take to arrive in full (a slow-body client is cut off after this).
MAX_READ_SECONDS = 10.0
MAX_BODY_BYTES = 1_048_576  # Slack's payloads are far smaller; a bigger body is not from Slack

def default_connection_limit() -> int:
    """CONNECTION_LIMIT, or what the process's open-file limit leaves room for."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return 1000
    if soft == resource.RLIM_INFINITY:
        return CONNECTION_LIMIT
    return max(100, min(CONNECTION_LIMIT, int(soft) - 100))


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_wsgi(app: App, *, signing_secret: str | None = None) -> WsgiApp:
    """Route `/slack/events` to Bolt, `/healthz` to a constant, anything else to 404.

    Every POST to `/slack/events` is verified here first (handlers/verify.py): an unsigned,
    wrongly signed or stale request, or one whose timestamp is not a number, gets 401 and is
    never parsed or logged; a request carrying Bolt's lazy-listener marker from outside gets
    401 too (only AWS Lambda's own lazy invocations may carry it, and serve has none).
    """
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from handlers.verify import has_lazy_marker, verify

    bolt = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = app._signing_secret if signing_secret is None else signing_secret
    check_signatures = bool(secret)

    def unauthorized(start_response: Callable[..., Any], why: str) -> Iterable[bytes]:
        log.info("unauthenticated request rejected", extra={"path": EVENTS_PATH, "why": why})
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"Unauthorized"]

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [_health_body({"ok": True})]
        if path == EVENTS_PATH:
            headers = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
            if has_lazy_marker(headers):
                return unauthorized(start_response, "lazy-listener marker from outside")
            if check_signatures and environ.get("REQUEST_METHOD") == "POST":
                try:
                    length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY_BYTES)
                except ValueError:
                    length = 0
                raw = environ["wsgi.input"].read(length) if length > 0 else b""
                if not verify(secret, headers, raw):
                    return unauthorized(start_response, "bad or missing signature")
                environ = {**environ, "wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw))}
            try:
                return bolt(environ, start_response)
            except Exception:
                # A signed body that is neither JSON nor form data: answer without a traceback.
                log.warning("unparseable request body rejected", extra={"path": path})
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [b"Bad Request"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]

    return wsgi


def _health_body(status: dict[str, Any]) -> bytes:
    """The health answer with the process's counters (handlers/metrics.py): no store, no Slack."""
    import json

    from handlers.metrics import METRICS

    return json.dumps({**status, "metrics": METRICS.snapshot()}, separators=(",", ":")).encode()


def make_health_wsgi(healthy: Callable[[], bool]) -> WsgiApp:
    """Socket Mode has no HTTP endpoint of its own; this one tells orchestrators whether the
    WebSocket to Slack is up (200) or not (503), so a container health check fits both modes."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") != HEALTH_PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        if healthy():
            start_response("200 OK", [("Content-Type", "application/json")])
            return [_health_body({"ok": True, "mode": "socket"})]
        start_response("503 Service Unavailable", [("Content-Type", "application/json")])
        return [b'{"ok":false,"mode":"socket","error":"not connected to Slack"}']

    return wsgi


class HttpServer:
    """waitress around a WSGI app, startable in a thread (tests, benchmarks) or in the foreground."""

    def __init__(
        self,
        app: App | None,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        threads: int = HTTP_THREADS,
        wsgi: WsgiApp | None = None,
        channel_timeout: int = CHANNEL_TIMEOUT,
        connection_limit: int | None = None,
        max_read_seconds: float = MAX_READ_SECONDS,
    ) -> None:
        from waitress.server import create_server

        self.app = app
        if wsgi is None:
            assert app is not None, "an App or a WSGI callable is needed"
            wsgi = make_wsgi(app)
        self._server = create_server(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            backlog=1024,
            # Slow clients: waitress reads requests on its event loop (no worker thread per
            # connection), so what a flood of slow or idle connections exhausts is the
            # connection limit. A generous limit, a short inactivity timeout and a frequent
            # sweep keep /healthz and Slack's requests answering; the reverse proxy in front
            # bounds time per request body and connections per client (docs/slack.md).
            connection_limit=connection_limit or default_connection_limit(),
            channel_timeout=channel_timeout,
            cleanup_interval=max(1, min(channel_timeout, CLEANUP_INTERVAL)),
            # poll(), not select(): select() cannot watch a descriptor above 1023, and past
            # ~1,000 open connections the event loop died and took /healthz with it.
            asyncore_use_poll=True,
            max_request_body_size=MAX_BODY_BYTES,
            expose_tracebacks=False,
            ident="demarc",
        )
        self._install_slow_request_sweep(max_read_seconds)
        self._stopped = threading.Event()

    def _install_slow_request_sweep(self, max_read_seconds: float) -> None:
        """waitress closes idle connections; this also closes one that has been sending a single
        request for longer than `max_read_seconds` (a slow-body client trickling a byte at a time
        never goes idle). Runs in waitress's own sweep, with its `now`."""
        server = self._server
        idle_sweep = server.maintenance

        def maintenance(now: float) -> None:
            idle_sweep(now)
            for channel in list(server.active_channels.values()):
                if channel.requests or channel.request is None:
                    channel._demarc_read_since = None  # between requests, or being answered
                    continue
                since = getattr(channel, "_demarc_read_since", None)
                if since is None:
                    channel._demarc_read_since = now
                elif now - since > max_read_seconds:
                    channel.will_close = True

        server.maintenance = maintenance

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def serve_forever(self) -> None:
        log.info("http server listening", extra={"port": self.port, "path": EVENTS_PATH})
        try:
            self._server.run()
        except (OSError, ValueError):
            # stop() closes the sockets under the poll loop; that is how the loop ends.
            if not self._stopped.is_set():
                raise

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="demarc-http", daemon=True)
        thread.start()
        return thread

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, let in-flight requests finish (up to `timeout`), then close."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        server = self._server
        server.close()  # no new connections
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=timeout)
        for channel in list(server._map.values()):  # idle keep-alive connections end the loop
            with contextlib.suppress(OSError):
                channel.close()
        log.info("http server stopped")


class SocketModeServer:
    """Bolt's Socket Mode adapter on slack_sdk's built-in WebSocket client (no extra dependency).

    It calls apps.connections.open through the app's WebClient, so SLACK_API_URL applies.
    """

    def __init__(self, app: App, app_token: str, *, health_port: int | None = None) -> None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        self.handler = SocketModeHandler(app, app_token, logger=logging.getLogger("slack_sdk.socket_mode"))
        self._stopped = threading.Event()
        self._health: HttpServer | None = None
        if health_port is not None:
            self._health = HttpServer(None, port=health_port, threads=2, wsgi=make_health_wsgi(self.connected))

    def connected(self) -> bool:
        client = self.handler.client
        return not self._stopped.is_set() and bool(client.is_connected())

    def connect(self) -> None:
        self.handler.connect()  # type: ignore[no-untyped-call]
        log.info("socket mode connected")

    def serve_forever(self) -> None:
        if self._health is not None:
            self._health.start_in_thread()
        self.connect()
        self._stopped.wait()

    def stop(self, timeout: float = 10.0) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.handler.close()  # type: ignore[no-untyped-call]
        if self._health is not None:
            self._health.stop(timeout)
        log.info("socket mode closed")


def serve(settings: Settings, deps: Deps | None = None, *, verify_token: bool = True) -> int:
    """Run until SIGTERM/SIGINT: build the app, start the posture scheduler, serve, shut down."""
    from handlers.app import build_app
    from handlers.deps import Deps as DepsClass

    deps = deps or DepsClass(settings=settings)
    app = build_app(settings, deps, verify_token=verify_token)
    server: HttpServer | SocketModeServer
    if settings.socket_mode:
        server = SocketModeServer(app, str(settings.slack_app_token), health_port=settings.port)
    else:
        server = HttpServer(app, port=settings.port)

    scheduler = None
    if settings.posture_channel:
        # Say now, not at 9 a.m., if the summary could not be posted (bot not invited, archived
        # channel, missing scope); questions are still answered either way.
        from handlers.posture import check_posting_channel

        problem = check_posting_channel(app.client, settings.posture_channel)
        if problem:
            log.error("posture channel not reachable: " + problem, extra={"channel": settings.posture_channel})
        try:
            scheduler = deps.posture.start_scheduler(app.client, settings)
            log.info("posture scheduler started", extra={"channel": settings.posture_channel})
        except ImportError:
            log.warning("posture summary is not available in this build; no daily summary will be posted")

    stop_once = threading.Event()

    def shutdown(signum: int, _frame: FrameType | None) -> None:
        if stop_once.is_set():
            return
        stop_once.set()
        log.info("shutting down", extra={"signal": signal.Signals(signum).name})
        threading.Thread(target=server.stop, name="demarc-shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        server.serve_forever()
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        deps.answers.shutdown(wait=True)  # answers in flight are quick: let them reach the user
        deps.jobs.shutdown(wait=False)  # a scan may take minutes; do not hold the shutdown for it
        log.info("stopped")
    return 0
