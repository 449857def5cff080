"""`Kafka`: Amazon MSK in the messaging tier, provisioned (brokers) or serverless, chosen by `mode`.

Always on, not configurable (provisioned):
- TLS between clients and brokers only (`client_broker="TLS"`, no plaintext listener) and inside
  the cluster (`in_cluster=True`, FSBP MSK.1); both are fixed when the cluster is created;
- IAM client authentication (`sasl.iam`) with unauthenticated access explicitly off (MSK.6): the
  API's default when no client authentication is given is unauthenticated access, so it is
  never left to a default; no SCRAM, no mTLS;
- encryption at rest with the given data key (a customer key, fixed at creation; MSK's default
  is the AWS-managed `aws/msk` key);
- public access `DISABLED` (MSK.4), brokers in the given (isolated messaging) subnets only;
- broker logs to a CloudWatch log group created here, with the logs key and a retention;
- enhanced monitoring `PER_TOPIC_PER_BROKER` by default (the Config rule
  msk-enhanced-monitoring-enabled calls DEFAULT and PER_BROKER non-compliant; the per-broker
  metrics the alarms read are included);
- a custom `aws.msk.Configuration`: `auto.create.topics.enable=false` (a typo in a topic name is
  an error, not a new topic with the default settings), `unclean.leader.election.enable=false`
  (never elect an out-of-sync replica: no silent data loss), and `default.replication.factor` /
  `min.insync.replicas` derived from the broker count (2 brokers: 2 / 1; 3 or more: 3 / 2, AWS's
  own defaults for 2- and 3-AZ clusters), validated when given;
- Pulumi `protect` on the cluster (default true).

Serverless (`mode: serverless`): an `aws.msk.ServerlessCluster` with IAM authentication (the only
option MSK Serverless has) in the same subnets and group. What it lacks, by AWS's design: no
customer key (data at rest is encrypted with an AWS-owned key; passing `data_key_arn` is refused
rather than silently ignored), no broker logs, no enhanced monitoring, no broker metrics (hence
no broker alarms: docs/kafka.md), no server properties. Both modes listen for IAM clients on 9098.

Placement rules MSK enforces and a mock doesn't (checked here on lists of known length):
- provisioned: 2 or 3 client subnets in different AZs (us-west-1: exactly 2), brokers spread
  evenly, so `number_of_broker_nodes` is a multiple of the subnet count (default: one per
  subnet); serverless: 2 to 5 subnets;
- client subnets can't be in the AZ with id `use1-az3` (us-east-1). groundwork picks AZs by
  name, and AZ names map to different ids in every account: pass `az_ids` (the subnets' AZ ids,
  e.g. from `aws.get_availability_zones`) to have it refused here, else AWS refuses the create;
- the VPC, the subnets, the at-rest key and `in_cluster` can't change after creation.

Access (`allow_from`): one security-group flow on 9098 both ways, plus, for a role, an inline
policy scoped to this cluster: `kafka-cluster:Connect`/`DescribeCluster` on the cluster ARN, and
topic/group actions on `arn:<p>:kafka:<region>:<account>:topic/<cluster-name>/<cluster-uuid>/*`
(resp. `group/...`). The uuid pins the grant to this cluster: a cluster recreated under the same
name has a new uuid, and no other cluster's topics match. No role gets `CreateTopic` or
`Alter*` on topics: with auto-creation off, topics are created by an operator (docs/kafka.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input, check_retention, known_size
from groundwork.components.base import checked_id, child_opts, component_naming, require
from groundwork.components.security_groups import SecurityGroups, group_of, store_group
from groundwork.components.service import ServiceWiring
from groundwork.components.sizing import InstanceSize

IAM_PORT = 9098
"""MSK's listener for IAM clients over TLS (provisioned and serverless; 9094 is mTLS, 9096
SCRAM, 9092 plaintext: none of them is opened)."""
STORE_KEY = "kafka"
"""Its group's key in `SecurityGroupsArgs.stores`."""

KAFKA_VERSIONS = ("3.6.0", "3.7.x", "3.7.x.kraft", "3.8.x", "3.9.x", "3.9.x.kraft", "4.0.x.kraft")
"""Versions MSK lets you create a provisioned cluster with and that are not past AWS's end of
support (2.8.1 and 3.1-3.5 are; `x` versions take AWS's patch releases automatically). The
`.kraft` ones run without ZooKeeper (4.0 exists only in KRaft mode)."""
DEFAULT_KAFKA_VERSION = "3.9.x"

