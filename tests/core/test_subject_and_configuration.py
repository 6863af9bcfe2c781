"""Which service a question is about when the line moves by configuration, or when it names
two services: a variant selected by the configuration the question states, the subject service
over one named as context, and a low confidence when another service named would answer the
same layer with another owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.catalogue import collect_problems
from bot.matcher import _header_length
from bot.paths import builtin_catalogue_dir


def _match(answerer: Answerer, question: str) -> tuple[str, str | None, str | None, str | None]:
    match = answerer.answer(question)["match"]
    assert match is not None, question
    return match["service"], match["variant"], match["topic"], match["owner"]


def test_a_stated_configuration_selects_the_variant(answerer: Answerer) -> None:
    # Beanstalk with managed platform updates turned off: applying platform versions is yours.
    question = "elastic beanstalk, managed updates disabled: who applies platform patches?"
    service, variant, _, owner = _match(answerer, question)
    assert (service, variant, owner) == ("elastic-beanstalk", "beanstalk-custom-ami", "customer")
    # The words of a configuration may come in another order, a few words apart.
    _, variant, _, _ = _match(answerer, "our beanstalk platform branch was retired last month: who moves the env?")
    assert variant == "beanstalk-custom-ami"
    # Without the configuration, the parent answers.
    _, variant, _, _ = _match(answerer, "elastic beanstalk: who applies platform patches?")
    assert variant is None


def test_a_negated_configuration_does_not_select_the_variant(answerer: Answerer) -> None:
    _, variant, _, _ = _match(answerer, "lambda as a zip, not a container image: who applies runtime patches?")
    assert variant is None
    _, variant, _, owner = _match(answerer, "lambda deployed as a container image: who applies runtime patches?")
    assert (variant, owner) == ("lambda-container-images", "customer")


def test_selected_by_is_only_for_variants(tmp_path: Path) -> None:
    (tmp_path / "services.yaml").write_text(
        "services:\n  sqs:\n    name: Amazon SQS\n    selected_by: [fifo queue]\n", encoding="utf-8"
    )
    catalogue, problems = collect_problems([builtin_catalogue_dir(), tmp_path])
    assert catalogue is None
    assert any("services.sqs.selected_by" in str(p) and "variant" in str(p) for p in problems)


def test_the_subject_service_wins_over_one_named_as_context(answerer: Answerer) -> None:
    # Two of MSK's own feature words ("kafka clients", "consumers"): ECS is only where they run.
    service, _, topic, owner = _match(
        answerer, "the kafka clients in our consumers on ECS read from MSK: who upgrades those libraries?"
    )
    assert (service, topic, owner) == ("msk", "application", "customer")
    # A service named outright with none of its own feature words keeps its precedence.
    service, _, _, _ = _match(answerer, "ECS tasks on EC2 instances: who patches the host OS?")
    assert service == "ecs"


def test_the_service_an_asking_sentence_opens_with_is_its_subject(answerer: Answerer) -> None:
    question = "secrets manager secret that our lambda reads: is automatic rotation on by default?"
    service, _, _, _ = _match(answerer, question)
    assert service == "secrets-manager"
    # Named again later ("... in ECR. does ECR ..."), the other service stays the subject.
    service, _, _, _ = _match(answerer, "inspector found CVEs in images in ECR. does ECR rebuild those images?")
    assert service == "ecr"


def test_cue_words_inside_a_service_name_do_not_refuse_it(answerer: Answerer) -> None:
    service, _, topic, owner = _match(answerer, "AWS Managed Microsoft AD: resetting our users' passwords is ours?")
    assert (service, topic, owner) == ("directory-service", "iam", "customer")
    assert answerer.answer("Azure AD conditional access: whose job?")["match"] is None


def test_another_service_with_another_owner_is_offered_and_lowers_the_probability(answerer: Answerer) -> None:
    # MSK chosen over ECS as the subject, and ECS's OS is yours while MSK's is AWS's: ECS's cell is
    # offered and the score drops (TIE_FACTOR); the calibrated probability, not the rule, says "high".
    question = "msk upgrade done; our kafka clients run on ECS. who patches the operating system now?"
    answer = answerer.answer(question)
    contested = answer["match"]
    assert contested is not None and contested["service"] == "msk" and contested["score"] < 75
    offered = {(a["service"], a["topic"], a["owner"]) for a in answer["alternatives"]}
    assert ("ecs", "os-patching", "customer") in offered
    # Where the catalogue's precedence decides (Fargate over ECS), the answer is surer.
    match = answerer.answer("ECS tasks on Fargate: who patches the OS?")["match"]
    assert match is not None and (match["service"], match["confidence"]) == ("fargate", "high")
    assert match["probability"] > contested["probability"]


def test_a_peer_service_the_question_opens_with_keeps_a_later_ones_answer_from_high(answerer: Answerer) -> None:
    """Opened with CloudFront, answered for ACM by precedence: ACM's encryption is shared and
    CloudFront's is yours, so the answer is unsure and offers CloudFront's cell."""
    answer = answerer.answer("our CloudFront distro, its ACM certificate and minimum TLS protocol: whose call?")
    match = answer["match"]
    assert match is not None and match["confidence"] == "low"
    offered = {(match["service"], match["owner"])} | {(a["service"], a["owner"]) for a in answer["alternatives"]}
    assert {("cloudfront", "customer"), ("acm", "shared")} <= offered
    # A building block named as the means stays context: the answer for EBS is sure.
    match = answerer.answer("EBS volume encryption with our own KMS key: ours to turn on?")["match"]
    assert match is not None and (match["service"], match["confidence"]) == ("ebs", "high")
    # Named after the answered service, a peer is context too.
    match = answerer.answer("ACM public certificate on our ALB, DNS validated: who renews it?")["match"]
    assert match is not None and (match["service"], match["owner"]) == ("acm", "aws")


def test_an_answer_against_the_questions_own_layer_words_is_not_high(answerer: Answerer) -> None:
    """'physical' names only AWS's layers (facilities, hardware); when the model still reads a
    customer layer, the answer says it is unsure and offers AWS's layers."""
    answer = answerer.answer("ISO 27001 physical perimeter evidence for EC2: who provides it")
    match = answer["match"]
    if match["topic"] in {"facilities", "hardware", "network-infrastructure"}:
        assert match["owner"] == "aws"  # the words won: nothing to hedge
    else:
        assert match["confidence"] == "low"
        assert any(alt["owner"] == "aws" for alt in answer["alternatives"])


