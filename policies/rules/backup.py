"""AWS Backup rules: every data store of prod is in a backup plan (selected by its `Backup` tag),
the vaults are on customer keys, locked and guarded against deletion, the recovery points are
encrypted (Backup.1), kept at least the configured floor, and copied to another region.

What counts as a data store: RDS instances and clusters (not read replicas), DocumentDB
clusters, EFS file systems, DynamoDB tables, and every bucket that holds data. A bucket holds
data unless something writes its logs into it or replicates another bucket into it (see
`storage.data_buckets`): the difference is structural, never a tag, so a new data bucket is
covered without anyone remembering to tag it; a bucket that does carry a `Backup` tag is held to
it whatever it is.

How a selection covers a store, as AWS Backup reads it (docs/policies.md, "Backup coverage"):
the store's `Backup` tag value is named exactly, by `selection_tags` (STRINGEQUALS, key
`Backup`) or by `conditions[].string_equals` (key `aws:ResourceTag/Backup`); every other
condition (ANDed by AWS) holds for the store's tags; `resources`, when set, names the store; no
`not_resources` pattern names it; the selection's plan is in this stack and has a rule; the
selection and the store are in the same region. A `string_likes` wildcard never counts as
coverage on its own: `Backup=*` selects whatever happens to carry the key, including stores tagged
for another plan.

Standard library and pulumi_policy only (the pack's own virtualenv).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from ._base import (
    BUCKETS,
    RDS_CLUSTER,
    RDS_INSTANCE,
    Stack,
    as_list,
    count,
    get,
    is_true,
    known,
    number,
    present,
    provider_default_tags,
    resource_rule,
    stack_rule,
    tags_of,
    walk_strings,
)
from ._documents import Statement, everyone, grants, statements
from .documents import DOCDB_CLUSTER
from .storage import data_buckets

VAULT = "aws:backup/vault:Vault"
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
EFS = "aws:efs/fileSystem:FileSystem"
DYNAMODB = "aws:dynamodb/table:Table"

BACKUP_TAG = "Backup"
"""The tag a backup selection selects on (`components/base.py` BACKUP_TAG_KEY)."""
CONDITION_TAG = "aws:ResourceTag/"
STORE_TYPES = (RDS_INSTANCE, RDS_CLUSTER, DOCDB_CLUSTER, EFS, DYNAMODB)
INHERITS_ENCRYPTION = {RDS_INSTANCE: "storageEncrypted", RDS_CLUSTER: "storageEncrypted",
                       DOCDB_CLUSTER: "storageEncrypted"}
"""Stores AWS Backup does not fully manage: their recovery points inherit the source's
encryption (AWS Backup, "Encryption for backups"); S3, EFS and DynamoDB recovery points are
encrypted with the vault's key."""
ARN_SERVICE = {RDS_INSTANCE: "rds", RDS_CLUSTER: "rds", DOCDB_CLUSTER: "rds", EFS: "elasticfilesystem",
               DYNAMODB: "dynamodb", **dict.fromkeys(BUCKETS, "s3")}
AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)
CONTINUOUS_MAX_DAYS = 35
"""AWS keeps continuous backups (point-in-time restore) 1 to 35 days."""
COLD_MINIMUM_DAYS = 90
"""A recovery point in cold storage stays there at least 90 days (AWS Backup, Lifecycle)."""
DELETE_ACTION = "backup:DeleteRecoveryPoint"
_EXEMPT_OPERATORS = ("arnnotequals", "arnnotlike", "stringnotequals", "stringnotlike")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:(iam::\d{12}:role/([^*?/]+/)*[^*?/]+|"
                       r"sts::\d{12}:assumed-role/[^*?/]+/.+)$")
"""A named role: an IAM role ARN without wildcards (path included), or the sessions of one
named role (`assumed-role/<role>/*`). `role/break*` or `role/admin/*` exempt every role that
matches, not a named break-glass role."""
_RECOVERY_POINTS = re.compile(r"^arn:[^:]+:backup:(?P<region>[^:]*):(?P<account>[^:]*):recovery-point:\*$")
_PROBE_ARNS = {
    RDS_INSTANCE: "arn:aws:rds:{r}:{a}:db:{n}", RDS_CLUSTER: "arn:aws:rds:{r}:{a}:cluster:{n}",
    DOCDB_CLUSTER: "arn:aws:rds:{r}:{a}:cluster:{n}",
    EFS: "arn:aws:elasticfilesystem:{r}:{a}:file-system/{n}",
    DYNAMODB: "arn:aws:dynamodb:{r}:{a}:table/{n}", **dict.fromkeys(BUCKETS, "arn:aws:s3:::{n}")}
