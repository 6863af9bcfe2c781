"""Facets of a layer (`parts` of a cell): a question that names one gets that facet's owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.catalogue import Catalogue, collect_problems
from bot.facets import part_for, service_names
from bot.paths import builtin_catalogue_dir


def test_a_named_facet_decides_the_owner(catalogue: Catalogue) -> None:
    cell = catalogue.cell("kms", "encryption")
    assert cell.owner == "shared" and {p.owner for p in cell.parts} == {"aws", "customer"}
    aws = part_for(cell, "does KMS rotate the AWS managed keys by itself?")
    customer = part_for(cell, "rotation of our customer managed keys in KMS: automatic?")
    assert aws is not None and aws[0].owner == "aws"
    assert customer is not None and customer[0].owner == "customer"


def test_two_facets_named_as_strongly_leave_the_cell_owner(catalogue: Catalogue) -> None:
    cell = catalogue.cell("kms", "encryption")
    assert part_for(cell, "aws managed keys versus customer managed keys: who rotates them?") is None
    assert part_for(cell, "who handles KMS encryption?") is None


def test_the_answer_carries_the_facet(answerer: Answerer) -> None:
    answer = answerer.answer_cell("kms", "encryption", "is rotation of the AWS managed keys something we schedule?")
    match = answer["match"]
    assert match["owner"] == "aws" and match["facet"] and match["sources"]
    whole = answerer.answer_cell("kms", "encryption")
    assert whole["match"]["owner"] == "shared" and "facet" not in whole["match"]


def _refusal(overlay: Path, text: str) -> str:
    """Write one overlay file; the catalogue with it must be refused, and this is every reason given."""
    overlay.write_text(text, encoding="utf-8")
    catalogue, problems = collect_problems([builtin_catalogue_dir(), overlay.parent])
    assert catalogue is None
    return "\n".join(str(p) for p in problems)


def test_bad_parts_are_refused_with_file_entry_and_reason(tmp_path: Path) -> None:
    text = _refusal(
        tmp_path / "kms.yaml",
        "service: kms\n"
        "cells:\n"
        "  encryption:\n"
        "    owner: shared\n"
        "    summary: AWS protects the key material; you choose who may use your keys.\n"
        "    sources: [https://docs.aws.amazon.com/kms/latest/developerguide/overview.html]\n"
        "    parts:\n"
        "      - owner: shared\n"
        "        when: [hsm]\n"
        "        summary: Same owner as the cell.\n"
        "        sources: [https://docs.aws.amazon.com/kms/latest/developerguide/overview.html]\n"
        "      - owner: customer\n"
        "        summary: No phrases name this facet.\n"
        "        sources: [https://docs.aws.amazon.com/kms/latest/developerguide/overview.html]\n",
    )
    assert "kms.yaml" in text
    assert "cells.kms.encryption.parts[0].owner" in text and "cell's own owner" in text
    assert "cells.kms.encryption.parts[1].when" in text


@pytest.mark.parametrize(
    ("question", "owner"),
    [
        # a facet's words count in any order
        ("keys that are customer managed: who rotates them?", "customer"),
        # ... or spread over a sentence in their own order
        ("the customer side of this account has a managed rotation plan for each key: automatic?", "customer"),
        # "aws" ... "key" ... "its own" are the words of "aws owned key", too far apart to name it
        ("our cmk: does aws turn on rotation for the key by its own?", "customer"),
        # a facet named only as a comparison ("like the AWS managed keys") does not decide
        ("our customer managed key: does KMS rotate it each year on its own, like the AWS managed keys?", "customer"),
        # "would like" wants it: not a comparison
        ("we would like the AWS managed key rotated: is that automatic?", "aws"),
    ],
    ids=["any-order", "spread-in-order", "scattered-words", "comparison", "would-like"],
)
def test_the_facet_a_question_names(catalogue: Catalogue, question: str, owner: str) -> None:
    facet = part_for(catalogue.cell("kms", "encryption"), question)
    assert facet is not None and facet[0].owner == owner


def test_a_facet_named_as_what_used_to_be_does_not_decide(answerer: Answerer) -> None:
    """ "The old standard workflows kept execution history" says what was: the Express workflows
    asked about are not answered as the standard workflows' AWS-kept history."""
    question = (
        "our express state machines fail silently. the old standard workflows kept execution history. "
        "is logging for these ours?"
    )
    match = answerer.answer(question)["match"]
    assert match is not None and match["topic"] == "logging" and match["owner"] != "aws"


