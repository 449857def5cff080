"""Typed configuration of one groundwork environment (the `groundwork:` config namespace).

Every key is snake_case, every field has a documented default, and unknown keys are refused.
`profile` (dev | prod) picks the defaults: the field defaults below are the *prod* (secure,
highly available) values and `PROFILE_DEFAULTS["dev"]` relaxes only what the target architecture
allows dev to relax (Multi-AZ, deletion protection, retention, sizes, NAT count). Nothing about
encryption, exposure or least privilege is a config knob at all, so no profile can switch it off.

Validation happens before any resource is registered: `load_environment` returns an
`EnvironmentConfig` or raises `ConfigError`, whose `problems` are one line each, naming the full
key (`groundwork:network.az_count`) and what is allowed.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

NAMESPACE = "groundwork"

# Keys of the namespace, in the order reports show them.
TOP_LEVEL_KEYS = (
    "profile",
    "network",
    "database",
    "cache",
    "cluster",
    "load_balancer",
    "services",
    "alarms",
    "ci",
    "tags",
)


class Profile(StrEnum):
    """Environment profile: picks the defaults of every section."""

    DEV = "dev"
    PROD = "prod"


class _Strict(BaseModel):
    """Base of every config section: unknown keys are errors, values are not coerced from
    unrelated types (``"three"`` is not an int), and models are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# --------------------------------------------------------------------------------------------
# network
# --------------------------------------------------------------------------------------------

TIER_NAME = r"^[a-z][a-z0-9-]{0,19}$"
REQUIRED_TIERS = {"public": "public", "compute": "private", "data": "isolated"}


class TierConfig(_Strict):
    """One subnet tier: one subnet per AZ, all of one size, routed by purpose."""

    name: Annotated[str, Field(pattern=TIER_NAME)]
    """Tier name; `public`, `compute` and `data` are required and hold the ALB/NAT, the tasks
    and the databases."""
    routing: Literal["public", "private", "isolated"]
    """public -> internet gateway; private -> NAT gateway; isolated -> no route off the VPC."""
    prefix_length: Annotated[int, Field(ge=16, le=28)] = 24
    """Size of each subnet of the tier (default /24: 251 usable addresses per AZ)."""
    az_count: Annotated[int, Field(ge=1, le=6)] | None = None
    """Use only the first N AZs (default: every AZ of the VPC)."""
    offset: Annotated[int, Field(ge=0)] | None = None
    """Index of the tier's first subnet, in subnets of its own size from the VPC base.
    Default: placed after the previous tier's reserved block. Explicit offsets keep CIDRs
    stable forever, which is why the seed tiers pin them."""
    cidrs: list[str] = Field(default_factory=list)
    """Explicit CIDRs, one per AZ in order (default: computed from offset)."""
    reserved_azs: Annotated[int, Field(ge=1, le=6)] = 6
    """Subnet slots the tier reserves so AZs can be added later without moving anything
    (default 6: the most AZs any AWS region has)."""


def _seed_tiers() -> list[TierConfig]:
    """The seed 003 layout: 10.0.1-3.0/24 public, .10-12 compute, .20-22 data, .30-31 messaging."""
    return [
        TierConfig(name="public", routing="public", offset=1),
        TierConfig(name="compute", routing="private", offset=10),
        TierConfig(name="data", routing="isolated", offset=20),
        TierConfig(name="messaging", routing="isolated", offset=30, az_count=2),
    ]


InterfaceEndpoint = Literal["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts", "kms", "ssm"]
INTERFACE_ENDPOINTS: tuple[str, ...] = get_args(InterfaceEndpoint)


class FlowLogsConfig(_Strict):
    """VPC flow logs (FSBP EC2.6): always on; only retention and filter are choices."""

    retention_days: int = 365
    """CloudWatch retention of flow logs (default 365 days in prod, 30 in dev)."""
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    """Which traffic to log (default ALL, as FSBP EC2.6 asks)."""

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        return _check_retention(v)


class EndpointsConfig(_Strict):
    """VPC endpoints: keep AWS API traffic off the NAT (cheaper, and private)."""

    s3_gateway: bool = True
    """S3 gateway endpoint on the private route tables (default on: free, and ECR layers come
    from S3)."""
    interface: list[InterfaceEndpoint] = Field(default_factory=list)
    """Interface endpoints with private DNS and their own security group (443 from the VPC).
    Default none: each costs ~$7.30/month per AZ; worth it when NAT traffic is heavy or NAT is
    `none`."""


class NetworkConfig(_Strict):
    """The VPC and its subnet plan."""

    cidr: str = "10.0.0.0/16"
    """VPC CIDR (default 10.0.0.0/16, the seed's). AWS allows /16 to /28."""
    az_count: Annotated[int, Field(ge=1, le=6)] = 3
    """Availability zones to use (default 3 in prod, 2 in dev). ALBs and subnet groups need 2."""
    availability_zones: list[str] | None = None
    """Explicit AZ names (default: the region's first `az_count` AZs, from a static table so
    the order never changes under an existing plan)."""
    nat: Literal["none", "single", "per_az"] = "per_az"
    """NAT strategy: per_az (default in prod: an AZ outage does not cut egress), single (dev:
    one NAT, ~$33/month instead of three), none (no egress; needs interface endpoints)."""
    tiers: list[TierConfig] = Field(default_factory=_seed_tiers)
    """Subnet tiers (default: the seed's public/compute/data/messaging /24 layout)."""
    flow_logs: FlowLogsConfig = Field(default_factory=FlowLogsConfig)
    """VPC flow logs to a KMS-encrypted log group (always on)."""
    endpoints: EndpointsConfig = Field(default_factory=EndpointsConfig)
    """VPC endpoints (default: S3 gateway only)."""

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        try:
            net = ipaddress.IPv4Network(v, strict=True)
        except ValueError as exc:
            raise ValueError(f"must be an IPv4 network such as 10.0.0.0/16 ({exc})") from None
        if not 16 <= net.prefixlen <= 28:
            raise ValueError(f"prefix /{net.prefixlen} is outside AWS's VPC range /16 to /28")
        return v

    def plan(self, region: str) -> Any:
        """The subnet plan of this config (pure; raises PlanError if the layout doesn't fit)."""
        from components.network.planner import TierSpec, availability_zones, plan_subnets

        azs = availability_zones(region, self.az_count, self.availability_zones)
        return plan_subnets(self.cidr, azs, [
            TierSpec(name=t.name, routing=t.routing, prefix_length=t.prefix_length,
                     az_count=t.az_count, offset=t.offset, cidrs=tuple(t.cidrs),
                     reserved_azs=t.reserved_azs)
            for t in self.tiers
        ])

    @model_validator(mode="after")
    def _tiers(self) -> NetworkConfig:
        names = [t.name for t in self.tiers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"tiers: duplicate tier name(s) {', '.join(dupes)}")
        for name, routing in REQUIRED_TIERS.items():
            tier = next((t for t in self.tiers if t.name == name), None)
            if tier is None:
                raise ValueError(
                    f"tiers: a tier named '{name}' (routing {routing}) is required; "
                    f"have {', '.join(names) or 'none'}"
                )
            if tier.routing != routing:
                raise ValueError(f"tiers: tier '{name}' must have routing {routing}")
        if self.availability_zones is not None and len(self.availability_zones) < self.az_count:
            raise ValueError(
                f"availability_zones lists {len(self.availability_zones)} AZs but az_count is "
                f"{self.az_count}"
            )
        return self


