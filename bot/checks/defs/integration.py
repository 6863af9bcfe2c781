"""SQS and SNS: policies open to everyone and encryption at rest; DynamoDB point-in-time
recovery; ElastiCache encryption in transit.

Controls (none is in the CIS AWS Foundations Benchmark v3.0.0):
https://docs.aws.amazon.com/securityhub/latest/userguide/sqs-controls.html (SQS.1 encrypted at
rest, SQS.3 no public access policy),
https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html (SNS.1 encrypted at
rest with KMS, SNS.4 no public access policy),
https://docs.aws.amazon.com/securityhub/latest/userguide/dynamodb-controls.html (DynamoDB.2
point-in-time recovery),
https://docs.aws.amazon.com/securityhub/latest/userguide/elasticache-controls.html
(ElastiCache.5 replication groups encrypted in transit).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.defs.lambda_ import public_statements
from bot.checks.inventory import Resource
from bot.checks.loaders import integration
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check


def _holders(
    ctx: CheckContext, resource: Resource[list[integration.PolicyHolder]]
) -> Iterator[integration.PolicyHolder]:
    for holder in ctx.get(resource):
        if holder.error:
            ctx.error(holder.error)
        else:
            yield holder


def _public(ctx: CheckContext, holders: Iterator[integration.PolicyHolder]) -> Iterator[Finding]:
    for holder in holders:
        sids = public_statements(holder.policy or {})
        if sids:
            yield ctx.finding(holder.arn, f"policy allows Principal * with no source condition ({', '.join(sids)})")


@check(
    "sqs-public",
    service="sqs",
    topic="data",
    needs=(integration.QUEUES,),
    regional=True,
    securityhub=("SQS.3",),
)
def sqs_public(ctx: CheckContext) -> Iterator[Finding]:
    yield from _public(ctx, _holders(ctx, integration.QUEUES))


@check(
    "sqs-encryption",
    service="sqs",
    topic="encryption",
    needs=(integration.QUEUES,),
    regional=True,
    securityhub=("SQS.1",),
    remedy="aws sqs set-queue-attributes --region {region} --queue-url <URL of {name}> "
    "--attributes SqsManagedSseEnabled=true (or KmsMasterKeyId=<key>)",
)
def sqs_encryption(ctx: CheckContext) -> Iterator[Finding]:
    for queue in _holders(ctx, integration.QUEUES):
        if queue.kms_key is None and not queue.managed_sse:
            yield ctx.finding(queue.arn, "not encrypted at rest (neither SSE-SQS nor a KMS key)")


@check(
    "sns-public",
    service="sns",
    topic="data",
    needs=(integration.TOPICS,),
    regional=True,
    securityhub=("SNS.4",),
)
def sns_public(ctx: CheckContext) -> Iterator[Finding]:
    yield from _public(ctx, _holders(ctx, integration.TOPICS))


@check(
    "sns-encryption",
    service="sns",
    topic="encryption",
    needs=(integration.TOPICS,),
    regional=True,
    securityhub=("SNS.1",),
    remedy="aws sns set-topic-attributes --region {region} --topic-arn {resource} "
    "--attribute-name KmsMasterKeyId --attribute-value alias/aws/sns",
)
def sns_encryption(ctx: CheckContext) -> Iterator[Finding]:
    for topic in _holders(ctx, integration.TOPICS):
        if topic.kms_key is None:
            yield ctx.finding(topic.arn, "not encrypted at rest with a KMS key")


@check(
    "dynamodb-pitr",
    service="dynamodb",
    topic="high-availability",
    needs=(integration.TABLES,),
    regional=True,
    securityhub=("DynamoDB.2",),
    remedy="aws dynamodb update-continuous-backups --region {region} --table-name {resource} "
    "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true",
)
def dynamodb_pitr(ctx: CheckContext) -> Iterator[Finding]:
    for table in ctx.get(integration.TABLES):
        if table.error:
            ctx.error(table.error)
        elif not table.pitr:
            yield ctx.finding(table.name, "point-in-time recovery is off")


@check(
    "elasticache-transit-encryption",
    service="elasticache",
    topic="encryption",
    needs=(integration.REPLICATION_GROUPS,),
    regional=True,
    securityhub=("ElastiCache.5",),
)
def elasticache_transit(ctx: CheckContext) -> Iterator[Finding]:
    for group in ctx.get(integration.REPLICATION_GROUPS):
        if not group.transit_encryption:
            yield ctx.finding(group.id, "encryption in transit (TLS) is off")
