"""Owners by resource tag and by AWS Organizations OU: the file, the reads (against moto),
the precedence (tag, account, OU, layer), and routing over the fake Slack."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from bot.checks.model import AccountReport
from bot.checks.ownership import ou_path, resource_tags, short_id
from bot.checks.session import ClientFactory
from bot.clock import FixedClock
from bot.config import Secret
from bot.errors import ConfigError
from bot.posture import run_posture
from bot.posture.owners import Owners, load_owners
from handlers.posture import post, post_posture
from handlers.slack_client import build_client as make_client
from tests.posture.helpers import CHANNEL, DAY1, report, scan_of, settings
from tests.slack.fakes import FakeSlack

PAYMENTS, PLATFORM = "111122223333", "444455556666"
OWNERS = f"""
tags:
  team: "@{{value}}-oncall"
  cost-centre:
    "4711": "@finance-oncall"
accounts:
  "{PAYMENTS}": "@payments-oncall"
ous:
  ou-root-platform1: "@platform-oncall"
"""


def _write(tmp_path: Path, text: str = OWNERS) -> Path:
    path = tmp_path / "owners.yaml"
    path.write_text(text)
    return path


def test_the_file_reads_tags_ous_accounts_and_channels(tmp_path: Path) -> None:
    owners = load_owners(_write(tmp_path))
    assert owners.tag_keys == ("team", "cost-centre")
    assert owners.ous == {"ou-root-platform1": "@platform-oncall"}
    assert owners.accounts == {PAYMENTS: "@payments-oncall"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("tags:\n  team: '@fixed-team'\n", "tags.team must be a team template containing {value}"),
        ("tags:\n  team: []\n", "tags.team must be a team template"),
        ("tags: [team]\n", "`tags` must be a mapping"),
        ("ous:\n  r-abcd: '@x'\n", "ous.r-abcd is not an OU id"),
        ("teams:\n  a: b\n", "unknown section(s) teams"),
    ],
)
def test_a_bad_file_is_refused_with_the_entry_named(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_owners(_write(tmp_path, text))
    assert problem in str(caught.value)


def test_the_most_specific_owner_wins() -> None:
    owners = Owners(
        accounts={PAYMENTS: "@payments-oncall"},
        ous={"ou-a-inner": "@inner", "ou-a-outer": "@outer"},
        tags={"team": "@{value}-oncall"},
        resource_tags={"tagged-bucket": {"team": "search"}},
        ou_path=("ou-a-inner", "ou-a-outer"),
    )
    assert owners.owner(PAYMENTS, "s3", "data", "tagged-bucket") == "@search-oncall"  # the tag first
    assert owners.owner(PAYMENTS, "s3", "data", "other-bucket") == "@payments-oncall"  # then the account
    assert owners.owner(PLATFORM, "s3", "data", "other-bucket") == "@inner"  # then the nearest OU
    assert replace_path(owners, ("ou-a-outer",)).owner(PLATFORM, "s3", "data") == "@outer"
    layer = replace_path(owners, ()).owner(PLATFORM, "s3", "data")
    assert layer is None or not layer.startswith("@inner")  # the catalogue's layer team, if any


def replace_path(owners: Owners, path: tuple[str, ...]) -> Owners:
    from dataclasses import replace

    return replace(owners, ou_path=path)


def test_short_ids_are_what_checks_report() -> None:
    assert short_id("arn:aws:s3:::logs") == "logs"
    assert short_id("arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc") == "sg-0abc"
    assert short_id("arn:aws:lambda:eu-west-1:111122223333:function:api") == "api"
    assert short_id("sg-0abc") == "sg-0abc"


def test_tags_and_ous_are_read_from_aws(aws_env: None) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="pay-data")
        s3.put_bucket_tagging(Bucket="pay-data", Tagging={"TagSet": [{"Key": "team", "Value": "payments"}]})
        s3.create_bucket(Bucket="untagged")
        ec2 = boto3.client("ec2", region_name="eu-west-1")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        ec2.create_tags(Resources=[sg], Tags=[{"Key": "cost-centre", "Value": "4711"}])

        factory = ClientFactory(boto3.Session())
        tags, notes = resource_tags(factory, ["us-east-1", "eu-west-1"], ["team", "cost-centre"])
        assert notes == []
        assert tags["pay-data"] == {"team": "payments"} and "untagged" not in tags
        assert tags[sg] == {"cost-centre": "4711"}

        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        outer = org.create_organizational_unit(ParentId=root, Name="platform")["OrganizationalUnit"]["Id"]
        inner = org.create_organizational_unit(ParentId=outer, Name="edge")["OrganizationalUnit"]["Id"]
        account = org.create_account(Email="edge@example.com", AccountName="edge")["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=inner)
        assert ou_path(org, account) == (inner, outer)

        owners = Owners(ous={outer: "@platform-oncall"}, tags={"team": "@{value}-oncall"})
        scanned = AccountReport(account, ["us-east-1"], [], resource_tags=tags)
        mine = owners.for_report(scanned, lambda a: ou_path(org, a))
        assert mine.owner(account, "s3", "data", "pay-data") == "@payments-oncall"
        assert mine.owner(account, "vpc", "network-config", sg) == "@platform-oncall"


def test_a_tag_read_that_is_denied_is_a_note_not_a_failure(aws_env: None) -> None:
    class Denied:
        def client(self, service: str, region: str) -> object:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetResources")

    tags, notes = resource_tags(Denied(), ["us-east-1"], ["team"])  # type: ignore[arg-type]
    assert tags == {}
    assert len(notes) == 1 and "tag:GetResources" in notes[0] and "us-east-1" in notes[0]


def test_an_ou_read_that_fails_falls_back_to_the_layer_owner() -> None:
    def denied(account: str) -> tuple[str, ...]:
        raise RuntimeError("no organizations access")

    owners = Owners(ous={"ou-a-x": "@x"}).for_report(AccountReport(PLATFORM, [], []), denied)
    assert owners.ou_path == ()
    assert owners.owner(PLATFORM, "s3", "data") != "@x"


def test_findings_show_their_tag_owner_in_json(state_file: str, tmp_path: Path) -> None:
    tagged = report({"open-ports": [("sg-1", "us-east-1"), ("sg-2", "us-east-1")]}, account=PAYMENTS)
    tagged.resource_tags = {"sg-1": {"team": "search"}}
    run = run_posture(settings(state_file, owners_file=_write(tmp_path)), scan=scan_of(tagged))
    [line] = [json.loads(x) for x in run.json_lines()]
    [ports] = [r for r in line["results"] if r["check"] == "open-ports"]
    assert {f["resource"]: f["owner"] for f in ports["findings"]} == {
        "sg-1": "@search-oncall",
        "sg-2": "@payments-oncall",
    }


def test_routing_splits_one_accounts_findings_by_tag(
    state_file: str, slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(post, "POST_INTERVAL", 0.0)
    cfg = settings(
        state_file,
        slack_bot_token=Secret("xoxb-test"),
        slack_api_url=slack.api_url,
        owners_file=_write(tmp_path),
        posture_routing="thread",
    )
    tagged = report({"s3-encryption": [("pay-data", "global"), ("search-index", "global")]}, account=PAYMENTS)
    tagged.resource_tags = {"search-index": {"team": "search"}}
    first = post_posture(make_client(cfg), CHANNEL, cfg, scan=scan_of(tagged), clock=FixedClock(DAY1))
    replies = [c for c in slack.of("chat.postMessage") if c.body.get("thread_ts") == first.ts]
    texts = sorted(json.dumps(r.body["blocks"]) for r in replies)
    assert len(replies) == 2
    assert any("@payments-oncall" in t and "pay-data" in t and "search-index" not in t for t in texts)
    assert any("@search-oncall" in t and "search-index" in t and "pay-data" not in t for t in texts)


def test_the_scans_own_session_can_make_the_owners_reads(aws_env: None) -> None:
    """The scan's loader keeps only the operations a scan makes: the owners' reads are among them."""
    from bot.checks.session import default_session
    from bot.posture.run import ou_resolver

    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        unit = org.create_organizational_unit(ParentId=root, Name="payments")["OrganizationalUnit"]["Id"]
        account = org.create_account(Email="pay@example.com", AccountName="pay")["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=unit)
        assert ou_resolver()(account) == (unit,)
        tags, notes = resource_tags(ClientFactory(default_session()), ["us-east-1"], ["team"])
        assert (tags, notes) == ({}, [])
