"""The Network component, asserted on the real stacks planned offline (issue: network), and as
a library: two networks in one program (tests/programs/networks), its Args and their errors."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import tags_of
from pydantic import ValidationError

from groundwork.components.args import doc_of
from groundwork.components.network import (
    SEED_TIERS,
    EndpointsSettings,
    FlowLogsSettings,
    NetworkArgs,
    NetworkSettings,
    PlanError,
    TierSpec,
    plan_subnets,
)
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.stacks.config import (
    EndpointsConfig,
    FlowLogsConfig,
    NetworkConfig,
    TierConfig,
    load_environment,
)
from groundwork.testing import plan_program

PROGRAM = Path(__file__).parent / "programs" / "networks" / "__main__.py"
COMPONENT = "groundwork:network:Network"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

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


def test_only_the_public_subnets_are_excluded_from_vpc_block_public_access(prod, dev):
    """With the account's VPC Block Public Access on (block-ingress, FSBP EC2.172), only the
    public tier (ALB, NAT) stays reachable: one allow-bidirectional exclusion per public subnet."""
    for plan in (prod, dev):
        subnets = {r.id: r.inputs for r in plan.of_type("aws:ec2/subnet:Subnet")}
        exclusions = plan.of_type("aws:ec2/vpcBlockPublicAccessExclusion:VpcBlockPublicAccessExclusion")
        excluded = sorted(subnets[e.inputs["subnetId"]]["tags"]["Tier"] for e in exclusions)
        public = sorted(t["tags"]["Tier"] for t in subnets.values() if t["tags"]["Routing"] == "public")
        assert excluded == public and public
        assert {e.inputs["internetGatewayExclusionMode"] for e in exclusions} == {"allow-bidirectional"}
        assert all("vpcId" not in e.inputs for e in exclusions)  # never the whole VPC


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


def test_default_network_acl_denies_ssh_and_rdp_from_the_internet(prod):
    """FSBP EC2.21: the default ACL is taken over with `default_nacl_entries` and keeps every
    subnet, listed explicitly (the provider would otherwise plan to remove them every run)."""
    from groundwork.components.network.network import default_nacl_entries

    [acl] = prod.of_type("aws:ec2/defaultNetworkAcl:DefaultNetworkAcl")
    vpc = prod.one("aws:ec2/vpc:Vpc")
    assert acl.inputs["defaultNetworkAclId"] == vpc.outputs["defaultNetworkAclId"]
    assert sorted(acl.inputs["subnetIds"]) == sorted(s.id for s in prod.of_type(SUBNET))
    camel = {"rule_no": "ruleNo", "from_port": "fromPort", "to_port": "toPort",
             "cidr_block": "cidrBlock", "ipv6_cidr_block": "ipv6CidrBlock"}
    for direction, entries in default_nacl_entries("10.0.0.0/16").items():
        assert acl.inputs[direction] == [{camel.get(k, k): v for k, v in e.items()} for e in entries]
    assert tags_of(acl)["Name"] == "groundwork-prod-network-default-nacl"


def test_default_nacl_entries_deny_admin_ports_before_allowing_the_rest():
    from groundwork.components.network.network import default_nacl_entries

    v4 = default_nacl_entries("10.1.0.0/16")
    denies = [(e["rule_no"], e["protocol"], e["from_port"], e["cidr_block"])
              for e in v4["ingress"] if e["action"] == "deny"]
    assert denies == [(100, "tcp", 22, "0.0.0.0/0"), (101, "udp", 22, "0.0.0.0/0"),
                      (110, "tcp", 3389, "0.0.0.0/0"), (111, "udp", 3389, "0.0.0.0/0")]
    allows = [(e["rule_no"], e.get("cidr_block")) for e in v4["ingress"] if e["action"] == "allow"]
    assert allows == [(90, "10.1.0.0/16"), (200, "0.0.0.0/0")]  # the VPC first, the world last
    assert [(e["rule_no"], e["protocol"], e["cidr_block"]) for e in v4["egress"]] == [
        (100, "-1", "0.0.0.0/0")]
    dual = default_nacl_entries("10.1.0.0/16", "2600:1f18:1:100::/56")
    v6 = [(e["rule_no"], e["action"], e["protocol"], e.get("from_port")) for e in dual["ingress"]
          if e.get("ipv6_cidr_block") == "::/0"]
    assert v6 == [(102, "deny", "tcp", 22), (103, "deny", "udp", 22), (112, "deny", "tcp", 3389),
                  (113, "deny", "udp", 3389), (201, "allow", "-1", 0)]
    numbers = [e["rule_no"] for e in dual["ingress"]]
    assert len(numbers) == len(set(numbers)) == 12


def test_ec2_interface_setting_is_checked_in_config_too():
    from groundwork.stacks.config import ConfigError

    with pytest.raises(ConfigError) as info:
        load_environment({"profile": "prod", "tags": {"Owner": "t"},
                          "network": {"endpoints": {"ec2_interface": "maybe"}}},
                         stack="p", region="us-east-1")
    [problem] = info.value.problems
    assert problem.startswith("groundwork:network.endpoints.ec2_interface: Input should be a valid boolean")


def test_flow_logs_all_traffic_to_an_encrypted_log_group(prod):
    flow = prod.one("aws:ec2/flowLog:FlowLog")
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["vpcId"] == prod.one("aws:ec2/vpc:Vpc").id
    assert flow.inputs["logDestination"] == group.outputs["arn"]
    logs_key = next(k for k in prod.of_type("aws:kms/key:Key")
                    if tags_of(k).get("Purpose") == "logs")
    assert group.inputs["kmsKeyId"] == logs_key.outputs["arn"]
    assert group.inputs["retentionInDays"] == 365


def test_flow_log_role_is_least_privilege(prod):
    role = next(r for r in prod.of_type("aws:iam/role:Role") if r.name == "network-flow-logs-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    write = prod.one("aws:iam/rolePolicy:RolePolicy", "network-flow-logs-write")
    policy = json.loads(write.inputs["policy"])
    [stmt] = policy["Statement"]
    group_arn = prod.one("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs").outputs["arn"]
    assert stmt["Resource"] == [group_arn, f"{group_arn}:*"]
    assert "*" not in json.dumps(stmt["Action"])


def test_s3_gateway_endpoint_on_every_private_route_table(prod):
    endpoint = prod.one("aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3-endpoint")
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    public_rt = {route_table_of(prod, s.id) for s in prod.of_type(SUBNET)
                 if tags_of(s)["Tier"] == "public"}
    private_rt = {route_table_of(prod, s.id) for s in prod.of_type(SUBNET)} - public_rt
    assert set(endpoint.inputs["routeTableIds"]) == private_rt


def test_ec2_endpoint_is_on_by_default_in_the_private_tier(prod, dev):
    """FSBP EC2.10: the EC2 API endpoint, private DNS, in the compute (first private) tier,
    behind the endpoints' group (443 from the VPC CIDR only)."""
    for plan in (prod, dev):
        [ec2] = [e for e in plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
                 if e.inputs["serviceName"] == "com.amazonaws.us-east-1.ec2"]
        assert (ec2.inputs["vpcEndpointType"], ec2.inputs["privateDnsEnabled"]) == ("Interface", True)
        compute = sorted(s.id for s in plan.of_type(SUBNET) if tags_of(s)["Tier"] == "compute")
        assert sorted(ec2.inputs["subnetIds"]) == compute
        sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "network-endpoints-sg")
        assert ec2.inputs["securityGroupIds"] == [sg.id]
    assert EndpointsSettings().ec2_interface is True


