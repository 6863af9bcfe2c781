"""The posture summary as Slack Block Kit, inside Slack's limits whatever the account holds.

A message carries at most 50 blocks and 3,000 characters a section, and Slack refuses
a message whose blocks are large in total (`msg_blocks_too_long`) long before 50 full
sections, so every message here is built against a budget of blocks and serialized
characters. The main message names the worst findings and the deltas; whatever does not
fit goes to `thread_messages` (or, past a few messages, a file: see `handlers.posture.post`).
Slack's limits and the primitives come from the one toolkit, `handlers.blockkit`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.posture.exceptions import AcceptedFinding
from bot.posture.summary import AccountSummary, CheckLine, DeltaItem, PostureSummary
from handlers.blockkit import (
    MAX_BLOCKS_MESSAGE,
    MAX_SECTION_TEXT,
    MESSAGE_JSON_BUDGET,
    MESSAGE_TEXT_BUDGET,
    Block,
    clip,
    header,
    json_size,
    section,
    text_size,
)
from handlers.blockkit import escape as esc

#: Past this many thread replies the full list goes into a file instead.
MAX_THREAD_MESSAGES = 5
#: With more accounts than this, the main message lists one line per account.
DETAILED_ACCOUNTS = 6
#: Resource names shown per check in the main message.
NAMES_PER_CHECK = 5

NOT_ALL_CLEAR = ":x: *The posture scan failed.* Nothing was checked: *this is not an all-clear.*"
EMOJI = {"critical": ":red_circle:", "high": ":large_orange_circle:", "medium": ":large_yellow_circle:"}


def context(text: str) -> Block:
    """One mrkdwn context line (the toolkit's `context` takes several elements)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT)}]}


def fit_lines(head: str, lines: Sequence[str], limit: int, *, more: bool = True) -> tuple[str, int]:
    """`head` and as many whole lines as fit in `limit` characters, then "... and N more".

    Without `more` the tail is left out: the caller carries the rest on (a next message).
    """
    text = clip(head, limit)
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        reserve = len(f"\n_… and {rest} more_") if rest and more else 0
        joined = f"{text}\n{line}" if text else line
        if len(joined) + reserve > limit:
            tail = f"\n_… and {len(lines) - index} more_" if more else ""
            if len(text) + len(tail) > limit:
                return clip(text, limit), index
            return text + tail, index
        text = joined
    return text, len(lines)


class Budget:
    """Blocks still allowed, and text and serialized characters still free, in one message:
    the same three limits `handlers.blockkit.fit` holds every other message to."""

    def __init__(
        self, chars: int = MESSAGE_TEXT_BUDGET, blocks: int = MAX_BLOCKS_MESSAGE, json_chars: int = MESSAGE_JSON_BUDGET
    ) -> None:
        self.chars = chars
        self.json_chars = json_chars
        self.blocks = blocks
        self.out: list[Block] = []

    def add(self, block: Block) -> bool:
        cost, serialized = text_size([block]), json_size([block])  # JSON plus 2: the ", " separator
        if self.blocks <= 0 or cost > self.chars or serialized > self.json_chars:
            return False
        self.out.append(block)
        self.chars -= cost
        self.json_chars -= serialized
        self.blocks -= 1
        return True

    def add_lines(self, head: str, lines: Sequence[str], *, more: bool = True) -> int:
        """A section of `head` and as many lines as fit; lines shown, or -1 if no section was added.

        A section with a head but no room for any line is still added (it says how many
        there are); one without a head needs at least one line.
        """
        limit = min(MAX_SECTION_TEXT, self.chars - 60)
        while limit > len(head) + 40 and self.blocks > 0:
            text, shown = fit_lines(head, lines, limit, more=more)
            if not text.strip() or (not head and lines and shown == 0):
                return -1
            block = section(text)
            if self.add(block):
                return shown
            limit -= max(50, text_size([block]) - self.chars)
        return -1


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _emoji(severity: str) -> str:
    return EMOJI.get(severity, ":white_circle:")


def delta_line(item: DeltaItem) -> str:
    key = item.key
    return (
        f"{_emoji(item.view.severity)} *{esc(item.view.title)}*: `{esc(key.resource)}` ({esc(key.region)})"
        f" — {esc(item.detail)}"
    )


def accepted_line(item: AcceptedFinding) -> str:
    a = item.acceptance
    return (
        f"`{esc(item.finding.resource)}` ({esc(item.check)}) — accepted by {esc(a.accepted_by)} "
        f"until *{esc(a.expires)}*: {esc(a.reason)}"
    )


def check_line(line: CheckLine) -> tuple[str, int]:
    """One failing check with its first few resources; also how many resources it names."""
    findings = line.result.findings
    new = {(k.resource, k.region) for k in line.new}
    names = [
        f"`{esc(f.resource)}`" + (" :new:" if (f.resource, f.region) in new else "") for f in findings[:NAMES_PER_CHECK]
    ]
    more = f" +{len(findings) - len(names)} more" if len(findings) > len(names) else ""
    text = f"{_emoji(line.view.severity)} *{esc(line.view.title)}* ({len(findings)}): {', '.join(names)}{more}"
    return text, len(names)


def trend_text(summary: AccountSummary) -> str:
    counts = [v for v in summary.trend if v is not None]
    if len(summary.trend) < 2 or not counts:
        return ""
    return f" · trend `{summary.sparkline}` {counts[0]}→{counts[-1]}"


def account_line(summary: AccountSummary) -> str:
    regions = ", ".join(summary.regions) or "no region"
    if summary.status == "failed":
        return f":x: *Account `{esc(summary.account)}`* ({esc(regions)}): *scan failed*, nothing checked"
    return (
        f"*Account `{esc(summary.account)}`* ({esc(regions)}): {plural(summary.findings, 'finding')} in "
        f"{plural(summary.failing_checks, 'failing check')}, {len(summary.new)} new, {len(summary.fixed)} fixed"
        + trend_text(summary)
    )


def _account_blocks(summary: AccountSummary, budget: Budget) -> int:
    """Fill `budget` with one account's detail; returns how many findings it names."""
    budget.add(section(account_line(summary)))
    if summary.status == "failed":
        errors = sorted({r.error or "" for r in summary.errors})
        budget.add_lines("Every check failed to run. *This is not an all-clear.*", [esc(e) for e in errors])
        return 0
    if summary.previous_run is None:
        budget.add(context("First run for this account: new and fixed start with the next one."))
    if summary.new:
        budget.add_lines(
            f"*:new: New since {summary.previous_run}* ({len(summary.new)})", [delta_line(d) for d in summary.new]
        )
        from handlers.posture.accept import accept_buttons

        buttons = accept_buttons(summary.account, summary.new)
        if buttons is not None:
            budget.add(buttons)
    if summary.fixed:
        budget.add_lines(f"*:white_check_mark: Fixed* ({len(summary.fixed)})", [delta_line(d) for d in summary.fixed])
    named = 0
    for group in summary.groups:
        lines = [check_line(line) for line in group.checks]
        shown = budget.add_lines(f"*{esc(group.title)}* · {plural(group.findings, 'finding')}", [t for t, _ in lines])
        if shown < 0:
            break
        named += sum(n for _, n in lines[:shown])
    if summary.accepted:
        budget.add_lines(
            f":shield: *Accepted risks* ({len(summary.accepted)}, not counted as failing)",
            [accepted_line(a) for a in summary.accepted],
        )
    if summary.errors:
        budget.add_lines(
            f":warning: *Could not check* ({len(summary.errors)}): these results are incomplete",
            [f"`{esc(r.check)}`: {esc(r.error or '')}" for r in summary.errors],
        )
    return named


def intro_text(summary: PostureSummary, mention: str | None) -> str:
    lines = []
    critical = summary.new_critical
    if critical:
        who = f"{mention} " if mention else ""
        names = ", ".join(f"`{esc(d.key.resource)}`" for d in critical[:3])
        lines.append(f"{who}:rotating_light: *{len(critical)} new critical finding(s)*: {names}")
    if summary.failed:
        reason = summary.scan_error or "every check failed to run"
        lines.append(f"{NOT_ALL_CLEAR}\n{esc(clip(reason, 2000))}")
        return "\n".join(lines)
    accounts = len(summary.accounts)
    errors = sum(len(a.errors) for a in summary.accounts)
    new = sum(len(a.new) for a in summary.accounts)
    fixed = sum(len(a.fixed) for a in summary.accounts)
    failing = sum(a.failing_checks for a in summary.accounts)
    if summary.findings == 0 and errors == 0:
        lines.append(f":white_check_mark: *All checks pass* in {accounts} account(s).")
    else:
        lines.append(
            f"*{plural(summary.findings, 'finding')}* in {plural(failing, 'failing check')} "
            f"across {plural(accounts, 'account')} · "
            f"*{new} new*, *{fixed} fixed*"
        )
    if errors:
        lines.append(f":warning: {errors} check(s) could not run, so this summary is incomplete.")
    return "\n".join(lines)


def main_message(
    summary: PostureSummary,
    *,
    day: str,
    mention: str | None = None,
    rest: str = "the full list is in the thread",
) -> tuple[list[Block], bool]:
    """The summary's main message and whether findings were left out (`rest` says where they are).

    A day with no change is two lines (what is known, and since when): the findings were
    listed in full on the day they were new and are not repeated every day.
    """
    if summary.quiet:
        return quiet_message(summary, day=day), False
    budget = Budget()
    budget.add(header(f"Posture summary · {day}"))
    budget.add(section(intro_text(summary, mention)))
    closing_chars = 400
    budget.chars -= closing_chars
    budget.blocks -= 1
    named = 0
    accounts = summary.accounts
    if len(accounts) <= DETAILED_ACCOUNTS:
        for index, account in enumerate(accounts):
            left = len(accounts) - index
            share = Budget(budget.chars // left, max(1, budget.blocks // left), budget.json_chars // left)
            named += _account_blocks(account, share)
            if budget.blocks > len(share.out) and index < len(accounts) - 1:
                share.out.append({"type": "divider"})
            for block in share.out:
                budget.add(block)
    else:
        lines = [account_line(a) for a in accounts]
        while lines:
            shown = budget.add_lines("", lines, more=False)
            if shown <= 0:
                break
            lines = lines[shown:]
        if lines:
            budget.add(context(f"… and {len(lines)} more accounts in the thread."))
    budget.chars += closing_chars
    budget.blocks += 1
    overflow = named < summary.findings
    note = f"Generated {summary.generated_at} by `demarc posture`."
    if overflow:
        note = f"Named {named} of {summary.findings} findings here; {rest}. " + note
    budget.add(context(note))
    return budget.out, overflow


def quiet_message(summary: PostureSummary, *, day: str) -> list[Block]:
    """Two lines: nothing changed, and what stays known (folded to counts)."""
    failing = sum(a.failing_checks for a in summary.accounts)
    errors = sum(len(a.errors) for a in summary.accounts)
    since = min(a.previous_run or "" for a in summary.accounts)
    first = f":zzz: *Posture {day}: no change* since {since}."
    known = f"{plural(summary.findings, 'known finding')} in {plural(failing, 'failing check')}"
    if errors:
        known += f", {errors} check(s) could not run"
    second = f"{known} · `demarc posture` lists them."
    return [section(first), context(second)]


def notification_text(summary: PostureSummary, *, day: str, mention: str | None = None) -> str:
    """The message's plain `text`: what notifications and screen readers show."""
    prefix = f"{mention} " if mention and summary.new_critical else ""
    if summary.failed:
        return f"{prefix}Posture summary {day}: the scan FAILED; this is not an all-clear."
    if summary.quiet:
        return f"Posture summary {day}: no change, {summary.findings} known findings."
    new = sum(len(a.new) for a in summary.accounts)
    fixed = sum(len(a.fixed) for a in summary.accounts)
    return f"{prefix}Posture summary {day}: {summary.findings} findings, {new} new, {fixed} fixed."


#: Finding ids carried in a summary's message metadata (Slack caps the payload's size).
METADATA_IDS = 100


def message_metadata(summary: PostureSummary, *, day: str) -> dict[str, object]:
    """Slack message metadata: the stable ids of what the post shows, for other apps to read."""
    ids = [i for a in summary.accounts for i in a.finding_ids()]
    return {
        "event_type": "demarc_posture_summary",
        "event_payload": {
            "day": day,
            "generated_at": summary.generated_at,
            "accounts": [a.account for a in summary.accounts],
            "new": [d.key.id(a.account) for a in summary.accounts for d in a.new][:METADATA_IDS],
            "fixed": [d.key.id(a.account) for a in summary.accounts for d in a.fixed][:METADATA_IDS],
            "findings": ids[:METADATA_IDS],
            "findings_total": len(ids),
        },
    }


def failure_blocks(reason: str, *, day: str) -> list[Block]:
    """A scan that could not run at all (no credentials, AWS unreachable)."""
    return [
        header(f"Posture summary · {day}"),
        section(f"{NOT_ALL_CLEAR}\n{esc(clip(reason, 2000))}"),
        context("demarc retries; fix the cause and run `demarc posture --post` to post now."),
    ]


def _finding_lines(summary: PostureSummary) -> list[str]:
    lines = []
    for account in summary.accounts:
        for group in account.groups:
            for line in group.checks:
                new = {(k.resource, k.region) for k in line.new}
                lines.append(
                    f"*{esc(line.view.title)}* · `{esc(account.account)}` · {len(line.result.findings)} "
                    f"({esc(group.title)})"
                )
                lines += [
                    f"• `{esc(f.resource)}` ({esc(f.region)}) — {esc(f.detail)}"
                    + (" :new:" if (f.resource, f.region) in new else "")
                    for f in line.result.findings
                ]
    return [clip(line, MAX_SECTION_TEXT - 100) for line in lines]


def thread_messages(summary: PostureSummary) -> list[list[Block]]:
    """Every finding, as thread replies each within the limits (may be many: see the caller)."""
    messages: list[list[Block]] = []
    lines = _finding_lines(summary)
    budget = Budget()
    while lines:
        shown = budget.add_lines("", lines, more=False)
        if shown <= 0:
            if not budget.out:  # cannot happen with clipped lines; never loop forever
                raise ValueError("a finding line does not fit in an empty message")
            messages.append(budget.out)
            budget = Budget()
            continue
        lines = lines[shown:]
    if budget.out:
        messages.append(budget.out)
    return messages
