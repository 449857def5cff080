"""The composition: one environment of groundwork, built from the components.

`build_platform` is what `__main__.py` calls after the config validated. It creates the
environment's provider (region and default tags), the KMS keys, the network, the security
groups, the data tier, the compute tier and the alarms, wires them together (security groups by
intent, secrets into the services) and exports the outputs other stacks consume
(`PlatformOutputs`, stacks/outputs.py: one contract, exported in one place).
Each tier has its own `_build_*` function below; they only map validated config onto the
components' Args and wire components together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from groundwork.components.alarm_names import deployment_alarm_names
from groundwork.components.base import AccountContext, Naming
from groundwork.components.cache import RedisCache, RedisCacheArgs, RedisCacheSettings
from groundwork.components.cluster import EcsCluster, EcsClusterArgs, EcsClusterSettings
from groundwork.components.database import (
    PostgresDatabase,
    PostgresDatabaseArgs,
    PostgresDatabaseSettings,
)
from groundwork.components.document_database import (
    DocumentDatabase,
    DocumentDatabaseArgs,
    DocumentDatabaseSettings,
)
from groundwork.components.image import ServiceImage, ServiceImageArgs
from groundwork.components.kafka import IAM_PORT as KAFKA_PORT
from groundwork.components.kafka import Kafka, KafkaArgs, KafkaSettings
from groundwork.components.kms import EnvironmentKeys, EnvironmentKeysArgs
from groundwork.components.load_balancer import LoadBalancer, LoadBalancerArgs, LoadBalancerSettings
from groundwork.components.network import Network, NetworkArgs, NetworkSettings
from groundwork.components.queue import Queue, QueueArgs, QueueSettings
from groundwork.components.search import SearchDomain, SearchDomainArgs, SearchDomainSettings
from groundwork.components.security_groups import SecurityGroups, SecurityGroupsArgs, ServicePeer
from groundwork.components.service import (
    FargateService,
    FargateServiceArgs,
    FargateServiceSettings,
    ServiceWiring,
)
from groundwork.stacks.config import EnvironmentConfig, Profile
from groundwork.stacks.outputs import PlatformOutputs, outputs_of

if TYPE_CHECKING:
    from groundwork.components.alarms import Dashboard, EnvironmentAlarms, Notifications
    from groundwork.components.alarms.backup import BackupNotices
    from groundwork.components.alarms.deployments import DeployNotices
    from groundwork.components.asset_bucket import AssetBucket
    from groundwork.components.backup import BackupPlan
    from groundwork.components.cloudfront import CloudFrontDistribution
    from groundwork.components.domain_records import DomainRecords
    from groundwork.components.github_deploy_role import GithubDeployRole
    from groundwork.components.web_firewall import WebFirewall


@dataclass
class Platform:
    """Handles to everything `build_platform` created (for tests and for programs that extend
    the stack). A component of a disabled tier is None (services: empty)."""

    env: EnvironmentConfig
    naming: Naming
    account: AccountContext
    provider: aws.Provider
    opts: pulumi.ResourceOptions
    keys: EnvironmentKeys
    network: Network
    security_groups: SecurityGroups | None = None
    """Every tier's groups and the rules between them (always built after the foundation)."""
    database: PostgresDatabase | None = None
    cache: RedisCache | None = None
    queues: dict[str, Queue] = field(default_factory=dict)
    """The SQS queues of `queues`, by name (empty without any)."""
    search: SearchDomain | None = None
    """The OpenSearch domain (None unless `search.enabled`)."""
    documents: DocumentDatabase | None = None
    """The DocumentDB cluster (None unless `documents.enabled`)."""
    kafka: Kafka | None = None
    """The MSK cluster in the messaging tier (None unless `kafka.enabled`)."""
    cluster: EcsCluster | None = None
    """None without services."""
    load_balancer: LoadBalancer | None = None
    """None without a web service."""
    services: dict[str, FargateService] = field(default_factory=dict)
    images: dict[str, ServiceImage] = field(default_factory=dict)
    """Images built from source, by service name."""
    notifications: Notifications | None = None
    notifications_us_east_1: Notifications | None = None
    """The alarm topics in us-east-1, for the alarms whose metrics exist only there (Route 53
    health checks, CloudFront, CLOUDFRONT-scope WAF); None when the stack is in us-east-1 (they
    use `notifications`) or has no such alarm."""
    alarms: EnvironmentAlarms | None = None
    dashboard: Dashboard | None = None
    backup_notices: BackupNotices | None = None
    """The EventBridge rules on AWS Backup's failed jobs (None without `backup` or alarms)."""
    deploy_notices: DeployNotices | None = None
    """The ECS deployment notices, their deploys topic and the deployment-rolled-back alarm
    (None without services, alarms or `alarms.deploy_notices.enabled`)."""
    ci: GithubDeployRole | None = None
    web_firewall: WebFirewall | None = None
    """The REGIONAL web ACL on the ALB (None unless `edge.waf.enabled` and the ALB faces the
    internet)."""
    edge_firewall: WebFirewall | None = None
    """The CLOUDFRONT-scope web ACL in us-east-1 (None unless `edge.mode` is cloudfront)."""
    distribution: CloudFrontDistribution | None = None
    """The CloudFront distribution (None unless `edge.mode` is cloudfront)."""
    domain_records: DomainRecords | None = None
    """The app's alias records and health check (None without a Route 53 zone)."""
    assets: dict[str, AssetBucket] = field(default_factory=dict)
    """The S3 asset buckets of `assets`, by name (empty without any)."""
    backup: BackupPlan | None = None
    """The AWS Backup plan, its vaults and selection (None unless `backup.enabled`)."""
    _us_east_1: aws.Provider | None = None
    _us_east_1_keys: EnvironmentKeys | None = None
    _dr: aws.Provider | None = None
    _dr_keys: EnvironmentKeys | None = None
    outputs: PlatformOutputs | None = None
    """The exported outputs (set last)."""

    @property
    def common(self) -> dict[str, Any]:
        """The arguments every component's Args takes from the environment: the name prefix
        and the required tags."""
        return {"name_prefix": self.naming.prefix, "tags": dict(self.naming.tags)}

    def _second_provider(self, name: str, region: str) -> aws.Provider:
        """A provider of the stack's account in another region, with the stack's default tags
        (so what a component forgets to tag there is tagged too)."""
        return aws.Provider(name, region=region, default_tags={"tags": self.env.all_tags()})

    def _account_in(self, region: str) -> AccountContext:
        """The account context of `region` (same account and partition as the stack's)."""
        return AccountContext(region=region, account_id=self.account.account_id,
                              partition=self.account.partition)

    @property
    def us_east_1(self) -> pulumi.ResourceOptions:
        """Options for what AWS keeps in us-east-1 whatever the stack's region (CloudFront's
        certificate and CLOUDFRONT-scope web ACL, Route 53 health-check metrics): the stack's
        provider when the stack is in us-east-1, else a second provider `aws-us-east-1` with the
        same default tags, created on first use."""
        if self.env.region == "us-east-1":
            return self.opts
        if self._us_east_1 is None:
            self._us_east_1 = self._second_provider("aws-us-east-1", "us-east-1")
        return pulumi.ResourceOptions(providers={"aws": self._us_east_1})

    @property
    def us_east_1_account(self) -> AccountContext:
        """The account context of us-east-1 (same account, the global services' region)."""
        return self._account_in("us-east-1")

    @property
    def us_east_1_keys(self) -> EnvironmentKeys:
        """The KMS keys usable in us-east-1 (a key is regional: CloudWatch Logs and SNS there
        can't use the stack's keys elsewhere): `keys` when the stack is in us-east-1, else
        `EnvironmentKeys("kms-us-east-1")` with the logs and notifications keys, on the
        us-east-1 provider and with key policies naming us-east-1's services
        (logs.us-east-1.amazonaws.com), created on first use."""
        if self.env.region == "us-east-1":
            return self.keys
        if self._us_east_1_keys is None:
            self._us_east_1_keys = EnvironmentKeys("kms-us-east-1", EnvironmentKeysArgs(
                **self.common,
                purposes=("logs", "notifications"),
                account=self.us_east_1_account,
            ), opts=self.us_east_1)
        return self._us_east_1_keys

    @property
    def dr_region(self) -> str | None:
        """The DR region backups are copied to (`backup.copy_to_region`), None without one."""
        backup = self.env.backup
        return backup.copy_to_region if backup.enabled else None

    def _required_dr_region(self) -> str:
        region = self.dr_region
        if region is None:  # pragma: no cover - callers check dr_region first
            raise RuntimeError("no DR region: set backup.copy_to_region")
        return region

    @property
    def dr_provider(self) -> aws.Provider:
        """The DR region's provider (what lives there: the copy vault, its key, replicated RDS
        backups, replica buckets): `aws-dr` in `backup.copy_to_region` with the stack's default
        tags, created on first use. Only with a DR region (the config refuses one equal to the
        stack's region)."""
        if self._dr is None:
            self._dr = self._second_provider("aws-dr", self._required_dr_region())
        return self._dr

    @property
    def dr(self) -> pulumi.ResourceOptions:
        """Options for what lives in the DR region: its provider (`dr_provider`)."""
        return pulumi.ResourceOptions(providers={"aws": self.dr_provider})

    @property
    def dr_account(self) -> AccountContext:
        """The account context of the DR region (same account, another region)."""
        return self._account_in(self._required_dr_region())

    @property
    def dr_keys(self) -> EnvironmentKeys:
        """The DR region's data key (a KMS key is regional: a copy is re-encrypted there with a
        key of that region): `EnvironmentKeys("kms-dr")` with the data purpose, on the DR
        provider, its policy naming the DR region's services, created on first use."""
        if self._dr_keys is None:
            self._dr_keys = EnvironmentKeys("kms-dr", EnvironmentKeysArgs(
                **self.common,
                purposes=("data",),
                account=self.dr_account,
            ), opts=self.dr)
        return self._dr_keys

    @property
    def backup_tag(self) -> str | None:
        """The `Backup` tag value the plan selects on, for a store of `backup.stores`
        (`<prefix>-backup`: one environment's plan never selects another's stores), or None
        when backups are off. Pure, so the stores can be tagged before the plan exists."""
        return self.naming.name("backup") if self.env.backup.enabled else None

    def backup_tag_for(self, store: str) -> str | None:
        """`backup_tag` if `store` is one of `backup.stores`, else None."""
        return self.backup_tag if store in self.env.backup.stores else None

    @property
    def groups(self) -> SecurityGroups:
        if self.security_groups is None:  # pragma: no cover - _build_data always runs first
            raise RuntimeError("the security groups are built before the tiers that use them")
        return self.security_groups


