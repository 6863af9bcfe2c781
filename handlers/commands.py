"""`/demarc`: QUESTION, check, posture, compare, help.

The ack function only parses and acknowledges (well inside Slack's 3 seconds, with nothing
slow on that path); the lazy function does the work after the ack and replies through the
response URL. Account checks and posture runs go further, to the bounded job pool, so they
never hold a listener thread either.

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
    def ack_demarc(ack: Ack, body: dict[str, Any]) -> None:
        """Acknowledge at once; the help text and refusals are instant, so they ride on the ack."""
        command = parse(str(body.get("text") or ""))
        channel = body.get("channel_id")
        if command.kind == "help":
            help_blocks, text = blocks.render_help(
                deps.answerer.catalogue, checks_enabled=checks_allowed(deps, channel)
            )
            ack(blocks=help_blocks, text=text, response_type="ephemeral")
        elif command.kind in ("check", "posture") and not checks_allowed(deps, channel):
            refusal, text = blocks.check_refusal(channel)
            ack(blocks=refusal, text=text, response_type="ephemeral")
        elif command.kind == "check":
            what = f"`{blocks.escape_code(command.arg)}`" if command.arg else "every check"
            ack(text=f"Running {what}; the results will be posted in this channel.", response_type="ephemeral")
        elif command.kind == "posture":
            ack(text="Running every check; the posture summary will be posted in this channel.",
                response_type="ephemeral")
        else:
            ack()

    def work_demarc(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        command = parse(str(body.get("text") or ""))
        channel = body.get("channel_id")

        def private(message_blocks: list[dict[str, Any]], text: str) -> object:
            return respond(blocks=message_blocks, text=text, response_type="ephemeral", replace_original=False)

        def public(message_blocks: list[dict[str, Any]], text: str) -> object:
            return respond(blocks=message_blocks, text=text, response_type="in_channel", replace_original=False)

        if command.kind == "help":
            return
        if command.kind in ("check", "posture") and not checks_allowed(deps, channel):
            return  # refused on the ack; no AWS call
        if command.kind == "question":
            guard("command.question", private, lambda: private(*answer_question(deps, command.arg, shareable=True)))
        elif command.kind == "compare":
            guard("command.compare", private, lambda: _compare(deps, command.arg, private))
        elif command.kind == "check":
            def start_check() -> None:
                ids = resolve_checks(deps, command.arg)  # unknown names fail before any AWS call
                deps.jobs.submit(
                    lambda: guard("command.check", public, lambda: run_checks(deps, ids, command.arg, public))
                )

            guard("command.check", private, start_check)
        elif command.kind == "posture":
            assert isinstance(channel, str)
            deps.jobs.submit(
                lambda: guard(
                    "command.posture",
                    private,
                    lambda: deps.posture.post_posture(client, channel, deps.settings, force=True),
                )
            )

    app.command("/demarc")(ack=ack_demarc, lazy=[work_demarc])


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
