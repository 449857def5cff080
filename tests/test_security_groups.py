"""The security-group matrix (docs/data-tier.md) on the real stacks, the construction-time guard, and
`SecurityGroups(name, SecurityGroupsArgs(...))` as a library component (two sets in one program,
the Args it refuses).

The stack files may not list services yet, so the app plans add the target architecture's two
services (api: web on 8000; worker) by override; everything else is the real stack file."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import tags_of
from pydantic import ValidationError

from groundwork.components.cache import RedisCacheArgs
from groundwork.components.database import PostgresDatabaseArgs
from groundwork.components.security_groups import (
    Intent,
    SecurityGroupError,
    SecurityGroupsArgs,
    ServicePeer,
    check_intent,
    matrix,
    store_group,
)
from groundwork.engine import PlanResult, ProgramError, plan_stack
from groundwork.stacks.loader import read_stack_file
from groundwork.testing import plan_program

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
PAIRS = Path(__file__).parent / "programs" / "data_wiring" / "pairs.py"
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
API_HOOK = {  # prod's api deploys CANARY: its pre-traffic hook reaches the ALB's test rule
    ("in", "alb", 443, "api-hook"), ("out", "api-hook", 443, "alb"),
    ("out", "api-hook", 443, "0.0.0.0/0"),
}


@pytest.mark.parametrize("stack", ["prod_app", "dev_app"])
def test_rules_are_exactly_the_seed_003_matrix(stack, request):
    plan = request.getfixturevalue(stack)
    hook = stack == "prod_app"
    expected = SEED_003 | (API_HOOK if hook else set())
    assert set(group_keys(plan).values()) == {"alb", "api", "worker", "database", "cache",
                                              *(["api-hook"] if hook else [])}
    assert flows(plan) == expected
    # one resource per rule: no flow registered twice
    n_rules = len(plan.of_type(INGRESS)) + len(plan.of_type(EGRESS))
    others = [r for t in (INGRESS, EGRESS) for r in plan.of_type(t)
              if r.inputs["securityGroupId"] not in group_keys(plan)]
    assert n_rules - len(others) == len(expected)


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
    assert len(groups) == 6  # the matrix's five and api's deploy hook
    for g in groups:
        assert "egress" not in g.inputs and "ingress" not in g.inputs
        assert g.inputs["revokeRulesOnDelete"] is True
        assert g.inputs["vpcId"] == prod_app.one("aws:ec2/vpc:Vpc").id
        # <prefix>-<component name>-<key>- (0.2.0; before: groundwork-prod-sg-<key>-)
        key = tags_of(g)["Group"]
        assert g.inputs["namePrefix"] == f"groundwork-prod-security-groups-{key}-"
        assert tags_of(g)["Name"] == f"groundwork-prod-security-groups-{key}"
        assert g.name == f"security-groups-{key}"  # logical names as before 0.2.0
        assert tags_of(g)["Environment"] == "prod" and tags_of(g)["Name"]
    for r in prod_app.of_type(INGRESS) + prod_app.of_type(EGRESS):
        if r.inputs["securityGroupId"] in group_keys(prod_app):
            assert r.parent == comp.urn and tags_of(r)["Owner"] == "platform-team"


def test_egress_and_ingress_come_in_matching_pairs(prod_app):
    pairs = {(g, p, s) for d, g, p, s in flows(prod_app) if d == "in" and s not in WORLD}
    assert len(pairs) == 6  # api <- alb; database and cache <- api and worker; alb <- api-hook
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


def peers(services: list[dict]) -> list[ServicePeer]:
    """The stack's mapping (stacks/platform.py): a service's config -> its ServicePeer."""
    return [ServicePeer(name=s["name"], kind=s["kind"], port=s.get("port"),
                        use_database=s.get("use_database", True),
                        use_cache=s.get("use_cache", True)) for s in services]


def test_matrix_is_pure_data():
    services = peers(SERVICES)
    got = matrix(services=services, load_balancer=True, database_port=5432, cache_port=None)
    assert {(i.source, i.target, i.port) for i in got} == {
        ("0.0.0.0/0", "alb", 443), ("::/0", "alb", 443), ("0.0.0.0/0", "alb", 80),
        ("::/0", "alb", 80), ("alb", "api", 8000), ("api", "database", 5432),
        ("worker", "database", 5432), ("api", "0.0.0.0/0", 443), ("worker", "0.0.0.0/0", 443),
    }
    for intent in got:
        check_intent(intent, vpc_cidr="10.0.0.0/16")


def test_a_service_may_not_take_a_data_store_groups_name():
    services = [ServicePeer(name="cache")]
    with pytest.raises(SecurityGroupError,
                       match=r"SecurityGroupsArgs\.services\[0\]\.name: 'cache' is reserved"):
        matrix(services=services, load_balancer=False, database_port=5432, cache_port=6379)


# --- SecurityGroups(name, SecurityGroupsArgs) as a library component -------------------------


def plan_pairs(case: str, **config: str) -> PlanResult:
    """tests/programs/data_wiring/pairs.py (project `pairs`, stack `test`): two of each
    data-tier component, or one refused Args (`refuse=`). Shared by the data-tier tests."""
    return plan_program(PAIRS, stack="test", project="pairs",
                        config={"aws:region": "us-east-1", "case": case, **config})


def refused(what: str) -> tuple[PlanResult, str]:
    """The pairs program's `refuse` case: the plan and the error the constructor raised."""
    plan = plan_pairs("refuse", refuse=what)
    assert "error" in plan.stack_outputs, f"{what}: the constructor accepted it"
    return plan, plan.stack_outputs["error"]


