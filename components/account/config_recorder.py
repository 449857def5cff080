"""`ConfigRecorder`: AWS Config records every supported resource type's configuration.

Always on: the recorder records all supported types (and, by default, the global ones: IAM),
a delivery channel writes snapshots and history to a hardened bucket (the helper AuditTrail's
buckets use: TLS-only, public access blocked, ACLs disabled, versioned, encrypted, lifecycle,
access logging), and the recorder status is on. FSBP Config.1 asks for the service-linked role
(`AWSServiceRoleForConfig`), the default; a role with AWS's `AWS_ConfigRole` managed policy is
the alternative.

Deploy-time traps built in: the delivery channel needs the recorder first and the bucket policy
in place (Config checks it: InsufficientDeliveryPolicyException), and the status needs the
channel (NoAvailableDeliveryChannelException). Creating the service-linked role fails when the
account already has it ("has been taken in this account"): then set
`create_service_linked_role=False`. Global types should be recorded in one region only (the
home region); set `include_global_resource_types=False` in the others.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import AccountContext, account_for, child_opts, component_naming
from groundwork.components.buckets import (
    Lifecycle,
    SecureBucket,
    access_log_statements,
    global_bucket_name,
    secure_bucket,
)

CONFIG_MANAGED_POLICY = "policy/service-role/AWS_ConfigRole"
SERVICE_LINKED_ROLE = "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def delivery_statements(*, bucket_arn: str, account_id: str, prefix: str = "") -> list[dict[str, Any]]:
    """The Config delivery statements of the bucket policy (pure), for this account only, as
    AWS's "Permissions for the Amazon S3 bucket" page gives them."""
    path = f"{prefix}/AWSLogs/{account_id}/Config/*" if prefix else f"AWSLogs/{account_id}/Config/*"
    principal = {"Service": "config.amazonaws.com"}
    source = {"aws:SourceAccount": account_id}
    return [
        {"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": principal,
         "Action": "s3:GetBucketAcl", "Resource": bucket_arn,
         "Condition": {"StringEquals": source}},
        {"Sid": "AWSConfigBucketExistenceCheck", "Effect": "Allow", "Principal": principal,
         "Action": "s3:ListBucket", "Resource": bucket_arn,
         "Condition": {"StringEquals": source}},
        {"Sid": "AWSConfigBucketDelivery", "Effect": "Allow", "Principal": principal,
         "Action": "s3:PutObject", "Resource": f"{bucket_arn}/{path}",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}}},
    ]


class ConfigRecorderSettings(ArgsModel):
    """The recorder's tunables. All supported types, the delivery channel and the recorder
    status are always on."""

    role: Literal["service-linked", "managed-policy"] = "service-linked"
    """The role Config records with (default service-linked: `AWSServiceRoleForConfig`, what
    FSBP Config.1 checks; managed-policy creates a role with `AWS_ConfigRole`)."""
    create_service_linked_role: bool = True
    """Create `AWSServiceRoleForConfig` (default true; false when the account already has it,
    e.g. Config was enabled before, or creation fails)."""
    include_global_resource_types: bool = True
    """Record IAM and other global types (default true; set false in every region but the home
    one, or each region records them again and bills for it)."""
    recording_frequency: Literal["CONTINUOUS", "DAILY"] = "CONTINUOUS"
    """How often changes are recorded (default CONTINUOUS: every change, what an investigation
    needs; DAILY costs less on busy accounts)."""
    snapshot_frequency: Literal["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours",
                                "TwentyFour_Hours"] = "TwentyFour_Hours"
    """How often a configuration snapshot is delivered (default daily)."""
    retention_days: Annotated[int, Field(ge=1, le=36500)] = 2557
    """Expire delivered snapshots and history after this many days (default 2557, seven years,
    as the trail)."""
    archive_after_days: Annotated[int, Field(ge=0, le=36500)] = 90
    """Move them to Glacier Instant Retrieval after this many days (default 90; 0 never)."""
    protect: bool = True
    """Pulumi `protect` on the bucket (default true)."""


