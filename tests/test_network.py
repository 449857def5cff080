"""The Network component, asserted on the real stacks planned offline (issue: network)."""

from __future__ import annotations

import json

from conftest import tags_of

from groundwork.engine import PlanResult

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"

SEED = {
    "public": ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"],
    "compute": ["10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"],
    "data": ["10.0.20.0/24", "10.0.21.0/24", "10.0.22.0/24"],
    "messaging": ["10.0.30.0/24", "10.0.31.0/24"],
}


def subnets_by_tier(plan: PlanResult) -> dict[str, list[tuple[str, str]]]:
    """tier -> [(az, cidr)] ordered by AZ."""
    out: dict[str, list[tuple[str, str]]] = {}
    for s in plan.of_type(SUBNET):
        out.setdefault(tags_of(s)["Tier"], []).append(
            (s.inputs["availabilityZone"], s.inputs["cidrBlock"]))
    return {t: sorted(v) for t, v in out.items()}


def route_table_of(plan: PlanResult, subnet_id: str) -> str:
    [assoc] = [a for a in plan.of_type(ASSOC) if a.inputs["subnetId"] == subnet_id]
    return assoc.inputs["routeTableId"]


def default_routes(plan: PlanResult, route_table_id: str) -> list[dict]:
    return [r.inputs for r in plan.of_type(ROUTE)
            if r.inputs["routeTableId"] == route_table_id
            and r.inputs.get("destinationCidrBlock") == "0.0.0.0/0"]


def test_prod_holds_exactly_the_seed_subnets(prod):
    tiers = subnets_by_tier(prod)
    assert {t: [c for _, c in v] for t, v in tiers.items()} == SEED
    assert len(prod.of_type(SUBNET)) == 11


def test_prod_tiers_span_three_azs_aligned_by_az(prod):
    tiers = subnets_by_tier(prod)
    azs = ["us-east-1a", "us-east-1b", "us-east-1c"]
    for tier in ("public", "compute", "data"):
        assert [az for az, _ in tiers[tier]] == azs
    assert [az for az, _ in tiers["messaging"]] == azs[:2]
    # aligned: the n-th subnet of every tier is in the same AZ (10.0.1 / .10 / .20 / .30 -> a)
    for i, az in enumerate(azs):
        assert {tiers[t][i][0] for t in tiers if i < len(tiers[t])} == {az}


def test_no_subnet_auto_assigns_public_ips(prod, dev):
    for plan in (prod, dev):
        assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in plan.of_type(SUBNET))


def test_nat_count_per_environment(prod, dev):
    assert len(prod.of_type(NAT)) == 3
    assert len(dev.of_type(NAT)) == 1
    assert len(prod.of_type("aws:ec2/eip:Eip")) == 3
    # NATs live in public subnets
    public_ids = {s.id for s in prod.of_type(SUBNET) if tags_of(s)["Tier"] == "public"}
    assert {n.inputs["subnetId"] for n in prod.of_type(NAT)} == public_ids


def test_prod_compute_routes_to_the_nat_of_its_own_az(prod):
    nat_az = {n.id: tags_of(n)["AZ"] for n in prod.of_type(NAT)}
    compute = [s for s in prod.of_type(SUBNET) if tags_of(s)["Tier"] == "compute"]
    seen = set()
    for subnet in compute:
        [route] = default_routes(prod, route_table_of(prod, subnet.id))
        assert "natGatewayId" in route and "gatewayId" not in route
        assert nat_az[route["natGatewayId"]] == subnet.inputs["availabilityZone"]
        seen.add(route["natGatewayId"])
    assert len(seen) == 3


def test_dev_compute_shares_the_single_nat(dev):
    [nat] = dev.of_type(NAT)
    compute = [s for s in dev.of_type(SUBNET) if tags_of(s)["Tier"] == "compute"]
    assert len(compute) == 2
    for subnet in compute:
        [route] = default_routes(dev, route_table_of(dev, subnet.id))
        assert route["natGatewayId"] == nat.id


def test_public_subnets_route_to_the_internet_gateway(prod):
    igw = prod.one("aws:ec2/internetGateway:InternetGateway")
    public = [s for s in prod.of_type(SUBNET) if tags_of(s)["Tier"] == "public"]
    assert len(public) == 3
    for subnet in public:
        [route] = default_routes(prod, route_table_of(prod, subnet.id))
        assert route["gatewayId"] == igw.id


def test_data_and_messaging_have_no_route_off_the_vpc(prod, dev):
    for plan in (prod, dev):
        isolated = [s for s in plan.of_type(SUBNET) if tags_of(s)["Tier"] in ("data", "messaging")]
        assert isolated
        for subnet in isolated:
            table = route_table_of(plan, subnet.id)
            assert [r for r in plan.of_type(ROUTE) if r.inputs["routeTableId"] == table] == []


def test_every_subnet_is_associated_once(prod):
    associated = [a.inputs["subnetId"] for a in prod.of_type(ASSOC)]
    assert sorted(associated) == sorted(s.id for s in prod.of_type(SUBNET))


def test_vpc_has_dns(prod):
    vpc = prod.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.0.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True


def test_default_security_group_is_closed(prod):
    sg = prod.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert sg.inputs["vpcId"] == prod.one("aws:ec2/vpc:Vpc").id
    assert not sg.inputs.get("ingress") and not sg.inputs.get("egress")


