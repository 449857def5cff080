"""The controls issue 12 added rules for, and what the components build to satisfy them:
RDS.20 / RDS.21 / RDS.22 (instance, parameter-group and DB security-group event
subscriptions), EC2.10 (an EC2 API
endpoint in every VPC), EC2.21 (no SSH / RDP from the internet through a network ACL) and ACM.2
(RSA keys of at least 2048 bits).

Each rule gets passing cases and failing ones, the evasions first (inputs AWS accepts that a
naive rule would let through). The real `prod` and `dev` plans hold what the rules look for,
and breaking one input of them fires the rule, mandatory in both environments."""

from __future__ import annotations

import copy
import datetime
import json
from functools import cache
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from groundwork.check import (
    POLICIES_DIR,
    check_records,
    stack_resources,
    synthetic,
    validate_resource,
    validate_stack,
)
from groundwork.components.alarms.notifications import RDS_GROUP_EVENT_CATEGORIES
from groundwork.components.network.network import default_nacl_entries
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.policies import rules
from groundwork.policies.rules.load_balancer import certificate_key

COVERED_RULES = {
    "rds-in-vpc",
    "rds-instance-events",
    "rds-parameter-group-events",
    "rds-security-group-events",
    "ec2-vpc-ec2-endpoint",
    "ec2-nacl-no-world-admin-ports",
    "acm-rsa-key-length",
}

RULES = rules.by_name()
PROD_CONFIG = json.loads((POLICIES_DIR / "config" / "prod.json").read_text())
DEV_CONFIG = json.loads((POLICIES_DIR / "config" / "dev.json").read_text())

RDS = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
PG = "aws:rds/parameterGroup:ParameterGroup"
SUB = "aws:rds/eventSubscription:EventSubscription"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
NACL = "aws:ec2/networkAcl:NetworkAcl"
NACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
DEFAULT_NACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
CERT = "aws:acm/certificate:Certificate"


def messages(found: list[tuple[str, str]]) -> str:
    return "\n".join(m for _, m in found)


# --------------------------------------------------------------------------------------------
# RDS.21 / RDS.22: event subscriptions
# --------------------------------------------------------------------------------------------

PG_EVENTS = {"sourceType": "db-parameter-group", "eventCategories": ["configuration change"],
             "enabled": True, "snsTopic": "arn:aws:sns:us-east-1:123456789012:critical"}
SG_EVENTS = {"sourceType": "db-security-group",
             "eventCategories": ["configuration change", "failure"], "enabled": True,
             "snsTopic": "arn:aws:sns:us-east-1:123456789012:critical"}


def _db_stack(*subs: dict[str, Any], scoped_by_ref: bool = False,
              default_group: bool = False) -> list[PolicyResource]:
    """A database on parameter group `app-pg`, plus one subscription per `subs` entry."""
    group = synthetic(PG, "pg", {"name": "app-pg", "family": "postgres17"})
    db_props: dict[str, Any] = {"engine": "postgres", "identifier": "app"}
    deps: dict[str, list[PolicyResource]] = {}
    if not default_group:
        db_props["parameterGroupName"] = "app-pg"
        deps["parameterGroupName"] = [group]
    out = [group, synthetic(RDS, "db", db_props, deps=deps)]
    for i, props in enumerate(subs):
        sub_deps = {"sourceIds": [group]} if scoped_by_ref and "sourceIds" in props else None
        out.append(synthetic(SUB, f"sub-{i}", props, deps=sub_deps))
    return out


@pytest.mark.parametrize("subs", [
    [PG_EVENTS],
    [{**PG_EVENTS, "enabled": None}],  # unset: the provider's default is enabled
    [{**PG_EVENTS, "eventCategories": []}],  # no categories: every category of the source type
    [{"snsTopic": "arn:aws:sns:us-east-1:1:t"}],  # no source type, no categories: every event
    [{**PG_EVENTS, "eventCategories": ["Configuration Change", "failure"]}],
    [{**PG_EVENTS, "sourceIds": ["app-pg"]}],  # scoped to the database's own group, by name
    [{**PG_EVENTS, "enabled": False}, PG_EVENTS],  # one good subscription is enough
], ids=["exact", "enabled-unset", "all-categories", "everything", "case", "scoped", "one-of-two"])
def test_parameter_group_events_pass(subs):
    assert validate_stack(RULES["rds-parameter-group-events"], _db_stack(*subs)) == []


def test_parameter_group_events_scoped_by_reference_pass():
    found = validate_stack(RULES["rds-parameter-group-events"],
                           _db_stack({**PG_EVENTS, "sourceIds": ["[unknown]"]}, scoped_by_ref=True))
    assert found == []