def test_a_facet_that_is_a_product_name_is_named_only_whole(catalogue: Catalogue) -> None:
    """ "outposts server" names a product: an outpost and, sentences later, a server do not."""
    cell = catalogue.cell("outposts", "hardware")
    names = service_names(catalogue.services["outposts"])
    spread = "a host in our outpost died last night. do we swap the server ourselves or does aws replace it?"
    assert part_for(cell, spread, names) is None
    named = part_for(cell, "our outposts server died: who installs the replacement?", names)
    assert named is not None and named[0].owner == "shared"
    # A name used only as a comparison does not decide either.
    kms = catalogue.cell("kms", "encryption")
    compared = part_for(
        kms,
        "our CMK: does KMS rotate it on its own, like the aws managed keys?",
        service_names(catalogue.services["kms"]),
    )
    assert compared is None or compared[0].owner != "aws"


def test_a_facet_switched_off_or_ruled_out_is_not_named(catalogue: Catalogue) -> None:
    """ "(automated agent configuration is off)" and "not an Outposts server" deny the facet."""
    agent = catalogue.cell("guardduty", "container-runtime")
    named = part_for(agent, "GuardDuty runtime monitoring uses the automated agent: who updates it?")
    assert named is not None and named[0].owner == "aws"
    assert part_for(agent, "GuardDuty runtime monitoring, automated agent turned off: who updates it?") is None
    outposts = catalogue.services["outposts"]
    hardware = catalogue.cell("outposts", "hardware")
    named = part_for(hardware, "our outposts server failed: who swaps it?", service_names(outposts))
    assert named is not None and named[0].owner == "shared"
    assert part_for(hardware, "a host in our 42U rack failed, not an outposts server", service_names(outposts)) is None


def test_a_negation_before_the_phrase_denies_it(catalogue: Catalogue) -> None:
    """ "we did NOT configure a customer managed key": the negation is before the phrase's first
    word, more than three words before its last."""
    cell = catalogue.cell("q-business", "encryption")
    named = part_for(cell, "Q Business app: we configured a customer managed key. who rotates it?")
    assert named is not None and named[0].owner == "customer"
    assert part_for(cell, "Q Business app: we did NOT configure a customer managed key. is the data encrypted?") is None


def test_a_contracted_negation_denies_the_phrase(catalogue: Catalogue) -> None:
    """ "doesn't have the SSM agent installed" says the agent is not there, as "no SSM agent" does."""
    cell = catalogue.cell("inspector", "container-runtime")
    named = part_for(cell, "our EC2 fleet has the SSM agent installed: who keeps it running for Inspector?")
    assert named is not None and named[0].owner == "customer"
    assert part_for(cell, "half our EC2 fleet doesn't have the SSM agent installed: can Inspector scan it?") is None


def test_a_phrase_spread_over_two_sentences_names_nothing(catalogue: Catalogue) -> None:
    """A facet's words in their own order count within one sentence, not across a full stop."""
    cell = catalogue.cell("bedrock", "encryption")
    named = part_for(cell, "Bedrock knowledge base for our chatbot: who handles its encryption at rest?")
    assert named is not None and named[0].owner == "customer"
    spread = "Our HR handbook goes into a Bedrock knowledge base for the chatbot. The encryption at rest, AWS or us?"
    assert part_for(cell, spread) is None


