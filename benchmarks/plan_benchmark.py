"""Benchmark of `groundwork plan`: wall time and resources per second, offline.

Cases: the dev and prod stacks as committed, and synthetic stacks (dev plus 1, 10, 50 web
services). Each case runs `--repeat` times in this process (median reported), and the prod
stack once more as a fresh `groundwork plan prod` process, which is what a user waits for
(interpreter start and imports included).

    .venv/bin/python benchmarks/plan_benchmark.py --output benchmarks/RESULTS.md

Not a test: numbers depend on the machine. The README quotes the last recorded run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from groundwork.engine import plan_stack  # noqa: E402


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


def time_case(stack: str, overrides: dict[str, Any] | None, repeat: int) -> dict[str, Any]:
    walls, resources = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = plan_stack(stack, overrides=overrides)
        walls.append(time.perf_counter() - start)
        # counted as `groundwork plan` counts them: cloud resources, not the provider
        resources = len([r for r in result.custom_resources
                         if not r.type.startswith("pulumi:providers:")])
    wall = statistics.median(walls)
    return {"wall_s": wall, "resources": resources, "per_s": resources / wall,
            "min_s": min(walls), "max_s": max(walls)}


def time_cli(stack: str) -> float:
    exe = Path(sys.executable).parent / "groundwork"
    start = time.perf_counter()
    subprocess.run([str(exe), "plan", stack], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "COLUMNS": "160"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, help="write a Markdown table here")
    args = parser.parse_args()

    cases: list[tuple[str, str, dict[str, Any] | None]] = [
        ("dev (as committed)", "dev", None),
        ("prod (as committed)", "prod", None),
        ("dev + 1 web service", "dev", synthetic_services(1)),
        ("dev + 10 web services", "dev", synthetic_services(10)),
        ("dev + 50 web services", "dev", synthetic_services(50)),
    ]
    rows = []
    for label, stack, overrides in cases:
        r = time_case(stack, overrides, args.repeat)
        rows.append((label, r))
        print(f"{label:28s} {r['resources']:5d} resources  {r['wall_s']:6.2f} s  "
              f"{r['per_s']:6.0f} res/s", flush=True)
    cli = time_cli("prod")
    print(f"{'groundwork plan prod (CLI)':28s} {'':5s}            {cli:6.2f} s (fresh process)")

    if args.output:
        lines = [
            "# groundwork plan benchmark",
            "",
            f"Recorded {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}; median of "
            f"{args.repeat} in-process runs per case. Offline (Pulumi mocks): no AWS, no CLI.",
            "",
            "| case | resources | wall (s) | min-max (s) | resources/s |",
            "|---|---:|---:|---:|---:|",
            *[f"| {label} | {r['resources']} | {r['wall_s']:.2f} | {r['min_s']:.2f}-{r['max_s']:.2f} "
              f"| {r['per_s']:.0f} |" for label, r in rows],
            f"| `groundwork plan prod` as a fresh process | | {cli:.2f} | | |",
            "",
            "Regenerate: `make bench` (or `.venv/bin/python benchmarks/plan_benchmark.py "
            "--output benchmarks/RESULTS.md`).",
            "",
        ]
        args.output.write_text("\n".join(lines))
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
