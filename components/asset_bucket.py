"""`AssetBucket`: an S3 bucket for the app's files (uploads, generated documents, archives), on
the data key, with a lifecycle down to Glacier and optional replication to the DR region.

Always on, not configurable (components/buckets.py `secure_bucket`):
- versioning (an overwrite or delete keeps the old version; AWS Backup for S3 requires it);
- SSE-KMS with the data key and the S3 Bucket Key (one KMS call per bucket-level key instead
  of one per object);
- a bucket policy denying every request without TLS (`aws:SecureTransport` false) on the bucket
  and its objects (FSBP S3.5), Block Public Access on all four switches (S3.8), ACLs disabled
  by ObjectOwnership BucketOwnerEnforced (S3.12);
- server access logging (S3.9) to `access_log_bucket`, or, without one, to an access-log bucket
  of its own (`<name>-access-logs`, SSE-S3: server access logging can't deliver into an SSE-KMS
  bucket; its own S3 requests are not logged, the terminal bucket of the chain);
- a lifecycle (S3.13) whose days are checked against AWS's minimums (`lifecycle_problems`).

Lifecycle (docs/assets.md): current objects move to Standard-IA, then Glacier Instant
Retrieval; both answer a GET at once, so a served object stays readable. Objects in Glacier
Flexible Retrieval or Deep Archive answer GET with `InvalidObjectState` until restored
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "InvalidObjectState"), so
a bucket that serves content sends only `archive_prefix` to Deep Archive; the whole bucket goes
there only with `serves_content: false`. Objects under 128 KB never transition
(`transition_default_minimum_object_size` all_storage_classes_128K: Standard-IA and Glacier IR
bill at least 128 KB an object, so a smaller one would cost more there). Noncurrent versions
move to `noncurrent_storage_class` and expire; incomplete multipart uploads are aborted.

Replication (`replicate_to_dr`): a replica bucket in the DR region (hardened the same way, on the
DR region's data key, logging to an access-log bucket there: S3 delivers server access logs
only to a bucket in the source bucket's region), a role S3 assumes with exactly the actions
replication needs, and a `BucketReplicationConfig` replicating SSE-KMS objects re-encrypted
with the DR key. Delete markers are NOT replicated: a delete in the primary region (a bug, a
stolen credential) leaves the replica's object current; S3 never replicates the deletion of a
version either.

Access is by intent: `allow_from(service, "read" | "write")` grants a task role exactly the S3
actions on this bucket and the data key through S3 only; `connection()` gives `<NAME>_BUCKET`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import (
    AccountContext,
    account_for,
    backup_tags,
    checked_id,
    child_opts,
    component_naming,
    partition_of,
    require,
    task_role_of,
)
from groundwork.components.buckets import Lifecycle as SimpleLifecycle
from groundwork.components.buckets import (
    LifecycleRule,
    LifecycleRules,
    MinimumObjectSize,
    SecureBucket,
    StorageClass,
    Transition,
    access_log_statements,
    global_bucket_name,
    secure_bucket,
)
from groundwork.components.service import ServiceWiring

COMPONENT = "asset-bucket"

# --------------------------------------------------------------------------------------------
# AWS's lifecycle minimums (pure)
# --------------------------------------------------------------------------------------------

MIN_STORAGE_DAYS: dict[str, int] = {
    "STANDARD": 0, "STANDARD_IA": 30, "GLACIER_IR": 90, "GLACIER": 90, "DEEP_ARCHIVE": 180,
}
"""Minimum storage duration per class: an object moved on or deleted sooner is billed for the
rest of it (Standard-IA 30 days, Glacier Instant Retrieval and Flexible Retrieval 90, Deep
Archive 180: https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html,
"Comparing the Amazon S3 storage classes"). The model makes each step wait at least that long
after the previous one, so no lifecycle here pays an early-deletion charge."""
IA_MIN_AGE_DAYS = 30
"""S3 refuses a transition to Standard-IA (or One Zone-IA) of objects younger than 30 days
("Before you transition objects to S3 Standard-IA or S3 One Zone-IA, you must store them for
at least 30 days in Amazon S3",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html;
API_Transition: "valid values are positive integers greater than 30" for STANDARD_IA, and the
console and API take 30). The same holds for a noncurrent transition to Standard-IA."""
DEEP_ARCHIVE_AFTER_PREVIOUS_DAYS = 30
"""A Deep Archive transition at least 30 days after a previous Standard-IA or Glacier IR one
(what S3 checks within a rule; the minimum storage durations above ask for more)."""
WATERFALL = ("STANDARD", "STANDARD_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
"""The order lifecycle transitions may go in (S3's "waterfall": never back up the list)."""
SERVABLE = frozenset({"STANDARD", "STANDARD_IA", "GLACIER_IR"})
"""Classes that answer a GET at once; GLACIER and DEEP_ARCHIVE need a RestoreObject first."""
SIZE_FLOOR_KB = 128
"""S3's default transition size floor (all_storage_classes_128K) and the least billable object
size of Standard-IA and Glacier IR."""
SIZE_DEFAULT: MinimumObjectSize = "all_storage_classes_128K"

NoncurrentClass = Literal["STANDARD_IA", "GLACIER_IR", "DEEP_ARCHIVE"]


@dataclass(frozen=True)
class Step:
    """One planned transition: the setting that asks for it, its day and class."""

    key: str
    days: int
    storage_class: str


def sequence_problems(steps: Sequence[Step], *, expire: Step | None = None) -> list[tuple[str, str]]:
    """(key, reason) for every way a chain of transitions (then an expiry) breaks AWS's rules
    or pays an early-deletion charge (pure): the first Standard-IA step at least 30 days after
    creation; the classes in waterfall order; each step at least the previous class's minimum
    storage duration after it (Deep Archive also at least 30 days after a previous IA or
    Glacier IR step)."""
    problems: list[tuple[str, str]] = []
    chain = sorted(steps, key=lambda s: s.days)
    previous = Step("creation", 0, "STANDARD")
    for step in [*chain, *([expire] if expire is not None else [])]:
        is_expiry = step is expire
        if step.storage_class == "STANDARD_IA" and step.days < IA_MIN_AGE_DAYS:
            problems.append((step.key, f"is {step.days}; S3 moves an object to STANDARD_IA only "
                             f"after at least {IA_MIN_AGE_DAYS} days"))
        elif (not is_expiry and WATERFALL.index(step.storage_class)
              <= WATERFALL.index(previous.storage_class)):
            problems.append((step.key, f"is {step.days}, so {step.storage_class} would follow "
                             f"{previous.storage_class} ({previous.key} {previous.days}); S3 "
                             "transitions only down the waterfall STANDARD_IA -> GLACIER_IR -> "
                             "DEEP_ARCHIVE: make it later than "
                             f"{previous.key}"))
        else:
            wait = MIN_STORAGE_DAYS[previous.storage_class]
            if step.storage_class == "DEEP_ARCHIVE" and previous.storage_class != "STANDARD":
                wait = max(wait, DEEP_ARCHIVE_AFTER_PREVIOUS_DAYS)
            if step.days < previous.days + wait:
                what = "expire" if is_expiry else f"move to {step.storage_class}"
                problems.append((step.key, f"is {step.days}; objects {what} at least {wait} days "
                                 f"after {previous.key} ({previous.days}): "
                                 f"{previous.storage_class}'s minimum storage duration is {wait} "
                                 f"days (earlier is billed as if stored {wait} days), so it must "
                                 f"be >= {previous.days + wait}"))
        if not is_expiry:
            previous = step
    return problems


class AssetBucketSettings(ArgsModel):
    """The bucket's lifecycle and replication. Versioning, encryption with the data key, the
    TLS-only policy, Block Public Access, BucketOwnerEnforced and access logging are always on
    and not settings."""

    serves_content: bool = True
    """The app GETs its objects (default true: current objects only move to classes that
    answer a GET at once, Standard-IA and Glacier Instant Retrieval; Deep Archive only under
    `archive_prefix`). False for a bucket nobody reads but a restore."""
    standard_ia_after_days: Annotated[int, Field(ge=IA_MIN_AGE_DAYS)] | None = 30
    """Days after upload before an object moves to Standard-IA (default 30: S3's minimum;
    IA costs about half of Standard for objects read less than once a month). None: never."""
    glacier_ir_after_days: Annotated[int, Field(ge=0)] | None = 90
    """Days after upload before an object moves to Glacier Instant Retrieval (default 90:
    Standard-IA's 30-day minimum storage has passed; still readable at once, for about a sixth
    of Standard). None: never."""
    deep_archive_after_days: Annotated[int, Field(ge=0)] | None = None
    """Days after upload before EVERY object moves to Deep Archive (default none: a served
    object there can't be read without a restore of up to 12 hours; only with
    `serves_content: false`)."""
    archive_prefix: str = "archive/"
    """Key prefix of archives, which are never served (default archive/: objects under it move
    to Deep Archive after `archive_after_days`). "" for no archive rule."""
    archive_after_days: Annotated[int, Field(ge=0)] | None = 180
    """Days after upload before an object under `archive_prefix` moves to Deep Archive (default
    180: Glacier IR's 90-day minimum storage after its day-90 move has passed; Deep Archive is
    the cheapest class, restores take up to 12 hours). None: archives stay with the rest."""
    expire_after_days: Annotated[int, Field(ge=1)] | None = None
    """Days after upload before current objects expire (default none: assets are kept; with
    versioning an expiry leaves a noncurrent version until `noncurrent_expire_days`)."""
    noncurrent_storage_class: NoncurrentClass = "GLACIER_IR"
    """Where overwritten and deleted versions go (default GLACIER_IR: an undo is a copy that
    works at once; DEEP_ARCHIVE is cheaper but an undo then waits for a restore)."""
    noncurrent_transition_days: Annotated[int, Field(ge=1)] | None = 30
    """Days after a version became noncurrent before it moves to `noncurrent_storage_class`
    (default 30: a recent undo reads it from Standard). None: noncurrent versions stay."""
    noncurrent_expire_days: Annotated[int, Field(ge=1)] = 365
    """Days after a version became noncurrent before it is deleted (default 365: a year to
    notice a bad overwrite or delete; must outlast the noncurrent class's minimum storage)."""
    min_transition_size_kb: Annotated[int, Field(ge=SIZE_FLOOR_KB)] = SIZE_FLOOR_KB
    """Objects smaller than this many KiB never transition (default 128, S3's own floor:
    Standard-IA and Glacier IR bill at least 128 KB an object and Deep Archive adds 40 KB of
    metadata, so a smaller object would cost more there). Larger values add a size filter."""
    abort_multipart_days: Annotated[int, Field(ge=1)] = 7
    """Days before an incomplete multipart upload is aborted and its parts deleted (default 7:
    parts are billed as Standard until then)."""
    replicate_to_dr: bool = False
    """Replicate new objects to a replica bucket in the DR region (default false: needs
    `dr_provider` and `dr_key_arn`; the stacks pass the `backup.copy_to_region` provider)."""
    access_log_retention_days: Annotated[int, Field(ge=1, le=3650)] = 365
    """Days the bucket's own access-log bucket keeps logs, when no `access_log_bucket` is given
    (default 365: a year of who read and wrote what)."""

    @model_validator(mode="after")
    def _lifecycle(self) -> AssetBucketSettings:
        problems = lifecycle_problems(self)
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, [InitErrorDetails(
                type=PydanticCustomError("lifecycle", "{reason}", {"reason": reason}),
                loc=(key,), input=getattr(self, key, None)) for key, reason in problems])
        return self


