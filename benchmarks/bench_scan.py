"""Benchmark a full demarc scan against a moto_server account seeded at scale.

    .venv/bin/python benchmarks/bench_scan.py            # 1/10 size, then full size
    .venv/bin/python benchmarks/bench_scan.py --scales 1  # full size only
    .venv/bin/python benchmarks/bench_scan.py --org       # Organization scale (issue 18)
    .venv/bin/python benchmarks/bench_scan.py --org --accounts 100 --regions 17

Organization scale (`--org`): N member accounts (default 100, and 25 to show memory stays
flat past the concurrency limit) x R regions (default 17), each holding 20 buckets, 10
security groups, 10 functions, 10 users and 3 DB instances, scanned through AssumeRole in
one process. Prints CPU time per account, peak memory, API calls; then one run where
one account's Lambda calls are throttled at the server (how much later the other
accounts finish), and a `demarc posture --json` killed halfway (what stdout and the
store kept). Seeding runs in a child process so its memory is not counted.

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
        + 2  # IAM: policy, summary, details, the credential report (generate, get)
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
        # issue 17, per region with none of these seeded: Access Analyzer, Config recorders, GuardDuty
        # detectors, Security Hub, EKS clusters, ECS families, SQS, SNS, DynamoDB, ElastiCache, ELBv2,
        # API Gateway (one list call each); CloudFront once (the CIS alarms read nothing without a
        # multi-region trail, the Lambda secrets check reuses ListFunctions)
        + r * 12
        + 1
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
    parser.add_argument("--org", action="store_true", help="the Organization-scale measures")
    parser.add_argument("--accounts", type=int, nargs="+", default=[25, 100])
    parser.add_argument("--regions", type=int, default=17)
    parser.add_argument("--skip", nargs="*", default=[], choices=["throttle", "kill"])
    parser.add_argument("--seed-org", nargs=2, metavar=("URL", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_org:
        os.environ.update(ENV)
        os.environ["AWS_ENDPOINT_URL"] = args.seed_org[0]
        print(json.dumps(seed_org(int(args.seed_org[1]))))
        return
    if args.org:
        org_main(args)
        return
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


# --- Organization scale (issue 18) ---------------------------------------------------

ALL_REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1",
]  # fmt: skip
ROLE = "demarc-audit"
PER_ACCOUNT = {"buckets": 20, "security_groups": 10, "functions": 10, "users": 10, "db_instances": 3}


def seed_org(n: int) -> dict[str, Any]:
    """N Organization member accounts, each seeded through its role (child process)."""
    import boto3

    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    sts = boto3.client("sts", region_name="us-east-1")
    accounts = [
        org.create_account(AccountName=f"bench-{i}", Email=f"bench-{i}@example.com")["CreateAccountStatus"]["AccountId"]
        for i in range(n)
    ]
    regions = ALL_REGIONS[:3]

    def seed_account(account: str) -> None:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed")["Credentials"]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        c = {(s, r): session.client(s, region_name=r) for s in ("ec2", "lambda", "rds") for r in regions}
        s3, iam = session.client("s3", region_name="us-east-1"), session.client("iam", region_name="us-east-1")
        for i in range(PER_ACCOUNT["buckets"]):
            s3.create_bucket(Bucket=f"b-{account}-{i}", ACL="public-read" if i % 10 == 0 else "private")
        for i in range(PER_ACCOUNT["security_groups"]):
            ec2 = c[("ec2", regions[i % 3])]
            gid = ec2.create_security_group(GroupName=f"sg-{i}", Description="bench")["GroupId"]
            port = 22 if i % 5 == 0 else 443
            ec2.authorize_security_group_ingress(
                GroupId=gid,
                IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
                ],
            )
        iam.create_role(RoleName="bench-fn", AssumeRolePolicyDocument="{}")
        for i in range(PER_ACCOUNT["functions"]):
            lam = c[("lambda", regions[i % 3])]
            lam.create_function(
                FunctionName=f"fn-{i}", Runtime="python3.8" if i % 5 == 0 else "python3.13",
                Role=f"arn:aws:iam::{account}:role/bench-fn", Handler="h.h", Code={"ZipFile": b"zip"},
            )  # fmt: skip
            if i % 5 == 0:
                lam.add_permission(
                    FunctionName=f"fn-{i}", StatementId="any", Action="lambda:InvokeFunction", Principal="*"
                )
        for i in range(PER_ACCOUNT["users"]):
            iam.create_user(UserName=f"user-{i}")
            if i % 2 == 0:
                iam.create_login_profile(UserName=f"user-{i}", Password="Bench-password-1!")
        for i in range(PER_ACCOUNT["db_instances"]):
            c[("rds", regions[i % 3])].create_db_instance(
                DBInstanceIdentifier=f"db-{i}", DBInstanceClass="db.t3.micro", Engine="postgres",
                MasterUsername="admin", MasterUserPassword="Passw0rd-long", AllocatedStorage=20,
                StorageEncrypted=i != 0, PubliclyAccessible=i == 1,
            )  # fmt: skip

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(seed_account, accounts))
    return {"accounts": accounts}


class RssSampler:
    """Samples this process's RSS every 50 ms (VmRSS), to see memory over a scan."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.samples.append(_rss_mib())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def org_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "_moto_org_server.py"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="false", MOTO_EC2_LOAD_DEFAULT_AMIS="false"),
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


