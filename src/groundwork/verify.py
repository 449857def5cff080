"""`groundwork verify <stack>`: after `pulumi up`, check the live environment with boto3.

Reads the stack outputs (`pulumi stack output --json --stack <s>`, or a file from CI) for what to
look at, and the stack's config (`Pulumi.<stack>.yaml`) for what it should look like, then runs
one check per thing that can be wrong:

- `ecs-service`: running == desired, and the rollout COMPLETED (no FAILED or IN_PROGRESS one);
- `target-health`: every target of each web service's target group healthy;
- `database`: RDS available, storage encrypted, Multi-AZ and deletion protection as configured;
- `cache`: replication group available, encrypted at rest and in transit;
- `queues`: each SQS queue and its dead-letter queue exist, encrypted with the data key (a
  customer key, never `alias/aws/sqs`), the queue redrives to its DLQ after the configured
  `max_receive_count`, the DLQ only takes redrives from it, and both deny non-TLS access;
- `dead-letters`: each dead-letter queue is empty (a FAIL, as the `queue-dlq-not-empty` alarm
  the `alarms` check fails on says the same, only sooner: jobs failed every retry);
- `search`: the OpenSearch domain created and not processing a change, in the VPC, encrypted at
  rest with the data key and node to node, HTTPS only with `Policy-Min-TLS-1-2-PFS-2023-10`,
  fine-grained access control on (IAM master), error and audit logs published, sized as
  configured;
- `documents`: the DocumentDB cluster available, storage encrypted with the data key, backup
  retention, deletion protection and audit/profiler exports as configured;
- `kafka`: the MSK cluster ACTIVE, IAM client authentication (no unauthenticated access), and
  for a provisioned cluster TLS client-broker and in-cluster, the data key at rest, no public
  access, broker logs to CloudWatch, enhanced monitoring as configured;
- `backup` (`backup.enabled`): the vault exists on the data key, locked unless
  `backup.vault_lock.mode` is none; the plan exists with its rules (a copy action to the DR
  vault on every rule with `backup.copy_to_region`, a continuous rule when configured); the DR
  vault exists in the DR region (locked likewise); and each protected store's latest backup is
  within `backup.rpo_minutes`: the database by its latest restorable time (continuous backup),
  else by the newest COMPLETED backup job (ListBackupJobs), a newer FAILED one named: the
  DocumentDB cluster (`documents.arn`) and each asset bucket (`assets.<name>.arn`) when they
  are among `backup.stores`;
- `assets`: each asset bucket exists, versioning Enabled, SSE-KMS with the data key and the S3
  Bucket Key, Block Public Access on all four switches, ObjectOwnership BucketOwnerEnforced, a
  bucket policy denying `s3:*` without TLS on the bucket and its objects, and when it
  replicates, an enabled replication rule to the exported replica (which exists, versioned, in
  the DR region);
- `alarms`: no alarm named `<prefix>-...` in ALARM;
- `web-acl`: the ALB has the expected web ACL associated (the one `edge.waf` built, or
  `load_balancer.waf_acl_arn`), and groundwork's web ACL (REGIONAL, or CLOUDFRONT-scope in
  us-east-1) logs to an `aws-waf-logs-` group with the configured headers redacted;
- `cloudfront` (`edge.mode: cloudfront`): the distribution Deployed and enabled, with the
  CLOUDFRONT-scope web ACL, every behaviour redirecting viewers to HTTPS, the configured
  minimum viewer TLS (`TLSv1.2_2021`) on its own certificate;
- `dns-records`: each app domain has an alias A record in the zone pointing at the ALB (or the
  distribution, plus AAAA), evaluating target health as configured;
- `http-smoke`: each web service's smoke checks (`smoke_checks`, else one GET of the health
  path) through the public entry point, with the pre-traffic hook's own `run_checks`: every
  answer's status, body substring and JSON key, and the p95 latency budget over N requests
  (docs/compute.md#smoke-checks);
- `security-headers`: the health path's response carries the configured security headers (HSTS with
  max-age of at least a year, nosniff, X-Frame-Options, the CSP; Referrer-Policy through
  CloudFront).

Each check is PASS, FAIL or SKIP (with the reason, e.g. `output cache.replication_group_id
missing`, or `--skip`); any FAIL makes the command exit non-zero, so it is a CI step after a
deploy. `--wait` re-runs the checks until they pass or time runs out (a deploy that just
finished may still be registering targets). The data-service checks run when the config turns
the service on (a missing output then SKIPs naming it) or when the output is there.
"""

from __future__ import annotations

import fnmatch
import json
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from botocore.exceptions import ClientError

from groundwork.components.deploy_hook import run_checks
from groundwork.components.search import TLS_POLICY
from groundwork.components.smoke import SmokeCheckSettings, effective_checks
from groundwork.stacks.config import EnvironmentConfig

Status = Literal["PASS", "FAIL", "SKIP"]
ClientFactory = Callable[[str], Any]
HttpCall = Callable[[str, str, dict[str, str], float], "_Response"]
"""`http(method, url, headers, timeout) -> _Response` (status, headers, body, seconds); raises
on a timeout, a TLS or a connection error. The tests hand in a fake."""

STACK_CHECKS = ("ecs-service", "target-health", "database", "cache", "queues", "dead-letters",
                "search", "documents", "kafka", "assets", "backup", "alarms", "web-acl", "cloudfront",
                "dns-records", "http-smoke", "security-headers")
"""Every check of `groundwork verify <stack>`, in the order they run and print."""


class OutputsError(Exception):
    """The stack outputs could not be read."""


@dataclass(frozen=True)
class CheckResult:
    check: str
    target: str
    status: Status
    detail: str


@dataclass(frozen=True)
class WebExpectation:
    """What a web service's health check should see."""

    path: str
    statuses: frozenset[int]
    host: str | None = None
    checks: tuple[SmokeCheckSettings, ...] = ()
    """The smoke checks `http-smoke` runs (`smoke.effective_checks`; empty: one GET of `path`)."""


@dataclass(frozen=True)
class QueueExpectation:
    """One queue of the `queues` section (`name` is the key of the `queues` output)."""

    name: str
    max_receive_count: int


@dataclass(frozen=True)
class SearchExpectation:
    """The `search` section's sizes the domain should have."""

    instance_count: int
    availability_zones: int
    dedicated_master: bool
    dedicated_master_count: int


@dataclass(frozen=True)
class DocumentsExpectation:
    """The `documents` section's values the cluster should have."""

    backup_retention_days: int
    deletion_protection: bool


@dataclass(frozen=True)
class KafkaExpectation:
    """The `kafka` section's values the cluster should have."""

    mode: str
    """`provisioned` or `serverless`."""
    enhanced_monitoring: str


@dataclass(frozen=True)
class AssetExpectation:
    """One bucket of the `assets` section (`name` is the key of the `assets` output)."""

    name: str
    replicate: bool = False
    """`replicate_to_dr`: a replication rule to the replica in the DR region."""


@dataclass(frozen=True)
class BackupExpectation:
    """The `backup` section's values the live plan should have."""

    rpo_minutes: int
    locked: bool = True
    """`backup.vault_lock.mode` is governance or compliance."""
    dr_region: str | None = None
    continuous: bool = True
    """`backup.continuous_retention_days` is set: the database restores to a point in time."""
    stores: tuple[str, ...] = ("database", "documents", "assets")

    @classmethod
    def from_config(cls, config: Any) -> BackupExpectation | None:
        if not config.enabled:
            return None
        lock = getattr(config, "vault_lock", None)
        return cls(rpo_minutes=config.rpo_minutes,
                   locked=getattr(lock, "mode", "governance") != "none",
                   dr_region=config.copy_to_region,
                   continuous=getattr(config, "continuous_retention_days", None) is not None,
                   stores=tuple(config.stores))


@dataclass(frozen=True)
class HeadersExpectation:
    """The security headers every response through the edge should carry (None: not checked,
    switched off in the config)."""

    strict_transport_security: str | None
    """The configured HSTS value (None over plain HTTP: browsers ignore it there)."""
    content_type_options: str | None
    frame_options: str | None
    content_security_policy: str | None
    referrer_policy: str | None = None
    """CloudFront only (the ALB has no such attribute)."""


@dataclass(frozen=True)
class EdgeExpectation:
    """The `edge` section's values the live edge should have."""

    mode: str = "alb"
    waf: bool = False
    """`edge.waf` builds a web ACL (on the ALB in alb mode, on the distribution in cloudfront)."""
    external_web_acl_arn: str | None = None
    """`load_balancer.waf_acl_arn`: someone else's ACL that should be on the ALB."""
    redacted_headers: tuple[str, ...] = ("authorization", "cookie")
    dns_zone_id: str | None = None
    """The zone of the app's records (None: no records are made)."""
    domains: tuple[str, ...] = ()
    minimum_protocol_version: str = "TLSv1.2_2021"


@dataclass(frozen=True)
class Expectations:
    """What the config says the environment should be."""

    prefix: str
    region: str
    database_enabled: bool = True
    database_multi_az: bool | None = None
    database_deletion_protection: bool | None = None
    cache_enabled: bool = True
    services: tuple[str, ...] = ()
    web: dict[str, WebExpectation] = field(default_factory=dict)
    scheme: str = "https"
    domain: str | None = None
    queues: tuple[QueueExpectation, ...] = ()
    search: SearchExpectation | None = None
    """None: `search` is off in the config (a `search` output is still checked, without sizes)."""
    documents: DocumentsExpectation | None = None
    kafka: KafkaExpectation | None = None
    assets: tuple[AssetExpectation, ...] = ()
    backup: BackupExpectation | None = None
    """None: `backup.enabled` is false (a `backup` output is still checked, without the
    config's lock and RPO)."""
    edge: EdgeExpectation = field(default_factory=EdgeExpectation)
    headers: HeadersExpectation | None = None
    """None: no load balancer (nothing answers HTTP)."""
    skip: frozenset[str] = frozenset()
    """Checks not to run (`--skip`): each prints one SKIP row."""

    @classmethod
    def from_config(cls, env: EnvironmentConfig) -> Expectations:
        lb = env.load_balancer
        domain = lb.certificate.domain if lb is not None and lb.certificate is not None else None
        web = {
            s.name: WebExpectation(
                path=s.health_check.path,
                statuses=parse_matcher(s.health_check.matcher),
                host=next((h for h in s.routing.host_headers if "*" not in h), None),
                checks=tuple(effective_checks(s)),
            )
            for s in env.web_services
        }
        search, documents, kafka = env.search, env.documents, env.kafka
        return cls(
            prefix=env.name_prefix, region=env.region,
            database_enabled=env.database.enabled, database_multi_az=env.database.multi_az,
            database_deletion_protection=env.database.deletion_protection,
            cache_enabled=env.cache.enabled, services=tuple(s.name for s in env.services), web=web,
            scheme="http" if lb is not None and lb.http_only else "https", domain=domain,
            queues=tuple(QueueExpectation(q.name, q.max_receive_count) for q in env.queues),
            search=SearchExpectation(
                instance_count=search.instance_count, availability_zones=search.availability_zones,
                dedicated_master=search.dedicated_master,
                dedicated_master_count=search.dedicated_master_count) if search.enabled else None,
            documents=DocumentsExpectation(
                backup_retention_days=documents.backup_retention_days,
                deletion_protection=documents.deletion_protection) if documents.enabled else None,
            kafka=KafkaExpectation(mode=kafka.mode, enhanced_monitoring=kafka.enhanced_monitoring)
            if kafka.enabled else None,
            assets=tuple(AssetExpectation(a.name, replicate=bool(a.replicate_to_dr))
                         for a in env.assets),
            backup=BackupExpectation.from_config(env.backup),
            edge=_edge_expectation(env), headers=_headers_expectation(env),
        )