def build_platform(env: EnvironmentConfig) -> Platform:
    platform = _build_foundation(env)
    _build_data(platform)
    _build_assets(platform)
    _build_backup(platform)  # after the stores: it lists which kinds it covers
    _build_compute(platform)
    _build_edge(platform)  # after compute: it fronts the ALB
    _build_alarms(platform)  # after the tiers: it watches everything they created
    _build_ci(platform)
    platform.outputs = outputs_of(platform)
    platform.outputs.export()
    return platform


# ------------------------------------------------------------------------------------------
# foundation: provider, keys, network
# ------------------------------------------------------------------------------------------


def _build_foundation(env: EnvironmentConfig) -> Platform:
    naming = Naming(prefix=env.name_prefix, tags=env.all_tags())
    # An explicit provider carries the region and the default tags, so even a resource a
    # component forgot to tag is tagged (tags also go on every child explicitly: see base.py).
    provider = aws.Provider("aws", region=env.region, default_tags={"tags": env.all_tags()})
    opts = pulumi.ResourceOptions(providers={"aws": provider})
    account = AccountContext(
        region=env.region,
        account_id=aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(provider=provider)).account_id,
    )
    # All three purposes. "kms" names the keys kms-<purpose> as before 0.2.0 (they carry an alias
    # to their old top-level place); alias_prefix keeps their aliases alias/<prefix>-<purpose>.
    keys = EnvironmentKeys("kms", EnvironmentKeysArgs(
        name_prefix=naming.prefix, tags=dict(naming.tags), account=account,
        alias_prefix=naming.prefix,
        # AWS Backup's failure notices (critical topic) and the deploy notices (deploys topic)
        # are EventBridge rules on topics this key encrypts
        eventbridge_publishes=env.alarms.enabled and (env.backup.enabled or bool(
            env.services and env.alarms.deploy_notices.enabled))), opts=opts)
    network = Network("network", NetworkArgs(
        **env.network.settings(NetworkSettings),
        name_prefix=naming.prefix,
        tags=dict(naming.tags),
        account=account,
        logs_key_arn=keys.require("logs").arn,
        subnet_plan=env.network.plan(env.region),
        database_tier="data",  # the seed tier the stacks require (stacks/config/network.py)
        # The names recorded before 0.2.0 (stacks/names/): the flow-log group holds the
        # records, and a new cache subnet group would replace the cache.
        flow_log_group_name=f"/groundwork/{naming.prefix}/vpc-flow-logs",
        db_subnet_group_name=naming.name("db"),
        cache_subnet_group_name=naming.name("cache"),
        legacy_child_aliases=True,  # children were `vpc`, `igw`...: move them, never replace
    ), opts=opts)
    return Platform(env=env, naming=naming, account=account, provider=provider, opts=opts,
                    keys=keys, network=network)


