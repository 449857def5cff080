"""Customer-managed KMS keys: `EncryptionKey` (one key of one purpose) and `EnvironmentKeys`
(a set of them, one per purpose).

Why one key per purpose (logs, data, notifications) rather than one per environment: each key
policy then names only the services that need it (least privilege, FSBP KMS.5), a key can be
disabled or rotated without touching the others, and CloudTrail shows which purpose a decrypt
served. Why not one per resource: 3 keys cost $3/month; 20 would cost $20 and buy nothing.

Every key rotates (yearly by default, FSBP KMS.4) and has an explicit policy (CKV2_AWS_64): the
account root (so IAM policies can grant use; without it the key becomes unmanageable) plus
exactly the service statements its purpose needs. The service statements are the deploy-time
traps (docs/operations.md): CloudWatch Logs needs `logs.<region>.amazonaws.com` conditioned on the
log-group ARN encryption context, and an SNS topic's key must let `cloudwatch.amazonaws.com`
(alarms) and `events.rds.amazonaws.com` (RDS events) generate data keys and decrypt, or
publishing fails.

A key must never be replaced (everything it encrypted would become unreadable once the old key
is deleted): nothing here is ForceNew on a change of settings, and the keys of an
`EnvironmentKeys` carry an alias to their pre-0.2.0 place at the stack root (see
`EnvironmentKeys`).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator

from groundwork.components.args import ArgsModel, ComponentArgs
from groundwork.components.base import (
    AccountContext,
    account_for,
    check_component_name,
    child_opts,
    component_naming,
)

KeyPurpose = Literal["logs", "data", "notifications"]

PURPOSES: tuple[KeyPurpose, ...] = ("logs", "data", "notifications")
"""Every key purpose, in creation order."""

LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                "kms:Describe*"]
PUBLISH_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]
DATA_SERVICES = ("rds", "elasticache", "secretsmanager", "sqs", "es", "kafka", "backup", "s3")
"""Services that use the data key on the account's behalf (storage, snapshots, secrets, queue
messages, search and Kafka storage, AWS Backup's vaults and copies, S3 objects under SSE-KMS).
DocumentDB encrypts through RDS's machinery (`rds`)."""
KMS_ALIAS = re.compile(r"^alias/(?!aws/)[A-Za-z0-9/_-]{1,250}$")
"""KMS's alias rule: `alias/` then letters, digits, `/ _ -`; `alias/aws/` is AWS's own."""


def key_policy(purpose: KeyPurpose, *, account_id: str, region: str, partition: str = "aws",
               dns_suffix: str = "amazonaws.com", eventbridge: bool = False) -> dict[str, Any]:
    """The key policy of a purpose (pure: the tests read it without Pulumi). `eventbridge`: the
    notifications key also lets EventBridge rules of this account publish to its topics."""
    root = f"arn:{partition}:iam::{account_id}:root"
    statements: list[dict[str, Any]] = [{
        "Sid": "AccountRootManagesKey",
        "Effect": "Allow",
        "Principal": {"AWS": root},
        "Action": "kms:*",
        "Resource": "*",
    }]
    if purpose == "logs":
        statements.append({
            "Sid": "CloudWatchLogsUseKey",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.{dns_suffix}"},
            "Action": LOGS_ACTIONS,
            "Resource": "*",
            "Condition": {"ArnLike": {
                "kms:EncryptionContext:aws:logs:arn":
                    f"arn:{partition}:logs:{region}:{account_id}:log-group:*"}},
        })
    elif purpose == "data":
        statements.append({
            "Sid": "AccountServicesUseKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                       "kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": account_id,
                    "kms:ViaService": [f"{s}.{region}.{dns_suffix}" for s in DATA_SERVICES],
                },
            },
        })
    elif purpose == "notifications":
        publishers = [("CloudWatchAlarmsPublish", "cloudwatch"), ("RdsEventsPublish", "events.rds")]
        if eventbridge:
            # an EventBridge rule's SNS target on an encrypted topic (AWS Backup's job events)
            publishers.append(("EventBridgeRulesPublish", "events"))
        for sid, service in publishers:
            statements.append({
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": f"{service}.{dns_suffix}"},
                "Action": PUBLISH_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            })
    else:  # pragma: no cover - Literal guards it
        raise ValueError(f"unknown key purpose {purpose!r}")
    return {"Version": "2012-10-17", "Id": f"groundwork-{purpose}", "Statement": statements}


# --------------------------------------------------------------------------------------------
# EncryptionKey
# --------------------------------------------------------------------------------------------


