"""Owners and routing: one thread reply per owner; the group is pinged only for new critical findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.config import Secret
from bot.posture import run_posture
from handlers.posture import post, post_posture
from handlers.slack_client import build_client as make_client
from tests.posture.helpers import CHANNEL, DAY1, DAY2, report, scan_of, settings
from tests.slack.fakes import FakeSlack

PAYMENTS, PLATFORM = "111122223333", "444455556666"
OWNERS = f"""
accounts:
  "{PAYMENTS}": "@payments-oncall"
  "{PLATFORM}": "@platform-oncall"
channels:
  "@platform-oncall": C0PLATFORM
"""


def _owners(tmp_path: Path) -> Path:
    path = tmp_path / "owners.yaml"
    path.write_text(OWNERS)
    return path


def test_each_finding_shows_its_owner_in_json(state_file: str, tmp_path: Path) -> None:
    cfg = settings(state_file, owners_file=_owners(tmp_path))
    run = run_posture(cfg, scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]}, account=PAYMENTS)))
    [line] = [json.loads(x) for x in run.json_lines()]
    [ports] = [r for r in line["results"] if r["check"] == "open-ports"]
    assert ports["findings"][0]["owner"] == "@payments-oncall"


def test_routing_posts_one_thread_per_owner(
    state_file: str, slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(post, "POST_INTERVAL", 0.0)
    slack.usergroups = [{"id": "S0PAY", "handle": "payments-oncall"}, {"id": "S0PLAT", "handle": "platform-oncall"}]
    cfg = settings(
        state_file,
        slack_bot_token=Secret("xoxb-test"),
        slack_api_url=slack.api_url,
        owners_file=_owners(tmp_path),
        posture_routing="thread",
    )
    client = make_client(cfg)
    day1 = [
        report({"s3-encryption": [("b", "global")]}, account=PAYMENTS),
        report({"s3-encryption": [("c", "global")]}, account=PLATFORM),
    ]
    first = post_posture(client, CHANNEL, cfg, scan=scan_of(*day1), clock=FixedClock(DAY1))
    _main, *replies = slack.of("chat.postMessage")
    assert len(replies) == 2 and all(r.body["thread_ts"] == first.ts for r in replies)
    text = json.dumps([r.body["blocks"] for r in replies])
    assert "@payments-oncall" in text and "@platform-oncall" in text and "subteam" not in text
    # a new critical finding for payments: only payments' group is pinged
    day2 = [
        report({"s3-encryption": [("b", "global")], "s3-public-access": [("b", "global")]}, account=PAYMENTS),
        report({"s3-encryption": [("c", "global")]}, account=PLATFORM),
    ]
    second = post_posture(client, CHANNEL, cfg, scan=scan_of(*day2), clock=FixedClock(DAY2))
    later = [c for c in slack.of("chat.postMessage") if c.body.get("thread_ts") == second.ts]
    assert len(later) == 2
    pay = [c for c in later if "payments" in json.dumps(c.body["blocks"]) or "S0PAY" in json.dumps(c.body["blocks"])]
    assert "<!subteam^S0PAY>" in json.dumps(pay[0].body["blocks"])
    assert all("S0PLAT" not in json.dumps(c.body["blocks"]) for c in later)


def test_channel_routing_posts_to_the_owners_channel(state_file: str, slack: FakeSlack, tmp_path: Path) -> None:
    cfg = settings(
        state_file,
        slack_bot_token=Secret("xoxb-test"),
        slack_api_url=slack.api_url,
        owners_file=_owners(tmp_path),
        posture_routing="channel",
    )
    reports = [
        report({"s3-encryption": [("b", "global")]}, account=PAYMENTS),
        report({"s3-encryption": [("c", "global")]}, account=PLATFORM),
    ]
    post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(*reports), clock=FixedClock(DAY1))
    channels = sorted(str(c.body["channel"]) for c in slack.of("chat.postMessage"))
    assert channels.count("C0PLATFORM") == 1 and channels.count(CHANNEL) == 2  # main post + payments' thread
