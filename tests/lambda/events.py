"""Lambda event shapes as AWS delivers them, carrying (correctly or wrongly) signed Slack requests.

Shapes follow AWS's documented payloads: API Gateway REST (payload format 1.0, the "proxy"
integration), HTTP API (payload format 2.0) and Lambda Function URLs (2.0 shape with a
lambda-url domain). HTTP API and Function URLs base64-encode form bodies.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
FUNCTION_NAME = "demarc-slack"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{FUNCTION_NAME}"
SLACK_UA = "Slackbot 1.0 (+https://api.slack.com/robots)"


@dataclass
class FakeContext:
    """The attributes of Lambda's context object that Bolt's adapter and demarc read."""

    function_name: str = FUNCTION_NAME
    invoked_function_arn: str = FUNCTION_ARN
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    memory_limit_in_mb: int = 512

    def get_remaining_time_in_millis(self) -> int:
        return 600_000


def _headers(content_type: str, signed: dict[str, str], *, lower: bool) -> dict[str, str]:
    headers = {
        "Accept": "application/json,*/*",
        "Accept-Encoding": "gzip,deflate",
        "Content-Type": content_type,
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": SLACK_UA,
        "X-Amzn-Trace-Id": "Root=1-5e1b4151-5ac6c58f5b8a6e0a1b2c3d4e",
        "X-Forwarded-For": "54.209.1.2",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        **signed,
    }
    return {k.lower(): v for k, v in headers.items()} if lower else headers


def rest_v1(body: str, content_type: str, signed: dict[str, str]) -> dict[str, Any]:
    """API Gateway REST API, Lambda proxy integration (payload format 1.0)."""
    headers = _headers(content_type, signed, lower=False)
    return {
        "resource": "/slack/events",
        "path": "/slack/events",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "httpMethod": "POST",
            "path": "/prod/slack/events",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "resourceId": "a1b2c3",
            "resourcePath": "/slack/events",
            "stage": "prod",
            "identity": {"sourceIp": "54.209.1.2", "userAgent": SLACK_UA},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def http_v2(body: str, content_type: str, signed: dict[str, str], *, base64_body: bool,
            domain: str = "abc123.execute-api.us-east-1.amazonaws.com", route: str = "POST /slack/events",
            path: str = "/slack/events") -> dict[str, Any]:
    """API Gateway HTTP API (payload format 2.0); headers arrive lower-cased."""
    return {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": "",
        "headers": _headers(content_type, signed, lower=True) | {"host": domain},
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": domain.split(".")[0],
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "54.209.1.2",
                     "userAgent": SLACK_UA},
            "requestId": str(uuid.uuid4()),
            "routeKey": route,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
    }


def function_url(body: str, content_type: str, signed: dict[str, str], *, base64_body: bool = True) -> dict[str, Any]:
    """A Lambda Function URL request (2.0 shape, `$default` route, lambda-url domain)."""
    return http_v2(body, content_type, signed, base64_body=base64_body,
                   domain="a1b2c3d4e5f6g7h8i9j0.lambda-url.us-east-1.on.aws", route="$default", path="/")