def _edge_expectation(env: EnvironmentConfig) -> EdgeExpectation:
    """The edge as `stacks/platform.py`'s `_build_edge` builds it from the same config."""
    lb, edge = env.load_balancer, env.edge
    if lb is None:
        return EdgeExpectation(mode=edge.mode)
    cert = lb.certificate
    zone = env.dns_zone_id if edge.dns.records is not False else None
    if edge.mode == "cloudfront":
        cf_domains = list(edge.cloudfront.domains) or (
            [cert.domain] if cert is not None and cert.domain else [])
        domains = list(dict.fromkeys([*cf_domains, *edge.dns.domains]))
    else:
        domains = env.dns_domains()
    return EdgeExpectation(
        mode=edge.mode, waf=edge.waf.enabled,
        external_web_acl_arn=lb.waf_acl_arn if edge.mode == "alb" else None,
        redacted_headers=tuple(edge.waf.redacted_headers),
        dns_zone_id=zone, domains=tuple(domains) if zone else (),
        minimum_protocol_version=edge.cloudfront.minimum_protocol_version)


def _headers_expectation(env: EnvironmentConfig) -> HeadersExpectation | None:
    lb = env.load_balancer
    if lb is None:
        return None
    h = lb.security_headers
    cloudfront = env.edge.mode == "cloudfront"
    return HeadersExpectation(
        # CloudFront answers viewers over HTTPS only; an http_only ALB sends no HSTS
        strict_transport_security=h.strict_transport_security if cloudfront or not lb.http_only
        else None,
        content_type_options=h.content_type_options, frame_options=h.frame_options,
        content_security_policy=h.content_security_policy,
        referrer_policy=h.referrer_policy if cloudfront else None)


def resolve_stack_skips(names: Iterable[str]) -> frozenset[str]:
    """`--skip` values of `verify <stack>` (check names, comma-separated) as a set; ValueError
    naming an unknown one."""
    out: set[str] = set()
    for raw in names:
        for name in (n.strip() for n in raw.split(",")):
            if not name:
                continue
            if name not in STACK_CHECKS:
                raise ValueError(f"--skip {name}: unknown; allowed: {', '.join(STACK_CHECKS)}")
            out.add(name)
    return frozenset(out)


def parse_matcher(matcher: str) -> frozenset[int]:
    """ALB matcher syntax (`200`, `200-299`, `200,204`) as the set of codes."""
    codes: set[int] = set()
    for part in matcher.split(","):
        lo, _, hi = part.partition("-")
        codes.update(range(int(lo), int(hi or lo) + 1))
    return frozenset(codes)


