"""SQS alarms, per queue: the age of the oldest message on the main queue, a dead-letter queue
that is not empty, and (seed QueueBacklog) the depth of a queue no worker scales on.

Dimension QueueName = the queues' `name` outputs (the name, not the URL or ARN: what AWS/SQS
emits). SQS stops publishing a queue's metrics after about six hours without activity, so an
idle queue has missing data, not zeros: every alarm here treats missing data as not breaching.

QueueBacklog is one alarm per queue, never two: a worker that scales on the queue (its
`scaling.queue_metric` dimensions hold this queue's `name` output, as the stacks wire it) has
the service family's `queue-backlog` alarm on the very metric its scaling tracks, with its own
`alarm_threshold`; only a queue no watched worker scales on gets `queue-depth` here.
"""

from __future__ import annotations

from collections.abc import Sequence

from groundwork.components.alarms.base import AlarmSpec, Metric
from groundwork.components.alarms.targets import AlarmTargets, QueueTarget, ServiceTarget

NAMESPACE = "AWS/SQS"
DEPTH_THRESHOLD = 1000.0
"""Seed 003's QueueBacklog: more than 1,000 messages waiting."""


def queue_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    return [spec for queue in targets.queues for spec in _queue_alarms(queue, targets.services)]


def scaled_on(queue: QueueTarget, services: Sequence[ServiceTarget]) -> list[str]:
    """The services whose backlog metric watches this queue: a QueueName dimension that is the
    queue's own `name` output (the same object), or equal to it when both are plain strings."""
    out = []
    for service in services:
        value = service.backlog_dimensions.get("QueueName")
        if value is None:
            continue
        same = value is queue.queue_name or (isinstance(value, str) and value == queue.queue_name)
        if same:
            out.append(service.name)
    return out


def _queue_alarms(queue: QueueTarget, services: Sequence[ServiceTarget]) -> list[AlarmSpec]:
    from groundwork.components.queue import oldest_message_threshold

    s = queue.settings
    main = {"QueueName": queue.queue_name}
    dlq = {"QueueName": queue.dlq_name}
    age = oldest_message_threshold(s)
    specs = [
        AlarmSpec(
            key="queue-oldest-message", scope=queue.name, watches=f"queue {queue.name}",
            metric=Metric(NAMESPACE, "ApproximateAgeOfOldestMessage", main, "Maximum"),
            comparison=">", threshold=float(age),
            threshold_note=(f"min(max({s.max_receive_count} receives x {s.visibility_timeout_seconds} s "
                            f"visibility + {s.delay_seconds} s delay, 900 s), half the "
                            f"{s.message_retention_seconds} s retention)"),
            treat_missing_data="notBreaching"),
        AlarmSpec(
            key="queue-dlq-not-empty", scope=queue.name,
            watches=f"the dead-letter queue of queue {queue.name}",
            metric=Metric(NAMESPACE, "ApproximateNumberOfMessagesVisible", dlq, "Maximum"),
            comparison=">", threshold=0.0, threshold_note="any message",
            treat_missing_data="notBreaching"),
    ]
    if not scaled_on(queue, services):
        specs.append(AlarmSpec(
            key="queue-depth", scope=queue.name, watches=f"queue {queue.name}",
            metric=Metric(NAMESPACE, "ApproximateNumberOfMessagesVisible", main, "Maximum"),
            comparison=">", threshold=DEPTH_THRESHOLD, threshold_note="seed QueueBacklog",
            treat_missing_data="notBreaching"))
    return specs
