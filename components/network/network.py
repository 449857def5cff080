"""`Network`: the VPC, built from a pure subnet plan (`components.network.planner`).

`Network(name, NetworkArgs(...), opts)`. Routing is by purpose, not by position: a `public` tier
routes to the internet gateway, a `private` tier to the NAT of its own AZ (or the single NAT
gateway, or the NAT instance's network interface), an `isolated` tier nowhere off the VPC. One
route table per (tier, AZ) for private tiers, so an AZ's egress follows its own NAT and a NAT
strategy change only rewrites routes, never subnets. Everything is a pulumi-aws resource
parented to the component, so tests and offline policies see every child (awsx hides them).

Tier names are the caller's: the component needs only what its own logic does (a tier with
routing public when a NAT is wanted; `database_tier` for the RDS / ElastiCache subnet groups).
Every child's logical name starts with the component's name and every AWS name with
`<name_prefix>-<name>`, so a stack can hold any number of networks.

Always on, not configurable: DNS support and hostnames, no public IPs auto-assigned (EC2.15), the
default security group taken over with no rules (EC2.2), the default network ACL taken over with
SSH and RDP from the internet denied ahead of its allow-all (EC2.21, `default_nacl_entries`), flow
logs to a KMS-encrypted log group (EC2.6) through a role that may write only there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input, check_retention
from groundwork.components.base import AccountContext, account_for, child_opts, component_naming
from groundwork.components.network.planner import (
    SEED_TIERS,
    PlannedSubnet,
    SubnetPlan,
    TierSpec,
    availability_zones,
    check_tiers,
    parse_vpc_cidr,
    plan_subnets,
)

# --------------------------------------------------------------------------------------------
# settings and args
# --------------------------------------------------------------------------------------------

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


InterfaceEndpoint = Literal["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts", "kms", "ssm",
                            "sqs", "monitoring"]
"""Interface endpoints a network may add: what the tasks call (images, logs, secrets, keys,
queues, CloudWatch metrics from the app)."""
INTERFACE_ENDPOINTS: tuple[str, ...] = get_args(InterfaceEndpoint)
NatStrategy = Literal["none", "single", "per_az", "instance"]


class FlowLogsSettings(ArgsModel):
    """VPC flow logs (FSBP EC2.6): always on; only retention and filter are choices."""

    retention_days: int = 365
    """CloudWatch retention of the flow logs (default 365 days: a year of traffic records for
    an investigation)."""
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    """Which traffic to log (default ALL, as FSBP EC2.6 asks)."""

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        return check_retention(v)


class EndpointsSettings(ArgsModel):
    """VPC endpoints: keep AWS API traffic off the NAT (cheaper, and private)."""

    s3_gateway: bool = True
    """S3 gateway endpoint on the non-public route tables (default on: free, and ECR layers
    come from S3)."""
    interface: list[InterfaceEndpoint] = Field(default_factory=list)
    """Interface endpoints with private DNS and their own security group (443 from the VPC).
    Default none: each costs ~$7.30/month per AZ; worth it when NAT traffic is heavy or NAT is
    `none`."""
    ec2_interface: bool = True
    """Interface endpoint for the EC2 API (`com.amazonaws.<region>.ec2`), with the others in the
    first private tier (default on: FSBP EC2.10, EC2 API calls from inside the VPC stay off the
    internet; ~$7.30/month per AZ plus $0.01/GB)."""


class NetworkSettings(ArgsModel):
    """The VPC and its subnet plan."""

    cidr: str = "10.0.0.0/16"
    """VPC CIDR (default 10.0.0.0/16: 65,536 private addresses). AWS allows /16 to /28."""
    az_count: Annotated[int, Field(ge=1, le=6)] = 3
    """Availability zones to use (default 3: the network, and what runs in it, survives an AZ
    outage with capacity to spare). ALBs and RDS subnet groups need at least 2."""
    availability_zones: list[str] | None = None
    """Explicit AZ names (default: the region's first `az_count` AZs, from a static table so
    the order never changes under an existing plan)."""
    nat: NatStrategy = "per_az"
    """NAT strategy (default per_az: one NAT gateway per AZ, so an AZ outage does not cut the
    others' egress). single: one NAT gateway for every AZ (~$33/month instead of one per AZ;
    egress depends on its AZ). none: no egress (use interface endpoints). instance: one NAT
    instance, fck-nat style, in the first AZ's public subnet (~$3/month for a t4g.nano): a
    single point of failure for every private subnet's egress, recovered by EC2 but not
    redundant, its throughput limited by `nat_instance_type`; for development and tests."""
    nat_instance_type: str = "t4g.nano"
    """Instance type of the NAT instance when `nat` is `instance` (default t4g.nano: bursts up to
    5 Gbps, sustains far less): a t4g, t3, t3a, c7g or c6gn size. The Amazon Linux 2023 AMI
    follows the family: arm64 for Graviton (t4g, c7g, c6gn), x86_64 for t3/t3a."""
    tiers: list[TierSpec] = Field(default_factory=lambda: list(SEED_TIERS))
    """Subnet tiers, in plan order (default: public/compute/data/messaging /24 tiers at
    offsets 1/10/20/30, `planner.SEED_TIERS`). Names are free; a NAT needs a tier with
    routing public."""
    flow_logs: FlowLogsSettings = Field(default_factory=FlowLogsSettings)
    """VPC flow logs to a KMS-encrypted log group: always on (default: ALL traffic, kept 365
    days)."""
    endpoints: EndpointsSettings = Field(default_factory=EndpointsSettings)
    """VPC endpoints (default: the S3 gateway and the EC2 API interface endpoint)."""
    block_public_access_exclusions: bool = True
    """Exclude the public tiers' subnets from VPC Block Public Access, both ways (default on:
    with the account baseline's block-ingress (FSBP EC2.172) the ALB and a NAT instance stay
    reachable and everything else in the VPC stays unreachable; free, and harmless while the
    account's BPA is off)."""

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        return str(parse_vpc_cidr(v))

    @field_validator("tiers")
    @classmethod
    def _tier_list(cls, v: list[TierSpec]) -> list[TierSpec]:
        check_tiers(v)
        return v

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

    @model_validator(mode="after")
    def _layout(self) -> NetworkSettings:
        if self.nat != "none" and not any(t.routing == "public" for t in self.tiers):
            raise ValueError(
                f"nat {self.nat} needs a tier with routing public for the NAT (tiers: "
                f"{', '.join(f'{t.name} ({t.routing})' for t in self.tiers)}); add one or set "
                "nat none")
        if self.availability_zones is not None and len(self.availability_zones) < self.az_count:
            raise ValueError(
                f"availability_zones lists {len(self.availability_zones)} AZs but az_count is "
                f"{self.az_count}"
            )
        return self

    @property
    def nat_instance_architecture(self) -> str:
        """arm64 or x86_64: the architecture of `nat_instance_type` (and so of its AMI)."""
        return nat_instance_architecture(self.nat_instance_type)

    def plan(self, region: str) -> SubnetPlan:
        """The subnet plan of these settings in `region` (pure; raises PlanError if the layout
        doesn't fit)."""
        azs = availability_zones(region, self.az_count, self.availability_zones)
        return plan_subnets(self.cidr, azs, self.tiers)


