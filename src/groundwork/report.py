"""What a plan says, as rows: resources by component and type, the subnet plan, the
security-group matrix. Pure functions of a `PlanResult`; the CLI renders them as terminal tables
and the Markdown report as GitHub tables plus a mermaid diagram."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from groundwork.engine import PlanResult, ResourceRecord

SG_TYPE = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_TYPE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SUBNET_TYPE = "aws:ec2/subnet:Subnet"


def component_of(plan: PlanResult, record: ResourceRecord) -> str:
    """The name of the component a resource belongs to (`network`, `database`...), or `stack`."""
    parent = record.parent
    while parent:
        try:
            owner = plan.by_urn(parent)
        except KeyError:
            break
        if not owner.custom and owner.type != "pulumi:pulumi:Stack":
            top = owner
            # climb to the outermost component under the stack
            while top.parent:
                try:
                    above = plan.by_urn(top.parent)
                except KeyError:
                    break
                if above.type == "pulumi:pulumi:Stack":
                    break
                top = above
            return top.name
        parent = owner.parent
    return "stack"


def resources_by_component(plan: PlanResult) -> list[tuple[str, str, int]]:
    """(component, resource type, count), sorted."""
    counts: Counter[tuple[str, str]] = Counter()
    for r in plan.custom_resources:
        if r.type.startswith("pulumi:providers:"):
            continue
        counts[(component_of(plan, r), r.type)] += 1
    return sorted((c, t, n) for (c, t), n in counts.items())


def subnet_rows(plan: PlanResult) -> list[dict[str, str]]:
    """Tier, routing, AZ and CIDR of every subnet, in plan order."""
    rows = []
    for r in plan.of_type(SUBNET_TYPE):
        tags = r.inputs.get("tags", {})
        rows.append({
            "tier": tags.get("Tier", "?"),
            "routing": tags.get("Routing", "?"),
            "az": r.inputs.get("availabilityZone", "?"),
            "cidr": r.inputs.get("cidrBlock", "?"),
        })
    return rows


@dataclass(frozen=True)
class SgRule:
    """One security-group rule, with groups shown by their Name."""

    direction: str
    group: str
    peer: str
    ports: str
    description: str


def _ports(inputs: dict[str, Any]) -> str:
    proto = str(inputs.get("ipProtocol", "?"))
    if proto == "-1":
        return "all"
    lo, hi = inputs.get("fromPort"), inputs.get("toPort")
    if lo == hi:
        return f"{proto}/{lo}"
    return f"{proto}/{lo}-{hi}"


def security_group_rules(plan: PlanResult) -> list[SgRule]:
    """Every ingress/egress rule, peers resolved to group names."""
    names: dict[str, str] = {}
    for sg in plan.of_type(SG_TYPE):
        tags = sg.inputs.get("tags", {}) or {}
        label = tags.get("Group") or tags.get("Role") or sg.inputs.get("name") or sg.name
        names[sg.id] = str(label)
    for vpc in plan.of_type("aws:ec2/vpc:Vpc"):
        names[str(vpc.outputs.get("defaultSecurityGroupId"))] = "default"
    rules = []
    for typ, direction in ((INGRESS_TYPE, "in"), (EGRESS_TYPE, "out")):
        for r in plan.of_type(typ):
            i = r.inputs
            peer = (names.get(i.get("referencedSecurityGroupId", ""))
                    or i.get("cidrIpv4") or i.get("cidrIpv6") or i.get("prefixListId") or "?")
            rules.append(SgRule(direction, names.get(i.get("securityGroupId", ""), "?"), str(peer),
                                _ports(i), str(i.get("description", ""))))
    return sorted(rules, key=lambda x: (x.group, x.direction, x.peer, x.ports))


def security_group_matrix(plan: PlanResult) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Ingress as a matrix: rows are destination groups, columns sources, cells ports."""
    cells: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    sources: list[str] = []
    for rule in security_group_rules(plan):
        if rule.direction != "in":
            continue
        cells[rule.group][rule.peer].append(rule.ports)
        if rule.peer not in sources:
            sources.append(rule.peer)
    return sources, {g: {s: ", ".join(sorted(set(p))) for s, p in row.items()}
                     for g, row in sorted(cells.items())}


def totals(plan: PlanResult) -> dict[str, Any]:
    """Headline numbers of a plan."""
    custom = [r for r in plan.custom_resources if not r.type.startswith("pulumi:providers:")]
    return {
        "resources": len(custom),
        "components": len([r for r in plan.resources if not r.custom
                           and r.type != "pulumi:pulumi:Stack"]),
        "types": len({r.type for r in custom}),
        "protected": sum(1 for r in custom if r.protect),
        "subnets": len(plan.of_type(SUBNET_TYPE)),
        "nat_gateways": len(plan.of_type("aws:ec2/natGateway:NatGateway")),
        "security_group_rules": len(plan.of_type(INGRESS_TYPE)) + len(plan.of_type(EGRESS_TYPE)),
    }


def _node_id(label: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in label)