# --------------------------------------------------------------------------------------------
# database
# --------------------------------------------------------------------------------------------

POSTGRES_MAJOR_VERSIONS = ("14", "15", "16", "17")
"""Majors RDS still lets you create (13 reached end of standard support in Feb 2026)."""

PI_RETENTION_DAYS = (7, *range(31, 714, 31), 731)
"""Performance Insights retentions AWS accepts: 7 days, 1-23 months of 31 days, or 731."""
ADVANCED_INSIGHTS_MIN_RETENTION = 465
"""Database Insights advanced mode requires >= 15 months of Performance Insights retention."""

RESERVED_DB_USERNAMES = {"postgres", "admin", "rdsadmin", "root", "master", "user"}


class DatabaseConfig(_Strict):
    """RDS PostgreSQL. Encryption, TLS, private placement, managed master password, IAM auth and
    enhanced monitoring are always on and not configurable."""

    enabled: bool = True
    """Create the database (default true)."""
    engine_version: str = "17"
    """PostgreSQL major version (default 17); minors are upgraded automatically."""
    instance_class: str = "db.m7g.large"
    """Instance class (default db.m7g.large in prod: burstable classes run out of CPU credits
    under steady load; dev uses db.t4g.micro)."""
    allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)] = 100
    """Initial gp3 storage in GiB (default 100 in prod, 20 in dev; gp3 minimum is 20)."""
    max_allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)] = 500
    """Storage autoscaling ceiling in GiB (default 500 in prod, 50 in dev)."""
    multi_az: bool = True
    """Standby in a second AZ (default true in prod, false in dev)."""
    backup_retention_days: Annotated[int, Field(ge=1, le=35)] = 14
    """Automated backup retention (default 14 in prod, 1 in dev; FSBP RDS.11 asks >= 7)."""
    deletion_protection: bool = True
    """RDS deletion protection and Pulumi `protect` (default true in prod, false in dev)."""
    final_snapshot: bool = True
    """Take a final snapshot on delete (default true in prod, false in dev)."""
    database_name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")] = "app"
    """Initial database name (default app)."""
    master_username: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,15}$")] = "groundwork_admin"
    """Master user name (default groundwork_admin; FSBP RDS.25 forbids the default `postgres`).
    Its password is generated and rotated by RDS in Secrets Manager."""
    port: Annotated[int, Field(ge=1150, le=65535)] = 5432
    """Listener port (default 5432)."""
    performance_insights_retention_days: int = 7
    """Performance Insights retention (default 7 days: the free tier). AWS allows 7, a whole
    number of months (31 x 1..23) or 731; Database Insights advanced mode needs >= 465."""
    monitoring_interval: Literal[1, 5, 10, 15, 30, 60] = 60
    """Enhanced monitoring interval in seconds (default 60). There is no 0: the component
    always creates the monitoring role, so the seed's 'interval without a role' can't happen."""
    backup_window: str = "03:00-04:00"
    """Daily backup window, UTC (default 03:00-04:00)."""
    maintenance_window: str = "sun:04:30-sun:05:30"
    """Weekly maintenance window, UTC (default Sunday 04:30-05:30, after the backup)."""
    slow_query_ms: Annotated[int, Field(ge=-1)] = 1000
    """log_min_duration_statement in ms (default 1000; -1 disables)."""
    database_insights_mode: Literal["standard", "advanced"] = "standard"
    """Database Insights mode (default standard; advanced is billed per vCPU-hour)."""
    log_retention_days: int = 365
    """Retention of the exported postgresql/upgrade log groups (default 365 days in prod,
    14 in dev)."""

    @field_validator("log_retention_days")
    @classmethod
    def _log_retention(cls, v: int) -> int:
        return _check_retention(v)

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, v: int) -> int:
        if v not in PI_RETENTION_DAYS:
            raise ValueError(
                f"{v} is not a Performance Insights retention; use 7, a multiple of 31 up to 713 "
                "(whole months), or 731"
            )
        return v

    @field_validator("engine_version")
    @classmethod
    def _version(cls, v: str) -> str:
        major = v.split(".")[0]
        if major not in POSTGRES_MAJOR_VERSIONS:
            raise ValueError(
                f"PostgreSQL {v} can't be created on RDS; use one of "
                f"{', '.join(POSTGRES_MAJOR_VERSIONS)}"
            )
        return v

    @field_validator("instance_class")
    @classmethod
    def _class(cls, v: str) -> str:
        from components.sizing import DB_INSTANCE_CLASSES

        return _known_size(v, DB_INSTANCE_CLASSES, "instance class", "db.t4g.micro, db.m7g.large")

    @field_validator("master_username")
    @classmethod
    def _username(cls, v: str) -> str:
        if v in RESERVED_DB_USERNAMES:
            raise ValueError(f"{v!r} is a default or reserved admin name (FSBP RDS.25)")
        return v

    @field_validator("backup_window", "maintenance_window")
    @classmethod
    def _window(cls, v: str, info: Any) -> str:
        day = r"(mon|tue|wed|thu|fri|sat|sun):" if info.field_name == "maintenance_window" else ""
        pattern = rf"^{day}([01]\d|2[0-3]):[0-5]\d-{day}([01]\d|2[0-3]):[0-5]\d$"
        if not re.match(pattern, v):
            example = "sun:04:30-sun:05:30" if day else "03:00-04:00"
            raise ValueError(f"must look like {example} (UTC)")
        return v

    @model_validator(mode="after")
    def _storage(self) -> DatabaseConfig:
        # RDS refuses a ceiling less than 10 % above the allocation ("The maximum allocated
        # storage must be increased by at least 10 percent").
        floor = -(-self.allocated_storage_gb * 11 // 10)
        if self.max_allocated_storage_gb < floor:
            raise ValueError(
                f"max_allocated_storage_gb must be at least 10 % above allocated_storage_gb "
                f"(>= {floor} for {self.allocated_storage_gb}; got {self.max_allocated_storage_gb})"
            )
        if (self.database_insights_mode == "advanced"
                and self.performance_insights_retention_days < ADVANCED_INSIGHTS_MIN_RETENTION):
            raise ValueError(
                "database_insights_mode advanced needs performance_insights_retention_days >= "
                f"{ADVANCED_INSIGHTS_MIN_RETENTION} (got {self.performance_insights_retention_days})"
            )
        _check_windows("backup_window", self.backup_window, "maintenance_window",
                       self.maintenance_window, minimum=30)
        return self

    @property
    def major_version(self) -> str:
        return self.engine_version.split(".")[0]

    @property
    def parameter_group_family(self) -> str:
        """RDS parameter-group family of the engine version (postgres17...)."""
        return f"postgres{self.major_version}"


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60


def _window_minutes(window: str) -> tuple[int, list[tuple[int, int]]]:
    """A window's length in minutes and its [start, end) minute ranges of the week; a daily
    window (no day) repeats every day. Ranges that wrap the end of the week are split."""
    def minute(part: str) -> tuple[int | None, int]:
        bits = part.split(":")
        day = _DAYS.index(bits[0]) if len(bits) == 3 else None
        return day, int(bits[-2]) * 60 + int(bits[-1])

    start_s, end_s = window.split("-")
    (d1, m1), (d2, m2) = minute(start_s), minute(end_s)
    if d1 is None or d2 is None:
        length = (m2 - m1) % (24 * 60)
        starts = [d * 24 * 60 + m1 for d in range(7)]
    else:
        a, b = d1 * 24 * 60 + m1, d2 * 24 * 60 + m2
        length = (b - a) % _WEEK
        starts = [a]
    out: list[tuple[int, int]] = []
    for a in starts:
        b = a + length
        if b <= _WEEK:
            out.append((a, b))
        else:
            out += [(a, _WEEK), (0, b - _WEEK)]
    return length, out


def _check_windows(name_a: str, a: str, name_b: str, b: str, *, minimum: int) -> None:
    """Windows must last >= `minimum` minutes and must not overlap (AWS refuses both)."""
    for name, window in ((name_a, a), (name_b, b)):
        length, _ = _window_minutes(window)
        if length < minimum:
            raise ValueError(f"{name} {window} is shorter than AWS's minimum of {minimum} minutes")
    for s1, e1 in _window_minutes(a)[1]:
        for s2, e2 in _window_minutes(b)[1]:
            if s1 < e2 and s2 < e1:
                raise ValueError(f"{name_a} {a} overlaps {name_b} {b}; AWS requires them apart")


# --------------------------------------------------------------------------------------------
# cache
# --------------------------------------------------------------------------------------------

CACHE_ENGINE_VERSIONS = {"valkey": ("7.2", "8.0", "8.1"), "redis": ("6.2", "7.0", "7.1")}
"""Versions ElastiCache lets you create a replication group with, per engine."""
CACHE_DEFAULT_VERSIONS = {"valkey": "8.0", "redis": "7.1"}
"""The engine_version used when only `engine` is given."""


class CacheConfig(_Strict):
    """ElastiCache replication group. Encryption at rest (customer key) and in transit, and an
    auth token kept in Secrets Manager, are always on."""

    enabled: bool = True
    """Create the cache (default true)."""
    engine: Literal["valkey", "redis"] = "valkey"
    """Engine (default valkey: same protocol, ~20 % cheaper nodes, open licence)."""
    engine_version: str = "8.0"
    """Engine version (default 8.0 for valkey, 7.1 for redis)."""
    node_type: str = "cache.m7g.large"
    """Node type (default cache.m7g.large in prod, cache.t4g.micro in dev)."""
    num_nodes: Annotated[int, Field(ge=1, le=6)] = 2
    """Primary plus replicas (default 2 in prod: failover needs a replica; 1 in dev)."""
    snapshot_retention_days: Annotated[int, Field(ge=1, le=35)] = 7
    """Daily snapshot retention (default 7 in prod, 1 in dev; FSBP ElastiCache.1 asks >= 1)."""
    snapshot_window: str = "02:00-03:00"
    """Daily snapshot window, UTC (default 02:00-03:00)."""
    maintenance_window: str = "sun:05:30-sun:06:30"
    """Weekly maintenance window, UTC (default Sunday 05:30-06:30)."""
    maxmemory_policy: Literal[
        "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "noeviction"
    ] = "allkeys-lru"
    """Eviction policy (default allkeys-lru, seed 004)."""
    port: Annotated[int, Field(ge=1024, le=65535)] = 6379
    """Port (default 6379)."""
    log_retention_days: int = 365
    """Retention of the slow-log and engine-log groups (default 365 days in prod, 14 in dev)."""
    final_snapshot: bool = True
    """Snapshot the primary when the group is deleted (default true in prod, false in dev)."""

    @model_validator(mode="before")
    @classmethod
    def _default_version(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "engine_version" not in data:
            engine = data.get("engine", "valkey")
            if engine in CACHE_DEFAULT_VERSIONS:
                data = {**data, "engine_version": CACHE_DEFAULT_VERSIONS[engine]}
        return data

    @field_validator("log_retention_days")
    @classmethod
    def _log_retention(cls, v: int) -> int:
        return _check_retention(v)

    @field_validator("snapshot_window", "maintenance_window")
    @classmethod
    def _window(cls, v: str, info: Any) -> str:
        return DatabaseConfig._window(v, info)

    @field_validator("node_type")
    @classmethod
    def _node(cls, v: str) -> str:
        from components.sizing import CACHE_NODE_TYPES

        return _known_size(v, CACHE_NODE_TYPES, "node type", "cache.t4g.micro, cache.m7g.large")

    @model_validator(mode="after")
    def _version(self) -> CacheConfig:
        allowed = CACHE_ENGINE_VERSIONS[self.engine]
        if self.engine_version not in allowed:
            raise ValueError(
                f"engine_version {self.engine_version!r} is not available for {self.engine}; "
                f"use one of {', '.join(allowed)}"
            )
        _check_windows("snapshot_window", self.snapshot_window, "maintenance_window",
                       self.maintenance_window, minimum=60)
        return self

    @property
    def parameter_group_family(self) -> str:
        """ElastiCache parameter-group family: valkey7 / valkey8, redis6.x / redis7."""
        major = self.engine_version.split(".")[0]
        if self.engine == "redis" and major == "6":
            return "redis6.x"
        return f"{self.engine}{major}"


# --------------------------------------------------------------------------------------------
# compute: cluster, load balancer, services
# --------------------------------------------------------------------------------------------


class ClusterConfig(_Strict):
    """The ECS cluster."""

    container_insights: Literal["enhanced", "enabled"] = "enhanced"
    """Container Insights level (default enhanced: per-task metrics; FSBP ECS.12)."""
    execute_command: bool = False
    """Allow ECS Exec into tasks (default off; when on, its session logs are KMS-encrypted)."""
    log_retention_days: int = 365
    """Retention of service log groups (default 365 days in prod, 14 in dev)."""

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        return _check_retention(v)


class CertificateConfig(_Strict):
    """Either an existing ACM certificate, or a domain whose certificate the stack requests and
    validates by DNS in a Route 53 zone."""

    arn: Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/.+$")] | None = None
    """ARN of an issued ACM certificate in the stack's region."""
    domain: str | None = None
    """Domain to request a certificate for (with `zone_id`)."""
    zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,31}$")] | None = None
    """Route 53 hosted zone that validates `domain`."""

    @model_validator(mode="after")
    def _one(self) -> CertificateConfig:
        if self.arn and (self.domain or self.zone_id):
            raise ValueError("set either arn, or domain and zone_id, not both")
        if not self.arn and not (self.domain and self.zone_id):
            raise ValueError("set arn, or both domain and zone_id")
        return self


class LoadBalancerConfig(_Strict):
    """The one ALB every web service shares (listener rules by host and path)."""

    certificate: CertificateConfig | None = None
    """TLS certificate. Required unless `http_only` is true."""
    http_only: bool = False
    """Dev-only escape hatch: serve plain HTTP without a certificate (flagged by the policy
    pack, refused in prod)."""
    ssl_policy: Literal[
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    ] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    """TLS policy (default TLS 1.3 + 1.2, FSBP ELB.17)."""
    deletion_protection: bool = True
    """ALB deletion protection (default true in prod, false in dev)."""
    desync_mitigation_mode: Literal["defensive", "strictest"] = "defensive"
    """HTTP desync mitigation (default defensive, FSBP ELB.12)."""
    idle_timeout_seconds: Annotated[int, Field(ge=1, le=4000)] = 60
    """Connection idle timeout (default 60 s)."""
    access_log_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    """Days before access-log objects expire (default 90 in prod, 14 in dev)."""
    waf_acl_arn: str | None = None
    """WAFv2 web ACL to associate (default none)."""

    @model_validator(mode="after")
    def _tls(self) -> LoadBalancerConfig:
        if not self.http_only and self.certificate is None:
            raise ValueError(
                "certificate is required (arn, or domain + zone_id); "
                "set http_only: true only for a throwaway dev stack"
            )
        return self


# Fargate's fixed CPU/memory pairs (MiB), from AWS's task-size table.
def _fargate_pairs() -> dict[int, tuple[int, ...]]:
    gib = 1024
    return {
        256: (512, 1024, 2048),
        512: tuple(range(1 * gib, 4 * gib + 1, gib)),
        1024: tuple(range(2 * gib, 8 * gib + 1, gib)),
        2048: tuple(range(4 * gib, 16 * gib + 1, gib)),
        4096: tuple(range(8 * gib, 30 * gib + 1, gib)),
        8192: tuple(range(16 * gib, 60 * gib + 1, 4 * gib)),
        16384: tuple(range(32 * gib, 120 * gib + 1, 8 * gib)),
    }


FARGATE_SIZES: dict[int, tuple[int, ...]] = _fargate_pairs()


class HealthCheckConfig(_Strict):
    """Target-group health check of a web service."""

    path: Annotated[str, Field(pattern=r"^/\S*$")] = "/health/ready"
    """Path the ALB probes (default /health/ready: traffic-ready, not just alive; seed 001)."""
    matcher: Annotated[str, Field(pattern=r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")] = "200"
    """HTTP codes that mean healthy (default 200)."""
    interval_seconds: Annotated[int, Field(ge=5, le=300)] = 15
    """Probe interval (default 15 s)."""
    timeout_seconds: Annotated[int, Field(ge=2, le=120)] = 5
    """Probe timeout (default 5 s)."""
    healthy_threshold: Annotated[int, Field(ge=2, le=10)] = 2
    """Successes before a target is healthy (default 2)."""
    unhealthy_threshold: Annotated[int, Field(ge=2, le=10)] = 3
    """Failures before a target is unhealthy (default 3)."""
    grace_period_seconds: Annotated[int, Field(ge=0, le=2147483647)] = 300
    """ECS ignores failing health checks this long after a task starts (default 300 s, seed 000)."""

    @model_validator(mode="after")
    def _timeout(self) -> HealthCheckConfig:
        if self.timeout_seconds >= self.interval_seconds:
            raise ValueError("timeout_seconds must be less than interval_seconds")
        return self


class ScalingConfig(_Strict):
    """Target-tracking autoscaling of a service's task count."""

    min_count: Annotated[int, Field(ge=0, le=1000)] = 2
    """Fewest tasks (default 2 in prod: one per AZ survives an AZ loss; 1 in dev)."""
    max_count: Annotated[int, Field(ge=1, le=1000)] = 10
    """Most tasks (default 10 in prod, 2 in dev)."""
    cpu_target: Annotated[int, Field(ge=10, le=95)] = 60
    """Average CPU % to hold (default 60)."""
    memory_target: Annotated[int, Field(ge=10, le=95)] = 75
    """Average memory % to hold (default 75)."""
    requests_per_target: Annotated[int, Field(ge=1)] | None = 1000
    """Web only: ALB requests per task per minute to hold (default 1000; null disables)."""
    queue_metric: QueueMetricConfig | None = None
    """Worker only: scale on a queue-depth metric instead of CPU alone (default none)."""

    @model_validator(mode="after")
    def _bounds(self) -> ScalingConfig:
        if self.max_count < self.min_count:
            raise ValueError(f"max_count ({self.max_count}) must be >= min_count ({self.min_count})")
        return self


class QueueMetricConfig(_Strict):
    """A CloudWatch metric that measures a worker's backlog (e.g. SQS ApproximateNumberOfMessagesVisible)."""

    namespace: str = "AWS/SQS"
    """Metric namespace (default AWS/SQS)."""
    metric_name: str = "ApproximateNumberOfMessagesVisible"
    """Metric name (default ApproximateNumberOfMessagesVisible)."""
    dimensions: dict[str, str] = Field(default_factory=dict)
    """Metric dimensions, e.g. {QueueName: jobs}. Required in stack config; a program using
    `FargateService` directly may instead pass `queue_dimensions` (Outputs allowed)."""
    target_per_task: Annotated[float, Field(gt=0)] = 100
    """Backlog each task should hold (default 100)."""
    alarm_threshold: Annotated[float, Field(gt=0)] = 1000
    """QueueBacklog alarm threshold (default 1000, seed 003)."""


ScalingConfig.model_rebuild()


class RoutingConfig(_Strict):
    """How the shared ALB's HTTPS listener sends requests to a web service."""

    host_headers: list[str] = Field(default_factory=list)
    """Host names routed to the service (default: any host)."""
    path_patterns: list[str] = Field(default_factory=lambda: ["/*"])
    """Path patterns routed to the service (default /*)."""
    priority: Annotated[int, Field(ge=1, le=50000)] | None = None
    """Listener-rule priority (default: by position in `services`, lower first)."""


class ImageBuildConfig(_Strict):
    """Build the image from a Dockerfile during `pulumi up` (awsx.ecr.Image, needs Docker)."""

    context: str = "."
    """Docker build context, relative to the project (default .)."""
    dockerfile: str = "Dockerfile"
    """Dockerfile path inside the context (default Dockerfile)."""


class DeploymentConfig(_Strict):
    """How ECS replaces tasks."""

    strategy: Literal["ROLLING", "BLUE_GREEN", "CANARY"] = "ROLLING"
    """Deployment strategy (default ROLLING with circuit breaker and alarm rollback)."""
    bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 10
    """BLUE_GREEN/CANARY: minutes the new revision serves before the old one goes (default 10)."""
    canary_percent: Annotated[float, Field(gt=0, lt=100)] = 10.0
    """CANARY: share of traffic the canary gets first (default 10 %)."""
    canary_bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 5
    """CANARY: minutes the canary share is held before all traffic shifts (default 5)."""
    ci_owns_image: bool = False
    """Let CI roll images (`aws ecs update-service`): Pulumi ignores task-definition drift on
    the service (default false). Desired-count drift is always ignored: autoscaling owns it."""
    wait_for_steady_state: bool = True
    """`pulumi up` waits until the deployment is steady, so a circuit-breaker rollback fails the
    update instead of passing silently (default true)."""


_IMAGE_PATH = re.compile(
    r"^([a-z0-9.-]+(:\d+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
)
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_IMAGE_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


def parse_image(ref: str) -> tuple[str, str | None, str | None]:
    """Split `registry/repo:tag@sha256:...` into (path, tag, digest); ValueError if malformed.
    The tag is what follows the last ':' of the last path segment (a registry port is not one)."""
    path, _, digest = ref.partition("@")
    if digest and not _IMAGE_DIGEST.match(digest):
        raise ValueError(f"{ref!r} has a malformed digest (want sha256:<64 hex>)")
    head, slash, last = path.rpartition("/")
    name, colon, tag = last.partition(":")
    path = f"{head}{slash}{name}"
    if not _IMAGE_PATH.match(path) or (colon and not _IMAGE_TAG.match(tag)):
        raise ValueError(f"{ref!r} is not an image reference like registry/name:1.2.3 or name@sha256:...")
    return path, (tag or None), (digest or None)


SERVICE_NAME = r"^[a-z][a-z0-9-]{0,27}[a-z0-9]$|^[a-z]$"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_VALUE_FROM = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+"
    r"(:[^:]*:[^:]*:[^:]*)?$"
)
"""A Secrets Manager ARN, optionally with ECS's `:json-key:version-stage:version-id` suffix."""
DATABASE_VARS = ("DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER",
                 "DATABASE_PASSWORD")
"""What the stack wires into a service with use_database (the last two as secrets)."""
CACHE_VARS = ("CACHE_HOST", "CACHE_PORT", "CACHE_TLS", "CACHE_AUTH_TOKEN")
"""What the stack wires into a service with use_cache (the token as a secret)."""


class ServiceConfig(_Strict):
    """One Fargate service: kind web (behind the shared ALB) or worker (no load balancer)."""

    name: Annotated[str, Field(pattern=SERVICE_NAME)]
    """Service name, lowercase letters, digits and hyphens, <= 29 characters."""
    kind: Literal["web", "worker"]
    """web: behind the ALB; worker: no load balancer (queue consumers, schedulers)."""
    image: str | None = None
    """Immutable image reference: a tag other than `latest`, or a digest. Required unless
    `build` is set."""
    build: ImageBuildConfig | None = None
    """Build the image from a Dockerfile into a private ECR repository instead of `image`."""
    port: Annotated[int, Field(ge=1024, le=65535)] | None = None
    """Container port (web: required, default none; workers listen on nothing). >= 1024 so the
    container can run as non-root."""
    cpu: int = 256
    """Task CPU units (default 256); must pair with `memory` in Fargate's table."""
    memory: int = 512
    """Task memory in MiB (default 512)."""
    architecture: Literal["X86_64", "ARM64"] = "X86_64"
    """CPU architecture (default X86_64, as seed 000 pins; ARM64 is ~20 % cheaper)."""
    command: list[str] | None = None
    """Container command override (default: the image's)."""
    environment: dict[str, str] = Field(default_factory=dict)
    """Plain settings (never secrets: the policy pack flags secret-looking values)."""
    secrets: dict[str, str] = Field(default_factory=dict)
    """Extra secrets: env var name -> Secrets Manager ARN (the execution role may read only these
    and the database/cache secrets)."""
    user: Annotated[str, Field(pattern=r"^[1-9]\d*(:\d+)?$")] = "10001:10001"
    """Numeric uid[:gid] the container runs as (default 10001:10001; never 0/root)."""
    scratch_paths: list[Annotated[str, Field(pattern=r"^/\S+$")]] = Field(
        default_factory=lambda: ["/tmp"]
    )
    """Writable paths (the root filesystem is read-only; default /tmp)."""
    use_database: bool = True
    """Wire the database: security-group rule and DATABASE_* env/secrets (default true)."""
    use_cache: bool = True
    """Wire the cache: security-group rule and CACHE_* env/secrets (default true)."""
    desired_count: Annotated[int, Field(ge=0, le=1000)] | None = None
    """Initial task count (default: scaling.min_count)."""
    scaling: ScalingConfig = Field(default_factory=ScalingConfig)
    """Autoscaling bounds and targets."""
    health_check: HealthCheckConfig = Field(default_factory=HealthCheckConfig)
    """Web only: the target-group health check and grace period."""
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    """Web only: listener-rule match."""
    deployment: DeploymentConfig = Field(default_factory=DeploymentConfig)
    """Deployment strategy and CI ownership of images."""
    spot: bool = False
    """Run on FARGATE_SPOT (default false in prod, true in dev: ~70 % cheaper, may be
    interrupted). X86_64 only: Fargate Spot does not run ARM64 tasks."""
    stop_timeout_seconds: Annotated[int, Field(ge=2, le=120)] = 30
    """Seconds between SIGTERM and SIGKILL when a task stops (default 30; Fargate max 120)."""
    deregistration_delay_seconds: Annotated[int, Field(ge=0, le=3600)] = 30
    """Web only: seconds the ALB drains a leaving target (default 30, not AWS's 300, so deploys
    don't wait five minutes per batch; keep it >= your longest request)."""

    @field_validator("environment", "secrets")
    @classmethod
    def _env_names(cls, v: dict[str, str], info: Any) -> dict[str, str]:
        bad = [k for k in v if not ENV_NAME.match(k)]
        if bad:
            raise ValueError(f"{info.field_name}: {', '.join(map(repr, bad))} are not environment "
                             "variable names (letters, digits, _; not starting with a digit)")
        if info.field_name == "secrets":
            wrong = [k for k, arn in v.items() if not SECRET_VALUE_FROM.match(arn)]
            if wrong:
                raise ValueError(
                    f"secrets: {', '.join(wrong)} must be a Secrets Manager ARN "
                    "(arn:aws:secretsmanager:<region>:<account>:secret:<name>[:json-key::]); the "
                    "execution role is granted exactly these ARNs"
                )
        return v

    @field_validator("image")
    @classmethod
    def _image(cls, v: str | None) -> str | None:
        if v is None:
            return v
        _, tag, digest = parse_image(v)
        if not digest and not tag:
            raise ValueError(f"{v!r} has no tag or digest; pin an immutable tag or a digest")
        if tag == "latest" and not digest:
            raise ValueError(f"{v!r} uses the mutable tag 'latest'; pin a version tag or a digest")
        return v

    @model_validator(mode="after")
    def _shape(self) -> ServiceConfig:
        problems = []
        if (self.image is None) == (self.build is None):
            problems.append("set exactly one of image or build")
        allowed = FARGATE_SIZES.get(self.cpu)
        if allowed is None:
            problems.append(
                f"cpu {self.cpu} is not a Fargate size; use one of "
                f"{', '.join(str(c) for c in FARGATE_SIZES)}"
            )
        elif self.memory not in allowed:
            problems.append(
                f"memory {self.memory} MiB does not pair with cpu {self.cpu}; Fargate allows "
                f"{_ranges(allowed)} MiB"
            )
        if self.kind == "web" and self.port is None:
            problems.append("a web service needs a port")
        if self.kind == "worker" and self.port is not None:
            problems.append("a worker has no port (it sits behind no load balancer)")
        if self.kind == "worker" and "routing" in self.model_fields_set:
            problems.append("routing applies to web services only")
        if self.user.split(":")[0] == "0":
            problems.append("user must not be root (uid 0)")
        if self.spot and self.architecture == "ARM64":
            problems.append("Fargate Spot runs X86_64 tasks only; set spot: false for ARM64 "
                            "(dev turns spot on by default)")
        if self.kind == "worker" and self.deployment.strategy != "ROLLING":
            problems.append(f"deployment.strategy {self.deployment.strategy} needs a load "
                            "balancer; a worker deploys ROLLING")
        if self.kind == "web" and self.scaling.queue_metric is not None:
            problems.append("scaling.queue_metric applies to workers only")
        clash = sorted(set(self.environment) & set(self.secrets))
        if clash:
            problems.append(f"{', '.join(clash)} set in both environment and secrets")
        wired = [n for n in (*(DATABASE_VARS if self.use_database else ()),
                             *(CACHE_VARS if self.use_cache else ()))
                 if n in self.environment or n in self.secrets]
        if wired:
            problems.append(f"{', '.join(wired)} are wired by the stack (use_database/use_cache); "
                            "don't set them yourself")
        conditions = len(self.routing.host_headers) + len(self.routing.path_patterns)
        if self.kind == "web" and not 1 <= conditions <= 5:
            problems.append(f"routing has {conditions} host/path values; an ALB rule takes 1 to 5")
        if (
            self.desired_count is not None
            and not self.scaling.min_count <= self.desired_count <= self.scaling.max_count
        ):
            problems.append(
                f"desired_count {self.desired_count} is outside scaling "
                f"{self.scaling.min_count}..{self.scaling.max_count}"
            )
        if problems:
            raise ValueError(f"service '{self.name}': " + "; ".join(problems))
        return self

    @property
    def initial_count(self) -> int:
        """Task count at creation: `desired_count`, else the scaling minimum."""
        return self.desired_count if self.desired_count is not None else self.scaling.min_count


def _ranges(values: tuple[int, ...]) -> str:
    if len(values) <= 3:
        return ", ".join(str(v) for v in values)
    step = values[1] - values[0]
    return f"{values[0]}-{values[-1]} in steps of {step}"


def _default_services() -> list[ServiceConfig]:
    return []


# --------------------------------------------------------------------------------------------
# alarms
# --------------------------------------------------------------------------------------------


class AlarmOverride(_Strict):
    """Per-alarm override of the derived defaults."""

    enabled: bool = True
    """Create this alarm (default true)."""
    threshold: float | None = None
    """Threshold in the alarm's unit (default: derived from the deployed sizes)."""
    evaluation_periods: Annotated[int, Field(ge=1, le=100)] | None = None
    """Periods evaluated (default: per alarm)."""
    datapoints_to_alarm: Annotated[int, Field(ge=1, le=100)] | None = None
    """Breaching periods needed (default: per alarm)."""


class AlarmsConfig(_Strict):
    """CloudWatch alarms (on by default) and where they notify."""

    enabled: bool = True
    """Create alarms, topics and the dashboard (default true)."""
    critical_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(
        default_factory=list
    )
    """E-mail addresses subscribed to the critical topic (default none)."""
    warning_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(
        default_factory=list
    )
    """E-mail addresses subscribed to the warning topic (default none)."""
    critical_https_endpoints: list[str] = Field(default_factory=list)
    """HTTPS endpoints (a pager's webhook; set it with `pulumi config set --secret`) for critical
    alarms (default none)."""
    runbook_url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    """Base URL of the runbook; each alarm links `<runbook_url>#<alarm-key>` (default: the
    repository's docs/alarms.md, whose anchors are the alarm keys)."""
    overrides: dict[str, AlarmOverride] = Field(default_factory=dict)
    """Per-alarm overrides keyed by alarm key (components/alarm_names.py, docs/alarms.md), e.g.
    {rds-cpu: {threshold: 80}}; they apply to every alarm of that key (every service, node...)."""

    @field_validator("critical_https_endpoints")
    @classmethod
    def _https(cls, v: list[str]) -> list[str]:
        from stacks.loader import SECRET_PLACEHOLDER  # what a secure: value reads as offline

        bad = [u for u in v if u != SECRET_PLACEHOLDER and not re.match(r"^https://\S+$", u)]
        if bad:
            raise ValueError(f"{len(bad)} endpoint(s) are not https:// URLs (SNS https protocol)")
        return v

    @field_validator("overrides")
    @classmethod
    def _overrides(cls, v: dict[str, AlarmOverride]) -> dict[str, AlarmOverride]:
        from components.alarm_names import ALARMS, DEPLOYMENT_ALARMS

        problems: list[str] = []
        for key, o in v.items():
            kind = ALARMS.get(key)
            if kind is None:
                problems.append(f"unknown alarm key {key!r} (known: {', '.join(ALARMS)})"
                                + _suggest(key, tuple(ALARMS)))
                continue
            if not o.enabled and key in DEPLOYMENT_ALARMS:
                problems.append(f"{key} gates ECS deployment rollback and can't be disabled; "
                                "raise its threshold instead")
            if o.threshold is not None and not (
                    0 <= o.threshold <= (100 if kind.unit == "percent" else float("inf"))):
                allowed = "0..100 (percent)" if kind.unit == "percent" else ">= 0"
                problems.append(f"{key}.threshold {o.threshold:g} is outside {allowed}")
            periods = o.evaluation_periods or kind.evaluation_periods
            datapoints = o.datapoints_to_alarm or min(kind.datapoints_to_alarm, periods)
            if datapoints > periods:
                problems.append(f"{key}.datapoints_to_alarm {datapoints} exceeds "
                                f"evaluation_periods {periods}")
        if problems:
            raise ValueError("; ".join(problems))
        return v


def _known_size(value: str, table: Mapping[str, Any], what: str, examples: str) -> str:
    """`value` if `table` (components/sizing.py) lists it, else the families it does list."""
    if value not in table:
        families = sorted({c.rsplit(".", 1)[0] for c in table})
        raise ValueError(f"unknown or unsupported {what} {value!r}; families: "
                         f"{', '.join(families)} (e.g. {examples})")
    return value


def _check_retention(v: int) -> int:
    allowed = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
               2557, 2922, 3288, 3653)
    if v not in allowed:
        raise ValueError(
            f"{v} is not a CloudWatch Logs retention; use one of {', '.join(map(str, allowed))}"
        )
    return v


# --------------------------------------------------------------------------------------------
# ci: the GitHub Actions deploy role (OIDC, no static keys)
# --------------------------------------------------------------------------------------------

GITHUB_REPOSITORY = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"
"""`owner/name` exactly: no wildcard can reach the `sub` condition through the repository."""
GIT_REF_PATTERN = r"^[A-Za-z0-9._/*-]{1,200}$"
GITHUB_OIDC_PROVIDER_ARN = (
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$")


class CiConfig(_Strict):
    """The GitHub Actions deploy role (OIDC: no static AWS keys anywhere).

    Only workflows of one repository, on the given branches or GitHub environments, can assume
    it, for at most an hour; pull requests of that repository get a separate read-only preview
    role (`preview`). See docs/operations.md."""

    repository: str
    """`owner/name` of the repository whose workflows may deploy (required; no wildcards)."""
    branches: list[Annotated[str, Field(pattern=GIT_REF_PATTERN)]] = Field(
        default_factory=lambda: ["main"])
    """Branches whose workflows may deploy (default main). `release/*` style patterns are allowed;
    a bare `*` (any branch anyone can push) is not. Jobs that name a GitHub `environment` present
    the environment instead of the branch: list it in `environments`."""
    environments: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9._ -]{1,255}$")]] = Field(
        default_factory=list)
    """GitHub environments whose jobs may deploy (default none). Use one with required reviewers
    for prod: the approval gate is then enforced by AWS too."""
    oidc_provider_arn: Annotated[str, Field(pattern=GITHUB_OIDC_PROVIDER_ARN)] | None = None
    """Existing GitHub OIDC provider (default: create one). An account holds one provider per
    URL: when dev and prod share an account, create it in one stack and pass its ARN to the other."""
    state_bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] | None = None
    """Pulumi state bucket the role may read and write this stack's state in (default none:
    grant it elsewhere). See `groundwork bootstrap-state`."""
    secrets_key_alias: Annotated[str, Field(pattern=r"^alias/[A-Za-z0-9/_-]{1,250}$")] | None = None
    """KMS alias of the `awskms://` secrets provider the role may use (default none)."""
    preview: bool = True
    """Also create the read-only preview role `<prefix>-github-preview` (default true) that
    pull-request workflows assume for `pulumi preview` (output `ci_preview_role_arn`). It trusts
    only `repo:<repository>:pull_request`, so any branch pusher can assume it from a workflow of
    their own: it may Describe/List/Get what the stack uses, read this stack's state and decrypt
    with `secrets_key_alias`, never write or read a secret value. Forked pull requests get no OIDC
    token at all. False: no preview role."""

    @field_validator("repository")
    @classmethod
    def _repository(cls, v: str) -> str:
        if any(c in v for c in "*?[]"):
            raise ValueError(f"{v!r} has a wildcard; name exactly one repository as owner/name")
        if not re.match(GITHUB_REPOSITORY, v):
            raise ValueError(f"{v!r} is not a GitHub repository as owner/name")
        return v

    @field_validator("branches")
    @classmethod
    def _branches(cls, v: list[str]) -> list[str]:
        broad = [b for b in v if b.strip("*/") == ""]
        if broad:
            raise ValueError(f"{', '.join(broad)} would let any branch deploy; name the branches "
                             "(patterns such as release/* are fine)")
        return v

    @model_validator(mode="after")
    def _someone(self) -> CiConfig:
        if not self.branches and not self.environments:
            raise ValueError("set branches or environments: with neither, no workflow may deploy")
        return self


