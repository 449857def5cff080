"""`groundwork verify` against a fake deployed dev environment in moto: healthy passes, and each
seeded fault fails naming its check.

What moto can't represent, and how it's handled:
- ECS runs no tasks: moto reads `MOTO_ECS_SERVICE_RUNNING` when a service is created and reports
  that many running (rollout COMPLETED when it reaches desired), so running < desired is seeded
  through moto itself, not stubbed.
- ELBv2 reports every registered IP target `healthy` and never `unhealthy`: the unhealthy-target
  case stubs that single `DescribeTargetHealth` response with `botocore.stub.Stubber` on the
  elbv2 client (a moto-native fault, a stopped EC2 instance target reported `unused`, is
  tested too).
- The load balancer is a local `http.server` on 127.0.0.1 (passed as `--base-url`), answering
  dev's smoke checks (`/health` with a JSON `status`, `/health/ready`, `/api/v1/products`) and
  sending the security headers the dev config asks of the listener (moto's ALB stores the listener's
  header attributes but answers no HTTP). The ALB itself exists in moto: the web ACL is
  associated with its ARN and the app's alias record points at its DNS name.
- WAFv2 in moto keeps associations and logging configurations (and returns them), CloudFront
  keeps a distribution's config and status (InProgress -> Deployed), Route 53 keeps alias
  records: the edge checks run on moto itself, no Stubber.
- SQS never returns RedriveAllowPolicy, and drops a queue's policy on any other
  SetQueueAttributes: `verify_support.sqs_as_aws` makes it behave as SQS does.

The queue, search, documents and kafka checks have their own cases in
tests/test_verify_data_services.py; here the dev deploy has its `jobs` queue, healthy.
"""

from __future__ import annotations

import copy
import http.server
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from typer.testing import CliRunner
from verify_support import hardened_bucket, hardened_queue, sqs_as_aws

from groundwork import verify
from groundwork.cli import app
from groundwork.components.smoke import SmokeCheckSettings
from groundwork.stacks.config import load_environment
from groundwork.stacks.loader import read_stack_file

REGION = "us-east-1"
PREFIX = "groundwork-dev"
HEALTH = "/health/ready"
DATA_KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5e6f70-data-key"
DOMAIN = "dev.app.example.com"
DEV_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'self'; base-uri 'self'; object-src 'none'; "
                                "frame-ancestors 'none'; form-action 'self'; upgrade-insecure-requests"),
}
"""What dev's HTTPS listener adds to every response (its config's security headers)."""


def dev_expectations() -> verify.Expectations:
    sf = read_stack_file("dev")
    return verify.Expectations.from_config(load_environment(sf.namespace, stack="dev", region=sf.region))


# --------------------------------------------------------------------------------------------
# the stand-in load balancer
# --------------------------------------------------------------------------------------------


@dataclass
class HealthServer:
    url: str
    status: dict[str, int] = field(default_factory=lambda: {HEALTH: 200, "/health": 200,
                                                            "/api/v1/products": 200})
    seen_hosts: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=lambda: dict(DEV_HEADERS))
    """The headers every response carries (as the listener adds them)."""


