"""What a plan says, as rows: the components and their counts, the subnet plan, the
security-group matrix, resources by component and type. Pure functions of a `PlanResult`; the
CLI renders them as plain text tables (`text_table`, 80 columns, no colour or box characters when
the output is not a terminal) and the Markdown report as GitHub tables plus a mermaid diagram.

Types are shown short (`elasticache.ReplicationGroup`, see `groundwork.engine.short_type`);
subnets come tier by tier in the plan's order, AZs in order within each tier."""

from __future__ import annotations

import ipaddress
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from groundwork.engine import PlanResult, ResourceRecord, short_type

__all__ = [
    "ComponentRow",
    "component_of",
    "components",
    "markdown",
    "mermaid",
    "resources_by_component",
    "security_group_matrix",
    "security_group_rules",
    "short_type",
    "subnet_rows",
    "text_table",
    "totals",
]

STACK_TYPE = "pulumi:pulumi:Stack"

SG_TYPE = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_TYPE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SUBNET_TYPE = "aws:ec2/subnet:Subnet"


def _by_urn(plan: PlanResult) -> dict[str, ResourceRecord]:
    """The plan's records by URN, built once per plan (and again if its list changes)."""
    key = (id(plan.resources), len(plan.resources))
    cached = plan.__dict__.get("_report_index")
    if cached is None or cached[0] != key:
        cached = (key, {r.urn: r for r in plan.resources})
        plan.__dict__["_report_index"] = cached
    index: dict[str, ResourceRecord] = cached[1]
    return index


def top_component(plan: PlanResult, record: ResourceRecord) -> ResourceRecord | None:
    """The outermost component (under the Stack) that a resource belongs to, if any."""
    by_urn = _by_urn(plan)
    top = None
    node = by_urn.get(record.parent)
    while node is not None and node.type != STACK_TYPE:
        if not node.custom:
            top = node
        node = by_urn.get(node.parent)
    return top


def component_of(plan: PlanResult, record: ResourceRecord) -> str:
    """The name of the component a resource belongs to (`network`, `database`...), or `stack`."""
    top = top_component(plan, record)
    return top.name if top is not None else "stack"


def _billable(record: ResourceRecord) -> bool:
    return record.custom and not record.type.startswith("pulumi:providers:")


@dataclass(frozen=True)
class ComponentRow:
    """One top-level component of a plan (a child of the Stack) and what it holds."""

    name: str
    type: str
    """Its type token (`groundwork:data:PostgresDatabase`); `stack` for the resources a
    program declares at the top level."""
    resources: int
    """Cloud resources under it, at any depth."""

    @property
    def kind(self) -> str:
        """The type's last part (`PostgresDatabase`), `-` for the stack's own resources."""
        return self.type.split(":")[-1] if self.type != "stack" else "-"


def components(plan: PlanResult) -> list[ComponentRow]:
    """The components directly under the Stack, in the order the program built them, with
    their cloud-resource counts; last, a `(stack)` row for top-level cloud resources."""
    by_urn = _by_urn(plan)
    counts: Counter[str] = Counter()
    for r in plan.resources:
        if _billable(r):
            top = top_component(plan, r)
            counts[top.urn if top is not None else ""] += 1
    rows = []
    for r in plan.resources:
        parent = by_urn.get(r.parent)
        if not r.custom and r.type != STACK_TYPE and (parent is None or parent.type == STACK_TYPE):
            rows.append(ComponentRow(r.name, r.type, counts.get(r.urn, 0)))
    if counts.get(""):
        rows.append(ComponentRow("(stack)", "stack", counts[""]))
    return rows


def resources_by_component(plan: PlanResult) -> list[tuple[str, str, int]]:
    """(component, resource type, count): components in the order the program built them,
    types sorted by their short name within each."""
    order = {row.name if row.type != "stack" else "stack": i for i, row in enumerate(components(plan))}
    counts: Counter[tuple[str, str]] = Counter()
    for r in plan.resources:
        if _billable(r):
            counts[(component_of(plan, r), r.type)] += 1
    return sorted(((c, t, n) for (c, t), n in counts.items()),
                  key=lambda row: (order.get(row[0], len(order)), row[0], short_type(row[1])))


def _network_labels(plan: PlanResult) -> dict[str, str]:
    """A label per VPC id: its component's name (`network`), else the VPC's own name (a VPC
    at the stack's top level, or one of several in one component)."""
    vpcs = plan.of_type("aws:ec2/vpc:Vpc")
    owners = Counter(component_of(plan, v) for v in vpcs)
    return {v.id: (component_of(plan, v) if component_of(plan, v) != "stack"
                   and owners[component_of(plan, v)] == 1 else v.name) for v in vpcs}


def _tier_order(plan: PlanResult, subnets: list[ResourceRecord]) -> dict[str, int]:
    """Each tier's place: the config's tier list for groundwork's stacks (its plan order), else
    the order of the tiers' lowest addresses (the planner places tiers in list order)."""
    if plan.config is not None:
        return {t.name: i for i, t in enumerate(plan.config.network.tiers)}
    lowest: dict[str, int] = {}
    for r in subnets:
        tier = str((r.inputs.get("tags") or {}).get("Tier", "?"))
        try:
            address = int(ipaddress.ip_network(str(r.inputs.get("cidrBlock")), strict=False)
                          .network_address)
        except ValueError:
            address = 2**128
        lowest[tier] = min(lowest.get(tier, address), address)
    return {tier: i for i, tier in enumerate(sorted(lowest, key=lambda t: (lowest[t], t)))}


