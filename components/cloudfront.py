"""`CloudFrontDistribution`: a CloudFront distribution in front of an INTERNAL ALB (docs/edge.md).

The origin lock is a CloudFront **VPC origin** (`aws.cloudfront.VpcOrigin`): the ALB sits in
private subnets with no internet-facing address, and CloudFront reaches it through elastic
network interfaces it places in the VPC. Creating a VPC origin makes CloudFront create (once
per VPC, asynchronously) the security group `CloudFront-VPCOrigins-Service-SG` on those
interfaces; the ALB's group admits HTTPS from that group and from nothing else
(`origin_ingress`). AWS's VPC-origins page documents two ways to admit CloudFront: the managed
prefix list `com.amazonaws.global.cloudfront.origin-facing` or that service security group.
groundwork uses the service group: it is one rule (the prefix list weighs 55 of a group's
default 60 rules) and it admits only CloudFront's interfaces in this VPC, where the prefix list
admits every CloudFront distribution of every account. The ALB is internal and in private
subnets, so no route from the internet reaches it besides CloudFront.

Always on, not settings (FSBP CloudFront.*):
- viewers: `redirect-to-https` on every behaviour (CloudFront.3), an ACM certificate from
  us-east-1 (CloudFront.7) served by SNI (CloudFront.8) with at least `TLSv1.2_2021`
  (CloudFront.15), HTTP/2 and HTTP/3, IPv6;
- origin: `https-only` with TLSv1.2 only (CloudFront.9, CloudFront.10). CloudFront validates
  the ALB's certificate against the Host header it forwards (the default behaviour forwards
  the viewer's, AllViewer): the ALB keeps its own regional certificate for the app's domain;
- the default behaviour never caches (managed CachingDisabled) and forwards everything the
  viewer sent (managed AllViewer: Host, Authorization, cookies, query strings), all seven
  methods: authenticated API responses are never cached. `cached_paths` (e.g. `/static/*`) get
  CachingOptimized, GET/HEAD/OPTIONS only, and forward only Host (no cookies, no
  Authorization), so a cached object never depends on who asked;
- a response headers policy with the same security headers as the ALB's listener
  (components/security_headers.py);
- the origin sets `X-Groundwork-Test: via.cloudfront` on every request (replacing a viewer's):
  no blue/green test rule matches it, so a viewer can't reach an untested revision through the
  VPC origin, whose addresses are inside the VPC the test rules admit;
- a CLOUDFRONT-scope web ACL (`web_acl_arn`, CloudFront.6), refused missing unless
  `require_web_acl` is false;
- standard logging v2 (CloudFront.5): CloudWatch Logs vended delivery (source -> S3 destination
  -> delivery, in us-east-1) into a bucket with ACLs disabled. Legacy (v1) logging is not used:
  it needs the bucket's ACL to grant `awslogsdelivery` FULL_CONTROL, which S3.12
  (BucketOwnerEnforced) forbids. Caveat: AWS Config's `cloudfront-accesslogs-enabled` (and
  evaluators built on it) reads legacy logging only and reports v2-only distributions as
  non-compliant (docs/edge.md).

Cross-region: the certificate, its validation and the log delivery live in us-east-1. Give the
`us_east_1` provider (the stacks' `Platform.us_east_1`), or build the component with a
us-east-1 provider. Shield Standard protects every distribution automatically; Shield Advanced
($3,000 a month) is a documented option, not built.
"""

from __future__ import annotations

import re
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
    SecureBucket,
    access_log_statements,
    global_bucket_name,
    secure_bucket,
)
from groundwork.components.certificates import dns_validated_certificate
from groundwork.components.deployment import CLOUDFRONT_TEST_HEADER_VALUE, TEST_HEADER
from groundwork.components.dns_names import DnsName

CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"
"""The hosted zone every CloudFront distribution's alias records point at."""
VPC_ORIGIN_SERVICE_SG = "CloudFront-VPCOrigins-Service-SG"
"""The security group CloudFront creates in the VPC for its VPC-origin interfaces."""
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
"""Managed cache policy CachingDisabled (AWS "Use managed cache policies"): TTL 0, empty key."""
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
"""Managed cache policy CachingOptimized: no cookies, headers or query strings in the key."""
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
"""Managed origin request policy AllViewer (AWS "Use managed origin request policies"): every
viewer header (Host included), cookie and query string goes to the origin."""
ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
READ_METHODS = ("GET", "HEAD", "OPTIONS")
CACHED_METHODS = ("GET", "HEAD")
VIEWER_TLS_POLICIES = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
"""Viewer security policies groundwork allows: TLS 1.2+ with forward-secret AEAD ciphers only
(CloudFront.15 accepts TLSv1.2_2021; the 2025 policies are stricter)."""
ORIGIN_ID = "alb"
DELIVERY_NAME = re.compile(r"^[\w-]{1,60}$")
"""CloudWatch Logs delivery source/destination names: 1-60 word characters and hyphens."""
ACM_ARN = re.compile(r"^arn:(aws[a-z-]*):acm:([a-z0-9-]+):(\d{12}):certificate/[\w-]+$")
PATH_PATTERN = re.compile(r"^/?[A-Za-z0-9_\-.*$/~\"'@:+&=]{1,255}$")


def certificate_region(arn: str) -> str:
    """The region of an ACM certificate ARN (ValueError if it isn't one)."""
    match = ACM_ARN.match(arn)
    if not match:
        raise ValueError(f"{arn!r} is not an ACM certificate ARN "
                         "(arn:aws:acm:us-east-1:<account>:certificate/<id>)")
    return match.group(2)


class CloudFrontDistributionSettings(ArgsModel):
    """The distribution's tunables. HTTPS to viewers and to the origin, the VPC origin, the
    caching rules of the default behaviour and v2 logging are always on and not settings."""

    domains: list[DnsName] = Field(default_factory=list)
    """The app's domains, the distribution's aliases (default none, but at least one is
    required; e.g. app.example.com). The certificate must cover each."""
    zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,31}$")] | None = None
    """Route 53 hosted zone that validates the requested us-east-1 certificate (default none:
    give `certificate_arn` instead)."""
    certificate_arn: str | None = None
    """An issued ACM certificate in us-east-1 covering `domains` (default none: the component
    requests one, DNS-validated in `zone_id`). CloudFront only takes us-east-1 certificates."""
    key_algorithm: Literal["RSA_2048", "EC_prime256v1", "EC_secp384r1"] = "RSA_2048"
    """Key of the requested certificate (default RSA_2048: ACM's default, FSBP ACM.2's minimum,
    and every client connects)."""
    minimum_protocol_version: Literal["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"] = "TLSv1.2_2021"
    """Viewer security policy (default TLSv1.2_2021: what FSBP CloudFront.15 checks, and every
    current browser connects; TLSv1.3_2025 refuses TLS 1.2 clients)."""
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    """Edge locations used (default PriceClass_100: North America and Europe, the cheapest
    per-GB rates; viewers elsewhere are served from the nearest of those, a little slower)."""
    geo_restriction: Literal["none", "whitelist", "blacklist"] = "none"
    """Country restriction (default none: the app decides who it serves)."""
    geo_locations: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(default_factory=list)
    """ISO 3166-1 alpha-2 codes for `geo_restriction` whitelist/blacklist (default none)."""
    cached_paths: list[str] = Field(default_factory=list)
    """Path patterns served with CachingOptimized, e.g. /static/* (default none: nothing is
    cached). Only GET/HEAD/OPTIONS, and only Host reaches the origin: never put an
    authenticated path here."""
    origin_read_timeout: Annotated[int, Field(ge=1, le=120)] = 30
    """Seconds CloudFront waits for the ALB's response (default 30, CloudFront's default;
    above 60 needs a quota increase)."""
    require_web_acl: bool = True
    """Refuse a distribution without `web_acl_arn` (default true: FSBP CloudFront.6; the
    stacks set false only where the web firewall is off)."""
    logging: bool = True
    """Standard logging v2 to the component's S3 bucket (default true: FSBP CloudFront.5)."""
    log_format: Literal["json", "w3c", "plain", "parquet"] = "json"
    """Access-log file format (default json: readable by Athena and jq; parquet costs extra
    per GB converted)."""
    log_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    """Days before access-log objects expire (default 90: a quarter of request history)."""
    wait_for_deployment: bool = True
    """Wait until the distribution is Deployed (default true: the outputs are usable when
    `pulumi up` ends; a create or update then takes minutes)."""
    retain_on_delete: bool = False
    """Disable instead of delete on destroy (default false: destroy removes it)."""

    @field_validator("cached_paths")
    @classmethod
    def _paths(cls, v: list[str]) -> list[str]:
        for p in v:
            if not PATH_PATTERN.match(p) or p in ("*", "/*"):
                raise ValueError(f"{p!r} is not a cache-behaviour path pattern such as /static/* "
                                 "(and * would cache everything: that is the default behaviour)")
        if len(set(v)) != len(v):
            raise ValueError("cached_paths lists a pattern twice")
        return v

    @field_validator("certificate_arn")
    @classmethod
    def _cert(cls, v: str | None) -> str | None:
        if v is None:
            return v
        region = certificate_region(v)
        if region != "us-east-1":
            raise ValueError(f"the certificate is in {region}; CloudFront only uses ACM "
                             "certificates in us-east-1 (request one there, or leave "
                             "certificate_arn out and give zone_id)")
        return v

    @model_validator(mode="after")
    def _coherent(self) -> CloudFrontDistributionSettings:
        if self.certificate_arn and self.zone_id:
            raise ValueError("set either certificate_arn, or zone_id (to request one), not both")
        if self.certificate_arn and "key_algorithm" in self.model_fields_set:
            raise ValueError("key_algorithm is for a requested certificate; certificate_arn "
                             "keeps its own key")
        if (self.geo_restriction == "none") != (not self.geo_locations):
            raise ValueError("geo_locations is required with geo_restriction whitelist/blacklist "
                             "and not allowed with none")
        if len(set(self.domains)) != len(self.domains):
            raise ValueError("domains lists a domain twice")
        return self


