"""Load balancer rules (FSBP ELB.*): HTTPS only, headers, logs, protection, AZs, TLS policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from ._base import (
    LISTENER_RULES,
    LISTENERS,
    LOAD_BALANCERS,
    SUBNET,
    WORLD_CIDRS,
    Stack,
    as_list,
    count,
    get,
    is_false,
    is_list,
    is_true,
    known,
    number,
    present,
    resource_rule,
    stack_rule,
    walk_strings,
)

ELB17_POLICIES = frozenset({
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
})
"""Security Hub ELB.17's `sslPolicies` parameter, "not customizable": the AWS Security Hub User
Guide, "Security Hub CSPM controls for Elastic Load Balancing", [ELB.17] (the revision that adds
the 2025-09 post-quantum policies). Exact names only: ELBSecurityPolicy-TLS13-1-0/1-1 still
negotiate TLS 1.0/1.1, and TLS13-1-2-2021-06, -Ext1, -Ext2 and -FIPS-2023-04 (TLS 1.2 with
non-restricted ciphers) are not on the list. See docs/policies.md ("ELB.17")."""
AWS_DEFAULT_TLS_POLICY = "ELBSecurityPolicy-2016-08"
"""What AWS uses for an HTTPS/TLS listener created without a policy outside the console (API,
CloudFormation, Terraform and so Pulumi): TLS 1.0-1.2."""
DESYNC_MODES = ("defensive", "strictest")
CLASSIC_LOAD_BALANCERS = ("aws:elb/loadBalancer:LoadBalancer",
                          "aws:elasticloadbalancing/loadBalancer:LoadBalancer")
"""Classic load balancers (the second name is the provider's old alias): ELB.5 covers them too."""


def _is_alb(props) -> bool:
    return get(props, "loadBalancerType", default="application") == "application"


def _protocol(listener: PolicyResource) -> str:
    """A listener's protocol (an ALB listener without one is HTTP)."""
    return str(get(listener.props, "protocol", default="HTTP")).upper()


def _action_problem(actions: list, listener_port: float | None, https_ports: set[float]) -> str | None:
    """Why a list of actions on a plain-HTTP listener or rule doesn't only redirect to HTTPS, or
    None: it must be exactly one redirect with protocol HTTPS to a port the load balancer serves
    HTTPS on (443 when it is not known). An unset redirect protocol or port is AWS's
    `#{protocol}` / `#{port}`: the request's own, plain HTTP on its own port."""
    kinds = [str(get(a, "type", default="?")) for a in actions]
    if not actions:
        return "has no action"
    doing = []
    for kind in kinds:
        if kind == "forward":
            doing.append("forwards plain HTTP")
        elif kind == "fixed-response":
            doing.append("answers plain HTTP with a fixed-response")
        elif kind != "redirect":
            doing.append(f"runs a {kind} action over plain HTTP")
    if len(actions) > 1:
        return (f"has {len(actions)} actions ({', '.join(kinds)}); it {' and '.join(doing) or 'chains them'} "
                "where only a single redirect to HTTPS is allowed")
    if doing:
        return doing[0]
    redirect = get(actions[0], "redirect", default={})
    protocol = str(get(redirect, "protocol", default="#{protocol}"))
    raw_port = get(redirect, "port", default="#{port}")
    port = listener_port if str(raw_port) == "#{port}" else number(raw_port)
    if protocol != "HTTPS":
        shown = "HTTP (the request's own protocol)" if protocol == "#{protocol}" else protocol
        return f"redirects to {shown} port {raw_port}, not HTTPS"
    if port is None or not (port in https_ports or port == 443):
        return f"redirects to HTTPS on port {raw_port}, where the load balancer serves no HTTPS"
    if get(redirect, "statusCode") != "HTTP_301":
        return f"redirects with {get(redirect, 'statusCode') or 'no status code'}, not a permanent HTTP_301"
    return None


def _plain_http(stack: Stack) -> Iterator[tuple[PolicyResource, str, bool]]:
    """What serves plain HTTP instead of redirecting it to HTTPS: HTTP listeners' default
    actions and the listener rules attached to them, each as (the resource, the problem,
    does its load balancer also listen on HTTPS?) (no HTTPS at all is the dev-only
    `http_only` mode)."""
    groups: dict[str, list[PolicyResource]] = {}
    for listener in stack.of_type(*LISTENERS):
        lbs = stack.referenced(listener, "loadBalancerArn", LOAD_BALANCERS)
        key = lbs[0].urn if lbs else str(get(listener.props, "loadBalancerArn"))
        groups.setdefault(key, []).append(listener)
    for listeners in groups.values():
        https = [x for x in listeners if _protocol(x) == "HTTPS"]
        has_https = bool(https)
        https_ports = {p for p in (number(get(x.props, "port")) for x in https) if p is not None}
        for listener in listeners:
            if _protocol(listener) != "HTTP":
                continue
            port = number(get(listener.props, "port"))
            problem = _action_problem(as_list(get(listener.props, "defaultActions")), port, https_ports)
            if problem:
                yield listener, f"{problem} instead of redirecting to HTTPS", has_https
            for rule in stack.referring(listener, LISTENER_RULES, "listenerArn"):
                problem = _action_problem(as_list(get(rule.props, "actions")), port, https_ports)
                if problem:
                    priority = get(rule.props, "priority")
                    at = f" (priority {int(number(priority) or 0)})" if priority is not None else ""
                    yield rule, (f"is a rule{at} on the plain-HTTP listener '{listener.name}' that "
                                 f"{problem} instead of redirecting to HTTPS"), has_https


@stack_rule(
    "elb-http-redirects-to-https",
    control="ELB.1",
    description="An HTTP listener only redirects to HTTPS (301), by its default action and by "
                "every listener rule on it; nothing forwards or answers plain HTTP.",
    fix="give the port-80 listener a single default action "
        "{type: redirect, redirect: {protocol: HTTPS, port: '443', status_code: HTTP_301}} and "
        "attach routing rules (forward, fixed-response) to the HTTPS listener only",
    types=[*LISTENERS, *LISTENER_RULES],
)
def elb_http_redirects_to_https(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for resource, problem, has_https in _plain_http(stack):
        if has_https:
            yield resource, problem


@stack_rule(
    "elb-http-only-listener",
    control="ELB.1 (dev http_only)",
    description="A load balancer serves plain HTTP with no HTTPS listener at all "
                "(the dev-only `load_balancer.http_only` escape).",
    fix="set load_balancer.certificate (an ACM ARN, or domain + zone_id) and drop http_only",
    types=[*LISTENERS, *LISTENER_RULES],
)
def elb_http_only_listener(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for resource, problem, has_https in _plain_http(stack):
        if not has_https:
            yield resource, f"{problem}, and its load balancer has no HTTPS listener"


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
    types=[*LOAD_BALANCERS, *CLASSIC_LOAD_BALANCERS],
)
def elb_access_logs(props, args, config) -> Iterator[str]:
    logs = get(props, "accessLogs", default={})
    # a classic load balancer's access_logs block is enabled unless it says otherwise
    classic = args.resource_type in CLASSIC_LOAD_BALANCERS
    enabled = not is_false(get(logs, "enabled")) if classic else is_true(get(logs, "enabled"))
    if not enabled or not present(logs, "bucket"):
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
    """Subnets counted once each (a set to the provider and AWS: `[a, a]` is one subnet, which
    a network load balancer accepts); elements unknown during preview count as distinct."""
    for lb in stack.of_type(*LOAD_BALANCERS):
        subnets = stack.referenced(lb, "subnets", [SUBNET])
        ids = _distinct_subnets(lb)
        azs = {known(s.props, "availabilityZone") for s in subnets} - {None}
        if azs and len(subnets) >= ids:
            if len(azs) < 2:
                yield lb, f"spans one AZ ({', '.join(sorted(azs))})"
        elif ids < 2:
            yield lb, f"has {ids} subnet(s); it needs two AZs"


def _distinct_subnets(lb: PolicyResource) -> int:
    listed, mappings = get(lb.props, "subnets"), get(lb.props, "subnetMappings")
    ids = [str(v) for v in as_list(listed)]
    unknown = count(listed) - len(ids) + count(mappings) - len(as_list(mappings))
    for mapping in as_list(mappings):
        try:
            value = get(mapping, "subnetId")
        except UnknownValueError:
            unknown += 1
            continue
        if value is not None:
            ids.append(str(value))
    return len(set(ids)) + unknown


@resource_rule(
    "elb-tls-policy",
    control="ELB.17",
    description="HTTPS/TLS listeners use a security policy on ELB.17's list (TLS 1.3, TLS 1.2 "
                "restricted; FIPS and post-quantum variants); no policy means AWS's "
                "ELBSecurityPolicy-2016-08.",
    fix="set ssl_policy='ELBSecurityPolicy-TLS13-1-2-Res-2021-06' (load_balancer.ssl_policy; or "
        "another name on the ELB.17 list in docs/policies.md)",
    types=LISTENERS,
)
def elb_tls_policy(props, args, config) -> Iterator[str]:
    protocol = str(get(props, "protocol", default="HTTP")).strip().upper()
    if protocol not in ("HTTPS", "TLS"):
        return
    policy = get(props, "sslPolicy")
    if policy is None or policy == "":
        yield (f"has no TLS policy, so AWS uses {AWS_DEFAULT_TLS_POLICY} (TLS 1.0/1.1), which is not "
               "on the ELB.17 list")
    elif policy not in ELB17_POLICIES:
        yield f"uses TLS policy {policy!r}, which is not on the ELB.17 list"


# --------------------------------------------------------------------------------------------
# certificates: RSA keys of at least 2048 bits (ACM.2)
# --------------------------------------------------------------------------------------------

ACM_CERTIFICATE = "aws:acm/certificate:Certificate"
MIN_RSA_BITS = 2048
_RSA_OIDS = (bytes.fromhex("2a864886f70d010101"), bytes.fromhex("2a864886f70d01010a"))
"""rsaEncryption (1.2.840.113549.1.1.1) and RSASSA-PSS (1.2.840.113549.1.1.10), DER-encoded."""
_EC_OID = bytes.fromhex("2a8648ce3d0201")
"""id-ecPublicKey (1.2.840.10045.2.1)."""


def _der_items(data: bytes) -> list[tuple[int, bytes]]:
    """The (tag, content) items of a DER sequence's content."""
    items, i = [], 0
    while i + 2 <= len(data):
        tag, length = data[i], data[i + 1]
        i += 2
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(data[i:i + n], "big")
            i += n
        items.append((tag, data[i:i + length]))
        i += length
    return items


def certificate_key(pem: str) -> tuple[str, int | None] | None:
    """("RSA", modulus bits), ("EC", None) or ("other", None) for the first certificate of a PEM
    text; None when there is none this can read (standard library only: the pack's venv has no
    cryptography package)."""
    import base64

    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    if begin not in pem or end not in pem:
        return None
    body = pem.split(begin, 1)[1].split(end, 1)[0]
    try:
        [(_, certificate)] = _der_items(base64.b64decode("".join(body.split()), validate=True))
        tbs = _der_items(_der_items(certificate)[0][1])
        if tbs and tbs[0][0] == 0xA0:  # [0] version
            tbs = tbs[1:]
        algorithm, key = _der_items(tbs[5][1])  # serial, signature, issuer, validity, subject, SPKI
        oid = _der_items(algorithm[1])[0][1]
        if oid in _RSA_OIDS:
            modulus = _der_items(_der_items(key[1][1:])[0][1])[0][1]  # BIT STRING: unused-bits byte
            return "RSA", int.from_bytes(modulus, "big").bit_length()
        return ("EC", None) if oid == _EC_OID else ("other", None)
    except (ValueError, IndexError):  # binascii.Error is a ValueError
        return None


@resource_rule(
    "acm-rsa-key-length",
    control="ACM.2",
    description="ACM certificates with RSA keys use at least 2048 bits: requested ones by "
                "key_algorithm (unset is ACM's RSA_2048), imported ones by the key in "
                "certificate_body.",
    fix="request with key_algorithm RSA_2048, EC_prime256v1 or EC_secp384r1 (load_balancer."
        "certificate.key_algorithm), or import a certificate whose RSA key has >= 2048 bits",
    types=[ACM_CERTIFICATE],
)
def acm_rsa_key_length(props, args, config) -> Iterator[str]:
    if present(props, "certificateBody") or present(props, "privateKey"):
        body = get(props, "certificateBody")
        key = certificate_key(body) if isinstance(body, str) else None
        if key is None:
            yield ("is imported with a certificate_body that is not a readable PEM certificate, so "
                   "its RSA key length can't be checked")
        elif key[0] == "RSA" and (key[1] or 0) < MIN_RSA_BITS:
            yield f"is imported with a {key[1]}-bit RSA key"
        return
    algorithm = str(get(props, "keyAlgorithm", default="RSA_2048")).strip()
    kind, _, size = algorithm.upper().partition("_")
    if kind == "RSA" and (not size.isdigit() or int(size) < MIN_RSA_BITS):
        yield f"requests key algorithm {algorithm}"


# --------------------------------------------------------------------------------------------
# blue/green test rules
# --------------------------------------------------------------------------------------------

ECS_SERVICE_TYPE = "aws:ecs/service:Service"


def _strings_of(value: Any) -> set[str]:
    try:
        return {str(v) for _, v in walk_strings(value)}
    except UnknownValueError:
        return set()


def _forward_targets(rule: PolicyResource, prop: str = "actions", *, sending: bool = False) -> set[str]:
    """The target group ARNs a listener rule's (or a listener's `defaultActions`) forward actions
    name; with `sending`, only those that get traffic (a weighted forward's weight 0 sends none;
    an unset or unknown weight counts as sending)."""
    found: set[str] = set()
    for action in as_list(get(rule.props, prop)):
        found |= _strings_of(get(action, "targetGroupArn"))
        for group in as_list(get(action, "forward", "targetGroups")):
            weight = number(known(group, "weight"))
            if not sending or weight is None or weight > 0:
                found |= _strings_of(get(group, "arn"))
    return found


def _conditions(rule: PolicyResource, field: str) -> list[Any]:
    return [get(c, field) for c in as_list(get(rule.props, "conditions"))
            if get(c, field) is not None]


def _source_cidrs(rule: PolicyResource) -> list[str]:
    """Every source_ip value, read as they are: one unknown during preview defers the rule (a
    value left out would read as a missing condition, or a narrower one)."""
    out: list[str] = []
    for condition in _conditions(rule, "sourceIp"):
        values = get(condition, "values", default=[])
        for i in range(len(values) if is_list(values) else 0):
            out.append(str(values[i]).strip())
    return out


VPC_TYPES = {"aws:ec2/vpc:Vpc": ("cidrBlock", "ipv6CidrBlock"),
             "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation": ("cidrBlock",),
             "aws:ec2/vpcIpv6CidrBlockAssociation:VpcIpv6CidrBlockAssociation": ("ipv6CidrBlock",)}
"""Where the stack's own address space is: a test rule may admit it even when it is public
(BYOIP): the hook calls from there."""
NOT_PUBLIC = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
              "172.16.0.0/12", "192.168.0.0/16", "::1/128", "::/128", "fc00::/7", "fe80::/10")
"""Ranges no internet client sends from (RFC 1918, CGNAT, loopback, link-local, IPv6 ULA).
Everything else is public: `::ffff:0:0/96` (every IPv4 client, IPv4-mapped) included."""


def _network(cidr: str) -> Any:
    """A CIDR as AWS reads it (host bits ignored: `10.9.8.7/0` is the world), or None."""
    import ipaddress

    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


def _admitted_public(sources: list[str], own: list[str]) -> tuple[bool, list[str]]:
    """(the union is the whole internet of a version, the CIDRs that admit public addresses
    outside `own`, the stack's VPC ranges)."""
    import ipaddress

    allowed = [n for n in (_network(c) for c in (*NOT_PUBLIC, *own)) if n is not None]
    nets = [(c, n) for c, n in ((c, _network(c)) for c in sources) if n is not None]
    world = False
    for version in (4, 6):
        same: list[Any] = [n for _, n in nets if n.version == version]
        if same and [n.prefixlen for n in ipaddress.collapse_addresses(same)] == [0]:
            world = True
    public = [c for c, n in nets
              if not any(n.version == a.version and n.subnet_of(a) for a in allowed)]
    return world, public


@stack_rule(
    "alb-test-rule-restricted",
    control="ALB test rule restricted",
    description="A blue/green test listener rule (named by an ECS service's testListenerRule, or "
                "any rule but a service's production rule that sends traffic to a service's "
                "alternate target group, whatever its conditions) also matches a source IP "
                "condition admitting only private addresses or the stack's VPC ranges, and no "
                "listener's default action sends traffic to an alternate target group, so the "
                "internet never reaches an untested revision.",
    fix="add a source_ip condition with the CIDRs the pre-traffic hook calls from (the VPC's): "
        "FargateServiceArgs.test_source_cidrs; route to the alternate target group only from "
        "the test rule",
    types=[*LISTENER_RULES, *LISTENERS, ECS_SERVICE_TYPE, *VPC_TYPES],
)
def alb_test_rule_restricted(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """A header is a password everybody can read in the docs: the source IP is the lock. A rule
    that reaches green by query string, host or path is a test rule too, and a listener has no
    conditions at all."""
    test_rules: set[str] = set()
    production: set[str] = set()
    alternates: set[str] = set()
    for service in stack.of_type(ECS_SERVICE_TYPE):
        for lb in as_list(get(service.props, "loadBalancers")):
            test_rules |= _strings_of(get(lb, "advancedConfiguration", "testListenerRule"))
            production |= _strings_of(get(lb, "advancedConfiguration", "productionListenerRule"))
            alternates |= _strings_of(get(lb, "advancedConfiguration", "alternateTargetGroupArn"))
    if not (test_rules or alternates):
        return
    own = [str(known(v.props, key)) for kind, keys in VPC_TYPES.items() for v in stack.of_type(kind)
           for key in keys if known(v.props, key)]
    for rule in stack.of_type(*LISTENER_RULES):
        arns = _strings_of(get(rule.props, "arn"))
        named = bool(arns & test_rules)
        if arns & production and not named:
            continue  # ECS re-weights the production rule itself
        if not (named or _forward_targets(rule, sending=True) & alternates):
            continue
        sources = _source_cidrs(rule)
        open_to = sorted(set(sources) & set(WORLD_CIDRS))
        world, public = _admitted_public(sources, own)
        if not sources:
            yield rule, "is a blue/green test rule with no source_ip condition (reachable from anywhere)"
        elif open_to:
            yield rule, f"is a blue/green test rule whose source_ip admits {', '.join(open_to)}"
        elif world:
            yield rule, ("is a blue/green test rule whose source_ip admits the internet "
                         f"({', '.join(sources)})")
        elif public:
            yield rule, (f"is a blue/green test rule whose source_ip admits public addresses outside "
                         f"the stack's VPCs ({', '.join(public)})")
    for listener in stack.of_type(*LISTENERS):
        if _strings_of(get(listener.props, "arn")) & production:
            continue  # an NLB's production listener (ECS re-points it)
        if _forward_targets(listener, "defaultActions", sending=True) & alternates:
            yield listener, ("sends requests to the untested revision: its default action forwards "
                             "to an alternate target group (a listener takes no source_ip)")
