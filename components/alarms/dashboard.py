"""A CloudWatch dashboard over what the alarms watch: alarm status first, then requests, errors
and latency per load balancer and web service, ECS CPU / memory / tasks per service, then each
database, cache, queue, search domain (cluster status, free storage, CPU / JVM), document
database (CPU, connections, freeable memory per instance), Kafka cluster (disk used and CPU per
broker; a serverless cluster has no broker metrics, so no widget), NAT, and the edge: each web
firewall's blocked / allowed requests, each Route 53 health check's status and each CloudFront
distribution's requests and error rates; last, each AWS Backup vault's job outcomes (backup,
copy and restore jobs completed and failed). Widgets of metrics that exist only in us-east-1
(CloudFront, Route 53 health checks, CLOUDFRONT-scope WAF) name that region in their properties,
whatever the stack's region.

The body is built from the same targets the alarms watch (the resources' outputs), so a widget
graphs exactly the series its alarm evaluates. Layout: a 24-column grid, two 12-wide widgets a row.

`Dashboard(name, DashboardArgs(alarms=..., notifications=...), opts)`; its name is
`<prefix>-<name>` (or `dashboard_name`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from groundwork.components.alarms import cloudfront as cloudfront_family
from groundwork.components.alarms import dns as dns_family
from groundwork.components.alarms import documents as docdb_family
from groundwork.components.alarms import kafka as kafka_family
from groundwork.components.alarms import search as search_family
from groundwork.components.alarms import web_firewall as waf_family
from groundwork.components.alarms.base import CreatedAlarm
from groundwork.components.alarms.environment import EnvironmentAlarms
from groundwork.components.alarms.load_balancer import LATENCY_SECONDS
from groundwork.components.alarms.notifications import Notifications
from groundwork.components.alarms.targets import (
    AlarmTargets,
    CloudFrontTarget,
    DocumentsTarget,
    HealthCheckTarget,
    KafkaTarget,
    SearchTarget,
    ServiceTarget,
    WebFirewallTarget,
)
from groundwork.components.args import ComponentArgs, Input
from groundwork.components.base import child_opts, component_naming, default_prefix

WIDTH, HEIGHT = 12, 6
ALARM_WIDGET_LIMIT = 100
"""An alarm-status widget shows at most 100 alarms."""
US_EAST_1 = "us-east-1"
"""Where CloudFront, Route 53 health checks and CLOUDFRONT-scope WAF publish their metrics."""
DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
"""CloudWatch's dashboard-name rule."""
BACKUP_NAMESPACE = "AWS/Backup"
"""AWS Backup's job metrics, per vault: dimension `BackupVaultName` (alone, or with
`ResourceType`), in the vault's region (AWS Backup developer guide, "AWS Backup metrics with
Amazon CloudWatch", https://docs.aws.amazon.com/aws-backup/latest/devguide/cloudwatch.html;
the CloudWatch user guide's "Supported metrics for resource tags for telemetry" lists the
AWS/Backup metrics below with exactly these two dimension sets). AWS Backup publishes them
only while jobs run: an empty graph is a quiet day, not a broken widget."""
BACKUP_JOB_METRICS = (
    ("backup jobs", ("NumberOfBackupJobsCompleted", "NumberOfBackupJobsFailed",
                     "NumberOfBackupJobsExpired", "NumberOfBackupJobsPartial")),
    ("copy and restore jobs", ("NumberOfCopyJobsCompleted", "NumberOfCopyJobsFailed",
                               "NumberOfRestoreJobsCompleted", "NumberOfRestoreJobsFailed")),
)
"""The two widgets per vault: what completed beside what didn't (the failures are also
EventBridge notices, components/alarms/backup.py)."""
BACKUP_PERIOD = 3600
"""Jobs counted per hour (Sum): a daily job is one point a day."""


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


