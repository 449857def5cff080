"""Network rules: the default security group, flow logs, public IPs, ingress from the world."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource

from ._base import (
    DEFAULT_SECURITY_GROUP,
    FLOW_LOG,
    LOAD_BALANCERS,
    SECURITY_GROUP,
    SG_INGRESS,
    SG_RULE,
    SUBNET,
    VPC,
    WORLD_CIDRS,
    Stack,
    as_list,
    count,
    get,
    is_true,
    number,
    resource_rule,
    stack_rule,
)


@resource_rule(
    "ec2-default-security-group-closed",
    control="EC2.2",
    description="The VPC's default security group allows no traffic.",
    fix="manage it with ec2.DefaultSecurityGroup(vpc_id=...) and no ingress or egress blocks",
    types=[DEFAULT_SECURITY_GROUP],
)
def ec2_default_security_group_closed(props, args, config) -> Iterator[str]:
    for direction in ("ingress", "egress"):
        n = count(get(props, direction))
        if n:
            yield f"has {n} {direction} rule(s)"


@stack_rule(
    "ec2-vpc-flow-logs",
    control="EC2.6",
    description="Every VPC has flow logs capturing ALL traffic.",
    fix="add ec2.FlowLog(vpc_id=<vpc>.id, traffic_type='ALL') to a KMS-encrypted log group",
    types=[VPC, FLOW_LOG],
)
def ec2_vpc_flow_logs(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for vpc in stack.of_type(VPC):
        logs = stack.referring(vpc, [FLOW_LOG], "vpcId")
        if not logs:
            yield vpc, "has no flow log"
        elif not any(get(f.props, "trafficType") == "ALL" for f in logs):
            kinds = sorted({str(get(f.props, "trafficType")) for f in logs})
            yield vpc, f"flow logs capture only {', '.join(kinds)} traffic, not ALL"


@resource_rule(
    "ec2-subnet-no-public-ip",
    control="EC2.15",
    description="Subnets do not auto-assign public IPv4 addresses.",
    fix="set map_public_ip_on_launch=False (the ALB and NAT gateways get their addresses anyway)",
    types=[SUBNET],
)
def ec2_subnet_no_public_ip(props, args, config) -> Iterator[str]:
    if is_true(get(props, "mapPublicIpOnLaunch")):
        yield "auto-assigns public IPs (mapPublicIpOnLaunch true)"


# --------------------------------------------------------------------------------------------
# ingress from the world
# --------------------------------------------------------------------------------------------

ALB_WORLD_PORTS = (80, 443)


def _ingress_entries(stack: Stack) -> Iterator[tuple[PolicyResource, list[PolicyResource], dict[str, Any]]]:
    """Every ingress permission as (resource, its groups, {protocol, from, to, cidrs})."""
    for rule in stack.of_type(SG_INGRESS):
        p = rule.props
        yield rule, stack.referenced(rule, "securityGroupId", [SECURITY_GROUP]), {
            "protocol": get(p, "ipProtocol"), "from": get(p, "fromPort"), "to": get(p, "toPort"),
            "cidrs": [c for c in (get(p, "cidrIpv4"), get(p, "cidrIpv6")) if c]}
    for rule in stack.of_type(SG_RULE):
        p = rule.props
        if get(p, "type") != "ingress":
            continue
        yield rule, stack.referenced(rule, "securityGroupId", [SECURITY_GROUP]), {
            "protocol": get(p, "protocol"), "from": get(p, "fromPort"), "to": get(p, "toPort"),
            "cidrs": as_list(get(p, "cidrBlocks")) + as_list(get(p, "ipv6CidrBlocks"))}
    for group in stack.of_type(SECURITY_GROUP):
        for block in as_list(get(group.props, "ingress")):
            yield group, [group], {
                "protocol": get(block, "protocol"), "from": get(block, "fromPort"),
                "to": get(block, "toPort"),
                "cidrs": as_list(get(block, "cidrBlocks")) + as_list(get(block, "ipv6CidrBlocks"))}


def _alb_groups(stack: Stack) -> list[PolicyResource]:
    groups: list[PolicyResource] = []
    for lb in stack.of_type(*LOAD_BALANCERS):
        if get(lb.props, "loadBalancerType", default="application") == "application":
            groups += stack.referenced(lb, "securityGroups", [SECURITY_GROUP])
    return groups


def _ports(entry: dict[str, Any]) -> str:
    lo, hi = number(entry["from"]), number(entry["to"])
    if lo is None and hi is None:
        return "all ports"
    lo_i, hi_i = int(lo or 0), int(hi if hi is not None else lo or 0)
    return f"port {lo_i}" if lo_i == hi_i else f"ports {lo_i}-{hi_i}"


@stack_rule(
    "ec2-no-world-ingress",
    control="EC2.18/EC2.19",
    description="Nothing admits 0.0.0.0/0 or ::/0 except the ALB's security group on TCP 80/443; "
                "never all protocols (ipProtocol -1).",
    fix="admit the peer security group (referenced_security_group_id) or a private CIDR instead; "
        "only the ALB group may take 443 (and 80 for the redirect) from the internet",
    types=[SG_INGRESS, SG_RULE, SECURITY_GROUP, *LOAD_BALANCERS],
)
def ec2_no_world_ingress(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    alb_groups = _alb_groups(stack)
    for resource, groups, entry in _ingress_entries(stack):
        world = [c for c in entry["cidrs"] if c in WORLD_CIDRS]
        if not world:
            continue
        protocol = str(entry["protocol"]).lower()
        source = " and ".join(world)
        if protocol in ("-1", "all"):
            yield resource, f"admits ALL protocols and ports from {source} (ipProtocol -1)"
            continue
        lo, hi = number(entry["from"]), number(entry["to"])
        web_port = protocol in ("tcp", "6") and lo == hi and lo in ALB_WORLD_PORTS
        if not web_port:
            yield resource, f"admits {protocol} {_ports(entry)} from {source}"
        elif not groups or not all(g in alb_groups for g in groups):
            names = ", ".join(f"'{g.name}'" for g in groups) or "an unknown group"
            yield resource, (f"admits tcp {_ports(entry)} from {source} into {names}, "
                             "which is not an application load balancer's security group")