def current_steps(s: AssetBucketSettings) -> list[Step]:
    """The whole bucket's transitions, in the settings' terms."""
    steps = []
    if s.standard_ia_after_days is not None:
        steps.append(Step("standard_ia_after_days", s.standard_ia_after_days, "STANDARD_IA"))
    if s.glacier_ir_after_days is not None:
        steps.append(Step("glacier_ir_after_days", s.glacier_ir_after_days, "GLACIER_IR"))
    if s.deep_archive_after_days is not None:
        steps.append(Step("deep_archive_after_days", s.deep_archive_after_days, "DEEP_ARCHIVE"))
    return steps


def archives(s: AssetBucketSettings) -> bool:
    """Whether the archive rule exists: an archive prefix and day, and the whole bucket not
    going to Deep Archive already (then `archive_after_days` left at its default is moot)."""
    return (bool(s.archive_prefix) and s.archive_after_days is not None
            and s.deep_archive_after_days is None)


def lifecycle_problems(s: AssetBucketSettings) -> list[tuple[str, str]]:
    """(setting, reason) for every way the lifecycle breaks AWS's minimums, leaves a served
    object unreadable or contradicts itself (pure)."""
    problems: list[tuple[str, str]] = []
    if s.deep_archive_after_days is not None and s.serves_content:
        problems.append(("deep_archive_after_days", "is set but serves_content is true: an "
                         "object in DEEP_ARCHIVE answers GET with InvalidObjectState until "
                         "restored (up to 12 hours); archive under archive_prefix "
                         "(archive_after_days), or set serves_content: false"))
    if (s.deep_archive_after_days is not None and "archive_after_days" in s.model_fields_set
            and s.archive_after_days is not None and s.archive_prefix):
        problems.append(("archive_after_days", "is set but deep_archive_after_days already sends "
                         "the whole bucket to DEEP_ARCHIVE; set archive_after_days: null"))
    if s.archive_prefix and (s.archive_prefix.startswith("/") or len(s.archive_prefix) > 1024):
        problems.append(("archive_prefix", f"{s.archive_prefix!r} is not an S3 key prefix (no "
                         "leading /, at most 1024 characters), e.g. archive/"))
    steps = current_steps(s)
    expire = (Step("expire_after_days", s.expire_after_days, "STANDARD")
              if s.expire_after_days is not None else None)
    problems += sequence_problems(steps, expire=expire)
    if archives(s):
        assert s.archive_after_days is not None
        chain = [*steps, Step("archive_after_days", s.archive_after_days, "DEEP_ARCHIVE")]
        problems += [p for p in sequence_problems(chain, expire=expire) if p not in problems]
    if s.noncurrent_transition_days is not None:
        move = Step("noncurrent_transition_days", s.noncurrent_transition_days,
                    s.noncurrent_storage_class)
        problems += sequence_problems(
            [move], expire=Step("noncurrent_expire_days", s.noncurrent_expire_days, "STANDARD"))
    return problems


