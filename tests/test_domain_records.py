"""The app's DNS (issue 13, components/domain_records.py, stacks `_build_domain_records`): alias
A records for the configured domains pointing at the ALB's outputs, the prod health check of the
public health path and its us-east-1 alarm on the check's id, alternative names with one
validation record per distinct validation name, and the Args refused before anything registers.

One module-scoped plan of its own (`edge_dns`): prod moved to eu-west-1 (so the alarm's region
and topic must be us-east-1's, not the provider's) with a wildcard SAN, a second domain, a host
header and a tuned health check."""

from __future__ import annotations

import copy
import re

import pulumi
import pytest
from conftest import plan_in_region
from pydantic import ValidationError

from groundwork.components.domain_records import DomainRecords, DomainRecordsArgs
from groundwork.stacks.loader import read_stack_file
from groundwork.testing import plan_function

RECORD = "aws:route53/record:Record"
HEALTH = "aws:route53/healthCheck:HealthCheck"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ALB = "aws:lb/loadBalancer:LoadBalancer"
CERT = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
TOPIC = "aws:sns/topic:Topic"
ZONE = "Z0123456789ABCDEFGHIJ"


def aliases(plan) -> dict[tuple[str, str], dict]:
    """(name, type) -> the record's inputs, for the alias records (not ACM's CNAMEs)."""
    return {(r.inputs["name"], r.inputs["type"]): r.inputs for r in plan.of_type(RECORD)
            if r.inputs.get("aliases")}


def route53_alarm(plan):
    [alarm] = [a for a in plan.of_type(ALARM)
               if (a.inputs.get("tags") or {}).get("AlarmKey") == "route53-health-check"]
    return alarm


@pytest.fixture(scope="module")
def edge_dns(tmp_path_factory):
    services = copy.deepcopy(read_stack_file("prod").namespace["services"])
    services[0]["routing"] = {"host_headers": ["api.app.example.com"]}
    return plan_in_region("prod", "eu-west-1", tmp_path_factory.mktemp("eu"), overrides={
        "load_balancer": {"certificate": {
            "alternative_names": ["*.app.example.com", "www.example.com"]}},
        "services": services,
        "edge": {"dns": {"domains": ["www.example.com"],
                         "health_check": {"path": "/healthz", "measure_latency": True,
                                          "regions": ["us-east-1", "eu-west-1", "us-west-2"]}}},
    })


@pytest.mark.parametrize(("stack", "domain"), [("prod", "app.example.com"),
                                                ("dev", "dev.app.example.com")])
def test_alias_record_points_at_the_albs_outputs(stack, domain, request):
    plan = request.getfixturevalue(stack)
    alb = plan.one(ALB)
    assert set(aliases(plan)) == {(domain, "A")}  # IPv4-only ALB: no AAAA
    record = aliases(plan)[(domain, "A")]
    assert record["zoneId"] == ZONE  # the certificate's zone
    assert record["aliases"] == [{"name": alb.outputs["dnsName"], "zoneId": alb.outputs["zoneId"],
                                  "evaluateTargetHealth": True}]
    assert "ttl" not in record and "records" not in record  # an alias has neither
    assert not record.get("allowOverwrite")  # never takes over someone else's record


def test_prod_health_check_requests_the_domain_at_the_services_health_path(prod):
    check = prod.one(HEALTH)
    i = check.inputs
    assert (i["type"], i["fqdn"], i["port"], i["resourcePath"]) == (
        "HTTPS", "app.example.com", 443, prod.config.web_services[0].health_check.path)
    assert i["resourcePath"] == "/health/ready"
    assert (i["requestInterval"], i["failureThreshold"], i["enableSni"]) == (30, 3, True)
    assert i["tags"]["Name"] == "groundwork-prod-dns-health"
    assert "regions" not in i  # Route 53's default set
    # it checks the name the record creates
    assert prod.one(RECORD, "dns-app.example.com-a").urn in check.depends_on


def test_prod_health_check_alarm_watches_the_checks_id(prod):
    check = prod.one(HEALTH)
    alarm = route53_alarm(prod).inputs
    assert alarm["dimensions"] == {"HealthCheckId": check.id}
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", check.id)  # Route 53's id
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == (
        "AWS/Route53", "HealthCheckStatus", "Minimum")
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("LessThanThreshold", 1)
    assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (2, 2)
    assert alarm["tags"]["Severity"] == "critical"
    [critical] = [t for t in prod.of_type(TOPIC) if t.inputs["name"].endswith("alarms-critical")]
    assert alarm["alarmActions"] == [critical.outputs["arn"]]
    # a us-east-1 stack: the metric's region is the provider's, the alarm needs no region
    assert alarm.get("region") is None and ":us-east-1:" in critical.outputs["arn"]


