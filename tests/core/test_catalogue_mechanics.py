"""Catalogue mechanics for coverage work: variants, standalone validation, duplicates, sources,
the gazetteer of uncovered products, and the answer-this-cell API."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.answer import Answerer, build_answer
from bot.catalogue import Catalogue, collect_problems, generic_only_cells, load_catalogue
from bot.compare import compare
from bot.matcher import Candidate, MatchResult
from bot.paths import builtin_catalogue_dir


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_builtin_catalogue_is_valid_standalone() -> None:
    catalogue, problems = collect_problems([builtin_catalogue_dir()])
    assert catalogue is not None, "\n".join(map(str, problems))
    for service in catalogue.services.values():
        if service.variant_of is None:
            assert set(service.cells) == set(catalogue.topics), service.id


def test_standalone_copy_with_a_cell_removed_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "catalogue"
    shutil.copytree(builtin_catalogue_dir(), copy)
    ec2 = copy / "cells" / "ec2.yaml"
    text = ec2.read_text(encoding="utf-8")
    start = text.index("\n  logging:")
    end = text.find("\n  ", start + 5)
    while end != -1 and text[end + 3] == " ":
        end = text.find("\n  ", end + 3)
    ec2.write_text(text[:start] + (text[end:] if end != -1 else "\n"), encoding="utf-8")
    catalogue, problems = collect_problems([copy])
    assert catalogue is None
    assert any("ec2" in p.entry and "logging" in p.message for p in problems), problems
    cli = subprocess.run(
        [sys.executable, "-m", "bot", "catalogue", "validate", "--standalone", str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 1 and "logging" in cli.stderr


def test_same_cell_in_two_files_of_one_directory_names_both(tmp_path: Path) -> None:
    body = """
        service: ec2
        cells:
          logging:
            owner: customer
            summary: You turn on and read the logs of your instances.
            sources: [https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring_ec2.html]
    """
    _write(tmp_path / "a.yaml", body)
    _write(tmp_path / "b.yaml", body)
    catalogue, problems = collect_problems([builtin_catalogue_dir(), tmp_path])
    assert catalogue is None
    twice = [p for p in problems if "defined twice" in p.message]
    assert twice and "a.yaml" in twice[0].message and "b.yaml" in twice[0].message


def test_cells_whose_only_source_is_the_generic_page_are_listed(catalogue: Catalogue) -> None:
    found = generic_only_cells(catalogue)
    print(f"{len(found)} cell(s) cite only the generic shared-responsibility page:")
    for service, topic in found:
        print(f"  {service}/{topic}")
    assert all(topic in catalogue.services[service].cells for service, topic in found)


@pytest.fixture(scope="module")
def variant_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    root = tmp_path_factory.mktemp("variants")
    _write(
        root / "services.yaml",
        """
        services:
          rds-lab:
            name: Amazon RDS Lab
            variant_of: rds
            differs: Unlike RDS, on RDS Lab you patch the OS yourself.
            aliases: [rds lab]
          dynamodb-lab:
            name: Amazon DynamoDB lab tables
            variant_of: dynamodb
            answer_as_parent: true
            differs: Lab tables replicate your table to the Regions you choose.
            aliases: [lab tables, lab table]
        """,
    )
    _write(
        root / "cells" / "rds-lab.yaml",
        """
        service: rds-lab
        cells:
          os-patching:
            owner: customer
            summary: On RDS Lab you patch the operating system of the DB instance yourself.
            sources: [https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-lab.html]
        """,
    )
    return load_catalogue([builtin_catalogue_dir(), root])  # fictional variants: the real ones ship built in


def test_a_variant_inherits_its_parent_and_overrides_its_own_cells(variant_catalogue: Catalogue) -> None:
    custom = variant_catalogue.services["rds-lab"]
    assert custom.own_cells == ["os-patching"]
    assert custom.cells["os-patching"].owner == "customer"
    assert custom.cells["facilities"] == variant_catalogue.services["rds"].cells["facilities"]
    assert custom.model == "container-services"
    assert custom.precedence > variant_catalogue.services["rds"].precedence
    answerer = Answerer.from_catalogue(variant_catalogue)
    match = answerer.answer("on rds lab, who patches the OS?")["match"]
    assert (match["service"], match["variant"], match["topic"], match["owner"]) == (
        "rds-lab",
        "rds-lab",
        "os-patching",
        "customer",
    )
    assert match["service_name"] == "Amazon RDS Lab"
    assert match["summary"].startswith("Unlike RDS")
    plain = answerer.answer("who patches the OS on RDS?")["match"]
    assert (plain["service"], plain["variant"], plain["owner"]) == ("rds", None, "aws")
    assert any(row["topic"] == "os-patching" for row in compare(variant_catalogue, "rds", "rds-lab").differences)


def test_answer_as_parent_keeps_the_parent_id(variant_catalogue: Catalogue) -> None:
    answer = Answerer.from_catalogue(variant_catalogue).answer_cell("dynamodb-lab", "high-availability")
    match = answer["match"]
    assert (match["service"], match["variant"]) == ("dynamodb", "dynamodb-lab")
    assert match["service_name"] == "Amazon DynamoDB lab tables"


def test_answer_cell_returns_the_contract_answer(answerer: Answerer) -> None:
    answer = answerer.answer_cell("fargate", "os-patching")
    match = answer["match"]
    assert (match["service"], match["topic"], match["owner"], match["confidence"]) == (
        "fargate",
        "os-patching",
        "aws",
        "high",
    )
    assert match["service_name"] == "AWS Fargate" and answer["breakdown"]["aws"]
    whole = answerer.answer_cell("lambda", None)
    assert whole["match"]["topic"] is None and whole["breakdown"]["customer"]
    with pytest.raises(KeyError):
        answerer.answer_cell("nope", "os-patching")
    json.dumps(answer)


@pytest.mark.parametrize(
    ("question", "product"),
    [
        ("who secures amazon mechanical turk?", "Mechanical Turk"),
        # Its botocore name holds WorkSpaces' own: only the catalogue's products entry names it.
        ("who secures amazon workspaces thin client devices?", "WorkSpaces Thin Client"),
        ("amazon forecast: who patches the engine?", "Forecast"),
        # Typed in lower case, a camel-case name has no capital to split it at: still the product.
        ("who patches the servers behind codeguru security?", "CodeGuru Security"),
        # Three or more ordinary words ending in "service" are a product's full name.
        ("who patches the marketplace entitlement service?", "Marketplace Entitlement Service"),
        # A botocore name AWS writes without its prefix is the product with one too.
        ("who patches AWS Agent Registry Control?", "Agent Registry Control"),
        # Oracle runs its Exadata infrastructure inside AWS: three parties, declined with what to read.
        ("oracle database@aws: who patches the exadata servers?", "Oracle Database@AWS"),
    ],
)
def test_uncovered_products_are_declined_by_name(answerer: Answerer, question: str, product: str) -> None:
    answer = answerer.answer(question)
    assert answer["match"] is None, answer["match"]
    assert product in answer["note"] and "does not cover" in answer["note"]


def test_amazon_file_cache_is_named_only_with_its_prefix(answerer: Answerer) -> None:
    """ "file cache" alone is anyone's cache, not ElastiCache; with the prefix it is the product."""
    match = answerer.answer("amazon file cache: who patches the servers?")["match"]
    assert match is not None and (match["service"], match["owner"]) == ("amazon-file-cache", "aws")
    match = answerer.answer("our app keeps a file cache on the EC2 disk: who patches the OS?")["match"]
    assert match is not None and match["service"] == "ec2"


