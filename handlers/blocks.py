"""Block Kit for answers, comparisons, check reports, help and the App Home.

Built from the one toolkit (`handlers.blockkit`: Slack's limits, escaping, `fit()`), whose
listeners use directly. Free of slack_bolt, so the renderers are
tested as plain functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.catalogue import OWNER_WORDS, OWNERS, Catalogue
from handlers.blockkit import (
    MAX_BLOCKS_VIEW,
    MAX_SECTION_TEXT,
    VIEW_JSON_BUDGET,
    VIEW_TEXT_BUDGET,
    Block,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    escape_code,
    fallback_text,
    fit,
    header,
    lines_within,
    neutralise,
    section,
)
from handlers.modern_blocks import breakdown_table, comparison_table, summary_rich_text

if TYPE_CHECKING:
    from bot.checks.model import AccountReport, CheckResult
    from bot.compare import Comparison

# Action ids, shared with handlers/actions.py.
ACTION_RUN_CHECK = "demarc_run_check"
ACTION_SHOW_SERVICE = "demarc_show_service"
ACTION_COMPARE = "demarc_compare"
ACTION_ALTERNATIVE = "demarc_alternative"
ACTION_SHARE = "demarc_share"
ACTION_SHOW_PICTURE = "demarc_show_picture"


def action_pattern(action_id: str) -> re.Pattern[str]:
    """An action id with or without the `:N` suffix that keeps ids unique within a message."""
    return re.compile(rf"^{re.escape(action_id)}(:\d+)?$")

OWNER_EMOJI: Mapping[str, str] = {
    "aws": ":large_orange_square:",
    "customer": ":large_blue_square:",
    "shared": ":large_purple_square:",
}
STATUS_EMOJI: Mapping[str, str] = {"pass": ":white_check_mark:", "fail": ":x:", "error": ":warning:"}

EXAMPLES = (
    "who patches the OS on Fargate?",
    "what am I responsible for on Lambda?",
    "who encrypts data in S3?",
    "is the hypervisor on EC2 ours or AWS's?",
    "are any of our buckets public?",
)

def owner_label(owner: str | None) -> str:
    if owner is None:
        return "Several owners"
    return f"{OWNER_EMOJI.get(owner, '')} *{OWNER_WORDS.get(owner, owner)}*".strip()


def breakdown_blocks(
    catalogue: Catalogue,
    service_id: str,
    breakdown: Mapping[str, Sequence[str]] | None = None,
    *,
    highlight: str | None = None,
) -> list[Block]:
    """The service's owner for every layer, in AWS's diagram order: facilities up to data."""
    service = catalogue.services[service_id]
    breakdown = breakdown or catalogue.breakdown(service_id)
    lines = []
    for topic, owner in catalogue.layers_in_order(breakdown):
        title = escape(catalogue.topics[topic].title)
        team = catalogue.team_for(service_id, topic) if owner != "aws" else None
        team_text = f" ({escape(team)})" if team else ""
        label = f"{OWNER_EMOJI.get(owner, '')} {title}: {OWNER_WORDS.get(owner, owner)}{team_text}"
        lines.append(f"*{label}*  :arrow_left:" if topic == highlight else label)
    counts = ", ".join(f"{OWNER_WORDS[o]} {len(breakdown.get(o, []))}" for o in OWNERS if breakdown.get(o))
    return [
        section(
            f"*Who owns what on {escape(service.name)}* _(layer by layer, from the data centre up)_\n"
            + lines_within(lines, MAX_SECTION_TEXT - 200, "more layers")
        ),
        context(counts),
    ]


def _sources_block(sources: Sequence[str]) -> Block | None:
    links = [f"<{escape(url)}|{escape(_short_url(url))}>" for url in sources[:5] if url.startswith("http")]
    return context("Sources: " + " · ".join(links)) if links else None


def _short_url(url: str) -> str:
    stripped = re.sub(r"^https?://", "", url)
    return clip(stripped, 60)


def _question_block(question: str, truncated: bool) -> Block | None:
    if not question:
        return None
    cut = " _(cut to the first 4,000 characters)_" if truncated else ""
    return context(f"Asked: {neutralise(clip(question, 300))}{cut}")


def answer_buttons(
    catalogue: Catalogue,
    answer: Mapping[str, Any],
    *,
    shareable: bool = False,
    share_value: str = "",
    run_checks: bool = True,
) -> list[dict[str, Any]]:
    """Next steps: run the related check, show the whole service, compare, share."""
    match = answer.get("match")
    buttons: list[dict[str, Any]] = []
    check_ids: list[str] = []
    if answer.get("check"):
        check_ids.append(str(answer["check"]))
    if match:
        check_ids += [c for c in match.get("checks", []) if c not in check_ids]
    for check_id in check_ids[:3] if run_checks else ():
        info = catalogue.checks.get(check_id)
        label = f"Run check: {info.title}" if info else f"Run check {check_id}"
        buttons.append(button(label, ACTION_RUN_CHECK, check_id, style="primary"))
    if match:
        service = catalogue.services[match["service"]]
        if match.get("topic"):
            buttons.append(button(f"Show all of {service.name}", ACTION_SHOW_SERVICE, service.id))
        for neighbour in service.neighbours[:2]:
            if neighbour in catalogue.services:
                other = catalogue.services[neighbour].name
                buttons.append(button(f"Compare with {other}", ACTION_COMPARE, f"{service.id}|{neighbour}"))
        buttons.append(button("Show the picture", ACTION_SHOW_PICTURE, service.id))
    if shareable and share_value:
        buttons.append(button("Share in channel", ACTION_SHARE, share_value))
    return buttons


def alternative_buttons(catalogue: Catalogue, answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    buttons = []
    for alt in answer.get("alternatives", [])[:5]:
        service = catalogue.services.get(alt["service"])
        if service is None:
            continue
        topic = alt.get("topic")
        if topic and topic in catalogue.topics:
            label = f"{service.name}: {catalogue.topics[topic].title}"
        else:
            label = f"{service.name} (all layers)"
        buttons.append(button(label, ACTION_ALTERNATIVE, f"{service.id}|{topic or ''}"))
    return buttons


def render_answer(
    catalogue: Catalogue,
    answer: Mapping[str, Any],
    *,
    truncated: bool = False,
    shareable: bool = False,
    share_value: str = "",
    run_checks: bool = True,
    modern: bool = False,
    feedback: Block | None = None,
) -> tuple[list[Block], str]:
    """Blocks and fallback text for one answer (contract section 3 plus bot/answer.py extras).

    `modern`: the breakdown as a table block and the summary as rich text (handlers/modern_blocks.py);
    `feedback`: the Right / Wrong control (handlers/feedback_blocks.py), kept whole at the end."""
    question = str(answer.get("question") or "")
    match = answer.get("match")
    if match is None:
        return _render_no_match(catalogue, answer, question, truncated, feedback)
    service = catalogue.services[match["service"]]
    topic = match.get("topic")
    body: list[Block | None] = []
    if topic:
        title = catalogue.topics[topic].title if topic in catalogue.topics else topic
        body.append(header(f"{service.name} · {title}"))
        owner = match.get("owner")
        words = OWNER_WORDS.get(owner or "", "")
        if modern:
            body.append(summary_rich_text(owner, str(match.get("summary") or "")))
        else:
            body.append(section(f"Owner: {owner_label(owner)}\n{escape(str(match.get('summary') or ''))}"))
        fallback = f"{service.name} / {title}: {words}. {match.get('summary') or ''}"
    else:
        body.append(header(f"{service.name}: who owns what"))
        if modern:
            body.append(summary_rich_text(None, str(match.get("summary") or "")))
        else:
            body.append(section(f"Owner: *it depends on the layer*\n{escape(str(match.get('summary') or ''))}"))
        fallback = f"{service.name}: who owns what, layer by layer."
    if match.get("team"):
        body.append(context(f":busts_in_silhouette: Your team for this: *{escape(str(match['team']))}*"))
    tail: list[Block | None] = []
    if match.get("confidence") == "low":
        note = answer.get("note") or "Low confidence: I may have picked the wrong layer."
        body.append(section(f":grey_question: _{escape(str(note))}_"))
        tail.append(actions(alternative_buttons(catalogue, answer), block_id="demarc_alternatives"))
    body.append(divider())
    layers = breakdown_table if modern else breakdown_blocks
    body += layers(catalogue, service.id, answer.get("breakdown"), highlight=topic)
    body.append(_sources_block(match.get("sources") or []))
    body.append(_question_block(question, truncated))
    tail.append(
        actions(
            answer_buttons(catalogue, answer, shareable=shareable, share_value=share_value, run_checks=run_checks),
            block_id="demarc_next",
        )
    )
    tail.append(feedback)
    return fit(body, tail=tail), fallback_text(escape(fallback))


def _render_no_match(
    catalogue: Catalogue, answer: Mapping[str, Any], question: str, truncated: bool, feedback: Block | None = None
) -> tuple[list[Block], str]:
    check_id = answer.get("check")
    body: list[Block | None] = []
    tail: list[Block | None] = []
    if check_id:
        info = catalogue.checks.get(str(check_id))
        what = escape(info.title) if info else f"`{escape_code(str(check_id))}`"
        text = f"That is a question about your own account. The account check *{what}* answers it."
        body.append(section(f":mag: {text}"))
        tail.append(actions(answer_buttons(catalogue, answer), block_id="demarc_next"))
    else:
        note = str(answer.get("note") or "I could not find an answer to that.")
        text = note
        body.append(section(f":thinking_face: {escape(note)}"))
        body += what_i_answer_blocks(catalogue)
        tail.append(actions(alternative_buttons(catalogue, answer), block_id="demarc_alternatives"))
    body.append(_question_block(question, truncated))
    tail.append(feedback)
    return fit(body, tail=tail), fallback_text(escape(text))


def what_i_answer_blocks(catalogue: Catalogue) -> list[Block]:
    services = ", ".join(escape(s.name) for s in catalogue.services.values())
    examples = "\n".join(f"• `{escape_code(e)}`" for e in EXAMPLES)
    return [
        section(
            "*What I can answer:* who is responsible, AWS or you, for a layer of an AWS service "
            f"(the AWS Shared Responsibility Model). Try:\n{examples}"
        ),
        context(clip(f"Services I know: {services}", MAX_SECTION_TEXT)),
    ]


# --------------------------------------------------------------------------- compare


def render_comparison(
    catalogue: Catalogue, comparison: Comparison, *, modern: bool = False
) -> tuple[list[Block], str]:
    """`modern`: the differing layers as a table block (handlers/modern_blocks.py)."""
    left, right = comparison.left, comparison.right
    name_a, name_b = catalogue.services[left].name, catalogue.services[right].name
    body: list[Block | None] = [header(f"{name_a} vs {name_b}")]
    if comparison.differences and modern:
        body += comparison_table(catalogue, left, right, comparison.differences)
    elif comparison.differences:
        lines = []
        for row in comparison.differences:
            title = escape(catalogue.topics[row["topic"]].title)
            lines.append(
                f"*{title}*: {escape(name_a)} {OWNER_EMOJI[row[left]]} {OWNER_WORDS[row[left]]}"
                f" · {escape(name_b)} {OWNER_EMOJI[row[right]]} {OWNER_WORDS[row[right]]}"
            )
        body.append(
            section(
                f"*Where the line differs* ({len(comparison.differences)} layers):\n"
                + lines_within(lines, MAX_SECTION_TEXT - 100, "more layers")
            )
        )
    else:
        body.append(section("The line sits in the same place for every layer."))
    if comparison.same:
        groups: dict[str, list[str]] = {}
        for row in comparison.same:
            groups.setdefault(row[left], []).append(escape(catalogue.topics[row["topic"]].title))
        text = "\n".join(f"{OWNER_EMOJI[o]} {OWNER_WORDS[o]}: {', '.join(t)}" for o, t in groups.items())
        body.append(section(f"*The same on both:*\n{text}"))
    tail = [
        actions(
            [
                button(f"Show all of {name_a}", ACTION_SHOW_SERVICE, left),
                button(f"Show all of {name_b}", ACTION_SHOW_SERVICE, right),
                button("Show the picture", ACTION_SHOW_PICTURE, f"{left}|{right}"),
            ]
        )
    ]
    fallback = f"{name_a} vs {name_b}: {len(comparison.differences)} layer(s) differ."
    return fit(body, tail=tail), fallback_text(escape(fallback))


# --------------------------------------------------------------------------- checks


def _finding_line(resource: str, region: str, detail: str) -> str:
    return f"• `{escape_code(clip(resource, 200))}` ({escape(region)}): {escape(clip(detail, 300))}"


def check_result_block(catalogue: Catalogue, result: CheckResult) -> Block:
    info = catalogue.checks.get(result.check)
    title = escape(info.title) if info else escape(result.check)
    status = result.status
    head = f"{STATUS_EMOJI.get(status, '')} *{title}* `{escape_code(result.check)}`"
    if status == "pass":
        return section(f"{head}: pass")
    parts = [head + (f": {len(result.findings)} finding(s)" if result.findings else ": error")]
    if result.error:
        parts.append(f"_Could not finish: {escape(clip(result.error, 600))}_")
    budget = MAX_SECTION_TEXT - sum(len(p) + 1 for p in parts) - 400
    if result.findings:
        lines = [_finding_line(f.resource, f.region, f.detail) for f in result.findings]
        parts.append(lines_within(lines, max(200, budget), "more findings"))
    if info and info.fix and result.findings:
        parts.append(f"*Fix:* {escape(clip(info.fix, 350))}")
    return section("\n".join(parts))


def render_check_reports(
    catalogue: Catalogue, reports: Sequence[AccountReport], *, requested: str = ""
) -> tuple[list[Block], str]:
    """One message for a scan: failing and erroring checks first, passes summarised."""
    body: list[Block | None] = []
    summary_bits = []
    for report in reports:
        failing = [r for r in report.results if r.status != "pass"]
        passing = [r for r in report.results if r.status == "pass"]
        regions = ", ".join(report.regions)
        body.append(header(f"Account checks: {report.account}"))
        body.append(
            context(
                f"Regions: {escape(regions)} · {len(report.results)} check(s): "
                f"{len(failing)} need attention, {len(passing)} pass"
                + (f" · asked: `{escape_code(clip(requested, 200))}`" if requested else "")
            )
        )
        # Errors and failures first: that is what the person asking needs to read.
        for result in sorted(failing, key=lambda r: (r.status != "error", r.check)):
            body.append(check_result_block(catalogue, result))
        if passing:
            names = ", ".join(f"`{escape_code(r.check)}`" for r in passing)
            body.append(context(clip(f":white_check_mark: Pass: {names}", MAX_SECTION_TEXT)))
        summary_bits.append(f"{report.account}: {len(failing)} of {len(report.results)} need attention")
    if not reports:
        body.append(section("No account was scanned."))
    return fit(body, noun="more (run `demarc check --json` for everything)"), fallback_text(
        "Account checks: " + "; ".join(summary_bits)
    )


# --------------------------------------------------------------------------- plain messages


def render_notice(text: str, *, emoji: str = ":information_source:") -> tuple[list[Block], str]:
    """A one-section message. `text` is trusted mrkdwn built by demarc, with user parts escaped."""
    return fit([section(f"{emoji} {text}")]), fallback_text(text)


def check_refusal(channel_id: str | None) -> tuple[list[Block], str]:
    where = f"`{escape_code(channel_id)}`" if channel_id else "this conversation"
    text = (
        f"Account checks are not enabled in {where}, so I did not look at AWS. "
        "An admin can enable them by adding this channel's id to `DEMARC_CHECK_CHANNELS` "
        "(comma-separated channel ids) and restarting demarc. You can still ask who owns what anywhere."
    )
    return render_notice(text, emoji=":no_entry:")


def render_help(catalogue: Catalogue, *, checks_enabled: bool) -> tuple[list[Block], str]:
    examples = "\n".join(f"• `/demarc {escape_code(e)}`" for e in EXAMPLES[:3])
    check_note = (
        "Account checks can run in this channel."
        if checks_enabled
        else "Account checks are not enabled in this channel (an admin lists allowed channels in "
        "`DEMARC_CHECK_CHANNELS`)."
    )
    body: list[Block | None] = [
        header("demarc: whose job is this, AWS's or ours?"),
        section(
            "*Commands*\n"
            "• `/demarc QUESTION`: who owns that layer, with the service's whole breakdown\n"
            "• `/demarc check [CHECK_ID|SERVICE]`: run the account checks (all, one, or a service's)\n"
            "• `/demarc posture`: run every check and post the posture summary here\n"
            "• `/demarc compare A B`: where two services draw the line differently\n"
            "• `/demarc help`: this message\n"
            "You can also mention me in a channel (I answer in the thread) or send me a direct message."
        ),
        section(f"*Examples*\n{examples}"),
        context(
            "Answers to `/demarc` are shown only to you, with a *Share in channel* button; "
            "check results are posted in the channel. " + check_note
        ),
    ]
    checks = ", ".join(f"`{escape_code(c)}`" for c in catalogue.checks)
    if checks:
        body.append(context(clip(f"Checks: {checks}", MAX_SECTION_TEXT)))
    return fit(body), "demarc help: /demarc QUESTION, check, posture, compare, help"


def render_home(
    catalogue: Catalogue, posture_blocks: Sequence[Block] | None, *, check_channels: Sequence[str] = ()
) -> dict[str, Any]:
    """The App Home view: what demarc is, example questions, the last posture summary."""
    examples = "\n".join(f"• _{escape(e)}_" for e in EXAMPLES)
    channels = ", ".join(f"<#{c}>" for c in check_channels if re.match(r"^[CG][A-Z0-9]+$", c))
    head: list[Block | None] = [
        header("demarc"),
        section(
            'I answer *"who is responsible for this, AWS or us?"* from the AWS Shared Responsibility '
            "Model, layer by layer, and check your AWS account for the customer-side pitfalls."
        ),
        section(f"*Ask me*\n{examples}"),
        context(
            "Use `/demarc QUESTION` anywhere, mention me in a channel, or write to me here in Messages. "
            + (f"Account checks run in {channels}." if channels else "Account checks are not enabled in any channel.")
        ),
        divider(),
        header("Last posture summary"),
    ]
    if posture_blocks:
        body = [*head, *posture_blocks]
    else:
        body = [*head, section("No posture summary yet. Run `/demarc posture` in a check channel.")]
    blocks = fit(body, max_blocks=MAX_BLOCKS_VIEW, text_budget=VIEW_TEXT_BUDGET, json_budget=VIEW_JSON_BUDGET)
    return {"type": "home", "blocks": blocks}


def render_error(reference: str) -> tuple[list[Block], str]:
    """What a user sees when something broke: an apology and a reference, never a traceback."""
    return render_notice(
        f"Sorry, something went wrong on my side and I could not answer. (reference `{escape_code(reference)}`)",
        emoji=":warning:",
    )
