"""demarc and Prowler side by side on one seeded 2-region account (issues 17 and 18).

    .venv/bin/python benchmarks/bench_prowler.py [--prowler PATH] [--rounds 3] [--verbose]

Prowler is not a dependency of demarc: install it in a virtualenv of its own
(`python -m venv /opt/prowler && /opt/prowler/bin/pip install prowler`) and pass its
`prowler` executable with `--prowler` (or `PROWLER=...`, or have it on PATH). Without it the
benchmark says so and exits 0.

One moto_server on loopback (benchmarks/_moto_counting_server.py, which counts every API
call it answers) holds the account of tests/checks/seed.py in us-east-1 and eu-west-1. The
checks both tools have (benchmarks/prowler_map.yaml) then run as child processes, in turn,
`--rounds` times: `demarc check --json` and `prowler aws --checks ... --region us-east-1
eu-west-1 --output-formats json-ocsf --scan-unused-services` (the seeded security groups,
ACLs and VPCs are attached to nothing; Prowler skips unused resources without that flag).

Measured per child, from `os.wait4` (its own rusage): wall time, CPU time (user + system,
the figure to trust on a shared machine), peak RSS (ru_maxrss); API calls as counted at the
server; and exactness: for each pair, whether the resources the tool flags are exactly the
ones the seeded truth says (compared by resource id, see prowler_map.yaml). Medians over
the rounds are printed.

The seed pins credential dates as of 2026-11-23 (tests/checks/moto_ext.py); both tools
judge them by the machine's clock, so the pinned dates are first moved by the days between
2026-11-23 and today (server certificate expiry dates are not moved: 2026-01-01 and
2027-06-01 read the same on any day in between).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REGIONS = ["us-east-1", "eu-west-1"]
SEED_DAY = dt.date(2026, 11, 23)  # the day tests/checks/seed.py's truth is for
ACCOUNT = "123456789012"
MAP_FILE = Path(__file__).with_name("prowler_map.yaml")


# --- the account ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "_moto_counting_server.py"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", MOTO_EC2_LOAD_DEFAULT_AMIS="false"),
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{url}/bench-calls", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("moto_server did not start")


def calls(url: str, reset: bool = False) -> dict[str, int]:
    request = urllib.request.Request(f"{url}/bench-calls", method="POST" if reset else "GET")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return dict(json.loads(answer.read()))


def seed_account(url: str) -> dict[str, set[str]]:
    """Seed the account straight at moto (not through any tool); the truth, by resource id."""
    os.environ.update(child_env(url))  # the seed reads AWS_ENDPOINT_URL too (s3control host names)
    import boto3

    from tests.checks.seed import seed

    clients: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        if (service, region) not in clients:
            clients[(service, region)] = boto3.client(service, region_name=region)  # type: ignore[call-overload]
        return clients[(service, region)]

    expected = seed(client)
    today = dt.datetime.now(dt.UTC).date()
    shift_pinned_dates(client("iam", "us-east-1"), (today - SEED_DAY).days)
    truth = {check: {resource_id(resource) for resource, _ in found} for check, found in expected.items()}
    truth.setdefault("eks-version", set()).update(eks_versions_ended(client, today))
    return truth


def eks_versions_ended(client: Any, today: dt.date) -> set[str]:
    """The seeded clusters whose Kubernetes version left standard support after the seed's day
    and on or before today (catalogue/eks-versions.yaml): the truth is the account's as of the
    day the benchmark runs, as both tools judge it by the machine's clock (1.34, for one, left
    standard support on 2026-12-02)."""
    import yaml

    table = yaml.safe_load((ROOT / "catalogue" / "eks-versions.yaml").read_text())["eks_versions"]
    ended: set[str] = set()
    for region in REGIONS:
        eks = client("eks", region)
        for name in eks.list_clusters()["clusters"]:
            end = table.get(eks.describe_cluster(name=name)["cluster"]["version"], {}).get("end_of_standard_support")
            if end is not None and SEED_DAY < end <= today:
                ended.add(name)
    return ended


def shift_pinned_dates(iam: Any, days: int) -> None:
    """Move the seed's pinned credential dates (moto_ext's tags and alias) by `days`."""
    if not days:
        return
    sys.path.insert(0, str(ROOT / "tests" / "checks"))
    from moto_ext import KEY_TAG, PASSWORD_USED_TAG, ROOT_ALIAS  # type: ignore[import-not-found]

    def shift(text: str) -> str:
        return re.sub(
            r"\d{4}-\d{2}-\d{2}",
            lambda m: (dt.date.fromisoformat(m.group(0)) + dt.timedelta(days=days)).isoformat(),
            text,
        )

    for user in iam.list_users()["Users"]:
        tags = iam.list_user_tags(UserName=user["UserName"])["Tags"]
        moved = [
            {"Key": t["Key"], "Value": shift(t["Value"])}
            for t in tags
            if t["Key"].startswith(KEY_TAG) or t["Key"] == PASSWORD_USED_TAG
        ]
        if moved:
            iam.tag_user(UserName=user["UserName"], Tags=moved)
    for alias in iam.list_account_aliases()["AccountAliases"]:
        if alias.startswith(ROOT_ALIAS):
            iam.delete_account_alias(AccountAlias=alias)
            iam.create_account_alias(AccountAlias=shift(alias))


def resource_id(resource: str) -> str:
    """A resource's id: the last segment of its ARN (a bucket name, user name, group id ...),
    but family:revision for an ECS task definition (web:1 and worker:1 are not the same)."""
    if ":task-definition/" in resource:
        return resource.split(":task-definition/", 1)[1]
    return re.split(r"[:/]", resource)[-1]


# --- the tools ----------------------------------------------------------------------------


def child_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DEMARC_"))}
    env.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=url,
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/bench-credentials",
        AWS_CONFIG_FILE="/nonexistent/bench-config",
    )
    return env


def prowler_env(url: str) -> dict[str, str]:
    """Prowler's s3control clients send to `<account id>.127.0.0.1`, which does not resolve;
    through the server as an HTTP proxy the request still arrives, and the server drops the
    prefix (benchmarks/_moto_counting_server.py). demarc drops it itself."""
    return dict(child_env(url), HTTP_PROXY=url, http_proxy=url, NO_PROXY="", no_proxy="")


#: Runs one command and writes its own rusage as JSON. The tools are started from this small
#: process, not from the benchmark: Linux carries the high-water RSS of the process image a
#: child was forked from into the child's ru_maxrss (kept across exec), and the benchmark,
#: holding boto3 and the seeding, is bigger than demarc is.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump({"rc": os.waitstatus_to_exitcode(status), "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
               "rss_mib": usage.ru_maxrss / 1024}, out)
"""


