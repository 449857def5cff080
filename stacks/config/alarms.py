"""The `alarms` section: CloudWatch alarms, where they notify, and per-alarm overrides: the
settings of the `Notifications` and `EnvironmentAlarms` components (components/alarms/) plus
`enabled`."""

from __future__ import annotations

from pydantic import field_validator

from groundwork.components.alarms.base import AlarmOverride
from groundwork.components.alarms.environment import AlarmsSettings
from groundwork.components.alarms.notifications import check_https_endpoints
from groundwork.stacks.config._base import _Strict

__all__ = ["AlarmOverride", "AlarmsConfig"]


class AlarmsConfig(_Strict, AlarmsSettings):
    """CloudWatch alarms (on by default) and where they notify."""

    enabled: bool = True
    """Create alarms, topics and the dashboard (default true)."""

    @field_validator("critical_https_endpoints")
    @classmethod
    def _https(cls, v: list[str]) -> list[str]:
        # Replaces the settings' check: offline, a `secure:` endpoint reads as the placeholder.
        from groundwork.stacks.loader import SECRET_PLACEHOLDER

        return check_https_endpoints(v, unknown=(SECRET_PLACEHOLDER,))