def read_outputs(stack: str, path: Path | None = None) -> dict[str, Any]:
    """The stack outputs: from `path` (JSON), else from the Pulumi CLI."""
    if path is not None:
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise OutputsError(f"can't read outputs from {path}: {exc}") from None
    cmd = ["pulumi", "stack", "output", "--json", "--stack", stack]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    except FileNotFoundError:
        raise OutputsError("the pulumi CLI is not on PATH; pass --outputs FILE "
                           f"(from `{' '.join(cmd)} > outputs.json`)") from None
    if proc.returncode != 0:
        raise OutputsError(f"`{' '.join(cmd)}` failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return json.loads(proc.stdout or "{}")


def _get(outputs: dict[str, Any], dotted: str) -> Any:
    node: Any = outputs
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# --------------------------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------------------------


class Verifier:
    """Runs every check against one environment. `clients(name)` returns a boto3 client (the
    tests hand in moto-backed or stubbed ones)."""

    def __init__(self, outputs: dict[str, Any], expect: Expectations, *,
                 clients: ClientFactory | None = None, base_url: str | None = None,
                 http_timeout: float = 10.0, us_east_1_clients: ClientFactory | None = None,
                 dr_clients: ClientFactory | None = None,
                 now: Callable[[], datetime] | None = None, http: HttpCall | None = None):
        self.outputs = outputs
        self.expect = expect
        self._clients = clients or _boto3_clients(expect.region)
        # CloudFront and CLOUDFRONT-scope WAF answer in us-east-1 only
        self._us_east_1_clients = us_east_1_clients or (
            self._clients if expect.region == "us-east-1" else _boto3_clients("us-east-1"))
        self._dr_clients = dr_clients
        self._now = now or (lambda: datetime.now(UTC))
        self._cache: dict[str, Any] = {}
        self._responses: dict[tuple[str, str | None], _Response | str] = {}
        self.base_url = base_url
        self.http_timeout = http_timeout
        """The longest any request waits (a check's own `timeout_seconds` when shorter)."""
        self._http = http or _urllib_http

    def client(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._clients(name)
        return self._cache[name]

    def us_east_1_client(self, name: str) -> Any:
        """A client in us-east-1 (the stack's own when it is there)."""
        if self._us_east_1_clients is self._clients:
            return self.client(name)
        key = f"{name}@us-east-1"
        if key not in self._cache:
            self._cache[key] = self._us_east_1_clients(name)
        return self._cache[key]

    def dr_client(self, name: str, region: str) -> Any:
        """A client in the DR region (`backup.dr_region`)."""
        key = f"{name}@{region}"
        if key not in self._cache:
            self._cache[key] = (self._dr_clients or _boto3_clients(region))(name)
        return self._cache[key]

    def run(self) -> list[CheckResult]:
        """Every check; an AWS error (access denied, throttling...) fails its check, not the run."""
        from botocore.exceptions import BotoCoreError

        results: list[CheckResult] = []
        self._responses.clear()  # each run (--wait) GETs again
        checks = {"ecs-service": self.ecs_services, "target-health": self.target_health,
                  "database": self.database, "cache": self.cache, "queues": self.queues,
                  "dead-letters": self.dead_letters, "search": self.search,
                  "documents": self.documents, "kafka": self.kafka, "assets": self.assets,
                  "backup": self.backup,
                  "alarms": self.alarms,
                  "web-acl": self.web_acl, "cloudfront": self.cloudfront,
                  "dns-records": self.dns_records, "http-smoke": self.http_smoke,
                  "security-headers": self.security_headers}
        assert tuple(checks) == STACK_CHECKS
        for name, check in checks.items():
            if name in self.expect.skip:
                results.append(CheckResult(name, "-", "SKIP", "SKIP: --skip"))
                continue
            try:
                results.extend(check())
            except (ClientError, BotoCoreError) as exc:
                results.append(CheckResult(name, "-", "FAIL", f"AWS error: {exc}"))
        return results

    @staticmethod
    def skip(check: str, target: str, key: str) -> CheckResult:
        return CheckResult(check, target, "SKIP", f"SKIP: output {key} missing")

    # -- ECS -----------------------------------------------------------------------------------

    def _service_names(self) -> dict[str, str | None]:
        exported = self.outputs.get("services") or {}
        names = {name: _get(exported, f"{name}.service_name") for name in self.expect.services}
        for name, value in exported.items():  # services exported but not in the config
            names.setdefault(name, (value or {}).get("service_name"))
        return names

    def ecs_services(self) -> list[CheckResult]:
        names = self._service_names()
        if not names:
            return []
        cluster = self.outputs.get("cluster_name")
        if not cluster:
            return [self.skip("ecs-service", n, "cluster_name") for n in names]
        results = [self.skip("ecs-service", n, f"services.{n}.service_name")
                   for n, physical in names.items() if not physical]
        wanted = {physical: n for n, physical in names.items() if physical}
        found: dict[str, dict[str, Any]] = {}
        physical_names = list(wanted)
        for i in range(0, len(physical_names), 10):  # DescribeServices takes 10 at a time
            resp = self.client("ecs").describe_services(cluster=cluster, services=physical_names[i:i + 10])
            found.update({s["serviceName"]: s for s in resp.get("services", [])})
        for physical, name in wanted.items():
            svc = found.get(physical)
            if svc is None or svc.get("status") != "ACTIVE":
                state = "missing" if svc is None else svc.get("status")
                results.append(CheckResult("ecs-service", name, "FAIL",
                                           f"service {physical} in {cluster} is {state}"))
                continue
            results.append(self._service_result(name, svc))
        return results

    @staticmethod
    def _service_result(name: str, svc: dict[str, Any]) -> CheckResult:
        running, desired = svc.get("runningCount", 0), svc.get("desiredCount", 0)
        problems = []
        if running != desired:
            problems.append(f"running {running} of {desired} desired")
        for dep in svc.get("deployments", []):
            state = dep.get("rolloutState")
            if state == "FAILED":
                problems.append(f"deployment {dep.get('id')} FAILED: {dep.get('rolloutStateReason', '')}")
            elif state == "IN_PROGRESS" or dep.get("status") == "ACTIVE":
                problems.append(f"deployment {dep.get('id')} still {state or dep.get('status')}")
        if problems:
            return CheckResult("ecs-service", name, "FAIL", "; ".join(problems))
        return CheckResult("ecs-service", name, "PASS", f"{running}/{desired} running, rollout completed")

    # -- target groups -------------------------------------------------------------------------

    def target_health(self) -> list[CheckResult]:
        results = []
        exported = self.outputs.get("services") or {}
        for name in self.expect.web:
            arn = _get(exported, f"{name}.target_group_arn")
            if not arn:
                results.append(self.skip("target-health", name, f"services.{name}.target_group_arn"))
                continue
            results.append(self._targets(name, arn, idle_ok=False))
            alternate = _get(exported, f"{name}.alternate_target_group_arn")
            if alternate:  # blue/green: the idle group may be empty
                results.append(self._targets(f"{name} (alternate)", alternate, idle_ok=True))
        return results

    def _targets(self, name: str, arn: str, *, idle_ok: bool) -> CheckResult:
        descriptions = self.client("elbv2").describe_target_health(TargetGroupArn=arn).get(
            "TargetHealthDescriptions", [])
        states = [(d["Target"]["Id"], d["TargetHealth"].get("State", "?"),
                   d["TargetHealth"].get("Reason", "")) for d in descriptions]
        live = [s for s in states if s[1] != "draining"]
        bad = [f"{tid} {state}{' (' + reason + ')' if reason else ''}"
               for tid, state, reason in live if state != "healthy"]
        if bad:
            return CheckResult("target-health", name, "FAIL", "; ".join(bad))
        if not live:
            return CheckResult("target-health", name, "PASS" if idle_ok else "FAIL",
                               "no targets registered")
        return CheckResult("target-health", name, "PASS", f"{len(live)} target(s) healthy")

    # -- data stores ---------------------------------------------------------------------------

    def database(self) -> list[CheckResult]:
        if not self.expect.database_enabled:
            return []
        ident = _get(self.outputs, "database.identifier")
        if not ident:
            return [self.skip("database", "rds", "database.identifier")]
        try:
            [db] = self.client("rds").describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"]
        except ClientError as exc:
            return [CheckResult("database", ident, "FAIL", _error(exc))]
        problems = []
        if db.get("DBInstanceStatus") != "available":
            problems.append(f"status {db.get('DBInstanceStatus')}")
        if not db.get("StorageEncrypted"):
            problems.append("storage NOT encrypted")
        want_multi = self.expect.database_multi_az
        if want_multi is not None and bool(db.get("MultiAZ")) != want_multi:
            problems.append(f"Multi-AZ is {bool(db.get('MultiAZ'))}, configured {want_multi}")
        want_protect = self.expect.database_deletion_protection
        if want_protect is not None and bool(db.get("DeletionProtection")) != want_protect:
            problems.append(f"deletion protection is {bool(db.get('DeletionProtection'))}, "
                            f"configured {want_protect}")
        if problems:
            return [CheckResult("database", ident, "FAIL", "; ".join(problems))]
        return [CheckResult("database", ident, "PASS",
                            f"available, encrypted, Multi-AZ {bool(db.get('MultiAZ'))}")]

    def cache(self) -> list[CheckResult]:
        if not self.expect.cache_enabled:
            return []
        group_id = _get(self.outputs, "cache.replication_group_id")
        if not group_id:
            return [self.skip("cache", "elasticache", "cache.replication_group_id")]
        try:
            [group] = self.client("elasticache").describe_replication_groups(
                ReplicationGroupId=group_id)["ReplicationGroups"]
        except ClientError as exc:
            return [CheckResult("cache", group_id, "FAIL", _error(exc))]
        problems = []
        if group.get("Status") != "available":
            problems.append(f"status {group.get('Status')}")
        if not group.get("AtRestEncryptionEnabled"):
            problems.append("NOT encrypted at rest")
        if not group.get("TransitEncryptionEnabled"):
            problems.append("NOT encrypted in transit")
        if problems:
            return [CheckResult("cache", group_id, "FAIL", "; ".join(problems))]
        return [CheckResult("cache", group_id, "PASS", "available, encrypted at rest and in transit")]

    def _data_key(self) -> str | None:
        """The `data` KMS key's ARN (the `kms_key_arns` output): what every store encrypts with."""
        key = _get(self.outputs, "kms_key_arns.data")
        return str(key) if key else None

    # -- queues (SQS) --------------------------------------------------------------------------

    def _queue_outputs(self) -> list[tuple[str, dict[str, Any]]]:
        """(config name, its `queues` output entry) for each configured queue, then for each
        exported one the config doesn't list."""
        exported = self.outputs.get("queues") or {}
        names = [q.name for q in self.expect.queues]
        names += [n for n in exported if n not in names]
        return [(n, exported.get(n) or {}) for n in names]

    def _queue_attributes(self, url: str, *names: str) -> dict[str, str] | None:
        """The queue's attributes (`All` without `names`), None when it does not exist."""
        try:
            return self.client("sqs").get_queue_attributes(
                QueueUrl=url, AttributeNames=list(names) or ["All"]).get("Attributes", {})
        except ClientError as exc:
            if _error_code(exc) in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                return None
            raise

    def queues(self) -> list[CheckResult]:
        results = []
        max_receive = {q.name: q.max_receive_count for q in self.expect.queues}
        for name, out in self._queue_outputs():
            missing = next((k for k in ("url", "arn", "dlq_url", "dlq_arn") if not out.get(k)), None)
            if missing:
                results.append(self.skip("queues", name, f"queues.{name}.{missing}"))
                continue
            target = str(out.get("name") or name)
            try:
                results.append(self._queue(target, out, max_receive.get(name)))
            except ClientError as exc:
                results.append(CheckResult("queues", target, "FAIL", _error(exc)))
        return results

    def _queue(self, target: str, out: dict[str, Any], max_receive: int | None) -> CheckResult:
        attrs = self._queue_attributes(out["url"])
        if attrs is None:
            return CheckResult("queues", target, "FAIL", f"queue {out['url']} does not exist")
        data_key = self._data_key()
        arn, dlq_arn = str(attrs.get("QueueArn") or out["arn"]), str(out["dlq_arn"])
        dlq_name = _queue_name(out["dlq_url"])
        problems = _sqs_key_problems(attrs, data_key)
        redrive = _json(attrs.get("RedrivePolicy"))
        count: Any = None
        if redrive is None:
            problems.append("no redrive policy (a failing message is retried until it expires)")
        else:
            if redrive.get("deadLetterTargetArn") != dlq_arn:
                problems.append(f"redrives to {redrive.get('deadLetterTargetArn')}, not its DLQ {dlq_arn}")
            count = redrive.get("maxReceiveCount")
            if count is None:
                problems.append("redrive policy without maxReceiveCount")
            elif max_receive is not None and str(count) != str(max_receive):
                problems.append(f"maxReceiveCount {count}, configured {max_receive}")
        if not _denies_insecure_transport(attrs.get("Policy"), "sqs", arn):
            problems.append("no queue policy denying sqs:* when aws:SecureTransport is false")
        dlq = self._queue_attributes(out["dlq_url"])
        if dlq is None:
            problems.append(f"dead-letter queue {out['dlq_url']} does not exist")
        else:
            problems += [f"DLQ {dlq_name} {p}" for p in _sqs_key_problems(dlq, data_key)]
            problems += [f"DLQ {dlq_name} {p}" for p in _redrive_allow_problems(dlq, arn)]
            if not _denies_insecure_transport(dlq.get("Policy"), "sqs", str(dlq.get("QueueArn") or dlq_arn)):
                problems.append(f"DLQ {dlq_name} has no queue policy denying sqs:* when "
                                "aws:SecureTransport is false")
        if problems:
            return CheckResult("queues", target, "FAIL", "; ".join(problems))
        key = "the data key" if data_key else "a customer KMS key"
        return CheckResult("queues", target, "PASS",
                           f"encrypted with {key}, redrives to {dlq_name} after {count} receives, "
                           "TLS-only policies on both")

    def dead_letters(self) -> list[CheckResult]:
        """Each DLQ empty: a message there is a job that failed every retry."""
        results = []
        for name, out in self._queue_outputs():
            url = out.get("dlq_url")
            if not url:
                results.append(self.skip("dead-letters", name, f"queues.{name}.dlq_url"))
                continue
            target = _queue_name(url)
            try:
                attrs = self._queue_attributes(url, "ApproximateNumberOfMessages",
                                               "ApproximateNumberOfMessagesNotVisible")
            except ClientError as exc:
                results.append(CheckResult("dead-letters", target, "FAIL", _error(exc)))
                continue
            if attrs is None:
                results.append(CheckResult("dead-letters", target, "FAIL", f"queue {url} does not exist"))
                continue
            waiting = int(attrs.get("ApproximateNumberOfMessages", 0))
            in_flight = int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0))
            if waiting or in_flight:
                results.append(CheckResult(
                    "dead-letters", target, "FAIL",
                    f"{waiting + in_flight} message(s) dead-lettered ({in_flight} being received): jobs "
                    f"of {out.get('name') or name} failed every retry; fix the cause, then redrive "
                    "(docs/alarms.md#queue-dlq-not-empty)"))
                continue
            results.append(CheckResult("dead-letters", target, "PASS", "empty"))
        return results

    # -- search (OpenSearch) -------------------------------------------------------------------

    def search(self) -> list[CheckResult]:
        if self.expect.search is None and not self.outputs.get("search"):
            return []
        name = _get(self.outputs, "search.domain_name")
        if not name:
            return [self.skip("search", "opensearch", "search.domain_name")]
        try:
            domain = self.client("opensearch").describe_domain(DomainName=name)["DomainStatus"]
        except ClientError as exc:
            return [CheckResult("search", name, "FAIL", _error(exc))]
        problems = []
        state = domain.get("DomainProcessingStatus")
        if domain.get("Deleted"):
            problems.append("being deleted")
        elif not domain.get("Created"):
            problems.append("still being created")
        elif domain.get("Processing") or domain.get("UpgradeProcessing") or state not in (None, "Active"):
            problems.append(f"still processing a change ({state or 'Processing'})")
        at_rest = domain.get("EncryptionAtRestOptions") or {}
        if not at_rest.get("Enabled"):
            problems.append("NOT encrypted at rest")
        else:
            problems += _key_problems(at_rest.get("KmsKeyId"), self._data_key(), "at rest")
        if not (domain.get("NodeToNodeEncryptionOptions") or {}).get("Enabled"):
            problems.append("node-to-node encryption off")
        endpoint = domain.get("DomainEndpointOptions") or {}
        if not endpoint.get("EnforceHTTPS"):
            problems.append("HTTPS not enforced")
        if endpoint.get("TLSSecurityPolicy") != TLS_POLICY:
            problems.append(f"TLS policy {endpoint.get('TLSSecurityPolicy')}, expected {TLS_POLICY}")
        vpc = domain.get("VPCOptions") or {}
        group = _get(self.outputs, "search.security_group_id")
        if not vpc.get("SubnetIds"):
            problems.append("not in a VPC (a public endpoint)")
        elif group and group not in (vpc.get("SecurityGroupIds") or []):
            problems.append(f"security groups {', '.join(vpc.get('SecurityGroupIds') or []) or 'none'}, "
                            f"not {group}")
        security = domain.get("AdvancedSecurityOptions") or {}
        if not security.get("Enabled"):
            problems.append("fine-grained access control off")
        else:
            if security.get("InternalUserDatabaseEnabled"):
                problems.append("internal user database on (the master should be the IAM role)")
            if security.get("AnonymousAuthEnabled"):
                problems.append("anonymous authentication on")
        logs = domain.get("LogPublishingOptions") or {}
        unpublished = [t for t in ("ES_APPLICATION_LOGS", "AUDIT_LOGS")
                       if not (logs.get(t) or {}).get("Enabled")]
        if unpublished:
            problems.append(f"{', '.join(unpublished)} not published to CloudWatch Logs")
        problems += self._search_size(domain.get("ClusterConfig") or {})
        if problems:
            return [CheckResult("search", name, "FAIL", "; ".join(problems))]
        return [CheckResult("search", name, "PASS",
                            f"active, in the VPC, encrypted at rest and node to node, HTTPS with "
                            f"{TLS_POLICY}, fine-grained access control")]

    def _search_size(self, cluster: dict[str, Any]) -> list[str]:
        expect = self.expect.search
        if expect is None:
            return []
        problems = []
        if cluster.get("InstanceCount") != expect.instance_count:
            problems.append(f"{cluster.get('InstanceCount')} data nodes, configured {expect.instance_count}")
        if bool(cluster.get("DedicatedMasterEnabled")) != expect.dedicated_master:
            problems.append(f"dedicated masters {bool(cluster.get('DedicatedMasterEnabled'))}, "
                            f"configured {expect.dedicated_master}")
        elif expect.dedicated_master and cluster.get("DedicatedMasterCount") != expect.dedicated_master_count:
            problems.append(f"{cluster.get('DedicatedMasterCount')} dedicated masters, "
                            f"configured {expect.dedicated_master_count}")
        if expect.availability_zones > 1:
            zones = (cluster.get("ZoneAwarenessConfig") or {}).get("AvailabilityZoneCount")
            if not cluster.get("ZoneAwarenessEnabled") or zones != expect.availability_zones:
                actual = zones if cluster.get("ZoneAwarenessEnabled") else 1
                problems.append(f"zone awareness across {actual} AZ(s), configured "
                                f"{expect.availability_zones}")
        return problems

    # -- documents (DocumentDB) ----------------------------------------------------------------

    def documents(self) -> list[CheckResult]:
        if self.expect.documents is None and not self.outputs.get("documents"):
            return []
        ident = _get(self.outputs, "documents.cluster_identifier")
        if not ident:
            return [self.skip("documents", "docdb", "documents.cluster_identifier")]
        try:
            [cluster] = self.client("docdb").describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"]
        except ClientError as exc:
            return [CheckResult("documents", ident, "FAIL", _error(exc))]
        problems = []
        if cluster.get("Engine") != "docdb":
            problems.append(f"engine {cluster.get('Engine')}, not docdb")
        if cluster.get("Status") != "available":
            problems.append(f"status {cluster.get('Status')}")
        if not cluster.get("StorageEncrypted"):
            problems.append("storage NOT encrypted")
        else:
            problems += _key_problems(cluster.get("KmsKeyId"), self._data_key(), "storage")
        expect = self.expect.documents
        retention = cluster.get("BackupRetentionPeriod")
        if expect is not None and retention != expect.backup_retention_days:
            problems.append(f"backup retention {retention} days, configured {expect.backup_retention_days}")
        protected = bool(cluster.get("DeletionProtection"))
        if expect is not None and protected != expect.deletion_protection:
            problems.append(f"deletion protection is {protected}, configured {expect.deletion_protection}")
        exports = cluster.get("EnabledCloudwatchLogsExports") or []
        missing = [e for e in ("audit", "profiler") if e not in exports]
        if missing:
            problems.append(f"{' and '.join(missing)} logs not exported to CloudWatch Logs")
        if problems:
            return [CheckResult("documents", ident, "FAIL", "; ".join(problems))]
        return [CheckResult("documents", ident, "PASS",
                            f"available, encrypted, backups {retention} days, deletion protection "
                            f"{protected}, audit and profiler logs exported")]

    # -- kafka (MSK) ---------------------------------------------------------------------------

    def kafka(self) -> list[CheckResult]:
        if self.expect.kafka is None and not self.outputs.get("kafka"):
            return []
        arn = _get(self.outputs, "kafka.arn")
        target = str(_get(self.outputs, "kafka.cluster_name") or "msk")
        if not arn:
            return [self.skip("kafka", target, "kafka.arn")]
        try:
            info = self.client("kafka").describe_cluster_v2(ClusterArn=arn)["ClusterInfo"]
        except ClientError as exc:
            return [CheckResult("kafka", target, "FAIL", _error(exc))]
        problems = []
        if info.get("State") != "ACTIVE":
            problems.append(f"state {info.get('State')}")
        kind = str(info.get("ClusterType", "PROVISIONED"))
        expect = self.expect.kafka
        if expect is not None and kind.lower() != expect.mode:
            problems.append(f"a {kind.lower()} cluster, configured {expect.mode}")
        details = info.get("Serverless" if kind == "SERVERLESS" else "Provisioned") or {}
        auth = details.get("ClientAuthentication") or {}
        if not ((auth.get("Sasl") or {}).get("Iam") or {}).get("Enabled"):
            problems.append("IAM client authentication off")
        if (auth.get("Unauthenticated") or {}).get("Enabled"):
            problems.append("unauthenticated access on")
        if kind != "SERVERLESS":  # serverless: always TLS, AWS-owned key, no broker settings
            problems += self._kafka_provisioned(details)
        if problems:
            return [CheckResult("kafka", target, "FAIL", "; ".join(problems))]
        how = "TLS (serverless)" if kind == "SERVERLESS" else "TLS client-broker and in-cluster, data key"
        return [CheckResult("kafka", target, "PASS", f"ACTIVE, IAM authentication, {how}")]

    def _kafka_provisioned(self, details: dict[str, Any]) -> list[str]:
        problems = []
        encryption = details.get("EncryptionInfo") or {}
        transit = encryption.get("EncryptionInTransit") or {}
        if transit.get("ClientBroker") != "TLS":
            problems.append(f"client-broker encryption {transit.get('ClientBroker')}, not TLS")
        if transit.get("InCluster") is not True:
            problems.append("NOT encrypted in transit between brokers (InCluster false)")
        key = (encryption.get("EncryptionAtRest") or {}).get("DataVolumeKMSKeyId")
        problems += _key_problems(key, self._data_key(), "at rest")
        access = (((details.get("BrokerNodeGroupInfo") or {}).get("ConnectivityInfo") or {})
                  .get("PublicAccess") or {}).get("Type")
        if access not in (None, "DISABLED"):
            problems.append(f"public access {access}")
        logs = ((details.get("LoggingInfo") or {}).get("BrokerLogs") or {}).get("CloudWatchLogs") or {}
        if not logs.get("Enabled"):
            problems.append("broker logs not sent to CloudWatch Logs")
        expect = self.expect.kafka
        monitoring = details.get("EnhancedMonitoring")
        if expect is not None and monitoring != expect.enhanced_monitoring:
            problems.append(f"enhanced monitoring {monitoring}, configured {expect.enhanced_monitoring}")
        return problems

    # -- assets (S3) ---------------------------------------------------------------------------

    def assets(self) -> list[CheckResult]:
        exported = self.outputs.get("assets") or {}
        expected = {a.name: a for a in self.expect.assets}
        names = [*expected, *(n for n in exported if n not in expected)]
        results = []
        for name in names:
            entry = exported.get(name)
            out: dict[str, Any] = entry if isinstance(entry, dict) else {}
            bucket, arn = out.get("bucket_name"), out.get("arn")
            if not bucket or not arn:
                results.append(self.skip("assets", name, f"assets.{name}.bucket_name/arn"))
                continue
            replicate = expected[name].replicate if name in expected else False
            if (replicate or out.get("replica_arn")) and not (
                    out.get("replica_arn") and out.get("replica_bucket_name")):
                results.append(self.skip("assets", str(bucket), f"assets.{name}.replica_arn"))
                continue
            results.append(self._asset_bucket(str(bucket), str(arn), out))
        return results

    def _asset_bucket(self, bucket: str, arn: str, out: dict[str, Any]) -> CheckResult:
        s3 = self.client("s3")
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if _error_code(exc) in ("404", "NoSuchBucket", "403", "AccessDenied"):
                return CheckResult("assets", bucket, "FAIL", f"bucket {bucket}: {_error(exc)}")
            raise
        problems = _bucket_problems(s3, bucket, arn, self._data_key())
        replica = out.get("replica_bucket_name")
        if replica:
            problems += _replication_problems(s3, bucket, str(out["replica_arn"]))
            region = out.get("replica_region")
            client = self.dr_client("s3", str(region)) if region else s3
            problems += _replica_problems(client, str(replica), str(region or "the DR region"))
        if problems:
            return CheckResult("assets", bucket, "FAIL", "; ".join(problems))
        copies = (f", replicated to {replica} ({out.get('replica_region')})" if replica else "")
        return CheckResult("assets", bucket, "PASS",
                           "versioned, SSE-KMS with the data key and Bucket Key, public access "
                           f"blocked, ACLs disabled, TLS only{copies}")

    # -- backup (AWS Backup) -------------------------------------------------------------------

    def backup(self) -> list[CheckResult]:
        expect = self.expect.backup
        out = self.outputs.get("backup") or {}
        if expect is None and not out:
            return []
        vault = out.get("vault_name")
        if not vault:
            return [self.skip("backup", "vault", "backup.vault_name")]
        locked = expect.locked if expect is not None else None
        results = [self._vault(self.client("backup"), str(vault), "vault", locked,
                               self._data_key())]
        plan_id = out.get("plan_id")
        results.append(self._backup_plan(str(plan_id), out.get("dr_vault_arn"), expect)
                       if plan_id else self.skip("backup", "plan", "backup.plan_id"))
        dr_region = out.get("dr_region") or (expect.dr_region if expect else None)
        if dr_region:
            dr_vault = out.get("dr_vault_name")
            results.append(self._vault(self.dr_client("backup", str(dr_region)), str(dr_vault),
                                       f"dr-vault ({dr_region})", locked, None)
                           if dr_vault else self.skip("backup", "dr-vault", "backup.dr_vault_name"))
        rpo = int(expect.rpo_minutes if expect is not None else out.get("rpo_minutes") or 60)
        results += self._recency(str(vault), rpo, expect)
        return results

    def _vault(self, client: Any, name: str, what: str, locked: bool | None,
               data_key: str | None) -> CheckResult:
        target = f"{what} {name}"
        try:
            vault = client.describe_backup_vault(BackupVaultName=name)
        except ClientError as exc:
            if _error_code(exc) in ("ResourceNotFoundException", "AccessDeniedException"):
                return CheckResult("backup", target, "FAIL", f"vault {name}: {_error(exc)}")
            raise
        problems = _key_problems(vault.get("EncryptionKeyArn"), data_key, "recovery points")
        if locked and not vault.get("Locked"):
            problems.append("NOT locked (backup.vault_lock: recovery points can be deleted "
                            "before their retention ends)")
        if problems:
            return CheckResult("backup", target, "FAIL", "; ".join(problems))
        lock = (f"locked, retention {vault.get('MinRetentionDays')}-{vault.get('MaxRetentionDays')} "
                "days" if vault.get("Locked") else "not locked")
        return CheckResult("backup", target, "PASS",
                           f"exists, encrypted with {_acl_name(str(vault.get('EncryptionKeyArn')))}, "
                           f"{lock}, {vault.get('NumberOfRecoveryPoints', 0)} recovery point(s)")

    def _backup_plan(self, plan_id: str, dr_vault_arn: Any,
                     expect: BackupExpectation | None) -> CheckResult:
        target = f"plan {plan_id}"
        try:
            plan = self.client("backup").get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                return CheckResult("backup", target, "FAIL", f"plan {plan_id} does not exist")
            raise
        rules = plan.get("Rules") or []
        target = f"plan {plan.get('BackupPlanName') or plan_id}"
        problems = [] if rules else ["no rules: nothing is backed up"]
        if dr_vault_arn:
            uncopied = [str(r.get("RuleName")) for r in rules
                        if dr_vault_arn not in [c.get("DestinationBackupVaultArn")
                                                for c in r.get("CopyActions") or []]]
            if uncopied:
                problems.append(f"rule(s) {', '.join(uncopied)} don't copy to the DR vault "
                                f"{dr_vault_arn}")
        if expect is not None and expect.continuous and not any(
                r.get("EnableContinuousBackup") for r in rules):
            problems.append("no continuous-backup rule (backup.continuous_retention_days)")
        if problems:
            return CheckResult("backup", target, "FAIL", "; ".join(problems))
        names = ", ".join(str(r.get("RuleName")) for r in rules)
        copies = ", each copied to the DR vault" if dr_vault_arn else ""
        return CheckResult("backup", target, "PASS", f"rules {names}{copies}")

    def _protected(self, expect: BackupExpectation | None) -> tuple[list[tuple[str, str]], list[str]]:
        """(name, ARN) of each store the plan should protect, from the outputs, and the output
        keys missing for a store that the config (or an output) says exists."""
        stores = expect.stores if expect is not None else ("database", "documents", "assets")
        found: list[tuple[str, str]] = []
        missing: list[str] = []
        db = self.outputs.get("database") or {}
        if "database" in stores:
            if db.get("arn"):
                found.append((str(db.get("identifier") or "database"), str(db["arn"])))
            elif db or self.expect.database_enabled:
                missing.append("database.arn")
        docs = self.outputs.get("documents") or {}
        if "documents" in stores:
            if docs.get("arn"):
                found.append((str(docs.get("cluster_identifier") or "documents"), str(docs["arn"])))
            elif docs or self.expect.documents is not None:
                missing.append("documents.arn")
        assets = self.outputs.get("assets") or {}
        assets = assets if isinstance(assets, dict) else {}
        if "assets" in stores:
            names = [*(a.name for a in self.expect.assets),
                     *(n for n in assets if n not in {a.name for a in self.expect.assets})]
            for name in names:
                bucket = assets.get(name)
                if isinstance(bucket, dict) and bucket.get("arn"):
                    found.append((str(bucket.get("bucket_name") or name), str(bucket["arn"])))
                else:
                    missing.append(f"assets.{name}.arn")
        return found, missing

    def _recency(self, vault: str, rpo: int, expect: BackupExpectation | None) -> list[CheckResult]:
        protected, missing = self._protected(expect)
        now = self._now()
        results = [self.skip("backup", f"latest backup ({key.split('.')[0]})", key)
                   for key in missing]
        for name, arn in protected:
            target = f"latest backup {name}"
            if ":rds:" in arn and ":db:" in arn and (expect is None or expect.continuous):
                results.append(self._restorable(target, arn, rpo, now))
                continue
            results.append(self._latest_job(target, vault, arn, rpo, now))
        return results

    def _restorable(self, target: str, arn: str, rpo: int, now: datetime) -> CheckResult:
        """Continuous backup: the instance's latest restorable time is within the RPO."""
        ident = arn.rsplit(":db:", 1)[1]
        [db] = self.client("rds").describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"]
        latest = db.get("LatestRestorableTime")
        if latest is None:
            return CheckResult("backup", target, "FAIL", "no latest restorable time: "
                               "point-in-time restore is off")
        age = (now - _aware(latest)).total_seconds() / 60
        if age > rpo:
            return CheckResult("backup", target, "FAIL",
                               f"latest restorable time {age:.0f} min ago, over the RPO of {rpo} min")
        return CheckResult("backup", target, "PASS",
                           f"restorable to {age:.0f} min ago (continuous), within the RPO of {rpo} min")

    def _latest_job(self, target: str, vault: str, arn: str, rpo: int, now: datetime) -> CheckResult:
        jobs: list[dict[str, Any]] = []
        pages = self.client("backup").get_paginator("list_backup_jobs").paginate(
            ByResourceArn=arn, ByBackupVaultName=vault)
        for page in pages:
            jobs += page.get("BackupJobs", [])
        jobs.sort(key=lambda j: _aware(j.get("CreationDate") or datetime.min), reverse=True)
        done = [j for j in jobs if j.get("State") == "COMPLETED" and j.get("CompletionDate")]
        if not done:
            last = f"; the newest is {jobs[0].get('State')}" if jobs else ""
            return CheckResult("backup", target, "FAIL", f"no completed backup job in {vault}{last}")
        age = (now - _aware(done[0]["CompletionDate"])).total_seconds() / 60
        failed = [j for j in jobs if j.get("State") in ("FAILED", "ABORTED", "EXPIRED", "PARTIAL")
                  and _aware(j.get("CreationDate")) > _aware(done[0]["CompletionDate"])]
        note = (f"; a newer job {failed[0].get('State')}: {failed[0].get('StatusMessage') or ''}"
                .rstrip(": ") if failed else "")
        if age > rpo:
            return CheckResult("backup", target, "FAIL",
                               f"latest completed backup {age:.0f} min ago, over the RPO of "
                               f"{rpo} min{note}")
        return CheckResult("backup", target, "PASS",
                           f"latest completed backup {age:.0f} min ago, within the RPO of "
                           f"{rpo} min{note}")

    # -- alarms --------------------------------------------------------------------------------

    def alarms(self) -> list[CheckResult]:
        prefix = f"{self.expect.prefix}-"
        firing: list[str] = []
        paginator = self.client("cloudwatch").get_paginator("describe_alarms")
        for page in paginator.paginate(AlarmNamePrefix=prefix, StateValue="ALARM",
                                       AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
            alarms = page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
            # filter again client-side: the server filter is the fast path, not the guarantee
            firing += [a["AlarmName"] for a in alarms
                       if a.get("StateValue") == "ALARM" and a["AlarmName"].startswith(prefix)]
        if firing:
            return [CheckResult("alarms", prefix + "*", "FAIL", "in ALARM: " + ", ".join(sorted(firing)))]
        return [CheckResult("alarms", prefix + "*", "PASS", "no alarm in ALARM")]

    # -- HTTP ----------------------------------------------------------------------------------

    def _base_url(self) -> tuple[str | None, str]:
        """(base URL, the output it came from)."""
        if self.base_url:
            return self.base_url.rstrip("/"), "--base-url"
        url = _get(self.outputs, "load_balancer.url") or self.outputs.get("url")
        if url:
            return str(url).rstrip("/"), "load_balancer.url"
        if self.expect.domain:
            return f"{self.expect.scheme}://{self.expect.domain}", "config certificate.domain"
        dns = _get(self.outputs, "load_balancer.dns_name")
        if dns:
            return f"{self.expect.scheme}://{dns}", "load_balancer.dns_name"
        return None, "load_balancer.dns_name"

    def http_smoke(self) -> list[CheckResult]:
        if not self.expect.web:
            return []
        base, source = self._base_url()
        if base is None:
            return [self.skip("http-smoke", name, source) for name in self.expect.web]
        return [self._smoke(name, base, web) for name, web in self.expect.web.items()]

    def _headers(self, web: WebExpectation) -> dict[str, str]:
        headers = {"User-Agent": "groundwork-verify"}
        if web.host:
            headers["Host"] = web.host
        return headers

    def _smoke(self, name: str, base: str, web: WebExpectation) -> CheckResult:
        """The service's smoke checks through `base`, with the hook's `run_checks`. The first
        GET of the health path is kept for `security-headers` (no second request for it)."""
        checks = web.checks or (SmokeCheckSettings(path=web.path, status=min(web.statuses)),)
        headers = self._headers(web)

        def request(method: str, path: str, *, timeout: float) -> tuple[int, bytes, float]:
            url = base + path
            answer = self._http(method, url, headers, min(timeout, self.http_timeout))
            if method == "GET" and path == web.path:
                self._responses.setdefault((url, web.host), answer)
            return answer.status, answer.body, answer.seconds

        report = run_checks([c.model_dump() for c in checks], request)
        if report.passed:
            return CheckResult("http-smoke", name, "PASS", f"{base}: {report.summary()}")
        hint = ("; pass --base-url https://<your domain>"
                if any(": TLS " in r for r in report.reasons) else "")
        return CheckResult("http-smoke", name, "FAIL",
                           f"{base}: " + "; ".join(report.reasons) + hint)

    def _fetch(self, base: str, web: WebExpectation) -> _Response | str:
        """GET the health path (once per run: `security-headers` reads the answer `http-smoke`
        got when its checks include that GET); the response, or what went wrong as the detail
        of a FAIL."""
        url = base + web.path
        key = (url, web.host)
        if key in self._responses:
            return self._responses[key]
        answer: _Response | str
        try:
            answer = self._http("GET", url, self._headers(web), self.http_timeout)
        except ssl.SSLCertVerificationError as exc:
            answer = f"GET {url}: TLS {exc.verify_message}; pass --base-url https://<your domain>"
        except (urllib.error.URLError, OSError) as exc:
            answer = f"GET {url}: {getattr(exc, 'reason', exc)}"
        self._responses[key] = answer
        return answer

    def security_headers(self) -> list[CheckResult]:
        """The health path's response (any status: the edge adds the headers to every answer)
        carries each configured security header."""
        expect = self.expect.headers
        if not self.expect.web or expect is None:
            return []
        base, source = self._base_url()
        if base is None:
            return [self.skip("security-headers", name, source) for name in self.expect.web]
        results = []
        for name, web in self.expect.web.items():
            answer = self._fetch(base, web)
            if isinstance(answer, str):
                results.append(CheckResult("security-headers", name, "FAIL",
                                           f"no response to read the headers of: {answer}"))
                continue
            problems = header_problems(answer.headers, expect)
            if problems:
                results.append(CheckResult("security-headers", name, "FAIL",
                                           f"GET {answer.url}: " + "; ".join(problems)))
                continue
            present = [h for h, v in _HEADER_NAMES.items() if getattr(expect, v) is not None]
            results.append(CheckResult("security-headers", name, "PASS",
                                       f"GET {answer.url}: {', '.join(present) or 'none configured'}"))
        return results

    # -- the edge: web ACL, CloudFront, DNS ----------------------------------------------------

    def web_acl(self) -> list[CheckResult]:
        edge = self.expect.edge
        exported = self.outputs.get("edge") or {}
        results = []
        if edge.mode == "alb" and (edge.waf or edge.external_web_acl_arn
                                   or exported.get("regional_web_acl")):
            results.append(self._alb_web_acl(edge))
        if exported.get("cloudfront_web_acl") or (edge.mode == "cloudfront" and edge.waf):
            arn = _get(exported, "cloudfront_web_acl.arn")
            name = str(_get(exported, "cloudfront_web_acl.name") or "cloudfront")
            if not arn:
                results.append(self.skip("web-acl", name, "edge.cloudfront_web_acl.arn"))
            else:
                problems = self._acl_logging(self.us_east_1_client("wafv2"), str(arn),
                                             _get(exported, "cloudfront_web_acl.log_group_name"))
                results.append(CheckResult("web-acl", name, "FAIL" if problems else "PASS",
                                           "; ".join(problems) or "CLOUDFRONT scope (us-east-1), "
                                           + self._logging_detail(exported, "cloudfront_web_acl")))
        return results

    def _alb_web_acl(self, edge: EdgeExpectation) -> CheckResult:
        alb = _get(self.outputs, "load_balancer.arn")
        target = _alb_name(alb) if alb else "alb"
        if not alb:
            return self.skip("web-acl", target, "load_balancer.arn")
        own = edge.external_web_acl_arn is None
        want = edge.external_web_acl_arn or _get(self.outputs, "edge.regional_web_acl.arn")
        if not want:
            return self.skip("web-acl", target, "edge.regional_web_acl.arn")
        wafv2 = self.client("wafv2")
        found = wafv2.get_web_acl_for_resource(ResourceArn=alb).get("WebACL")
        if not found:
            return CheckResult("web-acl", target, "FAIL",
                               f"no web ACL associated with the ALB (expected {_acl_name(want)})")
        if found.get("ARN") != want:
            return CheckResult("web-acl", target, "FAIL",
                               f"web ACL {found.get('Name') or found.get('ARN')} is associated, not "
                               f"{_acl_name(want)} ({want})")
        if not own:  # someone else's ACL: its logging is theirs
            return CheckResult("web-acl", target, "PASS",
                               f"{_acl_name(want)} (load_balancer.waf_acl_arn) associated")
        problems = self._acl_logging(wafv2, str(want),
                                     _get(self.outputs, "edge.regional_web_acl.log_group_name"))
        if problems:
            return CheckResult("web-acl", target, "FAIL", f"{_acl_name(want)}: " + "; ".join(problems))
        return CheckResult("web-acl", target, "PASS", f"{_acl_name(want)} associated, "
                           + self._logging_detail(self.outputs.get("edge") or {}, "regional_web_acl"))

    def _logging_detail(self, exported: dict[str, Any], key: str) -> str:
        group = _get(exported, f"{key}.log_group_name") or "an aws-waf-logs- group"
        return f"logging to {group} with {', '.join(self.expect.edge.redacted_headers)} redacted"

    def _acl_logging(self, wafv2: Any, arn: str, group: Any) -> list[str]:
        """What is wrong with the web ACL's logging (FSBP WAF.11)."""
        try:
            config = wafv2.get_logging_configuration(ResourceArn=arn).get("LoggingConfiguration") or {}
        except ClientError as exc:
            if _error_code(exc) == "WAFNonexistentItemException":
                return ["no logging configuration (WAF.11: the ACL's decisions are not logged)"]
            raise
        problems = []
        destinations = [str(d) for d in config.get("LogDestinationConfigs") or []]
        groups = [d.split(":log-group:", 1)[1].removesuffix(":*") for d in destinations
                  if ":log-group:" in d]
        if not groups:
            problems.append(f"logs to {', '.join(destinations) or 'nowhere'}, not a CloudWatch "
                            "log group")
        elif group and str(group) not in groups:
            problems.append(f"logs to {', '.join(groups)}, not {group}")
        elif not all(g.startswith("aws-waf-logs-") for g in groups):
            problems.append(f"log group {', '.join(groups)} is not named aws-waf-logs-*")
        redacted = {str((f.get("SingleHeader") or {}).get("Name", "")).lower()
                    for f in config.get("RedactedFields") or []}
        missing = [h for h in self.expect.edge.redacted_headers if h.lower() not in redacted]
        if missing:
            problems.append(f"the {', '.join(missing)} header(s) not redacted from the logs")
        return problems

    def cloudfront(self) -> list[CheckResult]:
        edge = self.expect.edge
        exported = self.outputs.get("edge") or {}
        if edge.mode != "cloudfront" and not exported.get("distribution"):
            return []
        dist_id = _get(exported, "distribution.id")
        if not dist_id:
            return [self.skip("cloudfront", "distribution", "edge.distribution.id")]
        try:
            dist = self.us_east_1_client("cloudfront").get_distribution(Id=dist_id)["Distribution"]
        except ClientError as exc:
            return [CheckResult("cloudfront", dist_id, "FAIL", _error(exc))]
        config = dist.get("DistributionConfig") or {}
        problems = []
        if dist.get("Status") != "Deployed":
            problems.append(f"status {dist.get('Status')} (not Deployed yet)")
        if not config.get("Enabled"):
            problems.append("disabled")
        want_acl = _get(exported, "cloudfront_web_acl.arn")
        acl = config.get("WebACLId") or ""
        if want_acl and acl != want_acl:
            problems.append(f"web ACL {acl or 'none'}, not {_acl_name(str(want_acl))} ({want_acl})")
        elif edge.waf and not acl:
            problems.append("no web ACL")
        behaviours = [("default behaviour", config.get("DefaultCacheBehavior") or {})] + [
            (f"behaviour {b.get('PathPattern')}", b)
            for b in (config.get("CacheBehaviors") or {}).get("Items") or []]
        for what, behaviour in behaviours:
            policy = behaviour.get("ViewerProtocolPolicy")
            if policy != "redirect-to-https":
                problems.append(f"{what} viewer protocol policy {policy}, not redirect-to-https")
        cert = config.get("ViewerCertificate") or {}
        tls = cert.get("MinimumProtocolVersion")
        if cert.get("CloudFrontDefaultCertificate") or not cert.get("ACMCertificateArn"):
            problems.append("on the default *.cloudfront.net certificate, not the app's (ACM)")
        elif tls != edge.minimum_protocol_version:
            problems.append(f"minimum viewer TLS {tls}, configured {edge.minimum_protocol_version}")
        target = str(dist.get("DomainName") or dist_id)
        if problems:
            return [CheckResult("cloudfront", target, "FAIL", "; ".join(problems))]
        return [CheckResult("cloudfront", target, "PASS",
                            f"Deployed, enabled, web ACL {_acl_name(acl) if acl else 'none'}, "
                            f"redirect-to-https, {tls}")]

    def dns_records(self) -> list[CheckResult]:
        edge = self.expect.edge
        exported = self.outputs.get("edge") or {}
        domains = list(dict.fromkeys([*edge.domains, *(exported.get("domains") or [])]))
        if not domains:
            return []
        zone = exported.get("zone_id") or edge.dns_zone_id
        if not zone:
            return [self.skip("dns-records", d, "edge.zone_id") for d in domains]
        cloudfront = edge.mode == "cloudfront"
        key = "edge.distribution.domain_name" if cloudfront else "load_balancer.dns_name"
        target = _get(self.outputs, key)
        if not target:
            return [self.skip("dns-records", d, key) for d in domains]
        route53 = self.client("route53")
        results = []
        for domain in domains:
            problems = []
            try:
                for kind in ("A", "AAAA") if cloudfront else ("A",):
                    problems += _alias_problems(route53, str(zone), domain, kind, str(target),
                                                evaluate=not cloudfront)
            except ClientError as exc:  # e.g. NoSuchHostedZone
                problems.append(f"zone {zone}: {_error(exc)}")
            what = "the distribution" if cloudfront else "the ALB"
            results.append(CheckResult("dns-records", domain, "FAIL" if problems else "PASS",
                                       "; ".join(problems) or f"alias {'A+AAAA' if cloudfront else 'A'}"
                                       f" to {what} ({_dns(target)})"))
        return results


@dataclass(frozen=True)
class _Response:
    url: str
    status: int
    headers: Any
    """An `email.message.Message` (case-insensitive `get`)."""
    body: bytes = b""
    seconds: float = 0.0
    """From sending the request to the body's last byte."""


MAX_BODY_BYTES = 1 << 20
"""The most of a response body read (1 MiB)."""


def _urllib_http(method: str, url: str, headers: dict[str, str], timeout: float) -> _Response:
    """One request with urllib, timed; an error status is an answer, not an exception."""
    request = urllib.request.Request(url, headers=headers, method=method)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout,
                                    context=ssl.create_default_context()) as resp:
            body = resp.read(MAX_BODY_BYTES)
            return _Response(url, resp.status, resp.headers, body, time.perf_counter() - start)
    except urllib.error.HTTPError as exc:
        body = exc.read(MAX_BODY_BYTES) if exc.fp is not None else b""
        return _Response(url, exc.code, exc.headers, body, time.perf_counter() - start)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, BaseException):
            raise exc.reason from exc  # the socket's own error: a timeout, TLS, refused
        raise


