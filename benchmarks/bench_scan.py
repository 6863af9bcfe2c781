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
instances over 3 regions. Prints wall time, CPU time, API calls made versus the minimum
needed, peak memory, and how time grows from 1/10 to full size, and checks that the
findings are exact. Each scan runs in a child process of its own that only scans, through
the session `demarc check` itself uses (the engine's `default_session`, plus a hook that
counts calls), so its peak RSS is the scan's: moto, the seeding and the other scans are
not in it. `--legacy` measures as this benchmark did up to 2026-12-02: the scan in this
process after seeding it here, through a bare `boto3.Session` (botocore's full models).

    .venv/bin/python benchmarks/bench_scan.py --families           # each check family alone
    .venv/bin/python benchmarks/bench_scan.py --families --engines . /tmp/a4043c7

`--families`: each check family (a module of `bot/checks/defs/`) scanned alone, in a
child process, on the same seeded full-size account: wall time, CPU, calls, peak RSS and
whether its seeded findings are exact. `--engines` names source trees to scan with (`.` is
this one; another is e.g. `git archive a4043c7 | tar -x -C /tmp/a4043c7`): each family is
run with every engine that has it, one after the other, so the engines share the server
and the machine's load of the moment; the last column is this tree's wall time over the
first other engine's.
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


#: The day the scans are judged on (runtime deprecations, key ages).
SCAN_DAY = (2026, 11, 23)


def scan_kwargs(run_scan: Any) -> dict[str, Any]:
    """The scan day in the form this engine's `run_scan` takes it (older trees: `today`)."""
    import datetime as dt
    import inspect

    day = dt.date(*SCAN_DAY)
    if "clock" in inspect.signature(run_scan).parameters:
        from bot.clock import FixedClock

        return {"clock": FixedClock.on(day)}
    return {"today": day}


def scan_once(
    counts: dict[str, int], expected: dict[str, int], checks: list[str] | None = None, *, bare: bool = False
) -> dict[str, Any]:
    """One scan in this process: `checks` (all when None), through the engine's own session
    (`bare`: a plain boto3.Session, as this benchmark scanned up to 2026-12-02)."""
    import boto3

    from bot.checks import run_scan

    calls: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def record(model: Any, **_: Any) -> None:
        with lock:
            calls[(model.service_model.service_name, model.name)] += 1

    def factory() -> boto3.Session:
        session = boto3.Session(region_name="us-east-1") if bare else engine_session()
        session.events.register("before-parameter-build", record)
        return session

    cpu0, start = time.process_time(), time.perf_counter()
    [report] = run_scan(checks, REGIONS, session_factory=factory, **scan_kwargs(run_scan))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    results = {r.check: r for r in report.results}
    errors = {c: r.error for c, r in results.items() if r.error}
    wrong = {
        c: (len(results[c].findings), n) for c, n in expected.items() if c in results and len(results[c].findings) != n
    }
    return {
        "wall": wall,
        "cpu": cpu,
        "calls": sum(calls.values()),
        "minimum": minimum_calls(counts),
        "errors": errors,
        "wrong": wrong,
        "by_service": dict(Counter(service for service, _ in calls.elements())),
        "checks": sorted(results),
        "rss_mib": peak_rss_mib(),
    }


def peak_rss_mib() -> float:
    """This process's peak RSS (VmHWM). Not `ru_maxrss`: Linux carries that across exec, so a
    child started by a parent holding 95 MiB reports at least 95 MiB whatever it does."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def engine_session() -> Any:
    """The session `demarc check` scans with: the engine's own `default_session()` (on this
    tree, botocore's models cut to the scan's operations and shared by every client)."""
    from bot.checks.session import default_session

    return default_session()


def check_families() -> dict[str, list[str]]:
    """The engine's check ids by family: the `bot/checks/defs/` module that defines them."""
    from bot.checks.registry import all_checks

    families: dict[str, list[str]] = {}
    for check in all_checks():
        families.setdefault(check.evaluate.__module__.rsplit(".", 1)[-1], []).append(check.id)
    return families


def child_main(spec_path: str) -> None:
    """`--child SPEC`: one scan with the engine the spec names, as JSON on stdout."""
    spec = json.loads(Path(spec_path).read_text())
    sys.path.insert(0, spec["engine"])  # before anything imports `bot`
    os.environ.update(ENV)
    os.environ["AWS_ENDPOINT_URL"] = spec["url"]
    if spec.get("list_families"):
        print(json.dumps(check_families()))
        return
    checks = check_families()[spec["family"]] if spec.get("family") else None
    result = scan_once(spec["counts"], spec["expected"], checks)
    print(json.dumps(result))


