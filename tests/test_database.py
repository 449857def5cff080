"""PostgresDatabase on the real prod and dev plans: every RDS row of controls.md, the
enhanced-monitoring role, the log groups, protect, and the connection contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import policy_doc, tags_of
from test_security_groups import physical_names, plan_pairs, refused

from groundwork.components.base import Naming
from groundwork.components.database import CA_CERT, rds_identifier
from groundwork.engine import PlanResult, plan_stack
from groundwork.stacks.config import ConfigError, load_environment

INSTANCE = "aws:rds/instance:Instance"
PARAMS = "aws:rds/parameterGroup:ParameterGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
COMPONENT = "groundwork:data:PostgresDatabase"


def valid_rds_identifier(ident: str) -> bool:
    """RDS's DBInstanceIdentifier rule as AWS documents it (written out here, not imported from
    the code under test): 1-63 letters, digits or hyphens, first a letter, no '--', no trailing
    '-' (RDS stores it lowercase, so lowercase is what plans and alarms must use)."""
    return (len(ident) <= 63 and re.fullmatch(r"[a-z][a-z0-9-]*", ident) is not None
            and "--" not in ident and not ident.endswith("-"))


def db(plan: PlanResult):
    return plan.one(INSTANCE)


def data_key_arn(plan: PlanResult) -> str:
    return plan.one("aws:kms/key:Key", "kms-data-key").outputs["arn"]


def logs_key_arn(plan: PlanResult) -> str:
    return plan.one("aws:kms/key:Key", "kms-logs-key").outputs["arn"]


# --- controls.md, RDS rows -----------------------------------------------------------------


def test_rds_2_not_public_and_in_the_data_subnet_group(prod):
    i = db(prod).inputs
    assert i["publiclyAccessible"] is False
    group = prod.one("aws:rds/subnetGroup:SubnetGroup")
    assert i["dbSubnetGroupName"] == group.outputs["name"]
    data_subnets = {s.id for s in prod.of_type("aws:ec2/subnet:Subnet") if tags_of(s)["Tier"] == "data"}
    assert set(group.inputs["subnetIds"]) == data_subnets


def test_rds_3_encrypted_with_the_data_key(prod, dev):
    for plan in (prod, dev):
        i = db(plan).inputs
        assert i["storageEncrypted"] is True
        assert i["kmsKeyId"] == data_key_arn(plan)


def test_rds_5_multi_az_in_prod_only(prod, dev):
    assert db(prod).inputs["multiAz"] is True
    assert db(dev).inputs["multiAz"] is False


def test_rds_6_enhanced_monitoring_with_the_role_it_creates(prod, dev):
    for plan in (prod, dev):
        inst = db(plan)
        assert inst.inputs["monitoringInterval"] > 0
        [role] = [r for r in plan.of_type(ROLE) if r.name == "database-monitoring-role"]
        assert inst.inputs["monitoringRoleArn"] == role.outputs["arn"]
        trust = policy_doc(role, "assumeRolePolicy")
        [stmt] = trust["Statement"]
        assert stmt["Effect"] == "Allow" and stmt["Action"] == "sts:AssumeRole"
        assert stmt["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
        assert stmt["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        [attach] = [a for a in plan.of_type(ATTACH) if a.inputs["role"] == role.outputs["name"]]
        assert attach.inputs["policyArn"] == (
            "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")
        # RDS validates the role when the instance is created: the policy must be on it first
        assert attach.urn in inst.depends_on


def test_rds_8_deletion_protection_and_pulumi_protect_in_prod(prod, dev):
    assert db(prod).inputs["deletionProtection"] is True
    assert db(prod).protect is True
    assert db(dev).inputs["deletionProtection"] is False
    assert db(dev).protect is False


def test_final_snapshot_in_prod_skipped_in_dev(prod, dev):
    p, d = db(prod).inputs, db(dev).inputs
    assert p["skipFinalSnapshot"] is False
    assert p["finalSnapshotIdentifier"] == "groundwork-prod-postgres-final"
    assert valid_rds_identifier(p["finalSnapshotIdentifier"])
    assert p["deleteAutomatedBackups"] is False
    assert d["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in d


def test_rds_9_logs_exported_into_precreated_encrypted_log_groups(prod, dev):
    for plan, retention in ((prod, 365), (dev, 14)):
        inst = db(plan)
        assert inst.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
        ident = inst.inputs["identifier"]
        groups = {g.inputs["name"]: g for g in plan.of_type(LOG_GROUP)
                  if g.inputs["name"].startswith("/aws/rds/")}
        assert set(groups) == {f"/aws/rds/instance/{ident}/postgresql",
                               f"/aws/rds/instance/{ident}/upgrade"}
        for g in groups.values():
            assert g.inputs["retentionInDays"] == retention
            assert g.inputs["kmsKeyId"] == logs_key_arn(plan)
            assert g.urn in inst.depends_on  # exist before RDS would create them unencrypted


def test_rds_10_11_13_17_iam_auth_backups_minor_upgrades_copy_tags(prod, dev):
    p = db(prod).inputs
    assert p["iamDatabaseAuthenticationEnabled"] is True
    # prod's backup plan manages point-in-time recovery: the instance keeps the continuous
    # rule's 35 days (AWS Backup refuses another value; docs/backup.md)
    assert p["backupRetentionPeriod"] >= 7 and p["backupRetentionPeriod"] == 35
    assert p["autoMinorVersionUpgrade"] is True
    assert p["copyTagsToSnapshot"] is True
    d = db(dev).inputs
    assert d["iamDatabaseAuthenticationEnabled"] is True and d["copyTagsToSnapshot"] is True
    assert d["backupRetentionPeriod"] == 1


def test_rds_25_admin_is_not_postgres_and_password_is_managed(prod):
    i = db(prod).inputs
    assert i["username"] not in {"postgres", "admin", "root"}
    assert i["manageMasterUserPassword"] is True
    assert i["masterUserSecretKmsKeyId"] == data_key_arn(prod)
    assert "password" not in i and "passwordWo" not in i


def test_rds_38_parameter_group_forces_tls_and_logs(prod):
    inst = db(prod)
    pg = prod.one(PARAMS)
    assert inst.inputs["parameterGroupName"] == pg.outputs["name"]
    assert pg.inputs["family"] == "postgres17"
    params = {p["name"]: p for p in pg.inputs["parameters"]}
    assert params["rds.force_ssl"]["value"] == "1"
    assert params["log_min_duration_statement"]["value"] == "1000"
    assert params["log_connections"]["value"] == "1"
    assert pg.parent == prod.one(COMPONENT).urn


def test_performance_insights_monitoring_storage_and_ca(prod):
    i = db(prod).inputs
    assert i["performanceInsightsEnabled"] is True
    assert i["performanceInsightsKmsKeyId"] == data_key_arn(prod)
    assert i["performanceInsightsRetentionPeriod"] == 7
    assert i["databaseInsightsMode"] == "standard"  # explicit: advanced is billed per vCPU
    assert i["storageType"] == "gp3"
    assert i["maxAllocatedStorage"] >= i["allocatedStorage"] * 1.1
    assert i["caCertIdentifier"] == CA_CERT == "rds-ca-rsa2048-g1"
    assert i["backupWindow"] == "03:00-04:00" and i["maintenanceWindow"] == "sun:04:30-sun:05:30"
    assert i["engine"] == "postgres" and i["instanceClass"] == "db.m7g.large"


def test_only_the_database_group_and_its_port(prod):
    inst = db(prod)
    sg = prod.one("aws:ec2/securityGroup:SecurityGroup", "security-groups-database")
    assert inst.inputs["vpcSecurityGroupIds"] == [sg.id]
    assert inst.inputs["port"] == 5432


# --- names, tags, parents, contract --------------------------------------------------------


def test_identifier_is_valid_for_rds(prod, dev):
    assert db(prod).inputs["identifier"] == "groundwork-prod-postgres"
    assert db(dev).inputs["identifier"] == "groundwork-dev-postgres"
    for plan in (prod, dev):
        assert valid_rds_identifier(db(plan).inputs["identifier"])


@pytest.mark.parametrize("prefix, expected", [
    ("groundwork-Dev_2", "groundwork-dev-2-postgres"),
    ("9lives--stack", "db-9lives-stack-postgres"),  # a letter first, one hyphen
    ("x" * 80, None),  # truncated (with a hash), so only the rule is checked
    ("a-", "a-postgres"),
])
def test_rds_identifier_survives_any_stack_name(prefix, expected):
    ident = rds_identifier(Naming(prefix=prefix), "postgres")
    assert valid_rds_identifier(ident), ident
    if expected is not None:
        assert ident == expected


def test_children_are_parented_and_tagged(prod):
    comp = prod.one(COMPONENT)
    children = prod.children(comp)
    replication = ("aws:rds/instanceAutomatedBackupsReplication:"
                   "InstanceAutomatedBackupsReplication")  # to the DR region (docs/backup.md)
    assert {c.type for c in children} == {INSTANCE, PARAMS, LOG_GROUP, ROLE, ATTACH, replication}
    for c in children:
        if c.type not in (ATTACH, replication):  # the replication takes no tags
            assert tags_of(c)["Environment"] == "prod" and tags_of(c)["Name"], c.name


def test_connection_contract_is_exported(prod):
    out = prod.stack_outputs["database"]
    inst = db(prod)
    assert out == {
        "endpoint": inst.outputs["address"],
        "port": 5432,
        "name": "app",
        "secret_arn": inst.outputs["masterUserSecrets"][0]["secretArn"],
        "security_group_id": prod.one("aws:ec2/securityGroup:SecurityGroup",
                                      "security-groups-database").id,
        "identifier": "groundwork-prod-postgres",
        # what the restore drill needs (docs/backup.md#restore-drills)
        "arn": inst.outputs["arn"],
        "subnet_group_name": "groundwork-prod-db",
        "vpc_id": prod.one("aws:ec2/vpc:Vpc").id,
        "subnet_ids": out["subnet_ids"],
    }
    assert len(out["subnet_ids"]) == 3 and all(s.startswith("subnet-") for s in out["subnet_ids"])
    assert out["secret_arn"].startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!")


def test_disabled_database_is_absent():
    plan = plan_stack("dev", overrides={"database": {"enabled": False}})
    assert not plan.of_type(INSTANCE) and "database" not in plan.stack_outputs


def test_rds_20_instance_events_reach_the_critical_topic(prod):
    """The alarms tier owns the topic and the subscription; it must name this instance."""
    subs = prod.of_type("aws:rds/eventSubscription:EventSubscription")
    [sub] = [s for s in subs if s.inputs["sourceType"] == "db-instance"]
    assert sub.inputs["sourceIds"] == [db(prod).inputs["identifier"]]
    assert sub.inputs["enabled"] is True


# --- dev differs from prod only in the documented ways -------------------------------------


def normalised(plan: PlanResult, type_: str, name: str) -> dict:
    """Inputs with the environment's name taken out (names differ by design, not by policy)."""
    text = json.dumps(plan.one(type_, name).inputs)
    text = text.replace(f"groundwork-{plan.stack}", "groundwork-ENV")
    return json.loads(text.replace(f'"Environment": "{plan.stack}"', '"Environment": "ENV"'))