_MSK_M5 = {"large": (2, 8), "xlarge": (4, 16), "2xlarge": (8, 32), "4xlarge": (16, 64),
           "8xlarge": (32, 128), "12xlarge": (48, 192), "16xlarge": (64, 256),
           "24xlarge": (96, 384)}
_MSK_M7G = {k: v for k, v in _MSK_M5.items() if k != "24xlarge"}
KAFKA_INSTANCE_TYPES: dict[str, InstanceSize] = {
    "kafka.t3.small": InstanceSize(2, 2),
    **{f"kafka.m5.{s}": InstanceSize(v, m) for s, (v, m) in _MSK_M5.items()},
    **{f"kafka.m7g.{s}": InstanceSize(v, m) for s, (v, m) in _MSK_M7G.items()},
}
"""Standard broker types MSK offers (vCPUs, GiB). Express brokers (`express.*`) are not
supported here: they take no EBS storage settings and need exactly 3 subnets."""
BURSTABLE_PREFIX = "kafka.t3."
"""AWS: t3.small brokers are for development and testing (CPU credits; prod refuses them)."""

MAX_BROKERS = 30
"""MSK's default per-cluster broker quota (ZooKeeper mode)."""
MAX_VOLUME_GB = 16384
"""MSK's largest EBS volume per broker (GiB)."""
PROVISIONED_SUBNETS = (2, 3)
SERVERLESS_SUBNETS = (2, 5)
FORBIDDEN_AZ_IDS = ("use1-az3",)
"""AZ ids MSK refuses client subnets in ("can't occupy the Availability Zone with ID
use1-az3", BrokerNodeGroupInfo.ClientSubnets)."""
ENHANCED_MONITORING = ("PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION")
COMPLIANT_MONITORING = ("PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION")
"""What msk-enhanced-monitoring-enabled (Security Hub MSK.2) accepts."""

MSK_NAME = re.compile(r"^[a-zA-Z](?:[a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?$")
"""MSK cluster and configuration names: 1-64 letters, digits and hyphens, a letter first, no
trailing hyphen (mocks accept anything; CreateCluster refuses the call)."""

ENV_BOOTSTRAP = "KAFKA_BOOTSTRAP_BROKERS"
ENV_PROTOCOL = "KAFKA_SECURITY_PROTOCOL"
ENV_MECHANISM = "KAFKA_SASL_MECHANISM"
KAFKA_VARS = (ENV_BOOTSTRAP, ENV_PROTOCOL, ENV_MECHANISM)
"""What `connection()` hands a service (all plain settings: IAM needs no secret)."""


def replication_defaults(brokers: int) -> tuple[int, int]:
    """(default.replication.factor, min.insync.replicas) for `brokers` brokers: 3 / 2 from three
    brokers on (an acks=all write survives one broker down), 2 / 1 with two, 1 / 1 with one
    (AWS's defaults for 3-AZ and 2-AZ clusters)."""
    factor = min(3, brokers)
    return factor, max(1, factor - 1)


def check_replication(brokers: int, factor: int, min_insync: int) -> None:
    """A replication factor the brokers can hold and a min.insync.replicas below it: MSK patches
    brokers one at a time, so min.insync == factor stops every acks=all producer during each
    maintenance (and factor > brokers makes topic creation fail)."""
    if factor > brokers:
        raise ValueError(f"default_replication_factor {factor} exceeds the {brokers} broker(s)")
    if min_insync > factor:
        raise ValueError(f"min_insync_replicas {min_insync} exceeds default_replication_factor "
                         f"{factor}")
    if factor > 1 and min_insync >= factor:
        raise ValueError(f"min_insync_replicas {min_insync} must be below default_replication_factor "
                         f"{factor}: MSK restarts one broker at a time for patching, and acks=all "
                         "writes would fail during every maintenance")


def server_properties(brokers: int, factor: int, min_insync: int) -> str:
    """The cluster configuration's server.properties (pure)."""
    check_replication(brokers, factor, min_insync)
    return "\n".join([
        "auto.create.topics.enable=false",
        f"default.replication.factor={factor}",
        f"min.insync.replicas={min_insync}",
        "unclean.leader.election.enable=false",
    ]) + "\n"


