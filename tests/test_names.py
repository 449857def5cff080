"""The name record (stacks/names/<stack>.json): the dev and prod stacks keep every URN (or alias
it) and the AWS name of every stateful resource; and the rules themselves, on a tiny program."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from groundwork.engine import PlanResult
from groundwork.stacks import names
from groundwork.testing import plan_function

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- dev and prod


@pytest.fixture(params=["dev", "prod"])
def stack_check(request: pytest.FixtureRequest) -> tuple[str, names.NameCheck]:
    stack = request.param
    record = names.read_record(names.record_path(ROOT, stack))
    if record is None:
        pytest.skip(f"no name record for {stack} yet: groundwork names {stack} --update")
    plan: PlanResult = request.getfixturevalue(stack)
    return stack, names.compare(record, plan)


def test_no_urn_of_the_stack_disappears_without_an_alias(stack_check):
    stack, check = stack_check
    assert check.lost == [], (
        f"{stack}: these URNs would be replaced; add `aliases` on the resources that replace "
        f"them, or (a deliberate removal) rewrite the record: groundwork names {stack} --update")


def test_every_stateful_resource_of_the_stack_keeps_its_aws_name(stack_check):
    stack, check = stack_check
    assert check.stateful == [], f"{stack}: a stateful resource would be replaced"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_upgrade_from_0_1_0_replaces_nothing_that_holds_data(stack: str, request):
    """The one rename of 0.2.0 (CHANGELOG.md), checked against the names 0.1.0 deployed
    (stacks/names/0.1.0/, recorded from the 0.1.0 program): every URN is kept or aliased, every
    stateful name kept; what does change is only names of resources without data."""
    record = names.read_record(ROOT / names.NAMES_DIR / "0.1.0" / f"{stack}.json")
    assert record is not None and len(record["resources"]) > 100
    check = names.compare(record, request.getfixturevalue(stack))
    assert check.lost == [] and check.stateful == []
    assert check.renamed, "0.2.0 moved the network's children and the keys (with aliases)"
    changed_types = {names.key_type(key) for key, _, _ in check.changed}
    assert changed_types and not changed_types & set(names.STATEFUL)


def test_the_records_are_what_the_tool_writes():
    paths = sorted((ROOT / names.NAMES_DIR).rglob("*.json"))
    assert {p.stem for p in paths} == {"dev", "prod"} and len(paths) == 4
    for path in paths:
        record = names.read_record(path)
        assert record is not None and record["stack"] == path.stem
        assert path.read_text() == names.render_record(record), f"{path}: not sorted/rendered"


# --------------------------------------------------------------------------- the rules


class Store(pulumi.ComponentResource):
    """A component with a bucket, a log group (stateful) and a role (not), all named after it."""

    def __init__(self, name: str, *, bucket: str | None = None, role: str | None = None,
                 child: str = "bucket", aliases: list[pulumi.Alias] | None = None,
                 child_aliases: list[pulumi.Alias] | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("test:index:Store", name, None, pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(aliases=aliases)))
        mine = pulumi.ResourceOptions(parent=self)
        aws.s3.Bucket(f"{name}-{child}", bucket=bucket or f"{name}-data",
                      opts=pulumi.ResourceOptions(parent=self, aliases=child_aliases))
        aws.cloudwatch.LogGroup(f"{name}-logs", name=f"/app/{name}", opts=mine)
        aws.iam.Role(f"{name}-role", name=role or f"{name}-role", assume_role_policy="{}", opts=mine)
        self.register_outputs({})


def _plan(**store: object) -> PlanResult:
    name = str(store.pop("name", "store"))
    return plan_function(lambda: Store(name, **store), stack="dev", project="shop")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def record() -> dict:
    return names.record_from_plan(_plan())


def test_the_record_holds_every_urn_and_aws_name(record: dict):
    assert record["project"] == "shop" and record["stack"] == "dev"
    assert record["resources"] == {
        "test:index:Store::store": None,
        "test:index:Store$aws:s3/bucket:Bucket::store-bucket": "store-data",
        "test:index:Store$aws:cloudwatch/logGroup:LogGroup::store-logs": "/app/store",
        "test:index:Store$aws:iam/role:Role::store-role": "store-role",
    }
    assert names.compare(record, _plan()).ok


def test_a_urn_that_disappears_without_an_alias_fails(record: dict):
    check = names.compare(record, _plan(child="objects"))
    assert check.lost == ["test:index:Store$aws:s3/bucket:Bucket::store-bucket"]
    assert not check.ok and "would disappear" in check.problems[0]
    assert check.added == ["test:index:Store$aws:s3/bucket:Bucket::store-objects"]


def test_an_alias_naming_the_old_urn_passes(record: dict):
    check = names.compare(record, _plan(child="objects",
                                        child_aliases=[pulumi.Alias(name="store-bucket")]))
    assert check.ok and check.lost == [] and check.added == []
    assert check.renamed == [("test:index:Store$aws:s3/bucket:Bucket::store-bucket",
                              "test:index:Store$aws:s3/bucket:Bucket::store-objects")]


def test_a_renamed_component_passes_its_alias_on_to_its_children(record: dict):
    """As the engine does: the children named `<component>-...` answer to `<old name>-...`.
    Their AWS names derive from the new name, though: the stateful ones fail."""
    check = names.compare(record, _plan(name="archive", aliases=[pulumi.Alias(name="store")]))
    assert check.lost == []
    assert len(check.renamed) == 4
    assert [line.split(": AWS name", 1)[0] for line in check.stateful] == [
        "test:index:Store$aws:cloudwatch/logGroup:LogGroup::store-logs",
        "test:index:Store$aws:s3/bucket:Bucket::store-bucket"]
    assert check.changed == [("test:index:Store$aws:iam/role:Role::store-role", "store-role",
                              "archive-role")]


def test_a_stateful_resource_that_changes_its_aws_name_fails(record: dict):
    check = names.compare(record, _plan(bucket="store-objects"))
    [problem] = check.stateful
    assert problem.startswith("test:index:Store$aws:s3/bucket:Bucket::store-bucket: AWS name "
                              "store-data would become store-objects, which replaces a bucket")
    assert check.lost == [] and not check.ok


def test_a_resource_without_data_may_change_its_aws_name(record: dict):
    check = names.compare(record, _plan(role="store-app-role"))
    assert check.ok
    assert check.changed == [("test:index:Store$aws:iam/role:Role::store-role", "store-role",
                              "store-app-role")]


def test_the_stateful_list_names_what_holds_data():
    for typ in ("aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup",
                "aws:s3/bucket:Bucket", "aws:kms/alias:Alias", "aws:cloudwatch/logGroup:LogGroup",
                "aws:ecr/repository:Repository", "aws:secretsmanager/secret:Secret"):
        assert typ in names.STATEFUL
    assert "aws:iam/role:Role" not in names.STATEFUL
    assert "aws:cloudwatch/metricAlarm:MetricAlarm" not in names.STATEFUL


def test_a_record_file_round_trips_and_a_broken_one_is_named(tmp_path: Path, record: dict):
    path = names.record_path(tmp_path, "dev")
    assert names.read_record(path) is None
    names.write_record(path, record)
    assert names.read_record(path) == record
    assert json.loads(path.read_text())["resources"] == record["resources"]
    path.write_text('{"resources": []}')
    with pytest.raises(names.NameRecordError, match=r"dev\.json: must be"):
        names.read_record(path)
