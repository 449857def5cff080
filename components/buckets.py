"""The hardened S3 bucket every groundwork component builds its buckets with (the CloudTrail,
Config and access-log buckets of the account baseline, the load balancer's server-access-log
bucket), and the customer-managed key the trail and the budget topic use.

Every bucket: public access blocked (S3.8), ACLs disabled (BucketOwnerEnforced, S3.12),
versioned, default encryption (SSE-KMS with the given key, else SSE-S3), a policy that denies
every non-TLS request to the bucket and its objects (S3.5) plus the service statements its
caller passes, a lifecycle (S3.13), and server access logging to a log bucket when given (S3.9).
Object Lock is on when asked: it can only be switched on when the bucket is created.

AWS constraints a mock won't catch, built in: the access-log (target) bucket uses SSE-S3 (server
access logging can't write to SSE-KMS buckets) and has no Object Lock default retention (S3
refuses a target bucket with one); the policy is put after the public-access block and ownership
controls (S3 refuses concurrent configuration calls with OperationAborted); the lifecycle and
Object Lock configuration wait for versioning.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from groundwork.components.args import Input
from groundwork.components.base import AccountContext, Naming, child_opts, tls_only_statement

LockMode = Literal["GOVERNANCE", "COMPLIANCE"]
StorageClass = Literal["GLACIER_IR", "GLACIER", "DEEP_ARCHIVE", "STANDARD_IA", "INTELLIGENT_TIERING"]
MinimumObjectSize = Literal["all_storage_classes_128K", "varies_by_storage_class"]

Statements = Callable[[str, str], list[dict[str, Any]]]
"""(bucket ARN, account id) -> the bucket policy's service statements."""


def bucket_tls_only_statement(bucket_arn: str) -> dict[str, Any]:
    """Deny every S3 action on the bucket and its objects without TLS (FSBP S3.5)."""
    return tls_only_statement("s3:*", [bucket_arn, f"{bucket_arn}/*"])