# ------------------------------------------------------------------------------------------
# compute tier: cluster, the shared load balancer, services (after the data tier)
# ------------------------------------------------------------------------------------------


def _build_compute(platform: Platform) -> None:
    """The ECS cluster, the one ALB every web service shares, and each service with the data
    tier's settings and secrets wired in. Nothing is built without services; no ALB without a
    web service."""
    env = platform.env
    if not env.services:
        return
    naming, account, keys, net = platform.naming, platform.account, platform.keys, platform.network
    groups = platform.groups
    logs_key = keys.require("logs").arn
    cluster = EcsCluster("cluster", EcsClusterArgs(
        **env.cluster.settings(EcsClusterSettings),
        **platform.common,
        logs_key_arn=logs_key,
        # The name recorded before 0.2.0: the Exec log group holds the session logs.
        exec_log_group_name=f"/ecs/{naming.name('exec')}",
    ), opts=platform.opts)
    platform.cluster = cluster

    load_balancer = None
    if env.load_balancer is not None and env.web_services:
        assert groups.alb is not None  # the matrix has an alb group whenever a web service does
        # Behind CloudFront the ALB is internal, in the private compute subnets (a VPC origin
        # reaches it there); switching modes replaces the ALB (docs/edge.md).
        behind_cloudfront = env.edge.mode == "cloudfront"
        load_balancer = LoadBalancer("load-balancer", LoadBalancerArgs(
            **{**env.load_balancer.settings(LoadBalancerSettings),
               **({"internal": True} if behind_cloudfront else {})},
            **platform.common,
            account=account,
            vpc_id=net.outputs.vpc_id,
            subnet_ids=net.outputs.subnet_ids["compute" if behind_cloudfront else "public"],
            security_group_ids=[groups.alb.id],
            # The names recorded before 0.2.0: a new ALB name replaces the ALB and its DNS name
            # (records point at it); the access-log bucket holds the logs.
            load_balancer_name=naming.name("alb", max_length=32),
            access_log_bucket_name=pulumi.Output.from_input(account.account_id).apply(
                lambda acct: naming.name("alb-logs", acct, account.region, max_length=63)),
        ), opts=platform.opts)
        platform.load_balancer = load_balancer

    priorities = env.listener_priorities()
    test_priorities = env.test_listener_priorities() if load_balancer is not None else {}
    services = platform.services
    for svc in env.services:
        built = None
        if svc.build is not None:
            built = ServiceImage(f"{svc.name}-image", ServiceImageArgs(
                name_prefix=naming.prefix, tags={**naming.tags, "Service": svc.name},
                kms_key_arn=keys.require("data").arn, build=svc.build,
                architecture=svc.architecture, force_delete=env.profile is Profile.DEV,
                # The name recorded before 0.2.0: a new name replaces the repository's images.
                repository_name=naming.name(svc.name),
            ), opts=platform.opts)
            platform.images[svc.name] = built
        services[svc.name] = FargateService(svc.name, FargateServiceArgs(
            **svc.settings(FargateServiceSettings),
            **platform.common,
            account=account,
            cluster=cluster,
            subnet_ids=net.outputs.subnet_ids["compute"],
            security_group_ids=[groups.for_service(svc.name).id],
            logs_key_arn=logs_key,
            service_image=built,
            wiring=ServiceWiring.combine(_service_wiring(platform, svc.use_database, svc.use_cache),
                                         *_store_wirings(platform, svc)),
            load_balancer=load_balancer if svc.kind == "web" else None,
            listener_priority=priorities.get(svc.name),
            # BLUE_GREEN/CANARY/LINEAR: the test rule, reached from inside the VPC only (where
            # the pre-traffic hook runs), and the hook's own security group.
            test_listener_priority=test_priorities.get(svc.name),
            test_source_cidrs=[net.outputs.vpc_cidr] if svc.name in test_priorities else [],
            hook_security_group_ids=[groups.for_hook(svc.name).id] if _has_hook(env, svc) else None,
            queue_dimensions=_queue_dimensions(platform, svc),
            # The alarms `_build_alarms` creates for it ("alarms"); none without alarms (ECS
            # would wait on alarms that never come).
            deployment_alarm_names=deployment_alarm_names(
                svc.name, svc.kind, name_prefix=naming.prefix, alarms="alarms")
            if env.alarms.enabled else [],
        ), opts=platform.opts)
    _grant_stores(platform)


