"""Two of each data-tier component in one program, and the Args each refuses, picked by the
stack config `pairs:case` (tests/test_cache.py, test_security_groups.py, test_data_keys.py,
test_database.py).

- two_of_each: two SecurityGroups sets, two EnvironmentKeys sets, two RedisCaches (sessions on
  the first set, jobs on the second) and two PostgresDatabases (main, analytics), each store
  with its own subnet group; `allow_from` on both caches.
- refuse: build what `pairs:refuse` names with one argument missing or wrong, catch the error
  and export it as `error`; the test then checks that nothing of that component registered.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components.base import AccountContext
from groundwork.components.cache import RedisCache, RedisCacheArgs
from groundwork.components.database import PostgresDatabase, PostgresDatabaseArgs
from groundwork.components.kms import EncryptionKey, EncryptionKeyArgs, EnvironmentKeys, EnvironmentKeysArgs
from groundwork.components.security_groups import SecurityGroups, SecurityGroupsArgs, ServicePeer

config = pulumi.Config()
case = config.require("case")
region = pulumi.Config("aws").require("region")
account = AccountContext(region=region, account_id="123456789012")
common = {"name_prefix": "pairs-test", "tags": {"Owner": "tests", "Environment": "test"}}
VPC_ID, VPC_CIDR = "vpc-0a1b2c3d4e5f60718", "172.31.0.0/16"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
SERVICES = [ServicePeer(name="api", kind="web", port=8000, use_database=True, use_cache=True),
            ServicePeer(name="worker", use_database=True, use_cache=True)]


def groups(name: str) -> SecurityGroups:
    return SecurityGroups(name, SecurityGroupsArgs(
        **common, vpc_id=VPC_ID, vpc_cidr=VPC_CIDR, services=SERVICES, database_port=5432,
        cache_port=6379))


def cache_args(sg: object, keys: EnvironmentKeys, **extra: object) -> RedisCacheArgs:
    return RedisCacheArgs(**{**common, "num_nodes": 2, "subnet_ids": SUBNETS,
                             "security_group": sg, "data_key_arn": keys.require("data").arn,
                             "logs_key_arn": keys.require("logs").arn, **extra})


if case == "two_of_each":
    first, second = groups("security-groups"), groups("jobs-groups")
    keys = EnvironmentKeys("kms", EnvironmentKeysArgs(**common, account=account))
    jobs_keys = EnvironmentKeys("jobs-kms", EnvironmentKeysArgs(
        **common, account=account, purposes=("data", "logs"), deletion_window_days=7))
    sessions = RedisCache("sessions", cache_args(first, keys))
    jobs = RedisCache("jobs", cache_args(second, jobs_keys, num_nodes=1, engine="redis",
                                         protect=False))
    for store_groups, cache in ((first, sessions), (second, jobs)):
        cache.allow_from(store_groups.for_service("worker"))  # the matrix has it: no new rule
    databases = [
        PostgresDatabase(name, PostgresDatabaseArgs(
            **common, account=account, subnet_ids=SUBNETS, security_group=sg,
            data_key_arn=k.require("data").arn, logs_key_arn=k.require("logs").arn))
        for name, sg, k in (("main", first, keys), ("analytics", second, jobs_keys))
    ]
    # what the alarms read from a cache: its Args (sizing) and its member clusters
    pulumi.export("caches", {
        name: {"replication_group_id": c.replication_group.replication_group_id,
               "node_type": c.args.node_type, "num_nodes": c.args.num_nodes,
               "member_clusters": c.member_clusters, "port": c.port}
        for name, c in (("sessions", sessions), ("jobs", jobs))})
    pulumi.export("keys", {
        name: {"purposes": list(k.purposes), "arns": k.arns}
        for name, k in (("kms", keys), ("jobs-kms", jobs_keys))})
    pulumi.export("databases", [d.identifier for d in databases])
    try:
        jobs_keys.require("notifications")
    except ValueError as exc:
        pulumi.export("require_error", str(exc))

elif case == "refuse":
    what = config.require("refuse")
    keys = EnvironmentKeys("kms", EnvironmentKeysArgs(**common, account=account))
    sg = groups("security-groups")
    try:
        if what == "cache_without_data_key":
            RedisCache("bad", cache_args(sg, keys, data_key_arn=None))
        elif what == "cache_without_logs_key":
            RedisCache("bad", cache_args(sg, keys, logs_key_arn=None))
        elif what == "cache_without_security_group":
            RedisCache("bad", cache_args(None, keys))
        elif what == "cache_without_subnets":
            RedisCache("bad", cache_args(sg, keys, subnet_ids=None))
        elif what == "cache_bad_replication_group_id":
            RedisCache("bad", cache_args(sg, keys, replication_group_id="Bad--Id"))
        elif what == "cache_bad_name":
            RedisCache("Bad_Name", cache_args(sg, keys))
        elif what == "cache_group_set_without_cache":
            no_cache = SecurityGroups("no-cache-groups", SecurityGroupsArgs(
                **common, vpc_id=VPC_ID, vpc_cidr=VPC_CIDR, database_port=5432))
            RedisCache("bad", cache_args(no_cache, keys))
        elif what == "groups_without_vpc_cidr":
            SecurityGroups("bad", SecurityGroupsArgs(**common, vpc_id=VPC_ID, cache_port=6379))
        elif what == "groups_without_vpc_id":
            SecurityGroups("bad", SecurityGroupsArgs(**common, vpc_cidr=VPC_CIDR))
        elif what == "key_without_purpose":
            EncryptionKey("bad", EncryptionKeyArgs(**common, account=account))
        elif what == "keys_name_too_long":
            EnvironmentKeys("k" * 30, EnvironmentKeysArgs(**common, account=account))
        elif what == "database_without_logs_key":
            PostgresDatabase("bad", PostgresDatabaseArgs(
                **common, account=account, subnet_ids=SUBNETS, security_group=sg,
                data_key_arn=keys.require("data").arn))
        else:
            raise SystemExit(f"unknown refuse case {what!r}")
    except (ValueError, TypeError) as exc:
        pulumi.export("error", f"{type(exc).__name__}: {exc}")
    # a plain group still works next to the refused one (the program goes on)
    aws.ec2.SecurityGroup("after", vpc_id=VPC_ID, description="registered after the refusal")

else:
    raise SystemExit(f"unknown case {case!r}")
