"""Socket Mode against a local WebSocket endpoint: apps.connections.open on the fake Web API
returns a ws://127.0.0.1 URL served by the `websockets` package, which plays Slack's side
(hello, envelopes, a retried envelope) and records the acks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.server import Server, ServerConnection, serve

from bot.answer import Answerer
from handlers.app import build_app
from handlers.deps import Deps, Jobs
from handlers.server import SocketModeServer
from tests.slack.conftest import make_settings
from tests.slack.fakes import (
    APP_TOKEN,
    TEAM_ID,
    FakeCheckIndex,
    FakePosture,
    FakeScanner,
    FakeSlack,
    dm_event,
    event_body,
)
from tests.slack.helpers import visible_text


class FakeSocketSlack:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self._to_send: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self.server: Server = serve(self._handler, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self, ws: ServerConnection) -> None:
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP00001"}}))
        self.connected.set()
        sent = 0
        while True:
            with self._cond:
                pending = self._to_send[sent:]
            for envelope in pending:
                ws.send(json.dumps(envelope))
                sent += 1
            try:
                message = ws.recv(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:
                return
            with self._cond:
                self.acks.append(json.loads(message))
                self._cond.notify_all()

    def send(self, envelope: dict[str, Any]) -> None:
        with self._cond:
            self._to_send.append(envelope)

    def wait_acks(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.acks) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"acks so far: {self.acks}"
                self._cond.wait(remaining)
            return list(self.acks)


@pytest.fixture
def socket_slack() -> Iterator[FakeSocketSlack]:
    fake = FakeSocketSlack()
    fake.thread.start()
    yield fake
    fake.server.shutdown()


def test_socket_mode_answers_events_once_and_acks_every_envelope(
    slack: FakeSlack, socket_slack: FakeSocketSlack, answerer: Answerer
) -> None:
    slack.ws_url = f"ws://127.0.0.1:{socket_slack.port}/link?ticket=1"
    settings = make_settings(slack.api_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    assert settings.socket_mode
    scanner = FakeScanner()
    deps = Deps(settings=settings, answerer=answerer, scanner=scanner, check_index=FakeCheckIndex(),
                posture=FakePosture(), jobs=Jobs(1))
    server = SocketModeServer(build_app(settings, deps), str(settings.slack_app_token))
    server.connect()
    try:
        assert socket_slack.connected.wait(10)
        [open_call] = slack.of("apps.connections.open")
        assert open_call.headers.get("Authorization") == f"Bearer {APP_TOKEN}"

        body = json.loads(event_body(dm_event("who patches the OS on Fargate?"), event_id="EvSock1"))
        for attempt in range(3):  # first delivery, then two retries of the same event_id
            socket_slack.send({"envelope_id": f"env-{attempt}", "type": "events_api", "payload": body,
                               "accepts_response_payload": False, "retry_attempt": attempt,
                               "retry_reason": "timeout" if attempt else ""})
        command = {"team_id": TEAM_ID, "channel_id": "C0RANDOM01", "user_id": "U0USER0001", "command": "/demarc",
                   "text": "check", "response_url": slack.response_url("sock"), "api_app_id": "A0APP00001",
                   "trigger_id": "1.2.3"}
        socket_slack.send({"envelope_id": "env-cmd", "type": "slash_commands", "payload": command,
                           "accepts_response_payload": True})

        acks = socket_slack.wait_acks(4)
        assert sorted(a["envelope_id"] for a in acks) == ["env-0", "env-1", "env-2", "env-cmd"]
        [cmd_ack] = [a for a in acks if a["envelope_id"] == "env-cmd"]
        assert "DEMARC_CHECK_CHANNELS" in visible_text(cmd_ack["payload"]["blocks"])

        slack.wait_count("chat.postMessage")
        time.sleep(0.5)
        posts = slack.of("chat.postMessage")
        assert len(posts) == 1 and posts[0].body["channel"] == "D0DM000001"
        assert "*AWS*" in visible_text(posts[0].blocks)
        assert scanner.calls == []
    finally:
        server.stop()
        deps.shutdown()


def test_socket_mode_serves_healthz_for_container_health_checks(
    slack: FakeSlack, socket_slack: FakeSocketSlack, answerer: Answerer
) -> None:
    import socket as sockets
    import urllib.error
    import urllib.request

    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    slack.ws_url = f"ws://127.0.0.1:{socket_slack.port}/link?ticket=2"
    settings = make_settings(slack.api_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    deps = Deps(settings=settings, answerer=answerer, scanner=FakeScanner(), check_index=FakeCheckIndex(),
                posture=FakePosture(), jobs=Jobs(1))
    server = SocketModeServer(build_app(settings, deps), str(settings.slack_app_token), health_port=port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        assert socket_slack.connected.wait(10)
        deadline = time.monotonic() + 10
        status = 0
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    status = response.status
                    body = json.loads(response.read())
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert status == 200 and body == {"ok": True, "mode": "socket"}
    finally:
        server.stop()
        deps.shutdown()
    thread.join(10)


def test_socket_mode_health_is_503_while_disconnected() -> None:
    from handlers.server import make_health_wsgi

    seen: list[str] = []
    body = b"".join(make_health_wsgi(lambda: False)({"PATH_INFO": "/healthz"}, lambda status, _h: seen.append(status)))
    assert seen == ["503 Service Unavailable"] and b"not connected" in body


def test_socket_mode_applies_the_same_check_authorization(
    slack: FakeSlack, socket_slack: FakeSocketSlack, answerer: Answerer
) -> None:
    """A guest and a Slack Connect user are refused over Socket Mode too; a member's check runs."""
    from tests.slack.conftest import CHECK_CHANNEL
    from tests.slack.fakes import OTHER_TEAM_ID

    slack.ws_url = f"ws://127.0.0.1:{socket_slack.port}/link?ticket=1"
    slack.add_user("U0GUEST001", restricted=True)
    slack.add_user("U0CONNECT1", team_id=OTHER_TEAM_ID)
    settings = make_settings(slack.api_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    scanner = FakeScanner()
    deps = Deps(settings=settings, answerer=answerer, scanner=scanner, check_index=FakeCheckIndex(),
                posture=FakePosture(), jobs=Jobs(1))
    server = SocketModeServer(build_app(settings, deps), str(settings.slack_app_token))
    server.connect()
    try:
        assert socket_slack.connected.wait(10)
        for user in ("U0GUEST001", "U0CONNECT1"):
            command = {"team_id": TEAM_ID, "channel_id": CHECK_CHANNEL, "user_id": user, "command": "/demarc",
                       "text": "check", "response_url": slack.response_url(user), "api_app_id": "A0APP00001",
                       "trigger_id": "1.2.3"}
            socket_slack.send({"envelope_id": f"env-{user}", "type": "slash_commands", "payload": command,
                               "accepts_response_payload": True})
        socket_slack.wait_acks(2)
        for user, words in (("U0GUEST001", "Guest accounts"), ("U0CONNECT1", "another workspace")):
            [reply] = slack.wait_count(f"/response/{user}")
            assert words in reply.raw.decode()
        time.sleep(0.4)
        assert scanner.calls == []
        command = {"team_id": TEAM_ID, "channel_id": CHECK_CHANNEL, "user_id": "U0USER0001", "command": "/demarc",
                   "text": "check s3-public-access", "response_url": slack.response_url("member"),
                   "api_app_id": "A0APP00001", "trigger_id": "1.2.3"}
        socket_slack.send({"envelope_id": "env-member", "type": "slash_commands", "payload": command,
                           "accepts_response_payload": True})
        assert scanner.done.wait(10)
        assert scanner.calls == [(["s3-public-access"], None)]
    finally:
        server.stop()
        deps.shutdown()
