"""The security-group matrix (seed 003) on the real stacks, and the construction-time guard.

The stack files may not list services yet, so the app plans add the target architecture's two
services (api: web on 8000; worker) by override; everything else is the real stack file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import tags_of

from groundwork.components.security_groups import (
    Intent,
    SecurityGroupError,
    check_intent,
    matrix,
)
from groundwork.engine import PlanResult, ProgramError, plan_stack
from groundwork.stacks.config import ServiceConfig
from groundwork.stacks.loader import read_stack_file

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
COMPONENT = "groundwork:security:SecurityGroups"
WORLD = {"0.0.0.0/0", "::/0"}
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
SERVICES = [
    {"name": "api", "kind": "web", "port": 8000, "image": "example/api:1.0.0"},
    {"name": "worker", "kind": "worker", "image": "example/api:1.0.0"},
]
WIRING = Path(__file__).parent / "programs" / "data_wiring" / "__main__.py"
# EC2's rule-description constraint, as AWS documents it (written out here, not imported from the
# code under test): up to 255 of a-z A-Z 0-9, space and ._-:/()#,@[]+=&;{}!$*
AWS_RULE_DESCRIPTION = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}")


def has_app(stack: str) -> bool:
    """Does the stack file already run the target architecture's api (web) and worker?"""
    ns = read_stack_file(stack).namespace
    kinds = {s.get("name"): s.get("kind") for s in ns.get("services") or []}
    return ns.get("load_balancer") is not None and kinds.get("api") == "web" \
        and kinds.get("worker") == "worker"


def app_overrides(stack: str) -> dict:
    if has_app(stack):
        return {}
    lb = {"http_only": True} if stack == "dev" else {"certificate": {"arn": CERT}}
    return {"services": SERVICES, "load_balancer": lb}


def app_plan(stack: str, program: Path | None = None, **extra) -> PlanResult:
    """The real stack with the api + worker services (unless the stack file has them)."""
    return plan_stack(stack, overrides={**app_overrides(stack), **extra}, program=program)


@pytest.fixture(scope="module")
def prod_app(prod) -> PlanResult:
    return prod if has_app("prod") else app_plan("prod")


@pytest.fixture(scope="module")
def dev_app(dev) -> PlanResult:
    return dev if has_app("dev") else app_plan("dev")


def group_keys(plan: PlanResult) -> dict[str, str]:
    """security group id -> matrix key (alb, api, worker, database, cache)."""
    comp = plan.one(COMPONENT)
    return {g.id: tags_of(g)["Group"] for g in plan.of_type(SG) if g.parent == comp.urn}


def peer(rule, keys: dict[str, str]) -> str:
    inputs = rule.inputs
    if inputs.get("referencedSecurityGroupId"):
        return keys.get(inputs["referencedSecurityGroupId"], inputs["referencedSecurityGroupId"])
    return inputs.get("cidrIpv4") or inputs.get("cidrIpv6") or inputs.get("prefixListId")


def flows(plan: PlanResult) -> set[tuple[str, str, int, str]]:
    """(direction, owning group, port, peer) for every rule on the matrix's groups."""
    keys = group_keys(plan)
    out = set()
    for typ, direction in ((INGRESS, "in"), (EGRESS, "out")):
        for r in plan.of_type(typ):
            if r.inputs["securityGroupId"] in keys:
                assert r.inputs["ipProtocol"] == "tcp"
                assert r.inputs["fromPort"] == r.inputs["toPort"]
                out.add((direction, keys[r.inputs["securityGroupId"]], r.inputs["fromPort"],
                         peer(r, keys)))
    return out


SEED_003 = {
    ("in", "alb", 443, "0.0.0.0/0"), ("in", "alb", 443, "::/0"),
    ("in", "alb", 80, "0.0.0.0/0"), ("in", "alb", 80, "::/0"),
    ("out", "alb", 8000, "api"),
    ("in", "api", 8000, "alb"),
    ("out", "api", 5432, "database"), ("out", "api", 6379, "cache"),
    ("out", "api", 443, "0.0.0.0/0"),
    ("out", "worker", 5432, "database"), ("out", "worker", 6379, "cache"),
    ("out", "worker", 443, "0.0.0.0/0"),
    ("in", "database", 5432, "api"), ("in", "database", 5432, "worker"),
    ("in", "cache", 6379, "api"), ("in", "cache", 6379, "worker"),
}


@pytest.mark.parametrize("stack", ["prod_app", "dev_app"])
def test_rules_are_exactly_the_seed_003_matrix(stack, request):
    plan = request.getfixturevalue(stack)
    assert set(group_keys(plan).values()) == {"alb", "api", "worker", "database", "cache"}
    assert flows(plan) == SEED_003
    # one resource per rule: no flow registered twice
    n_rules = len(plan.of_type(INGRESS)) + len(plan.of_type(EGRESS))
    others = [r for t in (INGRESS, EGRESS) for r in plan.of_type(t)
              if r.inputs["securityGroupId"] not in group_keys(plan)]
    assert n_rules - len(others) == len(SEED_003)


