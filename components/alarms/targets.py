"""What the alarms watch: plain handles (Outputs plus the settings that sized them), so the alarm
families depend on no other component's class, and a program can hand in its own resources.

Each target carries a `name`, the watched component's name: it scopes the alarm names
(`<alarms prefix>-<name>-<key>`), so two databases, caches, load balancers, services or networks
in one stack get alarms of their own. `AlarmTargets.from_components` reads the components
(duck-typed: PostgresDatabase, RedisCache, LoadBalancer, FargateService, Network) and takes the
name each was created with; any family may be empty, and then it creates nothing.
Every dimension value is the *output* of the watched resource (arn_suffix, identifier, member
cluster id, cluster/service name), never a name recomputed from settings: a dimension that is
off by one character is an alarm that never fires.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:
    from groundwork.components.cache import RedisCacheSettings
    from groundwork.components.database import PostgresDatabaseSettings
    from groundwork.components.document_database import DocumentDatabaseSettings
    from groundwork.components.kafka import KafkaSettings
    from groundwork.components.queue import QueueSettings
    from groundwork.components.search import SearchDomainSettings
    from groundwork.components.service import FargateServiceSettings
    from groundwork.components.web_firewall import WebFirewallSettings


@dataclass(frozen=True)
class LoadBalancerTarget:
    """One application load balancer."""

    name: str
    """The load balancer's component name (scopes its alb-5xx alarm)."""
    arn_suffix: pulumi.Input[str]
    """LoadBalancer dimension: the ALB's `arn_suffix` output (`app/<name>/<id>`)."""


@dataclass(frozen=True)
class ServiceTarget:
    """One ECS service (web or worker)."""

    name: str
    """The service's component name (scopes its alarms)."""
    settings: FargateServiceSettings
    """What sized it: `scaling.min_count`, `scaling.queue_metric`."""
    cluster_name: pulumi.Input[str]
    """ClusterName dimension: the ECS cluster's `name` output."""
    service_name: pulumi.Input[str]
    """ServiceName dimension: the ECS service's `name` output."""
    target_group_arn_suffix: pulumi.Input[str] | None = None
    """TargetGroup dimension of a web service (None for workers)."""
    alternate_target_group_arn_suffix: pulumi.Input[str] | None = None
    """BLUE_GREEN / CANARY services: the second target group. ECS swaps which of the two serves
    production on every deployment, so the target-group alarms watch both."""
    load_balancer_arn_suffix: pulumi.Input[str] | None = None
    """LoadBalancer dimension of the ALB a web service sits behind (None for workers)."""
    queue_dimensions: Mapping[str, pulumi.Input[str]] | None = None
    """A queue worker's queue-metric dimensions as its scaling policy uses them (the service's
    `queue_dimensions`); None: the settings' `scaling.queue_metric.dimensions`."""
    deployment_alarm_names: Sequence[str] | None = None
    """The alarms the ECS service rolls back on (the service's `alarm_names`), checked against
    the alarms created for it; None: not checked."""

    @property
    def is_web(self) -> bool:
        """Behind a load balancer: it gets the target-group alarms."""
        return self.target_group_arn_suffix is not None and self.load_balancer_arn_suffix is not None

    @property
    def backlog_dimensions(self) -> dict[str, pulumi.Input[str]]:
        """Dimensions of the queue backlog metric: the same values the scaling policy tracks
        (empty when the service scales on no queue)."""
        if self.queue_dimensions is not None:
            return dict(self.queue_dimensions)
        queue = self.settings.scaling.queue_metric
        return dict(queue.dimensions) if queue is not None else {}

    @property
    def target_groups(self) -> list[pulumi.Input[str]]:
        """TargetGroup dimension values: the primary, then the alternate if any."""
        return [tg for tg in (self.target_group_arn_suffix, self.alternate_target_group_arn_suffix)
                if tg is not None]


