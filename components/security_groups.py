"""`SecurityGroups`: the seed-003 security-group matrix as data, plus an intent API.

The matrix (docs/data-tier.md):

| group    | inbound                                   | outbound                                  |
|----------|-------------------------------------------|-------------------------------------------|
| alb      | 443 (and 80, redirect only) from the world | each web service's port, to that service   |
| web svc  | its port from alb                          | db / cache port to their groups; 443 out   |
| worker   | none                                       | db / cache port to their groups; 443 out   |
| database | its port from the services that use it     | none                                       |
| cache    | its port from the services that use it     | none                                       |
| svc-hook | none                                       | the ALB's listener port to alb; 443 out    |

A `<svc>-hook` group exists for a web service with `deploy_hook` (its blue/green pre-traffic
hook: a Lambda in the VPC that calls the ALB's test rule, and the EC2 API through NAT), and the
alb group admits it on the listener port (`listener_port`: 443, or 80 for an http_only ALB).

`matrix()` computes that table as a list of `Intent`s (pure, testable without Pulumi); the
component turns each intent into resources: one `aws.vpc.SecurityGroupIngressRule` on the
target AND the matching `aws.vpc.SecurityGroupEgressRule` on the source (so both sides say what
they allow), each with a description. `allow()` is the same for wiring across components
(`database.allow_from(api)`); the same (source, target, port) is only ever created once.

Groups carry no inline `ingress`/`egress`. AWS gives every new VPC group an allow-all egress
rule; the AWS provider behind pulumi-aws revokes that default rule when it creates the group
("NOTE on Egress rules" in `ec2.SecurityGroup`'s docs), so a group with no inline rules ends up
with exactly the rule resources below. Setting `egress=[]` would be worse, not better: it makes
the group manage its egress inline, which the provider warns conflicts with separate rule
resources (perpetual diffs, rules overwritten). `revoke_rules_on_delete=True` lets the alb and
service groups, which reference each other, be deleted without a dependency deadlock.

The guard: a rule that admits 0.0.0.0/0 or ::/0 anywhere but the ALB's 80/443, any rule that
allows every protocol (`-1`) from or to the world, egress to the world on anything but 443, or
a CIDR source outside the VPC raises `SecurityGroupError` while the stack is built, before the
rule is registered.

Who talks to whom is plain data the component owns: `SecurityGroupsArgs.services` is a list of
`ServicePeer` (name, kind, port, use_database, use_cache). Group names derive from the
component's name: `<prefix>-<name>-<key>-` (a name_prefix, so a changed description can create
the new group before deleting the old one).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import child_opts, component_naming, require

WORLD = ("0.0.0.0/0", "::/0")
ALB = "alb"
DATABASE = "database"
CACHE = "cache"
RESERVED_KEYS = (ALB, DATABASE, CACHE)
HTTPS = 443
HTTP = 80
ALB_WORLD_PORTS = (HTTPS, HTTP)
WORLD_EGRESS_PORTS = (HTTPS,)
DESCRIPTION_CHARS = re.compile(r"^[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]{1,255}$")
"""What EC2 accepts in a rule description (mocks accept anything; AWS refuses the call)."""

PEER_NAME = r"^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$"
"""A service's name in the matrix: it names its group's logical and AWS names."""


class SecurityGroupError(ValueError):
    """A rule the matrix forbids (world-open port, all-protocol rule, CIDR outside the VPC)."""


@dataclass(frozen=True)
class Intent:
    """One allowed flow. `source`/`target` are group keys (alb, database, cache, a service
    name) or, for the edges of the VPC, a CIDR."""

    source: str
    target: str
    port: int
    description: str
    protocol: Literal["tcp"] = "tcp"

    @property
    def from_cidr(self) -> bool:
        return _is_cidr(self.source)

    @property
    def to_cidr(self) -> bool:
        return _is_cidr(self.target)


def _is_cidr(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return "/" in value


class ServicePeer(ArgsModel):
    """One service of the matrix: what its group admits and what it may reach."""

    name: Annotated[str, Field(pattern=PEER_NAME)]
    """The service's name (no default: it names the group `<prefix>-<component>-<name>-`);
    lowercase letters, digits and hyphens, <= 40 characters, not alb, database or cache."""
    kind: Literal["web", "worker"] = "worker"
    """web: behind the load balancer, which may reach it on `port`; worker: admits nothing
    (default worker: nothing reaches a service that does not say it listens)."""
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    """Container port the load balancer reaches (web: required; default none: a worker listens
    on nothing)."""
    use_database: bool = False
    """May reach the database group on its port (default false: least privilege, a service
    reaches a store only when it says so)."""
    use_cache: bool = False
    """May reach the cache group on its port (default false, as `use_database`)."""
    uses: tuple[str, ...] = ()
    """Keys of `SecurityGroupsArgs.stores` (opensearch, documentdb, kafka...) this service may
    reach on their port (default none: a service reaches a store only when it says so)."""
    deploy_hook: bool = False
    """Web only: a `<name>-hook` group for the service's pre-traffic deploy hook, which may reach
    the ALB on its listener port and 443 out (default false: only BLUE_GREEN/CANARY/LINEAR
    services with the hook have one)."""

    @model_validator(mode="after")
    def _web_port(self) -> ServicePeer:
        if self.kind == "web" and self.port is None:
            raise ValueError(f"service {self.name!r} is web: port (the container port the load "
                             "balancer reaches) is required")
        if self.deploy_hook and self.kind != "web":
            raise ValueError(f"service {self.name!r}: deploy_hook is for web services (a worker "
                             "deploys ROLLING, with no test rule to call)")
        return self


def hook_key(service: str) -> str:
    """The matrix key of a service's deploy-hook group."""
    return f"{service}-hook"


