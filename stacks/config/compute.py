"""Compute: the `cluster`, `load_balancer` and `services` sections, Fargate's task sizes and
image-reference parsing."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from groundwork.stacks.config._base import _check_retention, _Strict


class ClusterConfig(_Strict):
    """The ECS cluster."""

    container_insights: Literal["enhanced", "enabled"] = "enhanced"
    """Container Insights level (default enhanced: per-task metrics; FSBP ECS.12)."""
    execute_command: bool = False
    """Allow ECS Exec into tasks (default off; when on, its session logs are KMS-encrypted)."""
    log_retention_days: int = 365
    """Retention of service log groups (default 365 days in prod, 14 in dev)."""

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        return _check_retention(v)


class CertificateConfig(_Strict):
    """Either an existing ACM certificate, or a domain whose certificate the stack requests and
    validates by DNS in a Route 53 zone."""

    arn: Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/.+$")] | None = None
    """ARN of an issued ACM certificate in the stack's region."""
    domain: str | None = None
    """Domain to request a certificate for (with `zone_id`)."""
    zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,31}$")] | None = None
    """Route 53 hosted zone that validates `domain`."""

    @model_validator(mode="after")
    def _one(self) -> CertificateConfig:
        if self.arn and (self.domain or self.zone_id):
            raise ValueError("set either arn, or domain and zone_id, not both")
        if not self.arn and not (self.domain and self.zone_id):
            raise ValueError("set arn, or both domain and zone_id")
        return self


class LoadBalancerConfig(_Strict):
    """The one ALB every web service shares (listener rules by host and path)."""

    certificate: CertificateConfig | None = None
    """TLS certificate. Required unless `http_only` is true."""
    http_only: bool = False
    """Dev-only escape hatch: serve plain HTTP without a certificate (flagged by the policy
    pack, refused in prod)."""
    ssl_policy: Literal[
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    ] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    """TLS policy (default TLS 1.3 + 1.2, FSBP ELB.17)."""
    deletion_protection: bool = True
    """ALB deletion protection (default true in prod, false in dev)."""
    desync_mitigation_mode: Literal["defensive", "strictest"] = "defensive"
    """HTTP desync mitigation (default defensive, FSBP ELB.12)."""
    idle_timeout_seconds: Annotated[int, Field(ge=1, le=4000)] = 60
    """Connection idle timeout (default 60 s)."""
    access_log_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    """Days before access-log objects expire (default 90 in prod, 14 in dev)."""
    waf_acl_arn: str | None = None
    """WAFv2 web ACL to associate (default none)."""

    @model_validator(mode="after")
    def _tls(self) -> LoadBalancerConfig:
        if not self.http_only and self.certificate is None:
            raise ValueError(
                "certificate is required (arn, or domain + zone_id); "
                "set http_only: true only for a throwaway dev stack"
            )
        return self


# Fargate's fixed CPU/memory pairs (MiB), from AWS's task-size table.
def _fargate_pairs() -> dict[int, tuple[int, ...]]:
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


