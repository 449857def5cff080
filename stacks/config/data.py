"""The data tier: the `database` (RDS PostgreSQL) and `cache` (ElastiCache) sections, each the
component's settings (with their validators) plus `enabled`."""

from __future__ import annotations

from groundwork.components.cache import (
    CACHE_DEFAULT_VERSIONS,
    CACHE_ENGINE_VERSIONS,
    RedisCacheSettings,
)
from groundwork.components.database import (
    PostgresDatabaseSettings,
)
from groundwork.stacks.config._base import _Strict

__all__ = ["CACHE_DEFAULT_VERSIONS", "CACHE_ENGINE_VERSIONS", "CacheConfig", "DatabaseConfig"]

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
# cache: the component's settings (components/cache.py) plus `enabled`
# --------------------------------------------------------------------------------------------


class CacheConfig(_Strict, RedisCacheSettings):
    """ElastiCache replication group (the `RedisCache` component's settings). Encryption at
    rest (customer key) and in transit, and an auth token kept in Secrets Manager, are always
    on and not configurable."""

    enabled: bool = True
    """Create the cache (default true)."""
