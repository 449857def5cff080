"""Network rules: the default security group, flow logs, public IPs, ingress from the world."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
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
    Stack,
    as_list,
    count,
    get,
    is_true,
    known,
    known_items,
    number,
    resource_rule,
    stack_rule,
    walk_strings,
)

SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_RULE_TYPES = (SG_INGRESS, SG_EGRESS, SG_RULE)


def _on_default_group(stack: Stack, rule: PolicyResource, ids: set[str]) -> bool:
    """`rule` (a rule resource) is attached to a default security group: an
    ec2.DefaultSecurityGroup, a VPC's `default_security_group_id` (the dependency is the VPC),
    or a default group's id by value."""
    if stack.referenced(rule, "securityGroupId", [DEFAULT_SECURITY_GROUP, VPC]):
        return True
    value = known(rule.props, "securityGroupId")
    return isinstance(value, str) and value in ids


@stack_rule(
    "ec2-default-security-group-closed",
    control="EC2.2",
    description="Every VPC's default security group allows no traffic: managed with no inline "
                "rules, no rule resources attached to it, and never left as AWS creates it.",
    fix="manage it with ec2.DefaultSecurityGroup(vpc_id=...) and no ingress or egress blocks, and "
        "attach no security group rule resources to it (the Network component does)",
    types=[DEFAULT_SECURITY_GROUP, VPC, *SG_RULE_TYPES],
)
def ec2_default_security_group_closed(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    groups = stack.of_type(DEFAULT_SECURITY_GROUP)
    managed: set[str] = set()
    for group in groups:
        managed |= {v.urn for v in stack.referenced(group, "vpcId", [VPC])}
        for direction in ("ingress", "egress"):
            n = count(get(group.props, direction))
            if n:
                yield group, f"has {n} {direction} rule(s)"
    for vpc in stack.of_type(VPC):
        if vpc.urn not in managed:
            yield vpc, ("leaves its default security group as AWS creates it (all traffic from "
                        "members, all egress): no ec2.DefaultSecurityGroup takes it over")
    ids = {str(v) for g in groups for k, v in known_items(g.props) if k == "id"}
    ids |= {str(v) for vpc in stack.of_type(VPC) for k, v in known_items(vpc.props)
            if k == "defaultSecurityGroupId"}
    for rule in stack.of_type(*SG_RULE_TYPES):
        if _on_default_group(stack, rule, ids):
            yield rule, "adds a rule to the VPC's default security group"


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
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1"}
PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
PORTED = ("6", "17")
"""Protocols whose rules name a port range; any other protocol is opened as a whole."""
ALL_PORTS = (0, 65535)
WHOLE = {4: ipaddress.ip_network("0.0.0.0/0"), 6: ipaddress.ip_network("::/0")}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(cidr: Any) -> Network | None:
    """A CIDR as AWS would read it, leniently: host bits ignored, any prefix spelling Python
    takes ("0.0.0.0/00"); None when it isn't one (AWS refuses those)."""
    try:
        return ipaddress.ip_network(str(cidr).strip(), strict=False)
    except ValueError:
        return None


def _overlap(nets: list[Network], others: Sequence[str]) -> int:
    """Addresses `nets` (collapsed, so disjoint) share with the disjoint CIDRs `others`: two
    CIDRs overlap only by one containing the other."""
    total = 0
    for other in (ipaddress.ip_network(o) for o in others):
        for net in nets:
            if net.version == other.version and net.overlaps(other):
                total += min(net.num_addresses, other.num_addresses)
    return total


def _reach(nets: list[Network], version: int) -> tuple[str, int] | None:
    """("world" | "public", public addresses) when the union of `nets` of one IP version is
    the whole internet or an internet-sized share of it (WORLD_SIZE public addresses, the
    measure ec2-nacl-no-world-admin-ports uses too), else None."""
    same: list[Any] = [n for n in nets if n.version == version]  # collapse_addresses wants one type
    union: list[Network] = list(ipaddress.collapse_addresses(same))
    if not union:
        return None
    if union == [WHOLE[version]]:
        return "world", 0
    public = (sum(n.num_addresses for n in union) - _overlap(union, NOT_PUBLIC_V4) if version == 4
              else _overlap(union, PUBLIC_V6))
    return ("public", public) if public >= WORLD_SIZE[version] else None


class _Ingress:
    """One ingress permission (a rule resource, or one inline block of a group): its group
    keys, protocol (as a number string, -1 for all), port span and source networks."""

    def __init__(self, resource: PolicyResource, groups: list[PolicyResource], group_keys: list[str],
                 protocol: Any, lo: Any, hi: Any, cidrs: list[Any], lists: list[PolicyResource],
                 stack: Stack):
        self.resource, self.groups, self.group_keys = resource, groups, group_keys
        raw = str(protocol if protocol is not None else "-1").strip().lower()
        as_number = number(raw)
        self.protocol = PROTOCOL_NUMBERS.get(raw, str(int(as_number)) if as_number is not None else raw)
        if self.protocol in PORTED:
            a, b = number(lo), number(hi)
            a = a if a is not None and a >= 0 else (None if b is None else 0)
            b = b if b is not None and b >= 0 else a
            self.ports = ALL_PORTS if a is None else (
                max(0, int(a)), min(65535, int(b if b is not None else a)))
        else:
            self.ports = ALL_PORTS
        self.sources = [str(c).strip() for c in cidrs if c]
        self.nets = [n for n in (_network(c) for c in self.sources) if n is not None]
        for pl in lists:
            pl_cidrs = [get(e, "cidr") for e in as_list(get(pl.props, "entries"))]
            pl_cidrs += [get(e.props, "cidr")
                         for e in stack.referring(pl, [PREFIX_LIST_ENTRY], "prefixListId")]
            nets = [n for n in (_network(c) for c in pl_cidrs if c) if n is not None]
            if nets:
                self.nets += nets
                self.sources.append(f"prefix list '{pl.name}' ({', '.join(str(n) for n in nets)})")

    @property
    def label(self) -> str:
        if self.protocol == "-1":
            return "ALL protocols and ports"
        name = PROTOCOL_NAMES.get(self.protocol, f"protocol {self.protocol}")
        if self.protocol not in PORTED:
            return name
        return f"{name} {_span_text(self.ports)}"


def _span_text(ports: tuple[int, int]) -> str:
    if ports == ALL_PORTS:
        return "ports 0-65535"
    return f"port {ports[0]}" if ports[0] == ports[1] else f"ports {ports[0]}-{ports[1]}"


def _prefix_lists(stack: Stack, resource: PolicyResource, prop: str, values: Any) -> list[PolicyResource]:
    """The managed prefix lists of this stack an ingress names (`prop` on a rule resource, or
    the ids inside an inline block); lists from elsewhere (AWS-managed ones) are not read."""
    if values is None:
        return []
    if prop:
        return stack.referenced(resource, prop, [PREFIX_LIST])
    wanted = {v for _, v in walk_strings(values)}
    return [pl for pl in stack.of_type(PREFIX_LIST)
            if wanted & {str(v) for k, v in known_items(pl.props) if k in ("id", "arn")}]


def _group_keys(stack: Stack, rule: PolicyResource) -> tuple[list[PolicyResource], list[str]]:
    groups = stack.referenced(rule, "securityGroupId", [SECURITY_GROUP, DEFAULT_SECURITY_GROUP])
    if groups:
        return groups, [g.urn for g in groups]
    value = get(rule.props, "securityGroupId")
    return [], [f"id:{value}" if isinstance(value, str) and value else f"rule:{rule.urn}"]


def _ingress_entries(stack: Stack) -> Iterator[_Ingress]:
    """Every ingress permission of the stack, from all three ways to write one."""
    for rule in stack.of_type(SG_INGRESS):
        p = rule.props
        groups, keys = _group_keys(stack, rule)
        yield _Ingress(rule, groups, keys, get(p, "ipProtocol"), get(p, "fromPort"), get(p, "toPort"),
                       [get(p, "cidrIpv4"), get(p, "cidrIpv6")],
                       _prefix_lists(stack, rule, "prefixListId", get(p, "prefixListId")), stack)
    for rule in stack.of_type(SG_RULE):
        p = rule.props
        if get(p, "type") != "ingress":
            continue
        groups, keys = _group_keys(stack, rule)
        yield _Ingress(rule, groups, keys, get(p, "protocol"), get(p, "fromPort"), get(p, "toPort"),
                       as_list(get(p, "cidrBlocks")) + as_list(get(p, "ipv6CidrBlocks")),
                       _prefix_lists(stack, rule, "prefixListIds", get(p, "prefixListIds")), stack)
    for group in stack.of_type(SECURITY_GROUP, DEFAULT_SECURITY_GROUP):
        for block in as_list(get(group.props, "ingress")):
            yield _Ingress(group, [group], [group.urn], get(block, "protocol"), get(block, "fromPort"),
                           get(block, "toPort"),
                           as_list(get(block, "cidrBlocks")) + as_list(get(block, "ipv6CidrBlocks")),
                           _prefix_lists(stack, group, "", get(block, "prefixListIds")), stack)


def _alb_groups(stack: Stack) -> list[PolicyResource]:
    groups: list[PolicyResource] = []
    for lb in stack.of_type(*LOAD_BALANCERS):
        if get(lb.props, "loadBalancerType", default="application") == "application":
            groups += stack.referenced(lb, "securityGroups", [SECURITY_GROUP])
    return groups


def _segments(entries: list[_Ingress], protocol: str
              ) -> Iterator[tuple[str, tuple[int, int], list[_Ingress]]]:
    """(protocol, port span, the entries that open it) over every distinct span of one
    protocol: entries of that protocol plus those of -1 (every protocol, every port)."""
    if protocol == "-1":
        yield "-1", ALL_PORTS, [e for e in entries if e.protocol == "-1"]
        return
    covering = [e for e in entries if e.protocol in (protocol, "-1")]
    if protocol not in PORTED:
        yield protocol, ALL_PORTS, covering
        return
    cuts = sorted({e.ports[0] for e in covering} | {e.ports[1] + 1 for e in covering})
    for i in range(len(cuts) - 1):
        lo, nxt = cuts[i], cuts[i + 1]
        inside = [e for e in covering if e.ports[0] <= lo and nxt - 1 <= e.ports[1]]
        if inside:
            yield protocol, (lo, nxt - 1), inside


def _scope(version: int, reach: tuple[str, int]) -> str:
    if reach[0] == "world":
        return f"the whole IPv{version} internet"
    kind = "public IPv4" if version == 4 else "global IPv6"
    share = "/8" if version == 4 else "/32"
    return f"{reach[1]:,} {kind} addresses (at least a {share}'s worth)"


@stack_rule(
    "ec2-no-world-ingress",
    control="EC2.18/EC2.19",
    description="Nothing admits the internet (0.0.0.0/0, ::/0, CIDRs and prefix lists adding up to "
                "them or to an internet-sized share) except the ALB's security group on TCP 80/443; "
                "never all protocols (ipProtocol -1).",
    fix="admit the peer security group (referenced_security_group_id) or a private CIDR instead; "
        "only the ALB group may take 443 (and 80 for the redirect) from the internet",
    types=[SG_INGRESS, SG_RULE, SECURITY_GROUP, DEFAULT_SECURITY_GROUP, PREFIX_LIST, PREFIX_LIST_ENTRY,
           *LOAD_BALANCERS],
)
def ec2_no_world_ingress(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """Judged per security group on the union of every source reaching each protocol and port
    span, from inline blocks, ec2.SecurityGroupRule, vpc.SecurityGroupIngressRule and the
    managed prefix lists they name, IPv4 and IPv6 each on their own."""
    alb_groups = {g.urn for g in _alb_groups(stack)}
    by_group: dict[str, list[_Ingress]] = {}
    for entry in _ingress_entries(stack):
        for key in entry.group_keys:
            by_group.setdefault(key, []).append(entry)
    # per entry: its worst finding as (rank, text of the span, scope, web port outside the ALB?, union)
    found: dict[int, tuple[tuple[int, int], _Ingress, str, bool, list[_Ingress], str]] = {}
    for key, entries in by_group.items():
        for protocol in sorted({e.protocol for e in entries} | {"-1"}):
            for proto, span, covering in _segments(entries, protocol):
                web = proto == "6" and span[0] == span[1] and span[0] in ALB_WORLD_PORTS
                if web and key in alb_groups:
                    continue
                for version in (4, 6):
                    nets = [n for e in covering for n in e.nets if n.version == version]
                    reach = _reach(nets, version)
                    if reach is None:
                        continue
                    rank = (1 if reach[0] == "world" else 0, reach[1])
                    what = (PROTOCOL_NAMES.get(proto, f"protocol {proto}") + " " + _span_text(span)
                            if proto in PORTED else "ALL protocols and ports" if proto == "-1"
                            else PROTOCOL_NAMES.get(proto, f"protocol {proto}"))
                    shown = sorted({str(n) for n in nets}, key=lambda s: ipaddress.ip_network(s))
                    union = f"{_scope(version, reach)} (union of {', '.join(shown[:6])}" + (
                        ", ...)" if len(shown) > 6 else ")")
                    contributors = [e for e in covering if any(n.version == version for n in e.nets)]
                    for entry in contributors:
                        old = found.get(id(entry))
                        if old is None or rank > old[0]:
                            found[id(entry)] = (rank, entry, what, web, contributors, union)
    for _rank, entry, what, web, contributors, union in found.values():
        source = ", ".join(entry.sources)
        if entry.protocol == "-1":
            text = f"admits ALL protocols and ports from {source} (ipProtocol -1)"
        elif web:
            names = ", ".join(f"'{g.name}'" for g in entry.groups) or "an unknown group"
            text = (f"admits {entry.label} from {source} into {names}, which is not an application "
                    "load balancer's security group")
        else:
            text = f"admits {entry.label} from {source}"
        others = sorted({f"'{e.resource.name}'" for e in contributors if e is not entry})
        if others:
            text += f", which with {', '.join(others)} opens {what} to {union}"
        else:
            text += f": {what} open to {union}"
        yield entry.resource, text


# --------------------------------------------------------------------------------------------
# an EC2 API endpoint in every VPC (EC2.10)
# --------------------------------------------------------------------------------------------

VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"


def _is_ec2_service(name: object) -> bool:
    """`com.amazonaws.<region>.ec2` (and partitions' `cn.com.amazonaws.<region>.ec2`)."""
    parts = str(name or "").split(".")
    return len(parts) >= 4 and parts[-1] == "ec2" and "amazonaws" in parts


def _ec2_endpoint_gap(endpoint: PolicyResource) -> str | None:
    props = endpoint.props
    kind = str(get(props, "vpcEndpointType", default="Gateway"))  # the provider's default
    if kind != "Interface":
        return f"'{endpoint.name}' is a {kind} endpoint (EC2 has interface endpoints only)"
    if not is_true(get(props, "privateDnsEnabled")):
        return (f"'{endpoint.name}' has private DNS off, so SDK calls to ec2.<region>.amazonaws.com "
                "still leave the VPC")
    if not count(get(props, "subnetIds")):
        return f"'{endpoint.name}' has no subnets (no network interface to reach it by)"
    return None


@stack_rule(
    "ec2-vpc-ec2-endpoint",
    control="EC2.10",
    description="Every VPC has an interface endpoint for the EC2 API (com.amazonaws.<region>.ec2) "
                "with private DNS, in at least one subnet.",
    fix="keep network.endpoints.ec2_interface on (an ec2.VpcEndpoint of type Interface with "
        "private_dns_enabled=True in the private subnets)",
    types=[VPC, VPC_ENDPOINT],
)
def ec2_vpc_ec2_endpoint(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for vpc in stack.of_type(VPC):
        endpoints = [e for e in stack.referring(vpc, [VPC_ENDPOINT], "vpcId")
                     if _is_ec2_service(get(e.props, "serviceName"))]
        gaps = [_ec2_endpoint_gap(e) for e in endpoints]
        if not endpoints:
            yield vpc, "has no VPC endpoint for the EC2 API (com.amazonaws.<region>.ec2)"
        elif all(gaps):
            yield vpc, f"has no usable EC2 API endpoint: {'; '.join(g for g in gaps if g)}"


# --------------------------------------------------------------------------------------------
# network ACLs: no SSH / RDP from the internet (EC2.21)
# --------------------------------------------------------------------------------------------

NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
DEFAULT_NETWORK_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
ADMIN_PORTS = (22, 3389)
NACL_PROTOCOLS = {"-1": "all", "all": "all", "tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp"}
"""What a NACL entry's protocol means for ports: -1 is every protocol and port; 6 and 17 are
TCP and UDP (by number or name); anything else (ICMP...) has no ports."""
WORLD_SIZE = {4: 2 ** 24, 6: 2 ** 96}
"""How many public source addresses make "the internet": more than any one organisation holds
(an IPv4 /8, an IPv6 /32). Below that, an entry names someone's range (an office, a VPN)."""
NOT_PUBLIC_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                 "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3")
PUBLIC_V6 = ("2000::/3",)
AWS_DEFAULT_NACL_INGRESS = [
    {"ruleNo": 100, "action": "allow", "protocol": "-1", "cidrBlock": "0.0.0.0/0"},
    {"ruleNo": 101, "action": "allow", "protocol": "-1", "ipv6CidrBlock": "::/0"},
]
"""What AWS puts in a VPC's default network ACL (rule 101 only when the VPC has IPv6)."""

Span = tuple[int, int]


def _subtract(spans: list[Span], lo: int, hi: int) -> list[Span]:
    out: list[Span] = []
    for a, b in spans:
        if b < lo or a > hi:
            out.append((a, b))
            continue
        if a < lo:
            out.append((a, lo - 1))
        if b > hi:
            out.append((hi + 1, b))
    return out


def _intersect(spans: list[Span], lo: int, hi: int) -> list[Span]:
    return [(max(a, lo), min(b, hi)) for a, b in spans if not (b < lo or a > hi)]


def _size(spans: list[Span]) -> int:
    return sum(b - a + 1 for a, b in spans)


def _span(cidr: str) -> tuple[int, Span] | None:
    import ipaddress

    try:
        net = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return None
    return net.version, (int(net.network_address), int(net.broadcast_address))


def _public(version: int) -> list[Span]:
    """The public source addresses of an IP version, as spans."""
    if version == 6:
        return [parsed[1] for cidr in PUBLIC_V6 if (parsed := _span(cidr))]
    spans: list[Span] = [(0, 2 ** 32 - 1)]
    for cidr in NOT_PUBLIC_V4:
        if parsed := _span(cidr):
            spans = _subtract(spans, *parsed[1])
    return spans


class _NaclEntry:
    """One ingress entry of a network ACL, from an inline block or an ec2.NetworkAclRule."""

    def __init__(self, props: Any, *, number_key: str, action_key: str):
        self.number = int(number(get(props, number_key), 0) or 0)
        self.allow = str(get(props, action_key, default="")).strip().lower() == "allow"
        raw = str(get(props, "protocol", default="")).strip().lower()
        as_number = number(raw)
        self.protocol = NACL_PROTOCOLS.get(str(int(as_number)) if as_number is not None else raw, "other")
        lo, hi = number(get(props, "fromPort")), number(get(props, "toPort"))
        self.ports = (0, 65535) if lo is None and hi is None else (
            int(lo if lo is not None else hi or 0), int(hi if hi is not None else lo or 0))
        cidr = get(props, "cidrBlock") or get(props, "ipv6CidrBlock") or ""
        self.cidr = str(cidr)
        parsed = _span(self.cidr)
        if parsed is None:  # unreadable: an allow may admit anyone, a deny shuts no one out
            self.version, self.sources = (6 if ":" in self.cidr else 4), None
        else:
            self.version, self.sources = parsed[0], parsed[1]

    def applies(self, protocol: str, port: int, version: int) -> bool:
        if self.version != version:
            return False
        if self.protocol == "all":
            return True
        return self.protocol == protocol and self.ports[0] <= port <= self.ports[1]

    def __str__(self) -> str:
        what = "all traffic" if self.protocol == "all" else (
            f"{self.protocol} {self.ports[0]}" if self.ports[0] == self.ports[1]
            else f"{self.protocol} {self.ports[0]}-{self.ports[1]}")
        return f"rule {self.number} {'allows' if self.allow else 'denies'} {what} from {self.cidr}"


def _admits(entries: list[_NaclEntry], protocol: str, port: int, version: int
            ) -> tuple[int, list[_NaclEntry]]:
    """How many public sources reach `protocol`/`port` and through which allow entries, as AWS
    evaluates an ACL: lowest rule number first, the first entry that matches a packet decides,
    and what nothing matches is denied."""
    everyone = (0, 2 ** 128 - 1) if version == 6 else (0, 2 ** 32 - 1)
    undecided: list[Span] = [everyone]
    admitted: list[Span] = []
    through: list[_NaclEntry] = []
    public = _public(version)
    # equal numbers can't coexist in one ACL; if two sources of entries collide, allow wins
    for entry in sorted(entries, key=lambda e: (e.number, not e.allow)):
        if not entry.applies(protocol, port, version):
            continue
        lo, hi = entry.sources if entry.sources is not None else (
            everyone if entry.allow else (1, 0))
        hit = _intersect(undecided, lo, hi)
        if not hit:
            continue
        if entry.allow:
            reached = sum(_size(_intersect(public, a, b)) for a, b in hit)
            if reached:
                admitted += hit
                through.append(entry)
        undecided = _subtract(undecided, lo, hi)
    return sum(_size(_intersect(public, a, b)) for a, b in admitted), through


def _world_admin_ingress(entries: list[_NaclEntry]) -> str | None:
    """What an ACL admits from the internet to 22 / 3389 over TCP or UDP, or None."""
    opened: list[str] = []
    via: list[_NaclEntry] = []
    for version in (4, 6):
        for protocol in ("tcp", "udp"):
            for port in ADMIN_PORTS:
                reached, through = _admits(entries, protocol, port, version)
                if reached >= WORLD_SIZE[version]:
                    label = f"{protocol} {port}"
                    if label not in opened:
                        opened.append(label)
                    via += [e for e in through if e not in via]
    if not opened:
        return None
    shown = "; ".join(str(e) for e in via[:3]) + ("; ..." if len(via) > 3 else "")
    return (f"admits {', '.join(opened)} from the internet ({shown}; no lower-numbered deny "
            "covers it)")


def _inline(resource: PolicyResource) -> list[_NaclEntry]:
    return [_NaclEntry(b, number_key="ruleNo", action_key="action")
            for b in as_list(get(resource.props, "ingress"))]


def _rule_entry(rule: PolicyResource) -> _NaclEntry | None:
    if is_true(get(rule.props, "egress")):
        return None
    return _NaclEntry(rule.props, number_key="ruleNumber", action_key="ruleAction")


@stack_rule(
    "ec2-nacl-no-world-admin-ports",
    control="EC2.21",
    description="No network ACL, the VPC's default one included, admits TCP or UDP 22 / 3389 from "
                "the internet (0.0.0.0/0, ::/0 or ranges adding up to it), judged in rule-number "
                "order as AWS evaluates it.",
    fix="manage the default ACL with ec2.DefaultNetworkAcl (the Network component does): deny TCP/UDP "
        "22 and 3389 from 0.0.0.0/0 with lower rule numbers than the allow-all entry",
    types=[VPC, NETWORK_ACL, NETWORK_ACL_RULE, DEFAULT_NETWORK_ACL],
)
def ec2_nacl_no_world_admin_ports(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    rules = stack.of_type(NETWORK_ACL_RULE)
    claimed: set[str] = set()

    def attached(targets: list[PolicyResource]) -> list[_NaclEntry]:
        """The entries of the NetworkAclRules whose network_acl_id is one of `targets`."""
        out = []
        for target in targets:
            for rule in stack.referring(target, [NETWORK_ACL_RULE], "networkAclId"):
                claimed.add(rule.urn)
                entry = _rule_entry(rule)
                if entry is not None:
                    out.append(entry)
        return out

    managed_vpcs: set[str] = set()
    for acl in stack.of_type(DEFAULT_NETWORK_ACL):
        # `default_network_acl_id=vpc.default_network_acl_id`: the dependency is the VPC
        vpcs = stack.referenced(acl, "defaultNetworkAclId", [VPC])
        managed_vpcs |= {v.urn for v in vpcs}
        found = _world_admin_ingress(_inline(acl) + attached([acl, *vpcs]))
        if found:
            yield acl, found
    for vpc in stack.of_type(VPC):
        if vpc.urn in managed_vpcs:
            continue
        ipv6 = is_true(get(vpc.props, "assignGeneratedIpv6CidrBlock")) or bool(
            get(vpc.props, "ipv6CidrBlock"))
        aws_default = [_NaclEntry(e, number_key="ruleNo", action_key="action")
                       for e in AWS_DEFAULT_NACL_INGRESS if ipv6 or "cidrBlock" in e]
        found = _world_admin_ingress(aws_default + attached([vpc]))
        if found:
            yield vpc, f"leaves its default network ACL as AWS creates it, which {found}"
    for acl in stack.of_type(NETWORK_ACL):
        found = _world_admin_ingress(_inline(acl) + attached([acl]))
        if found:
            yield acl, found
    for rule in rules:  # rules of an ACL this stack doesn't declare: judged on their own
        if rule.urn in claimed:
            continue
        entry = _rule_entry(rule)
        found = _world_admin_ingress([entry]) if entry is not None else None
        if found:
            yield rule, found