def test_data_groups_admit_only_their_port_from_api_and_worker(prod_app):
    keys = group_keys(prod_app)
    for store, port in (("database", 5432), ("cache", 6379)):
        ingress = {(p, s) for d, g, p, s in flows(prod_app) if d == "in" and g == store}
        assert ingress == {(port, "api"), (port, "worker")}
        # ... by group reference, never a CIDR
        for r in prod_app.of_type(INGRESS):
            if keys.get(r.inputs["securityGroupId"]) == store:
                assert not r.inputs.get("cidrIpv4") and not r.inputs.get("cidrIpv6")
        assert not [f for f in flows(prod_app) if f[0] == "out" and f[1] == store]
    assert not [f for f in flows(prod_app) if f[0] == "in" and f[1] == "worker"]


@pytest.mark.parametrize("stack", ["prod", "dev", "prod_app", "dev_app"])
def test_nothing_is_open_to_the_world_but_alb_80_and_443(stack, request):
    plan = request.getfixturevalue(stack)
    keys = group_keys(plan)
    world = [r for r in plan.of_type(INGRESS)
             if r.inputs.get("cidrIpv4") in WORLD or r.inputs.get("cidrIpv6") in WORLD]
    for r in world:  # EC2.18/19, and the -1 trap of controls.md
        assert keys.get(r.inputs["securityGroupId"]) == "alb", r.name
        assert r.inputs["ipProtocol"] == "tcp"
        assert r.inputs["fromPort"] == r.inputs["toPort"] and r.inputs["fromPort"] in (80, 443)
    # no group anywhere in the stack carries inline rules that could open it
    for g in plan.of_type(SG):
        assert not g.inputs.get("ingress") and not g.inputs.get("egress"), g.name
    if stack.endswith("_app") or has_app(stack):
        assert len(world) == 4  # alb 80 and 443, IPv4 and IPv6


@pytest.mark.parametrize("stack", ["prod", "dev", "prod_app"])
def test_every_rule_has_a_description_aws_accepts(stack, request):
    plan = request.getfixturevalue(stack)
    rules = plan.of_type(INGRESS) + plan.of_type(EGRESS)
    assert rules  # every stack has a database and a cache, so at least their rules
    for r in rules:
        assert AWS_RULE_DESCRIPTION.fullmatch(r.inputs.get("description") or ""), r.name


def test_groups_have_no_inline_rules_and_revoke_on_delete(prod_app):
    """The provider revokes AWS's default allow-all egress when it creates a group; a group with
    no inline `egress` (not even `[]`, which would make it fight the rule resources) is left
    with exactly the rule resources. revoke_rules_on_delete breaks the alb<->api reference
    cycle on delete."""
    comp = prod_app.one(COMPONENT)
    groups = [g for g in prod_app.of_type(SG) if g.parent == comp.urn]
    assert len(groups) == 5
    for g in groups:
        assert "egress" not in g.inputs and "ingress" not in g.inputs
        assert g.inputs["revokeRulesOnDelete"] is True
        assert g.inputs["vpcId"] == prod_app.one("aws:ec2/vpc:Vpc").id
        assert g.inputs["namePrefix"].startswith("groundwork-prod-sg-")
        assert tags_of(g)["Environment"] == "prod" and tags_of(g)["Name"]
    for r in prod_app.of_type(INGRESS) + prod_app.of_type(EGRESS):
        if r.inputs["securityGroupId"] in group_keys(prod_app):
            assert r.parent == comp.urn and tags_of(r)["Owner"] == "platform-team"


def test_egress_and_ingress_come_in_matching_pairs(prod_app):
    pairs = {(g, p, s) for d, g, p, s in flows(prod_app) if d == "in" and s not in WORLD}
    assert len(pairs) == 5  # api <- alb; database and cache <- api and worker
    for target, port, source in pairs:
        assert ("out", source, port, target) in flows(prod_app)


def test_use_database_false_drops_that_services_database_rules():
    services = [SERVICES[0], {**SERVICES[1], "use_database": False, "use_cache": False}]
    plan = app_plan("dev", services=services)
    got = flows(plan)
    assert ("in", "database", 5432, "worker") not in got
    assert ("out", "worker", 5432, "database") not in got
    assert ("in", "cache", 6379, "worker") not in got
    assert ("in", "database", 5432, "api") in got
    assert ("out", "worker", 443, "0.0.0.0/0") in got


def test_no_web_service_means_no_alb_group_and_nothing_from_the_world():
    plan = plan_stack("dev", overrides={"services": [SERVICES[1]]})
    assert "alb" not in group_keys(plan).values()
    assert not [f for f in flows(plan) if f[3] in WORLD and f[0] == "in"]


