"""Fixtures for the account-check tests: a clean fake AWS environment, a session factory
that records every API call, and fault injection through botocore's event system."""

from __future__ import annotations

import copy
import datetime as dt
import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import moto_ext  # noqa: F401 - installs the SSM DescribeInstancePatchStates fake

from bot.checks.session import shared_loader
from tests.conftest import use_fake_aws

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="session", autouse=True)
def fake_aws_env() -> Iterator[None]:
    """The shared fake-AWS environment for the whole session, with moto's AWS managed
    policies (the checks see `AdministratorAccess` attached, as on AWS)."""
    mp = pytest.MonkeyPatch()
    use_fake_aws(mp, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    yield
    mp.undo()


class Recorder:
    """A session factory whose sessions record every API call and can inject faults.

    `keep=True` also keeps every answer (the baseline scan). A recorder made with
    `replay=baseline` answers each call the baseline made from what moto said then, and sends
    only the faulted operations (and any call the baseline never made) to moto: a fault test
    still goes through botocore's real error handling for the calls it breaks, without
    re-running the whole of moto for the ones it does not.
    """

    def __init__(self, *, keep: bool = False, replay: Recorder | None = None) -> None:
        self.calls: list[tuple[str, str, str, str]] = []  # service, operation, region, params
        self._faults: list[Callable[..., Any]] = []
        self._lock = threading.Lock()
        self._keep = keep
        self._answers: dict[tuple[str, str, str, str], tuple[Any, Any]] = {}
        self._replay = replay
        self._faulted: set[tuple[str, str]] = set()

    def __call__(self) -> boto3.Session:
        # On the process's one botocore loader, as the engine's own sessions are: each
        # service model is read and parsed once per test process, not once per scan.
        core = botocore.session.get_session()
        core.register_component("data_loader", shared_loader())
        session = boto3.Session(botocore_session=core, region_name="us-east-1")
        session.events.register("before-parameter-build", self._record)
        if self._keep:
            # The answer as parsed, before botocore's after-call handlers reshape it (IAM policy
            # documents are decoded there, and would be decoded twice on replay); then its HTTP.
            session.events.register("response-received", self._keep_parsed)
            session.events.register("after-call", self._keep_answer)
        if self._replay is not None:
            session.events.register_first("before-call", self._replayed)
        for fault in self._faults:
            session.events.register_first("before-send", fault)
        return session

    def _record(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        region = str(context.get("client_region", ""))
        entry = (model.service_model.service_name, model.name, region, json.dumps(params, sort_keys=True, default=str))
        context["recorded_call"] = entry
        with self._lock:
            self.calls.append(entry)

    def _keep_parsed(self, parsed_response: Any, context: dict[str, Any], exception: Any, **_: Any) -> None:
        if exception is None and parsed_response is not None:
            context["parsed_as_received"] = copy.deepcopy(parsed_response)

    def _keep_answer(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        entry, parsed = context.get("recorded_call"), context.get("parsed_as_received")
        if entry is not None and parsed is not None:
            with self._lock:
                self._answers.setdefault(entry, (http_response, parsed))

    def _replayed(self, context: dict[str, Any], **_: Any) -> tuple[Any, Any] | None:
        entry = context.get("recorded_call")
        if entry is None or self._replay is None or entry[:2] in self._faulted:
            return None
        answer = self._replay._answers.get(entry)
        return None if answer is None else (answer[0], copy.deepcopy(answer[1]))

    def __getstate__(self) -> dict[str, Any]:
        """What a baseline shared between test processes needs: the calls and the answers."""
        return {"calls": self.calls, "answers": self._answers, "keep": self._keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(keep=state["keep"])  # type: ignore[misc]
        self.calls, self._answers = state["calls"], state["answers"]

    def actions(self) -> set[str]:
        from bot.checks.policy import FREE_CALLS, action_for

        return {action_for(s, o) for s, o, _, _ in self.calls if (s, o) not in FREE_CALLS}

    def add_fault(self, fault: Callable[..., Any]) -> None:
        """Inject `fault`; an operation it targets is never replayed (a fault without targets,
        such as a region that is down, turns replay off)."""
        targets = getattr(fault, "targets", None)
        if targets is None:
            self._replay = None
        else:
            self._faulted |= targets
        self._faults.append(fault)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


_ERROR_BODIES = {
    # protocol family -> (status, headers, body) for an error code
    "query": lambda code: (
        403 if "Denied" in code or "Unauthorized" in code else 400,
        {},
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected</Message>"
        "</Error><RequestId>r</RequestId></ErrorResponse>",
    ),
    "ec2": lambda code: (
        403 if "Unauthorized" in code else 503,
        {},
        f"<Response><Errors><Error><Code>{code}</Code><Message>injected</Message></Error></Errors>"
        "<RequestID>r</RequestID></Response>",
    ),
    "rest-xml": lambda code: (
        403 if "Denied" in code else 503,
        {},
        f"<Error><Code>{code}</Code><Message>injected</Message><RequestId>r</RequestId></Error>",
    ),
    "json": lambda code: (
        400 if "Throttl" in code else 403,
        {"x-amzn-ErrorType": code},
        json.dumps({"__type": code, "message": "injected"}),
    ),
}
_PROTOCOL = {
    "iam": "query",
    "rds": "query",
    "sts": "query",
    "ec2": "ec2",
    "s3": "rest-xml",
    "s3control": "rest-xml",
    "ssm": "json",
    "cloudtrail": "json",
    "lambda": "json",
    "kms": "json",
    "resourcegroupstaggingapi": "json",
    "config": "json",
    "guardduty": "json",
    "securityhub": "json",
    "logs": "json",
    "cloudwatch": "json",  # moto answers CloudWatch in JSON
    "sns": "query",
    "accessanalyzer": "json",
    "eks": "json",
    "ecs": "json",
    "sqs": "json",
    "dynamodb": "json",
    "elasticache": "query",
    "elbv2": "query",
    "cloudfront": "rest-xml",
    "apigateway": "json",
}
_DENIED_CODE = {
    "ec2": "UnauthorizedOperation",
    "iam": "AccessDenied",
    "rds": "AccessDenied",
    "s3": "AccessDenied",
    "s3control": "AccessDenied",
    "ssm": "AccessDeniedException",
    "cloudtrail": "AccessDeniedException",
    "lambda": "AccessDeniedException",
    "kms": "AccessDeniedException",
    "config": "AccessDeniedException",
    "guardduty": "AccessDeniedException",
    "securityhub": "AccessDeniedException",
    "logs": "AccessDeniedException",
    "cloudwatch": "AccessDenied",
    "sns": "AuthorizationError",
    "accessanalyzer": "AccessDeniedException",
    "eks": "AccessDeniedException",
    "ecs": "AccessDeniedException",
    "sqs": "AccessDenied",
    "dynamodb": "AccessDeniedException",
    "elasticache": "AccessDenied",
    "elbv2": "AccessDenied",
    "cloudfront": "AccessDenied",
    "apigateway": "AccessDeniedException",
    "sts": "AccessDenied",
    "resourcegroupstaggingapi": "AccessDeniedException",
}
_THROTTLE_CODE = {
    "ec2": "RequestLimitExceeded",
    "iam": "Throttling",
    "rds": "Throttling",
    "s3": "SlowDown",
    "s3control": "SlowDown",
    "ssm": "ThrottlingException",
    "cloudtrail": "ThrottlingException",
    "lambda": "TooManyRequestsException",
    "kms": "ThrottlingException",
    "config": "ThrottlingException",
    "guardduty": "TooManyRequestsException",
    "securityhub": "TooManyRequestsException",
    "logs": "ThrottlingException",
    "cloudwatch": "Throttling",
    "sns": "Throttling",
    "accessanalyzer": "ThrottlingException",
    "eks": "ThrottlingException",
    "ecs": "ThrottlingException",
    "sqs": "RequestThrottled",
    "dynamodb": "ThrottlingException",
    "elasticache": "Throttling",
    "elbv2": "Throttling",
    "cloudfront": "Throttling",
    "apigateway": "TooManyRequestsException",
    "sts": "Throttling",
    "resourcegroupstaggingapi": "ThrottledException",
}


def error_response(service: str, code: str, url: str) -> Any:
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse

    status, headers, body = _ERROR_BODIES[_PROTOCOL[service]](code)
    return AWSResponse(url, status, headers, MockRawResponse(body))


def deny(service: str, operation: str) -> Callable[..., Any]:
    """A before-send hook answering `operation` with the service's access-denied error."""

    def hook(request: Any, event_name: str, **_: Any) -> Any:
        if event_name.endswith(f".{operation}") and _service_of(event_name) == service:
            return error_response(service, _DENIED_CODE[service], request.url)
        return None

    hook.targets = {(service, operation)}  # type: ignore[attr-defined]
    return hook


def throttle(service: str, operation: str) -> Callable[..., Any]:
    def hook(request: Any, event_name: str, **_: Any) -> Any:
        if event_name.endswith(f".{operation}") and _service_of(event_name) == service:
            return error_response(service, _THROTTLE_CODE[service], request.url)
        return None

    hook.targets = {(service, operation)}  # type: ignore[attr-defined]
    return hook


def region_down(region: str) -> Callable[..., Any]:
    """Every request to `region` fails to connect, as an unreachable endpoint does."""
    from botocore.exceptions import ConnectTimeoutError

    def hook(request: Any, **_: Any) -> Any:
        if f".{region}." in request.url:
            raise ConnectTimeoutError(endpoint_url=request.url)
        return None

    # No operation is excluded from replay: a baseline never recorded a call to this region,
    # so none of its calls is replayed, and every one of them reaches the hook.
    hook.targets = frozenset()  # type: ignore[attr-defined]
    return hook


_SERVICE_IDS = {
    "ec2": "ec2",
    "iam": "iam",
    "rds": "rds",
    "sts": "sts",
    "s3": "s3",
    "s3-control": "s3control",
    "ssm": "ssm",
    "cloudtrail": "cloudtrail",
    "lambda": "lambda",
    "kms": "kms",
    "resource-groups-tagging-api": "resourcegroupstaggingapi",
    "config-service": "config",
    "guardduty": "guardduty",
    "securityhub": "securityhub",
    "cloudwatch-logs": "logs",
    "cloudwatch": "cloudwatch",
    "sns": "sns",
    "accessanalyzer": "accessanalyzer",
    "eks": "eks",
    "ecs": "ecs",
    "sqs": "sqs",
    "dynamodb": "dynamodb",
    "elasticache": "elasticache",
    "elastic-load-balancing-v2": "elbv2",
    "cloudfront": "cloudfront",
    "api-gateway": "apigateway",
}


def _service_of(event_name: str) -> str:
    # before-send.<service id, hyphenated>.<Operation>
    return _SERVICE_IDS.get(event_name.split(".")[1], event_name.split(".")[1])


def by_check(report: Any) -> dict[str, Any]:
    return {r.check: r for r in report.results}


def found(result: Any) -> set[tuple[str, str]]:
    return {(f.resource, f.region) for f in result.findings}


class SeededBaseline:
    """The seeded account's truth (`expected`), its full scan (`report`) and every call and
    answer of that scan (`recorder`): what the tests of one run share instead of seeding and
    scanning moto again in each module and xdist worker (about ten seconds of CPU each time)."""

    def __init__(self, expected: dict[str, Any], report: Any, recorder: Recorder) -> None:
        self.expected, self.report, self.recorder = expected, report, recorder

    def replaying(self) -> Recorder:
        """A recorder that answers from this scan: a rescan needs no seeded moto behind it."""
        return Recorder(replay=self.recorder)


@pytest.fixture(scope="session")
def seeded_baseline(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> SeededBaseline:
    """Seeded and scanned once per run: the first worker to ask builds it under a lock and
    pickles it beside the run's temporary directories; the others read it."""
    import fcntl
    import pickle

    from moto import mock_aws
    from seed import REGION_A, REGION_B, seed

    from bot.checks import run_scan
    from bot.clock import FixedClock

    root = tmp_path_factory.getbasetemp()
    shared = root.parent if worker_id != "master" else root
    path = shared / "seeded-baseline.pickle"
    with (shared / "seeded-baseline.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            loaded: SeededBaseline = pickle.loads(path.read_bytes())
            return loaded
        with mock_aws():
            expected = seed(lambda service, region: boto3.client(service, region_name=region))
            recorder = Recorder(keep=True)
            # with a tag key to route by, as DEMARC_OWNERS `tags:` asks: its read is in the policy too
            [report] = run_scan(
                None, [REGION_A, REGION_B], session_factory=recorder, clock=FixedClock.on(TODAY), tag_keys=["team"]
            )
        baseline = SeededBaseline(expected, report, recorder)
        path.write_bytes(pickle.dumps(baseline))
        return baseline
