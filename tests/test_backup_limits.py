"""AWS limits a mock engine never checks, for the data-protection components (docs/backup.md,
docs/assets.md): RDS's manual-snapshot quota against the plan's rules and copies, and every
derived AWS name within AWS's length and charset rules for any name prefix and component
name."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundwork.components.alarms.backup import RULE_NAME as EVENT_RULE_NAME
from groundwork.components.alarms.backup import notices_naming, rule_names
from groundwork.components.args import ComponentArgs
from groundwork.components.asset_bucket import BUCKET_NAME
from groundwork.components.backup import (
    NAME_LIMITS,
    RDS_SNAPSHOT_QUOTA,
    BackupPlanSettings,
    kept_snapshots,
    physical_names,
    plan_problems,
    runs_within,
)
from groundwork.components.base import component_naming
from groundwork.stacks.config import ConfigError, load_environment

HOURLY = "cron(0 * ? * * *)"

# --------------------------------------------------------------------------------------------
# RDS's manual-snapshot quota (AWS Backup's snapshots are manual snapshots in RDS)
# --------------------------------------------------------------------------------------------


def test_runs_within_counts_the_schedules_runs() -> None:
    assert runs_within("cron(0 5 ? * * *)", 30) == 30
    assert runs_within("cron(0 5 1 * ? *)", 365) == 12
    assert runs_within(HOURLY, 7) == 168


def test_the_default_plan_keeps_each_store_under_the_quota_in_both_regions() -> None:
    counts = kept_snapshots(BackupPlanSettings(copy_to_region="us-west-2"), copies=True)
    # daily 30 + monthly 12 + the continuous rule's daily runs (35 kept here, 7 copied)
    assert sum(counts["source"].values()) == 30 + 12 + 35
    assert sum(counts["dr"].values()) == 30 + 12 + 7
    assert all(sum(c.values()) <= RDS_SNAPSHOT_QUOTA for c in counts.values())
    assert plan_problems(BackupPlanSettings(copy_to_region="us-west-2")) == []


def test_hourly_continuous_copies_break_the_dr_regions_quota() -> None:
    """Copies of a continuous rule are snapshots at the rule's schedule: hourly, kept the vault
    lock's minimum 7 days, is 168 snapshots of the database in the DR region."""
    hourly = BackupPlanSettings(copy_to_region="us-west-2", continuous_retention_days=7,
                                continuous_schedule=HOURLY)
    assert kept_snapshots(hourly, copies=True)["dr"][("continuous_schedule",)] == 168
    problems = dict(plan_problems(hourly))
    assert "in the DR region" in " ".join(m for k, m in plan_problems(hourly))
    assert ("continuous_schedule",) in problems
    # without copies only the stack's region counts (a store without PITR: 168 there too)
    assert [k for k, _ in plan_problems(hourly, copies=False)] == [("continuous_schedule",)]


def test_a_raised_quota_admits_the_hourly_schedule() -> None:
    raised = BackupPlanSettings(copy_to_region="us-west-2", continuous_schedule=HOURLY,
                                rds_snapshot_quota=1000)
    assert plan_problems(raised) == []


def test_long_daily_retention_is_refused_on_its_own_key() -> None:
    long = BackupPlanSettings(daily={"delete_after_days": 120})  # type: ignore[arg-type]
    ((key, message),) = plan_problems(long, copies=False)
    assert key == ("daily", "delete_after_days")
    assert "rds_snapshot_quota 100" in message


def test_config_names_the_key_of_a_plan_over_the_quota() -> None:
    with pytest.raises(ConfigError) as info:
        load_environment({"profile": "prod", "tags": {"Owner": "team"},
                          "backup": {"copy_to_region": "us-west-2", "continuous_schedule": HOURLY}},
                         stack="prod", region="us-east-1")
    assert "groundwork:backup.continuous_schedule: keeps 840 of the 882 snapshots" in str(info.value)


# --------------------------------------------------------------------------------------------
# derived names within AWS's limits, for any prefix and component name
# --------------------------------------------------------------------------------------------

COMPONENT_NAMES = st.from_regex(r"\A[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,39}\Z")
PREFIXES = st.from_regex(r"\A[a-z][a-z0-9-]{0,79}\Z")
IAM_ROLE = re.compile(r"^[\w+=,.@-]{1,64}$")


@settings(max_examples=60, deadline=None)
@given(name=COMPONENT_NAMES, prefix=PREFIXES)
def test_backup_plan_names_keep_to_aws_rules(name: str, prefix: str) -> None:
    naming = component_naming("BackupPlan", name, ComponentArgs(name_prefix=prefix))
    for key, value in physical_names(naming).items():
        pattern, rule = NAME_LIMITS[key]
        assert pattern.match(value), (key, value, rule)
    names = physical_names(naming)
    assert "-" not in names["restore_testing"]  # the API refuses a hyphen there
    assert len({names["vault"], names["dr_vault"]}) == 2


@settings(max_examples=60, deadline=None)
@given(name=COMPONENT_NAMES, prefix=PREFIXES)
def test_backup_notice_rule_names_keep_to_eventbridges_rule(name: str, prefix: str) -> None:
    names = rule_names(notices_naming(name, prefix))
    assert all(EVENT_RULE_NAME.match(n) for n in names.values())
    assert len(set(names.values())) == len(names)


@settings(max_examples=60, deadline=None)
@given(name=COMPONENT_NAMES, prefix=PREFIXES,
       region=st.sampled_from(["us-east-1", "us-west-2", "ap-southeast-3", "us-gov-west-1"]))
def test_asset_bucket_names_keep_to_s3s_rule(name: str, prefix: str, region: str) -> None:
    """`<prefix>-<name>-<part>-<account>-<region>` (global_bucket_name), cut to 63 with a hash,
    for the bucket, its access-log bucket, the replica and the replica's log bucket; the
    replication role within IAM's 64."""
    naming = component_naming("AssetBucket", name, ComponentArgs(name_prefix=prefix))
    buckets = [naming.name(part, "123456789012", region, max_length=63)
               for part in ("", "logs", "replica", "replica-logs")]
    assert all(BUCKET_NAME.match(b) for b in buckets), buckets
    assert len(set(buckets)) == 4
    assert IAM_ROLE.match(naming.name("replication", max_length=64))
