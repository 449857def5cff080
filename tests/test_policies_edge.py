"""Edge rules of policies/rules/edge.py: the WAF (WAF.10, WAF.11, WAF.12, the log redaction, and
ELB.16 / Checkov CKV2_AWS_28 for the public ALB) and CloudFront (CloudFront.1, .3, .5-.10, .13,
.15), each with the ways around it, and the committed stacks' edge passing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from groundwork.check import check_plan, check_records, synthetic, validate_resource, validate_stack
from groundwork.engine import PlanResult
from groundwork.policies import rules

RULES = rules.by_name()
COVERED_RULES = {r.name for r in rules.ALL if r.family == "edge"}
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
RULE_GROUP = "aws:wafv2/ruleGroup:RuleGroup"
WEB_ACL_RULE = "aws:wafv2/webAclRule:WebAclRule"
GROUP_ASSOCIATION = "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
CLASSIC = "aws:wafregional/webAclAssociation:WebAclAssociation"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"
ACCOUNT = "123456789012"
PROD_CONFIG = {"all": "mandatory"}


def _arn(name: str) -> str:
    return f"arn:aws:wafv2:us-east-1:{ACCOUNT}:regional/webacl/{name}/0f1e2d3c"


def _vc(metrics: Any = True, name: str = "m") -> dict[str, Any]:
    return {"cloudwatchMetricsEnabled": metrics, "metricName": name, "sampledRequestsEnabled": True}


def _rule(name: str, metrics: Any = True, **changes: Any) -> dict[str, Any]:
    rule = {"name": name, "priority": 10, "overrideAction": {"none": {}},
            "visibilityConfig": _vc(metrics, name),
            "statement": {"managedRuleGroupStatement": {"name": "AWSManagedRulesCommonRuleSet",
                                                        "vendorName": "AWS"}}}
    rule.update(changes)
    return {k: v for k, v in rule.items() if v is not None}


def _acl_props(name: str = "app", **changes: Any) -> dict[str, Any]:
    props = {"name": name, "arn": _arn(name), "scope": "REGIONAL", "defaultAction": {"allow": {}},
             "visibilityConfig": _vc(name=name), "rules": [_rule("crs"), _rule("rate")]}
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


def _acl(name: str = "app", **changes: Any):
    return synthetic(WEB_ACL, name, _acl_props(name, **changes))


def _json_rule(name: str, metrics: Any = True) -> dict[str, Any]:
    return {"Name": name, "Priority": 1, "OverrideAction": {"None": {}},
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS",
                                                        "Name": "AWSManagedRulesSQLiRuleSet"}},
            "VisibilityConfig": {"CloudWatchMetricsEnabled": metrics, "MetricName": name,
                                 "SampledRequestsEnabled": True}}


# --- WAF.10: at least one rule ----------------------------------------------------------------------


def _standalone(kind: str, acl_arn: Any, *, deps: list | None = None, name: str = "extra"):
    props = {"webAclArn": acl_arn, "priority": 5, "visibilityConfig": _vc()}
    props.update({"name": name} if kind == WEB_ACL_RULE else {"ruleName": name})
    return synthetic(kind, name, props, deps={"webAclArn": deps} if deps else None)


@pytest.mark.parametrize("changes", [
    {"rules": []},
    {"rules": None},
    {"rules": [], "ruleJson": "[]"},
    {"rules": None, "ruleJson": ""},
    {"rules": None, "ruleJson": "not json"},
    {"rules": None, "ruleJson": json.dumps({"Rules": [_json_rule("sqli")]})},
], ids=["empty-list", "missing", "rule-json-empty", "rule-json-blank", "rule-json-garbage",
        "rule-json-not-a-list"])
def test_a_web_acl_without_rules_fails(changes):
    [(urn, message)] = validate_stack(RULES["waf-web-acl-has-rules"], [_acl(**changes)])
    assert urn.endswith("::app") and "has no rule or rule group" in message and "[WAF.10]" in message


def test_rule_json_garbage_is_named():
    [(_, message)] = validate_stack(RULES["waf-web-acl-has-rules"], [_acl(rules=None, ruleJson="{")])
    assert "ruleJson is not a JSON list of rules" in message


@pytest.mark.parametrize("kind", [WEB_ACL_RULE, GROUP_ASSOCIATION])
def test_standalone_rules_count_for_the_acl_they_name(kind):
    rule = RULES["waf-web-acl-has-rules"]
    acl, other = _acl(rules=None), _acl("other", rules=None)
    # named by value (the ARN is known, as offline and at `pulumi up`)
    found = validate_stack(rule, [acl, other, _standalone(kind, _arn("app"))])
    assert [u.rsplit("::", 1)[1] for u, _ in found] == ["other"]
    # named by dependency in a preview (the ACL's ARN unknown)
    assert [u.rsplit("::", 1)[1] for u, _ in validate_stack(
        rule, [acl, other, _standalone(kind, UNKNOWN_STRING_VALUE, deps=[acl])])] == ["other"]
    # a rule naming another ACL doesn't count for this one, even if computed from both
    found = validate_stack(rule, [acl, other, _standalone(kind, _arn("other"), deps=[acl, other])])
    assert [u.rsplit("::", 1)[1] for u, _ in found] == ["app"]


def test_a_standalone_rule_that_may_name_either_acl_is_undecided_in_preview():
    acl, other = _acl(rules=None), _acl("other", rules=[_rule("crs")])
    ambiguous = _standalone(WEB_ACL_RULE, UNKNOWN_STRING_VALUE, deps=[acl, other])
    with pytest.raises(UnknownValueError):
        validate_stack(RULES["waf-web-acl-has-rules"], [acl, other, ambiguous])


@pytest.mark.parametrize("changes", [{}, {"rules": None, "ruleJson": json.dumps([_json_rule("sqli")])}],
                         ids=["inline", "rule-json"])
def test_a_web_acl_with_rules_passes(changes):
    assert validate_stack(RULES["waf-web-acl-has-rules"], [_acl(**changes)]) == []


# --- WAF.12: CloudWatch metrics on every rule -------------------------------------------------------


@pytest.mark.parametrize(("kind", "props", "fragment"), [
    (WEB_ACL, _acl_props(rules=[_rule("crs"), _rule("bad-inputs", False), _rule("rate")]),
     "rule 'bad-inputs' has cloudwatchMetricsEnabled False"),
    (WEB_ACL, _acl_props(rules=[_rule("crs"), _rule("ip", visibilityConfig=None)]),
     "rule 'ip' has no visibilityConfig"),
    (WEB_ACL, _acl_props(rules=[_rule("crs", "false")]), "rule 'crs' has cloudwatchMetricsEnabled 'false'"),
    (WEB_ACL, _acl_props(rules=[_rule("crs", visibilityConfig={"metricName": "crs"})]),
     "rule 'crs' has cloudwatchMetricsEnabled None"),
    (WEB_ACL, _acl_props(visibilityConfig=_vc(False)), "the web ACL itself has cloudwatchMetricsEnabled"),
    (WEB_ACL, _acl_props(visibilityConfig=None), "the web ACL itself has no visibilityConfig"),
    (WEB_ACL, _acl_props(rules=None, ruleJson=json.dumps([_json_rule("a"), _json_rule("b", False)])),
     "ruleJson rule 'b' has cloudwatchMetricsEnabled False"),
    (WEB_ACL, _acl_props(rules=None, ruleJson="[{"), "ruleJson is not a JSON list"),
    (RULE_GROUP, {"scope": "REGIONAL", "capacity": 10, "visibilityConfig": _vc(),
                  "rules": [_rule("a"), _rule("b", False)]}, "rule 'b' has cloudwatchMetricsEnabled"),
    (RULE_GROUP, {"scope": "REGIONAL", "capacity": 10, "visibilityConfig": _vc(False)},
     "the rule group itself"),
    (RULE_GROUP, {"scope": "REGIONAL", "capacity": 10, "visibilityConfig": _vc(),
                  "rulesJson": json.dumps([_json_rule("x", "false")])}, "rulesJson rule 'x'"),
    (WEB_ACL_RULE, {"webAclArn": _arn("app"), "priority": 1}, "the rule has no visibilityConfig"),
    (WEB_ACL_RULE, {"webAclArn": _arn("app"), "priority": 1, "visibilityConfig": _vc(False)},
     "cloudwatchMetricsEnabled False"),
    (GROUP_ASSOCIATION, {"webAclArn": _arn("app"), "ruleName": "g", "priority": 1,
                         "visibilityConfig": _vc("false")}, "cloudwatchMetricsEnabled 'false'"),
], ids=["one-of-many-off", "rule-missing-config", "string-false", "key-missing", "acl-off",
        "acl-missing-config", "rule-json-off", "rule-json-garbage", "group-rule-off", "group-off",
        "group-rules-json-off", "standalone-missing", "standalone-off", "group-association-string"])
def test_metrics_off_anywhere_fails(kind, props, fragment):
    found = validate_resource(RULES["waf-rule-metrics"], kind, props, name="waf")
    assert len(found) == 1, found
    assert fragment in found[0] and "[WAF.12]" in found[0]


@pytest.mark.parametrize(("kind", "props"), [
    (WEB_ACL, _acl_props()),
    (WEB_ACL, _acl_props(rules=[_rule("crs", "true")], visibilityConfig=_vc("true"))),
    (WEB_ACL, _acl_props(rules=None, ruleJson=json.dumps([_json_rule("a")]))),
    (RULE_GROUP, {"visibilityConfig": _vc(), "rules": [_rule("a")]}),
    (WEB_ACL_RULE, {"webAclArn": _arn("app"), "visibilityConfig": _vc()}),
    (GROUP_ASSOCIATION, {"webAclArn": _arn("app"), "visibilityConfig": _vc()}),
])
def test_metrics_on_everywhere_passes(kind, props):
    assert validate_resource(RULES["waf-rule-metrics"], kind, props) == []


# --- WAF.11: logging, and the log redacts credentials -----------------------------------------------


def _log_group(name: str = "aws-waf-logs-app", **extra: Any):
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{name}"
    return synthetic(LOG_GROUP, name, {"name": name, "arn": arn, **extra})


REDACT = [{"singleHeader": {"name": "authorization"}}, {"singleHeader": {"name": "cookie"}}]


def _logging(acl_arn: Any, destinations: Any, *, deps: dict | None = None, redacted: Any = REDACT,
             name: str = "waf-logging"):
    props = {"resourceArn": acl_arn, "logDestinationConfigs": destinations}
    if redacted is not None:
        props["redactedFields"] = redacted
    return synthetic(LOGGING, name, props, deps=deps)


def test_logging_to_an_aws_waf_logs_destination_passes():
    rule, acl, group = RULES["waf-logging"], _acl(), _log_group()
    by_value = _logging(_arn("app"), [get_arn(group)])
    assert validate_stack(rule, [acl, group, by_value]) == []
    preview = _logging(UNKNOWN_STRING_VALUE, [UNKNOWN_STRING_VALUE],
                       deps={"resourceArn": [acl], "logDestinationConfigs": [group]})
    assert validate_stack(rule, [acl, group, preview]) == []
    prefixed = synthetic(LOG_GROUP, "g", {"namePrefix": "aws-waf-logs-"})
    preview = _logging(UNKNOWN_STRING_VALUE, [UNKNOWN_STRING_VALUE],
                       deps={"resourceArn": [acl], "logDestinationConfigs": [prefixed]})
    assert validate_stack(rule, [acl, prefixed, preview]) == []
    for dest in (f"arn:aws:s3:::aws-waf-logs-app-{ACCOUNT}",
                 f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/aws-waf-logs-app",
                 f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:aws-waf-logs-app:*"):
        assert validate_stack(rule, [acl, _logging(_arn("app"), [dest])]) == [], dest


def get_arn(resource) -> str:
    return resource.props["arn"]


@pytest.mark.parametrize(("extra", "fragment"), [
    (lambda acl, group: [], "has no WebAclLoggingConfiguration"),
    (lambda acl, group: [_logging(_arn("other"), [get_arn(group)])], "has no WebAclLoggingConfiguration"),
    (lambda acl, group: [_logging(_arn("app"), [f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/waf/app"])],
     "'/waf/app', whose name does not start with aws-waf-logs-"),
    (lambda acl, group: [_logging(_arn("app"), ["arn:aws:s3:::waf-logs-app"])], "'waf-logs-app'"),
    (lambda acl, group: [_logging(_arn("app"), [])], "logDestinationConfigs is empty"),
    (lambda acl, group: [_logging(_arn("app"), ["aws-waf-logs-app"])], "not a log group, S3 bucket"),
    (lambda acl, group: [_logging(UNKNOWN_STRING_VALUE, [UNKNOWN_STRING_VALUE],
                                  deps={"resourceArn": [acl],
                                        "logDestinationConfigs": [_log_group("/aws/waf/app")]})],
     "'/aws/waf/app'"),
], ids=["none", "another-acl", "log-group-name", "bucket-name", "no-destination", "not-an-arn",
        "preview-dependency-name"])
def test_missing_or_misnamed_logging_fails(extra, fragment):
    acl, group = _acl(), _log_group()
    found = validate_stack(RULES["waf-logging"], [acl, group, *extra(acl, group)])
    assert len(found) == 1, found
    urn, message = found[0]
    assert urn.endswith("::app") and fragment in message and "[WAF.11]" in message


def test_logging_of_an_unknown_destination_is_undecided():
    acl = _acl()
    blind = _logging(_arn("app"), [UNKNOWN_STRING_VALUE])
    with pytest.raises(UnknownValueError):
        validate_stack(RULES["waf-logging"], [acl, blind])


@pytest.mark.parametrize(("redacted", "fragment"), [
    (None, "authorization and cookie"),
    ([], "authorization and cookie"),
    ([{"singleHeader": {"name": "authorization"}}], "the cookie header"),
    ([{"singleHeader": {"name": "cookie"}}], "the authorization header"),
    ([{"queryString": {}}, {"singleHeader": {"name": "x-api-key"}}], "authorization and cookie"),
    ([{"singleHeader": {"name": "set-cookie"}}, {"singleHeader": {"name": "authorization"}}], "cookie"),
], ids=["unset", "empty", "no-cookie", "no-authorization", "other-fields", "set-cookie-is-not-cookie"])
def test_logs_keeping_credentials_fail(redacted, fragment):
    props = {"resourceArn": _arn("app"), "logDestinationConfigs": ["x"]}
    if redacted is not None:
        props["redactedFields"] = redacted
    [message] = validate_resource(RULES["waf-logs-redact-credentials"], LOGGING, props)
    assert fragment in message and "[WAF log redaction]" in message


def test_redacting_both_headers_passes_in_any_case():
    rule = RULES["waf-logs-redact-credentials"]
    assert validate_resource(rule, LOGGING, {"redactedFields": REDACT}) == []
    upper = [{"singleHeader": {"name": "Authorization"}}, {"singleHeader": {"name": "COOKIE"}},
             {"uriPath": {}}]
    assert validate_resource(rule, LOGGING, {"redactedFields": upper}) == []


# --- ELB.16 / CKV2_AWS_28: the public ALB has a web ACL ---------------------------------------------


def _lb(name: str = "alb", **changes: Any):
    props = {"name": name, "loadBalancerType": "application", "internal": False,
             "arn": f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/{name}/abc"}
    props.update(changes)
    return synthetic(LB, name, {k: v for k, v in props.items() if v is not None})


APP_ACL = _arn("app")


def _association(lb_arn: Any, acl_arn: Any = APP_ACL, *, deps: dict | None = None,
                 name: str = "alb-waf", kind: str = ASSOCIATION):
    props = {"resourceArn": lb_arn}
    if acl_arn is not None:
        props["webAclArn" if kind == ASSOCIATION else "webAclId"] = acl_arn
    return synthetic(kind, name, props, deps=deps)


def _alb_check(*resources):
    return validate_stack(RULES["elb-web-acl-associated"], list(resources))


def test_a_public_alb_with_an_association_passes():
    lb, acl = _lb(), _acl()
    assert _alb_check(lb, acl, _association(get_arn(lb))) == []
    # a preview: the ALB and ACL ARNs unknown, the association depends on both
    preview = _association(UNKNOWN_STRING_VALUE, UNKNOWN_STRING_VALUE,
                           deps={"resourceArn": [lb], "webAclArn": [acl]})
    assert _alb_check(lb, acl, preview) == []
    # an internal ALB (a CloudFront VPC origin) and a network load balancer are exempt
    assert _alb_check(_lb(internal=True)) == []
    assert _alb_check(_lb(internal="true")) == []
    assert _alb_check(_lb(loadBalancerType="network")) == []


@pytest.mark.parametrize(("build", "fragment"), [
    (lambda lb, other: [], "no wafv2.WebAclAssociation attaches a web ACL"),
    (lambda lb, other: [_association(get_arn(other))], "no wafv2.WebAclAssociation"),
    (lambda lb, other: [_association(get_arn(other), deps={"resourceArn": [lb, other]})],
     "no wafv2.WebAclAssociation"),
    (lambda lb, other: [_association(get_arn(lb), "")], "has an empty webAclArn"),
    (lambda lb, other: [_association(get_arn(lb), None)], "has an empty webAclArn"),
    (lambda lb, other: [_association(get_arn(lb), "0f1e2d3c-classic-id")], "not a WAFv2 web ACL ARN"),
    (lambda lb, other: [_acl("edge", scope="CLOUDFRONT"), _association(get_arn(lb), _arn("edge"))],
     "of scope CLOUDFRONT"),
    (lambda lb, other: [_association(get_arn(lb), "classic-acl-id", kind=CLASSIC)],
     "a WAF Classic wafregional association doesn't count"),
], ids=["none", "another-alb", "computed-from-both-names-the-other", "empty-acl", "no-acl",
        "classic-id", "cloudfront-scope", "waf-classic"])
def test_a_public_alb_without_a_usable_web_acl_fails(build, fragment):
    lb, other = _lb(), _lb("other", internal=True)
    found = _alb_check(lb, other, *build(lb, other))
    assert len(found) == 1, found
    urn, message = found[0]
    assert urn.endswith("::alb") and fragment in message and "[ELB.16/CKV2_AWS_28]" in message


@pytest.mark.parametrize("internal", [None, False, "false"], ids=["unset", "false", "string-false"])
def test_internal_unset_or_false_is_internet_facing(internal):
    [(_, message)] = _alb_check(_lb(internal=internal))
    assert "is internet-facing" in message
    # and an unset type is an application load balancer
    assert _alb_check(_lb(loadBalancerType=None, internal=internal))


def test_failing_open_fails_even_with_an_association():
    lb = _lb(enableWafFailOpen=True)
    [(_, message)] = _alb_check(lb, _acl(), _association(get_arn(lb)))
    assert "fails open" in message


def test_an_association_that_may_be_either_alb_is_undecided_in_preview():
    lb, other = _lb(arn=None), _lb("other", arn=None)
    either = _association(UNKNOWN_STRING_VALUE, deps={"resourceArn": [lb, other]})
    with pytest.raises(UnknownValueError):
        _alb_check(lb, other, either)


# --- CloudFront ---------------------------------------------------------------------------------------

CERT = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0f1e2d3c"
CF_ACL = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/edge/0f1e2d3c"
DIST_ARN = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1ABCDEF"


def _custom_origin(oid: str = "alb", *, domain: str = "origin.example.com", **config: Any) -> dict[str, Any]:
    base = {"httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "https-only",
            "originSslProtocols": ["TLSv1.2"]}
    base.update(config)
    return {"originId": oid, "domainName": domain, "customOriginConfig": base}


def _vpc_origin(oid: str = "vpc") -> dict[str, Any]:
    return {"originId": oid, "domainName": "internal-app.us-east-1.elb.amazonaws.com",
            "vpcOriginConfig": {"vpcOriginId": "vo_123"}}


def _s3_origin(oid: str = "assets", **extra: Any) -> dict[str, Any]:
    return {"originId": oid, "domainName": "assets-123.s3.us-east-1.amazonaws.com", **extra}


def _distribution(**changes: Any) -> dict[str, Any]:
    props = {
        "arn": DIST_ARN, "enabled": True, "origins": [_vpc_origin()],
        "defaultCacheBehavior": {"targetOriginId": "vpc", "viewerProtocolPolicy": "redirect-to-https"},
        "orderedCacheBehaviors": [{"pathPattern": "/api/*", "targetOriginId": "vpc",
                                   "viewerProtocolPolicy": "https-only"}],
        "viewerCertificate": {"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                              "minimumProtocolVersion": "TLSv1.2_2021"},
        "webAclId": CF_ACL, "restrictions": {"geoRestriction": {"restrictionType": "none"}},
    }
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


def _behaviours(default: Any = "redirect-to-https", *ordered: Any) -> dict[str, Any]:
    def one(policy: Any, pattern: str | None = None) -> dict[str, Any]:
        b = {"targetOriginId": "vpc", **({"pathPattern": pattern} if pattern else {})}
        if policy is not None:
            b["viewerProtocolPolicy"] = policy
        return b

    return {"defaultCacheBehavior": one(default),
            "orderedCacheBehaviors": [one(p, f"/p{i}/*") for i, p in enumerate(ordered)]}


VPC_ENDPOINT = {"name": "alb", "arn": "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/y",
                "httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "https-only",
                "originSslProtocols": {"items": ["TLSv1.2"], "quantity": 1}}


def _vpc(**changes: Any) -> dict[str, Any]:
    return {"vpcOriginEndpointConfig": {**VPC_ENDPOINT, **changes}}


# (rule, type, failing props, fragment)
CLOUDFRONT_FAILS: list[tuple[str, str, dict[str, Any], str]] = [
    ("cloudfront-viewer-https", DISTRIBUTION, _distribution(**_behaviours("allow-all")),
     "the default cache behaviour has viewerProtocolPolicy 'allow-all'"),
    ("cloudfront-viewer-https", DISTRIBUTION,
     _distribution(**_behaviours("redirect-to-https", "https-only", "allow-all")),
     "cache behaviour '/p1/*' has viewerProtocolPolicy 'allow-all'"),
    ("cloudfront-viewer-https", DISTRIBUTION, _distribution(**_behaviours(None)),
     "the default cache behaviour has no viewerProtocolPolicy"),
    ("cloudfront-viewer-https", DISTRIBUTION, _distribution(defaultCacheBehavior=None),
     "the default cache behaviour has no viewerProtocolPolicy"),
    ("cloudfront-viewer-https", DISTRIBUTION, _distribution(**_behaviours("HTTPS-ONLY")), "'HTTPS-ONLY'"),
    ("cloudfront-waf", DISTRIBUTION, _distribution(webAclId=None), "webAclId unset"),
    ("cloudfront-waf", DISTRIBUTION, _distribution(webAclId=""), "webAclId unset"),
    ("cloudfront-waf", DISTRIBUTION, _distribution(webAclId="0f1e2d3c-classic"), "a WAF Classic id"),
    ("cloudfront-custom-certificate", DISTRIBUTION,
     _distribution(viewerCertificate={"cloudfrontDefaultCertificate": True}),
     "default CloudFront certificate"),
    ("cloudfront-custom-certificate", DISTRIBUTION,
     _distribution(viewerCertificate={"acmCertificateArn": CERT, "cloudfrontDefaultCertificate": "true",
                                      "sslSupportMethod": "sni-only"}), "default CloudFront certificate"),
    ("cloudfront-custom-certificate", DISTRIBUTION, _distribution(viewerCertificate={}),
     "no custom certificate"),
    ("cloudfront-custom-certificate", DISTRIBUTION, _distribution(viewerCertificate=None),
     "no custom certificate"),
    ("cloudfront-sni", DISTRIBUTION,
     _distribution(viewerCertificate={"acmCertificateArn": CERT, "sslSupportMethod": "vip"}), "'vip'"),
    ("cloudfront-sni", DISTRIBUTION,
     _distribution(viewerCertificate={"iamCertificateId": "ASCA1", "sslSupportMethod": "static-ip"}),
     "'static-ip'"),
    ("cloudfront-sni", DISTRIBUTION, _distribution(viewerCertificate={"acmCertificateArn": CERT}), "None"),
    ("cloudfront-tls-policy", DISTRIBUTION,
     _distribution(viewerCertificate={"acmCertificateArn": CERT, "sslSupportMethod": "sni-only"}),
     "unset (CloudFront's TLSv1)"),
    ("cloudfront-tls-policy", DISTRIBUTION,
     _distribution(viewerCertificate={"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                                      "minimumProtocolVersion": "TLSv1.2_2019"}), "'TLSv1.2_2019'"),
    ("cloudfront-tls-policy", DISTRIBUTION,
     _distribution(viewerCertificate={"cloudfrontDefaultCertificate": True,
                                      "minimumProtocolVersion": "TLSv1"}),
     "'TLSv1'"),
    ("cloudfront-origin-https", DISTRIBUTION,
     _distribution(origins=[_custom_origin(originProtocolPolicy="http-only")]), "'http-only'"),
    ("cloudfront-origin-https", DISTRIBUTION,
     _distribution(origins=[_custom_origin("a"), _custom_origin("b", originProtocolPolicy="http-only")]),
     "origin 'b' has origin_protocol_policy 'http-only'"),
    ("cloudfront-origin-https", DISTRIBUTION,
     _distribution(origins=[_custom_origin(originProtocolPolicy="match-viewer")],
                   **_behaviours("redirect-to-https", "allow-all")), "lets viewers use plain HTTP"),
    ("cloudfront-origin-https", DISTRIBUTION,
     _distribution(origins=[_custom_origin(originProtocolPolicy=None)]), "None"),
    ("cloudfront-origin-https", VPC_ORIGIN, _vpc(originProtocolPolicy="http-only"), "'http-only'"),
    ("cloudfront-origin-https", VPC_ORIGIN, _vpc(originProtocolPolicy="match-viewer"), "'match-viewer'"),
    ("cloudfront-origin-tls", DISTRIBUTION,
     _distribution(origins=[_custom_origin(originSslProtocols=["SSLv3", "TLSv1.2"])]), "SSLv3"),
    ("cloudfront-origin-tls", DISTRIBUTION,
     _distribution(origins=[_custom_origin(originSslProtocols=["TLSv1.1", "TLSv1.2"])]), "TLSv1.1"),
    ("cloudfront-origin-tls", DISTRIBUTION,
     _distribution(origins=[_custom_origin("a"), _custom_origin("b", originSslProtocols=["TLSv1"])]),
     "origin 'b' allows deprecated origin protocols TLSv1"),
    ("cloudfront-origin-tls", DISTRIBUTION, _distribution(origins=[_custom_origin(originSslProtocols=[])]),
     "names no origin SSL protocol"),
    ("cloudfront-origin-tls", VPC_ORIGIN,
     _vpc(originSslProtocols={"items": ["TLSv1", "TLSv1.2"], "quantity": 2}),
     "its VPC origin allows deprecated origin protocols TLSv1"),
    ("cloudfront-s3-origin-access-control", DISTRIBUTION,
     _distribution(origins=[_vpc_origin(), _s3_origin()]),
     "origin 'assets' is an S3 origin reached with no origin access control"),
    ("cloudfront-s3-origin-access-control", DISTRIBUTION,
     _distribution(origins=[_s3_origin(s3OriginConfig={"originAccessIdentity": "oai/E1"})]),
     "a legacy origin access identity"),
    ("cloudfront-s3-origin-access-control", DISTRIBUTION,
     _distribution(origins=[{"originId": "x", "domainName": "other.example.com",
                             "s3OriginConfig": {"originAccessIdentity": ""}}]),
     "no origin access control"),
    ("cloudfront-default-root-object", DISTRIBUTION,
     _distribution(origins=[_s3_origin(originAccessControlId="oac")]), "no default root object"),
    ("cloudfront-default-root-object", DISTRIBUTION,
     _distribution(origins=[_s3_origin(originAccessControlId="oac")], defaultRootObject=""),
     "no default root object"),
]


@pytest.mark.parametrize(("rule", "kind", "props", "fragment"), CLOUDFRONT_FAILS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CLOUDFRONT_FAILS)])
def test_cloudfront_ways_around_fail(rule, kind, props, fragment):
    policy = RULES[rule]
    found = validate_resource(policy, kind, props, name="cdn")
    assert len(found) == 1, found
    assert "'cdn'" in found[0] and fragment in found[0] and f"[{policy.control}]" in found[0]


CLOUDFRONT_PASSES: list[tuple[str, dict[str, Any]]] = [
    ("good", _distribution()),
    ("https-only-viewers", _distribution(**_behaviours("https-only", "redirect-to-https"))),
    ("custom-origin-https-only", _distribution(origins=[_custom_origin()])),
    ("match-viewer-with-https-viewers",
     _distribution(origins=[_custom_origin(originProtocolPolicy="match-viewer")])),
    ("iam-certificate", _distribution(viewerCertificate={"iamCertificateId": "ASCA1",
                                                         "sslSupportMethod": "sni-only",
                                                         "minimumProtocolVersion": "TLSv1.2_2021"})),
    ("tls13-2025", _distribution(viewerCertificate={"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                                                    "minimumProtocolVersion": "TLSv1.3_2025"})),
    ("tls12-2025", _distribution(viewerCertificate={"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                                                    "minimumProtocolVersion": "TLSv1.2_2025"})),
    ("s3-with-oac", _distribution(origins=[_s3_origin(originAccessControlId="E2OAC")],
                                  defaultRootObject="index.html")),
    ("s3-website-is-custom",
     _distribution(origins=[_custom_origin(domain="b.s3-website-us-east-1.amazonaws.com")])),
    ("s3-domain-with-custom-config",
     _distribution(origins=[_custom_origin(domain="b.s3.us-east-1.amazonaws.com")])),
]


@pytest.mark.parametrize(("case", "props"), CLOUDFRONT_PASSES, ids=[c[0] for c in CLOUDFRONT_PASSES])
def test_a_hardened_distribution_passes_every_resource_rule(case, props):
    for rule in rules.ALL:
        if rule.family == "edge" and rule.kind == "resource" and DISTRIBUTION in rule.types:
            assert validate_resource(rule, DISTRIBUTION, props) == [], (case, rule.name)


def test_a_hardened_vpc_origin_passes():
    for name in ("cloudfront-origin-https", "cloudfront-origin-tls"):
        assert validate_resource(RULES[name], VPC_ORIGIN, _vpc()) == []


def test_the_default_certificate_fails_sni_only_through_cloudfront_7():
    """SNI is about a custom certificate: the default one is CloudFront.7's finding, once."""
    props = _distribution(viewerCertificate={"cloudfrontDefaultCertificate": True})
    assert validate_resource(RULES["cloudfront-sni"], DISTRIBUTION, props) == []
    assert validate_resource(RULES["cloudfront-custom-certificate"], DISTRIBUTION, props)


