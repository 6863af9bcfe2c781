"""Test doubles that speak real HTTP on 127.0.0.1: the one fake Slack Web API (for the
Slack, Lambda and posture tests alike) that records every call, request signing, payload
builders, and fake scanner/posture services.

Modelled on bolt-python's tests/mock_web_api_server: the real Bolt app and the real
slack_sdk WebClient talk to this server over loopback, so tests assert on exactly what
Slack would have received. `fail(method, ...)` queues one-off answers (a 429 with
Retry-After, a 500) before the default, Slack-shaped success.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.checks.model import AccountReport, CheckResult, Finding

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1111-2222-abcdefghijklmnopqrstuvwx"
APP_TOKEN = "xapp-1-A111-2222-abcdef0123456789"
TEAM_ID = "T0TEAM0001"
BOT_USER = "UBOT000001"
BOT_ID = "BBOT000001"
USER = "U0USER0001"
OTHER_TEAM_ID = "T0OTHER001"


@dataclass
class Call:
    """One request the fake Slack received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def blocks(self) -> list[dict[str, Any]]:
        value = self.body.get("blocks") or []
        return json.loads(value) if isinstance(value, str) else list(value)

    @property
    def text_blob(self) -> str:
        """Everything a user could read in this message, for assertions."""
        return json.dumps(self.blocks, ensure_ascii=False) + "\n" + str(self.body.get("text") or "")


