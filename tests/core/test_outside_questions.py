"""Questions about AWS products and variants beyond the first 25 ids, graded the way
../shared/tools/grade_outside.py grades them: the answer must be the product asked about with
the right owner, or an honest "not covered"; a wrong owner is the worst failure."""

from __future__ import annotations

import re
from typing import Any

from bot.answer import Answerer
from tests.grading import DATA, read_questions

OWN_SET = DATA / "questions_outside_own.jsonl"  # written before the fixes it measures, owners from AWS docs


def _norm(name: str) -> str:
    name = re.sub(r"\([^)]*\)", " ", name.lower()).replace("amazon ", "").replace("aws ", "")
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def _verdict(row: dict[str, Any], match: dict[str, Any] | None) -> str:
    if match is None:
        return "declined"
    if row["covered_id"]:
        service_ok = match["service"] == row["covered_id"]
    else:
        got, want = _norm(match.get("service_name") or ""), _norm(row["aws_service"])
        service_ok = bool(got) and (got == want or got in want or want in got)
    owners = row["owner"] if isinstance(row["owner"], list) else [row["owner"]]
    owner_ok = row["owner"] is None or match["topic"] is None or match["owner"] in owners
    return "right" if service_ok and owner_ok else "wrong"


def test_own_outside_set_is_answered_and_rarely_wrong(answerer: Answerer) -> None:
    rows = read_questions(OWN_SET)
    verdicts = [(_verdict(row, answerer.answer(row["question"])["match"]), row["question"]) for row in rows]
    right = sum(v == "right" for v, _ in verdicts) / len(rows)
    wrong = [q for v, q in verdicts if v == "wrong"]
    assert right >= 0.90, wrong
    assert len(wrong) / len(rows) <= 0.08, wrong


# Shapes that once crashed the matcher when an uncovered product was named first and a covered
# service's word came after it ("timestream tables ...": "tables" hints DynamoDB).
PROBES = (
    "{name} tables replicated across zones: do we configure that?",
    "{name}: who patches the OS, us or aws?",
    "we moved from {name} to lambda: who encrypts the data now?",
)


def test_every_product_of_the_gazetteer_gets_an_answer_in_any_question_shape(answerer: Answerer) -> None:
    """Every product botocore or the catalogue names, first in a question that also names or hints
    at a covered service: an answer object, never an exception (one in eight of these raised)."""
    names = sorted({product.name for product in answerer.matcher.products.values()})
    assert len(names) > 120  # botocore's products, less those the catalogue now covers or names as parts
    for name in names:
        for probe in PROBES:
            assert set(answerer.answer(probe.format(name=name))) >= {"question", "match", "breakdown"}


def _declined_by_name(answerer: Answerer, question: str, product: str) -> bool:
    answer = answerer.answer(question)
    return answer["match"] is None and product in answer["note"]


def _answered_as(answerer: Answerer, question: str, service: str) -> bool:
    match = answerer.answer(question)["match"]
    return match is not None and match["service"] == service


def test_a_product_named_first_is_declined_by_name_not_answered_as_the_service_after_it(answerer: Answerer) -> None:
    question = "AWS Proton templates deploying onto our DynamoDB tables: ours to configure?"
    assert _declined_by_name(answerer, question, "Proton")
    assert _declined_by_name(
        answerer, "Amazon Forecast predictors on top of our Glue Data Catalog: who manages them?", "Forecast"
    )
    # A single word of a product's model id is the technology, not the subject: MSK answers.
    assert _answered_as(answerer, "kafka consumer libraries on ECS reading from MSK: who upgrades them?", "msk")


def test_a_product_named_more_often_or_by_its_one_word_name_first_is_the_subject(answerer: Answerer) -> None:
    # Named twice against S3's once: the Forecast dataset is what the question is about.
    question = "our S3 bucket feeds an Amazon Forecast dataset. when forecast imports it, who encrypts the copy?"
    assert _declined_by_name(answerer, question, "Forecast")
    # A product named first, before the S3 bucket it writes to, is the subject.
    question = "Amazon Mechanical Turk workers reading images from our S3 bucket: encrypted by AWS or us?"
    assert _declined_by_name(answerer, question, "Mechanical Turk")
    # A covered service that uses the other one and is named more often is the subject too.
    question = "our S3 bucket feeds an Amazon Kendra index. when kendra crawls it, who encrypts the copy?"
    assert _answered_as(answerer, question, "kendra")


def test_a_service_every_service_uses_does_not_displace_the_product_it_serves(answerer: Answerer) -> None:
    """IAM, the VPC and CloudTrail are where a product's roles, network and records are: named
    first, they are still the means, and the uncovered product is declined by name."""
    question = "who grants the IAM permissions our developers need to use Amazon SimpleDB?"
    assert _declined_by_name(answerer, question, "SimpleDB")
    question = "CloudTrail records for Amazon Mechanical Turk HITs: who keeps them?"
    assert _declined_by_name(answerer, question, "Mechanical Turk")
    # A covered service named before the product is still the subject.
    assert _answered_as(answerer, "who grants the IAM permissions our Lambda functions need?", "lambda")


def test_an_ordinary_word_or_three_letters_name_no_product_alone(answerer: Answerer) -> None:
    """botocore calls EventBridge's schema registry "Schemas", SimpleDB's API "sdb" and a product
    "AWS Context": bare, or after "in an", they are a Glue table's schemas, a Linux disk and speech."""
    assert _answered_as(answerer, "who owns the schemas in our Glue data catalog?", "glue")
    assert _answered_as(answerer, "our EBS volume at /dev/sdb is not encrypted, whose fault?", "ebs")
    assert not _declined_by_name(answerer, "the interconnect between our racks and AWS: who fixes it?", "Interconnect")
    assert _answered_as(answerer, "AWS Interconnect to another cloud: who owns the physical link?", "aws-interconnect")
    # With the prefix AWS writes, the one-word name is the product; in an ordinary phrase it is not.
    assert _declined_by_name(answerer, "what AWS Context keeps about our business: who encrypts it?", "AWS Context")
    assert _answered_as(answerer, "in an AWS context, who patches the OS on our EC2 instances?", "ec2")
    assert _declined_by_name(answerer, "our S3 bucket feeds an Amazon Forecast dataset: who encrypts it?", "Forecast")
    question = "Got an AWS notification that an update is pending on our OpenSearch domain: who applies it?"
    assert _answered_as(answerer, question, "opensearch")
