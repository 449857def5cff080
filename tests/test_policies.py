"""The policy pack (issue: guardrails): every rule on small synthetic resources (at least one
passing and one failing each), the pack as the Pulumi CLI loads it (read, never imported), the
per-environment config, and the real stacks: clean as planned, and each mandatory rule firing
when the prod plan's records are broken the way a careless change would break them."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from groundwork.check import (
    POLICIES_DIR,
    CheckResult,
    PolicyConfigError,
    check_plan,
    check_records,
    config_path_for,
    effective_levels,
    load_policy_config,
    synthetic,
    validate_policy_config,
    validate_resource,
    validate_stack,
)
from groundwork.engine import PlanResult, ResourceRecord, plan_stack
from groundwork.policies import rules
from groundwork.policies.rules import ResourceRule, StackRule

ROOT = Path(__file__).resolve().parent.parent
RULES = rules.by_name()
PROD_CONFIG = json.loads((POLICIES_DIR / "config" / "prod.json").read_text())
DEV_CONFIG = json.loads((POLICIES_DIR / "config" / "dev.json").read_text())

RDS = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucket:Bucket"
SECRET = "aws:secretsmanager/secret:Secret"
INSTANCE = "aws:ec2/instance:Instance"
TAGS = {"Project": "groundwork", "Environment": "prod", "ManagedBy": "pulumi", "Owner": "team"}


# --------------------------------------------------------------------------------------------
# synthetic resources: one passing and one failing case per rule
# --------------------------------------------------------------------------------------------


def container(**overrides: Any) -> dict[str, Any]:
    base = {"name": "app", "image": "app:1.0.0", "user": "10001:10001", "readonlyRootFilesystem": True,
            "privileged": False, "environment": [{"name": "LOG_LEVEL", "value": "info"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/app"}}}
    return {**base, **overrides}


def task(**overrides: Any) -> dict[str, Any]:
    return {"family": "app", "containerDefinitions": json.dumps([container(**overrides)])}


GOOD_DB = {"engine": "postgres", "publiclyAccessible": False, "storageEncrypted": True,
           "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k", "multiAz": True,
           "monitoringInterval": 60, "monitoringRoleArn": "arn:aws:iam::123456789012:role/mon",
           "deletionProtection": True, "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
           "iamDatabaseAuthenticationEnabled": True, "backupRetentionPeriod": 14,
           "copyTagsToSnapshot": True, "port": 5433, "username": "groundwork_admin",
           "manageMasterUserPassword": True}
GOOD_CACHE = {"snapshotRetentionLimit": 7, "automaticFailoverEnabled": True, "multiAzEnabled": True,
              "atRestEncryptionEnabled": True, "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k",
              "transitEncryptionEnabled": True, "authToken": "[secret]", "subnetGroupName": "cache"}
GOOD_INSTANCE = {"instanceType": "t4g.nano", "metadataOptions": {"httpTokens": "required"},
                 "rootBlockDevice": {"encrypted": True, "volumeType": "gp3"},
                 "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True}]}
GOOD_LB = {"loadBalancerType": "application", "dropInvalidHeaderFields": True,
           "accessLogs": {"bucket": "logs", "enabled": True}, "enableDeletionProtection": True,
           "desyncMitigationMode": "defensive", "subnets": ["subnet-a", "subnet-b"]}
REDIRECT = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
FORWARD = [{"type": "forward", "targetGroupArn": "arn:tg"}]
POLICY_OK = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
     "Resource": "*"},
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringEquals": {"kms:CallerAccount": "123456789012"}}}]}
POLICY_PUBLIC = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}

# (rule, resource type, passing props, failing props, a fragment the failing message contains)
RESOURCE_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    ("ec2-subnet-no-public-ip", "aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": False},
     {"mapPublicIpOnLaunch": True}, "public IPs"),
    ("elb-drop-invalid-headers", LB, GOOD_LB, {**GOOD_LB, "dropInvalidHeaderFields": False},
     "invalid header"),
    ("elb-access-logs", LB, GOOD_LB, {**GOOD_LB, "accessLogs": {"bucket": "logs", "enabled": False}},
     "access logs"),
    ("elb-deletion-protection", LB, GOOD_LB, {**GOOD_LB, "enableDeletionProtection": False}, "deletion"),
    ("elb-desync-mitigation", LB, GOOD_LB, {**GOOD_LB, "desyncMitigationMode": "monitor"}, "monitor"),
    ("elb-tls-policy", LISTENER,
     {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"},
     {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08"}, "ELBSecurityPolicy-2016-08"),
    ("ecs-no-public-ip", SERVICE, {"networkConfiguration": {"assignPublicIp": False}},
     {"networkConfiguration": {"assignPublicIp": True}}, "public IPs"),
    ("ecs-no-host-pid", TASK, task(), {**task(), "pidMode": "host"}, "pidMode host"),
    ("ecs-not-privileged", TASK, task(), task(privileged=True), "container 'app' runs privileged"),
    ("ecs-read-only-root", TASK, task(), task(readonlyRootFilesystem=False), "writable root"),
    ("ecs-no-secrets-in-environment", TASK, task(environment=[{"name": "DB_SECRET_ARN", "value": "arn:x"}]),
     task(environment=[{"name": "DB_PASSWORD", "value": "hunter2"}]), "DB_PASSWORD"),
    ("ecs-logging", TASK, task(), task(logConfiguration=None), "no logConfiguration"),
    ("ecs-non-root-user", TASK, task(), task(user="0"), "runs as root"),
    ("ecs-fargate-latest-platform", SERVICE, {"launchType": "FARGATE", "platformVersion": "LATEST"},
     {"launchType": "FARGATE", "platformVersion": "1.3.0"}, "1.3.0"),
    ("ecs-container-insights", "aws:ecs/cluster:Cluster",
     {"settings": [{"name": "containerInsights", "value": "enhanced"}]},
     {"settings": [{"name": "containerInsights", "value": "disabled"}]}, "Container Insights off"),
    ("ec2-imdsv2-required", INSTANCE, GOOD_INSTANCE,
     {**GOOD_INSTANCE, "metadataOptions": {"httpTokens": "optional"}}, "accepts IMDSv1"),
    ("ec2-ebs-encrypted", INSTANCE, GOOD_INSTANCE,
     {**GOOD_INSTANCE, "rootBlockDevice": {"volumeType": "gp3"}}, "unencrypted root volume"),
    ("rds-not-public", RDS, GOOD_DB, {**GOOD_DB, "publiclyAccessible": True}, "publicly accessible"),
    ("rds-encrypted", RDS, GOOD_DB, {**GOOD_DB, "storageEncrypted": False}, "not encrypted"),
    ("rds-multi-az", RDS, GOOD_DB, {**GOOD_DB, "multiAz": False}, "single-AZ"),
    ("rds-enhanced-monitoring", RDS, GOOD_DB, {**GOOD_DB, "monitoringRoleArn": None}, "no monitoringRoleArn"),
    ("rds-deletion-protection", RDS, GOOD_DB, {**GOOD_DB, "deletionProtection": False}, "deletion"),
    ("rds-log-exports", RDS, GOOD_DB, {**GOOD_DB, "enabledCloudwatchLogsExports": ["postgresql"]}, "upgrade"),
    ("rds-iam-auth", RDS, GOOD_DB, {**GOOD_DB, "iamDatabaseAuthenticationEnabled": False}, "IAM"),
    ("rds-backup-retention", RDS, GOOD_DB, {**GOOD_DB, "backupRetentionPeriod": 0}, "0 day(s)"),
    ("rds-minor-upgrades", RDS, GOOD_DB, {**GOOD_DB, "autoMinorVersionUpgrade": False}, "minor"),
    ("rds-copy-tags-to-snapshot", RDS, GOOD_DB, {**GOOD_DB, "copyTagsToSnapshot": False}, "snapshots"),
    ("rds-non-default-port", RDS, GOOD_DB, {**GOOD_DB, "port": 5432}, "5432"),
    ("rds-custom-admin-username", RDS, GOOD_DB, {**GOOD_DB, "username": "postgres"}, "'postgres'"),
    ("rds-managed-master-password", RDS, GOOD_DB,
     {**GOOD_DB, "manageMasterUserPassword": False, "password": "[secret]"}, "master password"),
    ("elasticache-backups", CACHE, GOOD_CACHE, {**GOOD_CACHE, "snapshotRetentionLimit": 0}, "snapshots"),
    ("elasticache-minor-upgrades", CACHE, GOOD_CACHE, {**GOOD_CACHE, "autoMinorVersionUpgrade": False},
     "minor"),
    ("elasticache-automatic-failover", CACHE, GOOD_CACHE, {**GOOD_CACHE, "multiAzEnabled": False},
     "multiAzEnabled"),
    ("elasticache-encrypted-at-rest", CACHE, GOOD_CACHE, {**GOOD_CACHE, "atRestEncryptionEnabled": False},
     "at rest"),
    ("elasticache-encrypted-in-transit", CACHE, GOOD_CACHE,
     {**GOOD_CACHE, "transitEncryptionMode": "preferred"}, "plaintext"),
    ("elasticache-auth", CACHE, GOOD_CACHE, {**GOOD_CACHE, "authToken": None}, "no auth token"),
    ("elasticache-subnet-group", CACHE, GOOD_CACHE, {**GOOD_CACHE, "subnetGroupName": "default"}, "default"),
    ("kms-key-rotation", KEY, {"enableKeyRotation": True}, {"enableKeyRotation": False}, "rotate"),
    ("kms-key-not-public", KEY, {"policy": json.dumps(POLICY_OK)}, {"policy": json.dumps(POLICY_PUBLIC)},
     "statement Anyone"),
    ("sns-topic-encrypted", "aws:sns/topic:Topic", {"kmsMasterKeyId": "arn:aws:kms:us-east-1:1:key/k"},
     {"kmsMasterKeyId": "alias/aws/sns"}, "alias/aws/sns"),
    ("required-tags", "aws:ec2/vpc:Vpc", {"tags": TAGS},
     {"tags": {k: v for k, v in TAGS.items() if k != "Owner"}}, "Owner"),
    ("no-plaintext-secrets", "aws:lambda/function:Function",
     {"environment": {"variables": {"API_TOKEN_SECRET_ARN": "arn:aws:secretsmanager:x"}}, "tags": TAGS},
     {"environment": {"variables": {"API_TOKEN": "s3cr3t-value"}}}, "API_TOKEN"),
    ("cloudwatch-alarm-has-action", ALARM, {"alarmActions": ["arn:aws:sns:us-east-1:1:t"]},
     {"alarmActions": []}, "no alarm action"),
    ("cloudwatch-alarm-actions-enabled", ALARM, {"actionsEnabled": True}, {"actionsEnabled": False},
     "disabled"),
    ("cloudwatch-log-retention", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 365},
     {"retentionInDays": 30}, "30 days"),
    ("cloudwatch-log-group-encrypted", "aws:cloudwatch/logGroup:LogGroup", {"kmsKeyId": "arn:k"}, {},
     "not encrypted"),
]

RESOURCE_PROTECT_CASES = [("prod-stateful-protected", kind) for kind in (
    RDS, CACHE, BUCKET, "aws:docdb/cluster:Cluster", "aws:opensearch/domain:Domain",
    "aws:elasticsearch/domain:Domain", "aws:msk/cluster:Cluster", "aws:sqs/queue:Queue")]


@pytest.mark.parametrize(("rule", "kind", "good", "bad", "fragment"), RESOURCE_CASES,
                         ids=[c[0] for c in RESOURCE_CASES])
def test_resource_rule_passes_and_fails(rule, kind, good, bad, fragment):
    policy = RULES[rule]
    assert isinstance(policy, ResourceRule)
    assert validate_resource(policy, kind, good, name="good") == []
    found = validate_resource(policy, kind, bad, name="bad")
    assert len(found) >= 1, found
    message = found[0]
    # the message names the resource, the control id and the fix
    assert "'bad'" in message and f"[{policy.control}]" in message and f"Fix: {policy.fix}" in message
    assert fragment in message


@pytest.mark.parametrize(("rule", "kind"), RESOURCE_PROTECT_CASES)
def test_stateful_resources_must_be_protected(rule, kind):
    assert validate_resource(RULES[rule], kind, {}, protect=True) == []
    [message] = validate_resource(RULES[rule], kind, {}, protect=False)
    assert "not protected" in message
    assert validate_resource(RULES[rule], "aws:ec2/vpc:Vpc", {}, protect=False) == []


def test_rules_skip_other_types():
    assert validate_resource(RULES["rds-encrypted"], CACHE, {"storageEncrypted": False}) == []


def test_ec2_rules_read_every_volume_and_the_metadata_endpoint():
    imds, ebs = RULES["ec2-imdsv2-required"], RULES["ec2-ebs-encrypted"]
    # no metadata options at all: the AMI's default decides, so it fails
    [message] = validate_resource(imds, INSTANCE, {"instanceType": "t4g.nano"})
    assert "unset" in message
    # no metadata endpoint at all: nothing to steal credentials from
    assert validate_resource(imds, INSTANCE, {"metadataOptions": {"httpEndpoint": "disabled"}}) == []
    # an attached volume is checked like the root one
    attached = {**GOOD_INSTANCE, "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": False}]}
    [message] = validate_resource(ebs, INSTANCE, attached)
    assert "/dev/sdf" in message
    # no root_block_device: the account default may encrypt it, but the rule can't know
    [message] = validate_resource(ebs, INSTANCE, {"instanceType": "t4g.nano"})
    assert "unencrypted root volume" in message


def test_required_tags_come_from_the_provider_default_tags():
    rule = RULES["required-tags"]
    provider = {"region": "us-east-1", "defaultTags": json.dumps({"tags": TAGS})}
    assert validate_resource(rule, "aws:ec2/eip:Eip", {}, provider_props=provider) == []
    from_stack_config = {"defaultTags": {"tags": TAGS}}
    assert validate_resource(rule, "aws:ec2/eip:Eip", {}, provider_props=from_stack_config) == []
    # what a real preview computes into tagsAll counts too
    assert validate_resource(rule, "aws:ec2/eip:Eip", {"tagsAll": TAGS}) == []
    [message] = validate_resource(rule, "aws:ec2/eip:Eip", {}, provider_props={"region": "us-east-1"})
    assert "Project, Environment, ManagedBy, Owner" in message
    # resources that take no tags are not asked for them
    assert validate_resource(rule, "aws:ec2/route:Route", {}) == []


@pytest.mark.parametrize(("name", "value"), [
    ("DB_PASSWORD", "hunter2"), ("STRIPE_API_KEY", "sk_live_abc"), ("SIGNING_KEY", "abc"),
    ("GITHUB_TOKEN", "[secret]"), ("ANYTHING", "AKIAABCDEFGHIJKLMNOP"),
    ("DATABASE_URL", "postgres://app:pa55@db:5432/app"),
    ("CERT", "-----BEGIN RSA PRIVATE KEY-----\nMII..."),
])
def test_secret_looking_environment_values_are_flagged(name, value):
    found = validate_resource(RULES["ecs-no-secrets-in-environment"], TASK,
                              task(environment=[{"name": name, "value": value}]))
    assert len(found) == 1 and name in found[0]


@pytest.mark.parametrize(("name", "value"), [
    ("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:x"), ("TOKEN_TTL", "3600"),
    ("CACHE_KEY_PREFIX", "app:"), ("DATABASE_URL", "postgres://db:5432/app"), ("AUTH_ENABLED", "true"),
    ("LOG_LEVEL", "debug"),
])
def test_plain_settings_are_not_flagged(name, value):
    assert validate_resource(RULES["ecs-no-secrets-in-environment"], TASK,
                             task(environment=[{"name": name, "value": value}])) == []


def test_secret_tags_and_access_keys_anywhere_are_flagged():
    rule = RULES["no-plaintext-secrets"]
    [tag] = validate_resource(rule, "aws:s3/bucket:Bucket", {"tags": {**TAGS, "AdminPassword": "x1"}})
    assert "tag AdminPassword" in tag
    [anywhere] = validate_resource(rule, "aws:ssm/parameter:Parameter",
                                   {"type": "String", "value": "AKIAABCDEFGHIJKLMNOP"})
    assert "input value holds an AWS access key id" in anywhere
    # a SecureString parameter or a secret's value is a secret by design
    assert validate_resource(rule, "aws:ssm/parameter:Parameter",
                             {"type": "SecureString", "value": "AKIAABCDEFGHIJKLMNOP"}) == []
    assert validate_resource(rule, "aws:secretsmanager/secretVersion:SecretVersion",
                             {"secretString": "AKIAABCDEFGHIJKLMNOP"}) == []


def test_config_properties_change_the_threshold():
    rds = RULES["rds-backup-retention"]
    one_day = {**GOOD_DB, "backupRetentionPeriod": 1}
    assert validate_resource(rds, RDS, one_day, config={"minimumDays": 1}) == []
    assert validate_resource(rds, RDS, {**GOOD_DB, "backupRetentionPeriod": 1}) != []  # default 7
    logs = RULES["cloudwatch-log-retention"]
    assert validate_resource(logs, "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 14},
                             config={"minimumDays": 1}) == []
    [never] = validate_resource(logs, "aws:cloudwatch/logGroup:LogGroup", {}, config={"minimumDays": 1})
    assert "never expires" in never


def test_unknown_values_behave_as_in_the_engine():
    """A value unknown at preview that the rule can decide without (an ARN that exists) passes;
    one it needs raises UnknownValueError, which the engine reports as 'can't run in preview'."""
    unknown_key = {**GOOD_DB, "kmsKeyId": UNKNOWN_STRING_VALUE}
    assert validate_resource(RULES["rds-encrypted"], RDS, unknown_key) == []
    with pytest.raises(UnknownValueError):
        validate_resource(RULES["rds-encrypted"], RDS, {**GOOD_DB, "storageEncrypted": UNKNOWN_STRING_VALUE})
    record = ResourceRecord(type=RDS, name="db", urn="urn:db", parent="", custom=True,
                            inputs={**GOOD_DB, "storageEncrypted": "[unknown]"}, outputs={})
    result = check_records([record], PROD_CONFIG)
    assert [s.policy for s in result.skipped] == ["rds-encrypted"]
    assert "can't be known during preview" in result.skipped[0].reason