def _store_wirings(platform: Platform, svc: Any) -> list[ServiceWiring]:
    """The connections of the stores a service uses besides the database and cache (each
    store's `connection()`)."""
    parts: list[ServiceWiring] = []
    if svc.use_search and platform.search is not None:
        parts.append(platform.search.connection())
    if svc.use_documents and platform.documents is not None:
        parts.append(platform.documents.connection())
    if svc.use_kafka and platform.kafka is not None:
        parts.append(platform.kafka.connection())
    for queue in dict.fromkeys([*svc.send_to, *svc.receive_from]):  # <NAME>_QUEUE_URL each
        parts.append(platform.queues[queue].connection())
    for bucket in dict.fromkeys([*svc.write_assets, *svc.read_assets]):  # <NAME>_BUCKET each
        parts.append(platform.assets[bucket].connection())
    return parts


def _queue_dimensions(platform: Platform, svc: Any) -> dict[str, pulumi.Input[str]] | None:
    """A worker that scales on a queue metric without dimensions of its own scales on the one
    queue it receives from (the config requires exactly one): QueueName = that queue's `name`
    output, which its queue-backlog alarm watches too."""
    metric = svc.scaling.queue_metric
    if metric is None or metric.dimensions or len(svc.receive_from) != 1:
        return None
    return {"QueueName": platform.queues[svc.receive_from[0]].name}


def _grant_stores(platform: Platform) -> None:
    """IAM of the services on the stores they use, once the services (their task roles) exist.
    The security-group flows are the matrix's (`ServicePeer.uses`); `allow_from` adds none
    twice."""
    for svc in platform.env.services:
        service = platform.services[svc.name]
        if svc.use_search and platform.search is not None:
            platform.search.allow_from(platform.groups.for_service(svc.name), role=service)
        if svc.use_kafka and platform.kafka is not None:  # use_kafka: produce and consume
            platform.kafka.allow_from(platform.groups.for_service(svc.name), role=service,
                                      produce=True, consume=True)
        for queue in dict.fromkeys([*svc.send_to, *svc.receive_from]):  # SQS: IAM only
            platform.queues[queue].allow_from(service, send=queue in svc.send_to,
                                              receive=queue in svc.receive_from)
        for bucket in dict.fromkeys([*svc.write_assets, *svc.read_assets]):  # S3: IAM only
            platform.assets[bucket].allow_from(
                service, "write" if bucket in svc.write_assets else "read")


def _stores(env: EnvironmentConfig) -> dict[str, int]:
    """The store groups the enabled stores need (`SecurityGroupsArgs.stores`)."""
    stores: dict[str, int] = {}
    if env.search.enabled:
        stores["opensearch"] = 443
    if env.documents.enabled:
        stores["documentdb"] = env.documents.port
    if env.kafka.enabled:
        stores["kafka"] = KAFKA_PORT
    return stores


def _store_uses(env: EnvironmentConfig, svc: Any) -> tuple[str, ...]:
    """The store groups a service reaches (`ServicePeer.uses`)."""
    uses: list[str] = []
    if env.search.enabled and svc.use_search:
        uses.append("opensearch")
    if env.documents.enabled and svc.use_documents:
        uses.append("documentdb")
    if env.kafka.enabled and svc.use_kafka:
        uses.append("kafka")
    return tuple(uses)


def _has_hook(env: EnvironmentConfig, svc: Any) -> bool:
    """A web service behind the ALB that deploys BLUE_GREEN/CANARY/LINEAR with the pre-traffic
    hook (its function gets a security group of its own)."""
    return svc.kind == "web" and env.load_balancer is not None and svc.deployment.runs_hook


def _service_wiring(platform: Platform, use_database: bool, use_cache: bool) -> ServiceWiring:
    """Database and cache connection settings (environment) and credentials (secrets), and
    exactly the secret ARNs the execution role may read."""
    database = platform.database if use_database else None
    cache = platform.cache if use_cache else None
    environment: dict[str, pulumi.Input[str]] = {}
    secrets: dict[str, pulumi.Input[str]] = {}
    arns: list[pulumi.Input[str]] = []
    if database is not None:
        environment.update(
            DATABASE_HOST=database.address,
            DATABASE_PORT=pulumi.Output.from_input(database.port).apply(str),
            DATABASE_NAME=database.database_name,
        )
        secrets.update(
            DATABASE_USER=pulumi.Output.concat(database.secret_arn, ":username::"),
            DATABASE_PASSWORD=pulumi.Output.concat(database.secret_arn, ":password::"),
        )
        arns.append(database.secret_arn)
    if cache is not None:
        environment.update(
            CACHE_HOST=cache.primary_endpoint,
            CACHE_PORT=pulumi.Output.from_input(cache.port).apply(str),
            CACHE_TLS="true",
        )
        secrets["CACHE_AUTH_TOKEN"] = cache.auth_secret_arn
        environment["CACHE_AUTH_SECRET_ARN"] = cache.auth_secret_arn
        arns.append(cache.auth_secret_arn)
    # The cache token rotates under running tasks: they may re-read it (docs/data-tier.md).
    rotating = [cache.auth_secret_arn] if cache is not None and cache.args.rotates else []
    return ServiceWiring(environment=environment, secrets=secrets, secret_arns=arns,
                         secrets_key_arn=platform.keys.require("data").arn if arns else None,
                         rotating_secret_arns=rotating)


# ------------------------------------------------------------------------------------------
# data tier: security groups, database, cache
# ------------------------------------------------------------------------------------------