def subnet_rows(plan: PlanResult) -> list[dict[str, str]]:
    """Tier, routing, AZ and CIDR of every subnet: network by network (when a program has
    more than one, each row also names its `network`), tiers in plan order, AZs in order."""
    subnets = plan.of_type(SUBNET_TYPE)
    order = _tier_order(plan, subnets)
    labels = _network_labels(plan)

    def network(r: ResourceRecord) -> str:
        vpc = str(r.inputs.get("vpcId", "?"))
        return labels.get(vpc, vpc)

    networks = list(dict.fromkeys(network(r) for r in subnets))
    rows = []
    for r in subnets:
        tags = r.inputs.get("tags", {}) or {}
        row = {
            "tier": str(tags.get("Tier", "?")),
            "routing": str(tags.get("Routing", "?")),
            "az": str(r.inputs.get("availabilityZone", "?")),
            "cidr": str(r.inputs.get("cidrBlock", "?")),
        }
        if len(networks) > 1:
            row = {"network": network(r), **row}
        rows.append(row)
    return sorted(rows, key=lambda row: (networks.index(row.get("network", networks[0])),
                                         order.get(row["tier"], len(order)), row["az"]))


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
    groups = plan.of_type(SG_TYPE)
    labels = {}
    for sg in groups:
        tags = sg.inputs.get("tags", {}) or {}
        labels[sg.id] = str(tags.get("Group") or tags.get("Role") or sg.inputs.get("name") or sg.name)
    shared = Counter(labels.values())
    for sg in groups:
        # Two SecurityGroups components both have a `database` group: name them apart by
        # their logical names (`main-sg-database`, `analytics-sg-database`).
        names[sg.id] = labels[sg.id] if shared[labels[sg.id]] == 1 else sg.name
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
        tiers = list(dict.fromkeys(row["tier"] for row in subnet_rows(plan)))
        for i, vpc in enumerate(plan.of_type("aws:ec2/vpc:Vpc")):
            lines.append(f"  vpc{i}[VPC {vpc.inputs.get('cidrBlock', '?')}<br/>tiers: "
                         f"{', '.join(tiers)}]")
    return "\n".join(lines)


def markdown(plan: PlanResult, extra_sections: list[tuple[str, str]] | None = None) -> str:
    """The plan as a GitHub-rendered Markdown report."""
    t = totals(plan)
    profile = f"Profile **{plan.profile}**, region" if plan.profile else "Region"
    project = "" if plan.project == "groundwork" else f" (project `{plan.project}`)"
    rows = subnet_rows(plan)
    with_network = bool(rows) and "network" in rows[0]
    out = [
        f"# groundwork plan: `{plan.stack}`{project}",
        "",
        f"{profile} **{plan.region}**, "
        f"{t['resources']} resources in {t['components']} components "
        f"({t['protected']} protected from destroy). Planned offline under Pulumi mocks: no "
        "`pulumi preview` was run.",
        "",
    ]
    if plan.name_clashes:
        out += ["## AWS name clashes", "", *[f"- **{clash}**" for clash in plan.name_clashes], ""]
    out += [
        "## Components",
        "",
        "| component | type | resources |",
        "|---|---|---|",
        *[f"| {c.name} | {c.kind} | {c.resources} |" for c in components(plan)],
        "",
        "## Architecture",
        "",
        "```mermaid",
        mermaid(plan),
        "```",
        "",
        "## Subnet plan",
        "",
        ("| network " if with_network else "") + "| tier | routing | AZ | CIDR |",
        ("|---" if with_network else "") + "|---|---|---|---|",
        *[(f"| {r['network']} " if with_network else "")
          + f"| {r['tier']} | {r['routing']} | {r['az']} | `{r['cidr']}` |" for r in rows],
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
    out += [f"| {c} | `{short_type(t_)}` | {n} |" for c, t_, n in resources_by_component(plan)]
    out.append("")
    for title, body in extra_sections or []:
        out += [f"## {title}", "", body, ""]
    return "\n".join(out)


def text_table(columns: list[str], rows: list[list[str]], *, indent: int = 2,
               right: set[int] | None = None, gap: int = 2, width: int | None = None) -> list[str]:
    """A table as plain lines: a header, a rule of dashes, the rows; columns padded to their
    widest cell (`right`: indexes of right-aligned columns). No colour, no box characters.
    With `width`, a last column that would overflow it wraps onto continuation lines."""
    import textwrap

    right = right or set()
    cells = [[str(c) for c in columns], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    room = None
    if width is not None and len(columns) > 1:
        used = indent + sum(widths[:-1]) + gap * (len(columns) - 1)
        if used + widths[-1] > width and width - used >= 12:
            room = width - used
            widths[-1] = max(len(cells[0][-1]), min(widths[-1], room))

    def line(row: list[str]) -> list[str]:
        last = textwrap.wrap(row[-1], room, break_long_words=False) if room and row[-1] else [row[-1]]
        out = []
        for k, piece in enumerate(last or [""]):
            cols = row[:-1] if k == 0 else [""] * (len(row) - 1)
            padded = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                      for i, cell in enumerate([*cols, piece])]
            out.append((" " * indent + (" " * gap).join(padded)).rstrip())
        return out

    return [*line(cells[0]), " " * indent + (" " * gap).join("-" * w for w in widths),
            *[text for row in cells[1:] for text in line(row)]]
