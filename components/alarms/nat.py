"""NAT gateway alarms, one pair per gateway: port allocation errors and dropped packets.

Dimension: NatGatewayId, the gateway's `id` output.
"""

from __future__ import annotations

from components.alarms.base import AlarmSpec, Metric
from components.alarms.targets import AlarmTargets

NAMESPACE = "AWS/NATGateway"


def nat_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    specs: list[AlarmSpec] = []
    count = len(targets.nat_gateway_ids)
    for index, gateway_id in enumerate(targets.nat_gateway_ids):
        dims = {"NatGatewayId": gateway_id}
        member = str(index + 1)
        watches = f"NAT gateway {member} of {count}"
        # Both are error counters: a NAT with no traffic has no errors, so missing is fine.
        specs += [
            AlarmSpec(key="nat-port-allocation", member=member, watches=watches,
                      metric=Metric(NAMESPACE, "ErrorPortAllocation", dims, "Sum"),
                      comparison=">", threshold=0, treat_missing_data="notBreaching"),
            AlarmSpec(key="nat-packets-dropped", member=member, watches=watches,
                      metric=Metric(NAMESPACE, "PacketsDropCount", dims, "Sum"),
                      comparison=">", threshold=0, treat_missing_data="notBreaching"),
        ]
    return specs