def _build_data(platform: Platform) -> None:
    """The security-group matrix (every tier's groups: the compute tier takes its groups from
    `platform.security_groups`), then the database and cache when enabled."""
    env = platform.env
    groups = SecurityGroups("security-groups", SecurityGroupsArgs(
        **platform.common,
        vpc_id=platform.network.outputs.vpc_id,
        vpc_cidr=platform.network.outputs.vpc_cidr,
        services=tuple(ServicePeer(name=s.name, kind=s.kind, port=s.port,
                                   use_database=s.use_database, use_cache=s.use_cache,
                                   uses=_store_uses(env, s), deploy_hook=_has_hook(env, s))
                       for s in env.services),
        load_balancer=env.load_balancer is not None,
        # the port a blue/green service's pre-traffic hook reaches the ALB's test rule on
        listener_port=80 if env.load_balancer is not None and env.load_balancer.http_only else 443,
        # Behind CloudFront the ALB admits nothing from the world: only CloudFront's VPC-origin
        # group, whose rule `_build_cloudfront` adds.
        alb_ingress="none" if env.edge.mode == "cloudfront" else "internet",
        database_port=env.database.port if env.database.enabled else None,
        cache_port=env.cache.port if env.cache.enabled else None,
        stores=_stores(env),
    ), opts=platform.opts)
    platform.security_groups = groups
    net, keys = platform.network, platform.keys
    if env.database.enabled:
        database = PostgresDatabase("database", PostgresDatabaseArgs(
            **env.database.settings(PostgresDatabaseSettings),
            **platform.common,
            account=platform.account,
            subnet_group_name=net.outputs.db_subnet_group_name,
            security_group=groups,  # its database group; allow_from goes through the matrix
            data_key_arn=keys.require("data").arn,
            logs_key_arn=keys.require("logs").arn,
            # The name recorded before 0.2.0 (stacks/names/): an RDS rename renames its logs.
            identifier=platform.naming.name("postgres"),
            protect=env.database.deletion_protection,  # prod forces it (stacks/config/environment.py)
            **_database_backup(platform),
        ), opts=platform.opts)
        platform.database = database
    if env.cache.enabled:
        # "cache" derives the replication group id <prefix>-cache, its log groups and the
        # parameter group exactly as before 0.2.0 (stacks/names/).
        cache = RedisCache("cache", RedisCacheArgs(
            **env.cache.settings(RedisCacheSettings),
            **platform.common,
            subnet_group_name=net.outputs.cache_subnet_group_name,
            security_group=groups,  # its cache group; allow_from goes through the matrix
            data_key_arn=keys.require("data").arn,
            logs_key_arn=keys.require("logs").arn,
            account=platform.account,
            protect=env.profile is Profile.PROD,
        ), opts=platform.opts)
        platform.cache = cache
    for queue in env.queues:
        # Not in the VPC (SQS is reached over its API through the NAT or an endpoint): no
        # security group; services get IAM grants by intent (`_grant_stores`).
        platform.queues[queue.name] = Queue(queue.name, QueueArgs(
            **queue.settings(QueueSettings),
            **platform.common,
            account=platform.account,
            data_key_arn=keys.require("data").arn,
            protect=env.profile is Profile.PROD,
        ), opts=platform.opts)
    if env.search.enabled:
        # One data subnet per AZ the domain spans (the config checks there are enough).
        zones = env.search.availability_zones
        platform.search = SearchDomain("search", SearchDomainArgs(
            **env.search.settings(SearchDomainSettings),
            **platform.common,
            account=platform.account,
            subnet_ids=net.outputs.subnet_ids["data"][:zones],
            security_group=groups,  # its opensearch group; allow_from goes through the matrix
            data_key_arn=keys.require("data").arn,
            logs_key_arn=keys.require("logs").arn,
            protect=env.profile is Profile.PROD,
        ), opts=platform.opts)

    if env.documents.enabled:
        # Its own DocumentDB subnet group over the data tier's subnets, instances round-robin
        # over the network's AZs (so the replicas land in other AZs than the primary).
        platform.documents = DocumentDatabase("documents", DocumentDatabaseArgs(
            **env.documents.settings(DocumentDatabaseSettings),
            **platform.common,
            subnet_ids=net.outputs.subnet_ids["data"],
            availability_zones=net.outputs.azs,
            security_group=groups,  # its documentdb group; the flows are the matrix's
            data_key_arn=keys.require("data").arn,
            logs_key_arn=keys.require("logs").arn,
            protect=env.documents.deletion_protection,  # prod forces it (stacks/config/environment.py)
            backup_tag=platform.backup_tag_for("documents"),
        ), opts=platform.opts)
    if env.kafka.enabled:
        # The messaging tier (isolated: no route off the VPC; brokers need none), one broker
        # per AZ by default. Provisioned only takes the keys (serverless refuses a data key).
        provisioned = env.kafka.mode == "provisioned"
        platform.kafka = Kafka("kafka", KafkaArgs(
            **env.kafka.settings(KafkaSettings),
            **platform.common,
            subnet_ids=net.outputs.subnet_ids["messaging"],
            security_group=groups,  # its kafka group; the flows are the matrix's
            data_key_arn=keys.require("data").arn if provisioned else None,
            logs_key_arn=keys.require("logs").arn if provisioned else None,
            protect=env.profile is Profile.PROD,
        ), opts=platform.opts)


def _build_assets(platform: Platform) -> None:
    """The S3 asset buckets of `assets` (docs/assets.md), on the data key, tagged for the backup
    plan when `assets` is one of `backup.stores`, replicated to the DR region when asked (the
    config refuses `replicate_to_dr` without one). Each logs its S3 requests into an
    access-log bucket of its own: the ALB's log buckets exist only with a web service (and are
    built after the data tier), and a bucket that outlives the ALB shouldn't log into one that
    goes with it. Not in the VPC: services get IAM grants by intent (`_grant_stores`)."""
    from groundwork.components.asset_bucket import AssetBucket, AssetBucketArgs, AssetBucketSettings

    env = platform.env
    for bucket in env.assets:
        replicate = bucket.replicate_to_dr and platform.dr_region is not None
        platform.assets[bucket.name] = AssetBucket(bucket.name, AssetBucketArgs(
            **bucket.settings(AssetBucketSettings),
            **platform.common,
            account=platform.account,
            data_key_arn=platform.keys.require("data").arn,
            backup_tag=platform.backup_tag_for("assets"),
            dr_provider=platform.dr_provider if replicate else None,
            dr_key_arn=platform.dr_keys.require("data").arn if replicate else None,
            dr_account=platform.dr_account if replicate else None,
            protect=env.profile is Profile.PROD,
        ), opts=platform.opts)


def _database_backup(platform: Platform) -> dict[str, Any]:
    """What the database takes from the backup plan (docs/backup.md): its `Backup` tag; under
    continuous backup, the rule's retention as its own (AWS Backup refuses a different one and
    owns it from then on); in prod with a DR region, its automated backups replicated there on
    the DR data key."""
    tag = platform.backup_tag_for("database")
    backup = platform.env.backup
    out: dict[str, Any] = {"backup_tag": tag}
    if tag is not None and backup.continuous_retention_days is not None:
        out["continuous_backup_retention_days"] = backup.continuous_retention_days
    if platform.env.profile is Profile.PROD and platform.dr_region is not None:
        out.update(backup_replica_provider=platform.dr_provider,
                   backup_replica_key_arn=platform.dr_keys.require("data").arn)
    return out


