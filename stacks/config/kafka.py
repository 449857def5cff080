"""The `kafka` section: the `Kafka` component's settings (components/kafka.py) plus `enabled`
(off by default: an MSK cluster is opt-in)."""

from __future__ import annotations

from groundwork.components.kafka import KafkaSettings
from groundwork.stacks.config._base import _Strict

__all__ = ["KafkaConfig"]


class KafkaConfig(_Strict, KafkaSettings):
    """Amazon MSK in the messaging subnets (the `Kafka` component's settings), provisioned
    (default) or serverless. TLS between clients and brokers and inside the cluster, IAM client
    authentication with unauthenticated access off, encryption at rest with the data key, broker
    logs to a KMS-encrypted log group and no auto-created topics are always on and not
    configurable. Services opt in with `use_kafka`."""

    enabled: bool = False
    """Create the MSK cluster (default false)."""
