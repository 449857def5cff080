"""The stack outputs are a contract (stack references, `groundwork verify`): each must equal the
value of the resource it names in the planned prod stack."""

from __future__ import annotations


def test_service_outputs_name_their_resources(prod):
    out = prod.stack_outputs["services"]
    assert set(out) == {"api", "worker"}
    [api_tg] = [t for t in prod.of_type("aws:lb/targetGroup:TargetGroup")
                if t.parent.endswith("api") or "api" in t.name]
    assert out["api"]["target_group_arn"] == api_tg.outputs["arn"]
    assert out["api"]["health_check_path"] == "/health/ready"
    assert "target_group_arn" not in out["worker"]
    ecs_names = {s.outputs["name"] for s in prod.of_type("aws:ecs/service:Service")}
    assert {v["service_name"] for v in out.values()} == ecs_names
    assert prod.stack_outputs["cluster_name"] == prod.one("aws:ecs/cluster:Cluster").outputs["name"]


def test_data_outputs_name_their_resources(prod):
    db = prod.one("aws:rds/instance:Instance")
    rg = prod.one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert prod.stack_outputs["database"]["identifier"] == db.outputs["identifier"]
    assert prod.stack_outputs["database"]["endpoint"] == db.outputs["address"]
    assert prod.stack_outputs["cache"]["replication_group_id"] == rg.outputs["replicationGroupId"]
    assert prod.stack_outputs["cache"]["primary_endpoint"] == rg.outputs["primaryEndpointAddress"]


def test_load_balancer_outputs(prod):
    lb = prod.one("aws:lb/loadBalancer:LoadBalancer")
    assert prod.stack_outputs["load_balancer"]["dns_name"] == lb.outputs["dnsName"]
    assert prod.stack_outputs["load_balancer"]["arn_suffix"] == lb.outputs["arnSuffix"]
