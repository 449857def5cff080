"""ElastiCache (Valkey/Redis) alarms, one set per node: engine CPU, memory usage and evictions.

A replication group's metrics are per node, so the dimension is CacheClusterId = each member
cluster id (`<group>-001`, `-002`...) from the replication group's `member_clusters` output; the
group id itself is not a CacheClusterId and an alarm on it never fires. The node count is the
cache's `num_nodes` (known before deploy, so the alarms are plain resources, not created in an
apply). One set per node of each cache, scoped by the cache's name.
"""

from __future__ import annotations

from groundwork.components.alarms.base import AlarmSpec, Metric
from groundwork.components.alarms.targets import AlarmTargets, CacheTarget

NAMESPACE = "AWS/ElastiCache"
ENGINE_CPU_PERCENT = 90.0
"""AWS recommended: the single engine thread above 90 %."""
MEMORY_PERCENT = 80.0
"""AWS recommended (~80 %): with maxmemory-policy allkeys-lru evictions start near 100 %."""
EVICTIONS_PER_MINUTE = 100.0
"""Sustained evictions that say the working set no longer fits (workload-based)."""


def cache_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    return [spec for cache in targets.caches for spec in _cache_alarms(cache)]


def _cache_alarms(cache: CacheTarget) -> list[AlarmSpec]:
    specs: list[AlarmSpec] = []
    for index in range(cache.count):
        dims = {"CacheClusterId": cache.member(index)}
        member = str(index + 1)
        watches = f"node {member} of {cache.count} of cache {cache.name} ({cache.settings.node_type})"
        # ElastiCache publishes node metrics every minute (0 included); a gap means the node is
        # being replaced or failed over, which the replication group's events report: keep the
        # last state instead of flapping.
        specs += [
            AlarmSpec(key="cache-engine-cpu", scope=cache.name, member=member, watches=watches,
                      metric=Metric(NAMESPACE, "EngineCPUUtilization", dims, "Average"),
                      comparison=">", threshold=ENGINE_CPU_PERCENT, treat_missing_data="missing"),
            AlarmSpec(key="cache-memory", scope=cache.name, member=member, watches=watches,
                      metric=Metric(NAMESPACE, "DatabaseMemoryUsagePercentage", dims, "Average"),
                      comparison=">", threshold=MEMORY_PERCENT, treat_missing_data="missing"),
            AlarmSpec(key="cache-evictions", scope=cache.name, member=member, watches=watches,
                      metric=Metric(NAMESPACE, "Evictions", dims, "Sum"),
                      comparison=">", threshold=EVICTIONS_PER_MINUTE, treat_missing_data="missing"),
        ]
    return specs
