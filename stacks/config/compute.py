"""Compute: the `cluster`, `load_balancer` and `services` sections.

Each section is its component's settings (components/cluster.py, load_balancer.py, service.py)
plus only what the environment adds: a service's `name`, the image `build` the stack runs, and
the data-tier wiring switches `use_database` / `use_cache`. Fargate's task sizes and
image-reference parsing live with the service component and are re-exported here."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from groundwork.components.cluster import EcsClusterSettings
from groundwork.components.image import ImageBuildSettings
from groundwork.components.load_balancer import CertificateSettings, LoadBalancerSettings
from groundwork.components.security_groups import RESERVED_KEYS
from groundwork.components.service import (
    ENV_NAME,
    FARGATE_SIZES,
    SECRET_VALUE_FROM,
    DeploymentSettings,
    FargateServiceSettings,
    HealthCheckSettings,
    QueueMetricSettings,
    RoutingSettings,
    ScalingSettings,
    parse_image,
)
from groundwork.stacks.config._base import _Strict

__all__ = [
    "CACHE_VARS",
    "DATABASE_VARS",
    "ENV_NAME",
    "FARGATE_SIZES",
    "SECRET_VALUE_FROM",
    "SERVICE_NAME",
    "CertificateConfig",
    "ClusterConfig",
    "DeploymentConfig",
    "HealthCheckConfig",
    "ImageBuildConfig",
    "LoadBalancerConfig",
    "QueueMetricConfig",
    "RoutingConfig",
    "ScalingConfig",
    "ServiceConfig",
    "parse_image",
]

# The nested sections are the components' own models (one type per concept); the old names stay.
CertificateConfig = CertificateSettings
HealthCheckConfig = HealthCheckSettings
ScalingConfig = ScalingSettings
QueueMetricConfig = QueueMetricSettings
RoutingConfig = RoutingSettings
DeploymentConfig = DeploymentSettings
ImageBuildConfig = ImageBuildSettings


class ClusterConfig(_Strict, EcsClusterSettings):
    """The ECS cluster (the `EcsCluster` component's settings)."""


class LoadBalancerConfig(_Strict, LoadBalancerSettings):
    """The one ALB every web service shares, listener rules by host and path (the
    `LoadBalancer` component's settings)."""


SERVICE_NAME = r"^[a-z][a-z0-9-]{0,27}[a-z0-9]$|^[a-z]$"
DATABASE_VARS = ("DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER",
                 "DATABASE_PASSWORD")
"""What the stack wires into a service with use_database (the last two as secrets)."""
CACHE_VARS = ("CACHE_HOST", "CACHE_PORT", "CACHE_TLS", "CACHE_AUTH_TOKEN")
"""What the stack wires into a service with use_cache (the token as a secret)."""


class ServiceConfig(_Strict, FargateServiceSettings):
    """One Fargate service: kind web (behind the shared ALB) or worker (no load balancer); the
    `FargateService` component's settings plus its name, image build and data-tier wiring."""

    name: Annotated[str, Field(pattern=SERVICE_NAME)]
    """Service name (required), lowercase letters, digits and hyphens, <= 29 characters: the
    component's name, so it starts the service's AWS names."""
    build: ImageBuildSettings | None = None
    """Build the image from a Dockerfile into a private ECR repository instead of `image`
    (default none)."""
    use_database: bool = True
    """Wire the database: security-group rule and DATABASE_* env/secrets (default true)."""
    use_cache: bool = True
    """Wire the cache: security-group rule and CACHE_* env/secrets (default true)."""

    def _problems(self) -> list[str]:
        problems = super()._problems()
        if self.name in RESERVED_KEYS:
            problems.insert(0, f"name {self.name!r} is reserved: {', '.join(RESERVED_KEYS)} name the "
                               "load balancer's and data stores' security groups")
        if (self.image is None) == (self.build is None):
            problems.insert(0, "set exactly one of image or build")
        wired = [n for n in (*(DATABASE_VARS if self.use_database else ()),
                             *(CACHE_VARS if self.use_cache else ()))
                 if n in self.environment or n in self.secrets]
        if wired:
            problems.append(f"{', '.join(wired)} are wired by the stack (use_database/use_cache); "
                            "don't set them yourself")
        return problems


def _default_services() -> list[ServiceConfig]:
    return []
