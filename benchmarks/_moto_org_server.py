"""moto_server for the Organization benchmark, with throttling injected at the server.

    python benchmarks/_moto_org_server.py PORT

After `POST /bench-throttle/ACCOUNT`, requests signed with credentials of ACCOUNT to Lambda are answered 429
TooManyRequestsException half of the time (deterministically: every other request), as
a Lambda control plane over its 15 requests/s quota does. Other accounts are untouched.
"""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "checks"))

import moto_ext  # noqa: F401 - the SSM DescribeInstancePatchStates fake
from moto.iam.models import get_account_id_from
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/\d+/[a-z0-9-]+/([a-z0-9-]+)/")


class Throttle:
    def __init__(self, app: Any, account: str | None) -> None:
        self.app, self.account = app, account
        self._flip = itertools.cycle((True, False))
        self.throttled = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/bench-throttle/"):
            self.account = path.rsplit("/", 1)[1] or None
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [str(self.throttled).encode()]
        if self.account:
            match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
            ours = match and match.group(2) == "lambda" and get_account_id_from(match.group(1)) == self.account
            if ours and next(self._flip):
                self.throttled += 1
                body = b'{"__type":"TooManyRequestsException","message":"Rate exceeded"}'
                start_response(
                    "429 Too Many Requests",
                    [("Content-Type", "application/json"), ("x-amzn-ErrorType", "TooManyRequestsException")],
                )
                return [body]
        return self.app(environ, start_response)


if __name__ == "__main__":
    port = int(sys.argv[1])
    app = Throttle(DomainDispatcherApplication(create_backend_app), None)
    run_simple("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
