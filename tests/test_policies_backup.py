"""Data-protection rules: policies/rules/backup.py (coverage by the Backup tag, vault keys,
Backup.1, retention floor, vault lock, the deny-delete vault policy, cross-region copies) and
the S3 additions of policies/rules/storage.py (S3.14 versioning, S3.10 noncurrent expiry, S3.17
customer key on data buckets, lifecycle transitions S3 accepts). Each way around a rule is a
failing case next to the passing shape; the real prod plan passes them all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from groundwork.check import (
    POLICIES_DIR,
    check_plan,
    effective_levels,
    load_policy_config,
    synthetic,
    validate_policy_config,
    validate_resource,
    validate_stack,
)
from groundwork.policies import rules

RULES: dict[str, Any] = dict(rules.by_name())
BACKUP_RULES = {r.name for r in rules.ALL if r.family == "backup"}
S3_RULES = {"s3-versioning", "s3-noncurrent-version-expiry", "s3-lifecycle-transitions",
            "s3-bucket-customer-key"}
COVERED_RULES = BACKUP_RULES | S3_RULES

RDS = "aws:rds/instance:Instance"
DOCDB = "aws:docdb/cluster:Cluster"
BUCKET = "aws:s3/bucket:Bucket"
VAULT = "aws:backup/vault:Vault"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
TAG = "groundwork-prod-backup"
DR_ARN = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BREAK_GLASS = "arn:aws:iam::123456789012:role/break-glass"


# --- builders -----------------------------------------------------------------------------------


def _database(tag: str | None = TAG, **props: Any):
    tags = {"Backup": tag} if tag else {}
    return synthetic(RDS, "database", {"identifier": "db", "storageEncrypted": True, "region": "us-east-1",
                                       "arn": "arn:aws:rds:us-east-1:123456789012:db:db", "tags": tags,
                                       **props})


def _plan(*rules_: dict[str, Any], name: str = "plan"):
    return synthetic(PLAN, name, {"name": name, "id": f"{name}-id", "region": "us-east-1",
                                  "rules": list(rules_)})


def _rule(name: str = "daily", delete: int | None = 30, copies: list | None = None, **extra: Any):
    lifecycle = {"deleteAfter": delete} if delete is not None else {}
    return {"ruleName": name, "targetVaultName": "vault", "lifecycle": lifecycle,
            "copyActions": copies if copies is not None else [_copy(delete)], **extra}


def _copy(delete: int | None = 30, arn: str = DR_ARN):
    return {"destinationVaultArn": arn, **({"lifecycle": {"deleteAfter": delete}} if delete else {})}


def _selection(plan, *, name: str = "selection", region: str = "us-east-1", **props: Any):
    return synthetic(SELECTION, name, {"name": name, "planId": plan.props["id"] if plan else "other-plan",
                                       "region": region, **props},
                     deps={"planId": [plan]} if plan else None)


def _tags(value: str = TAG, key: str = "Backup", kind: str = "STRINGEQUALS"):
    return {"selectionTags": [{"type": kind, "key": key, "value": value}]}


def _coverage(resources, config=None):
    return validate_stack(RULES["backup-plan-coverage"], resources, config)


# --- coverage -------------------------------------------------------------------------------------


def test_a_store_selected_by_its_tag_on_a_plan_with_rules_passes():
    plan = _plan(_rule())
    assert _coverage([_database(), plan, _selection(plan, **_tags())]) == []
    by_condition = {"conditions": [{"stringEquals": [{"key": "aws:ResourceTag/Backup", "value": TAG}]}]}
    assert _coverage([_database(), plan, _selection(plan, **by_condition)]) == []


@pytest.mark.parametrize(("selection_props", "fragment"), [
    (_tags("groundwork-prod-other"), "selects Backup=groundwork-prod-other"),
    (_tags(key="backup"), "names no exact Backup tag value"),  # tag keys are case-sensitive
    ({"conditions": [{"stringLikes": [{"key": "aws:ResourceTag/Backup", "value": "*"}]}]},
     "names no exact Backup tag value"),
    ({**_tags(), "conditions": [{"stringNotEquals": [{"key": "aws:ResourceTag/Backup", "value": TAG}]}]},
     "excludes it by its condition stringNotEquals"),
    ({**_tags(), "conditions": [{"stringEquals": [{"key": "aws:ResourceTag/Tier", "value": "gold"}]}]},
     "excludes it by its condition stringEquals"),
    ({**_tags(), "conditions": [{"stringNotLikes": [{"key": "aws:ResourceTag/Backup",
                                                     "value": "groundwork-*"}]}]},
     "excludes it by its condition stringNotLikes"),
    ({**_tags(), "notResources": ["arn:aws:rds:*:*:db:*"]}, "excludes it in not_resources"),
    ({**_tags(), "notResources": ["*"]}, "excludes it in not_resources"),
    ({**_tags(), "resources": ["arn:aws:s3:::*"]}, "lists resources that don't name it"),
    ({**_tags(), "conditions": [{"stringEquals": [{"key": "aws:RequestTag/x", "value": "y"}]}]},
     "can't evaluate"),
], ids=["other-value", "key-case", "string-like-wildcard", "not-equals-self", "extra-and-condition",
        "not-like-self", "not-resources-pattern", "not-resources-star", "resources-other-service",
        "unknown-condition-key"])
def test_selections_that_do_not_really_cover_the_store_fail(selection_props, fragment):
    plan = _plan(_rule())
    [(urn, message)] = _coverage([_database(), plan, _selection(plan, **selection_props)])
    assert urn.endswith("::database") and fragment in message and "[Backup plan coverage]" in message


def test_not_resources_naming_the_store_by_dependency_fails():
    """In a preview the entry computed from the store's ARN is unknown: the dependency decides.
    A known entry is judged by its value (AWS reads the value, not where it came from)."""
    plan, db = _plan(_rule()), _database()
    selection = synthetic(SELECTION, "selection",
                          {"planId": "plan-id", "notResources": [UNKNOWN_STRING_VALUE], **_tags()},
                          deps={"planId": [plan], "notResources": [db]})
    [(_, message)] = _coverage([db, plan, selection])
    assert "not_resources" in message
    other = synthetic(SELECTION, "selection",
                      {"planId": "plan-id", "notResources": ["arn:aws:rds:us-east-1:123456789012:db:other"],
                       **_tags()}, deps={"planId": [plan], "notResources": [db]})
    assert _coverage([db, plan, other]) == []


def test_the_tag_without_a_selection_a_plan_without_rules_or_of_another_stack_fails():
    assert "no backup selection" in _coverage([_database()])[0][1]
    empty = _plan()
    assert "has no rules" in _coverage([_database(), empty, _selection(empty, **_tags())])[0][1]
    assert "plan outside this stack" in _coverage([_database(), _selection(None, **_tags())])[0][1]


def test_a_selection_in_another_region_does_not_cover():
    plan = _plan(_rule())
    [(_, message)] = _coverage([_database(), plan, _selection(plan, region="us-west-2", **_tags())])
    assert "is in us-west-2, the store in us-east-1" in message


def test_an_untagged_store_fails_in_prod_and_is_not_judged_in_dev():
    plan = _plan(_rule())
    resources = [_database(tag=None), plan, _selection(plan, **_tags())]
    [(_, message)] = _coverage(resources)
    assert "carries no Backup tag" in message
    assert _coverage(resources, {"requireBackupPlan": False}) == []
    # dev still holds a tagged store to its tag
    assert _coverage([_database(tag="dev-backup")], {"requireBackupPlan": False})


def _bucket(name: str, **props: Any):
    return synthetic(BUCKET, name, {"bucket": name, "arn": f"arn:aws:s3:::{name}", **props})


def test_data_buckets_are_stores_and_log_buckets_and_replicas_are_not():
    assets, logs, replica = _bucket("assets"), _bucket("logs"), _bucket("replica")
    logging = synthetic(LOGGING, "assets-logging", {"bucket": "assets", "targetBucket": "logs"},
                        deps={"bucket": [assets], "targetBucket": [logs]})
    replication = synthetic(REPLICATION, "replication",
                            {"bucket": "assets",
                             "rules": [{"destination": {"bucket": "arn:aws:s3:::replica"}}]},
                            deps={"bucket": [assets], "rules": [replica]})
    found = _coverage([assets, logs, replica, logging, replication])
    assert [u.rsplit("::", 1)[-1] for u, _ in found] == ["assets"]
    # a Backup tag on a log bucket holds it to the tag
    tagged_logs = _bucket("logs", tags={"Backup": TAG})
    found = _coverage([assets, tagged_logs, replica, logging, replication])
    assert sorted(u.rsplit("::", 1)[-1] for u, _ in found) == ["assets", "logs"]


def test_a_docdb_cluster_and_a_read_replica():
    cluster = synthetic(DOCDB, "documents", {"storageEncrypted": True, "tags": {}})
    assert "no Backup tag" in _coverage([cluster])[0][1]
    replica = _database(tag=None, replicateSourceDb="db")
    assert _coverage([replica]) == []


# --- vault key, Backup.1 --------------------------------------------------------------------------


@pytest.mark.parametrize(("props", "fragment"), [
    ({}, "kmsKeyArn unset"),
    ({"kmsKeyArn": "alias/aws/backup"}, "alias/aws/backup"),
    ({"kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:alias/aws/backup"}, "alias/aws/backup"),
])
def test_a_vault_without_a_customer_key_fails(props, fragment):
    [message] = validate_resource(RULES["backup-vault-customer-key"], VAULT, {"name": "v", **props})
    assert fragment in message and "[Backup vault CMK]" in message
    assert validate_resource(RULES["backup-vault-customer-key"], VAULT, {"name": "v", "kmsKeyArn": KEY}) == []


def _vault(name: str = "vault", region: str = "us-east-1", arn: str | None = None):
    return synthetic(VAULT, name, {"name": name, "kmsKeyArn": KEY, "region": region,
                                   "arn": arn or f"arn:aws:backup:{region}:123456789012:backup-vault:{name}"})


def test_recovery_points_encrypted():
    rule = RULES["backup-recovery-points-encrypted"]
    plan = _plan(_rule())
    ok = [_database(), plan, _selection(plan, **_tags()), _vault()]
    assert validate_stack(rule, ok) == []
    [(_, message)] = validate_stack(rule, [_database(storageEncrypted=False), *ok[1:]])
    assert "not encrypted" in message and "[Backup.1]" in message
    # an unencrypted store outside every plan is RDS.3's, not Backup.1's
    assert validate_stack(rule, [_database(tag=None, storageEncrypted=False), *ok[1:]]) == []
    [(_, message)] = validate_stack(rule, ok[:3])  # the target vault is not in the stack
    assert "not in this stack" in message


# --- retention floor ------------------------------------------------------------------------------


def _floor(*rules_: dict[str, Any], minimum: int = 30) -> list[str]:
    return validate_resource(RULES["backup-retention-floor"], PLAN, {"rules": list(rules_)},
                             config={"minimumDays": minimum})


def test_retention_floor_passing_shapes():
    assert _floor(_rule(), _rule("monthly", 365, coldStorageAfter=None)) == []
    assert _floor(_rule(delete=None, copies=[_copy(None)])) == []  # kept forever
    cold = _rule("monthly", 365, copies=[_copy(365)])
    cold["lifecycle"]["coldStorageAfter"] = 30
    assert _floor(cold) == []
    continuous = _rule("continuous", 35, copies=[_copy(7)], enableContinuousBackup=True)
    assert _floor(_rule(), continuous) == []  # the daily rule's copies keep 30 days in DR


@pytest.mark.parametrize(("rules_", "fragment"), [
    ([_rule(delete=7)], "keeps recovery points 7 days; the floor is 30"),
    ([_rule(copies=[_copy(7)])], "copy action #0 keeps recovery points 7 days"),
    ([_rule("continuous", 36, enableContinuousBackup=True)], "AWS allows 1-35"),
    ([_rule("continuous", None, enableContinuousBackup=True)], "has no delete_after"),
    ([_rule("continuous", 14, enableContinuousBackup=True)], "the floor is 30"),
    ([_rule("continuous", 35, copies=[_copy(7)], enableContinuousBackup=True)], "copy action #0 keeps"),
    ([_rule(copies=[_copy(7, "arn:aws:backup:us-west-2:1:backup-vault:other")]),
      _rule("continuous", 35, copies=[_copy(7)], enableContinuousBackup=True)], "keeps recovery points 7"),
], ids=["short-rule", "short-copy", "continuous-over-35", "continuous-forever", "continuous-short",
        "continuous-copy-alone", "continuous-copy-other-vault"])
def test_retention_below_the_floor_fails(rules_, fragment):
    found = _floor(*rules_)
    assert any(fragment in m for m in found), found
    assert all("[Backup retention floor]" in m for m in found)


def test_cold_storage_needs_ninety_days_more():
    rule = _rule("monthly", 100)
    rule["lifecycle"]["coldStorageAfter"] = 30
    [message] = _floor(rule)
    assert "cold_storage_after + 90" in message
    copy = _rule("monthly", 365, copies=[{"destinationVaultArn": DR_ARN,
                                          "lifecycle": {"deleteAfter": 100, "coldStorageAfter": 30}}])
    assert any("copy action #0" in m for m in _floor(copy))


# --- vault lock -----------------------------------------------------------------------------------


def _lock(vault, **props: Any):
    return synthetic(LOCK, f"{vault.name}-lock", {"backupVaultName": vault.props["name"], **props},
                     deps={"backupVaultName": [vault]})


def test_vault_lock():
    rule = RULES["backup-vault-lock"]
    vault, dr = _vault(), _vault("dr", "us-west-2", DR_ARN)
    plan = _plan(_rule(), _rule("monthly", 365, copies=[_copy(365)]))
    good = [vault, dr, plan, _lock(vault, minRetentionDays=7, maxRetentionDays=3650),
            _lock(dr, minRetentionDays=7, maxRetentionDays=3650)]
    assert validate_stack(rule, good) == []
    [(urn, message)] = validate_stack(rule, good[:4])
    assert urn.endswith("::dr") and "no vault lock" in message
    short = [vault, dr, plan, _lock(vault, minRetentionDays=60), _lock(dr, minRetentionDays=7)]
    found = [m for _, m in validate_stack(rule, short)]
    assert any("less than lock" in m and "60" in m for m in found)
    capped = [vault, dr, plan, _lock(vault), _lock(dr, maxRetentionDays=100)]
    assert any("copy action #0 keeps 365 days, more than" in m for _, m in validate_stack(rule, capped))
    compliance = [vault, dr, plan, _lock(vault, changeableForDays=1), _lock(dr)]
    assert any("at least 3" in m for _, m in validate_stack(rule, compliance))


# --- deny-delete vault policy ----------------------------------------------------------------------


def _deny(**overrides: Any) -> dict[str, Any]:
    return {"Sid": "DenyDelete", "Effect": "Deny", "Principal": {"AWS": "*"},
            "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
            "Resource": "*", **overrides}


def _vault_policy(vault, *statements_: dict[str, Any], name: str = "vault-policy"):
    doc = json.dumps({"Version": "2012-10-17", "Statement": list(statements_)})
    return synthetic(VAULT_POLICY, name, {"backupVaultName": vault.props["name"], "policy": doc},
                     deps={"backupVaultName": [vault]})


def _deny_delete(*statements_: dict[str, Any]):
    vault = _vault()
    return validate_stack(RULES["backup-vault-deny-delete"], [vault, _vault_policy(vault, *statements_)])


def test_deny_delete_passing_shapes():
    assert _deny_delete(_deny()) == []
    assert _deny_delete(_deny(Principal="*", Action="backup:Delete*")) == []
    assert _deny_delete(_deny(Condition={"ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS]}})) == []
    assert _deny_delete(_deny(Resource="arn:aws:backup:us-east-1:123456789012:recovery-point:*")) == []


@pytest.mark.parametrize(("statement", "fragment"), [
    (_deny(Effect="Allow"), "no Deny statement"),
    (_deny(Action="backup:DeleteBackupVault"), "does not deny backup:DeleteRecoveryPoint"),
    (_deny(NotAction="backup:DeleteRecoveryPoint", Action=None), "does not deny"),
    (_deny(Principal={"AWS": "arn:aws:iam::123456789012:role/app"}), "every principal"),
    (_deny(Resource="arn:aws:backup:us-east-1:123456789012:recovery-point:one"), "every recovery point"),
    (_deny(Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}), "not named break-glass"),
    (_deny(Condition={"ArnNotLike": {"aws:PrincipalArn": "*"}}), "not named break-glass"),
    (_deny(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), "narrowed by the condition"),
    (_deny(Condition={"StringEquals": {"aws:PrincipalArn": BREAK_GLASS}}), "narrowed by the condition"),
], ids=["allow", "other-action", "not-action", "one-principal", "one-recovery-point", "wildcard-role",
        "exempts-everyone", "source-ip", "equals-not-exempt"])
def test_deny_delete_ways_around_fail(statement, fragment):
    statement = {k: v for k, v in statement.items() if v is not None}
    [(_, message)] = _deny_delete(statement)
    assert fragment in message and "[Backup delete guard]" in message


def test_a_vault_without_a_policy_or_with_a_second_weak_one_fails():
    vault = _vault()
    rule = RULES["backup-vault-deny-delete"]
    assert "has no access policy" in validate_stack(rule, [vault])[0][1]
    weak = _vault_policy(vault, _deny(Effect="Allow"), name="second")
    found = validate_stack(rule, [vault, _vault_policy(vault, _deny()), weak])
    assert len(found) == 1 and "policy 'second'" in found[0][1]


# --- cross-region copies --------------------------------------------------------------------------


def test_cross_region_copy():
    rule = RULES["backup-cross-region-copy"]
    vault, dr = _vault(), _vault("dr", "us-west-2", DR_ARN)
    assert validate_stack(rule, [vault, dr, _plan(_rule())]) == []
    [(_, message)] = validate_stack(rule, [vault, dr, _plan(_rule(copies=[]))])
    assert "no copy action" in message and "[Backup cross-region copy]" in message
    same = _rule(copies=[_copy(30, vault.props["arn"])])
    assert "same region" in validate_stack(rule, [vault, dr, _plan(same)])[0][1]
    foreign = _rule(copies=[_copy(30, "arn:aws:backup:us-west-2:999999999999:backup-vault:x")])
    assert "not a vault of this stack" in validate_stack(rule, [vault, dr, _plan(foreign)])[0][1]
    # one rule of two without a copy
    found = validate_stack(rule, [vault, dr, _plan(_rule(), _rule("monthly", 365, copies=[]))])
    assert len(found) == 1 and "rule 'monthly'" in found[0][1]


# --- S3 additions -----------------------------------------------------------------------------------


def _versioning(bucket, status: str = "Enabled"):
    return synthetic(VERSIONING, f"{bucket.name}-versioning",
                     {"bucket": bucket.name, "versioningConfiguration": {"status": status}},
                     deps={"bucket": [bucket]})


def _lifecycle(bucket, *rules_: dict[str, Any]):
    return synthetic(LIFECYCLE, f"{bucket.name}-lifecycle", {"bucket": bucket.name, "rules": list(rules_)},
                     deps={"bucket": [bucket]})


def test_versioning_required():
    rule, bucket = RULES["s3-versioning"], _bucket("assets")
    assert validate_stack(rule, [bucket, _versioning(bucket)]) == []
    assert "not versioned" in validate_stack(rule, [bucket])[0][1]
    assert "suspended" in validate_stack(rule, [bucket, _versioning(bucket, "Suspended")])[0][1]
    other = _bucket("other")
    assert validate_stack(rule, [bucket, other, _versioning(other)])[0][0].endswith("::assets")


EXPIRE = {"noncurrentDays": 30}


@pytest.mark.parametrize(("rule_", "passes"), [
    ({"id": "a", "status": "Enabled", "filter": {"prefix": ""}, "noncurrentVersionExpiration": EXPIRE}, True),
    ({"id": "a", "status": "Enabled", "noncurrentVersionExpiration": EXPIRE}, True),
    ({"id": "a", "status": "Disabled", "noncurrentVersionExpiration": EXPIRE}, False),
    ({"id": "a", "status": "Enabled", "filter": {"prefix": "served/"}, "noncurrentVersionExpiration": EXPIRE},
     False),
    ({"id": "a", "status": "Enabled", "filter": {"objectSizeGreaterThan": 1024},
      "noncurrentVersionExpiration": EXPIRE}, False),
    ({"id": "a", "status": "Enabled", "filter": {"tag": {"key": "k", "value": "v"}},
      "noncurrentVersionExpiration": EXPIRE}, False),
    ({"id": "a", "status": "Enabled", "expiration": {"days": 30}}, False),
], ids=["whole-bucket", "no-filter", "disabled", "prefix-only", "size-filter", "tag-filter", "current-only"])
def test_noncurrent_version_expiry(rule_, passes):
    bucket = _bucket("assets")
    found = validate_stack(RULES["s3-noncurrent-version-expiry"],
                           [bucket, _versioning(bucket), _lifecycle(bucket, rule_)])
    assert (found == []) is passes, found
    if not passes:
        assert "[S3.10]" in found[0][1]


def test_an_unversioned_bucket_is_not_asked_for_noncurrent_expiry():
    assert validate_stack(RULES["s3-noncurrent-version-expiry"], [_bucket("assets")]) == []


def _transitions(*steps: tuple[int, str], expire: int | None = None, noncurrent: bool = False):
    days = "noncurrentDays" if noncurrent else "days"
    rule_: dict[str, Any] = {"id": "tiers", "status": "Enabled"}
    rule_["noncurrentVersionTransitions" if noncurrent else "transitions"] = [
        {days: d, "storageClass": c} for d, c in steps]
    if expire is not None:
        rule_["noncurrentVersionExpiration" if noncurrent else "expiration"] = (
            {"noncurrentDays": expire} if noncurrent else {"days": expire})
    bucket = _bucket("assets")
    return validate_stack(RULES["s3-lifecycle-transitions"], [bucket, _lifecycle(bucket, rule_)])


def test_lifecycle_transitions_aws_accepts_pass():
    assert _transitions((30, "STANDARD_IA"), (90, "GLACIER_IR"), (180, "DEEP_ARCHIVE"), expire=365) == []
    assert _transitions((0, "GLACIER_IR"), (90, "DEEP_ARCHIVE")) == []
    assert _transitions((30, "STANDARD_IA"), (60, "GLACIER"), noncurrent=True, expire=400) == []


@pytest.mark.parametrize(("steps", "kwargs", "fragment"), [
    (((29, "STANDARD_IA"),), {}, "AWS requires at least 30"),
    (((10, "ONEZONE_IA"),), {"noncurrent": True}, "AWS requires at least 30"),
    (((30, "GLACIER"), (60, "STANDARD_IA")), {}, "back up to STANDARD_IA"),
    (((30, "STANDARD_IA"), (45, "GLACIER_IR")), {}, "30 days in STANDARD_IA first"),
    (((30, "STANDARD_IA"), (90, "GLACIER_IR")), {"expire": 90}, "AWS requires expiration later"),
], ids=["ia-before-30", "noncurrent-onezone-before-30", "back-up-the-waterfall", "ia-then-too-soon",
        "expire-before-last"])
def test_lifecycle_transitions_aws_refuses_fail(steps, kwargs, fragment):
    found = _transitions(*steps, **kwargs)
    assert any(fragment in m for _, m in found), found


def _sse(bucket, algorithm: str, key: str | None = None):
    by_default = {"sseAlgorithm": algorithm, **({"kmsMasterKeyId": key} if key else {})}
    return synthetic(ENCRYPTION, f"{bucket.name}-encryption",
                     {"bucket": bucket.name, "rules": [{"applyServerSideEncryptionByDefault": by_default}]},
                     deps={"bucket": [bucket]})


def test_data_buckets_use_a_customer_key_and_log_buckets_may_use_sse_s3():
    rule = RULES["s3-bucket-customer-key"]
    assets, logs = _bucket("assets"), _bucket("logs")
    logging = synthetic(LOGGING, "assets-logging", {"bucket": "assets", "targetBucket": "logs"},
                        deps={"bucket": [assets], "targetBucket": [logs]})
    ok = [assets, logs, logging, _sse(assets, "aws:kms", KEY), _sse(logs, "AES256")]
    assert validate_stack(rule, ok) == []
    for bad, fragment in ((_sse(assets, "AES256"), "not SSE-KMS"),
                          (_sse(assets, "aws:kms"), "AWS-managed key (no kms_master_key_id)"),
                          (_sse(assets, "aws:kms", "alias/aws/s3"), "alias/aws/s3")):
        [(urn, message)] = validate_stack(rule, [assets, logs, logging, bad, _sse(logs, "AES256")])
        assert urn.endswith("::assets") and fragment in message and "[S3.17]" in message
    assert "no default encryption" in validate_stack(rule, [assets, logs, logging])[0][1]


# --- config, registration, the real stacks ---------------------------------------------------------


def test_levels_and_properties_per_environment():
    dev = load_policy_config(POLICIES_DIR / "config" / "dev.json")
    prod = load_policy_config(POLICIES_DIR / "config" / "prod.json")
    assert {effective_levels(prod)[n] for n in COVERED_RULES} == {"mandatory"}
    assert prod["backup-plan-coverage"]["requireBackupPlan"] is True
    assert prod["backup-retention-floor"]["minimumDays"] == 30
    assert dev["backup-plan-coverage"]["requireBackupPlan"] is False
    assert {n for n in COVERED_RULES if effective_levels(dev)[n] != "mandatory"} == {
        "backup-vault-lock", "backup-cross-region-copy"}
    assert RULES["backup-plan-coverage"].defaults == {"requireBackupPlan": True}  # fails closed
    assert any("true or false" in p for p in validate_policy_config(
        {"backup-plan-coverage": {"enforcementLevel": "mandatory", "requireBackupPlan": 1}}))


@pytest.fixture(scope="module")
def prod_result(prod):
    return check_plan(prod)


def test_prod_passes_and_each_rule_has_something_to_judge(prod, prod_result):
    fired = [v.message for v in prod_result.violations if v.policy in COVERED_RULES]
    assert fired == []
    assert not [s for s in prod_result.skipped if s.policy in COVERED_RULES]
    types = {r.type for r in prod.resources}
    assert {VAULT, LOCK, VAULT_POLICY, PLAN, SELECTION, RDS, BUCKET} <= types


def test_prod_database_and_asset_bucket_are_covered_by_the_plan(prod):
    """The real selection covers the real database and asset bucket: take the tag off either and
    the rule fires on it."""
    from groundwork.check import stack_resources

    resources = stack_resources(prod.resources)
    stores = {r.name: r for r in resources if r.resource_type in (RDS, BUCKET)}
    database = next(r for r in stores.values() if r.resource_type == RDS)
    assert database.props["tags"]["Backup"] == TAG
    assert _coverage(resources) == []
    stripped = [r for r in resources if r is not database]
    untagged = synthetic(RDS, database.name, {**dict(database.props), "tags": {}})
    [(urn, message)] = _coverage([*stripped, untagged])
    assert urn.endswith(f"::{database.name}") and "no Backup tag" in message


def test_dev_has_no_backup_finding(dev):
    result = check_plan(dev)
    assert [v.message for v in result.violations if v.policy in COVERED_RULES] == []


# --- the continuous rule and the database's own retention -----------------------------------------


def _continuous(delete: int = 35):
    return _rule("continuous", delete, enableContinuousBackup=True, schedule="cron(0 17 ? * * *)")


def _retention_match(resources):
    return validate_stack(RULES["backup-continuous-retention"], resources)


def test_a_database_keeping_the_continuous_rules_retention_passes():
    plan = _plan(_rule(), _continuous(35))
    assert _retention_match([_database(backupRetentionPeriod=35), plan,
                             _selection(plan, **_tags())]) == []


def test_a_database_keeping_another_retention_than_its_continuous_rule_fails():
    """AWS Backup manages the instance's point-in-time recovery and refuses a retention that
    differs: the walk-around a library user meets by leaving the database at its default 14."""
    plan = _plan(_rule(), _continuous(35))
    [(urn, message)] = _retention_match([_database(backupRetentionPeriod=14), plan,
                                         _selection(plan, **_tags())])
    assert urn.endswith("::database")
    assert "14 days" in message and "continuous rule 'continuous' kept 35 days" in message
    unset = _retention_match([_database(), plan, _selection(plan, **_tags())])
    assert [m for _, m in unset] and "unset" in unset[0][1]


def test_ignoring_changes_to_the_retention_lets_aws_backups_value_stand():
    plan = _plan(_rule(), _continuous(35))
    database = _database(backupRetentionPeriod=14)
    database.opts.ignore_changes.append("backupRetentionPeriod")
    assert _retention_match([database, plan, _selection(plan, **_tags())]) == []


def test_only_continuous_rules_of_plans_that_cover_the_database_count():
    plan = _plan(_rule(), _continuous(35))
    no_continuous = _plan(_rule(), name="snapshots")
    assert _retention_match([_database(backupRetentionPeriod=14), no_continuous,
                             _selection(no_continuous, **_tags())]) == []
    # a plan selecting another value doesn't manage this database (coverage reports that)
    assert _retention_match([_database(backupRetentionPeriod=14), plan,
                             _selection(plan, **_tags("groundwork-prod-other"))]) == []
