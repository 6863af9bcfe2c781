"""An offline sample AWS account: real boto3 clients whose calls are answered locally.

`demarc demo` shows a scan without an AWS account, and the scan must be the real one:
the same runner, loaders, paginators, parameter validation and error handling as
`demarc check`, or the demo would show something the product does not do. So only the
last step is replaced: a botocore `before-call` handler answers each operation from
`bot/sample_account.yaml` and botocore, seeing an answer, skips the HTTP request
(`BaseClient._make_api_call` uses `emit_until_response("before-call...")`). Errors are
answered the way AWS answers them (an HTTP status and an error code), so the loaders'
"absent" and "gone" handling runs too.

The session is sealed off from the machine it runs on: static fake credentials (no
credential chain, no instance metadata request), and every botocore setting pinned to its
built-in default, so neither the user's environment (AWS_PROFILE, AWS_ENDPOINT_URL ...)
nor their ~/.aws files can change or break the demo. Nothing is written anywhere.

An operation (or a parameter) the sample does not know raises `UnknownSampleOperation`
naming it, rather than answering with an empty list: a new check must not pass the demo
and the sync test by silently reading no data.

Public API: `sample_session_factory()`, `SAMPLE_REGIONS`, `sample_account_data()`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.model import OperationModel

    from bot.checks.session import SessionFactory

__all__ = [
    "DATA_FILE",
    "SAMPLE_REGIONS",
    "SERVED_OPERATIONS",
    "SampleAccount",
    "UnknownSampleOperation",
    "sample_account_data",
    "sample_session_factory",
]

#: The regions the sample account has data for, the first one its home region.
SAMPLE_REGIONS: tuple[str, ...] = ("us-east-1", "eu-west-1")

#: Where the sample account is described (shipped in the wheel next to this package).
DATA_FILE = Path(__file__).resolve().parent.parent / "sample_account.yaml"

# AWS's documented example key pair: well known, never valid, so nothing can be signed
# with it that would work anywhere (and nothing is ever sent).
_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

# Where the parameters of the call in flight are kept between the two events (the
# `before-call` event only sees the serialised HTTP request, not the API parameters).
_PARAMS_KEY = "demarc_sample_params"

# Paging parameters: the sample answers everything in one page, as AWS does for
# result sets smaller than a page, so these are accepted and need no handling.
_PAGING = frozenset({"MaxResults", "NextToken", "Marker", "MaxItems", "MaxRecords", "MaxBuckets", "ContinuationToken"})

# A fixed moment for the timestamps AWS always returns, so the output never changes.
_CREATED = dt.datetime(2023, 3, 14, 9, 26, 53, tzinfo=dt.UTC)
_INSTANCE_STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


class UnknownSampleOperation(LookupError):
    """The sample account cannot answer this call; the message names the operation."""


class _ApiError(Exception):
    """An error answer, shaped like the one AWS sends (turned into a botocore ClientError)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


Handler = Callable[["SampleAccount", str, dict[str, Any]], dict[str, Any]]
_HANDLERS: dict[tuple[str, str], tuple[frozenset[str], Handler]] = {}