def test_unreadable_container_definitions_are_reported_not_passed():
    """Offline, a task definition marked secret shows as a placeholder: the container rules say
    they could not read it rather than passing it."""
    record = ResourceRecord(type=TASK, name="api-task", urn="urn:api-task", parent="", custom=True,
                            inputs={"family": "api", "containerDefinitions": "[secret]"}, outputs={})
    result = check_records([record], PROD_CONFIG)
    skipped = {s.policy for s in result.skipped if s.kind == "not-applicable"}
    assert {"ecs-not-privileged", "ecs-read-only-root", "ecs-logging", "ecs-non-root-user",
            "ecs-no-secrets-in-environment"} <= skipped
    assert not [v for v in result.violations if v.policy.startswith("ecs-")]


# --- stack rules: synthetic stacks ------------------------------------------------------------


def _alb_stack(ingress: dict[str, Any], *, on_alb: bool = True) -> list[PolicyResource]:
    alb_sg = synthetic(SG, "alb-sg", {"vpcId": "vpc-1"})
    db_sg = synthetic(SG, "db-sg", {"vpcId": "vpc-1"})
    lb = synthetic(LB, "alb", GOOD_LB, deps={"securityGroups": [alb_sg]})
    rule = synthetic(INGRESS, "in", ingress, deps={"securityGroupId": [alb_sg if on_alb else db_sg]})
    return [alb_sg, db_sg, lb, rule]


