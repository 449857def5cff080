"""Alarms whose metrics exist only in us-east-1 (Route 53 health checks, CloudFront,
CLOUDFRONT-scope WAF), issue 13: the factory creates them in that region and sends their alarm
and OK actions to topics of that region (an alarm notifies only topics of its own region);
without such topics the alarm is refused before anything is registered. The stacks build the
us-east-1 topics on us-east-1 keys when the stack is elsewhere; in us-east-1 (the committed
stacks) nothing changes."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from groundwork.components.alarms import environment as alarm_environment
from groundwork.components.alarms.base import (
    REGIONAL_TOPICS_ARG,
    AlarmFactory,
    AlarmOverride,
    AlarmSpec,
    Metric,
    missing_regional_topics,
    other_regions,
)
from groundwork.components.alarms.environment import EnvironmentAlarms, EnvironmentAlarmsArgs
from groundwork.components.alarms.targets import AlarmTargets
from groundwork.components.base import Naming
from groundwork.engine import PlanResult
from groundwork.testing import plan_function

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
KEY = "aws:kms/key:Key"
PROVIDER = "pulumi:providers:aws"

HOME = {"critical": "arn:aws:sns:eu-west-1:111111111111:home-critical",
        "warning": "arn:aws:sns:eu-west-1:111111111111:home-warning"}
EAST = {"critical": "arn:aws:sns:us-east-1:111111111111:east-critical",
        "warning": "arn:aws:sns:us-east-1:111111111111:east-warning"}


def spec(key: str = "alb-5xx", region: str | None = None, scope: str = "edge") -> AlarmSpec:
    """A fake spec over a made-up metric (any catalog key; only `region` matters here)."""
    return AlarmSpec(key=key, scope=scope, watches="a stand-in", comparison=">", threshold=1,
                     treat_missing_data="notBreaching", region=region,
                     metric=Metric("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": "hc-1"},
                                   stat="Minimum"))


# ------------------------------------------------------------------------------------------
# pure routing
# ------------------------------------------------------------------------------------------


def test_other_regions_lists_the_enabled_alarms_regions_other_than_the_stacks():
    specs = [spec(), spec(region="us-east-1"), spec(region="eu-west-1"),
             spec("rds-cpu", region="us-east-1")]
    assert other_regions(specs, region="eu-west-1") == ["us-east-1"]
    assert other_regions(specs, region="us-east-1") == ["eu-west-1"]
    # both us-east-1 specs disabled: nothing needs topics there
    off = {"alb-5xx": AlarmOverride(enabled=False), "rds-cpu": AlarmOverride(enabled=False)}
    assert other_regions(specs, region="eu-west-1", overrides=off) == []


def test_missing_regional_topics_names_region_key_and_severity():
    specs = [spec(region="us-east-1"), spec()]
    assert missing_regional_topics(specs, region="eu-west-1", regional_topics={}) == [
        "us-east-1: alb-5xx (critical)"]
    assert missing_regional_topics(specs, region="eu-west-1",
                                   regional_topics={"us-east-1": {"warning": "x"}}) == [
        "us-east-1: alb-5xx (critical)"]
    assert missing_regional_topics(specs, region="eu-west-1",
                                   regional_topics={"us-east-1": EAST}) == []
    # in us-east-1 itself the spec is home: the stack's topics serve
    assert missing_regional_topics(specs, region="us-east-1", regional_topics={}) == []
    # a disabled alarm creates nothing, so it needs no topic there; other overrides don't count
    off = {"alb-5xx": AlarmOverride(enabled=False)}
    assert missing_regional_topics(specs, region="eu-west-1", regional_topics={},
                                   overrides=off) == []
    tuned = {"alb-5xx": AlarmOverride(threshold=5.0)}
    assert missing_regional_topics(specs, region="eu-west-1", regional_topics={},
                                   overrides=tuned) == ["us-east-1: alb-5xx (critical)"]


@pytest.mark.parametrize("bad", ["US-EAST-1", "useast1", "us-east", "global", ""])
def test_a_spec_region_must_be_a_region_name(bad):
    with pytest.raises(ValueError, match=r"AlarmSpec\.region .* is not an AWS region name"):
        spec(region=bad)


def test_regional_topic_arns_keys_are_regions_and_values_severities():
    with pytest.raises(ValueError, match="'global' is not an AWS region name"):
        EnvironmentAlarmsArgs(regional_topic_arns={"global": EAST})
    with pytest.raises(ValueError, match="'critical' or 'warning'"):
        EnvironmentAlarmsArgs(regional_topic_arns={"us-east-1": {"page": "arn"}})


# ------------------------------------------------------------------------------------------
# the factory, planned
# ------------------------------------------------------------------------------------------


class _Parent(pulumi.ComponentResource):
    def __init__(self) -> None:
        super().__init__("test:index:Parent", "parent", None)


def _factory_plan(specs: list[AlarmSpec], *, region: str,
                  regional: dict[str, dict[str, Any]]) -> PlanResult:
    def body() -> None:
        factory = AlarmFactory(parent=_Parent(), name="alarms", naming=Naming(prefix="t"),
                               topics=HOME, region=region, regional_topics=regional)  # type: ignore[arg-type]
        factory.create_all(specs)

    return plan_function(body, config={"aws:region": region})


def test_a_us_east_1_alarm_of_an_eu_west_1_stack_goes_to_the_us_east_1_topics():
    plan = _factory_plan([spec(region="us-east-1", scope="edge"), spec(scope="alb")],
                         region="eu-west-1", regional={"us-east-1": EAST})
    east = plan.one(ALARM, "alarms-edge-alb-5xx")
    home = plan.one(ALARM, "alarms-alb-alb-5xx")
    assert east.inputs["region"] == "us-east-1"
    assert east.inputs["alarmActions"] == [EAST["critical"]]
    assert east.inputs["okActions"] == [EAST["critical"]]
    assert east.outputs["arn"].startswith("arn:aws:cloudwatch:us-east-1:")
    # the stack's own alarms: no region argument (the provider's), the stack's topics
    assert "region" not in home.inputs
    assert home.inputs["alarmActions"] == [HOME["critical"]]
    assert home.outputs["arn"].startswith("arn:aws:cloudwatch:eu-west-1:")


def test_in_us_east_1_a_us_east_1_alarm_is_an_ordinary_one():
    plan = _factory_plan([spec(region="us-east-1")], region="us-east-1", regional={})
    alarm = plan.one(ALARM)
    assert "region" not in alarm.inputs
    assert alarm.inputs["alarmActions"] == [HOME["critical"]]


def test_the_factory_refuses_an_alarm_without_topics_in_its_region():
    with pytest.raises(Exception, match=REGIONAL_TOPICS_ARG.replace(".", r"\.")) as info:
        _factory_plan([spec(region="us-east-1")], region="eu-west-1",
                      regional={"ap-south-1": EAST})
    assert "us-east-1: alb-5xx (critical)" in str(info.value)


def _fake_family(targets: AlarmTargets) -> list[AlarmSpec]:
    return [spec(region="us-east-1")]


@pytest.fixture
def with_us_east_1_family(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alarm_environment, "FAMILIES", (*alarm_environment.FAMILIES, _fake_family))


def _alarms_plan(region: str, regional: dict[str, dict[str, Any]]) -> PlanResult:
    def body() -> None:
        EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
            name_prefix="t", targets=AlarmTargets(region=region),
            critical_topic_arn=HOME["critical"], warning_topic_arn=HOME["warning"],
            regional_topic_arns=regional))  # type: ignore[arg-type]

    return plan_function(body, config={"aws:region": region})


def test_environment_alarms_refuses_before_registering_anything(with_us_east_1_family):
    registered: list[str] = []

    def body() -> None:
        try:
            EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
                name_prefix="t", targets=AlarmTargets(region="eu-west-1"),
                critical_topic_arn=HOME["critical"], warning_topic_arn=HOME["warning"]))
        except ValueError as exc:
            registered.append(str(exc))

    plan = plan_function(body, config={"aws:region": "eu-west-1"})
    assert not [r for r in plan.resources if r.type != "pulumi:pulumi:Stack"]
    assert len(registered) == 1
    message = registered[0]
    assert REGIONAL_TOPICS_ARG in message and "eu-west-1" in message
    assert "us-east-1: alb-5xx (critical)" in message


def test_environment_alarms_routes_with_regional_topics(with_us_east_1_family):
    plan = _alarms_plan("eu-west-1", {"us-east-1": EAST})
    alarm = plan.one(ALARM)
    assert alarm.inputs["region"] == "us-east-1"
    assert alarm.inputs["alarmActions"] == [EAST["critical"]]


def test_regional_topic_arns_may_not_name_the_stacks_region(with_us_east_1_family):
    with pytest.raises(Exception, match="names the stack's own region eu-west-1"):
        _alarms_plan("eu-west-1", {"eu-west-1": HOME, "us-east-1": EAST})


# ------------------------------------------------------------------------------------------
# the offline engine computes ARNs in the resource's region
# ------------------------------------------------------------------------------------------


def test_mock_arns_follow_the_provider_and_the_region_argument():
    def body() -> None:
        east = aws.Provider("east", region="us-east-1")
        aws.sns.Topic("via-provider", opts=pulumi.ResourceOptions(provider=east))
        aws.sns.Topic("via-argument", region="ap-south-1")
        aws.sns.Topic("home")

    plan = plan_function(body, config={"aws:region": "eu-west-1"})
    arns = {r.name: r.outputs["arn"] for r in plan.of_type(TOPIC)}
    assert arns["via-provider"].startswith("arn:aws:sns:us-east-1:")
    assert arns["via-argument"].startswith("arn:aws:sns:ap-south-1:")
    assert arns["home"].startswith("arn:aws:sns:eu-west-1:")


# ------------------------------------------------------------------------------------------
# the stacks: prod planned in eu-west-1 (its health check's alarm is in us-east-1)
# ------------------------------------------------------------------------------------------

CI = {"repository": "acme/shop", "branches": ["main"]}
EAST_PROVIDER = "aws-us-east-1-provider-id"


@pytest.fixture(scope="module")
def prod_eu(tmp_path_factory: pytest.TempPathFactory) -> PlanResult:
    from conftest import plan_in_region

    return plan_in_region("prod", "eu-west-1", tmp_path_factory.mktemp("eu"), overrides={"ci": CI})


def _in_east(record: Any) -> bool:
    return str(record.provider).endswith(EAST_PROVIDER)


def _health_alarm(plan: PlanResult) -> Any:
    [alarm] = [a for a in plan.of_type(ALARM) if a.inputs.get("namespace") == "AWS/Route53"]
    return alarm


def test_prod_elsewhere_alarms_its_health_check_in_us_east_1_on_us_east_1_topics(prod_eu):
    import json

    [provider] = [r for r in prod_eu.of_type(PROVIDER) if r.name == "aws-us-east-1"]
    assert provider.inputs["region"] == "us-east-1"
    alarm = _health_alarm(prod_eu)
    [check] = prod_eu.of_type("aws:route53/healthCheck:HealthCheck")
    assert alarm.inputs["dimensions"] == {"HealthCheckId": check.id} and check.id
    assert alarm.inputs["region"] == "us-east-1"
    assert alarm.outputs["arn"].startswith("arn:aws:cloudwatch:us-east-1:")
    topics = {r.name: r for r in prod_eu.of_type(TOPIC)}
    east = topics["notifications-us-east-1-critical"]
    assert alarm.inputs["alarmActions"] == [east.outputs["arn"]] == alarm.inputs["okActions"]
    assert east.outputs["arn"].startswith("arn:aws:sns:us-east-1:") and _in_east(east)
    # on the us-east-1 notifications key, whose policy lets CloudWatch there publish
    keys = {r.name: r for r in prod_eu.of_type(KEY)}
    assert east.inputs["kmsMasterKeyId"] == keys["kms-us-east-1-notifications-key"].outputs["arn"]
    assert all(_in_east(keys[f"kms-us-east-1-{p}-key"]) for p in ("logs", "notifications"))
    assert keys["kms-us-east-1-notifications-key"].outputs["arn"].startswith("arn:aws:kms:us-east-1:")
    policy = json.loads(prod_eu.one("aws:sns/topicPolicy:TopicPolicy",
                                    "notifications-us-east-1-critical-policy").inputs["policy"])
    [publish] = [s for s in policy["Statement"] if s["Sid"] == "CloudWatchAlarmsPublish"]
    assert publish["Condition"]["ArnLike"]["aws:SourceArn"].startswith("arn:aws:cloudwatch:us-east-1:")
    # the us-east-1 topics carry no RDS events (those are the stack region's)
    assert not [r for r in prod_eu.of_type("aws:rds/eventSubscription:EventSubscription")
                if "notifications-us-east-1" in r.parent]
    # every other alarm stays in eu-west-1 on the stack's topics
    home = {topics["notifications-critical"].outputs["arn"], topics["notifications-warning"].outputs["arn"]}
    others = [a for a in prod_eu.of_type(ALARM) if a is not alarm]
    assert others and all("region" not in a.inputs and not _in_east(a) for a in others)
    assert all(set(a.inputs["alarmActions"]) <= home for a in others)


def test_the_us_east_1_keys_policies_name_us_east_1_services(prod_eu):
    import json

    keys = {r.name: r for r in prod_eu.of_type(KEY)}
    logs = json.loads(keys["kms-us-east-1-logs-key"].inputs["policy"])
    [use] = [s for s in logs["Statement"] if s["Sid"] == "CloudWatchLogsUseKey"]
    assert use["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert use["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"].startswith(
        "arn:aws:logs:us-east-1:")
    home = json.loads(keys["kms-logs-key"].inputs["policy"])
    assert "logs.eu-west-1.amazonaws.com" in json.dumps(home)
    assert "kms-us-east-1-data-key" not in keys  # logs and notifications only


def test_the_deploy_role_may_deploy_the_us_east_1_side(prod_eu):
    import json

    from test_github_deploy_role import allowed

    docs = {r.name: json.loads(r.inputs["policy"]) for r in prod_eu.of_type("aws:iam/policy:Policy")
            if r.parent.endswith("::ci")}
    alarm = _health_alarm(prod_eu)
    east = {"aws:RequestedRegion": "us-east-1", "aws:ResourceTag/Environment": "prod",
            "aws:RequestTag/Environment": "prod"}
    topic = prod_eu.one(TOPIC, "notifications-us-east-1-critical")
    account = alarm.outputs["arn"].split(":")[4]
    alias = prod_eu.one("aws:kms/alias:Alias", "kms-us-east-1-logs-alias").inputs["name"]
    for action, arn in (
            ("cloudwatch:PutMetricAlarm", alarm.outputs["arn"]),
            ("sns:CreateTopic", topic.outputs["arn"]),
            ("kms:CreateKey", "*"),
            ("kms:CreateAlias", f"arn:aws:kms:us-east-1:{account}:{alias}"),
            ("route53:CreateHealthCheck", "*")):
        assert allowed(docs, action, arn, east), action


def test_the_committed_stacks_in_us_east_1_need_no_second_topics_or_keys(prod):
    names = {r.name for r in prod.resources}
    assert not {n for n in names if n.startswith(("notifications-us-east-1", "kms-us-east-1"))}
    assert all("region" not in a.inputs for a in prod.of_type(ALARM))
