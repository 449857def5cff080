"""Where alarms go: two SNS topics, `critical` (pages) and `warning` (read during working hours),
encrypted with the given notifications key, plus the subscriptions of the settings and the RDS
event subscriptions of the given databases: their instances' events (FSBP RDS.20), their
parameter groups' configuration changes (RDS.21) and DB security-group events (RDS.22); and,
for a DocumentDB cluster, its cluster and instance events (DocumentDB publishes its events
through RDS's event machinery: the same `rds.EventSubscription`, source types `db-cluster` and
`db-instance`, with the DocumentDB identifiers).

`Notifications(name, NotificationsArgs(...), opts)`. Names: `<prefix>-<name>-critical` and
`-warning` (or the `critical_topic_name` / `warning_topic_name` given: renaming a topic drops
its confirmed subscriptions), `<prefix>-<name>-rds-events`, `-rds-parameter-group-events` and
`-rds-security-group-events`, and `-docdb-cluster-events` / `-docdb-instance-events`.

Deploy-time traps handled here (docs/alarms.md): an SNS topic encrypted with a customer key only
receives alarms if the KEY policy lets `cloudwatch.amazonaws.com` use it (components/kms.py does,
and `events.rds.amazonaws.com` too) AND the TOPIC policy lets the service publish. The AWS-managed
`alias/aws/sns` key never works for CloudWatch, which is why the topics never use it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Sequence
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator

from groundwork.components.alarm_names import SEVERITIES, Severity
from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import (
    AccountContext,
    Naming,
    account_for,
    child_opts,
    component_naming,
    tls_only_statement,
)

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

RDS_GROUP_EVENT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "db-parameter-group": ("configuration change",),
    "db-security-group": ("configuration change", "failure"),
}
"""The other two subscriptions, per source type: what FSBP RDS.21 and RDS.22 ask for (Security
Hub's `rds-pg-event-notifications-configured` / `rds-sg-event-notifications-configured`), which
is also every category RDS has for those source types. DB security groups belong to EC2-Classic
(retired 2022) and never exist in a VPC; RDS's API still accepts the source type (botocore's
CreateEventSubscription model lists it), so the subscription is made for the control's sake and
stays silent (docs/policies.md)."""

DOCDB_CLUSTER_EVENT_CATEGORIES = ("failover", "failure", "maintenance", "notification")
"""db-cluster event categories of a DocumentDB cluster sent to the critical topic: all four that
DocumentDB lists for the source type (`aws docdb describe-event-categories --source-type
db-cluster`, docs "Managing Amazon DocumentDB events"): failovers, a cluster that can't be
upgraded, patching, and notification (stopped, started, failed to stop, restarted after 7 days
stopped). Creation and deletion appear in DocumentDB's message table for clusters but not
among the categories describe-event-categories returns for db-cluster, so they are not listed
(a category RDS doesn't know for the source type fails the create)."""

DOCDB_INSTANCE_EVENT_CATEGORIES = ("availability", "configuration change", "deletion", "failure",
                                   "recovery")
"""db-instance event categories of DocumentDB instances sent to the critical topic
(DocumentDB's "event categories and messages": restarts and shutdowns, instance-class changes
and a reset of the primary credentials, deletion, failure, recovery). Left out as routine:
creation, notification (an instance stopped or started: the cluster's own events say why) and
security patching (an OS update is available: read in the maintenance view, not paged)."""

OWNER_ACTIONS = ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission",
                 "sns:RemovePermission", "sns:DeleteTopic", "sns:Subscribe",
                 "sns:ListSubscriptionsByTopic", "sns:Publish"]