class EncryptionKeySettings(ArgsModel):
    """A key's tunables. Rotation and an explicit purpose-scoped policy are always on."""

    deletion_window_days: Annotated[int, Field(ge=7, le=30)] = 30
    """Waiting period before a key scheduled for deletion is gone (default 30, AWS's maximum:
    a deletion by mistake can be cancelled for a month; everything the key encrypted depends
    on it)."""
    rotation_period_days: Annotated[int, Field(ge=90, le=2560)] = 365
    """Automatic rotation period (default 365: yearly, what FSBP KMS.4 checks; AWS allows
    90-2560)."""
    eventbridge_publishes: bool = False
    """The notifications key also lets `events.amazonaws.com` (this account's EventBridge rules)
    generate data keys and decrypt, so a rule can notify a topic it encrypts (default false: no
    rule notifies; the stacks turn it on with AWS Backup's failure notices). Other purposes
    ignore it."""


class EncryptionKeyArgs(ComponentArgs, EncryptionKeySettings):
    """Everything `EncryptionKey` takes: its purpose, its settings, and where it lives."""

    purpose: KeyPurpose | None = None
    """What the key encrypts (required): `logs` (CloudWatch Logs), `data` (RDS, ElastiCache,
    Secrets Manager) or `notifications` (SNS topics that alarms and RDS events publish to).
    The key policy grants exactly that purpose's services."""
    alias_name: str = ""
    """The key's alias (default "": `alias/<prefix>-<name>`). Set it only to keep the alias of a
    key created before; IAM policies may refer to it."""
    description: str = ""
    """The key's description (default "": `<prefix>-<name> <purpose> encryption key`)."""
    account: AccountContext | None = None
    """Region, partition and account id for the key policy (default none: looked up through
    the provider)."""

    @field_validator("alias_name")
    @classmethod
    def _alias(cls, v: str) -> str:
        if v and not KMS_ALIAS.match(v):
            raise ValueError(f"{v!r} is not a KMS alias name: alias/ then letters, digits, / _ -; "
                             "alias/aws/ is reserved for AWS-managed keys")
        return v