@dataclass(frozen=True)
class DatabaseTarget:
    """One RDS instance: its identifier output and the settings that sized it."""

    name: str
    """The database's component name (scopes its alarms)."""
    identifier: pulumi.Input[str]
    """DBInstanceIdentifier dimension: the instance's `identifier` output."""
    settings: PostgresDatabaseSettings
    """What sized it: `instance_class` and `allocated_storage_gb` give the thresholds."""


@dataclass(frozen=True)
class CacheTarget:
    """One replication group: its member cluster ids and the settings that sized it."""

    name: str
    """The cache's component name (scopes its alarms)."""
    member_clusters: pulumi.Input[Sequence[str]]
    """The replication group's `member_clusters` output (one CacheClusterId per node)."""
    settings: RedisCacheSettings
    """What sized it: `node_type` and `num_nodes` (one set of alarms per node)."""

    def member(self, index: int) -> pulumi.Output[str]:
        """CacheClusterId of the index-th node (0-based): `member_clusters[index]`."""
        return pulumi.Output.from_input(self.member_clusters).apply(lambda m: sorted(m)[index])

    @property
    def count(self) -> int:
        return self.settings.num_nodes


@dataclass(frozen=True)
class SearchTarget:
    """One OpenSearch domain: its name and account outputs and the settings that sized it."""

    name: str
    """The search domain's component name (scopes its alarms)."""
    domain_name: pulumi.Input[str]
    """DomainName dimension: the domain's `domain_name` output."""
    client_id: pulumi.Input[str]
    """ClientId dimension: the account id, from the domain's `arn` output."""
    settings: SearchDomainSettings
    """What sized it: `volume_size_gb` (free-storage threshold), `instance_count`,
    `dedicated_master` (the master alarms)."""


@dataclass(frozen=True)
class QueueTarget:
    """One SQS queue and its dead-letter queue: their name outputs and the settings that sized
    the alarms."""

    name: str
    """The queue's component name (scopes its alarms)."""
    queue_name: pulumi.Input[str]
    """QueueName dimension of the main queue: its `name` output."""
    dlq_name: pulumi.Input[str]
    """QueueName dimension of the dead-letter queue: its `name` output."""
    settings: QueueSettings
    """What sized it: `max_receive_count`, `visibility_timeout_seconds`, `delay_seconds` and
    `message_retention_seconds` give the oldest-message threshold."""


@dataclass(frozen=True)
class DocumentsTarget:
    """One DocumentDB cluster: its cluster and instance identifier outputs and the settings
    that sized it."""

    name: str
    """The document database's component name (scopes its alarms)."""
    cluster_identifier: pulumi.Input[str]
    """DBClusterIdentifier dimension: the cluster's `cluster_identifier` output."""
    instance_identifiers: Sequence[pulumi.Input[str]]
    """DBInstanceIdentifier dimension of each instance: the instances' `identifier` outputs."""
    settings: DocumentDatabaseSettings
    """What sized it: `instance_class` (connection and memory thresholds), `instance_count`."""


@dataclass(frozen=True)
class KafkaTarget:
    """One MSK cluster: its name output, its broker ids and the settings that sized it."""

    name: str
    """The Kafka component's name (scopes its alarms)."""
    cluster_name: pulumi.Input[str]
    """"Cluster Name" dimension: the cluster's `cluster_name` output."""
    broker_ids: Sequence[str]
    """"Broker ID" dimension values, "1".."N" (empty for serverless: no brokers)."""
    settings: KafkaSettings
    """What sized it: `instance_type`, `volume_size_gb`, `mode`."""
    az_count: int | None = None
    """Client subnets (one per AZ): the CPU threshold leaves room for a lost AZ."""

    @property
    def serverless(self) -> bool:
        return self.settings.mode == "serverless"


