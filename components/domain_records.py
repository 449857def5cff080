"""`DomainRecords`: the app's Route 53 alias records, and an optional health check of its
public health path.

For each domain an alias `A` record (and an `AAAA` one with `ipv6`) in an existing hosted zone,
pointing at the ALB (`dns_name`, `zone_id` outputs) or a CloudFront distribution (`domain_name`,
`hosted_zone_id`). No zone is created: the zone that validates the certificate holds the records.
An alias answers with the target's current addresses (an ALB's change) and queries for aliases to
AWS resources aren't billed.

- `evaluate_target_health` (default true): the record answers only while the target is healthy;
  it decides failover/weighted routing, and has no effect on a single simple record. CloudFront
  has no health to evaluate: pass false for a distribution (true is refused for CloudFront's
  zone Z2FDTNDATAQYW2; Route 53 refuses it too).
- `ipv6`: only when the target is dual-stack (a dual-stack ALB, CloudFront with IPv6 on). An AAAA
  alias to an IPv4-only ALB has no IPv6 addresses to answer with.
- Records never take over an existing record of the same name and type (`allow_overwrite` is
  left off): a record someone else made makes the create fail instead of silently moving it.
- Logical names are `<name>-<domain>-a` / `-aaaa`, the domain as written with a wildcard's `*`
  as `_wildcard` (stable per domain; adding a domain creates only its records).

The health check (`health_check.enabled`): HTTPS with SNI to `health_check.domain` on port 443 at
`health_check.path`, every 30 s, unhealthy after 3 failures. Route 53's checkers are on the
public internet: an ALB that only CloudFront may reach must be checked through the
distribution's domain. Its CloudWatch metric (AWS/Route53 HealthCheckStatus, dimension
HealthCheckId) exists only in us-east-1: the alarm family `route53-health-check` creates its
alarm there (components/alarms/dns.py).
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import child_opts, component_naming, require
from groundwork.components.dns_names import DnsName, distinct, is_wildcard, record_key

ZONE_ID = re.compile(r"^Z[A-Z0-9]{4,31}$")
"""A Route 53 hosted zone id."""
HEALTH_CHECK_REGIONS = ("us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1",
                        "ap-southeast-2", "ap-northeast-1", "sa-east-1")
"""Where Route 53 health checkers run (the provider's list of valid `regions`)."""
HealthCheckRegion = Literal["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1",
                            "ap-southeast-2", "ap-northeast-1", "sa-east-1"]
MIN_HEALTH_CHECK_REGIONS = 3
"""Route 53 needs checkers in at least three regions when `regions` is given."""
CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"
"""The alias hosted zone of every CloudFront distribution: Route 53 refuses
`EvaluateTargetHealth` true for it ("You can't set EvaluateTargetHealth to true when the alias
target is a CloudFront distribution", the Route 53 API's AliasTarget)."""
MAX_RESOURCE_PATH = 255
"""Route 53's limit on a health check's ResourcePath."""


class DomainHealthCheckSettings(ArgsModel):
    """A Route 53 HTTPS health check of the app's public health path."""

    enabled: bool = False
    """Create the health check (default false: $1.50 a month for an HTTPS check of an AWS
    endpoint; the stacks' prod profile turns it on)."""
    domain: DnsName | None = None
    """Host the checkers request, with SNI (default none: the first of the records' domains that
    is not a wildcard)."""
    path: Annotated[str, Field(pattern=r"^/\S*$", max_length=MAX_RESOURCE_PATH)] = "/health/ready"
    """Path requested (default /health/ready, groundwork's traffic-ready path; healthy is a 2xx
    or 3xx within 2 s of connecting, the connection made within 4 s)."""
    port: Annotated[int, Field(ge=1, le=65535)] = 443
    """Port (default 443: the HTTPS listener)."""
    request_interval: Literal[10, 30] = 30
    """Seconds between one checker's requests (default 30, standard; 10 is "fast", $1 a month
    more)."""
    failure_threshold: Annotated[int, Field(ge=1, le=10)] = 3
    """Consecutive failures (and successes) that flip the status (default 3: about 90 s to
    notice an outage, one lost request doesn't)."""
    measure_latency: bool = False
    """Record latency from each checker region (default false: $1 a month more; it can't be
    changed after creation without replacing the check)."""
    regions: list[HealthCheckRegion] = Field(default_factory=list)
    """Checker regions, at least 3 (default none: Route 53's default set). Once set, removing
    it has no effect on the check (the provider keeps the list)."""

    @field_validator("regions")
    @classmethod
    def _regions(cls, v: list[str]) -> list[str]:
        if v and len(set(v)) < MIN_HEALTH_CHECK_REGIONS:
            raise ValueError(f"regions lists {len(set(v))} distinct region(s); Route 53 needs at "
                             f"least {MIN_HEALTH_CHECK_REGIONS} (or none: its default set)")
        if len(set(v)) != len(v):
            raise ValueError("regions lists a region twice")
        return v

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str | None) -> str | None:
        if v is not None and is_wildcard(v):
            raise ValueError(f"{v!r} is a wildcard; a health check requests one host name")
        return v


