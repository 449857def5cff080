"""The examples/ programs, run offline: each example is its own Pulumi project, planned the way
`groundwork plan dev` plans it inside its folder (its Pulumi.yaml, its Pulumi.dev.yaml, its
`__main__.py`, Pulumi's mocks, no CLI, no AWS), and the tests assert what it is there to show.

Every example uses only the public API (`from groundwork.components import ...`), passes the
policy pack, tags everything, plans without a warning or a name clash, and keeps everything a
component creates inside that component."""

from __future__ import annotations

import ast
import ipaddress
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

import groundwork.components as public_api
from groundwork.components.alarm_names import ALARMS
from groundwork.policies.rules.security import REQUIRED_TAGS, UNTAGGABLE
from groundwork.testing import PlanResult, ResourceRecord, plan_stack

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STACK = "dev"
REGION = "us-east-1"
DR_REGION = "us-west-2"
"""Where the examples with a BackupPlan copy their recovery points (their `drRegion`)."""

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
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup"
CACHE_PARAMS = "aws:elasticache/parameterGroup:ParameterGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
RDS_EVENTS = "aws:rds/eventSubscription:EventSubscription"
BUCKET = "aws:s3/bucket:Bucket"
VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
BACKUP_PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
RESTORE_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"

OWN_RESOURCES: dict[str, set[tuple[str, str]]] = {
    "network-only": set(),
    "worker-service": set(),  # the queues and the worker's grant are the Queue component's
    "existing-vpc-database": set(),  # the subnet group is PostgresDatabase's (subnet_ids=)
    "two-databases": set(),
    "queue-and-search": set(),  # the grants are the Queue's and the SearchDomain's
    "web-service": set(),  # the hook, test rule and roles are the FargateService's
}
"""Every example, with the cloud resources its `__main__.py` declares itself at the stack's
root. Everything else must be created, and parented, by a groundwork component."""

ALL = sorted(OWN_RESOURCES)

STDLIB = set(sys.stdlib_module_names)
THIRD_PARTY = {"pulumi", "pulumi_aws"}
"""What an example may import besides `groundwork.components`: the standard library, the Pulumi
SDK and pulumi-aws (for resources of its own)."""


def project_of(example: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())


def stack_config(example: str) -> dict[str, Any]:
    """The example's committed Pulumi.dev.yaml config."""
    return yaml.safe_load((EXAMPLES / example / f"Pulumi.{STACK}.yaml").read_text())["config"]


@cache
def plan(example: str) -> PlanResult:
    """`groundwork plan dev` inside examples/<example>/: its project and stack files."""
    return plan_stack(STACK, project_dir=EXAMPLES / example)


def prefix_of(example: str) -> str:
    """The default name_prefix of the example's components: `<project>-<stack>`."""
    return f"{example}-{STACK}"


@pytest.fixture(scope="module")
def network_only() -> PlanResult:
    return plan("network-only")


@pytest.fixture(scope="module")
def worker() -> PlanResult:
    return plan("worker-service")


@pytest.fixture(scope="module")
def database() -> PlanResult:
    return plan("existing-vpc-database")


@pytest.fixture(scope="module")
def two() -> PlanResult:
    return plan("two-databases")


@pytest.fixture(scope="module")
def queue_search() -> PlanResult:
    return plan("queue-and-search")


@pytest.fixture(scope="module")
def web() -> PlanResult:
    return plan("web-service")


def key_arn(result: PlanResult, purpose: str) -> str:
    """The ARN of the `EnvironmentKeys("kms")` key of a purpose (logs, data, notifications)."""
    return result.one(KEY, f"kms-{purpose}-key").outputs["arn"]


def provider_of(result: PlanResult, record: ResourceRecord) -> ResourceRecord | None:
    """The explicit provider a resource was created through (None: the default provider)."""
    return result.by_urn(record.provider.rsplit("::", 1)[0]) if record.provider else None


def region_of(result: PlanResult, record: ResourceRecord) -> str:
    """Where a resource is: its provider's region, else the stack's `aws:region`."""
    provider = provider_of(result, record)
    return provider.inputs["region"] if provider is not None else REGION


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


def flow(rule: ResourceRecord) -> tuple[str, int, int, str]:
    """(protocol, from port, to port, peer) of a security-group rule."""
    peer = rule.inputs.get("referencedSecurityGroupId") or rule.inputs.get("cidrIpv4") \
        or rule.inputs.get("cidrIpv6")
    return rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"], peer


# --------------------------------------------------------------------------------------------
# every example
# --------------------------------------------------------------------------------------------


def test_every_example_directory_is_tested():
    found = {p.parent.name for p in EXAMPLES.glob("*/__main__.py")}
    assert found == set(OWN_RESOURCES)
    listed = (EXAMPLES / "README.md").read_text()
    for example in ALL:
        assert f"[{example}]({example}/)" in listed, f"examples/README.md should list {example}"


@pytest.mark.parametrize("example", ALL)
def test_example_is_a_standalone_pulumi_project(example):
    root = EXAMPLES / example
    project = project_of(example)
    assert project["name"] == example
    assert project["runtime"]["name"] == "python"
    requirements = (root / "requirements.txt").read_text().splitlines()
    assert "-e ../.." in requirements  # this checkout; the comment says how to pin a release
    config = stack_config(example)
    assert config["aws:region"] == REGION
    declared = {f"{example}:{k}" for k in project.get("config") or {}}
    assert declared <= set(config), f"Pulumi.{STACK}.yaml should set every declared key"
    readme = " ".join((root / "README.md").read_text().split())  # line breaks as spaces
    for phrase in ("pulumi stack init dev", "pulumi install", "pulumi up", "pulumi destroy",
                   "groundwork plan dev", "groundwork check dev",
                   "No `pulumi preview` or `pulumi up` has been run"):
        assert phrase in readme, f"{example}/README.md should say {phrase!r}"


def _imports(example: str) -> list[tuple[str, list[str], int]]:
    """(module, names, level) of every import in the example's __main__.py."""
    tree = ast.parse((EXAMPLES / example / "__main__.py").read_text())
    out: list[tuple[str, list[str], int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], 0) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.module or "", [a.name for a in node.names], node.level))
    return out


@pytest.mark.parametrize("example", ALL)
def test_example_imports_only_the_public_api(example):
    """groundwork only as `from groundwork.components import <public names>`; otherwise the
    standard library, pulumi and pulumi_aws. No stacks, no private module, no relative import."""
    imports = _imports(example)
    from_groundwork = [names for module, names, _ in imports if module.split(".")[0] == "groundwork"]
    assert from_groundwork, f"{example} should build on groundwork.components"
    for module, names, level in imports:
        assert level == 0, f"{example}: relative import of {module!r}"
        top = module.split(".")[0]
        if top == "groundwork":
            assert module == "groundwork.components" and names, \
                f"{example} imports {module!r}: only `from groundwork.components import ...`"
            unknown = sorted(set(names) - set(public_api.__all__))
            assert not unknown, f"{example} imports non-public names {unknown}"
        else:
            assert top in STDLIB | THIRD_PARTY, f"{example} imports {module!r}"


def test_the_public_api_loads_every_name_it_lists_and_types_it():
    """Every name of `groundwork.components.__all__` loads lazily from the module the mapping
    names, and the TYPE_CHECKING imports (what mypy sees) list exactly the same names from the
    same modules."""
    tree = ast.parse(Path(public_api.__file__).read_text())
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                typed.update({a.name: imp.module for a in imp.names})
    home = {name: f"groundwork.components.{module}" for name, module in public_api._HOME.items()}
    assert typed == home
    # a literal, sorted list: mypy --strict re-exports only what a literal __all__ names
    assert public_api.__all__ == sorted(set(public_api.__all__)) == sorted(home)
    for name in public_api.__all__:
        value = getattr(public_api, name)
        assert getattr(value, "__name__", name) == name


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
        assert r.name.startswith(f"{parent.name}-") or r.name == parent.name, \
            f"{r.type} {r.name}: a child's name starts with its component's ({parent.name})"


