"""What every groundwork rule shares: the registry, the message format and safe prop readers.

A rule is a small generator function decorated with `@resource_rule(...)` or `@stack_rule(...)`.
The decorator turns it into a `pulumi_policy` policy object (so `__main__.py` lists the objects
and the Pulumi CLI runs them) that also carries the control id, the fix and the resource types
it looks at (so `groundwork check` and the docs can show them).

- A resource rule yields problem strings; the wrapper reports each as
  `<type> '<name>': <problem> [<control>]. Fix: <fix>`.
- A stack rule yields `(resource, problem)` pairs; the same format, reported against the
  resource's URN.

Props are what the engine sends: camelCase input names, wrapped in pulumi_policy's
unknown-checking proxy (a `Mapping`, not a `dict`: test with `isinstance(x, Mapping)`), numbers
possibly floats. Reading an unknown value raises `UnknownValueError`, which the engine turns into
"can't run during preview": rules let it propagate unless they can decide without the value.

This module imports nothing but the standard library and pulumi_policy: it also runs inside the
policy pack's own virtualenv, where groundwork is not installed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

# --------------------------------------------------------------------------------------------
# resource types
# --------------------------------------------------------------------------------------------

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
ECS_SERVICE = "aws:ecs/service:Service"
ECS_TASK = "aws:ecs/taskDefinition:TaskDefinition"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
EC2_INSTANCE = "aws:ec2/instance:Instance"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
KMS_KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SNS_TOPIC = "aws:sns/topic:Topic"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
BUCKET_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ALARMS = ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
AWS_PROVIDER = "pulumi:providers:aws"

WORLD_CIDRS = ("0.0.0.0/0", "::/0")

# --------------------------------------------------------------------------------------------
# the registry
# --------------------------------------------------------------------------------------------


class _RuleMixin:
    """What groundwork adds to a pulumi_policy policy: the control it enforces, the fix, the
    resource types it reads, and the defaults of its config properties."""

    control: str
    fix: str
    types: tuple[str, ...]
    defaults: dict[str, Any]
    kind: str
    family: str
    """The module that defines it (network, data...)."""


class ResourceRule(ResourceValidationPolicy, _RuleMixin):
    kind = "resource"


class StackRule(StackValidationPolicy, _RuleMixin):
    kind = "stack"


REGISTRY: list[ResourceRule | StackRule] = []
"""Every rule, in definition order (the order `groundwork check` prints them)."""


def short_type(resource_type: str) -> str:
    """`aws:rds/instance:Instance` -> `rds.Instance` (for messages)."""
    parts = resource_type.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        return f"{parts[1].split('/')[0]}.{parts[2]}"
    return resource_type


def message(resource_type: str, name: str, problem: str, control: str, fix: str) -> str:
    """The one violation format: names the resource, the control and the fix."""
    return f"{short_type(resource_type)} '{name}': {problem} [{control}]. Fix: {fix}"


def _schema(defaults: Mapping[str, Any] | None,
            properties: Mapping[str, Mapping[str, Any]] | None) -> PolicyConfigSchema | None:
    if not properties:
        return None
    props = {k: {**v, **({"default": defaults[k]} if defaults and k in defaults else {})}
             for k, v in properties.items()}
    return PolicyConfigSchema(properties=props)


def _config(args: ResourceValidationArgs | StackValidationArgs, defaults: Mapping[str, Any]) -> dict:
    return {**defaults, **dict(args.get_config() or {})}


def resource_rule(
    name: str,
    *,
    control: str,
    description: str,
    fix: str,
    types: Sequence[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    properties: Mapping[str, Mapping[str, Any]] | None = None,
) -> Callable[[Callable[..., Iterable[str]]], ResourceRule]:
    """Register `fn(props, args, config) -> problems` as a resource policy over `types`
    (every type when None)."""

    def wrap(fn: Callable[..., Iterable[str]]) -> ResourceRule:
        wanted = tuple(types) if types else ()
        settings = dict(defaults or {})

        def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
            if wanted and args.resource_type not in wanted:
                return
            for problem in fn(args.props, args, _config(args, settings)):
                report(message(args.resource_type, args.name, problem, control, fix), None)

        policy = ResourceRule(name=name, description=f"[{control}] {description}", validate=validate,
                              config_schema=_schema(settings, properties), remediation_steps=fix)
        policy.control, policy.fix, policy.types, policy.defaults = control, fix, wanted, settings
        policy.family = fn.__module__.rsplit(".", 1)[-1]
        policy.__doc__ = fn.__doc__
        REGISTRY.append(policy)
        return policy

    return wrap


def stack_rule(
    name: str,
    *,
    control: str,
    description: str,
    fix: str,
    types: Sequence[str],
    defaults: Mapping[str, Any] | None = None,
    properties: Mapping[str, Mapping[str, Any]] | None = None,
) -> Callable[[Callable[..., Iterable[tuple[PolicyResource, str]]]], StackRule]:
    """Register `fn(stack: Stack, config) -> (resource, problem) pairs` as a stack policy."""

    def wrap(fn: Callable[..., Iterable[tuple[PolicyResource, str]]]) -> StackRule:
        settings = dict(defaults or {})

        def validate(args: StackValidationArgs, report: ReportViolation) -> None:
            stack = Stack(args.resources)
            for resource, problem in fn(stack, _config(args, settings)):
                report(message(resource.resource_type, resource.name, problem, control, fix),
                       resource.urn)

        policy = StackRule(name=name, description=f"[{control}] {description}", validate=validate,
                           config_schema=_schema(settings, properties), remediation_steps=fix)
        policy.control, policy.fix, policy.types, policy.defaults = control, fix, tuple(types), settings
        policy.family = fn.__module__.rsplit(".", 1)[-1]
        policy.__doc__ = fn.__doc__
        REGISTRY.append(policy)
        return policy

    return wrap


# --------------------------------------------------------------------------------------------
# reading props
# --------------------------------------------------------------------------------------------


def is_map(value: Any) -> bool:
    return isinstance(value, Mapping)


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def get(value: Any, *path: str | int, default: Any = None) -> Any:
    """`value[path[0]][path[1]]...`, or `default` where a step is missing. Unknown values raise
    UnknownValueError (the proxy does it), as in the engine."""
    for step in path:
        if isinstance(step, int):
            if not is_list(value) or not -len(value) <= step < len(value):
                return default
        elif not is_map(value) or step not in value:
            return default
        value = value[step]
        if value is None:
            return default
    return value


def has_key(props: Any, key: str) -> bool:
    """`key in props` without reading the value (`in` on the proxy reads it, and raises when
    it is unknown)."""
    return is_map(props) and any(k == key for k in props)


def present(props: Any, key: str) -> bool:
    """`props[key]` is set: a non-empty value, or one unknown during preview (a password from a
    RandomPassword is unknown then, but it is there)."""
    if not has_key(props, key):
        return False
    try:
        value = props[key]
    except UnknownValueError:
        return True
    return bool(value)


def known(props: Any, key: str, default: Any = None) -> Any:
    """`props[key]`, or `default` when it is missing or unknown during preview."""
    try:
        return get(props, key, default=default)
    except UnknownValueError:
        return default


def is_true(value: Any) -> bool:
    """A bool input (provider inputs arrive as the strings "true"/"false")."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def number(value: Any, default: float | None = None) -> float | None:
    if isinstance(value, bool) or value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def plain(value: Any) -> Any:
    """A proxy (or nested proxies) as plain dicts and lists; raises on unknown values."""
    if is_map(value):
        return {k: plain(value[k]) for k in value}
    if is_list(value):
        return [plain(v) for v in value]
    return value


