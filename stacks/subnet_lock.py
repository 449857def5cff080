"""The subnet lock: a committed record of every subnet CIDR a stack was planned with, so a config
change that would move a subnet (and replace it with every ENI in it) fails as config instead.

`stacks/subnets/<stack>.json` maps ``"tier/az"`` to its CIDR, plus the VPC CIDR, with sorted keys
so it reads and diffs well in review. The comparison is pure (`lock_from_plan`, `compare`);
`read_lock`/`write_lock` do the file I/O; `check_environment` is what config loading calls and
`relock` is what `groundwork plan <stack> --lock-subnets` calls. No lock file means no check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groundwork.stacks.config import NAMESPACE, ConfigError, EnvironmentConfig

LOCK_DIR = Path("stacks") / "subnets"
"""Where the locks live, relative to the project directory (the one holding `Pulumi.yaml`)."""

KEEP_LAYOUT = "keep the old layout (pin the tier's offset or cidrs)"


def lock_path(project_dir: Path, stack: str) -> Path:
    """`<project_dir>/stacks/subnets/<stack>.json`."""
    return project_dir / LOCK_DIR / f"{stack}.json"


def lock_from_plan(plan: Any) -> dict[str, Any]:
    """The lock of a `SubnetPlan`: ``{"vpc_cidr": ..., "subnets": {"tier/az": cidr}}``, sorted."""
    return {
        "vpc_cidr": plan.vpc_cidr,
        "subnets": {f"{s.tier}/{s.az}": s.cidr for s in sorted(plan.subnets, key=_key)},
    }


def _key(subnet: Any) -> str:
    return f"{subnet.tier}/{subnet.az}"


def compare(lock: dict[str, Any], plan: Any) -> tuple[list[str], list[str]]:
    """Compare a lock with a plan: ``(moved, added)``.

    ``moved`` has one sentence per change that replaces something that exists (a subnet whose
    CIDR changed, a subnet no longer planned, a changed VPC CIDR), each saying what to keep;
    ``added`` has ``"tier/az cidr"`` for each planned subnet the lock doesn't know yet.
    Both are sorted by subnet.
    """
    now = lock_from_plan(plan)
    moved: list[str] = []
    if lock["vpc_cidr"] != now["vpc_cidr"]:
        moved.append(
            f"the VPC CIDR would change from {lock['vpc_cidr']} to {now['vpc_cidr']}, which "
            f"replaces the VPC and every subnet in it; keep network.cidr: {lock['vpc_cidr']}"
        )
    locked, planned = lock["subnets"], now["subnets"]
    for key in sorted(locked):
        if key not in planned:
            moved.append(
                f"subnet {key} ({locked[key]}) would be removed, which deletes it and every ENI "
                "in it; keep its tier and AZ (network.tiers, az_count, availability_zones)"
            )
        elif planned[key] != locked[key]:
            moved.append(
                f"subnet {key} would move from {locked[key]} to {planned[key]}, which replaces it "
                f"and every ENI in it; {KEEP_LAYOUT}"
            )
    added = [f"{key} {planned[key]}" for key in sorted(planned) if key not in locked]
    return moved, added


def problems(stack: str, moved: list[str]) -> list[str]:
    """ConfigError lines for the moves of `compare`, each ending with how to accept them."""
    accept = f"groundwork plan {stack} --lock-subnets --allow-subnet-moves"
    return [f"{NAMESPACE}:network: {move} or accept with '{accept}'" for move in moved]


def render_lock(lock: dict[str, Any]) -> str:
    """The file text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(lock, indent=2, sort_keys=True) + "\n"


def read_lock(path: Path, stack: str) -> dict[str, Any] | None:
    """The lock at `path`, or None if there is none; ConfigError (one line) if it is unreadable."""
    if not path.is_file():
        return None
    fix = f"fix it, or delete it and run 'groundwork plan {stack} --lock-subnets'"
    where = f"{NAMESPACE}:network: subnet lock {'/'.join(path.parts[-3:])}"
    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError([f"{where} is not readable JSON ({exc}); {fix}"], stack) from None
    subnets = doc.get("subnets") if isinstance(doc, dict) else None
    if (not isinstance(doc, dict) or not isinstance(doc.get("vpc_cidr"), str)
            or not isinstance(subnets, dict)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in subnets.items())):
        raise ConfigError(
            [f'{where} must be {{"vpc_cidr": "<cidr>", "subnets": {{"tier/az": "<cidr>"}}}}; {fix}'],
            stack)
    return {"vpc_cidr": doc["vpc_cidr"], "subnets": dict(subnets)}


def write_lock(path: Path, lock: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_lock(lock))


def check_environment(env: EnvironmentConfig, project_dir: Path) -> list[str]:
    """Compare a validated environment's subnet plan with its stack's lock, if there is one.

    Raises ConfigError listing every move; returns the additions (empty without a lock).
    Called while loading config, so it runs before any resource is registered.
    """
    lock = read_lock(lock_path(project_dir, env.stack), env.stack)
    if lock is None:
        return []
    moved, added = compare(lock, env.network.plan(env.region))
    if moved:
        raise ConfigError(problems(env.stack, moved), env.stack)
    return added


@dataclass
class Relock:
    """What `relock` did."""

    path: Path
    created: bool
    """There was no lock before."""
    written: bool
    """The file changed (False: it already matched the plan)."""
    moved: list[str] = field(default_factory=list)
    """Moves accepted with allow_moves (each one replaces subnets)."""
    added: list[str] = field(default_factory=list)


def relock(env: EnvironmentConfig, project_dir: Path, *, allow_moves: bool = False) -> Relock:
    """Write the stack's lock from its current plan. Append-only unless `allow_moves`: a change
    that would move or remove a locked subnet raises ConfigError and leaves the file alone."""
    path = lock_path(project_dir, env.stack)
    old = read_lock(path, env.stack)
    plan = env.network.plan(env.region)
    new = lock_from_plan(plan)
    moved, added = compare(old, plan) if old is not None else ([], [f"{k} {v}" for k, v in
                                                                     new["subnets"].items()])
    if moved and not allow_moves:
        raise ConfigError(problems(env.stack, moved), env.stack)
    written = old != new
    if written:
        write_lock(path, new)
    return Relock(path=path, created=old is None, written=written, moved=moved, added=added)