@pytest.mark.parametrize("example", ALL)
def test_example_plans_without_warnings_or_clashes(example):
    result = plan(example)
    assert result.log == []
    assert result.name_clashes == []
    urns = [r.urn for r in result.resources]
    assert len(urns) == len(set(urns))
    assert result.config is None  # planned as a program of its own, not as groundwork's stack


@pytest.mark.parametrize("example", ALL)
def test_example_tags_everything(example):
    """Every taggable AWS resource carries the policy pack's required tags itself (under the
    mocks, provider default tags are invisible), with the stack as Environment."""
    for r in plan(example).custom_resources:
        if not r.type.startswith("aws:") or r.type in UNTAGGABLE:
            continue
        tags = r.inputs.get("tags") or {}
        missing = [t for t in REQUIRED_TAGS if not tags.get(t)]
        assert not missing, f"{r.type} {r.name} lacks {missing}"
        assert tags["Environment"] == STACK and tags["Owner"] == "platform-team", (r.type, r.name)
        assert tags["Project"] == example


POLICY_CONFIGS = ("project", "dev", "prod")
"""The example's own policy config (what `groundwork check dev` uses inside its folder: its
policies/config/dev.json, else the pack's defaults, every rule mandatory), and groundwork's dev
and prod configs."""


@pytest.mark.parametrize("config", POLICY_CONFIGS)
@pytest.mark.parametrize("example", ALL)
def test_example_passes_the_policy_pack(example, config):
    """No mandatory violation whichever config checks it; the only advisory is RDS.23 (the
    databases listen on PostgreSQL's default port, which the examples' dev.json accepts)."""
    from groundwork.check import POLICIES_DIR, check_plan

    path = None if config == "project" else POLICIES_DIR / "config" / f"{config}.json"
    result = check_plan(plan(example), path, project_dir=EXAMPLES / example)
    assert [v.message for v in result.violations if v.level == "mandatory"] == []
    databases = {r.name for r in plan(example).of_type(DB)}
    advisories = [v for v in result.violations if v.level != "mandatory"]
    assert {v.policy for v in advisories} <= {"rds-non-default-port"}
    assert sorted(v.resource_name for v in advisories) == sorted(databases)


def test_examples_with_a_database_accept_only_the_default_port_advisory():
    """Their policies/config/dev.json changes exactly one level; everything else is the pack's
    default (mandatory)."""
    for example in ALL:
        path = EXAMPLES / example / "policies" / "config" / f"{STACK}.json"
        if plan(example).of_type(DB):
            assert json.loads(path.read_text()) == {"rds-non-default-port": "advisory"}
        else:
            assert not path.exists(), f"{example} has no database and needs no policy config"


def test_examples_create_only_the_keys_they_use(network_only, worker, database, two,
                                                queue_search, web):
    """(purpose, region) of every key: the examples with a backup plan add a data key in the
    DR region (its vault's), through their `dr` provider."""
    home = [(p, REGION) for p in ("data", "logs", "notifications")]
    for result, keys in ((network_only, [("logs", REGION)]),
                         (worker, [("data", DR_REGION), *home[:2]]),
                         (database, [("data", DR_REGION), *home]),
                         (two, [("data", DR_REGION), *home]),
                         (queue_search, home),
                         (web, home)):
        found = [(k.inputs["tags"]["Purpose"], region_of(result, k)) for k in result.of_type(KEY)]
        assert sorted(found) == sorted(keys)
        for k in result.of_type(KEY):
            assert k.inputs["enableKeyRotation"] is True


# --------------------------------------------------------------------------------------------
# backups: a BackupPlan over the data stores, copies in the DR region (docs/backup.md)
# --------------------------------------------------------------------------------------------

BACKED_UP: dict[str, set[tuple[str, str]]] = {
    "worker-service": {(BUCKET, "assets-bucket")},
    "existing-vpc-database": {(DB, "database-instance")},
    "two-databases": {(DB, "main-instance"), (DB, "analytics-instance")},
}
"""The examples with a BackupPlan, and the stores it must cover (exactly these carry the tag)."""
RULES = {"daily": (30, 30), "monthly": (365, 365), "continuous": (35, 7)}
"""Each rule's retention, and its copies' in the DR vault, in days (BackupPlanSettings)."""


def test_every_example_with_a_data_store_has_a_backup_plan():
    """A database or an asset bucket needs one (backup-plan-coverage); the others have none."""
    for example in ALL:
        result = plan(example)
        stores = result.of_type(DB) + result.of_type("groundwork:data:AssetBucket")
        assert bool(stores) == (example in BACKED_UP), example
        assert len(result.of_type(BACKUP_PLAN)) == (example in BACKED_UP), example


@pytest.mark.parametrize("example", sorted(BACKED_UP))
def test_example_stores_carry_the_tag_its_selection_selects(example):
    """`backup_tag=...` puts the plan's `Backup` value on exactly the stores it covers, and the
    one selection selects that value (STRINGEQUALS) for the plan, through the plan's role."""
    result = plan(example)
    [selection], [backup] = result.of_type(SELECTION), result.of_type(BACKUP_PLAN)
    value = f"{prefix_of(example)}-backup"
    assert selection.inputs["selectionTags"] == [
        {"type": "STRINGEQUALS", "key": "Backup", "value": value}]
    assert selection.inputs["planId"] == backup.id
    assert selection.inputs["iamRoleArn"] == result.one(ROLE, "backup-role").outputs["arn"]
    tagged = {(r.type, r.name): (r.inputs.get("tags") or {}).get("Backup")
              for r in result.custom_resources if (r.inputs.get("tags") or {}).get("Backup")}
    assert tagged == dict.fromkeys(BACKED_UP[example], value)
    assert result.stack_outputs["backup"]["selection_tag"] == value


@pytest.mark.parametrize("example", sorted(BACKED_UP))
def test_example_copies_every_rule_to_the_dr_vault_on_the_dr_provider(example):
    """The vault sits in the stack's region on the data key; the DR vault, its lock and policy
    and its key come through the `dr` provider in `drRegion`; every rule copies there."""
    result = plan(example)
    vault, dr_vault = result.one(VAULT, "backup-vault"), result.one(VAULT, "backup-dr-vault")
    dr = provider_of(result, dr_vault)
    assert dr is not None and dr.type == "pulumi:providers:aws" and dr.name == "dr"
    assert dr.inputs["region"] == stack_config(example)[f"{example}:drRegion"] == DR_REGION
    assert provider_of(result, vault) is None and f":{REGION}:" in vault.outputs["arn"]
    assert f":{DR_REGION}:" in dr_vault.outputs["arn"]
    dr_key = result.one(KEY, "kms-dr-data-key")
    assert provider_of(result, dr_key) == dr
    assert vault.inputs["kmsKeyArn"] == key_arn(result, "data")
    assert dr_vault.inputs["kmsKeyArn"] == dr_key.outputs["arn"] != key_arn(result, "data")
    for v in (vault, dr_vault):
        assert v.protect is True
        [lock] = [lk for lk in result.of_type(VAULT_LOCK)
                  if lk.inputs["backupVaultName"] == v.inputs["name"]]
        assert lock.provider == v.provider
        assert "changeableForDays" not in lock.inputs  # governance mode
    rules = {r["ruleName"]: r for r in result.one(BACKUP_PLAN).inputs["rules"]}
    assert sorted(rules) == sorted(RULES)
    for name, (kept, copied) in RULES.items():
        rule = rules[name]
        assert rule["targetVaultName"] == vault.inputs["name"]
        assert rule["lifecycle"] == {"deleteAfter": kept}
        [copy] = rule["copyActions"]
        assert copy["destinationVaultArn"] == dr_vault.outputs["arn"]
        assert copy["lifecycle"] == {"deleteAfter": copied}
    assert rules["continuous"]["enableContinuousBackup"] is True
    assert result.stack_outputs["backup"] == {
        "vault_name": vault.outputs["name"], "dr_vault_name": dr_vault.outputs["name"],
        "dr_region": DR_REGION, "selection_tag": f"{prefix_of(example)}-backup"}


