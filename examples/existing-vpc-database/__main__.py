"""existing-vpc-database: a hardened RDS PostgreSQL in a VPC you already have, reachable only
from your application's security group.

`SecurityGroups` makes the database's group (no rules); the database takes that component as
its `security_group` and builds its own subnet group over the subnets you name. Then
`database.allow_from(app)` adds exactly one flow, app -> database on 5432, as an ingress rule
on the database's group and the matching egress rule on the app's. The connection contract is
exported for your application's stack (`pulumi.StackReference`).
"""

import pulumi
import pulumi_aws as aws

from groundwork.components.base import AccountContext, Naming
from groundwork.components.database import PostgresDatabase
from groundwork.components.kms import EnvironmentKeys
from groundwork.components.security_groups import SecurityGroups
from groundwork.stacks.config import DatabaseConfig

region = pulumi.Config("aws").require("region")
project, stack = pulumi.get_project(), pulumi.get_stack()
naming = Naming(prefix=f"{project}-{stack}",
                tags={"Owner": "platform-team", "Project": project, "Environment": stack,
                      "ManagedBy": "pulumi"})
account = AccountContext.current(region)
# Only the two keys a database uses: data (storage, secret, Performance Insights) and logs (log
# groups). No notifications key: this program has no alarm topics.
keys = EnvironmentKeys(naming=naming, account=account, purposes=("data", "logs"))
data_key, logs_key = keys.require("data"), keys.require("logs")

# What already exists (see Pulumi.yaml): the VPC, private subnets in >= 2 AZs, and the security
# group your application runs in.
config = pulumi.Config()
vpc_id = config.require("vpcId")
vpc_cidr = config.require("vpcCidr")  # the intent guard refuses CIDR sources outside it
subnet_ids = config.require_object("databaseSubnetIds")  # >= 2, checked before anything is built
app = aws.ec2.SecurityGroup.get("app", config.require("appSecurityGroupId"))

# Only the database's group: no services, no load balancer, no cache.
groups = SecurityGroups("security-groups", vpc_id=vpc_id, vpc_cidr=vpc_cidr, services=[],
                        load_balancer=False, database_port=5432, cache_port=None, naming=naming)

# The field defaults are prod's (db.m7g.large, Multi-AZ, 14 days of backups, deletion
# protection); a small instance is enough to try it. Encryption, TLS, private placement, the
# RDS-managed master password and IAM auth are always on and not options.
database = PostgresDatabase(
    "database",
    DatabaseConfig(instance_class="db.t4g.small", allocated_storage_gb=20,
                   max_allocated_storage_gb=100, multi_az=True, backup_retention_days=7,
                   log_retention_days=30),
    naming=naming,
    account=account,
    subnet_ids=subnet_ids,  # the component creates (and tags) the DB subnet group over them
    security_group=groups,  # the component: its database group, and allow_from below
    data_key_arn=data_key.arn,
    logs_key_arn=logs_key.arn,
    # Pulumi `protect`: `pulumi destroy` refuses to delete the instance until you unprotect it.
    # Separate from DatabaseConfig.deletion_protection, which is only RDS's own flag.
    protect=True,
)

# The intent: the app reaches the database on its port, and nothing else does.
database.allow_from(app)

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
