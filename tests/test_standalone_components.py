"""The data, key and worker components used on their own, outside the stacks (what the examples
do): one `security_group` argument for a data store, `subnet_ids` instead of a subnet group,
`EnvironmentKeysArgs(purposes=...)`, and a worker scaled on an auto-named queue whose
QueueBacklog alarm watches the same dimensions (tests/programs/standalone; the compute tier's
two-of-each cases are in test_cluster/test_load_balancer/test_service)."""

from __future__ import annotations

import pytest
from compute_support import run_standalone
from conftest import tags_of

from groundwork.components.kms import EnvironmentKeysArgs
from groundwork.engine import PlanResult, ProgramError
from groundwork.stacks.config import ConfigError, load_environment

REFUSED = (ValueError, TypeError, ProgramError)
"""A constructor's error surfaces as itself (raised while the program runs) or as ProgramError."""
REGION = "us-east-1"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
DB = "aws:rds/instance:Instance"
DB_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup"
KEY = "aws:kms/key:Key"
QUEUE = "aws:sqs/queue:Queue"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"


def run(case: str, **config: object) -> PlanResult:
    return run_standalone(case, **config)


@pytest.fixture(scope="module")
def data_tier() -> PlanResult:
    return run("data_tier")


def flows(plan: PlanResult) -> set[tuple[str, int, str, str]]:
    """(direction, port, own group id, peer group id) of every rule."""
    return {(direction, r.inputs["fromPort"], r.inputs["securityGroupId"],
             r.inputs["referencedSecurityGroupId"])
            for direction, type_ in (("in", INGRESS), ("out", EGRESS)) for r in plan.of_type(type_)}


# --- one security_group argument -------------------------------------------------------------


def test_the_security_groups_component_alone_places_the_stores_and_allows_from(data_tier):
    db_sg = data_tier.one(SG, "security-groups-database")
    cache_sg = data_tier.one(SG, "security-groups-cache")
    app = data_tier.one(SG, "app")
    assert data_tier.one(DB).inputs["vpcSecurityGroupIds"] == [db_sg.id]
    assert data_tier.one(CACHE).inputs["securityGroupIds"] == [cache_sg.id]
    assert flows(data_tier) == {("in", 5432, db_sg.id, app.id), ("out", 5432, app.id, db_sg.id),
                                ("in", 6379, cache_sg.id, app.id),
                                ("out", 6379, app.id, cache_sg.id)}


def test_a_plain_group_is_accepted_but_cannot_allow_from():
    plain = run("plain_group")
    group = plain.one(SG, "db")
    assert plain.one(DB).inputs["vpcSecurityGroupIds"] == [group.id]
    assert plain.stack_outputs["security_group_id"] == group.id
    with pytest.raises(REFUSED, match="allow_from needs the SecurityGroups component"):
        run("plain_group", allowFrom=True)


def test_a_security_groups_component_without_the_stores_group_is_refused():
    with pytest.raises(REFUSED, match=r"has no database group; create it with "
                                      r"SecurityGroupsArgs\.database_port"):
        run("group_without_database")


# --- subnet_ids instead of a subnet group ----------------------------------------------------


def test_subnet_ids_give_each_store_its_own_parented_tagged_subnet_group(data_tier):
    for store, group_type, component, name in (
            (DB, DB_SUBNETS, "groundwork:data:PostgresDatabase", "standalone-test-database-subnets"),
            (CACHE, CACHE_SUBNETS, "groundwork:data:RedisCache", "standalone-test-cache-subnets")):
        group = data_tier.one(group_type)
        assert group.inputs["subnetIds"] == SUBNETS
        assert group.inputs["name"] == name
        assert data_tier.by_urn(group.parent).type == component
        assert tags_of(group)["Name"] == name and tags_of(group)["Owner"] == "tests"
        key = "dbSubnetGroupName" if store == DB else "subnetGroupName"
        assert data_tier.one(store).inputs[key] == group.outputs["name"]
    assert data_tier.stack_outputs["subnet_groups"] == {"database": True, "cache": True}


