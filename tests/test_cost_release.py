"""`groundwork cost` for release safety: the pre-traffic hook's invocations, the tracing
collector's share of the task, X-Ray's recorded traces and the free EventBridge rules, pinned to
hand-computed figures on small plans, then on the prod plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_cost import _plan

from groundwork import cost
from groundwork.engine import PlanResult

PRICES = json.loads((Path(cost.__file__).parent / "prices" / "us-east-1.json").read_text())
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:groundwork-t-api-hook"
HOURS = 730


def _lines(plan: PlanResult, **assume: Any) -> list[cost.CostLine]:
    return cost.estimate(plan, cost.Assumptions(**assume)).lines


def _containers(collector: dict[str, Any] | None) -> str:
    app = {"name": "app", "image": "repo/app:1", "essential": True}
    return json.dumps([app, *([{"name": "aws-otel-collector", "essential": False, **collector}]
                              if collector else [])])


def _service(*, collector: dict[str, Any] | None = None, hooks: list[dict[str, Any]] | None = None,
             tasks: int = 2) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The api: 2 vCPU / 4 GB ARM64 tasks, optionally with the collector and lifecycle hooks."""
    service: dict[str, Any] = {
        "name": "groundwork-t-api", "launchType": "FARGATE", "desiredCount": tasks,
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/groundwork-t-api:1"}
    if hooks is not None:
        service["deploymentConfiguration"] = {"strategy": "CANARY", "lifecycleHooks": hooks}
    return [
        ("api", cost.TASK_DEFINITION, "api-task", {
            "family": "groundwork-t-api", "cpu": "2048", "memory": "4096",
            "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
            "containerDefinitions": _containers(collector)}),
        ("api", cost.ECS_SERVICE, "api", service),
    ]


def _hook(memory: int = 256, arch: str = "arm64") -> tuple[str, str, str, dict[str, Any]]:
    return ("api", cost.LAMBDA_FUNCTION, "api-hook", {
        "name": "groundwork-t-api-hook", "arn": FN_ARN, "memorySize": memory,
        "architectures": [arch], "timeout": 60})


def test_the_price_table_has_lambda_xray_and_eventbridge_with_sources():
    assert PRICES["lambda"] == {"source": "lambda", "requests_million": 0.2,
                                "gb_second": {"x86_64": 0.0000166667, "arm64": 0.0000133334}}
    assert (PRICES["xray"]["traces_recorded_million"], PRICES["xray"]["free_traces_recorded_month"],
            PRICES["xray"]["default_reservoir_per_second"], PRICES["xray"]["default_fixed_rate"]) == (
        5.0, 100_000, 1, 0.05)
    assert PRICES["eventbridge"]["aws_service_event_rule_month"] == 0.0
    for section in ("lambda", "xray", "eventbridge"):
        assert PRICES["sources"][section].startswith(f"https://aws.amazon.com/{section}/pricing/")
    assert any("2026-12-02 (issue 14)" in line for line in PRICES["provenance"])


def test_the_pre_traffic_hook_by_hand():
    """One hook stage, 40 deploys, 10 s at 256 MB arm64: 40 requests ($0.000008) and 100 GB-s
    ($0.00133334); shown although it is cents."""
    hooks = [{"hookTargetArn": FN_ARN, "roleArn": "arn:role",
              "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}]
    lines = {line.item: line for line in _lines(_plan(*_service(hooks=hooks), _hook()))
             if line.resource == "api-hook"}
    requests = lines["pre-traffic hook invocations (40 a month, assumed)"]
    assert (requests.quantity, requests.unit, requests.unit_price) == (
        0.00004, "million requests", 0.2)
    assert requests.monthly == pytest.approx(0.000008)
    duration = lines["pre-traffic hook duration (10 s x 256 MB arm64, assumed)"]
    assert (duration.quantity, duration.unit) == (100.0, "GB-second")
    assert duration.monthly == pytest.approx(100 * 0.0000133334)
    # two stages, 100 deploys, 30 s, 1 GB x86: 200 invocations, 6,000 GB-s
    two = [{**hooks[0], "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT", "PRE_SCALE_UP"]}]
    more = {line.unit: line for line in _lines(_plan(*_service(hooks=two), _hook(1024, "x86_64")),
                                               deploys_per_month=100, deploy_hook_seconds=30)
            if line.resource == "api-hook"}
    assert more["million requests"].quantity == pytest.approx(0.0002)
    assert more["GB-second"].quantity == pytest.approx(6000)
    assert more["GB-second"].unit_price == 0.0000166667


def test_a_function_no_hook_targets_is_not_priced():
    assert [line for line in _lines(_plan(*_service(hooks=[]), _hook()))
            if line.resource == "api-hook"] == []


def test_the_collectors_share_of_the_task_by_hand():
    """64 CPU units and 256 MiB of a 2 vCPU / 4 GB task, 2 tasks: 91.25 vCPU-hours and 365
    GB-hours at the task's own rates; the task's total is what it was without the split."""
    with_collector = _lines(_plan(*_service(collector={"cpu": 64, "memory": 256})))
    without = _lines(_plan(*_service()))
    share = {line.unit: line for line in with_collector
             if line.item.startswith("tracing collector's share")}
    assert share["vCPU-hour"].quantity == pytest.approx(2 * 0.0625 * HOURS)  # 91.25
    assert share["vCPU-hour"].unit_price == PRICES["fargate"]["ARM64"]["vcpu_hour"]
    assert share["vCPU-hour"].monthly == pytest.approx(91.25 * 0.03238)  # $2.954675
    assert share["GB-hour"].quantity == pytest.approx(2 * 0.25 * HOURS)  # 365
    assert share["GB-hour"].monthly == pytest.approx(365 * 0.00356)  # $1.2994
    fargate = sum(line.monthly for line in with_collector if line.unit in ("vCPU-hour", "GB-hour"))
    assert fargate == pytest.approx(sum(line.monthly for line in without))
    assert fargate == pytest.approx(2 * 2 * HOURS * 0.03238 + 2 * 4 * HOURS * 0.00356)
    assert cost.collector_share(_containers({"cpu": 64, "memoryReservation": 128})) == (0.0625, 0.125)
    assert cost.collector_share(_containers(None)) == (0.0, 0.0)
    assert cost.collector_share("not json") == (0.0, 0.0)


def test_xray_traces_by_hand():
    """One traced service, 10 million requests a month: the reservoir records one a second
    (2,628,000 in 730 h), then 5 % of the other 7,372,000 (368,600): 2,996,600 traces, 100,000
    free, 2.8966 million billed at $5 = $14.483."""
    assert cost.xray_traces(10e6, seconds=HOURS * 3600, rate=0.05) == pytest.approx(2_996_600)
    assert cost.xray_traces(1e6, seconds=HOURS * 3600, rate=0.05) == 1e6  # under the reservoir
    [line] = [line for line in _lines(_plan(*_service(collector={"cpu": 64, "memory": 256})))
              if line.item.startswith("X-Ray")]
    assert (line.unit, line.unit_price) == ("million traces", 5.0)
    assert line.quantity == pytest.approx(2.8966)
    assert line.monthly == pytest.approx(14.483)
    # 10 % sampling, 50 million requests: 2.628M + 0.1 x 47.372M = 7.3652M, 7.2652M billed
    [tuned] = [line for line in _lines(_plan(*_service(collector={"cpu": 64, "memory": 256})),
                                       xray_sampling_rate=0.1,
                                       traced_requests_millions_per_service=50)
               if line.item.startswith("X-Ray")]
    assert tuned.quantity == pytest.approx(7.2652)
    # no collector, no traces
    assert not [line for line in _lines(_plan(*_service())) if line.item.startswith("X-Ray")]


def test_eventbridge_rules_on_aws_events_get_a_free_line():
    pattern = json.dumps({"source": ["aws.ecs"], "detail-type": ["ECS Deployment State Change"]})
    plan = _plan(("deploy-notices", cost.EVENT_RULE, "deploy-notices-failed",
                  {"name": "groundwork-t-deploy-notices-failed", "eventPattern": pattern}),
                 ("other", cost.EVENT_RULE, "custom", {"name": "custom", "eventPattern": json.dumps(
                     {"source": ["my.app"]})}))
    lines = [line for line in _lines(plan)]
    assert [(line.resource, line.item, line.monthly) for line in lines] == [
        ("deploy-notices-failed", "EventBridge rule on AWS service events (free)", 0.0)]
    text = " ".join(cost.Assumptions().describe(PRICES))
    assert "EventBridge rules on AWS service events" in text and "under a cent" in text


def test_prod_prices_the_collector_of_each_traced_service_and_their_traces(prod):
    """prod traces the api and the worker (tracing.enabled): each service's collector share is
    read from its task definition's container JSON; X-Ray: 2 x 10 million requests, the
    reservoir once for the account: 2.628M + 5 % x 17.372M = 3.4966M, 3.3966M billed, half on
    each service's line ($8.4915 each)."""
    est = cost.estimate(prod)
    tasks = {t.inputs["family"]: t for t in prod.of_type(cost.TASK_DEFINITION)}
    traced = [f for f, t in tasks.items() if cost.collector_share(t.inputs["containerDefinitions"])
              != (0.0, 0.0)]
    assert sorted(traced) == ["groundwork-prod-api", "groundwork-prod-worker"]
    share = [line for line in est.lines if line.item.startswith("tracing collector's share")]
    assert {line.component for line in share} == {"api", "worker"}
    xray = [line for line in est.lines if line.item.startswith("X-Ray")]
    assert len(xray) == len(traced) == 2
    assert sum(line.quantity for line in xray) == pytest.approx(3.3966)
    assert all(line.monthly == pytest.approx(8.4915) for line in xray)
    free = [line for line in est.lines if line.item.startswith("EventBridge rule")]
    assert {line.component for line in free} == {"deploy-notices", "backup-notices"}
    assert len(free) == 7 and all(line.monthly == 0 for line in free)
    # the api's pre-traffic hook: one line pair (invocations, duration), cents
    hooks = [line for line in est.lines if line.item.startswith("pre-traffic hook")]
    assert sorted((line.resource, line.unit) for line in hooks) == [
        ("api-deploy-hook", "GB-second"), ("api-deploy-hook", "million requests")]
    assert all(0 < line.monthly < 0.01 for line in hooks)
