"""Ways around the data-protection rules (policies/rules/backup.py and the S3 additions of
policies/rules/storage.py) found by auditing them, each a failing case next to the shape that
passes, plus the preview cases (values unknown until deploy): a rule either decides from what
is known or says it can't run, never passes because a value is missing. See docs/policies.md,
"Backup coverage"."""

from __future__ import annotations

import json

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError
from test_policies_backup import (
    BREAK_GLASS,
    BUCKET,
    DR_ARN,
    ENCRYPTION,
    KEY,
    LIFECYCLE,
    LOCK,
    LOGGING,
    REPLICATION,
    RULES,
    SELECTION,
    VERSIONING,
    _bucket,
    _coverage,
    _database,
    _deny,
    _floor,
    _lock,
    _plan,
    _rule,
    _selection,
    _sse,
    _tags,
    _vault,
    _vault_policy,
)

from groundwork.check import synthetic, validate_stack

COVERED_RULES = {"backup-plan-coverage", "backup-recovery-points-encrypted", "backup-retention-floor",
                 "backup-vault-lock", "backup-vault-deny-delete", "backup-cross-region-copy",
                 "s3-versioning", "s3-noncurrent-version-expiry", "s3-lifecycle-transitions",
                 "s3-bucket-customer-key"}
DESTINATION = "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ENABLED = {"status": "Enabled"}


# --- what is a log bucket -----------------------------------------------------------------------


def _delivery_destination(bucket, *, by_value: bool = True):
    arn = bucket.props["arn"] if by_value else UNKNOWN_STRING_VALUE
    return synthetic(DESTINATION, "cdn-log-destination",
                     {"name": "logs-s3", "outputFormat": "parquet",
                      "deliveryDestinationConfiguration": {"destinationResourceArn": arn}},
                     deps={"deliveryDestinationConfiguration": [bucket]})


@pytest.mark.parametrize("by_value", [True, False], ids=["known-arn", "preview-dependency"])
def test_a_vended_log_destination_bucket_is_a_log_bucket(by_value):
    """CloudFront standard logging v2 (and every service delivering through CloudWatch Logs)
    writes through a LogDeliveryDestination, not a BucketLogging: its bucket is no data store,
    and keeps SSE-S3."""
    logs = _bucket("cdn-logs")
    resources = [logs, _delivery_destination(logs, by_value=by_value)]
    assert _coverage(resources) == []
    assert validate_stack(RULES["s3-bucket-customer-key"], [*resources, _sse(logs, "AES256")]) == []
    # the same bucket without the destination is a data bucket
    assert "no Backup tag" in _coverage([logs])[0][1]


def _writer(bucket, resource: str | None = None, action: str = "s3:PutObject"):
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [action], "Resource": resource or f"{bucket.props['arn']}/*"}]})
    return synthetic(ROLE_POLICY, "api-access", {"role": "api-task", "policy": doc})


def _logging_into(target):
    other = _bucket("decoy")
    return other, synthetic(LOGGING, "decoy-logging", {"bucket": "decoy", "targetBucket": target.name},
                            deps={"bucket": [other], "targetBucket": [target]})


def test_a_data_bucket_disguised_as_a_log_target_is_still_a_data_bucket():
    """Pointing another bucket's access logs (or a replication) at a data bucket doesn't exempt
    it: a bucket a workload writes holds data, whatever AWS also delivers into it."""
    assets = _bucket("assets")
    decoy, logging = _logging_into(assets)
    found = _coverage([assets, decoy, logging, _writer(assets)])
    assert [u.rsplit("::", 1)[-1] for u, _ in found] == ["assets", "decoy"]
    [(urn, message)] = validate_stack(RULES["s3-bucket-customer-key"],
                                      [assets, decoy, logging, _writer(assets), _sse(assets, "AES256"),
                                       _sse(decoy, "aws:kms", KEY)])
    assert urn.endswith("::assets") and "not SSE-KMS" in message
    replication = synthetic(REPLICATION, "decoy-replication",
                            {"bucket": "decoy", "rules": [{"destination": {"bucket": assets.props["arn"]}}]},
                            deps={"bucket": [decoy], "rules": [assets]})
    found = _coverage([assets, decoy, replication, _writer(assets)])
    assert "assets" in [u.rsplit("::", 1)[-1] for u, _ in found]
    # a read grant (an Athena role over the logs) or a broad `*` grant doesn't make a log bucket data
    assert _coverage([assets, decoy, logging, _writer(assets, action="s3:GetObject")]) == [
        f for f in _coverage([assets, decoy, logging]) if f[0].endswith("::decoy")]
    for broad in ("*", "arn:aws:s3:::*", "arn:aws:s3:::*/*"):
        assert [u.rsplit("::", 1)[-1] for u, _ in _coverage(
            [assets, decoy, logging, _writer(assets, broad)])] == ["decoy"], broad