def dashboard_body(title: str, targets: AlarmTargets,
                   alarm_arns: Sequence[pulumi.Input[str]],
                   topic_names: Sequence[pulumi.Input[str]] = (),
                   backup_vault_names: Sequence[pulumi.Input[str]] = ()) -> dict[str, Any]:
    """The dashboard as a dict whose leaves may be Outputs (resolved by `Dashboard`)."""
    region = targets.region
    grid = _Grid()

    def graph(title: str, metrics: list[list[Any]], *, stat: str = "Average", period: int = 60,
              horizontal: list[dict[str, Any]] | None = None, where: str | None = None) -> None:
        """One 12-wide time series; `where`: the metrics' region when it isn't the stack's
        (us-east-1 for CloudFront, Route 53 health checks and CLOUDFRONT-scope WAF)."""
        props: dict[str, Any] = {"title": title, "region": where or region, "view": "timeSeries",
                                 "stacked": False, "stat": stat, "period": period,
                                 "metrics": metrics}
        if horizontal:
            props["annotations"] = {"horizontal": horizontal}
        grid.half({"type": "metric", "properties": props})

    topics = (pulumi.Output.format("the `{0}` and `{1}` SNS topics", *topic_names)
              if len(topic_names) == 2 else "their severity's SNS topic")
    grid.full({"type": "text", "properties": {"markdown": pulumi.Output.format(
        "# {0}\nAlarms notify {1}. What each alarm means and what to do first: docs/alarms.md.",
        title, topics)}}, 2)
    for start in range(0, len(alarm_arns), ALARM_WIDGET_LIMIT):
        chunk = list(alarm_arns[start:start + ALARM_WIDGET_LIMIT])
        grid.full({"type": "alarm", "properties": {
            "title": "Alarms", "alarms": chunk, "sortBy": "stateUpdatedTimestamp"}}, 6)

    for lb in targets.load_balancers:
        graph(f"Load balancer {lb.name}: requests and 5xx", [
            _metric("AWS/ApplicationELB", "RequestCount", {"LoadBalancer": lb.arn_suffix},
                    label="requests"),
            _metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", {"LoadBalancer": lb.arn_suffix},
                    label="ELB 5xx", yAxis="right"),
        ], stat="Sum")
    for svc in targets.web_services:
        _web_widgets(graph, svc.load_balancer_arn_suffix, svc)
    for svc in targets.services:
        _service_widgets(graph, svc)
    for db in targets.databases:
        dims = {"DBInstanceIdentifier": db.identifier}
        graph(f"Database {db.name}: CPU % and connections", [
            _metric("AWS/RDS", "CPUUtilization", dims, label="CPU %"),
            _metric("AWS/RDS", "DatabaseConnections", dims, label="connections", yAxis="right"),
        ])
        graph(f"Database {db.name}: free storage and freeable memory (bytes)", [
            _metric("AWS/RDS", "FreeStorageSpace", dims, label="free storage", stat="Minimum"),
            _metric("AWS/RDS", "FreeableMemory", dims, label="freeable memory"),
        ])
        graph(f"Database {db.name}: DBLoad and p90 latency", [
            _metric("AWS/RDS", "DBLoad", dims, label="DBLoad (sessions)"),
            _metric("AWS/RDS", "ReadLatency", dims, label="read p90 (s)", stat="p90",
                    yAxis="right"),
            _metric("AWS/RDS", "WriteLatency", dims, label="write p90 (s)", stat="p90",
                    yAxis="right"),
        ])
    for cache in targets.caches:
        members = [(i + 1, {"CacheClusterId": cache.member(i)}) for i in range(cache.count)]
        graph(f"Cache {cache.name}: engine CPU % and memory %", [
            row for n, dims in members for row in (
                _metric("AWS/ElastiCache", "EngineCPUUtilization", dims, label=f"node {n} CPU"),
                _metric("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dims,
                        label=f"node {n} memory"),
            )])
        graph(f"Cache {cache.name}: evictions and connections", [
            row for n, dims in members for row in (
                _metric("AWS/ElastiCache", "Evictions", dims, label=f"node {n} evictions",
                        stat="Sum"),
                _metric("AWS/ElastiCache", "CurrConnections", dims,
                        label=f"node {n} connections", yAxis="right"),
            )])
    for queue in targets.queues:
        graph(f"Queue {queue.name}: visible messages, oldest message (s) and dead letters", [
            _metric("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                    {"QueueName": queue.queue_name}, label="visible", stat="Maximum"),
            _metric("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                    {"QueueName": queue.dlq_name}, label="in the DLQ", stat="Maximum"),
            _metric("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": queue.queue_name},
                    label="oldest message (s)", stat="Maximum", yAxis="right"),
        ])
    for domain in targets.searches:
        _search_widgets(graph, domain)
    for docs in targets.documents:
        _documents_widgets(graph, docs)
    for kafka in targets.kafkas:
        _kafka_widgets(graph, kafka)
    for fw in targets.web_firewalls:
        _web_firewall_widgets(graph, fw)
    for check in targets.health_checks:
        _health_check_widgets(graph, check)
    for distribution in targets.distributions:
        _cloudfront_widgets(graph, distribution)
    for nat in (n for n in targets.nats if n.gateway_ids):
        graph(f"NAT gateways of {nat.name}: port allocation errors and dropped packets", [
            row for n, gw in enumerate(nat.gateway_ids, 1) for row in (
                _metric("AWS/NATGateway", "ErrorPortAllocation", {"NatGatewayId": gw},
                        label=f"NAT {n} port errors"),
                _metric("AWS/NATGateway", "PacketsDropCount", {"NatGatewayId": gw},
                        label=f"NAT {n} drops"),
            )], stat="Sum")
    for nat, instance_id in ((n, i) for n in targets.nats for i in n.instance_ids):
        dims = {"InstanceId": instance_id}
        # basic monitoring: CPU and network every 5 minutes, status checks every minute
        graph(f"NAT instance of {nat.name}: CPU %, bytes out and system status check", [
            _metric("AWS/EC2", "CPUUtilization", dims, label="CPU %"),
            _metric("AWS/EC2", "NetworkOut", dims, label="bytes out", stat="Sum", yAxis="right"),
            _metric("AWS/EC2", "StatusCheckFailed_System", dims, label="status check failed",
                    stat="Maximum"),
        ], period=300)
    for vault in backup_vault_names:
        _backup_widgets(graph, vault)
    return {"start": "-PT6H", "periodOverride": "inherit", "widgets": grid.widgets}


def _backup_widgets(graph: Any, vault: pulumi.Input[str]) -> None:
    """The vault's backup jobs, then its copy and restore jobs, completed and failed per hour
    (AWS/Backup, BackupVaultName = the vault's name output, in the stack's region: the plan's
    jobs run there, copies included)."""
    dims = {"BackupVaultName": vault}
    for what, metrics in BACKUP_JOB_METRICS:
        graph(pulumi.Output.format("Backup vault {0}: {1} per hour", vault, what), [
            _metric(BACKUP_NAMESPACE, m, dims, label=_backup_label(m)) for m in metrics
        ], stat="Sum", period=BACKUP_PERIOD)


def _backup_label(metric: str) -> str:
    """`NumberOfCopyJobsFailed` -> "copy failed"."""
    words = re.findall(r"[A-Z][a-z]+", metric.removeprefix("NumberOf"))
    return f"{words[0].lower()} {words[-1].lower()}"


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
    ], horizontal=[{"label": "scaling.min_count", "value": svc.settings.scaling.min_count}])


