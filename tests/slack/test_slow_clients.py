"""Slow clients against `demarc serve` (issue 14, item 6): hundreds of loopback connections
that trickle a request (or send nothing) must not stop /healthz or a signed request from
answering within 3 s, and a slow-body client is cut off."""

from __future__ import annotations

import contextlib
import socket
import time
import urllib.request
from collections.abc import Iterator

from handlers.app import build_app
from handlers.server import HttpServer
from tests.slack.conftest import Running


def _slow_client_count() -> int:
    """More than the old connection limit (1,000) where the open-file limit allows, 300+ anyway."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 1100 if soft == resource.RLIM_INFINITY else max(320, min(1100, soft // 2 - 100))


SLOW_CLIENTS = _slow_client_count()


@contextlib.contextmanager
def slow_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections: half idle, half mid-way through a request body they never finish."""
    opened: list[socket.socket] = []
    try:
        for i in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:
                sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100000\r\n\r\n{\"a\":")
            opened.append(sock)
        yield opened
    finally:
        for sock in opened:
            sock.close()


def test_healthz_and_a_signed_request_answer_under_hundreds_of_slow_clients(running: Running) -> None:
    base = running.url.rsplit("/slack/events", 1)[0]
    with slow_clients(running.server.port, SLOW_CLIENTS):
        time.sleep(0.5)
        started = time.monotonic()
        with urllib.request.urlopen(base + "/healthz", timeout=3) as response:
            assert response.status == 200
        assert time.monotonic() - started < 3.0
        result = running.command("who patches the OS on Fargate?")
        assert result.status == 200 and result.elapsed < 3.0
        running.slack.wait_count("/response/cmd", 1, timeout=5)


def test_a_slow_body_is_cut_off(running: Running) -> None:
    """A client trickling one byte a second never goes idle; it is closed after max_read_seconds."""
    app = build_app(running.deps.settings, running.deps, verify_token=True)
    server = HttpServer(app, host="127.0.0.1", port=0, threads=4, channel_timeout=5, max_read_seconds=1.5)
    server.start_in_thread()
    try:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 8:
            try:
                sock.sendall(b"a")
                sock.settimeout(1.0)
                with contextlib.suppress(TimeoutError):
                    if sock.recv(1024) == b"":
                        closed = True
                        break
            except OSError:
                closed = True
                break
        assert closed, "the slow body was never cut off"
        assert time.monotonic() - started < 6
    finally:
        server.stop(timeout=2)