def _build_backup(platform: Platform) -> None:
    """The AWS Backup plan over the stores tagged `Backup=<platform.backup_tag>`, its vault (and
    the DR-region copy vault on the DR data key, through the DR provider), when
    `backup.enabled`. Named "backup", so its AWS names are `<prefix>-backup-...`; restore tests
    land in the network's DB subnet group behind the database's own security group."""
    from groundwork.components.backup import BackupPlan, BackupPlanArgs, BackupPlanSettings

    env = platform.env
    tag = platform.backup_tag
    if tag is None:
        return
    dr = platform.dr_region is not None
    assets = "assets" in env.backup.stores and bool(platform.assets)
    database = platform.database
    platform.backup = BackupPlan("backup", BackupPlanArgs(
        **env.backup.settings(BackupPlanSettings),
        **platform.common,
        account=platform.account,
        data_key_arn=platform.keys.require("data").arn,
        dr_provider=platform.dr_provider if dr else None,
        dr_key_arn=platform.dr_keys.require("data").arn if dr else None,
        dr_account=platform.dr_account if dr else None,
        selection_tag_value=tag,
        s3=assets,
        restore_subnet_group_name=(platform.network.outputs.db_subnet_group_name
                                   if database is not None else None),
        restore_security_group_ids=([database.security_group_id]
                                    if database is not None else []),
        protect=env.profile is Profile.PROD,
    ), opts=platform.opts)


# ------------------------------------------------------------------------------------------
# alarms, notifications, dashboard (last: they watch what the tiers above created)
# ------------------------------------------------------------------------------------------


def _build_alarms(platform: Platform) -> None:
    """Topics, alarms and the dashboard over whatever the tiers built (each of database,
    cache, load_balancer, services may be absent)."""
    from groundwork.components.alarms import (
        AlarmTargets,
        Dashboard,
        DashboardArgs,
        EnvironmentAlarms,
        EnvironmentAlarmsArgs,
        EnvironmentAlarmsSettings,
        Notifications,
        NotificationsArgs,
        NotificationsSettings,
        alarm_specs,
        other_regions,
    )
    from groundwork.components.alarms.backup import (
        BackupNotices,
        BackupNoticesArgs,
        notices_naming,
        rule_names,
    )

    env = platform.env
    if not env.alarms.enabled:
        return
    naming = platform.naming
    targets = AlarmTargets.from_components(
        region=env.region,
        load_balancers=[platform.load_balancer] if platform.load_balancer is not None else [],
        services=platform.services,
        databases=[platform.database] if platform.database is not None else [],
        caches=[platform.cache] if platform.cache is not None else [],
        networks=[platform.network],
        queues=list(platform.queues.values()),
        searches=[platform.search] if platform.search is not None else [],
        kafkas=[platform.kafka] if platform.kafka is not None else [],
        documents=[platform.documents] if platform.documents is not None else [],
        web_firewalls=[fw for fw in (platform.web_firewall, platform.edge_firewall)
                       if fw is not None],
        domain_records=[platform.domain_records] if platform.domain_records is not None else [],
        distributions=[platform.distribution] if platform.distribution is not None else [],
    )
    # AWS Backup's failed jobs notify the critical topic through EventBridge rules whose names
    # the topic policy lists before they exist. Backup and copy jobs run in the plan's region,
    # from its vault (the DR vault only receives copies); restores are known by the plan's role.
    backup = platform.backup
    notice_rules = (rule_names(notices_naming(BACKUP_NOTICES, naming.prefix))
                    if backup is not None else {})
    notifications = Notifications("notifications", NotificationsArgs(
        **env.alarms.settings(NotificationsSettings),
        **platform.common,
        account=platform.account,
        key_arn=platform.keys.require("notifications").arn,
        database_identifiers=[db.identifier for db in targets.databases],
        database_parameter_groups=([platform.database.parameter_group.name]
                                   if platform.database is not None else []),
        document_cluster_identifiers=[d.cluster_identifier for d in targets.documents],
        document_instance_identifiers=[i for d in targets.documents
                                       for i in d.instance_identifiers],
        # The names before 0.2.0: a new topic would need its subscriptions confirmed again.
        critical_topic_name=naming.name("alarms", "critical"),
        warning_topic_name=naming.name("alarms", "warning"),
        rds_events_name=naming.name("rds-events"),
        event_rule_names=list(notice_rules.values()),
    ), opts=platform.opts)
    if backup is not None:
        platform.backup_notices = BackupNotices(BACKUP_NOTICES, BackupNoticesArgs(
            **platform.common,
            vault_arns=[backup.vault_arn],
            restore_role_arns=[backup.role_arn],
            topic_arn=notifications.critical.arn,
            account_id=platform.account.account_id,
            runbook_url=env.alarms.runbook_url,
        ), opts=pulumi.ResourceOptions.merge(platform.opts, pulumi.ResourceOptions(
            depends_on=[notifications.policies["critical"]])))
    if env.alarms.deploy_notices.enabled and platform.services:
        from groundwork.components.alarms.deployments import (
            DeployNotices,
            DeployNoticesArgs,
            DeployNoticesSettings,
        )

        platform.deploy_notices = DeployNotices(DEPLOY_NOTICES, DeployNoticesArgs(
            **env.alarms.deploy_notices.settings(DeployNoticesSettings),
            **platform.common,
            account=platform.account,
            service_arns=[s.service.arn for s in platform.services.values()],
            key_arn=platform.keys.require("notifications").arn,
            topic_name=naming.name("deploys"),
            alarm_topic_arns=notifications.topic_arns,
            overrides=env.alarms.overrides,
            runbook_url=env.alarms.runbook_url,
        ), opts=platform.opts)
    alarms = EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
        **env.alarms.settings(EnvironmentAlarmsSettings),
        **platform.common,
        targets=targets,
        critical_topic_arn=notifications.critical.arn,
        warning_topic_arn=notifications.warning.arn,
        # The alarms whose metrics exist only in us-east-1 notify topics there.
        regional_topic_arns=_regional_topics(platform, other_regions(
            alarm_specs(targets), region=env.region, overrides=env.alarms.overrides)),
        legacy_alias_prefix=naming.prefix,  # alarms were named <prefix>-[<service>-]<key> in 0.1
    ), opts=platform.opts)
    dashboard = Dashboard("dashboard", DashboardArgs(
        **platform.common,
        alarms=alarms,
        notifications=notifications,
        dashboard_name=naming.name("overview"),  # the name before 0.2.0
        backup_vault_names=[backup.vault_name] if backup is not None else [],
        other_alarms=[platform.deploy_notices.alarm] if platform.deploy_notices is not None
        and platform.deploy_notices.alarm is not None else [],
    ), opts=platform.opts)
    platform.notifications, platform.alarms, platform.dashboard = notifications, alarms, dashboard


