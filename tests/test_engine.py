"""The offline engine: it runs a real program and captures what `pulumi preview` would see,
refuses a duplicate URN as the Pulumi engine does, and reports AWS name clashes."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from groundwork.engine import (
    REDACTED,
    DuplicateUrnError,
    ProgramError,
    engine_urn,
    find_name_clashes,
    physical_name,
    plan_stack,
    short_type,
    write_json,
)
from groundwork.testing import plan_function, plan_program

PROBE = Path(__file__).parent / "programs" / "probe" / "__main__.py"


@pytest.fixture(scope="module")
def probe():
    return plan_program(PROBE, stack="probe", project="probe", config={"aws:region": "eu-west-1"})


def test_captures_parent(probe):
    box = probe.one("test:index:Box")
    log_group = probe.one("aws:cloudwatch/logGroup:LogGroup")
    assert not box.custom and log_group.custom
    assert log_group.parent == box.urn
    assert {r.name for r in probe.children(box)} == {"logs", "topic", "secret-version"}


def test_urns_are_the_engines(probe):
    """The parent's type chain, no `pulumi:pulumi:Stack$` prefix (what `pulumi preview` shows)."""
    box = probe.one("test:index:Box")
    assert box.urn == "urn:pulumi:probe::probe::test:index:Box::box"
    assert probe.one("sns.Topic").urn == "urn:pulumi:probe::probe::test:index:Box$aws:sns/topic:Topic::topic"
    assert engine_urn("s", "p", box.urn, "aws:s3/bucket:Bucket", "b") == \
        "urn:pulumi:s::p::test:index:Box$aws:s3/bucket:Bucket::b"


def test_captures_protect_retain_and_ignore_changes(probe):
    assert probe.one("aws:cloudwatch/logGroup:LogGroup").protect is True
    topic = probe.one("aws:sns/topic:Topic")
    assert topic.protect is False
    assert topic.retain_on_delete is True
    assert topic.ignore_changes == ["tags"]


def test_captures_depends_on(probe):
    topic = probe.one("aws:sns/topic:Topic")
    assert probe.one("aws:cloudwatch/logGroup:LogGroup").urn in topic.depends_on


def test_mock_computes_what_aws_would(probe):
    topic = probe.one("aws:sns/topic:Topic")
    assert topic.outputs["arn"] == f"arn:aws:sns:eu-west-1:123456789012:{topic.outputs['name']}"
    assert probe.stack_outputs == {"topic_arn": topic.outputs["arn"]}
    assert probe.region == "eu-west-1" and probe.config is None


def test_secrets_are_redacted_everywhere(probe, tmp_path):
    version = probe.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"] == REDACTED
    assert "secretString" in version.secret_inputs
    out = tmp_path / "plan.json"
    write_json(probe, out)
    assert "hunter2" not in out.read_text()
    doc = json.loads(out.read_text())
    assert doc["resource_count"] == 3 and doc["profile"] is None and doc["name_clashes"] == []


def test_runs_are_independent():
    """Two runs in one process see only their own resources (fresh loop and root stack)."""
    first = plan_stack("dev")
    second = plan_stack("dev")
    assert len(first.resources) == len(second.resources)
    assert sorted(r.urn for r in first.resources) == sorted(r.urn for r in second.resources)


def test_overrides_change_the_plan():
    result = plan_stack("dev", overrides={"network": {"nat": "per_az"}})
    assert len(result.of_type("aws:ec2/natGateway:NatGateway")) == 2


def test_real_entry_point_refuses_bad_config_without_a_traceback():
    """Under `pulumi up` the config arrives through the runtime: __main__.py must stop with a
    RunError (Pulumi prints it without a traceback) naming the key, before any resource."""
    from groundwork.stacks.loader import PROJECT_DIR

    with pytest.raises(ProgramError) as info:
        plan_program(PROJECT_DIR / "__main__.py", stack="dev", project="groundwork", config={
            "aws:region": "us-east-1", "groundwork:profile": "dev",
            "groundwork:tags": {"Owner": "me"}, "groundwork:network": {"az_count": "three"}})
    assert "groundwork:network.az_count" in str(info.value)


# --------------------------------------------------------------------------- duplicate URNs


class _Pair(pulumi.ComponentResource):
    """A component that names its child without its own name: two of them clash."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("test:index:Pair", name, None, opts)
        aws.sns.Topic("topic", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def test_a_duplicate_urn_is_refused_and_named():
    def program() -> None:
        _Pair("a")
        _Pair("b")

    with pytest.raises(DuplicateUrnError) as info:
        plan_function(program, stack="dup", project="dup")
    urn = "urn:pulumi:dup::dup::test:index:Pair$aws:sns/topic:Topic::topic"
    assert info.value.urn == urn
    assert str(info.value) == f"Duplicate resource URN '{urn}'; try giving it a unique name"
    assert isinstance(info.value, ProgramError)  # the CLI's clean exit 1


def test_the_same_name_under_two_component_types_is_no_duplicate():
    """The URN holds the parent's type chain: `topic` under two different types is fine."""

    class Other(pulumi.ComponentResource):
        def __init__(self, name: str):
            super().__init__("test:index:Other", name, None, None)
            aws.sns.Topic("topic", opts=pulumi.ResourceOptions(parent=self))

    def program() -> None:
        _Pair("a")
        Other("b")

    plan = plan_function(program)
    assert len(plan.of_type("sns.Topic")) == 2


