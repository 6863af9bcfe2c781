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
