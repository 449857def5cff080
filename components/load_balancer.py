"""`LoadBalancer`: an Application Load Balancer that any number of web services share.

N web services cost one ALB: each service attaches a listener rule (host and/or path) that
forwards to its own target group (`add_route`); the listener's default action is a fixed 404, so
a request no rule matches never reaches a service by accident.

What the controls ask, and where it is built:
- ELB.1: port 80 has a single action, a 301 redirect to HTTPS (`http_listener`). Only an explicit
  `http_only=True` (for throwaway stacks; the policy pack flags it) makes port 80 serve instead.
- ELB.17: the HTTPS listener uses a TLS 1.3 policy; the certificate is a given ACM ARN or one
  the component requests and validates by DNS in the Route 53 zone.
- ACM.2: a requested certificate's key is RSA_2048 or an EC key (`certificate.key_algorithm`).
- ELB.4 / ELB.12: `drop_invalid_header_fields`, `desync_mitigation_mode` defensive or strictest.
- ELB.5: access logs to an S3 bucket with SSE-S3 (ALB log delivery can't write to SSE-KMS
  buckets), all four public-access blocks, BucketOwnerEnforced, a TLS-only Deny and lifecycle
  expiry. Its policy lets ELB log delivery write `<bucket>/<prefix>/AWSLogs/<account>/*` only:
  in regions opened before August 2022 the principal is the region's ELB account
  (`ELB_ACCOUNTS`), in newer regions the service `logdelivery.elasticloadbalancing.amazonaws.com`.
  The ALB `depends_on` that policy: AWS checks it when access logs are switched on and fails
  with "Access Denied for bucket" if it isn't there yet.
- ELB.6: deletion protection (default on). ELB.13: subnets in >= 2 AZs (fewer are refused).
- Optional WAFv2 web ACL association.
- Security response headers on the HTTPS listener (components/security_headers.py: HSTS,
  X-Content-Type-Options, X-Frame-Options, CSP, no Server header), each explicitly set, also
  when switched off (the listener attributes are Computed; see that module).
- Every domain is a checked DNS name (components/dns_names.py); a requested certificate may
  name `alternative_names` (SANs), validated by one DNS record per distinct validation name (a
  wildcard and its apex share ACM's record).

Names: the ALB is `<prefix>-<name>` and every target group `<service prefix>-<port>`, both
<= 32 characters (`Naming.name(..., max_length=32)` cuts long names with a hash, so two long
names never collide); the access-log bucket `<prefix>-<name>-logs-<account>-<region>`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import (
    AccountContext,
    Naming,
    account_for,
    child_opts,
    component_naming,
    require,
)
from groundwork.components.buckets import (
    Lifecycle,
    access_log_statements,
    bucket_policy,
    global_bucket_name,
    secure_bucket,
)
from groundwork.components.certificates import dns_validated_certificate
from groundwork.components.deployment import MAX_TEST_SOURCE_CIDRS, TEST_HEADER
from groundwork.components.dns_names import DnsName
from groundwork.components.security_groups import WORLD
from groundwork.components.security_headers import (
    SecurityHeadersSettings,
    listener_header_attributes,
)

ALB_NAME_MAX = 32
"""AWS's limit for load balancer and target group names."""
ELB_NAME = re.compile(r"^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
"""ELBv2's rule for load balancer and target group names: <= 32 letters, digits and hyphens,
no hyphen first or last, not starting with `internal-`."""
ACCESS_LOG_PREFIX = "alb"
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"

ELB_ACCOUNTS: dict[str, str] = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
}
"""The Elastic Load Balancing account of each region opened before August 2022 (AWS's
"Enable access logs" page). Regions not listed here take the log-delivery service principal."""


def log_delivery_principal(region: str, partition: str = "aws") -> dict[str, str]:
    """Who writes ALB access logs in `region`: the regional ELB account, or the log-delivery
    service principal in regions opened since August 2022."""
    account = ELB_ACCOUNTS.get(region)
    if account:
        return {"AWS": f"arn:{partition}:iam::{account}:root"}
    return {"Service": LOG_DELIVERY_SERVICE}


