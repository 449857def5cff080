"""Streaming rules: Amazon MSK clusters (FSBP MSK.1, MSK.4, MSK.6, Security Hub MSK.2, and
groundwork's client-TLS and customer-key guardrails) and MSK Connect connectors (FSBP MSK.3,
MSK.5).

Defaults matter here, because a rule reads the program's inputs, not what AWS ends up with:
- `encryption_in_transit.in_cluster` and `client_broker` default to true / TLS: omitted passes;
- `connectivity_info.public_access.type` defaults to DISABLED: omitted passes;
- unauthenticated access is what MSK turns on when no client authentication is given, so
  MSK.6 asks for `unauthenticated` explicitly false and for a real mechanism (IAM, SCRAM or TLS);
- `enhanced_monitoring` defaults to DEFAULT, which MSK.2 calls non-compliant;
- the at-rest key defaults to the AWS-managed `aws/msk` key;
- a connector's `encryption_type` defaults to PLAINTEXT, and logging is off without
  `log_delivery`.

MSK Serverless (`aws:msk/serverlessCluster:ServerlessCluster`) is TLS-only, private and IAM-only
by AWS's design, and has no in-cluster, public-access, monitoring-level or key setting: only the
authentication rule judges it (its `sasl.iam.enabled` must be true); the others don't apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ._base import get, is_false, is_map, is_true, known, present, resource_rule

MSK_CLUSTER = "aws:msk/cluster:Cluster"
MSK_SERVERLESS = "aws:msk/serverlessCluster:ServerlessCluster"
MSK_CONNECTOR = "aws:mskconnect/connector:Connector"
COMPLIANT_MONITORING = ("PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION")
AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)


def _upper(value: object) -> str:
    return str(value).strip().upper() if value is not None else ""


@resource_rule(
    "msk-in-cluster-encryption",
    control="MSK.1",
    description="MSK clusters encrypt traffic between brokers (in_cluster TLS).",
    fix="leave encryption_info.encryption_in_transit.in_cluster True (the default; fixed at creation)",
    types=[MSK_CLUSTER],
)
def msk_in_cluster_encryption(props, args, config) -> Iterator[str]:
    value = get(props, "encryptionInfo", "encryptionInTransit", "inCluster")
    if value is not None and not is_true(value):
        yield "sends broker-to-broker traffic in plaintext (inCluster false)"


@resource_rule(
    "msk-client-tls",
    control="MSK client TLS",
    description="MSK clusters accept clients over TLS only (no plaintext listener).",
    fix="set encryption_info.encryption_in_transit.client_broker='TLS' (or leave it unset)",
    types=[MSK_CLUSTER],
)
def msk_client_tls(props, args, config) -> Iterator[str]:
    value = get(props, "encryptionInfo", "encryptionInTransit", "clientBroker")
    if value is not None and _upper(value) != "TLS":
        yield f"accepts plaintext client connections (clientBroker {value})"


@resource_rule(
    "msk-customer-key",
    control="MSK customer key",
    description="MSK clusters encrypt data at rest with a customer-managed KMS key.",
    fix="set encryption_info.encryption_at_rest_kms_key_arn=<the environment's data key ARN> "
        "(fixed at creation: a changed key replaces the cluster)",
    types=[MSK_CLUSTER],
)
def msk_customer_key(props, args, config) -> Iterator[str]:
    if not present(get(props, "encryptionInfo", default={}), "encryptionAtRestKmsKeyArn"):
        yield "is encrypted at rest with the AWS-managed aws/msk key (no encryptionAtRestKmsKeyArn)"
        return
    key = known(get(props, "encryptionInfo"), "encryptionAtRestKmsKeyArn")
    if isinstance(key, str) and AWS_MANAGED_KEY.search(key.strip()):
        yield f"is encrypted at rest with an AWS-managed key ({key})"


@resource_rule(
    "msk-public-access-disabled",
    control="MSK.4",
    description="MSK clusters have public access disabled.",
    fix="set broker_node_group_info.connectivity_info.public_access.type='DISABLED' (or leave it "
        "unset) and keep the brokers in the isolated messaging subnets",
    types=[MSK_CLUSTER],
)
def msk_public_access_disabled(props, args, config) -> Iterator[str]:
    kind = get(props, "brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type")
    if kind is not None and _upper(kind) != "DISABLED":
        yield f"has public access {kind}"


@resource_rule(
    "msk-unauthenticated-disabled",
    control="MSK.6",
    description="MSK clusters require client authentication (unauthenticated access off).",
    fix="set client_authentication={'sasl': {'iam': True}, 'unauthenticated': False} (MSK "
        "enables unauthenticated access when no client authentication is given)",
    types=[MSK_CLUSTER, MSK_SERVERLESS],
)
def msk_unauthenticated_disabled(props, args, config) -> Iterator[str]:
    auth = get(props, "clientAuthentication")
    if args.resource_type == MSK_SERVERLESS:
        if not is_true(get(auth, "sasl", "iam", "enabled")):
            yield "has no IAM client authentication (sasl.iam.enabled is not true)"
        return
    if not is_map(auth):
        yield "sets no client authentication, so MSK allows unauthenticated access"
        return
    if is_true(get(auth, "unauthenticated")):
        yield "allows unauthenticated access (clientAuthentication.unauthenticated true)"
    elif not is_false(get(auth, "unauthenticated")):
        yield "leaves clientAuthentication.unauthenticated unset (say false explicitly)"
    mechanisms = (is_true(get(auth, "sasl", "iam")), is_true(get(auth, "sasl", "scram")),
                  bool(get(auth, "tls", "certificateAuthorityArns")))
    if not any(mechanisms):
        yield "enables no authentication mechanism (sasl.iam, sasl.scram or tls)"


@resource_rule(
    "msk-enhanced-monitoring",
    control="MSK.2",
    description="MSK clusters have enhanced monitoring at PER_TOPIC_PER_BROKER or finer.",
    fix="set enhanced_monitoring='PER_TOPIC_PER_BROKER' (kafka.enhanced_monitoring)",
    types=[MSK_CLUSTER],
)
def msk_enhanced_monitoring(props, args, config) -> Iterator[str]:
    level = get(props, "enhancedMonitoring")
    if _upper(level) not in COMPLIANT_MONITORING:
        yield f"has enhanced monitoring {level or 'DEFAULT (unset)'}"


@resource_rule(
    "msk-connect-tls",
    control="MSK.3",
    description="MSK Connect connectors encrypt their traffic to the cluster (TLS).",
    fix="set kafka_cluster_encryption_in_transit={'encryption_type': 'TLS'} (the default is "
        "PLAINTEXT)",
    types=[MSK_CONNECTOR],
)
def msk_connect_tls(props, args, config) -> Iterator[str]:
    kind = get(props, "kafkaClusterEncryptionInTransit", "encryptionType")
    if _upper(kind) != "TLS":
        yield f"connects to the cluster in plaintext (encryptionType {kind or 'PLAINTEXT (unset)'})"


@resource_rule(
    "msk-connect-logging",
    control="MSK.5",
    description="MSK Connect connectors deliver their worker logs (CloudWatch Logs, Firehose or "
                "S3).",
    fix="set log_delivery={'worker_log_delivery': {'cloudwatch_logs': {'enabled': True, "
        "'log_group': <a KMS-encrypted log group>}}}",
    types=[MSK_CONNECTOR],
)
def msk_connect_logging(props, args, config) -> Iterator[str]:
    delivery = get(props, "logDelivery", "workerLogDelivery")
    targets = ("cloudwatchLogs", "firehose", "s3")
    if not any(is_true(get(delivery, t, "enabled")) for t in targets):
        yield "delivers no worker logs (logDelivery.workerLogDelivery has no enabled destination)"
