"""Listener-level tests: the callbacks `register()` attaches, called directly with fake
`ack`/`respond`/`client` (the bolt-python starter template's way), beside the end-to-end
tests that drive the same listeners over signed HTTP.

A recording stand-in for `App` captures what each `register(app, deps)` attaches, so these
tests exercise exactly the functions Bolt would call, without HTTP, signatures or threads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.answer import Answerer
from handlers import actions, commands, events
from handlers.blocks import ACTION_RUN_CHECK
from handlers.deps import Deps
from tests.slack.conftest import CHECK_CHANNEL, make_settings
from tests.slack.fakes import FakeCheckIndex, FakePosture, FakeScanner


class InlinePool:
    """A `Jobs` stand-in that runs work at once, so a test sees its effects on return."""

    def submit(self, fn: Callable[[], None]) -> None:
        fn()

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to stop."""


@dataclass
class RecordingApp:
    """What `register()` attaches, keyed by (kind, name): the first listener for each."""

    listeners: dict[tuple[str, str], Callable[..., Any]] = field(default_factory=dict)

    def _on(self, kind: str, name: object) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        key = (kind, getattr(name, "pattern", str(name)))

        def attach(fn: Callable[..., Any] | None = None, **_: Any) -> Callable[..., Any]:
            assert fn is not None, "register() attaches plain callbacks on a server"
            self.listeners.setdefault(key, fn)
            return fn

        return attach

    def command(self, name: str, **_: Any) -> Callable[..., Any]:
        return self._on("command", name)

    def event(self, name: str, **_: Any) -> Callable[..., Any]:
        return self._on("event", name)

    def action(self, name: object, **_: Any) -> Callable[..., Any]:
        return self._on("action", name)

    def find(self, kind: str, needle: str) -> Callable[..., Any]:
        return next(fn for (k, name), fn in self.listeners.items() if k == kind and needle in name)


