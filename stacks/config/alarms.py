"""The `alarms` section: CloudWatch alarms, where they notify, and per-alarm overrides."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from groundwork.stacks.config._base import _Strict, _suggest


class AlarmOverride(_Strict):
    """Per-alarm override of the derived defaults."""

    enabled: bool = True
    """Create this alarm (default true)."""
    threshold: float | None = None
    """Threshold in the alarm's unit (default: derived from the deployed sizes)."""
    evaluation_periods: Annotated[int, Field(ge=1, le=100)] | None = None
    """Periods evaluated (default: per alarm)."""
    datapoints_to_alarm: Annotated[int, Field(ge=1, le=100)] | None = None
    """Breaching periods needed (default: per alarm)."""


class AlarmsConfig(_Strict):
    """CloudWatch alarms (on by default) and where they notify."""

    enabled: bool = True
    """Create alarms, topics and the dashboard (default true)."""
    critical_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(
        default_factory=list
    )
    """E-mail addresses subscribed to the critical topic (default none)."""
    warning_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(
        default_factory=list
    )
    """E-mail addresses subscribed to the warning topic (default none)."""
    critical_https_endpoints: list[str] = Field(default_factory=list)
    """HTTPS endpoints (a pager's webhook; set it with `pulumi config set --secret`) for critical
    alarms (default none)."""
    runbook_url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    """Base URL of the runbook; each alarm links `<runbook_url>#<alarm-key>` (default: the
    repository's docs/alarms.md, whose anchors are the alarm keys)."""
    overrides: dict[str, AlarmOverride] = Field(default_factory=dict)
    """Per-alarm overrides keyed by alarm key (components/alarm_names.py, docs/alarms.md), e.g.
    {rds-cpu: {threshold: 80}}; they apply to every alarm of that key (every service, node...)."""

    @field_validator("critical_https_endpoints")
    @classmethod
    def _https(cls, v: list[str]) -> list[str]:
        from groundwork.stacks.loader import SECRET_PLACEHOLDER  # what a secure: value reads as offline

        bad = [u for u in v if u != SECRET_PLACEHOLDER and not re.match(r"^https://\S+$", u)]
        if bad:
            raise ValueError(f"{len(bad)} endpoint(s) are not https:// URLs (SNS https protocol)")
        return v

    @field_validator("overrides")
    @classmethod
    def _overrides(cls, v: dict[str, AlarmOverride]) -> dict[str, AlarmOverride]:
        from groundwork.components.alarm_names import ALARMS, DEPLOYMENT_ALARMS

        problems: list[str] = []
        for key, o in v.items():
            kind = ALARMS.get(key)
            if kind is None:
                problems.append(f"unknown alarm key {key!r} (known: {', '.join(ALARMS)})"
                                + _suggest(key, tuple(ALARMS)))
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
