"""DocumentDB rules of policies/rules/documents.py (DocumentDB.1-6): each way a cluster can miss
a control (wrong value, missing key, default omitted, wrong type, a good parameter group that
isn't the attached one, a value in odd case), and clusters that pass. The stack's real cluster
passes them in tests/test_document_database.py (`groundwork check` over the plan)."""

from __future__ import annotations

from typing import Any

import pytest

from groundwork.check import synthetic, validate_resource, validate_stack
from groundwork.policies import rules

RULES = rules.by_name()
COVERED_RULES = {"docdb-encrypted", "docdb-backup-retention", "docdb-snapshot-not-public",
                 "docdb-deletion-protection", "docdb-audit-logs", "docdb-tls"}
CLUSTER = "aws:docdb/cluster:Cluster"
GROUP = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
SNAPSHOT_COPY = "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0d1c5f8e-0000-4000-8000-000000000001"

GOOD_CLUSTER: dict[str, Any] = {
    "clusterIdentifier": "app-docs", "engine": "docdb", "storageEncrypted": True, "kmsKeyId": KEY,
    "backupRetentionPeriod": 14, "deletionProtection": True,
    "enabledCloudwatchLogsExports": ["audit", "profiler"],
}
GOOD_PARAMETERS = [{"name": "tls", "value": "enabled", "applyMethod": "pending-reboot"},
                   {"name": "audit_logs", "value": "enabled", "applyMethod": "immediate"},
                   {"name": "profiler", "value": "enabled", "applyMethod": "immediate"}]


def _resource(rule: str, props: dict[str, Any], type_: str = CLUSTER, **config: Any) -> list[str]:
    return validate_resource(RULES[rule], type_, props, config=config or None)


def _group(name: str = "docs-params", parameters: Any = GOOD_PARAMETERS):
    return synthetic(GROUP, name, {"name": f"{name}-abc", "family": "docdb5.0",
                                   "parameters": parameters})


def _cluster(group=None, **props: Any):
    values = {**GOOD_CLUSTER, **props}
    deps = {}
    if group is not None:
        values.setdefault("dbClusterParameterGroupName", group.props["name"])
        deps = {"dbClusterParameterGroupName": [group]}
    return synthetic(CLUSTER, "docs-cluster", values, deps=deps)


def _stack(rule: str, *resources) -> list[str]:
    return [message for _, message in validate_stack(RULES[rule], list(resources))]


# --- DocumentDB.1: encrypted at rest (with a customer key) ------------------------------------


@pytest.mark.parametrize(("props", "says"), [
    ({"storageEncrypted": False}, "not encrypted"),
    ({"storageEncrypted": None}, "not encrypted"),  # omitted: DocumentDB's default is false
    ({"storageEncrypted": "false"}, "not encrypted"),  # a string from YAML
    ({"kmsKeyId": None}, "AWS-managed"),
    ({"kmsKeyId": "alias/aws/rds"}, "AWS-managed"),
    ({"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:alias/AWS/rds"}, "AWS-managed"),
], ids=["false", "omitted", "string-false", "no-key", "aws-alias", "aws-alias-arn-odd-case"])
def test_unencrypted_or_aws_key_fails(props, says):
    [message] = _resource("docdb-encrypted", {**GOOD_CLUSTER, **props})
    assert says in message and "[DocumentDB.1]" in message


@pytest.mark.parametrize("props", [{}, {"storageEncrypted": "true"},
                                   {"kmsKeyId": "alias/groundwork-prod-data"}],
                         ids=["key-arn", "string-true", "customer-alias"])
def test_customer_key_passes(props):
    assert _resource("docdb-encrypted", {**GOOD_CLUSTER, **props}) == []


# --- DocumentDB.2: backup retention -------------------------------------------------------------


@pytest.mark.parametrize(("days", "minimum"), [(6, 7), (None, 7), ("3", 7), (1, 2)],
                         ids=["six-days", "omitted-is-1", "string-3", "dev-minimum-2"])
def test_short_backup_retention_fails(days, minimum):
    [message] = _resource("docdb-backup-retention", {**GOOD_CLUSTER, "backupRetentionPeriod": days},
                          minimumDays=minimum)
    assert "at least" in message and "[DocumentDB.2]" in message


@pytest.mark.parametrize(("days", "minimum"), [(7, 7), (35, 7), (1, 1), (7.0, 7)],
                         ids=["seven", "max", "dev-one", "float"])
