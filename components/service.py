"""`FargateService`: one ECS service on Fargate, kind `web` (behind a `LoadBalancer`) or `worker`.

Task definition (FSBP ECS.2-ECS.10):
- cpu/memory validated against Fargate's pairs before anything is registered, `runtime_platform`
  explicit (LINUX + X86_64 or ARM64).
- The app container (plus, with `tracing.enabled`, the ADOT collector sidecar; every container
  with a `healthCheck`: components/containers.py): numeric non-root `user`,
  `readonlyRootFilesystem`, a writable volume per `scratch_paths` entry (Fargate task storage),
  not privileged, no host PID (awsvpc), tini as PID 1 (`initProcessEnabled`: signals reach the
  app, zombies are reaped), `stopTimeout`, awslogs
  to a per-service log group encrypted with the logs key and with retention, plain settings in
  `environment`, secrets only as `secrets[].valueFrom` ARNs.
- Two roles. The execution role (used by ECS to start the task) may write its own log group,
  read exactly the secret ARNs the container references, decrypt them with the secrets' key only
  via Secrets Manager, and pull from its own ECR repository when the image lives in ECR. The task
  role (the application's identity) gets nothing by default (ECS Exec's channel and log
  permissions when the cluster has Exec on; exactly the X-Ray writes and sampling reads with
  `tracing.enabled`).

Service:
- the given (private) subnets, no public IP (ECS.2), platform LATEST (ECS.10), FARGATE or
  FARGATE_SPOT (`spot`), AZ rebalancing on, tags propagated from the service.
- Deploys: min healthy 100 % / max 200 % (a full new set starts before any old task stops),
  circuit breaker with rollback, and alarm-based rollback on `deployment_alarm_names` when given
  (`components.alarm_names.deployment_alarm_names` computes the names the `EnvironmentAlarms`
  watching the service will create; the stacks pass them).
  `deployment.strategy` ROLLING (default), BLUE_GREEN, CANARY or LINEAR: the latter three get a
  second target group, a weighted production listener rule, a test listener rule (header
  `X-Groundwork-Test: <name>` from `test_source_cidrs` only, at `test_listener_priority`), an IAM
  role ECS assumes to re-weight exactly those two rules and register tasks in exactly those two
  target groups, and (`deployment.pre_traffic_hook`) the pre-traffic hook: a Lambda in the
  service's subnets that runs the smoke checks through the test rule at POST_TEST_TRAFFIC_SHIFT,
  before production traffic moves (components/deployment.py, docs/compute.md#deployments).
- A web service `depends_on` its listener rule (otherwise ECS races the ALB with "target group
  does not have an associated load balancer") and has a health-check grace period.
- Drift Pulumi ignores: `desiredCount` always (autoscaling owns the count after creation: a
  `pulumi up` during a traffic peak must not scale the service back to its minimum), and
  `taskDefinition` when `deployment.ci_owns_image` (CI registers revisions and updates the
  service; Pulumi keeps owning everything else).

Autoscaling: a scalable target (min/max from `scaling`) and target-tracking policies on average
CPU and memory; for web services also ALB requests per target (`<lb arn_suffix>/<tg
arn_suffix>`, the predefined ALBRequestCountPerTarget, for ROLLING; for BLUE_GREEN/CANARY/LINEAR
metric math over both target groups, (FILL(requests A, 0) + FILL(requests B, 0)) / (FILL(healthy
hosts A, 0) + FILL(healthy hosts B, 0)), so it keeps working whichever group serves); for
workers with a `queue_metric`, backlog per running task (metric math: queue depth /
RunningTaskCount). The queue metric's dimensions are the settings' plain strings, overridden key
by key by `FargateServiceArgs.queue_dimensions` (Outputs allowed: `{"QueueName": queue.name}` of
an auto-named queue); `queue_dimensions` on the component holds the result, which the
QueueBacklog alarm uses too.

Names: the component's name is the service's name. Service, task family and roles are
`<prefix>-<name>[-<part>]` (`groundwork-prod-api`, `groundwork-prod-api-execution`), the log group
`/ecs/<prefix>-<name>`, the target groups `<prefix>-<name>[-alt]-<port>` (<= 32 characters).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components import smoke
from groundwork.components.args import ArgsModel, ComponentArgs, Input, check_retention
from groundwork.components.base import (
    AccountContext,
    account_for,
    child_opts,
    component_naming,
    default_prefix,
)
from groundwork.components.cluster import EcsCluster
from groundwork.components.containers import (
    ContainerHealthCheckSettings,
    TracingSettings,
    container_definitions,
    container_problems,
    tracing_policy,
    volume_name,
    writable_paths,
)
from groundwork.components.deployment import (
    MAX_TEST_SOURCE_CIDRS,
    BlueGreen,
    DeploymentSettings,
    HookWiring,
    blue_green_name_problem,
    blue_green_names,
    hook_environment,
    hook_host,
    hook_timeout_problem,
)
from groundwork.components.dns_names import DnsName
from groundwork.components.image import ServiceImage, ecr_repository_arn
from groundwork.components.load_balancer import LoadBalancer, Route
from groundwork.components.smoke import SmokeCheckSettings

SCALE_OUT_COOLDOWN = 60
SCALE_IN_COOLDOWN = 300


# --------------------------------------------------------------------------------------------
# value domains (pure)
# --------------------------------------------------------------------------------------------


def _fargate_pairs() -> dict[int, tuple[int, ...]]:
    """Fargate's fixed CPU/memory pairs (MiB), from AWS's task-size table."""
    gib = 1024
    return {
        256: (512, 1024, 2048),
        512: tuple(range(1 * gib, 4 * gib + 1, gib)),
        1024: tuple(range(2 * gib, 8 * gib + 1, gib)),
        2048: tuple(range(4 * gib, 16 * gib + 1, gib)),
        4096: tuple(range(8 * gib, 30 * gib + 1, gib)),
        8192: tuple(range(16 * gib, 60 * gib + 1, 4 * gib)),
        16384: tuple(range(32 * gib, 120 * gib + 1, 8 * gib)),
    }


FARGATE_SIZES: dict[int, tuple[int, ...]] = _fargate_pairs()
"""Task CPU units -> the memory sizes (MiB) Fargate pairs with them."""

_IMAGE_PATH = re.compile(
    r"^([a-z0-9.-]+(:\d+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
)
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_IMAGE_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


def parse_image(ref: str) -> tuple[str, str | None, str | None]:
    """Split `registry/repo:tag@sha256:...` into (path, tag, digest); ValueError if malformed.
    The tag is what follows the last ':' of the last path segment (a registry port is not one)."""
    path, _, digest = ref.partition("@")
    if digest and not _IMAGE_DIGEST.match(digest):
        raise ValueError(f"{ref!r} has a malformed digest (want sha256:<64 hex>)")
    head, slash, last = path.rpartition("/")
    name, colon, tag = last.partition(":")
    path = f"{head}{slash}{name}"
    if not _IMAGE_PATH.match(path) or (colon and not _IMAGE_TAG.match(tag)):
        raise ValueError(f"{ref!r} is not an image reference like registry/name:1.2.3 or name@sha256:...")
    return path, (tag or None), (digest or None)


ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_VALUE_FROM = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+"
    r"(:[^:]*:[^:]*:[^:]*)?$"
)
"""A Secrets Manager ARN, optionally with ECS's `:json-key:version-stage:version-id` suffix."""


