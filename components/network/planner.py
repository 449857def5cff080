"""Pure, deterministic subnet planner for the groundwork VPC.

This module turns a VPC CIDR, an ordered list of availability zones and an
ordered list of subnet tiers into concrete subnet CIDRs. It has no Pulumi or
AWS dependency (stdlib ``ipaddress`` only) so it can be unit- and
property-tested offline, and so ``groundwork plan``-style reports can show the
address layout before anything is deployed.

Allocation scheme
-----------------
Each tier owns one subnet per AZ it uses, all of the same size (``/prefix_length``).
Think of the VPC as a row of *slots* of the tier's own size: slot ``k`` is the
``k``-th ``/prefix_length`` block counted from the VPC base address. The
subnet for AZ index ``j`` of a tier whose first slot is ``offset`` is slot
``offset + j``. So with ``10.0.0.0/16`` and the seed tiers::

    public     offset  1  ->  10.0.1.0/24, 10.0.2.0/24, 10.0.3.0/24
    compute    offset 10  ->  10.0.10.0/24 .. 10.0.12.0/24
    data       offset 20  ->  10.0.20.0/24 .. 10.0.22.0/24
    messaging  offset 30  ->  10.0.30.0/24, 10.0.31.0/24   (az_count=2)

Every tier *reserves* ``reserved_azs`` slots (default 6, the most AZs any AWS
region has) even if it uses fewer, so adding an AZ later just fills the next
reserved slot. A tier's first slot is, in order of precedence:

1. its explicit ``cidrs`` (one per AZ, used verbatim);
2. its explicit ``offset``;
3. otherwise it is placed automatically: at the first address after the end of
   every reserved block of the tiers *before* it in the list (the high-water
   mark), rounded up to the tier's own subnet-size alignment. For an
   explicit-``cidrs`` tier the reserved block ends at its highest address.

Why this scheme
---------------
Subnet CIDRs are immutable in AWS: changing one means replacing the subnet and
everything in it (ENIs, NAT gateways, RDS subnet groups, EKS/ECS tasks). Naive
planners (``cidrsubnets`` over a flat list, splitting the VPC by the current
AZ count) reshuffle *existing* CIDRs when a tier or an AZ is added. This planner
guarantees instead that

* appending a tier to the end of the list never changes any existing
  (tier, AZ) CIDR, because a tier's position depends only on the tiers before it;
* appending an AZ (while a tier's AZ count stays ``<= reserved_azs``) never
  changes any existing (tier, AZ) CIDR; it only adds subnets in reserved slots.

Changing a tier's ``reserved_azs``/``prefix_length``, reordering tiers or
inserting a tier in the middle *can* move automatically placed tiers after it;
pin them with ``offset`` (or ``cidrs``) first if a plan is already deployed.

Everything the planner refuses raises :class:`PlanError` with a one-line
message naming the tier/AZ/CIDR at fault and what is allowed; no other
exception type escapes :func:`plan_subnets` or :func:`availability_zones`.

:class:`TierSpec` is the one tier type: the `Network` component's `tiers`, the
stacks' `network.tiers` config (`TierConfig` there is this class) and the
planner's input. Built normally it validates each field on its own (name,
routing, sizes); what depends on the VPC and the other tiers (does it fit, does
it overlap) is checked here, when planning, so the planner also refuses a tier
built with ``model_construct`` from unchecked values.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from pydantic import Field

from groundwork.components.args import ArgsModel

__all__ = [
    "REGION_AZ_SUFFIXES",
    "SEED_TIERS",
    "TIER_NAME",
    "PlanError",
    "PlannedSubnet",
    "Routing",
    "SubnetPlan",
    "TierSpec",
    "availability_zones",
    "check_tiers",
    "parse_vpc_cidr",
    "plan_subnets",
]


class PlanError(ValueError):
    """Raised when a network plan cannot be built.

    The message is a single human-readable line that names the tier, AZ or
    CIDR at fault and says what is allowed, so it can be shown verbatim in CLI
    output and CI logs. Subclasses ``ValueError`` so generic config-validation
    code that catches ``ValueError`` also catches it.
    """


Routing = Literal["public", "private", "isolated"]
"""How a tier's subnets reach outside the VPC.

