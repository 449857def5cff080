"""Data-store rules: RDS instances (FSBP RDS.*) and ElastiCache replication groups
(FSBP ElastiCache.*)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import PolicyResource

from ._base import (
    CACHE_GROUP,
    RDS_CLUSTER,
    RDS_INSTANCE,
    RDS_PARAMETER_GROUP,
    Stack,
    as_list,
    count,
    get,
    is_false,
    is_true,
    known,
    number,
    plain,
    present,
    resource_rule,
    stack_rule,
    walk_strings,
)

LOG_EXPORTS = {"postgres": {"postgresql", "upgrade"},
               "mysql": {"audit", "error", "general", "slowquery"},
               "mariadb": {"audit", "error", "general", "slowquery"}}
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}
DEFAULT_ADMIN_NAMES = {"postgres", "admin", "root", "rdsadmin", "master", "sa", "user",
                       "administrator"}


RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
"""An Aurora cluster's member: a DB instance to Security Hub (RDS.2, RDS.6, RDS.13 judge it)."""
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
"""A standalone ElastiCache cluster (no replication group): ElastiCache.1, .2 and .7 judge it;
a member of a replication group (replication_group_id set) takes the group's settings."""
AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)
"""An AWS-managed key named by its alias (`alias/aws/rds` or the alias ARN): RDS takes a key
ARN, id, alias name or alias ARN."""


def _engine(props) -> str:
    """The engine as RDS reads it: case-insensitively (it reports engines in lower case, and the
    provider stores them lowered), so `Postgres` is postgres."""
    engine = str(get(props, "engine", default="")).strip().lower()
    return "postgres" if engine.startswith(("postgres", "aurora-postgresql")) else engine


def _customer_key(props) -> bool:
    """kmsKeyId is set and does not name an AWS-managed key by its alias."""
    if not present(props, "kmsKeyId"):
        return False
    key = known(props, "kmsKeyId")
    return not (isinstance(key, str) and AWS_MANAGED_KEY.search(key.strip()))


def _default_subnet_group(name: object) -> bool:
    """Subnet group names are stored in lower case (RDS and ElastiCache): `Default` is `default`."""
    return isinstance(name, str) and name.strip().lower() in ("", "default")


def _in_replication_group(props) -> bool:
    return present(props, "replicationGroupId")


# --------------------------------------------------------------------------------------------
# RDS
# --------------------------------------------------------------------------------------------


@resource_rule(
    "rds-not-public",
    control="RDS.2",
    description="RDS instances are not publicly accessible.",
    fix="set publicly_accessible=False and keep the instance in the isolated data subnets",
    types=[RDS_INSTANCE, RDS_CLUSTER_INSTANCE],
)
def rds_not_public(props, args, config) -> Iterator[str]:
    if is_true(get(props, "publiclyAccessible")):
        yield "is publicly accessible"


@resource_rule(
    "rds-encrypted",
    control="RDS.3",
    description="RDS storage is encrypted with a customer-managed KMS key.",
    fix="set storage_encrypted=True and kms_key_id=<the environment's data key ARN>",
    types=[RDS_INSTANCE],
)
def rds_encrypted(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "storageEncrypted")):
        yield "storage is not encrypted"
    elif not _customer_key(props):
        yield "is encrypted with the AWS-managed key, not a customer key (kmsKeyId unset or alias/aws/...)"


@resource_rule(
    "rds-multi-az",
    control="RDS.5",
    description="RDS instances are Multi-AZ (prod).",
    fix="set multi_az=True (database.multi_az)",
    types=[RDS_INSTANCE],
)
def rds_multi_az(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "multiAz")):
        yield "is single-AZ"


@resource_rule(
    "rds-enhanced-monitoring",
    control="RDS.6",
    description="Enhanced monitoring is on, with its IAM role.",
    fix="set monitoring_interval (1-60) AND monitoring_role_arn (a role trusting "
        "monitoring.rds.amazonaws.com with AmazonRDSEnhancedMonitoringRole)",
    types=[RDS_INSTANCE, RDS_CLUSTER_INSTANCE],
)
def rds_enhanced_monitoring(props, args, config) -> Iterator[str]:
    interval = number(get(props, "monitoringInterval"), 0) or 0
    if interval <= 0:
        yield "has enhanced monitoring off (monitoringInterval 0)"
    elif not present(props, "monitoringRoleArn"):
        yield f"has monitoringInterval {int(interval)} but no monitoringRoleArn"


