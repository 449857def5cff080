"""`groundwork verify`'s data-service checks (`queues`, `dead-letters`, `search`, `documents`,
`kafka`) against prod with every store on, replayed into ONE module-scoped moto environment
from the plan's own inputs and stack outputs; each broken case is a resource of its own in that
environment (or one stubbed response), so no test pays for a fresh moto.

What moto does not model, and how it is handled:
- SQS: GetQueueAttributes never returns RedriveAllowPolicy (moto stores it), and any
  SetQueueAttributes without `Policy` clears the queue's policy: `verify_support.sqs_as_aws`
  makes moto behave as SQS does on both.
- OpenSearch: moto reports every domain `Processing: false` and never `DomainProcessingStatus`;
  the processing case sets the moto domain's flag directly. moto keeps any option it is given
  (no validation of the TLS policy name or of encryption being one-way).
- MSK: moto's CreateClusterV2 drops encryption and authentication for provisioned clusters, so
  the provisioned replay uses CreateCluster (v1), read back through DescribeClusterV2. Clusters
  stay CREATING forever: the replay sets the moto cluster ACTIVE. A DescribeClusterV2 of an
  unknown ARN raises a KeyError inside moto instead of NotFoundException: that case is stubbed.
- DocumentDB: moto refuses `Engine=docdb` (CreateDBCluster's engine enum has no docdb), so the
  `documents` check reads a `botocore.stub.Stubber` response built from the plan's
  aws:docdb/cluster inputs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from typer.testing import CliRunner
from verify_support import REGION, hardened_queue, replay_queues, sqs_as_aws, tls_only

from groundwork import verify
from groundwork.cli import app
from groundwork.engine import PlanResult

DOMAIN = "aws:opensearch/domain:Domain"
MSK = "aws:msk/cluster:Cluster"
DOCDB = "aws:docdb/cluster:Cluster"
OTHER_KEY = "arn:aws:kms:us-east-1:123456789012:key/99999999-other-key"
SKIP_OTHERS = frozenset({"ecs-service", "target-health", "database", "cache", "assets", "backup", "alarms",
                         "http-smoke", "web-acl", "cloudfront", "dns-records", "security-headers"})


def client(name: str) -> Any:
    return boto3.client(name, region_name=REGION)


# --------------------------------------------------------------------------------------------
# the replay: prod's queue, search domain and kafka cluster, from the plan, in moto
# --------------------------------------------------------------------------------------------


def _search_request(inputs: dict[str, Any]) -> dict[str, Any]:
    """aws.opensearch.Domain inputs -> CreateDomain's parameters (what verify reads)."""
    cluster, endpoint = inputs["clusterConfig"], inputs["domainEndpointOptions"]
    security, vpc = inputs["advancedSecurityOptions"], inputs["vpcOptions"]
    return {
        "DomainName": inputs["domainName"], "EngineVersion": inputs["engineVersion"],
        "ClusterConfig": {
            "InstanceType": cluster["instanceType"], "InstanceCount": cluster["instanceCount"],
            "DedicatedMasterEnabled": cluster["dedicatedMasterEnabled"],
            "DedicatedMasterType": cluster["dedicatedMasterType"],
            "DedicatedMasterCount": cluster["dedicatedMasterCount"],
            "ZoneAwarenessEnabled": cluster["zoneAwarenessEnabled"],
            "ZoneAwarenessConfig": {"AvailabilityZoneCount":
                                    cluster["zoneAwarenessConfig"]["availabilityZoneCount"]}},
        "VPCOptions": {"SubnetIds": vpc["subnetIds"], "SecurityGroupIds": vpc["securityGroupIds"]},
        "EncryptionAtRestOptions": {"Enabled": inputs["encryptAtRest"]["enabled"],
                                    "KmsKeyId": inputs["encryptAtRest"]["kmsKeyId"]},
        "NodeToNodeEncryptionOptions": {"Enabled": inputs["nodeToNodeEncryption"]["enabled"]},
        "DomainEndpointOptions": {"EnforceHTTPS": endpoint["enforceHttps"],
                                  "TLSSecurityPolicy": endpoint["tlsSecurityPolicy"]},
        "AdvancedSecurityOptions": {
            "Enabled": security["enabled"],
            "InternalUserDatabaseEnabled": security["internalUserDatabaseEnabled"],
            "AnonymousAuthEnabled": security["anonymousAuthEnabled"],
            "MasterUserOptions": {"MasterUserARN": security["masterUserOptions"]["masterUserArn"]}},
        "LogPublishingOptions": {
            log["logType"]: {"CloudWatchLogsLogGroupArn": log["cloudwatchLogGroupArn"],
                             "Enabled": log["enabled"]} for log in inputs["logPublishingOptions"]},
    }