@pytest.mark.parametrize("example", ["existing-vpc-database", "two-databases"])
def test_example_databases_keep_the_plans_point_in_time_window(example):
    """Under continuous backup the instance's retention is the rule's (AWS Backup refuses
    another) and Pulumi leaves it to AWS Backup afterwards."""
    result = plan(example)
    [continuous] = [r for r in result.one(BACKUP_PLAN).inputs["rules"]
                    if r.get("enableContinuousBackup")]
    for instance in result.of_type(DB):
        assert instance.inputs["backupRetentionPeriod"] == continuous["lifecycle"]["deleteAfter"]
        assert "backupRetentionPeriod" in instance.ignore_changes


@pytest.mark.parametrize("example", ["existing-vpc-database", "two-databases"])
def test_example_restore_tests_land_in_the_databases_subnets(example):
    """The monthly restore test restores the tagged RDS instances into the databases' subnet
    group, behind the example's chosen group (never AWS's inferred one)."""
    result = plan(example)
    [selection] = result.of_type(RESTORE_SELECTION)
    assert selection.inputs["protectedResourceType"] == "RDS"
    assert selection.inputs["protectedResourceConditions"] == {"stringEquals": [
        {"key": "aws:ResourceTag/Backup", "value": f"{prefix_of(example)}-backup"}]}
    overrides = selection.inputs["restoreMetadataOverrides"]
    if example == "two-databases":  # both databases: a group of its own that admits nothing
        subnets = result.one(DB_SUBNETS, "network-db-subnets")
        group = result.one(SG, "restore-sg-database", parent="restore-sg")
        assert rules_on(result, INGRESS, group.id) == rules_on(result, EGRESS, group.id) == []
    else:  # the database's own subnet group and group
        subnets = result.one(DB_SUBNETS, "database-subnets")
        group = result.one(SG, "security-groups-database")
    assert overrides == {"dbSubnetGroupName": subnets.outputs["name"],
                         "vpcSecurityGroupIds": json.dumps([group.id])}


def test_worker_backup_plan_covers_s3_and_tests_no_restore(worker):
    """The asset bucket is S3: the role carries AWS's S3 backup and restore policies; no
    restore-testing plan (it restores RDS recovery points, and there is no database)."""
    role = worker.one(ROLE, "backup-role")
    attached = sorted(a.inputs["policyArn"].rsplit("/", 1)[-1]
                      for a in worker.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                      if a.inputs["role"] == role.outputs["name"])
    assert attached == sorted(f"AWSBackupServiceRolePolicyFor{p}"
                              for p in ("Backup", "Restores", "S3Backup", "S3Restore"))
    assert worker.of_type("aws:backup/restoreTestingPlan:RestoreTestingPlan") == []
    bucket = worker.one(BUCKET, "assets-bucket")
    versioning = worker.one("aws:s3/bucketVersioning:BucketVersioning", "assets-bucket-versioning")
    assert versioning.inputs["bucket"] == bucket.outputs["bucket"]
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"  # AWS Backup needs it


def test_worker_writes_the_asset_bucket_through_its_task_role(worker):
    """`assets.allow_from(service, access="write")`: one inline policy on the worker's task role,
    the S3 actions on exactly this bucket and its objects, the data key through S3 only."""
    bucket = worker.one(BUCKET, "assets-bucket")
    arn = bucket.outputs["arn"]
    task_role = worker.one(ROLE, "worker-task-role")
    grant = worker.one(ROLE_POLICY, "assets-worker-access")
    assert grant.inputs["role"] == task_role.id
    assert worker.by_urn(grant.parent).type == "groundwork:data:AssetBucket"
    statements = {st["Sid"]: st for st in doc(grant)["Statement"]}
    assert statements["BucketList"] == {"Sid": "BucketList", "Effect": "Allow",
                                        "Action": ["s3:ListBucket"], "Resource": arn}
    objects = statements["BucketObjects"]
    assert objects["Resource"] == f"{arn}/*"
    assert sorted(objects["Action"]) == ["s3:AbortMultipartUpload", "s3:DeleteObject",
                                         "s3:GetObject", "s3:PutObject"]
    assert statements["BucketKey"]["Resource"] == key_arn(worker, "data")
    assert statements["BucketKey"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}
    assert set(statements) == {"BucketList", "BucketObjects", "BucketKey"}
    encryption = worker.one("aws:s3/bucketServerSideEncryptionConfiguration:"
                            "BucketServerSideEncryptionConfiguration", "assets-bucket-encryption")
    [sse] = encryption.inputs["rules"]
    assert sse["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn(worker, "data")}
    assert bucket.protect is True
    assert worker.stack_outputs["assets_bucket"] == bucket.outputs["bucket"]


# --------------------------------------------------------------------------------------------
# network-only
# --------------------------------------------------------------------------------------------


def test_network_only_plans_the_custom_20_layout(network_only):
    assert network_only.one("aws:ec2/vpc:Vpc", "network-vpc").inputs["cidrBlock"] == "10.20.0.0/16"
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
        assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subs)
    assert network_only.stack_outputs["subnet_cidrs"] == cidrs
    assert network_only.stack_outputs["availability_zones"] == [f"{REGION}a", f"{REGION}b"]


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
    assert sorted(e.inputs["serviceName"] for e in interface) == [  # ec2: on by default (EC2.10)
        f"com.amazonaws.{REGION}.{svc}" for svc in ("ec2", "ecr.api", "ecr.dkr", "logs")]
    compute = sorted(s.id for s in subnets_by_tier(network_only)["compute"])
    endpoint_sg = network_only.one(SG, "network-endpoints-sg")
    assert endpoint_sg.inputs["name"] == "network-only-dev-network-endpoints"
    for e in interface:
        assert e.inputs["privateDnsEnabled"] is True
        assert sorted(e.inputs["subnetIds"]) == compute
        assert e.inputs["securityGroupIds"] == [endpoint_sg.id]
    [https] = rules_on(network_only, INGRESS, endpoint_sg.id)
    assert flow(https) == ("tcp", 443, 443, "10.20.0.0/16")
    assert sorted(network_only.stack_outputs["interface_endpoint_ids"]) == \
        sorted(e.id for e in interface)


def test_network_only_flow_logs_use_the_logs_key(network_only):
    group = network_only.one(LOG_GROUP, "network-flow-logs")
    assert group.inputs["kmsKeyId"] == key_arn(network_only, "logs")
    assert group.inputs["retentionInDays"] == 365
    assert group.inputs["name"] == "/groundwork/network-only-dev-network/vpc-flow-logs"
    assert network_only.one("aws:ec2/flowLog:FlowLog").inputs["trafficType"] == "ALL"
    assert network_only.stack_outputs["flow_logs_key_arn"] == key_arn(network_only, "logs")


def test_network_only_subnet_groups_sit_on_the_data_tier(network_only):
    data = sorted(s.id for s in subnets_by_tier(network_only)["data"])
    db = network_only.one(DB_SUBNETS, "network-db-subnets")
    assert sorted(db.inputs["subnetIds"]) == data
    assert network_only.stack_outputs["db_subnet_group_name"] == db.outputs["name"] == \
        "network-only-dev-network-db"
    assert sorted(network_only.one(CACHE_SUBNETS).inputs["subnetIds"]) == data


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


def test_worker_runs_the_configured_image_hardened(worker):
    [container] = json.loads(worker.one(TASK).inputs["containerDefinitions"])
    assert container["image"] == stack_config("worker-service")["worker-service:image"]
    assert container["command"] == ["python", "-m", "app.worker"]
    assert container["readonlyRootFilesystem"] is True and container["privileged"] is False
    assert container["user"] == "10001:10001"
    task = worker.one(TASK)
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("512", "1024")
    service = worker.one(SERVICE)
    assert service.inputs["name"] == "worker-service-dev-worker"
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert "alarms" not in service.inputs  # deployment_alarm_names=[]: no EnvironmentAlarms here
    logs = worker.one(LOG_GROUP, "worker-logs")
    assert logs.inputs["name"] == "/ecs/worker-service-dev-worker"
    assert logs.inputs["kmsKeyId"] == key_arn(worker, "logs")
    assert logs.inputs["retentionInDays"] == 365
    assert worker.stack_outputs["log_group_name"] == logs.outputs["name"]


