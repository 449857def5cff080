"""The `network` section: the VPC, its subnet tiers, flow logs and endpoints."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from groundwork.stacks.config._base import _check_retention, _Strict

TIER_NAME = r"^[a-z][a-z0-9-]{0,19}$"
REQUIRED_TIERS = {"public": "public", "compute": "private", "data": "isolated"}


class TierConfig(_Strict):
    """One subnet tier: one subnet per AZ, all of one size, routed by purpose."""

    name: Annotated[str, Field(pattern=TIER_NAME)]
    """Tier name; `public`, `compute` and `data` are required and hold the ALB/NAT, the tasks
    and the databases."""
    routing: Literal["public", "private", "isolated"]
    """public -> internet gateway; private -> the NAT (gateway or instance, per `network.nat`);
    isolated -> no route off the VPC."""
    prefix_length: Annotated[int, Field(ge=16, le=28)] = 24
    """Size of each subnet of the tier (default /24: 251 usable addresses per AZ)."""
    az_count: Annotated[int, Field(ge=1, le=6)] | None = None
    """Use only the first N AZs (default: every AZ of the VPC)."""
    offset: Annotated[int, Field(ge=0)] | None = None
    """Index of the tier's first subnet, in subnets of its own size from the VPC base.
    Default: placed after the previous tier's reserved block. Explicit offsets keep CIDRs
    stable forever, which is why the seed tiers pin them."""
    cidrs: list[str] = Field(default_factory=list)
    """Explicit CIDRs, one per AZ in order (default: computed from offset)."""
    reserved_azs: Annotated[int, Field(ge=1, le=6)] = 6
    """Subnet slots the tier reserves so AZs can be added later without moving anything
    (default 6: the most AZs any AWS region has)."""


def _seed_tiers() -> list[TierConfig]:
    """The seed 003 layout: 10.0.1-3.0/24 public, .10-12 compute, .20-22 data, .30-31 messaging."""
    return [
        TierConfig(name="public", routing="public", offset=1),
        TierConfig(name="compute", routing="private", offset=10),
        TierConfig(name="data", routing="isolated", offset=20),
        TierConfig(name="messaging", routing="isolated", offset=30, az_count=2),
    ]


NAT_INSTANCE_FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "t4g": ("arm64", ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge")),
    "t3": ("x86_64", ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge")),
    "t3a": ("x86_64", ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge")),
    "c7g": ("arm64", ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
                      "16xlarge")),
    "c6gn": ("arm64", ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
                       "16xlarge")),
}
"""Instance families a NAT instance may use -> (AMI architecture, sizes): burstable t4g/t3/t3a for
light egress, compute-optimised c7g and network-optimised c6gn for sustained bandwidth. Graviton
families (the `g`) boot the arm64 Amazon Linux 2023 AMI, the others x86_64."""


def nat_instance_architecture(instance_type: str) -> str:
    """AMI architecture of a NAT instance type (`arm64` for Graviton families, else `x86_64`)."""
    return NAT_INSTANCE_FAMILIES[instance_type.split(".", 1)[0]][0]


InterfaceEndpoint = Literal["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts", "kms", "ssm"]
INTERFACE_ENDPOINTS: tuple[str, ...] = get_args(InterfaceEndpoint)


class FlowLogsConfig(_Strict):
    """VPC flow logs (FSBP EC2.6): always on; only retention and filter are choices."""

    retention_days: int = 365
    """CloudWatch retention of flow logs (default 365 days in prod, 30 in dev)."""
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    """Which traffic to log (default ALL, as FSBP EC2.6 asks)."""

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        return _check_retention(v)


class EndpointsConfig(_Strict):
    """VPC endpoints: keep AWS API traffic off the NAT (cheaper, and private)."""

    s3_gateway: bool = True
    """S3 gateway endpoint on the private route tables (default on: free, and ECR layers come
    from S3)."""
    interface: list[InterfaceEndpoint] = Field(default_factory=list)
    """Interface endpoints with private DNS and their own security group (443 from the VPC).
    Default none: each costs ~$7.30/month per AZ; worth it when NAT traffic is heavy or NAT is
    `none`."""


class NetworkConfig(_Strict):
    """The VPC and its subnet plan."""

    cidr: str = "10.0.0.0/16"
    """VPC CIDR (default 10.0.0.0/16, the seed's). AWS allows /16 to /28."""
    az_count: Annotated[int, Field(ge=1, le=6)] = 3
    """Availability zones to use (default 3 in prod, 2 in dev). ALBs and subnet groups need 2."""
    availability_zones: list[str] | None = None
    """Explicit AZ names (default: the region's first `az_count` AZs, from a static table so
    the order never changes under an existing plan)."""
    nat: Literal["none", "single", "per_az", "instance"] = "per_az"
    """NAT strategy: per_az (default in prod: an AZ outage does not cut egress), single (dev:
    one NAT gateway, ~$33/month instead of three), none (no egress; needs interface endpoints),
    instance (dev/test only, refused in prod: one NAT instance, fck-nat style, in the first AZ's
    public subnet, ~$3/month for a t4g.nano instead of ~$33 for a NAT gateway; it is a single
    point of failure for every private subnet's egress, recovered by EC2 but not redundant, and
    its throughput is limited by `nat_instance_type`)."""
    nat_instance_type: str = "t4g.nano"
    """Instance type of the NAT instance when `nat` is `instance` (default t4g.nano: bursts up to
    5 Gbps, sustains far less): a t4g, t3, t3a, c7g or c6gn size. The Amazon Linux 2023 AMI
    follows the family: arm64 for Graviton (t4g, c7g, c6gn), x86_64 for t3/t3a."""
    tiers: list[TierConfig] = Field(default_factory=_seed_tiers)
    """Subnet tiers (default: the seed's public/compute/data/messaging /24 layout)."""
    flow_logs: FlowLogsConfig = Field(default_factory=FlowLogsConfig)
    """VPC flow logs to a KMS-encrypted log group (always on)."""
    endpoints: EndpointsConfig = Field(default_factory=EndpointsConfig)
    """VPC endpoints (default: S3 gateway only)."""

    @field_validator("nat_instance_type")
    @classmethod
    def _nat_instance_type(cls, v: str) -> str:
        family, _, size = v.partition(".")
        if family not in NAT_INSTANCE_FAMILIES:
            raise ValueError(f"must be a {', '.join(NAT_INSTANCE_FAMILIES)} instance type such as "
                             f"t4g.nano or c7g.medium (got {v!r})")
        sizes = NAT_INSTANCE_FAMILIES[family][1]
        if size not in sizes:
            raise ValueError(f"{family} has no size {size!r}; sizes: {', '.join(sizes)} "
                             f"(got {v!r})")
        return v

    @property
    def nat_instance_architecture(self) -> str:
        """arm64 or x86_64: the architecture of `nat_instance_type` (and so of its AMI)."""
        return nat_instance_architecture(self.nat_instance_type)

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        try:
            net = ipaddress.IPv4Network(v, strict=True)
        except ValueError as exc:
            raise ValueError(f"must be an IPv4 network such as 10.0.0.0/16 ({exc})") from None
        if not 16 <= net.prefixlen <= 28:
            raise ValueError(f"prefix /{net.prefixlen} is outside AWS's VPC range /16 to /28")
        return v

    def plan(self, region: str) -> Any:
        """The subnet plan of this config (pure; raises PlanError if the layout doesn't fit)."""
        from groundwork.components.network.planner import TierSpec, availability_zones, plan_subnets

        azs = availability_zones(region, self.az_count, self.availability_zones)
        return plan_subnets(self.cidr, azs, [
            TierSpec(name=t.name, routing=t.routing, prefix_length=t.prefix_length,
                     az_count=t.az_count, offset=t.offset, cidrs=tuple(t.cidrs),
                     reserved_azs=t.reserved_azs)
            for t in self.tiers
        ])

    @model_validator(mode="after")
    def _tiers(self) -> NetworkConfig:
        names = [t.name for t in self.tiers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"tiers: duplicate tier name(s) {', '.join(dupes)}")
        for name, routing in REQUIRED_TIERS.items():
            tier = next((t for t in self.tiers if t.name == name), None)
            if tier is None:
                raise ValueError(
                    f"tiers: a tier named '{name}' (routing {routing}) is required; "
                    f"have {', '.join(names) or 'none'}"
                )
            if tier.routing != routing:
                raise ValueError(f"tiers: tier '{name}' must have routing {routing}")
        if self.availability_zones is not None and len(self.availability_zones) < self.az_count:
            raise ValueError(
                f"availability_zones lists {len(self.availability_zones)} AZs but az_count is "
                f"{self.az_count}"
            )
        return self
