"""`groundwork drill restore` (src/groundwork/drill.py, docs/backup.md "Restore drills").

What runs on moto (5.2) and what is stubbed at the boto3 boundary:
- moto models the RDS side of a snapshot restore: DescribeDBSnapshots (moto also makes an
  `automated` snapshot when an instance is created), RestoreDBInstanceFromDBSnapshot (with
  ManageMasterUserPassword: a managed secret in moto's Secrets Manager), DescribeDBInstances,
  ModifyDBInstance, DeleteDBInstance (the managed secret is deleted with it), DB subnet groups,
  and the EC2 security group calls. Those run on moto as they are.
- moto does NOT model AWS Backup's recovery points or restore jobs: ListRecoveryPointsByBackupVault,
  GetRecoveryPointRestoreMetadata, StartRestoreJob and DescribeRestoreJob answer 404 "Not yet
  implemented". `FakeBackup` stands in for that client: its restore job restores the recovery
  point's snapshot in moto's RDS (as AWS Backup would create the instance), so the rest of
  the drill still runs on moto.
- moto's instances are `available` the moment they are created: the timeout case wraps the
  RDS client (`CreatingRds`) so the drill's instance reports `creating` forever.
- The database connection is a stub connector (no PostgreSQL driver is installed here).
The clock and sleep are fake: a 30 s poll costs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from groundwork import drill
from groundwork.drill import ConnectParams, DrillTarget, RestoreDrill

REGION = "us-east-1"
SOURCE = "groundwork-prod-db"
VAULT = "groundwork-prod-backup"
ROLE = "arn:aws:iam::123456789012:role/groundwork-prod-backup"


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps = 0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        self.sleeps += 1


@dataclass
class StubConnection:
    counts: dict[str, int]
    fail_select: bool = False
    queries: list[str] = field(default_factory=list)
    closed: bool = False

    def scalar(self, sql: str) -> Any:
        self.queries.append(sql)
        if sql == "SELECT 1":
            if self.fail_select:
                raise RuntimeError("server closed the connection unexpectedly")
            return 1
        for table, count in self.counts.items():
            if sql == f"SELECT count(*) FROM {drill.quote_table(table)}":
                return count
        raise RuntimeError(f'relation does not exist: {sql}')

    def close(self) -> None:
        self.closed = True


class StubConnector:
    def __init__(self, counts: dict[str, int] | None = None, *, refuse: bool = False,
                 fail_select: bool = False):
        self.counts = counts or {}
        self.refuse, self.fail_select = refuse, fail_select
        self.params: list[ConnectParams] = []
        self.connections: list[StubConnection] = []

    def __call__(self, params: ConnectParams) -> StubConnection:
        self.params.append(params)
        if self.refuse:
            raise ConnectionRefusedError("timeout expired")
        conn = StubConnection(self.counts, fail_select=self.fail_select)
        self.connections.append(conn)
        return conn


class FakeBackup:
    """The AWS Backup client for what moto doesn't model (see the module docstring)."""

    def __init__(self, rds: Any, points: list[dict[str, Any]], *, fail: bool = False):
        self.rds, self.points, self.fail = rds, points, fail
        self.started: list[dict[str, Any]] = []
        self.polls = 0

    def get_paginator(self, name: str) -> Any:
        assert name == "list_recovery_points_by_backup_vault"
        backup = self

        class Pages:
            def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
                assert kwargs["BackupVaultName"] == VAULT
                yield {"RecoveryPoints": [p for p in backup.points
                                          if p["ResourceArn"] == kwargs["ByResourceArn"]]}

        return Pages()

    def get_recovery_point_restore_metadata(self, **kwargs: Any) -> dict[str, Any]:
        return {"RestoreMetadata": {"DBInstanceIdentifier": SOURCE, "Engine": "postgres",
                                    "MultiAZ": "true", "DBSubnetGroupName": "the-source-group"}}

    def start_restore_job(self, **kwargs: Any) -> dict[str, str]:
        self.started.append(kwargs)
        return {"RestoreJobId": "job-1"}

    def describe_restore_job(self, RestoreJobId: str) -> dict[str, Any]:
        self.polls += 1
        if self.polls == 1:
            return {"Status": "RUNNING", "PercentDone": "40%"}
        if self.fail:
            return {"Status": "FAILED", "StatusMessage": "KMS key not accessible"}
        meta = self.started[-1]["Metadata"]
        snapshot = self.started[-1]["RecoveryPointArn"].rsplit(":snapshot:", 1)[1]
        db = self.rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=meta["DBInstanceIdentifier"], DBSnapshotIdentifier=snapshot,
            DBSubnetGroupName=meta["DBSubnetGroupName"],
            VpcSecurityGroupIds=json.loads(meta["VpcSecurityGroupIds"]))["DBInstance"]
        return {"Status": "COMPLETED", "CreatedResourceArn": db["DBInstanceArn"]}


