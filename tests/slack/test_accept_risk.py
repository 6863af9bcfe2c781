"""Accept risk from Slack, over real HTTP against the fake Slack: button -> modal -> submit."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import time_machine

from bot.clock import FixedClock
from bot.posture import run_posture
from bot.store import open_store
from handlers.posture.accept import ACTION_ACCEPT, EXPIRY_BLOCK, EXPIRY_INPUT, REASON_BLOCK, REASON_INPUT, finding_value
from tests.posture.helpers import report, scan_of, settings
from tests.slack.conftest import CHECK_CHANNEL, Running
from tests.slack.fakes import TEAM_ID, post, sign

ACCOUNT = "111122223333"
FROZEN = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
SPEC = {"open-ports": [("sg-bastion", "us-east-1"), ("sg-other", "us-east-1")]}


def submission(view: dict[str, Any], reason: str, expiry: str, *, user: str = "U0USER0001") -> str:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "demarc-test"},
        "user": {"id": user, "username": "alice", "team_id": TEAM_ID},
        "api_app_id": "A0APP00001",
        "token": "legacy-verification-token",
        "trigger_id": "111.222.def",
        "view": {
            "id": "V0MODAL01",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {
                "values": {
                    REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": reason}},
                    EXPIRY_BLOCK: {EXPIRY_INPUT: {"type": "datepicker", "selected_date": expiry}},
                }
            },
        },
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def open_modal(running: Running, channel: str = CHECK_CHANNEL) -> dict[str, Any]:
    value = finding_value("open-ports", ACCOUNT, "us-east-1", "sg-bastion")
    assert running.action(ACTION_ACCEPT + ":0", value, channel=channel).status == 200
    [call] = running.slack.wait_count("views.open")
    view: dict[str, Any] = call.body["view"] if isinstance(call.body["view"], dict) else json.loads(call.body["view"])
    return view


def test_accept_from_slack_hides_until_expiry_then_fails_again(
    start_app: Callable[..., Running], tmp_path: Path
) -> None:
    state = str(tmp_path / "state.sqlite3")
    cfg = settings(state)
    scan = scan_of(report(SPEC, account=ACCOUNT))
    run_posture(cfg, scan=scan, clock=FixedClock(FROZEN - dt.timedelta(days=1)))
    with time_machine.travel(FROZEN, tick=True):
        running = start_app(env={"DEMARC_STATE": state})
        view = open_modal(running)
        assert view["callback_id"] and "sg-bastion" in json.dumps(view["blocks"])
        too_far = submission(view, "bastion host, IP-restricted by NACL", "2027-06-01")
        refused = post(running.url, too_far, "application/x-www-form-urlencoded", sign(too_far))
        assert refused.json()["response_action"] == "errors" and EXPIRY_BLOCK in refused.json()["errors"]
        body = submission(view, "bastion host, IP-restricted by NACL", "2026-12-01")
        ok = post(running.url, body, "application/x-www-form-urlencoded", sign(body))
        assert ok.status == 200 and "errors" not in str(ok.body)
    store = open_store(state)
    [accepted] = store.acceptances(ACCOUNT)
    assert (accepted.accepted_by, accepted.expires, accepted.source) == ("U0USER0001", "2026-12-01", "slack")
    store.close()
    during = run_posture(cfg, scan=scan, clock=FixedClock(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)))
    summary = during.summary.accounts[0]
    [ports] = [r for r in summary.results if r.check == "open-ports"]
    assert [f.resource for f in ports.findings] == ["sg-other"]
    assert [a.finding.resource for a in summary.accepted] == ["sg-bastion"] and not summary.fixed
    after = run_posture(cfg, scan=scan, clock=FixedClock(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)))
    back = after.summary.accounts[0]
    assert not back.accepted and [d.key.resource for d in back.new] == ["sg-bastion"]
    assert [e.kind for e in back.audit] == ["accepted", "expired"]
    assert json.loads(after.json_lines()[0])["audit"][1]["event"] == "expired"


def test_someone_who_may_not_run_checks_cannot_accept(start_app: Callable[..., Running], tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite3")
    running = start_app(env={"DEMARC_STATE": state})
    value = finding_value("open-ports", ACCOUNT, "us-east-1", "sg-bastion")
    assert running.action(ACTION_ACCEPT + ":0", value, channel="C0ELSEWHERE").status == 200
    [refusal] = running.slack.wait_count("/response/act")
    assert "DEMARC_CHECK_CHANNELS" in json.dumps(refusal.body)
    assert running.slack.of("views.open") == []
    # a forged submission naming a channel that may not run checks is refused too
    view = {
        "callback_id": "demarc_accept_risk_modal",
        "private_metadata": json.dumps(
            {
                "finding": {"c": "open-ports", "a": ACCOUNT, "g": "us-east-1", "r": "sg-bastion"},
                "channel": "C0ELSEWHERE",
            }
        ),
    }
    body = submission(view, "because", (dt.date.today() + dt.timedelta(days=5)).isoformat())
    refused = post(running.url, body, "application/x-www-form-urlencoded", sign(body))
    assert refused.json()["response_action"] == "errors"
    store = open_store(state)
    assert store.acceptances(ACCOUNT) == []
    store.close()
