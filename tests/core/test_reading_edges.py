"""How a question's wording is read at the edges: CamelCase names, AWS and us as the two sides
of an "or", a facet's owner in the breakdown, and a line `demarc ask -` cannot answer."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from bot.answer import Answerer
from bot.matcher import FOCUS_FACTOR


def test_a_camelcase_name_the_catalogue_knows_stays_one_word(answerer: Answerer) -> None:
    match = answerer.answer("ElastiCache Serverless: who scales capacity when traffic spikes?")["match"]
    assert match is not None and match["variant"] == "elasticache-serverless"
    match = answerer.answer("CloudFront Functions runtime updates at the edge: anything for us?")["match"]
    assert match is not None and match["service"] == "cloudfront-functions"


def test_aws_and_us_either_side_of_or_ask_who_despite_how_to_words(answerer: Answerer) -> None:
    match = answerer.answer("log4j in the app we deploy on Elastic Beanstalk: aws fixes or we redeploy?")["match"]
    assert match is not None and (match["service"], match["owner"]) == ("elastic-beanstalk", "customer")
    # Without the two sides, a how-to stays unanswered.
    assert answerer.answer("how do we redeploy an Elastic Beanstalk app?")["match"] is None


def test_a_facet_owner_moves_its_layer_in_the_breakdown(answerer: Answerer) -> None:
    """The grader's shape rule: the matched layer is listed under the matched owner."""
    for question in (
        "kinesis stream in provisioned mode, ProvisionedThroughputExceeded: who adds shards?",
        "our MSK cluster's Apache Kafka version upgrade: who starts it?",
    ):
        answer = answerer.answer(question)
        match = answer["match"]
        assert match is not None and match.get("facet"), question
        assert match["topic"] in answer["breakdown"][match["owner"]]
        assert sum(match["topic"] in layers for layers in answer["breakdown"].values()) == 1


