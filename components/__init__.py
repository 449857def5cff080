"""groundwork components: reusable Pulumi components for a production AWS baseline.

    from groundwork.components import Network, NetworkArgs, PostgresDatabase, PostgresDatabaseArgs

Every component is `Component(name, <Component>Args(...), opts=None)`, a
`pulumi.ComponentResource` whose children are plain pulumi-aws resources parented to it, named
after it (so any number of each fits in one stack), and visible to Pulumi's mocks, the tests
and the offline policy check. See docs/library.md and docs/reference/.

The names below load on first use, so importing one component (or the config models) does not
import every pulumi-aws module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from groundwork.components.account.account_settings import (
        AccountSettings,
        AccountSettingsArgs,
        AccountSettingsSettings,
        PasswordPolicySettings,
        SecurityContactSettings,
    )
    from groundwork.components.account.audit_trail import AuditTrail, AuditTrailArgs, AuditTrailSettings
    from groundwork.components.account.baseline import (
        AccountBaseline,
        AccountBaselineArgs,
        AccountBaselineSettings,
    )
    from groundwork.components.account.budget import Budget, BudgetArgs, BudgetSettings
    from groundwork.components.account.config_recorder import (
        ConfigRecorder,
        ConfigRecorderArgs,
        ConfigRecorderSettings,
    )
    from groundwork.components.account.security_hub import SecurityHub, SecurityHubArgs, SecurityHubSettings
    from groundwork.components.account.threat_detection import (
        ThreatDetection,
        ThreatDetectionArgs,
        ThreatDetectionSettings,
    )
    from groundwork.components.alarm_names import deployment_alarm_names
    from groundwork.components.alarms import (
        AlarmOverride,
        AlarmTargets,
        BackupNotices,
        BackupNoticesArgs,
        Dashboard,
        DashboardArgs,
        DeployNotices,
        DeployNoticesArgs,
        DeployNoticesSettings,
        EnvironmentAlarms,
        EnvironmentAlarmsArgs,
        EnvironmentAlarmsSettings,
        Notifications,
        NotificationsArgs,
        NotificationsSettings,
        SlackSettings,
    )
    from groundwork.components.asset_bucket import AssetBucket, AssetBucketArgs, AssetBucketSettings
    from groundwork.components.backup import (
        BackupPlan,
        BackupPlanArgs,
        BackupPlanSettings,
        BackupRuleSettings,
        RestoreTestingSettings,
        VaultLockSettings,
        achievable_rpo_minutes,
    )
    from groundwork.components.base import AccountContext, Naming
    from groundwork.components.cache import RedisCache, RedisCacheArgs, RedisCacheSettings
    from groundwork.components.cloudfront import (
        CloudFrontDistribution,
        CloudFrontDistributionArgs,
        CloudFrontDistributionSettings,
    )
    from groundwork.components.cluster import EcsCluster, EcsClusterArgs, EcsClusterSettings
    from groundwork.components.containers import ContainerHealthCheckSettings, TracingSettings
    from groundwork.components.database import (
        PostgresDatabase,
        PostgresDatabaseArgs,
        PostgresDatabaseSettings,
    )
    from groundwork.components.deployment import DeploymentSettings
    from groundwork.components.dns_names import check_dns_name
    from groundwork.components.document_database import (
        DocumentDatabase,
        DocumentDatabaseArgs,
        DocumentDatabaseSettings,
    )
    from groundwork.components.domain_records import (
        DomainHealthCheckSettings,
        DomainRecords,
        DomainRecordsArgs,
        DomainRecordsSettings,
    )
    from groundwork.components.github_deploy_role import (
        GithubDeployRole,
        GithubDeployRoleArgs,
        GithubDeployRoleSettings,
        GithubPreviewRole,
        GithubPreviewRoleArgs,
        GithubPreviewRoleSettings,
    )
    from groundwork.components.image import ImageBuildSettings, ServiceImage, ServiceImageArgs
    from groundwork.components.kafka import Kafka, KafkaArgs, KafkaSettings
    from groundwork.components.kms import (
        EncryptionKey,
        EncryptionKeyArgs,
        EncryptionKeySettings,
        EnvironmentKeys,
        EnvironmentKeysArgs,
        EnvironmentKeysSettings,
    )
    from groundwork.components.load_balancer import (
        CertificateSettings,
        LoadBalancer,
        LoadBalancerArgs,
        LoadBalancerSettings,
    )
    from groundwork.components.network import (
        EndpointsSettings,
        FlowLogsSettings,
        Network,
        NetworkArgs,
        NetworkOutputs,
        NetworkSettings,
        TierSpec,
        plan_subnets,
    )
    from groundwork.components.queue import Queue, QueueArgs, QueueSettings
    from groundwork.components.search import SearchDomain, SearchDomainArgs, SearchDomainSettings
    from groundwork.components.security_groups import (
        SecurityGroups,
        SecurityGroupsArgs,
        SecurityGroupsSettings,
        ServicePeer,
    )
    from groundwork.components.security_headers import SecurityHeadersSettings
    from groundwork.components.service import (
        FargateService,
        FargateServiceArgs,
        FargateServiceSettings,
        HealthCheckSettings,
        QueueMetricSettings,
        RoutingSettings,
        ScalingSettings,
        ServiceWiring,
    )
    from groundwork.components.smoke import SmokeCheckSettings
    from groundwork.components.web_firewall import (
        WebFirewall,
        WebFirewallArgs,
        WebFirewallSettings,
    )

_HOME = {
    "AccountContext": "base",
    "BackupPlan": "backup",
    "BackupPlanArgs": "backup",
    "BackupPlanSettings": "backup",
    "BackupRuleSettings": "backup",
    "RestoreTestingSettings": "backup",
    "VaultLockSettings": "backup",
    "achievable_rpo_minutes": "backup",
    "deployment_alarm_names": "alarm_names",
    "Naming": "base",
    "Network": "network",
    "NetworkArgs": "network",
    "NetworkSettings": "network",
    "NetworkOutputs": "network",
    "FlowLogsSettings": "network",
    "EndpointsSettings": "network",
    "TierSpec": "network",
    "plan_subnets": "network",
    "SecurityGroups": "security_groups",
    "SecurityGroupsArgs": "security_groups",
    "SecurityGroupsSettings": "security_groups",
    "ServicePeer": "security_groups",
    "Kafka": "kafka",
    "KafkaArgs": "kafka",
    "KafkaSettings": "kafka",
    "EncryptionKey": "kms",
    "EncryptionKeyArgs": "kms",
    "EncryptionKeySettings": "kms",
    "EnvironmentKeys": "kms",
    "EnvironmentKeysArgs": "kms",
    "EnvironmentKeysSettings": "kms",
    "PostgresDatabase": "database",
    "PostgresDatabaseArgs": "database",
    "PostgresDatabaseSettings": "database",
    "DocumentDatabase": "document_database",
    "DocumentDatabaseArgs": "document_database",
    "DocumentDatabaseSettings": "document_database",
    "RedisCache": "cache",
    "SearchDomain": "search",
    "SearchDomainArgs": "search",
    "SearchDomainSettings": "search",
    "RedisCacheArgs": "cache",
    "RedisCacheSettings": "cache",
    "EcsCluster": "cluster",
    "EcsClusterArgs": "cluster",
    "EcsClusterSettings": "cluster",
    "LoadBalancer": "load_balancer",
    "LoadBalancerArgs": "load_balancer",
    "LoadBalancerSettings": "load_balancer",
    "CertificateSettings": "load_balancer",
    "FargateService": "service",
    "FargateServiceArgs": "service",
    "FargateServiceSettings": "service",
    "ScalingSettings": "service",
    "QueueMetricSettings": "service",
    "HealthCheckSettings": "service",
    "RoutingSettings": "service",
    "DeploymentSettings": "deployment",
    "ContainerHealthCheckSettings": "containers",
    "TracingSettings": "containers",
    "SmokeCheckSettings": "smoke",
    "ServiceWiring": "service",
    "AssetBucket": "asset_bucket",
    "AssetBucketArgs": "asset_bucket",
    "AssetBucketSettings": "asset_bucket",
    "Queue": "queue",
    "QueueArgs": "queue",
    "QueueSettings": "queue",
    "ServiceImage": "image",
    "ServiceImageArgs": "image",
    "ImageBuildSettings": "image",
    "Notifications": "alarms",
    "NotificationsArgs": "alarms",
    "NotificationsSettings": "alarms",
    "EnvironmentAlarms": "alarms",
    "EnvironmentAlarmsArgs": "alarms",
    "EnvironmentAlarmsSettings": "alarms",
    "AlarmOverride": "alarms",
    "Dashboard": "alarms",
    "DashboardArgs": "alarms",
    "AlarmTargets": "alarms",
    "BackupNotices": "alarms",
    "BackupNoticesArgs": "alarms",
    "DeployNotices": "alarms",
    "DeployNoticesArgs": "alarms",
    "DeployNoticesSettings": "alarms",
    "SlackSettings": "alarms",
    "GithubDeployRole": "github_deploy_role",
    "GithubDeployRoleArgs": "github_deploy_role",
    "GithubDeployRoleSettings": "github_deploy_role",
    "GithubPreviewRole": "github_deploy_role",
    "GithubPreviewRoleArgs": "github_deploy_role",
    "GithubPreviewRoleSettings": "github_deploy_role",
    "AccountBaseline": "account.baseline",
    "AccountBaselineArgs": "account.baseline",
    "AccountBaselineSettings": "account.baseline",
    "AuditTrail": "account.audit_trail",
    "AuditTrailArgs": "account.audit_trail",
    "AuditTrailSettings": "account.audit_trail",
    "ConfigRecorder": "account.config_recorder",
    "ConfigRecorderArgs": "account.config_recorder",
    "ConfigRecorderSettings": "account.config_recorder",
    "ThreatDetection": "account.threat_detection",
    "ThreatDetectionArgs": "account.threat_detection",
    "ThreatDetectionSettings": "account.threat_detection",
    "SecurityHub": "account.security_hub",
    "SecurityHubArgs": "account.security_hub",
    "SecurityHubSettings": "account.security_hub",
    "AccountSettings": "account.account_settings",
    "AccountSettingsArgs": "account.account_settings",
    "AccountSettingsSettings": "account.account_settings",
    "PasswordPolicySettings": "account.account_settings",
    "SecurityContactSettings": "account.account_settings",
    "Budget": "account.budget",
    "BudgetArgs": "account.budget",
    "BudgetSettings": "account.budget",
    "CloudFrontDistribution": "cloudfront",
    "CloudFrontDistributionArgs": "cloudfront",
    "CloudFrontDistributionSettings": "cloudfront",
    "WebFirewall": "web_firewall",
    "WebFirewallArgs": "web_firewall",
    "WebFirewallSettings": "web_firewall",
    "check_dns_name": "dns_names",
    "DomainRecords": "domain_records",
    "DomainRecordsArgs": "domain_records",
    "DomainRecordsSettings": "domain_records",
    "DomainHealthCheckSettings": "domain_records",
    "SecurityHeadersSettings": "security_headers",
}
"""Public name -> the module (under groundwork.components) that defines it."""

__all__ = [
    "AccountBaseline", "AccountBaselineArgs", "AccountBaselineSettings", "AccountContext",
    "AccountSettings", "AccountSettingsArgs", "AccountSettingsSettings", "AlarmOverride",
    "AlarmTargets", "AssetBucket", "AssetBucketArgs", "AssetBucketSettings",
    "AuditTrail", "AuditTrailArgs", "AuditTrailSettings", "BackupNotices",
    "BackupNoticesArgs", "BackupPlan", "BackupPlanArgs", "BackupPlanSettings",
    "BackupRuleSettings", "Budget", "BudgetArgs",
    "BudgetSettings", "CertificateSettings", "CloudFrontDistribution",
    "CloudFrontDistributionArgs", "CloudFrontDistributionSettings", "ConfigRecorder", "ConfigRecorderArgs",
    "ConfigRecorderSettings", "ContainerHealthCheckSettings", "Dashboard", "DashboardArgs",
    "DeployNotices", "DeployNoticesArgs", "DeployNoticesSettings", "DeploymentSettings",
    "DocumentDatabase", "DocumentDatabaseArgs", "DocumentDatabaseSettings",
    "DomainHealthCheckSettings", "DomainRecords", "DomainRecordsArgs", "DomainRecordsSettings",
    "EcsCluster",
    "EcsClusterArgs", "EcsClusterSettings", "EncryptionKey", "EncryptionKeyArgs",
    "EncryptionKeySettings", "EndpointsSettings", "EnvironmentAlarms", "EnvironmentAlarmsArgs",
    "EnvironmentAlarmsSettings", "EnvironmentKeys", "EnvironmentKeysArgs",
    "EnvironmentKeysSettings", "FargateService", "FargateServiceArgs", "FargateServiceSettings",
    "FlowLogsSettings", "GithubDeployRole", "GithubDeployRoleArgs", "GithubDeployRoleSettings",
    "GithubPreviewRole", "GithubPreviewRoleArgs", "GithubPreviewRoleSettings",
    "HealthCheckSettings", "ImageBuildSettings", "Kafka", "KafkaArgs", "KafkaSettings",
    "LoadBalancer", "LoadBalancerArgs",
    "LoadBalancerSettings", "Naming", "Network", "NetworkArgs", "NetworkOutputs",
    "NetworkSettings", "Notifications", "NotificationsArgs", "NotificationsSettings",
    "PasswordPolicySettings", "PostgresDatabase", "PostgresDatabaseArgs",
    "PostgresDatabaseSettings", "Queue", "QueueArgs", "QueueMetricSettings", "QueueSettings",
    "RedisCache", "RedisCacheArgs", "RedisCacheSettings", "RestoreTestingSettings",
    "RoutingSettings", "ScalingSettings",
    "SearchDomain", "SearchDomainArgs", "SearchDomainSettings", "SecurityContactSettings",
    "SecurityGroups", "SecurityGroupsArgs", "SecurityGroupsSettings", "SecurityHeadersSettings",
    "SecurityHub",
    "SecurityHubArgs", "SecurityHubSettings", "ServiceImage", "ServiceImageArgs", "ServicePeer",
    "ServiceWiring", "SlackSettings", "SmokeCheckSettings", "ThreatDetection", "ThreatDetectionArgs",
    "ThreatDetectionSettings",
    "TierSpec", "TracingSettings", "VaultLockSettings", "WebFirewall", "WebFirewallArgs",
    "WebFirewallSettings",
    "achievable_rpo_minutes", "check_dns_name",
    "deployment_alarm_names", "plan_subnets",
]
"""The public names, a literal list so that type checkers (mypy --strict: no implicit re-export)
see the TYPE_CHECKING imports above as exported; the same names as `_HOME`."""


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'groundwork.components' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"groundwork.components.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
