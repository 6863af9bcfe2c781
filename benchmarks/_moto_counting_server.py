"""moto_server that counts the API calls it answers, for the side-by-side benchmark.

    python benchmarks/_moto_counting_server.py PORT

Every request is counted by (service, operation), the service read from the SigV4
credential scope and the operation from `X-Amz-Target`, the query/form `Action`, or
the method and path of a REST call. `GET /bench-calls` answers the counts as JSON,
`POST /bench-calls/reset` zeroes them. Used as an HTTP proxy too (a client's
`HTTP_PROXY`), it answers the absolute-form requests itself, with the account id prefix
of s3control's host names (`123456789012.127.0.0.1`, which no resolver knows) dropped.
The test extension (tests/checks/moto_ext.py) is installed, as in every moto_server the
tests and benchmarks start.
"""

from __future__ import annotations

import io
import json
import re
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "checks"))

import moto_ext  # noqa: F401 - the test extension (pinned dates, SSM patch states)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

_ACCOUNT_HOST = re.compile(r"^\d{12}\.(127\.0\.0\.1|localhost)(:\d+)?$")
_SCOPE = re.compile(r"Credential=[^/]+/\d+/([a-z0-9-]+)/([a-z0-9-]+)/")


def operation(service: str, environ: dict[str, Any], body: bytes) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "Action" in query:
        return query["Action"][0]
    if body and "x-www-form-urlencoded" in str(environ.get("CONTENT_TYPE", "")):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    # REST: the method and the path with its names and ids left out, plus the sub-resource
    parts = str(environ.get("PATH_INFO", "")).split("/")
    for i, part in enumerate(parts):
        named = (service == "s3" and i == 1) or (i > 0 and parts[i - 1] in ("functions", "accesspoint", "tags"))
        if part and (named or re.search(r"[0-9]", part)):
            parts[i] = "{}"
    path = "/".join(parts)
    keys = "&".join(sorted(k for k in query if k not in ("prefix", "marker", "max-keys", "Marker", "MaxItems")))
    return f"{environ.get('REQUEST_METHOD')} {path}{'?' + keys if keys else ''}"


class Counting:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/bench-calls"):
            with self._lock:
                if environ.get("REQUEST_METHOD") == "POST":
                    self.calls.clear()
                payload = json.dumps(dict(self.calls)).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [payload]
        host = str(environ.get("HTTP_HOST", ""))
        if _ACCOUNT_HOST.match(host):  # s3control's <account id>.<host>, sent through the proxy
            environ["HTTP_HOST"] = host.split(".", 1)[1]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        scope = _SCOPE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        service = scope.group(2) if scope else "unsigned"
        with self._lock:
            self.calls[f"{service} {operation(service, environ, body)}"] += 1
        return self.app(environ, start_response)


if __name__ == "__main__":
    run_simple(
        "127.0.0.1",
        int(sys.argv[1]),
        Counting(DomainDispatcherApplication(create_backend_app)),
        threaded=True,
        request_handler=MotoRequestHandler,
    )