def test_a_line_that_fails_is_reported_and_the_others_answered(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.commands.ask as ask
    import bot.conversation as conversation
    from bot.cli import main

    real = conversation.answer_message

    def flaky(answerer: Any, text: str, context: Any = None) -> Any:
        if "boom" in text:
            raise RuntimeError("a bug")
        return real(answerer, text, context)

    monkeypatch.setattr(conversation, "answer_message", flaky)
    monkeypatch.setattr(ask, "_stdin_lines", lambda: ["who patches the OS on Fargate?", "boom", "is root MFA on?"])
    monkeypatch.delenv("DEMARC_DEBUG", raising=False)
    assert main(["ask", "--json", "-"]) == 0
    out, err = capsys.readouterr()
    answers = [json.loads(line) for line in io.StringIO(out)]
    assert [a["question"] for a in answers] == ["who patches the OS on Fargate?", "boom", "is root MFA on?"]
    assert answers[1]["match"] is None and "internal error" in answers[1]["note"]
    assert answers[2]["check"] == "iam-root-mfa"
    assert "line 2: internal error: RuntimeError" in err


def test_customer_managed_names_a_kind_of_key_not_who(answerer: Answerer) -> None:
    """ "customer managed" before "keys" is the key type: the question still asks about our keys."""
    assert answerer.answer("is rotation turned on for our customer managed KMS keys?")["check"] == "kms-key-rotation"
    # Asking who stays a question about the layer.
    answer = answerer.answer("customer managed keys in KMS: who rotates them?")
    assert answer["check"] is None and answer["match"] is not None


def test_the_check_whose_keywords_cover_more_of_the_question_wins_a_tie(answerer: Answerer) -> None:
    question = "have we turned on block public access for the whole account level in S3?"
    assert answerer.answer(question)["check"] == "s3-account-public-access-block"
    assert answerer.answer("are any of our s3 buckets public?")["check"] == "s3-public-access"


def test_a_question_that_asks_who_of_no_layer_gets_the_breakdown_unsure(answerer: Answerer) -> None:
    """No layer named and no whole-service request: the breakdown is a fallback, not a "high" answer."""
    answer = answerer.answer("our SnapStart function gives the same numbers in two environments now. ours or AWS's?")
    match = answer["match"]
    assert match is not None and match["topic"] is None and match["confidence"] == "low"
    assert "which layer" in answer["note"]
    # Asked for outright, the whole service stays sure.
    match = answerer.answer("what are we responsible for on Lambda, every layer?")["match"]
    assert match is not None and match["topic"] is None and match["confidence"] == "high"


@pytest.mark.parametrize("instance_type", ["c6i.metal", "i4i.metal", "m7g.metal-48xl", "mac2.metal"])
def test_any_metal_instance_type_names_the_bare_metal_variant(answerer: Answerer, instance_type: str) -> None:
    """Instance types are too many to list as aliases; the variant's name pattern reads them all."""
    match = answerer.answer(f"we run our own KVM on {instance_type}: isolation between our guest VMs, whose job?")[
        "match"
    ]
    assert match is not None and (match["service"], match["owner"]) == ("ec2-bare-metal", "customer")
    # A type that is not metal stays plain EC2.
    match = answerer.answer(f"ec2 {instance_type.split('.')[0]}.large: who patches the hypervisor?")["match"]
    assert match is not None and (match["service"], match["owner"]) == ("ec2", "aws")


def test_a_full_stop_inside_a_word_does_not_end_the_sentence(answerer: Answerer) -> None:
    """The asking sentence is the focus: "api.example.com" or "provided.al2023" must not cut it."""
    read = answerer.matcher._words("Cert for api.example.com expired. Who renews it on ACM?")
    assert read.words[read.focus[0] : read.focus[1]][:2] == ["who", "renews"]
    read = answerer.matcher._words("who patches provided.al2023 on lambda?")
    assert read.focus == (0, len(read.words))


@pytest.mark.parametrize(
    "question",
    [
        "ec2: who patches the hypervisor?",
        "whose job is tuning the hypervisor on EC2?",
        "who configures the hypervisor on ec2",
    ],
)
def test_a_verb_of_work_does_not_outweigh_the_layer_it_works_on(answerer: Answerer, question: str) -> None:
    """Patching, tuning and configuring happen on every layer; the object names which."""
    match = answerer.answer(question)["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("virtualization", "aws")


@pytest.mark.parametrize(
    ("question", "layer"),
    [
        ("we're all on Fargate. do we need to patch runc ourselves?", ("container-runtime", "aws")),
        ("our ECS services run on EC2: who patches the docker engine?", ("container-runtime", "customer")),
        ("who patches the kernel on our EC2 instances?", ("os-patching", "customer")),
    ],
)
def test_a_maintenance_verb_leaves_the_layer_to_what_it_maintains(
    answerer: Answerer, question: str, layer: tuple[str, str]
) -> None:
    """Patching applies to any software layer (vocabulary `maintenance_verbs`): followed by a layer
    named outright, that layer is asked about, and the verb is no evidence of the OS."""
    match = answerer.answer(question)["match"]
    assert match is not None and (match["topic"], match["owner"]) == layer


def _said(answerer: Answerer, question: str) -> tuple[Any, ...] | None:
    match = answerer.answer(question)["match"]
    return None if match is None else (match["service"], match["topic"], match["owner"])


def test_no_before_a_service_and_its_layer_rules_out_the_layer(answerer: Answerer) -> None:
    assert _said(answerer, "no ALB access logs for the incident window. who was supposed to turn them on?") == (
        "elb",
        "logging",
        "customer",
    )
    # Across a clause break the service itself is ruled out.
    said = _said(answerer, "we rolled our own k8s on ec2 with kubeadm (no EKS). etcd fell over: ours?")
    assert said is not None and said[0] == "ec2"


def test_unlike_and_like_name_the_service_compared_with(answerer: Answerer) -> None:
    said = _said(answerer, "Unlike RDS, do we ever have to patch a database engine version on DynamoDB?")
    assert said is not None and said[0] == "dynamodb"
    said = _said(answerer, "cloudfront functions js runtime: any runtime patching to track, like lambda?")
    assert said is not None and said[0] == "cloudfront-functions"


def test_a_clause_for_each_side_asks_for_the_whole_split(answerer: Answerer) -> None:
    match = answerer.answer("What does AWS take care of for an Application Load Balancer, and what's left to us?")[
        "match"
    ]
    assert match is not None and (match["service"], match["topic"]) == ("elb", None)


def test_a_price_asked_in_the_last_sentence_is_not_responsibility(answerer: Answerer) -> None:
    question = (
        "Planning the RDS migration next sprint and finance is asking us to trim spend. "
        "What's the cheapest instance class that still gives Postgres 16 GiB of RAM?"
    )
    assert answerer.answer(question)["match"] is None


def test_doing_it_ourselves_asks_who(answerer: Answerer) -> None:
    """ "do we also have to run X ourself?" asks whose job X is, whatever "does that mean" sounds like."""
    question = "EKS Hybrid Nodes put our workers on prem. does that mean we also have to run etcd ourself?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"], match["owner"]) == (
        "eks-hybrid-nodes",
        "control-plane",
        "aws",
    )
    answer = answerer.answer("vpc flow logs, do we turn them on ourselves?")
    assert answer["match"] is not None and answer["check"] is None


def test_which_one_is_better_is_advice_not_responsibility(answerer: Answerer) -> None:
    assert answerer.answer("which node type is better for our MSK brokers, m7g or m5?")["match"] is None
    match = answerer.answer("who patches the OS on fargate, is it better handled by us?")["match"]
    assert match is not None and match["topic"] == "os-patching"


def test_an_everyday_word_that_is_a_service_id_is_not_its_name(answerer: Answerer) -> None:
    said = _said(answerer, "etcd backups on our self-managed k8s on ec2: whose problem?")
    assert said is not None and said[0] == "ec2"
    said = _said(answerer, "aws backup vault lock: who owns it?")
    assert said is not None and said[0] == "backup"


def test_a_runtime_identifier_names_the_language_runtime(answerer: Answerer) -> None:
    assert _said(answerer, "lambda on nodejs16.x, deprecation email came. does aws move it or do we?") == (
        "lambda",
        "platform",
        "customer",
    )
    said = _said(answerer, "java17 lambda: who patches the jvm?")
    assert said is not None and said[:2] == ("lambda", "platform")


