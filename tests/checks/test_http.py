"""The same scan over HTTP: moto_server in a subprocess, reached through AWS_ENDPOINT_URL,
as a real deployment reaches AWS (signing, endpoints, pagination over the wire)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from conftest import TODAY, Recorder, by_check, found
from seed import REGION_A, REGION_B, seed

from bot.checks import all_check_ids, run_scan
from bot.clock import FixedClock

HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "_moto_server.py"), str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a loaded machine: the server is still writing; it has served its part
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_full_scan_over_http_matches_the_seeded_account(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    expected = seed(lambda service, region: boto3.client(service, region_name=region))
    recorder = Recorder()
    [report] = run_scan(None, [REGION_A, REGION_B], session_factory=recorder, clock=FixedClock.on(TODAY))
    results = by_check(report)
    for check_id in all_check_ids():
        assert results[check_id].error is None, (check_id, results[check_id].error)
        assert found(results[check_id]) == expected.get(check_id, set()), check_id
    assert report.account == "123456789012"