def measure(cmd: list[str], env: dict[str, str], url: str, cwd: str) -> dict[str, Any]:
    """Run one child to the end: wall, CPU (user + system) and peak RSS from its own rusage."""
    calls(url, reset=True)
    out, err, usage = Path(cwd, "stdout"), Path(cwd, "stderr"), Path(cwd, "rusage.json")
    with out.open("wb") as stdout, err.open("wb") as stderr:
        subprocess.run(
            [sys.executable, "-S", "-c", LAUNCHER, str(usage), *cmd], stdout=stdout, stderr=stderr, env=env, cwd=cwd
        )
    counted = calls(url)
    result: dict[str, Any] = json.loads(usage.read_text())
    result.update(
        calls=sum(counted.values()),
        by_call=counted,
        stdout=out.read_text(errors="replace"),
        stderr=err.read_text(errors="replace"),
    )
    return result


def demarc_command(src: str | None) -> list[str]:
    script = Path(sys.executable).with_name("demarc")
    if script.exists() and not src:
        return [str(script)]
    return [sys.executable, "-c", "from handlers.cli import main; raise SystemExit(main())"]


def run_demarc(checks: list[str], env: dict[str, str], url: str, work: str, src: str | None) -> dict[str, Any]:
    regions = [arg for r in REGIONS for arg in ("--region", r)]
    if src:
        env = dict(env, PYTHONPATH=src)
    cmd = [*demarc_command(src), "check", "--json", "--no-progress", *regions, *checks]
    result = measure(cmd, env, url, work)
    flagged: dict[str, set[str]] = {}
    errors: dict[str, str] = {}
    for line in result["stdout"].splitlines():
        if line.strip():
            for r in json.loads(line)["results"]:
                flagged[r["check"]] = {resource_id(f["resource"]) for f in r["findings"]}
                if r.get("error"):
                    errors[r["check"]] = r["error"]
    result.update(flagged=flagged, errors=errors)
    return result


