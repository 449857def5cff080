"""Alarm names and the alarm catalog, in one place.

The alarms component creates the alarms and the services reference some of them (ECS
alarm-based rollback) before they exist, so both sides must compute the same string: that is
`alarm_name` / `deployment_alarm_names`. An alarm's name is
`<name_prefix>-<alarms component>-<watched component>-<key>[-<member>]`
(`groundwork-prod-alarms-api-target-5xx-rate`, `groundwork-prod-alarms-cache-cache-memory-2`):
the alarms component's name keeps two `EnvironmentAlarms` apart, the watched component's name
(service, database, cache, load balancer, network) two databases or two caches.

The catalog `ALARMS` is the other half of "one place": every alarm key groundwork knows, with
its severity (which SNS topic it notifies), what it means, what to do first, and its default
evaluation window. Override validation checks keys against it, the alarm descriptions are
written from it, and docs/alarms.md has one section per key (a test keeps the three in step).

This module imports nothing heavier than `components.base`, so config validation can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from groundwork.components.args import ComponentArgs
from groundwork.components.base import Naming, component_naming

Severity = Literal["critical", "warning"]
Family = Literal["load_balancer", "service", "database", "cache", "nat"]
Unit = Literal["percent", "count", "seconds", "bytes", "sessions"]

SEVERITIES: tuple[Severity, ...] = ("critical", "warning")
"""critical pages someone (it means users are failing now or soon); warning is looked at during
working hours (it means capacity or health is drifting)."""

WEB_DEPLOYMENT_ALARMS = ("target-5xx-rate", "unhealthy-hosts")
"""Alarms that roll back a web service's deployment: the new revision errors or fails checks."""
WORKER_DEPLOYMENT_ALARMS = ("running-below-desired",)
"""Alarms that roll back a worker's deployment: its tasks don't stay up."""


@dataclass(frozen=True)
class AlarmKind:
    """One kind of alarm groundwork creates (per service, per cache node... as its family says)."""

    key: str
    """Stable id: the override key, the runbook anchor, the end of the alarm name."""
    family: Family
    severity: Severity
    unit: Unit
    """Unit of the threshold (percent thresholds must lie in 0..100)."""
    meaning: str
    """What ALARM means, one sentence (goes into the alarm description)."""
    first_step: str
    """What to do first, one sentence (goes into the alarm description)."""
    evaluation_periods: int
    """Default number of periods evaluated."""
    datapoints_to_alarm: int
    """Default number of breaching periods (of `evaluation_periods`) that raise the alarm."""
    seed_rule: str | None = None
    """The alerting rule of the runbook (docs/alarms.md) this alarm implements, if any."""


