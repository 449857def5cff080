"""Deploy notices (components/alarms/deployments.py): the EventBridge rules on the services' ECS
deployment events, their deploys topic and its policy, e-mail and Slack (AWS Chatbot)
subscribers, the deployment-rolled-back alarm, and the config that turns them on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import policy_doc, tags_of
from hypothesis import given
from hypothesis import strategies as st

from groundwork.components.alarm_names import ALARMS, CATALOG, EVENT_NOTICES
from groundwork.components.alarms import deployments as dn
from groundwork.components.alarms.deployments import (
    DEPLOY_EVENTS,
    DeployNotices,
    DeployNoticesArgs,
)
from groundwork.components.kms import key_policy
from groundwork.stacks.config import ConfigError, load_environment
from groundwork.testing import PlanResult, ResourceRecord, plan_stack

ROOT = Path(__file__).resolve().parents[1]
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SERVICE = "aws:ecs/service:Service"
SLACK = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY = "aws:kms/key:Key"
EMAILS = ["releases@example.com", "oncall@example.org"]
SLACK_IDS = {"team_id": "T07EA123LEP", "channel_id": "C07EZ1ABC23"}


@pytest.fixture(scope="module")
def prod_slack() -> PlanResult:
    """prod with e-mail and Slack subscribers (and CI: the deploy role must manage Chatbot)."""
    from test_github_deploy_role import CI

    return plan_stack("prod", overrides={
        "ci": CI, "alarms": {"deploy_notices": {"emails": EMAILS, "slack": SLACK_IDS}}})


def _ours(plan: PlanResult, type_: str) -> list[ResourceRecord]:
    return [r for r in plan.of_type(type_) if r.name.startswith("deploy-notices")]


def _rules(plan: PlanResult) -> dict[str, ResourceRecord]:
    return {r.name.removeprefix("deploy-notices-"): r for r in _ours(plan, RULE)}


def _service_arns(plan: PlanResult) -> list[str]:
    return [s.outputs["arn"] for s in plan.of_type(SERVICE)]


# --------------------------------------------------------------------------------------------
# pure: the patterns and the catalog
# --------------------------------------------------------------------------------------------


def test_the_notices_are_the_ecs_deployment_event_names():
    """AWS's three eventNames; IN_PROGRESS split on the reason into started and rolled back."""
    assert [(e.key, e.event_name, e.rollback) for e in DEPLOY_EVENTS] == [
        ("started", "SERVICE_DEPLOYMENT_IN_PROGRESS", False),
        ("succeeded", "SERVICE_DEPLOYMENT_COMPLETED", None),
        ("rolled-back", "SERVICE_DEPLOYMENT_IN_PROGRESS", True),
        ("failed", "SERVICE_DEPLOYMENT_FAILED", None)]
    pattern = dn.event_pattern(DEPLOY_EVENTS[2], ["arn:svc"], account_id="111122223333")
    assert pattern == {"source": ["aws.ecs"], "account": ["111122223333"],
                       "detail-type": ["ECS Deployment State Change"], "resources": ["arn:svc"],
                       "detail": {"eventName": ["SERVICE_DEPLOYMENT_IN_PROGRESS"],
                                  "reason": [{"wildcard": "*olling back*"}]}}


def _wildcard(pattern: str, value: str) -> bool:
    """EventBridge's wildcard: `*` any run of characters, everything else literal."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), value, re.S) is not None


def _reason_matches(event: dn.DeployEvent, reason: str) -> bool:
    [condition] = dn.event_pattern(event, [], account_id="1")["detail"]["reason"]
    if "anything-but" in condition:
        return not _wildcard(condition["anything-but"]["wildcard"], reason)
    return _wildcard(condition["wildcard"], reason)


@given(st.text(max_size=80) | st.sampled_from([
    "ECS deployment ecs-svc/123 in progress.",
    "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/456.",
    "Rolling back to deploymentId ecs-svc/456"]))
def test_every_in_progress_event_is_exactly_one_of_started_and_rolled_back(reason):
    started, _, rolled_back, _ = DEPLOY_EVENTS
    assert _reason_matches(started, reason) != _reason_matches(rolled_back, reason)


def test_the_circuit_breakers_rollback_reason_is_a_rollback_and_a_new_deploy_is_not():
    """The reasons of the AWS page's two IN_PROGRESS examples."""
    started, _, rolled_back, _ = DEPLOY_EVENTS
    assert _reason_matches(rolled_back, "ECS deployment circuit breaker: rolling back to "
                                        "deploymentId deploymentID.")
    assert _reason_matches(started, "ECS deployment deploymentId in progress.")


