"""Any number of each component per stack (issue 11): a program with two of every public
component plans offline with no duplicate URN and no two resources of one type sharing an AWS
name; a program that repeats a component name is refused, naming the URN."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from groundwork.engine import PHYSICAL_NAMES
from groundwork.testing import DuplicateUrnError, plan_program

PROGRAM = Path(__file__).parent / "programs" / "two_of_each" / "__main__.py"
COMPONENTS = {
    "groundwork:network:Network", "groundwork:security:SecurityGroups",
    "groundwork:security:EnvironmentKeys", "groundwork:security:EncryptionKey",
    "groundwork:data:PostgresDatabase", "groundwork:data:RedisCache",
    "groundwork:compute:EcsCluster", "groundwork:compute:LoadBalancer",
    "groundwork:compute:FargateService", "groundwork:monitoring:Notifications",
    "groundwork:monitoring:EnvironmentAlarms", "groundwork:monitoring:Dashboard",
    "groundwork:ci:GithubDeployRole", "groundwork:ci:GithubPreviewRole",
    "groundwork:compute:ServiceImage",
}


@pytest.fixture(scope="module")
def twins(two_of_each):
    return two_of_each


def test_every_component_is_there_twice(twins):
    kinds = Counter(r.type for r in twins.resources if not r.custom)
    for kind in COMPONENTS:
        assert kinds[kind] >= 2, (kind, kinds[kind])
    services = {r.name for r in twins.resources if r.type == "groundwork:compute:FargateService"}
    assert services == {"blue-api", "blue-worker", "green-api", "green-worker"}


def test_no_shared_aws_name(twins):
    # (a duplicate URN would have failed the plan itself: test_a_repeated_component_name...)
    assert twins.name_clashes == []
    # the check is not vacuous: each kind below has two resources with different AWS names
    for kind in ("aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup",
                 "aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup",
                 "aws:ecs/cluster:Cluster", "aws:sns/topic:Topic", "aws:iam/role:Role",
                 "aws:cloudwatch/logGroup:LogGroup", "aws:kms/alias:Alias",
                 "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/dashboard:Dashboard"):
        field = PHYSICAL_NAMES[kind][0]
        names = [r.inputs.get(field) for r in twins.of_type(kind)]
        assert len(names) >= 2 and all(names), (kind, names)
        assert len(set(names)) == len(names), (kind, names)


def test_names_derive_from_the_component_names(twins):
    for color in ("blue", "green"):
        db = [r for r in twins.of_type("aws:rds/instance:Instance") if f"{color}-db" in r.urn]
        assert [r.inputs["identifier"] for r in db] == [f"test-twins-{color}-db"]
        lb = [r for r in twins.of_type("aws:lb/loadBalancer:LoadBalancer") if f"{color}-lb" in r.urn]
        assert len(lb) == 1 and lb[0].inputs["name"].startswith(f"test-twins-{color}-lb")
    for kind in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"):
        assert all(len(r.inputs["name"]) <= 32 for r in twins.of_type(kind))
    assert all(len(r.inputs["name"]) <= 64 for r in twins.of_type("aws:iam/role:Role"))


def test_one_oidc_provider_for_both_ci_roles(twins):
    assert len(twins.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")) == 1


def test_a_second_oidc_provider_for_the_same_url_is_a_name_clash():
    """AWS keeps one OIDC provider per URL and account: two deploy roles that each create one
    are reported, naming both."""
    plan = plan_program(PROGRAM, stack="twins",
                        config={"aws:region": "us-east-1", "twins:second_provider": "true"})
    [clash] = plan.name_clashes
    assert clash.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
    assert "token.actions.githubusercontent.com" in clash.key
    assert len(clash.urns) == 2


def test_a_repeated_component_name_is_refused_naming_the_urn():
    with pytest.raises(DuplicateUrnError) as caught:
        plan_program(PROGRAM, stack="twins",
                     config={"aws:region": "us-east-1", "twins:duplicate": "true"})
    message = str(caught.value)
    assert "groundwork:network:Network::blue-net" in message
    assert "Duplicate resource URN" in message
