"""`groundwork cost` for WAF web ACLs: $5 per ACL, $1 per rule or rule group, $0.60 per million
requests inspected (assumed), and the per-request surcharge of each 500 WCUs above 1,500;
pinned on hand-built plans and on the committed prod stack."""

from __future__ import annotations

from typing import Any

import pytest

from groundwork import cost
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.stacks.config import load_environment

STACK_URN = "urn:pulumi:t::groundwork::pulumi:pulumi:Stack::groundwork-t"


def _group(name: str) -> dict[str, Any]:
    return {"name": name, "statement": {"managedRuleGroupStatement": {"name": name,
                                                                      "vendorName": "AWS"}}}


RATE = {"name": "rate-limit", "statement": {"rateBasedStatement": {"limit": 2000}}}
IP_LIST = {"name": "deny-list", "statement": {"orStatement": {"statements": [
    {"ipSetReferenceStatement": {"arn": "a"}}, {"ipSetReferenceStatement": {"arn": "b"}}]}}}


def _plan(rules: list[dict[str, Any]]) -> PlanResult:
    env = load_environment({"profile": "dev", "tags": {"Owner": "t"}}, stack="t", region="us-east-1")
    comp = "urn:pulumi:t::groundwork::groundwork:edge:WebFirewall::edge"
    inputs = {"name": "t-edge", "scope": "REGIONAL", "rules": rules}
    out = [ResourceRecord("pulumi:pulumi:Stack", "groundwork-t", STACK_URN, "", False, {}, {}),
           ResourceRecord("groundwork:edge:WebFirewall", "edge", comp, STACK_URN, False, {}, {}),
           ResourceRecord(cost.WEB_ACL, "edge-acl", f"urn:{cost.WEB_ACL}::edge-acl", comp, True,
                          inputs, dict(inputs), id="edge-acl")]
    return PlanResult(stack="t", project="groundwork", config=env, resources=out,
                      stack_outputs={}, log=[])


def _lines(plan: PlanResult, **assume: Any) -> dict[str, cost.CostLine]:
    est = cost.estimate(plan, cost.Assumptions(**assume))
    return {line.item: line for line in est.lines}


def test_an_acl_costs_five_dollars_one_per_rule_and_its_requests():
    rules = [_group("AWSManagedRulesAmazonIpReputationList"), RATE,
             _group("AWSManagedRulesCommonRuleSet"), IP_LIST]
    lines = _lines(_plan(rules))
    acl = lines["WAF web ACL"]
    assert (acl.quantity, acl.unit, acl.unit_price) == (1, "ACL-month", 5.0)
    per_rule = lines["WAF rules and rule groups"]
    assert (per_rule.quantity, per_rule.unit_price, per_rule.monthly) == (4, 1.0, 4.0)
    requests = lines["WAF requests inspected (assumed)"]
    assert (requests.quantity, requests.unit, requests.unit_price) == (10.0, "million requests", 0.6)
    assert requests.monthly == pytest.approx(6.0)
    assert not [k for k in lines if "WCU" in k]  # 25 + 2 + 700 + 2 = 729 WCUs: no surcharge
    assert cost.web_acl_capacity(rules) == 729
    more = _lines(_plan(rules), waf_requests_millions_per_acl=250)
    assert more["WAF requests inspected (assumed)"].monthly == pytest.approx(150.0)


def test_each_started_500_wcu_above_1500_adds_a_request_charge():
    rules = [_group("AWSManagedRulesCommonRuleSet")] * 3 + [RATE]  # 2,102 WCUs
    assert cost.web_acl_capacity(rules) == 2102
    [surcharge] = [v for k, v in _lines(_plan(rules)).items() if "WCU" in k]
    assert surcharge.item == "WAF requests, 2 x 500 WCU above 1,500 (assumed)"
    assert (surcharge.quantity, surcharge.unit_price) == (20.0, 0.2)
    assert surcharge.monthly == pytest.approx(4.0)


def test_an_unknown_group_counts_no_wcu():
    assert cost.web_acl_capacity([_group("SomeVendorGroup"), RATE]) == 2


def test_prod_shows_the_web_firewall_lines(prod):
    est = cost.estimate(prod)
    waf = {line.item: line for line in est.lines if line.resource == "web-firewall-acl"}
    assert waf["WAF web ACL"].monthly == 5.0
    assert waf["WAF rules and rule groups"].quantity == 5  # IP reputation, rate, CRS, KBI, SQLi
    assert waf["WAF requests inspected (assumed)"].monthly == pytest.approx(6.0)
    assert not [k for k in waf if "WCU" in k]
    logs = {line.item: line for line in est.lines if line.resource == "web-firewall-logs"}
    assert set(logs) == {"log ingestion (assumed)", "log storage at full retention"}
    # a 1 KB record per inspected request, not the generic 1 GB of a log group
    assert logs["log ingestion (assumed)"].quantity == pytest.approx(10.0)
    assert logs["log storage at full retention"].quantity == pytest.approx(10.0 * 12)
    other = [line for line in est.lines if line.item == "log ingestion (assumed)"
             and line.resource != "web-firewall-logs"]
    assert other and all(line.quantity == 1.0 for line in other)
    assert any("WAF: 10 million requests" in a for a in est.assumptions)
    assert est.unpriced == []


def test_dev_has_no_waf_line(dev):
    assert not [line for line in cost.estimate(dev).lines if line.item.startswith("WAF")]