@pytest.fixture
def alb() -> Iterator[HealthServer]:
    state = HealthServer(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen_hosts.append(self.headers.get("Host", ""))
            code = state.status.get(self.path, 404)
            self.send_response(code)
            for header, value in state.headers.items():
                self.send_header(header, value)
            body = b'{"status": "ok"}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            """Keep the request log out of the test output."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --------------------------------------------------------------------------------------------
# a deployed dev environment, in moto
# --------------------------------------------------------------------------------------------


@pytest.fixture
def aws(monkeypatch) -> Iterator[None]:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(var, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    sqs_as_aws(monkeypatch)
    with mock_aws():
        yield


def deploy(monkeypatch, *, running: dict[str, int] | None = None, db_encrypted: bool = True,
           db_multi_az: bool = False, cache_transit: bool = True, waf: bool = False) -> dict[str, Any]:
    """Create what `pulumi up` of dev would, named as the real stack names it; return the
    stack outputs (the real export shape plus the keys verify asks the lead to export)."""
    running = {"api": 1, "worker": 1, **(running or {})}
    ecs = boto3.client("ecs", region_name=REGION)
    cluster = f"{PREFIX}-cluster"
    ecs.create_cluster(clusterName=cluster)
    services = {}
    for name in ("api", "worker"):
        family = f"{PREFIX}-{name}"
        ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], cpu="256",
                                     memory="512", networkMode="awsvpc",
                                     containerDefinitions=[{"name": name, "image": "app:1.0.0"}])
        monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", str(running[name]))
        ecs.create_service(cluster=cluster, serviceName=family, taskDefinition=family, desiredCount=1,
                           launchType="FARGATE")
        services[name] = {"service_name": family, "log_group_name": f"/ecs/{family}"}
    monkeypatch.delenv("MOTO_ECS_SERVICE_RUNNING")

    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    elb = boto3.client("elbv2", region_name=REGION)
    tg = elb.create_target_group(Name=f"{PREFIX}-api", Protocol="HTTP", Port=8000, VpcId=vpc,
                                 TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                 AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("ab")]
    [lb] = elb.create_load_balancer(Name=f"{PREFIX}-alb", Subnets=subnets, Scheme="internet-facing",
                                    Type="application")["LoadBalancers"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.10.5", "Port": 8000}])
    services["api"]["target_group_arn"] = tg

    boto3.client("rds", region_name=REGION).create_db_instance(
        DBInstanceIdentifier=f"{PREFIX}-postgres", DBInstanceClass="db.t4g.micro", Engine="postgres",
        AllocatedStorage=20, MasterUsername="groundwork_admin", ManageMasterUserPassword=True,
        StorageEncrypted=db_encrypted, MultiAZ=db_multi_az, DeletionProtection=False)
    boto3.client("elasticache", region_name=REGION).create_replication_group(
        ReplicationGroupId=f"{PREFIX}-cache", ReplicationGroupDescription="dev cache", Engine="valkey",
        CacheNodeType="cache.t4g.micro", NumCacheClusters=1, AtRestEncryptionEnabled=True,
        TransitEncryptionEnabled=cache_transit)
    jobs = hardened_queue(boto3.client("sqs", region_name=REGION), f"{PREFIX}-jobs", DATA_KEY)
    assets = hardened_bucket(boto3.client("s3", region_name=REGION), f"{PREFIX}-assets", DATA_KEY)
    cw = boto3.client("cloudwatch", region_name=REGION)
    for alarm in ("api-target-5xx-rate", "api-unhealthy-hosts", "rds-cpu"):
        cw.put_metric_alarm(AlarmName=f"{PREFIX}-{alarm}", Namespace="AWS/ECS", MetricName="x",
                            Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1,
                            ComparisonOperator="GreaterThanThreshold")
        cw.set_alarm_state(AlarmName=f"{PREFIX}-{alarm}", StateValue="OK", StateReason="deployed")
    # someone else's alarm in ALARM must not count
    cw.put_metric_alarm(AlarmName="other-app-cpu", Namespace="AWS/EC2", MetricName="x",
                        Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1,
                        ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName="other-app-cpu", StateValue="ALARM", StateReason="not ours")
    route53 = boto3.client("route53", region_name=REGION)
    zone = route53.create_hosted_zone(Name="app.example.com", CallerReference="dev")["HostedZone"]
    zone_id = zone["Id"].rsplit("/", 1)[-1]
    alias(route53, zone_id, DOMAIN, lb["DNSName"], lb["CanonicalHostedZoneId"])
    edge: dict[str, Any] = {"mode": "alb", "zone_id": zone_id, "domains": [DOMAIN]}
    if waf:
        edge["regional_web_acl"] = web_acl(lb["LoadBalancerArn"], "REGIONAL")
    return {
        "cluster_name": cluster,
        "services": services,
        "database": {"identifier": f"{PREFIX}-postgres", "port": 5432},
        "cache": {"replication_group_id": f"{PREFIX}-cache", "port": 6379},
        "queues": {"jobs": jobs},
        "assets": {"assets": assets},
        "kms_key_arns": {"data": DATA_KEY},
        "load_balancer": {"dns_name": lb["DNSName"], "zone_id": lb["CanonicalHostedZoneId"],
                          "arn": lb["LoadBalancerArn"]},
        "edge": edge,
    }


def alias(route53: Any, zone_id: str, name: str, target: str, target_zone: str, *,
          kind: str = "A", evaluate: bool = True, action: str = "UPSERT") -> None:
    """An alias record as DomainRecords makes it."""
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": action, "ResourceRecordSet": {"Name": name, "Type": kind, "AliasTarget": {
            "HostedZoneId": target_zone, "DNSName": target, "EvaluateTargetHealth": evaluate}}}]})


def web_acl(resource_arn: str | None, scope: str, name: str = f"{PREFIX}-web-firewall") -> dict[str, str]:
    """A web ACL as WebFirewall makes it: logging to an aws-waf-logs- group with authorization
    and cookie redacted, associated with `resource_arn` (REGIONAL); its `edge.*_web_acl` output."""
    region = REGION
    wafv2 = boto3.client("wafv2", region_name=region)
    acl = wafv2.create_web_acl(Name=name, Scope=scope, DefaultAction={"Allow": {}},
                               VisibilityConfig={"SampledRequestsEnabled": False,
                                                 "CloudWatchMetricsEnabled": True, "MetricName": name},
                               )["Summary"]
    group = f"aws-waf-logs-{name}"
    logs = boto3.client("logs", region_name=region)
    logs.create_log_group(logGroupName=group)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    wafv2.put_logging_configuration(LoggingConfiguration={
        "ResourceArn": acl["ARN"], "LogDestinationConfigs": [group_arn.removesuffix(":*")],
        "RedactedFields": [{"SingleHeader": {"Name": "authorization"}},
                           {"SingleHeader": {"Name": "cookie"}}]})
    if resource_arn is not None:
        wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=resource_arn)
    return {"arn": acl["ARN"], "name": name, "log_group_name": group}


def run_checks(outputs: dict[str, Any], alb: HealthServer, expect: verify.Expectations | None = None,
               clients: Any = None) -> dict[tuple[str, str], verify.CheckResult]:
    verifier = verify.Verifier(outputs, expect or dev_expectations(), base_url=alb.url, clients=clients)
    return {(r.check, r.target): r for r in verifier.run()}


def statuses(results: dict[tuple[str, str], verify.CheckResult]) -> dict[tuple[str, str], str]:
    return {k: r.status for k, r in results.items()}


