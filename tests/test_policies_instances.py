"""EC2.9 (`ec2-no-public-ip`): an instance's public address, auto-assigned or an Elastic IP,
and the dev NAT instance's one reported as advisory (prod refuses `network.nat: instance`)."""

from __future__ import annotations

from groundwork.check import check_plan, synthetic, validate_stack

COVERED_RULES = {"ec2-no-public-ip"}


def test_an_instance_with_a_public_address_fails_every_way(dev_nat_instance):
    from groundwork.policies import rules as pack

    rule = pack.by_name()["ec2-no-public-ip"]
    instance = synthetic("aws:ec2/instance:Instance", "box", {"ami": "ami-1", "id": "i-1"})
    auto = synthetic("aws:ec2/instance:Instance", "auto",
                     {"ami": "ami-1", "associatePublicIpAddress": True})
    eip = synthetic("aws:ec2/eip:Eip", "eip", {"domain": "vpc", "instance": "i-1"},
                    deps={"instance": [instance]})
    assoc = synthetic("aws:ec2/eipAssociation:EipAssociation", "assoc", {"instanceId": "i-1"},
                      deps={"instanceId": [instance]})
    assert validate_stack(rule, [instance]) == []
    [(_, message)] = validate_stack(rule, [auto])
    assert "associatePublicIpAddress" in message and "[EC2.9]" in message
    for holder in (eip, assoc):
        [(urn, message)] = validate_stack(rule, [instance, holder])
        assert urn.endswith("::box") and "Elastic IP" in message
    # the real NAT instance has its Elastic IP: advisory in dev, and prod refuses nat: instance
    found = [v for v in check_plan(dev_nat_instance).violations if v.policy == "ec2-no-public-ip"]
    assert [(v.level, v.resource_type) for v in found] == [("advisory", "aws:ec2/instance:Instance")]