class CreatingRds:
    """moto's RDS client, except that the drill's instance never leaves `creating`."""

    def __init__(self, rds: Any):
        self._rds = rds

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rds, name)

    def describe_db_instances(self, **kwargs: Any) -> dict[str, Any]:
        answer = self._rds.describe_db_instances(**kwargs)
        for db in answer["DBInstances"]:
            if "-drill-" in db["DBInstanceIdentifier"]:
                db["DBInstanceStatus"] = "creating"
        return answer


@dataclass
class World:
    """A moto account with prod's database as the stack builds it: a VPC, the data subnets,
    the database's subnet group, the instance (with its managed secret) and a snapshot."""

    clients: dict[str, Any]
    outputs: dict[str, Any]
    arn: str

    def factory(self, **overrides: Any) -> Any:
        found = {**self.clients, **overrides}
        return lambda name: found[name]

    def target(self, outputs: dict[str, Any] | None = None, **kwargs: Any) -> DrillTarget:
        settings = {"rto_minutes": 240, "tables": ("public.orders", "users"),
                    "timeout_minutes": 120, **kwargs}
        return DrillTarget.from_outputs("prod", REGION, outputs or self.outputs, **settings)

    def drill_instances(self) -> list[str]:
        return [d["DBInstanceIdentifier"] for d in
                self.clients["rds"].describe_db_instances()["DBInstances"]
                if "-drill-" in d["DBInstanceIdentifier"]]

    def drill_groups(self) -> list[str]:
        return [g["GroupName"] for g in
                self.clients["ec2"].describe_security_groups()["SecurityGroups"]
                if "-drill-" in g["GroupName"]]

    def drill_subnet_groups(self) -> list[str]:
        return [g["DBSubnetGroupName"] for g in
                self.clients["rds"].describe_db_subnet_groups()["DBSubnetGroups"]
                if "-drill-" in g["DBSubnetGroupName"]]


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        clients = {n: boto3.client(n, region_name=REGION) for n in ("rds", "ec2", "secretsmanager")}
        ec2, rds = clients["ec2"], clients["rds"]
        data_key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{20 + i}.0/24",
                                     AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
                   for i, az in enumerate("abc")]
        rds.create_db_subnet_group(DBSubnetGroupName="groundwork-prod-data",
                                   DBSubnetGroupDescription="data tier", SubnetIds=subnets)
        db = rds.create_db_instance(
            DBInstanceIdentifier=SOURCE, Engine="postgres", DBInstanceClass="db.m7g.large",
            AllocatedStorage=50, MasterUsername="groundwork", ManageMasterUserPassword=True,
            DBName="app", DBSubnetGroupName="groundwork-prod-data", StorageEncrypted=True,
            BackupRetentionPeriod=7)["DBInstance"]
        rds.create_db_snapshot(DBInstanceIdentifier=SOURCE, DBSnapshotIdentifier="manual-newest")
        outputs = {
            "vpc_id": vpc, "vpc_cidr": "10.20.0.0/16",
            "kms_key_arns": {"data": data_key},
            "database": {"identifier": SOURCE, "port": 5432, "name": "app",
                         "endpoint": db["Endpoint"]["Address"],
                         "secret_arn": db["MasterUserSecret"]["SecretArn"],
                         "arn": db["DBInstanceArn"], "subnet_group_name": "groundwork-prod-data",
                         "vpc_id": vpc, "subnet_ids": subnets},
        }
        yield World(clients, outputs, db["DBInstanceArn"])