def test_dev_has_records_but_no_health_check(dev):
    assert aliases(dev)
    assert not dev.of_type(HEALTH)
    assert not [a for a in dev.of_type(ALARM) if "route53" in a.name]


def test_records_for_certificate_names_host_headers_and_extra_domains(edge_dns):
    alb = edge_dns.one(ALB)
    assert set(aliases(edge_dns)) == {(d, "A") for d in (
        "app.example.com", "*.app.example.com", "www.example.com", "api.app.example.com")}
    for record in aliases(edge_dns).values():
        assert record["aliases"][0]["name"] == alb.outputs["dnsName"]
        assert record["aliases"][0]["zoneId"] == alb.outputs["zoneId"]
    # wildcard-safe logical names, one per domain
    assert edge_dns.one(RECORD, "dns-_wildcard.app.example.com-a").inputs["name"] == \
        "*.app.example.com"


def test_wildcard_and_apex_share_one_validation_record(edge_dns):
    cert = edge_dns.one(CERT)
    assert cert.inputs["subjectAlternativeNames"] == ["*.app.example.com", "www.example.com"]
    options = {o["domainName"]: o for o in cert.outputs["domainValidationOptions"]}
    validation = [r for r in edge_dns.of_type(RECORD) if r.inputs["type"] == "CNAME"]
    # app.example.com and *.app.example.com: one record; www.example.com: its own
    assert sorted(r.name for r in validation) == [
        "load-balancer-cert-validation", "load-balancer-cert-validation-www.example.com"]
    assert {r.inputs["name"] for r in validation} == {
        options["app.example.com"]["resourceRecordName"],
        options["www.example.com"]["resourceRecordName"]}
    assert options["*.app.example.com"]["resourceRecordName"] == \
        options["app.example.com"]["resourceRecordName"]
    assert not edge_dns.name_clashes
    done = edge_dns.one(VALIDATION)
    assert {r.urn for r in validation} <= set(done.property_dependencies["validationRecordFqdns"])


def test_health_check_alarm_lives_in_us_east_1_from_another_region(edge_dns):
    assert edge_dns.region == "eu-west-1"
    check = edge_dns.one(HEALTH).inputs
    assert (check["fqdn"], check["resourcePath"], check["measureLatency"]) == (
        "app.example.com", "/healthz", True)
    assert check["regions"] == ["us-east-1", "eu-west-1", "us-west-2"]
    alarm = route53_alarm(edge_dns)
    assert alarm.inputs["region"] == "us-east-1"
    assert alarm.inputs["dimensions"] == {"HealthCheckId": edge_dns.one(HEALTH).id}
    topics = {t.outputs["arn"] for t in edge_dns.of_type(TOPIC)
              if t.inputs["name"].endswith("-critical")}
    [action] = alarm.inputs["alarmActions"]
    assert action in topics and ":us-east-1:" in action  # a topic of the alarm's own region
    # every other alarm stays in the stack's region
    others = [a for a in edge_dns.of_type(ALARM) if a.urn != alarm.urn]
    assert others and all(a.inputs.get("region") in (None, "eu-west-1") for a in others)


# -- the component on its own ---------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"zone_id": "zone-1"}, "hosted zone id"),
    ({"domains": ["10.0.0.1"]}, "IP address"),
    ({"health_check": {"enabled": True, "domain": "*.example.com"}}, "wildcard"),
    ({"health_check": {"regions": ["us-east-1", "eu-west-1"]}}, "at least 3"),
    ({"health_check": {"request_interval": 20}}, "request_interval"),
    ({"health_check": {"path": "health"}}, "path"),
    ({"domains": ["*.example.com"], "health_check": {"enabled": True}}, "needs a host"),
    ({"target_zone_id": "Z2FDTNDATAQYW2"}, "must be false for a CloudFront target"),
])
def test_args_are_refused_naming_the_field(kwargs, says):
    base = {"zone_id": ZONE, "domains": ["app.example.com"], "target_dns_name": "x.elb",
            "target_zone_id": "Z35SXDOTRQ7X7K"}
    with pytest.raises(ValidationError, match=says):
        DomainRecordsArgs(**{**base, **kwargs})


