"""ECS service alarms: CPU and memory (AWS/ECS), running tasks below the scaling minimum
(Container Insights), and a worker's queue backlog (seed QueueBacklog) when it scales on one.

Dimensions: ClusterName and ServiceName, the cluster's and the service's `name` outputs.
"""

from __future__ import annotations

from groundwork.components.alarms.base import AlarmSpec, Metric
from groundwork.components.alarms.targets import AlarmTargets, ServiceTarget

UTILIZATION_PERCENT = 90.0
"""AWS's recommended ECS CPU/memory threshold."""


def service_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    """Per service (web and worker): CPU, memory, running tasks; per queue worker: backlog."""
    specs: list[AlarmSpec] = []
    for service in targets.services:
        specs.extend(_service_alarms(service))
    return specs


def _service_alarms(service: ServiceTarget) -> list[AlarmSpec]:
    dims = {"ClusterName": service.cluster_name, "ServiceName": service.service_name}
    watches = f"ECS service {service.name}"
    min_count = service.settings.scaling.min_count
    specs = [
        AlarmSpec(
            key=key,
            scope=service.name,
            watches=watches,
            metric=Metric("AWS/ECS", metric, dims, "Average"),
            comparison=">",
            threshold=UTILIZATION_PERCENT,
            # AWS/ECS publishes every minute while tasks run; with no task there is nothing to
            # saturate, and running-below-desired is the alarm for that: keep the last state.
            treat_missing_data="missing",
        )
        for key, metric in (("ecs-cpu", "CPUUtilization"), ("ecs-memory", "MemoryUtilization"))
    ]
    specs.append(AlarmSpec(
        key="running-below-desired",
        scope=service.name,
        watches=watches,
        metric=Metric("ECS/ContainerInsights", "RunningTaskCount", dims, "Average"),
        comparison="<",
        threshold=float(min_count),
        threshold_note=(f"scaling.min_count {min_count}" if min_count else
                        "scaling.min_count is 0: scale-to-zero never alarms"),
        # Container Insights reports RunningTaskCount (0 included) while the service exists, so
        # a gap is a metrics-pipeline gap, not lost tasks; and this alarm gates deployments,
        # where a gap must not roll a healthy revision back. Keep the last state.
        treat_missing_data="missing",
    ))
    queue = service.settings.scaling.queue_metric
    if queue is not None:
        specs.append(AlarmSpec(
            key="queue-backlog",
            scope=service.name,
            watches=f"the queue of worker {service.name} ({queue.namespace} {queue.metric_name})",
            # the scaling policy's own dimension values (Outputs of an auto-named queue too)
            metric=Metric(queue.namespace, queue.metric_name, service.backlog_dimensions,
                          "Maximum"),
            comparison=">",
            threshold=queue.alarm_threshold,
            threshold_note="scaling.queue_metric.alarm_threshold",
            # SQS stops publishing for a queue idle for hours: missing means empty.
            treat_missing_data="notBreaching",
        ))
    return specs