``public`` routes ``0.0.0.0/0`` to the internet gateway, ``private`` routes it
to a NAT gateway, ``isolated`` has no route off the VPC (VPC endpoints only).
"""

_ROUTINGS: tuple[str, ...] = get_args(Routing)

# AWS limits: a VPC's primary IPv4 CIDR must be between /16 and /28, and the
# smallest subnet AWS allows is /28.
_VPC_PREFIX_MIN = 16
_VPC_PREFIX_MAX = 28
_SUBNET_PREFIX_MAX = 28

# Ranges AWS will not accept for a VPC (or that can never work as one):
# "this network", loopback, link-local, multicast and the 240/4 reserved block.
_FORBIDDEN_VPC_RANGES = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3")
)

TIER_NAME = r"^[a-z][a-z0-9-]{0,19}$"
"""A tier name: it ends up in resource names and tags (the one rule, for config and planner)."""
_TIER_NAME_RE = re.compile(TIER_NAME)
# us-east-1, us-gov-west-1, ap-southeast-5, ...
_REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")
# us-east-1a, us-west-2-lax-1a, or any simple lowercase token in offline tests.
_AZ_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class TierSpec(ArgsModel):
    """One subnet tier: one subnet per AZ it uses, all of one size, routed by purpose.

    Keyword arguments only, e.g. ``TierSpec(name="public", routing="public", offset=1)``;
    each field is checked when the tier is built (a bad value raises a validation error
    naming the field); the checks that need the VPC and the other tiers run when planning.
    """

    name: Annotated[str, Field(pattern=TIER_NAME)]
    """Tier name (required): 1-20 characters, a lowercase letter then lowercase letters,
    digits or '-', unique within the network; it ends up in resource names and tags."""
    routing: Routing
    """How the tier leaves the VPC (required): public -> internet gateway; private -> the
    NAT (gateway or instance, per `nat`); isolated -> no route off the VPC."""
    prefix_length: Annotated[int, Field(ge=_VPC_PREFIX_MIN, le=_SUBNET_PREFIX_MAX)] = 24
    """Size of each subnet of the tier (default /24: 251 usable addresses per AZ); longer
    than the VPC's prefix and at most /28 (AWS's smallest subnet)."""
    az_count: Annotated[int, Field(ge=1, le=6)] | None = None
    """Use only the first N AZs (default: every AZ of the VPC, so the tier grows with it)."""
    offset: Annotated[int, Field(ge=0)] | None = None
    """Index of the tier's first subnet, in subnets of its own size from the VPC base.
    Default: placed after the previous tiers' reserved blocks. Explicit offsets keep CIDRs
    stable forever, which is why the seed tiers pin them."""
    cidrs: tuple[str, ...] = ()
    """Explicit CIDRs, one per AZ in order (default none: computed from offset); they win
    over offset, e.g. to adopt subnets that already exist."""
    reserved_azs: Annotated[int, Field(ge=1, le=6)] = 6
    """Subnet slots the tier reserves so AZs can be added later without moving anything
    (default 6: the most AZs any AWS region has)."""


@dataclass(frozen=True)
class PlannedSubnet:
    """One concrete subnet of a plan.

    Attributes:
        tier: Name of the tier it belongs to.
        routing: The tier's :data:`Routing`.
        az: Availability zone name, e.g. ``"us-east-1a"``.
        az_index: Position of ``az`` in the plan's AZ list (0-based); stable
            because AZs are only ever appended.
        cidr: The subnet CIDR in canonical form, e.g. ``"10.0.1.0/24"``.
    """

    tier: str
    routing: Routing
    az: str
    az_index: int
    cidr: str


@dataclass(frozen=True)
class SubnetPlan:
    """The result of :func:`plan_subnets`.

    Attributes:
        vpc_cidr: The VPC CIDR in canonical form.
        azs: The AZs of the VPC, in order.
        subnets: Every planned subnet, ordered by tier order, then AZ index.
    """

    vpc_cidr: str
    azs: tuple[str, ...]
    subnets: tuple[PlannedSubnet, ...]

    def tier(self, name: str) -> tuple[PlannedSubnet, ...]:
        """Return the subnets of tier ``name``, ordered by AZ index.

        Raises :class:`PlanError` (not ``KeyError``) naming the known tiers if
        ``name`` is not a tier of this plan.
        """
        found = tuple(s for s in self.subnets if s.tier == name)
        if not found:
            known = ", ".join(self.tier_names) or "none"
            raise PlanError(f"unknown tier {name!r}; this plan has tiers: {known}")
        return tuple(sorted(found, key=lambda s: s.az_index))

    @property
    def tier_names(self) -> tuple[str, ...]:
        """Names of the plan's tiers, in tier order."""
        return tuple(dict.fromkeys(s.tier for s in self.subnets))

    def as_table(self) -> list[dict[str, str]]:
        """Rows ``{"tier", "routing", "az", "cidr"}`` (all strings) for reports."""
        return [{"tier": s.tier, "routing": s.routing, "az": s.az, "cidr": s.cidr} for s in self.subnets]


