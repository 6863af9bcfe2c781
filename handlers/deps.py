"""What the listeners need, injected: the answerer, the scanner, the posture service, settings.

Listeners never import boto3, bot.checks or bot.posture at module level; they reach them
through `Deps`, so tests hand in fakes (a scanner that records its calls, a posture service
that needs no database) and the real ones are only imported when first used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.answer import Answerer, default_answerer
from bot.config import Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.checks.model import AccountReport

log = logging.getLogger("demarc.handlers")


class Scanner(Protocol):
    """Runs account checks; `check_ids` None means all of them."""

    def __call__(self, check_ids: Sequence[str] | None, regions: Sequence[str] | None) -> list[AccountReport]: ...


class CheckIndex(Protocol):
    """Which checks exist, without touching AWS."""

    def all_check_ids(self) -> list[str]: ...

    def checks_for_service(self, service: str) -> list[str]: ...


class PostureService(Protocol):
    """The seam to the posture summary, so listeners can be tested with a fake."""

    def post_posture(self, client: WebClient, channel: str, settings: Settings, *, force: bool = False) -> object: ...

    def latest_summary_blocks(self, settings: Settings) -> list[dict[str, Any]] | None: ...

    def start_scheduler(self, client: WebClient, settings: Settings) -> Any: ...


class SettingsScanner:
    """The real scanner: every account the settings name (DEMARC_ROLE_ARNS /
    DEMARC_ORG_ROLE_NAME), or the credential chain's. Settings are the ones the app was
    built with, never re-read from the environment."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, check_ids: Sequence[str] | None, regions: Sequence[str] | None) -> list[AccountReport]:
        if self.settings.org_role_name and self.settings.org_stored_runs:
            # Organization scope: the latest runs the Step Functions fan-out stored, not a
            # 500-account scan inside a Slack request.
            from bot.posture.org import stored_reports
            from bot.store import open_store

            store = open_store(self.settings)
            try:
                return stored_reports(store, list(check_ids) if check_ids else None)
            finally:
                store.close()
        from bot.checks import run_scan

        return run_scan(
            list(check_ids) if check_ids else None,
            list(regions) if regions else None,
            role_arns=self.settings.role_arns,
            org_role_name=self.settings.org_role_name,
            accounts_in_flight=self.settings.scan_accounts_in_flight,
        )


class RealCheckIndex:
    def all_check_ids(self) -> list[str]:
        from bot.checks import all_check_ids

        return all_check_ids()

    def checks_for_service(self, service: str) -> list[str]:
        from bot.checks import checks_for_service

        return checks_for_service(service)


class LazyPosture:
    """handlers.posture, imported on first use (it loads the state store and, to scan, boto3)."""

    def post_posture(self, client: WebClient, channel: str, settings: Settings, *, force: bool = False) -> object:
        from handlers.posture import post_posture

        return post_posture(client, channel, settings, force=force)

    def latest_summary_blocks(self, settings: Settings) -> list[dict[str, Any]] | None:
        from handlers.posture import latest_summary_blocks

        return latest_summary_blocks(settings)

    def start_scheduler(self, client: WebClient, settings: Settings) -> Any:
        from handlers.posture import start_scheduler

        return start_scheduler(client, settings)


class Pool(Protocol):
    """Where a listener's post-ack work runs: a thread pool (long-running server) or inline (Lambda)."""

    def submit(self, fn: Callable[[], None]) -> object: ...


class Inline:
    """Runs work at once, in the caller's thread.

    On AWS Lambda the lazy invocation *is* the background: the function is frozen as soon as
    the handler returns, so handing work to a thread there would silently drop it.
    """

    def submit(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # the work's own guard reports to the user; this keeps the invocation tidy
            log.exception("background job failed")


INLINE = Inline()


class Jobs:
    """A small bounded pool for work that must leave the ack path (scans, posture runs, answers).

    Kept apart from Bolt's listener executor so a handful of minute-long scans can never
    starve the threads that acknowledge requests; at most `workers` scans run at once and
    the rest queue.
    """

    def __init__(self, workers: int = 2, name: str = "demarc-job") -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._pending = 0

    def submit(self, fn: Callable[[], None]) -> Future[None]:
        def run() -> None:
            try:
                fn()
            except Exception:  # the job's own guard reports to the user; this keeps the pool alive
                log.exception("background job failed")
            finally:
                with self._lock:
                    self._pending -= 1

        with self._lock:
            self._pending += 1
        return self._pool.submit(run)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


@dataclass
class Deps:
    settings: Settings
    answerer: Answerer = field(default_factory=default_answerer)
    scanner: Scanner | None = None
    check_index: CheckIndex = field(default_factory=RealCheckIndex)
    posture: PostureService = field(default_factory=LazyPosture)
    jobs: Jobs = field(default_factory=Jobs)
    #: Post-ack answering (matching, rendering, the reply's Web API call). A few threads, not
    #: one per request: under a burst, fewer runnable threads means the GIL goes to the
    #: threads that are acknowledging, which is what keeps the ack p99 low.
    answers: Jobs = field(default_factory=lambda: Jobs(2, "demarc-answer"))

    def __post_init__(self) -> None:
        if self.scanner is None:
            self.scanner = SettingsScanner(self.settings)

    def scan(self, check_ids: Sequence[str] | None, regions: Sequence[str] | None) -> list[AccountReport]:
        assert self.scanner is not None
        return self.scanner(check_ids, regions)

    def shutdown(self, wait: bool = True) -> None:
        self.answers.shutdown(wait=wait)
        self.jobs.shutdown(wait=wait)
