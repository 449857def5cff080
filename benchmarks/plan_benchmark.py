"""Benchmark of `groundwork plan`: wall time against its floor, offline.

Cases: the dev and prod stacks as committed, and synthetic stacks (dev plus 1, 10, 50 and 60 web
services, the last about 1,500 resources). Each case runs `--repeat` times in this process
(median reported), and `groundwork plan prod` runs as a fresh process, which is what a user
waits for (interpreter start and imports included).

The floor beside each case is what any Pulumi Python program of that size pays under mocks:
- per resource: the Pulumi SDK's own cost of registering one bare pulumi-aws resource (a
  `aws.cloudwatch.LogGroup` with no inputs) under plain `pulumi.runtime.Mocks`, measured here
  as the median of programs of N bare resources;
- per process (fresh-process case only): the time a fresh interpreter takes to import `pulumi`
  and the pulumi-aws resource classes the plan registers (pulumi-aws loads its modules lazily,
  so each class is touched).
Floor = imports + N x per-resource cost; the ratio is wall / floor. Targets (issue 11): the
fresh-process plan within 1.25x of its floor, and the cost per resource at ~1,500 resources
within 10 % of the cost at ~150.

    .venv/bin/python benchmarks/plan_benchmark.py --output benchmarks/RESULTS.md

Not a test: numbers depend on the machine. The README links the last recorded run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from groundwork import engine
from groundwork.engine import PlanResult, plan_stack

ROOT = Path(__file__).resolve().parent.parent


def synthetic_services(count: int) -> dict[str, Any]:
    """Overrides for dev with `count` web services sharing the one ALB."""
    return {
        "load_balancer": {"http_only": True},
        "services": [
            {"name": f"svc{i:02d}", "kind": "web", "image": f"example/svc{i:02d}:1.0.0",
             "port": 8000, "routing": {"path_patterns": [f"/svc{i:02d}/*"]}}
            for i in range(count)
        ],
    }


def counted(result: PlanResult) -> int:
    """Resources as `groundwork plan` counts them: cloud resources, not the provider."""
    return len([r for r in result.custom_resources if not r.type.startswith("pulumi:providers:")])


def time_case(stack: str, overrides: dict[str, Any] | None, repeat: int) -> dict[str, Any]:
    walls, result = [], None
    for _ in range(repeat):
        # Each run starts on a clean heap, as `groundwork plan` does in its own process (the
        # offline engine leaves cyclic garbage to the collector: src/groundwork/engine.py).
        result = None
        gc.collect()
        start = time.perf_counter()
        result = plan_stack(stack, overrides=overrides, project_dir=ROOT)
        walls.append(time.perf_counter() - start)
    assert result is not None
    wall = statistics.median(walls)
    n = counted(result)
    types = sorted({r.type for r in result.custom_resources if r.type.startswith("aws:")})
    return {"wall_s": wall, "resources": n, "per_resource_ms": wall / n * 1000,
            "min_s": min(walls), "max_s": max(walls), "types": types, "result": result}


# --------------------------------------------------------------------------------------------
# the floor
# --------------------------------------------------------------------------------------------


class _PlainMocks:
    """Plain mocks: echo the inputs, answer every call with nothing."""

    def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: Any) -> dict[str, Any]:
        return {}


def replay_cost(result: PlanResult, repeat: int = 3) -> float:
    """Seconds the Pulumi SDK alone takes to register exactly the plan's resources: every
    component and resource again, with its recorded type, name, parent and inputs, as plain
    `pulumi.CustomResource`/`ComponentResource` under plain mocks (no groundwork code, no
    recording). What remains above it is groundwork's: config and Args validation, the
    components' logic, the engine's records, the report."""
    import pulumi
    from pulumi.runtime import settings

    records = [r for r in result.resources if r.type != "pulumi:pulumi:Stack"
               and not r.type.startswith("pulumi:providers:")]

    def once() -> float:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        settings.ROOT.set(None)
        mocks = type("M", (_PlainMocks, pulumi.runtime.Mocks), {})()
        pulumi.runtime.set_mocks(mocks, project="floor", stack="floor", preview=False)

        @pulumi.runtime.test
        def program() -> None:
            made: dict[str, pulumi.Resource] = {}
            for r in records:
                opts = pulumi.ResourceOptions(parent=made.get(r.parent))
                if r.custom:
                    made[r.urn] = pulumi.CustomResource(r.type, r.name, dict(r.inputs), opts)
                else:
                    made[r.urn] = pulumi.ComponentResource(r.type, r.name, None, opts)

        gc.collect()
        gc.disable()  # as the offline engine runs a plan
        try:
            start = time.perf_counter()
            program()
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        loop.close()
        asyncio.set_event_loop(None)
        return elapsed

    return statistics.median(once() for _ in range(repeat))


def bare_resource_cost(n: int = 300, repeat: int = 5) -> float:
    """Seconds the Pulumi SDK spends per bare pulumi-aws resource under plain mocks."""
    import pulumi
    import pulumi_aws as aws
    from pulumi.runtime import settings

    class _Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: Any) -> dict[str, Any]:  # type: ignore[override]
            return {}

    def once() -> float:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        settings.ROOT.set(None)
        pulumi.runtime.set_mocks(_Mocks(), project="floor", stack="floor", preview=False)

        @pulumi.runtime.test
        def program() -> None:
            for i in range(n):
                aws.cloudwatch.LogGroup(f"bare-{i}")

        start = time.perf_counter()
        program()
        elapsed = time.perf_counter() - start
        loop.close()
        asyncio.set_event_loop(None)
        return elapsed / n

    return statistics.median(once() for _ in range(repeat))


_IMPORT_PROBE = textwrap.dedent("""
    import importlib, json, sys, time
    start = time.perf_counter()
    import pulumi, pulumi_aws
    for token in json.loads(sys.argv[1]):
        module, cls = token.split(":")[1].split("/")[0], token.split(":")[2]
        getattr(importlib.import_module("pulumi_aws." + module), cls)
    print(time.perf_counter() - start)
