"""A stdlib stand-in for the Lambda Invoke API on 127.0.0.1, recording every invocation.

Bolt's LambdaLazyListenerRunner starts a lazy listener by calling `lambda:Invoke`
(InvocationType=Event) with the request as payload; tests point the Lambda client here
(AWS_ENDPOINT_URL), then feed the recorded payload back into the handler, as Lambda would.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


@dataclass
class Invocation:
    function: str
    invocation_type: str
    payload: dict[str, Any]


class FakeLambda:
    def __init__(self) -> None:
        self.invocations: list[Invocation] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                # POST /2015-03-31/functions/{FunctionName}/invocations
                parts = self.path.split("/")
                if len(parts) >= 4 and parts[2] == "functions" and parts[-1] == "invocations":
                    with fake._lock:
                        fake.invocations.append(Invocation(
                            unquote(parts[3]), self.headers.get("X-Amz-Invocation-Type", "RequestResponse"),
                            json.loads(raw or b"{}"),
                        ))
                    self.send_response(202)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = b'{"message": "not found"}'
                self.send_response(404)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeLambda:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def take(self) -> list[Invocation]:
        with self._lock:
            taken, self.invocations = self.invocations, []
        return taken
