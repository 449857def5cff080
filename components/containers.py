"""The containers of a `FargateService`'s task definition (pure: ECS's camelCase JSON).

The app container (FSBP ECS.4/5/8/9/20): numeric non-root `user`, `readonlyRootFilesystem`,
a writable task volume per scratch path, not privileged, tini as PID 1, `stopTimeout`, awslogs
to the service's log group, plain settings in `environment`, secrets only as `valueFrom` ARNs.

Every container gets a `healthCheck` (`ContainerHealthCheckSettings`, a default per kind:
docs/compute.md#image-contract), and an optional AWS Distro for OpenTelemetry collector sidecar
sends traces to X-Ray (`TracingSettings`).

Health checks (docs/compute.md#health-checks): every container's `healthCheck` writes all of
command/interval/timeout/retries/startPeriod, since AWS fills omitted ones in and the provider
then sees a changed `container_definitions` (a new revision) on every up (pulumi-aws#847). The
defaults per kind are the image contract (docs/compute.md#image-contract): a web app answers
`GET /health` on its port (curl in the image), a worker touches a heartbeat file under its first
scratch path (find in the image).

The collector sidecar (docs/compute.md#tracing): `aws-otel-collector`, essential false (tracing
never takes the app down), restarted in place when it exits, the app `dependsOn` it with
condition START, read-only root, the image's non-root uid, awslogs to the service's log group
under its own stream prefix, `CMD /healthcheck` (the ADOT image's own binary), its own cpu and
memory; the app container gets the rest of the task (`cpu`/`memory` = task minus sidecar) and
the standard `OTEL_*` variables unless it sets them itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel

HEALTH_CHECK_KINDS = ("CMD", "CMD-SHELL")
"""How an ECS `healthCheck.command` starts: `CMD` runs the rest directly, `CMD-SHELL` runs one
string with the image's shell (`NONE`, Docker's "no check", is refused: every container has one)."""
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
"""A path the default commands can put into a shell string unquoted: no spaces, quotes, `$`."""
HEARTBEAT_FILE = "heartbeat"
"""The worker's heartbeat file name under its first scratch path (default `/tmp/heartbeat`)."""


def health_check_command_problem(command: Sequence[Any] | None) -> str | None:
    """Why `command` is not a usable ECS health-check command, or None (pure)."""
    if command is None:
        return None
    parts = list(command)
    if not parts or parts[0] not in HEALTH_CHECK_KINDS:
        return (f"command {parts!r} must start with CMD (run a binary) or CMD-SHELL (one shell "
                "string); NONE or an empty list would leave the container unchecked")
    rest = parts[1:]
    if not rest or not all(isinstance(p, str) for p in rest) or not str(rest[0]).strip():
        return f"command {parts!r} has nothing to run after {parts[0]}"
    if parts[0] == "CMD-SHELL" and len(rest) != 1:
        return (f"command {parts!r}: CMD-SHELL takes exactly one shell string (the shell would "
                "read the rest as $0, $1...)")
    return None


