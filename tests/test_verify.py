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
- The load balancer is a local `http.server` on 127.0.0.1 (passed as `--base-url`).
- SQS never returns RedriveAllowPolicy, and drops a queue's policy on any other
  SetQueueAttributes: `verify_support.sqs_as_aws` makes it behave as SQS does.

The queue, search, documents and kafka checks have their own cases in
tests/test_verify_data_services.py; here the dev deploy has its `jobs` queue, healthy.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from typer.testing import CliRunner
from verify_support import hardened_queue, sqs_as_aws

from groundwork import verify
from groundwork.cli import app
from groundwork.stacks.config import load_environment
from groundwork.stacks.loader import read_stack_file

REGION = "us-east-1"
PREFIX = "groundwork-dev"
HEALTH = "/health/ready"
DATA_KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5e6f70-data-key"


def dev_expectations() -> verify.Expectations:
    sf = read_stack_file("dev")
    return verify.Expectations.from_config(load_environment(sf.namespace, stack="dev", region=sf.region))


# --------------------------------------------------------------------------------------------
# the stand-in load balancer
# --------------------------------------------------------------------------------------------


@dataclass
class HealthServer:
    url: str
    status: dict[str, int] = field(default_factory=lambda: {HEALTH: 200})
    seen_hosts: list[str] = field(default_factory=list)


@pytest.fixture
def alb() -> Iterator[HealthServer]:
    state = HealthServer(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen_hosts.append(self.headers.get("Host", ""))
            code = state.status.get(self.path, 404)
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

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
           db_multi_az: bool = False, cache_transit: bool = True) -> dict[str, Any]:
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
    return {
        "cluster_name": cluster,
        "services": services,
        "database": {"identifier": f"{PREFIX}-postgres", "port": 5432},
        "cache": {"replication_group_id": f"{PREFIX}-cache", "port": 6379},
        "queues": {"jobs": jobs},
        "kms_key_arns": {"data": DATA_KEY},
        "load_balancer": {"dns_name": "groundwork-dev-alb-1.us-east-1.elb.amazonaws.com"},
    }


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
        ("dead-letters", f"{PREFIX}-jobs-dlq"): "PASS", ("alarms", f"{PREFIX}-*"): "PASS",
        ("http-smoke", "api"): "PASS",
    }
    assert results[("http-smoke", "api")].detail == f"GET {alb.url}{HEALTH} -> 200"


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
    assert failing(results) == {("http-smoke", "api"): f"GET {alb.url}{HEALTH} -> 503, expected 200"}


def test_an_unreachable_load_balancer_fails_http_smoke(aws, monkeypatch, alb):
    outputs = deploy(monkeypatch)
    verifier = verify.Verifier(outputs, dev_expectations(), base_url="http://127.0.0.1:9",
                               http_timeout=2)
    [smoke] = verifier.http_smoke()
    assert smoke.status == "FAIL" and smoke.detail.startswith("GET http://127.0.0.1:9/health/ready:")


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
    assert expect.web == {"api": verify.WebExpectation(HEALTH, frozenset({200}), None)}
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
    assert "PASSED" in ok.output and len(re.findall(r"\bPASS\b", ok.output)) == 9, ok.output
    boto3.client("cloudwatch", region_name=REGION).set_alarm_state(
        AlarmName=f"{PREFIX}-rds-cpu", StateValue="ALARM", StateReason="busy")
    bad = runner.invoke(app, ["verify", "dev", "--outputs", str(path), "--base-url", alb.url], env=env)
    assert bad.exit_code == 1 and "FAILED: alarms" in bad.output and f"{PREFIX}-rds-cpu" in bad.output
    missing = runner.invoke(app, ["verify", "dev", "--outputs", str(tmp_path / "nope.json")], env=env)
    assert missing.exit_code == 2