@resource_rule(
    "rds-deletion-protection",
    control="RDS.8",
    description="RDS instances have deletion protection (prod).",
    fix="set deletion_protection=True (database.deletion_protection)",
    types=[RDS_INSTANCE],
)
def rds_deletion_protection(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "deletionProtection")):
        yield "has no deletion protection"


@resource_rule(
    "rds-log-exports",
    control="RDS.9/RDS.36",
    description="RDS exports its engine logs to CloudWatch Logs.",
    fix="set enabled_cloudwatch_logs_exports=['postgresql', 'upgrade'] (PostgreSQL)",
    types=[RDS_INSTANCE],
)
def rds_log_exports(props, args, config) -> Iterator[str]:
    wanted = LOG_EXPORTS.get(_engine(props))
    if wanted:
        missing = wanted - {str(x) for x in as_list(get(props, "enabledCloudwatchLogsExports"))}
        if missing:
            yield f"does not export {', '.join(sorted(missing))} logs"


@resource_rule(
    "rds-in-vpc",
    control="RDS.18",
    description="RDS instances are placed in a VPC through a DB subnet group of their own.",
    fix="set db_subnet_group_name=<an rds.SubnetGroup of the data tier's subnets>",
    types=[RDS_INSTANCE],
)
def rds_in_vpc(props, args, config) -> Iterator[str]:
    # Without a subnet group RDS picks the default VPC's default group: outside the network
    # groundwork builds, with none of its routing (docs/policies.md).
    group = get(props, "dbSubnetGroupName")
    if group is None or _default_subnet_group(group):
        yield "has no DB subnet group of its own (dbSubnetGroupName unset or 'default')"


@resource_rule(
    "rds-iam-auth",
    control="RDS.10",
    description="IAM database authentication is on.",
    fix="set iam_database_authentication_enabled=True",
    types=[RDS_INSTANCE],
)
def rds_iam_auth(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "iamDatabaseAuthenticationEnabled")):
        yield "has IAM authentication off"


@resource_rule(
    "rds-backup-retention",
    control="RDS.11",
    description="Automated backups are kept at least `minimumDays` days (prod 7, dev 1).",
    fix="raise backup_retention_period (database.backup_retention_days)",
    types=[RDS_INSTANCE],
    defaults={"minimumDays": 7},
    properties={"minimumDays": {"type": "integer", "minimum": 1}},
)
def rds_backup_retention(props, args, config) -> Iterator[str]:
    if get(props, "replicateSourceDb"):
        return  # read replicas have no backups of their own
    days = number(get(props, "backupRetentionPeriod"), 0) or 0
    minimum = int(config["minimumDays"])
    if days < minimum:
        yield f"keeps backups {int(days)} day(s); at least {minimum} required"


@resource_rule(
    "rds-minor-upgrades",
    control="RDS.13",
    description="Minor engine upgrades are applied automatically.",
    fix="set auto_minor_version_upgrade=True (or leave it unset: AWS defaults to true)",
    types=[RDS_INSTANCE, RDS_CLUSTER_INSTANCE],
)
def rds_minor_upgrades(props, args, config) -> Iterator[str]:
    if is_false(get(props, "autoMinorVersionUpgrade")):
        yield "has automatic minor upgrades off"


@resource_rule(
    "rds-copy-tags-to-snapshot",
    control="RDS.17",
    description="Tags are copied to snapshots.",
    fix="set copy_tags_to_snapshot=True",
    types=[RDS_INSTANCE],
)
def rds_copy_tags_to_snapshot(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "copyTagsToSnapshot")):
        yield "does not copy tags to snapshots"


@resource_rule(
    "rds-non-default-port",
    control="RDS.23",
    description="RDS listens on a non-default port (optional hardening).",
    fix="set port to something other than the engine default (database.port), or accept the "
        "advisory",
    types=[RDS_INSTANCE],
)
def rds_non_default_port(props, args, config) -> Iterator[str]:
    default = DEFAULT_PORTS.get(_engine(props))
    port = number(get(props, "port"), default)
    if default is not None and port == default:
        yield f"listens on the engine's default port {default}"


