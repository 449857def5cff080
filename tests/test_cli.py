"""The `groundwork` CLI as a user runs it: real stack files, exit codes; in groundwork's own
project and in any other Pulumi Python project. The plan summary of dev and prod and another
project's plan run as a subprocess of the installed command; the rest (the --types, --json and
--markdown outputs, an example's folder, the error paths) run in-process (`conftest.run_cli`:
the same exit codes and streams, without 2 s of interpreter start each)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
GROUNDWORK = Path(sys.executable).parent / "groundwork"


def run(*args: str, cwd: Path = ROOT, columns: int = 160) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    return subprocess.run([str(GROUNDWORK), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


SECTIONS = ["Components (", "Subnet plan", "Security groups: ingress", "Policy (",
            "Estimated monthly cost:", "Totals:"]
"""The plan's sections, in the order a reviewer reads them."""


@pytest.fixture(scope="module", params=["dev", "prod"])
def plan_output(request: pytest.FixtureRequest) -> tuple[str, str]:
    """`groundwork plan <stack>` at 80 columns, piped (not a terminal)."""
    result = run("plan", request.param, columns=80)
    assert result.returncode == 0, result.stderr
    return request.param, result.stdout


def test_plan_prints_the_summary(plan_output: tuple[str, str]):
    stack, out = plan_output
    assert f"groundwork plan: stack {stack} (profile {stack}, region us-east-1)" in out
    assert "10.0.10.0/24" in out and "us-east-1b" in out
    assert "no pulumi preview was run" in out
    assert "Subnet lock stacks/subnets/" in out


def test_plan_leads_with_what_a_reviewer_needs(plan_output: tuple[str, str]):
    """Components, subnet plan, security groups, policy, cost, totals, in this order; the
    per-type table only with --types."""
    stack, out = plan_output
    where = [out.index(section) for section in SECTIONS]
    assert where == sorted(where), dict(zip(SECTIONS, where, strict=True))
    components = out[out.index("Components ("):out.index("Subnet plan")]
    assert re.search(r"^  network +Network +\d+$", components, re.M)
    # the instance, its parameter group, two log groups, the monitoring role and its attachment;
    # prod also replicates its automated backups to the DR region (docs/backup.md)
    count = 7 if stack == "prod" else 6
    assert re.search(rf"^  database +PostgresDatabase +{count}$", components, re.M)
    assert "Resources by component" not in out


def test_plan_is_plain_and_fits_80_columns(plan_output: tuple[str, str]):
    _, out = plan_output
    assert not set(out) & set("┏┃━│└┘┌┐─╇┡╭╮"), "box characters in piped output"
    assert "\x1b[" not in out, "colour codes in piped output"
    too_wide = [line for line in out.splitlines() if len(line) > 80]
    assert too_wide == []


def test_subnets_come_tier_by_tier_in_plan_order(plan_output: tuple[str, str]):
    stack, out = plan_output
    table = out[out.index("Subnet plan"):out.index("Security groups")]
    rows = [line.split() for line in table.splitlines()[3:] if line.startswith("  ") and "10." in line]
    tiers = list(dict.fromkeys(row[0] for row in rows))
    assert tiers == ["public", "compute", "data", "messaging"]
    for tier in tiers:
        azs = [row[2] for row in rows if row[0] == tier]
        assert azs == sorted(azs) and azs[0] == "us-east-1a"
    assert len(rows) == (8 if stack == "dev" else 11)


