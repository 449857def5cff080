"""`groundwork rollback <stack>`: put a service back on the task definition that last ran healthy,
watch the deployment, then verify the stack (the runbook it automates: docs/operations.md, "Roll
back a bad deploy").

For each selected service (every service of the stack's config, or `--service`; with
`--changed-since`, only those whose current PRIMARY deployment was created at or after that
time: the services a deploy changed):

1. **Find the target.** `--to` (a revision of the service's own family, or a full
   task-definition ARN of that family), checked to exist and be ACTIVE; otherwise the newest task
   definition that *ran healthy* before the current one, from ECS's own deployment history:
   `ListServiceDeployments` (status SUCCESSFUL), each deployment's target service revision
   (`targetServiceRevisionArn`, else `DescribeServiceDeployments`), its task definition
   (`DescribeServiceRevisions`), newest first, skipping the current task definition and any
   revision that is no longer ACTIVE (ECS refuses to update a service to an INACTIVE one:
   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterTaskDefinition.html).
   ECS keeps 90 days of that history, from deployments created on or after 25 October 2024
   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/view-service-deployment.html).
   Nothing found: verdict `no-previous-revision`, the service is left as it is.
2. **Update the service** to the target (`UpdateService taskDefinition=...`; nothing else
   changes: count, network and deployment settings stay).
3. **Watch the deployment** (`DescribeServices`, a progress callback per poll) until its
   rolloutState is COMPLETED, FAILED, or ECS replaced it (the circuit breaker or an alarm rolled
   the rollback back), within `--wait` seconds.
4. **Verify the stack** once every deployment is done: `groundwork verify`'s checks
   (src/groundwork/verify.py) on the same outputs, re-running failing checks in the time left.

Verdicts per service: `rolled-back` (the deployment completed and verify passed),
`rollback-failed` (the update was refused, the deployment failed, or verify failed afterwards),
`timeout`, `no-previous-revision`, `skipped` (not changed since `--changed-since`). The JSON
record (`RollbackRecord.to_json`) says what was rolled back, when, from and to which task
definitions, how long each step took and what verify found.

Everything AWS goes through a client factory (`clients(name)`, boto3 by default) and verify
through a callable, so the tests run it on moto with the three deployment-history calls moto
doesn't implement faked at the boto3 boundary (tests/test_rollback.py). Clock and sleep are
injectable.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from groundwork.drill import aws_error

if TYPE_CHECKING:
    from groundwork.stacks.config import EnvironmentConfig
    from groundwork.verify import CheckResult

ClientFactory = Callable[[str], Any]
Verdict = Literal["rolled-back", "rollback-failed", "timeout", "no-previous-revision", "skipped"]
Progress = Callable[[str, float, str], None]
"""`progress(service, elapsed_seconds, status)`."""
VerifyRun = Callable[[float], "list[CheckResult]"]
"""`verify(wait_seconds)`: the stack's verify checks (re-running failing ones for up to
`wait_seconds`)."""

DEFAULT_WAIT_SECONDS = 1200.0
"""`--wait` default: 20 minutes for the deployments and verify together (a rolling deployment of
a web service waits for the ALB's deregistration delay and the health-check grace period)."""
POLL_SECONDS = 15.0
"""How often the deployments are polled (DescribeServices)."""
TASK_DEFINITION_ARN = re.compile(
    r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/(?P<family>[A-Za-z0-9_-]{1,255}):"
    r"(?P<revision>[1-9]\d*)$")
AWS_ACTIONS = ("ecs:DescribeServices", "ecs:ListServiceDeployments",
               "ecs:DescribeServiceDeployments", "ecs:DescribeServiceRevisions",
               "ecs:DescribeTaskDefinition", "ecs:UpdateService")
"""The IAM actions the rollback itself calls (verify's come on top); the deploy role allows them
on the stack's cluster and services (tests/test_github_deploy_role.py)."""
PULUMI_UNDOES = (
    "the next `pulumi up` that touches the service puts the task definition in Pulumi's state "
    "back (and `pulumi up --refresh` always does), undoing the rollback")
"""Why a service whose image Pulumi owns (`deployment.ci_owns_image: false`) is refused without
`--force`."""


class RollbackError(Exception):
    """Bad input: an unknown service, a malformed or wrong `--to`, missing outputs (exit 2)."""


# --------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceTarget:
    name: str
    """The service's name in the config (`api`)."""
    service_name: str
    """Its ECS service name (`groundwork-prod-api`, from the `services` output)."""
    ci_owns_image: bool = False


@dataclass(frozen=True)
class RollbackRequest:
    stack: str
    region: str
    cluster: str
    services: tuple[ServiceTarget, ...]
    to: int | str | None = None
    """`--to`: a revision number, or a task-definition ARN."""
    changed_since: datetime | None = None
    force: bool = False
    wait_seconds: float = DEFAULT_WAIT_SECONDS

    @property
    def pulumi_owned(self) -> list[str]:
        """The selected services whose image (task definition) Pulumi owns."""
        return [s.name for s in self.services if not s.ci_owns_image]


def parse_to(value: str | None) -> int | str | None:
    """`--to`: a revision number (`7`) or a full task-definition ARN; RollbackError otherwise."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    if TASK_DEFINITION_ARN.match(text):
        return text
    raise RollbackError(f"--to {value}: give a revision number of the service's task-definition "
                        "family (7) or a full task-definition ARN (arn:aws:ecs:<region>:"
                        "<account>:task-definition/<family>:<revision>)")


def parse_changed_since(value: str | None) -> datetime | None:
    """`--changed-since`: an ISO 8601 time with its zone (`2026-05-01T10:00:00Z`)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise RollbackError(f"--changed-since {value}: not an ISO 8601 time (for example "
                            "2026-05-01T10:00:00Z, as `date -u +%Y-%m-%dT%H:%M:%SZ` prints)") from None
    if when.tzinfo is None:
        raise RollbackError(f"--changed-since {value}: give the time zone (Z for UTC, or +02:00): "
                            "a time without one is ambiguous")
    return when.astimezone(UTC)


def request_from(stack: str, env: EnvironmentConfig, outputs: dict[str, Any], *,
                 service: str | None = None, to: str | None = None,
                 changed_since: str | None = None, force: bool = False,
                 wait_seconds: float = DEFAULT_WAIT_SECONDS) -> RollbackRequest:
    """The request from the stack's config (its services and `deployment.ci_owns_image`), its
    outputs (`cluster_name`, `services.<name>.service_name`) and the flags; RollbackError
    naming the flag or output that is wrong."""
    configured = {s.name: s for s in env.services}
    if not configured:
        raise RollbackError(f"stack {stack} has no services: nothing to roll back")
    if service is not None and service not in configured:
        raise RollbackError(f"--service {service}: not a service of stack {stack}; allowed: "
                            f"{', '.join(configured)}")
    names = [service] if service is not None else list(configured)
    revision = parse_to(to)
    if revision is not None and len(names) > 1:
        raise RollbackError(f"--to {to}: names one service's task definition; give --service "
                            f"too (one of {', '.join(names)})")
    since = parse_changed_since(changed_since)
    if not 0 < wait_seconds <= 6 * 3600:
        raise RollbackError(f"--wait {wait_seconds:g}: allowed 1 to 21600 seconds")
    cluster = outputs.get("cluster_name")
    if not cluster:
        raise RollbackError("output cluster_name missing: are these the outputs of a stack with "
                            "services (--outputs)?")
    exported = outputs.get("services") or {}
    targets = []
    for name in names:
        physical = (exported.get(name) or {}).get("service_name")
        if not physical:
            raise RollbackError(f"output services.{name}.service_name missing (--outputs)")
        targets.append(ServiceTarget(name, str(physical),
                                     bool(configured[name].deployment.ci_owns_image)))
    return RollbackRequest(stack=stack, region=env.region, cluster=str(cluster),
                           services=tuple(targets), to=revision, changed_since=since,
                           force=force, wait_seconds=wait_seconds)


def refusal(request: RollbackRequest) -> str | None:
    """Why the rollback must not start without `--force` (None: it may)."""
    owned = request.pulumi_owned
    if not owned or request.force:
        return None
    return (f"{', '.join(owned)}: Pulumi owns the image (deployment.ci_owns_image is false), so "
            f"{PULUMI_UNDOES}. Roll back in code (revert the image in Pulumi.{request.stack}.yaml "
            "and deploy), or pass --force for a stop-gap until that fix is deployed")


# --------------------------------------------------------------------------------------------
# the record
# --------------------------------------------------------------------------------------------


@dataclass
class ServiceRollback:
    name: str
    service_name: str
    pulumi_owns_image: bool
    verdict: Verdict = "rollback-failed"
    detail: str = ""
    from_task_definition: str | None = None
    to_task_definition: str | None = None
    target_source: Literal["--to", "deployment-history"] | None = None
    healthy_deployment: str | None = None
    """The SUCCESSFUL service deployment the target ran in (deployment-history)."""
    passed_over: list[str] = field(default_factory=list)
    """Healthy revisions not taken, and why (the current one, an INACTIVE one)."""
    current_deployment_created_at: datetime | None = None
    deployment_id: str | None = None
    rollout_state: str | None = None
    rollout_reason: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    deploy_seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.name, "ecs_service": self.service_name, "verdict": self.verdict,
            "detail": self.detail, "pulumi_owns_image": self.pulumi_owns_image,
            "from_task_definition": self.from_task_definition,
            "to_task_definition": self.to_task_definition, "target_source": self.target_source,
            "healthy_deployment": self.healthy_deployment, "passed_over": self.passed_over,
            "current_deployment_created_at": iso(self.current_deployment_created_at),
            "deployment": {"id": self.deployment_id, "rollout_state": self.rollout_state,
                           "reason": self.rollout_reason},
            "started_at": iso(self.started_at), "finished_at": iso(self.finished_at),
            "deploy_seconds": _round(self.deploy_seconds),
        }