def _run(world: World, target: DrillTarget | None = None, **kwargs: Any) -> drill.DrillRecord:
    clock = FakeClock()
    kwargs.setdefault("clients", world.factory())
    kwargs.setdefault("connector", StubConnector({"public.orders": 42, "users": 7}))
    progress: list[tuple[str, str]] = []
    record = RestoreDrill(target or world.target(), clock=clock, sleep=clock.sleep,
                          progress=lambda phase, elapsed, status: progress.append((phase, status)),
                          **kwargs).run()
    record.progress = progress  # type: ignore[attr-defined]
    return record


def _assert_cleaned(world: World, record: drill.DrillRecord) -> None:
    assert world.drill_instances() == []
    assert world.drill_groups() == []
    assert world.drill_subnet_groups() == []
    assert {(s.resource, s.status) for s in record.cleanup} == {
        ("db-instance", "deleted"), ("security-group", "deleted"), ("db-subnet-group", "deleted")}
    assert record.cleanup_ok


# --------------------------------------------------------------------------------------------
# the cases the issue names
# --------------------------------------------------------------------------------------------


def test_success_restores_the_newest_snapshot_isolated_checks_it_and_deletes_everything(world):
    """No vault: the newest available RDS snapshot (the manual one, newer than moto's automated
    one) is restored into an instance of its own, in a subnet group of its own over the data
    subnets and a security group whose ONLY rule is the port from the VPC's CIDR; the check
    reads the restored instance's own managed secret; everything is deleted afterwards."""
    rds, ec2 = world.clients["rds"], world.clients["ec2"]
    seen: dict[str, Any] = {}
    connector = StubConnector({"public.orders": 42, "users": 7})

    def spy(params: ConnectParams) -> Any:
        [ident] = world.drill_instances()
        [db] = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"]
        [group] = ec2.describe_security_groups(GroupIds=[db["VpcSecurityGroups"][0]
                                                         ["VpcSecurityGroupId"]])["SecurityGroups"]
        [subnets] = rds.describe_db_subnet_groups(
            DBSubnetGroupName=db["DBSubnetGroup"]["DBSubnetGroupName"])["DBSubnetGroups"]
        sm = world.clients["secretsmanager"]
        seen.update(db=db, group=group, subnets=subnets, secrets=[json.loads(sm.get_secret_value(
            SecretId=arn)["SecretString"]) for arn in (db["MasterUserSecret"]["SecretArn"],
                                                       world.outputs["database"]["secret_arn"])])
        return connector(params)

    # moto gives every managed secret the same password: make the source's differ
    world.clients["secretsmanager"].put_secret_value(
        SecretId=world.outputs["database"]["secret_arn"],
        SecretString=json.dumps({"username": "groundwork", "password": "the-source-password"}))
    target = world.target()
    seen_now = datetime(2026, 3, 1, 4, 5, tzinfo=UTC)
    clock = FakeClock()
    record = RestoreDrill(target, clients=world.factory(), connector=spy, clock=clock,
                          sleep=clock.sleep, now=lambda: seen_now).run()

    assert record.verdict == "pass", record.detail
    assert record.passed
    assert record.instance == "groundwork-prod-db-drill-202603010405"
    assert record.recovery_point is not None
    assert record.recovery_point.source == "rds-snapshot"
    assert record.recovery_point.snapshot_identifier == "manual-newest"
    assert record.method == "rds-restore-from-snapshot"
    db, group = seen["db"], seen["group"]
    assert db["MultiAZ"] is False and not db.get("PubliclyAccessible")  # moto omits a false one
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == record.subnet_group == record.instance
    assert sorted(s["SubnetIdentifier"] for s in seen["subnets"]["Subnets"]) == sorted(
        world.outputs["database"]["subnet_ids"])
    assert group["VpcId"] == world.outputs["vpc_id"]
    assert group["IpPermissionsEgress"] == []
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"], [r["CidrIp"] for r in p["IpRanges"]])
            for p in group["IpPermissions"]] == [("tcp", 5432, 5432, ["10.20.0.0/16"])]
    assert {t["Key"]: t["Value"] for t in group["Tags"]}[drill.DRILL_TAG] == record.drill_id
    # the restored instance's own secret, not the source's
    [params] = connector.params
    assert params.host == db["Endpoint"]["Address"] and params.dbname == "app"
    assert db["MasterUserSecret"]["SecretArn"] != world.outputs["database"]["secret_arn"]
    own, source = seen["secrets"]  # the check logged in with the restored instance's secret
    assert (params.user, params.password) == (own["username"], own["password"])
    assert source["password"] == "the-source-password" != params.password
    assert db["MasterUserSecret"]["KmsKeyId"] == world.outputs["kms_key_arns"]["data"]
    assert record.check is not None and record.check.tables == {"public.orders": 42, "users": 7}
    assert connector.connections[0].queries == [
        "SELECT 1", 'SELECT count(*) FROM "public"."orders"', 'SELECT count(*) FROM "users"']
    assert connector.connections[0].closed
    assert record.rto_met is True
    _assert_cleaned(world, record)


