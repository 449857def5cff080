"""Container health and structure rules of policies/rules/compute.py (issue 14):
`ecs-container-health-check` (every container, sidecars too, has a health check that runs
something, with its timings written) and `ecs-essential-container` (the app, not only a sidecar,
is essential; every dependsOn names a container of the task with a condition ECS takes), each
with the ways around it, and the committed stacks passing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from groundwork.check import (
    POLICIES_DIR,
    check_plan,
    check_records,
    load_policy_config,
    validate_resource,
)
from groundwork.policies import rules
from groundwork.testing import ResourceRecord

RULES = rules.by_name()
COVERED_RULES = {"ecs-container-health-check", "ecs-essential-container"}
TASK = "aws:ecs/taskDefinition:TaskDefinition"
CHECK = {"command": ["CMD-SHELL", "curl -fsS http://127.0.0.1:8000/health || exit 1"],
         "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60}
SIDECAR_CHECK = {"command": ["CMD", "/healthcheck"], "interval": 30, "timeout": 5, "retries": 3,
                 "startPeriod": 10}


def _app(**changes: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"name": "api", "image": "app:1.0.0", "essential": True,
                         "healthCheck": dict(CHECK),
                         "dependsOn": [{"containerName": "aws-otel-collector", "condition": "START"}]}
    c.update(changes)
    return {k: v for k, v in c.items() if v is not None}


def _sidecar(**changes: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"name": "aws-otel-collector", "image": "otel:v0.49.0", "essential": False,
                         "healthCheck": dict(SIDECAR_CHECK)}
    c.update(changes)
    return {k: v for k, v in c.items() if v is not None}


def _task(*defs: dict[str, Any] | str) -> dict[str, Any]:
    parts = [d if isinstance(d, str) else json.dumps(d) for d in defs]
    return {"family": "app", "containerDefinitions": "[" + ", ".join(parts) + "]"}


def _problems(rule: str, *defs: dict[str, Any] | str) -> list[str]:
    return validate_resource(RULES[rule], TASK, _task(*defs))


# --- ecs-container-health-check -----------------------------------------------------------------


def test_an_app_and_sidecar_with_full_checks_pass():
    assert _problems("ecs-container-health-check", _app(), _sidecar()) == []
    assert _problems("ecs-container-health-check", _app(dependsOn=None)) == []


@pytest.mark.parametrize(("app", "fragment"), [
    (_app(healthCheck=None), "has no healthCheck"),
    (_app(healthCheck={**CHECK, "command": []}), "without a command list"),
    (_app(healthCheck={**CHECK, "command": "curl localhost"}), "without a command list"),
    (_app(healthCheck={**CHECK, "command": ["NONE"]}), "starting 'NONE'"),
    (_app(healthCheck={**CHECK, "command": ["cmd-shell", "true"]}), "starting 'cmd-shell'"),
    (_app(healthCheck={**CHECK, "command": ["CMD-SHELL"]}), "nothing to run after CMD-SHELL"),
    (_app(healthCheck={**CHECK, "command": ["CMD-SHELL", "  "]}), "nothing to run after CMD-SHELL"),
    (_app(healthCheck={**CHECK, "command": ["CMD", 7]}), "nothing to run after CMD"),
    (_app(healthCheck={k: v for k, v in CHECK.items() if k != "interval"}), "without interval"),
    (_app(healthCheck={**CHECK, "timeout": "5"}), "without timeout"),
    (_app(healthCheck={**CHECK, "retries": True}), "without retries"),
    (_app(healthCheck="CMD true"), "has no healthCheck"),
], ids=["missing", "empty-command", "string-command", "none", "lowercase", "nothing-after",
        "blank-after", "non-string", "no-interval", "string-timeout", "bool-retries", "not-object"])
def test_an_app_without_a_working_check_fails(app, fragment):
    [problem] = _problems("ecs-container-health-check", app, _sidecar())
    assert "': container 'api' " in problem and fragment in problem, problem
    assert "[ECS container health check]" in problem


def test_a_check_only_on_the_sidecar_fails_for_the_app():
    [problem] = _problems("ecs-container-health-check", _app(healthCheck=None), _sidecar())
    assert "container 'api' has no healthCheck" in problem


def test_a_sidecar_without_a_check_fails_too():
    [problem] = _problems("ecs-container-health-check", _app(), _sidecar(healthCheck=None))
    assert "container 'aws-otel-collector' has no healthCheck" in problem


def test_the_key_is_read_the_way_aws_reads_it():
    # Go's encoding/json matches keys case-insensitively and the last of equal keys wins: a
    # second "HealthCheck" with NONE replaces the good one.
    good = json.dumps(_app(dependsOn=None))
    overridden = (good[:-1] + ', "HealthCheck": {"Command": ["NONE"], "Interval": 30, '
                  '"Timeout": 5, "Retries": 3}}')
    [problem] = _problems("ecs-container-health-check", overridden)
    assert "starting 'NONE'" in problem
    spelled = json.dumps({"name": "api", "HEALTHCHECK": {"COMMAND": ["CMD", "/bin/check"],
                                                         "INTERVAL": 30, "TIMEOUT": 5, "RETRIES": 3}})
    assert _problems("ecs-container-health-check", spelled) == []


def test_unreadable_container_definitions_are_not_a_pass():
    record = ResourceRecord(type=TASK, name="api-task", urn="urn:api-task", parent="", custom=True,
                            inputs={"family": "api", "containerDefinitions": "[secret]"}, outputs={})
    result = check_records([record], load_policy_config(POLICIES_DIR / "config" / "prod.json"))
    skipped = {s.policy for s in result.skipped if s.kind == "not-applicable"}
    assert {"ecs-container-health-check", "ecs-essential-container"} <= skipped
    assert not [v for v in result.violations if v.policy in COVERED_RULES]


# --- ecs-essential-container --------------------------------------------------------------------


def test_an_essential_app_with_a_non_essential_sidecar_passes():
    assert _problems("ecs-essential-container", _app(), _sidecar()) == []
    assert _problems("ecs-essential-container", _app(essential=None, dependsOn=None)) == []  # unset is true


@pytest.mark.parametrize(("defs", "fragment"), [
    ((_app(essential=False), _sidecar(essential=True)), "only sidecars essential (aws-otel-collector"),
    ((_app(essential=False), _sidecar()), "has no essential container"),
    ((_app(essential=False, dependsOn=None),), "has no essential container"),
    ((_app(dependsOn=[{"containerName": "otel", "condition": "START"}]), _sidecar()),
     "depends on container 'otel', which is not another container"),
    ((_app(dependsOn=[{"containerName": "api", "condition": "START"}]), _sidecar()),
     "depends on container 'api', which is not another container"),
    ((_app(dependsOn=[{"containerName": "aws-otel-collector", "condition": "READY"}]), _sidecar()),
     "with condition 'READY'"),
    ((_app(dependsOn=[{"containerName": "aws-otel-collector", "condition": "HEALTHY"}]),
      _sidecar(healthCheck={"command": ["NONE"]})), "no working healthCheck"),
    ((_app(dependsOn=[{"containerName": "aws-otel-collector", "condition": "SUCCESS"}]),
      _sidecar(essential=True)), "waits for essential 'aws-otel-collector' to success"),
    ((_app(dependsOn=["aws-otel-collector"]), _sidecar()), "dependsOn entry that is not an object"),
], ids=["sidecar-only-essential", "nothing-essential", "app-not-essential", "missing-target",
        "self", "bad-condition", "healthy-without-check", "success-on-essential", "not-object"])
def test_broken_essential_or_dependency_sets_fail(defs, fragment):
    problems = _problems("ecs-essential-container", *defs)
    assert any(fragment in p for p in problems), problems
    assert all("[ECS essential container]" in p for p in problems)


def test_the_essential_rule_reads_unreadable_json_as_not_applicable():
    record = ResourceRecord(type=TASK, name="w-task", urn="urn:w-task", parent="", custom=True,
                            inputs={"family": "w", "containerDefinitions": "{not json"}, outputs={})
    result = check_records([record], load_policy_config(POLICIES_DIR / "config" / "dev.json"))
    assert "ecs-essential-container" in {s.policy for s in result.skipped}


# --- the committed stacks -----------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stacks_pass_both_rules_mandatory(stack, request):
    result = check_plan(request.getfixturevalue(stack))
    assert result.levels["ecs-container-health-check"] == "mandatory"
    assert result.levels["ecs-essential-container"] == "mandatory"
    # the sidecar (prod) is held to every container rule the app is
    container_rules = COVERED_RULES | {"ecs-not-privileged", "ecs-read-only-root", "ecs-logging",
                                       "ecs-non-root-user", "ecs-no-secrets-in-environment",
                                       "ecs-no-host-pid"}
    assert not [v for v in result.violations if v.policy in container_rules], result.violations
    assert not [s for s in result.skipped if s.policy in container_rules]


def test_prod_api_task_fails_when_its_sidecar_loses_its_check_or_the_app_its_essential(prod):
    record = prod.one(TASK, "api-task")
    defs = json.loads(record.inputs["containerDefinitions"])
    assert [c["name"] for c in defs] == ["api", "aws-otel-collector"]
    assert validate_resource(RULES["ecs-container-health-check"], TASK, record.inputs) == []
    no_check = json.loads(json.dumps(defs))
    del no_check[1]["healthCheck"]
    [problem] = validate_resource(RULES["ecs-container-health-check"], TASK,
                                  {**record.inputs, "containerDefinitions": json.dumps(no_check)})
    assert "container 'aws-otel-collector' has no healthCheck" in problem
    swapped = json.loads(json.dumps(defs))
    swapped[0]["essential"], swapped[1]["essential"] = False, True
    [problem] = validate_resource(RULES["ecs-essential-container"], TASK,
                                  {**record.inputs, "containerDefinitions": json.dumps(swapped)})
    assert "only sidecars essential (aws-otel-collector" in problem


# --- round-2 audit: ways around the container rules, each failing before its fix ---------------
# (docs/policies.md "Tested evasions"; the passing cases beside them)


@pytest.mark.parametrize("command", [
    ["CMD-SHELL", "exit 0"], ["CMD-SHELL", "true"], ["CMD-SHELL", ":"], ["CMD-SHELL", "echo ok"],
    ["CMD", "true"], ["CMD", "/bin/true"], ["CMD", "echo", "healthy"],
    ["CMD", "sh", "-c", "exit 0"], ["CMD", "/bin/sh", "-c", "curl -f http://127.0.0.1/ || true"],
    ["CMD-SHELL", "curl -fsS http://127.0.0.1:8000/health || true"],
    ["CMD-SHELL", "curl -fsS http://127.0.0.1:8000/health || exit 0"],
    ["CMD-SHELL", "curl -fsS http://127.0.0.1:8000/health; exit 0"],
    ["CMD-SHELL", "curl -fsS http://127.0.0.1:8000/health || exit 1; true"],
], ids=["exit-0", "true", "colon", "echo", "cmd-true", "bin-true", "cmd-echo", "sh-c-exit",
        "sh-c-or-true", "or-true", "or-exit-0", "then-exit-0", "then-true"])
def test_a_check_that_always_succeeds_fails(command):
    [problem] = _problems("ecs-container-health-check", _app(healthCheck={**CHECK, "command": command}),
                          _sidecar())
    assert "always succeeds" in problem, problem


@pytest.mark.parametrize("command", [
    ["CMD-SHELL", "curl -fsS http://127.0.0.1:8000/health || exit 1"],
    ["CMD-SHELL", "test -f /tmp/heartbeat && find /tmp/heartbeat -mmin -2 | grep -q ."],
    ["CMD", "/healthcheck"], ["CMD", "python", "-c", "import sys; sys.exit(0 if ok() else 1)"],
    ["CMD", "sh", "-c", "pgrep -f worker || exit 1"],
    ["CMD-SHELL", "curl -fsS http://127.0.0.1:8000/health && echo ok"],
], ids=["curl", "heartbeat", "binary", "python", "sh-c", "and-echo"])
def test_real_checks_are_not_taken_for_trivial_ones(command):
    assert _problems("ecs-container-health-check", _app(healthCheck={**CHECK, "command": command}),
                     _sidecar()) == []


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"command": ["cmd", "/bin/check"]}, "starting 'cmd'"),
    ({"command": ["CMD", ""]}, "nothing to run after CMD"),
    ({"interval": 1}, "interval 1"), ({"interval": 301}, "interval 301"),
    ({"timeout": 0}, "timeout 0"), ({"timeout": 61}, "timeout 61"),
    ({"retries": 0}, "retries 0"), ({"retries": 11}, "retries 11"),
    ({"startPeriod": 301}, "startPeriod 301"), ({"startPeriod": -1}, "startPeriod -1"),
    ({"interval": 30.5}, "interval 30.5"),
], ids=["lowercase-cmd", "empty-arg", "interval-low", "interval-high", "timeout-low", "timeout-high",
        "retries-low", "retries-high", "start-high", "start-negative", "fractional"])
def test_checks_ecs_refuses_or_miscounts_fail(changes, fragment):
    [problem] = _problems("ecs-container-health-check", _app(healthCheck={**CHECK, **changes}), _sidecar())
    assert fragment in problem, problem


def test_definitions_unknown_in_preview_defer_not_pass():
    from pulumi_policy.proxy import UnknownValueError

    from groundwork.engine import UNKNOWN
    with pytest.raises(UnknownValueError):
        validate_resource(RULES["ecs-container-health-check"], TASK,
                          {"family": "app", "containerDefinitions": UNKNOWN})
    with pytest.raises(UnknownValueError):  # a structured list with an unknown container
        validate_resource(RULES["ecs-container-health-check"], TASK,
                          {"family": "app", "containerDefinitions": [_app(dependsOn=None), UNKNOWN]})


@pytest.mark.parametrize(("defs", "fragment"), [
    # the app non-essential and depending on nothing, the sidecar essential: a dead app keeps
    # the task up (ECS reads only essential containers' health)
    ((_app(essential=False, dependsOn=None), _sidecar(essential=True)),
     "container 'api' is not essential and no container depends on it"),
    ((_app(essential=False, dependsOn=None), _sidecar(essential=None)),
     "container 'api' is not essential and no container depends on it"),
    ((_app(), _sidecar(dependsOn=[{"containerName": "api", "condition": "START"}])),
     "dependsOn cycle (api -> aws-otel-collector -> api)"),
    ((_app(dependsOn=None), _app(dependsOn=None, image="other:1")), "two containers named 'api'"),
], ids=["app-standalone-non-essential", "sidecar-essential-by-default", "cycle", "duplicate-name"])
def test_more_broken_essential_or_dependency_sets_fail(defs, fragment):
    problems = _problems("ecs-essential-container", *defs)
    assert any(fragment in p for p in problems), problems


def test_explicit_and_omitted_essential_read_as_ecs_does():
    rule = "ecs-essential-container"
    # omitted (or null) is true: one essential app, alone or with a depended-on sidecar
    assert _problems(rule, _app(essential=None, dependsOn=None)) == []
    assert _problems(rule, json.dumps({**_app(dependsOn=None), "essential": None})) == []
    assert _problems(rule, _app(essential=None), _sidecar()) == []
    # every container explicitly false: nothing essential
    problems = _problems(rule, _app(essential=False), _sidecar(essential=False))
    assert any("has no essential container" in p for p in problems), problems