@dataclass
class VerifyOutcome:
    ran: bool = False
    passed: bool = False
    seconds: float | None = None
    results: list[dict[str, str]] = field(default_factory=list)
    detail: str = ""

    @property
    def failed_checks(self) -> list[str]:
        return sorted({r["check"] for r in self.results if r["status"] == "FAIL"})

    def to_json(self) -> dict[str, Any]:
        return {"ran": self.ran, "passed": self.passed, "seconds": _round(self.seconds),
                "failed_checks": self.failed_checks, "detail": self.detail,
                "results": self.results}


@dataclass
class RollbackRecord:
    stack: str
    region: str
    cluster: str
    started_at: datetime
    changed_since: datetime | None = None
    requested_to: int | str | None = None
    forced: bool = False
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    services: list[ServiceRollback] = field(default_factory=list)
    verify: VerifyOutcome = field(default_factory=VerifyOutcome)
    finished_at: datetime | None = None

    @property
    def attempted(self) -> list[ServiceRollback]:
        return [s for s in self.services if s.verdict != "skipped"]

    @property
    def passed(self) -> bool:
        """Every selected (not skipped) service rolled back, and there was at least one."""
        attempted = self.attempted
        return bool(attempted) and all(s.verdict == "rolled-back" for s in attempted)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_json(self) -> dict[str, Any]:
        """The rollback's JSON record (docs/operations.md, "Roll back a bad deploy")."""
        owned = [s.name for s in self.services if s.pulumi_owns_image and s.verdict != "skipped"]
        return {
            "command": "rollback", "stack": self.stack, "region": self.region,
            "cluster": self.cluster, "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "changed_since": iso(self.changed_since), "requested_to": self.requested_to,
            "wait_seconds": self.wait_seconds,
            "forced": self.forced,
            "pulumi_owned_services": owned,
            "caveat": (f"forced for {', '.join(owned)}: {PULUMI_UNDOES}" if self.forced and owned
                       else None),
            "services": [s.to_json() for s in self.services],
            "verify": self.verify.to_json(),
            "passed": self.passed, "exit_code": self.exit_code,
        }


