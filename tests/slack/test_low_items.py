"""Issue 14, item 7 (the low items), over real HTTP with signed requests: bots' mentions,
App Home publishes, the public "Asked:" line, the Share button's value, scan floods."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable

from bot.answer import Answerer
from bot.clock import FixedClock
from handlers import blockkit
from handlers.blocks import ACTION_SHARE
from handlers.deps import Deps, Jobs
from tests.slack.conftest import CHECK_CHANNEL, Running, make_settings, response_posts
from tests.slack.fakes import BOT_ID, FakeCheckIndex, FakePosture, FakeScanner, FakeSlack, mention_event


def _with_clock(start_app: Callable[..., Running], slack: FakeSlack, answerer: Answerer, clock: FixedClock,
                scanner: FakeScanner | None = None, **env: str) -> Running:
    settings = make_settings(slack.api_url, **env)
    scanner = scanner or FakeScanner()
    deps = Deps(settings=settings, answerer=answerer, scanner=scanner, check_index=FakeCheckIndex(),
                posture=FakePosture(), jobs=Jobs(2), clock=clock)
    running = start_app(deps=deps)
    running.scanner = scanner
    return running


def test_mentions_by_other_bots_and_by_demarc_itself_are_not_answered(running: Running) -> None:
    other_bot = mention_event("who patches the OS on EC2?") | {"bot_id": "B0OTHERBOT", "subtype": "bot_message"}
    own = mention_event("who patches the OS on EC2?", ts="1700000000.000101") | {"bot_id": BOT_ID}
    app_post = mention_event("who patches the OS on EC2?", ts="1700000000.000102") | {
        "bot_profile": {"id": "B0APP"}}
    for i, event in enumerate((other_bot, own, app_post)):
        assert running.event(event, event_id=f"EvBot{i}").status == 200
    running.event(mention_event("who patches the OS on EC2?", ts="1700000000.000103"), event_id="EvPerson")
    running.slack.wait_count("chat.postMessage", 1)
    time.sleep(0.5)
    [answer] = running.slack.of("chat.postMessage")
    assert answer.body["thread_ts"] == "1700000000.000103"


def test_app_home_is_published_once_a_minute_per_user(
    start_app: Callable[..., Running], slack: FakeSlack, answerer: Answerer
) -> None:
    clock = FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    running = _with_clock(start_app, slack, answerer, clock)
    opened = {"type": "app_home_opened", "user": "U0USER0001", "tab": "home", "channel": "D0DM000001"}
    for i in range(5):
        running.event(opened, event_id=f"EvHome{i}")
    running.event(opened | {"user": "U0OTHER001"}, event_id="EvHomeOther")
    running.slack.wait_count("views.publish", 2)
    time.sleep(0.4)
    assert sorted(c.body["user_id"] for c in slack.of("views.publish")) == ["U0OTHER001", "U0USER0001"]
    clock.advance(seconds=61)
    running.event(opened, event_id="EvHomeLater")
    running.slack.wait_count("views.publish", 3)


def test_asked_line_neutralises_markdown_bare_urls_and_rtl_overrides(running: Running) -> None:
    question = "who encrypts *S3* _data_ ~x~ `y` at evil.example.com https://evil.example/p \u202egnp.exe"
    running.action(ACTION_SHARE, "q:" + question)
    [shared] = [p for p in (json.loads(c.raw) for c in running.slack.wait_count("/response/act"))
                if p.get("response_type") == "in_channel"]
    [asked] = [e["text"] for b in shared["blocks"] if b["type"] == "context" for e in b["elements"]
               if e.get("text", "").startswith("Asked:")]
    assert "\u202e" not in asked
    assert "*S3*" not in asked and "_data_" not in asked and "`y`" not in asked
    assert "https://" not in asked and "evil.example.com" not in asked
    assert "S3" in asked and "evil" in asked  # still readable


def test_share_button_value_fits_2000_utf16_units(running: Running) -> None:
    question = "who patches the OS on Fargate? " + "😀" * 1500  # 1,500 characters past the BMP: 3,000 units
    running.command(question)
    [reply] = response_posts(running.slack) or [json.loads(c.raw) for c in running.slack.wait_count("/response/cmd")]
    values = [e["value"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
              if str(e.get("action_id")).startswith(ACTION_SHARE)]
    assert values, "the answer offers Share"
    assert all(blockkit.utf16_len(v) <= 2000 for v in values)


def test_a_flood_of_checks_in_one_channel_runs_one_scan(
    start_app: Callable[..., Running], slack: FakeSlack, answerer: Answerer
) -> None:
    clock = FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    scanner = FakeScanner(delay=1.0)
    running = _with_clock(start_app, slack, answerer, clock, scanner, DEMARC_SCAN_COOLDOWN="30")
    for i in range(40):
        assert running.command("check s3-public-access", name=f"c{i}").status == 200
    slack.wait_for(lambda _: len(slack.of("/response/")) >= 40, timeout=20)
    time.sleep(1.5)
    assert len(scanner.calls) == 1
    busy = [c for c in slack.of("/response/") if "already running" in c.raw.decode() or "moments ago" in
            c.raw.decode()]
    assert len(busy) == 39
    clock.advance(seconds=31)  # the cool-down is over and the first scan has finished
    running.command("check s3-public-access", name="later")
    slack.wait_for(lambda _: len(scanner.calls) == 2, timeout=10)


def test_scans_beyond_the_concurrency_limit_are_refused_without_aws_calls(
    start_app: Callable[..., Running], slack: FakeSlack, answerer: Answerer
) -> None:
    channels = ["C0CHECKS01", "C0CHECKS02", "C0CHECKS03"]
    for channel in channels[1:]:
        slack.channels[channel] = dict(slack.channels[CHECK_CHANNEL], id=channel)
    scanner = FakeScanner(delay=1.5)
    clock = FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    running = _with_clock(start_app, slack, answerer, clock, scanner, DEMARC_SCAN_CONCURRENCY="2",
                          DEMARC_CHECK_CHANNELS=",".join(channels))
    for i, channel in enumerate(channels):
        running.command("check", channel=channel, name=f"n{i}")
        time.sleep(0.3)
    [full] = slack.wait_count("/response/n2", 1, timeout=10)
    assert "already running or waiting" in full.raw.decode()
    time.sleep(0.3)
    assert len(scanner.calls) == 2
