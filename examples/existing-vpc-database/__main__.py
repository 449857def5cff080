"""existing-vpc-database: a hardened RDS PostgreSQL in a VPC you already have, reachable only
from your application's security group.

`SecurityGroups` makes the database's group (no rules); the database takes that component as
its `security_group` and builds its own subnet group over the subnets you name. Then
`database.allow_from(app)` adds exactly one flow, app -> database on 5432, as an ingress rule
on the database's group and the matching egress rule on the app's. `Notifications` sends the
database's RDS events (instance, parameter group, DB security group: FSBP RDS.20-22) to an
encrypted topic. The connection contract is exported for your application's stack
(`pulumi.StackReference`).

Only the public API: `from groundwork.components import ...`, each component built as
`Component(name, <Component>Args(...))`.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components import (
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

# The defaults are production-grade (db.m7g.large, Multi-AZ, 14 days of backups, deletion
# protection, a final snapshot, Pulumi `protect`); a smaller instance is enough to try it.
# Encryption, TLS, private placement, the RDS-managed master password and IAM auth are always
# on and not arguments.
database = PostgresDatabase("database", PostgresDatabaseArgs(
    instance_class="db.t4g.small",
    allocated_storage_gb=20,
    max_allocated_storage_gb=100,
    backup_retention_days=7,
    subnet_ids=subnet_ids,  # the component creates (and tags) the DB subnet group over them
    security_group=groups,  # the component: its database group, and allow_from below
    data_key_arn=keys.require("data").arn,
    logs_key_arn=keys.require("logs").arn,
    # protect (default true) is Pulumi's: `pulumi destroy` refuses to delete the instance until
    # you unprotect it. deletion_protection (default true) is RDS's own flag.
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
