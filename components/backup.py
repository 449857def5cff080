"""`BackupPlan`: AWS Backup for an environment's data stores (docs/backup.md).

What it builds, always:
- a backup vault on the given customer key (`data_key_arn`; Backup.1), with a vault access
  policy that denies deleting or shortening recovery points and deleting the vault, its lock or
  its policy to every principal except the break-glass roles (`ArnNotLike aws:PrincipalArn`;
  with none given, to everybody);
- a vault lock (`vault_lock`): governance mode by default (principals with the right IAM
  permission can still remove it), or compliance mode, which **can't be undone once its grace
  time (`changeable_for_days`) has passed**: the lock, the vault while it holds recovery points,
  and every recovery point before its retention ends are then beyond anyone's reach, AWS's and
  the account root's included;
- a plan with a daily rule (kept 30 days), a monthly rule (kept 365 days) and a continuous
  (point-in-time) rule for RDS (kept 35 days), each with a copy action to the DR vault when a
  DR region is given;
- a selection of every resource tagged `Backup=<selection_tag_value>`
  (`groundwork.components.base.backup_tags`), so a new data store is covered by its tag alone;
- the service role AWS Backup assumes (trusting `backup.amazonaws.com` for this account only),
  with AWS's managed backup and restore policies (the S3 ones with `s3`) and the KMS actions on
  the vault keys;
- with `restore_testing.enabled`, a restore-testing plan that restores the latest RDS recovery
  point every month into the subnet group and security groups given, and validates it;
- with `dr_provider`, the DR-region vault (on `dr_key_arn`, a key of that region) and its lock,
  through the DR region's provider.

Checked before anything is registered (pure functions below, unit-tested): AWS's name rules,
every cron schedule (parsed: AWS cron, six fields), the cold-storage minimum (a recovery point
stays in cold storage >= 90 days), the vault lock's retention range against every rule's and
copy's lifecycle (a job whose lifecycle is outside the lock's range FAILS), continuous
retention 1-35 days, and the RPO: `achievable_rpo_minutes` against `rpo_minutes`.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import (
    BACKUP_TAG_KEY,
    AccountContext,
    Naming,
    account_for,
    checked_id,
    child_opts,
    component_naming,
    require,
)

VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-\_]{2,50}$")
"""AWS's `BackupVaultName` rule (API_BackupRuleInput: TargetBackupVaultName): no dots."""
RULE_NAME = re.compile(r"^[a-zA-Z0-9\-\_\.]{1,50}$")
"""AWS's `RuleName` rule; backup plan and selection names follow the same pattern."""
RESTORE_TESTING_NAME = re.compile(r"^[a-zA-Z0-9_]{1,50}$")
"""Restore-testing plan and selection names: letters, digits and underscores only, <= 50 (the
SDK's docstring; the API refuses a hyphen, so Pulumi's auto-name never works)."""
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-(central|north|south|east|west|northeast|"
                    r"northwest|southeast|southwest)-[1-9]$")
"""An AWS region name (us-west-2, eu-central-1, ap-southeast-3, us-gov-west-1...)."""

MAX_LIFECYCLE_DAYS = 36_500
"""A lifecycle's maximum: 100 years (API_BackupRuleInput)."""
COLD_STORAGE_MINIMUM_DAYS = 90
"""A recovery point moved to cold storage stays there >= 90 days: DeleteAfterDays must be at
least MoveToColdStorageAfterDays + 90 (API_Lifecycle)."""
CONTINUOUS_MAX_DAYS = 35
"""Continuous backup (PITR) retention: 1-35 days (AWS Backup, point-in-time-recovery)."""
CONTINUOUS_RPO_MINUTES = 5
"""What continuous backup of RDS loses at most: RDS uploads the transaction logs every five
minutes, so the latest restorable time is typically within the last five minutes (Amazon RDS
User Guide, "Restoring a DB instance to a specified time")."""
MIN_START_WINDOW_MINUTES = 60
"""A rule's start window "must be at least 60 minutes to avoid errors" (API_BackupRule)."""
MIN_SNAPSHOT_INTERVAL_MINUTES = 60
"""AWS Backup takes snapshot backups "as frequently as hourly" (plan options and
configuration): a schedule that fires more often is refused."""
RDS_SNAPSHOT_QUOTA = 100
"""RDS's default quota of manual DB instance (and DB cluster) snapshots per region, adjustable
(Amazon RDS User Guide, "Quotas and constraints": "Manual DB instance snapshots ... 100").
AWS Backup's periodic snapshots, and its copies in another region, count against it ("Periodic
snapshots created by AWS Backup are considered manual backups in Amazon RDS", AWS Backup
developer guide, "Amazon Relational Database Service backups"): past it, the jobs fail."""
MIN_CHANGEABLE_DAYS = 3
"""Vault lock: "AWS Backup enforces a 72-hour cooling-off period ... you must set
ChangeableForDays to 3 or greater" (AWS::Backup::BackupVault LockConfigurationType)."""

VAULT_DENIED_ACTIONS = (
    "backup:DeleteBackupVault",
    "backup:DeleteBackupVaultAccessPolicy",
    "backup:DeleteBackupVaultLockConfiguration",
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
)
"""What the vault policy denies to all but the break-glass roles: deleting a recovery point,
shortening its lifecycle, and deleting the vault, its lock or this policy."""

BACKUP_POLICIES = ("service-role/AWSBackupServiceRolePolicyForBackup",
                   "service-role/AWSBackupServiceRolePolicyForRestores")
"""AWS's managed policies for backup and restore (restore testing restores too)."""
S3_POLICIES = ("AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore")
"""The S3 ones, WITHOUT the service-role/ path (AWS managed policy reference)."""
KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*",
               "kms:ReEncrypt*")
"""What the role needs on the vault keys: "Your IAM role must have access to the KMS key ...
Otherwise the job is successful but the objects are not backed up" (AWS Backup, encryption)."""