# --- coverage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("selection_props", "fragment"), [
    ({"conditions": [{"stringLikes": [{"key": "aws:ResourceTag/Backup", "value": "groundwork-*"}]}]},
     "names no exact Backup tag value"),
    (_tags(kind="STRINGLIKE"), "names no exact Backup tag value"),
    (_tags(value="groundwork-*"), "selects Backup=groundwork-*"),
    ({**_tags(), "resources": ["arn:aws:rds:us-east-1:123456789012:db:other"]}, "don't name it"),
    ({**_tags(), "resources": ["db"]}, "don't name it"),  # a name is not an ARN
    ({**_tags(), "resources": ["arn:aws:rds:us-east-1:123456789012:cluster:db"]}, "don't name it"),
    ({**_tags(), "notResources": ["arn:aws:rds:us-east-1:123456789012:db:d*"]}, "not_resources"),
], ids=["string-like-prefix", "selection-tag-string-like", "equals-a-pattern", "resources-other-db",
        "resources-by-name", "resources-cluster-form", "not-resources-prefix"])
def test_more_selections_that_do_not_cover(selection_props, fragment):
    plan = _plan(_rule())
    [(_, message)] = _coverage([_database(), plan, _selection(plan, **selection_props)])
    assert fragment in message


def test_a_second_selection_cannot_exclude_what_the_first_selects():
    """Selections are independent in AWS: one that excludes the store doesn't undo another."""
    plan = _plan(_rule())
    other = _selection(plan, name="other", **_tags(), notResources=["*"])
    assert _coverage([_database(), plan, _selection(plan, **_tags()), other]) == []


@pytest.mark.parametrize("schedule", [
    "cron(0 5 31 2 ? *)", "cron(0 5 30 FEB ? *)", "cron(0 5 31 4,6,9,11 ? *)", "cron(0 5 1 * ? 2020)",
    "cron(0 5 30-31 2 ? *)",
], ids=["feb-31", "feb-30-name", "short-months", "past-year", "day-range"])
def test_a_plan_whose_only_rule_never_runs_covers_nothing(schedule):
    plan = _plan(_rule(schedule=schedule))
    [(_, message)] = _coverage([_database(), plan, _selection(plan, **_tags())])
    assert "has no rule that can run" in message
    # one rule that runs is enough
    running = _plan(_rule(schedule=schedule), _rule("daily2", schedule="cron(0 5 ? * * *)"))
    assert _coverage([_database(), running, _selection(running, **_tags())]) == []


@pytest.mark.parametrize("schedule", [None, "cron(0 5 ? * * *)", "cron(0 5 29 2 ? *)", "cron(0 5 L * ? *)",
                                      "cron(0 5 31 * ? *)", "cron(0 */1 ? * * *)"])
def test_schedules_that_run_pass(schedule):
    plan = _plan(_rule(**({"schedule": schedule} if schedule else {})))
    assert _coverage([_database(), plan, _selection(plan, **_tags())]) == []


