"""Who may run account checks, posture runs and Run-check buttons: one decision, one place.

Account checks read the AWS accounts demarc can reach and post what they find in the
channel, so running them is a privilege, not something any reader of a channel gets. The
rules, in the order they are applied (the first that fails refuses):

1. the channel is in `DEMARC_CHECK_CHANNELS` (checked on the ack path, without Slack calls);
2. the request names a user;
3. the user belongs to the workspace that installed demarc (the request's `team_id` /
   `user.team_id` and `users.info`'s `team_id` against `auth.test`'s), unless
   `DEMARC_CHECK_ALLOW` has `other-teams`;
4. the user is not a guest (`users.info`: `is_restricted` / `is_ultra_restricted`), unless
   `DEMARC_CHECK_ALLOW` has `guests`;
5. the channel is not shared with another organisation (`conversations.info`:
   `is_ext_shared`, `is_pending_ext_shared`, or `is_shared` outside the org), unless
   `DEMARC_CHECK_ALLOW` has `shared-channels`;
6. when `DEMARC_CHECK_USERS` is set, the user is listed, or is a member of a listed user
   group (`usergroups.users.list`).

A lookup that fails refuses (fail closed): running a scan for someone demarc could not
identify is the larger harm. Lookups are cached for `CACHE_SECONDS` on the injected clock.
Every decision is one structured audit line on the `demarc.audit` logger: who, team,
channel, what, result and reason; never the user's text beyond the check name.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import SYSTEM_CLOCK, Clock, epoch_seconds
from bot.config import Settings
from handlers import blockkit, blocks

audit_log = logging.getLogger("demarc.audit")
log = logging.getLogger("demarc.authorize")

#: How long users.info, conversations.info and user-group answers are trusted.
CACHE_SECONDS = 300.0
#: Longest check name kept in an audit line.
MAX_WHAT = 80

T = TypeVar("T")


class TtlCache(Generic[T]):
    """A small thread-safe cache whose entries expire by the injected clock."""

    def __init__(self, clock: Clock, ttl: float, max_size: int = 10_000) -> None:
        self._clock, self._ttl, self._max = clock, ttl, max_size
        self._items: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], T]) -> T:
        now = epoch_seconds(self._clock)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = load()  # outside the lock: a slow Slack call must not serialise every request
        with self._lock:
            if len(self._items) >= self._max:
                self._items.clear()
            self._items[key] = (now + self._ttl, value)
        return value


@dataclass(frozen=True)
class Asker:
    """Who asked, where, as the (signed) payload says."""

    user: str | None
    team: str | None  # the user's team as the payload states it
    channel: str | None
    enterprise: str | None = None

    @classmethod
    def from_command(cls, body: Mapping[str, Any]) -> Asker:
        team = body.get("user_team") or body.get("user_team_id") or body.get("team_id")
        return cls(_str(body.get("user_id")), _str(team), _str(body.get("channel_id")),
                   _str(body.get("enterprise_id")))

    @classmethod
    def from_action(cls, body: Mapping[str, Any]) -> Asker:
        user = body.get("user") or {}
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        team = user.get("team_id") or (body.get("team") or {}).get("id")
        return cls(_str(user.get("id")), _str(team), _str(channel), _str((body.get("enterprise") or {}).get("id")))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # "allowed" or why not: channel_not_allowed, no_user, other_team, guest, ...

    @property
    def result(self) -> str:
        return "allowed" if self.allowed else "refused"


ALLOWED = Decision(True, "allowed")

#: Why, in words, and what an admin can do about it.
REASONS = {
    "no_user": "I could not tell who sent this request, so I did not look at AWS.",
    "lookup_failed": (
        "I could not confirm who you are or what kind of channel this is (Slack did not answer), "
        "so I did not look at AWS. Try again in a minute."
    ),
    "other_team": (
        "Account checks are only run for members of the workspace that installed demarc, and you are "
        "signed in from another workspace or organisation, so I did not look at AWS. An admin can allow "
        "it with `DEMARC_CHECK_ALLOW=other-teams`."
    ),
    "guest": (
        "Guest accounts may not run account checks, so I did not look at AWS. An admin can allow it "
        "with `DEMARC_CHECK_ALLOW=guests`, or add you to `DEMARC_CHECK_USERS` after making you a full member."
    ),
    "shared_channel": (
        "This channel is shared with another organisation (Slack Connect), so account checks do not run "
        "here and I did not look at AWS. Run them in an internal channel, or an admin can allow it with "
        "`DEMARC_CHECK_ALLOW=shared-channels`."
    ),
    "not_in_check_users": (
        "Only the people and user groups in `DEMARC_CHECK_USERS` may run account checks, so I did not "
        "look at AWS. An admin can add your user id, or a user group you belong to (its `S...` id)."
    ),
}


def refusal(decision: Decision, channel: str | None) -> tuple[list[dict[str, Any]], str]:
    """The message a refused user sees (ephemeral)."""
    if decision.reason == "channel_not_allowed":
        return blocks.check_refusal(channel)
    return blocks.render_notice(REASONS.get(decision.reason, REASONS["lookup_failed"]), emoji=":no_entry:")


class Authorizer:
    """Decides whether an `Asker` may run `what` (a check, posture, a Run-check button)."""

    def __init__(self, settings: Settings, clock: Clock = SYSTEM_CLOCK, ttl: float = CACHE_SECONDS) -> None:
        self.settings = settings
        self._users: TtlCache[dict[str, Any] | None] = TtlCache(clock, ttl)
        self._channels: TtlCache[dict[str, Any] | None] = TtlCache(clock, ttl)
        self._groups: TtlCache[frozenset[str] | None] = TtlCache(clock, ttl)
        self._home_team: str | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ decisions

    def channel_allowed(self, asker: Asker, what: str, surface: str) -> bool:
        """Rule 1, instant (ack path); audits a refusal."""
        if self.settings.checks_allowed_in(asker.channel):
            return True
        self.audit(asker, what, surface, Decision(False, "channel_not_allowed"))
        return False

    def decide(self, client: WebClient, asker: Asker, what: str, surface: str) -> Decision:
        """Every rule; one audit line for the outcome."""
        try:
            decision = self._decide(client, asker)
        except Exception:  # a bug here must refuse, never scan
            log.exception("authorization failed")
            decision = Decision(False, "lookup_failed")
        self.audit(asker, what, surface, decision)
        return decision

    def _decide(self, client: WebClient, asker: Asker) -> Decision:
        allow = self.settings.check_allow
        if not self.settings.checks_allowed_in(asker.channel):
            return Decision(False, "channel_not_allowed")
        if not asker.user:
            return Decision(False, "no_user")
        home = self.home_team(client)
        if home is None:
            return Decision(False, "lookup_failed")
        user = self._users.get(asker.user, lambda: self._lookup(client.users_info, "user", user=asker.user))
        if user is None:
            return Decision(False, "lookup_failed")
        teams = {t for t in (asker.team, _str(user.get("team_id"))) if t}
        if "other-teams" not in allow and (teams - {home} or user.get("is_stranger")):
            return Decision(False, "other_team")
        if "guests" not in allow and (user.get("is_restricted") or user.get("is_ultra_restricted")):
            return Decision(False, "guest")
        assert asker.channel is not None
        channel = self._channels.get(
            asker.channel, lambda: self._lookup(client.conversations_info, "channel", channel=asker.channel)
        )
        if channel is None:
            return Decision(False, "lookup_failed")
        if "shared-channels" not in allow and _shared_outside(channel):
            return Decision(False, "shared_channel")
        if self.settings.check_users and not self._listed(client, asker.user):
            return Decision(False, "not_in_check_users")
        return ALLOWED

    def _listed(self, client: WebClient, user: str) -> bool:
        listed = self.settings.check_users
        if user in listed:
            return True
        for group in sorted(g for g in listed if g.startswith("S")):
            members = self._groups.get(group, functools.partial(self._group_members, client, group))
            if members is not None and user in members:
                return True
        return False

    # ------------------------------------------------------------------ lookups

    def home_team(self, client: WebClient) -> str | None:
        """The installing workspace (auth.test), asked once per process."""
        with self._lock:
            if self._home_team:
                return self._home_team
        try:
            team = _str(client.auth_test().get("team_id"))
        except (SlackApiError, OSError) as exc:
            log.warning("auth.test failed; refusing checks until it answers", extra={"error": type(exc).__name__})
            return None
        with self._lock:
            self._home_team = team
        return team

    @staticmethod
    def _lookup(call: Callable[..., Any], key: str, **kwargs: Any) -> dict[str, Any] | None:
        try:
            value = call(**kwargs).get(key)
        except (SlackApiError, OSError) as exc:
            log.warning("Slack lookup failed; refusing", extra={"lookup": key, "error": _slack_error(exc)})
            return None
        return dict(value) if isinstance(value, dict) else None

    @staticmethod
    def _group_members(client: WebClient, group: str) -> frozenset[str] | None:
        try:
            users = client.usergroups_users_list(usergroup=group).get("users") or []
        except (SlackApiError, OSError) as exc:
            log.warning("user-group lookup failed", extra={"usergroup": group, "error": _slack_error(exc)})
            return None
        return frozenset(str(u) for u in users)

    # ------------------------------------------------------------------ audit

    def audit(self, asker: Asker, what: str, surface: str, decision: Decision) -> None:
        audit_log.info(
            "check request",
            extra={
                "audit": "check_request",
                "user": asker.user,
                "team": asker.team,
                "channel": asker.channel,
                "surface": surface,
                "what": blockkit.clip(" ".join(what.split()), MAX_WHAT) or "all",
                "result": decision.result,
                "reason": decision.reason,
            },
        )


def _shared_outside(channel: Mapping[str, Any]) -> bool:
    """Shared with another organisation (Slack Connect, or an invitation pending)."""
    if channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"):
        return True
    return bool(channel.get("is_shared")) and not channel.get("is_org_shared")


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def _slack_error(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error") or "error")
    return type(exc).__name__
