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
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
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

ALWAYS_SECRET_NAMES = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"})
"""FSBP ECS.8's `secretKeys` list: credentials whatever the value (an access key id that doesn't
start with AKIA, registry auth data). Matched in any case."""
NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD"})
"""Shell variables that only look like a password name (the working directory)."""
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SECRET_WORD = re.compile(
    r"passw(or)?d|passphrase|credential|^secrets?|secrets?$|tokens?$|^creds$|^pass$|^pwd$|"
    r"^authorization$|apikey|privatekey|accesskey|secretkey|signingkey",
)
"""One word of a name that announces a secret: PASSWORD, dbPassword, DB_PASS, CLIENT_SECRET,
GITHUB_TOKEN, accessToken, GOOGLE_CREDENTIALS, DB_CREDS, APIKEY."""
_KEY_QUALIFIERS = frozenset({"api", "private", "access", "secret", "signing", "encryption", "master",
                             "auth", "client", "session", "license", "hmac", "jwt"})
_LAST_WORDS = frozenset({"key", "keys", "auth", "salt"})
"""A name ending in one of these is a secret (STRIPE_KEY, BASIC_AUTH, PASSWORD_SALT)..."""
LOOKUP_KEYS = frozenset({"alarm", "sort", "partition", "cache", "routing", "object", "idempotency",
                         "primary", "foreign", "hash", "range", "tag", "lookup", "dedup", "dedupe",
                         "group", "metric", "bucket", "index", "shard", "public", "kms", "s3"})
"""... unless the key is one of these kinds, which name or find something (AlarmKey,
SORT_KEY, CACHE_KEY, PUBLIC_KEY, KMS_KEY: a key id or ARN)."""
ARN = re.compile(r"^arn:aws[a-zA-Z-]*:[a-z0-9-]+:[a-z0-9-]*:\d*:\S+$")
_REFERENCE_VALUES: dict[str, re.Pattern[str]] = {
    "number": re.compile(r"^\d+(\.\d+)?[smhd]?$", re.IGNORECASE),
    "bool": re.compile(r"^(true|false|yes|no|on|off|0|1|enabled|disabled)$", re.IGNORECASE),
    "arn": re.compile(r"^arn:\S+$"),
    "url": re.compile(r"^[a-z][a-z0-9+.-]*://[A-Za-z0-9.-]+(:\d+)?(/\S*)?$", re.IGNORECASE),
    "host": re.compile(r"^([a-z][a-z0-9+.-]*://)?[A-Za-z0-9.-]+(:\d+)?(/\S*)?$", re.IGNORECASE),
    "path": re.compile(r"^(/|\./|\.\./|~/)\S*$"),
    "region": re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$"),
    "header": re.compile(r"^[A-Za-z0-9-]+$"),
    "any": re.compile(r"^.*$", re.DOTALL),
}
REFERENCE_SUFFIXES = {
    **dict.fromkeys(("ttl", "timeout", "length", "size", "port", "version", "count", "days",
                     "seconds", "minutes", "hours", "interval", "age", "expiry", "bits"), "number"),
    **dict.fromkeys(("enabled", "disabled", "required", "enforced"), "bool"),
    "arn": "arn",
    **dict.fromkeys(("url", "uri"), "url"),
    **dict.fromkeys(("endpoint", "host", "hostname"), "host"),
    **dict.fromkeys(("path", "file", "dir"), "path"),
    "region": "region",
    "header": "header",
    **dict.fromkeys(("id", "name", "ref", "type", "mode", "prefix", "format", "algorithm"), "any"),
}
"""A name's last word that says the value points at (or tunes) a secret rather than being one,
with what such a value looks like: DB_SECRET_ARN=arn:..., TOKEN_TTL=3600,
PASSWORD_MIN_LENGTH=12, DB_PASSWORD_FILE=/run/secrets/db. A value that is not what the suffix
says (DB_PASSWORD_LENGTH=hunter2) is judged as a secret. `id`, `name`, `ref`... can't be
checked by value (SECRET_NAME=prod/app/db) and pass."""
AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
URL_CREDENTIALS = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.IGNORECASE)
"""user:password@ in a URL, the user possibly empty (redis://:password@host)."""
INLINE_PASSWORD = re.compile(r"(^|[;?&\s])(password|passwd|pwd)=[^;&\s]+", re.IGNORECASE)
"""A password in a connection string or URL query (Password=...; ?password=...)."""
TOKEN_FORMATS = re.compile(
    r"\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{30,}|\bxox[abposr]-[A-Za-z0-9-]{10,}|"
    r"\b[sr]k_live_[A-Za-z0-9]{10,}|\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+"
)
"""Tokens recognisable by their format: GitHub, Slack, Stripe live keys, JWTs."""


def secret_value_problem(value: str) -> str | None:
    """Why a value looks like a credential whatever its name, or None."""
    if AWS_ACCESS_KEY.search(value):
        return "holds an AWS access key id"
    if PRIVATE_KEY.search(value):
        return "holds a private key"
    if URL_CREDENTIALS.search(value):
        return "holds a URL with an embedded password"
    if INLINE_PASSWORD.search(value):
        return "holds a connection string with a password"
    if TOKEN_FORMATS.search(value):
        return "holds a token (GitHub, Slack, Stripe or a JWT)"
    return None


def name_words(name: str) -> list[str]:
    """A variable or tag name as lower-case words, whatever its case or separators:
    `dbPassword`, `DB-PASS`, `db.pass`, `APIKey` -> [db, password], [db, pass], [db, pass],
    [api, key]."""
    return [w.casefold() for w in _WORDS.findall(name)]


def secret_name(name: str) -> bool:
    """`name` announces a secret (before any reference suffix is considered)."""
    if name.strip().upper() in ALWAYS_SECRET_NAMES:
        return True
    if name.strip().upper() in NOT_SECRET_NAMES:
        return False
    words = name_words(name)
    if not words:
        return False
    if any(_SECRET_WORD.search(w) for w in words):
        return True
    if words[-1] in _LAST_WORDS and not (words[-1] in ("key", "keys") and len(words) > 1
                                         and words[-2] in LOOKUP_KEYS):
        return True
    return any(words[i] in _KEY_QUALIFIERS and words[i + 1] in ("key", "keys") for i in range(len(words) - 1))


def looks_secret(name: str, value: Any) -> str | None:
    """Why `name=value` looks like a secret in plain text, or None. A value is judged by its
    own shape first (an access key, a private key, credentials in a URL...); then a
    secret-looking name with any value but an empty or boolean one fails, unless its last word
    says it is a reference or a setting and the value is what that word says."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    found = secret_value_problem(text)
    if found:
        return found
    if not text or not secret_name(name):
        return None
    if name.strip().upper() in ALWAYS_SECRET_NAMES:
        return "is on ECS.8's list of credential variables"
    if text.lower() in ("true", "false"):
        return None
    words = name_words(name)
    kind = REFERENCE_SUFFIXES.get(words[-1]) if len(words) > 1 else None
    if kind and _REFERENCE_VALUES[kind].match(text):
        return None
    if ARN.match(text):
        return None  # the value names a secret (the app reads it), it isn't one
    if kind:
        return f"has a secret-looking name and a value that is not the {words[-1]} its name says"
    return "has a secret-looking name and a value"


# --------------------------------------------------------------------------------------------
# the stack: lookups across resources
# --------------------------------------------------------------------------------------------

_MATCH_KEYS = ("arn", "id", "name", "bucket", "keyId", "identifier", "url")


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
