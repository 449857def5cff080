"""`EnvironmentAlarms`: every alarm over what it is given to watch, from every family, through one
factory.

`EnvironmentAlarms(name, EnvironmentAlarmsArgs(targets=..., critical_topic_arn=...,
warning_topic_arn=...), opts)`. The topics are in the stack's region (`targets.region`); the
alarms whose metrics exist only in another region (a Route 53 health check's, CloudFront's,
a CLOUDFRONT-scope web ACL's: us-east-1) are created in that region and notify the topics
`regional_topic_arns` gives for it (an alarm notifies only topics of its own region), e.g. a
second `Notifications` built with a us-east-1 provider. Alarm names are
`<prefix>-<name>-<watched component>-<key>[-<member>]` (components/alarm_names.py), so two
`EnvironmentAlarms`, or two databases watched by one, never share an alarm name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import pulumi
from pydantic import Field, field_validator

from groundwork.components.alarm_names import (
    ALARMS,
    DEPLOYMENT_ALARMS,
    EVENT_NOTICES,
    Severity,
    deployment_alarm_names,
)
from groundwork.components.alarms.base import (
    REGION,
    AlarmFactory,
    AlarmOverride,
    AlarmSpec,
    CreatedAlarm,
    missing_regional_topics,
    regional_topics_error,
)
from groundwork.components.alarms.cache import cache_alarms
from groundwork.components.alarms.cloudfront import cloudfront_alarms
from groundwork.components.alarms.database import database_alarms
from groundwork.components.alarms.dns import dns_alarms
from groundwork.components.alarms.documents import documents_alarms
from groundwork.components.alarms.kafka import kafka_alarms
from groundwork.components.alarms.load_balancer import load_balancer_alarms
from groundwork.components.alarms.nat import nat_alarms
from groundwork.components.alarms.notifications import NotificationsSettings
from groundwork.components.alarms.queue import queue_alarms
from groundwork.components.alarms.search import search_alarms
from groundwork.components.alarms.service import service_alarms
from groundwork.components.alarms.targets import AlarmTargets
from groundwork.components.alarms.web_firewall import web_firewall_alarms
from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import component_naming

FAMILIES: tuple[Callable[[AlarmTargets], list[AlarmSpec]], ...] = (
    load_balancer_alarms,
    service_alarms,
    database_alarms,
    cache_alarms,
    nat_alarms,
    documents_alarms,
    queue_alarms,
    search_alarms,
    kafka_alarms,
    web_firewall_alarms,
    dns_alarms,
    cloudfront_alarms,
)
"""One factory function per family; each returns specs for whatever of its targets exist."""


def alarm_specs(targets: AlarmTargets) -> list[AlarmSpec]:
    """Every alarm the targets call for, before overrides (pure: no resource is created)."""
    return [spec for family in FAMILIES for spec in family(targets)]


def _suggest(key: str, allowed: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, allowed, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


class EnvironmentAlarmsSettings(ArgsModel):
    """How the alarms are tuned and where their descriptions point."""

    runbook_url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    """Base URL of the runbook; each alarm links `<runbook_url>#<alarm-key>` (default: the
    repository's docs/alarms.md, whose anchors are the alarm keys)."""
    overrides: dict[str, AlarmOverride] = Field(default_factory=dict)
    """Per-alarm overrides keyed by alarm key (components/alarm_names.py, docs/alarms.md), e.g.
    {rds-cpu: {threshold: 80}}; they apply to every alarm of that key (every service, node...)
    (default none: every alarm on, with the thresholds derived from what it watches)."""

    @field_validator("overrides")
    @classmethod
    def _overrides(cls, v: dict[str, AlarmOverride]) -> dict[str, AlarmOverride]:
        problems: list[str] = []
        for key, o in v.items():
            kind = ALARMS.get(key)
            if key in EVENT_NOTICES:
                problems.append(f"{key} is an EventBridge notice (one notification per AWS "
                                "Backup job event): it has no threshold or window to override")
                continue
            if kind is None:
                problems.append(f"unknown alarm key {key!r} (known: {', '.join(ALARMS)})"
                                + _suggest(key, list(ALARMS)))
                continue
            if not o.enabled and key in DEPLOYMENT_ALARMS:
                problems.append(f"{key} gates ECS deployment rollback and can't be disabled; "
                                "raise its threshold instead")
            if o.threshold is not None and not (
                    0 <= o.threshold <= (100 if kind.unit == "percent" else float("inf"))):
                allowed = "0..100 (percent)" if kind.unit == "percent" else ">= 0"
                problems.append(f"{key}.threshold {o.threshold:g} is outside {allowed}")
            periods = o.evaluation_periods or kind.evaluation_periods
            datapoints = o.datapoints_to_alarm or min(kind.datapoints_to_alarm, periods)
            if datapoints > periods:
                problems.append(f"{key}.datapoints_to_alarm {datapoints} exceeds "
                                f"evaluation_periods {periods}")
        if problems:
            raise ValueError("; ".join(problems))
        return v


class AlarmsSettings(EnvironmentAlarmsSettings, NotificationsSettings):
    """The settings of an environment's monitoring: who hears the alarms (`Notifications`) and
    how they are tuned (`EnvironmentAlarms`). The stacks' `alarms` section extends it."""


class EnvironmentAlarmsArgs(ComponentArgs, EnvironmentAlarmsSettings):
    """Everything `EnvironmentAlarms` takes: its settings plus what it watches and notifies."""

    targets: AlarmTargets | None = None
    """What to watch (required): `AlarmTargets.from_components(...)` or targets built by hand
    from any resources' outputs."""
    critical_topic_arn: Input[str] | None = None
    """SNS topic of the critical alarms (required, e.g. `Notifications.critical.arn`)."""
    warning_topic_arn: Input[str] | None = None
    """SNS topic of the warning alarms (required, e.g. `Notifications.warning.arn`)."""
    regional_topic_arns: dict[str, dict[Severity, Input[str]]] = Field(default_factory=dict)
    """Region -> severity (critical, warning) -> SNS topic ARN in that region, for the alarms
    whose metrics exist only in another region than `targets.region` (Route 53 health checks,
    CloudFront, CLOUDFRONT-scope WAF: us-east-1), e.g. `{"us-east-1":
    notifications_us_east_1.topic_arns}` (default none: no alarm may be in another region; one
    that is is refused, naming this field)."""
    legacy_alias_prefix: str = ""
    """Alias each alarm to its Pulumi name before groundwork 0.2.0,
    `<legacy_alias_prefix>-[<service>-]<key>[-<member>]` (default "": no aliases; a program
    started on 0.2.0 has none). Only the first database, cache, load balancer and network of a
    kind take the old names."""

    @field_validator("regional_topic_arns")
    @classmethod
    def _regions(cls, v: dict[str, dict[Severity, Input[str]]]) -> dict[str, dict[Severity, Input[str]]]:
        bad = [r for r in v if not REGION.match(r)]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))} is not an AWS region name (e.g. "
                             "us-east-1); keys are regions, values {critical: ARN, warning: ARN}")
        return v


