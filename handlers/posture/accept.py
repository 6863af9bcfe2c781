"""Accept a risk from Slack: an "Accept risk" button on a finding opens a modal (reason and
expiry); submitting it stores the acceptance, with its audit event, in the posture store.

Only someone allowed to run checks may accept: the button and the submission are both
refused outside the channels that may run checks (DEMARC_CHECK_CHANNELS), the same rule
the slash command and the Run-check button apply. The expiry is required and at most
DEMARC_EXCEPTION_MAX_DAYS days away (90 by default), judged on the injected clock.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App

from bot.clock import SYSTEM_CLOCK, Clock
from bot.clock import today as local_today
from bot.posture.exceptions import validate_expiry
from bot.posture.summary import DeltaItem
from bot.store import open_store
from bot.store.records import iso_z
from bot.store.risks import Acceptance
from handlers.authorize import Asker
from handlers.blockkit import Block, actions, button
from handlers.blockkit import escape as esc
from handlers.deps import Deps

log = logging.getLogger(__name__)

ACTION_ACCEPT = "demarc_accept_risk"
VIEW_ACCEPT = "demarc_accept_risk_modal"
REASON_BLOCK, REASON_INPUT = "reason", "reason_input"
EXPIRY_BLOCK, EXPIRY_INPUT = "expiry", "expiry_input"
#: Buttons offered under the new findings of one account (Slack allows 25 per block).
MAX_BUTTONS = 5
REFUSAL = "Only people who may run checks can accept a risk: use a channel listed in DEMARC_CHECK_CHANNELS."


def finding_value(check: str, account: str, region: str, resource: str) -> str:
    return json.dumps({"c": check, "a": account, "g": region, "r": resource}, separators=(",", ":"))


def accept_buttons(account: str, items: Sequence[DeltaItem]) -> Block | None:
    """An actions block with an "Accept risk" button for each of the first new findings."""
    elements = [
        button(
            f"Accept risk: {d.key.resource}",
            ACTION_ACCEPT,
            finding_value(d.key.check, account, d.key.region, d.key.resource),
        )
        for d in items[:MAX_BUTTONS]
    ]
    return actions(elements, block_id=f"demarc_accept_{account}")


def _may_accept(deps: Deps, client: Any, asker: Asker) -> bool:
    """Only people who may run checks may accept: the same rules, the same audit line."""
    auth = deps.auth
    if not auth.channel_allowed(asker, "accept-risk", "accept-risk"):
        return False
    return auth.decide(client, asker, "accept-risk", "accept-risk").allowed


def modal(finding: dict[str, str], channel: str | None, *, today: dt.date, max_days: int) -> dict[str, Any]:
    default = today + dt.timedelta(days=min(30, max_days))
    what = f"`{esc(finding['r'])}` · {esc(finding['c'])} · {esc(finding['a'])} ({esc(finding['g'])})"
    return {
        "type": "modal",
        "callback_id": VIEW_ACCEPT,
        "title": {"type": "plain_text", "text": "Accept risk"},
        "submit": {"type": "plain_text", "text": "Accept"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"finding": finding, "channel": channel}),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Finding*: {what}"}},
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {"type": "plain_text_input", "action_id": REASON_INPUT, "multiline": True},
            },
            {
                "type": "input",
                "block_id": EXPIRY_BLOCK,
                "label": {"type": "plain_text", "text": f"Expires (at most {max_days} days)"},
                "element": {"type": "datepicker", "action_id": EXPIRY_INPUT, "initial_date": default.isoformat()},
            },
        ],
    }


def _submitted(values: dict[str, Any]) -> tuple[str, str]:
    reason = str(((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value") or "").strip()
    expiry = str(((values.get(EXPIRY_BLOCK) or {}).get(EXPIRY_INPUT) or {}).get("selected_date") or "").strip()
    return reason, expiry


def register(app: App, deps: Deps, *, clock: Clock = SYSTEM_CLOCK) -> None:
    settings = deps.settings

    def on_button(ack: Ack, body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        if not _may_accept(deps, client, Asker.from_action(body)):
            respond(text=REFUSAL, response_type="ephemeral", replace_original=False)
            return
        try:
            finding = json.loads(str((body.get("actions") or [{}])[0].get("value") or "{}"))
        except ValueError:
            return
        today = local_today(clock, settings.timezone)
        view = modal(finding, channel, today=today, max_days=settings.exception_max_days)
        client.views_open(trigger_id=body.get("trigger_id"), view=view)

    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        channel, finding = meta.get("channel"), meta.get("finding") or {}
        user = str((body.get("user") or {}).get("id") or "")
        team = (body.get("user") or {}).get("team_id") or (body.get("team") or {}).get("id")
        if not _may_accept(deps, client, Asker(user or None, team, channel)):
            ack(response_action="errors", errors={REASON_BLOCK: REFUSAL})
            return
        reason, expiry_text = _submitted((view.get("state") or {}).get("values") or {})
        errors: dict[str, str] = {}
        if not reason:
            errors[REASON_BLOCK] = "Say why this risk is accepted."
        today = local_today(clock, settings.timezone)
        try:
            expiry = dt.date.fromisoformat(expiry_text)
            why = validate_expiry(expiry, today, settings.exception_max_days)
            if why:
                errors[EXPIRY_BLOCK] = why
        except ValueError:
            errors[EXPIRY_BLOCK] = "An expiry date is required."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        acceptance = Acceptance(
            check=str(finding["c"]),
            account=str(finding["a"]),
            region=str(finding["g"]),
            resource=str(finding["r"]),
            reason=reason,
            accepted_by=user,
            accepted_at=iso_z(clock.now()),
            expires=expiry.isoformat(),
            source="slack",
        )
        store = open_store(settings)
        try:
            store.add_acceptance(acceptance, at=acceptance.accepted_at)
        finally:
            store.close()
        ack()
        if channel and user:
            text = (
                f"Accepted `{acceptance.resource}` ({acceptance.check}) until {acceptance.expires}; it is shown "
                "as accepted, not failing, until then."
            )
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text)
            except Exception as exc:  # the acceptance is stored; the confirmation is a courtesy
                log.warning("accept risk: confirmation failed: %s", exc)

    app.action(re.compile(rf"^{ACTION_ACCEPT}(:\d+)?$"))(on_button)
    app.view(VIEW_ACCEPT)(on_submit)