def known_items(value: Any) -> Iterator[tuple[str, Any]]:
    """(key, value) pairs of a mapping, skipping values unknown during preview."""
    if not is_map(value):
        return
    for key in value:
        try:
            yield key, value[key]
        except UnknownValueError:
            continue


def walk_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every known string inside `value`, with its path (unknowns skipped, not raised)."""
    if isinstance(value, str):
        yield path, value
    elif is_map(value):
        for key, item in known_items(value):
            yield from walk_strings(item, f"{path}.{key}" if path else str(key))
    elif is_list(value):
        for i in range(len(value)):
            try:
                item = value[i]
            except UnknownValueError:
                continue
            yield from walk_strings(item, f"{path}[{i}]")


def as_json(value: Any) -> Any:
    """A JSON-string input (policy documents, container definitions) parsed; a structured
    input as plain data; None when it is neither (e.g. a redacted secret offline)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    if is_map(value) or is_list(value):
        return plain(value)
    return None


def as_list(value: Any) -> list[Any]:
    """A list input as a list (a scalar as [scalar]); elements unknown during preview are
    left out, so rules decide on what is known."""
    if value is None:
        return []
    if not is_list(value):
        return [value]
    out = []
    for i in range(len(value)):
        try:
            out.append(value[i])
        except UnknownValueError:
            continue
    return out


