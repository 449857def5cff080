"""The wheel as a user gets it: built from a clean copy of the project, installed into a fresh
venv outside the repository, used from an empty folder (docs/library.md, "Installing").

- The wheel is built by pip as a user would (`pip wheel --no-deps`, with build isolation, so
  the setuptools of `[build-system]` builds it), from a copy of the project files that keeps
  the `src/groundwork/{components,stacks,policies}` symlinks: a stale `build/` in the working
  tree can't leak files into it, and nothing is written into the repository.
- The fresh venv gets the wheel with `--no-deps`; its dependencies (pulumi, pulumi-aws,
  pydantic...) come from this repository's `.venv` through a `.pth` that adds that
  site-packages as a plain path entry. Python processes `.pth` files only in site
  directories, so the `.venv`'s own `__editable__.groundwork-*.pth` (which would put the
  repository's `src/` on the path) is never read; the tests assert that every `groundwork`
  module is the installed one.
- mypy runs with `--strict` on two consumer programs that build a `Network`: one must pass
  and reveal real types, the other must be refused on exactly the lines with a wrong type
  (if anything were `Any`, mypy would accept it); the same run checks every example. pulumi-aws
  itself is taken as Any (`follow_imports = skip`): analysing it would take a minute and is not
  what is tested.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
"""The dev venv's site-packages: the dependencies the fresh venv borrows."""
MYPY_CACHE = ROOT / ".mypy_cache" / "wheel-consumer"

pytestmark = pytest.mark.slow

PROJECT_FILES = ("pyproject.toml", "README.md")
PROJECT_DIRS = ("src", "components", "stacks", "policies")
"""What the build reads: pyproject, the readme, and the package sources (src/groundwork and
the top-level folders its symlinks point at)."""
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "venv", "*.egg-info", ".mypy_cache")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    python: Path
    work: Path