def test_a_how_to_with_state_words_is_not_about_the_account(answerer: Answerer) -> None:
    answer = answerer.answer("how do i get a shell on an ec2 instance with session manager instead of an ssh key")
    assert answer["check"] is None
    answer = answerer.answer("can u write me a terraform module for an s3 bucket with versioning on")
    assert answer["check"] is None and answer["match"] is None
    # An account cue still asks about the account.
    answer = answerer.answer("do all of our load balancer TLS listeners use a TLS 1.2+ security policy?")
    assert answer["check"] == "elb-tls-policy"


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("put the cloudfront responsibilities in a table for me, aws column vs customer column", "cloudfront"),
        ("elasticache: draw the line for me", "elasticache"),
        ("list what we secure on RDS", "rds"),
        ("For EMR, walk me through which responsibilities shift to AWS and which stay with our data eng team.", "emr"),
    ],
)
def test_more_ways_to_ask_for_the_whole_split(answerer: Answerer, question: str, service: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == (service, None)


def test_scaling_policies_point_at_auto_scaling(answerer: Answerer) -> None:
    said = _said(answerer, "the engine that evaluates our target tracking policies stopped reacting: AWS's to run?")
    assert said is not None and said[0] == "autoscaling"


def test_dont_use_rules_a_service_out(answerer: Answerer) -> None:
    said = _said(
        answerer, "we don't use RDS, postgres runs on our own ec2 instances. who patches the postgres binaries?"
    )
    assert said is not None and said[0] == "ec2"
    said = _said(
        answerer, "we don't put cloudfront in front of it, it's an s3 website. physical security of the objects?"
    )
    assert said is not None and said[0] == "s3"


def test_a_nat_gateway_is_vpc_and_a_nat_instance_is_ec2(answerer: Answerer) -> None:
    said = _said(
        answerer, "we're on managed NAT gateways now, not the old NAT instance AMI. the OS under it, aws patches?"
    )
    assert said is not None and said[:3] == ("vpc", "os-patching", "aws")


def test_another_provider_in_the_background_does_not_refuse_the_question(answerer: Answerer) -> None:
    question = (
        "We're moving the data team onto Elastic Beanstalk next sprint and they keep asking what they own. "
        "They have only ever used Heroku. Can you lay out the whole shared responsibility picture for "
        "Beanstalk, every layer?"
    )
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == ("elastic-beanstalk", None)
    assert answerer.answer("who patches the OS on Heroku dynos?")["match"] is None


def test_on_our_plate_asks_who(answerer: Answerer) -> None:
    match = answerer.answer("what's on our plate with EKS? workers are managed node groups on ec2, not fargate")[
        "match"
    ]
    assert match is not None and (match["service"], match["topic"]) == ("eks", None)


def test_botocore_names_a_covered_service_by_another_name(answerer: Answerer) -> None:
    """botocore's "Managed Streaming for Kafka" is MSK: never declined as an uncovered product."""
    said = _said(answerer, "msk cluster still on kafka 2.8.1. does aws upgrade the kafka version for us or do we?")
    assert said is not None and said[:3] == ("msk", "platform", "customer")
    said = _said(answerer, "need prompts+responses for an audit for the chatbot. is bedrock invocation logging on?")
    assert said is not None and said[0] == "bedrock"


def test_or_does_the_service_asks_who(answerer: Answerer) -> None:
    question = "on ecs managed instances do we still babysit an ASG and target tracking, or does ecs figure it out?"
    said = _said(answerer, question)
    assert said is not None and said[:3] == ("ecs-managed-instances", "capacity", "aws")
    # A service merely chosen between is no side.
    assert not answerer.matcher._sides_alternate(answerer.matcher._read("we run ECS or EKS for the new service"))


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("who patches the sagemaker runtime our endpoints run on?", "sagemaker"),
        ("who backs up our neptune data?", "neptune"),
        ("cloudtrail data events: whose job to turn them on?", "cloudtrail"),
        ("cognito identity provider user pool: who protects the user directory data?", "cognito"),
    ],
)
def test_a_covered_service_is_not_declined_by_one_of_its_api_names(
    answerer: Answerer, question: str, service: str
) -> None:
    said = _said(answerer, question)
    assert said is not None and said[0] == service


@pytest.mark.parametrize(
    ("question", "service"),
    [
        (
            "if one AZ goes down, does AWS KMS keep serving Decrypt, or is making KMS multi-AZ something we set up "
            "like we do for RDS?",
            "kms",
        ),
        (
            "analysts run big Athena queries and they get slow. do we have to scale compute for athena like we did "
            "with our EMR cluster?",
            "athena",
        ),
        ("it looks like rds is refusing connections after the engine patch, whose job is the engine?", "rds"),
        # "something" ends its clause at the comma: the clause "like with CloudFront" compares.
        (
            "if a region behind our global accelerator dies, does aws shift traffic or do we do something, like "
            "with cloudfront origin failover?",
            "global-accelerator",
        ),
    ],
)
def test_a_service_in_a_like_clause_is_the_one_compared_with(answerer: Answerer, question: str, service: str) -> None:
    said = _said(answerer, question)
    assert said is not None and said[0] == service