def test_preview_unknown_resources_are_undecided_not_covered():
    """The store's ARN unknown (preview): a pattern that names every RDS instance decides, one
    naming a particular instance can't be judged (skipped, not passed), an entry computed from
    the store includes it."""
    plan = _plan(_rule())
    db = _database(arn=UNKNOWN_STRING_VALUE)
    every = _selection(plan, **_tags(), resources=["arn:aws:rds:*:*:db:*"])
    assert _coverage([db, plan, every]) == []
    buckets_only = _selection(plan, **_tags(), resources=["arn:aws:s3:::*"])
    assert "don't name it" in _coverage([db, plan, buckets_only])[0][1]
    one = _selection(plan, **_tags(), resources=["arn:aws:rds:us-east-1:123456789012:db:other"])
    with pytest.raises(UnknownValueError):
        _coverage([db, plan, one])
    excluded = _selection(plan, **_tags(), notResources=["arn:aws:rds:us-east-1:123456789012:db:d*"])
    with pytest.raises(UnknownValueError):
        _coverage([db, plan, excluded])
    computed = synthetic(SELECTION, "selection", {"planId": "plan-id", **_tags(),
                                                  "resources": [UNKNOWN_STRING_VALUE]},
                         deps={"planId": [plan], "resources": [db]})
    assert _coverage([db, plan, computed]) == []
    from_elsewhere = synthetic(SELECTION, "selection", {"planId": "plan-id", **_tags(),
                                                        "resources": [UNKNOWN_STRING_VALUE]},
                               deps={"planId": [plan], "resources": [_database(arn=UNKNOWN_STRING_VALUE)]})
    assert "don't name it" in _coverage([db, plan, from_elsewhere])[0][1]


def test_a_known_resources_entry_is_judged_by_value_not_by_its_dependency():
    plan, db = _plan(_rule()), _database()
    selection = synthetic(SELECTION, "selection",
                          {"planId": "plan-id", **_tags(),
                           "resources": ["arn:aws:rds:us-east-1:1:db:not-it"]},
                          deps={"planId": [plan], "resources": [db]})
    assert "don't name it" in _coverage([db, plan, selection])[0][1]


# --- retention, Backup.1 ------------------------------------------------------------------------


@pytest.mark.parametrize(("rules_", "fragment"), [
    ([_rule(delete=0)], "keeps recovery points 0 days"),
    ([_rule(delete=-1)], "keeps recovery points -1 days"),
    ([_rule(delete=None, copies=[{"destinationVaultArn": DR_ARN, "lifecycle": {"deleteAfter": 0}}])],
     "copy action #0 keeps"),
], ids=["zero", "negative", "copy-zero"])
def test_zero_and_negative_retention_fail(rules_, fragment):
    assert any(fragment in m for m in _floor(*rules_))


def test_continuous_only_plan_cannot_meet_a_floor_above_35_days():
    continuous = _rule("continuous", 35, copies=[], enableContinuousBackup=True)
    assert _floor(continuous) == []  # floor 30: 35 days meet it
    assert any("needs a scheduled rule" in m for m in _floor(continuous, minimum=90))
    assert _floor(continuous, _rule("monthly", 365, copies=[_copy_365()]), minimum=90) == []


def _copy_365():
    return {"destinationVaultArn": DR_ARN, "lifecycle": {"deleteAfter": 365}}


def test_a_rule_targeting_a_vault_name_that_exists_only_in_the_dr_region_is_unchecked():
    """`target_vault_name` is a name in the plan's region: a vault of the same name in the DR
    region (on a customer key) says nothing about the plan region's vault (maybe the AWS-managed
    `Default`-like vault someone made by hand)."""
    rule = RULES["backup-recovery-points-encrypted"]
    plan = _plan(_rule())
    dr_named_vault = _vault("vault", "us-west-2")
    [(_, message)] = validate_stack(rule, [_database(), plan, _selection(plan, **_tags()), dr_named_vault])
    assert "not in this stack (in the plan's region us-east-1)" in message
    assert validate_stack(rule, [_database(), plan, _selection(plan, **_tags()), _vault()]) == []


# --- vault lock ---------------------------------------------------------------------------------