def test_flow_logs_all_traffic_to_an_encrypted_log_group(prod):
    flow = prod.one("aws:ec2/flowLog:FlowLog")
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["vpcId"] == prod.one("aws:ec2/vpc:Vpc").id
    assert flow.inputs["logDestination"] == group.outputs["arn"]
    logs_key = next(k for k in prod.of_type("aws:kms/key:Key")
                    if tags_of(k).get("Purpose") == "logs")
    assert group.inputs["kmsKeyId"] == logs_key.outputs["arn"]
    assert group.inputs["retentionInDays"] == 365


def test_flow_log_role_is_least_privilege(prod):
    role = next(r for r in prod.of_type("aws:iam/role:Role") if r.name == "flow-logs-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    policy = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy", "flow-logs-write").inputs["policy"])
    [stmt] = policy["Statement"]
    group_arn = prod.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs").outputs["arn"]
    assert stmt["Resource"] == [group_arn, f"{group_arn}:*"]
    assert "*" not in json.dumps(stmt["Action"])


def test_s3_gateway_endpoint_on_every_private_route_table(prod):
    endpoint = prod.one("aws:ec2/vpcEndpoint:VpcEndpoint", "s3-endpoint")
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    public_rt = {route_table_of(prod, s.id) for s in prod.of_type(SUBNET)
                 if tags_of(s)["Tier"] == "public"}
    private_rt = {route_table_of(prod, s.id) for s in prod.of_type(SUBNET)} - public_rt
    assert set(endpoint.inputs["routeTableIds"]) == private_rt


def test_interface_endpoints_by_config():
    from groundwork.engine import plan_stack

    plan = plan_stack("dev", overrides={"network": {"endpoints": {
        "interface": ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts"]}}})
    endpoints = [e for e in plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
                 if e.inputs["vpcEndpointType"] == "Interface"]
    assert sorted(e.inputs["serviceName"].removeprefix("com.amazonaws.us-east-1.")
                  for e in endpoints) == ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts"]
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "endpoints-sg")
    for e in endpoints:
        assert e.inputs["privateDnsEnabled"] is True
        assert e.inputs["securityGroupIds"] == [sg.id]
    [rule] = [r for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
              if r.inputs["securityGroupId"] == sg.id]
    assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["cidrIpv4"]) == (
        443, 443, "10.0.0.0/16")
    assert rule.inputs["description"]


def test_subnet_groups_are_the_data_tier(prod):
    data_ids = sorted(s.id for s in prod.of_type(SUBNET) if tags_of(s)["Tier"] == "data")
    for typ in ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup"):
        assert sorted(prod.one(typ).inputs["subnetIds"]) == data_ids


def test_every_child_is_named_and_tagged(prod):
    """Name and the environment's tags reach every taggable child, EIPs and route tables too."""
    network = prod.one("groundwork:network:Network")
    taggable = [r for r in prod.descendants(network) if "tags" in r.inputs]
    types = {r.type for r in taggable}
    assert {"aws:ec2/eip:Eip", "aws:ec2/routeTable:RouteTable", NAT, SUBNET} <= types
    for r in taggable:
        tags = tags_of(r)
        assert tags["Name"].startswith("groundwork-prod")
        assert tags["Environment"] == "prod" and tags["Owner"] and tags["ManagedBy"] == "pulumi"
    for s in prod.of_type(SUBNET):
        assert tags_of(s)["AZ"] == s.inputs["availabilityZone"], s.name
    # an EIP has no AZ input: its AZ tag must be the AZ of the NAT (and subnet) that uses it
    subnet_az = {s.id: s.inputs["availabilityZone"] for s in prod.of_type(SUBNET)}
    eips = {e.id: e for e in prod.of_type("aws:ec2/eip:Eip")}
    nats = prod.of_type(NAT)
    assert len(nats) == len(eips) == 3
    assert {n.inputs["allocationId"] for n in nats} == set(eips)
    for nat in nats:
        az = subnet_az[nat.inputs["subnetId"]]
        assert tags_of(eips[nat.inputs["allocationId"]])["AZ"] == az == tags_of(nat)["AZ"], nat.name


def test_every_network_resource_is_parented_to_the_component(prod):
    network = prod.one("groundwork:network:Network")
    network_types = {SUBNET, ROUTE, ASSOC, NAT, "aws:ec2/vpc:Vpc", "aws:ec2/eip:Eip",
                     "aws:ec2/flowLog:FlowLog", "aws:ec2/internetGateway:InternetGateway"}
    checked = [r for r in prod.resources if r.type in network_types]
    assert {r.type for r in checked} == network_types
    for r in checked:
        assert r.parent == network.urn, r.name


def test_stack_exports_the_network_contract(prod):
    out = prod.stack_outputs
    assert out["vpc_id"] == prod.one("aws:ec2/vpc:Vpc").id
    assert out["vpc_cidr"] == "10.0.0.0/16"
    assert out["availability_zones"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    by_id = {s.id: s for s in prod.of_type(SUBNET)}
    for tier, cidrs in SEED.items():
        assert [by_id[i].inputs["cidrBlock"] for i in out["subnet_ids"][tier]] == cidrs
    assert len(out["nat_gateway_ids"]) == 3
    assert out["db_subnet_group_name"] == "groundwork-prod-db"


def test_dev_is_two_azs(dev):
    tiers = subnets_by_tier(dev)
    assert {t: [c for _, c in v] for t, v in tiers.items()} == {
        "public": ["10.0.1.0/24", "10.0.2.0/24"], "compute": ["10.0.10.0/24", "10.0.11.0/24"],
        "data": ["10.0.20.0/24", "10.0.21.0/24"], "messaging": ["10.0.30.0/24", "10.0.31.0/24"]}
