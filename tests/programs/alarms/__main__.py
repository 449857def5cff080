"""The monitoring and CI components on plain pulumi-aws stand-ins, the way a library user wires
them to resources groundwork did not build; stack config `alarms:case` picks the case
(tests/test_alarms.py, tests/test_github_deploy_role.py).

- standin: an ALB with a rolling and a blue/green web service, a queue worker, an RDS instance,
  a replication group, two NAT gateways and a NAT instance, targets built by hand; the ECS
  services roll back on `deployment_alarm_names`; then Notifications, EnvironmentAlarms and
  Dashboard. Shapes the real stacks don't have, without touching Pulumi.<stack>.yaml.
- two_of_each: two load balancers, databases, caches, networks and services watched by two
  EnvironmentAlarms, with two Notifications, two Dashboards and two GithubDeployRoles (the second
  trusting the first's OIDC provider).
- misnamed_rollback: a service whose rollback alarms another EnvironmentAlarms would create.
- refuse: build what `alarms:refuse` names with one argument missing or wrong, catch the error
  and export it as `error` (the test checks that nothing of that component registered).
"""

import pulumi
import pulumi_aws as aws

from groundwork.components.alarm_names import deployment_alarm_names
from groundwork.components.alarms import (
    AlarmTargets,
    CacheTarget,
    CloudFrontTarget,
    Dashboard,
    DashboardArgs,
    DatabaseTarget,
    DocumentsTarget,
    EnvironmentAlarms,
    EnvironmentAlarmsArgs,
    HealthCheckTarget,
    KafkaTarget,
    LoadBalancerTarget,
    NatTarget,
    Notifications,
    NotificationsArgs,
    QueueTarget,
    SearchTarget,
    ServiceTarget,
    WebFirewallTarget,
)
from groundwork.components.base import AccountContext
from groundwork.components.cache import RedisCacheSettings
from groundwork.components.database import PostgresDatabaseSettings
from groundwork.components.document_database import DocumentDatabaseSettings
from groundwork.components.github_deploy_role import GithubDeployRole, GithubDeployRoleArgs
from groundwork.components.kafka import KafkaSettings
from groundwork.components.queue import QueueSettings
from groundwork.components.search import SearchDomainSettings
from groundwork.components.service import (
    DeploymentSettings,
    FargateServiceSettings,
    QueueMetricSettings,
    ScalingSettings,
)
from groundwork.components.web_firewall import WebFirewallSettings

config = pulumi.Config()
case = config.require("case")
region = pulumi.Config("aws").require("region")
PREFIX = "alarms-test"
common = {"name_prefix": PREFIX, "tags": {"Owner": "alarm-tests", "Environment": "test"}}
account = AccountContext(region=region, account_id="123456789012")
WEB = FargateServiceSettings(kind="web", image="example/api:1.0.0", port=8080)
BLUE_GREEN = FargateServiceSettings(kind="web", image="example/shop:1.0.0", port=8080,
                                    deployment=DeploymentSettings(strategy="BLUE_GREEN"))
WORKER = FargateServiceSettings(kind="worker", image="example/jobs:1.0.0", scaling=ScalingSettings(
    min_count=1, queue_metric=QueueMetricSettings(dimensions={"QueueName": "jobs"})))
DB = PostgresDatabaseSettings()
CACHE = RedisCacheSettings()
key = aws.kms.Key("notifications-key")
cluster = aws.ecs.Cluster("cluster", name=f"{PREFIX}-cluster")


def load_balancer(name: str) -> aws.lb.LoadBalancer:
    return aws.lb.LoadBalancer(name, name=f"{PREFIX}-{name}"[:32])


def service(name: str, settings: FargateServiceSettings, lb: aws.lb.LoadBalancer | None,
            *, alarms: str = "alarms") -> ServiceTarget:
    """A stand-in ECS service (with its target groups behind `lb`) that rolls back on the
    alarms `deployment_alarm_names` names, and its target."""
    groups = []
    if lb is not None:
        roles = ("blue", "green") if settings.deployment.strategy != "ROLLING" else ("blue",)
        groups = [aws.lb.TargetGroup(f"{name}-{role}", name=f"{PREFIX}-{name}-{role}"[:32],
                                     port=8080, protocol="HTTP", target_type="ip")
                  for role in roles]
    ecs = aws.ecs.Service(
        f"svc-{name}", name=f"{PREFIX}-{name}", cluster=cluster.arn,
        load_balancers=[aws.ecs.ServiceLoadBalancerArgs(
            target_group_arn=groups[0].arn, container_name=name, container_port=8080,
        )] if groups else None,
        alarms=aws.ecs.ServiceAlarmsArgs(
            alarm_names=deployment_alarm_names(name, settings.kind, name_prefix=PREFIX,
                                               alarms=alarms),
            enable=True, rollback=True))
    return ServiceTarget(
        name=name, settings=settings, cluster_name=cluster.name, service_name=ecs.name,
        target_group_arn_suffix=groups[0].arn_suffix if groups else None,
        alternate_target_group_arn_suffix=groups[1].arn_suffix if len(groups) > 1 else None,
        load_balancer_arn_suffix=lb.arn_suffix if lb is not None else None)