# --------------------------------------------------------------------------------------------
# cron schedules (pure)
# --------------------------------------------------------------------------------------------

_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_CRON = re.compile(r"^cron\((.+)\)$")


@dataclass(frozen=True)
class CronSchedule:
    """An AWS cron expression, parsed: `cron(minutes hours day-of-month month day-of-week
    year)`, UTC. Exactly one of day-of-month and day-of-week is `?` (AWS's rule)."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    month_days: frozenset[int] | None
    """Days of the month (32 = `L`, the last day), None when `?`."""
    months: frozenset[int]
    week_days: frozenset[int] | None
    """AWS's 1-7 (SUN-SAT), None when `?`."""
    nth_week_day: tuple[int, int] | None = None
    """`d#n`: the n-th weekday d of the month."""

    @property
    def fire_minutes(self) -> list[int]:
        """Minutes of the day it fires, sorted."""
        return sorted(h * 60 + m for h in self.hours for m in self.minutes)

    def fires_on(self, day: datetime.date) -> bool:
        if day.month not in self.months:
            return False
        if self.month_days is not None:
            last = calendar.monthrange(day.year, day.month)[1]
            return day.day in self.month_days or (32 in self.month_days and day.day == last)
        aws_day = (day.weekday() + 1) % 7 + 1
        if self.nth_week_day is not None:
            wanted, nth = self.nth_week_day
            return aws_day == wanted and (day.day - 1) // 7 + 1 == nth
        return self.week_days is not None and aws_day in self.week_days

    def longest_gap_minutes(self) -> int:
        """The longest time between two consecutive runs, over eight calendar years (long
        enough for every month-length and weekday pattern to occur)."""
        times = self.fire_minutes
        inside = max((b - a for a, b in itertools.pairwise(times)), default=0)
        start = datetime.date(2024, 1, 1)
        days = [i for i in range(8 * 366) if self.fires_on(start + datetime.timedelta(days=i))]
        if len(days) < 2:
            raise ValueError(f"{self.expression} fires less than twice in eight years")
        across = max((b - a) * 1440 + times[0] - times[-1] for a, b in itertools.pairwise(days))
        return max(inside, across)


def _values(token: str, lo: int, hi: int, names: dict[str, int], what: str) -> set[int]:
    def number(text: str) -> int:
        value = names.get(text.upper()) if not text.isdigit() else int(text)
        if value is None or not lo <= value <= hi:
            raise ValueError(f"{what} {text!r} is not in {lo}-{hi}")
        return value

    out: set[int] = set()
    for part in token.split(","):
        base, _, step_text = part.partition("/")
        if step_text and (not step_text.isdigit() or int(step_text) < 1):
            raise ValueError(f"{what} step {step_text!r} must be a positive number")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = lo, hi
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = number(a), number(b)
            if first > last:
                raise ValueError(f"{what} range {base!r} runs backwards")
        else:
            first = number(base)
            last = hi if step_text else first
        out.update(range(first, last + 1, step))
    return out


def parse_cron(expression: str) -> CronSchedule:
    """Parse an AWS cron expression, or raise ValueError saying what is wrong. Supported: `*`,
    numbers, names (JAN, MON), ranges, lists, steps; `?`; `L` as a day of the month; `d#n` as a
    day of the week. `W`, `L` as a day of the week, and a year other than `*` are refused (the
    schedule's interval couldn't be checked)."""
    match = _CRON.match(expression.strip()) if isinstance(expression, str) else None
    if match is None:
        raise ValueError(f"{expression!r} is not an AWS cron expression; write "
                         "cron(minutes hours day-of-month month day-of-week year), e.g. "
                         "cron(0 5 ? * * *) for 05:00 UTC daily")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"{expression!r} has {len(fields)} fields; AWS cron has six "
                         "(minutes hours day-of-month month day-of-week year)")
    minute, hour, dom, month, dow, year = fields
    if year != "*":
        raise ValueError(f"{expression!r}: the year must be * (a schedule that ends can't keep "
                         "a recovery point objective)")
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"{expression!r}: exactly one of day-of-month and day-of-week must be ? "
                         "(AWS refuses both or neither)")
    if "W" in dom.upper() or "L" in dow.upper():
        raise ValueError(f"{expression!r}: W and a day-of-week L are not supported here; list "
                         "the days instead")
    month_days = None
    if dom != "?":
        month_days = frozenset({32} if dom.upper() == "L" else _values(dom, 1, 31, {}, "day of month"))
    week_days, nth = None, None
    if dow != "?":
        if "#" in dow:
            day_text, _, nth_text = dow.partition("#")
            day = _values(day_text, 1, 7, _DAYS, "day of week")
            if len(day) != 1 or not nth_text.isdigit() or not 1 <= int(nth_text) <= 5:
                raise ValueError(f"{expression!r}: d#n needs one weekday and n in 1-5")
            nth = (next(iter(day)), int(nth_text))
        else:
            week_days = frozenset(_values(dow, 1, 7, _DAYS, "day of week"))
    return CronSchedule(
        expression=expression,
        minutes=frozenset(_values(minute, 0, 59, {}, "minute")),
        hours=frozenset(_values(hour, 0, 23, {}, "hour")),
        month_days=month_days, months=frozenset(_values(month, 1, 12, _MONTHS, "month")),
        week_days=week_days, nth_week_day=nth)


def check_schedule(expression: str, *, snapshot: bool = True) -> str:
    """`expression` if it parses and (for a backup rule, `snapshot`) never runs twice within an
    hour: AWS Backup takes snapshot backups at most hourly."""
    schedule = parse_cron(expression)
    times = schedule.fire_minutes
    gaps = [b - a for a, b in itertools.pairwise(times)] + [1440 + times[0] - times[-1]]
    if snapshot and min(gaps) < MIN_SNAPSHOT_INTERVAL_MINUTES:
        raise ValueError(f"{expression} runs {min(gaps)} minutes after a previous run; AWS Backup "
                         "takes snapshot backups at most hourly")
    schedule.longest_gap_minutes()  # refuses a schedule that (nearly) never runs
    return expression