# --- CloudFront.5: logging, legacy or v2 --------------------------------------------------------------


def _dist(name: str = "cdn", **changes: Any):
    props = _distribution(**changes)
    props["arn"] = f"arn:aws:cloudfront::{ACCOUNT}:distribution/{name.upper()}"
    return synthetic(DISTRIBUTION, name, props)


def _source(dist, log_type: str = "ACCESS_LOGS", name: str = "cdn-access", *, by_dep: bool = False):
    arn = UNKNOWN_STRING_VALUE if by_dep else dist.props["arn"]
    return synthetic(SOURCE, name, {"name": name, "logType": log_type, "resourceArn": arn},
                     deps={"resourceArn": [dist]} if by_dep else None)


def _delivery(source_name: Any, destination: Any = "arn:aws:logs:us-east-1:1:delivery-destination:d", *,
              deps: list | None = None):
    props = {"deliverySourceName": source_name}
    if destination is not None:
        props["deliveryDestinationArn"] = destination
    return synthetic(DELIVERY, "delivery", props, deps={"deliverySourceName": deps} if deps else None)


def test_legacy_or_v2_logging_passes():
    rule = RULES["cloudfront-logging"]
    legacy = _dist(loggingConfig={"bucket": "logs-123.s3.amazonaws.com", "prefix": "cdn/"})
    assert validate_stack(rule, [legacy]) == []
    dist = _dist()
    source = _source(dist)
    assert validate_stack(rule, [dist, source, _delivery("cdn-access")]) == []
    # a preview: the distribution's ARN and the source's name unknown
    preview = _source(dist, by_dep=True)
    assert validate_stack(rule, [dist, preview, _delivery(UNKNOWN_STRING_VALUE, deps=[preview])]) == []