class HealthCheckConfig(_Strict):
    """Target-group health check of a web service."""

    path: Annotated[str, Field(pattern=r"^/\S*$")] = "/health/ready"
    """Path the ALB probes (default /health/ready: traffic-ready, not just alive; seed 001)."""
    matcher: Annotated[str, Field(pattern=r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")] = "200"
    """HTTP codes that mean healthy (default 200)."""
    interval_seconds: Annotated[int, Field(ge=5, le=300)] = 15
    """Probe interval (default 15 s)."""
    timeout_seconds: Annotated[int, Field(ge=2, le=120)] = 5
    """Probe timeout (default 5 s)."""
    healthy_threshold: Annotated[int, Field(ge=2, le=10)] = 2
    """Successes before a target is healthy (default 2)."""
    unhealthy_threshold: Annotated[int, Field(ge=2, le=10)] = 3
    """Failures before a target is unhealthy (default 3)."""
    grace_period_seconds: Annotated[int, Field(ge=0, le=2147483647)] = 300
    """ECS ignores failing health checks this long after a task starts (default 300 s, seed 000)."""

    @model_validator(mode="after")
    def _timeout(self) -> HealthCheckConfig:
        if self.timeout_seconds >= self.interval_seconds:
            raise ValueError("timeout_seconds must be less than interval_seconds")
        return self


class ScalingConfig(_Strict):
    """Target-tracking autoscaling of a service's task count."""

    min_count: Annotated[int, Field(ge=0, le=1000)] = 2
    """Fewest tasks (default 2 in prod: one per AZ survives an AZ loss; 1 in dev)."""
    max_count: Annotated[int, Field(ge=1, le=1000)] = 10
    """Most tasks (default 10 in prod, 2 in dev)."""
    cpu_target: Annotated[int, Field(ge=10, le=95)] = 60
    """Average CPU % to hold (default 60)."""
    memory_target: Annotated[int, Field(ge=10, le=95)] = 75
    """Average memory % to hold (default 75)."""
    requests_per_target: Annotated[int, Field(ge=1)] | None = 1000
    """Web only: ALB requests per task per minute to hold (default 1000; null disables)."""
    queue_metric: QueueMetricConfig | None = None
    """Worker only: scale on a queue-depth metric instead of CPU alone (default none)."""

    @model_validator(mode="after")
    def _bounds(self) -> ScalingConfig:
        if self.max_count < self.min_count:
            raise ValueError(f"max_count ({self.max_count}) must be >= min_count ({self.min_count})")
        return self


class QueueMetricConfig(_Strict):
    """A CloudWatch metric that measures a worker's backlog (e.g. SQS ApproximateNumberOfMessagesVisible)."""

    namespace: str = "AWS/SQS"
    """Metric namespace (default AWS/SQS)."""
    metric_name: str = "ApproximateNumberOfMessagesVisible"
    """Metric name (default ApproximateNumberOfMessagesVisible)."""
    dimensions: dict[str, str] = Field(default_factory=dict)
    """Metric dimensions, e.g. {QueueName: jobs}. Required in stack config; a program using
    `FargateService` directly may instead pass `queue_dimensions` (Outputs allowed)."""
    target_per_task: Annotated[float, Field(gt=0)] = 100
    """Backlog each task should hold (default 100)."""
    alarm_threshold: Annotated[float, Field(gt=0)] = 1000
    """QueueBacklog alarm threshold (default 1000, seed 003)."""


ScalingConfig.model_rebuild()


class RoutingConfig(_Strict):
    """How the shared ALB's HTTPS listener sends requests to a web service."""

    host_headers: list[str] = Field(default_factory=list)
    """Host names routed to the service (default: any host)."""
    path_patterns: list[str] = Field(default_factory=lambda: ["/*"])
    """Path patterns routed to the service (default /*)."""
    priority: Annotated[int, Field(ge=1, le=50000)] | None = None
    """Listener-rule priority (default: by position in `services`, lower first)."""


class ImageBuildConfig(_Strict):
    """Build the image from a Dockerfile during `pulumi up` (awsx.ecr.Image, needs Docker)."""

    context: str = "."
    """Docker build context, relative to the project (default .)."""
    dockerfile: str = "Dockerfile"
    """Dockerfile path inside the context (default Dockerfile)."""


class DeploymentConfig(_Strict):
    """How ECS replaces tasks."""

    strategy: Literal["ROLLING", "BLUE_GREEN", "CANARY"] = "ROLLING"
    """Deployment strategy (default ROLLING with circuit breaker and alarm rollback)."""
    bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 10
    """BLUE_GREEN/CANARY: minutes the new revision serves before the old one goes (default 10)."""
    canary_percent: Annotated[float, Field(gt=0, lt=100)] = 10.0
    """CANARY: share of traffic the canary gets first (default 10 %)."""
    canary_bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 5
    """CANARY: minutes the canary share is held before all traffic shifts (default 5)."""
    ci_owns_image: bool = False
    """Let CI roll images (`aws ecs update-service`): Pulumi ignores task-definition drift on
    the service (default false). Desired-count drift is always ignored: autoscaling owns it."""
    wait_for_steady_state: bool = True
    """`pulumi up` waits until the deployment is steady, so a circuit-breaker rollback fails the
    update instead of passing silently (default true)."""


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


SERVICE_NAME = r"^[a-z][a-z0-9-]{0,27}[a-z0-9]$|^[a-z]$"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_VALUE_FROM = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+"
    r"(:[^:]*:[^:]*:[^:]*)?$"
)
"""A Secrets Manager ARN, optionally with ECS's `:json-key:version-stage:version-id` suffix."""
DATABASE_VARS = ("DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER",
                 "DATABASE_PASSWORD")
"""What the stack wires into a service with use_database (the last two as secrets)."""
CACHE_VARS = ("CACHE_HOST", "CACHE_PORT", "CACHE_TLS", "CACHE_AUTH_TOKEN")
"""What the stack wires into a service with use_cache (the token as a secret)."""


class ServiceConfig(_Strict):
    """One Fargate service: kind web (behind the shared ALB) or worker (no load balancer)."""

    name: Annotated[str, Field(pattern=SERVICE_NAME)]
    """Service name, lowercase letters, digits and hyphens, <= 29 characters."""
    kind: Literal["web", "worker"]
    """web: behind the ALB; worker: no load balancer (queue consumers, schedulers)."""
    image: str | None = None
    """Immutable image reference: a tag other than `latest`, or a digest. Required unless
    `build` is set."""
    build: ImageBuildConfig | None = None
    """Build the image from a Dockerfile into a private ECR repository instead of `image`."""
    port: Annotated[int, Field(ge=1024, le=65535)] | None = None
    """Container port (web: required, default none; workers listen on nothing). >= 1024 so the
    container can run as non-root."""
    cpu: int = 256
    """Task CPU units (default 256); must pair with `memory` in Fargate's table."""
    memory: int = 512
    """Task memory in MiB (default 512)."""
    architecture: Literal["X86_64", "ARM64"] = "X86_64"
    """CPU architecture (default X86_64, as seed 000 pins; ARM64 is ~20 % cheaper)."""
    command: list[str] | None = None
    """Container command override (default: the image's)."""
    environment: dict[str, str] = Field(default_factory=dict)
    """Plain settings (never secrets: the policy pack flags secret-looking values)."""
    secrets: dict[str, str] = Field(default_factory=dict)
    """Extra secrets: env var name -> Secrets Manager ARN (the execution role may read only these
    and the database/cache secrets)."""
    user: Annotated[str, Field(pattern=r"^[1-9]\d*(:\d+)?$")] = "10001:10001"
    """Numeric uid[:gid] the container runs as (default 10001:10001; never 0/root)."""
    scratch_paths: list[Annotated[str, Field(pattern=r"^/\S+$")]] = Field(
        default_factory=lambda: ["/tmp"]
    )
    """Writable paths (the root filesystem is read-only; default /tmp)."""
    use_database: bool = True
    """Wire the database: security-group rule and DATABASE_* env/secrets (default true)."""
    use_cache: bool = True
    """Wire the cache: security-group rule and CACHE_* env/secrets (default true)."""
    desired_count: Annotated[int, Field(ge=0, le=1000)] | None = None
    """Initial task count (default: scaling.min_count)."""
    scaling: ScalingConfig = Field(default_factory=ScalingConfig)
    """Autoscaling bounds and targets."""
    health_check: HealthCheckConfig = Field(default_factory=HealthCheckConfig)
    """Web only: the target-group health check and grace period."""
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    """Web only: listener-rule match."""
    deployment: DeploymentConfig = Field(default_factory=DeploymentConfig)
    """Deployment strategy and CI ownership of images."""
    spot: bool = False
    """Run on FARGATE_SPOT (default false in prod, true in dev: ~70 % cheaper, may be
    interrupted). X86_64 only: Fargate Spot does not run ARM64 tasks."""
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
    def _shape(self) -> ServiceConfig:
        problems = []
        if (self.image is None) == (self.build is None):
            problems.append("set exactly one of image or build")
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
        if self.kind == "worker" and "routing" in self.model_fields_set:
            problems.append("routing applies to web services only")
        if self.user.split(":")[0] == "0":
            problems.append("user must not be root (uid 0)")
        if self.spot and self.architecture == "ARM64":
            problems.append("Fargate Spot runs X86_64 tasks only; set spot: false for ARM64 "
                            "(dev turns spot on by default)")
        if self.kind == "worker" and self.deployment.strategy != "ROLLING":
            problems.append(f"deployment.strategy {self.deployment.strategy} needs a load "
                            "balancer; a worker deploys ROLLING")
        if self.kind == "web" and self.scaling.queue_metric is not None:
            problems.append("scaling.queue_metric applies to workers only")
        clash = sorted(set(self.environment) & set(self.secrets))
        if clash:
            problems.append(f"{', '.join(clash)} set in both environment and secrets")
        wired = [n for n in (*(DATABASE_VARS if self.use_database else ()),
                             *(CACHE_VARS if self.use_cache else ()))
                 if n in self.environment or n in self.secrets]
        if wired:
            problems.append(f"{', '.join(wired)} are wired by the stack (use_database/use_cache); "
                            "don't set them yourself")
        conditions = len(self.routing.host_headers) + len(self.routing.path_patterns)
        if self.kind == "web" and not 1 <= conditions <= 5:
            problems.append(f"routing has {conditions} host/path values; an ALB rule takes 1 to 5")
        if (
            self.desired_count is not None
            and not self.scaling.min_count <= self.desired_count <= self.scaling.max_count
        ):
            problems.append(
                f"desired_count {self.desired_count} is outside scaling "
                f"{self.scaling.min_count}..{self.scaling.max_count}"
            )
        if problems:
            raise ValueError(f"service '{self.name}': " + "; ".join(problems))
        return self

    @property
    def initial_count(self) -> int:
        """Task count at creation: `desired_count`, else the scaling minimum."""
        return self.desired_count if self.desired_count is not None else self.scaling.min_count


def _ranges(values: tuple[int, ...]) -> str:
    if len(values) <= 3:
        return ", ".join(str(v) for v in values)
    step = values[1] - values[0]
    return f"{values[0]}-{values[-1]} in steps of {step}"


def _default_services() -> list[ServiceConfig]:
    return []