def seeded_org(n: int) -> tuple[subprocess.Popen[bytes], str, list[str]]:
    """A fresh server with N seeded member accounts (seeded by a child process)."""
    proc, url = org_server()
    out = subprocess.run(
        [sys.executable, __file__, "--seed-org", url, str(n)], capture_output=True, text=True, check=True
    )
    accounts: list[str] = json.loads(out.stdout.strip().splitlines()[-1])["accounts"]
    return proc, url, accounts


def _scan_org(url: str, accounts: list[str], regions: list[str], **extra: Any) -> dict[str, Any]:
    import datetime as dt
    import inspect

    import boto3

    from bot.checks import run_scan

    os.environ["AWS_ENDPOINT_URL"] = url
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def record(model: Any, **_: Any) -> None:
        with lock:
            calls[model.service_model.service_name] += 1

    def factory() -> boto3.Session:
        session = boto3.Session(region_name="us-east-1")
        session.events.register("before-parameter-build", record)
        return session

    finished: dict[str, float] = {}
    kwargs: dict[str, Any] = {}
    if "on_report" in inspect.signature(run_scan).parameters:
        kwargs["on_report"] = lambda report: finished.setdefault(report.account, time.perf_counter())
    arns = [f"arn:aws:iam::{a}:role/{ROLE}" for a in accounts]
    cpu0, start = time.process_time(), time.perf_counter()
    with RssSampler() as rss:
        reports = run_scan(
            None, regions, session_factory=factory, role_arns=arns,
            clock=FixedClock.on(dt.date(2026, 11, 23)), **kwargs, **extra,
        )  # fmt: skip
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    errors = Counter(r.check for rep in reports for r in rep.results if r.error)
    fails = Counter(r.check for rep in reports for r in rep.results if r.findings)
    return {
        "wall": wall, "cpu": cpu, "calls": sum(calls.values()), "by_service": dict(calls),
        "errors": dict(errors), "fails": dict(fails), "reports": reports,
        "finished": {a: t - start for a, t in finished.items()},
        "rss_samples": rss.samples,
    }  # fmt: skip


def org_main(args: argparse.Namespace) -> None:
    os.environ.update(ENV)
    regions = ALL_REGIONS[: args.regions]
    print(f"Organization scale: {PER_ACCOUNT} per account, {len(regions)} regions, {os.cpu_count()} CPUs")
    for n in args.accounts:
        # each size in a fresh process, so peak RSS is that size's own
        out = subprocess.run(
            [sys.executable, "-c", f"import sys; sys.argv=['x']; sys.path.insert(0, {str(ROOT)!r}); "
             f"import benchmarks.bench_scan as b; b.org_size({n}, {args.regions})"],
            text=True, capture_output=True,
        )  # fmt: skip
        sys.stdout.write(out.stdout)
        if out.returncode:
            sys.stdout.write(out.stderr[-3000:])
    if "throttle" not in args.skip:
        org_throttle(min(args.accounts), regions)
    if "kill" not in args.skip:
        org_kill(min(args.accounts), regions[:3])


