"""`groundwork.testing`: plan a program file or a function under the mocks, query the records."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from groundwork.testing import (
    DuplicateUrnError,
    ProgramError,
    plan_function,
    plan_program,
)

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = '''
import pulumi
import pulumi_aws as aws


class Site(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("shop:web:Site", name, None, opts)
        mine = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(f"{name}-assets", bucket=f"{name}-assets", opts=mine)
        aws.s3.BucketPublicAccessBlock(f"{name}-private", bucket=self.bucket.id,
                                       block_public_acls=True, opts=mine)
        self.register_outputs({})


config = pulumi.Config()
sites = config.require_object("sites")
token = config.require_secret("token")
for name in sites:
    Site(name)
aws.sqs.Queue("jobs", name=config.get("queue") or "jobs",
              tags={"Token": token.apply(lambda t: t[:3])})
pulumi.export("sites", sites)
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    (folder / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (folder / "__main__.py").write_text(PROGRAM)
    (folder / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  shop:sites: [blog, store]\n"
        "  shop:token:\n    secure: AAABAxyz\n  shop:queue: dev-jobs\n")
    return folder


@pytest.fixture(scope="module")
def plan(project: Path):
    return plan_program(project / "__main__.py", stack="test",
                        config={"sites": ["blog", "store"], "token": "s3cr3t"}, secrets=["token"])


def test_config_reaches_the_program_as_pulumi_config(plan):
    assert plan.project == "shop" and plan.stack == "test"  # the project name from Pulumi.yaml
    assert plan.stack_outputs == {"sites": ["blog", "store"]}
    assert plan.region == "us-east-1" and plan.config is None
    assert plan.one("sqs.Queue").inputs["name"] == "jobs"


def test_query_by_type_name_and_parent(plan):
    # sorted: the SDK registers from worker threads, so the order of the records may vary
    assert sorted(r.name for r in plan.of_type("s3.Bucket")) == ["blog-assets", "store-assets"]
    assert plan.of_type("aws:s3/bucket:Bucket") == plan.of_type("s3.Bucket")
    store = plan.component("store")
    assert store.type == "shop:web:Site" and plan.component("store", "shop.web.Site") == store
    assert {r.name for r in plan.children(store)} == {"store-assets", "store-private"}
    assert sorted(r.name for r in plan.children("blog")) == ["blog-assets", "blog-private"]
    assert plan.one("s3.Bucket", parent="store").inputs["bucket"] == "store-assets"
    bucket = plan.one("s3.Bucket", "blog-assets")
    assert plan.parent_of(bucket) == plan.component("blog")
    assert len(list(plan.descendants(store))) == 2
    assert plan.named("jobs")[0].type == "aws:sqs/queue:Queue"
    with pytest.raises(AssertionError, match="expected one aws:s3/bucket:Bucket, found 2"):
        plan.one("aws:s3/bucket:Bucket")


def test_secrets_stay_secret(plan):
    queue = plan.one("sqs.Queue")
    assert queue.inputs["tags"]["Token"] == "[secret]"


def test_the_project_dir_gives_the_stack_file(project: Path):
    plan = plan_program(project / "__main__.py", stack="dev", project_dir=project,
                        config={"queue": "override-jobs"})
    assert plan.region == "eu-west-1" and plan.project_dir == project
    assert plan.one("sqs.Queue").inputs["name"] == "override-jobs"  # config wins over the file
    assert sorted(c.name for c in plan.resources if c.type == "shop:web:Site") == ["blog", "store"]


def test_plan_a_function():
    def program() -> None:
        topic = aws.sns.Topic("alerts", name="alerts")
        pulumi.export("topic", topic.arn)
        pulumi.export("greeting", pulumi.Config().require("greeting"))

    plan = plan_function(program, config={"greeting": "hi", "aws:region": "eu-central-1"})
    assert plan.stack_outputs == {
        "topic": "arn:aws:sns:eu-central-1:123456789012:alerts", "greeting": "hi"}


def test_failures_are_clean():
    def broken() -> None:
        raise pulumi.RunError("the config says no")

    with pytest.raises(ProgramError, match="the config says no"):
        plan_function(broken)

    def twins() -> None:
        aws.sns.Topic("t")
        aws.sns.Topic("t")

    with pytest.raises(DuplicateUrnError, match="aws:sns/topic:Topic::t'"):
        plan_function(twins)


def test_groundworks_own_stacks(dev):
    """`plan_stack` (the fixtures' planner) and `plan_program` on groundwork's program agree."""
    again = plan_program(ROOT / "__main__.py", stack="dev", project_dir=ROOT)
    assert again.config is not None and again.profile == "dev"
    assert sorted(r.urn for r in again.resources) == sorted(r.urn for r in dev.resources)
