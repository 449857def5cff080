"""Amazon MSK alarms (AWS's recommendations for provisioned clusters), scoped by the cluster's
component name. Namespace AWS/Kafka; every dimension value is an output or a known id:

- per broker (member = Broker ID, "1".."N": MSK numbers a new cluster's brokers from 1, and the
  count is the cluster's `number_of_broker_nodes`): `KafkaDataLogsDiskUsed` > 85 %,
  `CpuUser + CpuSystem` (metric math) above the headroom the AZ count leaves, and
  `UnderReplicatedPartitions` > 0. Dimensions "Cluster Name" (with the space: what MSK emits) =
  the cluster's `cluster_name` output, and "Broker ID".
- per cluster ("Cluster Name" only): `ActiveControllerCount` summed, != 1 (metric math
  `ABS(m1 - 1) > 0`), and `OfflinePartitionsCount` > 0, both critical.

MSK Serverless publishes none of these (no brokers, no controller: only per-topic and
consumer-group metrics, whose dimensions are the application's topics, unknown to the
infrastructure), so a serverless cluster gets no alarms here (docs/kafka.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.components.alarms.base import AlarmSpec, Expression, Metric
from groundwork.components.alarms.targets import AlarmTargets, KafkaTarget

NAMESPACE = "AWS/Kafka"
CLUSTER = "Cluster Name"
BROKER = "Broker ID"
DISK_PERCENT = 85.0
"""AWS (MSK best practices): alarm when KafkaDataLogsDiskUsed reaches 85 %."""
CPU_PERCENT = 60.0
"""AWS (MSK best practices): keep CpuUser + CpuSystem under 60 %, so brokers have room to take
over a failed peer's partitions and to run maintenance."""


def cpu_threshold(az_count: int | None) -> float:
    """CPU (user + system) a broker may use: AWS's 60 %, lowered so that when one of `az_count`
    AZs fails, the surviving brokers absorb its share without passing 100 % (load x az/(az-1)):
    two AZs -> 50 %, three -> 60 % (66.7 % capped)."""
    if not az_count or az_count < 2:
        return CPU_PERCENT
    return round(min(CPU_PERCENT, 100.0 * (az_count - 1) / az_count), 1)


@dataclass(frozen=True)
class KafkaThresholds:
    """The derived defaults of one provisioned cluster (pure)."""

    cpu: float
    disk: float
    cpu_note: str
    disk_note: str

    @classmethod
    def of(cls, target: KafkaTarget) -> KafkaThresholds:
        cpu = cpu_threshold(target.az_count)
        azs = f"{target.az_count} AZs" if target.az_count else "AZ count unknown"
        return cls(
            cpu=cpu, disk=DISK_PERCENT,
            cpu_note=(f"AWS's 60 %, or less so the other AZs can absorb a lost one ({azs})"),
            disk_note=f"85 % of {target.settings.volume_size_gb} GiB per broker")


def kafka_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    return [spec for kafka in targets.kafkas for spec in _kafka_alarms(kafka)]


def _kafka_alarms(kafka: KafkaTarget) -> list[AlarmSpec]:
    if kafka.serverless:
        return []
    t = KafkaThresholds.of(kafka)
    cluster_dims = {CLUSTER: kafka.cluster_name}
    count = len(kafka.broker_ids)
    what = f"{kafka.settings.instance_type} x{count}"
    # MSK publishes these every minute while the cluster runs (DEFAULT level); a gap means the
    # cluster is being created, updated or is down, which the MSK console and events report:
    # keep the last state rather than flap.
    specs = [
        AlarmSpec(key="kafka-active-controller", scope=kafka.name,
                  watches=f"MSK cluster {kafka.name} ({what})",
                  metric=Expression("ABS(m1 - 1)", "active controllers away from one", {
                      "m1": Metric(NAMESPACE, "ActiveControllerCount", cluster_dims, "Sum")}),
                  comparison=">", threshold=0, threshold_note="exactly one controller",
                  treat_missing_data="missing"),
        AlarmSpec(key="kafka-offline-partitions", scope=kafka.name,
                  watches=f"MSK cluster {kafka.name} ({what})",
                  metric=Metric(NAMESPACE, "OfflinePartitionsCount", cluster_dims, "Sum"),
                  comparison=">", threshold=0, treat_missing_data="missing"),
    ]
    for broker in kafka.broker_ids:
        dims = {CLUSTER: kafka.cluster_name, BROKER: broker}
        watches = f"broker {broker} of {count} of MSK cluster {kafka.name} ({what})"
        specs += [
            AlarmSpec(key="kafka-disk-used", scope=kafka.name, member=broker, watches=watches,
                      metric=Metric(NAMESPACE, "KafkaDataLogsDiskUsed", dims, "Maximum"),
                      comparison=">", threshold=t.disk, threshold_note=t.disk_note,
                      treat_missing_data="missing"),
            AlarmSpec(key="kafka-cpu", scope=kafka.name, member=broker, watches=watches,
                      metric=Expression("m1 + m2", "CPU user + system (%)", {
                          "m1": Metric(NAMESPACE, "CpuUser", dims, "Average"),
                          "m2": Metric(NAMESPACE, "CpuSystem", dims, "Average")}),
                      comparison=">", threshold=t.cpu, threshold_note=t.cpu_note,
                      treat_missing_data="missing"),
            AlarmSpec(key="kafka-under-replicated", scope=kafka.name, member=broker,
                      watches=watches,
                      metric=Metric(NAMESPACE, "UnderReplicatedPartitions", dims, "Maximum"),
                      comparison=">", threshold=0, treat_missing_data="missing"),
        ]
    return specs