def test_vault_lock_ways_around():
    rule = RULES["backup-vault-lock"]
    vault, plan = _vault(), _plan(_rule(copies=[]))
    assert validate_stack(rule, [vault, plan, _lock(vault, minRetentionDays=7, maxRetentionDays=3650)]) == []
    # a lock without min_retention_days enforces nothing against deletion
    [(_, message)] = validate_stack(rule, [vault, plan, _lock(vault, maxRetentionDays=3650)])
    assert "sets no min_retention_days" in message
    # max below the rule's retention
    assert any("more than lock" in m for _, m in validate_stack(
        rule, [vault, plan, _lock(vault, minRetentionDays=7, maxRetentionDays=20)]))
    # a lock on another vault's name, even if computed from this vault
    other = synthetic(LOCK, "lock", {"backupVaultName": "other-vault", "minRetentionDays": 7},
                      deps={"backupVaultName": [vault]})
    assert "no vault lock" in validate_stack(rule, [vault, plan, other])[0][1]
    # a lock on the same name in another region locks another vault
    elsewhere = synthetic(LOCK, "lock", {"backupVaultName": "vault", "minRetentionDays": 7,
                                         "region": "us-west-2"})
    assert "no vault lock" in validate_stack(rule, [vault, plan, elsewhere])[0][1]
    # preview: the vault's name unknown, the dependency decides
    unnamed = synthetic(vault.resource_type, "vault", {"name": UNKNOWN_STRING_VALUE, "kmsKeyArn": KEY,
                                                       "region": "us-east-1"})
    lock = synthetic(LOCK, "lock", {"backupVaultName": UNKNOWN_STRING_VALUE, "minRetentionDays": 7},
                     deps={"backupVaultName": [unnamed]})
    assert validate_stack(rule, [unnamed, lock]) == []


# --- deny-delete ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("statement", "fragment"), [
    (_deny(Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/b*"}}),
     "not named break-glass"),
    (_deny(Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/ops/*"}}),
     "not named break-glass"),
    (_deny(Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:sts::123456789012:assumed-role/*/x"}}),
     "not named break-glass"),
    (_deny(Resource="arn:aws:backup:us-east-1:999999999999:recovery-point:*"), "every recovery point"),
    (_deny(Resource="arn:aws:backup:us-west-2:123456789012:recovery-point:*"), "every recovery point"),
], ids=["role-prefix-wildcard", "role-path-wildcard", "assumed-any-role", "other-account", "other-region"])
def test_deny_delete_more_ways_around(statement, fragment):
    vault = _vault()
    [(_, message)] = validate_stack(RULES["backup-vault-deny-delete"],
                                    [vault, _vault_policy(vault, statement)])
    assert fragment in message


def test_deny_delete_named_roles_and_own_recovery_points_pass():
    vault = _vault()
    for statement in (
        _deny(Condition={"ArnNotLike": {"aws:PrincipalArn": [
            BREAK_GLASS, "arn:aws:iam::123456789012:role/ops/break-glass",
            "arn:aws:sts::123456789012:assumed-role/break-glass/*"]}}),
        _deny(Resource="arn:aws:backup:us-east-1:123456789012:recovery-point:*"),
        _deny(Resource="arn:aws:backup:*:*:recovery-point:*"),
    ):
        found = validate_stack(RULES["backup-vault-deny-delete"], [vault, _vault_policy(vault, statement)])
        assert found == [], statement


def test_a_vault_policy_on_another_vault_name_does_not_guard_this_one():
    vault = _vault()
    policy = _vault_policy(vault, _deny())
    moved = synthetic(policy.resource_type, "vault-policy",
                      {**dict(policy.props), "backupVaultName": "other"}, deps={"backupVaultName": [vault]})
    assert "has no access policy" in validate_stack(RULES["backup-vault-deny-delete"], [vault, moved])[0][1]


# --- cross-region copies -------------------------------------------------------------------------


def test_cross_region_copy_ways_around():
    rule = RULES["backup-cross-region-copy"]
    vault, dr = _vault(), _vault("dr", "us-west-2", DR_ARN)
    second = _vault("second", "us-east-1")
    [(_, message)] = validate_stack(rule, [vault, dr, second, _plan(_rule(copies=[
        {"destinationVaultArn": second.props["arn"]}]))])
    assert "same region (us-east-1)" in message
    # the DR vault's name in place of its ARN: AWS takes an ARN only
    [(_, message)] = validate_stack(rule, [vault, dr, _plan(_rule(copies=[{"destinationVaultArn": "dr"}]))])
    assert "not a vault of this stack" in message
    # a literal ARN to a vault this stack doesn't create (another account's, same name)
    literal = DR_ARN.replace("123456789012", "999999999999")
    plan = _plan(_rule(copies=[{"destinationVaultArn": literal}]))
    [(_, message)] = validate_stack(rule, [vault, dr, plan])
    assert "not a vault of this stack" in message