@pytest.mark.parametrize(("build", "fragment"), [
    (lambda d: [], "has no access logging"),
    (lambda d: [_dist("other"), _source(_dist("other")), _delivery("cdn-access")], "has no access logging"),
    (lambda d: [_source(d, "CONNECTION_LOGS"), _delivery("cdn-access")], "of type CONNECTION_LOGS"),
    (lambda d: [_source(d)], "no cloudwatch.LogDelivery sends it"),
    (lambda d: [_source(d), _delivery("another-source")], "no cloudwatch.LogDelivery sends it"),
    (lambda d: [_source(d), _delivery("cdn-access", None)], "no cloudwatch.LogDelivery sends it"),
], ids=["none", "another-distribution", "wrong-log-type", "no-delivery", "delivery-of-another-source",
        "delivery-without-destination"])
def test_distribution_without_logging_fails(build, fragment):
    dist = _dist(loggingConfig={"prefix": "cdn/"})  # a logging block without a bucket logs nothing
    found = [(u, m) for u, m in validate_stack(RULES["cloudfront-logging"], [dist, *build(dist)])
             if u.endswith("::cdn")]
    assert len(found) == 1, found
    assert fragment in found[0][1] and "[CloudFront.5]" in found[0][1]


# --- the committed stacks ------------------------------------------------------------------------------