def _check_peers(services: Sequence[ServicePeer], stores: Mapping[str, int] | None = None) -> None:
    """Service names must be unique and must not take the alb/database/cache or a store's key;
    every store a service uses must be one of `stores`."""
    stores = stores or {}
    reserved = (*RESERVED_KEYS, *stores, *(hook_key(s.name) for s in services if s.deploy_hook))
    seen: set[str] = set()
    for i, svc in enumerate(services):
        if svc.name in reserved:
            raise SecurityGroupError(
                f"SecurityGroupsArgs.services[{i}].name: {svc.name!r} is reserved: "
                f"{', '.join(reserved)} name the load balancer's, data stores' and deploy hooks' "
                "security groups; rename the service")
        if svc.name in seen:
            raise SecurityGroupError(f"SecurityGroupsArgs.services[{i}].name: {svc.name!r} is "
                                     "listed twice; each service has one group")
        seen.add(svc.name)
        unknown = [key for key in svc.uses if key not in stores]
        if unknown:
            raise SecurityGroupError(
                f"SecurityGroupsArgs.services[{i}].uses: {', '.join(map(repr, unknown))} is not "
                f"a store group; SecurityGroupsArgs.stores has {', '.join(stores) or 'none'}")


def _check_stores(stores: Mapping[str, int]) -> None:
    """Store keys name groups: the PEER_NAME rule, and not alb/database/cache."""
    for key, port in stores.items():
        if not re.match(PEER_NAME, key) or key in RESERVED_KEYS:
            raise SecurityGroupError(
                f"SecurityGroupsArgs.stores: key {key!r} must be lowercase letters, digits and "
                f"hyphens (<= 40 characters) and not {', '.join(RESERVED_KEYS)}")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise SecurityGroupError(f"SecurityGroupsArgs.stores[{key!r}]: port must be 1-65535, "
                                     f"got {port!r}")


