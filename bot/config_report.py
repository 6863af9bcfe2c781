"""`demarc config check`: what is set, what each way of running demarc still needs, what is wrong.

Reads the same environment `load_settings` reads, but reports every problem at once instead
of stopping at the first, and never prints a secret (only its first characters and length).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import Secret, load_settings
from bot.errors import ConfigError

SECRETS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")
VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "PORT",
    "DEMARC_CHECK_CHANNELS",
    "DEMARC_CHECK_USERS",
    "DEMARC_CHECK_ALLOW",
    "DEMARC_SCAN_CONCURRENCY",
    "DEMARC_SCAN_COOLDOWN",
    "DEMARC_POSTURE_CHANNEL",
    "DEMARC_POSTURE_CRON",
    "DEMARC_TZ",
    "DEMARC_REGIONS",
    "DEMARC_ROLE_ARNS",
    "DEMARC_ORG_ROLE_NAME",
    "DEMARC_SCAN_ACCOUNTS_IN_FLIGHT",
    "DEMARC_ORG_STORED_RUNS",
    "DEMARC_CATALOGUE",
    "DEMARC_STATE",
    "DEMARC_CONTEXT_TTL_SECONDS",
    "DEMARC_POSTURE_ONLY_ON_CHANGE",
    "DEMARC_POSTURE_MENTION",
    "DEMARC_EXCEPTIONS",
    "DEMARC_EXCEPTION_MAX_DAYS",
    "DEMARC_OWNERS",
    "DEMARC_POSTURE_ROUTING",
    "DEMARC_FEEDBACK",
    "DEMARC_FEEDBACK_RETENTION_DAYS",
    "DEMARC_BLOCK_KIT",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
)
MODES: Mapping[str, tuple[str, ...]] = {
    "Slack, Socket Mode (demarc serve)": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "Slack, HTTP (demarc serve)": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "Daily posture summary (serve or posture --post)": ("SLACK_BOT_TOKEN", "DEMARC_POSTURE_CHANNEL"),
    "Account checks in Slack": ("DEMARC_CHECK_CHANNELS",),
}


@dataclass
class ConfigReport:
    values: dict[str, str] = field(default_factory=dict)
    modes: dict[str, list[str]] = field(default_factory=dict)  # mode -> missing variables
    problems: list[str] = field(default_factory=list)
    catalogue: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _shown(name: str, value: str) -> str:
    return Secret(value).masked() if name in SECRETS else value


def build_report(env: Mapping[str, str] | None = None) -> ConfigReport:
    env = os.environ if env is None else env
    report = ConfigReport()
    for name in VARIABLES:
        value = env.get(name, "").strip()
        report.values[name] = _shown(name, value) if value else ""
    for mode, needed in MODES.items():
        report.modes[mode] = [name for name in needed if not env.get(name, "").strip()]
    try:
        load_settings(env)
    except ConfigError as exc:
        report.problems.extend(exc.problems)
    from bot.catalogue import catalogue_directories, collect_problems

    directories = catalogue_directories()
    catalogue, problems = collect_problems(directories)
    if catalogue is None:
        report.problems.extend(f"catalogue: {p}" for p in problems)
        report.catalogue = "invalid"
    else:
        cells = sum(len(s.cells) for s in catalogue.services.values())
        report.catalogue = f"{len(catalogue.services)} services, {cells} cells from {len(directories)} directory(ies)"
    return report


def render_report(report: ConfigReport) -> str:
    lines = ["Settings:"]
    width = max(len(n) for n in report.values)
    for name, value in report.values.items():
        lines.append(f"  {name:<{width}}  {value or '(not set)'}")
    lines.append(f"  {'catalogue':<{width}}  {report.catalogue}")
    lines.append("")
    lines.append("Ways to run:")
    for mode, missing in report.modes.items():
        state = "ready" if not missing else "needs " + ", ".join(missing)
        lines.append(f"  {mode}: {state}")
    lines.append("  Terminal (demarc ask, compare, check, posture): ready")
    lines.append("")
    if report.problems:
        lines.append("Problems:")
        lines.extend(f"  - {p}" for p in report.problems)
    else:
        lines.append("No problems found.")
    return "\n".join(lines)