def _kafka_request(inputs: dict[str, Any]) -> dict[str, Any]:
    """aws.msk.Cluster inputs -> CreateCluster's parameters."""
    nodes, encryption, auth = inputs["brokerNodeGroupInfo"], inputs["encryptionInfo"], inputs[
        "clientAuthentication"]
    return {
        "ClusterName": inputs["clusterName"], "KafkaVersion": inputs["kafkaVersion"],
        "NumberOfBrokerNodes": inputs["numberOfBrokerNodes"],
        "BrokerNodeGroupInfo": {
            "ClientSubnets": nodes["clientSubnets"], "InstanceType": nodes["instanceType"],
            "SecurityGroups": nodes["securityGroups"],
            "ConnectivityInfo": {"PublicAccess": {
                "Type": nodes["connectivityInfo"]["publicAccess"]["type"]}}},
        "EncryptionInfo": {
            "EncryptionAtRest": {"DataVolumeKMSKeyId": encryption["encryptionAtRestKmsKeyArn"]},
            "EncryptionInTransit": {"ClientBroker": encryption["encryptionInTransit"]["clientBroker"],
                                    "InCluster": encryption["encryptionInTransit"]["inCluster"]}},
        "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": auth["sasl"]["iam"]},
                                          "Scram": {"Enabled": auth["sasl"]["scram"]}},
                                 "Unauthenticated": {"Enabled": auth["unauthenticated"]}},
        "LoggingInfo": {"BrokerLogs": {"CloudWatchLogs": {
            "Enabled": inputs["loggingInfo"]["brokerLogs"]["cloudwatchLogs"]["enabled"],
            "LogGroup": inputs["loggingInfo"]["brokerLogs"]["cloudwatchLogs"]["logGroup"]}}},
        "EnhancedMonitoring": inputs["enhancedMonitoring"],
    }


def _docdb_cluster(inputs: dict[str, Any]) -> dict[str, Any]:
    """aws.docdb.Cluster inputs -> the DBCluster DescribeDBClusters would answer, available."""
    return {
        "DBClusterIdentifier": inputs["clusterIdentifier"], "Engine": inputs["engine"],
        "EngineVersion": inputs["engineVersion"], "Status": "available",
        "StorageEncrypted": inputs["storageEncrypted"], "KmsKeyId": inputs["kmsKeyId"],
        "BackupRetentionPeriod": inputs["backupRetentionPeriod"],
        "DeletionProtection": inputs["deletionProtection"],
        "EnabledCloudwatchLogsExports": list(inputs["enabledCloudwatchLogsExports"]),
        "Port": inputs["port"], "MultiAZ": True,
    }


def _activate(arn: str) -> None:
    """moto's MSK clusters stay CREATING: make one ACTIVE, as AWS does after ~20 minutes."""
    from moto.kafka.models import kafka_backends

    kafka_backends[DEFAULT_ACCOUNT_ID][REGION].clusters[arn].state = "ACTIVE"