def test_a_feature_word_both_services_have_does_not_keep_the_precedence(answerer: Answerer) -> None:
    # "execution role" is a feature of Lambda and of Step Functions: it says nothing about which one
    # is asked about, so the service the asking sentence opens with (and names twice) is the subject.
    question = "step functions: the state machine's execution role calling our lambda functions, whose job to trim it?"
    service, _, topic, owner = _match(answerer, question)
    assert (service, topic, owner) == ("step-functions", "iam", "customer")
    # Feature words inside the other service's own name ("ssm patch" in "SSM Patch Manager") are its name.
    service, _, _, _ = _match(answerer, "our ec2 hosts are in SSM Patch Manager now. is AWS patching them?")
    assert service == "systems-manager"


def test_a_service_only_hinted_at_is_the_subject_with_two_feature_words(answerer: Answerer) -> None:
    # "distribution" only hints at CloudFront, but two of its own encryption settings name it.
    question = "redirect to https plus the origin protocol policy on the distribution using an acm cert, ours?"
    service, _, topic, owner = _match(answerer, question)
    assert (service, topic, owner) == ("cloudfront", "encryption", "customer")


def test_a_variant_of_another_service_named_as_the_place_does_not_pick_the_layer(answerer: Answerer) -> None:
    # A Local Zone is where the nodes run; its own cells (capacity, facilities) are not the layer asked.
    question = (
        "our EKS cluster got a node group in a Local Zone last sprint and more are coming. "
        "does that put the kubernetes control plane in the local zone for us to run?"
    )
    service, _, topic, owner = _match(answerer, question)
    assert (service, topic, owner) == ("eks", "control-plane", "aws")


