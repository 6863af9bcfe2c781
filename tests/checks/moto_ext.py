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

    wanted = ("AdministratorAccess", "ReadOnlyAccess", "IAMReadOnlyAccess", "SecurityAudit")
    policies = json.loads(aws_managed_policies_data)
    iam_models.aws_managed_policies_data = json.dumps({name: policies[name] for name in wanted if name in policies})


_only_the_managed_policies_the_tests_attach()