def test_adequate_backup_retention_passes(days, minimum):
    assert _resource("docdb-backup-retention", {**GOOD_CLUSTER, "backupRetentionPeriod": days},
                     minimumDays=minimum) == []


# --- DocumentDB.3: manual snapshots not public --------------------------------------------------


@pytest.mark.parametrize(("type_", "shared"), [
    (SNAPSHOT, ["all"]),
    (SNAPSHOT_COPY, ["all"]),
    (SNAPSHOT, ["123456789012", "ALL"]),
    (SNAPSHOT_COPY, [" all "]),
    (SNAPSHOT, "all"),  # a scalar, not a list
], ids=["snapshot-all", "copy-all", "mixed-odd-case", "padded", "scalar"])
def test_public_cluster_snapshot_fails(type_, shared):
    props = {"dbClusterIdentifier": "app-docs", "dbClusterSnapshotIdentifier": "s1",
             "sharedAccounts": shared}
    [message] = _resource("docdb-snapshot-not-public", props, type_)
    assert "public" in message and "[DocumentDB.3]" in message


@pytest.mark.parametrize("shared", [None, [], ["123456789012"]], ids=["unset", "empty", "one-account"])
def test_private_cluster_snapshot_passes(shared):
    props = {"sourceDbClusterSnapshotIdentifier": "s1", "targetDbClusterSnapshotIdentifier": "s2",
             "sharedAccounts": shared}
    assert _resource("docdb-snapshot-not-public", props, SNAPSHOT_COPY) == []


def test_docdb_snapshot_resource_has_no_sharing_argument():
    """Why the rule watches the RDS resources: the SDK's docdb.ClusterSnapshot can't be shared."""
    import inspect

    import pulumi_aws as aws

    assert "shared_accounts" not in inspect.signature(aws.docdb.ClusterSnapshot._internal_init).parameters
    assert "shared_accounts" in inspect.signature(aws.rds.ClusterSnapshotCopy._internal_init).parameters


# --- DocumentDB.5: deletion protection ----------------------------------------------------------


@pytest.mark.parametrize("value", [False, None, "false", "yes"],
                         ids=["false", "omitted", "string", "wrong-type"])
def test_no_deletion_protection_fails(value):
    [message] = _resource("docdb-deletion-protection", {**GOOD_CLUSTER, "deletionProtection": value})
    assert "[DocumentDB.5]" in message


@pytest.mark.parametrize("value", [True, "true"], ids=["bool", "string"])
def test_deletion_protection_passes(value):
    assert _resource("docdb-deletion-protection", {**GOOD_CLUSTER, "deletionProtection": value}) == []


# --- DocumentDB.4: audit logs exported and switched on ---------------------------------------------


@pytest.mark.parametrize(("exports", "parameters", "says"), [
    (["profiler"], GOOD_PARAMETERS, "does not export audit"),
    (None, GOOD_PARAMETERS, "does not export audit"),
    (["Audit", "profiler"], GOOD_PARAMETERS, "does not export audit"),  # AWS's names are lowercase
    (["audit"], [{"name": "tls", "value": "enabled"}], "does not set audit_logs"),
    (["audit"], [{"name": "audit_logs", "value": "Disabled"}], "logs nothing"),
    (["audit"], [{"name": "audit_logs", "value": "NONE"}], "logs nothing"),
    (["audit"], [{"name": "audit_logs", "value": "ddl,none"}], "logs nothing"),
    (["audit"], [{"name": "audit_logs", "value": ""}], "logs nothing"),
    (["audit"], [{"name": "audit_logs", "value": "enabled"},
                 {"name": "audit_logs", "value": "disabled"}], "logs nothing"),  # either may win
], ids=["no-audit-export", "no-exports", "odd-case-export", "parameter-missing", "disabled-odd-case",
        "none", "none-in-a-list", "empty", "duplicate-disabled"])
def test_audit_logs_not_on_fails(exports, parameters, says):
    group = _group(parameters=parameters)
    messages = _stack("docdb-audit-logs", group,
                      _cluster(group, enabledCloudwatchLogsExports=exports))
    assert any(says in m for m in messages) and all("[DocumentDB.4]" in m for m in messages)


