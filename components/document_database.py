"""`DocumentDatabase`: an Amazon DocumentDB (MongoDB-compatible) cluster with the DocumentDB
controls built in (FSBP DocumentDB.1-6; docs/document-database.md).

Always on, not configurable: storage encrypted with the given data key (DocumentDB.1), TLS
enforced by a cluster parameter group of its own (`tls=enabled`, DocumentDB.6), audit and
profiler logging switched on in that group AND exported to CloudWatch (DocumentDB.4: the export
alone ships nothing) into log groups created here first (retention + logs key; otherwise
DocumentDB creates them unencrypted, kept forever), the master password generated and rotated
by DocumentDB in Secrets Manager (`manage_master_user_password`), private placement in the given
subnet group (or its own group over the data subnets it is given) behind the given security
group, Performance Insights with the data key on the classes that have it, copy tags to
snapshots, the rsa2048 CA pinned, and an admin name that is not a default one.

The managed master secret: this SDK has no `master_user_secret_kms_key_id` for DocumentDB
(RDS has one), so the secret is encrypted with the AWS-managed Secrets Manager key
(`aws/secretsmanager`). The services' execution roles need no KMS grant for it, and
`connection()` hands no `secrets_key_arn`.

The settings' defaults are production-grade (two instances in two AZs, 14 days of backups,
deletion protection, a final snapshot); the stacks relax them for dev. `deletion_protection` is
DocumentDB's own; Pulumi's `protect` on the cluster is the separate `protect` argument.

Traps a mock can't catch, and what this component does about them:
- `tls` is a STATIC parameter: a change reaches a running cluster only after each instance is
  rebooted by hand (Pulumi doesn't reboot). The group is created with the cluster, so a new
  cluster starts with TLS on; changing `tls` later needs a reboot of every instance.
- The cluster's `availability_zones`: DocumentDB assigns 3 AZs whatever fewer you list, and the
  next `pulumi up` then wants to REPLACE the cluster. The component never sets it (placement is
  the subnet group's and each instance's `availability_zone`) and ignores changes to it.
- Log groups `/aws/docdb/<cluster-id>/{audit,profiler}` must exist (KMS, retention) before the
  cluster exports to them: the cluster depends on them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

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
    Naming,
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
from groundwork.components.sizing import GIB

if TYPE_CHECKING:  # imported where used: service.py pulls in the compute components
    from groundwork.components.service import ServiceWiring

DOCDB_ENGINE_VERSIONS = ("5.0.0", "8.0.0")
"""Engine versions groundwork lets you create: 5.0.0 and 8.0.0 (3.6 and 4.0 are at or near the
end of standard support; a new cluster on them buys an upgrade)."""

STORE_KEY = "documentdb"
"""The cluster's key in `SecurityGroupsArgs.stores` (its port: 27017 by default)."""


@dataclass(frozen=True)
class DocdbSize:
    """One DocumentDB instance class: what AWS publishes for it (docs/document-database.md)."""

    vcpu: int
    memory_gib: float
    max_connections: int
    """AWS's per-instance connection limit for the class (Quotas and limits, Instance limits)."""
    burstable: bool = False
    """T-class (CPU credits): no Performance Insights (groundwork's rule; UNCONFIRMED that
    AWS refuses it, so it is not attempted)."""

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_gib * GIB)


def _sizes(prefix: str, table: Mapping[str, tuple[int, float, int]]) -> dict[str, DocdbSize]:
    return {f"{prefix}.{size}": DocdbSize(v, m, c) for size, (v, m, c) in table.items()}


_MEMORY_OPTIMIZED: dict[str, tuple[int, float, int]] = {
    "large": (2, 16, 1700), "xlarge": (4, 32, 3500), "2xlarge": (8, 64, 6500),
    "4xlarge": (16, 128, 8800)}

