"""CloudFront alarms, per distribution: `cloudfront-5xx-rate` (critical) when too many viewer
requests get a 5xx.

Metric AWS/CloudFront 5xxErrorRate (percent of all viewer requests answered 500-599, statistic
Average), one of the default distribution metrics (no "additional metrics" to turn on), with
the low-traffic guard of the ALB's `target-5xx-rate`: Requests (Sum) below MIN_REQUESTS in the
window count as 0 %. Dimensions DistributionId = the distribution's `id` output and Region =
"Global" (always: CloudFront is global). CloudFront publishes its metrics only in us-east-1, so
the spec says `region="us-east-1"` and the factory creates the alarm there, notifying us-east-1
topics (components/alarms/base.py) [AWS, "Types of metrics for CloudFront",
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html].

Critical, like the ALB's 5xx alarms: this is the error rate users see, whatever failed behind
the edge (the app's own 5xx pass through; CloudFront adds its 502/504 when the VPC origin, the
ALB's certificate or the origin timeout fail). Threshold and window are HighErrorRate's (5 % over
5 minutes), the same as `target-5xx-rate`, so the edge and the services page at the same rate.
Missing data is not breaching: CloudFront publishes a datapoint only when viewers sent requests,
and no requests is no errors.
"""

from __future__ import annotations

import pulumi

from groundwork.components.alarms.base import AlarmSpec, Expression, Metric
from groundwork.components.alarms.load_balancer import ERROR_RATE_PERCENT, MIN_REQUESTS
from groundwork.components.alarms.targets import AlarmTargets, CloudFrontTarget

NAMESPACE = "AWS/CloudFront"
METRIC_REGION = "us-east-1"
"""Where CloudFront publishes its metrics (and so where the alarm must be)."""
GLOBAL = "Global"
"""The Region dimension of every CloudFront metric."""
WINDOW = 300
"""Five minutes: HighErrorRate's window (one 300 s datapoint)."""


def dimensions(target: CloudFrontTarget) -> dict[str, pulumi.Input[str]]:
    """DistributionId = the distribution's id output, Region = Global."""
    return {"DistributionId": target.distribution_id, "Region": GLOBAL}


def error_rate_expression(min_requests: int = MIN_REQUESTS) -> str:
    """The viewers' 5xx rate in percent, 0 in a window of fewer than `min_requests` requests
    (both series filled with 0 where CloudFront published nothing)."""
    return f"IF(FILL(requests, 0) >= {min_requests}, FILL(errors, 0), 0)"


def error_rate_threshold() -> float:
    """Percent of viewer requests answered 5xx that pages: HighErrorRate's, the ALB's
    `target-5xx-rate` threshold (one number for the edge and the services)."""
    return ERROR_RATE_PERCENT


def cloudfront_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    return [_alarm(d) for d in targets.distributions]


def _alarm(target: CloudFrontTarget) -> AlarmSpec:
    dims = dimensions(target)
    return AlarmSpec(
        key="cloudfront-5xx-rate", scope=target.name,
        watches=f"CloudFront distribution {target.name} (what viewers get)",
        metric=Expression(
            expression=error_rate_expression(), label=f"{target.name} viewer 5xx %",
            metrics={"errors": Metric(NAMESPACE, "5xxErrorRate", dims, "Average", WINDOW),
                     "requests": Metric(NAMESPACE, "Requests", dims, "Sum", WINDOW)}),
        comparison=">", threshold=error_rate_threshold(),
        threshold_note=f"HighErrorRate; windows under {MIN_REQUESTS} requests count as 0 %",
        # CloudFront publishes only when viewers sent requests: no requests, no errors.
        treat_missing_data="notBreaching", region=METRIC_REGION)
