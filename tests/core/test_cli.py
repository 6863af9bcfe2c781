"""The `demarc` command end to end, as a subprocess, the way users and scripts run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.grading import SHARED_DEV_SET, read_questions

pytestmark = pytest.mark.slow


def demarc(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("DEMARC_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, env=full_env, timeout=60
    )


def test_ask_prints_owner_breakdown_and_sources() -> None:
    result = demarc("ask", "who patches the OS on Fargate?")
    assert result.returncode == 0, result.stderr
    assert "AWS Fargate / Operating system: AWS" in result.stdout
    assert "Breakdown" in result.stdout and "Customer:" in result.stdout
    assert "https://docs.aws.amazon.com/" in result.stdout


def test_ask_json_matches_the_contract() -> None:
    result = demarc("ask", "--json", "who patches the OS on Fargate?")
    answer = json.loads(result.stdout)
    assert set(answer) >= {"question", "match", "breakdown", "alternatives", "check"}
    assert answer["match"]["service"] == "fargate" and answer["match"]["owner"] == "aws"


def test_ask_json_lines_from_stdin_in_order() -> None:
    questions = ["who patches the OS on Fargate?", "", "good morning", "are any of our buckets public?"]
    result = demarc("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == questions
    assert answers[1]["match"] is None and answers[2]["match"] is None
    assert answers[3]["check"] == "s3-public-access"


@pytest.mark.skipif(not SHARED_DEV_SET.exists(), reason="shared dev set not present")
def test_whole_dev_set_through_stdin() -> None:
    rows = read_questions(SHARED_DEV_SET)
    result = demarc("ask", "--json", "-", stdin="\n".join(r["question"] for r in rows) + "\n")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == len(rows)


def test_compare_shows_where_fargate_and_lambda_differ() -> None:
    result = demarc("compare", "fargate", "lambda", "--json")
    comparison = json.loads(result.stdout)
    assert comparison["services"] == ["fargate", "lambda"]
    assert {row["topic"] for row in comparison["differences"]}
    text = demarc("compare", "farget", "lamda").stdout
    assert "AWS Fargate vs AWS Lambda" in text


@pytest.mark.parametrize(
    "args",
    [
        ("ask", ""),
        ("ask",),
        ("compare", "fargate"),
        ("compare", "fargate", "azure-functions"),
        ("check", "--nope"),
        ("nonsense",),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: tuple[str, ...]) -> None:
    result = demarc(*args)
    assert result.returncode == 2, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_catalogue_validate_builtin_and_broken(tmp_path: Path) -> None:
    ok = demarc("catalogue", "validate", "catalogue")
    assert ok.returncode == 0 and ok.stdout.startswith("ok: ")
    (tmp_path / "broken.yaml").write_text("service: s3\ncells:\n  data:\n    owner: maybe\n", encoding="utf-8")
    bad = demarc("catalogue", "validate", str(tmp_path))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "broken.yaml: cells.s3.data: owner 'maybe' is not one of aws, customer, shared" in bad.stderr


def test_broken_user_catalogue_stops_ask_with_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("teams: [1, 2\n", encoding="utf-8")
    result = demarc("ask", "who patches ec2?", env={"DEMARC_CATALOGUE": str(tmp_path)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "broken.yaml: line" in result.stderr


def test_team_mapping_is_shown(tmp_path: Path) -> None:
    (tmp_path / "teams.yaml").write_text("teams:\n  os-patching: '@platform-oncall'\n", encoding="utf-8")
    env = {"DEMARC_CATALOGUE": str(tmp_path)}
    text = demarc("ask", "who patches the OS on our EC2 instances?", env=env).stdout
    assert "Your team: @platform-oncall" in text
    answer = json.loads(demarc("ask", "--json", "who patches the OS on our EC2 instances?", env=env).stdout)
    assert answer["match"]["team"] == "@platform-oncall"


@pytest.mark.parametrize("entry", ["bot.cli", "handlers.cli"])
@pytest.mark.parametrize("cache", ["warm", "cold"])
def test_ask_does_not_import_boto3_slack_sklearn_numpy_or_plotting(entry: str, cache: str, tmp_path: Path) -> None:
    """Neither answering nor building the index (training the layer model, reading botocore's
    product names), from the core CLI or the console script, imports boto3, botocore, Slack,
    scikit-learn, numpy or a picture library."""
    probe = (
        "import sys, runpy; sys.argv = ['demarc', 'ask', '--json', 'who patches the OS on Fargate?'];\n"
        f"from {entry} import main; code = main();\n"
        "roots = ('boto3', 'botocore', 'slack_bolt', 'slack_sdk', 'sklearn', 'numpy', 'scipy', 'matplotlib', 'PIL');\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in roots);\n"
        "print('HEAVY', heavy, file=sys.stderr); raise SystemExit(code)"
    )
    env = {**os.environ, "DEMARC_NO_CACHE": "1"} if cache == "cold" else None
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stderr


def test_the_lambda_handlers_load_no_plotting_library() -> None:
    """The Lambda cold start (both handlers, the Bolt app and its listeners) stays free of matplotlib."""
    probe = (
        "import sys; import handlers.aws_lambda, handlers.app, handlers.listeners, handlers.pictures;\n"
        "import handlers.posture.post;\n"
        "roots = ('matplotlib', 'PIL', 'numpy');\n"
        "print('HEAVY', sorted(m for m in sys.modules if m.split('.')[0] in roots), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stderr


def test_explain_shows_what_was_recognised() -> None:
    result = demarc("ask", "--explain", "k8s masters on eks - who patches them?")
    assert result.returncode == 0
    assert "How demarc read it:" in result.stdout
    assert "'k8s master': topic control-plane" in result.stdout
