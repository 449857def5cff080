"""`PostgresDatabase`: RDS for PostgreSQL with every RDS control of docs/data-tier.md built in.

Always on, not configurable: storage encrypted with the given data key (RDS.3), private
(RDS.2) in the given subnet group (or its own group over the private subnets it is given)
behind the given security group, TLS forced by a custom parameter group (`rds.force_ssl=1`,
RDS.38) that also logs slow queries and connections, master password generated and rotated by
RDS in Secrets Manager (encrypted with the data key; never in config or state), IAM database
authentication (RDS.10), the postgresql and upgrade logs exported to CloudWatch (RDS.9) into log
groups created here first (retention + logs key; otherwise RDS creates them unencrypted, kept
forever), Performance Insights with the data key, enhanced monitoring with a role this component
creates (RDS.6), gp3 with storage autoscaling, copy tags to snapshots (RDS.17), automatic minor
upgrades (RDS.13), the rsa2048 CA, an explicit Database Insights mode, and an admin name other
than `postgres` (RDS.25).

The settings' defaults are production-grade (Multi-AZ, 14 days of backups, deletion protection,
a final snapshot); the stacks relax them for dev. `deletion_protection` sets RDS's own deletion
protection; Pulumi's `protect` on the instance is the separate `protect` argument (default true,
so `pulumi destroy` refuses to drop a database by accident).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import (
    ArgsModel,
    ComponentArgs,
    Input,
    check_retention,
    check_window,
    check_windows,
    known_size,
)
from groundwork.components.base import (
    AccountContext,
    Naming,
    account_for,
    backup_tags,
    check_subnet_source,
    checked_id,
    child_opts,
    component_naming,
    managed_secret_arn,
    own_subnet_group,
    require,
)
from groundwork.components.security_groups import SecurityGroups, group_of, store_group
from groundwork.components.sizing import DB_INSTANCE_CLASSES

POSTGRES_MAJOR_VERSIONS = ("14", "15", "16", "17")
"""Majors RDS still lets you create (13 reached end of standard support in Feb 2026)."""

PI_RETENTION_DAYS = (7, *range(31, 714, 31), 731)
"""Performance Insights retentions AWS accepts: 7 days, 1-23 months of 31 days, or 731."""
ADVANCED_INSIGHTS_MIN_RETENTION = 465
"""Database Insights advanced mode requires >= 15 months of Performance Insights retention."""

RESERVED_DB_USERNAMES = {"postgres", "admin", "rdsadmin", "root", "master", "user"}


class PostgresDatabaseSettings(ArgsModel):
    """The database's tunables. Encryption, TLS, private placement, managed master password,
    IAM auth and enhanced monitoring are always on and not settings."""

    engine_version: str = "17"
    """PostgreSQL major version (default 17, the newest RDS offers); minors are upgraded
    automatically."""
    instance_class: str = "db.m7g.large"
    """Instance class (default db.m7g.large: burstable classes run out of CPU credits under
    steady load)."""
    allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)] = 100
    """Initial gp3 storage in GiB (default 100; gp3's minimum is 20)."""
    max_allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)] = 500
    """Storage autoscaling ceiling in GiB (default 500, so a full disk grows instead of
    stopping writes)."""
    multi_az: bool = True
    """Standby in a second AZ (default true: an AZ outage or a patch fails over in a minute)."""
    backup_retention_days: Annotated[int, Field(ge=1, le=35)] = 14
    """Automated backup retention (default 14; FSBP RDS.11 asks >= 7)."""
    deletion_protection: bool = True
    """RDS deletion protection (default true: a stray delete call is refused)."""
    final_snapshot: bool = True
    """Take a final snapshot on delete and keep the automated backups (default true)."""
    database_name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")] = "app"
    """Initial database name (default app)."""
    master_username: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,15}$")] = "groundwork_admin"
    """Master user name (default groundwork_admin; FSBP RDS.25 forbids the default `postgres`).
    Its password is generated and rotated by RDS in Secrets Manager."""
    port: Annotated[int, Field(ge=1150, le=65535)] = 5432
    """Listener port (default 5432, what PostgreSQL clients expect)."""
    performance_insights_retention_days: int = 7
    """Performance Insights retention (default 7 days: the free tier). AWS allows 7, a whole
    number of months (31 x 1..23) or 731; Database Insights advanced mode needs >= 465."""
    monitoring_interval: Literal[1, 5, 10, 15, 30, 60] = 60
    """Enhanced monitoring interval in seconds (default 60). There is no 0: the component
    always creates the monitoring role."""
    backup_window: str = "03:00-04:00"
    """Daily backup window, UTC (default 03:00-04:00, a quiet hour in most regions)."""
    maintenance_window: str = "sun:04:30-sun:05:30"
    """Weekly maintenance window, UTC (default Sunday 04:30-05:30, after the backup)."""
    slow_query_ms: Annotated[int, Field(ge=-1)] = 1000
    """log_min_duration_statement in ms (default 1000: a query over a second is worth a log
    line; -1 disables)."""
    database_insights_mode: Literal["standard", "advanced"] = "standard"
    """Database Insights mode (default standard; advanced is billed per vCPU-hour)."""
    log_retention_days: int = 365
    """Retention of the exported postgresql/upgrade log groups (default 365 days: a year of
    audit trail)."""

    @field_validator("log_retention_days")
    @classmethod
    def _log_retention(cls, v: int) -> int:
        return check_retention(v)

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, v: int) -> int:
        if v not in PI_RETENTION_DAYS:
            raise ValueError(
                f"{v} is not a Performance Insights retention; use 7, a multiple of 31 up to 713 "
                "(whole months), or 731"
            )
        return v

    @field_validator("engine_version")
    @classmethod
    def _version(cls, v: str) -> str:
        major = v.split(".")[0]
        if major not in POSTGRES_MAJOR_VERSIONS:
            raise ValueError(
                f"PostgreSQL {v} can't be created on RDS; use one of "
                f"{', '.join(POSTGRES_MAJOR_VERSIONS)}"
            )
        return v

    @field_validator("instance_class")
    @classmethod
    def _class(cls, v: str) -> str:
        return known_size(v, DB_INSTANCE_CLASSES, "instance class", "db.t4g.micro, db.m7g.large")

    @field_validator("master_username")
    @classmethod
    def _username(cls, v: str) -> str:
        if v in RESERVED_DB_USERNAMES:
            raise ValueError(f"{v!r} is a default or reserved admin name (FSBP RDS.25)")
        return v

    @field_validator("backup_window", "maintenance_window")
    @classmethod
    def _window(cls, v: str, info: Any) -> str:
        return check_window(v, weekly=info.field_name == "maintenance_window")

    @model_validator(mode="after")
    def _storage(self) -> PostgresDatabaseSettings:
        # RDS refuses a ceiling less than 10 % above the allocation ("The maximum allocated
        # storage must be increased by at least 10 percent").
        floor = -(-self.allocated_storage_gb * 11 // 10)
        if self.max_allocated_storage_gb < floor:
            raise ValueError(
                f"max_allocated_storage_gb must be at least 10 % above allocated_storage_gb "
                f"(>= {floor} for {self.allocated_storage_gb}; got {self.max_allocated_storage_gb})"
            )
        if (self.database_insights_mode == "advanced"
                and self.performance_insights_retention_days < ADVANCED_INSIGHTS_MIN_RETENTION):
            raise ValueError(
                "database_insights_mode advanced needs performance_insights_retention_days >= "
                f"{ADVANCED_INSIGHTS_MIN_RETENTION} (got {self.performance_insights_retention_days})"
            )
        check_windows("backup_window", self.backup_window, "maintenance_window",
                      self.maintenance_window, minimum=30)
        return self

    @property
    def major_version(self) -> str:
        return self.engine_version.split(".")[0]

    @property
    def parameter_group_family(self) -> str:
        """RDS parameter-group family of the engine version (postgres17...)."""
        return f"postgres{self.major_version}"


class PostgresDatabaseArgs(ComponentArgs, PostgresDatabaseSettings):
    """Everything `PostgresDatabase` takes: its settings plus what it connects to."""

    security_group: SecurityGroups | aws.ec2.SecurityGroup | None = None
    """The database's security group (required): the `SecurityGroups` component (its database
    group is used and `allow_from` adds rules through it) or a plain `aws.ec2.SecurityGroup`
    (then add rules yourself)."""
    subnet_group_name: Input[str] | None = None
    """An existing DB subnet group, e.g. `Network.outputs.db_subnet_group_name` (default none:
    give `subnet_ids` instead; exactly one of the two)."""
    subnet_ids: Input[Sequence[Input[str]]] | None = None
    """>= 2 private subnets in different AZs; the component creates its own subnet group
    (default none: give `subnet_group_name` instead; exactly one of the two)."""
    data_key_arn: Input[str] | None = None
    """KMS key for storage, Performance Insights and the master secret (required: RDS.3 wants a
    customer key, e.g. `EnvironmentKeys.data`)."""
    logs_key_arn: Input[str] | None = None
    """KMS key of the exported log groups (required, e.g. `EnvironmentKeys.logs`)."""
    identifier: str = ""
    """RDS instance identifier (default "": `<prefix>-<name>`). Set it only to keep the name of
    an instance created before; renaming it renames the log groups too."""
    protect: bool = True
    """Pulumi `protect` on the instance (default true: `pulumi destroy` refuses to drop the
    data; set false for throwaway environments)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""
    backup_tag: str | None = None
    """The `Backup` tag value of the BackupPlan that covers it (default None: in no plan)."""
    continuous_backup_retention_days: Annotated[int, Field(ge=1, le=35)] | None = None
    """The continuous-backup retention of the AWS Backup plan that covers it (default none: RDS
    alone manages its automated backups). When set, the instance's backup retention is this
    value and Pulumi ignores later changes to the retention and the backup window: AWS Backup
    owns them then and refuses values that don't match its rule (docs/backup.md)."""
    backup_replica_provider: pulumi.ProviderResource | None = None
    """Provider of the region the automated backups are replicated to (default none: no
    replication); give it with `backup_replica_key_arn`."""
    backup_replica_key_arn: Input[str] | None = None
    """KMS key, in the replica region, of the replicated automated backups (required with
    `backup_replica_provider`: the source is encrypted)."""
    backup_replica_retention_days: Annotated[int, Field(ge=1, le=35)] = 7
    """Days the replicated automated backups are kept (default 7, RDS's default)."""


CA_CERT = "rds-ca-rsa2048-g1"
"""Server CA (the current default for new instances; pinned so it never changes under us)."""
LOG_EXPORTS = ("postgresql", "upgrade")
MONITORING_POLICY = "policy/service-role/AmazonRDSEnhancedMonitoringRole"
RDS_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
"""RDS's identifier rule: lowercase letter first, letters/digits/hyphens, <= 63 characters,
no double hyphen, no trailing hyphen (mocks accept anything; AWS refuses the call)."""


def rds_identifier(naming: Naming, *parts: str) -> str:
    """A valid RDS instance identifier from the environment's name prefix."""
    raw = naming.name(*parts, max_length=63)
    ident = re.sub(r"[^a-z0-9-]", "-", raw.lower())
    ident = re.sub(r"-{2,}", "-", ident).strip("-")
    if not ident[:1].isalpha():
        ident = f"db-{ident}"
    ident = ident[:63].rstrip("-")
    if not RDS_IDENTIFIER.match(ident):  # pragma: no cover - the steps above guarantee it
        raise ValueError(f"cannot derive a valid RDS identifier from {raw!r}")
    return ident


def parameters(config: PostgresDatabaseSettings) -> list[aws.rds.ParameterGroupParameterArgsDict]:
    """The custom parameter group's parameters (all dynamic, so applied without a reboot)."""
    return [
        {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"},
        {"name": "log_min_duration_statement", "value": str(config.slow_query_ms),
         "apply_method": "immediate"},
        {"name": "log_connections", "value": "1", "apply_method": "immediate"},
        {"name": "log_disconnections", "value": "1", "apply_method": "immediate"},
    ]


def monitoring_trust_policy(account_id: str) -> dict[str, Any]:
    """Trust of the enhanced-monitoring role: only RDS monitoring, only for this account
    (aws:SourceAccount guards against the confused deputy)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "RdsEnhancedMonitoring",
            "Effect": "Allow",
            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }],
    }


class PostgresDatabase(pulumi.ComponentResource):
    """RDS PostgreSQL instance with its parameter group, log groups and monitoring role.

    `PostgresDatabase(name, PostgresDatabaseArgs(...), opts)`. Outputs (the connection
    contract): `identifier`, `address`, `port`, `database_name`, `secret_arn` (RDS-managed
    master secret, JSON with `username` and `password`), `security_group_id`. `subnet_group`:
    the subnet group it created (None when given `subnet_group_name`).
    """

    instance: aws.rds.Instance
    subnet_group: aws.rds.SubnetGroup | None

    def __init__(self, name: str, args: PostgresDatabaseArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else PostgresDatabaseArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("PostgresDatabase", name, args)
        check_subnet_source("PostgresDatabase", subnet_group_name=args.subnet_group_name,
                            subnet_ids=args.subnet_ids, minimum=2,
                            why="an RDS subnet group (DBSubnetGroupDoesNotCoverEnoughAZs)")
        require("PostgresDatabase", name, args, _REQUIRED)
        ident = checked_id("PostgresDatabase", name, "identifier",
                           args.identifier or rds_identifier(naming), RDS_IDENTIFIER,
                           "RDS identifier (lowercase letter first, letters, digits and single "
                           "hyphens, <= 63 characters)")
        security_group, groups = store_group("PostgresDatabase", "database", args.security_group)
        if (args.backup_replica_provider is None) != (args.backup_replica_key_arn is None):
            raise ValueError(f"PostgresDatabase {name!r}: PostgresDatabaseArgs."
                             "backup_replica_provider and backup_replica_key_arn go together "
                             "(the replicated backups are encrypted with a key of that region)")
        super().__init__("groundwork:data:PostgresDatabase", name, None, opts)
        self.args = args
        self.security_group, self._groups = security_group, groups
        account = account_for(args.account, self)
        self.database_name: str = args.database_name
        data_key_arn, logs_key_arn = args.data_key_arn, args.logs_key_arn

        self.subnet_group, subnet_group_name = own_subnet_group(
            self, name, aws.rds.SubnetGroup, naming=naming, component="database",
            subnet_group_name=args.subnet_group_name, subnet_ids=args.subnet_ids,
            description=f"{naming.prefix} PostgreSQL (private subnets)")

        family = args.parameter_group_family
        self.parameter_group = aws.rds.ParameterGroup(
            f"{name}-params",
            # name_prefix: a major upgrade needs a group of the new family created first. It
            # follows the identifier, so a kept identifier keeps its group (a new group would
            # leave the instance pending a reboot).
            name_prefix=f"{ident}-{family}-",
            family=family,
            description=f"{naming.prefix} PostgreSQL: TLS forced, slow queries and connections logged",
            parameters=parameters(args),
            tags=naming.tagged(f"{ident}-{family}"),
            opts=child_opts(self),
        )
        self.log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-log-{export}",
                name=f"/aws/rds/instance/{ident}/{export}",
                retention_in_days=args.log_retention_days,
                kms_key_id=logs_key_arn,
                tags=naming.tagged(f"/aws/rds/instance/{ident}/{export}", Component="database"),
                opts=child_opts(self),
            )
            for export in LOG_EXPORTS
        ]
        role_name = naming.name("monitoring", max_length=64)
        self.monitoring_role = aws.iam.Role(
            f"{name}-monitoring-role",
            name=role_name,
            description="RDS enhanced monitoring publishes OS metrics to CloudWatch Logs",
            assume_role_policy=pulumi.Output.from_input(account.account_id).apply(
                lambda acct: json.dumps(monitoring_trust_policy(acct))),
            tags=naming.tagged(role_name, Component="database"),
            opts=child_opts(self),
        )
        self.monitoring_attachment = aws.iam.RolePolicyAttachment(
            f"{name}-monitoring-policy",
            role=self.monitoring_role.name,
            policy_arn=f"arn:{account.partition}:iam::aws:{MONITORING_POLICY}",
            opts=child_opts(self),
        )

        # Under AWS Backup's continuous backup, the retention must match its rule (or be
        # blank) and AWS Backup sets it itself on its next run: set it once, then ignore it.
        managed = args.continuous_backup_retention_days
        retention = managed if managed is not None else args.backup_retention_days
        ignored = ["backupRetentionPeriod", "backupWindow"] if managed is not None else []
        self.instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=ident,
            engine="postgres",
            engine_version=args.engine_version,
            allow_major_version_upgrade=True,
            auto_minor_version_upgrade=True,
            instance_class=args.instance_class,
            storage_type="gp3",
            allocated_storage=args.allocated_storage_gb,
            max_allocated_storage=args.max_allocated_storage_gb,
            storage_encrypted=True,
            kms_key_id=data_key_arn,
            db_name=args.database_name,
            username=args.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=data_key_arn,
            iam_database_authentication_enabled=True,
            port=args.port,
            db_subnet_group_name=subnet_group_name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=self.parameter_group.name,
            publicly_accessible=False,
            multi_az=args.multi_az,
            ca_cert_identifier=CA_CERT,
            backup_retention_period=retention,
            backup_window=args.backup_window,
            maintenance_window=args.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=not args.final_snapshot,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not args.final_snapshot,
            final_snapshot_identifier=f"{ident}-final" if args.final_snapshot else None,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=data_key_arn,
            performance_insights_retention_period=args.performance_insights_retention_days,
            database_insights_mode=args.database_insights_mode,
            monitoring_interval=args.monitoring_interval,
            monitoring_role_arn=self.monitoring_role.arn,
            apply_immediately=False,
            tags={**naming.tagged(ident, Component="database"), **backup_tags(args.backup_tag)},
            # The log groups must exist before RDS starts exporting (or RDS creates them
            # unencrypted, without retention); the role must carry its policy before RDS
            # validates it.
            opts=child_opts(self, protect=args.protect,
                            depends_on=[*self.log_groups, self.monitoring_attachment],
                            ignore_changes=ignored),
        )
        self.backup_replication: aws.rds.InstanceAutomatedBackupsReplication | None = None
        if args.backup_replica_provider is not None:
            # Cross-region replication of the automated backups (snapshots and transaction
            # logs): point-in-time restore in the replica region, on its own key.
            self.backup_replication = aws.rds.InstanceAutomatedBackupsReplication(
                f"{name}-backup-replication",
                source_db_instance_arn=self.instance.arn,
                kms_key_id=args.backup_replica_key_arn,
                retention_period=args.backup_replica_retention_days,
                opts=pulumi.ResourceOptions(parent=self, provider=args.backup_replica_provider))

        self.identifier: pulumi.Output[str] = self.instance.identifier
        self.address: pulumi.Output[str] = self.instance.address
        self.port: pulumi.Output[int] = self.instance.port
        self.secret_arn: pulumi.Output[str] = self.instance.master_user_secrets.apply(
            lambda secrets: managed_secret_arn(secrets, "RDS"))
        self.security_group_id: pulumi.Output[str] = self.security_group.id
        self.register_outputs({
            "identifier": self.identifier, "address": self.address, "port": self.port,
            "database_name": self.database_name, "secret_arn": self.secret_arn,
            "security_group_id": self.security_group_id,
        })

    def allow_from(self, source: Any) -> None:
        """Let `source` (a security group or anything with `.security_group`) connect on the
        database port: ingress on the database group and egress on the source's."""
        if self._groups is None:
            raise ValueError("PostgresDatabase.allow_from needs the SecurityGroups component "
                             "as security_group= to create the rules (it was given a plain group)")
        key = self._groups.key_of(group_of(source))
        self._groups.allow(source=source, target=self.security_group, port=self.args.port,
                           description=f"{key} to PostgreSQL")


_REQUIRED = {
    "security_group": "the SecurityGroups component or an aws.ec2.SecurityGroup",
    "data_key_arn": "a customer-managed KMS key ARN for storage and the master secret",
    "logs_key_arn": "a KMS key ARN for the exported log groups",
}