@dataclass
class Deployed:
    outputs: dict[str, Any]
    """prod's stack outputs (the plan's), kafka.arn replaced by the ARN moto gave the cluster."""
    expect: verify.Expectations
    plan: PlanResult

    def inputs(self, type_: str) -> dict[str, Any]:
        return copy.deepcopy(self.plan.one(type_).inputs)

    @property
    def data_key(self) -> str:
        return str(self.outputs["kms_key_arns"]["data"])

    def verifier(self, outputs: dict[str, Any] | None = None, *, docdb: Any = None,
                 expect: verify.Expectations | None = None) -> verify.Verifier:
        def clients(name: str) -> Any:
            return docdb if name == "docdb" and docdb is not None else client(name)

        return verify.Verifier(outputs or self.outputs, expect or self.expect, clients=clients)

    def with_output(self, key: str, **values: Any) -> dict[str, Any]:
        """The outputs with `key` (search, kafka, documents) pointing elsewhere."""
        outputs = copy.deepcopy(self.outputs)
        outputs[key] = {**outputs[key], **values}
        return outputs


@pytest.fixture(scope="module")
def deployed(prod_data_services: PlanResult) -> Iterator[Deployed]:
    plan = prod_data_services
    with pytest.MonkeyPatch.context() as mp:
        for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            mp.setenv(var, "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        sqs_as_aws(mp)
        with mock_aws():
            replay_queues(plan, client("sqs"))
            client("opensearch").create_domain(**_search_request(plan.one(DOMAIN).inputs))
            arn = client("kafka").create_cluster(**_kafka_request(plan.one(MSK).inputs))["ClusterArn"]
            _activate(arn)
            outputs = copy.deepcopy(plan.stack_outputs)
            outputs["kafka"]["arn"] = arn
            assert plan.config is not None
            yield Deployed(outputs, verify.Expectations.from_config(plan.config), plan)


def stubbed_docdb(cluster: dict[str, Any] | None = None, *, error: str | None = None,
                  ident: str = "groundwork-prod-documents") -> tuple[Any, Stubber]:
    docdb = client("docdb")
    stub = Stubber(docdb)
    if error:
        stub.add_client_error("describe_db_clusters", error, f"{ident} not found")
    else:
        stub.add_response("describe_db_clusters", {"DBClusters": [cluster]}, {"DBClusterIdentifier": ident})
    stub.activate()
    return docdb, stub


def one(results: list[verify.CheckResult]) -> verify.CheckResult:
    [result] = results
    return result


# --------------------------------------------------------------------------------------------
# healthy: the plan's settings pass every data-service check
# --------------------------------------------------------------------------------------------


def test_the_planned_prod_stores_pass_every_data_service_check(deployed):
    docdb, stub = stubbed_docdb(_docdb_cluster(deployed.inputs(DOCDB)))
    expect = replace(deployed.expect, skip=SKIP_OTHERS)
    results = {(r.check, r.target): r for r in deployed.verifier(docdb=docdb, expect=expect).run()}
    stub.assert_no_pending_responses()
    assert {k: r.status for k, r in results.items()} == {
        **{(c, "-"): "SKIP" for c in verify.STACK_CHECKS if c in SKIP_OTHERS},
        ("queues", "groundwork-prod-jobs"): "PASS", ("dead-letters", "groundwork-prod-jobs-dlq"): "PASS",
        ("search", "groundwork-prod-search"): "PASS", ("documents", "groundwork-prod-documents"): "PASS",
        ("kafka", "groundwork-prod-kafka"): "PASS",
    }, {k: r.detail for k, r in results.items() if r.status != "SKIP"}
    assert [r.check for r in results.values()] == list(verify.STACK_CHECKS)  # the printed order
    assert results[("ecs-service", "-")].detail == "SKIP: --skip"
    assert results[("queues", "groundwork-prod-jobs")].detail == (
        "encrypted with the data key, redrives to groundwork-prod-jobs-dlq after 5 receives, "
        "TLS-only policies on both")
    assert "Policy-Min-TLS-1-2-PFS-2023-10" in results[("search", "groundwork-prod-search")].detail


def test_the_expectations_come_from_the_config(deployed):
    expect = deployed.expect
    assert expect.queues == (verify.QueueExpectation("jobs", 5),)
    assert expect.search == verify.SearchExpectation(instance_count=3, availability_zones=3,
                                                     dedicated_master=True, dedicated_master_count=3)
    assert expect.documents == verify.DocumentsExpectation(backup_retention_days=14, deletion_protection=True)
    assert expect.kafka == verify.KafkaExpectation(mode="provisioned",
                                                   enhanced_monitoring="PER_TOPIC_PER_BROKER")


# --------------------------------------------------------------------------------------------
# queues
# --------------------------------------------------------------------------------------------


def _queue(name: str, key: str, **attributes: str) -> dict[str, str]:
    """A hardened queue pair named `name`, then `attributes` set on the queue (or on the DLQ:
    keys prefixed `dlq_`); its `queues` output entry."""
    sqs = client("sqs")
    out = hardened_queue(sqs, name, key)
    main = {k: v for k, v in attributes.items() if not k.startswith("dlq_")}
    dlq = {k[4:]: v for k, v in attributes.items() if k.startswith("dlq_")}
    if main:
        sqs.set_queue_attributes(QueueUrl=out["url"], Attributes=main)
    if dlq:
        sqs.set_queue_attributes(QueueUrl=out["dlq_url"], Attributes=dlq)
    return out


def _check_queue(deployed: Deployed, out: dict[str, str]) -> verify.CheckResult:
    outputs = {**deployed.outputs, "queues": {"jobs": out}}
    return one(deployed.verifier(outputs).queues())


ARN = "arn:aws:sqs:us-east-1:123456789012:"


@pytest.mark.parametrize(("case", "attributes", "detail"), [
    ("aws-key", {"KmsMasterKeyId": "alias/aws/sqs"},
     "encrypted with the AWS-managed key alias/aws/sqs, not a customer key"),
    ("other-key", {"KmsMasterKeyId": OTHER_KEY}, f"encrypted with {OTHER_KEY}, not the data key {{data}}"),
    ("dlq-other-key", {"dlq_KmsMasterKeyId": OTHER_KEY},
     f"DLQ q-dlq-other-key-dlq encrypted with {OTHER_KEY}, not the data key {{data}}"),
    ("no-redrive", {"RedrivePolicy": ""},
     "no redrive policy (a failing message is retried until it expires)"),
    ("receives", {"RedrivePolicy": json.dumps({"deadLetterTargetArn": f"{ARN}q-receives-dlq",
                                               "maxReceiveCount": 50})},
     "maxReceiveCount 50, configured 5"),
    ("elsewhere", {"RedrivePolicy": json.dumps({"deadLetterTargetArn": f"{ARN}groundwork-prod-jobs-dlq",
                                                "maxReceiveCount": 5})},
     f"redrives to {ARN}groundwork-prod-jobs-dlq, not its DLQ {ARN}q-elsewhere-dlq"),
    ("allow-tls", {"Policy": tls_only(f"{ARN}q-allow-tls").replace("Deny", "Allow")},
     "no queue policy denying sqs:* when aws:SecureTransport is false"),
    ("narrowed", {"Policy": json.dumps({"Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": f"{ARN}q-narrowed",
        "Condition": {"Bool": {"aws:SecureTransport": "false"},
                      "StringEquals": {"aws:SourceVpc": "vpc-1"}}}]})},
     "no queue policy denying sqs:* when aws:SecureTransport is false"),
    ("some-actions", {"Policy": tls_only(f"{ARN}q-some-actions").replace('"sqs:*"', '"sqs:SendMessage"')},
     "no queue policy denying sqs:* when aws:SecureTransport is false"),
    ("other-arn", {"Policy": tls_only(f"{ARN}someone-else")},
     "no queue policy denying sqs:* when aws:SecureTransport is false"),
    ("dlq-tls", {"dlq_Policy": json.dumps({"Statement": []})},
     "DLQ q-dlq-tls-dlq has no queue policy denying sqs:* when aws:SecureTransport is false"),
    ("allow-all", {"dlq_RedriveAllowPolicy": json.dumps({"redrivePermission": "allowAll"})},
     f"DLQ q-allow-all-dlq redrive-allow policy is allowAll, not byQueue for {ARN}q-allow-all"),
    ("by-other", {"dlq_RedriveAllowPolicy": json.dumps({"redrivePermission": "byQueue",
                                                        "sourceQueueArns": [f"{ARN}someone"]})},
     f"DLQ q-by-other-dlq redrive-allow policy does not name {ARN}q-by-other"),
])
def test_a_queue_fails_naming_what_is_wrong(deployed, case, attributes, detail):
    result = _check_queue(deployed, _queue(f"q-{case}", deployed.data_key, **attributes))
    assert (result.target, result.status, result.detail) == (
        f"q-{case}", "FAIL", detail.format(data=deployed.data_key))


