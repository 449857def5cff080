"""`DeployNotices`: ECS deployment state changes of the stack's services, to a deploys topic
(e-mail, Slack through AWS Chatbot), and the `deployment-rolled-back` alarm.

ECS sends "ECS Deployment State Change" events (source `aws.ecs`) to EventBridge, `resources`
= the service's ARN, `detail.eventName` one of (Amazon ECS developer guide, "Amazon ECS service
deployment state change events",
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html):

- `SERVICE_DEPLOYMENT_IN_PROGRESS`: a deployment started, "for both initial deployments and
  rollback deployments. The difference between the two is in the reason field": a rollback's
  reason reads "ECS deployment circuit breaker: rolling back to deploymentId ..." (the page's
  rollback example). One rule per notice of `DEPLOY_EVENTS`: `started` (reason not matching
  `ROLLBACK_REASON`) and `rolled-back` (reason matching it) split those events exactly, with
  EventBridge's `wildcard` and `anything-but` + `wildcard` operators (EventBridge user guide,
  "Comparison operators for use in event patterns",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html);
- `SERVICE_DEPLOYMENT_COMPLETED`: steady state after a deployment (`succeeded`; after a
  rollback, this is the previous revision running again, its reason names the deployment);
- `SERVICE_DEPLOYMENT_FAILED` (`failed`, eventType ERROR): "sent for services with deployment
  circuit breaker logic turned on", which every FargateService has.

UNCONFIRMED: the reason of a rollback that CloudWatch alarms or a blue/green lifecycle hook
started (AWS documents only the circuit breaker's). `ROLLBACK_REASON` matches any reason with
"olling back" in it; whatever the wording, the deployment that failed also sends
SERVICE_DEPLOYMENT_FAILED, so the `failed` notice and the alarm (which counts both rules) still
see it.

Each rule targets the deploys topic with an input transformer that writes an AWS Chatbot custom
notification (`version` 1.0, `source` custom, `content.title` / `description` / `nextSteps`:
Amazon Q Developer in chat applications user guide, "Custom notifications",
https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html): Slack renders it as a
card, an e-mail subscriber reads the same JSON. The topic is this component's own
(`<prefix>-<name>-deploys`, encrypted with the notifications key, whose policy must let
`events.amazonaws.com` use it: `EncryptionKeySettings.eventbridge_publishes`), its policy
letting EventBridge publish for exactly these rules of this account; or a topic given
(`topic_arn`: its policy and key are the caller's). Chatbot subscribes to the topic as a
subscriber: SNS decrypts before it delivers, so the key needs no Chatbot statement.

The alarm `deployment-rolled-back` (components/alarm_names.py; severity there) is a CloudWatch
alarm on AWS/Events `TriggeredRules` of the `rolled-back` and `failed` rules (RuleName = each
rule's name output: the default event bus's metrics carry RuleName alone; EventBridge user
guide, "Monitoring Amazon EventBridge",
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html), >= 1 in 5
minutes, so a rollback is in the alarm list and on the dashboard, not only in a mailbox.

`DeployNotices(name, DeployNoticesArgs(service_arns=[...], key_arn=..., alarm_topic_arns=...,
account_id=...))`. Rules `<prefix>-<name>-<notice>` (64 characters at most).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator

from groundwork.components.alarm_names import Severity
from groundwork.components.alarms.base import (
    AlarmFactory,
    AlarmOverride,
    AlarmSpec,
    CreatedAlarm,
    Expression,
    Metric,
)
from groundwork.components.alarms.notifications import EMAIL, TOPIC_NAME
from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import (
    AccountContext,
    Naming,
    account_for,
    child_opts,
    component_naming,
    tls_only_statement,
)

EVENT_SOURCE = "aws.ecs"
DETAIL_TYPE = "ECS Deployment State Change"
ROLLBACK_REASON = "*olling back*"
"""What a rollback deployment's reason contains ("ECS deployment circuit breaker: rolling back
to deploymentId ..."), as an EventBridge wildcard (case-sensitive: "olling" takes "rolling" and
"Rolling")."""
RULE_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
"""EventBridge's rule-name rule (PutRule: 1-64 of letters, digits, `.`, `-`, `_`)."""
INPUT_TEMPLATE_MAX = 8192
SLACK_TEAM_ID = re.compile(r"^T[A-Z0-9]{2,}$")
"""A Slack workspace id (T0...; Chatbot's API takes [0-9A-Z]{1,255}, Slack's workspace ids
start with T)."""
SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
"""A Slack channel id (C... public or private; G... private channels made before 2021; the
last part of the channel's link). DMs (D...) can't host Chatbot."""
CONFIGURATION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
"""Chatbot's configuration-name rule (botocore chatbot CreateSlackChannelConfiguration)."""
GUARDRAIL_POLICY = "CloudWatchReadOnlyAccess"
"""The AWS-managed policy that caps what anyone in the Slack channel can do through Chatbot
(without a guardrail Chatbot applies AdministratorAccess): CloudWatch reads only."""
CHATBOT_REGIONS = ("us-east-2", "us-west-2", "eu-west-1", "ap-southeast-1")
"""The only regions with a Chatbot API (Amazon Q Developer in chat applications endpoints,
https://docs.aws.amazon.com/general/latest/gr/chatbot.html): the provider's region elsewhere,
e.g. us-east-1, has no chatbot endpoint and CreateSlackChannelConfiguration fails to connect.
A configuration delivers from topics in any region."""
CHATBOT_ROLE_ACTIONS = ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"]
"""The channel role: Chatbot's "Notification permissions" template (render CloudWatch graphs in
a notification), nothing else."""
ALARM_KEY = "deployment-rolled-back"
ALARM_SCOPE = "services"
"""Scope of the alarm's name: `<prefix>-<name>-services-deployment-rolled-back`."""
ALARM_PERIOD = 300
RUNBOOK = "docs/alarms.md"


