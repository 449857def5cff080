"""Alarms, notifications and the dashboard (issue 6), asserted on the real stacks planned
offline and on tests/programs/alarms (stand-ins, two of each, refused Args). Every dimension is
checked against the output of the resource it watches, read from the mocked records (what AWS
would compute), never against a name recomputed from config."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, policy_doc, tags_of

from groundwork.components.alarm_names import ALARMS, CATALOG, DEPLOYMENT_ALARMS, SERVICE_SCOPED
from groundwork.components.sizing import GIB
from groundwork.engine import PHYSICAL_NAMES, PlanResult, ResourceRecord, plan_stack
from groundwork.stacks.config import ConfigError
from groundwork.testing import plan_program

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
ECS_SERVICE = "aws:ecs/service:Service"
TG = "aws:lb/targetGroup:TargetGroup"
PROGRAM = ROOT / "tests" / "programs" / "alarms" / "__main__.py"

QUEUE_WORKER = {"name": "worker", "kind": "worker", "image": "ghcr.io/your-org/app:1.0.0",
                "scaling": {"min_count": 1, "queue_metric": {"dimensions": {"QueueName": "jobs"},
                                                             "alarm_threshold": 500}}}
BLUE_GREEN_API = {"name": "api", "kind": "web", "image": "ghcr.io/your-org/app:1.0.0", "port": 8000,
                  "deployment": {"strategy": "BLUE_GREEN"}}


# ------------------------------------------------------------------------------------------
# variants of the real stacks (planned once per module)
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_variant() -> PlanResult:
    """dev with a blue/green web service, a queue worker, subscriptions and overrides."""
    return plan_stack("dev", overrides={
        "services": [BLUE_GREEN_API, QUEUE_WORKER],
        "alarms": {
            "critical_emails": ["oncall@example.com"],
            "warning_emails": ["team@example.com", "lead@example.com"],
            "critical_https_endpoints": ["https://events.pager.example/integration/abc123"],
            "runbook_url": "https://runbooks.example.com/groundwork",
            "overrides": {
                "rds-cpu": {"threshold": 75, "evaluation_periods": 10, "datapoints_to_alarm": 8},
                "cache-evictions": {"enabled": False},
                "target-5xx-rate": {"threshold": 2},
            },
        },
    })


def run_alarms_program(case: str, **config: str) -> PlanResult:
    """tests/programs/alarms (project `alarms`, stack `test`, name prefix `alarms-test`)."""
    return plan_program(PROGRAM, stack="test", project="alarms",
                        config={"aws:region": "us-east-1", "case": case, **config})


@pytest.fixture(scope="module")
def standin() -> PlanResult:
    return run_alarms_program("standin")


@pytest.fixture(scope="module")
def two_of_each() -> PlanResult:
    return run_alarms_program("two_of_each")


@pytest.fixture(scope="module")
def dev_bigger_db() -> PlanResult:
    """dev with only the database size changed."""
    return plan_stack("dev", overrides={"database": {"instance_class": "db.r7g.xlarge",
                                                     "allocated_storage_gb": 200,
                                                     "max_allocated_storage_gb": 500}})


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def alarms(plan: PlanResult) -> dict[str, ResourceRecord]:
    return {a.inputs["name"]: a for a in plan.of_type(ALARM)}


def of_key(plan: PlanResult, key: str) -> list[ResourceRecord]:
    return [a for a in plan.of_type(ALARM) if tags_of(a)["AlarmKey"] == key]


def metrics_of(alarm: ResourceRecord) -> list[dict[str, Any]]:
    """The metric(s) an alarm reads: its own, or every metric of its metric-math queries."""
    queries = alarm.inputs.get("metricQueries")
    if queries:
        return [q["metric"] for q in queries if "metric" in q]
    return [{"namespace": alarm.inputs["namespace"], "metricName": alarm.inputs["metricName"],
             "dimensions": alarm.inputs.get("dimensions", {})}]


def dims(alarm: ResourceRecord, name: str) -> set[str]:
    return {m["dimensions"][name] for m in metrics_of(alarm) if name in m["dimensions"]}


def topic_arn(plan: PlanResult, severity: str) -> str:
    name = f"{plan.config.name_prefix}-alarms-{severity}"
    [topic] = [t for t in plan.of_type(TOPIC) if t.inputs["name"] == name]
    return topic.outputs["arn"]


def target_group_suffixes(plan: PlanResult, service: ResourceRecord) -> list[str]:
    """arnSuffix of the target group(s) the ECS service record is attached to (blue, then the
    alternate of a blue/green pair)."""
    arns = []
    for lb in service.inputs.get("loadBalancers", []):
        arns.append(lb["targetGroupArn"])
        alt = (lb.get("advancedConfiguration") or {}).get("alternateTargetGroupArn")
        if alt:
            arns.append(alt)
    return [next(t for t in plan.of_type(TG) if t.outputs["arn"] == arn).outputs["arnSuffix"]
            for arn in arns]


def expected_names(plan: PlanResult) -> set[str]:
    """Every alarm the plan should hold, from its config alone: `<prefix>-alarms-<watched
    component>-<key>[-<n>]`, the stacks' components being load-balancer, database, cache,
    network and one per service."""
    env = plan.config
    p = f"{env.name_prefix}-alarms"
    names = {f"{p}-load-balancer-alb-5xx"} if env.web_services else set()
    for svc in env.services:
        keys = ["ecs-cpu", "ecs-memory", "running-below-desired"]
        if svc.kind == "web":
            keys += ["target-5xx-rate", "target-latency-p95", "unhealthy-hosts"]
        if svc.scaling.queue_metric:
            keys.append("queue-backlog")
        names |= {f"{p}-{svc.name}-{k}" for k in keys}
    if env.database.enabled:
        names |= {f"{p}-database-{k}" for k in ALARMS if ALARMS[k].family == "database"}
    if env.cache.enabled:
        names |= {f"{p}-cache-{k}-{n}" for k in ALARMS if ALARMS[k].family == "cache"
                  for n in range(1, env.cache.num_nodes + 1)}
    scaled = {s.receive_from[0] for s in env.services
              if s.scaling.queue_metric and not s.scaling.queue_metric.dimensions}
    for queue in env.queues:
        keys = ["queue-oldest-message", "queue-dlq-not-empty"]
        keys += [] if queue.name in scaled else ["queue-depth"]  # QueueBacklog is the worker's
        names |= {f"{p}-{queue.name}-{k}" for k in keys}
    names |= {f"{p}-network-{k}-{n}" for k in ("nat-port-allocation", "nat-packets-dropped")
              for n in range(1, len(plan.of_type("aws:ec2/natGateway:NatGateway")) + 1)}
    if env.web_services and env.edge.waf.enabled and env.edge.mode == "alb":
        names |= {f"{p}-web-firewall-{k}" for k in ALARMS if ALARMS[k].family == "web_firewall"}
    if env.web_services and env.dns_zone_id and env.edge.dns.health_check.enabled:
        names.add(f"{p}-dns-route53-health-check")  # the app's health check (edge.dns)
    if env.services and env.alarms.deploy_notices.enabled:  # DeployNotices' own alarm
        names.add(f"{env.name_prefix}-deploy-notices-services-deployment-rolled-back")
    return names


def legacy_name(plan: PlanResult, alarm: ResourceRecord) -> str:
    """The alarm's name (and Pulumi name) before 0.2.0: `<prefix>-[<service>-]<key>[-<n>]`."""
    key, name = tags_of(alarm)["AlarmKey"], alarm.inputs["name"]
    scope, _, member = name.removeprefix(f"{plan.config.name_prefix}-alarms-").partition(key)
    parts = [plan.config.name_prefix, scope.rstrip("-") if key in SERVICE_SCOPED else "", key,
             member.lstrip("-")]
    return "-".join(p for p in parts if p)