DOCDB_INSTANCE_CLASSES: dict[str, DocdbSize] = {
    "db.t3.medium": DocdbSize(2, 4, 500, burstable=True),
    "db.t4g.medium": DocdbSize(2, 4, 500, burstable=True),
    **_sizes("db.r5", _MEMORY_OPTIMIZED),
    **_sizes("db.r6g", _MEMORY_OPTIMIZED),
}
"""DocumentDB instance classes groundwork accepts, with AWS's published vCPUs, memory and
connection limit (https://docs.aws.amazon.com/documentdb/latest/developerguide/limits.html,
"Instance limits", as of 2026-11). Larger sizes: add them with AWS's figures."""

RESERVED_USERNAMES = {"admin", "root", "master", "docdb", "mongo", "rdsadmin", "serviceadmin",
                      "user", "administrator"}
"""Default or reserved admin names (a guessable admin name halves a brute force)."""

AUDIT_LOG_VALUES = ("enabled", "ddl", "dml_read", "dml_write", "all")
"""`audit_logs` values that log something (`enabled` = DDL and authentication events)."""


class DocumentDatabaseSettings(ArgsModel):
    """The cluster's tunables. Encryption, TLS, audit logging, private placement and the managed
    master password are always on and not settings."""

    engine_version: str = "5.0.0"
    """DocumentDB engine version (default 5.0.0: the parameter family docdb5.0 and every class
    of the size table; 8.0.0 is also accepted). Changing it is an outage (a major upgrade)."""
    instance_class: str = "db.r6g.large"
    """Instance class of every instance (default db.r6g.large: memory-optimized Graviton; the
    T classes run out of CPU credits under steady load)."""
    instance_count: Annotated[int, Field(ge=1, le=16)] = 2
    """Instances: one primary plus replicas, spread over the AZs (default 2: a failover target
    in a second AZ; prod needs >= 2)."""
    storage_type: Literal["standard", "iopt1"] = "standard"
    """Cluster storage configuration (default standard: I/O billed per request; iopt1 =
    I/O-Optimized, no I/O charge, dearer instances and storage)."""
    backup_retention_days: Annotated[int, Field(ge=1, le=35)] = 14
    """Automated backup retention (default 14; FSBP DocumentDB.2 asks >= 7)."""
    deletion_protection: bool = True
    """DocumentDB deletion protection (default true: a stray delete call is refused;
    DocumentDB.5)."""
    final_snapshot: bool = True
    """Take a final snapshot `<cluster-id>-final` on delete (default true: a deleted cluster can
    still be restored)."""
    master_username: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9]{0,62}$")] = "gwadmin"
    """Master user name (default gwadmin): 1-63 letters and digits, a letter first (AWS's rule:
    no underscore), not a default name. Its password is generated and rotated by DocumentDB in
    Secrets Manager."""
    port: Annotated[int, Field(ge=1150, le=65535)] = 27017
    """Listener port (default 27017, what MongoDB drivers expect)."""
    backup_window: str = "03:00-04:00"
    """Daily backup window, UTC (default 03:00-04:00: outside business hours in Europe and the
    Americas, and before the maintenance window)."""
    maintenance_window: str = "sun:04:30-sun:05:30"
    """Weekly maintenance window of the cluster and its instances, UTC (default Sunday
    04:30-05:30, after the backup)."""
    audit_logs: Literal["enabled", "ddl", "dml_read", "dml_write", "all"] = "enabled"
    """What the audit log records (default enabled: DDL, authentication and authorization
    events; dml_* and all add reads/writes, at a cost in log volume)."""
    profiler_threshold_ms: Annotated[int, Field(ge=50, le=2147483646)] = 100
    """Operations slower than this are profiled (default 100 ms, AWS's default)."""
    performance_insights: bool = True
    """Performance Insights on every instance, encrypted with the data key (default true: 7 days
    are free). Not for the burstable T classes: set false with db.t3/db.t4g.medium."""
    log_retention_days: int = 365
    """Retention of the exported audit/profiler log groups (default 365 days: a year of audit
    trail)."""

    @field_validator("log_retention_days")
    @classmethod
    def _log_retention(cls, v: int) -> int:
        return check_retention(v)

    @field_validator("engine_version")
    @classmethod
    def _version(cls, v: str) -> str:
        if v not in DOCDB_ENGINE_VERSIONS:
            raise ValueError(f"DocumentDB {v} can't be created by groundwork; use one of "
                             f"{', '.join(DOCDB_ENGINE_VERSIONS)}")
        return v

    @field_validator("instance_class")
    @classmethod
    def _class(cls, v: str) -> str:
        return known_size(v, DOCDB_INSTANCE_CLASSES, "DocumentDB instance class",
                          "db.t4g.medium, db.r6g.large")

    @field_validator("master_username")
    @classmethod
    def _username(cls, v: str) -> str:
        if v.lower() in RESERVED_USERNAMES:
            raise ValueError(f"{v!r} is a default or reserved admin name; pick another")
        return v

    @field_validator("backup_window", "maintenance_window")
    @classmethod
    def _window(cls, v: str, info: Any) -> str:
        return check_window(v, weekly=info.field_name == "maintenance_window")

    @model_validator(mode="after")
    def _consistent(self) -> DocumentDatabaseSettings:
        if self.performance_insights and self.size.burstable:
            raise ValueError(
                f"performance_insights needs a memory-optimized class; {self.instance_class} is "
                "burstable: set performance_insights false or pick a db.r6g/db.r5 class")
        check_windows("backup_window", self.backup_window, "maintenance_window",
                      self.maintenance_window, minimum=30)
        return self

    @property
    def size(self) -> DocdbSize:
        return DOCDB_INSTANCE_CLASSES[self.instance_class]

    @property
    def parameter_group_family(self) -> str:
        """Cluster parameter-group family of the engine version (docdb5.0, docdb8.0)."""
        major, minor = self.engine_version.split(".")[:2]
        return f"docdb{major}.{minor}"