"""ARN shapes of the stores, to judge a pattern against a store whose ARN is unknown (preview)."""
_PROBES = (("us-east-1", "111111111111", "probe-a1"), ("eu-west-3", "222222222222", "other-z9"))
_MONTHS = {m: i + 1 for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
                                           "SEP", "OCT", "NOV", "DEC"))}
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


# --------------------------------------------------------------------------------------------
# reading the stack
# --------------------------------------------------------------------------------------------


def region_of(resource: PolicyResource) -> str | None:
    """The resource's region: its own `region` input (pulumi-aws 7), else its provider's."""
    own = known(resource.props, "region")
    if isinstance(own, str) and own:
        return own
    provider = getattr(resource, "provider", None)
    region = known(provider.props, "region") if provider is not None else None
    return region if isinstance(region, str) and region else None


def store_tags(resource: PolicyResource) -> dict[str, Any]:
    """The tags AWS puts on the resource: its own, over its provider's default tags."""
    provider = getattr(resource, "provider", None)
    return {**provider_default_tags(provider.props if provider is not None else None),
            **tags_of(resource.props)}


def _replica(resource: PolicyResource) -> bool:
    """An RDS read replica: its source is the store AWS Backup protects."""
    return present(resource.props, "replicateSourceDb") or \
        present(resource.props, "replicationSourceIdentifier")


def data_stores(stack: Stack) -> list[PolicyResource]:
    """Every store a backup plan must cover (see the module docstring)."""
    stores = [r for r in stack.of_type(*STORE_TYPES) if not _replica(r)]
    stores += data_buckets(stack)
    stores += [b for b in stack.of_type(*BUCKETS) if b not in stores and BACKUP_TAG in store_tags(b)]
    return stores


def _values(resource: PolicyResource) -> set[str]:
    return {str(v) for k in ("name", "id", "arn")
            if isinstance(v := known(resource.props, k), str) and v}


def named(stack: Stack, value: Any, types: tuple[str, ...], *, region: str | None = None,
          keys: tuple[str, ...] = ("name", "id", "arn")) -> list[PolicyResource]:
    """Resources of `types` whose name, id or ARN (`keys`) is `value`, and, with `region`, in that
    region (a vault is named within its region: the same name in the DR region is another
    vault)."""
    if not isinstance(value, str) or not value:
        return []
    found = [r for r in stack.of_type(*types)
             if value in {str(v) for k in keys if isinstance(v := known(r.props, k), str) and v}]
    if region:
        found = [r for r in found if region_of(r) in (None, region)]
    return found


def vault_holders(stack: Stack, vault: PolicyResource, types: list[str]) -> list[PolicyResource]:
    """The locks / access policies of `types` set on `vault`: their `backupVaultName` names it
    (by value when both are known, in the vault's region), else (unknown in a preview) by the
    engine's property dependency."""
    found = []
    for holder in stack.of_type(*types):
        try:
            value = get(holder.props, "backupVaultName")
        except UnknownValueError:
            value = None
        if isinstance(value, str) and value and _values(vault):
            if vault in named(stack, value, (VAULT,), region=region_of(holder)):
                found.append(holder)
        elif vault in (holder.property_dependencies or {}).get("backupVaultName", []):
            found.append(holder)
    return found


def plan_of(stack: Stack, selection: PolicyResource) -> PolicyResource | None:
    found = stack.referenced(selection, "planId", [PLAN])
    return found[0] if found else None


def plan_rules(plan: PolicyResource) -> list[Any]:
    return as_list(get(plan.props, "rules", default=[]))


def rule_label(rule: Any, index: int) -> str:
    return f"rule '{get(rule, 'ruleName', default='') or f'#{index}'}'"


def _like(pattern: str, value: str) -> bool:
    """AWS Backup's StringLike: `*` anywhere, case-sensitive."""
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), value) is not None


