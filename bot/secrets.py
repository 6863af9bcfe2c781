"""Slack secrets for AWS Lambda, from Secrets Manager or SSM Parameter Store.

A Lambda function's environment is visible to anyone who can read its configuration, so
the Slack tokens live in Secrets Manager (`DEMARC_SECRET_ARN`: a JSON secret with the keys
SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET) or in Parameter Store (`DEMARC_SSM_PREFIX`:
SecureString parameters PREFIX/SLACK_BOT_TOKEN and PREFIX/SLACK_SIGNING_SECRET). Values
already in the environment win, so local runs and tests need neither.

They are read once per container (the module keeps them), so warm invocations pay nothing.
No value is ever logged or put in an exception message: only names, ARNs and error codes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any

from bot.errors import ConfigError

log = logging.getLogger("demarc.secrets")

#: The variables a secret may provide.
SECRET_KEYS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")

_cache: dict[tuple[str, str], dict[str, str]] = {}
_lock = threading.Lock()


def slack_secrets(env: Mapping[str, str], *, session: Any = None) -> dict[str, str]:
    """The SECRET_KEYS missing from `env`, fetched from the configured store (cached per container).

    Returns an empty dict when `env` already has them all, or when no store is configured
    (then `require_slack` names what is missing).
    """
    missing = [key for key in SECRET_KEYS if not env.get(key, "").strip()]
    if not missing:
        return {}
    arn = env.get("DEMARC_SECRET_ARN", "").strip()
    prefix = env.get("DEMARC_SSM_PREFIX", "").strip()
    if not arn and not prefix:
        return {}
    cache_key = ("secretsmanager", arn) if arn else ("ssm", prefix)
    with _lock:
        if cache_key not in _cache:
            _cache[cache_key] = _from_secrets_manager(arn, session) if arn else _from_ssm(prefix, session)
        found = _cache[cache_key]
    return {key: found[key] for key in missing if key in found}


def clear_cache() -> None:
    """Forget fetched secrets: after a rotation in a long-lived process, and between tests."""
    with _lock:
        _cache.clear()


def _client(service: str, session: Any) -> Any:
    if session is None:
        import boto3

        session = boto3.session.Session()
    return session.client(service)


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or type(exc).__name__)
    return type(exc).__name__


def _from_secrets_manager(arn: str, session: Any) -> dict[str, str]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = _client("secretsmanager", session).get_secret_value(SecretId=arn)
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(f"DEMARC_SECRET_ARN: could not read the secret {arn} ({_code(exc)})") from None
    try:
        data = json.loads(response.get("SecretString") or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ConfigError(
            f"DEMARC_SECRET_ARN: the secret {arn} is not a JSON object with keys {', '.join(SECRET_KEYS)}"
        )
    found = {key: str(data[key]).strip() for key in SECRET_KEYS if isinstance(data.get(key), str) and data[key]}
    log.info("slack secrets read from secrets manager", extra={"keys": ",".join(sorted(found))})
    return found


def _from_ssm(prefix: str, session: Any) -> dict[str, str]:
    from botocore.exceptions import BotoCoreError, ClientError

    base = "/" + prefix.strip("/")
    names = {f"{base}/{key}": key for key in SECRET_KEYS}
    try:
        response = _client("ssm", session).get_parameters(Names=list(names), WithDecryption=True)
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(f"DEMARC_SSM_PREFIX: could not read parameters under {base} ({_code(exc)})") from None
    found = {names[p["Name"]]: str(p["Value"]).strip() for p in response.get("Parameters", []) if p["Name"] in names}
    if response.get("InvalidParameters"):
        log.warning("ssm parameters not found", extra={"names": ",".join(response["InvalidParameters"])})
    log.info("slack secrets read from parameter store", extra={"keys": ",".join(sorted(found))})
    return found