def matrix(
    *,
    services: Sequence[ServicePeer],
    load_balancer: bool,
    database_port: int | None,
    cache_port: int | None,
    stores: Mapping[str, int] | None = None,
    alb_ingress: Literal["internet", "none"] = "internet",
    listener_port: int = HTTPS,
) -> list[Intent]:
    """The seed-003 matrix for these services (pure). `stores`: the extra store groups
    (key -> port) that services reach through `ServicePeer.uses`. `alb_ingress` none: the alb
    group admits nothing from the world (an internal ALB behind CloudFront, whose own rule
    the CloudFront component adds). `listener_port`: the port a deploy hook reaches the ALB on."""
    stores = stores or {}
    _check_stores(stores)
    _check_peers(services, stores)
    web = [s for s in services if s.kind == "web"]
    out: list[Intent] = []
    if load_balancer and web:
        for cidr in WORLD if alb_ingress == "internet" else ():
            out.append(Intent(cidr, ALB, HTTPS, f"HTTPS from the internet ({cidr})"))
            out.append(Intent(cidr, ALB, HTTP,
                              f"HTTP from the internet ({cidr}); the listener only redirects to HTTPS"))
        for svc in web:
            out.append(Intent(ALB, svc.name, int(svc.port or 0),
                              f"ALB to {svc.name} on its container port"))
        for svc in web:
            if svc.deploy_hook:
                hook = hook_key(svc.name)
                out.append(Intent(hook, ALB, listener_port,
                                  f"{svc.name} deploy hook to the ALB test rule"))
                out.append(Intent(hook, WORLD[0], HTTPS,
                                  f"{svc.name} deploy hook HTTPS to the EC2 API (via NAT)"))
    for svc in services:
        if database_port is not None and svc.use_database:
            out.append(Intent(svc.name, DATABASE, database_port,
                              f"{svc.name} to PostgreSQL"))
        if cache_port is not None and svc.use_cache:
            out.append(Intent(svc.name, CACHE, cache_port, f"{svc.name} to the cache (TLS)"))
        for key in svc.uses:
            out.append(Intent(svc.name, key, stores[key], f"{svc.name} to {key}"))
        out.append(Intent(svc.name, WORLD[0], HTTPS,
                          f"{svc.name} HTTPS to AWS APIs, ECR and the internet (via NAT)"))
    return out


def check_intent(intent: Intent, *, vpc_cidr: str) -> None:
    """Raise SecurityGroupError if the matrix forbids this flow (see the module docstring)."""
    where = f"{intent.source} -> {intent.target} port {intent.port}"
    if not DESCRIPTION_CHARS.match(intent.description):
        raise SecurityGroupError(
            f"security-group rule {where}: description {intent.description!r} must be 1-255 "
            "characters of a-z A-Z 0-9 space . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *"
        )
    if intent.protocol != "tcp":
        raise SecurityGroupError(f"security-group rule {where}: only tcp rules are allowed")
    if not 1 <= intent.port <= 65535:
        raise SecurityGroupError(f"security-group rule {where}: port must be 1-65535")
    if intent.from_cidr:
        if intent.source in WORLD:
            if intent.target != ALB or intent.port not in ALB_WORLD_PORTS:
                raise SecurityGroupError(
                    f"security-group rule {where}: ingress from {intent.source} is only allowed "
                    f"to the ALB on ports 80 and 443 (FSBP EC2.18/EC2.19)"
                )
        elif not _inside(intent.source, vpc_cidr):
            raise SecurityGroupError(
                f"security-group rule {where}: CIDR {intent.source} is outside the VPC "
                f"({vpc_cidr}); only the ALB faces the internet"
            )
    if intent.to_cidr and intent.target in WORLD and intent.port not in WORLD_EGRESS_PORTS:
        raise SecurityGroupError(
            f"security-group rule {where}: egress to {intent.target} is only allowed on 443"
        )
    if intent.from_cidr and intent.to_cidr:
        raise SecurityGroupError(f"security-group rule {where}: one side must be a group")


def _inside(cidr: str, vpc_cidr: str) -> bool:
    net = ipaddress.ip_network(cidr, strict=False)
    vpc = ipaddress.ip_network(vpc_cidr, strict=False)
    if isinstance(net, ipaddress.IPv4Network) and isinstance(vpc, ipaddress.IPv4Network):
        return net.subnet_of(vpc)
    if isinstance(net, ipaddress.IPv6Network) and isinstance(vpc, ipaddress.IPv6Network):
        return net.subnet_of(vpc)
    return False  # different IP versions


def group_of(source: Any) -> aws.ec2.SecurityGroup:
    """The security group of `source`: a group itself, or anything with `.security_group`."""
    if isinstance(source, aws.ec2.SecurityGroup):
        return source
    group = getattr(source, "security_group", None)
    if isinstance(group, aws.ec2.SecurityGroup):
        return group
    hint = (" (a FargateService holds no group: pass its group, e.g. "
            "SecurityGroups.for_service(<name>), and the service as role=)"
            if hasattr(source, "task_role") else "")
    raise TypeError(
        f"expected an aws.ec2.SecurityGroup or an object with .security_group, got "
        f"{type(source).__name__}{hint}"
    )


