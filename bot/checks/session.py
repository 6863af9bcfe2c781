"""Sessions and clients: the standard credential chain, adaptive retries, role assumption.

Nothing here is created at import time. A scan gets a `ClientFactory` built from an
injected session (or `default_session()`), so tests, benchmarks and multi-account scans
hand in their own sessions instead of patching module globals.

One session per scan, one botocore loader per process. Parsing botocore's service
models is most of a client's cost (EC2's model alone is megabytes of JSON), and a new
session per account re-parsed them for every account. So every account of a scan builds
its clients from the scan's one session, with that account's credentials passed in
explicitly (`ClientFactory.for_credentials`); `default_session()` also shares one loader
(and so its parsed models) across scans in the same process: the Slack app, a warm Lambda.

Assumed-role credentials are `RefreshableCredentials` read through the injected clock:
botocore assumes the role again before they expire (15 minutes ahead), so an account
scan that outlasts its hour does not fail half way.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.checks.ratelimit import RateLimiter, limiter_for
from bot.clock import SYSTEM_CLOCK, Clock
from bot.errors import ConfigError

if TYPE_CHECKING:
    import boto3
    from botocore.credentials import Credentials

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


#: Lifetime asked for assumed-role credentials (refreshed before they run out).
ROLE_SESSION_SECONDS = 3600

_loader_lock = threading.Lock()


_share_lock = threading.Lock()
_shared: dict[str, Any] = {}


def share_parsed_models() -> None:
    """Make botocore build each service's client class and `ServiceModel` once.

    botocore builds both anew for every client: for EC2, a class of ~750 methods and a
    model whose shapes are resolved again per client, about 1.4 MB a client. A scan of
    many accounts x 17 regions makes hundreds of clients of the same few services, so
    both are cached: the model per (loader, service, API version), the class per (event
    emitter, model). Keyed weakly on the loader and on the emitter (the session's event
    hooks, which may customise the class), so another session never gets a class built
    for different hooks. Installed once per process; idempotent.
    """
    import weakref

    import botocore.client

    creator: Any = botocore.client.ClientCreator  # private methods, not in the stubs
    with _share_lock:
        if _shared:
            return
        models: weakref.WeakKeyDictionary[Any, dict[tuple[str, str | None], Any]] = weakref.WeakKeyDictionary()
        classes: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], Any]] = weakref.WeakKeyDictionary()
        load_model = creator._load_service_model
        create_class = creator._create_client_class

        def _load_service_model(self: Any, service_name: str, api_version: str | None = None) -> Any:
            with _share_lock:
                cached = models.setdefault(self._loader, {}).get((service_name, api_version))
            if cached is None:
                cached = load_model(self, service_name, api_version)
                with _share_lock:
                    cached = models[self._loader].setdefault((service_name, api_version), cached)
            return cached

        def _create_client_class(self: Any, service_name: str, service_model: Any) -> Any:
            key = (service_name, id(service_model))
            with _share_lock:
                cached = classes.setdefault(self._event_emitter, {}).get(key)
            if cached is None:
                cached = create_class(self, service_name, service_model)
                with _share_lock:
                    cached = classes[self._event_emitter].setdefault(key, cached)
            return cached

        creator._load_service_model = _load_service_model
        creator._create_client_class = _create_client_class
        _shared["installed"] = True


@lru_cache(maxsize=1)
def shared_loader() -> Any:
    """The process's one botocore data loader: each service model is parsed once, and only
    the operations a scan makes are kept (`ScanModels`)."""
    from botocore.loaders import Loader

    class ScanLoader(Loader):
        """botocore's loader, with each scanned service's model cut to the scan's operations."""

        def __init__(self) -> None:
            super().__init__()
            self._scan_models = ScanModels(self)

        def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
            if type_name == "service-2":
                pruned = self._scan_models.get(service_name, api_version)
                if pruned is not None:
                    return pruned
            return super().load_service_model(service_name, type_name, api_version)

        def full_service_model(self, service_name: str, api_version: str) -> Any:
            """The whole model, parsed and not kept: botocore's instance cache would hold it."""
            cache: dict[Any, Any] = self.__dict__["_cache"]  # botocore's @instance_cache store
            before = set(cache)
            model = super().load_service_model(service_name, "service-2", api_version)
            for key in set(cache) - before:
                cache.pop(key, None)
            return model

    return ScanLoader()