# ------------------------------------------------------------------------------------------
# what exists
# ------------------------------------------------------------------------------------------


def test_prod_has_the_seed_rules_and_every_recommended_alarm(prod):
    names = set(alarms(prod))
    assert names == expected_names(prod)
    # 1 ALB + 6 api + 4 worker (queue-backlog on jobs) + 7 RDS + 3x2 cache + 2x3 NAT + 2 jobs queue
    # + 2 web ACL (edge.waf, on in prod) + 1 Route 53 health check (edge.dns, on in prod)
    # + 1 deployment-rolled-back (deploy notices)
    assert len(names) == 36
    # each seed 003 rule is implemented by the alarm that measures it (pinned by hand)
    seeds = {(tags_of(a)["SeedRule"], tags_of(a)["AlarmKey"], a.inputs["name"])
             for a in prod.of_type(ALARM) if tags_of(a).get("SeedRule")}
    assert seeds == {
        ("HighErrorRate", "target-5xx-rate", "groundwork-prod-alarms-api-target-5xx-rate"),
        ("HighLatency", "target-latency-p95", "groundwork-prod-alarms-api-target-latency-p95"),
        ("DatabaseConnections", "rds-connections", "groundwork-prod-alarms-database-rds-connections"),
        ("DiskSpace", "rds-free-storage", "groundwork-prod-alarms-database-rds-free-storage"),
        ("QueueBacklog", "queue-backlog", "groundwork-prod-alarms-worker-queue-backlog"),
    }


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_alarms_keep_their_0_1_urns_as_aliases(stack, request):
    """0.2.0 renames every alarm once (`<prefix>-rds-cpu` -> `<prefix>-alarms-database-rds-cpu`);
    each answers to its old URN, `...EnvironmentAlarms$...MetricAlarm::<old name>`, so a
    deployed stack replaces it in place instead of creating and deleting."""
    plan = request.getfixturevalue(stack)
    component = plan.one("groundwork:monitoring:EnvironmentAlarms", "alarms")
    # DeployNotices' deployment-rolled-back is new in 0.3 (no 0.1 URN to keep)
    ours = [a for a in plan.of_type(ALARM) if tags_of(a)["AlarmKey"] != "deployment-rolled-back"]
    for alarm in ours:
        assert alarm.parent == component.urn
        assert alarm.name == alarm.inputs["name"].replace(f"{plan.config.name_prefix}-", "", 1)
        old = legacy_name(plan, alarm)
        assert alarm.aliases == [alarm.urn.rsplit("::", 1)[0] + f"::{old}"], alarm.name
    olds = [a.aliases[0] for a in ours]
    assert len(set(olds)) == len(olds)


def test_seed_rules_have_the_seed_thresholds_and_windows(prod):
    a = alarms(prod)
    p = "groundwork-prod-alarms"
    rate = a[f"{p}-api-target-5xx-rate"].inputs
    [expr] = [q for q in rate["metricQueries"] if q.get("returnData")]
    # prod's api deploys CANARY: errors and requests of both target groups
    assert ("100 * (FILL(errors0, 0) + FILL(errors1, 0)) / IF((FILL(requests0, 0) + "
            "FILL(requests1, 0)) > 0") in expr["expression"]
    queried = {q["id"]: q["metric"] for q in rate["metricQueries"] if "metric" in q}
    assert {m["metricName"] for m in queried.values()} == {"HTTPCode_Target_5XX_Count", "RequestCount"}
    assert {m["period"] for m in queried.values()} == {300} and rate["evaluationPeriods"] == 1
    assert rate["threshold"] == 5 and rate["comparisonOperator"] == "GreaterThanThreshold"

    latency = a[f"{p}-api-target-latency-p95"].inputs
    # both target groups' p95 (CANARY), the worse one
    queried = [q["metric"] for q in latency["metricQueries"] if "metric" in q]
    assert {m["stat"] for m in queried} == {"p95"} and {m["period"] for m in queried} == {60}
    assert [q["expression"] for q in latency["metricQueries"] if q.get("returnData")] == [
        "MAX([tg0, tg1])"]
    assert latency["threshold"] == 2 and latency["evaluationPeriods"] == 10
    assert latency["datapointsToAlarm"] == 10

    # db.m7g.large, 8 GiB: max_connections = 8 GiB x 0.9 // 9531392 = 811; 80 % of it = 648
    conns = a[f"{p}-database-rds-connections"].inputs
    assert conns["metricName"] == "DatabaseConnections"
    assert conns["threshold"] == 648 and conns["comparisonOperator"] == "GreaterThanThreshold"
    disk = a[f"{p}-database-rds-free-storage"].inputs
    assert disk["metricName"] == "FreeStorageSpace"
    assert disk["comparisonOperator"] == "LessThanThreshold"
    assert disk["threshold"] == 10 * GIB  # 10 % of prod's 100 GB
    assert tags_of(a[f"{p}-database-rds-free-storage"])["Severity"] == "critical"
    assert tags_of(a[f"{p}-api-target-5xx-rate"])["Severity"] == "critical"


def test_dev_has_the_same_alarm_set_scaled_to_its_size(dev):
    assert set(alarms(dev)) == expected_names(dev)
    # 1 ALB + 6 api + 4 worker + 7 RDS + 3x1 cache + 2x1 NAT + 2 jobs + 1 deployment-rolled-back
    assert len(alarms(dev)) == 26
    assert len(of_key(dev, "cache-memory")) == 1 and len(of_key(dev, "nat-port-allocation")) == 1


