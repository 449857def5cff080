"""The edge's monitoring (issue 13): the CloudFront distribution's `cloudfront-5xx-rate` alarm
(components/alarms/cloudfront.py) and the dashboard's edge widgets (each web firewall's
blocked / allowed requests, the Route 53 health check's status, the distribution's requests
and error rates), asserted against the planned resources' outputs in prod and prod with
`edge: cloudfront`; the region routing of both in another region at the unit level."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from groundwork.components.alarm_names import ALARMS
from groundwork.components.alarms import cloudfront as cloudfront_family
from groundwork.components.alarms.base import Expression
from groundwork.components.alarms.dashboard import Dashboard, DashboardArgs
from groundwork.components.alarms.environment import alarm_specs
from groundwork.components.alarms.load_balancer import ERROR_RATE_PERCENT, MIN_REQUESTS
from groundwork.components.alarms.targets import (
    AlarmTargets,
    CloudFrontTarget,
    HealthCheckTarget,
    WebFirewallTarget,
)
from groundwork.components.alarms.web_firewall import blocked_spike_threshold
from groundwork.components.web_firewall import WebFirewallSettings
from groundwork.testing import PlanResult, ResourceRecord, plan_function

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DIST = "aws:cloudfront/distribution:Distribution"
ACL = "aws:wafv2/webAcl:WebAcl"
CHECK = "aws:route53/healthCheck:HealthCheck"
TOPIC = "aws:sns/topic:Topic"


def _alarm(plan: PlanResult, key: str) -> ResourceRecord:
    [alarm] = [a for a in plan.of_type(ALARM) if (a.inputs.get("tags") or {}).get("AlarmKey") == key]
    return alarm


def _queries(alarm: ResourceRecord) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in alarm.inputs["metricQueries"]}


# -- the catalog and the pure parts ---------------------------------------------------------


def test_the_cloudfront_key_pages_like_the_albs_5xx_and_is_a_percent():
    kind = ALARMS["cloudfront-5xx-rate"]
    assert kind.family == "cloudfront"
    assert kind.severity == ALARMS["alb-5xx"].severity == ALARMS["target-5xx-rate"].severity == "critical"
    assert kind.unit == ALARMS["target-5xx-rate"].unit == "percent"


def test_threshold_and_guard_are_high_error_rates_the_same_as_the_services():
    assert cloudfront_family.error_rate_threshold() == ERROR_RATE_PERCENT == 5.0
    assert cloudfront_family.error_rate_expression() == (
        f"IF(FILL(requests, 0) >= {MIN_REQUESTS}, FILL(errors, 0), 0)")
    assert "IF(FILL(requests, 0) >= 3," in cloudfront_family.error_rate_expression(3)


def test_one_spec_per_distribution_in_us_east_1_on_its_id():
    targets = AlarmTargets(region="eu-west-1", distributions=(
        CloudFrontTarget("cdn", "E1AAA"), CloudFrontTarget("cdn-b", "E2BBB")))
    specs = [s for s in alarm_specs(targets) if s.key == "cloudfront-5xx-rate"]
    assert [(s.scope, s.region) for s in specs] == [("cdn", "us-east-1"), ("cdn-b", "us-east-1")]
    for spec, ident in zip(specs, ("E1AAA", "E2BBB"), strict=True):
        assert spec.treat_missing_data == "notBreaching" and spec.comparison == ">"
        assert isinstance(spec.metric, Expression)
        metrics = spec.metric.metrics
        assert {m.name: (m.stat, m.period) for m in metrics.values()} == {
            "5xxErrorRate": ("Average", 300), "Requests": ("Sum", 300)}
        assert all(m.namespace == "AWS/CloudFront"
                   and m.dimensions == {"DistributionId": ident, "Region": "Global"}
                   for m in metrics.values())
    assert AlarmTargets(region="eu-west-1", distributions=(
        CloudFrontTarget("cdn", "E1"), CloudFrontTarget("cdn", "E2"))).duplicate_names() \
        == ["distribution cdn"]


def test_from_components_reads_the_distributions_name_and_id():
    fake = SimpleNamespace(pulumi_resource_name="edge", id="E9ZZZ")
    [target] = AlarmTargets.from_components(region="us-east-1", distributions=[fake]).distributions
    assert target == CloudFrontTarget("edge", "E9ZZZ")


# -- the alarm in the stacks ----------------------------------------------------------------


def test_the_alarm_watches_the_planned_distribution(prod_cloudfront: PlanResult) -> None:
    plan = prod_cloudfront
    dist = plan.one(DIST)
    alarm = _alarm(plan, "cloudfront-5xx-rate")
    assert alarm.inputs["name"] == "groundwork-prod-alarms-cdn-cloudfront-5xx-rate"
    queries = _queries(alarm)
    for qid, metric in (("errors", "5xxErrorRate"), ("requests", "Requests")):
        m = queries[qid]["metric"]
        assert m["metricName"] == metric and m["namespace"] == "AWS/CloudFront"
        assert m["dimensions"] == {"DistributionId": dist.id, "Region": "Global"}
        assert dist.id.startswith("E")
    assert queries["result"]["expression"] == cloudfront_family.error_rate_expression()
    assert alarm.inputs["threshold"] == 5.0
    assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
    assert alarm.inputs["treatMissingData"] == "notBreaching"
    # the stack is in us-east-1: an ordinary alarm there, on the stack's critical topic
    assert "region" not in alarm.inputs
    [critical] = [t for t in plan.of_type(TOPIC) if t.inputs["name"] == "groundwork-prod-alarms-critical"]
    assert alarm.inputs["alarmActions"] == [critical.outputs["arn"]] == alarm.inputs["okActions"]


def test_no_cloudfront_alarm_without_a_distribution(prod: PlanResult) -> None:
    assert not prod.of_type(DIST)
    assert not [a for a in prod.of_type(ALARM)
                if (a.inputs.get("tags") or {}).get("AlarmKey") == "cloudfront-5xx-rate"]


# -- the dashboard --------------------------------------------------------------------------


def _body(plan: PlanResult) -> dict[str, Any]:
    [dash] = plan.of_type("aws:cloudwatch/dashboard:Dashboard")
    return json.loads(dash.inputs["dashboardBody"])


def _widgets(body: dict[str, Any], namespace: str) -> list[dict[str, Any]]:
    return [w["properties"] for w in body["widgets"] if w["type"] == "metric"
            and any(row[0] == namespace for row in w["properties"]["metrics"])]


def _rows(props: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(metric name, dimensions) of each metric row."""
    out = []
    for row in props["metrics"]:
        parts = [p for p in row if not isinstance(p, dict)]
        out.append((parts[1], dict(zip(parts[2::2], parts[3::2], strict=True))))
    return out