def _line(label: str, value: float) -> list[dict[str, Any]]:
    return [{"label": label, "value": value}]


def _search_widgets(graph: Any, domain: SearchTarget) -> None:
    """Cluster status, free storage of the fullest node, CPU and JVM pressure of the busiest
    (the statistics the search alarms evaluate; AWS/ES, DomainName + ClientId)."""
    ns = search_family.NAMESPACE
    dims = {"DomainName": domain.domain_name, "ClientId": domain.client_id}
    t = search_family.SearchThresholds.of(domain.settings)
    graph(f"Search domain {domain.name}: cluster status (1 = red / yellow)", [
        _metric(ns, "ClusterStatus.red", dims, label="red"),
        _metric(ns, "ClusterStatus.yellow", dims, label="yellow"),
    ], stat="Maximum")
    graph(f"Search domain {domain.name}: free storage of the fullest node (MiB)", [
        _metric(ns, "FreeStorageSpace", dims, label="free storage (MiB)"),
    ], stat="Minimum", horizontal=_line("search-free-storage", t.free_storage_mib))
    masters = [
        _metric(ns, "MasterCPUUtilization", dims, label="master CPU %"),
        _metric(ns, "MasterJVMMemoryPressure", dims, label="master JVM memory pressure %"),
    ] if t.masters else []
    graph(f"Search domain {domain.name}: CPU % and JVM memory pressure % (busiest node)", [
        _metric(ns, "CPUUtilization", dims, label="CPU %"),
        _metric(ns, "JVMMemoryPressure", dims, label="JVM memory pressure %"),
        *masters,
    ], stat="Maximum", horizontal=[{"label": "search-cpu", "value": search_family.CPU_PERCENT},
                                   {"label": "search-jvm-memory",
                                    "value": search_family.JVM_PERCENT}])