_KINDS = (
    # --- load balancer and target groups (scope: the ALB, or the web service) --------------
    AlarmKind("target-5xx-rate", "load_balancer", "critical", "percent",
              "Too many of the service's requests get a 5xx from its own targets (the app fails).",
              "Check the service's latest deployment and its application logs; roll back if it "
              "started with a deploy.",
              evaluation_periods=1, datapoints_to_alarm=1, seed_rule="HighErrorRate"),
    AlarmKind("target-latency-p95", "load_balancer", "warning", "seconds",
              "The service's p95 response time (as the ALB measures it) is too high.",
              "Look at the service's CPU/memory and the database's DBLoad and latency; scale out "
              "if the service is saturated.",
              evaluation_periods=10, datapoints_to_alarm=10, seed_rule="HighLatency"),
    AlarmKind("unhealthy-hosts", "load_balancer", "warning", "count",
              "Some of the service's targets fail the ALB health check.",
              "Open the target group's health details and the failing tasks' logs (stopped "
              "reason, health-check path).",
              evaluation_periods=3, datapoints_to_alarm=3),
    AlarmKind("alb-5xx", "load_balancer", "critical", "count",
              "The load balancer itself answers requests with 5xx (502/503/504: no healthy "
              "target, target reset the connection or timed out).",
              "Check that every web service has healthy targets and that tasks are not being "
              "killed (OOM, failing health checks).",
              evaluation_periods=5, datapoints_to_alarm=5),
    # --- ECS services (scope: the service) -------------------------------------------------
    AlarmKind("ecs-cpu", "service", "warning", "percent",
              "The service's average CPU is saturated.",
              "Check whether autoscaling is at max_count; raise max_count or the task cpu.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("ecs-memory", "service", "warning", "percent",
              "The service's average memory is nearly exhausted (the next step is OOM kills).",
              "Look for a leak in the service's memory graph; raise the task memory or "
              "max_count.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("running-below-desired", "service", "critical", "count",
              "Fewer tasks are running than the service's scaling.min_count (tasks crash or can't "
              "start).",
              "Read the stopped tasks' 'stopped reason' in the ECS console (image pull, "
              "secrets, OOM, failing health check) and the service events.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("queue-backlog", "service", "warning", "count",
              "The worker's queue backlog is above its alarm_threshold (work piles up).",
              "Check that the worker is consuming (running tasks, errors in its logs) and "
              "whether it is at max_count.",
              evaluation_periods=5, datapoints_to_alarm=5, seed_rule="QueueBacklog"),
    # --- RDS (scope: the environment's database) -------------------------------------------
    AlarmKind("rds-cpu", "database", "warning", "percent",
              "The database instance's CPU is saturated.",
              "Find the top queries in Performance Insights; add an index or a larger class.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("rds-connections", "database", "warning", "count",
              "Connections are close to the instance class's max_connections (new ones fail at "
              "the limit).",
              "Check the services for connection leaks or a missing pool (or add RDS Proxy).",
              evaluation_periods=5, datapoints_to_alarm=5, seed_rule="DatabaseConnections"),
    AlarmKind("rds-free-storage", "database", "critical", "bytes",
              "Free storage is low against the allocated storage (the disk is filling).",
              "Check that storage autoscaling has room below max_allocated_storage_gb; raise it "
              "or delete data before the disk fills.",
              evaluation_periods=5, datapoints_to_alarm=5, seed_rule="DiskSpace"),
    AlarmKind("rds-freeable-memory", "database", "warning", "bytes",
              "Freeable memory is low against the instance class's RAM (cache pressure, swapping "
              "next).",
              "Check connection count and work_mem-heavy queries; move to a larger class if "
              "steady.",
              evaluation_periods=15, datapoints_to_alarm=15),
    AlarmKind("rds-db-load", "database", "warning", "sessions",
              "Average active sessions (DBLoad) exceed the class's vCPU count: queries queue for "
              "CPU or I/O.",
              "Open Performance Insights' top waits and top SQL.",
              evaluation_periods=15, datapoints_to_alarm=15),
    AlarmKind("rds-read-latency", "database", "warning", "seconds",
              "The database's p90 read latency is high (storage can't keep up).",
              "Check ReadIOPS against the gp3 baseline and the top queries; add IOPS or memory.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("rds-write-latency", "database", "warning", "seconds",
              "The database's p90 write latency is high (storage can't keep up).",
              "Check WriteIOPS against the gp3 baseline and bulk writes; add IOPS.",
              evaluation_periods=5, datapoints_to_alarm=5),
    # --- ElastiCache (scope: each member cluster, i.e. each node) --------------------------
    AlarmKind("cache-engine-cpu", "cache", "warning", "percent",
              "The cache node's engine thread is CPU-saturated (every command waits).",
              "Look for slow or O(N) commands (SLOWLOG); scale to a larger node type.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("cache-memory", "cache", "warning", "percent",
              "The cache node's memory is nearly full.",
              "Check key TTLs and growth; move to a larger node type before evictions start.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("cache-evictions", "cache", "warning", "count",
              "The cache node keeps evicting keys to make room (the working set doesn't fit).",
              "The working set no longer fits: move to a larger node type or shorten TTLs.",
              evaluation_periods=5, datapoints_to_alarm=5),
    # --- NAT gateways (scope: each gateway) ------------------------------------------------
    AlarmKind("nat-port-allocation", "nat", "warning", "count",
              "The NAT gateway could not allocate a source port: outbound connections failed.",
              "Find the task opening many connections to one destination; reuse connections or "
              "add a VPC endpoint for that AWS service.",
              evaluation_periods=1, datapoints_to_alarm=1),
    AlarmKind("nat-packets-dropped", "nat", "warning", "count",
              "The NAT gateway drops packets.",
              "Check the AWS Health dashboard for the NAT's AZ and the gateway's bandwidth "
              "metrics.",
              evaluation_periods=5, datapoints_to_alarm=3),
    # --- the NAT instance of `network.nat: instance` (one) ---------------------------------
    AlarmKind("nat-instance-status-check", "nat", "critical", "count",
              "The NAT instance fails its EC2 system status check (its host is impaired): the "
              "private subnets have no internet egress; the alarm's recover action moves it to "
              "healthy hardware.",
              "Watch the instance recover (same id, Elastic IP and ENI, so the routes hold); if "
              "it does not within 15 minutes, stop and start it, or `pulumi up --replace` it.",
              evaluation_periods=2, datapoints_to_alarm=2),
)

