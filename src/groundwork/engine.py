"""The offline engine: run the real `__main__.py` of a stack under Pulumi's mock engine and
return every registered resource with its type, name, parent, inputs and options.

No Pulumi CLI, no provider plugin, no AWS credentials. The tests, the `groundwork` CLI and the
offline policy check all use this one engine, so what they see is what `pulumi preview` would
register. The mock answers what AWS would compute (ids, ARNs, auto-names, endpoints, ALB and
target-group `arn_suffix`, RDS identifiers, ElastiCache member clusters) so derived values such as
alarm dimensions are real. Secrets are redacted in every record.

How (docs/testing.md): a `MockMonitor` subclass keeps the raw
`RegisterResourceRequest` (which carries parent, protect, dependencies, aliases...;
`MockResourceArgs` does not), and each run gets a fresh event loop and root Stack.

Like the Pulumi engine (and unlike the SDK's plain mock), the monitor builds URNs from the
parent's whole type chain (`urn:pulumi:dev::proj::pkg:mod:Comp$aws:ec2/vpc:Vpc::vpc`, no
`pulumi:pulumi:Stack$` prefix) and refuses a duplicate URN, naming it (`DuplicateUrnError`). Two
resources of one type with one AWS physical name (`PHYSICAL_NAMES`: an RDS identifier, a bucket,
a role name...) are a mistake AWS refuses at `pulumi up`; they are reported in
`PlanResult.name_clashes`.

Any Pulumi Python project plans here (`plan_stack` reads its Pulumi.yaml); only groundwork's own
project has its `groundwork:` config validated as an `EnvironmentConfig` (`PlanResult.config`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import io
import json
import logging
import runpy
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groundwork.stacks.config import NAMESPACE, EnvironmentConfig, load_environment
from groundwork.stacks.loader import (
    DEFAULT_REGION,
    PROJECT_DIR,
    StackFile,
    read_project,
    read_stack_file,
)

if TYPE_CHECKING:  # pulumi is imported lazily (the CLI starts without it); mypy sees the base
    from pulumi.runtime.mocks import Mocks as _MocksBase
else:
    _MocksBase = object

ACCOUNT_ID = "123456789012"
"""The account the mock pretends to be (AWS's documentation account)."""
REDACTED = "[secret]"
UNKNOWN = "[unknown]"

# Pulumi's wire markers (pulumi.runtime.rpc): values in a serialized Struct that are not data.
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
_UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# Input names whose value is a secret even when the program forgot to mark it one.
_SECRET_KEYS = {"authToken", "password", "secretString", "masterPassword", "result",
                "secretBinary", "authTokenWo"}


@dataclass
class ResourceRecord:
    """One registered resource, as the engine received it."""

    type: str
    name: str
    urn: str
    parent: str
    """URN of the parent ('' for the Stack itself)."""
    custom: bool
    """True for a cloud resource, False for a component."""
    inputs: dict[str, Any]
    """Inputs in engine (camelCase) names; secrets redacted; unknowns shown as [unknown]."""
    outputs: dict[str, Any]
    """What the mock returned (inputs plus computed ids, ARNs...); secrets redacted."""
    id: str = ""
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    """URNs of explicit dependencies (`depends_on` and the resources inputs came from)."""
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    delete_before_replace: bool = False
    replace_on_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    provider: str = ""
    secret_inputs: list[str] = field(default_factory=list)
    """Input names that were (or contained) secrets."""
    aliases: list[str] = field(default_factory=list)
    """The old URNs this resource answers to (its `aliases` option, resolved as the engine
    does: an `Alias(name=...)` keeps the current type and parent unless it says otherwise)."""

    @property
    def short_type(self) -> str:
        """The type as people say it: `elasticache.ReplicationGroup` (see `short_type`)."""
        return short_type(self.type)

    @property
    def physical_name(self) -> str | None:
        """The AWS name the program set (see `physical_name`), None if AWS or Pulumi names it."""
        return physical_name(self)

    @property
    def component(self) -> str:
        """Type of the nearest component ancestor (from the URN's type chain), or 'stack'."""
        qualified = self.urn.split("::")[2] if self.urn.count("::") >= 3 else self.type
        chain = qualified.split("$")
        return chain[-2] if len(chain) > 1 else "stack"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class NameClash:
    """Two or more resources of one type with one AWS physical name: AWS refuses the second
    at `pulumi up` (or, for an idempotent create such as an SNS topic, both resources manage
    one thing and deleting either deletes it)."""

    type: str
    key: str
    """The physical name field and value (`identifier=groundwork-dev-postgres`), with its scope
    where AWS scopes the name (`vpcId=vpc-... name=...`)."""
    urns: tuple[str, ...]

    def __str__(self) -> str:
        names = ", ".join(u.rsplit("::", 1)[-1] for u in self.urns)
        return (f"{len(self.urns)} {short_type(self.type)} resources share the AWS name "
                f"{self.key} ({names}): AWS refuses the second one at `pulumi up`")


@dataclass
class PlanResult:
    """Everything one offline run registered, queryable by type, name and parent."""

    stack: str
    project: str
    config: EnvironmentConfig | None
    """The validated environment for groundwork's own program; None for any other program
    (its config went to the program as Pulumi config, unvalidated)."""
    resources: list[ResourceRecord]
    """Every resource, in the order the program declared them (deterministic run to run)."""
    stack_outputs: dict[str, Any]
    log: list[str]
    """Messages the program logged (warnings, errors) during the run."""
    region: str = ""
    """The region planned in (`aws:region`; default us-east-1)."""
    name_clashes: list[NameClash] = field(default_factory=list)
    """Resources of one type with one AWS name (see `find_name_clashes`): the plan fails."""
    project_dir: Path | None = None
    """The Pulumi project directory planned, when it was one."""

    def __post_init__(self) -> None:
        if not self.region:
            self.region = self.config.region if self.config is not None else DEFAULT_REGION

    @property
    def profile(self) -> str | None:
        """groundwork's profile (dev | prod), None for another program."""
        return self.config.profile.value if self.config is not None else None

    def of_type(self, type_: str) -> list[ResourceRecord]:
        """Every resource of a type, given as the token (`aws:rds/instance:Instance`) or short
        (`rds.Instance`), in declaration order."""
        return [r for r in self.resources if r.type == type_ or short_type(r.type) == type_]

    def named(self, name: str) -> list[ResourceRecord]:
        """Every resource with this logical name, whatever its type."""
        return [r for r in self.resources if r.name == name]

    def one(self, type_: str, name: str | None = None,
            parent: ResourceRecord | str | None = None) -> ResourceRecord:
        """The single resource of a type (and name, and parent); AssertionError if not exactly
        one. `parent`: a record, a URN or a component's name."""
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if parent is not None:
            under = {r.urn for r in self.children(parent)}
            found = [r for r in found if r.urn in under]
        if len(found) != 1:
            raise AssertionError(
                f"expected one {type_}{' named ' + name if name else ''}, found {len(found)}: "
                f"{[r.name for r in found]}"
            )
        return found[0]

    def by_urn(self, urn: str) -> ResourceRecord:
        for r in self.resources:
            if r.urn == urn:
                return r
        raise KeyError(urn)

    def _urn_of(self, parent: ResourceRecord | str) -> str:
        if isinstance(parent, ResourceRecord):
            return parent.urn
        if parent.startswith("urn:"):
            return parent
        components = [r for r in self.resources if not r.custom and r.name == parent]
        if len(components) != 1:
            raise AssertionError(f"expected one component named {parent}, found {len(components)}")
        return components[0].urn

    def component(self, name: str, type_: str | None = None) -> ResourceRecord:
        """The component (not a cloud resource) with this name (and type)."""
        found = [r for r in self.resources if not r.custom and r.name == name
                 and (type_ is None or type_ in (r.type, short_type(r.type)))]
        if len(found) != 1:
            raise AssertionError(f"expected one component named {name}, found {len(found)}")
        return found[0]

    def parent_of(self, record: ResourceRecord) -> ResourceRecord | None:
        """The record's parent (None for the Stack, or a parent the run did not register)."""
        try:
            return self.by_urn(record.parent) if record.parent else None
        except KeyError:
            return None

    def children(self, parent: ResourceRecord | str) -> list[ResourceRecord]:
        """The direct children of a record (or URN, or component name)."""
        urn = self._urn_of(parent)
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, parent: ResourceRecord | str) -> Iterator[ResourceRecord]:
        """Children, their children, and so on (depth first)."""
        for child in self.children(parent):
            yield child
            yield from self.descendants(child)

    def find_by_output(self, key: str, value: Any) -> ResourceRecord | None:
        """The resource whose output `key` equals `value` (e.g. arnSuffix), if any."""
        for r in self.resources:
            if r.outputs.get(key) == value:
                return r
        return None

    def counts(self) -> Counter[str]:
        return Counter(r.type for r in self.resources if r.custom)

    @property
    def custom_resources(self) -> list[ResourceRecord]:
        return [r for r in self.resources if r.custom]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "project": self.project,
            "profile": self.profile,
            "region": self.region,
            "resource_count": len(self.custom_resources),
            "resources": [r.to_json() for r in self.resources],
            "stack_outputs": self.stack_outputs,
            "name_clashes": [{"type": c.type, "name": c.key, "urns": list(c.urns)}
                             for c in self.name_clashes],
        }