def _documents_widgets(graph: Any, docs: DocumentsTarget) -> None:
    """Per instance (AWS/DocDB, DBInstanceIdentifier = each instance's identifier output): CPU
    and connections, then freeable memory, against the thresholds of its class."""
    ns = docdb_family.NAMESPACE
    t = docdb_family.DocumentsThresholds.of(docs.settings)
    members = [(n, {"DBInstanceIdentifier": ident})
               for n, ident in enumerate(docs.instance_identifiers, 1)]
    graph(f"Document database {docs.name}: CPU % and connections per instance", [
        row for n, dims in members for row in (
            _metric(ns, "CPUUtilization", dims, label=f"instance {n} CPU %"),
            _metric(ns, "DatabaseConnections", dims, label=f"instance {n} connections",
                    stat="Maximum", yAxis="right"),
        )], horizontal=[{"label": "docdb-cpu", "value": docdb_family.CPU_PERCENT},
                        {"label": "docdb-connections", "value": t.connections, "yAxis": "right"}])
    graph(f"Document database {docs.name}: freeable memory per instance (bytes)", [
        _metric(ns, "FreeableMemory", dims, label=f"instance {n}") for n, dims in members
    ], horizontal=_line("docdb-freeable-memory", t.freeable_memory_bytes))


def _kafka_widgets(graph: Any, kafka: KafkaTarget) -> None:
    """Per broker (AWS/Kafka, "Cluster Name" = the cluster's name output, "Broker ID"): data
    disk used and CPU user + system, the two broker alarms' series. Serverless: no brokers."""
    if kafka.serverless or not kafka.broker_ids:
        return
    ns = kafka_family.NAMESPACE
    t = kafka_family.KafkaThresholds.of(kafka)
    brokers = [(b, {kafka_family.CLUSTER: kafka.cluster_name, kafka_family.BROKER: b})
               for b in kafka.broker_ids]
    graph(f"Kafka {kafka.name}: data disk used % per broker", [
        _metric(ns, "KafkaDataLogsDiskUsed", dims, label=f"broker {b}") for b, dims in brokers
    ], stat="Maximum", horizontal=_line("kafka-disk-used", t.disk))
    graph(f"Kafka {kafka.name}: CPU user + system % per broker", [
        row for b, dims in brokers for row in (
            [{"expression": f"u{b} + s{b}", "label": f"broker {b}", "id": f"cpu{b}"}],
            _metric(ns, "CpuUser", dims, id=f"u{b}", visible=False),
            _metric(ns, "CpuSystem", dims, id=f"s{b}", visible=False),
        )], horizontal=_line("kafka-cpu", t.cpu))


def _web_firewall_widgets(graph: Any, fw: WebFirewallTarget) -> None:
    """Blocked and allowed requests of the whole web ACL (Rule ALL) and the rate rule's blocks,
    with the dimensions and 5-minute sums of the WAF alarms (AWS/WAFV2; a CLOUDFRONT-scope ACL's
    metrics are in us-east-1, without a Region dimension)."""
    ns = waf_family.NAMESPACE
    acl = waf_family.dimensions(fw, "ALL")
    graph(f"Web firewall {fw.name}: blocked and allowed requests (per 5 minutes)", [
        _metric(ns, "BlockedRequests", acl, label="blocked"),
        _metric(ns, "BlockedRequests", waf_family.dimensions(fw, fw.rate_rule_metric_name),
                label="blocked by the rate rule"),
        _metric(ns, "AllowedRequests", acl, label="allowed", yAxis="right"),
    ], stat="Sum", period=waf_family.PERIOD,
        horizontal=_line("waf-blocked-spike", waf_family.blocked_spike_threshold(fw)),
        where=US_EAST_1 if fw.scope == "CLOUDFRONT" else None)


