"""What every groundwork component shares: physical naming, tags, and the account context.

Names: every physical name starts with `<project>-<stack>` so two environments never collide in
one account, and is cut to AWS's limits with a short hash so that truncation never makes two
names equal. Tags: every taggable child carries the environment's tags plus `Name` and what it
is (tier, AZ, component): provider default tags alone miss the console's Name column and, under
mocks, are invisible to tests (shared/reference/pulumi-offline.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import pulumi


def partition_of(region: str) -> str:
    """AWS partition of a region (aws, aws-cn, aws-us-gov)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class Naming:
    """Physical names and tags of one environment."""

    prefix: str
    """Start of every physical name, e.g. `groundwork-prod`."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags every resource carries (Project, Environment, ManagedBy, Owner...)."""

    def name(self, *parts: str, max_length: int = 63, lower: bool = True) -> str:
        """`<prefix>-<parts...>`, cut to `max_length` with a 6-hex hash of the full name so two
        long names never collapse into one (ALB/target-group names: 32; RDS ids: 63)."""
        full = "-".join([self.prefix, *[p for p in parts if p]])
        full = re.sub(r"-{2,}", "-", full.lower() if lower else full).strip("-")
        if len(full) <= max_length:
            return full
        digest = hashlib.sha256(full.encode()).hexdigest()[:6]
        return f"{full[: max_length - 7].rstrip('-')}-{digest}"

    def tagged(self, name: str, **extra: str) -> dict[str, str]:
        """The environment's tags plus `Name` and any extra (Tier, AZ, Component...)."""
        return {**self.tags, "Name": name, **{k: v for k, v in extra.items() if v}}


@dataclass(frozen=True)
class AccountContext:
    """Where the stack deploys: region, partition and (as an Output) the account id."""

    region: str
    account_id: pulumi.Input[str]
    partition: str = "aws"

    @classmethod
    def current(cls, region: str) -> AccountContext:
        import pulumi_aws as aws

        return cls(region=region, account_id=aws.get_caller_identity_output().account_id,
                   partition=partition_of(region))

    @property
    def dns_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def service_principal(self, service: str) -> str:
        """`<service>.amazonaws.com` (regional where AWS requires it, e.g. logs)."""
        if service == "logs":
            return f"logs.{self.region}.{self.dns_suffix}"
        return f"{service}.{self.dns_suffix}"


def child_opts(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options for a child: parented (so tags, providers and aliases follow the component)."""
    return pulumi.ResourceOptions(parent=parent, **kwargs)


def check_subnet_source(owner: str, *, subnet_group_name: Any, subnet_ids: Any,
                        minimum: int, why: str) -> None:
    """A data store takes exactly one of `subnet_group_name` (an existing subnet group) and
    `subnet_ids` (it then creates its own group). A `subnet_ids` list of known length must name
    at least `minimum` distinct subnets (`why` says what needs them); an Output list is only
    known at deploy time, where AWS checks it."""
    if (subnet_group_name is None) == (subnet_ids is None):
        raise ValueError(f"{owner}: pass exactly one of subnet_group_name (an existing subnet "
                         "group) or subnet_ids (the component creates the subnet group)")
    if isinstance(subnet_ids, str):
        raise TypeError(f"{owner}: subnet_ids must be a list of subnet ids, got a string")
    if isinstance(subnet_ids, (list, tuple)):
        known = {s for s in subnet_ids if isinstance(s, str)}
        count = len(known) + sum(1 for s in subnet_ids if not isinstance(s, str))
        if count < minimum:
            raise ValueError(f"{owner}: subnet_ids names {count} distinct subnet(s); {why} "
                             f"needs at least {minimum}, in different AZs")


def own_subnet_group(parent: pulumi.Resource, name: str, resource: Any, *, naming: Naming,
                     key: str, component: str, description: str,
                     subnet_ids: Any) -> Any:
    """The subnet group a data store creates for itself when given `subnet_ids`:
    `resource` is `aws.rds.SubnetGroup` or `aws.elasticache.SubnetGroup`; named
    `<prefix>-<key>-subnets`, tagged and parented to the store."""
    group_name = naming.name(key, "subnets")
    return resource(
        f"{name}-subnets",
        name=group_name,
        description=description,
        subnet_ids=subnet_ids,
        tags=naming.tagged(group_name, Component=component),
        opts=child_opts(parent),
    )