_LOG_GROUP_NAME = re.compile(r"^[\.\-_/#A-Za-z0-9]{1,512}$")
_DB_SUBNET_GROUP_NAME = re.compile(r"^[a-z0-9 ._-]{1,255}$")
_CACHE_SUBNET_GROUP_NAME = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,254}(?<!-)$")


class NetworkArgs(ComponentArgs, NetworkSettings):
    """Everything `Network` takes: its settings plus what it connects to and the names it keeps."""

    logs_key_arn: Input[str] | None = None
    """KMS key of the flow-log group (required, e.g. `EnvironmentKeys.logs`)."""
    database_tier: str | None = "data"
    """The tier whose subnets make the RDS and ElastiCache subnet groups (default "data", the
    seed's isolated tier); any private or isolated tier, or None for no subnet groups."""
    subnet_plan: SubnetPlan | None = None
    """A subnet plan computed before (default none: planned here from the settings and the
    region); it must be the plan of these settings."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""
    flow_log_group_name: str = ""
    """Name of the flow-log group (default "": `/groundwork/<prefix>-<name>/vpc-flow-logs`). Set
    it only to keep the log group (and its records) of a network created before."""
    db_subnet_group_name: str = ""
    """Name of the RDS subnet group (default "": `<prefix>-<name>-db`). Set it only to keep a
    group created before: renaming it moves the databases that use it."""
    cache_subnet_group_name: str = ""
    """Name of the ElastiCache subnet group (default "": `<prefix>-<name>-cache`). Set it only
    to keep a group created before: renaming it replaces the caches that use it."""
    legacy_child_aliases: bool = False
    """Alias every child to its name before 0.2.0 (`vpc`, `igw`, `public-us-east-1a`...), so a
    network created by an older groundwork is moved, not replaced (default false: a new network
    has no old names; at most one network of a stack may set it, as two would claim the same
    old names)."""

    @field_validator("flow_log_group_name")
    @classmethod
    def _log_group(cls, v: str) -> str:
        if v and not _LOG_GROUP_NAME.match(v):
            raise ValueError(f"{v!r} is not a CloudWatch Logs group name (1-512 letters, digits "
                             "and . - _ / #)")
        return v

    @field_validator("db_subnet_group_name")
    @classmethod
    def _db_group(cls, v: str) -> str:
        if v and (not _DB_SUBNET_GROUP_NAME.match(v) or v == "default"):
            raise ValueError(f"{v!r} is not an RDS subnet group name (1-255 lowercase letters, "
                             "digits, spaces, '.', '_' and '-'; not 'default')")
        return v

    @field_validator("cache_subnet_group_name")
    @classmethod
    def _cache_group(cls, v: str) -> str:
        if v and not _CACHE_SUBNET_GROUP_NAME.match(v):
            raise ValueError(f"{v!r} is not an ElastiCache subnet group name (a lowercase letter, "
                             "then lowercase letters, digits and single hyphens, <= 255, no "
                             "trailing hyphen)")
        return v

    @model_validator(mode="after")
    def _wiring(self) -> NetworkArgs:
        routing = {t.name: t.routing for t in self.tiers}
        if self.database_tier is not None:
            if self.database_tier not in routing:
                raise ValueError(
                    f"NetworkArgs.database_tier {self.database_tier!r} is not a tier (tiers: "
                    f"{', '.join(routing)}); name one of them, or None for no subnet groups")
            if routing[self.database_tier] == "public":
                raise ValueError(
                    f"NetworkArgs.database_tier {self.database_tier!r} has routing public; "
                    "databases and caches belong in a private or isolated tier")
        plan = self.subnet_plan
        if plan is not None:
            if not isinstance(plan, SubnetPlan):
                raise ValueError("NetworkArgs.subnet_plan must be a SubnetPlan (plan_subnets, "
                                 "NetworkSettings.plan)")
            planned = [(s.tier, s.routing) for s in plan.subnets]
            wanted = [(t.name, t.routing) for t in self.tiers]
            if plan.vpc_cidr != self.cidr or list(dict.fromkeys(planned)) != wanted:
                raise ValueError(
                    f"NetworkArgs.subnet_plan is not a plan of these settings (it plans "
                    f"{plan.vpc_cidr} with tiers {', '.join(plan.tier_names)}; the settings say "
                    f"{self.cidr} with {', '.join(routing)})")
            if len(plan.azs) != self.az_count:
                raise ValueError(f"NetworkArgs.subnet_plan covers {len(plan.azs)} AZs but "
                                 f"az_count is {self.az_count}")
        return self


ENDPOINT_PORT = 443
ADMIN_PORTS = (22, 3389)
"""SSH and RDP: the default network ACL never admits them from the internet (FSBP EC2.21)."""


def default_nacl_entries(vpc_cidr: str, ipv6_cidr: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The default network ACL's `ingress` and `egress` entries (pure, so tests read them
    without Pulumi). ACLs are stateless and evaluated lowest rule number first, the first match
    deciding:

    - 90: everything from inside the VPC. Replies between subnets land on ephemeral ports
      (an ALB talks to its targets from ports 1024-65535, 3389 among them), so VPC-internal
      traffic is let through before the denies ever see it; security groups filter it.
    - 100-113: deny TCP and UDP 22 and 3389 from 0.0.0.0/0 (and ::/0 with an IPv6 CIDR).
    - 200: allow the rest from anywhere: HTTPS to the ALB, and the replies to the VPC's egress
      (NAT gateways use source ports 1024-65535, tasks 32768-60999).
    - egress 100: allow everything (replies to clients go to their ephemeral ports).

    The one cost: a reply from the internet to a connection a NAT gateway translated to source
    port 3389 is dropped, so about one outbound connection in 64,000 through NAT times out and
    is retried (docs/network.md)."""
    world = [("cidr_block", "0.0.0.0/0")] + ([("ipv6_cidr_block", "::/0")] if ipv6_cidr else [])
    inside = [("cidr_block", vpc_cidr)] + ([("ipv6_cidr_block", ipv6_cidr)] if ipv6_cidr else [])

    def entry(rule_no: int, action: str, protocol: str, source: tuple[str, str],
              port: int = 0) -> dict[str, Any]:
        return {"rule_no": rule_no, "action": action, "protocol": protocol,
                "from_port": port, "to_port": port, source[0]: source[1]}

    ingress = [entry(90 + i, "allow", "-1", src) for i, src in enumerate(inside)]
    for p, port in enumerate(ADMIN_PORTS):
        for q, protocol in enumerate(("tcp", "udp")):
            for i, src in enumerate(world):
                ingress.append(entry(100 + 10 * p + 2 * i + q, "deny", protocol, src, port))
    ingress += [entry(200 + i, "allow", "-1", src) for i, src in enumerate(world)]
    egress = [entry(100 + i, "allow", "-1", src) for i, src in enumerate(world)]
    return {"ingress": ingress, "egress": egress}