def test_disabled_stores_have_no_group():
    plan = app_plan("dev", database={"enabled": False}, cache={"enabled": False})
    assert set(group_keys(plan).values()) == {"alb", "api", "worker"}
    assert not [f for f in flows(plan) if f[2] in (5432, 6379)]


# --- the intent API ------------------------------------------------------------------------


def test_allow_from_what_the_matrix_has_creates_nothing_new(monkeypatch, dev_app):
    monkeypatch.setenv("GROUNDWORK_WIRING", "allow_again")
    again = app_plan("dev", program=WIRING)
    assert len(again.of_type(INGRESS)) == len(dev_app.of_type(INGRESS))
    assert len(again.of_type(EGRESS)) == len(dev_app.of_type(EGRESS))
    assert flows(again) == flows(dev_app)


def test_allow_from_creates_the_pair_the_matrix_left_out(monkeypatch):
    """The same program where the worker does not use the cache: `cache.allow_from(worker)` must
    add exactly the worker -> cache pair (a no-op allow_from would pass the test above)."""
    services = [SERVICES[0], {**SERVICES[1], "use_cache": False}]
    monkeypatch.delenv("GROUNDWORK_WIRING", raising=False)
    without = app_plan("dev", program=WIRING, services=services)
    assert ("in", "cache", 6379, "worker") not in flows(without)
    monkeypatch.setenv("GROUNDWORK_WIRING", "allow_again")
    wired = app_plan("dev", program=WIRING, services=services)
    assert flows(wired) - flows(without) == {("in", "cache", 6379, "worker"),
                                             ("out", "worker", 6379, "cache")}


def test_allow_adds_one_ingress_and_the_matching_egress(monkeypatch, dev_app):
    monkeypatch.setenv("GROUNDWORK_WIRING", "new_flow")
    plan = app_plan("dev", program=WIRING)
    assert flows(plan) - flows(dev_app) == {("in", "api", 8000, "worker"),
                                            ("out", "worker", 8000, "api")}


@pytest.mark.parametrize("mode, words", [
    ("world_to_database", "ingress from 0.0.0.0/0 is only allowed to the ALB on ports 80 and 443"),
    ("world_v6_to_api", "ingress from ::/0 is only allowed to the ALB"),
    ("ssh_to_alb", "0.0.0.0/0 -> alb port 22"),
    ("outside_vpc", "192.168.0.0/24 is outside the VPC (10.0.0.0/16)"),
])
def test_guard_refuses_at_construction(monkeypatch, mode, words):
    monkeypatch.setenv("GROUNDWORK_WIRING", mode)
    with pytest.raises((SecurityGroupError, ProgramError)) as err:
        app_plan("dev", program=WIRING)
    assert words in str(err.value)


def test_guard_allows_a_cidr_inside_the_vpc(monkeypatch):
    monkeypatch.setenv("GROUNDWORK_WIRING", "inside_vpc")
    plan = app_plan("dev", program=WIRING)
    assert ("in", "api", 8000, "10.0.10.0/24") in flows(plan)


@pytest.mark.parametrize("intent, words", [
    (Intent("0.0.0.0/0", "database", 5432, "x"), "only allowed to the ALB"),
    (Intent("::/0", "alb", 8080, "x"), "only allowed to the ALB on ports 80 and 443"),
    (Intent("api", "0.0.0.0/0", 80, "x"), "egress to 0.0.0.0/0 is only allowed on 443"),
    (Intent("api", "database", 5432, "it's"), "description"),
    (Intent("api", "database", 0, "x"), "port must be 1-65535"),
    (Intent("10.0.0.0/8", "api", 8000, "x"), "outside the VPC"),
])
def test_check_intent_refuses(intent, words):
    with pytest.raises(SecurityGroupError, match=words.replace("(", r"\(")):
        check_intent(intent, vpc_cidr="10.0.0.0/16")


def test_matrix_is_pure_data():
    services = [ServiceConfig(**s) for s in SERVICES]
    got = matrix(services=services, load_balancer=True, database_port=5432, cache_port=None)
    assert {(i.source, i.target, i.port) for i in got} == {
        ("0.0.0.0/0", "alb", 443), ("::/0", "alb", 443), ("0.0.0.0/0", "alb", 80),
        ("::/0", "alb", 80), ("alb", "api", 8000), ("api", "database", 5432),
        ("worker", "database", 5432), ("api", "0.0.0.0/0", 443), ("worker", "0.0.0.0/0", 443),
    }
    for intent in got:
        check_intent(intent, vpc_cidr="10.0.0.0/16")


def test_a_service_may_not_take_a_data_store_groups_name():
    services = [ServiceConfig(name="cache", kind="worker", image="example/api:1.0.0")]
    with pytest.raises(SecurityGroupError, match=r"groundwork:services\[cache\]\.name"):
        matrix(services=services, load_balancer=False, database_port=5432, cache_port=6379)
