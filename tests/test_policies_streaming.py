"""MSK and MSK Connect rules of policies/rules/streaming.py: each way around a rule (wrong value,
missing key where AWS's default is the insecure one, wrong type, wrong case), the secure
defaults that an omitted key keeps, and what the Kafka component plans passing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from groundwork.check import validate_resource
from groundwork.policies import rules

RULES = rules.by_name()
COVERED_RULES = {"msk-in-cluster-encryption", "msk-client-tls", "msk-customer-key",
                 "msk-public-access-disabled", "msk-unauthenticated-disabled",
                 "msk-enhanced-monitoring", "msk-connect-tls", "msk-connect-logging"}
CLUSTER = "aws:msk/cluster:Cluster"
SERVERLESS = "aws:msk/serverlessCluster:ServerlessCluster"
CONNECTOR = "aws:mskconnect/connector:Connector"
DATA_KEY = "arn:aws:kms:us-east-1:123456789012:key/1a2b3c4d-0000-1111-2222-333344445555"

GOOD: dict[str, Any] = {
    "clusterName": "groundwork-prod-kafka",
    "kafkaVersion": "3.9.x",
    "numberOfBrokerNodes": 2,
    "brokerNodeGroupInfo": {
        "clientSubnets": ["subnet-1", "subnet-2"], "instanceType": "kafka.m7g.large",
        "securityGroups": ["sg-1"], "connectivityInfo": {"publicAccess": {"type": "DISABLED"}}},
    "encryptionInfo": {"encryptionAtRestKmsKeyArn": DATA_KEY,
                       "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True}},
    "clientAuthentication": {"sasl": {"iam": True, "scram": False}, "unauthenticated": False},
    "enhancedMonitoring": "PER_TOPIC_PER_BROKER",
    "loggingInfo": {"brokerLogs": {"cloudwatchLogs": {"enabled": True, "logGroup": "/aws/msk/x"}}},
}
"""What the Kafka component plans (provisioned)."""

GOOD_CONNECTOR: dict[str, Any] = {
    "name": "sink",
    "kafkaClusterEncryptionInTransit": {"encryptionType": "TLS"},
    "kafkaClusterClientAuthentication": {"authenticationType": "IAM"},
    "logDelivery": {"workerLogDelivery": {"cloudwatchLogs": {"enabled": True, "logGroup": "/c"}}},
}


def _with(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """`base` with `path` set to `value` (or removed when value is `...`)."""
    props = copy.deepcopy(base)
    node = props
    for step in path[:-1]:
        node = node.setdefault(step, {})
    if value is ...:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return props


def problems(rule: str, props: dict[str, Any], kind: str = CLUSTER) -> list[str]:
    return validate_resource(RULES[rule], kind, props, name="kafka-cluster")


ENC_TRANSIT = ("encryptionInfo", "encryptionInTransit")

FAILING = [
    # MSK.1: broker-to-broker plaintext
    ("msk-in-cluster-encryption", (*ENC_TRANSIT, "inCluster"), False, "inCluster false"),
    ("msk-in-cluster-encryption", (*ENC_TRANSIT, "inCluster"), "false", "inCluster false"),
    # groundwork: TLS-only clients
    ("msk-client-tls", (*ENC_TRANSIT, "clientBroker"), "TLS_PLAINTEXT", "TLS_PLAINTEXT"),
    ("msk-client-tls", (*ENC_TRANSIT, "clientBroker"), "PLAINTEXT", "plaintext client"),
    # groundwork: a customer key at rest
    ("msk-customer-key", ("encryptionInfo", "encryptionAtRestKmsKeyArn"), ..., "aws/msk"),
    ("msk-customer-key", ("encryptionInfo", "encryptionAtRestKmsKeyArn"), "", "aws/msk"),
    ("msk-customer-key", ("encryptionInfo", "encryptionAtRestKmsKeyArn"),
     "arn:aws:kms:us-east-1:123456789012:alias/aws/msk", "AWS-managed key"),
    ("msk-customer-key", ("encryptionInfo",), ..., "aws/msk"),
    # MSK.4: public access
    ("msk-public-access-disabled", ("brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type"),
     "SERVICE_PROVIDED_EIPS", "SERVICE_PROVIDED_EIPS"),
    ("msk-public-access-disabled", ("brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type"),
     "service_provided_eips", "public access"),
    # MSK.6: unauthenticated access, including MSK's default when nothing is said
    ("msk-unauthenticated-disabled", ("clientAuthentication", "unauthenticated"), True, "allows"),
    ("msk-unauthenticated-disabled", ("clientAuthentication", "unauthenticated"), "true", "allows"),
    ("msk-unauthenticated-disabled", ("clientAuthentication", "unauthenticated"), ..., "unset"),
    ("msk-unauthenticated-disabled", ("clientAuthentication",), ..., "sets no client authentication"),
    ("msk-unauthenticated-disabled", ("clientAuthentication", "sasl"), {"iam": False}, "no authentication"),
    # MSK.2: monitoring level
    ("msk-enhanced-monitoring", ("enhancedMonitoring",), "PER_BROKER", "PER_BROKER"),
    ("msk-enhanced-monitoring", ("enhancedMonitoring",), "DEFAULT", "DEFAULT"),
    ("msk-enhanced-monitoring", ("enhancedMonitoring",), ..., "DEFAULT (unset)"),
]


@pytest.mark.parametrize(("rule", "path", "value", "words"), FAILING,
                         ids=[f"{r}-{'.'.join(p)}={v!r}" for r, p, v, _ in FAILING])
def test_an_unsafe_cluster_fails(rule, path, value, words):
    found = problems(rule, _with(GOOD, path, value))
    assert len(found) >= 1 and words in found[0], found
    assert f"[{RULES[rule].control}]" in found[0]


@pytest.mark.parametrize("rule", sorted(r for r in COVERED_RULES if not r.startswith("msk-connect")))
def test_what_the_component_plans_passes(rule):
    assert problems(rule, GOOD) == []


@pytest.mark.parametrize(("rule", "path"), [
    ("msk-in-cluster-encryption", (*ENC_TRANSIT, "inCluster")),
    ("msk-in-cluster-encryption", ("encryptionInfo",)),
    ("msk-client-tls", (*ENC_TRANSIT, "clientBroker")),
    ("msk-client-tls", ENC_TRANSIT),
    ("msk-public-access-disabled", ("brokerNodeGroupInfo", "connectivityInfo")),
], ids=lambda v: ".".join(v) if isinstance(v, tuple) else v)
def test_an_omitted_setting_whose_aws_default_is_secure_passes(rule, path):
    assert problems(rule, _with(GOOD, path, ...)) == []


def test_scram_or_mtls_instead_of_iam_passes_msk_6():
    scram = _with(GOOD, ("clientAuthentication", "sasl"), {"scram": True})
    mtls = _with(_with(GOOD, ("clientAuthentication", "sasl"), ...),
                 ("clientAuthentication", "tls"), {"certificateAuthorityArns": ["arn:aws:acm-pca:x"]})
    assert problems("msk-unauthenticated-disabled", scram) == []
    assert problems("msk-unauthenticated-disabled", mtls) == []


def test_per_partition_monitoring_passes_msk_2():
    assert problems("msk-enhanced-monitoring",
                    _with(GOOD, ("enhancedMonitoring",), "PER_TOPIC_PER_PARTITION")) == []


# --- serverless: IAM is all it has; the provisioned-only rules don't judge it --------------------


SERVERLESS_GOOD = {"clusterName": "stream", "clientAuthentication": {"sasl": {"iam": {"enabled": True}}},
                   "vpcConfigs": [{"subnetIds": ["subnet-1", "subnet-2"], "securityGroupIds": ["sg-1"]}]}


def test_serverless_is_judged_on_its_iam_authentication_only():
    assert problems("msk-unauthenticated-disabled", SERVERLESS_GOOD, SERVERLESS) == []
    off = _with(SERVERLESS_GOOD, ("clientAuthentication", "sasl", "iam", "enabled"), False)
    [message] = problems("msk-unauthenticated-disabled", off, SERVERLESS)
    assert "no IAM client authentication" in message and "[MSK.6]" in message
    missing = _with(SERVERLESS_GOOD, ("clientAuthentication",), ...)
    assert problems("msk-unauthenticated-disabled", missing, SERVERLESS)
    for rule in COVERED_RULES - {"msk-unauthenticated-disabled"}:
        assert problems(rule, {}, SERVERLESS) == [], rule  # no such setting: not applicable


# --- MSK Connect connectors (MSK.3, MSK.5) --------------------------------------------------------


@pytest.mark.parametrize(("rule", "path", "value", "words"), [
    ("msk-connect-tls", ("kafkaClusterEncryptionInTransit", "encryptionType"), "PLAINTEXT", "plaintext"),
    ("msk-connect-tls", ("kafkaClusterEncryptionInTransit", "encryptionType"), ..., "PLAINTEXT (unset)"),
    ("msk-connect-tls", ("kafkaClusterEncryptionInTransit",), ..., "PLAINTEXT (unset)"),
    ("msk-connect-logging", ("logDelivery",), ..., "delivers no worker logs"),
    ("msk-connect-logging", ("logDelivery", "workerLogDelivery", "cloudwatchLogs", "enabled"), False,
     "delivers no worker logs"),
    ("msk-connect-logging", ("logDelivery", "workerLogDelivery", "cloudwatchLogs"), ..., "no worker logs"),
])
def test_an_unsafe_connector_fails(rule, path, value, words):
    found = problems(rule, _with(GOOD_CONNECTOR, path, value), CONNECTOR)
    assert len(found) == 1 and words in found[0] and f"[{RULES[rule].control}]" in found[0]


@pytest.mark.parametrize("destination", [
    {"cloudwatchLogs": {"enabled": True, "logGroup": "/c"}},
    {"firehose": {"enabled": "true", "deliveryStream": "s"}},
    {"s3": {"enabled": True, "bucket": "b"}, "cloudwatchLogs": {"enabled": False}},
])
def test_a_connector_with_tls_and_any_log_destination_passes(destination):
    props = _with(GOOD_CONNECTOR, ("logDelivery", "workerLogDelivery"), destination)
    assert problems("msk-connect-tls", props, CONNECTOR) == []
    assert problems("msk-connect-logging", props, CONNECTOR) == []


def test_connector_rules_ignore_clusters_and_cluster_rules_ignore_connectors():
    assert problems("msk-connect-tls", {}, CLUSTER) == []
    assert problems("msk-unauthenticated-disabled", {}, CONNECTOR) == []
