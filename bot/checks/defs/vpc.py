"""VPC checks: security groups that open admin or database ports to the whole internet, default
security groups that allow traffic, network ACLs open on admin ports, VPCs without flow logs."""

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


@check(
    "vpc-default-security-group",
    service="vpc",
    topic="network-config",
    needs=(ec2.SECURITY_GROUPS,),
    regional=True,
    cis=("5.4",),
    securityhub=("EC2.2",),
    remedy="aws ec2 revoke-security-group-ingress --region {region} --group-id {resource} "
    '--ip-permissions "$(aws ec2 describe-security-groups --region {region} --group-ids {resource} '
    "--query 'SecurityGroups[0].IpPermissions')\"  # and the same with revoke-security-group-egress",
)
def default_security_group(ctx: CheckContext) -> Iterator[Finding]:
    """A VPC's default security group should allow nothing in or out (use groups of your own)."""
    for group in ctx.get(ec2.SECURITY_GROUPS):
        if group.name != "default":
            continue
        allows = [
            f"{n} {way} rule{'s' if n > 1 else ''}"
            for way, n in (("inbound", len(group.ingress)), ("outbound", len(group.egress)))
            if n
        ]
        if allows:
            yield ctx.finding(
                group.id, f"default security group of {group.vpc_id or 'its VPC'} has {' and '.join(allows)}"
            )


ADMIN_PORTS = (22, 3389)


def _entry_covers(entry: dict[str, Any], port: int) -> bool:
    protocol = str(entry.get("Protocol", ""))
    if protocol == "-1":
        return True
    if protocol != "6":  # TCP; SSH and RDP are TCP only
        return False
    ports = entry.get("PortRange") or {}
    return int(ports.get("From", 0)) <= port <= int(ports.get("To", 65535))


def nacl_open_admin_ports(entries: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> list[str]:
    """The admin ports a network ACL lets in from the whole internet, rules taken in order."""
    out = []
    inbound = sorted((e for e in entries if not e.get("Egress")), key=lambda e: int(e.get("RuleNumber", 32767)))
    for source_key, world in (("CidrBlock", WORLD_V4), ("Ipv6CidrBlock", WORLD_V6)):
        for port in ADMIN_PORTS:
            first = next((e for e in inbound if e.get(source_key) == world and _entry_covers(e, port)), None)
            if first is not None and first.get("RuleAction") == "allow":
                out.append(f"rule {first.get('RuleNumber')} allows {port}/tcp from {world}")
    return out


@check(
    "vpc-nacl-admin-ports",
    service="vpc",
    topic="network-config",
    needs=(ec2.NETWORK_ACLS,),
    regional=True,
    cis=("5.1",),
    securityhub=("EC2.21",),
)
def nacl_admin_ports(ctx: CheckContext) -> Iterator[Finding]:
    for acl in ctx.get(ec2.NETWORK_ACLS):
        problems = nacl_open_admin_ports(acl.entries)
        if problems:
            yield ctx.finding(acl.id, "; ".join(problems))


@check(
    "vpc-flow-logs",
    service="vpc",
    topic="logging",
    needs=(ec2.VPCS, ec2.FLOW_LOGGED),
    regional=True,
    cis=("3.7",),
    securityhub=("EC2.6",),
    remedy="aws ec2 create-flow-logs --region {region} --resource-type VPC --resource-ids {resource} "
    "--traffic-type REJECT --log-destination-type cloud-watch-logs --log-group-name vpc-flow-logs "
    "--deliver-logs-permission-arn <role arn>",
)
def flow_logs(ctx: CheckContext) -> Iterator[Finding]:
    logged = ctx.get(ec2.FLOW_LOGGED)
    for vpc in ctx.get(ec2.VPCS):
        if vpc not in logged:
            yield ctx.finding(vpc, "no active flow log")