BACKUP_NOTICES = "backup-notices"
"""The stacks' `BackupNotices` (rules `<prefix>-backup-notices-<key>`)."""
DEPLOY_NOTICES = "deploy-notices"
"""The stacks' `DeployNotices` (rules `<prefix>-deploy-notices-<notice>`, topic
`<prefix>-deploys`)."""


def _regional_topics(platform: Platform, regions: list[str]) -> dict[str, Any]:
    """The topics of the alarms in another region than the stack's (`regions`: where the
    enabled alarms' metrics are): us-east-1's, a second `Notifications` on `us_east_1_keys` with
    the same subscribers and no RDS/DocumentDB events (those are the stack region's). Empty in a
    us-east-1 stack, whose alarms all notify `notifications`."""
    from groundwork.components.alarms import Notifications, NotificationsArgs, NotificationsSettings

    unsupported = [r for r in regions if r != "us-east-1"]
    if unsupported:  # pragma: no cover - only us-east-1 hosts global services' metrics
        raise ValueError(f"alarms in {', '.join(unsupported)}: the stacks have a second provider "
                         "for us-east-1 only")
    if not regions:
        return {}
    env = platform.env
    platform.notifications_us_east_1 = Notifications("notifications-us-east-1", NotificationsArgs(
        **env.alarms.settings(NotificationsSettings),
        **platform.common,
        account=platform.us_east_1_account,
        key_arn=platform.us_east_1_keys.require("notifications").arn,
    ), opts=platform.us_east_1)
    return {"us-east-1": platform.notifications_us_east_1.topic_arns}


# ------------------------------------------------------------------------------------------
# edge: the web firewall, CloudFront and the app's DNS records (after the compute tier)
# ------------------------------------------------------------------------------------------


def _build_edge(platform: Platform) -> None:
    """What faces the internet in front of the ALB (docs/edge.md): with `edge.mode` cloudfront
    the distribution and its CLOUDFRONT-scope web ACL, else the REGIONAL web ACL on the ALB;
    then the alias records of the app's domains (to the distribution or the ALB). Nothing
    without a load balancer."""
    if platform.load_balancer is None:
        return
    _build_web_firewall(platform)
    _build_cloudfront(platform)
    _build_domain_records(platform)


def _build_web_firewall(platform: Platform) -> None:
    """The REGIONAL web ACL associated with the ALB (`edge.waf`). Nothing in cloudfront mode:
    the ALB is internal there and the distribution carries the CLOUDFRONT-scope ACL."""
    from groundwork.components.web_firewall import (
        WebFirewall,
        WebFirewallArgs,
        WebFirewallSettings,
    )

    env, lb = platform.env, platform.load_balancer
    waf = env.edge.waf
    if lb is None or not waf.enabled or env.edge.mode != "alb":
        return
    settings = waf.settings(WebFirewallSettings)
    if "sql_injection" not in waf.model_fields_set:  # the SQLi group when there is a database
        settings["sql_injection"] = env.database.enabled
    platform.web_firewall = WebFirewall("web-firewall", WebFirewallArgs(
        **settings,
        **platform.common,
        scope="REGIONAL",
        logs_key_arn=platform.keys.require("logs").arn,
        resource_arns=[lb.arn],
        account=platform.account,
    ), opts=platform.opts)


def _build_cloudfront(platform: Platform) -> None:
    """The distribution, its us-east-1 certificate and CLOUDFRONT-scope web ACL
    (`edge.mode: cloudfront`, `edge.cloudfront`): the web ACL takes `edge.waf`'s settings and
    lives in us-east-1 (its log group on `us_east_1_keys`' logs key); the distribution's only
    origin is the internal ALB through a VPC origin, admitted into the ALB's group."""
    from groundwork.components.cloudfront import (
        CloudFrontDistribution,
        CloudFrontDistributionArgs,
        CloudFrontDistributionSettings,
    )
    from groundwork.components.web_firewall import WebFirewall, WebFirewallArgs, WebFirewallSettings

    env, lb = platform.env, platform.load_balancer
    if lb is None or env.edge.mode != "cloudfront":
        return
    cf, waf, lb_config = env.edge.cloudfront, env.edge.waf, env.load_balancer
    assert lb_config is not None and platform.groups.alb is not None  # config: _cloudfront
    cert = lb_config.certificate
    settings = cf.settings(CloudFrontDistributionSettings)
    if not cf.domains and cert is not None and cert.domain:
        settings["domains"] = [cert.domain]
    if not cf.certificate_arn and not cf.zone_id and cert is not None:
        settings["zone_id"] = cert.zone_id
    if "require_web_acl" not in cf.model_fields_set:  # follows the web firewall's switch
        settings["require_web_acl"] = waf.enabled
    web_acl_arn = None
    if waf.enabled:
        firewall_settings = waf.settings(WebFirewallSettings)
        if "sql_injection" not in waf.model_fields_set:
            firewall_settings["sql_injection"] = env.database.enabled
        platform.edge_firewall = WebFirewall("edge-firewall", WebFirewallArgs(
            **firewall_settings,
            **platform.common,
            scope="CLOUDFRONT",
            logs_key_arn=platform.us_east_1_keys.require("logs").arn,
            account=platform.us_east_1_account,
        ), opts=platform.us_east_1)
        web_acl_arn = platform.edge_firewall.arn
    platform.us_east_1  # noqa: B018 - creates the us-east-1 provider outside us-east-1
    us_east_1 = platform._us_east_1  # None in us-east-1: the stack's provider is there
    # The ALB's certificate names the same domains in the same zone: ACM asks both certificates
    # for one CNAME per name, which the ALB's records already hold (components/certificates.py).
    same_zone = cert is not None and settings.get("zone_id") == cert.zone_id
    shared: dict[str, pulumi.Input[str]] = dict(lb.validation_fqdns) if same_zone else {}
    platform.distribution = CloudFrontDistribution("cdn", CloudFrontDistributionArgs(
        **settings,
        **platform.common,
        account=platform.account,
        origin_arn=lb.arn,
        origin_domain_name=lb.dns_name,
        origin_security_group_id=platform.groups.alb.id,
        vpc_id=platform.network.outputs.vpc_id,
        web_acl_arn=web_acl_arn,
        security_headers=getattr(lb_config, "security_headers", None),
        shared_validation_fqdns=shared,
        us_east_1=us_east_1,
        protect=env.profile is Profile.PROD,
    ), opts=platform.opts)