def physical_names(plan: PlanResult) -> Counter[tuple[str, str, str]]:
    """(type, field, value) of every AWS name or name prefix the program set."""
    return Counter((r.type, k, v) for r in plan.resources if r.custom
                   for k in ("name", "namePrefix", "identifier", "replicationGroupId")
                   if isinstance(v := r.inputs.get(k), str) and v)


@pytest.fixture(scope="module")
def pairs() -> PlanResult:
    return plan_pairs("two_of_each")


def test_two_sets_in_one_program_have_distinct_urns_and_names(pairs):
    urns = Counter(r.urn for r in pairs.resources)
    assert not [u for u, n in urns.items() if n > 1]
    clashes = [k for k, n in physical_names(pairs).items() if n > 1]
    assert not clashes
    comps = {c.name: c for c in pairs.of_type(COMPONENT)}
    assert set(comps) == {"security-groups", "jobs-groups"}
    for name, comp in comps.items():
        groups = [g for g in pairs.of_type(SG) if g.parent == comp.urn]
        assert {tags_of(g)["Group"] for g in groups} == {"alb", "api", "worker", "database", "cache"}
        for g in groups:
            key = tags_of(g)["Group"]
            assert g.name == f"{name}-{key}"
            assert g.inputs["namePrefix"] == f"pairs-test-{name}-{key}-"
        # each set's rules are its own children and join only its own groups
        ids = {g.id for g in groups}
        rules = [r for t in (INGRESS, EGRESS) for r in pairs.of_type(t) if r.parent == comp.urn]
        assert len(rules) == len(SEED_003)  # allow_from(worker) on its cache added nothing
        for r in rules:
            assert r.name.startswith(f"{name}-")
            assert r.inputs["securityGroupId"] in ids
            assert r.inputs.get("referencedSecurityGroupId", next(iter(ids))) in ids


@pytest.mark.parametrize("what, words", [
    ("groups_without_vpc_cidr", "SecurityGroupsArgs.vpc_cidr is required"),
    ("groups_without_vpc_id", "SecurityGroupsArgs.vpc_id is required"),
])
def test_missing_wiring_is_refused_before_anything_registers(what, words):
    plan, error = refused(what)
    assert words in error
    assert not [r for r in plan.of_type(COMPONENT) if r.name == "bad"]
    assert not [r for r in plan.of_type(SG) if r.name.startswith("bad-")]


@pytest.mark.parametrize("args, field", [
    ({"vpc_cidr": "10.0.0.1/16"}, "vpc_cidr"),  # host bits set
    ({"vpc_cidr": "10.0.0.0"}, "vpc_cidr"),
    ({"database_port": 0}, "database_port"),
    ({"cache_port": 70000}, "cache_port"),
    ({"services": [{"name": "api", "kind": "web"}]}, "port"),  # a web service needs its port
    ({"services": [{"name": "API"}]}, "name"),
    ({"services": [{"name": "api", "port": 0}]}, "port"),
    ({"services": [{"name": "database"}]}, "services"),
    ({"services": [{"name": "api"}, {"name": "api"}]}, "listed twice"),
    ({"services": [{"name": "api", "kind": "daemon"}]}, "kind"),
    ({"service": []}, "service"),  # unknown argument
])
def test_bad_args_name_the_field(args, field):
    with pytest.raises(ValidationError) as err:
        SecurityGroupsArgs(**{"vpc_id": "vpc-1", "vpc_cidr": "10.0.0.0/16", **args})
    assert field in str(err.value)