def test_a_duplicate_urn_in_a_program_file(tmp_path: Path):
    (tmp_path / "Pulumi.yaml").write_text("name: twins\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "aws.s3.Bucket('assets')\n"
        "aws.s3.Bucket('assets')\n")
    with pytest.raises(DuplicateUrnError, match="urn:pulumi:dev::twins::aws:s3/bucket:Bucket::assets"):
        plan_stack("dev", project_dir=tmp_path)


# --------------------------------------------------------------------------- AWS name clashes


def _two_databases(identifier_b: str) -> None:
    for name, identifier in (("main", "app-postgres"), ("analytics", identifier_b)):
        aws.rds.Instance(f"{name}-db", identifier=identifier, engine="postgres",
                         instance_class="db.t4g.micro", allocated_storage=20)


def test_two_resources_of_one_type_with_one_aws_name_are_reported():
    plan = plan_function(lambda: _two_databases("app-postgres"))
    [clash] = plan.name_clashes
    assert clash.type == "aws:rds/instance:Instance"
    assert clash.key == "identifier=app-postgres"
    assert [u.rsplit("::", 1)[-1] for u in clash.urns] == ["main-db", "analytics-db"]
    assert "2 rds.Instance resources share the AWS name identifier=app-postgres" in str(clash)
    assert plan.to_json()["name_clashes"][0]["urns"] == list(clash.urns)


def test_distinct_aws_names_are_no_clash():
    assert plan_function(lambda: _two_databases("analytics-postgres")).name_clashes == []


def test_name_clashes_respect_the_scope_aws_gives_a_name():
    """A security group's name is unique within its VPC only; auto-names and prefixes never
    clash; a different type with the same name is no clash either."""

    def program() -> None:
        for vpc in ("a", "b"):
            v = aws.ec2.Vpc(f"vpc-{vpc}", cidr_block="10.0.0.0/16")
            aws.ec2.SecurityGroup(f"sg-{vpc}", name="app", vpc_id=v.id)
        aws.ec2.SecurityGroup("sg-a2", name_prefix="app-")
        aws.ec2.SecurityGroup("sg-a3", name_prefix="app-")
        aws.sns.Topic("alerts", name="alerts")
        aws.sqs.Queue("alerts", name="alerts")
        aws.iam.Role("auto-1", assume_role_policy="{}")
        aws.iam.Role("auto-2", assume_role_policy="{}")

    assert plan_function(program).name_clashes == []


def test_physical_names_and_short_types(probe):
    log_group = probe.one("cloudwatch.LogGroup")
    assert physical_name(log_group) is None  # auto-named: Pulumi picks the name
    plan = plan_function(lambda: (aws.sns.Topic("t", name="alerts"),
                                  aws.ec2.SecurityGroup("g", name_prefix="web-")))
    assert plan.one("sns.Topic").physical_name == "alerts"
    assert plan.one("ec2.SecurityGroup").physical_name == "web-*"
    assert find_name_clashes(plan.resources) == []
    assert short_type("aws:elasticache/replicationGroup:ReplicationGroup") == "elasticache.ReplicationGroup"
    assert short_type("random:index/randomPassword:RandomPassword") == "random.RandomPassword"
    assert short_type("aws:index/provider:Provider") == "aws.Provider"
    assert short_type("pulumi:providers:aws") == "provider.aws"
    assert short_type("groundwork:data:PostgresDatabase") == "groundwork.data.PostgresDatabase"


def test_aliases_are_recorded_as_old_urns():
    class Box(pulumi.ComponentResource):
        def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None):
            super().__init__("test:index:Box", name, None, opts)
            aws.sns.Topic(f"{name}-topic", opts=pulumi.ResourceOptions(
                parent=self, aliases=[pulumi.Alias(name="topic")]))

    def program() -> None:
        Box("box", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="old:index:Box")]))
        aws.sns.Topic("moved", opts=pulumi.ResourceOptions(
            aliases=[pulumi.Alias(name="legacy", parent=None),
                     "urn:pulumi:test::test::aws:sns/topic:Topic::older"]))

    plan = plan_function(program)
    assert plan.one("test:index:Box").aliases == ["urn:pulumi:test::test::old:index:Box::box"]
    assert plan.one("sns.Topic", "box-topic").aliases == [
        "urn:pulumi:test::test::test:index:Box$aws:sns/topic:Topic::topic"]
    assert sorted(plan.one("sns.Topic", "moved").aliases) == [
        "urn:pulumi:test::test::aws:sns/topic:Topic::legacy",
        "urn:pulumi:test::test::aws:sns/topic:Topic::older"]
