"""CloudFront in front of an internal ALB (components/cloudfront.py, `edge: cloudfront`): the
distribution's origin and viewer policy, the CLOUDFRONT-scope web ACL, the us-east-1
certificate, the response headers, caching, logging, and no route from the internet to the ALB
except through CloudFront (issue 13, item 4)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import CLOUDFRONT, plan_in_region
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from groundwork.components.cloudfront import (
    ALL_METHODS,
    ALL_VIEWER,
    CACHING_DISABLED,
    CACHING_OPTIMIZED,
    CLOUDFRONT_ZONE_ID,
    VPC_ORIGIN_SERVICE_SG,
    CloudFrontDistributionSettings,
    certificate_region,
)
from groundwork.testing import PlanResult, ResourceRecord

DIST = "aws:cloudfront/distribution:Distribution"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
ALB = "aws:lb/loadBalancer:LoadBalancer"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
WORLD = ("0.0.0.0/0", "::/0")


def _dist(plan: PlanResult) -> ResourceRecord:
    return plan.one(DIST)


def _behaviours(dist: ResourceRecord) -> list[dict[str, Any]]:
    return [dist.inputs["defaultCacheBehavior"], *(dist.inputs.get("orderedCacheBehaviors") or [])]


def _alb_group_id(plan: PlanResult) -> str:
    alb = plan.one(ALB)
    (group,) = alb.inputs["securityGroups"]
    return str(group)


# -- the origin -----------------------------------------------------------------------------


def test_origin_is_the_vpc_origin_on_the_alb(prod_cloudfront: PlanResult) -> None:
    dist, origin, alb = _dist(prod_cloudfront), prod_cloudfront.one(VPC_ORIGIN), prod_cloudfront.one(ALB)
    (only,) = dist.inputs["origins"]
    assert only["vpcOriginConfig"]["vpcOriginId"] == origin.id
    assert "customOriginConfig" not in only  # never the public path
    assert only["domainName"] == alb.outputs["dnsName"]
    endpoint = origin.inputs["vpcOriginEndpointConfig"]
    assert endpoint["arn"] == alb.outputs["arn"]
    assert endpoint["originProtocolPolicy"] == "https-only"  # CloudFront.9
    assert endpoint["originSslProtocols"] == {"items": ["TLSv1.2"], "quantity": 1}  # .10
    assert all(b["targetOriginId"] == only["originId"] for b in _behaviours(dist))


def test_viewer_policy_https_everywhere(prod_cloudfront: PlanResult) -> None:
    dist = _dist(prod_cloudfront)
    assert {b["viewerProtocolPolicy"] for b in _behaviours(dist)} == {"redirect-to-https"}
    cert = dist.inputs["viewerCertificate"]
    assert cert["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert cert["sslSupportMethod"] == "sni-only"
    assert not cert.get("cloudfrontDefaultCertificate")
    assert dist.inputs["aliases"] == ["app.example.com"]
    assert dist.inputs["httpVersion"] == "http2and3" and dist.inputs["isIpv6Enabled"] is True
    assert dist.outputs["hostedZoneId"] == CLOUDFRONT_ZONE_ID
    assert dist.outputs["domainName"].endswith(".cloudfront.net")


def test_web_acl_is_the_cloudfront_scope_one(prod_cloudfront: PlanResult) -> None:
    dist = _dist(prod_cloudfront)
    acls = prod_cloudfront.of_type("aws:wafv2/webAcl:WebAcl")
    (edge,) = [a for a in acls if a.outputs["arn"] == dist.inputs["webAclId"]]
    assert edge.inputs["scope"] == "CLOUDFRONT"
    assert ":global/webacl/" in dist.inputs["webAclId"]
    # the ALB is internal: no REGIONAL ACL is associated with it
    assert not prod_cloudfront.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")


def test_certificate_is_requested_in_us_east_1(prod_cloudfront: PlanResult) -> None:
    dist = _dist(prod_cloudfront)
    validated = prod_cloudfront.one("aws:acm/certificateValidation:CertificateValidation",
                                    "cdn-cert-validated")
    cert = prod_cloudfront.one("aws:acm/certificate:Certificate", "cdn-cert")
    assert dist.inputs["viewerCertificate"]["acmCertificateArn"] == validated.outputs["certificateArn"]
    assert validated.inputs["certificateArn"] == cert.outputs["arn"]
    assert certificate_region(cert.outputs["arn"]) == "us-east-1"
    assert cert.inputs["domainName"] == "app.example.com"
    assert cert.inputs["keyAlgorithm"] == "RSA_2048"  # ACM.2
    # the ALB keeps its own regional certificate for the same domain (the origin TLS name)
    assert prod_cloudfront.one("aws:acm/certificate:Certificate", "load-balancer-cert")


def test_default_behaviour_never_caches(prod_cloudfront: PlanResult) -> None:
    default = _dist(prod_cloudfront).inputs["defaultCacheBehavior"]
    assert default["cachePolicyId"] == CACHING_DISABLED
    assert default["originRequestPolicyId"] == ALL_VIEWER  # Host, Authorization, cookies reach the app
    assert sorted(default["allowedMethods"]) == sorted(ALL_METHODS)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p.title() for p in rest)


def test_response_headers_match_the_listener(prod_cloudfront: PlanResult) -> None:
    """The distribution sends the values the ALB's HTTPS listener sends (config
    `load_balancer.security_headers`): read from both resources, not from the config."""
    from groundwork.components.security_headers import ATTRIBUTES, hsts_directives

    dist = _dist(prod_cloudfront)
    policy = prod_cloudfront.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    assert dist.inputs["defaultCacheBehavior"]["responseHeadersPolicyId"] == policy.id
    got = policy.inputs["securityHeadersConfig"]
    listener = prod_cloudfront.one("aws:lb/listener:Listener", "load-balancer-https")
    sent = {key: listener.inputs.get(_camel(attr)) for key, attr in ATTRIBUTES.items()}
    assert all(sent.values()), sent  # the listener carries all four
    max_age, subdomains, _ = hsts_directives(sent["strict_transport_security"])
    assert got["strictTransportSecurity"]["accessControlMaxAgeSec"] == max_age >= 31536000
    assert got["strictTransportSecurity"]["includeSubdomains"] is subdomains
    assert got["contentSecurityPolicy"]["contentSecurityPolicy"] == sent["content_security_policy"]
    assert got["frameOptions"]["frameOption"] == sent["frame_options"]
    assert sent["content_type_options"] == "nosniff" and "contentTypeOptions" in got
    assert all(block["override"] is True for block in got.values())


def test_no_route_from_the_internet_to_the_alb(prod_cloudfront: PlanResult) -> None:
    plan = prod_cloudfront
    alb = plan.one(ALB)
    assert alb.inputs["internal"] is True
    compute = set(plan.stack_outputs.get("subnet_ids", {}).get("compute", [])) or {
        s.id for s in plan.of_type("aws:ec2/subnet:Subnet")
        if (s.inputs.get("tags") or {}).get("Tier") == "compute"}
    public = {s.id for s in plan.of_type("aws:ec2/subnet:Subnet")
              if (s.inputs.get("tags") or {}).get("Tier") == "public"}
    assert set(alb.inputs["subnets"]) <= compute and not set(alb.inputs["subnets"]) & public
    assert all(not s.inputs.get("mapPublicIpOnLaunch") for s in plan.of_type("aws:ec2/subnet:Subnet")
               if s.id in alb.inputs["subnets"])
    group = _alb_group_id(plan)
    ingress = [r for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == group]
    # besides CloudFront: the api's deploy hook (its own group in the VPC), on 443 only
    [hook] = [r for r in ingress if r.name == "security-groups-alb-in-443-api-hook"]
    assert hook.inputs["referencedSecurityGroupId"] == plan.one(
        "aws:ec2/securityGroup:SecurityGroup", "security-groups-api-hook").id
    ingress.remove(hook)
    inline = [g for g in plan.of_type("aws:ec2/securityGroup:SecurityGroup") if g.id == group]
    assert inline and not inline[0].inputs.get("ingress")  # no inline rules either
    (only,) = ingress
    assert only.inputs.get("cidrIpv4") not in WORLD and only.inputs.get("cidrIpv6") not in WORLD
    assert not only.inputs.get("cidrIpv4") and not only.inputs.get("cidrIpv6")
    assert not only.inputs.get("prefixListId")
    assert (only.inputs["fromPort"], only.inputs["toPort"], only.inputs["ipProtocol"]) == (443, 443, "tcp")
    # the source is CloudFront's VPC-origin group, looked up in the ALB's VPC
    assert only.inputs["referencedSecurityGroupId"] not in {
        g.id for g in plan.of_type("aws:ec2/securityGroup:SecurityGroup")}
    assert only.name == "cdn-origin-ingress"
    # the distribution waits for that rule
    assert only.urn in _dist(plan).depends_on


def test_logging_v2_delivers_the_distribution(prod_cloudfront: PlanResult) -> None:
    plan = prod_cloudfront
    dist = _dist(plan)
    source = plan.one("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    assert source.inputs["resourceArn"] == dist.outputs["arn"]
    assert source.inputs["logType"] == "ACCESS_LOGS"
    destination = plan.one("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
    bucket = plan.one("aws:s3/bucket:Bucket", "cdn-logs")
    assert destination.inputs["deliveryDestinationConfiguration"]["destinationResourceArn"] == \
        bucket.outputs["arn"]
    delivery = plan.one("aws:cloudwatch/logDelivery:LogDelivery")
    assert delivery.inputs["deliverySourceName"] == source.outputs["name"]
    assert delivery.inputs["deliveryDestinationArn"] == destination.outputs["arn"]
    assert "loggingConfig" not in dist.inputs  # no legacy (ACL) logging
    ownership = plan.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "cdn-logs-ownership")
    assert ownership.inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"  # S3.12
    policy = json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy", "cdn-logs-policy").inputs["policy"])
    writer = next(s for s in policy["Statement"] if s.get("Sid") == "AWSLogDeliveryWrite")
    assert writer["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert writer["Condition"]["ArnLike"]["aws:SourceArn"].startswith("arn:aws:logs:us-east-1:")
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s)
               for s in policy["Statement"])
    # the delivery waits for the policy that lets delivery.logs write (not an input of it)
    bucket_policy = plan.one("aws:s3/bucketPolicy:BucketPolicy", "cdn-logs-policy")
    assert bucket_policy.urn in delivery.depends_on


def test_committed_prod_is_unchanged_by_the_option(prod: PlanResult) -> None:
    assert not prod.of_type(DIST) and not prod.of_type(VPC_ORIGIN)
    assert prod.one(ALB).inputs["internal"] is False


# -- another region: the certificate and log delivery on the us-east-1 provider --------------


@pytest.fixture(scope="module")
def eu_cloudfront(tmp_path_factory: pytest.TempPathFactory) -> PlanResult:
    return plan_in_region("prod", "eu-west-1", tmp_path_factory.mktemp("eu-cf"), overrides=CLOUDFRONT)


def test_us_east_1_pieces_use_the_us_east_1_provider(eu_cloudfront: PlanResult) -> None:
    plan = eu_cloudfront
    (east,) = [p for p in plan.of_type("pulumi:providers:aws") if p.inputs.get("region") == "us-east-1"]
    east_ref = f"{east.urn}::{east.id}"
    for type_, name in [("aws:acm/certificate:Certificate", "cdn-cert"),
                        ("aws:acm/certificateValidation:CertificateValidation", "cdn-cert-validated"),
                        ("aws:cloudwatch/logDeliverySource:LogDeliverySource", None),
                        ("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", None),
                        ("aws:cloudwatch/logDelivery:LogDelivery", None),
                        ("aws:wafv2/webAcl:WebAcl", None)]:
        assert plan.one(type_, name).provider == east_ref, type_
    # the ALB's own certificate stays in the stack's region
    alb_cert = plan.one("aws:acm/certificate:Certificate", "load-balancer-cert")
    assert alb_cert.provider != east_ref
    assert certificate_region(plan.one("aws:acm/certificate:Certificate", "cdn-cert")
                              .outputs["arn"]) == "us-east-1"
    # the distribution's 5xx alarm is created in us-east-1 (its metric's region) and pages
    # the us-east-1 critical topic
    alarm = plan.one("aws:cloudwatch/metricAlarm:MetricAlarm", "alarms-cdn-cloudfront-5xx-rate")
    assert alarm.inputs["region"] == "us-east-1"
    east_topic = plan.one("aws:sns/topic:Topic", "notifications-us-east-1-critical")
    assert alarm.inputs["alarmActions"] == [east_topic.outputs["arn"]]
    assert east_topic.outputs["arn"].startswith("arn:aws:sns:us-east-1:")


# -- config: bad input refused with the key named --------------------------------------------


def _load(overrides: dict[str, Any]) -> None:
    from groundwork.stacks.config.environment import deep_merge
    from groundwork.stacks.config.loader import load_environment
    from groundwork.stacks.loader import read_stack_file

    raw = deep_merge(read_stack_file("prod").namespace, overrides)
    load_environment(raw, stack="prod", region="us-east-1")


@pytest.mark.parametrize(("override", "key"), [
    ({"edge": {"mode": "cloudfront", "cloudfront": {"certificate_arn":
      "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666"}}},
     "groundwork:edge.cloudfront.certificate_arn"),
    ({"edge": {"mode": "cloudfront"}, "load_balancer": {"certificate": {
        "arn": "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666",
        "domain": None, "zone_id": None}}},
     "groundwork:edge.cloudfront.domains"),
    ({"edge": {"mode": "cloudfront"}, "load_balancer": {"waf_acl_arn":
      "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/0f0e0d0c"}},
     "groundwork:load_balancer.waf_acl_arn"),
    ({"load_balancer": {"internal": True}}, "groundwork:load_balancer.internal"),
    ({"edge": {"mode": "cloudfront", "waf": {"enabled": False}}}, "edge.waf.enabled"),
])
def test_bad_config_is_refused_naming_the_key(override: dict[str, Any], key: str) -> None:
    from groundwork.stacks.config import ConfigError

    with pytest.raises((ConfigError, ValidationError, ValueError)) as info:
        _load(override)
    text = str(info.value)
    assert key in text, text


def test_certificate_outside_us_east_1_is_refused() -> None:
    with pytest.raises(ValidationError, match="us-east-1"):
        CloudFrontDistributionSettings(
            domains=["app.example.com"],
            certificate_arn="arn:aws:acm:eu-west-1:123456789012:certificate/abc-123")


# -- pure planning ----------------------------------------------------------------------------


def test_validation_names_share_wildcard_records() -> None:
    from groundwork.components.certificates import validation_names

    assert validation_names(["example.com", "*.example.com", "api.example.com"]) == [
        "example.com", "api.example.com"]
    assert validation_names(["*.example.com", "example.com"]) == ["example.com"]


def test_the_alb_certificates_validation_records_are_shared_not_written_twice(
        prod_cloudfront: PlanResult) -> None:
    """ACM asks the ALB's and CloudFront's certificates for app.example.com for the same CNAME:
    one record, the ALB's; the us-east-1 certificate's validation waits on it. Two records of
    one name would both deploy (allow_overwrite) and the first deleted would take the other
    certificate's renewal with it."""
    plan = prod_cloudfront
    records = [r for r in plan.of_type("aws:route53/record:Record") if r.inputs.get("records")]
    assert [r.name for r in records] == ["load-balancer-cert-validation"]
    validated = plan.one("aws:acm/certificateValidation:CertificateValidation", "cdn-cert-validated")
    alb_validated = plan.one("aws:acm/certificateValidation:CertificateValidation",
                             "load-balancer-cert-validated")
    assert validated.inputs["validationRecordFqdns"] == alb_validated.inputs["validationRecordFqdns"]
    assert len(validated.inputs["validationRecordFqdns"]) == 1
    assert records[0].urn in validated.depends_on


