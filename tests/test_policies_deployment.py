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


# --- round-2 audit: ways around the blue/green rules, each failing before its fix ---------------
# (docs/policies.md "Tested evasions"; the passing cases beside them)

CODE_DEPLOY_ETC = ["CODE_DEPLOY", "EXTERNAL"]


@pytest.mark.parametrize("controller", CODE_DEPLOY_ETC)
def test_a_service_shifted_by_another_controller_is_judged(controller):
    # deployment_controller CODE_DEPLOY / EXTERNAL moves traffic outside ECS's lifecycle hooks:
    # nothing in the plan tests the new revision first (ECS-native blue/green needs ECS)
    props = {"deploymentController": {"type": controller}, "loadBalancers": [{"targetGroupArn": BLUE}]}
    [problem] = validate_resource(RULES["ecs-blue-green-tested"], SERVICE, props)
    assert f"deployment controller {controller}" in problem
    ecs = {"deploymentController": {"type": "ECS"}, "deploymentConfiguration": {"strategy": "ROLLING"}}
    assert validate_resource(RULES["ecs-blue-green-tested"], SERVICE, ecs) == []


def test_the_production_rule_as_the_test_rule_fails():
    # "testing" through the production rule puts users on the untested revision
    props = _service(test_rule=PROD_RULE)
    problems = validate_resource(RULES["ecs-blue-green-tested"], SERVICE, props)
    assert any("test listener rule is its production listener rule" in p for p in problems), problems


def test_a_second_load_balancer_without_a_test_rule_fails():
    props = _service()
    props["loadBalancers"].append({"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:"
                                                     "123456789012:targetgroup/api-grpc/1"})
    problems = validate_resource(RULES["ecs-blue-green-tested"], SERVICE, props)
    assert any("without a test listener rule" in p for p in problems), problems


@pytest.mark.parametrize("target", [
    "arn:aws:sns:us-east-1:123456789012:deploys",  # not a function
    "arn:aws:iam::123456789012:role/api-deploy",
    "  ",
], ids=["sns-topic", "role", "blank"])
def test_a_hook_that_targets_no_function_fails(target):
    props = _service([_hook(hookTargetArn=target)])
    problems = validate_resource(RULES["ecs-blue-green-tested"], SERVICE, props)
    assert any("no Lambda hook" in p for p in problems), problems


def test_the_strategy_is_read_without_case():
    props = _service([], strategy="canary")
    problems = validate_resource(RULES["ecs-blue-green-tested"], SERVICE, props)
    assert any("no Lambda hook" in p for p in problems), problems


def _vpc(cidr: str = "10.0.0.0/16") -> Any:
    return synthetic("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": cidr, "id": "vpc-1"})


@pytest.mark.parametrize(("sources", "fragment"), [
    (["0.0.0.0/1", "128.0.0.0/1"], "admits the internet"),  # the world without saying /0
    (["10.0.0.0/16", "203.0.113.0/24"], "203.0.113.0/24"),  # a public range outside the VPC
    (["10.9.8.7/0"], "admits the internet"),  # host bits: AWS reads /0
    (["::ffff:0:0/96"], "::ffff:0:0/96"),  # every IPv4 client, IPv4-mapped
    (["2000::/3"], "2000::/3"),
], ids=["halves", "public-outside-vpc", "host-bits", "ipv4-mapped", "global-v6"])
def test_a_test_rule_open_to_public_addresses_fails(sources, fragment):
    rule = _rule("halves", sources=sources)
    [(urn, message)] = validate_stack(RULES["alb-test-rule-restricted"], [_svc(), _vpc(), rule])
    assert urn == rule.urn and fragment in message, message


def test_a_test_rule_inside_the_stack_vpc_passes_even_on_public_space():
    # a VPC on public (BYOIP) space: its own range is where the hook calls from
    rule = RULES["alb-test-rule-restricted"]
    byoip = _rule("byoip", sources=["52.94.0.0/16"])
    assert validate_stack(rule, [_svc(), _vpc("52.94.0.0/16"), byoip]) == []
    private = _rule("private", sources=["10.0.0.0/16", "100.64.0.0/10"])
    assert validate_stack(rule, [_svc(), _vpc(), private]) == []


