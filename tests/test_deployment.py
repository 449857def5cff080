"""Blue/green, canary and linear deployments (components/deployment.py, issue 14): the traffic
schedule, the test listener rule and its restriction, the pre-traffic hook (function, roles,
lifecycle hook), the infrastructure role scoped to exactly the service's rules and target groups,
and the Args a blue/green service is refused with. prod's api deploys CANARY (Pulumi.prod.yaml);
one override plan adds a LINEAR and a BLUE_GREEN service."""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace

import pytest
from compute_support import RULE, SERVICE, TG, doc, role_of, service, web, worker
from hypothesis import given
from hypothesis import strategies as st

from groundwork.components import service as service_module
from groundwork.components.args import ComponentArgs
from groundwork.components.base import component_naming
from groundwork.components.deployment import (
    HOOK_MARGIN_SECONDS,
    TEST_HEADER,
    DeploymentSettings,
    blue_green_name_problem,
    blue_green_names,
    hook_host,
    hook_timeout_problem,
    hook_worst_case_seconds,
    infrastructure_policy,
    traffic_schedule,
)
from groundwork.components.load_balancer import CertificateSettings, LoadBalancerSettings
from groundwork.components.service import FargateServiceArgs
from groundwork.components.smoke import SmokeCheckSettings
from groundwork.engine import plan_stack

FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
WHERE = "FargateService 'api'"


# -- the schedule (pure) ----------------------------------------------------------------------


def test_the_schedules_of_each_strategy():
    assert traffic_schedule(DeploymentSettings()) == []
    assert traffic_schedule(DeploymentSettings(strategy="BLUE_GREEN", bake_time_minutes=15)) == [
        (100.0, 15)]
    # prod's api: 10 % for five minutes, then 100 % baked ten (10 % -> 100 %)
    assert traffic_schedule(DeploymentSettings(
        strategy="CANARY", canary_percent=10, canary_bake_time_minutes=5,
        bake_time_minutes=10)) == [(10.0, 5), (100.0, 10)]
    assert traffic_schedule(DeploymentSettings(strategy="LINEAR")) == [
        (20.0, 5), (40.0, 5), (60.0, 5), (80.0, 5), (100.0, 10)]
    # a 50 % step: LINEAR at 50 % (ECS's steps are equal, docs/compute.md#deployments)
    assert traffic_schedule(DeploymentSettings(strategy="LINEAR", linear_step_percent=50)) == [
        (50.0, 5), (100.0, 10)]
    assert traffic_schedule(DeploymentSettings(strategy="LINEAR", linear_step_percent=30)) == [
        (30.0, 5), (60.0, 5), (90.0, 5), (100.0, 10)]  # the last step capped at 100


@given(step=st.floats(min_value=3, max_value=99.99, allow_nan=False),
       step_bake=st.integers(0, 1440), bake=st.integers(0, 1440))
def test_a_linear_schedule_climbs_in_equal_steps_to_100(step, step_bake, bake):
    s = DeploymentSettings(strategy="LINEAR", linear_step_percent=step,
                           linear_step_bake_time_minutes=step_bake, bake_time_minutes=bake)
    schedule = traffic_schedule(s)
    shares = [p for p, _ in schedule]
    assert schedule[-1] == (100.0, bake)
    assert all(b > a for a, b in itertools.pairwise(shares))
    assert all(m == step_bake for _, m in schedule[:-1])
    for k, share in enumerate(shares[:-1], start=1):
        assert share == pytest.approx(k * step)
    assert 100 - shares[-2] <= step + 1e-6 if len(shares) > 1 else step >= 100 - 1e-6


@given(percent=st.floats(min_value=0.1, max_value=99.9, allow_nan=False),
       canary_bake=st.integers(0, 1440), bake=st.integers(0, 1440))
def test_a_canary_schedule_is_one_step_then_everything(percent, canary_bake, bake):
    s = DeploymentSettings(strategy="CANARY", canary_percent=percent,
                           canary_bake_time_minutes=canary_bake, bake_time_minutes=bake)
    assert traffic_schedule(s) == [(percent, canary_bake), (100.0, bake)]


