"""`SearchDomain`: an Amazon OpenSearch Service domain inside the VPC (docs/search.md).

Always on, not configurable: VPC placement over the given data subnets, one per AZ, behind the
environment's `opensearch` security group (Opensearch.2); encryption at rest with the given data
key (Opensearch.1) and node-to-node encryption (Opensearch.3); HTTPS enforced with
`Policy-Min-TLS-1-2-PFS-2023-10` (Opensearch.8); fine-grained access control with an IAM role as
master user and no internal user database (Opensearch.7); the four log types (index and search
slow logs, error logs, audit logs: Opensearch.4/.5) published to log groups created here with
the logs key and a retention, each with a CloudWatch Logs resource policy scoped to that one
group, this account and this domain; gp3 storage; automatic service-software updates in a daily
off-peak window (Opensearch.10); a domain access policy that admits only this account's IAM
principals (or the roles given), never `*`.

The settings' defaults are production-grade (3 data nodes across 3 AZs with zone awareness and 3
dedicated master nodes: Opensearch.6 and .11); the stacks relax them for dev.

Traps a mock can't catch (docs/search.md): the domain name is 3-28 characters and fixed; VPC
options, the KMS key and encryption can't change without a new domain; the domain must wait for
the log groups' resource policies (or CreateDomain fails "does not grant sufficient
permissions"); the OpenSearch service-linked role must exist once per account (created here only
when `create_service_linked_role` is true, since creating it twice fails).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input, check_retention
from groundwork.components.base import (
    AccountContext,
    Naming,
    account_for,
    checked_id,
    child_opts,
    component_naming,
    log_write_policy,
    require,
)
from groundwork.components.security_groups import SecurityGroups, group_of, store_group
from groundwork.components.service import ServiceWiring

ENGINE_VERSIONS = ("OpenSearch_2.11", "OpenSearch_2.13", "OpenSearch_2.15", "OpenSearch_2.17",
                   "OpenSearch_2.19", "OpenSearch_3.1", "OpenSearch_3.3")
"""Versions a new domain can be created with. The 2.x minors are the ones AWS's "features by
engine version" page names as feature minimums (2.11-2.17) plus 2.19, the last 2.x; 3.1 and 3.3
are named there too. Older versions (1.x, 2.3-2.9, Elasticsearch) are refused: end of standard
support or close to it."""
DEFAULT_ENGINE_VERSION = "OpenSearch_2.19"

TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"
"""TLS 1.2+ with forward-secret ciphers only: the newest policy, and what AWS's own remediation
for Opensearch.8 applies."""
SERVICE_LINKED_ROLE = "opensearchservice.amazonaws.com"
"""The service of `AWSServiceRoleForAmazonOpenSearchService` (not es.amazonaws.com)."""
LOG_TYPES = {
    "INDEX_SLOW_LOGS": "index-slow-logs",
    "SEARCH_SLOW_LOGS": "search-slow-logs",
    "ES_APPLICATION_LOGS": "application-logs",
    "AUDIT_LOGS": "audit-logs",
}
"""Every log type OpenSearch publishes -> the last part of its log group's name."""
DOMAIN_NAME = re.compile(r"^[a-z][a-z0-9-]{2,27}$")
"""OpenSearch's domain-name rule: 3-28 characters, lowercase letter first, then lowercase
letters, digits and hyphens (mocks accept anything; CreateDomain refuses it)."""
OFF_PEAK_START = re.compile(r"^([01]\d|2[0-3]):(00|30)$")
GP3_MIN_GB = 10
"""The smallest gp3 volume OpenSearch accepts per data node."""


@dataclass(frozen=True)
class SearchInstance:
    """One OpenSearch instance type: vCPUs, memory and the largest EBS volume (None: not
    checked here; AWS's per-type quota applies)."""

    vcpu: int
    memory_gib: float
    max_ebs_gb: int | None = None


def _family(prefix: str, sizes: Mapping[str, tuple[int, float]]) -> dict[str, SearchInstance]:
    return {f"{prefix}.{size}.search": SearchInstance(v, m) for size, (v, m) in sizes.items()}