@pytest.mark.parametrize(("subs", "fragment"), [
    ([], "no enabled RDS event subscription covers db-parameter-group events"),
    # what the stacks had before: db-instance events only
    ([{**PG_EVENTS, "sourceType": "db-instance", "sourceIds": ["app"]}], "is for db-instance events"),
    ([{**PG_EVENTS, "enabled": False}], "'sub-0' is disabled"),
    ([{**PG_EVENTS, "enabled": "false"}], "'sub-0' is disabled"),  # the provider's string form
    ([{**PG_EVENTS, "eventCategories": ["failure"]}], "leaves out configuration change"),
    ([{**PG_EVENTS, "sourceType": "db-security-group"}], "is for db-security-group events"),
    ([{**PG_EVENTS, "sourceIds": ["someone-elses-pg"]}], "names other parameter groups"),
], ids=["none", "instance-only", "disabled", "disabled-string", "wrong-categories",
        "wrong-source", "scoped-elsewhere"])
def test_parameter_group_events_fire(subs, fragment):
    found = validate_stack(RULES["rds-parameter-group-events"], _db_stack(*subs))
    [(urn, message)] = found
    assert urn.endswith("::db") and "[RDS.21]" in message
    assert fragment in message, message


def test_a_scoped_subscription_does_not_cover_the_default_parameter_group():
    """An instance on RDS's default group: a subscription naming other groups misses it."""
    stack = _db_stack({**PG_EVENTS, "sourceIds": ["app-pg"]}, default_group=True)
    [(_, message)] = validate_stack(RULES["rds-parameter-group-events"], stack)
    assert "names other parameter groups" in message
    assert validate_stack(RULES["rds-parameter-group-events"],
                          _db_stack(PG_EVENTS, default_group=True)) == []


def test_event_rules_need_a_database_and_cover_clusters():
    for name in ("rds-parameter-group-events", "rds-security-group-events"):
        assert validate_stack(RULES[name], [synthetic(SUB, "s", {"enabled": False})]) == []
        cluster = synthetic(CLUSTER, "aurora", {"engine": "aurora-postgresql"})
        [(urn, _)] = validate_stack(RULES[name], [cluster])
        assert urn.endswith("::aurora")


@pytest.mark.parametrize(("subs", "fragment"), [
    ([SG_EVENTS], None),
    ([{**SG_EVENTS, "eventCategories": []}], None),
    ([{**SG_EVENTS, "eventCategories": ["failure", "configuration change", "deletion"]}], None),
    ([{**SG_EVENTS, "eventCategories": ["configuration change"]}], "leaves out failure"),
    ([{**SG_EVENTS, "eventCategories": ["failure"]}], "leaves out configuration change"),
    ([{**SG_EVENTS, "enabled": False}], "is disabled"),
    ([PG_EVENTS], "is for db-parameter-group events"),
    ([{**SG_EVENTS, "sourceType": "db-instance"}], "is for db-instance events"),
])
def test_security_group_events(subs, fragment):
    found = validate_stack(RULES["rds-security-group-events"], _db_stack(*subs))
    if fragment is None:
        assert found == []
    else:
        [(_, message)] = found
        assert "[RDS.22]" in message and fragment in message, message


INSTANCE_EVENTS = {"sourceType": "db-instance", "sourceIds": ["app"], "enabled": True,
                   "eventCategories": ["availability", "configuration change", "failure",
                                       "maintenance", "low storage"]}


@pytest.mark.parametrize(("subs", "fragment"), [
    ([INSTANCE_EVENTS], None),
    ([{**INSTANCE_EVENTS, "sourceIds": []}], None),  # every instance
    ([{**INSTANCE_EVENTS, "eventCategories": []}], None),
    ([{**INSTANCE_EVENTS, "sourceIds": ["another-db"]}], "names other instances"),
    ([{**INSTANCE_EVENTS, "eventCategories": ["failure", "configuration change"]}],
     "leaves out maintenance"),
    ([{**INSTANCE_EVENTS, "enabled": False}], "is disabled"),
    ([PG_EVENTS, SG_EVENTS], "is for db-parameter-group events"),
])
def test_instance_events(subs, fragment):
    found = validate_stack(RULES["rds-instance-events"], _db_stack(*subs))
    if fragment is None:
        assert found == []
    else:
        [(_, message)] = found
        assert "[RDS.20]" in message and fragment in message, message


def test_an_instance_subscription_names_the_instance_by_reference():
    stack = _db_stack()
    db = next(r for r in stack if r.resource_type == RDS)
    sub = synthetic(SUB, "by-ref", {**INSTANCE_EVENTS, "sourceIds": ["[unknown]"]},
                    deps={"sourceIds": [db]})
    assert validate_stack(RULES["rds-instance-events"], [*stack, sub]) == []