def test_the_hook_timeout_covers_the_checks_worst_case():
    checks = [SmokeCheckSettings(requests=10, timeout_seconds=5),
              SmokeCheckSettings(path="/api", requests=4, timeout_seconds=2.5)]
    assert hook_worst_case_seconds(checks) == 60 + HOOK_MARGIN_SECONDS
    ok = DeploymentSettings(strategy="CANARY", hook_timeout_seconds=90)
    assert hook_timeout_problem(ok, checks) is None
    short = DeploymentSettings(strategy="CANARY", hook_timeout_seconds=89)
    problem = hook_timeout_problem(short, checks)
    assert problem and "deployment.hook_timeout_seconds 89" in problem and "90 s" in problem
    # no hook, no limit
    assert hook_timeout_problem(DeploymentSettings(strategy="CANARY", pre_traffic_hook=False,
                                                   hook_timeout_seconds=10), checks) is None


def test_the_hook_host():
    assert hook_host(["api.example.com", "b.example.com"], ["app.example.com"]) == "api.example.com"
    assert hook_host([], ["app.example.com"]) == "app.example.com"
    assert hook_host(["*.example.com"], []) == "deploy-hook.example.com"
    assert hook_host([], []) is None


def test_the_infrastructure_policy_names_only_what_it_is_given():
    doc_ = infrastructure_policy(rule_arns=["rule-b", "rule-a"], target_group_arns=["tg-1", "tg-2"])
    by_sid = {s["Sid"]: s for s in doc_["Statement"]}
    assert by_sid["ShiftTrafficOnTheseRules"]["Resource"] == ["rule-a", "rule-b"]
    assert by_sid["RegisterTasksInTheseTargetGroups"]["Resource"] == ["tg-1", "tg-2"]
    wildcard = [s for s in doc_["Statement"] if s["Resource"] == "*"]
    assert [s["Sid"] for s in wildcard] == ["ELBReadOperations"]
    assert all(a.startswith("elasticloadbalancing:Describe") for a in wildcard[0]["Action"])


# -- prod's api: CANARY with the pre-traffic hook ------------------------------------------------


_PREFIX = st.from_regex(r"[a-z][a-z0-9-]{0,79}", fullmatch=True)
_COMPONENT = st.from_regex(r"[a-z](-?[a-z0-9]){0,19}", fullmatch=True)  # COMPONENT_NAME


@given(_PREFIX, _COMPONENT)
def test_blue_green_names_fit_lambda_and_iam_for_any_prefix(prefix, component):
    naming = component_naming("FargateService", component, ComponentArgs(name_prefix=prefix))
    names = blue_green_names(naming)
    assert blue_green_name_problem(names) is None
    assert len(names.hook_function) <= 64 and len(names.hook_log_group) <= 512
    assert names.hook_log_group == f"/aws/lambda/{names.hook_function}"
    for role in (names.infrastructure_role, names.hook_role, names.hook_invoke_role):
        assert len(role) <= 64
    assert names.hook_invoke_role != names.infrastructure_role != names.hook_role


def test_a_prefix_whose_hook_name_lambda_refuses_is_named():
    naming = component_naming("FargateService", "api", ComponentArgs(name_prefix="acme.prod"))
    assert "not a Lambda function name" in blue_green_name_problem(blue_green_names(naming))


def _lb(plan):
    [lb] = service(plan, "api").inputs["loadBalancers"]
    return lb


def test_the_test_rule_routes_the_header_from_the_vpc_to_the_alternate_group(prod):
    rule = prod.one(RULE, "load-balancer-api-test-rule")
    alternate = prod.one(TG, "load-balancer-api-alt-tg")
    assert rule.inputs["conditions"] == [
        {"httpHeader": {"httpHeaderName": TEST_HEADER, "values": ["api"]}},
        {"sourceIp": {"values": [prod.stack_outputs["vpc_cidr"]]}}]
    assert prod.stack_outputs["vpc_cidr"] == "10.0.0.0/16"
    assert rule.inputs["actions"] == [{"type": "forward",
                                       "targetGroupArn": alternate.outputs["arn"]}]
    production = prod.one(RULE, "load-balancer-api-rule")
    assert rule.inputs["listenerArn"] == production.inputs["listenerArn"]
    assert rule.inputs["priority"] == 1 < production.inputs["priority"]  # evaluated first
    assert rule.ignore_changes == ["actions"]  # ECS re-points it
    adv = _lb(prod)["advancedConfiguration"]
    assert adv["testListenerRule"] == rule.outputs["arn"]
    assert adv["productionListenerRule"] == production.outputs["arn"]
    assert adv["alternateTargetGroupArn"] == alternate.outputs["arn"]