def test_a_question_about_the_whole_layer_names_no_facet(answerer: Answerer) -> None:
    """ "overall" and "do we own part of it" ask about a shared layer as a whole (`whole_layer`)."""
    one = answerer.answer("ACM: imported certificates, who renews them?")["match"]
    assert one is not None and one["owner"] == "customer" and one.get("facet")
    whole = answerer.answer("ACM renewals, validation records, imported certificates: overall, who owns that config?")
    match = whole["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("resource-config", "shared")
    assert "facet" not in match


def test_a_negation_that_is_part_of_the_phrase_denies_nothing(catalogue: Catalogue) -> None:
    """ "shard without replicas" names the customer's half of MemoryDB's high availability."""
    cell = catalogue.cell("memorydb", "high-availability")
    named = part_for(cell, "a MemoryDB shard without replicas lost its primary: whose gap was that?")
    assert named is not None and named[0].owner == "customer"


def test_both_sides_named_in_other_words_leave_the_cell_owner(catalogue: Catalogue) -> None:
    """One clause names AWS's facet and another ours: the question is about the whole layer."""
    cell = catalogue.cell("acm", "encryption")
    aws = part_for(cell, "who protects the acm private key?")
    ours = part_for(cell, "who renews the cert we imported from our own CA?")
    assert aws is not None and aws[0].owner == "aws"
    assert ours is not None and ours[0].owner == "customer"
    assert part_for(cell, "who protects the acm private key, and who renews the cert we imported from our CA?") is None
    # A shorter phrase inside the longer one is the same side, not the other ("managed key" in
    # "customer managed key").
    kms = catalogue.cell("kms", "encryption")
    named = part_for(kms, "rotation of our customer managed keys in KMS: automatic?")
    assert named is not None and named[0].owner == "customer"


def test_a_phrase_gathered_out_of_order_from_another_owner_s_words_is_not_named(catalogue: Catalogue) -> None:
    """ "our customer managed KMS keys: does AWS rotate them?" does not name "aws managed kms key"
    out of "customer managed kms keys ... aws", even though the name is said loosely."""
    service = catalogue.services["kms"]
    cell = catalogue.cell("kms", "encryption")
    question = "rotation is off on our customer managed KMS keys: doesn't aws rotate them?"
    named = part_for(cell, question, service_names(service))
    assert named is None or named[0].owner == "customer"
    named = part_for(cell, "does KMS rotate the AWS managed keys by itself?", service_names(service))
    assert named is not None and named[0].owner == "aws"


def test_a_name_with_a_qualifier_inserted_is_still_named(answerer: Answerer) -> None:
    """ "our customer managed KMS keys" names the customer managed key facet: against "aws ... own
    ... key" gathered across the sentence, the question names both sides and the cell answers."""
    question = "is automatic rotation of our customer managed KMS keys something AWS does on its own, or ours per key?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["owner"]) == ("kms", "shared")


def test_a_phrase_spread_across_the_sentence_does_not_overrule_one_said_close(answerer: Answerer) -> None:
    """ "manage the security agent manually ... who keeps that agent version updated?": the customer's
    facet said word for word is not overruled by "managed agent updates" gathered across the sentence."""
    question = (
        "GuardDuty Runtime Monitoring on our EKS cluster: we chose to manage the security agent manually, "
        "not the automated config. Who keeps that agent version updated?"
    )
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["owner"]) == ("guardduty", "customer")


def test_a_question_that_offers_the_split_gets_the_split_layer_whole(answerer: Answerer) -> None:
    # "or both" offers the split as an answer: the shared cell answers, not the one facet named.
    question = "Kafka version upgrades on our MSK cluster: is that AWS or us, or both?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("platform", "shared")
    assert "facet" not in match


def test_aws_doing_the_part_named_of_a_shared_layer_is_no_promise(answerer: Answerer) -> None:
    """The part AWS does of a layer it shares ("encryption at rest is always on") answers the
    question named, but askers mostly meant the rest of the layer too: the answer is "low" and
    offers the whole layer."""
    answer = answerer.answer("Amazon Keyspaces tables: is encryption at rest automatic, or is it our job?")
    match = answer["match"]
    assert match is not None and (match["owner"], match["facet"], match["confidence"]) == (
        "aws",
        "encryption at rest",
        "low",
    )
    whole_layer = {"service": "keyspaces", "topic": "encryption", "owner": "shared", "score": match["score"]}
    assert answer["alternatives"][0] == whole_layer
    assert "the rest of it may be yours" in answer["note"]
    # The customer's part of a shared layer is no such guess: "our customer managed key" is ours.
    match = answerer.answer("we use a customer managed key for our Keyspaces tables: who rotates it?")["match"]
    assert match is not None and (match["owner"], match["confidence"]) == ("customer", "high")


def test_a_layer_facet_joins_every_cell_of_the_owner_it_names(catalogue: Catalogue) -> None:
    """Every AWS API requires TLS 1.2 of its clients: written once on the encryption layer, the
    facet joins each encryption cell AWS owns, and no other."""
    for service in catalogue.services.values():
        cell = service.cells["encryption"]
        layer_wide = [p for p in cell.parts if p.layer_wide]
        assert bool(layer_wide) == (cell.owner == "aws"), service.id
    cell = catalogue.cell("resource-explorer", "encryption")
    named = part_for(cell, "our scripts call Resource Explorer: clients must support TLS 1.2, is that on us?")
    assert named is not None and named[0].owner == "shared" and named[0].layer_wide
    assert part_for(cell, "who encrypts the Resource Explorer index at rest?") is None