_HEADER_NAMES = {
    "Strict-Transport-Security": "strict_transport_security",
    "X-Content-Type-Options": "content_type_options",
    "X-Frame-Options": "frame_options",
    "Content-Security-Policy": "content_security_policy",
    "Referrer-Policy": "referrer_policy",
}
"""Response header -> its `HeadersExpectation` field."""


def _directives(value: str) -> str:
    """A CSP as its directives, whitespace and empty directives normalised."""
    return "; ".join(" ".join(d.split()) for d in value.split(";") if d.strip())


def header_problems(headers: Any, expect: HeadersExpectation) -> list[str]:
    """What the response's security headers lack against the configured ones, each naming the
    header (pure)."""
    from groundwork.components.security_headers import HSTS_MIN_MAX_AGE

    problems = []
    for header, attr in _HEADER_NAMES.items():
        want = getattr(expect, attr)
        if want is None:
            continue
        got = headers.get(header)
        if got is None:
            problems.append(f"{header} missing (configured {want!r})")
            continue
        got = " ".join(str(got).split())
        if attr == "strict_transport_security":
            parts = {p.strip().partition("=")[0].strip().lower(): p.strip().partition("=")[2].strip()
                     for p in got.split(";") if p.strip()}
            age = parts.get("max-age", "").strip('"')
            if not age.isdigit() or int(age) < HSTS_MIN_MAX_AGE:
                problems.append(f"{header} {got!r}: max-age below one year ({HSTS_MIN_MAX_AGE} s)")
            elif "includesubdomains" in want.lower() and "includesubdomains" not in parts:
                problems.append(f"{header} {got!r} without includeSubDomains")
        elif attr == "content_security_policy":
            if _directives(got) != _directives(want):
                problems.append(f"{header} {got!r}, configured {want!r}")
        elif got.lower() != want.lower():
            problems.append(f"{header} {got!r}, configured {want!r}")
    return problems