def test_worker_network_has_no_data_subnet_groups(worker):
    assert worker.of_type(DB_SUBNETS) == worker.of_type(CACHE_SUBNETS) == []
    assert len(worker.of_type(NAT)) == 1


def test_worker_runs_in_its_own_group_from_security_groups(worker):
    group = worker.one(SG, "security-groups-worker")
    assert group.inputs["namePrefix"] == "worker-service-dev-security-groups-worker-"
    assert worker.by_urn(group.parent).type == "groundwork:security:SecurityGroups"
    network = worker.one(SERVICE).inputs["networkConfiguration"]
    assert network["securityGroups"] == [group.id]
    assert network["assignPublicIp"] is False
    assert sorted(network["subnets"]) == sorted(s.id for s in subnets_by_tier(worker)["compute"])
    assert rules_on(worker, INGRESS, group.id) == []  # nothing calls a worker
    [out] = rules_on(worker, EGRESS, group.id)
    assert flow(out) == ("tcp", 443, 443, "0.0.0.0/0")


def test_worker_scales_on_the_queue_depth(worker):
    queue = worker.one(QUEUE, "jobs-queue")
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
    assert {p.name for p in worker.of_type(SCALING_POLICY)} == \
        {"worker-scale-cpu", "worker-scale-memory", "worker-scale-queue"}


def test_worker_queues_come_from_the_queue_component(worker):
    component = worker.one("groundwork:data:Queue", "jobs")
    queue, dlq = worker.one(QUEUE, "jobs-queue"), worker.one(QUEUE, "jobs-dlq")
    assert queue.parent == dlq.parent == component.urn
    assert (queue.inputs["name"], dlq.inputs["name"]) == (
        "worker-service-dev-jobs", "worker-service-dev-jobs-dlq")
    assert queue.inputs["visibilityTimeoutSeconds"] == 300
    assert worker.stack_outputs["dead_letter_queue_url"] == dlq.outputs["url"]


def test_worker_queue_is_kms_encrypted_with_a_dead_letter_queue(worker):
    data_key = key_arn(worker, "data")
    queue, dlq = worker.one(QUEUE, "jobs-queue"), worker.one(QUEUE, "jobs-dlq")
    assert queue.inputs["kmsMasterKeyId"] == dlq.inputs["kmsMasterKeyId"] == data_key
    assert "redrivePolicy" not in queue.inputs  # the separate RedrivePolicy owns it
    redrive = worker.one("aws:sqs/redrivePolicy:RedrivePolicy", "jobs-redrive")
    assert redrive.inputs["queueUrl"] == queue.outputs["url"]
    assert json.loads(redrive.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 5}


def test_worker_gets_the_queue_url_and_only_queue_permissions(worker):
    queue = worker.one(QUEUE, "jobs-queue")
    bucket = worker.one(BUCKET, "assets-bucket")
    [container] = json.loads(worker.one(TASK).inputs["containerDefinitions"])
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env == {"JOBS_QUEUE_URL": queue.outputs["url"], "ASSETS_BUCKET": bucket.outputs["bucket"]}
    assert container["secrets"] == []
    task_role = worker.one(ROLE, "worker-task-role")
    assert task_role.inputs["name"] == "worker-service-dev-worker-task"
    grant = worker.one(ROLE_POLICY, "jobs-worker-access")
    assert sorted(p.name for p in worker.of_type(ROLE_POLICY) if p.inputs["role"] == task_role.id) \
        == ["assets-worker-access", "jobs-worker-access"]  # nothing else on the task role
    statements = {s["Sid"]: s for s in doc(grant)["Statement"]}
    assert set(statements) == {"QueueAccess", "QueueKey"}
    assert statements["QueueAccess"]["Resource"] == queue.outputs["arn"]
    assert sorted(statements["QueueAccess"]["Action"]) == [
        "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage"]
    assert statements["QueueKey"]["Action"] == ["kms:Decrypt"]
    assert statements["QueueKey"]["Resource"] == key_arn(worker, "data")
    assert statements["QueueKey"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"sqs.{REGION}.amazonaws.com"}}
    assert worker.stack_outputs["task_role_arn"] == task_role.outputs["arn"]


# --------------------------------------------------------------------------------------------
# existing-vpc-database
# --------------------------------------------------------------------------------------------

EXISTING = stack_config("existing-vpc-database")
VPC_ID = EXISTING["existing-vpc-database:vpcId"]
DB_SUBNET_IDS = EXISTING["existing-vpc-database:databaseSubnetIds"]
APP_SG = EXISTING["existing-vpc-database:appSecurityGroupId"]


def test_database_admits_only_the_app_group_on_5432(database):
    group = database.one(SG, "security-groups-database")
    assert group.inputs["vpcId"] == VPC_ID
    assert group.inputs["namePrefix"] == "existing-vpc-database-dev-security-groups-database-"
    assert database.one(DB).inputs["vpcSecurityGroupIds"] == [group.id]
    [ingress] = rules_on(database, INGRESS, group.id)
    assert flow(ingress) == ("tcp", 5432, 5432, APP_SG)
    assert "cidrIpv4" not in ingress.inputs and "cidrIpv6" not in ingress.inputs
    assert rules_on(database, EGRESS, group.id) == []  # a database calls nobody
    [egress] = rules_on(database, EGRESS, APP_SG)  # the matching rule on the app's side
    assert flow(egress) == ("tcp", 5432, 5432, group.id)
    assert len(database.of_type(INGRESS)) == len(database.of_type(EGRESS)) == 1


def test_database_lands_in_the_existing_subnets_encrypted_and_private(database):
    subnets = database.one(DB_SUBNETS, "database-subnets")
    assert subnets.inputs["subnetIds"] == DB_SUBNET_IDS
    assert subnets.inputs["name"] == "existing-vpc-database-dev-database-subnets"
    instance = database.one(DB)
    assert instance.inputs["identifier"] == "existing-vpc-database-dev-database"
    assert instance.inputs["dbSubnetGroupName"] == subnets.outputs["name"]
    assert instance.inputs["publiclyAccessible"] is False
    assert instance.inputs["storageEncrypted"] is True
    assert instance.inputs["kmsKeyId"] == key_arn(database, "data")
    assert instance.inputs["manageMasterUserPassword"] is True
    assert instance.inputs["port"] == 5432
    assert (instance.inputs["instanceClass"], instance.inputs["allocatedStorage"],
            instance.inputs["maxAllocatedStorage"]) == ("db.t4g.small", 20, 100)
    assert instance.inputs["multiAz"] is True
    # the backup plan's continuous retention: AWS Backup owns it from then on (docs/backup.md)
    assert instance.inputs["backupRetentionPeriod"] == 35
    assert {"backupRetentionPeriod", "backupWindow"} <= set(instance.ignore_changes)
    assert instance.inputs["deletionProtection"] is True
    assert instance.protect is True
    for export in ("postgresql", "upgrade"):
        group = database.one(LOG_GROUP, f"database-log-{export}")
        assert group.inputs["name"] == f"/aws/rds/instance/{instance.inputs['identifier']}/{export}"
        assert group.inputs["kmsKeyId"] == key_arn(database, "logs")


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


def test_database_refuses_a_single_subnet_before_anything_is_built():
    """One subnet is not an RDS subnet group: the error names the Args field."""
    with pytest.raises(Exception, match=r"PostgresDatabaseArgs\.subnet_ids"):
        plan_stack(STACK, project_dir=EXAMPLES / "existing-vpc-database",
                   overrides={"databaseSubnetIds": DB_SUBNET_IDS[:1]})