class DomainRecordsSettings(ArgsModel):
    """The records' tunables."""

    evaluate_target_health: bool = True
    """Answer only while the target is healthy (default true: it matters once failover or
    weighted records are added; false for a CloudFront distribution, where true is refused)."""
    ipv6: bool = False
    """An AAAA alias next to each A alias (default false: groundwork's ALB is IPv4 only; true for
    a dual-stack target such as CloudFront with IPv6)."""
    health_check: DomainHealthCheckSettings = Field(default_factory=DomainHealthCheckSettings)
    """The optional Route 53 health check (default off)."""


class DomainRecordsArgs(ComponentArgs, DomainRecordsSettings):
    """Everything `DomainRecords` takes: the settings plus the zone, the domains and the
    target."""

    zone_id: Input[str] | None = None
    """Route 53 public hosted zone of the domains (required, e.g. the certificate's zone_id)."""
    domains: list[DnsName] = Field(default_factory=list)
    """Domains that get records (required; default none, which is refused: give at least one;
    repeats are dropped, first kept)."""
    target_dns_name: Input[str] | None = None
    """What the aliases point at (required): `LoadBalancer.dns_name`, or a distribution's
    `domain_name`."""
    target_zone_id: Input[str] | None = None
    """The target's hosted zone (required): `LoadBalancer.zone_id`, or a distribution's
    `hosted_zone_id` (Z2FDTNDATAQYW2)."""

    @field_validator("domains")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        return distinct(v)

    @model_validator(mode="after")
    def _coherent(self) -> DomainRecordsArgs:
        if isinstance(self.zone_id, str) and not ZONE_ID.match(self.zone_id):
            raise ValueError(f"zone_id {self.zone_id!r} is not a Route 53 hosted zone id "
                             "(Z followed by 4-31 capital letters and digits)")
        if self.evaluate_target_health and _is_cloudfront(self.target_zone_id):
            raise ValueError(_CLOUDFRONT_HEALTH)
        if self.health_check.enabled and self.health_check_domain is None:
            raise ValueError("health_check.enabled needs a host: set health_check.domain, or "
                             "list a domain that is not a wildcard")
        return self

    @property
    def health_check_domain(self) -> str | None:
        """The host the health check requests: `health_check.domain`, else the first domain
        that is not a wildcard."""
        if self.health_check.domain is not None:
            return self.health_check.domain
        return next((d for d in self.domains if not is_wildcard(d)), None)


_CLOUDFRONT_HEALTH = ("evaluate_target_health must be false for a CloudFront target (zone "
                      f"{CLOUDFRONT_ZONE_ID}): Route 53 refuses true there, a distribution has "
                      "no target health")