# --------------------------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------------------------

class BackupRuleSettings(ArgsModel):
    """One scheduled (snapshot) rule: when it runs and how long its recovery points live."""

    schedule: str = "cron(0 5 ? * * *)"
    """AWS cron, UTC (default cron(0 5 ? * * *): 05:00 daily, AWS's own default)."""
    cold_storage_after_days: Annotated[int, Field(ge=1, le=MAX_LIFECYCLE_DAYS)] | None = None
    """Days until a recovery point moves to cold storage (default none: RDS and DocumentDB
    snapshots can't tier and AWS ignores it for them; see docs/backup.md). It must then stay
    there 90 days: delete_after_days >= this + 90."""
    delete_after_days: Annotated[int, Field(ge=1, le=MAX_LIFECYCLE_DAYS,
                                            validate_default=True)] = 30
    """Days a recovery point is kept (default 30: a month of daily restore points)."""
    start_window_minutes: Annotated[int, Field(ge=MIN_START_WINDOW_MINUTES, le=43200)] = 60
    """How long after its time a job may start before it is cancelled (default 60, AWS's
    minimum: a late job is a longer gap between recovery points, counted in the RPO)."""
    completion_window_minutes: Annotated[int, Field(ge=60, le=MAX_LIFECYCLE_DAYS * 1440)] = 1440
    """How long a started job may run before it is cancelled (default 1440: a day)."""

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        return check_schedule(v)

    @field_validator("delete_after_days")
    @classmethod
    def _cold_minimum(cls, v: int, info: Any) -> int:
        cold = info.data.get("cold_storage_after_days")
        problem = cold_storage_problem(cold, v)
        if problem:
            raise ValueError(problem)
        return v


def cold_storage_problem(cold_after: int | None, delete_after: int) -> str | None:
    """Why a lifecycle breaks AWS's cold-storage minimum (None if it doesn't)."""
    if cold_after is not None and delete_after < cold_after + COLD_STORAGE_MINIMUM_DAYS:
        return (f"{delete_after} is less than cold_storage_after_days {cold_after} + "
                f"{COLD_STORAGE_MINIMUM_DAYS}: AWS keeps a recovery point in cold storage for at "
                f"least {COLD_STORAGE_MINIMUM_DAYS} days (delete_after_days >= "
                f"{cold_after + COLD_STORAGE_MINIMUM_DAYS}, or no cold storage)")
    return None


DAILY = BackupRuleSettings()
MONTHLY = BackupRuleSettings(schedule="cron(0 5 1 * ? *)", delete_after_days=365)


class VaultLockSettings(ArgsModel):
    """The vault lock: what retention a recovery point in the vault must have."""

    mode: Literal["governance", "compliance", "none"] = "governance"
    """governance (default: enforced, but a principal allowed
    backup:DeleteBackupVaultLockConfiguration can remove it), compliance (nobody can remove it
    or delete a recovery point early once changeable_for_days have passed: IRREVERSIBLE), or
    none (no lock; prod refuses it)."""
    min_retention_days: Annotated[int, Field(ge=1, le=MAX_LIFECYCLE_DAYS)] = 7
    """Shortest lifecycle the vault accepts (default 7: no recovery point lives less than a
    week); a backup or copy job with a shorter one FAILS, so it must not exceed any rule's."""
    max_retention_days: Annotated[int, Field(ge=1, le=MAX_LIFECYCLE_DAYS)] = 3650
    """Longest lifecycle the vault accepts (default 3650: ten years); a job with a longer one
    fails."""
    changeable_for_days: Annotated[int, Field(ge=MIN_CHANGEABLE_DAYS)] | None = None
    """compliance only (required there): days the lock can still be changed or removed before
    it becomes immutable (>= 3, AWS's 72-hour cooling-off). Omitted in governance mode."""

    @model_validator(mode="after")
    def _coherent(self) -> VaultLockSettings:
        if self.min_retention_days > self.max_retention_days:
            raise ValueError(f"min_retention_days {self.min_retention_days} exceeds "
                             f"max_retention_days {self.max_retention_days}")
        if self.mode == "compliance" and self.changeable_for_days is None:
            raise ValueError("compliance mode needs changeable_for_days (>= 3): the grace time "
                             "after which the lock can never be removed")
        if self.mode != "compliance" and self.changeable_for_days is not None:
            raise ValueError(f"changeable_for_days applies to compliance mode only (mode is "
                             f"{self.mode}); AWS makes a lock with it a compliance lock")
        return self


class RestoreTestingSettings(ArgsModel):
    """The monthly restore test of the latest RDS recovery point (AWS Backup restore testing)."""

    enabled: bool = True
    """Create the restore-testing plan (default true: a monthly restore test, docs/backup.md)."""
    schedule: str = "cron(0 6 15 * ? *)"
    """When it runs, AWS cron UTC (default cron(0 6 15 * ? *): the 15th at 06:00, away from the
    1st's monthly backup)."""
    start_window_hours: Annotated[int, Field(ge=1, le=168)] = 24
    """How long after its time the test may start (default 24 hours)."""
    selection_window_days: Annotated[int, Field(ge=1, le=365)] = 7
    """The latest recovery point of the last N days is restored (default 7)."""
    validation_window_hours: Annotated[int, Field(ge=1, le=168)] = 4
    """Hours the restored instance is kept for validation before AWS deletes it (default 4)."""

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        return check_schedule(v, snapshot=False)