def test_the_message_is_a_chatbot_custom_notification_with_service_deployment_and_reason():
    template = dn.input_template(DEPLOY_EVENTS[2], environment="groundwork-prod",
                                 runbook_url="https://runbooks.example.com/gw")
    body = json.loads(template)
    assert (body["version"], body["source"], body["content"]["textType"]) == (
        "1.0", "custom", "client-markdown")
    assert body["content"]["title"] == "Deploy rolled back: groundwork-prod"
    for var in ("<service>", "<deployment>", "<reason>"):
        assert var in body["content"]["description"]
    assert set(re.findall(r"<([a-z]+)>", template)) == set(dn.INPUT_PATHS)
    assert any("https://runbooks.example.com/gw#deployment-rolled-back" in step
               for step in body["content"]["nextSteps"])


def test_the_alarm_is_in_the_catalog_with_a_runbook_section():
    kind = ALARMS["deployment-rolled-back"]
    assert (kind.family, kind.severity, kind.source) == ("deploy", "warning", "metric")
    assert "deployment-rolled-back" in CATALOG and "deployment-rolled-back" not in EVENT_NOTICES
    section = (ROOT / "docs/alarms.md").read_text().split("### deployment-rolled-back", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert "First:" in section and "`groundwork rollback` is not needed" in section
    assert "/aws/lambda/" in section  # where the failing hook's log is
    ops = (ROOT / "docs/operations.md").read_text().split("### Deploy notices", 1)[1]
    assert "authorises the workspace" in ops and "can't be done by Pulumi" in ops


def test_the_notifications_key_lets_eventbridge_publish_only_for_this_account():
    statements = {s["Sid"]: s for s in key_policy(
        "notifications", account_id="111122223333", region="us-east-1",
        eventbridge=True)["Statement"]}
    rule = statements["EventBridgeRulesPublish"]
    assert rule["Principal"] == {"Service": "events.amazonaws.com"}
    assert rule["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}


# --------------------------------------------------------------------------------------------
# prod: rules, topic, policy, alarm
# --------------------------------------------------------------------------------------------


def test_prod_rules_match_exactly_the_stacks_services(prod):
    rules = _rules(prod)
    assert list(rules) == ["started", "succeeded", "rolled-back", "failed"]
    services = _service_arns(prod)
    assert len(services) == 2
    [key] = [k for k in prod.of_type(KEY) if k.name == "kms-notifications-key"]
    account = key.outputs["arn"].split(":")[4]
    for event in DEPLOY_EVENTS:
        rule = rules[event.key]
        assert rule.inputs["name"] == f"groundwork-prod-deploy-notices-{event.key}"
        assert json.loads(rule.inputs["eventPattern"]) == dn.event_pattern(
            event, services, account_id=account)
        assert rule.inputs["state"] == "ENABLED"


def test_prod_targets_are_the_deploys_topic_with_the_readable_message(prod):
    [topic] = _ours(prod, TOPIC)
    assert topic.inputs["name"] == "groundwork-prod-deploys"
    [key] = [k for k in prod.of_type(KEY) if k.name == "kms-notifications-key"]
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    rules = _rules(prod)
    targets = {t.name.removeprefix("deploy-notices-").removesuffix("-target"): t
               for t in _ours(prod, TARGET)}
    assert set(targets) == set(rules)
    for notice, target in targets.items():
        assert target.inputs["arn"] == topic.outputs["arn"]
        assert target.inputs["rule"] == rules[notice].outputs["name"]
        transformer = target.inputs["inputTransformer"]
        assert transformer["inputPaths"] == dn.INPUT_PATHS
        body = json.loads(transformer["inputTemplate"])
        assert body["content"]["title"].endswith(": groundwork-prod")
    # the key lets EventBridge use it (the topic's target would fail silently otherwise)
    sids = {s["Sid"] for s in policy_doc(key)["Statement"]}
    assert "EventBridgeRulesPublish" in sids


def test_prod_topic_policy_lets_eventbridge_publish_for_exactly_the_rules(prod):
    [policy] = _ours(prod, TOPIC_POLICY)
    [topic] = _ours(prod, TOPIC)
    doc = policy_doc(policy)
    statements = {s["Sid"]: s for s in doc["Statement"]}
    publish = statements["DeployRulesPublish"]
    assert publish["Principal"] == {"Service": "events.amazonaws.com"}
    assert publish["Resource"] == topic.outputs["arn"]
    assert sorted(publish["Condition"]["ArnEquals"]["aws:SourceArn"]) == sorted(
        r.outputs["arn"] for r in _rules(prod).values())
    account = topic.outputs["arn"].split(":")[4]
    assert publish["Condition"]["StringEquals"] == {"aws:SourceAccount": account}
    assert statements["DenyInsecureTransport"]["Effect"] == "Deny"
    # no other service may publish
    assert [s["Principal"] for s in doc["Statement"] if s["Effect"] == "Allow"] == [
        {"AWS": f"arn:aws:iam::{account}:root"}, {"Service": "events.amazonaws.com"}]


def test_prod_rolled_back_alarm_counts_the_rolled_back_and_failed_rules(prod):
    [alarm] = [a for a in prod.of_type(ALARM) if tags_of(a)["AlarmKey"] == "deployment-rolled-back"]
    rules = _rules(prod)
    assert alarm.inputs["name"] == "groundwork-prod-deploy-notices-services-deployment-rolled-back"
    queries = {q["id"]: q for q in alarm.inputs["metricQueries"]}
    assert queries["result"]["expression"] == "FILL(rolled, 0) + FILL(failed, 0)"
    for qid, notice in (("rolled", "rolled-back"), ("failed", "failed")):
        metric = queries[qid]["metric"]
        assert (metric["namespace"], metric["metricName"], metric["stat"], metric["period"]) == (
            "AWS/Events", "TriggeredRules", "Sum", 300)
        assert metric["dimensions"] == {"RuleName": rules[notice].outputs["name"]}
    assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"],
            alarm.inputs["evaluationPeriods"], alarm.inputs["treatMissingData"]) == (
        "GreaterThanOrEqualToThreshold", 1, 1, "notBreaching")
    warning = [t for t in prod.of_type(TOPIC) if t.inputs["name"] == "groundwork-prod-alarms-warning"]
    assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [warning[0].outputs["arn"]]
    assert alarm.inputs["alarmDescription"].endswith("docs/alarms.md#deployment-rolled-back")
    # on the dashboard's alarm list
    [dashboard] = prod.of_type("aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(dashboard.inputs["dashboardBody"])
    listed = [a for w in body["widgets"] if w["type"] == "alarm" for a in w["properties"]["alarms"]]
    assert alarm.outputs["arn"] in listed


def test_prod_has_no_subscribers_or_chatbot_by_default(prod, dev):
    for plan in (prod, dev):
        assert _ours(plan, SUBSCRIPTION) == [] and plan.of_type(SLACK) == []
        assert len(_rules(plan)) == 4  # dev is on too


# --------------------------------------------------------------------------------------------
# e-mail and Slack (one override plan)
# --------------------------------------------------------------------------------------------


def test_emails_subscribe_to_the_deploys_topic(prod_slack):
    [topic] = _ours(prod_slack, TOPIC)
    subs = _ours(prod_slack, SUBSCRIPTION)
    assert sorted(s.inputs["endpoint"] for s in subs) == sorted(EMAILS)
    assert {(s.inputs["protocol"], s.inputs["topic"]) for s in subs} == {
        ("email", topic.outputs["arn"])}


def test_slack_channel_configuration_its_role_and_guardrail(prod_slack):
    [topic] = _ours(prod_slack, TOPIC)
    [slack] = prod_slack.of_type(SLACK)
    assert (slack.inputs["slackTeamId"], slack.inputs["slackChannelId"]) == (
        SLACK_IDS["team_id"], SLACK_IDS["channel_id"])
    assert slack.inputs["configurationName"] == "groundwork-prod-deploy-notices-slack"
    assert slack.inputs["snsTopicArns"] == [topic.outputs["arn"]]
    assert slack.inputs["guardrailPolicyArns"] == [
        "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]  # never the default AdministratorAccess
    [role] = [r for r in prod_slack.of_type(ROLE) if r.name == "deploy-notices-chatbot-role"]
    assert slack.inputs["iamRoleArn"] == role.outputs["arn"]
    trust = policy_doc(role, "assumeRolePolicy")
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {
        "Service": "chatbot.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    [inline] = [p for p in prod_slack.of_type(ROLE_POLICY) if p.name == "deploy-notices-chatbot-policy"]
    actions = {a for s in policy_doc(inline)["Statement"] for a in s["Action"]}
    assert actions == {"cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"}
    assert prod_slack.name_clashes == []
    # prod is in us-east-1, where Chatbot has no API endpoint: the configuration is managed in
    # a region that has one (https://docs.aws.amazon.com/general/latest/gr/chatbot.html)
    assert slack.inputs["region"] == "us-east-2"


@given(st.sampled_from(["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1",
                        "eu-central-1", "ap-southeast-1", "ap-northeast-1", "sa-east-1"]))
def test_the_chatbot_configuration_lives_where_chatbot_has_an_api(region):
    where = dn.chatbot_region(region)
    assert where in ("us-east-2", "us-west-2", "eu-west-1", "ap-southeast-1")
    assert where == region or region not in dn.CHATBOT_REGIONS


def test_the_policy_pack_passes_the_slack_plan(prod_slack):
    """The new types (Chatbot configuration, its role, the deploys topic and subscriptions) meet
    every mandatory rule (tags, encryption, topic policy not public...)."""
    from groundwork.check import check_plan

    result = check_plan(prod_slack)
    assert [(v.policy, v.resource_name) for v in result.mandatory] == []
    assert [(v.policy, v.resource_name) for v in result.advisory
            if v.resource_name.startswith("deploy-notices")] == []


def test_the_deploy_role_may_manage_the_chatbot_configuration(prod_slack):
    from test_github_deploy_role import _steps, allowed, policies_of

    policies = policies_of(prod_slack)
    steps, unknown = _steps(prod_slack)
    assert unknown == set()
    mine = [(what, action, arn, ctx) for what, action, arn, ctx in steps
            if what.startswith(("SlackChannelConfiguration", "EventRule deploy-notices",
                                "EventTarget deploy-notices", "Topic deploy-notices"))]
    assert len(mine) > 20
    assert [(w, a, arn) for w, a, arn, ctx in mine if not allowed(policies, a, arn, ctx)] == []
    # but another stack's configuration, or passing the role to another service, is refused
    [slack] = prod_slack.of_type(SLACK)
    other = slack.outputs["arn"].replace("groundwork-prod-", "groundwork-dev-")
    assert not allowed(policies, "chatbot:DeleteSlackChannelConfiguration", other,
                       {"aws:RequestedRegion": "us-east-1"})
    assert not allowed(policies, "iam:PassRole",
                       slack.inputs["iamRoleArn"].replace("groundwork-prod-", "groundwork-dev-"),
                       {"iam:PassedToService": "chatbot.amazonaws.com",
                        "aws:RequestedRegion": "us-east-1"})


# --------------------------------------------------------------------------------------------
# bad config and bad Args
# --------------------------------------------------------------------------------------------


def _problems(notices: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_environment({"profile": "dev", "tags": {"Owner": "t"},
                          "alarms": {"deploy_notices": notices}}, stack="t", region="us-east-1")
    return info.value.problems


@pytest.mark.parametrize(("notices", "key", "says"), [
    ({"emails": ["releases.example.com"]}, "deploy_notices.emails", "not an e-mail address"),
    ({"emails": ["a@example.com", "A@example.com"]}, "deploy_notices.emails", "twice"),
    ({"slack": {"team_id": "t07ea123lep", "channel_id": "C07EZ1ABC23"}},
     "deploy_notices.slack.team_id", "not a Slack workspace id"),
    ({"slack": {"team_id": "T07EA123LEP", "channel_id": "D024BE91L"}},
     "deploy_notices.slack.channel_id", "not a Slack channel id"),
    ({"slack": {"team_id": "T07EA123LEP"}}, "deploy_notices.slack.channel_id", "not a Slack"),
    ({"slack": {"team": "T07EA123LEP"}}, "deploy_notices.slack.team", "unknown key"),
])
def test_bad_deploy_notices_config_names_the_key(notices, key, says):
    [problem] = [p for p in _problems(notices) if p.startswith(f"groundwork:alarms.{key}:")]
    assert says in problem


def test_deploy_notices_can_be_turned_off():
    env = load_environment({"profile": "dev", "tags": {"Owner": "t"},
                            "alarms": {"deploy_notices": {"enabled": False}}},
                           stack="t", region="us-east-1")
    assert env.alarms.deploy_notices.enabled is False and env.alarms.deploy_notices.emails == []


@pytest.mark.parametrize(("args", "says"), [
    ({}, "DeployNoticesArgs.service_arns is empty"),
    ({"service_arns": ["arn:svc"]}, "DeployNoticesArgs.key_arn is required"),
    ({"service_arns": ["arn:svc"], "key_arn": "arn:key"}, "DeployNoticesArgs.alarm_topic_arns"),
    ({"service_arns": ["arn:svc"], "topic_arn": "arn:t", "topic_name": "x",
      "alarm_topic_arns": {"warning": "arn:w"}}, "DeployNoticesArgs.topic_name"),
    ({"service_arns": ["arn:svc"], "key_arn": "arn:key", "topic_name": "bad name",
      "alarm_topic_arns": {"warning": "arn:w"}}, "not an SNS topic name"),
])
def test_bad_args_are_refused_before_anything_is_registered(args, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        DeployNotices("deploy-notices", DeployNoticesArgs(name_prefix="gw-test", **args))


def test_slack_settings_are_public_for_a_program_of_its_own():
    """A program outside the stacks names the channel with `SlackSettings` from the public API
    (`from groundwork.components import ...`, the examples' rule), and a bad id is refused
    naming the field."""
    import pydantic

    from groundwork.components import DeployNoticesSettings, SlackSettings

    settings = DeployNoticesSettings(slack=SlackSettings(**SLACK_IDS))
    assert settings.slack is not None and settings.slack.channel_id == SLACK_IDS["channel_id"]
    with pytest.raises(pydantic.ValidationError, match="channel_id"):
        SlackSettings(team_id="T07EA123LEP", channel_id="D024BE91L")
