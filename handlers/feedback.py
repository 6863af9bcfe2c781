"""Right / Wrong on answers: count the click, and on "wrong" ask (modal) what is right.

A click is acknowledged at once. "Right" is stored and counted, and the person gets a short
ephemeral thanks. "Wrong" is stored and counted, then opens the correction modal (its
trigger expires three seconds after the click); submitting the modal stores the correction
on the same record. Only the click's own context is stored: the user, team and
channel ids from the payload and the surface demarc rendered the answer for; never the
payload, the `response_url` or the trigger. Log lines name the record id and the verdict,
never the question.

Records older than DEMARC_FEEDBACK_RETENTION_DAYS lose their text on every write (by the
injected clock), so the purge needs no scheduler.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.feedback import Correction, FeedbackRecord, cutoff, iso, new_record
from handlers.deps import INLINE, Deps, Pool
from handlers.feedback_blocks import (
    ACTION_FEEDBACK,
    VIEW_FEEDBACK,
    answered_of,
    correction_modal,
    parse_value,
    submitted,
)
from handlers.metrics import METRICS, Metrics

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.store.feedback import FeedbackStore

log = logging.getLogger("demarc.feedback")

THANKS_RIGHT = "Thanks: counted as right."
THANKS_CORRECTION = "Thanks: your correction is saved for review."
NOT_YOURS = "This correction belongs to someone else's click."


def _str(value: Any) -> str | None:
    return str(value) if value else None


class FeedbackService:
    """Stores clicks and corrections in the posture store, purging old text as it writes."""

    def __init__(self, deps: Deps, *, clock: Clock | None = None, metrics: Metrics = METRICS) -> None:
        self.settings = deps.settings
        self.clock = clock or deps.clock
        self.metrics = metrics

    def _open(self) -> FeedbackStore:
        from bot.store.feedback import open_feedback_store

        return open_feedback_store(self.settings)

    def _write(self, record: FeedbackRecord) -> None:
        store = self._open()
        try:
            store.redact_feedback(cutoff(self.clock, self.settings.feedback_retention_days))
            store.save_feedback(record)
        finally:
            store.close()

    def record_of(self, body: dict[str, Any], data: dict[str, Any]) -> FeedbackRecord:
        """The click as a record: the value demarc rendered, and the payload's user, team and
        channel ids (nothing else of the payload)."""
        user = body.get("user") or {}
        container = body.get("container") or {}
        action = (body.get("actions") or [{}])[0]
        return new_record(
            clock=self.clock,
            retention_days=self.settings.feedback_retention_days,
            verdict="right" if data["v"] == "right" else "wrong",
            question=str(data.get("q") or ""),
            answered=answered_of(data),
            user=_str(user.get("id")),
            team=_str(user.get("team_id") or (body.get("team") or {}).get("id")),
            channel=_str((body.get("channel") or {}).get("id") or container.get("channel_id")),
            message=_str(container.get("message_ts") or action.get("action_ts")),
            surface=_str(data.get("f")),
        )

    def click(self, record: FeedbackRecord) -> None:
        self._write(record)
        self.metrics.inc(f"feedback_{record.verdict}")
        log.info("feedback", extra={"feedback_id": record.id, "verdict": record.verdict,
                                    "kind": record.answered.kind})

    def correct(self, record_id: str, user: str | None, fields: dict[str, str | None],
                fallback: FeedbackRecord | None) -> bool:
        """Store a correction on the user's own record; False when it is not theirs."""
        store = self._open()
        try:
            record = store.get_feedback(record_id) or fallback
            if record is None or (record.user is not None and record.user != user):
                return False
            service = fields.get("service")
            if service == record.answered.service:
                service = None  # the answer's own service: implied, not a correction
            correction = Correction(service=service, topic=fields.get("topic"), owner=fields.get("owner"),
                                    note=None if record.redacted else fields.get("note"), at=iso(self.clock.now()))
            store.redact_feedback(cutoff(self.clock, self.settings.feedback_retention_days))
            store.save_feedback(record.with_correction(correction))
        finally:
            store.close()
        if not correction.empty:
            self.metrics.inc("feedback_corrections")
        log.info("feedback corrected", extra={"feedback_id": record_id, "empty": correction.empty})
        return True