def _conditions(selection: PolicyResource) -> dict[str, list[tuple[str, str]]]:
    """Every condition of the selection by operator (`stringEquals`, `stringLikes`,
    `stringNotEquals`, `stringNotLikes`) as (key, value) pairs."""
    out: dict[str, list[tuple[str, str]]] = {}
    for block in as_list(get(selection.props, "conditions", default=[])):
        for operator in ("stringEquals", "stringLikes", "stringNotEquals", "stringNotLikes"):
            for entry in as_list(get(block, operator, default=[])):
                out.setdefault(operator, []).append((str(get(entry, "key", default="")),
                                                     str(get(entry, "value", default=""))))
    return out


def _store_arn(store: PolicyResource) -> str | None:
    arn = known(store.props, "arn")
    if isinstance(arn, str) and arn:
        return arn
    name = known(store.props, "bucket") if store.resource_type in BUCKETS else None
    return f"arn:aws:s3:::{name}" if isinstance(name, str) and name else None


def _pattern_names(pattern: str, store: PolicyResource) -> bool | None:
    """Whether the ARN pattern names the store: by its known ARN; when the ARN is unknown (a
    preview), True if the pattern matches every ARN of the store's kind, False if none, None
    (undecided) if it depends on the store's name, region or account."""
    arn = _store_arn(store)
    if arn is not None:
        return _like(pattern, arn)
    shape = _PROBE_ARNS.get(store.resource_type, "")
    if all(_like(pattern, shape.format(r=r, a=a, n=n)) for r, a, n in _PROBES):
        return True
    fits = re.escape(shape).replace(r"\{r\}", "[^:]*").replace(r"\{a\}", "[^:]*").replace(r"\{n\}", ".+")
    return None if re.fullmatch(fits, pattern.replace("*", "x")) else False


def _names_store(selection: PolicyResource, prop: str, store: PolicyResource) -> bool | None:
    """Whether the selection's `prop` (resources / not_resources) names the store: None when
    the list is empty, else True/False; raises UnknownValueError when preview can't tell."""
    try:
        value = get(selection.props, prop, default=[])
        patterns = [v for _, v in walk_strings(value)]
        unknown = count(value) > len(patterns)
    except UnknownValueError:
        patterns, unknown = [], True
    if not patterns and not unknown:
        return None
    verdicts = [_pattern_names(p, store) for p in patterns]
    if True in verdicts:
        return True
    deps = (selection.property_dependencies or {}).get(prop, [])
    if unknown and store in deps:
        return True  # an unknown entry computed from the store: its ARN
    if None in verdicts or (unknown and not deps):
        raise UnknownValueError(UNKNOWN_STRING_VALUE, [prop])
    return False


def why_not_selected(selection: PolicyResource, store: PolicyResource, tags: Mapping[str, Any]) -> str | None:
    """None when `selection` selects `store` (whose tags are `tags`), else why not."""
    value = str(tags.get(BACKUP_TAG) or "")
    conditions = _conditions(selection)
    listed = as_list(get(selection.props, "selectionTags", default=[]))
    by_tags = [str(get(t, "value", default="")) for t in listed
               if str(get(t, "type", default="")).upper() == "STRINGEQUALS"
               and str(get(t, "key", default="")) == BACKUP_TAG]
    by_condition = [v for k, v in conditions.get("stringEquals", []) if k == CONDITION_TAG + BACKUP_TAG]
    if value not in by_tags + by_condition:
        named_values = sorted(set(by_tags + by_condition))
        return (f"selects {BACKUP_TAG}={', '.join(named_values)}" if named_values
                else f"names no exact {BACKUP_TAG} tag value (STRINGEQUALS)")
    for operator, entries in conditions.items():
        for key, expected in entries:
            if not key.startswith(CONDITION_TAG):
                return f"has a condition on {key}, which the pack can't evaluate"
            actual = tags.get(key[len(CONDITION_TAG):])
            actual = None if actual is None else str(actual)
            holds = {
                "stringEquals": actual == expected,
                "stringLikes": actual is not None and _like(expected, actual),
                "stringNotEquals": actual != expected,
                "stringNotLikes": actual is None or not _like(expected, actual),
            }[operator]
            if not holds:
                return f"excludes it by its condition {operator} {key}={expected}"
    if _names_store(selection, "resources", store) is False:
        return "lists resources that don't name it"
    if _names_store(selection, "notResources", store):
        return "excludes it in not_resources"
    here, there = region_of(selection), region_of(store)
    if here and there and here != there:
        return f"is in {here}, the store in {there}"
    return None


