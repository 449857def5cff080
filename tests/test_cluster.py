"""EcsCluster on the real stacks (issue 5): Container Insights, capacity providers, ECS Exec,
and the contract the alarms read from the typed `Platform`; on its own (issue 11): two clusters in
one program, and Args refused before anything registers."""

from __future__ import annotations

from pathlib import Path

import pytest
from compute_support import (
    CAPACITY,
    CLUSTER,
    COMPUTE_COMPONENTS,
    LOG_GROUP,
    ROLE_POLICY,
    SERVICE,
    doc,
    duplicate_names,
    duplicate_urns,
    role_of,
    service,
    task,
)
from conftest import ROOT, tags_of
from pydantic import ValidationError

from groundwork.components.cluster import EcsCluster, EcsClusterArgs, EcsClusterSettings
from groundwork.engine import plan_stack
from groundwork.testing import plan_program

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
    assert group.inputs["name"] == "/ecs/groundwork-dev-exec"  # the name before 0.2.0 (stateful)
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
    [policy] = [p for p in plan.of_type(ROLE_POLICY) if p.inputs["role"] == api_task_role.id
                and p.name == "api-task-exec-policy"]
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
                    assert tags["Name"].startswith(
                        ("/ecs/groundwork-prod", "/aws/lambda/groundwork-prod", "groundwork-prod")), \
                        (child.type, tags["Name"])
                    assert tags["Environment"] == "prod" and tags["Owner"] == "platform-team"
    # every ECS and ELB resource of the stack is a child of a compute component
    ecs_and_lb = [r for r in prod.custom_resources if r.type.startswith(("aws:ecs/", "aws:lb/"))]
    assert {CLUSTER, CAPACITY, SERVICE} <= {r.type for r in ecs_and_lb}
    for r in ecs_and_lb:
        assert r.component.startswith("groundwork:compute:"), (r.type, r.name, r.component)


@pytest.fixture(scope="module")
def contract():
    return plan_program(CONTRACT, stack="prod", project_dir=ROOT)


def test_platform_contract_for_the_alarms(contract):
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
    assert api["alarm_names"] == ["groundwork-prod-alarms-api-target-5xx-rate",
                                  "groundwork-prod-alarms-api-unhealthy-hosts"]
    assert wrk["alarm_names"] == ["groundwork-prod-alarms-worker-running-below-desired"]


# -- the component on its own (tests/programs/standalone) ---------------------------------------


def test_two_clusters_in_one_program_have_their_own_urns_and_names(compute_twins):
    assert duplicate_urns(compute_twins) == {} and duplicate_names(compute_twins) == {}
    clusters = {c.name: c for c in compute_twins.of_type(CLUSTER)}
    assert {n: c.inputs["name"] for n, c in clusters.items()} == {
        "blue-cluster": "standalone-test-blue-cluster",
        "green-cluster": "standalone-test-green-cluster"}
    providers = {p.name: p for p in compute_twins.of_type(CAPACITY)}
    assert providers["blue-cluster-capacity"].inputs["clusterName"] == \
        clusters["blue-cluster"].outputs["name"]
    assert providers["green-cluster-capacity"].inputs["clusterName"] == \
        clusters["green-cluster"].outputs["name"]
    # only green has ECS Exec, with its own session log group and the logs key
    [group] = [g for g in compute_twins.of_type(LOG_GROUP) if g.name.endswith("-exec-logs")]
    assert (group.name, group.inputs["name"]) == (
        "green-cluster-exec-logs", "/ecs/standalone-test-green-cluster-exec")
    assert group.inputs["kmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:key/logs"
    assert "configuration" not in clusters["blue-cluster"].inputs
    assert clusters["green-cluster"].inputs["configuration"]["executeCommandConfiguration"][
        "logConfiguration"]["cloudWatchLogGroupName"] == group.outputs["name"]
    # each service runs in its own cluster, and Exec follows the cluster
    for name, cluster in (("api", "blue-cluster"), ("api-jobs", "blue-cluster"),
                          ("shop", "green-cluster"), ("shop-jobs", "green-cluster")):
        svc = service(compute_twins, name)
        assert svc.inputs["cluster"] == clusters[cluster].outputs["arn"]
        assert svc.inputs["enableExecuteCommand"] is (cluster == "green-cluster")
        assert providers[f"{cluster}-capacity"].urn in svc.depends_on
    # retention: the cluster's, which the services default to
    assert compute_twins.one(LOG_GROUP, "api-logs").inputs["retentionInDays"] == 30
    assert compute_twins.one(LOG_GROUP, "shop-logs").inputs["retentionInDays"] == 365
    assert tags_of(clusters["blue-cluster"]) == {"Owner": "tests", "Environment": "test",
                                                 "Name": "standalone-test-blue-cluster",
                                                 "Component": "cluster"}


def test_exec_without_a_logs_key_is_refused_before_anything_registers(compute_bad_args):
    error = compute_bad_args.stack_outputs["errors"]["cluster_exec_without_key"]
    assert error.startswith("EcsCluster 'bad-cluster': EcsClusterArgs.logs_key_arn is required "
                            "when execute_command is true")
    assert [c.name for c in compute_bad_args.of_type("groundwork:compute:EcsCluster")] == ["ok-cluster"]
    assert not [r for r in compute_bad_args.resources if r.name.startswith("bad-")]
    assert {c.type for c in compute_bad_args.resources if not c.custom} <= {
        *COMPUTE_COMPONENTS, "pulumi:pulumi:Stack"}


@pytest.mark.parametrize("kwargs, field, words", [
    ({"log_retention_days": 13}, "log_retention_days", "13 is not a CloudWatch Logs retention"),
    ({"container_insights": "disabled"}, "container_insights", "'enhanced' or 'enabled'"),
    ({"execute_comand": True}, "execute_comand",
     "has no argument 'execute_comand' (did you mean 'execute_command'?)"),
])
def test_bad_cluster_args_name_the_field(kwargs, field, words):
    with pytest.raises(ValidationError) as err:
        EcsClusterArgs(**kwargs)
    assert field in str(err.value) and words in str(err.value)


def test_cluster_names_are_checked_before_registering():
    with pytest.raises(ValueError, match=r"EcsCluster: name 'Blue_Cluster' must be 1-40 characters"):
        EcsCluster("Blue_Cluster", EcsClusterArgs())


def test_settings_defaults_are_the_secure_ones():
    d = EcsClusterSettings()
    assert (d.container_insights, d.execute_command, d.log_retention_days) == ("enhanced", False, 365)