# --------------------------------------------------------------------------------------------
# types and physical names
# --------------------------------------------------------------------------------------------


def short_type(type_: str) -> str:
    """A type token as people say it: `aws:elasticache/replicationGroup:ReplicationGroup` ->
    `elasticache.ReplicationGroup`; `random:index/randomPassword:RandomPassword` ->
    `random.RandomPassword`; `pulumi:providers:aws` -> `provider.aws`; a component
    `groundwork:data:PostgresDatabase` -> `groundwork.data.PostgresDatabase`."""
    parts = type_.split(":")
    if len(parts) != 3:
        return type_
    package, module, kind = parts
    if package == "pulumi":
        return f"provider.{kind}" if module == "providers" else kind
    module = module.split("/")[0]
    if package == "aws":
        return f"aws.{kind}" if module == "index" else f"{module}.{kind}"
    return f"{package}.{kind}" if module == "index" else f"{package}.{module}.{kind}"


PHYSICAL_NAMES: dict[str, tuple[str, ...]] = {
    # type: (the input holding the AWS name, then the inputs that scope it, if AWS scopes it)
    "aws:appautoscaling/policy:Policy": ("name", "resourceId", "scalableDimension"),
    "aws:backup/plan:Plan": ("name",),
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": ("name",),
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": ("name", "restoreTestingPlanName"),
    "aws:backup/selection:Selection": ("name", "planId"),
    "aws:backup/vault:Vault": ("name",),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": ("configurationName",),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ("alarmName",),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:cloudwatch/eventRule:EventRule": ("name", "eventBusName"),
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": ("name",),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": ("name",),
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": ("name", "region"),
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": ("name", "region"),
    "aws:cloudwatch/logGroup:LogGroup": ("name",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name",),
    "aws:docdb/cluster:Cluster": ("clusterIdentifier",),
    "aws:docdb/clusterInstance:ClusterInstance": ("identifier",),
    "aws:docdb/clusterParameterGroup:ClusterParameterGroup": ("name",),
    "aws:docdb/subnetGroup:SubnetGroup": ("name",),
    "aws:dynamodb/table:Table": ("name",),
    "aws:ec2/launchTemplate:LaunchTemplate": ("name",),
    "aws:ec2/keyPair:KeyPair": ("keyName",),
    "aws:ec2/securityGroup:SecurityGroup": ("name", "vpcId"),
    "aws:ecr/repository:Repository": ("name",),
    "aws:ecs/cluster:Cluster": ("name",),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": ("clusterName",),
    "aws:ecs/service:Service": ("name", "cluster"),
    "aws:ecs/taskDefinition:TaskDefinition": ("family",),
    "aws:efs/fileSystem:FileSystem": ("creationToken",),
    "aws:elasticache/cluster:Cluster": ("clusterId",),
    "aws:elasticache/parameterGroup:ParameterGroup": ("name",),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("replicationGroupId",),
    "aws:elasticache/subnetGroup:SubnetGroup": ("name",),
    "aws:elasticache/user:User": ("userId",),
    "aws:elasticache/userGroup:UserGroup": ("userGroupId",),
    "aws:iam/group:Group": ("name",),
    "aws:iam/instanceProfile:InstanceProfile": ("name",),
    "aws:iam/policy:Policy": ("name",),
    "aws:iam/role:Role": ("name",),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ("url",),
    "aws:iam/rolePolicy:RolePolicy": ("name", "role"),
    # one per service and account (OpenSearch's AWSServiceRoleForAmazonOpenSearchService)
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": ("awsServiceName", "customSuffix"),
    "aws:iam/user:User": ("name",),
    "aws:kms/alias:Alias": ("name",),
    "aws:lambda/function:Function": ("name",),
    "aws:msk/cluster:Cluster": ("clusterName",),
    "aws:msk/configuration:Configuration": ("name",),
    "aws:msk/serverlessCluster:ServerlessCluster": ("clusterName",),
    "aws:opensearch/domain:Domain": ("domainName",),
    "aws:lb/loadBalancer:LoadBalancer": ("name",),
    "aws:lb/targetGroup:TargetGroup": ("name",),
    "aws:rds/cluster:Cluster": ("clusterIdentifier",),
    "aws:rds/clusterInstance:ClusterInstance": ("identifier",),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": ("name",),
    "aws:rds/eventSubscription:EventSubscription": ("name",),
    "aws:rds/instance:Instance": ("identifier",),
    "aws:rds/optionGroup:OptionGroup": ("name",),
    "aws:rds/parameterGroup:ParameterGroup": ("name",),
    "aws:rds/subnetGroup:SubnetGroup": ("name",),
    "aws:route53/record:Record": ("name", "zoneId", "type", "setIdentifier"),
    "aws:s3/bucket:Bucket": ("bucket",),
    "aws:s3/bucketV2:BucketV2": ("bucket",),
    "aws:secretsmanager/secret:Secret": ("name",),
    "aws:sns/topic:Topic": ("name",),
    "aws:sqs/queue:Queue": ("name",),
    "aws:ssm/parameter:Parameter": ("name",),
    "aws:wafv2/webAcl:WebAcl": ("name", "scope"),
    "aws:wafv2/ipSet:IpSet": ("name", "scope"),
}
"""Where each AWS type keeps the name AWS identifies it by (unique per account and region, or
within the scope listed after it: a security group's name within its VPC, an ECS service's
within its cluster, a role policy's within its role). Types not listed have no name of their own
(subnets, routes, rules...) or one AWS doesn't require to be unique; they are not checked."""

_PREFIX_FIELDS = {"name": "namePrefix", "identifier": "identifierPrefix", "bucket": "bucketPrefix"}


def _known(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and UNKNOWN not in value and REDACTED not in value


def physical_name(record: ResourceRecord) -> str | None:
    """The AWS name the program gave a resource (its `PHYSICAL_NAMES` field), or its
    `namePrefix`-style prefix followed by `*` (AWS appends a unique suffix), or None when the
    type has no such name, the name is left to Pulumi's auto-naming, or is unknown offline."""
    fields = PHYSICAL_NAMES.get(record.type)
    if not fields:
        return None
    value = record.inputs.get(fields[0])
    if _known(value):
        return str(value)
    prefix = record.inputs.get(_PREFIX_FIELDS.get(fields[0], ""))
    return f"{prefix}*" if _known(prefix) else None


def find_name_clashes(resources: list[ResourceRecord]) -> list[NameClash]:
    """Resources of one type that set one AWS name (within its scope). Only names the program
    set count: a `namePrefix`, an auto-name and an unknown name can't clash."""
    groups: dict[tuple[str, str], list[str]] = {}
    for r in resources:
        fields = PHYSICAL_NAMES.get(r.type)
        if not r.custom or not fields:
            continue
        value = r.inputs.get(fields[0])
        if not _known(value):
            continue
        scope = [f"{f}={r.inputs[f]}" for f in fields[1:] if r.inputs.get(f) not in (None, "")]
        key = " ".join([*scope, f"{fields[0]}={value}"])
        groups.setdefault((r.type, key), []).append(r.urn)
    return [NameClash(t, k, tuple(urns)) for (t, k), urns in groups.items() if len(urns) > 1]


# --------------------------------------------------------------------------------------------
# decoding what the SDK sent
# --------------------------------------------------------------------------------------------


def _decode(value: Any, secrets: list[str] | None = None, path: str = "") -> Any:
    """Turn a MessageToDict'ed Struct into plain data: secrets redacted, resource references as
    their URN, unknowns marked, whole floats as ints (the wire has only doubles)."""
    if isinstance(value, dict):
        sig = value.get(_SIG)
        if sig == _SECRET_SIG:
            if secrets is not None:
                secrets.append(path)
            return REDACTED
        if sig == _RESOURCE_SIG:
            return value.get("urn", "")
        if sig == _OUTPUT_SIG:
            if value.get("secret"):
                if secrets is not None:
                    secrets.append(path)
                return REDACTED
            return _decode(value.get("value", UNKNOWN), secrets, path)
        out = {k: _decode(v, secrets, f"{path}.{k}" if path else k) for k, v in value.items()}
        for k in _SECRET_KEYS.intersection(out):
            if out[k] not in (None, "", REDACTED):
                out[k] = REDACTED  # a secret the program forgot to mark as one
        return out
    if isinstance(value, list):
        return [_decode(v, secrets, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == _UNKNOWN_VALUE:
        return UNKNOWN
    return value


# --------------------------------------------------------------------------------------------
# what AWS would compute
# --------------------------------------------------------------------------------------------

_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/route:Route": "r",
    "aws:ec2/instance:Instance": "i",
    "aws:ec2/networkAcl:NetworkAcl": "acl",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": "acl",
}

_ARN_SERVICE = {
    "ec2": "ec2", "vpc": "ec2", "lb": "elasticloadbalancing", "rds": "rds", "elasticache":
    "elasticache", "ecs": "ecs", "iam": "iam", "kms": "kms", "secretsmanager": "secretsmanager",
    "cloudwatch": "cloudwatch", "sns": "sns", "s3": "s3", "ecr": "ecr", "acm": "acm",
    "appautoscaling": "application-autoscaling", "wafv2": "wafv2", "sqs": "sqs",
}


def _short(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _uuid(seed: str) -> str:
    h = _short(seed, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _AwsMocks(_MocksBase):
    """pulumi.runtime.Mocks that computes what AWS would (deterministically, from the name)."""

    def __init__(self, region: str, stack: str):
        self.region = region
        self.stack = stack
        self._provider_regions: dict[str, str] = {}
        """Provider id -> its `region` (a second provider, e.g. `aws-us-east-1`)."""

    def _region_of(self, provider: str | None, inputs: dict[str, Any] | None = None) -> str:
        """Where a resource (or invoke) is: its own `region` argument (pulumi-aws 7), else its
        provider's region, else the stack's: the ARNs and endpoints computed carry it."""
        own = (inputs or {}).get("region")
        if _known(own):
            return str(own)
        provider_id = (provider or "").rsplit("::", 1)[-1]
        return self._provider_regions.get(provider_id, self.region)

    # The SDK calls these two.
    def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        typ, name = args.typ, args.name
        if not args.custom:
            return "", state
        if typ.startswith("pulumi:providers:"):
            if _known(state.get("region")):
                self._provider_regions[f"{name}-provider-id"] = str(state["region"])
            return f"{name}-provider-id", state
        region = self._region_of(args.provider, state)
        module = typ.split(":")[1].split("/")[0]
        kind = typ.split(":")[-1]
        physical = state.get("name") or state.get("namePrefix", "") + f"{name}-{_short(name, 7)}"
        if "name" not in state and kind not in {"Route", "RouteTableAssociation"}:
            state["name"] = physical
        prefix = _ID_PREFIX.get(typ)
        rid = f"{prefix}-{_short(typ + name, 17)}" if prefix else physical
        service = _ARN_SERVICE.get(module, module)
        state.setdefault("arn", f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{kind.lower()}/{physical}")
        state["id"] = rid
        self._special(typ, name, state, region)  # may set the id AWS really uses (an ARN, a name)
        return state["id"], state

    def _special(self, typ: str, name: str, s: dict[str, Any], region: str = "") -> None:
        region, acct = region or self.region, ACCOUNT_ID
        n = s.get("name")
        if typ == "aws:lb/loadBalancer:LoadBalancer":
            suffix = f"app/{n}/{_short(name, 16)}"
            s.update(arn=f"arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/{suffix}",
                     arnSuffix=suffix, dnsName=f"{n}-{_short(name, 9)}.{region}.elb.amazonaws.com",
                     zoneId="Z35SXDOTRQ7X7K")
            s["id"] = s["arn"]
        elif typ == "aws:lb/targetGroup:TargetGroup":
            suffix = f"targetgroup/{n}/{_short(name, 16)}"
            s.update(arn=f"arn:aws:elasticloadbalancing:{region}:{acct}:{suffix}", arnSuffix=suffix)
            s["id"] = s["arn"]
        elif typ == "aws:lb/listener:Listener":
            s["arn"] = f"arn:aws:elasticloadbalancing:{region}:{acct}:listener/app/{_short(name, 12)}"
            s["id"] = s["arn"]
        elif typ == "aws:rds/instance:Instance":
            ident = s.get("identifier") or f"{s.get('identifierPrefix', name)}{_short(name, 8)}"
            port = s.get("port", 5432)
            addr = f"{ident}.c{_short(name, 11)}.{region}.rds.amazonaws.com"
            s.update(identifier=ident, address=addr, endpoint=f"{addr}:{int(port)}",
                     arn=f"arn:aws:rds:{region}:{acct}:db:{ident}",
                     resourceId=f"db-{_short(name, 26).upper()}")
            s["id"] = ident
            if s.get("manageMasterUserPassword"):
                s["masterUserSecrets"] = [{
                    "secretArn": f"arn:aws:secretsmanager:{region}:{acct}:secret:"
                                 f"rds!db-{_short(name, 8)}-AbCdEf",
                    "kmsKeyId": s.get("masterUserSecretKmsKeyId", ""), "secretStatus": "active"}]
        elif typ == "aws:docdb/cluster:Cluster":
            ident = s.get("clusterIdentifier") or f"{s.get('clusterIdentifierPrefix', name)}{_short(name, 8)}"
            host = f"cluster-c{_short(name, 11)}.{region}.docdb.amazonaws.com"
            s.update(clusterIdentifier=ident, arn=f"arn:aws:rds:{region}:{acct}:cluster:{ident}",
                     endpoint=f"{ident}.{host}", readerEndpoint=f"{ident}.cluster-ro-{host[8:]}",
                     clusterResourceId=f"cluster-{_short(name, 26).upper()}",
                     port=s.get("port", 27017))
            s["id"] = ident
            if s.get("manageMasterUserPassword"):  # DocumentDB's managed secret (AWS-managed key)
                s["masterUserSecrets"] = [{
                    "secretArn": f"arn:aws:secretsmanager:{region}:{acct}:secret:"
                                 f"rds!cluster-{_uuid(name)}-AbCdEf",
                    "kmsKeyId": "", "secretStatus": "active"}]
        elif typ == "aws:docdb/clusterInstance:ClusterInstance":
            ident = s.get("identifier") or f"{s.get('identifierPrefix', name)}{_short(name, 8)}"
            s.update(identifier=ident, arn=f"arn:aws:rds:{region}:{acct}:db:{ident}",
                     endpoint=f"{ident}.c{_short(name, 11)}.{region}.docdb.amazonaws.com",
                     dbiResourceId=f"db-{_short(name, 26).upper()}")
            s["id"] = ident
        elif typ == "aws:elasticache/replicationGroup:ReplicationGroup":
            rg = s.get("replicationGroupId") or f"{name}-{_short(name, 6)}"
            count = int(s.get("numCacheClusters") or 1)
            s.update(replicationGroupId=rg, arn=f"arn:aws:elasticache:{region}:{acct}:replicationgroup:{rg}",
                     primaryEndpointAddress=f"master.{rg}.{_short(name, 6)}.use1.cache.amazonaws.com",
                     readerEndpointAddress=f"replica.{rg}.{_short(name, 6)}.use1.cache.amazonaws.com",
                     memberClusters=[f"{rg}-{i:03d}" for i in range(1, count + 1)])
            s["id"] = rg
        elif typ == "aws:ecs/taskDefinition:TaskDefinition":
            fam = s.get("family", name)
            s.update(arn=f"arn:aws:ecs:{region}:{acct}:task-definition/{fam}:1", revision=1,
                     arnWithoutRevision=f"arn:aws:ecs:{region}:{acct}:task-definition/{fam}")
        elif typ == "aws:ecs/cluster:Cluster":
            s["arn"] = f"arn:aws:ecs:{region}:{acct}:cluster/{n}"
        elif typ == "aws:ecs/service:Service":
            s["arn"] = f"arn:aws:ecs:{region}:{acct}:service/{n}"
        elif typ == "aws:kms/key:Key":
            kid = _uuid(name)
            s.update(keyId=kid, arn=f"arn:aws:kms:{region}:{acct}:key/{kid}")
            s["id"] = kid
        elif typ == "aws:kms/alias:Alias":
            s["arn"] = f"arn:aws:kms:{region}:{acct}:{n}"
        elif typ == "aws:iam/role:Role":
            s.update(arn=f"arn:aws:iam::{acct}:role/{n}", uniqueId=f"AROA{_short(name, 16).upper()}")
            s["id"] = n
        elif typ == "aws:iam/policy:Policy":
            s["arn"] = f"arn:aws:iam::{acct}:policy/{n}"
        elif typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            host = str(s.get("url", "token.actions.githubusercontent.com")).removeprefix("https://")
            s["arn"] = f"arn:aws:iam::{acct}:oidc-provider/{host}"
        elif typ in {"aws:wafv2/webAcl:WebAcl", "aws:wafv2/ipSet:IpSet"}:
            # regional/webacl/<name>/<id>; a CLOUDFRONT-scope entity is global/... in us-east-1
            uid = _uuid(name)
            kind = "webacl" if typ.endswith("WebAcl") else "ipset"
            where, home = (("global", "us-east-1") if s.get("scope") == "CLOUDFRONT"
                           else ("regional", region))
            s.update(arn=f"arn:aws:wafv2:{home}:{acct}:{where}/{kind}/{n}/{uid}", lockToken=uid)
            s["id"] = uid
        elif typ == "aws:cloudfront/distribution:Distribution":
            did = "E" + _short(name, 13).upper()
            s.update(arn=f"arn:aws:cloudfront::{acct}:distribution/{did}",
                     domainName=f"d{_short(name, 13)}.cloudfront.net",
                     hostedZoneId="Z2FDTNDATAQYW2", status="Deployed", etag="E2OFFLINE")
            s["id"] = did
        elif typ == "aws:cloudfront/vpcOrigin:VpcOrigin":
            vid = f"vo_{_short(name, 22)}"
            s.update(arn=f"arn:aws:cloudfront::{acct}:vpcorigin/{vid}", etag="E2OFFLINE")
            s["id"] = vid
        elif typ in {"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
                     "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
                     "aws:cloudfront/cachePolicy:CachePolicy"}:
            s.update(etag="E2OFFLINE")
            s["id"] = _uuid(name)
        elif typ == "aws:cloudwatch/logDeliverySource:LogDeliverySource":
            s["arn"] = f"arn:aws:logs:{region}:{acct}:delivery-source:{n}"
            s["id"] = n
        elif typ == "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination":
            s["arn"] = f"arn:aws:logs:{region}:{acct}:delivery-destination:{n}"
            s["id"] = n
        elif typ == "aws:cloudwatch/logDelivery:LogDelivery":
            did = _short(name, 16)
            s["arn"] = f"arn:aws:logs:{region}:{acct}:delivery:{did}"
            s["id"] = did
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            s["arn"] = f"arn:aws:logs:{region}:{acct}:log-group:{n}"
            s["id"] = n
        elif typ == "aws:sns/topic:Topic":
            s["arn"] = f"arn:aws:sns:{region}:{acct}:{n}"
            s["id"] = s["arn"]
        elif typ == "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration":
            # a global resource: no region in its ARN; Terraform's id is that ARN
            s["chatConfigurationArn"] = (f"arn:aws:chatbot::{acct}:chat-configuration/"
                                         f"slack-channel/{s.get('configurationName', name)}")
            s["id"] = s["arn"] = s["chatConfigurationArn"]
            s.setdefault("slackTeamName", "offline-workspace")
            s.setdefault("slackChannelName", "offline-channel")
        elif typ == "aws:cloudwatch/eventRule:EventRule":  # EventBridge: events, rule/<name>
            s["arn"] = f"arn:aws:events:{region}:{acct}:rule/{n}"
            s["id"] = n
        elif typ == "aws:secretsmanager/secret:Secret":
            s["arn"] = f"arn:aws:secretsmanager:{region}:{acct}:secret:{n}-{_short(name, 6)}"
            s["id"] = s["arn"]
        elif typ.startswith("aws:s3/bucket") and typ.split(":")[-1] in {"Bucket", "BucketV2"}:
            bucket = s.get("bucket") or f"{s.get('bucketPrefix', name)}{_short(name, 12)}"
            s.update(bucket=bucket, arn=f"arn:aws:s3:::{bucket}",
                     bucketRegionalDomainName=f"{bucket}.s3.{region}.amazonaws.com")
            s["id"] = bucket
        elif typ == "aws:ec2/instance:Instance":
            s.update(arn=f"arn:aws:ec2:{region}:{acct}:instance/{s['id']}",
                     primaryNetworkInterfaceId=f"eni-{_short(name + 'eni', 17)}",
                     instanceState="running")
        elif typ == "aws:ec2/eip:Eip":
            s.update(publicIp=f"203.0.113.{int(_short(name, 2), 16) % 254 + 1}", allocationId=s["id"])
        elif typ == "aws:ec2/vpc:Vpc":
            s.update(defaultSecurityGroupId=f"sg-{_short(name + 'default', 17)}",
                     defaultNetworkAclId=f"acl-{_short(name + 'acl', 17)}",
                     mainRouteTableId=f"rtb-{_short(name + 'main', 17)}")
        elif typ == "aws:acm/certificate:Certificate":
            domain = s.get("domainName", "example.com")
            # one option per name (ACM gives *.x and x the same record)
            names = [domain, *[d for d in s.get("subjectAlternativeNames") or [] if d != domain]]
            s["domainValidationOptions"] = [{
                "domainName": d,
                "resourceRecordName": f"_{_short(name + d.removeprefix('*.'), 32)}."
                                      f"{d.removeprefix('*.')}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{_short(name + 'v' + d.removeprefix('*.'), 32)}"
                                       ".acm-validations.aws."} for d in names]
            s["arn"] = f"arn:aws:acm:{region}:{acct}:certificate/{_uuid(name)}"
        elif typ == "aws:route53/healthCheck:HealthCheck":
            s["id"] = _uuid(name)  # Route 53 health check ids are UUIDs, not names
            s["arn"] = f"arn:aws:route53:::healthcheck/{s['id']}"
        elif typ == "random:index/randomPassword:RandomPassword":
            length = int(s.get("length", 32))
            s["result"] = ("Gw0" + _short(name, 64) * 3)[:length]
        elif typ == "aws:ecr/repository:Repository":
            s["repositoryUrl"] = f"{acct}.dkr.ecr.{region}.amazonaws.com/{n}"
        elif typ == "aws:appautoscaling/target:Target":
            s["id"] = s.get("resourceId", s["id"])
        elif typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            s["arn"] = f"arn:aws:cloudwatch:{region}:{acct}:alarm:{n}"
            s["id"] = n
        elif typ == "aws:opensearch/domain:Domain":
            dn = s.get("domainName") or f"{name}-{_short(name, 6)}"
            host = f"vpc-{dn}-{_short(name, 26)}.{region}.es.amazonaws.com"
            s.update(domainName=dn, arn=f"arn:aws:es:{region}:{acct}:domain/{dn}",
                     domainId=f"{acct}/{dn}", endpoint=host)
            s["id"] = s["arn"]
        elif typ == "aws:backup/vault:Vault":
            s["arn"] = f"arn:aws:backup:{region}:{acct}:backup-vault:{n}"
            s["id"] = n
        elif typ in {"aws:backup/vaultLockConfiguration:VaultLockConfiguration",
                     "aws:backup/vaultPolicy:VaultPolicy"}:
            vault = s.get("backupVaultName", "")
            s["backupVaultArn"] = f"arn:aws:backup:{region}:{acct}:backup-vault:{vault}"
            s["id"] = vault
        elif typ == "aws:backup/plan:Plan":
            pid = _uuid(name)
            s.update(arn=f"arn:aws:backup:{region}:{acct}:backup-plan:{pid}",
                     version=_short(name + "version", 32))
            s["id"] = pid
        elif typ == "aws:backup/selection:Selection":
            s["id"] = _uuid(name + "selection")
        elif typ == "aws:backup/restoreTestingPlan:RestoreTestingPlan":
            s["arn"] = f"arn:aws:backup:{region}:{acct}:restore-testing-plan:{n}-{_short(name, 8)}"
            s["id"] = n
        elif typ == "aws:backup/restoreTestingSelection:RestoreTestingSelection":
            s["id"] = f"{s.get('restoreTestingPlanName', '')}:{n}"
        elif typ == "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication":
            s["id"] = f"arn:aws:rds:{region}:{acct}:auto-backup:ab-{_short(name, 26)}"
        elif typ == "aws:sqs/queue:Queue":
            s["url"] = f"https://sqs.{region}.amazonaws.com/{acct}/{n}"
            s["arn"] = f"arn:aws:sqs:{region}:{acct}:{n}"
            s["id"] = s["url"]  # AWS identifies a queue by its URL
        elif typ in ("aws:msk/cluster:Cluster", "aws:msk/serverlessCluster:ServerlessCluster"):
            # MSK: ARN .../cluster/<name>/<uuid>-<n>, brokers b-<i>.<name>.<id>.c<n>.kafka...:9098
            cname = s.get("clusterName") or f"{name}-{_short(name, 7)}"
            uid = f"{_uuid(name)}-{int(_short(name, 2), 16) % 30 + 1}"
            brokers = int(s.get("numberOfBrokerNodes") or 3)
            cell = int(_short(name, 1), 16) % 25 + 1
            host = f"{cname}.{_short(name, 6)}.c{cell}.kafka.{region}.amazonaws.com"
            sasl = ",".join(f"b-{i}.{host}:9098" for i in range(1, brokers + 1))
            if typ.endswith("ServerlessCluster"):
                sasl = f"boot-{_short(name, 8)}.{host}:9098"
            s.update(clusterName=cname, clusterUuid=uid, bootstrapBrokersSaslIam=sasl,
                     arn=f"arn:aws:kafka:{region}:{acct}:cluster/{cname}/{uid}", currentVersion="K1")
            s["id"] = s["arn"]
        elif typ == "aws:msk/configuration:Configuration":
            s.update(arn=f"arn:aws:kafka:{region}:{acct}:configuration/{n}/{_uuid(name)}-1",
                     latestRevision=1)
            s["id"] = s["arn"]

    # The SDK annotates `(outputs, failures)` but MockMonitor.Invoke also takes a bare dict.
    def call(self, args: Any) -> dict[str, Any]:  # type: ignore[override]
        tok = args.token
        if tok == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/offline",
                    "userId": "AIDAOFFLINE", "id": ACCOUNT_ID}
        if tok == "aws:index/getRegion:getRegion":
            region = self._region_of(getattr(args, "provider", None))
            return {"name": region, "region": region, "id": region,
                    "endpoint": f"ec2.{region}.amazonaws.com"}
        if tok == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws",
                    "reverseDnsPrefix": "com.amazonaws"}
        if tok == "aws:ec2/getSecurityGroup:getSecurityGroup":
            # e.g. CloudFront-VPCOrigins-Service-SG, which CloudFront creates in the VPC
            given = dict(args.args)
            key = f"{given.get('vpcId', '')}/{given.get('name', '')}/{given.get('id', '')}"
            sid = given.get("id") or f"sg-{_short(key, 17)}"
            region = self._region_of(getattr(args, "provider", None))
            return {"id": sid, "name": given.get("name", sid), "vpcId": given.get("vpcId", ""),
                    "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:security-group/{sid}",
                    "description": "offline", "tags": {}}
        if tok == "aws:elb/getServiceAccount:getServiceAccount":
            return {"arn": "arn:aws:iam::127311923021:root", "id": "127311923021"}
        if tok == "aws:ssm/getParameter:getParameter":
            # Public parameters such as /aws/service/ami-amazon-linux-latest/<image> (the NAT
            # instance's AMI): an ami-... id per (region, name), stable between runs.
            name = str(dict(args.args).get("name", ""))
            value = (f"ami-0{_short(self.region + name, 16)}" if "/ami-" in name
                     else f"offline-{_short(name, 12)}")
            return {"name": name, "id": name, "type": "String", "value": value,
                    "insecureValue": value, "version": 1, "withDecryption": True,
                    "arn": f"arn:aws:ssm:{self.region}::parameter{name}"}
        return {}

    def register_transform(self, transform: Any) -> None:  # pragma: no cover - SDK hook
        pass

    def register_invoke_transform(self, transform: Any) -> None:  # pragma: no cover - SDK hook
        pass


# --------------------------------------------------------------------------------------------
# running a program
# --------------------------------------------------------------------------------------------


class ProgramError(Exception):
    """The program failed while building resources (not a config problem)."""


class DuplicateUrnError(ProgramError):
    """Two resources registered one URN (the same type chain and name): the Pulumi engine
    refuses the program, and so does the offline engine."""

    def __init__(self, urn: str):
        self.urn = urn
        super().__init__(f"Duplicate resource URN '{urn}'; try giving it a unique name")


def engine_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the Pulumi engine gives a resource: the parent's whole type chain (none for a
    child of the Stack), `$`, the type, `::`, the name."""
    qualified = type_
    if parent:
        parent_type = parent.split("::")[2]
        if parent_type != "pulumi:pulumi:Stack":
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def _make_monitor(mocks: _AwsMocks) -> Any:
    from google.protobuf.json_format import MessageToDict
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.settings import get_project, get_stack

    class RecordingMonitor(MockMonitor):
        """Keeps every raw request (MockResourceArgs drops parent, protect, dependencies and
        aliases), builds URNs as the engine does and refuses a duplicate one."""

        def __init__(self, m: Any):
            super().__init__(m)
            self.requests: list[tuple[Any, str, dict[str, Any]]] = []
            self.stack_outputs: dict[str, Any] = {}
            self.urns: set[str] = set()
            self.duplicates: list[str] = []

        def make_urn(self, parent: str, type_: str, name: str) -> str:
            return engine_urn(get_stack(), get_project(), parent, type_, name)

        def RegisterResource(self, request: Any) -> Any:
            urn = self.make_urn(request.parent, request.type, request.name)
            if urn in self.urns:
                self.duplicates.append(urn)
                raise DuplicateUrnError(urn)
            self.urns.add(urn)
            response = super().RegisterResource(request)
            outputs = MessageToDict(response.object) if response.object else {}
            self.requests.append((request, response.urn, {"id": response.id, **outputs}))
            return response

        def RegisterResourceOutputs(self, request: Any) -> Any:
            if request.urn.split("::")[2] == "pulumi:pulumi:Stack":
                self.stack_outputs = _decode(MessageToDict(request.outputs))
            return super().RegisterResourceOutputs(request)

    return RecordingMonitor(mocks)


def _record(request: Any, urn: str, outputs: dict[str, Any]) -> ResourceRecord:
    from google.protobuf.json_format import MessageToDict

    secrets: list[str] = []
    inputs = _decode(MessageToDict(request.object), secrets) if request.object else {}
    rid = outputs.pop("id", "")
    return ResourceRecord(
        type=request.type,
        name=request.name,
        urn=urn,
        parent=request.parent,
        custom=bool(request.custom),
        inputs=inputs,
        outputs=_decode(outputs),
        id=rid or "",
        protect=bool(request.protect) if request.HasField("protect") else False,
        retain_on_delete=bool(request.retainOnDelete) if request.HasField("retainOnDelete") else False,
        ignore_changes=list(request.ignoreChanges),
        depends_on=list(request.dependencies),
        property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
        delete_before_replace=bool(request.deleteBeforeReplace),
        replace_on_changes=list(request.replaceOnChanges),
        additional_secret_outputs=list(request.additionalSecretOutputs),
        provider=request.provider,
        secret_inputs=sorted({s.split(".")[0].split("[")[0] for s in secrets if s}),
        aliases=_aliases(request, urn),
    )


def _aliases(request: Any, urn: str) -> list[str]:
    """The request's aliases as old URNs: `aliases` (specs or URNs; the mock monitor takes
    specs) and `aliasURNs` (older SDKs), an unset spec field meaning "as now"."""
    stack, project = urn.split("::")[0].split(":")[-1], urn.split("::")[1]
    out: list[str] = []
    for alias in request.aliases:
        if alias.WhichOneof("alias") == "urn":
            out.append(alias.urn)
            continue
        spec = alias.spec
        parent = "" if spec.noParent else (spec.parentUrn or request.parent)
        out.append(engine_urn(spec.stack or stack, spec.project or project, parent,
                              spec.type or request.type, spec.name or request.name))
    out += [u for u in request.aliasURNs if u not in out]
    return out


def _program_runner(program: Path) -> Callable[[], None]:
    def run() -> None:
        sys_path = list(sys.path)
        if str(program.parent) not in sys.path:
            sys.path.insert(0, str(program.parent))
        try:
            runpy.run_path(str(program), run_name="__main__")
        finally:
            sys.path[:] = sys_path

    return run


COLLECT_AFTER_RUN = True
"""Collect a run's garbage when it ends (about 0.2 s for prod). The CLI, whose process ends
with the plan, turns it off; programs and test suites that plan many times keep it."""


@contextlib.contextmanager
def _fast_path() -> Iterator[None]:
    """What the offline run skips that costs without telling it anything (docs/performance.md):
    - the SDK's source positions: it walks the whole Python stack for every resource, to show
      `pulumi up` users where a resource was declared; nothing offline reads them;
    - cyclic garbage collection: a plan keeps hundreds of thousands of Outputs, futures and
      records alive until it ends, and every full collection walked all of them again, so the
      cost per resource grew with the program's size (+60 % at 1,500 resources). Reference
      counting still frees what is not cyclic; the collector is back on, and collects, as
      soon as the run is over (benchmarks/RESULTS.md has the numbers)."""
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    original = sdk_resource._get_stack_trace
    was_enabled = gc.isenabled()
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    gc.disable()
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = original
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def _declaration_order() -> Iterator[dict[tuple[str, str], int]]:
    """(type, name) -> the index of its declaration, counted when the program constructs each
    resource (the SDK's `register_resource` runs synchronously in the constructor)."""
    import pulumi.resource as sdk

    order: dict[tuple[str, str], int] = {}
    original = sdk.register_resource

    def counting(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
        order.setdefault((ty, name), len(order))
        return original(res, ty, name, *args, **kwargs)

    sdk.register_resource = counting
    try:
        yield order
    finally:
        sdk.register_resource = original


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """Close a run's loop with nothing left running: a program that failed leaves the SDK's
    registrations pending (and the mock monitor's calls in the loop's worker threads); they are
    cancelled and the threads joined, so nothing of one run leaks into the next."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    with contextlib.suppress(Exception):
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


def execute(
    target: Callable[[], None],
    *,
    stack: str,
    project: str,
    config: Mapping[str, str],
    secret_keys: list[str] | None = None,
    region: str = DEFAULT_REGION,
    env: EnvironmentConfig | None = None,
    project_dir: Path | None = None,
) -> PlanResult:
    """Run `target` (a program's body) as stack `stack` of project `project` under the mocks,
    with `config` (fully qualified keys, string values as the Pulumi runtime holds them).
    Raises ProgramError if it fails, DuplicateUrnError if two resources share a URN."""
    import pulumi
    from pulumi.runtime import config as runtime_config
    from pulumi.runtime import settings
    from pulumi.runtime.stack import Stack

    mocks = _AwsMocks(region, stack)
    monitor = _make_monitor(mocks)
    log: list[str] = []

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    settings.ROOT.set(None)
    runtime_config.set_all_config(dict(config), list(secret_keys or []))
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False,
                             monitor=monitor, logger=_ListLogger(log))

    @pulumi.runtime.test
    def _program() -> None:
        target()
        # set_mocks finished the root Stack before the program ran, so its exports were
        # never sent; send them now so the monitor records the stack outputs.
        root = settings.get_root_resource()
        if isinstance(root, Stack) and root.outputs:
            root._outputs_registered = False
            root._finish()

    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), _fast_path(), _declaration_order() as order:
            _program()
    except pulumi.RunError as exc:
        raise ProgramError(str(exc)) from None
    except DuplicateUrnError:
        raise
    except Exception:
        if monitor.duplicates:  # the SDK may wrap the monitor's error in its own
            raise DuplicateUrnError(monitor.duplicates[0]) from None
        raise
    finally:
        _close(loop)
        asyncio.set_event_loop(None)
        runtime_config.set_all_config({}, [])
    if monitor.duplicates:
        raise DuplicateUrnError(monitor.duplicates[0])

    # The monitor hears registrations when their inputs resolve (in worker threads): put the
    # records back in the order the program declared the resources.
    requests = sorted(enumerate(monitor.requests),
                      key=lambda item: (order.get((item[1][0].type, item[1][0].name), item[0]), item[0]))
    with _fast_path():
        resources = [_record(req, urn, out) for _, (req, urn, out) in requests]
    result = PlanResult(stack=stack, project=project, config=env, resources=resources,
                        stack_outputs=monitor.stack_outputs, log=log, region=region,
                        name_clashes=find_name_clashes(resources), project_dir=project_dir)
    del monitor, mocks
    if COLLECT_AFTER_RUN:
        # The run's cyclic garbage (the collector was off) is freed here, at a known point:
        # left to a later collection, its finalizers (the SDK's futures) run inside whatever
        # the caller does next, and CPython 3.11's ast.parse fails when that happens during it.
        gc.collect()
    return result


def run_program(
    stack_file: StackFile,
    env: EnvironmentConfig | None = None,
    *,
    program: Path | None = None,
    project: str = NAMESPACE,
    region: str | None = None,
    project_dir: Path | None = None,
) -> PlanResult:
    """Run a Pulumi program file (default: groundwork's `__main__.py`) for one stack under
    mocks, with the stack file's config. `env`: groundwork's validated environment, if the
    program is groundwork's (it gives the region); else the region is `region`, the stack's
    `aws:region`, or us-east-1."""
    program = program or PROJECT_DIR / "__main__.py"
    region = region or (env.region if env is not None else None) or stack_file.region or DEFAULT_REGION
    config = stack_file.engine_config()
    config.setdefault("aws:region", region)
    return execute(_program_runner(program), stack=stack_file.stack, project=project,
                   config=config, secret_keys=stack_file.secret_keys, region=region, env=env,
                   project_dir=project_dir)


class _ListLogger(logging.Logger):
    """The logger the mock engine writes to: keeps what the program logged (warnings and
    errors) in `sink`; no handlers, nothing printed. Not registered with `logging`."""

    def __init__(self, sink: list[str]):
        super().__init__("groundwork.offline")
        self.sink = sink

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        pass

    def info(self, msg: object, *args: object, **kwargs: Any) -> None:
        pass

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None:
        self.sink.append(f"warning: {msg}")

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        self.sink.append(f"error: {msg}")


def plan_stack(
    stack: str,
    *,
    project_dir: Path = PROJECT_DIR,
    overrides: Mapping[str, Any] | None = None,
    program: Path | None = None,
) -> PlanResult:
    """Plan stack `stack` of the Pulumi project in `project_dir`: its Pulumi.yaml (name,
    `main:`, project config), its `Pulumi.<stack>.yaml` and its program (or `program`).

    groundwork's own project (named `groundwork`): the `groundwork:` config is validated first
    (`overrides`: namespace keys deep-merged over the file; qualified keys such as `aws:region`
    replace the file's) and a bad key raises ConfigError
    before any resource. Any other project: its config goes to its program as Pulumi config,
    every namespace, unvalidated (`overrides`: keys of the project's namespace, or qualified
    ones); a stack without a stack file plans with no config, as a new stack would."""
    from groundwork.stacks.config import deep_merge

    if not (project_dir / "Pulumi.yaml").is_file() and program is not None:
        project_name, project_config, default_program = NAMESPACE, {}, program
        own = True
    else:
        project = read_project(project_dir)
        project_name, project_config, default_program = project.name, project.config, project.program
        own = project.is_groundwork
    sf = read_stack_file(stack, project_dir, project=project_name, missing_ok=not own)
    sf.config = {**project_config, **sf.config}
    program = program or default_program
    if own:
        # Qualified keys of other namespaces (`aws:region`) replace the stack file's value.
        sf.config.update({k: v for k, v in (overrides or {}).items() if ":" in k})
        overrides = {k: v for k, v in (overrides or {}).items() if ":" not in k}
        if overrides:
            prefix = f"{NAMESPACE}:"
            merged = deep_merge(sf.namespace, overrides)
            sf.config = {k: v for k, v in sf.config.items() if not k.startswith(prefix)}
            sf.config.update({prefix + k: v for k, v in merged.items() if v is not None})
        env = load_environment(sf.namespace, stack=stack, region=sf.region)
        return run_program(sf, env, program=program, project=project_name, project_dir=project_dir)
    for key, value in (overrides or {}).items():
        qualified = key if ":" in key else f"{project_name}:{key}"
        if isinstance(value, Mapping) and isinstance(sf.config.get(qualified), Mapping):
            value = deep_merge(sf.config[qualified], value)
        sf.config[qualified] = value
    return run_program(sf, None, program=program, project=project_name, project_dir=project_dir)


def write_json(result: PlanResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_json(), indent=2, sort_keys=False, default=str) + "\n")