def test_service_peer_defaults_are_least_privilege():
    peer = ServicePeer(name="jobs")
    assert (peer.kind, peer.port, peer.use_database, peer.use_cache) == ("worker", None, False, False)
    got = matrix(services=[peer], load_balancer=True, database_port=5432, cache_port=6379)
    assert [(i.source, i.target, i.port) for i in got] == [("jobs", "0.0.0.0/0", 443)]


def test_the_deprecated_security_groups_keyword_is_gone():
    """0.2.0 breaking change: `security_groups=` (the component next to a plain group) was
    deprecated in 0.1; the stores take the component alone as `security_group`."""
    for args in (RedisCacheArgs, PostgresDatabaseArgs):
        with pytest.raises(ValidationError, match="security_groups"):
            args(security_groups=object())
    with pytest.raises(TypeError):
        store_group("RedisCache", "cache", None, None)  # type: ignore[call-arg]


# --- extra store groups (SecurityGroupsArgs.stores, ServicePeer.uses) ------------------------


def test_store_groups_admit_their_port_only_from_the_services_that_use_them():
    services = [ServicePeer(name="api", kind="web", port=8000, uses=("opensearch",)),
                ServicePeer(name="worker", uses=("opensearch", "kafka"))]
    got = matrix(services=services, load_balancer=False, database_port=None, cache_port=None,
                 stores={"opensearch": 443, "kafka": 9098, "documentdb": 27017})
    flows = {(i.source, i.target, i.port) for i in got if not i.to_cidr}
    assert flows == {("api", "opensearch", 443), ("worker", "opensearch", 443),
                     ("worker", "kafka", 9098)}  # documentdb: a group nobody reaches
    for intent in got:
        check_intent(intent, vpc_cidr="10.0.0.0/16")


@pytest.mark.parametrize(("args", "words"), [
    ({"services": [{"name": "api", "uses": ["search"]}], "stores": {"opensearch": 443}},
     r"services\[0\]\.uses: 'search' is not a store group; SecurityGroupsArgs.stores has opensearch"),
    ({"services": [{"name": "kafka"}], "stores": {"kafka": 9098}}, r"'kafka' is reserved"),
    ({"stores": {"database": 5432}}, r"stores: key 'database'"),
    ({"stores": {"Open_Search": 443}}, r"stores: key 'Open_Search'"),
    ({"stores": {"opensearch": 0}}, r"stores\.opensearch"),
])
def test_bad_stores_are_refused_naming_the_key(args, words):
    with pytest.raises(ValidationError, match=words):
        SecurityGroupsArgs(**{"vpc_id": "vpc-1", "vpc_cidr": "10.0.0.0/16", **args})


def test_a_store_group_is_created_with_its_rules_in_a_program():
    from groundwork.testing import plan_function

    def program():
        from groundwork.components.security_groups import SecurityGroups

        SecurityGroups("sg", SecurityGroupsArgs(
            vpc_id="vpc-1", vpc_cidr="10.0.0.0/16", stores={"opensearch": 443},
            services=[ServicePeer(name="api", uses=("opensearch",))]))

    plan = plan_function(program)
    groups = {g.inputs["tags"]["Group"]: g for g in plan.of_type(SG)}
    assert set(groups) == {"api", "opensearch"}
    [ingress] = [r for r in plan.of_type(INGRESS)
                 if r.inputs["securityGroupId"] == groups["opensearch"].id]
    assert (ingress.inputs["fromPort"], ingress.inputs["toPort"]) == (443, 443)
    assert ingress.inputs["referencedSecurityGroupId"] == groups["api"].id
    egress = [r for r in plan.of_type(EGRESS) if r.inputs.get("referencedSecurityGroupId")
              == groups["opensearch"].id]
    assert [(e.inputs["securityGroupId"], e.inputs["fromPort"]) for e in egress] == [
        (groups["api"].id, 443)]
