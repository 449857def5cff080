"""`AuditTrail`: the account's CloudTrail trail, built so the record can't be lost or rewritten.

Always on, not settings: multi-region (CloudTrail.1: a call in any region is recorded), global
service events (IAM, STS, CloudFront), log-file validation (CloudTrail.4: digest files prove a log
was not changed), KMS encryption (CloudTrail.2) with a key whose policy lets CloudTrail encrypt
for this trail only (`aws:SourceArn` plus the `kms:EncryptionContext:aws:cloudtrail:arn` context,
as AWS's CloudTrail key-policy page asks) and lets the account's principals decrypt what the
account's trails wrote. The bucket (components/buckets.py) has Object Lock with a default
retention (governance by default), versioning, SSE-KMS, BucketOwnerEnforced, a public access
block, a TLS-only policy with CloudTrail's AclCheck/Write statements (conditioned on the trail's
ARN), server access logging to a separate hardened log bucket, and a lifecycle that archives and
then expires after the configured retention (which must outlast the lock).

Deploy-time traps built in: the trail waits for the bucket policy (CreateTrail checks it:
InsufficientS3BucketPolicyException) and for the key policy (InsufficientEncryptionPolicyException);
the CloudWatch Logs group, when on, is encrypted with the same key, whose policy then also names
`logs.<region>.amazonaws.com`; the role CloudTrail writes that group with trusts CloudTrail
without a source condition (CloudTrail supplies none for it); the bucket uses no S3 Bucket Key
(CloudTrail would need kms:Decrypt); the bucket's access logging waits for the log bucket's
policy.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input, check_retention
from groundwork.components.base import AccountContext, account_for, child_opts, component_naming
from groundwork.components.buckets import (
    Lifecycle,
    LockMode,
    ObjectLock,
    StorageClass,
    access_log_statements,
    global_bucket_name,
    own_key,
    secure_bucket,
)

CLOUDTRAIL_PRINCIPAL = "cloudtrail.amazonaws.com"
"""CloudTrail's service principal, the same in every partition (aws-cn included)."""
KMS_KEY_ARN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$"
"""A KMS key ARN (a trail takes a key ARN, not an alias)."""


def trail_arn(*, region: str, account_id: str, trail_name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:cloudtrail:{region}:{account_id}:trail/{trail_name}"


def trail_key_statements(*, account_id: str, region: str, trail_name: str, partition: str = "aws",
                         dns_suffix: str = "amazonaws.com",
                         cloudwatch_logs: bool = False) -> list[dict[str, Any]]:
    """The trail key's service statements (pure), after the account root's: CloudTrail may
    generate data keys for this trail's log and digest files and describe the key; principals
    of this account may decrypt the logs of this account's trails; CloudWatch Logs may use the
    key for the trail's log group when delivery is on."""
    arn = trail_arn(region=region, account_id=account_id, trail_name=trail_name, partition=partition)
    # One name in every partition: AWS's aws-cn key policy names cloudtrail.amazonaws.com too.
    principal = {"Service": CLOUDTRAIL_PRINCIPAL}
    context = f"arn:{partition}:cloudtrail:*:{account_id}:trail/*"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AllowCloudTrailEncryptLogs",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": arn},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": context},
            },
        },
        {
            "Sid": "AllowCloudTrailDescribeKey",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": arn}},
        },
        {
            "Sid": "AllowAccountDecryptLogs",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": account_id},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": context},
            },
        },
    ]
    if cloudwatch_logs:
        statements.append({
            "Sid": "CloudWatchLogsUseKey",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.{dns_suffix}"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                       "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {
                "kms:EncryptionContext:aws:logs:arn":
                    f"arn:{partition}:logs:{region}:{account_id}:log-group:*"}},
        })
    return statements