def write_record(record: RollbackRecord, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record.to_json(), indent=2) + "\n")


def iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def family_of(task_definition: str) -> str:
    """`arn:...:task-definition/<family>:<revision>` (or `family:revision`) -> family."""
    return task_definition.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def short(task_definition: str | None) -> str:
    return "-" if not task_definition else task_definition.rsplit("/", 1)[-1]


# --------------------------------------------------------------------------------------------
# finding the target: ECS's deployment history
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthyRevision:
    task_definition: str
    deployment_arn: str
    created_at: datetime | None


def healthy_history(ecs: Any, cluster: str, service: str) -> list[HealthyRevision]:
    """The task definitions of the service's SUCCESSFUL deployments, newest first (one per
    deployment; a revision can appear more than once)."""
    briefs: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = ecs.list_service_deployments(cluster=cluster, service=service,
                                            status=["SUCCESSFUL"],
                                            **({"nextToken": token} if token else {}))
        briefs.extend(page.get("serviceDeployments") or [])
        token = page.get("nextToken")
        if not token:
            break
    briefs = [b for b in briefs if b.get("status", "SUCCESSFUL") == "SUCCESSFUL"]
    epoch = datetime.min.replace(tzinfo=UTC)
    briefs.sort(key=lambda b: _when(b.get("createdAt") or b.get("startedAt")) or epoch,
                reverse=True)
    revisions: list[HealthyRevision] = []
    for brief in briefs:
        arn = brief.get("targetServiceRevisionArn")
        if not arn:
            described = ecs.describe_service_deployments(
                serviceDeploymentArns=[brief["serviceDeploymentArn"]]).get("serviceDeployments") or []
            arn = ((described[0].get("targetServiceRevision") or {}).get("arn")
                   if described else None)
        if not arn:
            continue
        found = ecs.describe_service_revisions(serviceRevisionArns=[arn]).get("serviceRevisions") or []
        if found and found[0].get("taskDefinition"):
            revisions.append(HealthyRevision(str(found[0]["taskDefinition"]),
                                             str(brief["serviceDeploymentArn"]),
                                             _when(brief.get("createdAt"))))
    return revisions