#: Calls a scan makes besides the checks' own: the account id, roles, the Organization, and
#: what the owners overlay reads (bot/checks/ownership.py: resource tags, an account's OUs).
SESSION_CALLS: dict[str, frozenset[str]] = {
    "sts": frozenset({"GetCallerIdentity", "AssumeRole"}),
    "organizations": frozenset({"ListAccounts", "ListParents"}),
    "resourcegroupstaggingapi": frozenset({"GetResources"}),
}


def scan_operations() -> dict[str, frozenset[str]]:
    """Every operation any check or the scan itself may call, by botocore service name."""
    from bot.checks.registry import all_checks

    out: dict[str, set[str]] = {service: set(ops) for service, ops in SESSION_CALLS.items()}
    for check in all_checks():
        for call in check.api_calls:
            out.setdefault(call.service, set()).add(call.operation)
    return {service: frozenset(ops) for service, ops in out.items()}


class ScanModels:
    """Service models cut to the operations a scan calls, and cached on disk.

    botocore parses a service's whole model for its first client: EC2's is ~830 operations
    and ~4,400 shapes, about 14 MB of Python objects (22 MB at its peak while parsing), of
    which a scan uses ten operations. The scanned services' models came to ~33 MB of a
    scan's memory. Here each is cut to the operations `scan_operations()` names, the shapes
    they reach and the service's exception shapes, without documentation; the result is
    cached (`bot.cache`, keyed by botocore's version, the model's API version, the loader's
    search paths and the operations), so a later scan never parses the full model at all.
    A client of such a model has only those operations: a call outside them is an
    AttributeError, as a call outside the declared IAM actions would be AccessDenied.
    """

    def __init__(self, loader: Any) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._models: dict[tuple[str, str], Any] = {}
        self._operations: dict[str, frozenset[str]] | None = None

    def get(self, service: str, api_version: str | None) -> Any:
        with self._lock:
            if self._operations is None:
                self._operations = scan_operations()
            wanted = self._operations.get(service)
            if not wanted:
                return None
            version = api_version or self._loader.determine_latest_version(service, "service-2")
            model = self._models.get((service, version))
            if model is None:
                model = self._models[(service, version)] = self._cached(service, version, wanted)
            return model

    def _cached(self, service: str, version: str, wanted: frozenset[str]) -> Any:
        import hashlib

        import botocore

        from bot.cache import cached_as

        digest = hashlib.sha256(f"1:{botocore.__version__}:{service}:{version}".encode())
        digest.update(repr((sorted(wanted), list(self._loader.search_paths))).encode())
        return cached_as(
            "scanmodel",
            f"{service}-{digest.hexdigest()[:24]}",
            lambda: prune_service_model(self._loader.full_service_model(service, version), wanted),
            dict,
        )


def prune_service_model(model: dict[str, Any], operations: frozenset[str]) -> dict[str, Any]:
    """`model` with only `operations`, the shapes they reach and the exception shapes; no docs."""
    shapes: dict[str, Any] = model["shapes"]
    kept_ops = {name: op for name, op in model["operations"].items() if name in operations}
    todo = [name for name, shape in shapes.items() if shape.get("exception")]
    for op in kept_ops.values():
        todo += [op[key]["shape"] for key in ("input", "output") if key in op]
        todo += [error["shape"] for error in op.get("errors", [])]
    kept: set[str] = set()
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        kept.add(name)
        shape = shapes[name]
        todo += [member["shape"] for member in shape.get("members", {}).values()]
        todo += [shape[key]["shape"] for key in ("member", "key", "value") if key in shape]

    def undocumented(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: undocumented(v) for k, v in node.items() if k not in ("documentation", "documentationUrl")}
        if isinstance(node, list):
            return [undocumented(v) for v in node]
        return node

    out = {k: v for k, v in model.items() if k not in ("operations", "shapes", "documentation")}
    out["operations"] = undocumented(kept_ops)
    out["shapes"] = {name: undocumented(shapes[name]) for name in sorted(kept)}
    return out


