"""groundwork's guardrails: every rule of the policy pack, by family.

`ALL` lists every rule in the order `groundwork check` prints them; `by_name()` maps a policy
name (the key of `policies/config/<stack>.json`) to its rule. Each rule carries `.control` (the
FSBP control or guardrail it enforces), `.fix` and `.types`. Importing this package needs only
the standard library and pulumi_policy (the policy pack's own virtualenv has nothing else).
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from . import (
    account,
    backup,
    compute,
    data,
    documents,
    edge,
    functions,
    iam,
    load_balancer,
    network,
    observability,
    queues,
    registry,
    search,
    security,
    storage,
    streaming,
)
from ._base import REGISTRY, ResourceRule, StackRule

PACK_NAME = "groundwork"
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY
"""The pack's level for any rule a config file doesn't name: fail closed."""

FAMILIES = {"network": network, "load_balancer": load_balancer, "edge": edge, "compute": compute,
            "registry": registry, "functions": functions, "data": data, "queues": queues, "search": search,
            "documents": documents,
            "streaming": streaming, "backup": backup,
            "security": security, "iam": iam, "storage": storage,
            "observability": observability, "account": account}
ALL: list[ResourceRule | StackRule] = [rule for family in FAMILIES for rule in REGISTRY
                                       if rule.family == family]


def by_name() -> dict[str, ResourceRule | StackRule]:
    return {rule.name: rule for rule in ALL}


__all__ = ["ALL", "DEFAULT_ENFORCEMENT", "FAMILIES", "PACK_NAME", "ResourceRule", "StackRule",
           "account", "backup", "by_name", "compute", "data", "documents", "edge", "functions", "iam",
           "load_balancer",
           "network",
           "observability", "queues", "registry", "search", "security", "storage",
           "streaming"]
