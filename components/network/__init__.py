"""Network: the pure subnet planner and the `Network` component built from its plan."""

from groundwork.components.network.network import Network, NetworkOutputs, plan_for
from groundwork.components.network.planner import (
    PlanError,
    PlannedSubnet,
    SubnetPlan,
    TierSpec,
    availability_zones,
    plan_subnets,
)

__all__ = [
    "Network",
    "NetworkOutputs",
    "PlanError",
    "PlannedSubnet",
    "SubnetPlan",
    "TierSpec",
    "availability_zones",
    "plan_for",
    "plan_subnets",
]
