"""The examples/ programs, run offline: each `__main__.py` goes through the same engine as the
stacks (Pulumi mocks, no CLI, no AWS) and the test asserts what it is there to show."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from groundwork.engine import PlanResult, ResourceRecord
from groundwork.testing import plan_program

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REGION = "us-east-1"
STACK = "dev"

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ROUTE = "aws:ec2/route:Route"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
QUEUE = "aws:sqs/queue:Queue"
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
DB = "aws:rds/instance:Instance"
DB_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"

# existing-vpc-database reads what already exists from its stack config.
VPC_ID = "vpc-0a1b2c3d4e5f60718"
VPC_CIDR = "172.31.0.0/16"
DB_SUBNET_IDS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
APP_SG = "sg-0123456789abcdef0"

CONFIG: dict[str, dict[str, Any]] = {
    "network-only": {},
    "worker-service": {},
    "existing-vpc-database": {"vpcId": VPC_ID, "vpcCidr": VPC_CIDR,
                              "databaseSubnetIds": DB_SUBNET_IDS, "appSecurityGroupId": APP_SG},
}
"""Every example, with the project config a real stack would set (`pulumi config set`)."""

OWN_RESOURCES: dict[str, set[tuple[str, str]]] = {
    "network-only": set(),
    "worker-service": {(QUEUE, "jobs"), (QUEUE, "jobs-dlq"), (ROLE_POLICY, "worker-consumes-jobs")},
    "existing-vpc-database": set(),  # the subnet group is PostgresDatabase's (subnet_ids=)
}
"""Cloud resources an example's `__main__.py` declares itself, at the stack's root. Everything
else must be created, and parented, by a groundwork component."""


def project_of(example: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())


def plan_example(example: str) -> PlanResult:
    """Run examples/<example>/__main__.py as stack `dev` of its own project, offline."""
    project = project_of(example)["name"]
    return plan_program(EXAMPLES / example / "__main__.py", stack=STACK, project=project,
                        config={"aws:region": REGION, **CONFIG[example]})


_PLANS: dict[str, PlanResult] = {}


def plan(example: str) -> PlanResult:
    if example not in _PLANS:
        _PLANS[example] = plan_example(example)
    return _PLANS[example]


@pytest.fixture(scope="module")
def network_only() -> PlanResult:
    return plan("network-only")


@pytest.fixture(scope="module")
def worker() -> PlanResult:
    return plan("worker-service")


@pytest.fixture(scope="module")
def database() -> PlanResult:
    return plan("existing-vpc-database")


def key_arn(result: PlanResult, purpose: str) -> str:
    """The ARN of the EnvironmentKeys key of a purpose (logs, data, notifications)."""
    return result.one(KEY, f"kms-{purpose}-key").outputs["arn"]


def doc(record: ResourceRecord, key: str = "policy") -> dict[str, Any]:
    value = record.inputs[key]
    return json.loads(value) if isinstance(value, str) else value


def subnets_by_tier(result: PlanResult) -> dict[str, list[ResourceRecord]]:
    out: dict[str, list[ResourceRecord]] = {}
    for s in sorted(result.of_type(SUBNET), key=lambda s: s.inputs["availabilityZone"]):
        out.setdefault(s.inputs["tags"]["Tier"], []).append(s)
    return out


def rules_on(result: PlanResult, type_: str, group_id: str) -> list[ResourceRecord]:
    return [r for r in result.of_type(type_) if r.inputs["securityGroupId"] == group_id]


# --------------------------------------------------------------------------------------------
# every example
# --------------------------------------------------------------------------------------------

ALL = sorted(CONFIG)


def test_every_example_directory_is_tested():
    found = {p.parent.name for p in EXAMPLES.glob("*/__main__.py")}
    assert found == set(CONFIG) == set(OWN_RESOURCES)


@pytest.mark.parametrize("example", ALL)
def test_example_is_a_standalone_pulumi_project(example):
    root = EXAMPLES / example
    project = project_of(example)
    assert project["name"] == example
    assert project["runtime"]["name"] == "python"
    assert (root / "requirements.txt").is_file()
    main = (root / "__main__.py").read_text()
    assert "from groundwork.components" in main
    assert "stacks.platform" not in main  # the components themselves, not the whole platform
    readme = (root / "README.md").read_text()
    for phrase in ("pulumi stack init", "pulumi up", "offline"):
        assert phrase in readme, f"{example}/README.md should mention {phrase!r}"


@pytest.mark.parametrize("example", ALL)
def test_every_resource_belongs_to_a_component(example):
    """Whatever a component creates is parented to it (no leak to the stack's root); at the
    root sit only the components and the example's own resources."""
    result = plan(example)
    root = result.one("pulumi:pulumi:Stack")
    at_root = {(r.type, r.name) for r in result.children(root)
               if r.custom and not r.type.startswith("pulumi:providers:")}
    assert at_root == OWN_RESOURCES[example]
    for r in result.custom_resources:
        if (r.type, r.name) in OWN_RESOURCES[example] or r.type.startswith("pulumi:providers:"):
            continue
        parent = result.by_urn(r.parent)
        while parent.custom:  # a resource may sit under another resource of its component
            parent = result.by_urn(parent.parent)
        assert parent.type.startswith("groundwork:"), f"{r.type} {r.name} is not in a component"


@pytest.mark.parametrize("example", ALL)
def test_example_plans_without_warnings_and_tags_everything(example):
    result = plan(example)
    assert result.log == []
    for r in result.custom_resources:
        tags = r.inputs.get("tags")
        if tags is not None:
            assert tags.get("Owner") and tags.get("Environment") == STACK, (r.type, r.name)


@pytest.mark.parametrize("example", ALL)
def test_example_passes_the_policy_pack(example):
    """The CrossGuard pack, offline, with the dev policy config (the examples keep logs for
    30-90 days; prod's config asks 365): no mandatory violation."""
    from groundwork.check import check_records, config_path_for, load_policy_config

    path = config_path_for(STACK, "dev")
    result = check_records(plan(example).resources, load_policy_config(path), stack=example,
                           config_path=path)
    assert [v.message for v in result.violations if v.level == "mandatory"] == []


# --------------------------------------------------------------------------------------------
# network-only
# --------------------------------------------------------------------------------------------


def test_network_only_plans_the_custom_20_layout(network_only):
    assert network_only.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "10.20.0.0/16"
    tiers = subnets_by_tier(network_only)
    cidrs = {tier: [s.inputs["cidrBlock"] for s in subs] for tier, subs in tiers.items()}
    assert cidrs == {
        "public": ["10.20.0.0/20", "10.20.16.0/20"],
        "compute": ["10.20.64.0/20", "10.20.80.0/20"],
        "data": ["10.20.128.0/20", "10.20.144.0/20"],
    }
    for subs in tiers.values():
        assert [s.inputs["availabilityZone"] for s in subs] == [f"{REGION}a", f"{REGION}b"]
        assert all(ipaddress.ip_network(s.inputs["cidrBlock"]).prefixlen == 20 for s in subs)
    assert network_only.stack_outputs["subnet_cidrs"] == cidrs


def test_network_only_has_one_nat_for_both_azs(network_only):
    [nat] = network_only.of_type(NAT)
    assert len(network_only.of_type(EIP)) == 1
    public = {s.id for s in subnets_by_tier(network_only)["public"]}
    assert nat.inputs["subnetId"] in public
    defaults = [r for r in network_only.of_type(ROUTE) if r.inputs.get("natGatewayId")]
    assert len(defaults) == 2  # one per compute AZ's route table, both to the one NAT
    assert {r.inputs["natGatewayId"] for r in defaults} == {nat.id}
    assert network_only.stack_outputs["nat_gateway_ids"] == [nat.id]


def test_network_only_interface_endpoints_have_private_dns(network_only):
    interface = [e for e in network_only.of_type(ENDPOINT)
                 if e.inputs["vpcEndpointType"] == "Interface"]
    assert sorted(e.inputs["serviceName"] for e in interface) == [
        f"com.amazonaws.{REGION}.{svc}" for svc in ("ecr.api", "ecr.dkr", "logs")]
    compute = sorted(s.id for s in subnets_by_tier(network_only)["compute"])
    endpoint_sg = network_only.one(SG, "endpoints-sg")
    for e in interface:
        assert e.inputs["privateDnsEnabled"] is True
        assert sorted(e.inputs["subnetIds"]) == compute
        assert e.inputs["securityGroupIds"] == [endpoint_sg.id]
    [https] = rules_on(network_only, INGRESS, endpoint_sg.id)
    assert (https.inputs["fromPort"], https.inputs["toPort"], https.inputs["cidrIpv4"]) == \
        (443, 443, "10.20.0.0/16")


def test_examples_create_only_the_keys_they_use(network_only, worker, database):
    for result, purposes in ((network_only, ["logs"]), (worker, ["data", "logs"]),
                             (database, ["data", "logs"])):
        assert sorted(k.inputs["tags"]["Purpose"] for k in result.of_type(KEY)) == purposes


def test_network_only_flow_logs_use_the_logs_key(network_only):
    group = network_only.one(LOG_GROUP, "flow-logs")
    assert group.inputs["kmsKeyId"] == key_arn(network_only, "logs")
    assert group.inputs["retentionInDays"] == 90
    assert network_only.one("aws:ec2/flowLog:FlowLog").inputs["trafficType"] == "ALL"
    assert network_only.stack_outputs["flow_logs_key_arn"] == key_arn(network_only, "logs")


# --------------------------------------------------------------------------------------------
# worker-service
# --------------------------------------------------------------------------------------------


def test_worker_has_no_load_balancer(worker):
    for type_ in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup",
                  "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule"):
        assert worker.of_type(type_) == []
    service = worker.one(SERVICE)
    assert not service.inputs.get("loadBalancers")
    assert "healthCheckGracePeriodSeconds" not in service.inputs
    [container] = json.loads(worker.one(TASK).inputs["containerDefinitions"])
    assert "portMappings" not in container


