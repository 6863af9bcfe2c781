"""Posting the summary to Slack exactly once a day, however many replicas or retries.

The order is what makes it safe: scan and store first (so nothing is lost), then claim
(channel, local day, account set) in the shared store, post, and mark it posted with the
message ts. A failed post gives the claim back as `failed`, so the next attempt may post;
a process that dies mid-post leaves a claim whose lease runs out. A scan that could not
run is posted as a failure (once a day), never as an all-clear, and does not use up the
day's summary: a later successful run still posts it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.clock import SYSTEM_CLOCK, Clock, local_day
from bot.config import Settings
from bot.posture.outcome import PostOutcome
from bot.posture.render import render_text
from bot.posture.run import PostureRun, Scan, run_posture
from bot.posture.summary import PostureSummary
from bot.store import StateStore, open_store
from bot.store.records import SCAN_FAILED, PostKey, new_owner
from handlers.posture.blocks import (
    MAX_THREAD_MESSAGES,
    failure_blocks,
    main_message,
    message_metadata,
    notification_text,
    thread_messages,
)
from handlers.slack_client import slack_problem

log = logging.getLogger(__name__)

#: How long a claim protects a post in progress (posting with 429 retries takes seconds).
LEASE_SECONDS = 600.0
#: Pause between thread replies: chat.postMessage allows about one message a second a channel.
POST_INTERVAL = 1.0

_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


def mention_for(client: WebClient, handle: str | None) -> str | None:
    """`<!subteam^ID>` for DEMARC_POSTURE_MENTION: a group id, `here`/`channel`, or a handle
    looked up with usergroups.list (plain `@handle` text when that is not allowed)."""
    if not handle:
        return None
    value = handle.strip()
    if value.startswith("<!"):
        return value
    value = value.lstrip("@")
    if _GROUP_ID.match(value):
        return f"<!subteam^{value}>"
    if value in ("here", "channel", "everyone"):
        return f"<!{value}>"
    try:
        groups: list[dict[str, Any]] = client.usergroups_list().get("usergroups", [])
        for group in groups:
            if group.get("handle") == value:
                return f"<!subteam^{group['id']}>"
    except Exception as exc:  # no usergroups:read scope: mention as text rather than not at all
        log.warning("could not resolve user group @%s (%s); mentioning it as text", value, slack_problem(exc))
    return f"@{value}"


def _post(
    client: WebClient,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]],
    thread_ts: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> str:
    extra: dict[str, Any] = {"metadata": metadata} if metadata else {}
    response = client.chat_postMessage(
        channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, **extra
    )
    return str(response["ts"])


def _post_overflow(client: WebClient, channel: str, ts: str, summary: PostureSummary, day: str) -> None:
    """Every finding under the summary: thread replies, or one file when that would be a flood."""
    messages = thread_messages(summary)
    if len(messages) <= MAX_THREAD_MESSAGES:
        for number, blocks in enumerate(messages, 1):
            if number > 1:
                time.sleep(POST_INTERVAL)
            _post(client, channel, f"Posture findings, part {number} of {len(messages)}", blocks, ts)
        return
    try:
        client.files_upload_v2(
            channel=channel,
            thread_ts=ts,
            content=render_text(summary),
            filename=f"posture-{day}.txt",
            title=f"Posture findings {day}",
            initial_comment=f"All {summary.findings} findings ({len(messages)} messages' worth) in one file.",
        )
    except Exception as exc:  # the summary is posted; say where the rest is instead
        log.warning("posture: uploading the full findings failed: %s", slack_problem(exc))
        text = (
            f"The full list ({summary.findings} findings) did not fit in Slack messages and the file upload "
            f"failed ({slack_problem(exc)}; the app needs the files:write scope). Run `demarc posture` for it."
        )
        _post(client, channel, text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}], ts)


def upload_trend_chart(client: WebClient, channel: str, ts: str, state: StateStore, run: PostureRun, day: str) -> bool:
    """The trend chart (findings by severity, last runs) into the summary's thread; never raises.

    Skipped without matplotlib (the `pictures` extra); a failed upload is logged, the post stands.
    """
    from bot.diagram import PicturesUnavailable
    from bot.posture.chart import CHART_RUNS, trend_chart

    accounts = [a.account for a in run.summary.accounts]
    try:
        chart = trend_chart(state, accounts)
    except PicturesUnavailable as exc:
        log.info("posture: no trend chart: %s", exc)
        return False
    except Exception as exc:  # a drawing bug must not cost the day's post
        log.warning("posture: drawing the trend chart failed: %s: %s", type(exc).__name__, exc)
        return False
    try:
        client.files_upload_v2(
            channel=channel,
            thread_ts=ts,
            content=chart,
            filename=f"posture-trend-{day}.png",
            title=f"Posture trend {day}",
            alt_txt=f"Findings by severity over the last {CHART_RUNS} runs",
        )
    except Exception as exc:
        log.warning("posture: uploading the trend chart failed: %s", slack_problem(exc))
        return False
    return True


def send_summary(client: WebClient, channel: str, summary: PostureSummary, *, day: str, mention: str | None) -> str:
    """Post the main message (and the overflow in its thread); returns the main message's ts."""
    blocks, overflow = main_message(summary, day=day, mention=mention)
    text = notification_text(summary, day=day, mention=mention)
    ts = _post(client, channel, text, blocks, metadata=message_metadata(summary, day=day))
    if overflow:
        try:
            _post_overflow(client, channel, ts, summary, day)
        except Exception as exc:  # the day's summary is out; a retry would post it twice
            log.warning("posture: posting the full findings in the thread failed: %s", slack_problem(exc))
    return ts


