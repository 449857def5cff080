"""Monthly cost estimate of a planned stack, at on-demand list prices for its region.

Reads the PLAN RECORDS (what `groundwork.engine.plan_stack` registered), never the config, so the
estimate follows whatever the components actually create: a NAT the network adds, a replica the
cache adds, an alarm the alarms component adds. Each billable resource becomes one or more
`CostLine`s (component, item, quantity x unit price = monthly), grouped by component with
`groundwork.report.component_of`.

Prices come from `groundwork/prices/<region>.json`: a dated table with its sources cited in the
file. Usage-based charges (NAT data, ALB LCUs, log volume, backup growth) can't be read from a
plan, so they use the stated `Assumptions`, printed with every estimate. Not included: data
transfer out to the internet and across AZs, S3 storage for ALB access logs, ECR storage,
Container Insights observations, SNS deliveries, API request charges (KMS beyond what SQS queues
make, Secrets Manager, CloudWatch), taxes, the free tier, Savings Plans and reservations.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from importlib import resources
from typing import TYPE_CHECKING, Any

from groundwork.engine import PlanResult, ResourceRecord
from groundwork.report import component_of

if TYPE_CHECKING:  # rich is imported where it renders
    from rich.console import JustifyMethod

PRICES_PACKAGE = "groundwork"
PRICES_DIR = "prices"

NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
EC2_INSTANCE = "aws:ec2/instance:Instance"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
RDS_INSTANCE = "aws:rds/instance:Instance"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
DOCDB_CLUSTER = "aws:docdb/cluster:Cluster"
DOCDB_INSTANCE = "aws:docdb/clusterInstance:ClusterInstance"
MSK_CLUSTER = "aws:msk/cluster:Cluster"
MSK_SERVERLESS = "aws:msk/serverlessCluster:ServerlessCluster"
OPENSEARCH_DOMAIN = "aws:opensearch/domain:Domain"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SCALING_TARGET = "aws:appautoscaling/target:Target"
KMS_KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
SQS_QUEUE = "aws:sqs/queue:Queue"
SQS_REDRIVE = "aws:sqs/redrivePolicy:RedrivePolicy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TRAIL = "aws:cloudtrail/trail:Trail"
CONFIG_RECORDER = "aws:cfg/recorder:Recorder"
GUARDDUTY = "aws:guardduty/detector:Detector"
SECURITY_HUB = "aws:securityhub/account:Account"
BUDGET = "aws:budgets/budget:Budget"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
HOSTED_ZONE = "aws:route53/zone:Zone"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
S3_LOGGING = "aws:s3/bucketLogging:BucketLogging"
S3_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
ASSET_BUCKET = "groundwork:data:AssetBucket"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
COLLECTOR_CONTAINER = "aws-otel-collector"
"""The tracing sidecar's container name in a task definition (components/containers.py)."""
BACKUP_PLAN = "aws:backup/plan:Plan"
BACKUP_SELECTION = "aws:backup/selection:Selection"
RESTORE_TESTING_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
RESTORE_TESTING_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
RDS_BACKUP_REPLICATION = (
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
BACKUP_STORE_TYPES = {RDS_INSTANCE: "RDS", DOCDB_CLUSTER: "DocumentDB",
                      **dict.fromkeys(S3_BUCKETS, "S3")}
"""The records a backup selection can cover, as AWS Backup's pricing names their type."""

USAGE_BASED = {
    TRAIL: "CloudTrail (usage-based: 1st trail's mgmt events free)",
    CONFIG_RECORDER: "AWS Config (usage-based: per item recorded)",
    GUARDDUTY: "GuardDuty (usage-based: per GB/event, vCPU-hour)",
    SECURITY_HUB: "Security Hub (usage-based: per check, finding)",
    BUDGET: "AWS Budgets (usage-based: first two budgets free)",
}
"""The account baseline's services (components/account/): no fixed monthly price, billed by what
the account does. Each gets a $0 line that says so, never a guessed figure."""


class PriceError(Exception):
    """No price table for the region (or an unreadable one)."""


@dataclass(frozen=True)
class Assumptions:
    """Usage a plan can't show. Every figure is printed with the estimate; change them with
    the `groundwork cost` options."""

    hours_per_month: float = 730.0
    """Hours in a billing month (AWS's own convention: 24 x 365 / 12)."""
    nat_gb_per_gateway: float = 100.0
    """GB processed per NAT gateway per month (default 100: image pulls go through the S3
    gateway endpoint, so this is app egress and AWS API calls)."""
    alb_lcu: float = 1.0
    """Average LCUs per ALB (default 1: about 25 new connections/s or 1 GB/h of traffic)."""
    endpoint_gb_per_endpoint: float = 10.0
    """GB processed per interface endpoint per month (default 10)."""
    log_gb_per_group: float = 1.0
    """GB ingested per CloudWatch log group per month (default 1), stored for its retention."""
    rds_backup_daily_change: float = 0.05
    """Share of the database that changes per day, kept in backups for the retention period
    (default 5 %); backup storage beyond the provisioned size is billed."""
    docdb_storage_gb: float = 100.0
    """GB stored per DocumentDB cluster (default 100: storage grows with the data and isn't in
    the plan)."""
    docdb_io_millions: float = 100.0
    """Million I/O requests per DocumentDB cluster per month on standard storage (default 100,
    about 40 a second; I/O-Optimized has no I/O charge)."""
    sqs_requests_millions_per_queue: float = 1.0
    """Million SQS API requests per queue per month (default 1, about 0.4 a second: a message
    costs about 3, send + receive + delete, and each long-polling consumer adds about 130,000
    empty receives a month); dead-letter queues are not counted (requests only on failures)."""
    spot_discount: float | None = None
    """Fargate Spot discount (default: the price table's, 70 %)."""
    kafka_serverless_partitions: float = 10.0
    """Partitions per MSK Serverless cluster, billed per partition-hour (default 10: a few topics
    of a few partitions each; a plan can't see topics)."""
    waf_requests_millions_per_acl: float = 10.0
    """Million requests a WAF web ACL inspects per month (default 10, about 4 a second: every
    request to the ALB or distribution it protects, blocked ones included)."""
    waf_log_kb_per_request: float = 1.0
    """KB a WAF log record takes (default 1: headers, labels and the rules that matched); an
    `aws-waf-logs-*` group ingests one record per inspected request, the WebFirewall's
    default `log_filter: all`, instead of `log_gb_per_group`."""

    cloudfront_gb_per_month: float = 100.0
    """GB a CloudFront distribution sends to viewers per month (default 100: a small API and
    web app; the always-free 1 TB a month is not deducted)."""
    cloudfront_requests_millions: float = 10.0
    """Million HTTPS requests a distribution serves per month (default 10, about 4 a second;
    the always-free 10 million are not deducted)."""
    asset_gb_per_bucket: float = 100.0
    """GB of current objects in each asset bucket and in its DR replica (default 100: a plan
    can't see objects)."""
    asset_age_days: float = 365.0
    """Objects were written evenly over this many days and are all still kept (default 365): an
    object's age puts it in the class its bucket's lifecycle gives that age."""
    asset_archive_share: float = 0.1
    """Share of an asset bucket's bytes under its archive prefix (default 10 %), which follow the
    archive rule (Deep Archive) instead of the whole bucket's."""
    asset_put_thousands: float = 100.0
    """Thousand PUT/COPY/POST/LIST requests per asset bucket per month (default 100: about 2 a
    minute); a replica gets one replication PUT per PUT."""
    asset_get_thousands: float = 1000.0
    """Thousand GET requests per asset bucket per month (default 1,000, about one every 3 s;
    a replica serves none until a failover)."""
    asset_replicated_gb_per_month: float = 10.0
    """GB of new objects each replicating asset bucket copies to the DR region per month
    (default 10), billed as inter-region transfer."""
    backup_db_used_share: float = 0.5
    """Share of a database's allocated storage its data fills (default 50 %): a snapshot stores
    the used blocks, so a backed-up database's first full recovery point is this share of
    `allocated_storage`; each later one stores `rds_backup_daily_change` of it per day since the
    one before."""
    backup_s3_gb_per_bucket: float = 100.0
    """GB in each S3 bucket AWS Backup covers (default 100: a plan can't see objects)."""
    backup_s3_daily_change: float = 0.01
    """Share of a backed-up bucket's data that is new or changed per day (default 1 %: assets
    are mostly written once)."""
    restore_test_hours: float = 1.0
    """Hours a restore-testing job's restore takes before its validation window starts (default
    1); the restored instance is billed for these plus the validation window."""
    deploys_per_month: float = 40.0
    """Deployments of each service per month (default 40: about two a working day); each runs
    the service's pre-traffic hook once per lifecycle stage it is registered for."""
    deploy_hook_seconds: float = 10.0
    """Seconds one pre-traffic hook invocation runs (default 10: a few smoke checks of a few
    requests each; its timeout is the ceiling)."""
    traced_requests_millions_per_service: float = 10.0
    """Million requests (a worker: jobs) a month each traced service handles (default 10, about
    4 a second: the same figure as the CloudFront and WAF request assumptions)."""
    xray_sampling_rate: float | None = None
    """Share of the requests beyond the reservoir X-Ray records (default: the default sampling
    rule's, 5 %, after its reservoir of one request a second for the whole account)."""

    def describe(self, prices: dict[str, Any]) -> list[str]:
        spot = self.spot_discount if self.spot_discount is not None else (
            prices["fargate"]["spot_discount"])
        sampling = self.xray_sampling_rate if self.xray_sampling_rate is not None else (
            prices["xray"]["default_fixed_rate"])
        return [
            f"{self.hours_per_month:g} hours/month; on-demand list prices of {prices['region']} as of "
            f"{prices['as_of']} (groundwork/prices/{prices['region']}.json); no free tier",
            f"NAT: {self.nat_gb_per_gateway:g} GB processed per gateway per month",
            f"ALB: {self.alb_lcu:g} LCU on average",
            f"interface endpoints: {self.endpoint_gb_per_endpoint:g} GB processed each per month",
            f"logs: {self.log_gb_per_group:g} GB ingested per log group per month, stored "
            "uncompressed for its retention (max 12 months)",
            f"RDS backups: {self.rds_backup_daily_change:.0%} of the storage changes per day",
            f"DocumentDB: {self.docdb_storage_gb:g} GB stored and {self.docdb_io_millions:g} "
            "million I/Os a month per cluster (standard storage); backups as RDS's",
            f"MSK Serverless: {self.kafka_serverless_partitions:g} partitions per cluster; its "
            "storage and data in/out are not included",
            f"WAF: {self.waf_requests_millions_per_acl:g} million requests inspected per web "
            "ACL per month; WCUs as groundwork computes them from the rules; its aws-waf-logs-* "
            f"group ingests {self.waf_log_kb_per_request:g} KB per request (all requests logged; "
            "far less with log_filter blocked_and_counted)",
            "ECS: tasks = the autoscaling minimum (the idle floor), else desired_count; "
            f"Fargate Spot at {spot:.0%} off on-demand",
            f"CloudFront: {self.cloudfront_gb_per_month:g} GB out and "
            f"{self.cloudfront_requests_millions:g} million HTTPS requests per distribution per "
            "month at the first-tier United States rates (Europe's HTTPS requests cost 20 % "
            "more; the always-free 1 TB and 10 million requests not deducted; flat-rate plans not "
            "modelled); VPC origins and origin fetches from the ALB are "
            "free; the v2 access logs' vended-log delivery is not included",
            "Route 53: records go into an existing hosted zone (the stacks create no zone; its "
            "$0.50 a month is billed to the zone's owner, once); queries to alias records of AWS "
            "resources are free; health checks of the app's ALB or distribution priced as AWS "
            "endpoints (the free 50 not deducted)",
            f"SQS: {self.sqs_requests_millions_per_queue:g} million requests per queue per month "
            "(dead-letter queues: none; the free first million not deducted); KMS requests of "
            "an encrypted queue: (2 x producers + consumers) x month / data-key reuse period, "
            "one principal per task role granted on it (1 + 1 when none is)",
            f"AWS Backup: a backed-up database's data fills {self.backup_db_used_share:.0%} of its "
            "allocated storage (DocumentDB: the storage assumed above) and changes "
            f"{self.rds_backup_daily_change:.0%} a day; each S3 bucket holds "
            f"{self.backup_s3_gb_per_bucket:g} GB changing {self.backup_s3_daily_change:.0%} a "
            "day; per vault ONE incremental chain per store: a full copy, then between each two "
            "retained points next in age (every rule's points merged: a rule runs every longest "
            "gap of its schedule, its points kept for its retention) the share of the data "
            "changed at least once in that interval, 1 - (1 - daily change)^days (a month at "
            f"{self.rds_backup_daily_change:.0%} a day: "
            f"{1 - (1 - self.rds_backup_daily_change) ** 31:.0%} of the data; an upper bound: a "
            "hot set rewritten again and again, or objects written once, change less); not "
            "deducted: blocks RDS's automated backups of the same instance may share with these "
            "points, RDS's free backup "
            "storage (taken by the automated backups, on the database's line); the continuous "
            "rule's local storage is RDS's automated backups (on the database's line); copies: "
            "the same chain in the DR vault at the same rates, and a month of changes at the "
            "most frequent copying rule's interval sent across regions (the first full copy not "
            "included); cold storage: none (RDS, DocumentDB and S3 can't tier); "
            f"restore tests: a job fee (${prices['backup']['restore_testing_job']:g} each: "
            "UNCONFIRMED, no source at hand states AWS's figure), and the restored instance for "
            f"{self.restore_test_hours:g} "
            "h + the validation window at single-AZ rates; RDS automated backup replication: "
            "the replicated retention stored in the DR region (no free allowance there) and each "
            "month's changes transferred",
            f"S3 asset buckets: {self.asset_gb_per_bucket:g} GB each (and in a replica), written "
            f"evenly over {self.asset_age_days:g} days and kept, each object in the storage class "
            f"its age gives it under the bucket's lifecycle ({self.asset_archive_share:.0%} under "
            f"the archive prefix, its own rule); {self.asset_put_thousands:g}k PUT/LIST and "
            f"{self.asset_get_thousands:g}k GET requests a month at Standard rates; replication: "
            f"{self.asset_replicated_gb_per_month:g} GB a month transferred to the DR region; not "
            "included: noncurrent versions, lifecycle transition requests, retrievals from IA / "
            "Glacier IR, Deep Archive's 40 KB per-object overhead; other buckets (logs) not "
            "priced",
            f"pre-traffic hooks: {self.deploys_per_month:g} deploys per service a month, "
            f"{self.deploy_hook_seconds:g} s per invocation at the function's memory (the free "
            "tier not deducted)",
            "tracing: the collector sidecar's cpu/memory are its share of the task's Fargate "
            "hours (the task size is what Fargate bills: not an extra charge); X-Ray: "
            f"{self.traced_requests_millions_per_service:g} million requests per traced service "
            "a month, the default sampling rule (the first request each second for the whole "
            f"account, then {sampling:.0%} of the rest), the always-free 100,000 traces a month "
            "deducted",
            "EventBridge rules on AWS service events (AWS Backup and deploy notices): free; the "
            "SNS deliveries of notices (a few hundred e-mails or Chatbot posts a month): under a "
            "cent, not itemised",
            "not included: data transfer out / cross-AZ, S3 and ECR storage, Container Insights, "
            "other API requests (KMS, Secrets Manager, CloudWatch), taxes, Savings Plans",
        ]


@dataclass(frozen=True)
class CostLine:
    """One priced item: `quantity` `unit`s at `unit_price` a unit, per month."""

    component: str
    resource: str
    item: str
    quantity: float
    unit: str
    unit_price: float

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price


@dataclass
class Estimate:
    """The priced lines of one stack, plus what could not be priced."""

    stack: str
    region: str
    as_of: str
    assumptions: list[str]
    lines: list[CostLine] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    """Billable resources the price table has no figure for (named, never silently zero)."""

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def by_component(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for line in self.lines:
            out[line.component] += line.monthly
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def by_item(self) -> list[tuple[str, str, float]]:
        """(component, item, monthly) summed over resources, largest first."""
        out: dict[tuple[str, str], float] = defaultdict(float)
        for line in self.lines:
            out[(line.component, line.item)] += line.monthly
        return sorted(((c, i, v) for (c, i), v in out.items()), key=lambda r: (r[0], -r[2]))

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack, "region": self.region, "currency": "USD", "prices_as_of": self.as_of,
            "total_monthly": round(self.total, 2),
            "by_component": {k: round(v, 2) for k, v in self.by_component().items()},
            "lines": [{**{f.name: getattr(line, f.name) for f in fields(line)},
                       "monthly": round(line.monthly, 4)} for line in self.lines],
            "assumptions": self.assumptions, "unpriced": self.unpriced,
        }


def load_prices(region: str) -> dict[str, Any]:
    """The price table of a region; PriceError naming the regions that have one."""
    folder = resources.files(PRICES_PACKAGE) / PRICES_DIR
    path = folder / f"{region}.json"
    if not path.is_file():
        known = sorted(p.name.removesuffix(".json") for p in folder.iterdir()
                       if p.name.endswith(".json"))
        raise PriceError(f"no price table for region {region!r}; groundwork has: {', '.join(known)} "
                         f"(add groundwork/prices/{region}.json with cited sources)")
    return json.loads(path.read_text())


# --------------------------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------------------------


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def collector_share(container_definitions: Any) -> tuple[float, float]:
    """(vCPU, GB) the tracing collector (`aws-otel-collector`) reserves in a task definition's
    container JSON (its `cpu` units / 1024, `memory` MiB / 1024); (0, 0) without one."""
    try:
        containers = (json.loads(container_definitions) if isinstance(container_definitions, str)
                      else container_definitions) or []
    except ValueError:
        return 0.0, 0.0
    for container in containers if isinstance(containers, list) else []:
        if isinstance(container, dict) and container.get("name") == COLLECTOR_CONTAINER:
            memory = container.get("memory") or container.get("memoryReservation")
            return _num(container.get("cpu")) / 1024, _num(memory) / 1024
    return 0.0, 0.0


def xray_traces(requests: float, *, seconds: float, rate: float,
                reservoir_per_second: float = 1.0) -> float:
    """Traces X-Ray's sampling records of `requests` spread evenly over `seconds`: the
    reservoir (`reservoir_per_second`, for the account) first, then `rate` of the rest."""
    reservoir = min(requests, reservoir_per_second * seconds)
    return reservoir + rate * (requests - reservoir)


class _Pricer:
    """Turns records into lines. One method per billable resource type."""

    def __init__(self, plan: PlanResult, prices: dict[str, Any], assumptions: Assumptions):
        self.plan = plan
        self.p = prices
        self.a = assumptions
        self.h = assumptions.hours_per_month
        self.lines: list[CostLine] = []
        self.unpriced: list[str] = []
        self._traced: list[ResourceRecord] = []
        """ECS services whose task runs the tracing collector (X-Ray traces, `finish`)."""

    def add(self, record: ResourceRecord, item: str, quantity: float, unit: str, price: float) -> None:
        if quantity:
            self.lines.append(CostLine(component_of(self.plan, record), record.name, item,
                                       round(quantity, 6), unit, price))

    def missing(self, record: ResourceRecord, what: str) -> None:
        self.unpriced.append(f"{component_of(self.plan, record)}/{record.name}: {what}")

    # -- network -------------------------------------------------------------------------------

    def nat_gateway(self, r: ResourceRecord) -> None:
        nat = self.p["nat_gateway"]
        self.add(r, "NAT gateway hours", self.h, "hour", nat["hour"])
        self.add(r, "NAT data processed (assumed)", self.a.nat_gb_per_gateway, "GB", nat["gb_processed"])

    def eip(self, r: ResourceRecord) -> None:
        self.add(r, "public IPv4 (Elastic IP)", self.h, "hour", self.p["public_ipv4"]["hour"])

    def ec2_instance(self, r: ResourceRecord) -> None:
        ec2 = self.p["ec2"]
        itype = str(r.inputs.get("instanceType", ""))
        price = ec2["instance_hour"].get(itype)
        if price is None:
            self.missing(r, f"EC2 instance type {itype}")
            return
        self.add(r, f"EC2 {itype} hours", self.h, "hour", price)
        root = r.inputs.get("rootBlockDevice") or {}
        self.add(r, "EBS gp3 root volume", _num(root.get("volumeSize"), 8), "GB-month", ec2["gp3_gb_month"])
        if r.inputs.get("associatePublicIpAddress"):
            self.add(r, "public IPv4 (instance)", self.h, "hour", self.p["public_ipv4"]["hour"])

    def vpc_endpoint(self, r: ResourceRecord) -> None:
        kind = str(r.inputs.get("vpcEndpointType", "Gateway"))
        if kind != "Interface":
            return  # gateway endpoints (S3, DynamoDB) are free
        ep = self.p["vpc_endpoint_interface"]
        azs = len(r.inputs.get("subnetIds") or []) or 1
        self.add(r, "interface endpoint AZ-hours", azs * self.h, "AZ-hour", ep["az_hour"])
        self.add(r, "endpoint data processed (assumed)", self.a.endpoint_gb_per_endpoint, "GB",
                 ep["gb_processed"])

    def load_balancer(self, r: ResourceRecord) -> None:
        kind = str(r.inputs.get("loadBalancerType", "application"))
        if kind != "application":
            self.missing(r, f"{kind} load balancer")
            return
        alb = self.p["alb"]
        self.add(r, "ALB hours", self.h, "hour", alb["hour"])
        self.add(r, "ALB LCU-hours (assumed)", self.a.alb_lcu * self.h, "LCU-hour", alb["lcu_hour"])
        if not r.inputs.get("internal"):
            azs = len(r.inputs.get("subnets") or r.inputs.get("subnetMappings") or [])
            self.add(r, "public IPv4 (one per ALB AZ)", azs * self.h, "IP-hour",
                     self.p["public_ipv4"]["hour"])

    # -- data ----------------------------------------------------------------------------------

    def _rds_instance_hour(self, r: ResourceRecord, cls: str) -> float | None:
        """The hourly price of RDS PostgreSQL class `cls`; None (and `r` listed as not priced)
        when the table lacks it."""
        price = self.p["rds_postgresql"]["instance_hour"].get(cls)
        if price is None:
            self.missing(r, f"RDS instance class {cls}")
        return price

    def rds_instance(self, r: ResourceRecord) -> None:
        rds = self.p["rds_postgresql"]
        cls = str(r.inputs.get("instanceClass", ""))
        multi = bool(r.inputs.get("multiAz"))
        factor = rds["multi_az_factor"] if multi else 1
        price = self._rds_instance_hour(r, cls)
        if price is not None:
            label = f"RDS {cls} {'Multi-AZ (x2)' if multi else 'single-AZ'} hours"
            self.add(r, label, factor * self.h, "instance-hour", price)
        storage = _num(r.inputs.get("allocatedStorage"))
        stype = str(r.inputs.get("storageType", "gp3"))
        if stype != "gp3":
            self.missing(r, f"RDS storage type {stype}")
        else:
            key = "gp3_gb_month_multi_az" if multi else "gp3_gb_month"
            self.add(r, f"RDS gp3 storage{' (Multi-AZ)' if multi else ''}", storage, "GB-month", rds[key])
        retention = _num(r.inputs.get("backupRetentionPeriod"), 1)
        backup = storage * (1 + self.a.rds_backup_daily_change * max(retention - 1, 0))
        self.add(r, f"RDS backup beyond free ({retention:g} days kept)", max(backup - storage, 0),
                 "GB-month", rds["backup_gb_month"])
        if r.inputs.get("manageMasterUserPassword"):
            self.add(r, "master password secret (RDS-managed)", 1, "secret-month",
                     self.p["secrets_manager"]["secret_month"])
        if str(r.inputs.get("databaseInsightsMode", "")).lower() == "advanced":
            from groundwork.components.sizing import DB_INSTANCE_CLASSES

            size = DB_INSTANCE_CLASSES.get(cls)
            vcpu = size.vcpu if size else 0
            self.add(r, "Database Insights advanced", vcpu * factor * self.h, "vCPU-hour",
                     self.p["cloudwatch"]["database_insights_advanced_vcpu_hour"])

    def _cache_nodes(self, r: ResourceRecord, nodes: float) -> None:
        ec = self.p["elasticache"]
        node_type = str(r.inputs.get("nodeType", ""))
        engine = str(r.inputs.get("engine", "redis")).lower()
        price = ec["node_hour_redis"].get(node_type)
        if price is None:
            self.missing(r, f"cache node type {node_type}")
            return
        if engine == "valkey":
            price = round(price * (1 - ec["valkey_discount"]), 6)
        self.add(r, f"ElastiCache {engine} {node_type} x{nodes:g} node-hours", nodes * self.h,
                 "node-hour", price)

    def replication_group(self, r: ResourceRecord) -> None:
        i = r.inputs
        if i.get("numNodeGroups") or i.get("replicasPerNodeGroup") is not None:
            nodes = _num(i.get("numNodeGroups"), 1) * (_num(i.get("replicasPerNodeGroup"), 0) + 1)
        else:
            nodes = _num(i.get("numCacheClusters"), 1)
        self._cache_nodes(r, nodes)

    def cache_cluster(self, r: ResourceRecord) -> None:
        if r.inputs.get("replicationGroupId"):
            return  # a member of a replication group: priced there
        self._cache_nodes(r, _num(r.inputs.get("numCacheNodes"), 1))

    def opensearch_domain(self, r: ResourceRecord) -> None:
        """Data nodes and dedicated masters by the hour, and each data node's gp3 volume."""
        os_ = self.p["opensearch"]
        cluster = r.inputs.get("clusterConfig") or {}
        nodes = _num(cluster.get("instanceCount"), 1)
        itype = str(cluster.get("instanceType", ""))
        roles = [("data", itype, nodes)]
        if cluster.get("dedicatedMasterEnabled"):
            roles.append(("master", str(cluster.get("dedicatedMasterType", "")),
                          _num(cluster.get("dedicatedMasterCount"), 3)))
        for role, kind, count in roles:
            price = os_["instance_hour"].get(kind)
            if price is None:
                self.missing(r, f"OpenSearch {role} instance type {kind}")
                continue
            self.add(r, f"OpenSearch {kind} x{count:g} {role} node-hours", count * self.h,
                     "node-hour", price)
        ebs = r.inputs.get("ebsOptions") or {}
        if ebs.get("ebsEnabled") is not False:
            vtype = str(ebs.get("volumeType", "gp3"))
            if vtype != "gp3":
                self.missing(r, f"OpenSearch EBS volume type {vtype}")
            else:
                size = _num(ebs.get("volumeSize"), 10)
                self.add(r, f"OpenSearch gp3 storage ({size:g} GB x {nodes:g} data nodes)",
                         size * nodes, "GB-month", os_["gp3_gb_month"])

    def msk_cluster(self, r: ResourceRecord) -> None:
        """Provisioned MSK: broker instance-hours by type, and each broker's EBS volume."""
        msk = self.p["msk"]
        group = r.inputs.get("brokerNodeGroupInfo") or {}
        brokers = _num(r.inputs.get("numberOfBrokerNodes"), 1)
        itype = str(group.get("instanceType", ""))
        price = msk["broker_hour"].get(itype)
        if price is None:
            self.missing(r, f"MSK broker type {itype}")
        else:
            self.add(r, f"MSK {itype} x{brokers:g} broker-hours", brokers * self.h, "broker-hour",
                     price)
        ebs = (group.get("storageInfo") or {}).get("ebsStorageInfo") or {}
        size = _num(ebs.get("volumeSize"), 1000)  # MSK's default volume is 1000 GiB
        self.add(r, f"MSK broker storage ({size:g} GB x {brokers:g} brokers)", size * brokers,
                 "GB-month", msk["storage_gb_month"])

    def msk_serverless(self, r: ResourceRecord) -> None:
        """MSK Serverless: cluster-hours, and partition-hours at the assumed partition count."""
        msk = self.p["msk"]
        self.add(r, "MSK Serverless cluster-hours", self.h, "cluster-hour", msk["serverless_cluster_hour"])
        partitions = self.a.kafka_serverless_partitions
        self.add(r, f"MSK Serverless partition-hours (assumed {partitions:g} partitions)",
                 partitions * self.h, "partition-hour", msk["serverless_partition_hour"])

    def _docdb_cluster_of(self, r: ResourceRecord) -> ResourceRecord | None:
        ident = r.inputs.get("clusterIdentifier")
        return next((c for c in self.plan.of_type(DOCDB_CLUSTER)
                     if ident in (c.outputs.get("clusterIdentifier"), c.outputs.get("id"))), None)

    def docdb_instance(self, r: ResourceRecord) -> None:
        """Instance-hours by class (I/O-Optimized clusters' instances at the iopt1 rate)."""
        docdb = self.p["docdb"]
        cls = str(r.inputs.get("instanceClass", ""))
        cluster = self._docdb_cluster_of(r)
        iopt = cluster is not None and str(cluster.inputs.get("storageType", "")) == "iopt1"
        price = docdb["instance_hour"].get(cls)
        if price is None:
            self.missing(r, f"DocumentDB instance class {cls}")
            return
        factor = docdb["iopt1_instance_factor"] if iopt else 1
        label = f"DocumentDB {cls} hours{' (I/O-Optimized)' if iopt else ''}"
        self.add(r, label, self.h, "instance-hour", price * factor)

    def docdb_cluster(self, r: ResourceRecord) -> None:
        """Storage and I/O (assumed: neither is in the plan), backup beyond the free 100 % of
        the storage, and the managed master secret."""
        docdb = self.p["docdb"]
        storage = self.a.docdb_storage_gb
        if str(r.inputs.get("storageType", "standard")) == "iopt1":
            self.add(r, "DocumentDB I/O-Optimized storage (assumed size)", storage, "GB-month",
                     docdb["iopt1_storage_gb_month"])
        else:
            self.add(r, "DocumentDB storage (assumed size)", storage, "GB-month",
                     docdb["storage_gb_month"])
            self.add(r, "DocumentDB I/O (assumed)", self.a.docdb_io_millions, "million I/Os",
                     docdb["io_million"])
        retention = _num(r.inputs.get("backupRetentionPeriod"), 1)
        backup = storage * self.a.rds_backup_daily_change * max(retention - 1, 0)
        self.add(r, f"DocumentDB backup beyond free ({retention:g} days kept)", backup, "GB-month",
                 docdb["backup_gb_month"])
        if r.inputs.get("manageMasterUserPassword"):
            self.add(r, "master password secret (DocumentDB-managed)", 1, "secret-month",
                     self.p["secrets_manager"]["secret_month"])

    # -- compute -------------------------------------------------------------------------------

    def ecs_service(self, r: ResourceRecord) -> None:
        task = self._task_definition(r)
        if task is None:
            self.missing(r, "its task definition is not in the plan")
            return
        if str(r.inputs.get("launchType", "FARGATE")) not in {"FARGATE", ""} and not (
                r.inputs.get("capacityProviderStrategies")):
            self.missing(r, f"launch type {r.inputs.get('launchType')}")
            return
        fg = self.p["fargate"]
        arch = str((task.inputs.get("runtimePlatform") or {}).get("cpuArchitecture") or "X86_64")
        rates = fg.get(arch)
        if rates is None:
            self.missing(r, f"Fargate architecture {arch}")
            return
        vcpu = _num(task.inputs.get("cpu")) / 1024
        gib = _num(task.inputs.get("memory")) / 1024
        count = self._task_count(r)
        on_demand, spot = fargate_split(count, r.inputs.get("capacityProviderStrategies") or [])
        discount = self.a.spot_discount if self.a.spot_discount is not None else fg["spot_discount"]
        # the tracing collector's share of the task (billed as part of it, shown apart)
        share_cpu, share_gib = collector_share(task.inputs.get("containerDefinitions"))
        share_cpu, share_gib = min(share_cpu, vcpu), min(share_gib, gib)
        if share_cpu or share_gib:
            self._traced.append(r)
        for label, tasks, factor in (("", on_demand, 1.0), (" Spot", spot, 1 - discount)):
            if not tasks:
                continue
            what = f"{tasks:g} task(s) {arch}{label}"
            vcpu_price = round(rates["vcpu_hour"] * factor, 8)
            gb_price = round(rates["gb_hour"] * factor, 8)
            self.add(r, f"Fargate vCPU ({vcpu:g} x {what})", tasks * (vcpu - share_cpu) * self.h,
                     "vCPU-hour", vcpu_price)
            self.add(r, f"Fargate memory ({gib:g} GB x {what})",
                     tasks * (gib - share_gib) * self.h, "GB-hour", gb_price)
            self.add(r, f"tracing collector's share: {share_cpu:g} of {vcpu:g} vCPU ({what})",
                     tasks * share_cpu * self.h, "vCPU-hour", vcpu_price)
            self.add(r, f"tracing collector's share: {share_gib:g} of {gib:g} GB ({what})",
                     tasks * share_gib * self.h, "GB-hour", gb_price)
        ephemeral = _num((task.inputs.get("ephemeralStorage") or {}).get("sizeInGib"))
        extra = max(ephemeral - fg["ephemeral_free_gb"], 0)
        self.add(r, "Fargate ephemeral storage beyond 20 GB", count * extra * self.h, "GB-hour",
                 fg["ephemeral_gb_hour"])

    def _task_definition(self, service: ResourceRecord) -> ResourceRecord | None:
        ref = str(service.inputs.get("taskDefinition", ""))
        for td in self.plan.of_type(TASK_DEFINITION):
            keys = {td.outputs.get("arn"), td.outputs.get("arnWithoutRevision"), td.id,
                    td.inputs.get("family"), td.outputs.get("family")}
            if ref in keys or ref.split(":")[-1] == td.inputs.get("family") or any(
                    k and ref.startswith(f"{k}:") for k in keys if isinstance(k, str)):
                return td
        return None

    def _task_count(self, service: ResourceRecord) -> float:
        """The autoscaling minimum (what runs at idle), else desired_count, else 1."""
        name = str(service.inputs.get("name") or service.outputs.get("name") or service.name)
        for target in self.plan.of_type(SCALING_TARGET):
            rid = str(target.inputs.get("resourceId", ""))
            if target.inputs.get("serviceNamespace") == "ecs" and rid.split("/")[-1] == name:
                return _num(target.inputs.get("minCapacity"), 1)
        desired = service.inputs.get("desiredCount")
        return _num(desired, 1) if desired is not None else 1.0

    # -- security and observability ------------------------------------------------------------

    def kms_key(self, r: ResourceRecord) -> None:
        self.add(r, "KMS customer-managed key", 1, "key-month", self.p["kms"]["key_month"])

    def sqs_queue(self, r: ResourceRecord) -> None:
        """Requests (assumed) of a queue that is no other's dead-letter queue, and the KMS
        requests SQS makes for it: per principal, one GenerateDataKey (producer) and one
        Decrypt (both) per data-key reuse period (AWS's estimate for SSE-KMS queues)."""
        arn = r.outputs.get("arn")
        if arn and arn in self._dead_letter_arns():
            return
        fifo = bool(r.inputs.get("fifoQueue")) or str(r.inputs.get("name", "")).endswith(".fifo")
        sqs = self.p["sqs"]
        kind, price = ("FIFO", sqs["fifo_million_requests"]) if fifo else (
            "standard", sqs["standard_million_requests"])
        self.add(r, f"SQS {kind} requests (assumed)", self.a.sqs_requests_millions_per_queue,
                 "million requests", price)
        if not r.inputs.get("kmsMasterKeyId"):
            return
        producers, consumers = self._queue_principals(arn)
        if producers + consumers == 0:
            producers, consumers = 1, 1
        reuse = _num(r.inputs.get("kmsDataKeyReusePeriodSeconds"), 300) or 300
        requests = (2 * producers + consumers) * self.h * 3600 / reuse
        self.add(r, f"KMS requests for SQS ({producers} producer(s), {consumers} consumer(s), "
                    f"data key reused {reuse:g} s)", requests / 10_000, "10k requests",
                 self.p["kms"]["request_10k"])

    def _dead_letter_arns(self) -> set[str]:
        """ARNs that some queue redrives into (a separate RedrivePolicy or an inline one)."""
        found: set[str] = set()
        holders = [*self.plan.of_type(SQS_REDRIVE), *self.plan.of_type(SQS_QUEUE)]
        for holder in holders:
            raw = holder.inputs.get("redrivePolicy")
            try:
                doc = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                continue
            if isinstance(doc, dict) and isinstance(doc.get("deadLetterTargetArn"), str):
                found.add(doc["deadLetterTargetArn"])
        return found

    def _queue_principals(self, arn: Any) -> tuple[int, int]:
        """(producers, consumers): the inline role policies allowing sqs:SendMessage /
        sqs:ReceiveMessage on the queue's ARN, one principal per role."""
        producers: set[str] = set()
        consumers: set[str] = set()
        for policy in self.plan.of_type(ROLE_POLICY):
            raw = policy.inputs.get("policy")
            try:
                doc = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                continue
            statements = doc.get("Statement", []) if isinstance(doc, dict) else []
            for st in statements if isinstance(statements, list) else [statements]:
                if not isinstance(st, dict) or st.get("Effect") != "Allow":
                    continue
                resources = st.get("Resource")
                resources = resources if isinstance(resources, list) else [resources]
                if arn not in resources:
                    continue
                actions = st.get("Action")
                actions = {str(a).lower() for a in (actions if isinstance(actions, list) else [actions])}
                role = str(policy.inputs.get("role", policy.name))
                if actions & {"sqs:sendmessage", "sqs:*"}:
                    producers.add(role)
                if actions & {"sqs:receivemessage", "sqs:*"}:
                    consumers.add(role)
        return len(producers), len(consumers)

    def secret(self, r: ResourceRecord) -> None:
        self.add(r, "Secrets Manager secret", 1, "secret-month", self.p["secrets_manager"]["secret_month"])

    def metric_alarm(self, r: ResourceRecord) -> None:
        metrics, high_res = alarm_metric_count(r.inputs)
        cw = self.p["cloudwatch"]
        if high_res:
            self.add(r, "alarm metrics (high resolution)", metrics, "alarm-metric-month",
                     cw["alarm_metric_month_high_resolution"])
        else:
            kind = "metric-math alarm metrics" if r.inputs.get("metricQueries") else "standard alarms"
            self.add(r, kind, metrics, "alarm-metric-month", cw["alarm_metric_month"])

    def composite_alarm(self, r: ResourceRecord) -> None:
        self.add(r, "composite alarm", 1, "alarm-month", self.p["cloudwatch"]["composite_alarm_month"])

    def dashboard(self, r: ResourceRecord) -> None:
        self.add(r, "CloudWatch dashboard", 1, "dashboard-month", self.p["cloudwatch"]["dashboard_month"])

    def lambda_function(self, r: ResourceRecord) -> None:
        """A pre-traffic hook (a function some ECS service's lifecycle hook targets): per month,
        deploys x its lifecycle stages invocations, each `deploy_hook_seconds` at its memory.
        Other functions (the cache token's rotation: minutes a month) are not priced."""
        arn = r.outputs.get("arn")
        invocations = sum(
            len(hook.get("lifecycleStages") or [])
            for svc in self.plan.of_type(ECS_SERVICE)
            for hook in ((svc.inputs.get("deploymentConfiguration") or {}).get("lifecycleHooks")
                         or [])
            if arn and hook.get("hookTargetArn") == arn) * self.a.deploys_per_month
        if not invocations:
            return
        lam = self.p["lambda"]
        arch = str((r.inputs.get("architectures") or ["x86_64"])[0])
        price = lam["gb_second"].get(arch)
        if price is None:
            self.missing(r, f"Lambda architecture {arch}")
            return
        memory_gb = _num(r.inputs.get("memorySize"), 128) / 1024
        self.add(r, f"pre-traffic hook invocations ({invocations:g} a month, assumed)",
                 invocations / 1e6, "million requests", lam["requests_million"])
        self.add(r, f"pre-traffic hook duration ({self.a.deploy_hook_seconds:g} s x "
                    f"{memory_gb * 1024:g} MB {arch}, assumed)",
                 invocations * self.a.deploy_hook_seconds * memory_gb, "GB-second", price)

    def event_rule(self, r: ResourceRecord) -> None:
        """A rule on AWS service events (ECS deployments, AWS Backup jobs): free, said so."""
        pattern = str(r.inputs.get("eventPattern") or "")
        if '"aws.' not in pattern:
            return  # not on AWS service events: custom events are billed per million published
        self.lines.append(CostLine(component_of(self.plan, r), r.name,
                                   "EventBridge rule on AWS service events (free)", 1, "rule-month",
                                   self.p["eventbridge"]["aws_service_event_rule_month"]))

    def finish(self) -> None:
        """X-Ray traces recorded by the traced services, on the services' records: the default
        sampling rule's reservoir (one request a second, once for the account) and its rate of
        the rest, the always-free 100,000 a month deducted, split by each service's share."""
        if not self._traced:
            return
        xray = self.p["xray"]
        rate = self.a.xray_sampling_rate
        rate = xray["default_fixed_rate"] if rate is None else rate
        requests = self.a.traced_requests_millions_per_service * 1e6
        total_requests = requests * len(self._traced)
        traces = xray_traces(total_requests, seconds=self.h * 3600, rate=rate,
                             reservoir_per_second=xray["default_reservoir_per_second"])
        billed = max(traces - xray["free_traces_recorded_month"], 0.0)
        for r in self._traced:
            self.add(r, f"X-Ray traces recorded (assumed; its 1/{len(self._traced)} of "
                        f"{traces / 1e6:.3g} million a month, 100,000 free)",
                     billed / len(self._traced) / 1e6, "million traces",
                     xray["traces_recorded_million"])

    def usage_based(self, r: ResourceRecord) -> None:
        """A $0 line naming what the service bills by (USAGE_BASED)."""
        self.lines.append(CostLine(component_of(self.plan, r), r.name, USAGE_BASED[r.type], 1,
                                   "usage-based", 0.0))

    def web_acl(self, r: ResourceRecord) -> None:
        """The ACL, each rule (a rule group is one rule), the requests it inspects (assumed) and
        the per-request surcharge of each 500 WCUs above the 1,500 the base price covers."""
        waf = self.p["waf"]
        rules = r.inputs.get("rules") or []
        self.add(r, "WAF web ACL", 1, "ACL-month", waf["web_acl_month"])
        self.add(r, "WAF rules and rule groups", len(rules), "rule-month", waf["rule_month"])
        requests = self.a.waf_requests_millions_per_acl
        self.add(r, "WAF requests inspected (assumed)", requests, "million requests",
                 waf["requests_million"])
        extra = max(web_acl_capacity(rules) - waf["wcu_included"], 0)
        blocks = -(-extra // waf["wcu_block"])  # each started block of 500 WCUs
        self.add(r, f"WAF requests, {blocks:g} x 500 WCU above 1,500 (assumed)", requests * blocks,
                 "million requests", waf["wcu_block_requests_million"])

    def distribution(self, r: ResourceRecord) -> None:
        """Data transfer out to viewers and HTTPS requests (both assumed), at the first tier of
        the United States rates: the price class's cheapest edge (Europe: same per GB, HTTPS
        requests $0.0120 per 10,000, not modelled); other classes serve some viewers
        from dearer regions (not modelled)."""
        cf = self.p["cloudfront"]
        self.add(r, "CloudFront data transfer out (assumed)", self.a.cloudfront_gb_per_month,
                 "GB", cf["gb_out_first_10tb"])
        self.add(r, "CloudFront HTTPS requests (assumed)",
                 self.a.cloudfront_requests_millions * 100, "10k requests", cf["https_10k"])

    def health_check(self, r: ResourceRecord) -> None:
        """A Route 53 health check of an AWS endpoint: the basic check plus each optional feature
        it uses (HTTPS, string matching, the fast 10 s interval, latency measurement)."""
        r53 = self.p["route53"]
        kind = str(r.inputs.get("type", "HTTP"))
        if kind in ("CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL"):
            self.add(r, f"Route 53 health check ({kind})", 1, "check-month",
                     r53["health_check_aws_month"])
            return
        self.add(r, "Route 53 health check (AWS endpoint)", 1, "check-month",
                 r53["health_check_aws_month"])
        features = [name for name, on in (
            ("HTTPS", kind.startswith("HTTPS")), ("string matching", kind.endswith("STR_MATCH")),
            ("fast interval", _num(r.inputs.get("requestInterval"), 30) == 10),
            ("latency measurement", bool(r.inputs.get("measureLatency")))) if on]
        for feature in features:
            self.add(r, f"Route 53 health check option: {feature}", 1, "feature-month",
                     r53["optional_feature_aws_month"])

    def hosted_zone(self, r: ResourceRecord) -> None:
        self.add(r, "Route 53 hosted zone", 1, "zone-month", self.p["route53"]["hosted_zone_month"])

    # -- AWS Backup ----------------------------------------------------------------------------

    def _backup_full_and_change(self, store: ResourceRecord) -> tuple[str, float, float]:
        """(type, GB of its first full recovery point, share of it changing per day)."""
        kind = BACKUP_STORE_TYPES[store.type]
        if kind == "RDS":
            full = _num(store.inputs.get("allocatedStorage")) * self.a.backup_db_used_share
            return kind, full, self.a.rds_backup_daily_change
        if kind == "DocumentDB":
            return kind, self.a.docdb_storage_gb, self.a.rds_backup_daily_change
        return kind, self.a.backup_s3_gb_per_bucket, self.a.backup_s3_daily_change

    def _covered(self, selection: ResourceRecord) -> list[ResourceRecord]:
        """The stores a selection covers: by its tag conditions or its resource ARNs."""
        tags = [(t.get("key"), t.get("value")) for t in selection.inputs.get("selectionTags") or []]
        arns = set(selection.inputs.get("resources") or [])
        out = []
        for record in self.plan.custom_resources:
            if record.type not in BACKUP_STORE_TYPES:
                continue
            own = record.inputs.get("tags") or {}
            arn = record.outputs.get("arn")
            if any(own.get(k) == v for k, v in tags) or (arn and arn in arns):
                out.append(record)
        return out

    def backup_selection(self, r: ResourceRecord) -> None:
        """The recovery points of what the selection covers, in the plan's vault and, through
        its rules' copy actions, in the DR vault; the inter-region transfer of the copies.

        A store's recovery points in one vault form ONE incremental chain, whichever rule made
        them (AWS Backup pricing: "For the first backup of an AWS resource, a full copy of your
        data is saved. For each incremental backup, only the changed part"; RDS: "subsequent
        snapshots of the same DB instance are incremental"): the vault holds one full copy plus,
        between each two retained points next in age, the data changed in that interval
        (`chain_storage_gb`). A point the daily rule already keeps adds nothing for the monthly
        rule, and a month between two monthly points adds the share of the data changed at least
        once in that month (1 - (1 - daily change)^31), not 31 days of changes."""
        from groundwork.components.backup import parse_cron

        plans = [p for p in self.plan.of_type(BACKUP_PLAN) if p.outputs.get("id") == r.inputs.get("planId")
                 or p.id == r.inputs.get("planId")]
        if not plans:
            self.missing(r, "backup selection of an unknown plan")
            return
        backup = self.p["backup"]
        for store in self._covered(r):
            kind, full, change = self._backup_full_and_change(store)
            price = backup["warm_gb_month"].get(kind)
            if price is None:  # pragma: no cover - BACKUP_STORE_TYPES and the table agree
                self.missing(r, f"AWS Backup storage of {kind}")
                continue
            local: list[tuple[float, float]] = []   # (gap days, retention days) per rule
            copied: list[tuple[float, float]] = []
            for rule in plans[0].inputs.get("rules") or []:
                try:
                    gap_days = parse_cron(str(rule.get("schedule"))).longest_gap_minutes() / 1440
                except ValueError:
                    self.missing(r, f"backup rule schedule {rule.get('schedule')!r}")
                    continue
                continuous = bool(rule.get("enableContinuousBackup")) and kind == "RDS"
                if not continuous:  # RDS's PITR is its automated backups: the database's line
                    days = _num((rule.get("lifecycle") or {}).get("deleteAfter"), 0)
                    if days:
                        local.append((gap_days, days))
                for copy in rule.get("copyActions") or []:
                    days = _num((copy.get("lifecycle") or {}).get("deleteAfter"), 0)
                    if days:  # a continuous rule's copies are snapshots at its schedule
                        copied.append((gap_days, days))
            name = store.name
            self.add(r, f"AWS Backup warm storage: {kind} {name} (full copy + changes)",
                     chain_storage_gb(full, change, local), "GB-month", price)
            if copied:
                self.add(r, f"AWS Backup warm storage in the DR vault: {kind} {name} copies",
                         chain_storage_gb(full, change, copied), "GB-month", price)
                finest = min(gap for gap, _ in copied)
                self.add(r, f"cross-region copy transfer: {kind} {name} (new data a month)",
                         30 / finest * full * changed_share(change, finest), "GB",
                         self.p["data_transfer"]["inter_region_gb"])

    def restore_testing_selection(self, r: ResourceRecord) -> None:
        """A job fee per restore test, and the restored instance's hours until the validation
        window closes (RDS: the database's class, single-AZ)."""
        from groundwork.components.backup import parse_cron

        kind = str(r.inputs.get("protectedResourceType", ""))
        plans = [p for p in self.plan.of_type(RESTORE_TESTING_PLAN)
                 if p.inputs.get("name") == r.inputs.get("restoreTestingPlanName")]
        if not plans:
            self.missing(r, "restore-testing selection of an unknown plan")
            return
        try:
            gap_days = parse_cron(str(plans[0].inputs.get("scheduleExpression"))
                                  ).longest_gap_minutes() / 1440
        except ValueError:
            self.missing(r, f"restore-testing schedule {plans[0].inputs.get('scheduleExpression')!r}")
            return
        tags = {(c.get("key", "").removeprefix("aws:ResourceTag/"), c.get("value"))
                for c in (r.inputs.get("protectedResourceConditions") or {}).get("stringEquals") or []}
        arns = set(r.inputs.get("protectedResourceArns") or [])
        wanted = {"RDS": RDS_INSTANCE, "DocumentDB": DOCDB_CLUSTER}.get(kind)
        stores = [s for s in self.plan.of_type(wanted)] if wanted else []
        stores = [s for s in stores if "*" in arns or s.outputs.get("arn") in arns
                  or any((s.inputs.get("tags") or {}).get(k) == v for k, v in tags)]
        runs = 30 / gap_days
        backup = self.p["backup"]
        for store in stores:
            self.add(r, f"restore-testing jobs ({kind} {store.name})", runs, "job",
                     backup["restore_testing_job"])
            hours = runs * (self.a.restore_test_hours + _num(r.inputs.get("validationWindowHours"), 0))
            if kind == "RDS":
                rds = self.p["rds_postgresql"]
                cls = str(store.inputs.get("instanceClass", ""))
                price = self._rds_instance_hour(r, cls)
                if price is None:
                    continue
                self.add(r, f"restored RDS {cls} while tested", hours, "instance-hour", price)
                self.add(r, "restored RDS gp3 storage while tested",
                         _num(store.inputs.get("allocatedStorage")) * hours / self.h, "GB-month",
                         rds["gp3_gb_month"])

    def rds_backup_replication(self, r: ResourceRecord) -> None:
        """RDS automated backups replicated to the DR region: their storage there (no free
        allowance) and the monthly transfer of the changes."""
        source = r.inputs.get("sourceDbInstanceArn")
        dbs = [d for d in self.plan.of_type(RDS_INSTANCE) if d.outputs.get("arn") == source]
        if not dbs:
            self.missing(r, "automated backup replication of an unknown database")
            return
        storage = _num(dbs[0].inputs.get("allocatedStorage"))
        retention = _num(r.inputs.get("retentionPeriod"), 7)
        change = self.a.rds_backup_daily_change
        self.add(r, f"RDS replicated backups in the DR region ({retention:g} days kept)",
                 storage * (1 + change * max(retention - 1, 0)), "GB-month",
                 self.p["rds_postgresql"]["backup_gb_month"])
        self.add(r, "RDS backup replication transfer (a month's changes)", storage * change * 30,
                 "GB", self.p["data_transfer"]["inter_region_gb"])

    # -- S3 asset buckets -----------------------------------------------------------------

    def _lifecycle_of(self, bucket: ResourceRecord) -> ResourceRecord | None:
        name = bucket.outputs.get("bucket")
        return next((lc for lc in self.plan.of_type(S3_LIFECYCLE)
                     if lc.inputs.get("bucket") == name), None)

    def s3_bucket(self, r: ResourceRecord) -> None:
        """An asset bucket (or its replica): storage per class as its lifecycle places objects of
        each age (`asset_storage_shares`), and requests (assumed). A bucket of another component
        (access logs, ALB logs) or one whose requests nobody logs (a terminal log bucket) is
        not priced here."""
        if r.component != ASSET_BUCKET or not any(
                log.inputs.get("bucket") == r.outputs.get("bucket")
                for log in self.plan.of_type(S3_LOGGING)):
            return
        s3 = self.p["s3"]
        lifecycle = self._lifecycle_of(r)
        rules = (lifecycle.inputs.get("rules") or []) if lifecycle is not None else []
        shares = asset_storage_shares(rules, age_days=self.a.asset_age_days,
                                      archive_share=self.a.asset_archive_share)
        for storage_class, share in shares.items():
            price = s3["storage_gb_month"].get(storage_class)
            if price is None:
                self.missing(r, f"S3 storage class {storage_class}")
                continue
            self.add(r, f"S3 {storage_class} storage (assumed)", self.a.asset_gb_per_bucket * share,
                     "GB-month", price)
        replica = any(dest.get("bucket") == r.outputs.get("arn")
                      for rc in self.plan.of_type(S3_REPLICATION)
                      for rule in rc.inputs.get("rules") or []
                      for dest in [rule.get("destination") or {}])
        item = "S3 replication PUT requests (assumed)" if replica else "S3 PUT/LIST requests (assumed)"
        self.add(r, item, self.a.asset_put_thousands, "1k requests", s3["put_1k"])
        if not replica:
            self.add(r, "S3 GET requests (assumed)", self.a.asset_get_thousands, "1k requests",
                     s3["get_1k"])

    def s3_replication(self, r: ResourceRecord) -> None:
        """Replication to another region: each month's new objects cross regions (assumed)."""
        self.add(r, "S3 replication inter-region transfer (assumed)",
                 self.a.asset_replicated_gb_per_month, "GB",
                 self.p["data_transfer"]["inter_region_gb"])

    def log_group(self, r: ResourceRecord) -> None:
        cw = self.p["cloudwatch"]
        gb = self.a.log_gb_per_group
        if str(r.inputs.get("name") or "").startswith("aws-waf-logs-"):
            # a record per inspected request (1 million requests x 1 KB = 1 GB)
            gb = self.a.waf_requests_millions_per_acl * self.a.waf_log_kb_per_request
        self.add(r, "log ingestion (assumed)", gb, "GB", cw["logs_ingest_gb"])
        days = _num(r.inputs.get("retentionInDays"), 0) or 365  # 0 = never expire: cap at a year
        months = min(days, 365) * 24 / self.h
        self.add(r, "log storage at full retention", gb * months, "GB-month", cw["logs_storage_gb_month"])


def _rule_prefix(rule: dict[str, Any]) -> str:
    """The key prefix of a planned lifecycle rule's filter ("" for the whole bucket)."""
    filt = rule.get("filter") or {}
    return str(filt.get("prefix") or (filt.get("and") or {}).get("prefix") or "")


def changed_share(daily_change: float, days: float) -> float:
    """Share of a store's data changed at least once in `days` days when `daily_change` of it
    changes each day, at random places (1 - (1 - c)^days): what an incremental backup taken
    `days` after the previous one stores. A day: `daily_change`; a month at 5 % a day: 80 %."""
    if days <= 0 or daily_change <= 0:
        return 0.0
    return 1.0 - (1.0 - min(daily_change, 1.0)) ** days


def chain_storage_gb(full: float, daily_change: float,
                     rules: Iterable[tuple[float, float]]) -> float:
    """GB one store's recovery points take in one vault (pure): one full copy, plus the data
    changed between each two retained points next in age (`changed_share`). `rules`: (days
    between runs, days each point is kept) of each rule writing to the vault; their points are
    merged by age, so points two rules both keep count once. No rule: nothing stored."""
    ages: set[float] = set()
    for gap, keep in rules:
        if gap <= 0 or keep <= 0:
            continue
        k = 0
        while k * gap < keep:
            ages.add(round(k * gap, 6))
            k += 1
    if not ages:
        return 0.0
    ordered = sorted(ages)
    return full + sum(full * changed_share(daily_change, b - a)
                      for a, b in itertools.pairwise(ordered))


def age_shares(transitions: Iterable[tuple[float, str]], window: float) -> dict[str, float]:
    """Share of objects written evenly over `window` days in each class, when objects move to
    each (day, class) of `transitions` at that age (STANDARD before the first)."""
    shares: dict[str, float] = defaultdict(float)
    start, current = 0.0, "STANDARD"
    for day, storage_class in sorted(transitions):
        end = min(float(day), window)
        if end > start:
            shares[current] += (end - start) / window
            start = end
        current = storage_class
    if window > start:
        shares[current] += (window - start) / window
    return {k: v for k, v in shares.items() if v}


def asset_storage_shares(rules: Iterable[dict[str, Any]], *, age_days: float,
                         archive_share: float) -> dict[str, float]:
    """Share of a bucket's bytes per storage class under its planned lifecycle rules (engine
    camelCase): the whole-bucket rule's transitions for most bytes, a prefixed rule's for
    `archive_share` of them; both capped at the current-object expiry, if any."""
    rules = list(rules)
    window = age_days
    for rule in rules:
        days = (rule.get("expiration") or {}).get("days")
        if days and _rule_prefix(rule) == "":
            window = min(window, _num(days, age_days))

    def moves(rule: dict[str, Any] | None) -> list[tuple[float, str]]:
        return [(_num(t.get("days")), str(t.get("storageClass")))
                for t in (rule or {}).get("transitions") or []]

    whole = next((r for r in rules if _rule_prefix(r) == "" and r.get("transitions")), None)
    archive = next((r for r in rules if _rule_prefix(r) and r.get("transitions")), None)
    out: dict[str, float] = defaultdict(float)
    parts = [(moves(whole), 1 - archive_share if archive else 1.0)]
    if archive:
        parts.append((moves(archive), archive_share))
    for transitions, weight in parts:
        for storage_class, share in age_shares(transitions, window).items():
            out[storage_class] += share * weight
    return {k: v for k, v in out.items() if v}


def alarm_metric_count(inputs: dict[str, Any]) -> tuple[int, bool]:
    """(alarm metrics billed, high resolution?) of a MetricAlarm's inputs.

    CloudWatch bills per metric an alarm evaluates: a standard alarm is one, a metric-math alarm
    is one per metric it queries (expressions are free), an anomaly-detection alarm three.
    Periods under 60 s are high resolution.
    """
    queries = inputs.get("metricQueries") or []
    if not queries:
        return 1, _num(inputs.get("period"), 60) < 60
    metrics = [q for q in queries if q.get("metric")]
    count = len(metrics)
    if any("ANOMALY_DETECTION_BAND" in str(q.get("expression", "")) for q in queries):
        count += 2
    high = any(_num((q.get("metric") or {}).get("period"), 60) < 60 for q in metrics)
    return max(count, 1), high


def web_acl_capacity(rules: Iterable[dict[str, Any]]) -> int:
    """WCUs of a planned web ACL's rules (engine camelCase): the managed groups' fixed capacity
    (components/web_firewall.py MANAGED_GROUP_WCU; an unknown group counts 0), the rate rule
    and one per IP set reference."""
    from groundwork.components.web_firewall import IP_SET_WCU, MANAGED_GROUP_WCU, RATE_RULE_WCU

    def of(statement: dict[str, Any]) -> int:
        if "managedRuleGroupStatement" in statement:
            return MANAGED_GROUP_WCU.get(str(statement["managedRuleGroupStatement"].get("name")), 0)
        if "rateBasedStatement" in statement:
            return RATE_RULE_WCU
        if "ipSetReferenceStatement" in statement:
            return IP_SET_WCU
        nested = (statement.get("orStatement") or statement.get("andStatement") or {})
        return sum(of(x) for x in nested.get("statements") or [])

    return sum(of(rule.get("statement") or {}) for rule in rules)


def fargate_split(count: float, strategies: Iterable[dict[str, Any]]) -> tuple[float, float]:
    """(on-demand tasks, Spot tasks) of `count` tasks under a capacity-provider strategy: each
    provider's `base` first, in order, then the rest by `weight` (ECS's own rule)."""
    strategies = list(strategies)
    if not strategies:
        return count, 0.0
    placed: dict[str, float] = defaultdict(float)
    remaining = count
    for s in strategies:
        base = min(_num(s.get("base")), remaining)
        placed[str(s.get("capacityProvider"))] += base
        remaining -= base
    weights = [(str(s.get("capacityProvider")), _num(s.get("weight"))) for s in strategies]
    total = sum(w for _, w in weights)
    if remaining and total:
        for provider, weight in weights:
            placed[provider] += remaining * weight / total
    spot = sum(v for k, v in placed.items() if k == "FARGATE_SPOT")
    return round(count - spot, 6), round(spot, 6)


_HANDLERS: dict[str, Callable[[_Pricer, ResourceRecord], None]] = {
    NAT: _Pricer.nat_gateway,
    EIP: _Pricer.eip,
    EC2_INSTANCE: _Pricer.ec2_instance,
    VPC_ENDPOINT: _Pricer.vpc_endpoint,
    LOAD_BALANCER: _Pricer.load_balancer,
    RDS_INSTANCE: _Pricer.rds_instance,
    REPLICATION_GROUP: _Pricer.replication_group,
    CACHE_CLUSTER: _Pricer.cache_cluster,
    DOCDB_CLUSTER: _Pricer.docdb_cluster,
    DOCDB_INSTANCE: _Pricer.docdb_instance,
    MSK_CLUSTER: _Pricer.msk_cluster,
    MSK_SERVERLESS: _Pricer.msk_serverless,
    OPENSEARCH_DOMAIN: _Pricer.opensearch_domain,
    ECS_SERVICE: _Pricer.ecs_service,
    KMS_KEY: _Pricer.kms_key,
    SECRET: _Pricer.secret,
    SQS_QUEUE: _Pricer.sqs_queue,
    METRIC_ALARM: _Pricer.metric_alarm,
    COMPOSITE_ALARM: _Pricer.composite_alarm,
    DASHBOARD: _Pricer.dashboard,
    LOG_GROUP: _Pricer.log_group,
    DISTRIBUTION: _Pricer.distribution,
    WEB_ACL: _Pricer.web_acl,
    HEALTH_CHECK: _Pricer.health_check,
    HOSTED_ZONE: _Pricer.hosted_zone,
    BACKUP_SELECTION: _Pricer.backup_selection,
    RESTORE_TESTING_SELECTION: _Pricer.restore_testing_selection,
    RDS_BACKUP_REPLICATION: _Pricer.rds_backup_replication,
    S3_BUCKET: _Pricer.s3_bucket,
    S3_REPLICATION: _Pricer.s3_replication,
    LAMBDA_FUNCTION: _Pricer.lambda_function,
    EVENT_RULE: _Pricer.event_rule,
    **dict.fromkeys(USAGE_BASED, _Pricer.usage_based),
}
"""Resource types that cost money by themselves. Everything else in a plan (subnets, route
tables, security groups, IAM, task definitions, SNS topics, Lambda functions other than the
pre-traffic hooks, such as the cache token's rotation: minutes of 128 MB a month, a fraction of
a cent...) is free or usage-only."""


def estimate(plan: PlanResult, assumptions: Assumptions | None = None,
             prices: dict[str, Any] | None = None) -> Estimate:
    """The monthly estimate of a plan. PriceError if its region has no price table."""
    assumptions = assumptions or Assumptions()
    prices = prices or load_prices(plan.region)
    pricer = _Pricer(plan, prices, assumptions)
    for record in plan.custom_resources:
        handler = _HANDLERS.get(record.type)
        if handler is not None:
            handler(pricer, record)
    pricer.finish()
    return Estimate(stack=plan.stack, region=prices["region"], as_of=prices["as_of"],
                    assumptions=assumptions.describe(prices), lines=pricer.lines,
                    unpriced=pricer.unpriced)


# --------------------------------------------------------------------------------------------
# rendering (the CLI prints these)
# --------------------------------------------------------------------------------------------


def money(value: float) -> str:
    return f"${value:,.2f}"


def summary_line(plan: PlanResult) -> str:
    """One line for `groundwork plan`: the monthly total, or why there is none."""
    try:
        est = estimate(plan)
    except PriceError as exc:
        return f"Estimated monthly cost: n/a ({exc})"
    return (f"Estimated monthly cost: [bold]{money(est.total)}[/] (on-demand {est.region} list prices "
            f"of {est.as_of}, usage assumptions included; `groundwork cost {plan.stack}` itemises)")


def render(est: Estimate) -> list[Any]:
    """Rich renderables of an estimate: per-component items, totals by component, assumptions."""
    from rich.table import Table

    items = Table(title=f"Monthly cost estimate: stack {est.stack} ({est.region})",
                  title_justify="left", header_style="bold")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("component", "left"), ("item", "left"), ("USD/month", "right"))
    for col, justify in columns:
        items.add_column(col, justify=justify)
    for component, item, value in est.by_item():
        items.add_row(component, item, money(value))
    totals = Table(title="By component", title_justify="left", header_style="bold")
    totals.add_column("component")
    totals.add_column("USD/month", justify="right")
    totals.add_column("share", justify="right")
    for component, value in est.by_component().items():
        totals.add_row(component, money(value), f"{value / est.total:.0%}" if est.total else "-")
    totals.add_row("[bold]total[/]", f"[bold]{money(est.total)}[/]", "100%")
    out: list[Any] = [items, totals, "[bold]Assumptions[/]"]
    out += [f"  - {line}" for line in est.assumptions]
    if est.unpriced:
        out.append("[bold yellow]Not priced (no figure in the table; not in the total)[/]")
        out += [f"  - {line}" for line in est.unpriced]
    return out