def _is_cloudfront(zone_id: object) -> bool:
    return isinstance(zone_id, str) and zone_id == CLOUDFRONT_ZONE_ID


def _target_health(evaluate: bool, zone_id: str) -> bool:
    """`evaluate`, refused for a CloudFront target (the zone known only once it resolves, e.g.
    a distribution's `hosted_zone_id` output: then at preview, not at the record's create)."""
    if evaluate and _is_cloudfront(zone_id):
        raise ValueError(f"DomainRecordsArgs.{_CLOUDFRONT_HEALTH}")
    return evaluate


_REQUIRED = {
    "zone_id": "the Route 53 hosted zone id of the domains",
    "target_dns_name": "the alias target's DNS name (LoadBalancer.dns_name)",
    "target_zone_id": "the alias target's hosted zone id (LoadBalancer.zone_id)",
}


class DomainRecords(pulumi.ComponentResource):
    """Alias records for the app's domains and an optional Route 53 health check.

    `DomainRecords(name, DomainRecordsArgs(zone_id=..., domains=[...], target_dns_name=...,
    target_zone_id=...), opts)`. Outputs: `records` (domain -> its A record), `ipv6_records`
    (domain -> AAAA record; empty without ipv6), `fqdns` (the domains, as the records name
    them), `health_check` (the `aws.route53.HealthCheck`, or None), `health_check_id`,
    `health_check_fqdn`.
    """

    def __init__(self, name: str, args: DomainRecordsArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else DomainRecordsArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("DomainRecords", name, args)
        require("DomainRecords", name, args, _REQUIRED)
        if not args.domains:
            raise ValueError(f"DomainRecords {name!r}: DomainRecordsArgs.domains is empty; give "
                             "at least one domain (e.g. the certificate's)")
        super().__init__("groundwork:edge:DomainRecords", name, None, opts)
        self.args = args
        self.records: dict[str, aws.route53.Record] = {}
        self.ipv6_records: dict[str, aws.route53.Record] = {}
        assert args.target_dns_name is not None and args.target_zone_id is not None  # require
        alias = aws.route53.RecordAliasArgs(
            name=args.target_dns_name, zone_id=args.target_zone_id,
            evaluate_target_health=pulumi.Output.from_input(args.target_zone_id).apply(
                functools.partial(_target_health, args.evaluate_target_health)))
        types = ("A", "AAAA") if args.ipv6 else ("A",)
        for domain in args.domains:
            for kind in types:
                record = aws.route53.Record(
                    f"{name}-{record_key(domain)}-{kind.lower()}",
                    zone_id=args.zone_id,
                    name=domain,
                    type=kind,
                    aliases=[alias],
                    opts=child_opts(self),
                )
                (self.records if kind == "A" else self.ipv6_records)[domain] = record
        self.fqdns: list[str] = list(args.domains)

        self.health_check: aws.route53.HealthCheck | None = None
        self.health_check_id: pulumi.Output[str] | None = None
        self.health_check_fqdn: str | None = None
        hc = args.health_check
        if hc.enabled:
            fqdn = args.health_check_domain
            check_name = naming.name("health")
            self.health_check_fqdn = fqdn
            self.health_check = aws.route53.HealthCheck(
                f"{name}-health",
                type="HTTPS",
                fqdn=fqdn,
                port=hc.port,
                resource_path=hc.path,
                request_interval=hc.request_interval,
                failure_threshold=hc.failure_threshold,
                measure_latency=hc.measure_latency,
                regions=list(hc.regions) or None,
                enable_sni=True,
                tags=naming.tagged(check_name, Component="domain-records", Domain=fqdn or ""),
                # The checked host resolves through the records: create them first.
                opts=child_opts(self, depends_on=list(self.records.values())),
            )
            self.health_check_id = self.health_check.id
        self.register_outputs({
            "fqdns": self.fqdns,
            **({"health_check_id": self.health_check_id} if self.health_check_id else {}),
        })
