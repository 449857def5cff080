"""WebFirewall (AWS WAFv2): the prod plan's web ACL on the ALB with its logging, rules and alarms;
one override plan (count mode, rule overrides, IP lists, forwarded-IP key, no database); the
pure planning functions (rules, capacity, CIDRs, thresholds); the Args and config it refuses
before registering anything; a CLOUDFRONT-scope ACL and two firewalls standalone; and the tuned
plan's inputs replayed through the WAFv2 API (botocore's model checks the member names, moto
keeps them)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pulumi
import pytest
from conftest import policy_doc, tags_of
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from groundwork.components.alarms.targets import AlarmTargets, WebFirewallTarget
from groundwork.components.alarms.web_firewall import (
    SPIKE_FLOOR,
    blocked_spike_threshold,
    web_firewall_alarms,
)
from groundwork.components.base import AccountContext
from groundwork.components.web_firewall import (
    COMMON_RULE_SET,
    IP_REPUTATION,
    KNOWN_BAD_INPUTS,
    MANAGED_GROUP_WCU,
    SQL_INJECTION,
    WCU_MAX,
    IpSetRef,
    WebFirewall,
    WebFirewallArgs,
    WebFirewallSettings,
    capacity,
    check_cidr,
    plan_rules,
    rule_count,
)
from groundwork.engine import PlanResult
from groundwork.stacks.config import ConfigError, load_environment
from groundwork.stacks.loader import read_stack_file
from groundwork.testing import plan_function, plan_stack

ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
IP_SET = "aws:wafv2/ipSet:IpSet"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ALB = "aws:lb/loadBalancer:LoadBalancer"
KEY = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
ACCOUNT = AccountContext(region="us-east-1", account_id="111111111111")

OVERRIDES: dict[str, Any] = {
    "database": {"enabled": False},
    "edge": {"waf": {
        "managed_groups": {COMMON_RULE_SET: {
            "count": True, "rule_action_overrides": {"SizeRestrictions_BODY": "count"}}},
        "deny_cidrs": ["203.0.113.0/24", "2001:db8:bad::/48"],
        "allow_cidrs": ["198.51.100.7"],
        "rate_key": "FORWARDED_IP", "rate_limit": 600, "rate_window_seconds": 60,
        "extra_redacted_headers": ["X-Api-Key"], "log_filter": "blocked_and_counted"}},
}


@pytest.fixture(scope="module")
def tuned() -> PlanResult:
    """prod with the WAF tuned through config (the one override plan of this module)."""
    return plan_stack("prod", overrides=OVERRIDES)


def rules_of(plan: PlanResult) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in plan.one(ACL).inputs["rules"]}


def group_rules(plan: PlanResult) -> list[dict[str, Any]]:
    return [r for r in plan.one(ACL).inputs["rules"] if "managedRuleGroupStatement" in r["statement"]]


# --------------------------------------------------------------------------------------------
# the prod plan
# --------------------------------------------------------------------------------------------


def test_prod_associates_the_acl_with_the_alb(prod):
    acl, alb = prod.one(ACL), prod.one(ALB)
    [association] = prod.of_type(ASSOCIATION)
    assert association.inputs["webAclArn"] == acl.outputs["arn"]
    assert association.inputs["resourceArn"] == alb.outputs["arn"]
    assert acl.inputs["scope"] == "REGIONAL"
    assert acl.inputs["defaultAction"] == {"allow": {}}
    assert acl.inputs["name"] == "groundwork-prod-web-firewall"
    assert acl.urn in association.depends_on and alb.urn in association.depends_on


def test_prod_logs_to_an_aws_waf_logs_group_on_the_logs_key(prod):
    group = prod.one(LOG_GROUP, "web-firewall-logs")
    logs_key = prod.one("aws:kms/key:Key", "kms-logs-key")
    assert group.inputs["name"].startswith("aws-waf-logs-")
    assert group.inputs["name"] == "aws-waf-logs-groundwork-prod-web-firewall"
    assert group.inputs["kmsKeyId"] == logs_key.outputs["arn"]
    assert group.inputs["retentionInDays"] == 365
    logging = prod.one(LOGGING)
    assert logging.inputs["resourceArn"] == prod.one(ACL).outputs["arn"]
    assert logging.inputs["logDestinationConfigs"] == [group.outputs["arn"]]
    redacted = [f["singleHeader"]["name"] for f in logging.inputs["redactedFields"]]
    assert redacted == ["authorization", "cookie"]
    assert "loggingFilter" not in logging.inputs  # default: every request is logged


def test_the_log_group_policy_is_scoped_to_that_group_and_account(prod):
    group = prod.one(LOG_GROUP, "web-firewall-logs")
    policy = prod.one(LOG_POLICY, "web-firewall-logs-policy")
    assert policy.inputs["resourceArn"] == group.outputs["arn"]
    [statement] = policy_doc(policy, "policyDocument")["Statement"]
    assert statement["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == f"{group.outputs['arn']}:*"
    account = group.outputs["arn"].split(":")[4]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": account}
    assert statement["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:aws:logs:us-east-1:{account}:*"}
    # the logging configuration waits for the policy (else WAF writes AWSWAF-LOGS)
    assert policy.urn in prod.one(LOGGING).depends_on


def test_every_rule_and_the_acl_have_metrics_on(prod):
    acl = prod.one(ACL)
    configs = [acl.inputs["visibilityConfig"], *(r["visibilityConfig"] for r in acl.inputs["rules"])]
    assert len(configs) >= 2  # WAF.10: at least one rule
    for config in configs:
        assert config["cloudwatchMetricsEnabled"] is True
        assert config["sampledRequestsEnabled"] is True
        assert 1 <= len(config["metricName"]) <= 128
        assert config["metricName"] not in {"All", "Default_Action"}
    assert acl.inputs["visibilityConfig"]["metricName"] == acl.inputs["name"]
    names = [c["metricName"] for c in configs]
    assert len(set(names)) == len(names)


def test_prod_rules_order_and_actions(prod):
    rules = prod.one(ACL).inputs["rules"]
    assert [r["name"] for r in rules] == [IP_REPUTATION, "rate-limit", COMMON_RULE_SET,
                                          KNOWN_BAD_INPUTS, SQL_INJECTION]
    priorities = [r["priority"] for r in rules]
    assert priorities == sorted(priorities) and len(set(priorities)) == len(priorities)
    for rule in group_rules(prod):
        assert "action" not in rule and rule["overrideAction"] == {"none": {}}
        assert rule["statement"]["managedRuleGroupStatement"]["vendorName"] == "AWS"
    rate = rules_of(prod)["rate-limit"]
    assert rate["action"] == {"block": {}} and "overrideAction" not in rate
    assert rate["statement"]["rateBasedStatement"] == {
        "limit": 2000, "evaluationWindowSec": 300, "aggregateKeyType": "IP"}
    assert prod.of_type(IP_SET) == []  # no list configured, no IP set


def test_prod_alarms_watch_the_acls_name_output(prod):
    acl = prod.one(ACL)
    alarms = {tags_of(a)["AlarmKey"]: a for a in prod.of_type(ALARM)
              if tags_of(a).get("AlarmKey", "").startswith("waf-")}
    assert set(alarms) == {"waf-blocked-spike", "waf-rate-limited"}
    spike, limited = alarms["waf-blocked-spike"], alarms["waf-rate-limited"]
    for alarm in alarms.values():
        assert alarm.inputs["namespace"] == "AWS/WAFV2"
        assert alarm.inputs["metricName"] == "BlockedRequests"
        assert alarm.inputs["dimensions"]["WebACL"] == acl.outputs["name"]
        assert alarm.inputs["dimensions"]["Region"] == "us-east-1"
        assert alarm.inputs["treatMissingData"] == "notBreaching"
        assert tags_of(alarm)["Severity"] == "warning"
    assert spike.inputs["dimensions"]["Rule"] == "ALL"
    assert spike.inputs["threshold"] == 2000
    rate_metric = rules_of(prod)["rate-limit"]["visibilityConfig"]["metricName"]
    assert limited.inputs["dimensions"]["Rule"] == rate_metric
    assert limited.inputs["threshold"] == 0


def test_dev_has_no_web_acl(dev):
    assert dev.of_type(ACL) == [] and dev.of_type(ASSOCIATION) == [] and dev.of_type(LOGGING) == []
    assert not [a for a in dev.of_type(ALARM) if tags_of(a).get("AlarmKey", "").startswith("waf-")]


# --------------------------------------------------------------------------------------------
# the tuned plan (count mode, overrides, lists, FORWARDED_IP, no database)
# --------------------------------------------------------------------------------------------


def test_sqli_group_follows_the_database(prod, tuned):
    assert SQL_INJECTION in rules_of(prod)
    assert SQL_INJECTION not in rules_of(tuned)


def test_count_mode_and_rule_overrides_change_the_plan(prod, tuned):
    crs = rules_of(tuned)[COMMON_RULE_SET]
    assert crs["overrideAction"] == {"count": {}} and "action" not in crs
    statement = crs["statement"]["managedRuleGroupStatement"]
    assert statement["ruleActionOverrides"] == [
        {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]
    assert rules_of(tuned)[KNOWN_BAD_INPUTS]["overrideAction"] == {"none": {}}
    before = rules_of(prod)[COMMON_RULE_SET]
    assert before["overrideAction"] == {"none": {}}
    assert "ruleActionOverrides" not in before["statement"]["managedRuleGroupStatement"]


def _api_pattern(service: str, shape: str) -> str:
    """A string shape's pattern in botocore's model of the real API (moto doesn't check it)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    return str(model.shape_for(shape).metadata["pattern"])


def test_descriptions_and_names_match_the_wafv2_api_patterns(prod, tuned):
    """Every web ACL and IP set description and name is one AWS accepts: the API refuses a
    description with parentheses or a semicolon (EntityDescription), which the mocks and moto
    take."""
    import re

    description = re.compile(_api_pattern("wafv2", "EntityDescription"))
    name = re.compile(_api_pattern("wafv2", "EntityName"))
    made = [*prod.of_type(ACL), *tuned.of_type(ACL), *tuned.of_type(IP_SET)]
    assert len(tuned.of_type(IP_SET)) >= 2
    for resource in made:
        assert description.match(resource.inputs["description"]), resource.inputs["description"]
        assert len(resource.inputs["description"]) <= 256
        assert name.match(resource.inputs["name"]) and len(resource.inputs["name"]) <= 128


def test_ip_sets_hold_the_lists_and_rules_reference_them(tuned):
    sets = {s.name: s for s in tuned.of_type(IP_SET)}
    assert set(sets) == {"web-firewall-deny-ipv4", "web-firewall-deny-ipv6",
                         "web-firewall-allow-ipv4"}
    assert sets["web-firewall-deny-ipv4"].inputs["addresses"] == ["203.0.113.0/24"]
    assert sets["web-firewall-deny-ipv6"].inputs["addresses"] == ["2001:db8:bad::/48"]
    assert sets["web-firewall-deny-ipv6"].inputs["ipAddressVersion"] == "IPV6"
    assert sets["web-firewall-allow-ipv4"].inputs["addresses"] == ["198.51.100.7/32"]
    assert all(s.inputs["scope"] == "REGIONAL" for s in sets.values())
    rules = tuned.one(ACL).inputs["rules"]
    assert [r["name"] for r in rules][:2] == ["deny-list", "allow-list"]
    deny, allow = rules[0], rules[1]
    assert deny["action"] == {"block": {}} and allow["action"] == {"allow": {}}
    arns = [s["ipSetReferenceStatement"]["arn"] for s in deny["statement"]["orStatement"]["statements"]]
    assert arns == [sets["web-firewall-deny-ipv4"].outputs["arn"],
                    sets["web-firewall-deny-ipv6"].outputs["arn"]]
    reference = allow["statement"]["ipSetReferenceStatement"]
    assert reference["arn"] == sets["web-firewall-allow-ipv4"].outputs["arn"]
    # behind a proxy the lists read the last X-Forwarded-For address and never match without it
    assert reference["ipSetForwardedIpConfig"] == {
        "headerName": "X-Forwarded-For", "fallbackBehavior": "NO_MATCH", "position": "LAST"}


def test_forwarded_ip_rate_key_and_logging_options(tuned):
    rate = rules_of(tuned)["rate-limit"]["statement"]["rateBasedStatement"]
    assert rate == {"limit": 600, "evaluationWindowSec": 60, "aggregateKeyType": "FORWARDED_IP",
                    "forwardedIpConfig": {"headerName": "X-Forwarded-For",
                                          "fallbackBehavior": "MATCH"}}
    logging = tuned.one(LOGGING)
    redacted = [f["singleHeader"]["name"] for f in logging.inputs["redactedFields"]]
    assert redacted == ["authorization", "cookie", "x-api-key"]
    kept = logging.inputs["loggingFilter"]
    assert kept["defaultBehavior"] == "DROP"
    # one filter that KEEPs a record matching ANY of the actions (MEETS_ALL would keep none:
    # a request has one action)
    assert [(f["behavior"], f["requirement"]) for f in kept["filters"]] == [("KEEP", "MEETS_ANY")]
    assert {c["actionCondition"]["action"] for c in kept["filters"][0]["conditions"]} == {
        "BLOCK", "COUNT", "EXCLUDED_AS_COUNT"}
    # the spike threshold follows the rate limit: 600 per 60 s is 3000 per 5 minutes
    [spike] = [a for a in tuned.of_type(ALARM) if tags_of(a).get("AlarmKey") == "waf-blocked-spike"]
    assert spike.inputs["threshold"] == 3000


# --------------------------------------------------------------------------------------------
# pure planning
# --------------------------------------------------------------------------------------------


def test_capacity_of_the_defaults_and_of_lists():
    assert capacity(WebFirewallSettings()) == 25 + 2 + 700 + 200 + 200
    assert capacity(WebFirewallSettings(sql_injection=False, ip_reputation=False)) == 902
    both = WebFirewallSettings(allow_cidrs=["10.0.0.0/8", "2001:db8::/32"], deny_cidrs=["192.0.2.1"])
    assert capacity(both) == 1127 + 3
    assert rule_count(WebFirewallSettings()) == 5 and rule_count(both) == 7
    assert sum(MANAGED_GROUP_WCU.values()) + 2 + 4 < WCU_MAX  # the known groups always fit


def test_plan_rules_put_groups_in_count_mode_and_order():
    s = WebFirewallSettings(common_rule_set=False,
                            managed_groups={IP_REPUTATION: {"count": True, "version": "Version_1.0"}})
    rules = plan_rules(s, {})
    assert [r["name"] for r in rules] == [IP_REPUTATION, "rate-limit", KNOWN_BAD_INPUTS,
                                          SQL_INJECTION]
    rep = rules[0]
    assert rep["override_action"] == {"count": {}}
    assert rep["statement"]["managed_rule_group_statement"]["version"] == "Version_1.0"


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_check_cidr_accepts_networks_and_refuses_host_bits_and_slash_zero(address, prefix):
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    if prefix == 0:
        with pytest.raises(ValueError, match="/0"):
            check_cidr(str(network))
        return
    assert check_cidr(str(network)) == str(network)
    if str(network.network_address) != str(address):
        with pytest.raises(ValueError, match="host bits"):
            check_cidr(f"{address}/{prefix}")


def test_check_cidr_normalises_a_bare_address():
    assert check_cidr("192.0.2.1") == "192.0.2.1/32"
    assert check_cidr("2001:db8::1") == "2001:db8::1/128"
    with pytest.raises(ValueError, match="/0"):
        check_cidr("::/0")


def test_alarm_thresholds_and_regions_from_the_target():
    def target(scope: str, **settings: Any) -> WebFirewallTarget:
        return WebFirewallTarget("edge", "acl-name", "rate-limit", scope, "us-east-1",
                                 WebFirewallSettings(**settings))

    assert blocked_spike_threshold(target("REGIONAL")) == 2000
    # 100 per 600 s is 50 per 5 minutes: below the floor
    assert blocked_spike_threshold(target("REGIONAL", rate_limit=100, rate_window_seconds=600)) == SPIKE_FLOOR
    assert blocked_spike_threshold(target("REGIONAL", rate_limit=1000, rate_window_seconds=600)) == 500
    assert blocked_spike_threshold(target("REGIONAL", rate_limit=10, rate_window_seconds=60)) == SPIKE_FLOOR
    regional = web_firewall_alarms(AlarmTargets(region="eu-west-1", web_firewalls=[
        WebFirewallTarget("edge", "acl-name", "rate-limit", "REGIONAL", "eu-west-1",
                          WebFirewallSettings())]))
    assert {s.region for s in regional} == {None}
    assert all(s.metric.dimensions["Region"] == "eu-west-1" for s in regional)
    cloudfront = web_firewall_alarms(AlarmTargets(region="eu-west-1", web_firewalls=[
        target("CLOUDFRONT")]))
    assert {s.region for s in cloudfront} == {"us-east-1"}
    for spec in cloudfront:
        assert "Region" not in spec.metric.dimensions
        assert spec.metric.dimensions["WebACL"] == "acl-name"


# --------------------------------------------------------------------------------------------
# refused Args and config
# --------------------------------------------------------------------------------------------

BAD_ARGS: list[tuple[dict[str, Any], str]] = [
    ({"rate_limit": 9}, "rate_limit"),
    ({"rate_window_seconds": 30}, "rate_window_seconds"),
    ({"managed_groups": {"AWSManagedRulesCommonRuleSett": {"count": True}}},
     "did you mean 'AWSManagedRulesCommonRuleSet'"),
    ({"deny_cidrs": ["10.0.0.0/33"]}, "deny_cidrs"),
    ({"allow_cidrs": ["10.0.0.1/8"]}, "did you mean 10.0.0.0/8"),
    ({"allow_cidrs": ["0.0.0.0/0"]}, "/0"),
    ({"managed_groups": {COMMON_RULE_SET: {"rule_action_overrides": {"Size Body": "count"}}}},
     "rule_action_overrides"),
    ({"extra_redacted_headers": ["bad header"]}, "extra_redacted_headers"),
    ({"scope": "CLOUDFRONT", "resource_arns": ["arn:aws:elasticloadbalancing:x"]},
     "WebFirewallArgs.resource_arns"),
    ({"scope": "CLOUDFRONT", "account": AccountContext(region="eu-west-1", account_id="1")},
     "WebFirewallArgs.account is in eu-west-1"),
    ({"logs_key_arn": None}, "WebFirewallArgs.logs_key_arn is required"),
]


def test_bad_args_are_refused_before_any_resource():
    errors: list[str] = []

    def program() -> None:
        for overrides, _ in BAD_ARGS:
            try:
                WebFirewall("edge", WebFirewallArgs(**{"logs_key_arn": KEY, "account": ACCOUNT,
                                                       **overrides}))
            except (ValueError, ValidationError) as exc:
                errors.append(str(exc))
            else:  # pragma: no cover - the assertion below names it
                errors.append(f"accepted {overrides}")

    plan = plan_function(program)
    assert [r for r in plan.resources if r.type != "pulumi:pulumi:Stack"] == []
    for (overrides, expected), message in zip(BAD_ARGS, errors, strict=True):
        assert expected in message, (overrides, message)


def _prod_raw(**edge: Any) -> dict[str, Any]:
    raw = dict(read_stack_file("prod").namespace)
    raw["edge"] = edge
    return raw


def test_config_refuses_an_external_acl_with_the_built_one():
    raw = _prod_raw(waf={"enabled": True})
    raw["load_balancer"] = {**raw["load_balancer"],
                            "waf_acl_arn": "arn:aws:wafv2:us-east-1:1:regional/webacl/x/y"}
    with pytest.raises(ConfigError, match="an ALB takes one web ACL"):
        load_environment(raw, stack="prod")
    raw["edge"] = {"waf": {"enabled": False}}
    assert load_environment(raw, stack="prod").load_balancer.waf_acl_arn


def test_config_profiles_and_shorthand():
    prod = load_environment(_prod_raw(), stack="prod")
    assert prod.edge.waf.enabled is True and prod.edge.waf.log_retention_days == 365
    dev_raw = dict(read_stack_file("dev").namespace)
    assert load_environment(dev_raw, stack="dev").edge.waf.enabled is False
    # the `edge: cloudfront` shorthand keeps the dev profile's waf defaults under it
    dev = load_environment({**dev_raw, "edge": "cloudfront"}, stack="dev")
    assert dev.edge.mode == "cloudfront" and dev.edge.waf.enabled is False
    with pytest.raises(ConfigError, match=r"edge\.waf\.rate_limit"):
        load_environment(_prod_raw(waf={"rate_limit": 5}), stack="prod")
    with pytest.raises(ConfigError, match="unknown managed rule group"):
        load_environment(_prod_raw(waf={"managed_groups": {"Nope": {}}}), stack="prod")


# --------------------------------------------------------------------------------------------
# standalone: CLOUDFRONT scope, two firewalls in one program
# --------------------------------------------------------------------------------------------


def test_cloudfront_scope_standalone_has_no_association_and_a_global_arn():
    def program() -> None:
        fw = WebFirewall("cdn", WebFirewallArgs(scope="CLOUDFRONT", logs_key_arn=KEY,
                                                account=ACCOUNT, deny_cidrs=["192.0.2.0/24"]))
        assert fw.scope == "CLOUDFRONT" and fw.rate_rule_metric_name == "rate-limit"

    plan = plan_function(program)
    acl = plan.one(ACL)
    assert acl.inputs["scope"] == "CLOUDFRONT"
    assert ":global/webacl/" in acl.outputs["arn"]
    assert plan.of_type(ASSOCIATION) == []
    assert plan.one(IP_SET).inputs["scope"] == "CLOUDFRONT"
    assert plan.one(LOG_GROUP).inputs["name"] == "aws-waf-logs-test-test-cdn"


def test_two_firewalls_in_one_program_share_no_aws_name():
    def program() -> None:
        for name in ("edge-a", "edge-b"):
            WebFirewall(name, WebFirewallArgs(logs_key_arn=KEY, account=ACCOUNT,
                                              allow_cidrs=["198.51.100.0/24"],
                                              resource_arns=[f"arn:aws:elasticloadbalancing:"
                                                             f"us-east-1:1:loadbalancer/app/{name}/1"]))

    plan = plan_function(program)
    assert plan.name_clashes == []
    for kind, field in ((ACL, "name"), (IP_SET, "name"), (LOG_GROUP, "name")):
        names = [r.inputs[field] for r in plan.of_type(kind)]
        assert len(names) == 2 and len(set(names)) == 2, (kind, names)
    associations = plan.of_type(ASSOCIATION)
    acls = {r.outputs["arn"] for r in plan.of_type(ACL)}
    assert {a.inputs["webAclArn"] for a in associations} == acls


def test_outputs_are_the_resources_outputs():
    """What `WebFirewall` hands on (exported here) is what the ACL and the log group report."""
    def program() -> None:
        fw = WebFirewall("edge", WebFirewallArgs(logs_key_arn=KEY, account=ACCOUNT))
        for key in ("arn", "name", "id", "log_group_name", "log_group_arn", "metric_name",
                    "rate_rule_metric_name", "scope", "capacity"):
            pulumi.export(key, getattr(fw, key))

    plan = plan_function(program)
    out = plan.stack_outputs
    acl, group = plan.one(ACL), plan.one(LOG_GROUP)
    assert out["arn"] == acl.outputs["arn"] and out["name"] == acl.outputs["name"]
    assert out["id"] == acl.id and out["metric_name"] == acl.inputs["name"]
    assert out["log_group_name"] == group.inputs["name"]
    assert out["log_group_arn"] == group.outputs["arn"]
    assert out["capacity"] == 1127 and out["scope"] == "REGIONAL"
    assert out["rate_rule_metric_name"] == "rate-limit"


# --------------------------------------------------------------------------------------------
# moto: the tuned plan's WAF inputs through the WAFv2 API (botocore checks every member name
# and type against AWS's service model; moto keeps what it was given)
# --------------------------------------------------------------------------------------------

_API_NAMES = {"arn": "ARN", "cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled",
              "ipSetReferenceStatement": "IPSetReferenceStatement",
              "ipSetForwardedIpConfig": "IPSetForwardedIPConfig",
              "forwardedIpConfig": "ForwardedIPConfig"}


def api_shape(value: Any, arns: dict[str, str] | None = None) -> Any:
    """Engine inputs (the SDK's camelCase) as WAFv2 API members (PascalCase); IP set ARNs of the
    plan replaced by moto's (`arns`)."""
    if isinstance(value, dict):
        return {_API_NAMES.get(k, k[:1].upper() + k[1:]): api_shape(v, arns) for k, v in value.items()}
    if isinstance(value, list):
        return [api_shape(v, arns) for v in value]
    return (arns or {}).get(value, value) if isinstance(value, str) else value


def test_the_tuned_waf_replayed_through_the_wafv2_api(tuned):
    import boto3
    from moto import mock_aws

    acl = tuned.one(ACL)
    logging = tuned.one(LOGGING)
    group = tuned.one(LOG_GROUP, "web-firewall-logs")
    with mock_aws():
        waf = boto3.client("wafv2", region_name="us-east-1")
        logs = boto3.client("logs", region_name="us-east-1")
        arns = {}
        for ip_set in tuned.of_type(IP_SET):
            i = ip_set.inputs
            made = waf.create_ip_set(Name=i["name"], Scope=i["scope"], Addresses=i["addresses"],
                                     IPAddressVersion=i["ipAddressVersion"],
                                     Description=i["description"])["Summary"]
            arns[ip_set.outputs["arn"]] = made["ARN"]
        made = waf.create_web_acl(
            Name=acl.inputs["name"], Scope=acl.inputs["scope"], Description=acl.inputs["description"],
            DefaultAction=api_shape(acl.inputs["defaultAction"]),
            VisibilityConfig=api_shape(acl.inputs["visibilityConfig"]),
            Rules=api_shape(acl.inputs["rules"], arns))["Summary"]
        logs.create_log_group(logGroupName=group.inputs["name"], kmsKeyId=group.inputs["kmsKeyId"])
        group_arn = logs.describe_log_groups(logGroupNamePrefix=group.inputs["name"])[
            "logGroups"][0]["arn"].removesuffix(":*")
        waf.put_logging_configuration(LoggingConfiguration={
            "ResourceArn": made["ARN"], "LogDestinationConfigs": [group_arn],
            "RedactedFields": api_shape(logging.inputs["redactedFields"]),
            "LoggingFilter": api_shape(logging.inputs["loggingFilter"])})
        alb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"
        waf.associate_web_acl(WebACLArn=made["ARN"], ResourceArn=alb)

        got = waf.get_web_acl(Name=acl.inputs["name"], Scope="REGIONAL", Id=made["Id"])["WebACL"]
        assert [r["Name"] for r in got["Rules"]] == [r["name"] for r in acl.inputs["rules"]]
        assert all(r["VisibilityConfig"]["CloudWatchMetricsEnabled"] for r in got["Rules"])
        deny = got["Rules"][0]["Statement"]["OrStatement"]["Statements"]
        assert {s["IPSetReferenceStatement"]["ARN"] for s in deny} <= set(arns.values())
        assert waf.get_web_acl_for_resource(ResourceArn=alb)["WebACL"]["Name"] == acl.inputs["name"]
        config = waf.get_logging_configuration(ResourceArn=made["ARN"])["LoggingConfiguration"]
        assert config["LogDestinationConfigs"] == [group_arn]
        assert [f["SingleHeader"]["Name"] for f in config["RedactedFields"]] == [
            "authorization", "cookie", "x-api-key"]


def test_sampled_requests_off_reaches_every_rule_and_the_acl():
    """`sampled_requests: false` turns sampling off everywhere (metrics stay on)."""
    s = WebFirewallSettings(sampled_requests=False, deny_cidrs=["192.0.2.0/24"])
    rules = plan_rules(s, {"deny": [IpSetRef("deny-ipv4", "arn:deny")]})
    assert {r["name"] for r in rules} >= {"deny-list", "rate-limit"}
    assert all(r["visibility_config"]["sampled_requests_enabled"] is False for r in rules)
    assert all(r["visibility_config"]["cloudwatch_metrics_enabled"] is True for r in rules)