@dataclass(frozen=True)
class WebFirewallTarget:
    """One WAFv2 web ACL: its name output, its rate rule's metric name and the settings that
    sized the alarms."""

    name: str
    """The web firewall's component name (scopes its alarms)."""
    acl_name: pulumi.Input[str]
    """WebACL dimension: the ACL's `name` output (its metric name is the same string)."""
    rate_rule_metric_name: str
    """Rule dimension of the rate-based rule's metrics."""
    scope: str
    """REGIONAL (metrics in the ACL's region, with a Region dimension) or CLOUDFRONT (metrics
    in us-east-1, no Region dimension)."""
    region: str
    """The ACL's region (us-east-1 for CLOUDFRONT scope)."""
    settings: WebFirewallSettings
    """What sized it: `rate_limit`, `rate_window_seconds`."""


@dataclass(frozen=True)
class HealthCheckTarget:
    """One Route 53 health check (of a `DomainRecords`): its id output and what it requests."""

    name: str
    """The domain records' component name (scopes the alarm)."""
    health_check_id: pulumi.Input[str]
    """HealthCheckId dimension: the health check's `id` output."""
    fqdn: str
    """The host it checks (for the description)."""
    path: str = "/"
    """The path it requests (for the description)."""


@dataclass(frozen=True)
class CloudFrontTarget:
    """One CloudFront distribution: its id output."""

    name: str
    """The distribution's component name (scopes its alarm)."""
    distribution_id: pulumi.Input[str]
    """DistributionId dimension: the distribution's `id` output (E...; metrics are in
    us-east-1 with Region = Global)."""


@dataclass(frozen=True)
class NatTarget:
    """The NAT of one network: its NAT gateways, or its NAT instance."""

    name: str
    """The network's component name (scopes its NAT alarms)."""
    gateway_ids: Sequence[pulumi.Input[str]] = ()
    """NatGatewayId of each NAT gateway."""
    instance_ids: Sequence[pulumi.Input[str]] = ()
    """InstanceId of the network's NAT instance, if it has one instead of gateways."""