def elb_log_delivery_statement(*, bucket_arn: str, account_id: str, region: str,
                               partition: str = "aws", prefix: str = ACCESS_LOG_PREFIX) -> dict[str, Any]:
    """ELB log delivery may put objects under `<prefix>/AWSLogs/<account>/` only."""
    return {
        "Sid": "AllowElbLogDelivery",
        "Effect": "Allow",
        "Principal": log_delivery_principal(region, partition),
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/{prefix}/AWSLogs/{account_id}/*",
    }


def access_log_bucket_policy(*, bucket: str, account_id: str, region: str, partition: str = "aws",
                             prefix: str = ACCESS_LOG_PREFIX) -> dict[str, Any]:
    """The access-log bucket's policy (pure): every non-TLS request is denied (FSBP S3.5), and
    ELB log delivery may write its objects (`elb_log_delivery_statement`)."""
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    return bucket_policy(bucket_arn, [elb_log_delivery_statement(
        bucket_arn=bucket_arn, account_id=account_id, region=region, partition=partition,
        prefix=prefix)])


class CertificateSettings(ArgsModel):
    """Either an existing ACM certificate, or a domain whose certificate the component requests
    and validates by DNS in a Route 53 zone."""

    arn: Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/.+$")] | None = None
    """ARN of an issued ACM certificate in the stack's region (default none: give `domain`
    and `zone_id` instead)."""
    domain: DnsName | None = None
    """Domain to request a certificate for, with `zone_id` (default none: give `arn`). A DNS
    name (RFC 1123 labels, <= 253 characters, `*` only as the whole leftmost label)."""
    alternative_names: list[DnsName] = Field(default_factory=list)
    """More names the requested certificate covers (subject alternative names, e.g.
    `*.app.example.com`, `www.example.com`), all validated in `zone_id` (default none: `domain`
    only). ACM's default quota is 10 names per certificate (adjustable). Changing them replaces
    the certificate (the listener takes the new one before the old goes)."""
    zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,31}$")] | None = None
    """Route 53 hosted zone that validates `domain` (default none: give `arn`)."""
    key_algorithm: Literal["RSA_2048", "EC_prime256v1", "EC_secp384r1"] = "RSA_2048"
    """Key of the certificate requested for `domain` (default RSA_2048: ACM's own default, FSBP
    ACM.2's minimum, and every client connects; the EC keys make smaller, faster handshakes but
    some older clients can't use them). These are the algorithms ACM issues public certificates
    with. Changing it replaces the certificate. Not for `arn`: an existing certificate keeps
    its key."""

    @model_validator(mode="after")
    def _one(self) -> CertificateSettings:
        if self.arn and (self.domain or self.zone_id):
            raise ValueError("set either arn, or domain and zone_id, not both")
        if not self.arn and not (self.domain and self.zone_id):
            raise ValueError("set arn, or both domain and zone_id")
        if self.arn and "key_algorithm" in self.model_fields_set:
            raise ValueError("key_algorithm is for a certificate requested for domain; the "
                             "certificate of arn keeps its own key")
        if self.arn and self.alternative_names:
            raise ValueError("alternative_names are for a certificate requested for domain; the "
                             "certificate of arn has the names it was issued with")
        names = [self.domain, *self.alternative_names]
        twice = sorted({n for n in names if names.count(n) > 1 and n is not None})
        if twice:
            raise ValueError(f"alternative_names repeat {', '.join(twice)} (domain included)")
        if len(names) > MAX_CERTIFICATE_NAMES:
            raise ValueError(f"the certificate would name {len(names)} domains; ACM issues at "
                             f"most {MAX_CERTIFICATE_NAMES} per certificate")
        return self

    @property
    def names(self) -> list[str]:
        """Every name the requested certificate covers: `domain`, then `alternative_names`
        (empty for `arn`: its names aren't known to the program)."""
        return [self.domain, *self.alternative_names] if self.domain else []


MAX_CERTIFICATE_NAMES = 100
"""ACM's hard maximum of domain names on one certificate (the default quota is 10)."""


class LoadBalancerSettings(ArgsModel):
    """The load balancer's tunables. TLS 1.3, invalid-header dropping, access logs and the
    80-to-443 redirect are always on and not settings."""

    certificate: CertificateSettings | None = None
    """TLS certificate (default none; required unless `http_only` is true)."""
    http_only: bool = False
    """Serve plain HTTP without a certificate (default false; an escape hatch for throwaway
    stacks only: the policy pack flags it, FSBP ELB.1)."""
    ssl_policy: Literal[
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    ] = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
    """TLS policy, one of FSBP ELB.17's list (default TLS 1.3 + TLS 1.2 with restricted AEAD ciphers:
    on ELB.17's list, and every current client connects)."""
    deletion_protection: bool = True
    """ALB deletion protection, and Pulumi `protect` on the access logs (default true: a stray
    delete takes neither the entry point nor the audit trail)."""
    desync_mitigation_mode: Literal["defensive", "strictest"] = "defensive"
    """HTTP desync mitigation (default defensive: FSBP ELB.12 without refusing odd but harmless
    requests)."""
    idle_timeout_seconds: Annotated[int, Field(ge=1, le=4000)] = 60
    """Connection idle timeout (default 60 s, AWS's own default)."""
    access_log_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    """Days before access-log objects expire (default 90: a quarter of request history)."""
    server_access_logging: bool = True
    """Log the S3 requests made to the access-log bucket into a second, terminal log bucket
    (default true: FSBP S3.9; who read or deleted the evidence is evidence too)."""
    waf_acl_arn: str | None = None
    """A REGIONAL WAFv2 web ACL made elsewhere to associate (default none: the stacks build
    their own `WebFirewall` and associate it through its `resource_arns`; an ALB takes one)."""
    security_headers: SecurityHeadersSettings = Field(default_factory=SecurityHeadersSettings)
    """Security headers the HTTPS listener adds to every response (default: HSTS 2 years with
    subdomains, nosniff, X-Frame-Options DENY, a same-origin CSP, no Server header); one set
    for every service behind the listener. With http_only, the serving port-80 listener gets
    all but HSTS (browsers ignore HSTS over HTTP)."""
    internal: bool = False
    """An internal ALB in private subnets, reached only from inside the VPC, e.g. by a
    CloudFront VPC origin (default false: internet-facing in the public subnets). Changing it
    replaces the ALB, deleting the old one first (downtime; deletion protection must be off
    first: docs/edge.md)."""

    @model_validator(mode="after")
    def _tls(self) -> LoadBalancerSettings:
        if not self.http_only and self.certificate is None:
            raise ValueError(
                "certificate is required (arn, or domain + zone_id); "
                "set http_only: true only for a throwaway stack"
            )
        return self


class LoadBalancerArgs(ComponentArgs, LoadBalancerSettings):
    """Everything `LoadBalancer` takes: its settings plus where it sits."""

    # Widens the setting (an ARN in config) to an Input: a web ACL built in the same program.
    waf_acl_arn: Input[str] | None = None  # type: ignore[assignment]
    """A REGIONAL WAFv2 web ACL to associate, e.g. an `aws.wafv2.WebAcl`'s `arn` (default none:
    give the ALB's `arn` to a `WebFirewall`'s `resource_arns` instead; an ALB takes one ACL)."""
    vpc_id: Input[str] | None = None
    """VPC of the target groups (required, e.g. `Network.outputs.vpc_id`)."""
    subnet_ids: Input[Sequence[Input[str]]] | None = None
    """Subnets in >= 2 AZs (required: FSBP ELB.13, and AWS refuses fewer): public ones, or
    private ones with `internal`."""
    security_group_ids: Input[Sequence[Input[str]]] | None = None
    """Security groups of the ALB (required, e.g. `[SecurityGroups.alb.id]`: 443 and the 80
    redirect from the internet, the app ports to the services)."""
    load_balancer_name: str = ""
    """ALB name (default "": `<prefix>-<name>`, <= 32 characters). Set it only to keep an ALB
    created before: a rename replaces the ALB and changes its DNS name."""
    access_log_bucket_name: Input[str] | None = None
    """Access-log bucket name (default none: `<prefix>-<name>-logs-<account>-<region>`). Set it
    only to keep a bucket created before: a rename replaces the bucket and its logs."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""

    @field_validator("load_balancer_name")
    @classmethod
    def _check_alb_name(cls, v: str) -> str:
        if v and not ELB_NAME.match(v):
            raise ValueError(f"{v!r} is not an ALB name: <= 32 letters, digits and hyphens, no "
                             "hyphen first or last, not starting with internal-")
        return v


@dataclass(frozen=True)
class Route:
    """What `add_route` created for one service: the rule and the target groups it forwards to."""

    rule: aws.lb.ListenerRule
    target_group: aws.lb.TargetGroup
    alternate_target_group: aws.lb.TargetGroup | None
    """The second target group of a BLUE_GREEN/CANARY/LINEAR service (ECS shifts weight between
    them)."""
    test_rule: aws.lb.ListenerRule | None = None
    """The test listener rule of an alternate route (header `X-Groundwork-Test: <service>` from
    the test source CIDRs only), forwarding to the alternate target group; ECS points it at the
    new revision before production traffic moves."""


_REQUIRED = {
    "vpc_id": "the VPC id of the target groups",
    "subnet_ids": "public subnet ids in >= 2 AZs",
    "security_group_ids": "the ALB's security group ids",
}


class LoadBalancer(pulumi.ComponentResource):
    """An ALB, its listeners, certificate, access-log bucket and WAF association.

    `LoadBalancer(name, LoadBalancerArgs(...), opts)`. Outputs: `arn`, `arn_suffix`
    (CloudWatch's LoadBalancer dimension), `dns_name`, `zone_id`; `load_balancer`,
    `https_listener` (None in http_only mode), `http_listener`, `listener` (the one services
    attach to), `log_bucket`, `routes` (by service); with a requested certificate
    `certificate`, `validation_records` (one per distinct validation name) and
    `validation_fqdns` (validation name -> record FQDN). `args`: the
    Args it was built with.
    """

    def __init__(self, name: str, args: LoadBalancerArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else LoadBalancerArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("LoadBalancer", name, args)
        require("LoadBalancer", name, args, _REQUIRED)
        for key in ("subnet_ids", "security_group_ids"):
            if isinstance(getattr(args, key), str):
                raise TypeError(f"LoadBalancer {name!r}: LoadBalancerArgs.{key} must be a list "
                                "of ids, got a string")
        if isinstance(args.subnet_ids, (list, tuple)):
            # Outputs count as distinct (only known at deploy time, where AWS checks them).
            count = len({s for s in args.subnet_ids if isinstance(s, str)}) + sum(
                1 for s in args.subnet_ids if not isinstance(s, str))
            if count < 2:
                raise ValueError(f"LoadBalancer {name!r}: LoadBalancerArgs.subnet_ids names "
                                 f"{count} distinct subnet(s); an ALB needs subnets in at least "
                                 "2 AZs (FSBP ELB.13)")
        physical = args.load_balancer_name or naming.name(max_length=ALB_NAME_MAX)
        if not ELB_NAME.match(physical):
            raise ValueError(f"LoadBalancer {name!r}: the ALB name {physical!r} is not valid; set "
                             "LoadBalancerArgs.load_balancer_name (<= 32 letters, digits and "
                             "hyphens, no hyphen first or last)")
        super().__init__("groundwork:compute:LoadBalancer", name, None, opts)
        self.args = args
        self._name = name
        self._naming = naming
        self._vpc_id = args.vpc_id
        self._alb_name = physical
        account = account_for(args.account, self)

        self.log_bucket, log_policy = self._access_log_bucket(name, args, naming, account)

        # The ALB's logical name is the component's own (unique per component; its URN predates
        # the Args API).
        self.load_balancer = aws.lb.LoadBalancer(
            name,
            name=physical,
            load_balancer_type="application",
            internal=args.internal,
            ip_address_type="ipv4",
            subnets=args.subnet_ids,
            security_groups=args.security_group_ids,
            drop_invalid_header_fields=True,
            desync_mitigation_mode=args.desync_mitigation_mode,
            enable_deletion_protection=args.deletion_protection,
            enable_http2=True,
            idle_timeout=args.idle_timeout_seconds,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=self.log_bucket.bucket, prefix=ACCESS_LOG_PREFIX, enabled=True),
            tags=naming.tagged(physical, Component="load-balancer"),
            # A replacement (e.g. `internal` switched: edge.mode) can't create first: the name is
            # fixed (AWS refuses a second ALB of that name) and a target group belongs to one
            # load balancer at a time (ELB quota "Load balancers per target group: 1"). Delete
            # first; deletion protection then stops it until switched off (docs/edge.md).
            opts=child_opts(self, depends_on=[log_policy], delete_before_replace=True),
        )

        not_found = aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Not Found", status_code="404"),
        )
        self.https_listener: aws.lb.Listener | None = None
        self.certificate_arn: pulumi.Output[str] | None = None
        self.validation_fqdns: dict[str, pulumi.Output[str]] = {}
        """Validation name -> its ACM record's FQDN (a requested certificate only): another
        certificate for the same names in the program shares these records."""
        if args.http_only:
            # Explicit escape hatch (flagged by the policy pack). It serves, so it carries the
            # headers, but HSTS: browsers ignore HSTS received over plain HTTP (RFC 6797 §8.1).
            self.http_listener = self._listener(
                "http", 80, "HTTP", [not_found],
                **listener_header_attributes(args.security_headers, https=False))
            self.listener = self.http_listener
        else:
            self.certificate_arn = self._certificate(name, args, naming)
            self.https_listener = self._listener(
                "https", 443, "HTTPS", [not_found],
                ssl_policy=args.ssl_policy, certificate_arn=self.certificate_arn,
                # Every header set explicitly, "" when off: the attributes are Computed, so an
                # omitted one would keep its last value (components/security_headers.py).
                **listener_header_attributes(args.security_headers))
            # Port 80 only redirects: headers there would reach no page.
            self.http_listener = self._listener("http", 80, "HTTP", [aws.lb.ListenerDefaultActionArgs(
                type="redirect",
                redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                    protocol="HTTPS", port="443", status_code="HTTP_301"),
            )])
            self.listener = self.https_listener

        if args.waf_acl_arn:
            aws.wafv2.WebAclAssociation(
                f"{name}-waf",
                resource_arn=self.load_balancer.arn,
                web_acl_arn=args.waf_acl_arn,
                opts=child_opts(self),
            )

        self.routes: dict[str, Route] = {}
        self._priorities: dict[str, int] = {}
        self.arn: pulumi.Output[str] = self.load_balancer.arn
        self.arn_suffix: pulumi.Output[str] = self.load_balancer.arn_suffix
        self.dns_name: pulumi.Output[str] = self.load_balancer.dns_name
        self.zone_id: pulumi.Output[str] = self.load_balancer.zone_id
        self.register_outputs({"arn": self.arn, "arn_suffix": self.arn_suffix,
                               "dns_name": self.dns_name})

    # -- services attach here --------------------------------------------------------------

    def target_group_name(self, service: str, role: str, port: int,
                          name_prefix: str | None = None) -> str:
        """Physical name of a service's target group (<= 32 characters):
        `<name_prefix>[-<role>]-<port>`, where `name_prefix` is the service's own name prefix
        (FargateService passes `<prefix>-<service>`; default `<this load balancer's
        prefix>-<service>`). Two services never share one, on this load balancer or another.
        The port is part of it because a port change replaces the group, and Pulumi creates the
        replacement before deleting the old one: under the same name AWS would refuse it as a
        duplicate."""
        owner = Naming(prefix=name_prefix) if name_prefix else Naming(
            prefix=self._naming.name(service, max_length=255))
        return owner.name(role, str(port), max_length=ALB_NAME_MAX)

    def add_route(
        self,
        service: str,
        *,
        port: int,
        priority: int,
        host_headers: Sequence[str],
        path_patterns: Sequence[str],
        health_check: aws.lb.TargetGroupHealthCheckArgs,
        deregistration_delay: int,
        alternate: bool = False,
        name_prefix: str | None = None,
        test_priority: int | None = None,
        test_header_value: str | None = None,
        test_source_cidrs: Sequence[Input[str]] = (),
    ) -> Route:
        """A target group (type ip, for Fargate's awsvpc tasks) and a listener rule forwarding
        to it for `host_headers` / `path_patterns` at `priority`. With `alternate` (BLUE_GREEN
        and CANARY), a second target group and a weighted forward (100/0) that ECS re-weights
        during deployments; Pulumi then ignores the rule's actions so it never fights ECS.
        `service` keys the route (logical names `<load balancer>-<service>-...`); `name_prefix`
        starts the target groups' AWS names (see `target_group_name`).

        With `alternate` and `test_priority`, a test rule on the same listener at
        `test_priority` (lower than `priority`: evaluated first) matching header
        `X-Groundwork-Test: <test_header_value, default service>` AND a source IP in
        `test_source_cidrs` (1 to 3: ALB's match evaluations per condition), forwarding to the
        alternate target group, actions ignored (ECS re-points it): a request from outside those
        CIDRs never reaches an untested revision."""
        if service in self.routes:
            raise ValueError(f"LoadBalancer {self._name!r} already routes to {service!r}")
        if not 1 <= priority <= 50000:
            raise ValueError(f"LoadBalancer {self._name!r}: listener priority {priority} for "
                             f"{service!r} is outside 1..50000")
        taken = {p: s for s, p in self._priorities.items()}
        if priority in taken:
            raise ValueError(f"LoadBalancer {self._name!r}: listener priority {priority} for "
                             f"{service!r} is already {taken[priority]!r}'s; priorities must differ")
        test = self._check_test_rule(service, priority, alternate, test_priority,
                                     test_source_cidrs, taken)
        if not 1 <= len(host_headers) + len(path_patterns) <= 5:
            raise ValueError(f"LoadBalancer {self._name!r}: the rule for {service!r} has "
                             f"{len(host_headers) + len(path_patterns)} host/path values; an ALB "
                             "rule takes 1 to 5")
        groups = [self._target_group(service, "", port, health_check, deregistration_delay,
                                     name_prefix)]
        if alternate:
            groups.append(self._target_group(service, "alt", port, health_check,
                                             deregistration_delay, name_prefix))
        conditions = []
        if host_headers:
            conditions.append(aws.lb.ListenerRuleConditionArgs(
                host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=list(host_headers))))
        if path_patterns:
            conditions.append(aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=list(path_patterns))))
        if alternate:
            action = aws.lb.ListenerRuleActionArgs(
                type="forward",
                forward=aws.lb.ListenerRuleActionForwardArgs(target_groups=[
                    aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=g.arn, weight=w)
                    for g, w in zip(groups, (100, 0), strict=True)
                ]),
            )
        else:
            action = aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=groups[0].arn)
        owner = Naming(prefix=name_prefix) if name_prefix else Naming(
            prefix=self._naming.name(service, max_length=255))
        rule_name = owner.name("rule")
        rule = aws.lb.ListenerRule(
            f"{self._name}-{service}-rule",
            listener_arn=self.listener.arn,
            priority=priority,
            actions=[action],
            conditions=conditions,
            tags=self._naming.tagged(rule_name, Component="load-balancer", Service=service),
            opts=child_opts(self, ignore_changes=["actions"] if alternate else None),
        )
        test_rule = None
        if test is not None:
            test_rule = aws.lb.ListenerRule(
                f"{self._name}-{service}-test-rule",
                listener_arn=self.listener.arn,
                priority=test,
                actions=[aws.lb.ListenerRuleActionArgs(type="forward",
                                                       target_group_arn=groups[1].arn)],
                conditions=[
                    aws.lb.ListenerRuleConditionArgs(
                        http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
                            http_header_name=TEST_HEADER,
                            values=[test_header_value or service])),
                    aws.lb.ListenerRuleConditionArgs(
                        source_ip=aws.lb.ListenerRuleConditionSourceIpArgs(
                            values=list(test_source_cidrs))),
                ],
                tags=self._naming.tagged(owner.name("test-rule"), Component="load-balancer",
                                         Service=service),
                # ECS re-points the test rule at green (and back) on every deployment.
                opts=child_opts(self, ignore_changes=["actions"]),
            )
            self._priorities[f"{service} (test)"] = test
        route = Route(rule=rule, target_group=groups[0],
                      alternate_target_group=groups[1] if alternate else None,
                      test_rule=test_rule)
        self.routes[service] = route
        self._priorities[service] = priority
        return route

    def _check_test_rule(self, service: str, priority: int, alternate: bool,
                         test_priority: int | None, cidrs: Sequence[Input[str]],
                         taken: dict[int, str]) -> int | None:
        """The test rule's priority, checked (None: no test rule)."""
        where = f"LoadBalancer {self._name!r}: the test rule for {service!r}"
        if test_priority is None:
            if cidrs:
                raise ValueError(f"{where}: test_source_cidrs without a test_priority")
            return None
        if not alternate:
            raise ValueError(f"{where}: a test rule forwards to the alternate target group; "
                             "pass alternate=True (BLUE_GREEN, CANARY or LINEAR)")
        if not 1 <= test_priority < priority:
            raise ValueError(f"{where}: test priority {test_priority} must be 1..{priority - 1}, "
                             f"below the production rule's {priority} (evaluated first)")
        if test_priority in taken:
            raise ValueError(f"{where}: priority {test_priority} is already "
                             f"{taken[test_priority]!r}'s; priorities must differ")
        if isinstance(cidrs, str) or not 1 <= len(cidrs) <= MAX_TEST_SOURCE_CIDRS:
            raise ValueError(f"{where}: test_source_cidrs must list 1 to {MAX_TEST_SOURCE_CIDRS} "
                             "CIDRs (an ALB condition takes at most three values)")
        for cidr in cidrs:
            if isinstance(cidr, str) and cidr in WORLD:
                raise ValueError(f"{where}: test_source_cidrs {cidr} admits the internet; give "
                                 "the CIDRs the hook calls from (e.g. the VPC's)")
        return test_priority

    # -- building --------------------------------------------------------------------------

    def _target_group(self, service: str, role: str, port: int,
                      health_check: aws.lb.TargetGroupHealthCheckArgs,
                      deregistration_delay: int, name_prefix: str | None) -> aws.lb.TargetGroup:
        physical = self.target_group_name(service, role, port, name_prefix)
        return aws.lb.TargetGroup(
            f"{self._name}-{service}{'-' + role if role else ''}-tg",
            name=physical,
            target_type="ip",
            protocol="HTTP",
            protocol_version="HTTP1",
            port=port,
            vpc_id=self._vpc_id,
            deregistration_delay=deregistration_delay,
            health_check=health_check,
            tags=self._naming.tagged(physical, Component="load-balancer", Service=service),
            opts=child_opts(self),
        )

    def _listener(self, key: str, port: int, protocol: str,
                  actions: list[aws.lb.ListenerDefaultActionArgs], **extra: Any) -> aws.lb.Listener:
        listener_name = f"{self._alb_name}-{key}"
        return aws.lb.Listener(
            f"{self._name}-{key}",
            load_balancer_arn=self.load_balancer.arn,
            port=port,
            protocol=protocol,
            default_actions=actions,
            tags=self._naming.tagged(listener_name, Component="load-balancer"),
            opts=child_opts(self),
            **extra,
        )

    def _certificate(self, name: str, args: LoadBalancerArgs,
                     naming: Naming) -> pulumi.Output[str]:
        """The listener's certificate: the given ARN, or a DNS-validated ACM certificate
        (the listener waits for the validation, so it never starts with a pending cert)."""
        cert = args.certificate
        assert cert is not None  # LoadBalancerSettings: required unless http_only
        if cert.arn:
            return pulumi.Output.from_input(cert.arn)
        assert cert.zone_id is not None  # CertificateSettings: domain comes with zone_id
        # One record per distinct validation name (components/certificates.py): ACM asks
        # `*.example.com` and `example.com` for the same CNAME.
        made = dns_validated_certificate(
            self, name, names=cert.names, zone_id=cert.zone_id, key_algorithm=cert.key_algorithm,
            naming=naming, component="load-balancer")
        self.validation_records = made.records
        self.validation_fqdns = made.validation_fqdns
        self.certificate = made.certificate
        return made.arn

    def _access_log_bucket(self, name: str, args: LoadBalancerArgs, naming: Naming,
                           account: AccountContext) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
        """The access-log bucket (components/buckets.py: private, owner-enforced, versioned,
        TLS-only, expiring), SSE-S3 because ALB log delivery can't write to SSE-KMS buckets,
        with a globally unique name from the account and region. Its S3 requests are logged
        into a terminal bucket (FSBP S3.9). Access logs are audit evidence: with deletion
        protection both are protected from `pulumi destroy`; without it they go with the ALB."""
        bucket_name: Input[str] = args.access_log_bucket_name or global_bucket_name(
            naming, account, "logs")
        lifecycle = Lifecycle(expire_days=args.access_log_retention_days)
        self.server_access_log_bucket: aws.s3.Bucket | None = None
        target = None
        if args.server_access_logging:
            target = secure_bucket(
                self, f"{name}-logs-access",
                bucket_name=global_bucket_name(naming, account, "logs-access"),
                naming=naming, account=account, component="load-balancer", lifecycle=lifecycle,
                statements=access_log_statements("", account.partition),
                protect=args.deletion_protection, force_destroy=not args.deletion_protection,
                name_tag=f"{self._alb_name}-logs-access")
            self.server_access_log_bucket = target.bucket
        logs = secure_bucket(
            self, f"{name}-logs",
            bucket_name=bucket_name, naming=naming, account=account, component="load-balancer",
            lifecycle=lifecycle,
            statements=lambda arn, account_id: [elb_log_delivery_statement(
                bucket_arn=arn, account_id=account_id, region=account.region,
                partition=account.partition)],
            log_bucket=target, log_prefix="access-log-bucket/",
            protect=args.deletion_protection, force_destroy=not args.deletion_protection,
            name_tag=f"{self._alb_name}-logs")
        return logs.bucket, logs.policy
