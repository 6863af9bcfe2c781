"""Test-only extension: moto 5 does not implement SSM DescribeInstancePatchStates.

The fake answers from the EC2 backend: an instance tagged `demarc-test:patch` with
"MISSING,FAILED,PENDING_REBOOT" has that patch state; an untagged instance has none
(as if SSM did not manage it). Importing this module installs the fake; the moto_server
subprocess imports it too, so the HTTP test exercises the same behaviour.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.ssm.responses import SimpleSystemManagerResponse

PATCH_TAG = "demarc-test:patch"


def _describe_instance_patch_states(self: Any) -> ActionResult:
    wanted = set(self._get_param("InstanceIds") or [])
    backend = ec2_backends[self.current_account][self.region]
    states = []
    for reservation in backend.reservations.values():
        for instance in reservation.instances:
            if instance.id not in wanted:
                continue
            tags = {t["key"]: t["value"] for t in backend.describe_tags(filters={"resource-id": [instance.id]})}
            if PATCH_TAG not in tags:
                continue
            missing, failed, pending = (int(x) for x in tags[PATCH_TAG].split(","))
            states.append(
                {
                    "InstanceId": instance.id,
                    "PatchGroup": "",
                    "BaselineId": "pb-0123456789abcdef0",
                    "OwnerInformation": "",
                    "InstalledCount": 10,
                    "MissingCount": missing,
                    "FailedCount": failed,
                    "InstalledPendingRebootCount": pending,
                    "NotApplicableCount": 0,
                    "Operation": "Scan",
                    "OperationStartTime": "2026-11-22T00:00:00Z",
                    "OperationEndTime": "2026-11-22T00:05:00Z",
                }
            )
    return ActionResult({"InstancePatchStates": states})


SimpleSystemManagerResponse.describe_instance_patch_states = _describe_instance_patch_states  # type: ignore[attr-defined]


def _only_the_managed_policies_the_tests_attach() -> None:
    """moto builds every AWS managed policy (~1,300, from a 4 MB JSON) for each account of
    each mock; the checks only ever see the ones attached, so load just those. This keeps
    `MOTO_IAM_LOAD_MANAGED_POLICIES=true` semantics (attaching `AdministratorAccess` works
    as on AWS) at a fraction of the cost, in-process and in the moto_server subprocess."""
    import json

    import moto.iam.models as iam_models
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    wanted = ("AdministratorAccess", "ReadOnlyAccess", "IAMReadOnlyAccess", "SecurityAudit", "AWSSupportAccess")
    policies = json.loads(aws_managed_policies_data)
    iam_models.aws_managed_policies_data = json.dumps({name: policies[name] for name in wanted if name in policies})


_only_the_managed_policies_the_tests_attach()


# --- IAM: dates in the credential report and server certificates ---------------------------
#
# moto stamps every key, password and certificate with the wall clock (certificates always
# "expire" in 2012). The seed pins them instead, through data that travels over HTTP too:
# - a user tag `demarc-test:key<N>` = "<last rotated>/<last used or N/A>" (ISO dates);
# - a user tag `demarc-test:password-used` = "<ISO date>";
# - the account alias `demarc-test-root-used-<YYYY-MM-DD>`: the report's <root_account> row
#   (moto has none) with that password_last_used ("no_information" without such alias);
# - a server certificate path `/expires/<YYYY-MM-DD>/`: its Expiration.

KEY_TAG = "demarc-test:key"
PASSWORD_USED_TAG = "demarc-test:password-used"
ROOT_ALIAS = "demarc-test-root-used-"
_HEADER_FIELDS = 22


def _iso(date: str) -> str:
    return date if date == "N/A" else f"{date}T00:00:00+00:00"


def _credential_report_with_pinned_dates(self: Any) -> str:
    report = _original_credential_report(self)
    lines = report.splitlines()
    header, rows = lines[0], lines[1:]
    names = header.split(",")
    out = [header]
    alias = next((a for a in self.account_aliases if a.startswith(ROOT_ALIAS)), None)
    root = ["<root_account>", f"arn:aws:iam::{self.account_id}:root", "2020-01-01T00:00:00+00:00", "not_supported"]
    root += [_iso(alias[len(ROOT_ALIAS) :]) if alias else "no_information", "not_supported", "not_supported"]
    root += ["false", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A"]
    root += ["false", "N/A", "false", "N/A"]
    out.append(",".join(root[:_HEADER_FIELDS]))
    for line in rows:
        fields = dict(zip(names, line.split(","), strict=False))
        tags = {t["Key"]: t["Value"] for t in self.list_user_tags(fields["user"])}
        if PASSWORD_USED_TAG in tags:
            fields["password_last_used"] = _iso(tags[PASSWORD_USED_TAG])
        for slot in (1, 2):
            if f"{KEY_TAG}{slot}" in tags:
                rotated, used = tags[f"{KEY_TAG}{slot}"].split("/", 1)
                fields[f"access_key_{slot}_last_rotated"] = _iso(rotated)
                fields[f"access_key_{slot}_last_used_date"] = _iso(used)
                if fields["password_enabled"] == "true":
                    fields["password_last_changed"] = _iso(rotated)
        out.append(",".join(fields[n] for n in names))
    return "\n".join(out) + "\n"


def _list_server_certificates_with_expiry(self: Any) -> ActionResult:
    result = _original_list_server_certificates(self)
    data: Any = result.result
    for meta in data["ServerCertificateMetadataList"]:
        path = str(meta.get("Path", ""))
        if path.startswith("/expires/"):
            meta["Expiration"] = f"{path.split('/')[2]}T00:00:00Z"
    return result


from moto.iam.models import IAMBackend  # noqa: E402
from moto.iam.responses import IamResponse  # noqa: E402

_original_credential_report = IAMBackend.get_credential_report
IAMBackend.get_credential_report = _credential_report_with_pinned_dates  # type: ignore[method-assign]
_original_list_server_certificates = IamResponse.list_server_certificates
IamResponse.list_server_certificates = _list_server_certificates_with_expiry  # type: ignore[method-assign]


# --- EC2: DescribeSnapshots RestorableByUserIds ------------------------------------------------
#
# moto ignores RestorableByUserIds (and so lists every snapshot); AWS answers
# RestorableByUserIds=["all"] with only the snapshots anyone may restore.


def _describe_snapshots_restorable_by(self: Any) -> ActionResult:
    result = _original_describe_snapshots(self)
    wanted = set(self._get_param("RestorableByUserIds", []))
    if not wanted:
        return result
    data: Any = result.result
    data["Snapshots"] = [
        s
        for s in data["Snapshots"]
        if ("all" in wanted and "all" in s.create_volume_permission_groups)
        or (wanted & set(s.create_volume_permission_userids))
    ]
    return result


from moto.ec2.responses.elastic_block_store import ElasticBlockStore  # noqa: E402

_original_describe_snapshots = ElasticBlockStore.describe_snapshots
ElasticBlockStore.describe_snapshots = _describe_snapshots_restorable_by  # type: ignore[method-assign]


# --- IAM Access Analyzer: moto 5 has no backend ------------------------------------------------
#
# A minimal one, registered as the module `moto.accessanalyzer` so that both the in-process mock
# (moto's URL index) and moto_server (the same index, by the request's signing name) route
# CreateAnalyzer and ListAnalyzers here: analyzers per account and region, always ACTIVE.

import json as _json  # noqa: E402
import re as _re  # noqa: E402
import sys as _sys  # noqa: E402
import types as _types  # noqa: E402

from moto import backend_index as _backend_index  # noqa: E402
from moto.core.base_backend import BackendDict as _BackendDict  # noqa: E402
from moto.core.base_backend import BaseBackend as _BaseBackend  # noqa: E402
from moto.core.responses import BaseResponse as _BaseResponse  # noqa: E402


class AccessAnalyzerBackend(_BaseBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.analyzers: dict[str, dict[str, Any]] = {}


class AccessAnalyzerResponse(_BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="accessanalyzer")

    def analyzers(self) -> str:
        backend = accessanalyzer_backends[self.current_account][self.region]
        if self.method == "PUT":
            body = _json.loads(self.body or "{}")
            name = body["analyzerName"]
            arn = f"arn:aws:access-analyzer:{self.region}:{self.current_account}:analyzer/{name}"
            backend.analyzers[name] = {
                "arn": arn,
                "name": name,
                "type": body.get("type", "ACCOUNT"),
                "createdAt": "2026-01-01T00:00:00Z",
                "status": "ACTIVE",
            }
            return _json.dumps({"arn": arn})
        wanted = self.querystring.get("type", [None])[0]
        found = [a for a in backend.analyzers.values() if wanted in (None, a["type"])]
        return _json.dumps({"analyzers": found})

    @classmethod
    def dispatch_analyzers(cls, request: Any, full_url: str, headers: Any) -> Any:
        response = cls()
        response.setup_class(request, full_url, headers)
        return 200, {"Content-Type": "application/json"}, response.analyzers()


AccessAnalyzerBackend.__module__ = "moto.accessanalyzer.models"
_url_base = r"https?://access-analyzer\.(.+)\.amazonaws\.com"
_package = _types.ModuleType("moto.accessanalyzer")
_models = _types.ModuleType("moto.accessanalyzer.models")
_urls = _types.ModuleType("moto.accessanalyzer.urls")
_urls.url_bases = [_url_base]  # type: ignore[attr-defined]
_urls.url_paths = {"{0}/analyzer$": AccessAnalyzerResponse.dispatch_analyzers}  # type: ignore[attr-defined]
accessanalyzer_backends = _BackendDict(AccessAnalyzerBackend, "accessanalyzer")
_models.accessanalyzer_backends = accessanalyzer_backends  # type: ignore[attr-defined]
_package.accessanalyzer_backends = accessanalyzer_backends  # type: ignore[attr-defined]
_package.models = _models  # type: ignore[attr-defined]
_package.urls = _urls  # type: ignore[attr-defined]
_sys.modules.update({"moto.accessanalyzer": _package, "moto.accessanalyzer.models": _models})
_sys.modules["moto.accessanalyzer.urls"] = _urls
if not any(name == "accessanalyzer" for name, _ in _backend_index.backend_url_patterns):
    _backend_index.backend_url_patterns.append(("accessanalyzer", _re.compile(_url_base)))


# --- ECS: DescribeTaskDefinition by family name -------------------------------------------------
#
# AWS answers a bare family name with the latest ACTIVE revision; moto answers with the latest
# revision even when it was deregistered (INACTIVE).

from moto.ecs.models import EC2ContainerServiceBackend  # noqa: E402

_original_describe_task_definition = EC2ContainerServiceBackend.describe_task_definition


def _describe_latest_active_task_definition(self: Any, task_definition_str: str) -> Any:
    name = task_definition_str.split("/")[-1]
    if ":" not in name and name in self.task_definitions:
        active = [rev for rev, td in self.task_definitions[name].items() if td.status == "ACTIVE"]
        if active:
            return self.task_definitions[name][max(active)]
    return _original_describe_task_definition(self, task_definition_str)


EC2ContainerServiceBackend.describe_task_definition = _describe_latest_active_task_definition  # type: ignore[method-assign]
