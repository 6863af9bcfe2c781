"""A fake Slack Web API on 127.0.0.1 (stdlib http.server in a thread) that records requests.

Like bolt-python's tests/mock_web_api_server: real HTTP, Slack-shaped JSON, every call
recorded so tests assert on what Slack received. `script(method, ...)` queues one-off
answers (a 429 with Retry-After, a 500) before the default success answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.calls: list[Call] = []
        self.delay = delay
        self.scopes = "chat:write,channels:read,groups:read,files:write,usergroups:read"
        self.channels: dict[str, dict[str, Any]] = {
            "C0POSTURE": {"id": "C0POSTURE", "name": "security", "is_member": True}
        }
        self.usergroups: list[dict[str, Any]] = [{"id": "S0SEC", "handle": "security-team"}]
        self._scripts: dict[str, deque[Reply]] = {}
        self._lock = threading.Lock()
        self._ts = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, method: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts.setdefault(method, deque()).extend(replies)

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def _body(self, handler: BaseHTTPRequestHandler) -> dict[str, Any]:
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        kind = handler.headers.get("Content-Type", "")
        if "json" in kind:
            return dict(json.loads(raw or b"{}"))
        if "form" in kind:
            out: dict[str, Any] = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
            for key in ("blocks",):
                if isinstance(out.get(key), str):
                    out[key] = json.loads(out[key])
            return out
        return {"_raw_bytes": len(raw)}

    def _default(self, method: str, body: dict[str, Any]) -> Reply:
        if method == "chat.postMessage":
            with self._lock:
                self._ts += 1
                ts = f"1700000000.{self._ts:06d}"
            return Reply(body={"ok": True, "channel": body.get("channel"), "ts": ts})
        if method == "conversations.info":
            channel = self.channels.get(str(body.get("channel")))
            if channel is None:
                return Reply(body={"ok": False, "error": "channel_not_found"})
            return Reply(body={"ok": True, "channel": channel}, headers={"x-oauth-scopes": self.scopes})
        if method == "usergroups.list":
            return Reply(body={"ok": True, "usergroups": self.usergroups})
        if method == "files.getUploadURLExternal":
            return Reply(
                body={"ok": True, "upload_url": self.url.replace("/api/", "/upload/F0FILE"), "file_id": "F0FILE"}
            )
        if method == "files.completeUploadExternal":
            return Reply(body={"ok": True, "files": [{"id": "F0FILE", "title": "posture"}]})
        if method == "files.info":
            return Reply(body={"ok": True, "file": {"id": "F0FILE"}})
        if method.startswith("upload/"):
            return Reply(body={"ok": True})
        return Reply(body={"ok": False, "error": "unknown_method"})

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.path.split("?")[0].removeprefix("/api/").lstrip("/")
        body = self._body(handler)
        with self._lock:
            self.calls.append(Call(method, body, dict(handler.headers.items()), time.monotonic()))
            queue = self._scripts.get(method)
            reply = queue.popleft() if queue else None
        if self.delay and method == "chat.postMessage":
            time.sleep(self.delay)
        reply = reply or self._default(method, body)
        payload = json.dumps(reply.body if reply.body is not None else {"ok": False}).encode()
        handler.send_response(reply.status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(payload)
