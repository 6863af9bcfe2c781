"""The posture summary for a terminal: everything, worst first, nothing truncated.

Block Kit for Slack lives in `handlers.posture.blocks`; the plain text below is also what
a file upload carries when the findings do not fit in Slack messages.
"""

from __future__ import annotations

from bot.posture.summary import AccountSummary, DeltaItem, PostureSummary

__all__ = ["render_text"]


def _delta_line(sign: str, item: DeltaItem) -> str:
    key = item.key
    return f"  {sign} [{item.view.severity}] {item.view.title}: {key.resource} ({key.region}) — {item.detail}"


def _account_text(summary: AccountSummary) -> list[str]:
    regions = ", ".join(summary.regions) or "no region"
    lines = [
        f"Account {summary.account} ({regions})",
        f"  {summary.failing_checks} failing check(s), {summary.findings} finding(s), "
        f"{len(summary.errors)} check(s) could not run",
    ]
    if summary.status == "failed":
        lines.append("  THE SCAN FAILED: nothing could be checked; this is not an all-clear.")
    counts = [v for v in summary.trend if v is not None]
    if counts:
        lines.append(
            f"  Trend (last {len(summary.trend)} run(s)): {summary.sparkline}  {counts[0]} -> {counts[-1]} finding(s)"
        )
    if summary.previous_run is None:
        lines.append("  First run: nothing to compare with yet.")
    else:
        lines.append(f"  Since {summary.previous_run}: {len(summary.new)} new, {len(summary.fixed)} fixed")
        lines += [_delta_line("+", d) for d in summary.new]
        lines += [_delta_line("-", d) for d in summary.fixed]
    for group in summary.groups:
        lines.append(f"  {group.title} ({group.findings} finding(s))")
        for line in group.checks:
            view = line.view
            lines.append(f"    [{view.severity}] {view.title} ({view.id}): {len(line.result.findings)}")
            new = {(k.resource, k.region) for k in line.new}
            for finding in line.result.findings:
                mark = "NEW " if (finding.resource, finding.region) in new else ""
                lines.append(f"      {mark}{finding.resource} ({finding.region}) — {finding.detail}")
            if view.fix:
                lines.append(f"      fix: {view.fix}")
    if summary.accepted:
        lines.append(f"  Accepted risks ({len(summary.accepted)}, not counted as failing)")
        for item in summary.accepted:
            a = item.acceptance
            lines.append(
                f"    {item.check}: {item.finding.resource} ({item.finding.region}) — accepted by {a.accepted_by} "
                f"until {a.expires}: {a.reason}"
            )
    if summary.errors:
        lines.append("  Could not check:")
        lines += [f"    {r.check}: {r.error}" for r in summary.errors]
    if not summary.groups and summary.status == "ok":
        lines.append("  All checks pass.")
    return lines


def render_text(summary: PostureSummary) -> str:
    """The whole summary as plain text (terminal output and the overflow file)."""
    lines = [f"Posture summary · generated {summary.generated_at}"]
    if summary.scan_error:
        lines.append(f"THE SCAN FAILED: {summary.scan_error}")
        lines.append("This is not an all-clear: nothing could be checked.")
    for account in summary.accounts:
        lines.append("")
        lines += _account_text(account)
    return "\n".join(lines) + "\n"
