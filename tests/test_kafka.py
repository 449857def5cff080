"""`Kafka` (Amazon MSK): the prod stack with `kafka.enabled` and the api on `use_kafka` (one
module-scoped plan), the component on its own (tests/programs/kafka: serverless too, refused
Args), its pure planning functions, the config section, and the plan's inputs replayed into
moto's MSK API."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import policy_doc, tags_of

from groundwork import cost
from groundwork.check import check_plan
from groundwork.components.alarm_names import ALARMS
from groundwork.components.alarms.kafka import cpu_threshold
from groundwork.components.kafka import (
    IAM_PORT,
    KafkaSettings,
    check_replication,
    client_policy,
    replication_defaults,
    resource_arn_pattern,
    server_properties,
)
from groundwork.engine import PlanResult
from groundwork.stacks.config import ConfigError, load_environment
from groundwork.testing import plan_program

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests" / "programs" / "kafka" / "__main__.py"
CLUSTER = "aws:msk/cluster:Cluster"
SERVERLESS = "aws:msk/serverlessCluster:ServerlessCluster"
CONFIGURATION = "aws:msk/configuration:Configuration"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
KEY = "aws:kms/key:Key"
CLUSTER_ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/events/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-3"


@pytest.fixture(scope="module")
def plan(prod_data_services: PlanResult) -> PlanResult:
    """prod with all the optional data services on, the api using them (tests/conftest.py)."""
    return prod_data_services


@pytest.fixture(scope="module")
def standalone() -> PlanResult:
    return plan_program(PROGRAM, stack="test", project="kafkatest",
                        config={"aws:region": "us-east-1", "case": "standalone"})


def _cluster(plan: PlanResult):
    return plan.one(CLUSTER)


def _group(plan: PlanResult, key: str):
    return next(g for g in plan.of_type(SG) if tags_of(g).get("Group") == key)


def _key_arn(plan: PlanResult, purpose: str) -> str:
    return plan.one(KEY, f"kms-{purpose}-key").outputs["arn"]


# --- placement: the messaging tier, whose route tables stay without a default route ------------


def test_brokers_land_in_the_messaging_tier_one_per_az(plan):
    messaging = [s for s in plan.of_type(SUBNET) if tags_of(s)["Tier"] == "messaging"]
    info = _cluster(plan).inputs["brokerNodeGroupInfo"]
    assert info["clientSubnets"] == [s.id for s in messaging] and len(messaging) == 2
    assert _cluster(plan).inputs["numberOfBrokerNodes"] == 2  # one per messaging AZ
    assert len({tags_of(s)["AZ"] for s in messaging}) == 2
    assert info["securityGroups"] == [_group(plan, "kafka").id]
    assert info["connectivityInfo"] == {"publicAccess": {"type": "DISABLED"}}


def test_the_messaging_route_tables_have_no_route_off_the_vpc(plan):
    """MSK brokers need nothing outbound (clients come to them; AWS operates them through its own
    network): the isolated tier keeps only its local route, and the S3 gateway endpoint's prefix
    list (an endpoint association, not a Route)."""
    messaging = [s for s in plan.of_type(SUBNET) if tags_of(s)["Tier"] == "messaging"]
    tables = {a.inputs["routeTableId"] for a in plan.of_type(ASSOC)
              if a.inputs["subnetId"] in {s.id for s in messaging}}
    assert tables
    assert [r for r in plan.of_type(ROUTE) if r.inputs["routeTableId"] in tables] == []


# --- security groups: one flow, api -> kafka on 9098 ---------------------------------------------


def test_only_the_service_that_uses_kafka_reaches_it_on_9098(plan):
    kafka, api = _group(plan, "kafka"), _group(plan, "api")
    ingress = [r.inputs for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == kafka.id]
    assert [(r["fromPort"], r["toPort"], r["ipProtocol"], r["referencedSecurityGroupId"])
            for r in ingress] == [(IAM_PORT, IAM_PORT, "tcp", api.id)]
    assert not [r for r in plan.of_type(EGRESS) if r.inputs["securityGroupId"] == kafka.id]
    to_kafka = [r.inputs for r in plan.of_type(EGRESS)
                if r.inputs.get("referencedSecurityGroupId") == kafka.id]
    assert [(r["securityGroupId"], r["fromPort"]) for r in to_kafka] == [(api.id, IAM_PORT)]


# --- encryption, authentication, logs, monitoring, configuration ---------------------------------


def test_encrypted_at_rest_with_the_data_key_and_tls_everywhere(plan):
    enc = _cluster(plan).inputs["encryptionInfo"]
    assert enc["encryptionAtRestKmsKeyArn"] == _key_arn(plan, "data")
    assert enc["encryptionInTransit"] == {"clientBroker": "TLS", "inCluster": True}
    assert _cluster(plan).inputs["clientAuthentication"] == {
        "sasl": {"iam": True, "scram": False}, "unauthenticated": False}


def test_broker_logs_go_to_a_log_group_on_the_logs_key(plan):
    cluster = _cluster(plan)
    logs = cluster.inputs["loggingInfo"]["brokerLogs"]["cloudwatchLogs"]
    group = next(g for g in plan.of_type(LOG_GROUP) if g.outputs["name"] == logs["logGroup"])
    assert logs["enabled"] is True
    assert group.inputs["kmsKeyId"] == _key_arn(plan, "logs")
    assert group.inputs["retentionInDays"] == 365
    assert group.urn in cluster.depends_on  # created (key, retention) before MSK delivers


def test_monitoring_configuration_and_protection(plan):
    cluster, config = _cluster(plan), plan.one(CONFIGURATION)
    assert cluster.inputs["enhancedMonitoring"] == "PER_TOPIC_PER_BROKER"
    assert cluster.inputs["configurationInfo"] == {"arn": config.outputs["arn"], "revision": 1}
    assert config.inputs["kafkaVersions"] == [cluster.inputs["kafkaVersion"]]
    props = dict(line.split("=") for line in config.inputs["serverProperties"].split())
    assert props == {"auto.create.topics.enable": "false", "default.replication.factor": "2",
                     "min.insync.replicas": "1", "unclean.leader.election.enable": "false"}
    assert cluster.protect  # prod
    assert cluster.inputs["clusterName"] == "groundwork-prod-kafka"


# --- wiring: env vars and the task role's grant --------------------------------------------------


def _container_env(plan: PlanResult, service: str) -> dict[str, str]:
    task = plan.one(TASK, f"{service}-task")
    container = json.loads(task.inputs["containerDefinitions"])[0]  # the app, before the tracing sidecar
    return {e["name"]: e["value"] for e in container.get("environment", [])}


def test_the_api_gets_the_bootstrap_brokers_and_the_worker_nothing(plan):
    env = _container_env(plan, "api")
    assert env["KAFKA_BOOTSTRAP_BROKERS"] == _cluster(plan).outputs["bootstrapBrokersSaslIam"]
    assert env["KAFKA_BOOTSTRAP_BROKERS"].endswith(":9098")
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL" and env["KAFKA_SASL_MECHANISM"] == "AWS_MSK_IAM"
    assert not {k for k in _container_env(plan, "worker") if k.startswith("KAFKA_")}


def test_the_api_task_role_may_use_exactly_this_clusters_topics_and_groups(plan):
    arn = _cluster(plan).outputs["arn"]
    [grant] = [p for p in plan.of_type(ROLE_POLICY) if "kafka-cluster:Connect" in p.inputs["policy"]]
    task_role = plan.one(ROLE, "api-task-role")
    assert grant.inputs["role"] == task_role.id
    statements = {s["Sid"]: s for s in policy_doc(grant)["Statement"]}
    assert statements["ConnectToThisCluster"]["Resource"] == arn
    topics = arn.replace(":cluster/", ":topic/") + "/*"
    assert statements["ProduceToItsTopics"]["Resource"] == topics
    assert statements["ConsumeItsTopics"]["Resource"] == topics
    assert statements["UseItsConsumerGroups"]["Resource"] == arn.replace(":cluster/", ":group/") + "/*"
    actions = {a for s in statements.values() for a in s["Action"]}
    assert not any(a.startswith(("kafka-cluster:Create", "kafka-cluster:Delete",
                                 "kafka-cluster:AlterTopic", "kafka-cluster:AlterCluster"))
                   for a in actions)


# --- alarms: dimensions are the cluster's outputs, broker ids 1..N -------------------------------


def test_alarm_dimensions_are_the_clusters_outputs(plan):
    name = _cluster(plan).outputs["clusterName"]
    kafka = [a for a in plan.of_type(ALARM) if ALARMS[tags_of(a)["AlarmKey"]].family == "kafka"]
    keys = sorted(tags_of(a)["AlarmKey"] for a in kafka)
    assert keys == sorted(["kafka-active-controller", "kafka-offline-partitions",
                           *[k for k in ("kafka-disk-used", "kafka-cpu", "kafka-under-replicated")
                             for _ in (1, 2)]])
    brokers = set()
    for alarm in kafka:
        queries = alarm.inputs.get("metricQueries")
        dims_list = [q["metric"]["dimensions"] for q in queries if q.get("metric")] if queries \
            else [alarm.inputs["dimensions"]]
        for dims in dims_list:
            assert dims["Cluster Name"] == name
            brokers |= {dims["Broker ID"]} if "Broker ID" in dims else set()
        assert alarm.inputs.get("namespace", "AWS/Kafka") == "AWS/Kafka"
        # the "Cluster Name" is the cluster's output, not a name recomputed to the same string
        key = "metricQueries" if queries else "dimensions"
        assert alarm.property_dependencies[key] == [_cluster(plan).urn], alarm.name
    assert brokers == {"1", "2"}
    cpu = next(a for a in kafka if tags_of(a)["AlarmKey"] == "kafka-cpu")
    assert cpu.inputs["threshold"] == 50.0  # two AZs: room for the survivor to take over
    assert {q["metric"]["metricName"] for q in cpu.inputs["metricQueries"] if q.get("metric")} == {
        "CpuUser", "CpuSystem"}


# --- policies and cost over the plan ---------------------------------------------------------------


def test_the_policy_pack_passes_the_cluster(plan):
    result = check_plan(plan)
    ours = [v for v in result.violations if v.resource_type.startswith(("aws:msk", "aws:mskconnect"))
            or v.policy.startswith("msk-")]
    assert ours == []


def test_the_cluster_rules_read_this_plans_cluster(plan):
    """Not vacuous: every streaming rule but the connector ones judges a resource of this plan
    (the stacks' plans have no MSK cluster: kafka is off there)."""
    from groundwork.policies import rules

    types = {r.type for r in plan.resources}
    streaming = [r for r in rules.ALL if r.family == "streaming"]
    assert {r.name for r in streaming if not types & set(r.types)} == {
        "msk-connect-tls", "msk-connect-logging"}


def test_cost_prices_brokers_and_storage(plan):
    lines = [line for line in cost.estimate(plan).lines if line.resource == "kafka-cluster"]
    assert {(line.unit, line.quantity) for line in lines} == {("broker-hour", 2 * 730.0),
                                                              ("GB-month", 2 * 500.0)}


# --- on its own: provisioned over three AZs, serverless, the refused Args ------------------------


def test_standalone_six_brokers_over_three_subnets_and_a_serverless_cluster(standalone):
    events = standalone.one(CLUSTER)
    assert events.inputs["numberOfBrokerNodes"] == 6
    props = standalone.one(CONFIGURATION).inputs["serverProperties"]
    assert "default.replication.factor=3" in props and "min.insync.replicas=2" in props
    stream = standalone.one(SERVERLESS)
    sg = _group(standalone, "kafka")
    assert stream.inputs["clientAuthentication"] == {"sasl": {"iam": {"enabled": True}}}
    assert stream.inputs["vpcConfigs"] == [{"subnetIds": ["subnet-0aaaaaaaaaaaaaaa1",
                                                          "subnet-0bbbbbbbbbbbbbbb2"],
                                            "securityGroupIds": [sg.id]}]
    names = {r.name for r in standalone.resources}
    assert "stream-broker-logs" not in names and "stream-config" not in names


def test_standalone_alarms_watch_the_provisioned_cluster_only(standalone):
    kafka = [a for a in standalone.of_type(ALARM)]
    assert len(kafka) == 2 + 6 * 3  # serverless publishes no broker or controller metrics
    assert all("stream" not in a.inputs["name"] for a in kafka)
    cpu = [a for a in kafka if tags_of(a)["AlarmKey"] == "kafka-cpu"]
    assert {a.inputs["threshold"] for a in cpu} == {60.0}  # three AZs: AWS's 60 %


def test_standalone_grants_follow_produce_and_consume(standalone):
    grants = {p.name: policy_doc(p) for p in standalone.of_type(ROLE_POLICY)}
    producer = {s["Sid"] for s in grants["events-access-producer"]["Statement"]}
    consumer = {s["Sid"] for s in grants["stream-access-consumer"]["Statement"]}
    assert producer == {"ConnectToThisCluster", "ProduceToItsTopics"}
    assert consumer == {"ConnectToThisCluster", "ConsumeItsTopics", "UseItsConsumerGroups"}
    assert grants["stream-access-consumer"]["Statement"][0]["Resource"] == \
        standalone.one(SERVERLESS).outputs["arn"]
    assert "kafka-cluster:WriteDataIdempotently" in \
        grants["events-access-producer"]["Statement"][0]["Action"]
    assert standalone.stack_outputs["events_connection"]["KAFKA_BOOTSTRAP_BROKERS"] == \
        standalone.one(CLUSTER).outputs["bootstrapBrokersSaslIam"]


def test_standalone_allow_from_again_adds_nothing(standalone):
    """The same allow_from twice: one flow each way and one grant, the same policy returned (a
    second call used to raise); other intents for a role already granted are refused."""
    assert standalone.stack_outputs["grant_again_is_same"] is True
    assert "role producer already has a grant on this cluster (produce=True, consume=False)" in \
        standalone.stack_outputs["other_intents"]
    assert [p.name for p in standalone.of_type(ROLE_POLICY)].count("events-access-producer") == 1
    kafka, app = _group(standalone, "kafka").id, standalone.one(SG, "app").id
    assert [(r.inputs["fromPort"], r.inputs["referencedSecurityGroupId"])
            for r in standalone.of_type(INGRESS) if r.inputs["securityGroupId"] == kafka] == [
        (IAM_PORT, app)]
    assert [(r.inputs["toPort"], r.inputs["referencedSecurityGroupId"])
            for r in standalone.of_type(EGRESS) if r.inputs["securityGroupId"] == app] == [
        (IAM_PORT, kafka)]


def test_standalone_serverless_costs_cluster_and_partition_hours(standalone):
    est = cost.estimate(standalone, cost.Assumptions(kafka_serverless_partitions=20))
    lines = {line.unit: line.quantity for line in est.lines if line.resource == "stream-cluster"}
    assert lines == {"cluster-hour": 730.0, "partition-hour": 20 * 730.0}
    assert any("20 partitions" in a for a in est.assumptions)


@pytest.mark.parametrize(("case", "words"), [
    ("one_subnet", "KafkaArgs.subnet_ids names 1 subnet(s)"),
    ("four_subnets", "KafkaArgs.subnet_ids names 4 subnet(s)"),
    ("same_subnet_twice", "KafkaArgs.subnet_ids names a subnet twice"),
    ("brokers_not_multiple", "KafkaArgs.number_of_broker_nodes 3 is not a multiple of the 2"),
    ("no_data_key", "KafkaArgs.data_key_arn is required"),
    ("no_logs_key", "KafkaArgs.logs_key_arn is required"),
    ("no_subnets", "KafkaArgs.subnet_ids is required"),
    ("no_group", "KafkaArgs.security_group is required"),
    ("az3", "KafkaArgs.az_ids puts a client subnet in use1-az3"),
    ("same_az", "KafkaArgs.az_ids puts two subnets in one AZ"),
    ("bad_name", "cluster_name '9-starts-with-a-digit' is not a valid MSK cluster name"),
    ("serverless_with_key", "KafkaArgs.data_key_arn is not allowed with mode serverless"),
    ("output_subnets_no_count", "KafkaArgs.number_of_broker_nodes is required when subnet_ids"),
    ("factor_above_brokers", "KafkaArgs: default_replication_factor 3 exceeds the 2 broker(s)"),
    ("produce_without_role", "Kafka.allow_from: produce/consume grant IAM access and need a role"),
])
def test_bad_args_are_refused_before_anything_registers(case, words):
    bad = _bad_args()
    assert words in bad.stack_outputs["errors"][case]


_BAD: list[PlanResult] = []


def _bad_args() -> PlanResult:
    if not _BAD:
        _BAD.append(plan_program(PROGRAM, stack="test", project="kafkatest",
                                 config={"aws:region": "us-east-1", "case": "bad_args"}))
    return _BAD[0]


def test_nothing_of_the_refused_clusters_is_registered():
    bad = _bad_args()
    assert not [r for r in bad.resources if r.name.startswith("bad-")]
    assert not [r for r in bad.of_type(INGRESS) if r.inputs.get("fromPort") == IAM_PORT]


# --- pure planning ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("brokers", "expected"), [(1, (1, 1)), (2, (2, 1)), (3, (3, 2)), (6, (3, 2))])
def test_replication_follows_the_broker_count(brokers, expected):
    assert replication_defaults(brokers) == expected
    check_replication(brokers, *expected)
    assert f"default.replication.factor={expected[0]}" in server_properties(brokers, *expected)


@pytest.mark.parametrize(("brokers", "factor", "min_insync", "words"), [
    (2, 3, 2, "exceeds the 2 broker(s)"),
    (3, 3, 3, "must be below default_replication_factor 3"),
    (3, 2, 3, "exceeds default_replication_factor 2"),
])
def test_replication_that_blocks_writes_is_refused(brokers, factor, min_insync, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        check_replication(brokers, factor, min_insync)


def test_settings_refuse_what_msk_refuses():
    for bad, words in [({"kafka_version": "2.8.1"}, "can't be created on MSK"),
                       ({"instance_type": "kafka.m5.metal"}, "unknown or unsupported MSK broker type"),
                       ({"instance_type": "express.m7g.large"}, "unknown or unsupported"),
                       ({"min_insync_replicas": 1}, "needs default_replication_factor"),
                       ({"default_replication_factor": 3, "number_of_broker_nodes": 2}, "exceeds"),
                       ({"volume_size_gb": 0}, "greater than or equal to 1"),
                       ({"log_retention_days": 13}, "not a CloudWatch Logs retention")]:
        with pytest.raises(ValueError, match=words):
            KafkaSettings(**bad)


def test_topic_and_group_patterns_pin_the_cluster_uuid():
    assert resource_arn_pattern(CLUSTER_ARN, "topic") == CLUSTER_ARN.replace(":cluster/", ":topic/") + "/*"
    assert resource_arn_pattern(CLUSTER_ARN, "group").endswith(
        ":group/events/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-3/*")
    with pytest.raises(ValueError, match="not an MSK cluster ARN"):
        resource_arn_pattern("arn:aws:kafka:us-east-1:123456789012:cluster/events", "topic")
    connect_only = client_policy(CLUSTER_ARN, produce=False, consume=False)
    assert [s["Sid"] for s in connect_only["Statement"]] == ["ConnectToThisCluster"]


@pytest.mark.parametrize(("azs", "threshold"), [(2, 50.0), (3, 60.0), (None, 60.0)])
def test_cpu_threshold_leaves_room_for_a_lost_az(azs, threshold):
    assert cpu_threshold(azs) == threshold


# --- config: the section, the prod floor, the service switch ------------------------------------


def _config(profile: str, kafka: dict[str, Any], **extra: Any):
    return load_environment({"profile": profile, "tags": {"Owner": "t"}, "kafka": kafka, **extra},
                            stack=profile)


def test_the_section_is_off_by_default_and_dev_is_small():
    dev = _config("dev", {"enabled": True})
    assert dev.kafka.instance_type == "kafka.t3.small" and dev.kafka.volume_size_gb == 20
    assert dev.kafka.mode == "provisioned"
    assert not load_environment({"profile": "prod", "tags": {"Owner": "t"}}, stack="prod").kafka.enabled


@pytest.mark.parametrize(("kafka", "words"), [
    ({"mode": "serverless"}, "kafka.mode must be provisioned in prod"),
    ({"instance_type": "kafka.t3.small"}, "kafka.instance_type can't be kafka.t3.small in prod"),
    ({"enhanced_monitoring": "PER_BROKER"}, "kafka.enhanced_monitoring must be PER_TOPIC_PER_BROKER"),
    ({"number_of_broker_nodes": 1}, "kafka.number_of_broker_nodes must be >= 2 in prod"),
])
def test_the_prod_floor(kafka, words):
    with pytest.raises(ConfigError, match=words):
        _config("prod", {"enabled": True, **kafka})


def test_use_kafka_needs_the_cluster_and_owns_its_variables():
    svc = {"name": "app", "kind": "worker", "image": "ghcr.io/your-org/app:1.0.0", "use_kafka": True}
    with pytest.raises(ConfigError, match=r"use_kafka needs kafka\.enabled"):
        _config("dev", {}, services=[svc])
    with pytest.raises(ConfigError, match="KAFKA_BOOTSTRAP_BROKERS are wired by the stack"):
        _config("dev", {"enabled": True}, services=[
            {**svc, "environment": {"KAFKA_BOOTSTRAP_BROKERS": "x:9098"}}])


# --- moto: MSK's API keeps what the plan sends ---------------------------------------------------


def _api_shape(inputs: dict[str, Any]) -> dict[str, Any]:
    """The plan's camelCase inputs as CreateCluster's PascalCase request."""
    def pascal(value: Any) -> Any:
        if isinstance(value, dict):
            return {k[:1].upper() + k[1:]: pascal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [pascal(v) for v in value]
        return value

    info = inputs["brokerNodeGroupInfo"]
    auth = inputs["clientAuthentication"]
    return {
        "ClusterName": inputs["clusterName"],
        "KafkaVersion": inputs["kafkaVersion"],
        "NumberOfBrokerNodes": int(inputs["numberOfBrokerNodes"]),
        "BrokerNodeGroupInfo": {
            "ClientSubnets": info["clientSubnets"], "InstanceType": info["instanceType"],
            "SecurityGroups": info["securityGroups"], "BrokerAZDistribution": info["azDistribution"],
            "StorageInfo": {"EbsStorageInfo": {"VolumeSize": int(
                info["storageInfo"]["ebsStorageInfo"]["volumeSize"])}},
            "ConnectivityInfo": pascal(info["connectivityInfo"])},
        "EncryptionInfo": {
            "EncryptionAtRest": {"DataVolumeKMSKeyId": inputs["encryptionInfo"]["encryptionAtRestKmsKeyArn"]},
            "EncryptionInTransit": pascal(inputs["encryptionInfo"]["encryptionInTransit"])},
        "ClientAuthentication": {
            "Sasl": {"Iam": {"Enabled": auth["sasl"]["iam"]}, "Scram": {"Enabled": auth["sasl"]["scram"]}},
            "Unauthenticated": {"Enabled": auth["unauthenticated"]}},
        "EnhancedMonitoring": inputs["enhancedMonitoring"],
        "LoggingInfo": {"BrokerLogs": {"CloudWatchLogs": {
            "Enabled": inputs["loggingInfo"]["brokerLogs"]["cloudwatchLogs"]["enabled"],
            "LogGroup": inputs["loggingInfo"]["brokerLogs"]["cloudwatchLogs"]["logGroup"]}}},
        "Tags": tags_of_plain(inputs),
    }


def tags_of_plain(inputs: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (inputs.get("tags") or {}).items()}


def test_moto_keeps_the_plans_encryption_auth_and_logging(plan):
    """moto's kafka backend models CreateCluster with encryption, authentication, logging and
    monitoring (stored as sent, not validated); CreateClusterV2 drops encryption info, and there
    is no CreateConfiguration: the configuration and serverless vpc settings are not replayed."""
    import boto3
    from moto import mock_aws

    inputs = _cluster(plan).inputs
    with mock_aws():
        client = boto3.client("kafka", region_name="us-east-1")
        arn = client.create_cluster(**_api_shape(inputs))["ClusterArn"]
        info = client.describe_cluster(ClusterArn=arn)["ClusterInfo"]
    assert info["EncryptionInfo"]["EncryptionAtRest"]["DataVolumeKMSKeyId"] == _key_arn(plan, "data")
    assert info["EncryptionInfo"]["EncryptionInTransit"] == {"ClientBroker": "TLS", "InCluster": True}
    assert info["ClientAuthentication"]["Unauthenticated"] == {"Enabled": False}
    assert info["ClientAuthentication"]["Sasl"]["Iam"] == {"Enabled": True}
    assert info["BrokerNodeGroupInfo"]["ConnectivityInfo"]["PublicAccess"] == {"Type": "DISABLED"}
    assert info["EnhancedMonitoring"] == "PER_TOPIC_PER_BROKER"
    assert info["LoggingInfo"]["BrokerLogs"]["CloudWatchLogs"]["LogGroup"] == \
        f"/aws/msk/{inputs['clusterName']}/broker"
    assert info["NumberOfBrokerNodes"] == 2