SEED_TIERS: tuple[TierSpec, ...] = (
    TierSpec(name="public", routing="public", offset=1),
    TierSpec(name="compute", routing="private", offset=10),
    TierSpec(name="data", routing="isolated", offset=20),
    TierSpec(name="messaging", routing="isolated", offset=30, az_count=2),
)
"""The baseline's default tiers, all ``/24`` with fixed offsets 1/10/20/30.

``public`` (load balancers, NAT gateways) routes to the IGW, ``compute``
(containers) goes out through NAT, ``data`` (databases, caches) and
``messaging`` (brokers; two AZs are enough for an active/standby pair) have no
route off the VPC. Offsets are spaced 10 apart, more than the 6 reserved slots,
so each tier reads as its own ``10.0.N.x`` decade. Note ``messaging`` needs at
least two AZs.
"""

REGION_AZ_SUFFIXES: dict[str, tuple[str, ...]] = {
    "us-east-1": ("a", "b", "c", "d", "e", "f"),
    "us-east-2": ("a", "b", "c"),
    "us-west-1": ("a", "c"),
    "us-west-2": ("a", "b", "c", "d"),
    "eu-west-1": ("a", "b", "c"),
    "eu-west-2": ("a", "b", "c"),
    "eu-central-1": ("a", "b", "c"),
    "eu-north-1": ("a", "b", "c"),
    "ap-southeast-1": ("a", "b", "c"),
    "ap-southeast-2": ("a", "b", "c"),
    "ap-northeast-1": ("a", "c", "d"),
    "ca-central-1": ("a", "b", "d"),
    "sa-east-1": ("a", "b", "c"),
}
"""AZ letter suffixes per common commercial region, in the order they are used.

Static on purpose: planning stays deterministic and offline, and the AZ order
under an existing plan must never change (a live ``DescribeAvailabilityZones``
call could return a different list later and reshuffle subnets). For regions
not listed here, or accounts whose AZ set differs, set
``network.availability_zones`` explicitly.
"""


def availability_zones(region: str, count: int, explicit: Sequence[str] | None = None) -> tuple[str, ...]:
    """Return the first ``count`` AZs to use in ``region``.

    Args:
        region: AWS region name, e.g. ``"us-east-1"``.
        count: How many AZs to use (``network.az_count``); at least 1.
        explicit: ``network.availability_zones``. ``None`` or empty (default)
            means "take them from :data:`REGION_AZ_SUFFIXES`". When given, every
            entry must be ``<region><letter>`` (e.g. ``us-east-1a``), without
            duplicates, and there must be at least ``count`` of them; the first
            ``count`` are returned in the given order.

    Raises:
        PlanError: ``region`` is not a region name like ``us-east-1``;
            ``count`` is not a whole number >= 1; the region offers
            fewer AZs than asked; the region is unknown and no explicit list
            is given; or the explicit list is invalid.
    """
    if not isinstance(region, str) or not _REGION_RE.fullmatch(region):
        raise PlanError(f"region {region!r} is not an AWS region name like 'us-east-1'")
    if not _is_int(count) or count < 1:
        raise PlanError(f"network.az_count must be a whole number >= 1, got {count!r}")

    if explicit:
        if isinstance(explicit, str | bytes) or not isinstance(explicit, Sequence):
            raise PlanError(
                "network.availability_zones must be a list of AZ names like "
                f"['{region}a', '{region}b'], got {explicit!r}"
            )
        az_re = re.compile(re.escape(region) + r"[a-z]")
        seen: set[str] = set()
        for az in explicit:
            if not isinstance(az, str) or not az_re.fullmatch(az):
                raise PlanError(
                    f"network.availability_zones entry {az!r} is not an AZ of {region}; "
                    f"expected {region} followed by one letter, e.g. {region}a"
                )
            if az in seen:
                raise PlanError(f"network.availability_zones lists {az} twice; AZs must be unique")
            seen.add(az)
        if len(explicit) < count:
            raise PlanError(
                f"network.az_count={count} but network.availability_zones lists only "
                f"{len(explicit)}: {', '.join(explicit)}"
            )
        return tuple(explicit[:count])

    suffixes = REGION_AZ_SUFFIXES.get(region)
    if suffixes is None:
        raise PlanError(
            f"region {region!r} is not in the built-in AZ table; set "
            f"network.availability_zones explicitly, e.g. ['{region}a', '{region}b']"
        )
    if len(suffixes) < count:
        raise PlanError(
            f"network.az_count={count} but {region} offers {len(suffixes)} AZs: {', '.join(suffixes)}"
        )
    return tuple(region + suffix for suffix in suffixes[:count])