def _without(plan: PlanResult, kind: str):
    records = copy.deepcopy(plan.resources)
    return [r for r in records if r.type != kind]


def test_prod_alb_passes_with_its_web_acl_and_fails_without(prod):
    """CKV2_AWS_28 gone: prod's internet-facing ALB is the resourceArn of the WebFirewall's
    association (the ARN equals the ALB's output), and the same plan without it fails the rule,
    mandatory in prod."""
    [lb] = [r for r in prod.of_type(LB)]
    assert lb.inputs.get("internal") in (None, False)
    [association] = prod.of_type(ASSOCIATION)
    assert association.inputs["resourceArn"] == lb.outputs["arn"]
    [acl] = [r for r in prod.of_type(WEB_ACL) if r.outputs["arn"] == association.inputs["webAclArn"]]
    assert acl.inputs["scope"] == "REGIONAL"
    result = check_plan(prod)
    assert result.fired("elb-web-acl-associated") == []
    hits = check_records(_without(prod, ASSOCIATION), result.levels).fired("elb-web-acl-associated")
    assert [(v.resource_name, v.level) for v in hits] == [(lb.name, "mandatory")]
    assert "CKV2_AWS_28" in hits[0].message


def test_prod_waf_passes_the_waf_rules(prod):
    result = check_plan(prod)
    assert prod.of_type(WEB_ACL) and prod.of_type(LOGGING)
    for name in ("waf-web-acl-has-rules", "waf-rule-metrics", "waf-logging", "waf-logs-redact-credentials"):
        assert result.fired(name) == [], name
    [logging] = prod.of_type(LOGGING)
    [acl] = prod.of_type(WEB_ACL)
    assert logging.inputs["resourceArn"] == acl.outputs["arn"]
    [destination] = logging.inputs["logDestinationConfigs"]
    assert destination.split(":log-group:")[1].startswith("aws-waf-logs-")