def _run(cmd: list[str], *, cwd: Path, timeout: float = 300, env: dict[str, str] | None = None,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, env=env, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {result.returncode}:\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def _clean_env() -> dict[str, str]:
    """The environment without anything that points Python or mypy at the repository."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "MYPYPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"}}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    assert not work.resolve().is_relative_to(ROOT)
    source = work / "project"
    source.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, source / name)
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=IGNORED)
    assert (source / "src" / "groundwork" / "components").is_symlink()

    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, source],
         cwd=work, env=_clean_env())
    (wheel,) = dist.glob("groundwork-*.whl")

    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work, env=_clean_env())
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
          "--quiet", wheel], cwd=work, env=_clean_env())
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=work, env=_clean_env()).stdout.strip())
    return Installed(wheel=wheel, venv=venv, site_packages=site, python=python, work=work)


def _with_dependencies(inst: Installed) -> None:
    """Let the fresh venv import the dev venv's dependencies (a plain path entry)."""
    pth = inst.site_packages / "_groundwork_test_dependencies.pth"
    if not pth.exists():
        pth.write_text(f"{DEV_SITE_PACKAGES}\n")


def _wheel_files(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        record = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(io.StringIO(archive.read(record).decode())))
        assert sorted(r[0] for r in rows) == sorted(archive.namelist())
        return [r[0] for r in rows]


def _top_level(paths: list[str]) -> set[str]:
    """Import names a wheel adds to site-packages: top-level folders and modules, except its
    own metadata."""
    tops = set()
    for path in paths:
        head = path.split("/", 1)[0]
        if head.endswith((".dist-info", ".data")):
            continue
        tops.add(head.removesuffix(".py") if "/" not in path else head)
    return tops


def _repo_package_files() -> set[str]:
    """Every file of the package as the repository holds it (symlinks followed), less bytecode
    and the policy pack's own virtualenv: all of it must be in the wheel."""
    base = ROOT / "src"
    out = set()
    for dirpath, dirnames, filenames in os.walk(base / "groundwork", followlinks=True):
        dirnames[:] = [d for d in dirnames if d not in {"__pycache__", "venv"}]
        for name in filenames:
            if not name.endswith(".pyc"):
                out.add(str((Path(dirpath) / name).relative_to(base)))
    return out


def test_the_wheel_adds_one_top_level_package_with_its_data(installed: Installed):
    files = _wheel_files(installed.wheel)
    assert _top_level(files) == {"groundwork"}
    with zipfile.ZipFile(installed.wheel) as archive:
        top_level_txt = next(n for n in archive.namelist() if n.endswith("top_level.txt"))
        assert archive.read(top_level_txt).decode().split() == ["groundwork"]
    shipped = {f for f in files if f.startswith("groundwork/")}
    for required in ("groundwork/py.typed", "groundwork/policies/PulumiPolicy.yaml",
                     "groundwork/policies/requirements.txt", "groundwork/policies/__main__.py",
                     "groundwork/policies/config/dev.json", "groundwork/policies/config/prod.json",
                     "groundwork/stacks/subnets/dev.json", "groundwork/stacks/subnets/prod.json",
                     "groundwork/components/__init__.py", "groundwork/cli.py"):
        assert required in shipped
    assert any(re.fullmatch(r"groundwork/prices/[a-z0-9-]+\.json", f) for f in shipped)
    # Nothing the repository holds is left out (price tables, locks, rules, ...) and nothing
    # else comes in (no tests, no policies/venv).
    assert shipped == _repo_package_files()

    installed_entries = sorted(p.name for p in installed.site_packages.iterdir()
                               if not p.name.startswith("_groundwork_test_"))
    assert installed_entries == ["groundwork", installed.wheel.name.split("-py3")[0] + ".dist-info"]


def test_the_installed_cli_runs_from_an_empty_folder(installed: Installed):
    _with_dependencies(installed)
    empty = installed.work / "empty"
    empty.mkdir(exist_ok=True)
    result = _run([installed.venv / "bin" / "groundwork", "--help"], cwd=empty, env=_clean_env(),
                  timeout=120)
    for command in ("plan", "check", "cost", "verify"):
        assert re.search(rf"\b{command}\b", result.stdout), result.stdout
    assert list(empty.iterdir()) == []

    pack = Path(_run([installed.venv / "bin" / "groundwork", "policy-pack-path"], cwd=empty,
                     env=_clean_env(), timeout=120).stdout.strip())
    assert pack == (installed.site_packages / "groundwork" / "policies").resolve()
    assert {"PulumiPolicy.yaml", "__main__.py", "requirements.txt", "rules", "config"} <= {
        p.name for p in pack.iterdir()}

    probe = ("import sys, groundwork, groundwork.components, groundwork.stacks, "
             "groundwork.policies, groundwork.cli\n"
             "mods = [m.__file__ for n, m in list(sys.modules.items()) "
             "if n.split('.')[0] == 'groundwork' and getattr(m, '__file__', None)]\n"
             "print('\\n'.join(mods))\n"
             "print('FINDERS', [type(f).__module__ for f in sys.meta_path])\n"
             "print('PATH', sys.path)\n")
    out = _run([installed.python, "-c", probe], cwd=empty, env=_clean_env()).stdout
    files = [Path(line) for line in out.splitlines() if line.endswith(".py")]
    assert len(files) >= 5
    site = installed.site_packages.resolve()
    assert all(f.resolve().is_relative_to(site) for f in files), files
    assert "__editable__" not in out
    assert str(ROOT / "src") not in out.split("PATH", 1)[1]


CONSUMER_OK = '''\
"""A program that uses groundwork as a library."""
import pulumi

from groundwork.components import Network, NetworkArgs

args = NetworkArgs(cidr="10.20.0.0/16", logs_key_arn="arn:aws:kms:us-east-1:111111111111:key/k")
network = Network("analytics", args)
vpc_id: pulumi.Output[str] = network.outputs.vpc_id
cidr: str = network.args.cidr
reveal_type(network.outputs.vpc_id)
pulumi.export("vpc_id", vpc_id)
'''

CONSUMER_BAD = '''\
from groundwork.components import Network, NetworkArgs

args = NetworkArgs(cidr=16)
network = Network("analytics", args)
vpc_id: int = network.outputs.vpc_id
Network("other", {"cidr": "10.1.0.0/16"})
'''
"""Lines 3, 5 and 6 each have a wrong type that mypy must refuse (real types, not `Any`)."""


EXAMPLES = ROOT / "examples"

MYPY_INI = """[mypy]
# pulumi-aws's own modules are not what is checked here (groundwork's public types are), and
# analysing them takes mypy a minute: they are taken as Any.
[mypy-pulumi_aws.*]
follow_imports = skip
"""


def test_mypy_strict_sees_the_real_types_of_the_installed_package(installed: Installed):
    """One `mypy --strict` run, as a consumer's project would run it against the installed
    wheel: the ten-line consumer passes and sees real types, the wrong one is refused on exactly
    its wrong lines, and every example (examples/*/__main__.py) passes."""
    _with_dependencies(installed)
    project = installed.work / "consumer"
    project.mkdir(exist_ok=True)
    (project / "program.py").write_text(CONSUMER_OK)
    (project / "wrong.py").write_text(CONSUMER_BAD)
    examples = sorted(p.parent.name for p in EXAMPLES.glob("*/__main__.py"))
    assert len(examples) >= 4
    for example in examples:  # one module name each: mypy refuses two `__main__`s in one run
        shutil.copy(EXAMPLES / example / "__main__.py",
                    project / f"example_{example.replace('-', '_')}.py")
    (project / "mypy.ini").write_text(MYPY_INI)  # no configuration found above tmp
    MYPY_CACHE.mkdir(parents=True, exist_ok=True)
    mypy = Path(sys.executable).parent / "mypy"
    result = _run([mypy, "--config-file", "mypy.ini", "--strict", "--python-executable",
                   installed.python, "--cache-dir", MYPY_CACHE, "--no-color-output",
                   "--no-error-summary", "--show-error-codes", "program.py", "wrong.py",
                   *sorted(p.name for p in project.glob("example_*.py"))],
                  cwd=project, env=_clean_env(), timeout=600, check=False)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout + result.stderr
    assert [line for line in lines if not line.startswith("wrong.py")
            and ": error:" in line] == [], result.stdout
    reveal = CONSUMER_OK.splitlines().index("reveal_type(network.outputs.vpc_id)") + 1
    assert f'program.py:{reveal}: note: Revealed type is "pulumi.output.Output[str]"' in lines, \
        result.stdout
    errors = {(int(m.group(1)), m.group(2)) for line in lines
              if (m := re.match(r"wrong\.py:(\d+): error: .*\[([a-z-]+)\]$", line))}
    assert errors == {(3, "arg-type"), (5, "assignment"), (6, "arg-type")}, result.stdout