def plan_subnets(vpc_cidr: str, azs: Sequence[str], tiers: Sequence[TierSpec]) -> SubnetPlan:
    """Plan one subnet per (tier, AZ it uses) inside ``vpc_cidr``.

    See the module docstring for the allocation scheme. The result is fully
    determined by the arguments (same input, same output), and depends on the
    tiers and AZs only through their order, so appending a tier or an AZ
    never changes an existing subnet's CIDR.

    Args:
        vpc_cidr: The VPC's IPv4 CIDR, ``/16`` to ``/28``, no host bits set.
        azs: The VPC's AZs in order (see :func:`availability_zones`); at least
            one, no duplicates.
        tiers: The tiers in order; at least one, unique names.

    Raises:
        PlanError: with a one-line message naming the tier/AZ/CIDR at fault.
    """
    vpc = parse_vpc_cidr(vpc_cidr)
    az_names = _check_azs(azs)
    specs = check_tiers(tiers)

    base = int(vpc.network_address)
    high_water = 0  # first address (relative to base) not reserved by earlier tiers
    planned: list[PlannedSubnet] = []
    for spec in specs:
        used = _azs_used(spec, az_names)
        _check_prefix(spec, vpc)
        _check_reserved(spec, used)
        if _has_cidrs(spec):
            nets = _explicit_cidrs(spec, vpc, az_names[:used])
            end = max(int(n.broadcast_address) + 1 for n in nets) - base
        else:
            size = 1 << (32 - spec.prefix_length)
            start = _first_slot(spec, vpc, used, size, high_water)
            nets = [
                ipaddress.IPv4Network((base + (start + j) * size, spec.prefix_length)) for j in range(used)
            ]
            end = (start + spec.reserved_azs) * size
        high_water = max(high_water, end)
        planned.extend(
            PlannedSubnet(tier=spec.name, routing=spec.routing, az=az_names[j], az_index=j, cidr=str(net))
            for j, net in enumerate(nets)
        )

    _check_overlaps(planned)
    return SubnetPlan(vpc_cidr=str(vpc), azs=az_names, subnets=tuple(planned))


# --------------------------------------------------------------------------- helpers


