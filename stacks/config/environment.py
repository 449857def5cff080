"""The whole environment: `EnvironmentConfig` (every section plus the cross-field rules and the
prod floor) and the profiles' defaults."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from groundwork.stacks.config._base import NAMESPACE, _Strict
from groundwork.stacks.config.alarms import AlarmsConfig
from groundwork.stacks.config.ci import CiConfig
from groundwork.stacks.config.compute import (
    ClusterConfig,
    LoadBalancerConfig,
    ServiceConfig,
    _default_services,
)
from groundwork.stacks.config.data import CacheConfig, DatabaseConfig
from groundwork.stacks.config.network import NetworkConfig

# Keys of the namespace, in the order reports show them.
TOP_LEVEL_KEYS = (
    "profile",
    "network",
    "database",
    "cache",
    "cluster",
    "load_balancer",
    "services",
    "alarms",
    "ci",
    "tags",
)


class Profile(StrEnum):
    """Environment profile: picks the defaults of every section."""

    DEV = "dev"
    PROD = "prod"


REQUIRED_TAGS = ("Owner",)
"""Tags the user must give; Project, Environment and ManagedBy are added by groundwork."""


class EnvironmentConfig(_Strict):
    """A whole environment: the value of every `groundwork:` key."""

    profile: Profile
    """dev or prod (required): picks every other default."""
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    """The VPC and its subnet plan."""
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    """RDS PostgreSQL."""
    cache: CacheConfig = Field(default_factory=CacheConfig)
    """ElastiCache Valkey/Redis."""
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    """The ECS cluster."""
    load_balancer: LoadBalancerConfig | None = None
    """The shared ALB (required when a web service exists; default none)."""
    services: list[ServiceConfig] = Field(default_factory=_default_services)
    """The Fargate services (default none)."""
    alarms: AlarmsConfig = Field(default_factory=AlarmsConfig)
    """CloudWatch alarms, SNS topics and the dashboard."""
    ci: CiConfig | None = None
    """The GitHub Actions OIDC deploy role (default none: no role is created)."""
    tags: dict[
        Annotated[str, Field(min_length=1, max_length=128)],
        Annotated[str, Field(max_length=256)],
    ]
    """Tags on every resource (required: at least Owner)."""

    # Filled by the loader from the stack, not from the namespace.
    stack: str = "dev"
    """The Pulumi stack name (from the stack, not from config)."""
    region: str = "us-east-1"
    """The AWS region (from `aws:region`)."""

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [t for t in REQUIRED_TAGS if not v.get(t)]
        if missing:
            raise ValueError(f"missing required tag(s) {', '.join(missing)}")
        reserved = [k for k in v if k.lower().startswith("aws:")]
        if reserved:
            raise ValueError(f"tag keys starting with aws: are reserved ({', '.join(reserved)})")
        return v

    @model_validator(mode="after")
    def _cross(self) -> EnvironmentConfig:
        names = [s.name for s in self.services]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"services: duplicate service name(s) {', '.join(dupes)}")
        if self.network.az_count < 2 and (self.database.enabled or self.cache.enabled
                                          or any(s.kind == "web" for s in self.services)):
            raise ValueError(
                "network.az_count must be >= 2: ALBs and RDS/ElastiCache subnet groups need "
                "subnets in two AZs"
            )
        for svc in self.services:
            queue = svc.scaling.queue_metric
            if queue is not None and not queue.dimensions:
                raise ValueError(f"services[{svc.name}].scaling.queue_metric.dimensions is "
                                 "required (e.g. {QueueName: jobs}): without it the metric "
                                 "matches no queue")
        if self.web_services and self.load_balancer is None:
            raise ValueError(
                "load_balancer is required when a web service exists "
                "(set load_balancer.certificate, or http_only: true for a throwaway dev stack)"
            )
        if self.profile is Profile.PROD:
            self._prod_floor()
        self._listener_rules()
        return self

    def _listener_rules(self) -> None:
        """Web services share one listener: their rules need distinct priorities and matches,
        or AWS refuses the second rule (priority) or it never gets a request (same match)."""
        seen_priority: dict[int, str] = {}
        seen_match: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
        for svc, priority in self.listener_priorities().items():
            if priority in seen_priority:
                raise ValueError(f"services[{svc}].routing.priority {priority} is also "
                                 f"services[{seen_priority[priority]}]'s; priorities must differ")
            seen_priority[priority] = svc
            r = next(s for s in self.services if s.name == svc).routing
            match = (tuple(sorted(r.host_headers)), tuple(sorted(r.path_patterns)))
            if match in seen_match:
                raise ValueError(f"services[{svc}].routing matches the same hosts and paths as "
                                 f"services[{seen_match[match]}]; give it host_headers or "
                                 "path_patterns of its own")
            seen_match[match] = svc

    def listener_priorities(self) -> dict[str, int]:
        """Listener-rule priority of each web service: `routing.priority`, else 100 + 10 x its
        position among the web services (room to insert rules between them later)."""
        return {s.name: s.routing.priority if s.routing.priority is not None else 100 + 10 * i
                for i, s in enumerate(self.web_services)}

    def _prod_floor(self) -> None:
        """What prod can never relax (the dev-only escapes of the target architecture)."""
        lb = self.load_balancer
        rules: list[tuple[bool, str]] = [
            (self.database.multi_az, "database.multi_az must be true in prod"),
            (self.database.backup_retention_days >= 7,
             "database.backup_retention_days must be >= 7 in prod (FSBP RDS.11)"),
            (self.database.deletion_protection, "database.deletion_protection must be true in prod"),
            (self.database.final_snapshot, "database.final_snapshot must be true in prod"),
            (self.cache.num_nodes >= 2,
             "cache.num_nodes must be >= 2 in prod (automatic failover needs a replica)"),
            (lb is None or not lb.http_only, "load_balancer.http_only is not allowed in prod"),
            (lb is None or lb.deletion_protection,
             "load_balancer.deletion_protection must be true in prod"),
            (self.network.az_count >= 2, "network.az_count must be >= 2 in prod"),
        ]
        for svc in self.services:
            rules.append((
                svc.kind != "web" or svc.scaling.min_count >= 2,
                f"services[{svc.name}].scaling.min_count must be >= 2 for a web service in prod",
            ))
        # Floor rules about one key are reported on that key (`groundwork:network.nat: ...`).
        keyed: list[tuple[bool, tuple[str, ...], str]] = [
            (self.network.nat != "instance", ("network", "nat"),
             "'instance' is not allowed in prod: one NAT instance is a single point of failure "
             "for every private subnet's egress and its throughput is capped by its instance "
             "type; use per_az (the prod default)"),
        ]
        broken = [msg for ok, msg in rules if not ok]
        keyed_broken = [(loc, msg) for ok, loc, msg in keyed if not ok]
        if keyed_broken:
            def error(reason: str) -> PydanticCustomError:  # the reason as data, not a template
                return PydanticCustomError("prod_floor", "{reason}", {"reason": reason})

            details = [InitErrorDetails(type=error(msg), loc=loc, input=None)
                       for loc, msg in keyed_broken]
            if broken:
                details.append(InitErrorDetails(type=error("; ".join(broken)), loc=(), input=None))
            raise ValidationError.from_exception_data(type(self).__name__, details)
        if broken:
            raise ValueError("; ".join(broken))

    @property
    def name_prefix(self) -> str:
        """Prefix of every physical name: `<project>-<stack>`."""
        return f"{NAMESPACE}-{self.stack}"

    @property
    def web_services(self) -> list[ServiceConfig]:
        return [s for s in self.services if s.kind == "web"]

    def all_tags(self) -> dict[str, str]:
        """The tags every resource carries: the user's plus the four groundwork sets."""
        return {
            **self.tags,
            "Project": self.tags.get("Project", NAMESPACE),
            "Environment": self.stack,
            "ManagedBy": "pulumi",
        }