def test_prod_and_dev_subscribe_parameter_and_security_group_events(prod, dev):
    for plan in (prod, dev):
        critical = next(t.outputs["arn"] for t in plan.of_type("aws:sns/topic:Topic")
                        if t.name == "notifications-critical")
        subs = {s.inputs["sourceType"]: s for s in plan.of_type(SUB)}
        assert set(subs) == {"db-instance", "db-parameter-group", "db-security-group"}
        group = plan.one(PG)
        pg_sub, sg_sub = subs["db-parameter-group"], subs["db-security-group"]
        assert pg_sub.inputs["eventCategories"] == ["configuration change"]
        assert pg_sub.inputs["sourceIds"] == [group.outputs["name"]]  # this stack's group only
        assert pg_sub.property_dependencies["sourceIds"] == [group.urn]
        assert sg_sub.inputs["eventCategories"] == ["configuration change", "failure"]
        assert "sourceIds" not in sg_sub.inputs  # DB security groups: none exist in a VPC
        for kind, sub in (("parameter-group", pg_sub), ("security-group", sg_sub)):
            assert sub.inputs["enabled"] is True and sub.inputs["snsTopic"] == critical
            assert sub.inputs["name"] == f"groundwork-{plan.stack}-notifications-rds-{kind}-events"
            assert any("topicPolicy" in d and "critical" in d for d in sub.depends_on)
        assert {k: tuple(v.inputs["eventCategories"]) for k, v in subs.items()
                if k != "db-instance"} == RDS_GROUP_EVENT_CATEGORIES


# --------------------------------------------------------------------------------------------
# EC2.10: an EC2 API endpoint in every VPC
# --------------------------------------------------------------------------------------------

EC2_ENDPOINT = {"serviceName": "com.amazonaws.us-east-1.ec2", "vpcEndpointType": "Interface",
                "privateDnsEnabled": True, "subnetIds": ["subnet-1", "subnet-2"]}


def _vpc_stack(*endpoints: dict[str, Any], other_vpc: bool = False) -> list[PolicyResource]:
    vpc = synthetic(VPC, "vpc", {"cidrBlock": "10.0.0.0/16", "id": "vpc-1"})
    other = synthetic(VPC, "other", {"cidrBlock": "10.1.0.0/16", "id": "vpc-2"})
    out = [vpc, other] if other_vpc else [vpc]
    for i, props in enumerate(endpoints):
        out.append(synthetic(ENDPOINT, f"ep-{i}", {"vpcId": "vpc-1", **props},
                             deps={"vpcId": [vpc]}))
    return out


@pytest.mark.parametrize("endpoints", [
    [EC2_ENDPOINT],
    [{**EC2_ENDPOINT, "serviceName": "cn.com.amazonaws.cn-north-1.ec2"}],
    [{**EC2_ENDPOINT, "privateDnsEnabled": False}, EC2_ENDPOINT],
])
def test_ec2_endpoint_passes(endpoints):
    assert validate_stack(RULES["ec2-vpc-ec2-endpoint"], _vpc_stack(*endpoints)) == []


@pytest.mark.parametrize(("endpoints", "fragment"), [
    ([], "has no VPC endpoint for the EC2 API"),
    ([{"serviceName": "com.amazonaws.us-east-1.s3", "vpcEndpointType": "Gateway"}],
     "has no VPC endpoint for the EC2 API"),
    # look-alikes: Systems Manager's ec2messages, the FIPS name
    ([{**EC2_ENDPOINT, "serviceName": "com.amazonaws.us-east-1.ec2messages"}], "has no VPC endpoint"),
    ([{**EC2_ENDPOINT, "serviceName": "com.amazonaws.us-east-1.ec2-fips"}], "has no VPC endpoint"),
    ([{**EC2_ENDPOINT, "privateDnsEnabled": False}], "has private DNS off"),
    ([{**EC2_ENDPOINT, "privateDnsEnabled": None}], "has private DNS off"),  # the provider's default
    ([{**EC2_ENDPOINT, "vpcEndpointType": None}], "is a Gateway endpoint"),  # ditto: Gateway
    ([{**EC2_ENDPOINT, "subnetIds": []}], "has no subnets"),
])
def test_ec2_endpoint_fires(endpoints, fragment):
    [(urn, message)] = validate_stack(RULES["ec2-vpc-ec2-endpoint"], _vpc_stack(*endpoints))
    assert urn.endswith("::vpc") and "[EC2.10]" in message and fragment in message, message