@given(st.lists(st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True), min_size=2, max_size=4))
def test_domains_are_dns_names_lowercased_wildcard_leftmost_only(labels: list[str]) -> None:
    name = ".".join(labels)
    assert CloudFrontDistributionSettings(domains=[name.upper(), "*." + name]).domains == [
        name, "*." + name]
    with pytest.raises(ValueError, match="domains"):
        CloudFrontDistributionSettings(domains=[f"{labels[0]}.*.{labels[1]}"])


def test_settings_constants_are_the_managed_ids() -> None:
    # AWS "Use managed cache policies" / "Use managed origin request policies"
    assert CACHING_DISABLED == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert CACHING_OPTIMIZED == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    assert ALL_VIEWER == "216adef6-5c7f-47e4-b989-5492eafa07d3"
    assert VPC_ORIGIN_SERVICE_SG == "CloudFront-VPCOrigins-Service-SG"


# -- the component alone: cached paths, refusals ---------------------------------------------


def _component(**overrides: Any) -> PlanResult:
    import pulumi

    from groundwork.components.cloudfront import CloudFrontDistribution, CloudFrontDistributionArgs
    from groundwork.testing import plan_function

    def body() -> None:
        args: dict[str, Any] = dict(
            domains=["app.example.com", "www.example.com"], zone_id="Z0123456789ABC",
            origin_arn="arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1",
            origin_domain_name="internal-x.us-east-1.elb.amazonaws.com",
            origin_security_group_id="sg-0123456789abcdef0", vpc_id="vpc-0123456789abcdef0",
            web_acl_arn="arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1")
        args.update(overrides)
        CloudFrontDistribution("cdn", CloudFrontDistributionArgs(**args))
        pulumi.export("ok", True)

    return plan_function(body)