def _metrics_off(record) -> None:
    for props in (record.inputs, record.outputs):
        rules_ = copy.deepcopy(props["rules"])
        rules_[-1]["visibilityConfig"]["cloudwatchMetricsEnabled"] = False
        props["rules"] = rules_


def _no_rules(record) -> None:
    record.inputs["rules"] = record.outputs["rules"] = []


def _no_redaction(record) -> None:
    record.inputs["redactedFields"] = record.outputs["redactedFields"] = []


def _misnamed_destination(record) -> None:
    dest = [record.inputs["logDestinationConfigs"][0].replace("aws-waf-logs-", "waf-")]
    record.inputs["logDestinationConfigs"] = record.outputs["logDestinationConfigs"] = dest


@pytest.mark.parametrize(("rule", "kind", "breaks"), [
    ("waf-web-acl-has-rules", WEB_ACL, _no_rules),
    ("waf-rule-metrics", WEB_ACL, _metrics_off),
    ("waf-logs-redact-credentials", LOGGING, _no_redaction),
    ("waf-logging", LOGGING, _misnamed_destination),
    ("waf-logging", LOGGING, None),
], ids=["no-rules", "last-rule-metrics-off", "no-redaction", "misnamed-destination", "no-logging"])
def test_breaking_prod_waf_fires_the_mandatory_rule(prod, rule, kind, breaks):
    levels = check_plan(prod).levels
    if breaks is None:
        records = _without(prod, kind)
    else:
        records = copy.deepcopy(prod.resources)
        [target] = [r for r in records if r.type == kind]
        breaks(target)
    hits = check_records(records, levels).fired(rule)
    assert hits and all(v.level == "mandatory" for v in hits), hits