def test_every_vpc_needs_its_own_ec2_endpoint():
    """An endpoint in one VPC covers only that VPC."""
    found = validate_stack(RULES["ec2-vpc-ec2-endpoint"], _vpc_stack(EC2_ENDPOINT, other_vpc=True))
    assert [urn.rsplit("::", 1)[-1] for urn, _ in found] == ["other"]


def test_prod_and_dev_have_the_ec2_endpoint_in_the_compute_tier(prod, dev):
    for plan in (prod, dev):
        [endpoint] = [e for e in plan.of_type(ENDPOINT)
                      if e.inputs["serviceName"] == "com.amazonaws.us-east-1.ec2"]
        assert endpoint.inputs["vpcId"] == plan.one(VPC).id
        assert (endpoint.inputs["vpcEndpointType"], endpoint.inputs["privateDnsEnabled"]) == (
            "Interface", True)
        compute = sorted(s.id for s in plan.of_type(SUBNET) if s.inputs["tags"]["Tier"] == "compute")
        assert sorted(endpoint.inputs["subnetIds"]) == compute
        assert len(compute) == len(plan.config.network.plan("us-east-1").azs)
        [group_id] = endpoint.inputs["securityGroupIds"]
        rules_in = [r for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == group_id]
        assert [(r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"],
                 r.inputs["cidrIpv4"]) for r in rules_in] == [("tcp", 443, 443, "10.0.0.0/16")]


# --------------------------------------------------------------------------------------------
# EC2.21: network ACLs
# --------------------------------------------------------------------------------------------


