"""`Network`: the VPC, built from a pure subnet plan (`components.network.planner`).

Routing is by purpose, not by position: a `public` tier routes to the internet gateway, a
`private` tier to the NAT of its own AZ (or the single NAT gateway, or the NAT instance's network
interface), an `isolated` tier nowhere off the VPC. One route table per (tier, AZ) for private
tiers, so an AZ's egress follows its own NAT and a NAT strategy change only rewrites routes,
never subnets. Everything is a pulumi-aws resource parented to the component, so tests and
offline policies see every child (awsx hides them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from groundwork.components.base import AccountContext, Naming, child_opts
from groundwork.components.network.planner import PlannedSubnet, SubnetPlan
from groundwork.stacks.config import NetworkConfig

ENDPOINT_PORT = 443
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
    """NAT gateways only (empty for `nat: instance` and `nat: none`)."""
    db_subnet_group_name: pulumi.Output[str]
    cache_subnet_group_name: pulumi.Output[str]
    nat_instance_ids: list[pulumi.Output[str]] = field(default_factory=list)
    """The NAT instance of `nat: instance` (one), else empty."""


class Network(pulumi.ComponentResource):
    """VPC, subnets per tier and AZ, IGW, NAT per strategy (gateways, or one NAT instance),
    route tables by purpose, a closed default security group, flow logs to a KMS-encrypted log
    group, VPC endpoints, and RDS / ElastiCache subnet groups on the data tier."""

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
        self.nat_instances = self._nat_instances()
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
            nat_instance_ids=[i.id for i in self.nat_instances],
        )
        self.register_outputs({
            "vpc_id": self.vpc.id,
            "subnet_ids": self.outputs.subnet_ids,
            "nat_gateway_ids": self.outputs.nat_gateway_ids,
            "nat_instance_ids": self.outputs.nat_instance_ids,
        })

    # ---------------------------------------------------------------------------------------

    def _public_subnets(self) -> list[PlannedSubnet]:
        return [s for s in self.plan.subnets if s.routing == "public"]

    def _nat_home_tier(self) -> str:
        """The first public tier: where NAT gateways and the NAT instance live."""
        public = self._public_subnets()
        if not public:
            raise ValueError(f"network.nat {self.config.nat} needs a tier with routing public "
                             "for the NAT")
        return public[0].tier

    def _nat_gateways(self) -> list[aws.ec2.NatGateway]:
        """NAT gateways in the first public tier: one per AZ (per_az), one in the first AZ
        (single), or none (`none`, and `instance`, which builds `_nat_instances` instead). Each
        with its own Elastic IP, named and tagged by AZ."""
        strategy = self.config.nat
        if strategy not in ("per_az", "single"):
            return []
        tier = self._nat_home_tier()
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
        return azs if self.config.nat == "per_az" else azs[:1]

    def _nat_instances(self) -> list[aws.ec2.Instance]:
        """`nat: instance`: ONE NAT instance (fck-nat style) in the first AZ's public subnet, for
        dev/test (the prod floor refuses it). Amazon Linux 2023 for the instance type's
        architecture, source/destination check off (it forwards other hosts' packets), IMDSv2
        only, an encrypted gp3 root volume, no key pair (Session Manager through a role with
        only AmazonSSMManagedInstanceCore), user data that turns on forwarding and masquerade
        persistently, a security group admitting only the VPC, and an Elastic IP. EC2 recovers
        it on a host failure (the `nat-instance-status-check` alarm's recover action)."""
        if self.config.nat != "instance":
            return []
        tier = self._nat_home_tier()
        home = self.plan.tier(tier)[0]
        subnet = self.subnets[tier][0]
        n = self._naming
        name = n.name("nat", home.az)
        arch = self.config.nat_instance_architecture

        sg_name = n.name("nat-instance")
        sg = aws.ec2.SecurityGroup(
            "nat-instance-sg",
            name=sg_name,
            description="NAT instance: forwards egress from inside the VPC only",
            vpc_id=self.vpc.id,
            tags=n.tagged(sg_name, AZ=home.az, Group="nat-instance"),
            opts=child_opts(self),
        )
        # Ingress: whatever the private subnets send out (TCP, UDP, and ICMP for ping and path
        # MTU discovery), from the VPC CIDR only: nothing from the internet reaches it.
        for proto, lo, hi, what in (("tcp", 0, 65535, "TCP"), ("udp", 0, 65535, "UDP"),
                                    ("icmp", -1, -1, "ICMP")):
            aws.vpc.SecurityGroupIngressRule(
                f"nat-instance-{proto}-from-vpc",
                security_group_id=sg.id,
                description=f"{what} from inside the VPC, to be forwarded to the internet",
                ip_protocol=proto,
                from_port=lo,
                to_port=hi,
                cidr_ipv4=self.config.cidr,
                opts=child_opts(self),
            )
        # Egress: anywhere, any protocol. The security group also filters the forwarded
        # packets leaving the instance, so this is the VPC's egress policy, as with a gateway.
        aws.vpc.SecurityGroupEgressRule(
            "nat-instance-egress",
            security_group_id=sg.id,
            description="Forwarded VPC egress and the instance OS updates, to the internet",
            ip_protocol="-1",
            cidr_ipv4="0.0.0.0/0",
            opts=child_opts(self),
        )

        role_name = n.name("nat-instance", max_length=64)
        role = aws.iam.Role(
            "nat-instance-role",
            name=role_name,
            description=f"{n.prefix} NAT instance: Session Manager only",
            assume_role_policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Principal": {"Service": self._account.service_principal("ec2")}}],
            }),
            tags=n.tagged(role_name),
            opts=child_opts(self),
        )
        aws.iam.RolePolicyAttachment(
            "nat-instance-ssm",
            role=role.name,
            policy_arn=f"arn:{self._account.partition}:iam::aws:policy/{NAT_INSTANCE_POLICY}",
            opts=child_opts(self),
        )
        profile = aws.iam.InstanceProfile(
            "nat-instance-profile",
            name=role_name,
            role=role.name,
            tags=n.tagged(role_name),
            opts=child_opts(self),
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
            f"nat-instance-{home.az}",
            ami=ami,
            instance_type=self.config.nat_instance_type,
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
            opts=child_opts(self, depends_on=[self.igw], ignore_changes=["ami"]),
        )
        # Not the gateway's `nat-eip-<az>`: switching `single` <-> `instance` creates one address
        # and releases the other, instead of moving an address the gateway still holds.
        aws.ec2.Eip(
            f"nat-instance-eip-{home.az}",
            domain="vpc",
            instance=instance.id,
            tags=n.tagged(name, AZ=home.az),
            opts=child_opts(self, depends_on=[self.igw]),
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
                    elif self.nat_instances:
                        # A NAT instance is a next hop by its network interface (a route
                        # to instance_id is rewritten by AWS to the ENI anyway).
                        aws.ec2.Route(f"rt-{suffix}-default", route_table_id=rt.id,
                                      destination_cidr_block="0.0.0.0/0",
                                      network_interface_id=self.nat_instances[0]
                                      .primary_network_interface_id,
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
