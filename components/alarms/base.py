"""The one place a CloudWatch alarm is built (cdk-monitoring-constructs style).

Family modules (load_balancer, service, database, cache, nat) only *describe* alarms as
`AlarmSpec`s: which metric (or metric-math expression), which comparison, which derived threshold,
what to do with missing data. `AlarmFactory.create` turns a spec into an `aws.cloudwatch.MetricAlarm`
and is the only code that decides, for every alarm alike:

- the name (`components.alarm_names.alarm_name`: the alarms component's prefix, the watched
  component's name, key, member) and the Pulumi name (`<component>-<scope>-<key>[-<member>]`);
- the severity and so the SNS topic (from the catalog `ALARMS`), for BOTH alarm and OK actions,
  with `actions_enabled=True` (FSBP CloudWatch.15/17); a spec may add EC2 actions on ALARM
  (`extra_alarm_actions`: the NAT instance's recover action), never replace the topic;
- the region: a spec whose metric lives elsewhere (`AlarmSpec.region`: Route 53 health checks,
  CloudFront and CLOUDFRONT-scope WAF publish only in us-east-1) gets its alarm created there
  (MetricAlarm's per-resource `region` argument) and notifying that region's topics
  (`regional_topics`): an alarm can only notify SNS topics of its own region;
- the description: severity, seed rule, meaning, what it watches, the threshold, the first step
  and a runbook link (`<runbook_url>#<key>`, default docs/alarms.md#<key>);
- the per-key overrides (`EnvironmentAlarmsArgs.overrides`: threshold, evaluation_periods,
  datapoints_to_alarm, enabled);
- tags (Severity, AlarmKey, SeedRule).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal, TypedDict

import pulumi
import pulumi_aws as aws
from pydantic import Field

from groundwork.components.alarm_names import ALARMS, Severity, alarm_name, legacy_alarm_name
from groundwork.components.args import ArgsModel
from groundwork.components.base import Naming, child_opts

TreatMissing = Literal["missing", "notBreaching", "breaching", "ignore"]
Comparison = Literal[">", ">=", "<", "<="]

OPERATORS: dict[str, str] = {
    ">": "GreaterThanThreshold",
    ">=": "GreaterThanOrEqualToThreshold",
    "<": "LessThanThreshold",
    "<=": "LessThanOrEqualToThreshold",
}

DEFAULT_RUNBOOK = "docs/alarms.md"
"""Where descriptions point when `runbook_url` is not set (anchors are the alarm keys)."""

DESCRIPTION_LIMIT = 1024
"""CloudWatch's limit on AlarmDescription."""

REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
"""An AWS region name (us-east-1, ap-southeast-2, us-gov-west-1)."""


class AlarmOverride(ArgsModel):
    """Per-alarm override of the derived defaults."""

    enabled: bool = True
    """Create this alarm (default true)."""
    threshold: float | None = None
    """Threshold in the alarm's unit (default: derived from the deployed sizes)."""
    evaluation_periods: Annotated[int, Field(ge=1, le=100)] | None = None
    """Periods evaluated (default: per alarm)."""
    datapoints_to_alarm: Annotated[int, Field(ge=1, le=100)] | None = None
    """Breaching periods needed (default: per alarm)."""


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric with its dimensions (dimension values may be Outputs)."""

    namespace: str
    name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    stat: str = "Average"
    """Average, Sum, Minimum, Maximum, SampleCount, or a percentile such as p95."""
    period: int = 60
    """Seconds per datapoint (default 60: AWS's recommended-alarm period)."""

    @property
    def is_percentile(self) -> bool:
        return self.stat.startswith("p") and self.stat[1:].replace(".", "", 1).isdigit()

    def query(self, query_id: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        """This metric as one input of a metric-math expression."""
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=self.namespace, metric_name=self.name, dimensions=dict(self.dimensions),
                stat=self.stat, period=self.period,
            ),
        )


@dataclass(frozen=True)
class Expression:
    """A metric-math expression over named metrics; the alarm watches the expression."""

    expression: str
    label: str
    metrics: Mapping[str, Metric]
    """Query id (lowercase first letter) -> metric, as the expression names them."""

    @property
    def period(self) -> int:
        return max(m.period for m in self.metrics.values())


@dataclass(frozen=True)
class AlarmSpec:
    """What a family module asks the factory for: one alarm on one resource."""

    key: str
    """Catalog key (components.alarm_names.ALARMS): severity, meaning, defaults."""
    scope: str
    """The watched component's name (service, database, cache, load balancer, network): it
    scopes the alarm's name."""
    watches: str
    """What it watches, for the description ("service api", "cache node 2 of 2")."""
    metric: Metric | Expression
    comparison: Comparison
    threshold: float
    """Default threshold, derived from what was deployed; an override replaces it."""
    treat_missing_data: TreatMissing
    """Chosen per alarm by the family module, with its reason in a comment there."""
    member: str | None = None
    """Index of the member for per-node alarms (cache nodes, NAT gateways)."""
    threshold_note: str = ""
    """How the default was derived ("80 % of 811, db.m7g.large's max_connections")."""
    extra_alarm_actions: tuple[pulumi.Input[str], ...] = ()
    """Actions on ALARM besides the severity's topic: an EC2 action such as
    `arn:aws:automate:<region>:ec2:recover` (the NAT instance's auto-recovery)."""
    region: str | None = None
    """The metric's region when it isn't the stack's: us-east-1 for Route 53 health checks,
    CloudFront and CLOUDFRONT-scope WAF; None: the provider's."""

    def __post_init__(self) -> None:
        if self.key not in ALARMS:
            raise KeyError(f"alarm key {self.key!r} is not in the catalog (components/alarm_names.py)")
        if self.region is not None and not REGION.match(self.region):
            raise ValueError(f"alarm {self.key}: AlarmSpec.region {self.region!r} is not an AWS "
                             "region name (e.g. us-east-1)")