@dataclass(frozen=True)
class AlarmTargets:
    """Everything an environment's alarms and dashboard watch."""

    region: str
    load_balancers: Sequence[LoadBalancerTarget] = field(default_factory=tuple)
    services: Sequence[ServiceTarget] = field(default_factory=tuple)
    databases: Sequence[DatabaseTarget] = field(default_factory=tuple)
    caches: Sequence[CacheTarget] = field(default_factory=tuple)
    nats: Sequence[NatTarget] = field(default_factory=tuple)
    documents: Sequence[DocumentsTarget] = field(default_factory=tuple)
    queues: Sequence[QueueTarget] = field(default_factory=tuple)
    searches: Sequence[SearchTarget] = field(default_factory=tuple)
    kafkas: Sequence[KafkaTarget] = field(default_factory=tuple)
    web_firewalls: Sequence[WebFirewallTarget] = field(default_factory=tuple)
    health_checks: Sequence[HealthCheckTarget] = field(default_factory=tuple)
    distributions: Sequence[CloudFrontTarget] = field(default_factory=tuple)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """In an Args model, an instance check (its fields hold Outputs, not data to validate)."""
        from pydantic_core import core_schema

        return core_schema.is_instance_schema(cls)

    @property
    def web_services(self) -> list[ServiceTarget]:
        return [s for s in self.services if s.is_web]

    def duplicate_names(self) -> list[str]:
        """`family name` of every target whose name another target of its family has (their
        alarms would get the same names)."""
        out: list[str] = []
        families: dict[str, Sequence[Any]] = {
            "load balancer": self.load_balancers, "service": self.services,
            "database": self.databases, "cache": self.caches, "network": self.nats,
            "document database": self.documents,
            "queue": self.queues,
            "search domain": self.searches,
            "kafka": self.kafkas,
            "web firewall": self.web_firewalls,
            "health check": self.health_checks,
            "distribution": self.distributions}
        for family, targets in families.items():
            names = [t.name for t in targets]
            out += [f"{family} {n}" for n in sorted(set(names)) if names.count(n) > 1]
        return out

    @classmethod
    def from_components(
        cls,
        *,
        region: str,
        load_balancers: Sequence[Any] = (),
        services: Mapping[str, Any] | Sequence[Any] = (),
        databases: Sequence[Any] = (),
        caches: Sequence[Any] = (),
        networks: Sequence[Any] = (),
        documents: Sequence[Any] = (),
        queues: Sequence[Any] = (),
        searches: Sequence[Any] = (),
        kafkas: Sequence[Any] = (),
        web_firewalls: Sequence[Any] = (),
        domain_records: Sequence[Any] = (),
        distributions: Sequence[Any] = (),
    ) -> AlarmTargets:
        """Targets from groundwork components (LoadBalancer, FargateService, PostgresDatabase,
        RedisCache, Network, ..., WebFirewall, DomainRecords, CloudFrontDistribution; each
        family may be empty). A web service is watched behind the
        load balancer its Args name, else behind the only one given."""
        lbs = tuple(LoadBalancerTarget(component_name(lb), lb.arn_suffix) for lb in load_balancers)
        only_lb = lbs[0].arn_suffix if len(lbs) == 1 else None
        svcs: Iterable[Any] = services.values() if isinstance(services, Mapping) else services
        return cls(
            region=region,
            load_balancers=lbs,
            services=tuple(_service_target(svc, only_lb) for svc in svcs),
            databases=tuple(DatabaseTarget(component_name(db), db.identifier, db.args)
                            for db in databases),
            caches=tuple(CacheTarget(component_name(c), c.member_clusters, c.args) for c in caches),
            nats=tuple(
                NatTarget(component_name(n), gateway_ids=tuple(g.id for g in n.nat_gateways),
                          instance_ids=tuple(i.id for i in n.nat_instances))
                for n in networks if n.nat_gateways or n.nat_instances),
            documents=tuple(DocumentsTarget(component_name(d), d.cluster_identifier,
                                            tuple(d.instance_identifiers), d.args)
                            for d in documents),
            queues=tuple(QueueTarget(component_name(q), q.name, q.dlq_name, q.args) for q in queues),
            searches=tuple(SearchTarget(component_name(d), d.domain_name, d.client_id, d.args)
                           for d in searches),
            kafkas=tuple(KafkaTarget(component_name(k), k.cluster_name, tuple(k.broker_ids), k.args,
                                     k.az_count) for k in kafkas),
            web_firewalls=tuple(WebFirewallTarget(component_name(w), w.name, w.rate_rule_metric_name,
                                                  w.scope, w.region, w.args)
                                for w in web_firewalls),
            health_checks=tuple(
                HealthCheckTarget(component_name(d), d.health_check_id, d.health_check_fqdn or "",
                                  d.args.health_check.path)
                for d in domain_records if d.health_check is not None),
            distributions=tuple(CloudFrontTarget(component_name(d), d.id) for d in distributions),
        )


def component_name(component: Any) -> str:
    """The name a component was created with (`pulumi_resource_name`)."""
    return str(component.pulumi_resource_name)


def _service_target(svc: Any, only_lb: pulumi.Input[str] | None) -> ServiceTarget:
    tg_suffix = getattr(svc, "target_group_arn_suffix", None)
    lb = getattr(svc.args, "load_balancer", None)
    lb_suffix = getattr(lb, "arn_suffix", None) if lb is not None else only_lb
    alternate = getattr(svc, "alternate_target_group", None)
    return ServiceTarget(
        name=component_name(svc),
        settings=svc.args,
        cluster_name=svc.cluster_name,
        service_name=svc.service_name,
        target_group_arn_suffix=tg_suffix,
        alternate_target_group_arn_suffix=alternate.arn_suffix if alternate is not None else None,
        load_balancer_arn_suffix=lb_suffix if tg_suffix is not None else None,
        queue_dimensions=getattr(svc, "queue_dimensions", None),
        deployment_alarm_names=getattr(svc, "alarm_names", None),
    )