def register(app: App, deps: Deps, *, lazy: bool = False, service: FeedbackService | None = None) -> None:
    from slack_bolt import Ack

    feedback = service or FeedbackService(deps)
    pool: Pool = INLINE if lazy else deps.answers
    catalogue = deps.answerer.catalogue

    def modal_for(record: FeedbackRecord, value: str) -> dict[str, Any]:
        services = [(s.id, s.name) for s in catalogue.services.values()]
        # The answered service first, so it is among the first 100 options whatever the catalogue.
        services.sort(key=lambda item: item[0] != record.answered.service)
        topics = [(t, catalogue.topics[t].title) for t in catalogue.topic_order]
        return correction_modal(
            record_id=record.id, value=value, channel=record.channel, user=record.user,
            question=record.question or "", answered=record.answered, services=services, topics=topics,
        )

    def work(body: dict[str, Any], client: Any, respond: Any) -> None:
        action = (body.get("actions") or [{}])[0]
        value = str(action.get("value") or "")
        data = parse_value(value)
        if data is None:
            log.info("feedback value not understood")
            return
        record = feedback.record_of(body, data)
        # Stored before the modal opens (a few ms, well inside the trigger's three seconds), so a
        # submission can never land before the click it corrects.
        feedback.click(record)
        if record.verdict == "wrong" and body.get("trigger_id"):
            try:
                client.views_open(trigger_id=body["trigger_id"], view=modal_for(record, value))
            except Exception as exc:  # the click still counts
                log.warning("feedback modal not opened: %s", type(exc).__name__)
        if data["v"] == "right":
            try:
                respond(text=THANKS_RIGHT, response_type="ephemeral", replace_original=False)
            except Exception as exc:  # the click is stored; the thanks is a courtesy
                log.warning("feedback thanks not sent: %s", type(exc).__name__)

    def on_click(ack: Ack, body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        pool.submit(lambda: _guarded(lambda: work(body, client, respond)))

    def lazy_work(body: dict[str, Any], client: Any, respond: Any) -> None:
        _guarded(lambda: work(body, client, respond))

    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        user = _str((body.get("user") or {}).get("id"))
        if meta.get("user") and meta.get("user") != user:
            ack(response_action="errors", errors={"fb_note": NOT_YOURS})
            return
        fallback = None
        data = parse_value(str(meta.get("value") or ""))
        if data is not None and meta.get("id"):
            fallback = FeedbackRecord(
                id=str(meta["id"]), at=iso(feedback.clock.now()), verdict="wrong", question=str(data["q"]),
                answered=answered_of(data), user=user, team=_str((body.get("user") or {}).get("team_id")),
                channel=_str(meta.get("channel")), surface=_str(data.get("f")),
            )
        fields = submitted((view.get("state") or {}).get("values") or {})
        if not meta.get("id") or not feedback.correct(str(meta["id"]), user, fields, fallback):
            ack(response_action="errors", errors={"fb_note": NOT_YOURS})
            return
        ack()
        channel = _str(meta.get("channel"))
        if channel and user:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=THANKS_CORRECTION)
            except Exception as exc:  # the correction is stored; the thanks is a courtesy
                log.warning("feedback thanks not sent: %s", type(exc).__name__)

    pattern = re.compile(rf"^{re.escape(ACTION_FEEDBACK)}(:\d+)?$")
    if lazy:
        app.action(pattern)(ack=lambda ack: ack(), lazy=[lazy_work])
    else:
        app.action(pattern)(on_click)
    app.view(VIEW_FEEDBACK)(on_submit)


def _guarded(fn: Any) -> None:
    try:
        fn()
    except Exception:
        log.exception("feedback failed")