class _MetricArgs(TypedDict, total=False):
    """The MetricAlarm arguments that say what it watches: one metric, or metric queries."""

    namespace: str
    metric_name: str
    dimensions: dict[str, pulumi.Input[str]]
    period: int
    statistic: str
    extended_statistic: str
    evaluate_low_sample_count_percentiles: str
    metric_queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgs]


@dataclass(frozen=True)
class CreatedAlarm:
    """An alarm the factory created (for the dashboard, the services and the tests)."""

    key: str
    name: str
    severity: Severity
    scope: str
    threshold: float
    resource: aws.cloudwatch.MetricAlarm
    region: str = ""
    """The region the alarm is in (the factory's `region` unless its spec named another)."""

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.resource.arn


REGIONAL_TOPICS_ARG = "EnvironmentAlarmsArgs.regional_topic_arns"
"""Where a program gives the topics of the other regions (named in the factory's errors)."""


def other_regions(specs: list[AlarmSpec], *, region: str,
                  overrides: Mapping[str, AlarmOverride] | None = None) -> list[str]:
    """The regions other than `region` that enabled specs put alarms in (pure, in order): where
    a program must give `regional_topics`."""
    out: dict[str, None] = {}
    for spec in specs:
        override = (overrides or {}).get(spec.key)
        if spec.region is not None and spec.region != region and (
                override is None or override.enabled):
            out[spec.region] = None
    return list(out)


def missing_regional_topics(specs: list[AlarmSpec], *, region: str,
                            regional_topics: Mapping[str, Mapping[Severity, object]],
                            overrides: Mapping[str, AlarmOverride] | None = None) -> list[str]:
    """The problems of routing `specs` from a stack in `region` (pure): each enabled spec whose
    metric is in another region that `regional_topics` has no topic of its severity for, as
    "<region>: <key> (<severity>)". Empty when every alarm has a topic in its own region."""
    problems: dict[str, None] = {}
    for spec in specs:
        override = (overrides or {}).get(spec.key)
        if override is not None and not override.enabled:
            continue
        where = spec.region or region
        if where == region:
            continue
        severity = ALARMS[spec.key].severity
        if severity not in regional_topics.get(where, {}):
            problems[f"{where}: {spec.key} ({severity})"] = None
    return list(problems)


def regional_topics_error(owner: str, problems: list[str], *, region: str) -> str:
    """The error for `missing_regional_topics`' problems (one wording for factory and component)."""
    return (f"{owner}: alarms whose metrics exist only in another region than the stack's "
            f"({region}) need SNS topics in that region (a CloudWatch alarm notifies only topics "
            f"of its own region): {', '.join(problems)}; set {REGIONAL_TOPICS_ARG} = {{region: "
            "{severity: topic ARN}}, e.g. a second Notifications built with a provider in that "
            "region, or disable those alarms in overrides")


def format_threshold(value: float, unit: str) -> str:
    """A threshold as a person reads it (bytes in GiB, seconds in ms below 1 s)."""
    if unit == "bytes":
        return f"{value / 1024**3:.1f} GiB"
    if unit == "seconds":
        return f"{value * 1000:g} ms" if value < 1 else f"{value:g} s"
    if unit == "percent":
        return f"{value:g} %"
    return f"{value:g}"


