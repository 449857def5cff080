"""Alarms, notifications and the dashboard.

- `Notifications(name, NotificationsArgs)`: the `critical` and `warning` SNS topics
  (KMS-encrypted), subscriptions, the RDS event subscription.
- `EnvironmentAlarms(name, EnvironmentAlarmsArgs)`: every alarm, one factory module per family
  (load_balancer, service, database, cache, nat), all built by `base.AlarmFactory`.
- `BackupNotices(name, BackupNoticesArgs)`: EventBridge rules on AWS Backup's failed backup,
  copy and restore jobs, to the critical topic (the catalog's `event` keys).
- `DeployNotices(name, DeployNoticesArgs)`: EventBridge rules on the services' ECS deployment
  events (started, succeeded, rolled back, failed) to a deploys topic, e-mail and Slack (AWS
  Chatbot) subscribers, and the `deployment-rolled-back` alarm.
- `Dashboard(name, DashboardArgs)`: one CloudWatch dashboard over the same targets.
- `AlarmTargets`: what they watch (outputs of the watched resources, each named after its
  component).
"""

from groundwork.components.alarms.backup import BackupNotices, BackupNoticesArgs
from groundwork.components.alarms.base import AlarmOverride, other_regions
from groundwork.components.alarms.dashboard import Dashboard, DashboardArgs
from groundwork.components.alarms.deployments import (
    DeployNotices,
    DeployNoticesArgs,
    DeployNoticesSettings,
    SlackSettings,
)
from groundwork.components.alarms.environment import (
    AlarmsSettings,
    EnvironmentAlarms,
    EnvironmentAlarmsArgs,
    EnvironmentAlarmsSettings,
    alarm_specs,
)
from groundwork.components.alarms.notifications import (
    Notifications,
    NotificationsArgs,
    NotificationsSettings,
)
from groundwork.components.alarms.targets import (
    AlarmTargets,
    CacheTarget,
    CloudFrontTarget,
    DatabaseTarget,
    DocumentsTarget,
    HealthCheckTarget,
    KafkaTarget,
    LoadBalancerTarget,
    NatTarget,
    QueueTarget,
    SearchTarget,
    ServiceTarget,
    WebFirewallTarget,
)

__all__ = [
    "AlarmOverride",
    "AlarmTargets",
    "AlarmsSettings",
    "BackupNotices",
    "BackupNoticesArgs",
    "CacheTarget",
    "CloudFrontTarget",
    "Dashboard",
    "DashboardArgs",
    "DatabaseTarget",
    "DeployNotices",
    "DeployNoticesArgs",
    "DeployNoticesSettings",
    "DocumentsTarget",
    "EnvironmentAlarms",
    "EnvironmentAlarmsArgs",
    "EnvironmentAlarmsSettings",
    "HealthCheckTarget",
    "KafkaTarget",
    "LoadBalancerTarget",
    "NatTarget",
    "Notifications",
    "NotificationsArgs",
    "NotificationsSettings",
    "QueueTarget",
    "SearchTarget",
    "ServiceTarget",
    "SlackSettings",
    "WebFirewallTarget",
    "alarm_specs",
    "other_regions",
]