def test_other_spellings_of_the_tls_only_statement_pass(deployed):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "sqs:SendMessage", "Resource": f"{ARN}q-spelled"},
        {"Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": ["SQS:*"], "Resource": f"{ARN}q-spell*",
         "Condition": {"BoolIfExists": {"AWS:SecureTransport": ["false"]}}}]})
    result = _check_queue(deployed, _queue("q-spelled", deployed.data_key, Policy=policy))
    assert result.status == "PASS", result.detail


def test_an_unencrypted_queue_fails(deployed):
    sqs = client("sqs")
    out = hardened_queue(sqs, "q-plain", deployed.data_key)
    sqs.set_queue_attributes(QueueUrl=out["url"], Attributes={"KmsMasterKeyId": ""})
    result = _check_queue(deployed, out)
    assert result.detail.startswith("not encrypted with a customer KMS key (KmsMasterKeyId unset")


def test_a_missing_queue_or_dlq_fails(deployed):
    sqs = client("sqs")
    gone = hardened_queue(sqs, "q-gone", deployed.data_key)
    sqs.delete_queue(QueueUrl=gone["url"])
    result = _check_queue(deployed, gone)
    assert (result.target, result.detail) == ("q-gone", f"queue {gone['url']} does not exist")
    orphan = hardened_queue(sqs, "q-orphan", deployed.data_key)
    sqs.delete_queue(QueueUrl=orphan["dlq_url"])
    assert _check_queue(deployed, orphan).detail == f"dead-letter queue {orphan['dlq_url']} does not exist"