def _cron_values(field: str, names: Mapping[str, int] | None = None) -> list[int] | None:
    """The numbers a cron field lists (`1,15`, `3-5`, `JAN`), or None when it is a wildcard, a
    step or a special (`*`, `?`, `L`, `W`, `#`, `/`): such a field can always match."""
    out: list[int] = []
    for part in field.upper().split(","):
        bounds = [names.get(b, b) if names else b for b in part.split("-")]
        if not all(isinstance(b, int) or str(b).isdigit() for b in bounds) or len(bounds) > 2:
            return None
        low, high = int(bounds[0]), int(bounds[-1])
        out.extend(range(low, high + 1))
    return out


def never_fires(schedule: Any) -> str | None:
    """Why an AWS cron schedule can never run (a day the listed months don't have, years that
    are over), or None. Unset is AWS Backup's default (daily); other forms are AWS's to judge."""
    if not isinstance(schedule, str):
        return None
    found = re.fullmatch(r"\s*cron\((.*)\)\s*", schedule)
    fields = found.group(1).split() if found else []
    if len(fields) != 6:
        return None
    days, months, years = _cron_values(fields[2]), _cron_values(fields[3], _MONTHS), _cron_values(fields[5])
    if days:
        lengths = [_MONTH_DAYS[m - 1] for m in (months or range(1, 13)) if 1 <= m <= 12]
        if min(days) > max(lengths, default=0):
            return f"day {min(days)} never comes in its months"
    if years and max(years) < datetime.date.today().year:
        return f"its last year {max(years)} is over"
    return None


def running_rules(plan: PolicyResource) -> list[Any]:
    """The plan's rules that can run (continuous ones, and schedules that can fire)."""
    return [r for r in plan_rules(plan)
            if is_true(get(r, "enableContinuousBackup")) or never_fires(get(r, "schedule")) is None]


def coverage(stack: Stack, store: PolicyResource) -> tuple[list[PolicyResource], list[str]]:
    """(the plans of this stack whose selections cover `store`, why the other selections don't)."""
    tags = store_tags(store)
    plans: list[PolicyResource] = []
    notes: list[str] = []
    for selection in stack.of_type(SELECTION):
        plan = plan_of(stack, selection)
        if plan is None:
            notes.append(f"selection '{selection.name}' is on a plan outside this stack")
            continue
        why = why_not_selected(selection, store, tags)
        if why is not None:
            notes.append(f"selection '{selection.name}' {why}")
        elif not plan_rules(plan):
            notes.append(f"plan '{plan.name}' of selection '{selection.name}' has no rules")
        elif not running_rules(plan):
            why = "; ".join(f"{rule_label(r, i)}: {never_fires(get(r, 'schedule'))}"
                            for i, r in enumerate(plan_rules(plan)))
            notes.append(f"plan '{plan.name}' of selection '{selection.name}' has no rule that "
                         f"can run ({why})")
        elif plan not in plans:
            plans.append(plan)
    return plans, notes


def _retention(lifecycle: Any) -> tuple[float | None, float | None]:
    """(delete_after, cold_storage_after) in days; None where unset."""
    return number(get(lifecycle, "deleteAfter")), number(get(lifecycle, "coldStorageAfter"))


# --------------------------------------------------------------------------------------------
# coverage, keys, Backup.1
# --------------------------------------------------------------------------------------------


