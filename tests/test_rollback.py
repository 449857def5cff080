"""`groundwork rollback` (src/groundwork/rollback.py, docs/operations.md "Roll back a bad deploy").

What runs on moto (5.2) and what is faked at the boto3 boundary:
- moto models the cluster, the task-definition revisions (RegisterTaskDefinition,
  DescribeTaskDefinition with ACTIVE/INACTIVE, DeregisterTaskDefinition), the services
  (CreateService, DescribeServices) and UpdateService, which really moves moto's service to the
  target task definition (and refuses one that doesn't exist). Those run on moto as they are.
- moto does NOT implement ECS's deployment history: ListServiceDeployments,
  DescribeServiceDeployments and DescribeServiceRevisions. `FakeEcs` answers them from a
  scripted history (`history`), the way AWS shapes them (botocore's ecs model): some
  deployments name their target revision in the list, others only through
  DescribeServiceDeployments, and the list comes in pages.
- moto doesn't roll out: after UpdateService its `deployments` still show the old task
  definition, COMPLETED. `FakeEcs.describe_services` rewrites them for a service it updated: the
  new PRIMARY deployment IN_PROGRESS on the first poll, then the scripted `outcome` (COMPLETED,
  FAILED, replaced by a circuit-breaker rollback, or stuck IN_PROGRESS).
- verify (src/groundwork/verify.py) is stubbed at its seam (`verify=`, `rollback.stack_verify`):
  its checks need a load balancer, targets and HTTP that moto can't serve here; its own tests
  cover the checks.
The clock and sleep are fake: a 15 s poll costs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from groundwork import rollback
from groundwork.rollback import Rollback, RollbackError, RollbackRequest, ServiceTarget
from groundwork.verify import CheckResult

REGION = "us-east-1"
ACCOUNT = "123456789012"
CLUSTER = "groundwork-prod-cluster"
API, WORKER = "groundwork-prod-api", "groundwork-prod-worker"


def td(family: str, revision: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}"


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Deployment:
    """One scripted entry of ECS's deployment history."""

    task_definition: str
    status: str = "SUCCESSFUL"
    minutes_ago: int = 0
    brief_names_revision: bool = True


