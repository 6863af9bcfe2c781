"""Who may run account checks (issue 14, item 1), over real HTTP with signed requests.

Each refusal must reach the user as a message and cost zero scanner (AWS) calls; every
check request must leave one structured audit line; shared answers carry no Run-check button.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import pytest

from handlers.blocks import ACTION_RUN_CHECK, ACTION_SHARE
from tests.slack.conftest import CHECK_CHANNEL, Running, response_posts
from tests.slack.fakes import OTHER_TEAM_ID, FakeSlack

SETTLE = 0.4  # long enough for queued work to have reached the scanner, had it been queued


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "demarc.audit"]


def refusal_text(slack: FakeSlack, name: str = "cmd") -> str:
    slack.wait_count(f"/response/{name}")
    return "\n".join(json.dumps(p) for p in response_posts(slack, name))


def test_member_of_the_installing_team_runs_checks_and_is_audited(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="demarc.audit")
    assert running.command("check s3-public-access").status == 200
    running.slack.wait_count("/response/cmd", 1)
    assert running.scanner.done.wait(5)
    assert running.scanner.calls == [(["s3-public-access"], None)]
    [line] = audit_lines(caplog)
    assert (line.user, line.team, line.channel, line.what, line.result, line.reason) == (  # type: ignore[attr-defined]
        "U0USER0001", "T0TEAM0001", CHECK_CHANNEL, "check s3-public-access", "allowed", "allowed"
    )
    assert [c.body.get("user") for c in running.slack.of("users.info")] == ["U0USER0001"]
    assert [c.body.get("channel") for c in running.slack.of("conversations.info")] == [CHECK_CHANNEL]


@pytest.mark.parametrize(
    "who",
    ["slack-connect-user", "other-workspace-in-payload", "guest", "single-channel-guest", "unknown-user"],
)
def test_outsiders_and_guests_are_refused_with_a_message_and_no_aws_call(
    running: Running, caplog: pytest.LogCaptureFixture, who: str
) -> None:
    caplog.set_level(logging.INFO, logger="demarc.audit")
    slack, team, user = running.slack, "T0TEAM0001", "U0VISITOR1"
    if who == "slack-connect-user":
        slack.add_user(user, team_id=OTHER_TEAM_ID)
    elif who == "other-workspace-in-payload":
        slack.add_user(user)
        team = OTHER_TEAM_ID
    elif who == "guest":
        slack.add_user(user, restricted=True)
    elif who == "single-channel-guest":
        slack.add_user(user, ultra_restricted=True)
    assert running.command("check", user=user, team=team).status == 200
    text = refusal_text(slack)
    time.sleep(SETTLE)
    assert running.scanner.calls == []
    assert "did not look at AWS" in text
    reasons = {"guest": "guest", "single-channel-guest": "guest", "unknown-user": "lookup_failed"}
    expected = reasons.get(who, "other_team")
    [line] = audit_lines(caplog)
    assert (line.user, line.result, line.reason) == (user, "refused", expected)  # type: ignore[attr-defined]
    if expected != "lookup_failed":
        assert "DEMARC_CHECK_ALLOW" in text
    assert all(p.get("response_type") == "ephemeral" for p in response_posts(slack))


def test_slack_connect_channel_refuses_checks_posture_and_buttons(running: Running) -> None:
    running.slack.share_channel(CHECK_CHANNEL, external=True)
    running.command("check")
    running.command("posture", name="posture")
    running.action(ACTION_RUN_CHECK, "s3-public-access")
    for name in ("cmd", "posture", "act"):
        assert "shared with another organisation" in refusal_text(running.slack, name)
    time.sleep(SETTLE)
    assert running.scanner.calls == [] and running.posture.posted == []


def test_guest_clicking_run_check_or_asking_for_posture_is_refused(running: Running) -> None:
    running.slack.add_user("U0GUEST001", restricted=True)
    running.action(ACTION_RUN_CHECK, "s3-public-access", user="U0GUEST001")
    running.command("posture", user="U0GUEST001")
    assert "Guest accounts" in refusal_text(running.slack, "act")
    assert "Guest accounts" in refusal_text(running.slack, "cmd")
    time.sleep(SETTLE)
    assert running.scanner.calls == [] and running.posture.posted == []
    assert not [p for p in response_posts(running.slack, "act") if p.get("response_type") == "in_channel"]


@pytest.mark.parametrize(
    ("allow", "setup"),
    [("guests", "guest"), ("other-teams", "connect"), ("shared-channels", "shared")],
)
def test_demarc_check_allow_lets_each_case_through(
    start_app: Callable[..., Running], allow: str, setup: str
) -> None:
    running = start_app(env={"DEMARC_CHECK_ALLOW": allow})
    user = "U0USER0001"
    if setup == "guest":
        user = "U0GUEST001"
        running.slack.add_user(user, restricted=True)
    elif setup == "connect":
        user = "U0CONNECT1"
        running.slack.add_user(user, team_id=OTHER_TEAM_ID)
    else:
        running.slack.share_channel(CHECK_CHANNEL)
    running.command("check s3-public-access", user=user)
    assert running.scanner.done.wait(5)
    assert running.scanner.calls == [(["s3-public-access"], None)]


def test_check_users_allowlist_by_user_and_by_user_group(start_app: Callable[..., Running]) -> None:
    running = start_app(env={"DEMARC_CHECK_USERS": "U0OTHER001,S0SEC"})
    running.command("check", name="refused")  # U0USER0001: neither listed nor in S0SEC
    assert "DEMARC_CHECK_USERS" in refusal_text(running.slack, "refused")
    time.sleep(SETTLE)
    assert running.scanner.calls == []
    running.command("check", user="U0SECLEAD1", name="group")  # a member of S0SEC
    assert running.scanner.done.wait(5)
    # One scan a channel at a time: let the first finish (its results posted) before the next.
    gate = running.deps.scan_gate
    deadline = time.monotonic() + 10
    while gate is not None and gate.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)
    running.command("check", user="U0OTHER001", name="listed")
    running.slack.wait_for(lambda _: len(running.scanner.calls) >= 2)
    assert [c.body.get("usergroup") for c in running.slack.of("usergroups.users.list")] == ["S0SEC"]


def test_lookups_are_cached(running: Running) -> None:
    running.command("check", name="one")
    running.slack.wait_for(lambda _: len(running.scanner.calls) >= 1)
    running.command("check", name="two")
    running.slack.wait_count("/response/two", 1)
    assert len(running.slack.of("users.info")) == 1
    assert len(running.slack.of("conversations.info")) == 1


def test_shared_answer_carries_no_run_check_button(running: Running) -> None:
    question = "are S3 buckets public?"
    running.command(question, name="private")
    [private] = [json.loads(c.raw) for c in running.slack.wait_count("/response/private")]
    assert any(i.startswith(ACTION_RUN_CHECK) for i in _action_ids(private)), "the private answer offers a check"
    running.action(ACTION_SHARE, "q:" + question)
    [shared] = [p for p in (json.loads(c.raw) for c in running.slack.wait_count("/response/act"))
                if p.get("response_type") == "in_channel"]
    ids = _action_ids(shared)
    assert ids and not any(i.startswith(ACTION_RUN_CHECK) for i in ids)


def _action_ids(message: dict[str, object]) -> list[str]:
    blocks = message["blocks"]
    assert isinstance(blocks, list)
    return [str(e.get("action_id")) for b in blocks if b["type"] == "actions" for e in b["elements"]]
