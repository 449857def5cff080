"""One CloudWatch dashboard per environment: alarm status first, then requests, errors and
latency per web service, ECS CPU / memory / tasks per service, database, cache and NAT health.

The body is built from the same targets the alarms watch (the resources' outputs), so a widget
graphs exactly the series its alarm evaluates. Layout: a 24-column grid, two 12-wide widgets a row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from groundwork.components.alarms.base import CreatedAlarm
from groundwork.components.alarms.load_balancer import LATENCY_SECONDS
from groundwork.components.alarms.targets import AlarmTargets, ServiceTarget
from groundwork.components.base import Naming, child_opts

WIDTH, HEIGHT = 12, 6
ALARM_WIDGET_LIMIT = 100
"""An alarm-status widget shows at most 100 alarms."""


def _metric(namespace: str, name: str, dims: Mapping[str, Any], **options: Any) -> list[Any]:
    row: list[Any] = [namespace, name]
    for key, value in dims.items():
        row += [key, value]
    return [*row, options] if options else row


class _Grid:
    """Places widgets left to right, two per row."""

    def __init__(self) -> None:
        self.widgets: list[dict[str, Any]] = []
        self.x = self.y = 0

    def full(self, widget: dict[str, Any], height: int) -> None:
        if self.x:
            self.x, self.y = 0, self.y + HEIGHT
        self.widgets.append({**widget, "x": 0, "y": self.y, "width": 24, "height": height})
        self.y += height

    def half(self, widget: dict[str, Any]) -> None:
        self.widgets.append({**widget, "x": self.x, "y": self.y, "width": WIDTH, "height": HEIGHT})
        self.x += WIDTH
        if self.x >= 24:
            self.x, self.y = 0, self.y + HEIGHT


def dashboard_body(prefix: str, targets: AlarmTargets,
                   alarm_arns: Sequence[pulumi.Input[str]]) -> dict[str, Any]:
    """The dashboard as a dict whose leaves may be Outputs (resolved by `Dashboard`)."""
    region = targets.region
    grid = _Grid()

    def graph(title: str, metrics: list[list[Any]], *, stat: str = "Average", period: int = 60,
              horizontal: list[dict[str, Any]] | None = None) -> None:
        props: dict[str, Any] = {"title": title, "region": region, "view": "timeSeries",
                                 "stacked": False, "stat": stat, "period": period,
                                 "metrics": metrics}
        if horizontal:
            props["annotations"] = {"horizontal": horizontal}
        grid.half({"type": "metric", "properties": props})

    grid.full({"type": "text", "properties": {"markdown": (
        f"# {prefix}\nAlarms notify the `{prefix}-alarms-critical` and `{prefix}-alarms-warning` "
        "SNS topics. What each alarm means and what to do first: docs/alarms.md.")}}, 2)
    for start in range(0, len(alarm_arns), ALARM_WIDGET_LIMIT):
        chunk = list(alarm_arns[start:start + ALARM_WIDGET_LIMIT])
        grid.full({"type": "alarm", "properties": {
            "title": "Alarms", "alarms": chunk, "sortBy": "stateUpdatedTimestamp"}}, 6)

    lb = targets.load_balancer_arn_suffix
    if lb is not None:
        graph("Load balancer: requests and 5xx", [
            _metric("AWS/ApplicationELB", "RequestCount", {"LoadBalancer": lb}, label="requests"),
            _metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", {"LoadBalancer": lb},
                    label="ELB 5xx", yAxis="right"),
        ], stat="Sum")
        for svc in targets.web_services:
            _web_widgets(graph, lb, svc)
    for svc in targets.services:
        _service_widgets(graph, svc)
    if targets.database is not None:
        dims = {"DBInstanceIdentifier": targets.database.identifier}
        graph("Database: CPU % and connections", [
            _metric("AWS/RDS", "CPUUtilization", dims, label="CPU %"),
            _metric("AWS/RDS", "DatabaseConnections", dims, label="connections", yAxis="right"),
        ])
        graph("Database: free storage and freeable memory (bytes)", [
            _metric("AWS/RDS", "FreeStorageSpace", dims, label="free storage", stat="Minimum"),
            _metric("AWS/RDS", "FreeableMemory", dims, label="freeable memory"),
        ])
        graph("Database: DBLoad and p90 latency", [
            _metric("AWS/RDS", "DBLoad", dims, label="DBLoad (sessions)"),
            _metric("AWS/RDS", "ReadLatency", dims, label="read p90 (s)", stat="p90",
                    yAxis="right"),
            _metric("AWS/RDS", "WriteLatency", dims, label="write p90 (s)", stat="p90",
                    yAxis="right"),
        ])
    if targets.cache is not None:
        members = [(i + 1, {"CacheClusterId": targets.cache.member(i)})
                   for i in range(targets.cache.count)]
        graph("Cache: engine CPU % and memory %", [
            row for n, dims in members for row in (
                _metric("AWS/ElastiCache", "EngineCPUUtilization", dims, label=f"node {n} CPU"),
                _metric("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dims,
                        label=f"node {n} memory"),
            )])
        graph("Cache: evictions and connections", [
            row for n, dims in members for row in (
                _metric("AWS/ElastiCache", "Evictions", dims, label=f"node {n} evictions",
                        stat="Sum"),
                _metric("AWS/ElastiCache", "CurrConnections", dims,
                        label=f"node {n} connections", yAxis="right"),
            )])
    if targets.nat_gateway_ids:
        graph("NAT gateways: port allocation errors and dropped packets", [
            row for n, gw in enumerate(targets.nat_gateway_ids, 1) for row in (
                _metric("AWS/NATGateway", "ErrorPortAllocation", {"NatGatewayId": gw},
                        label=f"NAT {n} port errors"),
                _metric("AWS/NATGateway", "PacketsDropCount", {"NatGatewayId": gw},
                        label=f"NAT {n} drops"),
            )], stat="Sum")
    for instance_id in targets.nat_instance_ids:
        dims = {"InstanceId": instance_id}
        # basic monitoring: CPU and network every 5 minutes, status checks every minute
        graph("NAT instance: CPU %, bytes out and system status check", [
            _metric("AWS/EC2", "CPUUtilization", dims, label="CPU %"),
            _metric("AWS/EC2", "NetworkOut", dims, label="bytes out", stat="Sum", yAxis="right"),
            _metric("AWS/EC2", "StatusCheckFailed_System", dims, label="status check failed",
                    stat="Maximum"),
        ], period=300)
    return {"start": "-PT6H", "periodOverride": "inherit", "widgets": grid.widgets}


def _web_widgets(graph: Any, lb: Any, svc: ServiceTarget) -> None:
    groups = svc.target_groups
    tag = (lambda i: "") if len(groups) == 1 else (lambda i: " (blue)" if i == 0 else " (green)")
    dims = [(tag(i), {"LoadBalancer": lb, "TargetGroup": tg}) for i, tg in enumerate(groups)]
    graph(f"{svc.name}: requests and target 5xx", [
        row for t, d in dims for row in (
            _metric("AWS/ApplicationELB", "RequestCount", d, label=f"requests{t}"),
            _metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", d, label=f"target 5xx{t}",
                    yAxis="right"),
        )], stat="Sum")
    graph(f"{svc.name}: response time (s)", [
        _metric("AWS/ApplicationELB", "TargetResponseTime", d, label=f"{p}{t}", stat=p)
        for t, d in dims for p in ("p50", "p95", "p99")
    ], horizontal=[{"label": "HighLatency", "value": LATENCY_SECONDS}])


def _service_widgets(graph: Any, svc: ServiceTarget) -> None:
    dims = {"ClusterName": svc.cluster_name, "ServiceName": svc.service_name}
    graph(f"{svc.name}: CPU and memory %", [
        _metric("AWS/ECS", "CPUUtilization", dims, label="CPU"),
        _metric("AWS/ECS", "MemoryUtilization", dims, label="memory"),
    ], horizontal=[{"label": "alarm", "value": 90}])
    graph(f"{svc.name}: tasks", [
        _metric("ECS/ContainerInsights", "RunningTaskCount", dims, label="running"),
        _metric("ECS/ContainerInsights", "DesiredTaskCount", dims, label="desired"),
    ], horizontal=[{"label": "scaling.min_count", "value": svc.config.scaling.min_count}])


class Dashboard(pulumi.ComponentResource):
    """The environment's CloudWatch dashboard. Output: `name`."""

    def __init__(self, name: str, *, naming: Naming, targets: AlarmTargets,
                 alarms: Sequence[CreatedAlarm] = (), opts: pulumi.ResourceOptions | None = None):
        super().__init__("groundwork:monitoring:Dashboard", name, None, opts)
        body = dashboard_body(naming.prefix, targets, [a.arn for a in alarms])
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=naming.name("overview"),
            dashboard_body=pulumi.Output.from_input(body).apply(
                lambda resolved: json.dumps(resolved, separators=(",", ":"))),
            opts=child_opts(self),
        )
        self.name: pulumi.Output[str] = self.dashboard.dashboard_name
        self.register_outputs({"name": self.name})