@resource_rule(
    "rds-custom-admin-username",
    control="RDS.24/RDS.25",
    description="The master user is not a default name (postgres, admin...).",
    fix="set username to a custom name (database.master_username, default groundwork_admin)",
    types=[RDS_INSTANCE],
)
def rds_custom_admin_username(props, args, config) -> Iterator[str]:
    name = get(props, "username")
    if name is not None and str(name).lower() in DEFAULT_ADMIN_NAMES:
        yield f"uses the default admin name '{name}'"


@resource_rule(
    "rds-managed-master-password",
    control="SecretsManager (RDS master secret)",
    description="The master password is generated and rotated by RDS in Secrets Manager, never "
                "passed in.",
    fix="set manage_master_user_password=True (+ master_user_secret_kms_key_id) and drop password",
    types=[RDS_INSTANCE],
)
def rds_managed_master_password(props, args, config) -> Iterator[str]:
    if present(props, "password") or present(props, "passwordWo"):
        yield "is given a master password (it ends up in config and state)"
    elif not is_true(get(props, "manageMasterUserPassword")) and not get(props, "replicateSourceDb"):
        yield "does not let RDS manage the master password (manageMasterUserPassword not true)"


def _force_ssl(group: PolicyResource) -> bool:
    for param in as_list(get(group.props, "parameters")):
        if get(param, "name") == "rds.force_ssl" and str(get(param, "value")) == "1":
            return True
    return False


@stack_rule(
    "rds-force-ssl",
    control="RDS.38",
    description="PostgreSQL instances use a parameter group with rds.force_ssl=1.",
    fix="attach an rds.ParameterGroup with parameters=[{name: 'rds.force_ssl', value: '1'}]",
    types=[RDS_INSTANCE, RDS_PARAMETER_GROUP],
)
def rds_force_ssl(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for db in stack.of_type(RDS_INSTANCE):
        if _engine(db.props) != "postgres":
            continue
        groups = stack.referenced(db, "parameterGroupName", [RDS_PARAMETER_GROUP])
        if not groups:
            name = get(db.props, "parameterGroupName")
            yield db, (f"uses parameter group {name}, not one of this stack's" if name
                       else "uses the default parameter group")
        elif not all(_force_ssl(g) for g in groups):
            yield db, f"parameter group '{groups[0].name}' does not set rds.force_ssl=1"


# --------------------------------------------------------------------------------------------
# ElastiCache
# --------------------------------------------------------------------------------------------


@resource_rule(
    "elasticache-backups",
    control="ElastiCache.1",
    description="Replication groups keep automatic snapshots.",
    fix="set snapshot_retention_limit >= 1 (cache.snapshot_retention_days)",
    types=[CACHE_GROUP, CACHE_CLUSTER],
)
def elasticache_backups(props, args, config) -> Iterator[str]:
    if args.resource_type == CACHE_CLUSTER and (
            _in_replication_group(props) or _engine(props) not in ("redis", "valkey")):
        return  # the group keeps the snapshots; memcached keeps none
    if (number(get(props, "snapshotRetentionLimit"), 0) or 0) < 1:
        yield "keeps no automatic snapshots"


@resource_rule(
    "elasticache-minor-upgrades",
    control="ElastiCache.2",
    description="Minor engine upgrades are applied automatically.",
    fix="set auto_minor_version_upgrade=True (or leave it unset)",
    types=[CACHE_GROUP, CACHE_CLUSTER],
)
def elasticache_minor_upgrades(props, args, config) -> Iterator[str]:
    if args.resource_type == CACHE_CLUSTER and _in_replication_group(props):
        return
    if is_false(get(props, "autoMinorVersionUpgrade")):
        yield "has automatic minor upgrades off"


@resource_rule(
    "elasticache-automatic-failover",
    control="ElastiCache.3",
    description="Replication groups fail over automatically across AZs (prod).",
    fix="set automatic_failover_enabled=True and multi_az_enabled=True with >= 2 nodes",
    types=[CACHE_GROUP],
)
def elasticache_automatic_failover(props, args, config) -> Iterator[str]:
    off = [k for k in ("automaticFailoverEnabled", "multiAzEnabled") if not is_true(get(props, k))]
    if off:
        yield f"has {' and '.join(off)} off"


@resource_rule(
    "elasticache-encrypted-at-rest",
    control="ElastiCache.4",
    description="Replication groups are encrypted at rest with a customer-managed key.",
    fix="set at_rest_encryption_enabled=True and kms_key_id=<the data key ARN>",
    types=[CACHE_GROUP],
)
def elasticache_encrypted_at_rest(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "atRestEncryptionEnabled")):
        yield "is not encrypted at rest"
    elif not _customer_key(props):
        yield "is encrypted with the AWS-managed key, not a customer key (kmsKeyId unset or alias/aws/...)"