def test_an_aws_managed_key_alias_names_kms_not_the_service(answerer: Answerer) -> None:
    # "aws/s3", "alias/aws/ebs": the aliases of AWS managed keys, which KMS rotates every year.
    service, _, topic, owner = _match(answerer, "the alias/aws/ebs key on our volumes: is rotating it our job?")
    assert (service, topic, owner) == ("kms", "encryption", "aws")
    # Without a word about keys it is left alone ("AWS/EC2" is also a CloudWatch namespace).
    from bot.text import name_managed_keys

    assert name_managed_keys("AWS/EC2 metrics in cloudwatch") == "AWS/EC2 metrics in cloudwatch"


def test_the_site_named_apart_selects_the_outposts_variant(answerer: Answerer) -> None:
    """ "RDS ... on our Outposts rack" is RDS on Outposts, whose spare capacity is yours."""
    service, _, _, _ = _match(answerer, "our RDS databases sit on an outposts rack: who makes room for two more?")
    assert service == "rds-outposts"
    service, _, _, _ = _match(answerer, "RDS in eu-west-1, not on outposts: who adds capacity for two more databases?")
    assert service == "rds"


def test_the_asking_sentence_names_the_subject(answerer: Answerer) -> None:
    """The background names one service, the asking sentence another: the second is asked about."""
    # Stressed with "itself": the registry, not the cluster that pulls from it.
    service, _, topic, owner = _match(
        answerer,
        "we run ecs on ec2 instances and keep containerd patched on them, all fine. "
        "but does ECR itself run any container runtime we have to keep current, on the registry side?",
    )
    assert (service, topic, owner) == ("ecr", "container-runtime", "aws")
    # Named only in the asking sentence, with one of its own feature words.
    service, _, _, _ = _match(
        answerer,
        "the sensitive data discovery jobs keep failing with access denied on three of our S3 buckets, "
        "whose bucket policies only allow our application role, we checked twice this week. "
        "Is letting Macie read those objects something AWS does or our job?",
    )
    assert service == "macie"


def test_a_service_ruled_out_and_named_again_is_not_the_subject_for_that(answerer: Answerer) -> None:
    service, _, _, _ = _match(
        answerer,
        "We chose the Elastic Beanstalk Docker platform instead of running ECS ourselves, on a few instances "
        "in two AZs behind an ALB. Keeping Docker and the ECS agent up to date there: AWS, us, or both?",
    )
    assert service == "elastic-beanstalk"


def test_a_side_s_problem_with_words_between_asks_who(answerer: Answerer) -> None:
    """ "our design problem", "their security concern" ask who, as "our problem" does."""
    match = answerer.answer("apps in the LA local zone: is surviving a zone outage our own design problem?")["match"]
    assert match is not None and (match["service"], match["topic"], match["owner"]) == (
        "local-zones",
        "high-availability",
        "customer",
    )


def test_a_service_named_with_what_it_runs_on_is_the_subject(answerer: Answerer) -> None:
    """Inspector's agent-based scanning runs on the Systems Manager agent (`runs_on`): a question
    about that agent for Inspector is Inspector's, and Systems Manager's cell is offered beside it."""
    question = "Inspector can't scan 30 of our instances because the SSM agent is missing. whose job is the agent?"
    answer = answerer.answer(question)
    assert answer["match"] is not None and answer["match"]["service"] == "inspector"
    assert "systems-manager" in {a["service"] for a in answer["alternatives"]}


