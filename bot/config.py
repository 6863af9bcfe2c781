"""Every setting demarc reads, in one place (12-factor: the environment, never the command line).

Each setting is validated when read, so a typo in a token or a cron line stops `demarc
serve` at start-up with one clear sentence instead of failing at 9 a.m. Secrets are held
in `Secret` so that printing a Settings object can never leak them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.store.location import StateLocation

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_POSTURE_CRON = "0 9 * * *"
#: DEMARC_CONTEXT_TTL_SECONDS: how long a thread (a DM) remembers its last question for follow-ups.
DEFAULT_CONTEXT_TTL_SECONDS = 3600
#: Accounts a scan runs at once (each with its own bounded pools); DEMARC_SCAN_ACCOUNTS_IN_FLIGHT.
DEFAULT_ACCOUNTS_IN_FLIGHT = 8
MAX_ACCOUNTS_IN_FLIGHT = 64
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_CHECK_USER = re.compile(r"^[UWS][A-Z0-9]{2,}$")
#: What DEMARC_CHECK_ALLOW may name: who, beyond members of the installing workspace, may run checks.
CHECK_ALLOW_OPTIONS = ("guests", "other-teams", "shared-channels")
DEFAULT_SCAN_CONCURRENCY = 4
DEFAULT_SCAN_COOLDOWN = 30
#: DEMARC_FEEDBACK: auto (Slack's feedback buttons on posted messages, plain buttons on
#: ephemeral answers), native (feedback buttons everywhere), buttons (plain everywhere), off.
FEEDBACK_CONTROLS = ("auto", "native", "buttons", "off")
BLOCK_KITS = ("2026", "classic")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


class Secret(str):
    """A string that never shows itself in repr, logs or f-strings with !r."""

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"

    def masked(self) -> str:
        return f"{self[:5]}...({len(self)} chars)" if len(self) > 8 else "***"


@dataclass(frozen=True)
class Settings:
    slack_bot_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_app_token: Secret | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = 3000
    check_channels: frozenset[str] = field(default_factory=frozenset)
    posture_channel: str | None = None
    posture_cron: str = DEFAULT_POSTURE_CRON
    timezone: str = "UTC"
    regions: tuple[str, ...] = ()
    catalogue: tuple[Path, ...] = ()
    state: str | None = None
    posture_only_on_change: bool = False
    posture_mention: str | None = None
    log_level: str = "INFO"
    role_arns: tuple[str, ...] = ()
    org_role_name: str | None = None
    #: DEMARC_CHECK_USERS: user ids (U.../W...) and user-group ids (S...) who may run checks;
    #: empty means every member of the installing workspace (not a guest).
    check_users: frozenset[str] = field(default_factory=frozenset)
    #: DEMARC_CHECK_ALLOW: exceptions to the default refusals (see CHECK_ALLOW_OPTIONS).
    check_allow: frozenset[str] = field(default_factory=frozenset)
    #: DEMARC_SCAN_CONCURRENCY: scans in flight at once (running or queued); more are refused.
    scan_concurrency: int = DEFAULT_SCAN_CONCURRENCY
    #: DEMARC_SCAN_COOLDOWN: seconds after a scan starts in a channel before another may start there.
    scan_cooldown: int = DEFAULT_SCAN_COOLDOWN
    exceptions_file: Path | None = None
    exception_max_days: int = 90
    owners_file: Path | None = None
    posture_routing: str = "off"
    #: DEMARC_CONTEXT_TTL_SECONDS: seconds a conversation's context lasts after its last answer.
    context_ttl_seconds: int = DEFAULT_CONTEXT_TTL_SECONDS
    scan_accounts_in_flight: int = DEFAULT_ACCOUNTS_IN_FLIGHT
    #: DEMARC_ORG_STORED_RUNS: Organization-scope checks in Slack read the latest stored runs
    #: (written by the Step Functions fan-out) instead of scanning every account.
    org_stored_runs: bool = False
    #: DEMARC_FEEDBACK_RETENTION_DAYS: days a Right/Wrong click keeps the question's text (0: never kept).
    feedback_retention_days: int = 90
    #: DEMARC_FEEDBACK: the Right/Wrong control on answers: auto, native, buttons or off.
    feedback_control: str = "auto"
    #: DEMARC_BLOCK_KIT: 2026 (table and rich-text blocks) or classic (sections only).
    block_kit: str = "2026"

    @property
    def state_location(self) -> StateLocation:
        """`DEMARC_STATE`, read by the one parser every store uses."""
        from bot.store.location import parse_state

        return parse_state(self.state)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def checks_allowed_in(self, channel_id: str | None) -> bool:
        return bool(channel_id) and channel_id in self.check_channels


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def parse_catalogue_dirs(value: str | None) -> tuple[Path, ...]:
    """`DEMARC_CATALOGUE`: directories separated by commas or the OS path separator (`:`),
    in the order they are merged; `~` is expanded. The one parser of this setting."""
    text = (value or "").replace(os.pathsep, ",")
    return tuple(Path(part).expanduser() for part in _split(text))


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}={value!r} is not a boolean (use true or false)")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise ConfigError naming the variable that is wrong."""
    env = os.environ if env is None else env
    problems: list[str] = []

    def secret(name: str, prefix: str | None) -> Secret | None:
        value = env.get(name, "").strip()
        if not value:
            return None
        if prefix and not value.startswith(prefix):
            problems.append(f"{name} must start with {prefix!r} (it does not; check you copied the right token)")
        return Secret(value)

    port_text = env.get("PORT", "3000").strip() or "3000"
    port = 3000
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        problems.append(f"PORT={port_text!r} is not a TCP port number")
    else:
        port = int(port_text)

    check_channels = _split(env.get("DEMARC_CHECK_CHANNELS"))
    for channel in check_channels:
        if not _CHANNEL_ID.match(channel):
            problems.append(f"DEMARC_CHECK_CHANNELS: {channel!r} is not a channel id (like C0123456789)")
    posture_channel = env.get("DEMARC_POSTURE_CHANNEL", "").strip() or None
    if posture_channel and not _CHANNEL_ID.match(posture_channel):
        problems.append(f"DEMARC_POSTURE_CHANNEL={posture_channel!r} is not a channel id (like C0123456789)")
    regions = _split(env.get("DEMARC_REGIONS"))
    for region in regions:
        if not _REGION.match(region):
            problems.append(f"DEMARC_REGIONS: {region!r} is not an AWS region name (like eu-west-1)")
    role_arns = _split(env.get("DEMARC_ROLE_ARNS"))
    for arn in role_arns:
        if not _ROLE_ARN.match(arn):
            problems.append(f"DEMARC_ROLE_ARNS: {arn!r} is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
    check_users = _split(env.get("DEMARC_CHECK_USERS"))
    for member in check_users:
        if not _CHECK_USER.match(member):
            problems.append(f"DEMARC_CHECK_USERS: {member!r} is not a user id (U0123456789) or group id (S0123456789)")
    check_allow = tuple(a.lower() for a in _split(env.get("DEMARC_CHECK_ALLOW")))
    for allowed in check_allow:
        if allowed not in CHECK_ALLOW_OPTIONS:
            problems.append(f"DEMARC_CHECK_ALLOW: {allowed!r} is not one of {', '.join(CHECK_ALLOW_OPTIONS)}")

    def count(name: str, default: int, low: int, high: int) -> int:
        text = env.get(name, "").strip()
        if not text:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            problems.append(f"{name}={text!r} is not a whole number from {low} to {high}")
            return default
        return int(text)

    scan_concurrency = count("DEMARC_SCAN_CONCURRENCY", DEFAULT_SCAN_CONCURRENCY, 1, 32)
    scan_cooldown = count("DEMARC_SCAN_COOLDOWN", DEFAULT_SCAN_COOLDOWN, 0, 3600)
    context_ttl = count("DEMARC_CONTEXT_TTL_SECONDS", DEFAULT_CONTEXT_TTL_SECONDS, 1, 7 * 86400)
    cron = env.get("DEMARC_POSTURE_CRON", "").strip() or DEFAULT_POSTURE_CRON
    if len(cron.split()) != 5:
        problems.append(f"DEMARC_POSTURE_CRON={cron!r} must have five fields (minute hour day month weekday)")
    timezone = env.get("DEMARC_TZ", "").strip() or "UTC"
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except (KeyError, ValueError, OSError):
        problems.append(f"DEMARC_TZ={timezone!r} is not a time zone name (like Europe/Paris)")
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not api_url.startswith(("http://", "https://")):
        problems.append(f"SLACK_API_URL={api_url!r} is not an http(s) URL")
    if not api_url.endswith("/"):
        api_url += "/"
    try:
        only_on_change = _flag(env, "DEMARC_POSTURE_ONLY_ON_CHANGE")
    except ConfigError as exc:
        problems.append(str(exc))
        only_on_change = False
    try:
        org_stored_runs = _flag(env, "DEMARC_ORG_STORED_RUNS")
    except ConfigError as exc:
        problems.append(str(exc))
        org_stored_runs = False

    in_flight_text = env.get("DEMARC_SCAN_ACCOUNTS_IN_FLIGHT", "").strip()
    in_flight = DEFAULT_ACCOUNTS_IN_FLIGHT
    if in_flight_text:
        if in_flight_text.isdigit() and 1 <= int(in_flight_text) <= MAX_ACCOUNTS_IN_FLIGHT:
            in_flight = int(in_flight_text)
        else:
            problems.append(
                f"DEMARC_SCAN_ACCOUNTS_IN_FLIGHT={in_flight_text!r} is not a whole number from 1 to "
                f"{MAX_ACCOUNTS_IN_FLIGHT}"
            )

    exceptions_file = env.get("DEMARC_EXCEPTIONS", "").strip() or None
    if exceptions_file and not Path(exceptions_file).expanduser().is_file():
        problems.append(f"DEMARC_EXCEPTIONS={exceptions_file!r} is not a file")
    max_days_text = env.get("DEMARC_EXCEPTION_MAX_DAYS", "").strip() or "90"
    try:
        exception_max_days = int(max_days_text)
        if exception_max_days < 1:
            raise ValueError
    except ValueError:
        problems.append(f"DEMARC_EXCEPTION_MAX_DAYS={max_days_text!r} must be a whole number of days (1 or more)")
        exception_max_days = 90

    owners_file = env.get("DEMARC_OWNERS", "").strip() or None
    if owners_file and not Path(owners_file).expanduser().is_file():
        problems.append(f"DEMARC_OWNERS={owners_file!r} is not a file")
    routing = (env.get("DEMARC_POSTURE_ROUTING", "").strip() or "off").lower()
    if routing not in ("off", "thread", "channel"):
        problems.append(f"DEMARC_POSTURE_ROUTING={routing!r} must be off, thread or channel")
        routing = "off"

    retention_days = count("DEMARC_FEEDBACK_RETENTION_DAYS", 90, 0, 3650)
    feedback_control = (env.get("DEMARC_FEEDBACK", "").strip() or "auto").lower()
    if feedback_control not in FEEDBACK_CONTROLS:
        problems.append(f"DEMARC_FEEDBACK={feedback_control!r} must be one of {', '.join(FEEDBACK_CONTROLS)}")
        feedback_control = "auto"
    block_kit = (env.get("DEMARC_BLOCK_KIT", "").strip() or "2026").lower()
    if block_kit not in BLOCK_KITS:
        problems.append(f"DEMARC_BLOCK_KIT={block_kit!r} must be one of {', '.join(BLOCK_KITS)}")
        block_kit = "2026"

    state = env.get("DEMARC_STATE", "").strip() or None
    if state:
        from bot.store.location import parse_state

        try:
            parse_state(state)
        except ConfigError as exc:
            problems.append(str(exc))

    settings = Settings(
        slack_bot_token=secret("SLACK_BOT_TOKEN", "xoxb-"),
        slack_signing_secret=secret("SLACK_SIGNING_SECRET", None),
        slack_app_token=secret("SLACK_APP_TOKEN", "xapp-"),
        slack_api_url=api_url,
        port=port,
        check_channels=frozenset(check_channels),
        posture_channel=posture_channel,
        posture_cron=cron,
        timezone=timezone,
        regions=regions,
        catalogue=parse_catalogue_dirs(env.get("DEMARC_CATALOGUE")),
        state=state,
        posture_only_on_change=only_on_change,
        posture_mention=env.get("DEMARC_POSTURE_MENTION", "").strip() or None,
        log_level=(env.get("DEMARC_LOG_LEVEL", "").strip() or "INFO").upper(),
        role_arns=role_arns,
        org_role_name=env.get("DEMARC_ORG_ROLE_NAME", "").strip() or None,
        check_users=frozenset(check_users),
        check_allow=frozenset(check_allow),
        scan_concurrency=scan_concurrency,
        scan_cooldown=scan_cooldown,
        exceptions_file=Path(exceptions_file).expanduser() if exceptions_file else None,
        exception_max_days=exception_max_days,
        owners_file=Path(owners_file).expanduser() if owners_file else None,
        posture_routing=routing,
        context_ttl_seconds=context_ttl,
        scan_accounts_in_flight=in_flight,
        org_stored_runs=org_stored_runs,
        feedback_retention_days=retention_days,
        feedback_control=feedback_control,
        block_kit=block_kit,
    )
    if problems:
        raise ConfigError("; ".join(problems), problems=problems)
    return settings


def require_slack(settings: Settings) -> None:
    """`demarc serve` and `--post` need these; say exactly which are missing."""
    missing = []
    if not settings.slack_bot_token:
        missing.append("SLACK_BOT_TOKEN (xoxb-...)")
    if not settings.socket_mode and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET (HTTP mode verifies every request with it)")
    if missing:
        raise ConfigError("missing " + ", ".join(missing) + "; see README 'Set up the Slack app'")
