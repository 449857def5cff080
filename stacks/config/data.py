"""The data tier: the `database` (RDS PostgreSQL) and `cache` (ElastiCache) sections, and the
backup/snapshot/maintenance window checks they share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from groundwork.components.args import check_windows
from groundwork.components.database import (
    PostgresDatabaseSettings,
)
from groundwork.stacks.config._base import _check_retention, _known_size, _Strict

# --------------------------------------------------------------------------------------------
# database: the component's settings (components/database.py) plus `enabled`
# --------------------------------------------------------------------------------------------


class DatabaseConfig(_Strict, PostgresDatabaseSettings):
    """RDS PostgreSQL (the `PostgresDatabase` component's settings). Encryption, TLS, private
    placement, managed master password, IAM auth and enhanced monitoring are always on and not
    configurable."""

    enabled: bool = True
    """Create the database (default true)."""


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
        return PostgresDatabaseSettings._window(v, info)

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
        check_windows("snapshot_window", self.snapshot_window, "maintenance_window",
                       self.maintenance_window, minimum=60)
        return self

    @property
    def parameter_group_family(self) -> str:
        """ElastiCache parameter-group family: valkey7 / valkey8, redis6.x / redis7."""
        major = self.engine_version.split(".")[0]
        if self.engine == "redis" and major == "6":
            return "redis6.x"
        return f"{self.engine}{major}"
