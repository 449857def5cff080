"""`network.nat: instance` (issue 8): one NAT instance instead of the dev NAT gateway, asserted on
the real dev stack planned offline with that one override, plus its config rules (prod refuses
it) and its price."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import NAT_INSTANCE, tags_of

from groundwork import cost
from groundwork.components.alarms.nat import recover_action
from groundwork.components.network.network import NAT_AMI_PARAMETER, NAT_USER_DATA
from groundwork.engine import PlanResult, ResourceRecord, plan_stack
from groundwork.stacks.config import ConfigError, load_environment

INSTANCE = "aws:ec2/instance:Instance"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def instance_of(plan: PlanResult) -> ResourceRecord:
    return plan.one(INSTANCE)


def subnets(plan: PlanResult, tier: str) -> list[ResourceRecord]:
    return sorted((s for s in plan.of_type(SUBNET) if tags_of(s)["Tier"] == tier),
                  key=lambda s: s.inputs["availabilityZone"])


def routes_of_subnet(plan: PlanResult, subnet: ResourceRecord) -> list[dict]:
    [assoc] = [a for a in plan.of_type(ASSOC) if a.inputs["subnetId"] == subnet.id]
    return [r.inputs for r in plan.of_type(ROUTE)
            if r.inputs["routeTableId"] == assoc.inputs["routeTableId"]]


# --------------------------------------------------------------------------------------------
# what replaces the gateway
# --------------------------------------------------------------------------------------------


def test_no_nat_gateway_one_instance_in_the_first_public_subnet(dev_nat_instance):
    plan = dev_nat_instance
    assert plan.of_type("aws:ec2/natGateway:NatGateway") == []
    nat = instance_of(plan)
    first_public = subnets(plan, "public")[0]
    assert nat.inputs["subnetId"] == first_public.id
    assert first_public.inputs["availabilityZone"] == "us-east-1a"
    assert nat.inputs["instanceType"] == "t4g.nano"
    assert tags_of(nat)["Name"] == "groundwork-dev-network-nat-us-east-1a"  # <prefix>-<component>-...
    assert tags_of(nat)["AZ"] == "us-east-1a"
    assert nat.parent == plan.one("groundwork:network:Network").urn


def test_the_instance_forwards_and_is_hardened(dev_nat_instance):
    nat = instance_of(dev_nat_instance).inputs
    assert nat["sourceDestCheck"] is False  # it forwards packets that are not its own
    assert nat["metadataOptions"]["httpTokens"] == "required"  # IMDSv2 only (FSBP EC2.8)
    assert nat["metadataOptions"]["httpPutResponseHopLimit"] == 1
    root = nat["rootBlockDevice"]
    assert root["encrypted"] is True and root["volumeType"] == "gp3"  # FSBP EC2.3
    assert root["deleteOnTermination"] is True
    assert "keyName" not in nat  # no SSH key: Session Manager only
    assert "associatePublicIpAddress" not in nat  # its address is the Elastic IP


def test_the_ami_is_amazon_linux_2023_for_the_instance_architecture(dev_nat_instance):
    """The AMI id comes from the public AL2023 parameter of the type's architecture (resolved by
    the program, then ignored by later runs so a new AMI never replaces the NAT unasked)."""
    arm = instance_of(dev_nat_instance)
    x86 = instance_of(plan_stack("dev", overrides={"network": {
        "nat": "instance", "nat_instance_type": "t3.micro"}}))
    assert arm.inputs["ami"].startswith("ami-") and x86.inputs["ami"].startswith("ami-")
    assert arm.inputs["ami"] != x86.inputs["ami"]
    assert x86.inputs["instanceType"] == "t3.micro"
    assert arm.ignore_changes == ["ami"] == x86.ignore_changes
    assert NAT_AMI_PARAMETER.format(arch="arm64") == (
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64")


@pytest.mark.parametrize(("instance_type", "arch"), [
    ("t4g.nano", "arm64"), ("c7g.medium", "arm64"), ("c6gn.large", "arm64"),
    ("t3.nano", "x86_64"), ("t3a.small", "x86_64"),
])
def test_the_architecture_follows_the_family(instance_type, arch):
    env = load_environment({"profile": "dev", "tags": {"Owner": "t"},
                            "network": {"nat": "instance", "nat_instance_type": instance_type}},
                           stack="t", region="us-east-1")
    assert env.network.nat_instance_architecture == arch


def test_ssm_only_instance_profile(dev_nat_instance):
    plan = dev_nat_instance
    nat = instance_of(plan)
    [profile] = [p for p in plan.of_type("aws:iam/instanceProfile:InstanceProfile")
                 if p.inputs["name"] == nat.inputs["iamInstanceProfile"]]
    [role] = [r for r in plan.of_type("aws:iam/role:Role") if r.inputs["name"] == profile.inputs["role"]]
    trust = json.loads(role.inputs["assumeRolePolicy"])
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    attached = [a.inputs["policyArn"] for a in plan.of_type(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment") if a.inputs["role"] == role.inputs["name"]]
    assert attached == ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
    assert role.inputs["name"] == profile.inputs["name"] == "groundwork-dev-network-nat-instance"
    assert [p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy")
            if p.inputs["role"] in (role.inputs["name"], role.id)] == []


def test_user_data_turns_on_forwarding_and_masquerade_persistently(dev_nat_instance):
    nat = instance_of(dev_nat_instance).inputs
    script = nat["userData"]
    assert script == NAT_USER_DATA
    assert nat["userDataReplaceOnChange"] is True  # user data only runs at first boot
    # forwarding, in sysctl.d (applied at every boot) and applied now
    assert "/etc/sysctl.d/90-groundwork-nat.conf" in script
    assert "net.ipv4.ip_forward = 1" in script
    assert "sysctl -p /etc/sysctl.d/90-groundwork-nat.conf" in script
    # masquerade on the interface of the default route (ens5 on AL2023, never a hard-coded eth0)
    assert "ip -o -4 route show to default" in script
    assert "-A POSTROUTING -o ${IFACE} -j MASQUERADE" in script
    assert ":FORWARD ACCEPT" in script  # not the package's REJECT-everything default
    # persistent through iptables.service loading /etc/sysconfig/iptables at boot
    assert "dnf install -y iptables-services" in script
    assert "cat > /etc/sysconfig/iptables" in script and "systemctl enable iptables" in script


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_user_data_is_valid_bash():
    result = subprocess.run(["bash", "-n"], input=NAT_USER_DATA, text=True, capture_output=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert NAT_USER_DATA.startswith("#!/bin/bash\n")


def test_an_elastic_ip_on_the_instance(dev_nat_instance):
    plan = dev_nat_instance
    nat = instance_of(plan)
    [eip] = plan.of_type("aws:ec2/eip:Eip")
    assert eip.inputs["instance"] == nat.id and eip.inputs["domain"] == "vpc"
    assert tags_of(eip)["AZ"] == "us-east-1a" and tags_of(eip)["Name"] == tags_of(nat)["Name"]


# --------------------------------------------------------------------------------------------
# routing and the security group
# --------------------------------------------------------------------------------------------


def test_every_compute_route_table_defaults_to_the_instance_eni(dev_nat_instance):
    plan = dev_nat_instance
    eni = instance_of(plan).outputs["primaryNetworkInterfaceId"]
    assert eni.startswith("eni-")
    compute = subnets(plan, "compute")
    assert len(compute) == 2
    for subnet in compute:
        [default] = [r for r in routes_of_subnet(plan, subnet)
                     if r.get("destinationCidrBlock") == "0.0.0.0/0"]
        assert default["networkInterfaceId"] == eni
        assert "natGatewayId" not in default and "gatewayId" not in default


def test_data_and_messaging_still_have_no_route_off_the_vpc(dev_nat_instance):
    for tier in ("data", "messaging"):
        isolated = subnets(dev_nat_instance, tier)
        assert isolated
        for subnet in isolated:
            assert routes_of_subnet(dev_nat_instance, subnet) == []


def test_the_security_group_admits_only_the_vpc(dev_nat_instance):
    plan = dev_nat_instance
    nat = instance_of(plan)
    [sg_id] = nat.inputs["vpcSecurityGroupIds"]
    sg = next(g for g in plan.of_type(SG) if g.id == sg_id)
    assert sg.inputs["name"] == "groundwork-dev-network-nat-instance"
    assert "ingress" not in sg.inputs and "egress" not in sg.inputs  # rules are resources
    ingress = [r.inputs for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == sg_id]
    assert sorted(r["ipProtocol"] for r in ingress) == ["icmp", "tcp", "udp"]
    for rule in ingress:
        assert rule["cidrIpv4"] == "10.0.0.0/16"  # the VPC, never the world
        assert rule["description"]
        assert "referencedSecurityGroupId" not in rule and "cidrIpv6" not in rule
    [egress] = [r.inputs for r in plan.of_type(EGRESS) if r.inputs["securityGroupId"] == sg_id]
    assert (egress["ipProtocol"], egress["cidrIpv4"]) == ("-1", "0.0.0.0/0")
    assert egress["description"]


# --------------------------------------------------------------------------------------------
# outputs and alarms
# --------------------------------------------------------------------------------------------


def test_outputs_keep_gateways_and_instances_apart(dev_nat_instance, dev):
    out = dev_nat_instance.stack_outputs
    assert out["nat_gateway_ids"] == []
    assert out["nat_instance_ids"] == [instance_of(dev_nat_instance).id]
    assert dev.stack_outputs["nat_instance_ids"] == []
    assert len(dev.stack_outputs["nat_gateway_ids"]) == 1


def test_the_recovery_alarm_watches_the_instance_and_recovers_it(dev_nat_instance):
    plan = dev_nat_instance
    nat = instance_of(plan)
    [alarm] = [a for a in plan.of_type(ALARM) if tags_of(a)["AlarmKey"] == "nat-instance-status-check"]
    i = alarm.inputs
    # <prefix>-<alarms component>-<watched component>-<key> (components/alarms)
    assert i["name"] == "groundwork-dev-alarms-network-nat-instance-status-check"
    assert (i["namespace"], i["metricName"], i["statistic"]) == (
        "AWS/EC2", "StatusCheckFailed_System", "Maximum")
    assert i["dimensions"] == {"InstanceId": nat.id}
    critical = next(t.outputs["arn"] for t in plan.of_type("aws:sns/topic:Topic")
                    if t.inputs["name"] == "groundwork-dev-alarms-critical")
    assert i["alarmActions"] == [critical, "arn:aws:automate:us-east-1:ec2:recover"]
    assert i["okActions"] == [critical]
    assert i["actionsEnabled"] is True
    assert (i["evaluationPeriods"], i["datapointsToAlarm"], i["period"]) == (2, 2, 60)
    # the gateway alarms have nothing to watch, and are not created
    keys = {tags_of(a)["AlarmKey"] for a in plan.of_type(ALARM)}
    assert not keys & {"nat-port-allocation", "nat-packets-dropped"}


def test_the_recover_action_follows_the_region_and_partition():
    assert recover_action("eu-west-1") == "arn:aws:automate:eu-west-1:ec2:recover"
    assert recover_action("cn-north-1") == "arn:aws-cn:automate:cn-north-1:ec2:recover"
    assert recover_action("us-gov-west-1") == "arn:aws-us-gov:automate:us-gov-west-1:ec2:recover"


def test_the_dashboard_graphs_the_instance(dev_nat_instance):
    [dash] = dev_nat_instance.of_type("aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(dash.inputs["dashboardBody"])
    nat_id = instance_of(dev_nat_instance).id
    [widget] = [w for w in body["widgets"] if w["properties"].get("title", "").startswith("NAT instance")]
    names = {m[1] for m in widget["properties"]["metrics"]}
    assert names == {"CPUUtilization", "NetworkOut", "StatusCheckFailed_System"}
    assert all(m[3] == nat_id for m in widget["properties"]["metrics"])
    assert not [w for w in body["widgets"] if "NAT gateways" in w["properties"].get("title", "")]


# --------------------------------------------------------------------------------------------
# config: prod refuses it, instance types are checked
# --------------------------------------------------------------------------------------------


def test_prod_refuses_a_nat_instance():
    with pytest.raises(ConfigError) as info:
        plan_stack("prod", overrides=NAT_INSTANCE)
    [line] = info.value.problems
    assert line.startswith("groundwork:network.nat: 'instance' is not allowed in prod")
    assert "single point of failure" in line and "per_az" in line


def test_prod_floor_reports_the_nat_and_the_other_rules_together():
    raw = {"profile": "prod", "tags": {"Owner": "t"}, "network": {"nat": "instance"},
           "database": {"multi_az": False}}
    with pytest.raises(ConfigError) as info:
        load_environment(raw, stack="p", region="us-east-1")
    nat, rest = info.value.problems
    assert nat.startswith("groundwork:network.nat: 'instance' is not allowed in prod")
    assert rest == "groundwork: database.multi_az must be true in prod"


def test_dev_default_is_still_the_single_gateway(dev):
    assert dev.config.network.nat == "single"
    assert dev.of_type(INSTANCE) == []
    assert len(dev.of_type("aws:ec2/natGateway:NatGateway")) == 1


@pytest.mark.parametrize(("instance_type", "fragment"), [
    ("m5.large", "must be a t4g, t3, t3a, c7g, c6gn instance type"),
    ("c7g.nano", "c7g has no size 'nano'"),
    ("t4g", "t4g has no size ''"),
])
def test_unsupported_instance_types_are_config_errors(instance_type, fragment):
    raw = {"profile": "dev", "tags": {"Owner": "t"},
           "network": {"nat": "instance", "nat_instance_type": instance_type}}
    with pytest.raises(ConfigError) as info:
        load_environment(raw, stack="d", region="us-east-1")
    [line] = info.value.problems
    assert line.startswith("groundwork:network.nat_instance_type:") and fragment in line


# --------------------------------------------------------------------------------------------
# cost
# --------------------------------------------------------------------------------------------


def test_dev_with_a_nat_instance_costs_33_74_less(dev, dev_nat_instance):
    """By hand, per month (730 h, us-east-1): the gateway's 730 x 0.045 = 32.85 of hours and
    100 GB x 0.045 = 4.50 of processing go; the instance's 730 x 0.0042 = 3.066 of t4g.nano and
    8 GB x 0.08 = 0.64 of gp3 come; the Elastic IP stays (3.65); two gateway alarms (0.20) give
    way to one status-check alarm (0.10). Net: -37.35 + 3.706 - 0.10 = -33.744."""
    before, after = cost.estimate(dev), cost.estimate(dev_nat_instance)
    assert after.unpriced == []
    assert round(after.total - before.total, 4) == -33.744
    network = {(line.item, round(line.monthly, 4)) for line in after.lines
               if line.component == "network" and "log" not in line.item}
    assert network == {("EC2 t4g.nano hours", 3.066), ("EBS gp3 root volume", 0.64),
                       ("public IPv4 (Elastic IP)", 3.65),
                       # the EC2 API endpoint (FSBP EC2.10) in 2 AZs, whatever the NAT
                       ("interface endpoint AZ-hours", 14.6), ("endpoint data processed (assumed)", 0.1)}
    assert round(after.by_component()["network"], 2) == 22.59
    assert round(before.total, 2) == 129.78 and round(after.total, 2) == 96.04


def test_the_plan_report_draws_the_nat_instance(dev_nat_instance):
    from groundwork.report import mermaid

    chart = mermaid(dev_nat_instance)
    assert "n_nat_instance[NAT instance t4g.nano<br/>public subnet]" in chart
    assert "n_10_0_0_0_16 -->|icmp/-1, tcp/0-65535, udp/0-65535| n_nat_instance" in chart
    assert "n_nat_instance -->|egress| internet_out([Internet])" in chart
    assert "NAT gateway" not in chart
