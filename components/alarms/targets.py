"""What the alarms watch: plain handles (Outputs plus the config that sized them), so the alarm
families depend on no other component's class, and a test program can hand in stand-ins.

`AlarmTargets.from_components` reads the platform's components (duck-typed: PostgresDatabase,
RedisCache, EcsCluster, LoadBalancer, FargateService, the network's NAT gateways or NAT
instance); any of them may be absent (database disabled, no web service, no NAT gateway...),
and then that family creates nothing.
Every dimension value is the *output* of the watched resource (arn_suffix, identifier, member
cluster id, cluster/service name), never a name recomputed from config: a dimension that is off
by one character is an alarm that never fires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from groundwork.stacks.config import CacheConfig, DatabaseConfig, ServiceConfig


@dataclass(frozen=True)
class ServiceTarget:
    """One ECS service (web or worker)."""

    config: ServiceConfig
    cluster_name: pulumi.Input[str]
    """ClusterName dimension: the ECS cluster's `name` output."""
    service_name: pulumi.Input[str]
    """ServiceName dimension: the ECS service's `name` output."""
    target_group_arn_suffix: pulumi.Input[str] | None = None
    """TargetGroup dimension of a web service (None for workers)."""
    alternate_target_group_arn_suffix: pulumi.Input[str] | None = None
    """BLUE_GREEN / CANARY services: the second target group. ECS swaps which of the two serves
    production on every deployment, so the target-group alarms watch both."""
    queue_dimensions: Mapping[str, pulumi.Input[str]] | None = None
    """A queue worker's queue-metric dimensions as its scaling policy uses them (the service's
    `queue_dimensions`); None: the config's `scaling.queue_metric.dimensions`."""

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def backlog_dimensions(self) -> dict[str, pulumi.Input[str]]:
        """Dimensions of the queue backlog metric: the same values the scaling policy tracks
        (empty when the service scales on no queue)."""
        if self.queue_dimensions is not None:
            return dict(self.queue_dimensions)
        queue = self.config.scaling.queue_metric
        return dict(queue.dimensions) if queue is not None else {}

    @property
    def target_groups(self) -> list[pulumi.Input[str]]:
        """TargetGroup dimension values: the primary, then the alternate if any."""
        return [tg for tg in (self.target_group_arn_suffix, self.alternate_target_group_arn_suffix)
                if tg is not None]


@dataclass(frozen=True)
class DatabaseTarget:
    """The RDS instance: its identifier output and the config that sized it."""

    identifier: pulumi.Input[str]
    config: DatabaseConfig


@dataclass(frozen=True)
class CacheTarget:
    """The replication group: its member cluster ids and the config that sized it."""

    member_clusters: pulumi.Input[Sequence[str]]
    config: CacheConfig

    def member(self, index: int) -> pulumi.Output[str]:
        """CacheClusterId of the index-th node (0-based): `member_clusters[index]`."""
        return pulumi.Output.from_input(self.member_clusters).apply(lambda m: sorted(m)[index])

    @property
    def count(self) -> int:
        return self.config.num_nodes


@dataclass(frozen=True)
class AlarmTargets:
    """Everything an environment's alarms and dashboard watch."""

    region: str
    load_balancer_arn_suffix: pulumi.Input[str] | None = None
    services: Sequence[ServiceTarget] = field(default_factory=tuple)
    database: DatabaseTarget | None = None
    cache: CacheTarget | None = None
    nat_gateway_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    nat_instance_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    """InstanceId of the NAT instance (`network.nat: instance`), if any."""

    @property
    def web_services(self) -> list[ServiceTarget]:
        return [s for s in self.services if s.target_group_arn_suffix is not None]

    @classmethod
    def from_components(
        cls,
        *,
        region: str,
        load_balancer: Any = None,
        services: Mapping[str, Any] | None = None,
        database: Any = None,
        cache: Any = None,
        nat_gateways: Sequence[Any] = (),
        nat_instances: Sequence[Any] = (),
    ) -> AlarmTargets:
        """Targets from the platform's components (each may be None)."""
        return cls(
            region=region,
            load_balancer_arn_suffix=load_balancer.arn_suffix if load_balancer is not None else None,
            services=tuple(
                ServiceTarget(
                    config=svc.config,
                    cluster_name=svc.cluster_name,
                    service_name=svc.service_name,
                    target_group_arn_suffix=getattr(svc, "target_group_arn_suffix", None),
                    alternate_target_group_arn_suffix=_arn_suffix(
                        getattr(svc, "alternate_target_group", None)),
                    queue_dimensions=getattr(svc, "queue_dimensions", None),
                )
                for svc in (services or {}).values()
            ),
            database=(DatabaseTarget(database.identifier, database.args)
                      if database is not None else None),
            cache=CacheTarget(cache.member_clusters, cache.config) if cache is not None else None,
            nat_gateway_ids=tuple(n.id for n in nat_gateways),
            nat_instance_ids=tuple(i.id for i in nat_instances),
        )


def _arn_suffix(target_group: Any) -> pulumi.Input[str] | None:
    return target_group.arn_suffix if target_group is not None else None