def lifecycle_rules(s: AssetBucketSettings) -> LifecycleRules:
    """The bucket's lifecycle (pure): `transitions` (the whole bucket above the size floor, and
    its noncurrent versions), `archive` (the same path then Deep Archive under
    `archive_prefix`: where two rules apply S3 takes the cheaper class), and
    `expire-and-clean-up` (no filter: expiry, noncurrent expiry, delete-marker cleanup and the
    multipart abort, which S3 refuses in a rule with a size filter)."""
    larger = (s.min_transition_size_kb * 1024 - 1 if s.min_transition_size_kb > SIZE_FLOOR_KB
              else None)
    steps = tuple(Transition(st.days, _class(st.storage_class)) for st in current_steps(s))
    noncurrent = ((Transition(s.noncurrent_transition_days, s.noncurrent_storage_class),)
                  if s.noncurrent_transition_days is not None else ())
    rules = []
    if steps or noncurrent:
        rules.append(LifecycleRule(id="transitions", larger_than_bytes=larger, transitions=steps,
                                   noncurrent_transitions=noncurrent))
    if archives(s):
        assert s.archive_after_days is not None
        before = tuple(t for t in steps if t.days < s.archive_after_days)
        rules.append(LifecycleRule(
            id="archive", prefix=s.archive_prefix, larger_than_bytes=larger,
            transitions=(*before, Transition(s.archive_after_days, "DEEP_ARCHIVE"))))
    rules.append(LifecycleRule(
        id="expire-and-clean-up", expire_days=s.expire_after_days,
        expired_object_delete_marker=s.expire_after_days is None,
        noncurrent_expire_days=s.noncurrent_expire_days,
        abort_multipart_days=s.abort_multipart_days))
    return LifecycleRules(rules=tuple(rules), minimum_object_size=SIZE_DEFAULT)


