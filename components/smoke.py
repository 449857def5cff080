"""Smoke checks: the requests that prove a revision works (docs/compute.md#smoke-checks).

One list per web service, read by the pre-traffic hook (components/deploy_hook.py, through the
test listener rule) and by `groundwork verify` (through the public entry point). Both run it with
the same `deploy_hook.run_checks`: each check sends `requests` requests; every answer must have
the status (and the body substring, and the JSON key), and the 95th percentile of their times
(nearest rank) must be within `p95_ms`.

Pure here: the settings, the checks a service actually runs (`effective_checks`: its
`smoke_checks`, else one GET of its health check path) and the hook's `CHECKS` variable
(`hook_environment_checks`, refused over 3 KB: Lambda allows 4 KB of environment in all).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel

JSON_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*|\d+)(\.([A-Za-z_][A-Za-z0-9_-]*|\d+))*$")
"""A dotted path into a JSON body: object keys (letters, digits, `_`, `-`, not starting with a
digit) and list indices (digits), e.g. `status`, `data.items.0.id`."""
MAX_CHECK_SECONDS = 120.0
"""The most one check may take when every request times out (`requests` x `timeout_seconds`):
the hook runs every check within one Lambda invocation (docs/compute.md#smoke-checks)."""
MAX_CHECKS_ENV_BYTES = 3072
"""The most the hook's `CHECKS` variable may take: Lambda allows 4 KB for all of a function's
environment variables together (keys and values), and the hook has six more."""


class SmokeCheckSettings(ArgsModel):
    """One request, repeated `requests` times: its status, its body and its p95 latency."""

    path: Annotated[str, Field(pattern=r"^/\S*$")] = "/health"
    """Path requested (default /health)."""
    method: Literal["GET", "HEAD", "OPTIONS"] = "GET"
    """HTTP method (default GET; smoke checks never write)."""
    status: Annotated[int, Field(ge=100, le=599)] = 200
    """Expected status (default 200)."""
    json_key: str | None = None
    """A dotted key the JSON body must have, e.g. `status` or `data.items.0` (default none)."""
    body_contains: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """A substring the body must contain (default none)."""
    requests: Annotated[int, Field(ge=1, le=50)] = 5
    """Requests sent; the p95 is over these (default 5)."""
    p95_ms: Annotated[int, Field(ge=1, le=60000)] = 1000
    """Latency budget: the 95th percentile of the requests' times, in ms (default 1000)."""
    timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 5.0
    """Seconds one request may take before it counts as failed (default 5)."""

    @field_validator("json_key")
    @classmethod
    def _json_key(cls, v: str | None) -> str | None:
        if v is not None and not JSON_KEY.match(v):
            raise ValueError(f"json_key {v!r} must be a dotted path of keys (letters, digits, _ "
                             "and -, not starting with a digit) and list indices, e.g. status "
                             "or data.items.0.id")
        return v

    @model_validator(mode="after")
    def _shape(self) -> SmokeCheckSettings:
        problems = check_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def name(self) -> str:
        """How reports name the check, e.g. `GET /health/ready`."""
        return f"{self.method} {self.path}"


def check_problems(check: SmokeCheckSettings) -> list[str]:
    """What makes one check meaningless (pure): a body test on HEAD (which has no body), a
    latency budget no request can exceed without timing out first, a check that could outlast
    `MAX_CHECK_SECONDS`."""
    problems = []
    for key in ("body_contains", "json_key"):
        if check.method == "HEAD" and getattr(check, key) is not None:
            problems.append(f"{key} needs a body; a HEAD response has none (use GET)")
    if check.p95_ms > check.timeout_seconds * 1000:
        problems.append(f"p95_ms {check.p95_ms} is over timeout_seconds {check.timeout_seconds:g} "
                        "(a request that slow has already timed out); lower p95_ms or raise "
                        "timeout_seconds")
    worst = check.requests * check.timeout_seconds
    if worst > MAX_CHECK_SECONDS:
        problems.append(f"requests x timeout_seconds is {worst:g} s, over {MAX_CHECK_SECONDS:g} s "
                        "(every request timing out); send fewer requests or shorten the timeout")
    return problems


def list_problems(kind: str, checks: Sequence[SmokeCheckSettings]) -> list[str]:
    """A service's `smoke_checks` as a whole (pure): web only, and each method + path once (a
    report names a check by them)."""
    if kind != "web" and checks:
        return ["smoke_checks apply to web services only (a worker answers no HTTP)"]
    names = [c.name for c in checks]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return [f"smoke_checks has {', '.join(twice)} more than once; one check per method and path"]
    return []


def first_status(matcher: str) -> int:
    """The first status of an ALB matcher (`200`, `200-299`, `200,301`): what the default check
    expects."""
    return int(re.split(r"[-,]", matcher.strip(), maxsplit=1)[0])


def effective_checks(settings: Any) -> list[SmokeCheckSettings]:
    """The checks a service runs (a `FargateServiceSettings`, its Args or its config): its
    `smoke_checks`, else one GET of `health_check.path` expecting the matcher's first status. A
    worker has none."""
    if getattr(settings, "kind", "web") != "web":
        return []
    if settings.smoke_checks:
        return list(settings.smoke_checks)
    health = settings.health_check
    return [SmokeCheckSettings(path=health.path, status=first_status(health.matcher))]


def hook_environment_checks(checks: Sequence[SmokeCheckSettings]) -> str:
    """The hook's `CHECKS` variable: the checks' `model_dump()`s as compact JSON. Refused (a
    ValueError naming smoke_checks) over `MAX_CHECKS_ENV_BYTES`."""
    text = json.dumps([c.model_dump() for c in checks], separators=(",", ":"), sort_keys=True)
    size = len(text.encode())
    if size > MAX_CHECKS_ENV_BYTES:
        raise ValueError(f"smoke_checks take {size} bytes as the hook's CHECKS variable, over "
                         f"{MAX_CHECKS_ENV_BYTES} (Lambda allows 4 KB of environment in all); "
                         "use fewer checks or shorter paths and substrings")
    return text
