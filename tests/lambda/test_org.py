"""The Organization variant: its state machine is valid Amazon States Language, and its
three steps (enumerate, one account per Map item, one summary) run in-process against
moto for several accounts, with the DynamoDB store and the fake Slack."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from statelint.linter import Linter

from bot.checks.model import AccountReport, CheckResult, Finding
from bot.config import Settings
from bot.posture.org import stored_posture, stored_reports
from bot.posture.run import record_account
from bot.store import DynamoStore, SqliteStore
from bot.store.records import iso_z
from handlers.aws_lambda import org_account_handler, org_aggregate_handler, org_enumerate_handler
from handlers.deps import SettingsScanner
from tests.slack.fakes import BOT_TOKEN, FakeSlack

from .conftest import POSTURE_CHANNEL
from .events import FakeContext
from .test_template import load_template

TABLE = "demarc-state"
ROLE = "demarc-audit"
START = "2026-11-23T09:00:00.000Z"


# --- the state machine definition -------------------------------------------------------


def definition(**overrides: Any) -> dict[str, Any]:
    """The state machine's ASL with the template's parameters (defaults) and ARNs filled in."""
    template = load_template()
    text = template["Resources"]["OrgStateMachine"]["Properties"]["DefinitionString"]["Fn::Sub"]
    params = {name: p.get("Default") for name, p in template["Parameters"].items()} | overrides

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "AWS::Partition":
            return "aws"
        if name.endswith(".Arn"):
            resource = name.removesuffix(".Arn")
            assert template["Resources"][resource]["Type"] == "AWS::Serverless::Function", name
            return f"arn:aws:lambda:us-east-1:123456789012:function:{resource}"
        assert name in params, f"unknown substitution ${{{name}}}"
        return str(params[name])

    data: dict[str, Any] = json.loads(re.sub(r"\$\{([^}!]+)\}", value, text))
    return data


def test_the_state_machine_is_valid_amazon_states_language() -> None:
    assert Linter.validate(definition()) == []
    assert Linter.validate(definition(OrgMaxConcurrency=500, OrgToleratedFailurePercentage=0)) == []


def test_the_map_is_distributed_with_the_templates_limits() -> None:
    asl = definition(OrgMaxConcurrency=25, OrgToleratedFailurePercentage=5)
    assert asl["StartAt"] == "EnumerateAccounts"
    scan = asl["States"]["ScanAccounts"]
    assert scan["Type"] == "Map" and scan["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert (scan["MaxConcurrency"], scan["ToleratedFailurePercentage"]) == (25, 5)
    assert asl["States"]["EnumerateAccounts"]["Next"] == "ScanAccounts"
    assert scan["Next"] == "PostSummary" and asl["States"]["PostSummary"]["End"] is True
    handlers = {
        r["Properties"]["Handler"]
        for r in load_template()["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function" and r.get("Condition") == "IsOrg"
    }
    assert handlers == {
        "handlers.aws_lambda.org_enumerate_handler",
        "handlers.aws_lambda.org_account_handler",
        "handlers.aws_lambda.org_aggregate_handler",
    }


def test_only_the_orchestrator_lists_accounts_and_assumes_member_roles() -> None:
    template = load_template()
    holders: dict[str, set[str]] = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                for action in actions:
                    holders.setdefault(action, set()).add(name)
                if "sts:AssumeRole" in actions:
                    assert statement["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${OrgRoleName}"}
    assert holders["organizations:ListAccounts"] == {"OrgScanRole"}
    assert holders["sts:AssumeRole"] == {"OrgScanRole"}
    # the member accounts' role keeps docs/iam-policy.json: the orchestrator reads nothing itself
    assert not any(
        a.split(":")[0] in ("s3", "ec2", "iam", "lambda", "rds") for a, r in holders.items() if "OrgScanRole" in r
    )


# --- the three steps, in-process against moto --------------------------------------------


@pytest.fixture
def org(aws_env: None, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from bot.checks.loaders import iam

    monkeypatch.setattr(iam, "sleep", lambda _: None)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("DEMARC_POSTURE_CHANNEL", POSTURE_CHANNEL)
    monkeypatch.setenv("DEMARC_STATE", f"dynamodb://{TABLE}")
    monkeypatch.setenv("DEMARC_REGIONS", "us-east-1")
    monkeypatch.setenv("DEMARC_ORG_ROLE_NAME", ROLE)
    with mock_aws():
        DynamoStore.create_table(boto3.client("dynamodb", region_name="us-east-1"), TABLE)
        organizations = boto3.client("organizations", region_name="us-east-1")
        organizations.create_organization(FeatureSet="ALL")
        accounts = [
            organizations.create_account(AccountName=n, Email=f"{n}@example.com")["CreateAccountStatus"]["AccountId"]
            for n in ("prod", "staging", "sandbox")
        ]
        sts = boto3.client("sts", region_name="us-east-1")
        for i, account in enumerate(accounts):
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed")[
                "Credentials"
            ]
            s3 = boto3.client(
                "s3", region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
            )  # fmt: skip
            s3.create_bucket(Bucket=f"public-{account}", ACL="public-read" if i == 0 else "private")
        yield {"accounts": accounts}


def test_enumerate_then_one_invocation_per_account_then_one_post(org: dict[str, Any], slack: FakeSlack) -> None:
    listed = org_enumerate_handler({"time.$": START}, FakeContext())
    items = listed["accounts"]
    assert sorted(i["account"] for i in items) == sorted(org["accounts"])
    assert all(i["role_arn"] == f"arn:aws:iam::{i['account']}:role/{ROLE}" for i in items)

    # The Map: one invocation per item, each with the ItemSelector's fields.
    results = [org_account_handler({**item, "time": START}, FakeContext()) for item in items]
    assert sorted(r["account"] for r in results) == sorted(org["accounts"])
    assert all(r["status"] in ("ok", "partial") for r in results), results
    assert all(len(json.dumps(r)) < 300 for r in results)  # small Map outputs

    store = DynamoStore(TABLE, region="us-east-1")
    assert store.accounts() == sorted(org["accounts"])

    posted = org_aggregate_handler({"accounts": items, "time": START}, FakeContext())
    assert posted["status"] == "posted", posted
    assert posted["accounts"] == 3 and posted["not_scanned"] == []
    main = [c for c in slack.of("chat.postMessage") if not c.body.get("thread_ts")]
    assert len(main) == 1
    assert f"public-{org['accounts'][0]}" in "".join(c.text_blob for c in slack.of("chat.postMessage"))

    # A retried aggregation step posts nothing more (the store's claim).
    again = org_aggregate_handler({"accounts": items, "time": START}, FakeContext())
    assert again["status"] == "skipped"
    assert len([c for c in slack.of("chat.postMessage") if not c.body.get("thread_ts")]) == 1


def test_an_account_whose_item_failed_is_left_out_not_shown_stale(org: dict[str, Any], slack: FakeSlack) -> None:
    items = org_enumerate_handler({}, FakeContext())["accounts"]
    yesterday = "2026-11-22T09:00:00.000Z"
    for item in items:
        org_account_handler({**item, "time": yesterday}, FakeContext())
    for item in items[1:]:  # today, the first account's item failed
        org_account_handler({**item, "time": START}, FakeContext())
    posted = org_aggregate_handler({"accounts": items, "time": START}, FakeContext())
    assert posted["accounts"] == 2 and posted["not_scanned"] == [items[0]["account"]]


# --- aggregation and Organization-scope checks from stored runs (no AWS) ---------------


def _report(account: str, *, open_port: bool) -> AccountReport:
    findings = [Finding("sg-1", "us-east-1", "22/tcp open to 0.0.0.0/0")] if open_port else []
    return AccountReport(
        account,
        ["us-east-1"],
        [
            CheckResult("open-ports", "vpc", "network-config", findings),
            CheckResult("cloudtrail", "cloudtrail", "logging"),
        ],
    )


def test_one_summary_from_n_stored_account_runs(tmp_path: Path) -> None:
    import datetime as dt

    store = SqliteStore(tmp_path / "state.sqlite3")
    day1, day2 = dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC), dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
    accounts = [f"{n:012d}" for n in range(1, 8)]
    for i, account in enumerate(accounts):
        record_account(store, _report(account, open_port=i % 2 == 0), now=day1, generated_at=iso_z(day1))
        record_account(store, _report(account, open_port=i % 3 == 0), now=day2, generated_at=iso_z(day2))
    from bot.clock import FixedClock

    run = stored_posture(store, accounts, clock=FixedClock(day2))
    summary = run.summary
    assert [a.account for a in summary.accounts] == accounts
    assert summary.findings == sum(1 for i in range(7) if i % 3 == 0)
    by_account = {a.account: a for a in summary.accounts}
    assert [d.key.check for d in by_account[accounts[3]].new] == ["open-ports"]  # 3: open now, closed yesterday
    assert [d.key.check for d in by_account[accounts[2]].fixed] == ["open-ports"]  # 2: closed now, open yesterday
    assert all(a.previous_run == iso_z(day1) for a in summary.accounts)
    assert set(run.runs) == set(accounts)
    # the teams overlay, by account, reaches the summary built from stored runs
    from bot.posture.owners import Owners

    owned = stored_posture(store, accounts, clock=FixedClock(day2), owners=Owners(accounts={accounts[0]: "@team-0"}))
    [line] = [json.loads(x) for x in owned.json_lines()[:1]]
    [ports] = [r for r in line["results"] if r["check"] == "open-ports"]
    assert [f["owner"] for f in ports["findings"]] == ["@team-0"]


def test_organization_scope_check_in_slack_reads_the_stored_runs(tmp_path: Path) -> None:
    import datetime as dt

    store_path = tmp_path / "state.sqlite3"
    store = SqliteStore(store_path)
    now = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
    for account in ("111111111111", "222222222222"):
        record_account(store, _report(account, open_port=True), now=now, generated_at=iso_z(now))
    settings = Settings(org_role_name=ROLE, org_stored_runs=True, state=str(store_path))
    reports = SettingsScanner(settings)(["open-ports"], None)  # no AWS: nothing is mocked or reachable
    assert [r.account for r in reports] == ["111111111111", "222222222222"]
    assert all([x.check for x in r.results] == ["open-ports"] for r in reports)
    assert stored_reports(store) and len(stored_reports(store)[0].results) == 2
