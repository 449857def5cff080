"""The CI workflows are a supply chain too: both GitHub workflow linters report nothing on
`.github/`, and the properties they check hold by construction (docs/ci.md).

The linters come from the dev extra (pyproject.toml), so `make test` and CI have them; a missing
one fails here rather than skipping. Both run offline: actionlint needs no network, zizmor runs
with `--offline` (its online audits, e.g. impostor commits, are for a person with a GitHub token:
docs/ci.md). Each linter runs once, over the real files plus a canary workflow that must be
flagged: a linter that silently checks nothing (no shellcheck on PATH, a wrong input path) fails.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.y*ml"))
BIN = Path(sys.executable).parent

# Each line is one linter's finding: the real workflows must have none, and the canary each of these.
CANARY = """\
name: canary
on: pull_request
jobs:
  canary:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo ${{ github.event.pull_request.title }} $HOME/$1
"""
SHA_PIN = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"#\s*(v\d+(?:\.\d+)*)\s*$")
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials"


def _tool(name: str) -> Path:
    exe = BIN / name
    if not exe.exists():
        pytest.fail(f"{exe} is missing: the dev extra installs it (`make venv`, or "
                    f"`{BIN / 'python'} -m pip install -e '.[dev]'`)")
    return exe


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _steps(flow: dict):
    for job_name, job in flow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, job, step


def test_the_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "deploy.yml"}


def test_actionlint_reports_nothing(tmp_path):
    canary = tmp_path / "canary.yml"
    canary.write_text(CANARY)
    result = subprocess.run(
        [str(_tool("actionlint")), "-no-color", "-format", "{{json .}}",
         "-shellcheck", str(_tool("shellcheck")), "-pyflakes=", *map(str, WORKFLOWS), str(canary)],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=120)
    assert result.returncode in (0, 1), result.stderr  # 1: findings; anything else: it broke
    errors = json.loads(result.stdout or "[]")
    real = [f"{e['filepath']}:{e['line']}:{e['column']}: {e['message']} [{e['kind']}]"
            for e in errors if Path(e["filepath"]).resolve() != canary]
    assert real == []
    # the canary's node20 action and its unquoted shell words: the checks this test relies on
    flagged = {e["kind"] for e in errors if Path(e["filepath"]).resolve() == canary}
    assert {"action", "shellcheck", "expression"} <= flagged, errors


def test_zizmor_offline_reports_nothing(tmp_path):
    canary = tmp_path / "canary.yml"
    canary.write_text(CANARY)
    # `.github` holds the workflows and dependabot.yml; --strict-collection fails on an input
    # that doesn't parse instead of skipping it.
    result = subprocess.run(
        [str(_tool("zizmor")), "--offline", "--strict-collection", "--no-progress", "--format", "json",
         str(GITHUB), str(canary)],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=120)
    assert result.returncode == 0 or result.returncode >= 10, result.stderr  # 10+: findings
    findings = [f for f in json.loads(result.stdout) if not f.get("ignored")]

    def where(finding: dict) -> Path:
        return Path(finding["locations"][0]["symbolic"]["key"]["Local"]["verbatim_path"]).resolve()

    collected = re.findall(r"completed (\S+)", result.stderr)
    assert {Path(p).name for p in collected} >= {"ci.yml", "deploy.yml", "dependabot.yml"}, result.stderr
    def line(finding: dict) -> int:
        return finding["locations"][0]["concrete"]["location"]["start_point"]["row"] + 1

    real = [f"{where(f).relative_to(ROOT)}:{line(f)}: {f['ident']} ({f['determinations']['severity']}): "
            f"{f['desc']}" for f in findings if where(f) != canary]
    assert real == []
    flagged = {f["ident"] for f in findings if where(f) == canary}
    assert {"unpinned-uses", "artipacked", "template-injection"} <= flagged, flagged


def test_every_action_is_pinned_to_a_commit_with_its_version():
    """`uses: owner/repo@<40-hex sha> # vX.Y.Z`: a tag can be moved, a commit can't; the comment
    says which release the commit is (dependabot rewrites both). One action, one commit."""
    pins: dict[str, set[tuple[str, str]]] = {}
    bad = []
    for path in WORKFLOWS:
        lines = path.read_text().splitlines()
        uses_lines = [line for line in lines if re.match(r"^\s*(?:-\s+)?uses:", line)]
        parsed = [step["uses"] for _, _, step in _steps(_load(path)) if "uses" in step]
        parsed += [job["uses"] for job in _load(path)["jobs"].values() if "uses" in job]
        assert len(uses_lines) == len(parsed), path  # every uses: seen, in steps and reusable jobs
        for line in uses_lines:
            ref = line.split("uses:", 1)[1].split("#", 1)[0].strip()
            match, comment = SHA_PIN.match(ref), VERSION_COMMENT.search(line)
            if ref.startswith("./"):
                continue  # a local action or workflow: the commit under test
            if not (match and comment):
                bad.append(f"{path.name}: {line.strip()}")
                continue
            pins.setdefault(match["action"], set()).add((match["sha"], comment[1]))
    assert bad == []
    assert {"actions/checkout", "actions/setup-python", AWS_CREDENTIALS} <= set(pins)
    assert {action: sorted(p) for action, p in pins.items() if len(p) > 1} == {}


def test_every_checkout_drops_its_credentials():
    """actions/checkout writes the job's token into .git/config unless told not to: every later
    step (and an uploaded workspace) could read it. Nothing here pushes, so none keeps it."""
    checkouts = [(path.name, job_name, step) for path in WORKFLOWS
                 for job_name, _, step in _steps(_load(path))
                 if step.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) >= 5
    assert [(f, j) for f, j, step in checkouts
            if step.get("with", {}).get("persist-credentials") is not False] == []


def test_every_job_has_the_least_permissions():
    """Nothing at the top; each job names what it needs: `contents: read` to check out,
    `id-token: write` only where it assumes an AWS role through OIDC, and no other write."""
    for path in WORKFLOWS:
        flow = _load(path)
        assert flow["permissions"] == {}, path.name
        for job_name, job in flow["jobs"].items():
            perms = job.get("permissions")
            assert isinstance(perms, dict), f"{path.name}: {job_name} has no permissions: block"
            uses = [step.get("uses", "") for step in job.get("steps", [])]
            assumes_role = any(u.startswith(f"{AWS_CREDENTIALS}@") for u in uses)
            expected = {"contents": "read"} | ({"id-token": "write"} if assumes_role else {})
            assert perms == expected, f"{path.name}: {job_name}: {perms}"


def test_no_expression_is_expanded_inside_a_script():
    """`${{ }}` in `run:` is pasted into the script before the shell sees it (template
    injection): values reach scripts through `env:` and are quoted there."""
    offenders = [f"{path.name}: {job_name}: {step.get('name', step['run'][:40])}"
                 for path in WORKFLOWS for job_name, _, step in _steps(_load(path))
                 if "${{" in step.get("run", "")]
    assert offenders == []


def test_dependabot_keeps_the_pinned_actions_current():
    config = _load(GITHUB / "dependabot.yml")
    [actions] = [u for u in config["updates"] if u["package-ecosystem"] == "github-actions"]
    assert actions["directory"] == "/" and actions["cooldown"]["default-days"] >= 7


# --------------------------------------------------------------------------------------------
# deploy.yml: GitHub's schema, and the rollback on a failed verify (docs/ci.md)
# --------------------------------------------------------------------------------------------

DEPLOY = GITHUB / "workflows" / "deploy.yml"
ON_FAILED_VERIFY = "failure() && steps.verify.outcome == 'failure'"


def _workflow_schema() -> dict:
    """SchemaStore's github-workflow.json (https://json.schemastore.org/github-workflow.json),
    as check-jsonschema (the dev extra) vendors it: offline, and the same schema
    tests/test_repo.py runs the check-jsonschema command with."""
    from importlib.resources import files

    return json.loads((files("check_jsonschema.builtin_schemas.vendor")
                       / "github-workflows.json").read_text())


def _as_github_reads(path: Path) -> dict:
    flow = _load(path)
    if True in flow:  # YAML 1.1 reads the `on:` key as the boolean true; GitHub reads "on"
        flow["on"] = flow.pop(True)
    return flow


def test_the_deploy_workflow_validates_against_githubs_schema():
    import jsonschema

    schema = _workflow_schema()
    validator = jsonschema.Draft7Validator(schema)
    flow = _as_github_reads(DEPLOY)
    assert [e.message for e in validator.iter_errors(flow)] == []
    # the schema does refuse what GitHub refuses: a misspelt step key, a step without run/uses
    broken = _as_github_reads(DEPLOY)
    broken["jobs"]["deploy-dev"]["steps"][-1]["iff"] = ON_FAILED_VERIFY
    assert list(validator.iter_errors(broken))
    broken = _as_github_reads(DEPLOY)
    broken["jobs"]["deploy-prod"]["steps"].append({"name": "nothing to do"})
    assert list(validator.iter_errors(broken))


@pytest.mark.parametrize("job, stack", [("deploy-dev", "dev"), ("deploy-prod", "prod")])
def test_a_failed_verify_rolls_back_what_the_deploy_changed_uploads_the_record_and_fails(job, stack):
    steps = _load(DEPLOY)["jobs"][job]["steps"]
    by_id = {step["id"]: i for i, step in enumerate(steps) if "id" in step}
    [up] = [i for i, step in enumerate(steps) if step.get("run", "").startswith("pulumi up")]
    before, verify, rollback = by_id["before-up"], by_id["verify"], by_id["rollback"]
    # the time is taken before `pulumi up`, as a step output
    assert before < up < verify < rollback
    assert "date -u +%Y-%m-%dT%H:%M:%SZ" in steps[before]["run"]
    assert '>> "$GITHUB_OUTPUT"' in steps[before]["run"] and "at=" in steps[before]["run"]
    assert f"groundwork verify {stack} --outputs {stack}-outputs.json" in steps[verify]["run"]
    # the rollback runs only when verify failed (not on a failed `pulumi up`: verify is
    # skipped then), for the services changed since that time, and writes its record
    step = steps[rollback]
    assert step["if"] == ON_FAILED_VERIFY
    assert step["env"] == {"CHANGED_SINCE": "${{ steps.before-up.outputs.at }}"}
    command = " ".join(step["run"].split())
    assert command == (f".venv/bin/groundwork rollback {stack} --outputs {stack}-outputs.json "
                       f'--changed-since "$CHANGED_SINCE" --force --record rollback-{stack}.json')
    # the record is uploaded, and the job fails whatever the rollback did
    after = steps[rollback + 1:]
    [upload] = [s for s in after if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["if"] == ON_FAILED_VERIFY
    assert upload["with"]["path"] == f"rollback-{stack}.json"
    assert upload["with"]["name"] == f"rollback-{stack}"
    assert steps.index(upload) == len(steps) - 2
    fail = steps[-1]
    assert fail["if"] == ON_FAILED_VERIFY and fail["run"].rstrip().endswith("exit 1")
    assert not any(s.get("continue-on-error") for s in steps)  # verify's failure stays the job's