def test_interface_endpoints_by_config():
    from groundwork.engine import plan_stack

    plan = plan_stack("dev", overrides={"network": {"endpoints": {
        "interface": ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts", "sqs"],
        "ec2_interface": False}}})
    endpoints = [e for e in plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
                 if e.inputs["vpcEndpointType"] == "Interface"]
    assert sorted(e.inputs["serviceName"].removeprefix("com.amazonaws.us-east-1.")
                  for e in endpoints) == ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sqs",
                                          "sts"]  # sqs: the jobs queue's traffic off the NAT
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "network-endpoints-sg")
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


def test_stack_keeps_the_stateful_names_and_renames_the_rest(prod, dev):
    """The flow-log group (its records) and the subnet groups (a new cache subnet group
    replaces the cache) keep their pre-0.2.0 names; the flow-log role moves under the
    component's prefix."""
    for plan, env in ((prod, "prod"), (dev, "dev")):
        assert plan.one(LOG_GROUP, "network-flow-logs").inputs["name"] == (
            f"/groundwork/groundwork-{env}/vpc-flow-logs")
        assert plan.one("aws:rds/subnetGroup:SubnetGroup").inputs["name"] == f"groundwork-{env}-db"
        assert plan.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["name"] == (
            f"groundwork-{env}-cache")
        role = plan.one("aws:iam/role:Role", "network-flow-logs-role")
        assert role.inputs["name"] == f"groundwork-{env}-network-flow-logs"
        assert tags_of(plan.one("aws:ec2/vpc:Vpc"))["Name"] == f"groundwork-{env}-network-vpc"