def test_an_offering_that_reports_on_others_is_the_messenger(answerer: Answerer) -> None:
    """AWS Health and AWS Support (`reports_on`) named first are how the news came, not the subject."""
    service, _, topic, _ = _match(
        answerer, "An AWS Health event says our EKS cluster's version leaves standard support: who upgrades it?"
    )
    assert (service, topic) == ("eks", "platform")
    # Named alone it is the subject: "who secures ... itself" asks for its whole breakdown.
    match = answerer.answer("who secures the AWS Health dashboard itself?")["match"]
    assert match is not None and (match["service"], match["topic"]) == ("aws-health", None)
    for messenger in ("AWS Health", "Trusted Advisor"):
        service, _, topic, _ = _match(answerer, f"{messenger} flagged our EC2 instance: who patches its OS?")
        assert (service, topic) == ("ec2", "os-patching"), messenger


def test_a_tool_that_deploys_services_leaves_the_answer_to_the_service_it_deploys(answerer: Answerer) -> None:
    """The AWS CDK and AWS SAM (`deploys`) have no line of their own: next to a covered service that
    service answers; alone, they are declined by name with what to read."""
    service, _, topic, _ = _match(answerer, "our AWS SAM template deploys a Lambda function: who patches the runtime?")
    assert (service, topic) == ("lambda", "platform")
    service, _, topic, _ = _match(answerer, "the CDK stack that creates our Fargate service: who patches the host OS?")
    assert (service, topic) == ("fargate", "os-patching")
    answer = answerer.answer("who keeps the aws cdk itself patched?")
    assert answer["match"] is None and "AWS CDK" in (answer["note"] or "") and "CloudFormation" in answer["note"]


def test_every_service_between_from_and_to_is_left_behind(answerer: Answerer) -> None:
    service, _, _, _ = _match(
        answerer, "moving our spark jobs from EMR on EC2 to EMR Serverless: who makes sure there are enough workers?"
    )
    assert service == "emr-serverless"


def test_a_reporting_service_named_first_is_the_subject_unless_it_only_reports(answerer: Answerer) -> None:
    """GuardDuty, Inspector, Macie, Security Hub and Config (`reports_on`) named before the service
    they look at are the subject, unless a reporting word or a control id makes them the messenger."""
    subject = "Macie found passport numbers under s3://exports/ - will Macie delete those objects for us?"
    assert _match(answerer, subject)[0] == "macie"
    assert _match(answerer, "who decides which Inspector scan types run on our EC2 instances?")[0] == "inspector"
    messenger = "Inspector flagged a critical openssl CVE in the image of our ECS service: who fixes it?"
    assert _match(answerer, messenger)[0] == "ecs"
    control = "Security Hub SQS.1 on three queues: is encrypting them at rest our job?"
    assert _match(answerer, control)[0] == "sqs"
    reported_by = "a glibc CVE shows up in Inspector for our Fargate task image: who rebuilds it?"
    assert _match(answerer, reported_by)[0] == "fargate"
    # The asking sentence names the other service, not the reporter.
    asked = (
        "Inspector scanning on our ECR repo lit up this morning with a critical openssl CVE in the base layer"
        " of the payments api image, the one every service pulls. Does ECR patch the image for us?"
    )
    assert _match(answerer, asked)[0] == "ecr"
    # A feature of the reporter's own that is no report (Macie's discovery results) makes it the subject.
    own = (
        "Macie flagged PII in three S3 buckets. Do the sensitive data discovery results stay on AWS's side"
        " indefinitely, or is keeping them long term up to us?"
    )
    assert _match(answerer, own)[0] == "macie"


def test_a_service_every_other_uses_is_the_means_when_named_after_another(answerer: Answerer) -> None:
    """CloudWatch, KMS and IAM (`used_by_all`) named after a service are where its logs or keys
    are; named more often than it, CloudWatch is the subject after all."""
    assert _match(answerer, "appsync resolver errors but nothing in cloudwatch. does aws log these?")[0] == "appsync"
    assert _match(answerer, "our ECR repos encrypted with a CMK we control: who handles the key policy?")[0] == "ecr"
    question = "every Lambda log group says never expire and the CloudWatch Logs bill is huge: whose job is retention?"
    assert _match(answerer, question)[0] == "cloudwatch"


