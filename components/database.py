"""`PostgresDatabase`: RDS for PostgreSQL with every RDS control of controls.md built in.

Always on, not configurable: storage encrypted with the environment's data key (RDS.3), private
(RDS.2) in the network's data-tier subnet group (or its own group over the private subnets it
is given) behind the group `SecurityGroups` made for it,
TLS forced by a custom parameter group (`rds.force_ssl=1`, RDS.38) that also logs slow queries
and connections, master password generated and rotated by RDS in Secrets Manager (encrypted
with the data key; never in config or state), IAM database authentication (RDS.10), the
postgresql and upgrade logs exported to CloudWatch (RDS.9) into log groups created here first
(retention + logs key; otherwise RDS creates them unencrypted, kept forever), Performance
Insights with the data key, enhanced monitoring with a role this component creates (RDS.6: an
interval without a role cannot be expressed), gp3 with storage autoscaling, copy tags to
snapshots (RDS.17), automatic minor upgrades (RDS.13), the rsa2048 CA, an explicit Database
Insights mode, and an admin name other than `postgres` (RDS.25, validated in config).

Per config (prod floor in stacks/config/environment.py): Multi-AZ (RDS.5), backup retention (RDS.11),
deletion protection (RDS.8), final snapshot.

`config.deletion_protection` sets only RDS's own deletion protection. Pulumi's `protect` on the
instance (`pulumi destroy` refuses to delete it) is the separate `protect` argument, default
false: the stack passes `protect=config.deletion_protection`, so in the stacks the two always
agree (on in prod); a program using the component directly chooses `protect` itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from groundwork.components.base import (
    AccountContext,
    Naming,
    check_subnet_source,
    child_opts,
    own_subnet_group,
)
from groundwork.components.security_groups import SecurityGroups, group_of, store_group
from groundwork.stacks.config import DatabaseConfig

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


def parameters(config: DatabaseConfig) -> list[aws.rds.ParameterGroupParameterArgsDict]:
    """The custom parameter group's parameters (all dynamic, so applied without a reboot)."""
    return [
        {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"},
        {"name": "log_min_duration_statement", "value": str(config.slow_query_ms),
         "apply_method": "immediate"},
        {"name": "log_connections", "value": "1", "apply_method": "immediate"},
        {"name": "log_disconnections", "value": "1", "apply_method": "immediate"},
    ]


def _master_secret_arn(secrets: Sequence[aws.rds.outputs.InstanceMasterUserSecret]) -> str:
    """ARN of the RDS-managed master secret. `manage_master_user_password` is always on, so RDS
    reports exactly one; a missing one would otherwise surface later as a None inside the
    DATABASE_* secret references and the execution-role policy."""
    arn = secrets[0].secret_arn if secrets else None
    if arn is None:
        raise ValueError("RDS reported no master user secret although manage_master_user_password is on")
    return arn


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

    Outputs (the connection contract): `identifier`, `address`, `port`, `database_name`,
    `secret_arn` (RDS-managed master secret, JSON with `username` and `password`),
    `security_group_id`. `subnet_group`: the subnet group it created (None when given
    `subnet_group_name`).
    """

    instance: aws.rds.Instance
    subnet_group: aws.rds.SubnetGroup | None

    def __init__(
        self,
        name: str,
        config: DatabaseConfig,
        *,
        naming: Naming,
        account: AccountContext,
        security_group: SecurityGroups | aws.ec2.SecurityGroup,
        data_key_arn: pulumi.Input[str],
        logs_key_arn: pulumi.Input[str],
        subnet_group_name: pulumi.Input[str] | None = None,
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        protect: bool = False,
        security_groups: SecurityGroups | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`security_group`: the `SecurityGroups` component (its `database` group is used, and
        `allow_from` goes through its guard, never duplicating a rule), or a plain
        `aws.ec2.SecurityGroup` (then `allow_from` is unavailable: add rules yourself).
        `security_groups`: deprecated (the component, when `security_group` was the group);
        still accepted with a DeprecationWarning for one release.
        Subnets: exactly one of `subnet_group_name` (an existing DB subnet group, e.g. the
        network's) or `subnet_ids` (>= 2 private subnets in different AZs: the component then
        creates its own `aws.rds.SubnetGroup`).
        `protect` (default false; the stack passes `config.deletion_protection`, so true in
        prod): Pulumi `protect` on the instance. `config.deletion_protection` alone does not set
        it (see the module docstring)."""
        super().__init__("groundwork:data:PostgresDatabase", name, None, opts)
        check_subnet_source("PostgresDatabase", subnet_group_name=subnet_group_name,
                            subnet_ids=subnet_ids, minimum=2,
                            why="an RDS subnet group (DBSubnetGroupDoesNotCoverEnoughAZs)")
        self.config = config
        self.security_group, self._groups = store_group(
            "PostgresDatabase", "database", security_group, security_groups)
        ident = rds_identifier(naming, "postgres")
        self.database_name: str = config.database_name

        self.subnet_group = None
        if subnet_ids is not None:
            self.subnet_group = own_subnet_group(
                self, name, aws.rds.SubnetGroup, naming=naming, key="postgres",
                component="database", subnet_ids=subnet_ids,
                description=f"{naming.prefix} PostgreSQL (private subnets)")
            subnet_group_name = self.subnet_group.name

        self.parameter_group = aws.rds.ParameterGroup(
            f"{name}-params",
            # name_prefix: a major upgrade needs a group of the new family created first.
            name_prefix=f"{naming.name('postgres', config.parameter_group_family)}-",
            family=config.parameter_group_family,
            description=f"{naming.prefix} PostgreSQL: TLS forced, slow queries and connections logged",
            parameters=parameters(config),
            tags=naming.tagged(naming.name("postgres", config.parameter_group_family)),
            opts=child_opts(self),
        )
        self.log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-log-{export}",
                name=f"/aws/rds/instance/{ident}/{export}",
                retention_in_days=config.log_retention_days,
                kms_key_id=logs_key_arn,
                tags=naming.tagged(f"/aws/rds/instance/{ident}/{export}", Component="database"),
                opts=child_opts(self),
            )
            for export in LOG_EXPORTS
        ]
        role_name = naming.name("rds-monitoring", max_length=64)
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

        self.instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=ident,
            engine="postgres",
            engine_version=config.engine_version,
            allow_major_version_upgrade=True,
            auto_minor_version_upgrade=True,
            instance_class=config.instance_class,
            storage_type="gp3",
            allocated_storage=config.allocated_storage_gb,
            max_allocated_storage=config.max_allocated_storage_gb,
            storage_encrypted=True,
            kms_key_id=data_key_arn,
            db_name=config.database_name,
            username=config.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=data_key_arn,
            iam_database_authentication_enabled=True,
            port=config.port,
            db_subnet_group_name=subnet_group_name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=self.parameter_group.name,
            publicly_accessible=False,
            multi_az=config.multi_az,
            ca_cert_identifier=CA_CERT,
            backup_retention_period=config.backup_retention_days,
            backup_window=config.backup_window,
            maintenance_window=config.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=not config.final_snapshot,
            deletion_protection=config.deletion_protection,
            skip_final_snapshot=not config.final_snapshot,
            final_snapshot_identifier=f"{ident}-final" if config.final_snapshot else None,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=data_key_arn,
            performance_insights_retention_period=config.performance_insights_retention_days,
            database_insights_mode=config.database_insights_mode,
            monitoring_interval=config.monitoring_interval,
            monitoring_role_arn=self.monitoring_role.arn,
            apply_immediately=False,
            tags=naming.tagged(ident, Component="database"),
            # The log groups must exist before RDS starts exporting (or RDS creates them
            # unencrypted, without retention); the role must carry its policy before RDS
            # validates it.
            opts=child_opts(self, protect=protect,
                            depends_on=[*self.log_groups, self.monitoring_attachment]),
        )

        self.identifier: pulumi.Output[str] = self.instance.identifier
        self.address: pulumi.Output[str] = self.instance.address
        self.port: pulumi.Output[int] = self.instance.port
        self.secret_arn: pulumi.Output[str] = self.instance.master_user_secrets.apply(_master_secret_arn)
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
        self._groups.allow(source=source, target=self.security_group, port=self.config.port,
                           description=f"{key} to PostgreSQL")