class DocumentDatabaseArgs(ComponentArgs, DocumentDatabaseSettings):
    """Everything `DocumentDatabase` takes: its settings plus what it connects to. No
    `account` (unlike `QueueArgs` and `SearchDomainArgs`): the component computes no ARN,
    region or partition of its own. Clients get no IAM grant (they sign in with the managed
    master secret, whose ARN is the cluster's `master_user_secrets` output), the log groups are
    created by name (`/aws/docdb/<cluster-id>/...`), and the keys are the ARNs given here."""

    security_group: SecurityGroups | aws.ec2.SecurityGroup | None = None
    """The cluster's security group (required): the `SecurityGroups` component (its
    `documentdb` store group is used and `allow_from` adds rules through it) or a plain
    `aws.ec2.SecurityGroup` (then add rules yourself)."""
    subnet_group_name: Input[str] | None = None
    """An existing DocumentDB subnet group (default none: give `subnet_ids` instead; exactly
    one of the two)."""
    subnet_ids: Input[Sequence[Input[str]]] | None = None
    """>= 2 private subnets in different AZs, e.g. the data tier's; the component creates its
    own subnet group (default none: give `subnet_group_name` instead; exactly one of the two)."""
    availability_zones: Sequence[str] = ()
    """AZs the instances go to, round-robin (instance i in availability_zones[i % n]; default
    none: DocumentDB places them, without a promise to spread them). Plain AZ names, those of
    the subnets, e.g. `Network.outputs.azs`."""
    data_key_arn: Input[str] | None = None
    """KMS key for storage and Performance Insights (required: DocumentDB.1 wants encryption,
    groundwork a customer key, e.g. `EnvironmentKeys.data`)."""
    logs_key_arn: Input[str] | None = None
    """KMS key of the exported log groups (required, e.g. `EnvironmentKeys.logs`)."""
    cluster_identifier: str = ""
    """DocumentDB cluster identifier (default "": `<prefix>-<name>`); <= 60 characters so the
    instances' `<cluster-id>-<n>` fit in 63. Renaming it replaces the cluster."""
    protect: bool = True
    """Pulumi `protect` on the cluster (default true: `pulumi destroy` refuses to drop the data;
    set false for throwaway environments)."""
    backup_tag: str | None = None
    """The `Backup` tag value of the BackupPlan that covers it (default None: in no plan)."""

    @field_validator("availability_zones")
    @classmethod
    def _azs(cls, v: Sequence[str]) -> Sequence[str]:
        if len(set(v)) != len(v):
            raise ValueError("lists an AZ twice")
        return tuple(v)


