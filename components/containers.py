"""The containers of a `FargateService`'s task definition (pure: ECS's camelCase JSON).

The app container (FSBP ECS.4/5/8/9/20): numeric non-root `user`, `readonlyRootFilesystem`,
a writable task volume per scratch path, not privileged, tini as PID 1, `stopTimeout`, awslogs
to the service's log group, plain settings in `environment`, secrets only as `valueFrom` ARNs.

Every container gets a `healthCheck` (`ContainerHealthCheckSettings`, a default per kind:
docs/compute.md#image-contract), and an optional AWS Distro for OpenTelemetry collector sidecar
sends traces to X-Ray (`TracingSettings`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import Field

from groundwork.components.args import ArgsModel


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


class TracingSettings(ArgsModel):
    """An AWS Distro for OpenTelemetry collector sidecar that sends the app's traces to X-Ray."""

    enabled: bool = False
    """Run the collector sidecar (default false: tracing costs per trace and needs the app
    instrumented with OpenTelemetry)."""


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
) -> dict[str, Any]:
    """The service's one container, named `name` (pure; ECS's camelCase JSON). `writable_paths`
    (default `settings.scratch_paths`) each get a task volume mounted read-write."""
    writable = list(settings.scratch_paths if writable_paths is None else writable_paths)
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
    if settings.port is not None:
        definition["portMappings"] = [{"name": name, "containerPort": settings.port,
                                       "protocol": "tcp"}]
    if settings.command:
        definition["command"] = list(settings.command)
    return definition


def volume_name(index: int) -> str:
    return f"scratch-{index}"


def writable_paths(settings: Any, *, execute_command: bool) -> list[str]:
    """The container's writable paths: `scratch_paths`, plus ECS Exec's agent paths when Exec
    is on (`EXEC_AGENT_PATHS`); each once, in that order."""
    paths = [*settings.scratch_paths, *(EXEC_AGENT_PATHS if execute_command else ())]
    return list(dict.fromkeys(paths))
