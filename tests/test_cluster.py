"""EcsCluster on the real stacks (issue 5): Container Insights, capacity providers, ECS Exec,
and the contract the alarms read from `platform.extras`."""

from __future__ import annotations

from pathlib import Path

import pytest
from compute_support import (
    CAPACITY,
    CLUSTER,
    LOG_GROUP,
    ROLE_POLICY,
    SERVICE,
    doc,
    role_of,
    service,
    task,
)
from conftest import tags_of

from groundwork.engine import plan_stack
from groundwork.stacks.loader import read_stack_file

CONTRACT = Path(__file__).parent / "programs" / "compute_contract" / "__main__.py"


def test_container_insights_enhanced_ecs_12(prod, dev):
    for plan in (prod, dev):
        cluster = plan.one(CLUSTER)
        assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
        assert cluster.inputs["name"] == f"groundwork-{plan.stack}-cluster"
        assert tags_of(cluster)["Name"] == cluster.inputs["name"]


def test_fargate_and_spot_capacity_providers(prod):
    cluster = prod.one(CLUSTER)
    providers = prod.one(CAPACITY)
    assert providers.inputs["clusterName"] == cluster.outputs["name"]
    assert sorted(providers.inputs["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    # a service that names no strategy never lands on Spot
    assert providers.inputs["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    # services wait for the association (a FARGATE_SPOT strategy fails before it exists)
    services = prod.of_type(SERVICE)
    assert len(services) == 2
    for svc in services:
        assert providers.urn in svc.depends_on


def test_ecs_exec_off_by_default(prod, dev):
    for plan in (prod, dev):
        assert "configuration" not in plan.one(CLUSTER).inputs
        services = plan.of_type(SERVICE)
        assert len(services) == 2
        assert all(s.inputs["enableExecuteCommand"] is False for s in services)
        assert not [g for g in plan.of_type(LOG_GROUP) if g.name == "cluster-exec-logs"]


def test_ecs_exec_when_asked_is_logged_and_encrypted():
    plan = plan_stack("dev", overrides={"cluster": {"execute_command": True}})
    logs_key = next(k for k in plan.of_type("aws:kms/key:Key") if tags_of(k)["Purpose"] == "logs")
    group = plan.one(LOG_GROUP, "cluster-exec-logs")
    assert group.inputs["kmsKeyId"] == logs_key.outputs["arn"]
    assert group.inputs["retentionInDays"] == 14
    exec_cfg = plan.one(CLUSTER).inputs["configuration"]["executeCommandConfiguration"]
    assert exec_cfg["logging"] == "OVERRIDE"
    assert exec_cfg["kmsKeyId"] == logs_key.outputs["arn"]
    assert exec_cfg["logConfiguration"] == {"cloudWatchEncryptionEnabled": True,
                                            "cloudWatchLogGroupName": group.outputs["name"]}
    services = plan.of_type(SERVICE)
    assert len(services) == 2
    assert all(s.inputs["enableExecuteCommand"] is True for s in services)
    # the task role (only then) may open the Exec channels and write the session log
    api_task_role = role_of(plan, task(plan, "api").inputs["taskRoleArn"])
    [policy] = [p for p in plan.of_type(ROLE_POLICY) if p.inputs["role"] == api_task_role.id]
    by_sid = {s["Sid"]: s for s in doc(policy)["Statement"]}
    assert by_sid["ExecSessionLogs"]["Resource"] == [group.outputs["arn"], group.outputs["arn"] + ":*"]
    assert by_sid["ExecSessionKey"]["Resource"] == logs_key.outputs["arn"]
    assert "ssmmessages:OpenDataChannel" in by_sid["ExecChannels"]["Action"]


def test_services_run_in_the_cluster(prod):
    cluster = prod.one(CLUSTER)
    for name in ("api", "worker"):
        assert service(prod, name).inputs["cluster"] == cluster.outputs["arn"]


def test_no_services_no_compute_tier():
    plan = plan_stack("dev", overrides={"services": [], "load_balancer": None})
    assert not plan.of_type(CLUSTER) and not plan.of_type("aws:lb/loadBalancer:LoadBalancer")


def test_every_compute_child_is_parented_named_and_tagged(prod):
    for component in ("groundwork:compute:EcsCluster", "groundwork:compute:LoadBalancer",
                      "groundwork:compute:FargateService"):
        parents = prod.of_type(component)
        assert parents, component
        for parent in parents:
            children = list(prod.descendants(parent))
            assert children
            for child in children:
                tags = child.inputs.get("tags")
                if tags is not None:
                    assert tags["Name"].startswith("/ecs/groundwork-prod") or \
                        tags["Name"].startswith("groundwork-prod"), (child.type, tags["Name"])
                    assert tags["Environment"] == "prod" and tags["Owner"] == "platform-team"
    # every ECS and ELB resource of the stack is a child of a compute component
    ecs_and_lb = [r for r in prod.custom_resources if r.type.startswith(("aws:ecs/", "aws:lb/"))]
    assert {CLUSTER, CAPACITY, SERVICE} <= {r.type for r in ecs_and_lb}
    for r in ecs_and_lb:
        assert r.component.startswith("groundwork:compute:"), (r.type, r.name, r.component)


@pytest.fixture(scope="module")
def contract():
    from groundwork.engine import run_program
    from groundwork.stacks.config import load_environment

    sf = read_stack_file("prod")
    env = load_environment(sf.namespace, stack="prod", region=sf.region)
    return run_program(sf, env, program=CONTRACT)


def test_extras_contract_for_the_alarms(contract):
    """What the alarms read: cluster name, ALB arn_suffix, each service's names, target-group
    arn_suffix (web only) and deployment alarm names, as the values AWS dimensions take."""
    out = contract.stack_outputs["contract"]
    alb = contract.one("aws:lb/loadBalancer:LoadBalancer")
    assert out["cluster"]["name"] == "groundwork-prod-cluster"
    assert out["load_balancer"]["arn_suffix"] == alb.outputs["arnSuffix"]
    assert out["load_balancer"]["arn_suffix"].startswith("app/groundwork-prod-alb/")
    assert out["load_balancer"]["is_alb"] is True
    assert out["load_balancer"]["https_listener"] == contract.one(
        "aws:lb/listener:Listener", "load-balancer-https").id
    api, wrk = out["services"]["api"], out["services"]["worker"]
    assert (api["kind"], wrk["kind"]) == ("web", "worker")
    assert api["service_name"] == "groundwork-prod-api" and api["cluster_name"] == "groundwork-prod-cluster"
    assert api["target_group_arn_suffix"].startswith("targetgroup/groundwork-prod-api-8000/")
    assert wrk["target_group_arn_suffix"] is None
    assert (api["is_service"], wrk["is_service"]) == (True, True)
    assert api["log_group_name"] == "/ecs/groundwork-prod-api"
    assert api["alarm_names"] == ["groundwork-prod-api-target-5xx-rate",
                                  "groundwork-prod-api-unhealthy-hosts"]
    assert wrk["alarm_names"] == ["groundwork-prod-worker-running-below-desired"]