class ContainerHealthCheckSettings(ArgsModel):
    """The app container's `healthCheck` (ECS runs it inside the container; exit 0 is healthy).
    ECS replaces a task whose essential container turns unhealthy."""

    command: list[str] | None = None
    """`["CMD", ...]` or `["CMD-SHELL", "..."]` (default none: the kind's default from the image
    contract, docs/compute.md#image-contract)."""
    interval_seconds: Annotated[int, Field(ge=5, le=300)] = 30
    """Seconds between checks (default 30, ECS's own default)."""
    timeout_seconds: Annotated[int, Field(ge=2, le=60)] = 5
    """Seconds one check may take (default 5, ECS's own default)."""
    retries: Annotated[int, Field(ge=1, le=10)] = 3
    """Failures in a row before the container is unhealthy (default 3, ECS's own default)."""
    start_period_seconds: Annotated[int, Field(ge=0, le=300)] = 60
    """Seconds after start when failures don't count (default 60: room for start-up)."""
    path: str = "/health"
    """Web only: the liveness path the default command GETs on 127.0.0.1:<port> (default
    /health: alive, not traffic-ready; the ALB keeps probing `health_check.path`)."""
    heartbeat_path: str | None = None
    """Worker only: the file the worker touches while it works, under one of `scratch_paths`
    (default none: `<first scratch path>/heartbeat`, e.g. /tmp/heartbeat)."""
    heartbeat_max_age_minutes: Annotated[int, Field(ge=1, le=60)] = 2
    """Worker only: the default check fails when the heartbeat file is this many minutes old
    (default 2: the contract asks for a touch at least every 30 s, so two missed minutes mean a
    hung loop, not a slow job step)."""

    @field_validator("command")
    @classmethod
    def _command(cls, v: list[str] | None) -> list[str] | None:
        problem = health_check_command_problem(v)
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("path", "heartbeat_path")
    @classmethod
    def _path(cls, v: str | None, info: Any) -> str | None:
        if v is not None and not SAFE_PATH.match(v):
            raise ValueError(f"{info.field_name} {v!r} must be an absolute path of letters, "
                             "digits and . _ ~ / - (it goes into the check's shell string)")
        return v

    @model_validator(mode="after")
    def _timeout(self) -> ContainerHealthCheckSettings:
        if self.timeout_seconds >= self.interval_seconds:
            raise ValueError(f"timeout_seconds ({self.timeout_seconds}) must be less than "
                             f"interval_seconds ({self.interval_seconds})")
        return self


COLLECTOR_NAME = "aws-otel-collector"
"""The sidecar's container name."""
COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
"""AWS Distro for OpenTelemetry collector, release v0.49.0 (2026-07-10; tag v0.49.0 of
github.com/aws-observability/aws-otel-collector, whose CD workflow pushes each release version
to public.ecr.aws/aws-observability/aws-otel-collector)."""
COLLECTOR_USER = "4317:4317"
"""The ADOT image's own non-root user `aoc` (uid/gid 4317, cmd/awscollector/Dockerfile)."""
COLLECTOR_HEALTH_CHECK = ["CMD", "/healthcheck"]
"""The ADOT image ships `/healthcheck` (cmd/healthcheck): GET 127.0.0.1:13133/, the
health_check extension; the image is FROM scratch (no shell), hence CMD."""
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
XRAY_PROXY_PORT = 2000
COLLECTOR_HEALTH_PORT = 13133
TRACING_ENVIRONMENT_KEYS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
                            "OTEL_SERVICE_NAME")
"""What the app container gets with tracing on (unless it sets them): the standard OTel SDK
variables (opentelemetry.io/docs/specs/otel/protocol/exporter/)."""
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries")
"""The X-Ray writes and sampling reads (AWS's AWSXRayDaemonWriteAccess, exactly): none of them
takes a resource ARN (service-authorization reference, list_awsx-ray.html), so Resource is *."""