# --------------------------------------------------------------------------------------------
# two-databases: two of a component in one program
# --------------------------------------------------------------------------------------------

TWO = prefix_of("two-databases")
STORES = {
    # store: (kind, its SecurityGroups component and group key, the one service, port)
    "main": (DB, "main-sg", "database", "app", 5432),
    "analytics": (DB, "analytics-sg", "database", "reports", 5432),
    "sessions": (CACHE, "sessions-sg", "cache", "app", 6379),
    "jobs": (CACHE, "jobs-sg", "cache", "worker", 6379),
}
DATABASE_ALARMS = sorted(k for k, kind in ALARMS.items() if kind.family == "database")
CACHE_ALARMS = sorted(k for k, kind in ALARMS.items() if kind.family == "cache")


def store(result: PlanResult, name: str) -> ResourceRecord:
    """The database instance or replication group of a store."""
    kind = STORES[name][0]
    return result.one(kind, parent=name)


def store_group(result: PlanResult, name: str) -> ResourceRecord:
    _, component, key, _, _ = STORES[name]
    return result.one(SG, f"{component}-{key}", parent=component)


def service_group(result: PlanResult, service: str) -> ResourceRecord:
    return result.one(SG, f"services-{service}", parent="services")


def test_two_of_each_store_get_their_own_urns_and_aws_names(two):
    """Each store's children are named after it (logical and AWS), and no physical name is
    shared between the two of a kind."""
    for pair in (("main", "analytics"), ("sessions", "jobs")):
        physical: dict[str, set[str]] = {}
        for name in pair:
            component = two.component(name)
            children = list(two.descendants(component))
            assert children
            assert all(c.name.startswith(f"{name}-") for c in children), name
            physical[name] = {c.physical_name for c in children if c.physical_name}
            assert all(f"{TWO}-{name}" in p for p in physical[name]), physical[name]
        assert not physical[pair[0]] & physical[pair[1]]
        assert len({two.component(n).urn for n in pair}) == 2
    assert {r.inputs["identifier"] for r in two.of_type(DB)} == {f"{TWO}-main", f"{TWO}-analytics"}
    assert {r.inputs["replicationGroupId"] for r in two.of_type(CACHE)} == \
        {f"{TWO}-sessions", f"{TWO}-jobs"}
    names = [r.inputs["name"] for r in two.of_type(LOG_GROUP)]
    # flow logs, 2 per store, and each cache's token-rotation function's
    assert len(names) == len(set(names)) == 1 + 2 * 2 + 2 * 2 + 2
    assert two.name_clashes == []


def test_two_databases_are_sized_and_named_independently(two):
    main, analytics = store(two, "main"), store(two, "analytics")
    assert (main.inputs["instanceClass"], main.inputs["allocatedStorage"], main.inputs["dbName"]) \
        == ("db.t4g.medium", 20, "app")
    assert (analytics.inputs["instanceClass"], analytics.inputs["allocatedStorage"],
            analytics.inputs["dbName"]) == ("db.t4g.small", 50, "analytics")
    network_db_group = two.one(DB_SUBNETS, "network-db-subnets").outputs["name"]
    for db in (main, analytics):
        assert db.inputs["port"] == 5432
        assert db.inputs["multiAz"] is True and db.inputs["deletionProtection"] is True
        assert db.inputs["storageEncrypted"] is True and db.inputs["publiclyAccessible"] is False
        assert db.inputs["kmsKeyId"] == key_arn(two, "data")
        assert db.inputs["dbSubnetGroupName"] == network_db_group  # one subnet group, shared
        assert db.protect is True
    roles = {two.one(ROLE, f"{n}-monitoring-role").inputs["name"] for n in ("main", "analytics")}
    assert roles == {f"{TWO}-main-monitoring", f"{TWO}-analytics-monitoring"}


def test_two_caches_have_their_own_eviction_policy_and_secret(two):
    policies = {}
    network_cache_group = two.one(CACHE_SUBNETS, "network-cache-subnets").outputs["name"]
    for name in ("sessions", "jobs"):
        group = store(two, name)
        assert group.inputs["port"] == 6379
        assert group.inputs["transitEncryptionMode"] == "required"
        assert group.inputs["atRestEncryptionEnabled"] is True
        assert group.inputs["numCacheClusters"] == 2
        assert group.inputs["automaticFailoverEnabled"] is True
        assert group.inputs["subnetGroupName"] == network_cache_group
        params = two.one(CACHE_PARAMS, f"{name}-params")
        assert group.inputs["parameterGroupName"] == params.inputs["name"] == f"{TWO}-{name}-valkey8"
        policies[name] = {p["name"]: p["value"] for p in params.inputs["parameters"]}
        secret = two.one("aws:secretsmanager/secret:Secret", f"{name}-auth-secret")
        assert secret.inputs["namePrefix"] == f"{TWO}-{name}-auth-"
        assert secret.inputs["kmsKeyId"] == key_arn(two, "data")
    assert policies == {"sessions": {"maxmemory-policy": "volatile-lru"},
                        "jobs": {"maxmemory-policy": "noeviction"}}


def test_each_store_is_reachable_only_from_the_service_that_uses_it(two):
    """One ingress rule per store, from its one service's group on its port, and the matching
    egress rule on that service's group; the store's group has no egress at all."""
    for name, (_, component, _, service, port) in STORES.items():
        group, client = store_group(two, name), service_group(two, service)
        assert group.inputs["namePrefix"] == f"{TWO}-{component}-{STORES[name][2]}-"
        assert two.by_urn(group.parent).type == "groundwork:security:SecurityGroups"
        ids = store(two, name).inputs.get("vpcSecurityGroupIds") or \
            store(two, name).inputs.get("securityGroupIds")
        assert ids == [group.id]
        [ingress] = rules_on(two, INGRESS, group.id)
        assert flow(ingress) == ("tcp", port, port, client.id)
        assert rules_on(two, EGRESS, group.id) == []
        [egress] = [r for r in two.of_type(EGRESS)
                    if r.inputs.get("referencedSecurityGroupId") == group.id]
        assert egress.inputs["securityGroupId"] == client.id
        assert flow(egress) == ("tcp", port, port, group.id)
        # the rules live in the store's own SecurityGroups component
        assert {two.by_urn(r.parent).name for r in (ingress, egress)} == {component}


def test_each_service_reaches_exactly_its_stores(two):
    """The services' outbound rules: 443 to the world (the matrix) plus one rule per store
    the service uses, and nothing inbound."""
    want = {"app": {("main", 5432), ("sessions", 6379)}, "reports": {("analytics", 5432)},
            "worker": {("jobs", 6379)}}
    groups = {n: store_group(two, n).id for n in STORES}
    names = {v: k for k, v in groups.items()}
    for service, stores in want.items():
        client = service_group(two, service)
        assert rules_on(two, INGRESS, client.id) == []
        out = [flow(r) for r in rules_on(two, EGRESS, client.id)]
        assert ("tcp", 443, 443, "0.0.0.0/0") in out
        assert {(names[peer], port) for _, port, _, peer in out if peer in names} == stores
        assert len(out) == 1 + len(stores)
    assert two.stack_outputs["service_security_group_ids"] == {
        s: service_group(two, s).id for s in want}


def _alarms_of(result: PlanResult, scope: str) -> dict[str, list[ResourceRecord]]:
    """The alarms named `<prefix>-alarms-<scope>-<key>[-<n>]`, by key."""
    out: dict[str, list[ResourceRecord]] = {}
    start = f"{TWO}-alarms-{scope}-"
    for alarm in result.of_type(ALARM):
        name = alarm.inputs["name"]
        if name.startswith(start):
            key = name.removeprefix(start).rstrip("-0123456789")
            out.setdefault(key, []).append(alarm)
    return out


