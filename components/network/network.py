"""`Network`: the VPC, built from a pure subnet plan (`components.network.planner`).

Routing is by purpose, not by position: a `public` tier routes to the internet gateway, a
`private` tier to the NAT of its own AZ (or the single NAT), an `isolated` tier nowhere off the
VPC. One route table per (tier, AZ) for private tiers, so an AZ's egress follows its own NAT and a
NAT strategy change only rewrites routes, never subnets. Everything is a pulumi-aws resource
parented to the component, so tests and offline policies see every child (awsx hides them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.base import AccountContext, Naming, child_opts
from components.network.planner import PlannedSubnet, SubnetPlan
from stacks.config import NetworkConfig

ENDPOINT_PORT = 443


def plan_for(config: NetworkConfig, region: str) -> SubnetPlan:
    """The subnet plan of a network config (pure; raises PlanError on a bad layout)."""
    return config.plan(region)


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
    db_subnet_group_name: pulumi.Output[str]
    cache_subnet_group_name: pulumi.Output[str]


class Network(pulumi.ComponentResource):
    """VPC, subnets per tier and AZ, IGW, NAT per strategy, route tables by purpose, a closed
    default security group, flow logs to a KMS-encrypted log group, VPC endpoints, and RDS /
    ElastiCache subnet groups on the data tier."""

    def __init__(
        self,
        name: str,
        config: NetworkConfig,
        *,
        naming: Naming,
        account: AccountContext,
        logs_key_arn: pulumi.Input[str],
        plan: SubnetPlan | None = None,
        data_tier: str = "data",
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("groundwork:network:Network", name, None, opts)
        self.config = config
        self.plan = plan or plan_for(config, account.region)
        self._naming = naming
        self._account = account

        vpc_name = naming.name("vpc")
        self.vpc = aws.ec2.Vpc(
            "vpc",
            cidr_block=config.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=naming.tagged(vpc_name),
            opts=child_opts(self),
        )
        # Take over the default security group with no rules (FSBP EC2.2): anything launched
        # without an explicit group gets no traffic at all.
        aws.ec2.DefaultSecurityGroup(
            "default-sg",
            vpc_id=self.vpc.id,
            tags=naming.tagged(naming.name("default-sg-closed")),
            opts=child_opts(self),
        )
        self.igw = aws.ec2.InternetGateway(
            "igw", vpc_id=self.vpc.id, tags=naming.tagged(naming.name("igw")),
            opts=child_opts(self),
        )

        self.subnets: dict[str, list[aws.ec2.Subnet]] = {}
        for s in self.plan.subnets:
            subnet_name = naming.name(s.tier, s.az)
            self.subnets.setdefault(s.tier, []).append(aws.ec2.Subnet(
                f"{s.tier}-{s.az}",
                vpc_id=self.vpc.id,
                cidr_block=s.cidr,
                availability_zone=s.az,
                # Nothing here needs an auto-assigned public IP: the ALB and NAT get theirs
                # from AWS / an EIP (FSBP EC2.15).
                map_public_ip_on_launch=False,
                tags=naming.tagged(subnet_name, Tier=s.tier, Routing=s.routing, AZ=s.az),
                opts=child_opts(self),
            ))

        self.nat_gateways = self._nat_gateways()
        self.route_tables = self._route_tables()
        self._flow_logs(logs_key_arn)
        self.s3_endpoint = self._s3_endpoint() if config.endpoints.s3_gateway else None
        self.endpoint_security_group: aws.ec2.SecurityGroup | None = None
        self.interface_endpoints = self._interface_endpoints()

        data_ids = [s.id for s in self.subnets[data_tier]]
        self.db_subnet_group = aws.rds.SubnetGroup(
            "db-subnets",
            name=naming.name("db"),
            description=f"{naming.prefix} databases ({data_tier} tier)",
            subnet_ids=data_ids,
            tags=naming.tagged(naming.name("db"), Tier=data_tier),
            opts=child_opts(self),
        )
        self.cache_subnet_group = aws.elasticache.SubnetGroup(
            "cache-subnets",
            name=naming.name("cache"),
            description=f"{naming.prefix} caches ({data_tier} tier)",
            subnet_ids=data_ids,
            tags=naming.tagged(naming.name("cache"), Tier=data_tier),
            opts=child_opts(self),
        )

        self.outputs = NetworkOutputs(
            vpc_id=self.vpc.id,
            vpc_cidr=config.cidr,
            azs=self.plan.azs,
            subnet_ids={t: [s.id for s in subs] for t, subs in self.subnets.items()},
            route_table_ids={t: [rt.id for rt in rts] for t, rts in self.route_tables.items()},
            nat_gateway_ids=[n.id for n in self.nat_gateways],
            db_subnet_group_name=self.db_subnet_group.name,
            cache_subnet_group_name=self.cache_subnet_group.name,
        )
        self.register_outputs({
            "vpc_id": self.vpc.id,
            "subnet_ids": self.outputs.subnet_ids,
            "nat_gateway_ids": self.outputs.nat_gateway_ids,
        })

    # ---------------------------------------------------------------------------------------

    def _public_subnets(self) -> list[PlannedSubnet]:
        return [s for s in self.plan.subnets if s.routing == "public"]

    def _nat_gateways(self) -> list[aws.ec2.NatGateway]:
        """NATs in the first public tier: one per AZ (per_az), one in the first AZ (single), or
        none. Each with its own Elastic IP, named and tagged by AZ."""
        strategy = self.config.nat
        if strategy == "none":
            return []
        public = self._public_subnets()
        if not public:
            raise ValueError("network.nat needs a tier with routing public for the NAT gateways")
        tier = public[0].tier
        homes = self.plan.tier(tier) if strategy == "per_az" else self.plan.tier(tier)[:1]
        gateways = []
        subnets_by_az = {s.az: sub for s, sub in zip(self.plan.tier(tier), self.subnets[tier],
                                                     strict=True)}
        for home in homes:
            eip = aws.ec2.Eip(
                f"nat-eip-{home.az}",
                domain="vpc",
                tags=self._naming.tagged(self._naming.name("nat", home.az), AZ=home.az),
                opts=child_opts(self, depends_on=[self.igw]),
            )
            gateways.append(aws.ec2.NatGateway(
                f"nat-{home.az}",
                allocation_id=eip.allocation_id,
                subnet_id=subnets_by_az[home.az].id,
                connectivity_type="public",
                tags=self._naming.tagged(self._naming.name("nat", home.az), AZ=home.az),
                opts=child_opts(self, depends_on=[self.igw]),
            ))
        return gateways

    def nat_for(self, az: str) -> aws.ec2.NatGateway | None:
        """The NAT a private subnet in `az` uses: its own AZ's if there is one, else the first."""
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
        return azs if self.config.nat == "per_az" else azs[:1]

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
                    f"rt-{suffix}",
                    vpc_id=self.vpc.id,
                    tags=self._naming.tagged(rt_name, Tier=tier, Routing=routing,
                                             AZ=group[0].az if per_az else ""),
                    opts=child_opts(self),
                )
                tables[tier].append(rt)
                if routing == "public":
                    aws.ec2.Route(f"rt-{suffix}-default", route_table_id=rt.id,
                                  destination_cidr_block="0.0.0.0/0", gateway_id=self.igw.id,
                                  opts=child_opts(self))
                elif routing == "private":
                    nat = self.nat_for(group[0].az)
                    if nat is not None:
                        aws.ec2.Route(f"rt-{suffix}-default", route_table_id=rt.id,
                                      destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id,
                                      opts=child_opts(self))
                subnets_by_az = dict(zip([p.az for p in planned], self.subnets[tier], strict=True))
                for p in group:
                    aws.ec2.RouteTableAssociation(
                        f"rta-{tier}-{p.az}", subnet_id=subnets_by_az[p.az].id,
                        route_table_id=rt.id, opts=child_opts(self))
        return tables

    def _flow_logs(self, logs_key_arn: pulumi.Input[str]) -> None:
        """VPC flow logs (FSBP EC2.6) to a KMS-encrypted log group, through a role that may
        write only to that log group."""
        group_name = f"/groundwork/{self._naming.prefix}/vpc-flow-logs"
        self.flow_log_group = aws.cloudwatch.LogGroup(
            "flow-logs",
            name=group_name,
            retention_in_days=self.config.flow_logs.retention_days,
            kms_key_id=logs_key_arn,
            tags=self._naming.tagged(self._naming.name("flow-logs")),
            opts=child_opts(self),
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
            "flow-logs-role",
            name=self._naming.name("flow-logs", max_length=64),
            assume_role_policy=pulumi.Output.json_dumps(trust),
            tags=self._naming.tagged(self._naming.name("flow-logs")),
            opts=child_opts(self),
        )
        aws.iam.RolePolicy(
            "flow-logs-write",
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
            opts=child_opts(self),
        )
        self.flow_log = aws.ec2.FlowLog(
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type=self.config.flow_logs.traffic_type,
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._naming.tagged(self._naming.name("flow-log")),
            opts=child_opts(self),
        )

    def _private_route_table_ids(self) -> list[pulumi.Output[str]]:
        return [rt.id for tier, rts in self.route_tables.items()
                if self.plan.tier(tier)[0].routing != "public" for rt in rts]

    def _s3_endpoint(self) -> aws.ec2.VpcEndpoint:
        """S3 gateway endpoint on every non-public route table: free, and ECR image layers and
        S3 traffic stop paying NAT data processing."""
        return aws.ec2.VpcEndpoint(
            "s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{self._account.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=self._private_route_table_ids(),
            tags=self._naming.tagged(self._naming.name("s3-endpoint")),
            opts=child_opts(self),
        )

    def _interface_endpoints(self) -> list[aws.ec2.VpcEndpoint]:
        wanted = self.config.endpoints.interface
        if not wanted:
            return []
        private = [s for s in self.plan.subnets if s.routing == "private"]
        tier = private[0].tier if private else self.plan.tier_names[0]
        sg_name = self._naming.name("endpoints")
        sg = aws.ec2.SecurityGroup(
            "endpoints-sg",
            name=sg_name,
            description="Interface VPC endpoints: HTTPS from inside the VPC only",
            vpc_id=self.vpc.id,
            tags=self._naming.tagged(sg_name),
            opts=child_opts(self),
        )
        aws.vpc.SecurityGroupIngressRule(
            "endpoints-https-from-vpc",
            security_group_id=sg.id,
            description="HTTPS to AWS APIs from inside the VPC",
            ip_protocol="tcp",
            from_port=ENDPOINT_PORT,
            to_port=ENDPOINT_PORT,
            cidr_ipv4=self.config.cidr,
            opts=child_opts(self),
        )
        self.endpoint_security_group = sg
        return [
            aws.ec2.VpcEndpoint(
                f"{svc.replace('.', '-')}-endpoint",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{self._account.region}.{svc}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self.subnets[tier]],
                security_group_ids=[sg.id],
                tags=self._naming.tagged(self._naming.name(svc.replace(".", "-"), "endpoint")),
                opts=child_opts(self),
            )
            for svc in wanted
        ]
