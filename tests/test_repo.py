"""The repository's own contract: CI entry point, workflows, project files."""

from __future__ import annotations

import re
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


def _makefile_recipe(target: str) -> list[str]:
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_make_test_runs_the_slow_tests_too():
    """`slow` marks tests that take seconds (whole stacks, the wheel); `make test` and CI run
    them all: nothing deselects them."""
    import tomllib

    (command,) = [line for line in _makefile_recipe("test") if "pytest" in line]
    assert "-m" not in command.split("pytest", 1)[1].split()
    assert "$(PYTEST_ARGS)" in command and "PYTEST_ARGS ?=\n" in (ROOT / "Makefile").read_text()
    pytest_ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "-m" not in pytest_ini["addopts"].split()
    assert any(m.startswith("slow:") for m in pytest_ini["markers"])
    assert "pytestmark = pytest.mark.slow" in (ROOT / "tests" / "test_wheel.py").read_text()


def test_make_docs_regenerates_the_references():
    assert _makefile_recipe("docs") == ["$(BIN)/python -m groundwork.config_docs --write docs"]
    assert "make docs" in (ROOT / "tests" / "test_config_docs.py").read_text()


MARKDOWN = ["README.md", "CHANGELOG.md", "docs/**/*.md", "examples/**/*.md"]


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_relative_links_in_the_docs_resolve():
    """Every relative link of the README, the changelog, docs/ and the examples' READMEs names a
    file that exists, and an `#anchor` into a markdown file names one of its headings."""
    files = sorted({p for pattern in MARKDOWN for p in ROOT.glob(pattern)})
    assert ROOT / "docs" / "library.md" in files and ROOT / "docs" / "reference" / "README.md" in files
    broken = []
    for path in files:
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            if not dest.exists():
                broken.append(f"{path.relative_to(ROOT)}: {target}")
                continue
            if anchor and dest.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", dest.read_text(), flags=re.M)
                if anchor not in {_slug(h) for h in headings}:
                    broken.append(f"{path.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_readme_layout_names_paths_that_exist():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    paths = [p for row in table.splitlines() if row.startswith("| `")
             for p in re.findall(r"`([^`]+)`", row.split("|")[1])]
    assert len(paths) >= 10
    assert [p for p in paths if not (ROOT / p).exists()] == []
    for link in ("components", "stacks", "policies"):
        assert (ROOT / "src" / "groundwork" / link).resolve() == (ROOT / link).resolve()


def test_changelog_has_this_release_and_the_first():
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## (\d+\.\d+\.\d+)", changelog, flags=re.M)
    assert releases[0] == version and releases[-1] == "0.1.0"
    this = changelog.split(f"## {version}", 1)[1].split("\n## ", 1)[0]
    assert "### Renames" in this


def _library_example() -> str:
    text = (ROOT / "docs" / "library.md").read_text()
    block = text.split("<!-- library-example", 1)[1].split("```python\n", 1)[1]
    return block.split("\n```", 1)[0] + "\n"


def test_the_library_guides_program_plans_offline(tmp_path):
    """docs/library.md's program, as its own Pulumi project, plans under the offline engine with
    only the public API, as `groundwork plan` runs it and as the guide's `plan_program` test
    does: distinct URNs (the engine refuses duplicates) and AWS names."""
    from groundwork.engine import plan_stack
    from groundwork.testing import plan_program

    program = _library_example()
    assert "from groundwork.components import (" in program
    assert re.findall(r"^(?:from|import) (\S+)", program, flags=re.M) == ["pulumi", "groundwork.components"]
    (tmp_path / "__main__.py").write_text(program)
    (tmp_path / "Pulumi.yaml").write_text("name: acme-data\nruntime:\n  name: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    for plan in (plan_stack("dev", project_dir=tmp_path),
                 plan_program(tmp_path / "__main__.py", stack="dev", project_dir=tmp_path)):
        assert plan.name_clashes == []
        database = plan.one("rds.Instance")
        assert database.inputs["identifier"] == "acme-data-dev-orders"
        assert database.inputs["publiclyAccessible"] is False
        assert len(plan.of_type("ecs.Service")) == 1 and len(plan.of_type("ec2.Vpc")) == 1
        assert plan.stack_outputs["service_name"] == "acme-data-dev-worker"
    guide = (ROOT / "docs" / "library.md").read_text()
    assert '"acme-data-dev-orders"' in guide and 'plan.one("rds.Instance")' in guide


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (absolute names; relative imports resolved to `.`)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def test_components_import_nothing_from_the_stacks():
    """The library never knows about environments (profiles, the prod floor, the seed tiers):
    not even under TYPE_CHECKING."""
    offenders = [f"{p.relative_to(ROOT)}:{line} imports {name}"
                 for p in sorted((ROOT / "components").rglob("*.py"))
                 for line, name in _imports(p)
                 if name.split(".")[:2] == ["groundwork", "stacks"] or name.split(".")[0] == "stacks"]
    assert offenders == []
    assert len(list((ROOT / "components").rglob("*.py"))) > 15  # the walk saw the package


def test_nothing_imports_the_generic_top_level_names():
    """`components`, `stacks`, `policies` exist only as `groundwork.*` (the wheel installs no
    generic top-level package; an import of one would work in the repo and fail installed)."""
    generic = {"components", "stacks", "policies"}
    offenders = [f"{p.relative_to(ROOT)}:{line} imports {name}"
                 for folder in ("components", "stacks", "policies", "src", "tests", "examples",
                                "benchmarks")
                 for p in sorted((ROOT / folder).rglob("*.py"))
                 if "venv" not in p.parts and not p.is_relative_to(ROOT / "src" / "groundwork" / "components")
                 and not p.is_relative_to(ROOT / "src" / "groundwork" / "stacks")
                 and not p.is_relative_to(ROOT / "src" / "groundwork" / "policies")
                 for line, name in _imports(p) if name.split(".")[0] in generic]
    assert offenders == []
