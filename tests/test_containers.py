"""Containers of the services' task definitions (issue 14, components/containers.py): every
container of every task definition in dev and prod has a full `healthCheck`; with tracing on
(prod), the ADOT collector sidecar sits beside the app with its own limits and check, the app
depends on it having started, and the task role's tracing policy is exactly the X-Ray actions.
Plus the pure functions and the bad inputs."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import services_using
from hypothesis import given
from hypothesis import strategies as st

from groundwork.components.containers import (
    COLLECTOR_IMAGE,
    COLLECTOR_NAME,
    XRAY_ACTIONS,
    collector_config,
    container_definitions,
    container_problems,
    default_health_command,
    health_check_command_problem,
    tracing_environment,
    tracing_policy,
)
from groundwork.components.service import FargateServiceSettings
from groundwork.testing import PlanResult, plan_stack

TASK = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
HEALTH_KEYS = ("command", "interval", "timeout", "retries", "startPeriod")
XRAY_STATEMENT = {"Sid": "WriteTracesToXRay", "Effect": "Allow", "Action": list(XRAY_ACTIONS),
                  "Resource": "*"}
TASK_SIZES = {"prod": {"api": (2048, 4096), "worker": (1024, 2048)}}


def health_check_gaps(containers: list[dict[str, Any]]) -> list[str]:
    """'<container>: <what is wrong>' for every container whose healthCheck is missing a key or
    runs nothing (the check the stacks are held to; its own failing test is below)."""
    gaps = []
    for c in containers:
        check = c.get("healthCheck")
        if not isinstance(check, dict):
            gaps.append(f"{c.get('name')}: no healthCheck")
            continue
        missing = [k for k in HEALTH_KEYS if k not in check]
        if missing:
            gaps.append(f"{c.get('name')}: healthCheck without {', '.join(missing)}")
            continue
        command = check["command"]
        if health_check_command_problem(command):
            gaps.append(f"{c.get('name')}: {health_check_command_problem(command)}")
        if not all(isinstance(check[k], int) and not isinstance(check[k], bool)
                   for k in HEALTH_KEYS[1:]):
            gaps.append(f"{c.get('name')}: healthCheck timings not integers")
    return gaps


def defs(plan: PlanResult, service: str) -> list[dict[str, Any]]:
    return json.loads(plan.one(TASK, f"{service}-task").inputs["containerDefinitions"])


def by_name(containers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in containers}


def settings(**values: Any) -> FargateServiceSettings:
    base: dict[str, Any] = {"kind": "web", "port": 8000, "image": "ghcr.io/acme/app:1.0.0"}
    return FargateServiceSettings(**{**base, **values})


def definitions(s: FargateServiceSettings, **extra: Any) -> list[dict[str, Any]]:
    return container_definitions(s, name="api", image="ghcr.io/acme/app:1.0.0",
                                 log_group="/ecs/groundwork-prod-api", region="us-east-1",
                                 environment=extra.pop("environment", {}), secrets={}, **extra)


@pytest.fixture(scope="module")
def traced_variants() -> PlanResult:
    """prod with tracing off on the worker, and on the api with the app's own OTEL_SERVICE_NAME
    and a built-in collector config: one override plan for this module."""
    services = copy.deepcopy(services_using("prod", "api"))
    for svc in services:
        if svc["name"] == "worker":
            svc["tracing"] = {"enabled": False}
        else:
            svc["tracing"] = {"enabled": True, "collector_config": "/etc/ecs/ecs-xray.yaml"}
            svc["environment"] = {**svc.get("environment", {}), "OTEL_SERVICE_NAME": "shop-api"}
    return plan_stack("prod", overrides={"services": services})


# --- every container, both stacks ---------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_container_of_every_task_definition_has_a_full_health_check(stack, request):
    plan = request.getfixturevalue(stack)
    tasks = plan.of_type(TASK)
    assert len(tasks) == 2
    seen = []
    for task in tasks:
        containers = json.loads(task.inputs["containerDefinitions"])
        assert health_check_gaps(containers) == [], task.name
        seen += [c["name"] for c in containers]
    expected = {"api", "worker"} | ({COLLECTOR_NAME} if stack == "prod" else set())
    assert set(seen) == expected


def test_the_check_reports_the_container_whose_health_check_is_missing_or_broken(prod):
    containers = defs(prod, "api")
    assert health_check_gaps(containers) == []
    for mutate, expected in (
        (lambda c: c.pop("healthCheck"), "aws-otel-collector: no healthCheck"),
        (lambda c: c["healthCheck"].pop("startPeriod"),
         "aws-otel-collector: healthCheck without startPeriod"),
        (lambda c: c["healthCheck"].update(command=["NONE"]), "aws-otel-collector: command"),
        (lambda c: c["healthCheck"].update(command=["CMD-SHELL", ""]), "aws-otel-collector: command"),
    ):
        broken = copy.deepcopy(containers)
        mutate(by_name(broken)[COLLECTOR_NAME])
        [gap] = health_check_gaps(broken)
        assert gap.startswith(expected), gap
    broken = copy.deepcopy(containers)
    by_name(broken)["api"]["healthCheck"].pop("interval")
    assert health_check_gaps(broken) == ["api: healthCheck without interval"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_default_commands_follow_the_image_contract(stack, request):
    plan = request.getfixturevalue(stack)
    api, worker = by_name(defs(plan, "api"))["api"], by_name(defs(plan, "worker"))["worker"]
    assert api["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -fsS -o /dev/null http://127.0.0.1:8000/health || exit 1"],
        "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60}
    assert worker["healthCheck"]["command"] == [
        "CMD-SHELL", 'test -n "$(find /tmp/heartbeat -mmin -2 2>/dev/null)"']
    # the heartbeat lives on a writable scratch volume, not the read-only root
    assert "/tmp" in [m["containerPath"] for m in worker["mountPoints"]]


def test_dev_has_no_sidecar_and_the_app_keeps_the_whole_task(dev):
    for service in ("api", "worker"):
        [app] = defs(dev, service)
        task = dev.one(TASK, f"{service}-task")
        assert (app["cpu"], app["memory"]) == (int(task.inputs["cpu"]), int(task.inputs["memory"]))
        assert "dependsOn" not in app
        assert not [e for e in app["environment"] if e["name"].startswith("OTEL_")]
    assert not [p for p in dev.of_type(ROLE_POLICY) if "tracing" in p.name]


# --- tracing on (prod) --------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["api", "worker"])
def test_prod_runs_the_collector_sidecar_with_its_limits_and_check(prod, service):
    task = prod.one(TASK, f"{service}-task")
    cpu, memory = TASK_SIZES["prod"][service]
    assert (int(task.inputs["cpu"]), int(task.inputs["memory"])) == (cpu, memory)
    containers = defs(prod, service)
    assert [c["name"] for c in containers] == [service, COLLECTOR_NAME]
    app, collector = containers
    assert collector["image"] == COLLECTOR_IMAGE
    assert (collector["cpu"], collector["memory"]) == (64, 256)
    assert (app["cpu"], app["memory"]) == (cpu - 64, memory - 256)  # the app keeps the rest
    assert collector["essential"] is False and app["essential"] is True
    assert app["dependsOn"] == [{"containerName": COLLECTOR_NAME, "condition": "START"}]
    assert collector["healthCheck"] == {"command": ["CMD", "/healthcheck"], "interval": 30,
                                        "timeout": 5, "retries": 3, "startPeriod": 10}
    assert collector["restartPolicy"] == {"enabled": True, "ignoredExitCodes": [0],
                                          "restartAttemptPeriod": 60}
    assert collector["user"] == "4317:4317" and collector["readonlyRootFilesystem"] is True
    assert collector["privileged"] is False and collector["mountPoints"] == []
    log = collector["logConfiguration"]
    assert log["logDriver"] == "awslogs"
    assert log["options"]["awslogs-group"] == f"/ecs/groundwork-prod-{service}"
    assert log["options"]["awslogs-stream-prefix"] == COLLECTOR_NAME
    env = {e["name"]: e["value"] for e in collector["environment"]}
    config = json.loads(env["AOT_CONFIG_CONTENT"])
    assert config == collector_config(region="us-east-1", memory_mib=256)
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["awsxray"]
    assert env["GOMEMLIMIT"] == "204MiB"
    app_env = {e["name"]: e["value"] for e in app["environment"]}
    assert app_env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4317"
    assert app_env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
    assert app_env["OTEL_SERVICE_NAME"] == f"groundwork-prod-{service}"


def _task_role_policies(plan: PlanResult, service: str) -> dict[str, list[dict[str, Any]]]:
    role = f"groundwork-{plan.stack}-{service}-task"
    return {p.name: json.loads(p.inputs["policy"])["Statement"]
            for p in plan.of_type(ROLE_POLICY) if p.inputs["role"] == role}


@pytest.mark.parametrize("service", ["api", "worker"])
def test_the_task_role_can_write_to_xray_and_nothing_more(prod, service):
    policies = _task_role_policies(prod, service)
    assert policies[f"{service}-task-tracing-policy"] == [XRAY_STATEMENT]
    others = [s for name, sts in policies.items() if name != f"{service}-task-tracing-policy"
              for s in sts]
    assert not [s for s in others if "xray" in json.dumps(s).lower()]


def test_the_tracing_policy_is_the_only_difference_tracing_makes_to_the_task_role(prod, traced_variants):
    """The worker with tracing on (prod) and off (the override): the task role's full statement
    list differs by exactly the X-Ray statement."""
    on = _task_role_policies(prod, "worker")
    off = _task_role_policies(traced_variants, "worker")
    assert set(on) - set(off) == {"worker-task-tracing-policy"} and set(off) <= set(on)
    assert {k: on[k] for k in off} == off
    assert [s for name in set(on) - set(off) for s in on[name]] == [XRAY_STATEMENT]
    [app] = defs(traced_variants, "worker")
    assert (app["cpu"], app["memory"]) == (1024, 2048)


def test_the_app_keeps_its_own_otel_settings_and_a_built_in_config_runs_by_command(traced_variants):
    app, collector = defs(traced_variants, "api")
    env = {e["name"]: e["value"] for e in app["environment"]}
    assert env["OTEL_SERVICE_NAME"] == "shop-api"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4317"
    assert collector["command"] == ["--config=/etc/ecs/ecs-xray.yaml"]
    assert "AOT_CONFIG_CONTENT" not in {e["name"] for e in collector["environment"]}


# --- pure functions -----------------------------------------------------------------------------


def test_tracing_policy_is_exactly_the_xray_daemon_actions_on_every_resource():
    assert tracing_policy() == {"Version": "2012-10-17", "Statement": [XRAY_STATEMENT]}
    assert set(XRAY_ACTIONS) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords",
                                 "xray:GetSamplingRules", "xray:GetSamplingTargets",
                                 "xray:GetSamplingStatisticSummaries"}


def test_the_collector_config_listens_on_loopback_and_limits_memory():
    config = collector_config(region="eu-west-1", memory_mib=512)
    otlp = config["receivers"]["otlp"]["protocols"]
    assert otlp == {"grpc": {"endpoint": "127.0.0.1:4317"}, "http": {"endpoint": "127.0.0.1:4318"}}
    assert config["extensions"]["health_check"] == {"endpoint": "127.0.0.1:13133"}
    assert config["extensions"]["awsproxy"] == {"endpoint": "127.0.0.1:2000", "region": "eu-west-1"}
    assert config["processors"]["memory_limiter"]["limit_mib"] == 409
    assert config["processors"]["memory_limiter"]["spike_limit_mib"] == 102
    traces = config["service"]["pipelines"]["traces"]
    assert traces["processors"][0] == "memory_limiter"  # first, as the collector docs require
    assert set(config["service"]["extensions"]) == set(config["extensions"])


def test_tracing_environment_points_the_sdk_at_the_sidecar():
    assert tracing_environment("groundwork-prod-api") == {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_SERVICE_NAME": "groundwork-prod-api"}


def test_a_worker_heartbeat_path_and_age_are_configurable():
    s = settings(kind="worker", port=None, scratch_paths=["/scratch", "/tmp"],
                 container_health_check={"heartbeat_path": "/tmp/alive", "heartbeat_max_age_minutes": 5})
    assert default_health_command(s) == ["CMD-SHELL", 'test -n "$(find /tmp/alive -mmin -5 2>/dev/null)"']
    s = settings(kind="worker", port=None, scratch_paths=["/scratch/"])
    assert "find /scratch/heartbeat " in default_health_command(s)[1]


def test_a_configured_command_replaces_the_default_with_every_timing_written():
    s = settings(container_health_check={"command": ["CMD", "/app/healthcheck"], "interval_seconds": 10,
                                         "timeout_seconds": 3, "retries": 5, "start_period_seconds": 0})
    [app] = definitions(s)
    assert app["healthCheck"] == {"command": ["CMD", "/app/healthcheck"], "interval": 10,
                                  "timeout": 3, "retries": 5, "startPeriod": 0}


@given(cpu=st.sampled_from([256, 512, 1024, 2048, 4096]), collector_cpu=st.integers(32, 4096),
       collector_memory=st.integers(128, 8192))
def test_the_sidecar_never_takes_more_than_half_the_task(cpu, collector_cpu, collector_memory):
    memory = {256: 512, 512: 1024, 1024: 2048, 2048: 4096, 4096: 8192}[cpu]
    fits = collector_cpu <= cpu // 2 and collector_memory <= memory // 2
    values = {"cpu": cpu, "memory": memory, "tracing": {
        "enabled": True, "collector_cpu": collector_cpu, "collector_memory": collector_memory}}
    if not fits:
        with pytest.raises(ValueError, match=r"tracing\.collector_(cpu|memory)"):
            settings(**values)
        return
    app, collector = definitions(settings(**values))
    assert app["cpu"] + collector["cpu"] == cpu and app["memory"] + collector["memory"] == memory
    assert app["cpu"] >= collector["cpu"] and app["memory"] >= collector["memory"]


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "fragment"), [
    ({"container_health_check": {"command": ["NONE"]}}, "must start with CMD"),
    ({"container_health_check": {"command": []}}, "must start with CMD"),
    ({"container_health_check": {"command": ["CMD"]}}, "nothing to run after CMD"),
    ({"container_health_check": {"command": ["CMD-SHELL", " "]}}, "nothing to run after CMD-SHELL"),
    ({"container_health_check": {"command": ["CMD-SHELL", "a", "b"]}}, "exactly one shell string"),
    ({"container_health_check": {"interval_seconds": 5, "timeout_seconds": 5}},
     "timeout_seconds (5) must be less than interval_seconds (5)"),
    ({"container_health_check": {"path": "/health; rm -rf /"}}, "path '/health; rm -rf /'"),
    ({"kind": "worker", "port": None, "scratch_paths": []}, "set scratch_paths"),
    ({"kind": "worker", "port": None, "container_health_check": {"heartbeat_path": "/var/run/hb"}},
     "container_health_check.heartbeat_path '/var/run/hb' is not under a writable scratch path"),
    ({"kind": "worker", "port": None, "container_health_check": {"heartbeat_path": "/tmpx/hb"}},
     "not under a writable scratch path (/tmp)"),
    ({"tracing": {"enabled": True, "collector_memory": 300}},
     "tracing.collector_memory 300 leaves the app 212 of the task's 512 MiB (task cpu 256 / memory 512)"),
    ({"tracing": {"enabled": True, "collector_cpu": 129}},
     "tracing.collector_cpu 129 leaves the app 127 of the task's 256 CPU units"),
    ({"tracing": {"collector_image": "public.ecr.aws/aws-observability/aws-otel-collector:latest"}},
     "not 'latest'"),
    ({"tracing": {"collector_image": "public.ecr.aws/aws-observability/aws-otel-collector"}},
     "must pin a version tag"),
    ({"tracing": {"collector_image": "Public.ECR/bad image"}}, "is not an image reference"),
    ({"tracing": {"collector_config": "ecs-xray.yaml"}}, "absolute path to a .yaml file"),
    ({"tracing": {"collector_memory": 64}}, "collector_memory"),
], ids=["none", "empty", "cmd-alone", "blank-shell", "two-shell-strings", "timeout", "unsafe-path",
        "worker-no-scratch", "heartbeat-on-root", "heartbeat-prefix-trick", "memory-room", "cpu-room",
        "latest", "untagged", "malformed", "relative-config", "tiny-memory"])
def test_bad_settings_are_refused_naming_the_key(values, fragment):
    with pytest.raises(ValueError) as error:
        settings(**values)
    assert fragment in str(error.value), str(error.value)


def test_a_worker_with_its_own_command_needs_no_scratch_path():
    s = settings(kind="worker", port=None, scratch_paths=[],
                 container_health_check={"command": ["CMD", "/app/alive"]})
    assert container_problems(s) == []
    [app] = definitions(s, writable_paths=[])
    assert app["healthCheck"]["command"] == ["CMD", "/app/alive"] and app["mountPoints"] == []