def test_dev_runs_without_the_waf_and_the_alb_rule_is_advisory_there(dev):
    """dev's WAF is off (edge.waf.enabled false): its public ALB is an advisory finding."""
    assert dev.of_type(WEB_ACL) == [] and dev.of_type(ASSOCIATION) == []
    result = check_plan(dev)
    hits = result.fired("elb-web-acl-associated")
    assert [v.level for v in hits] == ["advisory"]
    assert result.mandatory == []


def test_prod_cloudfront_passes_every_edge_rule(prod_cloudfront):
    """`edge: cloudfront`: the distribution, its VPC origin, its web ACL and its v2 logging pass
    every edge rule, on the real references (not vacuously: each is asserted), and the internal
    ALB is exempt from the ALB rule."""
    plan = prod_cloudfront
    result = check_plan(plan)
    assert result.mandatory == [] and result.skipped == []
    for rule in rules.ALL:
        if rule.family == "edge":
            assert result.fired(rule.name) == [], rule.name
    [dist] = plan.of_type(DISTRIBUTION)
    [acl] = [r for r in plan.of_type(WEB_ACL) if r.outputs["arn"] == dist.inputs["webAclId"]]
    assert acl.inputs["scope"] == "CLOUDFRONT"
    [source] = plan.of_type(SOURCE)
    assert source.inputs["resourceArn"] == dist.outputs["arn"] and source.inputs["logType"] == "ACCESS_LOGS"
    [delivery] = plan.of_type(DELIVERY)
    assert delivery.inputs["deliverySourceName"] == source.outputs["name"]
    [origin] = plan.of_type(VPC_ORIGIN)
    assert origin.inputs["vpcOriginEndpointConfig"]["originProtocolPolicy"] == "https-only"
    [lb] = plan.of_type(LB)
    assert lb.inputs["internal"] is True and plan.of_type(ASSOCIATION) == []


def _set(record, path: tuple, value: Any) -> None:
    for props in (record.inputs, record.outputs):
        node = props
        for step in path[:-1]:
            node = node[step]
        if value is None:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value


@pytest.mark.parametrize(("rule", "kind", "path", "value"), [
    ("cloudfront-viewer-https", DISTRIBUTION, ("defaultCacheBehavior", "viewerProtocolPolicy"), "allow-all"),
    ("cloudfront-waf", DISTRIBUTION, ("webAclId",), None),
    ("cloudfront-tls-policy", DISTRIBUTION, ("viewerCertificate", "minimumProtocolVersion"), "TLSv1.2_2019"),
    ("cloudfront-sni", DISTRIBUTION, ("viewerCertificate", "sslSupportMethod"), "vip"),
    ("cloudfront-origin-https", VPC_ORIGIN, ("vpcOriginEndpointConfig", "originProtocolPolicy"), "http-only"),
    ("cloudfront-logging", DELIVERY, None, None),
    ("elb-web-acl-associated", LB, ("internal",), False),
], ids=["viewer-allow-all", "no-web-acl", "old-tls-policy", "dedicated-ip", "vpc-origin-http",
        "no-log-delivery", "alb-made-public"])
def test_breaking_prod_cloudfront_fires_the_mandatory_rule(prod_cloudfront, rule, kind, path, value):
    levels = check_plan(prod_cloudfront).levels
    if path is None:
        records = _without(prod_cloudfront, kind)
    else:
        records = copy.deepcopy(prod_cloudfront.resources)
        [target] = [r for r in records if r.type == kind]
        _set(target, path, value)
    hits = check_records(records, levels).fired(rule)
    assert hits and all(v.level == "mandatory" for v in hits), hits


def test_prod_alb_rule_decides_in_a_preview_by_property_dependencies(prod):
    """In a real preview of a new stack the ALB's and the ACL's ARNs are unknown: the
    association is matched to the ALB through its property dependencies, and still passes."""
    from groundwork.engine import UNKNOWN

    records = copy.deepcopy(prod.resources)
    for record in records:
        if record.type in (LB, WEB_ACL):
            record.outputs["arn"] = record.outputs["id"] = UNKNOWN
        if record.type == ASSOCIATION:
            assert {k for k, v in record.property_dependencies.items() if v} >= {"resourceArn", "webAclArn"}
            for props in (record.inputs, record.outputs):
                props["resourceArn"] = props["webAclArn"] = UNKNOWN
    levels = check_plan(prod).levels
    result = check_records(records, levels)
    assert result.fired("elb-web-acl-associated") == []
    assert "elb-web-acl-associated" not in {s.policy for s in result.skipped}
    without = [r for r in records if r.type != ASSOCIATION]
    assert check_records(without, levels).fired("elb-web-acl-associated")


# --- round 2: walk-arounds with the SDK's other shapes ---------------------------------------------


def _partial(rule_name: str, resources: list) -> tuple[list[tuple[str, str]], bool]:
    """A stack rule's findings even when it ends undecided (as the engine keeps them: a
    violation reported before the UnknownValueError is still sent), and whether it did."""
    from pulumi_policy import StackValidationArgs

    policy, found = RULES[rule_name], []
    try:
        policy.validate(StackValidationArgs(resources, dict(policy.defaults)),
                        lambda message, urn=None: found.append((urn or "", message)))
    except UnknownValueError:
        return found, True
    return found, False


def _names(found: list[tuple[str, str]]) -> list[str]:
    return [u.rsplit("::", 1)[1] for u, _ in found]


@pytest.mark.parametrize(("visibility", "fails"), [
    ({"VisibilityConfig": {"CloudWatchMetricsEnabled": True, "cloudwatchmetricsenabled": False}}, True),
    ({"VisibilityConfig": {"CloudWatchMetricsEnabled": True},
      "visibilityconfig": {"CloudWatchMetricsEnabled": False}}, True),
    ({"VisibilityConfig": {"CloudWatchMetricsEnabled": "true"}}, True),
    ({"visibilityConfig": {"cloudwatchMetricsEnabled": True, "metricName": "a"}}, False),
    ({"VISIBILITYCONFIG": {"CLOUDWATCHMETRICSENABLED": True}}, False),
], ids=["duplicate-key-other-case-off", "duplicate-block-other-case-off", "json-string-true",
        "camel-case-on", "upper-case-on"])
def test_rule_json_is_read_in_any_case_as_the_provider_decodes_it(visibility, fails):
    """The provider decodes ruleJson with Go's encoding/json (field names matched in any case,
    the last duplicate wins): a second spelling that is false may be the one AWS gets."""
    rule = {k: v for k, v in _json_rule("a").items() if k != "VisibilityConfig"}
    rule.update(visibility)
    props = _acl_props(rules=None, ruleJson=json.dumps([rule]))
    found = validate_resource(RULES["waf-rule-metrics"], WEB_ACL, props)
    assert bool(found) is fails, found
    group = {"visibilityConfig": _vc(), "rulesJson": json.dumps([rule])}
    assert bool(validate_resource(RULES["waf-rule-metrics"], RULE_GROUP, group)) is fails


