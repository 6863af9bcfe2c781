"""Per-account, per-service, per-region rate caps that stay below AWS's own limits.

AWS throttles each account and region per API (a token bucket per action or family). A
scan that runs faster than that gets 429s, retries, and adaptive retry then slows the
whole client down; with many accounts in flight that wastes everyone's threads. So each
client (one per account, service and region) sends through its own token bucket, capped
under the documented limit:

| service | AWS's limit | demarc's cap (per s, burst) |
| --- | --- | --- |
| lambda | GetPolicy 15/s; other control plane reads 15/s (GetFunction 100/s) | 10/s, burst 5, in each of two buckets |
| ec2 | Describe* (non-mutating) bucket: 100 burst, refilled 20/s | 15/s, burst 20 |
| ssm | DescribeInstancePatchStates and most reads: ~20/s (throttled per account) | 10/s, burst 5 |
| rds | Describe*: shared per-account bucket (refill ~ 10/s) | 8/s, burst 8 |
| iam | account-global, low (a handful per second on the control plane) | 8/s, burst 8 |
| cloudtrail | DescribeTrails/GetTrailStatus ~ 10/s | 5/s, burst 5 |
| organizations | ListAccounts: ~ 1-5/s per Organization | 2/s, burst 2 |
| s3 | 5,500 GET/HEAD per second per prefix of a bucket (none for configuration reads) | 300/s, burst 100 |
| s3control, sts | | 20/s, burst 20 |

AWS counts Lambda's GetPolicy apart from its other control-plane reads: 15 requests per
second each, the control-plane quota excluding invocations, GetFunction and GetPolicy
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). So demarc keeps two
buckets there too (`OPERATION_CAPS`), each under its own limit.

S3 publishes no quota for the bucket-configuration reads a scan makes (GetBucketAcl,
GetBucketPolicy, GetBucketEncryption, GetBucketVersioning, GetPublicAccessBlock: each a
GET on a bucket's subresource); none was found in the S3 or Service Quotas pages searched.
Its documented request rate is per prefix of a bucket: "3,500 PUT/COPY/POST/DELETE or
5,500 GET/HEAD requests per second per prefix in a bucket", with no limit to the number of
prefixes and a temporary 503 while S3 scales to a new rate
(https://repost.aws/knowledge-center/s3-object-key-naming-pattern; Athena's guide: "a
limit of 5500 GET requests per second per partitioned prefix",
https://docs.aws.amazon.com/athena/latest/ug/performance-tuning-s3-throttling-reduce-throttling-at-the-service-level.html).
A scan reads five subresources of each bucket, each bucket its own, so no bucket sees more
than five GETs a scan, and 300/s for the whole account is under 6% of what one prefix of
one bucket takes. The earlier 50/s held a 1,000-bucket account's ~5,000 reads to at least
100 s, against 17 s for the whole scan before any cap (benchmarks/README.md, "Full account
scan"). A 503 Slow Down is retried by botocore, and slows only that account's client
(adaptive retries).

The caps only throttle a client that would exceed them. Lambda's is the one a small
account meets: two reads per function in each bucket's turn (GetPolicy; GetFunctionUrlConfig,
plus ListAliases for a function with published versions), so 100 functions in a region take
about 10 s there (benchmarks/README.md, "Lambda at AWS's quota"). A cap is counted per attempt (`before-send`), so
botocore's retries are inside it too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

#: service -> (requests per second, burst)
RATE_CAPS: dict[str, tuple[float, float]] = {
    "lambda": (10.0, 5.0),
    "ec2": (15.0, 20.0),
    "ssm": (10.0, 5.0),
    "rds": (8.0, 8.0),
    "iam": (8.0, 8.0),
    "cloudtrail": (5.0, 5.0),
    "organizations": (2.0, 2.0),
    "s3": (300.0, 100.0),
    "s3control": (20.0, 20.0),
    "sts": (20.0, 20.0),
}


#: (service, operation) -> (requests per second, burst), for operations AWS throttles in a
#: bucket of their own (Lambda's GetPolicy is not counted in its other control-plane reads).
OPERATION_CAPS: dict[tuple[str, str], tuple[float, float]] = {
    ("lambda", "GetPolicy"): (10.0, 5.0),
}


class RateLimiter:
    """A token bucket: `rate` per second, at most `burst` saved up; thread-safe.

    `acquire()` reserves a token and sleeps until it is due, outside the lock, so
    concurrent callers queue in order without holding each other up more than the rate.
    """

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = rate, max(1.0, burst)
        self._monotonic, self._sleep = monotonic, sleep
        self._tokens = self.burst
        self._last = monotonic()
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds callers slept (for tests and the benchmark)
        self.sent = 0

    def acquire(self) -> float:
        """Take one token, sleeping until it is available; returns the seconds waited."""
        with self._lock:
            now = self._monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            self.sent += 1
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            self.waited += wait
        if wait > 0:
            self._sleep(wait)
        return wait

    def before_send(self, **_: Any) -> None:
        """botocore `before-send` hook: wait for a token, then let the request go."""
        self.acquire()


class ServiceLimiter(RateLimiter):
    """A service's bucket, plus a bucket of its own for each operation AWS counts apart
    (`OPERATION_CAPS`); the `before-send` hook picks the bucket by the event's operation."""

    def __init__(self, rate: float, burst: float, operations: dict[str, tuple[float, float]]) -> None:
        super().__init__(rate, burst)
        self.operations = {name: RateLimiter(*cap) for name, cap in operations.items()}

    def before_send(self, **kwargs: Any) -> None:
        operation = str(kwargs.get("event_name", "")).rsplit(".", 1)[-1]
        own = self.operations.get(operation)
        (own or self).acquire()


def limiter_for(service: str) -> RateLimiter | None:
    cap = RATE_CAPS.get(service)
    if not cap:
        return None
    operations = {op: c for (svc, op), c in OPERATION_CAPS.items() if svc == service}
    return ServiceLimiter(*cap, operations) if operations else RateLimiter(*cap)
