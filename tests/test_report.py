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