def entry(rule_no: int, action: str, protocol: str = "-1", cidr: str = "0.0.0.0/0",
          ports: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    key = "ipv6CidrBlock" if ":" in cidr else "cidrBlock"
    return {"ruleNo": rule_no, "action": action, "protocol": protocol, key: cidr,
            "fromPort": ports[0], "toPort": ports[1]}


def camel(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {"rule_no": "ruleNo", "from_port": "fromPort", "to_port": "toPort",
             "cidr_block": "cidrBlock", "ipv6_cidr_block": "ipv6CidrBlock"}
    return [{names.get(k, k): v for k, v in e.items()} for e in entries]


GROUNDWORK = camel(default_nacl_entries("10.0.0.0/16")["ingress"])
DENY_ADMIN = [entry(100, "deny", "tcp", ports=(22, 22)), entry(101, "deny", "udp", ports=(22, 22)),
              entry(110, "deny", "tcp", ports=(3389, 3389)),
              entry(111, "deny", "udp", ports=(3389, 3389))]
ALLOW_ALL = entry(200, "allow")


def _acl_stack(ingress: list[dict[str, Any]], *, kind: str = DEFAULT_NACL,
               extra_rules: list[dict[str, Any]] = (), rules_on: str = "vpc") -> list[PolicyResource]:
    """A VPC whose default ACL (or a NetworkAcl) has `ingress`; `extra_rules` are
    ec2.NetworkAclRule resources on it, by the VPC's default ACL id (`rules_on` vpc) or the
    ACL's id."""
    vpc = synthetic(VPC, "vpc", {"cidrBlock": "10.0.0.0/16", "id": "vpc-1",
                                 "defaultNetworkAclId": "acl-default"})
    if kind == DEFAULT_NACL:
        acl = synthetic(DEFAULT_NACL, "acl", {"defaultNetworkAclId": "acl-default", "ingress": ingress,
                                              "egress": [entry(100, "allow")]},
                        deps={"defaultNetworkAclId": [vpc]})
    else:
        acl = synthetic(NACL, "acl", {"vpcId": "vpc-1", "id": "acl-custom", "ingress": ingress},
                        deps={"vpcId": [vpc]})
    out = [vpc, acl]
    if kind == NACL:  # the VPC's own default ACL is managed (closed) too
        out.append(synthetic(DEFAULT_NACL, "default", {"defaultNetworkAclId": "acl-default",
                                                       "ingress": GROUNDWORK},
                             deps={"defaultNetworkAclId": [vpc]}))
    for i, props in enumerate(extra_rules):
        target = vpc if rules_on == "vpc" else acl
        out.append(synthetic(NACL_RULE, f"rule-{i}", {"networkAclId": "acl-x", **props},
                             deps={"networkAclId": [target]}))
    return out


def nacl_rule(number: int, action: str, protocol: str = "-1", cidr: str = "0.0.0.0/0",
              ports: tuple[int, int] = (0, 0), egress: bool = False) -> dict[str, Any]:
    key = "ipv6CidrBlock" if ":" in cidr else "cidrBlock"
    return {"ruleNumber": number, "ruleAction": action, "protocol": protocol, key: cidr,
            "fromPort": ports[0], "toPort": ports[1], "egress": egress}


@pytest.mark.parametrize("ingress", [
    GROUNDWORK,
    camel(default_nacl_entries("10.0.0.0/16", "2600:1f18::/56")["ingress"]),
    [*DENY_ADMIN, ALLOW_ALL],
    [entry(100, "allow", "tcp", "203.0.113.10/32", (22, 22)), entry(200, "allow", "tcp", ports=(443, 443))],
    [entry(100, "allow", "tcp", "10.0.0.0/8", (22, 22))],  # private sources are not the internet
    [entry(100, "allow", "1", ports=(-1, -1))],  # ICMP from anywhere: no ports
    [entry(100, "allow", "tcp", ports=(1024, 3388)), entry(110, "allow", "tcp", ports=(3390, 65535))],
    # a deny wider than the port, ahead of the allow
    [entry(50, "deny", "-1"), ALLOW_ALL],
    [entry(50, "deny", "tcp", ports=(0, 1023)), entry(51, "deny", "udp", ports=(0, 65535)),
     entry(52, "deny", "tcp", ports=(3000, 4000)), ALLOW_ALL],
], ids=["groundwork", "groundwork-dual-stack", "denies-first", "office-ip", "private", "icmp",
        "ranges-around", "deny-all", "wide-denies"])
def test_nacl_passes(ingress):
    assert validate_stack(RULES["ec2-nacl-no-world-admin-ports"], _acl_stack(ingress)) == []
    assert validate_stack(RULES["ec2-nacl-no-world-admin-ports"], _acl_stack(ingress, kind=NACL)) == []


@pytest.mark.parametrize(("ingress", "fragment"), [
    ([ALLOW_ALL], "admits tcp 22, tcp 3389, udp 22, udp 3389 from the internet"),
    # a deny numbered AFTER the allow never sees the packet
    ([entry(100, "allow"), entry(200, "deny", "tcp", ports=(22, 22)),
      entry(210, "deny", "tcp", ports=(3389, 3389))], "admits tcp 22, tcp 3389"),
    # only TCP 22 denied: 3389 and UDP stay open
    ([entry(100, "deny", "tcp", ports=(22, 22)), ALLOW_ALL], "admits tcp 3389, udp 22, udp 3389"),
    # a deny that covers only part of the world (a private range, half the internet)
    ([entry(100, "deny", "tcp", "10.0.0.0/8", (22, 22)), ALLOW_ALL], "admits tcp 22,"),
    ([entry(100, "deny", "-1", "0.0.0.0/1"), ALLOW_ALL], "admits tcp 22,"),
    # the world split into halves
    ([entry(100, "allow", "tcp", "0.0.0.0/1", (22, 22)),
      entry(101, "allow", "tcp", "128.0.0.0/1", (22, 22))], "admits tcp 22 from the internet"),
    ([entry(100, "allow", "tcp", "0.0.0.0/1", (3389, 3389))], "admits tcp 3389"),  # half is plenty
    # the world minus a private range
    ([entry(90, "deny", "-1", "10.0.0.0/8"), entry(100, "allow", "tcp", ports=(22, 22))],
     "admits tcp 22 from the internet"),
    # a port range that includes 22; protocol by number; UDP
    ([entry(100, "allow", "tcp", ports=(0, 1024))], "admits tcp 22 from"),
    ([entry(100, "allow", "6", ports=(3389, 3389))], "admits tcp 3389"),
    ([entry(100, "allow", "17", ports=(3389, 3389))], "admits udp 3389"),
    ([entry(100, "allow", "all")], "admits tcp 22, tcp 3389, udp 22, udp 3389"),
    # IPv6: ::/0, and an IPv4 deny does not cover it
    ([*DENY_ADMIN, ALLOW_ALL, entry(201, "allow", cidr="::/0")], "rule 201 allows all traffic from ::/0"),
    ([entry(100, "allow", "tcp", "2000::/3", (22, 22))], "admits tcp 22"),
], ids=["allow-all", "deny-after-allow", "tcp-22-only", "deny-private-only", "deny-half",
        "split-world", "half-world", "world-minus-private", "port-range", "protocol-number",
        "udp", "protocol-all", "ipv6-world", "ipv6-global"])
def test_nacl_fires(ingress, fragment):
    for kind in (DEFAULT_NACL, NACL):
        [(urn, message)] = validate_stack(RULES["ec2-nacl-no-world-admin-ports"],
                                          _acl_stack(ingress, kind=kind))
        assert urn.endswith("::acl") and "[EC2.21]" in message
        assert fragment in message, message


def test_nacl_rule_resources_are_evaluated_with_the_acl_they_join():
    """An ec2.NetworkAclRule numbered below the denies opens 22 again, whether it names the
    VPC's default ACL id or a custom ACL; a higher-numbered one, or an egress one, does not."""
    rule = RULES["ec2-nacl-no-world-admin-ports"]
    early = nacl_rule(50, "allow", "tcp", ports=(22, 22))
    late = nacl_rule(300, "allow", "tcp", ports=(22, 22))
    egress = nacl_rule(10, "allow", "-1", egress=True)
    [(urn, message)] = validate_stack(rule, _acl_stack(GROUNDWORK, extra_rules=[early]))
    assert urn.endswith("::acl") and "rule 50 allows tcp 22 from 0.0.0.0/0" in message
    [(urn, _)] = validate_stack(rule, _acl_stack(GROUNDWORK, kind=NACL, extra_rules=[early],
                                                 rules_on="acl"))
    assert urn.endswith("::acl")
    assert validate_stack(rule, _acl_stack(GROUNDWORK, extra_rules=[late, egress])) == []
    # a custom ACL closed by its rule resources alone
    closed = [nacl_rule(100 + i, "deny", p, ports=(port, port))
              for i, (p, port) in enumerate([("tcp", 22), ("udp", 22), ("tcp", 3389), ("udp", 3389)])]
    assert validate_stack(rule, _acl_stack([], kind=NACL, extra_rules=[*closed, nacl_rule(200, "allow")],
                                           rules_on="acl")) == []


def test_a_vpc_that_leaves_its_default_acl_to_aws_fails():
    """AWS's default ACL admits everything (rule 100 from 0.0.0.0/0), and rules added to it
    after the fact don't help unless they come first."""
    rule = RULES["ec2-nacl-no-world-admin-ports"]
    vpc = synthetic(VPC, "vpc", {"cidrBlock": "10.0.0.0/16", "defaultNetworkAclId": "acl-1"})
    [(urn, message)] = validate_stack(rule, [vpc])
    assert urn.endswith("::vpc")
    assert "leaves its default network ACL as AWS creates it" in message
    assert "rule 100 allows all traffic from 0.0.0.0/0" in message
    closing = [nacl_rule(10 + i, "deny", p, ports=(port, port))
               for i, (p, port) in enumerate([("tcp", 22), ("udp", 22), ("tcp", 3389), ("udp", 3389)])]
    denies = [synthetic(NACL_RULE, f"d{i}", props, deps={"networkAclId": [vpc]})
              for i, props in enumerate(closing)]
    assert validate_stack(rule, [vpc, *denies]) == []
    # a dual-stack VPC's default ACL also admits ::/0 (rule 101), which IPv4 denies don't cover
    dual = synthetic(VPC, "dual", {"cidrBlock": "10.0.0.0/16", "assignGeneratedIpv6CidrBlock": True})
    ipv4_only = [synthetic(NACL_RULE, f"e{i}", props, deps={"networkAclId": [dual]})
                 for i, props in enumerate(closing)]
    [(_, message)] = validate_stack(rule, [dual, *ipv4_only])
    assert "rule 101 allows all traffic from ::/0" in message


def test_an_acl_rule_of_an_acl_outside_the_stack_is_judged_alone():
    rule = RULES["ec2-nacl-no-world-admin-ports"]
    lone = synthetic(NACL_RULE, "lone", {"networkAclId": "acl-elsewhere",
                                         **nacl_rule(100, "allow", "tcp", ports=(3389, 3389))})
    [(urn, message)] = validate_stack(rule, [lone])
    assert urn.endswith("::lone") and "admits tcp 3389" in message
    private = synthetic(NACL_RULE, "private", {"networkAclId": "acl-elsewhere",
                                               **nacl_rule(100, "allow", "tcp", "10.0.0.0/8", (22, 22))})
    assert validate_stack(rule, [private]) == []


def test_prod_and_dev_default_acl_entries(prod, dev):
    """The default ACL as planned: the VPC first, SSH/RDP denied from the world over TCP and UDP,
    then the rest allowed; egress open (replies leave to clients' ephemeral ports)."""
    for plan in (prod, dev):
        [acl] = plan.of_type(DEFAULT_NACL)
        ingress = sorted(acl.inputs["ingress"], key=lambda e: e["ruleNo"])
        assert [(e["ruleNo"], e["action"], e["protocol"], e["fromPort"], e["toPort"], e["cidrBlock"])
                for e in ingress] == [
            (90, "allow", "-1", 0, 0, "10.0.0.0/16"),
            (100, "deny", "tcp", 22, 22, "0.0.0.0/0"), (101, "deny", "udp", 22, 22, "0.0.0.0/0"),
            (110, "deny", "tcp", 3389, 3389, "0.0.0.0/0"),
            (111, "deny", "udp", 3389, 3389, "0.0.0.0/0"),
            (200, "allow", "-1", 0, 0, "0.0.0.0/0")]
        assert [(e["ruleNo"], e["action"], e["protocol"], e["cidrBlock"])
                for e in acl.inputs["egress"]] == [(100, "allow", "-1", "0.0.0.0/0")]
        assert acl.property_dependencies["defaultNetworkAclId"] == [plan.one(VPC).urn]
        assert sorted(acl.inputs["subnetIds"]) == sorted(s.id for s in plan.of_type(SUBNET))
        assert not plan.of_type(NACL) and not plan.of_type(NACL_RULE)


# --------------------------------------------------------------------------------------------
# ACM.2: RSA keys of at least 2048 bits
# --------------------------------------------------------------------------------------------


@cache
def pem(kind: str) -> str:
    """A self-signed certificate with an RSA-<bits> or an EC P-256 key (made once per run)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    key = (ec.generate_private_key(ec.SECP256R1()) if kind == "ec"
           else rsa.generate_private_key(public_exponent=65537, key_size=int(kind)))
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "app.example.com")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=90)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_certificate_key_reads_the_public_key_from_pem():
    assert certificate_key(pem("1024")) == ("RSA", 1024)
    assert certificate_key(pem("2048")) == ("RSA", 2048)
    assert certificate_key(pem("ec")) == ("EC", None)
    assert certificate_key("not a certificate") is None
    assert certificate_key("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----") is None
    chain = pem("2048") + pem("1024")  # the first block is the certificate itself
    assert certificate_key(chain) == ("RSA", 2048)


@pytest.mark.parametrize("props", [
    {"domainName": "app.example.com", "validationMethod": "DNS"},  # unset: ACM's RSA_2048
    {"domainName": "app.example.com", "keyAlgorithm": "RSA_2048"},
    {"domainName": "app.example.com", "keyAlgorithm": "RSA_4096"},
    {"domainName": "app.example.com", "keyAlgorithm": "EC_prime256v1"},
    {"domainName": "app.example.com", "keyAlgorithm": "EC_secp384r1"},
    {"certificateBody": "2048", "privateKey": "[secret]"},
    {"certificateBody": "4096", "privateKey": "[secret]"},
    {"certificateBody": "ec", "privateKey": "[secret]"},
], ids=["default", "rsa2048", "rsa4096", "p256", "p384", "imported-2048", "imported-4096",
        "imported-ec"])
def test_acm_key_length_passes(props):
    if "certificateBody" in props:
        props = {**props, "certificateBody": pem(props["certificateBody"])}
    assert validate_resource(RULES["acm-rsa-key-length"], CERT, props) == []


@pytest.mark.parametrize(("props", "fragment"), [
    ({"domainName": "app.example.com", "keyAlgorithm": "RSA_1024"}, "requests key algorithm RSA_1024"),
    ({"domainName": "app.example.com", "keyAlgorithm": "rsa_1024"}, "requests key algorithm rsa_1024"),
    ({"domainName": "app.example.com", "keyAlgorithm": "RSA"}, "requests key algorithm RSA"),
    ({"certificateBody": "1024", "privateKey": "[secret]"}, "is imported with a 1024-bit RSA key"),
    # the request's key_algorithm says nothing about an imported key
    ({"certificateBody": "1024", "privateKey": "[secret]", "keyAlgorithm": "RSA_2048"},
     "is imported with a 1024-bit RSA key"),
    ({"certificateBody": "[secret]", "privateKey": "[secret]"}, "not a readable PEM certificate"),
    ({"privateKey": "[secret]"}, "not a readable PEM certificate"),
], ids=["rsa1024", "lowercase", "no-size", "imported-1024", "imported-claims-2048",
        "unreadable-body", "no-body"])
def test_acm_key_length_fires(props, fragment):
    if props.get("certificateBody", "").isdigit():
        props = {**props, "certificateBody": pem(props["certificateBody"])}
    [message] = validate_resource(RULES["acm-rsa-key-length"], CERT, props)
    assert "[ACM.2]" in message and fragment in message, message


# --------------------------------------------------------------------------------------------
# the real stacks: clean as planned, and each rule fires, mandatory, when one input breaks
# --------------------------------------------------------------------------------------------


def _broken(plan: PlanResult, kind: str, match: Any, **changes: Any) -> tuple[list[ResourceRecord],
                                                                             ResourceRecord]:
    records = copy.deepcopy(plan.resources)
    [target] = [r for r in records if r.type == kind and match(r)]
    for props in (target.inputs, target.outputs):
        for key, value in changes.items():
            props[key] = value
    for key in changes:  # a literal value depends on nothing
        target.property_dependencies.pop(key, None)
    return records, target


def _fired(records: list[ResourceRecord], name: str) -> list[tuple[str, str]]:
    rule = RULES[name]
    if rule.kind == "stack":
        return validate_stack(rule, stack_resources(records))
    return [(r.urn, m) for r in records if r.type in rule.types
            for m in validate_resource(rule, r.type, r.outputs or r.inputs, name=r.name, urn=r.urn)]


def test_the_real_stacks_pass_the_new_rules(prod, dev):
    for plan in (prod, dev):
        resources = stack_resources(plan.resources)
        for name in sorted(COVERED_RULES):
            assert _fired(plan.resources, name) == [], (plan.stack, name)
            types = {r.resource_type for r in resources}
            assert types & set(RULES[name].types), f"{name} sees nothing in {plan.stack}"
        for config in (PROD_CONFIG, DEV_CONFIG):
            assert {config[n] for n in COVERED_RULES} == {"mandatory"}


BREAKS = {
    "instance events scoped elsewhere": ("rds-instance-events", SUB,
                                         lambda r: r.inputs["sourceType"] == "db-instance",
                                         {"sourceIds": ["some-other-db"]}, RDS,
                                         "'notifications-rds-events' names other instances"),
    "subscription disabled": ("rds-parameter-group-events", SUB,
                              lambda r: r.inputs["sourceType"] == "db-parameter-group",
                              {"enabled": False}, RDS,
                              "'notifications-rds-parameter-group-events' is disabled"),
    "security-group events without failure": ("rds-security-group-events", SUB,
                                              lambda r: r.inputs["sourceType"] == "db-security-group",
                                              {"eventCategories": ["configuration change"]}, RDS,
                                              "'notifications-rds-security-group-events' leaves out failure"),
    "ec2 endpoint without private DNS": ("ec2-vpc-ec2-endpoint", ENDPOINT,
                                         lambda r: r.inputs["serviceName"].endswith(".ec2"),
                                         {"privateDnsEnabled": False}, VPC,
                                         "'network-ec2-endpoint' has private DNS off"),
    "SSH allowed ahead of the denies": ("ec2-nacl-no-world-admin-ports", DEFAULT_NACL, lambda r: True,
                                        {"ingress": [entry(95, "allow", "tcp", ports=(22, 22)),
                                                     *GROUNDWORK]}, DEFAULT_NACL,
                                        "rule 95 allows tcp 22 from 0.0.0.0/0"),
    "certificate with RSA_1024": ("acm-rsa-key-length", CERT, lambda r: True,
                                  {"keyAlgorithm": "RSA_1024"}, CERT, "requests key algorithm RSA_1024"),
}


@pytest.mark.parametrize("case", list(BREAKS))
def test_breaking_prod_fires_the_rule(prod, case):
    name, kind, match, changes, culprit, fragment = BREAKS[case]
    records, _ = _broken(prod, kind, match, **changes)
    found = _fired(records, name)
    assert found, f"{name} did not fire"
    assert all(f"{culprit}::" in urn for urn, _ in found), found
    assert all(fragment in message for _, message in found), found  # fired for the break itself


def test_breaking_prod_is_a_mandatory_violation_of_the_check(prod):
    """The whole check, as `groundwork check prod` runs it: the broken ACL is mandatory."""
    name, kind, match, changes, _, _ = BREAKS["SSH allowed ahead of the denies"]
    records, target = _broken(prod, kind, match, **changes)
    hits = check_records(records, PROD_CONFIG).fired(name)
    assert [v.urn for v in hits] == [target.urn] and hits[0].level == "mandatory"
    assert "rule 95 allows tcp 22 from 0.0.0.0/0" in hits[0].message


# --- RDS.18: in a VPC through its own subnet group ---------------------------------------------


@pytest.mark.parametrize("props", [{}, {"dbSubnetGroupName": ""}, {"dbSubnetGroupName": "default"},
                                   {"dbSubnetGroupName": " default "}],
                         ids=["unset", "empty", "default", "padded-default"])
def test_rds_outside_a_subnet_group_of_its_own_fails(props):
    from groundwork.policies import rules as pack

    [message] = validate_resource(pack.by_name()["rds-in-vpc"], "aws:rds/instance:Instance",
                                  {"engine": "postgres", **props})
    assert "[RDS.18]" in message


def test_rds_in_its_subnet_group_passes(prod):
    from groundwork.policies import rules as pack

    rule = pack.by_name()["rds-in-vpc"]
    assert validate_resource(rule, "aws:rds/instance:Instance",
                             {"engine": "postgres", "dbSubnetGroupName": "groundwork-prod-db"}) == []
    instance = prod.one("aws:rds/instance:Instance")
    assert instance.inputs["dbSubnetGroupName"] == prod.one("aws:rds/subnetGroup:SubnetGroup").outputs["name"]

