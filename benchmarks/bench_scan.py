"""Benchmark a full demarc scan against a moto_server account seeded at scale.

    .venv/bin/python benchmarks/bench_scan.py            # 1/10 size, then full size
    .venv/bin/python benchmarks/bench_scan.py --scales 1  # full size only

Full size: 1,000 buckets, 500 security groups, 300 functions, 200 users and 100 DB
instances over 3 regions. Prints wall time, API calls made versus the minimum needed,
peak memory (RSS of this process, which only scans; moto runs in a subprocess), and how
time grows from 1/10 to full size, and checks that the findings are exact.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.clock import FixedClock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
FULL = {"buckets": 1000, "security_groups": 500, "functions": 300, "users": 200, "db_instances": 100}
ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "checks" / "_moto_server.py"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="false"),
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("moto_server did not start")


def seed(counts: dict[str, int]) -> dict[str, int]:
    """Seed the account; returns the number of findings each seeded check must report."""
    import boto3

    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def client(service: str, region: str = "us-east-1") -> Any:
        with lock:
            if (service, region) not in clients:
                clients[(service, region)] = boto3.client(service, region_name=region)
            return clients[(service, region)]

    expect: Counter[str] = Counter()
    jobs: list[Any] = []

    def bucket(i: int) -> None:
        name = f"bench-bucket-{i:05d}"
        client("s3").create_bucket(Bucket=name, ACL="public-read" if i % 10 == 0 else "private")
        if i % 5 == 0:
            client("s3").put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )

    for i in range(counts["buckets"]):
        jobs.append((bucket, i))
        expect["s3-public-access"] += i % 10 == 0
        expect["s3-encryption"] += i % 5 != 0

    def group(i: int) -> None:
        ec2 = client("ec2", REGIONS[i % 3])
        gid = ec2.create_security_group(GroupName=f"bench-sg-{i}", Description="bench")["GroupId"]
        port = 22 if i % 10 == 0 else 443
        ec2.authorize_security_group_ingress(
            GroupId=gid,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        )

    for i in range(counts["security_groups"]):
        jobs.append((group, i))
        expect["open-ports"] += i % 10 == 0

    role = "arn:aws:iam::123456789012:role/bench-fn"
    client("iam").create_role(RoleName="bench-fn", AssumeRolePolicyDocument="{}")

    def function(i: int) -> None:
        lam = client("lambda", REGIONS[i % 3])
        name = f"bench-fn-{i}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.8" if i % 5 == 0 else "python3.13",
            Role=role,
            Handler="h.h",
            Code={"ZipFile": b"zip"},
        )
        if i % 10 == 0:
            lam.add_permission(FunctionName=name, StatementId="any", Action="lambda:InvokeFunction", Principal="*")

    for i in range(counts["functions"]):
        jobs.append((function, i))
        expect["lambda-runtime"] += i % 5 == 0
        expect["lambda-public"] += i % 10 == 0

    def user(i: int) -> None:
        client("iam").create_user(UserName=f"bench-user-{i}")
        if i % 2 == 0:
            client("iam").create_login_profile(UserName=f"bench-user-{i}", Password="Bench-password-1!")

    for i in range(counts["users"]):
        jobs.append((user, i))
        expect["iam-user-mfa"] += i % 2 == 0

    def db(i: int) -> None:
        client("rds", REGIONS[i % 3]).create_db_instance(
            DBInstanceIdentifier=f"bench-db-{i}",
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            MasterUsername="admin",
            MasterUserPassword="Passw0rd-long",
            AllocatedStorage=20,
            StorageEncrypted=i % 4 != 0,
            PubliclyAccessible=i % 20 == 0,
        )

    for i in range(counts["db_instances"]):
        jobs.append((db, i))
        expect["rds-encryption"] += i % 4 == 0
        expect["rds-public"] += i % 20 == 0

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(fn, i) for fn, i in jobs]:
            future.result()
    client("iam").generate_credential_report()  # the scan only reads it (GetCredentialReport)
    return dict(expect)


def minimum_calls(counts: dict[str, int]) -> int:
    """The fewest calls any scan needs for the same answers: one call per page at the
    API's largest page size, and the per-resource reads no batch API replaces."""
    r = len(REGIONS)
    b, u, f = counts["buckets"], counts["users"], counts["functions"]
    per_region_db = math.ceil(counts["db_instances"] / r)
    per_region_fn = math.ceil(f / r)
    return (
        1  # sts:GetCallerIdentity
        + 2
        + max(1, math.ceil(u / 1000))
        + u
        + u // 2
        + (u % 2)  # IAM: policy, summary, details, profiles, MFA
        + 1
        + 1
        + b * 3
        + b  # S3: list, account PAB; per bucket PAB, ACL, policy (no BPA here), encryption
        + r * (1 + 1 + 1 + 1)  # EBS default, volumes, security groups, instances
        + r * max(1, math.ceil(per_region_db / 100))  # RDS
        + r * max(1, math.ceil(per_region_fn / 50))
        + f * 2  # Lambda list, policy, URL
        + 1  # CloudTrail DescribeTrails (no trails: no status calls)
        + 3  # IAM: credential report, support-role entities, server certificates
        + b  # S3: versioning per bucket
        + r * 6  # access points; network ACLs, VPCs, flow logs, own public snapshots, own public AMIs
    )


