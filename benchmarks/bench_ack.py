"""Acknowledgement latency of the real demarc app under 50 concurrent requests over loopback.

    .venv/bin/python benchmarks/bench_ack.py [--concurrency 50] [--rounds 10]

Starts three processes, as in production where Slack, demarc and the senders do not share
an interpreter: the fake Slack Web API from tests/slack/fakes.py, the real app under waitress
(handlers/server.py), and this load generator, which fires bursts of correctly signed slash
commands and events, each burst `concurrency` requests at once, and reports p50/p99
time-to-HTTP-response (the ack) and throughput. The answers themselves (response URL
posts, chat.postMessage) happen after the ack and load the same machine, as they would in
production. A slow fake scanner (2 s) backs
`/demarc check`, to show that account checks never delay the ack.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answer import default_answerer  # noqa: E402
from bot.config import load_settings  # noqa: E402
from handlers.app import build_app  # noqa: E402
from handlers.deps import Deps, Jobs  # noqa: E402
from handlers.server import HttpServer  # noqa: E402
from tests.slack.fakes import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeCheckIndex,
    FakePosture,
    FakeScanner,
    FakeSlack,
    command_body,
    dm_event,
    event_body,
    sign,
)

QUESTIONS = ("who patches the OS on Fargate?", "who encrypts data in S3?", "what am I responsible for on Lambda?")


def one_request(
    port: int, body: str, content_type: str, out: list[float], errors: list[str], start: threading.Barrier
) -> None:
    headers = {"Content-Type": content_type, **sign(body)}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    start.wait()
    began = time.perf_counter()
    try:
        connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - began
        if response.status != 200:
            errors.append(f"HTTP {response.status}")
        else:
            out.append(elapsed)
    except OSError as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


def burst(port: int, bodies: list[tuple[str, str]]) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    barrier = threading.Barrier(len(bodies))
    threads = [threading.Thread(target=one_request, args=(port, b, ct, latencies, errors, barrier)) for b, ct in bodies]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - began


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(name: str, latencies: list[float], errors: list[str], wall: float) -> None:
    ms = [x * 1000 for x in latencies]
    print(
        f"{name:<28} n={len(ms):>4}  p50={percentile(ms, 50):6.1f} ms  p99={percentile(ms, 99):6.1f} ms  "
        f"max={max(ms):6.1f} ms  mean={statistics.mean(ms):6.1f} ms  "
        f"throughput={len(ms) / wall:7.1f} req/s  errors={len(errors)}"
    )
    for error in sorted(set(errors))[:5]:
        print(f"    error: {error}")


def serve_fake() -> int:
    slack = FakeSlack().start()
    print(slack.port, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    slack.stop()
    return 0


def serve_app(api_url: str) -> int:
    logging.basicConfig(level=logging.ERROR)
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "DEMARC_CHECK_CHANNELS": "C0CHECKS01",
        }
    )
    deps = Deps(
        settings=settings,
        answerer=default_answerer(),
        scanner=FakeScanner(delay=2.0),
        check_index=FakeCheckIndex(),
        posture=FakePosture(),
        jobs=Jobs(2),
    )
    server = HttpServer(build_app(settings, deps), host="127.0.0.1", port=0)
    server.start_in_thread()
    print(server.port, flush=True)
    sys.stdin.read()
    server.stop(timeout=5)
    deps.shutdown(wait=False)
    return 0


def spawn(*args: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, __file__, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-app", metavar="API_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        return serve_fake()
    if args.serve_app:
        return serve_app(args.serve_app)

    fake, fake_port = spawn("--serve-fake")
    app, port = spawn("--serve-app", f"http://127.0.0.1:{fake_port}/api/")
    form, js = "application/x-www-form-urlencoded", "application/json"
    response_url = f"http://127.0.0.1:{fake_port}/response/bench"
    n = args.concurrency
    try:
        # warm-up (imports, thread pools)
        burst(port, [(command_body("help", response_url=response_url), form)] * 5)
        kinds = {
            "slash command (question)": lambda r, i: (command_body(QUESTIONS[i % 3], response_url=response_url), form),
            "slash command (check)": lambda r, i: (command_body("check s3", response_url=response_url), form),
            "event (DM message)": lambda r, i: (
                event_body(dm_event(QUESTIONS[i % 3], ts=f"{r}.{i}"), event_id=f"Ev{r}x{i}"),
                js,
            ),
        }
        print(
            f"demarc ack latency: {n} concurrent requests per burst, {args.rounds} bursts each, over loopback "
            f"({os.cpu_count()} cores)"
        )
        all_latencies: list[float] = []
        all_wall = 0.0
        for name, make in kinds.items():
            latencies: list[float] = []
            errors: list[str] = []
            wall = 0.0
            for r in range(args.rounds):
                lat, err, took = burst(port, [make(f"{name[:5]}{r}", i) for i in range(n)])
                latencies += lat
                errors += err
                wall += took
                time.sleep(0.3)  # let the post-ack work drain, as between real bursts
            all_latencies += latencies
            all_wall += wall
            report(name, latencies, errors, wall)
        report("all", all_latencies, [], all_wall)
    finally:
        for proc in (app, fake):
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    p99 = percentile([x * 1000 for x in all_latencies], 99)
    print(f"bar: ack p99 < 100 ms -> {'PASS' if p99 < 100 else 'FAIL'} ({p99:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
