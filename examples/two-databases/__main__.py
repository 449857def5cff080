"""two-databases: two of a component in one program.

A main and an analytics `PostgresDatabase` and a sessions and a jobs `RedisCache`, in one
`Network`, each reachable only from the one service that uses it:

| store     | component        | reachable from | port |
|-----------|------------------|----------------|------|
| main      | PostgresDatabase | app            | 5432 |
| analytics | PostgresDatabase | reports        | 5432 |
| sessions  | RedisCache       | app            | 6379 |
| jobs      | RedisCache       | worker         | 6379 |

The services' groups come from one `SecurityGroups` (`services`); each store sits in a group of
its own (`SecurityGroups` builds one database and one cache group, so each store gets its own
`<store>-sg`), and `store.allow_from(service)` adds exactly one flow per pair: an ingress rule
on the store's group and the matching egress rule on the service's. One `EnvironmentAlarms`
watches both databases and both caches; the alarm names carry the store's name
(`<prefix>-alarms-main-rds-cpu`, `<prefix>-alarms-analytics-rds-cpu`, ...).

Every child's Pulumi name starts with its component's name and every AWS name with
`<project>-<stack>-<component name>`, so the two of each never collide.

One `BackupPlan` (AWS Backup, docs/backup.md) covers both databases by their `Backup` tag:

| store     | backed up by                                                            |
|-----------|-------------------------------------------------------------------------|
| main      | BackupPlan: continuous (35 days), daily (30), monthly (365)             |
| analytics | BackupPlan: the same                                                    |
| sessions  | its own daily snapshots, 7 days (AWS Backup doesn't cover ElastiCache)  |
| jobs      | its own daily snapshots, 7 days                                         |

Every rule copies to a vault in the DR region (`drRegion`, default us-west-2), created through
a second provider on a key of that region.

Only the public API: `from groundwork.components import ...`, each component built as
`Component(name, <Component>Args(...))`.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components import (
    AlarmOverride,
    AlarmTargets,
    BackupPlan,
    BackupPlanArgs,
    Dashboard,
    DashboardArgs,
    EnvironmentAlarms,
    EnvironmentAlarmsArgs,
    EnvironmentKeys,
    EnvironmentKeysArgs,
    Network,
    NetworkArgs,
    Notifications,
    NotificationsArgs,
    PostgresDatabase,
    PostgresDatabaseArgs,
    RedisCache,
    RedisCacheArgs,
    SecurityGroups,
    SecurityGroupsArgs,
    ServicePeer,
)

region = pulumi.Config("aws").require("region")
# Tags on every resource the components create (besides Name and what each one is).
tags = {"Owner": "platform-team", "Project": pulumi.get_project(), "Environment": pulumi.get_stack(),
        "ManagedBy": "pulumi"}

# All three keys: logs (log groups), data (storage, snapshots, secrets), notifications (topics).
keys = EnvironmentKeys("kms", EnvironmentKeysArgs(tags=tags))
logs_key, data_key = keys.require("logs").arn, keys.require("data").arn

# The seed layout over 2 AZs, one NAT; the RDS and ElastiCache subnet groups on the data tier,
# shared by both databases and both caches.
network = Network("network", NetworkArgs(cidr="10.40.0.0/16", az_count=2, nat="single",
                                         logs_key_arn=logs_key, tags=tags))

# The services, each in its own group (443 out; nothing in: they are workers here). Run your
# tasks in `services.for_service("<name>")` (examples/worker-service builds a FargateService).
services = SecurityGroups("services", SecurityGroupsArgs(
    vpc_id=network.outputs.vpc_id, vpc_cidr=network.outputs.vpc_cidr,
    services=(ServicePeer(name="app"), ServicePeer(name="reports"), ServicePeer(name="worker")),
    tags=tags))
app, reports, worker = (services.for_service(s) for s in ("app", "reports", "worker"))


def store_group(name: str, *, database_port: int | None = None,
                cache_port: int | None = None) -> SecurityGroups:
    """A store's own security group, admitting nothing until `allow_from` (a `SecurityGroups`
    makes one database and one cache group, so each store gets its own)."""
    return SecurityGroups(name, SecurityGroupsArgs(
        vpc_id=network.outputs.vpc_id, vpc_cidr=network.outputs.vpc_cidr,
        database_port=database_port, cache_port=cache_port, tags=tags))


# Backups (docs/backup.md). A KMS key is regional, so the DR region gets its own provider and a
# data key there: AWS Backup re-encrypts each copy with the DR vault's key.
dr_region = pulumi.Config().get("drRegion") or "us-west-2"
dr = aws.Provider("dr", region=dr_region)
dr_keys = EnvironmentKeys("kms-dr", EnvironmentKeysArgs(purposes=("data",), tags=tags),
                          opts=pulumi.ResourceOptions(providers={"aws": dr}))

# The vault (on the data key, governance lock, deletes denied), the daily, monthly and
# continuous rules, each copied to the DR vault, and a selection of everything tagged
# `Backup=<prefix>-backup`. The monthly restore test restores the latest database recovery
# point into the databases' subnet group, behind a group of its own that admits nothing.
pitr_days = 35  # point-in-time restore window; the databases take it as their retention
restore_group = store_group("restore-sg", database_port=5432).groups["database"]  # no rules
backup = BackupPlan("backup", BackupPlanArgs(
    data_key_arn=data_key,
    continuous_retention_days=pitr_days,
    copy_to_region=dr_region,
    dr_provider=dr,
    dr_key_arn=dr_keys.require("data").arn,
    restore_subnet_group_name=network.outputs.db_subnet_group_name,
    restore_security_group_ids=[restore_group.id],
    protect=True,  # Pulumi `protect` on both vaults, like the databases (default false)
    tags=tags,
))
backup_tag = backup.selection_tag[1]  # the value the selection selects: tag a store with it

# The databases. Each has its own identifier, parameter group, log groups and monitoring role,
# all named after it. Smaller than the production defaults (db.m7g.large, 100 GiB) to try it;
# Multi-AZ, deletion protection, a final snapshot and Pulumi `protect` stay on.
main = PostgresDatabase("main", PostgresDatabaseArgs(
    instance_class="db.t4g.medium",
    allocated_storage_gb=20,
    max_allocated_storage_gb=100,
    subnet_group_name=network.outputs.db_subnet_group_name,
    security_group=store_group("main-sg", database_port=5432),
    data_key_arn=data_key,
    logs_key_arn=logs_key,
    # In the backup plan; under continuous backup AWS Backup owns the retention, which must
    # match its rule (docs/backup.md, "RDS retention and AWS Backup").
    backup_tag=backup_tag,
    continuous_backup_retention_days=pitr_days,
    tags=tags,
))
analytics = PostgresDatabase("analytics", PostgresDatabaseArgs(
    instance_class="db.t4g.small",
    allocated_storage_gb=50,
    max_allocated_storage_gb=500,
    database_name="analytics",
    subnet_group_name=network.outputs.db_subnet_group_name,
    security_group=store_group("analytics-sg", database_port=5432),
    data_key_arn=data_key,
    logs_key_arn=logs_key,
    backup_tag=backup_tag,
    continuous_backup_retention_days=pitr_days,
    tags=tags,
))

# The caches (Valkey, 2 nodes: automatic failover and Multi-AZ). Sessions may be evicted when
# memory runs out; jobs must never be (noeviction: a full cache refuses writes instead).
sessions = RedisCache("sessions", RedisCacheArgs(
    node_type="cache.t4g.small",
    maxmemory_policy="volatile-lru",
    subnet_group_name=network.outputs.cache_subnet_group_name,
    security_group=store_group("sessions-sg", cache_port=6379),
    data_key_arn=data_key,
    logs_key_arn=logs_key,
    tags=tags,
))
jobs = RedisCache("jobs", RedisCacheArgs(
    node_type="cache.t4g.small",
    maxmemory_policy="noeviction",
    subnet_group_name=network.outputs.cache_subnet_group_name,
    security_group=store_group("jobs-sg", cache_port=6379),
    data_key_arn=data_key,
    logs_key_arn=logs_key,
    tags=tags,
))

# Who reaches what: one flow per pair, and nothing else.
main.allow_from(app)
sessions.allow_from(app)
analytics.allow_from(reports)
jobs.allow_from(worker)

# Alarms on both databases, both caches (per node) and the NAT, to two SNS topics; RDS events
# of both databases go to the critical topic. Overrides apply per key, to both databases here.
notifications = Notifications("notifications", NotificationsArgs(
    key_arn=keys.require("notifications").arn,
    database_identifiers=[main.identifier, analytics.identifier],
    database_parameter_groups=[main.parameter_group.name, analytics.parameter_group.name],
    tags=tags,
))
alarms = EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
    targets=AlarmTargets.from_components(region=region, databases=[main, analytics],
                                         caches=[sessions, jobs], networks=[network]),
    critical_topic_arn=notifications.critical.arn,
    warning_topic_arn=notifications.warning.arn,
    overrides={"rds-cpu": AlarmOverride(threshold=80)},
    tags=tags,
))
dashboard = Dashboard("dashboard", DashboardArgs(alarms=alarms, notifications=notifications,
                                                 tags=tags))

# The connection contracts, one per store, for the services' stacks (pulumi.StackReference).
pulumi.export("databases", {name: {
    "endpoint": db.address, "port": db.port, "name": db.database_name,
    "secret_arn": db.secret_arn, "security_group_id": db.security_group_id,
    "identifier": db.identifier,
} for name, db in (("main", main), ("analytics", analytics))})
pulumi.export("caches", {name: {
    "primary_endpoint": cache.primary_endpoint, "reader_endpoint": cache.reader_endpoint,
    "port": cache.port, "auth_secret_arn": cache.auth_secret_arn,
    "security_group_id": cache.security_group_id,
} for name, cache in (("sessions", sessions), ("jobs", jobs))})
pulumi.export("service_security_group_ids", {name: services.for_service(name).id
                                             for name in ("app", "reports", "worker")})
pulumi.export("backup", {"vault_name": backup.vault_name, "dr_vault_name": backup.dr_vault_name,
                         "dr_region": backup.dr_region, "selection_tag": backup_tag})
pulumi.export("alarm_names", alarms.names)
pulumi.export("dashboard", dashboard.name)
