"""The real platform, plus exports of what the compute tier hands other components through
the typed `Platform` (the alarms read these attributes): tests assert the contract on the values."""

import pulumi
import pulumi_aws as aws

from groundwork.stacks.loader import environment_from_pulumi
from groundwork.stacks.platform import build_platform

platform = build_platform(environment_from_pulumi())
cluster = platform.cluster
lb = platform.load_balancer
services = platform.services
pulumi.export("contract", {
    "cluster": {"name": cluster.name, "arn": cluster.arn},
    "load_balancer": {
        "arn_suffix": lb.arn_suffix, "dns_name": lb.dns_name,
        "is_alb": isinstance(lb.load_balancer, aws.lb.LoadBalancer),
        "https_listener": lb.https_listener.arn if lb.https_listener else None,
    },
    "services": {
        name: {
            "kind": s.args.kind,
            "service_name": s.service_name,
            "cluster_name": s.cluster_name,
            "target_group_arn_suffix": s.target_group_arn_suffix,
            "is_service": isinstance(s.service, aws.ecs.Service),
            "log_group_name": s.log_group_name,
            "alarm_names": s.alarm_names,
        }
        for name, s in services.items()
    },
})