class TracingSettings(ArgsModel):
    """An AWS Distro for OpenTelemetry collector sidecar that sends the app's traces to X-Ray."""

    enabled: bool = False
    """Run the collector sidecar (default false: tracing costs per trace and needs the app
    instrumented with OpenTelemetry)."""
    collector_image: str = COLLECTOR_IMAGE
    """The collector's image, pinned: a version tag or a digest, never `latest` (default
    public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0, the current ADOT release)."""
    collector_cpu: Annotated[int, Field(ge=32, le=4096)] = 64
    """CPU units reserved for the collector out of the task's (default 64: ADOT's benchmark
    shows OTLP -> X-Ray traces well under 1 % of a vCPU; a share, it can use idle CPU)."""
    collector_memory: Annotated[int, Field(ge=128, le=8192)] = 256
    """The collector's hard memory limit in MiB, out of the task's (default 256: ADOT's
    benchmark holds OTLP -> X-Ray at ~112 MB from 100 to 5000 spans/s; a memory_limiter at
    80 % sheds load before the limit)."""
    collector_config: str | None = None
    """A config file inside the image to run instead, e.g. /etc/ecs/ecs-xray.yaml (default
    none: groundwork's X-Ray config in AOT_CONFIG_CONTENT, with the sampling proxy; the task role
    grants X-Ray only, so a config exporting elsewhere fails)."""

    @field_validator("collector_image")
    @classmethod
    def _image(cls, v: str) -> str:
        from groundwork.components.service import parse_image

        _, tag, digest = parse_image(v)
        if not digest and (not tag or tag == "latest"):
            raise ValueError(f"collector_image {v!r} must pin a version tag (not 'latest') or a "
                             "digest: a moving tag changes the collector under running tasks")
        return v

    @field_validator("collector_config")
    @classmethod
    def _config(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^/[A-Za-z0-9._/-]+\.ya?ml$", v):
            raise ValueError(f"collector_config {v!r} must be an absolute path to a .yaml file in "
                             "the collector image, e.g. /etc/ecs/ecs-xray.yaml")
        return v


def container_problems(settings: Any) -> list[str]:
    """What the health check and tracing settings can't check alone, given the service's kind,
    scratch paths and task size (pure; each names its settings key)."""
    problems: list[str] = []
    check = settings.container_health_check
    if check.command is None and settings.kind == "worker":
        if check.heartbeat_path is None and not settings.scratch_paths:
            problems.append("a worker's default container health check touches a heartbeat file "
                            "under its first scratch path; set scratch_paths (e.g. [/tmp]), "
                            "container_health_check.heartbeat_path, or "
                            "container_health_check.command")
        elif check.heartbeat_path is not None and not any(
                check.heartbeat_path.startswith(p.rstrip("/") + "/") for p in settings.scratch_paths):
            problems.append(f"container_health_check.heartbeat_path {check.heartbeat_path!r} is not "
                            f"under a writable scratch path ({', '.join(settings.scratch_paths) or 'none'}); "
                            "the root filesystem is read-only")
        elif check.heartbeat_path is None and not SAFE_PATH.match(settings.scratch_paths[0]):
            problems.append(f"scratch path {settings.scratch_paths[0]!r} can't hold the default "
                            "heartbeat (letters, digits and . _ ~ / - only); set "
                            "container_health_check.heartbeat_path or .command")
    tracing = settings.tracing
    if tracing.enabled:
        for key, size, unit in (("collector_cpu", settings.cpu, "CPU units"),
                                ("collector_memory", settings.memory, "MiB")):
            wanted = getattr(tracing, key)
            if wanted > size // 2:
                problems.append(f"tracing.{key} {wanted} leaves the app {size - wanted} of the "
                                f"task's {size} {unit} (task cpu {settings.cpu} / memory "
                                f"{settings.memory}); keep it <= {size // 2}, half the task, or "
                                "choose a larger task size")
    return problems


def health_check(settings: Any, *, port: int | None = None) -> dict[str, Any]:
    """The app container's `healthCheck` (pure): the configured command or the kind's default,
    every timing key written."""
    check = settings.container_health_check
    command = list(check.command) if check.command else default_health_command(settings, port=port)
    return {"command": command, "interval": check.interval_seconds,
            "timeout": check.timeout_seconds, "retries": check.retries,
            "startPeriod": check.start_period_seconds}


def heartbeat_path(settings: Any) -> str:
    """The worker's heartbeat file: `container_health_check.heartbeat_path`, else
    `<first scratch path>/heartbeat`."""
    configured = settings.container_health_check.heartbeat_path
    if configured:
        return str(configured)
    if not settings.scratch_paths:
        raise ValueError("a worker's default container health check needs scratch_paths or "
                         "container_health_check.heartbeat_path")
    return f"{settings.scratch_paths[0].rstrip('/')}/{HEARTBEAT_FILE}"


def default_health_command(settings: Any, *, port: int | None = None) -> list[str]:
    """The image contract's command for the kind (docs/compute.md#image-contract):
    web: curl GETs the liveness path on the loopback port, any non-2xx/3xx or no answer fails;
    worker: `find -mmin -N` prints the heartbeat file only if it changed in the last N minutes,
    and `test -n` fails on empty output (also when the file is missing)."""
    check = settings.container_health_check
    if settings.kind == "web":
        port = port if port is not None else settings.port
        if port is None:
            raise ValueError("a web service's default container health check needs its port")
        return ["CMD-SHELL", f"curl -fsS -o /dev/null http://127.0.0.1:{port}{check.path} || exit 1"]
    path = heartbeat_path(settings)
    return ["CMD-SHELL",
            f'test -n "$(find {path} -mmin -{check.heartbeat_max_age_minutes} 2>/dev/null)"']


EXEC_AGENT_PATHS = ("/var/lib/amazon", "/var/log/amazon")
"""Where ECS Exec's SSM agent writes its state and logs inside the container. With a read-only
root filesystem the agent can't start (AWS: readonlyRootFilesystem "isn't supported" with ECS
Exec) and `execute-command` fails with TargetNotConnected, so when Exec is on these two paths get
writable task volumes too (the workaround in aws/containers-roadmap#1359; ECS.5 stays on)."""


def container_definition(
    settings: Any,
    *,
    name: str,
    image: str,
    log_group: str,
    region: str,
    environment: Mapping[str, str],
    secrets: Mapping[str, str],
    writable_paths: Sequence[str] | None = None,
    port: int | None = None,
) -> dict[str, Any]:
    """The service's app container, named `name` (pure; ECS's camelCase JSON). `writable_paths`
    (default `settings.scratch_paths`) each get a task volume mounted read-write; `healthCheck`
    is `health_check(settings)`."""
    writable = list(settings.scratch_paths if writable_paths is None else writable_paths)
    port = settings.port if port is None else port
    definition: dict[str, Any] = {
        "name": name,
        "image": image,
        "essential": True,
        "user": settings.user,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "mountPoints": [{"sourceVolume": volume_name(i), "containerPath": path, "readOnly": False}
                        for i, path in enumerate(writable)],
        "linuxParameters": {"initProcessEnabled": True},
        "stopTimeout": settings.stop_timeout_seconds,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": name,
                # Never block the app on a slow log API; 25 MiB buffer, then drop.
                "mode": "non-blocking",
                "max-buffer-size": "25m",
            },
        },
    }
    if port is not None:
        definition["portMappings"] = [{"name": name, "containerPort": port, "protocol": "tcp"}]
    if settings.command:
        definition["command"] = list(settings.command)
    definition["healthCheck"] = health_check(settings, port=port)
    return definition


