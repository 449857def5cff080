"""queue-and-search: a web api and a queue worker, a job queue and a search domain, wired by
intent.

| component            | what it is                                     | who reaches it                 |
|----------------------|------------------------------------------------|--------------------------------|
| api (FargateService) | web, port 8000, behind the `LoadBalancer`      | the load balancer              |
| worker               | a queue worker, scaled on the queue's depth    | nobody                         |
| jobs (Queue)         | SQS + dead-letter queue, data key, TLS only    | api sends, worker receives     |
| search (SearchDomain)| OpenSearch in the VPC, 443, IAM master         | api only (443 + es:ESHttp*)    |

Nothing reaches a store until the program says who may: `jobs.allow_from(api, send=True)` and
`jobs.allow_from(worker, receive=True)` grant each task role exactly its SQS actions on the
queue (a queue has no security group: SQS is reached over HTTPS, IAM decides);
`search.allow_from(groups.for_service("api"), role=api)` adds one flow, 443 from the api's
group to the domain's `opensearch` group (ingress there, egress on the api's), and grants the
api's task role the domain's HTTP API. Each store's `connection()` hands the services what
they need to find it (JOBS_QUEUE_URL, SEARCH_ENDPOINT), combined with `ServiceWiring.combine`.
One `EnvironmentAlarms` watches the load balancer, both services, the queue and the domain.

Only the public API: `from groundwork.components import ...`, each component built as
`Component(name, <Component>Args(...))`.
"""

import pulumi

from groundwork.components import (
    AlarmTargets,
    CertificateSettings,
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
    Queue,
    QueueArgs,
    QueueMetricSettings,
    ScalingSettings,
    SearchDomain,
    SearchDomainArgs,
    SecurityGroups,
    SecurityGroupsArgs,
    ServicePeer,
    ServiceWiring,
    WebFirewall,
    WebFirewallArgs,
)

config = pulumi.Config()
image = config.require("image")  # your image: a version tag or a digest, never :latest
certificate_arn = config.require("certificateArn")  # an issued ACM certificate, this region
region = pulumi.Config("aws").require("region")
# Tags on every resource the components create (besides Name and what each one is). Every AWS
# name starts with <project>-<stack>-<component name>: the default name_prefix.
tags = {"Owner": "platform-team", "Project": pulumi.get_project(), "Environment": pulumi.get_stack(),
        "ManagedBy": "pulumi"}

# All three keys: logs (log groups), data (the queues, the domain's storage), notifications
# (the alarm topics).
keys = EnvironmentKeys("kms", EnvironmentKeysArgs(tags=tags))
logs_key, data_key = keys.require("logs").arn, keys.require("data").arn

# The seed layout over 3 AZs (the search domain spreads its 3 data nodes over 3 data subnets,
# one per AZ), one NAT, no RDS / ElastiCache subnet groups (database_tier=None).
network = Network("network", NetworkArgs(cidr="10.50.0.0/16", az_count=3, nat="single",
                                         database_tier=None, logs_key_arn=logs_key, tags=tags))

# The groups: the alb (443 and the 80 redirect from the internet, 8000 to the api), one per
# service, and one `opensearch` store group that admits nothing until `search.allow_from`.
groups = SecurityGroups("security-groups", SecurityGroupsArgs(
    vpc_id=network.outputs.vpc_id, vpc_cidr=network.outputs.vpc_cidr,
    services=(ServicePeer(name="api", kind="web", port=8000), ServicePeer(name="worker")),
    stores={"opensearch": 443},
    tags=tags))

# The job queue and its dead-letter queue (queue-and-search-dev-jobs, ...-jobs-dlq), encrypted
# with the data key, TLS only, redriven after 5 failed receives. The visibility timeout is
# checked against the longest job: a job that outlives it would run twice. Pulumi `protect`:
# `pulumi destroy` can't drop the jobs nobody has processed yet (the pack's
# prod-stateful-protected).
jobs = Queue("jobs", QueueArgs(data_key_arn=data_key, max_job_seconds=240,
                               visibility_timeout_seconds=300, protect=True, tags=tags))

# The search domain, in the VPC over the 3 data subnets, behind the `opensearch` group: the
# component's production defaults (3 r6g.large data nodes with zone awareness over 3 AZs,
# 3 dedicated masters, encryption at rest with the data key, node-to-node encryption, HTTPS
# with TLS 1.2+ forward-secret ciphers, fine-grained access control with an IAM master role,
# the four log types to KMS-encrypted log groups, Pulumi `protect`) with 50 GiB per node
# instead of 100.
search = SearchDomain("search", SearchDomainArgs(
    security_group=groups,
    subnet_ids=network.outputs.subnet_ids["data"],
    data_key_arn=data_key,
    logs_key_arn=logs_key,
    volume_size_gb=50,
    tags=tags,
))

