"""RDS PostgreSQL alarms, with thresholds derived from the instance class and the storage that
were deployed (components/sizing.py): change the database's `instance_class` and the
connection, memory and DBLoad thresholds follow. Seed rules DatabaseConnections and DiskSpace
are here. One set per database, scoped by its name.

Dimension: DBInstanceIdentifier, the instance's `identifier` output.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.components.alarms.base import AlarmSpec, Comparison, Metric, TreatMissing
from groundwork.components.alarms.targets import AlarmTargets, DatabaseTarget
from groundwork.components.database import PostgresDatabaseSettings
from groundwork.components.sizing import DB_INSTANCE_CLASSES, GIB

NAMESPACE = "AWS/RDS"
CPU_PERCENT = 90.0
CONNECTIONS_SHARE = 0.80
"""Seed 003: alarm at 80 % of max_connections (AWS suggests 90-95 %; the seed is stricter)."""
FREE_STORAGE_SHARE = 0.10
"""Seed 003 DiskSpace: free below 10 % of allocated."""
FREEABLE_MEMORY_SHARE = 0.25
"""AWS: freeable memory below ~25 % of the class's RAM."""
LATENCY_SECONDS = 0.020
"""AWS: p90 read/write latency above ~20 ms (workload-based: tune it in the overrides)."""


@dataclass(frozen=True)
class DatabaseThresholds:
    """The derived defaults, from the instance class and the allocated storage (pure)."""

    instance_class: str
    max_connections: int
    connections: float
    free_storage_bytes: float
    freeable_memory_bytes: float
    db_load: float

    @classmethod
    def of(cls, settings: PostgresDatabaseSettings) -> DatabaseThresholds:
        size = DB_INSTANCE_CLASSES[settings.instance_class]
        max_connections = size.postgres_max_connections
        return cls(
            instance_class=settings.instance_class,
            max_connections=max_connections,
            connections=float(int(max_connections * CONNECTIONS_SHARE)),
            free_storage_bytes=float(settings.allocated_storage_gb * GIB * FREE_STORAGE_SHARE),
            freeable_memory_bytes=float(size.memory_bytes * FREEABLE_MEMORY_SHARE),
            db_load=float(size.vcpu),
        )


def database_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    """Per database: CPU, connections, free storage, freeable memory, DBLoad, read and write
    latency."""
    return [spec for db in targets.databases for spec in _database_alarms(db)]


def _database_alarms(db: DatabaseTarget) -> list[AlarmSpec]:
    t = DatabaseThresholds.of(db.settings)
    dims = {"DBInstanceIdentifier": db.identifier}
    watches = f"the RDS instance of database {db.name} ({t.instance_class})"

    def spec(key: str, metric: str, stat: str, comparison: Comparison, threshold: float, note: str,
             missing: TreatMissing) -> AlarmSpec:
        return AlarmSpec(key=key, scope=db.name, watches=watches,
                         metric=Metric(NAMESPACE, metric, dims, stat),
                         comparison=comparison, threshold=threshold, threshold_note=note,
                         treat_missing_data=missing)

    # RDS publishes every instance metric every minute while the instance runs; a gap means it
    # is rebooting, failing over or stopped, which the RDS event subscription reports on the
    # critical topic. So most alarms keep their last state ("missing") rather than flap.
    return [
        spec("rds-cpu", "CPUUtilization", "Average", ">", CPU_PERCENT, "AWS recommended",
             "missing"),
        spec("rds-connections", "DatabaseConnections", "Average", ">", t.connections,
             f"80 % of {t.max_connections}, {t.instance_class}'s max_connections", "missing"),
        spec("rds-free-storage", "FreeStorageSpace", "Minimum", "<", t.free_storage_bytes,
             f"10 % of {db.settings.allocated_storage_gb} GiB allocated",
             # A full disk is the outage this seed rule exists for: if the instance stops
             # reporting while already low, stay in ALARM rather than going quiet.
             "missing"),
        spec("rds-freeable-memory", "FreeableMemory", "Average", "<", t.freeable_memory_bytes,
             f"25 % of {t.instance_class}'s RAM", "missing"),
        # DBLoad comes from Performance Insights, which skips datapoints when no session is
        # active at all: missing means idle, not overloaded.
        spec("rds-db-load", "DBLoad", "Average", ">", t.db_load,
             f"{t.instance_class}'s vCPU count", "notBreaching"),
        spec("rds-read-latency", "ReadLatency", "p90", ">", LATENCY_SECONDS, "AWS recommended",
             "missing"),
        spec("rds-write-latency", "WriteLatency", "p90", ">", LATENCY_SECONDS, "AWS recommended",
             "missing"),
    ]
