"""The `network` section: the `Network` component's settings (components/network/network.py)
plus the stacks' own rule, the seed's tier names.

One type per concept: `TierConfig` is the planner's `TierSpec`, `FlowLogsConfig` and
`EndpointsConfig` are the component's `FlowLogsSettings` and `EndpointsSettings`; the CIDR, tier
and NAT-instance checks live with the component, so config and library refuse the same values
with the same words.
"""

from __future__ import annotations

from pydantic import model_validator

from groundwork.components.network.network import (
    INTERFACE_ENDPOINTS,
    NAT_INSTANCE_FAMILIES,
    EndpointsSettings,
    FlowLogsSettings,
    InterfaceEndpoint,
    NetworkSettings,
    nat_instance_architecture,
)
from groundwork.components.network.planner import TIER_NAME, TierSpec
from groundwork.stacks.config._base import _Strict

__all__ = [
    "INTERFACE_ENDPOINTS",
    "NAT_INSTANCE_FAMILIES",
    "REQUIRED_TIERS",
    "TIER_NAME",
    "EndpointsConfig",
    "FlowLogsConfig",
    "InterfaceEndpoint",
    "NetworkConfig",
    "TierConfig",
    "nat_instance_architecture",
]

REQUIRED_TIERS = {"public": "public", "compute": "private", "data": "isolated"}
"""The tiers the stacks wire by name: the ALB and the NAT in `public`, the services in
`compute`, the databases and caches in `data` (`database_tier`)."""

TierConfig = TierSpec
"""A `network.tiers` entry: the planner's `TierSpec` (one type)."""
FlowLogsConfig = FlowLogsSettings
"""`network.flow_logs`: the component's `FlowLogsSettings`."""
EndpointsConfig = EndpointsSettings
"""`network.endpoints`: the component's `EndpointsSettings`."""


class NetworkConfig(_Strict, NetworkSettings):
    """The VPC and its subnet plan (the `Network` component's settings). The stacks need tiers
    named public (routing public), compute (private) and data (isolated)."""

    @model_validator(mode="after")
    def _seed_tiers(self) -> NetworkConfig:
        names = [t.name for t in self.tiers]
        for name, routing in REQUIRED_TIERS.items():
            tier = next((t for t in self.tiers if t.name == name), None)
            if tier is None:
                raise ValueError(
                    f"tiers: a tier named '{name}' (routing {routing}) is required; "
                    f"have {', '.join(names) or 'none'}"
                )
            if tier.routing != routing:
                raise ValueError(f"tiers: tier '{name}' must have routing {routing}")
        return self