@dataclass(frozen=True)
class DeployEvent:
    """One notice: the ECS event name it matches, and (IN_PROGRESS only) whether its reason must
    or must not be a rollback's."""

    key: str
    event_name: str
    rollback: bool | None
    """True: reason matches ROLLBACK_REASON; False: it doesn't; None: not filtered."""
    title: str
    next_steps: tuple[str, ...]


DEPLOY_EVENTS: tuple[DeployEvent, ...] = (
    DeployEvent("started", "SERVICE_DEPLOYMENT_IN_PROGRESS", False, "Deploy started", (
        "Watch it in the ECS console (service, Deployments tab).",)),
    DeployEvent("succeeded", "SERVICE_DEPLOYMENT_COMPLETED", None, "Deploy reached steady state", (
        "After a rolled-back notice, this is the previous revision running again.",)),
    DeployEvent("rolled-back", "SERVICE_DEPLOYMENT_IN_PROGRESS", True, "Deploy rolled back", (
        "ECS is returning the service to its last completed deployment: no rollback command is "
        "needed.",
        "Find why in the failed deployment (ECS console, Deployments) and the hook's or the "
        "tasks' logs; runbook docs/alarms.md#deployment-rolled-back.")),
    DeployEvent("failed", "SERVICE_DEPLOYMENT_FAILED", None, "Deploy failed", (
        "Read the reason; with a completed deployment to return to, ECS rolls back by itself.",
        "Runbook docs/alarms.md#deployment-rolled-back.")),
)
"""The notices, in rule-creation order (a test pins them to the ECS event names)."""
NOTICES = tuple(e.key for e in DEPLOY_EVENTS)


def event_pattern(event: DeployEvent, service_arns: Sequence[str], *,
                  account_id: str) -> dict[str, Any]:
    """The rule's event pattern (pure): this account's ECS deployment events of exactly these
    services (resources = their ARNs) with the notice's eventName (and reason filter)."""
    detail: dict[str, Any] = {"eventName": [event.event_name]}
    if event.rollback is True:
        detail["reason"] = [{"wildcard": ROLLBACK_REASON}]
    elif event.rollback is False:
        detail["reason"] = [{"anything-but": {"wildcard": ROLLBACK_REASON}}]
    return {"source": [EVENT_SOURCE], "account": [account_id], "detail-type": [DETAIL_TYPE],
            "resources": list(service_arns), "detail": detail}


