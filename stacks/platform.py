"""The composition: one environment of groundwork, built from the components.

`build_platform` is what `__main__.py` calls after the config validated. It creates the
environment's provider (region and default tags), the KMS keys, the network, the security
groups, the data tier, the compute tier and the alarms, wires them together (security groups by
intent, secrets into the services) and exports the outputs other stacks consume.
Each tier has its own `_build_*` function below; they only wire components together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from groundwork.components.base import AccountContext, Naming
from groundwork.components.cache import RedisCache
from groundwork.components.cluster import EcsCluster
from groundwork.components.database import (
    PostgresDatabase,
    PostgresDatabaseArgs,
    PostgresDatabaseSettings,
)
from groundwork.components.image import ServiceImage
from groundwork.components.kms import EnvironmentKeys
from groundwork.components.load_balancer import LoadBalancer
from groundwork.components.network import Network, plan_for
from groundwork.components.security_groups import SecurityGroups
from groundwork.components.service import FargateService, ServiceWiring
from groundwork.stacks.config import EnvironmentConfig, Profile


@dataclass
class Platform:
    """Handles to everything `build_platform` created (for tests and for programs that extend
    the stack)."""

    env: EnvironmentConfig
    naming: Naming
    account: AccountContext
    provider: aws.Provider
    opts: pulumi.ResourceOptions
    keys: EnvironmentKeys
    network: Network
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def common(self) -> dict[str, Any]:
        """The arguments every component's Args takes from the environment: the name prefix
        and the required tags."""
        return {"name_prefix": self.naming.prefix, "tags": dict(self.naming.tags)}
    """Components of the later tiers, by name (security_groups, database, cache, cluster,
    load_balancer, services, alarms)."""


def build_platform(env: EnvironmentConfig) -> Platform:
    platform = _build_foundation(env)
    _build_data(platform)
    _build_compute(platform)
    _export_network(platform)
    _build_alarms(platform)  # last: it watches everything the tiers above created
    _build_ci(platform)
    return platform


# ------------------------------------------------------------------------------------------
# foundation: provider, keys, network
# ------------------------------------------------------------------------------------------


def _build_foundation(env: EnvironmentConfig) -> Platform:
    naming = Naming(prefix=env.name_prefix, tags=env.all_tags())
    # An explicit provider carries the region and the default tags, so even a resource a
    # component forgot to tag is tagged (tags also go on every child explicitly: see base.py).
    provider = aws.Provider("aws", region=env.region, default_tags={"tags": env.all_tags()})
    opts = pulumi.ResourceOptions(providers={"aws": provider})
    account = AccountContext(
        region=env.region,
        account_id=aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(provider=provider)).account_id,
    )
    keys = EnvironmentKeys(naming=naming, account=account, opts=opts)  # all three purposes
    network = Network(
        "network",
        env.network,
        naming=naming,
        account=account,
        logs_key_arn=keys.require("logs").arn,
        plan=plan_for(env.network, env.region),
        opts=opts,
    )
    return Platform(env=env, naming=naming, account=account, provider=provider, opts=opts,
                    keys=keys, network=network)


def _export_network(platform: Platform) -> None:
    out = platform.network.outputs
    keys = platform.keys
    pulumi.export("vpc_id", out.vpc_id)
    pulumi.export("vpc_cidr", out.vpc_cidr)
    pulumi.export("availability_zones", list(out.azs))
    pulumi.export("subnet_ids", out.subnet_ids)
    pulumi.export("route_table_ids", out.route_table_ids)
    pulumi.export("nat_gateway_ids", out.nat_gateway_ids)
    pulumi.export("nat_instance_ids", out.nat_instance_ids)
    pulumi.export("db_subnet_group_name", out.db_subnet_group_name)
    pulumi.export("cache_subnet_group_name", out.cache_subnet_group_name)
    pulumi.export("kms_key_arns", {p: keys.require(p).arn for p in keys.purposes})


# ------------------------------------------------------------------------------------------
# compute tier: cluster, the shared load balancer, services (after the data tier)
# ------------------------------------------------------------------------------------------


def _build_compute(platform: Platform) -> None:
    """The ECS cluster, the one ALB every web service shares, and each service with the data
    tier's settings and secrets wired in. Nothing is built without services; no ALB without a
    web service. Fills extras cluster / load_balancer / services for the alarms."""
    env = platform.env
    if not env.services:
        return
    naming, account, keys, net = platform.naming, platform.account, platform.keys, platform.network
    groups: SecurityGroups = platform.extras["security_groups"]
    cluster = EcsCluster("cluster", env.cluster, naming=naming, logs_key_arn=keys.require("logs").arn,
                         opts=platform.opts)
    platform.extras["cluster"] = cluster

    load_balancer = None
    if env.load_balancer is not None and env.web_services:
        assert groups.alb is not None  # the matrix has an alb group whenever a web service does
        load_balancer = LoadBalancer(
            "load-balancer",
            env.load_balancer,
            naming=naming,
            account=account,
            vpc_id=net.outputs.vpc_id,
            subnet_ids=net.outputs.subnet_ids["public"],
            security_group_ids=[groups.alb.id],
            opts=platform.opts,
        )
        platform.extras["load_balancer"] = load_balancer

    priorities = env.listener_priorities()
    services: dict[str, FargateService] = {}
    for svc in env.services:
        image = repository_arn = None
        image_deps: list[pulumi.Resource] = []
        if svc.build is not None:
            built = ServiceImage(
                f"{svc.name}-image", service=svc.name, naming=naming, account=account,
                kms_key_arn=keys.require("data").arn, build=svc.build, architecture=svc.architecture,
                force_delete=env.profile is Profile.DEV, opts=platform.opts)
            image, repository_arn = built.image_uri, built.repository_arn
            image_deps = [built.build] if built.build is not None else []
        services[svc.name] = FargateService(
            svc.name,
            svc,
            naming=naming,
            account=account,
            cluster=cluster,
            subnet_ids=net.outputs.subnet_ids["compute"],
            security_group_ids=[groups.for_service(svc.name).id],
            logs_key_arn=keys.require("logs").arn,
            log_retention_days=env.cluster.log_retention_days,
            image=image,
            image_repository_arn=repository_arn,
            image_depends_on=image_deps,
            wiring=_service_wiring(platform, svc.use_database, svc.use_cache),
            load_balancer=load_balancer if svc.kind == "web" else None,
            listener_priority=priorities.get(svc.name),
            deployment_alarms=env.alarms.enabled,
            opts=platform.opts,
        )
    platform.extras["services"] = services

    pulumi.export("cluster_name", cluster.name)
    if load_balancer is not None:
        pulumi.export("load_balancer", {"dns_name": load_balancer.dns_name,
                                        "zone_id": load_balancer.zone_id,
                                        "arn_suffix": load_balancer.arn_suffix})
    pulumi.export("services", {name: _service_outputs(s) for name, s in services.items()})


def _service_outputs(service: FargateService) -> dict[str, Any]:
    """What `groundwork verify` and other stacks read about a service."""
    out: dict[str, Any] = {"service_name": service.service_name,
                           "log_group_name": service.log_group_name,
                           "kind": service.config.kind}
    if service.target_group is not None:
        out["target_group_arn"] = service.target_group.arn
        out["health_check_path"] = service.config.health_check.path
    if service.alternate_target_group is not None:
        out["alternate_target_group_arn"] = service.alternate_target_group.arn
    return out


def _service_wiring(platform: Platform, use_database: bool, use_cache: bool) -> ServiceWiring:
    """Database and cache connection settings (environment) and credentials (secrets), and
    exactly the secret ARNs the execution role may read."""
    database = platform.extras.get("database") if use_database else None
    cache = platform.extras.get("cache") if use_cache else None
    environment: dict[str, pulumi.Input[str]] = {}
    secrets: dict[str, pulumi.Input[str]] = {}
    arns: list[pulumi.Input[str]] = []
    if database is not None:
        environment.update(
            DATABASE_HOST=database.address,
            DATABASE_PORT=pulumi.Output.from_input(database.port).apply(str),
            DATABASE_NAME=database.database_name,
        )
        secrets.update(
            DATABASE_USER=pulumi.Output.concat(database.secret_arn, ":username::"),
            DATABASE_PASSWORD=pulumi.Output.concat(database.secret_arn, ":password::"),
        )
        arns.append(database.secret_arn)
    if cache is not None:
        environment.update(
            CACHE_HOST=cache.primary_endpoint,
            CACHE_PORT=pulumi.Output.from_input(cache.port).apply(str),
            CACHE_TLS="true",
        )
        secrets["CACHE_AUTH_TOKEN"] = cache.auth_secret_arn
        arns.append(cache.auth_secret_arn)
    return ServiceWiring(environment=environment, secrets=secrets, secret_arns=arns,
                         secrets_key_arn=platform.keys.require("data").arn if arns else None)


# ------------------------------------------------------------------------------------------
# data tier: security groups, database, cache
# ------------------------------------------------------------------------------------------


def _build_data(platform: Platform) -> None:
    """The security-group matrix (every tier's groups: the compute tier takes its groups from
    `extras["security_groups"]`), then the database and cache when enabled, and their
    connection contract as stack outputs."""
    env = platform.env
    groups = SecurityGroups(
        "security-groups",
        vpc_id=platform.network.outputs.vpc_id,
        vpc_cidr=platform.network.outputs.vpc_cidr,
        services=env.services,
        load_balancer=env.load_balancer is not None,
        database_port=env.database.port if env.database.enabled else None,
        cache_port=env.cache.port if env.cache.enabled else None,
        naming=platform.naming,
        opts=platform.opts,
    )
    platform.extras["security_groups"] = groups
    net, keys = platform.network, platform.keys
    if env.database.enabled:
        database = PostgresDatabase("database", PostgresDatabaseArgs(
            **env.database.settings(PostgresDatabaseSettings),
            **platform.common,
            account=platform.account,
            subnet_group_name=net.outputs.db_subnet_group_name,
            security_group=groups,  # its database group; allow_from goes through the matrix
            data_key_arn=keys.require("data").arn,
            logs_key_arn=keys.require("logs").arn,
            # The name recorded before 0.2.0 (stacks/names/): an RDS rename renames its logs.
            identifier=platform.naming.name("postgres"),
            protect=env.database.deletion_protection,  # prod forces it (stacks/config/environment.py)
        ), opts=platform.opts)
        platform.extras["database"] = database
        pulumi.export("database", {
            "endpoint": database.address, "port": database.port,
            "name": database.database_name, "secret_arn": database.secret_arn,
            "security_group_id": database.security_group_id, "identifier": database.identifier,
        })
    if env.cache.enabled:
        cache = RedisCache(
            "cache",
            env.cache,
            naming=platform.naming,
            subnet_group_name=net.outputs.cache_subnet_group_name,
            security_group=groups,  # its cache group; allow_from goes through the matrix
            data_key_arn=keys.require("data").arn,
            logs_key_arn=keys.require("logs").arn,
            protect=env.profile is Profile.PROD,
            opts=platform.opts,
        )
        platform.extras["cache"] = cache
        pulumi.export("cache", {
            "primary_endpoint": cache.primary_endpoint, "reader_endpoint": cache.reader_endpoint,
            "port": cache.port, "auth_secret_arn": cache.auth_secret_arn,
            "security_group_id": cache.security_group_id,
            "replication_group_id": cache.replication_group.replication_group_id,
        })


# ------------------------------------------------------------------------------------------
# alarms, notifications, dashboard (last: they watch what the tiers above created)
# ------------------------------------------------------------------------------------------


def _build_alarms(platform: Platform) -> None:
    """Topics, alarms and the dashboard over whatever the tiers put in `extras` (each of
    database, cache, load_balancer, services may be absent). `extras["alarms"]`."""
    from groundwork.components.alarms import AlarmTargets, Dashboard, EnvironmentAlarms, Notifications

    env, extras = platform.env, platform.extras
    if not env.alarms.enabled:
        return
    targets = AlarmTargets.from_components(
        region=env.region,
        load_balancer=extras.get("load_balancer"),
        services=extras.get("services"),
        database=extras.get("database"),
        cache=extras.get("cache"),
        nat_gateways=platform.network.nat_gateways,
        nat_instances=platform.network.nat_instances,
    )
    notifications = Notifications(
        "notifications", env.alarms, naming=platform.naming, account=platform.account,
        key_arn=platform.keys.require("notifications").arn,
        database_identifier=targets.database.identifier if targets.database else None,
        opts=platform.opts,
    )
    alarms = EnvironmentAlarms("alarms", env.alarms, naming=platform.naming, targets=targets,
                               topic_arns=notifications.topic_arns, opts=platform.opts)
    dashboard = Dashboard("dashboard", naming=platform.naming, targets=targets,
                          alarms=alarms.alarms, opts=platform.opts)
    extras["alarms"] = alarms
    extras["notifications"] = notifications
    pulumi.export("alarms", {
        "critical_topic_arn": notifications.critical.arn,
        "warning_topic_arn": notifications.warning.arn,
        "dashboard": dashboard.name,
        "alarm_names": alarms.names,
    })


# ------------------------------------------------------------------------------------------
# ci: the GitHub Actions deploy role (only with a `ci` section)
# ------------------------------------------------------------------------------------------


def _build_ci(platform: Platform) -> None:
    """The OIDC deploy role CI assumes (no static keys) and, unless `ci.preview` is false, the
    read-only role pull-request previews assume; `extras["ci"]`, outputs `ci_deploy_role_arn`
    and `ci_preview_role_arn`."""
    from groundwork.components.github_deploy_role import GithubDeployRole

    env = platform.env
    if env.ci is None:
        return
    lb = env.load_balancer
    role = GithubDeployRole(
        "ci",
        env.ci,
        naming=platform.naming,
        account=platform.account,
        zone_id=lb.certificate.zone_id if lb is not None and lb.certificate is not None else None,
        waf_acl_arn=lb.waf_acl_arn if lb is not None else None,
        opts=platform.opts,
    )
    platform.extras["ci"] = role
    pulumi.export("ci_deploy_role_arn", role.role_arn)
    if role.preview_role_arn is not None:
        pulumi.export("ci_preview_role_arn", role.preview_role_arn)