def test_a_retired_product_says_what_to_read_instead(answerer: Answerer) -> None:
    answer = answerer.answer("who patches our elastic transcoder pipelines?")
    assert answer["match"] is None
    assert "Elastic Transcoder" in answer["note"] and "November 13, 2025" in answer["note"]
    assert "Security in" not in answer["note"]
    answer = answerer.answer("who patches the os on iot events detectors?")
    assert answer["match"] is None and "May 20, 2026" in answer["note"]
    answer = answerer.answer("who patches the OS on our OpsWorks stacks?")
    assert answer["match"] is None and "May 26, 2024" in answer["note"] and " yet" not in answer["note"]


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("who rotates the KMS keys, us or aws?", "kms"),
        ("ECR image scanning findings: whose job to fix them?", "ecr"),
        ("on RDS Custom who patches the OS?", "rds-custom"),
        ("eks anywhere on our vsphere: who runs the control plane?", "eks-anywhere"),
        ("amazon mq broker: who applies the OS patches?", "amazon-mq"),
        ("aurora dsql: who patches the engine?", "aurora-dsql"),
        ("our DMS task to Aurora fails validation: whose job are the table mappings?", "database-migration-service"),
        ("who patches the hypervisor under our storage gateway VM on esxi?", "storage-gateway"),
        ("the HSMs behind KMS: who replaces them, and do we need CloudHSM for that?", "kms"),
        ("we moved our signing keys off KMS onto a CloudHSM cluster: who rotates them now?", "cloudhsm"),
        # The key's own lifecycle words ("scheduled deletion", "key material") make KMS the subject.
        (
            "someone put our customer managed KMS key into scheduled deletion, and it encrypts the EBS volumes."
            " can AWS recover the key material, or was stopping that ours?",
            "kms",
        ),
        ("who secures the towers of our aws wavelength zone?", "wavelength"),
        ("who patches the os on aws ground station?", "ground-station"),
        ("greengrass core devices on our factory floor: who patches their OS?", "greengrass"),
        ("who patches application migration service replication servers?", "application-migration-service"),
        ("simple workflow service deciders: who runs them?", "swf"),
        ("our cloudformation stacks drifted: whose job is fixing the drift?", "cloudformation"),
        ("AWS PrivateLink interface endpoints: who secures the network underneath?", "vpc"),
        ("who secures the quantum hardware behind amazon braket?", "braket"),
        ("who patches the os on iot sitewise?", "iot-sitewise"),
        ("parallel computing service clusters: who patches the OS?", "parallel-computing-service"),
        ("esxi patching on our amazon evs hosts: us or aws?", "elastic-vmware-service"),
        ("who patches AWS Security Incident Response?", "security-incident-response"),
        ("who secures the devices in aws device farm?", "device-farm"),
        ("who patches the application discovery service agent?", "application-discovery-service"),
        ("who secures aws license manager?", "license-manager"),
        ("who secures amazon codecatalyst dev environments?", "codecatalyst"),
        ("amazon gamelift streams stream groups: who patches the OS?", "gamelift-streams"),
        ("who secures aws mediatailor?", "mediatailor"),
        ("our cloudwatch synthetics canaries run an old runtime: whose job is upgrading it?", "cloudwatch-synthetics"),
        # Typed in lower case, a camel-case name has no capital to split it at: still the product.
        ("who patches the os on iot fleetwise edge agents?", "iot-fleetwise"),
        ("redshift serverless workgroup: who scales the compute?", "redshift-serverless"),
        ("our aurora serverless v2 cluster hit its max ACUs: whose job is raising it?", "aurora-serverless"),
    ],
)
def test_products_the_catalogue_covers_answer_as_themselves(answerer: Answerer, question: str, service: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == service


def test_a_low_confidence_answer_asks_which_layer(catalogue: Catalogue) -> None:
    result = MatchResult("ec2", "os-patching", 40.0, None, (Candidate("ec2", "virtualization", 35.0),), probability=0.4)
    answer = build_answer(catalogue, "q", result)
    assert answer["match"]["confidence"] == "low"
    assert answer["note"].startswith("I'm not sure: is this about Operating system (yours) or Virtualization (AWS)?")
    assert answer["alternatives"][0]["topic"] == "virtualization"


def test_shipped_layer_model_matches_the_builtin_catalogue(catalogue: Catalogue) -> None:
    """A fresh install or a Lambda cold start must not train: the shipped weights fit this text."""
    from bot import topic_model

    docs = topic_model.training_documents(catalogue)
    digest = topic_model.training_digest(docs, catalogue.topic_order)
    shipped = topic_model.load_shipped(builtin_catalogue_dir() / topic_model.SHIPPED, digest)
    assert shipped is not None, "catalogue text or bot/topic_model.py changed: run `python -m bot.topic_model`"
    assert shipped.classes == tuple(catalogue.topic_order)


def test_shipped_layer_model_learnt_from_the_labelled_questions() -> None:
    """The shipped weights learnt from exactly the repository's labelled question sets as they are."""
    from bot import topic_model

    examples = topic_model.labelled_questions(topic_model.example_paths())
    assert len(examples) > 1000
    shipped = topic_model.shipped_examples(builtin_catalogue_dir() / topic_model.SHIPPED)
    assert shipped == topic_model.examples_digest(examples), "a labelled set changed: run `python -m bot.topic_model`"


def test_a_genuine_tie_offers_both_services(answerer: Answerer) -> None:
    answer = answerer.answer("sqs and sns: who encrypts the messages?")
    assert answer["match"]["confidence"] == "low"
    assert answer["alternatives"][0]["service"] == "sns"
    assert "Amazon SQS or Amazon SNS" in answer["note"]


def test_a_name_pattern_that_is_not_a_regular_expression_is_reported(tmp_path: Path) -> None:
    _write(
        tmp_path / "broken.yaml",
        """
        services:
          ec2-bare-metal:
            name_patterns: ['[a-z+\\.metal']
        """,
    )
    catalogue, problems = collect_problems([builtin_catalogue_dir(), tmp_path])
    assert catalogue is None
    assert any(p.entry.endswith("name_patterns") and "regular expression" in p.message for p in problems), problems


def test_a_topics_plain_words_train_the_layer_model_and_name_no_phrase() -> None:
    """`plain` sentences are layer-model training text, not phrases the matcher looks for."""
    from bot.catalogue import default_catalogue
    from bot.topic_model import training_documents

    catalogue = default_catalogue()
    facilities = catalogue.topics["facilities"]
    assert facilities.plain
    docs = training_documents(catalogue)
    assert any(label == "facilities" and "camera" in words for words, label in docs)  # only said in `plain`
    assert all(sentence not in facilities.aliases for sentence in facilities.plain)


def test_an_example_question_teaches_the_layer_without_its_service_or_control_ids(answerer: Answerer) -> None:
    """The layer model learns each labelled question's layer words, not which service or audit it named."""
    from bot.text import stem

    words = answerer.matcher.layer_words("SOC 2 CC7.1: who patches the kernel on our EKS worker nodes?")
    assert {stem("patches"), stem("kernel"), stem("nodes")} <= set(words)
    assert not {"eks", "soc", "cc7", "2", "1"} & set(words)
