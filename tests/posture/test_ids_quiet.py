"""Stable finding ids in the JSON and the Slack metadata; a day with no change is two lines."""

from __future__ import annotations

import json

from bot.checks.model import finding_id
from bot.clock import FixedClock
from bot.config import Secret
from bot.posture import run_posture
from handlers.posture import post_posture
from handlers.slack_client import build_client as make_client
from tests.posture.helpers import ACCOUNT, CHANNEL, DAY1, DAY2, DAY3, report, scan_of, settings
from tests.slack.fakes import FakeSlack


def test_finding_id_is_stable_and_depends_on_the_four_parts() -> None:
    one = finding_id("open-ports", ACCOUNT, "us-east-1", "sg-1")
    assert one == finding_id("open-ports", ACCOUNT, "us-east-1", "sg-1") and one.startswith("demarc-")
    others = {
        finding_id("s3-encryption", ACCOUNT, "us-east-1", "sg-1"),
        finding_id("open-ports", "999999999999", "us-east-1", "sg-1"),
        finding_id("open-ports", ACCOUNT, "eu-west-1", "sg-1"),
        finding_id("open-ports", ACCOUNT, "us-east-1", "sg-2"),
    }
    assert one not in others and len(others) == 4


def test_posture_json_carries_ids_in_results_new_and_fixed(state_file: str) -> None:
    cfg = settings(state_file)
    run_posture(cfg, scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]})), clock=FixedClock(DAY1))
    second = run_posture(cfg, scan=scan_of(report({"open-ports": [("sg-2", "us-east-1")]})), clock=FixedClock(DAY2))
    [line] = [json.loads(x) for x in second.json_lines()]
    expected = finding_id("open-ports", ACCOUNT, "us-east-1", "sg-2")
    [ports] = [r for r in line["results"] if r["check"] == "open-ports"]
    assert ports["findings"][0]["id"] == expected
    assert line["new"] == [{"id": expected, "check": "open-ports", "resource": "sg-2", "region": "us-east-1"}]
    assert line["fixed"][0]["id"] == finding_id("open-ports", ACCOUNT, "us-east-1", "sg-1")


def test_metadata_carries_ids_and_a_quiet_day_is_two_lines(state_file: str, slack: FakeSlack) -> None:
    cfg = settings(state_file, slack_bot_token=Secret("xoxb-test"), slack_api_url=slack.api_url)
    client = make_client(cfg)
    same = scan_of(report({"open-ports": [("sg-1", "us-east-1")], "s3-encryption": [("b", "global")]}))
    post_posture(client, CHANNEL, cfg, scan=same, clock=FixedClock(DAY1))
    first = slack.of("chat.postMessage")[0].body
    meta = first["metadata"]
    assert meta["event_type"] == "demarc_posture_summary"
    assert finding_id("open-ports", ACCOUNT, "us-east-1", "sg-1") in meta["event_payload"]["findings"]
    assert meta["event_payload"]["findings_total"] == 2
    post_posture(client, CHANNEL, cfg, scan=same, clock=FixedClock(DAY2))
    quiet = slack.of("chat.postMessage")[-1].body
    assert len(quiet["blocks"]) == 2 and "no change" in json.dumps(quiet["blocks"])
    assert "sg-1" not in json.dumps(quiet["blocks"])  # known findings are not repeated
    assert "2 known findings" in json.dumps(quiet["blocks"])
    post_posture(client, CHANNEL, cfg, scan=scan_of(report({})), clock=FixedClock(DAY3))
    changed = slack.of("chat.postMessage")[-1].body
    assert "Fixed" in json.dumps(changed["blocks"]) and len(changed["metadata"]["event_payload"]["fixed"]) == 2


def test_posture_json_results_carry_their_controls(state_file: str) -> None:
    run = run_posture(settings(state_file), scan=scan_of(report({"cloudtrail": [(ACCOUNT, "global")]})))
    [line] = [json.loads(x) for x in run.json_lines()]
    [trail] = [r for r in line["results"] if r["check"] == "cloudtrail"]
    assert trail["controls"] == {"cis_3.0.0": ["3.1"], "security_hub": ["CloudTrail.1"]}


def test_new_findings_carry_an_accept_risk_button(state_file: str) -> None:
    from handlers.posture.accept import ACTION_ACCEPT
    from handlers.posture.blocks import main_message

    cfg = settings(state_file)
    run_posture(cfg, scan=scan_of(report({})), clock=FixedClock(DAY1))
    run = run_posture(cfg, scan=scan_of(report({"open-ports": [("sg-9", "us-east-1")]})), clock=FixedClock(DAY2))
    blocks, _ = main_message(run.summary, day="2026-11-23")
    [buttons] = [b for b in blocks if b["type"] == "actions"]
    [button] = buttons["elements"]
    assert button["action_id"].startswith(ACTION_ACCEPT)
    assert json.loads(button["value"]) == {"c": "open-ports", "a": ACCOUNT, "g": "us-east-1", "r": "sg-9"}
