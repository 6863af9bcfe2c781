"""Sessions and clients: the standard credential chain, adaptive retries, role assumption.

Nothing here is created at import time. A scan gets a `ClientFactory` built from an
injected session (or `boto3.Session()`), so tests, benchmarks and multi-account scans
hand in their own sessions instead of patching module globals.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.errors import ConfigError

if TYPE_CHECKING:
    import boto3

SessionFactory = Callable[[], "boto3.Session"]

DEFAULT_REGION = "us-east-1"
#: Attempts per call (first try included) before throttling becomes the check's error.
DEFAULT_MAX_ATTEMPTS = 8
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30


def max_attempts() -> int:
    """`DEMARC_AWS_MAX_ATTEMPTS`, else a default generous enough for large accounts."""
    raw = os.environ.get("DEMARC_AWS_MAX_ATTEMPTS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_ATTEMPTS


def default_session() -> boto3.Session:
    import boto3

    return boto3.Session()


def resolve_regions(requested: list[str] | tuple[str, ...] | None, session: boto3.Session) -> list[str]:
    """The regions asked for (`--region`, else `Settings.regions` from DEMARC_REGIONS, which
    callers pass in), else the session's region, else us-east-1."""
    if requested:
        return list(dict.fromkeys(requested))
    return [session.region_name or DEFAULT_REGION]


class ClientFactory:
    """Thread-safe, cached boto3 clients for one set of credentials.

    boto3 sessions are not thread-safe but clients are, so clients are created once per
    (service, region) under a lock and then shared by every worker thread.
    """

    def __init__(self, session: boto3.Session, *, pool_size: int = 32) -> None:
        from botocore.config import Config

        self.session = session
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._config = Config(
            retries={"mode": "adaptive", "total_max_attempts": max_attempts()},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            max_pool_connections=pool_size,
        )
        self._local_endpoint = bool(os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3_CONTROL"))

    def client(self, service: str, region: str) -> Any:
        """The shared client for `service` in `region` (typed Any: responses are dicts)."""
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(service, region_name=region, config=self._config)  # type: ignore[call-overload]
                if service == "s3control" and self._local_endpoint:
                    client.meta.events.register("before-sign.s3-control", _drop_account_host_prefix)
                self._clients[key] = client
            return client


_ACCOUNT_PREFIX = re.compile(r"^(https?://)\d{12}\.((?:\d{1,3}\.){3}\d{1,3}|localhost)([:/])")


def _drop_account_host_prefix(request: Any, **_: Any) -> None:
    """s3control sends to `<account id>.<endpoint host>`; a local emulator at an IP
    address or `localhost` (AWS_ENDPOINT_URL) has no such host name, so the account id
    prefix is dropped before signing. Real AWS endpoints are never touched."""
    request.url = _ACCOUNT_PREFIX.sub(r"\1\2\3", request.url, count=1)


def assume_role(base: ClientFactory, role_arn: str, region: str, session_factory: SessionFactory) -> ClientFactory:
    """A factory for `role_arn`'s temporary credentials (raises botocore errors)."""
    sts = base.client("sts", region)
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="demarc-scan", DurationSeconds=3600)["Credentials"]
    session = session_factory()
    # Same session object (and so the same event hooks) with the role's credentials.
    session._session.set_credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    return ClientFactory(session)


def organization_role_arns(base: ClientFactory, role_name: str, region: str) -> tuple[list[str], str]:
    """Role ARNs named `role_name` in every active account of the Organization.

    Returns the ARNs and the caller's account id (scanned with the caller's own
    credentials rather than through a role it may not have).
    """
    caller = base.client("sts", region).get_caller_identity()
    own_account = str(caller["Account"])
    partition = str(caller["Arn"]).split(":")[1]
    org = base.client("organizations", region)
    arns: list[str] = []
    for page in org.get_paginator("list_accounts").paginate():
        for account in page.get("Accounts", []):
            if account.get("Status", "ACTIVE") != "ACTIVE" or account["Id"] == own_account:
                continue
            arns.append(f"arn:{partition}:iam::{account['Id']}:role/{role_name}")
    return arns, own_account


def credential_problem(exc: BaseException) -> ConfigError | None:
    """A one-line ConfigError when `exc` means demarc has no usable credentials."""
    from botocore.exceptions import (
        ClientError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
        SSOError,
        TokenRetrievalError,
    )

    if isinstance(exc, NoCredentialsError):
        return ConfigError(
            "no AWS credentials found: configure a profile (AWS_PROFILE), SSO (`aws sso login`), "
            "environment variables or an instance/task role"
        )
    if isinstance(exc, SSOError | TokenRetrievalError):
        return ConfigError(f"AWS SSO session is missing or expired: run `aws sso login` ({exc})")
    if isinstance(exc, PartialCredentialsError | ProfileNotFound | NoRegionError):
        return ConfigError(f"AWS configuration problem: {exc}")
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in {
            "ExpiredToken",
            "ExpiredTokenException",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "UnrecognizedClientException",
            "RequestExpired",
        }:
            return ConfigError(f"AWS rejected the credentials ({code}): refresh them and try again")
    return None