# GiB of memory per vCPU: general 4, memory-optimised 8, compute-optimised 2.
_VCPUS = {"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48}


def _sizes(per_vcpu: int, *sizes: str) -> dict[str, tuple[int, float]]:
    return {size: (_VCPUS[size], _VCPUS[size] * per_vcpu) for size in sizes}


# Sizes AWS offers per family (the OpenSearch price list) and the price table has: m5 and r5
# jump from 4xlarge to 12xlarge; c5's 9xlarge/18xlarge and the Graviton 3 16xlarge sizes exist
# but are not in groundwork's price table, so they are not offered here yet.
_SMALL = ("large", "xlarge", "2xlarge", "4xlarge")
_GRAVITON = (*_SMALL, "8xlarge", "12xlarge")

SEARCH_INSTANCE_TYPES: dict[str, SearchInstance] = {
    # T3: current generation, encryption at rest and node-to-node supported (T2 is the burstable
    # family that lacks them, and is refused). Burstable: dev only (the prod floor refuses it).
    "t3.small.search": SearchInstance(2, 2, max_ebs_gb=100),
    "t3.medium.search": SearchInstance(2, 4, max_ebs_gb=200),
    **_family("m5", _sizes(4, *_SMALL, "12xlarge")),
    **_family("m6g", _sizes(4, *_GRAVITON)), **_family("m7g", _sizes(4, *_GRAVITON)),
    **_family("r5", _sizes(8, *_SMALL, "12xlarge")),
    **_family("r6g", _sizes(8, *_GRAVITON)), **_family("r7g", _sizes(8, *_GRAVITON)),
    **_family("c5", _sizes(2, *_SMALL)),
    **_family("c6g", _sizes(2, *_GRAVITON)), **_family("c7g", _sizes(2, *_GRAVITON)),
}
"""Data and master instance types groundwork accepts: current-generation, EBS-backed types that
support encryption at rest and node-to-node encryption (`InstanceTypeDetails.EncryptionEnabled`).
Not listed: t2 (no encryption at rest), i3/im4gn/or1 (local or S3-backed storage, no gp3 sizing
here)."""


def _known_type(value: str, what: str) -> str:
    if value not in SEARCH_INSTANCE_TYPES:
        families = sorted({t.split(".")[0] for t in SEARCH_INSTANCE_TYPES})
        why = " (t2 types don't support encryption at rest)" if value.startswith("t2.") else ""
        raise ValueError(f"unknown or unsupported {what} {value!r}{why}; families: "
                         f"{', '.join(families)} (e.g. t3.small.search, r6g.large.search)")
    return value


def burstable(instance_type: str) -> bool:
    return instance_type.startswith("t3.")


class SearchDomainSettings(ArgsModel):
    """The domain's tunables. VPC placement, encryption at rest and in transit, the TLS policy,
    fine-grained access control, log publishing and software updates are always on and not
    settings."""

    engine_version: str = DEFAULT_ENGINE_VERSION
    """Engine version, pinned (default OpenSearch_2.19: the last 2.x, which every current client
    speaks; the SDK's default would float to the newest). One of ENGINE_VERSIONS."""
    instance_type: str = "r6g.large.search"
    """Data node type (default r6g.large.search: Graviton, memory-optimised as search heaps
    want; t3 types are burstable and refused in prod)."""
    instance_count: Annotated[int, Field(ge=1, le=80)] = 3
    """Data nodes (default 3: Opensearch.6 asks >= 3; a multiple of availability_zones)."""
    availability_zones: Literal[1, 2, 3] = 3
    """AZs the data nodes spread over, one data subnet each (default 3; 2 or 3 turns zone
    awareness on, 1 is a single-AZ dev domain)."""
    dedicated_master: bool = True
    """Dedicated master (cluster manager) nodes (default true: data-node load never stalls
    cluster management; Opensearch.11 asks >= 3)."""
    dedicated_master_type: str = "m6g.large.search"
    """Master node type (default m6g.large.search: enough for clusters up to ~10 data nodes)."""
    dedicated_master_count: Literal[3, 5] = 3
    """Master nodes (default 3: a quorum survives one loss; AWS allows 3 or 5)."""
    volume_size_gb: Annotated[int, Field(ge=GP3_MIN_GB, le=24576)] = 100
    """gp3 EBS volume per data node in GiB (default 100: room for a few tens of GiB of indices
    with replicas and merges; >= 10, gp3's minimum). The free-storage alarm fires at 25 % of
    it."""
    log_retention_days: int = 365
    """Retention of the four log groups (default 365 days: a year of audit trail)."""
    off_peak_window_start: str = "03:00"
    """Start (UTC, HH:00 or HH:30) of the daily 10-hour off-peak window, when service-software
    updates and other disruptive changes run (default 03:00: night in Europe, evening in the
    Americas, away from business hours there)."""
    create_service_linked_role: bool = False
    """Create AWSServiceRoleForAmazonOpenSearchService (default false: it exists once per
    account and creating it again fails; create it once per account, see docs/search.md)."""

    @field_validator("engine_version")
    @classmethod
    def _version(cls, v: str) -> str:
        if v not in ENGINE_VERSIONS:
            raise ValueError(f"{v!r} is not an engine version groundwork creates domains with; "
                             f"use one of {', '.join(ENGINE_VERSIONS)}")
        return v

    @field_validator("instance_type")
    @classmethod
    def _instance(cls, v: str) -> str:
        return _known_type(v, "instance type")

    @field_validator("dedicated_master_type")
    @classmethod
    def _master(cls, v: str) -> str:
        return _known_type(v, "dedicated master type")

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        return check_retention(v)

    @field_validator("off_peak_window_start")
    @classmethod
    def _off_peak(cls, v: str) -> str:
        if not OFF_PEAK_START.match(v):
            raise ValueError("must be HH:00 or HH:30 (UTC), e.g. 03:00")
        return v

    @model_validator(mode="after")
    def _shape(self) -> SearchDomainSettings:
        if self.instance_count % self.availability_zones:
            raise ValueError(f"instance_count {self.instance_count} must be a multiple of "
                             f"availability_zones {self.availability_zones} (zone awareness "
                             "places the same number of data nodes in each AZ)")
        cap = SEARCH_INSTANCE_TYPES[self.instance_type].max_ebs_gb
        if cap is not None and self.volume_size_gb > cap:
            raise ValueError(f"volume_size_gb {self.volume_size_gb} exceeds {self.instance_type}'s "
                             f"EBS maximum of {cap} GiB")
        if burstable(self.instance_type) and self.instance_count > 10:
            raise ValueError("t3 data nodes are limited to 10 per domain; use a larger family")
        return self

    @property
    def zone_awareness(self) -> bool:
        return self.availability_zones >= 2

    @property
    def off_peak_hours(self) -> tuple[int, int]:
        hours, minutes = self.off_peak_window_start.split(":")
        return int(hours), int(minutes)


class SearchDomainArgs(ComponentArgs, SearchDomainSettings):
    """Everything `SearchDomain` takes: its settings plus what it connects to."""

    security_group: SecurityGroups | aws.ec2.SecurityGroup | None = None
    """The domain's security group (required): the `SecurityGroups` component (its `opensearch`
    group, from `SecurityGroupsArgs.stores`, is used and `allow_from` adds rules through it) or
    a plain `aws.ec2.SecurityGroup` (then add rules yourself)."""
    subnet_ids: Input[Sequence[Input[str]]] | None = None
    """The private data subnets, exactly one per AZ and `availability_zones` of them (required,
    e.g. the data tier's first N)."""
    data_key_arn: Input[str] | None = None
    """KMS key ARN for encryption at rest (required: Opensearch.1 wants a customer key, e.g.
    `EnvironmentKeys.data`; an ARN, since AWS returns the ARN and an id would diff forever)."""
    logs_key_arn: Input[str] | None = None
    """KMS key of the four log groups (required, e.g. `EnvironmentKeys.logs`)."""
    master_user_arn: Input[str] | None = None
    """IAM role that is the fine-grained-access-control master user (default none: the
    component creates `<prefix>-<name>-admin`, assumable by this account's principals that
    IAM lets assume it)."""
    access_role_arns: Sequence[Input[str]] | None = None
    """IAM principals the domain access policy admits, besides the master (default none: every
    principal of this account; identity policies, `allow_from(role=...)`, then decide)."""
    domain_name: str = ""
    """Domain name (default "": `<prefix>-<name>`, cut to 28 characters with a hash). Set it only
    to keep the name of a domain created before: a new name is a new domain."""
    protect: bool = True
    """Pulumi `protect` on the domain (default true: `pulumi destroy` refuses to drop the
    indices; set false for throwaway environments)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""


_REQUIRED = {
    "security_group": "the SecurityGroups component (with stores={'opensearch': 443}) or an "
                      "aws.ec2.SecurityGroup",
    "subnet_ids": "the private data subnets, one per AZ",
    "data_key_arn": "a customer-managed KMS key ARN for encryption at rest",
    "logs_key_arn": "a KMS key ARN for the log groups",
}


# --------------------------------------------------------------------------------------------
# pure planning: names and documents
# --------------------------------------------------------------------------------------------


def domain_name(naming: Naming, *parts: str) -> str:
    """A valid domain name from a component's naming: <= 28 characters (hash-truncated),
    lowercase letter first, a-z0-9-."""
    name = re.sub(r"[^a-z0-9-]", "-", naming.name(*parts, max_length=28))
    name = re.sub(r"-{2,}", "-", name).strip("-")
    if not name[:1].isalpha():
        name = f"s-{name}"[:28].rstrip("-")
    if len(name) < 3:
        name = f"{name}-search"[:28]
    if not DOMAIN_NAME.match(name):  # pragma: no cover - guaranteed above
        raise ValueError(f"cannot derive a valid domain name from {name!r}")
    return name


def domain_arn(account: AccountContext, account_id: str, name: str) -> str:
    return f"arn:{account.partition}:es:{account.region}:{account_id}:domain/{name}"


def access_policy(*, domain_arn: str, principals: Sequence[str]) -> dict[str, Any]:
    """The domain access policy: the given IAM principals (the account root: every principal of
    the account whose identity policy allows it), the domain's HTTP API only."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "AccountPrincipalsOnly", "Effect": "Allow",
        "Principal": {"AWS": list(principals) if len(principals) > 1 else principals[0]},
        "Action": "es:ESHttp*", "Resource": f"{domain_arn}/*"}]}