def test_both_databases_get_their_own_alarms(two):
    topics = {t.inputs["tags"]["Severity"]: t.outputs["arn"] for t in two.of_type(TOPIC)}
    for name, allocated in (("main", 20), ("analytics", 50)):
        alarms = _alarms_of(two, name)
        assert sorted(alarms) == DATABASE_ALARMS
        identifier = store(two, name).outputs["identifier"]
        for key, [alarm] in alarms.items():
            assert alarm.inputs["name"] == f"{TWO}-alarms-{name}-{key}"
            assert alarm.inputs["dimensions"] == {"DBInstanceIdentifier": identifier}
            severity = ALARMS[key].severity
            assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [topics[severity]]
            assert alarm.inputs["actionsEnabled"] is True
        # thresholds follow each database's own size; the override applies to both
        [free] = alarms["rds-free-storage"]
        assert free.inputs["threshold"] == allocated * 1024**3 // 10
        assert alarms["rds-cpu"][0].inputs["threshold"] == 80
    [events] = [e for e in two.of_type(RDS_EVENTS) if e.inputs["sourceType"] == "db-instance"]
    assert sorted(events.inputs["sourceIds"]) == sorted(
        store(two, n).outputs["identifier"] for n in ("main", "analytics"))
    assert events.inputs["snsTopic"] == topics["critical"]


def test_both_caches_get_alarms_per_node(two):
    for name in ("sessions", "jobs"):
        alarms = _alarms_of(two, name)
        assert sorted(alarms) == CACHE_ALARMS
        members = sorted(store(two, name).outputs["memberClusters"])
        assert members == [f"{TWO}-{name}-001", f"{TWO}-{name}-002"]
        for key, per_node in alarms.items():
            by_name = {a.inputs["name"]: a for a in per_node}
            assert sorted(by_name) == [f"{TWO}-alarms-{name}-{key}-{n}" for n in (1, 2)]
            for n, member in enumerate(members, start=1):
                dims = by_name[f"{TWO}-alarms-{name}-{key}-{n}"].inputs["dimensions"]
                assert dims == {"CacheClusterId": member}


def test_two_databases_alarm_names_are_unique_and_exported(two):
    names = [a.inputs["name"] for a in two.of_type(ALARM)]
    assert len(names) == len(set(names))
    assert all(n.startswith(f"{TWO}-alarms-") for n in names)
    assert sorted(two.stack_outputs["alarm_names"]) == sorted(names)
    assert two.stack_outputs["dashboard"] == f"{TWO}-dashboard"
    nat = _alarms_of(two, "network")
    assert sorted(nat) == ["nat-packets-dropped", "nat-port-allocation"]


def test_two_databases_export_one_contract_per_store(two):
    databases = two.stack_outputs["databases"]
    assert sorted(databases) == ["analytics", "main"]
    for name, contract in databases.items():
        instance = store(two, name)
        assert contract == {
            "endpoint": instance.outputs["address"], "port": 5432,
            "name": instance.inputs["dbName"],
            "secret_arn": instance.outputs["masterUserSecrets"][0]["secretArn"],
            "security_group_id": store_group(two, name).id,
            "identifier": instance.outputs["identifier"],
        }
    caches = two.stack_outputs["caches"]
    assert sorted(caches) == ["jobs", "sessions"]
    for name, contract in caches.items():
        group = store(two, name)
        secret = two.one("aws:secretsmanager/secret:Secret", f"{name}-auth-secret")
        assert contract == {
            "primary_endpoint": group.outputs["primaryEndpointAddress"],
            "reader_endpoint": group.outputs["readerEndpointAddress"],
            "port": 6379, "auth_secret_arn": secret.outputs["arn"],
            "security_group_id": store_group(two, name).id,
        }


# --------------------------------------------------------------------------------------------
# queue-and-search: a web api and a worker, a Queue and a SearchDomain, wired by intent
# --------------------------------------------------------------------------------------------

QS = prefix_of("queue-and-search")
DOMAIN = "aws:opensearch/domain:Domain"
QUEUE_ALARMS = sorted(k for k, kind in ALARMS.items() if kind.family == "queue")
SEARCH_ALARMS = sorted(k for k, kind in ALARMS.items() if kind.family == "search")
RECEIVE = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
           "sqs:ReceiveMessage"]


def qs_group(result: PlanResult, key: str) -> ResourceRecord:
    """A group of the example's one SecurityGroups (alb, api, worker, opensearch)."""
    return result.one(SG, f"security-groups-{key}", parent="security-groups")


def containers(result: PlanResult) -> dict[str, dict[str, Any]]:
    """service -> its one container definition."""
    out = {}
    for service in ("api", "worker"):
        [container] = json.loads(result.one(TASK, f"{service}-task").inputs["containerDefinitions"])
        out[service] = container
    return out


def grants_on(result: PlanResult, service: str) -> dict[str, ResourceRecord]:
    """The inline policies on a service's task role, by Pulumi name."""
    role = result.one(ROLE, f"{service}-task-role")
    return {p.name: p for p in result.of_type(ROLE_POLICY) if p.inputs["role"] == role.id}


def alarms_by_name(result: PlanResult) -> dict[str, ResourceRecord]:
    return {a.inputs["name"]: a for a in result.of_type(ALARM)}


def test_queue_and_search_domain_admits_only_the_api_on_443(queue_search):
    """`search.allow_from(groups.for_service("api"), role=api)`: one ingress rule on the
    opensearch group (443 from the api's group) and the matching egress on the api's; the
    opensearch group has no egress, and the worker's group nothing towards it."""
    group, api, worker = (qs_group(queue_search, k) for k in ("opensearch", "api", "worker"))
    assert group.inputs["namePrefix"] == f"{QS}-security-groups-opensearch-"
    domain = queue_search.one(DOMAIN)
    assert domain.inputs["vpcOptions"]["securityGroupIds"] == [group.id]
    [ingress] = rules_on(queue_search, INGRESS, group.id)
    assert flow(ingress) == ("tcp", 443, 443, api.id)
    assert rules_on(queue_search, EGRESS, group.id) == []
    towards = [r for r in queue_search.of_type(EGRESS)
               if r.inputs.get("referencedSecurityGroupId") == group.id]
    assert [(r.inputs["securityGroupId"], flow(r)) for r in towards] == \
        [(api.id, ("tcp", 443, 443, group.id))]
    assert [flow(r) for r in rules_on(queue_search, EGRESS, worker.id)] == \
        [("tcp", 443, 443, "0.0.0.0/0")]  # the world's 443 (SQS through the NAT), no store
    assert rules_on(queue_search, INGRESS, worker.id) == []
    assert queue_search.stack_outputs["search"]["security_group_id"] == group.id


def test_queue_and_search_domain_sits_in_the_data_subnets_hardened(queue_search):
    domain = queue_search.one(DOMAIN)
    inputs = domain.inputs
    assert domain.parent == queue_search.one("groundwork:data:SearchDomain", "search").urn
    assert inputs["domainName"] == f"{QS}-search" and len(inputs["domainName"]) <= 28
    data = [s.id for s in subnets_by_tier(queue_search)["data"]]
    assert len(data) == 3 and sorted(inputs["vpcOptions"]["subnetIds"]) == sorted(data)
    cluster = inputs["clusterConfig"]
    assert (cluster["instanceCount"], cluster["zoneAwarenessEnabled"],
            cluster["zoneAwarenessConfig"]["availabilityZoneCount"]) == (3, True, 3)
    assert (cluster["dedicatedMasterEnabled"], cluster["dedicatedMasterCount"]) == (True, 3)
    assert inputs["ebsOptions"] == {"ebsEnabled": True, "volumeType": "gp3", "volumeSize": 50}
    assert inputs["encryptAtRest"] == {"enabled": True, "kmsKeyId": key_arn(queue_search, "data")}
    assert inputs["nodeToNodeEncryption"] == {"enabled": True}
    assert inputs["domainEndpointOptions"] == {
        "enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"}
    admin = queue_search.one(ROLE, "search-admin-role")
    security = inputs["advancedSecurityOptions"]
    assert security["enabled"] is True and security["internalUserDatabaseEnabled"] is False
    assert security["masterUserOptions"] == {"masterUserArn": admin.outputs["arn"]}
    groups = {g.outputs["arn"]: g for g in queue_search.of_type(LOG_GROUP)
              if g.name.startswith("search-log-")}
    published = {o["logType"]: o["cloudwatchLogGroupArn"] for o in inputs["logPublishingOptions"]}
    assert sorted(published) == ["AUDIT_LOGS", "ES_APPLICATION_LOGS", "INDEX_SLOW_LOGS",
                                 "SEARCH_SLOW_LOGS"]
    assert set(published.values()) == set(groups)
    for group in groups.values():
        assert group.inputs["kmsKeyId"] == key_arn(queue_search, "logs")
        assert group.inputs["name"].startswith(f"/aws/OpenSearchService/domains/{QS}-search/")
    assert domain.protect is True
    assert [q.protect for q in queue_search.of_type(QUEUE)] == [True, True]  # jobs in flight


