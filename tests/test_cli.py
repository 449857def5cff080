"""The `groundwork` CLI as a user runs it: a subprocess, real stack files, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GROUNDWORK = Path(sys.executable).parent / "groundwork"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1"}
    return subprocess.run([str(GROUNDWORK), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_prints_the_summary(stack: str):
    result = run("plan", stack)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"stack {stack}" in out and "Subnet plan" in out and "Resources by component" in out
    assert "10.0.10.0/24" in out and "us-east-1b" in out
    assert "no pulumi preview was run" in out


def test_plan_writes_json_and_markdown(tmp_path: Path):
    out_json, out_md = tmp_path / "out.json", tmp_path / "report.md"
    result = run("plan", "prod", "--json", str(out_json), "--markdown", str(out_md))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out_json.read_text())
    assert doc["stack"] == "prod" and doc["profile"] == "prod"
    types = {r["type"] for r in doc["resources"]}
    assert "aws:ec2/vpc:Vpc" in types
    vpc = next(r for r in doc["resources"] if r["type"] == "aws:ec2/vpc:Vpc")
    assert vpc["parent"].endswith("::network") and vpc["inputs"]["cidrBlock"] == "10.0.0.0/16"
    md = out_md.read_text()
    assert "```mermaid" in md and "| public | public | us-east-1a | `10.0.1.0/24` |" in md


def _broken_project(tmp_path: Path, body: str) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.dev.yaml").write_text(body)
    return tmp_path


BROKEN = {
    "unknown key": ("  groundwork:databse:\n    multi_az: true\n",
                    "groundwork:databse: unknown key"),
    "wrong type": ("  groundwork:network:\n    az_count: three\n",
                   "groundwork:network.az_count:"),
    "bad cidr": ("  groundwork:network:\n    cidr: 10.0.0.0/33\n", "groundwork:network.cidr:"),
    "bad fargate size": (
        "  groundwork:load_balancer:\n    http_only: true\n"
        "  groundwork:services:\n    - name: api\n      kind: web\n      image: r/a:1\n"
        "      port: 8000\n      cpu: 256\n      memory: 8192\n",
        "groundwork:services[api]:"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_config_exits_2_and_names_the_key(tmp_path: Path, case: str):
    extra, expected = BROKEN[case]
    body = ("config:\n  aws:region: us-east-1\n  groundwork:profile: dev\n"
            "  groundwork:tags:\n    Owner: me\n" + extra)
    result = run("plan", "dev", cwd=_broken_project(tmp_path, body))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_required_key(tmp_path: Path):
    body = "config:\n  aws:region: us-east-1\n  groundwork:profile: dev\n"
    result = run("plan", "dev", cwd=_broken_project(tmp_path, body))
    assert result.returncode == 2
    assert "groundwork:tags: required key is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_yaml_and_unknown_stack(tmp_path: Path):
    result = run("plan", "dev", cwd=_broken_project(tmp_path, "config: [unclosed\n"))
    assert result.returncode == 2 and "not valid YAML" in result.stderr
    result = run("plan", "staging")
    assert result.returncode == 2 and "no stack file Pulumi.staging.yaml" in result.stderr
    assert "Traceback" not in result.stderr
