"""Network: the pure subnet planner and the `Network` component built from its plan."""

from groundwork.components.network.network import (
    INTERFACE_ENDPOINTS,
    NAT_INSTANCE_FAMILIES,
    EndpointsSettings,
    FlowLogsSettings,
    InterfaceEndpoint,
    Network,
    NetworkArgs,
    NetworkOutputs,
    NetworkSettings,
    nat_instance_architecture,
    plan_for,
)
from groundwork.components.network.planner import (
    SEED_TIERS,
    TIER_NAME,
    PlanError,
    PlannedSubnet,
    Routing,
    SubnetPlan,
    TierSpec,
    availability_zones,
    plan_subnets,
)

__all__ = [
    "INTERFACE_ENDPOINTS",
    "NAT_INSTANCE_FAMILIES",
    "SEED_TIERS",
    "TIER_NAME",
    "EndpointsSettings",
    "FlowLogsSettings",
    "InterfaceEndpoint",
    "Network",
    "NetworkArgs",
    "NetworkOutputs",
    "NetworkSettings",
    "PlanError",
    "PlannedSubnet",
    "Routing",
    "SubnetPlan",
    "TierSpec",
    "availability_zones",
    "nat_instance_architecture",
    "plan_for",
    "plan_subnets",
]
