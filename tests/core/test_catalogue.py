"""The built-in catalogue covers the contract's taxonomy, and broken catalogues are refused precisely."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from bot.catalogue import OWNERS, Catalogue, CatalogueError, collect_problems, load_catalogue
from bot.paths import builtin_catalogue_dir

CONTRACT_SERVICES = [
    "ec2",
    "ebs",
    "vpc",
    "autoscaling",
    "elb",
    "rds",
    "aurora",
    "emr",
    "ecs",
    "fargate",
    "eks",
    "lambda",
    "s3",
    "dynamodb",
    "cloudfront",
    "elastic-beanstalk",
    "api-gateway",
    "sqs",
    "sns",
    "elasticache",
    "iam",
    "cloudtrail",
    "infrastructure-services",
    "container-services",
    "abstracted-services",
]
CONTRACT_TOPICS = [
    "facilities",
    "hardware",
    "network-infrastructure",
    "virtualization",
    "os-patching",
    "container-runtime",
    "control-plane",
    "capacity",
    "platform",
    "application",
    "iam",
    "network-config",
    "encryption",
    "data",
    "resource-config",
    "high-availability",
    "logging",
]
CONTRACT_CHECKS = [
    "iam-password-policy",
    "iam-root-mfa",
    "iam-root-access-keys",
    "iam-user-mfa",
    "iam-admin-policy",
    "s3-public-access",
    "s3-encryption",
    "ebs-encryption",
    "rds-encryption",
    "rds-public",
    "open-ports",
    "lambda-runtime",
    "lambda-public",
    "ec2-patching",
    "cloudtrail",
]
# AWS's own documentation hosts; .cn is the China partition's copy of the docs, and re:Post's
# knowledge center is where AWS Support's articles (once aws.amazon.com/premiumsupport) live now.
AWS_DOCS = re.compile(
    r"^https://(docs\.aws\.amazon\.com|aws\.amazon\.com|lightsail\.aws\.amazon\.com|anywhere\.eks\.amazonaws\.com"
    r"|boto3\.amazonaws\.com|docs\.amazonaws\.cn|repost\.aws/knowledge-center)/"
)


def test_every_contract_service_and_topic_is_there(catalogue: Catalogue) -> None:
    assert set(CONTRACT_SERVICES) <= set(catalogue.services)
    assert set(CONTRACT_TOPICS) <= set(catalogue.topics)
    assert catalogue.topic_order[0] == "facilities"


def test_every_service_has_every_topic_filled(catalogue: Catalogue) -> None:
    for service in catalogue.services.values():  # a variant's inherited cells count: it answers every layer
        assert set(service.cells) == set(catalogue.topics), service.id
        for cell in service.cells.values():
            assert cell.owner in OWNERS
            assert len(cell.summary) > 40, (service.id, cell.topic)
            assert cell.sources, (service.id, cell.topic)
            assert all(AWS_DOCS.match(url) for url in cell.sources), (service.id, cell.topic, cell.sources)


def test_shared_cells_say_who_does_which_part(catalogue: Catalogue) -> None:
    for service in catalogue.services.values():
        for cell in service.cells.values():
            if cell.owner == "shared":
                text = cell.summary.lower()
                assert "aws" in text and ("you" in text or "customer" in text), (service.id, cell.topic)


#: Variants and services that move the line below the hypervisor: your site (Outposts, EKS
#: Anywhere, ECS Anywhere, hybrid nodes), your own hypervisor (bare metal, Lightsail is not one).
BELOW_THE_LINE_MOVES = {
    # The rack sits on your site (power, cooling, uplink); AWS still replaces its hardware.
    "outposts": {"facilities", "network-infrastructure"},
    "rds-outposts": {"facilities", "network-infrastructure"},
    "s3-outposts": {"facilities", "network-infrastructure"},
    "eks-anywhere": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    "ecs-anywhere": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    "eks-hybrid-nodes": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    "ec2-bare-metal": {"virtualization"},
    "lambda-managed-instances": {"virtualization"},
}
#: Services that are hybrid by design: part of them runs on your site, whatever variant you pick.
HYBRID_BY_DESIGN = {
    # A gateway VM on your hypervisor (or a hardware appliance), or an agent VM, at your site.
    "storage-gateway": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    "datasync": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    "backup-gateway": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    # The source servers being replicated stay on your site, hypervisor and all.
    "elastic-disaster-recovery": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    # The device sits at your site while in use, on your network; AWS owns and replaces the device.
    "snowball": {"facilities", "network-infrastructure"},
    # Your router, cross connect and circuit to a colocation site where AWS's device sits.
    "direct-connect": {"facilities", "hardware", "network-infrastructure"},
    # Deployments to on-premises instances; agents' workstations; the devices that connect.
    "codedeploy": {"facilities", "hardware"},
    "connect": {"hardware"},
    "connect-outbound-campaigns": {"hardware"},  # Amazon Connect's agents' workstations, inherited
    "iot-core": {"hardware"},
    "iot-device-management": {"hardware"},  # the devices it indexes, updates and tunnels into
    "iot-secure-tunneling": {"hardware"},
    # The Greengrass core software runs on your devices, at your site, with no AWS hypervisor.
    "greengrass": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    # Migration from your site: the source servers, their hypervisor and the path to AWS are yours.
    "application-migration-service": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    # SiteWise Edge gateways and Deadline Cloud's customer-managed fleets run on your hardware, at your site.
    "iot-sitewise": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    "deadline-cloud": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    # The customer gateway device at your site, and the path from it; Client VPN's users' devices.
    "site-to-site-vpn": {"facilities", "hardware", "network-infrastructure"},
    "client-vpn": {"hardware"},
    # Amazon EVS: the ESXi hypervisor on the bare-metal hosts is yours to run and patch.
    "elastic-vmware-service": {"virtualization"},
    # IAM Roles Anywhere hands credentials to workloads outside AWS, on your own site and hardware.
    "iam-roles-anywhere": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    # Discovery agents on your servers and the Agentless Collector VM on your vCenter, at your site.
    "application-discovery-service": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    # MediaLive Anywhere nodes are your servers in your data centre; FleetWise's Edge Agent runs in your vehicles.
    "medialive": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    "iot-fleetwise": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    # MediaConnect Gateway runs on your servers; Wickr's data retention bot on your host; FreeRTOS on
    # your microcontrollers.
    "mediaconnect": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    "wickr": {"facilities", "hardware"},
    "freertos": {"facilities", "hardware", "network-infrastructure", "virtualization"},
    # Interconnect - last mile starts at your branch office or data centre.
    "aws-interconnect": {"facilities"},
}


def test_the_layers_below_the_hypervisor_are_aws_unless_the_variant_moves_them(catalogue: Catalogue) -> None:
    for service in catalogue.services.values():
        for topic in ("facilities", "hardware", "network-infrastructure", "virtualization"):
            owner = service.cells[topic].owner
            if topic in HYBRID_BY_DESIGN.get(service.id, ()):
                assert owner != "aws", (service.id, topic)
            elif topic in BELOW_THE_LINE_MOVES.get(service.id, ()):
                assert owner != "aws", (service.id, topic)
                assert service.variant_of, (service.id, "only a variant moves this layer")
            else:
                assert owner == "aws", (service.id, topic, owner)


@pytest.mark.parametrize(
    ("service", "topic", "owner"),
    [
        ("ec2", "os-patching", "customer"),
        ("ecs", "os-patching", "customer"),
        ("ecs", "container-runtime", "customer"),
        ("ecs", "control-plane", "aws"),
        ("fargate", "os-patching", "aws"),
        ("fargate", "container-runtime", "aws"),
        ("eks", "control-plane", "aws"),
        ("eks", "os-patching", "customer"),
        ("lambda", "os-patching", "aws"),
        ("lambda", "application", "customer"),
        ("rds", "os-patching", "aws"),
        ("s3", "data", "customer"),
        ("s3", "iam", "customer"),
        ("dynamodb", "platform", "aws"),
        ("iam", "iam", "customer"),
        ("cloudtrail", "logging", "customer"),
    ],
)
def test_well_known_lines(catalogue: Catalogue, service: str, topic: str, owner: str) -> None:
    assert catalogue.cell(service, topic).owner == owner


def test_every_contract_check_belongs_to_a_cell(catalogue: Catalogue) -> None:
    assert set(CONTRACT_CHECKS) <= set(catalogue.checks)
    for check in catalogue.checks.values():
        assert check.topic in catalogue.services[check.service].cells
        assert check.fix and check.title
    assert catalogue.checks_for_cell("s3", "data") == ["s3-public-access", "s3-account-public-access-block"]


def test_breakdown_is_in_layer_order_and_partitions_the_topics(catalogue: Catalogue) -> None:
    breakdown = catalogue.breakdown("fargate")
    topics = [t for owner in OWNERS for t in breakdown[owner]]
    assert sorted(topics) == sorted(catalogue.topics)
    assert breakdown["aws"][:4] == ["facilities", "hardware", "network-infrastructure", "virtualization"]


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")


def test_user_directory_overrides_adds_and_maps_teams(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "teams.yaml",
        """
        teams:
          os-patching: "@platform-oncall"
          s3/data: "@data-eng"
        """,
    )
    _write(
        tmp_path,
        "override.yaml",
        """
        service: ec2
        cells:
          logging:
            summary: Our SOC reads the logs; you turn them on.
        """,
    )
    catalogue = load_catalogue([builtin_catalogue_dir(), tmp_path])
    assert catalogue.team_for("ec2", "os-patching") == "@platform-oncall"
    assert catalogue.team_for("s3", "data") == "@data-eng"
    assert catalogue.team_for("s3", "iam") is None
    logging = catalogue.cell("ec2", "logging")
    assert logging.summary.startswith("Our SOC") and logging.owner == "customer" and logging.sources


def test_user_directory_can_add_a_service(tmp_path: Path, catalogue: Catalogue) -> None:
    cells = "\n".join(
        f"  {t}:\n    owner: aws\n    summary: AWS runs the {t} layer of the widget service for you.\n"
        f"    sources: [https://docs.aws.amazon.com/widget/]"
        for t in catalogue.topics
    )
    _write(
        tmp_path,
        "services.yaml",
        """
        services:
          widget:
            name: Amazon Widget
            model: abstracted-services
            aliases: [widget, widgets]
        """,
    )
    (tmp_path / "widget.yaml").write_text(f"service: widget\ncells:\n{cells}\n", encoding="utf-8")
    merged = load_catalogue([builtin_catalogue_dir(), tmp_path])
    assert "widget" in merged.services and merged.breakdown("widget")["aws"]


def test_broken_catalogue_reports_file_entry_and_reason(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "bad-owner.yaml",
        """
        service: s3
        cells:
          encryption:
            owner: us
          nonsense-topic:
            owner: aws
            summary: x
            sources: [https://docs.aws.amazon.com/]
        """,
    )
    _write(tmp_path, "bad-yaml.yaml", "cells: [unclosed\n")
    _write(tmp_path, "bad-team.yaml", "teams:\n  not-a-topic: '@x'\n")
    _write(
        tmp_path,
        "bad-source.yaml",
        """
        service: lambda
        cells:
          data:
            sources: [http://example.com]
        """,
    )
    catalogue, problems = collect_problems([builtin_catalogue_dir(), tmp_path])
    assert catalogue is None
    text = "\n".join(str(p) for p in problems)
    assert "bad-owner.yaml: cells.s3.encryption: owner 'us' is not one of aws, customer, shared" in text
    assert "bad-owner.yaml: cells.s3.nonsense-topic: unknown topic 'nonsense-topic'" in text
    assert "bad-yaml.yaml: line 2: is not valid YAML" in text
    assert "bad-team.yaml: teams.not-a-topic:" in text
    assert "bad-source.yaml: cells.lambda.data.sources: source 'http://example.com' is not an https:// URL" in text
    with pytest.raises(CatalogueError) as raised:
        load_catalogue([builtin_catalogue_dir(), tmp_path])
    assert len(raised.value.problems) == len(problems)


def test_a_service_without_all_its_cells_is_refused(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "half.yaml",
        """
        services:
          half:
            name: Half a service
            model: abstracted-services
        service: half
        cells:
          data:
            owner: customer
            summary: Your data in the half service is yours to protect.
            sources: [https://docs.aws.amazon.com/]
        """,
    )
    _, problems = collect_problems([builtin_catalogue_dir(), tmp_path])
    assert any(p.entry == "service half" and "has no cell for topic(s): facilities" in p.message for p in problems)


def test_a_key_written_twice_is_reported_not_silently_replaced(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys; a cell with `aliases:` twice would lose the first list."""
    _write(
        tmp_path,
        "twice.yaml",
        """
        service: s3
        cells:
          capacity:
            aliases: [first list]
            aliases: [second list]
        """,
    )
    catalogue, problems = collect_problems([builtin_catalogue_dir(), tmp_path])
    assert catalogue is None
    assert any("twice.yaml: line 6: is not valid YAML: duplicate key 'aliases'" in str(p) for p in problems), problems