def _acl_name(arn: str) -> str:
    """A WAFv2 ARN's ACL name (`...:regional/webacl/<name>/<id>`), else the ARN."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 4 and parts[-3] == "webacl" else arn


def _alb_name(arn: str) -> str:
    """An ALB ARN's name (`...:loadbalancer/app/<name>/<id>`), else the ARN."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 3 and parts[-3] == "app" else arn


def _dns(name: Any) -> str:
    """A DNS name as Route 53 compares it: lowercase, no final dot, `*` unescaped."""
    return str(name).lower().rstrip(".").replace("\\052", "*")


def _alias_problems(route53: Any, zone: str, domain: str, kind: str, target: str, *,
                    evaluate: bool) -> list[str]:
    """What is wrong with `domain`'s alias `kind` record to `target` in `zone`."""
    resp = route53.list_resource_record_sets(HostedZoneId=zone, StartRecordName=domain,
                                             StartRecordType=kind, MaxItems="1")
    found = next((r for r in resp.get("ResourceRecordSets", [])
                  if _dns(r.get("Name")) == _dns(domain) and r.get("Type") == kind), None)
    if found is None:
        return [f"no {kind} record in zone {zone}"]
    alias = found.get("AliasTarget")
    if not alias:
        values = [v.get("Value") for v in found.get("ResourceRecords") or []]
        return [f"{kind} is a plain record ({', '.join(map(str, values))}), not an alias to {_dns(target)}"]
    pointed = _dns(alias.get("DNSName")).removeprefix("dualstack.")
    if pointed != _dns(target).removeprefix("dualstack."):
        return [f"{kind} aliases {pointed}, not {_dns(target)}"]
    if bool(alias.get("EvaluateTargetHealth")) != evaluate:
        return [f"{kind} evaluate_target_health is {bool(alias.get('EvaluateTargetHealth'))}, "
                f"expected {evaluate}"]
    return []


