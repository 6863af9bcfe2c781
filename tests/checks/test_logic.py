"""Finding logic on hand-written inputs: edge cases that need no AWS at all."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.checks import runtimes
from bot.checks.defs.edge import modern_elb_policy
from bot.checks.defs.iam import allows_everything, root_access_keys, root_mfa
from bot.checks.defs.lambda_ import public_statements
from bot.checks.defs.vpc import open_to_world
from bot.checks.faults import describe_fault
from bot.checks.inventory import FAN_OUT_WINDOW, Inventory
from bot.checks.loaders import iam
from bot.checks.loaders.s3 import public_acl_grants, public_policy_statements
from bot.checks.model import AccountReport, CheckResult, Finding
from bot.checks.registry import CheckContext
from bot.checks.render import render_text
from bot.errors import ConfigError

WORLD = [{"CidrIp": "0.0.0.0/0"}]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": WORLD}, ["22/tcp open to 0.0.0.0/0"]),
        ({"IpProtocol": "6", "FromPort": 3389, "ToPort": 3389, "IpRanges": WORLD}, ["3389/tcp open to 0.0.0.0/0"]),
        (
            {"IpProtocol": "udp", "FromPort": 0, "ToPort": 100, "IpRanges": WORLD},
            ["0-100/udp open to 0.0.0.0/0 (covers 20, 21, 22, 23)"],
        ),
        ({"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}, ["all traffic open to ::/0"]),
        (
            {"IpProtocol": "tcp", "FromPort": 27017, "ToPort": 27017, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            ["27017/tcp open to ::/0"],
        ),
        ({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": WORLD}, []),
        ({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}, []),
        ({"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": WORLD}, []),
        ({"IpProtocol": "tcp", "FromPort": 9201, "ToPort": 27016, "IpRanges": WORLD}, []),
    ],
)
def test_open_to_world(rule: dict[str, Any], expected: list[str]) -> None:
    assert open_to_world(rule) == expected


@pytest.mark.parametrize(
    ("statement", "public"),
    [
        ({"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction"}, True),
        ({"Effect": "Allow", "Principal": {"AWS": "*"}}, True),
        ({"Effect": "Allow", "Principal": {"AWS": ["*"]}}, True),
        ({"Effect": "Allow", "Principal": "*", "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"}}}, False),
        ({"Effect": "Allow", "Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}, False),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
            },
            True,
        ),
        ({"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}}, False),
        ({"Effect": "Deny", "Principal": "*"}, False),
        ({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}}, True),
        ({"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}}, False),
        ({"Effect": "Allow", "Principal": ["*"], "NotAction": "lambda:GetPolicy"}, True),
        ({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]}}, True),
        ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}, False),
    ],
)
def test_lambda_public_statements(statement: dict[str, Any], public: bool) -> None:
    assert bool(public_statements({"Statement": [statement | {"Sid": "s"}]})) is public


def test_s3_public_acl_and_policy() -> None:
    acl = {
        "Grants": [
            {
                "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                "Permission": "READ",
            },
            {"Grantee": {"Type": "CanonicalUser", "ID": "x"}, "Permission": "FULL_CONTROL"},
        ]
    }
    assert public_acl_grants(acl) == ["ACL grants READ to AllUsers"]
    assert public_policy_statements({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*"}})
    conditioned = {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Condition": {"IpAddress": {"aws:SourceIp": "1.2.3.4"}}}]
    }
    assert public_policy_statements(conditioned) == []


@pytest.mark.parametrize(
    ("statement", "admin"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": ["*"]}, True),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}, False),
        ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, False),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
    ],
)
def test_allows_everything(statement: dict[str, Any], admin: bool) -> None:
    assert allows_everything({"Statement": [statement]}) is admin


def test_runtime_table_covers_every_family_and_dates_compare_with_today() -> None:
    table = runtimes.load()
    for runtime_id in ("nodejs22.x", "python3.13", "java21", "dotnet8", "ruby3.3", "provided.al2023", "go1.x"):
        assert runtime_id in table
    today = dt.date(2026, 11, 23)
    assert table["python3.8"].is_deprecated(today)
    assert not table["python3.13"].is_deprecated(today)
    assert runtimes.parse("lambda_runtimes: {x: {deprecated: 2026-11-23}}")["x"].is_deprecated(today)
    with pytest.raises(ConfigError):
        runtimes.parse("lambda_runtimes: {x: {deprecated: soon}}")


def _context(summary: dict[str, int]) -> CheckContext:
    inventory = Inventory(None, account_id="111122223333", home_region="us-east-1", io_pool=ThreadPoolExecutor(1))  # type: ignore[arg-type]
    inventory.preload(iam.ACCOUNT_SUMMARY, "global", summary)
    return CheckContext(inventory, "global", dt.date(2026, 11, 23))


def test_root_checks_read_the_account_summary() -> None:
    assert [f.resource for f in root_access_keys(_context({"AccountAccessKeysPresent": 1}))] == ["111122223333"]
    assert list(root_access_keys(_context({"AccountAccessKeysPresent": 0}))) == []
    assert list(root_mfa(_context({"AccountMFAEnabled": 1}))) == []
    assert len(list(root_mfa(_context({"AccountMFAEnabled": 0})))) == 1


def test_fault_messages_name_the_action_or_region() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError

    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetAccountSummary")
    assert describe_fault(denied, service="iam", operation="GetAccountSummary", region="us-east-1") == (
        "access denied: needs iam:GetAccountSummary"
    )
    denied_s3 = ClientError({"Error": {"Code": "AccessDenied"}}, "ListBuckets")
    assert "needs s3:ListAllMyBuckets" in describe_fault(denied_s3, service="s3", operation="ListBuckets", region="x")
    opted_out = ClientError({"Error": {"Code": "OptInRequired"}}, "DescribeVolumes")
    assert "region me-south-1 is not enabled" in describe_fault(
        opted_out, service="ec2", operation="DescribeVolumes", region="me-south-1"
    )
    down = EndpointConnectionError(endpoint_url="https://ec2.eu-west-3.amazonaws.com")
    assert describe_fault(down, service="ec2", operation="DescribeVolumes", region="eu-west-3").startswith(
        "region eu-west-3 did not answer"
    )


def test_render_groups_by_check_with_owner_and_fix() -> None:
    report = AccountReport(
        "123456789012",
        ["us-east-1"],
        [
            CheckResult(
                "open-ports", "vpc", "network-config", [Finding("sg-1", "us-east-1", "22/tcp open to 0.0.0.0/0")]
            ),
            CheckResult("cloudtrail", "cloudtrail", "logging", [], "access denied: needs cloudtrail:DescribeTrails"),
            CheckResult("s3-encryption", "s3", "encryption"),
        ],
    )
    text = render_text(report)
    assert text.index("FAIL  open-ports") < text.index("ERROR cloudtrail") < text.index("PASS  s3-encryption")
    assert "This is yours under the model" in text
    assert "--group-id sg-1" in text  # a concrete fix for the finding
    assert "access denied: needs cloudtrail:DescribeTrails" in text
    assert report.failed


@pytest.mark.parametrize(
    ("statement", "detail"),
    [
        (
            {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:GetObject"},
            "policy allows s3:GetObject to everyone except NotPrincipal",
        ),
        (
            {"Effect": "Allow", "Principal": "*", "NotAction": ["s3:DeleteObject"]},
            "policy allows all actions except s3:DeleteObject to Principal *",
        ),
        (
            {"Effect": "Allow", "Principal": ["*"], "Action": ["s3:GetObject", "s3:ListBucket"]},
            "policy allows s3:GetObject, s3:ListBucket to Principal *",
        ),
    ],
)
def test_s3_policy_grammar_forms(statement: dict[str, Any], detail: str) -> None:
    assert public_policy_statements({"Statement": statement}) == [detail]
    assert public_policy_statements({"Statement": [statement | {"Effect": "Deny"}]}) == []


def test_credential_report_rows_and_their_dates() -> None:
    from bot.checks.loaders.iam import parse_credential_report

    header = (
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
        "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
        "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
        "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
        "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
        "cert_2_active,cert_2_last_rotated"
    )
    root = "<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00"
    root += ",not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A"
    root += ",false,N/A,false,N/A"
    [row] = parse_credential_report(f"{header}\n{root}\n")
    assert row.is_root and not row.password_enabled
    assert row.password_last_used == dt.date(2026, 11, 1)
    assert [(k.active, k.last_rotated, k.last_used) for k in row.keys] == [
        (False, None, None),
        (True, dt.date(2026, 1, 1), None),
    ]


@pytest.mark.parametrize(
    ("statement", "denies"),
    [
        (
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            True,
        ),
        (
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": ["s3:*"],
                "Condition": {"Bool": {"aws:SecureTransport": False}},
            },
            True,
        ),
        (
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            False,
        ),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            },
            False,
        ),
        ({"Effect": "Deny", "Principal": "*", "Action": "s3:*"}, False),
    ],
)
def test_denies_insecure_transport(statement: dict[str, Any], denies: bool) -> None:
    from bot.checks.defs.s3 import denies_insecure_transport

    assert denies_insecure_transport({"Statement": [statement]}) is denies
    assert denies_insecure_transport(None) is False


def test_mfa_delete_enabled_is_not_a_finding() -> None:
    """moto keeps no MFADelete state; the check is exercised here with a preloaded answer."""
    from bot.checks.defs.s3 import mfa_delete
    from bot.checks.loaders import s3

    inv = Inventory(None, account_id="1", home_region="us-east-1", io_pool=ThreadPoolExecutor(1))  # type: ignore[arg-type]
    on, off = s3.Bucket("on", "us-east-1"), s3.Bucket("off", "us-east-1")
    inv.preload(
        s3.VERSIONING, "global", [s3.BucketVersioning(on, "Enabled", True), s3.BucketVersioning(off, "Enabled", False)]
    )
    ctx = CheckContext(inv, "global", dt.date(2026, 11, 23))
    assert [f.resource for f in mfa_delete(ctx)] == ["off"]


@pytest.mark.parametrize(
    ("policy", "modern"),
    [
        ("ELBSecurityPolicy-TLS13-1-2-2021-06", True),
        ("ELBSecurityPolicy-TLS13-1-3-2021-06", True),
        ("ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", True),
        ("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", True),
        ("ELBSecurityPolicy-FS-1-2-Res-2020-10", True),
        # TLS 1.3 added, but TLS 1.0 / 1.1 still allowed
        ("ELBSecurityPolicy-TLS13-1-0-2021-06", False),
        ("ELBSecurityPolicy-TLS13-1-1-2021-06", False),
        ("ELBSecurityPolicy-FS-1-1-2019-08", False),
        ("ELBSecurityPolicy-2016-08", False),
    ],
)
def test_modern_elb_policy(policy: str, modern: bool) -> None:
    assert modern_elb_policy(policy) is modern


class _CountingPool(ThreadPoolExecutor):
    """A one-thread pool that counts submissions (to know when both fan-outs have queued)."""

    def __init__(self, expected: int) -> None:
        super().__init__(1)
        self.submitted, self.expected = 0, expected
        self.first_window_queued = threading.Event()
        self.both_queued = threading.Event()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.submitted += 1
        if self.submitted >= FAN_OUT_WINDOW:
            self.first_window_queued.set()
        if self.submitted >= self.expected:
            self.both_queued.set()
        return super().submit(fn, *args, **kwargs)


def test_concurrent_fan_outs_take_turns_on_the_io_pool() -> None:
    """A region whose items sleep on its rate cap must not hold the pool until all its items
    are done: the second fan-out's items run before the first's last ones."""
    first = [f"a{i}" for i in range(20)]
    second = [f"b{i}" for i in range(5)]
    pool = _CountingPool(expected=FAN_OUT_WINDOW + len(second))
    inventory = Inventory(None, account_id="1", home_region="us-east-1", io_pool=pool)  # type: ignore[arg-type]
    order: list[str] = []

    def item(name: str) -> str:
        if name == "a0":
            assert pool.both_queued.wait(10)
        order.append(name)
        return name.upper()

    with ThreadPoolExecutor(2) as callers:
        a = callers.submit(inventory.fan_out, item, first)
        assert pool.first_window_queued.wait(10)  # the first region's window is queued before the second starts
        b = callers.submit(inventory.fan_out, item, second)
        assert a.result(timeout=10) == [n.upper() for n in first]
        assert b.result(timeout=10) == [n.upper() for n in second]
    pool.shutdown()
    assert sorted(order) == sorted(first + second)
    assert order.index("b0") < order.index("a19")
    assert order[:FAN_OUT_WINDOW] == first[:FAN_OUT_WINDOW]


def test_fan_out_hands_back_an_item_failure_in_order() -> None:
    inventory = Inventory(None, account_id="1", home_region="us-east-1", io_pool=ThreadPoolExecutor(2))  # type: ignore[arg-type]

    def item(n: int) -> int:
        if n == 3:
            raise ValueError("three")
        return n

    assert inventory.fan_out(item, range(3)) == [0, 1, 2]
    with pytest.raises(ValueError, match="three"):
        inventory.fan_out(item, range(12))
    assert inventory.fan_out(item, []) == []