def resource_arn_pattern(cluster_arn: str, kind: Literal["topic", "group"]) -> str:
    """`arn:<p>:kafka:<region>:<account>:<kind>/<cluster-name>/<cluster-uuid>/*` from the cluster's
    ARN (`...:cluster/<cluster-name>/<cluster-uuid>`): every topic (or consumer group) of this
    cluster and of no other."""
    head, sep, tail = cluster_arn.partition(":cluster/")
    if not sep or tail.count("/") != 1:
        raise ValueError(f"not an MSK cluster ARN (…:cluster/<name>/<uuid>): {cluster_arn!r}")
    return f"{head}:{kind}/{tail}/*"


def client_policy(cluster_arn: str, *, produce: bool, consume: bool) -> dict[str, Any]:
    """IAM access of one client role to one cluster (pure): connect and describe the cluster;
    with `produce`, write to (and describe) its topics, idempotently (Kafka clients enable
    idempotence by default since 3.0, which needs `WriteDataIdempotently` on the cluster); with
    `consume`, read its topics and join and commit in its consumer groups. No topic creation,
    deletion or configuration."""
    cluster_actions = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
    if produce:
        cluster_actions.append("kafka-cluster:WriteDataIdempotently")
    statements: list[dict[str, Any]] = [
        {"Sid": "ConnectToThisCluster", "Effect": "Allow", "Action": cluster_actions,
         "Resource": cluster_arn}]
    topics = resource_arn_pattern(cluster_arn, "topic")
    if produce:
        statements.append({"Sid": "ProduceToItsTopics", "Effect": "Allow",
                           "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
                           "Resource": topics})
    if consume:
        statements += [
            {"Sid": "ConsumeItsTopics", "Effect": "Allow",
             "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
             "Resource": topics},
            {"Sid": "UseItsConsumerGroups", "Effect": "Allow",
             "Action": ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
             "Resource": resource_arn_pattern(cluster_arn, "group")},
        ]
    return {"Version": "2012-10-17", "Statement": statements}


class KafkaSettings(ArgsModel):
    """The cluster's tunables. TLS (client-broker and in-cluster), IAM authentication with
    unauthenticated access off, encryption at rest with the customer key, private placement,
    broker logs and auto-topic-creation off are always on and not settings."""

    mode: Literal["provisioned", "serverless"] = "provisioned"
    """provisioned (brokers you size) or serverless (default provisioned: the only mode with a
    customer key, broker logs and broker metrics)."""
    kafka_version: str = DEFAULT_KAFKA_VERSION
    """Apache Kafka version of a provisioned cluster (default 3.9.x: the newest ZooKeeper-mode
    line, AWS applies its patch releases; the .kraft versions are allowed)."""
    instance_type: str = "kafka.m7g.large"
    """Broker instance type (default kafka.m7g.large: Graviton, the general-purpose size AWS
    suggests to start with; kafka.t3.small is for development only)."""
    number_of_broker_nodes: Annotated[int, Field(ge=1, le=MAX_BROKERS)] | None = None
    """Brokers (default none: one per client subnet, i.e. per AZ); a multiple of the subnet
    count, since MSK spreads brokers evenly over the AZs."""
    volume_size_gb: Annotated[int, Field(ge=1, le=MAX_VOLUME_GB)] = 500
    """EBS storage per broker in GiB (default 500; it can grow later, never shrink)."""
    enhanced_monitoring: Literal["PER_BROKER", "PER_TOPIC_PER_BROKER",
                                 "PER_TOPIC_PER_PARTITION"] = "PER_TOPIC_PER_BROKER"
    """Enhanced monitoring level (default PER_TOPIC_PER_BROKER: per-broker metrics plus per-topic
    throughput, what the MSK.2 Config rule asks; PER_BROKER fails it)."""
    default_replication_factor: Annotated[int, Field(ge=1, le=3)] | None = None
    """default.replication.factor of new topics (default none: min(3, brokers))."""
    min_insync_replicas: Annotated[int, Field(ge=1, le=3)] | None = None
    """min.insync.replicas (default none: replication factor - 1, at least 1)."""
    log_retention_days: int = 365
    """Retention of the broker log group (default 365 days: a year of history)."""

    @field_validator("log_retention_days")
    @classmethod
    def _log_retention(cls, v: int) -> int:
        return check_retention(v)

    @field_validator("kafka_version")
    @classmethod
    def _version(cls, v: str) -> str:
        if v not in KAFKA_VERSIONS:
            raise ValueError(f"Kafka {v!r} can't be created on MSK (or is past end of support); "
                             f"use one of {', '.join(KAFKA_VERSIONS)}")
        return v

    @field_validator("instance_type")
    @classmethod
    def _instance(cls, v: str) -> str:
        return known_size(v, KAFKA_INSTANCE_TYPES, "MSK broker type",
                          "kafka.t3.small, kafka.m7g.large")

    @model_validator(mode="after")
    def _replication(self) -> KafkaSettings:
        if self.min_insync_replicas is not None and self.default_replication_factor is None:
            raise ValueError("min_insync_replicas needs default_replication_factor (it is judged "
                             "against it)")
        if self.default_replication_factor is not None:
            brokers = self.number_of_broker_nodes or self.default_replication_factor
            check_replication(brokers, *self.replication(brokers))
        return self

    def replication(self, brokers: int) -> tuple[int, int]:
        """(replication factor, min.insync.replicas) for `brokers` brokers."""
        factor, min_insync = replication_defaults(brokers)
        if self.default_replication_factor is not None:
            factor = self.default_replication_factor
            min_insync = self.min_insync_replicas if self.min_insync_replicas is not None \
                else max(1, factor - 1)
        return factor, min_insync