def test_queue_worker_gets_the_queue_backlog_alarm(dev_variant):
    [backlog] = of_key(dev_variant, "queue-backlog")
    assert backlog.inputs["name"] == "groundwork-dev-alarms-worker-queue-backlog"
    assert backlog.inputs["namespace"] == "AWS/SQS"
    assert backlog.inputs["dimensions"] == {"QueueName": "jobs"}
    assert backlog.inputs["threshold"] == 500
    assert tags_of(backlog)["SeedRule"] == "QueueBacklog"


def test_standalone_components_on_stand_in_resources(standin):
    """The components also work outside build_platform, on plain pulumi-aws resources
    (tests/programs/alarms: a rolling and a blue/green web service, a queue worker, database,
    cache, two NAT gateways, a NAT instance): every alarm key of the catalog is created, and
    every ECS service's deployment alarms exist."""
    plan = standin
    # every key but DeployNotices' (tests/test_alarms_deployments.py: the program has none)
    assert {tags_of(a)["AlarmKey"] for a in plan.of_type(ALARM)} == set(ALARMS) - {
        "deployment-rolled-back"}
    # + queue (oldest, DLQ, depth); + search (one domain, masters on), kafka (two brokers),
    # documents (5 per instance x 2, + replica lag)
    assert len(plan.of_type(ALARM)) == (1 + 2 * 6 + 4 + 7 + 3 * 2 + 2 * 2 + 1 + 10 + 2 + 2 * 3
                                        + 2 * 5 + 1 + 3
                                        + 1  # the Route 53 health check
                                        + 2  # the web ACL (blocked spike, rate limited)
                                        + 1)  # the CloudFront distribution's 5xx rate
    services = plan.of_type(ECS_SERVICE)
    assert len(services) == 3  # rolling web, blue/green web, queue worker
    for svc in services:
        assert svc.inputs["alarms"]["alarmNames"]
        assert set(svc.inputs["alarms"]["alarmNames"]) <= set(alarms(plan))
    # without legacy_alias_prefix an alarm has no alias; its Pulumi name starts with the
    # component's name, its AWS name with the component's prefix
    for alarm in plan.of_type(ALARM):
        assert alarm.aliases == [] and alarm.name.startswith("alarms-")
        assert alarm.inputs["name"] == f"alarms-test-{alarm.name}"
    assert plan.one(ALARM, "alarms-network-nat-instance-status-check").inputs["alarmActions"][1] \
        == "arn:aws:automate:us-east-1:ec2:recover"


# ------------------------------------------------------------------------------------------
# routing: severity -> topic, actions
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_every_alarm_notifies_the_topic_of_its_severity(stack, request):
    plan = request.getfixturevalue(stack)
    topics = {s: topic_arn(plan, s) for s in ("critical", "warning")}
    assert topics["critical"] != topics["warning"]
    for alarm in plan.of_type(ALARM):
        severity = ALARMS[tags_of(alarm)["AlarmKey"]].severity
        assert tags_of(alarm)["Severity"] == severity
        assert alarm.inputs["alarmActions"] == [topics[severity]], alarm.name
        assert alarm.inputs["okActions"] == [topics[severity]], alarm.name
        assert alarm.inputs["actionsEnabled"] is True
    used = {tags_of(a)["Severity"] for a in plan.of_type(ALARM)}
    assert used == {"critical", "warning"}


def test_alarm_names_share_the_prefix_and_are_children_of_the_component(prod):
    [component] = [r for r in prod.resources if r.type == "groundwork:monitoring:EnvironmentAlarms"]
    mine = [a for a in prod.of_type(ALARM) if a.parent == component.urn]
    assert len(mine) == 35  # with the web ACL's 2 and the health check's 1
    # the one other: DeployNotices' deployment-rolled-back (tests/test_alarms_deployments.py)
    assert [a.inputs["name"] for a in prod.of_type(ALARM) if a not in mine] == [
        "groundwork-prod-deploy-notices-services-deployment-rolled-back"]
    for alarm in mine:
        assert alarm.inputs["name"].startswith("groundwork-prod-alarms-")
        assert len(alarm.inputs["name"]) <= 255
        assert alarm.parent == component.urn
        assert tags_of(alarm)["Name"] == alarm.inputs["name"]
        assert tags_of(alarm)["Owner"] == "platform-team"


def test_missing_data_never_rolls_back_a_deployment(prod):
    """Deployment-gating alarms must not go to ALARM on a gap in metrics (no traffic, a
    Container Insights hiccup): that would roll back a healthy revision."""
    gating = 0
    for alarm in prod.of_type(ALARM):
        assert alarm.inputs["treatMissingData"] in {"missing", "notBreaching", "breaching", "ignore"}
        if tags_of(alarm)["AlarmKey"] in DEPLOYMENT_ALARMS:
            assert alarm.inputs["treatMissingData"] != "breaching", alarm.name
            gating += 1
    # api: target-5xx-rate, unhealthy-hosts, running-below-desired; worker: running-below-desired
    assert gating == 4
    # counts published only when non-zero: missing must read as zero
    for key in ("alb-5xx", "target-5xx-rate"):
        assert {a.inputs["treatMissingData"] for a in of_key(prod, key)} == {"notBreaching"}


# ------------------------------------------------------------------------------------------
# dimensions == the outputs of the watched resources
# ------------------------------------------------------------------------------------------


def test_load_balancer_dimension_is_the_albs_arn_suffix(prod):
    [alb] = prod.of_type("aws:lb/loadBalancer:LoadBalancer")
    suffix = alb.outputs["arnSuffix"]
    assert suffix.startswith("app/") and suffix != alb.outputs["arn"]
    lb_alarms = [a for a in prod.of_type(ALARM) if ALARMS[tags_of(a)["AlarmKey"]].family
                 == "load_balancer"]
    assert len(lb_alarms) == 4
    for alarm in lb_alarms:
        assert dims(alarm, "LoadBalancer") == {suffix}, alarm.name


@pytest.mark.parametrize("fixture", ["prod", "dev_variant"])
def test_target_group_dimensions_are_the_services_target_groups(fixture, request):
    plan = request.getfixturevalue(fixture)
    web = 0
    for svc in plan.of_type(ECS_SERVICE):
        tgs = target_group_suffixes(plan, svc)
        if not tgs:
            continue
        web += 1
        component = plan.by_urn(svc.parent).name  # the FargateService the alarms are scoped to
        for key in ("target-5xx-rate", "target-latency-p95", "unhealthy-hosts"):
            alarm = alarms(plan)[f"{plan.config.name_prefix}-alarms-{component}-{key}"]
            assert dims(alarm, "TargetGroup") == set(tgs), alarm.name
            assert all(t.startswith("targetgroup/") for t in tgs)
    assert web == 1  # the api (the worker sits behind no target group)