def test_a_queue_output_missing_skips_naming_the_key(deployed):
    outputs = {**deployed.outputs, "queues": {"jobs": {"url": deployed.outputs["queues"]["jobs"]["url"]}}}
    verifier = deployed.verifier(outputs)
    assert one(verifier.queues()).detail == "SKIP: output queues.jobs.arn missing"
    assert one(verifier.dead_letters()).detail == "SKIP: output queues.jobs.dlq_url missing"
    no_queues = {k: v for k, v in deployed.outputs.items() if k != "queues"}
    assert one(deployed.verifier(no_queues).queues()).status == "SKIP"


def test_a_non_empty_dead_letter_queue_fails_dead_letters(deployed):
    sqs = client("sqs")
    out = hardened_queue(sqs, "q-dead", deployed.data_key)
    for body in ("job-1", "job-2"):
        sqs.send_message(QueueUrl=out["dlq_url"], MessageBody=body)
    outputs = {**deployed.outputs, "queues": {"jobs": out}}
    result = one(deployed.verifier(outputs).dead_letters())
    assert (result.target, result.status) == ("q-dead-dlq", "FAIL")
    assert result.detail == ("2 message(s) dead-lettered (0 being received): jobs of q-dead failed "
                             "every retry; fix the cause, then redrive (docs/alarms.md#queue-dlq-not-empty)")
    sqs.receive_message(QueueUrl=out["dlq_url"], MaxNumberOfMessages=1, VisibilityTimeout=300)
    assert "(1 being received)" in one(deployed.verifier(outputs).dead_letters()).detail
    # the queue's own settings are fine: only dead-letters fails
    assert _check_queue(deployed, out).status == "PASS"


# --------------------------------------------------------------------------------------------
# search
# --------------------------------------------------------------------------------------------


def _domain(deployed: Deployed, name: str, change: Any) -> verify.CheckResult:
    """A domain made from the plan's request with `change(request)` applied, checked."""
    request = _search_request(deployed.inputs(DOMAIN))
    request["DomainName"] = name
    change(request)
    client("opensearch").create_domain(**request)
    return one(deployed.verifier(deployed.with_output("search", domain_name=name)).search())


