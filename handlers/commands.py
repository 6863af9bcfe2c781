"""`/demarc`: QUESTION, check, posture, compare, help.

The listener parses, acknowledges (well inside Slack's 3 seconds, with nothing slow before
the ack), and queues the work: answers to a small answer pool, account checks and posture
runs to the bounded job pool, so they never hold a listener thread. Replies go through the
response URL. On AWS Lambda (`register(..., lazy=True)`) the same ack and the same work are
split into a Bolt ack function and a lazy listener, because a frozen function runs no threads.

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

from handlers import blockkit, blocks
from handlers.common import answer_compare, answer_question, checks_allowed, guard, resolve_checks, run_checks
from handlers.deps import INLINE, Deps, Pool

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


def needs_work(deps: Deps, command: Command, channel: str | None) -> bool:
    """False when the ack itself is the whole answer (help, a refusal): nothing to run after it."""
    if command.kind == "help":
        return False
    return not (command.kind in ("check", "posture") and not checks_allowed(deps, channel))


def acknowledge(deps: Deps, command: Command, channel: str | None, ack: Ack) -> None:
    """The ack, with nothing slow before it. Help and refusals are instant, so they ride on it."""
    if command.kind == "help":
        help_blocks, text = blocks.render_help(deps.answerer.catalogue, checks_enabled=checks_allowed(deps, channel))
        ack(blocks=help_blocks, text=text, response_type="ephemeral")
    elif not needs_work(deps, command, channel):
        refusal, text = blocks.check_refusal(channel)
        ack(blocks=refusal, text=text, response_type="ephemeral")  # no AWS call, nothing queued
    elif command.kind == "check":
        what = f"`{blockkit.escape_code(command.arg)}`" if command.arg else "every check"
        ack(text=f"Running {what}; the results will be posted in this channel.", response_type="ephemeral")
    elif command.kind == "posture":
        ack(text="Running every check; the posture summary will be posted in this channel.",
            response_type="ephemeral")
    else:
        ack()


def work(
    deps: Deps, command: Command, channel: str | None, respond: Respond, client: WebClient, *, answers: Pool, jobs: Pool
) -> None:
    """Everything after the ack. `answers`/`jobs` are thread pools on a server and inline on Lambda."""

    def private(message_blocks: list[dict[str, Any]], text: str) -> object:
        return respond(blocks=message_blocks, text=text, response_type="ephemeral", replace_original=False)

    def public(message_blocks: list[dict[str, Any]], text: str) -> object:
        return respond(blocks=message_blocks, text=text, response_type="in_channel", replace_original=False)

    if command.kind == "question":
        answers.submit(
            lambda: guard(
                "command.question", private, lambda: private(*answer_question(deps, command.arg, shareable=True))
            )
        )
    elif command.kind == "compare":
        answers.submit(lambda: guard("command.compare", private, lambda: _compare(deps, command.arg, private)))
    elif command.kind == "check":
        def start_check() -> None:
            ids = resolve_checks(deps, command.arg)  # unknown names fail before any AWS call
            jobs.submit(lambda: guard("command.check", public, lambda: run_checks(deps, ids, command.arg, public)))

        answers.submit(lambda: guard("command.check", private, start_check))
    elif command.kind == "posture":
        assert isinstance(channel, str)
        jobs.submit(
            lambda: guard(
                "command.posture",
                private,
                lambda: deps.posture.post_posture(client, channel, deps.settings, force=True),
            )
        )


def register(app: App, deps: Deps, *, lazy: bool = False) -> None:
    """Attach `/demarc`: ack-then-thread on a server, ack plus a Bolt lazy listener with `lazy` (Lambda)."""

    def ack_demarc(ack: Ack, body: dict[str, Any]) -> None:
        acknowledge(deps, parse(str(body.get("text") or "")), body.get("channel_id"), ack)

    def answer_demarc(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """The lazy half on Lambda: a fresh invocation, so the work runs inline and to the end."""
        command, channel = parse(str(body.get("text") or "")), body.get("channel_id")
        if needs_work(deps, command, channel):
            work(deps, command, channel, respond, client, answers=INLINE, jobs=INLINE)

    def has_work(body: dict[str, Any]) -> bool:
        return needs_work(deps, parse(str(body.get("text") or "")), body.get("channel_id"))

    if lazy:
        # First match wins: help and refusals (the whole answer is the ack) cost no second invocation.
        app.command("/demarc", matchers=[has_work])(ack=ack_demarc, lazy=[answer_demarc])
        app.command("/demarc")(ack_demarc)
        return

    def on_demarc(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """Acknowledge at once, then hand the work to a pool (ack-then-thread).

        Everything slow is queued after ack() has been called, so the HTTP response never
        waits for it. (Bolt's lazy listeners would also work here, but they deep-copy the
        request on the ack path; on Lambda they are the only way, see `lazy`.)
        """
        command, channel = parse(str(body.get("text") or "")), body.get("channel_id")
        acknowledge(deps, command, channel, ack)
        if needs_work(deps, command, channel):
            work(deps, command, channel, respond, client, answers=deps.answers, jobs=deps.jobs)

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
