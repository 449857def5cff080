"""Audit of the workload rules (ECS.*, EC2.*, ELB.*, ACM.2, ECR.*, Lambda.*, RDS.*, ElastiCache.*):
inputs AWS accepts that break a rule's control yet passed the rule, each a failing case, with
passing cases beside it so no fix is "always fire". The rules' ordinary cases live in the other
tests/test_policies_*.py modules (COVERED_RULES is empty here for that reason).

Each evasion is listed in docs/policies.md under "Tested evasions"."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from groundwork.check import check_plan, synthetic, validate_resource, validate_stack
from groundwork.policies import rules

COVERED_RULES: set[str] = set()

RULES = rules.by_name()
SERVICE = "aws:ecs/service:Service"
TASK_SET = "aws:ecs/taskSet:TaskSet"
INSTANCE = "aws:ec2/instance:Instance"
SPOT = "aws:ec2/spotInstanceRequest:SpotInstanceRequest"
VOLUME = "aws:ebs/volume:Volume"
EIP = "aws:ec2/eip:Eip"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
LB = "aws:lb/loadBalancer:LoadBalancer"
CLASSIC_ELBS = ("aws:elb/loadBalancer:LoadBalancer", "aws:elasticloadbalancing/loadBalancer:LoadBalancer")
REPO = "aws:ecr/repository:Repository"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
PERMISSION = "aws:lambda/permission:Permission"
RDS = "aws:rds/instance:Instance"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"

GOOD_INSTANCE = {"instanceType": "t4g.nano", "metadataOptions": {"httpTokens": "required"},
                 "rootBlockDevice": {"encrypted": True, "volumeType": "gp3"}}
GOOD_DB = {"engine": "postgres", "publiclyAccessible": False, "storageEncrypted": True,
           "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
           "monitoringInterval": 60, "monitoringRoleArn": "arn:aws:iam::123456789012:role/mon",
           "enabledCloudwatchLogsExports": ["postgresql", "upgrade"], "port": 5433,
           "dbSubnetGroupName": "data"}
GOOD_CACHE = {"engine": "valkey", "snapshotRetentionLimit": 7, "atRestEncryptionEnabled": True,
              "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
              "subnetGroupName": "cache"}


def _one(rule: str, kind: str, props: dict[str, Any], fragment: str) -> None:
    found = validate_resource(RULES[rule], kind, props)
    assert len(found) == 1 and fragment in found[0], (kind, props, found)


def _names(found: list[tuple[str, str]]) -> list[str]:
    return sorted(u.rsplit("::", 1)[-1] for u, _ in found)


# --------------------------------------------------------------------------------------------
# ECS.2 / ECS.10: an ECS task set (EXTERNAL deployment controller) is a service's tasks too
# --------------------------------------------------------------------------------------------


def test_task_set_with_public_ips_fails():
    _one("ecs-no-public-ip", TASK_SET, {"networkConfiguration": {"assignPublicIp": True}}, "public IPs")
    assert validate_resource(RULES["ecs-no-public-ip"], TASK_SET,
                             {"networkConfiguration": {"assignPublicIp": False}}) == []


@pytest.mark.parametrize(("kind", "props"), [
    # a task set on Fargate with an old platform
    (TASK_SET, {"launchType": "FARGATE", "platformVersion": "1.3.0"}),
    # no launch type and no strategy: the cluster's default capacity provider strategy (FARGATE)
    # decides, and a platform version is only taken for Fargate tasks
    (SERVICE, {"platformVersion": "1.3.0"}),
    (TASK_SET, {"platformVersion": "1.3.0"}),
    (SERVICE, {"platformVersion": "1.3.0", "capacityProviderStrategies": []}),
])
def test_old_fargate_platforms_fail(kind, props):
    _one("ecs-fargate-latest-platform", kind, props, "pins Fargate platform 1.3.0")


@pytest.mark.parametrize(("kind", "props"), [
    (SERVICE, {"launchType": "EC2"}), (SERVICE, {}), (SERVICE, {"platformVersion": "LATEST"}),
    (TASK_SET, {"launchType": "FARGATE", "platformVersion": "1.4.0"}),
    (SERVICE, {"launchType": "EXTERNAL", "platformVersion": "1.3.0"}),
    (SERVICE, {"capacityProviderStrategies": [{"capacityProvider": "my-asg-provider"}],
               "platformVersion": "1.3.0"}),
])
def test_latest_or_non_fargate_platforms_pass(kind, props):
    assert validate_resource(RULES["ecs-fargate-latest-platform"], kind, props) == []


# --------------------------------------------------------------------------------------------
# EC2.8 / EC2.3 / EC2.9: spot instance requests, separate EBS volumes, other ways to a public IP
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "props", "fragment"), [
    ("ec2-imdsv2-required", {**GOOD_INSTANCE, "metadataOptions": {"httpTokens": "optional"}}, "IMDSv1"),
    ("ec2-ebs-encrypted", {**GOOD_INSTANCE, "rootBlockDevice": {"volumeType": "gp3"}}, "root volume"),
])
def test_spot_instance_requests_are_instances(rule, props, fragment):
    _one(rule, SPOT, props, fragment)
    assert validate_resource(RULES[rule], SPOT, GOOD_INSTANCE) == []


@pytest.mark.parametrize("props", [{"size": 100}, {"size": 100, "encrypted": False},
                                   {"size": 100, "encrypted": "false"}])
def test_an_unencrypted_ebs_volume_fails(props):
    _one("ec2-ebs-encrypted", VOLUME, {"availabilityZone": "us-east-1a", **props}, "unencrypted")


def test_an_encrypted_ebs_volume_passes():
    assert validate_resource(RULES["ec2-ebs-encrypted"], VOLUME,
                             {"availabilityZone": "us-east-1a", "size": 100, "encrypted": True}) == []


def _instance(kind: str = INSTANCE, **props: Any):
    return synthetic(kind, "vm", {**GOOD_INSTANCE, "id": "i-0123456789abcdef0",
                                  "primaryNetworkInterfaceId": "eni-0123456789abcdef0", **props})


@pytest.mark.parametrize("stack", [
    # an Elastic IP on the instance's primary network interface, by reference or by value
    lambda vm: [synthetic(EIP, "eip", {"domain": "vpc", "networkInterface": "eni-0123456789abcdef0"},
                          deps={"networkInterface": [vm]})],
    lambda vm: [synthetic(EIP, "eip", {"domain": "vpc", "networkInterface": "eni-0123456789abcdef0"})],
    lambda vm: [synthetic(EIP_ASSOCIATION, "assoc", {"allocationId": "eipalloc-1",
                                                     "networkInterfaceId": "eni-0123456789abcdef0"},
                          deps={"networkInterfaceId": [vm]})],
    # a subnet that auto-assigns public IPs, and the instance leaves associatePublicIpAddress unset
    lambda vm: [synthetic(SUBNET, "public", {"id": "subnet-1", "mapPublicIpOnLaunch": True})],
])
def test_public_ips_by_other_ways_fail(stack):
    vm = _instance(subnetId="subnet-1")
    found = validate_stack(RULES["ec2-no-public-ip"], [vm, *stack(vm)])
    assert _names(found) == ["vm"], found


def test_a_spot_instance_with_a_public_ip_fails():
    vm = _instance(SPOT, associatePublicIpAddress=True)
    assert _names(validate_stack(RULES["ec2-no-public-ip"], [vm])) == ["vm"]


@pytest.mark.parametrize(("vm_props", "stack"), [
    ({}, lambda vm: [synthetic(SUBNET, "private", {"id": "subnet-1", "mapPublicIpOnLaunch": False})]),
    # the subnet maps public IPs, but the instance opts out
    ({"associatePublicIpAddress": False},
     lambda vm: [synthetic(SUBNET, "public", {"id": "subnet-1", "mapPublicIpOnLaunch": True})]),
    # an EIP on another network interface
    ({}, lambda vm: [synthetic(EIP, "eip", {"domain": "vpc", "networkInterface": "eni-0fffffffffffffff0"})]),
])
def test_private_instances_pass(vm_props, stack):
    vm = _instance(subnetId="subnet-1", **vm_props)
    assert validate_stack(RULES["ec2-no-public-ip"], [vm, *stack(vm)]) == []


# --------------------------------------------------------------------------------------------
# EC2.2: the default security group, also through rule resources and when left to AWS
# --------------------------------------------------------------------------------------------


def _vpc_with_default_sg(*extra: Any, managed: bool = True) -> list:
    vpc = synthetic(VPC, "vpc", {"id": "vpc-1", "defaultSecurityGroupId": "sg-default"})
    out = [vpc]
    if managed:
        out.append(synthetic(DEFAULT_SG, "default-sg", {"vpcId": "vpc-1", "id": "sg-default"},
                             deps={"vpcId": [vpc]}))
    return out + [f(out) for f in extra]


@pytest.mark.parametrize(("stack", "culprit", "fragment"), [
    # a VPC whose default group is left as AWS creates it (all traffic from itself, all egress)
    (lambda: _vpc_with_default_sg(managed=False), "vpc", "as AWS creates it"),
    # a rule resource attached to the managed default group (by reference or by id) or to the
    # VPC's default_security_group_id
    (lambda: _vpc_with_default_sg(lambda rs: synthetic(
        INGRESS, "in", {"securityGroupId": "sg-default", "ipProtocol": "tcp", "fromPort": 22,
                        "toPort": 22, "cidrIpv4": "10.0.0.0/8"}, deps={"securityGroupId": [rs[1]]})),
     "in", "default security group"),
    (lambda: _vpc_with_default_sg(lambda rs: synthetic(
        EGRESS, "out", {"securityGroupId": "sg-default", "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"})),
     "out", "default security group"),
    (lambda: _vpc_with_default_sg(lambda rs: synthetic(
        SG_RULE, "rule", {"type": "ingress", "securityGroupId": "sg-default", "protocol": "-1",
                          "fromPort": 0, "toPort": 0, "self": True}, deps={"securityGroupId": [rs[0]]})),
     "rule", "default security group"),
    # inline rules (what the rule has always caught)
    (lambda: [synthetic(DEFAULT_SG, "default-sg", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]})], "default-sg", "ingress"),
])
def test_an_open_default_security_group_fails(stack, culprit, fragment):
    found = validate_stack(RULES["ec2-default-security-group-closed"], stack())
    assert _names(found) == [culprit] and fragment in found[0][1], found


def test_a_closed_default_security_group_passes():
    def other_group_rule(rs):
        group = synthetic(SG, "app", {"vpcId": "vpc-1", "id": "sg-app"})
        return synthetic(INGRESS, "in", {"securityGroupId": "sg-app", "ipProtocol": "tcp", "fromPort": 443,
                                         "toPort": 443, "cidrIpv4": "10.0.0.0/8"},
                         deps={"securityGroupId": [group]})

    assert validate_stack(RULES["ec2-default-security-group-closed"], _vpc_with_default_sg()) == []
    assert validate_stack(RULES["ec2-default-security-group-closed"],
                          _vpc_with_default_sg(other_group_rule)) == []


# --------------------------------------------------------------------------------------------
# EC2.18/19: the default security group's own inline blocks reach the world too
# --------------------------------------------------------------------------------------------


def test_world_ingress_through_the_default_security_group_fails():
    group = synthetic(DEFAULT_SG, "default-sg", {"vpcId": "vpc-1", "id": "sg-default", "ingress": [
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/1"]}]})
    rule = synthetic(INGRESS, "in", {"securityGroupId": "sg-default", "ipProtocol": "tcp", "fromPort": 22,
                                     "toPort": 22, "cidrIpv4": "128.0.0.0/1"},
                     deps={"securityGroupId": [group]})
    found = validate_stack(RULES["ec2-no-world-ingress"], [group, rule])
    assert _names(found) == ["default-sg", "in"] and all("whole IPv4" in m for _, m in found), found
    bounded = synthetic(DEFAULT_SG, "default-sg", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["10.0.0.0/8"]}]})
    assert validate_stack(RULES["ec2-no-world-ingress"], [bounded]) == []


# --------------------------------------------------------------------------------------------
# ELB.13: a subnet named twice is one AZ; ELB.5: classic load balancers log too
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("props", [
    {"loadBalancerType": "network", "subnets": ["subnet-a", "subnet-a"]},
    {"loadBalancerType": "network", "subnetMappings": [{"subnetId": "subnet-a"}, {"subnetId": "subnet-a"}]},
])
def test_one_subnet_named_twice_is_one_az(props):
    lb = synthetic(LB, "nlb", props)
    found = validate_stack(RULES["elb-multi-az"], [lb])
    assert _names(found) == ["nlb"] and "1 subnet" in found[0][1], found


@pytest.mark.parametrize("props", [
    {"loadBalancerType": "network", "subnets": ["subnet-a", "subnet-b"]},
    {"loadBalancerType": "network", "subnetMappings": [{"subnetId": "subnet-a"}, {"subnetId": "subnet-b"}]},
])
def test_two_subnets_pass(props):
    assert validate_stack(RULES["elb-multi-az"], [synthetic(LB, "nlb", props)]) == []


@pytest.mark.parametrize("kind", CLASSIC_ELBS)
@pytest.mark.parametrize("props", [{}, {"accessLogs": {"bucket": "logs", "enabled": False}},
                                   {"accessLogs": {"enabled": True}}])
def test_a_classic_load_balancer_without_access_logs_fails(kind, props):
    _one("elb-access-logs", kind, {"availabilityZones": ["us-east-1a"], **props}, "no access logs")


@pytest.mark.parametrize("kind", CLASSIC_ELBS)
@pytest.mark.parametrize("logs", [{"bucket": "logs"}, {"bucket": "logs", "enabled": True}])
def test_a_classic_load_balancer_with_access_logs_passes(kind, logs):
    # the classic ELB's access_logs.enabled defaults to true
    assert validate_resource(RULES["elb-access-logs"], kind, {"accessLogs": logs}) == []


# --------------------------------------------------------------------------------------------
# ECR.1: a registry has one scanning configuration; a second resource overwrites the first
# --------------------------------------------------------------------------------------------


def _scanning(name: str, frequency: str, pattern: str):
    return synthetic(SCANNING, name, {"scanType": "ENHANCED" if frequency != "MANUAL" else "BASIC", "rules": [
        {"scanFrequency": frequency, "repositoryFilters": [{"filter": pattern, "filterType": "WILDCARD"}]}]})


def test_a_second_registry_scanning_configuration_overrides_the_first():
    repo = synthetic(REPO, "repo", {"name": "repo"})
    every, manual = _scanning("every", "SCAN_ON_PUSH", "*"), _scanning("manual", "MANUAL", "*")
    found = validate_stack(RULES["ecr-image-scanning"], [repo, every, manual])
    assert _names(found) == ["repo"], found
    assert validate_stack(RULES["ecr-image-scanning"], [repo, _scanning("every", "SCAN_ON_PUSH", "*")]) == []
    both = [_scanning("a", "SCAN_ON_PUSH", "*"), _scanning("b", "CONTINUOUS_SCAN", "*")]
    assert validate_stack(RULES["ecr-image-scanning"], [repo, *both]) == []


# --------------------------------------------------------------------------------------------
# Lambda.1: values unknown during preview are not a pass
# --------------------------------------------------------------------------------------------


def test_an_unknown_principal_is_not_a_pass():
    with pytest.raises(UnknownValueError):
        validate_resource(RULES["lambda-not-public"], PERMISSION, {
            "action": "lambda:InvokeFunction", "function": "f", "principal": UNKNOWN_STRING_VALUE})


def test_an_unknown_source_arn_is_not_a_verdict():
    """A service principal narrowed by a source ARN known only after apply (the secret's ARN) is
    judged at `pulumi up`, not reported during preview."""
    with pytest.raises(UnknownValueError):
        validate_resource(RULES["lambda-not-public"], PERMISSION,
                          {"action": "lambda:InvokeFunction", "function": "f",
                           "principal": "secretsmanager.amazonaws.com", "sourceArn": UNKNOWN_STRING_VALUE})
    # an account principal needs no narrowing: unknown narrowing arguments are not read
    assert validate_resource(RULES["lambda-not-public"], PERMISSION,
                             {"action": "lambda:InvokeFunction", "function": "f", "principal": "123456789012",
                              "sourceArn": UNKNOWN_STRING_VALUE}) == []


# --------------------------------------------------------------------------------------------
# RDS: engine names in any case, the AWS-managed key by alias, the default subnet group by case,
# Aurora cluster instances
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["Postgres", "POSTGRES", " postgres"])
def test_engine_names_in_another_case_are_read_as_aws_reads_them(engine):
    """RDS takes engine names case-insensitively (it reports them in lower case, and the provider
    stores them lowered): the engine-specific rules must not lose the engine."""
    _one("rds-log-exports", RDS, {**GOOD_DB, "engine": engine, "enabledCloudwatchLogsExports": []},
         "does not export")
    _one("rds-non-default-port", RDS, {**GOOD_DB, "engine": engine, "port": 5432}, "default port 5432")
    db = synthetic(RDS, "db", {**GOOD_DB, "engine": engine})
    found = validate_stack(RULES["rds-force-ssl"], [db])
    assert _names(found) == ["db"] and "default parameter group" in found[0][1]


def test_engine_names_in_another_case_pass_when_configured():
    group = synthetic(PARAMETER_GROUP, "pg", {"family": "postgres16",
                                             "parameters": [{"name": "rds.force_ssl", "value": "1"}]})
    db = synthetic(RDS, "db", {**GOOD_DB, "engine": "Postgres", "parameterGroupName": "pg"},
                   deps={"parameterGroupName": [group]})
    assert validate_stack(RULES["rds-force-ssl"], [db, group]) == []
    assert validate_resource(RULES["rds-log-exports"], RDS, {**GOOD_DB, "engine": "Postgres"}) == []


AWS_MANAGED_KEYS = ["arn:aws:kms:us-east-1:123456789012:alias/aws/rds", "alias/aws/rds",
                    "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/aws/rds"]


@pytest.mark.parametrize("key", AWS_MANAGED_KEYS)
def test_the_aws_managed_key_by_alias_is_not_a_customer_key(key):
    _one("rds-encrypted", RDS, {**GOOD_DB, "kmsKeyId": key}, "AWS-managed key")
    _one("elasticache-encrypted-at-rest", CACHE,
         {**GOOD_CACHE, "kmsKeyId": key.replace("aws/rds", "aws/elasticache")}, "AWS-managed key")


@pytest.mark.parametrize("key", ["arn:aws:kms:us-east-1:123456789012:alias/groundwork-data",
                                 "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                                 "alias/aws-data"])
def test_customer_keys_pass(key):
    assert validate_resource(RULES["rds-encrypted"], RDS, {**GOOD_DB, "kmsKeyId": key}) == []
    assert validate_resource(RULES["elasticache-encrypted-at-rest"], CACHE,
                             {**GOOD_CACHE, "kmsKeyId": key}) == []


@pytest.mark.parametrize("name", ["Default", "DEFAULT", " default "])
def test_the_default_subnet_group_in_another_case_fails(name):
    """RDS and ElastiCache store subnet group names in lower case: `Default` names `default`."""
    _one("rds-in-vpc", RDS, {**GOOD_DB, "dbSubnetGroupName": name}, "no DB subnet group")
    _one("elasticache-subnet-group", CACHE, {**GOOD_CACHE, "subnetGroupName": name}, "default subnet group")


def test_own_subnet_groups_pass():
    assert validate_resource(RULES["rds-in-vpc"], RDS, {**GOOD_DB, "dbSubnetGroupName": "default-data"}) == []
    assert validate_resource(RULES["elasticache-subnet-group"], CACHE,
                             {**GOOD_CACHE, "subnetGroupName": "defaults"}) == []


GOOD_MEMBER = {"clusterIdentifier": "aurora", "engine": "aurora-postgresql", "instanceClass": "db.r6g.large",
               "publiclyAccessible": False, "monitoringInterval": 60,
               "monitoringRoleArn": "arn:aws:iam::123456789012:role/mon"}


@pytest.mark.parametrize(("rule", "changes", "fragment"), [
    ("rds-not-public", {"publiclyAccessible": True}, "publicly accessible"),
    ("rds-not-public", {"publiclyAccessible": "true"}, "publicly accessible"),
    ("rds-enhanced-monitoring", {"monitoringInterval": 0}, "enhanced monitoring off"),
    ("rds-enhanced-monitoring", {"monitoringRoleArn": None}, "no monitoringRoleArn"),
    ("rds-minor-upgrades", {"autoMinorVersionUpgrade": False}, "minor upgrades off"),
])
def test_aurora_cluster_instances_are_db_instances(rule, changes, fragment):
    _one(rule, CLUSTER_INSTANCE, {**GOOD_MEMBER, **changes}, fragment)
    assert validate_resource(RULES[rule], CLUSTER_INSTANCE, GOOD_MEMBER) == []


# --------------------------------------------------------------------------------------------
# ElastiCache.1/.2/.7: a standalone cache cluster (no replication group) is judged too
# --------------------------------------------------------------------------------------------

GOOD_NODE = {"engine": "redis", "nodeType": "cache.t4g.micro", "numCacheNodes": 1,
             "snapshotRetentionLimit": 7, "subnetGroupName": "cache"}


@pytest.mark.parametrize(("rule", "changes", "fragment"), [
    ("elasticache-backups", {"snapshotRetentionLimit": 0}, "no automatic snapshots"),
    ("elasticache-backups", {"snapshotRetentionLimit": None, "engine": "valkey"}, "no automatic snapshots"),
    ("elasticache-minor-upgrades", {"autoMinorVersionUpgrade": "false"}, "minor upgrades off"),
    ("elasticache-subnet-group", {"subnetGroupName": None}, "default subnet group"),
    ("elasticache-subnet-group", {"subnetGroupName": "default"}, "default subnet group"),
])
def test_a_standalone_cache_cluster_fails(rule, changes, fragment):
    _one(rule, CACHE_CLUSTER, {**GOOD_NODE, **changes}, fragment)
    assert validate_resource(RULES[rule], CACHE_CLUSTER, GOOD_NODE) == []


@pytest.mark.parametrize(("rule", "props"), [
    # members of a replication group take the group's settings (the group is judged)
    ("elasticache-backups", {"replicationGroupId": "rg", "snapshotRetentionLimit": 0}),
    ("elasticache-subnet-group", {"replicationGroupId": "rg"}),
    ("elasticache-minor-upgrades", {"replicationGroupId": "rg", "autoMinorVersionUpgrade": False}),
    # memcached keeps no snapshots at all
    ("elasticache-backups", {"engine": "memcached", "numCacheNodes": 2, "subnetGroupName": "cache"}),
])
def test_cache_clusters_the_rules_do_not_judge(rule, props):
    assert validate_resource(RULES[rule], CACHE_CLUSTER, props) == []


# --------------------------------------------------------------------------------------------
# the real programs still pass the hardened rules
# --------------------------------------------------------------------------------------------

HARDENED = ("ecs-no-public-ip", "ecs-fargate-latest-platform", "ec2-imdsv2-required", "ec2-ebs-encrypted",
            "ec2-no-public-ip", "ec2-default-security-group-closed", "ec2-no-world-ingress", "elb-multi-az",
            "elb-access-logs", "ecr-image-scanning", "lambda-not-public", "rds-log-exports",
            "rds-non-default-port", "rds-force-ssl", "rds-encrypted", "elasticache-encrypted-at-rest",
            "rds-in-vpc", "elasticache-subnet-group", "rds-not-public", "rds-enhanced-monitoring",
            "rds-minor-upgrades", "elasticache-backups", "elasticache-minor-upgrades")


@pytest.mark.parametrize("plan", ["prod", "dev", "account"])
def test_real_programs_pass_the_hardened_rules(plan, request):
    result = check_plan(request.getfixturevalue(plan))
    fired = [v.message for v in result.violations if v.policy in HARDENED and v.level == "mandatory"]
    assert fired == []
