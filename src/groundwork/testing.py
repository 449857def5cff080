"""Plan a Pulumi program offline in your tests, and query what it registered.

    from groundwork.testing import plan_function, plan_program

    def test_two_databases_get_their_own_names():
        plan = plan_program("__main__.py", stack="dev", config={"aws:region": "eu-west-1"})
        identifiers = {r.inputs["identifier"] for r in plan.of_type("rds.Instance")}
        assert len(identifiers) == 2

Both functions run the program under Pulumi's mocks (no CLI, no provider plugins, no AWS
credentials), with a mock that answers what AWS would compute (ids, ARNs, endpoints). They
return a `PlanResult`: every registered resource as a `ResourceRecord` (type, name, URN, parent,
inputs, outputs, options, aliases), queryable with

- `plan.of_type("rds.Instance")` (the token `aws:rds/instance:Instance` works too),
- `plan.one(type, name=None, parent=None)` (AssertionError unless exactly one),
- `plan.component(name)`, `plan.children(component)`, `plan.descendants(component)`,
  `plan.parent_of(record)`, `plan.named(name)`, `plan.by_urn(urn)`,
- `plan.stack_outputs`, `plan.log` (what the program logged), `plan.name_clashes` (two
  resources of one type with one AWS name: AWS refuses the second).

A duplicate URN raises `DuplicateUrnError` naming it, as the Pulumi engine refuses it; a program
that fails raises `ProgramError` (a `pulumi.RunError` it raised, without the traceback).
Secrets are redacted in every record. See docs/testing.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from groundwork.engine import (
    DuplicateUrnError,
    NameClash,
    PlanResult,
    ProgramError,
    ResourceRecord,
    execute,
    plan_stack,
    run_program,
    short_type,
)
from groundwork.stacks.config import NAMESPACE, ConfigError, EnvironmentConfig, load_environment
from groundwork.stacks.loader import (
    DEFAULT_REGION,
    StackFile,
    read_project,
    read_stack_file,
)

__all__ = [
    "DuplicateUrnError",
    "NameClash",
    "PlanResult",
    "ProgramError",
    "ResourceRecord",
    "plan_function",
    "plan_program",
    "plan_stack",
    "short_type",
]


def _qualified(config: Mapping[str, Any] | None, project: str) -> dict[str, Any]:
    """Bare keys get the project's namespace, as `pulumi config set key value` does."""
    return {(k if ":" in k else f"{project}:{k}"): v for k, v in (config or {}).items()}


def _engine_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def plan_program(
    program: str | Path,
    *,
    stack: str = "test",
    config: Mapping[str, Any] | None = None,
    project: str | None = None,
    project_dir: str | Path | None = None,
    region: str | None = None,
    secrets: list[str] | None = None,
) -> PlanResult:
    """Run a program file (a project's `__main__.py`) as stack `stack` under the mocks.

    - `config`: Pulumi config, `{"aws:region": "eu-west-1", "vpcCidr": "10.1.0.0/16", ...}`;
      bare keys get the project's namespace; structured values are passed as JSON, as Pulumi
      does. `secrets`: keys whose value is a secret (read them with `require_secret`).
    - `project_dir`: also read the project's `Pulumi.yaml` (its name and project config) and
      its `Pulumi.<stack>.yaml` (if there is one); `config` wins over both.
    - `project`: the project name (default: `project_dir`'s or the program folder's
      Pulumi.yaml name, else `test`).
    - `region`: the region the mock answers for (default: `aws:region`, else us-east-1).
    """
    program = Path(program).resolve()
    folder = Path(project_dir) if project_dir is not None else None
    base: dict[str, Any] = {}
    secret_keys = list(secrets or [])
    home = folder or program.parent
    if (home / "Pulumi.yaml").is_file():
        found = read_project(home)
        project = project or found.name
        if folder is not None:
            sf = read_stack_file(stack, folder, project=project, missing_ok=True)
            base = {**found.config, **sf.config}
            secret_keys += sf.secret_keys
    project = project or "test"
    merged = {**base, **_qualified(config, project)}
    region = region or (merged.get("aws:region") if isinstance(merged.get("aws:region"), str)
                        else None) or DEFAULT_REGION
    merged.setdefault("aws:region", region)
    env = _groundwork_environment(merged, stack, region) if project == NAMESPACE else None
    stack_file = StackFile(stack=stack, path=home / f"Pulumi.{stack}.yaml", config=merged,
                           secret_keys=secret_keys)
    return run_program(stack_file, env, program=program, project=project, region=region,
                       project_dir=folder)


def _groundwork_environment(config: Mapping[str, Any], stack: str,
                            region: str) -> EnvironmentConfig | None:
    """groundwork's environment for `PlanResult.config`, if the config is valid (if it isn't,
    groundwork's own program refuses it when it runs, as under `pulumi up`)."""
    prefix = f"{NAMESPACE}:"
    raw = {k[len(prefix):]: (json.loads(v) if isinstance(v, str) and v[:1] in "{[" else v)
           for k, v in config.items() if k.startswith(prefix)}
    try:
        return load_environment(raw, stack=stack, region=region)
    except ConfigError:
        return None


def plan_function(
    body: Callable[[], Any],
    *,
    stack: str = "test",
    config: Mapping[str, Any] | None = None,
    project: str = "test",
    region: str | None = None,
    secrets: list[str] | None = None,
) -> PlanResult:
    """Run `body()` as a program (it builds resources and may `pulumi.export`) under the mocks;
    arguments as for `plan_program`."""
    values = _qualified(config, project)
    aws_region = values.get("aws:region")
    region = region or (aws_region if isinstance(aws_region, str) else None) or DEFAULT_REGION
    values.setdefault("aws:region", region)

    def run() -> None:
        body()

    return execute(run, stack=stack, project=project,
                   config={k: _engine_value(v) for k, v in values.items()},
                   secret_keys=list(secrets or []), region=region)