INPUT_PATHS = {"service": "$.resources[0]", "deployment": "$.detail.deploymentId",
               "reason": "$.detail.reason", "event": "$.detail.eventName", "time": "$.time"}
"""Every one is in every ECS deployment event (the guide's examples)."""


def input_template(event: DeployEvent, *, environment: str,
                   runbook_url: str | None = None) -> str:
    """The message (pure): an AWS Chatbot custom notification naming the environment, the
    service, the deployment id and ECS's reason (runbook links on `runbook_url`)."""
    steps = [step.replace(f"{RUNBOOK}#", f"{runbook_url or RUNBOOK}#") for step in event.next_steps]
    body = {
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": f"{event.title}: {environment}",
            "description": ("*Service:* <service>\n*Deployment:* <deployment>\n"
                            "*Reason:* <reason>\n*Event:* <event> at <time>"),
            "nextSteps": steps,
        },
        "metadata": {"threadId": "<deployment>", "summary": f"{event.title}: <service>",
                     "eventType": event.key},
    }
    for text in (environment, event.title, *event.next_steps):
        if "<" in text or ">" in text:  # pragma: no cover - the texts above have none
            raise ValueError(f"{event.key}: '<' and '>' start input-template placeholders")
    template = json.dumps(body)
    if len(template) > INPUT_TEMPLATE_MAX:  # pragma: no cover
        raise ValueError(f"{event.key}: input template over {INPUT_TEMPLATE_MAX} characters")
    return template


def rule_names(naming: Naming) -> dict[str, str]:
    """Notice -> rule name, `<prefix>-<notice>` within 64 characters (pure)."""
    return {e.key: naming.name(e.key, max_length=64) for e in DEPLOY_EVENTS}


def rule_arn(name: str, *, region: str, account_id: str, partition: str = "aws") -> str:
    """A default-bus rule's ARN."""
    return f"arn:{partition}:events:{region}:{account_id}:rule/{name}"


def deploys_topic_policy(topic_arn: str, rule_arns: Sequence[str], *, account_id: str,
                         partition: str = "aws",
                         dns_suffix: str = "amazonaws.com") -> dict[str, Any]:
    """The deploys topic's policy (pure): the account manages it; EventBridge may publish only
    for exactly `rule_arns` of this account; nothing over plain HTTP."""
    return {"Version": "2012-10-17", "Id": "groundwork-deploys-topic", "Statement": [
        {"Sid": "AccountOwnerManagesTopic", "Effect": "Allow",
         "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
         "Action": ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission",
                    "sns:RemovePermission", "sns:DeleteTopic", "sns:Subscribe",
                    "sns:ListSubscriptionsByTopic", "sns:Publish"],
         "Resource": topic_arn},
        {"Sid": "DeployRulesPublish", "Effect": "Allow",
         "Principal": {"Service": f"events.{dns_suffix}"}, "Action": "sns:Publish",
         "Resource": topic_arn,
         "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                       "ArnEquals": {"aws:SourceArn": list(rule_arns)}}},
        tls_only_statement("sns:Publish", topic_arn),
    ]}


def chatbot_trust_policy(*, dns_suffix: str = "amazonaws.com") -> dict[str, Any]:
    """Who may assume the channel role: AWS Chatbot only."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": f"chatbot.{dns_suffix}"},
        "Action": "sts:AssumeRole"}]}


def chatbot_role_policy() -> dict[str, Any]:
    """The channel role's permissions: CloudWatch reads for notifications (pure)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "NotificationsRead", "Effect": "Allow", "Action": list(CHATBOT_ROLE_ACTIONS),
        "Resource": "*"}]}


def chatbot_region(region: str) -> str:
    """Where the Slack channel configuration is managed (pure): the stack's region when Chatbot
    has an API there, else us-east-2 (where its console lives)."""
    return region if region in CHATBOT_REGIONS else CHATBOT_REGIONS[0]


def notices_naming(name: str, name_prefix: str = "") -> Naming:
    """The naming of the `DeployNotices` named `name` built with `name_prefix` (what the
    component derives)."""
    return component_naming("DeployNotices", name, ComponentArgs(name_prefix=name_prefix))