def test_worker_runs_in_its_own_group_from_security_groups(worker):
    group = worker.one(SG, "security-groups-worker")
    assert worker.by_urn(group.parent).type == "groundwork:security:SecurityGroups"
    network = worker.one(SERVICE).inputs["networkConfiguration"]
    assert network["securityGroups"] == [group.id]
    assert network["assignPublicIp"] is False
    assert sorted(network["subnets"]) == sorted(s.id for s in subnets_by_tier(worker)["compute"])
    assert rules_on(worker, INGRESS, group.id) == []  # nothing calls a worker
    [out] = rules_on(worker, EGRESS, group.id)
    assert (out.inputs["fromPort"], out.inputs["cidrIpv4"]) == (443, "0.0.0.0/0")


def test_worker_scales_on_the_queue_depth(worker):
    queue = worker.one(QUEUE, "jobs")
    target = worker.one(SCALING_TARGET)
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (1, 10)
    policy = worker.one(SCALING_POLICY, "worker-scale-queue")
    assert policy.inputs["resourceId"] == target.inputs["resourceId"]
    config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert config["targetValue"] == 50
    metrics = {m["id"]: m for m in config["customizedMetricSpecification"]["metrics"]}
    backlog = metrics["backlog"]["metricStat"]["metric"]
    assert backlog["namespace"] == "AWS/SQS"
    assert backlog["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert backlog["dimensions"] == [{"name": "QueueName", "value": queue.outputs["name"]}]
    assert metrics["per_task"]["expression"] == "backlog / tasks"
    assert [m["id"] for m in metrics.values() if m["returnData"]] == ["per_task"]
    assert worker.stack_outputs["queue_name"] == queue.outputs["name"]


def test_worker_queues_are_auto_named(worker):
    for name in ("jobs", "jobs-dlq"):
        assert "name" not in worker.one(QUEUE, name).inputs  # the metric reads the name output


def test_worker_queue_is_kms_encrypted_with_a_dead_letter_queue(worker):
    data_key = key_arn(worker, "data")
    queue, dlq = worker.one(QUEUE, "jobs"), worker.one(QUEUE, "jobs-dlq")
    assert queue.inputs["kmsMasterKeyId"] == dlq.inputs["kmsMasterKeyId"] == data_key
    assert json.loads(queue.inputs["redrivePolicy"])["deadLetterTargetArn"] == dlq.outputs["arn"]


def test_worker_gets_the_queue_url_and_only_queue_permissions(worker):
    queue = worker.one(QUEUE, "jobs")
    [container] = json.loads(worker.one(TASK).inputs["containerDefinitions"])
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env == {"QUEUE_URL": queue.outputs["url"]}
    assert container["secrets"] == []
    task_role = worker.one(ROLE, "worker-task-role")
    grant = worker.one(ROLE_POLICY, "worker-consumes-jobs")
    assert grant.inputs["role"] == task_role.id
    statements = {s["Sid"]: s for s in doc(grant)["Statement"]}
    assert statements["ConsumeJobs"]["Resource"] == queue.outputs["arn"]
    assert "sqs:SendMessage" not in statements["ConsumeJobs"]["Action"]
    assert statements["DecryptJobs"]["Resource"] == key_arn(worker, "data")
    assert worker.stack_outputs["task_role_arn"] == task_role.outputs["arn"]


# --------------------------------------------------------------------------------------------
# existing-vpc-database
# --------------------------------------------------------------------------------------------


def test_database_admits_only_the_app_group_on_5432(database):
    group = database.one(SG, "security-groups-database")
    assert group.inputs["vpcId"] == VPC_ID
    assert database.one(DB).inputs["vpcSecurityGroupIds"] == [group.id]
    [ingress] = rules_on(database, INGRESS, group.id)
    assert ingress.inputs["referencedSecurityGroupId"] == APP_SG
    assert (ingress.inputs["ipProtocol"], ingress.inputs["fromPort"], ingress.inputs["toPort"]) \
        == ("tcp", 5432, 5432)
    assert "cidrIpv4" not in ingress.inputs and "cidrIpv6" not in ingress.inputs
    assert rules_on(database, EGRESS, group.id) == []  # a database calls nobody
    [egress] = rules_on(database, EGRESS, APP_SG)  # the matching rule on the app's side
    assert egress.inputs["referencedSecurityGroupId"] == group.id
    assert egress.inputs["fromPort"] == egress.inputs["toPort"] == 5432
    assert len(database.of_type(INGRESS)) == len(database.of_type(EGRESS)) == 1


def test_database_lands_in_the_existing_subnets_encrypted_and_private(database):
    subnets = database.one(DB_SUBNETS, "database-subnets")
    assert subnets.inputs["subnetIds"] == DB_SUBNET_IDS
    instance = database.one(DB)
    assert instance.inputs["dbSubnetGroupName"] == subnets.outputs["name"]
    assert instance.inputs["publiclyAccessible"] is False
    assert instance.inputs["storageEncrypted"] is True
    assert instance.inputs["kmsKeyId"] == key_arn(database, "data")
    assert instance.inputs["manageMasterUserPassword"] is True
    assert instance.inputs["port"] == 5432
    assert instance.protect is True


def test_database_builds_its_own_subnet_group(database):
    subnets = database.one(DB_SUBNETS, "database-subnets")
    assert database.by_urn(subnets.parent).type == "groundwork:data:PostgresDatabase"
    assert subnets.inputs["tags"]["Component"] == "database"


def test_database_exports_the_connection_contract(database):
    instance = database.one(DB)
    group = database.one(SG, "security-groups-database")
    assert database.stack_outputs["database"] == {
        "endpoint": instance.outputs["address"],
        "port": 5432,
        "name": "app",
        "secret_arn": instance.outputs["masterUserSecrets"][0]["secretArn"],
        "security_group_id": group.id,
        "identifier": instance.outputs["identifier"],
    }