class EncryptionKey(pulumi.ComponentResource):
    """A rotating customer-managed key with an alias and a purpose-scoped policy.

    `EncryptionKey(name, EncryptionKeyArgs(purpose=...), opts)`. Outputs: `arn`, `key_id`,
    `alias_name`. Children: `key` (`<name>-key`) and `alias` (`<name>-alias`).
    """

    key: aws.kms.Key
    alias: aws.kms.Alias

    def __init__(self, name: str, args: EncryptionKeyArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else EncryptionKeyArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("EncryptionKey", name, args)
        if args.purpose is None:
            raise ValueError(f"EncryptionKey {name!r}: EncryptionKeyArgs.purpose is required "
                             f"(one of {', '.join(PURPOSES)})")
        purpose: KeyPurpose = args.purpose
        alias_name = args.alias_name or f"alias/{naming.prefix}"
        if not KMS_ALIAS.match(alias_name):  # pragma: no cover - component names are safe
            raise ValueError(f"EncryptionKey {name!r}: cannot derive a KMS alias from {alias_name!r}")
        physical = alias_name.removeprefix("alias/")
        super().__init__("groundwork:security:EncryptionKey", name, None, opts)
        self.args = args
        self.purpose: KeyPurpose = purpose
        account = account_for(args.account, self)
        policy = pulumi.Output.from_input(account.account_id).apply(
            lambda acct: json.dumps(key_policy(purpose, account_id=acct, region=account.region,
                                               partition=account.partition,
                                               dns_suffix=account.dns_suffix,
                                               eventbridge=args.eventbridge_publishes))
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.description or f"{naming.prefix} {purpose} encryption key",
            enable_key_rotation=True,
            rotation_period_in_days=args.rotation_period_days,
            deletion_window_in_days=args.deletion_window_days,
            policy=policy,
            tags=naming.tagged(physical, Purpose=purpose),
            opts=child_opts(self),
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            name=alias_name,
            target_key_id=self.key.key_id,
            opts=child_opts(self),
        )
        self.arn: pulumi.Output[str] = self.key.arn
        self.key_id: pulumi.Output[str] = self.key.key_id
        self.alias_name: pulumi.Output[str] = self.alias.name
        self.register_outputs({"arn": self.arn, "key_id": self.key_id, "alias": self.alias_name})


# --------------------------------------------------------------------------------------------
# EnvironmentKeys
# --------------------------------------------------------------------------------------------


class EnvironmentKeysSettings(EncryptionKeySettings):
    """The key set's tunables: which purposes, and the settings every key of the set shares."""

    purposes: tuple[KeyPurpose, ...] = PURPOSES
    """The purposes to create a key for (default all three, logs, data and notifications, as
    a whole environment needs; a program that needs fewer names them). Created in that order
    whatever order is given."""

    @field_validator("purposes", mode="before")
    @classmethod
    def _not_a_string(cls, v: Any) -> Any:
        if isinstance(v, str):
            raise ValueError(f"must be a collection, e.g. purposes=({v!r},), not a string")
        return v

    @field_validator("purposes")
    @classmethod
    def _purposes(cls, v: tuple[KeyPurpose, ...]) -> tuple[KeyPurpose, ...]:
        if not v:
            raise ValueError(f"is empty; name at least one of {', '.join(PURPOSES)}")
        return tuple(p for p in PURPOSES if p in set(v))


class EnvironmentKeysArgs(ComponentArgs, EnvironmentKeysSettings):
    """Everything `EnvironmentKeys` takes."""

    alias_prefix: str = ""
    """Start of each key's alias and Name tag (default "": `<prefix>-<name>`, so the keys are
    `alias/<prefix>-<name>-<purpose>`). Set it only to keep the aliases of keys created before,
    e.g. the stacks' `alias/<project>-<stack>-<purpose>`."""
    account: AccountContext | None = None
    """Region, partition and account id for the key policies (default none: looked up once
    through the provider)."""

    @field_validator("alias_prefix")
    @classmethod
    def _alias_prefix(cls, v: str) -> str:
        if v and not KMS_ALIAS.match(f"alias/{v}-notifications"):
            raise ValueError(f"{v!r} can't start a KMS alias: letters, digits, / _ - only, "
                             "not aws/")
        return v


class EnvironmentKeys(pulumi.ComponentResource):
    """The keys of an environment, one `EncryptionKey` per purpose, parented to this component.

    `EnvironmentKeys(name, EnvironmentKeysArgs(purposes=...), opts)`. Each key is the child
    `<name>-<purpose>` (its resources `<name>-<purpose>-key` and `-alias`). The attribute of a
    purpose not created is None; `require(purpose)` returns a created key or raises. Outputs:
    `arns` (purpose -> key ARN).

    Upgrading from groundwork < 0.2.0: the keys were top-level components `kms-<purpose>`. Each
    key here carries `Alias(parent=ROOT_STACK_RESOURCE)`, so `EnvironmentKeys("kms", ...)`
    adopts them (and, through the parent's alias, their key and alias resources) without
    replacing anything; for keys created by this version the alias matches nothing.
    """

    logs: EncryptionKey | None
    data: EncryptionKey | None
    notifications: EncryptionKey | None

    def __init__(self, name: str, args: EnvironmentKeysArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else EnvironmentKeysArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("EnvironmentKeys", name, args)
        for purpose in args.purposes:
            try:
                check_component_name("EnvironmentKeys", f"{name}-{purpose}")
            except ValueError:
                raise ValueError(f"EnvironmentKeys: name {name!r} is too long: its keys are named "
                                 f"<name>-<purpose> ({name}-{purpose}), at most 40 characters"
                                 ) from None
        base = args.alias_prefix or naming.prefix
        super().__init__("groundwork:security:EnvironmentKeys", name, None, opts)
        self.args = args
        self.purposes: tuple[KeyPurpose, ...] = args.purposes
        account = account_for(args.account, self)
        shared = args.settings(EncryptionKeySettings)
        self.keys: dict[KeyPurpose, EncryptionKey] = {
            purpose: EncryptionKey(
                f"{name}-{purpose}",
                EncryptionKeyArgs(
                    **shared,
                    name_prefix=args.name_prefix,
                    tags=args.tags,
                    purpose=purpose,
                    alias_name=f"alias/{base}-{purpose}",
                    description=f"{base} {purpose} encryption key",
                    account=account,
                ),
                # Where groundwork < 0.2.0 created this key: a top-level component.
                opts=child_opts(self, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]),
            )
            for purpose in self.purposes
        }
        self.logs = self.keys.get("logs")
        self.data = self.keys.get("data")
        self.notifications = self.keys.get("notifications")
        self.arns: dict[str, pulumi.Output[str]] = {p: k.arn for p, k in self.keys.items()}
        self.register_outputs({"arns": self.arns})

    def require(self, purpose: KeyPurpose) -> EncryptionKey:
        """The key of `purpose`; ValueError if it was not created (not in `purposes`)."""
        key = self.keys.get(purpose)
        if key is None:
            raise ValueError(f"EnvironmentKeys has no {purpose!r} key: created only "
                             f"{', '.join(self.purposes)} (add it to purposes=)")
        return key