@dataclass
class Failure:
    """A scripted answer: any status, headers and body (JSON text), served once."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"ok": false, "error": "ratelimited"}'

    @classmethod
    def of(cls, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Failure:
        return cls(status, dict(headers or {}), json.dumps(body))


class FakeSlack:
    """A stdlib HTTP server on loopback answering Web API methods and response URLs."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.ws_url = "ws://127.0.0.1:1/"
        self.auth_ok = True
        self.delay = 0.0  # seconds chat.postMessage takes (a slow Slack)
        self._ts = 0
        self._defaults()
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, payload = fake._handle(self.path, dict(self.headers.items()), raw)
                data = payload.encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # bursts of 50 must not be refused by the fake itself

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.api_url = self.url + "api/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}response/{name}"

    def _defaults(self) -> None:
        """What a fresh workspace holds: the posture channel, a user group, the granted scopes."""
        self.scopes = "chat:write,channels:read,groups:read,files:write,usergroups:read"
        self.channels: dict[str, dict[str, Any]] = {
            "C0POSTURE": {"id": "C0POSTURE", "name": "security", "is_member": True},
            "C0POSTURE1": {"id": "C0POSTURE1", "name": "security-posture", "is_member": True},
        }
        self.usergroups: list[dict[str, Any]] = [{"id": "S0SEC", "handle": "security-team"}]
        #: usergroups.users.list: members of each group.
        self.group_members: dict[str, list[str]] = {"S0SEC": ["U0SECLEAD1"]}
        #: users.info: every user the workspace knows; unknown ids answer user_not_found.
        self.users: dict[str, dict[str, Any]] = {
            uid: {"id": uid, "team_id": TEAM_ID, "name": uid.lower(), "is_bot": False, "deleted": False,
                  "is_restricted": False, "is_ultra_restricted": False}
            for uid in (USER, "U0SECLEAD1", "U0OTHER001")
        }
        #: The channel checks run in: internal, not shared (conversations.info).
        self.channels["C0CHECKS01"] = {"id": "C0CHECKS01", "name": "incidents", "is_member": True,
                                       "is_channel": True, "is_shared": False, "is_ext_shared": False,
                                       "is_org_shared": False, "is_pending_ext_shared": False}

    def add_user(self, user_id: str, *, team_id: str = TEAM_ID, restricted: bool = False,
                 ultra_restricted: bool = False) -> None:
        """A user as users.info describes them: a guest is restricted (multi-channel) or ultra
        restricted (single-channel); a Slack Connect user has their own organisation's team_id."""
        with self._lock:
            self.users[user_id] = {"id": user_id, "team_id": team_id, "name": user_id.lower(), "is_bot": False,
                                   "deleted": False, "is_restricted": restricted or ultra_restricted,
                                   "is_ultra_restricted": ultra_restricted}

    def share_channel(self, channel_id: str, *, external: bool = True, org: bool = False) -> None:
        """Make a channel shared: with another organisation (Slack Connect) or within the org."""
        with self._lock:
            info = self.channels.setdefault(channel_id, {"id": channel_id, "name": "shared", "is_member": True})
            info.update({"is_shared": True, "is_ext_shared": external, "is_org_shared": org})

    def fail(self, method: str, *failures: Failure) -> None:
        """The next calls to `method` get these failures, in order, before succeeding."""
        with self._lock:
            self.failures.setdefault(method, []).extend(failures)

    def _handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], str]:
        content_type = headers.get("Content-Type", "")
        body: dict[str, Any]
        if "json" in content_type:
            body = json.loads(raw or b"{}")
        elif "form" in content_type or not content_type:
            body = {k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode(errors="replace")).items()}
        else:  # a file upload's bytes
            body = {"_raw_bytes": len(raw)}
        call = Call(path, headers, body, raw)
        method = call.method
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
            pending = self.failures.get(method)
            failure = pending.pop(0) if pending else None
        if failure is not None:
            return failure.status, {"Content-Type": "application/json", **failure.headers}, failure.body
        if path.startswith("/response/"):
            return 200, {"Content-Type": "text/plain"}, "ok"
        if path.startswith("/upload/"):
            return 200, {"Content-Type": "text/plain"}, "OK"
        if self.delay and method == "chat.postMessage":
            time.sleep(self.delay)
        headers_out = {"Content-Type": "application/json"}
        if method == "conversations.info":
            headers_out["x-oauth-scopes"] = self.scopes
        return 200, headers_out, json.dumps(self._answer(method, body))

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            if not self.auth_ok:
                return {"ok": False, "error": "invalid_auth"}
            return {
                "ok": True,
                "url": "https://demarc-test.slack.com/",
                "team": "demarc test",
                "user": "demarc",
                "team_id": TEAM_ID,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            with self._lock:
                self._ts += 1
                ts = f"1700000000.{self._ts:06d}"
            return {"ok": True, "channel": body.get("channel"), "ts": ts}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.ws_url}
        if method == "conversations.info":
            channel = self.channels.get(str(body.get("channel")))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": channel}
        if method == "usergroups.list":
            return {"ok": True, "usergroups": self.usergroups}
        if method == "usergroups.users.list":
            group = str(body.get("usergroup"))
            if group not in self.group_members:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(self.group_members[group])}
        if method == "users.info":
            user = self.users.get(str(body.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": dict(user)}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.url}upload/F0FILE", "file_id": "F0FILE"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F0FILE", "title": "posture"}]}
        if method == "files.info":
            return {"ok": True, "file": {"id": "F0FILE"}}
        return {"ok": True}

    # ------------------------------------------------------------------ queries

    def of(self, method_or_prefix: str) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        if method_or_prefix.startswith("/"):
            return [c for c in calls if c.path.startswith(method_or_prefix)]
        return [c for c in calls if c.method == method_or_prefix]

    def user_visible(self) -> list[Call]:
        """Messages a user would see: chat.* posts, views and response-URL posts."""
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.path.startswith("/response/") or c.method.startswith(("chat.", "views."))]

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(list(self.calls)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    paths = [c.path for c in self.calls]
                    raise AssertionError(f"timed out waiting; calls so far: {paths}")
                self._cond.wait(remaining)
            return list(self.calls)

    def wait_count(self, method_or_prefix: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        self.wait_for(lambda _: len(self.of(method_or_prefix)) >= count, timeout)
        return self.of(method_or_prefix)

    def reset(self) -> None:
        """Forget the previous test: its calls, scripted failures and workspace changes."""
        with self._lock:
            self.calls.clear()
            self.failures.clear()
            self.auth_ok = True
            self.delay = 0.0
            self._defaults()


# ---------------------------------------------------------------------- signing and sending


def sign(body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(signature)}


@dataclass
class HttpResult:
    status: int
    body: str
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def post(url: str, body: str, content_type: str, headers: dict[str, str] | None = None) -> HttpResult:
    request = urllib.request.Request(
        url, data=body.encode(), method="POST", headers={"Content-Type": content_type, **(headers or {})}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return HttpResult(response.status, text, time.perf_counter() - started)
    except urllib.error.HTTPError as exc:
        return HttpResult(exc.code, exc.read().decode(), time.perf_counter() - started)


def command_body(text: str, *, channel: str = "C0CHECKS01", response_url: str, user: str = "U0USER0001",
                 team: str = TEAM_ID) -> str:
    return urllib.parse.urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "demarc-test",
            "channel_id": channel,
            "channel_name": "incidents",
            "user_id": user,
            "user_name": "alice",
            "command": "/demarc",
            "text": text,
            "api_app_id": "A0APP00001",
            "response_url": response_url,
            "trigger_id": "111.222.abc",
        }
    )


def event_body(event: dict[str, Any], *, event_id: str) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0APP00001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": TEAM_ID, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
            ],
        }
    )