def test_blue_green_service_alarms_read_both_target_groups(dev_variant):
    [api] = [s for s in dev_variant.of_type(ECS_SERVICE) if s.inputs["name"].endswith("-api")]
    blue, green = target_group_suffixes(dev_variant, api)
    rate = alarms(dev_variant)["groundwork-dev-alarms-api-target-5xx-rate"].inputs["metricQueries"]
    by_id = {q["id"]: q for q in rate}
    assert by_id["errors0"]["metric"]["dimensions"]["TargetGroup"] == blue
    assert by_id["errors1"]["metric"]["dimensions"]["TargetGroup"] == green
    assert "FILL(errors0, 0) + FILL(errors1, 0)" in by_id["result"]["expression"]
    latency = alarms(dev_variant)["groundwork-dev-alarms-api-target-latency-p95"].inputs["metricQueries"]
    assert [q["expression"] for q in latency if q.get("returnData")] == ["MAX([tg0, tg1])"]


@pytest.mark.parametrize("fixture", ["prod", "dev", "dev_variant"])
def test_ecs_dimensions_are_the_cluster_and_service_names(fixture, request):
    plan = request.getfixturevalue(fixture)
    [cluster] = plan.of_type("aws:ecs/cluster:Cluster")
    services = {s.outputs["name"] for s in plan.of_type(ECS_SERVICE)}
    assert len(services) == 2
    ecs_alarms = [a for a in plan.of_type(ALARM) if dims(a, "ServiceName")]
    assert len(ecs_alarms) == 3 * len(services)
    for alarm in ecs_alarms:
        assert dims(alarm, "ClusterName") == {cluster.outputs["name"]}
        [service] = dims(alarm, "ServiceName")
        assert service in services
        # the alarm is scoped to the FargateService component whose ECS service it watches
        [ecs] = [s for s in plan.of_type(ECS_SERVICE) if s.outputs["name"] == service]
        component = plan.by_urn(ecs.parent).name
        assert alarm.inputs["name"] == \
            f"{plan.config.name_prefix}-alarms-{component}-{tags_of(alarm)['AlarmKey']}"


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_rds_dimension_is_the_instance_identifier(stack, request):
    plan = request.getfixturevalue(stack)
    [db] = plan.of_type("aws:rds/instance:Instance")
    rds = of_family(plan, "database")
    assert len(rds) == 7
    for alarm in rds:
        assert dims(alarm, "DBInstanceIdentifier") == {db.outputs["identifier"]}


def of_family(plan: PlanResult, family: str) -> list[ResourceRecord]:
    return [a for a in plan.of_type(ALARM) if ALARMS[tags_of(a)["AlarmKey"]].family == family]


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_cache_alarms_cover_every_member_cluster(stack, request):
    plan = request.getfixturevalue(stack)
    [group] = plan.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    members = group.outputs["memberClusters"]
    assert len(members) == plan.config.cache.num_nodes
    for key in ("cache-engine-cpu", "cache-memory", "cache-evictions"):
        watched = [dims(a, "CacheClusterId") for a in of_key(plan, key)]
        assert all(len(w) == 1 for w in watched)
        assert sorted(w.pop() for w in watched) == sorted(members)
    assert group.outputs["replicationGroupId"] not in {
        v for a in of_family(plan, "cache") for v in dims(a, "CacheClusterId")}


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_nat_alarms_watch_every_gateway(stack, request):
    plan = request.getfixturevalue(stack)
    nat_ids = sorted(n.id for n in plan.of_type("aws:ec2/natGateway:NatGateway"))
    for key in ("nat-port-allocation", "nat-packets-dropped"):
        assert sorted(v for a in of_key(plan, key) for v in dims(a, "NatGatewayId")) == nat_ids


@pytest.mark.parametrize("fixture", ["prod", "dev", "dev_variant"])
def test_deployment_alarms_of_every_service_exist_and_watch_that_service(fixture, request):
    plan = request.getfixturevalue(fixture)
    by_name = alarms(plan)
    services = plan.of_type(ECS_SERVICE)
    assert services
    for svc in services:
        names = svc.inputs["alarms"]["alarmNames"]
        assert names and svc.inputs["alarms"]["rollback"] is True
        for name in names:
            assert name in by_name, f"{svc.name} rolls back on {name}, which doesn't exist"
            alarm = by_name[name]
            assert dims(alarm, "ServiceName") <= {svc.outputs["name"]}
            if dims(alarm, "TargetGroup"):
                assert dims(alarm, "TargetGroup") == set(target_group_suffixes(plan, svc))
            else:
                assert dims(alarm, "ServiceName") == {svc.outputs["name"]}


# ------------------------------------------------------------------------------------------
# thresholds: derived from what was deployed, overridable per key
# ------------------------------------------------------------------------------------------


def test_derived_thresholds_follow_the_instance_class(dev, dev_bigger_db):
    def thresholds(plan: PlanResult) -> dict[str, float]:
        return {tags_of(a)["AlarmKey"]: a.inputs["threshold"] for a in of_family(plan, "database")}

    small, big = thresholds(dev), thresholds(dev_bigger_db)
    # max_connections = memory x 0.9 // 9531392: 1 GiB -> 101, 32 GiB -> 3244; alarms at 80 %
    assert small["rds-connections"] == 80
    assert big["rds-connections"] == 2595
    assert small["rds-freeable-memory"] == GIB / 4  # 25 % of 1 GiB
    assert big["rds-freeable-memory"] == 8 * GIB  # 25 % of 32 GiB
    assert (small["rds-db-load"], big["rds-db-load"]) == (2, 4)
    assert (small["rds-free-storage"], big["rds-free-storage"]) == (2 * GIB, 20 * GIB)
    changed = {k for k in small if small[k] != big[k]}
    assert changed == {"rds-connections", "rds-freeable-memory", "rds-db-load", "rds-free-storage"}


def test_overrides_change_threshold_and_window_or_remove_the_alarm(dev, dev_variant):
    cpu = alarms(dev_variant)["groundwork-dev-alarms-database-rds-cpu"].inputs
    assert (cpu["threshold"], cpu["evaluationPeriods"], cpu["datapointsToAlarm"]) == (75, 10, 8)
    assert "(set in overrides)" in cpu["alarmDescription"]
    default = alarms(dev)["groundwork-dev-alarms-database-rds-cpu"].inputs
    assert (default["threshold"], default["evaluationPeriods"], default["datapointsToAlarm"]) == (90, 5, 5)
    assert of_key(dev, "cache-evictions") and not of_key(dev_variant, "cache-evictions")
    assert alarms(dev_variant)["groundwork-dev-alarms-api-target-5xx-rate"].inputs["threshold"] == 2