@resource_rule(
    "elasticache-encrypted-in-transit",
    control="ElastiCache.5",
    description="Replication groups require TLS.",
    fix="set transit_encryption_enabled=True (and transit_encryption_mode='required' if set)",
    types=[CACHE_GROUP],
)
def elasticache_encrypted_in_transit(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "transitEncryptionEnabled")):
        yield "is not encrypted in transit"
    elif get(props, "transitEncryptionMode") == "preferred":
        yield "accepts plaintext connections (transitEncryptionMode preferred)"


@resource_rule(
    "elasticache-auth",
    control="ElastiCache.6",
    description="Clients must authenticate (auth token or RBAC user groups).",
    fix="set auth_token (generated, stored in Secrets Manager) or user_group_ids",
    types=[CACHE_GROUP],
)
def elasticache_auth(props, args, config) -> Iterator[str]:
    if not any(present(props, k) for k in ("authToken", "authTokenWo", "userGroupIds")):
        yield "has no auth token and no user groups"


@resource_rule(
    "elasticache-subnet-group",
    control="ElastiCache.7",
    description="Replication groups use a custom subnet group.",
    fix="set subnet_group_name to the network's cache subnet group (data tier)",
    types=[CACHE_GROUP, CACHE_CLUSTER],
)
def elasticache_subnet_group(props, args, config) -> Iterator[str]:
    if args.resource_type == CACHE_CLUSTER and _in_replication_group(props):
        return
    if not present(props, "subnetGroupName") or _default_subnet_group(known(props, "subnetGroupName")):
        yield "uses the default subnet group"


# --------------------------------------------------------------------------------------------
# RDS event subscriptions (RDS.20, RDS.21, RDS.22)
# --------------------------------------------------------------------------------------------

RDS_EVENT_SUBSCRIPTION = "aws:rds/eventSubscription:EventSubscription"
CRITICAL_EVENTS = {
    "db-instance": frozenset({"maintenance", "configuration change", "failure"}),
    "db-parameter-group": frozenset({"configuration change"}),
    "db-security-group": frozenset({"configuration change", "failure"}),
}
"""The source type -> event categories Security Hub's RDS.20 / RDS.21 / RDS.22 look for
(`rds-instance-event-notifications-configured`, `rds-pg-event-notifications-configured`,
`rds-sg-event-notifications-configured`). A
subscription with no categories receives every category of its source type; one with no source
type, every source's events. DB security groups are EC2-Classic's (retired August 2022); RDS's
API still lists `db-security-group` as a source type (botocore 1.44's CreateEventSubscription
model), so the control stands and groundwork subscribes (docs/policies.md, "Notes on choices")."""


def _subscription_gap(sub: PolicyResource, source_type: str) -> str | None:
    """Why `sub` does not deliver the critical `source_type` events, or None when it does.
    Values unknown during preview raise (the rule then runs at `pulumi up`)."""
    props = sub.props
    if is_false(get(props, "enabled", default=True)):  # the provider's default is enabled
        return f"'{sub.name}' is disabled (enabled false)"
    kind = str(get(props, "sourceType", default="")).strip().lower()
    if kind and kind != source_type:
        return f"'{sub.name}' is for {kind} events"
    categories = {str(c).strip().lower() for c in plain(get(props, "eventCategories", default=[]))}
    missing = CRITICAL_EVENTS[source_type] - categories if categories else set()
    if missing:
        return f"'{sub.name}' leaves out {', '.join(sorted(missing))}"
    return None


def _covers_instance(stack: Stack, sub: PolicyResource, db: PolicyResource) -> bool:
    """A db-instance subscription without source ids covers every instance; one with source
    ids covers an instance it names (by reference or by identifier). Clusters are not
    db-instance sources: any subscription of the right kind counts for them."""
    if not count(get(sub.props, "sourceIds")) or db.resource_type != RDS_INSTANCE:
        return True
    if any(r.urn == db.urn for r in stack.referenced(sub, "sourceIds", [RDS_INSTANCE])):
        return True
    identifier = known(db.props, "identifier")
    return bool(identifier) and identifier in {v for _, v in walk_strings(get(sub.props, "sourceIds"))}


