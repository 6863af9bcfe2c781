"""Edge: load balancer listeners that serve plain HTTP or allow TLS older than 1.2, and CloudFront
distributions that allow HTTP or old TLS.

Controls (none is in the CIS AWS Foundations Benchmark v3.0.0):
https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html (ELB.1 ALB redirects
HTTP to HTTPS; ELB.17 ALB and NLB listeners use recommended security policies) and
https://docs.aws.amazon.com/securityhub/latest/userguide/cloudfront-controls.html (CloudFront.3
encryption in transit; CloudFront.10 no deprecated SSL protocols to custom origins; CloudFront.15
a recommended viewer TLS policy on a custom certificate). Policies:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html and
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.loaders import edge
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check

#: Name parts of the ELB security policies that allow nothing older than TLS 1.2. Not bare "TLS13":
#: ELBSecurityPolicy-TLS13-1-0-2021-06 and -TLS13-1-1-2021-06 add TLS 1.3 but still allow 1.0/1.1.
MODERN_ELB_POLICY = ("TLS13-1-2", "TLS13-1-3", "TLS-1-2", "FS-1-2")


def modern_elb_policy(name: str) -> bool:
    """Whether an ELB security policy allows nothing older than TLS 1.2."""
    return any(part in name for part in MODERN_ELB_POLICY)


#: CloudFront minimum viewer protocols older than TLS 1.2.
OLD_VIEWER_PROTOCOLS = frozenset({"SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016"})
#: Origin protocols AWS deprecates for custom origins.
OLD_ORIGIN_PROTOCOLS = frozenset({"SSLv3", "TLSv1", "TLSv1.1"})


def _load_balancers(ctx: CheckContext) -> Iterator[edge.LoadBalancer]:
    for lb in ctx.get(edge.LOAD_BALANCERS):
        if lb.error:
            ctx.error(lb.error)
        else:
            yield lb


@check(
    "elb-http-listeners",
    service="elb",
    topic="encryption",
    needs=(edge.LOAD_BALANCERS,),
    regional=True,
    securityhub=("ELB.1",),
)
def http_listeners(ctx: CheckContext) -> Iterator[Finding]:
    """A plain HTTP listener whose default action does not redirect to HTTPS."""
    for lb in _load_balancers(ctx):
        ports = [
            str(listener.port)
            for listener in lb.listeners
            if listener.protocol == "HTTP" and not listener.redirects_to_https
        ]
        if ports:
            yield ctx.finding(
                lb.arn, f"HTTP listener(s) on port {', '.join(ports)} serve plain HTTP (no redirect to HTTPS)"
            )


@check(
    "elb-tls-policy",
    service="elb",
    topic="encryption",
    needs=(edge.LOAD_BALANCERS,),
    regional=True,
    securityhub=("ELB.17",),
    remedy="aws elbv2 modify-listener --region {region} --listener-arn <listener ARN> "
    "--ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06",
)
def tls_policy(ctx: CheckContext) -> Iterator[Finding]:
    for lb in _load_balancers(ctx):
        old = [
            f"{listener.port}/{listener.protocol} uses {listener.ssl_policy}"
            for listener in lb.listeners
            if listener.protocol in ("HTTPS", "TLS")
            and listener.ssl_policy
            and not modern_elb_policy(listener.ssl_policy)
        ]
        if old:
            yield ctx.finding(lb.arn, "security policy allows TLS older than 1.2: " + "; ".join(old))


@check(
    "cloudfront-tls",
    service="cloudfront",
    topic="encryption",
    needs=(edge.DISTRIBUTIONS,),
    regional=False,
    securityhub=("CloudFront.3", "CloudFront.10", "CloudFront.15"),
)
def cloudfront_tls(ctx: CheckContext) -> Iterator[Finding]:
    for d in ctx.get(edge.DISTRIBUTIONS):
        reasons = []
        if "allow-all" in d.viewer_policies:
            reasons.append("a cache behaviour allows plain HTTP (viewer protocol policy allow-all)")
        if not d.default_certificate and d.minimum_protocol in OLD_VIEWER_PROTOCOLS:
            reasons.append(f"viewers may use {d.minimum_protocol} (minimum protocol older than TLS 1.2)")
        for origin, protocols in d.origin_protocols:
            old = sorted(OLD_ORIGIN_PROTOCOLS & set(protocols))
            if old:
                reasons.append(f"origin {origin} allows {', '.join(old)}")
        if reasons:
            yield ctx.finding(d.arn, "; ".join(reasons))


# --- API Gateway REST APIs ---------------------------------------------------------------------
# https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html (APIGateway.1
# execution logging); no Security Hub control covers REST methods without authorization
# (APIGateway.8 is about HTTP API routes).


def _apis(ctx: CheckContext) -> Iterator[edge.RestApi]:
    for api in ctx.get(edge.REST_APIS):
        if api.error:
            ctx.error(api.error)
        else:
            yield api


def _stage_arn(region: str, api: str, stage: str) -> str:
    return f"arn:aws:apigateway:{region}::/restapis/{api}/stages/{stage}"


@check(
    "apigateway-stage-logging",
    service="api-gateway",
    topic="logging",
    needs=(edge.REST_APIS,),
    regional=True,
    securityhub=("APIGateway.1",),
)
def stage_logging(ctx: CheckContext) -> Iterator[Finding]:
    for api in _apis(ctx):
        for stage in api.stages:
            if stage.logging_level not in ("ERROR", "INFO"):
                yield ctx.finding(
                    _stage_arn(ctx.region, api.id, stage.name),
                    f"{api.name} stage {stage.name}: execution logging is off",
                )


@check(
    "apigateway-open-methods",
    service="api-gateway",
    topic="iam",
    needs=(edge.REST_APIS,),
    regional=True,
)
def open_methods(ctx: CheckContext) -> Iterator[Finding]:
    """Methods with authorization type NONE and no API key (OPTIONS, CORS preflight, is left out)."""
    for api in _apis(ctx):
        if api.open_methods:
            yield ctx.finding(
                f"arn:aws:apigateway:{ctx.region}::/restapis/{api.id}",
                f"{api.name}: methods with no authorization: {', '.join(api.open_methods)}",
            )
