"""Does an environment variable look like a secret? Judged from its name and the shape of its
value; callers keep only the name (a finding never carries the value)."""

from __future__ import annotations

import re

#: Names that say "secret": *_SECRET, *PASSWORD*, *TOKEN*, private keys, API keys, credentials.
_NAME = re.compile(
    r"(^|_)SECRET($|_)|SECRET_?KEY|PASSWORD|PASSWD|(^|_)PWD($|_)|TOKEN|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|CREDENTIAL"
    r"|CLIENT_?SECRET|AUTH_?DATA",
    re.IGNORECASE,
)
#: Names that contain one of the words above but hold no secret.
_NOT_SECRET = re.compile(r"(_ARN|_NAME|_ID|_PATH|_FILE|_URL|_ENDPOINT|_PARAM|_PARAMETER|_TTL|_EXPIRY|_LENGTH)$", re.I)
#: An access key id (AKIA/ASIA + 16) or a 40-character secret access key shape.
_ACCESS_KEY_ID = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{16}$")
_SECRET_ACCESS_KEY = re.compile(r"^[A-Za-z0-9/+]{40}$")
#: Values that are references, not secrets (Secrets Manager or Parameter Store ARNs, placeholders).
_REFERENCE = re.compile(r"^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):|\{\{resolve:|\$\{)|^$")


def secret_looking(name: str, value: str) -> bool:
    """True when `name` says secret (and the value is not a reference to one), or the value
    has the shape of an AWS access key id or secret access key."""
    value = value.strip()
    if _ACCESS_KEY_ID.match(value):
        return True
    if (
        _SECRET_ACCESS_KEY.match(value)
        and re.search(r"[0-9]", value)
        and re.search(r"[A-Z]", value)
        and re.search(r"[a-z]", value)
    ):
        return True
    if _REFERENCE.match(value):
        return False
    return bool(_NAME.search(name)) and not _NOT_SECRET.search(name)