def _error(exc: ClientError) -> str:
    err = exc.response.get("Error", {})
    return f"{err.get('Code', 'error')}: {err.get('Message', exc)}"


def _json(value: Any) -> dict[str, Any] | None:
    """A JSON attribute (an SQS policy, a redrive policy) as a dict, None when absent or bad."""
    if not value:
        return None
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _queue_name(url: str) -> str:
    return str(url).rstrip("/").rsplit("/", 1)[-1]


def _same_key(actual: str, arn: str) -> bool:
    """`actual` (a key ARN or bare key id, as AWS reports them) is the key `arn`."""
    return actual == arn or arn.rsplit("/", 1)[-1] == actual


def _key_problems(key: Any, data_key: str | None, what: str) -> list[str]:
    """What is wrong with the KMS key a store reports (`what`: "at rest", "storage"...)."""
    if not key:
        return [f"encrypted {what} without a customer KMS key"]
    key = str(key)
    if key.startswith("alias/aws/"):
        return [f"encrypted {what} with the AWS-managed key {key}, not a customer key"]
    if data_key and not _same_key(key, data_key):
        return [f"encrypted {what} with {key}, not the data key {data_key}"]
    return []


def _sqs_key_problems(attrs: dict[str, Any], data_key: str | None) -> list[str]:
    key = attrs.get("KmsMasterKeyId")
    if not key:
        managed = str(attrs.get("SqsManagedSseEnabled")).lower() == "true"
        how = "SQS-managed SSE only" if managed else "unencrypted"
        return [f"not encrypted with a customer KMS key (KmsMasterKeyId unset: {how})"]
    if str(key) == "alias/aws/sqs":
        return ["encrypted with the AWS-managed key alias/aws/sqs, not a customer key"]
    if data_key and not _same_key(str(key), data_key):
        return [f"encrypted with {key}, not the data key {data_key}"]
    return []


def _redrive_allow_problems(dlq: dict[str, Any], source_arn: str) -> list[str]:
    allow = _json(dlq.get("RedriveAllowPolicy"))
    if allow is None:
        return ["has no redrive-allow policy (any queue may dead-letter into it)"]
    permission = allow.get("redrivePermission")
    if permission == "byQueue" and source_arn in (allow.get("sourceQueueArns") or []):
        return []
    if permission == "byQueue":
        return [f"redrive-allow policy does not name {source_arn}"]
    return [f"redrive-allow policy is {permission}, not byQueue for {source_arn}"]


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _denies_insecure_transport(policy: Any, service: str, arn: str) -> bool:
    """The resource policy has a statement that denies every `service` action on `arn` to
    every principal when aws:SecureTransport is false, on no other condition."""
    doc = _json(policy)
    raw = (doc or {}).get("Statement", [])
    for st in [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []:
        if not isinstance(st, dict) or st.get("Effect") != "Deny" or "NotPrincipal" in st:
            continue
        principal = st.get("Principal")
        principals = [principal] if isinstance(principal, str) else _strings(
            (principal or {}).get("AWS") if isinstance(principal, dict) else None)
        if "*" not in principals:
            continue
        if not any(a.lower() in ("*", f"{service}:*") for a in _strings(st.get("Action"))):
            continue
        if not any(fnmatch.fnmatchcase(arn, r) for r in _strings(st.get("Resource"))):
            continue
        conditions = [(op.lower(), key.lower(), _strings(value))
                      for op, keys in (st.get("Condition") or {}).items() if isinstance(keys, dict)
                      for key, value in keys.items()]
        if (len(conditions) == 1 and conditions[0][:2] in (("bool", "aws:securetransport"),
                                                           ("boolifexists", "aws:securetransport"))
                and conditions[0][2] and all(v.lower() == "false" for v in conditions[0][2])):
            return True
    return False


_S3_MISSING = {
    "get_bucket_encryption": "ServerSideEncryptionConfigurationNotFoundError",
    "get_public_access_block": "NoSuchPublicAccessBlockConfiguration",
    "get_bucket_ownership_controls": "OwnershipControlsNotFoundError",
    "get_bucket_policy": "NoSuchBucketPolicy",
    "get_bucket_replication": "ReplicationConfigurationNotFoundError",
}
"""The error S3 answers when a bucket has none of what the call reads."""


def _s3_get(s3: Any, method: str, bucket: str) -> dict[str, Any] | None:
    """`s3.<method>(Bucket=bucket)`, None when the bucket has no such configuration."""
    try:
        return dict(getattr(s3, method)(Bucket=bucket))
    except ClientError as exc:
        if _error_code(exc) == _S3_MISSING.get(method):
            return None
        raise


_PUBLIC_ACCESS_SWITCHES = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                           "RestrictPublicBuckets")


