"""Alarm names and the alarm catalog, in one place.

The alarms component creates the alarms and the services reference some of them (ECS
alarm-based rollback) before they exist, so both sides must compute the same string: that is
`alarm_name` / `deployment_alarm_names`. An alarm's name is
`<name_prefix>-<alarms component>-<watched component>-<key>[-<member>]`
(`groundwork-prod-alarms-api-target-5xx-rate`, `groundwork-prod-alarms-cache-cache-memory-2`):
the alarms component's name keeps two `EnvironmentAlarms` apart, the watched component's name
(service, database, cache, load balancer, network) two databases or two caches.

The catalog `CATALOG` is the other half of "one place": every key groundwork notifies on, with
its severity (which SNS topic it notifies), what it means, what to do first, and its default
evaluation window. Most are CloudWatch metric alarms (`ALARMS`: override validation checks keys
against it, the alarm descriptions are written from it); the `event` ones (`EVENT_NOTICES`) are
EventBridge rules on AWS Backup's job events (`deployment-rolled-back` is a metric alarm on the
deploy notices' EventBridge rules, components/alarms/deployments.py). docs/alarms.md has one
section per key (a test keeps them in step).

This module imports nothing heavier than `components.base`, so config validation can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from groundwork.components.args import ComponentArgs
from groundwork.components.base import Naming, component_naming

Severity = Literal["critical", "warning"]
Family = Literal["load_balancer", "service", "database", "cache", "nat", "search", "documents", "queue",
                 "kafka", "web_firewall", "dns", "cloudfront", "backup", "deploy"]
Source = Literal["metric", "event"]
"""What raises it: a CloudWatch metric alarm, or an EventBridge rule on a service's events."""
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
    source: Source = "metric"
    """`metric`: a CloudWatch alarm (`ALARMS`, tuned by `alarms.overrides`); `event`: an
    EventBridge rule that notifies once per matching event (`EVENT_NOTICES`: no threshold or
    window to tune, `unit`/`evaluation_periods`/`datapoints_to_alarm` are 1 event)."""


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
    # --- OpenSearch (scope: the search domain; AWS's recommended OpenSearch alarms) ---------
    AlarmKind("search-red", "search", "critical", "count",
              "At least one primary shard and its replicas are unassigned: some indices can't be "
              "searched or written (ClusterStatus.red).",
              "Check free storage and node count first (a full disk or a lost node are the usual "
              "causes), then `GET _cluster/allocation/explain` as the admin role.",
              evaluation_periods=1, datapoints_to_alarm=1),
    AlarmKind("search-yellow", "search", "warning", "count",
              "Replica shards are unassigned (ClusterStatus.yellow): one more node loss can lose "
              "data or availability.",
              "Check that every AZ has its data nodes (Nodes metric) and that no node is out of "
              "disk; `GET _cluster/allocation/explain` names the shard and the reason.",
              evaluation_periods=1, datapoints_to_alarm=1),
    AlarmKind("search-free-storage", "search", "critical", "count",
              "A data node's free storage is below 25 % of its volume (at 20 GiB or less "
              "OpenSearch blocks writes).",
              "Delete old indices or raise `search.volume_size_gb` (an in-place blue/green "
              "change) before the write block starts.",
              evaluation_periods=1, datapoints_to_alarm=1),
    AlarmKind("search-writes-blocked", "search", "critical", "count",
              "The domain refuses writes (ClusterIndexWritesBlocked): disk or memory pressure.",
              "Look at search-free-storage and search-jvm-memory; free space or scale up, then "
              "the block lifts by itself.",
              evaluation_periods=1, datapoints_to_alarm=1),
    AlarmKind("search-cpu", "search", "warning", "percent",
              "A data node's CPU stayed at or above 80 % for 45 minutes.",
              "Find the expensive queries in the search slow log; add data nodes or move to a "
              "larger `search.instance_type`.",
              evaluation_periods=3, datapoints_to_alarm=3),
    AlarmKind("search-jvm-memory", "search", "warning", "percent",
              "A data node's JVM heap pressure stayed at or above 95 % (out-of-memory errors and "
              "write blocks are next).",
              "Look for heavy aggregations and too many shards; move to a memory-optimised or "
              "larger `search.instance_type`.",
              evaluation_periods=3, datapoints_to_alarm=3),
    AlarmKind("search-master-cpu", "search", "warning", "percent",
              "A dedicated master node's CPU stayed at or above 50 % for 45 minutes.",
              "Check the shard count and cluster-state churn (index creation storms); move to a "
              "larger `search.dedicated_master_type`.",
              evaluation_periods=3, datapoints_to_alarm=3),
    AlarmKind("search-master-jvm-memory", "search", "warning", "percent",
              "A dedicated master node's JVM heap pressure stayed at or above 95 %.",
              "Reduce the number of shards and indices, or move to a larger "
              "`search.dedicated_master_type`.",
              evaluation_periods=3, datapoints_to_alarm=3),
    AlarmKind("search-snapshot-failed", "search", "warning", "count",
              "An automated snapshot failed: the domain may have no recent restore point.",
              "Check cluster health (a red cluster can't snapshot) and the KMS key's state.",
              evaluation_periods=1, datapoints_to_alarm=1),
    AlarmKind("search-kms-key-inaccessible", "search", "critical", "count",
              "OpenSearch can't use the data key (disabled, scheduled for deletion or its grant "
              "revoked): the domain stops serving data.",
              "Re-enable the key (or cancel its deletion) and check its key policy still allows "
              "es via-service use; the domain recovers within the hour.",
              evaluation_periods=1, datapoints_to_alarm=1),
    # --- SQS (scope: the queue; its dead-letter queue too) ---------------------------------
    AlarmKind("queue-oldest-message", "queue", "warning", "seconds",
              "The queue's oldest message has waited longer than every retry of it would take "
              "(max_receive_count visibility timeouts, at least 15 minutes, at most half the "
              "retention): nobody consumes it in time.",
              "Check that the queue's consumers run and succeed (their logs, running tasks); "
              "scale them out before messages reach the retention and expire unread.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("queue-dlq-not-empty", "queue", "warning", "count",
              "Messages are in the queue's dead-letter queue: jobs failed max_receive_count "
              "times and stopped being retried.",
              "Read a message from the DLQ and the consumer's logs for its failure; fix the "
              "cause, then redrive the DLQ to the queue (a start-message-move-task) before the "
              "DLQ retention expires.",
              evaluation_periods=1, datapoints_to_alarm=1),
    AlarmKind("queue-depth", "queue", "warning", "count",
              "More than 1000 messages wait in a queue that no worker scales on (a worker that "
              "scales on the queue gets queue-backlog instead).",
              "Check that the queue's consumers run and keep up; add consumers or make them "
              "faster.",
              evaluation_periods=5, datapoints_to_alarm=5, seed_rule="QueueBacklog"),
    # --- DocumentDB (scope: the document database; per instance, or the cluster) ----------
    AlarmKind("docdb-cpu", "documents", "warning", "percent",
              "A DocumentDB instance's CPU is saturated.",
              "Find the slow operations in the profiler log group and Performance Insights; add "
              "an index, or move to a larger `documents.instance_class`.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("docdb-connections", "documents", "warning", "count",
              "A DocumentDB instance's connections are close to its class's limit (new ones are "
              "refused at the limit).",
              "Check the services' driver pools (maxPoolSize x tasks) for a leak or a pool that "
              "autoscaling multiplied; or move to a larger class.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("docdb-freeable-memory", "documents", "warning", "bytes",
              "A DocumentDB instance's freeable memory is low against its class's RAM.",
              "Check for large in-memory sorts and aggregations and the connection count; move "
              "to a larger class if steady.",
              evaluation_periods=15, datapoints_to_alarm=15),
    AlarmKind("docdb-buffer-cache-hit", "documents", "warning", "percent",
              "Too few reads of a DocumentDB instance come from its buffer cache: the working "
              "set no longer fits in memory.",
              "Check indexes (collection scans read everything) and move to a class with more "
              "memory.",
              evaluation_periods=15, datapoints_to_alarm=15),
    AlarmKind("docdb-low-memory-throttling", "documents", "critical", "count",
              "A DocumentDB instance throttles operations because it is low on memory.",
              "Cut the concurrent load (connections, large aggregations) now and move to a "
              "class with more memory.",
              evaluation_periods=5, datapoints_to_alarm=3),
    AlarmKind("docdb-replica-lag", "documents", "warning", "seconds",
              "The slowest DocumentDB replica lags the primary (reads from replicas are stale; "
              "a failover to it would wait for it to catch up).",
              "Look at the primary's write load and the replica's CPU; a replica of a smaller "
              "class than the primary can't keep up.",
              evaluation_periods=5, datapoints_to_alarm=5),
    # --- MSK provisioned (scope: the cluster; per broker: member = Broker ID) ---------------
    AlarmKind("kafka-disk-used", "kafka", "critical", "percent",
              "A broker's data-log volume is nearly full (a full volume stops the broker and its "
              "partitions go offline or under-replicated).",
              "Raise volume_size_gb (MSK grows the volumes in place) or shorten the retention of "
              "the largest topics; check for a stuck consumer if retention is by size.",
              evaluation_periods=3, datapoints_to_alarm=3),
    AlarmKind("kafka-cpu", "kafka", "warning", "percent",
              "A broker's CPU (user + system) leaves too little headroom for the other AZs' "
              "brokers to take over its partitions if an AZ fails.",
              "Look at the broker's bytes in/out and request rates; add brokers (a multiple of "
              "the AZ count) or move to a larger instance_type.",
              evaluation_periods=5, datapoints_to_alarm=5),
    AlarmKind("kafka-active-controller", "kafka", "critical", "count",
              "The cluster does not have exactly one active controller (none: no leader "
              "elections or metadata changes; two: a split brain).",
              "Open the MSK console's cluster health and the broker logs; if it persists beyond "
              "a maintenance window, open an AWS support case.",
              evaluation_periods=3, datapoints_to_alarm=3),
    AlarmKind("kafka-offline-partitions", "kafka", "critical", "count",
              "Some partitions have no leader: producers and consumers of those partitions "
              "fail.",
              "Find the brokers that are down (MSK console, broker logs) and the topics with "
              "replication factor 1; restore the brokers, never enable unclean elections.",
              evaluation_periods=1, datapoints_to_alarm=1),
    AlarmKind("kafka-under-replicated", "kafka", "warning", "count",
              "A broker leads partitions whose followers are out of sync (one more broker loss "
              "can take them offline).",
              "Check whether MSK is patching (brokers restart one by one) and the brokers' disk, "
              "CPU and network; persistent lag after maintenance needs capacity.",
              evaluation_periods=10, datapoints_to_alarm=10),
    # --- WAF web ACLs (scope: the web firewall) --------------------------------------------
    AlarmKind("waf-blocked-spike", "web_firewall", "warning", "count",
              "The web ACL blocks more requests than one client at the rate limit would send in "
              "5 minutes (an attack, a scanner, or a rule blocking real users).",
              "Run the top-blocking-rules Logs Insights query on the aws-waf-logs- group; if one "
              "rule blocks real users, override it to count (docs/edge.md, false positives).",
              evaluation_periods=3, datapoints_to_alarm=2),
    AlarmKind("waf-rate-limited", "web_firewall", "warning", "count",
              "The rate-based rule is blocking at least one client (it sent more than rate_limit "
              "requests in a rate window).",
              "Find the limited clients in the WAF logs (terminatingRuleId rate-limit); raise "
              "rate_limit or allow-list them if they are legitimate (a monitor, a partner).",
              evaluation_periods=1, datapoints_to_alarm=1),
    # --- Route 53 health checks (scope: the domain records; the metric is in us-east-1) -------
    AlarmKind("route53-health-check", "dns", "critical", "count",
              "Route 53's checkers on the internet can't get a healthy answer from the app's "
              "public health path: users can't reach the app.",
              "Open the health check's status per checker region in the Route 53 console, then "
              "the ALB (or CloudFront) and the web services' target health and 5xx alarms.",
              evaluation_periods=2, datapoints_to_alarm=2),
    # --- CloudFront distributions (scope: the distribution; the metric is in us-east-1) -----
    AlarmKind("cloudfront-5xx-rate", "cloudfront", "critical", "percent",
              "Too many of the viewers' requests get a 5xx from CloudFront (the app's own 5xx, "
              "or CloudFront failing to reach the ALB through its VPC origin): users see errors.",
              "Compare with the ALB's alb-5xx and the services' target-5xx-rate: if those are "
              "quiet, the edge fails (VPC origin, origin security group, the ALB's certificate "
              "or origin_read_timeout); else follow theirs.",
              evaluation_periods=1, datapoints_to_alarm=1),
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
    # --- AWS Backup job events (scope: the backup plan's vaults; EventBridge rules) ---------
    AlarmKind("backup-job-failed", "backup", "critical", "count",
              "An AWS Backup job into the plan's vault ended FAILED, ABORTED, EXPIRED (it could "
              "not start or finish within its window) or PARTIAL: that store has no new recovery "
              "point and the RPO is at risk.",
              "Read the job's status message in the AWS Backup console (KMS or IAM access, a job "
              "already running for the resource, a window too short), fix the cause and start an "
              "on-demand backup of the resource.",
              evaluation_periods=1, datapoints_to_alarm=1, source="event"),
    AlarmKind("copy-job-failed", "backup", "critical", "count",
              "Copying a recovery point from the plan's vault to the DR region's vault FAILED or "
              "was PARTIAL: the DR region lacks that recovery point.",
              "Read the copy job's status message (the DR key's policy, the DR vault's lock "
              "retention against the copy's lifecycle), fix it and copy the recovery point again "
              "from the vault.",
              evaluation_periods=1, datapoints_to_alarm=1, source="event"),
    AlarmKind("restore-job-failed", "backup", "critical", "count",
              "A restore with the plan's role (the monthly restore test, or a restore you "
              "started) FAILED or was ABORTED: a recovery point may not be restorable within "
              "the RTO.",
              "Read the restore job's status message (subnet group, security groups, instance "
              "class, KMS access), fix it and restore again; treat the recovery point as suspect "
              "until a restore of it succeeds.",
              evaluation_periods=1, datapoints_to_alarm=1, source="event"),
    # --- ECS deployments (scope: the stack's services; components/alarms/deployments.py) ---
    AlarmKind("deployment-rolled-back", "deploy", "warning", "count",
              "ECS failed a deployment of one of the stack's services (circuit breaker, a "
              "rollback alarm or the pre-traffic hook) and rolled it back to the last completed "
              "deployment, or, with none to return to, stopped it: the new release is not live.",
              "Read the deploy notice's reason and the failed deployment in the ECS console (for "
              "a failed pre-traffic hook, the hook function's log group), fix it and deploy "
              "again: ECS already rolled back, no rollback command is needed.",
              evaluation_periods=1, datapoints_to_alarm=1),
)


CATALOG: dict[str, AlarmKind] = {k.key: k for k in _KINDS}
"""Every key groundwork notifies on, metric alarms and event notices, by key (docs/alarms.md has
one section per key)."""
ALARMS: dict[str, AlarmKind] = {k.key: k for k in _KINDS if k.source == "metric"}
"""Every CloudWatch alarm key groundwork creates, by key (what `alarms.overrides` tunes)."""
EVENT_NOTICES: dict[str, AlarmKind] = {k.key: k for k in _KINDS if k.source == "event"}
"""The EventBridge notices (components/alarms/backup.py), by key: one notification per event,
nothing to tune."""

SEED_RULES: dict[str, str] = {}
"""Seed 003 alerting rule -> the alarm key that implements it (the first: QueueBacklog is
`queue-backlog` on a worker that scales on its queue, `queue-depth` on a queue none scales on)."""
for _kind in _KINDS:
    if _kind.seed_rule:
        SEED_RULES.setdefault(_kind.seed_rule, _kind.key)

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