def test_audit_logs_in_a_group_the_cluster_does_not_use_fails():
    good, other = _group("good"), _group("other", [{"name": "tls", "value": "enabled"}])
    messages = _stack("docdb-audit-logs", good, other, _cluster(other))
    assert any("'other' does not set audit_logs" in m for m in messages)


@pytest.mark.parametrize("name", [None, "default.docdb5.0", "shared-audit-group"],
                         ids=["default-group", "default-by-name", "group-outside-the-stack"])
def test_audit_logs_without_a_group_of_the_stack_fails(name):
    cluster = synthetic(CLUSTER, "docs-cluster", {**GOOD_CLUSTER, "dbClusterParameterGroupName": name})
    [message] = _stack("docdb-audit-logs", _group("unrelated"), cluster)
    assert "audit_logs is disabled there" in message


@pytest.mark.parametrize("value", ["enabled", "ALL", "ddl,dml_write", " dml_read "])
def test_audit_logs_on_and_exported_passes(value):
    group = _group(parameters=[{"name": "audit_logs", "value": value}])
    assert _stack("docdb-audit-logs", group, _cluster(group)) == []


def test_audit_logs_group_found_by_name_passes():
    """Without property dependencies (a group named in another program's config), by value."""
    group = _group()
    cluster = synthetic(CLUSTER, "docs-cluster",
                        {**GOOD_CLUSTER, "dbClusterParameterGroupName": group.props["name"]})
    assert _stack("docdb-audit-logs", group, cluster) == []


# --- DocumentDB.6: TLS required by the attached parameter group ---------------------------------------


@pytest.mark.parametrize(("parameters", "says"), [
    ([{"name": "tls", "value": "disabled"}], "TLS not required"),
    ([{"name": "tls", "value": "DISABLED"}], "TLS not required"),
    ([{"name": "tls", "value": "Disabled "}], "TLS not required"),
    ([{"name": "tls", "value": "tls1.0+"}], "TLS not required"),
    ([{"name": "tls", "value": ""}], "TLS not required"),
    ([{"name": "audit_logs", "value": "enabled"}], "does not set tls"),
    ([{"name": "TLS ", "value": "enabled"}, {"name": "tls", "value": "disabled"}], "TLS not required"),
    ([], "does not set tls"),
], ids=["disabled", "upper", "odd-case-padded", "unknown-value", "empty", "missing",
        "decoy-name", "no-parameters"])
def test_tls_not_required_fails(parameters, says):
    group = _group(parameters=parameters)
    [message] = _stack("docdb-tls", group, _cluster(group))
    assert says in message and "[DocumentDB.6]" in message


def test_tls_in_a_group_the_cluster_does_not_use_fails():
    good, attached = _group("good"), _group("attached", [{"name": "tls", "value": "disabled"}])
    [message] = _stack("docdb-tls", good, attached, _cluster(attached))
    assert "'attached'" in message


@pytest.mark.parametrize("name", [None, "default.docdb5.0"], ids=["default-group", "default-by-name"])
def test_tls_on_the_default_group_fails(name):
    """groundwork's decision: the default group has tls=enabled, but the value must be stated in
    a group of the stack (docs/document-database.md)."""
    cluster = synthetic(CLUSTER, "docs-cluster", {**GOOD_CLUSTER, "dbClusterParameterGroupName": name})
    [message] = _stack("docdb-tls", _group("unrelated"), cluster)
    assert "not stated" in message


@pytest.mark.parametrize("value", ["enabled", "tls1.2+", "TLS1.3+", "fips-140-3"])
def test_tls_required_passes(value):
    group = _group(parameters=[{"name": "tls", "value": value}])
    assert _stack("docdb-tls", group, _cluster(group)) == []


def test_rules_are_mandatory_in_prod_and_the_retention_floor_is_7():
    from groundwork.check import POLICIES_DIR, effective_levels, load_policy_config

    prod = load_policy_config(POLICIES_DIR / "config" / "prod.json")
    dev = load_policy_config(POLICIES_DIR / "config" / "dev.json")
    levels = effective_levels(prod)
    assert {levels[name] for name in COVERED_RULES} == {"mandatory"}
    assert prod["docdb-backup-retention"]["minimumDays"] == 7
    assert dev["docdb-backup-retention"]["minimumDays"] == 1
    # dev relaxes deletion protection only (its profile turns it off)
    assert {n for n, lvl in effective_levels(dev).items() if n in COVERED_RULES
            and lvl != "mandatory"} == {"docdb-deletion-protection"}