def _health_check_widgets(graph: Any, check: HealthCheckTarget) -> None:
    """The Route 53 health check's status (1 healthy, 0 unhealthy; Minimum, as its alarm
    reads it) and the percentage of healthy checkers, in us-east-1 (the only region Route 53
    publishes them in)."""
    ns = dns_family.NAMESPACE
    dims = {"HealthCheckId": check.health_check_id}
    graph(f"Health check {check.name}: https://{check.fqdn}{check.path}", [
        _metric(ns, "HealthCheckStatus", dims, label="status (1 = healthy)"),
        _metric(ns, "HealthCheckPercentageHealthy", dims, label="healthy checkers %",
                stat="Average", yAxis="right"),
    ], stat="Minimum", horizontal=_line("route53-health-check", 1), where=dns_family.METRIC_REGION)


def _cloudfront_widgets(graph: Any, distribution: CloudFrontTarget) -> None:
    """The distribution's requests and the viewers' 4xx / 5xx rates (AWS/CloudFront, default
    metrics, DistributionId + Region Global, in us-east-1), over the 5-minute window of its
    alarm."""
    ns = cloudfront_family.NAMESPACE
    dims = cloudfront_family.dimensions(distribution)
    graph(f"CloudFront {distribution.name}: requests and error rates", [
        _metric(ns, "5xxErrorRate", dims, label="5xx %"),
        _metric(ns, "4xxErrorRate", dims, label="4xx %"),
        _metric(ns, "Requests", dims, label="requests", stat="Sum", yAxis="right"),
    ], period=cloudfront_family.WINDOW,
        horizontal=_line("cloudfront-5xx-rate", cloudfront_family.error_rate_threshold()),
        where=cloudfront_family.METRIC_REGION)


class DashboardArgs(ComponentArgs):
    """Everything `Dashboard` takes: what it graphs and whose status it shows."""

    alarms: EnvironmentAlarms | None = None
    """The alarms whose status it shows; their targets are what it graphs unless `targets` is
    given (one of the two is required)."""
    targets: AlarmTargets | None = None
    """What to graph (default none: the targets of `alarms`)."""
    notifications: Notifications | None = None
    """The topics the header names (default none: the header names no topic)."""
    dashboard_name: str = ""
    """The dashboard's name (default "": `<prefix>-<name>`). Set it only to keep the name of a
    dashboard created before."""
    title: str = ""
    """Heading of the dashboard (default "": the name prefix, i.e. the environment)."""
    backup_vault_names: Sequence[Input[str]] = ()
    """AWS Backup vaults (in the stack's region) whose job outcomes it graphs (default none: no
    backup widgets), e.g. `[BackupPlan.vault_name]`."""
    other_alarms: Sequence[CreatedAlarm] = ()
    """Alarms made outside `alarms` whose status it shows too (default none), e.g.
    `[DeployNotices.alarm]` (deployment-rolled-back)."""


class Dashboard(pulumi.ComponentResource):
    """A CloudWatch dashboard over the alarms' targets. Output: `name`."""

    def __init__(self, name: str, args: DashboardArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else DashboardArgs()
        naming = component_naming("Dashboard", name, args)
        targets = args.targets or (args.alarms.args.targets if args.alarms is not None else None)
        if targets is None:
            raise ValueError(f"Dashboard {name!r}: DashboardArgs.alarms or DashboardArgs.targets "
                             "is required (what the dashboard graphs)")
        dashboard_name = args.dashboard_name or naming.name(max_length=255)
        if not DASHBOARD_NAME.match(dashboard_name):
            raise ValueError(f"Dashboard {name!r}: DashboardArgs.dashboard_name "
                             f"{dashboard_name!r} is not a dashboard name (1-255 letters, digits, "
                             "hyphens and underscores)")
        super().__init__("groundwork:monitoring:Dashboard", name, None, opts)
        self.args = args
        alarms: Sequence[CreatedAlarm] = [
            *(args.alarms.alarms if args.alarms is not None else ()), *args.other_alarms]
        topics = ([args.notifications.critical.name, args.notifications.warning.name]
                  if args.notifications is not None else [])
        body = dashboard_body(args.title or args.name_prefix or default_prefix(), targets,
                              [a.arn for a in alarms], topics, list(args.backup_vault_names))
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=dashboard_name,
            dashboard_body=pulumi.Output.from_input(body).apply(
                lambda resolved: json.dumps(resolved, separators=(",", ":"))),
            opts=child_opts(self),
        )
        self.name: pulumi.Output[str] = self.dashboard.dashboard_name
        self.register_outputs({"name": self.name})