# --------------------------------------------------------------------------------------------
# healthy
# --------------------------------------------------------------------------------------------


def test_a_healthy_environment_passes_every_check(aws, monkeypatch, alb):
    results = run_checks(deploy(monkeypatch), alb)
    assert statuses(results) == {
        ("ecs-service", "api"): "PASS", ("ecs-service", "worker"): "PASS",
        ("target-health", "api"): "PASS", ("database", f"{PREFIX}-postgres"): "PASS",
        ("cache", f"{PREFIX}-cache"): "PASS", ("queues", f"{PREFIX}-jobs"): "PASS",
        ("dead-letters", f"{PREFIX}-jobs-dlq"): "PASS", ("assets", f"{PREFIX}-assets"): "PASS",
        ("alarms", f"{PREFIX}-*"): "PASS", ("dns-records", DOMAIN): "PASS",
        ("http-smoke", "api"): "PASS", ("security-headers", "api"): "PASS",
    }
    smoke = results[("http-smoke", "api")].detail
    assert smoke.startswith(f"{alb.url}: GET /health: ok (p95 ") and "; GET /health/ready: ok" in smoke
    assert "; GET /api/v1/products: ok (p95 " in smoke and smoke.endswith("ms of 800, 5 requests)")
    assert results[("dns-records", DOMAIN)].detail.startswith("alias A to the ALB (groundwork-dev-alb-")


# --------------------------------------------------------------------------------------------
# seeded faults: each fails its own check and nothing else
# --------------------------------------------------------------------------------------------


def failing(results: dict[tuple[str, str], verify.CheckResult]) -> dict[tuple[str, str], str]:
    return {k: r.detail for k, r in results.items() if r.status != "PASS"}


def test_a_service_with_fewer_running_tasks_fails_ecs_service(aws, monkeypatch, alb):
    results = run_checks(deploy(monkeypatch, running={"worker": 0}), alb)
    [(key, detail)] = failing(results).items()
    assert key == ("ecs-service", "worker")
    assert "running 0 of 1 desired" in detail and "IN_PROGRESS" in detail


def test_an_unhealthy_target_fails_target_health(aws, monkeypatch, alb):
    """Stubbed: moto never reports `unhealthy` (see the module docstring)."""
    outputs = deploy(monkeypatch)
    elbv2 = boto3.client("elbv2", region_name=REGION)
    stub = Stubber(elbv2)
    stub.add_response("describe_target_health", {"TargetHealthDescriptions": [
        {"Target": {"Id": "10.0.10.5", "Port": 8000}, "TargetHealth": {"State": "healthy"}},
        {"Target": {"Id": "10.0.11.7", "Port": 8000},
         "TargetHealth": {"State": "unhealthy", "Reason": "Target.ResponseCodeMismatch"}}]},
        {"TargetGroupArn": outputs["services"]["api"]["target_group_arn"]})

    def clients(name: str) -> Any:
        return elbv2 if name == "elbv2" else boto3.client(name, region_name=REGION)

    with stub:
        results = run_checks(outputs, alb, clients=clients)
    stub.assert_no_pending_responses()
    assert failing(results) == {
        ("target-health", "api"): "10.0.11.7 unhealthy (Target.ResponseCodeMismatch)"}