DOCUMENTED_DIFFERENCES = {
    (INSTANCE, "database-instance"): {
        "instanceClass", "allocatedStorage", "maxAllocatedStorage", "multiAz",
        "backupRetentionPeriod", "deletionProtection", "skipFinalSnapshot",
        "finalSnapshotIdentifier", "deleteAutomatedBackups",
        "tags"},  # prod's carries Backup=<plan>: dev has no backup plan (docs/backup.md)
    ("aws:elasticache/replicationGroup:ReplicationGroup", "cache-group"): {
        "nodeType", "numCacheClusters", "automaticFailoverEnabled", "multiAzEnabled",
        "snapshotRetentionLimit", "finalSnapshotIdentifier"},
    (PARAMS, "database-params"): set(),
    ("aws:elasticache/parameterGroup:ParameterGroup", "cache-params"): set(),
    (LOG_GROUP, "database-log-postgresql"): {"retentionInDays"},
    (LOG_GROUP, "cache-log-slow-log"): {"retentionInDays"},
    ("aws:secretsmanager/secret:Secret", "cache-auth-secret"): set(),
    ("random:index/randomPassword:RandomPassword", "cache-auth-token"): set(),
    (ROLE, "database-monitoring-role"): set(),
}


@pytest.mark.parametrize("key", list(DOCUMENTED_DIFFERENCES), ids=lambda k: k[1])
def test_dev_differs_from_prod_only_in_the_documented_ways(prod, dev, key):
    a, b = normalised(prod, *key), normalised(dev, *key)
    differing = {k for k in set(a) | set(b) if a.get(k) != b.get(k)}
    assert differing == DOCUMENTED_DIFFERENCES[key]