def container_definitions(
    settings: Any,
    *,
    name: str,
    image: str,
    log_group: str,
    region: str,
    environment: Mapping[str, str],
    secrets: Mapping[str, str],
    writable_paths: Sequence[str] | None = None,
    port: int | None = None,
    service_name: str | None = None,
) -> list[dict[str, Any]]:
    """Every container of the service's task definition (pure): the app container first (the
    load balancer and ECS Exec address it by `name`), then, with `tracing.enabled`, the collector
    sidecar. The app gets `cpu`/`memory` = the task's minus the sidecar's, the `OTEL_*`
    variables it doesn't set itself (`tracing_environment`, `service_name` default `name`), and
    `dependsOn` the collector having STARTed (not HEALTHY: a collector that never turns healthy
    must not keep the app from starting)."""
    problems = container_problems(settings)
    if problems:
        raise ValueError("; ".join(problems))
    tracing = settings.tracing
    env = dict(environment)
    if tracing.enabled:
        env = {**tracing_environment(service_name or name), **env}
    app = container_definition(settings, name=name, image=image, log_group=log_group,
                               region=region, environment=env, secrets=secrets,
                               writable_paths=writable_paths, port=port)
    sidecar_cpu = tracing.collector_cpu if tracing.enabled else 0
    sidecar_memory = tracing.collector_memory if tracing.enabled else 0
    app["cpu"] = settings.cpu - sidecar_cpu
    app["memory"] = settings.memory - sidecar_memory
    if not tracing.enabled:
        return [app]
    app["dependsOn"] = [{"containerName": COLLECTOR_NAME, "condition": "START"}]
    return [app, collector_definition(settings, log_group=log_group, region=region)]


def tracing_environment(service_name: str) -> dict[str, str]:
    """The OTel SDK variables pointing the app at the sidecar (pure). OTLP over gRPC on 4317:
    the spec's default protocol is http/protobuf (4318), so the protocol is set with the port."""
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://localhost:{OTLP_GRPC_PORT}",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_SERVICE_NAME": service_name}