# --------------------------------------------------------------------------------------------
# the environment
# --------------------------------------------------------------------------------------------

REQUIRED_TAGS = ("Owner",)
"""Tags the user must give; Project, Environment and ManagedBy are added by groundwork."""


class EnvironmentConfig(_Strict):
    """A whole environment: the value of every `groundwork:` key."""

    profile: Profile
    """dev or prod (required): picks every other default."""
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    """The VPC and its subnet plan."""
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    """RDS PostgreSQL."""
    cache: CacheConfig = Field(default_factory=CacheConfig)
    """ElastiCache Valkey/Redis."""
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    """The ECS cluster."""
    load_balancer: LoadBalancerConfig | None = None
    """The shared ALB (required when a web service exists; default none)."""
    services: list[ServiceConfig] = Field(default_factory=_default_services)
    """The Fargate services (default none)."""
    alarms: AlarmsConfig = Field(default_factory=AlarmsConfig)
    """CloudWatch alarms, SNS topics and the dashboard."""
    ci: CiConfig | None = None
    """The GitHub Actions OIDC deploy role (default none: no role is created)."""
    tags: dict[
        Annotated[str, Field(min_length=1, max_length=128)],
        Annotated[str, Field(max_length=256)],
    ]
    """Tags on every resource (required: at least Owner)."""

    # Filled by the loader from the stack, not from the namespace.
    stack: str = "dev"
    """The Pulumi stack name (from the stack, not from config)."""
    region: str = "us-east-1"
    """The AWS region (from `aws:region`)."""

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [t for t in REQUIRED_TAGS if not v.get(t)]
        if missing:
            raise ValueError(f"missing required tag(s) {', '.join(missing)}")
        reserved = [k for k in v if k.lower().startswith("aws:")]
        if reserved:
            raise ValueError(f"tag keys starting with aws: are reserved ({', '.join(reserved)})")
        return v

    @model_validator(mode="after")
    def _cross(self) -> EnvironmentConfig:
        names = [s.name for s in self.services]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"services: duplicate service name(s) {', '.join(dupes)}")
        if self.network.az_count < 2 and (self.database.enabled or self.cache.enabled
                                          or any(s.kind == "web" for s in self.services)):
            raise ValueError(
                "network.az_count must be >= 2: ALBs and RDS/ElastiCache subnet groups need "
                "subnets in two AZs"
            )
        for svc in self.services:
            queue = svc.scaling.queue_metric
            if queue is not None and not queue.dimensions:
                raise ValueError(f"services[{svc.name}].scaling.queue_metric.dimensions is "
                                 "required (e.g. {QueueName: jobs}): without it the metric "
                                 "matches no queue")
        if self.web_services and self.load_balancer is None:
            raise ValueError(
                "load_balancer is required when a web service exists "
                "(set load_balancer.certificate, or http_only: true for a throwaway dev stack)"
            )
        if self.profile is Profile.PROD:
            self._prod_floor()
        self._listener_rules()
        return self

    def _listener_rules(self) -> None:
        """Web services share one listener: their rules need distinct priorities and matches,
        or AWS refuses the second rule (priority) or it never gets a request (same match)."""
        seen_priority: dict[int, str] = {}
        seen_match: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
        for svc, priority in self.listener_priorities().items():
            if priority in seen_priority:
                raise ValueError(f"services[{svc}].routing.priority {priority} is also "
                                 f"services[{seen_priority[priority]}]'s; priorities must differ")
            seen_priority[priority] = svc
            r = next(s for s in self.services if s.name == svc).routing
            match = (tuple(sorted(r.host_headers)), tuple(sorted(r.path_patterns)))
            if match in seen_match:
                raise ValueError(f"services[{svc}].routing matches the same hosts and paths as "
                                 f"services[{seen_match[match]}]; give it host_headers or "
                                 "path_patterns of its own")
            seen_match[match] = svc

    def listener_priorities(self) -> dict[str, int]:
        """Listener-rule priority of each web service: `routing.priority`, else 100 + 10 x its
        position among the web services (room to insert rules between them later)."""
        return {s.name: s.routing.priority if s.routing.priority is not None else 100 + 10 * i
                for i, s in enumerate(self.web_services)}

    def _prod_floor(self) -> None:
        """What prod can never relax (the dev-only escapes of the target architecture)."""
        lb = self.load_balancer
        rules: list[tuple[bool, str]] = [
            (self.database.multi_az, "database.multi_az must be true in prod"),
            (self.database.backup_retention_days >= 7,
             "database.backup_retention_days must be >= 7 in prod (FSBP RDS.11)"),
            (self.database.deletion_protection, "database.deletion_protection must be true in prod"),
            (self.database.final_snapshot, "database.final_snapshot must be true in prod"),
            (self.cache.num_nodes >= 2,
             "cache.num_nodes must be >= 2 in prod (automatic failover needs a replica)"),
            (lb is None or not lb.http_only, "load_balancer.http_only is not allowed in prod"),
            (lb is None or lb.deletion_protection,
             "load_balancer.deletion_protection must be true in prod"),
            (self.network.az_count >= 2, "network.az_count must be >= 2 in prod"),
        ]
        for svc in self.services:
            rules.append((
                svc.kind != "web" or svc.scaling.min_count >= 2,
                f"services[{svc.name}].scaling.min_count must be >= 2 for a web service in prod",
            ))
        broken = [msg for ok, msg in rules if not ok]
        if broken:
            raise ValueError("; ".join(broken))

    @property
    def name_prefix(self) -> str:
        """Prefix of every physical name: `<project>-<stack>`."""
        return f"{NAMESPACE}-{self.stack}"

    @property
    def web_services(self) -> list[ServiceConfig]:
        return [s for s in self.services if s.kind == "web"]

    def all_tags(self) -> dict[str, str]:
        """The tags every resource carries: the user's plus the four groundwork sets."""
        return {
            **self.tags,
            "Project": self.tags.get("Project", NAMESPACE),
            "Environment": self.stack,
            "ManagedBy": "pulumi",
        }


