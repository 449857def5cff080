"""Blue/green rules (policies/rules/compute.py, load_balancer.py, functions.py): a shifted
deployment is tested before production traffic (ecs-blue-green-tested), its test rule is closed
to the internet (alb-test-rule-restricted), ECS's infrastructure role is scoped
(ecs-infrastructure-role-scoped), and a VPC function spans two AZs (Lambda.5); each with the
ways around it, and the committed prod plan passing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from groundwork.check import check_plan, synthetic, validate_resource, validate_stack
from groundwork.policies import rules

RULES = rules.by_name()
COVERED_RULES = {"ecs-blue-green-tested", "alb-test-rule-restricted",
                 "ecs-infrastructure-role-scoped", "lambda-vpc-multi-az"}
SERVICE = "aws:ecs/service:Service"
RULE = "aws:lb/listenerRule:ListenerRule"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
FUNCTION = "aws:lambda/function:Function"
SUBNET = "aws:ec2/subnet:Subnet"
ALT = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-alt-8000/1"
BLUE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-8000/1"
TEST_RULE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/1/2/3"
PROD_RULE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/1/2/4"
FN = "arn:aws:lambda:us-east-1:123456789012:function:api-deploy-hook"
ROLE_ARN = "arn:aws:iam::123456789012:role/api-deploy"
MANAGED = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"


def _hook(**changes: Any) -> dict[str, Any]:
    hook = {"lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"], "hookTargetArn": FN,
            "roleArn": "arn:aws:iam::123456789012:role/api-hook-invoke"}
    hook.update(changes)
    return {k: v for k, v in hook.items() if v is not None}


def _service(hooks: list[dict[str, Any]] | None = None, *, strategy: str = "CANARY",
             test_rule: str | None = TEST_RULE) -> dict[str, Any]:
    adv = {"alternateTargetGroupArn": ALT, "productionListenerRule": PROD_RULE, "roleArn": ROLE_ARN}
    if test_rule:
        adv["testListenerRule"] = test_rule
    return {"deploymentConfiguration": {"strategy": strategy,
                                        "lifecycleHooks": [_hook()] if hooks is None else hooks},
            "loadBalancers": [{"targetGroupArn": BLUE, "advancedConfiguration": adv}]}


# --- ecs-blue-green-tested ----------------------------------------------------------------------


@pytest.mark.parametrize(("props", "fragment"), [
    (_service(test_rule=None), "without a test listener rule"),
    (_service([]), "no Lambda hook before production traffic (stages none"),
    (_service([_hook(lifecycleStages=["PRODUCTION_TRAFFIC_SHIFT"])]), "PRODUCTION_TRAFFIC_SHIFT"),
    (_service([_hook(lifecycleStages=["POST_PRODUCTION_TRAFFIC_SHIFT"])]), "no Lambda hook"),
    (_service([_hook(lifecycleStages=["PRE_SCALE_UP"])]), "no Lambda hook"),  # before the test rule
    (_service([_hook(targetType="PAUSE", hookTargetArn=None)]), "no Lambda hook"),  # tests nothing
    (_service([_hook(hookTargetArn=None)]), "no Lambda hook"),
    (_service(strategy="LINEAR", test_rule=None), "deploys LINEAR without a test listener rule"),
    (_service([], strategy="BLUE_GREEN"), "deploys BLUE_GREEN with no Lambda hook"),
], ids=["no-test-rule", "no-hook", "production-stage", "after-production", "too-early", "pause",
        "no-target", "linear", "blue-green"])
def test_an_untested_shifted_deployment_fails(props, fragment):
    problems = validate_resource(RULES["ecs-blue-green-tested"], SERVICE, props)
    assert any(fragment in p for p in problems), problems
    assert all("[ECS blue/green tested]" in p for p in problems)


def test_a_tested_deployment_and_a_rolling_one_pass():
    rule = RULES["ecs-blue-green-tested"]
    assert validate_resource(rule, SERVICE, _service()) == []
    assert validate_resource(rule, SERVICE, _service(
        [_hook(lifecycleStages=["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"])])) == []
    assert validate_resource(rule, SERVICE, {"deploymentConfiguration": {"strategy": "ROLLING"}}) == []
    assert validate_resource(rule, SERVICE, {}) == []


# --- alb-test-rule-restricted -------------------------------------------------------------------


def _rule(name: str, *, sources: list[str] | None, header: bool = True, arn: str = "arn:other",
          target: str = ALT) -> Any:
    conditions: list[dict[str, Any]] = []
    if header:
        conditions.append({"httpHeader": {"httpHeaderName": "X-Groundwork-Test", "values": ["api"]}})
    if sources is not None:
        conditions.append({"sourceIp": {"values": sources}})
    return synthetic(RULE, name, {"arn": arn, "conditions": conditions,
                                  "actions": [{"type": "forward", "targetGroupArn": target}]})


def _svc() -> Any:
    return synthetic(SERVICE, "api-service", _service())


@pytest.mark.parametrize(("rule", "fragment"), [
    (_rule("open", sources=None), "no source_ip condition"),
    (_rule("world", sources=["0.0.0.0/0"]), "admits 0.0.0.0/0"),
    (_rule("world6", sources=["10.0.0.0/16", "::/0"]), "admits ::/0"),
    # named by the service as its test rule, header or not
    (_rule("named", sources=None, header=False, arn=TEST_RULE, target=BLUE), "no source_ip"),
    # a weighted forward naming the alternate group counts too
    (synthetic(RULE, "weighted", {"arn": "x", "conditions": [
        {"httpHeader": {"httpHeaderName": "X-Test", "values": ["1"]}}],
        "actions": [{"type": "forward", "forward": {"targetGroups": [{"arn": ALT, "weight": 1}]}}]}),
     "no source_ip"),
], ids=["no-source", "world-v4", "world-v6", "named-test-rule", "weighted-forward"])
def test_an_open_test_rule_fails(rule, fragment):
    [(urn, message)] = validate_stack(RULES["alb-test-rule-restricted"], [_svc(), rule])
    assert urn == rule.urn and fragment in message and "[ALB test rule restricted]" in message


def test_a_restricted_test_rule_and_a_production_rule_pass():
    rule = RULES["alb-test-rule-restricted"]
    production = synthetic(RULE, "prod", {"arn": PROD_RULE, "conditions": [
        {"pathPattern": {"values": ["/*"]}}], "actions": [{"type": "forward", "forward": {
            "targetGroups": [{"arn": BLUE, "weight": 100}, {"arn": ALT, "weight": 0}]}}]})
    ok = _rule("ok", sources=["10.0.0.0/16"], arn=TEST_RULE)
    assert validate_stack(rule, [_svc(), production, ok]) == []
    # a header rule to some other group is not a test rule
    assert validate_stack(rule, [_svc(), _rule("other", sources=None, target=BLUE)]) == []


# --- ecs-infrastructure-role-scoped --------------------------------------------------------------


def _role_stack(*policies: tuple[str, dict[str, Any]], role_props: dict[str, Any] | None = None):
    role = synthetic(ROLE, "api-deploy-role", {"arn": ROLE_ARN, "name": "api-deploy",
                                                **(role_props or {})})
    svc = synthetic(SERVICE, "api-service", _service(), deps={"loadBalancers": [role]})
    attached = [synthetic(kind, f"p{i}", props, deps={"role": [role]})
                for i, (kind, props) in enumerate(policies)]
    return role, [svc, role, *attached]


def _inline(*statements: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return ROLE_POLICY, {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


SCOPED = _inline(
    {"Effect": "Allow", "Action": ["elasticloadbalancing:DescribeRules"], "Resource": "*"},
    {"Effect": "Allow", "Action": "elasticloadbalancing:ModifyRule", "Resource": [TEST_RULE, PROD_RULE]},
    {"Effect": "Allow", "Action": ["elasticloadbalancing:RegisterTargets",
                                   "elasticloadbalancing:DeregisterTargets"], "Resource": [BLUE, ALT]})


@pytest.mark.parametrize(("policies", "role_props", "fragment"), [
    ([(ATTACHMENT, {"policyArn": MANAGED})],
     None, "AWS-managed AmazonECSInfrastructureRolePolicyForLoadBalancers"),
    ([], {"managedPolicyArns": [MANAGED]},
     "AWS-managed"),
    ([_inline({"Effect": "Allow", "Action": "elasticloadbalancing:ModifyRule", "Resource": "*"})],
     None, "allows elasticloadbalancing:ModifyRule on every"),
    ([_inline({"Effect": "Allow", "Action": "elasticloadbalancing:*", "Resource": "*"})],
     None, "RegisterTargets"),
    ([_inline({"Effect": "Allow", "Action": "elasticloadbalancing:Register*",
               "Resource": "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*"})],
     None, "RegisterTargets"),  # the managed policy's own pattern, copied inline
    ([_inline({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})], None, "ModifyRule"),
    ([_inline({"Effect": "Allow", "Action": "elasticloadbalancing:ModifyRule", "NotResource": BLUE})],
     None, "ModifyRule"),
    ([], {"inlinePolicies": [{"name": "wide", "policy": json.dumps({"Statement": {
        "Effect": "Allow", "Action": "elasticloadbalancing:DeregisterTargets", "Resource": "*"}})}]},
     "DeregisterTargets"),
], ids=["managed-attachment", "managed-arns", "modify-star", "service-star", "managed-pattern",
        "not-action", "not-resource", "role-inline"])
def test_a_wide_infrastructure_role_fails(policies, role_props, fragment):
    role, stack = _role_stack(*policies, role_props=role_props)
    found = validate_stack(RULES["ecs-infrastructure-role-scoped"], stack)
    assert found and all(urn == role.urn for urn, _ in found)
    assert any(fragment in m for _, m in found), found


def test_a_scoped_infrastructure_role_passes():
    rule = RULES["ecs-infrastructure-role-scoped"]
    assert validate_stack(rule, _role_stack(SCOPED)[1]) == []
    # another role's wide policy is not this role's
    _, stack = _role_stack(SCOPED)
    other = synthetic(ROLE, "other", {"arn": "arn:aws:iam::123456789012:role/other"})
    wide = synthetic(ROLE_POLICY, "wide", _inline(
        {"Effect": "Allow", "Action": "elasticloadbalancing:*", "Resource": "*"})[1],
        deps={"role": [other]})
    assert validate_stack(rule, [*stack, other, wide]) == []


# --- lambda-vpc-multi-az -------------------------------------------------------------------------


def _subnet(name: str, az: str) -> Any:
    return synthetic(SUBNET, name, {"id": f"subnet-{name}", "availabilityZone": az})


def _fn(*subnets: Any, ids: list[str] | None = None) -> Any:
    listed = ids if ids is not None else [s.props["id"] for s in subnets]
    return synthetic(FUNCTION, "hook", {"vpcConfig": {"subnetIds": listed, "securityGroupIds": ["sg"]}},
                     deps={"vpcConfig": list(subnets)} if subnets else None)


@pytest.mark.parametrize(("resources", "fragment"), [
    ([_subnet("a", "us-east-1a"), _subnet("b", "us-east-1a"),
      _fn(_subnet("a", "us-east-1a"), _subnet("b", "us-east-1a"))], "runs in one AZ (us-east-1a)"),
    ([_fn(ids=["subnet-x"])], "has 1 subnet"),
    ([_fn(ids=["subnet-x", "subnet-x"])], "has 1 subnet"),  # one subnet listed twice
], ids=["two-subnets-one-az", "one-subnet", "duplicate"])
def test_a_vpc_function_in_one_az_fails(resources, fragment):
    [(_, message)] = validate_stack(RULES["lambda-vpc-multi-az"], resources)
    assert fragment in message and "[Lambda.5]" in message


def test_a_function_in_two_azs_or_outside_a_vpc_passes():
    rule = RULES["lambda-vpc-multi-az"]
    a, b = _subnet("a", "us-east-1a"), _subnet("b", "us-east-1b")
    assert validate_stack(rule, [a, b, _fn(a, b)]) == []
    assert validate_stack(rule, [synthetic(FUNCTION, "plain", {"runtime": "python3.12"})]) == []


# --- the committed prod plan passes ------------------------------------------------------------


def test_prod_passes_the_blue_green_rules(prod):
    result = check_plan(prod)
    assert not [v for v in result.violations if v.policy in COVERED_RULES], result.violations
    assert not [s for s in result.skipped if s.policy in COVERED_RULES]