def bucket_policy(bucket_arn: str, statements: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole bucket policy (pure): the TLS-only deny, then the service statements."""
    return {"Version": "2012-10-17", "Statement": [bucket_tls_only_statement(bucket_arn), *statements]}


def access_log_statements(source_account: str, partition: str = "aws") -> Statements:
    """S3 server access logging may write into the log bucket, for this account's buckets only
    (the bucket policy replaces the log-delivery ACL under BucketOwnerEnforced)."""
    def statements(bucket_arn: str, account_id: str) -> list[dict[str, Any]]:
        return [{
            "Sid": "S3ServerAccessLogsPolicy",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id or source_account},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:s3:::*"},
            },
        }]

    return statements


@dataclass(frozen=True)
class Transition:
    """Move objects to `storage_class` `days` after creation (or, as a noncurrent transition,
    after they became noncurrent)."""

    days: int
    storage_class: StorageClass


@dataclass(frozen=True)
class LifecycleRule:
    """One rule of a lifecycle configuration (`BucketLifecycleConfigurationRuleArgs`): which
    objects (`prefix`, and only those larger than `larger_than_bytes` when set) and what
    happens to them. None / () leaves an action out."""

    id: str
    prefix: str = ""
    larger_than_bytes: int | None = None
    """`object_size_greater_than`: only objects strictly larger (S3 refuses the abort action
    and expired-delete-marker cleanup in a rule with a size filter: keep those in another)."""
    transitions: tuple[Transition, ...] = ()
    expire_days: int | None = None
    expired_object_delete_marker: bool = False
    """Remove a delete marker once no noncurrent version is left (never with `expire_days`:
    S3 takes one or the other in an Expiration)."""
    noncurrent_transitions: tuple[Transition, ...] = ()
    noncurrent_expire_days: int | None = None
    abort_multipart_days: int | None = None


@dataclass(frozen=True)
class LifecycleRules:
    """A lifecycle of several rules, and the bucket's default transition size floor
    (`transition_default_minimum_object_size`; AWS's default is `all_storage_classes_128K`:
    objects under 128 KB never transition)."""

    rules: tuple[LifecycleRule, ...]
    minimum_object_size: MinimumObjectSize | None = None


@dataclass(frozen=True)
class Lifecycle:
    """What the bucket's lifecycle does: archive after `transition_days` (0: never), expire
    current objects after `expire_days`, remove noncurrent versions `noncurrent_days` later.
    One rule over the whole bucket; `LifecycleRules` for more."""

    expire_days: int
    transition_days: int = 0
    storage_class: StorageClass = "GLACIER_IR"
    noncurrent_days: int = 30

    def as_rules(self) -> LifecycleRules:
        """The same lifecycle as one `LifecycleRule` ("archive-then-expire")."""
        transitions = ((Transition(self.transition_days, self.storage_class),)
                       if self.transition_days else ())
        return LifecycleRules(rules=(LifecycleRule(
            id="archive-then-expire", transitions=transitions, expire_days=self.expire_days,
            noncurrent_expire_days=self.noncurrent_days, abort_multipart_days=7),))


def lifecycle_rule_args(rule: LifecycleRule) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """The SDK rule of one `LifecycleRule` (a prefix filter, with `and_` when a size floor
    joins a prefix; omitted actions are None, not empty lists)."""
    s3 = aws.s3
    if rule.larger_than_bytes is None:
        filter_ = s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=rule.prefix)
    elif rule.prefix:
        filter_ = s3.BucketLifecycleConfigurationRuleFilterArgs(
            and_=s3.BucketLifecycleConfigurationRuleFilterAndArgs(
                prefix=rule.prefix, object_size_greater_than=rule.larger_than_bytes))
    else:
        filter_ = s3.BucketLifecycleConfigurationRuleFilterArgs(
            object_size_greater_than=rule.larger_than_bytes)
    expiration = None
    if rule.expire_days is not None:
        expiration = s3.BucketLifecycleConfigurationRuleExpirationArgs(days=rule.expire_days)
    elif rule.expired_object_delete_marker:
        expiration = s3.BucketLifecycleConfigurationRuleExpirationArgs(
            expired_object_delete_marker=True)
    return s3.BucketLifecycleConfigurationRuleArgs(
        id=rule.id,
        status="Enabled",
        filter=filter_,
        transitions=[s3.BucketLifecycleConfigurationRuleTransitionArgs(
            days=t.days, storage_class=t.storage_class) for t in rule.transitions] or None,
        expiration=expiration,
        noncurrent_version_transitions=[
            s3.BucketLifecycleConfigurationRuleNoncurrentVersionTransitionArgs(
                noncurrent_days=t.days, storage_class=t.storage_class)
            for t in rule.noncurrent_transitions] or None,
        noncurrent_version_expiration=s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            noncurrent_days=rule.noncurrent_expire_days)
        if rule.noncurrent_expire_days is not None else None,
        abort_incomplete_multipart_upload=s3
        .BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=rule.abort_multipart_days)
        if rule.abort_multipart_days is not None else None,
    )


@dataclass(frozen=True)
class ObjectLock:
    mode: LockMode
    days: int


@dataclass
class SecureBucket:
    """A bucket the helper built: the bucket, its policy (depend on it before a service writes),
    and its name and ARN."""

    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    versioning: aws.s3.BucketVersioning | None = None
    """Its versioning (replication waits for it on both buckets)."""


def secure_bucket(
    parent: pulumi.Resource,
    logical: str,
    *,
    bucket_name: Input[str],
    naming: Naming,
    account: AccountContext,
    component: str,
    lifecycle: Lifecycle | LifecycleRules,
    statements: Statements | None = None,
    kms_key_arn: Input[str] | None = None,
    bucket_key: bool = True,
    object_lock: ObjectLock | None = None,
    log_bucket: SecureBucket | Input[str] | None = None,
    log_prefix: str = "",
    protect: bool = True,
    force_destroy: bool = False,
    name_tag: str | None = None,
    extra_tags: dict[str, str] | None = None,
    provider: pulumi.ProviderResource | None = None,
) -> SecureBucket:
    """Build a hardened bucket `logical` (children `<logical>-public-access`, `-ownership`,
    `-encryption`, `-versioning`, `-object-lock`, `-lifecycle`, `-logging`, `-policy`), parented
    to `parent`. `protect` keeps `pulumi destroy` from taking the evidence with it.
    `bucket_key` (with `kms_key_arn`) turns on the S3 Bucket Key; a writer that is a service
    principal then needs `kms:Decrypt` too, so the CloudTrail bucket turns it off. Pass the
    log bucket as the `SecureBucket` (or a name that carries its policy) so logging waits for
    its policy. `extra_tags` go on the bucket only (e.g. the `Backup` tag AWS Backup selects
    it by); `provider` puts the bucket and every child on another provider (a replica in the
    DR region)."""
    def opts(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
        return child_opts(parent, **({"provider": provider} if provider is not None else {}),
                          **kwargs)

    bucket = aws.s3.Bucket(
        logical,
        bucket=bucket_name,
        object_lock_enabled=True if object_lock is not None else None,
        force_destroy=force_destroy,
        tags={**naming.tagged(name_tag or logical, Component=component), **(extra_tags or {})},
        opts=opts(parent, protect=protect),
    )
    blocks = aws.s3.BucketPublicAccessBlock(
        f"{logical}-public-access",
        bucket=bucket.bucket,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts(parent),
    )
    ownership = aws.s3.BucketOwnershipControls(
        f"{logical}-ownership",
        bucket=bucket.bucket,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=opts(parent),
    )
    by_default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
        sse_algorithm="aws:kms" if kms_key_arn is not None else "AES256",
        kms_master_key_id=kms_key_arn,
    )
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{logical}-encryption",
        bucket=bucket.bucket,
        rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=by_default,
            bucket_key_enabled=True if kms_key_arn is not None and bucket_key else None,
        )],
        opts=opts(parent),
    )
    versioning = aws.s3.BucketVersioning(
        f"{logical}-versioning",
        bucket=bucket.bucket,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=opts(parent),
    )
    if object_lock is not None:
        aws.s3.BucketObjectLockConfiguration(
            f"{logical}-object-lock",
            bucket=bucket.bucket,
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode=object_lock.mode, days=object_lock.days)),
            opts=opts(parent, depends_on=[versioning]),
        )
    rules = lifecycle.as_rules() if isinstance(lifecycle, Lifecycle) else lifecycle
    aws.s3.BucketLifecycleConfiguration(
        f"{logical}-lifecycle",
        bucket=bucket.bucket,
        rules=[lifecycle_rule_args(rule) for rule in rules.rules],
        transition_default_minimum_object_size=rules.minimum_object_size,
        opts=opts(parent, depends_on=[versioning]),
    )
    if log_bucket is not None:
        # A helper-built target is ready only with its policy (S3 log delivery needs it).
        target = log_bucket.name if isinstance(log_bucket, SecureBucket) else log_bucket
        waits = [log_bucket.policy] if isinstance(log_bucket, SecureBucket) else []
        aws.s3.BucketLogging(
            f"{logical}-logging",
            bucket=bucket.bucket,
            target_bucket=target,
            target_prefix=log_prefix or pulumi.Output.concat(bucket.bucket, "/"),
            opts=opts(parent, depends_on=waits),
        )
    build = statements or (lambda _arn, _acct: [])
    document = pulumi.Output.all(bucket.arn, account.account_id).apply(
        lambda v: json.dumps(bucket_policy(v[0], build(v[0], v[1]))))
    policy = aws.s3.BucketPolicy(
        f"{logical}-policy",
        bucket=bucket.bucket,
        policy=document,
        opts=opts(parent, depends_on=[blocks, ownership, encryption]),
    )
    return SecureBucket(bucket=bucket, policy=policy, name=bucket.bucket, arn=bucket.arn,
                        versioning=versioning)


def global_bucket_name(naming: Naming, account: AccountContext, part: str) -> pulumi.Output[str]:
    """A bucket name unique across AWS: `<prefix>-<part>-<account>-<region>`, cut to 63."""
    return pulumi.Output.from_input(account.account_id).apply(
        lambda acct: naming.name(part, acct, account.region, max_length=63))


def root_statement(account_id: str, partition: str) -> dict[str, Any]:
    """The account root manages the key (so IAM policies can grant its use)."""
    return {
        "Sid": "AccountRootManagesKey",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def own_key(parent: pulumi.Resource, logical: str, *, naming: Naming, account: AccountContext,
            component: str, purpose: str,
            statements: Callable[[str], list[dict[str, Any]]]) -> aws.kms.Key:
    """A rotating customer-managed key (KMS.4) with alias `alias/<prefix>` and an explicit
    policy: the account root plus `statements(account_id)` (the services that use it)."""
    document = pulumi.Output.from_input(account.account_id).apply(lambda acct: json.dumps({
        "Version": "2012-10-17",
        "Id": f"groundwork-{purpose}",
        "Statement": [root_statement(acct, account.partition), *statements(acct)],
    }))
    key = aws.kms.Key(
        logical,
        description=f"{naming.prefix} {purpose} encryption key",
        enable_key_rotation=True,
        rotation_period_in_days=365,
        deletion_window_in_days=30,
        policy=document,
        tags=naming.tagged(naming.prefix, Purpose=purpose, Component=component),
        opts=child_opts(parent),
    )
    aws.kms.Alias(f"{logical}-alias", name=f"alias/{naming.prefix}", target_key_id=key.key_id,
                  opts=child_opts(parent))
    return key
