"""The subnet lock (stacks/subnet_lock.py): pure comparison, its properties, the loading paths and
`groundwork plan --lock-subnets` as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from groundwork.components.network.planner import PlanError, TierSpec, plan_subnets
from groundwork.stacks import subnet_lock
from groundwork.stacks.config import ConfigError, load_environment
from groundwork.stacks.loader import environment_from_file, read_stack_file
from groundwork.stacks.subnet_lock import compare, lock_from_plan, read_lock, relock

ROOT = Path(__file__).resolve().parent.parent
GROUNDWORK = Path(sys.executable).parent / "groundwork"
AZ_POOL = tuple(f"us-east-1{c}" for c in "abcdef")
SEED = (
    TierSpec(name="public", routing="public", offset=1),
    TierSpec(name="compute", routing="private", offset=10),
    TierSpec(name="data", routing="isolated", offset=20),
    TierSpec(name="messaging", routing="isolated", offset=30, az_count=2),
)
FIX = "keep the old layout (pin the tier's offset or cidrs) or accept with " \
      "'groundwork plan lab --lock-subnets --allow-subnet-moves'"


def seed_plan(n_azs: int = 3, tiers=SEED, cidr: str = "10.0.0.0/16"):
    return plan_subnets(cidr, AZ_POOL[:n_azs], tiers)


# --------------------------------------------------------------------------- pure compare


def test_lock_is_sorted_tier_az_to_cidr_with_the_vpc():
    lock = lock_from_plan(seed_plan(2))
    assert lock["vpc_cidr"] == "10.0.0.0/16"
    assert list(lock["subnets"]) == sorted(lock["subnets"])
    assert lock["subnets"]["compute/us-east-1b"] == "10.0.11.0/24"
    assert len(lock["subnets"]) == 8
    text = subnet_lock.render_lock(lock)
    assert text.endswith("}\n") and '  "vpc_cidr": "10.0.0.0/16"' in text
    assert json.loads(text) == lock


def test_same_plan_no_moves_no_additions():
    assert compare(lock_from_plan(seed_plan()), seed_plan()) == ([], [])


def test_moved_subnet_names_old_and_new_cidr():
    moved_tiers = (SEED[0], TierSpec(name="compute", routing="private", offset=40), *SEED[2:])
    moved, added = compare(lock_from_plan(seed_plan()), seed_plan(tiers=moved_tiers))
    assert added == []
    assert moved[0] == ("subnet compute/us-east-1a would move from 10.0.10.0/24 to 10.0.40.0/24, "
                        "which replaces it and every ENI in it; keep the old layout (pin the "
                        "tier's offset or cidrs)")
    assert len(moved) == 3


def test_removed_subnet_and_removed_tier_are_moves():
    moved, added = compare(lock_from_plan(seed_plan(3)), seed_plan(2))
    assert added == []
    assert [m.split(" (")[0] for m in moved] == [
        "subnet compute/us-east-1c", "subnet data/us-east-1c", "subnet public/us-east-1c"]
    assert all("would be removed" in m for m in moved)
    moved, _ = compare(lock_from_plan(seed_plan()), seed_plan(tiers=SEED[:3]))
    assert [m.split(" (")[0] for m in moved] == ["subnet messaging/us-east-1a",
                                                 "subnet messaging/us-east-1b"]


def test_changed_vpc_cidr_is_a_move():
    moved, _ = compare(lock_from_plan(seed_plan()), seed_plan(cidr="10.1.0.0/16"))
    assert moved[0].startswith("the VPC CIDR would change from 10.0.0.0/16 to 10.1.0.0/16")
    assert "keep network.cidr: 10.0.0.0/16" in moved[0]
    assert len(moved) == 1 + 11  # every subnet moves with it


def test_added_az_and_tier_are_additions_only():
    moved, added = compare(lock_from_plan(seed_plan(2)), seed_plan(3))
    assert moved == []
    assert added == ["compute/us-east-1c 10.0.12.0/24", "data/us-east-1c 10.0.22.0/24",
                     "public/us-east-1c 10.0.3.0/24"]
    grown = (*SEED, TierSpec(name="batch", routing="private"))
    moved, added = compare(lock_from_plan(seed_plan()), seed_plan(tiers=grown))
    assert moved == [] and len(added) == 3 and all(a.startswith("batch/") for a in added)


def test_problems_are_config_lines_with_the_fix():
    moved_tiers = (SEED[0], TierSpec(name="compute", routing="private", offset=40), *SEED[2:])
    moved, _ = compare(lock_from_plan(seed_plan()), seed_plan(tiers=moved_tiers))
    lines = subnet_lock.problems("lab", moved)
    assert lines[0] == ("groundwork:network: subnet compute/us-east-1a would move from "
                        f"10.0.10.0/24 to 10.0.40.0/24, which replaces it and every ENI in it; {FIX}")
    assert all("\n" not in line for line in lines)


@pytest.mark.parametrize("text", ["{not json", "[]", '{"vpc_cidr": "10.0.0.0/16"}',
                                  '{"vpc_cidr": "10.0.0.0/16", "subnets": {"a/b": 1}}'])
def test_unreadable_lock_is_one_config_line(tmp_path: Path, text: str):
    path = tmp_path / "stacks" / "subnets" / "lab.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        read_lock(path, "lab")
    [line] = err.value.problems
    assert line.startswith("groundwork:network: subnet lock stacks/subnets/lab.json ")
    assert "'groundwork plan lab --lock-subnets'" in line


def test_no_lock_file_is_no_check(tmp_path: Path):
    assert read_lock(tmp_path / "nope.json", "lab") is None


# --------------------------------------------------------------------------- properties


@st.composite
def plans_and_growth(draw):
    """(tiers, n_azs, extra tier): auto/offset tiers, a VPC of /16, 1-5 AZs."""
    n_azs = draw(st.integers(1, 5))
    names = draw(st.permutations(("public", "compute", "data", "messaging", "cache", "edge")))
    tiers = []
    for name in names[: draw(st.integers(1, 5)) + 1]:
        prefix = draw(st.integers(20, 26))
        az_count = draw(st.none() | st.integers(1, n_azs))
        offset = draw(st.none() | st.integers(0, 40))
        tiers.append(TierSpec(name=name,
                              routing=draw(st.sampled_from(("public", "private", "isolated"))),
                              prefix_length=prefix, az_count=az_count, offset=offset))
    return tuple(tiers[:-1]), n_azs, tiers[-1]


@settings(max_examples=150, deadline=None)
@given(plans_and_growth())
def test_property_own_lock_no_moves_and_appending_only_adds(case):
    tiers, n_azs, extra = case
    try:
        base = plan_subnets("10.0.0.0/16", AZ_POOL[:n_azs], tiers)
    except PlanError:
        assume(False)
    lock = lock_from_plan(base)
    assert compare(lock, base) == ([], [])
    assert compare(json.loads(subnet_lock.render_lock(lock)), base) == ([], [])
    for azs, grown_tiers in ((AZ_POOL[: n_azs + 1], tiers), (AZ_POOL[:n_azs], (*tiers, extra))):
        try:
            grown = plan_subnets("10.0.0.0/16", azs, grown_tiers)
        except PlanError:
            continue  # the new subnets may not fit; nothing existing is at stake
        moved, added = compare(lock, grown)
        assert moved == []
        assert len(added) == len(grown.subnets) - len(base.subnets)


# --------------------------------------------------------------------------- loading paths


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_real_stacks_match_their_committed_locks(stack: str):
    env = environment_from_file(stack)
    lock = read_lock(subnet_lock.lock_path(ROOT, stack), stack)
    assert lock is not None, f"stacks/subnets/{stack}.json is missing"
    assert compare(lock, env.network.plan(env.region)) == ([], [])


def test_prod_lock_is_the_seed_table():
    lock = read_lock(ROOT / "stacks" / "subnets" / "prod.json", "prod")
    by_tier: dict[str, list[str]] = {}
    for key, cidr in sorted(lock["subnets"].items(), key=lambda kv: kv[0].split("/")[1]):
        by_tier.setdefault(key.split("/")[0], []).append(cidr.split(".")[2])
    assert by_tier == {"public": ["1", "2", "3"], "compute": ["10", "11", "12"],
                       "data": ["20", "21", "22"], "messaging": ["30", "31"]}
    assert lock["vpc_cidr"] == "10.0.0.0/16"


def _env(network: dict | None = None, stack: str = "lab"):
    raw = {"profile": "dev", "tags": {"Owner": "t"}, **({"network": network} if network else {})}
    return load_environment(raw, stack=stack, region="us-east-1")


def test_relock_is_append_only_unless_moves_are_allowed(tmp_path: Path):
    first = relock(_env(), tmp_path)
    assert first.created and first.written and len(first.added) == 8
    assert not relock(_env(), tmp_path).written
    grown = relock(_env({"az_count": 3}), tmp_path)
    assert grown.written and not grown.created and len(grown.added) == 3 and grown.moved == []
    before = first.path.read_text()
    moved = {"az_count": 3, "tiers": [{"name": "public", "routing": "public", "offset": 1},
                                      {"name": "compute", "routing": "private", "offset": 40},
                                      {"name": "data", "routing": "isolated", "offset": 20}]}
    with pytest.raises(ConfigError) as err:
        relock(_env(moved), tmp_path)
    assert any("subnet compute/us-east-1a would move" in p for p in err.value.problems)
    assert any("subnet messaging/us-east-1a (10.0.30.0/24) would be removed" in p
               for p in err.value.problems)
    assert first.path.read_text() == before  # the refusal left the lock alone
    accepted = relock(_env(moved), tmp_path, allow_moves=True)
    assert len(accepted.moved) == 5 and accepted.written
    assert json.loads(accepted.path.read_text())["subnets"]["compute/us-east-1a"] == "10.0.40.0/24"
    assert subnet_lock.check_environment(_env(moved), tmp_path) == []


def test_environment_from_file_checks_the_lock_of_its_project(tmp_path: Path):
    project = _project(tmp_path, offset=10)
    relock(environment_from_file("lab", project), project)
    assert environment_from_file("lab", project).network.az_count == 2
    _project(tmp_path, offset=40)
    with pytest.raises(ConfigError) as err:
        environment_from_file("lab", project)
    assert err.value.problems[0].startswith(
        "groundwork:network: subnet compute/us-east-1a would move from 10.0.10.0/24 to 10.0.40.0/24")
    # Validation alone (as `groundwork verify` does) doesn't read locks.
    sf = read_stack_file("lab", project)
    assert load_environment(sf.namespace, stack="lab", region=sf.region).stack == "lab"


def test_pulumi_program_path_checks_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`__main__.py` -> environment_from_pulumi: a move stops the program before any resource."""
    from groundwork.testing import ProgramError, plan_program

    project = _project(tmp_path, offset=10)
    relock(environment_from_file("lab", project), project)
    _project(tmp_path, offset=40)
    monkeypatch.chdir(project)  # a pulumi run's working directory is its project
    with pytest.raises(ProgramError, match="subnet compute/us-east-1a would move"):
        plan_program(ROOT / "__main__.py", stack="lab", project_dir=project)