@pytest.mark.parametrize("condition", [
    {"queryString": {"values": [{"key": "test", "value": "1"}]}},
    {"hostHeader": {"values": ["green.example.com"]}},
    {"pathPattern": {"values": ["/green/*"]}},
], ids=["query-string", "host-header", "path"])
def test_a_rule_to_the_alternate_group_by_any_condition_is_a_test_rule(condition):
    rule = synthetic(RULE, "sneaky", {"arn": "arn:sneaky", "conditions": [condition],
                                      "actions": [{"type": "forward", "targetGroupArn": ALT}]})
    [(urn, message)] = validate_stack(RULES["alb-test-rule-restricted"], [_svc(), _vpc(), rule])
    assert urn == rule.urn and "no source_ip condition" in message


def test_a_listener_defaulting_to_the_alternate_group_fails():
    listener = synthetic("aws:lb/listener:Listener", "https", {"arn": "arn:listener", "defaultActions": [
        {"type": "forward", "forward": {"targetGroups": [{"arn": BLUE, "weight": 50},
                                                         {"arn": ALT, "weight": 50}]}}]})
    [(urn, message)] = validate_stack(RULES["alb-test-rule-restricted"], [_svc(), _vpc(), listener])
    assert urn == listener.urn and "default action forwards to an alternate" in message
    # the production rule's weighted 100/0 forward (named by the service) is not a test rule, and
    # another rule holding the alternate at weight 0 sends it nothing
    idle = synthetic(RULE, "idle", {"arn": "arn:idle", "conditions": [{"pathPattern": {"values": ["/x"]}}],
                                    "actions": [{"type": "forward", "forward": {"targetGroups": [
                                        {"arn": BLUE, "weight": 1}, {"arn": ALT, "weight": 0}]}}]})
    assert validate_stack(RULES["alb-test-rule-restricted"], [_svc(), _vpc(), idle]) == []


def test_source_values_unknown_in_preview_defer_the_rule():
    from pulumi_policy.proxy import UnknownValueError

    from groundwork.engine import UNKNOWN
    rule = synthetic(RULE, "pending", {"arn": TEST_RULE, "conditions": [
        {"httpHeader": {"httpHeaderName": "X-Groundwork-Test", "values": ["api"]}},
        {"sourceIp": {"values": [UNKNOWN]}}], "actions": [{"type": "forward", "targetGroupArn": ALT}]})
    with pytest.raises(UnknownValueError):
        validate_stack(RULES["alb-test-rule-restricted"], [_svc(), _vpc(), rule])


MANAGED_POLICY = "aws:iam/policy:Policy"
WIDE_DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "elasticloadbalancing:ModifyRule", "Resource": "*"}]})


def test_a_customer_managed_policy_attached_to_the_infra_role_is_read():
    role, stack = _role_stack()
    policy = synthetic(MANAGED_POLICY, "wide-managed", {
        "arn": "arn:aws:iam::123456789012:policy/wide", "policy": WIDE_DOC})
    attachment = synthetic(ATTACHMENT, "attach", {"policyArn": "arn:aws:iam::123456789012:policy/wide",
                                                  "role": "api-deploy"},
                           deps={"role": [role], "policyArn": [policy]})
    found = validate_stack(RULES["ecs-infrastructure-role-scoped"], [*stack, policy, attachment])
    assert any("ModifyRule on every" in m for _, m in found), found


@pytest.mark.parametrize("arn", [
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/ElasticLoadBalancingFullAccess",
    "arn:aws:iam::123456789012:policy/made-elsewhere",
], ids=["admin", "elb-full", "outside-the-plan"])
def test_a_managed_policy_the_check_cannot_read_fails(arn):
    _, stack = _role_stack((ATTACHMENT, {"policyArn": arn}))
    found = validate_stack(RULES["ecs-infrastructure-role-scoped"], stack)
    assert any("can't be read" in m or "AWS-managed" in m for _, m in found), found