def test_doesnt_before_a_service_asks_about_it(answerer: Answerer) -> None:
    said = _said(
        answerer,
        "kinesis data stream in provisioned mode, 4 shards: is resharding our job or doesnt kinesis scale itself",
    )
    assert said is not None and said[0] == "kinesis-data-streams"
    said = _said(answerer, "CIS flags our api gateway stage: no usage plan and no throttling. ours to configure?")
    assert said is not None and said[0] == "api-gateway"


def test_the_service_a_message_opens_with_is_its_subject_over_a_peer(answerer: Answerer) -> None:
    question = (
        "Our Step Functions state machine fails the entire execution whenever one Lambda task throws a timeout. "
        "Is building retries/catch into the workflow on us, or shouldn't AWS be retrying that for us?"
    )
    said = _said(answerer, question)
    assert said is not None and said[0] == "step-functions"
    # A building block it opens with is the means, not the subject.
    said = _said(answerer, "task IAM roles for our ecs services running on our own ec2 cluster, who makes them?")
    assert said is not None and said[0] == "ecs"


def test_a_hint_elsewhere_does_not_displace_the_service_the_asking_sentence_names(answerer: Answerer) -> None:
    question = (
        "Switched from a node-based cluster to ElastiCache Serverless (valkey). Do we still need to plan node "
        "types/shard counts and scale them, or does AWS scale the serverless cache?"
    )
    said = _said(answerer, question)
    assert said is not None and said[:3] == ("elasticache", "capacity", "aws")


def test_a_layer_word_that_is_a_service_id_is_not_its_name(answerer: Answerer) -> None:
    said = _said(answerer, "non-managed model: firewall config (security groups) is customer?")
    assert said is not None and said[0] == "infrastructure-services"
    said = _said(answerer, "aws config recorder isn't running in eu-central-1: turning it on is whose job?")
    assert said is not None and said[0] == "config"


def test_a_message_that_asks_one_thing_twice_is_one_question(answerer: Answerer) -> None:
    from bot.conversation import split_questions

    question = (
        "HIPAA: is the default SSE-SQS good enough or do we need KMS? basically who owns queue encryption, "
        "us or AWS? we don't use SNS at all btw, only SQS"
    )
    assert split_questions(answerer, question) == [question]


def test_overlapping_feature_words_count_once(answerer: Answerer) -> None:
    """ "cert renewals" names ACM's renewal once, not twice: kubeadm on EC2 stays EC2."""
    said = _said(
        answerer,
        "we run kubeadm on ec2 (NOT eks, dont ask). etcd snapshots + apiserver cert renewals... "
        "aws handles any of that or nah?",
    )
    assert said is not None and said[0] == "ec2"


@pytest.mark.parametrize(
    ("question", "service"),
    [
        # The longest name is what "not" rules out: EMR itself stays.
        ("our EMR on EC2 cluster, not EMR Serverless: who patches the kernel of its nodes?", "emr"),
        # "a managed NAT gateway" is still the NAT gateway ruled out.
        ("our NAT box is an instance on a t4g.nano, not a managed NAT gateway: who patches its kernel?", "ec2"),
        # "no efs-utils" rules out a tool named after EFS, not EFS named outright before it.
        ("EFS mounted over plain NFS, no efs-utils: is that traffic encrypted in transit for us?", "efs"),
    ],
)
def test_a_negation_rules_out_the_name_it_is_about(answerer: Answerer, question: str, service: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == service, question


@pytest.mark.parametrize(
    ("question", "service"),
    [
        (
            "A worker Lambda reads the SQS queue and writes to our DynamoDB table. The queue and the function"
            " are fine; someone overwrote half the items. Restoring the table is whose job?",
            "dynamodb",
        ),
        (
            "The ALB in front of our ECS service logs full request URLs to S3. The ECS tasks themselves are"
            " fine. Who protects what lands in those load balancer access logs?",
            "elb",
        ),
    ],
)
def test_a_service_said_to_be_fine_is_context(answerer: Answerer, question: str, service: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == service


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("our batch host i-0abc1234def567890 lost its termination protection: whose setting was that?", "ec2"),
        ("game servers only in us-east-1-bos-1a: if that zone fails, whose resilience problem is it?", "local-zones"),
        ("a function on nodejs22.x with the default runtime update mode: who patches Node?", "lambda"),
        ("viewer-request code on cloudfront-js-2.0: who keeps that runtime patched?", "cloudfront-functions"),
        ("Fargate tasks on WINDOWS_SERVER_2019_CORE: who patches the host OS?", "fargate-windows"),
    ],
)
def test_an_identifier_names_its_service(answerer: Answerer, question: str, service: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == service, question


def test_the_default_runtime_update_mode_is_lambdas_auto_mode(answerer: Answerer) -> None:
    match = answerer.answer("our functions keep the default runtime update mode: who gets the patched runtime on?")[
        "match"
    ]
    assert match is not None and (match["service"], match["topic"], match["owner"]) == ("lambda", "platform", "aws")


def test_a_bracketed_control_title_leans_towards_its_layer_but_the_question_decides(answerer: Answerer) -> None:
    match = answerer.answer(
        "ISO 27001 A.8.10 (information deletion): a fresh EBS volume, could it hold another customer's old blocks?"
        " who guarantees not?"
    )["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("virtualization", "aws")
    # With no layer named outside it, the title is what the control (and the question) is about.
    question = "PCI DSS 9.4 (physical access controls) for the RDS estate: inherited, or evidence we owe?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"], match["owner"]) == ("rds", "facilities", "aws")


