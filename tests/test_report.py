"""The plan report: its diagram and matrix are drawn from the recorded security-group rules."""

from __future__ import annotations

from groundwork import report
from groundwork.engine import plan_stack


def test_diagram_edges_are_the_ingress_rules(prod):
    diagram = report.mermaid(prod)
    assert "internet -->|tcp/443, tcp/80| n_alb" in diagram
    assert "n_alb -->|tcp/8000| n_api" in diagram
    for source in ("n_api", "n_worker"):
        assert f"{source} -->|tcp/5432| n_database" in diagram
        assert f"{source} -->|tcp/6379| n_cache" in diagram
    assert "NAT gateway x3" in diagram
    assert "n_worker[ECS groundwork-prod-worker" in diagram


def test_a_service_without_the_database_has_no_edge_to_it():
    plan = plan_stack("dev", overrides={"services": [
        {"name": "api", "kind": "web", "image": "example/api:1.0.0", "port": 8000},
        {"name": "jobs", "kind": "worker", "image": "example/jobs:1.0.0", "use_database": False}]})
    diagram = report.mermaid(plan)
    assert "n_api -->|tcp/5432| n_database" in diagram
    assert "n_jobs -->|tcp/5432|" not in diagram
    assert "n_jobs -->|tcp/6379| n_cache" in diagram
    sources, matrix = report.security_group_matrix(plan)
    assert matrix["database"] == {"api": "tcp/5432"}
    assert "jobs" in sources


def test_subnet_rows_follow_the_plan(prod):
    rows = report.subnet_rows(prod)
    assert len(rows) == 11
    assert {"tier": "compute", "routing": "private", "az": "us-east-1b",
            "cidr": "10.0.11.0/24"} in rows


def test_subnet_rows_are_tier_by_tier_in_plan_order_and_azs_in_order(prod):
    rows = report.subnet_rows(prod)
    tiers = list(dict.fromkeys(r["tier"] for r in rows))
    assert tiers == [t.name for t in prod.config.network.tiers]
    for tier in tiers:
        azs = [r["az"] for r in rows if r["tier"] == tier]
        assert azs == sorted(azs)
    assert [r["cidr"] for r in rows][:3] == ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]


def _scrambled_network() -> None:
    """Subnets registered out of order (as a hand-written program might), two VPCs."""
    import pulumi_aws as aws

    for vpc_name, base in (("main", "10.0"), ("analytics", "10.1")):
        vpc = aws.ec2.Vpc(vpc_name, cidr_block=f"{base}.0.0/16")
        for tier, offset, az in (("data", 20, "b"), ("public", 1, "b"), ("compute", 10, "a"),
                                 ("data", 20, "a"), ("public", 1, "a"), ("compute", 10, "b")):
            index = offset + (az == "b")
            aws.ec2.Subnet(f"{vpc_name}-{tier}-{az}", vpc_id=vpc.id,
                           cidr_block=f"{base}.{index}.0/24", availability_zone=f"us-east-1{az}",
                           tags={"Tier": tier, "Routing": "x"})


def test_subnet_rows_of_any_program_follow_the_address_plan():
    """Without groundwork's config, tiers come in the order of their lowest address (the
    planner's list order), AZs in order, network by network."""
    from groundwork.testing import plan_function

    rows = report.subnet_rows(plan_function(_scrambled_network))
    order = [("public", "a"), ("public", "b"), ("compute", "a"), ("compute", "b"),
             ("data", "a"), ("data", "b")]
    assert [(r["network"], r["tier"], r["az"][-1]) for r in rows] == [
        (network, tier, az) for network in ("main", "analytics") for tier, az in order]
    assert rows[0]["cidr"] == "10.0.1.0/24" and rows[-1]["cidr"] == "10.1.21.0/24"


def test_components_and_short_types(dev):
    rows = report.components(dev)
    names = [c.name for c in rows]
    assert names.index("network") < names.index("database") < names.index("alarms")
    database = next(c for c in rows if c.name == "database")
    assert database.kind == "PostgresDatabase" and database.resources == len(
        [r for r in dev.descendants(dev.component("database")) if r.custom])
    assert sum(c.resources for c in rows) == report.totals(dev)["resources"]
    md = report.markdown(dev)
    assert "| cache | `elasticache.ReplicationGroup` | 1 |" in md
    assert "aws:elasticache/replicationGroup" not in md
    assert md.index("## Components") < md.index("## Subnet plan") < md.index("## Resources by component")


def test_text_table_is_plain_and_wraps_its_last_column():
    lines = report.text_table(["rule", "control"], [["a-rule", "a rather long control text"]],
                              width=24)
    assert lines == ["  rule    control", "  ------  --------------",
                     "  a-rule  a rather long", "          control text"]
    assert all(len(line) <= 24 for line in lines)


def test_two_groups_of_one_role_get_rows_of_their_own():
    """Two SecurityGroups components each have a `database` group: the matrix names them apart
    (by logical name) instead of merging their rows."""
    from pathlib import Path

    from groundwork.report import security_group_matrix
    from groundwork.testing import plan_stack as plan_project

    project = Path(__file__).resolve().parent.parent / "examples" / "two-databases"
    _, matrix = security_group_matrix(plan_project("dev", project_dir=project))
    assert matrix["main-sg-database"] == {"app": "tcp/5432"}
    assert matrix["analytics-sg-database"] == {"reports": "tcp/5432"}
    assert matrix["sessions-sg-cache"] == {"app": "tcp/6379"}
    assert matrix["jobs-sg-cache"] == {"worker": "tcp/6379"}