ALARMS: dict[str, AlarmKind] = {k.key: k for k in _KINDS}
"""Every alarm key groundwork creates, by key."""

SEED_RULES: dict[str, str] = {k.seed_rule: k.key for k in _KINDS if k.seed_rule}
"""Seed 003 alerting rule -> the alarm key that implements it."""

DEPLOYMENT_ALARMS = frozenset(WEB_DEPLOYMENT_ALARMS + WORKER_DEPLOYMENT_ALARMS)
"""Keys that gate ECS deployments: they can be tuned but not disabled."""


SERVICE_SCOPED = frozenset(
    [k.key for k in _KINDS if k.family == "service"]
    + ["target-5xx-rate", "target-latency-p95", "unhealthy-hosts"])
"""Keys created once per ECS service (the rest: once per database, cache node, load balancer or
NAT). Before 0.2.0 only these carried a scope in their name (see `legacy_alarm_name`)."""

DEFAULT_ALARMS_NAME = "alarms"
"""The name the stacks give their `EnvironmentAlarms` (and what a service assumes by default)."""


def alarms_naming(name: str = DEFAULT_ALARMS_NAME, name_prefix: str = "") -> Naming:
    """The naming of the `EnvironmentAlarms` component `name` built with `name_prefix` (exactly
    what the component itself derives: `<name_prefix or project-stack>-<name>`)."""
    return component_naming("EnvironmentAlarms", name, ComponentArgs(name_prefix=name_prefix))


def alarm_name(naming: Naming, scope: str, key: str, member: str | None = None) -> str:
    """`<alarms prefix>-<scope>-<key>[-<member>]`: `naming` is the alarms component's naming,
    `scope` the watched component's name, `member` the node or gateway number (<= 255 chars),
    e.g. groundwork-prod-alarms-api-target-5xx-rate or groundwork-prod-alarms-cache-cache-memory-2."""
    return naming.name(scope, key, member or "", max_length=255)


def deployment_alarm_names(service: str, kind: str, *, name_prefix: str = "",
                           alarms: str = DEFAULT_ALARMS_NAME) -> list[str]:
    """Names of the alarms that gate the deployments of service `service` (its component name;
    `kind` web or worker): the ones the `EnvironmentAlarms` named `alarms`, built with the same
    `name_prefix`, creates for it. The service references them before they exist."""
    keys = WEB_DEPLOYMENT_ALARMS if kind == "web" else WORKER_DEPLOYMENT_ALARMS
    naming = alarms_naming(alarms, name_prefix)
    return [alarm_name(naming, service, key) for key in keys]


def legacy_alarm_name(prefix: str, scope: str, key: str, member: str | None = None) -> str:
    """The name (and Pulumi name) an alarm had before 0.2.0: `<prefix>-[<service>-]<key>[-<member>]`
    with the environment's prefix, the scope only for per-service keys."""
    return Naming(prefix=prefix).name(scope if key in SERVICE_SCOPED else "", key, member or "",
                                      max_length=255)
