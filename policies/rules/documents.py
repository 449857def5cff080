"""DocumentDB rules (FSBP DocumentDB.1-6): the cluster, the cluster parameter group attached to
it, and the resources that could make a manual cluster snapshot public.

Parameter names and values are read case-insensitively (`Disabled` is disabled; a `TLS` entry
beside `tls` is judged too, since either may be the one DocumentDB keeps), and only from a
parameter group of this stack that the cluster really references (a good group beside the
cluster proves nothing; a group from outside the stack can't be judged offline).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import PolicyResource

from ._base import (
    Stack,
    as_list,
    get,
    is_true,
    known,
    known_items,
    number,
    present,
    resource_rule,
    stack_rule,
)

DOCDB_CLUSTER = "aws:docdb/cluster:Cluster"
DOCDB_PARAMETER_GROUP = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
RDS_CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
RDS_CLUSTER_SNAPSHOT_COPY = "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy"
"""DocumentDB shares the RDS API: these two take `shared_accounts`, and `all` makes the
snapshot public. `aws.docdb.ClusterSnapshot` has no sharing argument at all."""

AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)
TLS_ON = frozenset({"enabled", "fips-140-3", "tls1.2+", "tls1.3+"})
"""`tls` values that require TLS (`disabled` is the only other one)."""
AUDIT_ON = frozenset({"enabled", "ddl", "dml_read", "dml_write", "all"})
"""`audit_logs` values that log something (`disabled` and `none` log nothing)."""


def _customer_key(props) -> bool:
    if not present(props, "kmsKeyId"):
        return False
    key = known(props, "kmsKeyId")
    return not (isinstance(key, str) and AWS_MANAGED_KEY.search(key.strip()))


@resource_rule(
    "docdb-encrypted",
    control="DocumentDB.1",
    description="DocumentDB storage is encrypted at rest, with a customer-managed KMS key.",
    fix="set storage_encrypted=True and kms_key_id=<the environment's data key ARN> (encryption "
        "is fixed at creation: a new cluster, restored from a snapshot)",
    types=[DOCDB_CLUSTER],
)
def docdb_encrypted(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "storageEncrypted")):
        yield "storage is not encrypted (storageEncrypted unset or false; DocumentDB's default is false)"
    elif not _customer_key(props):
        yield "is encrypted with the AWS-managed key, not a customer key (kmsKeyId unset or alias/aws/...)"


@resource_rule(
    "docdb-backup-retention",
    control="DocumentDB.2",
    description="Automated backups are kept at least `minimumDays` days (prod 7, dev 1).",
    fix="raise backup_retention_period (documents.backup_retention_days; DocumentDB's default is 1)",
    types=[DOCDB_CLUSTER],
    defaults={"minimumDays": 7},
    properties={"minimumDays": {"type": "integer", "minimum": 1}},
)
def docdb_backup_retention(props, args, config) -> Iterator[str]:
    days = number(get(props, "backupRetentionPeriod"), 1) or 0  # omitted: AWS keeps 1 day
    minimum = int(config["minimumDays"])
    if days < minimum:
        yield f"keeps backups {int(days)} day(s); at least {minimum} required"


@resource_rule(
    "docdb-snapshot-not-public",
    control="DocumentDB.3",
    description="No cluster snapshot is shared with everyone (shared_accounts 'all').",
    fix="drop 'all' from shared_accounts; share with named account ids only",
    types=[RDS_CLUSTER_SNAPSHOT, RDS_CLUSTER_SNAPSHOT_COPY],
)
def docdb_snapshot_not_public(props, args, config) -> Iterator[str]:
    shared = [str(a).strip().lower() for a in as_list(get(props, "sharedAccounts"))]
    if "all" in shared:
        yield "is shared with all accounts (public)"


@resource_rule(
    "docdb-deletion-protection",
    control="DocumentDB.5",
    description="DocumentDB clusters have deletion protection (prod).",
    fix="set deletion_protection=True (documents.deletion_protection)",
    types=[DOCDB_CLUSTER],
)
def docdb_deletion_protection(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "deletionProtection")):
        yield "has no deletion protection (deletionProtection unset or false)"


def _parameter_values(group: PolicyResource, name: str) -> list[str] | None:
    """Every value the group gives parameter `name`, lowered; None if it doesn't set it."""
    values = [str(get(p, "value", default="")).strip().lower()
              for p in as_list(get(group.props, "parameters"))
              if str(get(p, "name", default="")).strip().lower() == name]
    return values or None


