"""Glue shared by the listeners: answering, resolving check targets, and the failure guard.

Every listener body runs inside `guard`, so an exception becomes a logged reference id and
a polite message to the user; it never reaches Slack as a traceback and never stops the
app (Bolt runs each listener in its own task, and the guard keeps even that task tidy).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from bot.errors import DemarcError, UsageError
from handlers import blockkit, blocks
from handlers.deps import Deps, Pool

log = logging.getLogger("demarc.handlers")

#: reply(blocks, text): how a listener sends its result (respond, chat.postMessage, ...).
Reply = Callable[[list[dict[str, Any]], str], object]


def answer_question(
    deps: Deps, raw_text: str, *, shareable: bool = False, run_checks: bool = True, surface: str = "ephemeral"
) -> tuple[list[dict[str, Any]], str]:
    """Blocks for a question typed in Slack (wire-escaped text in, safe blocks out); several
    questions in it are answered in order, in one message (bot/conversation.py).

    `run_checks=False` leaves out the Run-check buttons (answers shared in a channel);
    `surface` ("message": posted by demarc, "ephemeral") picks the Right / Wrong control."""
    from bot.conversation import answer_message
    from handlers.replies import render_turn

    question, truncated = blockkit.clean_question(raw_text)
    turn = answer_message(deps.answerer, question)
    return render_turn(
        deps.answerer.catalogue,
        turn,
        lambda answer: render_one_answer(
            deps, answer, question, truncated=truncated, shareable=shareable, run_checks=run_checks, surface=surface
        ),
        modern=modern(deps),
    )


#: render_one(answer): one answer object as Block Kit, for `handlers.replies.render_turn`.
RenderOne = Callable[[dict[str, Any]], tuple[list[dict[str, Any]], str]]


def render_one_answer(
    deps: Deps,
    answer: dict[str, Any],
    message: str,
    *,
    truncated: bool = False,
    shareable: bool = False,
    run_checks: bool = True,
    surface: str = "ephemeral",
) -> tuple[list[dict[str, Any]], str]:
    """One answer of a message as Block Kit. Its Share button shares the whole `message`, which
    reads the same again (shareable answers are slash commands', which have no earlier context);
    its Right / Wrong control is about this answer and its own question."""
    from handlers.feedback_blocks import control_for, feedback_block

    control = control_for(deps.settings.feedback_control, surface)
    question = str(answer.get("question") or message)
    return blocks.render_answer(
        deps.answerer.catalogue,
        answer,
        truncated=truncated,
        shareable=shareable,
        share_value=share_value(message),
        run_checks=run_checks,
        modern=modern(deps),
        feedback=feedback_block(control, answer, question, surface),
    )


def modern(deps: Deps) -> bool:
    """DEMARC_BLOCK_KIT=2026: tables and rich text; classic: sections only."""
    return deps.settings.block_kit == "2026"


def share_value(question: str) -> str:
    """The Share button's value: `q:` and the question, within Slack's 2,000-character limit,
    which Slack counts in UTF-16 code units (an emoji is two)."""
    return "q:" + blockkit.clip_utf16(question, blockkit.MAX_BUTTON_VALUE - 2)


def answer_cell(deps: Deps, service: str, topic: str | None) -> tuple[list[dict[str, Any]], str]:
    """Blocks for one catalogue cell (or a whole service when `topic` is None), from a button."""
    try:
        answer = deps.answerer.answer_cell(service, topic)
    except KeyError:
        raise UsageError("that button refers to something this catalogue no longer has") from None
    return blocks.render_answer(deps.answerer.catalogue, answer, modern=modern(deps))


def answer_compare(deps: Deps, left_name: str, right_name: str) -> tuple[list[dict[str, Any]], str]:
    from bot.compare import compare, resolve_service

    catalogue, matcher = deps.answerer.catalogue, deps.answerer.matcher
    left = resolve_service(catalogue, matcher, left_name)
    right = resolve_service(catalogue, matcher, right_name)
    return blocks.render_comparison(catalogue, compare(catalogue, left, right), modern=modern(deps))


def resolve_checks(deps: Deps, target: str) -> list[str] | None:
    """Check ids for `/demarc check TARGET`: None (all), one check id, or a service's checks."""
    target = target.strip()
    if not target:
        return None
    known = deps.check_index.all_check_ids()
    if target.lower() in known:
        return [target.lower()]
    catalogue, matcher = deps.answerer.catalogue, deps.answerer.matcher
    try:
        from bot.compare import resolve_service

        service = resolve_service(catalogue, matcher, target)
    except UsageError:
        service = None
    ids = deps.check_index.checks_for_service(service) if service else []
    if ids:
        return ids
    what = f"no account checks cover {catalogue.services[service].name}" if service else f"unknown check {target!r}"
    raise UsageError(f"{what}; valid checks: {', '.join(known)} (or a service such as s3, iam, lambda)")


def run_checks(deps: Deps, check_ids: Sequence[str] | None, requested: str, reply: Reply) -> None:
    """Run a scan (slow: call from a job, never on the ack path) and reply with its report."""
    log.info("account checks started", extra={"checks": ",".join(check_ids or ["all"])})
    try:
        reports = deps.scan(check_ids, deps.settings.regions or None)
    except DemarcError as exc:
        reply(*blocks.render_notice(f"I could not run the checks: {blockkit.escape(str(exc))}", emoji=":warning:"))
        return
    reply(*blocks.render_check_reports(deps.answerer.catalogue, reports, requested=requested))
    log.info("account checks finished", extra={"accounts": len(reports)})


SCAN_BUSY = "A scan is already running in this channel, results will follow here; I did not start another."
SCAN_COOLDOWN = (
    "A scan started in this channel moments ago, results will follow here; ask again in a minute for a fresh one."
)
SCAN_FULL = (
    "{n} scans are already running or waiting, results will follow in their channels; "
    "I did not start another. Try again in a few minutes."
)


def start_scan(
    deps: Deps,
    channel: str | None,
    private: Reply,
    jobs: Pool,
    scan: Callable[[], object],
    before: Callable[[], object] | None = None,
) -> bool:
    """Queue `scan` unless this channel has one running or just started one, or
    `DEMARC_SCAN_CONCURRENCY` scans are already in flight; then say so, and start nothing.
    `before` runs once the scan is sure to start (a "Running..." notice)."""
    gate = deps.scan_gate
    assert gate is not None
    key = channel or "-"
    why = gate.try_start(key)
    if why is not None:
        log.info("scan not started", extra={"channel": channel, "why": why})
        text = {"running": SCAN_BUSY, "cooldown": SCAN_COOLDOWN}.get(why) or SCAN_FULL.format(n=gate.concurrency)
        private(*blocks.render_notice(text, emoji=":hourglass_flowing_sand:"))
        return False

    def run() -> None:
        try:
            scan()
        finally:
            gate.finish(key)

    try:
        if before is not None:
            before()
    except Exception:
        gate.finish(key)
        raise
    jobs.submit(run)
    return True


def guard(what: str, reply: Reply | None, fn: Callable[[], object]) -> None:
    """Run a listener body; turn any failure into a log line and a message without a traceback."""
    try:
        fn()
    except DemarcError as exc:
        log.info("user-facing error", extra={"where": what, "error": str(exc)})
        if reply is not None:
            _safe_reply(reply, blocks.render_notice(blockkit.escape(str(exc)), emoji=":warning:"))
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("listener failed", extra={"where": what, "reference": reference})
        if reply is not None:
            _safe_reply(reply, blocks.render_error(reference))


def _safe_reply(reply: Reply, message: tuple[list[dict[str, Any]], str]) -> None:
    try:
        reply(*message)
    except Exception:
        log.exception("could not tell the user about a failure")


def checks_allowed(deps: Deps, channel_id: str | None) -> bool:
    return deps.settings.checks_allowed_in(channel_id)