def test_a_service_named_before_what_it_uses_is_the_subject(answerer: Answerer) -> None:
    question = "partners on our Transfer Family server can list each other's folders in the S3 bucket: whose fix?"
    assert _match(answerer, question)[0] == "transfer-family"
    assert _match(answerer, "CloudTrail delivers to an S3 bucket: Object Lock on it, whose?")[0] == "cloudtrail"


def test_eb_is_beanstalk_or_eventbridge_by_the_features_around_it(answerer: Answerer) -> None:
    assert _match(answerer, "eb retry policy and max event age on rule targets: ours to set?")[0] == "eventbridge"
    assert _match(answerer, "eb environment on an old platform version: who upgrades it?")[0] == "elastic-beanstalk"


def test_manager_abbreviated_still_names_the_service(answerer: Answerer) -> None:
    assert _match(answerer, "secrets mgr rotates our rds creds monthly on its own, right?")[0] == "secrets-manager"
    assert _match(answerer, "after ASM rotated the db password pods failed auth: whose?")[0] == "secrets-manager"


def test_a_reporting_word_later_in_the_clause_makes_the_messenger(answerer: Answerer) -> None:
    question = "Inspector woke us up with 41 critical findings across our EC2 hosts: who patches openssl on them?"
    assert _match(answerer, question)[0] == "ec2"
    asked = "does Amazon Inspector fix anything it finds, like bumping a package in our Lambda function?"
    assert _match(answerer, asked)[0] == "inspector"


def test_a_whole_service_request_is_for_the_service_its_asking_sentence_names(answerer: Answerer) -> None:
    match = answerer.answer("Weighing App Runner against ECS. For App Runner, what's the full breakdown?")["match"]
    assert match is not None and (match["service"], match["topic"]) == ("app-runner", None)


def test_guardduty_reads_its_own_streams_of_flow_and_dns_logs(answerer: Answerer) -> None:
    """GuardDuty's foundational data sources are independent streams AWS reads: asking whether
    flow logs must be turned on for it is its control plane's (AWS), not our logging."""
    question = "Before turning on GuardDuty, do we have to enable VPC flow logs and DNS query logging for it to work?"
    match = answerer.answer(question)["match"]
    assert match is not None
    assert (match["service"], match["topic"], match["owner"]) == ("guardduty", "control-plane", "aws")


def test_a_specialised_service_named_beside_a_platform_is_the_subject(answerer: Answerer) -> None:
    # ECR sets no precedence of its own, so it ranks above the platforms that pull from it: the
    # registry's servers are AWS's, whatever the pods' hosts are.
    question = "Our EKS pods pull their images from ECR. Who patches the registry's own servers?"
    service, _, topic, owner = _match(answerer, question)
    assert (service, topic, owner) == ("ecr", "os-patching", "aws")
    # ... while the function a container image is deployed as ranks as that variant, above ECR.
    service, variant, _, owner = _match(
        answerer, "Lambda deployed as a container image from ECR: who patches the OS packages in the image?"
    )
    assert (service, variant, owner) == ("lambda", "lambda-container-images", "customer")
    # A tool that made a resource stays context.
    question = "our DocumentDB cluster was created from CloudFormation with encryption off: whose fault?"
    service, _, _, _ = _match(answerer, question)
    assert service == "documentdb"


def test_an_id_of_everyday_words_is_no_name_of_its_own(answerer: Answerer) -> None:
    # "supply chain" is AWS Supply Chain's id, but the words are everyone's.
    question = "A compromised npm package in our CodeBuild build stole the role's credentials. Is supply chain ours?"
    service, _, _, _ = _match(answerer, question)
    assert service == "codebuild"
    service, _, _, _ = _match(answerer, "AWS Supply Chain data lake: who encrypts it?")
    assert service == "supply-chain"


