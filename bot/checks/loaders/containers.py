"""Containers, per region: EKS clusters (ListClusters, then DescribeCluster each) and the
latest ACTIVE revision of every ECS task definition family (ListTaskDefinitionFamilies,
then DescribeTaskDefinition by family name, which AWS answers with that latest revision).

Environment variables are judged here and only names are kept: no value read from a task
definition leaves this module (a check's finding never carries one).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource, ResourceGone
from bot.checks.secrets import secret_looking


@dataclass(frozen=True)
class EksCluster:
    name: str
    arn: str
    version: str
    public_endpoint: bool
    public_cidrs: tuple[str, ...]
    private_endpoint: bool
    secrets_encrypted: bool
    logging: frozenset[str]  # the control-plane log types that are enabled
    error: str | None = None


def _cluster(name: str, body: dict[str, object]) -> EksCluster:
    vpc = body.get("resourcesVpcConfig") or {}
    assert isinstance(vpc, dict)
    encryption = body.get("encryptionConfig") or []
    assert isinstance(encryption, list)
    logging = body.get("logging") or {}
    assert isinstance(logging, dict)
    enabled = frozenset(
        str(t)
        for setup in logging.get("clusterLogging", []) or []
        if isinstance(setup, dict) and setup.get("enabled")
        for t in setup.get("types", []) or []
    )
    return EksCluster(
        name,
        str(body.get("arn") or name),
        str(body.get("version") or ""),
        # Missing means AWS's default: a public endpoint open to 0.0.0.0/0.
        bool(vpc.get("endpointPublicAccess", True)),
        tuple(str(c) for c in vpc.get("publicAccessCidrs", ["0.0.0.0/0"]) or ()),
        bool(vpc.get("endpointPrivateAccess", False)),
        any("secrets" in (e.get("resources") or []) for e in encryption if isinstance(e, dict)),
        enabled,
    )


def _eks_clusters(inv: Inventory, region: str) -> list[EksCluster]:
    names = inv.pages("eks", region, "ListClusters", "clusters", page_size=100)

    def one(name: str) -> EksCluster | None:
        try:
            body = inv.call("eks", region, "DescribeCluster", gone=("ResourceNotFoundException",), name=name) or {}
        except ResourceGone:
            return None
        except LoadError as exc:
            return EksCluster(name, name, "", False, (), False, True, frozenset(), str(exc))
        return _cluster(name, dict(body.get("cluster") or {}))

    return [c for c in inv.fan_out(one, names) if c is not None]


EKS_CLUSTERS: Resource[list[EksCluster]] = Resource(
    "eks.clusters", True, (ApiCall("eks", "ListClusters"), ApiCall("eks", "DescribeCluster")), _eks_clusters
)


@dataclass(frozen=True)
class Container:
    name: str
    privileged: bool
    secret_env: tuple[str, ...]  # names of plain environment variables that look like secrets


@dataclass(frozen=True)
class TaskDefinition:
    family: str
    arn: str
    revision: int
    containers: tuple[Container, ...]
    error: str | None = None


def _task_definitions(inv: Inventory, region: str) -> list[TaskDefinition]:
    families = inv.pages("ecs", region, "ListTaskDefinitionFamilies", "families", page_size=100, status="ACTIVE")

    def one(family: str) -> TaskDefinition | None:
        try:
            got = inv.call("ecs", region, "DescribeTaskDefinition", gone=("ClientException",), taskDefinition=family)
        except ResourceGone:
            return None  # no ACTIVE revision left (deregistered meanwhile)
        except LoadError as exc:
            return TaskDefinition(family, family, 0, (), str(exc))
        body = (got or {}).get("taskDefinition") or {}
        containers = tuple(
            Container(
                str(c.get("name", "")),
                bool(c.get("privileged")),
                tuple(
                    str(e.get("name"))
                    for e in c.get("environment", []) or []
                    if secret_looking(str(e.get("name", "")), str(e.get("value", "")))
                ),
            )
            for c in body.get("containerDefinitions", []) or []
        )
        return TaskDefinition(
            family, str(body.get("taskDefinitionArn") or family), int(body.get("revision", 0)), containers
        )

    return [t for t in inv.fan_out(one, families) if t is not None]


TASK_DEFINITIONS: Resource[list[TaskDefinition]] = Resource(
    "ecs.task_definitions",
    True,
    (ApiCall("ecs", "ListTaskDefinitionFamilies"), ApiCall("ecs", "DescribeTaskDefinition")),
    _task_definitions,
)