NAT_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
"""Public SSM parameter holding the latest Amazon Linux 2023 AMI id of an architecture."""
NAT_ROOT_VOLUME_GB = 8
"""Root volume of the NAT instance: the AL2023 AMI's snapshot size, the smallest it boots from."""
NAT_INSTANCE_POLICY = "AmazonSSMManagedInstanceCore"
"""The one managed policy of the NAT instance's role: Session Manager for break-glass access
(no SSH, no key pair, no inbound port)."""

NAT_USER_DATA = r"""#!/bin/bash
# groundwork NAT instance (network.nat: instance): forward the VPC's IPv4 egress and masquerade
# it behind this instance's address on its primary interface. cloud-init runs this once, at
# first boot; everything it sets is persistent, so a reboot or an EC2 recovery comes back as a
# NAT without running it again.
set -euo pipefail

# 1. Forwarding, persistent: /etc/sysctl.d is applied at every boot. No ICMP redirects: the
#    private subnets must keep sending through this instance, not be told to go around it.
cat > /etc/sysctl.d/90-groundwork-nat.conf <<'SYSCTL'
net.ipv4.ip_forward = 1
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.send_redirects = 0
SYSCTL
sysctl -p /etc/sysctl.d/90-groundwork-nat.conf

# 2. The primary interface, from the default route: AL2023 names it ens5 on Nitro, not eth0.
IFACE=$(ip -o -4 route show to default | awk '{print $5; exit}')
[ -n "$IFACE" ] || { echo "groundwork-nat: no default route" >&2; exit 1; }

# 3. Masquerade, persistent. AL2023 ships neither an iptables service nor a firewall;
#    iptables-services adds iptables.service, which loads /etc/sysconfig/iptables at every boot
#    (AWS's "Create a NAT AMI" steps for AL2023). The package comes from the AL2023 repositories
#    over the internet, so retry until the Elastic IP is associated (Pulumi associates it once
#    the instance runs). Then replace the package's default rules, whose FORWARD chain rejects
#    everything, with exactly these: the security group is the firewall.
for _ in $(seq 1 60); do
  dnf install -y iptables-services && break
  sleep 10
done
cat > /etc/sysconfig/iptables <<RULES
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o ${IFACE} -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT
RULES
systemctl enable iptables
systemctl restart iptables
"""
"""User data of the NAT instance (the comments in it say why each step)."""