def _bucket_problems(s3: Any, bucket: str, arn: str, data_key: str | None) -> list[str]:
    """What is wrong with an asset bucket's versioning, encryption, public access block,
    ownership and TLS-only policy (components/asset_bucket.py builds all five)."""
    problems = []
    status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    if status != "Enabled":
        problems.append(f"versioning {status or 'never enabled'}, not Enabled")
    encryption = _s3_get(s3, "get_bucket_encryption", bucket)
    rules = ((encryption or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    rule = rules[0] if rules else {}
    default = rule.get("ApplyServerSideEncryptionByDefault") or {}
    if default.get("SSEAlgorithm") != "aws:kms":
        problems.append(f"default encryption {default.get('SSEAlgorithm') or 'none'}, not SSE-KMS")
    else:
        problems += _key_problems(default.get("KMSMasterKeyID"), data_key, "by default")
        if not rule.get("BucketKeyEnabled"):
            problems.append("S3 Bucket Key off (one KMS request per object)")
    block = ((_s3_get(s3, "get_public_access_block", bucket) or {})
             .get("PublicAccessBlockConfiguration") or {})
    off = [k for k in _PUBLIC_ACCESS_SWITCHES if not block.get(k)]
    if off:
        problems.append(f"Block Public Access off: {', '.join(off)}")
    ownership = ((_s3_get(s3, "get_bucket_ownership_controls", bucket) or {})
                 .get("OwnershipControls") or {}).get("Rules") or []
    owner = ownership[0].get("ObjectOwnership") if ownership else None
    if owner != "BucketOwnerEnforced":
        problems.append(f"ObjectOwnership {owner or 'unset'}, not BucketOwnerEnforced (ACLs "
                        "still apply)")
    policy = (_s3_get(s3, "get_bucket_policy", bucket) or {}).get("Policy")
    if not all(_denies_insecure_transport(policy, "s3", target) for target in (arn, f"{arn}/object")):
        problems.append("the bucket policy doesn't deny s3:* without TLS (aws:SecureTransport "
                        "false) on the bucket and its objects")
    return problems


def _replication_problems(s3: Any, bucket: str, replica_arn: str) -> list[str]:
    config = (_s3_get(s3, "get_bucket_replication", bucket) or {}).get("ReplicationConfiguration")
    if not config:
        return [f"no replication configuration (the replica is {replica_arn})"]
    rules = [r for r in config.get("Rules") or []
             if r.get("Status") == "Enabled"
             and (r.get("Destination") or {}).get("Bucket") == replica_arn]
    if not rules:
        return [f"no enabled replication rule to the replica {replica_arn}"]
    return []


def _replica_problems(s3: Any, replica: str, region: str) -> list[str]:
    try:
        s3.head_bucket(Bucket=replica)
    except ClientError as exc:
        if _error_code(exc) in ("404", "NoSuchBucket"):
            return [f"the replica {replica} does not exist in {region}"]
        raise
    status = s3.get_bucket_versioning(Bucket=replica).get("Status")
    if status != "Enabled":
        return [f"the replica {replica} is not versioned (S3 replicates only into a versioned "
                "bucket)"]
    return []


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _boto3_clients(region: str) -> ClientFactory:
    def factory(name: str) -> Any:
        import boto3

        return boto3.session.Session(region_name=region).client(name)

    return factory


def verify(verifier: Verifier, *, wait_seconds: float = 0, interval: float = 15.0,
           sleep: Callable[[float], None] = time.sleep) -> list[CheckResult]:
    """Run the checks; with `wait_seconds`, re-run until nothing FAILs or the time is up."""
    deadline = time.monotonic() + wait_seconds
    while True:
        results = verifier.run()
        if not failed(results) or time.monotonic() + interval > deadline:
            return results
        sleep(interval)


def failed(results: Iterable[CheckResult]) -> list[CheckResult]:
    return [r for r in results if r.status == "FAIL"]


def render(stack: str, results: list[CheckResult]) -> Any:
    """The results as a rich table."""
    from rich.table import Table

    colour = {"PASS": "green", "FAIL": "bold red", "SKIP": "yellow"}
    table = Table(title=f"groundwork verify: stack {stack}", title_justify="left", header_style="bold")
    for col in ("check", "target", "result", "detail"):
        table.add_column(col)
    for r in results:
        table.add_row(r.check, r.target, f"[{colour[r.status]}]{r.status}[/]", r.detail)
    return table


# --------------------------------------------------------------------------------------------
# `groundwork verify account`: the account baseline, live
# --------------------------------------------------------------------------------------------

AccountStatus = Literal["PASS", "FAIL", "SKIP", "UNKNOWN"]

ACCOUNT_CHECKS = ("cloudtrail", "config", "guardduty", "securityhub", "ebs_encryption",
                  "s3_public_access_block", "vpc_block_public_access", "password_policy",
                  "security_contact", "budget")
"""One check per control family, in the order they print."""
SECTION_CHECKS = {
    "audit_trail": ("cloudtrail",), "config_recorder": ("config",), "threat_detection": ("guardduty",),
    "security_hub": ("securityhub",), "budget": ("budget",),
    "account_settings": ("ebs_encryption", "s3_public_access_block", "vpc_block_public_access",
                         "password_policy", "security_contact"),
}
"""The account program's config sections (`groundwork-account:<section>.enabled`) -> checks."""
UNKNOWN_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                 "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken",
                 "ThrottlingException", "Throttling"}
"""Errors that say the check couldn't look, not that the control is off."""
FSBP_STANDARD_ARN = "standards/aws-foundational-security-best-practices/"
CONFIG_SERVICE_LINKED_ROLE = ":role/aws-service-role/config.amazonaws.com/"
GUARDDUTY_FEATURES: dict[str, tuple[str, str | None]] = {
    # ThreatDetection setting -> (feature, additional configuration)
    "s3_data_events": ("S3_DATA_EVENTS", None),
    "runtime_monitoring": ("RUNTIME_MONITORING", None),
    "ecs_fargate_agent_management": ("RUNTIME_MONITORING", "ECS_FARGATE_AGENT_MANAGEMENT"),
    "rds_login_events": ("RDS_LOGIN_EVENTS", None),
    "lambda_network_logs": ("LAMBDA_NETWORK_LOGS", None),
    "ec2_agent_management": ("RUNTIME_MONITORING", "EC2_AGENT_MANAGEMENT"),
    "eks_audit_logs": ("EKS_AUDIT_LOGS", None),
    "ebs_malware_protection": ("EBS_MALWARE_PROTECTION", None),
}


def resolve_skips(names: Iterable[str]) -> frozenset[str]:
    """`--skip` values (check names or the account program's section names, comma-separated)
    as check names; ValueError naming an unknown one."""
    out: set[str] = set()
    for raw in names:
        for name in (n.strip().replace("-", "_") for n in raw.split(",")):
            if not name:
                continue
            if name in ACCOUNT_CHECKS:
                out.add(name)
            elif name in SECTION_CHECKS:
                out.update(SECTION_CHECKS[name])
            else:
                raise ValueError(f"--skip {name}: unknown; allowed: {', '.join(ACCOUNT_CHECKS)} "
                                 f"(or a section: {', '.join(SECTION_CHECKS)})")
    return frozenset(out)


@dataclass(frozen=True)
class AccountExpectations:
    """What the account should have: by default FSBP and CIS values; from the account program's
    config (`from_config`), its switched-off pieces are skipped and its values expected."""

    region: str
    skip: dict[str, str] = field(default_factory=dict)
    """check -> why it is skipped (`--skip`, or the piece is off in the account program)."""
    guardduty_features: tuple[tuple[str, str | None], ...] = (
        ("S3_DATA_EVENTS", None), ("RUNTIME_MONITORING", None),
        ("RUNTIME_MONITORING", "ECS_FARGATE_AGENT_MANAGEMENT"), ("RDS_LOGIN_EVENTS", None),
        ("LAMBDA_NETWORK_LOGS", None))
    trail_cloudwatch_logs: bool = True
    password_min_length: int = 14
    password_reuse: int = 24
    securityhub_fsbp: bool = True

    def skipping(self, checks: Iterable[str], why: str) -> AccountExpectations:
        from dataclasses import replace

        return replace(self, skip={**self.skip, **{c: why for c in checks if c not in self.skip}})

    @classmethod
    def from_config(cls, config: Any) -> AccountExpectations:
        """From an `AccountConfig` (groundwork.stacks.account)."""
        skip: dict[str, str] = {}
        for section, checks in SECTION_CHECKS.items():
            if not getattr(config, section).enabled:
                skip.update({c: f"{section}.enabled is false in the account program" for c in checks})
        settings = config.account_settings
        for check, flag in (("ebs_encryption", "ebs_encryption_by_default"),
                            ("s3_public_access_block", "s3_account_public_access_block"),
                            ("password_policy", "password_policy_enabled"),
                            ("security_contact", "security_contact_enabled")):
            if not getattr(settings, flag):
                skip.setdefault(check, f"account_settings.{flag} is false in the account program")
        if settings.vpc_block_public_access == "off":
            skip.setdefault("vpc_block_public_access",
                            "account_settings.vpc_block_public_access is off in the account program")
        gd = config.threat_detection
        features = []
        for setting, feature in GUARDDUTY_FEATURES.items():
            if getattr(gd, setting, False) and feature not in features:
                features.append(feature)
        return cls(region=config.region, skip=skip, guardduty_features=tuple(features),
                   trail_cloudwatch_logs=config.audit_trail.cloudwatch_logs,
                   password_min_length=settings.password_policy.minimum_length,
                   password_reuse=settings.password_policy.reuse_prevention)


@dataclass(frozen=True)
class AccountResult:
    check: str
    target: str
    status: AccountStatus
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "target": self.target, "status": self.status, "detail": self.detail}


class _Unknown(Exception):
    """The check could not look (no permission, throttled): its result is UNKNOWN."""