def test_the_technology_of_a_managed_product_is_not_the_product(answerer: Answerer) -> None:
    """'Grafana' is the dashboard tool; Amazon Managed Grafana is named with 'managed'."""
    match = answerer.answer(
        "Kinesis stream in provisioned mode keeps throttling producers; Grafana shows hot shards. Resharding: whose?"
    )["match"]
    assert match is not None and match["service"] == "kinesis-data-streams"
    match = answerer.answer("Amazon Managed Grafana workspace: who patches its servers?")["match"]
    assert match is not None and match["service"] == "managed-grafana"


def test_your_own_site_is_context_when_an_aws_service_is_named(answerer: Answerer) -> None:
    match = answerer.answer("who updates the CloudWatch agent on our EC2 instances and on prem servers?")["match"]
    assert match is not None and match["service"] == "cloudwatch"
    answer = answerer.answer("our on prem VM farm needs patching, whose team owns that?")
    assert answer["match"] is None and "your own site" in answer["note"]


def test_vmware_under_a_hybrid_service_is_the_askers_site_not_another_cloud(answerer: Answerer) -> None:
    """Storage Gateway's hypervisor is the customer's by its cells, so VMware there is context."""
    match = answerer.answer("our DataSync agent VM sits on VMware ESXi: who patches that hypervisor?")["match"]
    assert match is not None and (match["service"], match["topic"]) == ("datasync", "virtualization")
    assert answerer.answer("we run our app on vmware, who patches the OS?")["match"] is None


