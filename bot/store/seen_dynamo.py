"""Event de-duplication that survives Lambda containers: a conditional put in DynamoDB.

On AWS Lambda every concurrent delivery may land in a different container, and a container
may be thrown away between a delivery and its retry, so the seen-event memory has to live
outside the process. It shares the posture table (`DEMARC_STATE=dynamodb://TABLE`): one item
per event id, `pk = event#<id>`, `sk = seen`, written with `attribute_not_exists(pk)` so
exactly one delivery wins even when two arrive at once.

Items carry `purge_at` (epoch seconds), the table's TTL attribute, so DynamoDB deletes them
for free. TTL deletion is lazy (it can take a day or two), so the condition also treats an
item past its `purge_at` as absent. The TTL attribute is deliberately not `expires_at`: the
posture store uses that name for posting leases, which must not be deleted by TTL.

If DynamoDB cannot be reached the delivery is processed (fail open): answering a retry twice
is a smaller harm than never answering.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from bot.errors import ConfigError
from bot.store.location import parse_state

log = logging.getLogger("demarc.dedupe")

#: Slack retries within minutes; an hour of memory is ample and keeps the table small.
TTL_SECONDS = 3600
TTL_ATTRIBUTE = "purge_at"


class DynamoEventIds:
    """`SeenEvents` on a DynamoDB table with string keys `pk` and `sk`."""

    def __init__(
        self, table: str, *, region: str | None = None, client: Any = None, ttl_seconds: int = TTL_SECONDS
    ) -> None:
        self.table = table
        self.ttl_seconds = ttl_seconds
        if client is None:
            import boto3
            from botocore.config import Config

            # On the ack path: fail fast rather than hold Slack's 3 seconds on a slow retry.
            config = Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 2, "mode": "standard"})
            client = boto3.session.Session().client("dynamodb", region_name=region, config=config)
        self._db = client

    @classmethod
    def from_url(cls, url: str) -> DynamoEventIds:
        location = parse_state(url)
        if location.kind != "dynamodb" or location.table is None:
            raise ConfigError(f"DEMARC_STATE={url!r} is not a dynamodb://TABLE URL")
        return cls(location.table, region=location.region)

    def claim(self, event_id: str, now: float | None = None) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        now = time.time() if now is None else now
        try:
            self._db.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": f"event#{event_id}"},
                    "sk": {"S": "seen"},
                    TTL_ATTRIBUTE: {"N": str(int(now) + self.ttl_seconds)},
                },
                ConditionExpression="attribute_not_exists(pk) OR #purge < :now",
                ExpressionAttributeNames={"#purge": TTL_ATTRIBUTE},
                ExpressionAttributeValues={":now": {"N": str(int(now))}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            log.warning(
                "event de-duplication unavailable; processing the delivery",
                extra={"event_id": event_id, "error": exc.response.get("Error", {}).get("Code")},
            )
            return True
        except BotoCoreError as exc:
            log.warning(
                "event de-duplication unavailable; processing the delivery",
                extra={"event_id": event_id, "error": type(exc).__name__},
            )
            return True
        return True