def topic_policy(topic_arn: str, *, account_id: str, region: str, partition: str = "aws",
                 dns_suffix: str = "amazonaws.com", rds_events: bool = False,
                 event_rules: Sequence[str] = ()) -> dict[str, Any]:
    """The policy of one alarm topic (pure, so tests read it without Pulumi).

    The account keeps managing the topic; CloudWatch may publish, but only for this account's
    alarms (confused-deputy guard: SourceAccount and SourceArn); RDS event notifications may
    publish to the critical topic; with `event_rules` (EventBridge rule names of this account
    and region, or `<prefix>-*` patterns), EventBridge may publish for those rules only;
    nothing may publish over plain HTTP.
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
    if event_rules:
        statements.append({
            "Sid": "EventBridgeRulesPublish",
            "Effect": "Allow",
            "Principal": {"Service": f"events.{dns_suffix}"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": [
                    f"arn:{partition}:events:{region}:{account_id}:rule/{rule}"
                    for rule in event_rules]},
            },
        })
    statements.append(tls_only_statement("sns:Publish", topic_arn))
    return {"Version": "2012-10-17", "Id": "groundwork-alarm-topic", "Statement": statements}


TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
"""SNS's topic-name rule (standard topics)."""
EVENT_SUBSCRIPTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,254}$")
"""RDS's event-subscription-name rule."""
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def check_https_endpoints(urls: list[str], *, unknown: Collection[str] = ()) -> list[str]:
    """Every endpoint is an https:// URL (SNS's https protocol); `unknown` values (a secret the
    caller can't read yet) pass."""
    bad = [u for u in urls if u not in unknown and not re.match(r"^https://\S+$", u)]
    if bad:
        raise ValueError(f"{len(bad)} endpoint(s) are not https:// URLs (SNS https protocol)")
    return urls


class NotificationsSettings(ArgsModel):
    """Who hears the alarms."""

    critical_emails: list[Annotated[str, Field(pattern=EMAIL)]] = Field(default_factory=list)
    """E-mail addresses subscribed to the critical topic (default none)."""
    warning_emails: list[Annotated[str, Field(pattern=EMAIL)]] = Field(default_factory=list)
    """E-mail addresses subscribed to the warning topic (default none)."""
    critical_https_endpoints: list[str] = Field(default_factory=list)
    """HTTPS endpoints (a pager's webhook; set it with `pulumi config set --secret`) for critical
    alarms (default none)."""

    @field_validator("critical_https_endpoints")
    @classmethod
    def _https(cls, v: list[str]) -> list[str]:
        return check_https_endpoints(v)