def test_prod_dashboard_graphs_the_web_acl_and_the_health_check(prod: PlanResult) -> None:
    body = _body(prod)
    [acl] = prod.of_type(ACL)
    [waf] = _widgets(body, "AWS/WAFV2")
    acl_dims = {"WebACL": acl.outputs["name"], "Rule": "ALL", "Region": "us-east-1"}
    assert _rows(waf) == [
        ("BlockedRequests", acl_dims),
        ("BlockedRequests", {**acl_dims, "Rule": "rate-limit"}),
        ("AllowedRequests", acl_dims),
    ]
    assert waf["stat"] == "Sum" and waf["period"] == 300
    # the line is the spike alarm's own threshold
    spike = _alarm(prod, "waf-blocked-spike")
    assert waf["annotations"]["horizontal"] == [{"label": "waf-blocked-spike",
                                                 "value": spike.inputs["threshold"]}]
    assert spike.inputs["dimensions"] == acl_dims
    [check] = prod.of_type(CHECK)
    [health] = _widgets(body, "AWS/Route53")
    assert {dims["HealthCheckId"] for _, dims in _rows(health)} == {check.id} and check.id
    assert [name for name, _ in _rows(health)] == ["HealthCheckStatus", "HealthCheckPercentageHealthy"]
    assert health["region"] == "us-east-1" and health["stat"] == "Minimum"
    assert not _widgets(body, "AWS/CloudFront")


def test_cloudfront_dashboard_graphs_the_distribution_and_the_edge_acl(
        prod_cloudfront: PlanResult) -> None:
    plan = prod_cloudfront
    body = _body(plan)
    dist = plan.one(DIST)
    [cf] = _widgets(body, "AWS/CloudFront")
    dims = {"DistributionId": dist.id, "Region": "Global"}
    assert _rows(cf) == [("5xxErrorRate", dims), ("4xxErrorRate", dims), ("Requests", dims)]
    assert cf["region"] == "us-east-1" and cf["period"] == 300
    assert cf["annotations"]["horizontal"] == [{"label": "cloudfront-5xx-rate", "value": 5.0}]
    # the CLOUDFRONT-scope web ACL: no Region dimension, metrics in us-east-1
    [acl] = [a for a in plan.of_type(ACL) if a.inputs["scope"] == "CLOUDFRONT"]
    [waf] = _widgets(body, "AWS/WAFV2")
    assert {json.dumps(d, sort_keys=True) for _, d in _rows(waf)} == {
        json.dumps({"WebACL": acl.outputs["name"], "Rule": rule}, sort_keys=True)
        for rule in ("ALL", "rate-limit")}
    assert waf["region"] == "us-east-1"


def test_in_another_region_only_the_us_east_1_metrics_name_us_east_1():
    """A Dashboard in an eu-west-1 stack: the CloudFront, health-check and CLOUDFRONT-scope
    WAF widgets say us-east-1 (where their metrics are), the REGIONAL ACL's the stack's."""
    settings = WebFirewallSettings()
    targets = AlarmTargets(
        region="eu-west-1",
        web_firewalls=(WebFirewallTarget("waf", "acl-r", "rate-limit", "REGIONAL", "eu-west-1", settings),
                       WebFirewallTarget("edge", "acl-c", "rate-limit", "CLOUDFRONT", "us-east-1",
                                         settings)),
        health_checks=(HealthCheckTarget("dns", "hc-1", "app.example.com", "/health"),),
        distributions=(CloudFrontTarget("cdn", "E1AAA"),))
    def program() -> None:
        Dashboard("dash", DashboardArgs(name_prefix="t", targets=targets))

    body = _body(plan_function(program, config={"aws:region": "eu-west-1"}))
    regions = {}
    for widget in body["widgets"]:
        if widget["type"] == "metric":
            props = widget["properties"]
            regions[props["title"].split(":")[0]] = props["region"]
            assert widget["x"] + widget["width"] <= 24
    assert regions == {"Web firewall waf": "eu-west-1", "Web firewall edge": "us-east-1",
                       "Health check dns": "us-east-1", "CloudFront cdn": "us-east-1"}
    [regional] = [w["properties"] for w in body["widgets"]
                  if w["properties"].get("title", "").startswith("Web firewall waf")]
    assert _rows(regional)[0] == ("BlockedRequests", {"WebACL": "acl-r", "Rule": "ALL",
                                                      "Region": "eu-west-1"})
    assert regional["annotations"]["horizontal"][0]["value"] == blocked_spike_threshold(
        targets.web_firewalls[0])


def test_the_runbook_table_has_the_cloudfront_row() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "alarms.md").read_text()
    assert "| cloudfront-5xx-rate | critical | 5xxErrorRate (AWS/CloudFront" in text