def test_count_overrides_and_the_default_action_do_not_empty_a_web_acl():
    """Decided, not over-reached: WAF.10 asks for a rule, and a managed group overridden to count
    (the WebFirewall's rollout mode, count -> block) is one; it still inspects, logs and sends
    metrics. The default action (allow or block) is not WAF.10's business either."""
    counted = _rule("crs", overrideAction={"count": {}},
                    statement={"managedRuleGroupStatement": {
                        "name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS",
                        "ruleActionOverrides": [{"name": "NoUserAgent_HEADER",
                                                 "actionToUse": {"count": {}}}]}})
    for default in ({"allow": {}}, {"block": {}}):
        assert validate_stack(RULES["waf-web-acl-has-rules"],
                              [_acl(rules=[counted], defaultAction=default)]) == []


def test_a_referenced_rule_group_is_judged_on_its_own_metrics():
    """A web ACL whose rule is a ruleGroupReferenceStatement passes with its own visibility on;
    the rule group it references is a resource of its own, and fails with a rule's metrics off."""
    group_arn = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:regional/rulegroup/grp/1a2b"
    ref = _rule("mine", overrideAction={"none": {}},
                statement={"ruleGroupReferenceStatement": {"arn": group_arn}})
    assert validate_resource(RULES["waf-rule-metrics"], WEB_ACL, _acl_props(rules=[ref])) == []
    group = {"arn": group_arn, "capacity": 50, "visibilityConfig": _vc(),
             "rules": [_rule("a"), _rule("hidden", False)]}
    [message] = validate_resource(RULES["waf-rule-metrics"], RULE_GROUP, group, name="grp")
    assert "rule 'hidden' has cloudwatchMetricsEnabled False" in message


@pytest.mark.parametrize(("log_filter", "fails"), [
    ({"defaultBehavior": "DROP", "filters": [{"behavior": "DROP", "requirement": "MEETS_ANY",
                                              "conditions": [{"actionCondition": {"action": "ALLOW"}}]}]},
     True),
    ({"defaultBehavior": "drop", "filters": []}, True),
    ({"defaultBehavior": "DROP", "filters": [{"behavior": "KEEP", "requirement": "MEETS_ANY",
                                              "conditions": [{"actionCondition": {"action": "BLOCK"}}]}]},
     False),
    ({"defaultBehavior": "KEEP", "filters": [{"behavior": "DROP", "requirement": "MEETS_ALL",
                                              "conditions": [{"actionCondition": {"action": "ALLOW"}}]}]},
     False),
], ids=["drop-everything", "drop-default-no-filters", "keep-blocked-only", "keep-default"])
def test_a_logging_filter_that_keeps_nothing_fails(log_filter, fails):
    acl, group = _acl(), _log_group()
    logging = synthetic(LOGGING, "waf-logging", {"resourceArn": _arn("app"),
                                                 "logDestinationConfigs": [get_arn(group)],
                                                 "redactedFields": REDACT, "loggingFilter": log_filter})
    found = validate_stack(RULES["waf-logging"], [acl, group, logging])
    assert bool(found) is fails, found
    if fails:
        assert "logs no request" in found[0][1] and "[WAF.11]" in found[0][1]


ALIAS_LB = "aws:alb/loadBalancer:LoadBalancer"


def test_every_public_alb_needs_its_own_web_acl():
    """A covered ALB doesn't cover a second public one, in the lb or the alb alias type."""
    lb, second = _lb(), _lb("second")
    alias = synthetic(ALIAS_LB, "alias", {**{k: v for k, v in _lb("alias").props.items()}})
    found = _alb_check(lb, second, alias, _acl(), _association(get_arn(lb)))
    assert sorted(_names(found)) == ["alias", "second"]
    assert "alb.LoadBalancer 'alias': is internet-facing" in dict(found)[alias.urn]
    assert _alb_check(alias, _acl(), _association(get_arn(alias))) == []


@pytest.mark.parametrize(("acl_arn", "fragment"), [
    (CF_ACL, "a CLOUDFRONT-scope (global/) web ACL"),
    (f"arn:aws:waf-regional:us-east-1:{ACCOUNT}:webacl/0f1e2d3c", "not a WAFv2 web ACL ARN"),
], ids=["global-acl-by-value", "waf-classic-regional-arn"])
def test_an_alb_association_with_an_acl_aws_would_refuse_fails(acl_arn, fragment):
    """The ACL needn't be in the stack: its ARN says CLOUDFRONT scope (global/) or WAF Classic."""
    lb = _lb()
    [(urn, message)] = _alb_check(lb, _association(get_arn(lb), acl_arn))
    assert urn == lb.urn and fragment in message


def test_a_public_alb_behind_cloudfront_still_needs_its_web_acl():
    """An internet-facing ALB used as a distribution's origin can be reached around
    CloudFront: the distribution's web ACL doesn't count for it."""
    lb = _lb()
    dist = _dist(origins=[_custom_origin(domain="alb-123.us-east-1.elb.amazonaws.com")])
    edge_acl = _acl("edge", scope="CLOUDFRONT", arn=CF_ACL)
    [(urn, message)] = _alb_check(lb, dist, edge_acl)
    assert urn == lb.urn and "no wafv2.WebAclAssociation" in message


def test_an_alb_whose_internal_flag_is_unknown():
    """`internal` unknown in a preview: a usable web ACL passes it either way; without one it is
    undecided, and the other load balancers are still judged (not hidden by the raise)."""
    unknown = _lb("maybe", internal=UNKNOWN_STRING_VALUE)
    assert _alb_check(unknown, _acl(), _association(get_arn(unknown))) == []
    found, undecided = _partial("elb-web-acl-associated", [unknown, _lb("public")])
    assert undecided and _names(found) == ["public"]
    found, undecided = _partial("elb-web-acl-associated", [_lb("t", loadBalancerType=UNKNOWN_STRING_VALUE)])
    assert undecided and found == []
    # a known internal one is exempt even when its fail-open flag is unknown
    assert _alb_check(_lb(internal=True, enableWafFailOpen=UNKNOWN_STRING_VALUE)) == []


def test_undecided_references_do_not_hide_definite_findings():
    """Each stack rule judges every resource before it raises for the undecided one."""
    acl, other, bare = _acl(), _acl("other"), _acl("bare", rules=None)
    either = _logging(UNKNOWN_STRING_VALUE, [UNKNOWN_STRING_VALUE], deps={"resourceArn": [acl, other]})
    found, undecided = _partial("waf-logging", [acl, other, either, _acl("third")])
    assert undecided and _names(found) == ["third"]
    bare2 = _acl("b2", rules=None)
    ambiguous = _standalone(WEB_ACL_RULE, UNKNOWN_STRING_VALUE, deps=[bare, bare2])
    found, undecided = _partial("waf-web-acl-has-rules", [bare, bare2, ambiguous, _acl("b3", rules=None)])
    assert undecided and _names(found) == ["b3"]
    d1, d2 = _dist("d1"), _dist("d2")
    source = synthetic(SOURCE, "s", {"name": "s", "logType": "ACCESS_LOGS",
                                     "resourceArn": UNKNOWN_STRING_VALUE}, deps={"resourceArn": [d1, d2]})
    found, undecided = _partial("cloudfront-logging", [d1, d2, source, _dist("d3")])
    assert undecided and _names(found) == ["d3"]


