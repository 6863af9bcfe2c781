"""Turning AWS and network failures into one sentence a user can act on.

A loader never lets a botocore exception escape: it becomes a `LoadError` whose message
names the IAM action to grant, the region that did not answer, or the AWS error code.
"""

from __future__ import annotations

from typing import Any

from bot.checks.policy import action_for

ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnauthorizedAccess",
        "AllAccessDisabled",
    }
)
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
    }
)
# What AWS answers when the region is not enabled for the account (opt-in regions).
REGION_DISABLED = frozenset({"OptInRequired", "AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId"})


class LoadError(Exception):
    """Resources could not be loaded; the message is what the check's `error` says."""


def describe_fault(exc: BaseException, *, service: str, operation: str, region: str, regional: bool = True) -> str:
    """One line saying why `service:operation` in `region` failed, naming what to fix."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    action = action_for(service, operation)
    if isinstance(exc, ClientError):
        response: dict[str, Any] = dict(exc.response)
        error = response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = str(error.get("Message", "")).strip()
        retries = int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0))
        if code in ACCESS_DENIED:
            return f"access denied: needs {action}"
        if code in THROTTLED:
            return f"throttled by AWS after {retries} {'retry' if retries == 1 else 'retries'} ({action})"
        if code in REGION_DISABLED and regional:
            return f"region {region} is not enabled for this account ({code} on {action})"
        detail = f": {message}" if message else ""
        return f"unexpected AWS error {code} on {action} in {region}{detail}"
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError):
        return f"region {region} did not answer ({action}: {exc})"
    return f"unexpected error on {action} in {region}: {type(exc).__name__}: {exc}"
