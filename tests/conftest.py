"""Shared fixtures: each stack is planned once per test session through the offline engine
(the real `__main__.py`, the real stack files) with `groundwork.testing`, the helper users
plan their own programs with, and tests read the records."""

from __future__ import annotations

import copy
import fcntl
import json
import os
import pickle
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from groundwork.testing import PlanResult, ResourceRecord, plan_stack

ROOT = Path(__file__).resolve().parent.parent


def _share_botocore_loader() -> None:
    """One botocore data loader per test process: moto's `mock_aws` starts every test on a new
    boto3 session, whose fresh loader would parse each service's JSON model again (about 2 s
    of every moto test). The models are read-only data, so sharing the loader changes nothing
    a test sees."""
    import functools

    import botocore.loaders
    import botocore.session

    botocore.session.create_loader = functools.lru_cache(maxsize=None)(  # type: ignore[attr-defined]
        botocore.loaders.create_loader)


_share_botocore_loader()
# moto's EC2 backend otherwise generates its catalogue of default AMIs (thousands of random
# ids) for every region of every test; no test here launches an AMI.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


def planned_once(build: Callable[[], PlanResult]) -> Any:
    """A session fixture whose plan is computed once per test run, not once per xdist worker:
    the first worker to need it plans and pickles it under the run's shared temporary folder
    (behind a file lock), the others load that copy. A plan is plain data (records of inputs
    and outputs), so a loaded copy is what the worker would have planned itself."""

    def fixture(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> PlanResult:
        if worker_id == "master":  # not distributed
            return build()
        shared = tmp_path_factory.getbasetemp().parent
        path = shared / f"plan-{build.__name__}.pickle"
        with open(shared / f"plan-{build.__name__}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if path.is_file():
                return pickle.loads(path.read_bytes())
            result = build()
            path.write_bytes(pickle.dumps(result))
            return result

    fixture.__doc__ = build.__doc__
    return pytest.fixture(scope="session", name=build.__name__)(fixture)


@planned_once
def prod() -> PlanResult:
    return plan_stack("prod")


@planned_once
def dev() -> PlanResult:
    return plan_stack("dev")


@planned_once
def compute_twins() -> PlanResult:
    """tests/programs/standalone, case compute_twins: two of each compute component in one
    program (read by test_cluster, test_load_balancer and test_service; planned once)."""
    from compute_support import run_standalone

    return run_standalone("compute_twins")


@planned_once
def compute_bad_args() -> PlanResult:
    """The same program, case compute_bad_args: each compute component's refused Args."""
    from compute_support import run_standalone

    return run_standalone("compute_bad_args")


@planned_once
def two_of_each() -> PlanResult:
    """tests/programs/two_of_each: two of every public component in one program."""
    from groundwork.testing import plan_program

    return plan_program(ROOT / "tests" / "programs" / "two_of_each" / "__main__.py", stack="twins",
                        config={"aws:region": "us-east-1"})


@planned_once
def account() -> PlanResult:
    """account/ (the account baseline program) with its committed Pulumi.main.yaml."""
    return plan_stack("main", project_dir=ROOT / "account")


NAT_INSTANCE = {"network": {"nat": "instance"}}
"""The dev override that swaps the NAT gateway for a NAT instance (issue 8)."""


@planned_once
def dev_nat_instance() -> PlanResult:
    """dev with `network.nat: instance`."""
    return plan_stack("dev", overrides=NAT_INSTANCE)


DATA_SERVICES_ON = {"search": {"enabled": True}, "documents": {"enabled": True},
                    "kafka": {"enabled": True}}
"""The optional data services of issue 16, all on (each is off in the committed stacks)."""


def services_using(stack: str, service: str, **switches: bool) -> list[dict[str, Any]]:
    """The stack file's whole services list (lists replace in overrides) with `switches`
    (use_search, use_documents, use_kafka...) set on `service`."""
    from groundwork.stacks.loader import read_stack_file

    services = copy.deepcopy(read_stack_file(stack).namespace["services"])
    for svc in services:
        if svc["name"] == service:
            svc.update(switches)
    return services


@planned_once
def prod_data_services() -> PlanResult:
    """prod with the search domain, the document database and Kafka on, all three used by the
    api (the worker uses none): one plan the four data-service test modules share."""
    return plan_stack("prod", overrides={
        **DATA_SERVICES_ON,
        "services": services_using("prod", "api", use_search=True, use_documents=True,
                                   use_kafka=True)})


CLOUDFRONT = {"edge": {"mode": "cloudfront"}}
"""The override that puts CloudFront in front of the (then internal) ALB (issue 13)."""


@planned_once
def prod_cloudfront() -> PlanResult:
    """prod with `edge: cloudfront`: the distribution, its VPC origin on the internal ALB, the
    CLOUDFRONT-scope web ACL and the us-east-1 certificate."""
    return plan_stack("prod", overrides=CLOUDFRONT)


def plan_in_region(stack: str, region: str, tmp: Path,
                   overrides: dict[str, Any] | None = None) -> PlanResult:
    """Plan the committed `stack` as if it were in `region`: the stack file copied into `tmp`
    with `aws:region` changed and without its subnet lock (the AZ names differ there, which a
    lock refuses as moved subnets; a new region is a new stack)."""
    import shutil

    import yaml

    shutil.copy(ROOT / "Pulumi.yaml", tmp / "Pulumi.yaml")
    data = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    data["config"]["aws:region"] = region
    (tmp / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(data))
    here = Path.cwd()
    os.chdir(tmp)  # the program reads its subnet locks from the working directory's project
    try:
        return plan_stack(stack, project_dir=tmp, overrides=overrides,
                          program=ROOT / "__main__.py")
    finally:
        os.chdir(here)


def policy_doc(record: ResourceRecord, key: str = "policy") -> dict[str, Any]:
    """A JSON policy input (key policy, trust policy, bucket policy) as a dict."""
    value = record.inputs[key]
    return json.loads(value) if isinstance(value, str) else value


def tags_of(record: ResourceRecord) -> dict[str, str]:
    return record.inputs.get("tags", {}) or {}


def stand_in_task_roles() -> tuple[Any, Any]:
    """Inside a program under the mocks: the two shapes a store's `allow_from` takes, an
    `aws.iam.Role` ("api-task") and something with a `.task_role` (a FargateService's stand-in,
    "worker-task")."""
    from types import SimpleNamespace

    import pulumi_aws as aws

    api = aws.iam.Role("api-task", assume_role_policy="{}")
    worker = SimpleNamespace(task_role=aws.iam.Role("worker-task", assume_role_policy="{}"),
                             pulumi_resource_name="worker")
    return api, worker


def run_cli(*args: str, cwd: Path = ROOT, columns: int = 200) -> subprocess.CompletedProcess[str]:
    """`groundwork <args>` in-process, in `cwd`, as a CompletedProcess (exit code, stdout,
    stderr). A process per call costs about 2 s; tests/test_cli.py and the wheel test run the
    installed command as a user does."""
    from typer.testing import CliRunner

    from groundwork.cli import app

    here = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns), "NO_COLOR": "1"})
    finally:
        os.chdir(here)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)