@pytest.mark.parametrize(("acl_id", "fragment"), [
    (_arn("app"), "a REGIONAL web ACL"),
    (f"arn:aws:waf::{ACCOUNT}:webacl/0f1e2d3c", "not a WAFv2 web ACL ARN"),
    (f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/ipset/edge/0f1e2d3c", "not a WAFv2 web ACL ARN"),
], ids=["regional-acl", "waf-classic-global-arn", "an-ip-set"])
def test_a_distribution_naming_an_acl_cloudfront_cannot_use_fails(acl_id, fragment):
    """AWS refuses a REGIONAL web ACL on a distribution at deploy: refused offline instead."""
    [message] = validate_resource(RULES["cloudfront-waf"], DISTRIBUTION, _distribution(webAclId=acl_id),
                                  name="cdn")
    assert fragment in message and "[CloudFront.6]" in message


@pytest.mark.parametrize("version", ["TLSv1.2_2018", "TLSv1.1_2016", "TLSv1_2016", "TLSv1", "SSLv3",
                                     "tlsv1.2_2021"])
def test_older_viewer_policies_fail(version):
    cert = {"acmCertificateArn": CERT, "sslSupportMethod": "sni-only", "minimumProtocolVersion": version}
    [message] = validate_resource(RULES["cloudfront-tls-policy"], DISTRIBUTION,
                                  _distribution(viewerCertificate=cert))
    assert repr(version) in message


def test_a_trailing_dot_s3_domain_is_still_an_s3_origin():
    props = _distribution(origins=[{"originId": "s", "domainName": "assets.s3.amazonaws.com."}])
    assert validate_resource(RULES["cloudfront-s3-origin-access-control"], DISTRIBUTION, props)


# --- multi-tenant distributions and their tenants ------------------------------------------------------

MULTITENANT = "aws:cloudfront/multitenantDistribution:MultitenantDistribution"
TENANT = "aws:cloudfront/distributionTenant:DistributionTenant"


def _mt_origin(oid: str = "alb", **config: Any) -> dict[str, Any]:
    base = {"httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "https-only",
            "originSslProtocols": ["TLSv1.2"], **config}
    return {"id": oid, "domainName": "origin.example.com", "customOriginConfigs": [base]}


def _multitenant(**changes: Any) -> dict[str, Any]:
    """A hardened MultitenantDistribution in the SDK's shape: `cacheBehaviors`, origins with `id`
    and a `customOriginConfigs` list."""
    props = {
        "arn": DIST_ARN, "comment": "saas", "enabled": True, "origins": [_mt_origin()],
        "defaultCacheBehavior": {"targetOriginId": "alb", "viewerProtocolPolicy": "redirect-to-https",
                                 "allowedMethods": {"items": ["GET", "HEAD"]}},
        "cacheBehaviors": [{"pathPattern": "/api/*", "targetOriginId": "alb",
                            "viewerProtocolPolicy": "https-only"}],
        "viewerCertificate": {"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                              "minimumProtocolVersion": "TLSv1.2_2021"},
        "webAclId": CF_ACL, "tenantConfig": {"parameterDefinitions": []},
    }
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


MULTITENANT_FAILS: list[tuple[str, dict[str, Any], str]] = [
    ("cloudfront-viewer-https",
     _multitenant(cacheBehaviors=[{"pathPattern": "/x/*", "targetOriginId": "alb",
                                   "viewerProtocolPolicy": "allow-all"}]), "cache behaviour '/x/*'"),
    ("cloudfront-origin-https", _multitenant(origins=[_mt_origin(originProtocolPolicy="http-only")]),
     "origin 'alb' has origin_protocol_policy 'http-only'"),
    ("cloudfront-origin-tls", _multitenant(origins=[_mt_origin(originSslProtocols=["TLSv1", "TLSv1.2"])]),
     "deprecated origin protocols TLSv1"),
    ("cloudfront-waf", _multitenant(webAclId=None), "webAclId unset"),
    ("cloudfront-waf", _multitenant(webAclId=_arn("app")), "a REGIONAL web ACL"),
    ("cloudfront-custom-certificate", _multitenant(viewerCertificate={"cloudfrontDefaultCertificate": True}),
     "default CloudFront certificate"),
    ("cloudfront-tls-policy",
     _multitenant(viewerCertificate={"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                                     "minimumProtocolVersion": "TLSv1.2_2019"}), "'TLSv1.2_2019'"),
    ("cloudfront-s3-origin-access-control",
     _multitenant(origins=[{"id": "assets", "domainName": "assets-1.s3.us-east-1.amazonaws.com"}]),
     "origin 'assets' is an S3 origin reached with no origin access control"),
]


@pytest.mark.parametrize(("rule", "props", "fragment"), MULTITENANT_FAILS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(MULTITENANT_FAILS)])
def test_a_multitenant_distribution_is_held_to_the_same_rules(rule, props, fragment):
    """aws.cloudfront.MultitenantDistribution is a type of its own: before round 2 no CloudFront
    rule looked at it."""
    [message] = validate_resource(RULES[rule], MULTITENANT, props, name="saas")
    assert "cloudfront.MultitenantDistribution 'saas'" in message and fragment in message


def test_a_hardened_multitenant_distribution_passes_and_logs_through_v2():
    for rule in rules.ALL:
        if rule.family == "edge" and rule.kind == "resource" and MULTITENANT in rule.types:
            assert validate_resource(rule, MULTITENANT, _multitenant()) == [], rule.name
    dist = synthetic(MULTITENANT, "saas", _multitenant())
    [(urn, message)] = validate_stack(RULES["cloudfront-logging"], [dist])
    assert urn == dist.urn and "has no access logging" in message
    assert validate_stack(RULES["cloudfront-logging"], [dist, _source(dist), _delivery("cdn-access")]) == []


@pytest.mark.parametrize(("web_acl", "fragment"), [
    ({"action": "disable"}, "disables its distribution's web ACL"),
    ({"action": "override"}, "overrides its distribution's web ACL with none"),
    ({"action": "override", "arn": _arn("app")}, "a REGIONAL web ACL"),
    ({"action": "override", "arn": CF_ACL}, None),
    (None, None),
], ids=["disable", "override-without-arn", "override-regional", "override-global", "no-customization"])
def test_a_distribution_tenant_cannot_switch_the_web_acl_off(web_acl, fragment):
    """A tenant's customizations.web_acl: `disable` serves its domains without AWS WAF
    (CloudFront API WebAclCustomization: override | disable)."""
    props = {"distributionId": "E1ABCDEF", "name": "tenant-a",
             **({"customizations": {"webAcl": web_acl}} if web_acl else {})}
    found = validate_resource(RULES["cloudfront-waf"], TENANT, props, name="tenant-a")
    if fragment is None:
        assert found == []
    else:
        [message] = found
        assert "cloudfront.DistributionTenant 'tenant-a'" in message and fragment in message


def test_the_edge_types_without_tags_are_exempt_from_required_tags(prod_cloudfront):
    """Every wafv2/cloudfront type the SDK gives no `tags` argument is on UNTAGGABLE (the
    CloudFront plan's ResponseHeadersPolicy was not), and none that takes tags is."""
    import importlib
    import inspect

    from groundwork.policies.rules.security import UNTAGGABLE

    planned = {r.type for r in prod_cloudfront.resources}
    assert "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy" in planned
    for kind in sorted({k for k in UNTAGGABLE | planned if k.startswith(("aws:wafv2/", "aws:cloudfront/"))}):
        _, module, cls = kind.split(":")
        sdk = importlib.import_module(f"pulumi_aws.{module.split('/')[0]}")
        takes_tags = "tags" in inspect.signature(getattr(sdk, cls)._internal_init).parameters
        assert takes_tags is (kind not in UNTAGGABLE), kind