def scan_once(counts: dict[str, int], expected: dict[str, int]) -> dict[str, Any]:
    import datetime as dt

    import boto3

    from bot.checks import run_scan

    calls: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def record(model: Any, **_: Any) -> None:
        with lock:
            calls[(model.service_model.service_name, model.name)] += 1

    def factory() -> boto3.Session:
        session = boto3.Session(region_name="us-east-1")
        session.events.register("before-parameter-build", record)
        return session

    start = time.perf_counter()
    [report] = run_scan(None, REGIONS, session_factory=factory, clock=FixedClock.on(dt.date(2026, 11, 23)))
    wall = time.perf_counter() - start
    results = {r.check: r for r in report.results}
    errors = {c: r.error for c, r in results.items() if r.error}
    wrong = {c: (len(results[c].findings), n) for c, n in expected.items() if len(results[c].findings) != n}
    return {
        "wall": wall,
        "calls": sum(calls.values()),
        "minimum": minimum_calls(counts),
        "errors": errors,
        "wrong": wrong,
        "by_op": calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0])
    args = parser.parse_args()
    os.environ.update(ENV)
    proc, url = start_server()
    os.environ["AWS_ENDPOINT_URL"] = url
    rows = []
    try:
        for scale in args.scales:
            urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
            counts = {k: max(1, round(v * scale)) for k, v in FULL.items()}
            t0 = time.perf_counter()
            expected = seed(counts)
            seeded = time.perf_counter() - t0
            result = scan_once(counts, expected)
            rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rows.append((scale, counts, result))
            print(f"scale {scale:g}: {json.dumps(counts)}  (seeded in {seeded:.1f}s)")
            print(f"  full scan wall time : {result['wall']:.2f}s")
            print(
                f"  API calls           : {result['calls']} (minimum {result['minimum']}, "
                f"ratio {result['calls'] / result['minimum']:.3f})"
            )
            print(f"  peak RSS (process)  : {rss_mib:.0f} MiB")
            print(f"  findings exact      : {'yes' if not result['wrong'] else result['wrong']}")
            print(f"  check errors        : {result['errors'] or 'none'}")
        if len(rows) >= 2:
            (s0, _, r0), (s1, _, r1) = rows[0], rows[-1]
            growth = r1["wall"] / r0["wall"]
            print(
                f"time growth {s0:g} -> {s1:g} (x{s1 / s0:g} resources): x{growth:.2f} "
                f"({'sub-linear or linear' if growth <= s1 / s0 else 'WORSE than linear'})"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
