"""Alarms, notifications and the dashboard of an environment.

- `Notifications`: the `critical` and `warning` SNS topics (KMS-encrypted), subscriptions, RDS
  event subscription.
- `EnvironmentAlarms`: every alarm, one factory module per family (load_balancer, service,
  database, cache, nat), all built by `base.AlarmFactory`.
- `Dashboard`: one CloudWatch dashboard per environment.
- `AlarmTargets`: what they watch (outputs of the platform's resources).
"""

from groundwork.components.alarms.dashboard import Dashboard
from groundwork.components.alarms.environment import EnvironmentAlarms, alarm_specs
from groundwork.components.alarms.notifications import Notifications
from groundwork.components.alarms.targets import AlarmTargets, CacheTarget, DatabaseTarget, ServiceTarget

__all__ = [
    "AlarmTargets",
    "CacheTarget",
    "Dashboard",
    "DatabaseTarget",
    "EnvironmentAlarms",
    "Notifications",
    "ServiceTarget",
    "alarm_specs",
]