def org_size(n: int, n_regions: int) -> None:
    os.environ.update(ENV)
    regions = ALL_REGIONS[:n_regions]
    proc, url, accounts = seeded_org(n)
    try:
        base = _rss_mib()
        result = _scan_org(url, accounts, regions)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    samples = result["rss_samples"] or [0.0]
    half = samples[len(samples) // 2 :]
    print(f"{n} accounts x {n_regions} regions:")
    print(f"  wall {result['wall']:.1f}s, CPU {result['cpu']:.1f}s = {result['cpu'] / n:.2f}s per account")
    print(
        f"  peak RSS {peak:.0f} MiB (before the scan {base:.0f} MiB; "
        f"second half of the scan {min(half):.0f}-{max(half):.0f} MiB)"
    )
    print(f"  API calls {result['calls']} ({result['calls'] / n:.0f} per account): {result['by_service']}")
    print(f"  checks with findings (accounts): {result['fails']}")
    print(f"  checks with errors (accounts): {result['errors'] or 'none'}")
    sys.stdout.flush()


def org_throttle(n: int, regions: list[str]) -> None:
    """One account's Lambda calls throttled at the server: when do the others finish?"""
    os.environ.update(ENV)
    proc, url, accounts = seeded_org(n)
    try:
        clean = _scan_org(url, accounts, regions)
        victim = accounts[0]
        urllib.request.urlopen(urllib.request.Request(f"{url}/bench-throttle/{victim}", method="POST"))
        slow = _scan_org(url, accounts, regions)
        throttled = urllib.request.urlopen(urllib.request.Request(f"{url}/bench-throttle/", method="POST")).read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"throttle ({n} accounts x {len(regions)} regions; every other Lambda call of one account answered 429, "
          f"{int(throttled)} in all):")  # fmt: skip
    print(f"  wall clean {clean['wall']:.1f}s, with the throttled account {slow['wall']:.1f}s")
    if not clean["finished"]:
        print("  (no per-account finish times: this engine returns every report at the end)")
        return
    others = [a for a in accounts if a != victim]
    delays = sorted(slow["finished"][a] - clean["finished"][a] for a in others)
    report = next(r for r in slow["reports"] if r.account == victim)
    errors = {r.check: r.error for r in report.results if r.error}
    print(f"  throttled account finished at {slow['finished'][victim]:.1f}s "
          f"(clean run {clean['finished'][victim]:.1f}s); its errors: {errors or 'none'}")  # fmt: skip
    print(f"  other accounts' finish time, throttled run minus clean run: median {delays[len(delays) // 2]:+.2f}s, "
          f"max {delays[-1]:+.2f}s")  # fmt: skip


def org_kill(n: int, regions: list[str]) -> None:
    """`demarc posture --json` over N accounts, killed (SIGKILL) once half have printed."""
    import signal
    import sqlite3
    import tempfile

    os.environ.update(ENV)
    proc, url, accounts = seeded_org(n)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            state = Path(tmp) / "state.sqlite3"
            env = dict(os.environ, AWS_ENDPOINT_URL=url, DEMARC_STATE=str(state), DEMARC_REGIONS=",".join(regions),
                       DEMARC_ROLE_ARNS=",".join(f"arn:aws:iam::{a}:role/{ROLE}" for a in accounts))  # fmt: skip
            cli = subprocess.Popen(
                [sys.executable, "-m", "handlers.cli", "posture", "--json"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            assert cli.stdout is not None
            lines: list[str] = []
            start = time.perf_counter()
            while len(lines) < n // 2:
                line = cli.stdout.readline().decode()
                if not line:
                    break
                lines.append(line)
            cli.send_signal(signal.SIGKILL)
            rest = cli.stdout.read().decode()
            cli.wait()
            lines += [x for x in rest.splitlines(keepends=True) if x.strip()]
            printed = {json.loads(x)["account"] for x in lines if x.endswith("\n")}
            stored: set[str] = set()
            if state.exists():
                with sqlite3.connect(state) as db:
                    stored = {row[0] for row in db.execute("SELECT DISTINCT account FROM runs")}
            print(
                f"kill halfway ({n} accounts x {len(regions)} regions, "
                f"SIGKILL after {time.perf_counter() - start:.1f}s):"
            )
            print(f"  complete JSON lines on stdout: {len(printed)}; accounts stored: {len(stored)}; "
                  f"every printed account stored: {printed <= stored}")  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