CA_CERT = "rds-ca-rsa2048-g1"
"""Server CA (pinned so a new default never changes the certificate under the clients)."""
LOG_EXPORTS = ("audit", "profiler")
CLUSTER_ID = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,59}(?<!-)$")
"""DocumentDB's identifier rule (lowercase letter first, letters, digits and hyphens, no double
hyphen, no trailing hyphen) with room for the instances' `-<n>`: <= 60 characters."""
INSTANCE_ID = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")


def cluster_identifier(naming: Naming, *parts: str) -> str:
    """A valid cluster identifier from the environment's name prefix (<= 60 characters)."""
    raw = naming.name(*parts, max_length=60)
    ident = re.sub(r"[^a-z0-9-]", "-", raw.lower())
    ident = re.sub(r"-{2,}", "-", ident).strip("-")
    if not ident[:1].isalpha():
        ident = f"docdb-{ident}"
    return ident[:60].rstrip("-")


def instance_identifiers(ident: str, count: int) -> list[str]:
    """`<cluster-id>-1` ... `-<count>`: the instances' identifiers."""
    return [f"{ident}-{i}" for i in range(1, count + 1)]


def instance_zones(azs: Sequence[str], count: int) -> list[str | None]:
    """The AZ of each instance: round-robin over `azs`, None (DocumentDB picks) without."""
    return [azs[i % len(azs)] if azs else None for i in range(count)]


def parameters(config: DocumentDatabaseSettings) -> list[aws.docdb.ClusterParameterGroupParameterArgsDict]:
    """The cluster parameter group's parameters. `tls` is static (pending-reboot: it applies to
    a running cluster only after a manual reboot); the others are dynamic."""
    return [
        {"name": "tls", "value": "enabled", "apply_method": "pending-reboot"},
        {"name": "audit_logs", "value": config.audit_logs, "apply_method": "immediate"},
        {"name": "profiler", "value": "enabled", "apply_method": "immediate"},
        {"name": "profiler_threshold_ms", "value": str(config.profiler_threshold_ms),
         "apply_method": "immediate"},
    ]


def log_group_names(ident: str) -> dict[str, str]:
    """export -> the log group DocumentDB writes it to."""
    return {export: f"/aws/docdb/{ident}/{export}" for export in LOG_EXPORTS}


def _master_secret_arn(secrets: Sequence[aws.docdb.outputs.ClusterMasterUserSecret] | None) -> str:
    """ARN of the DocumentDB-managed master secret."""
    return managed_secret_arn(secrets, "DocumentDB")


