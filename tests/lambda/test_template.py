"""deploy/template.yaml: the checks' permissions are exactly docs/iam-policy.json, and nothing unexpected is granted."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.store.seen_dynamo import TTL_ATTRIBUTE

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"
POLICY = ROOT / "docs" / "iam-policy.json"

#: Everything beyond the checks the template may grant, and why.
EXPECTED_EXTRA = {
    # state: posture runs, posting claims, seen events; item actions only (no Scan, no table admin)
    "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
    "secretsmanager:GetSecretValue",  # the Slack secret
    "lambda:InvokeFunction",  # lazy listeners re-invoke the Slack function (and the Function URL permission)
    "lambda:InvokeFunctionUrl",  # the Function URL's resource policy (AuthType NONE: Slack signs requests)
    "logs:CreateLogStream", "logs:PutLogEvents",  # the functions' own log groups
    "sts:AssumeRole",  # the roles' trust policies; the Organization orchestrator's member role
    "organizations:ListAccounts",  # the Organization orchestrator lists the accounts
    # the Organization state machine runs its Distributed Map's child executions
    "states:StartExecution", "states:DescribeExecution", "states:StopExecution",
}


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short tags (!Ref, !GetAtt, !Sub, ...) as plain data."""


def _short_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


CfnLoader.add_multi_constructor("!", _short_tag)


def load_template() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=CfnLoader)  # a SafeLoader subclass
    return data


def _actions(value: Any) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            out += [(name, s) for s in props["AssumeRolePolicyDocument"]["Statement"]]
            for policy in props.get("Policies", []):
                out += [(name, s) for s in policy["PolicyDocument"]["Statement"]]
        if resource["Type"] == "AWS::Serverless::Function":
            assert "Policies" not in props, f"{name}: SAM policy templates hide their actions; use the role"
            assert "Role" in props, f"{name}: without Role, SAM attaches AWSLambdaBasicExecutionRole"
    return out


def test_shared_statements_are_identical_in_both_roles() -> None:
    by_role: dict[str, dict[str, Any]] = {}
    for role, statement in statements(load_template()):
        if statement.get("Sid") in ("DemarcAccountChecksReadOnly", "DemarcStateTable", "DemarcSlackSecret"):
            by_role.setdefault(statement["Sid"], {})[role] = statement
    assert len(by_role) == 3
    for sid, roles in by_role.items():
        assert roles["SlackFunctionRole"] == roles["PostureFunctionRole"], sid


def every_action(template: dict[str, Any]) -> set[str]:
    actions = {a for _, s in statements(template) for a in _actions(s["Action"])}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Permission":
            actions.add(resource["Properties"]["Action"])
    return actions


def test_checks_statement_is_exactly_the_documented_policy() -> None:
    documented = json.loads(POLICY.read_text())["Statement"]
    [doc] = [s for s in documented if s["Sid"] == "DemarcAccountChecksReadOnly"]
    checks = [(role, s) for role, s in statements(load_template()) if s.get("Sid") == "DemarcAccountChecksReadOnly"]
    assert {role for role, _ in checks} == {"SlackFunctionRole", "PostureFunctionRole"}
    for _, statement in checks:
        assert sorted(_actions(statement["Action"])) == sorted(doc["Action"])
        assert statement["Effect"] == "Allow" and statement["Resource"] == "*"


def test_no_action_beyond_the_checks_and_the_expected_few() -> None:
    documented = set(json.loads(POLICY.read_text())["Statement"][0]["Action"])
    actions = every_action(load_template())
    assert actions - documented - EXPECTED_EXTRA == set()
    assert not any("*" in a for a in actions)


def test_non_check_permissions_are_scoped_to_their_resources() -> None:
    for role, statement in statements(load_template()):
        actions = _actions(statement["Action"])
        if statement.get("Sid") == "DemarcAccountChecksReadOnly" or actions == {"sts:AssumeRole"}:
            continue
        if actions == {"organizations:ListAccounts"}:  # no resource-level permissions
            assert role == "OrgScanRole"
            continue
        assert statement["Resource"] != "*", f"{role}: {sorted(actions)} on *"
        if any(a.startswith("dynamodb:") for a in actions):
            assert statement["Resource"] == {"Fn::GetAtt": ["StateTable", "Arn"]}
        if "secretsmanager:GetSecretValue" in actions:
            assert statement["Resource"] == {"Ref": "SecretArn"}
    roles_invoking = {
        role for role, s in statements(load_template()) if "lambda:InvokeFunction" in _actions(s["Action"])
    }
    assert roles_invoking == {"SlackFunctionRole", "OrgStateMachineRole"}


def test_functions_table_schedule_and_url() -> None:
    template = load_template()
    resources = template["Resources"]
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    # The Lambda runtime is the Python the suite runs on, so CI tests what Lambda will run.
    assert template["Globals"]["Function"]["Runtime"] == f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert resources["SlackFunction"]["Properties"]["Handler"] == "handlers.aws_lambda.slack_handler"
    assert resources["PostureFunction"]["Properties"]["Handler"] == "handlers.aws_lambda.posture_handler"
    assert resources["SlackFunction"]["Properties"]["EventInvokeConfig"]["MaximumRetryAttempts"] == 0
    schedule = resources["PostureFunction"]["Properties"]["Events"]["Daily"]
    assert schedule["Type"] == "Schedule"
    assert schedule["Properties"]["Schedule"] == {"Ref": "PostureSchedule"}
    assert template["Parameters"]["PostureSchedule"]["Default"] == "cron(0 9 * * ? *)"
    assert {"PostureSchedule", "PostureChannel", "CheckChannels", "Regions", "SecretArn"} <= set(template["Parameters"])
    table = resources["StateTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert resources["SlackFunctionUrl"]["Properties"]["AuthType"] == "NONE"
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["DEMARC_STATE"] == {"Fn::Sub": "dynamodb://${StateTable}"}


def test_the_lambda_build_installs_the_runtime_lock() -> None:
    """The Lambda package pins its dependencies exactly as the container image does."""
    build = (Path(__file__).resolve().parents[2] / "deploy" / "build.sh").read_text(encoding="utf-8")
    assert "-r requirements/runtime.lock" in build
    assert "--no-deps deploy/dist/" in build
    runtime = load_template()["Globals"]["Function"]["Runtime"]
    assert f'PYTHON_VERSION="${{PYTHON_VERSION:-{runtime.removeprefix("python")}}}"' in build