def test_the_lifecycle_hook_runs_the_hook_function_before_production_traffic(prod):
    dc = service(prod, "api").inputs["deploymentConfiguration"]
    fn = prod.one(FUNCTION, "api-deploy-hook")
    [hook] = dc["lifecycleHooks"]
    assert hook["lifecycleStages"] == ["POST_TEST_TRAFFIC_SHIFT"]
    assert hook["hookTargetArn"] == fn.outputs["arn"]
    assert {k: v for k, v in dc.items() if k != "lifecycleHooks"} == {
        "strategy": "CANARY", "bakeTimeInMinutes": "10",
        "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": "5"}}
    # the role ECS invokes it with: AWS's documented trust (the ECS principal), this function only
    invoke = role_of(prod, hook["roleArn"])
    assert doc(invoke, "assumeRolePolicy")["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"},
        "Action": "sts:AssumeRole"}]
    [policy] = [p for p in prod.of_type(ROLE_POLICY) if p.inputs["role"] == invoke.id]
    assert doc(policy)["Statement"] == [{"Sid": "InvokeThisHook", "Effect": "Allow",
                                         "Action": "lambda:InvokeFunction",
                                         "Resource": fn.outputs["arn"]}]
    api = service(prod, "api")
    assert policy.urn in api.depends_on  # deleted after the service (else it stays DRAINING)


def test_the_infrastructure_role_is_scoped_to_the_services_rules_and_groups(prod):
    adv = _lb(prod)["advancedConfiguration"]
    role = role_of(prod, adv["roleArn"])
    assert role.name == "api-deploy-role" and role.inputs["name"] == "groundwork-prod-api-deploy"
    assert doc(role, "assumeRolePolicy")["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"},
        "Action": "sts:AssumeRole"}]
    [policy] = [p for p in prod.of_type(ROLE_POLICY) if p.inputs["role"] == role.id]
    assert not [a for a in prod.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                if a.inputs["role"] in (role.id, role.inputs["name"])]
    by_sid = {s["Sid"]: s for s in doc(policy)["Statement"]}
    rules = {prod.one(RULE, n).outputs["arn"] for n in ("load-balancer-api-rule",
                                                         "load-balancer-api-test-rule")}
    groups = {prod.one(TG, n).outputs["arn"] for n in ("load-balancer-api-tg",
                                                        "load-balancer-api-alt-tg")}
    assert by_sid["ShiftTrafficOnTheseRules"]["Action"] == "elasticloadbalancing:ModifyRule"
    assert set(by_sid["ShiftTrafficOnTheseRules"]["Resource"]) == rules
    assert len(by_sid["ShiftTrafficOnTheseRules"]["Resource"]) == 2
    assert set(by_sid["RegisterTasksInTheseTargetGroups"]["Resource"]) == groups
    assert len(by_sid["RegisterTasksInTheseTargetGroups"]["Resource"]) == 2
    assert by_sid["ELBReadOperations"]["Resource"] == "*"
    assert set(by_sid) == {"ELBReadOperations", "ShiftTrafficOnTheseRules",
                           "RegisterTasksInTheseTargetGroups"}
    assert policy.urn in service(prod, "api").depends_on


