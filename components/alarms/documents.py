"""DocumentDB alarms, with thresholds derived from the instance class that was deployed
(components/document_database.py's size table): change `instance_class` and the connection and
memory thresholds follow. One set per instance (CPU, connections, freeable memory, buffer-cache
hit ratio, low-memory throttling) and one per cluster (the slowest replica's lag), scoped by
the document database's name.

Dimensions are the resources' outputs: DBInstanceIdentifier = each instance's `identifier`,
DBClusterIdentifier = the cluster's `cluster_identifier` (namespace AWS/DocDB).
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.components.alarms.base import AlarmSpec, Comparison, Expression, Metric, TreatMissing
from groundwork.components.alarms.targets import AlarmTargets, DocumentsTarget
from groundwork.components.document_database import DOCDB_INSTANCE_CLASSES, DocumentDatabaseSettings

NAMESPACE = "AWS/DocDB"
CPU_PERCENT = 90.0
"""AWS recommended: CPU above 90 %."""
CONNECTIONS_SHARE = 0.80
"""Alarm at 80 % of the class's connection limit (as the database's rds-connections)."""
FREEABLE_MEMORY_SHARE = 0.10
"""Freeable memory below 10 % of RAM: DocumentDB keeps most memory as its buffer cache, so a
low FreeableMemory is normal and RDS's 25 % would always fire."""
BUFFER_CACHE_HIT_PERCENT = 90.0
"""Reads served from the cache below 90 % (AWS: it should stay close to 100 %)."""
REPLICA_LAG_SECONDS = 10.0
"""The slowest replica more than 10 s behind the primary (workload-based)."""


@dataclass(frozen=True)
class DocumentsThresholds:
    """The derived defaults, from the instance class (pure)."""

    instance_class: str
    max_connections: int
    connections: float
    freeable_memory_bytes: float

    @classmethod
    def of(cls, settings: DocumentDatabaseSettings) -> DocumentsThresholds:
        size = DOCDB_INSTANCE_CLASSES[settings.instance_class]
        return cls(
            instance_class=settings.instance_class,
            max_connections=size.max_connections,
            connections=float(int(size.max_connections * CONNECTIONS_SHARE)),
            freeable_memory_bytes=float(size.memory_bytes * FREEABLE_MEMORY_SHARE),
        )


def documents_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    """Per instance: CPU, connections, freeable memory, buffer-cache hit ratio, low-memory
    throttling; per cluster with replicas: replica lag."""
    return [spec for db in targets.documents for spec in _documents_alarms(db)]


def _documents_alarms(db: DocumentsTarget) -> list[AlarmSpec]:
    t = DocumentsThresholds.of(db.settings)
    count = len(db.instance_identifiers)
    specs: list[AlarmSpec] = []
    for index, identifier in enumerate(db.instance_identifiers):
        member = str(index + 1)
        dims = {"DBInstanceIdentifier": identifier}
        watches = (f"instance {member} of {count} of document database {db.name} "
                   f"({t.instance_class})")

        def spec(key: str, metric: str, stat: str, comparison: Comparison, threshold: float,
                 note: str, missing: TreatMissing, *, dims: dict = dims, member: str = member,
                 watches: str = watches) -> AlarmSpec:
            return AlarmSpec(key=key, scope=db.name, member=member, watches=watches,
                             metric=Metric(NAMESPACE, metric, dims, stat),
                             comparison=comparison, threshold=threshold, threshold_note=note,
                             treat_missing_data=missing)

        # DocumentDB publishes instance metrics every minute while the instance runs; a gap
        # means it is rebooting or being replaced: keep the last state ("missing").
        specs += [
            spec("docdb-cpu", "CPUUtilization", "Average", ">", CPU_PERCENT, "AWS recommended",
                 "missing"),
            spec("docdb-connections", "DatabaseConnections", "Maximum", ">", t.connections,
                 f"80 % of {t.max_connections}, {t.instance_class}'s connection limit", "missing"),
            spec("docdb-freeable-memory", "FreeableMemory", "Average", "<",
                 t.freeable_memory_bytes, f"10 % of {t.instance_class}'s RAM", "missing"),
            # The ratio has no datapoint while nothing is read: idle, not cold.
            spec("docdb-buffer-cache-hit", "BufferCacheHitRatio", "Average", "<",
                 BUFFER_CACHE_HIT_PERCENT, "AWS: close to 100 %", "notBreaching"),
            spec("docdb-low-memory-throttling", "LowMemNumOperationsThrottled", "Sum", ">", 0.0,
                 "AWS recommended: any throttled operation", "notBreaching"),
        ]
    if count >= 2:
        lag = Metric(NAMESPACE, "DBClusterReplicaLagMaximum",
                     {"DBClusterIdentifier": db.cluster_identifier}, "Maximum")
        # The metric is in milliseconds; the expression makes it seconds (the catalog's unit).
        # A cluster without a replica emits none (a failover or a replica being replaced).
        specs.append(AlarmSpec(
            key="docdb-replica-lag", scope=db.name,
            watches=f"the replicas of document database {db.name}",
            metric=Expression(expression="lag / 1000", label="replica lag (s)",
                              metrics={"lag": lag}),
            comparison=">", threshold=REPLICA_LAG_SECONDS, threshold_note="workload-based",
            treat_missing_data="notBreaching"))
    return specs