class CloudFrontDistributionArgs(ComponentArgs, CloudFrontDistributionSettings):
    """Everything `CloudFrontDistribution` takes: its settings plus the ALB it fronts."""

    origin_arn: Input[str] | None = None
    """ARN of the INTERNAL ALB (required, e.g. `LoadBalancer.arn`; it must be internal and in
    private subnets for the VPC origin)."""
    origin_domain_name: Input[str] | None = None
    """The ALB's DNS name (required, e.g. `LoadBalancer.dns_name`)."""
    origin_security_group_id: Input[str] | None = None
    """The ALB's security group (required, e.g. `SecurityGroups.alb.id`, built without world
    ingress): the component admits HTTPS from CloudFront's VPC-origin group into it."""
    vpc_id: Input[str] | None = None
    """The ALB's VPC (required): where CloudFront's VPC-origin group is looked up."""
    web_acl_arn: Input[str] | None = None
    """ARN of a CLOUDFRONT-scope WAFv2 web ACL in us-east-1 (e.g. `WebFirewall.arn` built with
    scope CLOUDFRONT; default none, refused unless `require_web_acl` is false)."""
    security_headers: Any = None
    """`SecurityHeadersSettings` of the response headers policy (default none: its defaults;
    pass the ALB listener's so both entry points send the same headers)."""
    shared_validation_fqdns: dict[str, Input[str]] = Field(default_factory=dict)
    """Validation names whose ACM record another certificate of the program already writes in
    `zone_id` -> that record's FQDN, e.g. the ALB's `LoadBalancer.validation_fqdns` (default
    none: a record per name). ACM asks every certificate of an account for the same CNAME per
    name: a second resource for it would delete it with itself (components/certificates.py)."""
    us_east_1: pulumi.ProviderResource | None = None
    """Provider in us-east-1 for the certificate and log delivery (default none: the
    component's own provider, which must then be in us-east-1)."""
    protect: bool = False
    """Pulumi `protect` on the log buckets (default false; the stacks protect prod's)."""
    distribution_name: str = ""
    """Name tag and base of the policies' names (default "": `<prefix>-<name>`)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""


_REQUIRED = {
    "origin_arn": "the internal ALB's ARN, e.g. LoadBalancer.arn",
    "origin_domain_name": "the ALB's DNS name, e.g. LoadBalancer.dns_name",
    "origin_security_group_id": "the ALB's security group id (no world ingress)",
    "vpc_id": "the ALB's VPC id",
}


def _policy_name(naming: Naming, part: str) -> str:
    """CloudFront policy names: <= 128 letters, digits, hyphens and underscores."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", naming.name(part, max_length=128))