def _is_int(value: object) -> bool:
    """True for real ints (``bool`` is an ``int`` subclass but never a valid count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def parse_vpc_cidr(vpc_cidr: object) -> ipaddress.IPv4Network:
    """The VPC CIDR as a network: IPv4, /16 to /28, no host bits, not a reserved range (the one
    CIDR check: the `Network` settings validate `cidr` with it too). Raises PlanError."""
    if not isinstance(vpc_cidr, str):
        raise PlanError(f"VPC CIDR must be a string like '10.0.0.0/16', got {vpc_cidr!r}")
    allowed = f"AWS allows /{_VPC_PREFIX_MIN} to /{_VPC_PREFIX_MAX}"
    text = vpc_cidr.strip()
    try:
        if "/" not in text:
            bare = ipaddress.ip_address(text)  # a bare address: say what is missing
            example = f"{bare}/16" if bare.version == 4 else "10.0.0.0/16"
            raise PlanError(f"VPC CIDR {vpc_cidr!r} has no prefix length; write it as e.g. {example}")
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError as err:
        if isinstance(err, PlanError):
            raise
        raise PlanError(
            f"VPC CIDR {vpc_cidr!r} is not a valid IPv4 CIDR; write it as e.g. 10.0.0.0/16"
        ) from None
    if not isinstance(loose, ipaddress.IPv4Network):
        raise PlanError(f"VPC CIDR {vpc_cidr!r} must be IPv4, e.g. 10.0.0.0/16")
    if not _VPC_PREFIX_MIN <= loose.prefixlen <= _VPC_PREFIX_MAX:
        raise PlanError(f"VPC CIDR {loose} has prefix /{loose.prefixlen}; {allowed}")
    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError:
        raise PlanError(f"VPC CIDR {vpc_cidr!r} has host bits set; did you mean {loose}?") from None
    for forbidden in _FORBIDDEN_VPC_RANGES:
        if loose.overlaps(forbidden):
            raise PlanError(
                f"VPC CIDR {loose} is inside reserved range {forbidden}; use private space "
                "such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
            )
    return loose


def _check_azs(azs: object) -> tuple[str, ...]:
    if isinstance(azs, str | bytes) or not isinstance(azs, Sequence):
        raise PlanError(f"AZs must be a list of AZ names like ['us-east-1a'], got {azs!r}")
    if not azs:
        raise PlanError("the VPC needs at least one AZ; got an empty AZ list")
    seen: set[str] = set()
    for az in azs:
        if not isinstance(az, str) or not _AZ_NAME_RE.fullmatch(az):
            raise PlanError(
                f"AZ name {az!r} is invalid; use an AWS AZ name like 'us-east-1a' (lowercase "
                "letters, digits and '-')"
            )
        if az in seen:
            raise PlanError(f"AZ {az} is listed twice; each AZ may appear only once")
        seen.add(az)
    return tuple(azs)


def check_tiers(tiers: object) -> tuple[TierSpec, ...]:
    """The tier list: at least one TierSpec, valid names and routings, no name twice (the
    `Network` settings validate `tiers` with it too). Raises PlanError."""
    if isinstance(tiers, str | bytes) or not isinstance(tiers, Sequence):
        raise PlanError(f"tiers must be a list of TierSpec, got {tiers!r}")
    if not tiers:
        raise PlanError("the VPC needs at least one subnet tier; the tier list is empty")
    seen: set[str] = set()
    for spec in tiers:
        if not isinstance(spec, TierSpec):
            raise PlanError(f"tiers must be TierSpec objects, got {spec!r}")
        if not isinstance(spec.name, str) or not _TIER_NAME_RE.fullmatch(spec.name):
            raise PlanError(
                f"tier name {spec.name!r} is invalid; use 1-20 characters: a lowercase letter "
                "then lowercase letters, digits or '-'"
            )
        if spec.name in seen:
            raise PlanError(f"tier {spec.name!r} is defined twice; tier names must be unique")
        seen.add(spec.name)
        if spec.routing not in _ROUTINGS:
            raise PlanError(
                f"tier {spec.name!r} has routing {spec.routing!r}; allowed: " + ", ".join(_ROUTINGS)
            )
    return tuple(tiers)


def _azs_used(spec: TierSpec, az_names: tuple[str, ...]) -> int:
    if spec.az_count is None:
        return len(az_names)
    if not _is_int(spec.az_count) or not 1 <= spec.az_count <= len(az_names):
        raise PlanError(
            f"tier {spec.name!r} has az_count={spec.az_count!r} but the VPC has "
            f"{len(az_names)} AZs ({', '.join(az_names)}); allowed: 1 to {len(az_names)}, "
            "or None for every AZ"
        )
    return spec.az_count


def _check_prefix(spec: TierSpec, vpc: ipaddress.IPv4Network) -> None:
    lo = vpc.prefixlen + 1
    if not _is_int(spec.prefix_length) or not lo <= spec.prefix_length <= _SUBNET_PREFIX_MAX:
        allowed = (
            f"/{lo} to /{_SUBNET_PREFIX_MAX}"
            if lo <= _SUBNET_PREFIX_MAX
            else f"nothing (the VPC is already /{vpc.prefixlen})"
        )
        raise PlanError(
            f"tier {spec.name!r} has prefix_length={spec.prefix_length!r}; in VPC {vpc} "
            f"subnets must be smaller than the VPC and at most /{_SUBNET_PREFIX_MAX} "
            f"(AWS minimum): allowed {allowed}"
        )


def _check_reserved(spec: TierSpec, used: int) -> None:
    if not _is_int(spec.reserved_azs) or spec.reserved_azs < used:
        raise PlanError(
            f"tier {spec.name!r} uses {used} AZs but reserved_azs={spec.reserved_azs!r}; "
            f"reserved_azs must be a whole number >= the AZs the tier uses ({used})"
        )


def _has_cidrs(spec: TierSpec) -> bool:
    """True if the tier gives explicit cidrs (``None`` and empty mean "no")."""
    cidrs = spec.cidrs
    if cidrs is None:
        return False
    return not (isinstance(cidrs, Sequence) and len(cidrs) == 0)


def _explicit_cidrs(
    spec: TierSpec, vpc: ipaddress.IPv4Network, az_names: tuple[str, ...]
) -> list[ipaddress.IPv4Network]:
    cidrs = spec.cidrs
    if isinstance(cidrs, str | bytes) or not isinstance(cidrs, Sequence):
        raise PlanError(f"tier {spec.name!r} cidrs must be a list of CIDR strings, one per AZ, got {cidrs!r}")
    if len(cidrs) != len(az_names):
        raise PlanError(
            f"tier {spec.name!r} lists {len(cidrs)} cidrs but uses {len(az_names)} AZs "
            f"({', '.join(az_names)}); give exactly one CIDR per AZ, in AZ order"
        )
    nets = []
    for cidr, az in zip(cidrs, az_names, strict=True):
        try:
            if not isinstance(cidr, str) or "/" not in cidr:
                raise ValueError
            net = ipaddress.ip_network(cidr.strip(), strict=True)
        except ValueError:
            raise PlanError(
                f"tier {spec.name!r} cidr {cidr!r} for {az} is not a valid IPv4 CIDR with no "
                f"host bits set, e.g. {vpc.network_address}/{_safe_prefix(spec, vpc)}"
            ) from None
        if not isinstance(net, ipaddress.IPv4Network):
            raise PlanError(f"tier {spec.name!r} cidr {cidr!r} for {az} must be IPv4")
        if net.prefixlen != spec.prefix_length:
            raise PlanError(
                f"tier {spec.name!r} cidr {net} for {az} is /{net.prefixlen} but the tier's "
                f"prefix_length is {spec.prefix_length}; every cidr must be "
                f"/{spec.prefix_length}"
            )
        if not net.subnet_of(vpc):
            raise PlanError(f"tier {spec.name!r} cidr {net} for {az} is outside the VPC {vpc}")
        nets.append(net)
    return nets


def _safe_prefix(spec: TierSpec, vpc: ipaddress.IPv4Network) -> int:
    prefix = spec.prefix_length
    return prefix if _is_int(prefix) and vpc.prefixlen < prefix <= 32 else 24


def _first_slot(spec: TierSpec, vpc: ipaddress.IPv4Network, used: int, size: int, high_water: int) -> int:
    total = vpc.num_addresses // size
    if spec.offset is None:
        start = -(-high_water // size)  # ceiling division: align up to the tier's size
        if start + used > total:
            raise PlanError(
                f"tier {spec.name!r} is placed automatically at offset {start} (after the slots "
                f"reserved by earlier tiers) and needs {used} subnets of /{spec.prefix_length}, "
                f"but the VPC {vpc} holds only {total}; set an explicit offset, lower earlier "
                "tiers' reserved_azs, or use a larger VPC"
            )
        return start
    if not _is_int(spec.offset) or spec.offset < 0:
        raise PlanError(
            f"tier {spec.name!r} has offset={spec.offset!r}; allowed: a whole number >= 0 "
            "(counted in subnets of the tier's size) or None for automatic placement"
        )
    if spec.offset + used > total:
        raise PlanError(
            f"tier {spec.name!r} needs {used} subnets of /{spec.prefix_length} from offset "
            f"{spec.offset} but the VPC {vpc} holds only {total}; allowed offsets: "
            + (f"0 to {total - used}" if total >= used else "none")
        )
    return spec.offset


def _check_overlaps(planned: list[PlannedSubnet]) -> None:
    # CIDR blocks either nest or are disjoint, so after sorting by start address
    # (largest first on ties) a block overlaps an earlier one iff it starts before
    # the furthest end seen so far.
    nets = [(ipaddress.IPv4Network(s.cidr), s) for s in planned]
    nets.sort(key=lambda item: (int(item[0].network_address), -item[0].num_addresses))
    widest: tuple[ipaddress.IPv4Network, PlannedSubnet] | None = None
    for net, subnet in nets:
        if widest is not None and net.network_address <= widest[0].broadcast_address:
            other_net, other = widest
            raise PlanError(
                f"tier {other.tier!r} subnet {other_net} ({other.az}) overlaps tier "
                f"{subnet.tier!r} subnet {net} ({subnet.az}); every subnet needs its own "
                "range: change an offset, prefix_length or cidrs"
            )
        if widest is None or net.broadcast_address > widest[0].broadcast_address:
            widest = (net, subnet)