def rolled_back_alarm_spec(rule_name_outputs: Mapping[str, Input[str]]) -> AlarmSpec:
    """The `deployment-rolled-back` alarm (pure): the rolled-back and failed rules' triggers
    summed per 5 minutes, ALARM at >= 1. TriggeredRules is published only when a rule fires, so
    FILL(.., 0) and missing data not breaching: a quiet week is OK."""
    metrics = {q: Metric("AWS/Events", "TriggeredRules", {"RuleName": rule_name_outputs[key]},
                         "Sum", ALARM_PERIOD)
               for q, key in (("rolled", "rolled-back"), ("failed", "failed"))}
    return AlarmSpec(
        key=ALARM_KEY, scope=ALARM_SCOPE,
        watches="the ECS deployments of the stack's services (the rolled-back and failed "
                "deploy-notice rules)",
        metric=Expression("FILL(rolled, 0) + FILL(failed, 0)",
                          "deployments rolled back or failed", metrics),
        comparison=">=", threshold=1, treat_missing_data="notBreaching",
        threshold_note="one rollback or failed deployment")


class SlackSettings(ArgsModel):
    """The Slack channel AWS Chatbot posts the notices to (the workspace must be authorised in
    the Chatbot console once, by a Slack admin, before the first deploy)."""

    team_id: str = Field("", validate_default=True)
    """The Slack workspace id, T followed by capitals and digits (no default: required; the
    Chatbot console shows it once the workspace is authorised)."""
    channel_id: str = Field("", validate_default=True)
    """The channel id, C (or G) followed by capitals and digits (no default: required; the end
    of the channel's 'Copy link'). Invite @Amazon Q to a private channel."""

    @field_validator("team_id")
    @classmethod
    def _team(cls, v: str) -> str:
        if not SLACK_TEAM_ID.match(v):
            raise ValueError(f"{v!r} is not a Slack workspace id (T then capitals and digits, "
                             "e.g. T07EA123LEP: the Chatbot console lists it)")
        return v

    @field_validator("channel_id")
    @classmethod
    def _channel(cls, v: str) -> str:
        if not SLACK_CHANNEL_ID.match(v):
            raise ValueError(f"{v!r} is not a Slack channel id (C or G then capitals and "
                             "digits, e.g. C07EZ1ABC23: the end of the channel's link)")
        return v


class DeployNoticesSettings(ArgsModel):
    """Who hears about deployments."""

    emails: list[str] = Field(default_factory=list)
    """E-mail addresses subscribed to the deploys topic (default none: the topic and rules
    exist, subscribe later; each address must confirm AWS's mail)."""
    slack: SlackSettings | None = None
    """A Slack channel through AWS Chatbot, `{team_id, channel_id}` (default none: no Chatbot
    configuration)."""

    @field_validator("emails")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        bad = [e for e in v if not re.match(EMAIL, e)]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))} is not an e-mail address")
        if len({e.lower() for e in v}) != len(v):
            raise ValueError("lists an address twice")
        return v


