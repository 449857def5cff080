"""OpenSearch alarms: AWS's recommended alarms for an OpenSearch Service domain, with the
free-storage threshold derived from the volume size that was deployed. One set per domain,
scoped by the search domain's name.

Namespace AWS/ES; dimensions DomainName (the domain's `domain_name` output) and ClientId (the
account id, read from the domain's `arn` output). Domain-level metrics aggregate the nodes, so
the statistic chooses the node: `Minimum` FreeStorageSpace is the fullest node, `Maximum`
CPUUtilization the busiest.

Chosen (AWS's recommended list, docs/alarms.md): ClusterStatus.red and .yellow,
FreeStorageSpace, ClusterIndexWritesBlocked, CPUUtilization, JVMMemoryPressure, the two master
metrics (only with dedicated masters: without them the metrics don't exist and the alarm would
sit in INSUFFICIENT_DATA), AutomatedSnapshotFailure and KMSKeyInaccessible (the domain is
encrypted with a customer key). Left out: Nodes (its count changes during every blue/green
deployment and the red/yellow alarms catch a lost node), the threadpool queues and 5xx rates
(workload-dependent thresholds), KMSKeyError (KMSKeyInaccessible covers the key being
unusable). A single-node domain has no yellow alarm: its replicas can never be assigned, so it
is yellow for good.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.components.alarms.base import AlarmSpec, Comparison, Metric, TreatMissing
from groundwork.components.alarms.targets import AlarmTargets, SearchTarget
from groundwork.components.search import SearchDomainSettings

NAMESPACE = "AWS/ES"
FREE_STORAGE_SHARE = 0.25
"""AWS: FreeStorageSpace <= 25 % of each node's storage (the metric is in MiB)."""
CPU_PERCENT = 80.0
"""AWS: CPUUtilization >= 80 % for 15 minutes, 3 consecutive times."""
JVM_PERCENT = 95.0
"""AWS: JVMMemoryPressure >= 95 % for 1 minute, 3 consecutive times (master too)."""
MASTER_CPU_PERCENT = 50.0
"""AWS: MasterCPUUtilization >= 50 % for 15 minutes, 3 consecutive times."""


@dataclass(frozen=True)
class SearchThresholds:
    """The derived defaults, from the domain's settings (pure)."""

    free_storage_mib: float
    yellow: bool
    """A yellow alarm only with more than one data node (one node never places a replica)."""
    masters: bool

    @classmethod
    def of(cls, settings: SearchDomainSettings) -> SearchThresholds:
        return cls(free_storage_mib=float(settings.volume_size_gb * 1024 * FREE_STORAGE_SHARE),
                   yellow=settings.instance_count > 1, masters=settings.dedicated_master)


def search_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    return [spec for domain in targets.searches for spec in _search_alarms(domain)]


def _search_alarms(domain: SearchTarget) -> list[AlarmSpec]:
    t = SearchThresholds.of(domain.settings)
    dims = {"DomainName": domain.domain_name, "ClientId": domain.client_id}
    settings = domain.settings
    watches = (f"OpenSearch domain {domain.name} ({settings.instance_count} x "
               f"{settings.instance_type})")

    def spec(key: str, metric: str, stat: str, comparison: Comparison, threshold: float,
             note: str, missing: TreatMissing, period: int = 60) -> AlarmSpec:
        return AlarmSpec(key=key, scope=domain.name, watches=watches,
                         metric=Metric(NAMESPACE, metric, dims, stat, period=period),
                         comparison=comparison, threshold=threshold, threshold_note=note,
                         treat_missing_data=missing)

    # OpenSearch publishes the cluster metrics every minute while the domain exists; a gap is a
    # domain being replaced or deleted, not a healthy one: keep the last state ("missing").
    # Snapshot and KMS metrics are only emitted when something happens: missing is healthy.
    specs = [
        spec("search-red", "ClusterStatus.red", "Maximum", ">=", 1, "AWS recommended", "missing"),
    ]
    if t.yellow:
        specs.append(spec("search-yellow", "ClusterStatus.yellow", "Maximum", ">=", 1,
                          "AWS recommended", "missing"))
    specs += [
        spec("search-free-storage", "FreeStorageSpace", "Minimum", "<=", t.free_storage_mib,
             f"25 % of {settings.volume_size_gb} GiB per node, in MiB", "missing"),
        spec("search-writes-blocked", "ClusterIndexWritesBlocked", "Maximum", ">=", 1,
             "AWS recommended", "missing", period=300),
        spec("search-cpu", "CPUUtilization", "Maximum", ">=", CPU_PERCENT, "AWS recommended",
             "missing", period=900),
        spec("search-jvm-memory", "JVMMemoryPressure", "Maximum", ">=", JVM_PERCENT,
             "AWS recommended", "missing"),
    ]
    if t.masters:
        specs += [
            spec("search-master-cpu", "MasterCPUUtilization", "Maximum", ">=", MASTER_CPU_PERCENT,
                 "AWS recommended", "missing", period=900),
            spec("search-master-jvm-memory", "MasterJVMMemoryPressure", "Maximum", ">=",
                 JVM_PERCENT, "AWS recommended", "missing"),
        ]
    specs += [
        spec("search-snapshot-failed", "AutomatedSnapshotFailure", "Maximum", ">=", 1,
             "AWS recommended", "notBreaching"),
        spec("search-kms-key-inaccessible", "KMSKeyInaccessible", "Maximum", ">=", 1,
             "AWS recommended", "notBreaching"),
    ]
    return specs