@stack_rule(
    "backup-plan-coverage",
    control="Backup plan coverage",
    description="Every data store (RDS, DocumentDB, EFS, DynamoDB, every bucket that is not a log "
                "destination or a replica) carries a `Backup` tag that a backup selection of this "
                "stack selects exactly (selection_tags STRINGEQUALS or conditions string_equals "
                "aws:ResourceTag/Backup), on a plan with at least one rule, without excluding it "
                "(another condition, resources, not_resources, another region). With "
                "`requireBackupPlan: false` (dev) only the stores that carry the tag are judged.",
    fix="pass backup_tag=platform.backup_tag_for(<store>) to the store's component and list the "
        "store in groundwork:backup.stores (docs/backup.md)",
    types=[*STORE_TYPES, *BUCKETS, SELECTION, PLAN],
    defaults={"requireBackupPlan": True},
    properties={"requireBackupPlan": {"type": "boolean"}},
)
def backup_plan_coverage(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    required = is_true(config.get("requireBackupPlan"))
    for store in data_stores(stack):
        value = str(store_tags(store).get(BACKUP_TAG) or "")
        if not value:
            if required:
                yield store, f"is in no backup plan (it carries no {BACKUP_TAG} tag)"
            continue
        plans, notes = coverage(stack, store)
        if not plans:
            why = "; ".join(notes) if notes else "there is no backup selection in this stack"
            yield store, f"carries {BACKUP_TAG}={value} but no backup plan of this stack covers it ({why})"


@resource_rule(
    "backup-vault-customer-key",
    control="Backup vault CMK",
    description="Backup vaults (and logically air-gapped vaults) encrypt recovery points with a "
                "customer-managed KMS key: kms_key_arn set and not the AWS-managed alias/aws/backup.",
    fix="set kms_key_arn=<the environment's data key ARN> (the DR vault: the DR region's data key)",
    types=[VAULT, AIR_GAPPED_VAULT],
)
def backup_vault_customer_key(props, args, config) -> Iterator[str]:
    prop = "encryptionKeyArn" if args.resource_type == AIR_GAPPED_VAULT else "kmsKeyArn"
    if not present(props, prop):
        yield f"is encrypted with the AWS-managed key ({prop} unset)"
        return
    key = known(props, prop)
    if isinstance(key, str) and AWS_MANAGED_KEY.search(key):
        yield f"is encrypted with the AWS-managed key {key}"


@stack_rule(
    "backup-recovery-points-encrypted",
    control="Backup.1",
    description="Recovery points are encrypted at rest: every plan rule writes to a vault of this "
                "stack (whose key `backup-vault-customer-key` judges) and every store a selection "
                "covers whose recovery points inherit its own encryption (RDS, Aurora, DocumentDB) "
                "is encrypted.",
    fix="keep the vault in the same program as the plan, and set storage_encrypted=True with the "
        "data key on the store",
    types=[PLAN, VAULT, SELECTION, *STORE_TYPES],
)
def backup_recovery_points_encrypted(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for plan in stack.of_type(PLAN):
        for i, rule in enumerate(plan_rules(plan)):
            target = get(rule, "targetVaultName")
            if not named(stack, target, (VAULT, AIR_GAPPED_VAULT), region=region_of(plan)):
                yield plan, (f"{rule_label(rule, i)} writes to vault '{target}', which is not in this "
                             f"stack (in the plan's region {region_of(plan) or 'unknown'}): its "
                             f"encryption can't be checked")
    for store in stack.of_type(*INHERITS_ENCRYPTION):
        plans, _ = coverage(stack, store)
        if plans and not is_true(get(store.props, INHERITS_ENCRYPTION[store.resource_type])):
            yield store, (f"is in backup plan '{plans[0].name}' but not encrypted: its recovery points "
                          f"inherit its encryption")


# --------------------------------------------------------------------------------------------
# retention, lock, deletion, copies
# --------------------------------------------------------------------------------------------


def _lifecycle_problems(label: str, lifecycle: Any, floor: float, continuous: bool) -> Iterator[str]:
    delete, cold = _retention(lifecycle)
    if continuous:
        if delete is None:
            yield (f"{label} is continuous and has no delete_after (AWS keeps continuous backups "
                   f"1-{CONTINUOUS_MAX_DAYS} days)")
        elif not 1 <= delete <= CONTINUOUS_MAX_DAYS:
            yield f"{label} keeps continuous backups {delete:g} days; AWS allows 1-{CONTINUOUS_MAX_DAYS}"
        elif delete < min(floor, CONTINUOUS_MAX_DAYS):
            capped = min(floor, CONTINUOUS_MAX_DAYS)
            yield f"{label} keeps recovery points {delete:g} days; the floor is {capped:g}"
        return
    if delete is not None and delete < floor:
        yield f"{label} keeps recovery points {delete:g} days; the floor is {floor:g}"
    if cold is not None and delete is not None and delete < cold + COLD_MINIMUM_DAYS:
        yield (f"{label} deletes {delete:g} days after backup but moves to cold storage at day {cold:g}: "
               f"AWS requires delete_after >= cold_storage_after + {COLD_MINIMUM_DAYS}")


@resource_rule(
    "backup-retention-floor",
    control="Backup retention floor",
    description="Every backup rule and copy action keeps recovery points at least `minimumDays` "
                "(prod 30; unset delete_after keeps them forever); continuous rules keep 1-35 days "
                "(AWS's range; the floor caps at 35); a rule with cold storage deletes at least 90 "
                "days after the move (AWS's minimum). The copies of a continuous rule (hourly "
                "snapshots for the RPO) may be kept shorter only where a scheduled rule of the same "
                "plan copies to the same vault for at least the floor.",
    fix="raise lifecycle.delete_after (backup.daily / monthly delete_after_days) and the copy "
        "actions' lifecycles to the floor; keep delete_after >= cold_storage_after + 90",
    types=[PLAN],
    defaults={"minimumDays": 30},
    properties={"minimumDays": {"type": "integer", "minimum": 1}},
)
def backup_retention_floor(props, args, config) -> Iterator[str]:
    floor = float(config["minimumDays"])
    rules_ = as_list(get(props, "rules", default=[]))
    long_copies = set()  # destination vaults a scheduled rule's copies reach for the floor or longer
    for rule in rules_:
        if is_true(get(rule, "enableContinuousBackup")):
            continue
        own = _retention(get(rule, "lifecycle", default={}))[0]
        for copy in as_list(get(rule, "copyActions", default=[])):
            lifecycle = get(copy, "lifecycle")
            kept = _retention(lifecycle)[0] if lifecycle is not None else own
            if kept is None or kept >= floor:
                long_copies.add(str(get(copy, "destinationVaultArn", default="")))
    if floor > CONTINUOUS_MAX_DAYS and rules_ and all(is_true(get(r, "enableContinuousBackup"))
                                                     for r in rules_):
        yield (f"has only continuous rules (kept at most {CONTINUOUS_MAX_DAYS} days); the floor "
               f"{floor:g} needs a scheduled rule")
    for i, rule in enumerate(rules_):
        label = rule_label(rule, i)
        continuous = is_true(get(rule, "enableContinuousBackup"))
        yield from _lifecycle_problems(label, get(rule, "lifecycle", default={}), floor, continuous)
        for j, copy in enumerate(as_list(get(rule, "copyActions", default=[]))):
            lifecycle = get(copy, "lifecycle")
            if lifecycle is None:
                continue  # no lifecycle of its own: kept as the source rule (judged above) or longer
            if continuous and str(get(copy, "destinationVaultArn", default="")) in long_copies:
                yield from _lifecycle_problems(f"{label} copy action #{j}", lifecycle, 1, False)
                continue
            yield from _lifecycle_problems(f"{label} copy action #{j}", lifecycle, floor, False)


def _vault_retentions(stack: Stack, vault: PolicyResource) -> list[tuple[str, float | None]]:
    """(what, delete_after) of every rule that writes into the vault and every copy action that
    copies into it (None: kept forever)."""
    found: list[tuple[str, float | None]] = []
    arn = get(vault.props, "arn", default=None)
    for plan in stack.of_type(PLAN):
        for i, rule in enumerate(plan_rules(plan)):
            label = f"plan '{plan.name}' {rule_label(rule, i)}"
            if vault in named(stack, get(rule, "targetVaultName"), (VAULT,), region=region_of(plan)):
                found.append((label, _retention(get(rule, "lifecycle", default={}))[0]))
            for j, copy in enumerate(as_list(get(rule, "copyActions", default=[]))):
                destination = get(copy, "destinationVaultArn")
                if isinstance(arn, str) and destination == arn:
                    lifecycle = get(copy, "lifecycle")
                    source = _retention(get(rule, "lifecycle", default={}))[0]
                    found.append((f"{label} copy action #{j}",
                                  _retention(lifecycle)[0] if lifecycle is not None else source))
    return found


@stack_rule(
    "backup-vault-lock",
    control="Backup vault lock",
    description="Every backup vault has a VaultLockConfiguration (governance, or compliance with "
                "changeable_for_days >= 3 as AWS requires) whose min_retention_days is at most, and "
                "max_retention_days at least, the retention of every rule and copy action that "
                "writes into it (AWS fails the jobs outside the range).",
    fix="add backup.VaultLockConfiguration(backup_vault_name=<vault>.name, min_retention_days=<= the "
        "shortest delete_after, max_retention_days=>= the longest) (backup.vault_lock)",
    types=[VAULT, VAULT_LOCK, PLAN],
)
def backup_vault_lock(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for vault in stack.of_type(VAULT):
        locks = vault_holders(stack, vault, [VAULT_LOCK])
        if not locks:
            yield vault, "has no vault lock (backup.VaultLockConfiguration)"
            continue
        retentions = _vault_retentions(stack, vault)
        for lock in locks:
            changeable = number(get(lock.props, "changeableForDays"))
            if changeable is not None and changeable < 3:
                yield vault, (f"lock '{lock.name}' is compliance mode with changeable_for_days "
                              f"{changeable:g}; AWS requires at least 3")
            low = number(get(lock.props, "minRetentionDays"))
            high = number(get(lock.props, "maxRetentionDays"))
            if low is None or low < 1:
                yield vault, (f"lock '{lock.name}' sets no min_retention_days: the vault accepts "
                              f"backup and copy jobs of any retention, however short (AWS: without "
                              f"it Vault Lock enforces no minimum)")
            for what, delete in retentions:
                if low is not None and delete is not None and delete < low:
                    yield vault, (f"{what} keeps {delete:g} days, less than lock '{lock.name}' "
                                  f"min_retention_days {low:g}: AWS fails those jobs")
                if high is not None and (delete is None or delete > high):
                    kept = "forever" if delete is None else f"{delete:g} days"
                    yield vault, (f"{what} keeps {kept}, more than lock '{lock.name}' max_retention_days "
                                  f"{high:g}: AWS fails those jobs")


def _exemption_problem(st: Statement) -> str | None:
    """None when the statement's conditions only exempt named roles (break-glass) by
    aws:PrincipalArn, else why they narrow the deny."""
    for operator, keys in st.conditions.items():
        for key, values in keys.items():
            if operator.lower() not in _EXEMPT_OPERATORS or key != "aws:principalarn":
                return f"is narrowed by the condition {operator} {key}"
            loose = [v for v in values if not _ROLE_ARN.match(v)]
            if loose or not values:
                return f"exempts {', '.join(loose) or 'nothing named'}, not named break-glass roles"
    if st.has_not_principal:
        loose = [v for vs in st.not_principals.values() for v in vs if not _ROLE_ARN.match(v)]
        if loose:
            return f"exempts {', '.join(loose)} by NotPrincipal, not named break-glass roles"
    return None


def _covers_recovery_points(pattern: str, vault: PolicyResource | None) -> bool:
    """The Resource covers every recovery point of the vault: `*`, or `recovery-point:*` whose
    region and account are wildcards or the vault's own (another account's or region's
    recovery points are not this vault's)."""
    if pattern == "*":
        return True
    found = _RECOVERY_POINTS.match(pattern)
    if not found:
        return False
    arn = known(vault.props, "arn") if vault is not None else None
    parts = arn.split(":") if isinstance(arn, str) and arn.count(":") >= 5 else None
    region = parts[3] if parts else (region_of(vault) if vault is not None else None)
    account = parts[4] if parts else None
    for value, own in ((found["region"], region), (found["account"], account)):
        if set(value) <= {"*"} and value:
            continue
        if own is None or not _like(value, own):
            return False
    return True


def deny_delete_problem(st: Statement, vault: PolicyResource | None = None) -> str | None:
    """None when `st` denies everyone but named break-glass roles backup:DeleteRecoveryPoint on
    every recovery point of the vault, else why it doesn't."""
    if st.effect != "Deny":
        return "is not a Deny"
    if not grants(st, DELETE_ACTION):
        return f"does not deny {DELETE_ACTION}"
    if not st.has_not_principal and not everyone(st):
        return "does not apply to every principal (Principal '*')"
    if st.not_resources or not any(_covers_recovery_points(r, vault) for r in st.resources):
        return "does not cover every recovery point of the vault (Resource '*')"
    return _exemption_problem(st)


@stack_rule(
    "backup-vault-deny-delete",
    control="Backup delete guard",
    description="Every backup vault has an access policy (backup.VaultPolicy) with a Deny of "
                "backup:DeleteRecoveryPoint to every principal on every recovery point, exempting at "
                "most named break-glass roles (ArnNotEquals / ArnNotLike / StringNotEquals / "
                "StringNotLike on aws:PrincipalArn with concrete role ARNs); no other condition.",
    fix="add backup.VaultPolicy(backup_vault_name=<vault>.name, policy={Deny, Principal '*', Action "
        "'backup:DeleteRecoveryPoint', Resource '*', Condition {ArnNotLike: {aws:PrincipalArn: "
        "[<break-glass role ARNs>]}}}) (backup.break_glass_role_arns)",
    types=[VAULT, VAULT_POLICY],
)
def backup_vault_deny_delete(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for vault in stack.of_type(VAULT):
        policies = vault_holders(stack, vault, [VAULT_POLICY])
        if not policies:
            yield vault, f"has no access policy denying {DELETE_ACTION}"
        for policy in policies:
            found = statements(get(policy.props, "policy"))
            candidates = [st for st in found if st.effect == "Deny"]
            if any(deny_delete_problem(st, vault) is None for st in candidates):
                continue
            why = "; ".join(f"statement {st.label} {deny_delete_problem(st, vault)}" for st in candidates) \
                or "it has no Deny statement"
            yield vault, (f"policy '{policy.name}' does not deny {DELETE_ACTION} to all but "
                          f"break-glass ({why})")


@stack_rule(
    "backup-cross-region-copy",
    control="Backup cross-region copy",
    description="Every rule of every backup plan has a copy action to a vault of this stack in "
                "another region than the plan's (the DR vault, through the DR provider).",
    fix="set backup.copy_to_region (prod requires it): BackupPlan adds a copy action to the DR vault "
        "on every rule",
    types=[PLAN, VAULT],
)
def backup_cross_region_copy(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for plan in stack.of_type(PLAN):
        home = region_of(plan)
        for i, rule in enumerate(plan_rules(plan)):
            copies = as_list(get(rule, "copyActions", default=[]))
            notes = []
            for copy in copies:
                destination = get(copy, "destinationVaultArn")
                vaults = named(stack, destination, (VAULT, AIR_GAPPED_VAULT), keys=("arn",))
                if not vaults:
                    notes.append(f"copies to '{destination}', not a vault of this stack (by ARN)")
                    continue
                there = region_of(vaults[0])
                if there and home and there != home:
                    break
                notes.append(f"copies to vault '{vaults[0].name}' in the same region ({there or 'unknown'})")
            else:
                why = "; ".join(notes) if notes else "no copy action"
                yield plan, f"{rule_label(rule, i)} keeps no copy in another region ({why})"


@stack_rule(
    "backup-continuous-retention",
    control="Backup continuous retention matches RDS",
    description="An RDS instance or cluster covered by a plan's continuous-backup rule keeps its "
                "own backup_retention_period equal to the rule's delete_after, or ignores "
                "changes to it: AWS Backup then manages the instance's point-in-time recovery and "
                "refuses a retention that differs (the next `pulumi up` fails, or undoes what AWS "
                "Backup set).",
    fix="give the database the continuous rule's retention (PostgresDatabaseArgs."
        "continuous_backup_retention_days = BackupPlanArgs.continuous_retention_days; the stacks "
        "do it) (docs/backup.md)",
    types=[RDS_INSTANCE, RDS_CLUSTER, SELECTION, PLAN],
)
def backup_continuous_retention(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for store in data_stores(stack):
        if store.resource_type not in (RDS_INSTANCE, RDS_CLUSTER):
            continue
        plans, _ = coverage(stack, store)
        continuous = [(plan, rule) for plan in plans for rule in plan_rules(plan)
                      if is_true(get(rule, "enableContinuousBackup"))]
        if not continuous:
            continue
        if "backupRetentionPeriod" in (store.opts.ignore_changes or []):
            continue  # AWS Backup's value stands; Pulumi never sends its own
        own = number(get(store.props, "backupRetentionPeriod"))
        for plan, rule in continuous:
            days, _ = _retention(get(rule, "lifecycle"))
            if days is None or own is None or days != own:
                yield store, (f"keeps automated backups {f'{own:g}' if own is not None else 'unset'} "
                              f"days but plan '{plan.name}' manages its point-in-time recovery "
                              f"with continuous rule '{get(rule, 'ruleName')}' kept "
                              f"{f'{days:g}' if days is not None else 'forever'} days: AWS Backup "
                              "refuses a retention that differs, or ignore_changes it")