@pytest.mark.parametrize(("overrides", "message"), [
    ({"rds-cpux": {"threshold": 80}}, "unknown alarm key 'rds-cpux'"),
    ({"rds-cpux": {"threshold": 80}}, "did you mean 'rds-cpu'?"),
    ({"running-below-desired": {"enabled": False}}, "gates ECS deployment rollback"),
    ({"ecs-cpu": {"threshold": 120}}, "ecs-cpu.threshold 120 is outside 0..100"),
    ({"rds-connections": {"threshold": -1}}, "rds-connections.threshold -1 is outside >= 0"),
    ({"rds-cpu": {"datapoints_to_alarm": 6}}, "datapoints_to_alarm 6 exceeds evaluation_periods 5"),
    ({"rds-cpu": {"treshold": 6}}, "groundwork:alarms.overrides.rds-cpu.treshold: unknown key"),
])
def test_bad_overrides_are_config_errors_before_any_resource(overrides, message):
    with pytest.raises(ConfigError) as err:
        plan_stack("dev", overrides={"alarms": {"overrides": overrides}})
    assert any(message in p and p.startswith("groundwork:alarms.overrides")
               for p in err.value.problems), err.value.problems


def test_https_endpoint_must_be_https():
    with pytest.raises(ConfigError) as err:
        plan_stack("dev", overrides={"alarms": {"critical_https_endpoints": ["http://pager/x"]}})
    assert err.value.problems[0].startswith("groundwork:alarms.critical_https_endpoints:")


# ------------------------------------------------------------------------------------------
# descriptions and the runbook
# ------------------------------------------------------------------------------------------


def test_descriptions_say_what_it_means_what_to_do_and_link_the_runbook(prod, dev_variant):
    assert prod.of_type(ALARM)
    for alarm in prod.of_type(ALARM):
        key = tags_of(alarm)["AlarmKey"]
        text = alarm.inputs["alarmDescription"]
        assert len(text) <= 1024
        assert ALARMS[key].meaning in text and ALARMS[key].first_step in text
        assert text.startswith(f"[{ALARMS[key].severity}]")
        assert text.endswith(f"Runbook: docs/alarms.md#{key}")
    assert dev_variant.of_type(ALARM)
    for alarm in dev_variant.of_type(ALARM):
        key = tags_of(alarm)["AlarmKey"]
        assert alarm.inputs["alarmDescription"].endswith(
            f"Runbook: https://runbooks.example.com/groundwork#{key}")


def test_runbook_has_a_section_for_every_alarm_key():
    text = (ROOT / "docs/alarms.md").read_text()
    headings = re.findall(r"^### `?([a-z0-9-]+)`?\s*$", text, flags=re.M)
    assert sorted(headings) == sorted(CATALOG)  # metric alarms and event notices alike
    for key in CATALOG:  # each section says what to do first
        section = text.split(f"### {key}", 1)[1].split("\n### ", 1)[0]
        assert "First:" in section, key


# ------------------------------------------------------------------------------------------
# notifications
# ------------------------------------------------------------------------------------------


def test_topics_are_encrypted_with_the_notifications_key(prod):
    [key] = [k for k in prod.of_type("aws:kms/key:Key") if tags_of(k)["Purpose"] == "notifications"]
    topics = prod.of_type(TOPIC)
    assert {t.inputs["name"] for t in topics} == {"groundwork-prod-alarms-critical",
                                                 "groundwork-prod-alarms-warning",
                                                 "groundwork-prod-deploys"}  # DeployNotices
    for topic in topics:
        assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
        assert tags_of(topic)["Name"] == topic.inputs["name"]
    # ...whose key policy lets CloudWatch (and RDS events) use it, or alarms can't publish
    services = {s["Principal"].get("Service") for s in policy_doc(key)["Statement"]
                if isinstance(s["Principal"], dict)}
    assert {"cloudwatch.amazonaws.com", "events.rds.amazonaws.com"} <= services