def test_the_documented_differences_are_in_the_docs():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "data-tier.md").read_text()
    for keys in DOCUMENTED_DIFFERENCES.values():
        for k in keys:
            assert f"`{k}`" in doc, k


# --- config validation ---------------------------------------------------------------------


def _load(database: dict, profile: str = "dev"):
    return load_environment({"profile": profile, "tags": {"Owner": "t"}, "database": database},
                            stack=profile)


@pytest.mark.parametrize("database, words", [
    ({"instance_class": "db.x9.huge"},
     "groundwork:database.instance_class: unknown or unsupported instance class 'db.x9.huge'"),
    ({"instance_class": "m7g.large"}, "families: db.m6g"),
    ({"engine_version": "13"}, "groundwork:database.engine_version: PostgreSQL 13 can't be created"),
    ({"engine_version": "12.9"}, "use one of 14, 15, 16, 17"),
    ({"allocated_storage_gb": 10}, "groundwork:database.allocated_storage_gb"),
    ({"allocated_storage_gb": 100, "max_allocated_storage_gb": 105},
     "at least 10 % above allocated_storage_gb (>= 110 for 100; got 105)"),
    ({"max_allocated_storage_gb": 70000}, "groundwork:database.max_allocated_storage_gb"),
    ({"backup_retention_days": 0}, "groundwork:database.backup_retention_days"),
    ({"backup_retention_days": 36}, "groundwork:database.backup_retention_days"),
    ({"log_retention_days": 10}, "groundwork:database.log_retention_days: 10 is not a CloudWatch"),
    ({"performance_insights_retention_days": 100},
     "groundwork:database.performance_insights_retention_days: 100 is not a Performance Insights"),
    ({"database_insights_mode": "advanced"}, "needs performance_insights_retention_days >= 465"),
    ({"master_username": "postgres"}, "reserved admin name (FSBP RDS.25)"),
    ({"backup_window": "04:00-05:00"}, "backup_window 04:00-05:00 overlaps maintenance_window"),
    ({"backup_window": "03:00-03:15"}, "shorter than AWS's minimum of 30 minutes"),
    ({"monitoring_interval": 0}, "groundwork:database.monitoring_interval"),
])
def test_database_config_errors_name_the_key(database, words):
    with pytest.raises(ConfigError) as err:
        _load(database)
    assert words in str(err.value)