def _ranges(values: tuple[int, ...]) -> str:
    if len(values) <= 3:
        return ", ".join(str(v) for v in values)
    step = values[1] - values[0]
    return f"{values[0]}-{values[-1]} in steps of {step}"


# --------------------------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------------------------


class HealthCheckSettings(ArgsModel):
    """Target-group health check of a web service."""

    path: Annotated[str, Field(pattern=r"^/\S*$")] = "/health/ready"
    """Path the ALB probes (default /health/ready: traffic-ready, not just alive)."""
    matcher: Annotated[str, Field(pattern=r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")] = "200"
    """HTTP codes that mean healthy (default 200: a redirect or error page is not healthy)."""
    interval_seconds: Annotated[int, Field(ge=5, le=300)] = 15
    """Probe interval (default 15 s: a dead task leaves rotation within a minute)."""
    timeout_seconds: Annotated[int, Field(ge=2, le=120)] = 5
    """Probe timeout (default 5 s, AWS's own default)."""
    healthy_threshold: Annotated[int, Field(ge=2, le=10)] = 2
    """Successes before a target is healthy (default 2: new tasks take traffic quickly)."""
    unhealthy_threshold: Annotated[int, Field(ge=2, le=10)] = 3
    """Failures before a target is unhealthy (default 3: one slow probe doesn't evict a task)."""
    grace_period_seconds: Annotated[int, Field(ge=0, le=2147483647)] = 300
    """ECS ignores failing health checks this long after a task starts (default 300 s, room
    for migrations and warm-up)."""

    @model_validator(mode="after")
    def _timeout(self) -> HealthCheckSettings:
        if self.timeout_seconds >= self.interval_seconds:
            raise ValueError("timeout_seconds must be less than interval_seconds")
        return self


class QueueMetricSettings(ArgsModel):
    """A CloudWatch metric that measures a worker's backlog (e.g. SQS ApproximateNumberOfMessagesVisible)."""

    namespace: str = "AWS/SQS"
    """Metric namespace (default AWS/SQS, the usual job queue)."""
    metric_name: str = "ApproximateNumberOfMessagesVisible"
    """Metric name (default ApproximateNumberOfMessagesVisible: messages waiting)."""
    dimensions: dict[str, str] = Field(default_factory=dict)
    """Metric dimensions, e.g. {QueueName: jobs} (default none: then give them, Outputs
    allowed, as `FargateServiceArgs.queue_dimensions`; without any the metric matches no
    queue)."""
    target_per_task: Annotated[float, Field(gt=0)] = 100
    """Backlog each task should hold (default 100 messages)."""
    alarm_threshold: Annotated[float, Field(gt=0)] = 1000
    """QueueBacklog alarm threshold (default 1000: ten tasks' worth of backlog)."""


class ScalingSettings(ArgsModel):
    """Target-tracking autoscaling of a service's task count."""

    min_count: Annotated[int, Field(ge=0, le=1000)] = 2
    """Fewest tasks (default 2: one per AZ, so an AZ loss leaves one serving)."""
    max_count: Annotated[int, Field(ge=1, le=1000)] = 10
    """Most tasks (default 10: a ceiling on the bill during a traffic spike or a loop)."""
    cpu_target: Annotated[int, Field(ge=10, le=95)] = 60
    """Average CPU % to hold (default 60: headroom while new tasks start)."""
    memory_target: Annotated[int, Field(ge=10, le=95)] = 75
    """Average memory % to hold (default 75: headroom before OOM kills)."""
    requests_per_target: Annotated[int, Field(ge=1)] | None = 1000
    """Web only: ALB requests per task per minute to hold (default 1000; null disables)."""
    queue_metric: QueueMetricSettings | None = None
    """Worker only: scale on a queue-depth metric as well as CPU and memory (default none)."""

    @model_validator(mode="after")
    def _bounds(self) -> ScalingSettings:
        if self.max_count < self.min_count:
            raise ValueError(f"max_count ({self.max_count}) must be >= min_count ({self.min_count})")
        return self


class RoutingSettings(ArgsModel):
    """How the load balancer's listener sends requests to a web service."""

    host_headers: list[DnsName] = Field(default_factory=list)
    """Host names routed to the service (default none: any host). Each a DNS name, a wildcard
    only as the whole leftmost label (`*.example.com`): the ALB would match `*`/`?` anywhere, but
    the listener's certificate must cover every host, and a certificate covers no other form;
    the stacks check that the certificate's names cover each host."""
    path_patterns: list[str] = Field(default_factory=lambda: ["/*"])
    """Path patterns routed to the service (default /*: every path)."""
    priority: Annotated[int, Field(ge=1, le=50000)] | None = None
    """Listener-rule priority, unique per listener (default none: `FargateServiceArgs.
    listener_priority`; the stacks number web services by their position in `services`, lower
    first)."""


class FargateServiceSettings(ArgsModel):
    """One Fargate service's tunables: kind web (behind a load balancer) or worker (none). The
    service's name is the component's name."""

    kind: Literal["web", "worker"] = "worker"
    """web: behind the load balancer, with a port; worker: no load balancer, no port (queue
    consumers, schedulers). Default worker: it needs nothing else."""
    image: str | None = None
    """Immutable image reference: a tag other than `latest`, or a digest (default none: then
    `FargateServiceArgs.service_image` gives it)."""
    port: Annotated[int, Field(ge=1024, le=65535)] | None = None
    """Container port (default none; a web service needs one, workers listen on nothing).
    >= 1024 so the container can run as non-root."""
    cpu: int = 256
    """Task CPU units (default 256, the smallest Fargate size); must pair with `memory` in
    Fargate's table."""
    memory: int = 512
    """Task memory in MiB (default 512, the smallest that pairs with 256 CPU)."""
    architecture: Literal["X86_64", "ARM64"] = "X86_64"
    """CPU architecture (default X86_64: every image runs; ARM64 is ~20 % cheaper)."""
    command: list[str] | None = None
    """Container command override (default none: the image's)."""
    environment: dict[str, str] = Field(default_factory=dict)
    """Plain settings (default none; never secrets: the policy pack flags secret-looking
    values)."""
    secrets: dict[str, str] = Field(default_factory=dict)
    """Secrets: env var name -> Secrets Manager ARN (default none; the execution role may read
    only these and the wiring's)."""
    user: Annotated[str, Field(pattern=r"^[1-9]\d*(:\d+)?$")] = "10001:10001"
    """Numeric uid[:gid] the container runs as (default 10001:10001; never 0/root)."""
    scratch_paths: list[Annotated[str, Field(pattern=r"^/\S+$")]] = Field(
        default_factory=lambda: ["/tmp"]
    )
    """Writable paths (default /tmp; the root filesystem is read-only, FSBP ECS.5)."""
    desired_count: Annotated[int, Field(ge=0, le=1000)] | None = None
    """Initial task count (default none: scaling.min_count)."""
    scaling: ScalingSettings = Field(default_factory=ScalingSettings)
    """Autoscaling bounds and targets (defaults: 2 to 10 tasks)."""
    health_check: HealthCheckSettings = Field(default_factory=HealthCheckSettings)
    """Web only: the target-group health check and grace period (default: /health/ready every
    15 s, 300 s grace)."""
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    """Web only: listener-rule match (default: every host and path)."""
    deployment: DeploymentSettings = Field(default_factory=DeploymentSettings)
    """Deployment strategy and CI ownership of images (default ROLLING, Pulumi owns images)."""
    container_health_check: ContainerHealthCheckSettings = Field(
        default_factory=ContainerHealthCheckSettings)
    """The app container's `healthCheck` (default: the kind's command from the image contract,
    every 30 s, 3 retries, 60 s start period; docs/compute.md#image-contract)."""
    tracing: TracingSettings = Field(default_factory=TracingSettings)
    """OpenTelemetry collector sidecar sending traces to X-Ray (default off)."""
    smoke_checks: list[SmokeCheckSettings] = Field(default_factory=list)
    """Web only: requests that prove a revision works, run by the pre-traffic hook (through the
    test listener rule) and by `groundwork verify` (default none: one GET of the health check's
    path expecting its status)."""
    spot: bool = False
    """Run on FARGATE_SPOT (default false: Spot tasks can be reclaimed with two minutes'
    notice; ~70 % cheaper). X86_64 only: Fargate Spot does not run ARM64 tasks."""
    stop_timeout_seconds: Annotated[int, Field(ge=2, le=120)] = 30
    """Seconds between SIGTERM and SIGKILL when a task stops (default 30; Fargate max 120)."""
    deregistration_delay_seconds: Annotated[int, Field(ge=0, le=3600)] = 30
    """Web only: seconds the ALB drains a leaving target (default 30, not AWS's 300, so deploys
    don't wait five minutes per batch; keep it >= your longest request)."""

    @field_validator("environment", "secrets")
    @classmethod
    def _env_names(cls, v: dict[str, str], info: Any) -> dict[str, str]:
        bad = [k for k in v if not ENV_NAME.match(k)]
        if bad:
            raise ValueError(f"{info.field_name}: {', '.join(map(repr, bad))} are not environment "
                             "variable names (letters, digits, _; not starting with a digit)")
        if info.field_name == "secrets":
            wrong = [k for k, arn in v.items() if not SECRET_VALUE_FROM.match(arn)]
            if wrong:
                raise ValueError(
                    f"secrets: {', '.join(wrong)} must be a Secrets Manager ARN "
                    "(arn:aws:secretsmanager:<region>:<account>:secret:<name>[:json-key::]); the "
                    "execution role is granted exactly these ARNs"
                )
        return v

    @field_validator("image")
    @classmethod
    def _image(cls, v: str | None) -> str | None:
        if v is None:
            return v
        _, tag, digest = parse_image(v)
        if not digest and not tag:
            raise ValueError(f"{v!r} has no tag or digest; pin an immutable tag or a digest")
        if tag == "latest" and not digest:
            raise ValueError(f"{v!r} uses the mutable tag 'latest'; pin a version tag or a digest")
        return v

    @model_validator(mode="after")
    def _shape(self) -> FargateServiceSettings:
        problems = self._problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _problems(self) -> list[str]:
        problems = []
        allowed = FARGATE_SIZES.get(self.cpu)
        if allowed is None:
            problems.append(
                f"cpu {self.cpu} is not a Fargate size; use one of "
                f"{', '.join(str(c) for c in FARGATE_SIZES)}"
            )
        elif self.memory not in allowed:
            problems.append(
                f"memory {self.memory} MiB does not pair with cpu {self.cpu}; Fargate allows "
                f"{_ranges(allowed)} MiB"
            )
        if self.kind == "web" and self.port is None:
            problems.append("a web service needs a port")
        if self.kind == "worker" and self.port is not None:
            problems.append("a worker has no port (it sits behind no load balancer)")
        if self.kind == "worker" and self.routing != RoutingSettings():
            problems.append("routing applies to web services only")
        if self.user.split(":")[0] == "0":
            problems.append("user must not be root (uid 0)")
        if self.spot and self.architecture == "ARM64":
            problems.append("Fargate Spot runs X86_64 tasks only; set spot: false for ARM64")
        if self.kind == "worker" and self.deployment.shifts_traffic:
            problems.append(f"deployment.strategy {self.deployment.strategy} needs a load "
                            "balancer; a worker deploys ROLLING")
        if self.kind == "web" and self.scaling.queue_metric is not None:
            problems.append("scaling.queue_metric applies to workers only")
        clash = sorted(set(self.environment) & set(self.secrets))
        if clash:
            problems.append(f"{', '.join(clash)} set in both environment and secrets")
        conditions = len(self.routing.host_headers) + len(self.routing.path_patterns)
        if self.kind == "web" and not 1 <= conditions <= 5:
            problems.append(f"routing has {conditions} host/path values; an ALB rule takes 1 to 5")
        problems += container_problems(self)  # health check and tracing sidecar vs kind/size
        problems += smoke.list_problems(self.kind, self.smoke_checks)  # web only, no repeats
        problems += _hook_problems(self)  # the hook's timeout and environment vs its checks
        if (
            self.desired_count is not None
            and not self.scaling.min_count <= self.desired_count <= self.scaling.max_count
        ):
            problems.append(
                f"desired_count {self.desired_count} is outside scaling "
                f"{self.scaling.min_count}..{self.scaling.max_count}"
            )
        return problems

    @property
    def initial_count(self) -> int:
        """Task count at creation: `desired_count`, else the scaling minimum."""
        return self.desired_count if self.desired_count is not None else self.scaling.min_count


# --------------------------------------------------------------------------------------------
# args
# --------------------------------------------------------------------------------------------


class ServiceWiring(ArgsModel):
    """What a program hands a service besides its settings: settings and secrets of the data
    tier, and the key that decrypts them."""

    environment: Mapping[str, Input[str]] = Field(default_factory=dict)
    """Extra plain settings (DATABASE_HOST...), merged over the settings' `environment`
    (default none)."""
    secrets: Mapping[str, Input[str]] = Field(default_factory=dict)
    """Extra secrets: env var -> valueFrom (`<arn>` or `<arn>:<json-key>::`) (default none)."""
    secret_arns: Sequence[Input[str]] = ()
    """Secret ARNs (without JSON-key suffix) behind `secrets`; the execution role reads exactly
    these plus the settings' own `secrets` (default none)."""
    secrets_key_arn: Input[str] | None = None
    """KMS key the secrets are encrypted with (kms:Decrypt via Secrets Manager only; default
    none: AWS-managed keys need no grant)."""
    rotating_secret_arns: Sequence[Input[str]] = ()
    """Secrets that rotate under running tasks (the cache AUTH token): the task role may re-read
    exactly these, so the app can fetch the new value on an auth error (default none: ECS
    injects secrets only at task start; see docs/data-tier.md)."""

    @classmethod
    def combine(cls, *parts: ServiceWiring | None) -> ServiceWiring:
        """One wiring from several (each store's `connection()`, the program's own): settings,
        secrets and ARNs merged in order. Two parts may not set the same variable, and the
        parts that need a key must need the same one (one `secrets_key_arn`)."""
        environment: dict[str, Input[str]] = {}
        secrets: dict[str, Input[str]] = {}
        arns: list[Input[str]] = []
        rotating: list[Input[str]] = []
        key: Input[str] | None = None
        for part in parts:
            if part is None:
                continue
            for target, values in ((environment, part.environment), (secrets, part.secrets)):
                clash = sorted(set(values) & (set(environment) | set(secrets)))
                if clash:
                    raise ValueError(f"ServiceWiring.combine: {', '.join(clash)} set by two parts; "
                                     "each variable comes from one store")
                target.update(values)
            arns += [a for a in part.secret_arns if not any(_same(a, b) for b in arns)]
            rotating += [a for a in part.rotating_secret_arns
                         if not any(_same(a, b) for b in rotating)]
            if part.secrets_key_arn is not None:
                if key is not None and not _same(key, part.secrets_key_arn):
                    raise ValueError("ServiceWiring.combine: two parts need different "
                                     "secrets_key_arn; one service's secrets share one key")
                key = part.secrets_key_arn
        return cls(environment=environment, secrets=secrets, secret_arns=arns,
                   secrets_key_arn=key, rotating_secret_arns=rotating)


def _same(a: Any, b: Any) -> bool:
    """The same input: one Output object, or equal plain strings."""
    return a is b or (isinstance(a, str) and a == b)


class FargateServiceArgs(ComponentArgs, FargateServiceSettings):
    """Everything `FargateService` takes: its settings plus what it runs in and connects to."""

    cluster: EcsCluster | None = None
    """The `EcsCluster` it runs in (required)."""
    subnet_ids: Input[Sequence[Input[str]]] | None = None
    """Private subnets of the tasks (required, e.g. the compute tier's; no public IP, ECS.2)."""
    security_group_ids: Input[Sequence[Input[str]]] | None = None
    """Security groups of the tasks (required, e.g. `[SecurityGroups.for_service(name).id]`)."""
    logs_key_arn: Input[str] | None = None
    """KMS key of the service's log group (required, e.g. `EnvironmentKeys.logs`)."""
    load_balancer: LoadBalancer | None = None
    """The `LoadBalancer` a web service sits behind (required for kind web, refused for a
    worker)."""
    listener_priority: Annotated[int, Field(ge=1, le=50000)] | None = None
    """The web service's listener-rule priority (default none: `routing.priority`; a web
    service needs one of the two)."""
    wiring: ServiceWiring | None = None
    """Data-tier settings, secrets and their key (default none: only the settings' own)."""
    service_image: ServiceImage | None = None
    """A `ServiceImage` to run (default none: `image`): its built image (over `image`), pull
    rights on its repository, and the task definition waits for its build."""
    log_retention_days: int | None = None
    """Retention of the service's log group (default none: the cluster's
    `log_retention_days`)."""
    deployment_alarm_names: Sequence[str] = ()
    """Alarms that roll a deployment back (default none: the circuit breaker alone rolls back a
    deployment whose tasks fail; naming alarms that nothing creates would leave ECS waiting on
    them). `deployment_alarm_names(service, kind, name_prefix=..., alarms=<EnvironmentAlarms
    name>)` gives the names the alarms watching this service create."""
    test_listener_priority: Annotated[int, Field(ge=1, le=50000)] | None = None
    """BLUE_GREEN/CANARY/LINEAR web service: priority of its test listener rule, below (evaluated
    before) the production rule's (default none; required for those strategies; the stacks give
    1 + the service's position)."""
    test_source_cidrs: Sequence[Input[str]] = ()
    """BLUE_GREEN/CANARY/LINEAR web service: where requests to the test rule may come from, 1 to
    3 CIDRs (ALB's values per condition), e.g. the VPC's, where the hook runs (default none;
    required for those strategies: a header alone would let the internet reach an untested
    revision)."""
    hook_security_group_ids: Input[Sequence[Input[str]]] | None = None
    """Security groups of the pre-traffic hook function (default none; required with
    `deployment.pre_traffic_hook` on a BLUE_GREEN/CANARY/LINEAR web service, e.g.
    `[SecurityGroups.for_hook(name).id]`: 443 (80 with http_only) to the ALB, 443 out)."""
    queue_dimensions: Mapping[str, Input[str]] | None = None
    """Dimensions of `scaling.queue_metric` known only at deploy time (e.g. `{"QueueName":
    queue.name}`), merged over its `dimensions` (default none)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, v: int | None) -> int | None:
        return v if v is None else check_retention(v)


_REQUIRED = {
    "cluster": "the EcsCluster it runs in",
    "subnet_ids": "the tasks' private subnet ids",
    "security_group_ids": "the tasks' security group ids",
    "logs_key_arn": "a KMS key ARN for the service's log group",
}


def secret_resource_arn(value_from: str) -> str:
    """The secret's own ARN from a `valueFrom` (drops `:json-key:version-stage:version-id`)."""
    return ":".join(value_from.split(":")[:7])


def trust_policy(service: str, *, account_id: str | None = None,
                 source_arn: str | None = None) -> str:
    """A role trust policy for an AWS service principal, optionally pinned to this account and
    source ARN pattern (confused-deputy guard)."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service},
                                 "Action": "sts:AssumeRole"}
    condition: dict[str, Any] = {}
    if account_id:
        condition["StringEquals"] = {"aws:SourceAccount": account_id}
    if source_arn:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _read_secrets(secret_arns: Sequence[str], key_arn: str | None, region: str,
                  dns_suffix: str) -> list[dict[str, Any]]:
    """Read exactly these secrets, and decrypt them with their key through Secrets Manager only."""
    statements: list[dict[str, Any]] = [{
        "Sid": "ReadReferencedSecrets",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": sorted(set(secret_arns)),
    }]
    if key_arn:
        statements.append({
            "Sid": "DecryptSecretsViaSecretsManager",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.{dns_suffix}"}},
        })
    return statements


def rotating_secrets_policy(*, secret_arns: Sequence[str], key_arn: str | None, region: str,
                            dns_suffix: str = "amazonaws.com") -> dict[str, Any]:
    """The task role's policy for secrets that rotate while tasks run (pure)."""
    return {"Version": "2012-10-17", "Statement": _read_secrets(secret_arns, key_arn, region, dns_suffix)}


def execution_policy(*, log_group_arn: str, secret_arns: Sequence[str], key_arn: str | None,
                     region: str, repository_arn: str | None,
                     dns_suffix: str = "amazonaws.com") -> dict[str, Any]:
    """The execution role's policy (pure): exactly what ECS needs to start this task."""
    statements: list[dict[str, Any]] = [{
        "Sid": "WriteOwnLogGroup",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [log_group_arn, f"{log_group_arn}:*"],
    }]
    if secret_arns:
        statements += _read_secrets(secret_arns, key_arn, region, dns_suffix)
    if repository_arn:
        statements += [
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken",
             "Resource": "*"},
            {"Sid": "PullOwnRepository", "Effect": "Allow",
             "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchGetImage"],
             "Resource": repository_arn},
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def exec_policy(*, log_group_arn: str, key_arn: str) -> dict[str, Any]:
    """Task-role permissions ECS Exec needs (only when `cluster.execute_command` is on)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ExecChannels", "Effect": "Allow",
         "Action": ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
         "Resource": "*"},
        {"Sid": "ExecSessionLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
         "Resource": [log_group_arn, f"{log_group_arn}:*"]},
        {"Sid": "ExecFindLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups",
         "Resource": "*"},
        {"Sid": "ExecSessionKey", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": key_arn},
    ]}


def _check(name: str, args: FargateServiceArgs) -> None:
    """What the Args can't check alone (connections): before anything is registered."""
    where = f"FargateService {name!r}"
    for key, what in _REQUIRED.items():
        if getattr(args, key) is None:
            raise ValueError(f"{where}: FargateServiceArgs.{key} is required ({what})")
    for key in ("subnet_ids", "security_group_ids"):
        if isinstance(getattr(args, key), str):
            raise TypeError(f"{where}: FargateServiceArgs.{key} must be a list of ids, got a string")
    if args.kind == "web":
        if args.load_balancer is None:
            raise ValueError(f"{where}: FargateServiceArgs.load_balancer is required for a web "
                             "service (the LoadBalancer it sits behind)")
        if args.listener_priority is None and args.routing.priority is None:
            raise ValueError(f"{where}: FargateServiceArgs.listener_priority is required for a web "
                             "service (1-50000, unique on the listener), or set routing.priority")
    elif args.load_balancer is not None or args.listener_priority is not None:
        raise ValueError(f"{where}: FargateServiceArgs.load_balancer and listener_priority are for "
                         "web services; a worker sits behind no load balancer")
    _check_blue_green(where, args)
    if args.image is None and (args.service_image is None or args.service_image.image_uri is None):
        raise ValueError(f"{where}: FargateServiceArgs.image is required (an immutable image "
                         "reference), unless service_image is a ServiceImage that builds one")


def _check_blue_green(where: str, args: FargateServiceArgs) -> None:
    """A BLUE_GREEN/CANARY/LINEAR web service's test rule and hook inputs."""
    shifted = args.kind == "web" and args.deployment.shifts_traffic
    if not shifted:
        for key in ("test_listener_priority", "hook_security_group_ids"):
            if getattr(args, key) is not None:
                raise ValueError(f"{where}: FargateServiceArgs.{key} is for a BLUE_GREEN, CANARY or "
                                 "LINEAR web service (deployment.strategy is "
                                 f"{args.deployment.strategy})")
        if args.test_source_cidrs:
            raise ValueError(f"{where}: FargateServiceArgs.test_source_cidrs is for a BLUE_GREEN, "
                             "CANARY or LINEAR web service")
        return
    strategy = args.deployment.strategy
    priority = args.listener_priority or args.routing.priority
    if args.test_listener_priority is None:
        raise ValueError(f"{where}: FargateServiceArgs.test_listener_priority is required for a "
                         f"{strategy} web service (1-50000, below its listener priority "
                         f"{priority}: the test rule is evaluated first)")
    if priority is not None and args.test_listener_priority >= priority:
        raise ValueError(f"{where}: FargateServiceArgs.test_listener_priority "
                         f"{args.test_listener_priority} must be below the listener priority "
                         f"{priority} (the test rule is evaluated first)")
    if (not args.test_source_cidrs or isinstance(args.test_source_cidrs, str)
            or len(args.test_source_cidrs) > MAX_TEST_SOURCE_CIDRS):
        raise ValueError(f"{where}: FargateServiceArgs.test_source_cidrs is required for a "
                         f"{strategy} web service: 1 to {MAX_TEST_SOURCE_CIDRS} CIDRs the test "
                         "rule admits (where the pre-traffic hook calls from, e.g. the VPC CIDR; "
                         f"an ALB condition takes at most three values), got "
                         f"{len(args.test_source_cidrs)}")
    if not args.deployment.pre_traffic_hook:
        return
    if args.hook_security_group_ids is None or isinstance(args.hook_security_group_ids, str):
        raise ValueError(f"{where}: FargateServiceArgs.hook_security_group_ids is required with "
                         "deployment.pre_traffic_hook (a list of ids: the hook function's groups, "
                         "e.g. [SecurityGroups.for_hook(name).id]); or set "
                         "deployment.pre_traffic_hook: false")
    lb = args.load_balancer
    if lb is not None and _hook_host(args, lb) is None:
        raise ValueError(f"{where}: the pre-traffic hook needs a host name to send and verify TLS "
                         "against: set routing.host_headers, or give the load balancer a "
                         "certificate domain (its certificate.arn names none)")


def _hook_problems(settings: FargateServiceSettings) -> list[str]:
    """What the settings alone say against the pre-traffic hook (a web service that runs it):
    its timeout must cover the smoke checks' worst case, and the checks must fit the hook's
    CHECKS variable (Lambda's 4 KB of environment). In the settings' validation, so a stack
    config names `groundwork:services[<name>]` before any resource exists."""
    if settings.kind != "web" or not settings.deployment.runs_hook:
        return []
    checks = smoke.effective_checks(settings)
    problems = [p for p in [hook_timeout_problem(settings.deployment, checks)] if p]
    try:
        smoke.hook_environment_checks(checks)
    except ValueError as exc:
        problems.append(str(exc))
    return problems


def _hook_host(args: FargateServiceArgs, lb: LoadBalancer) -> Input[str] | None:
    """The host the hook sends: the routed host, the certificate's domain, or (http_only,
    neither known) the ALB's DNS name; None when TLS has no name to verify."""
    cert = lb.args.certificate
    host = hook_host(args.routing.host_headers, cert.names if cert is not None else [])
    if host is None and lb.args.http_only:
        return lb.dns_name
    return host


def _queue_dimensions(name: str, args: FargateServiceArgs) -> dict[str, Input[str]] | None:
    """The queue metric's dimensions: the settings', overridden key by key by
    `args.queue_dimensions`; None when the service scales on no queue."""
    queue, override = args.scaling.queue_metric, args.queue_dimensions
    if queue is None:
        if override:
            raise ValueError(f"FargateService {name!r}: FargateServiceArgs.queue_dimensions given, "
                             "but there is no scaling.queue_metric to apply them to")
        return None
    dims: dict[str, Input[str]] = {**queue.dimensions, **(override or {})}
    if not dims:
        raise ValueError(f"FargateService {name!r}: scaling.queue_metric has no dimensions; set "
                         "them there or pass FargateServiceArgs.queue_dimensions (e.g. "
                         "{'QueueName': queue.name})")
    return dims


class FargateService(pulumi.ComponentResource):
    """One Fargate service with its task definition, roles, log group, (web) target group and
    listener rule, and autoscaling. Its name is the service's name (container name, names).

    `FargateService(name, FargateServiceArgs(...), opts)`. Outputs: `args` (the Args: `kind`,
    `scaling`, `health_check`... as given), `service` (aws.ecs.Service), `service_name`,
    `cluster_name`, `task_definition`, `log_group_name`, `execution_role`, `task_role`,
    `target_group` (web), `target_group_arn_suffix` (web, else None), `alternate_target_group`
    (BLUE_GREEN/CANARY/LINEAR), `service_arn` (what `DeployNoticesArgs.service_arns` takes),
    `test_rule` (the test listener rule, BLUE_GREEN/CANARY/LINEAR, else None),
    `hook_function` (the pre-traffic hook's Lambda, None without one), `blue_green` (the
    deployment's roles and hook: `BlueGreen`), `alarm_names` (the deployment alarms it rolls
    back on),
    `queue_dimensions` (the queue metric's dimensions as scaled on, None without
    `scaling.queue_metric`).
    """

    def __init__(self, name: str, args: FargateServiceArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else FargateServiceArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("FargateService", name, args)
        _check(name, args)
        if args.kind == "web" and args.deployment.shifts_traffic:
            problem = blue_green_name_problem(blue_green_names(naming))
            if problem:
                raise ValueError(f"FargateService {name!r}: {problem}")
        queue_dimensions = _queue_dimensions(name, args)
        cluster, subnet_ids = args.cluster, args.subnet_ids
        assert cluster is not None and subnet_ids is not None  # _check
        super().__init__("groundwork:compute:FargateService", name, None, opts)
        self.args = args
        self.queue_dimensions = queue_dimensions
        self._name = name
        self._naming = naming
        self._describe = f"{args.name_prefix or default_prefix()} {name}"
        account = account_for(args.account, self)
        wiring = args.wiring or ServiceWiring()
        physical = naming.name()
        built = args.service_image
        image: Input[str] | None = args.image
        image_repository_arn: Input[str] | None = None
        image_depends_on: list[pulumi.Resource] = []
        if built is not None:
            image = built.image_uri if built.image_uri is not None else args.image
            image_repository_arn = built.repository_arn
            image_depends_on = [built.build] if built.build is not None else []
        elif args.image:
            image_repository_arn = ecr_repository_arn(args.image, account.partition)
        execute_command = cluster.args.execute_command

        # -- logs ---------------------------------------------------------------------------
        log_group_name = f"/ecs/{physical}"
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name,
            kms_key_id=args.logs_key_arn,
            retention_in_days=args.log_retention_days or cluster.args.log_retention_days,
            tags=naming.tagged(log_group_name, Component="service", Service=name),
            opts=child_opts(self),
        )
        self.log_group_name: pulumi.Output[str] = self.log_group.name

        # -- roles --------------------------------------------------------------------------
        secrets: dict[str, Input[str]] = {**args.secrets, **wiring.secrets}
        secret_arns: list[Input[str]] = [
            *(secret_resource_arn(v) for v in args.secrets.values()), *wiring.secret_arns]
        source_arn = pulumi.Output.from_input(account.account_id).apply(
            lambda a: f"arn:{account.partition}:ecs:{account.region}:{a}:*")
        tasks_trust = pulumi.Output.all(account.account_id, source_arn).apply(
            lambda a: trust_policy(account.service_principal("ecs-tasks"), account_id=a[0],
                                   source_arn=a[1]))
        self.execution_role = self._role("execution", tasks_trust)
        self.task_role = self._role("task", tasks_trust)
        policy_doc = pulumi.Output.all(
            self.log_group.arn, pulumi.Output.all(*secret_arns), wiring.secrets_key_arn,
            image_repository_arn,
        ).apply(lambda a: json.dumps(execution_policy(
            log_group_arn=a[0], secret_arns=a[1], key_arn=a[2], region=account.region,
            repository_arn=a[3], dns_suffix=account.dns_suffix)))
        aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=self.execution_role.id,
            policy=policy_doc,
            opts=child_opts(self),
        )
        if wiring.rotating_secret_arns:
            aws.iam.RolePolicy(
                f"{name}-task-secrets-policy",
                role=self.task_role.id,
                policy=pulumi.Output.all(pulumi.Output.all(*wiring.rotating_secret_arns),
                                         wiring.secrets_key_arn).apply(
                    lambda a: json.dumps(rotating_secrets_policy(
                        secret_arns=a[0], key_arn=a[1], region=account.region,
                        dns_suffix=account.dns_suffix))),
                opts=child_opts(self),
            )
        if args.tracing.enabled:
            # The collector sidecar writes traces and proxies sampling with the task role.
            aws.iam.RolePolicy(
                f"{name}-task-tracing-policy",
                role=self.task_role.id,
                policy=json.dumps(tracing_policy()),
                opts=child_opts(self),
            )
        if execute_command and cluster.exec_log_group is not None:
            aws.iam.RolePolicy(
                f"{name}-task-exec-policy",
                role=self.task_role.id,
                policy=pulumi.Output.all(cluster.exec_log_group.arn, cluster.exec_key_arn).apply(
                    lambda a: json.dumps(exec_policy(log_group_arn=a[0], key_arn=a[1]))),
                opts=child_opts(self),
            )

        # -- task definition ----------------------------------------------------------------
        environment = {**args.environment, **wiring.environment}
        writable = writable_paths(args, execute_command=execute_command)
        containers = pulumi.Output.all(
            image, self.log_group.name, pulumi.Output.from_input(environment),
            pulumi.Output.from_input(secrets),
        ).apply(lambda a: json.dumps(container_definitions(
            args, name=name, image=a[0], log_group=a[1], region=account.region,
            environment=a[2], secrets=a[3], writable_paths=writable, port=args.port,
            service_name=physical)))
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=physical,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.cpu),
            memory=str(args.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=args.architecture),
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            container_definitions=containers,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=volume_name(i))
                     for i in range(len(writable))],
            # A replaced revision stays ACTIVE: `groundwork rollback` (and ECS's own rollback)
            # can only return a service to an ACTIVE revision (docs/operations.md#roll-back-a-bad-deploy).
            skip_destroy=True,
            tags=naming.tagged(physical, Component="service", Service=name),
            opts=child_opts(self, depends_on=image_depends_on),
        )

        # -- load balancer (web) ------------------------------------------------------------
        self.route: Route | None = None
        self.blue_green: BlueGreen | None = None
        self.target_group: aws.lb.TargetGroup | None = None
        self.alternate_target_group: aws.lb.TargetGroup | None = None
        self.target_group_arn_suffix: pulumi.Output[str] | None = None
        self.test_rule: aws.lb.ListenerRule | None = None
        self.hook_function: aws.lambda_.Function | None = None
        load_balancers = None
        depends_on: list[pulumi.Resource] = [cluster.capacity_providers]
        strategy = args.deployment.strategy
        load_balancer = args.load_balancer
        if args.kind == "web" and load_balancer is not None:
            hc = args.health_check
            priority = args.listener_priority or args.routing.priority
            assert priority is not None  # _check
            self.route = load_balancer.add_route(
                name,
                port=int(args.port or 0),
                priority=priority,
                host_headers=args.routing.host_headers,
                path_patterns=args.routing.path_patterns,
                health_check=aws.lb.TargetGroupHealthCheckArgs(
                    enabled=True, path=hc.path, matcher=hc.matcher, protocol="HTTP",
                    port="traffic-port", interval=hc.interval_seconds,
                    timeout=hc.timeout_seconds, healthy_threshold=hc.healthy_threshold,
                    unhealthy_threshold=hc.unhealthy_threshold),
                deregistration_delay=args.deregistration_delay_seconds,
                alternate=args.deployment.shifts_traffic,
                name_prefix=naming.prefix,
                # None and () for ROLLING (`_check_blue_green` refuses them there)
                test_priority=args.test_listener_priority,
                test_header_value=name,
                test_source_cidrs=args.test_source_cidrs,
            )
            self.target_group = self.route.target_group
            self.alternate_target_group = self.route.alternate_target_group
            self.target_group_arn_suffix = self.target_group.arn_suffix
            advanced = None
            if self.alternate_target_group is not None:
                test_rule = self.route.test_rule
                assert test_rule is not None  # _check_blue_green: a test priority and CIDRs
                self.blue_green = BlueGreen(
                    self, name, naming=naming, describe=self._describe, account=account,
                    settings=args.deployment,
                    rule_arns=[self.route.rule.arn, test_rule.arn],
                    target_group_arns=[self.target_group.arn, self.alternate_target_group.arn],
                    hook=self._hook_wiring(load_balancer, cluster) if args.deployment.runs_hook
                    else None)
                self.test_rule, self.hook_function = test_rule, self.blue_green.hook_function
                advanced = aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
                    alternate_target_group_arn=self.alternate_target_group.arn,
                    production_listener_rule=self.route.rule.arn,
                    test_listener_rule=test_rule.arn,
                    role_arn=self.blue_green.infrastructure_role.arn,
                )
                # The roles' policies outlive the service on delete (else it stays DRAINING).
                depends_on += [*self.blue_green.depends_on, test_rule]
            load_balancers = [aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=self.target_group.arn,
                container_name=name,
                container_port=int(args.port or 0),
                advanced_configuration=advanced,
            )]
            depends_on.append(self.route.rule)

        # -- service ------------------------------------------------------------------------
        # Alarm-based rollback names alarms EnvironmentAlarms creates later (the caller knows
        # which: docs/compute.md); none given, none named.
        self.alarm_names: list[str] = list(args.deployment_alarm_names)
        deployment = aws.ecs.ServiceDeploymentConfigurationArgs(strategy=strategy)
        if self.blue_green is not None:
            deployment = self.blue_green.deployment_configuration()
        ignore = ["desiredCount"]
        if args.deployment.ci_owns_image:
            ignore.append("taskDefinition")
        self.service = aws.ecs.Service(
            f"{name}-service",
            name=physical,
            cluster=cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=args.initial_count,
            capacity_provider_strategies=[aws.ecs.ServiceCapacityProviderStrategyArgs(
                capacity_provider="FARGATE_SPOT" if args.spot else "FARGATE", weight=1)],
            platform_version="LATEST",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=subnet_ids,
                security_groups=args.security_group_ids,
                assign_public_ip=False,
            ),
            load_balancers=load_balancers,
            health_check_grace_period_seconds=(
                args.health_check.grace_period_seconds if args.kind == "web" else None),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True),
            alarms=aws.ecs.ServiceAlarmsArgs(
                alarm_names=self.alarm_names, enable=True, rollback=True) if self.alarm_names else None,
            deployment_configuration=deployment,
            availability_zone_rebalancing="ENABLED",
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            enable_execute_command=execute_command,
            wait_for_steady_state=args.deployment.wait_for_steady_state,
            tags=naming.tagged(physical, Component="service", Service=name, Kind=args.kind),
            opts=child_opts(self, depends_on=depends_on, ignore_changes=ignore),
        )
        self.service_name: pulumi.Output[str] = self.service.name
        self.service_arn: pulumi.Output[str] = self.service.arn
        self.cluster_name: pulumi.Output[str] = cluster.name

        self._autoscaling(load_balancer)
        self.register_outputs({"service_name": self.service_name,
                               "log_group_name": self.log_group_name})

    # ---------------------------------------------------------------------------------------

    def _role(self, purpose: str, trust: Input[str]) -> aws.iam.Role:
        physical = self._naming.name(purpose, max_length=64)
        return aws.iam.Role(
            f"{self._name}-{purpose}-role",
            name=physical,
            description=f"{self._describe}: ECS {purpose} role",
            assume_role_policy=trust,
            tags=self._naming.tagged(physical, Component="service", Service=self._name),
            opts=child_opts(self),
        )

    def _hook_wiring(self, load_balancer: LoadBalancer, cluster: EcsCluster) -> HookWiring:
        """What the pre-traffic hook runs with: the service's subnets, its own groups, the
        service's log key and retention, and the environment deploy_hook.py reads."""
        args = self.args
        host = _hook_host(args, load_balancer)
        assert host is not None  # _check_blue_green
        checks = smoke.hook_environment_checks(smoke.effective_checks(args))
        environment = pulumi.Output.all(host, load_balancer.arn_suffix).apply(
            lambda a: hook_environment(checks_json=checks, http_only=load_balancer.args.http_only,
                                       host=a[0], service=self._name, load_balancer=a[1]))
        return HookWiring(
            subnet_ids=args.subnet_ids, security_group_ids=args.hook_security_group_ids,
            logs_key_arn=args.logs_key_arn,
            log_retention_days=args.log_retention_days or cluster.args.log_retention_days,
            environment=environment)

    def _autoscaling(self, load_balancer: LoadBalancer | None) -> None:
        args, name = self.args, self._name
        scaling = args.scaling
        self.scaling_target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", self.cluster_name, "/", self.service_name),
            min_capacity=scaling.min_count,
            max_capacity=scaling.max_count,
            tags=self._naming.tagged(self._naming.name("scaling"), Component="service",
                                     Service=name),
            opts=child_opts(self),
        )
        # key -> (target, the metric: {predefined_|customized_metric_specification: ...})
        policies: dict[str, tuple[float, dict[str, Any]]] = {
            "cpu": (scaling.cpu_target, _predefined("ECSServiceAverageCPUUtilization")),
            "memory": (scaling.memory_target, _predefined("ECSServiceAverageMemoryUtilization")),
        }
        if (args.kind == "web" and scaling.requests_per_target and load_balancer is not None
                and self.target_group is not None):
            if self.alternate_target_group is None:
                label = pulumi.Output.concat(load_balancer.arn_suffix, "/",
                                             self.target_group.arn_suffix)
                policies["requests"] = (scaling.requests_per_target,
                                        _predefined("ALBRequestCountPerTarget", label))
            else:
                # Blue/green: traffic moves between the two groups; count both.
                policies["requests"] = (scaling.requests_per_target, {
                    "customized_metric_specification": self._requests_per_target(load_balancer)})
        if args.kind == "worker" and scaling.queue_metric is not None:
            policies["queue"] = (scaling.queue_metric.target_per_task,
                                 {"customized_metric_specification": self._backlog_per_task()})
        self.scaling_policies: dict[str, aws.appautoscaling.Policy] = {}
        for key, (target, spec) in policies.items():
            self.scaling_policies[key] = aws.appautoscaling.Policy(
                f"{name}-scale-{key}",
                name=self._naming.name("scale", key),
                policy_type="TargetTrackingScaling",
                service_namespace=self.scaling_target.service_namespace,
                scalable_dimension=self.scaling_target.scalable_dimension,
                resource_id=self.scaling_target.resource_id,
                target_tracking_scaling_policy_configuration=aws.appautoscaling
                .PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=float(target),
                    scale_in_cooldown=SCALE_IN_COOLDOWN,
                    scale_out_cooldown=SCALE_OUT_COOLDOWN,
                    **spec,
                ),
                opts=child_opts(self),
            )

    def _requests_per_target(self, load_balancer: LoadBalancer) -> Any:
        """ALB requests per healthy target over both target groups (`REQUESTS_PER_TARGET`)."""
        assert self.target_group is not None and self.alternate_target_group is not None
        spec, metric, stat, inner, dim = _customized()

        def alb(id_: str, label: str, name: str, statistic: str, group: Any) -> Any:
            return metric(id=id_, label=label, return_data=False, metric_stat=stat(
                stat=statistic, metric=inner(
                    namespace="AWS/ApplicationELB", metric_name=name,
                    dimensions=[dim(name="LoadBalancer", value=load_balancer.arn_suffix),
                                dim(name="TargetGroup", value=group.arn_suffix)])))

        blue, green = self.target_group, self.alternate_target_group
        return spec(metrics=[
            alb("blue", "requests, target group", "RequestCount", "Sum", blue),
            alb("green", "requests, alternate target group", "RequestCount", "Sum", green),
            alb("blue_hosts", "healthy targets, target group", "HealthyHostCount", "Average",
                blue),
            alb("green_hosts", "healthy targets, alternate target group", "HealthyHostCount",
                "Average", green),
            metric(id="per_target", label="requests per healthy target", return_data=True,
                   expression=REQUESTS_PER_TARGET),
        ])

    def _backlog_per_task(self) -> Any:
        """Queue depth divided by running tasks (AWS's 'backlog per task' pattern)."""
        q = self.args.scaling.queue_metric
        assert q is not None and self.queue_dimensions is not None
        spec, metric, stat, inner, dim = _customized()
        return spec(metrics=[
            metric(id="backlog", label="queue depth", return_data=False, metric_stat=stat(
                stat="Sum", metric=inner(namespace=q.namespace, metric_name=q.metric_name,
                                         dimensions=[dim(name=k, value=v) for k, v
                                                     in sorted(self.queue_dimensions.items())]))),
            metric(id="tasks", label="running tasks", return_data=False, metric_stat=stat(
                stat="Average", metric=inner(
                    namespace="ECS/ContainerInsights", metric_name="RunningTaskCount",
                    dimensions=[dim(name="ClusterName", value=self.cluster_name),
                                dim(name="ServiceName", value=self.service_name)]))),
            metric(id="per_task", label="backlog per task", return_data=True,
                   expression="backlog / tasks"),
        ])


def _customized() -> tuple[Any, Any, Any, Any, Any]:
    """The customized-metric argument classes: (spec, metric, stat, inner metric, dimension)."""
    m = aws.appautoscaling
    spec = "PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecification"
    return (getattr(m, f"{spec}Args"), getattr(m, f"{spec}MetricArgs"),
            getattr(m, f"{spec}MetricMetricStatArgs"), getattr(m, f"{spec}MetricMetricStatMetricArgs"),
            getattr(m, f"{spec}MetricMetricStatMetricDimensionArgs"))


REQUESTS_PER_TARGET = ("(FILL(blue, 0) + FILL(green, 0)) / "
                       "(FILL(blue_hosts, 0) + FILL(green_hosts, 0))")
"""Blue/green requests per target: both target groups' requests over both groups' healthy
targets, each FILLed with 0 (a group that serves nothing has no datapoints). Outside a
deployment one group serves and this equals ALBRequestCountPerTarget of that group; during one,
Application Auto Scaling suspends scale-in anyway (docs/compute.md#autoscaling)."""


def _predefined(kind: str, label: Input[str] | None = None) -> dict[str, Any]:
    return {"predefined_metric_specification": aws.appautoscaling
            .PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                predefined_metric_type=kind, resource_label=label)}