def log_policy(*, log_group_arn: str, account_id: str, domain_arn: str) -> dict[str, Any]:
    """The resource policy of one log group: OpenSearch may create streams and put events in
    this group only, for this account's domain only (confused-deputy conditions)."""
    return log_write_policy(sid="OpenSearchPublishesThisDomainsLogs", service="es.amazonaws.com",
                            log_group_arn=log_group_arn, account_id=account_id,
                            source_arn=domain_arn)


def http_access_policy(domain_arn: str) -> dict[str, Any]:
    """An app role's (and the admin role's) identity policy: the domain's HTTP API, nothing
    else. With fine-grained access control the role still needs an OpenSearch role mapping
    (docs/search.md)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "SearchDomainHttp", "Effect": "Allow", "Action": "es:ESHttp*",
        "Resource": [domain_arn, f"{domain_arn}/*"]}]}


def admin_trust_policy(account_root: str) -> dict[str, Any]:
    """The admin role's trust: this account's principals (their own IAM policies must allow
    sts:AssumeRole on it)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": account_root}, "Action": "sts:AssumeRole"}]}


def check_subnets(name: str, subnet_ids: Any, zones: int) -> None:
    """A known list must name `zones` distinct subnets (one per AZ: AWS refuses more or fewer
    than the zone-awareness AZ count); an Output list is only known at deploy time."""
    if isinstance(subnet_ids, str):
        raise TypeError(f"SearchDomain {name!r}: SearchDomainArgs.subnet_ids must be a list of "
                        "subnet ids, got a string")
    if isinstance(subnet_ids, (list, tuple)):
        known = [s for s in subnet_ids if isinstance(s, str)]
        if len(set(known)) != len(known):
            raise ValueError(f"SearchDomain {name!r}: SearchDomainArgs.subnet_ids repeats a subnet; "
                             "give one subnet per AZ")
        if len(subnet_ids) != zones:
            raise ValueError(f"SearchDomain {name!r}: SearchDomainArgs.subnet_ids names "
                             f"{len(subnet_ids)} subnet(s); availability_zones is {zones}, and "
                             "OpenSearch takes exactly one subnet per AZ")