def database(name: str, settings: PostgresDatabaseSettings = DB) -> DatabaseTarget:
    db = aws.rds.Instance(name, identifier=f"{PREFIX}-{name}", instance_class=settings.instance_class,
                          engine="postgres", allocated_storage=settings.allocated_storage_gb)
    return DatabaseTarget(name, db.identifier, settings)


def cache(name: str, settings: RedisCacheSettings = CACHE) -> CacheTarget:
    rg = aws.elasticache.ReplicationGroup(name, replication_group_id=f"{PREFIX}-{name}",
                                          description="stand-in", num_cache_clusters=settings.num_nodes)
    return CacheTarget(name, rg.member_clusters, settings)


def search(name: str, settings: SearchDomainSettings | None = None) -> SearchTarget:
    domain = aws.opensearch.Domain(name, domain_name=f"{PREFIX}-{name}"[:28])
    return SearchTarget(name, domain.domain_name, domain.arn.apply(lambda a: a.split(":")[4]),
                        settings or SearchDomainSettings())


def documents(name: str) -> DocumentsTarget:
    """A two-instance DocumentDB cluster: 5 alarms per instance and the cluster's replica lag."""
    cluster = aws.docdb.Cluster(name, cluster_identifier=f"{PREFIX}-{name}", engine="docdb")
    instances = [aws.docdb.ClusterInstance(f"{name}-{i}", identifier=f"{PREFIX}-{name}-{i}",
                                           cluster_identifier=cluster.id,
                                           instance_class="db.r6g.large") for i in (1, 2)]
    return DocumentsTarget(name, cluster.cluster_identifier, [i.identifier for i in instances],
                           DocumentDatabaseSettings())


def kafka(name: str) -> KafkaTarget:
    cluster = aws.msk.Cluster(name, cluster_name=f"{PREFIX}-{name}", kafka_version="3.9.x",
                              number_of_broker_nodes=2, broker_node_group_info={
                                  "client_subnets": ["subnet-a", "subnet-b"],
                                  "instance_type": "kafka.m7g.large", "security_groups": ["sg-1"]})
    return KafkaTarget(name, cluster.cluster_name, ("1", "2"), KafkaSettings(), az_count=2)


def queue(name: str) -> QueueTarget:
    """A queue and its DLQ no worker scales on: oldest message, DLQ not empty, queue depth."""
    main = aws.sqs.Queue(name, name=f"{PREFIX}-{name}")
    dlq = aws.sqs.Queue(f"{name}-dlq", name=f"{PREFIX}-{name}-dlq")
    return QueueTarget(name, main.name, dlq.name, QueueSettings())


def health_check(name: str) -> HealthCheckTarget:
    """A Route 53 health check: its alarm is in us-east-1 (this program's region)."""
    check = aws.route53.HealthCheck(f"{name}-health", type="HTTPS", fqdn="app.example.com",
                                    port=443, resource_path="/health/ready")
    return HealthCheckTarget(name, check.id, "app.example.com", "/health/ready")


def web_firewall(name: str) -> WebFirewallTarget:
    """A REGIONAL web ACL (its alarms: the stack's region, with a Region dimension)."""
    acl = aws.wafv2.WebAcl(f"{name}-acl", name=f"{PREFIX}-{name}", scope="REGIONAL",
                           default_action={"allow": {}},
                           visibility_config={"cloudwatch_metrics_enabled": True,
                                              "metric_name": f"{PREFIX}-{name}",
                                              "sampled_requests_enabled": True})
    return WebFirewallTarget(name, acl.name, "rate-limit", "REGIONAL", region,
                             WebFirewallSettings())


def distribution(name: str) -> CloudFrontTarget:
    """A CloudFront distribution: its 5xx-rate alarm is in us-east-1 (this program's region)."""
    dist = aws.cloudfront.Distribution(
        f"{name}-distribution", enabled=True,
        origins=[{"origin_id": "app", "domain_name": "origin.example.com"}],
        default_cache_behavior={"target_origin_id": "app", "viewer_protocol_policy": "https-only",
                                "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"]},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True})
    return CloudFrontTarget(name, dist.id)


def nat(network: str, gateways: int, instance: bool = False) -> NatTarget:
    gws = [aws.ec2.NatGateway(f"{network}-nat-{i}", subnet_id=f"subnet-{network}-{i}")
           for i in range(gateways)]
    instances = [aws.ec2.Instance(f"{network}-nat-instance", ami="ami-0123456789abcdef0",
                                  instance_type="t4g.nano", source_dest_check=False)] if instance else []
    return NatTarget(network, gateway_ids=[g.id for g in gws], instance_ids=[i.id for i in instances])


