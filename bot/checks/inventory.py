"""Resources loaded once per account, service and region, and shared by every check.

A `Resource` is a named loader that declares the API calls it makes. The `Inventory` of
one account memoises each (resource, region) behind a future: the first check that asks
loads it, concurrent askers wait for that one load, later askers get the stored value.
So an API call is made once per scan however many checks read its answer, and an error
is stored too, so every check that needed the data reports the same cause.

Loaders never swallow an exception: a botocore failure becomes a `LoadError` that names
the IAM action or the region, and the checks that needed the data report it as `error`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.checks.faults import LoadError, describe_fault
from bot.checks.model import GLOBAL_REGION
from bot.checks.policy import action_for
from bot.checks.session import ClientFactory
from bot.clock import SYSTEM_CLOCK, Clock

T = TypeVar("T")
U = TypeVar("U")
R = TypeVar("R")


@dataclass(frozen=True)
class ApiCall:
    """One AWS operation, as botocore names it."""

    service: str
    operation: str

    @property
    def action(self) -> str:
        return action_for(self.service, self.operation)


@dataclass(frozen=True, eq=False)
class Resource(Generic[T]):
    """A loader of one kind of data, per region (`regional`) or once per account."""

    name: str
    regional: bool
    calls: tuple[ApiCall, ...]
    load: Callable[[Inventory, str], T]
    needs: tuple[Resource[Any], ...] = ()
    #: Calls made only in some cases (a fallback); in the IAM policy, not in every scan.
    occasional: tuple[ApiCall, ...] = ()

    def all_calls(self) -> frozenset[ApiCall]:
        """The calls this resource may make, including those of the resources it builds on."""
        out = set(self.calls) | set(self.occasional)
        for dep in self.needs:
            out |= dep.all_calls()
        return frozenset(out)

    def occasional_calls(self) -> frozenset[ApiCall]:
        """The calls made only in some cases, here and in the resources it builds on."""
        out = set(self.occasional)
        for dep in self.needs:
            out |= dep.occasional_calls()
        return frozenset(out)


class ResourceGone(LoadError):
    """The resource disappeared between listing it and reading it; the check skips it."""


class Inventory:
    """The loaded resources of one account; safe to share between worker threads."""

    def __init__(
        self,
        clients: ClientFactory,
        *,
        account_id: str,
        home_region: str,
        io_pool: Executor,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.clients = clients
        self.clock = clock  # "now" for loaders (e.g. the age of IAM's credential report)
        self.account_id = account_id
        self.home_region = home_region
        self._io_pool = io_pool
        self._lock = threading.Lock()
        self._memo: dict[tuple[str, str], Future[Any]] = {}

    def get(self, resource: Resource[T], region: str) -> T:
        """The loaded resource (raises the stored LoadError when loading failed)."""
        key = (resource.name, region if resource.regional else GLOBAL_REGION)
        with self._lock:
            future = self._memo.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._memo[key] = future
        if owner:
            try:
                future.set_result(resource.load(self, key[1]))
            except LoadError as exc:
                future.set_exception(exc)
            except Exception as exc:  # reported as the check's error, not hidden
                future.set_exception(LoadError(f"could not load {resource.name}: {type(exc).__name__}: {exc}"))
        result: T = future.result()
        return result

    def preload(self, resource: Resource[T], region: str, value: T) -> None:
        """Store data the caller already holds (tests, or a cache from an earlier scan)."""
        future: Future[Any] = Future()
        future.set_result(value)
        with self._lock:
            self._memo[(resource.name, region if resource.regional else GLOBAL_REGION)] = future

    def region_for(self, region: str) -> str:
        """The region to send a call to: account-wide data is read from the home region."""
        return self.home_region if region == GLOBAL_REGION else region

    def call(
        self,
        service: str,
        region: str,
        operation: str,
        *,
        absent: Iterable[str] = (),
        gone: Iterable[str] = (),
        **params: Any,
    ) -> dict[str, Any] | None:
        """One API call; None when AWS answers with an `absent` error code (no such thing).

        A `gone` error code (the resource was deleted meanwhile) raises ResourceGone.
        """
        from botocore import xform_name
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.clients.client(service, self.region_for(region))
        try:
            response: dict[str, Any] = getattr(client, xform_name(operation))(**params)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in set(absent):
                return None
            if code in set(gone):
                raise ResourceGone(code) from exc
            raise self._fault(exc, service, operation, region) from exc
        except BotoCoreError as exc:
            raise self._fault(exc, service, operation, region) from exc
        return response

    def pages(
        self, service: str, region: str, operation: str, key: str, page_size: int | None = None, **params: Any
    ) -> list[Any]:
        """Every item under `key` across all pages of a paginated operation."""
        pages = self.all_pages(service, region, operation, page_size=page_size, **params)
        return [item for page in pages for item in page.get(key, [])]

    def all_pages(
        self, service: str, region: str, operation: str, page_size: int | None = None, **params: Any
    ) -> list[dict[str, Any]]:
        """Every page of a paginated operation (for responses with several lists).

        `page_size` asks for the API's largest page, so a big account costs few calls.
        """
        if page_size:
            params["PaginationConfig"] = {"PageSize": page_size}
        from botocore import xform_name
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.clients.client(service, self.region_for(region))
        try:
            return list(client.get_paginator(xform_name(operation)).paginate(**params))
        except (ClientError, BotoCoreError) as exc:
            raise self._fault(exc, service, operation, region) from exc

    def fan_out(self, fn: Callable[[U], R], items: Iterable[U]) -> list[R]:
        """`fn` over `items` on the shared I/O pool, results in order of `items`.

        `fn` must not wait on other inventory loads (the pool is bounded; waiting there
        could starve it), so per-item work is plain API calls.

        The items take turns with every other fan-out on the pool (`_take_turns`): at most
        `FAN_OUT_WINDOW` of them are queued at once, and each finished item queues the next
        at the back. Submitted all at once, the first region's items filled the queue, and
        the threads slept on that region's rate cap while the other regions' own caps sat
        idle: Lambda's three regions were read one after the other (54 s instead of ~20 s).
        """
        todo = list(items)
        results: list[Future[R]] = [Future() for _ in todo]
        _take_turns(self._io_pool, fn, todo, results)
        return [f.result() for f in results]

    def _fault(self, exc: BaseException, service: str, operation: str, region: str) -> LoadError:
        where = self.region_for(region)
        return LoadError(
            describe_fault(exc, service=service, operation=operation, region=where, regional=region != GLOBAL_REGION)
        )


#: Items of one fan-out queued on the I/O pool at once (its thread count: one fan-out alone
#: still uses every thread).
FAN_OUT_WINDOW = 8


def _take_turns(pool: Executor, fn: Callable[[U], R], todo: list[U], results: list[Future[R]]) -> None:
    """Run `fn` over `todo` into `results`, `FAN_OUT_WINDOW` items queued at a time.

    Each finished item submits the next one itself, to the back of the pool's queue, so
    concurrent fan-outs share the threads round-robin instead of first come, first served.
    """
    lock = threading.Lock()
    pending = iter(range(len(todo)))

    def take() -> int | None:
        with lock:
            return next(pending, None)

    def step(index: int) -> None:
        try:
            results[index].set_result(fn(todo[index]))
        except BaseException as exc:  # handed to the caller, as a pool's own future would
            results[index].set_exception(exc)
        following = take()
        if following is not None:
            pool.submit(step, following)

    for _ in range(FAN_OUT_WINDOW):
        first = take()
        if first is None:
            break
        pool.submit(step, first)
