"""BackupPlan (components/backup.py, docs/backup.md): the pure checks (cron intervals, the
cold-storage minimum, the vault lock's range, the RPO), a small program with two plans, the prod
stack's plan, vaults, lock, copies, selection and restore testing, and the config's errors."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from conftest import policy_doc, tags_of
from hypothesis import given
from hypothesis import strategies as st

from groundwork.components.backup import (
    CONTINUOUS_RPO_MINUTES,
    RESTORE_TESTING_NAME,
    RULE_NAME,
    VAULT_DENIED_ACTIONS,
    VAULT_NAME,
    BackupPlanSettings,
    BackupRuleSettings,
    RestoreTestingSettings,
    VaultLockSettings,
    achievable_rpo_minutes,
    parse_cron,
    plan_problems,
    snapshot_rpo_minutes,
    vault_policy,
)
from groundwork.stacks.config import load_environment
from groundwork.stacks.config.loader import ConfigError
from groundwork.testing import PlanResult, ResourceRecord, plan_function

# --------------------------------------------------------------------------------------------
# cron parsing and intervals (pure)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "gap"), [
    ("cron(0 5 ? * * *)", 1440),            # daily
    ("cron(0 * ? * * *)", 60),              # hourly
    ("cron(0 0/12 ? * * *)", 720),
    ("cron(0 5 ? * MON-FRI *)", 3 * 1440),  # Friday to Monday
    ("cron(0 5 1 * ? *)", 31 * 1440),       # monthly: the longest month
    ("cron(0 5 L * ? *)", 31 * 1440),
    ("cron(0 5 ? * 2#1 *)", 35 * 1440),     # first Monday: up to five weeks apart
    ("cron(0 5 1 1 ? *)", 366 * 1440),      # yearly, across a leap year
])
def test_longest_gap_of_known_schedules(expression: str, gap: int) -> None:
    assert parse_cron(expression).longest_gap_minutes() == gap


@given(minute=st.integers(0, 59), hours=st.sets(st.integers(0, 23), min_size=1))
def test_longest_gap_is_the_largest_circular_gap_of_the_day(minute: int, hours: set[int]) -> None:
    text = ",".join(str(h) for h in sorted(hours))
    ordered = sorted(hours)
    gaps = [(b - a) * 60 for a, b in itertools.pairwise(ordered)]
    gaps.append((24 - ordered[-1] + ordered[0]) * 60)
    assert parse_cron(f"cron({minute} {text} ? * * *)").longest_gap_minutes() == max(gaps)


@given(step=st.integers(1, 23))
def test_hour_steps(step: int) -> None:
    hours = list(range(0, 24, step))
    expected = max([b - a for a, b in itertools.pairwise(hours)] + [24 - hours[-1]]) * 60
    assert parse_cron(f"cron(0 0/{step} ? * * *)").longest_gap_minutes() == expected


@pytest.mark.parametrize(("expression", "says"), [
    ("0 5 * * ? *", "not an AWS cron expression"),
    ("cron(0 5 * * *)", "has 5 fields"),
    ("cron(0 5 * * * *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 5 ? * ? *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 25 ? * * *)", "hour '25' is not in 0-23"),
    ("cron(0 5 ? * * 2030)", "the year must be *"),
    ("cron(0 5 15W * ? *)", "W and a day-of-week L"),
    ("cron(0 5 ? FOO * *)", "month 'FOO'"),
])
def test_bad_cron_is_refused_with_the_reason(expression: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_cron(expression)


def test_a_rule_more_often_than_hourly_is_refused() -> None:
    with pytest.raises(ValueError, match="at most hourly"):
        BackupRuleSettings(schedule="cron(0/30 * ? * * *)")


# --------------------------------------------------------------------------------------------
# retention (pure)
# --------------------------------------------------------------------------------------------


@given(cold=st.integers(1, 2000), delete=st.integers(1, 3000))
def test_cold_storage_minimum(cold: int, delete: int) -> None:
    ok = delete >= cold + 90
    try:
        BackupRuleSettings(cold_storage_after_days=cold, delete_after_days=delete)
    except ValueError as exc:
        assert not ok
        assert "delete_after_days" in str(exc) and "90" in str(exc)
    else:
        assert ok


def test_cold_storage_minimum_applies_to_the_default_retention() -> None:
    with pytest.raises(ValueError, match=r"30 is less than cold_storage_after_days 1 \+ 90"):
        BackupRuleSettings(cold_storage_after_days=1)  # delete_after_days keeps its default 30


def test_a_partial_monthly_rule_keeps_the_monthly_defaults() -> None:
    s = BackupPlanSettings.model_validate({"monthly": {"cold_storage_after_days": 100}})
    assert s.monthly is not None
    assert (s.monthly.schedule, s.monthly.delete_after_days) == ("cron(0 5 1 * ? *)", 365)


@given(low=st.integers(1, 400), high=st.integers(1, 4000))
def test_lock_range_against_every_lifecycle(low: int, high: int) -> None:
    if low > high:
        with pytest.raises(ValueError, match="exceeds max_retention_days"):
            VaultLockSettings(min_retention_days=low, max_retention_days=high)
        return
    s = BackupPlanSettings(vault_lock=VaultLockSettings(min_retention_days=low,
                                                        max_retention_days=high),
                           copy_to_region="us-west-2")
    days = {("daily", "delete_after_days"): 30, ("monthly", "delete_after_days"): 365,
            ("continuous_retention_days",): 35, ("continuous_copy_retention_days",): 7}
    flagged = {key for key, _ in plan_problems(s)}
    assert flagged == {k for k, d in days.items() if not low <= d <= high}


def test_copy_lifecycle_is_checked_only_with_copies() -> None:
    lock = VaultLockSettings(min_retention_days=14)
    assert plan_problems(BackupPlanSettings(vault_lock=lock)) == []
    assert [k for k, _ in plan_problems(BackupPlanSettings(vault_lock=lock,
                                                           copy_to_region="us-west-2"))] \
        == [("continuous_copy_retention_days",)]


def test_compliance_lock_needs_its_grace_time() -> None:
    with pytest.raises(ValueError, match="changeable_for_days"):
        VaultLockSettings(mode="compliance")
    with pytest.raises(ValueError, match="greater than or equal to 3"):
        VaultLockSettings(mode="compliance", changeable_for_days=2)
    with pytest.raises(ValueError, match="compliance mode only"):
        VaultLockSettings(changeable_for_days=3)


# --------------------------------------------------------------------------------------------
# RPO (pure)
# --------------------------------------------------------------------------------------------


def test_continuous_backup_gives_about_five_minutes() -> None:
    assert achievable_rpo_minutes(BackupPlanSettings()) == CONTINUOUS_RPO_MINUTES


def test_without_continuous_the_rpo_is_the_shortest_rules_gap_plus_its_start_window() -> None:
    daily_only = BackupPlanSettings(continuous_retention_days=None, rpo_minutes=None)
    assert achievable_rpo_minutes(daily_only) == 1440 + 60
    hourly = BackupPlanSettings(continuous_retention_days=None, rpo_minutes=None,
                                daily=BackupRuleSettings(schedule="cron(0 * ? * * *)",
                                                         start_window_minutes=90))
    assert achievable_rpo_minutes(hourly) == 60 + 90
    # snapshot-only stores (DocumentDB): the best single rule, daily (the continuous rule's
    # snapshots run daily too: docs/backup.md, RDS's snapshot quota)
    assert snapshot_rpo_minutes(BackupPlanSettings()) == 1440 + 60
    assert snapshot_rpo_minutes(BackupPlanSettings(
        continuous_schedule="cron(0 0/2 ? * * *)", continuous_copy_retention_days=7)) == 120 + 60


def test_daily_only_against_a_60_minute_rpo_is_refused() -> None:
    problems = plan_problems(BackupPlanSettings(continuous_retention_days=None))
    assert [k for k, _ in problems] == [("rpo_minutes",)]
    assert "60 can't be met" in problems[0][1] and "1500" in problems[0][1]


# --------------------------------------------------------------------------------------------
# policies (pure)
# --------------------------------------------------------------------------------------------


def test_vault_policy_denies_to_all_but_break_glass() -> None:
    nobody = vault_policy("arn:vault", [])["Statement"][0]
    assert nobody["Effect"] == "Deny" and "Condition" not in nobody
    assert set(nobody["Action"]) == set(VAULT_DENIED_ACTIONS) >= {
        "backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle",
        "backup:DeleteBackupVault", "backup:DeleteBackupVaultLockConfiguration"}
    some = vault_policy("arn:vault", ["arn:aws:iam::1:role/b", "arn:aws:iam::1:role/a"])
    assert some["Statement"][0]["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"]}}


# --------------------------------------------------------------------------------------------
# the component, in a small program
# --------------------------------------------------------------------------------------------

KEY = "arn:aws:kms:us-east-1:123456789012:key/source"
DR_KEY = "arn:aws:kms:us-west-2:123456789012:key/dr"


def _two_plans() -> None:
    import pulumi_aws as aws

    from groundwork.components.backup import BackupPlan, BackupPlanArgs

    dr = aws.Provider("dr", region="us-west-2")
    BackupPlan("backup", BackupPlanArgs(
        name_prefix="app-test", data_key_arn=KEY, copy_to_region="us-west-2", dr_provider=dr,
        dr_key_arn=DR_KEY, break_glass_role_arns=["arn:aws:iam::123456789012:role/break-glass"],
        s3=True))
    BackupPlan("archive", BackupPlanArgs(
        name_prefix="app-test", data_key_arn=KEY,
        restore_testing=RestoreTestingSettings(enabled=False),
        monthly=BackupRuleSettings(schedule="cron(0 5 1 * ? *)", cold_storage_after_days=30,
                                   delete_after_days=365),
        vault_lock=VaultLockSettings(mode="compliance", changeable_for_days=3)))


@pytest.fixture(scope="module")
def twins() -> PlanResult:
    return plan_function(_two_plans, stack="test")


def test_two_plans_in_one_program_do_not_collide(twins: PlanResult) -> None:
    assert twins.name_clashes == []
    vaults = {r.inputs["name"] for r in twins.of_type("aws:backup/vault:Vault")}
    assert vaults == {"app-test-backup-vault", "app-test-backup-dr-vault", "app-test-archive-vault"}
    assert all(VAULT_NAME.match(v) for v in vaults)
    selections = twins.of_type("aws:backup/selection:Selection")
    assert sorted(s.inputs["selectionTags"][0]["value"] for s in selections) == [
        "app-test-archive", "app-test-backup"]


def test_compliance_lock_sets_changeable_for_days(twins: PlanResult) -> None:
    lock = twins.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration",
                     parent="archive")
    assert lock.inputs["changeableForDays"] == 3
    assert twins.of_type("aws:backup/restoreTestingPlan:RestoreTestingPlan")[0].name \
        == "backup-restore-test"  # only the first plan tests restores


def test_a_cold_storage_rule_reaches_the_plan_with_the_archive_opt_in(twins: PlanResult) -> None:
    """cold_storage_after_days goes into the rule's lifecycle with the opt-in AWS needs to tier
    the types that support it (RDS, DocumentDB and S3 stay warm: docs/backup.md); a rule
    without it has no cold-storage key at all."""
    [archive] = [p for p in twins.of_type("aws:backup/plan:Plan") if p.name == "archive-plan"]
    rules = {r["ruleName"]: r for r in archive.inputs["rules"]}
    assert rules["monthly"]["lifecycle"] == {"coldStorageAfter": 30, "deleteAfter": 365,
                                             "optInToArchiveForSupportedResources": True}
    assert rules["daily"]["lifecycle"] == {"deleteAfter": 30}


def test_break_glass_roles_are_the_vault_policys_exception(twins: PlanResult) -> None:
    policy = policy_doc(twins.one("aws:backup/vaultPolicy:VaultPolicy", "backup-vault-policy"))
    assert policy["Statement"][0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [
        "arn:aws:iam::123456789012:role/break-glass"]


def test_role_policies_and_keys(twins: PlanResult) -> None:
    arns = {r.inputs["policyArn"] for r in twins.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if r.name.startswith("backup-")}
    assert arns == {
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"}
    keys = policy_doc(twins.one("aws:iam/rolePolicy:RolePolicy", "backup-role-keys"))
    assert keys["Statement"][0]["Resource"] == sorted([KEY, DR_KEY])
    trust = policy_doc(twins.one("aws:iam/role:Role", "backup-role"), "assumeRolePolicy")
    assert trust["Statement"][0]["Principal"] == {"Service": "backup.amazonaws.com"}
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"}}


def _refused(**args: Any) -> str:
    from groundwork.components.backup import BackupPlan, BackupPlanArgs

    with pytest.raises(ValueError) as info:
        BackupPlan("backup", BackupPlanArgs(data_key_arn=KEY, **args))
    return str(info.value)


def test_refusals_name_the_args_field() -> None:
    assert "BackupPlanArgs.rpo_minutes: 60 can't be met" in _refused(continuous_retention_days=None)
    assert "BackupPlanArgs.dr_provider and BackupPlanArgs.dr_key_arn" in _refused(dr_key_arn=DR_KEY)
    assert "BackupPlanArgs.copy_to_region and BackupPlanArgs.dr_provider" in _refused(
        copy_to_region="us-west-2")
    with pytest.raises(ValueError, match=r"monthly\.delete_after_days[\s\S]*cold storage"):
        from groundwork.components.backup import BackupPlanArgs

        BackupPlanArgs.model_validate({"data_key_arn": KEY,
                                       "monthly": {"cold_storage_after_days": 300}})
    with pytest.raises(ValueError, match="data_key_arn is required"):
        from groundwork.components.backup import BackupPlan

        BackupPlan("backup")


# --------------------------------------------------------------------------------------------
# the prod stack
# --------------------------------------------------------------------------------------------


def _region_of(plan: PlanResult, record: ResourceRecord) -> tuple[str, str]:
    """(provider name, its region) of a record."""
    urn = record.provider.rsplit("::", 1)[0]
    provider = plan.by_urn(urn)
    return provider.name, provider.inputs.get("region", "")


def test_prod_vault_is_on_the_data_key_and_locked(prod: PlanResult) -> None:
    vault = prod.one("aws:backup/vault:Vault", "backup-vault")
    assert vault.inputs["name"] == "groundwork-prod-backup-vault"
    assert vault.inputs["kmsKeyArn"] == prod.one("aws:kms/key:Key", "kms-data-key").outputs["arn"]
    assert vault.protect
    lock = prod.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "backup-vault-lock")
    assert lock.inputs["backupVaultName"] == vault.inputs["name"]
    assert (lock.inputs["minRetentionDays"], lock.inputs["maxRetentionDays"]) == (7, 3650)
    assert "changeableForDays" not in lock.inputs  # governance mode


def test_prod_rules_and_their_copies(prod: PlanResult) -> None:
    dr_vault = prod.one("aws:backup/vault:Vault", "backup-dr-vault")
    plan = prod.one("aws:backup/plan:Plan")
    rules = {r["ruleName"]: r for r in plan.inputs["rules"]}
    assert set(rules) == {"daily", "monthly", "continuous"}
    assert all(RULE_NAME.match(n) for n in rules)
    assert rules["daily"]["lifecycle"] == {"deleteAfter": 30}
    assert rules["monthly"]["lifecycle"] == {"deleteAfter": 365}
    assert rules["continuous"]["enableContinuousBackup"] is True
    assert rules["continuous"]["lifecycle"] == {"deleteAfter": 35}
    for rule in rules.values():
        assert rule["targetVaultName"] == "groundwork-prod-backup-vault"
        (copy,) = rule["copyActions"]
        assert copy["destinationVaultArn"] == dr_vault.outputs["arn"]
        assert ":us-west-2:" in copy["destinationVaultArn"]
    assert rules["daily"]["copyActions"][0]["lifecycle"] == {"deleteAfter": 30}
    assert rules["monthly"]["copyActions"][0]["lifecycle"] == {"deleteAfter": 365}
    # the DR copies of the continuous rule keep continuous_copy_retention_days, not 35
    assert rules["continuous"]["copyActions"][0]["lifecycle"] == {"deleteAfter": 7}
    # the schedules the RPO and the cost are computed from: daily at 05:00, the 1st at 05:00
    assert (rules["daily"]["schedule"], rules["monthly"]["schedule"]) == (
        "cron(0 5 ? * * *)", "cron(0 5 1 * ? *)")
    assert parse_cron(rules["daily"]["schedule"]).longest_gap_minutes() == 1440
    assert all((rules[n]["startWindow"], rules[n]["completionWindow"]) == (60, 1440)
               for n in ("daily", "monthly"))
    # the plan waits for both locks
    locks = {r.urn for r in prod.of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration")}
    assert locks <= set(plan.depends_on)


def test_prod_dr_vault_is_in_the_dr_region_on_its_key(prod: PlanResult) -> None:
    dr_vault = prod.one("aws:backup/vault:Vault", "backup-dr-vault")
    dr_key = prod.one("aws:kms/key:Key", "kms-dr-data-key")
    assert dr_vault.inputs["kmsKeyArn"] == dr_key.outputs["arn"]
    assert _region_of(prod, dr_vault) == ("aws-dr", "us-west-2")
    assert _region_of(prod, dr_key) == ("aws-dr", "us-west-2")
    lock = prod.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration",
                    "backup-dr-vault-lock")
    assert lock.inputs["backupVaultName"] == dr_vault.inputs["name"]
    assert _region_of(prod, lock) == ("aws-dr", "us-west-2")
    policy = prod.one("aws:backup/vaultPolicy:VaultPolicy", "backup-dr-vault-policy")
    assert _region_of(prod, policy) == ("aws-dr", "us-west-2")
    assert _region_of(prod, prod.one("aws:backup/vault:Vault", "backup-vault"))[1] == "us-east-1"


def test_prod_selection_covers_the_database_by_its_tag(prod: PlanResult) -> None:
    selection = prod.one("aws:backup/selection:Selection")
    (tag,) = selection.inputs["selectionTags"]
    database = prod.one("aws:rds/instance:Instance")
    assert tag == {"type": "STRINGEQUALS", "key": "Backup",
                   "value": tags_of(database)["Backup"]}
    assert tag["value"] == "groundwork-prod-backup"
    assert selection.inputs["planId"] == prod.one("aws:backup/plan:Plan").id
    assert selection.inputs["iamRoleArn"] == prod.one("aws:iam/role:Role", "backup-role").outputs["arn"]


def test_prod_vault_policy_denies_deletion_to_everybody(prod: PlanResult) -> None:
    policy = policy_doc(prod.one("aws:backup/vaultPolicy:VaultPolicy", "backup-vault-policy"))
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == {"AWS": "*"}
    assert "backup:DeleteRecoveryPoint" in statement["Action"]
    assert "Condition" not in statement  # no break-glass role configured: nobody


def test_prod_restore_testing(prod: PlanResult) -> None:
    plan = prod.one("aws:backup/restoreTestingPlan:RestoreTestingPlan")
    assert RESTORE_TESTING_NAME.match(plan.inputs["name"])
    assert plan.inputs["name"] == "groundwork_prod_backup_restore_test"
    selection = plan.inputs["recoveryPointSelection"]
    assert selection["algorithm"] == "LATEST_WITHIN_WINDOW"
    assert selection["includeVaults"] == [prod.one("aws:backup/vault:Vault", "backup-vault").outputs["arn"]]
    assert parse_cron(plan.inputs["scheduleExpression"]).longest_gap_minutes() <= 31 * 1440
    rds = prod.one("aws:backup/restoreTestingSelection:RestoreTestingSelection")
    assert rds.inputs["protectedResourceType"] == "RDS"
    assert rds.inputs["restoreTestingPlanName"] == plan.inputs["name"]
    assert rds.inputs["protectedResourceConditions"]["stringEquals"] == [
        {"key": "aws:ResourceTag/Backup", "value": "groundwork-prod-backup"}]
    overrides = rds.inputs["restoreMetadataOverrides"]
    database = prod.one("aws:rds/instance:Instance")
    assert overrides["dbSubnetGroupName"] == database.inputs["dbSubnetGroupName"]
    assert json.loads(overrides["vpcSecurityGroupIds"]) == database.inputs["vpcSecurityGroupIds"]


def test_prod_database_retention_follows_continuous_backup(prod: PlanResult) -> None:
    """AWS Backup refuses an RDS retention that differs from its continuous rule and sets it
    itself: the instance starts at the rule's retention and Pulumi ignores it afterwards."""
    database = prod.one("aws:rds/instance:Instance")
    rules = {r["ruleName"]: r for r in prod.one("aws:backup/plan:Plan").inputs["rules"]}
    assert database.inputs["backupRetentionPeriod"] == rules["continuous"]["lifecycle"]["deleteAfter"]
    assert {"backupRetentionPeriod", "backupWindow"} <= set(database.ignore_changes)