def _class(value: str) -> StorageClass:
    assert value in ("STANDARD_IA", "GLACIER_IR", "DEEP_ARCHIVE", "GLACIER")
    return value  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------
# IAM documents (pure)
# --------------------------------------------------------------------------------------------

READ_ACTIONS = ("s3:GetObject",)
"""On the objects: read the current version (never GetObjectVersion: old versions are the
undo buffer, read by an operator, not the app)."""
LIST_ACTIONS = ("s3:ListBucket",)
"""On the bucket: list keys (without it a GET of a missing key answers 403, not 404)."""
WRITE_ACTIONS = ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject")
"""On the objects: upload (multipart parts included), abort a failed multipart upload, and
delete, which under versioning only adds a delete marker (the version stays, recoverable until
`noncurrent_expire_days`). Never DeleteObjectVersion (a permanent delete) nor any ACL, policy or
lifecycle action."""
READ_KEY_ACTIONS = ("kms:Decrypt",)
WRITE_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
"""A writer: S3 generates the (bucket-level) data key, and a multipart upload decrypts it."""

Access = Literal["read", "write"]


def access_policy(*, bucket_arn: str, key_arn: str, region: str, access: Access,
                  dns_suffix: str = "amazonaws.com") -> dict[str, Any]:
    """A task role's grant on one bucket: the S3 actions of `access` on exactly the bucket and
    its objects, and the data key's actions only through S3 in the bucket's region."""
    objects = [*READ_ACTIONS, *(WRITE_ACTIONS if access == "write" else ())]
    key = READ_KEY_ACTIONS if access == "read" else WRITE_KEY_ACTIONS
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "BucketList", "Effect": "Allow", "Action": list(LIST_ACTIONS),
             "Resource": bucket_arn},
            {"Sid": "BucketObjects", "Effect": "Allow", "Action": sorted(objects),
             "Resource": f"{bucket_arn}/*"},
            {"Sid": "BucketKey", "Effect": "Allow", "Action": sorted(key), "Resource": key_arn,
             "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.{dns_suffix}"}}},
        ],
    }