def test_topic_policies_let_cloudwatch_publish_for_this_account_only(prod):
    arns = {topic_arn(prod, s): s for s in ("critical", "warning")}
    # the deploys topic's policy lets EventBridge only (tests/test_alarms_deployments.py)
    policies = [p for p in prod.of_type("aws:sns/topicPolicy:TopicPolicy")
                if not p.name.startswith("deploy-notices")]
    assert {p.inputs["arn"] for p in policies} == set(arns)
    for record in policies:
        statements = {s["Sid"]: s for s in policy_doc(record)["Statement"]}
        cw = statements["CloudWatchAlarmsPublish"]
        assert cw["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert cw["Action"] == "sns:Publish" and cw["Resource"] == record.inputs["arn"]
        assert cw["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
        assert cw["Condition"]["ArnLike"]["aws:SourceArn"] == \
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"
        deny = statements["DenyInsecureTransport"]
        assert deny["Effect"] == "Deny" and deny["Condition"] == {
            "Bool": {"aws:SecureTransport": "false"}}
        # RDS events publish only to the critical topic
        assert ("RdsEventsPublish" in statements) == (arns[record.inputs["arn"]] == "critical")
        assert not any(s["Principal"] == "*" and s["Effect"] == "Allow"
                       for s in statements.values())


def test_rds_events_go_to_the_critical_topic(prod):
    subs = prod.of_type("aws:rds/eventSubscription:EventSubscription")
    [sub] = [s for s in subs if s.inputs["sourceType"] == "db-instance"]
    [db] = prod.of_type("aws:rds/instance:Instance")
    [policy] = [p for p in prod.of_type("aws:sns/topicPolicy:TopicPolicy")
                if p.inputs["arn"] == topic_arn(prod, "critical")]
    assert sub.inputs["snsTopic"] == topic_arn(prod, "critical")
    assert sub.inputs["sourceType"] == "db-instance"
    assert sub.inputs["sourceIds"] == [db.outputs["identifier"]]
    assert {"failure", "failover", "maintenance", "configuration change",
            "low storage"} <= set(sub.inputs["eventCategories"])
    assert policy.urn in sub.depends_on


def test_subscriptions_from_config(dev_variant):
    subs = dev_variant.of_type("aws:sns/topicSubscription:TopicSubscription")
    got = {(s.inputs["protocol"], s.inputs["topic"], s.inputs["endpoint"]) for s in subs}
    crit, warn = topic_arn(dev_variant, "critical"), topic_arn(dev_variant, "warning")
    assert got == {("email", crit, "oncall@example.com"), ("email", warn, "team@example.com"),
                   ("email", warn, "lead@example.com"), ("https", crit, "[secret]")}
    [https] = [s for s in subs if s.inputs["protocol"] == "https"]
    assert "endpoint" in https.secret_inputs  # the pager URL embeds a token


def test_without_a_database_there_are_no_rds_alarms_nor_event_subscription():
    plan = plan_stack("dev", overrides={"database": {"enabled": False}})
    assert not of_family(plan, "database")
    assert not plan.of_type("aws:rds/eventSubscription:EventSubscription")
    assert of_family(plan, "cache") and of_family(plan, "service")
    critical = next(p for p in plan.of_type("aws:sns/topicPolicy:TopicPolicy")
                    if p.inputs["arn"] == topic_arn(plan, "critical"))
    assert "RdsEventsPublish" not in {s["Sid"] for s in policy_doc(critical)["Statement"]}


def test_alarms_disabled_creates_no_alarm_topic_or_dashboard():
    plan = plan_stack("dev", overrides={"alarms": {"enabled": False}, "services": []})
    assert not plan.of_type(ALARM) and not plan.of_type(TOPIC)
    assert not plan.of_type("aws:cloudwatch/dashboard:Dashboard")


# ------------------------------------------------------------------------------------------
# dashboard
# ------------------------------------------------------------------------------------------


def widget_dimensions(body: dict[str, Any]) -> dict[str, set[str]]:
    """Dimension name -> values used by the dashboard's metric widgets."""
    out: dict[str, set[str]] = {}
    for widget in body["widgets"]:
        for row in widget["properties"].get("metrics", []):
            parts = [p for p in row if not isinstance(p, dict)][2:]
            for name, value in zip(parts[::2], parts[1::2], strict=True):
                out.setdefault(name, set()).add(value)
    return out


@pytest.mark.parametrize("fixture", ["prod", "dev_variant"])
def test_dashboard_is_json_graphing_the_real_resources(fixture, request):
    plan = request.getfixturevalue(fixture)
    [dash] = plan.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert dash.inputs["dashboardName"] == f"{plan.config.name_prefix}-overview"
    body = json.loads(dash.inputs["dashboardBody"])
    used = widget_dimensions(body)
    [alb] = plan.of_type("aws:lb/loadBalancer:LoadBalancer")
    [db] = plan.of_type("aws:rds/instance:Instance")
    [group] = plan.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    [cluster] = plan.of_type("aws:ecs/cluster:Cluster")
    assert used["LoadBalancer"] == {alb.outputs["arnSuffix"]}
    assert used["TargetGroup"] == {t.outputs["arnSuffix"] for t in plan.of_type(TG)}
    assert used["DBInstanceIdentifier"] == {db.outputs["identifier"]}
    assert used["CacheClusterId"] == set(group.outputs["memberClusters"])
    assert used["ClusterName"] == {cluster.outputs["name"]}
    assert used["ServiceName"] == {s.outputs["name"] for s in plan.of_type(ECS_SERVICE)}
    assert used["NatGatewayId"] == {n.id for n in plan.of_type("aws:ec2/natGateway:NatGateway")}
    [status] = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert set(status["properties"]["alarms"]) == {a.outputs["arn"] for a in plan.of_type(ALARM)}
    for widget in body["widgets"]:
        assert widget["x"] + widget["width"] <= 24
        if widget["type"] == "metric":
            assert widget["properties"]["region"] == "us-east-1"


def namespace_dimensions(body: dict[str, Any], namespace: str) -> dict[str, set[str]]:
    """Dimension name -> values of the metric rows in `namespace` (expression rows skipped)."""
    out: dict[str, set[str]] = {}
    for widget in body["widgets"]:
        for row in widget["properties"].get("metrics", []):
            parts = [p for p in row if not isinstance(p, dict)]
            if parts[:1] != [namespace]:
                continue
            for name, value in zip(parts[2::2], parts[3::2], strict=True):
                out.setdefault(name, set()).add(value)
    return out


def test_the_dashboard_graphs_the_data_services_by_their_outputs(prod_data_services):
    """Search domain, document database and Kafka widgets: every dimension is the resource's
    output, and each threshold line is the value its alarm uses."""
    plan = prod_data_services
    [dash] = plan.of_type("aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(dash.inputs["dashboardBody"])
    domain = plan.one("aws:opensearch/domain:Domain")
    assert namespace_dimensions(body, "AWS/ES") == {
        "DomainName": {domain.outputs["domainName"]},
        "ClientId": {domain.outputs["arn"].split(":")[4]}}
    instances = plan.of_type("aws:docdb/clusterInstance:ClusterInstance")
    assert len(instances) == 2
    assert namespace_dimensions(body, "AWS/DocDB") == {
        "DBInstanceIdentifier": {i.outputs["identifier"] for i in instances}}
    # the RDS widgets keep the RDS instance alone
    assert namespace_dimensions(body, "AWS/RDS")["DBInstanceIdentifier"] == {
        plan.one("aws:rds/instance:Instance").outputs["identifier"]}
    msk = plan.one("aws:msk/cluster:Cluster")
    brokers = {str(n) for n in range(1, int(msk.inputs["numberOfBrokerNodes"]) + 1)}
    assert namespace_dimensions(body, "AWS/Kafka") == {
        "Cluster Name": {msk.outputs["clusterName"]}, "Broker ID": brokers}
    titles = [w["properties"].get("title", "") for w in body["widgets"]]
    assert sum(t.startswith("Search domain search:") for t in titles) == 3
    assert sum(t.startswith("Document database documents:") for t in titles) == 2
    assert sum(t.startswith("Kafka kafka:") for t in titles) == 2
    # the CPU widget sums each broker's own CpuUser and CpuSystem, as the kafka-cpu alarm does
    [cpu] = [w for w in body["widgets"] if w["properties"].get("title", "").startswith("Kafka")
             and "CPU" in w["properties"]["title"]]
    rows = cpu["properties"]["metrics"]
    ids = {row[-1]["id"]: row for row in rows if len(row) > 1}
    for expression in (row[0] for row in rows if len(row) == 1):
        terms = expression["expression"].split(" + ")
        assert {ids[t][1] for t in terms} == {"CpuUser", "CpuSystem"}
        assert {ids[t][5] for t in terms} == {expression["label"].removeprefix("broker ")}
    # threshold lines: the alarms' own thresholds
    lines = {a["label"]: a["value"] for w in body["widgets"]
             for a in w["properties"].get("annotations", {}).get("horizontal", [])}
    for key in ("search-free-storage", "search-cpu", "search-jvm-memory", "docdb-cpu",
                "docdb-connections", "docdb-freeable-memory", "kafka-disk-used", "kafka-cpu"):
        assert {a.inputs["threshold"] for a in of_key(plan, key)} == {lines[key]}, key
    for widget in body["widgets"]:
        assert widget["x"] + widget["width"] <= 24


def test_documentdb_events_go_to_the_critical_topic(prod_data_services, prod):
    """DocumentDB's events come through RDS's event machinery: a db-cluster and a db-instance
    subscription naming the DocumentDB identifiers, next to (not merged into) the RDS one."""
    from groundwork.components.alarms.notifications import (
        DOCDB_CLUSTER_EVENT_CATEGORIES,
        DOCDB_INSTANCE_EVENT_CATEGORIES,
    )

    plan = prod_data_services
    subs = {s.name: s for s in plan.of_type("aws:rds/eventSubscription:EventSubscription")}
    cluster = plan.one("aws:docdb/cluster:Cluster")
    instances = plan.of_type("aws:docdb/clusterInstance:ClusterInstance")
    critical = topic_arn(plan, "critical")
    [policy] = [p for p in plan.of_type("aws:sns/topicPolicy:TopicPolicy")
                if p.inputs["arn"] == critical]
    on_cluster, on_instances = subs["notifications-docdb-cluster-events"], subs[
        "notifications-docdb-instance-events"]
    assert on_cluster.inputs["sourceType"] == "db-cluster"
    assert on_cluster.inputs["sourceIds"] == [cluster.outputs["clusterIdentifier"]]
    assert on_cluster.inputs["eventCategories"] == list(DOCDB_CLUSTER_EVENT_CATEGORIES)
    assert on_instances.inputs["sourceType"] == "db-instance"
    assert sorted(on_instances.inputs["sourceIds"]) == sorted(
        i.outputs["identifier"] for i in instances)
    assert on_instances.inputs["eventCategories"] == list(DOCDB_INSTANCE_EVENT_CATEGORIES)
    for sub in (on_cluster, on_instances):
        assert sub.inputs["snsTopic"] == critical and sub.inputs["enabled"] is True
        assert policy.urn in sub.depends_on  # RDS may publish before the first event
        assert sub.inputs["name"] == f"{plan.config.name_prefix}-notifications-" + sub.name.removeprefix(
            "notifications-")
    assert "RdsEventsPublish" in {s["Sid"] for s in policy_doc(policy)["Statement"]}
    [rds] = [s for s in subs.values() if s.inputs["sourceType"] == "db-instance"
             and s is not on_instances]
    assert rds.inputs["sourceIds"] == [plan.one("aws:rds/instance:Instance").outputs["identifier"]]
    # the committed prod has no document database, so no such subscription
    assert not [s for s in prod.of_type("aws:rds/eventSubscription:EventSubscription")
                if "docdb" in s.name]


def test_runbook_file_exists_where_descriptions_point():
    assert Path(ROOT / "docs/alarms.md").is_file()


# ------------------------------------------------------------------------------------------
# two of each in one program (tests/programs/alarms two_of_each), refused Args
# ------------------------------------------------------------------------------------------

MONITORING = ("groundwork:monitoring:Notifications", "groundwork:monitoring:EnvironmentAlarms",
              "groundwork:monitoring:Dashboard")


def test_two_of_each_have_distinct_urns_and_aws_names(two_of_each):
    plan = two_of_each
    urns = [r.urn for r in plan.resources]
    assert len(urns) == len(set(urns))
    assert plan.name_clashes == []
    for kind in MONITORING:
        assert {c.name for c in plan.of_type(kind)} == {
            f"{kind.rsplit(':', 1)[1].lower().replace('environmentalarms', 'alarms')}{s}"
            for s in ("", "-b")}
    # AWS names unique per account and region (a role policy's name is unique per role only)
    names = [(r.type, physical) for r in plan.custom_resources
             if (physical := r.physical_name) is not None and len(PHYSICAL_NAMES[r.type]) == 1]
    assert len(names) > 100 and len(names) == len(set(names))
    # each component's children carry its name (Pulumi) and its prefix (AWS)
    topics = {t.name: t.inputs["name"] for t in plan.of_type(TOPIC)}
    assert topics == {"notifications-critical": "alarms-test-notifications-critical",
                      "notifications-warning": "alarms-test-notifications-warning",
                      "notifications-b-critical": "alarms-test-notifications-b-critical",
                      "notifications-b-warning": "alarms-test-notifications-b-warning"}
    dashboards = {d.name: d.inputs["dashboardName"]
                  for d in plan.of_type("aws:cloudwatch/dashboard:Dashboard")}
    assert dashboards == {"dashboard-dashboard": "alarms-test-dashboard",
                          "dashboard-b-dashboard": "alarms-test-dashboard-b"}
    events = {e.name: e.inputs["name"]
              for e in plan.of_type("aws:rds/eventSubscription:EventSubscription")}
    assert events == {f"notifications{s}-rds{kind}-events": f"alarms-test-notifications{s}-rds{kind}-events"
                      for s in ("", "-b") for kind in ("", "-parameter-group", "-security-group")}
    first, second = (plan.stack_outputs["alarm_names"][k] for k in ("alarms", "alarms-b"))
    assert len(first) == len(second) == len(set(first)) == 43
    assert all(n.startswith("alarms-test-alarms-") for n in first)
    assert all(n.startswith("alarms-test-alarms-b-") for n in second)
    assert not set(first) & set(second)


def test_each_alarms_component_notifies_its_own_topics(two_of_each):
    plan = two_of_each
    for suffix in ("", "-b"):
        component = plan.one("groundwork:monitoring:EnvironmentAlarms", f"alarms{suffix}")
        arns = {t.outputs["arn"] for t in plan.of_type(TOPIC)
                if t.name.startswith(f"notifications{suffix}-")
                and t.name.removeprefix(f"notifications{suffix}-") in ("critical", "warning")}
        mine = [a for a in plan.of_type(ALARM) if a.parent == component.urn]
        assert len(mine) == 43
        assert {arn for a in mine for arn in a.inputs["alarmActions"]} == arns


def test_two_databases_get_alarms_of_their_own(two_of_each):
    """main (db.m7g.large, 100 GiB) and analytics (db.r7g.xlarge, 200 GiB): one set each, named
    after the database, watching its identifier, with thresholds from its own size; one RDS
    event subscription per Notifications covers both."""
    plan = two_of_each
    identifiers = {d.name: d.outputs["identifier"] for d in plan.of_type("aws:rds/instance:Instance")}
    assert set(identifiers) == {"main", "analytics"}
    component = plan.one("groundwork:monitoring:EnvironmentAlarms", "alarms")
    by_db: dict[str, dict[str, ResourceRecord]] = {}
    for alarm in of_family(plan, "database"):
        if alarm.parent != component.urn:
            continue
        [identifier] = dims(alarm, "DBInstanceIdentifier")
        db = next(n for n, i in identifiers.items() if i == identifier)
        key = tags_of(alarm)["AlarmKey"]
        assert alarm.inputs["name"] == f"alarms-test-alarms-{db}-{key}"
        by_db.setdefault(db, {})[key] = alarm
    assert {db: len(keys) for db, keys in by_db.items()} == {"main": 7, "analytics": 7}
    main, analytics = by_db["main"], by_db["analytics"]
    assert main["rds-connections"].inputs["threshold"] == 648  # 80 % of 811 (8 GiB)
    assert analytics["rds-connections"].inputs["threshold"] == 2595  # 80 % of 3244 (32 GiB)
    assert main["rds-free-storage"].inputs["threshold"] == 10 * GIB
    assert analytics["rds-free-storage"].inputs["threshold"] == 20 * GIB
    assert (main["rds-db-load"].inputs["threshold"], analytics["rds-db-load"].inputs["threshold"]) \
        == (2, 4)
    for sub in plan.of_type("aws:rds/eventSubscription:EventSubscription"):
        if sub.inputs["sourceType"] == "db-instance":
            assert sorted(sub.inputs["sourceIds"]) == sorted(identifiers.values())


def test_two_caches_load_balancers_networks_and_services_are_scoped_by_name(two_of_each):
    plan = two_of_each
    names = set(plan.stack_outputs["alarm_names"]["alarms"])
    p = "alarms-test-alarms"
    assert {f"{p}-sessions-cache-memory-1", f"{p}-sessions-cache-memory-2",
            f"{p}-jobs-cache-memory-1"} <= names
    assert f"{p}-jobs-cache-memory-2" not in names  # jobs has one node
    members = {g.name: set(g.outputs["memberClusters"])
               for g in plan.of_type("aws:elasticache/replicationGroup:ReplicationGroup")}
    for alarm in of_key(plan, "cache-memory"):
        cache = alarm.inputs["name"].split("-alarms-b-" if "-alarms-b-" in alarm.inputs["name"]
                                           else "-alarms-")[1].split("-cache-memory")[0]
        assert dims(alarm, "CacheClusterId") <= members[cache]
    suffixes = {lb.name: lb.outputs["arnSuffix"] for lb in plan.of_type("aws:lb/loadBalancer:LoadBalancer")}
    for lb in ("public", "internal"):
        assert dims(alarms(plan)[f"{p}-{lb}-alb-5xx"], "LoadBalancer") == {suffixes[lb]}
    # each web service's target-group alarms use the load balancer it sits behind
    assert dims(alarms(plan)[f"{p}-api-target-5xx-rate"], "LoadBalancer") == {suffixes["public"]}
    assert dims(alarms(plan)[f"{p}-admin-target-5xx-rate"], "LoadBalancer") == {suffixes["internal"]}
    gateways = {g.name: g.id for g in plan.of_type("aws:ec2/natGateway:NatGateway")}
    assert dims(alarms(plan)[f"{p}-network-nat-port-allocation-1"], "NatGatewayId") == {
        gateways["network-nat-0"]}
    assert dims(alarms(plan)[f"{p}-analytics-net-nat-port-allocation-2"], "NatGatewayId") == {
        gateways["analytics-net-nat-1"]}


def test_a_dashboard_graphs_every_target_and_names_its_topics(two_of_each):
    plan = two_of_each
    dash = plan.one("aws:cloudwatch/dashboard:Dashboard", "dashboard-b-dashboard")
    body = json.loads(dash.inputs["dashboardBody"])
    used = widget_dimensions(body)
    assert used["DBInstanceIdentifier"] == {d.outputs["identifier"]
                                            for d in plan.of_type("aws:rds/instance:Instance")}
    assert used["LoadBalancer"] == {lb.outputs["arnSuffix"]
                                    for lb in plan.of_type("aws:lb/loadBalancer:LoadBalancer")}
    [header] = [w for w in body["widgets"] if w["type"] == "text"]
    assert header["properties"]["markdown"].startswith("# alarms-test\n")
    assert "`alarms-test-notifications-b-critical` and `alarms-test-notifications-b-warning`" in \
        header["properties"]["markdown"]
    [status] = [w for w in body["widgets"] if w["type"] == "alarm"]
    component = plan.one("groundwork:monitoring:EnvironmentAlarms", "alarms-b")
    assert set(status["properties"]["alarms"]) == {
        a.outputs["arn"] for a in plan.of_type(ALARM) if a.parent == component.urn}


def test_a_service_rolling_back_on_alarms_nobody_creates_is_reported():
    plan = run_alarms_program("misnamed_rollback")
    [warning] = [m for m in plan.log if "rolls its deployments back" in m]
    assert "alarms-test-monitoring-api-target-5xx-rate" in warning
    assert "alarms-test-alarms-api-target-5xx-rate" in warning


@pytest.mark.parametrize(("what", "message", "component"), [
    ("alarms_without_targets", "EnvironmentAlarmsArgs.targets is required", "EnvironmentAlarms"),
    ("alarms_without_warning_topic", "EnvironmentAlarmsArgs.warning_topic_arn is required",
     "EnvironmentAlarms"),
    ("alarms_with_two_databases_named_alike", "two targets named database db",
     "EnvironmentAlarms"),
    ("alarms_with_an_unknown_override", "did you mean 'rds-cpu'?", "EnvironmentAlarms"),
    ("notifications_without_key", "NotificationsArgs.key_arn is required", "Notifications"),
    ("notifications_with_http_endpoint", "critical_https_endpoints", "Notifications"),
    ("dashboard_without_targets", "DashboardArgs.alarms or DashboardArgs.targets is required",
     "Dashboard"),
])
def test_bad_args_are_refused_before_anything_registers(what, message, component):
    plan = run_alarms_program("refuse", refuse=what)
    assert "error" in plan.stack_outputs, f"{what}: the constructor accepted it"
    assert message in plan.stack_outputs["error"]
    assert not plan.of_type(f"groundwork:monitoring:{component}")
    assert not plan.of_type(ALARM) and not plan.of_type(TOPIC)
