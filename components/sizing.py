"""Instance sizes groundwork knows: vCPUs, memory and (for RDS PostgreSQL) the default
`max_connections`. Config validation refuses anything not listed here, and the alarms derive
their thresholds from these numbers (connections at 80 % of max, FreeableMemory below 25 % of RAM,
DBLoad above the vCPU count), so changing the class changes the alarms.

Figures are AWS's published instance specs. PostgreSQL's default on RDS is
`max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000)`; DBInstanceClassMemory is the
RAM minus what RDS reserves for the OS and its agents, which we approximate as 10 % of RAM.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

GIB = 1024**3


@dataclass(frozen=True)
class InstanceSize:
    """vCPUs and memory of one instance class or cache node type."""

    vcpu: int
    memory_gib: float

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_gib * GIB)

    @property
    def postgres_max_connections(self) -> int:
        """RDS PostgreSQL's default max_connections for this much memory."""
        usable = self.memory_bytes * 0.9
        return int(min(usable // 9531392, 5000))


def _family(prefix: str, sizes: Mapping[str, tuple[int, float]]) -> dict[str, InstanceSize]:
    return {f"{prefix}.{size}": InstanceSize(v, m) for size, (v, m) in sizes.items()}


_BURSTABLE = {"micro": (2, 1), "small": (2, 2), "medium": (2, 4), "large": (2, 8),
              "xlarge": (4, 16), "2xlarge": (8, 32)}
_GENERAL = {"large": (2, 8), "xlarge": (4, 16), "2xlarge": (8, 32), "4xlarge": (16, 64),
            "8xlarge": (32, 128), "12xlarge": (48, 192), "16xlarge": (64, 256)}
_MEMORY = {"large": (2, 16), "xlarge": (4, 32), "2xlarge": (8, 64), "4xlarge": (16, 128),
           "8xlarge": (32, 256), "12xlarge": (48, 384), "16xlarge": (64, 512)}

DB_INSTANCE_CLASSES: dict[str, InstanceSize] = {
    **_family("db.t3", _BURSTABLE),
    **_family("db.t4g", _BURSTABLE),
    **_family("db.m6g", _GENERAL),
    **_family("db.m6i", _GENERAL),
    **_family("db.m7g", _GENERAL),
    **_family("db.m7i", _GENERAL),
    **_family("db.m8g", _GENERAL),
    **_family("db.r6g", _MEMORY),
    **_family("db.r6i", _MEMORY),
    **_family("db.r7g", _MEMORY),
    **_family("db.r7i", _MEMORY),
    **_family("db.r8g", _MEMORY),
}
"""RDS PostgreSQL instance classes groundwork accepts (current generations only)."""

_CACHE_BURSTABLE = {"micro": (2, 0.5), "small": (2, 1.37), "medium": (2, 3.09)}
_CACHE_GENERAL = {"large": (2, 6.38), "xlarge": (4, 12.93), "2xlarge": (8, 26.04),
                  "4xlarge": (16, 52.26), "8xlarge": (32, 103.68), "12xlarge": (48, 157.12),
                  "16xlarge": (64, 209.55)}
_CACHE_MEMORY = {"large": (2, 13.07), "xlarge": (4, 26.32), "2xlarge": (8, 52.82),
                 "4xlarge": (16, 105.81), "8xlarge": (32, 209.55), "12xlarge": (48, 317.77),
                 "16xlarge": (64, 419.09)}

CACHE_NODE_TYPES: dict[str, InstanceSize] = {
    **_family("cache.t3", _CACHE_BURSTABLE),
    **_family("cache.t4g", _CACHE_BURSTABLE),
    **_family("cache.m6g", _CACHE_GENERAL),
    **_family("cache.m7g", _CACHE_GENERAL),
    **_family("cache.r6g", _CACHE_MEMORY),
    **_family("cache.r7g", _CACHE_MEMORY),
}
"""ElastiCache node types groundwork accepts (current generations only)."""