# --------------------------------------------------------------------------- the CLI


def _project(tmp_path: Path, offset: int, stack: str = "lab") -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  groundwork:profile: dev\n"
        "  groundwork:tags:\n    Owner: me\n"
        "  groundwork:network:\n    az_count: 2\n    tiers:\n"
        "      - {name: public, routing: public, offset: 1}\n"
        f"      - {{name: compute, routing: private, offset: {offset}}}\n"
        "      - {name: data, routing: isolated, offset: 20}\n"
        "  groundwork:load_balancer:\n    http_only: true\n"
        "  groundwork:services: []\n")
    return tmp_path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd)


def test_cli_lock_then_move_exits_2_then_allow_rewrites(tmp_path: Path):
    project = _project(tmp_path, offset=10)
    lock_file = project / "stacks" / "subnets" / "lab.json"

    unlocked = run("plan", "lab", cwd=project)
    assert unlocked.returncode == 0, unlocked.stderr
    assert "Subnet lock: none (stacks/subnets/lab.json)" in unlocked.stdout

    locked = run("plan", "lab", "--lock-subnets", cwd=project)
    assert locked.returncode == 0, locked.stderr
    assert "stacks/subnets/lab.json: created, 6 subnet(s) added" in locked.stdout
    assert json.loads(lock_file.read_text())["subnets"]["compute/us-east-1a"] == "10.0.10.0/24"

    _project(tmp_path, offset=40)
    for args in (("plan", "lab"), ("cost", "lab"), ("check", "lab"), ("plan", "lab", "--lock-subnets")):
        moved = run(*args, cwd=project)
        assert moved.returncode == 2, (args, moved.stdout, moved.stderr)
        assert ("groundwork:network: subnet compute/us-east-1a would move from 10.0.10.0/24 to "
                f"10.0.40.0/24, which replaces it and every ENI in it; {FIX}") in moved.stderr
        assert "Traceback" not in moved.stderr + moved.stdout
    assert json.loads(lock_file.read_text())["subnets"]["compute/us-east-1a"] == "10.0.10.0/24"

    alone = run("plan", "lab", "--allow-subnet-moves", cwd=project)
    assert alone.returncode == 2 and "only works with --lock-subnets" in alone.stderr

    accepted = run("plan", "lab", "--lock-subnets", "--allow-subnet-moves", cwd=project)
    assert accepted.returncode == 0, accepted.stderr
    assert "MOVING subnet compute/us-east-1a would move from 10.0.10.0/24 to 10.0.40.0/24" \
        in accepted.stderr
    assert "accepting 2 move(s)" in accepted.stderr
    assert json.loads(lock_file.read_text())["subnets"]["compute/us-east-1b"] == "10.0.41.0/24"
    assert "stacks/subnets/lab.json: all 6 subnets match" in accepted.stdout


def test_cli_plan_notes_additions(tmp_path: Path):
    project = _project(tmp_path, offset=10)
    assert run("plan", "lab", "--lock-subnets", cwd=project).returncode == 0
    stack_file = project / "Pulumi.lab.yaml"
    stack_file.write_text(stack_file.read_text().replace("az_count: 2", "az_count: 3"))
    grown = run("plan", "lab", cwd=project)
    assert grown.returncode == 0, grown.stderr
    text = " ".join(grown.stdout.split())  # the report wraps long lines
    assert "no moves; 3 new subnet(s) not locked yet: compute/us-east-1c 10.0.12.0/24" in text
    assert "re-lock with 'groundwork plan lab --lock-subnets'" in text
