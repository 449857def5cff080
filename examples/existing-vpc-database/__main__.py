"""existing-vpc-database: a hardened RDS PostgreSQL in a VPC you already have, reachable only
from your application's security group.

`SecurityGroups` makes the database's group (no rules); `database.allow_from(app)` then adds
exactly one flow, app -> database on 5432, as an ingress rule on the database's group and the
matching egress rule on the app's. The connection contract is exported for your application's
stack (`pulumi.StackReference`).
"""

import pulumi
import pulumi_aws as aws

from components.base import AccountContext, Naming
from components.database import PostgresDatabase
from components.kms import EnvironmentKeys
from components.security_groups import SecurityGroups
from stacks.config import DatabaseConfig

region = pulumi.Config("aws").require("region")
project, stack = pulumi.get_project(), pulumi.get_stack()
naming = Naming(prefix=f"{project}-{stack}",
                tags={"Owner": "platform-team", "Project": project, "Environment": stack,
                      "ManagedBy": "pulumi"})
account = AccountContext.current(region)
keys = EnvironmentKeys(naming=naming, account=account)  # data: storage, secret; logs: log groups

# What already exists (see Pulumi.yaml): the VPC, private subnets in >= 2 AZs, and the security
# group your application runs in.
config = pulumi.Config()
vpc_id = config.require("vpcId")
vpc_cidr = config.require("vpcCidr")  # the intent guard refuses CIDR sources outside it
subnet_ids = config.require_object("databaseSubnetIds")
app = aws.ec2.SecurityGroup.get("app", config.require("appSecurityGroupId"))

subnet_group = aws.rds.SubnetGroup(
    "database-subnets",
    name=naming.name("db"),
    description=f"{naming.prefix} PostgreSQL (existing private subnets)",
    subnet_ids=subnet_ids,
    tags=naming.tagged(naming.name("db")),
)

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
    subnet_group_name=subnet_group.name,
    security_group=groups.database,
    security_groups=groups,
    data_key_arn=keys.data.arn,
    logs_key_arn=keys.logs.arn,
    protect=True,  # `pulumi destroy` refuses to delete the instance until you unprotect it
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
