"""Two of every public component in one program, wired the way a platform team would
(tests/test_two_of_each.py): a `blue` and a `green` environment side by side in one stack, each
with its own keys, network, security groups, database, cache, queue, search domain, document
database, Kafka cluster, cluster, web and worker services, notifications, alarms, dashboard and
CI role, and the edge of issue 13: an internal HTTPS load balancer (its listener's security
headers with the environment's own CSP) behind a CloudFront distribution (VPC origin) with a
CLOUDFRONT-scope web firewall, and the domain records (A + AAAA aliases to the distribution, a
health check) of `<color>.example.com`; and issue 15's data protection: a backup plan (vaults
here and, through the one `aws-dr` provider, in us-west-2 on the environment's DR key) whose
tag the database, the document database and the asset bucket carry, the asset bucket
replicated to us-west-2, and the backup notices on the critical topic; and issue 14's release
safety: two blue/green web services on each environment's ONE load balancer (`api` CANARY,
`shop` LINEAR, each with its test rule, pre-traffic hook, hook group and infrastructure role)
and a `DeployNotices` per environment. Only the components'
names (and the CSP and domain, which name the environment) differ, so any clash of URNs or AWS
names is a naming bug. The search domains are `product-catalogue-blue` and `-green`: their AWS
domain names (<= 28 characters) share the first 28 characters, so only the hash that cuts them
keeps them apart.

Stack config `twins:duplicate` true registers a second `blue` network as well: the engine must
refuse that program, naming the URN.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components import (
    AccountContext,
    AlarmTargets,
    AssetBucket,
    AssetBucketArgs,
    BackupNotices,
    BackupNoticesArgs,
    BackupPlan,
    BackupPlanArgs,
    CertificateSettings,
    CloudFrontDistribution,
    CloudFrontDistributionArgs,
    Dashboard,
    DashboardArgs,
    DeploymentSettings,
    DeployNotices,
    DeployNoticesArgs,
    DocumentDatabase,
    DocumentDatabaseArgs,
    DomainHealthCheckSettings,
    DomainRecords,
    DomainRecordsArgs,
    EcsCluster,
    EcsClusterArgs,
    EncryptionKey,
    EncryptionKeyArgs,
    EnvironmentAlarms,
    EnvironmentAlarmsArgs,
    EnvironmentKeys,
    EnvironmentKeysArgs,
    FargateService,
    FargateServiceArgs,
    GithubDeployRole,
    GithubDeployRoleArgs,
    GithubPreviewRole,
    GithubPreviewRoleArgs,
    Kafka,
    KafkaArgs,
    LoadBalancer,
    LoadBalancerArgs,
    Network,
    NetworkArgs,
    Notifications,
    NotificationsArgs,
    PostgresDatabase,
    PostgresDatabaseArgs,
    Queue,
    QueueArgs,
    QueueMetricSettings,
    RedisCache,
    RedisCacheArgs,
    RoutingSettings,
    ScalingSettings,
    SearchDomain,
    SearchDomainArgs,
    SecurityGroups,
    SecurityGroupsArgs,
    SecurityHeadersSettings,
    ServiceImage,
    ServiceImageArgs,
    ServicePeer,
    ServiceWiring,
    WebFirewall,
    WebFirewallArgs,
)
from groundwork.components.alarms.backup import notices_naming, rule_names

config = pulumi.Config("twins")
region = pulumi.Config("aws").require("region")
account = AccountContext(region=region, account_id="123456789012")
TAGS = {"Owner": "platform", "Environment": "test"}
IMAGE = "ghcr.io/your-org/app:1.0.0"
SERVICES = (ServicePeer(name="api", kind="web", port=8000, use_database=True, use_cache=True,
                        deploy_hook=True),
            ServicePeer(name="worker", use_database=True),
            ServicePeer(name="shop", kind="web", port=8080, deploy_hook=True))
WEB = {
    # two blue/green web services on one listener: production and test priorities apart, the
    # test rules first; shop's paths before api's catch-all
    "api": dict(listener_priority=100, test_listener_priority=1,
                deployment=DeploymentSettings(strategy="CANARY", canary_percent=10,
                                              canary_bake_time_minutes=5)),
    "shop": dict(listener_priority=90, test_listener_priority=2,
                 routing=RoutingSettings(path_patterns=["/shop", "/shop/*"]),
                 deployment=DeploymentSettings(strategy="LINEAR", linear_step_percent=25)),
}
"""Per web service: its rules' priorities, routing and strategy (both with the hook)."""
STORES = {"opensearch": 443, "documentdb": 27017, "kafka": 9098}
"""The store groups of issue 16's components; `allow_from` adds each flow."""
ZONE = "Z0TWINS0EXAMPLE"
"""The public hosted zone of example.com: both environments' certificates and records."""
DR_REGION = "us-west-2"
dr = aws.Provider("aws-dr", region=DR_REGION)
"""One DR-region provider for both environments (as the stacks have one)."""
dr_account = AccountContext(region=DR_REGION, account_id="123456789012")


