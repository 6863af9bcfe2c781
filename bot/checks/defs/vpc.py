"""VPC check: security groups that open admin or database ports to the whole internet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.checks.loaders import ec2
from bot.checks.model import Finding
from bot.checks.registry import CheckContext, check

RISKY_PORTS = (20, 21, 22, 23, 1433, 3306, 3389, 5432, 6379, 9200, 27017)
WORLD_V4 = "0.0.0.0/0"
WORLD_V6 = "::/0"
_PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp"}


def open_to_world(rule: dict[str, Any]) -> list[str]:
    """One line per (port or range, protocol, source) this ingress rule opens too widely."""
    sources = [r.get("CidrIp") for r in rule.get("IpRanges", []) if r.get("CidrIp") == WORLD_V4]
    sources += [r.get("CidrIpv6") for r in rule.get("Ipv6Ranges", []) if r.get("CidrIpv6") == WORLD_V6]
    protocol = str(rule.get("IpProtocol", ""))
    out: list[str] = []
    for source in sources:
        if protocol == "-1":
            out.append(f"all traffic open to {source}")
            continue
        name = _PROTOCOLS.get(protocol)
        if name is None:  # ICMP and other protocols carry no ports
            continue
        low = int(rule.get("FromPort", 0) if rule.get("FromPort") not in (None, -1) else 0)
        high = int(rule.get("ToPort", 65535) if rule.get("ToPort") not in (None, -1) else 65535)
        covered = [p for p in RISKY_PORTS if low <= p <= high]
        if not covered:
            continue
        if low == high:
            out.append(f"{low}/{name} open to {source}")
        else:
            ports = ", ".join(str(p) for p in covered)
            out.append(f"{low}-{high}/{name} open to {source} (covers {ports})")
    return out


@check(
    "open-ports",
    service="vpc",
    topic="network-config",
    needs=(ec2.SECURITY_GROUPS,),
    regional=True,
    remedy="aws ec2 describe-security-group-rules --region {region} "
    "--filters Name=group-id,Values={resource}  # then: aws ec2 revoke-security-group-ingress "
    "--region {region} --group-id {resource} "
    "--security-group-rule-ids <rule id>",
    cis=("5.2", "5.3"),
    securityhub=("EC2.53", "EC2.54", "EC2.19"),
)
def open_ports(ctx: CheckContext) -> Iterator[Finding]:
    for group in ctx.get(ec2.SECURITY_GROUPS):
        problems = [line for rule in group.ingress for line in open_to_world(rule)]
        if problems:
            yield ctx.finding(group.id, "; ".join(problems))
