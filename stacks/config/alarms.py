"""The `alarms` section: CloudWatch alarms, where they notify, and per-alarm overrides: the
settings of the `Notifications` and `EnvironmentAlarms` components (components/alarms/) plus
`enabled`."""

from __future__ import annotations

from pydantic import Field, field_validator

from groundwork.components.alarms.base import AlarmOverride
from groundwork.components.alarms.deployments import DeployNoticesSettings
from groundwork.components.alarms.environment import AlarmsSettings
from groundwork.components.alarms.notifications import check_https_endpoints
from groundwork.stacks.config._base import _Strict

__all__ = ["AlarmOverride", "AlarmsConfig", "DeployNoticesConfig"]


class DeployNoticesConfig(_Strict, DeployNoticesSettings):
    """ECS deployment notices (started, succeeded, rolled back, failed) to the `<prefix>-deploys`
    topic, and the deployment-rolled-back alarm (components/alarms/deployments.py,
    docs/operations.md#deploy-notices)."""

    enabled: bool = True
    """Create the rules, the deploys topic and the alarm whenever the stack has services and
    alarms are on (default true, dev and prod: the topic costs nothing until it delivers; with
    no `emails` or `slack`, subscribe later)."""


class AlarmsConfig(_Strict, AlarmsSettings):
    """CloudWatch alarms (on by default) and where they notify."""

    enabled: bool = True
    """Create alarms, topics and the dashboard (default true)."""
    deploy_notices: DeployNoticesConfig = Field(default_factory=DeployNoticesConfig)
    """Deploy notices to e-mail and Slack, and the deployment-rolled-back alarm (default on,
    no subscribers), e.g. `{emails: [team@example.com], slack: {team_id: T..., channel_id:
    C...}}`."""

    @field_validator("critical_https_endpoints")
    @classmethod
    def _https(cls, v: list[str]) -> list[str]:
        # Replaces the settings' check: offline, a `secure:` endpoint reads as the placeholder.
        from groundwork.stacks.loader import SECRET_PLACEHOLDER

        return check_https_endpoints(v, unknown=(SECRET_PLACEHOLDER,))