# --------------------------------------------------------------------------------------------
# the rollback
# --------------------------------------------------------------------------------------------


@dataclass
class _Watch:
    rollback: ServiceRollback
    start: float
    done: bool = False


class Rollback:
    """One rollback run over the request's services. `run()` returns the record; it raises
    RollbackError only for bad input found before anything changed (a wrong `--to`)."""

    def __init__(self, request: RollbackRequest, *, clients: ClientFactory,
                 verify: VerifyRun | None = None, progress: Progress | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 poll_seconds: float | None = None):
        self.request = request
        self._clients = clients
        self._ecs: Any = None
        self.verify_run = verify
        self.progress = progress or (lambda service, elapsed, status: None)
        self.clock, self.sleep, self.now = clock, sleep, now
        self.poll_seconds = POLL_SECONDS if poll_seconds is None else poll_seconds
        self.record = RollbackRecord(
            stack=request.stack, region=request.region, cluster=request.cluster,
            started_at=now(), changed_since=request.changed_since, requested_to=request.to,
            forced=request.force,
            wait_seconds=request.wait_seconds)

    @property
    def ecs(self) -> Any:
        if self._ecs is None:
            self._ecs = self._clients("ecs")
        return self._ecs

    def run(self) -> RollbackRecord:
        started = self.clock()
        deadline = started + self.request.wait_seconds
        rec = self.record
        services = self._describe()
        pending: list[ServiceRollback] = []
        for target in self.request.services:
            item = ServiceRollback(target.name, target.service_name,
                                   pulumi_owns_image=not target.ci_owns_image)
            rec.services.append(item)
            if self._plan(item, services.get(target.service_name)):
                pending.append(item)
        watches = [w for w in (self._update(item) for item in pending) if w is not None]
        self._watch(watches, deadline)
        completed = [s for s in rec.services if s.rollout_state == "COMPLETED"]
        if completed:
            self._verify(max(0.0, deadline - self.clock()))
        for item in completed:
            if rec.verify.passed:
                item.verdict = "rolled-back"
                item.detail = (f"{short(item.from_task_definition)} -> "
                               f"{short(item.to_task_definition)}: deployment completed, "
                               "verify passed")
            else:
                item.verdict = "rollback-failed"
                item.detail = (f"deployment to {short(item.to_task_definition)} completed, but "
                               "verify failed afterwards: " + (
                                   ", ".join(rec.verify.failed_checks) or rec.verify.detail))
        rec.finished_at = self.now()
        return rec

    # -- what each service runs and where it goes -------------------------------------------

    def _describe(self) -> dict[str, dict[str, Any]]:
        names = [s.service_name for s in self.request.services]
        found: dict[str, dict[str, Any]] = {}
        for i in range(0, len(names), 10):  # DescribeServices takes 10 at a time
            answer = self.ecs.describe_services(cluster=self.request.cluster,
                                                services=names[i:i + 10])
            found.update({s["serviceName"]: s for s in answer.get("services") or []})
        return found

    @staticmethod
    def _primary(svc: dict[str, Any]) -> dict[str, Any]:
        for dep in svc.get("deployments") or []:
            if dep.get("status") == "PRIMARY":
                return dict(dep)
        return {"taskDefinition": svc.get("taskDefinition")}

    def _plan(self, item: ServiceRollback, svc: dict[str, Any] | None) -> bool:
        """Fill in from/to; False when there is nothing to do (skipped, no previous revision, a
        missing service)."""
        if svc is None or svc.get("status") != "ACTIVE":
            state = "missing" if svc is None else svc.get("status")
            item.verdict, item.detail = "rollback-failed", (
                f"service {item.service_name} in {self.request.cluster} is {state}")
            return False
        primary = self._primary(svc)
        item.from_task_definition = str(primary.get("taskDefinition") or svc.get("taskDefinition"))
        item.current_deployment_created_at = _when(primary.get("createdAt"))
        since = self.request.changed_since
        if since is not None:
            created = item.current_deployment_created_at
            if created is not None and created < since:
                item.verdict = "skipped"
                item.detail = (f"its current deployment ({short(item.from_task_definition)}) was "
                               f"created {iso(created)}, before --changed-since {iso(since)}")
                return False
        if self.request.to is not None:
            item.to_task_definition = self._checked_to(item)
            item.target_source = "--to"
            return True
        try:
            history = healthy_history(self.ecs, self.request.cluster, item.service_name)
        except (ClientError, BotoCoreError) as exc:
            item.verdict, item.detail = "rollback-failed", f"reading the deployment history: {aws_error(exc)}"
            return False
        for healthy in history:
            if healthy.task_definition == item.from_task_definition:
                note = f"{short(healthy.task_definition)}: the current task definition"
                if note not in item.passed_over:
                    item.passed_over.append(note)
                continue
            status = self._status(healthy.task_definition)
            if status != "ACTIVE":
                item.passed_over.append(f"{short(healthy.task_definition)}: {status} (ECS can't "
                                        "update a service to a deregistered task definition)")
                continue
            item.to_task_definition = healthy.task_definition
            item.target_source = "deployment-history"
            item.healthy_deployment = healthy.deployment_arn
            return True
        item.verdict = "no-previous-revision"
        passed = f" (passed over: {'; '.join(item.passed_over)})" if item.passed_over else ""
        item.detail = (f"no ACTIVE task definition other than {short(item.from_task_definition)} "
                       f"ran in a SUCCESSFUL deployment of {item.service_name} in ECS's 90-day "
                       f"history{passed}; name one with --to (aws ecs list-task-definitions "
                       f"--family-prefix {family_of(item.from_task_definition)} --sort DESC)")
        return False

    def _status(self, task_definition: str) -> str:
        try:
            found = self.ecs.describe_task_definition(taskDefinition=task_definition)
        except ClientError as exc:
            return f"not found ({aws_error(exc)})"
        return str((found.get("taskDefinition") or {}).get("status") or "UNKNOWN")

    def _checked_to(self, item: ServiceRollback) -> str:
        to, current = self.request.to, str(item.from_task_definition)
        family = family_of(current)
        wanted = f"{family}:{to}" if isinstance(to, int) else str(to)
        if family_of(wanted) != family:
            raise RollbackError(f"--to {to}: task definition family {family_of(wanted)} is not "
                                f"{item.name}'s ({family})")
        try:
            found = self.ecs.describe_task_definition(taskDefinition=wanted)["taskDefinition"]
        except ClientError as exc:
            raise RollbackError(f"--to {to}: no task definition {short(wanted)} "
                                f"({aws_error(exc)})") from None
        arn = str(found.get("taskDefinitionArn") or wanted)
        if found.get("status") != "ACTIVE":
            raise RollbackError(f"--to {to}: {short(arn)} is {found.get('status')}: ECS can't "
                                "update a service to a deregistered task definition")
        if arn == current:
            raise RollbackError(f"--to {to}: {short(arn)} is what {item.name} runs now")
        return arn

    # -- the update and the wait -------------------------------------------------------------

    def _update(self, item: ServiceRollback) -> _Watch | None:
        item.started_at = self.now()
        start = self.clock()
        self.progress(item.name, 0.0, f"UpdateService -> {short(item.to_task_definition)}")
        try:
            answer = self.ecs.update_service(cluster=self.request.cluster,
                                             service=item.service_name,
                                             taskDefinition=item.to_task_definition)
        except (ClientError, BotoCoreError) as exc:
            item.verdict, item.detail = "rollback-failed", f"UpdateService refused: {aws_error(exc)}"
            item.finished_at = self.now()
            return None
        for dep in (answer.get("service") or {}).get("deployments") or []:
            if dep.get("status") == "PRIMARY" and dep.get("taskDefinition") == item.to_task_definition:
                item.deployment_id = dep.get("id")
        return _Watch(item, start)

    def _watch(self, watches: Sequence[_Watch], deadline: float) -> None:
        while True:
            open_ = [w for w in watches if not w.done]
            if not open_:
                return
            try:
                services = self._describe()
            except (ClientError, BotoCoreError) as exc:
                for w in open_:
                    self._finish(w, "rollback-failed", None, f"DescribeServices: {aws_error(exc)}")
                return
            for w in open_:
                self._check(w, services.get(w.rollback.service_name) or {})
            if all(w.done for w in watches):
                return
            if self.clock() + self.poll_seconds > deadline:
                for w in watches:
                    if not w.done:
                        self._finish(w, "timeout", w.rollback.rollout_state,
                                     f"deployment to {short(w.rollback.to_task_definition)} "
                                     f"still {w.rollback.rollout_state or 'starting'} after "
                                     f"{self.request.wait_seconds:g} s (--wait)")
                return
            self.sleep(self.poll_seconds)

    def _check(self, w: _Watch, svc: dict[str, Any]) -> None:
        item = w.rollback
        deployments = svc.get("deployments") or []
        if item.deployment_id is None:  # UpdateService's answer didn't name it: the new PRIMARY
            item.deployment_id = next((d.get("id") for d in deployments
                                       if d.get("taskDefinition") == item.to_task_definition
                                       and d.get("status") == "PRIMARY"), None)
        ours = next((d for d in deployments if item.deployment_id
                     and d.get("id") == item.deployment_id), None)
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        elapsed = self.clock() - w.start
        state = str((ours or {}).get("rolloutState") or "IN_PROGRESS")
        reason = str((ours or {}).get("rolloutStateReason") or "")
        if ours is not None and state == "FAILED":
            item.rollout_reason = reason or None
            self._finish(w, "rollback-failed", "FAILED",
                         f"the deployment to {short(item.to_task_definition)} FAILED: "
                         f"{reason or 'no reason given'}")
            return
        if ours is None or (primary is not None
                            and primary.get("taskDefinition") != item.to_task_definition):
            now_on = short((primary or {}).get("taskDefinition") or svc.get("taskDefinition"))
            self._finish(w, "rollback-failed", "FAILED",
                         f"ECS replaced the deployment to {short(item.to_task_definition)} "
                         f"(circuit breaker or alarm rollback): the service is on {now_on}")
            return
        item.rollout_state, item.rollout_reason = state, reason or None
        self.progress(item.name, elapsed, f"{state} {ours.get('runningCount', 0)}/"
                                          f"{ours.get('desiredCount', 0)} running")
        if state == "COMPLETED":
            w.done = True
            item.finished_at = self.now()
            item.deploy_seconds = elapsed

    def _finish(self, w: _Watch, verdict: Verdict, state: str | None, detail: str) -> None:
        w.done = True
        item = w.rollback
        item.verdict, item.detail, item.rollout_state = verdict, detail, state
        item.finished_at = self.now()
        item.deploy_seconds = self.clock() - w.start

    # -- verify ------------------------------------------------------------------------------

    def _verify(self, wait_seconds: float) -> None:
        outcome = self.record.verify
        if self.verify_run is None:
            outcome.detail = "verify not run (no verifier given)"
            return
        start = self.clock()
        self.progress("verify", 0.0, "groundwork verify " + self.request.stack)
        try:
            results = self.verify_run(wait_seconds)
        except Exception as exc:  # a verify crash is a failed verify, recorded
            outcome.ran, outcome.passed = True, False
            outcome.detail = f"verify raised {aws_error(exc)}"
            outcome.seconds = self.clock() - start
            return
        outcome.ran = True
        outcome.results = [{"check": r.check, "target": r.target, "status": r.status,
                            "detail": r.detail} for r in results]
        outcome.passed = not outcome.failed_checks
        outcome.seconds = self.clock() - start
        outcome.detail = ("every check passed" if outcome.passed
                          else "failed: " + ", ".join(outcome.failed_checks))


def stack_verify(env: EnvironmentConfig, outputs: dict[str, Any]) -> VerifyRun:
    """`groundwork verify <stack>`'s checks (its config's expectations, the same outputs), as
    the rollback runs them afterwards."""
    from groundwork import verify as checks

    def run(wait_seconds: float) -> list[CheckResult]:
        verifier = checks.Verifier(outputs, checks.Expectations.from_config(env))
        return checks.verify(verifier, wait_seconds=wait_seconds)

    return run


def boto3_clients(region: str) -> ClientFactory:
    def factory(name: str) -> Any:
        import boto3

        return boto3.session.Session(region_name=region).client(name)

    return factory
