"""web-service: a web api that proves each release before it takes traffic.

| piece                 | what it does                                                         |
|-----------------------|----------------------------------------------------------------------|
| CANARY deployment     | 10 % of production traffic for 5 minutes, then 100 %; the old        |
|                       | revision kept 10 minutes for an instant rollback                      |
| test listener rule    | `X-Groundwork-Test: api` from inside the VPC only -> the new revision |
| pre-traffic hook      | a Lambda in the VPC runs the smoke checks through the test rule; a   |
|                       | bad status, body or p95 rolls the deployment back before any user    |
|                       | request reaches the new revision                                     |
| smoke checks          | /health (JSON key `status`), /health/ready, /api/v1/products (p95)   |
| tracing               | an ADOT collector sidecar -> X-Ray; the task role may write traces   |
| deploy notices        | started / succeeded / rolled back / failed -> a deploys topic, e-mail |
| alarms                | the service's 5xx, latency, unhealthy hosts... also roll a deploy     |
|                       | back; `deployment-rolled-back` tells on-call                         |

Every piece is a component's Args: nothing here is specific to groundwork's own stacks.

Only the public API: `from groundwork.components import ...`, each component built as
`Component(name, <Component>Args(...))`.
"""

import pulumi

from groundwork.components import (
    AlarmTargets,
    CertificateSettings,
    Dashboard,
    DashboardArgs,
    DeploymentSettings,
    DeployNotices,
    DeployNoticesArgs,
    EcsCluster,
    EcsClusterArgs,
    EnvironmentAlarms,
    EnvironmentAlarmsArgs,
    EnvironmentKeys,
    EnvironmentKeysArgs,
    FargateService,
    FargateServiceArgs,
    LoadBalancer,
    LoadBalancerArgs,
    Network,
    NetworkArgs,
    Notifications,
    NotificationsArgs,
    RoutingSettings,
    SecurityGroups,
    SecurityGroupsArgs,
    ServicePeer,
    SmokeCheckSettings,
    TracingSettings,
    WebFirewall,
    WebFirewallArgs,
    deployment_alarm_names,
)

config = pulumi.Config()
image = config.require("image")  # your image: a version tag or a digest, never :latest
certificate_arn = config.require("certificateArn")  # an issued ACM certificate for hostName
host = config.require("hostName")  # e.g. api.example.com
deploy_emails: list[str] = config.get_object("deployEmails") or []
region = pulumi.Config("aws").require("region")
# Every AWS name starts with <project>-<stack>-<component name> (the default name_prefix).
tags = {"Owner": "platform-team", "Project": pulumi.get_project(), "Environment": pulumi.get_stack(),
        "ManagedBy": "pulumi"}

# The logs, data and notifications keys. eventbridge_publishes: the deploy notices are
# EventBridge rules publishing to a topic this key encrypts, so the key lets
# events.amazonaws.com use it (without it, EventBridge's deliveries fail silently).
keys = EnvironmentKeys("kms", EnvironmentKeysArgs(eventbridge_publishes=True, tags=tags))
logs_key = keys.require("logs").arn
notifications_key = keys.require("notifications").arn

network = Network("network", NetworkArgs(cidr="10.60.0.0/16", az_count=2, nat="single",
                                         database_tier=None, logs_key_arn=logs_key, tags=tags))

# The matrix: the alb group (443 and the 80 redirect from the internet, 8000 to the api), the
# api's group, and `deploy_hook=True`: the `api-hook` group of the pre-traffic hook function,
# which may reach the ALB on 443 (the test rule) and HTTPS out (the EC2 API, via the NAT).
groups = SecurityGroups("security-groups", SecurityGroupsArgs(
    vpc_id=network.outputs.vpc_id, vpc_cidr=network.outputs.vpc_cidr,
    services=(ServicePeer(name="api", kind="web", port=8000, deploy_hook=True),),
    tags=tags))

cluster = EcsCluster("cluster", EcsClusterArgs(tags=tags))  # Container Insights enhanced

assert groups.alb is not None  # a web service behind the load balancer: the matrix has one
load_balancer = LoadBalancer("load-balancer", LoadBalancerArgs(
    certificate=CertificateSettings(arn=certificate_arn),
    vpc_id=network.outputs.vpc_id,
    subnet_ids=network.outputs.subnet_ids["public"],
    security_group_ids=[groups.alb.id],
    tags=tags,
))
firewall = WebFirewall("web-firewall", WebFirewallArgs(
    resource_arns=[load_balancer.arn], logs_key_arn=logs_key, sql_injection=False, tags=tags))