def default_session() -> boto3.Session:
    """The standard credential chain, on the process's shared loader."""
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    loader = shared_loader()
    core.register_component("data_loader", loader)
    with _loader_lock:
        session = boto3.Session(botocore_session=core)
        # boto3 appends its own data directory to the loader on every Session: keep one.
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return session


def resolve_regions(requested: list[str] | tuple[str, ...] | None, session: boto3.Session) -> list[str]:
    """The regions asked for (`--region`, else `Settings.regions` from DEMARC_REGIONS, which
    callers pass in), else the session's region, else us-east-1."""
    if requested:
        return list(dict.fromkeys(requested))
    return [session.region_name or DEFAULT_REGION]


class ClientFactory:
    """Thread-safe, cached boto3 clients for one account's credentials.

    boto3 sessions are not thread-safe but clients are, so clients are created once per
    (service, region) under a lock (one lock per session, shared by every account's
    factory) and then shared by that account's worker threads. Each client carries the
    account's rate cap for its service and region (`bot.checks.ratelimit`). The accounts
    derived from one base (`for_credentials`) share one pool of clients besides, used by
    the threads bound to an account (`bind`, `bound`; `SharedClients`).
    """

    def __init__(
        self,
        session: boto3.Session,
        *,
        pool_size: int = 32,
        credentials: Credentials | None = None,
        rate_caps: bool = True,
        _lock: threading.Lock | None = None,
        _shared_clients: SharedClients | None = None,
    ) -> None:
        from botocore.config import Config

        share_parsed_models()
        self.session = session
        self.credentials = credentials  # None: the session's own credential chain
        self.rate_caps = rate_caps
        self.pool_size = pool_size
        self._session_lock = _lock or threading.Lock()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self.limiters: dict[tuple[str, str], RateLimiter] = {}
        self._config = Config(
            retries={"mode": "adaptive", "total_max_attempts": max_attempts()},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            max_pool_connections=pool_size,
        )
        self._local_endpoint = bool(os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3_CONTROL"))
        #: Clients shared by every account derived from this factory (`for_credentials`).
        self._shared: SharedClients | None = _shared_clients
        self._adaptive: dict[tuple[str, str], Any] = {}

    def for_credentials(self, credentials: Credentials, *, pool_size: int | None = None) -> ClientFactory:
        """A factory for another account: the same session (models, hooks), other credentials.

        Every factory derived from one base also shares one pool of clients (`SharedClients`),
        used by the threads bound to an account (`bound`)."""
        if self._shared is None:
            # every account in flight (at most this base's pool size) sends at its own pool size
            self._shared = SharedClients(self, pool_size=self.pool_size * (pool_size or self.pool_size))
        return ClientFactory(
            self.session,
            pool_size=pool_size or self.pool_size,
            credentials=credentials,
            rate_caps=self.rate_caps,
            _lock=self._session_lock,
            _shared_clients=self._shared,
        )

    @contextmanager
    def bound(self) -> Iterator[None]:
        """Bind the calling thread to this factory's account for the block (see `bind`)."""
        token = _BOUND.set(self)
        try:
            yield
        finally:
            _BOUND.reset(token)

    def bind(self) -> None:
        """Bind the calling thread to this factory's account (a pool's `initializer`): its
        `client()` calls then return the scan's shared clients, which sign each request with
        the credentials of the account the sending thread is bound to."""
        _BOUND.set(self)

    def release_region(self, region: str) -> int:
        """Forget this factory's clients in `region` (a scan is done with it); returns how many.

        A botocore client costs ~120 KB (mostly its own copy of the session's event hooks), so
        an account scanned over 17 regions with two dozen services holds ~50 MB of clients
        until it finishes; released region by region, only the regions in progress do. A
        later call in that region simply builds its client again."""
        with self._lock:
            keys = [key for key in self._clients if key[1] == region]
            for key in keys:
                del self._clients[key]
        return len(keys)

    def client(self, service: str, region: str) -> Any:
        """The shared client for `service` in `region` (typed Any: responses are dicts)."""
        key = (service, region)
        if self._shared is not None and self.credentials is not None and _BOUND.get(None) is self:
            return self._shared.client(self, service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._create(service, region)
                self._clients[key] = client
            return client

    def _create(self, service: str, region: str) -> Any:
        keys: dict[str, Any] = {}
        if self.credentials is not None:
            frozen = self.credentials.get_frozen_credentials()
            keys = {
                "aws_access_key_id": frozen.access_key,
                "aws_secret_access_key": frozen.secret_key,
                "aws_session_token": frozen.token,
            }
        with self._session_lock:
            client = self.session.client(service, region_name=region, config=self._config, **keys)  # type: ignore[call-overload]
        if self.credentials is not None:
            # Sign with the refreshable credentials themselves, not the snapshot passed in:
            # botocore's signer reads `get_frozen_credentials()` per request, which assumes
            # the role again shortly before expiry.
            client._request_signer._credentials = self.credentials
        if service == "s3control" and self._local_endpoint:
            client.meta.events.register("before-sign.s3-control", _drop_account_host_prefix)
        if self.rate_caps:
            limiter = limiter_for(service)
            if limiter is not None:
                self.limiters[(service, region)] = limiter
                service_id = client.meta.service_model.service_id.hyphenize()
                client.meta.events.register(f"before-send.{service_id}", limiter.before_send)
        return client


_ACCOUNT_PREFIX = re.compile(r"^(https?://)\d{12}\.((?:\d{1,3}\.){3}\d{1,3}|localhost)([:/])")


#: The account factory the current thread works for (set by `ClientFactory.bind`/`bound`).
_BOUND: ContextVar[ClientFactory | None] = ContextVar("demarc_bound_factory", default=None)


def _bound_factory() -> ClientFactory:
    factory = _BOUND.get(None)
    if factory is None or factory.credentials is None:
        raise RuntimeError("a shared scan client was used outside an account's bound threads")
    return factory


class _BoundCredentials:
    """Credentials-like: the bound account's own (refreshable) credentials, per request.

    botocore's signer calls `get_frozen_credentials()` for every request it signs, so one
    client serves every account: each request is signed as the account its thread is bound
    to, and an account's credentials refresh before expiry exactly as on a client of its own."""

    method = "demarc-bound-account"

    def get_frozen_credentials(self) -> Any:
        credentials = _bound_factory().credentials
        assert credentials is not None  # checked by _bound_factory
        return credentials.get_frozen_credentials()


class SharedClients:
    """One client per (service, region) for every account of a scan.

    Creating a botocore client costs ~4 ms of CPU (mostly copying the session's event hooks),
    and a scan of 24 services x 17 regions made ~300 clients per account: 1.2-1.6 s of CPU per
    account (benchmarks/README.md, issue 18). Clients are thread-safe, so one client per
    (service, region) serves every account whose threads are bound to it: credentials come
    from the bound account per request (`_BoundCredentials`), and what was per client stays
    per account: the rate caps (`bot.checks.ratelimit`) and botocore's adaptive retry rate
    (a throttled account slows only its own requests), both looked up by the bound account
    at each send. A shared client is created with botocore's standard retries; the adaptive
    part is registered here per account, as botocore's adaptive mode does per client."""

    def __init__(self, base: ClientFactory, *, pool_size: int) -> None:
        from botocore.config import Config

        self._base = base
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._config = base._config.merge(
            Config(
                retries={"mode": "standard", "total_max_attempts": max_attempts()},
                max_pool_connections=pool_size,
            )
        )
        self._credentials = _BoundCredentials()

    def client(self, factory: ClientFactory, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = self._create(service, region)
        with factory._lock:
            if key not in factory.limiters and factory.rate_caps:
                limiter = limiter_for(service)
                if limiter is not None:
                    factory.limiters[key] = limiter
        return client

    def _create(self, service: str, region: str) -> Any:
        base = self._base
        with base._session_lock:
            client = base.session.client(  # type: ignore[call-overload]
                service, region_name=region, config=self._config,
                aws_access_key_id="bound", aws_secret_access_key="bound",
            )  # fmt: skip
        client._request_signer._credentials = self._credentials
        events = client.meta.events
        if service == "s3control" and base._local_endpoint:
            events.register("before-sign.s3-control", _drop_account_host_prefix)
        service_id = client.meta.service_model.service_id.hyphenize()
        key = (service, region)
        if base.rate_caps and limiter_for(service) is not None:

            def capped(**kwargs: Any) -> None:
                limiter = _bound_factory().limiters.get(key)
                if limiter is not None:
                    limiter.before_send(**kwargs)

            events.register(f"before-send.{service_id}", capped)

        def adaptive() -> Any:
            factory = _bound_factory()
            with factory._lock:
                limiter = factory._adaptive.get(key)
                if limiter is None:
                    limiter = factory._adaptive[key] = _adaptive_limiter()
            return limiter

        events.register("before-send", lambda **kw: adaptive().on_sending_request(**kw))
        events.register("needs-retry", lambda **kw: adaptive().on_receiving_response(**kw))
        return client


def _adaptive_limiter() -> Any:
    """botocore's adaptive-retry rate limiter (what `retries={"mode": "adaptive"}` gives each
    client), built without registering it on a client."""
    from types import SimpleNamespace

    from botocore.retries import adaptive

    stub: Any = SimpleNamespace(meta=SimpleNamespace(events=SimpleNamespace(register=lambda *_, **__: None)))
    return adaptive.register_retry_handler(stub)


def _drop_account_host_prefix(request: Any, **_: Any) -> None:
    """s3control sends to `<account id>.<endpoint host>`; a local emulator at an IP
    address or `localhost` (AWS_ENDPOINT_URL) has no such host name, so the account id
    prefix is dropped before signing. Real AWS endpoints are never touched."""
    request.url = _ACCOUNT_PREFIX.sub(r"\1\2\3", request.url, count=1)


def assume_role(
    base: ClientFactory, role_arn: str, region: str, *, clock: Clock = SYSTEM_CLOCK, pool_size: int | None = None
) -> ClientFactory:
    """A factory for `role_arn`'s temporary credentials, refreshed before they expire
    (raises botocore errors when the first AssumeRole fails)."""
    from botocore.credentials import RefreshableCredentials

    sts = base.client("sts", region)

    def fetch() -> dict[str, str]:
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="demarc-scan", DurationSeconds=ROLE_SESSION_SECONDS)[
            "Credentials"
        ]
        expiry = creds["Expiration"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": expiry.isoformat() if hasattr(expiry, "isoformat") else str(expiry),
        }

    from botocore.utils import parse_timestamp

    first = fetch()
    credentials = RefreshableCredentials(
        access_key=first["access_key"],
        secret_key=first["secret_key"],
        token=first["token"],
        expiry_time=parse_timestamp(first["expiry_time"]),
        refresh_using=fetch,
        method="sts-assume-role",
        time_fetcher=clock.now,  # "now" is the injected clock's, as everywhere
    )
    return base.for_credentials(credentials, pool_size=pool_size)


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