def test_a_failed_check_still_deletes_everything(world):
    """A table the restore lacks fails the check (verdict `fail`); cleanup still runs."""
    record = _run(world, connector=StubConnector({"public.orders": 42}))
    assert record.verdict == "fail"
    assert record.check is not None
    assert record.check.tables == {"public.orders": 42, "users": None}
    assert "count users" in record.detail and "relation does not exist" in record.detail
    assert not record.passed
    _assert_cleaned(world, record)


def test_a_refused_connection_is_a_failed_check_and_cleanup_still_happens(world):
    record = _run(world, connector=StubConnector(refuse=True))
    assert record.verdict == "fail"
    assert record.check is not None and record.check.connected is False
    assert "connect to groundwork-prod-db-drill-" in record.detail
    _assert_cleaned(world, record)


def test_a_timeout_cleans_up_and_says_timeout(world):
    """The instance never becomes available: after timeout_minutes the drill stops waiting,
    deletes the instance, the security group and the subnet group, verdict `timeout`."""
    clock = FakeClock()
    target = world.target(timeout_minutes=5)
    record = RestoreDrill(target, clients=world.factory(rds=CreatingRds(world.clients["rds"])),
                          connector=StubConnector(), clock=clock, sleep=clock.sleep).run()
    assert record.verdict == "timeout"
    assert "still creating after 5 minutes" in record.detail
    assert record.check is None and record.restore_seconds is None
    assert 4 * 60 <= clock.t <= 5 * 60  # it waited, and not past the timeout
    _assert_cleaned(world, record)
    assert record.to_json()["verdict"] == "timeout" and record.to_json()["passed"] is False


