"""Fixtures for the account-check tests: a clean fake AWS environment, a session factory
that records every API call, and fault injection through botocore's event system."""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import moto_ext  # noqa: F401 - installs the SSM DescribeInstancePatchStates fake

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
    """A session factory whose sessions record every API call and can inject faults."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, str]] = []  # service, operation, region, params
        self._faults: list[Callable[..., Any]] = []
        self._lock = threading.Lock()

    def __call__(self) -> boto3.Session:
        session = boto3.Session(region_name="us-east-1")
        session.events.register("before-parameter-build", self._record)
        for fault in self._faults:
            session.events.register_first("before-send", fault)
        return session

    def _record(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        region = str(context.get("client_region", ""))
        entry = (model.service_model.service_name, model.name, region, json.dumps(params, sort_keys=True, default=str))
        with self._lock:
            self.calls.append(entry)

    def actions(self) -> set[str]:
        from bot.checks.policy import FREE_CALLS, action_for

        return {action_for(s, o) for s, o, _, _ in self.calls if (s, o) not in FREE_CALLS}

    def add_fault(self, fault: Callable[..., Any]) -> None:
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
    "sts": "AccessDenied",
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
    "sts": "Throttling",
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

    return hook


def throttle(service: str, operation: str) -> Callable[..., Any]:
    def hook(request: Any, event_name: str, **_: Any) -> Any:
        if event_name.endswith(f".{operation}") and _service_of(event_name) == service:
            return error_response(service, _THROTTLE_CODE[service], request.url)
        return None

    return hook


def region_down(region: str) -> Callable[..., Any]:
    """Every request to `region` fails to connect, as an unreachable endpoint does."""
    from botocore.exceptions import ConnectTimeoutError

    def hook(request: Any, **_: Any) -> Any:
        if f".{region}." in request.url:
            raise ConnectTimeoutError(endpoint_url=request.url)
        return None

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
}


def _service_of(event_name: str) -> str:
    # before-send.<service id, hyphenated>.<Operation>
    return _SERVICE_IDS.get(event_name.split(".")[1], event_name.split(".")[1])


def by_check(report: Any) -> dict[str, Any]:
    return {r.check: r for r in report.results}


def found(result: Any) -> set[tuple[str, str]]:
    return {(f.resource, f.region) for f in result.findings}