def count(value: Any) -> int:
    """Length of a list input, known or not (elements are not read)."""
    return len(value) if is_list(value) else 0


def tags_of(props: Mapping[str, Any]) -> dict[str, Any]:
    """The resource's own tags plus `tagsAll` (what the provider computed in a real preview)."""
    out: dict[str, Any] = {}
    for key in ("tagsAll", "tags"):
        out.update(dict(known_items(get(props, key, default={}))))
    return out


def provider_default_tags(provider_props: Mapping[str, Any] | None) -> dict[str, Any]:
    """Default tags of an aws provider: its `defaultTags` input (a JSON string on an explicit
    provider, an object from stack config), as {key: value}."""
    if not provider_props:
        return {}
    raw = as_json(get(provider_props, "defaultTags"))
    tags = raw.get("tags") if isinstance(raw, dict) else None
    return dict(tags) if isinstance(tags, dict) else {}


# --------------------------------------------------------------------------------------------
# secrets in plain inputs
# --------------------------------------------------------------------------------------------

SECRET_NAME = re.compile(
    r"passw(or)?d|passphrase|(^|[_-])pwd($|[_-])|secret|token|credential|private[_-]?key|"
    r"api[_-]?key|access[_-]?key|signing[_-]?key|(^|[_-])key$",
    re.IGNORECASE,
)
"""Names that announce a secret: PASSWORD, DB_SECRET, API_TOKEN, STRIPE_API_KEY, ..._KEY."""
REFERENCE_SUFFIX = re.compile(
    r"[_-]?(arn|id|name|path|file|ref|endpoint|host|port|region|ttl|timeout|length|size|"
    r"enabled|mode|type|header|version|url|uri)$",
    re.IGNORECASE,
)
"""Names that say the value points at a secret rather than being one (DB_SECRET_ARN)."""
AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
URL_CREDENTIALS = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)


def secret_value_problem(value: str) -> str | None:
    """Why a value looks like a credential whatever its name, or None."""
    if AWS_ACCESS_KEY.search(value):
        return "holds an AWS access key id"
    if PRIVATE_KEY.search(value):
        return "holds a private key"
    if URL_CREDENTIALS.search(value):
        return "holds a URL with an embedded password"
    return None


def looks_secret(name: str, value: Any) -> str | None:
    """Why `name=value` looks like a secret in plain text, or None."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    found = secret_value_problem(text)
    if found:
        return found
    if not text or text.lower() in {"true", "false", "none", "null"} or text.startswith("arn:"):
        return None
    if text.isdigit() and len(text) <= 6:
        return None  # TOKEN_TTL=3600, not a secret
    if SECRET_NAME.search(name) and not REFERENCE_SUFFIX.search(name):
        return "has a secret-looking name and a value"
    return None


# --------------------------------------------------------------------------------------------
# the stack: lookups across resources
# --------------------------------------------------------------------------------------------

_MATCH_KEYS = ("arn", "id", "name", "bucket", "keyId", "identifier")


class Stack:
    """The resources of a stack validation, with lookups by type and by reference."""

    def __init__(self, resources: Sequence[PolicyResource]):
        self.resources = list(resources)

    def of_type(self, *types: str) -> list[PolicyResource]:
        return [r for r in self.resources if r.resource_type in types]

    def referenced(self, resource: PolicyResource, prop: str, types: Sequence[str]) -> list[PolicyResource]:
        """Resources of `types` that `resource.props[prop]` refers to: through the engine's
        property dependencies (known even in preview), else by value (arn, id, name...)."""
        deps = [d for d in (resource.property_dependencies or {}).get(prop, [])
                if d.resource_type in types]
        if deps:
            return deps
        try:
            values = {v for _, v in walk_strings(get(resource.props, prop))}
        except UnknownValueError:
            return []
        if not values:
            return []
        found = []
        for candidate in self.of_type(*types):
            keys = {str(v) for k, v in known_items(candidate.props) if k in _MATCH_KEYS}
            if keys & values:
                found.append(candidate)
        return found

    def referring(self, target: PolicyResource, types: Sequence[str], prop: str) -> list[PolicyResource]:
        """Resources of `types` whose `prop` refers to `target`."""
        return [r for r in self.of_type(*types)
                if target in self.referenced(r, prop, (target.resource_type,))]