def _set(path: str, value: Any) -> Any:
    def change(request: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node = request
        for key in parents:
            node = node[key]
        if value is None:
            del node[leaf]
        else:
            node[leaf] = value
    return change


@pytest.mark.parametrize(("case", "change", "detail"), [
    ("s-at-rest", _set("EncryptionAtRestOptions", {"Enabled": False}), "NOT encrypted at rest"),
    ("s-key", _set("EncryptionAtRestOptions.KmsKeyId", OTHER_KEY),
     f"encrypted at rest with {OTHER_KEY}, not the data key {{data}}"),
    ("s-n2n", _set("NodeToNodeEncryptionOptions.Enabled", False), "node-to-node encryption off"),
    ("s-http", _set("DomainEndpointOptions.EnforceHTTPS", False), "HTTPS not enforced"),
    ("s-tls", _set("DomainEndpointOptions.TLSSecurityPolicy", "Policy-Min-TLS-1-2-2019-07"),
     "TLS policy Policy-Min-TLS-1-2-2019-07, expected Policy-Min-TLS-1-2-PFS-2023-10"),
    ("s-public", _set("VPCOptions", None), "not in a VPC (a public endpoint)"),
    ("s-group", _set("VPCOptions.SecurityGroupIds", ["sg-default"]),
     "security groups sg-default, not {group}"),
    ("s-fgac", _set("AdvancedSecurityOptions", {"Enabled": False}), "fine-grained access control off"),
    ("s-internal", _set("AdvancedSecurityOptions.InternalUserDatabaseEnabled", True),
     "internal user database on (the master should be the IAM role)"),
    ("s-logs", _set("LogPublishingOptions.AUDIT_LOGS.Enabled", False),
     "AUDIT_LOGS not published to CloudWatch Logs"),
    ("s-nodes", _set("ClusterConfig.InstanceCount", 2), "2 data nodes, configured 3"),
    ("s-masters", _set("ClusterConfig.DedicatedMasterEnabled", False),
     "dedicated masters False, configured True"),
    ("s-zones", _set("ClusterConfig.ZoneAwarenessConfig.AvailabilityZoneCount", 2),
     "zone awareness across 2 AZ(s), configured 3"),
])
def test_a_search_domain_fails_naming_what_is_wrong(deployed, case, change, detail):
    result = _domain(deployed, f"gw-{case}", change)
    group = deployed.outputs["search"]["security_group_id"]
    assert (result.target, result.status, result.detail) == (
        f"gw-{case}", "FAIL", detail.format(data=deployed.data_key, group=group))


def test_a_domain_processing_a_change_fails_until_it_finishes(deployed):
    from moto.opensearch.models import opensearch_backends

    result = _domain(deployed, "gw-s-busy", lambda request: None)
    assert result.status == "PASS", result.detail
    opensearch_backends[DEFAULT_ACCOUNT_ID][REGION].domains["gw-s-busy"].processing = True
    result = one(deployed.verifier(deployed.with_output("search", domain_name="gw-s-busy")).search())
    assert result.detail == "still processing a change (Processing)"


def test_a_missing_domain_fails_and_a_missing_output_skips(deployed):
    result = one(deployed.verifier(deployed.with_output("search", domain_name="gw-nowhere")).search())
    assert (result.target, result.status) == ("gw-nowhere", "FAIL")
    assert result.detail.startswith("ResourceNotFoundException:")
    no_search = {k: v for k, v in deployed.outputs.items() if k != "search"}
    assert one(deployed.verifier(no_search).search()).detail == "SKIP: output search.domain_name missing"
    # off in the config and not exported: no row at all
    assert deployed.verifier(no_search, expect=replace(deployed.expect, search=None)).search() == []


# --------------------------------------------------------------------------------------------
# kafka
# --------------------------------------------------------------------------------------------


def _cluster(deployed: Deployed, name: str, change: Any, *, active: bool = True) -> verify.CheckResult:
    request = _kafka_request(deployed.inputs(MSK))
    request["ClusterName"] = name
    change(request)
    arn = client("kafka").create_cluster(**request)["ClusterArn"]
    if active:
        _activate(arn)
    return one(deployed.verifier(deployed.with_output("kafka", arn=arn, cluster_name=name)).kafka())


@pytest.mark.parametrize(("case", "change", "detail"), [
    ("k-plaintext", _set("EncryptionInfo.EncryptionInTransit.ClientBroker", "TLS_PLAINTEXT"),
     "client-broker encryption TLS_PLAINTEXT, not TLS"),
    ("k-in-cluster", _set("EncryptionInfo.EncryptionInTransit.InCluster", False),
     "NOT encrypted in transit between brokers (InCluster false)"),
    ("k-key", _set("EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId", OTHER_KEY),
     f"encrypted at rest with {OTHER_KEY}, not the data key {{data}}"),
    ("k-no-iam", _set("ClientAuthentication.Sasl.Iam.Enabled", False), "IAM client authentication off"),
    ("k-open", _set("ClientAuthentication.Unauthenticated.Enabled", True), "unauthenticated access on"),
    ("k-public", _set("BrokerNodeGroupInfo.ConnectivityInfo.PublicAccess.Type", "SERVICE_PROVIDED_EIPS"),
     "public access SERVICE_PROVIDED_EIPS"),
    ("k-logs", _set("LoggingInfo", None), "broker logs not sent to CloudWatch Logs"),
    ("k-monitoring", _set("EnhancedMonitoring", "PER_BROKER"),
     "enhanced monitoring PER_BROKER, configured PER_TOPIC_PER_BROKER"),
])
def test_a_kafka_cluster_fails_naming_what_is_wrong(deployed, case, change, detail):
    result = _cluster(deployed, case, change)
    assert (result.target, result.status, result.detail) == (
        case, "FAIL", detail.format(data=deployed.data_key))


def test_a_kafka_cluster_not_yet_active_fails(deployed):
    result = _cluster(deployed, "k-creating", lambda request: None, active=False)
    assert (result.target, result.detail) == ("k-creating", "state CREATING")


def test_a_serverless_cluster_is_judged_on_iam_alone(deployed):
    kafka = client("kafka")
    vpc = {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]}
    results = {}
    for name, iam in (("k-serverless", True), ("k-serverless-open", False)):
        arn = kafka.create_cluster_v2(ClusterName=name, Serverless={
            "VpcConfigs": [vpc], "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": iam}}}})["ClusterArn"]
        _activate(arn)
        expect = replace(deployed.expect, kafka=verify.KafkaExpectation("serverless", "PER_TOPIC_PER_BROKER"))
        outputs = deployed.with_output("kafka", arn=arn, cluster_name=name)
        results[name] = one(deployed.verifier(outputs, expect=expect).kafka())
    assert results["k-serverless"].status == "PASS", results["k-serverless"].detail
    assert results["k-serverless"].detail == "ACTIVE, IAM authentication, TLS (serverless)"
    assert results["k-serverless-open"].detail == "IAM client authentication off"
    # a serverless cluster where the config asks for a provisioned one
    mismatch = one(deployed.verifier(deployed.with_output("kafka", arn=arn)).kafka())
    assert mismatch.detail == "a serverless cluster, configured provisioned; IAM client authentication off"