def _call(client: Any, method: str, **kwargs: Any) -> Any:
    """`client.<method>(**kwargs)`; an access or throttling error becomes _Unknown."""
    try:
        return getattr(client, method)(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in UNKNOWN_CODES:
            raise _Unknown(f"{method}: {_error(exc)}") from None
        raise


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _trail_management(selectors: dict[str, Any]) -> tuple[set[str], list[str]]:
    """The management events (`read`, `write`) a trail's GetEventSelectors answer records."""
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    if not basic and not advanced:
        return set(), ["no event selectors"]
    covered: set[str] = set()
    notes: list[str] = []
    for sel in basic:
        if sel.get("IncludeManagementEvents") is False:
            continue
        if sel.get("ExcludeManagementEventSources"):
            notes.append("excludes " + ", ".join(sel["ExcludeManagementEventSources"]))
            continue
        kind = str(sel.get("ReadWriteType", "All")).lower()
        covered |= {"all": {"read", "write"}, "readonly": {"read"}, "writeonly": {"write"}}.get(kind, set())
    for sel in advanced:
        fields = {f.get("Field"): f for f in sel.get("FieldSelectors", [])}
        if (fields.get("eventCategory") or {}).get("Equals") != ["Management"]:
            continue
        narrowing = [n for n, f in fields.items() if n not in ("eventCategory", "readOnly")
                     or any(f.get(k) for k in ("NotEquals", "StartsWith", "EndsWith",
                                               "NotStartsWith", "NotEndsWith"))]
        if narrowing:
            notes.append(f"selector {sel.get('Name', '?')!r} narrows by {', '.join(sorted(narrowing))}")
            continue
        values = {str(v).lower() for v in (fields.get("readOnly") or {}).get("Equals", [])}
        covered |= ({"read", "write"} if not values or values == {"true", "false"}
                    else {"read"} if values == {"true"} else {"write"})
    return covered, notes


class AccountVerifier:
    """The live account against `AccountExpectations`, one result per check. `clients(name)`
    returns a boto3 client (the tests hand in moto-backed or stubbed ones)."""

    def __init__(self, expect: AccountExpectations, *, clients: ClientFactory | None = None):
        self.expect = expect
        self._clients = clients or _session_clients(expect.region)
        self._cache: dict[str, Any] = {}
        self._account_id: str | None = None

    def client(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._clients(name)
        return self._cache[name]

    def account_id(self) -> str:
        if self._account_id is None:
            self._account_id = str(_call(self.client("sts"), "get_caller_identity")["Account"])
        return self._account_id

    def run(self) -> list[AccountResult]:
        from botocore.exceptions import BotoCoreError

        results = []
        for name in ACCOUNT_CHECKS:
            if name in self.expect.skip:
                results.append(AccountResult(name, "-", "SKIP", f"SKIP: {self.expect.skip[name]}"))
                continue
            try:
                target, problems, passed = getattr(self, f"check_{name}")()
            except _Unknown as exc:
                results.append(AccountResult(name, "-", "UNKNOWN", f"can't tell: {exc}"))
                continue
            except (ClientError, BotoCoreError) as exc:
                detail = _error(exc) if isinstance(exc, ClientError) else str(exc)
                results.append(AccountResult(name, "-", "FAIL", f"AWS error: {detail}"))
                continue
            status: AccountStatus = "FAIL" if problems else "PASS"
            results.append(AccountResult(name, target, status, "; ".join(problems) or passed))
        return results

    # each check: (target, problems, what a pass says)

    def check_cloudtrail(self) -> tuple[str, list[str], str]:
        ct = self.client("cloudtrail")
        trails = _call(ct, "describe_trails", includeShadowTrails=True).get("trailList", [])
        if not trails:
            return "-", ["no trail in this account"], ""
        judged: list[tuple[str, list[str]]] = []
        for trail in trails:
            arn = trail.get("TrailARN") or trail.get("Name", "?")
            problems = []
            if not trail.get("IsMultiRegionTrail"):
                problems.append("not multi-Region")
            if not trail.get("LogFileValidationEnabled"):
                problems.append("log file validation off")
            if not trail.get("KmsKeyId"):
                problems.append("not encrypted with KMS")
            if self.expect.trail_cloudwatch_logs and not trail.get("CloudWatchLogsLogGroupArn"):
                problems.append("not delivering to CloudWatch Logs")
            if not _call(ct, "get_trail_status", Name=arn).get("IsLogging"):
                problems.append("not logging")
            covered, notes = _trail_management(_call(ct, "get_event_selectors", TrailName=arn))
            missing = [k for k in ("read", "write") if k not in covered]
            if missing:
                problems.append(f"no {'/'.join(missing)} management events"
                                + (f" ({'; '.join(notes)})" if notes else ""))
            if not problems:
                return arn, [], "multi-Region, logging read+write management events, validated, KMS"
            judged.append((arn, problems))
        arn, problems = min(judged, key=lambda j: len(j[1]))
        controls = "CloudTrail.1/2/4" + ("/5" if self.expect.trail_cloudwatch_logs else "")
        return arn, [f"no trail satisfies {controls}: " + ", ".join(problems)], ""

    def check_config(self) -> tuple[str, list[str], str]:
        cfg = self.client("config")
        found = _call(cfg, "describe_configuration_recorders").get("ConfigurationRecorders", [])
        # a service's own recorder (e.g. Security Hub's, scope INTERNAL) is not the account's
        recorders = [r for r in found if not r.get("servicePrincipal")]
        if not recorders:
            return "-", ["no configuration recorder"], ""
        recorder = recorders[0]
        name = recorder.get("name", "default")
        problems = []
        if CONFIG_SERVICE_LINKED_ROLE not in str(recorder.get("roleARN", "")):
            problems.append(f"records with {recorder.get('roleARN')}, not the service-linked role")
        group = recorder.get("recordingGroup") or {}
        if not group.get("allSupported", False):
            problems.append("not recording all supported resource types")
        if not group.get("includeGlobalResourceTypes", False):
            problems.append("not recording global resource types")
        statuses = _call(cfg, "describe_configuration_recorder_status",
                         ConfigurationRecorderNames=[name]).get("ConfigurationRecordersStatus", [])
        status = statuses[0] if statuses else {}
        if not status.get("recording"):
            problems.append("not recording (stopped)")
        elif str(status.get("lastStatus", "")).upper() == "FAILURE":
            problems.append(f"last recording failed: {status.get('lastErrorMessage', '')}".rstrip(": "))
        if not _call(cfg, "describe_delivery_channels").get("DeliveryChannels"):
            problems.append("no delivery channel")
        return name, problems, "recording all resources (global included) with the service-linked role"

    def check_guardduty(self) -> tuple[str, list[str], str]:
        gd = self.client("guardduty")
        ids = _call(gd, "list_detectors").get("DetectorIds", [])
        if not ids:
            return "-", ["no GuardDuty detector in this region"], ""
        detector = _call(gd, "get_detector", DetectorId=ids[0])
        problems = []
        if detector.get("Status") != "ENABLED":
            problems.append(f"detector {detector.get('Status', '?')}")
        features = {f.get("Name"): f for f in detector.get("Features", [])}
        for name, extra in self.expect.guardduty_features:
            feature = features.get(name)
            if feature is None and name == "S3_DATA_EVENTS":
                s3 = (detector.get("DataSources") or {}).get("S3Logs") or {}
                if s3.get("Status") == "ENABLED":
                    continue
            if feature is None or feature.get("Status") != "ENABLED":
                problems.append(f"{name} {(feature or {}).get('Status', 'not configured')}")
                continue
            if extra:
                configs = {c.get("Name"): c.get("Status") for c in feature.get("AdditionalConfiguration", [])}
                if configs.get(extra) != "ENABLED":
                    problems.append(f"{name} {extra} {configs.get(extra) or 'not configured'}")
        wanted = ", ".join(f"{n}{'/' + e if e else ''}" for n, e in self.expect.guardduty_features)
        return ids[0], problems, f"enabled with {wanted or 'no feature required'}"

    def check_securityhub(self) -> tuple[str, list[str], str]:
        sh = self.client("securityhub")
        try:
            hub = _call(sh, "describe_hub")
        except ClientError as exc:
            if _error_code(exc) in ("InvalidAccessException", "ResourceNotFoundException"):
                return "-", ["Security Hub is not enabled"], ""
            raise
        target = str(hub.get("HubArn", "hub"))
        if not self.expect.securityhub_fsbp:
            return target, [], "enabled"
        standards = _call(sh, "get_enabled_standards").get("StandardsSubscriptions", [])
        fsbp = [s for s in standards if FSBP_STANDARD_ARN in str(s.get("StandardsArn", ""))]
        if not fsbp:
            return target, ["FSBP standard not enabled"], ""
        state = fsbp[0].get("StandardsStatus")
        if state != "READY":
            return target, [f"FSBP standard {state}"], ""
        return target, [], "enabled, FSBP standard READY"

    def check_ebs_encryption(self) -> tuple[str, list[str], str]:
        on = _call(self.client("ec2"), "get_ebs_encryption_by_default").get("EbsEncryptionByDefault")
        return self.expect.region, [] if on else ["EBS encryption by default is off"], "on"

    def check_vpc_block_public_access(self) -> tuple[str, list[str], str]:
        """FSBP EC2.172: internet-gateway traffic blocked in the region (block-ingress or
        block-bidirectional); the env stacks' public subnets are excluded on purpose."""
        options = _call(self.client("ec2"), "describe_vpc_block_public_access_options").get(
            "VpcBlockPublicAccessOptions", {})
        mode = options.get("InternetGatewayBlockMode", "off")
        if mode not in ("block-ingress", "block-bidirectional"):
            return self.expect.region, [f"VPC Block Public Access is {mode}"], ""
        return self.expect.region, [], f"VPC Block Public Access {mode}"

    def check_s3_public_access_block(self) -> tuple[str, list[str], str]:
        account = self.account_id()
        try:
            block = _call(self.client("s3control"), "get_public_access_block", AccountId=account)
        except ClientError as exc:
            if _error_code(exc) == "NoSuchPublicAccessBlockConfiguration":
                return account, ["no account-level Block Public Access"], ""
            raise
        settings = block.get("PublicAccessBlockConfiguration", {})
        flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        off = [k for k in flags if not settings.get(k)]
        return account, [f"{', '.join(off)} off"] if off else [], "all four settings on"

    def check_password_policy(self) -> tuple[str, list[str], str]:
        try:
            policy = _call(self.client("iam"), "get_account_password_policy")["PasswordPolicy"]
        except ClientError as exc:
            if _error_code(exc) == "NoSuchEntity":
                return "-", ["no password policy (IAM's default: 6 characters, no complexity)"], ""
            raise
        problems = []
        length = int(policy.get("MinimumPasswordLength", 6))
        if length < self.expect.password_min_length:
            problems.append(f"minimum length {length} < {self.expect.password_min_length}")
        lax = [k for k in ("RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireNumbers",
                           "RequireSymbols") if not policy.get(k)]
        if lax:
            problems.append(f"{', '.join(lax)} off")
        reuse = int(policy.get("PasswordReusePrevention", 0))
        if reuse < self.expect.password_reuse:
            problems.append(f"reuse prevention {reuse} < {self.expect.password_reuse}")
        return "account", problems, (f"{length}+ characters, all four classes, "
                                     f"last {reuse} passwords remembered")

    def check_security_contact(self) -> tuple[str, list[str], str]:
        try:
            contact = _call(self.client("account"), "get_alternate_contact",
                            AlternateContactType="SECURITY")["AlternateContact"]
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                return "SECURITY", ["no alternate SECURITY contact"], ""
            raise
        blank = [k for k in ("Name", "EmailAddress", "PhoneNumber") if not contact.get(k)]
        return ("SECURITY", [f"contact without {', '.join(blank)}"] if blank else [],
                f"{contact.get('Name')} <{contact.get('EmailAddress')}>")

    def check_budget(self) -> tuple[str, list[str], str]:
        budgets_client = self.client("budgets")
        account = self.account_id()
        budgets = _call(budgets_client, "describe_budgets", AccountId=account).get("Budgets", [])
        monthly = [b for b in budgets if b.get("TimeUnit") == "MONTHLY" and b.get("BudgetType") == "COST"]
        if not monthly:
            return "-", ["no monthly cost budget"], ""
        judged = []
        for budget in monthly:
            name = budget["BudgetName"]
            notifications = _call(budgets_client, "describe_notifications_for_budget", AccountId=account,
                                  BudgetName=name).get("Notifications", [])
            kinds = {n.get("NotificationType") for n in notifications}
            missing = [k for k in ("ACTUAL", "FORECASTED") if k not in kinds]
            if not missing:
                return name, [], "monthly cost budget with ACTUAL and FORECASTED alerts"
            judged.append((name, [f"budget {name} has no {' or '.join(missing)} alert"]))
        return judged[0][0], judged[0][1], ""


def _session_clients(region: str) -> ClientFactory:
    """Clients of one boto3 session (nine services: one credential lookup, shared models)."""
    session: list[Any] = []

    def factory(name: str) -> Any:
        if not session:
            import boto3

            session.append(boto3.session.Session(region_name=region))
        return session[0].client(name)

    return factory


def account_failures(results: Iterable[AccountResult]) -> list[AccountResult]:
    """What makes `verify account` exit non-zero: FAIL, and UNKNOWN (not verified is not passed)."""
    return [r for r in results if r.status in ("FAIL", "UNKNOWN")]


def account_json(results: list[AccountResult], expect: AccountExpectations) -> dict[str, Any]:
    return {"stack": "account", "region": expect.region,
            "passed": not account_failures(results),
            "results": [r.to_json() for r in results]}


def render_account(results: list[AccountResult]) -> Any:
    from rich.table import Table

    colour = {"PASS": "green", "FAIL": "bold red", "SKIP": "yellow", "UNKNOWN": "magenta"}
    table = Table(title="groundwork verify: account", title_justify="left", header_style="bold")
    for col in ("check", "target", "result", "detail"):
        table.add_column(col)
    for r in results:
        table.add_row(r.check, r.target, f"[{colour[r.status]}]{r.status}[/]", r.detail)
    return table
