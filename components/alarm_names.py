"""Alarm names, in one place: the alarms component creates them and the services reference them
(ECS alarm-based rollback) before they exist, so both sides must compute the same string."""

from __future__ import annotations

from components.base import Naming

WEB_DEPLOYMENT_ALARMS = ("target-5xx-rate", "unhealthy-hosts")
"""Alarms that roll back a web service's deployment: the new revision errors or fails checks."""
WORKER_DEPLOYMENT_ALARMS = ("running-below-desired",)
"""Alarms that roll back a worker's deployment: its tasks don't stay up."""


def alarm_name(naming: Naming, scope: str, key: str) -> str:
    """`<prefix>-<scope>-<key>`, e.g. groundwork-prod-api-target-5xx-rate (<= 255 chars)."""
    return naming.name(scope, key, max_length=255)


def deployment_alarm_names(naming: Naming, service: str, kind: str) -> list[str]:
    """Names of the alarms that gate a service's deployments (alarm-based rollback)."""
    keys = WEB_DEPLOYMENT_ALARMS if kind == "web" else WORKER_DEPLOYMENT_ALARMS
    return [alarm_name(naming, service, key) for key in keys]
