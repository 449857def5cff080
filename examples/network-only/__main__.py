"""network-only: the groundwork `Network` on its own, with a custom subnet layout.

A 10.20.0.0/16 VPC over 2 AZs, three /20 tiers pinned by explicit offsets, one NAT gateway for
both AZs, flow logs (a year, encrypted with a customer-managed logs key), and interface endpoints for ECR
and CloudWatch Logs, so Fargate tasks pull images and ship logs without crossing the NAT.

Only the public API: `from groundwork.components import ...`, each component built as
`Component(name, <Component>Args(...))`.
"""

import pulumi

from groundwork.components import (
    EndpointsSettings,
    EnvironmentKeys,
    EnvironmentKeysArgs,
    Network,
    NetworkArgs,
    TierSpec,
)

# Tags on every resource the components create (besides Name and what each one is). Every AWS
# name starts with <project>-<stack>-<component name>: the default name_prefix.
tags = {"Owner": "platform-team", "Project": pulumi.get_project(), "Environment": pulumi.get_stack(),
        "ManagedBy": "pulumi"}

# Rotating customer-managed keys, one per purpose. The network uses only `logs`, so only that
# one is created (the default is all three: logs, data, notifications).
keys = EnvironmentKeys("kms", EnvironmentKeysArgs(purposes=("logs",), tags=tags))
logs_key = keys.require("logs")

# The Args validate when they are built, before any resource exists. Offsets count /20 blocks
# from 10.20.0.0, so each tier owns 4 blocks (room for 2 more AZs) and the CIDRs never move
# when an AZ or a tier is added:
#   public  offset 0 -> 10.20.0.0/20,   10.20.16.0/20
#   compute offset 4 -> 10.20.64.0/20,  10.20.80.0/20
#   data    offset 8 -> 10.20.128.0/20, 10.20.144.0/20   (10.20.192.0/18 stays free)
network = Network("network", NetworkArgs(
    cidr="10.20.0.0/16",
    az_count=2,
    nat="single",  # one NAT for both AZs: ~1/2 the cost of per_az, but egress depends on one AZ
    tiers=[
        TierSpec(name="public", routing="public", prefix_length=20, offset=0, reserved_azs=4),
        TierSpec(name="compute", routing="private", prefix_length=20, offset=4, reserved_azs=4),
        TierSpec(name="data", routing="isolated", prefix_length=20, offset=8, reserved_azs=4),
    ],
    database_tier="data",  # the RDS and ElastiCache subnet groups (the default tier name)
    # Flow logs are always on: ALL traffic, kept 365 days (the FlowLogsSettings defaults, what
    # the policy pack asks of every log group), encrypted with the logs key.
    endpoints=EndpointsSettings(interface=["ecr.api", "ecr.dkr", "logs"]),
    logs_key_arn=logs_key.arn,
    tags=tags,
))

out = network.outputs
pulumi.export("vpc_id", out.vpc_id)
pulumi.export("vpc_cidr", out.vpc_cidr)
pulumi.export("availability_zones", list(out.azs))
pulumi.export("subnet_cidrs", {t: [s.cidr for s in network.plan.tier(t)]
                               for t in network.plan.tier_names})
pulumi.export("subnet_ids", out.subnet_ids)
pulumi.export("nat_gateway_ids", out.nat_gateway_ids)
pulumi.export("interface_endpoint_ids", [e.id for e in network.interface_endpoints])
pulumi.export("db_subnet_group_name", out.db_subnet_group_name)
pulumi.export("flow_logs_key_arn", logs_key.arn)