def store_group(owner: str, key: str, security_group: Any,
                ) -> tuple[aws.ec2.SecurityGroup, SecurityGroups | None]:
    """The group of a data store (`key`: database or cache) and the `SecurityGroups` component
    that `allow_from` goes through (None: `allow_from` is unavailable), from the store's one
    `security_group` argument: the `SecurityGroups` component (its `key` group is used), or a
    plain group / anything with `.security_group`."""
    if isinstance(security_group, SecurityGroups):
        group = security_group.groups.get(key)
        if group is None:
            how = f"SecurityGroupsArgs.{key}_port" if key in (DATABASE, CACHE) \
                else f"SecurityGroupsArgs.stores[{key!r}]"
            raise ValueError(f"{owner}: the SecurityGroups component has no {key} group; create "
                             f"it with {how}")
        return group, security_group
    return group_of(security_group), None


class SecurityGroupsSettings(ArgsModel):
    """Who talks to whom: the plain description the matrix is computed from."""

    services: Sequence[ServicePeer] = ()
    """The services, each with its own group (default none: only the alb, database and cache
    groups asked for below)."""
    load_balancer: bool = True
    """Create the alb group (443 and 80 from the world, each web service's port out) when a
    service is web (default true: web services are reached through the load balancer; without
    a web service there is no alb group either way)."""
    database_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    """Create the database group, admitting this port from the services with use_database
    (default none: no database group)."""
    cache_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    """Create the cache group, admitting this port from the services with use_cache (default
    none: no cache group)."""
    stores: Mapping[str, Annotated[int, Field(ge=1, le=65535)]] = Field(default_factory=dict)
    """Extra data-store groups, key -> the port each admits from the services that list the key
    in `ServicePeer.uses`, e.g. {"opensearch": 443, "documentdb": 27017} (default none)."""
    listener_port: Literal[443, 80] = 443
    """The ALB listener port the services' deploy hooks reach (default 443, the HTTPS listener;
    80 only for an http_only load balancer)."""
    alb_ingress: Literal["internet", "none"] = "internet"
    """What the alb group admits from outside the VPC (default internet: 443 and the 80
    redirect from 0.0.0.0/0 and ::/0; none: nothing, for an internal ALB that only CloudFront's
    VPC origin reaches through the rule components/cloudfront.py adds)."""

    @model_validator(mode="after")
    def _peers(self) -> SecurityGroupsSettings:
        try:
            _check_stores(self.stores)
            _check_peers(self.services, self.stores)
        except SecurityGroupError as exc:
            raise ValueError(str(exc)) from None
        return self


