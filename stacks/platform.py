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

from components.base import AccountContext, Naming
from components.kms import EnvironmentKeys
from components.network import Network, plan_for
from components.security_groups import SecurityGroups
from stacks.config import EnvironmentConfig


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
    """Components of the later tiers, by name (security_groups, database, cache, cluster,
    load_balancer, services, alarms)."""


def build_platform(env: EnvironmentConfig) -> Platform:
    platform = _build_foundation(env)
    _build_data(platform)
    _export_network(platform)
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
    keys = EnvironmentKeys(naming=naming, account=account, opts=opts)
    network = Network(
        "network",
        env.network,
        naming=naming,
        account=account,
        logs_key_arn=keys.logs.arn,
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
    pulumi.export("db_subnet_group_name", out.db_subnet_group_name)
    pulumi.export("cache_subnet_group_name", out.cache_subnet_group_name)
    pulumi.export("kms_key_arns", {"logs": keys.logs.arn, "data": keys.data.arn,
                                   "notifications": keys.notifications.arn})


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