REPLICATION_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
"""S3 assumes the replication role (AWS's documented trust policy:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html)."""


def replication_policy(*, source_arn: str, replica_arn: str, source_key_arn: str,
                       replica_key_arn: str, source_region: str, replica_region: str,
                       dns_suffix: str = "amazonaws.com") -> dict[str, Any]:
    """What S3 needs to replicate SSE-KMS objects from `source_arn` to `replica_arn` (AWS's
    replication permissions, setting-repl-config-perm-overview.html and
    replication-config-for-kms-objects.html): read the configuration and the versions to
    replicate on the source, replicate objects, deletes and tags into the replica, decrypt with
    the source key and encrypt with the replica key, each only through S3 in its region and
    only for that bucket's objects (with the Bucket Key on, the encryption context is the
    bucket's ARN; without it the object's)."""
    def key(sid: str, action: str, arn: str, region: str, bucket: str) -> dict[str, Any]:
        return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{region}.{dns_suffix}"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket, f"{bucket}/*"]}}}

    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "SourceBucket", "Effect": "Allow",
             "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
             "Resource": source_arn},
            {"Sid": "SourceVersions", "Effect": "Allow",
             "Action": ["s3:GetObjectVersionAcl", "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionTagging"],
             "Resource": f"{source_arn}/*"},
            {"Sid": "ReplicaObjects", "Effect": "Allow",
             "Action": ["s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"],
             "Resource": f"{replica_arn}/*"},
            key("SourceKeyDecrypt", "kms:Decrypt", source_key_arn, source_region, source_arn),
            key("ReplicaKeyEncrypt", "kms:Encrypt", replica_key_arn, replica_region, replica_arn),
        ],
    }


def env_name(name: str) -> str:
    """`<NAME>_BUCKET` of an asset bucket named `name` (`assets` -> ASSETS_BUCKET)."""
    return f"{name.upper().replace('-', '_')}_BUCKET"


BUCKET_NAME = re.compile(r"^(?!xn--)(?!sthree-)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BUCKET_RULE = ("S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and "
                "ending with a letter or digit)")


# --------------------------------------------------------------------------------------------
# the component
# --------------------------------------------------------------------------------------------


class AssetBucketArgs(ComponentArgs, AssetBucketSettings):
    """Everything `AssetBucket` takes: its settings plus the keys, the log bucket and the DR
    provider it connects to."""

    data_key_arn: Input[str] | None = None
    """Customer-managed KMS key of the bucket (required, e.g. `EnvironmentKeys.data`: its policy
    lets S3 use it for the account's principals through kms:ViaService s3.<region>)."""
    access_log_bucket: Input[str] | None = None
    """Name of an SSE-S3 bucket that accepts S3 server access logs (default none: the component
    creates `<name>-access-logs`, its own, since the target must be in the bucket's region and
    can't be SSE-KMS)."""
    dr_provider: pulumi.ProviderResource | None = None
    """The DR region's AWS provider, for the replica bucket and its log bucket (required with
    `replicate_to_dr`, e.g. `Platform.dr_provider`)."""
    dr_key_arn: Input[str] | None = None
    """The DR region's data key the replica is encrypted with (required with `replicate_to_dr`:
    a KMS key is regional)."""
    dr_account: AccountContext | None = None
    """The DR region's account context (default none: looked up through `dr_provider`)."""
    backup_tag: str | None = None
    """The `Backup` tag value of the BackupPlan that covers it (default None: in no plan)."""
    bucket_name: str = ""
    """AWS name of the bucket (default "": `<prefix>-<name>-<account>-<region>`, global and
    <= 63). Set it only to keep a bucket created before: a new name is a new, empty bucket."""
    protect: bool = True
    """Pulumi `protect` on the bucket and its replica (default true: `pulumi destroy` can't take
    the files with it; the stacks turn it off for dev)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""


_REQUIRED = {"data_key_arn": "a customer-managed KMS key ARN the bucket is encrypted with"}



class AssetBucket(pulumi.ComponentResource):
    """A versioned, KMS-encrypted, TLS-only, private S3 bucket with a lifecycle to Glacier and,
    on request, a replica in the DR region.

    `AssetBucket(name, AssetBucketArgs(data_key_arn=...), opts)`. Children: `<name>-bucket` (and
    its `-public-access`, `-ownership`, `-encryption`, `-versioning`, `-lifecycle`, `-logging`,
    `-policy`), `<name>-access-logs` without `access_log_bucket`; with `replicate_to_dr`
    `<name>-replica` and `<name>-replica-access-logs` on the DR provider, `<name>-replication`
    (role), `<name>-replication-policy`, `<name>-replication-config`. Outputs: `bucket_name`,
    `arn`, `access_log_bucket_name`, `replica_bucket_name` / `replica_arn` (None without
    replication). `bucket` is the `aws.s3.Bucket`.
    """

    def __init__(self, name: str, args: AssetBucketArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else AssetBucketArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("AssetBucket", name, args)
        require("AssetBucket", name, args, _REQUIRED)
        if args.bucket_name:
            checked_id("AssetBucket", name, "AssetBucketArgs.bucket_name", args.bucket_name,
                       BUCKET_NAME, _BUCKET_RULE)
        if args.replicate_to_dr:
            require("AssetBucket", name, args, {
                "dr_provider": "the DR region's aws.Provider (replicate_to_dr is true)",
                "dr_key_arn": "the DR region's data key ARN (replicate_to_dr is true)"})
        elif args.dr_provider is not None or args.dr_key_arn is not None:
            raise ValueError(f"AssetBucket {name!r}: AssetBucketArgs.dr_provider / dr_key_arn are "
                             "set but replicate_to_dr is false (set replicate_to_dr: true to "
                             "replicate, or drop them)")
        super().__init__("groundwork:data:AssetBucket", name, None, opts)
        self.args = args
        self._name = name
        self._naming = naming
        self._grants: dict[str, tuple[str, aws.iam.RolePolicy]] = {}
        self._account = account = account_for(args.account, self)
        dr = self._dr_account(name, args, account) if args.replicate_to_dr else None
        rules = lifecycle_rules(args)

        log_bucket: SecureBucket | Input[str]
        self.access_logs: SecureBucket | None = None
        if args.access_log_bucket is None:
            self.access_logs = self._log_bucket(f"{name}-access-logs", naming, account, None)
            log_bucket = self.access_logs
        else:
            log_bucket = args.access_log_bucket
        self.secure = secure_bucket(
            self, f"{name}-bucket",
            bucket_name=args.bucket_name or global_bucket_name(naming, account, ""),
            naming=naming, account=account, component=COMPONENT, lifecycle=rules,
            kms_key_arn=args.data_key_arn, bucket_key=True, log_bucket=log_bucket,
            protect=args.protect, name_tag=naming.prefix,
            extra_tags=backup_tags(args.backup_tag))
        self.bucket: aws.s3.Bucket = self.secure.bucket
        self.bucket_name: pulumi.Output[str] = self.secure.name
        self.arn: pulumi.Output[str] = self.secure.arn
        self.access_log_bucket_name: pulumi.Output[str] = (
            self.access_logs.name if self.access_logs is not None
            else pulumi.Output.from_input(args.access_log_bucket))  # type: ignore[arg-type]

        self.replica: SecureBucket | None = None
        self.replication_role: aws.iam.Role | None = None
        self.replication: aws.s3.BucketReplicationConfig | None = None
        self.replica_bucket_name: pulumi.Output[str] | None = None
        self.replica_arn: pulumi.Output[str] | None = None
        if dr is not None:
            self._replicate(name, args, naming, account, dr, rules)
        self.register_outputs({
            "bucket_name": self.bucket_name, "arn": self.arn,
            "access_log_bucket_name": self.access_log_bucket_name,
            "replica_bucket_name": self.replica_bucket_name, "replica_arn": self.replica_arn,
        })

    def _log_bucket(self, logical: str, naming: Any, account: AccountContext,
                    provider: pulumi.ProviderResource | None) -> SecureBucket:
        """An SSE-S3 access-log bucket in `account`'s region accepting this account's server
        access logs (the terminal bucket: its own requests are not logged)."""
        return secure_bucket(
            self, logical,
            bucket_name=global_bucket_name(naming, account, "logs" if provider is None
                                           else "replica-logs"),
            naming=naming, account=account, component=COMPONENT,
            lifecycle=SimpleLifecycle(expire_days=self.args.access_log_retention_days),
            statements=access_log_statements("", account.partition),
            protect=self.args.protect, provider=provider)

    @staticmethod
    def _dr_account(name: str, args: AssetBucketArgs, account: AccountContext) -> AccountContext:
        """The DR region's account context (given, or looked up through `dr_provider`), refused
        when it is the bucket's own region (checked before any child is registered)."""
        dr = args.dr_account
        if dr is None:
            region = aws.get_region(opts=pulumi.InvokeOptions(provider=args.dr_provider)).region
            dr = AccountContext(region=region, account_id=account.account_id,
                                partition=partition_of(region))
        if dr.region == account.region:
            raise ValueError(f"AssetBucket {name!r}: AssetBucketArgs.dr_provider is in "
                             f"{dr.region}, the bucket's own region; replication to the DR "
                             "region needs another region")
        return dr

    def _replicate(self, name: str, args: AssetBucketArgs, naming: Any, account: AccountContext,
                   dr: AccountContext, rules: LifecycleRules) -> None:
        provider, dr_key = args.dr_provider, args.dr_key_arn
        assert provider is not None and dr_key is not None  # required with replicate_to_dr
        replica_logs = self._log_bucket(f"{name}-replica-access-logs", naming, dr, provider)
        self.replica = secure_bucket(
            self, f"{name}-replica",
            bucket_name=global_bucket_name(naming, dr, "replica"),
            naming=naming, account=dr, component=COMPONENT, lifecycle=rules,
            kms_key_arn=args.dr_key_arn, bucket_key=True, log_bucket=replica_logs,
            protect=args.protect, name_tag=f"{naming.prefix}-replica", provider=provider)
        self.replica_bucket_name = self.replica.name
        self.replica_arn = self.replica.arn
        role_name = naming.name("replication", max_length=64)
        self.replication_role = aws.iam.Role(
            f"{name}-replication",
            name=role_name,
            description=f"S3 replication of {naming.prefix} to {dr.region}",
            assume_role_policy=json.dumps(REPLICATION_TRUST),
            tags=naming.tagged(role_name, Component=COMPONENT),
            opts=child_opts(self),
        )
        policy = aws.iam.RolePolicy(
            f"{name}-replication-policy",
            name=role_name,
            role=self.replication_role.id,
            policy=pulumi.Output.all(self.arn, self.replica.arn, args.data_key_arn,
                                     args.dr_key_arn).apply(
                lambda a: json.dumps(replication_policy(
                    source_arn=a[0], replica_arn=a[1], source_key_arn=a[2], replica_key_arn=a[3],
                    source_region=account.region, replica_region=dr.region,
                    dns_suffix=account.dns_suffix))),
            opts=child_opts(self),
        )
        s3 = aws.s3
        waits = [r for r in (self.secure.versioning, self.replica.versioning, policy,
                             self.replica.policy) if r is not None]
        self.replication = s3.BucketReplicationConfig(
            f"{name}-replication-config",
            bucket=self.bucket_name,
            role=self.replication_role.arn,
            rules=[s3.BucketReplicationConfigRuleArgs(
                id="to-dr-region",
                status="Enabled",
                priority=1,
                filter=s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                # Not replicated: a delete in the primary region leaves the replica's object
                # current (docs/assets.md "Replication").
                delete_marker_replication=s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                    status="Disabled"),
                source_selection_criteria=s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                    sse_kms_encrypted_objects=s3
                    .BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                        status="Enabled")),
                destination=s3.BucketReplicationConfigRuleDestinationArgs(
                    bucket=self.replica.arn,
                    storage_class="STANDARD",
                    encryption_configuration=s3
                    .BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                        replica_kms_key_id=dr_key),
                ),
            )],
            # S3 refuses a replication configuration until both buckets are versioned; the role
            # needs its permissions before S3 checks it.
            opts=child_opts(self, depends_on=waits),
        )

    @property
    def env_name(self) -> str:
        """The variable `connection()` sets: `<NAME>_BUCKET`."""
        return env_name(self._name)

    def connection(self) -> ServiceWiring:
        """What a service needs to use the bucket: `<NAME>_BUCKET` (its name; no secret: access
        is the task role's IAM grant, `allow_from`)."""
        return ServiceWiring(environment={self.env_name: self.bucket_name})

    def allow_from(self, service: Any, access: Access = "read") -> aws.iam.RolePolicy:
        """Grant `service` (an `aws.iam.Role`, or anything with `.task_role` such as a
        `FargateService`) `access` on this bucket: "read" ListBucket on the bucket and GetObject
        on its objects; "write" adds PutObject, AbortMultipartUpload and DeleteObject (a delete
        marker under versioning, never a version delete). Plus the data key's actions through
        S3 only. One inline policy per service; calling it again with the same access returns
        that policy."""
        if access not in ("read", "write"):
            raise ValueError(f"AssetBucket {self._name!r}: allow_from access {access!r} must be "
                             "'read' or 'write'")
        role = task_role_of("AssetBucket.allow_from", service)
        key = str(getattr(service, "pulumi_resource_name", None) or role.pulumi_resource_name)
        if key in self._grants:
            had, policy = self._grants[key]
            if had != access:
                raise ValueError(f"AssetBucket {self._name!r}: allow_from({key}) was already "
                                 f"called with access={had!r}; call it once (write includes "
                                 "read)")
            return policy
        account = self._account
        policy = aws.iam.RolePolicy(
            f"{self._name}-{key}-access",
            name=self._naming.name("access", max_length=128, lower=False),
            role=role.id,
            policy=pulumi.Output.all(self.arn, self.args.data_key_arn).apply(
                lambda a: json.dumps(access_policy(
                    bucket_arn=a[0], key_arn=a[1], region=account.region, access=access,
                    dns_suffix=account.dns_suffix))),
            opts=child_opts(self),
        )
        self._grants[key] = (access, policy)
        return policy
