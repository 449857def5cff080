"""`groundwork verify <stack>`: after `pulumi up`, check the live environment with boto3.

Reads the stack outputs (`pulumi stack output --json --stack <s>`, or a file from CI) for what to
look at, and the stack's config (`Pulumi.<stack>.yaml`) for what it should look like, then runs
one check per thing that can be wrong:

- `ecs-service`: running == desired, and the rollout COMPLETED (no FAILED or IN_PROGRESS one);
- `target-health`: every target of each web service's target group healthy;
- `database`: RDS available, storage encrypted, Multi-AZ and deletion protection as configured;
- `cache`: replication group available, encrypted at rest and in transit;
- `alarms`: no alarm named `<prefix>-...` in ALARM;
- `http-smoke`: the health path answers through the load balancer with the expected status.

Each check is PASS, FAIL or SKIP (with the reason, e.g. `output cache.replication_group_id
missing`); any FAIL makes the command exit non-zero, so it is a CI step after a deploy.
`--wait` re-runs the checks until they pass or time runs out (a deploy that just finished may
still be registering targets).
"""

from __future__ import annotations

import json
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from botocore.exceptions import ClientError

from groundwork.stacks.config import EnvironmentConfig

Status = Literal["PASS", "FAIL", "SKIP"]
ClientFactory = Callable[[str], Any]


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

    @classmethod
    def from_config(cls, env: EnvironmentConfig) -> Expectations:
        lb = env.load_balancer
        domain = lb.certificate.domain if lb is not None and lb.certificate is not None else None
        web = {
            s.name: WebExpectation(
                path=s.health_check.path,
                statuses=parse_matcher(s.health_check.matcher),
                host=next((h for h in s.routing.host_headers if "*" not in h), None),
            )
            for s in env.web_services
        }
        return cls(
            prefix=env.name_prefix, region=env.region,
            database_enabled=env.database.enabled, database_multi_az=env.database.multi_az,
            database_deletion_protection=env.database.deletion_protection,
            cache_enabled=env.cache.enabled, services=tuple(s.name for s in env.services), web=web,
            scheme="http" if lb is not None and lb.http_only else "https", domain=domain,
        )


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
                 http_timeout: float = 10.0):
        self.outputs = outputs
        self.expect = expect
        self._clients = clients or _boto3_clients(expect.region)
        self._cache: dict[str, Any] = {}
        self.base_url = base_url
        self.http_timeout = http_timeout

    def client(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._clients(name)
        return self._cache[name]

    def run(self) -> list[CheckResult]:
        """Every check; an AWS error (access denied, throttling...) fails its check, not the run."""
        from botocore.exceptions import BotoCoreError

        results: list[CheckResult] = []
        checks = {"ecs-service": self.ecs_services, "target-health": self.target_health,
                  "database": self.database, "cache": self.cache, "alarms": self.alarms,
                  "http-smoke": self.http_smoke}
        for name, check in checks.items():
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
        return [self._get_health(name, base, web) for name, web in self.expect.web.items()]

    def _get_health(self, name: str, base: str, web: WebExpectation) -> CheckResult:
        url = base + web.path
        headers = {"User-Agent": "groundwork-verify"}
        if web.host:
            headers["Host"] = web.host
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=self.http_timeout,
                                        context=ssl.create_default_context()) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except ssl.SSLCertVerificationError as exc:
            return CheckResult("http-smoke", name, "FAIL",
                               f"GET {url}: TLS {exc.verify_message}; pass --base-url https://<your domain>")
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return CheckResult("http-smoke", name, "FAIL", f"GET {url}: {reason}")
        if status in web.statuses:
            return CheckResult("http-smoke", name, "PASS", f"GET {url} -> {status}")
        return CheckResult("http-smoke", name, "FAIL",
                           f"GET {url} -> {status}, expected {_codes(web.statuses)}")


def _error(exc: ClientError) -> str:
    err = exc.response.get("Error", {})
    return f"{err.get('Code', 'error')}: {err.get('Message', exc)}"


def _codes(codes: Iterable[int]) -> str:
    ordered = sorted(codes)
    return str(ordered[0]) if len(ordered) == 1 else f"{ordered[0]}-{ordered[-1]}"


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
