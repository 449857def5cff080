"""Load balancer and target-group alarms: the seed's HighErrorRate and HighLatency per web
service, unhealthy targets per web service (scoped by the service's name), and each ALB's own
5xx (scoped by the load balancer's name).

Dimensions are the `arn_suffix` outputs (`app/<name>/<id>`, `targetgroup/<name>/<id>`): that is
what AWS/ApplicationELB emits, not the ARN.
"""

from __future__ import annotations

import pulumi

from groundwork.components.alarms.base import AlarmSpec, Expression, Metric
from groundwork.components.alarms.targets import AlarmTargets, LoadBalancerTarget, ServiceTarget

NAMESPACE = "AWS/ApplicationELB"

ERROR_RATE_PERCENT = 5.0
"""HighErrorRate (docs/alarms.md): target 5xx above 5 % of requests..."""
ERROR_RATE_WINDOW = 300
"""...over 5 minutes: one 300 s datapoint of the ratio of sums."""
MIN_REQUESTS = 20
"""Fewer requests than this in the window count as 0 % errors: 1 failure in 3 requests at night
is not an outage worth a page (and it keeps the ratio defined)."""
LATENCY_SECONDS = 2.0
"""HighLatency (docs/alarms.md): p95 above 2 s (for 10 one-minute datapoints, see the catalog)."""
ELB_5XX_PER_MINUTE = 10.0
"""ALB-generated 5xx per minute that count as an incident."""


def error_rate_expression(count: int) -> str:
    """Percent of requests answered 5xx by the targets, over `count` target groups.

    errors<i> and requests<i> are filled with 0 where the ALB published nothing (it only
    publishes counts when non-zero) and summed over the target groups; the inner IF keeps the
    divisor from ever being 0, the outer IF applies MIN_REQUESTS.
    """
    errors = " + ".join(f"FILL(errors{i}, 0)" for i in range(count))
    requests = " + ".join(f"FILL(requests{i}, 0)" for i in range(count))
    return (f"IF(({requests}) >= {MIN_REQUESTS}, "
            f"100 * ({errors}) / IF(({requests}) > 0, ({requests}), 1), 0)")


def load_balancer_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    """Each ALB's 5xx alarm plus, per web service, 5xx rate, p95 latency and unhealthy hosts."""
    specs = [_alb_alarm(lb) for lb in targets.load_balancers]
    for service in targets.web_services:
        assert service.load_balancer_arn_suffix is not None  # is_web
        specs.extend(_target_group_alarms(service.load_balancer_arn_suffix, service))
    return specs


def _alb_alarm(lb: LoadBalancerTarget) -> AlarmSpec:
    return AlarmSpec(
        key="alb-5xx",
        scope=lb.name,
        watches=f"load balancer {lb.name}",
        metric=Metric(NAMESPACE, "HTTPCode_ELB_5XX_Count", {"LoadBalancer": lb.arn_suffix}, "Sum"),
        comparison=">",
        threshold=ELB_5XX_PER_MINUTE,
        # The ALB publishes HTTPCode_* counts only when they are non-zero: missing means 0.
        treat_missing_data="notBreaching",
    )


def _per_target_group(metric: str, stat: str, lb: pulumi.Input[str], service: ServiceTarget,
                      label: str) -> Metric | Expression:
    """One metric on the service's target group, or, with a blue/green pair, the MAX over both
    (whichever is serving; MAX of a p95 is the conservative reading)."""
    metrics = {f"tg{i}": Metric(NAMESPACE, metric, {"LoadBalancer": lb, "TargetGroup": tg}, stat)
               for i, tg in enumerate(service.target_groups)}
    if len(metrics) == 1:
        return metrics["tg0"]
    return Expression(expression=f"MAX([{', '.join(metrics)}])", label=label, metrics=metrics)


def _target_group_alarms(lb: pulumi.Input[str], service: ServiceTarget) -> list[AlarmSpec]:
    groups = service.target_groups
    watches = (f"service {service.name} (its target group)" if len(groups) == 1 else
               f"service {service.name} (both blue/green target groups)")
    rate_metrics: dict[str, Metric] = {}
    for i, tg in enumerate(groups):
        dims = {"LoadBalancer": lb, "TargetGroup": tg}
        rate_metrics[f"errors{i}"] = Metric(NAMESPACE, "HTTPCode_Target_5XX_Count", dims, "Sum",
                                            ERROR_RATE_WINDOW)
        rate_metrics[f"requests{i}"] = Metric(NAMESPACE, "RequestCount", dims, "Sum",
                                              ERROR_RATE_WINDOW)
    return [
        AlarmSpec(
            key="target-5xx-rate",
            scope=service.name,
            watches=watches,
            metric=Expression(expression=error_rate_expression(len(groups)),
                              label=f"{service.name} target 5xx %", metrics=rate_metrics),
            comparison=">",
            threshold=ERROR_RATE_PERCENT,
            threshold_note=f"HighErrorRate; windows under {MIN_REQUESTS} requests count as 0 %",
            # No requests is no errors; and this alarm gates deployments, where a gap in
            # traffic must not roll a healthy revision back.
            treat_missing_data="notBreaching",
        ),
        AlarmSpec(
            key="target-latency-p95",
            scope=service.name,
            watches=watches,
            metric=_per_target_group("TargetResponseTime", "p95", lb, service,
                                     f"{service.name} p95 response time"),
            comparison=">",
            threshold=LATENCY_SECONDS,
            threshold_note="HighLatency",
            # TargetResponseTime exists only when requests flow: no traffic is not slowness.
            treat_missing_data="notBreaching",
        ),
        AlarmSpec(
            key="unhealthy-hosts",
            scope=service.name,
            watches=watches,
            metric=_per_target_group("UnHealthyHostCount", "Maximum", lb, service,
                                     f"{service.name} unhealthy targets"),
            comparison=">",
            threshold=0,
            # Missing means no registered targets at all, which running-below-desired reports;
            # this one gates deployments, so a gap must not count as a failed check.
            treat_missing_data="notBreaching",
        ),
    ]
