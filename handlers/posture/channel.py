"""Is the posting channel reachable? Asked at start-up, so a problem shows then, not at 9 a.m."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_sdk import WebClient

_BAD_TOKEN = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})


def check_posting_channel(client: WebClient, channel: str | None) -> str | None:
    """A sentence saying why posting to `channel` will fail, or None when it looks fine.

    Uses conversations.info (no message is posted). A private channel the app was not
    invited to is invisible to it (`channel_not_found`); a public one it has not joined
    needs an invite or the chat:write.public scope.
    """
    from slack_sdk.errors import SlackApiError

    if not channel:
        return None
    name = f"DEMARC_POSTURE_CHANNEL {channel}"
    try:
        response = client.conversations_info(channel=channel)
    except SlackApiError as exc:
        data = exc.response.data if exc.response is not None and isinstance(exc.response.data, dict) else {}
        error = str(data.get("error", "unknown_error"))
        if error == "channel_not_found":
            return (
                f"{name}: the app cannot see this channel; if it is private, invite the app "
                "(/invite @demarc), otherwise check the id"
            )
        if error == "missing_scope":
            needed = data.get("needed", "channels:read,groups:read")
            return f"{name}: cannot check the channel, the token lacks the {needed} scope"
        if error in _BAD_TOKEN:
            return f"SLACK_BOT_TOKEN is not usable ({error}); the posture summary cannot be posted"
        return f"{name}: conversations.info failed ({error})"
    except Exception as exc:  # network: say so, the app may still start
        return f"{name}: could not reach Slack to check the channel ({type(exc).__name__}: {exc})"
    info = response.get("channel") or {}
    label = f"{name} (#{info['name']})" if info.get("name") else name
    if info.get("is_archived"):
        return f"{label} is archived; the app cannot post there"
    scopes = {s.strip() for s in (response.headers or {}).get("x-oauth-scopes", "").split(",") if s.strip()}
    if scopes and "chat:write" not in scopes:
        return f"{label}: the token lacks the chat:write scope"
    if info.get("is_member") is False and not info.get("is_im") and "chat:write.public" not in scopes:
        return f"{label}: the app is not a member; invite it (/invite @demarc) or grant chat:write.public"
    return None