def _build_domain_records(platform: Platform) -> None:
    """Alias records (and the optional health check) for the app's domains (`edge.dns`), in
    the certificate's zone unless `edge.dns.zone_id` names another: to the ALB (IPv4 only: no
    AAAA), or in cloudfront mode to the distribution (dual-stack: A and AAAA; it has no target
    health to evaluate). Nothing without a zone (a given certificate ARN and no zone_id) or
    with `records: false`. The health check requests the certificate's domain at the first web
    service's health path unless `edge.dns.health_check` says otherwise."""
    from groundwork.components.dns_names import is_wildcard
    from groundwork.components.domain_records import (
        DomainHealthCheckSettings,
        DomainRecords,
        DomainRecordsArgs,
    )

    env = platform.env
    dns, lb = env.edge.dns, platform.load_balancer
    zone_id = env.dns_zone_id
    if lb is None or zone_id is None or dns.records is False:
        return
    distribution = platform.distribution
    target: dict[str, Any]
    if distribution is not None:  # the distribution answers for its own aliases only
        domains = [*getattr(distribution.args, "domains", []), *dns.domains]
        target = dict(target_dns_name=distribution.domain_name,
                      target_zone_id=distribution.hosted_zone_id,
                      evaluate_target_health=False, ipv6=True)
    else:
        domains = env.dns_domains()
        target = dict(target_dns_name=lb.dns_name, target_zone_id=lb.zone_id,
                      evaluate_target_health=True, ipv6=False)
    if not domains:
        return
    hc = dns.health_check
    settings = hc.settings(DomainHealthCheckSettings)
    cert = env.load_balancer.certificate if env.load_balancer is not None else None
    if "domain" not in hc.model_fields_set and cert is not None and cert.domain \
            and not is_wildcard(cert.domain):
        settings["domain"] = cert.domain
    if "path" not in hc.model_fields_set and env.web_services:
        settings["path"] = env.web_services[0].health_check.path
    platform.domain_records = DomainRecords("dns", DomainRecordsArgs(
        **platform.common,
        zone_id=zone_id,
        domains=domains,
        health_check=DomainHealthCheckSettings(**settings),
        **target,
    ), opts=platform.opts)


# ------------------------------------------------------------------------------------------
# ci: the GitHub Actions deploy role (only with a `ci` section)
# ------------------------------------------------------------------------------------------


def _build_ci(platform: Platform) -> None:
    """The OIDC deploy role CI assumes (no static keys) and, unless `ci.preview` is false, the
    read-only role pull-request previews assume (outputs `ci_deploy_role_arn` and
    `ci_preview_role_arn`)."""
    from groundwork.components.github_deploy_role import (
        GithubDeployRole,
        GithubDeployRoleArgs,
        GithubDeployRoleSettings,
    )

    env = platform.env
    if env.ci is None:
        return
    lb = env.load_balancer
    role = GithubDeployRole("ci", GithubDeployRoleArgs(
        **env.ci.settings(GithubDeployRoleSettings),
        **platform.common,
        account=platform.account,
        zone_id=lb.certificate.zone_id if lb is not None and lb.certificate is not None else None,
        # the app's records may be in another zone than the certificate's (edge.dns.zone_id)
        dns_zone_id=env.edge.dns.zone_id if platform.domain_records is not None else None,
        waf_acl_arn=lb.waf_acl_arn if lb is not None else None,
        # The names before 0.2.0: the workflows hold the roles' ARNs.
        role_name=platform.naming.name("github-deploy", max_length=64),
        preview_role_name=platform.naming.name("github-preview", max_length=64),
        # what the stack has beyond the core: each adds its permissions, none without it
        queues=bool(env.queues),
        search=env.search.enabled,
        search_service_linked_role=env.search.enabled and env.search.create_service_linked_role,
        documents=env.documents.enabled,
        kafka=env.kafka.enabled,
        # the edge as `_build_edge` built it (from edge.waf, edge.mode, edge.dns): a web ACL
        # of the stack's own (an external `waf_acl_arn` keeps its narrow statements instead),
        # the distribution, the app's records and health check
        web_firewall=platform.web_firewall is not None or platform.edge_firewall is not None,
        cloudfront=platform.distribution is not None,
        dns_records=platform.domain_records is not None,
        # data protection as `_build_backup`, `_build_assets` and `_build_alarms` built it
        backup=platform.backup is not None,
        assets=bool(platform.assets),
        event_rules=platform.backup_notices is not None or platform.deploy_notices is not None,
        chatbot=platform.deploy_notices is not None and platform.deploy_notices.chatbot is not None,
        dr_region=platform.dr_region if platform.backup is not None or bool(platform.assets)
        else None,
    ), opts=platform.opts)
    platform.ci = role