# --------------------------------------------------------------------------------------------
# logical names: derived from the component's name, aliased to the pre-0.2.0 names
# --------------------------------------------------------------------------------------------


def _old_urn(record: ResourceRecord, old_name: str) -> str:
    return f"{record.urn.rsplit('::', 1)[0]}::{old_name}"


def test_stack_network_children_alias_their_old_names(prod, dev_nat_instance):
    """Every child of the stacks' network is `network-<old name>` with exactly one alias, the
    URN it had before 0.2.0 (same type, same parent), so `pulumi up` moves the VPC and the
    subnets instead of replacing them."""
    for plan in (prod, dev_nat_instance):
        network = plan.one(COMPONENT, "network")
        assert network.aliases == []  # the component's own URN did not change
        children = list(plan.descendants(network))
        assert len(children) >= 36
        for child in children:
            assert child.name.startswith("network-"), child.name
            old = child.name.removeprefix("network-")
            assert child.aliases == [_old_urn(child, old)], child.name
        by_name = {c.name: c for c in children}
        assert by_name["network-vpc"].aliases == [_old_urn(by_name["network-vpc"], "vpc")]
        assert by_name["network-vpc"].aliases[0].endswith(
            "::groundwork:network:Network$aws:ec2/vpc:Vpc::vpc")
        subnet = by_name["network-public-us-east-1a"]
        assert subnet.aliases[0].endswith("$aws:ec2/subnet:Subnet::public-us-east-1a")
    nat = {c.name for c in dev_nat_instance.descendants(dev_nat_instance.one(COMPONENT))}
    assert {"network-nat-instance-us-east-1a", "network-nat-instance-sg",
            "network-nat-instance-role", "network-nat-instance-eip-us-east-1a"} <= nat


# --------------------------------------------------------------------------------------------
# the component as a library: two networks in one program, free tier names, Args errors
# --------------------------------------------------------------------------------------------


def run_case(case: str) -> PlanResult:
    return plan_program(PROGRAM, stack="test", project="networks",
                        config={"aws:region": "us-east-1", "case": case})


@pytest.fixture(scope="module")
def two() -> PlanResult:
    return run_case("two")


def _aws_names(record: ResourceRecord) -> list[str]:
    """The names AWS keeps for a resource: its `name` (role, group, log group...) and its
    Name tag."""
    return [n for n in (record.inputs.get("name"), tags_of(record).get("Name")) if n]


def test_two_networks_have_distinct_urns_and_aws_names(two):
    main, analytics = two.one(COMPONENT, "main"), two.one(COMPONENT, "analytics")
    children = {"main": list(two.descendants(main)), "analytics": list(two.descendants(analytics))}
    # main: no interface endpoint but EC2's (so its group and rule too); both: the default ACL
    # and a Block Public Access exclusion per public subnet
    assert len(children["main"]) == 42 and len(children["analytics"]) == 38
    urns = [r.urn for r in two.resources]
    assert [u for u, n in Counter(urns).items() if n > 1] == []
    for owner, records in children.items():
        for r in records:
            assert r.name.startswith(f"{owner}-"), r.name  # logical names follow the component
            assert r.aliases == []  # a library network has no old names
            for name in _aws_names(r):
                assert f"networks-test-{owner}" in name, (r.name, name)  # <project>-<stack>-<name>
    by_type = Counter((r.type, n) for rs in children.values() for r in rs
                      for n in set(_aws_names(r)))
    assert [k for k, n in by_type.items() if n > 1] == []
    groups = sorted(r.inputs["name"] for r in two.of_type(LOG_GROUP))
    assert groups == ["/groundwork/networks-test-analytics/vpc-flow-logs",
                      "/groundwork/networks-test-main/vpc-flow-logs"]
    assert sorted(r.inputs["name"] for r in two.of_type("aws:rds/subnetGroup:SubnetGroup")) == [
        "networks-test-analytics-db", "networks-test-main-db"]
    assert sorted(r.inputs["cidrBlock"] for r in two.of_type("aws:ec2/vpc:Vpc")) == [
        "10.0.0.0/16", "10.40.0.0/16"]