# --- S3 ---------------------------------------------------------------------------------------------


def test_s3_configs_are_matched_by_value_when_known():
    """A versioning / lifecycle / encryption config computed from the bucket but naming another
    bucket configures that other bucket."""
    bucket = _bucket("assets")
    versioning = synthetic(VERSIONING, "v", {"bucket": "elsewhere", "versioningConfiguration": ENABLED},
                           deps={"bucket": [bucket]})
    assert "not versioned" in validate_stack(RULES["s3-versioning"], [bucket, versioning])[0][1]
    encryption = synthetic(ENCRYPTION, "e", {"bucket": "elsewhere", "rules": [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}}]},
        deps={"bucket": [bucket]})
    [(_, message)] = validate_stack(RULES["s3-bucket-customer-key"], [bucket, encryption])
    assert "no default encryption" in message
    # preview: the bucket's name unknown, the dependency decides
    unnamed = synthetic(BUCKET, "assets", {"bucket": UNKNOWN_STRING_VALUE, "arn": UNKNOWN_STRING_VALUE})
    versioning = synthetic(VERSIONING, "v", {"bucket": UNKNOWN_STRING_VALUE,
                                             "versioningConfiguration": {"status": "Enabled"}},
                           deps={"bucket": [unnamed]})
    assert validate_stack(RULES["s3-versioning"], [unnamed, versioning]) == []


def test_s3_more_ways_around():
    bucket = _bucket("assets")
    versioning = synthetic(VERSIONING, "v", {"bucket": "assets", "versioningConfiguration": ENABLED},
                           deps={"bucket": [bucket]})
    disabled = synthetic(LIFECYCLE, "l", {"bucket": "assets", "rules": [
        {"id": "x", "status": "Disabled", "filter": {"prefix": ""},
         "noncurrentVersionExpiration": {"noncurrentDays": 30}}]}, deps={"bucket": [bucket]})
    assert validate_stack(RULES["s3-noncurrent-version-expiry"], [bucket, versioning, disabled])
    ia29 = synthetic(LIFECYCLE, "l", {"bucket": "assets", "rules": [
        {"id": "x", "status": "Enabled", "noncurrentVersionTransitions": [
            {"noncurrentDays": 29, "storageClass": "STANDARD_IA"}]}]}, deps={"bucket": [bucket]})
    found = validate_stack(RULES["s3-lifecycle-transitions"], [bucket, ia29])
    assert any("at least 30" in m for _, m in found), found
    rule = RULES["s3-bucket-customer-key"]
    assert "no kms_master_key_id" in validate_stack(rule, [bucket, _sse(bucket, "aws:kms")])[0][1]
    assert "no kms_master_key_id" in validate_stack(rule, [bucket, _sse(bucket, "aws:kms:dsse")])[0][1]
    assert validate_stack(rule, [bucket, _sse(bucket, "aws:kms:dsse", KEY)]) == []
    assert "alias/aws/s3" in validate_stack(
        rule, [bucket, _sse(bucket, "aws:kms", "arn:aws:kms:us-east-1:123456789012:alias/aws/s3")])[0][1]


def test_coverage_of_the_real_cloudfront_stack(prod_cloudfront):
    """The CloudFront log bucket is a log bucket (its LogDeliveryDestination), the asset
    bucket still a covered data store."""
    from groundwork.check import stack_resources

    resources = stack_resources(prod_cloudfront.resources)
    assert _coverage(resources) == []
    assert validate_stack(RULES["s3-bucket-customer-key"], resources) == []
    [logs] = [r for r in resources if r.resource_type == BUCKET and r.name == "cdn-logs"]
    without = [r for r in resources if r.resource_type != DESTINATION]
    assert any(u.endswith("::cdn-logs") for u, _ in _coverage(without)), "the destination decides"
    assert logs.props["tags"].get("Backup") is None