def test_the_answer_carries_a_layer_facet(answerer: Answerer) -> None:
    match = answerer.answer(
        "CodeCatalyst requires TLS 1.2 and PFS cipher suites: fully AWS's, or do our clients do a part?"
    )["match"]
    assert (match["service"], match["topic"], match["owner"]) == ("codecatalyst", "encryption", "shared")
    assert match["facet"] and any("tls-1-2-required" in url for url in match["sources"])
    assert answerer.answer("who encrypts our CodeCatalyst source repositories?")["match"]["owner"] == "aws"


def test_bad_layer_parts_are_refused_with_file_entry_and_reason(tmp_path: Path) -> None:
    text = _refusal(
        tmp_path / "topics.yaml",
        "topics:\n"
        "  encryption:\n"
        "    parts:\n"
        "      - owner: shared\n"
        "        when: [tls 1.2]\n"
        "        summary: AWS ends the connection; your clients must support TLS 1.2.\n"
        "        sources: [https://docs.aws.amazon.com/workmail/latest/adminguide/infrastructure-security.html]\n"
        "      - owner: aws\n"
        "        over: aws\n"
        "        when: [tls 1.3]\n"
        "        summary: Same owner as the cells it joins.\n"
        "        sources: [https://docs.aws.amazon.com/workmail/latest/adminguide/infrastructure-security.html]\n"
        "      - owner: shared\n"
        "        over: customer\n"
        "        when: [cipher suite]\n"
        "        summary: Says only one side.\n"
        "        sources: [https://docs.aws.amazon.com/workmail/latest/adminguide/infrastructure-security.html]\n",
    )
    assert "topics.yaml" in text
    assert "topics.encryption.parts[0].over" in text
    assert "topics.encryption.parts[1].owner" in text and "cells it joins" in text
    assert "topics.encryption.parts[2].summary" in text and "which part is AWS's" in text


def test_a_release_or_runtime_the_resource_is_pinned_to_is_yours_to_move(answerer: Answerer) -> None:
    # EMR Serverless builds the releases; moving an application to a newer release label is yours.
    match = answerer.answer("emr serverless app on release label emr-6.9.0: who moves it to a newer release?")["match"]
    assert match is not None and (match["service"], match["topic"], match["owner"]) == (
        "emr-serverless", "platform", "customer")
    match = answerer.answer("EMR Serverless: who builds and tests the Spark and Hive builds our jobs run on?")["match"]
    assert match is not None and match["owner"] == "aws"
    # CloudFront Functions: AWS runs and updates the runtime; switching a function to runtime 2.0 is yours.
    match = answerer.answer("cloudfront functions: moving them to runtime 2.0, AWS or us?")["match"]
    assert match is not None and (match["service"], match["owner"]) == ("cloudfront-functions", "customer")
    match = answerer.answer("who patches the JavaScript runtime CloudFront Functions run on?")["match"]
    assert match is not None and match["owner"] == "aws"


def test_encrypted_by_default_or_our_key_names_both_facets(answerer: Answerer) -> None:
    # "encrypted at rest by default, or do we need a customer managed key?" names AWS's default
    # encryption and the customer's key: the cell's shared answer, not one side's.
    question = "step functions execution history at rest: encrypted by default, or do we need a customer managed key?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["owner"]) == ("step-functions", "shared")
    match = answerer.answer("are step functions execution histories encrypted at rest by default?")["match"]
    assert match is not None and match["owner"] == "aws"


def test_a_lightsail_managed_database_is_maintained_by_lightsail(answerer: Answerer) -> None:
    """Lightsail instances are yours to patch; a Lightsail managed database gets its minor engine
    versions and maintenance from Lightsail in its maintenance window."""
    match = answerer.answer("who applies minor engine updates to our lightsail managed database?")["match"]
    assert match is not None and (match["service"], match["owner"], match.get("facet")) == (
        "lightsail", "aws", "managed database")
    match = answerer.answer("our lightsail wordpress instance is on an old php: who updates it?")["match"]
    assert match is not None and (match["service"], match["owner"]) == ("lightsail", "customer")
    # Containers: a Lightsail container service's runtime is Lightsail's; Docker on an instance is yours.
    match = answerer.answer("who patches the container runtime under our lightsail container service?")["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("container-runtime", "aws")
    match = answerer.answer("we run docker on our lightsail instance: who updates docker?")["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("container-runtime", "customer")