class SecurityGroupsArgs(ComponentArgs, SecurityGroupsSettings):
    """Everything `SecurityGroups` takes: the matrix's description plus the VPC."""

    vpc_id: Input[str] | None = None
    """The VPC of the groups (required, e.g. `Network.outputs.vpc_id`)."""
    vpc_cidr: str | None = None
    """The VPC's IPv4 CIDR as a plain string (required, e.g. `Network.outputs.vpc_cidr`): the
    guard refuses a CIDR rule outside it while the program runs."""

    @field_validator("vpc_cidr")
    @classmethod
    def _cidr(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not isinstance(v, str) or "/" not in v:
            raise ValueError(f"must be a CIDR string such as 10.0.0.0/16, got {v!r}")
        try:
            ipaddress.ip_network(v, strict=True)
        except ValueError as exc:
            raise ValueError(f"{v!r} is not a network CIDR ({exc})") from None
        return v


class SecurityGroups(pulumi.ComponentResource):
    """The groups of an environment: alb (when a web service sits behind the load balancer),
    one per service, database and cache (when their port is given), with the matrix's rules."""

    alb: aws.ec2.SecurityGroup | None
    database: aws.ec2.SecurityGroup | None
    cache: aws.ec2.SecurityGroup | None

    def __init__(self, name: str, args: SecurityGroupsArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        """`SecurityGroups(name, SecurityGroupsArgs(vpc_id=..., vpc_cidr=..., services=[...],
        database_port=..., cache_port=...), opts)`."""
        args = args if args is not None else SecurityGroupsArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("SecurityGroups", name, args)
        require("SecurityGroups", name, args, _REQUIRED)
        vpc_cidr: str = args.vpc_cidr  # type: ignore[assignment]  # checked just above
        services = args.services
        intents = matrix(services=services, load_balancer=args.load_balancer,
                         database_port=args.database_port, cache_port=args.cache_port,
                         stores=args.stores, alb_ingress=args.alb_ingress,
                         listener_port=args.listener_port)
        for intent in intents:  # refuse the whole matrix before registering anything
            check_intent(intent, vpc_cidr=vpc_cidr)
        super().__init__("groundwork:security:SecurityGroups", name, None, opts)
        self.args = args
        self.vpc_cidr = vpc_cidr
        self._naming = naming
        self._prefix = name
        self._vpc_id = args.vpc_id

        self.groups: dict[str, aws.ec2.SecurityGroup] = {}
        self._keys: dict[str, str] = {}  # pulumi resource name -> group key
        self._rules: set[tuple[str, str, int, str]] = set()
        self.ingress_rules: list[aws.vpc.SecurityGroupIngressRule] = []
        self.egress_rules: list[aws.vpc.SecurityGroupEgressRule] = []

        has_web = any(s.kind == "web" for s in services)
        self.alb = self._group(ALB, "Application load balancer: HTTPS from the internet"
                               if args.alb_ingress == "internet" else
                               "Application load balancer (internal): HTTPS from CloudFront") \
            if args.load_balancer and has_web else None
        self._services: dict[str, aws.ec2.SecurityGroup] = {
            s.name: self._group(s.name, f"Fargate service {s.name} ({s.kind})", Service=s.name)
            for s in services
        }
        self._hooks: dict[str, aws.ec2.SecurityGroup] = {
            s.name: self._group(hook_key(s.name), f"Deploy hook of {s.name}: the ALB test rule",
                                Service=s.name)
            for s in services if s.deploy_hook and self.alb is not None
        }
        self.database = self._group(DATABASE, "PostgreSQL: only from the services that use it") \
            if args.database_port is not None else None
        self.cache = self._group(CACHE, "Cache: only from the services that use it") \
            if args.cache_port is not None else None
        self.stores: dict[str, aws.ec2.SecurityGroup] = {
            key: self._group(key, f"{key}: only from the services that use it", Store=key)
            for key in args.stores
        }

        for intent in intents:
            self._apply(intent)
        self.register_outputs({k: g.id for k, g in self.groups.items()})

    # -- public API ------------------------------------------------------------------------

    def for_service(self, name: str) -> aws.ec2.SecurityGroup:
        """The group of service `name`."""
        try:
            return self._services[name]
        except KeyError:
            raise KeyError(f"no security group for service {name!r}; have "
                           f"{', '.join(self._services) or 'none'}") from None

    def for_hook(self, name: str) -> aws.ec2.SecurityGroup:
        """The deploy-hook group of service `name` (`ServicePeer.deploy_hook`)."""
        try:
            return self._hooks[name]
        except KeyError:
            raise KeyError(f"no deploy-hook security group for service {name!r}; have "
                           f"{', '.join(self._hooks) or 'none'} (ServicePeer.deploy_hook)") from None

    def allow(self, *, source: Any, target: Any, port: int, description: str) -> None:
        """Allow `source` to reach `target` on tcp `port`: one ingress rule on target (from
        source's group) and the matching egress rule on source (to target's group). Sources
        and targets are groups or objects with `.security_group`. Idempotent per
        (source, target, port)."""
        src, dst = group_of(source), group_of(target)
        intent = Intent(self.key_of(src), self.key_of(dst), port, description)
        check_intent(intent, vpc_cidr=self.vpc_cidr)
        self._pair(intent, src, dst)

    def allow_cidr(self, *, target: Any, cidr: str, port: int, description: str) -> None:
        """Admit a CIDR to `target` on tcp `port` (the guard refuses the world except for the
        ALB's 80/443, and any CIDR outside the VPC)."""
        dst = group_of(target)
        intent = Intent(cidr, self.key_of(dst), port, description)
        check_intent(intent, vpc_cidr=self.vpc_cidr)
        self._ingress_cidr(intent, dst)

    # -- building --------------------------------------------------------------------------

    def _group(self, key: str, description: str, **tags: str) -> aws.ec2.SecurityGroup:
        physical = self._naming.name(key)
        group = aws.ec2.SecurityGroup(
            f"{self._prefix}-{key}",
            # name_prefix: a changed description replaces the group, and create-before-delete
            # would collide with a fixed name.
            name_prefix=f"{physical}-",
            description=f"{self._naming.prefix} {description}",
            vpc_id=self._vpc_id,
            revoke_rules_on_delete=True,
            tags=self._naming.tagged(physical, Component="security-groups", Group=key, **tags),
            opts=child_opts(self),
        )
        self.groups[key] = group
        self._keys[group._name] = key
        return group

    def key_of(self, group: aws.ec2.SecurityGroup) -> str:
        """The matrix key of a group (alb, database, a service name), else its resource name."""
        return self._keys.get(group._name, group._name)

    def _apply(self, intent: Intent) -> None:
        if intent.from_cidr:
            self._ingress_cidr(intent, self.groups[intent.target])
        elif intent.to_cidr:
            self._egress_cidr(intent, self.groups[intent.source])
        else:
            self._pair(intent, self.groups[intent.source], self.groups[intent.target])

    def _once(self, direction: str, intent: Intent) -> bool:
        key = (direction, intent.source, intent.port, intent.target)
        if key in self._rules:
            return False
        self._rules.add(key)
        return True

    def _pair(self, intent: Intent, src: aws.ec2.SecurityGroup, dst: aws.ec2.SecurityGroup) -> None:
        if self._once("ingress", intent):
            self._rule("ingress", intent, dst, referenced_security_group_id=src.id)
        if self._once("egress", intent):
            self._rule("egress", intent, src, referenced_security_group_id=dst.id)

    def _ingress_cidr(self, intent: Intent, dst: aws.ec2.SecurityGroup) -> None:
        if self._once("ingress", intent):
            self._rule("ingress", intent, dst, **_cidr_arg(intent.source))

    def _egress_cidr(self, intent: Intent, src: aws.ec2.SecurityGroup) -> None:
        if self._once("egress", intent):
            self._rule("egress", intent, src, **_cidr_arg(intent.target))

    def _rule(self, direction: str, intent: Intent, group: aws.ec2.SecurityGroup, **peer: Any) -> None:
        owner, other = (intent.target, intent.source) if direction == "ingress" \
            else (intent.source, intent.target)
        label = _label(other)
        logical = f"{self._prefix}-{owner}-{'in' if direction == 'ingress' else 'out'}-" \
                  f"{intent.port}-{label}"
        args: dict[str, Any] = dict(
            security_group_id=group.id,
            description=intent.description,
            ip_protocol=intent.protocol,
            from_port=intent.port,
            to_port=intent.port,
            tags=self._naming.tagged(self._naming.name(owner, direction, str(intent.port), label)),
            opts=child_opts(self),
            **peer,
        )
        if direction == "ingress":
            self.ingress_rules.append(aws.vpc.SecurityGroupIngressRule(logical, **args))
        else:
            self.egress_rules.append(aws.vpc.SecurityGroupEgressRule(logical, **args))


def _label(peer: str) -> str:
    if peer == WORLD[0]:
        return "world-v4"
    if peer == WORLD[1]:
        return "world-v6"
    if _is_cidr(peer):
        return peer.replace("/", "-").replace(":", "-").replace(".", "-")
    return peer


def _cidr_arg(cidr: str) -> dict[str, str]:
    return {"cidr_ipv6": cidr} if ipaddress.ip_network(cidr, strict=False).version == 6 \
        else {"cidr_ipv4": cidr}


_REQUIRED = {
    "vpc_id": "the VPC id, e.g. Network.outputs.vpc_id",
    "vpc_cidr": "the VPC's CIDR as a plain string, e.g. Network.outputs.vpc_cidr",
}
