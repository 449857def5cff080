"""Components used on their own, the way a program outside the stacks uses them (the examples'
situation), one case per run: stack config `standalone:case` picks it
(tests/test_standalone_components.py, tests/test_cluster.py, tests/test_load_balancer.py,
tests/test_service.py).

Cases:
- data_tier: PostgresDatabase and RedisCache with `subnet_ids` and the SecurityGroups component as
  their one `security_group`, `allow_from` an app group; EnvironmentKeys with two purposes.
- plain_group: a plain aws.ec2.SecurityGroup as `security_group`, then `allow_from`.
- db_one_subnet / db_both_subnet_args / cache_replica_one_subnet / cache_one_node_one_subnet /
  group_without_database: what the constructors refuse or accept.
- queue_worker: a worker scaled on an auto-named queue (`queue_dimensions`) with alarms over it;
  queue_worker_merged: settings dimensions plus an override; queue_worker_no_dimensions: neither.
- compute_twins: two of each compute component (EcsCluster, LoadBalancer, FargateService web and
  worker, ServiceImage) in one program.
- compute_bad_args: bad Args for each compute component; the errors are exported, and nothing
  of theirs may be registered.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components.alarms import AlarmTargets, EnvironmentAlarms, EnvironmentAlarmsArgs
from groundwork.components.base import AccountContext
from groundwork.components.cache import RedisCache, RedisCacheArgs
from groundwork.components.cluster import EcsCluster, EcsClusterArgs
from groundwork.components.database import PostgresDatabase, PostgresDatabaseArgs
from groundwork.components.image import ServiceImage, ServiceImageArgs
from groundwork.components.kms import EnvironmentKeys, EnvironmentKeysArgs
from groundwork.components.load_balancer import CertificateSettings, LoadBalancer, LoadBalancerArgs
from groundwork.components.security_groups import SecurityGroups, SecurityGroupsArgs
from groundwork.components.service import (
    DeploymentSettings,
    FargateService,
    FargateServiceArgs,
    QueueMetricSettings,
    RoutingSettings,
    ScalingSettings,
)

case = pulumi.Config().require("case")
region = pulumi.Config("aws").require("region")
TAGS = {"Owner": "tests", "Environment": "test"}
account = AccountContext(region=region, account_id="123456789012")
VPC_ID, VPC_CIDR = "vpc-0a1b2c3d4e5f60718", "172.31.0.0/16"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
PUBLIC = ["subnet-0ccccccccccccccc3", "subnet-0ddddddddddddddd4"]
DATA_KEY = "arn:aws:kms:us-east-1:123456789012:key/data"
LOGS_KEY = "arn:aws:kms:us-east-1:123456789012:key/logs"
IMAGE = "ghcr.io/your-org/app:1.0.0"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
SMALL_DB = {"instance_class": "db.t4g.small", "allocated_storage_gb": 20,
            "max_allocated_storage_gb": 100, "log_retention_days": 30}


def data_groups(database_port: int | None = 5432) -> SecurityGroups:
    return SecurityGroups("security-groups", SecurityGroupsArgs(
        tags=TAGS, vpc_id=VPC_ID, vpc_cidr=VPC_CIDR, database_port=database_port, cache_port=6379))


def app_group() -> aws.ec2.SecurityGroup:
    return aws.ec2.SecurityGroup("app", vpc_id=VPC_ID, description="the application")


def database(**args: object) -> PostgresDatabase:
    given = {"data_key_arn": DATA_KEY, "logs_key_arn": LOGS_KEY, **args}
    return PostgresDatabase("database", PostgresDatabaseArgs(
        **SMALL_DB, tags=TAGS, account=account, **given))  # type: ignore[arg-type]


def cache(num_nodes: int, **args: object) -> RedisCache:
    given = {"data_key_arn": DATA_KEY, "logs_key_arn": LOGS_KEY, **args}
    return RedisCache("cache", RedisCacheArgs(num_nodes=num_nodes, log_retention_days=30,
                                              tags=TAGS, **given))  # type: ignore[arg-type]


if case == "data_tier":
    keys = EnvironmentKeys("kms", EnvironmentKeysArgs(tags=TAGS, account=account,
                                                      purposes=("data", "logs")))
    data_key, logs_key = keys.require("data"), keys.require("logs")
    groups = data_groups()
    db = database(subnet_ids=SUBNETS, security_group=groups, data_key_arn=data_key.arn,
                  logs_key_arn=logs_key.arn)
    kv = cache(2, subnet_ids=SUBNETS, security_group=groups, data_key_arn=data_key.arn,
               logs_key_arn=logs_key.arn)
    app = app_group()
    db.allow_from(app)
    kv.allow_from(app)
    try:
        keys.require("notifications")
        missing = ""
    except ValueError as exc:
        missing = str(exc)
    pulumi.export("keys", {"purposes": list(keys.purposes), "logs": keys.logs is not None,
                           "data": keys.data is not None,
                           "notifications": keys.notifications is not None,
                           "require_missing": missing})
    pulumi.export("subnet_groups", {"database": db.subnet_group is not None,
                                    "cache": kv.subnet_group is not None})

elif case == "plain_group":
    db = database(subnet_group_name="existing-db-subnets",
                  security_group=aws.ec2.SecurityGroup("db", vpc_id=VPC_ID))
    pulumi.export("security_group_id", db.security_group_id)
    if pulumi.Config().get_bool("allowFrom"):
        db.allow_from(app_group())

elif case in ("db_one_subnet", "db_both_subnet_args", "group_without_database"):
    groups = data_groups(None if case == "group_without_database" else 5432)
    database(security_group=groups,
             subnet_ids=SUBNETS[:1] if case == "db_one_subnet" else SUBNETS,
             subnet_group_name="existing-db-subnets" if case == "db_both_subnet_args" else None)

elif case in ("cache_replica_one_subnet", "cache_one_node_one_subnet"):
    cache(2 if case == "cache_replica_one_subnet" else 1, subnet_ids=SUBNETS[:1],
          security_group=data_groups())

elif case.startswith("queue_worker"):
    queue = aws.sqs.Queue("jobs")  # auto-named: its name is an Output
    static = {"QueueName": "placeholder", "Team": "jobs"} if case == "queue_worker_merged" else {}
    cluster = EcsCluster("cluster", EcsClusterArgs(log_retention_days=30, tags=TAGS))
    service = FargateService("worker", FargateServiceArgs(
        kind="worker", image=IMAGE, cpu=256, memory=512, tags=TAGS, account=account,
        scaling=ScalingSettings(min_count=1, max_count=4, queue_metric=QueueMetricSettings(
            dimensions=static, target_per_task=20)),
        cluster=cluster, subnet_ids=SUBNETS, security_group_ids=["sg-0123456789abcdef0"],
        logs_key_arn=LOGS_KEY, deployment_alarm_names=[],
        queue_dimensions=None if case == "queue_worker_no_dimensions" else {"QueueName": queue.name}))
    EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
        tags=TAGS, targets=AlarmTargets.from_components(region=region, services=[service]),
        critical_topic_arn="arn:aws:sns:us-east-1:123456789012:critical",
        warning_topic_arn="arn:aws:sns:us-east-1:123456789012:warning"))
    pulumi.export("queue_name", queue.name)

elif case == "compute_twins":
    # Two of each compute component, each with its own name; the same listener priority on
    # the two load balancers (each has its own listener).
    clusters = {
        "blue": EcsCluster("blue-cluster", EcsClusterArgs(tags=TAGS, log_retention_days=30)),
        "green": EcsCluster("green-cluster", EcsClusterArgs(
            tags=TAGS, execute_command=True, logs_key_arn=LOGS_KEY)),
    }
    lbs = {
        "public": LoadBalancer("public-lb", LoadBalancerArgs(
            tags=TAGS, account=account, certificate=CertificateSettings(arn=CERT),
            vpc_id=VPC_ID, subnet_ids=PUBLIC, security_group_ids=["sg-0aaaaaaaaaaaaaaa1"])),
        "partner": LoadBalancer("partner-lb", LoadBalancerArgs(
            tags=TAGS, account=account, http_only=True, deletion_protection=False,
            vpc_id=VPC_ID, subnet_ids=PUBLIC, security_group_ids=["sg-0bbbbbbbbbbbbbbb2"])),
    }
    images = {name: ServiceImage(f"{name}-image", ServiceImageArgs(tags=TAGS, kms_key_arn=DATA_KEY))
              for name in ("api", "shop")}
    common = {"tags": TAGS, "account": account, "subnet_ids": SUBNETS,
              "logs_key_arn": LOGS_KEY, "security_group_ids": ["sg-0123456789abcdef0"]}
    services = {
        "api": FargateService("api", FargateServiceArgs(
            kind="web", image=IMAGE, port=8000, cluster=clusters["blue"],
            load_balancer=lbs["public"], listener_priority=100, **common)),
        "shop": FargateService("shop", FargateServiceArgs(
            kind="web", image=IMAGE, port=8000, cluster=clusters["green"],
            load_balancer=lbs["partner"], routing=RoutingSettings(priority=100),
            deployment=DeploymentSettings(strategy="BLUE_GREEN"), test_listener_priority=10,
            test_source_cidrs=[VPC_CIDR], hook_security_group_ids=["sg-0ccccccccccccccc3"],
            **common)),
        "api-jobs": FargateService("api-jobs", FargateServiceArgs(
            image=IMAGE, cluster=clusters["blue"], **common)),
        "shop-jobs": FargateService("shop-jobs", FargateServiceArgs(
            image=IMAGE, cluster=clusters["green"], **common)),
    }
    pulumi.export("twins", {
        "clusters": {k: c.name for k, c in clusters.items()},
        "load_balancers": {k: lb.dns_name for k, lb in lbs.items()},
        "images": {k: i.repository_url for k, i in images.items()},
        "services": {k: s.service_name for k, s in services.items()},
        "alarm_names": {k: s.alarm_names for k, s in services.items()},
        # the release-safety attributes a program wires on (None where the service has none)
        "release": {k: {"service_arn": s.service_arn,
                        "test_rule": s.test_rule.arn if s.test_rule is not None else None,
                        "hook_function": s.hook_function.arn if s.hook_function is not None
                        else None} for k, s in services.items()},
    })

elif case == "compute_bad_args":
    # Each construction must fail before its component registers anything.
    cluster = EcsCluster("ok-cluster", EcsClusterArgs(tags=TAGS))
    lb_args = {"tags": TAGS, "account": account, "http_only": True, "vpc_id": VPC_ID,
               "subnet_ids": PUBLIC, "security_group_ids": ["sg-0aaaaaaaaaaaaaaa1"]}
    svc_args = {"tags": TAGS, "account": account, "image": IMAGE, "cluster": cluster,
                "subnet_ids": SUBNETS, "security_group_ids": ["sg-0123456789abcdef0"],
                "logs_key_arn": LOGS_KEY}
    attempts = {
        "cluster_exec_without_key": lambda: EcsCluster(
            "bad-cluster", EcsClusterArgs(execute_command=True)),
        "lb_without_vpc": lambda: LoadBalancer(
            "bad-lb", LoadBalancerArgs(**{**lb_args, "vpc_id": None})),
        "lb_one_subnet": lambda: LoadBalancer(
            "bad-lb", LoadBalancerArgs(**{**lb_args, "subnet_ids": PUBLIC[:1]})),
        "service_without_cluster": lambda: FargateService(
            "bad-service", FargateServiceArgs(**{**svc_args, "cluster": None})),
        "web_without_load_balancer": lambda: FargateService(
            "bad-service", FargateServiceArgs(**svc_args, kind="web", port=8000)),
        "worker_with_load_balancer": lambda: FargateService(
            "bad-service", FargateServiceArgs(**svc_args, load_balancer=LoadBalancer(
                "lb", LoadBalancerArgs(**lb_args)))),
        "service_without_image": lambda: FargateService(
            "bad-service", FargateServiceArgs(**{**svc_args, "image": None})),
        "image_without_key": lambda: ServiceImage("bad-image", ServiceImageArgs()),
    }
    errors = {}
    for key, attempt in attempts.items():
        try:
            attempt()
            errors[key] = ""
        except (ValueError, TypeError) as exc:
            errors[key] = str(exc)
    pulumi.export("errors", errors)

else:
    raise ValueError(f"unknown case {case!r}")
