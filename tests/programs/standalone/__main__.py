"""Components used on their own, the way a program outside the stacks uses them (the examples'
situation), one case per run: stack config `standalone:case` picks it
(tests/test_standalone_components.py).

Cases:
- data_tier: PostgresDatabase and RedisCache with `subnet_ids` and the SecurityGroups component as
  their one `security_group`, `allow_from` an app group; EnvironmentKeys with two purposes.
- legacy_keywords: the deprecated `security_group=<group>, security_groups=<component>` pair.
- plain_group: a plain aws.ec2.SecurityGroup as `security_group`, then `allow_from`.
- db_one_subnet / db_both_subnet_args / cache_replica_one_subnet / cache_one_node_one_subnet /
  group_without_database: what the constructors refuse or accept.
- queue_worker: a worker scaled on an auto-named queue (`queue_dimensions`) with the
  environment's alarms over it; queue_worker_merged: config dimensions plus an override;
  queue_worker_no_dimensions: neither.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components.alarms import AlarmTargets, EnvironmentAlarms
from groundwork.components.base import AccountContext, Naming
from groundwork.components.cache import RedisCache
from groundwork.components.cluster import EcsCluster
from groundwork.components.database import PostgresDatabase
from groundwork.components.kms import EnvironmentKeys
from groundwork.components.security_groups import SecurityGroups
from groundwork.components.service import FargateService
from groundwork.stacks.config import (
    AlarmsConfig,
    CacheConfig,
    ClusterConfig,
    DatabaseConfig,
    QueueMetricConfig,
    ScalingConfig,
    ServiceConfig,
)

case = pulumi.Config().require("case")
region = pulumi.Config("aws").require("region")
naming = Naming(prefix="standalone-test", tags={"Owner": "tests", "Environment": "test"})
account = AccountContext(region=region, account_id="123456789012")
VPC_ID, VPC_CIDR = "vpc-0a1b2c3d4e5f60718", "172.31.0.0/16"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
SMALL_DB = DatabaseConfig(instance_class="db.t4g.small", allocated_storage_gb=20,
                          max_allocated_storage_gb=100, log_retention_days=30)


def data_groups() -> SecurityGroups:
    return SecurityGroups("security-groups", vpc_id=VPC_ID, vpc_cidr=VPC_CIDR, services=[],
                          load_balancer=False, database_port=5432, cache_port=6379, naming=naming)


def app_group() -> aws.ec2.SecurityGroup:
    return aws.ec2.SecurityGroup("app", vpc_id=VPC_ID, description="the application")


if case == "data_tier":
    keys = EnvironmentKeys(naming=naming, account=account, purposes=("data", "logs"))
    data_key, logs_key = keys.require("data"), keys.require("logs")
    groups = data_groups()
    database = PostgresDatabase("database", SMALL_DB, naming=naming, account=account,
                                subnet_ids=SUBNETS, security_group=groups,
                                data_key_arn=data_key.arn, logs_key_arn=logs_key.arn)
    cache = RedisCache("cache", CacheConfig(num_nodes=2, log_retention_days=30), naming=naming,
                       subnet_ids=SUBNETS, security_group=groups, data_key_arn=data_key.arn,
                       logs_key_arn=logs_key.arn)
    app = app_group()
    database.allow_from(app)
    cache.allow_from(app)
    try:
        keys.require("notifications")
        missing = ""
    except ValueError as exc:
        missing = str(exc)
    pulumi.export("keys", {"purposes": list(keys.purposes), "logs": keys.logs is not None,
                           "data": keys.data is not None,
                           "notifications": keys.notifications is not None,
                           "require_missing": missing})
    pulumi.export("subnet_groups", {"database": database.subnet_group is not None,
                                    "cache": cache.subnet_group is not None})

elif case == "legacy_keywords":
    keys = EnvironmentKeys(naming=naming, account=account)
    groups = data_groups()
    database = PostgresDatabase("database", SMALL_DB, naming=naming, account=account,
                                subnet_group_name="existing-db-subnets",
                                security_group=groups.database, security_groups=groups,
                                data_key_arn=keys.require("data").arn,
                                logs_key_arn=keys.require("logs").arn)
    cache = RedisCache("cache", CacheConfig(num_nodes=1), naming=naming,
                       subnet_group_name="existing-cache-subnets", security_group=groups.cache,
                       security_groups=groups, data_key_arn=keys.require("data").arn,
                       logs_key_arn=keys.require("logs").arn)
    app = app_group()
    database.allow_from(app)
    cache.allow_from(app)

elif case == "plain_group":
    database = PostgresDatabase("database", SMALL_DB, naming=naming, account=account,
                                subnet_group_name="existing-db-subnets",
                                security_group=aws.ec2.SecurityGroup("db", vpc_id=VPC_ID),
                                data_key_arn="arn:aws:kms:us-east-1:123456789012:key/data",
                                logs_key_arn="arn:aws:kms:us-east-1:123456789012:key/logs")
    pulumi.export("security_group_id", database.security_group_id)
    if pulumi.Config().get_bool("allowFrom"):
        database.allow_from(app_group())

elif case in ("db_one_subnet", "db_both_subnet_args", "group_without_database"):
    groups = SecurityGroups("security-groups", vpc_id=VPC_ID, vpc_cidr=VPC_CIDR, services=[],
                            load_balancer=False, database_port=None, cache_port=6379,
                            naming=naming) if case == "group_without_database" else data_groups()
    PostgresDatabase(
        "database", SMALL_DB, naming=naming, account=account, security_group=groups,
        subnet_ids=SUBNETS[:1] if case == "db_one_subnet" else SUBNETS,
        subnet_group_name="existing-db-subnets" if case == "db_both_subnet_args" else None,
        data_key_arn="arn:aws:kms:us-east-1:123456789012:key/data",
        logs_key_arn="arn:aws:kms:us-east-1:123456789012:key/logs")

elif case in ("cache_replica_one_subnet", "cache_one_node_one_subnet"):
    nodes = 2 if case == "cache_replica_one_subnet" else 1
    cache = RedisCache("cache", CacheConfig(num_nodes=nodes), naming=naming,
                       subnet_ids=SUBNETS[:1], security_group=data_groups(),
                       data_key_arn="arn:aws:kms:us-east-1:123456789012:key/data",
                       logs_key_arn="arn:aws:kms:us-east-1:123456789012:key/logs")

elif case.startswith("queue_worker"):
    queue = aws.sqs.Queue("jobs")  # auto-named: its name is an Output
    static = {"QueueName": "placeholder", "Team": "jobs"} if case == "queue_worker_merged" else {}
    config = ServiceConfig(
        name="worker", kind="worker", image="ghcr.io/your-org/app:1.0.0", cpu=256, memory=512,
        scaling=ScalingConfig(min_count=1, max_count=4, queue_metric=QueueMetricConfig(
            dimensions=static, target_per_task=20)))
    cluster = EcsCluster("cluster", ClusterConfig(log_retention_days=30), naming=naming,
                         logs_key_arn="arn:aws:kms:us-east-1:123456789012:key/logs")
    service = FargateService(
        "worker", config, naming=naming, account=account, cluster=cluster,
        subnet_ids=SUBNETS, security_group_ids=["sg-0123456789abcdef0"],
        logs_key_arn="arn:aws:kms:us-east-1:123456789012:key/logs", deployment_alarms=False,
        queue_dimensions=None if case == "queue_worker_no_dimensions" else {"QueueName": queue.name})
    targets = AlarmTargets.from_components(region=region, services={"worker": service})
    EnvironmentAlarms("alarms", AlarmsConfig(), naming=naming, targets=targets,
                      topic_arns={"critical": "arn:aws:sns:us-east-1:123456789012:critical",
                                  "warning": "arn:aws:sns:us-east-1:123456789012:warning"})
    pulumi.export("queue_name", queue.name)

else:
    raise ValueError(f"unknown case {case!r}")
