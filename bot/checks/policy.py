"""Which IAM action each AWS API operation demarc calls needs.

Most actions are `<prefix>:<Operation>`; the table lists the ones that are not, so that an
access-denied error can name the action to grant and the least-privilege test can compare
the calls made with `docs/iam-policy.json`.
"""

from __future__ import annotations

# botocore service name -> IAM action prefix (s3control shares the s3 prefix; the tagging API is `tag`).
_PREFIX = {"s3control": "s3", "resourcegroupstaggingapi": "tag"}

# (botocore service name, operation) -> IAM action, where it is not prefix:Operation.
_SPECIAL = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetBucketLocation"): "s3:GetBucketLocation",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("lambda", "ListFunctions"): "lambda:ListFunctions",
    # API Gateway's management API is authorised by HTTP verb on the resource path.
    ("apigateway", "GetRestApis"): "apigateway:GET",
    ("apigateway", "GetStages"): "apigateway:GET",
    ("apigateway", "GetResources"): "apigateway:GET",
}

#: Calls that need no permission in the scanned account (STS answers them for anyone).
FREE_CALLS = frozenset({("sts", "GetCallerIdentity")})

#: Calls the scanning identity makes to reach other accounts; they belong to the caller's
#: own policy (management or security account), not to the scanned account's read policy.
ORCHESTRATION_CALLS = frozenset(
    {("sts", "AssumeRole"), ("organizations", "ListAccounts"), ("organizations", "ListParents")}
)

#: Action verbs that only read. Anything else in the policy fails the least-privilege test.
READ_ONLY_VERBS = ("List", "Get", "Describe")
#: Actions with another verb that AWS classes as Read and that change nothing in the account:
#: GenerateCredentialReport (re)builds the IAM credential report that GetCredentialReport reads.
#: apigateway:GET reads API Gateway's management API (the action is the HTTP verb).
READ_ONLY_ACTIONS = frozenset({"iam:GenerateCredentialReport", "apigateway:GET"})


def action_for(service: str, operation: str) -> str:
    """The IAM action that authorises `operation` on botocore `service`."""
    special = _SPECIAL.get((service, operation))
    if special:
        return special
    return f"{_PREFIX.get(service, service)}:{operation}"


def is_read_only(action: str) -> bool:
    """True for List*/Get*/Describe* actions and the few READ_ONLY_ACTIONS."""
    _, _, verb = action.partition(":")
    return verb.startswith(READ_ONLY_VERBS) or action in READ_ONLY_ACTIONS
