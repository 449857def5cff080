"""EnvironmentAlarms: every alarm of one environment, from every family, through one factory."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pulumi

from groundwork.components.alarm_names import Severity
from groundwork.components.alarms.base import AlarmFactory, AlarmSpec, CreatedAlarm
from groundwork.components.alarms.cache import cache_alarms
from groundwork.components.alarms.database import database_alarms
from groundwork.components.alarms.load_balancer import load_balancer_alarms
from groundwork.components.alarms.nat import nat_alarms
from groundwork.components.alarms.service import service_alarms
from groundwork.components.alarms.targets import AlarmTargets
from groundwork.components.base import Naming
from groundwork.stacks.config import AlarmsConfig

FAMILIES: tuple[Callable[[AlarmTargets], list[AlarmSpec]], ...] = (
    load_balancer_alarms,
    service_alarms,
    database_alarms,
    cache_alarms,
    nat_alarms,
)
"""One factory function per family; each returns specs for whatever of its targets exist."""


def alarm_specs(targets: AlarmTargets) -> list[AlarmSpec]:
    """Every alarm the targets call for, before overrides (pure: no resource is created)."""
    return [spec for family in FAMILIES for spec in family(targets)]


class EnvironmentAlarms(pulumi.ComponentResource):
    """CloudWatch alarms on everything the environment runs, on by default, with thresholds
    derived from the deployed sizes and overridable per key (`alarms.overrides`).

    Outputs: `alarms` (CreatedAlarm list), `by_name`, `names`.
    """

    def __init__(
        self,
        name: str,
        config: AlarmsConfig,
        *,
        naming: Naming,
        targets: AlarmTargets,
        topic_arns: Mapping[Severity, pulumi.Input[str]],
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`topic_arns`: the Notifications topics; each alarm notifies its severity's topic."""
        super().__init__("groundwork:monitoring:EnvironmentAlarms", name, None, opts)
        factory = AlarmFactory(parent=self, naming=naming, config=config, topics=topic_arns)
        self.alarms: list[CreatedAlarm] = factory.create_all(alarm_specs(targets))
        self.by_name: dict[str, CreatedAlarm] = {a.name: a for a in self.alarms}
        self.names: list[str] = list(self.by_name)
        self.register_outputs({"alarm_names": self.names})