@pytest.mark.parametrize(("kind", "props"), [
    ("aws:iam/policyAttachment:PolicyAttachment",
     {"roles": ["api-deploy"], "policyArn": MANAGED}),
    ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
     {"roleName": "api-deploy", "policyArns": [MANAGED]}),
], ids=["policy-attachment", "attachments-exclusive"])
def test_other_attachment_resources_count(kind, props):
    _, stack = _role_stack()
    attachment = synthetic(kind, "other-attach", props)
    found = validate_stack(RULES["ecs-infrastructure-role-scoped"], [*stack, attachment])
    assert any("AWS-managed AmazonECSInfrastructureRolePolicyForLoadBalancers" in m for _, m in found), found


@pytest.mark.parametrize("resource", [
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/*",  # pinned region/account
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/1/2/*",  # one ALB's rules
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-8000/9",  # another service's
], ids=["account-wide", "alb-wide", "other-service"])
def test_traffic_actions_beyond_the_services_own_resources_fail(resource):
    _, stack = _role_stack(_inline({"Effect": "Allow", "Action": ["elasticloadbalancing:ModifyRule",
                                                                  "elasticloadbalancing:RegisterTargets"],
                                    "Resource": resource}))
    found = validate_stack(RULES["ecs-infrastructure-role-scoped"], stack)
    assert any(resource in m and "not one of the service's own" in m for _, m in found), found


def test_the_managed_policys_rule_pattern_inline_is_every_rule():
    # (caught before the audit too: the probe ARN matches it)
    _, stack = _role_stack(_inline({"Effect": "Allow", "Action": "elasticloadbalancing:ModifyRule",
                                    "Resource": "arn:aws:elasticloadbalancing:*:*:listener-rule/app/*"}))
    found = validate_stack(RULES["ecs-infrastructure-role-scoped"], stack)
    assert any("ModifyRule on every target group or rule" in m for _, m in found), found


@pytest.mark.parametrize("action", ["elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule",
                                    "elasticloadbalancing:SetRulePriorities"])
def test_rule_rewrites_on_every_listener_fail(action):
    _, stack = _role_stack(_inline({"Effect": "Allow", "Action": action, "Resource": "*"}))
    found = validate_stack(RULES["ecs-infrastructure-role-scoped"], stack)
    assert any(action in m for _, m in found), found


def _az_subnet(name: str, *, az: str | None = None, az_id: str | None = None) -> Any:
    props: dict[str, Any] = {"id": f"subnet-{name}"}
    if az:
        props["availabilityZone"] = az
    if az_id:
        props["availabilityZoneId"] = az_id
    return synthetic(SUBNET, name, props)


def test_subnets_in_one_az_given_by_zone_id_fail():
    a, b = _az_subnet("a", az_id="use1-az1"), _az_subnet("b", az_id="use1-az1")
    [(_, message)] = validate_stack(RULES["lambda-vpc-multi-az"], [a, b, _fn(a, b)])
    assert "runs in one AZ (use1-az1)" in message
    c = _az_subnet("c", az_id="use1-az2")
    assert validate_stack(RULES["lambda-vpc-multi-az"], [a, c, _fn(a, c)]) == []


def test_subnet_ids_unknown_in_preview_are_judged_by_the_dependencies():
    from groundwork.engine import UNKNOWN
    a, b = _az_subnet("a", az="us-east-1a"), _az_subnet("b", az="us-east-1a")
    vpc = {"subnetIds": [UNKNOWN, UNKNOWN], "securityGroupIds": ["sg"]}
    fn = synthetic(FUNCTION, "hook", {"vpcConfig": vpc},
                   deps={"vpcConfig": [a, b]})
    [(_, message)] = validate_stack(RULES["lambda-vpc-multi-az"], [a, b, fn])
    assert "runs in one AZ (us-east-1a)" in message


def test_subnet_ids_unknown_without_dependencies_defer():
    from pulumi_policy.proxy import UnknownValueError

    from groundwork.engine import UNKNOWN
    fn = synthetic(FUNCTION, "hook", {"vpcConfig": {"subnetIds": [UNKNOWN], "securityGroupIds": ["sg"]}})
    with pytest.raises(UnknownValueError):
        validate_stack(RULES["lambda-vpc-multi-az"], [fn])