class ConfigRecorderArgs(ComponentArgs, ConfigRecorderSettings):
    """Everything `ConfigRecorder` takes."""

    access_log_bucket: Input[str] | None = None
    """Name of the bucket that receives the delivery bucket's server access logs, e.g.
    `AuditTrail.access_log_bucket_name`, which resolves once that bucket's log-delivery policy
    is in place (default none: the component creates its own log bucket)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""


class ConfigRecorder(pulumi.ComponentResource):
    """The AWS Config recorder, its delivery channel to a hardened bucket, and its status.

    `ConfigRecorder(name, ConfigRecorderArgs(...), opts)`. Children: `<name>-bucket` (and
    `<name>-access-logs` when no log bucket is given), the role (`<name>-service-role` or
    `<name>-role`), `<name>-recorder`, `<name>-delivery`, `<name>-status`. Outputs:
    `recorder_name`, `bucket_name`, `role_arn`.
    """

    def __init__(self, name: str, args: ConfigRecorderArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else ConfigRecorderArgs()
        naming = component_naming("ConfigRecorder", name, args)
        super().__init__("groundwork:account:ConfigRecorder", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        kind = "config-recorder"
        p = account.partition

        log_bucket: SecureBucket | Input[str] | None = args.access_log_bucket
        if log_bucket is None:
            log_bucket = secure_bucket(
                self, f"{name}-access-logs",
                bucket_name=global_bucket_name(naming, account, "access-logs"),
                naming=naming, account=account, component=kind,
                lifecycle=Lifecycle(expire_days=365),
                statements=access_log_statements("", p), protect=args.protect)
        self.bucket = secure_bucket(
            self, f"{name}-bucket",
            bucket_name=global_bucket_name(naming, account, "config"),
            naming=naming, account=account, component=kind,
            lifecycle=Lifecycle(expire_days=args.retention_days,
                                transition_days=args.archive_after_days),
            statements=lambda arn, acct: delivery_statements(bucket_arn=arn, account_id=acct),
            log_bucket=log_bucket, protect=args.protect)

        depends: list[pulumi.Resource] = []
        if args.role == "service-linked":
            role_arn: pulumi.Output[str] = pulumi.Output.from_input(account.account_id).apply(
                lambda acct: f"arn:{p}:iam::{acct}:{SERVICE_LINKED_ROLE}")
            if args.create_service_linked_role:
                depends.append(aws.iam.ServiceLinkedRole(
                    f"{name}-service-role",
                    aws_service_name="config.amazonaws.com",
                    tags=naming.tagged("AWSServiceRoleForConfig", Component=kind),
                    opts=child_opts(self),
                ))
        else:
            role_name = naming.name("role", max_length=64)
            role = aws.iam.Role(
                f"{name}-role",
                name=role_name,
                assume_role_policy=pulumi.Output.from_input(account.account_id).apply(
                    lambda acct: json.dumps({"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "config.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": acct}},
                    }]})),
                tags=naming.tagged(role_name, Component=kind),
                opts=child_opts(self),
            )
            depends.append(aws.iam.RolePolicyAttachment(
                f"{name}-role-config",
                role=role.name,
                policy_arn=f"arn:{p}:iam::aws:{CONFIG_MANAGED_POLICY}",
                opts=child_opts(self),
            ))
            depends.append(aws.iam.RolePolicy(
                f"{name}-role-delivery",
                role=role.id,
                policy=pulumi.Output.all(self.bucket.arn, account.account_id).apply(
                    lambda v: json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Sid": "DeliverToBucket", "Effect": "Allow", "Action": "s3:PutObject",
                         "Resource": f"{v[0]}/AWSLogs/{v[1]}/Config/*",
                         "Condition": {"StringLike": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
                        {"Sid": "CheckBucket", "Effect": "Allow",
                         "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": v[0]},
                    ]})),
                opts=child_opts(self),
            ))
            role_arn = role.arn

        recorder_name = naming.name("recorder", max_length=256)
        self.recorder = aws.cfg.Recorder(
            f"{name}-recorder",
            name=recorder_name,
            role_arn=role_arn,
            recording_group=aws.cfg.RecorderRecordingGroupArgs(
                all_supported=True,
                include_global_resource_types=args.include_global_resource_types,
            ),
            recording_mode=aws.cfg.RecorderRecordingModeArgs(
                recording_frequency=args.recording_frequency),
            opts=child_opts(self, depends_on=depends or None),
        )
        self.delivery = aws.cfg.DeliveryChannel(
            f"{name}-delivery",
            name=naming.name("delivery", max_length=256),
            s3_bucket_name=self.bucket.name,
            snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(
                delivery_frequency=args.snapshot_frequency),
            opts=child_opts(self, depends_on=[self.recorder, self.bucket.policy]),
        )
        self.status = aws.cfg.RecorderStatus(
            f"{name}-status",
            name=self.recorder.name,
            is_enabled=True,
            opts=child_opts(self, depends_on=[self.delivery]),
        )
        self.recorder_name: pulumi.Output[str] = self.recorder.name
        self.bucket_name: pulumi.Output[str] = self.bucket.name
        self.role_arn: pulumi.Output[str] = role_arn
        self.register_outputs({"recorder_name": self.recorder_name, "bucket_name": self.bucket_name,
                               "role_arn": self.role_arn})