class NotificationsArgs(ComponentArgs, NotificationsSettings):
    """Everything `Notifications` takes: its settings plus the key and the databases."""

    key_arn: Input[str] | None = None
    """KMS key of the topics (required, e.g. `EnvironmentKeys.notifications`): its policy must
    let cloudwatch.amazonaws.com (and events.rds.amazonaws.com) use it; `alias/aws/sns` never
    works for CloudWatch."""
    database_identifiers: Sequence[Input[str]] = ()
    """RDS instance identifiers whose events go to the critical topic (default none: no event
    subscription), e.g. `[database.identifier]`. With any, the parameter-group and DB
    security-group subscriptions (FSBP RDS.21, RDS.22) are made too."""
    database_parameter_groups: Sequence[Input[str]] = ()
    """Names of the databases' parameter groups whose configuration changes go to the critical
    topic, e.g. `[database.parameter_group.name]` (default none: every parameter group of the
    account and region, what Security Hub's remediation suggests, and also other stacks')."""
    document_cluster_identifiers: Sequence[Input[str]] = ()
    """DocumentDB cluster identifiers whose db-cluster events (DOCDB_CLUSTER_EVENT_CATEGORIES)
    go to the critical topic (default none: no subscription), e.g.
    `[documents.cluster_identifier]`."""
    document_instance_identifiers: Sequence[Input[str]] = ()
    """DocumentDB instance identifiers whose db-instance events
    (DOCDB_INSTANCE_EVENT_CATEGORIES) go to the critical topic (default none: no subscription),
    e.g. `documents.instance_identifiers`. Kept apart from `database_identifiers`: the RDS
    subscription's categories (low storage, restoration...) are RDS's, and the FSBP RDS rules
    judge that one."""
    critical_topic_name: str = ""
    """Name of the critical topic (default "": `<prefix>-<name>-critical`). Set it only to keep
    a topic created before: a new topic's subscriptions must be confirmed again."""
    warning_topic_name: str = ""
    """Name of the warning topic (default "": `<prefix>-<name>-warning`); see
    `critical_topic_name`."""
    rds_events_name: str = ""
    """Name of the RDS event subscription (default "": `<prefix>-<name>-rds-events`)."""
    event_rule_names: Sequence[str] = ()
    """EventBridge rules (names in this account and region, or `<prefix>-*` patterns) that may
    publish to the critical topic, e.g. `BackupNotices.rule_names.values()` (default none: no
    EventBridge statement). The topic's key must let EventBridge use it too
    (`EncryptionKeySettings.eventbridge_publishes`)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class Notifications(pulumi.ComponentResource):
    """The alarm topics and who hears them.

    `Notifications(name, NotificationsArgs(key_arn=..., ...), opts)`. Outputs: `topic_arns`
    (severity -> ARN), `critical`, `warning` (the aws.sns.Topic resources), `topic_names`,
    `rds_events` (the db-instance subscription) and `rds_group_events` (source type ->
    subscription: db-parameter-group, db-security-group), made only with `database_identifiers`;
    `document_events` (source type -> subscription: db-cluster, db-instance), made for the
    DocumentDB identifiers given.
    """

    def __init__(self, name: str, args: NotificationsArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else NotificationsArgs()
        naming = component_naming("Notifications", name, args)
        if args.key_arn is None:
            raise ValueError(f"Notifications {name!r}: NotificationsArgs.key_arn is required (a "
                             "customer-managed KMS key whose policy lets CloudWatch use it)")
        topic_names: dict[Severity, str] = {
            "critical": args.critical_topic_name or naming.name("critical", max_length=256),
            "warning": args.warning_topic_name or naming.name("warning", max_length=256),
        }
        for severity, topic_name in topic_names.items():
            if not TOPIC_NAME.match(topic_name):
                raise ValueError(f"Notifications {name!r}: NotificationsArgs.{severity}_topic_name "
                                 f"{topic_name!r} is not an SNS topic name (1-256 letters, digits, "
                                 "hyphens and underscores)")
        events_name = args.rds_events_name or naming.name("rds-events", max_length=255)
        if not EVENT_SUBSCRIPTION_NAME.match(events_name):
            raise ValueError(f"Notifications {name!r}: NotificationsArgs.rds_events_name "
                             f"{events_name!r} is not an RDS event subscription name (a letter, "
                             "then letters, digits and hyphens, <= 255)")
        super().__init__("groundwork:monitoring:Notifications", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        databases = list(args.database_identifiers)
        document_sources: dict[str, tuple[list[Input[str]], tuple[str, ...]]] = {
            source_type: (ids, categories) for source_type, ids, categories in (
                ("db-cluster", list(args.document_cluster_identifiers),
                 DOCDB_CLUSTER_EVENT_CATEGORIES),
                ("db-instance", list(args.document_instance_identifiers),
                 DOCDB_INSTANCE_EVENT_CATEGORIES),
            ) if ids}
        self.topics: dict[Severity, aws.sns.Topic] = {}
        self.policies: dict[Severity, aws.sns.TopicPolicy] = {}
        for severity in SEVERITIES:
            physical = topic_names[severity]
            topic = aws.sns.Topic(
                f"{name}-{severity}",
                name=physical,
                display_name=f"{naming.prefix} {severity} alarms"[:100],
                kms_master_key_id=args.key_arn,
                tags=naming.tagged(physical, Severity=severity, Component="notifications"),
                opts=child_opts(self),
            )
            # DocumentDB's events come from the same RDS event service principal.
            rds_events = severity == "critical" and bool(databases or document_sources)

            rules = list(args.event_rule_names) if severity == "critical" else []

            def policy_json(values: list[Any], rds: bool = rds_events,
                            rules: list[str] = rules) -> str:
                return json.dumps(topic_policy(
                    values[0], account_id=values[1], region=account.region,
                    partition=account.partition, dns_suffix=account.dns_suffix, rds_events=rds,
                    event_rules=rules))

            policy = pulumi.Output.all(topic.arn, account.account_id).apply(policy_json)
            self.policies[severity] = aws.sns.TopicPolicy(
                f"{name}-{severity}-policy", arn=topic.arn, policy=policy, opts=child_opts(self))
            self.topics[severity] = topic

        self.subscriptions = self._subscriptions(name, args)
        self.rds_events: aws.rds.EventSubscription | None = None
        self.rds_group_events: dict[str, aws.rds.EventSubscription] = {}
        if databases:
            self.rds_events = aws.rds.EventSubscription(
                f"{name}-rds-events",
                name=events_name,
                sns_topic=self.topics["critical"].arn,
                source_type="db-instance",
                source_ids=databases,
                event_categories=list(RDS_EVENT_CATEGORIES),
                enabled=True,
                tags=naming.tagged(events_name, Component="notifications"),
                # RDS must be allowed to publish before its first event.
                opts=child_opts(self, depends_on=[self.policies["critical"]]),
            )
            self.rds_group_events = self._group_events(name, args, naming)
        self.document_events: dict[str, aws.rds.EventSubscription] = {}
        for source_type, (ids, categories) in document_sources.items():
            part = source_type.removeprefix("db-")  # cluster, instance
            physical = naming.name("docdb", part, "events", max_length=255)
            self.document_events[source_type] = aws.rds.EventSubscription(
                f"{name}-docdb-{part}-events",
                name=physical,
                sns_topic=self.topics["critical"].arn,
                source_type=source_type,
                source_ids=ids,
                event_categories=list(categories),
                enabled=True,
                tags=naming.tagged(physical, Component="notifications"),
                opts=child_opts(self, depends_on=[self.policies["critical"]]),
            )

        self.critical = self.topics["critical"]
        self.warning = self.topics["warning"]
        self.topic_arns: dict[Severity, pulumi.Output[str]] = {
            s: t.arn for s, t in self.topics.items()}
        self.topic_names: dict[Severity, str] = topic_names
        self.register_outputs({"critical_topic_arn": self.critical.arn,
                               "warning_topic_arn": self.warning.arn})

    def _group_events(self, name: str, args: NotificationsArgs,
                      naming: Naming) -> dict[str, aws.rds.EventSubscription]:
        """The parameter-group (RDS.21, scoped to `database_parameter_groups` when given) and
        DB security-group (RDS.22) subscriptions to the critical topic."""
        out: dict[str, aws.rds.EventSubscription] = {}
        for source_type, categories in RDS_GROUP_EVENT_CATEGORIES.items():
            part = source_type.removeprefix("db-")  # parameter-group, security-group
            physical = naming.name("rds", part, "events", max_length=255)
            groups = list(args.database_parameter_groups) if part == "parameter-group" else []
            out[source_type] = aws.rds.EventSubscription(
                f"{name}-rds-{part}-events",
                name=physical,
                sns_topic=self.topics["critical"].arn,
                source_type=source_type,
                source_ids=groups or None,
                event_categories=list(categories),
                enabled=True,
                tags=naming.tagged(physical, Component="notifications"),
                opts=child_opts(self, depends_on=[self.policies["critical"]]),
            )
        return out

    def _subscriptions(self, name: str, args: NotificationsSettings) -> list[aws.sns.TopicSubscription]:
        """E-mail subscriptions per severity (they stay 'pending confirmation' until each
        recipient clicks the link AWS mails), HTTPS endpoints on the critical topic (a pager's
        webhook: the URL is treated as a secret, it usually embeds a token)."""
        subs: list[aws.sns.TopicSubscription] = []
        emails: dict[Severity, list[str]] = {"critical": args.critical_emails,
                                             "warning": args.warning_emails}
        for severity, addresses in emails.items():
            for address in addresses:
                # Named by a hash of the address: reordering the list replaces nothing.
                subs.append(aws.sns.TopicSubscription(
                    f"{name}-{severity}-email-{_short(address.lower())}",
                    topic=self.topics[severity].arn, protocol="email", endpoint=address,
                    opts=child_opts(self)))
        for index, url in enumerate(args.critical_https_endpoints):
            subs.append(aws.sns.TopicSubscription(
                f"{name}-critical-https-{index}",
                topic=self.topics["critical"].arn, protocol="https",
                endpoint=pulumi.Output.secret(url),
                opts=child_opts(self)))
        return subs