def _serves(service: str, operation: str, *params: str) -> Callable[[Handler], Handler]:
    """Register the answer to `service:operation`, accepting `params` besides paging."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[(service, operation)] = (frozenset(params) | _PAGING, fn)
        return fn

    return register


@lru_cache(maxsize=1)
def _parsed_data() -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 10x faster
    data = yaml.load(DATA_FILE.read_text(encoding="utf-8"), Loader=loader)
    if not isinstance(data, dict):
        raise ValueError(f"{DATA_FILE}: expected a mapping at the top level")
    return data


def sample_account_data() -> dict[str, Any]:
    """A fresh copy of the sample account (a caller may change it, e.g. for a "next day")."""
    return copy.deepcopy(_parsed_data())


def sample_session_factory(data: Mapping[str, Any] | None = None) -> SessionFactory:
    """A `run_scan` session factory for the sample account (or for `data` shaped like it)."""
    account = SampleAccount(sample_account_data() if data is None else data)
    return account.session


@lru_cache(maxsize=1)
def _shared_loader() -> Any:
    """One botocore data loader for every sample session: a service model (EC2's is large)
    is read and parsed once per process, not once per scan (the demo scans twice)."""
    from botocore.loaders import create_loader

    return create_loader()


class SampleAccount:
    """One sample account's data and the answers to every operation the checks make."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        # A private copy: answers are read from several worker threads and must not change.
        self.data: dict[str, Any] = copy.deepcopy(dict(data))
        regions = tuple(self.data.get("regions", {}))
        if regions != SAMPLE_REGIONS:
            raise ValueError(f"sample account regions are {regions}, expected {SAMPLE_REGIONS}")
        self.account_id = str(self.data["account_id"])

    # -- the boto3 session ---------------------------------------------------------

    def session(self) -> boto3.Session:
        """A boto3 Session whose clients answer from this account and never use the network."""
        import boto3
        import botocore.session
        from botocore.configprovider import ConstantProvider

        core = botocore.session.Session()
        core.register_component("data_loader", _shared_loader())
        # Every setting at botocore's built-in default, so no environment variable or
        # ~/.aws file is read; `s3` and `proxies_config` are config-file sections.
        store = core.get_component("config_store")
        pinned: dict[str, Any] = {name: options[2] for name, options in core.session_var_map.items()}
        pinned.update(
            profile=None,
            region=SAMPLE_REGIONS[0],
            config_file=os.devnull,
            credentials_file=os.devnull,
            ignore_configured_endpoint_urls=True,
            s3={},
            proxies_config={},
        )
        for name, value in pinned.items():
            store.set_config_provider(name, ConstantProvider(value))
        core.register("before-parameter-build", self._remember_params, unique_id="demarc-sample-params")
        core.register("before-call", self._answer, unique_id="demarc-sample-answer")
        session = boto3.Session(
            botocore_session=core,
            aws_access_key_id=_ACCESS_KEY,
            aws_secret_access_key=_SECRET_KEY,
            region_name=SAMPLE_REGIONS[0],
        )
        # boto3 appends its own data directory to the loader on every Session: keep one.
        paths = core.get_component("data_loader").search_paths
        paths[:] = list(dict.fromkeys(paths))
        return session

    @staticmethod
    def _remember_params(**kwargs: Any) -> None:
        """`before-parameter-build`: keep the API parameters for `_answer` (same call context)."""
        kwargs["context"][_PARAMS_KEY] = copy.deepcopy(kwargs["params"])

    def _answer(self, **kwargs: Any) -> Any:
        """`before-call`: (HTTP response, parsed response), so botocore sends no request."""
        return self._answer_call(kwargs["model"], kwargs["params"], kwargs["context"])

    def _answer_call(
        self, model: OperationModel, request: Mapping[str, Any], context: dict[str, Any]
    ) -> tuple[AWSResponse, dict[str, Any]]:
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders

        service = model.service_model.service_name
        region = str(context.get("client_region") or SAMPLE_REGIONS[0])
        try:
            status, parsed = 200, self.respond(service, model.name, region, context.get(_PARAMS_KEY, {}))
        except _ApiError as exc:
            status, parsed = exc.status, {"Error": {"Code": exc.code, "Message": exc.message}}
        parsed["ResponseMetadata"] = {
            "RequestId": "demarc-sample",
            "HTTPStatusCode": status,
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        }
        # The URL botocore resolved for the request (never contacted), as a real response has.
        return AWSResponse(str(request.get("url", "")), status, HTTPHeaders(), None), parsed

    def respond(self, service: str, operation: str, region: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parsed response to one call (raises `_ApiError` for an AWS error answer)."""
        entry = _HANDLERS.get((service, operation))
        if entry is None:
            raise UnknownSampleOperation(
                f"the sample account does not answer {service}:{operation}; "
                f"add it to bot/checks/sample.py and bot/sample_account.yaml"
            )
        accepted, handler = entry
        unknown = sorted(set(params) - accepted)
        if unknown:
            raise UnknownSampleOperation(
                f"the sample account cannot answer {service}:{operation} with {', '.join(unknown)}; "
                f"teach bot/checks/sample.py that parameter"
            )
        return handler(self, region, dict(params))

    # -- helpers for the handlers ----------------------------------------------------

    def region(self, region: str) -> dict[str, Any]:
        """One region's data (an unknown region is an error, never an empty region)."""
        regions: dict[str, dict[str, Any]] = self.data["regions"]
        if region not in regions:
            raise UnknownSampleOperation(
                f"the sample account has no data for region {region} (it has {', '.join(regions)})"
            )
        return regions[region]

    def region_data(self, region: str, key: str) -> list[dict[str, Any]]:
        """One region's list of things of one kind (volumes, functions ...)."""
        items: list[dict[str, Any]] = self.region(region).get(key) or []
        return items

    def arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:aws:{service}:{region}:{self.account_id}:{resource}"

    def user(self, name: str) -> dict[str, Any]:
        for user in self.data["iam"]["users"]:
            if user["name"] == name:
                found: dict[str, Any] = user
                return found
        raise _ApiError("NoSuchEntity", f"The user with name {name} cannot be found.", 404)

    def bucket(self, name: str, region: str) -> dict[str, Any]:
        """A bucket, asked for in its own region (elsewhere S3 answers with a redirect)."""
        for bucket in self.data["s3"]["buckets"]:
            if bucket["name"] == name:
                if bucket["region"] != region:
                    raise _ApiError(
                        "PermanentRedirect",
                        f"The bucket you are attempting to access must be addressed using the "
                        f"specified endpoint ({bucket['region']}).",
                        301,
                    )
                found: dict[str, Any] = bucket
                return found
        raise _ApiError("NoSuchBucket", "The specified bucket does not exist", 404)

    def function(self, region: str, name_or_arn: str) -> dict[str, Any]:
        name = name_or_arn.rsplit(":function:", 1)[-1].split(":", 1)[0]
        for fn in self.region_data(region, "functions"):
            if fn["name"] == name:
                return fn
        raise _ApiError(
            "ResourceNotFoundException", f"Function not found: {self.arn('lambda', region, 'function:' + name)}", 404
        )

    def trail_arn(self, trail: Mapping[str, Any]) -> str:
        return self.arn("cloudtrail", str(trail["HomeRegion"]), f"trail/{trail['Name']}")


def _api_keys(item: Mapping[str, Any]) -> dict[str, Any]:
    """The AWS fields of a YAML entry: CamelCase keys are AWS's, lower-case ones the file's own."""
    return {k: copy.deepcopy(v) for k, v in item.items() if k[:1].isupper()}


def _iam_document(document: Mapping[str, Any]) -> str:
    """A policy document as IAM sends it: URL-encoded JSON (botocore decodes it back)."""
    return quote(json.dumps(document, separators=(",", ":")))


# -- STS -------------------------------------------------------------------------------


@_serves("sts", "GetCallerIdentity")
def _caller_identity(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    caller = acct.data["caller"]
    return {"UserId": caller["UserId"], "Account": acct.account_id, "Arn": caller["Arn"]}


# -- IAM (account-wide: the inventory asks through its home region) -------------------------


@_serves("iam", "GetAccountPasswordPolicy")
def _password_policy(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    policy = acct.data["iam"].get("password_policy")
    if policy is None:
        raise _ApiError("NoSuchEntity", f"The Password Policy with domain name {acct.account_id} cannot be found.", 404)
    return {"PasswordPolicy": dict(policy)}


@_serves("iam", "GetAccountSummary")
def _account_summary(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"SummaryMap": dict(acct.data["iam"]["summary"])}


@_serves("iam", "GetAccountAuthorizationDetails", "Filter")
def _authorization_details(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    wanted = set(params.get("Filter") or ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"])
    unknown = sorted(wanted - {"User", "LocalManagedPolicy"})
    if unknown:
        # Roles, groups and AWS managed policies are not described: an empty list would lie.
        raise UnknownSampleOperation(
            f"the sample account answers iam:GetAccountAuthorizationDetails only for Filter "
            f"User and LocalManagedPolicy, not {', '.join(unknown)}"
        )
    iam = acct.data["iam"]
    policies = {f"arn:aws:iam::{acct.account_id}:policy/{p['name']}": p for p in iam.get("policies", [])}
    attached = [arn for u in iam["users"] for arn in u.get("attached_policies", [])]
    users = [
        {
            "Path": "/",
            "UserName": u["name"],
            "UserId": u["id"],
            "Arn": f"arn:aws:iam::{acct.account_id}:user/{u['name']}",
            "CreateDate": _CREATED,
            "UserPolicyList": [],
            "GroupList": [],
            "AttachedManagedPolicies": [
                {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn} for arn in u.get("attached_policies", [])
            ],
            "Tags": [],
        }
        for u in iam["users"]
    ]
    managed = [
        {
            "PolicyName": p["name"],
            "PolicyId": p["id"],
            "Arn": arn,
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": attached.count(arn),
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": _CREATED,
            "UpdateDate": _CREATED,
            "PolicyVersionList": [
                {
                    "Document": _iam_document(p["document"]),
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                    "CreateDate": _CREATED,
                }
            ],
        }
        for arn, p in policies.items()
    ]
    return {
        "UserDetailList": users if "User" in wanted else [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": managed if "LocalManagedPolicy" in wanted else [],
        "IsTruncated": False,
    }


@_serves("iam", "GenerateCredentialReport")
def _generate_credential_report(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"State": "COMPLETE"}


@_serves("iam", "GetLoginProfile", "UserName")
def _login_profile(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    user = acct.user(str(params.get("UserName")))
    if not user.get("console_password"):
        raise _ApiError("NoSuchEntity", f"Login Profile for User {user['name']} cannot be found.", 404)
    return {"LoginProfile": {"UserName": user["name"], "CreateDate": _CREATED, "PasswordResetRequired": False}}


@_serves("iam", "ListMFADevices", "UserName")
def _mfa_devices(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    user = acct.user(str(params.get("UserName")))
    devices = [
        {"UserName": user["name"], "SerialNumber": serial, "EnableDate": _CREATED}
        for serial in user.get("mfa_devices", [])
    ]
    return {"MFADevices": devices, "IsTruncated": False}


_REPORT_FIELDS = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


@_serves("iam", "GetCredentialReport")
def _credential_report(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """The report from the users' `credentials` (dates; N/A where not given); root never used."""
    created = "2025-01-06T09:00:00+00:00"
    root = ["<root_account>", f"arn:aws:iam::{acct.account_id}:root", created, "not_supported", "no_information"]
    root += ["not_supported", "not_supported", "true"] + ["false", "N/A", "N/A", "N/A", "N/A"] * 2
    rows = [",".join([*root, "false", "N/A", "false", "N/A"])]
    for user in acct.data["iam"]["users"]:
        cred = user.get("credentials", {})
        keys = [cred.get("key1"), cred.get("key2")]
        row = [user["name"], f"arn:aws:iam::{acct.account_id}:user/{user['name']}", created]
        if user.get("console_password"):
            row += ["true", cred.get("password_last_used", "no_information"), created, "N/A"]
        else:
            row += ["false", "not_supported", "N/A", "N/A"]
        row.append("true" if user.get("mfa_devices") else "false")
        for key in keys:
            if key:
                row += ["true", key["rotated"], key.get("used", "N/A"), "us-east-1", "s3"]
            else:
                row += ["false", "N/A", "N/A", "N/A", "N/A"]
        rows.append(",".join([*row, "false", "N/A", "false", "N/A"]))
    content = "\n".join([_REPORT_FIELDS, *rows]).encode("utf-8")
    return {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": _CREATED}


@_serves("iam", "ListEntitiesForPolicy", "PolicyArn", "EntityFilter")
def _entities_for_policy(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    roles = acct.data["iam"].get("roles_by_policy", {}).get(str(params.get("PolicyArn")), [])
    return {
        "PolicyGroups": [],
        "PolicyUsers": [],
        "PolicyRoles": [{"RoleName": name, "RoleId": f"AROA{name.upper()[:16]:0<17}"} for name in roles],
        "IsTruncated": False,
    }


@_serves("iam", "ListServerCertificates")
def _server_certificates(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    certs = [
        {
            "Path": "/",
            "ServerCertificateName": c["name"],
            "ServerCertificateId": c["id"],
            "Arn": f"arn:aws:iam::{acct.account_id}:server-certificate/{c['name']}",
            "UploadDate": _CREATED,
            "Expiration": dt.datetime.fromisoformat(c["expires"]),
        }
        for c in acct.data["iam"].get("server_certificates", [])
    ]
    return {"ServerCertificateMetadataList": certs, "IsTruncated": False}


# -- S3 (ListBuckets reports each bucket's region; bucket calls go to that region) -------


@_serves("s3", "ListBuckets")
def _list_buckets(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    s3 = acct.data["s3"]
    buckets = [{"Name": b["name"], "CreationDate": _CREATED, "BucketRegion": b["region"]} for b in s3["buckets"]]
    return {"Buckets": buckets, "Owner": dict(s3["owner"])}


@_serves("s3control", "GetPublicAccessBlock", "AccountId")
def _account_public_access_block(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("AccountId") != acct.account_id:
        raise _ApiError("AccessDenied", "Access Denied", 403)
    config = acct.data["s3"].get("account_public_access_block")
    if config is None:
        raise _ApiError(
            "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404
        )
    return {"PublicAccessBlockConfiguration": dict(config)}


@_serves("s3", "GetPublicAccessBlock", "Bucket")
def _bucket_public_access_block(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    config = acct.bucket(str(params.get("Bucket")), region).get("public_access_block")
    if config is None:
        raise _ApiError(
            "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404
        )
    return {"PublicAccessBlockConfiguration": dict(config)}


@_serves("s3", "GetBucketAcl", "Bucket")
def _bucket_acl(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    bucket = acct.bucket(str(params.get("Bucket")), region)
    owner = dict(acct.data["s3"]["owner"])
    grants: list[dict[str, Any]] = [
        {"Grantee": {"Type": "CanonicalUser", **owner}, "Permission": "FULL_CONTROL"},
    ]
    grants += [
        {"Grantee": {"Type": "Group", "URI": _ALL_USERS}, "Permission": permission}
        for permission in bucket.get("public_acl", [])
    ]
    return {"Owner": owner, "Grants": grants}


@_serves("s3", "GetBucketPolicy", "Bucket")
def _bucket_policy(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    policy = acct.bucket(str(params.get("Bucket")), region).get("policy")
    if policy is None:
        raise _ApiError("NoSuchBucketPolicy", "The bucket policy does not exist", 404)
    return {"Policy": json.dumps(policy)}


@_serves("s3", "GetBucketEncryption", "Bucket")
def _bucket_encryption(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    algorithm = acct.bucket(str(params.get("Bucket")), region).get("encryption")
    if algorithm is None:
        raise _ApiError(
            "ServerSideEncryptionConfigurationNotFoundError",
            "The server side encryption configuration was not found",
            404,
        )
    default: dict[str, Any] = {"SSEAlgorithm": algorithm}
    if algorithm == "aws:kms":
        default["KMSMasterKeyID"] = acct.arn("kms", region, "alias/acme-data")
    rule = {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": algorithm == "aws:kms"}
    return {"ServerSideEncryptionConfiguration": {"Rules": [rule]}}


@_serves("s3", "GetBucketVersioning", "Bucket")
def _bucket_versioning(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """`versioning`: Enabled, Suspended or absent (never enabled); `mfa_delete`: true when on."""
    bucket = acct.bucket(str(params.get("Bucket")), region)
    out: dict[str, Any] = {}
    if bucket.get("versioning"):
        out["Status"] = bucket["versioning"]
        out["MFADelete"] = "Enabled" if bucket.get("mfa_delete") else "Disabled"
    return out


def _access_points_in(acct: SampleAccount, region: str) -> list[dict[str, Any]]:
    return [p for p in acct.data["s3"].get("access_points", []) if p["region"] == region]


@_serves("s3control", "ListAccessPoints", "AccountId", "MaxResults", "NextToken")
def _list_access_points(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    points = [
        {
            "Name": p["name"],
            "NetworkOrigin": "Internet",
            "Bucket": p["bucket"],
            "AccessPointArn": acct.arn("s3", region, f"accesspoint/{p['name']}"),
        }
        for p in _access_points_in(acct, region)
    ]
    return {"AccessPointList": points}


@_serves("s3control", "GetAccessPoint", "AccountId", "Name")
def _access_point(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    for p in _access_points_in(acct, region):
        if p["name"] == params.get("Name"):
            return {
                "Name": p["name"],
                "Bucket": p["bucket"],
                "NetworkOrigin": "Internet",
                "PublicAccessBlockConfiguration": dict(p["public_access_block"]),
                "CreationDate": _CREATED,
            }
    raise _ApiError("NoSuchAccessPoint", "The specified accesspoint does not exist", 404)


# -- EC2 and SSM (per region) -------------------------------------------------------------


@_serves("ec2", "GetEbsEncryptionByDefault")
def _ebs_default(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "EbsEncryptionByDefault": bool(acct.region(region)["ebs_encryption_by_default"]),
        "SseType": "sse-ebs",
    }


@_serves("ec2", "DescribeVolumes")
def _volumes(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    volumes = [{**_api_keys(v), "CreateTime": _CREATED, "Attachments": []} for v in acct.region_data(region, "volumes")]
    return {"Volumes": volumes}


@_serves("ec2", "DescribeSecurityGroups")
def _security_groups(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    groups = []
    for g in acct.region_data(region, "security_groups"):
        group = _api_keys(g)
        for rule in group.get("IpPermissions", []):
            # AWS always sends the four source lists, empty when unused.
            for key in ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"):
                rule.setdefault(key, [])
        group["OwnerId"] = acct.account_id
        group["SecurityGroupArn"] = acct.arn("ec2", region, f"security-group/{group['GroupId']}")
        group["IpPermissionsEgress"] = [
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        ]
        groups.append(group)
    return {"SecurityGroups": groups}


def _instance_matches(instance: Mapping[str, Any], filters: list[dict[str, Any]]) -> bool:
    fields = {"instance-state-name": instance["state"], "instance-id": instance["InstanceId"]}
    for f in filters:
        name = str(f.get("Name"))
        if name not in fields:
            raise UnknownSampleOperation(f"the sample account answers ec2:DescribeInstances without filter {name}")
        if fields[name] not in f.get("Values", []):
            return False
    return True


@_serves("ec2", "DescribeInstances", "Filters", "InstanceIds")
def _instances(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    ids = set(params.get("InstanceIds") or [])
    reservations = []
    for i in acct.region_data(region, "instances"):
        if (ids and i["InstanceId"] not in ids) or not _instance_matches(i, params.get("Filters") or []):
            continue
        instance = {
            **_api_keys(i),
            "State": {"Code": _INSTANCE_STATE_CODES[i["state"]], "Name": i["state"]},
            "Placement": {"AvailabilityZone": f"{region}a"},
            "LaunchTime": _CREATED,
            "Tags": [{"Key": "Name", "Value": i["name"]}],
        }
        reservations.append(
            {
                "ReservationId": "r-" + i["InstanceId"][2:],
                "OwnerId": acct.account_id,
                "Groups": [],
                "Instances": [instance],
            }
        )
    return {"Reservations": reservations}


@_serves("ec2", "DescribeNetworkAcls")
def _network_acls(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    acls = [
        {**_api_keys(a), "OwnerId": acct.account_id, "Associations": []}
        for a in acct.region_data(region, "network_acls")
    ]
    return {"NetworkAcls": acls}


@_serves("ec2", "DescribeVpcs")
def _vpcs(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    vpcs = [
        {**_api_keys(v), "OwnerId": acct.account_id, "State": "available"} for v in acct.region_data(region, "vpcs")
    ]
    return {"Vpcs": vpcs}


@_serves("ec2", "DescribeFlowLogs")
def _flow_logs(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"FlowLogs": [{**_api_keys(f), "CreationTime": _CREATED} for f in acct.region_data(region, "flow_logs")]}


@_serves("ec2", "DescribeSnapshots", "OwnerIds", "RestorableByUserIds")
def _snapshots(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """The account's snapshots; RestorableByUserIds ["all"] keeps the `public` ones, as AWS does."""
    if params.get("OwnerIds") not in (None, ["self"], [acct.account_id]):
        raise UnknownSampleOperation("the sample account answers ec2:DescribeSnapshots for its own snapshots only")
    public_only = "all" in (params.get("RestorableByUserIds") or [])
    snapshots = [
        {**_api_keys(s), "OwnerId": acct.account_id, "StartTime": _CREATED, "State": "completed"}
        for s in acct.region_data(region, "snapshots")
        if s.get("public") or not public_only
    ]
    return {"Snapshots": snapshots}


@_serves("ec2", "DescribeImages", "Owners", "ExecutableUsers")
def _images(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("Owners") not in (None, ["self"], [acct.account_id]):
        raise UnknownSampleOperation("the sample account answers ec2:DescribeImages for its own images only")
    public_only = "all" in (params.get("ExecutableUsers") or [])
    images = [
        {**_api_keys(i), "OwnerId": acct.account_id, "State": "available"}
        for i in acct.region_data(region, "images")
        if i.get("Public") or not public_only
    ]
    return {"Images": images}


@_serves("ssm", "DescribeInstancePatchStates", "InstanceIds")
def _patch_states(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    ids = list(params.get("InstanceIds") or [])
    if len(ids) > 50:
        raise _ApiError("ValidationException", "Member must have length less than or equal to 50 (InstanceIds)")
    states = []
    for i in acct.region_data(region, "instances"):
        if i["InstanceId"] in ids and i.get("patch_state") is not None:
            states.append(
                {
                    "InstanceId": i["InstanceId"],
                    "PatchGroup": "",
                    "BaselineId": "pb-0e392de35e7c563b7",  # AWS-AmazonLinux2DefaultPatchBaseline
                    "Operation": "Scan",
                    "OperationStartTime": _CREATED,
                    "OperationEndTime": _CREATED,
                    **i["patch_state"],
                }
            )
    return {"InstancePatchStates": states}


# -- RDS and Lambda (per region) ------------------------------------------------------------


@_serves("rds", "DescribeDBInstances")
def _db_instances(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "DBInstances": [
            {
                **_api_keys(d),
                "DBInstanceStatus": "available",
                "DBInstanceArn": acct.arn("rds", region, f"db:{d['DBInstanceIdentifier']}"),
                "AvailabilityZone": f"{region}a",
            }
            for d in acct.region_data(region, "db_instances")
        ]
    }


@_serves("lambda", "ListFunctions", "FunctionVersion")
def _functions(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """`$LATEST` of each function; with FunctionVersion=ALL, its published versions after it."""
    functions = []
    for fn in acct.region_data(region, "functions"):
        arn = acct.arn("lambda", region, f"function:{fn['name']}")
        entry: dict[str, Any] = {
            "FunctionName": fn["name"],
            "FunctionArn": arn,
            "Version": "$LATEST",
            "PackageType": "Zip" if fn.get("runtime") else "Image",
            "MemorySize": 256,
            "Timeout": 30,
        }
        if fn.get("runtime"):
            entry.update(Runtime=fn["runtime"], Handler="app.handler")
        if fn.get("environment"):
            entry["Environment"] = {"Variables": {str(k): str(v) for k, v in fn["environment"].items()}}
        functions.append(entry)
        if params.get("FunctionVersion") != "ALL":
            continue
        for number, runtime in sorted((fn.get("versions") or {}).items(), key=lambda kv: int(kv[0])):
            version = {**entry, "Version": str(number), "FunctionArn": f"{arn}:{number}"}
            version.pop("Runtime", None)
            if runtime:
                version["Runtime"] = runtime
            functions.append(version)
    return {"Functions": functions}


@_serves("lambda", "GetPolicy", "FunctionName")
def _function_policy(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    fn = acct.function(region, str(params.get("FunctionName")))
    if fn.get("policy") is None:
        raise _ApiError("ResourceNotFoundException", "The resource you requested does not exist.", 404)
    policy = copy.deepcopy(fn["policy"])
    for statement in policy.get("Statement", []):
        statement.setdefault("Resource", acct.arn("lambda", region, f"function:{fn['name']}"))
    return {"Policy": json.dumps(policy), "RevisionId": "5f1a7c2e-sample"}


@_serves("lambda", "ListAliases", "FunctionName")
def _function_aliases(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    fn = acct.function(region, str(params.get("FunctionName")))
    arn = acct.arn("lambda", region, f"function:{fn['name']}")
    return {
        "Aliases": [
            {"AliasArn": f"{arn}:{a['name']}", "Name": a["name"], "FunctionVersion": str(a["version"])}
            for a in fn.get("aliases", [])
        ]
    }


@_serves("lambda", "GetFunctionUrlConfig", "FunctionName")
def _function_url(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    fn = acct.function(region, str(params.get("FunctionName")))
    if fn.get("url_auth_type") is None:
        raise _ApiError("ResourceNotFoundException", "The resource you requested does not exist.", 404)
    return {
        "FunctionUrl": f"https://{fn['name']}-sample.lambda-url.{region}.on.aws/",
        "FunctionArn": acct.arn("lambda", region, f"function:{fn['name']}"),
        "AuthType": fn["url_auth_type"],
        "CreationTime": _CREATED.isoformat(),
        "LastModifiedTime": _CREATED.isoformat(),
        "InvokeMode": "BUFFERED",
    }


# -- CloudTrail ----------------------------------------------------------------------------


@_serves("cloudtrail", "DescribeTrails", "includeShadowTrails")
def _trails(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    shadows = params.get("includeShadowTrails", True)
    trails = [
        {**_api_keys(t), "TrailARN": acct.trail_arn(t)}
        for t in acct.data["cloudtrail"]["trails"]
        if t["HomeRegion"] == region or (shadows and t.get("IsMultiRegionTrail"))
    ]
    return {"trailList": trails}


@_serves("cloudtrail", "GetTrailStatus", "Name")
def _trail_status(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    name = str(params.get("Name"))
    for trail in acct.data["cloudtrail"]["trails"]:
        if name in (trail["Name"], acct.trail_arn(trail)):
            return {"IsLogging": bool(trail.get("is_logging"))}
    raise _ApiError("TrailNotFoundException", f"Unknown trail: {name} for the user: {acct.account_id}")


# -- KMS (per region) ----------------------------------------------------------------------


def _kms_key(acct: SampleAccount, region: str, key_id: str) -> dict[str, Any]:
    for key in acct.region_data(region, "kms_keys"):
        if key_id in (key["KeyId"], acct.arn("kms", region, f"key/{key['KeyId']}")):
            return key
    raise _ApiError("NotFoundException", f"Key '{key_id}' does not exist", 400)


@_serves("kms", "ListKeys", "Limit", "Marker")
def _kms_list_keys(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    keys = [
        {"KeyId": k["KeyId"], "KeyArn": acct.arn("kms", region, f"key/{k['KeyId']}")}
        for k in acct.region_data(region, "kms_keys")
    ]
    return {"Keys": keys, "Truncated": False}


@_serves("kms", "DescribeKey", "KeyId")
def _kms_describe_key(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    key = _kms_key(acct, region, str(params.get("KeyId")))
    meta = {
        **_api_keys(key),
        "Arn": acct.arn("kms", region, f"key/{key['KeyId']}"),
        "AWSAccountId": acct.account_id,
        "CreationDate": _CREATED,
        "KeyState": key.get("KeyState", "Enabled"),
        "Origin": "AWS_KMS",
    }
    return {"KeyMetadata": meta}


@_serves("kms", "GetKeyRotationStatus", "KeyId")
def _kms_rotation(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    key = _kms_key(acct, region, str(params.get("KeyId")))
    return {"KeyRotationEnabled": bool(key.get("rotation")), "KeyId": key["KeyId"]}


# -- Detection services (per region) --------------------------------------------------------


@_serves("accessanalyzer", "ListAnalyzers", "type", "maxResults", "nextToken")
def _analyzers(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    analyzers = [
        {
            "arn": acct.arn("access-analyzer", region, f"analyzer/{a['name']}"),
            "name": a["name"],
            "type": a["type"],
            "createdAt": _CREATED,
            "status": a.get("status", "ACTIVE"),
        }
        for a in acct.region_data(region, "access_analyzers")
    ]
    return {"analyzers": analyzers}


@_serves("config", "DescribeConfigurationRecorders")
def _config_recorders(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "ConfigurationRecorders": [{k: v for k, v in r.items() if k != "recording"} for r in _recorders(acct, region)]
    }


def _recorders(acct: SampleAccount, region: str) -> list[dict[str, Any]]:
    return copy.deepcopy(acct.region_data(region, "config_recorders"))


@_serves("config", "DescribeConfigurationRecorderStatus")
def _config_recorder_status(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    statuses = [
        {
            "name": r["name"],
            "recording": bool(r.get("recording")),
            "lastStatus": "Success" if r.get("recording") else "Pending",
        }
        for r in _recorders(acct, region)
    ]
    return {"ConfigurationRecordersStatus": statuses}


@_serves("guardduty", "ListDetectors", "MaxResults", "NextToken")
def _detectors(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"DetectorIds": [d["DetectorId"] for d in acct.region_data(region, "guardduty_detectors")]}


@_serves("guardduty", "GetDetector", "DetectorId")
def _detector(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    for d in acct.region_data(region, "guardduty_detectors"):
        if d["DetectorId"] == params.get("DetectorId"):
            return {
                "ServiceRole": "AWSServiceRoleForAmazonGuardDuty",
                "Status": d["Status"],
                "CreatedAt": _CREATED.isoformat(),
            }
    raise _ApiError(
        "BadRequestException",
        "The request is rejected because the input detectorId is not owned by the current account.",
    )


@_serves("securityhub", "DescribeHub")
def _hub(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    if not acct.region(region).get("security_hub"):
        raise _ApiError(
            "InvalidAccessException", f"Account {acct.account_id} is not subscribed to AWS Security Hub", 401
        )
    return {"HubArn": acct.arn("securityhub", region, "hub/default"), "SubscribedAt": _CREATED.isoformat()}


@_serves("logs", "DescribeMetricFilters", "logGroupName")
def _metric_filters(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    group = params.get("logGroupName")
    return {
        "metricFilters": [
            copy.deepcopy(f) for f in acct.region_data(region, "metric_filters") if f["logGroupName"] == group
        ]
    }


@_serves("cloudwatch", "DescribeAlarms")
def _alarms(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    alarms = [
        {**copy.deepcopy(a), "AlarmArn": acct.arn("cloudwatch", region, f"alarm:{a['AlarmName']}"), "StateValue": "OK"}
        for a in acct.region_data(region, "metric_alarms")
    ]
    return {"MetricAlarms": alarms, "CompositeAlarms": []}


@_serves("sns", "ListSubscriptionsByTopic", "TopicArn")
def _subscriptions(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    topic = params.get("TopicArn")
    subs = [
        {**copy.deepcopy(s), "Owner": acct.account_id}
        for s in acct.region_data(region, "sns_subscriptions")
        if s["TopicArn"] == topic
    ]
    return {"Subscriptions": subs}


# -- Containers (per region) --------------------------------------------------------------


@_serves("eks", "ListClusters", "maxResults", "nextToken")
def _eks_clusters(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"clusters": [c["name"] for c in acct.region_data(region, "eks_clusters")]}


@_serves("eks", "DescribeCluster", "name")
def _eks_cluster(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    for c in acct.region_data(region, "eks_clusters"):
        if c["name"] == params.get("name"):
            body = {
                **copy.deepcopy(c),
                "arn": acct.arn("eks", region, f"cluster/{c['name']}"),
                "status": "ACTIVE",
                "createdAt": _CREATED,
                "platformVersion": "eks.10",
            }
            return {"cluster": body}
    raise _ApiError("ResourceNotFoundException", f"No cluster found for name: {params.get('name')}.", 404)


@_serves("ecs", "ListTaskDefinitionFamilies", "status", "familyPrefix", "maxResults", "nextToken")
def _task_families(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"families": [t["family"] for t in acct.region_data(region, "task_definitions")]}


@_serves("ecs", "DescribeTaskDefinition", "taskDefinition")
def _task_definition(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    wanted = str(params.get("taskDefinition"))
    for t in acct.region_data(region, "task_definitions"):
        if wanted in (t["family"], f"{t['family']}:{t['revision']}"):
            body = {
                **copy.deepcopy(t),
                "taskDefinitionArn": acct.arn("ecs", region, f"task-definition/{t['family']}:{t['revision']}"),
                "status": "ACTIVE",
            }
            for container in body["containerDefinitions"]:
                container.setdefault("memory", 512)
            return {"taskDefinition": body}
    raise _ApiError("ClientException", "Unable to describe task definition.", 400)


# -- Integration and data services (per region) ------------------------------------------------


def _queue(acct: SampleAccount, region: str, url: str) -> dict[str, Any]:
    for q in acct.region_data(region, "sqs_queues"):
        if url.rstrip("/").rsplit("/", 1)[-1] == q["name"]:
            return q
    raise _ApiError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")


@_serves("sqs", "ListQueues", "QueueNamePrefix")
def _sqs_queues(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    urls = [
        f"https://sqs.{region}.amazonaws.com/{acct.account_id}/{q['name']}"
        for q in acct.region_data(region, "sqs_queues")
    ]
    return {"QueueUrls": urls}


@_serves("sqs", "GetQueueAttributes", "QueueUrl", "AttributeNames")
def _sqs_attributes(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    q = _queue(acct, region, str(params.get("QueueUrl")))
    attrs = {k: str(v) for k, v in _api_keys(q).items()}
    attrs["QueueArn"] = acct.arn("sqs", region, q["name"])
    if q.get("policy"):
        attrs["Policy"] = json.dumps(q["policy"])
    wanted = set(params.get("AttributeNames") or [])
    return {"Attributes": {k: v for k, v in attrs.items() if "All" in wanted or k in wanted}}


@_serves("sns", "ListTopics")
def _sns_topics(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "Topics": [{"TopicArn": acct.arn("sns", region, t["name"])} for t in acct.region_data(region, "sns_topics")]
    }


@_serves("sns", "GetTopicAttributes", "TopicArn")
def _sns_attributes(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    for t in acct.region_data(region, "sns_topics"):
        arn = acct.arn("sns", region, t["name"])
        if params.get("TopicArn") == arn:
            owner_only = {
                "Version": "2008-10-17",
                "Statement": [
                    {
                        "Sid": "__default_statement_ID",
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": ["SNS:Publish", "SNS:Subscribe"],
                        "Resource": arn,
                        "Condition": {"StringEquals": {"AWS:SourceOwner": acct.account_id}},
                    }
                ],
            }
            attrs = {"TopicArn": arn, "Owner": acct.account_id, "Policy": json.dumps(t.get("policy") or owner_only)}
            attrs.update({k: str(v) for k, v in _api_keys(t).items()})
            return {"Attributes": attrs}
    raise _ApiError("NotFound", "Topic does not exist", 404)


@_serves("dynamodb", "ListTables", "Limit", "ExclusiveStartTableName")
def _ddb_tables(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"TableNames": [t["name"] for t in acct.region_data(region, "dynamodb_tables")]}


@_serves("dynamodb", "DescribeContinuousBackups", "TableName")
def _ddb_backups(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    for t in acct.region_data(region, "dynamodb_tables"):
        if t["name"] == params.get("TableName"):
            status = "ENABLED" if t.get("pitr") else "DISABLED"
            return {
                "ContinuousBackupsDescription": {
                    "ContinuousBackupsStatus": "ENABLED",
                    "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": status},
                }
            }
    raise _ApiError("TableNotFoundException", f"Table not found: {params.get('TableName')}")


@_serves("elasticache", "DescribeReplicationGroups")
def _replication_groups(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    groups = [
        {
            **_api_keys(g),
            "ARN": acct.arn("elasticache", region, f"replicationgroup:{g['ReplicationGroupId']}"),
            "Status": "available",
            "Description": g["ReplicationGroupId"],
        }
        for g in acct.region_data(region, "replication_groups")
    ]
    return {"ReplicationGroups": groups}


# -- Edge: load balancers (per region), CloudFront (global) ---------------------------------


def _lb_arn(acct: SampleAccount, region: str, lb: Mapping[str, Any]) -> str:
    return acct.arn("elasticloadbalancing", region, f"loadbalancer/app/{lb['name']}/50dc6c495c0c9188")


@_serves("elbv2", "DescribeLoadBalancers", "PageSize")
def _elbs(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    lbs = [
        {
            "LoadBalancerArn": _lb_arn(acct, region, lb),
            "LoadBalancerName": lb["name"],
            "Type": lb.get("Type", "application"),
            "Scheme": "internet-facing",
            "CreatedTime": _CREATED,
        }
        for lb in acct.region_data(region, "load_balancers")
    ]
    return {"LoadBalancers": lbs}


@_serves("elbv2", "DescribeListeners", "LoadBalancerArn", "PageSize")
def _elb_listeners(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    for lb in acct.region_data(region, "load_balancers"):
        arn = _lb_arn(acct, region, lb)
        if params.get("LoadBalancerArn") == arn:
            listeners = [
                {
                    **copy.deepcopy(entry),
                    "LoadBalancerArn": arn,
                    "ListenerArn": f"{arn}/listener-{entry['Port']}".replace(":loadbalancer/", ":listener/"),
                }
                for entry in lb.get("listeners", [])
            ]
            return {"Listeners": listeners}
    raise _ApiError("LoadBalancerNotFound", "One or more load balancers not found", 400)


@_serves("cloudfront", "ListDistributions", "MaxItems", "Marker")
def _distributions(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    items = []
    for d in (acct.data.get("cloudfront") or {}).get("distributions", []):
        origin = d["origin"]
        items.append(
            {
                "Id": d["Id"],
                "ARN": f"arn:aws:cloudfront::{acct.account_id}:distribution/{d['Id']}",
                "DomainName": d["DomainName"],
                "Status": "Deployed",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": origin["Id"],
                            "DomainName": origin["DomainName"],
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": origin["Id"],
                    "ViewerProtocolPolicy": d["ViewerProtocolPolicy"],
                },
                "CacheBehaviors": {"Quantity": 0},
                "ViewerCertificate": copy.deepcopy(d["ViewerCertificate"]),
            }
        )
    return {
        "DistributionList": {
            "Marker": "",
            "MaxItems": 100,
            "IsTruncated": False,
            "Quantity": len(items),
            "Items": items,
        }
    }


def _rest_api(acct: SampleAccount, region: str, api_id: object) -> dict[str, Any]:
    for api in acct.region_data(region, "rest_apis"):
        if api["id"] == api_id:
            return api
    raise _ApiError("NotFoundException", "Invalid API identifier specified", 404)


@_serves("apigateway", "GetRestApis", "limit", "position")
def _rest_apis(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "items": [
            {"id": a["id"], "name": a["name"], "createdDate": _CREATED} for a in acct.region_data(region, "rest_apis")
        ]
    }


@_serves("apigateway", "GetStages", "restApiId")
def _rest_api_stages(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    api = _rest_api(acct, region, params.get("restApiId"))
    return {"item": copy.deepcopy(api.get("stages", []))}


@_serves("apigateway", "GetResources", "restApiId", "embed", "limit", "position")
def _rest_api_resources(acct: SampleAccount, region: str, params: dict[str, Any]) -> dict[str, Any]:
    api = _rest_api(acct, region, params.get("restApiId"))
    return {"items": copy.deepcopy(api.get("resources", []))}


#: Every (botocore service, operation) the sample account answers.
SERVED_OPERATIONS: frozenset[tuple[str, str]] = frozenset(_HANDLERS)
