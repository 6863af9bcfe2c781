"""Follow-ups and several questions in one message, in the core and through `demarc ask --json -`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answerer
from bot.clock import FixedClock
from bot.conversation import (
    COMPARED,
    KEPT_BOTH,
    KEPT_SERVICE,
    KEPT_TOPIC,
    Context,
    answer_message,
    answer_one,
    split_questions,
    turn_json,
)
from bot.store.context import SqliteConversations
from tests.core.test_cli import demarc
from tests.grading import SHARED_DEV_SET, read_questions


def cell(answer: dict[str, Any]) -> tuple[str, str | None] | None:
    match = answer["match"]
    return (match["service"], match["topic"]) if match else None


def lines(stdin: str) -> list[dict[str, Any]]:
    result = demarc("ask", "--json", "-", stdin=stdin)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_plus_lines_follow_up_the_line_before() -> None:
    out = lines(
        "who patches the OS on Fargate?\n"
        "+ and on Lambda?\n"
        "+ what about encryption?\n"
        "+ compare with fargate\n"
        "+ and there?\n"
        "+ who owns the hypervisor on EC2?\n"
        "what about encryption?\n"
    )
    assert len(out) == 7
    assert cell(out[0]) == ("fargate", "os-patching") and "followup" not in out[0]
    assert cell(out[1]) == ("lambda", "os-patching")
    assert out[1]["followup"] == {"kept": KEPT_TOPIC, "context": {"services": ["lambda"], "topic": "os-patching"}}
    assert cell(out[2]) == ("lambda", "encryption") and out[2]["followup"]["kept"] == KEPT_SERVICE
    assert out[3]["match"] is None and out[3]["comparison"]["services"] == ["lambda", "fargate"]
    assert out[3]["followup"]["kept"] == COMPARED
    assert [cell(a) for a in out[4]["answers"]] == [("lambda", "encryption"), ("fargate", "encryption")]
    assert out[4]["followup"]["kept"] == KEPT_BOTH and cell(out[4]) == ("lambda", "encryption")
    assert cell(out[5]) == ("ec2", "virtualization") and "followup" not in out[5]  # names both: fresh
    assert out[6]["match"] is None and "followup" not in out[6]  # no "+ ": no context


def test_compare_opens_a_conversation_about_two_services() -> None:
    out = lines("compare fargate and lambda\n+ what about encryption?\n+ and on EC2?\n")
    assert out[0]["match"] is None and sorted(out[0]["comparison"]["services"]) == ["fargate", "lambda"]
    assert sorted(cell(a) for a in out[1]["answers"]) == [("fargate", "encryption"), ("lambda", "encryption")]
    assert cell(out[2]) == ("ec2", "encryption") and "answers" not in out[2]


def test_a_line_without_plus_is_exactly_the_single_question_json(answerer: Answerer) -> None:
    questions = ["who patches the OS on Fargate?", "and on Lambda?", "is root MFA on?", "azure app service patching?"]
    out = lines("".join(f"{q}\n" for q in questions))
    assert out == [json.loads(json.dumps(answerer.answer(q))) for q in questions]
    assert [list(o) for o in out] == [["question", "match", "breakdown", "alternatives", "check", "note"]] * 4


def test_several_questions_on_one_line_are_answered_in_order_at_most_three() -> None:
    [two] = lines("Does ECS patch the host, and who owns the task role?\n")
    assert [cell(q) for q in two["questions"]] == [("ecs", "os-patching"), ("ecs", "iam")]
    assert cell(two) == ("ecs", "os-patching") and two["skipped"] == []
    assert two["question"] == "Does ECS patch the host, and who owns the task role?"  # echoed as sent
    assert [q["question"] for q in two["questions"]] == ["Does ECS patch the host", "who owns the task role?"]
    assert two["questions"][1]["followup"]["kept"] == KEPT_SERVICE
    [many] = lines("Who patches EC2? Who encrypts S3 buckets? Who owns IAM on Lambda? Who logs on RDS?\n")
    assert [cell(q) for q in many["questions"]] == [("ec2", "os-patching"), ("s3", "encryption"), ("lambda", "iam")]
    assert many["skipped"] == ["Who logs on RDS?"]
    result = demarc("ask", "Does ECS patch the host, and who owns the task role?")
    assert result.returncode == 0
    assert result.stdout.index("/ Operating system:") < result.stdout.index("/ Identity and access management:")


@pytest.mark.parametrize(
    "text",
    [
        "We run everything on Fargate. Who patches the OS?",
        "api gatway is patched by who? i mean the servers behind it",
        "on RDS Custom do we still get AWS doing server maintenance, or did we sign up for that too?",
        "Quick one? who patches the OS on Fargate?",
        "ebs encription, who must turn it on, and can u check if its on in our regions?",
        # A follow-on naming no service that asks the same layer of the service before it.
        "Glue jobs: who upgrades the Glue version when support ends, and what about jobs we pinned to an old version?",
        # A piece that asks nothing of responsibility is context for the question after it.
        "does Amazon Bedrock train on our prompts? and who decides how long they are kept?",
    ],
)
def test_one_question_with_context_is_not_split(answerer: Answerer, text: str) -> None:
    assert len(split_questions(answerer, text)) == 1


@pytest.mark.parametrize("name", ["questions_dev.jsonl", "questions_dev2.jsonl", "questions_outside_dev.jsonl"])
def test_the_public_sets_are_graded_the_same_with_splitting(answerer: Answerer, name: str) -> None:
    """Splitting never changes what the graders read (service, topic, owner, check) on the public sets."""
    def graded(answer: dict[str, Any]) -> tuple[Any, ...]:
        match = answer["match"]
        return (match and (match["service"], match["topic"], match["owner"]), answer["check"])

    path = SHARED_DEV_SET.with_name(name)
    if not path.exists():
        pytest.skip(f"{path} is not here")
    rows = read_questions(path)
    for row in rows:
        whole = answerer.answer(row["question"])
        assert graded(turn_json(answer_message(answerer, row["question"]))) == graded(whole), row["question"]


def test_what_a_follow_up_names_decides_what_it_keeps(answerer: Answerer) -> None:
    ctx = Context(("ecs",), "os-patching")
    assert cell(answer_one(answerer, "and the task role?", ctx).answers[0]) == ("ecs", "iam")
    assert cell(answer_one(answerer, "what about IAM?", ctx).answers[0]) == ("ecs", "iam")
    assert answer_one(answerer, "and on Azure?", ctx).answers[0]["match"] is None  # another cloud: fresh
    whole = answer_one(answerer, "what am I responsible for on Lambda?", ctx)
    assert whole.kept is None and cell(whole.answers[0]) == ("lambda", None)
    assert answer_one(answerer, "thanks!", ctx).kept is None


def test_the_sqlite_context_expires_after_its_ttl(tmp_path: Path) -> None:
    import datetime as dt

    clock = FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    store = SqliteConversations(tmp_path / "state.sqlite3", clock=clock, ttl_seconds=60)
    other = SqliteConversations(tmp_path / "state.sqlite3", clock=clock, ttl_seconds=60)  # another process
    store.save("T:C:1", Context(("fargate",), "os-patching"))
    assert other.load("T:C:1") == Context(("fargate",), "os-patching") and other.known("T:C:1")
    clock.advance(seconds=59)
    assert other.load("T:C:1") is not None
    clock.advance(seconds=1)
    assert other.load("T:C:1") is None and not store.known("T:C:1")


def test_the_dynamodb_context_is_shared_and_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    moto = pytest.importorskip("moto")
    import datetime as dt

    import boto3

    from bot.store import DynamoStore
    from bot.store.context import DynamoConversations
    from tests.conftest import use_fake_aws

    use_fake_aws(monkeypatch)
    with moto.mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        DynamoStore.create_table(client, "demarc-state")
        clock = FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
        one = DynamoConversations("demarc-state", client=client, clock=clock, ttl_seconds=60)
        two = DynamoConversations("demarc-state", client=client, clock=clock, ttl_seconds=60)
        one.save("T:D1", Context(("lambda", "fargate"), None))
        assert two.load("T:D1") == Context(("lambda", "fargate"), None)
        clock.advance(seconds=61)
        assert two.load("T:D1") is None
        item = client.get_item(TableName="demarc-state", Key={"pk": {"S": "context#T:D1"}, "sk": {"S": "context"}})
        assert int(item["Item"]["purge_at"]["N"]) == int(clock.now().timestamp()) - 1  # DynamoDB TTL purges it


def test_the_context_ttl_setting_is_validated() -> None:
    from bot.config import load_settings
    from bot.errors import ConfigError

    assert load_settings({}).context_ttl_seconds == 3600
    assert load_settings({"DEMARC_CONTEXT_TTL_SECONDS": "90"}).context_ttl_seconds == 90
    with pytest.raises(ConfigError, match="DEMARC_CONTEXT_TTL_SECONDS"):
        load_settings({"DEMARC_CONTEXT_TTL_SECONDS": "0"})


def test_a_piece_that_does_not_ask_who_sets_up_the_one_that_does(answerer: Answerer) -> None:
    """"encryption at rest on by default? and who owns the kms key side of it?" is one question."""
    text = "memorydb encryption at rest + TLS, on by default? and who owns the kms key side of it?"
    assert split_questions(answerer, text) == [text]
