"""`Budget`: a monthly AWS Budgets cost budget that alerts an encrypted SNS topic.

ACTUAL alerts fire when the month's spend passes each threshold, FORECASTED ones when AWS
forecasts the month will (forecasts need some spend history: a new account may not send them for
weeks). Alerts go to an SNS topic encrypted with a customer-managed key (SNS.1), and optionally to
email subscriptions of that topic (each address must confirm).

Deploy-time traps built in (next-capabilities §13): Budgets publishes only if the topic policy
lets `budgets.amazonaws.com` `SNS:Publish` (conditioned on `aws:SourceAccount` and `aws:SourceArn`
`arn:aws:budgets::<account>:*`, AWS's statement), and the topic's key policy lets the same
principal `kms:GenerateDataKey*` and `kms:Decrypt`; without either, alerts fail silently. The
AWS-managed `alias/aws/sns` key can't be used. The topic must be in the budget's account.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator

from groundwork.components.account.account_settings import EMAIL
from groundwork.components.args import ArgsModel, ComponentArgs
from groundwork.components.base import AccountContext, account_for, child_opts, component_naming
from groundwork.components.buckets import own_key


def budgets_key_statements(account_id: str, partition: str = "aws") -> list[dict[str, Any]]:
    """The topic key's Budgets statement (pure)."""
    return [{
        "Sid": "BudgetsEncryptAndDecryptBudgetsNotifications",
        "Effect": "Allow",
        "Principal": {"Service": "budgets.amazonaws.com"},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:budgets::{account_id}:*"},
        },
    }]


def budgets_topic_policy(*, topic_arn: str, account_id: str, partition: str = "aws") -> dict[str, Any]:
    """The topic policy (pure): the account manages the topic; Budgets of this account may
    publish (AWS's AWSBudgetsSNSPublishingPermissions statement)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountManagesTopic",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                           "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                           "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
                "Resource": topic_arn,
            },
            {
                "Sid": "AWSBudgetsSNSPublishingPermissions",
                "Effect": "Allow",
                "Principal": {"Service": "budgets.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:budgets::{account_id}:*"},
                },
            },
        ],
    }


Threshold = Annotated[float, Field(gt=0, le=1000)]


class BudgetSettings(ArgsModel):
    """The budget's amount, thresholds and who else hears about it."""

    limit_usd: Annotated[float, Field(gt=0)] = 100.0
    """The monthly cost budget in USD (default 100: set it to what the account should cost)."""
    actual_thresholds: tuple[Threshold, ...] = (80.0, 100.0)
    """Percentages of the limit at which actual spend alerts (default 80 and 100)."""
    forecast_thresholds: tuple[Threshold, ...] = (100.0,)
    """Percentages of the limit at which the month's forecast alerts (default 100: the month is
    on course to overspend)."""
    alert_emails: tuple[str, ...] = ()
    """Email addresses subscribed to the alert topic (default none; each must confirm)."""

    @field_validator("alert_emails")
    @classmethod
    def _emails(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [e for e in v if not EMAIL.match(e)]
        if bad:
            raise ValueError(f"not email addresses: {', '.join(map(repr, bad))}")
        return v

    @field_validator("actual_thresholds", "forecast_thresholds")
    @classmethod
    def _unique(cls, v: Sequence[float]) -> tuple[float, ...]:
        if len(set(v)) != len(v):
            raise ValueError("repeats a threshold")
        return tuple(sorted(v))

    def notifications(self) -> list[tuple[str, float]]:
        """(notification type, threshold %) pairs; AWS allows at most 10 per budget."""
        return ([("ACTUAL", t) for t in self.actual_thresholds]
                + [("FORECASTED", t) for t in self.forecast_thresholds])


class BudgetArgs(ComponentArgs, BudgetSettings):
    """Everything `Budget` takes."""

    account: AccountContext | None = None
    """Partition and account id of the policies (default none: looked up)."""


class Budget(pulumi.ComponentResource):
    """A monthly cost budget with ACTUAL and FORECASTED alerts to a KMS-encrypted SNS topic.

    `Budget(name, BudgetArgs(limit_usd=...), opts)`. Children: `<name>-key`, `<name>-topic`,
    `<name>-topic-policy`, `<name>-email-<n>`, `<name>-budget`. Outputs: `topic_arn`,
    `budget_name`.
    """

    def __init__(self, name: str, args: BudgetArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else BudgetArgs()
        naming = component_naming("Budget", name, args)
        notifications = args.notifications()
        if not notifications:
            raise ValueError(f"Budget {name!r}: BudgetArgs.actual_thresholds and "
                             "forecast_thresholds are both empty; give at least one threshold")
        if len(notifications) > 10:
            raise ValueError(f"Budget {name!r}: {len(notifications)} thresholds in "
                             "BudgetArgs.actual_thresholds + forecast_thresholds; AWS allows 10")
        super().__init__("groundwork:account:Budget", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        p = account.partition
        kind = "budget"
        self.key = own_key(self, f"{name}-key", naming=naming, account=account, component=kind,
                           purpose="budget-alerts",
                           statements=lambda acct: budgets_key_statements(acct, p))
        topic_name = naming.name("alerts", max_length=256)
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            name=topic_name,
            kms_master_key_id=self.key.arn,
            tags=naming.tagged(topic_name, Component=kind),
            opts=child_opts(self),
        )
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, account.account_id).apply(
                lambda v: json.dumps(budgets_topic_policy(topic_arn=v[0], account_id=v[1],
                                                          partition=p))),
            opts=child_opts(self),
        )
        for i, email in enumerate(args.alert_emails, start=1):
            aws.sns.TopicSubscription(f"{name}-email-{i}", topic=self.topic.arn, protocol="email",
                                      endpoint=email, opts=child_opts(self))
        budget_name = naming.name("monthly", max_length=100)
        self.budget = aws.budgets.Budget(
            f"{name}-budget",
            name=budget_name,
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{args.limit_usd:.2f}",
            limit_unit="USD",
            notifications=[aws.budgets.BudgetNotificationArgs(
                comparison_operator="GREATER_THAN",
                notification_type=kind_,
                threshold=threshold,
                threshold_type="PERCENTAGE",
                subscriber_sns_topic_arns=[self.topic.arn],
            ) for kind_, threshold in notifications],
            tags=naming.tagged(budget_name, Component=kind),
            opts=child_opts(self, depends_on=[self.topic_policy, self.key]),
        )
        self.topic_arn: pulumi.Output[str] = self.topic.arn
        self.budget_name: pulumi.Output[str] = self.budget.name
        self.register_outputs({"topic_arn": self.topic_arn, "budget_name": self.budget_name})