def _listeners(http_actions: list[dict[str, Any]], *, with_https: bool) -> list[PolicyResource]:
    lb = synthetic(LB, "alb", GOOD_LB)
    out = [lb, synthetic(LISTENER, "http", {"protocol": "HTTP", "port": 80, "defaultActions": http_actions},
                         deps={"loadBalancerArn": [lb]})]
    if with_https:
        out.append(synthetic(LISTENER, "https", {"protocol": "HTTPS", "port": 443, "defaultActions": FORWARD,
                                                 "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
                             deps={"loadBalancerArn": [lb]}))
    return out


def _subnets(*azs: str) -> list[PolicyResource]:
    subnets = [synthetic("aws:ec2/subnet:Subnet", f"s{i}", {"availabilityZone": az})
               for i, az in enumerate(azs)]
    lb = synthetic(LB, "alb", {**GOOD_LB, "subnets": [f"subnet-{i}" for i in range(len(azs))]},
                   deps={"subnets": subnets})
    return [*subnets, lb]


def _flow_logs(traffic: str | None) -> list[PolicyResource]:
    vpc = synthetic("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    if traffic is None:
        return [vpc]
    return [vpc, synthetic("aws:ec2/flowLog:FlowLog", "fl", {"trafficType": traffic}, deps={"vpcId": [vpc]})]


def _force_ssl(value: str | None) -> list[PolicyResource]:
    params = [{"name": "rds.force_ssl" if value else "log_connections", "value": value or "1"}]
    group = synthetic("aws:rds/parameterGroup:ParameterGroup", "pg", {"name": "pg", "parameters": params})
    return [group, synthetic(RDS, "db", {**GOOD_DB, "parameterGroupName": "pg"},
                             deps={"parameterGroupName": [group]})]


def _secret(rotation_days: int | None, *, exempt: bool = False) -> list[PolicyResource]:
    exemption = {"RotationExempt": "rotated by the cache on deploy", "RotationExemptUntil": "2026-12-31"}
    tags = {**TAGS, **(exemption if exempt else {})}
    secret = synthetic(SECRET, "token", {"tags": tags, "arn": "arn:aws:secretsmanager:x:1:secret:token"})
    if rotation_days is None:
        return [secret]
    # matched by value, not dependency: the rotation names the secret's ARN
    return [secret, synthetic("aws:secretsmanager/secretRotation:SecretRotation", "rot",
                              {"secretId": "arn:aws:secretsmanager:x:1:secret:token",
                               "rotationRules": {"automaticallyAfterDays": rotation_days}})]


def _bucket(pab: dict[str, bool] | None = None, policy: dict | None = None,
            ownership: str | None = None) -> list[PolicyResource]:
    bucket = synthetic(BUCKET, "logs", {"bucket": "logs-123"})
    out = [bucket]
    if pab is not None:
        out.append(synthetic("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab",
                             {"bucket": "logs-123", **pab}, deps={"bucket": [bucket]}))
    if policy is not None:
        out.append(synthetic("aws:s3/bucketPolicy:BucketPolicy", "policy",
                             {"bucket": "logs-123", "policy": json.dumps(policy)}, deps={"bucket": [bucket]}))
    if ownership is not None:
        out.append(synthetic("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "own",
                             {"bucket": "logs-123", "rule": {"objectOwnership": ownership}},
                             deps={"bucket": [bucket]}))
    return out


ALL_ON = dict.fromkeys(("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
                       True)
TLS_ONLY = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
HTTPS_443 = {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0"}

# (rule, passing stack, failing stack, name of the failing resource, fragment)
STACK_CASES: list[tuple[str, Callable[[], list], Callable[[], list], str, str]] = [
    ("ec2-vpc-flow-logs", lambda: _flow_logs("ALL"), lambda: _flow_logs("REJECT"), "vpc", "REJECT"),
    ("ec2-default-security-group-closed",
     lambda: [synthetic("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default-sg",
                        {"vpcId": "vpc-1"})],
     lambda: [synthetic("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default-sg",
                        {"vpcId": "vpc-1", "ingress": [{"protocol": "-1", "self": True}]})],
     "default-sg", "ingress"),
    ("ec2-no-world-ingress", lambda: _alb_stack(HTTPS_443),
     lambda: _alb_stack({**HTTPS_443, "ipProtocol": "-1", "fromPort": None, "toPort": None}), "in",
     "ALL protocols"),
    ("elb-http-redirects-to-https", lambda: _listeners(REDIRECT, with_https=True),
     lambda: _listeners(FORWARD, with_https=True), "http", "instead of redirecting"),
    ("elb-http-only-listener", lambda: _listeners(REDIRECT, with_https=True),
     lambda: _listeners(FORWARD, with_https=False), "http", "no HTTPS listener"),
    ("elb-multi-az", lambda: _subnets("us-east-1a", "us-east-1b"),
     lambda: _subnets("us-east-1a", "us-east-1a"),
     "alb", "one AZ"),
    ("rds-force-ssl", lambda: _force_ssl("1"), lambda: _force_ssl(None), "db", "rds.force_ssl=1"),
    ("secretsmanager-rotation", lambda: _secret(30), lambda: _secret(120), "token", "every 120 days"),
    ("s3-block-public-access", lambda: _bucket(pab=ALL_ON),
     lambda: _bucket(pab={**ALL_ON, "restrictPublicBuckets": False}), "logs", "restrictPublicBuckets"),
    ("s3-tls-only", lambda: _bucket(policy=TLS_ONLY), lambda: _bucket(policy={"Statement": []}), "logs",
     "SecureTransport"),
    ("s3-acls-disabled", lambda: _bucket(ownership="BucketOwnerEnforced"),
     lambda: _bucket(ownership="ObjectWriter"), "logs", "ACLs"),
]


@pytest.mark.parametrize(("rule", "good", "bad", "culprit", "fragment"), STACK_CASES,
                         ids=[c[0] for c in STACK_CASES])
def test_stack_rule_passes_and_fails(rule, good, bad, culprit, fragment):
    policy = RULES[rule]
    assert isinstance(policy, StackRule)
    assert validate_stack(policy, good()) == []
    found = validate_stack(policy, bad())
    assert found, f"{rule} did not fire"
    urn, message = found[0]
    assert urn.endswith(f"::{culprit}") and f"'{culprit}'" in message
    assert f"[{policy.control}]" in message and f"Fix: {policy.fix}" in message and fragment in message


@pytest.mark.parametrize(("ingress", "on_alb", "fragment"), [
    ({**HTTPS_443, "ipProtocol": "-1", "fromPort": -1, "toPort": -1}, True, "ALL protocols"),
    ({**HTTPS_443, "ipProtocol": "-1", "cidrIpv4": None, "cidrIpv6": "::/0"}, False, "ALL protocols"),
    ({**HTTPS_443, "fromPort": 0, "toPort": 65535}, True, "ports 0-65535"),
    ({**HTTPS_443, "fromPort": 5432, "toPort": 5432}, False, "port 5432"),
    (HTTPS_443, False, "not an application load balancer"),
])
def test_world_ingress_variants_fire(ingress, on_alb, fragment):
    found = validate_stack(RULES["ec2-no-world-ingress"], _alb_stack(ingress, on_alb=on_alb))
    assert len(found) == 1 and fragment in found[0][1]


def test_world_ingress_from_inline_and_classic_rules():
    rule = RULES["ec2-no-world-ingress"]
    inline = synthetic(SG, "open", {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0,
                                                 "cidrBlocks": ["0.0.0.0/0"]}]})
    classic = synthetic("aws:ec2/securityGroupRule:SecurityGroupRule", "ssh",
                        {"type": "ingress", "protocol": "tcp", "fromPort": 22, "toPort": 22,
                         "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"]}, deps={"securityGroupId": [inline]})
    private = synthetic(INGRESS, "vpc-only", {**HTTPS_443, "cidrIpv4": "10.0.0.0/16"})
    found = validate_stack(rule, [inline, classic, private])
    assert sorted(u.rsplit("::", 1)[-1] for u, _ in found) == ["open", "ssh"]


def test_rotation_exemption_must_say_why():
    """Reason and expiry date: the exemption's other cases are in test_policies_resource_policies."""
    rule = RULES["secretsmanager-rotation"]
    assert validate_stack(rule, _secret(None, exempt=True), {"today": "2026-12-01"}) == []
    assert validate_stack(rule, _secret(None, exempt=True), {"today": "2027-01-01"})  # expired
    [(_, message)] = validate_stack(rule, _secret(None))
    assert "RotationExempt" in message


# --- every rule is covered above -----------------------------------------------------------------


def _covered_elsewhere() -> set[str]:
    """Rules whose passing and failing cases live in a `tests/test_policies_<area>.py` module,
    which lists them in `COVERED_RULES`."""
    import importlib.util

    covered: set[str] = set()
    for path in sorted(Path(__file__).parent.glob("test_policies_*.py")):
        spec = importlib.util.spec_from_file_location(f"_cases_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        covered |= set(getattr(module, "COVERED_RULES", ()))
    return covered


def test_every_rule_has_a_passing_and_a_failing_case():
    covered = ({c[0] for c in RESOURCE_CASES} | {c[0] for c in RESOURCE_PROTECT_CASES}
               | {c[0] for c in STACK_CASES} | _covered_elsewhere())
    assert covered == set(RULES), sorted(set(RULES) ^ covered)


def test_every_rule_names_its_control_and_fix():
    assert len(RULES) == len(rules.ALL)  # unique names
    for rule in rules.ALL:
        assert rule.control and rule.fix and rule.description.startswith(f"[{rule.control}]")
        assert rule.family in rules.FAMILIES


# --------------------------------------------------------------------------------------------
# the pack as the Pulumi CLI loads it
# --------------------------------------------------------------------------------------------


def test_main_compiles_and_lists_every_rule_once():
    source = (POLICIES_DIR / "__main__.py").read_text()
    tree = ast.parse(source)
    compile(tree, "policies/__main__.py", "exec")
    [call] = [n for n in ast.walk(tree)
              if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "PolicyPack"]
    kwargs = {k.arg: k.value for k in call.keywords}
    assert ast.literal_eval(kwargs["name"]) == rules.PACK_NAME == "groundwork"
    assert ast.unparse(kwargs["enforcement_level"]) == "rules.DEFAULT_ENFORCEMENT"
    listed = []
    for item in kwargs["policies"].elts:  # rules.<family>.<function>
        family, attr = item.value.attr, item.attr
        listed.append(getattr(rules.FAMILIES[family], attr).name)
    assert listed == [r.name for r in rules.ALL]
    # it builds the pack and nothing else: no rule logic, only imports, sys.path and the call
    assert {type(n).__name__ for n in tree.body} <= {"Expr", "Import", "ImportFrom"}


def test_pack_metadata_and_requirements():
    meta = yaml.safe_load((POLICIES_DIR / "PulumiPolicy.yaml").read_text())
    assert meta["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    requirements = (POLICIES_DIR / "requirements.txt").read_text()
    assert "pulumi-policy" in requirements and "pulumi>=" in requirements
    assert "groundwork" not in requirements.split("#")[0]


def test_rules_import_nothing_but_the_policy_sdk():
    """The pack's virtualenv has only pulumi and pulumi-policy."""
    allowed = {"__future__", "base64", "collections", "dataclasses", "datetime", "ipaddress", "json", "re",
               "typing", "pulumi_policy"}
    for path in (POLICIES_DIR / "rules").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                continue  # the pack's own modules: relative imports keep it self-contained
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert all(n.split(".")[0] in allowed for n in names), (path.name, names)


# --------------------------------------------------------------------------------------------
# per-environment config
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_config_files_are_valid_and_name_every_rule(env):
    config = load_policy_config(POLICIES_DIR / "config" / f"{env}.json")
    assert validate_policy_config(config) == []
    assert set(config) == {"all", *RULES}
    assert config["all"] == "mandatory"


def test_enforcement_per_environment():
    dev, prod = effective_levels(DEV_CONFIG), effective_levels(PROD_CONFIG)
    relaxed_in_dev = {"rds-multi-az", "rds-deletion-protection", "elb-deletion-protection",
                      "elasticache-automatic-failover", "prod-stateful-protected", "elb-http-only-listener",
                      "secretsmanager-rotation", "rds-non-default-port", "ec2-no-public-ip",
                      # a one-node dev search domain (docs/search.md)
                      "opensearch-data-nodes", "opensearch-dedicated-masters",
                      # dev's document database has no deletion protection (docs/document-database.md)
                      "docdb-deletion-protection",
                      # dev runs without the WAF (edge.waf.enabled false; docs/edge.md)
                      "elb-web-acl-associated",
                      # dev has backups off; one turned on needs no lock or DR copy (docs/backup.md)
                      "backup-vault-lock", "backup-cross-region-copy"}
    assert {n for n, lvl in dev.items() if lvl == "advisory"} == relaxed_in_dev
    assert {n for n, lvl in prod.items() if lvl == "advisory"} == {"rds-non-default-port"}
    # encryption, exposure and least privilege are mandatory everywhere
    for name in ("rds-encrypted", "rds-not-public", "ec2-no-world-ingress",
                 "elasticache-encrypted-in-transit",
                 "ecs-not-privileged", "elb-http-redirects-to-https", "kms-key-rotation"):
        assert dev[name] == prod[name] == "mandatory"
    assert DEV_CONFIG["rds-backup-retention"]["minimumDays"] == 1
    assert PROD_CONFIG["rds-backup-retention"]["minimumDays"] == 7
    assert PROD_CONFIG["cloudwatch-log-retention"]["minimumDays"] == 365


def test_levels_follow_all_then_the_pack_default():
    assert effective_levels({})["rds-encrypted"] == "mandatory"  # the pack fails closed
    assert effective_levels({"all": "advisory"})["rds-encrypted"] == "advisory"
    levels = effective_levels({"all": "advisory", "rds-encrypted": {"enforcementLevel": "remediate"}})
    assert levels["rds-encrypted"] == "mandatory" and levels["rds-not-public"] == "advisory"


@pytest.mark.parametrize(("config", "problem"), [
    ({"rds-encryption": "mandatory"}, "rds-encryption: unknown policy"),
    ({"rds-encrypted": "blocking"}, "'blocking' is not one of"),
    ({"rds-backup-retention": {"enforcementLevel": "mandatory", "minimumDays": 0}}, "whole number >= 1"),
    ({"rds-encrypted": {"enforcementLevel": "mandatory", "minimumDays": 3}}, "allowed: none"),
])
def test_bad_config_is_refused(config, problem, tmp_path):
    assert any(problem in p for p in validate_policy_config(config))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config))
    with pytest.raises(PolicyConfigError) as info:
        load_policy_config(path)
    assert any(problem in p for p in info.value.problems)


def test_a_stack_without_its_own_config_uses_its_profile(tmp_path):
    assert config_path_for("staging", "prod") == POLICIES_DIR / "config" / "prod.json"
    own = tmp_path / "policies" / "config"
    own.mkdir(parents=True)
    (own / "staging.json").write_text("{}")
    assert config_path_for("staging", "prod", tmp_path) == own / "staging.json"
    with pytest.raises(PolicyConfigError):
        config_path_for("staging", None)


# --------------------------------------------------------------------------------------------
# the real stacks
# --------------------------------------------------------------------------------------------


def _report(result: CheckResult) -> str:
    return "\n".join(f"{v.level} {v.message}" for v in result.violations)


@pytest.fixture(scope="module")
def prod_check(prod: PlanResult) -> CheckResult:
    return check_plan(prod)


def test_prod_has_no_mandatory_violation(prod_check):
    assert prod_check.config_path.name == "prod.json"
    assert prod_check.mandatory == [], _report(prod_check)
    assert prod_check.skipped == []


def test_dev_has_no_mandatory_violation(dev):
    result = check_plan(dev)
    assert result.config_path.name == "dev.json"
    assert result.mandatory == [], _report(result)


def test_dev_with_a_nat_instance_has_no_mandatory_violation(dev, dev_nat_instance):
    """`groundwork check dev` with `network.nat: instance`: the instance, its security group,
    role, EIP and recovery alarm pass every rule; the advisories are dev's own, no new one."""
    result = check_plan(dev_nat_instance)
    assert result.mandatory == [], _report(result)
    # dev's own advisories, plus EC2.9: a NAT instance forwards through its Elastic IP
    [public] = [v for v in result.advisory if v.policy == "ec2-no-public-ip"]
    assert public.resource_name.startswith("network-nat-instance-")
    assert {v.message for v in result.advisory} - {public.message} == {
        v.message for v in check_plan(dev).advisory}
    assert [v for v in result.violations if "nat" in v.message.lower()] == [public]


@pytest.mark.parametrize(("rule", "changes"), [
    ("ec2-imdsv2-required", {"metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "optional"}}),
    ("ec2-ebs-encrypted", {"rootBlockDevice": {"volumeType": "gp3", "volumeSize": 8}}),
])
def test_breaking_the_nat_instance_fires_the_mandatory_ec2_rule(dev_nat_instance, rule, changes):
    records, target = _mutated(dev_nat_instance, INSTANCE, **changes)
    assert [v for v in check_records(dev_nat_instance.resources, DEV_CONFIG).fired(rule)] == []
    hits = [v for v in check_records(records, DEV_CONFIG).fired(rule) if v.urn == target.urn]
    assert hits and all(v.level == "mandatory" for v in hits)


def test_the_rules_see_the_real_resources(prod, dev_nat_instance, two_of_each, account,
                                         prod_data_services, prod_cloudfront):
    """Guard against rules passing vacuously: every rule reads resources that a real program
    builds. The prod plan holds what most rules look at; the rest are read in prod with the
    optional data services on (OpenSearch, DocumentDB, MSK), prod with `edge: cloudfront` (the
    CloudFront rules), dev's NAT instance (EC2 instances), the two-of-each program (ECR
    repositories, customer-managed IAM policies of the CI roles) and the account program (the
    account-level rules)."""
    def blind_in(plan: PlanResult, names: list[str]) -> list[str]:
        types = {r.type for r in plan.resources}
        return [n for n in names if not types & set(RULES[n].types)]

    on_with_data_services = {r.name for r in rules.ALL if r.family in ("search", "documents", "streaming")}
    # the CloudFront rules read the distribution of `edge: cloudfront`
    cloudfront = {r.name for r in rules.ALL if r.name.startswith("cloudfront-")}
    blind = blind_in(prod, [rule.name for rule in rules.ALL if rule.types])
    elsewhere = {"ec2-imdsv2-required", "ec2-ebs-encrypted", "ecr-image-scanning",
                 "ecr-tag-immutability", "ecr-lifecycle-policy", "kms-managed-policy-no-decrypt-all",
                 # the account rules, but for the two that read any bucket (the trail's)
                 *({r.name for r in rules.ALL if r.family == "account"}
                   - {"cloudtrail-bucket-not-public", "cloudtrail-bucket-access-logging"}),
                 *on_with_data_services, *cloudfront}
    assert set(blind) == elsewhere
    remaining = blind_in(account, blind_in(two_of_each, blind_in(
        dev_nat_instance, blind_in(prod_data_services, blind_in(prod_cloudfront, blind)))))
    # Rules on what groundwork never builds but a user's program may: a shared cluster snapshot
    # (DocumentDB.3) and MSK Connect connectors (MSK.3, MSK.5); their own test modules judge
    # synthetic records.
    assert set(remaining) == {"docdb-snapshot-not-public", "msk-connect-tls",
                              "msk-connect-logging"}


def _mutated(plan: PlanResult, kind: str, name: str | None = None, *, protect: bool | None = None,
             **changes: Any) -> tuple[list[ResourceRecord], ResourceRecord]:
    """A copy of the plan's records with one resource's inputs (and outputs) changed."""
    records = copy.deepcopy(plan.resources)
    [target] = [r for r in records if r.type == kind and (name is None or r.name == name)][:1]
    for props in (target.inputs, target.outputs):
        for key, value in changes.items():
            if value is None:
                props.pop(key, None)
            else:
                props[key] = value
    if protect is not None:
        target.protect = protect
    return records, target


def _fires(plan: PlanResult, rule: str, records: list[ResourceRecord], target: ResourceRecord):
    before = [v for v in check_records(plan.resources, PROD_CONFIG).fired(rule) if v.urn == target.urn]
    assert before == [], f"{rule} already fires on the unbroken plan: {before}"
    after = check_records(records, PROD_CONFIG).fired(rule)
    hits = [v for v in after if v.urn == target.urn]
    assert hits, f"{rule} did not fire on {target.name}"
    assert all(v.level == "mandatory" for v in hits)
    return hits


def _container_defs(record: ResourceRecord, **changes: Any) -> str:
    defs = json.loads(record.inputs["containerDefinitions"])
    defs[0].update(changes)
    return json.dumps(defs)


BREAKS = {
    "database unencrypted": ("rds-encrypted", RDS, None, {"storageEncrypted": False}),
    "database public": ("rds-not-public", RDS, None, {"publiclyAccessible": True}),
    "backups off": ("rds-backup-retention", RDS, None, {"backupRetentionPeriod": 0}),
    "cache without TLS": ("elasticache-encrypted-in-transit", CACHE, None,
                          {"transitEncryptionEnabled": False}),
    "ALB keeps invalid headers": ("elb-drop-invalid-headers", LB, None, {"dropInvalidHeaderFields": False}),
    "HTTP listener forwards": ("elb-http-redirects-to-https", LISTENER, "load-balancer-http",
                               {"defaultActions": FORWARD}),
    "alarm without actions": ("cloudwatch-alarm-has-action", ALARM, None, {"alarmActions": []}),
    "KMS key without rotation": ("kms-key-rotation", KEY, None, {"enableKeyRotation": False}),
}


@pytest.mark.parametrize("case", list(BREAKS))
def test_breaking_prod_fires_the_mandatory_rule(prod, case):
    rule, kind, name, changes = BREAKS[case]
    records, target = _mutated(prod, kind, name, **changes)
    _fires(prod, rule, records, target)


def test_breaking_prod_privileged_container(prod):
    task_record = prod.one(TASK, "api-task")
    defs = _container_defs(task_record, privileged=True)
    records, target = _mutated(prod, TASK, "api-task", containerDefinitions=defs)
    [hit] = _fires(prod, "ecs-not-privileged", records, target)
    assert "container 'api' runs privileged" in hit.message


@pytest.mark.parametrize("rule_name", ["security-groups-alb-in-443-world-v4", None])
def test_breaking_prod_world_open_all_protocols(prod, rule_name):
    """`ipProtocol -1` from 0.0.0.0/0: refused even on the ALB's own group."""
    kind = INGRESS
    name = rule_name or next(r.name for r in prod.of_type(INGRESS) if "referencedSecurityGroupId" in r.inputs)
    records, target = _mutated(prod, kind, name, ipProtocol="-1", fromPort=None, toPort=None,
                               cidrIpv4="0.0.0.0/0", referencedSecurityGroupId=None)
    [hit] = _fires(prod, "ec2-no-world-ingress", records, target)
    assert "ALL protocols" in hit.message


def test_world_ingress_is_allowed_only_because_the_group_is_the_albs(prod):
    world = [r for r in prod.of_type(INGRESS) if r.inputs.get("cidrIpv4") == "0.0.0.0/0"
             or r.inputs.get("cidrIpv6") == "::/0"]
    assert sorted((r.inputs["fromPort"], r.inputs["ipProtocol"]) for r in world) == [
        (80, "tcp"), (80, "tcp"), (443, "tcp"), (443, "tcp")]
    records, lb = _mutated(prod, LB, securityGroups=[])  # detach the ALB from its group
    lb.property_dependencies["securityGroups"] = []
    hits = check_records(records, PROD_CONFIG).fired("ec2-no-world-ingress")
    assert sorted(v.resource_name for v in hits) == sorted(r.name for r in world)
    assert all("not an application load balancer's security group" in v.message for v in hits)


def test_breaking_prod_unprotected_database(prod):
    records, target = _mutated(prod, RDS, protect=False)
    assert prod.one(RDS).protect is True
    _fires(prod, "prod-stateful-protected", records, target)


@pytest.mark.parametrize("kind", ["aws:opensearch/domain:Domain", "aws:docdb/cluster:Cluster",
                                  "aws:msk/cluster:Cluster", "aws:sqs/queue:Queue"])
def test_breaking_prod_unprotected_data_service(prod_data_services, kind):
    """Each of issue 16's stores is protected in prod; unprotecting one fails the check."""
    records, target = _mutated(prod_data_services, kind, protect=False)
    assert all(r.protect for r in prod_data_services.of_type(kind))
    _fires(prod_data_services, "prod-stateful-protected", records, target)


def test_provider_default_tags_cover_untagged_resources(prod):
    records, target = _mutated(prod, "aws:ec2/eip:Eip", tags=None)
    assert not check_records(records, PROD_CONFIG).fired("required-tags")
    for record in records:  # now take the provider's default tags away as well
        if record.type == "pulumi:providers:aws":
            record.inputs.pop("defaultTags", None)
    hits = [v for v in check_records(records, PROD_CONFIG).fired("required-tags") if v.urn == target.urn]
    assert len(hits) == 1 and hits[0].level == "mandatory"


def test_dev_http_only_is_advisory_in_dev_and_mandatory_in_prod():
    plan = plan_stack("dev", overrides={"load_balancer": {"http_only": True, "certificate": None}})
    dev_result = check_plan(plan)
    found = dev_result.fired("elb-http-only-listener")
    assert found and all(v.level == "advisory" for v in found)
    assert not dev_result.fired("elb-http-redirects-to-https")  # one finding, not two
    prod_levels = check_records(plan.resources, PROD_CONFIG).fired("elb-http-only-listener")
    assert prod_levels and all(v.level == "mandatory" for v in prod_levels)


def test_secret_in_a_service_environment_fails_the_check():
    plan = plan_stack("dev", overrides={"services": [
        {"name": "api", "kind": "web", "image": "ghcr.io/your-org/app:1.0.0", "port": 8000,
         "environment": {"STRIPE_API_KEY": "sk_live_123"}}]})
    [hit] = check_plan(plan).fired("ecs-no-secrets-in-environment")
    assert hit.level == "mandatory" and "STRIPE_API_KEY" in hit.message and "'api-task'" in hit.message


# --------------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    from conftest import run_cli

    return run_cli(*args)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_groundwork_check_exits_zero(stack):
    result = _cli("check", stack)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"config/{stack}.json" in result.stdout and "PASSED" in result.stdout


def test_groundwork_check_groups_by_rule_and_fails_on_mandatory(tmp_path):
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"all": "mandatory"}))
    result = _cli("check", "dev", "--policy-config", str(strict))
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "MANDATORY rds-multi-az [RDS.5]: 1 violation(s)" in out
    assert "  - rds.Instance 'database-instance': is single-AZ [RDS.5]. Fix: set multi_az=True" in out
    assert "FAILED" in out
    relaxed = _cli("check", "dev")
    assert "advisory rds-multi-az [RDS.5]: 1 violation(s)" in relaxed.stdout