def test_queue_and_search_task_roles_get_send_only_and_receive_only(queue_search):
    """The api may only send to the queue, the worker only receive from it, both on the queue's
    ARN with the data key through SQS; the api alone gets the domain's HTTP API."""
    queue = queue_search.one(QUEUE, "jobs-queue")
    domain = queue_search.one(DOMAIN)
    data_key = key_arn(queue_search, "data")
    api, worker = grants_on(queue_search, "api"), grants_on(queue_search, "worker")
    assert sorted(api) == ["jobs-api-access", "search-api-http"]
    assert sorted(worker) == ["jobs-worker-access"]
    for grant, actions, key_actions in ((api["jobs-api-access"], ["sqs:SendMessage"],
                                         ["kms:Decrypt", "kms:GenerateDataKey*"]),
                                        (worker["jobs-worker-access"], RECEIVE, ["kms:Decrypt"])):
        statements = {s["Sid"]: s for s in doc(grant)["Statement"]}
        assert set(statements) == {"QueueAccess", "QueueKey"}
        assert statements["QueueAccess"]["Action"] == actions
        assert statements["QueueAccess"]["Resource"] == queue.outputs["arn"]
        assert statements["QueueKey"]["Action"] == key_actions
        assert statements["QueueKey"]["Resource"] == data_key
        assert statements["QueueKey"]["Condition"] == {
            "StringEquals": {"kms:ViaService": f"sqs.{REGION}.amazonaws.com"}}
    [http] = doc(api["search-api-http"])["Statement"]
    assert http["Action"] == "es:ESHttp*"
    assert http["Resource"] == [domain.outputs["arn"], f"{domain.outputs['arn']}/*"]
    assert queue_search.stack_outputs["task_role_arns"] == {
        s: queue_search.one(ROLE, f"{s}-task-role").outputs["arn"] for s in ("api", "worker")}


def test_queue_and_search_endpoints_reach_the_right_containers(queue_search):
    """SEARCH_ENDPOINT goes to the api only, JOBS_QUEUE_URL to both; no secrets (IAM)."""
    queue = queue_search.one(QUEUE, "jobs-queue")
    domain = queue_search.one(DOMAIN)
    env = {s: {e["name"]: e["value"] for e in c["environment"]}
           for s, c in containers(queue_search).items()}
    assert env == {
        "api": {"JOBS_QUEUE_URL": queue.outputs["url"],
                "SEARCH_ENDPOINT": f"https://{domain.outputs['endpoint']}"},
        "worker": {"JOBS_QUEUE_URL": queue.outputs["url"]},
    }
    assert all(c["secrets"] == [] for c in containers(queue_search).values())
    assert queue_search.stack_outputs["search"]["endpoint"] == domain.outputs["endpoint"]
    assert queue_search.stack_outputs["queue"]["url"] == queue.outputs["url"]


def test_queue_and_search_api_sits_behind_the_https_load_balancer(queue_search):
    service = queue_search.one(SERVICE, "api-service")
    [lb] = service.inputs["loadBalancers"]
    assert (lb["containerName"], lb["containerPort"]) == ("api", 8000)
    [https] = [listener for listener in queue_search.of_type("aws:lb/listener:Listener")
               if listener.inputs["port"] == 443]
    assert https.inputs["certificateArn"] == \
        stack_config("queue-and-search")["queue-and-search:certificateArn"]
    [ingress] = rules_on(queue_search, INGRESS, qs_group(queue_search, "api").id)
    assert flow(ingress) == ("tcp", 8000, 8000, qs_group(queue_search, "alb").id)


def test_queue_and_search_worker_scales_and_alarms_on_the_queue_name(queue_search):
    """The worker's backlog metric, its queue-backlog alarm and the queue's own alarms name the
    queues by their `name` outputs; the domain's alarms by its domain name and account."""
    queue, dlq = queue_search.one(QUEUE, "jobs-queue"), queue_search.one(QUEUE, "jobs-dlq")
    policy = queue_search.one(SCALING_POLICY, "worker-scale-queue")
    config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert config["targetValue"] == 50
    metrics = {m["id"]: m for m in config["customizedMetricSpecification"]["metrics"]}
    backlog = metrics["backlog"]["metricStat"]["metric"]
    assert (backlog["namespace"], backlog["metricName"]) == \
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert backlog["dimensions"] == [{"name": "QueueName", "value": queue.outputs["name"]}]
    alarms = alarms_by_name(queue_search)
    start = f"{QS}-alarms-"
    assert alarms[f"{start}worker-queue-backlog"].inputs["dimensions"] == \
        {"QueueName": queue.outputs["name"]}
    # the worker scales on the queue, so its queue-backlog covers the depth: no queue-depth
    queue_alarms = {n.removeprefix(f"{start}jobs-"): a for n, a in alarms.items()
                    if n.startswith(f"{start}jobs-")}
    assert sorted(queue_alarms) == [k for k in QUEUE_ALARMS if k != "queue-depth"]
    assert queue_alarms["queue-oldest-message"].inputs["dimensions"] == \
        {"QueueName": queue.outputs["name"]}
    assert queue_alarms["queue-dlq-not-empty"].inputs["dimensions"] == \
        {"QueueName": dlq.outputs["name"]}
    domain = queue_search.one(DOMAIN)
    search_alarms = {n.removeprefix(f"{start}search-"): a for n, a in alarms.items()
                     if n.startswith(f"{start}search-")}
    assert sorted(search_alarms) == SEARCH_ALARMS
    for alarm in search_alarms.values():
        assert alarm.inputs["dimensions"] == {
            "DomainName": domain.outputs["domainName"],
            "ClientId": domain.outputs["arn"].split(":")[4]}
    assert search_alarms["search-free-storage"].inputs["threshold"] == 50 * 1024 // 4  # MiB
    assert sorted(queue_search.stack_outputs["alarm_names"]) == sorted(alarms)
    topics = {t.outputs["arn"] for t in queue_search.of_type(TOPIC)}
    assert all(set(a.inputs["alarmActions"]) <= topics and a.inputs["alarmActions"]
               for a in alarms.values())


# --------------------------------------------------------------------------------------------
# web-service: CANARY with the test rule, the pre-traffic hook and its smoke checks, tracing,
# deploy notices (issue 14's release safety, wired by hand from the components)
# --------------------------------------------------------------------------------------------

WS = prefix_of("web-service")
LAMBDA = "aws:lambda/function:Function"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


def ws_group(result: PlanResult, key: str) -> ResourceRecord:
    return result.one(SG, f"security-groups-{key}")