class KafkaArgs(ComponentArgs, KafkaSettings):
    """Everything `Kafka` takes: its settings plus what it connects to. No `account` (unlike
    `QueueArgs` and `SearchDomainArgs`): the component computes no ARN, region or partition of
    its own. `allow_from`'s grants are derived from the cluster's `arn` output (the topic and
    group ARNs are its `:cluster/<name>/<uuid>` rewritten, so partition, region and account are
    the cluster's), the broker log group is handed to MSK by name, the use1-az3 check reads the
    AZ ids given (region-specific already), and the keys are the ARNs given here."""

    security_group: SecurityGroups | aws.ec2.SecurityGroup | None = None
    """The cluster's security group (required): the `SecurityGroups` component (its `kafka`
    store group, `stores={"kafka": 9098}`, is used and `allow_from` adds rules through it) or a
    plain `aws.ec2.SecurityGroup` (then add rules yourself)."""
    subnet_ids: Input[Sequence[Input[str]]] | None = None
    """Client subnets, one per AZ (required): the messaging tier,
    `Network.outputs.subnet_ids["messaging"]`. Provisioned: 2 or 3; serverless: 2 to 5."""
    az_ids: Sequence[str] | None = None
    """The AZ ids of `subnet_ids`, in order (default none: not checked here). Given, a subnet in
    use1-az3 (which MSK refuses) or two in one AZ is an error before anything is created."""
    data_key_arn: Input[str] | None = None
    """KMS key for the data at rest (required for provisioned, e.g. `EnvironmentKeys.data`;
    refused for serverless, which only has AWS-owned encryption)."""
    logs_key_arn: Input[str] | None = None
    """KMS key of the broker log group (required for provisioned, e.g. `EnvironmentKeys.logs`;
    unused by serverless, which has no broker logs)."""
    cluster_name: str = ""
    """MSK cluster name (default "": `<prefix>-<name>`). Fixed at creation: a new name replaces
    the cluster and its data."""
    protect: bool = True
    """Pulumi `protect` on the cluster (default true: `pulumi destroy` refuses to drop the
    brokers and their data; set false for throwaway environments)."""


@dataclass(frozen=True)
class _Placement:
    """Subnet and broker counts, validated before anything is registered."""

    subnets: int | None
    brokers: int | None