@dataclass
class AlarmFactory:
    """Builds every alarm of an environment the same way (see the module docstring)."""

    parent: pulumi.Resource
    name: str
    """The alarms component's name: it starts every alarm's Pulumi name."""
    naming: Naming
    """The alarms component's naming: it starts every alarm's AWS name."""
    topics: Mapping[Severity, pulumi.Input[str]]
    """SNS topic ARN per severity: alarm and OK actions go to the alarm's severity's topic."""
    region: str
    """The region of the stack's provider and of `topics` (`AlarmTargets.region`): a spec whose
    `region` is another one is created there and notifies `regional_topics`."""
    regional_topics: Mapping[str, Mapping[Severity, pulumi.Input[str]]] = field(default_factory=dict)
    """Region -> severity -> SNS topic ARN in that region, for the specs whose metric is in
    another region than `region` (default none: such a spec is refused)."""
    overrides: Mapping[str, AlarmOverride] = field(default_factory=dict)
    runbook_url: str | None = None
    legacy_alias_prefix: str = ""
    """Alias each alarm to its pre-0.2.0 Pulumi name with this prefix ('' for none)."""
    created: list[CreatedAlarm] = field(default_factory=list)
    _aliased: set[str] = field(default_factory=set, init=False, repr=False)

    def create(self, spec: AlarmSpec) -> CreatedAlarm | None:
        """Create the alarm `spec` describes, or None when `overrides.<key>.enabled` is false."""
        kind = ALARMS[spec.key]
        override = self.overrides.get(spec.key)
        if override is not None and not override.enabled:
            return None
        threshold = spec.threshold
        if override is not None and override.threshold is not None:
            threshold = override.threshold
        evaluation_periods = (override.evaluation_periods if override and override.evaluation_periods
                              else kind.evaluation_periods)
        datapoints = (override.datapoints_to_alarm if override and override.datapoints_to_alarm
                      else min(kind.datapoints_to_alarm, evaluation_periods))
        name = alarm_name(self.naming, spec.scope, spec.key, spec.member)
        region = spec.region or self.region
        elsewhere = spec.region is not None and spec.region != self.region
        if elsewhere:
            problems = missing_regional_topics([spec], region=self.region,
                                               regional_topics=self.regional_topics)
            if problems:
                raise ValueError(regional_topics_error(f"alarm {name}", problems,
                                                       region=self.region))
            topic = self.regional_topics[region][kind.severity]
        else:
            topic = self.topics[kind.severity]
        metric_args = self._metric_args(spec.metric)
        logical = "-".join([self.name, spec.scope, spec.key, *([spec.member] if spec.member else [])])
        resource = aws.cloudwatch.MetricAlarm(
            logical,
            name=name,
            alarm_description=self._description(
                spec, threshold, datapoints, evaluation_periods,
                overridden=override is not None and override.threshold is not None),
            comparison_operator=OPERATORS[spec.comparison],
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints,
            treat_missing_data=spec.treat_missing_data,
            actions_enabled=True,
            alarm_actions=[topic, *spec.extra_alarm_actions],
            ok_actions=[topic],
            tags=self.naming.tagged(name, Severity=kind.severity, AlarmKey=spec.key,
                                    SeedRule=kind.seed_rule or "", Component="alarms"),
            opts=child_opts(self.parent, aliases=self._aliases(spec)),
            # Only an alarm of another region says where; the others stay on the provider's
            # region (no diff for the alarms created before `region` existed).
            region=region if elsewhere else None,
            **metric_args,
        )
        created = CreatedAlarm(key=spec.key, name=name, severity=kind.severity, scope=spec.scope,
                               threshold=threshold, resource=resource, region=region)
        self.created.append(created)
        return created

    def create_all(self, specs: list[AlarmSpec]) -> list[CreatedAlarm]:
        return [a for a in (self.create(s) for s in specs) if a is not None]

    def _aliases(self, spec: AlarmSpec) -> list[pulumi.Alias]:
        """The pre-0.2.0 Pulumi name of the alarm, once: the first database's (cache's, load
        balancer's, network's) alarms take the old names, a second one's have none to take."""
        if not self.legacy_alias_prefix:
            return []
        old = legacy_alarm_name(self.legacy_alias_prefix, spec.scope, spec.key, spec.member)
        if old in self._aliased:
            return []
        self._aliased.add(old)
        return [pulumi.Alias(name=old)]

    @staticmethod
    def _metric_args(metric: Metric | Expression) -> _MetricArgs:
        if isinstance(metric, Metric):
            args: _MetricArgs = {
                "namespace": metric.namespace,
                "metric_name": metric.name,
                "dimensions": dict(metric.dimensions),
                "period": metric.period,
            }
            if metric.is_percentile:
                args["extended_statistic"] = metric.stat
                # A p95 of three requests at 3 a.m. is noise: don't change state on it.
                args["evaluate_low_sample_count_percentiles"] = "ignore"
            else:
                args["statistic"] = metric.stat
            return args
        queries = [m.query(qid) for qid, m in metric.metrics.items()]
        queries.append(aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="result", expression=metric.expression, label=metric.label, return_data=True))
        return {"metric_queries": queries}

    def _description(self, spec: AlarmSpec, threshold: float, datapoints: int,
                     evaluation_periods: int, *, overridden: bool) -> str:
        kind = ALARMS[spec.key]
        runbook = f"{self.runbook_url or DEFAULT_RUNBOOK}#{spec.key}"
        how = "set in overrides" if overridden else (spec.threshold_note or "default")
        head = f"[{kind.severity}] " + (f"{kind.seed_rule}: " if kind.seed_rule else "")
        window = f"{datapoints} of {evaluation_periods} periods of {spec.metric.period} s"
        text = (f"{head}{kind.meaning} Watches {spec.watches}. ALARM when "
                f"{spec.comparison} {format_threshold(threshold, kind.unit)} ({how}) in {window}. "
                f"First: {kind.first_step} Runbook: {runbook}")
        if len(text) > DESCRIPTION_LIMIT:  # keep the runbook link, cut the middle
            tail = f" Runbook: {runbook}"
            text = text[: DESCRIPTION_LIMIT - len(tail) - 3] + "..." + tail
        return text