def test_cached_paths_cache_without_credentials() -> None:
    plan = _component(cached_paths=["/static/*"])
    dist = plan.one(DIST)
    (static,) = dist.inputs["orderedCacheBehaviors"]
    assert static["pathPattern"] == "/static/*" and static["cachePolicyId"] == CACHING_OPTIMIZED
    assert static["viewerProtocolPolicy"] == "redirect-to-https"
    assert set(static["allowedMethods"]) == {"GET", "HEAD", "OPTIONS"}
    policy = plan.one("aws:cloudfront/originRequestPolicy:OriginRequestPolicy")
    assert static["originRequestPolicyId"] == policy.id
    # cached paths carry the same security headers as the default behaviour
    headers = plan.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    assert static["responseHeadersPolicyId"] == headers.id
    assert dist.inputs["defaultCacheBehavior"]["responseHeadersPolicyId"] == headers.id
    assert policy.inputs["headersConfig"]["headers"]["items"] == ["Host"]
    assert policy.inputs["cookiesConfig"]["cookieBehavior"] == "none"
    # two domains: one certificate, a validation record each
    cert = plan.one("aws:acm/certificate:Certificate")
    assert cert.inputs["subjectAlternativeNames"] == ["www.example.com"]
    assert len(plan.of_type("aws:route53/record:Record")) == 2