class FakeEcs:
    """moto's ECS client plus what moto doesn't model (see the module docstring)."""

    def __init__(self, ecs: Any):
        self._ecs = ecs
        self.history: dict[str, list[Deployment]] = {}
        self.outcome: dict[str, str] = {}
        """service -> COMPLETED | FAILED | REPLACED | STUCK (default COMPLETED)."""
        self.created_at: dict[str, datetime] = {}
        """service -> its current PRIMARY deployment's createdAt (default moto's)."""
        self.updates: list[dict[str, Any]] = []
        self.polls: dict[str, int] = {}
        self.calls: list[str] = []
        self._rollouts: dict[str, dict[str, Any]] = {}
        self._now = datetime.now(UTC)

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self._ecs, name)

    # -- the deployment history --------------------------------------------------------------

    def _arn(self, kind: str, service: str, i: int) -> str:
        return f"arn:aws:ecs:{REGION}:{ACCOUNT}:{kind}/{CLUSTER}/{service}/{kind[8:]}{i}"

    def list_service_deployments(self, *, cluster: str, service: str, status: list[str],
                                 nextToken: str | None = None) -> dict[str, Any]:
        self.calls.append("list_service_deployments")
        assert cluster == CLUSTER and status == ["SUCCESSFUL"]
        briefs = []
        for i, dep in enumerate(self.history.get(service, [])):
            if dep.status not in status:
                continue
            brief = {"serviceDeploymentArn": self._arn("service-deployment", service, i),
                     "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{CLUSTER}/{service}",
                     "createdAt": self._now - timedelta(minutes=dep.minutes_ago),
                     "status": dep.status}
            if dep.brief_names_revision:
                brief["targetServiceRevisionArn"] = self._arn("service-revision", service, i)
            briefs.append(brief)
        start = int(nextToken or 0)
        page = briefs[start:start + 2]  # two a page: the rollback must follow nextToken
        more = {"nextToken": str(start + 2)} if start + 2 < len(briefs) else {}
        return {"serviceDeployments": page, **more}

    def describe_service_deployments(self, *, serviceDeploymentArns: list[str]) -> dict[str, Any]:
        self.calls.append("describe_service_deployments")
        [arn] = serviceDeploymentArns
        service, i = arn.split("/")[-2], int(arn.rsplit("deployment", 1)[1])
        return {"serviceDeployments": [{
            "serviceDeploymentArn": arn, "status": self.history[service][i].status,
            "targetServiceRevision": {"arn": self._arn("service-revision", service, i)}}],
            "failures": []}

    def describe_service_revisions(self, *, serviceRevisionArns: list[str]) -> dict[str, Any]:
        self.calls.append("describe_service_revisions")
        [arn] = serviceRevisionArns
        service, i = arn.split("/")[-2], int(arn.rsplit("revision", 1)[1])
        return {"serviceRevisions": [{"serviceRevisionArn": arn,
                                      "taskDefinition": self.history[service][i].task_definition}],
                "failures": []}

    # -- the rollout moto doesn't model --------------------------------------------------------

    def update_service(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("update_service")
        self.updates.append(kwargs)
        answer = self._ecs.update_service(**kwargs)  # moto checks the task definition exists
        service = kwargs["service"]
        old = self._ecs.describe_services(cluster=CLUSTER, services=[service])["services"][0]
        self._rollouts[service] = {"id": f"ecs-svc/rollback-{len(self.updates)}",
                                   "to": kwargs["taskDefinition"],
                                   "from": old["deployments"][0]["taskDefinition"]}
        self.polls[service] = 0
        answer["service"]["deployments"] = self._deployments(service, 0)
        return answer

    def _deployments(self, service: str, poll: int) -> list[dict[str, Any]]:
        r = self._rollouts[service]
        outcome = self.outcome.get(service, "COMPLETED")
        state = "IN_PROGRESS" if poll <= 1 or outcome == "STUCK" else outcome
        ours = {"id": r["id"], "status": "PRIMARY", "taskDefinition": r["to"], "desiredCount": 2,
                "runningCount": 2 if state == "COMPLETED" else 1, "rolloutState": state,
                "rolloutStateReason": {
                    "FAILED": "ECS deployment circuit breaker: tasks failed to start.",
                    "COMPLETED": f"ECS deployment {r['id']} completed."}.get(state, ""),
                "createdAt": self._now}
        old = {"id": "ecs-svc/bad", "status": "ACTIVE", "taskDefinition": r["from"],
               "desiredCount": 2, "runningCount": 1, "rolloutState": "COMPLETED",
               "createdAt": self._now - timedelta(minutes=5)}
        if state == "REPLACED":  # the circuit breaker put the bad revision back
            return [{**old, "id": "ecs-svc/put-back", "status": "PRIMARY",
                     "rolloutState": "IN_PROGRESS"}, {**ours, "status": "ACTIVE"}]
        if state == "COMPLETED":
            return [ours]
        return [ours, old]

    def describe_services(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("describe_services")
        answer = self._ecs.describe_services(**kwargs)
        for svc in answer["services"]:
            name = svc["serviceName"]
            if name in self._rollouts:
                self.polls[name] += 1
                svc["deployments"] = self._deployments(name, self.polls[name])
            elif name in self.created_at:
                svc["deployments"][0]["createdAt"] = self.created_at[name]
        return answer

    def task_definition_of(self, service: str) -> str:
        return self._ecs.describe_services(cluster=CLUSTER, services=[service])["services"][0][
            "taskDefinition"]


@dataclass
class StubVerify:
    """verify at its seam: the results it returns, and the waits it was given."""

    fail: bool = False
    waits: list[float] = field(default_factory=list)

    def __call__(self, wait_seconds: float) -> list[CheckResult]:
        self.waits.append(wait_seconds)
        if self.fail:
            return [CheckResult("ecs-service", "api", "PASS", "2/2 running, rollout completed"),
                    CheckResult("http-smoke", "api", "FAIL", "GET /health: 503, expected 200")]
        return [CheckResult("ecs-service", "api", "PASS", "2/2 running, rollout completed"),
                CheckResult("http-smoke", "api", "PASS", "GET /health: 200")]


@pytest.fixture
def ecs() -> Iterator[FakeEcs]:
    """prod's cluster on moto: api on revision 3 of its family (1 and 2 before it), the worker
    on revision 2; the history says 3 (now), 2 and 1 ran healthy for api, 2 and 1 for the
    worker."""
    with mock_aws():
        client = boto3.client("ecs", region_name=REGION)
        client.create_cluster(clusterName=CLUSTER)
        for family, revisions in ((API, 3), (WORKER, 2)):
            for n in range(1, revisions + 1):
                client.register_task_definition(
                    family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                    cpu="256", memory="512", containerDefinitions=[
                        {"name": "app", "image": f"ghcr.io/acme/shop:{n}", "essential": True}])
            client.create_service(cluster=CLUSTER, serviceName=family,
                                  taskDefinition=f"{family}:{revisions}", desiredCount=2,
                                  launchType="FARGATE")
        fake = FakeEcs(client)
        fake.history = {
            API: [Deployment(td(API, 3), minutes_ago=5), Deployment(td(API, 2), minutes_ago=600),
                  Deployment(td(API, 1), minutes_ago=3000, brief_names_revision=False)],
            WORKER: [Deployment(td(WORKER, 2), minutes_ago=5),
                     Deployment(td(WORKER, 1), minutes_ago=900)]}
        yield fake


def request(*names: str, **kwargs: Any) -> RollbackRequest:
    services = tuple(ServiceTarget(n, f"groundwork-prod-{n}") for n in names or ("api",))
    return RollbackRequest(stack="prod", region=REGION, cluster=CLUSTER, services=services,
                           **kwargs)


def run(ecs: FakeEcs, req: RollbackRequest, verify: StubVerify | None = None
        ) -> rollback.RollbackRecord:
    clock = FakeClock()
    progress: list[tuple[str, str]] = []
    record = Rollback(req, clients=lambda name: ecs, verify=verify or StubVerify(),
                      progress=lambda service, elapsed, status: progress.append((service, status)),
                      clock=clock, sleep=clock.sleep).run()
    record.progress = progress  # type: ignore[attr-defined]
    return record


# --------------------------------------------------------------------------------------------
# the three cases the issue names
# --------------------------------------------------------------------------------------------


def test_a_healthy_rollback_goes_to_the_previous_healthy_revision_and_verifies(ecs):
    """api runs revision 3; its newest SUCCESSFUL deployment before that ran revision 2: the
    service is updated to 2 (in moto), the deployment is watched to COMPLETED, verify runs in
    the time left and passes: rolled-back, exit 0."""
    verify = StubVerify()
    record = run(ecs, request("api"), verify)
    [api] = record.services
    assert (api.verdict, api.from_task_definition, api.to_task_definition) == (
        "rolled-back", td(API, 3), td(API, 2))
    assert api.target_source == "deployment-history"
    assert api.healthy_deployment.endswith(f"/{CLUSTER}/{API}/deployment1")
    assert api.passed_over == ["groundwork-prod-api:3: the current task definition"]
    assert ecs.updates == [{"cluster": CLUSTER, "service": API, "taskDefinition": td(API, 2)}]
    assert ecs.task_definition_of(API) == td(API, 2)
    assert api.rollout_state == "COMPLETED" and api.deploy_seconds == 15.0
    assert record.verify.ran and record.verify.passed
    assert [r["status"] for r in record.verify.results] == ["PASS", "PASS"]
    assert verify.waits == [rollback.DEFAULT_WAIT_SECONDS - 15.0]  # what --wait leaves
    assert record.passed and record.exit_code == 0
    assert ("api", "IN_PROGRESS 1/2 running") in record.progress
    assert ("api", "COMPLETED 2/2 running") in record.progress
    assert ecs.task_definition_of(WORKER) == td(WORKER, 2)  # not selected: untouched


def test_no_previous_healthy_revision_changes_nothing(ecs):
    """Only the current revision ever ran healthy: no-previous-revision, no UpdateService,
    verify not run, exit 1."""
    ecs.history[API] = [Deployment(td(API, 3))]
    verify = StubVerify()
    record = run(ecs, request("api"), verify)
    [api] = record.services
    assert api.verdict == "no-previous-revision"
    assert "--to" in api.detail and f"--family-prefix {API}" in api.detail
    assert ecs.updates == [] and "update_service" not in ecs.calls
    assert ecs.task_definition_of(API) == td(API, 3)
    assert verify.waits == [] and not record.verify.ran
    assert record.exit_code == 1


def test_a_deregistered_previous_revision_is_passed_over(ecs):
    """Revision 2 ran healthy but is INACTIVE now (ECS refuses UpdateService to it): the
    rollback goes on to revision 1, and says why it passed 2 over."""
    ecs._ecs.deregister_task_definition(taskDefinition=f"{API}:2")
    record = run(ecs, request("api"))
    [api] = record.services
    assert api.to_task_definition == td(API, 1) and api.verdict == "rolled-back"
    assert api.passed_over[1].startswith("groundwork-prod-api:2: INACTIVE (ECS can't update")
    # revision 1's deployment names its revision only through DescribeServiceDeployments
    assert "describe_service_deployments" in ecs.calls


def test_a_newer_revision_that_never_ran_healthy_is_passed_over(ecs):
    """Revision 2 is ACTIVE and newer than 1, but its deployment FAILED: only SUCCESSFUL
    deployments count, so the rollback goes to 1, not to the newest revision before 3."""
    ecs.history[API] = [Deployment(td(API, 3), minutes_ago=5),
                        Deployment(td(API, 2), status="FAILED", minutes_ago=600),
                        Deployment(td(API, 1), minutes_ago=3000)]
    record = run(ecs, request("api"))
    [api] = record.services
    assert (api.verdict, api.to_task_definition) == ("rolled-back", td(API, 1))
    assert api.healthy_deployment.endswith(f"/{CLUSTER}/{API}/deployment2")
    assert ecs.updates == [{"cluster": CLUSTER, "service": API, "taskDefinition": td(API, 1)}]
    assert ecs.task_definition_of(API) == td(API, 1)


def test_when_every_earlier_healthy_revision_is_deregistered_there_is_none(ecs):
    """What Pulumi leaves behind when it replaces a task definition without skip_destroy:
    the earlier revisions INACTIVE, so no-previous-revision, naming them."""
    for n in (1, 2):
        ecs._ecs.deregister_task_definition(taskDefinition=f"{API}:{n}")
    record = run(ecs, request("api"))
    [api] = record.services
    assert api.verdict == "no-previous-revision" and ecs.updates == []
    assert "groundwork-prod-api:2: INACTIVE" in api.detail
    assert "groundwork-prod-api:1: INACTIVE" in api.detail


@pytest.mark.parametrize("outcome, expect", [
    ("FAILED", "FAILED: ECS deployment circuit breaker: tasks failed to start."),
    ("REPLACED", "ECS replaced the deployment to groundwork-prod-api:2 (circuit breaker or "
                 "alarm rollback): the service is on groundwork-prod-api:3"),
])
def test_a_rollback_whose_deployment_fails_is_rollback_failed(ecs, outcome, expect):
    """The deployment to the previous revision fails too (or ECS's circuit breaker rolls it
    back): rollback-failed, verify not run, exit 1."""
    ecs.outcome[API] = outcome
    verify = StubVerify()
    record = run(ecs, request("api"), verify)
    [api] = record.services
    assert api.verdict == "rollback-failed" and expect in api.detail
    assert api.rollout_state == "FAILED"
    assert verify.waits == [] and record.exit_code == 1


def test_a_rollback_whose_verify_fails_afterwards_is_rollback_failed(ecs):
    """The deployment completes but verify fails afterwards: rollback-failed naming the failed
    check, the results recorded, exit 1."""
    record = run(ecs, request("api"), StubVerify(fail=True))
    [api] = record.services
    assert api.rollout_state == "COMPLETED" and api.verdict == "rollback-failed"
    assert api.detail.endswith("verify failed afterwards: http-smoke")
    assert record.verify.ran and not record.verify.passed
    assert record.verify.failed_checks == ["http-smoke"]
    assert record.exit_code == 1


def test_a_deployment_still_rolling_at_the_wait_limit_is_a_timeout(ecs):
    ecs.outcome[API] = "STUCK"
    verify = StubVerify()
    record = run(ecs, request("api", wait_seconds=120))
    [api] = record.services
    assert api.verdict == "timeout" and "still IN_PROGRESS after 120 s (--wait)" in api.detail
    assert verify.waits == [] and record.exit_code == 1


# --------------------------------------------------------------------------------------------
# --to, --changed-since, several services
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("to", [1, td(API, 1)])
def test_to_names_the_target_by_revision_or_arn(ecs, to):
    record = run(ecs, request("api", to=to))
    [api] = record.services
    assert (api.verdict, api.to_task_definition, api.target_source) == (
        "rolled-back", td(API, 1), "--to")
    assert "list_service_deployments" not in ecs.calls  # no history needed
    assert ecs.task_definition_of(API) == td(API, 1)


@pytest.mark.parametrize("to, message", [
    (9, "--to 9: no task definition groundwork-prod-api:9"),
    (3, "--to 3: groundwork-prod-api:3 is what api runs now"),
    (td(WORKER, 1), "--to arn:aws:ecs:us-east-1:123456789012:task-definition/groundwork-prod-"
                    "worker:1: task definition family groundwork-prod-worker is not api's "
                    "(groundwork-prod-api)"),
])
def test_a_wrong_to_is_refused_before_anything_changes(ecs, to, message):
    with pytest.raises(RollbackError) as caught:
        run(ecs, request("api", to=to))
    assert str(caught.value).startswith(message)
    assert ecs.updates == []


def test_to_an_inactive_revision_is_refused(ecs):
    ecs._ecs.deregister_task_definition(taskDefinition=f"{API}:1")
    with pytest.raises(RollbackError, match=r"--to 1: groundwork-prod-api:1 is INACTIVE"):
        run(ecs, request("api", to=1))
    assert ecs.updates == []


def test_changed_since_rolls_back_only_the_services_the_deploy_changed(ecs):
    """The worker's current deployment predates --changed-since: skipped, untouched; api's is
    newer: rolled back. Both are deployed before verify runs once."""
    ecs.created_at[WORKER] = datetime.now(UTC) - timedelta(hours=2)
    since = datetime.now(UTC) - timedelta(hours=1)
    verify = StubVerify()
    record = run(ecs, request("api", "worker", changed_since=since), verify)
    api, worker = record.services
    assert api.verdict == "rolled-back" and worker.verdict == "skipped"
    assert "before --changed-since" in worker.detail
    assert [u["service"] for u in ecs.updates] == [API]
    assert ecs.task_definition_of(WORKER) == td(WORKER, 2)
    assert len(verify.waits) == 1 and record.exit_code == 0


def test_every_service_rolls_back_together(ecs):
    record = run(ecs, request("api", "worker"))
    assert [(s.name, s.verdict, s.to_task_definition) for s in record.services] == [
        ("api", "rolled-back", td(API, 2)), ("worker", "rolled-back", td(WORKER, 1))]
    assert record.exit_code == 0


def test_nothing_changed_since_is_not_a_success(ecs):
    later = datetime.now(UTC) + timedelta(hours=1)
    record = run(ecs, request("api", "worker", changed_since=later))
    assert {s.verdict for s in record.services} == {"skipped"}
    assert ecs.updates == [] and not record.passed and record.exit_code == 1


# --------------------------------------------------------------------------------------------
# input and the ci_owns_image refusal
# --------------------------------------------------------------------------------------------


def _env(ci_owns_image: bool = False) -> Any:
    def service(name: str) -> Any:
        return SimpleNamespace(name=name, deployment=SimpleNamespace(ci_owns_image=ci_owns_image))

    return SimpleNamespace(region=REGION, services=[service("api"), service("worker")])


OUTPUTS = {"cluster_name": CLUSTER, "services": {"api": {"service_name": API},
                                                 "worker": {"service_name": WORKER}}}


def test_services_whose_image_pulumi_owns_are_refused_without_force():
    req = rollback.request_from("prod", _env(), OUTPUTS)
    why = rollback.refusal(req)
    assert why is not None and why.startswith("api, worker: Pulumi owns the image")
    assert "the next `pulumi up`" in why and "undoing the rollback" in why and "--force" in why
    assert rollback.refusal(rollback.request_from("prod", _env(), OUTPUTS, force=True)) is None
    assert rollback.refusal(rollback.request_from("prod", _env(ci_owns_image=True), OUTPUTS)) is None


def test_the_committed_stacks_images_are_pulumi_owned():
    """prod's and dev's services keep deployment.ci_owns_image false: the refusal applies to
    them (and the deploy workflow passes --force, docs/ci.md)."""
    from groundwork.stacks.config import load_environment
    from groundwork.stacks.loader import read_stack_file

    for stack in ("dev", "prod"):
        sf = read_stack_file(stack)
        env = load_environment(sf.namespace, stack=stack, region=sf.region)
        outputs = {"cluster_name": "c", "services": {
            s.name: {"service_name": f"groundwork-{stack}-{s.name}"} for s in env.services}}
        req = rollback.request_from(stack, env, outputs)
        assert req.pulumi_owned == [s.name for s in env.services] != []
        assert rollback.refusal(req) is not None


@pytest.mark.parametrize("kwargs, outputs, message", [
    ({"service": "web"}, OUTPUTS, "--service web: not a service of stack prod; allowed: api, worker"),
    ({"service": "api", "to": "v7"}, OUTPUTS, "--to v7: give a revision number"),
    ({"service": "api", "to": "0"}, OUTPUTS, "--to 0: give a revision number"),
    ({"to": "7"}, OUTPUTS, "--to 7: names one service's task definition; give --service too"),
    ({"changed_since": "yesterday"}, OUTPUTS, "--changed-since yesterday: not an ISO 8601 time"),
    ({"changed_since": "2026-05-01T10:00:00"}, OUTPUTS,
     "--changed-since 2026-05-01T10:00:00: give the time zone"),
    ({"wait_seconds": 0}, OUTPUTS, "--wait 0: allowed 1 to 21600 seconds"),
    ({}, {"services": OUTPUTS["services"]}, "output cluster_name missing"),
    ({"service": "worker"}, {"cluster_name": CLUSTER, "services": {"api": {"service_name": API}}},
     "output services.worker.service_name missing"),
])
def test_bad_input_names_the_flag_or_output(kwargs, outputs, message):
    with pytest.raises(RollbackError) as caught:
        rollback.request_from("prod", _env(), outputs, **kwargs)
    assert str(caught.value).startswith(message)


def test_changed_since_takes_utc_and_offsets():
    assert rollback.parse_changed_since("2026-05-01T10:00:00Z") == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert rollback.parse_changed_since("2026-05-01T12:00:00+02:00") == datetime(
        2026, 5, 1, 10, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# the record and the command
# --------------------------------------------------------------------------------------------


def test_the_json_record_says_what_when_from_to_how_long_and_what_verify_found(ecs, tmp_path):
    since = datetime(2026, 5, 1, 10, tzinfo=UTC)
    ecs.created_at[WORKER] = since - timedelta(minutes=1)
    record = run(ecs, request("api", "worker", changed_since=since, force=True),
                 StubVerify(fail=True))
    path = tmp_path / "out" / "rollback-prod.json"
    rollback.write_record(record, path)
    data = json.loads(path.read_text())
    assert data["command"] == "rollback" and data["stack"] == "prod"
    assert data["cluster"] == CLUSTER and data["changed_since"] == "2026-05-01T10:00:00Z"
    assert data["started_at"].endswith("Z") and data["finished_at"].endswith("Z")
    assert data["forced"] is True and data["pulumi_owned_services"] == ["api"]
    assert data["caveat"].startswith("forced for api: the next `pulumi up`")
    api, worker = data["services"]
    assert api["from_task_definition"] == td(API, 3) and api["to_task_definition"] == td(API, 2)
    assert api["verdict"] == "rollback-failed" and api["deploy_seconds"] == 15.0
    assert api["deployment"] == {"id": "ecs-svc/rollback-1", "rollout_state": "COMPLETED",
                                 "reason": "ECS deployment ecs-svc/rollback-1 completed."}
    assert api["target_source"] == "deployment-history" and api["pulumi_owns_image"] is True
    assert worker["verdict"] == "skipped" and worker["to_task_definition"] is None
    assert data["verify"]["ran"] is True and data["verify"]["failed_checks"] == ["http-smoke"]
    assert {"check": "http-smoke", "target": "api", "status": "FAIL",
            "detail": "GET /health: 503, expected 200"} in data["verify"]["results"]
    assert data["passed"] is False and data["exit_code"] == 1


def test_cli_rolls_back_prod_from_an_outputs_file_and_writes_the_record(ecs, tmp_path, monkeypatch):
    """`groundwork rollback prod --outputs F --changed-since T --force --record F` in-process
    (AWS through the fake, verify stubbed at rollback.stack_verify): exit 0, the summary on
    stdout, the progress on stderr, the record. Without --force it refuses (exit 2) before any
    call; a malformed flag exits 2 naming it."""
    from conftest import run_cli

    verify = StubVerify()
    seen: list[Any] = []
    monkeypatch.setattr(rollback, "boto3_clients", lambda region: (lambda name: ecs))
    monkeypatch.setattr(rollback, "POLL_SECONDS", 0.01)  # the command's real clock and sleep
    monkeypatch.setattr(rollback, "stack_verify",
                        lambda env, outputs: seen.append((env.name_prefix, outputs)) or verify)
    outputs, record = tmp_path / "outputs.json", tmp_path / "rollback-prod.json"
    outputs.write_text(json.dumps(OUTPUTS))
    ecs.created_at[WORKER] = datetime.now(UTC) - timedelta(hours=2)
    since = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    refused = run_cli("rollback", "prod", "--outputs", str(outputs), "--changed-since", since)
    assert refused.returncode == 2
    assert "refused: api, worker: Pulumi owns the image" in refused.stderr
    assert ecs.calls == [] and not record.exists()

    bad = run_cli("rollback", "prod", "--outputs", str(outputs), "--service", "api", "--to", "v2")
    assert bad.returncode == 2 and "--to v2: give a revision number" in bad.stderr

    result = run_cli("rollback", "prod", "--outputs", str(outputs), "--changed-since", since,
                     "--force", "--record", str(record), "--wait", "600")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "groundwork rollback: stack prod (api, worker, changed since" in result.stdout
    assert "--force: api, worker: the next `pulumi up`" in result.stdout
    assert "groundwork-prod-api:3" in result.stdout and "groundwork-prod-api:2" in result.stdout
    assert "PASSED rolled back: api" in result.stdout
    assert "api: COMPLETED 2/2 running" in result.stderr  # the progress, off stdout
    assert seen == [("groundwork-prod", OUTPUTS)]
    assert [round(w) for w in verify.waits] == [600]  # what --wait 600 leaves
    data = json.loads(record.read_text())
    assert [(s["service"], s["verdict"]) for s in data["services"]] == [
        ("api", "rolled-back"), ("worker", "skipped")]
    assert data["wait_seconds"] == 600 and data["forced"] is True
    assert ecs.task_definition_of(API) == td(API, 2)