def _group_names(group: PolicyResource) -> set[str]:
    return {v for k, v in known_items(group.props) if k in ("name", "id") and isinstance(v, str) and v}


def _attached_groups(stack: Stack, cluster: PolicyResource) -> tuple[list[PolicyResource], str]:
    """The parameter groups of this stack the cluster references, or why there are none. A
    known group name decides by value: a property dependency only says the name was computed
    from a group's outputs (`Output.all(good.name, other.name).apply(...)` depends on both)."""
    groups = stack.referenced(cluster, "dbClusterParameterGroupName", [DOCDB_PARAMETER_GROUP])
    value = known(cluster.props, "dbClusterParameterGroupName")
    if isinstance(value, str) and value:
        by_value = [g for g in stack.of_type(DOCDB_PARAMETER_GROUP) if value in _group_names(g)]
        groups = by_value or [g for g in groups if not _group_names(g)]
    if groups:
        return groups, ""
    name = get(cluster.props, "dbClusterParameterGroupName")
    if name:
        return [], f"uses parameter group {name}, not one of this stack's (its values can't be checked)"
    return [], "uses the default parameter group (default.docdb<version>)"


@stack_rule(
    "docdb-audit-logs",
    control="DocumentDB.4",
    description="DocumentDB clusters export audit logs to CloudWatch Logs AND turn audit_logs on in "
                "their parameter group (the export alone ships nothing).",
    fix="set enabled_cloudwatch_logs_exports=['audit', 'profiler'] and attach a "
        "docdb.ClusterParameterGroup with audit_logs=enabled",
    types=[DOCDB_CLUSTER, DOCDB_PARAMETER_GROUP],
)
def docdb_audit_logs(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for cluster in stack.of_type(DOCDB_CLUSTER):
        exports = {str(x).strip() for x in as_list(get(cluster.props, "enabledCloudwatchLogsExports"))}
        if "audit" not in exports:
            yield cluster, "does not export audit logs (enabledCloudwatchLogsExports lacks 'audit')"
        groups, why = _attached_groups(stack, cluster)
        if not groups:
            yield cluster, f"{why}: audit_logs is disabled there unless a group of this stack turns it on"
            continue
        for group in groups:
            values = _parameter_values(group, "audit_logs")
            if values is None:
                yield cluster, f"parameter group '{group.name}' does not set audit_logs (default: disabled)"
            elif not all(v and set(v.split(",")) <= AUDIT_ON for v in values):
                yield cluster, (f"parameter group '{group.name}' sets audit_logs to "
                                f"{', '.join(repr(v) for v in values)}, which logs nothing")


@stack_rule(
    "docdb-tls",
    control="DocumentDB.6",
    description="DocumentDB clusters use a parameter group of this stack that requires TLS "
                "(tls enabled, tls1.2+, tls1.3+ or fips-140-3).",
    fix="attach a docdb.ClusterParameterGroup with parameters=[{name: 'tls', value: 'enabled', "
        "apply_method: 'pending-reboot'}] (static: reboot the instances of an existing cluster)",
    types=[DOCDB_CLUSTER, DOCDB_PARAMETER_GROUP],
)
def docdb_tls(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    # The default group has tls=enabled today, but groundwork asks for it explicitly in a group
    # of the stack: an explicit value is what a preview can verify, and it can't drift when the
    # cluster later moves to a custom group that omits it (docs/document-database.md).
    for cluster in stack.of_type(DOCDB_CLUSTER):
        groups, why = _attached_groups(stack, cluster)
        if not groups:
            yield cluster, f"{why}: TLS is not stated in a parameter group of this stack"
            continue
        for group in groups:
            values = _parameter_values(group, "tls")
            if values is None:
                yield cluster, f"parameter group '{group.name}' does not set tls"
            elif not all(v in TLS_ON for v in values):
                yield cluster, (f"parameter group '{group.name}' sets tls to "
                                f"{', '.join(repr(v) for v in values)} (TLS not required)")