@dataclass
class Recorder:
    """A fake `ack`, `respond` or `chat_postMessage`: records each call's keyword arguments."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args:
            kwargs["text"] = args[0]
        self.calls.append(kwargs)
        return {"ok": True, "ts": "1700000000.000001"}


class FakeClient:
    def __init__(self) -> None:
        self.chat_postMessage = Recorder()
        self.views_publish = Recorder()

    def auth_test(self) -> dict[str, Any]:
        return {"ok": True, "team_id": "T0TEAM0001", "user_id": "UBOT000001"}

    def users_info(self, user: str) -> dict[str, Any]:
        return {"ok": True, "user": {"id": user, "team_id": "T0TEAM0001", "is_restricted": False}}

    def conversations_info(self, channel: str) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": channel, "is_shared": False, "is_ext_shared": False}}


@pytest.fixture
def wired(answerer: Answerer) -> tuple[RecordingApp, Deps, FakeScanner]:
    scanner = FakeScanner()
    deps = Deps(
        settings=make_settings("http://127.0.0.1:9/api/"),
        answerer=answerer,
        scanner=scanner,
        check_index=FakeCheckIndex(),
        posture=FakePosture(),
        jobs=InlinePool(),  # type: ignore[arg-type]
        answers=InlinePool(),  # type: ignore[arg-type]
    )
    app = RecordingApp()
    for module in (commands, events, actions):
        module.register(app, deps)  # type: ignore[arg-type]
    return app, deps, scanner


def slash(text: str, channel: str = CHECK_CHANNEL) -> dict[str, Any]:
    return {"text": text, "channel_id": channel, "user_id": "U0USER0001", "team_id": "T0TEAM0001"}


def text_of(call: dict[str, Any]) -> str:
    return f"{call.get('text', '')} {call.get('blocks', '')}"


def test_a_question_is_acked_empty_then_answered_privately(wired: tuple[RecordingApp, Deps, FakeScanner]) -> None:
    app, _, scanner = wired
    ack, respond = Recorder(), Recorder()
    app.find("command", "/demarc")(ack=ack, body=slash("who patches the OS on Fargate?"), respond=respond,
                                  client=FakeClient())
    assert ack.calls == [{}]
    [reply] = respond.calls
    assert reply["response_type"] == "ephemeral" and "Fargate" in text_of(reply)
    assert scanner.calls == []


def test_help_rides_on_the_ack(wired: tuple[RecordingApp, Deps, FakeScanner]) -> None:
    app, _, _ = wired
    ack, respond = Recorder(), Recorder()
    app.find("command", "/demarc")(ack=ack, body=slash("help"), respond=respond, client=FakeClient())
    [acked] = ack.calls
    assert acked["response_type"] == "ephemeral" and "/demarc" in text_of(acked)
    assert respond.calls == []


def test_a_check_outside_the_allowed_channels_is_refused_without_a_scan(
    wired: tuple[RecordingApp, Deps, FakeScanner],
) -> None:
    app, _, scanner = wired
    ack, respond = Recorder(), Recorder()
    app.find("command", "/demarc")(ack=ack, body=slash("check", channel="C0ELSEWHERE"), respond=respond,
                                  client=FakeClient())
    assert "DEMARC_CHECK_CHANNELS" in text_of(ack.calls[0]) or "not enabled" in text_of(ack.calls[0])
    assert scanner.calls == [] and respond.calls == []


def test_a_check_in_an_allowed_channel_scans_and_posts_in_the_channel(
    wired: tuple[RecordingApp, Deps, FakeScanner],
) -> None:
    app, _, scanner = wired
    ack, respond = Recorder(), Recorder()
    app.find("command", "/demarc")(ack=ack, body=slash("check s3"), respond=respond, client=FakeClient())
    assert "Running" in ack.calls[0]["text"]
    assert scanner.calls and scanner.calls[0][0] is not None
    assert any(c["response_type"] == "in_channel" and "bucket-00000" in text_of(c) for c in respond.calls)


def test_a_mention_is_answered_in_its_thread(wired: tuple[RecordingApp, Deps, FakeScanner]) -> None:
    app, _, _ = wired
    client = FakeClient()
    event = {"type": "app_mention", "text": "<@UBOT000001> is the hypervisor on EC2 ours?", "channel": "C0GEN",
             "ts": "1700000000.000100", "user": "U0USER0001"}
    app.find("event", "app_mention")(event=event, client=client)
    [post] = client.chat_postMessage.calls
    assert post["channel"] == "C0GEN" and post["thread_ts"] == "1700000000.000100"
    assert "Virtualization" in text_of(post) or "hypervisor" in text_of(post).lower()


def test_bot_messages_in_a_dm_are_ignored(wired: tuple[RecordingApp, Deps, FakeScanner]) -> None:
    app, _, _ = wired
    client = FakeClient()
    answer_dm = app.find("event", "message")
    answer_dm(event={"type": "message", "channel_type": "im", "text": "hi", "bot_id": "B1", "channel": "D1"},
              client=client)
    answer_dm(event={"type": "message", "channel_type": "im", "text": "edited", "subtype": "message_changed",
                     "channel": "D1"}, client=client)
    assert client.chat_postMessage.calls == []
    answer_dm(event={"type": "message", "channel_type": "im", "text": "who encrypts data in S3?", "channel": "D1",
                     "user": "U0USER0001", "ts": "1.2"}, client=client)
    assert len(client.chat_postMessage.calls) == 1


def test_the_run_check_button_scans_only_in_an_allowed_channel(
    wired: tuple[RecordingApp, Deps, FakeScanner],
) -> None:
    app, _, scanner = wired
    run_check = app.find("action", ACTION_RUN_CHECK)
    body = {"actions": [{"action_id": ACTION_RUN_CHECK, "value": "s3-public-access"}],
            "channel": {"id": "C0ELSEWHERE"}, "container": {"channel_id": "C0ELSEWHERE"},
            "user": {"id": "U0USER0001"}}
    ack, respond = Recorder(), Recorder()
    run_check(ack=ack, body=body, respond=respond, client=FakeClient())
    assert ack.calls == [{}] and scanner.calls == []
    body["channel"] = {"id": CHECK_CHANNEL}
    body["container"] = {"channel_id": CHECK_CHANNEL}
    run_check(ack=Recorder(), body=body, respond=respond, client=FakeClient())
    assert scanner.calls == [(["s3-public-access"], None)]
