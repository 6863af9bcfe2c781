"""`demarc serve`: run the Slack app (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT).

Everything is read from the environment (contract section 5); nothing secret is accepted on
the command line. Missing or malformed settings and a token Slack rejects stop start-up
with one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse

from bot.commands import SubParsers


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the Slack app",
        description="Run the Slack app. Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP on PORT "
        "(default 3000) at /slack/events. Configured from the environment: SLACK_BOT_TOKEN, "
        "SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_API_URL, PORT, DEMARC_CHECK_CHANNELS, ...",
    )
    parser.add_argument(
        "--no-verify-token",
        action="store_true",
        help="skip the auth.test call at start-up (offline testing against a fake Slack)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.config import load_settings, require_slack
    from bot.logs import configure_logging

    settings = load_settings()
    require_slack(settings)
    configure_logging(
        settings.log_level,
        secrets=[settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret],
    )
    from handlers.server import serve  # Slack is imported only when serving

    return serve(settings, verify_token=not args.no_verify_token)