def environment(color: str, cidr: str, *, oidc_provider_arn: object = None) -> GithubDeployRole:
    # eventbridge_publishes: the backup and deploy notices are EventBridge rules on topics the
    # notifications key encrypts
    keys = EnvironmentKeys(f"{color}-keys", EnvironmentKeysArgs(tags=TAGS, account=account,
                                                                eventbridge_publishes=True))
    audit_key = EncryptionKey(f"{color}-audit-key", EncryptionKeyArgs(
        tags=TAGS, account=account, purpose="data"))
    network = Network(f"{color}-net", NetworkArgs(
        tags=TAGS, account=account, cidr=cidr, az_count=2, nat="single",
        logs_key_arn=keys.require("logs").arn))
    dr_keys = EnvironmentKeys(f"{color}-dr-keys", EnvironmentKeysArgs(
        tags=TAGS, account=dr_account, purposes=("data",)),
        opts=pulumi.ResourceOptions(providers={"aws": dr}))
    backup = BackupPlan(f"{color}-backup", BackupPlanArgs(
        tags=TAGS, account=account, data_key_arn=keys.require("data").arn,
        copy_to_region=DR_REGION, dr_provider=dr, dr_key_arn=dr_keys.require("data").arn, s3=True))
    backup_tag = backup.selection_tag[1]
    groups = SecurityGroups(f"{color}-groups", SecurityGroupsArgs(
        tags=TAGS, vpc_id=network.outputs.vpc_id, vpc_cidr=cidr, services=SERVICES,
        database_port=5432, cache_port=6379, stores=STORES,
        alb_ingress="none"))  # internal ALB: only CloudFront's VPC origin comes in
    database = PostgresDatabase(f"{color}-db", PostgresDatabaseArgs(
        tags=TAGS, account=account, instance_class="db.t4g.small", allocated_storage_gb=20,
        max_allocated_storage_gb=100, subnet_group_name=network.outputs.db_subnet_group_name,
        security_group=groups, data_key_arn=audit_key.arn, logs_key_arn=keys.require("logs").arn,
        backup_tag=backup_tag, protect=False))
    cache = RedisCache(f"{color}-cache", RedisCacheArgs(
        tags=TAGS, node_type="cache.t4g.small", num_nodes=2,
        subnet_group_name=network.outputs.cache_subnet_group_name, security_group=groups,
        data_key_arn=keys.require("data").arn, logs_key_arn=keys.require("logs").arn,
        protect=False))
    queue = Queue(f"{color}-jobs", QueueArgs(
        tags=TAGS, account=account, data_key_arn=keys.require("data").arn))
    search = SearchDomain(f"product-catalogue-{color}", SearchDomainArgs(
        tags=TAGS, account=account, instance_type="t3.small.search", instance_count=2,
        availability_zones=2, dedicated_master=False, volume_size_gb=20, security_group=groups,
        subnet_ids=network.outputs.subnet_ids["data"], data_key_arn=keys.require("data").arn,
        logs_key_arn=keys.require("logs").arn, protect=False))
    documents = DocumentDatabase(f"{color}-docs", DocumentDatabaseArgs(
        tags=TAGS, instance_class="db.t4g.medium", performance_insights=False, security_group=groups,
        subnet_ids=network.outputs.subnet_ids["data"], data_key_arn=keys.require("data").arn,
        logs_key_arn=keys.require("logs").arn, deletion_protection=False, final_snapshot=False,
        backup_tag=backup_tag, protect=False))
    assets = AssetBucket(f"{color}-assets", AssetBucketArgs(
        tags=TAGS, account=account, data_key_arn=keys.require("data").arn, backup_tag=backup_tag,
        replicate_to_dr=True, dr_provider=dr, dr_key_arn=dr_keys.require("data").arn,
        dr_account=dr_account, protect=False))
    kafka = Kafka(f"{color}-kafka", KafkaArgs(
        tags=TAGS, instance_type="kafka.t3.small", volume_size_gb=100,
        security_group=groups, subnet_ids=network.outputs.subnet_ids["messaging"],
        data_key_arn=keys.require("data").arn, logs_key_arn=keys.require("logs").arn,
        protect=False))
    ServiceImage(f"{color}-image", ServiceImageArgs(tags=TAGS, kms_key_arn=keys.require("data").arn))
    cluster = EcsCluster(f"{color}-cluster", EcsClusterArgs(tags=TAGS, log_retention_days=30))
    assert groups.alb is not None
    domain = f"{color}.example.com"
    headers = SecurityHeadersSettings(content_security_policy=f"default-src 'self' {domain}")
    lb = LoadBalancer(f"{color}-lb", LoadBalancerArgs(
        tags=TAGS, account=account, internal=True, deletion_protection=False,
        certificate=CertificateSettings(domain=domain, zone_id=ZONE), security_headers=headers,
        vpc_id=network.outputs.vpc_id, subnet_ids=network.outputs.subnet_ids["compute"],
        security_group_ids=[groups.alb.id]))
    firewall = WebFirewall(f"{color}-waf", WebFirewallArgs(
        tags=TAGS, account=account, logs_key_arn=keys.require("logs").arn, scope="CLOUDFRONT",
        deny_cidrs=["203.0.113.0/24", "2001:db8::/32"]))
    cdn = CloudFrontDistribution(f"{color}-cdn", CloudFrontDistributionArgs(
        tags=TAGS, account=account, domains=[domain], zone_id=ZONE, web_acl_arn=firewall.arn,
        origin_arn=lb.arn, origin_domain_name=lb.dns_name, origin_security_group_id=groups.alb.id,
        vpc_id=network.outputs.vpc_id, security_headers=headers, wait_for_deployment=False,
        # the ALB's certificate names the same domain in the same zone: ACM asks both for one
        # CNAME, which the ALB's validation record already writes
        shared_validation_fqdns=dict(lb.validation_fqdns)))
    records = DomainRecords(f"{color}-dns", DomainRecordsArgs(
        tags=TAGS, zone_id=ZONE, domains=[domain], target_dns_name=cdn.domain_name,
        target_zone_id=cdn.hosted_zone_id, evaluate_target_health=False, ipv6=True,
        health_check=DomainHealthCheckSettings(enabled=True)))
    wiring = ServiceWiring(
        environment={"DATABASE_HOST": database.address, "CACHE_HOST": cache.primary_endpoint},
        secrets={"DATABASE_PASSWORD": pulumi.Output.concat(database.secret_arn, ":password::"),
                 "CACHE_AUTH_TOKEN": cache.auth_secret_arn},
        secret_arns=[database.secret_arn, cache.auth_secret_arn],
        secrets_key_arn=keys.require("data").arn)
    # the api uses every store; the worker consumes the queue (and scales on it) and Kafka
    stores = {"api": [queue.connection(), search.connection(), documents.connection(),
                      kafka.connection()],
              "worker": [queue.connection(), kafka.connection()], "shop": []}
    services = {
        peer.name: FargateService(f"{color}-{peer.name}", FargateServiceArgs(
            tags=TAGS, account=account, kind=peer.kind, image=IMAGE, port=peer.port,
            cpu=256, memory=512, cluster=cluster, subnet_ids=network.outputs.subnet_ids["compute"],
            security_group_ids=[groups.for_service(peer.name).id],
            logs_key_arn=keys.require("logs").arn,
            wiring=ServiceWiring.combine(wiring, *stores[peer.name])
            if peer.use_database else None,
            load_balancer=lb if peer.kind == "web" else None,
            **(dict(WEB[peer.name], test_source_cidrs=[cidr],
                    hook_security_group_ids=[groups.for_hook(peer.name).id])
               if peer.kind == "web" else dict(
                scaling=ScalingSettings(min_count=1, max_count=4,
                                        queue_metric=QueueMetricSettings(target_per_task=20)),
                queue_dimensions={"QueueName": queue.name})),
            deployment_alarm_names=[]))
        for peer in SERVICES
    }
    api, worker = services["api"], services["worker"]
    queue.allow_from(api, send=True)
    queue.allow_from(worker, receive=True)
    search.allow_from(groups.for_service("api"), role=api)
    documents.allow_from(groups.for_service("api"))
    kafka.allow_from(groups.for_service("api"), role=api, produce=True)
    kafka.allow_from(groups.for_service("worker"), role=worker, consume=True)
    assets.allow_from(api, "write")
    assets.allow_from(worker, "read")
    notices = f"{color}-backup-notices"
    notifications = Notifications(f"{color}-notify", NotificationsArgs(
        tags=TAGS, account=account, key_arn=keys.require("notifications").arn,
        critical_emails=["oncall@example.com"], database_identifiers=[database.identifier],
        event_rule_names=list(rule_names(notices_naming(notices)).values())))
    BackupNotices(notices, BackupNoticesArgs(
        tags=TAGS, vault_arns=[backup.vault_arn], restore_role_arns=[backup.role_arn],
        topic_arn=notifications.critical.arn, account_id=account.account_id))
    deploys = DeployNotices(f"{color}-deploy-notices", DeployNoticesArgs(
        tags=TAGS, account=account, service_arns=[s.service_arn for s in services.values()],
        key_arn=keys.require("notifications").arn, emails=[f"releases-{color}@example.com"],
        alarm_topic_arns=notifications.topic_arns))
    targets = AlarmTargets.from_components(
        region=region, load_balancers=[lb], services=services, databases=[database],
        caches=[cache], networks=[network], queues=[queue], searches=[search],
        documents=[documents], kafkas=[kafka], web_firewalls=[firewall],
        domain_records=[records], distributions=[cdn])
    alarms = EnvironmentAlarms(f"{color}-alarms", EnvironmentAlarmsArgs(
        tags=TAGS, targets=targets, critical_topic_arn=notifications.critical.arn,
        warning_topic_arn=notifications.warning.arn))
    Dashboard(f"{color}-dashboard", DashboardArgs(
        tags=TAGS, alarms=alarms, notifications=notifications,
        backup_vault_names=[backup.vault_name],
        other_alarms=[deploys.alarm] if deploys.alarm is not None else []))
    ci = GithubDeployRole(f"{color}-ci", GithubDeployRoleArgs(
        tags=TAGS, account=account, repository="your-org/app", preview=False,
        oidc_provider_arn=oidc_provider_arn))
    GithubPreviewRole(f"{color}-preview", GithubPreviewRoleArgs(
        tags=TAGS, account=account, repository="your-org/app", provider_arn=ci.provider_arn))
    return ci


blue_ci = environment("blue", "10.10.0.0/16")
# One OIDC provider per account and URL: the second role trusts the first role's provider
# (`twins:second_provider` true makes a second one, which AWS refuses: a name clash).
environment("green", "10.20.0.0/16",
            oidc_provider_arn=None if config.get_bool("second_provider") else blue_ci.provider_arn)

if config.get_bool("duplicate"):
    Network("blue-net", NetworkArgs(tags=TAGS, account=account, cidr="10.30.0.0/16",
                                    logs_key_arn="arn:aws:kms:us-east-1:123456789012:key/x"))