# --------------------------------------------------------------------------------------------
# profiles
# --------------------------------------------------------------------------------------------

PROFILE_DEFAULTS: dict[Profile, dict[str, Any]] = {
    Profile.PROD: {},
    Profile.DEV: {
        "network": {"az_count": 2, "nat": "single", "flow_logs": {"retention_days": 30}},
        "database": {
            "instance_class": "db.t4g.micro",
            "allocated_storage_gb": 20,
            "max_allocated_storage_gb": 50,
            "multi_az": False,
            "backup_retention_days": 1,
            "deletion_protection": False,
            "final_snapshot": False,
            "log_retention_days": 14,
        },
        "cache": {"node_type": "cache.t4g.micro", "num_nodes": 1, "snapshot_retention_days": 1,
                  "log_retention_days": 14, "final_snapshot": False},
        "cluster": {"log_retention_days": 14},
        "load_balancer": {"deletion_protection": False, "access_log_retention_days": 14},
        "alarms": {},
    },
}
"""What each profile changes from the field defaults (which are prod's)."""

SERVICE_PROFILE_DEFAULTS: dict[Profile, dict[str, Any]] = {
    Profile.PROD: {},
    Profile.DEV: {"spot": True, "scaling": {"min_count": 1, "max_count": 2}},
}
"""Per-service defaults of each profile, applied under every entry of `services`."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` wins; nested mappings merge; lists and scalars replace."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