def _placement(name: str, args: KafkaArgs) -> _Placement:
    owner = f"Kafka {name!r}"
    subnets = args.subnet_ids
    if isinstance(subnets, str):
        raise TypeError(f"{owner}: KafkaArgs.subnet_ids must be a list of subnet ids, got a string")
    count: int | None = None
    if isinstance(subnets, (list, tuple)):
        known = [s for s in subnets if isinstance(s, str)]
        if len(set(known)) != len(known):
            raise ValueError(f"{owner}: KafkaArgs.subnet_ids names a subnet twice; MSK needs one "
                             "subnet per AZ")
        count = len(subnets)
        low, high = PROVISIONED_SUBNETS if args.mode == "provisioned" else SERVERLESS_SUBNETS
        if not low <= count <= high:
            raise ValueError(f"{owner}: KafkaArgs.subnet_ids names {count} subnet(s); a {args.mode} "
                             f"MSK cluster takes {low} to {high}, each in a different AZ (the "
                             "messaging tier's)")
    if args.az_ids is not None:
        ids = list(args.az_ids)
        if count is not None and len(ids) != count:
            raise ValueError(f"{owner}: KafkaArgs.az_ids lists {len(ids)} AZ id(s) for {count} "
                             "subnet(s); give one per subnet, in order")
        bad = [a for a in ids if a in FORBIDDEN_AZ_IDS]
        if bad:
            raise ValueError(f"{owner}: KafkaArgs.az_ids puts a client subnet in {bad[0]}, where MSK "
                             "refuses brokers; use subnets in other AZs (groundwork names AZs, "
                             "and a name maps to a different id in every account)")
        if len(set(ids)) != len(ids):
            raise ValueError(f"{owner}: KafkaArgs.az_ids puts two subnets in one AZ; MSK needs "
                             "each client subnet in a different AZ")
    if args.mode == "serverless":
        return _Placement(count, None)
    brokers = args.number_of_broker_nodes
    if brokers is None:
        if count is None:
            raise ValueError(f"{owner}: KafkaArgs.number_of_broker_nodes is required when "
                             "subnet_ids is an Output (its length is unknown here); give a "
                             "multiple of the subnet count")
        brokers = count
    if count is not None and brokers % count:
        raise ValueError(f"{owner}: KafkaArgs.number_of_broker_nodes {brokers} is not a multiple "
                         f"of the {count} client subnets; MSK spreads brokers evenly over the AZs")
    factor, min_insync = args.replication(brokers)
    try:
        check_replication(brokers, factor, min_insync)
    except ValueError as exc:
        raise ValueError(f"{owner}: KafkaArgs: {exc}") from None
    return _Placement(count, brokers)