def cloudwatch_logs_trust() -> dict[str, Any]:
    """The trust policy of the role CloudTrail delivers to CloudWatch Logs with (pure): the
    CloudTrail service, without a source condition (CloudTrail supplies none for this role)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": CLOUDTRAIL_PRINCIPAL},
        "Action": "sts:AssumeRole",
    }]}


def trail_bucket_statements(*, bucket_arn: str, account_id: str, trail: str,
                            prefix: str = "") -> list[dict[str, Any]]:
    """CloudTrail's two bucket-policy statements (pure), conditioned on the trail's ARN."""
    key_path = f"{prefix}/AWSLogs/{account_id}/*" if prefix else f"AWSLogs/{account_id}/*"
    return [
        {
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL_PRINCIPAL},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": {"StringEquals": {"aws:SourceArn": trail}},
        },
        {
            "Sid": "AWSCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL_PRINCIPAL},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/{key_path}",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                           "aws:SourceArn": trail}},
        },
    ]


class AuditTrailSettings(ArgsModel):
    """The trail's tunables. Multi-region, global events, log-file validation, KMS, Object Lock,
    TLS-only access and access logging are always on and not settings."""

    object_lock_mode: LockMode = "GOVERNANCE"
    """Object Lock mode of the default retention (default GOVERNANCE: nobody deletes or
    overwrites a log version without the s3:BypassGovernanceRetention permission; COMPLIANCE
    binds the root user too and can't be shortened, so choose it deliberately)."""
    object_lock_days: Annotated[int, Field(ge=1, le=36500)] = 365
    """Default retention of every log file version, in days (default 365: a year of evidence
    that can't be rewritten)."""
    archive_after_days: Annotated[int, Field(ge=0, le=36500)] = 90
    """Move log files to `archive_storage_class` after this many days (default 90: recent logs
    stay in S3 Standard for investigations; 0 never archives)."""
    archive_storage_class: StorageClass = "GLACIER_IR"
    """Where archived logs go (default GLACIER_IR: millisecond reads for an investigation, at
    a fifth of Standard's storage price; GLACIER or DEEP_ARCHIVE need a restore before reading)."""
    retention_days: Annotated[int, Field(ge=1, le=36500)] = 2557
    """Expire log files after this many days (default 2557, seven years: what most audit
    regimes ask). Must be longer than `object_lock_days`."""
    access_log_retention_days: Annotated[int, Field(ge=1, le=36500)] = 365
    """Expire the bucket's server access logs after this many days (default 365)."""
    s3_key_prefix: Annotated[str, Field(pattern=r"^([A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*)?$")] = ""
    """Prefix of the log files in the bucket (default "": `AWSLogs/<account>/...`)."""
    cloudwatch_logs: bool = True
    """Also deliver the trail to a CloudWatch Logs group (default true: metric filters and alarms
    on API activity need it, FSBP CloudTrail.5; ingestion is billed per GB)."""
    cloudwatch_retention_days: int = 365
    """Retention of the CloudWatch Logs group (default 365; S3 keeps the long record)."""
    protect: bool = True
    """Pulumi `protect` on the buckets (default true: `pulumi destroy` can't take the audit
    record; unprotect deliberately to retire it)."""

    @field_validator("cloudwatch_retention_days")
    @classmethod
    def _cw_retention(cls, v: int) -> int:
        return check_retention(v)

    @model_validator(mode="after")
    def _retention(self) -> AuditTrailSettings:
        if self.retention_days <= self.object_lock_days:
            raise ValueError(
                f"retention_days ({self.retention_days}) must be longer than object_lock_days "
                f"({self.object_lock_days}): S3 can't expire a version Object Lock still retains")
        if self.archive_after_days and self.archive_after_days >= self.retention_days:
            raise ValueError(
                f"archive_after_days ({self.archive_after_days}) must be shorter than "
                f"retention_days ({self.retention_days}), or 0 to never archive")
        minimum = {"STANDARD_IA": 30}.get(self.archive_storage_class, 0)
        if self.archive_after_days and self.archive_after_days < minimum:
            raise ValueError(f"archive_after_days must be >= {minimum} for "
                             f"{self.archive_storage_class} (S3's transition minimum)")
        return self


class AuditTrailArgs(ComponentArgs, AuditTrailSettings):
    """Everything `AuditTrail` takes: its settings, an optional key, and the account."""

    kms_key_arn: Input[str] | None = None
    """An existing KMS key ARN for the trail and its bucket (default none: the component creates
    a rotating key with the policy CloudTrail needs). A given key's policy must already carry
    the statements of `trail_key_statements`."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""

    @field_validator("kms_key_arn")
    @classmethod
    def _key_arn(cls, v: Any) -> Any:
        import re

        if isinstance(v, str) and not re.match(KMS_KEY_ARN, v):
            raise ValueError(f"{v!r} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; "
                             "a trail takes a key ARN, not an alias)")
        return v


class AuditTrail(pulumi.ComponentResource):
    """A multi-region, validated, KMS-encrypted CloudTrail trail into an Object Lock bucket.

    `AuditTrail(name, AuditTrailArgs(...), opts)`. Children: `<name>-key` (unless a key is given),
    `<name>-bucket` and `<name>-access-logs` (hardened buckets), `<name>-trail`, and with
    CloudWatch delivery `<name>-log-group` and `<name>-cloudwatch-role`. Outputs: `trail_arn`,
    `bucket_name`, `access_log_bucket_name`, `kms_key_arn`.
    """

    def __init__(self, name: str, args: AuditTrailArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else AuditTrailArgs()
        naming = component_naming("AuditTrail", name, args)
        super().__init__("groundwork:account:AuditTrail", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        trail_name = naming.name(max_length=128)
        kind = "audit-trail"

        if args.kms_key_arn is None:
            self.key: aws.kms.Key | None = own_key(
                self, f"{name}-key", naming=naming, account=account, component=kind,
                purpose="cloudtrail",
                statements=lambda acct: trail_key_statements(
                    account_id=acct, region=account.region, trail_name=trail_name,
                    partition=account.partition, dns_suffix=account.dns_suffix,
                    cloudwatch_logs=args.cloudwatch_logs))
            key_arn: Input[str] = self.key.arn
        else:
            self.key = None
            key_arn = args.kms_key_arn

        self.access_logs = secure_bucket(
            self, f"{name}-access-logs",
            bucket_name=global_bucket_name(naming, account, "access-logs"),
            naming=naming, account=account, component=kind,
            lifecycle=Lifecycle(expire_days=args.access_log_retention_days),
            statements=access_log_statements("", account.partition),
            protect=args.protect)
        prefix = args.s3_key_prefix
        self.bucket = secure_bucket(
            self, f"{name}-bucket",
            bucket_name=global_bucket_name(naming, account, "logs"),
            naming=naming, account=account, component=kind,
            lifecycle=Lifecycle(expire_days=args.retention_days,
                                transition_days=args.archive_after_days,
                                storage_class=args.archive_storage_class),
            statements=lambda arn, acct: trail_bucket_statements(
                bucket_arn=arn, account_id=acct, prefix=prefix,
                trail=trail_arn(region=account.region, account_id=acct, trail_name=trail_name,
                                partition=account.partition)),
            kms_key_arn=key_arn,
            # No S3 Bucket Key: with one, S3 decrypts the bucket-level key as CloudTrail (which
            # would need kms:Decrypt) under the bucket's encryption context, not the trail's the
            # key policy asks for; CloudTrail's KMS calls are not billed, so it saves nothing.
            bucket_key=False,
            object_lock=ObjectLock(mode=args.object_lock_mode, days=args.object_lock_days),
            log_bucket=self.access_logs,
            protect=args.protect)

        depends: list[pulumi.Resource] = [self.bucket.policy]
        if self.key is not None:
            depends.append(self.key)
        log_group_arn: Input[str] | None = None
        role_arn: Input[str] | None = None
        self.log_group: aws.cloudwatch.LogGroup | None = None
        if args.cloudwatch_logs:
            group_name = f"/groundwork/{naming.prefix}/cloudtrail"
            self.log_group = aws.cloudwatch.LogGroup(
                f"{name}-log-group",
                name=group_name,
                retention_in_days=args.cloudwatch_retention_days,
                kms_key_id=key_arn,
                tags=naming.tagged(group_name, Component=kind),
                opts=child_opts(self, depends_on=[self.key] if self.key is not None else None),
            )
            role = aws.iam.Role(
                f"{name}-cloudwatch-role",
                name=naming.name("cloudwatch", max_length=64),
                # No aws:SourceArn / aws:SourceAccount condition: CloudTrail sends neither when
                # it assumes this role (AWS: "Confused deputy prevention is not applicable to the
                # role policy for CloudWatch Logs monitoring"), so one would fail CreateTrail with
                # InvalidCloudWatchLogsRoleArnException. The role can only write this log group.
                assume_role_policy=json.dumps(cloudwatch_logs_trust()),
                tags=naming.tagged(naming.name("cloudwatch", max_length=64), Component=kind),
                opts=child_opts(self),
            )
            delivery = aws.iam.RolePolicy(
                f"{name}-cloudwatch-delivery",
                role=role.id,
                policy=self.log_group.arn.apply(lambda arn: json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "TrailToLogGroup",
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"{arn}:log-stream:*",
                    }],
                })),
                opts=child_opts(self),
            )
            depends.append(delivery)
            log_group_arn = self.log_group.arn.apply(lambda arn: f"{arn}:*")
            role_arn = role.arn

        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=self.bucket.name,
            s3_key_prefix=prefix or None,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=key_arn,
            cloud_watch_logs_group_arn=log_group_arn,
            cloud_watch_logs_role_arn=role_arn,
            tags=naming.tagged(trail_name, Component=kind),
            opts=child_opts(self, depends_on=depends),
        )
        self.trail_arn: pulumi.Output[str] = self.trail.arn
        self.bucket_name: pulumi.Output[str] = self.bucket.name
        # The policy's `bucket`: the name, carrying the dependency on the log-delivery policy,
        # so another bucket's logging into it (ConfigRecorder's) waits for that policy too.
        self.access_log_bucket_name: pulumi.Output[str] = self.access_logs.policy.bucket
        self.kms_key_arn: pulumi.Output[str] = pulumi.Output.from_input(key_arn)
        self.register_outputs({"trail_arn": self.trail_arn, "bucket_name": self.bucket_name,
                               "access_log_bucket_name": self.access_log_bucket_name,
                               "kms_key_arn": self.kms_key_arn})