def test_a_library_network_names_its_tiers_freely(two):
    """No `public`/`compute`/`data` tier needed: the NAT goes to the public-routed tier, the
    endpoints to the private one, the subnet groups to `database_tier`."""
    analytics = two.one(COMPONENT, "analytics")
    own = list(two.descendants(analytics))
    tiers = {tags_of(r)["Tier"] for r in own if r.type == "aws:ec2/subnet:Subnet"}
    assert tiers == {"edge", "workers", "warehouse"}
    subnet_tier = {r.id: tags_of(r)["Tier"] for r in own if r.type == "aws:ec2/subnet:Subnet"}
    [nat] = [r for r in own if r.type == "aws:ec2/natGateway:NatGateway"]
    assert subnet_tier[nat.inputs["subnetId"]] == "edge"
    endpoints = [r for r in own if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint"
                 and r.inputs["vpcEndpointType"] == "Interface"]
    assert sorted(e.inputs["serviceName"] for e in endpoints) == [
        "com.amazonaws.us-east-1.ec2", "com.amazonaws.us-east-1.logs"]
    for endpoint in endpoints:
        assert {subnet_tier[i] for i in endpoint.inputs["subnetIds"]} == {"workers"}
    for typ in ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup"):
        [group] = [r for r in own if r.type == typ]
        assert {subnet_tier[i] for i in group.inputs["subnetIds"]} == {"warehouse"}
        assert tags_of(group)["Tier"] == "warehouse"
    assert two.stack_outputs["analytics"]["tiers"] == ["edge", "workers", "warehouse"]


def test_bad_args_name_the_field_before_anything_registers():
    result = run_case("bad_args")
    assert [r.type for r in result.resources if r.type != "pulumi:pulumi:Stack"] == []
    errors = result.stack_outputs["errors"]
    assert errors["cidr"].splitlines()[1] == "cidr"  # pydantic names the field on its own line
    assert "10.0.0.0/33" in errors["cidr"]
    assert "not a valid IPv4 CIDR" in errors["cidr"]
    assert "NetworkArgs has no argument 'cidr_block'; it takes " in errors["unknown"]
    assert "NetworkArgs.database_tier 'db' is not a tier" in errors["database_tier"]
    assert errors["logs_key"].startswith("Network 'main': NetworkArgs.logs_key_arn is required")


@pytest.mark.parametrize(("values", "field", "fragment"), [
    ({"cidr": "10.0.0.1/16"}, "cidr", "host bits set; did you mean 10.0.0.0/16?"),
    ({"cidr": "10.0.0.0/8"}, "cidr", "AWS allows /16 to /28"),
    ({"nat": "two"}, "nat", "Input should be"),
    ({"nat_instance_type": "m5.large"}, "nat_instance_type", "must be a t4g"),
    ({"az_count": 7}, "az_count", "less than or equal to 6"),
    ({"flow_logs": {"retention_days": 42}}, "flow_logs.retention_days", "not a CloudWatch Logs"),
    ({"endpoints": {"interface": ["s3"]}}, "endpoints.interface.0", "Input should be"),
    ({"endpoints": {"ec2_interface": "maybe"}}, "endpoints.ec2_interface",
     "Input should be a valid boolean"),
    ({"tiers": [{"name": "Public", "routing": "public"}]}, "tiers.0.name", "pattern"),
    ({"flow_log_group_name": "has spaces"}, "flow_log_group_name", "not a CloudWatch Logs group"),
    ({"db_subnet_group_name": "default"}, "db_subnet_group_name", "not an RDS subnet group"),
    ({"cache_subnet_group_name": "Cache"}, "cache_subnet_group_name", "not an ElastiCache"),
    ({"vpc_cidr": "10.0.0.0/16"}, "vpc_cidr", "has no argument 'vpc_cidr' (did you mean 'cidr'?)"),
])
def test_network_args_refuse_a_bad_value_naming_the_field(values, field, fragment):
    with pytest.raises(ValidationError) as info:
        NetworkArgs(**values)
    [error] = info.value.errors()
    assert ".".join(map(str, error["loc"])) == field
    assert fragment in error["msg"]