# The alarms below roll a deployment back too (ECS watches them during each deployment): the
# names EnvironmentAlarms("alarms") creates for the web service "api" (same default prefix),
# known before it exists.
rollback_alarms = deployment_alarm_names("api", "web", alarms="alarms")

api = FargateService("api", FargateServiceArgs(
    kind="web",
    image=image,
    port=8000,
    cpu=512,
    memory=1024,  # the collector sidecar takes 64 CPU units and 256 MiB of it
    cluster=cluster,
    subnet_ids=network.outputs.subnet_ids["compute"],
    security_group_ids=[groups.for_service("api").id],
    logs_key_arn=logs_key,
    load_balancer=load_balancer,
    # Production rule at 100 for the api's host; the test rule must come first (a lower
    # number): X-Groundwork-Test: api, and only from the VPC, where the hook runs.
    routing=RoutingSettings(host_headers=[host]),
    listener_priority=100,
    test_listener_priority=1,
    test_source_cidrs=[network.outputs.vpc_cidr],
    hook_security_group_ids=[groups.for_hook("api").id],
    # CANARY: 10 % for 5 minutes, then 100 %, the old revision kept 10 more minutes. Before any
    # production traffic moves, the pre-traffic hook (pre_traffic_hook, on by default) runs
    # the smoke checks through the test rule. LINEAR instead: strategy="LINEAR",
    # linear_step_percent=25, linear_step_bake_time_minutes=5.
    deployment=DeploymentSettings(strategy="CANARY", canary_percent=10,
                                  canary_bake_time_minutes=5, bake_time_minutes=10),
    # What the hook (and `groundwork verify`) asks of a new revision. The hook's timeout
    # (deployment.hook_timeout_seconds, 300 s) must cover every request timing out:
    # (5 + 5 + 10 requests) x 5 s + 30 s = 130 s, checked before anything is built.
    smoke_checks=[
        SmokeCheckSettings(path="/health", json_key="status"),
        SmokeCheckSettings(path="/health/ready"),
        SmokeCheckSettings(path="/api/v1/products", requests=10, p95_ms=800),
    ],
    tracing=TracingSettings(enabled=True),  # OTLP on localhost:4317/4318 -> X-Ray
    deployment_alarm_names=rollback_alarms,
    tags=tags,
))

notifications = Notifications("notifications", NotificationsArgs(key_arn=notifications_key,
                                                                  tags=tags))
alarms = EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
    targets=AlarmTargets.from_components(region=region, load_balancers=[load_balancer],
                                         services=[api], networks=[network],
                                         web_firewalls=[firewall]),
    critical_topic_arn=notifications.critical.arn,
    warning_topic_arn=notifications.warning.arn,
    tags=tags,
))

# Deploy notices: EventBridge rules on the api's ECS deployment events -> the deploys topic
# (web-service-dev-deploy-notices-deploys, on the notifications key) -> e-mail. The
# deployment-rolled-back alarm goes to the critical or warning topic by its catalog severity.
# Slack: DeployNoticesArgs(slack=SlackSettings(team_id="T...", channel_id="C...")).
notices = DeployNotices("deploy-notices", DeployNoticesArgs(
    service_arns=[api.service_arn],
    key_arn=notifications_key,
    emails=deploy_emails,
    alarm_topic_arns=notifications.topic_arns,
    tags=tags,
))
dashboard = Dashboard("dashboard", DashboardArgs(
    alarms=alarms, notifications=notifications,
    other_alarms=[notices.alarm] if notices.alarm is not None else [], tags=tags))

pulumi.export("url", f"https://{host}")
pulumi.export("load_balancer_dns_name", load_balancer.dns_name)  # point hostName's record here
pulumi.export("service_name", api.service_name)
pulumi.export("deploy", {
    "strategy": api.args.deployment.strategy,
    "test_rule_arn": api.test_rule.arn if api.test_rule is not None else None,
    "hook_function": api.hook_function.name if api.hook_function is not None else None,
    "deploys_topic_arn": notices.topic_arn,
    "notice_rules": notices.rule_names,
})
pulumi.export("rollback_alarms", rollback_alarms)
pulumi.export("alarm_names", alarms.names)