class BackupPlanSettings(ArgsModel):
    """The plan's tunables. The vault policy, the tag selection and encryption with the given
    key are always on and not settings."""

    daily: BackupRuleSettings = DAILY
    """The daily rule (default 05:00 UTC, kept 30 days)."""
    monthly: BackupRuleSettings | None = MONTHLY
    """The monthly rule (default the 1st at 05:00 UTC, kept 365 days; keys not given keep these
    defaults; none: no monthly rule)."""
    continuous_retention_days: Annotated[int, Field(ge=1, le=CONTINUOUS_MAX_DAYS)] | None = 35
    """Continuous backup (point-in-time restore) of RDS and S3, kept this many days (default
    35, AWS's maximum; none: no continuous rule)."""
    continuous_schedule: str = "cron(0 17 ? * * *)"
    """When the continuous rule runs (default 17:00 UTC daily, half a day from the daily
    rule): each run's copy to the DR region is a snapshot (AWS can't copy RDS's transaction
    logs) and a store without point-in-time restore (DocumentDB) gets a snapshot instead.
    Hourly would keep 24 x continuous_copy_retention_days snapshots of the database in the DR
    region, past RDS's quota of 100 (`rds_snapshot_quota`); the DR region's point-in-time
    restore comes from RDS's replicated automated backups instead (docs/backup.md)."""
    continuous_copy_retention_days: Annotated[int, Field(ge=1, le=MAX_LIFECYCLE_DAYS)] = 7
    """Days the DR-region copies of the continuous rule are kept (default 7: a week of its
    snapshots there, the vault lock's minimum; the daily and monthly copies keep their rules'
    retention)."""
    vault_lock: VaultLockSettings = Field(default_factory=VaultLockSettings)
    """The vault lock (default governance, 7 to 3650 days)."""
    rds_snapshot_quota: Annotated[int, Field(ge=1)] = RDS_SNAPSHOT_QUOTA
    """The account's RDS quota of manual snapshots per region (default 100, AWS's default):
    a plan that keeps more snapshots of one store in a region than this is refused, since its
    jobs would fail there. Raise it only after a Service Quotas increase."""
    copy_to_region: str | None = None
    """The DR region every rule copies to (default none; the stacks' prod profile defaults it
    to the stack region's DR pair, e.g. us-east-1 -> us-west-2, and requires one other than the
    stack's region)."""
    rpo_minutes: Annotated[int, Field(ge=1)] | None = 60
    """The recovery point objective in minutes (default 60: lose at most an hour of data): refused if
    the schedule can't meet it (none: not checked)."""
    rto_minutes: Annotated[int, Field(ge=1)] = 240
    """The recovery time objective in minutes (default 240: back within four hours): restore
    drills report their measured time against it."""
    restore_testing: RestoreTestingSettings = Field(default_factory=RestoreTestingSettings)
    """The monthly restore test of the latest RDS recovery point (default on: a backup never
    restored is a hope, not a backup)."""

    @field_validator("monthly", mode="before")
    @classmethod
    def _monthly_defaults(cls, v: Any) -> Any:
        if isinstance(v, Mapping):  # a partial monthly rule is still a monthly rule
            return {**MONTHLY.model_dump(), **v}
        return v

    @field_validator("continuous_schedule")
    @classmethod
    def _continuous_schedule(cls, v: str) -> str:
        return check_schedule(v)

    @field_validator("copy_to_region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        if v is not None and not REGION.match(v):
            raise ValueError(f"{v!r} is not an AWS region name (e.g. us-west-2, eu-central-1)")
        return v

    def rules(self) -> dict[str, BackupRuleSettings]:
        """The snapshot rules by name (daily, monthly when set)."""
        return {"daily": self.daily, **({"monthly": self.monthly} if self.monthly else {})}


def snapshot_rpo_minutes(settings: BackupPlanSettings) -> int:
    """The most a store without point-in-time restore can lose: the shortest of the scheduled
    rules' longest gaps between runs, plus that rule's start window (a job may start that
    late). The continuous rule counts: where it can't back up continuously AWS Backup falls
    back to a snapshot."""
    candidates = [parse_cron(r.schedule).longest_gap_minutes() + r.start_window_minutes
                  for r in settings.rules().values()]
    if settings.continuous_retention_days is not None:
        candidates.append(parse_cron(settings.continuous_schedule).longest_gap_minutes()
                          + MIN_START_WINDOW_MINUTES)
    return min(candidates)


def achievable_rpo_minutes(settings: BackupPlanSettings) -> int:
    """The recovery point objective the plan can keep for the database: about 5 minutes with
    continuous backup (RDS uploads its transaction logs every five minutes), else the
    snapshot schedule's (`snapshot_rpo_minutes`)."""
    if settings.continuous_retention_days is not None:
        return CONTINUOUS_RPO_MINUTES
    return snapshot_rpo_minutes(settings)


def lifecycles(settings: BackupPlanSettings, *, copies: bool) -> dict[tuple[str, ...], int]:
    """Every recovery point's lifecycle in days, by the settings key that sets it."""
    out: dict[tuple[str, ...], int] = {(name, "delete_after_days"): rule.delete_after_days
                                       for name, rule in settings.rules().items()}
    if settings.continuous_retention_days is not None:
        out[("continuous_retention_days",)] = settings.continuous_retention_days
        if copies:
            out[("continuous_copy_retention_days",)] = settings.continuous_copy_retention_days
    return out


def runs_within(expression: str, days: int) -> int:
    """How many times `expression` runs in `days` days (counted from 2024-01-01; a monthly
    rule kept 365 days: 12)."""
    schedule = parse_cron(expression)
    start = datetime.date(2024, 1, 1)
    fire_days = sum(schedule.fires_on(start + datetime.timedelta(days=i)) for i in range(days))
    return fire_days * len(schedule.fire_minutes)


def kept_snapshots(settings: BackupPlanSettings, *, copies: bool
                   ) -> dict[str, dict[tuple[str, ...], int]]:
    """The most snapshot recovery points of ONE store the plan keeps at a time, per region
    ("source", and "dr" with copies), by the settings key that makes them (pure). Each rule
    keeps one per run over its retention; the continuous rule's recovery point of RDS is not a
    snapshot, but a store without point-in-time restore gets a snapshot per run, and every
    copy of a continuous rule is a snapshot taken at the rule's schedule (AWS Backup,
    "Copying continuous backups")."""
    source: dict[tuple[str, ...], int] = {}
    dr: dict[tuple[str, ...], int] = {}
    for name, rule in settings.rules().items():
        kept = runs_within(rule.schedule, rule.delete_after_days)
        source[(name, "delete_after_days")] = kept
        if copies:
            dr[(name, "delete_after_days")] = kept
    if settings.continuous_retention_days is not None:
        source[("continuous_schedule",)] = runs_within(settings.continuous_schedule,
                                                       settings.continuous_retention_days)
        if copies:
            dr[("continuous_schedule",)] = runs_within(settings.continuous_schedule,
                                                       settings.continuous_copy_retention_days)
    return {"source": source, **({"dr": dr} if copies else {})}


def snapshot_quota_problems(settings: BackupPlanSettings, *, copies: bool
                            ) -> list[tuple[tuple[str, ...], str]]:
    """A region where the plan would keep more snapshots of one store than RDS's quota
    (`rds_snapshot_quota`), named by the key that contributes the most."""
    problems: list[tuple[tuple[str, ...], str]] = []
    for region, counts in kept_snapshots(settings, copies=copies).items():
        total = sum(counts.values())
        if total > settings.rds_snapshot_quota:
            key = max(counts, key=lambda k: counts[k])
            where = "the DR region" if region == "dr" else "the stack's region"
            detail = ", ".join(f"{'.'.join(k)} {n}" for k, n in counts.items())
            if region == "source" and key == ("continuous_schedule",):
                detail += ("; the continuous rule's are the snapshots a store without "
                           "point-in-time restore, DocumentDB, gets")
            problems.append((key, (
                f"keeps {counts[key]} of the {total} snapshots of each store in {where} "
                f"({detail}), over rds_snapshot_quota {settings.rds_snapshot_quota}: AWS Backup's "
                "snapshots count against RDS's manual-snapshot quota and the jobs fail past it; "
                "run that rule less often or keep its points fewer days (or raise the quota in "
                "Service Quotas, then rds_snapshot_quota)")))
    return problems


def plan_problems(settings: BackupPlanSettings, *, copies: bool | None = None
                  ) -> list[tuple[tuple[str, ...], str]]:
    """Every way the settings contradict each other or AWS, as (settings key path, reason):
    the vault lock's range against every lifecycle (copies too: the DR vault has the same
    lock), the snapshots kept per region against RDS's quota, and the RPO against what the
    schedule achieves. `copies`: whether copies are made
    (default: when copy_to_region is set)."""
    copies = settings.copy_to_region is not None if copies is None else copies
    problems: list[tuple[tuple[str, ...], str]] = []
    lock = settings.vault_lock
    if lock.mode != "none":
        for key, days in lifecycles(settings, copies=copies).items():
            if days < lock.min_retention_days:
                problems.append((key, f"{days} days is below vault_lock.min_retention_days "
                                      f"{lock.min_retention_days}: the locked vault would fail "
                                      "every backup or copy job with this lifecycle"))
            elif days > lock.max_retention_days:
                problems.append((key, f"{days} days is above vault_lock.max_retention_days "
                                      f"{lock.max_retention_days}: the locked vault would fail "
                                      "every backup or copy job with this lifecycle"))
    problems += snapshot_quota_problems(settings, copies=copies)
    if settings.rpo_minutes is not None:
        achievable = achievable_rpo_minutes(settings)
        if achievable > settings.rpo_minutes:
            problems.append((("rpo_minutes",), (
                f"{settings.rpo_minutes} can't be met: the schedule loses up to {achievable} "
                "minutes (the shortest rule's longest gap between runs plus its start window); "
                "turn on continuous backup (continuous_retention_days, about "
                f"{CONTINUOUS_RPO_MINUTES} minutes for RDS), schedule a rule more often, or "
                f"state an RPO of at least {achievable}")))
    return problems


# --------------------------------------------------------------------------------------------
# policies (pure)
# --------------------------------------------------------------------------------------------

def vault_policy(vault_arn: str, break_glass_role_arns: Sequence[str]) -> dict[str, Any]:
    """Deny the destructive vault actions to every principal but the break-glass roles
    (`ArnNotLike aws:PrincipalArn`); with none, to everybody."""
    statement: dict[str, Any] = {
        "Sid": "DenyDeletingRecoveryPoints",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": list(VAULT_DENIED_ACTIONS),
        "Resource": "*",
    }
    if break_glass_role_arns:
        statement["Condition"] = {"ArnNotLike": {"aws:PrincipalArn": sorted(break_glass_role_arns)}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def trust_policy(account_id: str) -> dict[str, Any]:
    """AWS Backup may assume the role, for this account only (confused deputy)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "AwsBackup", "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }]}


def key_policy(key_arns: Sequence[str]) -> dict[str, Any]:
    """The role's KMS permissions on the vault keys (the source key and the DR key): use them,
    and create grants only for AWS resources (how AWS Backup and RDS hand the key on)."""
    keys = sorted(set(key_arns))
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "UseVaultKeys", "Effect": "Allow", "Action": list(KEY_ACTIONS), "Resource": keys},
        {"Sid": "GrantVaultKeys", "Effect": "Allow", "Action": "kms:CreateGrant",
         "Resource": keys, "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
    ]}


def restore_testing_name(naming_name: str) -> str:
    """A restore-testing name from a physical name: hyphens become underscores."""
    return naming_name.replace("-", "_")


NAME_LIMITS: dict[str, tuple[re.Pattern[str], str]] = {
    "vault": (VAULT_NAME, "backup vault name (2-50 letters, digits, - and _)"),
    "dr_vault": (VAULT_NAME, "backup vault name (2-50 letters, digits, - and _)"),
    "plan": (RULE_NAME, "backup plan name (1-50 letters, digits, - _ .)"),
    "selection": (RULE_NAME, "backup selection name (1-50 letters, digits, - _ .)"),
    "restore_testing": (RESTORE_TESTING_NAME,
                        "restore-testing name (1-50 letters, digits and underscores)"),
    "role": (re.compile(r"^[\w+=,.@-]{1,64}$"), "IAM role name (1-64 of letters, digits, +=,.@_-)"),
    "keys_policy": (re.compile(r"^[\w+=,.@-]{1,128}$"),
                    "IAM policy name (1-128 of letters, digits, +=,.@_-)"),
}
"""Each AWS name the plan derives, and AWS's rule for it (API_BackupRuleInput,
API_CreateBackupSelection, the restore-testing plan's docstring, IAM's name limits)."""


def physical_names(naming: Naming) -> dict[str, str]:
    """The AWS names of a plan with `naming` (pure): `<prefix>-vault`, `-dr-vault`, `-plan`,
    `-selection` (each <= 50), `<prefix>_restore_test` (<= 50, underscores), `-role` (<= 64)
    and the role's key policy (<= 128). `NAME_LIMITS` holds AWS's rule for each."""
    return {
        "vault": naming.name("vault", max_length=50),
        "dr_vault": naming.name("dr-vault", max_length=50),
        "plan": naming.name("plan", max_length=50),
        "selection": naming.name("selection", max_length=50),
        "restore_testing": restore_testing_name(naming.name("restore-test", max_length=50)),
        "role": naming.name("role", max_length=64),
        "keys_policy": naming.name("keys", max_length=128, lower=False),
    }


# --------------------------------------------------------------------------------------------
# the component
# --------------------------------------------------------------------------------------------

class BackupPlanArgs(ComponentArgs, BackupPlanSettings):
    """Everything `BackupPlan` takes: its settings plus the keys, the DR provider and the
    restore-testing placement."""

    data_key_arn: Input[str] | None = None
    """KMS key of the vault (required: a customer key, e.g. `EnvironmentKeys.data`; its policy
    must let AWS Backup use it, `kms:ViaService` backup.<region>)."""
    dr_provider: pulumi.ProviderResource | None = None
    """The DR region's provider (default none: no DR vault, no copies); its region must be
    `copy_to_region`. Give it with `dr_key_arn`."""
    dr_key_arn: Input[str] | None = None
    """KMS key of the DR vault, in the DR region (a key is regional; the copy is re-encrypted
    with it). Required with `dr_provider`."""
    dr_account: AccountContext | None = None
    """The DR region's account context (default none: its region looked up through
    `dr_provider`, a synchronous invoke the stacks spare by passing it)."""
    break_glass_role_arns: Sequence[Input[str]] = ()
    """Roles still allowed to delete recovery points, the vault or its lock (default none:
    nobody; the vault policy denies it to every principal)."""
    selection_tag_value: str | None = None
    """The `Backup` tag value the selection covers (default `<prefix>-<name>`: one plan never
    selects another's stores)."""
    s3: bool = False
    """Attach AWS's S3 backup and restore policies (default false: set it when an S3 bucket
    carries the tag)."""
    restore_subnet_group_name: Input[str] | None = None
    """DB subnet group the restore test restores into (default none: AWS infers one, possibly
    the default VPC's)."""
    restore_security_group_ids: Sequence[Input[str]] = ()
    """Security groups of the restore test's instance (default none: AWS infers them)."""
    protect: bool = True
    """Pulumi `protect` on the vaults (default true: `pulumi destroy` must not take the recovery
    points with it; set false for a throwaway stack)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""

    @field_validator("selection_tag_value")
    @classmethod
    def _tag_value(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^[\w.:/=+\-@ ]{1,256}$", v):
            raise ValueError(f"{v!r} is not a valid tag value (1-256 letters, digits, spaces "
                             "and _ . : / = + - @)")
        return v


_REQUIRED = {"data_key_arn": "a customer-managed KMS key ARN the vault encrypts with"}
_KIND = "BackupPlan"


def _aws_provider(opts: pulumi.ResourceOptions | None) -> pulumi.ProviderResource | None:
    """The aws provider `opts` give the component (`provider=` or `providers={"aws": ...}`)."""
    if opts is None:
        return None
    if opts.provider is not None:
        return opts.provider
    providers = opts.providers
    if isinstance(providers, dict):
        found = providers.get("aws")
        return found if isinstance(found, pulumi.ProviderResource) else None
    return next((p for p in providers or []
                 if isinstance(p, pulumi.ProviderResource) and p.package == "aws"), None)


def _short_policy(policy: str) -> str:
    """`service-role/AWSBackupServiceRolePolicyForS3Backup` -> `s3backup`."""
    return policy.rsplit("/", 1)[-1].removeprefix("AWSBackupServiceRolePolicyFor").lower()


def _rule_lifecycle(rule: BackupRuleSettings) -> dict[str, Any]:
    lifecycle: dict[str, Any] = {"delete_after": rule.delete_after_days}
    if rule.cold_storage_after_days is not None:
        lifecycle.update(cold_storage_after=rule.cold_storage_after_days,
                         opt_in_to_archive_for_supported_resources=True)
    return lifecycle


class BackupPlan(pulumi.ComponentResource):
    """AWS Backup: vault (+ lock, + deny-delete policy), plan, tag selection, service role,
    restore testing, and the DR-region vault the rules copy to.

    `BackupPlan(name, BackupPlanArgs(data_key_arn=...), opts)`. Outputs: `vault_name`,
    `vault_arn`, `dr_vault_name` / `dr_vault_arn` (None without a DR region), `plan_id`,
    `plan_arn`, `role_arn`; `selection_tag` is the `(key, value)` the stores carry, `rule_names`
    the rules, `dr_region` the copies' region.
    """

    dr_vault: aws.backup.Vault | None
    restore_testing_plan: aws.backup.RestoreTestingPlan | None

    def __init__(self, name: str, args: BackupPlanArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else BackupPlanArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming(_KIND, name, args)
        require(_KIND, name, args, _REQUIRED)
        if (args.dr_provider is None) != (args.dr_key_arn is None):
            raise ValueError(f"{_KIND} {name!r}: BackupPlanArgs.dr_provider and "
                             "BackupPlanArgs.dr_key_arn go together (the DR vault is created "
                             "through the provider, on the key of that region)")
        if (args.dr_provider is None) != (args.copy_to_region is None):
            raise ValueError(f"{_KIND} {name!r}: BackupPlanArgs.copy_to_region and "
                             "BackupPlanArgs.dr_provider go together (copy_to_region names the "
                             "provider's region)")
        if args.dr_provider is not None:
            # The region is given twice (copy_to_region for the checks, the provider for the
            # resources): they must agree, and differ from the plan's own region.
            there = (args.dr_account.region if args.dr_account is not None else
                     aws.get_region(opts=pulumi.InvokeOptions(provider=args.dr_provider)).region)
            if there != args.copy_to_region:
                raise ValueError(f"{_KIND} {name!r}: BackupPlanArgs.dr_provider is in {there} but "
                                 f"BackupPlanArgs.copy_to_region is {args.copy_to_region}: give "
                                 "the provider of the region the copies go to")
            home = args.account.region if args.account is not None else aws.get_region(
                opts=pulumi.InvokeOptions(provider=_aws_provider(opts))).region
            if there == home:
                raise ValueError(f"{_KIND} {name!r}: BackupPlanArgs.copy_to_region {there} is the "
                                 "plan's own region: the copies must survive losing it; give "
                                 "another region's provider")
        problems = plan_problems(args, copies=args.dr_provider is not None)
        if problems:
            raise ValueError("; ".join(f"{_KIND} {name!r}: BackupPlanArgs.{'.'.join(key)}: {msg}"
                                       for key, msg in problems))
        names = {key: checked_id(_KIND, name, f"{key.replace('_', ' ')} name", value,
                                 *NAME_LIMITS[key])
                 for key, value in physical_names(naming).items()}
        vault_name, dr_vault_name = names["vault"], names["dr_vault"]
        plan_name, selection_name = names["plan"], names["selection"]
        testing_name = names["restore_testing"]
        tag_value = args.selection_tag_value or naming.prefix
        super().__init__("groundwork:data:BackupPlan", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        tags = naming.tagged
        dr_opts = (pulumi.ResourceOptions(parent=self, provider=args.dr_provider,
                                          protect=args.protect)
                   if args.dr_provider is not None else None)

        # -- vaults ----------------------------------------------------------------------------
        self.vault = aws.backup.Vault(
            f"{name}-vault", name=vault_name, kms_key_arn=args.data_key_arn,
            tags=tags(vault_name, Component="backup"),
            opts=child_opts(self, protect=args.protect))
        self.vault_lock = self._lock(f"{name}-vault-lock", self.vault, child_opts(self))
        self.vault_policy = aws.backup.VaultPolicy(
            f"{name}-vault-policy", backup_vault_name=self.vault.name,
            policy=self._vault_policy(self.vault), opts=child_opts(self))
        self.dr_vault = None
        self.dr_vault_lock = None
        if dr_opts is not None:
            self.dr_vault = aws.backup.Vault(
                f"{name}-dr-vault", name=dr_vault_name, kms_key_arn=args.dr_key_arn,
                tags=tags(dr_vault_name, Component="backup", Role="disaster-recovery"),
                opts=dr_opts)
            lock_opts = pulumi.ResourceOptions(parent=self, provider=args.dr_provider)
            self.dr_vault_lock = self._lock(f"{name}-dr-vault-lock", self.dr_vault, lock_opts)
            self.dr_vault_policy = aws.backup.VaultPolicy(
                f"{name}-dr-vault-policy", backup_vault_name=self.dr_vault.name,
                policy=self._vault_policy(self.dr_vault), opts=lock_opts)

        # -- the role --------------------------------------------------------------------------
        role_name = names["role"]
        self.role = aws.iam.Role(
            f"{name}-role", name=role_name,
            description="AWS Backup backs up, copies and restores the tagged data stores",
            assume_role_policy=pulumi.Output.from_input(account.account_id).apply(
                lambda acct: json.dumps(trust_policy(acct))),
            tags=tags(role_name, Component="backup"), opts=child_opts(self))
        policies = [*BACKUP_POLICIES, *(S3_POLICIES if args.s3 else ())]
        self.attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-role-{_short_policy(policy)}",
                role=self.role.name, policy_arn=f"arn:{account.partition}:iam::aws:policy/{policy}",
                opts=child_opts(self))
            for policy in policies]
        assert args.data_key_arn is not None  # required above
        keys: list[Input[str]] = [args.data_key_arn]
        if args.dr_key_arn is not None:
            keys.append(args.dr_key_arn)
        self.key_policy = aws.iam.RolePolicy(
            f"{name}-role-keys", name=names["keys_policy"],
            role=self.role.id,
            policy=pulumi.Output.all(*keys).apply(lambda arns: json.dumps(key_policy(arns))),
            opts=child_opts(self))
        role_ready = [*self.attachments, self.key_policy]

        # -- the plan --------------------------------------------------------------------------
        rules: list[aws.backup.PlanRuleArgs] = []
        for rule_name, rule in args.rules().items():
            rules.append(aws.backup.PlanRuleArgs(
                rule_name=checked_id(_KIND, name, "rule name", rule_name, RULE_NAME, "rule name"),
                target_vault_name=self.vault.name, schedule=rule.schedule,
                start_window=rule.start_window_minutes,
                completion_window=rule.completion_window_minutes,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(**_rule_lifecycle(rule)),
                copy_actions=self._copies(_rule_lifecycle(rule)),
                recovery_point_tags={**naming.tags, "Component": "backup", "Rule": rule_name}))
        if args.continuous_retention_days is not None:
            rules.append(aws.backup.PlanRuleArgs(
                rule_name="continuous", target_vault_name=self.vault.name,
                schedule=args.continuous_schedule, enable_continuous_backup=True,
                start_window=MIN_START_WINDOW_MINUTES, completion_window=1440,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(
                    delete_after=args.continuous_retention_days),
                copy_actions=self._copies({"delete_after": args.continuous_copy_retention_days}),
                recovery_point_tags={**naming.tags, "Component": "backup", "Rule": "continuous"}))
        self.rule_names: list[str] = [str(r.rule_name) for r in rules]
        locks = [lock for lock in (self.vault_lock, self.dr_vault_lock) if lock is not None]
        self.plan = aws.backup.Plan(
            f"{name}-plan", name=plan_name, rules=rules,
            tags=tags(plan_name, Component="backup"),
            # No job runs before the vaults are locked (a lock can't apply to points already
            # in a vault with a shorter lifecycle).
            opts=child_opts(self, depends_on=[*locks]))
        self.selection_tag: tuple[str, str] = (BACKUP_TAG_KEY, tag_value)
        self.selection_tag_value: str = tag_value
        """The `Backup` value a store passes as its `backup_tag` to be covered."""
        self.selection = aws.backup.Selection(
            f"{name}-selection", name=selection_name, plan_id=self.plan.id,
            iam_role_arn=self.role.arn,
            selection_tags=[aws.backup.SelectionSelectionTagArgs(
                type="STRINGEQUALS", key=BACKUP_TAG_KEY, value=tag_value)],
            opts=child_opts(self, depends_on=role_ready))

        # -- restore testing -------------------------------------------------------------------
        self.restore_testing_plan = None
        self.restore_testing_selection = None
        testing = args.restore_testing
        if testing.enabled:
            self.restore_testing_plan = aws.backup.RestoreTestingPlan(
                f"{name}-restore-test", name=testing_name,
                schedule_expression=testing.schedule,
                start_window_hours=testing.start_window_hours,
                recovery_point_selection=aws.backup.RestoreTestingPlanRecoveryPointSelectionArgs(
                    algorithm="LATEST_WITHIN_WINDOW", include_vaults=[self.vault.arn],
                    recovery_point_types=["CONTINUOUS", "SNAPSHOT"],
                    selection_window_days=testing.selection_window_days),
                tags=tags(testing_name, Component="backup"), opts=child_opts(self))
            overrides: dict[str, Input[str]] = {}
            if args.restore_subnet_group_name is not None:
                overrides["dbSubnetGroupName"] = args.restore_subnet_group_name
            if args.restore_security_group_ids:
                overrides["vpcSecurityGroupIds"] = pulumi.Output.all(
                    *args.restore_security_group_ids).apply(lambda ids: json.dumps(list(ids)))
            self.restore_testing_selection = aws.backup.RestoreTestingSelection(
                f"{name}-restore-test-rds", name="rds",
                restore_testing_plan_name=self.restore_testing_plan.name,
                protected_resource_type="RDS", iam_role_arn=self.role.arn,
                protected_resource_conditions=(
                    aws.backup.RestoreTestingSelectionProtectedResourceConditionsArgs(
                        string_equals=[aws.backup
                                       .RestoreTestingSelectionProtectedResourceConditionsStringEqualArgs(
                                           key=f"aws:ResourceTag/{BACKUP_TAG_KEY}", value=tag_value)])),
                restore_metadata_overrides=overrides or None,
                validation_window_hours=testing.validation_window_hours,
                opts=child_opts(self, depends_on=role_ready))

        self.vault_name: pulumi.Output[str] = self.vault.name
        self.vault_arn: pulumi.Output[str] = self.vault.arn
        self.dr_vault_name = self.dr_vault.name if self.dr_vault is not None else None
        self.dr_vault_arn = self.dr_vault.arn if self.dr_vault is not None else None
        self.dr_region: str | None = args.copy_to_region
        self.plan_id: pulumi.Output[str] = self.plan.id
        self.plan_arn: pulumi.Output[str] = self.plan.arn
        self.role_arn: pulumi.Output[str] = self.role.arn
        self.register_outputs({
            "vault_name": self.vault_name, "vault_arn": self.vault_arn,
            "dr_vault_name": self.dr_vault_name, "dr_vault_arn": self.dr_vault_arn,
            "plan_id": self.plan_id, "plan_arn": self.plan_arn, "role_arn": self.role_arn,
        })

    @property
    def achievable_rpo_minutes(self) -> int:
        """What the plan's schedule achieves for the database (`achievable_rpo_minutes`)."""
        return achievable_rpo_minutes(self.args)

    def _lock(self, resource_name: str, vault: aws.backup.Vault,
              opts: pulumi.ResourceOptions) -> aws.backup.VaultLockConfiguration | None:
        lock = self.args.vault_lock
        if lock.mode == "none":
            return None
        return aws.backup.VaultLockConfiguration(
            resource_name, backup_vault_name=vault.name,
            min_retention_days=lock.min_retention_days, max_retention_days=lock.max_retention_days,
            # Omitted: governance mode; set: compliance, immutable after these days.
            changeable_for_days=lock.changeable_for_days if lock.mode == "compliance" else None,
            opts=opts)

    def _vault_policy(self, vault: aws.backup.Vault) -> pulumi.Output[str]:
        return pulumi.Output.all(vault.arn, *self.args.break_glass_role_arns).apply(
            lambda a: json.dumps(vault_policy(a[0], list(a[1:]))))

    def _copies(self, lifecycle: dict[str, Any]) -> list[aws.backup.PlanRuleCopyActionArgs] | None:
        if self.dr_vault is None:
            return None
        return [aws.backup.PlanRuleCopyActionArgs(
            destination_vault_arn=self.dr_vault.arn,
            lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(**lifecycle))]