def test_the_hook_function_runs_in_the_vpc_with_the_contract_environment(prod):
    fn = prod.one(FUNCTION, "api-deploy-hook")
    api = service(prod, "api")
    i = fn.inputs
    assert i["name"] == "groundwork-prod-api-deploy-hook" and len(i["name"]) <= 64
    assert (i["runtime"], i["handler"], i["architectures"]) == (
        "python3.12", "deploy_hook.handler", ["arm64"])
    assert sorted(i["vpcConfig"]["subnetIds"]) == sorted(api.inputs["networkConfiguration"]["subnets"])
    hook_group = prod.one("aws:ec2/securityGroup:SecurityGroup", "security-groups-api-hook")
    assert i["vpcConfig"]["securityGroupIds"] == [hook_group.id]
    alb = prod.one("aws:lb/loadBalancer:LoadBalancer")
    env = i["environment"]["variables"]
    assert {k: v for k, v in env.items() if k != "CHECKS"} == {
        "SCHEME": "https", "PORT": "443", "HOST": "app.example.com",
        "TEST_HEADER": "X-Groundwork-Test", "TEST_HEADER_VALUE": "api",
        "LOAD_BALANCER": alb.outputs["arnSuffix"]}
    assert isinstance(json.loads(env["CHECKS"]), list) and json.loads(env["CHECKS"])
    # its log group (logs key, the service's retention) and permissions exist first
    logs = prod.one("aws:cloudwatch/logGroup:LogGroup", "api-deploy-hook-logs")
    service_logs = prod.one("aws:cloudwatch/logGroup:LogGroup", "api-logs")
    assert logs.inputs["name"] == "/aws/lambda/groundwork-prod-api-deploy-hook"
    assert i["loggingConfig"]["logGroup"] == logs.inputs["name"]
    assert logs.inputs["kmsKeyId"] == service_logs.inputs["kmsKeyId"]
    assert logs.inputs["retentionInDays"] == service_logs.inputs["retentionInDays"]
    execution = role_of(prod, i["role"])
    [policy] = [p for p in prod.of_type(ROLE_POLICY) if p.inputs["role"] == execution.id]
    assert {logs.urn, policy.urn} <= set(fn.depends_on)
    by_sid = {s["Sid"]: s for s in doc(policy)["Statement"]}
    assert by_sid["WriteOwnLogGroup"]["Resource"] == [logs.outputs["arn"], f"{logs.outputs['arn']}:*"]
    assert sorted(by_sid["VpcNetworkInterfaces"]["Action"]) == [
        "ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"]
    assert by_sid["DescribeNetworkInterfaces"] == {
        "Sid": "DescribeNetworkInterfaces", "Effect": "Allow",
        "Action": "ec2:DescribeNetworkInterfaces", "Resource": "*"}
    assert doc(execution, "assumeRolePolicy")["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"}


def test_dev_and_prods_worker_have_no_blue_green_parts(prod, dev):
    assert [r.name for r in prod.of_type(FUNCTION) if r.name.endswith("deploy-hook")] == [
        "api-deploy-hook"]
    assert not [r for r in dev.of_type(FUNCTION) if r.name.endswith("deploy-hook")]
    assert not [r for r in dev.of_type(RULE) if r.name.endswith("test-rule")]
    assert "advancedConfiguration" not in _lb(dev)


# -- LINEAR and BLUE_GREEN ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def linear():
    return plan_stack("dev", overrides={"services": [
        web("api", deployment={"strategy": "LINEAR", "linear_step_percent": 10,
                               "linear_step_bake_time_minutes": 5}),
        web("web", routing={"host_headers": ["www.example.com"]},
            deployment={"strategy": "BLUE_GREEN", "pre_traffic_hook": False}),
        worker("worker")],
        "load_balancer": {"certificate": {"alternative_names": ["www.example.com"]}}})


def test_a_linear_service_steps_ten_percent_every_five_minutes(linear):
    dc = service(linear, "api").inputs["deploymentConfiguration"]
    assert dc["strategy"] == "LINEAR" and dc["bakeTimeInMinutes"] == "10"
    assert dc["linearConfiguration"] == {"stepPercent": 10, "stepBakeTimeInMinutes": "5"}
    assert "canaryConfiguration" not in dc
    assert dc["lifecycleHooks"][0]["hookTargetArn"] == linear.one(
        FUNCTION, "api-deploy-hook").outputs["arn"]
    assert len(traffic_schedule(DeploymentSettings(strategy="LINEAR", linear_step_percent=10))) == 10