def test_a_flaw_weighs_for_the_layer_it_is_named_with(answerer: Answerer) -> None:
    """'CVE' leans towards the OS and the app only when no layer is named: a docker engine CVE is the
    container runtime's (vocabulary `vulnerability`)."""
    match = answerer.answer("a CVE in the docker engine on our EKS worker nodes: who fixes it?")["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("container-runtime", "customer")


def test_short_forms_and_tools_name_the_layer(answerer: Answerer) -> None:
    match = answerer.answer("root disk full again; growing the ebs vol and running xfs_growfs, us or aws?")["match"]
    assert match is not None and (match["service"], match["topic"]) == ("ebs", "resource-config")


def test_a_service_only_hinted_at_cannot_claim_a_layers_own_words(answerer: Answerer) -> None:
    """'secrets handling and TLS': a hint at Secrets Manager, plus words that name the encryption
    layer ("tls", "cmk"), do not make it the subject over the service named outright."""
    match = answerer.answer(
        "Fargate Windows tasks can't use our own CMK for their ephemeral storage like Linux tasks. So who owns"
        " encryption for the Windows tasks, i.e. secrets handling and TLS between services?"
    )["match"]
    assert match is not None and match["service"] == "fargate-windows"


def test_the_service_a_message_opens_with_and_names_again_is_its_subject(answerer: Answerer) -> None:
    match = answerer.answer(
        "ECR pulls failing in us-east-1 and every ECS service in us-west-2 points at"
        " 123456789012.dkr.ecr.us-east-1.amazonaws.com. Should AWS have kept our images in a second region?"
    )["match"]
    assert match is not None and match["service"] == "ecr"


def test_like_that_is_not_a_comparison(answerer: Answerer) -> None:
    question = "a stale CNAME in our hosted zone points at a deleted bucket. records like that, r53's or ours?"
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "route53"


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("self-managed k8s on EC2 instead of going with EKS: who renews the API server certificates?", "ec2"),
        ("a kube-apiserver flaw like CVE-2018-1002105: on EKS, who patches the API servers?", "eks"),
        ("cluster j-1K48XXXXXHCB lost its HDFS data when it terminated: whose job were durable copies?", "emr"),
        ("consumers see duplicates because the visibility timeout is shorter than processing: whose setting?", "sqs"),
        # a service turned down: "skipped X", "X was too pricey" (but "skipping X" only bypasses it)
        ("mysql runs on one EC2 box (we skipped RDS to save money): who patches the guest OS?", "ec2"),
        ("kubeadm on EC2 instances, EKS was too pricey: who upgrades the control plane?", "ec2"),
        ("requests skipping the CloudFront distribution hit the origin: who sets its origin access?", "cloudfront"),
        # "from ... to" is a move only with a verb of moving or a service where it goes; data sent
        # along a path ("shipping ... from X into Y") moves no workload
        ("the link from our Outposts rack back to the home Region drops: whose network?", "outposts"),
        ("we went from EC2 to containers last year: who patches the OS now?", "ecs"),
        ("streaming container logs from our Fargate tasks into CloudWatch: whose duty is log retention?", "fargate"),
        # a hint inside a name ruled out ("tables" in "route tables") hints at nothing else
        ("not our route tables, the cables between data centres: on the Direct Connect side?", "direct-connect"),
        # a generic hint inside another service's feature ("cache" in CloudFront's "cache policy") is no
        # hint of ElastiCache
        ("the distribution caches logged-in pages as the cache policy drops the cookie: whose setting?", "cloudfront"),
    ],
)
def test_a_contrast_or_an_example_does_not_hide_the_subject(answerer: Answerer, question: str, service: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == service, question


def test_a_layer_after_not_the_is_ruled_out(answerer: Answerer) -> None:
    match = answerer.answer("Not our image: the container runtime on the Fargate hosts, ours?")["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("container-runtime", "aws")


def test_a_layer_phrase_that_holds_the_article_is_ruled_out_after_not(answerer: Answerer) -> None:
    """"not our code" rules out "our code" (the application) as "not the IAM roles" does the roles."""
    question = "a CVE in the python interpreter of the managed runtime Lambda provides, not our code: who patches it?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == ("lambda", "platform")


def test_audit_language_asks_who(answerer: Answerer) -> None:
    match = answerer.answer("physical security of the data centres behind our DynamoDB tables: inherited control?")[
        "match"
    ]
    assert match is not None and (match["service"], match["owner"]) == ("dynamodb", "aws")


def test_a_per_layer_owner_map_is_the_whole_service(answerer: Answerer) -> None:
    match = answerer.answer("per-layer owner map for Amazon VPC, please")["match"]
    assert match is not None and (match["service"], match["topic"]) == ("vpc", None)


@pytest.mark.parametrize(
    ("question", "service"),
    [
        # Two requests for the split outweigh a layer the message mentions on the way.
        ("srm overview and full breakdown for EKS Anywhere, we bought the servers already", "eks-anywhere"),
        # A range of layers is every layer.
        ("DynamoDB: from the physical facilities to the IAM policies, which side owns each?", "dynamodb"),
        ("for SQS walk me from the physical facilities through the encryption, whose is each?", "sqs"),
        # "we're" is "we are", as the phrase lists spell it.
        ("everything we're on the hook for with DynamoDB?", "dynamodb"),
        ("what's ours on Amazon EFS?", "efs"),
        ("what am I responsible for overall on Fargate with the hypervisor gone?", "fargate"),
    ],
)
def test_whole_service_phrasings(answerer: Answerer, question: str, service: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == (service, None), question


def test_from_and_to_that_are_no_range_of_layers_keep_the_layer(answerer: Answerer) -> None:
    question = "our lambda reads from SQS and writes to DynamoDB, its role has dynamodb:*: whose job to tighten?"
    match = answerer.answer(question)["match"]
    assert match is not None and match["topic"] == "iam"


def test_a_framing_word_beside_services_of_other_models_names_no_model(answerer: Answerer) -> None:
    """ "isn't CloudWatch a managed service?" next to EC2 is about CloudWatch, not the model."""
    question = "the cloudwatch agent on our ec2 hosts is old: who updates it? cloudwatch is a managed service"
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "cloudwatch"
    match = answerer.answer("managed services (RDS, EMR): who patches the OS?")["match"]
    assert match is not None and match["service"] == "container-services"


@pytest.mark.parametrize(
    ("question", "service", "topic"),
    [
        # A statement of who does it, with a tag at the end, asks who.
        (
            "our opensearch domain is on an old engine version; aws upgrades that during maintenance, right?",
            "opensearch",
            "platform",
        ),
        # Asking AWS to do the work asks whether it is theirs.
        (
            "EKS Anywhere etcd on our vSphere is slow: can we open a ticket for AWS to fix the control plane?",
            "eks-anywhere",
            "control-plane",
        ),
        # A service given up is not the one the asker runs.
        ("we stopped using EKS and run kubeadm on EC2 now: who looks after etcd?", "ec2", "control-plane"),
        ("we no longer use Beanstalk, just plain EC2 instances: who patches the OS?", "ec2", "os-patching"),
    ],
)
def test_questions_in_other_shapes(answerer: Answerer, question: str, service: str, topic: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == (service, topic), question


@pytest.mark.parametrize(
    "question",
    [
        "Audit prep: what is the checklist of things we are responsible for on Amazon SQS?",
        "We might adopt Step Functions: can you list what we'd still be on the hook for?",
        "for Kinesis Data Streams: what does AWS do for us and what do we have to own?",
        "break down Amazon MQ for me",
        "Glue shared responsibility in a table, please",
        "Athena: show me the shared responsibility picture",
    ],
)
def test_more_whole_service_phrasings(answerer: Answerer, question: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and match["topic"] is None, question


def test_please_confirm_closes_a_statement_of_who(answerer: Answerer) -> None:
    match = answerer.answer(
        "our WorkSpaces desktops miss Windows updates; I think AWS is installing those? please confirm"
    )["match"]
    assert match is not None and (match["service"], match["topic"], match["owner"]) == (
        "workspaces",
        "os-patching",
        "customer",
    )


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("data moved to S3 Express One Zone. if that AZ goes down, does S3 keep a copy?", "s3-express-one-zone"),
        ("Beanstalk, custom AMI, managed updates on. Does that mean AWS keeps the OS patched?", "elastic-beanstalk"),
    ],
)
def test_asking_whether_aws_or_its_service_does_a_duty_asks_who(
    answerer: Answerer, question: str, service: str
) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == service, question


def test_asking_about_our_own_resources_doing_something_is_no_who_question(answerer: Answerer) -> None:
    """"do our RDS instances keep a week of backups?" asks about the account, not who keeps them."""
    answer = answerer.answer("do our RDS instances keep at least a week of automated backups?")
    assert answer["check"] == "rds-backup-retention"


def test_what_is_being_replaced_is_left_behind(answerer: Answerer) -> None:
    question = "We're replacing the Windows file servers we run on EC2 with FSx for Windows File Server: who patches?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["owner"]) == ("fsx-windows", "aws")


def test_a_long_who_question_about_one_duty_takes_the_models_layer(answerer: Answerer) -> None:
    """No layer phrase, but a message that asks who does one thing gets the layer the model leans
    to; a short or list-asking one ("who secures fargate?", "what's ours?") stays the breakdown."""
    question = "wait, our sagemaker training jobs can reach the internet by default?? who is meant to lock that down?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["topic"], match["owner"]) == ("network-config", "customer")
    for whole in ("who secures fargate?", "moving the whole company onto fargate soon, who owns the security of it?"):
        match = answerer.answer(whole)["match"]
        assert match is not None and match["topic"] is None, whole


def test_what_we_used_to_run_is_behind_us(answerer: Answerer) -> None:
    """"we used to run SFTP on a plain EC2 box; it's now Transfer Family" is about Transfer Family;
    "the bucket is used to store logs" is no habit of ours."""
    question = "We used to run partner SFTP on a plain EC2 box with openssh; it's now AWS Transfer Family. Who patches?"
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "transfer-family"
    match = answerer.answer("the S3 bucket is used to store our logs: who encrypts it?")["match"]
    assert match is not None and match["service"] == "s3"


def test_a_message_s_before_is_left_behind(answerer: Answerer) -> None:
    question = "before: presto on EMR, we added core nodes at month end. after: athena. do we add capacity somewhere?"
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "athena"


def test_a_comparison_reaches_across_like_we_do_with(answerer: Answerer) -> None:
    question = "CloudFront Functions: do we track JS runtime deprecations like we do with node on lambda@edge?"
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "cloudfront-functions"


def test_self_managed_is_not_the_managed_product(answerer: Answerer) -> None:
    question = "after migrating from self-managed kafka on ec2 to MSK, is patching the brokers' OS still on us?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["owner"]) == ("msk", "aws")


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("We come from ElastiCache with one AUTH token. In MemoryDB who creates the users and ACLs?", "memorydb"),
        ("moving a small Flask API off Elastic Beanstalk onto App Runner: who scales it for promos?", "app-runner"),
    ],
)
def test_where_a_move_comes_from_is_left_behind(answerer: Answerer, question: str, service: str) -> None:
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == service, question


def test_the_service_a_message_moves_to_is_the_subject(answerer: Answerer) -> None:
    question = (
        "Beanstalk made us pick the AZs for each environment. We are moving the service to App Runner."
        " Anything for us to set up for zone failures?"
    )
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "app-runner"


def test_where_a_move_goes_is_run_even_when_the_same_service_was_left(answerer: Answerer) -> None:
    question = "we moved the blog off a Lightsail container service onto a plain Lightsail instance: who patches it?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["owner"]) == ("lightsail", "customer")


def test_a_service_every_service_uses_in_the_asking_sentence_is_the_means(answerer: Answerer) -> None:
    question = (
        "we put SCPs on every OU in AWS Organizations. does that mean AWS now guarantees least privilege for the"
        " member accounts, or is IAM still our job?"
    )
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "organizations"


def test_more_ways_to_report_and_to_ask_about_the_account(answerer: Answerer) -> None:
    reported = "Inspector lights up every node in our EKS managed node groups with a kernel CVE: who patches them?"
    match = answerer.answer(reported)["match"]
    assert match is not None and match["service"] == "eks"
    assert answerer.answer("do our load balancers all use a TLS 1.2 security policy?")["check"] == "elb-tls-policy"


def test_what_a_thing_is_made_from_is_no_move(answerer: Answerer) -> None:
    """ "instances come from an ECS-optimized AMI" says how they were built; ECS is not left behind."""
    question = "container instances come from an ECS-optimized AMI baked last year: who updates the ECS agent on them?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == ("ecs", "container-runtime")


def test_who_creates_is_a_duty_who_created_is_trivia(answerer: Answerer) -> None:
    match = answerer.answer("in MemoryDB who creates the users and the ACLs?")["match"]
    assert match is not None and match["service"] == "memorydb"
    assert answerer.answer("who created kubernetes?")["match"] is None


def test_the_layer_the_asking_sentence_names_weighs_more_in_a_short_message_too(answerer: Answerer) -> None:
    """A layer phrase in the sentence that asks counts FOCUS_FACTOR times one said as context (the
    layer model then weighs in: see `Matcher._blend`)."""
    matcher = answerer.matcher
    reading = matcher._read("VPC flow logs are on everywhere. Who owns the security groups?")
    scores = matcher._topic_scores(reading, "vpc")
    assert scores["network-config"][0] == pytest.approx(scores["logging"][0] * FOCUS_FACTOR)

def test_split_as_a_third_answer_is_no_request_for_the_split(answerer: Answerer) -> None:
    question = (
        "One NAT gateway in one AZ, the AZ lost power and our private subnets lost egress. Under the SRM,"
        " is that kind of VPC resilience AWS's problem, ours, or split?"
    )
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == ("vpc", "high-availability")


def test_where_a_move_goes_is_not_left_behind(answerer: Answerer) -> None:
    question = (
        "our vendor says AWS will move our search domain from Elasticsearch 7.10 to OpenSearch 2.x for us"
        " next quarter. is that true or is the engine version upgrade ours to schedule?"
    )
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "opensearch"


def test_another_companys_product_beside_a_covered_service_is_what_it_connects_to(answerer: Answerer) -> None:
    question = "AppFlow pulls Salesforce objects into S3 every hour: who sets up the IAM permissions for AppFlow?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == ("appflow", "iam")
    # Alone, it is another provider's product, declined by name.
    answer = answerer.answer("who patches snowflake?")
    assert answer["match"] is None and "snowflake" in answer["note"].lower()


def test_a_layer_word_before_team_names_people_not_the_layer(answerer: Answerer) -> None:
    question = (
        "full shared responsibility breakdown for RDS Custom please, "
        "the DBA team is taking it over from the platform team"
    )
    answer = answerer.answer(question)
    assert answer["match"]["service"] == "rds-custom" and answer["match"]["topic"] is None


def test_the_zone_spelled_out_going_down_asks_about_availability(answerer: Answerer) -> None:
    question = "one Lightsail instance runs our blog: if its Availability Zone goes down, who keeps it up?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == ("lightsail", "high-availability")


def test_our_organization_is_the_company_not_aws_organizations(answerer: Answerer) -> None:
    question = "WorkMail mailbox encryption: does AWS do it, or do we manage the KMS key for our organization?"
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "workmail"
    match = answerer.answer("AWS Organizations SCPs: who writes them?")["match"]
    assert match is not None and match["service"] == "organizations"


def test_what_a_service_sits_behind_is_in_front_of_the_subject(answerer: Answerer) -> None:
    question = "Our MediaPackage origin sits behind CloudFront. If the ingest stream drops, who fails over?"
    match = answerer.answer(question)["match"]
    assert match is not None and match["service"] == "mediapackage"
    # Only a service named just before "behind" sits behind it: a region dying behind the accelerator does not.
    match = answerer.answer("who patches the ALB behind our CloudFront distribution?")["match"]
    assert match is not None and match["service"] == "elb"


def test_another_providers_word_glossed_with_a_covered_service_is_that_service(answerer: Answerer) -> None:
    """"cloud function (Lambda)" uses GCP's word for the AWS service in brackets; unglossed, it is GCP's."""
    match = answerer.answer("my cloud function (Lambda) times out after 3 seconds: a setting we control?")["match"]
    assert match is not None and match["service"] == "lambda"
    answer = answerer.answer("our cloud functions on GCP: who patches the runtime?")
    assert answer["match"] is None and "another provider" in (answer["note"] or "")


def test_our_side_of_the_deal_asks_for_every_layer(answerer: Answerer) -> None:
    match = answerer.answer("what's our half of the deal on EKS Auto Mode?")["match"]
    assert match is not None and match["service"] == "eks-auto-mode" and match["topic"] is None


def test_a_layer_word_inside_a_service_name_ends_no_range_of_layers(answerer: Answerer) -> None:
    # "from the anycast edge to the load balancers": "load" is the balancer's name, not the capacity layer.
    question = "Global Accelerator before our ALBs: who guards the backbone from the anycast edge to the load balancer?"
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == ("global-accelerator", "network-infrastructure")
    # A real range of layers still asks for all of them.
    match = answerer.answer("app runner, aws vs us, all the way from the datacenter to our code")["match"]
    assert match is not None and match["topic"] is None


def test_a_hint_inside_a_rules_out_name_names_no_service(answerer: Answerer) -> None:
    """ "tables" inside VPC's "route tables" (ruled out) is no DynamoDB hint."""
    match = answerer.answer("who owns the fibre between AZs? not our route tables, the real cables")["match"]
    assert match is None or match["service"] != "dynamodb"


def test_the_service_a_message_keeps_returning_to_is_the_subject(answerer: Answerer) -> None:
    question = (
        "An SNS topic feeds our SQS queue and the queue's access policy lets any principal send. "
        "Tightening that queue policy is ours?"
    )
    match = answerer.answer(question)["match"]
    assert match is not None and (match["service"], match["topic"]) == ("sqs", "iam")


def test_helm_installed_software_is_the_application_layer(answerer: Answerer) -> None:
    question = (
        "ingress-nginx got a critical CVE, and we installed that controller into our EKS cluster with helm. "
        "Who patches it?"
    )
    match = answerer.answer(question)["match"]
    assert match is not None
    assert (match["service"], match["topic"], match["owner"]) == ("eks", "application", "customer")


def test_chat_shorthand_for_do_we_have_any_asks_about_the_account(answerer: Answerer) -> None:
    question = "we got any function still running python3.6, something aws already deprecated?"
    assert answerer.answer(question)["check"] == "lambda-runtime"


def test_a_size_limit_question_is_not_a_responsibility_question(answerer: Answerer) -> None:
    assert answerer.answer("can an SNS message be larger than 256 KB these days?")["match"] is None