def test_a_stopped_instance_target_fails_target_health_in_moto(aws, monkeypatch, alb):
    outputs = deploy(monkeypatch)
    ec2 = boto3.client("ec2", region_name=REGION)
    [instance] = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"]
    elb = boto3.client("elbv2", region_name=REGION)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    tg = elb.create_target_group(Name=f"{PREFIX}-api-i", Protocol="HTTP", Port=8000, VpcId=vpc,
                                 TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": instance["InstanceId"], "Port": 8000}])
    ec2.stop_instances(InstanceIds=[instance["InstanceId"]])
    outputs["services"]["api"]["target_group_arn"] = tg
    [(key, detail)] = failing(run_checks(outputs, alb)).items()
    assert key == ("target-health", "api") and "unused" in detail


def test_an_empty_target_group_fails(aws, monkeypatch, alb):
    outputs = deploy(monkeypatch)
    elb = boto3.client("elbv2", region_name=REGION)
    elb.deregister_targets(TargetGroupArn=outputs["services"]["api"]["target_group_arn"],
                           Targets=[{"Id": "10.0.10.5", "Port": 8000}])
    assert failing(run_checks(outputs, alb)) == {("target-health", "api"): "no targets registered"}


def test_an_alarm_in_alarm_fails_alarms_naming_it(aws, monkeypatch, alb):
    outputs = deploy(monkeypatch)
    boto3.client("cloudwatch", region_name=REGION).set_alarm_state(
        AlarmName=f"{PREFIX}-api-target-5xx-rate", StateValue="ALARM", StateReason="5xx spike")
    assert failing(run_checks(outputs, alb)) == {
        ("alarms", f"{PREFIX}-*"): f"in ALARM: {PREFIX}-api-target-5xx-rate"}


def test_an_unencrypted_database_fails_database(aws, monkeypatch, alb):
    results = run_checks(deploy(monkeypatch, db_encrypted=False), alb)
    assert failing(results) == {("database", f"{PREFIX}-postgres"): "storage NOT encrypted"}


def test_multi_az_is_checked_against_the_config(aws, monkeypatch, alb):
    """dev configures single-AZ: a Multi-AZ instance is not what was asked for either."""
    results = run_checks(deploy(monkeypatch, db_multi_az=True), alb)
    assert failing(results) == {("database", f"{PREFIX}-postgres"): "Multi-AZ is True, configured False"}


def test_a_cache_without_transit_encryption_fails_cache(aws, monkeypatch, alb):
    results = run_checks(deploy(monkeypatch, cache_transit=False), alb)
    assert failing(results) == {("cache", f"{PREFIX}-cache"): "NOT encrypted in transit"}


def test_a_failing_health_endpoint_fails_http_smoke(aws, monkeypatch, alb):
    alb.status[HEALTH] = 503
    results = run_checks(deploy(monkeypatch), alb)
    assert failing(results) == {("http-smoke", "api"): f"{alb.url}: GET /health/ready: status 503, want 200"}


def test_an_unreachable_load_balancer_fails_http_smoke(aws, monkeypatch, alb):
    outputs = deploy(monkeypatch)
    verifier = verify.Verifier(outputs, dev_expectations(), base_url="http://127.0.0.1:9",
                               http_timeout=2)
    [smoke] = verifier.http_smoke()
    assert smoke.status == "FAIL" and smoke.detail.startswith("http://127.0.0.1:9: GET /health: ")
    # one request per check: the rest would only repeat the refused connection
    assert "GET /health/ready: " in smoke.detail and "GET /api/v1/products: " in smoke.detail


def test_missing_outputs_skip_with_the_key_named(aws, monkeypatch, alb):
    outputs = deploy(monkeypatch)
    del outputs["cache"]["replication_group_id"]
    del outputs["services"]["api"]["target_group_arn"]
    results = run_checks(outputs, alb)
    assert {k: r.detail for k, r in results.items() if r.status == "SKIP"} == {
        ("cache", "elasticache"): "SKIP: output cache.replication_group_id missing",
        ("target-health", "api"): "SKIP: output services.api.target_group_arn missing",
    }
    assert not [r for r in results.values() if r.status == "FAIL"]


def test_an_access_error_fails_its_check_instead_of_crashing(aws, monkeypatch, alb):
    outputs = deploy(monkeypatch)
    rds = boto3.client("rds", region_name=REGION)
    stub = Stubber(rds)
    stub.add_client_error("describe_db_instances", "AccessDenied", "not authorized")

    def clients(name: str) -> Any:
        return rds if name == "rds" else boto3.client(name, region_name=REGION)

    with stub:
        results = run_checks(outputs, alb, clients=clients)
    assert failing(results) == {("database", f"{PREFIX}-postgres"): "AccessDenied: not authorized"}


# --------------------------------------------------------------------------------------------
# wiring: the real stack's outputs, the matcher, the CLI
# --------------------------------------------------------------------------------------------


def test_verifier_reads_the_names_the_real_stack_exports(dev):
    verifier = verify.Verifier(dev.stack_outputs, dev_expectations(), clients=lambda name: None)
    services = {r.inputs["name"] for r in dev.of_type("aws:ecs/service:Service")}
    assert set(verifier._service_names().values()) == services
    assert dev.stack_outputs["cluster_name"] == dev.one("aws:ecs/cluster:Cluster").inputs["name"]
    assert dev.stack_outputs["database"]["identifier"] == dev.one(
        "aws:rds/instance:Instance").inputs["identifier"]
    expect = dev_expectations()
    assert expect.web == {"api": verify.WebExpectation(HEALTH, frozenset({200}), None, checks=(
        SmokeCheckSettings(path="/health", json_key="status"), SmokeCheckSettings(path=HEALTH),
        SmokeCheckSettings(path="/api/v1/products", requests=5, p95_ms=800)))}
    assert expect.domain == "dev.app.example.com" and expect.scheme == "https"
    # the queue checks read the `queues` output by the config's queue names
    assert expect.queues == (verify.QueueExpectation("jobs", 5),)
    assert [n for n, _ in verifier._queue_outputs()] == ["jobs"]
    names = {r.inputs["name"] for r in dev.of_type("aws:sqs/queue:Queue")}
    jobs = dev.stack_outputs["queues"]["jobs"]
    assert {jobs["name"], jobs["dlq_url"].rsplit("/", 1)[-1]} == names
    assert (expect.search, expect.documents, expect.kafka) == (None, None, None)  # off in dev


def test_alb_matcher_syntax():
    assert verify.parse_matcher("200") == {200}
    assert verify.parse_matcher("200-204,301") == {200, 201, 202, 203, 204, 301}


def test_wait_reruns_until_the_checks_pass():
    calls: list[int] = []

    class Flaky:
        def run(self) -> list[verify.CheckResult]:
            calls.append(1)
            status = "FAIL" if len(calls) < 3 else "PASS"
            return [verify.CheckResult("target-health", "api", status, "")]  # type: ignore[arg-type]

    results = verify.verify(Flaky(), wait_seconds=60, interval=1, sleep=lambda s: None)
    assert len(calls) == 3 and results[0].status == "PASS"


def test_cli_exit_codes_and_named_failures(aws, monkeypatch, alb, tmp_path: Path):
    outputs = deploy(monkeypatch)
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    runner = CliRunner()
    env = {"COLUMNS": "200", "NO_COLOR": "1"}
    ok = runner.invoke(app, ["verify", "dev", "--outputs", str(path), "--base-url", alb.url], env=env)
    assert ok.exit_code == 0, ok.output
    # one PASS row per check (the word alone: "PASSED" on the last line is not a row)
    assert "PASSED" in ok.output and len(re.findall(r"\bPASS\b", ok.output)) == 12, ok.output
    boto3.client("cloudwatch", region_name=REGION).set_alarm_state(
        AlarmName=f"{PREFIX}-rds-cpu", StateValue="ALARM", StateReason="busy")
    bad = runner.invoke(app, ["verify", "dev", "--outputs", str(path), "--base-url", alb.url], env=env)
    assert bad.exit_code == 1 and "FAILED: alarms" in bad.output and f"{PREFIX}-rds-cpu" in bad.output
    missing = runner.invoke(app, ["verify", "dev", "--outputs", str(tmp_path / "nope.json")], env=env)
    assert missing.exit_code == 2


# --------------------------------------------------------------------------------------------
# the edge: web ACL, security headers, DNS records, CloudFront (issue 13)
# --------------------------------------------------------------------------------------------


def with_edge(expect: verify.Expectations, **edge: Any) -> verify.Expectations:
    return replace(expect, edge=replace(expect.edge, **edge))


def expectations(stack: str, **overrides: Any) -> verify.Expectations:
    """The stack's expectations with `overrides` merged into its config (one level deep)."""
    sf = read_stack_file(stack)
    raw = copy.deepcopy(sf.namespace)
    for key, value in overrides.items():
        raw[key] = {**raw.get(key, {}), **value} if isinstance(value, dict) else value
    return verify.Expectations.from_config(load_environment(raw, stack=stack, region=sf.region))


def test_web_acl_on_the_alb_passes_and_each_fault_names_itself(aws, monkeypatch, alb):
    outputs = deploy(monkeypatch, waf=True)
    expect = with_edge(dev_expectations(), waf=True)  # dev's WAF is off; prod's profile is on
    results = run_checks(outputs, alb, expect)
    assert not failing(results)
    alb_name = f"{PREFIX}-alb"
    assert results[("web-acl", alb_name)].detail == (
        f"{PREFIX}-web-firewall associated, logging to aws-waf-logs-{PREFIX}-web-firewall with "
        "authorization, cookie redacted")
    verifier = verify.Verifier(outputs, expect, base_url=alb.url)
    acl = outputs["edge"]["regional_web_acl"]
    wafv2 = boto3.client("wafv2", region_name=REGION)

    def detail() -> str:
        [row] = verifier.web_acl()
        assert row.status == "FAIL" and row.target == alb_name
        return row.detail

    config = wafv2.get_logging_configuration(ResourceArn=acl["arn"])["LoggingConfiguration"]
    wafv2.put_logging_configuration(LoggingConfiguration={
        **config, "RedactedFields": [{"SingleHeader": {"Name": "authorization"}}]})
    assert detail() == f"{PREFIX}-web-firewall: the cookie header(s) not redacted from the logs"
    wafv2.put_logging_configuration(LoggingConfiguration={
        **config, "LogDestinationConfigs": ["arn:aws:logs:us-east-1:123456789012:log-group:other"]})
    assert detail() == (f"{PREFIX}-web-firewall: logs to other, not aws-waf-logs-{PREFIX}-web-firewall")
    wafv2.delete_logging_configuration(ResourceArn=acl["arn"])
    assert detail() == (f"{PREFIX}-web-firewall: no logging configuration (WAF.11: the ACL's "
                        "decisions are not logged)")
    lb_arn = outputs["load_balancer"]["arn"]
    wafv2.disassociate_web_acl(ResourceArn=lb_arn)
    assert detail() == f"no web ACL associated with the ALB (expected {PREFIX}-web-firewall)"
    other = web_acl(lb_arn, "REGIONAL", name="someone-elses")
    assert detail() == f"web ACL someone-elses is associated, not {PREFIX}-web-firewall ({acl['arn']})"
    # load_balancer.waf_acl_arn: that ACL is the expected one (its logging is its owner's)
    [row] = verify.Verifier(outputs, with_edge(expect, waf=False, external_web_acl_arn=other["arn"]),
                            base_url=alb.url).web_acl()
    assert (row.status, row.detail) == ("PASS", "someone-elses (load_balancer.waf_acl_arn) associated")
    # the output missing: SKIP naming it, not a pass
    del outputs["edge"]["regional_web_acl"]
    [row] = verifier.web_acl()
    assert (row.status, row.detail) == ("SKIP", "SKIP: output edge.regional_web_acl.arn missing")


def test_security_headers_are_read_from_the_health_response(alb):
    """No AWS: the headers come from the configured listener attributes, the response from the
    stand-in ALB."""
    outputs: dict[str, Any] = {}

    def check(expect: verify.Expectations) -> verify.CheckResult:
        verifier = verify.Verifier(outputs, expect, clients=lambda name: None, base_url=alb.url)
        [row] = verifier.security_headers()
        return row

    dev = dev_expectations()
    assert dev.headers == verify.HeadersExpectation(
        DEV_HEADERS["Strict-Transport-Security"], "nosniff", "DENY",
        DEV_HEADERS["Content-Security-Policy"], None)
    ok = check(dev)
    assert ok.status == "PASS" and ok.detail == (
        f"GET {alb.url}{HEALTH}: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
        "Content-Security-Policy")
    del alb.headers["X-Frame-Options"]
    alb.headers["Strict-Transport-Security"] = "max-age=300; includeSubDomains"
    bad = check(dev)
    assert bad.status == "FAIL" and bad.detail == (
        f"GET {alb.url}{HEALTH}: Strict-Transport-Security 'max-age=300; includeSubDomains': max-age "
        "below one year (31536000 s); X-Frame-Options missing (configured 'DENY')")
    alb.headers = dict(DEV_HEADERS)
    # the CSP comes from the config: changed there, the old header no longer passes
    strict = expectations("dev", load_balancer={"security_headers": {
        "content_security_policy": "default-src 'none'"}})
    row = check(strict)
    assert row.status == "FAIL" and "Content-Security-Policy" in row.detail
    assert row.detail.endswith("configured \"default-src 'none'\"")
    alb.headers["Content-Security-Policy"] = "default-src  'none';"  # spacing is not a difference
    assert check(strict).status == "PASS"
    # a header switched off in the config is not asked for
    off = expectations("dev", load_balancer={"security_headers": {"frame_options": None}})
    alb.headers = dict(DEV_HEADERS)
    del alb.headers["X-Frame-Options"]
    assert off.headers is not None and off.headers.frame_options is None
    assert check(off).status == "PASS" and check(dev).status == "FAIL"


def test_dns_records_each_domain_aliases_the_alb(aws, monkeypatch, alb):
    outputs = deploy(monkeypatch)
    outputs["edge"]["domains"].append("www.dev.app.example.com")  # exported, never created
    zone, lb = outputs["edge"]["zone_id"], outputs["load_balancer"]
    verifier = verify.Verifier(outputs, dev_expectations(), base_url=alb.url)
    route53 = boto3.client("route53", region_name=REGION)

    def rows() -> dict[str, tuple[str, str]]:
        return {r.target: (r.status, r.detail) for r in verifier.dns_records()}

    assert rows() == {DOMAIN: ("PASS", f"alias A to the ALB ({lb['dns_name'].lower()})"),
                      "www.dev.app.example.com": ("FAIL", f"no A record in zone {zone}")}
    alias(route53, zone, DOMAIN, "elsewhere.example.net", lb["zone_id"])
    assert rows()[DOMAIN] == ("FAIL", f"A aliases elsewhere.example.net, not {lb['dns_name'].lower()}")
    alias(route53, zone, DOMAIN, f"dualstack.{lb['dns_name']}.", lb["zone_id"], evaluate=False)
    assert rows()[DOMAIN] == ("FAIL", "A evaluate_target_health is False, expected True")
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": DOMAIN, "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": "192.0.2.1"}]}}]})
    assert rows()[DOMAIN] == ("FAIL", f"A is a plain record (192.0.2.1), not an alias to "
                                      f"{lb['dns_name'].lower()}")
    # the config's domains are checked even when the output lost them
    outputs["edge"]["domains"] = []
    assert set(rows()) == {DOMAIN}


def test_cloudfront_mode_distribution_acl_and_records(aws, monkeypatch, alb):
    """The prod_cloudfront config's expectations, against a distribution made in moto the way
    CloudFrontDistribution configures it (an HTTPS custom origin stands in for the VPC origin,
    which moto does not model)."""
    from moto.moto_api import state_manager

    outputs = deploy(monkeypatch)
    expect = expectations("prod", edge={"mode": "cloudfront"})
    assert (expect.edge.mode, expect.edge.waf) == ("cloudfront", True)
    assert expect.edge.domains == ("app.example.com",)
    assert expect.headers is not None and expect.headers.referrer_policy == "strict-origin-when-cross-origin"
    acl = web_acl(None, "CLOUDFRONT", name="groundwork-prod-edge-firewall")
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    cert = boto3.client("acm", region_name=REGION).request_certificate(
        DomainName="app.example.com", ValidationMethod="DNS")["CertificateArn"]
    behaviour = {"TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https",
                 "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}
    config = {
        "CallerReference": "prod", "Comment": "groundwork-prod", "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": ["app.example.com"]}, "WebACLId": acl["arn"],
        "Origins": {"Quantity": 1, "Items": [{"Id": "alb", "DomainName": "internal-alb.example.com",
                                              "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                     "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": behaviour,
        "CacheBehaviors": {"Quantity": 1, "Items": [{**behaviour, "PathPattern": "/static/*"}]},
        "ViewerCertificate": {"ACMCertificateArn": cert, "SSLSupportMethod": "sni-only",
                              "CloudFrontDefaultCertificate": False,
                              "MinimumProtocolVersion": "TLSv1.2_2021"},
    }
    dist = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]
    zone = outputs["edge"]["zone_id"]
    route53 = boto3.client("route53", region_name=REGION)
    for kind in ("A", "AAAA"):
        alias(route53, zone, "app.example.com", dist["DomainName"], "Z2FDTNDATAQYW2", kind=kind,
              evaluate=False)
    outputs["edge"] = {"mode": "cloudfront", "zone_id": zone, "domains": ["app.example.com"],
                       "cloudfront_web_acl": acl,
                       "distribution": {"id": dist["Id"], "domain_name": dist["DomainName"],
                                        "arn": dist["ARN"]}}
    verifier = verify.Verifier(outputs, expect, base_url=alb.url)
    [cdn] = verifier.cloudfront()
    assert (cdn.target, cdn.status) == (dist["DomainName"], "PASS"), cdn.detail
    assert cdn.detail == ("Deployed, enabled, web ACL groundwork-prod-edge-firewall, redirect-to-https, "
                          "TLSv1.2_2021")
    [waf] = verifier.web_acl()  # the CLOUDFRONT-scope ACL's logging (no ALB association)
    assert (waf.target, waf.status) == ("groundwork-prod-edge-firewall", "PASS"), waf.detail
    assert [(r.target, r.status, r.detail) for r in verifier.dns_records()] == [
        ("app.example.com", "PASS", f"alias A+AAAA to the distribution ({dist['DomainName']})")]
    # faults: HTTP to viewers on one behaviour, old TLS, another ACL, still deploying (moto
    # keeps a distribution InProgress under a manual transition; an update doesn't reset it)
    bad = {**config, "CallerReference": "prod-2",
           "WebACLId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/other/1",
           "CacheBehaviors": {"Quantity": 1, "Items": [{**behaviour, "PathPattern": "/static/*",
                                                        "ViewerProtocolPolicy": "allow-all"}]},
           "ViewerCertificate": {**config["ViewerCertificate"], "MinimumProtocolVersion": "TLSv1"}}
    state_manager.set_transition("cloudfront::distribution", {"progression": "manual", "times": 99})
    try:
        outputs["edge"]["distribution"]["id"] = cloudfront.create_distribution(
            DistributionConfig=bad)["Distribution"]["Id"]
        [cdn] = verifier.cloudfront()
    finally:
        state_manager.unset_transition("cloudfront::distribution")
    assert cdn.status == "FAIL" and cdn.detail.split("; ") == [
        "status InProgress (not Deployed yet)",
        f"web ACL arn:aws:wafv2:us-east-1:123456789012:global/webacl/other/1, not "
        f"groundwork-prod-edge-firewall ({acl['arn']})",
        "behaviour /static/* viewer protocol policy allow-all, not redirect-to-https",
        "minimum viewer TLS TLSv1, configured TLSv1.2_2021"]
    alias(route53, zone, "app.example.com", dist["DomainName"], "Z2FDTNDATAQYW2", kind="AAAA",
          evaluate=False, action="DELETE")
    [(_, status, detail)] = [(r.target, r.status, r.detail) for r in verifier.dns_records()]
    assert (status, detail) == ("FAIL", f"no AAAA record in zone {zone}")


def test_edge_checks_are_skippable_and_read_us_east_1_clients():
    skips = verify.resolve_stack_skips(["web-acl,security-headers", "dns-records", "cloudfront"])
    assert skips == {"web-acl", "security-headers", "dns-records", "cloudfront"}
    expect = replace(dev_expectations(), skip=frozenset(verify.STACK_CHECKS))
    rows = verify.Verifier({}, expect, clients=lambda name: None).run()
    assert [r.check for r in rows] == list(verify.STACK_CHECKS)
    assert all(r.status == "SKIP" and r.detail == "SKIP: --skip" for r in rows)
    with pytest.raises(ValueError, match=r"allowed: .*web-acl, cloudfront, dns-records, http-smoke, "
                                         "security-headers"):
        verify.resolve_stack_skips(["waf"])
    # outside us-east-1, CloudFront and CLOUDFRONT-scope WAF are asked in us-east-1
    made: list[tuple[str, str]] = []
    verifier = verify.Verifier({}, replace(expect, region="eu-west-1"),
                               clients=lambda name: made.append(("eu-west-1", name)),
                               us_east_1_clients=lambda name: made.append(("us-east-1", name)))
    verifier.client("wafv2"), verifier.us_east_1_client("wafv2"), verifier.us_east_1_client("wafv2")
    assert made == [("eu-west-1", "wafv2"), ("us-east-1", "wafv2")]


def test_edge_expectations_match_what_the_stacks_build(prod, prod_cloudfront):
    """from_config derives the domains and web ACLs the way stacks/platform.py builds them."""
    for plan, overrides in ((prod, {}), (prod_cloudfront, {"edge": {"mode": "cloudfront"}})):
        expect = expectations("prod", **overrides)
        out = plan.stack_outputs["edge"]
        assert expect.edge.domains == tuple(out["domains"]) and expect.edge.mode == out["mode"]
        assert expect.edge.dns_zone_id == out["zone_id"]
        verifier = verify.Verifier(plan.stack_outputs, expect, clients=lambda name: None)
        assert verifier._base_url()[0] == "https://app.example.com"
    alb_acl = prod.stack_outputs["edge"]["regional_web_acl"]
    [assoc] = prod.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert (assoc.inputs["webAclArn"], assoc.inputs["resourceArn"]) == (
        alb_acl["arn"], prod.stack_outputs["load_balancer"]["arn"])
    [logging] = prod.of_type("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    redacted = [f["singleHeader"]["name"] for f in logging.inputs["redactedFields"]]
    assert tuple(redacted) == expectations("prod").edge.redacted_headers
    listener = next(r for r in prod.of_type("aws:lb/listener:Listener") if r.inputs.get("port") == 443)
    headers = expectations("prod").headers
    assert headers is not None
    assert (listener.inputs["routingHttpResponseContentSecurityPolicyHeaderValue"],
            listener.inputs["routingHttpResponseStrictTransportSecurityHeaderValue"]) == (
        headers.content_security_policy, headers.strict_transport_security)
    dist = prod_cloudfront.one("aws:cloudfront/distribution:Distribution")
    assert dist.inputs["viewerCertificate"]["minimumProtocolVersion"] == expectations(
        "prod", edge={"mode": "cloudfront"}).edge.minimum_protocol_version


# --------------------------------------------------------------------------------------------
# http-smoke through a fake HTTP layer: the smoke checks with the hook's run_checks
# --------------------------------------------------------------------------------------------


@dataclass
class FakeHttp:
    """`Verifier(http=...)`: per URL path a list of (status, body, seconds), used in order (the
    last repeats); every answer carries dev's security headers; records every call."""

    answers: dict[str, list[tuple[int, bytes, float]]]
    calls: list[tuple[str, str, dict[str, str], float]] = field(default_factory=list)

    def __call__(self, method: str, url: str, headers: dict[str, str], timeout: float) -> Any:
        import email.message

        self.calls.append((method, url, headers, timeout))
        path = url.removeprefix(BASE)
        script = self.answers[path]
        status, body, seconds = script[min(sum(1 for c in self.calls if c[1] == url) - 1,
                                           len(script) - 1)]
        message = email.message.Message()
        for header, value in DEV_HEADERS.items():
            message[header] = value
        return verify._Response(url, status, message, body, seconds)


BASE = "https://dev.app.example.com"
OK_BODY = b'{"status": "ok"}'


def fake_run(fake: FakeHttp) -> tuple[verify.CheckResult, verify.CheckResult]:
    """http-smoke then security-headers of dev's api, through `fake` (no AWS, no network)."""
    verifier = verify.Verifier({}, dev_expectations(), clients=lambda name: None, base_url=BASE,
                               http=fake)
    [smoke] = verifier.http_smoke()
    [headers] = verifier.security_headers()
    return smoke, headers


def healthy() -> dict[str, list[tuple[int, bytes, float]]]:
    return {"/health": [(200, OK_BODY, 0.02)], HEALTH: [(200, b"ready", 0.03)],
            "/api/v1/products": [(200, b'{"data": []}', 0.25)]}


def test_http_smoke_runs_every_smoke_check_through_the_public_url():
    fake = FakeHttp(healthy())
    smoke, headers = fake_run(fake)
    assert (smoke.status, smoke.detail) == ("PASS", (
        f"{BASE}: GET /health: ok (p95 20 ms of 1000, 5 requests); "
        "GET /health/ready: ok (p95 30 ms of 1000, 5 requests); "
        "GET /api/v1/products: ok (p95 250 ms of 800, 5 requests)"))
    paths = [url.removeprefix(BASE) for _, url, _, _ in fake.calls]
    assert paths == ["/health"] * 5 + [HEALTH] * 5 + ["/api/v1/products"] * 5
    # security-headers read the health path's first answer: no request of its own
    assert headers.status == "PASS" and headers.detail.startswith(f"GET {BASE}{HEALTH}: ")
    assert {h["User-Agent"] for _, _, h, _ in fake.calls} == {"groundwork-verify"}
    assert {t for *_, t in fake.calls} == {5.0}  # the check's timeout (under http_timeout 10)


def test_http_smoke_fails_on_a_bad_status():
    answers = healthy()
    answers[HEALTH] = [(200, b"", 0.01), (503, b"draining", 0.01)]
    smoke, headers = fake_run(FakeHttp(answers))
    assert (smoke.status, smoke.detail) == (
        "FAIL", f"{BASE}: GET /health/ready: status 503, want 200 (4 of 5 requests)")
    assert headers.status == "PASS"  # the headers are there on any status


def test_http_smoke_fails_a_p95_over_budget():
    """dev's /api/v1/products: 5 requests, 800 ms: nearest rank 5 is the slowest (0.95 s)."""
    answers = healthy()
    answers["/api/v1/products"] = [(200, b"[]", t) for t in (0.2, 0.3, 0.95, 0.25, 0.3)]
    smoke, _ = fake_run(FakeHttp(answers))
    assert (smoke.status, smoke.detail) == (
        "FAIL", f"{BASE}: GET /api/v1/products: p95 950 ms over the 800 ms budget (5 requests)")


def test_http_smoke_fails_a_missing_json_key():
    answers = healthy()
    answers["/health"] = [(200, b'{"state": "ok"}', 0.02)]
    smoke, _ = fake_run(FakeHttp(answers))
    assert (smoke.status, smoke.detail) == ("FAIL", f"{BASE}: GET /health: JSON body has no 'status'")


def test_without_smoke_checks_http_smoke_gets_the_health_path():
    expect = expectations("dev", services=[{
        "name": "api", "kind": "web", "image": "ghcr.io/your-org/app:1.0.0", "port": 8000,
        "health_check": {"path": "/ready", "matcher": "204"}}])
    assert expect.web["api"].checks == (SmokeCheckSettings(path="/ready", status=204),)
    fake = FakeHttp({"/ready": [(204, b"", 0.01)]})
    verifier = verify.Verifier({}, expect, clients=lambda name: None, base_url=BASE, http=fake)
    [smoke] = verifier.http_smoke()
    assert smoke.status == "PASS" and len(fake.calls) == 5
    verifier.security_headers()
    assert len(fake.calls) == 5  # the cached health answer
