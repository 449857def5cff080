"""Smoke checks: the requests that prove a revision works (docs/compute.md#smoke-checks).

One list per web service, read by the pre-traffic hook (components/deploy_hook.py, through the
test listener rule) and by `groundwork verify` (through the public entry point).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from groundwork.components.args import ArgsModel


class SmokeCheckSettings(ArgsModel):
    """One request, repeated `requests` times: its status, its body and its p95 latency."""

    path: Annotated[str, Field(pattern=r"^/\S*$")] = "/health"
    """Path requested (default /health)."""
    method: Literal["GET", "HEAD", "OPTIONS"] = "GET"
    """HTTP method (default GET; smoke checks never write)."""
    status: Annotated[int, Field(ge=100, le=599)] = 200
    """Expected status (default 200)."""
    json_key: str | None = None
    """A dotted key the JSON body must have, e.g. `status` or `data.items` (default none)."""
    body_contains: str | None = None
    """A substring the body must contain (default none)."""
    requests: Annotated[int, Field(ge=1, le=50)] = 5
    """Requests sent; the p95 is over these (default 5)."""
    p95_ms: Annotated[int, Field(ge=1, le=60000)] = 1000
    """Latency budget: the 95th percentile of the requests' times, in ms (default 1000)."""
    timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 5.0
    """Seconds one request may take before it counts as failed (default 5)."""
