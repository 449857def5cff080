"""Stand-in program for the alarm components: plain pulumi-aws resources in place of the data
and compute tiers (ALB + target group, RDS instance, replication group, ECS cluster and two
services, two NAT gateways, a NAT instance), then Notifications, EnvironmentAlarms and Dashboard
wired to their outputs exactly as stacks/platform.py wires the real components.

It exists so the alarm families can be tested against shapes the real stacks don't have (a queue
worker, subscriptions) without touching Pulumi.<stack>.yaml.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components.alarm_names import deployment_alarm_names
from groundwork.components.alarms import AlarmTargets, Dashboard, EnvironmentAlarms, Notifications
from groundwork.components.base import AccountContext, Naming
from groundwork.stacks.config import load_environment

RAW = {
    "profile": "prod",
    "tags": {"Owner": "alarm-tests"},
    "load_balancer": {"certificate": {"arn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}},
    "services": [
        {"name": "api", "kind": "web", "image": "example/api:1.0.0", "port": 8080},
        {"name": "shop", "kind": "web", "image": "example/shop:1.0.0", "port": 8080,
         "deployment": {"strategy": "BLUE_GREEN"}, "routing": {"path_patterns": ["/shop/*"]}},
        {"name": "jobs", "kind": "worker", "image": "example/jobs:1.0.0",
         "scaling": {"min_count": 1, "queue_metric": {"dimensions": {"QueueName": "jobs"}}}},
    ],
    "alarms": {"critical_emails": ["oncall@example.com"], "warning_emails": ["team@example.com"],
               "critical_https_endpoints": ["https://events.example.com/hook/abc"]},
}
env = load_environment(RAW, stack="standin", region="us-east-1")
naming = Naming(prefix=env.name_prefix, tags=env.all_tags())
account = AccountContext(region=env.region, account_id=aws.get_caller_identity_output().account_id)
key = aws.kms.Key("notifications-key")

lb = aws.lb.LoadBalancer("alb", name=naming.name("alb", max_length=32))
target_groups = {
    (svc.name, role): aws.lb.TargetGroup(
        f"{svc.name}-{role}", name=naming.name(svc.name, role, max_length=32), port=8080,
        protocol="HTTP", target_type="ip")
    for svc in env.web_services
    for role in (("blue", "green") if svc.deployment.strategy != "ROLLING" else ("blue",))
}
db = aws.rds.Instance("db", identifier=naming.name("db"), instance_class=env.database.instance_class,
                      engine="postgres", allocated_storage=env.database.allocated_storage_gb)
rg = aws.elasticache.ReplicationGroup("cache", replication_group_id=naming.name("cache", max_length=40),
                                      description="stand-in", num_cache_clusters=env.cache.num_nodes)
cluster = aws.ecs.Cluster("cluster", name=naming.name("cluster"))
services = {}
for svc in env.services:
    services[svc.name] = aws.ecs.Service(
        f"svc-{svc.name}", name=naming.name(svc.name), cluster=cluster.arn,
        load_balancers=[aws.ecs.ServiceLoadBalancerArgs(
            target_group_arn=target_groups[svc.name, "blue"].arn, container_name=svc.name,
            container_port=svc.port,
        )] if svc.kind == "web" else None,
        alarms=aws.ecs.ServiceAlarmsArgs(
            alarm_names=deployment_alarm_names(naming, svc.name, svc.kind), enable=True,
            rollback=True))
nats = [aws.ec2.NatGateway(f"nat-{i}", subnet_id=f"subnet-{i}") for i in range(2)]
nat_instance = aws.ec2.Instance("nat-instance", ami="ami-0123456789abcdef0",
                                instance_type="t4g.nano", source_dest_check=False)


class _Svc:
    """Duck-types FargateService for AlarmTargets.from_components."""

    def __init__(self, config, service):
        blue, green = target_groups.get((config.name, "blue")), target_groups.get((config.name, "green"))
        self.config = config
        self.service_name = service.name
        self.cluster_name = cluster.name
        self.target_group_arn_suffix = blue.arn_suffix if blue else None
        self.alternate_target_group = green


class _Db:
    identifier = db.identifier
    config = env.database


class _Cache:
    member_clusters = rg.member_clusters
    config = env.cache


class _Lb:
    arn_suffix = lb.arn_suffix


targets = AlarmTargets.from_components(
    region=env.region,
    load_balancer=_Lb(),
    services={s.name: _Svc(s, services[s.name]) for s in env.services},
    database=_Db(),
    cache=_Cache(),
    nat_gateways=nats,
    nat_instances=[nat_instance],
)
notifications = Notifications("notifications", env.alarms, naming=naming, account=account,
                              key_arn=key.arn, database_identifier=db.identifier)
alarms = EnvironmentAlarms("alarms", env.alarms, naming=naming, targets=targets,
                           topic_arns=notifications.topic_arns)
Dashboard("dashboard", naming=naming, targets=targets, alarms=alarms.alarms)
pulumi.export("alarm_names", alarms.names)
