"""Typed configuration of one groundwork environment (the `groundwork:` config namespace).

Every key is snake_case, every field has a documented default, and unknown keys are refused.
`profile` (dev | prod) picks the defaults: the field defaults below are the *prod* (secure,
highly available) values and `PROFILE_DEFAULTS["dev"]` relaxes only what the target architecture
allows dev to relax (Multi-AZ, deletion protection, retention, sizes, NAT count). Nothing about
encryption, exposure or least privilege is a config knob at all, so no profile can switch it off.

Validation happens before any resource is registered: `load_environment` returns an
`EnvironmentConfig` or raises `ConfigError`, whose `problems` are one line each, naming the full
key (`groundwork:network.az_count`) and what is allowed.

One module per section; import from `stacks.config`, which re-exports all of them:

    _base.py        the strict base model, NAMESPACE, validators shared by several sections
    network.py      network (VPC, tiers, flow logs, endpoints)
    data.py         database and cache (and their window checks)
    queues.py       queues (SQS, used by services' send_to / receive_from)
    assets.py       assets (S3 asset buckets, used by services' read_assets / write_assets)
    backup.py       backup (AWS Backup, the DR region, RPO/RTO)
    compute.py      cluster, load_balancer, services (Fargate sizes, image references)
    edge.py         edge (entry point, web firewall, DNS records, CloudFront)
    dns.py          edge.dns (the app's alias records and Route 53 health check)
    alarms.py       alarms
    ci.py           ci (the GitHub Actions deploy role)
    environment.py  EnvironmentConfig, its cross-section rules and prod floor, the profiles
    loader.py       load_environment and ConfigError
"""

from __future__ import annotations

from groundwork.components.database import (
    ADVANCED_INSIGHTS_MIN_RETENTION,
    PI_RETENTION_DAYS,
    POSTGRES_MAJOR_VERSIONS,
    RESERVED_DB_USERNAMES,
)
from groundwork.stacks.config._base import NAMESPACE
from groundwork.stacks.config.alarms import AlarmOverride, AlarmsConfig
from groundwork.stacks.config.assets import ASSET_BUCKET_NAME, AssetBucketConfig
from groundwork.stacks.config.backup import BACKUP_STORES, BackupConfig, BackupStore
from groundwork.stacks.config.ci import GIT_REF_PATTERN, GITHUB_OIDC_PROVIDER_ARN, GITHUB_REPOSITORY, CiConfig
from groundwork.stacks.config.compute import (
    CACHE_VARS,
    DATABASE_VARS,
    ENV_NAME,
    FARGATE_SIZES,
    SECRET_VALUE_FROM,
    SERVICE_NAME,
    CertificateConfig,
    ClusterConfig,
    DeploymentConfig,
    HealthCheckConfig,
    ImageBuildConfig,
    LoadBalancerConfig,
    QueueMetricConfig,
    RoutingConfig,
    ScalingConfig,
    ServiceConfig,
    parse_image,
)
from groundwork.stacks.config.data import (
    CACHE_DEFAULT_VERSIONS,
    CACHE_ENGINE_VERSIONS,
    CacheConfig,
    DatabaseConfig,
)
from groundwork.stacks.config.dns import DnsConfig, DnsHealthCheckConfig
from groundwork.stacks.config.edge import EDGE_MODES, EdgeConfig
from groundwork.stacks.config.environment import (
    PROFILE_DEFAULTS,
    REQUIRED_TAGS,
    SERVICE_PROFILE_DEFAULTS,
    TOP_LEVEL_KEYS,
    EnvironmentConfig,
    Profile,
    deep_merge,
)
from groundwork.stacks.config.loader import ConfigError, load_environment
from groundwork.stacks.config.network import (
    INTERFACE_ENDPOINTS,
    NAT_INSTANCE_FAMILIES,
    REQUIRED_TIERS,
    TIER_NAME,
    EndpointsConfig,
    FlowLogsConfig,
    InterfaceEndpoint,
    NetworkConfig,
    TierConfig,
)
from groundwork.stacks.config.queues import QUEUE_NAME, QueueConfig

__all__ = [
    "ADVANCED_INSIGHTS_MIN_RETENTION",
    "ASSET_BUCKET_NAME",
    "BACKUP_STORES",
    "CACHE_DEFAULT_VERSIONS",
    "CACHE_ENGINE_VERSIONS",
    "CACHE_VARS",
    "DATABASE_VARS",
    "EDGE_MODES",
    "ENV_NAME",
    "FARGATE_SIZES",
    "GITHUB_OIDC_PROVIDER_ARN",
    "GITHUB_REPOSITORY",
    "GIT_REF_PATTERN",
    "INTERFACE_ENDPOINTS",
    "NAMESPACE",
    "NAT_INSTANCE_FAMILIES",
    "PI_RETENTION_DAYS",
    "POSTGRES_MAJOR_VERSIONS",
    "PROFILE_DEFAULTS",
    "QUEUE_NAME",
    "REQUIRED_TAGS",
    "REQUIRED_TIERS",
    "RESERVED_DB_USERNAMES",
    "SECRET_VALUE_FROM",
    "SERVICE_NAME",
    "SERVICE_PROFILE_DEFAULTS",
    "TIER_NAME",
    "TOP_LEVEL_KEYS",
    "AlarmOverride",
    "AlarmsConfig",
    "AssetBucketConfig",
    "BackupConfig",
    "BackupStore",
    "CacheConfig",
    "CertificateConfig",
    "CiConfig",
    "ClusterConfig",
    "ConfigError",
    "DatabaseConfig",
    "DeploymentConfig",
    "DnsConfig",
    "DnsHealthCheckConfig",
    "EdgeConfig",
    "EndpointsConfig",
    "EnvironmentConfig",
    "FlowLogsConfig",
    "HealthCheckConfig",
    "ImageBuildConfig",
    "InterfaceEndpoint",
    "LoadBalancerConfig",
    "NetworkConfig",
    "Profile",
    "QueueConfig",
    "QueueMetricConfig",
    "RoutingConfig",
    "ScalingConfig",
    "ServiceConfig",
    "TierConfig",
    "deep_merge",
    "load_environment",
    "parse_image",
]
