"""Application integration and data services, per region: SQS queues and SNS topics (their
policies and encryption), DynamoDB tables' point-in-time recovery, ElastiCache replication
groups' encryption in transit.

One list call per service and region, then one attribute read per queue, topic or table
(GetQueueAttributes names only the attributes the checks read); ElastiCache's describe call
already carries the setting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource, ResourceGone


@dataclass(frozen=True)
class PolicyHolder:
    """A queue or topic: its ARN, resource policy and encryption at rest (or why unread)."""

    arn: str
    policy: dict[str, Any] | None
    kms_key: str | None
    managed_sse: bool = False  # SQS-managed encryption (SSE-SQS)
    error: str | None = None


def _document(text: Any) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        parsed = json.loads(str(text))
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


_QUEUE_ATTRIBUTES = ["QueueArn", "Policy", "KmsMasterKeyId", "SqsManagedSseEnabled"]


def _queues(inv: Inventory, region: str) -> list[PolicyHolder]:
    urls = inv.pages("sqs", region, "ListQueues", "QueueUrls", page_size=1000)

    def one(url: str) -> PolicyHolder | None:
        try:
            got = inv.call(
                "sqs",
                region,
                "GetQueueAttributes",
                gone=("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
                QueueUrl=url,
                AttributeNames=_QUEUE_ATTRIBUTES,
            )
        except ResourceGone:
            return None
        except LoadError as exc:
            return PolicyHolder(url, None, None, error=str(exc))
        attrs = (got or {}).get("Attributes", {})
        return PolicyHolder(
            str(attrs.get("QueueArn") or url),
            _document(attrs.get("Policy")),
            attrs.get("KmsMasterKeyId") or None,
            str(attrs.get("SqsManagedSseEnabled", "false")).lower() == "true",
        )

    return [q for q in inv.fan_out(one, urls) if q is not None]


QUEUES: Resource[list[PolicyHolder]] = Resource(
    "sqs.queues", True, (ApiCall("sqs", "ListQueues"), ApiCall("sqs", "GetQueueAttributes")), _queues
)


def _topics(inv: Inventory, region: str) -> list[PolicyHolder]:
    arns = [str(t["TopicArn"]) for t in inv.pages("sns", region, "ListTopics", "Topics")]

    def one(arn: str) -> PolicyHolder | None:
        try:
            got = inv.call("sns", region, "GetTopicAttributes", gone=("NotFound",), TopicArn=arn)
        except ResourceGone:
            return None
        except LoadError as exc:
            return PolicyHolder(arn, None, None, error=str(exc))
        attrs = (got or {}).get("Attributes", {})
        return PolicyHolder(arn, _document(attrs.get("Policy")), attrs.get("KmsMasterKeyId") or None)

    return [t for t in inv.fan_out(one, arns) if t is not None]


TOPICS: Resource[list[PolicyHolder]] = Resource(
    "sns.topics", True, (ApiCall("sns", "ListTopics"), ApiCall("sns", "GetTopicAttributes")), _topics
)


@dataclass(frozen=True)
class Table:
    name: str
    pitr: bool
    error: str | None = None


def _tables(inv: Inventory, region: str) -> list[Table]:
    names = inv.pages("dynamodb", region, "ListTables", "TableNames", page_size=100)

    def one(name: str) -> Table | None:
        try:
            got = inv.call(
                "dynamodb", region, "DescribeContinuousBackups", gone=("TableNotFoundException",), TableName=name
            )
        except ResourceGone:
            return None
        except LoadError as exc:
            return Table(name, True, str(exc))
        pitr = ((got or {}).get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
        return Table(name, pitr.get("PointInTimeRecoveryStatus") == "ENABLED")

    return [t for t in inv.fan_out(one, names) if t is not None]


TABLES: Resource[list[Table]] = Resource(
    "dynamodb.tables",
    True,
    (ApiCall("dynamodb", "ListTables"), ApiCall("dynamodb", "DescribeContinuousBackups")),
    _tables,
)


@dataclass(frozen=True)
class ReplicationGroup:
    id: str
    arn: str
    transit_encryption: bool


def _replication_groups(inv: Inventory, region: str) -> list[ReplicationGroup]:
    return [
        ReplicationGroup(
            str(g["ReplicationGroupId"]),
            str(g.get("ARN") or g["ReplicationGroupId"]),
            bool(g.get("TransitEncryptionEnabled")),
        )
        for g in inv.pages("elasticache", region, "DescribeReplicationGroups", "ReplicationGroups", page_size=100)
    ]


REPLICATION_GROUPS: Resource[list[ReplicationGroup]] = Resource(
    "elasticache.replication_groups",
    True,
    (ApiCall("elasticache", "DescribeReplicationGroups"),),
    _replication_groups,
)