def test_an_unknown_kafka_cluster_fails(deployed):
    """Stubbed: moto raises a KeyError for an unknown ARN (see the module docstring)."""
    kafka = client("kafka")
    arn = deployed.outputs["kafka"]["arn"]
    with Stubber(kafka) as stub:
        stub.add_client_error("describe_cluster_v2", "NotFoundException", "cluster not found",
                              expected_params={"ClusterArn": arn})
        verifier = verify.Verifier(deployed.outputs, deployed.expect,
                                   clients=lambda name: kafka if name == "kafka" else client(name))
        result = one(verifier.kafka())
    assert (result.target, result.status, result.detail) == (
        "groundwork-prod-kafka", "FAIL", "NotFoundException: cluster not found")


# --------------------------------------------------------------------------------------------
# documents (stubbed: moto has no DocumentDB)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "detail"), [
    ({"Status": "modifying"}, "status modifying"),
    ({"StorageEncrypted": False}, "storage NOT encrypted"),
    ({"KmsKeyId": OTHER_KEY}, f"encrypted storage with {OTHER_KEY}, not the data key {{data}}"),
    ({"BackupRetentionPeriod": 1}, "backup retention 1 days, configured 14"),
    ({"DeletionProtection": False}, "deletion protection is False, configured True"),
    ({"EnabledCloudwatchLogsExports": ["profiler"]}, "audit logs not exported to CloudWatch Logs"),
    ({"Engine": "aurora-postgresql"}, "engine aurora-postgresql, not docdb"),
])
def test_a_document_cluster_fails_naming_what_is_wrong(deployed, change, detail):
    docdb, stub = stubbed_docdb({**_docdb_cluster(deployed.inputs(DOCDB)), **change})
    result = one(deployed.verifier(docdb=docdb).documents())
    stub.assert_no_pending_responses()
    assert (result.target, result.status, result.detail) == (
        "groundwork-prod-documents", "FAIL", detail.format(data=deployed.data_key))


