"""Edge rules: the WAF (FSBP WAF.10, WAF.12; NIST WAF.11, ELB.16) and CloudFront (FSBP
CloudFront.3, .5-.10, .13, .15).

The stack rules match one resource to another the way `queues.policy_targets` does: a known
value (an ARN, a name) decides by value, because a property dependency only says the value was
computed from that resource's outputs (`Output.all(a.arn, b.arn).apply(lambda x: x[1])` depends
on both); without a known value (a preview of new resources) the property dependencies decide:
one candidate is the target, several are undecided, and the rule, after judging every other
resource (the engine keeps the violations reported before the raise), lets UnknownValueError
through (the engine then runs it at `pulumi up`, when the ARNs are known).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from ._base import (
    BUCKETS,
    LOAD_BALANCERS,
    LOG_GROUP,
    Stack,
    as_json,
    as_list,
    count,
    get,
    is_list,
    is_map,
    is_true,
    known,
    known_items,
    present,
    resource_rule,
    stack_rule,
    walk_strings,
)

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_RULE = "aws:wafv2/webAclRule:WebAclRule"
WEB_ACL_RULE_GROUP_ASSOCIATION = "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation"
RULE_GROUP = "aws:wafv2/ruleGroup:RuleGroup"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
CLASSIC_ASSOCIATION = "aws:wafregional/webAclAssociation:WebAclAssociation"
"""WAF Classic (regional): deprecated, and not what the rules accept (WAFv2 only)."""
FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
MULTITENANT_DISTRIBUTION = "aws:cloudfront/multitenantDistribution:MultitenantDistribution"
"""A multi-tenant distribution (CloudFront's SaaS template): the same controls, other argument
names (`cacheBehaviors`, origins' `id`, `customOriginConfigs`/`vpcOriginConfigs` lists)."""
DISTRIBUTIONS = (DISTRIBUTION, MULTITENANT_DISTRIBUTION)
DISTRIBUTION_TENANT = "aws:cloudfront/distributionTenant:DistributionTenant"
"""A tenant of a multi-tenant distribution: its `customizations.webAcl` may override the
distribution's web ACL or `disable` it."""
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
LOG_DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"

WAF_LOG_PREFIX = "aws-waf-logs-"
"""AWS WAF: a logging destination's name "must" start with it (log group, bucket, Firehose)."""
REDACTED_HEADERS = ("authorization", "cookie")
"""The credentials a WAF log must not keep (issue 13: the component redacts them)."""
VIEWER_HTTPS = ("redirect-to-https", "https-only")
DEPRECATED_ORIGIN_PROTOCOLS = frozenset({"SSLv3", "TLSv1", "TLSv1.1"})
"""CloudFront.10 fails SSLv3 only; groundwork refuses TLS 1.0 and 1.1 too (RFC 8996
deprecated both), leaving TLSv1.2, CloudFront's highest origin protocol."""
RECOMMENDED_VIEWER_POLICIES = frozenset({"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"})
"""CloudFront.15's recommended viewer security policies: TLSv1.2_2021 and the two 2025 policies
added after it (third-party readings of the Security Hub control; the issue asks for at least
TLSv1.2_2021). TLSv1.2_2018/2019 still allow CBC ciphers and are not on it."""


# --------------------------------------------------------------------------------------------
# matching one resource's reference to another
# --------------------------------------------------------------------------------------------


def _keys(resource: PolicyResource, keys: Sequence[str]) -> set[str]:
    return {str(v) for k, v in known_items(resource.props) if k in keys and isinstance(v, str) and v}


def targets(stack: Stack, resource: PolicyResource, prop: str, types: Sequence[str],
            keys: Sequence[str] = ("arn", "id")) -> tuple[list[PolicyResource], list[PolicyResource]]:
    """(definite, undecided) resources of `types` that `resource.props[prop]` names. A known
    value decides by value (`keys` of the candidates); an unknown one (or a known one naming
    nothing in the stack) falls back on the property dependencies whose own keys are unknown:
    one is the target, several are undecided."""
    try:
        value = get(resource.props, prop)
        values = {v for _, v in walk_strings(value)}
        unknown = count(value) > len(as_list(value)) if is_list(value) else False
    except UnknownValueError:
        values, unknown = set(), True
    candidates = stack.of_type(*types)
    by_value = [c for c in candidates if _keys(c, keys) & values]
    if by_value:
        return by_value, []
    deps = [d for d in (resource.property_dependencies or {}).get(prop, []) if d.resource_type in types]
    if values and not unknown:
        deps = [d for d in deps if not _keys(d, keys)]  # a known, different key is not the target
    unique = list({d.urn: d for d in deps}.values())
    return (unique, []) if len(unique) == 1 else ([], unique)


def _undecided(what: str) -> UnknownValueError:
    return UnknownValueError(UNKNOWN_STRING_VALUE, [what])


# --------------------------------------------------------------------------------------------
# WAF.10: every web ACL has a rule
# --------------------------------------------------------------------------------------------


def _json_rules(props: Any, key: str) -> list[Any] | None:
    """The rules of a `ruleJson`/`rulesJson` input (a JSON list), or None when unset; raises
    ValueError when it is set but not a JSON list."""
    raw = get(props, key)
    if raw is None or raw == "":
        return None
    parsed = as_json(raw)
    if not isinstance(parsed, list):
        raise ValueError(f"{key} is not a JSON list of rules")
    return parsed


@stack_rule(
    "waf-web-acl-has-rules",
    control="WAF.10",
    description="Every WAFv2 web ACL has at least one rule or rule group: inline `rules`, a "
                "`ruleJson` list with rules, or a standalone `wafv2.WebAclRule` / "
                "`WebAclRuleGroupAssociation` that names it.",
    fix="give the web ACL its rules (the WebFirewall component adds the AWS managed groups and a "
        "rate rule), or attach them with wafv2.WebAclRule / WebAclRuleGroupAssociation("
        "web_acl_arn=<acl>.arn)",
    types=[WEB_ACL, WEB_ACL_RULE, WEB_ACL_RULE_GROUP_ASSOCIATION],
)
def waf_web_acl_has_rules(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    attached = stack.of_type(WEB_ACL_RULE, WEB_ACL_RULE_GROUP_ASSOCIATION)
    pending: UnknownValueError | None = None
    for acl in stack.of_type(WEB_ACL):
        undecided: UnknownValueError | None = None
        try:
            if count(get(acl.props, "rules")) > 0:
                continue
        except UnknownValueError as exc:
            undecided = exc
        json_problem = ""
        try:
            if _json_rules(acl.props, "ruleJson"):
                continue
        except UnknownValueError as exc:
            undecided = exc
        except ValueError as exc:
            json_problem = f" ({exc})"
        found = [targets(stack, r, "webAclArn", [WEB_ACL]) for r in attached]
        if any(acl in definite for definite, _ in found):
            continue
        if any(acl in possible for _, possible in found):
            undecided = undecided or _undecided("webAclArn")
        if undecided is not None:
            pending = undecided  # the other ACLs are still judged; raised at the end
            continue
        yield acl, ("has no rule or rule group: no `rules`, no rules in `ruleJson`"
                    f"{json_problem}, and no wafv2.WebAclRule or WebAclRuleGroupAssociation names it")
    if pending is not None:
        raise pending


# --------------------------------------------------------------------------------------------
# WAF.12: CloudWatch metrics on every rule
# --------------------------------------------------------------------------------------------


def _metrics_problem(visibility: Any, what: str) -> str | None:
    if not is_map(visibility):
        return f"{what} has no visibilityConfig (CloudWatch metrics are not enabled)"
    value = get(visibility, "cloudwatchMetricsEnabled")
    if not is_true(value):
        return f"{what} has cloudwatchMetricsEnabled {value!r}, not true"
    return None


def _any_case(value: Any, key: str) -> list[Any]:
    """Every value of `key` in a parsed JSON object, in any letter case. The provider decodes
    `ruleJson`/`rulesJson` with Go's encoding/json, which matches field names
    case-insensitively and lets the last duplicate win: `{"CloudWatchMetricsEnabled": true,
    "cloudwatchmetricsenabled": false}` switches the metrics off."""
    if not isinstance(value, dict):
        return []
    return [v for k, v in value.items() if isinstance(k, str) and k.lower() == key.lower()]


def _json_metrics_problem(rule: Any, what: str) -> str | None:
    """`_metrics_problem` for a rule of a *Json input: every spelling of VisibilityConfig and
    of CloudWatchMetricsEnabled in it must say true (any false one may be the one AWS gets)."""
    visibilities = [v for v in _any_case(rule, "VisibilityConfig") if isinstance(v, dict)]
    if not visibilities:
        return f"{what} has no visibilityConfig (CloudWatch metrics are not enabled)"
    values = [v for vis in visibilities for v in _any_case(vis, "CloudWatchMetricsEnabled")]
    for value in values or [None]:
        if value is not True:
            return f"{what} has cloudwatchMetricsEnabled {value!r}, not true"
    return None


def _rule_label(rule: Any, index: int) -> str:
    name = get(rule, "name") if is_map(rule) else None
    name = name if name is not None else (get(rule, "Name") if is_map(rule) else None)
    return f"rule {name!r}" if isinstance(name, str) and name else f"rule #{index + 1}"


@resource_rule(
    "waf-rule-metrics",
    control="WAF.12",
    description="WAFv2 rules send CloudWatch metrics: every rule of a web ACL or rule group "
                "(`rules` and `ruleJson`/`rulesJson`), the ACL's and group's own visibility "
                "config, and standalone `WebAclRule` / `WebAclRuleGroupAssociation` resources "
                "have `visibilityConfig.cloudwatchMetricsEnabled` true.",
    fix="set visibility_config={'cloudwatch_metrics_enabled': True, 'metric_name': <name>, "
        "'sampled_requests_enabled': True} on the web ACL and on every rule",
    types=[WEB_ACL, RULE_GROUP, WEB_ACL_RULE, WEB_ACL_RULE_GROUP_ASSOCIATION],
)
def waf_rule_metrics(props, args, config) -> Iterator[str]:
    if args.resource_type in (WEB_ACL_RULE, WEB_ACL_RULE_GROUP_ASSOCIATION):
        problem = _metrics_problem(get(props, "visibilityConfig"), "the rule")
        if problem:
            yield problem
        return
    kind = "web ACL" if args.resource_type == WEB_ACL else "rule group"
    problem = _metrics_problem(get(props, "visibilityConfig"), f"the {kind} itself")
    if problem:
        yield problem
    for i, rule in enumerate(as_list(get(props, "rules"))):
        problem = _metrics_problem(get(rule, "visibilityConfig"), _rule_label(rule, i))
        if problem:
            yield problem
    key = "ruleJson" if args.resource_type == WEB_ACL else "rulesJson"
    try:
        json_rules = _json_rules(props, key) or []
    except ValueError as exc:
        yield f"{exc}: its rules' metrics can't be checked"
        return
    for i, rule in enumerate(json_rules):
        problem = _json_metrics_problem(rule, f"{key} {_rule_label(rule, i)}")
        if problem:
            yield problem


# --------------------------------------------------------------------------------------------
# WAF.11: logging to an aws-waf-logs- destination; the log redacts credentials
# --------------------------------------------------------------------------------------------


def _destination_name(arn: str) -> str | None:
    """The log group, bucket or Firehose stream name an ARN names, or None."""
    if ":log-group:" in arn:
        name = arn.split(":log-group:", 1)[1]
        return name[:-2] if name.endswith(":*") else name
    if arn.startswith("arn:") and ":s3:::" in arn:
        return arn.split(":::", 1)[1].split("/", 1)[0]
    if ":deliverystream/" in arn:
        return arn.split(":deliverystream/", 1)[1]
    return None


_DESTINATIONS = (LOG_GROUP, *BUCKETS, FIREHOSE)


def _destination_names(resource: PolicyResource) -> list[str]:
    """A destination resource's known name or name prefix (empty when unknown)."""
    return [str(v) for k, v in known_items(resource.props)
            if k in ("name", "namePrefix", "bucket", "bucketPrefix") and isinstance(v, str) and v]


def _destination_problems(stack: Stack, logging: PolicyResource) -> Iterator[str]:
    raw = get(logging.props, "logDestinationConfigs")
    destinations = as_list(raw)
    if count(raw) == 0:
        yield "logs to no destination (logDestinationConfigs is empty)"
        return
    if len(destinations) < count(raw) or any(d == UNKNOWN_STRING_VALUE for d in destinations):
        deps = [d for d in (logging.property_dependencies or {}).get("logDestinationConfigs", [])
                if d.resource_type in _DESTINATIONS]
        names = [n for d in deps for n in _destination_names(d)]
        if not names:
            raise _undecided("logDestinationConfigs")
        for name in names:
            if not name.startswith(WAF_LOG_PREFIX):
                yield f"logs to {name!r}, whose name does not start with {WAF_LOG_PREFIX}"
        return
    for dest in destinations:
        found = _destination_name(str(dest))
        if found is None:
            yield f"logs to {dest!r}, which is not a log group, S3 bucket or Firehose stream ARN"
        elif not found.startswith(WAF_LOG_PREFIX):
            yield f"logs to {found!r}, whose name does not start with {WAF_LOG_PREFIX}"


def _filter_problem(logging: PolicyResource) -> str | None:
    """A logging filter that keeps nothing: DROP by default and no filter that KEEPs (a
    filter keeping only blocked requests is a choice, and passes)."""
    log_filter = known(logging.props, "loggingFilter")
    if not is_map(log_filter) or str(known(log_filter, "defaultBehavior") or "").upper() != "DROP":
        return None
    keeps = [f for f in as_list(known(log_filter, "filters"))
             if is_map(f) and str(known(f, "behavior") or "").upper() == "KEEP"]
    if keeps:
        return None
    return ("logs no request: its loggingFilter drops by default and no filter has behavior KEEP")


@stack_rule(
    "waf-logging",
    control="WAF.11",
    description="Every WAFv2 web ACL has a `WebAclLoggingConfiguration` whose destination (a log "
                "group, S3 bucket or Firehose stream) is named `aws-waf-logs-...`, as AWS "
                "requires, and whose `logging_filter` (if any) keeps some requests.",
    fix="add wafv2.WebAclLoggingConfiguration(resource_arn=<acl>.arn, log_destination_configs="
        "[<log group named aws-waf-logs-...>.arn]) (the WebFirewall component does)",
    types=[WEB_ACL, WEB_ACL_LOGGING, *_DESTINATIONS],
)
def waf_logging(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    configs = [(c, targets(stack, c, "resourceArn", [WEB_ACL])) for c in stack.of_type(WEB_ACL_LOGGING)]
    pending: UnknownValueError | None = None
    for acl in stack.of_type(WEB_ACL):
        mine = [c for c, (definite, _) in configs if acl in definite]
        if not mine:
            if any(acl in possible for _, (_, possible) in configs):
                pending = _undecided("resourceArn")
                continue
            yield acl, "has no WebAclLoggingConfiguration: its requests are not logged"
            continue
        for logging in mine:
            try:
                problems = list(_destination_problems(stack, logging))
            except UnknownValueError as exc:
                pending, problems = exc, []
            for problem in problems:
                yield acl, f"logging configuration '{logging.name}' {problem}"
            dropped = _filter_problem(logging)
            if dropped:
                yield acl, f"logging configuration '{logging.name}' {dropped}"
    if pending is not None:
        raise pending


@resource_rule(
    "waf-logs-redact-credentials",
    control="WAF log redaction",
    description="WAFv2 logging configurations redact the `authorization` and `cookie` headers "
                "(`redacted_fields` single_header), so the logs hold no credentials or sessions.",
    fix="set redacted_fields=[{'single_header': {'name': 'authorization'}}, {'single_header': "
        "{'name': 'cookie'}}] (WebFirewallSettings.redacted_headers)",
    types=[WEB_ACL_LOGGING],
)
def waf_logs_redact_credentials(props, args, config) -> Iterator[str]:
    redacted = set()
    for field in as_list(get(props, "redactedFields")):
        name = get(field, "singleHeader", "name") if is_map(field) else None
        if isinstance(name, str):
            redacted.add(name.strip().lower())
    missing = [h for h in REDACTED_HEADERS if h not in redacted]
    if missing:
        yield f"does not redact the {' and '.join(missing)} header(s): the WAF logs keep them"


# --------------------------------------------------------------------------------------------
# ELB.16 / CKV2_AWS_28: an internet-facing ALB has a WAFv2 web ACL
# --------------------------------------------------------------------------------------------


def _internet_facing_alb(lb: PolicyResource) -> bool | None:
    """True for an internet-facing application load balancer, False for an internal one or
    another type, None when `internal` or the type is unknown (a preview)."""
    try:
        kind = get(lb.props, "loadBalancerType", default="application")
    except UnknownValueError:
        kind = None
    if kind is not None and kind != "application":
        return False
    try:
        internal = get(lb.props, "internal")
    except UnknownValueError:
        return None
    if is_true(internal):
        return False
    return True if kind is not None else None


def _association_problem(stack: Stack, association: PolicyResource) -> str | None:
    """Why the association attaches no usable web ACL, or None."""
    if not present(association.props, "webAclArn"):
        return f"its association '{association.name}' has an empty webAclArn"
    acl = known(association.props, "webAclArn")
    if isinstance(acl, str) and (not acl.startswith("arn:") or ":wafv2:" not in acl):
        return f"its association '{association.name}' names {acl!r}, not a WAFv2 web ACL ARN"
    if isinstance(acl, str) and ":global/webacl/" in acl:
        return (f"its association '{association.name}' names {acl!r}, a CLOUDFRONT-scope "
                "(global/) web ACL, which AWS associates with CloudFront only")
    definite, _ = targets(stack, association, "webAclArn", [WEB_ACL])
    for web_acl in definite:
        scope = known(web_acl.props, "scope")
        if isinstance(scope, str) and scope.upper() != "REGIONAL":
            return (f"its association '{association.name}' names web ACL '{web_acl.name}' of scope "
                    f"{scope}, which AWS associates with CloudFront only")
    return None


@stack_rule(
    "elb-web-acl-associated",
    control="ELB.16/CKV2_AWS_28",
    description="Every internet-facing application load balancer (`internal` false or unset) "
                "is the `resourceArn` of a `wafv2.WebAclAssociation` with a REGIONAL web ACL "
                "(Checkov CKV2_AWS_28); a WAF Classic association does not count, and the load "
                "balancer does not fail open (`enableWafFailOpen`). Internal load balancers (the "
                "CloudFront VPC origin) are exempt: the distribution carries the web ACL "
                "(CloudFront.6).",
    fix="set edge.waf.enabled: true (the WebFirewall component associates its REGIONAL web ACL "
        "with the ALB), or pass load_balancer waf_acl_arn=<a REGIONAL wafv2.WebAcl ARN>",
    types=[*LOAD_BALANCERS, WEB_ACL_ASSOCIATION, WEB_ACL],
)
def elb_web_acl_associated(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    associations = [(a, targets(stack, a, "resourceArn", LOAD_BALANCERS))
                    for a in stack.of_type(WEB_ACL_ASSOCIATION)]
    classic = [lb for a in stack.of_type(CLASSIC_ASSOCIATION)
               for found in targets(stack, a, "resourceArn", LOAD_BALANCERS) for lb in found]
    pending: UnknownValueError | None = None  # raised after every load balancer is judged
    for lb in stack.of_type(*LOAD_BALANCERS):
        facing = _internet_facing_alb(lb)
        if facing is False:
            continue
        mine = [a for a, (definite, _) in associations if lb in definite]
        problems = [_association_problem(stack, a) for a in mine]
        covered = bool(mine) and any(p is None for p in problems)
        try:
            fails_open = is_true(get(lb.props, "enableWafFailOpen"))
        except UnknownValueError as exc:
            pending, fails_open = exc, False
        if facing is None:  # internal or not: only a usable web ACL (not failing open) passes
            if not (covered and fails_open is False):
                pending = _undecided("internal")
            continue
        if fails_open:
            yield lb, ("fails open (enableWafFailOpen true): requests reach the targets unfiltered "
                       "whenever the load balancer can't reach AWS WAF")
        if covered:
            continue
        if not mine and any(lb in possible for _, (_, possible) in associations):
            pending = _undecided("resourceArn")
            continue
        if problems:
            yield lb, f"is internet-facing and {'; '.join(p for p in problems if p)}"
            continue
        old = (" (a WAF Classic wafregional association doesn't count: WAF Classic is deprecated)"
               if lb in classic else "")
        yield lb, f"is internet-facing and no wafv2.WebAclAssociation attaches a web ACL to it{old}"
    if pending is not None:
        raise pending


# --------------------------------------------------------------------------------------------
# CloudFront
# --------------------------------------------------------------------------------------------


def _behaviours(props: Any) -> list[tuple[str, Any]]:
    """(label, behaviour) for the default cache behaviour and every ordered one."""
    out = [("the default cache behaviour", get(props, "defaultCacheBehavior"))]
    ordered = [*as_list(get(props, "orderedCacheBehaviors")),  # a Distribution's
               *as_list(get(props, "cacheBehaviors"))]  # a MultitenantDistribution's
    for i, behaviour in enumerate(ordered):
        pattern = get(behaviour, "pathPattern") if is_map(behaviour) else None
        label = f"cache behaviour {pattern!r}" if pattern else f"ordered cache behaviour #{i + 1}"
        out.append((label, behaviour))
    return out


def _viewer_policy(behaviour: Any) -> Any:
    return get(behaviour, "viewerProtocolPolicy") if is_map(behaviour) else None


@resource_rule(
    "cloudfront-viewer-https",
    control="CloudFront.3",
    description="CloudFront distributions require HTTPS from viewers: the default cache behaviour "
                "and every ordered one have viewerProtocolPolicy redirect-to-https or https-only.",
    fix="set viewer_protocol_policy='redirect-to-https' on default_cache_behavior and every "
        "ordered_cache_behaviors entry",
    types=[*DISTRIBUTIONS],
)
def cloudfront_viewer_https(props, args, config) -> Iterator[str]:
    for label, behaviour in _behaviours(props):
        policy = _viewer_policy(behaviour)
        if policy not in VIEWER_HTTPS:
            shown = "no viewerProtocolPolicy" if policy is None else f"viewerProtocolPolicy {policy!r}"
            yield f"{label} has {shown}: viewers may use plain HTTP"


def _legacy_logging(distribution: PolicyResource) -> bool:
    return present(get(distribution.props, "loggingConfig", default={}), "bucket")


@stack_rule(
    "cloudfront-logging",
    control="CloudFront.5",
    description="CloudFront distributions log their requests: legacy standard logging "
                "(`logging_config.bucket`), or standard logging v2: a "
                "`cloudwatch.LogDeliverySource` of log type ACCESS_LOGS for the distribution "
                "with a `cloudwatch.LogDelivery` from that source to a destination.",
    fix="add cloudwatch.LogDeliverySource(log_type='ACCESS_LOGS', resource_arn=<distribution>.arn) "
        "and cloudwatch.LogDelivery(delivery_source_name=<source>.name, delivery_destination_arn="
        "<destination>.arn) (the CloudFrontDistribution component does), or set logging_config",
    types=[*DISTRIBUTIONS, LOG_DELIVERY_SOURCE, LOG_DELIVERY],
)
def cloudfront_logging(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    sources = [(s, targets(stack, s, "resourceArn", DISTRIBUTIONS))
               for s in stack.of_type(LOG_DELIVERY_SOURCE)]
    deliveries = [(d, targets(stack, d, "deliverySourceName", [LOG_DELIVERY_SOURCE], keys=("name",)))
                  for d in stack.of_type(LOG_DELIVERY)]
    pending: UnknownValueError | None = None
    for distribution in stack.of_type(*DISTRIBUTIONS):
        if _legacy_logging(distribution):
            continue
        mine = [s for s, (definite, _) in sources if distribution in definite]
        access = [s for s in mine if str(get(s.props, "logType", default="")).upper() == "ACCESS_LOGS"]
        delivered = [s for s in access
                     if any(s in definite and present(d.props, "deliveryDestinationArn")
                            for d, (definite, _) in deliveries)]
        if delivered:
            continue
        if not mine and any(distribution in possible for _, (_, possible) in sources):
            pending = _undecided("resourceArn")
            continue
        if any(s in possible for s in access for _, (_, possible) in deliveries):
            pending = _undecided("deliverySourceName")
            continue
        if access:
            yield distribution, (f"has a log delivery source ('{access[0].name}') but no "
                                 "cloudwatch.LogDelivery sends it to a destination")
        elif mine:
            kinds = ", ".join(sorted({str(get(s.props, "logType", default="?")) for s in mine}))
            yield distribution, f"has log delivery sources of type {kinds}, not ACCESS_LOGS"
        else:
            yield distribution, ("has no access logging: no logging_config bucket and no "
                                 "ACCESS_LOGS log delivery source")
    if pending is not None:
        raise pending


@resource_rule(
    "cloudfront-waf",
    control="CloudFront.6",
    description="CloudFront distributions (also multi-tenant ones) have a WAFv2 web ACL "
                "(`web_acl_id`, the ARN of a CLOUDFRONT-scope, global/ web ACL; a WAF Classic id "
                "or ARN and a REGIONAL web ACL are not accepted), and no distribution tenant "
                "disables it or overrides it with such an ACL.",
    fix="set web_acl_id=<a CLOUDFRONT-scope wafv2.WebAcl in us-east-1>.arn (the "
        "CloudFrontDistribution component's web_acl_arn); on a distribution tenant drop "
        "customizations.web_acl or override it with such an ACL",
    types=[*DISTRIBUTIONS, DISTRIBUTION_TENANT],
)
def cloudfront_waf(props, args, config) -> Iterator[str]:
    if args.resource_type == DISTRIBUTION_TENANT:
        web_acl = get(props, "customizations", "webAcl")
        action = str(get(web_acl, "action") or "").lower() if is_map(web_acl) else ""
        if action == "disable":
            yield ("disables its distribution's web ACL (customizations.webAcl.action disable): "
                   "the tenant's domains are served unfiltered")
        elif action == "override":
            if not present(web_acl, "arn"):
                yield "overrides its distribution's web ACL with none (customizations.webAcl.arn unset)"
            else:
                problem = _cloudfront_acl_problem(known(web_acl, "arn"))
                if problem:
                    yield f"overrides its distribution's web ACL: {problem}"
        return
    if not present(props, "webAclId"):
        yield "has no web ACL (webAclId unset)"
        return
    problem = _cloudfront_acl_problem(known(props, "webAclId"))
    if problem:
        yield problem


def _cloudfront_acl_problem(value: Any) -> str | None:
    """Why a known web ACL reference can't protect a distribution, or None (unknown: the
    value is computed, judged when known)."""
    if not isinstance(value, str):
        return None
    if not value.startswith("arn:"):
        return f"names web ACL {value!r}, a WAF Classic id rather than a WAFv2 web ACL ARN"
    if ":wafv2:" not in value:
        return f"names {value!r}, not a WAFv2 web ACL ARN (a WAF Classic ARN?)"
    if ":regional/webacl/" in value:
        return (f"names {value!r}, a REGIONAL web ACL: CloudFront takes only a CLOUDFRONT-scope "
                "(global/) web ACL in us-east-1, and AWS refuses this one at deploy")
    if ":global/webacl/" not in value:
        return f"names {value!r}, which is not a WAFv2 web ACL ARN"
    return None


def _viewer_certificate(props: Any) -> Any:
    cert = get(props, "viewerCertificate", default={})
    return cert if is_map(cert) else {}


def _custom_certificate(cert: Any) -> bool:
    return present(cert, "acmCertificateArn") or present(cert, "iamCertificateId")


@resource_rule(
    "cloudfront-custom-certificate",
    control="CloudFront.7",
    description="CloudFront distributions serve viewers a custom certificate (an ACM certificate "
                "in us-east-1 or an IAM one), not the default *.cloudfront.net certificate.",
    fix="set viewer_certificate={'acm_certificate_arn': <us-east-1 ACM certificate>.arn, "
        "'ssl_support_method': 'sni-only', 'minimum_protocol_version': 'TLSv1.2_2021'}",
    types=[*DISTRIBUTIONS],
)
def cloudfront_custom_certificate(props, args, config) -> Iterator[str]:
    cert = _viewer_certificate(props)
    if is_true(get(cert, "cloudfrontDefaultCertificate")):
        yield "uses the default CloudFront certificate (cloudfrontDefaultCertificate true)"
    elif not _custom_certificate(cert):
        yield "has no custom certificate (no acmCertificateArn or iamCertificateId)"


@resource_rule(
    "cloudfront-sni",
    control="CloudFront.8",
    description="CloudFront distributions with a custom certificate serve HTTPS with SNI "
                "(ssl_support_method sni-only), not dedicated IPs (vip, static-ip).",
    fix="set viewer_certificate.ssl_support_method='sni-only'",
    types=[*DISTRIBUTIONS],
)
def cloudfront_sni(props, args, config) -> Iterator[str]:
    cert = _viewer_certificate(props)
    if not _custom_certificate(cert):
        return  # the default certificate: CloudFront.7 reports it
    method = get(cert, "sslSupportMethod")
    if method != "sni-only":
        yield f"serves its certificate with ssl_support_method {method!r}, not sni-only"


@resource_rule(
    "cloudfront-tls-policy",
    control="CloudFront.15",
    description="CloudFront distributions use a recommended viewer security policy "
                "(minimum_protocol_version TLSv1.2_2021, TLSv1.2_2025 or TLSv1.3_2025); unset is "
                "CloudFront's TLSv1, and the default certificate allows only TLSv1.",
    fix="set viewer_certificate.minimum_protocol_version='TLSv1.2_2021' (with a custom "
        "certificate: the default one can't)",
    types=[*DISTRIBUTIONS],
)
def cloudfront_tls_policy(props, args, config) -> Iterator[str]:
    version = get(_viewer_certificate(props), "minimumProtocolVersion")
    if version not in RECOMMENDED_VIEWER_POLICIES:
        shown = "unset (CloudFront's TLSv1)" if version is None else repr(version)
        yield (f"has minimum viewer protocol version {shown}, not one of "
               f"{', '.join(sorted(RECOMMENDED_VIEWER_POLICIES))}")


def _origins(props: Any) -> list[tuple[str, Any]]:
    out = []
    for i, origin in enumerate(as_list(get(props, "origins"))):
        oid = (get(origin, "originId") or get(origin, "id")) if is_map(origin) else None
        out.append((f"origin {oid!r}" if oid else f"origin #{i + 1}", origin))
    return out


def _custom_configs(origin: Any) -> list[Any]:
    """An origin's custom origin config(s): a Distribution's `customOriginConfig` block, a
    MultitenantDistribution's `customOriginConfigs` list."""
    if not is_map(origin):
        return []
    found = [get(origin, "customOriginConfig"), *as_list(get(origin, "customOriginConfigs"))]
    return [c for c in found if is_map(c)]


def _vpc_endpoint(props: Any) -> Any:
    config = get(props, "vpcOriginEndpointConfig", default={})
    return config if is_map(config) else {}


@resource_rule(
    "cloudfront-origin-https",
    control="CloudFront.9",
    description="CloudFront reaches custom origins over HTTPS: origin_protocol_policy https-only, "
                "or match-viewer only when no cache behaviour allows plain-HTTP viewers "
                "(Security Hub's reading); a VPC origin's endpoint config is https-only.",
    fix="set custom_origin_config.origin_protocol_policy='https-only' (for a VPC origin: "
        "vpc_origin_endpoint_config.origin_protocol_policy='https-only')",
    types=[*DISTRIBUTIONS, VPC_ORIGIN],
)
def cloudfront_origin_https(props, args, config) -> Iterator[str]:
    if args.resource_type == VPC_ORIGIN:
        policy = get(_vpc_endpoint(props), "originProtocolPolicy")
        if policy != "https-only":
            yield f"reaches its VPC origin with origin_protocol_policy {policy!r}, not https-only"
        return
    plain_viewers = [label for label, b in _behaviours(props) if _viewer_policy(b) not in VIEWER_HTTPS]
    for label, origin in _origins(props):
        for custom in _custom_configs(origin):  # none: an S3 or VPC origin
            yield from _origin_policy_problems(label, custom, plain_viewers)


def _origin_policy_problems(label: str, custom: Any, plain_viewers: list[str]) -> Iterator[str]:
    policy = get(custom, "originProtocolPolicy")
    if policy == "https-only":
        return
    if policy == "match-viewer":
        if plain_viewers:
            yield (f"{label} matches the viewer's protocol while {plain_viewers[0]} lets viewers "
                   "use plain HTTP")
        return
    yield f"{label} has origin_protocol_policy {policy!r}: CloudFront may reach it over plain HTTP"


def _protocols(value: Any) -> list[str]:
    if is_map(value):
        value = get(value, "items")
    return [str(p) for p in as_list(value)]


@resource_rule(
    "cloudfront-origin-tls",
    control="CloudFront.10",
    description="CloudFront offers custom and VPC origins no deprecated protocol: "
                "origin_ssl_protocols holds no SSLv3, TLSv1 or TLSv1.1 (Security Hub fails SSLv3 "
                "only; groundwork keeps TLSv1.2 alone), and is not empty.",
    fix="set origin_ssl_protocols=['TLSv1.2'] (a VPC origin: {'items': ['TLSv1.2'], 'quantity': 1})",
    types=[*DISTRIBUTIONS, VPC_ORIGIN],
)
def cloudfront_origin_tls(props, args, config) -> Iterator[str]:
    if args.resource_type == VPC_ORIGIN:
        found = [("its VPC origin", get(_vpc_endpoint(props), "originSslProtocols"))]
    else:
        found = [(label, get(custom, "originSslProtocols"))
                 for label, origin in _origins(props) for custom in _custom_configs(origin)]
    for label, value in found:
        protocols = _protocols(value)
        old = sorted(set(protocols) & DEPRECATED_ORIGIN_PROTOCOLS)
        if old:
            yield f"{label} allows deprecated origin protocols {', '.join(old)}"
        elif not protocols:
            yield f"{label} names no origin SSL protocol"


_S3_DOMAIN = re.compile(r"\.s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$")


def _s3_origin(origin: Any) -> bool:
    """An S3 REST origin: an s3_origin_config, or a bucket domain without a custom origin
    config (an S3 website endpoint is a custom origin)."""
    if not is_map(origin):
        return False
    if is_map(get(origin, "s3OriginConfig")):
        return True
    domain = known(origin, "domainName")
    return (isinstance(domain, str) and bool(_S3_DOMAIN.search(domain.lower().rstrip(".")))
            and "s3-website" not in domain.lower() and not _custom_configs(origin))


@resource_rule(
    "cloudfront-s3-origin-access-control",
    control="CloudFront.13",
    description="CloudFront reaches S3 origins through an origin access control "
                "(origin_access_control_id), not a legacy origin access identity or an open "
                "bucket; distributions without S3 origins pass.",
    fix="create a cloudfront.OriginAccessControl(origin_access_control_origin_type='s3', "
        "signing_behavior='always', signing_protocol='sigv4') and set origin_access_control_id "
        "on the S3 origin",
    types=[*DISTRIBUTIONS],
)
def cloudfront_s3_origin_access_control(props, args, config) -> Iterator[str]:
    for label, origin in _origins(props):
        if not _s3_origin(origin) or present(origin, "originAccessControlId"):
            continue
        oai = get(origin, "s3OriginConfig", "originAccessIdentity")
        how = "a legacy origin access identity" if oai else "no origin access control"
        yield f"{label} is an S3 origin reached with {how}"


@resource_rule(
    "cloudfront-default-root-object",
    control="CloudFront.1",
    description="CloudFront distributions with an S3 origin set a default root object, so a "
                "request for `/` doesn't list or expose the bucket; distributions with custom "
                "origins only (the ALB) pass, as in Security Hub.",
    fix="set default_root_object='index.html' on a distribution that serves an S3 origin",
    types=[*DISTRIBUTIONS],
)
def cloudfront_default_root_object(props, args, config) -> Iterator[str]:
    s3 = [label for label, origin in _origins(props) if _s3_origin(origin)]
    if s3 and not present(props, "defaultRootObject"):
        yield f"serves the S3 {s3[0]} with no default root object"
