"""Posting to a fake Slack on loopback: once a day, retries on 429/5xx, failures never all-clear."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.checks.model import AccountReport
from bot.clock import FixedClock
from bot.config import Secret, Settings
from bot.errors import DemarcError
from bot.posture import run_posture  # noqa: F401
from bot.store import open_store
from handlers.posture import check_posting_channel, latest_summary_blocks, post, post_posture, start_scheduler
from handlers.slack_client import build_client as make_client
from tests.posture.helpers import CHANNEL, DAY1, DAY2, DAY3, all_errors, report, scan_of, settings
from tests.slack.fakes import Failure, FakeSlack

REPO = Path(__file__).resolve().parents[2]
OK = {"ok": True}


@pytest.fixture(autouse=True)
def no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post, "POST_INTERVAL", 0.0)


def slack_settings(state: str, fake: FakeSlack, **overrides: object) -> Settings:
    return settings(state, slack_bot_token=Secret("xoxb-test"), slack_api_url=fake.api_url, **overrides)


class CountingScan:
    def __init__(self, *reports: AccountReport) -> None:
        self.reports = list(reports)
        self.calls = 0

    def __call__(self) -> list[AccountReport]:
        self.calls += 1
        return list(self.reports)


def texts(fake: FakeSlack) -> list[str]:
    return [json.dumps(c.body) for c in fake.of("chat.postMessage")]


@pytest.mark.time_sensitive
def test_posts_once_a_day(state_file: str, slack: FakeSlack) -> None:
    cfg = slack_settings(state_file, slack)
    client = make_client(cfg)
    scan = CountingScan(report({"open-ports": [("sg-1", "us-east-1")]}))
    first = post_posture(client, CHANNEL, cfg, scan=scan, clock=FixedClock(DAY1))
    assert first.status == "posted" and first.ts
    [call] = slack.of("chat.postMessage")
    assert call.body["channel"] == CHANNEL and call.headers["Authorization"] == "Bearer xoxb-test"
    assert "sg-1" in json.dumps(call.body["blocks"])
    again = post_posture(client, CHANNEL, cfg, scan=scan, clock=FixedClock(DAY1.replace(hour=15)))
    assert again.status == "skipped" and "already posted" in again.reason
    assert scan.calls == 1  # a retried job does not even scan
    forced = post_posture(client, CHANNEL, cfg, scan=scan, clock=FixedClock(DAY1.replace(hour=16)), force=True)
    assert forced.status == "posted" and len(slack.of("chat.postMessage")) == 2
    assert post_posture(client, CHANNEL, cfg, scan=scan, clock=FixedClock(DAY2)).status == "posted"  # a new day


def test_a_429_is_retried_after_retry_after(state_file: str, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", Failure.of(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))
    cfg = slack_settings(state_file, slack)
    outcome = post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(report({})), clock=FixedClock(DAY1))
    assert outcome.status == "posted"
    first, second = slack.of("chat.postMessage")
    assert second.at - first.at >= 0.9
    assert first.body == second.body


def test_a_5xx_is_retried(state_file: str, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", Failure.of(500, {"ok": False, "error": "internal_error"}))
    cfg = slack_settings(state_file, slack)
    outcome = post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(report({})), clock=FixedClock(DAY1))
    assert outcome.status == "posted" and len(slack.of("chat.postMessage")) == 2


def test_a_failed_post_loses_nothing_and_is_retried(state_file: str, slack: FakeSlack) -> None:
    cfg = slack_settings(state_file, slack)
    client = make_client(cfg)
    assert (
        post_posture(
            client, CHANNEL, cfg, scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]})), clock=FixedClock(DAY1)
        ).status
        == "posted"
    )
    slack.fail("chat.postMessage", *[Failure.of(503, {"ok": False})] * 4)  # past the client's retries
    day2 = scan_of(report({"open-ports": [("sg-1", "us-east-1"), ("sg-2", "us-east-1")]}))
    failed = post_posture(client, CHANNEL, cfg, scan=day2, clock=FixedClock(DAY2))
    assert failed.status == "failed" and "503" in failed.reason
    [record] = open_store(state_file).posts(CHANNEL, "2026-11-23")
    assert record.status == "failed"
    retry = post_posture(client, CHANNEL, cfg, scan=day2, clock=FixedClock(DAY2.replace(hour=10)))
    assert retry.status == "posted"
    assert retry.run is not None
    # compared with what the channel last saw (day 1), not with the run whose post failed
    assert [d.key.resource for d in retry.run.summary.accounts[0].new] == ["sg-2"]
    assert "sg-2" in json.dumps(slack.of("chat.postMessage")[-1].body["blocks"])


@pytest.mark.time_sensitive
def test_a_scan_that_cannot_run_is_posted_as_a_failure_once(state_file: str, slack: FakeSlack) -> None:
    cfg = slack_settings(state_file, slack)
    client = make_client(cfg)

    def broken() -> list[AccountReport]:
        raise DemarcError("no AWS credentials found")

    outcome = post_posture(client, CHANNEL, cfg, scan=broken, clock=FixedClock(DAY1))
    assert outcome.status == "failed" and outcome.ts
    [notice] = texts(slack)
    assert "no AWS credentials" in notice and "not an all-clear" in notice and "All checks pass" not in notice
    assert post_posture(client, CHANNEL, cfg, scan=broken, clock=FixedClock(DAY1.replace(hour=10))).status == "failed"
    assert len(slack.of("chat.postMessage")) == 1  # one failure notice a day
    later = post_posture(client, CHANNEL, cfg, scan=scan_of(report({})), clock=FixedClock(DAY1.replace(hour=11)))
    assert later.status == "posted"  # the day's real summary still goes out


def test_every_check_erroring_is_a_failure_not_all_clear(state_file: str, slack: FakeSlack) -> None:
    cfg = slack_settings(state_file, slack)
    outcome = post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(all_errors()), clock=FixedClock(DAY1))
    assert outcome.status == "failed"
    [body] = texts(slack)
    assert "scan failed" in body and "not an all-clear" in body and "All checks pass" not in body
    [run] = open_store(state_file).recent_runs("111122223333", 5)
    assert run.status == "failed"  # the failed run is stored too


@pytest.mark.time_sensitive
def test_only_on_change_stays_quiet_and_accumulates(state_file: str, slack: FakeSlack) -> None:
    cfg = slack_settings(state_file, slack, posture_only_on_change=True)
    client = make_client(cfg)
    same = scan_of(report({"open-ports": [("sg-1", "us-east-1")]}))
    assert post_posture(client, CHANNEL, cfg, scan=same, clock=FixedClock(DAY1)).status == "posted"  # first look
    quiet = post_posture(client, CHANNEL, cfg, scan=same, clock=FixedClock(DAY2))
    assert quiet.status == "skipped" and "nothing changed" in quiet.reason
    assert len(slack.of("chat.postMessage")) == 1
    changed = post_posture(client, CHANNEL, cfg, scan=scan_of(report({})), clock=FixedClock(DAY3))
    assert changed.status == "posted" and changed.run is not None
    assert [d.key.resource for d in changed.run.summary.accounts[0].fixed] == ["sg-1"]


@pytest.mark.parametrize("configured", ["S0SEC", "@security-team"])
def test_a_new_critical_finding_mentions_the_group(state_file: str, slack: FakeSlack, configured: str) -> None:
    cfg = slack_settings(state_file, slack, posture_mention=configured)
    client = make_client(cfg)
    post_posture(
        client, CHANNEL, cfg, scan=scan_of(report({"s3-encryption": [("b", "global")]})), clock=FixedClock(DAY1)
    )
    assert "subteam" not in texts(slack)[0]
    # a bucket became public (critical) and SSH opened to the world (critical)
    spec = {
        "s3-encryption": [("b", "global")],
        "s3-public-access": [("b", "global")],
        "open-ports": [("sg-9", "us-east-1")],
    }
    post_posture(client, CHANNEL, cfg, scan=scan_of(report(spec)), clock=FixedClock(DAY2))
    body = slack.of("chat.postMessage")[-1].body
    assert body["text"].startswith("<!subteam^S0SEC>")
    assert "<!subteam^S0SEC>" in json.dumps(body["blocks"]) and "sg-9" in json.dumps(body["blocks"])
    # a new medium finding mentions nobody
    spec["s3-encryption"] = [("b", "global"), ("c", "global")]
    post_posture(client, CHANNEL, cfg, scan=scan_of(report(spec)), clock=FixedClock(DAY3))
    assert "subteam" not in texts(slack)[-1]


def test_overflow_goes_to_the_thread(state_file: str, slack: FakeSlack) -> None:
    cfg = slack_settings(state_file, slack)
    spec = {"open-ports": [(f"sg-{i:04d}", "us-east-1") for i in range(150)]}
    outcome = post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(report(spec)), clock=FixedClock(DAY1))
    main, *replies = slack.of("chat.postMessage")
    assert replies and all(r.body["thread_ts"] == outcome.ts for r in replies)
    listed = "".join(json.dumps(r.body["blocks"]) for r in replies)
    assert all(f"sg-{i:04d}" in listed for i in range(150))
    assert "full list is in the thread" in json.dumps(main.body["blocks"])


def test_thousands_of_findings_go_to_a_file(state_file: str, slack: FakeSlack) -> None:
    cfg = slack_settings(state_file, slack)
    spec = {"s3-encryption": [(f"bucket-{i:05d}", "global") for i in range(5000)]}
    outcome = post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(report(spec)), clock=FixedClock(DAY1))
    assert outcome.status == "posted"
    assert len(slack.of("chat.postMessage")) == 1
    [complete] = [c for c in slack.of("files.completeUploadExternal") if "Posture findings" in c.body["files"]]
    assert complete.body["thread_ts"] == outcome.ts and complete.body["channel_id"] == CHANNEL
    assert slack.of("/upload/F0FILE")


def uploads(slack: FakeSlack) -> list[tuple[dict[str, object], bytes]]:
    """(completeUploadExternal body, uploaded bytes) pairs, in order."""
    names = [c.body for c in slack.of("files.getUploadURLExternal")]
    raws = [c.raw for c in slack.of("/upload/")]
    completes = [c.body for c in slack.of("files.completeUploadExternal")]
    assert len(names) == len(raws) == len(completes)
    return [({**n, **c}, r) for n, c, r in zip(names, completes, raws, strict=True)]


def test_the_trend_chart_goes_into_the_thread(state_file: str, slack: FakeSlack) -> None:
    from tests.pictures import open_png
    from tests.slack.helpers import assert_within_limits

    cfg = slack_settings(state_file, slack)
    client = make_client(cfg)
    for day, ports in ((DAY1, 1), (DAY2, 3), (DAY3, 2)):
        spec = {"open-ports": [(f"sg-{i}", "us-east-1") for i in range(ports)]}
        outcome = post_posture(client, CHANNEL, cfg, scan=scan_of(report(spec)), clock=FixedClock(day))
        assert outcome.status == "posted"
    posts = slack.of("chat.postMessage")
    assert len(posts) == 3
    for call in posts:
        assert_within_limits(call.blocks)
    charts = uploads(slack)
    assert len(charts) == 3
    body, raw = charts[-1]
    assert body["filename"] == "posture-trend-2026-11-24.png"
    assert body["channel_id"] == CHANNEL and body["thread_ts"] == outcome.ts
    image = open_png(raw)
    assert image.size == (900, 360)
    assert int(str(body["length"])) == len(raw)


def test_a_failed_chart_upload_does_not_fail_the_post(
    state_file: str, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("files.getUploadURLExternal", Failure.of(200, {"ok": False, "error": "missing_scope"}))
    cfg = slack_settings(state_file, slack)
    outcome = post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(report({})), clock=FixedClock(DAY1))
    assert outcome.status == "posted" and outcome.ts
    assert len(slack.of("chat.postMessage")) == 1
    assert "uploading the trend chart failed" in caplog.text and "missing_scope" in caplog.text
    store = open_store(state_file)
    try:
        [record] = store.posts(CHANNEL, "2026-11-22")
    finally:
        store.close()
    assert record.status == "posted"  # a retry would not post the day twice


def test_without_matplotlib_the_post_goes_out_without_a_chart(
    state_file: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.diagram

    def missing() -> None:
        raise bot.diagram.PicturesUnavailable("drawing pictures needs matplotlib")

    monkeypatch.setattr(bot.diagram, "load_matplotlib", missing)
    cfg = slack_settings(state_file, slack)
    outcome = post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(report({})), clock=FixedClock(DAY1))
    assert outcome.status == "posted"
    assert not slack.of("files.getUploadURLExternal")


def test_a_failed_upload_says_where_the_rest_is(state_file: str, slack: FakeSlack) -> None:
    slack.fail("files.getUploadURLExternal", Failure.of(200, {"ok": False, "error": "missing_scope"}))
    cfg = slack_settings(state_file, slack)
    spec = {"s3-encryption": [(f"bucket-{i:05d}", "global") for i in range(5000)]}
    assert (
        post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(report(spec)), clock=FixedClock(DAY1)).status
        == "posted"
    )
    note = slack.of("chat.postMessage")[-1].body
    assert "files:write" in note["text"] and note["thread_ts"]


def run_replicas(
    count: int, state: str, fake: FakeSlack, extra_env: dict[str, str] | None = None
) -> list[dict[str, str]]:
    start = time.time() + 2.0
    env = {**os.environ, "PYTHONPATH": str(REPO), **(extra_env or {})}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.posture.replica", state, fake.api_url, str(start)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    return outs


@pytest.mark.slow
def test_replicas_sharing_sqlite_post_once(state_file: str, slack: FakeSlack) -> None:
    slack.delay = 0.3
    outcomes = run_replicas(3, state_file, slack)
    assert sorted(o["status"] for o in outcomes) == ["posted", "skipped", "skipped"]
    assert len(slack.of("chat.postMessage")) == 1
    # a retried job afterwards: still one post
    assert run_replicas(1, state_file, slack)[0]["status"] == "skipped"
    assert len(slack.of("chat.postMessage")) == 1


@pytest.mark.slow
def test_replicas_sharing_dynamodb_post_once(dynamo_url: str, slack: FakeSlack) -> None:
    slack.delay = 0.3
    outcomes = run_replicas(3, dynamo_url, slack, {"AWS_ENDPOINT_URL": os.environ["AWS_ENDPOINT_URL"]})
    assert sorted(o["status"] for o in outcomes) == ["posted", "skipped", "skipped"]
    assert len(slack.of("chat.postMessage")) == 1
    [record] = [p for p in open_store(dynamo_url).posts(CHANNEL, "2026-11-23") if p.status == "posted"]
    assert record.ts == next(o["ts"] for o in outcomes if o["status"] == "posted")


def test_check_posting_channel(slack: FakeSlack, state_file: str) -> None:
    client = make_client(slack_settings(state_file, slack))
    assert check_posting_channel(client, CHANNEL) is None
    assert check_posting_channel(client, None) is None
    problem = check_posting_channel(client, "C0PRIVATE")
    assert problem and "invite" in problem and "C0PRIVATE" in problem
    slack.channels["C0OLD"] = {"id": "C0OLD", "name": "old", "is_archived": True, "is_member": True}
    assert "archived" in (check_posting_channel(client, "C0OLD") or "")
    slack.channels["C0PUB"] = {"id": "C0PUB", "name": "pub", "is_member": False}
    assert "not a member" in (check_posting_channel(client, "C0PUB") or "")
    slack.scopes += ",chat:write.public"
    assert check_posting_channel(client, "C0PUB") is None
    slack.fail("conversations.info", Failure.of(200, {"ok": False, "error": "invalid_auth"}))
    assert "SLACK_BOT_TOKEN" in (check_posting_channel(client, CHANNEL) or "")
    assert not any(c.method == "chat.postMessage" for c in slack.calls)  # a probe posts nothing


def test_latest_summary_blocks_for_the_app_home(state_file: str, slack: FakeSlack) -> None:
    cfg = slack_settings(state_file, slack)
    assert latest_summary_blocks(cfg) is None
    client = make_client(cfg)
    post_posture(
        client, CHANNEL, cfg, scan=scan_of(report({"open-ports": [("sg-1", "us-east-1")]})), clock=FixedClock(DAY1)
    )
    post_posture(
        client, CHANNEL, cfg, scan=scan_of(report({"open-ports": [("sg-2", "us-east-1")]})), clock=FixedClock(DAY2)
    )
    blocks = latest_summary_blocks(cfg)
    assert blocks is not None and blocks[0]["type"] == "header"
    text = json.dumps(blocks)
    assert "2026-11-23" in text and "sg-2" in text and "Fixed" in text


def test_start_scheduler(state_file: str, slack: FakeSlack) -> None:
    cfg = slack_settings(state_file, slack)
    client = make_client(cfg)
    start_scheduler(client, replace(cfg, posture_channel=None)).shutdown()
    far = (time.gmtime().tm_hour + 12) % 24  # never within the catch-up window: nothing runs now
    scheduler = start_scheduler(client, replace(cfg, posture_cron=f"0 {far} * * *"))
    try:
        assert getattr(scheduler, "next_run", None) is not None
    finally:
        scheduler.shutdown()
