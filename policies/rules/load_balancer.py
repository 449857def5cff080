"""Load balancer rules (FSBP ELB.*): HTTPS only, headers, logs, protection, AZs, TLS policy."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource

from ._base import (
    LISTENERS,
    LOAD_BALANCERS,
    SUBNET,
    Stack,
    as_list,
    count,
    get,
    is_true,
    known,
    number,
    present,
    resource_rule,
    stack_rule,
)

MODERN_TLS_PREFIX = "ELBSecurityPolicy-TLS13-"
DESYNC_MODES = ("defensive", "strictest")


def _is_alb(props) -> bool:
    return get(props, "loadBalancerType", default="application") == "application"


def _protocol(listener: PolicyResource) -> str:
    """A listener's protocol (an ALB listener without one is HTTP)."""
    return str(get(listener.props, "protocol", default="HTTP")).upper()


def _redirects_to_https(listener: PolicyResource) -> bool:
    """Exactly one default action: a permanent (301) redirect to HTTPS on 443."""
    actions = as_list(get(listener.props, "defaultActions"))
    if len(actions) != 1 or get(actions[0], "type") != "redirect":
        return False
    redirect = get(actions[0], "redirect", default={})
    port = get(redirect, "port")
    return (get(redirect, "protocol") == "HTTPS" and get(redirect, "statusCode") == "HTTP_301"
            and (port is None or number(port) == 443))


def _plain_http_listeners(stack: Stack) -> Iterator[tuple[PolicyResource, bool]]:
    """HTTP listeners that don't redirect, each with: does its load balancer also listen on
    HTTPS? (no HTTPS at all is the dev-only `http_only` mode)."""
    groups: dict[str, list[PolicyResource]] = {}
    for listener in stack.of_type(*LISTENERS):
        lbs = stack.referenced(listener, "loadBalancerArn", LOAD_BALANCERS)
        key = lbs[0].urn if lbs else str(get(listener.props, "loadBalancerArn"))
        groups.setdefault(key, []).append(listener)
    for listeners in groups.values():
        has_https = any(_protocol(x) == "HTTPS" for x in listeners)
        for listener in listeners:
            if _protocol(listener) == "HTTP" and not _redirects_to_https(listener):
                yield listener, has_https


@stack_rule(
    "elb-http-redirects-to-https",
    control="ELB.1",
    description="An HTTP listener only redirects to HTTPS (301); it never forwards.",
    fix="give the port-80 listener a single default action "
        "{type: redirect, redirect: {protocol: HTTPS, port: '443', status_code: HTTP_301}}",
    types=list(LISTENERS),
)
def elb_http_redirects_to_https(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for listener, has_https in _plain_http_listeners(stack):
        if has_https:
            yield listener, "serves plain HTTP (forwards or answers) instead of redirecting to HTTPS"


@stack_rule(
    "elb-http-only-listener",
    control="ELB.1 (dev http_only)",
    description="A load balancer serves plain HTTP with no HTTPS listener at all "
                "(the dev-only `load_balancer.http_only` escape).",
    fix="set load_balancer.certificate (an ACM ARN, or domain + zone_id) and drop http_only",
    types=list(LISTENERS),
)
def elb_http_only_listener(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for listener, has_https in _plain_http_listeners(stack):
        if not has_https:
            yield listener, "serves plain HTTP and its load balancer has no HTTPS listener"


@resource_rule(
    "elb-drop-invalid-headers",
    control="ELB.4",
    description="Application load balancers drop invalid HTTP header fields.",
    fix="set drop_invalid_header_fields=True",
    types=LOAD_BALANCERS,
)
def elb_drop_invalid_headers(props, args, config) -> Iterator[str]:
    if _is_alb(props) and not is_true(get(props, "dropInvalidHeaderFields")):
        yield "keeps invalid header fields (dropInvalidHeaderFields not true)"


@resource_rule(
    "elb-access-logs",
    control="ELB.5",
    description="Load balancers write access logs to S3.",
    fix="set access_logs={'bucket': <SSE-S3 bucket>, 'enabled': True} (the bucket policy must "
        "let ELB log delivery write, and the load balancer depend on it)",
    types=LOAD_BALANCERS,
)
def elb_access_logs(props, args, config) -> Iterator[str]:
    logs = get(props, "accessLogs", default={})
    if not is_true(get(logs, "enabled")) or not present(logs, "bucket"):
        yield "has no access logs enabled"


@resource_rule(
    "elb-deletion-protection",
    control="ELB.6",
    description="Load balancers have deletion protection (prod).",
    fix="set enable_deletion_protection=True (load_balancer.deletion_protection)",
    types=LOAD_BALANCERS,
)
def elb_deletion_protection(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "enableDeletionProtection")):
        yield "has no deletion protection"


@resource_rule(
    "elb-desync-mitigation",
    control="ELB.12",
    description="Application load balancers set desync mitigation to defensive or strictest.",
    fix="set desync_mitigation_mode='defensive' (or 'strictest')",
    types=LOAD_BALANCERS,
)
def elb_desync_mitigation(props, args, config) -> Iterator[str]:
    mode = get(props, "desyncMitigationMode")
    if _is_alb(props) and mode not in DESYNC_MODES:
        yield f"desync mitigation mode is {mode or 'not set'}"


@stack_rule(
    "elb-multi-az",
    control="ELB.13",
    description="Load balancers span at least two availability zones.",
    fix="pass subnets from at least two AZs (the public tier's subnet ids)",
    types=[*LOAD_BALANCERS, SUBNET],
)
def elb_multi_az(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for lb in stack.of_type(*LOAD_BALANCERS):
        subnets = stack.referenced(lb, "subnets", [SUBNET])
        ids = count(get(lb.props, "subnets")) + count(get(lb.props, "subnetMappings"))
        azs = {known(s.props, "availabilityZone") for s in subnets} - {None}
        if azs and len(subnets) >= ids:
            if len(azs) < 2:
                yield lb, f"spans one AZ ({', '.join(sorted(azs))})"
        elif ids < 2:
            yield lb, f"has {ids} subnet(s); it needs two AZs"


@resource_rule(
    "elb-tls-policy",
    control="ELB.17",
    description="HTTPS/TLS listeners use a TLS 1.3 security policy.",
    fix="set ssl_policy='ELBSecurityPolicy-TLS13-1-2-2021-06' (or another TLS13 policy)",
    types=LISTENERS,
)
def elb_tls_policy(props, args, config) -> Iterator[str]:
    protocol = str(get(props, "protocol", default="HTTP")).upper()
    policy = get(props, "sslPolicy")
    if protocol in ("HTTPS", "TLS") and not str(policy or "").startswith(MODERN_TLS_PREFIX):
        yield f"uses TLS policy {policy or '(default, allows TLS 1.0/1.1)'}"
