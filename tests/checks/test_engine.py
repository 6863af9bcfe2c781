"""The Organization-scale engine: one session for every account, refreshed role
credentials, per-account pools, rate caps, the credential report, streamed reports."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from conftest import TODAY, Recorder, by_check, found
from moto import mock_aws

from bot.checks import run_scan
from bot.checks.loaders import iam as iam_loader
from bot.checks.model import AccountReport
from bot.checks.progress import ProgressLine
from bot.checks.ratelimit import OPERATION_CAPS, RATE_CAPS, RateLimiter, ServiceLimiter
from bot.checks.runner import ScanProgress
from bot.checks.session import ClientFactory, assume_role, default_session, shared_loader
from bot.clock import FixedClock
from bot.config import load_settings
from bot.errors import ConfigError

ACCOUNTS = ["111111111111", "222222222222", "333333333333"]
ROLES = [f"arn:aws:iam::{a}:role/demarc-audit" for a in ACCOUNTS]


@pytest.fixture(autouse=True)
def _no_report_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iam_loader, "sleep", lambda _: None)


def _account_of_request(request: Any) -> str:
    from moto.iam.models import get_account_id_from

    auth = request.headers.get("Authorization", b"")
    auth = auth.decode() if isinstance(auth, bytes) else auth
    key = auth.split("Credential=")[1].split("/")[0] if "Credential=" in auth else ""
    return get_account_id_from(key)


@mock_aws
def test_one_session_for_every_account_and_each_report_streams() -> None:
    recorder = Recorder()
    sessions: list[Any] = []

    def factory() -> Any:
        sessions.append(recorder())
        return sessions[-1]

    seen: list[str] = []
    reports = run_scan(
        ["cloudtrail"],
        ["us-east-1"],
        session_factory=factory,
        role_arns=ROLES,
        on_report=lambda r: seen.append(r.account),
    )
    assert len(sessions) == 1
    assert [r.account for r in reports] == ACCOUNTS
    assert sorted(seen) == ACCOUNTS
    assert sum(1 for s, o, _, _ in recorder.calls if (s, o) == ("sts", "AssumeRole")) == len(ACCOUNTS)


def test_default_sessions_share_one_loader(aws_env: None) -> None:
    a, b = default_session(), default_session()
    assert a._session.get_component("data_loader") is b._session.get_component("data_loader") is shared_loader()
    paths = shared_loader().search_paths
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize("shared", [False, True], ids=["own-client", "shared-client"])
@mock_aws
def test_role_credentials_refresh_before_they_expire(shared: bool) -> None:
    """An account's own client, and a client shared by every account (used while bound to this
    one), both sign with credentials renewed before they expire."""
    recorder = Recorder()
    clock = FixedClock(dt.datetime.now(dt.UTC))
    base = ClientFactory(recorder())
    factory = assume_role(base, ROLES[0], "us-east-1", clock=clock)
    with factory.bound() if shared else contextlib.nullcontext():
        iam = factory.client("iam", "us-east-1")
        iam.get_account_summary()
        assert len([c for c in recorder.calls if c[1] == "AssumeRole"]) == 1
        first_key = factory.credentials.get_frozen_credentials().access_key  # type: ignore[union-attr]
        clock.advance(minutes=55)  # inside botocore's 10-minute mandatory refresh window of a 1-hour session
        iam.get_account_summary()
    assert len([c for c in recorder.calls if c[1] == "AssumeRole"]) == 2
    assert factory.credentials.get_frozen_credentials().access_key != first_key  # type: ignore[union-attr]


@mock_aws
def test_a_slow_account_holds_only_its_own_threads() -> None:
    """Every call of one account takes 1.5 s (as a throttled account's retries do): the
    other accounts do not wait for it."""
    slow = ACCOUNTS[0]
    recorder = Recorder()
    lagging = threading.Event()

    def lag(request: Any, **_: Any) -> None:
        if lagging.is_set() and _account_of_request(request) == slow:
            time.sleep(1.5)

    recorder.add_fault(lag)
    finished: dict[str, float] = {}

    def scan() -> None:
        start = time.perf_counter()
        run_scan(
            ["lambda-public", "open-ports", "ebs-encryption"],
            ["us-east-1", "eu-west-1"],
            session_factory=recorder,
            role_arns=ROLES,
            accounts_in_flight=3,
            on_report=lambda r: finished.__setitem__(r.account, time.perf_counter() - start),
        )

    scan()  # moto builds its backends for these accounts on first use: not what is measured
    lagging.set()
    scan()
    order = sorted(finished, key=finished.__getitem__)
    assert order[-1] == slow
    assert max(finished[a] for a in ACCOUNTS[1:]) < finished[slow] - 1.0


@mock_aws
def test_an_interrupted_scan_keeps_what_finished_and_starts_nothing_more() -> None:
    seen: list[AccountReport] = []

    def stop_after_first(report: AccountReport) -> None:
        seen.append(report)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_scan(
            ["cloudtrail"], ["us-east-1"], session_factory=Recorder(), role_arns=ROLES,
            accounts_in_flight=1, on_report=stop_after_first,
        )  # fmt: skip
    assert len(seen) == 1


@mock_aws
def test_console_and_mfa_state_from_the_credential_report(monkeypatch: pytest.MonkeyPatch) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    for name in ("alice", "bob", "late"):
        iam.create_user(UserName=name)
        iam.create_login_profile(UserName=name, Password="Correct-Horse-1!")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="bob", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )

    from moto.iam.models import IAMBackend

    full = IAMBackend.get_credential_report

    def without_late(self: IAMBackend) -> str:  # "late" was created after the report
        return "\n".join(line for line in full(self).split("\n") if not line.startswith("late,"))

    monkeypatch.setattr(IAMBackend, "get_credential_report", without_late)
    recorder = Recorder()
    [report] = run_scan(["iam-user-mfa"], ["us-east-1"], session_factory=recorder, clock=FixedClock.on(TODAY))
    result = by_check(report)["iam-user-mfa"]
    assert result.error is None
    assert {r for r, _ in found(result)} == {
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:user/late",
    }
    per_user = [(o, p) for s, o, _, p in recorder.calls if o in ("GetLoginProfile", "ListMFADevices")]
    assert per_user and all('"late"' in p for _, p in per_user)  # only the user the report missed
    assert {o for s, o, _, _ in recorder.calls if s == "iam"} >= {"GenerateCredentialReport", "GetCredentialReport"}


def test_rate_limiter_keeps_under_its_rate() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(10.0, 5.0, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(25):
        limiter.acquire()
    # 5 from the burst, then 20 at 10/s: two seconds of waiting, never more than 15 in any second
    assert now[0] == pytest.approx(2.0)
    assert all(s == pytest.approx(0.1) for s in slept)


def test_rate_caps_are_below_awss_documented_limits() -> None:
    lam_rate, lam_burst = RATE_CAPS["lambda"]
    assert lam_rate + lam_burst <= 15  # Lambda's control-plane reads: 15 requests/s per account and region
    policy_rate, policy_burst = OPERATION_CAPS[("lambda", "GetPolicy")]
    assert policy_rate + policy_burst <= 15  # GetPolicy: a bucket of its own, 15 requests/s
    ec2_rate, ec2_burst = RATE_CAPS["ec2"]
    assert ec2_rate < 20 and ec2_burst <= 100  # Describe*: bucket of 100, refilled 20/s


@mock_aws
def test_every_client_sends_through_its_accounts_rate_cap() -> None:
    base = ClientFactory(Recorder()())
    factory = assume_role(base, ROLES[0], "us-east-1")
    factory.client("lambda", "eu-west-1").list_functions()
    other = assume_role(base, ROLES[1], "us-east-1")
    other.client("lambda", "eu-west-1").list_functions()
    assert factory.limiters[("lambda", "eu-west-1")] is not other.limiters[("lambda", "eu-west-1")]
    assert factory.limiters[("lambda", "eu-west-1")].sent == 1


@mock_aws
def test_bound_accounts_share_clients_and_each_request_is_signed_as_its_account() -> None:
    base = ClientFactory(Recorder()())
    first, second = (assume_role(base, role, "us-east-1") for role in ROLES[:2])
    with first.bound():
        lam = first.client("lambda", "eu-west-1")
        lam.list_functions()
        first_identity = first.client("sts", "eu-west-1").get_caller_identity()["Account"]
    with second.bound():
        assert second.client("lambda", "eu-west-1") is lam  # one client for both accounts
        lam.list_functions()
        second_identity = second.client("sts", "eu-west-1").get_caller_identity()["Account"]
    assert (first_identity, second_identity) == (ACCOUNTS[0], ACCOUNTS[1])
    # the rate caps stay per account
    assert first.limiters[("lambda", "eu-west-1")] is not second.limiters[("lambda", "eu-west-1")]
    assert first.limiters[("lambda", "eu-west-1")].sent == second.limiters[("lambda", "eu-west-1")].sent == 1
    # an unbound caller gets a client of its own, never the shared one
    assert first.client("lambda", "eu-west-1") is not lam
    with pytest.raises(RuntimeError, match="outside an account"):
        lam.list_functions()


@mock_aws
def test_lambda_getpolicy_is_counted_in_its_own_bucket() -> None:
    factory = ClientFactory(Recorder()())
    client = factory.client("lambda", "eu-west-1")
    client.list_functions()
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_policy(FunctionName="absent")
    limiter = factory.limiters[("lambda", "eu-west-1")]
    assert isinstance(limiter, ServiceLimiter)
    assert (limiter.sent, limiter.operations["GetPolicy"].sent) == (1, 1)


def test_accounts_in_flight_setting() -> None:
    assert load_settings({}).scan_accounts_in_flight == 8
    assert load_settings({"DEMARC_SCAN_ACCOUNTS_IN_FLIGHT": "20"}).scan_accounts_in_flight == 20
    for bad in ("0", "many", "65"):
        with pytest.raises(ConfigError, match="DEMARC_SCAN_ACCOUNTS_IN_FLIGHT"):
            load_settings({"DEMARC_SCAN_ACCOUNTS_IN_FLIGHT": bad})


def test_progress_line_shows_accounts_done_in_flight_and_failed() -> None:
    err, out = io.StringIO(), io.StringIO()
    line = ProgressLine(err, interval=0)
    line(ScanProgress(accounts=100, done=12, in_flight=8, failed=1, units_done=500, units_total=2000))
    assert "12/100 accounts done, 8 in flight, 1 failed" in err.getvalue()
    line.write_above('{"account": "1"}\n', out)
    assert out.getvalue() == '{"account": "1"}\n'
    assert err.getvalue().endswith("12/100 accounts done, 8 in flight, 1 failed (500/2,000 checks)")
    line.close()


def test_progress_from_many_threads_is_consistent() -> None:
    states: list[ScanProgress] = []
    lock = threading.Lock()

    def record(state: ScanProgress) -> None:
        with lock:
            states.append(state)

    with mock_aws():
        run_scan(["cloudtrail"], ["us-east-1"], session_factory=Recorder(), role_arns=ROLES, progress=record)
    last = states[-1]
    assert (last.done, last.in_flight, last.accounts, last.units_done) == (3, 0, 3, 3)


def test_clients_of_a_service_share_one_class_and_model_per_session(aws_env: None) -> None:
    from bot.checks.session import share_parsed_models

    share_parsed_models()
    one, other = boto3.Session(region_name="us-east-1"), boto3.Session(region_name="us-east-1")
    a = one.client("ec2", region_name="us-east-1")
    b = one.client("ec2", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")
    assert type(a) is type(b) and a.meta.service_model is b.meta.service_model
    assert a.meta.region_name == "us-east-1" and b.meta.region_name == "eu-west-1"
    assert type(other.client("ec2", region_name="us-east-1")) is not type(a)  # other session, other hooks


def test_scan_clients_know_only_the_scans_operations(aws_env: None) -> None:
    """The shared loader cuts each scanned service's model to the operations the checks
    declare (and the scan's own STS/Organizations calls); other services stay whole."""
    from bot.checks.session import scan_operations

    operations = scan_operations()
    core = botocore.session.get_session()
    core.register_component("data_loader", shared_loader())
    session = boto3.Session(botocore_session=core, region_name="us-east-1")
    ec2 = session.client("ec2")
    assert set(ec2.meta.service_model.operation_names) == operations["ec2"]
    assert hasattr(ec2, "describe_security_groups") and not hasattr(ec2, "run_instances")
    assert ec2.can_paginate("describe_security_groups")
    assert {"GetCallerIdentity", "AssumeRole"} <= set(session.client("sts").meta.service_model.operation_names)
    assert "NoSuchEntityException" in dir(session.client("iam").exceptions)  # exception shapes are kept
    assert "CreateStream" in session.client("kinesis").meta.service_model.operation_names  # not scanned: whole


def test_a_pruned_model_keeps_every_shape_its_operations_reach() -> None:
    from botocore.loaders import create_loader

    from bot.checks.session import prune_service_model

    full = create_loader().load_service_model("ec2", "service-2")
    pruned = prune_service_model(full, frozenset({"DescribeInstances"}))
    assert list(pruned["operations"]) == ["DescribeInstances"] and pruned["metadata"] == full["metadata"]
    names = set(pruned["shapes"])
    for shape in pruned["shapes"].values():
        refs = [m["shape"] for m in shape.get("members", {}).values()]
        refs += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
        assert set(refs) <= names
        assert "documentation" not in shape
    assert "Reservation" in names and "RunInstancesRequest" not in names
    assert len(names) < len(full["shapes"]) / 10


def test_pruned_models_are_cached_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.checks.session import ScanModels

    monkeypatch.setenv("DEMARC_CACHE_DIR", str(tmp_path))
    loader = shared_loader()
    first = ScanModels(loader).get("kms", None)
    [stored] = tmp_path.glob("scanmodel-kms-*.pickle")
    monkeypatch.setattr(type(loader), "full_service_model", lambda *_: pytest.fail("parsed the full model again"))
    again = ScanModels(loader).get("kms", None)
    assert again == first and stored.is_file()
    assert ScanModels(loader).get("kinesis", None) is None  # not a scanned service


@mock_aws
def test_a_regions_clients_are_released_once_its_checks_are_done(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients are ~120 KB each: an account holds only the regions in progress, never all 17."""
    released: list[tuple[str, int]] = []
    original = ClientFactory.release_region

    def spy(self: ClientFactory, region: str) -> int:
        count = original(self, region)
        released.append((region, count))
        assert not any(key[1] == region for key in self._clients)
        return count

    monkeypatch.setattr(ClientFactory, "release_region", spy)
    regions = ["us-east-1", "eu-west-1", "eu-west-2"]
    [report] = run_scan(["open-ports", "lambda-runtime", "iam-root-mfa"], regions, session_factory=Recorder())
    assert all(r.error is None for r in report.results)
    assert [region for region, _ in released] == ["eu-west-1", "eu-west-2"]  # the home region serves to the end
    assert all(count >= 2 for _, count in released)  # ec2 and lambda in each
