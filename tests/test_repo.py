"""The repository's own contract: CI entry point, workflows, project files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_workflows_match_the_github_schema():
    """check-jsonschema ships GitHub's workflow schema, so this runs offline."""
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    exe = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(exe), "--builtin-schema", "vendor.github-workflows",
                             *map(str, workflows)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci and "make test" in readme
    assert "make plan STACK=dev" in readme


def test_pulumi_project_contract():
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "groundwork"
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"] == {"toolchain": "pip", "virtualenv": ".venv"}
    for stack in ("dev", "prod"):
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert config["groundwork:profile"] == stack
        assert all(k.startswith(("groundwork:", "aws:")) for k in config)