def _covers_parameter_groups(stack: Stack, sub: PolicyResource, db: PolicyResource) -> bool:
    """A parameter-group subscription without source ids covers every group; one with source
    ids covers an instance only if it names the instance's group (by reference or by name). An
    instance on RDS's default group is not covered by a scoped subscription; a cluster's groups
    are not modelled, so any subscription of the right kind counts for it."""
    if not count(get(sub.props, "sourceIds")) or db.resource_type != RDS_INSTANCE:
        return True
    used = stack.referenced(db, "parameterGroupName", [RDS_PARAMETER_GROUP])
    if used:
        scoped = {g.urn for g in stack.referenced(sub, "sourceIds", [RDS_PARAMETER_GROUP])}
        return all(g.urn in scoped for g in used)
    name = known(db.props, "parameterGroupName")
    return bool(name) and name in {v for _, v in walk_strings(get(sub.props, "sourceIds"))}


def _event_subscription_problems(stack: Stack, source_type: str
                                 ) -> Iterator[tuple[PolicyResource, str]]:
    databases = stack.of_type(RDS_INSTANCE, RDS_CLUSTER)
    if not databases:
        return
    subs = stack.of_type(RDS_EVENT_SUBSCRIPTION)
    gaps = {s.urn: _subscription_gap(s, source_type) for s in subs}
    wanted = ", ".join(sorted(CRITICAL_EVENTS[source_type]))
    for db in databases:
        good = [s for s in subs if gaps[s.urn] is None]
        covers = {"db-instance": _covers_instance,
                  "db-parameter-group": _covers_parameter_groups}.get(source_type)
        scoped_out = [s for s in good if covers and not covers(stack, s, db)]
        good = [s for s in good if s not in scoped_out]
        if good:
            continue
        other = "instances" if source_type == "db-instance" else "parameter groups"
        why = [g for g in gaps.values() if g] + [
            f"'{s.name}' names other {other} in source_ids" for s in scoped_out]
        yield db, (f"no enabled RDS event subscription covers {source_type} events ({wanted})"
                   + (f": {'; '.join(why)}" if why else ""))


@stack_rule(
    "rds-instance-events",
    control="RDS.20",
    description="Every RDS database is covered by an enabled event subscription for its instance's "
                "maintenance, configuration-change and failure events.",
    fix="add rds.EventSubscription(source_type='db-instance', source_ids=[<identifier>], "
        "event_categories=['maintenance', 'configuration change', 'failure', ...], enabled=True) "
        "to a watched SNS topic (Notifications does, for database_identifiers)",
    types=[RDS_INSTANCE, RDS_CLUSTER, RDS_EVENT_SUBSCRIPTION],
)
def rds_instance_events(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    yield from _event_subscription_problems(stack, "db-instance")


@stack_rule(
    "rds-parameter-group-events",
    control="RDS.21",
    description="A stack with an RDS database has an enabled event subscription for its parameter "
                "groups' configuration-change events.",
    fix="add rds.EventSubscription(source_type='db-parameter-group', event_categories=["
        "'configuration change'], enabled=True) to a watched SNS topic (Notifications does, for "
        "the databases it is given)",
    types=[RDS_INSTANCE, RDS_CLUSTER, RDS_EVENT_SUBSCRIPTION, RDS_PARAMETER_GROUP],
)
def rds_parameter_group_events(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    yield from _event_subscription_problems(stack, "db-parameter-group")


@stack_rule(
    "rds-security-group-events",
    control="RDS.22",
    description="A stack with an RDS database has an enabled event subscription for DB security "
                "group configuration-change and failure events.",
    fix="add rds.EventSubscription(source_type='db-security-group', event_categories=["
        "'configuration change', 'failure'], enabled=True) to a watched SNS topic (Notifications "
        "does, for the databases it is given)",
    types=[RDS_INSTANCE, RDS_CLUSTER, RDS_EVENT_SUBSCRIPTION],
)
def rds_security_group_events(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    yield from _event_subscription_problems(stack, "db-security-group")