# --------------------------------------------------------------------------------------------
# profiles
# --------------------------------------------------------------------------------------------

PROFILE_DEFAULTS: dict[Profile, dict[str, Any]] = {
    Profile.PROD: {},
    Profile.DEV: {
        "network": {"az_count": 2, "nat": "single", "flow_logs": {"retention_days": 30}},
        "database": {
            "instance_class": "db.t4g.micro",
            "allocated_storage_gb": 20,
            "max_allocated_storage_gb": 50,
            "multi_az": False,
            "backup_retention_days": 1,
            "deletion_protection": False,
            "final_snapshot": False,
            "log_retention_days": 14,
        },
        "cache": {"node_type": "cache.t4g.micro", "num_nodes": 1, "snapshot_retention_days": 1,
                  "log_retention_days": 14, "final_snapshot": False},
        "cluster": {"log_retention_days": 14},
        "load_balancer": {"deletion_protection": False, "access_log_retention_days": 14},
        "alarms": {},
    },
}
"""What each profile changes from the field defaults (which are prod's)."""

SERVICE_PROFILE_DEFAULTS: dict[Profile, dict[str, Any]] = {
    Profile.PROD: {},
    Profile.DEV: {"spot": True, "scaling": {"min_count": 1, "max_count": 2}},
}
"""Per-service defaults of each profile, applied under every entry of `services`."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` wins; nested mappings merge; lists and scalars replace."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class ConfigError(Exception):
    """Invalid environment config. `problems` holds one line per problem, each naming the full
    key (`groundwork:network.az_count`) and what is allowed."""

    def __init__(self, problems: list[str], stack: str | None = None):
        self.problems = problems
        self.stack = stack
        head = f"invalid config for stack '{stack}'" if stack else "invalid config"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in problems))


def _key_path(loc: tuple[Any, ...], raw: Mapping[str, Any]) -> str:
    """Render a pydantic error location as a config key: `network.tiers[2].prefix_length`,
    with services named by their `name` rather than their index."""
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int):
            label = str(item)
            if isinstance(node, list) and item < len(node):
                entry = node[item]
                if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
                    label = entry["name"]
                node = entry
            else:
                node = None
            parts.append(f"[{label}]")
            continue
        if isinstance(item, str) and item.startswith(("function-", "literal[", "constrained-")):
            continue  # pydantic's union-branch labels say nothing to a user
        node = node.get(item) if isinstance(node, Mapping) else None
        parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _describe(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", ""))
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, "):]
    value = err.get("input")
    if kind in {"int_parsing", "int_type", "bool_parsing", "bool_type", "literal_error",
                "string_type", "float_parsing", "enum", "string_pattern_mismatch",
                "dict_type", "list_type", "model_type", "int_from_float"}:
        shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
        return f"{msg} (got {shown})"
    return msg


def _suggest(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(allowed), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def load_environment(
    raw: Mapping[str, Any], *, stack: str, region: str | None = None
) -> EnvironmentConfig:
    """Validate the `groundwork:` namespace (keys without the prefix) of one stack.

    Applies the profile's defaults under the given values, then validates. Raises ConfigError
    listing every problem; never registers anything.
    """
    problems: list[str] = []
    unknown = [k for k in raw if k not in TOP_LEVEL_KEYS]
    for key in unknown:
        problems.append(
            f"{NAMESPACE}:{key}: unknown key; allowed: {', '.join(TOP_LEVEL_KEYS)}"
            + _suggest(key, TOP_LEVEL_KEYS)
        )
    known = {k: v for k, v in raw.items() if k in TOP_LEVEL_KEYS}

    profile_raw = known.get("profile")
    try:
        if not isinstance(profile_raw, str):  # missing, or not text: no Profile has that value
            raise ValueError(profile_raw)
        profile = Profile(profile_raw)
    except ValueError:
        shown = "missing" if profile_raw is None else f"got {profile_raw!r}"
        problems.append(f"{NAMESPACE}:profile: must be one of dev, prod ({shown})")
        raise ConfigError(problems, stack) from None

    merged = deep_merge(PROFILE_DEFAULTS[profile], known)
    if known.get("load_balancer") is None:
        merged.pop("load_balancer", None)  # optional section: profile defaults don't create it
    services = merged.get("services")
    if isinstance(services, list):
        merged["services"] = [
            deep_merge(SERVICE_PROFILE_DEFAULTS[profile], s) if isinstance(s, Mapping) else s
            for s in services
        ]
    merged["stack"] = stack
    if region:
        merged["region"] = region
    try:
        env = EnvironmentConfig.model_validate(merged)
    except ValidationError as exc:
        for err in exc.errors():
            key = _key_path(tuple(err["loc"]), merged)
            line = f"{NAMESPACE}:{key}: {_describe(err)}" if key else f"{NAMESPACE}: {_describe(err)}"
            if err.get("type") == "extra_forbidden":
                parent_loc = tuple(err["loc"][:-1])
                allowed = _allowed_keys(parent_loc)
                if allowed:
                    line += f"; allowed: {', '.join(allowed)}" + _suggest(str(err["loc"][-1]), allowed)
            problems.append(line)
    if problems:
        raise ConfigError(problems, stack)
    _check_subnet_plan(env)
    return env


def _check_subnet_plan(env: EnvironmentConfig) -> None:
    """Plan the subnets now, so a layout that doesn't fit fails as config, not mid-build."""
    from components.network.planner import PlanError

    try:
        env.network.plan(env.region)
    except PlanError as exc:
        raise ConfigError([f"{NAMESPACE}:network: {exc}"], env.stack) from None


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at `loc` (for 'unknown key' hints)."""
    model: Any = EnvironmentConfig
    for item in loc:
        if isinstance(item, int):
            continue
        field = model.model_fields.get(item)
        if field is None:
            return []
        model = _model_of(field.annotation)
        if model is None:
            return []
    return [k for k in model.model_fields if k not in {"stack", "region"}]


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside an annotation (`X | None`, `list[X]`), if any."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