def test_no_recovery_point_creates_nothing(world):
    rds = world.clients["rds"]
    rds.delete_db_snapshot(DBSnapshotIdentifier="manual-newest")
    for snap in rds.describe_db_snapshots(DBInstanceIdentifier=SOURCE)["DBSnapshots"]:
        rds.delete_db_snapshot(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
    record = _run(world)
    assert record.verdict == "no-recovery-point"
    assert "no completed recovery point of groundwork-prod-db" in record.detail
    assert record.cleanup == [] and record.instance is None
    assert world.drill_groups() == [] and world.drill_subnet_groups() == []


# --------------------------------------------------------------------------------------------
# AWS Backup recovery points (stubbed: moto doesn't model them)
# --------------------------------------------------------------------------------------------


def _backup_outputs(world: World) -> dict[str, Any]:
    return {**world.outputs, "backup": {"vault_name": VAULT, "role_arn": ROLE, "rto_minutes": 240}}


def _points(world: World) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    base = f"arn:aws:rds:{REGION}:123456789012:snapshot:"
    return [
        {"RecoveryPointArn": f"{base}manual-newest", "ResourceArn": world.arn,
         "Status": "COMPLETED", "CreationDate": now - timedelta(hours=2)},
        {"RecoveryPointArn": f"arn:aws:backup:{REGION}:123456789012:recovery-point:continuous:db-x",
         "ResourceArn": world.arn, "Status": "COMPLETED", "CreationDate": now},
        {"RecoveryPointArn": f"{base}awsbackup:job-older", "ResourceArn": world.arn,
         "Status": "COMPLETED", "CreationDate": now - timedelta(days=1)},
        {"RecoveryPointArn": f"{base}awsbackup:job-running", "ResourceArn": world.arn,
         "Status": "CREATING", "CreationDate": now - timedelta(minutes=5)},
        {"RecoveryPointArn": f"{base}other", "ResourceArn": "arn:aws:rds:us-east-1:1:db:other",
         "Status": "COMPLETED", "CreationDate": now},
    ]


def test_the_latest_aws_backup_recovery_point_restores_through_a_restore_job(world):
    """With the `backup` output the newest COMPLETED snapshot recovery point of THIS instance
    (not the continuous one, not one still being created, not another instance's) restores
    through StartRestoreJob with the plan's role and the drill's isolation in the metadata."""
    backup = FakeBackup(world.clients["rds"], _points(world))
    record = _run(world, world.target(_backup_outputs(world)), clients=world.factory(backup=backup))
    assert record.verdict == "pass", record.detail
    assert record.recovery_point is not None
    assert record.recovery_point.source == "aws-backup"
    assert record.recovery_point.arn.endswith(":snapshot:manual-newest")
    assert record.method == "aws-backup-restore-job" and record.restore_job_id == "job-1"
    [started] = backup.started
    assert started["IamRoleArn"] == ROLE and started["ResourceType"] == "RDS"
    meta = started["Metadata"]
    assert meta["DBInstanceIdentifier"] == record.instance == record.drill_id
    assert meta["DBSubnetGroupName"] == record.subnet_group
    assert json.loads(meta["VpcSecurityGroupIds"]) == [record.security_group]
    assert (meta["MultiAZ"], meta["PubliclyAccessible"], meta["DeletionProtection"]) == (
        "false", "false", "false")
    assert meta["Engine"] == "postgres"  # the inferred metadata is kept where not overridden
    assert ("restore", "restore job RUNNING 40%") in record.progress
    _assert_cleaned(world, record)


def test_a_failed_restore_job_is_restore_failed_and_cleans_up_the_groups(world):
    backup = FakeBackup(world.clients["rds"], _points(world), fail=True)
    record = _run(world, world.target(_backup_outputs(world)), clients=world.factory(backup=backup))
    assert record.verdict == "restore-failed"
    assert "KMS key not accessible" in record.detail
    assert world.drill_groups() == [] and world.drill_subnet_groups() == []
    assert {(s.resource, s.status) for s in record.cleanup} >= {
        ("security-group", "deleted"), ("db-subnet-group", "deleted")}


def test_an_empty_vault_falls_back_to_the_rds_snapshots(world):
    backup = FakeBackup(world.clients["rds"], [])
    record = _run(world, world.target(_backup_outputs(world)), clients=world.factory(backup=backup))
    assert record.verdict == "pass"
    assert record.recovery_point is not None and record.recovery_point.source == "rds-snapshot"
    assert backup.started == []


# --------------------------------------------------------------------------------------------
# the record, the RTO, the inputs
# --------------------------------------------------------------------------------------------


def test_the_json_record_says_what_when_from_which_point_how_long_and_the_verdict(world, tmp_path):
    record = _run(world)
    path = tmp_path / "drill.json"
    drill.write_record(record, path)
    data = json.loads(path.read_text())
    assert data["drill"] == "restore" and data["stack"] == "prod" and data["store"] == "database"
    assert data["source"] == SOURCE and data["region"] == REGION
    assert data["recovery_point"]["snapshot_identifier"] == "manual-newest"
    assert data["recovery_point"]["created"].endswith("Z")
    assert data["restore"]["method"] == "rds-restore-from-snapshot"
    assert data["restore"]["instance"] == record.instance
    assert data["restore"]["instance_class"] == "db.m7g.large"  # the source's
    assert data["restore"]["ingress_from"] == "10.20.0.0/16"
    assert data["timings"]["restore_seconds"] == 0.0  # moto: available at once
    assert data["rto_minutes"] == 240 and data["rto_met"] is True
    assert data["check"] == {"connected": True, "select_1": True,
                             "tables": {"public.orders": 42, "users": 7}, "errors": [],
                             "passed": True}
    assert [c["resource"] for c in data["cleanup"]] == ["db-instance", "security-group",
                                                        "db-subnet-group"]
    assert data["cleanup_ok"] is True and data["verdict"] == "pass" and data["passed"] is True
    assert data["started_at"] <= data["finished_at"]


def test_a_restore_slower_than_the_rto_is_over_rto(world):
    """Restore time measured on the drill's clock: 2 polls of a minute against a 1-minute RTO."""
    class SlowRds(CreatingRds):
        calls = 0

        def describe_db_instances(self, **kwargs: Any) -> dict[str, Any]:
            answer = self._rds.describe_db_instances(**kwargs)
            SlowRds.calls += 1
            if SlowRds.calls <= 3:
                for db in answer["DBInstances"]:
                    db["DBInstanceStatus"] = "creating"
            return answer

    clock = FakeClock()
    slow = world.factory(rds=SlowRds(world.clients["rds"]))
    record = RestoreDrill(world.target(rto_minutes=1), clients=slow,
                          connector=StubConnector({"public.orders": 1, "users": 1}), clock=clock,
                          sleep=clock.sleep, poll_seconds=60).run()
    assert record.verdict == "over-rto", record.detail
    assert record.restore_minutes is not None and record.restore_minutes > 1
    assert record.rto_met is False
    _assert_cleaned(world, record)


def test_target_refuses_outputs_without_the_database_or_the_vpc():
    with pytest.raises(drill.DrillError, match="output database missing"):
        DrillTarget.from_outputs("dev", REGION, {})
    with pytest.raises(drill.DrillError, match=r"database.vpc_id \(or vpc_id\) missing"):
        DrillTarget.from_outputs("dev", REGION, {"database": {"identifier": "x", "port": 5432,
                                                              "subnet_ids": ["s"]}})
    target = DrillTarget.from_outputs("dev", REGION, {
        "vpc_id": "vpc-1", "database": {"identifier": "x", "port": 5432, "subnet_ids": ["s"]}})
    with pytest.raises(drill.DrillError, match="--from-cidr"):
        _ = target.ingress_cidr


def test_drill_identifiers_keep_rds_rules():
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    ident = drill.drill_identifier("a" * 60, when)
    assert len(ident) <= 63 and ident.endswith("-drill-202601020304")
    assert drill.drill_identifier("abc-" + "b" * 50, when).count("--") == 0


def test_quote_table_refuses_anything_but_names():
    assert drill.quote_table("audit.events") == '"audit"."events"'
    with pytest.raises(ValueError, match="not a table name"):
        drill.quote_table('users"; DROP TABLE users; --')


def test_drill_config_refuses_bad_tables_and_an_open_cidr():
    from pydantic import ValidationError

    from groundwork.stacks.config.backup import DrillConfig

    with pytest.raises(ValidationError, match=r"a table is `name` or `schema\.name`"):
        DrillConfig(tables=["orders; drop"])
    with pytest.raises(ValidationError, match="opens the restored database to the internet"):
        DrillConfig(from_cidr="0.0.0.0/0")
    assert DrillConfig(tables=["public.orders"], from_cidr="10.0.1.5/32").from_cidr == "10.0.1.5/32"


# --------------------------------------------------------------------------------------------
# the command (one in-process CLI run: the rest calls the functions)
# --------------------------------------------------------------------------------------------


def test_cli_drills_prod_from_an_outputs_file_and_writes_the_record(world, tmp_path, monkeypatch):
    """`groundwork drill restore prod --outputs FILE --json FILE` on moto, with the check's
    driver stubbed: exit 0, the restore time against prod's 240-minute RTO, the record."""
    from conftest import run_cli

    connector = StubConnector()
    monkeypatch.setattr(drill, "driver_name", lambda: "stub")
    monkeypatch.setattr(drill, "default_connector", connector)
    outputs, record = tmp_path / "outputs.json", tmp_path / "drill.json"
    outputs.write_text(json.dumps(world.outputs))
    result = run_cli("drill", "restore", "prod", "--outputs", str(outputs), "--json", str(record),
                     "--from-cidr", "10.20.1.0/24")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RTO 240 min" in result.stdout
    assert "Restore time: 0.0 min, within the RTO of 240 min" in result.stdout
    assert "PASSED" in result.stdout
    data = json.loads(record.read_text())
    assert data["verdict"] == "pass" and data["restore"]["ingress_from"] == "10.20.1.0/24"
    assert [p.host for p in connector.params] == [f"{data['restore']['instance']}.aaaaaaaaaa."
                                                  f"{REGION}.rds.amazonaws.com"]
    assert world.drill_instances() == []