def test_groundwork_check_refuses_a_bad_policy_config(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rds-encryption": "mandatory"}))
    result = _cli("check", "dev", "--policy-config", str(bad))
    assert result.returncode == 2
    assert "invalid policy config" in result.stderr and "rds-encryption: unknown policy" in result.stderr
    assert "Traceback" not in result.stderr


def test_groundwork_plan_shows_the_policy_summary(tmp_path):
    report = tmp_path / "plan.md"
    result = _cli("plan", "dev", "--markdown", str(report))
    assert result.returncode == 0, result.stderr
    assert f"Policy (dev.json): {len(rules.ALL)} rules over" in result.stdout
    assert "rds-multi-az" in result.stdout and "Details: groundwork check dev" in result.stdout
    assert "## Policy" in report.read_text() and "| `rds-multi-az` | RDS.5 | advisory |" in report.read_text()


# --------------------------------------------------------------------------------------------
# the deploy workflow
# --------------------------------------------------------------------------------------------


def test_deploy_workflow_gates_on_policy():
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    jobs = flow["jobs"]
    assert set(flow[True]) >= {"pull_request", "push"}  # YAML 1.1 reads `on` as True
    assert flow["permissions"] == {}  # each job names the least it needs (tests/test_workflows.py)
    # OIDC only where a job asks for it
    assert {name for name, job in jobs.items() if "id-token" in job["permissions"]} == {
        "policy-preview", "deploy-dev", "deploy-prod"}

    offline = jobs["policy-offline"]
    assert offline["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert "id-token" not in offline.get("permissions", {})  # no credentials: forks are fine
    # the stack reaches run: through env, never as ${{ }} inside the script (template injection)
    assert offline["env"]["STACK"] == "${{ matrix.stack }}"
    assert any(s.get("run") == '.venv/bin/groundwork check "$STACK"' for s in offline["steps"])

    preview = jobs["policy-preview"]
    assert "vars.AWS_PREVIEW_ROLE_ARN != ''" in preview["if"] and "pull_request" in preview["if"]
    assert preview["permissions"]["id-token"] == "write"
    steps = preview["steps"]
    creds = next(s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    # the read-only preview role (ci_preview_role_arn): the deploy role never trusts pull requests
    assert "vars.AWS_PREVIEW_ROLE_ARN" in creds["with"]["role-to-assume"]
    assert "AWS_DEPLOY_ROLE_ARN" not in creds["with"]["role-to-assume"]
    assert not any("aws-access-key-id" in s.get("with", {}) for s in steps)
    command = " ".join(next(s["run"] for s in steps if "pulumi preview" in s.get("run", "")).split())
    assert preview["env"]["STACK"] == "${{ matrix.stack }}"
    assert command.startswith('pulumi preview --stack "$STACK"')
    assert '--policy-pack policies --policy-pack-config "policies/config/$STACK.json"' in command

    dev_deploy, prod_deploy = jobs["deploy-dev"], jobs["deploy-prod"]
    assert "refs/heads/main" in dev_deploy["if"] and dev_deploy["needs"] == "policy-offline"
    assert prod_deploy["needs"] == "deploy-dev" and prod_deploy["environment"] == "production"
    for job, stack in ((dev_deploy, "dev"), (prod_deploy, "prod")):
        up = " ".join(next(s["run"] for s in job["steps"] if "pulumi up" in s.get("run", "")).split())
        assert f"--stack {stack}" in up and f"--policy-pack-config policies/config/{stack}.json" in up
        runs = [s.get("run", "") for s in job["steps"]]
        up_at = next(i for i, r in enumerate(runs) if "pulumi up" in r)
        assert any(f"groundwork verify {stack}" in r for r in runs[up_at + 1:])


def test_docs_list_every_rule_with_its_control_and_levels():
    doc = (ROOT / "docs" / "policies.md").read_text()
    dev, prod = effective_levels(DEV_CONFIG), effective_levels(PROD_CONFIG)
    for rule in rules.ALL:
        [row] = [line for line in doc.splitlines() if line.startswith(f"| `{rule.name}`")]
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[1] == rule.control and cells[-2:] == [dev[rule.name], prod[rule.name]], row