def log_delivery_statement(bucket_arn: str, account_id: str, partition: str = "aws"
                           ) -> dict[str, Any]:
    """CloudWatch Logs vended delivery (CloudFront standard logging v2, in us-east-1) may put
    objects into the bucket, for this account's delivery sources only."""
    return {
        "Sid": "AWSLogDeliveryWrite",
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn":
                        f"arn:{partition}:logs:us-east-1:{account_id}:delivery-source:*"},
        },
    }


class CloudFrontDistribution(pulumi.ComponentResource):
    """A CloudFront distribution whose only origin is an internal ALB behind a VPC origin.

    `CloudFrontDistribution(name, CloudFrontDistributionArgs(...), opts)`. Outputs: `arn`, `id`,
    `domain_name`, `hosted_zone_id`, `vpc_origin_id`, `certificate_arn`; resources
    `distribution`, `vpc_origin`, `origin_ingress`, `response_headers_policy`, `certificate`
    (None with `certificate_arn`), `log_bucket` / `log_delivery` (None without logging).
    """

    def __init__(self, name: str, args: CloudFrontDistributionArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else CloudFrontDistributionArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("CloudFrontDistribution", name, args)
        require("CloudFrontDistribution", name, args, _REQUIRED)
        where = f"CloudFrontDistribution {name!r}"
        if not args.domains:
            raise ValueError(f"{where}: CloudFrontDistributionArgs.domains is required (the app's "
                             "domains, the distribution's aliases, e.g. app.example.com)")
        if not args.certificate_arn and not args.zone_id:
            raise ValueError(f"{where}: CloudFrontDistributionArgs.zone_id (a Route 53 zone to "
                             "validate a requested us-east-1 certificate) or certificate_arn (an "
                             "issued us-east-1 certificate) is required")
        if args.web_acl_arn is None and args.require_web_acl:
            raise ValueError(f"{where}: CloudFrontDistributionArgs.web_acl_arn is required (a "
                             "CLOUDFRONT-scope web ACL in us-east-1, FSBP CloudFront.6); set "
                             "require_web_acl=False to go without")
        if isinstance(args.web_acl_arn, str) and ":regional/" in args.web_acl_arn:
            raise ValueError(f"{where}: CloudFrontDistributionArgs.web_acl_arn is a REGIONAL web "
                             "ACL; a distribution takes a CLOUDFRONT-scope one (…:global/webacl/…)")
        if args.us_east_1 is None and args.account is not None \
                and args.account.region != "us-east-1":
            raise ValueError(f"{where}: the stack is in {args.account.region}; CloudFront's "
                             "certificate and log delivery must be in us-east-1: pass "
                             "CloudFrontDistributionArgs.us_east_1 (a provider there)")
        headers = _security_headers(where, args.security_headers)
        physical = args.distribution_name or naming.name(max_length=128)
        super().__init__("groundwork:edge:CloudFrontDistribution", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        east: dict[str, Any] = {"provider": args.us_east_1} if args.us_east_1 is not None else {}
        tags = naming.tagged(physical, Component="cloudfront")

        # -- the origin: the internal ALB through a VPC origin ---------------------------
        self.vpc_origin = aws.cloudfront.VpcOrigin(
            f"{name}-vpc-origin",
            vpc_origin_endpoint_config=aws.cloudfront.VpcOriginVpcOriginEndpointConfigArgs(
                name=naming.name("origin", max_length=64),
                arn=args.origin_arn,  # type: ignore[arg-type]  # required, checked above
                http_port=80,
                https_port=443,
                origin_protocol_policy="https-only",
                origin_ssl_protocols=aws.cloudfront.VpcOriginVpcOriginEndpointConfigOriginSslProtocolsArgs(
                    items=["TLSv1.2"], quantity=1),
            ),
            tags=tags,
            opts=child_opts(self),
        )
        # CloudFront creates its VPC-origin group after the VPC origin (asynchronously: a
        # first deploy can need a retry, docs/edge.md); the lookup waits for the VPC origin.
        self.origin_group = aws.ec2.get_security_group_output(
            name=VPC_ORIGIN_SERVICE_SG, vpc_id=args.vpc_id,
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[self.vpc_origin]))
        self.origin_ingress = aws.vpc.SecurityGroupIngressRule(
            f"{name}-origin-ingress",
            security_group_id=args.origin_security_group_id,
            referenced_security_group_id=self.origin_group.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS from CloudFront VPC origins only",
            tags=naming.tagged(naming.name("origin-ingress"), Component="cloudfront"),
            opts=child_opts(self),
        )

        # -- viewer certificate (us-east-1) ----------------------------------------------
        self.certificate: aws.acm.Certificate | None = None
        self.validation_records: list[aws.route53.Record] = []
        self.certificate_arn: pulumi.Output[str] = self._certificate(name, args, naming, east)

        # -- response headers: the same security headers as the ALB ----------------------
        self.response_headers_policy = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-headers",
            name=_policy_name(naming, "security-headers"),
            comment=f"{naming.prefix} security headers (same as the ALB listener's)",
            security_headers_config=headers,
            opts=child_opts(self),
        )
        origin_request_static = None
        if args.cached_paths:
            origin_request_static = aws.cloudfront.OriginRequestPolicy(
                f"{name}-static-origin-request",
                name=_policy_name(naming, "host-only"),
                comment="Cached paths: only Host reaches the origin (its TLS name); no cookies, "
                        "no Authorization",
                headers_config=aws.cloudfront.OriginRequestPolicyHeadersConfigArgs(
                    header_behavior="whitelist",
                    headers=aws.cloudfront.OriginRequestPolicyHeadersConfigHeadersArgs(
                        items=["Host"])),
                cookies_config=aws.cloudfront.OriginRequestPolicyCookiesConfigArgs(
                    cookie_behavior="none"),
                query_strings_config=aws.cloudfront.OriginRequestPolicyQueryStringsConfigArgs(
                    query_string_behavior="none"),
                opts=child_opts(self),
            )

        geo = aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
            restriction_type=args.geo_restriction, locations=list(args.geo_locations) or None)
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=physical[:128],
            aliases=list(args.domains),
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=args.price_class,
            web_acl_id=args.web_acl_arn,
            origins=[aws.cloudfront.DistributionOriginArgs(
                origin_id=ORIGIN_ID,
                domain_name=args.origin_domain_name,  # type: ignore[arg-type]  # required
                # The VPC origin's addresses are inside the VPC, where a blue/green service's
                # test rule admits its header: CloudFront sets the header itself, replacing a
                # viewer's, to a value no service name can be, so no viewer reaches a test
                # route ("If a header is present, CloudFront overwrites the header value",
                # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/add-origin-custom-headers.html).
                custom_headers=[aws.cloudfront.DistributionOriginCustomHeaderArgs(
                    name=TEST_HEADER, value=CLOUDFRONT_TEST_HEADER_VALUE)],
                vpc_origin_config=aws.cloudfront.DistributionOriginVpcOriginConfigArgs(
                    vpc_origin_id=self.vpc_origin.id,
                    origin_read_timeout=args.origin_read_timeout,
                    origin_keepalive_timeout=5,
                ),
            )],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=ORIGIN_ID,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=list(ALL_METHODS),
                cached_methods=list(CACHED_METHODS),
                cache_policy_id=CACHING_DISABLED,
                origin_request_policy_id=ALL_VIEWER,
                response_headers_policy_id=self.response_headers_policy.id,
                compress=True,
            ),
            ordered_cache_behaviors=[aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                path_pattern=path,
                target_origin_id=ORIGIN_ID,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=list(READ_METHODS),
                cached_methods=list(CACHED_METHODS),
                cache_policy_id=CACHING_OPTIMIZED,
                origin_request_policy_id=origin_request_static.id if origin_request_static else None,
                response_headers_policy_id=self.response_headers_policy.id,
                compress=True,
            ) for path in args.cached_paths] or None,
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(geo_restriction=geo),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=self.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version=args.minimum_protocol_version,
            ),
            wait_for_deployment=args.wait_for_deployment,
            retain_on_delete=args.retain_on_delete,
            tags=tags,
            # The ALB must admit CloudFront before the distribution serves from it.
            opts=child_opts(self, depends_on=[self.origin_ingress]),
        )

        self.log_bucket: SecureBucket | None = None
        self.log_delivery: aws.cloudwatch.LogDelivery | None = None
        self.log_delivery_source: aws.cloudwatch.LogDeliverySource | None = None
        if args.logging:
            self._logging(name, args, naming, account, east)

        self.arn: pulumi.Output[str] = self.distribution.arn
        self.id: pulumi.Output[str] = self.distribution.id
        self.domain_name: pulumi.Output[str] = self.distribution.domain_name
        self.hosted_zone_id: pulumi.Output[str] = self.distribution.hosted_zone_id
        self.vpc_origin_id: pulumi.Output[str] = self.vpc_origin.id
        self.register_outputs({
            "arn": self.arn, "id": self.id, "domain_name": self.domain_name,
            "hosted_zone_id": self.hosted_zone_id, "vpc_origin_id": self.vpc_origin_id,
            "certificate_arn": self.certificate_arn,
        })

    # -- building --------------------------------------------------------------------------

    def _certificate(self, name: str, args: CloudFrontDistributionArgs, naming: Naming,
                     east: dict[str, Any]) -> pulumi.Output[str]:
        """The given us-east-1 ARN, or a DNS-validated certificate for every domain, requested
        in us-east-1; the distribution waits for the validation."""
        if args.certificate_arn:
            return pulumi.Output.from_input(args.certificate_arn)
        assert args.zone_id is not None  # checked in __init__: zone_id or certificate_arn
        made = dns_validated_certificate(
            self, name, names=list(args.domains), zone_id=args.zone_id,
            key_algorithm=args.key_algorithm, naming=naming, component="cloudfront",
            shared_fqdns=args.shared_validation_fqdns, provider=east.get("provider"))
        self.validation_records = made.records
        self.certificate = made.certificate
        return made.arn

    def _logging(self, name: str, args: CloudFrontDistributionArgs, naming: Naming,
                 account: AccountContext, east: dict[str, Any]) -> None:
        """Standard logging v2: the log bucket (SSE-S3, ACLs disabled, TLS-only, expiring, its
        own requests logged to a terminal bucket: S3.9), then the vended-log delivery
        source -> destination -> delivery in us-east-1."""
        lifecycle = Lifecycle(expire_days=args.log_retention_days)
        target = secure_bucket(
            self, f"{name}-logs-access",
            bucket_name=global_bucket_name(naming, account, "logs-access"),
            naming=naming, account=account, component="cloudfront", lifecycle=lifecycle,
            statements=access_log_statements("", account.partition),
            protect=args.protect, force_destroy=not args.protect)
        self.log_bucket = secure_bucket(
            self, f"{name}-logs",
            bucket_name=global_bucket_name(naming, account, "logs"),
            naming=naming, account=account, component="cloudfront", lifecycle=lifecycle,
            statements=lambda arn, acct: [log_delivery_statement(arn, acct, account.partition)],
            log_bucket=target, log_prefix="cloudfront-log-bucket/",
            protect=args.protect, force_destroy=not args.protect)
        source_name = naming.name("access", max_length=60)
        self.log_delivery_source = aws.cloudwatch.LogDeliverySource(
            f"{name}-log-source",
            name=source_name,
            log_type="ACCESS_LOGS",
            resource_arn=self.distribution.arn,
            tags=naming.tagged(source_name, Component="cloudfront"),
            opts=child_opts(self, **east),
        )
        destination_name = naming.name("logs-s3", max_length=60)
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-log-destination",
            name=destination_name,
            output_format=args.log_format,
            delivery_destination_configuration=aws.cloudwatch
            .LogDeliveryDestinationDeliveryDestinationConfigurationArgs(
                destination_resource_arn=self.log_bucket.arn),
            tags=naming.tagged(destination_name, Component="cloudfront"),
            opts=child_opts(self, **east),
        )
        self.log_delivery = aws.cloudwatch.LogDelivery(
            f"{name}-log-delivery",
            delivery_source_name=self.log_delivery_source.name,
            delivery_destination_arn=destination.arn,
            tags=naming.tagged(naming.name("log-delivery"), Component="cloudfront"),
            opts=child_opts(self, depends_on=[self.log_bucket.policy], **east),
        )


def _security_headers(where: str, settings: Any) -> Any:
    """The response headers policy's security headers from SecurityHeadersSettings
    (components/security_headers.py, the ALB listener's settings)."""
    from groundwork.components.security_headers import (
        SecurityHeadersSettings,
        response_headers_policy_config,
    )

    if settings is None:
        settings = SecurityHeadersSettings()
    if not isinstance(settings, SecurityHeadersSettings):
        raise TypeError(f"{where}: CloudFrontDistributionArgs.security_headers must be a "
                        f"SecurityHeadersSettings, got {type(settings).__name__}")
    return response_headers_policy_config(settings)
