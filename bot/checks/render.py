"""Terminal text for a report: grouped by check, with who owns it and how to fix it.

Every check is on the customer's side of the shared responsibility line (that is why
demarc checks it), so each failing check says so in words and gives, for each finding,
the concrete command or step that fixes it.
"""

from __future__ import annotations

from bot.checks import metadata
from bot.checks.model import AccountReport, CheckResult, Finding

_MARK = {"pass": "PASS ", "fail": "FAIL ", "error": "ERROR"}


def remedy_for(check_id: str, finding: Finding) -> str | None:
    """The check's command for this finding, with the resource and region filled in."""
    from bot.checks.registry import get_check

    try:
        template = get_check(check_id).remedy
    except KeyError:
        return None
    if not template:
        return None
    name = finding.resource.rsplit("/", 1)[-1]
    return template.format(resource=finding.resource, region=finding.region, name=name)


def _render_result(result: CheckResult) -> list[str]:
    meta = metadata.get(result.check)
    title = meta.title if meta else result.check
    severity = f" [{meta.severity}]" if meta else ""
    lines = [f"{_MARK[result.status]} {result.check}: {title}{severity}"]
    if result.status == "pass":
        return lines
    if result.findings:
        lines.append(f"      {owner_context(result.service, result.topic)}")
        for finding in result.findings:
            lines.append(f"      - {finding.resource} ({finding.region}): {finding.detail}")
            command = remedy_for(result.check, finding)
            if command:
                lines.append(f"        fix: {command}")
        if meta and meta.fix:
            lines.append(f"      How to fix: {meta.fix}")
    if result.error:
        lines.append(f"      error: {result.error}")
    for note in result.notes:
        lines.append(f"      note: {note}")
    return lines


def render_text(report: AccountReport) -> str:
    """A plain-text report: a summary line, failing and erroring checks first, then passes."""
    counts = {s: sum(1 for r in report.results if r.status == s) for s in ("fail", "error", "pass")}
    header = (
        f"AWS account {report.account} ({', '.join(report.regions)}): "
        f"{counts['fail']} failing, {counts['error']} could not finish, {counts['pass']} passing"
    )
    order = {"fail": 0, "error": 1, "pass": 2}
    lines = [header, ""]
    for result in sorted(report.results, key=lambda r: order[r.status]):
        lines.extend(_render_result(result))
    return "\n".join(lines) + "\n"


def owner_context(service: str, topic: str) -> str:
    """Why a finding is the reader's to fix, in the catalogue's own words."""
    from bot.catalogue import default_catalogue

    catalogue = default_catalogue()
    if service not in catalogue.services or topic not in catalogue.topics:
        return "This is yours under the shared responsibility model; AWS will not fix it for you."
    cell = catalogue.cell(service, topic)
    where = f"{catalogue.topics[topic].title} on {catalogue.services[service].name}"
    if cell.owner == "shared":
        return f"This is your part of a shared layer under the model ({where}); AWS will not fix it for you."
    return f"This is yours under the model: {where} is the customer's side of the line; AWS will not fix it for you."
