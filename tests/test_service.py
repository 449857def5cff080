"""FargateService on the real stacks (issue 5): ECS.* controls, the api and worker as the seeds
ask, secret wiring and least-privilege roles, deployments, autoscaling, images, and the config
errors a bad service gets (before any resource, CLI exit 2); on its own (issue 11): two of each
service kind in one program, one name in two programs, and Args refused before anything
registers."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from compute_support import (
    ALB,
    ATTACHMENT,
    LOG_GROUP,
    ROLE,
    ROLE_POLICY,
    RULE,
    SCALING_POLICY,
    SCALING_TARGET,
    SERVICE,
    SG,
    TASK,
    TG,
    containers,
    doc,
    duplicate_names,
    duplicate_urns,
    physical_name,
    policies_of_role,
    role_of,
    run_standalone,
    service,
    statements,
    task,
    tier_subnet_ids,
    web,
    worker,
)
from conftest import tags_of
from pydantic import ValidationError

from groundwork.components.service import FargateServiceArgs, FargateServiceSettings, ServiceWiring
from groundwork.engine import plan_stack
from groundwork.stacks.config import ConfigError

ROOT = Path(__file__).resolve().parent.parent
SECRETISH = re.compile(r"(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY)", re.I)


def key_arn(plan, purpose: str) -> str:
    return next(k for k in plan.of_type("aws:kms/key:Key")
                if tags_of(k)["Purpose"] == purpose).outputs["arn"]


def rds_secret(plan) -> str:
    return plan.one("aws:rds/instance:Instance").outputs["masterUserSecrets"][0]["secretArn"]


def cache_secret(plan) -> str:
    [secret] = [s for s in plan.of_type("aws:secretsmanager/secret:Secret")
                if s.component == "groundwork:data:RedisCache"]
    return secret.outputs["arn"]


# -- the two services the stacks run ----------------------------------------------------------


def test_api_and_worker_in_both_stacks(prod, dev):
    for plan in (prod, dev):
        assert sorted(s.name for s in plan.of_type(SERVICE)) == ["api-service", "worker-service"]
    sizes = {(p.stack, n): (task(p, n).inputs["cpu"], task(p, n).inputs["memory"])
             for p in (prod, dev) for n in ("api", "worker")}
    assert sizes[("prod", "api")] == ("2048", "4096")  # seed 000
    assert sizes[("dev", "api")] == ("256", "512")
    assert service(prod, "api").inputs["desiredCount"] == 2
    assert service(dev, "api").inputs["desiredCount"] == 1


def test_task_definition_is_fargate_with_an_explicit_platform(prod, dev):
    for plan in (prod, dev):
        tasks = plan.of_type(TASK)
        assert len(tasks) == 2
        for t in tasks:
            i = t.inputs
            assert i["requiresCompatibilities"] == ["FARGATE"] and i["networkMode"] == "awsvpc"
            assert i["runtimePlatform"] == {"operatingSystemFamily": "LINUX",
                                            "cpuArchitecture": "X86_64"}
            assert i["executionRoleArn"] != i["taskRoleArn"]


def test_every_container_is_hardened_ecs_3_4_5_8_9(prod, dev):
    for plan in (prod, dev):
        tasks = plan.of_type(TASK)
        assert len(tasks) == 2
        for t in tasks:
            name = t.name.removesuffix("-task")
            volumes = {v["name"] for v in t.inputs["volumes"]}
            defs = json.loads(t.inputs["containerDefinitions"])
            assert defs
            for c in defs:
                uid = c["user"].split(":")[0]
                assert uid.isdigit() and int(uid) > 0                    # non-root
                assert c["readonlyRootFilesystem"] is True                # ECS.5
                assert c["privileged"] is False                           # ECS.4
                assert "pidMode" not in t.inputs                          # ECS.3
                assert c["linuxParameters"]["initProcessEnabled"] is True
                assert c["stopTimeout"] == 30
                # writable scratch: every mount point is a task volume (the tracing sidecar,
                # prod, writes nothing: tests/test_containers.py)
                sidecar = c["name"] == "aws-otel-collector"
                assert [m["containerPath"] for m in c["mountPoints"]] == ([] if sidecar else ["/tmp"])
                assert {m["sourceVolume"] for m in c["mountPoints"]} <= volumes
                # ECS.9: awslogs to the service's own group
                log = c["logConfiguration"]
                assert log["logDriver"] == "awslogs"
                assert log["options"]["awslogs-group"] == f"/ecs/groundwork-{plan.stack}-{name}"
                assert log["options"]["awslogs-region"] == "us-east-1"
                # ECS.8: nothing secret in the environment; secrets are ARNs
                for env in c["environment"]:
                    if env["name"].endswith("_ARN") and str(env["value"]).startswith("arn:"):
                        continue  # a reference to a secret, not one (CACHE_AUTH_SECRET_ARN)
                    assert not SECRETISH.search(env["name"]), env
                    assert not env["value"].startswith("arn:aws:secretsmanager"), env
                assert c["secrets"] or sidecar
                for s in c["secrets"]:
                    assert s["valueFrom"].startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:")


def test_ecs_exec_gets_writable_agent_paths_on_the_read_only_root():
    # ECS Exec's SSM agent writes under /var/lib/amazon and /var/log/amazon; on a read-only root
    # filesystem without writable volumes there it never starts (execute-command then fails with
    # TargetNotConnected), although every API call of the deploy succeeds.
    plan = plan_stack("dev", overrides={"cluster": {"execute_command": True}})
    for name in ("api", "worker"):
        t = task(plan, name)
        [c] = containers(plan, name)
        assert c["readonlyRootFilesystem"] is True  # ECS.5 stays on
        mounts = {m["containerPath"]: m for m in c["mountPoints"]}
        assert list(mounts) == ["/tmp", "/var/lib/amazon", "/var/log/amazon"]
        assert all(m["readOnly"] is False for m in mounts.values())
        volumes = [v["name"] for v in t.inputs["volumes"]]
        assert sorted(m["sourceVolume"] for m in mounts.values()) == sorted(volumes)
        assert len(set(volumes)) == len(volumes)


def test_log_groups_are_encrypted_with_retention(prod, dev):
    for plan, days in ((prod, 365), (dev, 14)):
        for name in ("api", "worker"):
            group = plan.one(LOG_GROUP, f"{name}-logs")
            assert group.inputs["kmsKeyId"] == key_arn(plan, "logs")
            assert group.inputs["retentionInDays"] == days


def test_services_are_private_on_latest_platform_ecs_2_10(prod):
    compute = tier_subnet_ids(prod, "compute")
    for name in ("api", "worker"):
        svc = service(prod, name)
        net = svc.inputs["networkConfiguration"]
        assert net["assignPublicIp"] is False                             # ECS.2
        assert sorted(net["subnets"]) == compute
        [sg] = [g for g in prod.of_type(SG) if tags_of(g).get("Group") == name]
        assert net["securityGroups"] == [sg.id]
        assert svc.inputs["platformVersion"] == "LATEST"                  # ECS.10
        assert svc.inputs["propagateTags"] == "SERVICE"
        assert svc.inputs["availabilityZoneRebalancing"] == "ENABLED"
        assert "launchType" not in svc.inputs


def test_capacity_provider_per_environment(prod, dev):
    for name in ("api", "worker"):
        assert service(prod, name).inputs["capacityProviderStrategies"] == [
            {"capacityProvider": "FARGATE", "weight": 1}]
        assert service(dev, name).inputs["capacityProviderStrategies"] == [
            {"capacityProvider": "FARGATE_SPOT", "weight": 1}]


def test_safe_rolling_deploys(prod, dev):
    # prod's api deploys CANARY (tests/test_deployment.py), dev's services and prod's worker ROLLING
    strategies = {"api": "CANARY", "worker": "ROLLING"}
    for name in ("api", "worker"):
        assert service(dev, name).inputs["deploymentConfiguration"] == {"strategy": "ROLLING"}
    rollback_on = {  # web: errors and failed health checks; worker: tasks that don't stay up
        "api": ["groundwork-prod-alarms-api-target-5xx-rate", "groundwork-prod-alarms-api-unhealthy-hosts"],
        "worker": ["groundwork-prod-alarms-worker-running-below-desired"],
    }
    for name, names in rollback_on.items():
        i = service(prod, name).inputs
        assert i["deploymentMinimumHealthyPercent"] == 100
        assert i["deploymentMaximumPercent"] == 200
        assert i["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert i["alarms"] == {"alarmNames": names, "enable": True, "rollback": True}
        assert i["deploymentConfiguration"]["strategy"] == strategies[name]
        assert i["waitForSteadyState"] is True


def test_rollback_alarms_exist_in_the_plan(prod, dev):
    """The services name their deployment alarms before they exist; the alarms component must
    create exactly those names, or alarm-based rollback silently watches nothing."""
    for plan in (prod, dev):
        alarms = {a.inputs["name"] for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
        services = plan.of_type(SERVICE)
        assert len(services) == 2
        for svc in services:
            names = svc.inputs["alarms"]["alarmNames"]
            assert names and set(names) <= alarms, (svc.name, set(names) - alarms)


def test_web_service_sits_behind_its_rule_with_a_grace_period(prod, dev):
    for plan in (prod, dev):
        api = service(plan, "api")
        tg = plan.one(TG, "load-balancer-api-tg")
        [lb] = api.inputs["loadBalancers"]
        assert {k: v for k, v in lb.items() if k != "advancedConfiguration"} == {
            "targetGroupArn": tg.outputs["arn"], "containerName": "api", "containerPort": 8000}
        assert ("advancedConfiguration" in lb) is (plan is prod)  # prod's api is CANARY
        assert api.inputs["healthCheckGracePeriodSeconds"] == 300
        assert plan.one(RULE, "load-balancer-api-rule").urn in api.depends_on
    port = containers(prod, "api")[0]["portMappings"]
    assert port == [{"name": "api", "containerPort": 8000, "protocol": "tcp"}]


def test_worker_has_no_load_balancer(prod):
    w = service(prod, "worker")
    assert "loadBalancers" not in w.inputs and "healthCheckGracePeriodSeconds" not in w.inputs
    c = containers(prod, "worker")[0]  # the app; prod's tracing sidecar is second
    assert "portMappings" not in c
    assert c["command"] == ["python", "-m", "app.worker"]


def test_desired_count_drift_is_ignored_task_definition_only_for_ci(prod):
    assert service(prod, "api").ignore_changes == ["desiredCount"]
    plan = plan_stack("dev", overrides={"services": [
        web("api", deployment={"ci_owns_image": True}), worker("worker")]})
    assert service(plan, "api").ignore_changes == ["desiredCount", "taskDefinition"]
    assert service(plan, "worker").ignore_changes == ["desiredCount"]


# -- secrets and roles --------------------------------------------------------------------------


def test_database_and_cache_are_wired_into_both_services(prod):
    db = prod.one("aws:rds/instance:Instance")
    rg = prod.one("aws:elasticache/replicationGroup:ReplicationGroup")
    jobs = prod.one("aws:sqs/queue:Queue", "jobs-queue")  # api sends to it, worker receives
    assets = prod.one("aws:s3/bucket:Bucket", "assets-bucket")  # api writes, worker reads
    for name in ("api", "worker"):
        c = containers(prod, name)[0]  # the app; OTEL_* (tracing): tests/test_containers.py
        env = {e["name"]: e["value"] for e in c["environment"] if not e["name"].startswith("OTEL_")}
        assert env == {"DATABASE_HOST": db.outputs["address"], "DATABASE_PORT": "5432",
                       "DATABASE_NAME": "app", "CACHE_HOST": rg.outputs["primaryEndpointAddress"],
                       "CACHE_PORT": "6379", "CACHE_TLS": "true",
                       "CACHE_AUTH_SECRET_ARN": cache_secret(prod),
                       "JOBS_QUEUE_URL": jobs.outputs["url"],
                       "ASSETS_BUCKET": assets.outputs["bucket"]}
        secrets = {s["name"]: s["valueFrom"] for s in c["secrets"]}
        assert secrets == {"DATABASE_USER": f"{rds_secret(prod)}:username::",
                           "DATABASE_PASSWORD": f"{rds_secret(prod)}:password::",
                           "CACHE_AUTH_TOKEN": cache_secret(prod)}


def test_execution_role_reads_exactly_the_referenced_secrets(prod):
    for name in ("api", "worker"):
        role = role_of(prod, task(prod, name).inputs["executionRoleArn"])
        trust = doc(role, "assumeRolePolicy")["Statement"][0]
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
        [policy] = policies_of_role(prod, role)
        by_sid = statements(policy)
        assert set(by_sid) == {"WriteOwnLogGroup", "ReadReferencedSecrets",
                               "DecryptSecretsViaSecretsManager"}
        assert by_sid["ReadReferencedSecrets"]["Action"] == "secretsmanager:GetSecretValue"
        assert sorted(by_sid["ReadReferencedSecrets"]["Resource"]) == sorted(
            [rds_secret(prod), cache_secret(prod)])
        kms = by_sid["DecryptSecretsViaSecretsManager"]
        assert kms["Action"] == "kms:Decrypt" and kms["Resource"] == key_arn(prod, "data")
        assert kms["Condition"] == {"StringEquals": {
            "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
        group = prod.one(LOG_GROUP, f"{name}-logs").outputs["arn"]
        assert by_sid["WriteOwnLogGroup"]["Resource"] == [group, f"{group}:*"]
        for stmt in doc(policy)["Statement"]:  # no wildcard resource or action
            assert "*" not in json.dumps(stmt["Action"])
            assert stmt["Resource"] != "*" and "*" not in stmt["Resource"]


def test_task_role_may_only_reread_the_rotating_cache_token(prod):
    """Nothing but the cache token, which rotates under running tasks (docs/data-tier.md), the
    jobs queue's grant (tests/test_queue.py), the asset bucket's (tests/test_asset_bucket.py) and,
    with tracing on in prod, the X-Ray writes alone (tests/test_containers.py)."""
    for name in ("api", "worker"):
        role = role_of(prod, task(prod, name).inputs["taskRoleArn"])
        assert doc(role, "assumeRolePolicy")["Statement"][0]["Principal"] == {
            "Service": "ecs-tasks.amazonaws.com"}
        policies = policies_of_role(prod, role)
        [tracing] = [p for p in policies if p.name == f"{name}-task-tracing-policy"]
        assert [a.split(":")[0] for a in doc(tracing)["Statement"][0]["Action"]] == ["xray"] * 5
        policy, queue, assets = [p for p in policies if p is not tracing]
        assert queue.name == f"jobs-{name}-access"
        assert assets.name == f"assets-{name}-access"
        assert policy.name == f"{name}-task-secrets-policy"
        read, decrypt = doc(policy)["Statement"]
        assert read["Resource"] == [cache_secret(prod)] and read["Action"] == "secretsmanager:GetSecretValue"
        assert decrypt["Action"] == "kms:Decrypt" and "kms:ViaService" in decrypt["Condition"]["StringEquals"]
        assert not role.inputs.get("managedPolicyArns")


def test_service_without_data_tier_gets_no_secrets_and_extra_secrets_are_scoped():
    extra = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf"
    plan = plan_stack("dev", overrides={"services": [
        web("api"),
        worker("worker", use_database=False, use_cache=False,
               secrets={"STRIPE_KEY": f"{extra}:key::"}, environment={"LOG_LEVEL": "info"}),
    ]})
    [c] = containers(plan, "worker")
    assert c["environment"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert c["secrets"] == [{"name": "STRIPE_KEY", "valueFrom": f"{extra}:key::"}]
    role = role_of(plan, task(plan, "worker").inputs["executionRoleArn"])
    [policy] = policies_of_role(plan, role)
    assert statements(policy)["ReadReferencedSecrets"]["Resource"] == [extra]


def test_ecr_images_get_pull_rights_on_their_repository_only():
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:2.0.1"
    plan = plan_stack("dev", overrides={"services": [web("api", image=image), worker("worker")]})
    api_policy = statements(policies_of_role(
        plan, role_of(plan, task(plan, "api").inputs["executionRoleArn"]))[0])
    assert api_policy["PullOwnRepository"]["Resource"] == \
        "arn:aws:ecr:us-east-1:123456789012:repository/team/app"
    assert api_policy["EcrLogin"]["Action"] == "ecr:GetAuthorizationToken"
    worker_policy = statements(policies_of_role(
        plan, role_of(plan, task(plan, "worker").inputs["executionRoleArn"]))[0])
    assert "PullOwnRepository" not in worker_policy  # ghcr.io: no ECR rights at all


# -- blue/green and canary ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def blue_green():
    return plan_stack("dev", overrides={"services": [
        web("api", deployment={"strategy": "BLUE_GREEN", "bake_time_minutes": 15}),
        web("web", routing={"host_headers": ["www.example.com"]},
            deployment={"strategy": "CANARY", "canary_percent": 20}),
        worker("worker")],
        # the certificate covers every routed host (stacks/config/environment.py `_dns`)
        "load_balancer": {"certificate": {"alternative_names": ["www.example.com"]}}})


def test_blue_green_has_two_target_groups_and_an_ecs_role(blue_green):
    plan = blue_green
    api = service(plan, "api")
    dc = api.inputs["deploymentConfiguration"]
    assert {k: v for k, v in dc.items() if k != "lifecycleHooks"} == {
        "strategy": "BLUE_GREEN", "bakeTimeInMinutes": "15"}
    [hook] = dc["lifecycleHooks"]
    assert hook["hookTargetArn"] == plan.one("aws:lambda/function:Function",
                                             "api-deploy-hook").outputs["arn"]
    primary = plan.one(TG, "load-balancer-api-tg")
    alternate = plan.one(TG, "load-balancer-api-alt-tg")
    rule = plan.one(RULE, "load-balancer-api-rule")
    [lb] = api.inputs["loadBalancers"]
    adv = lb["advancedConfiguration"]
    assert lb["targetGroupArn"] == primary.outputs["arn"]
    assert adv["alternateTargetGroupArn"] == alternate.outputs["arn"]
    assert adv["productionListenerRule"] == rule.outputs["arn"]
    assert adv["testListenerRule"] == plan.one(RULE, "load-balancer-api-test-rule").outputs["arn"]
    role = role_of(plan, adv["roleArn"])
    assert role.name == "api-deploy-role"  # the URN of the role from before the inline policy
    assert doc(role, "assumeRolePolicy")["Statement"] == [{  # AWS's documented trust
        "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"},
        "Action": "sts:AssumeRole"}]
    [policy] = policies_of_role(plan, role)  # inline and scoped (no AWS-managed policy)
    assert policy.type == ROLE_POLICY
    assert policy.urn in api.depends_on and rule.urn in api.depends_on
    # the production rule forwards to both (100/0); ECS re-weights it, Pulumi leaves it be
    assert rule.inputs["actions"] == [{"type": "forward", "forward": {"targetGroups": [
        {"arn": primary.outputs["arn"], "weight": 100},
        {"arn": alternate.outputs["arn"], "weight": 0}]}}]
    assert rule.ignore_changes == ["actions"]


def test_canary_configuration(blue_green):
    dc = service(blue_green, "web").inputs["deploymentConfiguration"]
    assert [h["lifecycleStages"] for h in dc.pop("lifecycleHooks")] == [["POST_TEST_TRAFFIC_SHIFT"]]
    assert dc == {"strategy": "CANARY", "bakeTimeInMinutes": "10", "canaryConfiguration": {
        "canaryPercent": 20, "canaryBakeTimeInMinutes": "5"}}


def test_blue_green_scales_on_requests_over_both_target_groups(blue_green):
    """Kept through a blue/green switch: requests of both target groups over both groups'
    healthy targets (the predefined metric names one target group, which stops serving)."""
    plan = blue_green
    policy = plan.one(SCALING_POLICY, "api-scale-requests")
    conf = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert "predefinedMetricSpecification" not in conf and conf["targetValue"] == 1000
    metrics = {m["id"]: m for m in conf["customizedMetricSpecification"]["metrics"]}
    assert metrics["per_target"]["expression"] == (
        "(FILL(blue, 0) + FILL(green, 0)) / (FILL(blue_hosts, 0) + FILL(green_hosts, 0))")
    assert [m["id"] for m in metrics.values() if m["returnData"]] == ["per_target"]
    suffix = {m: plan.one(TG, f"load-balancer-api{m}-tg").outputs["arnSuffix"] for m in ("", "-alt")}
    alb = plan.one(ALB).outputs["arnSuffix"]
    for key, name, group in (("blue", "RequestCount", ""), ("green", "RequestCount", "-alt"),
                             ("blue_hosts", "HealthyHostCount", ""),
                             ("green_hosts", "HealthyHostCount", "-alt")):
        stat = metrics[key]["metricStat"]
        assert stat["metric"]["metricName"] == name and stat["metric"]["namespace"] == "AWS/ApplicationELB"
        assert {d["name"]: d["value"] for d in stat["metric"]["dimensions"]} == {
            "LoadBalancer": alb, "TargetGroup": suffix[group]}
        assert stat["stat"] == ("Sum" if name == "RequestCount" else "Average")


# -- autoscaling --------------------------------------------------------------------------------


def test_autoscaling_targets(prod, dev):
    for plan, name, bounds in ((prod, "api", (2, 10)), (prod, "worker", (2, 20)),
                               (dev, "api", (1, 2)), (dev, "worker", (1, 2))):
        target = plan.one(SCALING_TARGET, f"{name}-scaling")
        assert target.inputs["resourceId"] == \
            f"service/groundwork-{plan.stack}-cluster/groundwork-{plan.stack}-{name}"
        assert target.inputs["scalableDimension"] == "ecs:service:DesiredCount"
        assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == bounds


def test_web_scales_on_cpu_memory_and_requests_per_target(dev):
    """ROLLING (dev's api): the predefined ALBRequestCountPerTarget of its one target group (a
    blue/green service's customized metric: tests/test_deployment.py)."""
    policies = {p.name: p.inputs for p in dev.of_type(SCALING_POLICY) if p.name.startswith("api-")}
    assert set(policies) == {"api-scale-cpu", "api-scale-memory", "api-scale-requests"}
    conf = {k: v["targetTrackingScalingPolicyConfiguration"] for k, v in policies.items()}
    assert conf["api-scale-cpu"]["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"}
    assert conf["api-scale-cpu"]["targetValue"] == 60
    assert conf["api-scale-memory"]["targetValue"] == 75
    requests = conf["api-scale-requests"]["predefinedMetricSpecification"]
    alb, [tg] = dev.one(ALB), dev.of_type(TG)
    assert requests == {"predefinedMetricType": "ALBRequestCountPerTarget",
                        "resourceLabel": f"{alb.outputs['arnSuffix']}/{tg.outputs['arnSuffix']}"}
    assert requests["resourceLabel"].startswith("app/groundwork-dev-alb/")
    assert "/targetgroup/groundwork-dev-api-8000/" in requests["resourceLabel"]
    assert conf["api-scale-requests"]["targetValue"] == 1000
    for p in policies.values():
        assert p["policyType"] == "TargetTrackingScaling"
        assert p["resourceId"] == "service/groundwork-dev-cluster/groundwork-dev-api"


def test_worker_scales_on_cpu_or_backlog_per_task():
    plan = plan_stack("dev", overrides={"services": [web("api"), worker("worker", scaling={
        "queue_metric": {"dimensions": {"QueueName": "jobs"}, "target_per_task": 50}})]})
    names = {p.name for p in plan.of_type(SCALING_POLICY) if p.name.startswith("worker-")}
    assert names == {"worker-scale-cpu", "worker-scale-memory", "worker-scale-queue"}
    conf = plan.one(SCALING_POLICY, "worker-scale-queue").inputs[
        "targetTrackingScalingPolicyConfiguration"]
    assert conf["targetValue"] == 50
    metrics = {m["id"]: m for m in conf["customizedMetricSpecification"]["metrics"]}
    assert metrics["per_task"] == {"id": "per_task", "label": "backlog per task",
                                   "expression": "backlog / tasks", "returnData": True}
    backlog = metrics["backlog"]["metricStat"]["metric"]
    assert (backlog["namespace"], backlog["metricName"], backlog["dimensions"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", [{"name": "QueueName", "value": "jobs"}])
    tasks = metrics["tasks"]["metricStat"]["metric"]
    assert tasks["namespace"] == "ECS/ContainerInsights" and tasks["metricName"] == "RunningTaskCount"
    assert tasks["dimensions"] == [{"name": "ClusterName", "value": "groundwork-dev-cluster"},
                                   {"name": "ServiceName", "value": "groundwork-dev-worker"}]


# -- images --------------------------------------------------------------------------------------


def test_build_creates_a_hardened_ecr_repository_and_pins_the_tag(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nUSER 10001\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    svc = worker("worker", image=None, build={"context": str(tmp_path)})
    plan = plan_stack("dev", overrides={"services": [web("api"), svc]})
    repo = plan.one("aws:ecr/repository:Repository")
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo.inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": key_arn(plan, "data")}]
    rules = json.loads(plan.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])["rules"]
    assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]
    build = plan.one("awsx:ecr:Image")
    assert build.inputs["platform"] == "linux/amd64"
    tag = build.inputs["imageTag"]
    assert re.fullmatch(r"ctx-[0-9a-f]{16}", tag)
    [c] = containers(plan, "worker")
    assert c["image"] == f"{repo.outputs['repositoryUrl']}:{tag}"
    assert build.urn in task(plan, "worker").depends_on
    pull = statements(policies_of_role(
        plan, role_of(plan, task(plan, "worker").inputs["executionRoleArn"]))[0])["PullOwnRepository"]
    assert pull["Resource"] == repo.outputs["arn"]
    # the tag follows the context's content
    from groundwork.components.image import context_tag

    before = context_tag(tmp_path, "Dockerfile")
    (tmp_path / "app.py").write_text("print('changed')\n")
    assert context_tag(tmp_path, "Dockerfile") != before == tag


def test_default_stacks_use_images_and_build_nothing(prod, dev):
    for plan in (prod, dev):
        assert not plan.of_type("aws:ecr/repository:Repository")
        assert not plan.of_type("awsx:ecr:Image")


# -- bad config -------------------------------------------------------------------------------


@pytest.mark.parametrize("svc,expected", [
    (web("api", cpu=256, memory=4096), "memory 4096 MiB does not pair with cpu 256"),
    (web("api", cpu=300), "cpu 300 is not a Fargate size"),
    (web("api", architecture="ARM64"), "Fargate Spot runs X86_64 tasks only"),
    (worker("api", deployment={"strategy": "BLUE_GREEN"}), "a worker deploys ROLLING"),
    (web("api", secrets={"TOKEN": "plain-text"}), "must be a Secrets Manager ARN"),
    (web("api", environment={"DATABASE_HOST": "x"}), "DATABASE_HOST are wired by the stack"),
    (web("api", environment={"A": "1"},
         secrets={"A": "arn:aws:secretsmanager:us-east-1:123456789012:secret:a"}),
     "A set in both environment and secrets"),
    (web("api", routing={"path_patterns": ["/a", "/b", "/c", "/d", "/e", "/f"]}),
     "an ALB rule takes 1 to 5"),
])
def test_bad_service_is_refused_naming_it(svc, expected):
    with pytest.raises(ConfigError) as info:
        plan_stack("dev", overrides={"services": [svc]})
    [line] = info.value.problems
    assert line.startswith("groundwork:services[api]"), line
    assert expected in line


def test_invalid_fargate_size_in_the_stack_file_exits_2(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from groundwork.cli import app

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    stack = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    stack["config"]["groundwork:services"][0]["memory"] = 2048  # 2048 CPU needs >= 4096 MiB
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump(stack))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["plan", "bad"])
    assert result.exit_code == 2
    out = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "groundwork:services[api]" in out
    assert "memory 2048 MiB does not pair with cpu 2048" in out
    assert "Traceback" not in out


def test_every_service_resource_is_tagged_with_its_service(prod):
    for parent in prod.of_type("groundwork:compute:FargateService"):
        for child in prod.descendants(parent):
            if "tags" in child.inputs:
                assert tags_of(child)["Service"] == parent.name, (child.type, child.name)
    assert {r.type for r in prod.descendants(prod.one("groundwork:compute:FargateService", "api"))} >= {
        TASK, SERVICE, ROLE, ROLE_POLICY, LOG_GROUP, SCALING_TARGET, SCALING_POLICY}
    assert not [a for a in prod.of_type(ATTACHMENT) if a.component == "groundwork:compute:FargateService"]


def test_services_name_no_rollback_alarms_when_alarms_are_off():
    """alarms.enabled: false creates no alarms, so no service may wait on alarm names."""
    from groundwork.engine import plan_stack

    plan = plan_stack("dev", overrides={"alarms": {"enabled": False}})
    assert not plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    services = plan.of_type("aws:ecs/service:Service")
    assert services and all(not s.inputs.get("alarms") for s in services)
    assert all(s.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
               for s in services)


# -- the component on its own (tests/programs/standalone) ---------------------------------------


def test_two_web_and_two_worker_services_in_one_program(compute_twins):
    assert duplicate_urns(compute_twins) == {} and duplicate_names(compute_twins) == {}
    names = {"api", "shop", "api-jobs", "shop-jobs"}
    assert {c.name for c in compute_twins.of_type("groundwork:compute:FargateService")} == names
    for name in names:
        prefix = f"standalone-test-{name}"
        svc, t = service(compute_twins, name), task(compute_twins, name)
        assert svc.inputs["name"] == prefix and t.inputs["family"] == prefix
        assert compute_twins.one(LOG_GROUP, f"{name}-logs").inputs["name"] == f"/ecs/{prefix}"
        roles = {r.name: r.inputs["name"] for r in compute_twins.of_type(ROLE)
                 if r.name.startswith(f"{name}-") and compute_twins.by_urn(r.parent).name == name}
        assert roles[f"{name}-execution-role"] == f"{prefix}-execution"
        assert roles[f"{name}-task-role"] == f"{prefix}-task"
        assert all(len(n) <= 64 for n in roles.values())
        [c] = containers(compute_twins, name)
        assert c["name"] == name and c["logConfiguration"]["options"]["awslogs-group"] == f"/ecs/{prefix}"
        policies = {p.name: p.inputs["name"] for p in compute_twins.of_type(SCALING_POLICY)
                    if compute_twins.by_urn(p.parent).name == name}
        assert policies[f"{name}-scale-cpu"] == f"{prefix}-scale-cpu"
        assert compute_twins.one(SCALING_TARGET, f"{name}-scaling").inputs["resourceId"] == \
            f"service/standalone-test-{'blue' if name.startswith('api') else 'green'}-cluster/{prefix}"
    # the blue/green service has its own deploy role and both target groups on its LB
    [lb] = service(compute_twins, "shop").inputs["loadBalancers"]
    assert lb["advancedConfiguration"]["alternateTargetGroupArn"] == \
        compute_twins.one(TG, "partner-lb-shop-alt-tg").outputs["arn"]
    assert role_of(compute_twins, lb["advancedConfiguration"]["roleArn"]).inputs["name"] == \
        "standalone-test-shop-deploy"
    # no deployment alarms unless given: this program creates none, and ECS would wait on
    # alarms that never come (the stacks pass the names their EnvironmentAlarms creates)
    alarms = compute_twins.stack_outputs["twins"]["alarm_names"]
    assert alarms == {"api": [], "shop": [], "api-jobs": [], "shop-jobs": []}
    assert not (service(compute_twins, "api").inputs.get("alarms") or {}).get("alarmNames")


def test_the_service_exposes_its_arn_test_rule_and_hook_function(compute_twins):
    """`service_arn` (what DeployNoticesArgs.service_arns takes), `test_rule` and
    `hook_function` are the ECS service's, the test listener rule's and the hook Lambda's;
    None on a ROLLING service and a worker."""
    release = compute_twins.stack_outputs["twins"]["release"]
    for name in ("api", "shop", "api-jobs", "shop-jobs"):
        assert release[name]["service_arn"] == service(compute_twins, name).outputs["arn"]
    assert release["shop"]["test_rule"] == compute_twins.one(
        "aws:lb/listenerRule:ListenerRule", "partner-lb-shop-test-rule").outputs["arn"]
    hook = compute_twins.one("aws:lambda/function:Function", "shop-deploy-hook")
    assert release["shop"]["hook_function"] == hook.outputs["arn"]
    [lifecycle] = service(compute_twins, "shop").inputs["deploymentConfiguration"]["lifecycleHooks"]
    assert lifecycle["hookTargetArn"] == hook.outputs["arn"]
    for name in ("api", "api-jobs", "shop-jobs"):
        assert (release[name]["test_rule"], release[name]["hook_function"]) == (None, None)


def test_one_service_name_in_two_programs_gets_two_sets_of_names(compute_twins):
    staging = run_standalone("compute_twins", stack="staging")
    for name in ("api", "shop-jobs"):
        a, b = service(compute_twins, name), service(staging, name)
        assert a.name == b.name  # the same logical name: each program has its own stack
        assert (a.inputs["name"], b.inputs["name"]) == (f"standalone-test-{name}",
                                                        f"standalone-staging-{name}")
    test_names = {(r.type, physical_name(r)) for r in compute_twins.custom_resources if physical_name(r)}
    staging_names = {(r.type, physical_name(r)) for r in staging.custom_resources
                     if physical_name(r)}
    assert test_names.isdisjoint(staging_names)


def test_service_image_repositories_are_their_own(compute_twins):
    repos = {r.name: r.inputs["name"] for r in compute_twins.of_type("aws:ecr/repository:Repository")}
    assert repos == {"api-image-repo": "standalone-test-api-image",
                     "shop-image-repo": "standalone-test-shop-image"}


@pytest.mark.parametrize("case, words", [
    ("service_without_cluster", "FargateService 'bad-service': FargateServiceArgs.cluster is required"),
    ("web_without_load_balancer",
     "FargateService 'bad-service': FargateServiceArgs.load_balancer is required for a web service"),
    ("worker_with_load_balancer",
     "FargateService 'bad-service': FargateServiceArgs.load_balancer and listener_priority are "
     "for web services"),
    ("service_without_image", "FargateService 'bad-service': FargateServiceArgs.image is required"),
    ("image_without_key", "ServiceImage 'bad-image': ServiceImageArgs.kms_key_arn is required"),
])
def test_bad_service_args_are_refused_before_anything_registers(compute_bad_args, case, words):
    assert compute_bad_args.stack_outputs["errors"][case].startswith(words)
    assert not [r for r in compute_bad_args.resources if r.name.startswith(("bad-service", "bad-image"))]


@pytest.mark.parametrize("kwargs, words", [
    ({"cpu": 300}, "cpu 300 is not a Fargate size"),
    ({"cpu": 256, "memory": 4096}, "memory 4096 MiB does not pair with cpu 256"),
    ({"kind": "web"}, "a web service needs a port"),
    ({"port": 8000}, "a worker has no port"),
    ({"routing": {"path_patterns": ["/a/*"]}}, "routing applies to web services only"),
    ({"image": "example/app:latest"}, "uses the mutable tag 'latest'"),
    ({"user": "0"}, "user"),
    ({"secrets": {"TOKEN": "plain"}}, "must be a Secrets Manager ARN"),
    ({"log_retention_days": 13}, "13 is not a CloudWatch Logs retention"),
    ({"listener_priority": 0}, "listener_priority"),
    ({"clusterr": None}, "clusterr"),
])
def test_bad_service_args_name_the_problem(kwargs, words):
    with pytest.raises(ValidationError) as err:
        FargateServiceArgs(**kwargs)
    assert words in str(err.value)


def test_service_settings_have_no_name_and_secure_defaults():
    assert "name" not in FargateServiceSettings.model_fields
    d = FargateServiceSettings()
    assert (d.kind, d.spot, d.user, d.scaling.min_count, d.deployment.strategy) == (
        "worker", False, "10001:10001", 2, "ROLLING")
    assert ServiceWiring().secret_arns == ()


# --- ServiceWiring.combine ------------------------------------------------------------------


def test_wiring_combine_merges_parts_in_order_and_refuses_a_variable_twice():
    from groundwork.components.service import ServiceWiring

    a = ServiceWiring(environment={"A_HOST": "a"}, secrets={"A_PASSWORD": "arn:a:password::"},
                      secret_arns=["arn:a"], secrets_key_arn="arn:key")
    b = ServiceWiring(environment={"B_URL": "b"}, rotating_secret_arns=["arn:b"])
    c = ServiceWiring(secrets={"C_TOKEN": "arn:c"}, secret_arns=["arn:c", "arn:a"],
                      secrets_key_arn="arn:key")
    got = ServiceWiring.combine(a, None, b, c)
    assert dict(got.environment) == {"A_HOST": "a", "B_URL": "b"}
    assert dict(got.secrets) == {"A_PASSWORD": "arn:a:password::", "C_TOKEN": "arn:c"}
    assert list(got.secret_arns) == ["arn:a", "arn:c"]  # each ARN once
    assert got.secrets_key_arn == "arn:key"
    assert list(got.rotating_secret_arns) == ["arn:b"]
    with pytest.raises(ValueError, match="A_HOST set by two parts"):
        ServiceWiring.combine(a, ServiceWiring(secrets={"A_HOST": "arn:x"}))
    with pytest.raises(ValueError, match="different secrets_key_arn"):
        ServiceWiring.combine(a, ServiceWiring(secrets_key_arn="arn:other"))