_REQUIRED = {
    "targets": "AlarmTargets: what the alarms watch",
    "critical_topic_arn": "the SNS topic ARN critical alarms notify",
    "warning_topic_arn": "the SNS topic ARN warning alarms notify",
}


class EnvironmentAlarms(pulumi.ComponentResource):
    """CloudWatch alarms on everything it is given, on by default, with thresholds derived from
    the deployed sizes and overridable per key (`overrides`).

    Outputs: `alarms` (CreatedAlarm list), `by_name`, `names`.
    """

    def __init__(self, name: str, args: EnvironmentAlarmsArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else EnvironmentAlarmsArgs()
        naming = component_naming("EnvironmentAlarms", name, args)
        for key, what in _REQUIRED.items():
            if getattr(args, key) is None:
                raise ValueError(f"EnvironmentAlarms {name!r}: EnvironmentAlarmsArgs.{key} is "
                                 f"required ({what})")
        assert args.targets is not None
        assert args.critical_topic_arn is not None and args.warning_topic_arn is not None
        topics: dict[Severity, Input[str]] = {"critical": args.critical_topic_arn,
                                              "warning": args.warning_topic_arn}
        duplicates = args.targets.duplicate_names()
        if duplicates:
            raise ValueError(f"EnvironmentAlarms {name!r}: EnvironmentAlarmsArgs.targets has two "
                             f"targets named {', '.join(duplicates)}; their alarms would share "
                             "names (give each component its own name)")
        region = args.targets.region
        if region in args.regional_topic_arns:
            raise ValueError(f"EnvironmentAlarms {name!r}: EnvironmentAlarmsArgs."
                             f"regional_topic_arns names the stack's own region {region}; its "
                             "alarms notify critical_topic_arn and warning_topic_arn")
        specs = alarm_specs(args.targets)
        problems = missing_regional_topics(specs, region=region,
                                           regional_topics=args.regional_topic_arns,
                                           overrides=args.overrides)
        if problems:
            raise ValueError(regional_topics_error(f"EnvironmentAlarms {name!r}", problems,
                                                   region=region))
        super().__init__("groundwork:monitoring:EnvironmentAlarms", name, None, opts)
        self.args = args
        factory = AlarmFactory(parent=self, name=name, naming=naming, topics=topics,
                               region=region, regional_topics=args.regional_topic_arns,
                               overrides=args.overrides, runbook_url=args.runbook_url,
                               legacy_alias_prefix=args.legacy_alias_prefix)
        self.alarms: list[CreatedAlarm] = factory.create_all(specs)
        self.by_name: dict[str, CreatedAlarm] = {a.name: a for a in self.alarms}
        self.names: list[str] = list(self.by_name)
        for service in args.targets.services:
            missing = [n for n in service.deployment_alarm_names or () if n not in self.by_name]
            if missing:
                ours = deployment_alarm_names(service.name, service.settings.kind,
                                              name_prefix=args.name_prefix, alarms=name)
                pulumi.log.warn(
                    f"EnvironmentAlarms {name!r}: service {service.name} rolls its deployments "
                    f"back on {', '.join(missing)}, which this component does not create (it "
                    f"names them {', '.join(ours)}): a failed deployment would not roll back",
                    resource=self)
        self.register_outputs({"alarm_names": self.names})
