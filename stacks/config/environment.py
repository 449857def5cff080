"""The whole environment: `EnvironmentConfig` (every section plus the cross-field rules and the
prod floor) and the profiles' defaults."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from groundwork.stacks.config._base import NAMESPACE, _Strict
from groundwork.stacks.config.alarms import AlarmsConfig
from groundwork.stacks.config.assets import AssetBucketConfig
from groundwork.stacks.config.backup import BackupConfig
from groundwork.stacks.config.ci import CiConfig
from groundwork.stacks.config.compute import (
    ClusterConfig,
    LoadBalancerConfig,
    ServiceConfig,
    _default_services,
)
from groundwork.stacks.config.data import CacheConfig, DatabaseConfig
from groundwork.stacks.config.documents import DocumentsConfig
from groundwork.stacks.config.edge import EdgeConfig
from groundwork.stacks.config.kafka import KafkaConfig
from groundwork.stacks.config.network import NetworkConfig
from groundwork.stacks.config.queues import QueueConfig
from groundwork.stacks.config.search import SearchConfig

# Keys of the namespace, in the order reports show them.
TOP_LEVEL_KEYS = (
    "profile",
    "network",
    "database",
    "cache",
    "queues",
    "search",
    "documents",
    "kafka",
    "assets",
    "backup",
    "cluster",
    "load_balancer",
    "edge",
    "services",
    "alarms",
    "ci",
    "tags",
)


class Profile(StrEnum):
    """Environment profile: picks the defaults of every section."""

    DEV = "dev"
    PROD = "prod"


REQUIRED_TAGS = ("Owner",)
"""Tags the user must give; Project, Environment and ManagedBy are added by groundwork."""


class EnvironmentConfig(_Strict):
    """A whole environment: the value of every `groundwork:` key."""

    profile: Profile
    """dev or prod (required): picks every other default."""
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    """The VPC and its subnet plan."""
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    """RDS PostgreSQL."""
    cache: CacheConfig = Field(default_factory=CacheConfig)
    """ElastiCache Valkey/Redis."""
    search: SearchConfig = Field(default_factory=SearchConfig)
    """Amazon OpenSearch Service in the data subnets (default off)."""
    documents: DocumentsConfig = Field(default_factory=DocumentsConfig)
    """Amazon DocumentDB in the data subnets (default off)."""
    kafka: KafkaConfig = Field(default_factory=KafkaConfig)
    """Amazon MSK (Kafka) in the messaging subnets (default off)."""
    queues: list[QueueConfig] = Field(default_factory=list)
    """SQS queues, each with its dead-letter queue, used by name from `services[].send_to` /
    `receive_from` (default none)."""
    assets: list[AssetBucketConfig] = Field(default_factory=list)
    """S3 asset buckets (versioned, on the data key, lifecycle to Glacier), used by name from
    `services[].read_assets` / `write_assets` (default none)."""
    backup: BackupConfig = Field(default_factory=BackupConfig)
    """AWS Backup of the data stores, its DR-region copies and the stated RPO/RTO (on in prod,
    off in dev)."""
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    """The ECS cluster."""
    load_balancer: LoadBalancerConfig | None = None
    """The shared ALB (required when a web service exists; default none)."""
    edge: EdgeConfig = Field(default_factory=EdgeConfig)
    """The internet edge: entry point (ALB or CloudFront), web firewall, DNS records."""
    services: list[ServiceConfig] = Field(default_factory=_default_services)
    """The Fargate services (default none)."""
    alarms: AlarmsConfig = Field(default_factory=AlarmsConfig)
    """CloudWatch alarms, SNS topics and the dashboard."""
    ci: CiConfig | None = None
    """The GitHub Actions OIDC deploy role (default none: no role is created)."""
    tags: dict[
        Annotated[str, Field(min_length=1, max_length=128)],
        Annotated[str, Field(max_length=256)],
    ]
    """Tags on every resource (required: at least Owner)."""

    # Filled by the loader from the stack, not from the namespace.
    stack: str = "dev"
    """The Pulumi stack name (from the stack, not from config)."""
    region: str = "us-east-1"
    """The AWS region (from `aws:region`)."""

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [t for t in REQUIRED_TAGS if not v.get(t)]
        if missing:
            raise ValueError(f"missing required tag(s) {', '.join(missing)}")
        reserved = [k for k in v if k.lower().startswith("aws:")]
        if reserved:
            raise ValueError(f"tag keys starting with aws: are reserved ({', '.join(reserved)})")
        return v

    @model_validator(mode="before")
    @classmethod
    def _dr_region_default(cls, data: Any) -> Any:
        """prod's `backup.copy_to_region` defaults to the stack region's DR pair
        (`DR_REGION_PAIRS`: us-east-1 -> us-west-2...); a region without one must name it."""
        from groundwork.stacks.config.backup import DR_REGION_PAIRS

        if not isinstance(data, Mapping) or data.get("profile") not in (Profile.PROD, "prod"):
            return data
        backup = data.get("backup")
        if backup is None:
            backup = {}
        if not isinstance(backup, Mapping) or "copy_to_region" in backup \
                or backup.get("enabled") is False:
            return data
        pair = DR_REGION_PAIRS.get(str(data.get("region") or "us-east-1"))
        return {**data, "backup": {**backup, "copy_to_region": pair}} if pair else data

    @model_validator(mode="after")
    def _cross(self) -> EnvironmentConfig:
        names = [s.name for s in self.services]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"services: duplicate service name(s) {', '.join(dupes)}")
        if self.network.az_count < 2 and (self.database.enabled or self.cache.enabled
                                          or any(s.kind == "web" for s in self.services)):
            raise ValueError(
                "network.az_count must be >= 2: ALBs and RDS/ElastiCache subnet groups need "
                "subnets in two AZs"
            )
        if self.search.enabled and self.search.availability_zones > self.network.az_count:
            raise ValueError(f"search.availability_zones {self.search.availability_zones} exceeds "
                             f"network.az_count {self.network.az_count}: the domain takes one data "
                             "subnet per AZ")
        searching = [s.name for s in self.services if s.use_search]
        if searching and not self.search.enabled:
            raise ValueError(f"services[{', '.join(searching)}].use_search needs search.enabled: "
                             "true (there is no search domain to wire)")
        documenting = [s.name for s in self.services if s.use_documents]
        if documenting and not self.documents.enabled:
            raise ValueError(f"services[{', '.join(documenting)}].use_documents needs "
                             "documents.enabled: true (there is no DocumentDB cluster to wire)")
        if self.documents.enabled and self.network.az_count < 2:
            raise ValueError("network.az_count must be >= 2 with documents.enabled: a DocumentDB "
                             "subnet group needs subnets in two AZs")
        streaming = [s.name for s in self.services if s.use_kafka]
        if streaming and not self.kafka.enabled:
            raise ValueError(f"services[{', '.join(streaming)}].use_kafka needs kafka.enabled: true "
                             "(there is no MSK cluster to wire)")
        self._queues()
        self._assets()
        for svc in self.services:
            queue = svc.scaling.queue_metric
            if queue is not None and not queue.dimensions and len(svc.receive_from) != 1:
                raise ValueError(
                    f"services[{svc.name}].scaling.queue_metric.dimensions is required (e.g. "
                    "{QueueName: <AWS name>}) unless the worker has exactly one receive_from "
                    f"queue (it has {len(svc.receive_from)}): the scaling metric then watches that "
                    "queue; without either it matches no queue")
        if self.web_services and self.load_balancer is None:
            raise ValueError(
                "load_balancer is required when a web service exists "
                "(set load_balancer.certificate, or http_only: true for a throwaway dev stack)"
            )
        self._web_firewall()
        self._cloudfront()
        self._dns()
        self._backup()
        if self.profile is Profile.PROD:
            self._prod_floor()
        self._listener_rules()
        return self

    def _cloudfront(self) -> None:
        """`edge.mode: cloudfront` needs a web service behind an ALB with its own certificate
        (the origin's TLS name is the app's domain), domains for the aliases, and a way to a
        us-east-1 certificate (a zone to validate one, or an ARN there). Errors are reported on
        the key (`groundwork:edge.cloudfront.domains: ...`)."""
        cf, lb = self.edge.cloudfront, self.load_balancer
        if lb is not None and "internal" in lb.model_fields_set:
            raise ValidationError.from_exception_data(type(self).__name__, [InitErrorDetails(
                type=PydanticCustomError("cloudfront", "{reason}", {"reason": (
                    "is set by edge.mode, not here: cloudfront makes the ALB internal (behind "
                    "its VPC origin), alb keeps it internet-facing (an internal ALB alone is "
                    "unreachable from the internet)")}),
                loc=("load_balancer", "internal"), input=lb.internal)])
        if self.edge.mode != "cloudfront":
            return
        cert = lb.certificate if lb is not None else None
        problems: list[tuple[tuple[str, ...], str]] = []
        if not self.web_services or lb is None:
            problems.append((("edge", "mode"), "cloudfront needs a web service and a "
                             "load_balancer: the distribution's only origin is the ALB"))
        elif lb.http_only or cert is None:
            problems.append((("load_balancer", "certificate"), "is required with edge.mode "
                             "cloudfront: CloudFront reaches the ALB over HTTPS only and checks "
                             "its certificate against the app's domain"))
        if lb is not None and lb.waf_acl_arn:
            problems.append((("load_balancer", "waf_acl_arn"), "can't be used with edge.mode "
                             "cloudfront: the ALB is internal; the web ACL goes on the "
                             "distribution (edge.waf, CLOUDFRONT scope)"))
        if not cf.domains and not (cert is not None and cert.domain):
            problems.append((("edge", "cloudfront", "domains"), "is required with edge.mode "
                             "cloudfront (the app's domains, e.g. [app.example.com]) unless "
                             "load_balancer.certificate.domain names it"))
        if not cf.certificate_arn and not cf.zone_id and not (cert is not None and cert.zone_id):
            problems.append((("edge", "cloudfront", "zone_id"), "or edge.cloudfront."
                             "certificate_arn (in us-east-1) is required with edge.mode "
                             "cloudfront: a Route 53 zone to validate the us-east-1 "
                             "certificate (default load_balancer.certificate.zone_id)"))
        if "require_web_acl" in cf.model_fields_set and cf.require_web_acl \
                and not self.edge.waf.enabled:
            problems.append((("edge", "cloudfront", "require_web_acl"), "is true but "
                             "edge.waf.enabled is false: enable the web firewall (it becomes "
                             "the distribution's CLOUDFRONT-scope web ACL)"))
        if problems:
            details = [InitErrorDetails(
                type=PydanticCustomError("cloudfront", "{reason}", {"reason": msg}),
                loc=loc, input=None) for loc, msg in problems]
            raise ValidationError.from_exception_data(type(self).__name__, details)

    def _dns(self) -> None:
        """The requested certificate covers every host the listener routes (exact or one-level
        wildcard: else TLS fails for that host) and every extra `edge.dns.domains` entry; a
        zone or `records: true` needs domains and a zone. Errors are reported on the key
        (`groundwork:services[api].routing.host_headers: ...`)."""
        from groundwork.components.dns_names import covered_by

        dns, lb = self.edge.dns, self.load_balancer
        cert = lb.certificate if lb is not None else None
        names = cert.names if cert is not None else []
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if names:
            for index, svc in enumerate(self.services):
                if svc.kind != "web":
                    continue
                loose = [h for h in svc.routing.host_headers if not covered_by(names, h)]
                if loose:
                    problems.append((("services", index, "routing", "host_headers"),
                                     f"{', '.join(loose)} not covered by the load balancer's "
                                     f"certificate ({', '.join(names)}): TLS would fail for it; "
                                     "add it to load_balancer.certificate.alternative_names "
                                     "(a wildcard covers one level: *.example.com)"))
            loose = [d for d in dns.domains if not covered_by(names, d)]
            if loose and self.edge.mode == "alb":
                problems.append((("edge", "dns", "domains"),
                                 f"{', '.join(loose)} not covered by the load balancer's "
                                 f"certificate ({', '.join(names)}): browsers would get a TLS "
                                 "error; add it to load_balancer.certificate.alternative_names"))
        if dns.zone_id and not self.dns_domains():
            problems.append((("edge", "dns", "zone_id"),
                             "is set but no domain would get a record: give "
                             "load_balancer.certificate.domain, a web service's "
                             "routing.host_headers or edge.dns.domains"))
        if dns.records and self.dns_zone_id is None:
            problems.append((("edge", "dns", "records"),
                             "is true but no Route 53 zone is known: set edge.dns.zone_id (or "
                             "request the certificate with load_balancer.certificate.zone_id)"))
        if problems:
            details = [InitErrorDetails(
                type=PydanticCustomError("dns", "{reason}", {"reason": msg}), loc=loc, input=None)
                for loc, msg in problems]
            raise ValidationError.from_exception_data(type(self).__name__, details)

    def _backup(self) -> None:
        """AWS Backup: the DR region differs from the stack's, and the plan's own checks (the
        vault lock against every lifecycle, the RPO against the schedule) are reported on the
        key (`groundwork:backup.rpo_minutes: ...`)."""
        from groundwork.components.backup import plan_problems

        backup = self.backup
        if not backup.enabled:
            return
        problems: list[tuple[tuple[str, ...], str]] = []
        if backup.copy_to_region is not None and backup.copy_to_region == self.region:
            problems.append((("copy_to_region",), f"{backup.copy_to_region} is the stack's own "
                             "region: the copies must survive losing it; name another region"))
        problems += plan_problems(backup)
        if problems:
            details = [InitErrorDetails(
                type=PydanticCustomError("backup", "{reason}", {"reason": msg}),
                loc=("backup", *key), input=None) for key, msg in problems]
            raise ValidationError.from_exception_data(type(self).__name__, details)

    @property
    def dns_zone_id(self) -> str | None:
        """The zone of the app's records: `edge.dns.zone_id`, else the certificate's."""
        lb = self.load_balancer
        cert = lb.certificate if lb is not None else None
        return self.edge.dns.zone_id or (cert.zone_id if cert is not None else None)

    def dns_domains(self) -> list[str]:
        """The app's domains, in order, each once: the certificate's domain and alternative
        names, every web service's host headers, then `edge.dns.domains`."""
        from groundwork.components.dns_names import distinct

        lb = self.load_balancer
        cert = lb.certificate if lb is not None else None
        hosts = [h for s in self.web_services for h in s.routing.host_headers]
        return distinct([*(cert.names if cert is not None else []), *hosts,
                         *self.edge.dns.domains])

    def _references(self, section: str, what: str, none: str, names: list[str],
                    keys: tuple[str, str], error: str,
                    more: Callable[[ServiceConfig, str], list[str]] | None = None,
                    ) -> list[InitErrorDetails]:
        """The check `_queues` and `_assets` share: the names of `section` are unique (else
        ValueError), and each service's lists `keys` name only them, each once (`more` adds a
        section's own reasons); the problems, each on its key
        (`groundwork:services[api].send_to: ...`)."""
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"{section}: duplicate {what} name(s) {', '.join(dupes)}")
        known = ", ".join(names) if names else f"{none} (add one under groundwork:{section})"
        details: list[InitErrorDetails] = []
        for index, svc in enumerate(self.services):
            for key in keys:
                listed = getattr(svc, key)
                unknown = [n for n in listed if n not in names]
                twice = sorted({n for n in listed if listed.count(n) > 1})
                reasons = ([f"unknown {what}(s) {', '.join(map(repr, unknown))}; "
                            f"groundwork:{section} has {known}"] if unknown else [])
                reasons += [f"{', '.join(twice)} listed twice"] if twice else []
                reasons += more(svc, key) if more is not None else []
                details += [InitErrorDetails(
                    type=PydanticCustomError(error, "{reason}", {"reason": reason}),
                    loc=("services", index, key), input=listed) for reason in reasons]
        return details

    def _queues(self) -> None:
        """Queue names are unique, and every `send_to` / `receive_from` names one of them."""
        details = self._references("queues", "queue", "no queue", [q.name for q in self.queues],
                                   ("send_to", "receive_from"), "unknown_queue")
        if details:  # reported on the key: groundwork:services[api].send_to
            raise ValidationError.from_exception_data(type(self).__name__, details)

    def _assets(self) -> None:
        """Asset bucket names are unique, every `read_assets` / `write_assets` names one of them,
        and a bucket that replicates has a DR region to replicate to. Errors are reported on
        the key (`groundwork:services[api].write_assets: ...`)."""
        def read_and_write(svc: ServiceConfig, key: str) -> list[str]:
            both = sorted(set(svc.read_assets) & set(svc.write_assets))
            return ([f"{', '.join(both)} also in write_assets (write includes read): list it "
                     "once, under write_assets"] if key == "read_assets" and both else [])

        details = self._references("assets", "asset bucket", "no bucket",
                                   [b.name for b in self.assets], ("read_assets", "write_assets"),
                                   "unknown_asset_bucket", read_and_write)
        backup = self.backup
        for index, bucket in enumerate(self.assets):
            if bucket.replicate_to_dr and not (backup.enabled and backup.copy_to_region):
                details.append(InitErrorDetails(
                    type=PydanticCustomError("asset_replication", "{reason}", {"reason": (
                        "is true but there is no DR region: set backup.copy_to_region (with "
                        "backup.enabled) to the region the replica lives in")}),
                    loc=("assets", index, "replicate_to_dr"), input=True))
        if details:
            raise ValidationError.from_exception_data(type(self).__name__, details)

    def asset_bucket_of(self, name: str) -> AssetBucketConfig:
        """The asset bucket named `name` (validated to exist for every read/write_assets)."""
        return next(b for b in self.assets if b.name == name)

    def _web_firewall(self) -> None:
        """An ALB takes one web ACL: `load_balancer.waf_acl_arn` (someone else's) and the ACL
        `edge.waf` builds for the ALB can't both be on it."""
        lb = self.load_balancer
        if (lb is not None and lb.waf_acl_arn and self.edge.mode == "alb"
                and self.edge.waf.enabled):
            raise ValueError("load_balancer.waf_acl_arn and edge.waf.enabled can't both be set: "
                             "an ALB takes one web ACL (set edge.waf.enabled: false to keep "
                             "your own ACL, or drop waf_acl_arn to use the one groundwork "
                             "builds)")

    def queue_of(self, name: str) -> QueueConfig:
        """The queue named `name` (validated to exist for every send_to / receive_from)."""
        return next(q for q in self.queues if q.name == name)

    def _listener_rules(self) -> None:
        """Web services share one listener: their rules need distinct priorities and matches,
        or AWS refuses the second rule (priority) or it never gets a request (same match)."""
        seen_priority: dict[int, str] = {}
        seen_match: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
        for svc, priority in self.listener_priorities().items():
            if priority in seen_priority:
                raise ValueError(f"services[{svc}].routing.priority {priority} is also "
                                 f"services[{seen_priority[priority]}]'s; priorities must differ")
            seen_priority[priority] = svc
            r = next(s for s in self.services if s.name == svc).routing
            match = (tuple(sorted(r.host_headers)), tuple(sorted(r.path_patterns)))
            if match in seen_match:
                raise ValueError(f"services[{svc}].routing matches the same hosts and paths as "
                                 f"services[{seen_match[match]}]; give it host_headers or "
                                 "path_patterns of its own")
            seen_match[match] = svc
        production = self.listener_priorities()
        for svc, test in self.test_listener_priorities().items():
            if test in seen_priority or test >= production[svc]:
                raise ValueError(f"services[{svc}].routing.priority {production[svc]} leaves no room "
                                 f"for its test rule at {test} (a {svc} deployment tests through a "
                                 "rule evaluated first, 1 + its position among web services); use a "
                                 "priority above the test rules' and distinct from them")
            seen_priority[test] = f"{svc} (test rule)"

    def test_listener_priorities(self) -> dict[str, int]:
        """Test-rule priority of each BLUE_GREEN/CANARY/LINEAR web service: 1 + its position
        among the web services (below every production rule's 100 + 10 x position, so a test
        rule is evaluated first)."""
        return {s.name: 1 + i for i, s in enumerate(self.web_services)
                if s.deployment.shifts_traffic}

    def listener_priorities(self) -> dict[str, int]:
        """Listener-rule priority of each web service: `routing.priority`, else 100 + 10 x its
        position among the web services (room to insert rules between them later)."""
        return {s.name: s.routing.priority if s.routing.priority is not None else 100 + 10 * i
                for i, s in enumerate(self.web_services)}

    def _prod_floor(self) -> None:
        """What prod can never relax (the dev-only escapes of the target architecture)."""
        lb = self.load_balancer
        rules: list[tuple[bool, str]] = [
            (self.database.multi_az, "database.multi_az must be true in prod"),
            (self.database.backup_retention_days >= 7,
             "database.backup_retention_days must be >= 7 in prod (FSBP RDS.11)"),
            (self.database.deletion_protection, "database.deletion_protection must be true in prod"),
            (self.database.final_snapshot, "database.final_snapshot must be true in prod"),
            (self.cache.num_nodes >= 2,
             "cache.num_nodes must be >= 2 in prod (automatic failover needs a replica)"),
            (lb is None or not lb.http_only, "load_balancer.http_only is not allowed in prod"),
            (lb is None or lb.deletion_protection,
             "load_balancer.deletion_protection must be true in prod"),
            (self.network.az_count >= 2, "network.az_count must be >= 2 in prod"),
            (self.edge.mode != "cloudfront" or self.edge.waf.enabled,
             "edge.waf.enabled must be true with edge.mode cloudfront in prod: the distribution "
             "needs its CLOUDFRONT-scope web ACL (FSBP CloudFront.6)"),
            (self.edge.mode != "alb" or lb is None or not self.web_services
             or self.edge.waf.enabled or bool(lb.waf_acl_arn),
             "edge.waf.enabled must be true in prod (or load_balancer.waf_acl_arn set to a web "
             "ACL of your own): the internet-facing ALB needs a web ACL (ELB.16, CKV2_AWS_28)"),
        ]
        search = self.search
        if search.enabled:
            rules += [
                (search.dedicated_master and search.dedicated_master_count >= 3,
                 "search.dedicated_master must be true (3 or 5 masters) in prod (FSBP Opensearch.11)"),
                (search.instance_count >= 3,
                 "search.instance_count must be >= 3 in prod (FSBP Opensearch.6)"),
                (search.availability_zones >= 2,
                 "search.availability_zones must be >= 2 in prod: zone awareness (FSBP Opensearch.6)"),
                (not search.instance_type.startswith("t3.")
                 and not search.dedicated_master_type.startswith("t3."),
                 "search.instance_type and search.dedicated_master_type can't be burstable (t3) "
                 "in prod: CPU credits run out under steady load"),
            ]
        documents = self.documents
        if documents.enabled:
            rules += [
                (documents.instance_count >= 2,
                 "documents.instance_count must be >= 2 in prod (a replica in a second AZ to fail "
                 "over to)"),
                (documents.backup_retention_days >= 7,
                 "documents.backup_retention_days must be >= 7 in prod (FSBP DocumentDB.2)"),
                (documents.deletion_protection,
                 "documents.deletion_protection must be true in prod (FSBP DocumentDB.5)"),
                (documents.final_snapshot, "documents.final_snapshot must be true in prod"),
            ]
        kafka = self.kafka
        if kafka.enabled:
            rules += [
                (kafka.mode == "provisioned",
                 "kafka.mode must be provisioned in prod: MSK Serverless can't use the customer "
                 "data key (AWS-owned encryption only) and delivers no broker logs"),
                (kafka.number_of_broker_nodes is None or kafka.number_of_broker_nodes >= 2,
                 "kafka.number_of_broker_nodes must be >= 2 in prod (one per messaging AZ at "
                 "least)"),
                (not kafka.instance_type.startswith("kafka.t3."),
                 "kafka.instance_type can't be kafka.t3.small in prod: AWS sizes it for "
                 "development (CPU credits run out under steady load)"),
                (kafka.enhanced_monitoring != "PER_BROKER",
                 "kafka.enhanced_monitoring must be PER_TOPIC_PER_BROKER or finer in prod (MSK.2)"),
                (kafka.default_replication_factor is None or kafka.default_replication_factor >= 2,
                 "kafka.default_replication_factor must be >= 2 in prod (a topic must survive "
                 "a broker)"),
            ]
        for svc in self.services:
            rules.append((
                svc.kind != "web" or svc.scaling.min_count >= 2,
                f"services[{svc.name}].scaling.min_count must be >= 2 for a web service in prod",
            ))
        # Floor rules about one key are reported on that key (`groundwork:network.nat: ...`).
        keyed: list[tuple[bool, tuple[str, ...], str]] = [
            (self.network.nat != "instance", ("network", "nat"),
             "'instance' is not allowed in prod: one NAT instance is a single point of failure "
             "for every private subnet's egress and its throughput is capped by its instance "
             "type; use per_az (the prod default)"),
            (self.backup.enabled, ("backup", "enabled"),
             "must be true in prod: daily backups kept 30 days, copied to a second "
             "region (docs/backup.md)"),
            (not self.backup.enabled or self.backup.copy_to_region is not None,
             ("backup", "copy_to_region"),
             "is required in prod: a DR region other than the stack's, where every recovery "
             "point is copied (e.g. us-west-2)"),
            (not self.backup.enabled or self.backup.vault_lock.mode != "none",
             ("backup", "vault_lock", "mode"),
             "'none' is not allowed in prod: the vault lock keeps recovery points from being "
             "deleted early (governance, the default, or compliance)"),
            (not self.backup.enabled or self.backup.continuous_retention_days is None
             or self.backup.continuous_retention_days >= 7 or not self.database.enabled
             or "database" not in self.backup.stores,
             ("backup", "continuous_retention_days"),
             "must be >= 7 in prod: it becomes the database's automated backup retention "
             "(FSBP RDS.11)"),
        ]
        broken = [msg for ok, msg in rules if not ok]
        keyed_broken = [(loc, msg) for ok, loc, msg in keyed if not ok]
        if keyed_broken:
            def error(reason: str) -> PydanticCustomError:  # the reason as data, not a template
                return PydanticCustomError("prod_floor", "{reason}", {"reason": reason})

            details = [InitErrorDetails(type=error(msg), loc=loc, input=None)
                       for loc, msg in keyed_broken]
            if broken:
                details.append(InitErrorDetails(type=error("; ".join(broken)), loc=(), input=None))
            raise ValidationError.from_exception_data(type(self).__name__, details)
        if broken:
            raise ValueError("; ".join(broken))

    @property
    def name_prefix(self) -> str:
        """Prefix of every physical name: `<project>-<stack>`."""
        return f"{NAMESPACE}-{self.stack}"

    @property
    def web_services(self) -> list[ServiceConfig]:
        return [s for s in self.services if s.kind == "web"]

    def all_tags(self) -> dict[str, str]:
        """The tags every resource carries: the user's plus the four groundwork sets."""
        return {
            **self.tags,
            "Project": self.tags.get("Project", NAMESPACE),
            "Environment": self.stack,
            "ManagedBy": "pulumi",
        }