def mermaid(plan: PlanResult) -> str:
    """A mermaid flowchart of the request path, drawn from what the plan holds: one node per
    security group (named after what sits in it), one edge per ingress rule with its ports, so the
    picture is the security-group matrix, not a drawing of intentions."""
    names: dict[str, str] = {}
    for sg in plan.of_type(SG_TYPE):
        tags = sg.inputs.get("tags", {}) or {}
        names[sg.id] = str(tags.get("Group") or sg.inputs.get("name") or sg.name)
    shapes: dict[str, str] = {}
    for lb in plan.of_type("aws:lb/loadBalancer:LoadBalancer"):
        for sg_id in lb.inputs.get("securityGroups", []):
            shapes[names.get(sg_id, sg_id)] = "[ALB<br/>public subnets]"
    for svc in plan.of_type("aws:ecs/service:Service"):
        groups = (svc.inputs.get("networkConfiguration") or {}).get("securityGroups", [])
        for sg_id in groups:
            shapes[names.get(sg_id, sg_id)] = f"[ECS {svc.inputs.get('name', svc.name)}<br/>compute subnets]"
    for db in plan.of_type("aws:rds/instance:Instance"):
        for sg_id in db.inputs.get("vpcSecurityGroupIds", []):
            shapes[names.get(sg_id, sg_id)] = "[(RDS PostgreSQL<br/>data subnets)]"
    for rg in plan.of_type("aws:elasticache/replicationGroup:ReplicationGroup"):
        for sg_id in rg.inputs.get("securityGroupIds", []):
            engine = rg.inputs.get("engine", "")
            shapes[names.get(sg_id, sg_id)] = f"[(ElastiCache {engine}<br/>data subnets)]"
    nat_instance_groups: set[str] = set()
    for instance in plan.of_type("aws:ec2/instance:Instance"):
        if (instance.inputs.get("tags") or {}).get("Role") != "nat-instance":
            continue
        for sg_id in instance.inputs.get("vpcSecurityGroupIds", []):
            label = names.get(sg_id, sg_id)
            nat_instance_groups.add(label)
            shapes[label] = f"[NAT instance {instance.inputs.get('instanceType', '')}<br/>public subnet]"
    lines = ["flowchart LR"]
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    world = {"0.0.0.0/0", "::/0"}
    for rule in security_group_rules(plan):
        if rule.direction != "in":
            continue
        source = "internet" if rule.peer in world else rule.peer
        edges[(source, rule.group)].add(rule.ports)
    used = {n for pair in edges for n in pair}
    if "internet" in used:
        lines.append("  internet([Internet])")
    for label in sorted(used - {"internet"}):
        lines.append(f"  {_node_id(label)}{shapes.get(label, f'[{label}]')}")
    for (source, target), ports in sorted(edges.items()):
        src = "internet" if source == "internet" else _node_id(source)
        lines.append(f"  {src} -->|{', '.join(sorted(ports))}| {_node_id(target)}")
    nats = len(plan.of_type("aws:ec2/natGateway:NatGateway"))
    if nats:
        lines.append(f"  nat[NAT gateway x{nats}<br/>public subnets] -->|egress| internet_out([Internet])")
    for label in sorted(nat_instance_groups & used):
        lines.append(f"  {_node_id(label)} -->|egress| internet_out([Internet])")
    if len(lines) == 1:
        tiers = sorted({row["tier"] for row in subnet_rows(plan)})
        lines.append(f"  vpc[VPC {plan.config.network.cidr}<br/>tiers: {', '.join(tiers)}]")
    return "\n".join(lines)


def markdown(plan: PlanResult, extra_sections: list[tuple[str, str]] | None = None) -> str:
    """The plan as a GitHub-rendered Markdown report."""
    t = totals(plan)
    out = [
        f"# groundwork plan: `{plan.stack}`",
        "",
        f"Profile **{plan.config.profile.value}**, region **{plan.config.region}**, "
        f"{t['resources']} resources in {t['components']} components "
        f"({t['protected']} protected from destroy). Planned offline under Pulumi mocks: no "
        "`pulumi preview` was run.",
        "",
        "## Architecture",
        "",
        "```mermaid",
        mermaid(plan),
        "```",
        "",
        "## Subnet plan",
        "",
        "| tier | routing | AZ | CIDR |",
        "|---|---|---|---|",
        *[f"| {r['tier']} | {r['routing']} | {r['az']} | `{r['cidr']}` |" for r in subnet_rows(plan)],
        "",
    ]
    sources, matrix = security_group_matrix(plan)
    if matrix:
        out += ["## Security groups (ingress)", "",
                "| group \\ from | " + " | ".join(sources) + " |",
                "|---|" + "---|" * len(sources)]
        for group, row in matrix.items():
            out.append(f"| {group} | " + " | ".join(row.get(s, "") for s in sources) + " |")
        out.append("")
    out += ["## Resources by component", "", "| component | type | count |", "|---|---|---|"]
    out += [f"| {c} | `{t_}` | {n} |" for c, t_, n in resources_by_component(plan)]
    out.append("")
    for title, body in extra_sections or []:
        out += [f"## {title}", "", body, ""]
    return "\n".join(out)