def test_a_missing_document_cluster_fails_and_a_missing_output_skips(deployed):
    docdb, _ = stubbed_docdb(error="DBClusterNotFoundFault")
    result = one(deployed.verifier(docdb=docdb).documents())
    assert result.detail == "DBClusterNotFoundFault: groundwork-prod-documents not found"
    outputs = deployed.with_output("documents", cluster_identifier=None)
    assert one(deployed.verifier(outputs).documents()).detail == (
        "SKIP: output documents.cluster_identifier missing")


def test_deletion_protection_is_checked_against_the_config(deployed):
    """dev-like config (protection off) and an unprotected cluster: that is what was asked."""
    cluster = {**_docdb_cluster(deployed.inputs(DOCDB)), "DeletionProtection": False}
    docdb, _ = stubbed_docdb(cluster)
    expect = replace(deployed.expect, documents=verify.DocumentsExpectation(14, deletion_protection=False))
    assert one(deployed.verifier(docdb=docdb, expect=expect).documents()).status == "PASS"


# --------------------------------------------------------------------------------------------
# the CLI: --skip on a stack, and JSON
# --------------------------------------------------------------------------------------------


def test_cli_skips_named_checks_and_refuses_unknown_ones(deployed, tmp_path: Path):
    outputs = {k: v for k, v in deployed.outputs.items() if k != "documents"}
    path, report = tmp_path / "outputs.json", tmp_path / "verify.json"
    path.write_text(json.dumps(outputs))
    runner, env = CliRunner(), {"COLUMNS": "200", "NO_COLOR": "1"}
    ok = runner.invoke(app, ["verify", "prod", "--outputs", str(path), "--json", str(report),
                             "--skip", "ecs-service,target-health",
                             "--skip", "database,cache,assets,backup,http-smoke",
                             "--skip", "web-acl,cloudfront,dns-records,security-headers"],
                       env=env)
    assert ok.exit_code == 0, ok.output
    rows = {(r["check"], r["status"]) for r in json.loads(report.read_text())["results"]}
    assert rows == {("ecs-service", "SKIP"), ("target-health", "SKIP"), ("database", "SKIP"),
                    ("cache", "SKIP"), ("assets", "SKIP"), ("backup", "SKIP"), ("http-smoke", "SKIP"),
                    ("queues", "PASS"),
                    ("dead-letters", "PASS"), ("search", "PASS"), ("kafka", "PASS"), ("alarms", "PASS"),
                    ("web-acl", "SKIP"), ("cloudfront", "SKIP"), ("dns-records", "SKIP"),
                    ("security-headers", "SKIP")}
    bad = runner.invoke(app, ["verify", "prod", "--outputs", str(path), "--skip", "queue"], env=env)
    assert bad.exit_code == 2 and "--skip queue: unknown; allowed: ecs-service" in bad.output
