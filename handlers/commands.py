"""`/demarc`: QUESTION, check, posture, compare, help.

The listener parses, acknowledges (well inside Slack's 3 seconds, with nothing slow before
the ack), and queues the work: answers to a small answer pool, account checks and posture
runs to the bounded job pool, so they never hold a listener thread. Replies go through the
response URL.

Visibility (documented in docs/slack.md): answers and comparisons are ephemeral, with a
*Share in channel* button, so asking does not spam a busy incident channel but the answer is
one click from visible; account-check results are posted in the channel, because checks only
run in the allowlisted channels where the team wants them seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import blocks
from handlers.common import answer_compare, answer_question, checks_allowed, guard, resolve_checks, run_checks
from handlers.deps import Deps

SUBCOMMANDS = ("check", "posture", "compare", "help")


@dataclass(frozen=True)
class Command:
    kind: str  # question, check, posture, compare, help
    arg: str


def parse(text: str) -> Command:
    """Split the command text; anything that is not a sub-command is a question."""
    stripped = (text or "").strip()
    first, _, rest = stripped.partition(" ")
    word = first.lower()
    if not stripped or word in ("help", "-h", "--help", "?"):
        return Command("help", "")
    if word in SUBCOMMANDS:
        return Command(word, rest.strip())
    return Command("question", stripped)


def register(app: App, deps: Deps) -> None:
    def on_demarc(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """Acknowledge at once, then hand the work to a pool (ack-then-thread).

        Help and refusals are instant, so they ride on the ack itself. Everything else is
        queued after ack() has been called, so the HTTP response never waits for it. (Bolt's
        lazy listeners would also work, but they deep-copy the request on the ack path.)
        """
        command = parse(str(body.get("text") or ""))
        channel = body.get("channel_id")
        if command.kind == "help":
            help_blocks, text = blocks.render_help(
                deps.answerer.catalogue, checks_enabled=checks_allowed(deps, channel)
            )
            ack(blocks=help_blocks, text=text, response_type="ephemeral")
            return
        if command.kind in ("check", "posture") and not checks_allowed(deps, channel):
            refusal, text = blocks.check_refusal(channel)
            ack(blocks=refusal, text=text, response_type="ephemeral")
            return  # no AWS call, nothing queued
        if command.kind == "check":
            what = f"`{blocks.escape_code(command.arg)}`" if command.arg else "every check"
            ack(text=f"Running {what}; the results will be posted in this channel.", response_type="ephemeral")
        elif command.kind == "posture":
            ack(text="Running every check; the posture summary will be posted in this channel.",
                response_type="ephemeral")
        else:
            ack()

        def private(message_blocks: list[dict[str, Any]], text: str) -> object:
            return respond(blocks=message_blocks, text=text, response_type="ephemeral", replace_original=False)

        def public(message_blocks: list[dict[str, Any]], text: str) -> object:
            return respond(blocks=message_blocks, text=text, response_type="in_channel", replace_original=False)

        if command.kind == "question":
            deps.answers.submit(
                lambda: guard(
                    "command.question", private, lambda: private(*answer_question(deps, command.arg, shareable=True))
                )
            )
        elif command.kind == "compare":
            deps.answers.submit(lambda: guard("command.compare", private, lambda: _compare(deps, command.arg, private)))
        elif command.kind == "check":
            def start_check() -> None:
                ids = resolve_checks(deps, command.arg)  # unknown names fail before any AWS call
                deps.jobs.submit(
                    lambda: guard("command.check", public, lambda: run_checks(deps, ids, command.arg, public))
                )

            deps.answers.submit(lambda: guard("command.check", private, start_check))
        elif command.kind == "posture":
            assert isinstance(channel, str)
            deps.jobs.submit(
                lambda: guard(
                    "command.posture",
                    private,
                    lambda: deps.posture.post_posture(client, channel, deps.settings, force=True),
                )
            )

    app.command("/demarc")(on_demarc)


def _compare(deps: Deps, arg: str, reply: Any) -> None:
    from bot.errors import UsageError

    names = _split_pair(arg)
    if names is None:
        raise UsageError("usage: /demarc compare SERVICE SERVICE (for example: /demarc compare fargate lambda)")
    reply(*answer_compare(deps, *names))


def _split_pair(arg: str) -> tuple[str, str] | None:
    """Two service names: "fargate lambda", "EC2 vs ECS", "Elastic Beanstalk, Lambda"."""
    cleaned = arg.replace(" vs. ", ",").replace(" vs ", ",").replace(" and ", ",")
    parts = [p.strip() for p in cleaned.split(",") if p.strip()] if "," in cleaned else cleaned.split()
    return (parts[0], parts[1]) if len(parts) == 2 else None