class Kafka(pulumi.ComponentResource):
    """An MSK cluster (provisioned, with its configuration and broker log group, or serverless).

    `Kafka(name, KafkaArgs(...), opts)`. Outputs (the connection contract): `arn`,
    `cluster_name` (the alarms' "Cluster Name" dimension), `bootstrap_brokers` (the SASL/IAM
    bootstrap string, port 9098), `security_group_id`; `broker_ids` ("1".."N", the "Broker ID"
    dimension values; empty for serverless), `port` (9098). `cluster` is the `aws.msk.Cluster`
    or `aws.msk.ServerlessCluster`; `configuration` and `log_group` are None for serverless.
    `args`: the full `KafkaArgs`.
    """

    cluster: aws.msk.Cluster | aws.msk.ServerlessCluster
    configuration: aws.msk.Configuration | None
    log_group: aws.cloudwatch.LogGroup | None

    def __init__(self, name: str, args: KafkaArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else KafkaArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("Kafka", name, args)
        require("Kafka", name, args, _REQUIRED)
        provisioned = args.mode == "provisioned"
        if provisioned:
            require("Kafka", name, args, _REQUIRED_PROVISIONED)
        elif args.data_key_arn is not None:
            raise ValueError(f"Kafka {name!r}: KafkaArgs.data_key_arn is not allowed with mode "
                             "serverless: MSK Serverless encrypts with an AWS-owned key and takes "
                             "no customer key (use mode provisioned for the data key)")
        placement = _placement(name, args)
        cluster_name = checked_id("Kafka", name, "cluster_name", args.cluster_name or naming.prefix,
                                  MSK_NAME, "MSK cluster name (1-64 letters, digits and hyphens, "
                                  "a letter first)")
        security_group, groups = store_group("Kafka", STORE_KEY, args.security_group)
        super().__init__("groundwork:messaging:Kafka", name, None, opts)
        self.args = args
        self.security_group, self._groups = security_group, groups
        self._naming = naming
        self._granted: dict[str, tuple[bool, bool, aws.iam.RolePolicy]] = {}
        self.port: int = IAM_PORT
        self.configuration = None
        self.log_group = None
        self.az_count: int | None = placement.subnets
        self.replication_factor: int | None = None
        self.min_insync_replicas: int | None = None
        tags = naming.tagged(cluster_name, Component="kafka")

        if provisioned:
            brokers = placement.brokers
            assert brokers is not None  # _placement derives it for provisioned clusters
            factor, min_insync = args.replication(brokers)
            self.replication_factor, self.min_insync_replicas = factor, min_insync
            config_name = checked_id(
                "Kafka", name, "configuration name",
                naming.name("config", re.sub(r"[^a-z0-9]+", "-", args.kafka_version), max_length=64),
                MSK_NAME, "MSK configuration name")
            self.configuration = aws.msk.Configuration(
                f"{name}-config",
                # The version is in the name: an upgrade creates the new configuration first
                # (kafka_versions is ForceNew, and a fixed name would collide).
                name=config_name,
                description=f"{cluster_name}: no auto-created topics, replication {factor}, "
                            f"min.insync {min_insync}",
                kafka_versions=[args.kafka_version],
                server_properties=server_properties(brokers, factor, min_insync),
                opts=child_opts(self),
            )
            log_name = f"/aws/msk/{cluster_name}/broker"
            self.log_group = aws.cloudwatch.LogGroup(
                f"{name}-broker-logs",
                name=log_name,
                retention_in_days=args.log_retention_days,
                kms_key_id=args.logs_key_arn,
                tags=naming.tagged(log_name, Component="kafka"),
                opts=child_opts(self),
            )
            self.broker_ids: tuple[str, ...] = tuple(str(i) for i in range(1, brokers + 1))
            cluster = aws.msk.Cluster(
                f"{name}-cluster",
                cluster_name=cluster_name,
                kafka_version=args.kafka_version,
                number_of_broker_nodes=brokers,
                broker_node_group_info=aws.msk.ClusterBrokerNodeGroupInfoArgs(
                    client_subnets=args.subnet_ids,  # type: ignore[arg-type]  # checked above
                    instance_type=args.instance_type,
                    security_groups=[security_group.id],
                    az_distribution="DEFAULT",
                    storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoArgs(
                        ebs_storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfoArgs(
                            volume_size=args.volume_size_gb)),
                    connectivity_info=aws.msk.ClusterBrokerNodeGroupInfoConnectivityInfoArgs(
                        public_access=aws.msk.ClusterBrokerNodeGroupInfoConnectivityInfoPublicAccessArgs(
                            type="DISABLED")),
                ),
                encryption_info=aws.msk.ClusterEncryptionInfoArgs(
                    encryption_at_rest_kms_key_arn=args.data_key_arn,
                    encryption_in_transit=aws.msk.ClusterEncryptionInfoEncryptionInTransitArgs(
                        client_broker="TLS", in_cluster=True),
                ),
                client_authentication=aws.msk.ClusterClientAuthenticationArgs(
                    sasl=aws.msk.ClusterClientAuthenticationSaslArgs(iam=True, scram=False),
                    unauthenticated=False,
                ),
                configuration_info=aws.msk.ClusterConfigurationInfoArgs(
                    arn=self.configuration.arn, revision=self.configuration.latest_revision),
                enhanced_monitoring=args.enhanced_monitoring,
                logging_info=aws.msk.ClusterLoggingInfoArgs(
                    broker_logs=aws.msk.ClusterLoggingInfoBrokerLogsArgs(
                        cloudwatch_logs=aws.msk.ClusterLoggingInfoBrokerLogsCloudwatchLogsArgs(
                            enabled=True, log_group=self.log_group.name))),
                tags=tags,
                # The log group exists (with its key and retention) before MSK delivers to it.
                opts=child_opts(self, protect=args.protect, depends_on=[self.log_group]),
            )
            self.cluster = cluster
            self.bootstrap_brokers: pulumi.Output[str] = cluster.bootstrap_brokers_sasl_iam
            self.cluster_uuid: pulumi.Output[str] = cluster.cluster_uuid
        else:
            self.broker_ids = ()
            serverless = aws.msk.ServerlessCluster(
                f"{name}-cluster",
                cluster_name=cluster_name,
                client_authentication=aws.msk.ServerlessClusterClientAuthenticationArgs(
                    sasl=aws.msk.ServerlessClusterClientAuthenticationSaslArgs(
                        iam=aws.msk.ServerlessClusterClientAuthenticationSaslIamArgs(enabled=True))),
                vpc_configs=[aws.msk.ServerlessClusterVpcConfigArgs(
                    subnet_ids=args.subnet_ids,  # type: ignore[arg-type]  # checked above
                    security_group_ids=[security_group.id])],
                tags=tags,
                opts=child_opts(self, protect=args.protect),
            )
            self.cluster = serverless
            self.bootstrap_brokers = serverless.bootstrap_brokers_sasl_iam
            self.cluster_uuid = serverless.cluster_uuid

        self.arn: pulumi.Output[str] = self.cluster.arn
        self.cluster_name: pulumi.Output[str] = self.cluster.cluster_name
        self.security_group_id: pulumi.Output[str] = security_group.id
        self.register_outputs({
            "arn": self.arn, "cluster_name": self.cluster_name,
            "bootstrap_brokers": self.bootstrap_brokers, "port": self.port,
            "security_group_id": self.security_group_id,
        })

    @property
    def serverless(self) -> bool:
        return self.args.mode == "serverless"

    def connection(self) -> ServiceWiring:
        """What a service needs to reach the cluster: the SASL/IAM bootstrap brokers and the
        client settings (plain settings: IAM uses the task role, there is no secret). Grant the
        role with `allow_from(..., role=...)`."""
        return ServiceWiring(environment={
            ENV_BOOTSTRAP: self.bootstrap_brokers,
            ENV_PROTOCOL: "SASL_SSL",
            ENV_MECHANISM: "AWS_MSK_IAM",
        })

    def allow_from(self, source: Any, *, role: Any = None, produce: bool = False,
                   consume: bool = False) -> aws.iam.RolePolicy | None:
        """Let `source` (a security group or anything with `.security_group`) connect on 9098:
        ingress on the cluster's group and egress on the source's (one flow). With a role
        (`role`: an `aws.iam.Role` or anything with `.task_role`, else `source.task_role`), an
        inline policy on it: connect to this cluster, and `produce` / `consume` on its topics
        (`client_policy`). Returns the RolePolicy it created (None without a role), as every
        store's `allow_from` does. Idempotent: the same call again adds nothing and returns the
        same policy; other intents for a role already granted are an error (one call with
        both)."""
        if self._groups is None:
            raise ValueError("Kafka.allow_from needs the SecurityGroups component as "
                             "security_group= to create the rules (it was given a plain group)")
        target_role = _role_of(role if role is not None else source)
        if role is not None and target_role is None:
            raise TypeError(f"Kafka.allow_from: role must be an aws.iam.Role or have .task_role, "
                            f"got {type(role).__name__}")
        if (produce or consume) and target_role is None:
            raise ValueError("Kafka.allow_from: produce/consume grant IAM access and need a role "
                             "(role=<FargateService or aws.iam.Role>)")
        key = self._groups.key_of(group_of(source))
        self._groups.allow(source=source, target=self.security_group, port=IAM_PORT,
                           description=f"{key} to Kafka (IAM over TLS)")
        if target_role is None:
            return None
        role_key = target_role._name
        if role_key in self._granted:
            had_produce, had_consume, granted = self._granted[role_key]
            if (had_produce, had_consume) != (bool(produce), bool(consume)):
                raise ValueError(f"Kafka.allow_from: role {role_key} already has a grant on this "
                                 f"cluster (produce={had_produce}, consume={had_consume}); give "
                                 "produce and consume in one call")
            return granted  # the same intents again: idempotent, like the flow
        policy = aws.iam.RolePolicy(
            f"{self._name}-access-{role_key}",
            name=self._naming.name("client", max_length=128),
            role=target_role.id,
            policy=self.arn.apply(lambda arn: json.dumps(
                client_policy(arn, produce=produce, consume=consume))),
            opts=child_opts(self),
        )
        self._granted[role_key] = (bool(produce), bool(consume), policy)
        return policy


def _role_of(value: Any) -> aws.iam.Role | None:
    if isinstance(value, aws.iam.Role):
        return value
    role = getattr(value, "task_role", None)
    return role if isinstance(role, aws.iam.Role) else None


_REQUIRED = {
    "security_group": "the SecurityGroups component (stores={'kafka': 9098}) or an "
                      "aws.ec2.SecurityGroup",
    "subnet_ids": "the messaging tier's subnets, Network.outputs.subnet_ids['messaging']",
}
_REQUIRED_PROVISIONED = {
    "data_key_arn": "a customer-managed KMS key ARN for the data at rest",
    "logs_key_arn": "a KMS key ARN for the broker log group",
}