def mention_event(text: str, *, channel: str = "C0GENERAL1", ts: str = "1700000000.000100") -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": "U0USER0001",
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }


def dm_event(text: str, *, channel: str = "D0DM000001", ts: str = "1700000000.000200") -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "user": "U0USER0001",
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }


def action_body(
    action_id: str, value: str, *, response_url: str, channel: str = "C0CHECKS01", ephemeral: bool = True,
    user: str = "U0USER0001", team: str = TEAM_ID,
) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "team_id": team},
        "api_app_id": "A0APP00001",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000300", "channel_id": channel,
                      "is_ephemeral": ephemeral},
        "trigger_id": "111.222.abc",
        "team": {"id": TEAM_ID, "domain": "demarc-test"},
        "channel": {"id": channel, "name": "incidents"},
        "response_url": response_url,
        "actions": [
            {"action_id": action_id, "block_id": "demarc_next", "value": value, "type": "button",
             "text": {"type": "plain_text", "text": "x"}, "action_ts": "1700000000.1"}
        ],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


# ---------------------------------------------------------------------- fake services


def sample_report(findings: int = 1, *, account: str = "123456789012") -> AccountReport:
    return AccountReport(
        account,
        ["us-east-1"],
        [
            CheckResult(
                "s3-public-access",
                "s3",
                "data",
                [Finding(f"bucket-{i:05d}", "us-east-1", "public by its ACL (AllUsers READ)") for i in range(findings)],
            ),
            CheckResult("s3-encryption", "s3", "encryption", []),
            CheckResult("cloudtrail", "cloudtrail", "logging", [], "AccessDenied: cloudtrail:DescribeTrails"),
        ],
    )


class FakeScanner:
    """Records each scan; optionally slow, to prove scans never delay the ack."""

    def __init__(self, report: AccountReport | None = None, *, delay: float = 0.0,
                 error: Exception | None = None) -> None:
        self.calls: list[tuple[list[str] | None, list[str] | None]] = []
        self.report = report or sample_report()
        self.delay = delay
        self.error = error
        self.done = threading.Event()

    def __call__(self, check_ids: Sequence[str] | None, regions: Sequence[str] | None) -> list[AccountReport]:
        self.calls.append((list(check_ids) if check_ids else None, list(regions) if regions else None))
        time.sleep(self.delay)
        self.done.set()
        if self.error is not None:
            raise self.error
        return [self.report]


class FakeCheckIndex:
    IDS = ("iam-password-policy", "s3-public-access", "s3-encryption", "cloudtrail", "lambda-runtime")

    def all_check_ids(self) -> list[str]:
        return list(self.IDS)

    def checks_for_service(self, service: str) -> list[str]:
        prefix = {"s3": "s3-", "iam": "iam-", "lambda": "lambda-", "cloudtrail": "cloudtrail"}.get(service)
        return [c for c in self.IDS if prefix and c.startswith(prefix)]


class FakePosture:
    def __init__(self) -> None:
        self.posted: list[tuple[str, bool]] = []
        self.scheduler_started = 0
        self.shutdowns = 0
        self.summary: list[dict[str, Any]] | None = [
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Posture 2026-11-23*: 2 new, 1 fixed"}}
        ]

    def post_posture(self, client: Any, channel: str, settings: Any, *, force: bool = False) -> object:
        self.posted.append((channel, force))
        client.chat_postMessage(channel=channel, text="posture summary", blocks=self.summary)
        return None

    def latest_summary_blocks(self, settings: Any) -> list[dict[str, Any]] | None:
        return self.summary

    def start_scheduler(self, client: Any, settings: Any) -> Any:
        self.scheduler_started += 1
        fake = self

        class Scheduler:
            def shutdown(self) -> None:
                fake.shutdowns += 1

        return Scheduler()