def plan_for(settings: NetworkSettings, region: str) -> SubnetPlan:
    """The subnet plan of network settings in `region` (pure; raises PlanError on a bad
    layout). Same as `settings.plan(region)`."""
    return settings.plan(region)


@dataclass(frozen=True)
class NetworkOutputs:
    """The typed contract other components (and other stacks) consume."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    azs: tuple[str, ...]
    subnet_ids: dict[str, list[pulumi.Output[str]]]
    """Subnet ids per tier, ordered by AZ."""
    route_table_ids: dict[str, list[pulumi.Output[str]]]
    nat_gateway_ids: list[pulumi.Output[str]]
    """NAT gateways only (empty for `nat: instance` and `nat: none`)."""
    db_subnet_group_name: pulumi.Output[str] | None
    """The RDS subnet group over `database_tier` (None when `database_tier` is None)."""
    cache_subnet_group_name: pulumi.Output[str] | None
    """The ElastiCache subnet group over `database_tier` (None when `database_tier` is None)."""
    nat_instance_ids: list[pulumi.Output[str]] = field(default_factory=list)
    """The NAT instance of `nat: instance` (one), else empty."""


class Network(pulumi.ComponentResource):
    """VPC, subnets per tier and AZ, IGW, NAT per strategy (gateways, or one NAT instance),
    route tables by purpose, a closed default security group, a default network ACL that denies
    SSH and RDP from the internet, flow logs to a KMS-encrypted log group, VPC endpoints (S3
    gateway, EC2 and the listed interface endpoints), and RDS / ElastiCache subnet groups on
    `database_tier`.

    `Network(name, NetworkArgs(...), opts)`. Outputs: `outputs` (`NetworkOutputs`: vpc id and
    CIDR, AZs, subnet and route-table ids per tier, NAT ids, subnet group names); `plan` (the
    `SubnetPlan`); the resources `vpc`, `igw`, `subnets` (per tier), `route_tables`,
    `nat_gateways`, `nat_instances`, `default_network_acl`, `flow_log_group`, `flow_log`,
    `s3_endpoint`, `interface_endpoints`, `endpoint_security_group`, `db_subnet_group`,
    `cache_subnet_group`.
    """

    db_subnet_group: aws.rds.SubnetGroup | None
    cache_subnet_group: aws.elasticache.SubnetGroup | None

    def __init__(self, name: str, args: NetworkArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else NetworkArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("Network", name, args)
        if args.logs_key_arn is None:
            raise ValueError(f"Network {name!r}: NetworkArgs.logs_key_arn is required (a KMS key "
                             "ARN for the flow-log group, e.g. EnvironmentKeys.logs)")
        plan = args.subnet_plan
        if plan is None and args.account is not None:
            plan = args.plan(args.account.region)  # a layout that doesn't fit fails here
        super().__init__("groundwork:network:Network", name, None, opts)
        self.args = args
        self._name = name
        self._naming = naming
        self._account = account = account_for(args.account, self)
        self.plan: SubnetPlan = plan if plan is not None else args.plan(account.region)

        vpc_name = naming.name("vpc")
        self.vpc = aws.ec2.Vpc(
            self._child("vpc"),
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=naming.tagged(vpc_name),
            opts=self._opts("vpc"),
        )
        # Take over the default security group with no rules (FSBP EC2.2): anything launched
        # without an explicit group gets no traffic at all.
        aws.ec2.DefaultSecurityGroup(
            self._child("default-sg"),
            vpc_id=self.vpc.id,
            tags=naming.tagged(naming.name("default-sg-closed")),
            opts=self._opts("default-sg"),
        )
        self.igw = aws.ec2.InternetGateway(
            self._child("igw"), vpc_id=self.vpc.id, tags=naming.tagged(naming.name("igw")),
            opts=self._opts("igw"),
        )

        self.subnets: dict[str, list[aws.ec2.Subnet]] = {}
        for s in self.plan.subnets:
            subnet_name = naming.name(s.tier, s.az)
            self.subnets.setdefault(s.tier, []).append(aws.ec2.Subnet(
                self._child(f"{s.tier}-{s.az}"),
                vpc_id=self.vpc.id,
                cidr_block=s.cidr,
                availability_zone=s.az,
                # Nothing here needs an auto-assigned public IP: the ALB and NAT get theirs
                # from AWS / an EIP (FSBP EC2.15).
                map_public_ip_on_launch=False,
                tags=naming.tagged(subnet_name, Tier=s.tier, Routing=s.routing, AZ=s.az),
                opts=self._opts(f"{s.tier}-{s.az}"),
            ))

        self.block_public_access_exclusions = (self._block_public_access_exclusions()
                                               if args.block_public_access_exclusions else [])
        self.default_network_acl = self._default_network_acl()
        self.nat_gateways = self._nat_gateways()
        self.nat_instances = self._nat_instances()
        self.route_tables = self._route_tables()
        self._flow_logs(args.logs_key_arn)
        self.s3_endpoint = self._s3_endpoint() if args.endpoints.s3_gateway else None
        self.endpoint_security_group: aws.ec2.SecurityGroup | None = None
        self.interface_endpoints = self._interface_endpoints()
        self.db_subnet_group, self.cache_subnet_group = self._subnet_groups()

        self.outputs = NetworkOutputs(
            vpc_id=self.vpc.id,
            vpc_cidr=args.cidr,
            azs=self.plan.azs,
            subnet_ids={t: [s.id for s in subs] for t, subs in self.subnets.items()},
            route_table_ids={t: [rt.id for rt in rts] for t, rts in self.route_tables.items()},
            nat_gateway_ids=[n.id for n in self.nat_gateways],
            db_subnet_group_name=self.db_subnet_group.name if self.db_subnet_group else None,
            cache_subnet_group_name=(self.cache_subnet_group.name if self.cache_subnet_group
                                     else None),
            nat_instance_ids=[i.id for i in self.nat_instances],
        )
        self.register_outputs({
            "vpc_id": self.vpc.id,
            "subnet_ids": self.outputs.subnet_ids,
            "nat_gateway_ids": self.outputs.nat_gateway_ids,
            "nat_instance_ids": self.outputs.nat_instance_ids,
        })

    # ---------------------------------------------------------------------------------------

    def _child(self, part: str) -> str:
        """A child's logical name: `<component name>-<part>`."""
        return f"{self._name}-{part}"

    def _opts(self, part: str, **kwargs: Any) -> pulumi.ResourceOptions:
        """A child's options: parented, and aliased to its pre-0.2.0 name `part` when
        `legacy_child_aliases` is on."""
        if self.args.legacy_child_aliases:
            kwargs["aliases"] = [pulumi.Alias(name=part)]
        return child_opts(self, **kwargs)

    def _block_public_access_exclusions(self) -> list[aws.ec2.VpcBlockPublicAccessExclusion]:
        """One allow-bidirectional exclusion per public-tier subnet: VPC Block Public Access
        (an account setting) then blocks the internet everywhere else (docs/network.md)."""
        exclusions = []
        for tier, subnets in self.subnets.items():
            planned = self.plan.tier(tier)
            if planned[0].routing != "public":
                continue
            for p, subnet in zip(planned, subnets, strict=True):
                exclusions.append(aws.ec2.VpcBlockPublicAccessExclusion(
                    self._child(f"{tier}-{p.az}-bpa-exclusion"),
                    subnet_id=subnet.id,
                    internet_gateway_exclusion_mode="allow-bidirectional",
                    tags=self._naming.tagged(self._naming.name(tier, p.az, "bpa-exclusion")),
                    opts=self._opts(f"{tier}-{p.az}-bpa-exclusion"),
                ))
        return exclusions

    def _default_network_acl(self) -> aws.ec2.DefaultNetworkAcl:
        """Take over the VPC's default network ACL (FSBP EC2.21): SSH and RDP from the internet
        denied ahead of an allow-all (`default_nacl_entries`). Every subnet is listed: they stay
        on the default ACL, and listing them keeps the provider from planning to "remove" the
        associations AWS makes by itself on every run. Adopting the ACL replaces AWS's entries:
        for a moment during the first `pulumi up` it has none (docs/network.md)."""
        entries = default_nacl_entries(self.args.cidr)
        acl_name = self._naming.name("default-nacl")
        return aws.ec2.DefaultNetworkAcl(
            self._child("default-nacl"),
            default_network_acl_id=self.vpc.default_network_acl_id,
            ingress=[aws.ec2.DefaultNetworkAclIngressArgs(**e) for e in entries["ingress"]],
            egress=[aws.ec2.DefaultNetworkAclEgressArgs(**e) for e in entries["egress"]],
            subnet_ids=[s.id for subnets in self.subnets.values() for s in subnets],
            tags=self._naming.tagged(acl_name),
            opts=self._opts("default-nacl"),
        )

    def _subnet_groups(self) -> tuple[aws.rds.SubnetGroup | None, aws.elasticache.SubnetGroup | None]:
        """The RDS and ElastiCache subnet groups over `database_tier` (none without one)."""
        tier = self.args.database_tier
        if tier is None:
            return None, None
        n = self._naming
        ids = [s.id for s in self.subnets[tier]]
        db_name = self.args.db_subnet_group_name or n.name("db")
        cache_name = self.args.cache_subnet_group_name or n.name("cache")
        db = aws.rds.SubnetGroup(
            self._child("db-subnets"),
            name=db_name,
            description=f"{n.prefix} databases ({tier} tier)",
            subnet_ids=ids,
            tags=n.tagged(db_name, Tier=tier),
            opts=self._opts("db-subnets"),
        )
        cache = aws.elasticache.SubnetGroup(
            self._child("cache-subnets"),
            name=cache_name,
            description=f"{n.prefix} caches ({tier} tier)",
            subnet_ids=ids,
            tags=n.tagged(cache_name, Tier=tier),
            opts=self._opts("cache-subnets"),
        )
        return db, cache

    # ---------------------------------------------------------------------------------------

    def _public_subnets(self) -> list[PlannedSubnet]:
        return [s for s in self.plan.subnets if s.routing == "public"]

    def _nat_home_tier(self) -> str:
        """The first public tier: where NAT gateways and the NAT instance live."""
        public = self._public_subnets()
        if not public:
            raise ValueError(f"NetworkArgs.nat {self.args.nat} needs a tier with routing "
                             "public for the NAT")
        return public[0].tier

    def _nat_gateways(self) -> list[aws.ec2.NatGateway]:
        """NAT gateways in the first public tier: one per AZ (per_az), one in the first AZ
        (single), or none (`none`, and `instance`, which builds `_nat_instances` instead). Each
        with its own Elastic IP, named and tagged by AZ."""
        strategy = self.args.nat
        if strategy not in ("per_az", "single"):
            return []
        tier = self._nat_home_tier()
        homes = self.plan.tier(tier) if strategy == "per_az" else self.plan.tier(tier)[:1]
        gateways = []
        subnets_by_az = {s.az: sub for s, sub in zip(self.plan.tier(tier), self.subnets[tier],
                                                     strict=True)}
        for home in homes:
            eip = aws.ec2.Eip(
                self._child(f"nat-eip-{home.az}"),
                domain="vpc",
                tags=self._naming.tagged(self._naming.name("nat", home.az), AZ=home.az),
                opts=self._opts(f"nat-eip-{home.az}", depends_on=[self.igw]),
            )
            gateways.append(aws.ec2.NatGateway(
                self._child(f"nat-{home.az}"),
                allocation_id=eip.allocation_id,
                subnet_id=subnets_by_az[home.az].id,
                connectivity_type="public",
                tags=self._naming.tagged(self._naming.name("nat", home.az), AZ=home.az),
                opts=self._opts(f"nat-{home.az}", depends_on=[self.igw]),
            ))
        return gateways

    def nat_for(self, az: str) -> aws.ec2.NatGateway | None:
        """The NAT gateway a private subnet in `az` uses: its own AZ's if there is one, else the
        first (None without NAT gateways; see `nat_instances` for `nat: instance`)."""
        if not self.nat_gateways:
            return None
        for gw, az_name in zip(self.nat_gateways, self._nat_azs(), strict=True):
            if az_name == az:
                return gw
        return self.nat_gateways[0]

    def _nat_azs(self) -> list[str]:
        public = self._public_subnets()
        tier = public[0].tier
        azs = [s.az for s in self.plan.tier(tier)]
        return azs if self.args.nat == "per_az" else azs[:1]

    def _nat_instances(self) -> list[aws.ec2.Instance]:
        """`nat: instance`: ONE NAT instance (fck-nat style) in the first AZ's public subnet, for
        development and tests (not redundant). Amazon Linux 2023 for the instance type's
        architecture, source/destination check off (it forwards other hosts' packets), IMDSv2
        only, an encrypted gp3 root volume, no key pair (Session Manager through a role with
        only AmazonSSMManagedInstanceCore), user data that turns on forwarding and masquerade
        persistently, a security group admitting only the VPC, and an Elastic IP. EC2 recovers
        it on a host failure (the `nat-instance-status-check` alarm's recover action)."""
        if self.args.nat != "instance":
            return []
        tier = self._nat_home_tier()
        home = self.plan.tier(tier)[0]
        subnet = self.subnets[tier][0]
        n = self._naming
        name = n.name("nat", home.az)
        arch = self.args.nat_instance_architecture

        sg_name = n.name("nat-instance")
        sg = aws.ec2.SecurityGroup(
            self._child("nat-instance-sg"),
            name=sg_name,
            description="NAT instance: forwards egress from inside the VPC only",
            vpc_id=self.vpc.id,
            tags=n.tagged(sg_name, AZ=home.az, Group="nat-instance"),
            opts=self._opts("nat-instance-sg"),
        )
        # Ingress: whatever the private subnets send out (TCP, UDP, and ICMP for ping and path
        # MTU discovery), from the VPC CIDR only: nothing from the internet reaches it.
        for proto, lo, hi, what in (("tcp", 0, 65535, "TCP"), ("udp", 0, 65535, "UDP"),
                                    ("icmp", -1, -1, "ICMP")):
            aws.vpc.SecurityGroupIngressRule(
                self._child(f"nat-instance-{proto}-from-vpc"),
                security_group_id=sg.id,
                description=f"{what} from inside the VPC, to be forwarded to the internet",
                ip_protocol=proto,
                from_port=lo,
                to_port=hi,
                cidr_ipv4=self.args.cidr,
                opts=self._opts(f"nat-instance-{proto}-from-vpc"),
            )
        # Egress: anywhere, any protocol. The security group also filters the forwarded
        # packets leaving the instance, so this is the VPC's egress policy, as with a gateway.
        aws.vpc.SecurityGroupEgressRule(
            self._child("nat-instance-egress"),
            security_group_id=sg.id,
            description="Forwarded VPC egress and the instance OS updates, to the internet",
            ip_protocol="-1",
            cidr_ipv4="0.0.0.0/0",
            opts=self._opts("nat-instance-egress"),
        )

        role_name = n.name("nat-instance", max_length=64)
        role = aws.iam.Role(
            self._child("nat-instance-role"),
            name=role_name,
            description=f"{n.prefix} NAT instance: Session Manager only",
            assume_role_policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Principal": {"Service": self._account.service_principal("ec2")}}],
            }),
            tags=n.tagged(role_name),
            opts=self._opts("nat-instance-role"),
        )
        aws.iam.RolePolicyAttachment(
            self._child("nat-instance-ssm"),
            role=role.name,
            policy_arn=f"arn:{self._account.partition}:iam::aws:policy/{NAT_INSTANCE_POLICY}",
            opts=self._opts("nat-instance-ssm"),
        )
        profile = aws.iam.InstanceProfile(
            self._child("nat-instance-profile"),
            name=role_name,
            role=role.name,
            tags=n.tagged(role_name),
            opts=self._opts("nat-instance-profile"),
        )

        # The AMI is resolved here, not with ami="resolve:ssm:...": the AWS provider looks up
        # the root device of `ami` with DescribeImages when root_block_device is set, which
        # fails on a resolve:ssm: string (terraform-provider-aws #43488), and it would plan a
        # replacement on every run, the instance reading back its real ami-... id (#43364).
        ami = aws.ssm.get_parameter_output(
            name=NAT_AMI_PARAMETER.format(arch=arch),
            opts=pulumi.InvokeOutputOptions(parent=self),
        ).insecure_value  # a public, non-secret value: `value` would mark the AMI id secret
        instance = aws.ec2.Instance(
            self._child(f"nat-instance-{home.az}"),
            ami=ami,
            instance_type=self.args.nat_instance_type,
            subnet_id=subnet.id,
            vpc_security_group_ids=[sg.id],
            iam_instance_profile=profile.name,
            source_dest_check=False,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=1,
            ),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                volume_type="gp3",
                volume_size=NAT_ROOT_VOLUME_GB,
                encrypted=True,
                delete_on_termination=True,
            ),
            user_data=NAT_USER_DATA,
            # user data runs at first boot only: a changed script needs a new instance
            user_data_replace_on_change=True,
            volume_tags=n.tagged(name, AZ=home.az),
            tags=n.tagged(name, AZ=home.az, Role="nat-instance"),
            # A newer AL2023 AMI must not replace the NAT (an egress outage) on an unrelated
            # `pulumi up`: roll it on purpose, `pulumi up --replace <urn>` (docs/network.md).
            opts=self._opts(f"nat-instance-{home.az}", depends_on=[self.igw],
                            ignore_changes=["ami"]),
        )
        # Not the gateway's `nat-eip-<az>`: switching `single` <-> `instance` creates one address
        # and releases the other, instead of moving an address the gateway still holds.
        aws.ec2.Eip(
            self._child(f"nat-instance-eip-{home.az}"),
            domain="vpc",
            instance=instance.id,
            tags=n.tagged(name, AZ=home.az),
            opts=self._opts(f"nat-instance-eip-{home.az}", depends_on=[self.igw]),
        )
        return [instance]

    def _route_tables(self) -> dict[str, list[aws.ec2.RouteTable]]:
        """Public tiers: one table to the IGW. Private tiers: one table per AZ to that AZ's NAT.
        Isolated tiers: one table with only the VPC's local route (and the S3 endpoint)."""
        tables: dict[str, list[aws.ec2.RouteTable]] = {}
        for tier in self.plan.tier_names:
            planned = self.plan.tier(tier)
            routing = planned[0].routing
            per_az = routing == "private"
            groups = [[p] for p in planned] if per_az else [list(planned)]
            tables[tier] = []
            for group in groups:
                suffix = f"{tier}-{group[0].az}" if per_az else tier
                rt_name = self._naming.name("rt", suffix)
                rt = aws.ec2.RouteTable(
                    self._child(f"rt-{suffix}"),
                    vpc_id=self.vpc.id,
                    tags=self._naming.tagged(rt_name, Tier=tier, Routing=routing,
                                             AZ=group[0].az if per_az else ""),
                    opts=self._opts(f"rt-{suffix}"),
                )
                tables[tier].append(rt)
                if routing == "public":
                    aws.ec2.Route(self._child(f"rt-{suffix}-default"), route_table_id=rt.id,
                                  destination_cidr_block="0.0.0.0/0", gateway_id=self.igw.id,
                                  opts=self._opts(f"rt-{suffix}-default"))
                elif routing == "private":
                    nat = self.nat_for(group[0].az)
                    if nat is not None:
                        aws.ec2.Route(self._child(f"rt-{suffix}-default"), route_table_id=rt.id,
                                      destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id,
                                      opts=self._opts(f"rt-{suffix}-default"))
                    elif self.nat_instances:
                        # A NAT instance is a next hop by its network interface (a route
                        # to instance_id is rewritten by AWS to the ENI anyway).
                        aws.ec2.Route(self._child(f"rt-{suffix}-default"), route_table_id=rt.id,
                                      destination_cidr_block="0.0.0.0/0",
                                      network_interface_id=self.nat_instances[0]
                                      .primary_network_interface_id,
                                      opts=self._opts(f"rt-{suffix}-default"))
                subnets_by_az = dict(zip([p.az for p in planned], self.subnets[tier], strict=True))
                for p in group:
                    aws.ec2.RouteTableAssociation(
                        self._child(f"rta-{tier}-{p.az}"), subnet_id=subnets_by_az[p.az].id,
                        route_table_id=rt.id, opts=self._opts(f"rta-{tier}-{p.az}"))
        return tables

    def _flow_logs(self, logs_key_arn: pulumi.Input[str]) -> None:
        """VPC flow logs (FSBP EC2.6) to a KMS-encrypted log group, through a role that may
        write only to that log group."""
        group_name = (self.args.flow_log_group_name
                      or f"/groundwork/{self._naming.prefix}/vpc-flow-logs")
        self.flow_log_group = aws.cloudwatch.LogGroup(
            self._child("flow-logs"),
            name=group_name,
            retention_in_days=self.args.flow_logs.retention_days,
            kms_key_id=logs_key_arn,
            tags=self._naming.tagged(self._naming.name("flow-logs")),
            opts=self._opts("flow-logs"),
        )
        trust = {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": self._account.account_id}},
            }],
        }
        role = aws.iam.Role(
            self._child("flow-logs-role"),
            name=self._naming.name("flow-logs", max_length=64),
            assume_role_policy=pulumi.Output.json_dumps(trust),
            tags=self._naming.tagged(self._naming.name("flow-logs")),
            opts=self._opts("flow-logs-role"),
        )
        aws.iam.RolePolicy(
            self._child("flow-logs-write"),
            role=role.id,
            policy=self.flow_log_group.arn.apply(lambda arn: json.dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents",
                               "logs:DescribeLogStreams"],
                    "Resource": [arn, f"{arn}:*"],
                }],
            })),
            opts=self._opts("flow-logs-write"),
        )
        self.flow_log = aws.ec2.FlowLog(
            self._child("flow-log"),
            vpc_id=self.vpc.id,
            traffic_type=self.args.flow_logs.traffic_type,
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._naming.tagged(self._naming.name("flow-log")),
            opts=self._opts("flow-log"),
        )

    def _private_route_table_ids(self) -> list[pulumi.Output[str]]:
        return [rt.id for tier, rts in self.route_tables.items()
                if self.plan.tier(tier)[0].routing != "public" for rt in rts]

    def _s3_endpoint(self) -> aws.ec2.VpcEndpoint:
        """S3 gateway endpoint on every non-public route table: free, and ECR image layers and
        S3 traffic stop paying NAT data processing."""
        return aws.ec2.VpcEndpoint(
            self._child("s3-endpoint"),
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{self._account.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=self._private_route_table_ids(),
            tags=self._naming.tagged(self._naming.name("s3-endpoint")),
            opts=self._opts("s3-endpoint"),
        )

    def _interface_endpoints(self) -> list[aws.ec2.VpcEndpoint]:
        """Interface endpoints (EC2's when `ec2_interface`, then the listed ones) in the first
        private tier's subnets, behind one security group admitting HTTPS from the VPC CIDR."""
        endpoints = self.args.endpoints
        wanted = (["ec2"] if endpoints.ec2_interface else []) + list(endpoints.interface)
        if not wanted:
            return []
        private = [s for s in self.plan.subnets if s.routing == "private"]
        tier = private[0].tier if private else self.plan.tier_names[0]
        sg_name = self._naming.name("endpoints")
        sg = aws.ec2.SecurityGroup(
            self._child("endpoints-sg"),
            name=sg_name,
            description="Interface VPC endpoints: HTTPS from inside the VPC only",
            vpc_id=self.vpc.id,
            tags=self._naming.tagged(sg_name),
            opts=self._opts("endpoints-sg"),
        )
        aws.vpc.SecurityGroupIngressRule(
            self._child("endpoints-https-from-vpc"),
            security_group_id=sg.id,
            description="HTTPS to AWS APIs from inside the VPC",
            ip_protocol="tcp",
            from_port=ENDPOINT_PORT,
            to_port=ENDPOINT_PORT,
            cidr_ipv4=self.args.cidr,
            opts=self._opts("endpoints-https-from-vpc"),
        )
        self.endpoint_security_group = sg
        return [
            aws.ec2.VpcEndpoint(
                self._child(f"{svc.replace('.', '-')}-endpoint"),
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{self._account.region}.{svc}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self.subnets[tier]],
                security_group_ids=[sg.id],
                tags=self._naming.tagged(self._naming.name(svc.replace(".", "-"), "endpoint")),
                opts=self._opts(f"{svc.replace('.', '-')}-endpoint"),
            )
            for svc in wanted
        ]