@pytest.mark.parametrize(("overrides", "field"), [
    ({"web_acl_arn": None}, "web_acl_arn"),
    ({"web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1"}, "web_acl_arn"),
    ({"domains": []}, "domains"),
    ({"zone_id": None}, "zone_id"),
    ({"origin_arn": None}, "origin_arn"),
])
def test_component_refuses_bad_args(overrides: dict[str, Any], field: str) -> None:
    from groundwork.engine import ProgramError

    with pytest.raises((ValueError, ProgramError)) as info:
        _component(**overrides)
    assert f"CloudFrontDistributionArgs.{field}" in str(info.value)


def test_configured_security_headers_reach_the_response_headers_policy() -> None:
    """The policy is built from the settings given, not the defaults."""
    from groundwork.components.security_headers import SecurityHeadersSettings

    csp = "default-src 'none'; frame-ancestors 'none'"
    plan = _component(security_headers=SecurityHeadersSettings(
        content_security_policy=csp, frame_options="SAMEORIGIN", referrer_policy=None))
    config = plan.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy").inputs[
        "securityHeadersConfig"]
    assert config["contentSecurityPolicy"] == {"contentSecurityPolicy": csp, "override": True}
    assert config["frameOptions"] == {"frameOption": "SAMEORIGIN", "override": True}
    assert "referrerPolicy" not in config


def test_viewers_cant_reach_a_test_rule_through_the_vpc_origin(prod_cloudfront: PlanResult) -> None:
    """The origin sets X-Groundwork-Test itself (CloudFront overwrites a viewer's), to a value
    no service name can take: the test rules (from inside the VPC, where the VPC origin's
    addresses are) never match a viewer's request."""
    from groundwork.components.base import COMPONENT_NAME

    [origin] = prod_cloudfront.one("aws:cloudfront/distribution:Distribution").inputs["origins"]
    assert origin["customHeaders"] == [{"name": "X-Groundwork-Test", "value": "via.cloudfront"}]
    assert not COMPONENT_NAME.match("via.cloudfront")
    test_rules = [r for r in prod_cloudfront.of_type("aws:lb/listenerRule:ListenerRule")
                  if r.name.endswith("-test-rule")]
    assert test_rules  # prod's api: CANARY
    for rule in test_rules:
        header = rule.inputs["conditions"][0]["httpHeader"]
        assert header["httpHeaderName"] == "X-Groundwork-Test"
        assert "via.cloudfront" not in [v.lower() for v in header["values"]]