def test_a_blue_green_service_without_the_hook_keeps_its_restricted_test_rule(linear):
    dc = service(linear, "web").inputs["deploymentConfiguration"]
    assert dc == {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "10"}  # no hook
    assert not [r for r in linear.of_type(FUNCTION) if r.name.startswith("web-")]
    rule = linear.one(RULE, "load-balancer-web-test-rule")
    assert rule.inputs["priority"] == 2  # 1 + its position among the web services
    assert rule.inputs["conditions"][1] == {"sourceIp": {"values": ["10.0.0.0/16"]}}
    assert not [g for g in linear.of_type("aws:ec2/securityGroup:SecurityGroup")
                if g.name == "security-groups-web-hook"]
    assert len(linear.of_type(SERVICE)) == 3


# -- refused before anything registers ----------------------------------------------------------


def _args(**extra):
    base = {"kind": "web", "image": "example/api:1.0.0", "port": 8000, "listener_priority": 100,
            "deployment": {"strategy": "CANARY"}, "test_listener_priority": 5,
            "test_source_cidrs": ["10.0.0.0/16"], "hook_security_group_ids": ["sg-1"]}
    return FargateServiceArgs(**{**base, **extra})


@pytest.mark.parametrize("extra, words", [
    ({"test_listener_priority": None}, "FargateServiceArgs.test_listener_priority is required"),
    ({"test_listener_priority": 100}, "test_listener_priority 100 must be below the listener priority 100"),
    ({"test_source_cidrs": []}, "FargateServiceArgs.test_source_cidrs is required"),
    ({"hook_security_group_ids": None}, "FargateServiceArgs.hook_security_group_ids is required"),
    ({"deployment": {"strategy": "ROLLING"}}, "test_listener_priority is for a BLUE_GREEN"),
    ({"deployment": {"strategy": "CANARY", "hook_timeout_seconds": 10}},
     "deployment.hook_timeout_seconds 10 is below"),
    # ALB: "up to three match evaluations per condition" (rule-condition-types.html)
    ({"test_source_cidrs": [f"10.{i}.0.0/16" for i in range(4)]}, "1 to 3 CIDRs .* got 4"),
    # the hook's CHECKS variable over 3 KB: Lambda refuses more than 4 KB of environment
    ({"smoke_checks": [{"path": f"/p{i}", "body_contains": "x" * 200, "requests": 1,
                        "timeout_seconds": 1} for i in range(12)]},
     "smoke_checks take .* bytes as the hook's CHECKS variable, over 3072"),
])
def test_bad_blue_green_args_are_refused(extra, words):
    with pytest.raises(ValueError, match=words.replace(".", r"\.").replace(r"\.*", ".*")):
        service_module._check_blue_green(WHERE, _args(**extra))


def test_a_stack_config_whose_hook_cant_cover_its_checks_names_the_service():
    """The settings refuse it, so the stack's config error names the service (no program
    failure, nothing registered)."""
    from groundwork.stacks.config import ConfigError, load_environment

    service = {"name": "api", "kind": "web", "image": "example/api:1.0.0", "port": 8000,
               "deployment": {"strategy": "CANARY", "hook_timeout_seconds": 10}}
    with pytest.raises(ConfigError, match=r"groundwork:services\[api\]: deployment\."
                                          r"hook_timeout_seconds 10 is below"):
        load_environment({"profile": "dev", "tags": {"Owner": "x"}, "services": [service],
                          "load_balancer": {"certificate": {
                              "arn": "arn:aws:acm:us-east-1:111111111111:certificate/c"}}},
                         stack="dev")


def test_a_hook_with_no_host_to_verify_is_refused():
    lb = SimpleNamespace(args=LoadBalancerSettings(certificate=CertificateSettings(
        arn="arn:aws:acm:us-east-1:123456789012:certificate/abc")), dns_name="x")
    args = _args().model_copy(update={"load_balancer": lb})
    with pytest.raises(ValueError, match="needs a host name"):
        service_module._check_blue_green(WHERE, args)
    hosted = _args(routing={"host_headers": ["api.example.com"]}).model_copy(
        update={"load_balancer": lb})
    service_module._check_blue_green(WHERE, hosted)  # a routed host is enough