def test_web_service_deploys_canary_10_percent_for_5_minutes_behind_the_hook(web):
    """CANARY 10 % / 5 min then 100 %, the old revision kept 10 minutes; one lifecycle hook at
    POST_TEST_TRAFFIC_SHIFT naming the hook function, invoked with a role that may invoke
    exactly it; the deployment alarms rolled back on are alarms the program creates."""
    service = web.one(SERVICE, "api-service")
    config = service.inputs["deploymentConfiguration"]
    assert config["strategy"] == "CANARY"
    assert config["canaryConfiguration"] == {"canaryPercent": 10, "canaryBakeTimeInMinutes": "5"}
    assert config["bakeTimeInMinutes"] == "10"
    fn = web.one(LAMBDA, "api-deploy-hook")
    invoke = web.one(ROLE, "api-hook-invoke-role")
    assert config["lifecycleHooks"] == [{
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"], "hookTargetArn": fn.outputs["arn"],
        "roleArn": invoke.outputs["arn"]}]
    [grant] = [p for p in web.of_type(ROLE_POLICY) if p.inputs["role"] == invoke.id]
    [statement] = doc(grant)["Statement"]
    assert (statement["Action"], statement["Resource"]) == ("lambda:InvokeFunction",
                                                            fn.outputs["arn"])
    rollback = service.inputs["alarms"]
    assert rollback["rollback"] is True and rollback["alarmNames"]
    assert set(rollback["alarmNames"]) <= set(alarms_by_name(web))
    assert web.stack_outputs["rollback_alarms"] == rollback["alarmNames"]


def test_web_service_test_rule_reaches_the_new_revision_from_the_vpc_only(web):
    """The test rule sits on the production rule's HTTPS listener, first (1 < 100), matches
    `X-Groundwork-Test: api` AND a source in the VPC, and forwards to the alternate target
    group; the service hands ECS both rules and the infrastructure role."""
    prod, test = web.one(LISTENER_RULE, "load-balancer-api-rule"), \
        web.one(LISTENER_RULE, "load-balancer-api-test-rule")
    https = web.one("aws:lb/listener:Listener", "load-balancer-https")
    assert prod.inputs["listenerArn"] == test.inputs["listenerArn"] == https.outputs["arn"]
    assert (test.inputs["priority"], prod.inputs["priority"]) == (1, 100)
    vpc = web.one("aws:ec2/vpc:Vpc")
    assert sorted(test.inputs["conditions"], key=str) == sorted([
        {"httpHeader": {"httpHeaderName": "X-Groundwork-Test", "values": ["api"]}},
        {"sourceIp": {"values": [vpc.inputs["cidrBlock"]]}}], key=str)
    alternate = web.one(TARGET_GROUP, "load-balancer-api-alt-tg")
    assert alternate.inputs["name"] == f"{WS}-api-alt-8000"
    assert test.inputs["actions"] == [{"type": "forward",
                                       "targetGroupArn": alternate.outputs["arn"]}]
    assert {"hostHeader": {"values": ["api.example.com"]}} in prod.inputs["conditions"]
    [lb] = web.one(SERVICE, "api-service").inputs["loadBalancers"]
    assert lb["advancedConfiguration"] == {
        "alternateTargetGroupArn": alternate.outputs["arn"],
        "productionListenerRule": prod.outputs["arn"], "testListenerRule": test.outputs["arn"],
        "roleArn": web.one(ROLE, "api-deploy-role").outputs["arn"]}
    assert web.stack_outputs["deploy"]["test_rule_arn"] == test.outputs["arn"]


def test_web_service_hook_runs_the_smoke_checks_from_its_own_group(web):
    """The hook function runs in the compute subnets in the `api-hook` group, which may reach
    the ALB on 443 (and the ALB admits it there) and HTTPS out, nothing else; its environment
    carries the three smoke checks, the api's host and the test header."""
    fn = web.one(LAMBDA, "api-deploy-hook")
    hook, alb = ws_group(web, "api-hook"), ws_group(web, "alb")
    compute = [s.id for s in subnets_by_tier(web)["compute"]]
    assert sorted(fn.inputs["vpcConfig"]["subnetIds"]) == sorted(compute)
    assert fn.inputs["vpcConfig"]["securityGroupIds"] == [hook.id]
    assert sorted(flow(r) for r in rules_on(web, EGRESS, hook.id)) == sorted([
        ("tcp", 443, 443, alb.id), ("tcp", 443, 443, "0.0.0.0/0")])
    assert rules_on(web, INGRESS, hook.id) == []
    assert ("tcp", 443, 443, hook.id) in [flow(r) for r in rules_on(web, INGRESS, alb.id)]
    env = fn.inputs["environment"]["variables"]
    checks = json.loads(env["CHECKS"])
    assert [(c["path"], c["status"], c["json_key"], c["requests"], c["p95_ms"]) for c in checks] \
        == [("/health", 200, "status", 5, 1000), ("/health/ready", 200, None, 5, 1000),
            ("/api/v1/products", 200, None, 10, 800)]
    assert (env["HOST"], env["SCHEME"], env["PORT"]) == ("api.example.com", "https", "443")
    assert (env["TEST_HEADER"], env["TEST_HEADER_VALUE"]) == ("X-Groundwork-Test", "api")
    lb = web.one("aws:lb/loadBalancer:LoadBalancer", "load-balancer")
    assert env["LOAD_BALANCER"] == lb.outputs["arnSuffix"]
    assert web.stack_outputs["deploy"]["hook_function"] == fn.outputs["name"]


def test_web_service_traces_to_xray_with_the_collector_sidecar(web):
    """With tracing on the task runs the ADOT collector next to the app (the app depends on it
    starting), and the task role's only policy writes to X-Ray."""
    containers = {c["name"]: c for c in json.loads(
        web.one(TASK, "api-task").inputs["containerDefinitions"])}
    assert sorted(containers) == ["api", "aws-otel-collector"]
    collector = containers["aws-otel-collector"]
    assert collector["essential"] is False and (collector["cpu"], collector["memory"]) == (64, 256)
    assert {"containerName": "aws-otel-collector", "condition": "START"} in \
        containers["api"]["dependsOn"]
    assert all("healthCheck" in c for c in containers.values())
    assert sorted(grants_on(web, "api")) == ["api-task-tracing-policy"]
    [statement] = doc(grants_on(web, "api")["api-task-tracing-policy"])["Statement"]
    assert statement["Action"] and all(a.startswith("xray:") for a in statement["Action"])


def test_web_service_deploy_notices_mail_the_releases_list(web):
    """Four rules on the api's ECS deployment events -> the deploys topic (encrypted with the
    notifications key, which lets EventBridge use it), one e-mail subscription, and the
    deployment-rolled-back alarm on a Notifications topic and on the dashboard."""
    service = web.one(SERVICE, "api-service")
    topic = web.one(TOPIC, "deploy-notices-deploys")
    assert topic.inputs["name"] == f"{WS}-deploy-notices-deploys"
    assert topic.inputs["kmsMasterKeyId"] == key_arn(web, "notifications")
    key = web.one(KEY, "kms-notifications-key")
    assert "EventBridgeRulesPublish" in {s["Sid"] for s in doc(key)["Statement"]}
    rules = {r.name.removeprefix("deploy-notices-"): r for r in web.of_type(EVENT_RULE)}
    assert sorted(rules) == ["failed", "rolled-back", "started", "succeeded"]
    for rule in rules.values():
        assert json.loads(rule.inputs["eventPattern"])["resources"] == [service.outputs["arn"]]
    [mail] = web.of_type(SUBSCRIPTION)
    assert (mail.inputs["protocol"], mail.inputs["endpoint"], mail.inputs["topic"]) == \
        ("email", "releases@example.com", topic.outputs["arn"])
    alarm = alarms_by_name(web)[f"{WS}-deploy-notices-services-deployment-rolled-back"]
    notify = {web.one(TOPIC, f"notifications-{s}").outputs["arn"] for s in ("critical", "warning")}
    assert alarm.inputs["alarmActions"] and set(alarm.inputs["alarmActions"]) <= notify
    board = web.one("aws:cloudwatch/dashboard:Dashboard")
    assert alarm.outputs["arn"] in board.inputs["dashboardBody"]
    assert web.stack_outputs["deploy"]["deploys_topic_arn"] == topic.outputs["arn"]
    assert web.stack_outputs["deploy"]["notice_rules"] == {
        k: r.inputs["name"] for k, r in rules.items()}