def collector_config(*, region: str, memory_mib: int) -> dict[str, Any]:
    """The collector's configuration (pure; sent as JSON, which is YAML, in AOT_CONFIG_CONTENT):
    OTLP in on the loopback only, a memory limiter at 80 % of the container's limit (spikes of
    20 %), ECS resource attributes from the task metadata endpoint (no IAM), batches to the X-Ray
    exporter, the health_check extension `/healthcheck` probes, and the awsproxy extension so
    an SDK's X-Ray remote sampler (default endpoint localhost:2000) gets X-Ray's centralized
    sampling rules, signed with the task role."""
    loopback = "127.0.0.1"
    return {
        "extensions": {
            "health_check": {"endpoint": f"{loopback}:{COLLECTOR_HEALTH_PORT}"},
            "awsproxy": {"endpoint": f"{loopback}:{XRAY_PROXY_PORT}", "region": region},
        },
        "receivers": {"otlp": {"protocols": {
            "grpc": {"endpoint": f"{loopback}:{OTLP_GRPC_PORT}"},
            "http": {"endpoint": f"{loopback}:{OTLP_HTTP_PORT}"},
        }}},
        "processors": {
            "memory_limiter": {"check_interval": "1s", "limit_mib": memory_mib * 8 // 10,
                               "spike_limit_mib": memory_mib // 5},
            "resourcedetection": {"detectors": ["env", "ecs"], "timeout": "2s",
                                  "override": False},
            "batch/traces": {"timeout": "1s", "send_batch_size": 50},
        },
        "exporters": {"awsxray": {"region": region}},
        "service": {
            "extensions": ["health_check", "awsproxy"],
            "pipelines": {"traces": {
                "receivers": ["otlp"],
                "processors": ["memory_limiter", "resourcedetection", "batch/traces"],
                "exporters": ["awsxray"],
            }},
        },
    }


def collector_definition(settings: Any, *, log_group: str, region: str) -> dict[str, Any]:
    """The ADOT collector sidecar (pure; ECS's camelCase JSON). Essential false and restarted in
    place when it exits (`restartPolicy`, every key written); no writable path: the collector
    keeps its queue in memory and logs to stdout."""
    tracing = settings.tracing
    memory = tracing.collector_memory
    environment = {"GOMEMLIMIT": f"{memory * 8 // 10}MiB"}
    definition: dict[str, Any] = {
        "name": COLLECTOR_NAME,
        "image": tracing.collector_image,
        "essential": False,
        "cpu": tracing.collector_cpu,
        "memory": memory,
        "user": COLLECTOR_USER,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "environment": [],
        "secrets": [],
        "mountPoints": [],
        "linuxParameters": {"initProcessEnabled": True},
        "stopTimeout": settings.stop_timeout_seconds,
        "restartPolicy": {"enabled": True, "ignoredExitCodes": [0], "restartAttemptPeriod": 60},
        "healthCheck": {"command": list(COLLECTOR_HEALTH_CHECK), "interval": 30, "timeout": 5,
                        "retries": 3, "startPeriod": 10},
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": COLLECTOR_NAME,
                "mode": "non-blocking",
                "max-buffer-size": "25m",
            },
        },
    }
    if tracing.collector_config:
        definition["command"] = [f"--config={tracing.collector_config}"]
    else:
        environment["AOT_CONFIG_CONTENT"] = json.dumps(
            collector_config(region=region, memory_mib=memory), sort_keys=True,
            separators=(",", ":"))
    definition["environment"] = [{"name": k, "value": v} for k, v in sorted(environment.items())]
    return definition


def tracing_policy() -> dict[str, Any]:
    """The task role's tracing statement (pure): the X-Ray writes and sampling reads, nothing
    else, on * (X-Ray defines no resource type for them)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "WriteTracesToXRay", "Effect": "Allow", "Action": list(XRAY_ACTIONS),
        "Resource": "*"}]}


def volume_name(index: int) -> str:
    return f"scratch-{index}"


def writable_paths(settings: Any, *, execute_command: bool) -> list[str]:
    """The container's writable paths: `scratch_paths`, plus ECS Exec's agent paths when Exec
    is on (`EXEC_AGENT_PATHS`); each once, in that order."""
    paths = [*settings.scratch_paths, *(EXEC_AGENT_PATHS if execute_command else ())]
    return list(dict.fromkeys(paths))