class SearchDomain(pulumi.ComponentResource):
    """OpenSearch domain with its log groups and their resource policies, the admin role (unless
    given one) and, on request, the service-linked role.

    `SearchDomain(name, SearchDomainArgs(...), opts)`. Outputs (the connection contract):
    `domain_name`, `arn`, `endpoint` (the VPC endpoint host), `security_group_id`,
    `master_user_arn`. `connection()` gives a service SEARCH_ENDPOINT; `allow_from(source,
    role=...)` opens 443 and grants the role the domain's HTTP API. `args`: the full
    `SearchDomainArgs`.
    """

    domain: aws.opensearch.Domain

    def __init__(self, name: str, args: SearchDomainArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else SearchDomainArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("SearchDomain", name, args)
        require("SearchDomain", name, args, _REQUIRED)
        check_subnets(name, args.subnet_ids, args.availability_zones)
        dname = checked_id("SearchDomain", name, "domain_name",
                           args.domain_name or domain_name(naming), DOMAIN_NAME,
                           "OpenSearch domain name (3-28 characters, lowercase letter first, "
                           "lowercase letters, digits and hyphens)")
        security_group, groups = store_group("SearchDomain", "opensearch", args.security_group)
        super().__init__("groundwork:data:SearchDomain", name, None, opts)
        self.args = args
        self.security_group, self._groups = security_group, groups
        self._name = name
        account = account_for(args.account, self)
        self._account = account
        account_id = pulumi.Output.from_input(account.account_id)
        arn = account_id.apply(lambda acct: domain_arn(account, acct, dname))
        tags = {"Component": "search"}

        self.service_linked_role: aws.iam.ServiceLinkedRole | None = None
        if args.create_service_linked_role:
            self.service_linked_role = aws.iam.ServiceLinkedRole(
                f"{name}-service-linked-role",
                aws_service_name=SERVICE_LINKED_ROLE,
                description="OpenSearch Service manages the domain's VPC network interfaces",
                opts=child_opts(self),
            )

        self.log_groups: dict[str, aws.cloudwatch.LogGroup] = {}
        self.log_policies: dict[str, aws.cloudwatch.LogResourcePolicy] = {}
        for log_type, suffix in LOG_TYPES.items():
            group_name = f"/aws/OpenSearchService/domains/{dname}/{suffix}"
            group = aws.cloudwatch.LogGroup(
                f"{name}-log-{suffix}",
                name=group_name,
                retention_in_days=args.log_retention_days,
                kms_key_id=args.logs_key_arn,
                tags=naming.tagged(group_name, **tags),
                opts=child_opts(self),
            )
            self.log_groups[log_type] = group
            # Resource-scoped (resource_arn): one policy per group, outside the account's limit
            # of 10 account-level policies, naming exactly this group.
            self.log_policies[log_type] = aws.cloudwatch.LogResourcePolicy(
                f"{name}-log-{suffix}-policy",
                resource_arn=group.arn,
                policy_document=pulumi.Output.all(group.arn, account_id, arn).apply(
                    lambda a: json.dumps(log_policy(log_group_arn=a[0], account_id=a[1],
                                                    domain_arn=a[2]))),
                opts=child_opts(self),
            )

        self.admin_role: aws.iam.Role | None = None
        self.admin_role_policy: aws.iam.RolePolicy | None = None
        master_user_arn: Input[str]
        if args.master_user_arn is None:
            role_name = naming.name("admin", max_length=64)
            self.admin_role = aws.iam.Role(
                f"{name}-admin-role",
                name=role_name,
                description=f"Master user of OpenSearch domain {dname} (fine-grained access "
                            "control): maps app roles to OpenSearch roles",
                assume_role_policy=account_id.apply(lambda acct: json.dumps(admin_trust_policy(
                    f"arn:{account.partition}:iam::{acct}:root"))),
                max_session_duration=3600,
                tags=naming.tagged(role_name, **tags),
                opts=child_opts(self),
            )
            self.admin_role_policy = aws.iam.RolePolicy(
                f"{name}-admin-http",
                role=self.admin_role.id,
                policy=arn.apply(lambda a: json.dumps(http_access_policy(a))),
                opts=child_opts(self),
            )
            master_user_arn = self.admin_role.arn
        else:
            master_user_arn = args.master_user_arn

        principals: Input[Sequence[str]]
        if args.access_role_arns is None:
            principals = account_id.apply(lambda acct: [f"arn:{account.partition}:iam::{acct}:root"])
        else:
            principals = pulumi.Output.all(master_user_arn, *args.access_role_arns).apply(
                lambda a: sorted(set(a)))

        zone_config = (aws.opensearch.DomainClusterConfigZoneAwarenessConfigArgs(
            availability_zone_count=args.availability_zones) if args.zone_awareness else None)
        hours, minutes = args.off_peak_hours
        depends: list[pulumi.Resource] = [*self.log_policies.values()]
        if self.service_linked_role is not None:
            depends.append(self.service_linked_role)
        self.domain = aws.opensearch.Domain(
            f"{name}-domain",
            domain_name=dname,
            engine_version=args.engine_version,
            cluster_config=aws.opensearch.DomainClusterConfigArgs(
                instance_type=args.instance_type,
                instance_count=args.instance_count,
                zone_awareness_enabled=args.zone_awareness,
                zone_awareness_config=zone_config,
                dedicated_master_enabled=args.dedicated_master,
                dedicated_master_type=args.dedicated_master_type if args.dedicated_master else None,
                dedicated_master_count=args.dedicated_master_count if args.dedicated_master else None,
            ),
            vpc_options=aws.opensearch.DomainVpcOptionsArgs(
                subnet_ids=args.subnet_ids, security_group_ids=[self.security_group.id]),
            ebs_options=aws.opensearch.DomainEbsOptionsArgs(
                ebs_enabled=True, volume_type="gp3", volume_size=args.volume_size_gb),
            encrypt_at_rest=aws.opensearch.DomainEncryptAtRestArgs(
                enabled=True, kms_key_id=args.data_key_arn),
            node_to_node_encryption=aws.opensearch.DomainNodeToNodeEncryptionArgs(enabled=True),
            domain_endpoint_options=aws.opensearch.DomainDomainEndpointOptionsArgs(
                enforce_https=True, tls_security_policy=TLS_POLICY),
            advanced_security_options=aws.opensearch.DomainAdvancedSecurityOptionsArgs(
                enabled=True,
                internal_user_database_enabled=False,
                anonymous_auth_enabled=False,
                master_user_options=aws.opensearch.DomainAdvancedSecurityOptionsMasterUserOptionsArgs(
                    master_user_arn=master_user_arn),
            ),
            access_policies=pulumi.Output.all(arn, principals).apply(
                lambda a: json.dumps(access_policy(domain_arn=a[0], principals=a[1]))),
            log_publishing_options=[
                aws.opensearch.DomainLogPublishingOptionArgs(
                    log_type=log_type, cloudwatch_log_group_arn=group.arn, enabled=True)
                for log_type, group in self.log_groups.items()
            ],
            software_update_options=aws.opensearch.DomainSoftwareUpdateOptionsArgs(
                auto_software_update_enabled=True),
            off_peak_window_options=aws.opensearch.DomainOffPeakWindowOptionsArgs(
                enabled=True,
                off_peak_window=aws.opensearch.DomainOffPeakWindowOptionsOffPeakWindowArgs(
                    window_start_time=aws.opensearch
                    .DomainOffPeakWindowOptionsOffPeakWindowWindowStartTimeArgs(
                        hours=hours, minutes=minutes))),
            tags=naming.tagged(dname, **tags),
            # OpenSearch validates the log groups' policies at CreateDomain (a race without the
            # dependency: "does not grant sufficient permissions"), and the service-linked role
            # before it touches the VPC. Creates and blue/green updates take long.
            opts=child_opts(self, protect=args.protect, depends_on=depends,
                            custom_timeouts=pulumi.CustomTimeouts(create="90m", update="180m",
                                                                  delete="90m")),
        )

        self.domain_name: pulumi.Output[str] = self.domain.domain_name
        self.arn: pulumi.Output[str] = self.domain.arn
        self.endpoint: pulumi.Output[str] = self.domain.endpoint
        self.master_user_arn: pulumi.Output[str] = pulumi.Output.from_input(master_user_arn)
        self.security_group_id: pulumi.Output[str] = self.security_group.id
        self.grants: list[aws.iam.RolePolicy] = []
        self._grants: dict[str, aws.iam.RolePolicy] = {}
        self.register_outputs({
            "domain_name": self.domain_name, "arn": self.arn, "endpoint": self.endpoint,
            "master_user_arn": self.master_user_arn, "security_group_id": self.security_group_id,
        })

    @property
    def client_id(self) -> pulumi.Output[str]:
        """The ClientId alarm dimension: the account id, read from the domain's ARN output."""
        return self.domain.arn.apply(lambda a: a.split(":")[4])

    def connection(self) -> ServiceWiring:
        """What a service gets: SEARCH_ENDPOINT (https://<VPC endpoint>). No secret: requests are
        signed with the task role (SigV4, service `es`), which `allow_from(role=...)` grants."""
        return ServiceWiring(environment={
            "SEARCH_ENDPOINT": pulumi.Output.concat("https://", self.domain.endpoint)})

    def allow_from(self, source: Any, *, role: Any = None) -> aws.iam.RolePolicy | None:
        """Let `source` (a security group or anything with `.security_group`) reach the domain
        on 443 (ingress on the opensearch group, egress on the source's), and grant `role` (an
        `aws.iam.Role`, or anything with `.task_role`; default: `source.task_role` if it has
        one) the domain's HTTP API (es:ESHttp* on this domain only). Idempotent: the flow is
        added once per source, the grant once per role (named after the role's owner, the
        service or the Role). Returns the RolePolicy it created (None without a role), as every
        store's `allow_from` does."""
        if self._groups is None:
            raise ValueError("SearchDomain.allow_from needs the SecurityGroups component as "
                             "security_group= to create the rules (it was given a plain group)")
        key = self._groups.key_of(group_of(source))
        self._groups.allow(source=source, target=self.security_group, port=443,
                           description=f"{key} to OpenSearch (HTTPS)")
        target = role if role is not None else getattr(source, "task_role", None)
        if target is None:
            return None
        iam_role = getattr(target, "task_role", target)
        if not isinstance(iam_role, aws.iam.Role):
            raise TypeError("SearchDomain.allow_from: role must be an aws.iam.Role or have "
                            f".task_role, got {type(target).__name__}")
        # the FargateService's name, or the Role's
        grantee = str(getattr(target, "pulumi_resource_name", None) or iam_role.pulumi_resource_name)
        if grantee in self._grants:
            return self._grants[grantee]
        grant = aws.iam.RolePolicy(
            f"{self._name}-{grantee}-http",
            role=iam_role.id,
            policy=self.domain.arn.apply(lambda a: json.dumps(http_access_policy(a))),
            opts=child_opts(self),
        )
        self._grants[grantee] = grant
        self.grants.append(grant)
        return grant
