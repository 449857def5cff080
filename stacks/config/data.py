"""The data tier: the `database` (RDS PostgreSQL) and `cache` (ElastiCache) sections, and the
backup/snapshot/maintenance window checks they share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from groundwork.stacks.config._base import _check_retention, _known_size, _Strict

# --------------------------------------------------------------------------------------------
# database
# --------------------------------------------------------------------------------------------

POSTGRES_MAJOR_VERSIONS = ("14", "15", "16", "17")
"""Majors RDS still lets you create (13 reached end of standard support in Feb 2026)."""

PI_RETENTION_DAYS = (7, *range(31, 714, 31), 731)
"""Performance Insights retentions AWS accepts: 7 days, 1-23 months of 31 days, or 731."""
ADVANCED_INSIGHTS_MIN_RETENTION = 465
"""Database Insights advanced mode requires >= 15 months of Performance Insights retention."""

RESERVED_DB_USERNAMES = {"postgres", "admin", "rdsadmin", "root", "master", "user"}


class DatabaseConfig(_Strict):
    """RDS PostgreSQL. Encryption, TLS, private placement, managed master password, IAM auth and
    enhanced monitoring are always on and not configurable."""

    enabled: bool = True
    """Create the database (default true)."""
    engine_version: str = "17"
    """PostgreSQL major version (default 17); minors are upgraded automatically."""
    instance_class: str = "db.m7g.large"
    """Instance class (default db.m7g.large in prod: burstable classes run out of CPU credits
    under steady load; dev uses db.t4g.micro)."""
    allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)] = 100
    """Initial gp3 storage in GiB (default 100 in prod, 20 in dev; gp3 minimum is 20)."""
    max_allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)] = 500
    """Storage autoscaling ceiling in GiB (default 500 in prod, 50 in dev)."""
    multi_az: bool = True
    """Standby in a second AZ (default true in prod, false in dev)."""
    backup_retention_days: Annotated[int, Field(ge=1, le=35)] = 14
    """Automated backup retention (default 14 in prod, 1 in dev; FSBP RDS.11 asks >= 7)."""
    deletion_protection: bool = True
    """RDS deletion protection and Pulumi `protect` (default true in prod, false in dev)."""
    final_snapshot: bool = True
    """Take a final snapshot on delete (default true in prod, false in dev)."""
    database_name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")] = "app"
    """Initial database name (default app)."""
    master_username: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,15}$")] = "groundwork_admin"
    """Master user name (default groundwork_admin; FSBP RDS.25 forbids the default `postgres`).
    Its password is generated and rotated by RDS in Secrets Manager."""
    port: Annotated[int, Field(ge=1150, le=65535)] = 5432
    """Listener port (default 5432)."""
    performance_insights_retention_days: int = 7
    """Performance Insights retention (default 7 days: the free tier). AWS allows 7, a whole
    number of months (31 x 1..23) or 731; Database Insights advanced mode needs >= 465."""
    monitoring_interval: Literal[1, 5, 10, 15, 30, 60] = 60
    """Enhanced monitoring interval in seconds (default 60). There is no 0: the component
    always creates the monitoring role, so the seed's 'interval without a role' can't happen."""
    backup_window: str = "03:00-04:00"
    """Daily backup window, UTC (default 03:00-04:00)."""
    maintenance_window: str = "sun:04:30-sun:05:30"
    """Weekly maintenance window, UTC (default Sunday 04:30-05:30, after the backup)."""
    slow_query_ms: Annotated[int, Field(ge=-1)] = 1000
    """log_min_duration_statement in ms (default 1000; -1 disables)."""
    database_insights_mode: Literal["standard", "advanced"] = "standard"
    """Database Insights mode (default standard; advanced is billed per vCPU-hour)."""
    log_retention_days: int = 365
    """Retention of the exported postgresql/upgrade log groups (default 365 days in prod,
    14 in dev)."""

    @field_validator("log_retention_days")
    @classmethod
    def _log_retention(cls, v: int) -> int:
        return _check_retention(v)

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, v: int) -> int:
        if v not in PI_RETENTION_DAYS:
            raise ValueError(
                f"{v} is not a Performance Insights retention; use 7, a multiple of 31 up to 713 "
                "(whole months), or 731"
            )
        return v

    @field_validator("engine_version")
    @classmethod
    def _version(cls, v: str) -> str:
        major = v.split(".")[0]
        if major not in POSTGRES_MAJOR_VERSIONS:
            raise ValueError(
                f"PostgreSQL {v} can't be created on RDS; use one of "
                f"{', '.join(POSTGRES_MAJOR_VERSIONS)}"
            )
        return v

    @field_validator("instance_class")
    @classmethod
    def _class(cls, v: str) -> str:
        from groundwork.components.sizing import DB_INSTANCE_CLASSES

        return _known_size(v, DB_INSTANCE_CLASSES, "instance class", "db.t4g.micro, db.m7g.large")

    @field_validator("master_username")
    @classmethod
    def _username(cls, v: str) -> str:
        if v in RESERVED_DB_USERNAMES:
            raise ValueError(f"{v!r} is a default or reserved admin name (FSBP RDS.25)")
        return v

    @field_validator("backup_window", "maintenance_window")
    @classmethod
    def _window(cls, v: str, info: Any) -> str:
        day = r"(mon|tue|wed|thu|fri|sat|sun):" if info.field_name == "maintenance_window" else ""
        pattern = rf"^{day}([01]\d|2[0-3]):[0-5]\d-{day}([01]\d|2[0-3]):[0-5]\d$"
        if not re.match(pattern, v):
            example = "sun:04:30-sun:05:30" if day else "03:00-04:00"
            raise ValueError(f"must look like {example} (UTC)")
        return v

    @model_validator(mode="after")
    def _storage(self) -> DatabaseConfig:
        # RDS refuses a ceiling less than 10 % above the allocation ("The maximum allocated
        # storage must be increased by at least 10 percent").
        floor = -(-self.allocated_storage_gb * 11 // 10)
        if self.max_allocated_storage_gb < floor:
            raise ValueError(
                f"max_allocated_storage_gb must be at least 10 % above allocated_storage_gb "
                f"(>= {floor} for {self.allocated_storage_gb}; got {self.max_allocated_storage_gb})"
            )
        if (self.database_insights_mode == "advanced"
                and self.performance_insights_retention_days < ADVANCED_INSIGHTS_MIN_RETENTION):
            raise ValueError(
                "database_insights_mode advanced needs performance_insights_retention_days >= "
                f"{ADVANCED_INSIGHTS_MIN_RETENTION} (got {self.performance_insights_retention_days})"
            )
        _check_windows("backup_window", self.backup_window, "maintenance_window",
                       self.maintenance_window, minimum=30)
        return self

    @property
    def major_version(self) -> str:
        return self.engine_version.split(".")[0]

    @property
    def parameter_group_family(self) -> str:
        """RDS parameter-group family of the engine version (postgres17...)."""
        return f"postgres{self.major_version}"


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60


def _window_minutes(window: str) -> tuple[int, list[tuple[int, int]]]:
    """A window's length in minutes and its [start, end) minute ranges of the week; a daily
    window (no day) repeats every day. Ranges that wrap the end of the week are split."""
    def minute(part: str) -> tuple[int | None, int]:
        bits = part.split(":")
        day = _DAYS.index(bits[0]) if len(bits) == 3 else None
        return day, int(bits[-2]) * 60 + int(bits[-1])

    start_s, end_s = window.split("-")
    (d1, m1), (d2, m2) = minute(start_s), minute(end_s)
    if d1 is None or d2 is None:
        length = (m2 - m1) % (24 * 60)
        starts = [d * 24 * 60 + m1 for d in range(7)]
    else:
        a, b = d1 * 24 * 60 + m1, d2 * 24 * 60 + m2
        length = (b - a) % _WEEK
        starts = [a]
    out: list[tuple[int, int]] = []
    for a in starts:
        b = a + length
        if b <= _WEEK:
            out.append((a, b))
        else:
            out += [(a, _WEEK), (0, b - _WEEK)]
    return length, out


def _check_windows(name_a: str, a: str, name_b: str, b: str, *, minimum: int) -> None:
    """Windows must last >= `minimum` minutes and must not overlap (AWS refuses both)."""
    for name, window in ((name_a, a), (name_b, b)):
        length, _ = _window_minutes(window)
        if length < minimum:
            raise ValueError(f"{name} {window} is shorter than AWS's minimum of {minimum} minutes")
    for s1, e1 in _window_minutes(a)[1]:
        for s2, e2 in _window_minutes(b)[1]:
            if s1 < e2 and s2 < e1:
                raise ValueError(f"{name_a} {a} overlaps {name_b} {b}; AWS requires them apart")


# --------------------------------------------------------------------------------------------
# cache
# --------------------------------------------------------------------------------------------

CACHE_ENGINE_VERSIONS = {"valkey": ("7.2", "8.0", "8.1"), "redis": ("6.2", "7.0", "7.1")}
"""Versions ElastiCache lets you create a replication group with, per engine."""
CACHE_DEFAULT_VERSIONS = {"valkey": "8.0", "redis": "7.1"}
"""The engine_version used when only `engine` is given."""


class CacheConfig(_Strict):
    """ElastiCache replication group. Encryption at rest (customer key) and in transit, and an
    auth token kept in Secrets Manager, are always on."""

    enabled: bool = True
    """Create the cache (default true)."""
    engine: Literal["valkey", "redis"] = "valkey"
    """Engine (default valkey: same protocol, ~20 % cheaper nodes, open licence)."""
    engine_version: str = "8.0"
    """Engine version (default 8.0 for valkey, 7.1 for redis)."""
    node_type: str = "cache.m7g.large"
    """Node type (default cache.m7g.large in prod, cache.t4g.micro in dev)."""
    num_nodes: Annotated[int, Field(ge=1, le=6)] = 2
    """Primary plus replicas (default 2 in prod: failover needs a replica; 1 in dev)."""
    snapshot_retention_days: Annotated[int, Field(ge=1, le=35)] = 7
    """Daily snapshot retention (default 7 in prod, 1 in dev; FSBP ElastiCache.1 asks >= 1)."""
    snapshot_window: str = "02:00-03:00"
    """Daily snapshot window, UTC (default 02:00-03:00)."""
    maintenance_window: str = "sun:05:30-sun:06:30"
    """Weekly maintenance window, UTC (default Sunday 05:30-06:30)."""
    maxmemory_policy: Literal[
        "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "noeviction"
    ] = "allkeys-lru"
    """Eviction policy (default allkeys-lru, seed 004)."""
    port: Annotated[int, Field(ge=1024, le=65535)] = 6379
    """Port (default 6379)."""
    log_retention_days: int = 365
    """Retention of the slow-log and engine-log groups (default 365 days in prod, 14 in dev)."""
    final_snapshot: bool = True
    """Snapshot the primary when the group is deleted (default true in prod, false in dev)."""

    @model_validator(mode="before")
    @classmethod
    def _default_version(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "engine_version" not in data:
            engine = data.get("engine", "valkey")
            if engine in CACHE_DEFAULT_VERSIONS:
                data = {**data, "engine_version": CACHE_DEFAULT_VERSIONS[engine]}
        return data

    @field_validator("log_retention_days")
    @classmethod
    def _log_retention(cls, v: int) -> int:
        return _check_retention(v)

    @field_validator("snapshot_window", "maintenance_window")
    @classmethod
    def _window(cls, v: str, info: Any) -> str:
        return DatabaseConfig._window(v, info)

    @field_validator("node_type")
    @classmethod
    def _node(cls, v: str) -> str:
        from groundwork.components.sizing import CACHE_NODE_TYPES

        return _known_size(v, CACHE_NODE_TYPES, "node type", "cache.t4g.micro, cache.m7g.large")

    @model_validator(mode="after")
    def _version(self) -> CacheConfig:
        allowed = CACHE_ENGINE_VERSIONS[self.engine]
        if self.engine_version not in allowed:
            raise ValueError(
                f"engine_version {self.engine_version!r} is not available for {self.engine}; "
                f"use one of {', '.join(allowed)}"
            )
        _check_windows("snapshot_window", self.snapshot_window, "maintenance_window",
                       self.maintenance_window, minimum=60)
        return self

    @property
    def parameter_group_family(self) -> str:
        """ElastiCache parameter-group family: valkey7 / valkey8, redis6.x / redis7."""
        major = self.engine_version.split(".")[0]
        if self.engine == "redis" and major == "6":
            return "redis6.x"
        return f"{self.engine}{major}"
