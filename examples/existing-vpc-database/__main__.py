"""existing-vpc-database: a hardened RDS PostgreSQL in a VPC you already have, reachable only
from your application's security group.

`SecurityGroups` makes the database's group (no rules); the database takes that component as
its `security_group` and builds its own subnet group over the subnets you name. Then
`database.allow_from(app)` adds exactly one flow, app -> database on 5432, as an ingress rule
on the database's group and the matching egress rule on the app's. `Notifications` sends the
database's RDS events (instance, parameter group, DB security group: FSBP RDS.20-22) to an
encrypted topic. `BackupPlan` backs the database up with AWS Backup (docs/backup.md):

| rule       | kept     | copied to the DR region, kept |
|------------|----------|-------------------------------|
| continuous | 35 days  | 7 days (hourly snapshots)     |
| daily      | 30 days  | 30 days                       |
| monthly    | 365 days | 365 days                      |

The DR vault (`drRegion`, default us-west-2) comes through a second provider, on a key of that
region. The connection contract is exported for your application's stack
(`pulumi.StackReference`).

Only the public API: `from groundwork.components import ...`, each component built as
`Component(name, <Component>Args(...))`.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components import (
    BackupPlan,
    BackupPlanArgs,
    EnvironmentKeys,
    EnvironmentKeysArgs,
    Notifications,
    NotificationsArgs,
    PostgresDatabase,
    PostgresDatabaseArgs,
    SecurityGroups,
    SecurityGroupsArgs,
)

# Tags on every resource the components create (besides Name and what each one is). Every AWS
# name starts with <project>-<stack>-<component name>: the default name_prefix.
tags = {"Owner": "platform-team", "Project": pulumi.get_project(), "Environment": pulumi.get_stack(),
        "ManagedBy": "pulumi"}

# The keys a database uses: data (storage, secret, Performance Insights), logs (log groups) and
# notifications (the topic its RDS events go to).
keys = EnvironmentKeys("kms", EnvironmentKeysArgs(purposes=("data", "logs", "notifications"),
                                                  tags=tags))

# What already exists (Pulumi.yaml declares it, Pulumi.dev.yaml has placeholders): the VPC,
# private subnets in >= 2 AZs, and the security group your application runs in.
config = pulumi.Config()
vpc_id = config.require("vpcId")
vpc_cidr = config.require("vpcCidr")  # the intent guard refuses CIDR sources outside it
subnet_ids = config.require_object("databaseSubnetIds")  # >= 2, checked before anything is built
app = aws.ec2.SecurityGroup.get("app", config.require("appSecurityGroupId"))

# Only the database's group: no services, no load balancer, no cache.
groups = SecurityGroups("security-groups", SecurityGroupsArgs(
    vpc_id=vpc_id, vpc_cidr=vpc_cidr, database_port=5432, tags=tags))

# The `Backup` tag value the backup plan below selects. Named here because the plan comes after
# the database: its restore tests restore into the subnet group the database creates.
backup_tag = f"{pulumi.get_project()}-{pulumi.get_stack()}-backup"
pitr_days = 35  # point-in-time restore window of the plan's continuous rule

# The defaults are production-grade (db.m7g.large, Multi-AZ, deletion protection, a final
# snapshot, Pulumi `protect`); a smaller instance is enough to try it. Encryption, TLS, private
# placement, the RDS-managed master password and IAM auth are always on and not arguments.
database = PostgresDatabase("database", PostgresDatabaseArgs(
    instance_class="db.t4g.small",
    allocated_storage_gb=20,
    max_allocated_storage_gb=100,
    subnet_ids=subnet_ids,  # the component creates (and tags) the DB subnet group over them
    security_group=groups,  # the component: its database group, and allow_from below
    data_key_arn=keys.require("data").arn,
    logs_key_arn=keys.require("logs").arn,
    # In the backup plan. Under continuous backup AWS Backup owns the retention, which must
    # match its rule (docs/backup.md, "RDS retention and AWS Backup").
    backup_tag=backup_tag,
    continuous_backup_retention_days=pitr_days,
    # protect (default true) is Pulumi's: `pulumi destroy` refuses to delete the instance until
    # you unprotect it. deletion_protection (default true) is RDS's own flag.
    tags=tags,
))

# Backups in a second region (docs/backup.md). A KMS key is regional, so the DR region gets its
# own provider and a data key there: AWS Backup re-encrypts each copy with the DR vault's key.
dr_region = config.get("drRegion") or "us-west-2"
dr = aws.Provider("dr", region=dr_region)
dr_keys = EnvironmentKeys("kms-dr", EnvironmentKeysArgs(purposes=("data",), tags=tags),
                          opts=pulumi.ResourceOptions(providers={"aws": dr}))

# The vault (on the data key, governance lock, deletes denied), the continuous, daily and
# monthly rules, each copied to the DR vault, and the selection of `Backup=<backup_tag>`. The
# monthly restore test restores the latest recovery point into the database's subnet group and
# security group (which admits only the app), and AWS deletes it after validation.
backup = BackupPlan("backup", BackupPlanArgs(
    data_key_arn=keys.require("data").arn,
    selection_tag_value=backup_tag,
    continuous_retention_days=pitr_days,
    copy_to_region=dr_region,
    dr_provider=dr,
    dr_key_arn=dr_keys.require("data").arn,
    restore_subnet_group_name=database.instance.db_subnet_group_name,
    restore_security_group_ids=[database.security_group_id],
    protect=True,  # Pulumi `protect` on both vaults, like the database (default false)
    tags=tags,
))

# The intent: the app reaches the database on its port, and nothing else does.
database.allow_from(app)

# Someone hears what RDS says about the database: its instance events, its parameter group's
# configuration changes and DB security-group events go to the critical topic (FSBP RDS.20-22).
# Subscribe your on-call with critical_emails=[...] or critical_https_endpoints=[...].
Notifications("notifications", NotificationsArgs(
    key_arn=keys.require("notifications").arn,
    database_identifiers=[database.identifier],
    database_parameter_groups=[database.parameter_group.name],
    tags=tags,
))

# The connection contract. The password is never in config or state: it lives in the
# RDS-managed secret (JSON with `username` and `password`), rotated by RDS.
pulumi.export("database", {
    "endpoint": database.address,
    "port": database.port,
    "name": database.database_name,
    "secret_arn": database.secret_arn,
    "security_group_id": database.security_group_id,
    "identifier": database.identifier,
})
pulumi.export("backup", {"vault_name": backup.vault_name, "dr_vault_name": backup.dr_vault_name,
                         "dr_region": backup.dr_region, "selection_tag": backup.selection_tag[1]})
