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
class Lifecycle:
    """What the bucket's lifecycle does: archive after `transition_days` (0: never), expire
    current objects after `expire_days`, remove noncurrent versions `noncurrent_days` later."""

    expire_days: int
    transition_days: int = 0
    storage_class: StorageClass = "GLACIER_IR"
    noncurrent_days: int = 30


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


def secure_bucket(
    parent: pulumi.Resource,
    logical: str,
    *,
    bucket_name: Input[str],
    naming: Naming,
    account: AccountContext,
    component: str,
    lifecycle: Lifecycle,
    statements: Statements | None = None,
    kms_key_arn: Input[str] | None = None,
    bucket_key: bool = True,
    object_lock: ObjectLock | None = None,
    log_bucket: SecureBucket | Input[str] | None = None,
    log_prefix: str = "",
    protect: bool = True,
    force_destroy: bool = False,
    name_tag: str | None = None,
) -> SecureBucket:
    """Build a hardened bucket `logical` (children `<logical>-public-access`, `-ownership`,
    `-encryption`, `-versioning`, `-object-lock`, `-lifecycle`, `-logging`, `-policy`), parented
    to `parent`. `protect` keeps `pulumi destroy` from taking the evidence with it.
    `bucket_key` (with `kms_key_arn`) turns on the S3 Bucket Key; a writer that is a service
    principal then needs `kms:Decrypt` too, so the CloudTrail bucket turns it off. Pass the
    log bucket as the `SecureBucket` (or a name that carries its policy) so logging waits for
    its policy."""
    bucket = aws.s3.Bucket(
        logical,
        bucket=bucket_name,
        object_lock_enabled=True if object_lock is not None else None,
        force_destroy=force_destroy,
        tags=naming.tagged(name_tag or logical, Component=component),
        opts=child_opts(parent, protect=protect),
    )
    blocks = aws.s3.BucketPublicAccessBlock(
        f"{logical}-public-access",
        bucket=bucket.bucket,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child_opts(parent),
    )
    ownership = aws.s3.BucketOwnershipControls(
        f"{logical}-ownership",
        bucket=bucket.bucket,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=child_opts(parent),
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
        opts=child_opts(parent),
    )
    versioning = aws.s3.BucketVersioning(
        f"{logical}-versioning",
        bucket=bucket.bucket,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=child_opts(parent),
    )
    if object_lock is not None:
        aws.s3.BucketObjectLockConfiguration(
            f"{logical}-object-lock",
            bucket=bucket.bucket,
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode=object_lock.mode, days=object_lock.days)),
            opts=child_opts(parent, depends_on=[versioning]),
        )
    transitions = ([aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
        days=lifecycle.transition_days, storage_class=lifecycle.storage_class)]
        if lifecycle.transition_days else None)
    aws.s3.BucketLifecycleConfiguration(
        f"{logical}-lifecycle",
        bucket=bucket.bucket,
        rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="archive-then-expire",
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            transitions=transitions,
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                days=lifecycle.expire_days),
            noncurrent_version_expiration=aws.s3
            .BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=lifecycle.noncurrent_days),
            abort_incomplete_multipart_upload=aws.s3
            .BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=7),
        )],
        opts=child_opts(parent, depends_on=[versioning]),
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
            opts=child_opts(parent, depends_on=waits),
        )
    build = statements or (lambda _arn, _acct: [])
    document = pulumi.Output.all(bucket.arn, account.account_id).apply(
        lambda v: json.dumps(bucket_policy(v[0], build(v[0], v[1]))))
    policy = aws.s3.BucketPolicy(
        f"{logical}-policy",
        bucket=bucket.bucket,
        policy=document,
        opts=child_opts(parent, depends_on=[blocks, ownership, encryption]),
    )
    return SecureBucket(bucket=bucket, policy=policy, name=bucket.bucket, arn=bucket.arn)


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