# --------------------------------------------------------------------------------------------
# profiles
# --------------------------------------------------------------------------------------------

PROFILE_DEFAULTS: dict[Profile, dict[str, Any]] = {
    # prod: the app unreachable from the internet pages someone (route53-health-check).
    Profile.PROD: {"edge": {"dns": {"health_check": {"enabled": True}}}},
    Profile.DEV: {
        "network": {"az_count": 2, "nat": "single", "flow_logs": {"retention_days": 30}},
        "database": {
            "instance_class": "db.t4g.micro",
            "allocated_storage_gb": 20,
            "max_allocated_storage_gb": 50,
            "multi_az": False,
            "backup_retention_days": 1,
            "deletion_protection": False,
            "final_snapshot": False,
            "log_retention_days": 14,
        },
        "cache": {"node_type": "cache.t4g.micro", "num_nodes": 1, "snapshot_retention_days": 1,
                  "log_retention_days": 14, "final_snapshot": False},
        "search": {"instance_type": "t3.small.search", "instance_count": 1,
                   "availability_zones": 1, "dedicated_master": False, "volume_size_gb": 10,
                   "log_retention_days": 14},
        "documents": {"instance_class": "db.t4g.medium", "instance_count": 1,
                      "backup_retention_days": 1, "deletion_protection": False,
                      "final_snapshot": False, "performance_insights": False,
                      "log_retention_days": 14},
        "kafka": {"instance_type": "kafka.t3.small", "volume_size_gb": 20,
                  "log_retention_days": 14},
        "cluster": {"log_retention_days": 14},
        # dev has no AWS Backup by default: its data is disposable, RDS's own automated backup
        # (1 day) covers a bad migration, and the vault + DR copies cost more than dev's database.
        "backup": {"enabled": False},
        "load_balancer": {"deletion_protection": False, "access_log_retention_days": 14},
        "edge": {"waf": {"enabled": False, "log_retention_days": 14}},
        "alarms": {},
    },
}
"""What each profile changes from the field defaults (which are prod's)."""

SERVICE_PROFILE_DEFAULTS: dict[Profile, dict[str, Any]] = {
    Profile.PROD: {},
    Profile.DEV: {"spot": True, "scaling": {"min_count": 1, "max_count": 2}},
}
"""Per-service defaults of each profile, applied under every entry of `services`."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` wins; nested mappings merge; lists and scalars replace."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