class DocumentDatabase(pulumi.ComponentResource):
    """DocumentDB cluster with its instances, parameter group, subnet group and log groups.

    `DocumentDatabase(name, DocumentDatabaseArgs(...), opts)`. Outputs (the connection
    contract): `cluster_identifier`, `arn` (AWS Backup lists its recovery points by it),
    `endpoint` (writer), `reader_endpoint`, `port`, `secret_arn` (DocumentDB-managed master
    secret, JSON with `username` and `password`), `instance_identifiers`, `security_group_id`.
    `subnet_group`: the subnet group it created (None when given `subnet_group_name`).
    `connection()` gives a service its DOCUMENTDB_* settings and secrets.
    """

    cluster: aws.docdb.Cluster
    instances: list[aws.docdb.ClusterInstance]
    subnet_group: aws.docdb.SubnetGroup | None

    def __init__(self, name: str, args: DocumentDatabaseArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else DocumentDatabaseArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("DocumentDatabase", name, args)
        check_subnet_source("DocumentDatabase", subnet_group_name=args.subnet_group_name,
                            subnet_ids=args.subnet_ids, minimum=2,
                            why="a DocumentDB subnet group (DBSubnetGroupDoesNotCoverEnoughAZs)")
        require("DocumentDatabase", name, args, _REQUIRED)
        ident = checked_id("DocumentDatabase", name, "cluster_identifier",
                           args.cluster_identifier or cluster_identifier(naming), CLUSTER_ID,
                           "DocumentDB cluster identifier (lowercase letter first, letters, "
                           "digits and single hyphens, <= 60 characters: the instances add -<n>)")
        if args.instance_count >= 2 and len(args.availability_zones) == 1:
            raise ValueError(f"DocumentDatabase {name!r}: DocumentDatabaseArgs.availability_zones "
                             f"names one AZ for {args.instance_count} instances; give >= 2 AZs "
                             "(or none: DocumentDB places them) so a replica survives an AZ outage")
        security_group, groups = store_group("DocumentDatabase", STORE_KEY, args.security_group)
        super().__init__("groundwork:data:DocumentDatabase", name, None, opts)
        self.args = args
        self.security_group, self._groups = security_group, groups
        data_key_arn, logs_key_arn = args.data_key_arn, args.logs_key_arn

        self.subnet_group, subnet_group_name = own_subnet_group(
            self, name, aws.docdb.SubnetGroup, naming=naming, component="document-database",
            subnet_group_name=args.subnet_group_name, subnet_ids=args.subnet_ids,
            description=f"{naming.prefix} DocumentDB (private data subnets)")

        family = args.parameter_group_family
        self.parameter_group = aws.docdb.ClusterParameterGroup(
            f"{name}-params",
            # name_prefix: a major upgrade needs a group of the new family created first.
            name_prefix=f"{ident}-{family.replace('.', '-')}-",
            family=family,
            description=f"{naming.prefix} DocumentDB: TLS enforced, audit and profiler logs on",
            parameters=parameters(args),
            tags=naming.tagged(f"{ident}-{family}", Component="document-database"),
            opts=child_opts(self),
        )
        self.log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-log-{export}",
                name=group_name,
                retention_in_days=args.log_retention_days,
                kms_key_id=logs_key_arn,
                tags=naming.tagged(group_name, Component="document-database"),
                opts=child_opts(self),
            )
            for export, group_name in log_group_names(ident).items()
        ]

        self.cluster = aws.docdb.Cluster(
            f"{name}-cluster",
            cluster_identifier=ident,
            engine="docdb",
            engine_version=args.engine_version,
            allow_major_version_upgrade=True,
            storage_type=args.storage_type,
            storage_encrypted=True,
            kms_key_id=data_key_arn,
            master_username=args.master_username,
            manage_master_user_password=True,
            port=args.port,
            db_subnet_group_name=subnet_group_name,
            vpc_security_group_ids=[self.security_group.id],
            db_cluster_parameter_group_name=self.parameter_group.name,
            backup_retention_period=args.backup_retention_days,
            preferred_backup_window=args.backup_window,
            preferred_maintenance_window=args.maintenance_window,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not args.final_snapshot,
            final_snapshot_identifier=f"{ident}-final" if args.final_snapshot else None,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            apply_immediately=False,
            tags={**naming.tagged(ident, Component="document-database"),
                  **backup_tags(args.backup_tag)},
            # The log groups must exist before DocumentDB starts exporting (or it creates them
            # unencrypted, without retention). availability_zones is never set: DocumentDB
            # assigns 3 and a listed 1-2 would plan a replacement on the next up.
            opts=child_opts(self, protect=args.protect, depends_on=list(self.log_groups),
                            ignore_changes=["availabilityZones"]),
        )

        zones = instance_zones(args.availability_zones, args.instance_count)
        self.instances = [
            aws.docdb.ClusterInstance(
                f"{name}-instance-{index}",
                identifier=instance_id,
                cluster_identifier=self.cluster.id,
                engine="docdb",
                instance_class=args.instance_class,
                availability_zone=zone,
                promotion_tier=0 if index == 1 else 1,
                ca_cert_identifier=CA_CERT,
                copy_tags_to_snapshot=True,
                enable_performance_insights=args.performance_insights,
                performance_insights_kms_key_id=data_key_arn if args.performance_insights else None,
                preferred_maintenance_window=args.maintenance_window,
                apply_immediately=False,
                tags=naming.tagged(instance_id, Component="document-database",
                                   AZ=zone or ""),
                opts=child_opts(self),
            )
            for index, (instance_id, zone) in enumerate(
                zip(instance_identifiers(ident, args.instance_count), zones, strict=True), start=1)
        ]

        self.cluster_identifier: pulumi.Output[str] = self.cluster.cluster_identifier
        self.arn: pulumi.Output[str] = self.cluster.arn
        self.endpoint: pulumi.Output[str] = self.cluster.endpoint
        self.reader_endpoint: pulumi.Output[str] = self.cluster.reader_endpoint
        self.port: pulumi.Output[int | None] = self.cluster.port
        self.secret_arn: pulumi.Output[str] = self.cluster.master_user_secrets.apply(_master_secret_arn)
        self.instance_identifiers: list[pulumi.Output[str]] = [i.identifier for i in self.instances]
        self.security_group_id: pulumi.Output[str] = self.security_group.id
        self.register_outputs({
            "cluster_identifier": self.cluster_identifier, "arn": self.arn,
            "endpoint": self.endpoint,
            "reader_endpoint": self.reader_endpoint, "port": self.port,
            "secret_arn": self.secret_arn, "instance_identifiers": self.instance_identifiers,
            "security_group_id": self.security_group_id,
        })

    def allow_from(self, source: Any) -> aws.iam.RolePolicy | None:
        """Let `source` (a security group or anything with `.security_group`) connect on the
        cluster's port: one ingress rule on the cluster's group and the matching egress rule on
        the source's (idempotent: a second call adds nothing). Returns None, always: DocumentDB
        clients authenticate with the database user of `connection()`'s secrets, so there is no
        IAM grant to create. The return type is the one every store's `allow_from` shares
        (`Queue`, `SearchDomain`, `Kafka`: the RolePolicy it created, or None without one)."""
        if self._groups is None:
            raise ValueError("DocumentDatabase.allow_from needs the SecurityGroups component "
                             "as security_group= to create the rules (it was given a plain group)")
        key = self._groups.key_of(group_of(source))
        self._groups.allow(source=source, target=self.security_group, port=self.args.port,
                           description=f"{key} to DocumentDB")
        return None

    def connection(self) -> ServiceWiring:
        """What a service needs to connect: DOCUMENTDB_HOST (the writer endpoint),
        DOCUMENTDB_READER_HOST, DOCUMENTDB_PORT, DOCUMENTDB_TLS=true, and the master user as
        the secrets DOCUMENTDB_USER / DOCUMENTDB_PASSWORD (JSON keys of the managed secret);
        the execution role reads exactly that secret. No `secrets_key_arn`: the managed
        secret is on the AWS-managed Secrets Manager key."""
        from groundwork.components.service import ServiceWiring

        return ServiceWiring(
            environment={
                "DOCUMENTDB_HOST": self.endpoint,
                "DOCUMENTDB_READER_HOST": self.reader_endpoint,
                "DOCUMENTDB_PORT": pulumi.Output.from_input(self.port).apply(str),
                "DOCUMENTDB_TLS": "true",
            },
            secrets={
                "DOCUMENTDB_USER": pulumi.Output.concat(self.secret_arn, ":username::"),
                "DOCUMENTDB_PASSWORD": pulumi.Output.concat(self.secret_arn, ":password::"),
            },
            secret_arns=[self.secret_arn],
        )


DOCUMENTDB_VARS = ("DOCUMENTDB_HOST", "DOCUMENTDB_READER_HOST", "DOCUMENTDB_PORT",
                   "DOCUMENTDB_TLS", "DOCUMENTDB_USER", "DOCUMENTDB_PASSWORD")
"""What `connection()` sets (the last two as secrets)."""

_REQUIRED = {
    "security_group": "the SecurityGroups component (with a 'documentdb' store) or an "
                      "aws.ec2.SecurityGroup",
    "data_key_arn": "a customer-managed KMS key ARN for storage and Performance Insights",
    "logs_key_arn": "a KMS key ARN for the exported log groups",
}
