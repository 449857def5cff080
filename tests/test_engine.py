"""The offline engine: it runs a real program and captures what `pulumi preview` would see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from groundwork.engine import REDACTED, plan_stack, run_program, write_json
from groundwork.stacks.config import load_environment
from groundwork.stacks.loader import StackFile

PROBE = Path(__file__).parent / "programs" / "probe" / "__main__.py"


@pytest.fixture(scope="module")
def probe():
    sf = StackFile(stack="probe", path=PROBE, config={"aws:region": "eu-west-1"})
    env = load_environment({"profile": "dev", "tags": {"Owner": "t"}}, stack="probe",
                           region="eu-west-1")
    return run_program(sf, env, program=PROBE, project="probe")


def test_captures_parent(probe):
    box = probe.one("test:index:Box")
    log_group = probe.one("aws:cloudwatch/logGroup:LogGroup")
    assert not box.custom and log_group.custom
    assert log_group.parent == box.urn
    assert {r.name for r in probe.children(box)} == {"logs", "topic", "secret-version"}


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


def test_secrets_are_redacted_everywhere(probe, tmp_path):
    version = probe.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"] == REDACTED
    assert "secretString" in version.secret_inputs
    out = tmp_path / "plan.json"
    write_json(probe, out)
    assert "hunter2" not in out.read_text()
    assert json.loads(out.read_text())["resource_count"] == 3


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
    from groundwork.engine import ProgramError
    from groundwork.stacks.loader import PROJECT_DIR

    sf = StackFile(stack="dev", path=PROJECT_DIR / "Pulumi.dev.yaml", config={
        "aws:region": "us-east-1", "groundwork:profile": "dev",
        "groundwork:tags": '{"Owner": "me"}', "groundwork:network": '{"az_count": "three"}'})
    env = load_environment({"profile": "dev", "tags": {"Owner": "me"}}, stack="dev",
                           region="us-east-1")
    with pytest.raises(ProgramError) as info:
        run_program(sf, env)
    assert "groundwork:network.az_count" in str(info.value)