cluster = EcsCluster("cluster", EcsClusterArgs(tags=tags))  # Container Insights enhanced

assert groups.alb is not None  # a web service behind the load balancer: the matrix has one
load_balancer = LoadBalancer("load-balancer", LoadBalancerArgs(
    certificate=CertificateSettings(arn=certificate_arn),
    vpc_id=network.outputs.vpc_id,
    subnet_ids=network.outputs.subnet_ids["public"],
    security_group_ids=[groups.alb.id],
    tags=tags,
))

# The web firewall on the load balancer (docs/edge.md): AWS's managed rule groups, a per-IP
# rate limit, logs on the logs key with the Authorization and Cookie headers redacted. No SQL
# injection group: this program has no SQL database.
firewall = WebFirewall("web-firewall", WebFirewallArgs(
    resource_arns=[load_balancer.arn],
    logs_key_arn=logs_key,
    sql_injection=False,
    tags=tags,
))

# The api: behind the load balancer on 8000, told where the queue and the domain are (both
# known only at deploy time). No secrets: both stores are reached with the task role's IAM.
api = FargateService("api", FargateServiceArgs(
    kind="web",
    image=image,
    port=8000,
    cpu=256,
    memory=512,
    cluster=cluster,
    subnet_ids=network.outputs.subnet_ids["compute"],
    security_group_ids=[groups.for_service("api").id],
    logs_key_arn=logs_key,
    load_balancer=load_balancer,
    listener_priority=100,
    wiring=ServiceWiring.combine(jobs.connection(), search.connection()),
    tags=tags,
))

# The worker: no port, no load balancer; between 1 and 10 tasks, about 50 visible messages per
# running task. The metric's QueueName is the queue's `name` output (`queue_dimensions`), the
# same value the queue-backlog alarm watches.
worker = FargateService("worker", FargateServiceArgs(
    kind="worker",
    image=image,
    command=["python", "-m", "app.worker"],
    cpu=512,
    memory=1024,
    scaling=ScalingSettings(min_count=1, max_count=10,
                            queue_metric=QueueMetricSettings(target_per_task=50)),
    cluster=cluster,
    subnet_ids=network.outputs.subnet_ids["compute"],
    security_group_ids=[groups.for_service("worker").id],
    logs_key_arn=logs_key,
    queue_dimensions={"QueueName": jobs.name},
    wiring=jobs.connection(),
    tags=tags,
))

# Who may do what: the api sends jobs, the worker receives them (IAM on each task role, on
# this queue's ARN and the data key through SQS only); the api alone reaches the domain (one
# security-group flow on 443, and es:ESHttp* on this domain for its task role).
jobs.allow_from(api, send=True)
jobs.allow_from(worker, receive=True)
search.allow_from(groups.for_service("api"), role=api)

# Alarms on the load balancer, both services (the worker's queue backlog among them), the
# queue (oldest message, dead letters), the domain (cluster health, storage, CPU, memory,
# masters...) and the NAT, to two SNS topics encrypted with the notifications key.
notifications = Notifications("notifications", NotificationsArgs(
    key_arn=keys.require("notifications").arn, tags=tags))
alarms = EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
    targets=AlarmTargets.from_components(
        region=region, load_balancers=[load_balancer], services=[api, worker],
        queues=[jobs], searches=[search], networks=[network], web_firewalls=[firewall]),
    critical_topic_arn=notifications.critical.arn,
    warning_topic_arn=notifications.warning.arn,
    tags=tags,
))

pulumi.export("url", pulumi.Output.concat("https://", load_balancer.dns_name))
pulumi.export("queue", {"url": jobs.url, "name": jobs.name, "arn": jobs.arn,
                        "dead_letter_queue_url": jobs.dlq_url})
pulumi.export("search", {"endpoint": search.endpoint, "domain_name": search.domain_name,
                         "arn": search.arn, "master_user_arn": search.master_user_arn,
                         "security_group_id": search.security_group_id})
pulumi.export("web_acl_arn", firewall.arn)
pulumi.export("task_role_arns", {"api": api.task_role.arn, "worker": worker.task_role.arn})
pulumi.export("alarm_names", alarms.names)
