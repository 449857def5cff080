"""`groundwork drill restore <stack>`: prove a backup restores, and time it against the RTO.

The drill (docs/backup.md, "Restore drills"; the runbook it times is docs/operations.md):

1. **Find the latest recovery point** of the store. With a `backup` output (AWS Backup on),
   the newest COMPLETED snapshot recovery point of the database in the plan's vault
   (`ListRecoveryPointsByBackupVault` filtered by the instance's ARN); without one, or when
   the vault holds none, the newest available RDS snapshot of the instance (automated, manual
   or AWS Backup's own) from `DescribeDBSnapshots`. Continuous (PITR) recovery points are not
   drilled here: a point-in-time restore is `RestoreDBInstanceToPointInTime`, in the runbook.
2. **Isolate the restore.** A throwaway DB subnet group over the data tier's subnets (the
   `database.subnet_ids` output; the database's own group when the output is missing) and a
   throwaway security group in the VPC with its default egress revoked and ONE ingress rule:
   the database port from `--from-cidr` (default the VPC's CIDR). The check connects from
   where the drill runs, so the drill runs inside the VPC: a CI runner or a one-off task in
   the compute subnets, or a host reaching the data subnets over a VPN; a laptop outside the
   VPC restores and times the instance but its check fails to connect.
3. **Restore** into a throwaway instance `<identifier>-drill-<UTC stamp>`: an AWS Backup
   recovery point through `StartRestoreJob` (the plan's service role, metadata from
   `GetRecoveryPointRestoreMetadata` with the identifier, subnet group, security group,
   Single-AZ, private and no deletion protection overridden), an RDS snapshot through
   `RestoreDBInstanceFromDBSnapshot`. Either way the restored instance gets an RDS-managed
   master secret of its own (`ManageMasterUserPassword`; on the AWS Backup path through
   `ModifyDBInstance` once it is available), so the check does not depend on which password
   the snapshot holds, and RDS deletes that secret with the instance.
4. **Wait** until the instance is `available`, polling (a progress callback reports each
   status), up to `backup.drill.timeout_minutes`.
5. **Check**: connect (TLS) with the secret's username and password, `SELECT 1`, then
   `SELECT count(*)` of each of `backup.drill.tables`.
6. **Always clean up**, whatever happened before (a failed check, a timeout, an error):
   delete the instance (`SkipFinalSnapshot`, `DeleteAutomatedBackups`), wait until it is gone,
   then the security group and the subnet group the drill made. Each step is recorded.
7. **Report**: a JSON record (`DrillRecord.to_json`): what was restored from which recovery
   point, when, each phase's seconds, the restore time against `rto_minutes`, the check's
   results, every cleanup step, and the verdict: `pass`, `fail` (the check failed),
   `over-rto` (it worked, slower than the RTO), `timeout`, `restore-failed` or
   `no-recovery-point`.

Everything AWS goes through a client factory (`clients(name)`, boto3 by default) and the
database through a `Connector`, so the tests run it on moto with a stub connector. The clock
and sleep are injectable too.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError

ClientFactory = Callable[[str], Any]
Verdict = Literal["pass", "fail", "over-rto", "timeout", "restore-failed", "no-recovery-point"]
STORES = ("database",)
"""The stores `groundwork drill restore` can drill (`--store`)."""
DRILL_TAG = "groundwork:drill"
"""Tag on everything the drill creates (value: the drill's id), to find a leftover."""
FAILED_VERDICTS: frozenset[str] = frozenset(
    {"fail", "over-rto", "timeout", "restore-failed", "no-recovery-point"})
_POLL_SECONDS = 30.0
_CLEANUP_MINUTES = 45
"""How long cleanup waits for the instance to be deleted before it leaves the security group
and subnet group (they can't be deleted while the instance uses them) and says so."""


class DrillError(Exception):
    """The drill can't start: outputs missing, a store it doesn't drill, no database driver."""


class DrillTimeout(Exception):
    """The restored instance wasn't available within the timeout."""


class RestoreFailed(Exception):
    """AWS reported the restore failed."""


# --------------------------------------------------------------------------------------------
# what the drill reads: the stack outputs and the config
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillTarget:
    """The store to drill, from the stack outputs (`database`, `backup`, `vpc_cidr`) and the
    config (`backup.rto_minutes`, `backup.drill`)."""

    stack: str
    region: str
    identifier: str
    port: int
    vpc_id: str
    vpc_cidr: str | None
    database_name: str | None = None
    arn: str | None = None
    subnet_ids: tuple[str, ...] = ()
    subnet_group_name: str | None = None
    vault_name: str | None = None
    role_arn: str | None = None
    kms_key_arn: str | None = None
    rto_minutes: int = 240
    tables: tuple[str, ...] = ()
    timeout_minutes: int = 120
    instance_class: str | None = None
    from_cidr: str | None = None

    @classmethod
    def from_outputs(cls, stack: str, region: str, outputs: dict[str, Any], *,
                     rto_minutes: int = 240, tables: Sequence[str] = (),
                     timeout_minutes: int = 120, instance_class: str | None = None,
                     from_cidr: str | None = None) -> DrillTarget:
        """DrillError naming the first output the drill needs and doesn't find."""
        db = outputs.get("database")
        if not isinstance(db, dict):
            raise DrillError("output database missing: the stack has no database to drill "
                             "(database.enabled false, or outputs from another stack)")
        for key in ("identifier", "port"):
            if not db.get(key):
                raise DrillError(f"output database.{key} missing")
        vpc_id = db.get("vpc_id") or outputs.get("vpc_id")
        if not vpc_id:
            raise DrillError("output database.vpc_id (or vpc_id) missing: the throwaway "
                             "security group needs the VPC")
        subnets = tuple(str(s) for s in db.get("subnet_ids") or ())
        group = db.get("subnet_group_name") or outputs.get("db_subnet_group_name")
        if not subnets and not group:
            raise DrillError("outputs database.subnet_ids and database.subnet_group_name "
                             "missing: nowhere to put the restored instance")
        backup: dict[str, Any] = outputs.get("backup") or {}
        keys: dict[str, Any] = outputs.get("kms_key_arns") or {}
        return cls(
            stack=stack, region=region, identifier=str(db["identifier"]), port=int(db["port"]),
            vpc_id=str(vpc_id), vpc_cidr=outputs.get("vpc_cidr"),
            database_name=db.get("name"), arn=db.get("arn"), subnet_ids=subnets,
            subnet_group_name=group, vault_name=backup.get("vault_name"),
            role_arn=backup.get("role_arn"), kms_key_arn=keys.get("data"),
            rto_minutes=int(backup.get("rto_minutes") or rto_minutes),
            tables=tuple(tables) or tuple(backup.get("drill_tables") or ()),
            timeout_minutes=timeout_minutes, instance_class=instance_class, from_cidr=from_cidr)

    @property
    def ingress_cidr(self) -> str:
        cidr = self.from_cidr or self.vpc_cidr
        if not cidr:
            raise DrillError("no --from-cidr and no vpc_cidr output: the throwaway security "
                             "group needs the one CIDR the check connects from")
        return str(cidr)


# --------------------------------------------------------------------------------------------
# the database connection (injectable: the tests stub it)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectParams:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    dbname: str
    timeout_seconds: int = 15


class Connection(Protocol):
    def scalar(self, sql: str) -> Any:
        """The first column of the first row of `sql`."""

    def close(self) -> None: ...


Connector = Callable[[ConnectParams], Connection]


class _DbApiConnection:
    """A DB-API connection (psycopg, pg8000) as a `Connection`."""

    def __init__(self, conn: Any):
        self._conn = conn

    def scalar(self, sql: str) -> Any:
        cur = self._conn.cursor()
        try:
            cur.execute(sql)
            row = cur.fetchone()
            return None if row is None else row[0]
        finally:
            cur.close()

    def close(self) -> None:
        self._conn.close()


def driver_name() -> str | None:
    """The PostgreSQL driver the default connector uses (psycopg, else pg8000), None when
    neither is installed."""
    import importlib.util

    for name in ("psycopg", "pg8000"):
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def default_connector(params: ConnectParams) -> Connection:
    """Connect over TLS with psycopg (`sslmode=require`) or pg8000 (TLS without verifying the
    RDS certificate: the drill reads no secret over it that it didn't just create)."""
    name = driver_name()
    if name == "psycopg":
        import psycopg  # type: ignore[import-not-found]

        return _DbApiConnection(psycopg.connect(
            host=params.host, port=params.port, user=params.user, password=params.password,
            dbname=params.dbname, sslmode="require", connect_timeout=params.timeout_seconds,
            autocommit=True))
    if name == "pg8000":
        import ssl

        import pg8000.dbapi  # type: ignore[import-not-found]

        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        return _DbApiConnection(pg8000.dbapi.connect(
            user=params.user, password=params.password, host=params.host, port=params.port,
            database=params.dbname, ssl_context=context, timeout=params.timeout_seconds))
    raise DrillError("no PostgreSQL driver: pip install 'psycopg[binary]' (or pg8000)")


def quote_table(name: str) -> str:
    """`schema.table` as `"schema"."table"` (names are checked by DrillConfig.tables)."""
    from groundwork.stacks.config.backup import TABLE_NAME

    if not TABLE_NAME.match(name):
        raise ValueError(f"{name!r} is not a table name (`name` or `schema.name`)")
    return ".".join(f'"{part}"' for part in name.split("."))


# --------------------------------------------------------------------------------------------
# the record
# --------------------------------------------------------------------------------------------


@dataclass
class RecoveryPoint:
    arn: str
    source: Literal["aws-backup", "rds-snapshot"]
    created: datetime
    vault_name: str | None = None
    snapshot_identifier: str | None = None
    """The RDS snapshot identifier (`rds-snapshot`)."""
    encryption_key_arn: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["created"] = _iso(self.created)
        return {k: v for k, v in out.items() if v is not None}


@dataclass
class CheckOutcome:
    connected: bool = False
    select_1: bool = False
    tables: dict[str, int | None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (self.connected and self.select_1 and not self.errors
                and all(v is not None for v in self.tables.values()))


@dataclass
class CleanupStep:
    resource: str
    id: str
    status: Literal["deleted", "gone", "failed", "left"]
    detail: str = ""


@dataclass
class DrillRecord:
    stack: str
    store: str
    region: str
    drill_id: str
    started_at: datetime
    rto_minutes: int
    source_identifier: str
    recovery_point: RecoveryPoint | None = None
    method: str | None = None
    """`aws-backup-restore-job` or `rds-restore-from-snapshot`."""
    restore_job_id: str | None = None
    instance: str | None = None
    subnet_group: str | None = None
    security_group: str | None = None
    from_cidr: str | None = None
    instance_class: str | None = None
    restore_seconds: float | None = None
    check_seconds: float | None = None
    cleanup_seconds: float | None = None
    check: CheckOutcome | None = None
    cleanup: list[CleanupStep] = field(default_factory=list)
    verdict: Verdict = "restore-failed"
    detail: str = ""
    finished_at: datetime | None = None

    @property
    def restore_minutes(self) -> float | None:
        return None if self.restore_seconds is None else round(self.restore_seconds / 60, 1)

    @property
    def rto_met(self) -> bool | None:
        minutes = self.restore_minutes
        return None if minutes is None else minutes <= self.rto_minutes

    @property
    def cleanup_ok(self) -> bool:
        return all(step.status in ("deleted", "gone") for step in self.cleanup)

    @property
    def passed(self) -> bool:
        return self.verdict == "pass" and self.cleanup_ok

    def to_json(self) -> dict[str, Any]:
        """The drill's JSON record (docs/backup.md lists its keys)."""
        return {
            "drill": "restore", "stack": self.stack, "store": self.store, "region": self.region,
            "drill_id": self.drill_id, "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at) if self.finished_at else None,
            "source": self.source_identifier,
            "recovery_point": self.recovery_point.to_json() if self.recovery_point else None,
            "restore": {"method": self.method, "restore_job_id": self.restore_job_id,
                        "instance": self.instance, "instance_class": self.instance_class,
                        "subnet_group": self.subnet_group, "security_group": self.security_group,
                        "ingress_from": self.from_cidr},
            "timings": {"restore_seconds": _round(self.restore_seconds),
                        "check_seconds": _round(self.check_seconds),
                        "cleanup_seconds": _round(self.cleanup_seconds),
                        "restore_minutes": self.restore_minutes},
            "rto_minutes": self.rto_minutes, "rto_met": self.rto_met,
            "check": None if self.check is None else {**asdict(self.check),
                                                      "passed": self.check.passed},
            "cleanup": [asdict(step) for step in self.cleanup], "cleanup_ok": self.cleanup_ok,
            "verdict": self.verdict, "detail": self.detail, "passed": self.passed,
        }


def write_record(record: DrillRecord, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record.to_json(), indent=2) + "\n")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def aws_error(exc: Exception) -> str:
    """`Code: Message` of an AWS error, else the exception's type and text (for records and
    progress lines; `groundwork rollback` words its errors the same way)."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'Error')}: {err.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# --------------------------------------------------------------------------------------------
# finding the recovery point
# --------------------------------------------------------------------------------------------


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _instance_arn(rds: Any, target: DrillTarget) -> str | None:
    if target.arn:
        return target.arn
    try:
        [db] = rds.describe_db_instances(DBInstanceIdentifier=target.identifier)["DBInstances"]
    except ClientError:
        return None
    return db.get("DBInstanceArn")


def latest_recovery_point(clients: ClientFactory, target: DrillTarget) -> RecoveryPoint | None:
    """The newest COMPLETED snapshot recovery point of the instance in the plan's vault, else
    the newest available RDS snapshot of it; None when there is neither."""
    rds = clients("rds")
    arn = _instance_arn(rds, target)
    if target.vault_name and arn:
        points: list[RecoveryPoint] = []
        pages = clients("backup").get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName=target.vault_name, ByResourceArn=arn)
        for page in pages:
            for rp in page.get("RecoveryPoints", []):
                if rp.get("Status") not in ("COMPLETED", "AVAILABLE"):
                    continue
                if ":recovery-point:continuous:" in str(rp.get("RecoveryPointArn")):
                    continue  # PITR: RestoreDBInstanceToPointInTime, see the runbook
                points.append(RecoveryPoint(
                    arn=rp["RecoveryPointArn"], source="aws-backup",
                    created=_when(rp.get("CompletionDate") or rp["CreationDate"]),
                    vault_name=target.vault_name,
                    encryption_key_arn=rp.get("EncryptionKeyArn")))
        if points:
            return max(points, key=lambda p: p.created)
    snapshots: list[RecoveryPoint] = []
    pages = rds.get_paginator("describe_db_snapshots").paginate(
        DBInstanceIdentifier=target.identifier)
    for page in pages:
        for snap in page.get("DBSnapshots", []):
            if snap.get("Status") != "available" or not snap.get("SnapshotCreateTime"):
                continue
            snapshots.append(RecoveryPoint(
                arn=snap.get("DBSnapshotArn") or snap["DBSnapshotIdentifier"],
                source="rds-snapshot", created=_when(snap["SnapshotCreateTime"]),
                snapshot_identifier=snap["DBSnapshotIdentifier"],
                encryption_key_arn=snap.get("KmsKeyId")))
    return max(snapshots, key=lambda p: p.created) if snapshots else None


# --------------------------------------------------------------------------------------------
# the drill
# --------------------------------------------------------------------------------------------


Progress = Callable[[str, float, str], None]
"""`progress(phase, elapsed_seconds, status)`: `restore`, `wait`, `check`, `cleanup`."""


def drill_identifier(source: str, when: datetime) -> str:
    """`<source>-drill-<UTC yyyymmddhhmm>` within RDS's identifier rules (<= 63 characters,
    a letter first, letters, digits and single hyphens, no trailing hyphen)."""
    suffix = f"-drill-{when.astimezone(UTC):%Y%m%d%H%M}"
    head = re.sub(r"-+", "-", source[:63 - len(suffix)]).rstrip("-")
    return head + suffix


class RestoreDrill:
    """One drill run. `run()` always returns a DrillRecord (never raises for AWS errors, a
    failed check or a timeout); everything it created is deleted before it returns."""

    def __init__(self, target: DrillTarget, *, clients: ClientFactory,
                 connector: Connector = default_connector, progress: Progress | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 poll_seconds: float = _POLL_SECONDS, cleanup_minutes: int = _CLEANUP_MINUTES):
        self.target = target
        self._clients = clients
        self._cache: dict[str, Any] = {}
        self.connector = connector
        self.progress = progress or (lambda phase, elapsed, status: None)
        self.clock, self.sleep, self.now = clock, sleep, now
        self.poll_seconds, self.cleanup_minutes = poll_seconds, cleanup_minutes
        started = now()
        self.record = DrillRecord(
            stack=target.stack, store="database", region=target.region,
            drill_id=drill_identifier(target.identifier, started), started_at=started,
            rto_minutes=target.rto_minutes, source_identifier=target.identifier)
        self._made_subnet_group = False
        self._job_done = False

    def client(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._clients(name)
        return self._cache[name]

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> DrillRecord:
        rec = self.record
        try:
            point = latest_recovery_point(self.client, self.target)
        except (ClientError, BotoCoreError) as exc:
            return self._finish("restore-failed", f"listing recovery points: {aws_error(exc)}")
        if point is None:
            where = f"vault {self.target.vault_name} nor " if self.target.vault_name else ""
            return self._finish("no-recovery-point",
                                f"no completed recovery point of {self.target.identifier} in "
                                f"{where}its RDS snapshots: backups are not running")
        rec.recovery_point = point
        try:
            self._isolate()
            self._restore(point)
            self._check()
            verdict: Verdict = "pass"
            detail = f"restored in {rec.restore_minutes} min (RTO {rec.rto_minutes} min)"
            if rec.check is not None and not rec.check.passed:
                verdict, detail = "fail", "check failed: " + "; ".join(
                    rec.check.errors or ["a table has no count"])
            elif rec.rto_met is False:
                verdict = "over-rto"
                detail = (f"restored and checked, but in {rec.restore_minutes} min: over the "
                          f"{rec.rto_minutes}-minute RTO")
        except DrillTimeout as exc:
            verdict, detail = "timeout", str(exc)
        except RestoreFailed as exc:
            verdict, detail = "restore-failed", str(exc)
        except (ClientError, BotoCoreError, DrillError) as exc:
            verdict, detail = "restore-failed", aws_error(exc)
        except Exception as exc:  # a bug must not leave an instance running: clean up, report
            verdict, detail = "restore-failed", f"unexpected {aws_error(exc)}"
        finally:
            self._cleanup()
        return self._finish(verdict, detail)

    def _finish(self, verdict: Verdict, detail: str) -> DrillRecord:
        self.record.verdict, self.record.detail = verdict, detail
        self.record.finished_at = self.now()
        return self.record

    # -- isolation: a subnet group and a security group of its own -----------------------------

    def _tags(self) -> list[dict[str, str]]:
        return [{"Key": DRILL_TAG, "Value": self.record.drill_id},
                {"Key": "Name", "Value": self.record.drill_id}]

    def _isolate(self) -> None:
        rec, target = self.record, self.target
        rds, ec2 = self.client("rds"), self.client("ec2")
        if target.subnet_ids:
            rds.create_db_subnet_group(
                DBSubnetGroupName=rec.drill_id, SubnetIds=list(target.subnet_ids),
                DBSubnetGroupDescription=f"groundwork restore drill of {target.identifier} "
                                         "(isolated data subnets; deleted by the drill)",
                Tags=self._tags())
            rec.subnet_group, self._made_subnet_group = rec.drill_id, True
        else:
            rec.subnet_group = target.subnet_group_name
        rec.from_cidr = target.ingress_cidr
        group = ec2.create_security_group(
            GroupName=rec.drill_id, VpcId=target.vpc_id,
            Description=f"groundwork restore drill of {target.identifier}: the check's port only",
            TagSpecifications=[{"ResourceType": "security-group", "Tags": self._tags()}])
        rec.security_group = group["GroupId"]
        ec2.revoke_security_group_egress(GroupId=rec.security_group, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        ec2.authorize_security_group_ingress(GroupId=rec.security_group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": target.port, "ToPort": target.port,
            "IpRanges": [{"CidrIp": rec.from_cidr,
                          "Description": "groundwork restore drill check"}]}])

    # -- the restore ---------------------------------------------------------------------------

    def _restore(self, point: RecoveryPoint) -> None:
        rec, target = self.record, self.target
        rds = self.client("rds")
        rec.instance_class = target.instance_class or self._source_class()
        start = self.clock()
        deadline = start + target.timeout_minutes * 60
        if point.source == "aws-backup":
            if not target.role_arn:
                raise DrillError("output backup.role_arn missing: AWS Backup restores with the "
                                 "plan's service role")
            rec.method = "aws-backup-restore-job"
            self._restore_job(point, start, deadline)
        else:
            rec.method = "rds-restore-from-snapshot"
            rec.instance = rec.drill_id
            extra: dict[str, Any] = {"DBInstanceClass": rec.instance_class} if rec.instance_class else {}
            if target.kms_key_arn:
                extra["MasterUserSecretKmsKeyId"] = target.kms_key_arn
            self.progress("restore", 0.0, f"RestoreDBInstanceFromDBSnapshot {point.snapshot_identifier}")
            rds.restore_db_instance_from_db_snapshot(
                DBInstanceIdentifier=rec.instance, DBSnapshotIdentifier=point.snapshot_identifier,
                DBSubnetGroupName=rec.subnet_group, VpcSecurityGroupIds=[rec.security_group],
                MultiAZ=False, PubliclyAccessible=False, DeletionProtection=False,
                ManageMasterUserPassword=True, Tags=self._tags(), **extra)
        self._wait_available(start, deadline)
        self._ensure_secret(start, deadline)
        rec.restore_seconds = self.clock() - start

    def _source_class(self) -> str | None:
        try:
            [db] = self.client("rds").describe_db_instances(
                DBInstanceIdentifier=self.target.identifier)["DBInstances"]
        except (ClientError, ValueError):
            return None
        return db.get("DBInstanceClass")

    def _restore_job(self, point: RecoveryPoint, start: float, deadline: float) -> None:
        rec, backup = self.record, self.client("backup")
        assert point.vault_name is not None
        inferred = backup.get_recovery_point_restore_metadata(
            BackupVaultName=point.vault_name, RecoveryPointArn=point.arn).get("RestoreMetadata", {})
        rec.instance = rec.drill_id
        metadata = {**inferred, **restore_metadata(rec.drill_id, str(rec.subnet_group),
                                                   str(rec.security_group), rec.instance_class)}
        self.progress("restore", 0.0, f"StartRestoreJob {point.arn}")
        job = backup.start_restore_job(RecoveryPointArn=point.arn, Metadata=metadata,
                                       IamRoleArn=self.target.role_arn, ResourceType="RDS")
        rec.restore_job_id = job["RestoreJobId"]
        while True:
            state = backup.describe_restore_job(RestoreJobId=rec.restore_job_id)
            status = str(state.get("Status"))
            self.progress("restore", self.clock() - start,
                          f"restore job {status} {state.get('PercentDone') or ''}".rstrip())
            if status == "COMPLETED":
                created = str(state.get("CreatedResourceArn") or "")
                if ":db:" in created:
                    rec.instance = created.rsplit(":db:", 1)[1]
                self._job_done = True
                break
            if status in ("FAILED", "ABORTED"):
                raise RestoreFailed(f"restore job {rec.restore_job_id} {status}: "
                                    f"{state.get('StatusMessage') or 'no message'}")
            self._pause(deadline, f"restore job {rec.restore_job_id} still {status}")
        self.client("rds").add_tags_to_resource(ResourceName=self._instance_arn(), Tags=self._tags())

    def _instance_arn(self) -> str:
        [db] = self.client("rds").describe_db_instances(
            DBInstanceIdentifier=self.record.instance)["DBInstances"]
        return str(db["DBInstanceArn"])

    def _pause(self, deadline: float, what: str) -> None:
        if self.clock() + self.poll_seconds > deadline:
            raise DrillTimeout(f"{what} after {self.target.timeout_minutes} minutes "
                               "(backup.drill.timeout_minutes)")
        self.sleep(self.poll_seconds)

    def _describe(self) -> dict[str, Any]:
        [db] = self.client("rds").describe_db_instances(
            DBInstanceIdentifier=self.record.instance)["DBInstances"]
        return dict(db)

    def _wait_available(self, start: float, deadline: float) -> dict[str, Any]:
        while True:
            db = self._describe()
            status = str(db.get("DBInstanceStatus"))
            self.progress("wait", self.clock() - start, status)
            if status == "available":
                return db
            if status in ("failed", "incompatible-restore", "incompatible-parameters",
                          "incompatible-network", "storage-full", "inaccessible-encryption-credentials"):
                raise RestoreFailed(f"instance {self.record.instance} is {status}")
            self._pause(deadline, f"instance {self.record.instance} still {status}")

    def _ensure_secret(self, start: float, deadline: float) -> None:
        """The restored instance's own RDS-managed master secret (the AWS Backup path restores
        without one: ModifyDBInstance creates it, resetting the password)."""
        db = self._describe()
        if (db.get("MasterUserSecret") or {}).get("SecretArn"):
            return
        extra = {"MasterUserSecretKmsKeyId": self.target.kms_key_arn} if self.target.kms_key_arn else {}
        self.client("rds").modify_db_instance(
            DBInstanceIdentifier=self.record.instance, ManageMasterUserPassword=True,
            ApplyImmediately=True, **extra)
        self._wait_available(start, deadline)

    # -- the check -----------------------------------------------------------------------------

    def _check(self) -> None:
        rec = self.record
        outcome = rec.check = CheckOutcome()
        start = self.clock()
        self.progress("check", 0.0, "connect, SELECT 1, row counts")
        try:
            db = self._describe()
            secret_arn = (db.get("MasterUserSecret") or {}).get("SecretArn")
            secret = json.loads(self.client("secretsmanager").get_secret_value(
                SecretId=secret_arn)["SecretString"])
            params = ConnectParams(
                host=str((db.get("Endpoint") or {}).get("Address")),
                port=int((db.get("Endpoint") or {}).get("Port") or self.target.port),
                user=str(secret.get("username") or db.get("MasterUsername")),
                password=str(secret["password"]),
                dbname=str(db.get("DBName") or self.target.database_name or "postgres"))
        except (ClientError, BotoCoreError, KeyError, ValueError, TypeError) as exc:
            outcome.errors.append(f"credentials: {aws_error(exc)}")
            rec.check_seconds = self.clock() - start
            return
        try:
            conn = self.connector(params)
        except Exception as exc:
            outcome.errors.append(f"connect to {params.host}:{params.port}: {aws_error(exc)}")
            rec.check_seconds = self.clock() - start
            return
        outcome.connected = True
        try:
            try:
                outcome.select_1 = conn.scalar("SELECT 1") == 1
                if not outcome.select_1:
                    outcome.errors.append("SELECT 1 did not return 1")
            except Exception as exc:
                outcome.errors.append(f"SELECT 1: {aws_error(exc)}")
            for table in self.target.tables:
                try:
                    outcome.tables[table] = int(conn.scalar(f"SELECT count(*) FROM {quote_table(table)}"))
                except Exception as exc:
                    outcome.tables[table] = None
                    outcome.errors.append(f"count {table}: {aws_error(exc)}")
        finally:
            with contextlib.suppress(Exception):  # closing a throwaway connection
                conn.close()
            rec.check_seconds = self.clock() - start

    # -- cleanup: always -----------------------------------------------------------------------

    def _cleanup(self) -> None:
        rec = self.record
        start = self.clock()
        self.progress("cleanup", 0.0, "deleting what the drill created")
        gone = True
        if rec.instance is not None:
            gone = self._delete_instance()
        if rec.security_group is not None:
            self._delete(gone, "security-group", rec.security_group,
                         lambda: self.client("ec2").delete_security_group(GroupId=rec.security_group),
                         ("InvalidGroup.NotFound",))
        if self._made_subnet_group and rec.subnet_group is not None:
            self._delete(gone, "db-subnet-group", rec.subnet_group,
                         lambda: self.client("rds").delete_db_subnet_group(
                             DBSubnetGroupName=rec.subnet_group),
                         ("DBSubnetGroupNotFoundFault",))
        rec.cleanup_seconds = self.clock() - start

    def _delete(self, instance_gone: bool, kind: str, ident: str, call: Callable[[], Any],
                missing: tuple[str, ...]) -> None:
        steps = self.record.cleanup
        if not instance_gone:
            steps.append(CleanupStep(kind, ident, "left", f"the instance {self.record.instance} "
                                     f"still uses it: delete it once the instance is gone"))
            return
        try:
            call()
            steps.append(CleanupStep(kind, ident, "deleted"))
        except ClientError as exc:
            if _code(exc) in missing:
                steps.append(CleanupStep(kind, ident, "gone", "already deleted"))
            else:
                steps.append(CleanupStep(kind, ident, "failed", aws_error(exc)))
        except BotoCoreError as exc:
            steps.append(CleanupStep(kind, ident, "failed", aws_error(exc)))

    def _delete_instance(self) -> bool:
        """Delete the restored instance and wait until it is gone; True once it is."""
        rec, rds = self.record, self.client("rds")
        ident = str(rec.instance)
        try:
            rds.delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True,
                                   DeleteAutomatedBackups=True)
        except ClientError as exc:
            if _code(exc) == "DBInstanceNotFound":
                if rec.restore_job_id and not self._job_done:
                    rec.cleanup.append(CleanupStep(
                        "db-instance", ident, "left",
                        f"not created yet: restore job {rec.restore_job_id} may still create it; "
                        "delete it when it appears"))
                    return True
                rec.cleanup.append(CleanupStep("db-instance", ident, "gone", "not found"))
                return True
            if _code(exc) != "InvalidDBInstanceState":  # still being created: retry below
                rec.cleanup.append(CleanupStep("db-instance", ident, "failed", aws_error(exc)))
                return False
            return self._delete_when_deletable(ident)
        return self._wait_gone(ident)

    def _delete_when_deletable(self, ident: str) -> bool:
        rds = self.client("rds")
        deadline = self.clock() + self.cleanup_minutes * 60
        while self.clock() + self.poll_seconds <= deadline:
            self.sleep(self.poll_seconds)
            try:
                rds.delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True,
                                       DeleteAutomatedBackups=True)
                return self._wait_gone(ident)
            except ClientError as exc:
                if _code(exc) == "DBInstanceNotFound":
                    self.record.cleanup.append(CleanupStep("db-instance", ident, "gone"))
                    return True
                if _code(exc) != "InvalidDBInstanceState":
                    break
        self.record.cleanup.append(CleanupStep(
            "db-instance", ident, "failed", "could not be deleted: delete it by hand "
            f"(aws rds delete-db-instance --db-instance-identifier {ident} --skip-final-snapshot)"))
        return False

    def _wait_gone(self, ident: str) -> bool:
        rds = self.client("rds")
        start = self.clock()
        deadline = start + self.cleanup_minutes * 60
        while True:
            try:
                [db] = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"]
            except ClientError as exc:
                if _code(exc) == "DBInstanceNotFound":
                    self.record.cleanup.append(CleanupStep("db-instance", ident, "deleted",
                                                           "skip-final-snapshot"))
                    return True
                raise
            self.progress("cleanup", self.clock() - start, f"instance {db.get('DBInstanceStatus')}")
            if self.clock() + self.poll_seconds > deadline:
                self.record.cleanup.append(CleanupStep(
                    "db-instance", ident, "left", f"still {db.get('DBInstanceStatus')} after "
                    f"{self.cleanup_minutes} minutes: deletion was requested and continues"))
                return False
            self.sleep(self.poll_seconds)


def restore_metadata(identifier: str, subnet_group: str, security_group: str,
                     instance_class: str | None) -> dict[str, str]:
    """The StartRestoreJob metadata the drill sets over what GetRecoveryPointRestoreMetadata
    returns for an RDS instance: its own identifier, the isolated subnet and security groups,
    Single-AZ, private, deletable. (The keys are the RDS API's parameter names, as AWS Backup
    returns them; VpcSecurityGroupIds is a JSON list.)"""
    out = {"DBInstanceIdentifier": identifier, "DBSubnetGroupName": subnet_group,
           "VpcSecurityGroupIds": json.dumps([security_group]), "MultiAZ": "false",
           "PubliclyAccessible": "false", "DeletionProtection": "false"}
    if instance_class:
        out["DBInstanceClass"] = instance_class
    return out


def boto3_clients(region: str) -> ClientFactory:
    def factory(name: str) -> Any:
        import boto3

        return boto3.session.Session(region_name=region).client(name)

    return factory
