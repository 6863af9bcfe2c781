"""The shared posture store: one DynamoDB table for replicas on several machines.

One table, string keys `pk` and `sk`, several item kinds:

| pk | sk | holds |
| --- | --- | --- |
| `run#<account>` | run key (time + id) | run metadata: status, failing count, regions, parts |
| `blob#<run_id>` | `0000`, `0001`, ... | the run's results, zlib-compressed, split under the 400 KB item limit |
| `accounts` | account | one item per account with runs |
| `post#<channel>#<day>` | account set | the day's claim or post (conditional writes) |
| `posted#<channel>` | account | the run id the channel's last summary showed |
| `feedback` | record id | feedback on an answer (`bot.store.feedback`) |

A claim is one conditional `UpdateItem`, so exactly one replica wins a day. boto3 is
imported on first use and follows the standard credential chain and AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from bot.checks.model import CheckResult
from bot.errors import ConfigError
from bot.store.feedback import DynamoFeedback
from bot.store.records import PostKey, PostRecord, RunMeta, results_from_json, results_to_json
from bot.store.risks import Acceptance, AuditEvent

#: Bytes of compressed results per item, well under DynamoDB's 400 KB item limit.
PART_BYTES = 300_000


class DynamoStore(DynamoFeedback):
    """`StateStore` on one DynamoDB table (see the module docstring for its layout)."""

    def __init__(self, table: str, *, region: str | None = None, client: Any = None) -> None:
        self.table = table
        if client is None:
            import boto3

            client = boto3.session.Session().client("dynamodb", region_name=region)
        self._db = client

    @staticmethod
    def create_table(client: Any, table: str) -> None:
        """Create the table (on-demand billing); for tests and first-time set-up scripts."""
        client.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.get_waiter("table_exists").wait(TableName=table)

    def _call(self, operation: str, **kwargs: Any) -> Any:
        """Call DynamoDB, turning a missing table into one sentence the operator can act on."""
        from botocore.exceptions import ClientError

        try:
            return getattr(self._db, operation)(TableName=self.table, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ResourceNotFoundException":
                raise ConfigError(
                    f"DEMARC_STATE: DynamoDB table {self.table!r} does not exist in "
                    f"{self._db.meta.region_name}; create it with string keys pk (hash) and sk (range)"
                ) from exc
            raise

    def _query(self, pk: str, *, newest_first: bool = False, limit: int | None = None, **extra: Any) -> list[Any]:
        items: list[Any] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": extra.pop("condition", "pk = :pk"),
            "ExpressionAttributeValues": {":pk": {"S": pk}, **extra.pop("values", {})},
            "ScanIndexForward": not newest_first,
            "ConsistentRead": True,
            **extra,
        }
        while True:
            if limit is not None:
                kwargs["Limit"] = limit - len(items)
            page = self._call("query", **kwargs)
            items.extend(page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start or (limit is not None and len(items) >= limit):
                return items
            kwargs["ExclusiveStartKey"] = start

    def save_run(self, meta: RunMeta, results: Sequence[CheckResult]) -> None:
        blob = zlib.compress(results_to_json(results).encode("utf-8"), 6)
        parts = [blob[i : i + PART_BYTES] for i in range(0, len(blob), PART_BYTES)] or [b""]
        # Results first: a reader that finds the metadata can always load what it points to.
        for number, part in enumerate(parts):
            self._call(
                "put_item", Item={"pk": {"S": f"blob#{meta.run_id}"}, "sk": {"S": f"{number:04d}"}, "data": {"B": part}}
            )
        self._call(
            "put_item",
            Item={
                "pk": {"S": f"run#{meta.account}"},
                "sk": {"S": meta.key},
                "run_id": {"S": meta.run_id},
                "generated_at": {"S": meta.generated_at},
                "regions": {"S": json.dumps(list(meta.regions))},
                "status": {"S": meta.status},
                "failing": {"N": str(meta.failing)},
                "parts": {"N": str(len(parts))},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
        self._call("put_item", Item={"pk": {"S": "accounts"}, "sk": {"S": meta.account}})

    @staticmethod
    def _meta(account: str, item: Mapping[str, Any]) -> RunMeta:
        return RunMeta(
            run_id=item["run_id"]["S"],
            account=account,
            generated_at=item["generated_at"]["S"],
            regions=tuple(json.loads(item["regions"]["S"])),
            status=item["status"]["S"],
            failing=int(item["failing"]["N"]),
            key=item["sk"]["S"],
        )

    def recent_runs(self, account: str, limit: int, *, until_key: str | None = None) -> list[RunMeta]:
        if limit <= 0:
            return []
        extra: dict[str, Any] = {}
        if until_key is not None:
            extra = {"condition": "pk = :pk AND sk <= :until", "values": {":until": {"S": until_key}}}
        items = self._query(f"run#{account}", newest_first=True, limit=limit, **extra)
        return [self._meta(account, item) for item in items[:limit]]

    def load_results(self, run_id: str) -> list[CheckResult]:
        parts = self._query(f"blob#{run_id}")
        if not parts:
            return []
        blob = b"".join(bytes(p["data"]["B"]) for p in parts)
        return results_from_json(zlib.decompress(blob).decode("utf-8")) if blob else []

    def accounts(self) -> list[str]:
        return sorted(item["sk"]["S"] for item in self._query("accounts"))

    def claim_post(self, key: PostKey, owner: str, *, now: float, lease: float, force: bool = False) -> bool:
        from botocore.exceptions import ClientError

        # The same rule as records.claimable, as a condition DynamoDB evaluates atomically.
        if force:
            condition = "attribute_not_exists(pk) OR #st <> :claimed OR expires_at <= :now OR #owner = :owner"
        else:
            condition = (
                "attribute_not_exists(pk) OR #st = :failed OR #owner = :owner "
                "OR (#st = :claimed AND expires_at <= :now)"
            )
        values = {
            ":claimed": {"S": "claimed"},
            ":now": {"N": repr(now)},
            ":owner": {"S": owner},
            ":expires": {"N": repr(now + lease)},
            ":zero": {"N": "0"},
            ":one": {"N": "1"},
        }
        if not force:
            values[":failed"] = {"S": "failed"}
        try:
            self._call(
                "update_item",
                Key=self._post_key(key),
                UpdateExpression="SET #st = :claimed, #owner = :owner, claimed_at = :now, expires_at = :expires, "
                "attempts = if_not_exists(attempts, :zero) + :one REMOVE #error",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#st": "status", "#owner": "owner", "#error": "error"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    @staticmethod
    def _post_key(key: PostKey) -> dict[str, Any]:
        return {"pk": {"S": f"post#{key.channel}#{key.day}"}, "sk": {"S": key.accounts}}

    def finish_post(self, key: PostKey, owner: str, ts: str, runs: Mapping[str, RunMeta]) -> None:
        self._call(
            "update_item",
            Key=self._post_key(key),
            UpdateExpression="SET #st = :posted, #owner = :owner, ts = :ts REMOVE #error",
            ExpressionAttributeNames={"#st": "status", "#owner": "owner", "#error": "error"},
            ExpressionAttributeValues={":posted": {"S": "posted"}, ":owner": {"S": owner}, ":ts": {"S": ts}},
        )
        for account, meta in runs.items():
            self._call(
                "put_item",
                Item={
                    "pk": {"S": f"posted#{key.channel}"},
                    "sk": {"S": account},
                    "run_id": {"S": meta.run_id},
                    "run_key": {"S": meta.key},
                },
            )

    def release_post(self, key: PostKey, owner: str, error: str | None) -> None:
        from botocore.exceptions import ClientError

        names = {"#st": "status", "#owner": "owner"}
        values: dict[str, Any] = {":claimed": {"S": "claimed"}, ":owner": {"S": owner}}
        condition = "#st = :claimed AND #owner = :owner"
        try:
            if error is None:
                self._call(
                    "delete_item",
                    Key=self._post_key(key),
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
            else:
                self._call(
                    "update_item",
                    Key=self._post_key(key),
                    UpdateExpression="SET #st = :failed, #error = :error",
                    ConditionExpression=condition,
                    ExpressionAttributeNames={**names, "#error": "error"},
                    ExpressionAttributeValues={**values, ":failed": {"S": "failed"}, ":error": {"S": error[:1000]}},
                )
        except ClientError as exc:
            # Someone else holds the claim now (our lease ran out): theirs to finish.
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def posts(self, channel: str, day: str) -> list[PostRecord]:
        out = []
        for item in self._query(f"post#{channel}#{day}"):
            out.append(
                PostRecord(
                    key=PostKey(channel, day, item["sk"]["S"]),
                    status=item["status"]["S"],
                    owner=item.get("owner", {}).get("S", ""),
                    claimed_at=float(item.get("claimed_at", {}).get("N", "0")),
                    expires_at=float(item.get("expires_at", {}).get("N", "0")),
                    ts=item.get("ts", {}).get("S"),
                    error=item.get("error", {}).get("S"),
                    attempts=int(item.get("attempts", {}).get("N", "0")),
                )
            )
        return out

    def last_posted(self, channel: str, account: str) -> RunMeta | None:
        pointer = self._call(
            "get_item", Key={"pk": {"S": f"posted#{channel}"}, "sk": {"S": account}}, ConsistentRead=True
        ).get("Item")
        if not pointer:
            return None
        item = self._call(
            "get_item", Key={"pk": {"S": f"run#{account}"}, "sk": pointer["run_key"]}, ConsistentRead=True
        ).get("Item")
        return self._meta(account, item) if item else None

    def _put_once(self, item: dict[str, Any]) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._call("put_item", Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def add_acceptance(self, acceptance: Acceptance, *, at: str) -> bool:
        item = {
            "pk": {"S": f"accept#{acceptance.account}"},
            "sk": {"S": acceptance.key},
            "data": {"S": acceptance.dumps()},
            "at": {"S": at},
        }
        added = self._put_once(item)
        if added:
            self.add_audit(AuditEvent("accepted", at, acceptance))
        return added

    def acceptances(self, account: str) -> list[Acceptance]:
        items = self._query(f"accept#{account}")
        items.sort(key=lambda i: (i.get("at", {}).get("S", ""), i["sk"]["S"]))
        return [Acceptance.loads(i["data"]["S"]) for i in items]

    def add_audit(self, event: AuditEvent) -> bool:
        item = {
            "pk": {"S": f"audit#{event.acceptance.account}"},
            "sk": {"S": event.key},
            "data": {"S": event.dumps()},
            "at": {"S": event.at},
        }
        return self._put_once(item)

    def audit(self, account: str) -> list[AuditEvent]:
        items = self._query(f"audit#{account}")
        items.sort(key=lambda i: (i.get("at", {}).get("S", ""), i["sk"]["S"]))
        return [AuditEvent.loads(i["data"]["S"]) for i in items]

    def close(self) -> None:
        """boto3 clients need no explicit close."""