def scan_child(engine: str, url: str, counts: dict[str, int], expected: dict[str, int], **extra: Any) -> Any:
    """Run `child_main` in a fresh process (so its peak RSS is that scan's own)."""
    import tempfile

    spec = {"engine": str(Path(engine).resolve()), "url": url, "counts": counts, "expected": expected, **extra}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", handle.name], capture_output=True, text=True, cwd=spec["engine"]
        )
    finally:
        Path(handle.name).unlink()
    if out.returncode:
        raise SystemExit(f"scan with {engine} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    """The machine's 1-minute load average (the wall times depend on it; CPU and RSS do not)."""
    return f"{os.getloadavg()[0]:.1f}"


def reset_and_seed(url: str, scale: float) -> tuple[dict[str, int], dict[str, int], float]:
    """A fresh account at `scale` of the full size; returns counts, expected findings, seconds."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
    counts = {k: max(1, round(v * scale)) for k, v in FULL.items()}
    t0 = time.perf_counter()
    expected = seed(counts)
    return counts, expected, time.perf_counter() - t0


def print_scan(
    scale: float, counts: dict[str, int], seeded: float, result: dict[str, Any], loads: str, *, own: bool = True
) -> None:
    """One scan's figures (`own`: scanned with this tree, whose checks the minimum counts)."""
    print(f"scale {scale:g}: {json.dumps(counts)}  (seeded in {seeded:.1f}s; load average {loads})")
    print(f"  full scan wall time : {result['wall']:.2f}s (CPU {result['cpu']:.2f}s)")
    ratio = f"minimum {result['minimum']}, ratio {result['calls'] / result['minimum']:.3f}"
    print(f"  API calls           : {result['calls']} ({ratio if own else 'another engine: its own minimum'})")
    print(f"  peak RSS (scan)     : {result['rss_mib']:.0f} MiB")
    print(f"  findings exact      : {'yes' if not result['wrong'] else result['wrong']}")
    print(f"  check errors        : {result['errors'] or 'none'}")


def families_main(url: str, engines: list[str], rounds: int = 1) -> None:
    """Each family alone on one full-size account, with every engine that has it; with
    `rounds` > 1, each figure is the median of that many scans (taken in turn)."""
    counts, expected, seeded = reset_and_seed(url, 1.0)
    print(f"full size, seeded in {seeded:.1f}s; engines: {', '.join(engines)}; medians of {rounds}")
    by_engine = {e: scan_child(e, url, counts, expected, list_families=True) for e in engines}
    names = list(dict.fromkeys(name for e in engines for name in by_engine[e]))
    rows: list[tuple[str, dict[str, Any]]] = []
    for name in names:
        for engine in engines:
            if name in by_engine[engine]:
                before = load()
                runs = [scan_child(engine, url, counts, expected, family=name) for _ in range(rounds)]
                result = median_run(runs)
                result["load"] = f"{before}-{load()}"
                rows.append((name, {"engine": engine, **result}))
                print(
                    f"  {name:12} {engine:24} {len(result['checks']):2} checks  wall {result['wall']:7.2f}s  "
                    f"CPU {result['cpu']:6.2f}s  calls {result['calls']:5}  peak {result['rss_mib']:4.0f} MiB  "
                    f"exact {'yes' if not result['wrong'] else result['wrong']}  errors {result['errors'] or 'none'}  "
                    f"(load {result['load']}; walls {result['walls']})",
                    flush=True,
                )
    print("\n| family | " + " | ".join(f"{e}: checks, wall, CPU, calls" for e in engines) + " | wall ratio |")
    print("| --- |" + " --- |" * (len(engines) + 1))
    for name in names:
        cells, walls = [], []
        for engine in engines:
            hit = next((r for n, r in rows if n == name and r["engine"] == engine), None)
            walls.append(hit["wall"] if hit else None)
            cells.append(
                f"{len(hit['checks'])}, {hit['wall']:.1f} s, {hit['cpu']:.1f} s, {hit['calls']:,}" if hit else "-"
            )
        ratio = f"x{walls[0] / walls[1]:.2f}" if len(walls) > 1 and walls[0] and walls[1] else ""
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time, with the median CPU and the highest peak RSS."""
    ordered = sorted(runs, key=lambda r: r["wall"])
    middle = dict(ordered[len(ordered) // 2])
    middle["cpu"] = sorted(r["cpu"] for r in runs)[len(runs) // 2]
    middle["rss_mib"] = max(r["rss_mib"] for r in runs)
    middle["walls"] = [round(r["wall"], 2) for r in runs]
    return middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--families", action="store_true", help="each check family alone, full size")
    parser.add_argument("--engines", nargs="+", default=["."], help="source trees to scan with (. is this one)")
    parser.add_argument("--rounds", type=int, default=1, help="with --families: scans per family (median)")
    parser.add_argument("--legacy", action="store_true", help="seed and scan in this process, bare boto3.Session")
    parser.add_argument("--org", action="store_true", help="the Organization-scale measures")
    parser.add_argument("--accounts", type=int, nargs="+", default=[25, 100])
    parser.add_argument("--regions", type=int, default=17)
    parser.add_argument("--skip", nargs="*", default=[], choices=["throttle", "kill"])
    parser.add_argument("--seed-org", nargs=2, metavar=("URL", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--child", metavar="SPEC", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child)
        return
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
        if args.families:
            families_main(url, args.engines, args.rounds)
            return
        for scale in args.scales:
            counts, expected, seeded = reset_and_seed(url, scale)
            before = load()
            if args.legacy:
                result = scan_once(counts, expected, bare=True)
            else:
                result = scan_child(args.engines[0], url, counts, expected)
            rows.append((scale, counts, result))
            own = args.legacy or Path(args.engines[0]).resolve() == ROOT
            print_scan(scale, counts, seeded, result, f"{before}-{load()}", own=own)
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
    from bot.clock import FixedClock

    os.environ["AWS_ENDPOINT_URL"] = url
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def record(model: Any, **_: Any) -> None:
        with lock:
            calls[model.service_model.service_name] += 1

    def factory() -> boto3.Session:
        # the session `demarc check` and posture scan with (the shared loader and its
        # cut-down models), plus the hook that counts calls
        session = engine_session()
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