@pytest.mark.parametrize("case, words", [
    ("db_one_subnet", "PostgresDatabase: subnet_ids names 1 distinct subnet(s); an RDS subnet "
                      "group (DBSubnetGroupDoesNotCoverEnoughAZs) needs at least 2"),
    ("db_both_subnet_args", "PostgresDatabase: pass exactly one of subnet_group_name"),
    ("cache_replica_one_subnet", "RedisCache: subnet_ids names 1 distinct subnet(s); Multi-AZ"),
])
def test_subnet_arguments_are_checked_at_construction(case, words):
    with pytest.raises(REFUSED) as err:
        run(case)
    assert words in str(err.value)


def test_a_single_node_cache_may_sit_in_one_subnet():
    plan = run("cache_one_node_one_subnet")
    assert plan.one(CACHE_SUBNETS).inputs["subnetIds"] == SUBNETS[:1]


# --- EnvironmentKeysArgs(purposes=...) -------------------------------------------------------


def test_environment_keys_creates_only_the_purposes_asked_for(data_tier):
    assert sorted(k.name for k in data_tier.of_type(KEY)) == ["kms-data-key", "kms-logs-key"]
    keys = data_tier.stack_outputs["keys"]
    assert keys["purposes"] == ["logs", "data"]  # creation order, whatever order was given
    assert (keys["logs"], keys["data"], keys["notifications"]) == (True, True, False)
    assert "has no 'notifications' key: created only logs, data" in keys["require_missing"]


@pytest.mark.parametrize("purposes, words", [
    (("logs", "secrets"), "Input should be 'logs', 'data' or 'notifications'"),
    ((), "is empty; name at least one of logs, data, notifications"),
    ("logs", "must be a collection, e.g. purposes=('logs',)"),
])
def test_environment_keys_refuses_bad_purposes_before_creating_anything(purposes, words):
    with pytest.raises(ValueError) as err:  # pydantic's ValidationError, naming the field
        EnvironmentKeysArgs(purposes=purposes)
    assert "purposes" in str(err.value) and words in str(err.value)


# --- a worker scaled on an auto-named queue --------------------------------------------------


def backlog_dimensions(plan: PlanResult) -> dict[str, str]:
    conf = plan.one(SCALING_POLICY, "worker-scale-queue").inputs[
        "targetTrackingScalingPolicyConfiguration"]
    [backlog] = [m for m in conf["customizedMetricSpecification"]["metrics"] if m["id"] == "backlog"]
    return {d["name"]: d["value"] for d in backlog["metricStat"]["metric"]["dimensions"]}


def test_queue_dimensions_reach_the_scaling_policy_and_the_backlog_alarm():
    plan = run("queue_worker")
    queue = plan.one(QUEUE, "jobs")
    assert "name" not in queue.inputs  # auto-named: only its output knows the name
    assert backlog_dimensions(plan) == {"QueueName": queue.outputs["name"]}
    [alarm] = [a for a in plan.of_type(ALARM) if a.inputs["name"].endswith("worker-queue-backlog")]
    assert alarm.inputs["dimensions"] == backlog_dimensions(plan)
    assert alarm.inputs["metricName"] == "ApproximateNumberOfMessagesVisible"


def test_queue_dimensions_override_the_config_key_by_key():
    plan = run("queue_worker_merged")
    expected = {"QueueName": plan.one(QUEUE, "jobs").outputs["name"], "Team": "jobs"}
    assert backlog_dimensions(plan) == expected
    [alarm] = [a for a in plan.of_type(ALARM) if a.inputs["name"].endswith("worker-queue-backlog")]
    assert alarm.inputs["dimensions"] == expected


def test_a_queue_metric_without_dimensions_is_refused():
    with pytest.raises(REFUSED, match=r"scaling\.queue_metric has no dimensions"):
        run("queue_worker_no_dimensions")
    with pytest.raises(ConfigError, match=r"services\[jobs\]\.scaling\.queue_metric\.dimensions "
                                          r"is required"):
        load_environment({"profile": "dev", "tags": {"Owner": "t"}, "services": [
            {"name": "jobs", "kind": "worker", "image": "example/jobs:1.0.0",
             "scaling": {"queue_metric": {"target_per_task": 10}}}]}, stack="dev")