@pytest.mark.parametrize(("values", "fragment"), [
    ({"tiers": [{"name": "a", "routing": "private"}, {"name": "a", "routing": "isolated"}]},
     "tier 'a' is defined twice"),
    ({"tiers": [{"name": "app", "routing": "private"}], "database_tier": "app"},
     "nat per_az needs a tier with routing public"),
    ({"database_tier": "public"}, "NetworkArgs.database_tier 'public' has routing public"),
    ({"availability_zones": ["us-east-1a"], "az_count": 2}, "lists 1 AZs but az_count is 2"),
])
def test_network_args_refuse_a_layout_the_component_cannot_build(values, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        NetworkArgs(**values)


def test_only_the_stacks_require_the_seed_tier_names():
    tiers = [TierSpec(name="app", routing="private"), TierSpec(name="db", routing="isolated")]
    args = NetworkArgs(tiers=tiers, nat="none", database_tier="db")
    assert [t.name for t in args.tiers] == ["app", "db"]
    assert NetworkArgs(tiers=tiers, nat="none", database_tier=None).database_tier is None
    with pytest.raises(ValidationError, match="a tier named 'public'"):
        NetworkConfig(tiers=tiers, nat="none")


def test_one_type_per_concept():
    assert TierConfig is TierSpec
    assert FlowLogsConfig is FlowLogsSettings and EndpointsConfig is EndpointsSettings
    assert issubclass(NetworkConfig, NetworkSettings) and issubclass(NetworkArgs, NetworkSettings)
    env = load_environment({"profile": "prod", "tags": {"Owner": "t"}}, stack="p",
                           region="us-east-1")
    assert env.network.tiers == list(SEED_TIERS)
    assert all(isinstance(t, TierSpec) for t in env.network.tiers)
    # the settings the stack hands the component are the same objects
    args = NetworkArgs(**env.network.settings(NetworkSettings))
    assert args.tiers == env.network.tiers and args.flow_logs is env.network.flow_logs
    # one CIDR check: the planner's, whether config, Args or plan_subnets sees the value
    with pytest.raises(PlanError) as planned:
        plan_subnets("10.0.0.1/16", ["us-east-1a"], SEED_TIERS)
    with pytest.raises(ValidationError) as configured:
        NetworkConfig(cidr="10.0.0.1/16")
    assert str(planned.value) in str(configured.value)


def test_defaults_are_production_grade():
    args = NetworkArgs()
    assert (args.nat, args.az_count, args.cidr) == ("per_az", 3, "10.0.0.0/16")
    assert (args.flow_logs.retention_days, args.flow_logs.traffic_type) == (365, "ALL")
    assert args.endpoints.s3_gateway is True and args.legacy_child_aliases is False
    assert args.tiers == list(SEED_TIERS) and args.database_tier == "data"
    for model in (NetworkSettings, NetworkArgs, FlowLogsSettings, EndpointsSettings, TierSpec):
        for name in model.model_fields:
            text = doc_of(model, name)
            assert text, f"{model.__name__}.{name} has no description"
            assert "dev" not in text.split() and "prod" not in text.split()


def test_a_precomputed_plan_must_be_the_settings_plan():
    settings = NetworkSettings(az_count=2)
    plan = settings.plan("us-east-1")
    assert NetworkArgs(az_count=2, subnet_plan=plan).subnet_plan is plan
    with pytest.raises(ValidationError, match="not a plan of these settings"):
        NetworkArgs(az_count=2, cidr="10.1.0.0/16", subnet_plan=plan)
    with pytest.raises(ValidationError, match="covers 2 AZs but az_count is 3"):
        NetworkArgs(subnet_plan=plan)
