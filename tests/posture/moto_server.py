"""A single-threaded moto server on 127.0.0.1, shared by this process and subprocesses.

Single-threaded on purpose: moto's backends have no per-item locks, while DynamoDB applies
each conditional write atomically. Serving one request at a time gives moto that same
guarantee, so races between replicas test demarc's conditional writes, not moto's.
"""

from __future__ import annotations

import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server


class MotoServer:
    def __init__(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=False, request_handler=MotoRequestHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
