"""`groundwork cost` for the app's DNS (issue 13): a Route 53 health check of an AWS endpoint is
$0.50 a month plus $1.00 for each optional feature (HTTPS, string matching, the fast interval,
latency), a hosted zone $0.50; the stacks use an existing zone (an assumption line says so) and
their alias records cost nothing. Pinned on hand-made records and on the committed stacks."""

from __future__ import annotations

from typing import Any

import pytest

from groundwork import cost
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.stacks.config import load_environment

STACK_URN = "urn:pulumi:t::groundwork::pulumi:pulumi:Stack::groundwork-t"


def _plan(*records: tuple[str, str, dict[str, Any]]) -> PlanResult:
    env = load_environment({"profile": "dev", "tags": {"Owner": "t"}}, stack="t", region="us-east-1")
    comp = "urn:pulumi:t::groundwork::groundwork:edge:DomainRecords::dns"
    out = [ResourceRecord("pulumi:pulumi:Stack", "groundwork-t", STACK_URN, "", False, {}, {}),
           ResourceRecord("groundwork:edge:DomainRecords", "dns", comp, STACK_URN, False, {}, {})]
    for typ, name, inputs in records:
        out.append(ResourceRecord(typ, name, f"urn:{typ}::{name}", comp, True, inputs, inputs,
                                  id=name))
    return PlanResult(stack="t", project="groundwork", config=env, resources=out,
                      stack_outputs={}, log=[])


def _lines(plan: PlanResult) -> dict[str, float]:
    return {line.item: line.monthly for line in cost.estimate(plan).lines}


@pytest.mark.parametrize(("inputs", "monthly"), [
    ({"type": "HTTP"}, 0.50),
    ({"type": "HTTPS"}, 1.50),
    ({"type": "HTTPS_STR_MATCH"}, 2.50),
    ({"type": "HTTPS", "requestInterval": 10}, 2.50),
    ({"type": "HTTPS", "requestInterval": 10, "measureLatency": True}, 3.50),
    ({"type": "CALCULATED"}, 0.50),
])
def test_health_check_is_the_basic_check_plus_each_feature(inputs: dict[str, Any], monthly: float):
    est = cost.estimate(_plan((cost.HEALTH_CHECK, "dns-health", inputs)))
    assert est.total == pytest.approx(monthly)
    assert all(line.component == "dns" for line in est.lines)


def test_alias_records_cost_nothing_and_a_created_zone_is_priced():
    plan = _plan(("aws:route53/record:Record", "dns-app.example.com-a", {"type": "A"}),
                 (cost.HOSTED_ZONE, "zone", {"name": "example.com"}))
    assert _lines(plan) == {"Route 53 hosted zone": 0.50}


def test_prod_prices_its_health_check_and_says_the_zone_is_existing(prod, dev):
    est = cost.estimate(prod)
    lines = {(line.component, line.item): line for line in est.lines if "Route 53" in line.item}
    assert {k: round(v.monthly, 2) for k, v in lines.items()} == {
        ("dns", "Route 53 health check (AWS endpoint)"): 0.50,
        ("dns", "Route 53 health check option: HTTPS"): 1.00,
    }
    # its alarm is one standard alarm metric (priced with the other alarms)
    alarm = [line for line in est.lines if line.resource == "alarms-dns-route53-health-check"]
    assert [round(line.monthly, 2) for line in alarm] == [0.10]
    route53 = [a for a in est.assumptions if a.startswith("Route 53:")]
    assert route53 and "existing hosted zone" in route53[0] and "alias" in route53[0]
    assert not prod.of_type(cost.HOSTED_ZONE)  # no zone is created: the assumption says so
    # dev has records only: nothing Route 53 is billed to the stack
    assert not [line for line in cost.estimate(dev).lines if "Route 53" in line.item]
