"""NAT alarms.

Scoped by the network's name.
- NAT gateways, one pair per gateway: port allocation errors and dropped packets. Dimension:
  NatGatewayId, the gateway's `id` output. None without NAT gateways (no NAT, or a NAT instance).
- The NAT instance: its EC2 system status check, with EC2's recover
  action besides the topic, so a failed host moves the instance (same id, ENI, Elastic IP, and so
  the same routes) to healthy hardware. Dimension: InstanceId, the instance's `id` output. The
  gateway alarms don't apply to it (no AWS/NATGateway metrics).
"""

from __future__ import annotations

from groundwork.components.alarms.base import AlarmSpec, Metric
from groundwork.components.alarms.targets import AlarmTargets, NatTarget
from groundwork.components.base import partition_of

NAMESPACE = "AWS/NATGateway"
EC2_NAMESPACE = "AWS/EC2"


def recover_action(region: str) -> str:
    """The CloudWatch alarm action that recovers an EC2 instance in `region`."""
    return f"arn:{partition_of(region)}:automate:{region}:ec2:recover"


def nat_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    return [spec for nat in targets.nats for spec in _nat_alarms(nat, targets.region)]


def _nat_alarms(nat: NatTarget, region: str) -> list[AlarmSpec]:
    specs: list[AlarmSpec] = []
    count = len(nat.gateway_ids)
    for index, gateway_id in enumerate(nat.gateway_ids):
        dims = {"NatGatewayId": gateway_id}
        member = str(index + 1)
        watches = f"NAT gateway {member} of {count} of network {nat.name}"
        # Both are error counters: a NAT with no traffic has no errors, so missing is fine.
        specs += [
            AlarmSpec(key="nat-port-allocation", scope=nat.name, member=member, watches=watches,
                      metric=Metric(NAMESPACE, "ErrorPortAllocation", dims, "Sum"),
                      comparison=">", threshold=0, treat_missing_data="notBreaching"),
            AlarmSpec(key="nat-packets-dropped", scope=nat.name, member=member, watches=watches,
                      metric=Metric(NAMESPACE, "PacketsDropCount", dims, "Sum"),
                      comparison=">", threshold=0, treat_missing_data="notBreaching"),
        ]
    for index, instance_id in enumerate(nat.instance_ids):
        # Status checks report every minute at no charge (no detailed monitoring needed). A
        # stopped instance reports nothing: keep the last state rather than guess.
        specs.append(AlarmSpec(
            key="nat-instance-status-check", scope=nat.name,
            member=str(index + 1) if len(nat.instance_ids) > 1 else None,
            watches=f"the NAT instance of network {nat.name}",
            metric=Metric(EC2_NAMESPACE, "StatusCheckFailed_System", {"InstanceId": instance_id},
                          "Maximum"),
            comparison=">", threshold=0, treat_missing_data="missing",
            extra_alarm_actions=(recover_action(region),)))
    return specs