def test_dual_stack_target_gets_aaaa_and_nothing_registers_before_a_refusal():
    def body():
        DomainRecords("cdn-dns", DomainRecordsArgs(
            name_prefix="t", zone_id=ZONE, domains=["app.example.com", "APP.example.com."],
            target_dns_name="d111.cloudfront.net", target_zone_id="Z2FDTNDATAQYW2",
            evaluate_target_health=False, ipv6=True))
        for args in (DomainRecordsArgs(zone_id=ZONE, target_dns_name="x", target_zone_id="Z1X2Y3Z4"),
                     DomainRecordsArgs(domains=["app.example.com"], target_dns_name="x",
                                       target_zone_id="Z1X2Y3Z4")):
            with pytest.raises(ValueError, match=r"domains is empty|zone_id is required"):
                DomainRecords("bad", args)

    plan = plan_function(body)
    records = {(r.inputs["name"], r.inputs["type"]): r for r in plan.of_type(RECORD)}
    assert set(records) == {("app.example.com", "A"), ("app.example.com", "AAAA")}  # deduplicated
    for record in records.values():
        assert record.inputs["aliases"] == [{"name": "d111.cloudfront.net",
                                             "zoneId": "Z2FDTNDATAQYW2",
                                             "evaluateTargetHealth": False}]
    assert not plan.of_type(HEALTH)
    assert not [r for r in plan.resources if r.name == "bad"]


def test_target_health_on_a_cloudfront_zone_output_is_refused_in_the_plan():
    """Route 53 refuses EvaluateTargetHealth true for a CloudFront alias; the zone usually
    arrives as the distribution's output, so the check runs when it resolves (in the plan)."""
    def body():
        DomainRecords("cdn-dns", DomainRecordsArgs(
            name_prefix="t", zone_id=ZONE, domains=["app.example.com"],
            target_dns_name="d111.cloudfront.net",
            target_zone_id=pulumi.Output.from_input("Z2FDTNDATAQYW2")))

    with pytest.raises(Exception, match="must be false for a CloudFront target"):
        plan_function(body)


def test_cloudfront_mode_aliases_the_distribution_with_a_and_aaaa(prod_cloudfront):
    plan = prod_cloudfront
    dist = plan.one("aws:cloudfront/distribution:Distribution")
    records = aliases(plan)
    assert set(records) == {("app.example.com", "A"), ("app.example.com", "AAAA")}
    for record in records.values():
        assert record["aliases"] == [{"name": dist.outputs["domainName"],
                                      "zoneId": dist.outputs["hostedZoneId"],
                                      "evaluateTargetHealth": False}]
    alb = plan.one(ALB)
    assert all(r["aliases"][0]["name"] != alb.outputs["dnsName"] for r in records.values())
    # the health check goes the users' way: the domain, which resolves to the distribution
    assert plan.one(HEALTH).inputs["fqdn"] == "app.example.com"


def test_every_health_check_setting_reaches_the_check():
    """Port, interval, threshold, latency and regions are the settings', not defaults (each one
    differs from its default here, so a hardwired value fails)."""
    def body():
        DomainRecords("dns", DomainRecordsArgs(
            name_prefix="t", zone_id=ZONE, domains=["*.example.com", "app.example.com"],
            target_dns_name="alb-1.us-east-1.elb.amazonaws.com", target_zone_id="Z35SXDOTRQ7X7K",
            health_check={"enabled": True, "path": "/up", "port": 8443, "request_interval": 10,
                          "failure_threshold": 5, "measure_latency": True,
                          "regions": ["us-east-1", "eu-west-1", "ap-southeast-1"]}))

    check = plan_function(body).one(HEALTH)
    assert {k: check.inputs.get(k) for k in (
        "type", "fqdn", "port", "resourcePath", "requestInterval", "failureThreshold",
        "measureLatency", "regions", "enableSni")} == {
        "type": "HTTPS", "fqdn": "app.example.com", "port": 8443, "resourcePath": "/up",
        "requestInterval": 10, "failureThreshold": 5, "measureLatency": True,
        "regions": ["us-east-1", "eu-west-1", "ap-southeast-1"], "enableSni": True}