def monitoring(suffix: str, targets: AlarmTargets, **notify: object) -> EnvironmentAlarms:
    """Notifications, EnvironmentAlarms and Dashboard named `<kind><suffix>` over `targets`."""
    notifications = Notifications(f"notifications{suffix}", NotificationsArgs(
        **common, account=account, key_arn=key.arn,
        database_identifiers=[d.identifier for d in targets.databases], **notify))
    alarms = EnvironmentAlarms(f"alarms{suffix}", EnvironmentAlarmsArgs(
        **common, targets=targets, critical_topic_arn=notifications.critical.arn,
        warning_topic_arn=notifications.warning.arn))
    Dashboard(f"dashboard{suffix}", DashboardArgs(**common, alarms=alarms,
                                                  notifications=notifications))
    return alarms


if case == "standin":
    alb = load_balancer("alb")
    targets = AlarmTargets(
        region=region,
        load_balancers=[LoadBalancerTarget("alb", alb.arn_suffix)],
        services=[service("api", WEB, alb), service("shop", BLUE_GREEN, alb),
                  service("jobs", WORKER, None)],
        databases=[database("db")],
        caches=[cache("cache")],
        nats=[nat("network", 2, instance=True)],
        searches=[search("search")],
        kafkas=[kafka("kafka")],
        documents=[documents("documents")],
        queues=[queue("orders")],
        health_checks=[health_check("dns")],
        web_firewalls=[web_firewall("waf")],
        distributions=[distribution("cdn")],
    )
    alarms = monitoring("", targets, critical_emails=["oncall@example.com"],
                        warning_emails=["team@example.com"],
                        critical_https_endpoints=["https://events.example.com/hook/abc"])
    pulumi.export("alarm_names", alarms.names)

elif case == "two_of_each":
    public, internal = load_balancer("public"), load_balancer("internal")
    targets = AlarmTargets(
        region=region,
        load_balancers=[LoadBalancerTarget("public", public.arn_suffix),
                        LoadBalancerTarget("internal", internal.arn_suffix)],
        services=[service("api", WEB, public), service("admin", WEB, internal)],
        databases=[database("main"),
                   database("analytics", PostgresDatabaseSettings(
                       instance_class="db.r7g.xlarge", allocated_storage_gb=200,
                       max_allocated_storage_gb=500))],
        caches=[cache("sessions"), cache("jobs", RedisCacheSettings(num_nodes=1))],
        nats=[nat("network", 1), nat("analytics-net", 2)],
    )
    first = monitoring("", targets)
    second = monitoring("-b", targets)
    deploy = GithubDeployRole("ci", GithubDeployRoleArgs(**common, account=account,
                                                         repository="acme/shop"))
    GithubDeployRole("ci-b", GithubDeployRoleArgs(
        **common, account=account, repository="acme/admin", oidc_provider_arn=deploy.provider_arn))
    pulumi.export("alarm_names", {"alarms": first.names, "alarms-b": second.names})

elif case == "misnamed_rollback":
    # a service told to roll back on the alarms of an EnvironmentAlarms named "monitoring",
    # watched by one named "alarms": the plan warns (ECS would never roll back)
    api = service("api", WEB, load_balancer("alb"), alarms="monitoring")
    ecs_names = deployment_alarm_names("api", "web", name_prefix=PREFIX, alarms="monitoring")
    targets = AlarmTargets(region=region, services=[ServiceTarget(
        **{**api.__dict__, "deployment_alarm_names": ecs_names})])
    EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
        **common, targets=targets, critical_topic_arn="arn:c", warning_topic_arn="arn:w"))

elif case == "refuse":
    what = config.require("refuse")
    targets = AlarmTargets(region=region, databases=[database("db")])
    try:
        if what == "alarms_without_targets":
            EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
                **common, critical_topic_arn="arn:c", warning_topic_arn="arn:w"))
        elif what == "alarms_without_warning_topic":
            EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
                **common, targets=targets, critical_topic_arn="arn:c"))
        elif what == "alarms_with_two_databases_named_alike":
            EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
                **common, targets=AlarmTargets(region=region, databases=[*targets.databases] * 2),
                critical_topic_arn="arn:c", warning_topic_arn="arn:w"))
        elif what == "alarms_with_an_unknown_override":
            EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
                **common, targets=targets, critical_topic_arn="arn:c", warning_topic_arn="arn:w",
                overrides={"rds-cpux": {"threshold": 80}}))
        elif what == "notifications_without_key":
            Notifications("notifications", NotificationsArgs(**common, account=account))
        elif what == "notifications_with_http_endpoint":
            Notifications("notifications", NotificationsArgs(
                **common, account=account, key_arn=key.arn,
                critical_https_endpoints=["http://pager.example.com/x"]))
        elif what == "dashboard_without_targets":
            Dashboard("dashboard", DashboardArgs(**common))
        elif what == "deploy_role_without_repository":
            GithubDeployRole("ci", GithubDeployRoleArgs(**common, account=account))
        elif what == "deploy_role_with_wildcard_repository":
            GithubDeployRole("ci", GithubDeployRoleArgs(**common, account=account,
                                                        repository="acme/*"))
        elif what == "deploy_role_for_any_branch":
            GithubDeployRole("ci", GithubDeployRoleArgs(**common, account=account,
                                                        repository="acme/shop", branches=["*"]))
        else:
            raise KeyError(what)
    except ValueError as exc:
        pulumi.export("error", str(exc))

else:
    raise ValueError(f"unknown case {case!r}")