def test_prod_floor_refuses_dev_settings():
    with pytest.raises(ConfigError) as err:
        _load({"multi_az": False, "backup_retention_days": 3, "deletion_protection": False},
              profile="prod")
    text = str(err.value)
    assert "database.multi_az must be true in prod" in text
    assert "backup_retention_days must be >= 7 in prod" in text
    assert "deletion_protection must be true in prod" in text


def test_valid_settings_pass():
    env = _load({"performance_insights_retention_days": 465, "database_insights_mode": "advanced",
                 "engine_version": "16", "maintenance_window": "sat:23:30-sun:00:30"})
    assert env.database.parameter_group_family == "postgres16"


# --- PostgresDatabase(name, PostgresDatabaseArgs) as a library component ----------------------


@pytest.fixture(scope="module")
def pairs() -> PlanResult:
    return plan_pairs("two_of_each")


def test_two_databases_in_one_program_have_distinct_urns_and_aws_names(pairs):
    comps = {c.name: c for c in pairs.of_type(COMPONENT)}
    assert set(comps) == {"main", "analytics"}
    assert not [k for k, n in physical_names(pairs).items() if n > 1]
    sg = {g.id: g.name for g in pairs.of_type("aws:ec2/securityGroup:SecurityGroup")}
    for name, groups in (("main", "security-groups"), ("analytics", "jobs-groups")):
        kids = {c.type: c for c in pairs.children(comps[name]) if c.type != LOG_GROUP}
        inst = kids[INSTANCE].inputs
        assert inst["identifier"] == f"pairs-test-{name}"
        assert kids[ROLE].inputs["name"] == f"pairs-test-{name}-monitoring"
        assert kids[PARAMS].inputs["namePrefix"] == f"pairs-test-{name}-postgres17-"
        assert kids["aws:rds/subnetGroup:SubnetGroup"].inputs["name"] == f"pairs-test-{name}-subnets"
        logs = {g.inputs["name"] for g in pairs.children(comps[name]) if g.type == LOG_GROUP}
        assert logs == {f"/aws/rds/instance/pairs-test-{name}/{e}" for e in ("postgresql", "upgrade")}
        assert [sg[i] for i in inst["vpcSecurityGroupIds"]] == [f"{groups}-database"]
        assert kids[INSTANCE].protect is True  # PostgresDatabaseArgs.protect defaults to true
    assert pairs.stack_outputs["databases"] == ["pairs-test-main", "pairs-test-analytics"]


def test_missing_logs_key_is_refused_before_anything_registers():
    plan, error = refused("database_without_logs_key")
    assert "PostgresDatabaseArgs.logs_key_arn is required" in error
    assert not plan.of_type(COMPONENT) and not plan.of_type(INSTANCE)