def test_an_api_of_a_covered_service_is_that_service(answerer: Answerer) -> None:
    # botocore names some APIs apart from the product they belong to.
    for question, expected in [
        ("Amazon Interactive Video Service RealTime stages: who patches the servers?", "ivs"),
        ("AWS WAF Regional web ACL rules: who writes them?", "waf"),
        ("Amazon Connect Customer Profiles data: who classifies it?", "connect"),
        ("AWS Route53 Recovery Readiness checks: who configures them?", "route53-arc"),
        ("Private CA Connector for SCEP issuing certificates to our phones: who guards the CA?", "private-ca"),
        ("Service Catalog AppRegistry applications: who decides who may edit them?", "service-catalog"),
        ("CloudWatch Observability Access Manager sinks and links: who configures them?", "cloudwatch"),
        ("AWS Backup Search indexes of our recovery points: who encrypts them?", "backup"),
        ("AWS AI Ops investigations of last night's outage: who may read them?", "cloudwatch"),
        # ... or a feature its own name answers for, with its product's line
        ("EventBridge Schema Registry schemas discovered from our bus: whose data?", "eventbridge-schema-registry"),
        ("AWS IoT Secure Tunneling into our field devices: who holds the access tokens?", "iot-secure-tunneling"),
    ]:
        service, _, _, _ = _match(answerer, question)
        assert service == expected, question


def test_a_service_named_inside_its_own_hint_stays_named_outright(answerer: Answerer) -> None:
    # "codeguru profiler agent" is one of CodeGuru Profiler's hints; it held the name, and the name
    # inside it counted only as a hint, so the Lambda named after it took the answer.
    question = "the CodeGuru Profiler agent in our Lambda functions: who guards the buildings the profiles are kept in?"
    service, _, _, _ = _match(answerer, question)
    assert service == "codeguru-profiler"


def test_the_one_service_a_short_heading_names_is_the_subject(answerer: Answerer) -> None:
    # "CloudWatch: ..." heads the message; the services after the colon are what it watches.
    service, _, topic, _ = _match(answerer, "cloudwatch: who watches the metrics of our EC2 and RDS, AWS or on-call?")
    assert (service, topic) == ("cloudwatch", "logging")
    service, _, topic, owner = _match(
        answerer, "Redshift cluster: publicly accessible, and port 5439 open to 0.0.0.0/0. Ours, as with RDS?"
    )
    assert (service, topic, owner) == ("redshift", "network-config", "customer")
    # Only a short heading counts: a long opening clause before a colon, or a time, is none.
    assert _header_length("Amazon MQ broker: who patches it?") == 3
    assert _header_length("we run our main API on ECS with tasks behind an ALB: who opens 443?") == 0
    assert _header_length("at 10:30 the RDS failover started") == 0


def test_the_service_compared_with_is_not_the_one_asked_about(answerer: Answerer) -> None:
    # Read off the words as written: "+ compare with fargate" (test_conversation) still compares.
    question = "compared to Fargate, where AWS owns the platform: on App Runner, who keeps the runtime current?"
    service, _, topic, _ = _match(answerer, question)
    assert (service, topic) == ("app-runner", "platform")
    service, _, _, _ = _match(answerer, "as opposed to EKS, on ECS who keeps the control plane running?")
    assert service == "ecs"
    service, _, _, _ = _match(answerer, "compared to EKS, on ECS who keeps the control plane running?")
    assert service == "ecs"


def test_managed_instances_with_its_parent_named_selects_that_variant(answerer: Answerer) -> None:
    # "Managed Instances" is the product's own name; with ECS or Lambda named, it is that parent's variant.
    _, variant, _, owner = _match(answerer, "We switched ECS over to Managed Instances. Do we still patch the host OS?")
    assert (variant, owner) == ("ecs-managed-instances", "aws")
    _, variant, _, _ = _match(answerer, "our lambda functions run on a capacity provider now: who patches the hosts?")
    assert variant == "lambda-managed-instances"
    _, variant, _, _ = _match(answerer, "plain ECS on EC2 instances we run ourselves: who patches the host OS?")
    assert variant is None