def test_types_are_short_behind_the_flag():
    result = run_cli("plan", "dev", "--types", columns=80)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    table = out[out.index("Resources by component and type"):]
    assert re.search(r"^  cache +elasticache\.ReplicationGroup +1$", table, re.M)
    assert re.search(r"^  database +rds\.Instance +1$", table, re.M)
    assert "aws:elasticache/replicationGroup" not in out and "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_plan_writes_json_and_markdown(tmp_path: Path):
    out_json, out_md = tmp_path / "out.json", tmp_path / "report.md"
    result = run_cli("plan", "prod", "--json", str(out_json), "--markdown", str(out_md))
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
    result = run_cli("plan", "dev", cwd=_broken_project(tmp_path, body))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_required_key(tmp_path: Path):
    body = "config:\n  aws:region: us-east-1\n  groundwork:profile: dev\n"
    result = run_cli("plan", "dev", cwd=_broken_project(tmp_path, body))
    assert result.returncode == 2
    assert "groundwork:tags: required key is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_yaml_and_unknown_stack(tmp_path: Path):
    result = run_cli("plan", "dev", cwd=_broken_project(tmp_path, "config: [unclosed\n"))
    assert result.returncode == 2 and "not valid YAML" in result.stderr
    result = run_cli("plan", "staging")
    assert result.returncode == 2 and "no stack file Pulumi.staging.yaml" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- any Pulumi project

SHOP_PROGRAM = """
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
settings = config.require_object("settings")
token = config.require_secret("apiToken")
region = pulumi.Config("aws").require("region")
bucket = aws.s3.Bucket("assets", bucket=f"{pulumi.get_project()}-{pulumi.get_stack()}-assets")
aws.sqs.Queue("jobs", name=settings["queue"], message_retention_seconds=settings["retention"])
pulumi.export("bucket", bucket.bucket)
pulumi.export("region", region)
"""


def _shop(tmp_path: Path, *, program: str = SHOP_PROGRAM) -> Path:
    """A Pulumi Python project of its own (not groundwork's): project `shop`, its program in
    app/ (`main:`), stack dev in eu-west-1 with structured, secret and bare-key config."""
    project = tmp_path / "shop"
    (project / "app").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: shop\nruntime:\n  name: python\nmain: app/\n")
    (project / "app" / "__main__.py").write_text(program)
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n"
        "  settings:\n    queue: shop-jobs\n    retention: 86400\n"
        "  shop:apiToken:\n    secure: AAABAKz1a2b3c4d5e6f7\n"
        # groundwork's namespace in another project is that program's business: not validated
        "  groundwork:anything: goes\n")
    return project


def test_plan_runs_any_pulumi_python_project(tmp_path: Path):
    project = _shop(tmp_path)
    result = run("plan", "dev", cwd=project, columns=80)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "groundwork plan: stack dev (project shop, region eu-west-1)" in out
    assert re.search(r"^  \(stack\) +- +2$", out, re.M)  # its two top-level resources
    assert "Policy (the pack's defaults)" in out
    out_json = tmp_path / "plan.json"
    assert run("plan", "dev", "--json", str(out_json), cwd=project).returncode == 0
    doc = json.loads(out_json.read_text())
    assert doc["project"] == "shop" and doc["region"] == "eu-west-1" and doc["profile"] is None
    assert doc["stack_outputs"] == {"bucket": "shop-dev-assets", "region": "eu-west-1"}
    queue = next(r for r in doc["resources"] if r["type"] == "aws:sqs/queue:Queue")
    assert queue["inputs"]["name"] == "shop-jobs"
    assert queue["inputs"]["messageRetentionSeconds"] == 86400
    assert queue["urn"] == "urn:pulumi:dev::shop::aws:sqs/queue:Queue::jobs"