def test_prod_replicates_rds_automated_backups_to_the_dr_region(prod: PlanResult) -> None:
    replication = prod.one(
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
    database = prod.one("aws:rds/instance:Instance")
    assert replication.inputs["sourceDbInstanceArn"] == database.outputs["arn"]
    assert replication.inputs["kmsKeyId"] == prod.one("aws:kms/key:Key", "kms-dr-data-key").outputs["arn"]
    assert _region_of(prod, replication) == ("aws-dr", "us-west-2")


def test_dev_has_no_backup_plan(dev: PlanResult) -> None:
    assert not [r for r in dev.resources if r.type.startswith("aws:backup/")
                or r.type == "groundwork:data:BackupPlan"]
    database = dev.one("aws:rds/instance:Instance")
    assert "Backup" not in tags_of(database)
    assert not database.ignore_changes


# --------------------------------------------------------------------------------------------
# config errors (named on the key)
# --------------------------------------------------------------------------------------------

PROD = {"profile": "prod", "tags": {"Owner": "team"}}


def _config_error(backup: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        load_environment({**PROD, "backup": backup}, stack="prod", region="us-east-1")
    return str(info.value)


@pytest.mark.parametrize(("backup", "says"), [
    ({"copy_to_region": None}, "groundwork:backup.copy_to_region: is required in prod"),
    ({"copy_to_region": "us-east-1"}, "groundwork:backup.copy_to_region: us-east-1 is the stack's"),
    ({"copy_to_region": "west"}, "groundwork:backup.copy_to_region: 'west' is not an AWS region"),
    ({"copy_to_region": "us-west-2", "enabled": False}, "groundwork:backup.enabled: must be true"),
    ({"copy_to_region": "us-west-2", "vault_lock": {"mode": "none"}},
     "groundwork:backup.vault_lock.mode: 'none' is not allowed in prod"),
    ({"copy_to_region": "us-west-2", "continuous_retention_days": None},
     "groundwork:backup.rpo_minutes: 60 can't be met"),
    ({"copy_to_region": "us-west-2", "monthly": {"cold_storage_after_days": 300}},
     "groundwork:backup.monthly.delete_after_days: 365 is less than cold_storage_after_days 300"),
    ({"copy_to_region": "us-west-2", "vault_lock": {"min_retention_days": 40}},
     "groundwork:backup.daily.delete_after_days: 30 days is below vault_lock.min_retention_days"),
    ({"copy_to_region": "us-west-2", "continuous_retention_days": 3,
      "vault_lock": {"min_retention_days": 1}},
     "groundwork:backup.continuous_retention_days: must be >= 7 in prod"),
    ({"copy_to_region": "us-west-2", "daily": {"schedule": "cron(0 5 * * *)"}},
     "groundwork:backup.daily.schedule"),
])
def test_config_errors_name_the_key(backup: dict[str, Any], says: str) -> None:
    assert says in _config_error(backup)


def test_prod_defaults_the_dr_region_to_the_regions_pair() -> None:
    env = load_environment(PROD, stack="prod", region="us-east-1")
    assert env.backup.copy_to_region == "us-west-2"
    assert load_environment(PROD, stack="prod", region="eu-west-1").backup.copy_to_region \
        == "eu-central-1"
    with pytest.raises(ConfigError, match=r"groundwork:backup\.copy_to_region: is required"):
        load_environment(PROD, stack="prod", region="me-south-1")  # no pair: name one


def test_dev_may_turn_backups_on_without_a_dr_region() -> None:
    env = load_environment({"profile": "dev", "tags": {"Owner": "team"},
                            "backup": {"enabled": True}}, stack="dev", region="us-east-1")
    assert env.backup.enabled and env.backup.copy_to_region is None



def _with_dr_provider(provider_region: str, copy_to_region: str) -> Any:
    def body() -> None:
        import pulumi_aws as aws

        from groundwork.components.backup import BackupPlan, BackupPlanArgs

        dr = aws.Provider("dr", region=provider_region)
        BackupPlan("backup", BackupPlanArgs(name_prefix="app-test", data_key_arn=KEY,
                                            copy_to_region=copy_to_region, dr_provider=dr,
                                            dr_key_arn=DR_KEY))
    return body


@pytest.mark.parametrize(("provider_region", "copy_to_region", "fragment"), [
    ("us-east-2", "us-west-2", "BackupPlanArgs.dr_provider is in us-east-2 but "
                               "BackupPlanArgs.copy_to_region is us-west-2"),
    ("us-east-1", "us-east-1", "BackupPlanArgs.copy_to_region us-east-1 is the plan's own region"),
])
def test_a_dr_provider_of_another_region_than_copy_to_region_or_the_home_one_is_refused(
        provider_region: str, copy_to_region: str, fragment: str) -> None:
    """The DR region is given twice (copy_to_region for the checks, dr_provider for the
    resources): the component refuses them disagreeing, and a provider in its own region
    (us-east-1 here), before it registers anything."""
    with pytest.raises(Exception, match=re.escape(fragment)):
        plan_function(_with_dr_provider(provider_region, copy_to_region), stack="test",
                      region="us-east-1")


def test_a_given_dr_account_is_held_to_copy_to_region_without_a_lookup() -> None:
    """The stacks pass `dr_account` (no synchronous region lookup); the check still holds on it."""
    from groundwork.components.base import AccountContext

    def body() -> None:
        import pulumi_aws as aws

        from groundwork.components.backup import BackupPlan, BackupPlanArgs

        dr = aws.Provider("dr", region="us-west-2")
        BackupPlan("backup", BackupPlanArgs(
            name_prefix="app-test", data_key_arn=KEY, copy_to_region="us-west-2",
            dr_provider=dr, dr_key_arn=DR_KEY,
            dr_account=AccountContext(region="eu-west-1", account_id="123456789012")))

    with pytest.raises(Exception, match=re.escape(
            "BackupPlanArgs.dr_provider is in eu-west-1 but BackupPlanArgs.copy_to_region is "
            "us-west-2")):
        plan_function(body, stack="test", region="us-east-1")