def test_the_service_asked_whether_it_does_the_duty_itself_is_the_subject(answerer: Answerer) -> None:
    # "... or does KMS do it on its own?": the key is KMS's, the bucket it encrypts is context.
    question = "for the customer managed key that encrypts our S3 bucket, is yearly rotation ours or does KMS do it?"
    service, _, topic, owner = _match(answerer, question)
    assert (service, topic, owner) == ("kms", "encryption", "customer")


def test_a_store_the_message_opens_with_is_the_subject_beside_a_platform(answerer: Answerer) -> None:
    # EFS opens the message and has a feature word of its own (mount target); EKS is where it is mounted.
    question = "/demarc sev2 EFS that our EKS pods mount: mount target SG allows 2049 from anywhere. whose to fix?"
    service, _, topic, owner = _match(answerer, question)
    assert (service, topic, owner) == ("efs", "network-config", "customer")


def test_a_service_named_in_a_relative_clause_is_context(answerer: Answerer) -> None:
    # "the KMS key that encrypts our S3 bucket": S3 says which key; the key's service is asked about.
    question = "who guards the data centre holding the KMS key that encrypts our S3 bucket, AWS or us?"
    service, _, topic, owner = _match(answerer, question)
    assert (service, topic, owner) == ("kms", "facilities", "aws")
    # "flagged that ..." reports; it opens no clause about the reporter.
    service, _, _, _ = _match(answerer, "Security Hub flagged that our SNS topic policy allows Principal *. whose fix?")
    assert service == "sns"


def test_a_service_run_before_now_is_left_behind(answerer: Answerer) -> None:
    # "on EMR before; now ... Glue": the asker runs Glue today.
    question = "We had these Spark jobs on EMR before; now they are AWS Glue ETL jobs. who patches Spark?"
    service, _, _, _ = _match(answerer, question)
    assert service == "glue"


def test_what_the_asker_is_now_on_is_not_what_they_used_to_run(answerer: Answerer) -> None:
    # "we used to ... we're now on OpenSearch": the habit is behind them, the service they are on is not.
    question = "we used to run elastic clusters by hand, we're now on Amazon OpenSearch Service. who patches the nodes?"
    service, _, topic, _ = _match(answerer, question)
    assert (service, topic) == ("opensearch", "os-patching")


def test_iam_named_as_the_layer_of_another_service_is_not_the_subject(answerer: Answerer) -> None:
    # "IAM permissions for <a product>" names the product's IAM layer: the product is asked about,
    # and a product the catalogue does not cover is declined by name, not answered as IAM.
    question = "observabilityadmin API calls fail with AccessDenied. are those IAM permissions ours to grant?"
    answer = answerer.answer(question)
    assert answer["match"] is None
    service, _, topic, _ = _match(answerer, "our cognito user pool: who sets up the IAM roles for the identity pool?")
    assert (service, topic) == ("cognito", "iam")
    # IAM alone is still IAM.
    service, _, _, _ = _match(answerer, "who writes the IAM policies for our engineers?")
    assert service == "iam"


def test_a_fault_of_the_service_is_no_reason_it_was_turned_down(answerer: Answerer) -> None:
    # "too small" and "too wide" are faults of what the asker runs; "too pricey" turns a service down.
    question = "Our DAX cluster is too small at peak. the number of nodes, is it AWS's job or ours?"
    service, _, topic, _ = _match(answerer, question)
    assert (service, topic) == ("dax", "capacity")
    service, _, _, _ = _match(answerer, "EKS was too pricey so we run ECS on EC2. who patches the hosts?")
    assert service == "ecs"


def test_the_services_job_or_ours_asks_who(answerer: Answerer) -> None:
    # "aurora's job or ... our setting": the service's duty on one side, ours on the other.
    question = "aurora serverless v2 pinned at its max ACUs. is scaling past that aurora's job or our setting?"
    service, _, topic, owner = _match(answerer, question)
    assert (service, topic, owner) == ("aurora-serverless", "capacity", "shared")