def test_project_dir_option_and_a_stack_without_a_file(tmp_path: Path):
    project = _shop(tmp_path, program="import pulumi_aws as aws\naws.sns.Topic('t')\n")
    result = run_cli("plan", "dev", "--project-dir", str(project), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "project shop, region eu-west-1" in result.stdout
    result = run_cli("plan", "staging", "--project-dir", str(project), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no Pulumi.staging.yaml" in result.stderr and "known stacks: dev" in result.stderr
    assert "region us-east-1" in result.stdout  # no aws:region: the default
    cost = run_cli("cost", "staging", "--project-dir", str(project), cwd=tmp_path)
    assert cost.returncode == 0 and "Total:" in cost.stdout, cost.stderr
    result = run_cli("plan", "dev", "--project-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "no Pulumi.yaml" in result.stderr


def test_check_runs_the_whole_pack_over_another_program(tmp_path: Path):
    project = _shop(tmp_path)
    result = run_cli("check", "dev", cwd=project)
    assert "with the pack's defaults" in result.stdout
    assert "sqs-" in result.stdout or "s3-" in result.stdout  # rules fired on its own resources
    assert result.returncode == 1 and "FAILED" in result.stdout
    config = project / "policies" / "config"
    config.mkdir(parents=True)
    (config / "dev.json").write_text(json.dumps({"all": "advisory"}))
    result = run_cli("check", "dev", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "policies/config/dev.json" in result.stdout and "PASSED" in result.stdout


def test_a_duplicate_urn_fails_the_plan_naming_it(tmp_path: Path):
    project = _shop(tmp_path, program=(
        "import pulumi_aws as aws\naws.sns.Topic('alerts')\naws.sns.Topic('alerts')\n"))
    result = run_cli("plan", "dev", cwd=project)
    assert result.returncode == 1
    assert ("Duplicate resource URN 'urn:pulumi:dev::shop::aws:sns/topic:Topic::alerts'"
            in result.stderr)
    assert "Traceback" not in result.stderr


def test_an_aws_name_clash_leads_the_plan_and_fails_it(tmp_path: Path):
    project = _shop(tmp_path, program=(
        "import pulumi_aws as aws\n"
        "for name in ('main', 'analytics'):\n"
        "    aws.rds.Instance(name, identifier='app-postgres', engine='postgres',\n"
        "                     instance_class='db.t4g.micro', allocated_storage=20)\n"))
    result = run_cli("plan", "dev", cwd=project)
    assert result.returncode == 1
    out = result.stdout
    assert out.index("AWS NAME CLASHES: 1") < out.index("Components (")
    assert "2 rds.Instance resources share the AWS name identifier=app-postgres (main, analytics)" \
        in " ".join(out.split())
    assert "1 AWS name clash(es)" in result.stderr
    check = run_cli("check", "dev", cwd=project)
    assert check.returncode == 1 and "NAME CLASH" in check.stdout


def test_names_records_and_guards_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`groundwork names` (in-process): none, --update writes it, a rename without an alias
    fails, --update accepts it."""
    from typer.testing import CliRunner

    from groundwork.cli import app

    def names(*args: str):
        return CliRunner().invoke(app, ["names", "dev", *args])

    project = _shop(tmp_path)
    monkeypatch.chdir(project)
    assert "Name record: none" in names().output
    result = names("--update")
    assert result.exit_code == 0 and "created with 2 resources" in result.output
    record = json.loads((project / "stacks" / "names" / "dev.json").read_text())
    assert record["resources"]["aws:s3/bucket:Bucket::assets"] == "shop-dev-assets"
    assert names().exit_code == 0
    main = project / "app" / "__main__.py"
    main.write_text(main.read_text().replace('Bucket("assets"', 'Bucket("static"'))
    result = names()
    assert result.exit_code == 1
    assert "URN aws:s3/bucket:Bucket::assets would disappear" in " ".join(result.output.split())
    assert names("--update").exit_code == 0
    assert names().exit_code == 0


def test_an_example_project_plans_and_checks_in_its_own_folder():
    """examples/worker-service is its own Pulumi project (no stack file: it sets no config)."""
    example = ROOT / "examples" / "worker-service"
    result = run_cli("plan", "dev", cwd=example, columns=80)
    assert result.returncode == 0, result.stderr
    assert "groundwork plan: stack dev (project worker-service, region us-east-1)" in result.stdout
    assert "Subnet plan" in result.stdout and "10.30." in result.stdout
    check = run_cli("check", "dev", cwd=example)
    assert "rules over" in check.stdout and "Traceback" not in check.stderr


def test_a_bug_in_the_program_shows_where_without_the_engine(tmp_path: Path):
    project = _shop(tmp_path, program="import pulumi_aws as aws\n\n\nraise ValueError('boom')\n")
    result = run("plan", "dev", cwd=project)
    assert result.returncode == 1
    assert "error: the program failed: ValueError: boom" in result.stderr
    assert 'app/__main__.py", line 4, in <module>' in result.stderr
    assert "site-packages" not in result.stderr and "engine.py" not in result.stderr
