"""`groundwork cost` for MSK: provisioned brokers by the hour and their volumes by the GB-month,
serverless cluster-hours and partition-hours at the printed assumption, on small hand-computed
plans (the same record shapes the engine records; the stack's cluster is priced in
tests/test_kafka.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from groundwork import cost
from groundwork.components.kafka import KAFKA_INSTANCE_TYPES
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.stacks.config import load_environment

PRICES = json.loads((Path(cost.__file__).parent / "prices" / "us-east-1.json").read_text())
STACK_URN = "urn:pulumi:t::groundwork::pulumi:pulumi:Stack::groundwork-t"
COMPONENT_URN = "urn:pulumi:t::groundwork::groundwork:messaging:Kafka::kafka"


def _plan(typ: str, inputs: dict[str, Any]) -> PlanResult:
    env = load_environment({"profile": "dev", "tags": {"Owner": "t"}}, stack="t")
    records = [
        ResourceRecord("pulumi:pulumi:Stack", "groundwork-t", STACK_URN, "", False, {}, {}),
        ResourceRecord("groundwork:messaging:Kafka", "kafka", COMPONENT_URN, STACK_URN, False, {}, {}),
        ResourceRecord(typ, "kafka-cluster", f"urn:{typ}::kafka-cluster", COMPONENT_URN, True,
                       inputs, dict(inputs), id="kafka-cluster"),
    ]
    return PlanResult(stack="t", project="groundwork", config=env, resources=records,
                      stack_outputs={}, log=[])


def _provisioned(itype: str = "kafka.m7g.large", brokers: int = 2, volume: int | None = 500):
    info: dict[str, Any] = {"instanceType": itype, "clientSubnets": ["s-1", "s-2"]}
    if volume is not None:
        info["storageInfo"] = {"ebsStorageInfo": {"volumeSize": float(volume)}}
    return _plan(cost.MSK_CLUSTER, {"numberOfBrokerNodes": float(brokers),
                                    "brokerNodeGroupInfo": info})


# USD per broker-hour, us-east-1 on-demand Standard brokers: AWS's own sizing script
# (aws/agent-toolkit-for-aws, managing-amazon-msk/scripts/msk_sizing.py, 2026-06-23), as the
# price table cites; kafka.t3.small is not in it (still `unverified` in the table).
BROKER_HOUR = {
    "kafka.t3.small": 0.0456,
    "kafka.m5.large": 0.21, "kafka.m5.xlarge": 0.42, "kafka.m5.2xlarge": 0.84,
    "kafka.m5.4xlarge": 1.68, "kafka.m5.8xlarge": 3.36, "kafka.m5.12xlarge": 5.04,
    "kafka.m5.16xlarge": 6.72, "kafka.m5.24xlarge": 10.08,
    "kafka.m7g.large": 0.204, "kafka.m7g.xlarge": 0.408, "kafka.m7g.2xlarge": 0.816,
    "kafka.m7g.4xlarge": 1.632, "kafka.m7g.8xlarge": 3.264, "kafka.m7g.12xlarge": 4.896,
    "kafka.m7g.16xlarge": 6.528,
}


def test_every_broker_type_the_component_accepts_has_a_price():
    assert set(KAFKA_INSTANCE_TYPES) <= set(PRICES["msk"]["broker_hour"])
    assert PRICES["msk"]["source"] in PRICES["sources"]


@pytest.mark.parametrize("itype", sorted(BROKER_HOUR))
def test_each_broker_type_bills_its_hourly_rate(itype):
    est = cost.estimate(_provisioned(itype, brokers=3, volume=100))
    [line] = [line for line in est.lines if line.unit == "broker-hour"]
    assert (line.quantity, line.unit_price) == (3 * 730, BROKER_HOUR[itype])
    assert est.total == pytest.approx(3 * 730 * BROKER_HOUR[itype] + 300 * 0.10)


def test_provisioned_brokers_and_storage():
    est = cost.estimate(_provisioned())
    lines = {line.unit: line for line in est.lines}
    assert lines["broker-hour"].quantity == 2 * 730 and lines["broker-hour"].unit_price == 0.204
    assert lines["GB-month"].quantity == 1000 and lines["GB-month"].unit_price == 0.1
    assert round(est.total, 2) == round(2 * 730 * 0.204 + 1000 * 0.1, 2)
    assert est.by_component() == {"kafka": pytest.approx(est.total)}


@pytest.mark.parametrize(("itype", "brokers", "volume", "monthly"), [
    ("kafka.t3.small", 2, 20, 2 * 730 * 0.0456 + 40 * 0.1),
    ("kafka.m5.large", 6, 100, 6 * 730 * 0.21 + 600 * 0.1),
    ("kafka.m7g.xlarge", 3, None, 3 * 730 * 0.408 + 3000 * 0.1),  # MSK's default 1000 GiB
])
def test_the_bill_follows_type_count_and_volume(itype, brokers, volume, monthly):
    assert round(cost.estimate(_provisioned(itype, brokers, volume)).total, 4) == round(monthly, 4)


def test_an_unknown_broker_type_is_named_not_zero():
    est = cost.estimate(_provisioned("kafka.m9.large"))
    assert est.unpriced == ["kafka/kafka-cluster: MSK broker type kafka.m9.large"]
    assert [line.unit for line in est.lines] == ["GB-month"]


def test_serverless_cluster_and_partition_hours_at_the_printed_assumption():
    plan = _plan(cost.MSK_SERVERLESS, {"clusterName": "stream"})
    est = cost.estimate(plan)
    lines = {line.unit: line for line in est.lines}
    assert lines["cluster-hour"].quantity == 730 and lines["cluster-hour"].unit_price == 0.75
    assert lines["partition-hour"].quantity == 10 * 730 and lines["partition-hour"].unit_price == 0.0015
    assert est.total == pytest.approx(730 * 0.75 + 10 * 730 * 0.0015)  # 547.50 + 10.95
    assert any(a.startswith("MSK Serverless: 10 partitions per cluster") for a in est.assumptions)
    more = cost.estimate(plan, cost.Assumptions(kafka_serverless_partitions=50))
    assert more.total - est.total == pytest.approx(40 * 730 * 0.0015)