def test_a_service_compared_with_the_way_is_not_the_subject(answerer: Answerer) -> None:
    # "..., the way it is on Fargate?": Fargate is what App Runner is compared with.
    question = "App Runner runs our container on a VM we never see. Is the hypervisor AWS's, the way it is on Fargate?"
    service, _, topic, _ = _match(answerer, question)
    assert (service, topic) == ("app-runner", "virtualization")
    # "all the way up to data" compares nothing.
    answer = answerer.answer("fargate: walk me through every layer, all the way up to data")
    assert answer["match"] is not None and answer["match"]["service"] == "fargate"


def test_chat_shorthand_reads_as_the_words_it_stands_for(answerer: Answerer) -> None:
    # "r all our buckets ..." asks about the account's state as "are all our buckets ..." does.
    assert answerer.answer("r all our buckets got default encryption configured or no")["check"] == "s3-encryption"
    assert answerer.answer("are all our buckets got default encryption configured or no")["check"] == "s3-encryption"


def test_a_service_named_before_the_host_of_its_callers_is_the_subject(answerer: Answerer) -> None:
    # EFS is asked about; "our ECS tasks" says where its clients run.
    question = "Mount targets for the EFS file system our ECS tasks share: who controls which clients reach port 2049?"
    service, _, topic, _ = _match(answerer, question)
    assert (service, topic) == ("efs", "network-config")
    # A reporting service named first is no such subject: the host it reports on is asked about.
    question = "Inspector flagged an openssl CVE in the base image of our Fargate task. whose fix?"
    service, _, _, _ = _match(answerer, question)
    assert service == "fargate"
    # Named after the host but more often than it, the called service is the subject.
    question = "EKS pods mount an EFS file system for uploads. if a disk inside EFS fails, do we replace it?"
    service, _, topic, _ = _match(answerer, question)
    assert (service, topic) == ("efs", "hardware")
    # Where the images come from is no subject either.
    service, _, _, _ = _match(answerer, "the task execution role that pulls our images from ECR on fargate - ours?")
    assert service == "fargate"


def test_the_destination_of_a_move_named_last_is_the_subject(answerer: Answerer) -> None:
    # The old service comes back in between ("in beanstalk we had to ..."); the destination is named last.
    question = (
        "we moved from beanstalk to AWS App Runner. in beanstalk we had to pick the AZs ourselves. "
        "with app runner do we still spread the service across AZs for HA?"
    )
    service, _, topic, _ = _match(answerer, question)
    assert (service, topic) == ("app-runner", "high-availability")


def test_a_windows_base_image_selects_fargate_windows(answerer: Answerer) -> None:
    question = "our fargate task runs a servercore ltsc2022 image: who patches the host under it?"
    service, variant, _, _ = _match(answerer, question)
    assert "fargate-windows" in (service, variant)


def test_a_hybrid_variant_named_first_is_the_subject_over_the_agents_it_uses(answerer: Answerer) -> None:
    """ECS Anywhere registers external instances through the SSM Agent (`uses`); its parent's agent
    ("the ecs agent") is the same product. Neither makes Systems Manager the subject."""
    question = (
        "ecs anywhere on our on-prem VMs: the ecs agent and the ssm agent are old. keeping the ssm agent "
        "current on external instances, aws or us?"
    )
    service, variant, _, owner = _match(answerer, question)
    assert "ecs-anywhere" in (service, variant) and owner == "customer"


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("EKS pods time out reaching our ElastiCache cluster on 6379. the cache's security group rules, whose?",
         "elasticache"),
        ("our ECS tasks can't connect to the MSK brokers on 9098. the security groups on the broker side, whose job?",
         "msk"),
    ],
)
def test_a_called_service_the_message_returns_to_by_its_own_words_is_the_subject(
    answerer: Answerer, question: str, subject: str
) -> None:
    """Named after the host once, but then by its own words ("the cache's", "the broker side"), the
    service called is the subject; the host's own words ("pods", "tasks") only say where callers run."""
    service, _, _, _ = _match(answerer, question)
    assert service == subject
