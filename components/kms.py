"""Customer-managed KMS keys, one per purpose per environment.

Why one key per purpose (logs, data, notifications) rather than one per environment: each key
policy then names only the services that need it (least privilege, FSBP KMS.5), a key can be
disabled or rotated without touching the others, and CloudTrail shows which purpose a decrypt
served. Why not one per resource: 3 keys cost $3/month; 20 would cost $20 and buy nothing.

Every key rotates yearly (FSBP KMS.4) and has an explicit policy (CKV2_AWS_64): the account root
(so IAM policies can grant use; without it the key becomes unmanageable) plus exactly the service
statements its purpose needs. The service statements are the deploy-time traps of controls.md:
CloudWatch Logs needs `logs.<region>.amazonaws.com` conditioned on the log-group ARN encryption
context, and an SNS topic's key must let `cloudwatch.amazonaws.com` (alarms) and
`events.rds.amazonaws.com` (RDS events) generate data keys and decrypt, or publishing fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from groundwork.components.base import AccountContext, Naming, child_opts

KeyPurpose = Literal["logs", "data", "notifications"]

LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                "kms:Describe*"]
PUBLISH_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]
DATA_SERVICES = ("rds", "elasticache", "secretsmanager")
"""Services that use the data key on the account's behalf (storage, snapshots, secrets)."""


def key_policy(purpose: KeyPurpose, *, account_id: str, region: str, partition: str = "aws",
               dns_suffix: str = "amazonaws.com") -> dict[str, Any]:
    """The key policy of a purpose (pure: the tests read it without Pulumi)."""
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
        for sid, service in (("CloudWatchAlarmsPublish", "cloudwatch"),
                             ("RdsEventsPublish", "events.rds")):
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


class EncryptionKey(pulumi.ComponentResource):
    """A rotating customer-managed key with an alias and a purpose-scoped policy.

    Outputs: `arn`, `key_id`, `alias_name`.
    """

    def __init__(
        self,
        name: str,
        purpose: KeyPurpose,
        *,
        naming: Naming,
        account: AccountContext,
        deletion_window_days: int = 30,
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`deletion_window_days` (default 30, the maximum): a key scheduled for deletion by
        mistake can be recovered for a month; everything it encrypted depends on it."""
        super().__init__("groundwork:security:EncryptionKey", name, None, opts)
        physical = naming.name(purpose)
        policy = pulumi.Output.from_input(account.account_id).apply(
            lambda acct: json.dumps(key_policy(purpose, account_id=acct, region=account.region,
                                               partition=account.partition,
                                               dns_suffix=account.dns_suffix))
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{naming.prefix} {purpose} encryption key",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=deletion_window_days,
            policy=policy,
            tags=naming.tagged(physical, Purpose=purpose),
            opts=child_opts(self),
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{physical}",
            target_key_id=self.key.key_id,
            opts=child_opts(self),
        )
        self.arn: pulumi.Output[str] = self.key.arn
        self.key_id: pulumi.Output[str] = self.key.key_id
        self.alias_name: pulumi.Output[str] = self.alias.name
        self.register_outputs({"arn": self.arn, "key_id": self.key_id, "alias": self.alias_name})


PURPOSES: tuple[KeyPurpose, ...] = ("logs", "data", "notifications")
"""Every key purpose, in creation order."""


class EnvironmentKeys:
    """The keys of an environment, one per purpose (logs, data, notifications; default all
    three, as the stack needs). A program that needs fewer passes `purposes=`; the attribute of
    a purpose not created is None, and `require(purpose)` returns a created key or raises."""

    logs: EncryptionKey | None
    data: EncryptionKey | None
    notifications: EncryptionKey | None

    def __init__(self, *, naming: Naming, account: AccountContext,
                 purposes: Iterable[KeyPurpose] = PURPOSES,
                 opts: pulumi.ResourceOptions | None = None):
        if isinstance(purposes, str):
            raise TypeError(f"EnvironmentKeys: purposes must be a collection, e.g. "
                            f"purposes=({purposes!r},), not a string")
        wanted = set(purposes)
        unknown = sorted(str(p) for p in wanted - set(PURPOSES))
        if unknown:
            raise ValueError(f"EnvironmentKeys: unknown key purpose(s) {', '.join(unknown)}; "
                             f"use {', '.join(PURPOSES)}")
        if not wanted:
            raise ValueError("EnvironmentKeys: purposes is empty; name at least one of "
                             f"{', '.join(PURPOSES)}")
        self.purposes: tuple[KeyPurpose, ...] = tuple(p for p in PURPOSES if p in wanted)
        keys = {p: EncryptionKey(f"kms-{p}", p, naming=naming, account=account, opts=opts)
                for p in self.purposes}  # always in PURPOSES order, whatever order was given
        self.logs = keys.get("logs")
        self.data = keys.get("data")
        self.notifications = keys.get("notifications")

    def require(self, purpose: KeyPurpose) -> EncryptionKey:
        """The key of `purpose`; ValueError if it was not created (not in `purposes`)."""
        key: EncryptionKey | None = getattr(self, purpose, None) if purpose in PURPOSES else None
        if key is None:
            raise ValueError(f"EnvironmentKeys has no {purpose!r} key: created only "
                             f"{', '.join(self.purposes)} (add it to purposes=)")
        return key