def run_prowler(prowler: str, checks: list[str], env: dict[str, str], url: str, work: str) -> dict[str, Any]:
    output = Path(work, "prowler-output")
    shutil.rmtree(output, ignore_errors=True)
    cmd = [
        prowler, "aws", "--checks", *checks, "--region", *REGIONS, "--output-formats", "json-ocsf",
        "--output-directory", str(output), "--output-filename", "bench", "--no-banner", "--no-color",
        "--ignore-exit-code-3", "--scan-unused-services",
    ]  # fmt: skip
    result = measure(cmd, env, url, work)
    fails: dict[str, list[dict[str, Any]]] = {}
    path = output / "bench.ocsf.json"
    for finding in json.loads(path.read_text()) if path.exists() else []:
        if finding.get("status_code") == "FAIL":
            fails.setdefault(finding["metadata"]["event_code"], []).append(finding)
    errors = re.findall(r"Something went wrong in (\S+?),", result["stdout"] + result["stderr"])
    result.update(fails=fails, errors={c: "Prowler: something went wrong" for c in errors})
    return result


def prowler_flagged(pair: dict[str, Any], fails: dict[str, list[dict[str, Any]]]) -> set[str]:
    """The seeded-truth ids a pair's Prowler FAIL findings name (see prowler_map.yaml)."""
    same_as: dict[str, str] = pair.get("same_as") or {}
    out: set[str] = set()
    for check, scope in pair["prowler"].items():
        for finding in fails.get(check, []):
            resource = (finding.get("resources") or [{}])[0]
            if scope == "account":
                out.add(ACCOUNT)
            elif scope == "region":
                out.add(str(resource.get("region", "")))
            else:
                rid = resource_id(str(resource.get("uid", "")))
                out.add(same_as.get(rid, rid))
    return out


# --- the benchmark --------------------------------------------------------------------------


