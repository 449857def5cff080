"""The config models: valid and invalid environments, one clear line per problem."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundwork.stacks.config import (
    FARGATE_SIZES,
    PROFILE_DEFAULTS,
    ConfigError,
    EnvironmentConfig,
    Profile,
    load_environment,
)
from groundwork.stacks.loader import environment_from_file, read_stack_file

BASE: dict[str, Any] = {"profile": "dev", "tags": {"Owner": "team"}}
WEB = {"name": "api", "kind": "web", "image": "repo/api:1.2.3", "port": 8000}
LB = {"certificate": {"arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}}


def load(**sections: Any) -> EnvironmentConfig:
    raw = copy.deepcopy(BASE)
    raw.update(sections)
    return load_environment(raw, stack="t", region="us-east-1")


def problems(**sections: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(**sections)
    return info.value.problems


def test_both_stack_files_validate():
    dev = environment_from_file("dev")
    prod = environment_from_file("prod")
    assert dev.profile is Profile.DEV and prod.profile is Profile.PROD
    assert dev.region == prod.region == "us-east-1"


def test_profile_picks_defaults():
    dev = load()
    prod = load(profile="prod")
    assert (dev.network.nat, prod.network.nat) == ("single", "per_az")
    assert (dev.network.az_count, prod.network.az_count) == (2, 3)
    assert (dev.database.multi_az, prod.database.multi_az) == (False, True)
    assert (dev.database.deletion_protection, prod.database.deletion_protection) == (False, True)
    assert prod.database.backup_retention_days >= 7
    assert (dev.cache.num_nodes, prod.cache.num_nodes) == (1, 2)


def test_user_value_beats_profile_default():
    env = load(network={"nat": "per_az", "az_count": 3})
    assert env.network.nat == "per_az" and env.network.az_count == 3


def test_unknown_top_level_key_is_named_with_a_suggestion():
    [line] = problems(databse={"multi_az": True})
    assert line.startswith("groundwork:databse: unknown key")
    assert "did you mean 'database'" in line


def test_unknown_nested_key_lists_allowed_keys():
    [line] = problems(network={"nat_strategy": "single"})
    assert line.startswith("groundwork:network.nat_strategy: unknown key")
    assert "allowed:" in line and "nat" in line


def test_wrong_type_names_key_and_value():
    [line] = problems(network={"az_count": "three"})
    assert line.startswith("groundwork:network.az_count:")
    assert "'three'" in line


def test_invalid_cidr():
    [line] = problems(network={"cidr": "10.0.0.0/33"})
    assert line.startswith("groundwork:network.cidr:")
    assert "10.0.0.0/16" in line  # says what a valid value looks like


def test_missing_required_keys():
    with pytest.raises(ConfigError) as info:
        load_environment({"tags": {"Owner": "x"}}, stack="t", region="us-east-1")
    assert info.value.problems == ["groundwork:profile: must be one of dev, prod (missing)"]
    with pytest.raises(ConfigError) as info:
        load_environment({"profile": "dev"}, stack="t", region="us-east-1")
    assert info.value.problems == ["groundwork:tags: required key is missing"]


def test_every_problem_is_reported_at_once():
    lines = problems(network={"az_count": 9}, database={"backup_retention_days": 99})
    keys = sorted(line.split(":")[1] for line in lines)
    assert keys == ["database.backup_retention_days", "network.az_count"]


def test_prod_floor_cannot_be_relaxed():
    [line] = problems(profile="prod", database={"multi_az": False, "backup_retention_days": 3})
    assert "database.multi_az must be true in prod" in line
    assert "backup_retention_days must be >= 7 in prod" in line


def test_prod_alb_needs_a_web_acl():
    """prod's internet-facing ALB has a web ACL: the stack's own, or one given by ARN."""
    off = {"waf": {"enabled": False}}
    [line] = problems(profile="prod", load_balancer=LB, services=[WEB], edge=off)
    assert "edge.waf.enabled must be true in prod" in line
    arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/theirs/0123"
    assert load(profile="prod", load_balancer={**LB, "waf_acl_arn": arn}, services=[WEB],
                edge=off).edge.waf.enabled is False
    assert load(profile="dev", load_balancer=LB, services=[WEB], edge=off).edge.waf.enabled is False


def test_encryption_is_not_a_knob():
    [line] = problems(database={"storage_encrypted": False})
    assert line.startswith("groundwork:database.storage_encrypted: unknown key")


def test_invalid_fargate_size_names_the_service():
    [line] = problems(load_balancer=LB, services=[{**WEB, "cpu": 256, "memory": 4096}])
    assert line.startswith("groundwork:services[api]:")
    assert "memory 4096 MiB does not pair with cpu 256" in line
    assert "512, 1024, 2048" in line


@pytest.mark.parametrize("cpu", sorted(FARGATE_SIZES))
def test_every_fargate_pair_is_accepted(cpu: int):
    for memory in FARGATE_SIZES[cpu]:
        env = load(load_balancer=LB, services=[{**WEB, "cpu": cpu, "memory": memory}])
        assert env.services[0].memory == memory


@pytest.mark.parametrize("image,reason", [
    ("repo/api", "no tag or digest"),
    ("repo/api:latest", "mutable tag 'latest'"),
    ("Not An Image", "not an image reference"),
])
def test_image_must_be_immutable(image: str, reason: str):
    [line] = problems(load_balancer=LB, services=[{**WEB, "image": image}])
    assert reason in line


@pytest.mark.parametrize("name", ["alb", "database", "cache"])
def test_service_names_of_the_shared_groups_are_refused_as_config(name: str):
    """Caught by the config, naming the key, before SecurityGroupsArgs would refuse it."""
    [line] = problems(services=[{"name": name, "kind": "worker", "image": "repo/w:1.0.0"}])
    assert line.startswith(f"groundwork:services[{name}]: name '{name}' is reserved")


def test_web_service_needs_a_load_balancer_and_a_port():
    [line] = problems(services=[WEB])
    assert "load_balancer is required" in line
    [line] = problems(load_balancer=LB, services=[{**WEB, "port": None}])
    assert "a web service needs a port" in line


def test_secure_values_become_placeholders(tmp_path):
    (tmp_path / "Pulumi.s.yaml").write_text(
        "config:\n  groundwork:profile: dev\n  groundwork:tags:\n    Owner: me\n"
        "  groundwork:alarms:\n    critical_https_endpoints:\n      - secure: v1:abc\n"
    )
    sf = read_stack_file("s", tmp_path)
    assert sf.secret_keys == ["groundwork:alarms"]
    assert sf.namespace["alarms"]["critical_https_endpoints"] == ["offline-placeholder-secret"]


def test_subnet_plan_problems_are_config_errors():
    lines = problems(network={"cidr": "10.0.0.0/24"})
    assert len(lines) == 1 and lines[0].startswith("groundwork:network:")


def test_dev_profile_only_relaxes_documented_sections():
    assert set(PROFILE_DEFAULTS[Profile.DEV]) <= {
        "network", "database", "cache", "cluster", "load_balancer", "alarms",
        "search", "kafka", "documents", "edge",  # edge: the web ACL is off in dev
        "backup"}  # backup: no AWS Backup in dev (docs/backup.md)


# Property: whatever junk a user writes, the loader answers with a valid environment or a
# ConfigError whose every line names a groundwork: key; never another exception.
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)
_sections = st.fixed_dictionaries(
    {"profile": st.sampled_from(["dev", "prod", "staging", 3])},
    optional={
        "tags": st.one_of(st.just({"Owner": "x"}), _json),
        "network": st.one_of(
            st.fixed_dictionaries({}, optional={
                "cidr": st.sampled_from(["10.0.0.0/16", "10.1.0.0/20", "10.0.0.1/16", "x"]),
                "az_count": st.one_of(st.integers(0, 7), st.text(max_size=3)),
                "nat": st.sampled_from(["none", "single", "per_az", "two"]),
            }),
            _json),
        "database": _json,
        "services": st.lists(st.fixed_dictionaries({
            "name": st.sampled_from(["api", "worker", "Bad_Name", "a" * 40]),
            "kind": st.sampled_from(["web", "worker", "cron"]),
            "image": st.sampled_from(["r/a:1", "r/a:latest", "r/a"]),
            "cpu": st.sampled_from([256, 512, 300, 16384]),
            "memory": st.sampled_from([512, 1024, 4096, 122880]),
        }), max_size=2),
        "databse": _json,
    },
)


@settings(max_examples=300, deadline=None)
@given(_sections)
def test_loader_never_raises_anything_but_config_error(raw: dict[str, Any]):
    try:
        env = load_environment(raw, stack="prop", region="us-east-1")
    except ConfigError as error:
        assert error.problems
        for line in error.problems:
            assert line.startswith("groundwork:"), line
            assert "Traceback" not in line
    else:
        assert isinstance(env, EnvironmentConfig)


_segment = st.from_regex(r"[a-z0-9]{1,8}([._-][a-z0-9]{1,5})?", fullmatch=True)
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(registry=st.sampled_from(["", "ghcr.io/", "localhost:5000/",
                                 "123456789012.dkr.ecr.us-east-1.amazonaws.com/"]),
       path=st.lists(_segment, min_size=1, max_size=3),
       tag=st.none() | _tag,
       digest=st.none() | st.from_regex(r"[a-f0-9]{64}", fullmatch=True))
def test_image_references_parse_back_to_their_parts(registry, path, tag, digest):
    from groundwork.stacks.config import parse_image

    ref = registry + "/".join(path) + (f":{tag}" if tag else "") + (f"@sha256:{digest}" if digest else "")
    assert parse_image(ref) == (registry + "/".join(path), tag, f"sha256:{digest}" if digest else None)


_pairs = st.sampled_from([(cpu, mem) for cpu, mems in FARGATE_SIZES.items() for mem in mems])


@settings(max_examples=200, deadline=None)
@given(profile=st.sampled_from(["dev", "prod"]), az_count=st.integers(2, 3),
       nat=st.sampled_from(["none", "single", "per_az"]), size=_pairs,
       retention=st.integers(1, 35), min_count=st.integers(1, 4))
def test_valid_configs_load_and_keep_the_prod_floor(profile, az_count, nat, size, retention,
                                                    min_count):
    """Within the documented ranges a config loads, or (prod only) fails naming the prod floor;
    whatever loads in prod is Multi-AZ, backed up >= 7 days and runs >= 2 web tasks."""
    raw = {"profile": profile, "tags": {"Owner": "t"},
           "network": {"az_count": az_count, "nat": nat},
           "database": {"backup_retention_days": retention},
           "load_balancer": LB,
           "services": [{**WEB, "cpu": size[0], "memory": size[1],
                         "scaling": {"min_count": min_count, "max_count": 10}}]}
    try:
        env = load_environment(raw, stack="p", region="us-east-1")
    except ConfigError as error:
        assert profile == "prod", error.problems
        assert retention < 7 or min_count < 2
        assert all("in prod" in line for line in error.problems)
        return
    assert (env.services[0].cpu, env.services[0].memory) == size
    if profile == "prod":
        assert env.database.multi_az and env.database.backup_retention_days >= 7
        assert env.services[0].scaling.min_count >= 2
