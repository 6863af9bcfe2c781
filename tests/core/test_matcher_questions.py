"""The matcher against labelled questions, held to the acceptance bars."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.answer import Answerer
from tests.grading import BARS, DATA, SHARED_DEV_SET, grade, read_questions

QUESTION_SETS = [
    pytest.param(SHARED_DEV_SET, id="shared-dev"),
    pytest.param(DATA / "questions_extra.jsonl", id="extra"),
    pytest.param(DATA / "questions_holdout.jsonl", id="holdout"),
    pytest.param(DATA / "questions_blind.jsonl", id="blind"),
    pytest.param(DATA / "questions_blind2.jsonl", id="blind2"),
    pytest.param(DATA / "questions_blind3.jsonl", id="blind3"),
    pytest.param(DATA / "questions_blind4.jsonl", id="blind4"),
]


@pytest.mark.parametrize("path", QUESTION_SETS)
def test_question_set_meets_the_bars(answerer: Answerer, path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not present")
    rates, misses = grade(read_questions(path), answerer.answer)
    below = {k: round(rates[k], 3) for k, bar in BARS.items() if rates[k] < bar}
    assert not below, f"below bar: {below}\n" + "\n".join(misses)
    assert rates["whole"] >= 0.9, "\n".join(misses)
    assert rates["check_fp"] >= 0.97, "\n".join(misses)


@pytest.mark.parametrize(
    ("question", "service", "topic", "owner"),
    [
        ("who patches the OS on farget?", "fargate", "os-patching", "aws"),
        ("Is the hypervisor our problem on EC2?", "ec2", "virtualization", "aws"),
        ("Log4j in a Lambda: us or them?", "lambda", "application", "customer"),
        ("k8s masters on eks, who keeps them patched", "eks", "control-plane", "aws"),
        ("CVE in the base image of our fargate task - whose job", "fargate", "application", "customer"),
        ("kernel updates on our ec2 fleet - us?", "ec2", "os-patching", "customer"),
        ("who rotates the kms keys for dynamdb tables", "dynamodb", "encryption", "shared"),
        # The one layer named outright ("bucket policy") decides a short question, whatever the model leans to.
        ("<@U024BE7LH> who owns the bucket policy on `s3`? :thinking_face:", "s3", "data", "customer"),
        ("the elastic beanstalk service itself, that's aws operated?", "elastic-beanstalk", "control-plane", "aws"),
        # "has a bad day" is how engineers say a Region or zone is down.
        ("if us-east-1 has a bad day, who keeps Secrets Manager serving secrets?", "secrets-manager",
         "high-availability", "shared"),
    ],
)
def test_slang_typos_and_slack_markup(answerer: Answerer, question: str, service: str, topic: str, owner: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None, question
    assert (match["service"], match["topic"], match["owner"]) == (service, topic, owner)


@pytest.mark.parametrize(
    "question",
    [
        "Is patching GKE nodes on google or us?",
        "Azure Functions runtime patching: Microsoft's job?",
        "what's the max timeout for a lambda function",
        "how much does an NLB cost per hour",
        "io2 or gp3: which gives more IOPS per dollar?",
        "can we get a refund on unused reserved instances?",
        "how do I rotate an access key using the aws cli",
        "thanks!",
        "asdfghjkl qwerty",
        "",
        "????",
    ],
)
def test_abstains_outside_the_model(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert answer["match"] is None and answer["check"] is None
    assert answer["note"]


def test_whole_service_question_returns_the_breakdown(answerer: Answerer) -> None:
    answer = answerer.answer("what am I responsible for on Fargate?")
    assert answer["match"]["service"] == "fargate"
    assert answer["match"]["topic"] is None and answer["match"]["owner"] is None
    assert "os-patching" in answer["breakdown"]["aws"]
    assert "application" in answer["breakdown"]["customer"]


def test_account_question_names_the_check_and_cell_question_does_not(answerer: Answerer) -> None:
    assert answerer.answer("are any of our buckets public?")["check"] == "s3-public-access"
    assert answerer.answer("is root MFA on?")["check"] == "iam-root-mfa"
    cell = answerer.answer("whose job is MFA on the root user?")
    assert cell["check"] is None
    assert cell["match"]["service"] == "iam" and cell["match"]["checks"] == [
        "iam-password-policy",
        "iam-root-mfa",
        "iam-root-access-keys",
        "iam-user-mfa",
        "iam-admin-policy",
        "iam-password-reuse",
        "iam-unused-credentials",
        "iam-key-rotation",
        "iam-one-active-key",
        "iam-root-used",
        "iam-user-policies",
        "iam-support-role",
        "iam-expired-certificates",
        "iam-access-analyzer",
    ]


@pytest.mark.parametrize(
    ("question", "check_id"),
    [
        ("are any of our access keys older than 90 days?", "iam-key-rotation"),
        ("do we have unused credentials?", "iam-unused-credentials"),
        ("do we have a support role?", "iam-support-role"),
        ("are any of our access points public?", "s3-access-point-public"),
        ("do our bucket policies deny plain http?", "s3-secure-transport"),
        ("is guardduty enabled in every region?", "guardduty-enabled"),
        ("are our eks api endpoints public?", "eks-endpoint-public"),
        ("do any of our lambda functions have secrets in environment variables?", "lambda-env-secrets"),
        ("is point in time recovery on for our dynamodb tables?", "dynamodb-pitr"),
        ("are any of our sqs queues public?", "sqs-public"),
        # a policy's wildcard principal, and credentials "nobody has used", in the words people use
        ("do any of our SNS topic policies allow Principal '*' to publish?", "sns-public"),
        ("which IAM users have access keys no one has used in months?", "iam-unused-credentials"),
    ],
)
def test_questions_name_the_new_checks(answerer: Answerer, question: str, check_id: str) -> None:
    assert answerer.answer(question)["check"] == check_id


def test_low_confidence_offers_alternatives(answerer: Answerer) -> None:
    answer = answerer.answer("rds servers?")
    assert answer["match"] is not None
    assert answer["alternatives"] or answer["match"]["confidence"] == "high"


@pytest.mark.parametrize(
    ("question", "service", "owner"),
    [
        # Once uncovered and declined; now covered, each answers as itself, not as its parent.
        ("ecs anywhere: who secures the physical servers?", "ecs-anywhere", "customer"),
        ("emr on eks: who patches the node os?", "emr-on-eks", "customer"),
        ("eks auto mode - who patches the nodes?", "eks-auto-mode", "aws"),
        ("who patches redshift?", "redshift", "aws"),
    ],
)
def test_offerings_that_move_the_line_answer_as_themselves(
    answerer: Answerer, question: str, service: str, owner: str
) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == service and match["owner"] == owner


@pytest.mark.parametrize(
    ("question", "covered_as"),
    [
        ("lambda mounting efs - who configures file system access?", ("lambda", "resource-config")),
    ],
)
def test_a_service_named_in_passing_does_not_take_the_answer_over(
    answerer: Answerer, question: str, covered_as: tuple[str, str]
) -> None:
    answer = answerer.answer(question)
    assert answer["match"]["service"] == covered_as[0]
    assert all(alt["service"] in answerer.catalogue.services for alt in answer["alternatives"])


def test_common_words_are_never_corrected_into_catalogue_words(answerer: Answerer) -> None:
    matcher = answerer.matcher
    # Real words stay themselves (the guard list is 24k words long and must load whole) ...
    for word in ("turning", "tracking", "rolled", "choosing", "staying", "dropped", "restart"):
        assert matcher._correct(word) == word, word
    # ... while typos of catalogue words are still corrected.
    assert matcher._correct("dyanmodb") == "dynamodb"
    assert matcher._correct("kuberentes") == "kubernetes"
    assert matcher._correct("aroura") == "aurora"


def test_inflections_and_everyday_words_in_service_names_are_not_taken_for_typos(answerer: Answerer) -> None:
    matcher = answerer.matcher
    # A form the common-word list lacks is still a form of a word it holds: "restarting" is not
    # "resharding", "scoping" is not "scaling", "retried" is not "retired".
    for word in ("restarting", "scoping", "retried", "scopes", "tunables"):
        assert matcher._correct(word) == word, word
    # Two slips are forgiven only towards a distinctive name, not an everyday word of one.
    assert "scaling" in matcher._service_words and matcher._correct("scoping") != "scaling"
    assert matcher._correct("scalling") == "scaling"


def test_phrases_written_with_an_apostrophe_s_match(answerer: Answerer) -> None:
    answer = answerer.answer("eks on fargate - what's left for us")
    assert answer["match"]["service"] == "fargate" and answer["match"]["topic"] is None


def test_owner_probability_weighs_named_layers_as_the_layer_choice_does() -> None:
    from bot.matcher import PHRASE_BLEND, _posterior

    model = {"os-patching": 0.5, "virtualization": 0.5}
    updated = _posterior(model, {"os-patching": (3.0, 0)})
    assert abs(sum(updated.values()) - 1.0) < 1e-9
    assert updated["os-patching"] / updated["virtualization"] == pytest.approx(math.exp(3.0 * PHRASE_BLEND))
    assert _posterior(model, {}) == model


@pytest.mark.parametrize(
    ("question", "check_id"),
    [
        ("is guardduty turned on in every region for us or just us-east-1?", "guardduty-enabled"),
        ("does every VPC we own have a flow log?", "vpc-flow-logs"),
        ("are our CloudTrail trails validating their log files?", "cloudtrail-log-validation"),
    ],
)
def test_phrases_inside_an_account_question_do_not_make_it_ask_who(
    answerer: Answerer, question: str, check_id: str
) -> None:
    assert answerer.answer(question)["check"] == check_id


def test_a_last_word_of_time_does_not_hide_whose_it_is(answerer: Answerer) -> None:
    # "... are AWS's again?": "again" closes the question; "AWS's" before it asks who.
    question = "We moved the backend into a Local Zone. Are power, cooling and door access at that site AWS's again?"
    match = answerer.answer(question)["match"]
    assert match is not None
    assert (match["service"], match["topic"], match["owner"]) == ("local-zones", "facilities", "aws")


def test_the_account_and_mfa_in_plain_words(answerer: Answerer) -> None:
    match = answerer.answer("our amazon cloud account login has no two factor sign in. whose job is that?")["match"]
    assert match is not None and (match["service"], match["topic"], match["owner"]) == ("iam", "iam", "customer")


def test_one_layer_named_over_and_over_outweighs_a_word_for_every_layer(answerer: Answerer) -> None:
    # "(filling in the RACI)" would ask for every layer; the OS patching named three ways is what is asked.
    question = (
        "We turned on Systems Manager Patch Manager with the AWS predefined baseline, so OS patching is "
        "AWS's responsibility now, correct? (filling in the RACI)"
    )
    match = answerer.answer(question)["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("os-patching", "customer")
    # A RACI asked for alone is still every layer.
    match = answerer.answer("fill in the RACI for EKS for us")["match"]
    assert match is not None and match["service"] == "eks" and match["topic"] is None


def test_another_provider_left_behind_by_a_move_is_no_reason_to_decline(answerer: Answerer) -> None:
    question = "We moved from Heroku to Elastic Beanstalk. The instances' security group allows 22 from anywhere: ours?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == ("elastic-beanstalk", "network-config")
    # Another provider asked about is still declined.
    assert answerer.answer("who patches the OS on Heroku dynos?")["match"] is None