def _post_failure(
    client: WebClient,
    channel: str,
    state: StateStore,
    day: str,
    reason: str,
    *,
    force: bool,
    run: PostureRun | None,
    clock: Clock,
) -> PostOutcome:
    """Tell the channel the scan failed, at most once a day; the outcome stays `failed` (retry due)."""
    key = PostKey(channel, day, SCAN_FAILED)
    owner = new_owner()
    if not state.claim_post(key, owner, now=clock.now().timestamp(), lease=LEASE_SECONDS, force=force):
        return PostOutcome("failed", f"the scan failed ({reason}); the failure notice is already posted", run=run)
    try:
        if run is not None:
            blocks, _ = main_message(run.summary, day=day)
            text = notification_text(run.summary, day=day)
        else:
            blocks, text = failure_blocks(reason, day=day), f"Posture summary {day}: the scan FAILED: {reason}"
        ts = _post(client, channel, text, blocks)
    except Exception as exc:
        state.release_post(key, owner, slack_problem(exc))
        return PostOutcome(
            "failed", f"the scan failed ({reason}) and so did posting that: {slack_problem(exc)}", run=run
        )
    state.finish_post(key, owner, ts, {})
    return PostOutcome("failed", f"the scan failed ({reason}); posted a failure notice", ts=ts, run=run)


def post_posture(
    client: WebClient,
    channel: str,
    settings: Settings,
    *,
    force: bool = False,
    scan: Scan | None = None,
    store: StateStore | None = None,
    clock: Clock = SYSTEM_CLOCK,
    prepared: Callable[[StateStore, str], PostureRun] | None = None,
) -> PostOutcome:
    """Run the posture and post it to `channel` unless today's summary is already there.

    `force` posts again on a day already posted (never over a post in progress). Never
    raises for Slack or scan failures: they come back as a `failed` outcome to retry.
    `prepared(store, channel)` builds the run instead of scanning (the Organization
    variant: the summary of the runs its Distributed Map stored).
    """
    now = clock.now()
    day = local_day(now, settings.timezone)
    state = store if store is not None else open_store(settings)
    try:
        if not force:
            done = [p for p in state.posts(channel, day) if p.status == "posted" and p.key.accounts != SCAN_FAILED]
            if done:
                return PostOutcome("skipped", f"the {day} summary is already posted in {channel} (ts {done[0].ts})")
        try:
            if prepared is not None:
                run = prepared(state, channel)
            else:
                run = run_posture(settings, scan=scan, store=state, clock=clock, compare_with_channel=channel)
        except Exception as exc:  # no credentials, AWS unreachable, or a bug: never an all-clear
            log.warning("posture: the scan failed: %s", exc)
            return _post_failure(client, channel, state, day, str(exc), force=force, run=None, clock=clock)
        if run.summary.failed:
            return _post_failure(
                client, channel, state, day, "every check failed to run", force=force, run=run, clock=clock
            )
        key = PostKey.of(channel, day, [a.account for a in run.summary.accounts])
        owner = new_owner()
        if not state.claim_post(key, owner, now=clock.now().timestamp(), lease=LEASE_SECONDS, force=force):
            return PostOutcome("skipped", f"another process is posting or has posted the {day} summary", run=run)
        if settings.posture_only_on_change and not force and not run.summary.changed:
            state.release_post(key, owner, None)
            return PostOutcome("skipped", "nothing changed since the last summary (posting only on change)", run=run)
        try:
            mention = mention_for(client, settings.posture_mention) if run.summary.new_critical else None
            ts = send_summary(client, channel, run.summary, day=day, mention=mention)
            if settings.posture_routing != "off" and not run.summary.quiet:
                from bot.posture.owners import load_owners
                from handlers.posture.routing import post_routed

                post_routed(client, channel, ts, run.summary, settings, load_owners(settings.owners_file))
        except Exception as exc:
            state.release_post(key, owner, slack_problem(exc))
            return PostOutcome("failed", f"posting to {channel} failed: {slack_problem(exc)}", run=run)
        state.finish_post(key, owner, ts, run.runs)
        upload_trend_chart(client, channel, ts, state, run, day)  # after the claim is settled: best effort
        return PostOutcome("posted", f"posted the {day} summary to {channel}", ts=ts, run=run)
    finally:
        if store is None:
            state.close()