""")


def import_floor(types: list[str], repeat: int = 3) -> float:
    """Seconds a fresh interpreter takes to import pulumi and the resource classes `types`."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _IMPORT_PROBE, json.dumps(types)],
                             check=True, capture_output=True, text=True, cwd="/", env=user_env())
        runs.append(float(out.stdout.strip()))
    return statistics.median(runs)


def user_env() -> dict[str, str]:
    """A user's environment: bytecode caching on (some sandboxes turn it off, which makes every
    run compile groundwork's sources again)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def time_cli(stack: str, repeat: int = 3) -> float:
    """Median wall time of `groundwork plan <stack>` as a fresh process, after one warm-up run
    (which writes the bytecode caches, as any user's first run does)."""
    exe = Path(sys.executable).parent / "groundwork"
    runs = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run([str(exe), "plan", stack], cwd=ROOT, check=True, capture_output=True,
                       env={**user_env(), "COLUMNS": "160"})
        if i:
            runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, help="write a Markdown table here")
    args = parser.parse_args()
    # Each case collects before it starts (time_case), as a fresh `groundwork plan` process
    # starts clean; the engine's own collection after a run is not part of a plan's time.
    engine.COLLECT_AFTER_RUN = False

    cases: list[tuple[str, str, dict[str, Any] | None]] = [
        ("dev (as committed)", "dev", None),
        ("prod (as committed)", "prod", None),
        ("dev + 1 web service", "dev", synthetic_services(1)),
        ("dev + 10 web services", "dev", synthetic_services(10)),
        ("dev + 50 web services", "dev", synthetic_services(50)),
        ("dev + 60 web services", "dev", synthetic_services(60)),
    ]
    per_bare = bare_resource_cost()
    print(f"floor: {per_bare * 1000:.2f} ms per bare resource", flush=True)
    rows = []
    for label, stack, overrides in cases:
        r = time_case(stack, overrides, args.repeat)
        r["floor_s"] = r["resources"] * per_bare
        r["replay_s"] = replay_cost(r.pop("result"))
        r["ratio"] = r["wall_s"] / r["floor_s"]
        rows.append((label, r))
        print(f"{label:28s} {r['resources']:5d} resources  {r['wall_s']:6.2f} s  floor "
              f"{r['floor_s']:5.2f} s  x{r['ratio']:.2f}  {r['per_resource_ms']:.2f} ms/resource"
              f"  (SDK replay {r['replay_s']:.2f} s)", flush=True)
    prod = dict(rows)["prod (as committed)"]
    # side by side, alternating, so a machine that slows down affects both alike
    pairs = [(import_floor(prod["types"], repeat=1), time_cli("prod", 1)) for _ in range(args.repeat)]
    imports = statistics.median(p[0] for p in pairs)
    cli = statistics.median(p[1] for p in pairs)
    cli_floor = imports + prod["floor_s"]
    print(f"{'groundwork plan prod (CLI)':28s} {prod['resources']:5d} resources  {cli:6.2f} s  floor "
          f"{cli_floor:5.2f} s  x{cli / cli_floor:.2f} (imports {imports:.2f} s)")
    small, large = dict(rows)["prod (as committed)"], dict(rows)["dev + 60 web services"]
    growth = large["per_resource_ms"] / small["per_resource_ms"] - 1

    if args.output:
        lines = [
            "# groundwork plan benchmark",
            "",
            f"Recorded {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}; median of "
            f"{args.repeat} runs per case. Offline (Pulumi mocks): no AWS, no CLI.",
            "",
            "Floor (issue 11's definition): N x the Pulumi SDK's own cost of one bare pulumi-aws "
            f"resource under plain `pulumi.runtime.Mocks` ({per_bare * 1000:.2f} ms: a no-input "
            "`aws.cloudwatch.LogGroup`), plus, for the fresh process, the time a new interpreter "
            f"takes to import pulumi and the {len(prod['types'])} pulumi-aws resource classes prod "
            f"registers ({imports:.2f} s). Ratio = wall / floor. SDK replay: the SDK alone "
            "registering exactly the plan's components and resources again (recorded type, name, "
            "parent and inputs, no groundwork code): what the same resources cost with their real "
            "inputs, so wall - replay is what groundwork itself adds.",
            "",
            "| case | resources | wall (s) | min-max (s) | ms/resource | floor (s) | ratio "
            "| SDK replay (s) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            *[f"| {label} | {r['resources']} | {r['wall_s']:.2f} | {r['min_s']:.2f}-{r['max_s']:.2f} "
              f"| {r['per_resource_ms']:.2f} | {r['floor_s']:.2f} | {r['ratio']:.2f} "
              f"| {r['replay_s']:.2f} |" for label, r in rows],
            f"| `groundwork plan prod`, fresh process | {prod['resources']} | {cli:.2f} | | "
            f"| {cli_floor:.2f} | {cli / cli_floor:.2f} | {imports + prod['replay_s']:.2f} |",
            "",
            f"Cost per resource at {large['resources']} resources vs {small['resources']}: "
            f"{large['per_resource_ms']:.2f} vs {small['per_resource_ms']:.2f} ms "
            f"({growth:+.0%}; target within 10 %: {'met' if abs(growth) <= 0.10 else 'not met'}). "
            f"Fresh-process plan: {cli / cli_floor:.2f}x its floor (target 1.25x: "
            f"{'met' if cli / cli_floor <= 1.25 else 'not met'}).",
            "",
            "Regenerate: `make bench` (or `.venv/bin/python benchmarks/plan_benchmark.py "
            "--output benchmarks/RESULTS.md`).",
            "",
        ]
        args.output.write_text("\n".join(lines))
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
