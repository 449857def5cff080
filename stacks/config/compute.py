"""Compute: the `cluster`, `load_balancer` and `services` sections.

Each section is its component's settings (components/cluster.py, load_balancer.py, service.py)
plus only what the environment adds: a service's `name`, the image `build` the stack runs, and
the data-tier wiring switches `use_database` / `use_cache`. Fargate's task sizes and
image-reference parsing live with the service component and are re-exported here."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from groundwork.components.cluster import EcsClusterSettings
from groundwork.components.document_database import DOCUMENTDB_VARS
from groundwork.components.image import ImageBuildSettings
from groundwork.components.kafka import KAFKA_VARS
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
from groundwork.stacks.config.assets import asset_env_name
from groundwork.stacks.config.queues import queue_env_name

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
    send_to: list[str] = Field(default_factory=list)
    """Queues (names under `queues`) the service sends to: `<NAME>_QUEUE_URL` and
    sqs:SendMessage on exactly those queues for its task role (default none)."""
    receive_from: list[str] = Field(default_factory=list)
    """Queues the service consumes: `<NAME>_QUEUE_URL` and Receive/Delete/ChangeVisibility on
    exactly those queues; a worker with `scaling.queue_metric` and one such queue scales on it
    (default none)."""
    read_assets: list[str] = Field(default_factory=list)
    """Asset buckets (names under `assets`) the service reads: `<NAME>_BUCKET` and s3:GetObject /
    s3:ListBucket on exactly those buckets, the data key through S3 (default none)."""
    write_assets: list[str] = Field(default_factory=list)
    """Asset buckets the service writes (and reads): `<NAME>_BUCKET`, read plus s3:PutObject,
    s3:DeleteObject (a delete marker under versioning) and s3:AbortMultipartUpload on exactly
    those buckets (default none)."""
    use_search: bool = False
    """Wire the search domain: 443 to its security group, SEARCH_ENDPOINT and es:ESHttp* on the
    domain for the task role (default false; needs `search.enabled`)."""
    use_documents: bool = False
    """Wire the DocumentDB cluster: its port to the cluster's security group and the
    DOCUMENTDB_* env/secrets (default false; needs `documents.enabled`)."""
    use_kafka: bool = False
    """Wire the MSK cluster: 9098 to its security group, KAFKA_BOOTSTRAP_BROKERS /
    KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_MECHANISM, and produce + consume on its topics for the
    task role (default false; needs `kafka.enabled`)."""

    def _problems(self) -> list[str]:
        problems = super()._problems()
        if self.name in RESERVED_KEYS:
            problems.insert(0, f"name {self.name!r} is reserved: {', '.join(RESERVED_KEYS)} name the "
                               "load balancer's and data stores' security groups")
        if (self.image is None) == (self.build is None):
            problems.insert(0, "set exactly one of image or build")
        wired = [n for n in (*(DATABASE_VARS if self.use_database else ()),
                             *(CACHE_VARS if self.use_cache else ()),
                             *(queue_env_name(q) for q in dict.fromkeys(
                                 [*self.send_to, *self.receive_from])),
                             *(asset_env_name(b) for b in dict.fromkeys(
                                 [*self.read_assets, *self.write_assets])))
                 if n in self.environment or n in self.secrets]
        if wired:
            problems.append(f"{', '.join(wired)} are wired by the stack (use_database/use_cache/"
                            "send_to/receive_from/read_assets/write_assets); don't set them "
                            "yourself")
        documents = [n for n in DOCUMENTDB_VARS if self.use_documents
                     and (n in self.environment or n in self.secrets)]
        if documents:
            problems.append(f"{', '.join(documents)} are wired by the stack (use_documents); "
                            "don't set them yourself")
        streaming = [n for n in KAFKA_VARS if self.use_kafka
                     and (n in self.environment or n in self.secrets)]
        if streaming:
            problems.append(f"{', '.join(streaming)} are wired by the stack (use_kafka); "
                            "don't set them yourself")
        return problems


def _default_services() -> list[ServiceConfig]:
    return []