class DeployNoticesArgs(ComponentArgs, DeployNoticesSettings):
    """Everything `DeployNotices` takes: the services, the topic (or the key for its own), the
    alarm's topics."""

    service_arns: Sequence[Input[str]] = ()
    """ARNs of the ECS services whose deployments are reported (no default: at least one, e.g.
    `[s.service.arn for s in services]`, the FargateServices' ECS services)."""
    topic_arn: Input[str] | None = None
    """An existing topic to notify (default none: the component's own `<prefix>-<name>-deploys`
    on `key_arn`). A given topic's policy must let EventBridge publish for `rule_names` and its
    key must let events.amazonaws.com use it."""
    key_arn: Input[str] | None = None
    """KMS key of the own topic (required without `topic_arn`, e.g. the notifications key with
    `eventbridge_publishes`)."""
    topic_name: str = ""
    """Name of the own topic (default "": `<prefix>-<name>-deploys`)."""
    alarm_topic_arns: Mapping[Severity, Input[str]] | None = None
    """Severity -> SNS topic of the `deployment-rolled-back` alarm (required, e.g.
    `Notifications.topic_arns`; the catalog's severity picks one)."""
    overrides: Mapping[str, AlarmOverride] = Field(default_factory=dict)
    """`alarms.overrides` (only `deployment-rolled-back` applies here; default none)."""
    runbook_url: str | None = None
    """Base URL of the runbook the alarm links (default docs/alarms.md)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class DeployNotices(pulumi.ComponentResource):
    """EventBridge rules on the services' ECS deployment events, to the deploys topic, its
    subscribers, and the rolled-back alarm.

    Outputs: `rules` / `targets` (notice -> resource), `rule_names`, `topic_arn`, `topic` and
    `topic_policy` (None with a given topic), `subscriptions`, `chatbot` (None without Slack),
    `chatbot_role`, `alarm` (CreatedAlarm, None when overridden off).
    """

    def __init__(self, name: str, args: DeployNoticesArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else DeployNoticesArgs()
        naming = component_naming("DeployNotices", name, args)
        services = list(args.service_arns)
        if not services:
            raise ValueError(f"DeployNotices {name!r}: DeployNoticesArgs.service_arns is empty; "
                             "name the ECS services' ARNs (e.g. the FargateServices' "
                             "service.arn)")
        if args.topic_arn is None and args.key_arn is None:
            raise ValueError(f"DeployNotices {name!r}: DeployNoticesArgs.key_arn is required "
                             "without topic_arn (the notifications key of the own deploys "
                             "topic, with eventbridge_publishes)")
        if args.topic_arn is not None and args.topic_name:
            raise ValueError(f"DeployNotices {name!r}: DeployNoticesArgs.topic_name names the "
                             "own topic; with topic_arn there is none")
        if not args.alarm_topic_arns:
            raise ValueError(f"DeployNotices {name!r}: DeployNoticesArgs.alarm_topic_arns is "
                             "required (severity -> topic ARN, e.g. Notifications.topic_arns)")
        topic_name = args.topic_name or naming.name("deploys", max_length=256)
        if not TOPIC_NAME.match(topic_name):
            raise ValueError(f"DeployNotices {name!r}: DeployNoticesArgs.topic_name "
                             f"{topic_name!r} is not an SNS topic name (1-256 letters, digits, "
                             "hyphens and underscores)")
        names = rule_names(naming)
        for rule_name in names.values():
            if not RULE_NAME.match(rule_name):  # pragma: no cover - Naming keeps to the rule
                raise ValueError(f"DeployNotices {name!r}: {rule_name!r} is not a rule name")
        chatbot_name = naming.name("slack", max_length=128)
        if args.slack is not None and not CONFIGURATION_NAME.match(chatbot_name):
            raise ValueError(f"DeployNotices {name!r}: Chatbot configuration name "  # pragma: no cover
                             f"{chatbot_name!r} breaks Chatbot's rule")
        super().__init__("groundwork:monitoring:DeployNotices", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        dns = "amazonaws.com.cn" if account.partition == "aws-cn" else "amazonaws.com"

        self.topic: aws.sns.Topic | None = None
        self.topic_policy: aws.sns.TopicPolicy | None = None
        if args.topic_arn is None:
            self.topic = aws.sns.Topic(
                f"{name}-deploys", name=topic_name,
                display_name=f"{naming.prefix} deploys"[:100],
                kms_master_key_id=args.key_arn,
                tags=naming.tagged(topic_name, Component="deploy-notices"),
                opts=child_opts(self))

            def policy(values: list[Any]) -> str:
                arn, acct = values
                arns = [rule_arn(n, region=account.region, account_id=acct,
                                 partition=account.partition) for n in names.values()]
                return json.dumps(deploys_topic_policy(arn, arns, account_id=acct,
                                                       partition=account.partition,
                                                       dns_suffix=dns))

            self.topic_policy = aws.sns.TopicPolicy(
                f"{name}-deploys-policy", arn=self.topic.arn,
                policy=pulumi.Output.all(self.topic.arn, account.account_id).apply(policy),
                opts=child_opts(self))
            topic_arn: Input[str] = self.topic.arn
        else:
            topic_arn = args.topic_arn
        self.topic_arn: pulumi.Output[str] = pulumi.Output.from_input(topic_arn)

        environment = args.name_prefix or naming.prefix
        self.rules: dict[str, aws.cloudwatch.EventRule] = {}
        self.targets: dict[str, aws.cloudwatch.EventTarget] = {}
        after_policy = [self.topic_policy] if self.topic_policy is not None else []
        for event in DEPLOY_EVENTS:
            def pattern(values: list[Any], e: DeployEvent = event) -> str:
                return json.dumps(event_pattern(e, values[1:], account_id=values[0]))

            physical = names[event.key]
            rule = aws.cloudwatch.EventRule(
                f"{name}-{event.key}", name=physical,
                description=f"ECS deployment notice: {event.title.lower()} "
                            f"({event.event_name})"[:512],
                event_pattern=pulumi.Output.all(account.account_id, *services).apply(pattern),
                state="ENABLED",
                tags=naming.tagged(physical, Component="deploy-notices", Notice=event.key),
                opts=child_opts(self))
            self.targets[event.key] = aws.cloudwatch.EventTarget(
                f"{name}-{event.key}-target", rule=rule.name, target_id="deploys-topic",
                arn=topic_arn,
                input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                    input_paths=dict(INPUT_PATHS),
                    input_template=input_template(event, environment=environment,
                                                  runbook_url=args.runbook_url)),
                # EventBridge must be allowed to publish before the first event
                opts=child_opts(self, depends_on=after_policy))
            self.rules[event.key] = rule
        self.rule_names: dict[str, str] = names

        self.subscriptions: list[aws.sns.TopicSubscription] = [
            aws.sns.TopicSubscription(
                f"{name}-email-{_short(address.lower())}", topic=topic_arn, protocol="email",
                endpoint=address, opts=child_opts(self))
            for address in args.emails]
        self.chatbot: aws.chatbot.SlackChannelConfiguration | None = None
        self.chatbot_role: aws.iam.Role | None = None
        if args.slack is not None:
            self._slack(name, naming, args.slack, topic_arn, chatbot_name,
                        partition=account.partition, dns=dns, region=account.region)

        factory = AlarmFactory(parent=self, name=name, naming=naming,
                               topics=dict(args.alarm_topic_arns), region=account.region,
                               overrides=dict(args.overrides), runbook_url=args.runbook_url)
        self.alarm: CreatedAlarm | None = factory.create(rolled_back_alarm_spec(
            {k: r.name for k, r in self.rules.items()}))
        self.register_outputs({"rule_names": names, "topic_arn": self.topic_arn})

    def _slack(self, name: str, naming: Naming, slack: SlackSettings, topic_arn: Input[str],
               configuration_name: str, *, partition: str, dns: str, region: str) -> None:
        """The channel role (trusts Chatbot; CloudWatch reads) and the Slack channel
        configuration on the topic, capped by the read-only guardrail."""
        role_name = naming.name("chatbot", max_length=64)
        self.chatbot_role = aws.iam.Role(
            f"{name}-chatbot-role", name=role_name,
            assume_role_policy=json.dumps(chatbot_trust_policy(dns_suffix=dns)),
            description="AWS Chatbot channel role of the deploy notices (CloudWatch reads)",
            tags=naming.tagged(role_name, Component="deploy-notices"),
            opts=child_opts(self))
        aws.iam.RolePolicy(
            f"{name}-chatbot-policy", role=self.chatbot_role.id,
            policy=json.dumps(chatbot_role_policy()), opts=child_opts(self))
        self.chatbot = aws.chatbot.SlackChannelConfiguration(
            f"{name}-slack", configuration_name=configuration_name,
            iam_role_arn=self.chatbot_role.arn,
            slack_team_id=slack.team_id, slack_channel_id=slack.channel_id,
            sns_topic_arns=[topic_arn],
            guardrail_policy_arns=[f"arn:{partition}:iam::aws:policy/{GUARDRAIL_POLICY}"],
            logging_level="ERROR",
            region=chatbot_region(region),
            tags=naming.tagged(configuration_name, Component="deploy-notices"),
            opts=child_opts(self))
