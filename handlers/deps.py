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
from bot.clock import SYSTEM_CLOCK, Clock
from bot.config import Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.checks.model import AccountReport
    from bot.store.context import ConversationStore
    from handlers.authorize import Authorizer

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


class RecentlySeen:
    """Keys seen within `ttl` seconds by the injected clock (App Home publishes, per user)."""

    def __init__(self, clock: Clock, ttl: float, max_size: int = 10_000) -> None:
        self._clock, self._ttl, self._max = clock, ttl, max_size
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first(self, key: str) -> bool:
        """True (and remembered) unless `key` was seen within the TTL."""
        now = self._clock.now().timestamp()
        with self._lock:
            if now - self._seen.get(key, float("-inf")) < self._ttl:
                return False
            if len(self._seen) >= self._max:
                self._seen = {k: t for k, t in self._seen.items() if now - t < self._ttl}
            self._seen[key] = now
            return True


class ScanGate:
    """At most one scan per channel at a time, a cool-down after each start in a channel, and
    at most `concurrency` scans in flight (running, or waiting for a job worker) in all."""

    def __init__(self, clock: Clock, concurrency: int, cooldown: float) -> None:
        self.clock, self.concurrency, self.cooldown = clock, concurrency, cooldown
        self._running: set[str] = set()
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def try_start(self, channel: str) -> str | None:
        """None when a scan may start in `channel` now (it is then counted); else why not:
        `running` (this channel has one), `cooldown` (it started one moments ago), `full`."""
        now = self.clock.now().timestamp()
        with self._lock:
            if channel in self._running:
                return "running"
            if now - self._started.get(channel, float("-inf")) < self.cooldown:
                return "cooldown"
            if len(self._running) >= self.concurrency:
                return "full"
            self._running.add(channel)
            self._started[channel] = now
            return None

    def finish(self, channel: str) -> None:
        with self._lock:
            self._running.discard(channel)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._running)


_OPEN_LOCK = threading.Lock()

#: Answer workers: one rate-limited channel occupies one of them for seconds at most.
ANSWER_WORKERS = 8
#: An App Home opened again within this many seconds is not published again.
HOME_CACHE_SECONDS = 60.0


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
    #: threads that are acknowledging, which is what keeps the ack p99 low. But enough that a
    #: channel whose replies are being rate limited (each wait capped at MAX_RETRY_WAIT, see
    #: handlers/slack_client.py) never holds up another channel's answer.
    answers: Jobs = field(default_factory=lambda: Jobs(ANSWER_WORKERS, "demarc-answer"))
    #: The one "now" for cool-downs, caches and windows in the Slack layer.
    clock: Clock = SYSTEM_CLOCK
    #: Who may run account checks (handlers/authorize.py); built from settings and clock.
    authorizer: Authorizer | None = None
    #: Scans in flight and per-channel cool-downs (DEMARC_SCAN_CONCURRENCY, DEMARC_SCAN_COOLDOWN).
    scan_gate: ScanGate | None = None
    #: Users whose App Home was published within the last minute.
    home_published: RecentlySeen | None = None
    #: What each thread (each DM) was last about, for follow-ups (handlers/replies.py); opened
    #: on first use from DEMARC_STATE and DEMARC_CONTEXT_TTL_SECONDS, by `clock`.
    conversations: ConversationStore | None = None

    def __post_init__(self) -> None:
        if self.scanner is None:
            self.scanner = SettingsScanner(self.settings)
        if self.authorizer is None:
            from handlers.authorize import Authorizer

            self.authorizer = Authorizer(self.settings, self.clock)
        if self.scan_gate is None:
            self.scan_gate = ScanGate(self.clock, self.settings.scan_concurrency, self.settings.scan_cooldown)
        if self.home_published is None:
            self.home_published = RecentlySeen(self.clock, HOME_CACHE_SECONDS)

    @property
    def auth(self) -> Authorizer:
        assert self.authorizer is not None
        return self.authorizer

    def conversation_store(self) -> ConversationStore:
        if self.conversations is None:
            with _OPEN_LOCK:
                if self.conversations is None:
                    from bot.store.context import open_conversations

                    self.conversations = open_conversations(self.settings, self.clock)
        return self.conversations

    def scan(self, check_ids: Sequence[str] | None, regions: Sequence[str] | None) -> list[AccountReport]:
        assert self.scanner is not None
        return self.scanner(check_ids, regions)

    def shutdown(self, wait: bool = True) -> None:
        self.answers.shutdown(wait=wait)
        self.jobs.shutdown(wait=wait)