def find_prowler(given: str | None) -> str | None:
    candidate = given or os.environ.get("PROWLER") or shutil.which("prowler")
    if candidate and Path(candidate).exists() and os.access(candidate, os.X_OK):
        return candidate
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prowler", help="the prowler executable (default: $PROWLER, else prowler on PATH)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each tool, alternating (default 3)")
    parser.add_argument("--checks", nargs="*", help="demarc check ids to compare (default: every mapped pair)")
    parser.add_argument(
        "--demarc-src",
        metavar="DIR",
        help="run demarc from another source tree, e.g. an earlier commit: "
        "git archive COMMIT bot handlers catalogue | tar -x -C DIR",
    )
    parser.add_argument("--verbose", action="store_true", help="every pair's differences and API calls by operation")
    args = parser.parse_args()

    prowler = find_prowler(args.prowler)
    if prowler is None:
        print(
            "bench_prowler: Prowler is not installed, nothing measured. Install it in a virtualenv of its "
            "own (python -m venv /opt/prowler && /opt/prowler/bin/pip install prowler) and pass "
            "--prowler /opt/prowler/bin/prowler (or set PROWLER, or put it on PATH)."
        )
        return 0
    import yaml

    pairs: dict[str, dict[str, Any]] = yaml.safe_load(MAP_FILE.read_text())["pairs"]
    if args.checks:
        pairs = {c: pairs[c] for c in args.checks}
    demarc_checks = list(pairs)
    prowler_checks = list(dict.fromkeys(c for p in pairs.values() for c in p["prowler"]))
    version = subprocess.run([prowler, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}; demarc from {args.demarc_src or ROOT}")
    print(f"{len(demarc_checks)} demarc checks <-> {len(prowler_checks)} Prowler checks, regions {', '.join(REGIONS)}")

    proc, url = start_server()
    rounds: dict[str, list[dict[str, Any]]] = {"demarc": [], "Prowler": []}
    try:
        t0 = time.perf_counter()
        truth = seed_account(url)
        print(f"seeded in {time.perf_counter() - t0:.1f}s")
        env = child_env(url)
        with tempfile.TemporaryDirectory(prefix="bench-prowler-") as work:
            # demarc's cache starts empty: its first round parses botocore's models (cold), the
            # later ones read the scan's cut-down models from the cache (warm)
            env["DEMARC_CACHE_DIR"] = str(Path(work, "demarc-cache"))
            for n in range(args.rounds):
                order = ("demarc", "Prowler") if n % 2 == 0 else ("Prowler", "demarc")
                for tool in order:
                    if tool == "demarc":
                        result = run_demarc(demarc_checks, env, url, work, args.demarc_src)
                    else:
                        result = run_prowler(prowler, prowler_checks, prowler_env(url), url, work)
                    if result["rc"] != 0:
                        print(f"{tool} exited {result['rc']}:\n{result['stderr'][-2000:]}")
                        return 1
                    rounds[tool].append(result)
                    cache = (" (cold cache)" if n == 0 else " (warm cache)") if tool == "demarc" else ""
                    print(
                        f"  round {n + 1} {tool:<8} wall {result['wall']:6.1f}s  CPU {result['cpu']:6.2f}s  "
                        f"peak RSS {result['rss_mib']:5.0f} MiB  calls {result['calls']}{cache}"
                    )
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    # exactness, from the last round of each (the findings do not change between rounds)
    exact: dict[str, dict[str, bool]] = {"demarc": {}, "Prowler": {}}
    diffs: list[str] = []
    last_d, last_p = rounds["demarc"][-1], rounds["Prowler"][-1]
    for check, pair in pairs.items():
        want = truth.get(check, set())
        got = {"demarc": last_d["flagged"].get(check, set()), "Prowler": prowler_flagged(pair, last_p["fails"])}
        for tool, flagged in got.items():
            errors = last_d["errors"] if tool == "demarc" else last_p["errors"]
            errored = check in errors if tool == "demarc" else any(c in errors for c in pair["prowler"])
            exact[tool][check] = flagged == want and not errored
            if not exact[tool][check]:
                missed, extra = sorted(want - flagged), sorted(flagged - want)
                note = " (errored)" if errored else ""
                diffs.append(f"  {tool:<8} {check}: missed {missed or '-'}, extra {extra or '-'}{note}")

    def median(tool: str, key: str) -> float:
        return float(statistics.median(r[key] for r in rounds[tool]))

    print()
    print(f"medians of {args.rounds} round(s); CPU = user + system of the child; peak RSS = its ru_maxrss")
    print("| tool | wall | CPU | peak RSS | API calls | exact checks |")
    print("| --- | --- | --- | --- | --- | --- |")
    for tool in ("demarc", "Prowler"):
        print(
            f"| {tool} | {median(tool, 'wall'):.1f} s | {median(tool, 'cpu'):.2f} s | "
            f"{median(tool, 'rss_mib'):.0f} MiB | {median(tool, 'calls'):.0f} | "
            f"{sum(exact[tool].values())} / {len(pairs)} |"
        )
    print(
        f"| Prowler / demarc | x{median('Prowler', 'wall') / median('demarc', 'wall'):.1f} | "
        f"x{median('Prowler', 'cpu') / median('demarc', 'cpu'):.1f} | "
        f"x{median('Prowler', 'rss_mib') / median('demarc', 'rss_mib'):.2f} | "
        f"x{median('Prowler', 'calls') / median('demarc', 'calls'):.1f} | |"
    )
    rss_share = median("demarc", "rss_mib") / median("Prowler", "rss_mib")
    print(f"demarc's peak memory is {rss_share:.2f} of Prowler's (issue 18 bar: at most 0.25)")
    print("\nnot exact against the seeded truth:")
    print("\n".join(diffs) or "  none")
    for tool, result in (("demarc", last_d), ("Prowler", last_p)):
        if result["errors"]:
            print(f"{tool} errors: {result['errors']}")
    if args.verbose:
        for tool, result in (("demarc", last_d), ("Prowler", last_p)):
            print(f"\n{tool} API calls by operation:")
            for name, count in sorted(result["by_call"].items(), key=lambda kv: (-kv[1], kv[0])):
                print(f"  {count:5d}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
