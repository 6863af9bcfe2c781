"""Container checks: EKS endpoint exposure, Kubernetes version support, secrets encryption and
control-plane logging; ECS task definitions with privileged containers or secret-looking plain
environment variables.

Controls (none is in the CIS AWS Foundations Benchmark v3.0.0):
https://docs.aws.amazon.com/securityhub/latest/userguide/eks-controls.html (EKS.1 public endpoint,
EKS.2 supported Kubernetes version, EKS.3 encrypted Kubernetes secrets, EKS.8 audit logging) and
https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html (ECS.4 non-privileged
containers, ECS.8 secrets not passed as container environment variables). Kubernetes version
dates: catalogue/eks-versions.yaml (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks import eks_versions
from bot.checks.loaders import containers
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check

WORLD = frozenset({"0.0.0.0/0", "::/0"})
#: Control-plane log types a security team needs (who called the API server, and as whom).
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")


def _clusters(ctx: CheckContext) -> Iterator[containers.EksCluster]:
    for cluster in ctx.get(containers.EKS_CLUSTERS):
        if cluster.error:
            ctx.error(cluster.error)
        else:
            yield cluster


@check(
    "eks-endpoint-public",
    service="eks",
    topic="network-config",
    needs=(containers.EKS_CLUSTERS,),
    regional=True,
    securityhub=("EKS.1",),
    remedy="aws eks update-cluster-config --region {region} --name {name} --resources-vpc-config "
    "endpointPrivateAccess=true,endpointPublicAccess=false (or publicAccessCidrs=<your ranges>)",
)
def endpoint_public(ctx: CheckContext) -> Iterator[Finding]:
    """A public API server endpoint open to the whole internet (0.0.0.0/0, AWS's default)."""
    for cluster in _clusters(ctx):
        open_to = sorted(WORLD & set(cluster.public_cidrs))
        if cluster.public_endpoint and open_to:
            yield ctx.finding(cluster.arn, f"Kubernetes API endpoint is public and open to {', '.join(open_to)}")


@check(
    "eks-version",
    service="eks",
    topic="platform",
    needs=(containers.EKS_CLUSTERS,),
    regional=True,
    securityhub=("EKS.2",),
    remedy="aws eks update-cluster-version --region {region} --name {name} --kubernetes-version <next minor>",
)
def version(ctx: CheckContext) -> Iterator[Finding]:
    table = eks_versions.load()
    for cluster in _clusters(ctx):
        known = table.get(cluster.version)
        if known is None:
            ctx.note(f"{cluster.name} ({ctx.region}): Kubernetes {cluster.version} is not in the EKS version table")
        elif known.past_standard_support(ctx.today):
            detail = f"Kubernetes {cluster.version} left standard support on {known.end_of_standard_support}"
            if known.end_of_extended_support:
                detail += f" (extended support, billed per cluster hour, ends {known.end_of_extended_support})"
            yield ctx.finding(cluster.arn, detail)


@check(
    "eks-secrets-encryption",
    service="eks",
    topic="encryption",
    needs=(containers.EKS_CLUSTERS,),
    regional=True,
    securityhub=("EKS.3",),
    remedy="aws eks associate-encryption-config --region {region} --cluster-name {name} --encryption-config "
    '\'[{{"resources":["secrets"],"provider":{{"keyArn":"<KMS key ARN>"}}}}]\'',
)
def secrets_encryption(ctx: CheckContext) -> Iterator[Finding]:
    for cluster in _clusters(ctx):
        if not cluster.secrets_encrypted:
            yield ctx.finding(cluster.arn, "Kubernetes secrets are not envelope-encrypted with a KMS key")


@check(
    "eks-control-plane-logging",
    service="eks",
    topic="logging",
    needs=(containers.EKS_CLUSTERS,),
    regional=True,
    securityhub=("EKS.8",),
    remedy="aws eks update-cluster-config --region {region} --name {name} --logging "
    '\'{{"clusterLogging":[{{"types":["api","audit","authenticator"],"enabled":true}}]}}\'',
)
def control_plane_logging(ctx: CheckContext) -> Iterator[Finding]:
    for cluster in _clusters(ctx):
        missing = [t for t in REQUIRED_LOG_TYPES if t not in cluster.logging]
        if missing:
            yield ctx.finding(cluster.arn, f"control-plane log types off: {', '.join(missing)}")


def _task_definitions(ctx: CheckContext) -> Iterator[containers.TaskDefinition]:
    for task in ctx.get(containers.TASK_DEFINITIONS):
        if task.error:
            ctx.error(task.error)
        else:
            yield task


@check(
    "ecs-privileged-containers",
    service="ecs",
    topic="virtualization",
    needs=(containers.TASK_DEFINITIONS,),
    regional=True,
    securityhub=("ECS.4",),
)
def privileged_containers(ctx: CheckContext) -> Iterator[Finding]:
    """The latest ACTIVE revision of each family (what new tasks and services get)."""
    for task in _task_definitions(ctx):
        names = [c.name for c in task.containers if c.privileged]
        if names:
            yield ctx.finding(task.arn, f"privileged container(s): {', '.join(names)}")


@check(
    "ecs-secret-env",
    service="ecs",
    topic="encryption",
    needs=(containers.TASK_DEFINITIONS,),
    regional=True,
    securityhub=("ECS.8",),
)
def secret_env(ctx: CheckContext) -> Iterator[Finding]:
    for task in _task_definitions(ctx):
        parts = [f"{c.name}: {', '.join(c.secret_env)}" for c in task.containers if c.secret_env]
        if parts:
            yield ctx.finding(
                task.arn, "plain environment variables that look like secrets (use secrets): " + "; ".join(parts)
            )
