"""Edge: Application and Network Load Balancers with their listeners, per region
(DescribeLoadBalancers, then DescribeListeners per load balancer); CloudFront distributions,
once per account (ListDistributions carries every setting the checks read).

Classic Load Balancers are not read yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource, ResourceGone


@dataclass(frozen=True)
class Listener:
    port: int
    protocol: str
    ssl_policy: str | None
    redirects_to_https: bool


@dataclass(frozen=True)
class LoadBalancer:
    name: str
    arn: str
    type: str
    listeners: tuple[Listener, ...]
    error: str | None = None


def _redirects(actions: list[dict[str, object]]) -> bool:
    for action in actions:
        config = action.get("RedirectConfig") if action.get("Type") == "redirect" else None
        if isinstance(config, dict) and str(config.get("Protocol", "")).upper() == "HTTPS":
            return True
    return False


def _load_balancers(inv: Inventory, region: str) -> list[LoadBalancer]:
    lbs = inv.pages("elbv2", region, "DescribeLoadBalancers", "LoadBalancers", page_size=400)

    def one(lb: dict[str, object]) -> LoadBalancer | None:
        arn, name, kind = str(lb["LoadBalancerArn"]), str(lb.get("LoadBalancerName", "")), str(lb.get("Type", ""))
        try:
            listeners = inv.pages("elbv2", region, "DescribeListeners", "Listeners", page_size=400, LoadBalancerArn=arn)
        except ResourceGone:
            return None
        except LoadError as exc:
            return LoadBalancer(name, arn, kind, (), str(exc))
        return LoadBalancer(
            name,
            arn,
            kind,
            tuple(
                Listener(
                    int(listener.get("Port", 0)),
                    str(listener.get("Protocol", "")),
                    listener.get("SslPolicy") or None,
                    _redirects(list(listener.get("DefaultActions", []))),
                )
                for listener in listeners
            ),
        )

    return [lb for lb in inv.fan_out(one, lbs) if lb is not None]


LOAD_BALANCERS: Resource[list[LoadBalancer]] = Resource(
    "elbv2.load_balancers",
    True,
    (ApiCall("elbv2", "DescribeLoadBalancers"), ApiCall("elbv2", "DescribeListeners")),
    _load_balancers,
)


@dataclass(frozen=True)
class Distribution:
    id: str
    arn: str
    viewer_policies: tuple[str, ...]  # ViewerProtocolPolicy of the default and every other behaviour
    default_certificate: bool
    minimum_protocol: str
    origin_protocols: tuple[tuple[str, tuple[str, ...]], ...]  # (custom origin id, SSL protocols)


def _distributions(inv: Inventory, region: str) -> list[Distribution]:
    out = []
    for page in inv.all_pages("cloudfront", region, "ListDistributions", page_size=100):
        for d in (page.get("DistributionList") or {}).get("Items", []) or []:
            behaviours = [d.get("DefaultCacheBehavior") or {}, *((d.get("CacheBehaviors") or {}).get("Items") or [])]
            cert = d.get("ViewerCertificate") or {}
            origins = tuple(
                (
                    str(o.get("Id")),
                    tuple(str(p) for p in (o["CustomOriginConfig"].get("OriginSslProtocols") or {}).get("Items", [])),
                )
                for o in (d.get("Origins") or {}).get("Items", []) or []
                if o.get("CustomOriginConfig")
            )
            out.append(
                Distribution(
                    str(d["Id"]),
                    str(d.get("ARN") or d["Id"]),
                    tuple(str(b.get("ViewerProtocolPolicy", "")) for b in behaviours),
                    bool(cert.get("CloudFrontDefaultCertificate", True)),
                    str(cert.get("MinimumProtocolVersion", "")),
                    origins,
                )
            )
    return out


DISTRIBUTIONS: Resource[list[Distribution]] = Resource(
    "cloudfront.distributions", False, (ApiCall("cloudfront", "ListDistributions"),), _distributions
)


@dataclass(frozen=True)
class Stage:
    name: str
    logging_level: str  # the stage-wide (*/*) execution logging level: OFF, ERROR or INFO


@dataclass(frozen=True)
class RestApi:
    id: str
    name: str
    stages: tuple[Stage, ...]
    open_methods: tuple[str, ...]  # "GET /path" of methods with no authorization and no API key
    error: str | None = None


def _rest_apis(inv: Inventory, region: str) -> list[RestApi]:
    apis = inv.pages("apigateway", region, "GetRestApis", "items", page_size=500)

    def one(api: dict[str, object]) -> RestApi | None:
        api_id, name = str(api["id"]), str(api.get("name", ""))
        try:
            stages = (
                inv.call("apigateway", region, "GetStages", gone=("NotFoundException",), restApiId=api_id) or {}
            ).get("item", [])
            resources = inv.pages(
                "apigateway", region, "GetResources", "items", page_size=500, restApiId=api_id, embed=["methods"]
            )
        except ResourceGone:
            return None
        except LoadError as exc:
            return RestApi(api_id, name, (), (), str(exc))
        open_methods = tuple(
            f"{verb} {resource.get('path', '/')}"
            for resource in resources
            for verb, method in sorted((resource.get("resourceMethods") or {}).items())
            if verb != "OPTIONS"  # CORS preflight is unauthenticated by design
            and str(method.get("authorizationType", "NONE")) == "NONE"
            and not method.get("apiKeyRequired")
        )
        return RestApi(
            api_id,
            name,
            tuple(
                Stage(
                    str(s.get("stageName", "")),
                    str(((s.get("methodSettings") or {}).get("*/*") or {}).get("loggingLevel") or "OFF"),
                )
                for s in stages
            ),
            open_methods,
        )

    return [a for a in inv.fan_out(one, apis) if a is not None]


REST_APIS: Resource[list[RestApi]] = Resource(
    "apigateway.rest_apis",
    True,
    (
        ApiCall("apigateway", "GetRestApis"),
        ApiCall("apigateway", "GetStages"),
        ApiCall("apigateway", "GetResources"),
    ),
    _rest_apis,
)
