"""Routing a summary's findings to their owners (DEMARC_POSTURE_ROUTING).

`thread`: one reply per owner in the daily post's thread, listing that owner's findings.
`channel`: the same message in the owner's channel (DEMARC_OWNERS `channels:`), or in the
thread when the owner has no channel. The owner's user group is mentioned only when the
owner has new critical findings; otherwise its name is shown without a ping.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.posture.owners import Owners
from bot.posture.summary import FindingKey, PostureSummary, check_view
from handlers.blockkit import MAX_SECTION_TEXT, clip, section
from handlers.blockkit import escape as esc
from handlers.slack_client import slack_problem

log = logging.getLogger(__name__)

UNOWNED = "no owner"
#: Findings listed per owner message; the rest are counted.
MAX_LINES = 40


@dataclass
class OwnerFindings:
    owner: str
    lines: list[str] = field(default_factory=list)
    new_critical: int = 0
    total: int = 0


def by_owner(summary: PostureSummary) -> dict[str, OwnerFindings]:
    groups: dict[str, OwnerFindings] = {}
    for account in summary.accounts:
        new = {d.key for d in account.new}
        for result in account.results:
            view = check_view(result.check, result.topic)
            for f in result.findings:
                owner = account.owner_of(result, f.resource) or UNOWNED
                group = groups.setdefault(owner, OwnerFindings(owner))
                is_new = FindingKey(result.check, f.resource, f.region) in new
                group.total += 1
                if is_new and view.severity == "critical":
                    group.new_critical += 1
                group.lines.append(
                    f"• *{esc(view.title)}* `{esc(f.resource)}` ({esc(f.region)}, `{esc(account.account)}`)"
                    + (" :new:" if is_new else "")
                )
    return dict(sorted(groups.items()))


def owner_blocks(group: OwnerFindings, mention: str | None) -> tuple[list[dict[str, Any]], str]:
    who = mention if mention and group.new_critical else f"*{esc(group.owner)}*"
    head = f"{who}: {group.total} finding(s)" + (
        f", :rotating_light: {group.new_critical} new critical" if group.new_critical else ""
    )
    shown = group.lines[:MAX_LINES]
    more = f"\n_… and {len(group.lines) - len(shown)} more (`demarc posture`)_" if len(group.lines) > len(shown) else ""
    text = clip(head + "\n" + "\n".join(shown) + more, MAX_SECTION_TEXT)
    return [section(text)], head


def post_routed(client: Any, channel: str, ts: str, summary: PostureSummary, settings: Settings, owners: Owners) -> int:
    """Post one message per owner; returns how many were posted. Failures are logged, not raised."""
    from handlers.posture.post import mention_for

    if settings.posture_routing == "off":
        return 0
    posted = 0
    for owner, group in by_owner(summary).items():
        mention = mention_for(client, owner) if group.new_critical and owner != UNOWNED else None
        blocks, text = owner_blocks(group, mention)
        target = owners.channels.get(owner) if settings.posture_routing == "channel" else None
        try:
            if target:
                client.chat_postMessage(channel=target, text=text, blocks=blocks, unfurl_links=False)
            else:
                client.chat_postMessage(channel=channel, thread_ts=ts, text=text, blocks=blocks, unfurl_links=False)
            posted += 1
        except Exception as exc:
            log.warning("posture routing: posting %s's findings failed: %s", owner, slack_problem(exc))
    return posted
