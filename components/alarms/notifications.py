"""Where alarms go: two SNS topics per environment, `critical` (pages) and `warning` (read during
working hours), encrypted with the environment's notifications key, plus the subscriptions from
`alarms` config and the RDS event subscription.

Deploy-time traps handled here (controls.md): an SNS topic encrypted with a customer key only
receives alarms if the KEY policy lets `cloudwatch.amazonaws.com` use it (components/kms.py does,
and `events.rds.amazonaws.com` too) AND the TOPIC policy lets the service publish. The AWS-managed
`alias/aws/sns` key never works for CloudWatch, which is why the topics never use it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi
import pulumi_aws as aws

from groundwork.components.alarm_names import SEVERITIES, Severity
from groundwork.components.base import AccountContext, Naming, child_opts
from groundwork.stacks.config import AlarmsConfig

RDS_EVENT_CATEGORIES = (
    "availability",
    "configuration change",
    "deletion",
    "failover",
    "failure",
    "low storage",
    "maintenance",
    "recovery",
    "restoration",
)
"""db-instance event categories sent to the critical topic (`aws rds describe-event-categories`);
backup, creation, notification and read-replica events are routine and left out."""

OWNER_ACTIONS = ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission",
                 "sns:RemovePermission", "sns:DeleteTopic", "sns:Subscribe",
                 "sns:ListSubscriptionsByTopic", "sns:Publish"]


def topic_policy(topic_arn: str, *, account_id: str, region: str, partition: str = "aws",
                 dns_suffix: str = "amazonaws.com", rds_events: bool = False) -> dict[str, Any]:
    """The policy of one alarm topic (pure, so tests read it without Pulumi).

    The account keeps managing the topic; CloudWatch may publish, but only for this account's
    alarms (confused-deputy guard: SourceAccount and SourceArn); RDS event notifications may
    publish to the critical topic; nothing may publish over plain HTTP.
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountOwnerManagesTopic",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": OWNER_ACTIONS,
            "Resource": topic_arn,
        },
        {
            "Sid": "CloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": f"cloudwatch.{dns_suffix}"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:*"},
            },
        },
    ]
    if rds_events:
        statements.append({
            "Sid": "RdsEventsPublish",
            "Effect": "Allow",
            "Principal": {"Service": f"events.rds.{dns_suffix}"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        })
    statements.append({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })
    return {"Version": "2012-10-17", "Id": "groundwork-alarm-topic", "Statement": statements}


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class Notifications(pulumi.ComponentResource):
    """The environment's alarm topics and who hears them.

    Outputs: `topic_arns` (severity -> ARN), `critical`, `warning` (the aws.sns.Topic resources).
    """

    def __init__(
        self,
        name: str,
        config: AlarmsConfig,
        *,
        naming: Naming,
        account: AccountContext,
        key_arn: pulumi.Input[str],
        database_identifier: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`key_arn`: the environment's notifications key (EnvironmentKeys.notifications.arn),
        whose policy already lets CloudWatch and RDS events publish. `database_identifier`: the
        RDS instance whose events go to the critical topic (default none: no database)."""
        super().__init__("groundwork:monitoring:Notifications", name, None, opts)
        self.topics: dict[Severity, aws.sns.Topic] = {}
        self.policies: dict[Severity, aws.sns.TopicPolicy] = {}
        for severity in SEVERITIES:
            physical = naming.name("alarms", severity)
            topic = aws.sns.Topic(
                f"{name}-{severity}",
                name=physical,
                display_name=f"{naming.prefix} {severity} alarms",
                kms_master_key_id=key_arn,
                tags=naming.tagged(physical, Severity=severity, Component="notifications"),
                opts=child_opts(self),
            )
            rds_events = severity == "critical" and database_identifier is not None

            def policy_json(args: list[Any], rds: bool = rds_events) -> str:
                return json.dumps(topic_policy(
                    args[0], account_id=args[1], region=account.region,
                    partition=account.partition, dns_suffix=account.dns_suffix, rds_events=rds))

            policy = pulumi.Output.all(topic.arn, account.account_id).apply(policy_json)
            self.policies[severity] = aws.sns.TopicPolicy(
                f"{name}-{severity}-policy", arn=topic.arn, policy=policy, opts=child_opts(self))
            self.topics[severity] = topic

        self.subscriptions = self._subscriptions(name, config)
        self.rds_events: aws.rds.EventSubscription | None = None
        if database_identifier is not None:
            physical = naming.name("rds-events")
            self.rds_events = aws.rds.EventSubscription(
                f"{name}-rds-events",
                name=physical,
                sns_topic=self.topics["critical"].arn,
                source_type="db-instance",
                source_ids=[database_identifier],
                event_categories=list(RDS_EVENT_CATEGORIES),
                enabled=True,
                tags=naming.tagged(physical, Component="notifications"),
                # RDS must be allowed to publish before its first event.
                opts=child_opts(self, depends_on=[self.policies["critical"]]),
            )

        self.critical = self.topics["critical"]
        self.warning = self.topics["warning"]
        self.topic_arns: dict[Severity, pulumi.Output[str]] = {
            s: t.arn for s, t in self.topics.items()}
        self.register_outputs({"critical_topic_arn": self.critical.arn,
                               "warning_topic_arn": self.warning.arn})

    def _subscriptions(self, name: str, config: AlarmsConfig) -> list[aws.sns.TopicSubscription]:
        """E-mail subscriptions per severity (they stay 'pending confirmation' until each
        recipient clicks the link AWS mails), HTTPS endpoints on the critical topic (a pager's
        webhook: the URL is treated as a secret, it usually embeds a token)."""
        subs: list[aws.sns.TopicSubscription] = []
        emails: dict[Severity, list[str]] = {"critical": config.critical_emails,
                                             "warning": config.warning_emails}
        for severity, addresses in emails.items():
            for address in addresses:
                # Named by a hash of the address: reordering the list replaces nothing.
                subs.append(aws.sns.TopicSubscription(
                    f"{name}-{severity}-email-{_short(address.lower())}",
                    topic=self.topics[severity].arn, protocol="email", endpoint=address,
                    opts=child_opts(self)))
        for index, url in enumerate(config.critical_https_endpoints):
            subs.append(aws.sns.TopicSubscription(
                f"{name}-critical-https-{index}",
                topic=self.topics["critical"].arn, protocol="https",
                endpoint=pulumi.Output.secret(url),
                opts=child_opts(self)))
        return subs
