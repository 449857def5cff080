"""Route 53 health-check alarms, per health check (a `DomainRecords` with `health_check`):
`route53-health-check` (critical) when the check's status drops below healthy.

Metric AWS/Route53 HealthCheckStatus (1 healthy, 0 unhealthy; AWS, "Monitoring health checks
using CloudWatch"), dimension HealthCheckId = the health check's `id` output, statistic Minimum
over 1-minute periods: one unhealthy moment in a minute counts. Route 53 publishes its
health-check metrics only in us-east-1, so the spec says `region="us-east-1"` and the factory
creates the alarm there, notifying us-east-1 topics (components/alarms/base.py).

Critical: the check fails when Route 53's checkers across the internet no longer get a 2xx/3xx
from the public health path, i.e. users can't reach the app (DNS, TLS, the ALB or CloudFront,
every task). Route 53 already waits `failure_threshold` failed requests (about 90 s at the
defaults) before it calls the endpoint unhealthy; two breaching minutes on top keep a single
blip from paging. Missing data is "missing": the check publishes every minute while it exists,
and a check being created has no data yet (no page for that).
"""

from __future__ import annotations

from groundwork.components.alarms.base import AlarmSpec, Metric
from groundwork.components.alarms.targets import AlarmTargets

NAMESPACE = "AWS/Route53"
METRIC_REGION = "us-east-1"
"""Where Route 53 publishes health-check metrics (and so where the alarm must be)."""


def dns_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    return [
        AlarmSpec(
            key="route53-health-check", scope=check.name,
            watches=f"the Route 53 health check of https://{check.fqdn}{check.path}",
            metric=Metric(NAMESPACE, "HealthCheckStatus", {"HealthCheckId": check.health_check_id},
                          "Minimum"),
            comparison="<", threshold=1.0, threshold_note="1 = healthy",
            treat_missing_data="missing", region=METRIC_REGION)
        for check in targets.health_checks
    ]
