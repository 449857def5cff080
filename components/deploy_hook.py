"""The pre-traffic hook: smoke checks against a new revision before it takes traffic (the Lambda's code).

A BLUE_GREEN/CANARY/LINEAR web service ships this one file as its hook function's code
(`deploy_hook.handler`, python3.12): it imports only the standard library and boto3/botocore,
which the Lambda runtime provides, never groundwork. ECS invokes it at POST_TEST_TRAFFIC_SHIFT,
when the test listener rule already forwards to the new (green) revision and no production
traffic has moved (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html).
The event: `executionId`, `lifecycleStage`, `resourceArn` (the service deployment's ARN),
`executionDetails` {`serviceArn`, `targetServiceRevisionArn`, `testTrafficWeights`,
`productionTrafficWeights`} and, when configured or returned before, `hookDetails`.

What it does: finds the load balancer's private addresses (EC2 DescribeNetworkInterfaces,
description `ELB <LOAD_BALANCER>`: every ALB node has one network interface so described),
then runs each smoke check (`run_checks`) with requests to those addresses in turn, on PORT,
with TLS SNI and `Host` = HOST (the certificate is verified against HOST) and the header
TEST_HEADER: TEST_HEADER_VALUE that only the test rule matches. The requests leave from the
function's network interface in the VPC, which the test rule's source-ip condition admits, for
an internal and an internet-facing ALB alike.

It logs the report as one JSON line and returns `{"hookStatus": "SUCCEEDED"}` when every check
passed, else `{"hookStatus": "FAILED"}` (ECS rolls back); a bad environment or any exception
is FAILED too, with the reason in the log. AWS documents POST_TEST_TRAFFIC_SHIFT as the stage
after the test shift completed (its payload's `testTrafficWeights` is empty); should a payload
name the target revision in `testTrafficWeights` below 100 %, the hook waits (`IN_PROGRESS`,
`callBackDelay` 15 s, a counter in `hookDetails`) up to `MAX_WAITS` times, then fails.

Environment (set by components/deployment.py `hook_environment`): CHECKS (JSON list of
`SmokeCheckSettings` dumps), SCHEME (https|http), PORT, HOST, TEST_HEADER, TEST_HEADER_VALUE,
LOAD_BALANCER (the ALB's `app/<name>/<id>`).

`run_checks(checks, request)` is pure given `request(method, path, *, timeout) -> (status,
body, seconds)`; `groundwork verify` runs it too, through the public entry point.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import cycle
from typing import Any

logger = logging.getLogger()
logger.setLevel(logging.INFO)

Request = Callable[..., tuple[int, bytes, float]]
"""`request(method, path, *, timeout) -> (status, body, seconds)`; raises on a timeout or a
connection error (OSError, http.client.HTTPException)."""

METHODS = ("GET", "HEAD", "OPTIONS")
MAX_BODY_BYTES = 1 << 20
"""The most of a body read (1 MiB): enough for any health or listing answer."""
CALLBACK_DELAY_SECONDS = 15
MAX_WAITS = 8
"""IN_PROGRESS answers before the hook gives up on the test traffic shift (2 minutes)."""
ENVIRONMENT = ("CHECKS", "SCHEME", "PORT", "HOST", "TEST_HEADER", "TEST_HEADER_VALUE",
               "LOAD_BALANCER")


class HookError(Exception):
    """The hook can't run its checks (bad environment, no load balancer addresses)."""


# --------------------------------------------------------------------------------------------
# the checks (pure)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One smoke check (the fields and defaults of groundwork's `SmokeCheckSettings`)."""

    path: str = "/health"
    method: str = "GET"
    status: int = 200
    json_key: str | None = None
    body_contains: str | None = None
    requests: int = 5
    p95_ms: int = 1000
    timeout_seconds: float = 5.0

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @classmethod
    def parse(cls, raw: Check | Mapping[str, Any]) -> Check:
        """A check from its JSON form, validated (HookError naming the problem)."""
        if isinstance(raw, Check):
            return raw
        if not isinstance(raw, Mapping):
            raise HookError(f"a check must be an object, got {type(raw).__name__}")
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            raise HookError(f"check {raw.get('path')!r}: unknown keys {', '.join(unknown)}")
        check = cls(**raw)
        problems = []
        if not isinstance(check.path, str) or not check.path.startswith("/"):
            problems.append("path must start with /")
        if check.method not in METHODS:
            problems.append(f"method must be one of {', '.join(METHODS)}")
        for key, low in (("status", 100), ("requests", 1), ("p95_ms", 1)):
            value = getattr(check, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                problems.append(f"{key} must be an integer >= {low}")
        if (isinstance(check.timeout_seconds, bool) or not isinstance(check.timeout_seconds, int | float)
                or check.timeout_seconds <= 0):
            problems.append("timeout_seconds must be a positive number")
        for key in ("json_key", "body_contains"):
            if getattr(check, key) is not None and not isinstance(getattr(check, key), str):
                problems.append(f"{key} must be a string")
        if problems:
            raise HookError(f"check {raw.get('path')!r}: " + "; ".join(problems))
        return check


def p95(seconds: Sequence[float]) -> float:
    """The 95th percentile by nearest rank: the ceil(0.95 n)-th smallest value."""
    if not seconds:
        raise ValueError("p95 of no values")
    ordered = sorted(seconds)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


_MISSING = object()


def json_lookup(document: Any, key: str) -> Any:
    """The value at a dotted key (`data.items.0.id`: object keys and list indices), or
    `_MISSING`."""
    node = document
    for part in key.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def error_text(exc: BaseException, timeout: float) -> str:
    """A failed request's reason, short: a timeout, a TLS failure, a refused connection."""
    inner = getattr(exc, "reason", None)  # urllib wraps the socket's error
    if isinstance(inner, BaseException):
        exc = inner
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS {exc.verify_message or exc}"
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, OSError) else f"{type(exc).__name__}: {text}"


@dataclass(frozen=True)
class CheckReport:
    """One check's outcome: `reasons` empty when it passed."""

    check: str
    requests: int
    """Requests sent (fewer than asked when a connection failed: the rest would repeat it)."""
    p95_ms: int | None
    """The p95 of the answered requests' times (None: none answered)."""
    budget_ms: int
    reasons: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class Report:
    checks: list[CheckReport]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [r for c in self.checks for r in c.reasons]

    def summary(self) -> str:
        """One line per check, e.g. `GET /health: 200 (p95 12 ms of 1000, 5 requests)`."""
        return "; ".join(
            f"{c.check}: {'ok' if c.passed else 'FAILED'} (p95 "
            f"{'-' if c.p95_ms is None else c.p95_ms} ms of {c.budget_ms}, {c.requests} requests)"
            for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed,
                "checks": [{**asdict(c), "passed": c.passed} for c in self.checks]}


def _counted(reason: str, times: int, total: int) -> str:
    return reason if times == total else f"{reason} ({times} of {total} requests)"


def run_check(check: Check, request: Request) -> CheckReport:
    """Send the check's requests one after the other; every answer must match, the p95 of
    their times must be within budget. A timeout or connection error fails the request with its
    reason and ends the check (the remaining requests would only repeat it)."""
    name = check.name
    answered: list[float] = []
    found: dict[str, int] = {}  # reason -> requests it happened to, in order seen
    sent = 0
    for _ in range(check.requests):
        sent += 1
        try:
            status, body, seconds = request(check.method, check.path, timeout=check.timeout_seconds)
        except (OSError, http.client.HTTPException) as exc:
            reason = f"{name}: {error_text(exc, check.timeout_seconds)}"
            found[reason] = found.get(reason, 0) + 1
            break
        if seconds > check.timeout_seconds:
            reason = f"{name}: timed out after {check.timeout_seconds:g} s"
            found[reason] = found.get(reason, 0) + 1
            continue
        answered.append(seconds)
        for reason in _answer_problems(check, status, body):
            found[reason] = found.get(reason, 0) + 1
    reasons = [_counted(r, n, sent) for r, n in found.items()]
    value = round(p95(answered) * 1000) if answered else None
    if value is not None and value > check.p95_ms:
        reasons.append(f"{name}: p95 {value} ms over the {check.p95_ms} ms budget "
                       f"({len(answered)} requests)")
    return CheckReport(check=name, requests=sent, p95_ms=value, budget_ms=check.p95_ms,
                       reasons=reasons)


def _answer_problems(check: Check, status: int, body: bytes) -> list[str]:
    name = check.name
    problems = []
    if status != check.status:
        problems.append(f"{name}: status {status}, want {check.status}")
    if check.body_contains is not None and check.body_contains.encode() not in body:
        problems.append(f"{name}: body lacks {check.body_contains!r}")
    if check.json_key is not None:
        try:
            document = json.loads(body)
        except ValueError:
            problems.append(f"{name}: body is not JSON (json_key {check.json_key!r})")
        else:
            if json_lookup(document, check.json_key) is _MISSING:
                problems.append(f"{name}: JSON body has no {check.json_key!r}")
    return problems


def run_checks(checks: Sequence[Check | Mapping[str, Any]], request: Request) -> Report:
    """Every check in order (`Check`s or their JSON dicts); pure given `request`."""
    return Report([run_check(Check.parse(c), request) for c in checks])


# --------------------------------------------------------------------------------------------
# the Lambda: environment, the load balancer's addresses, pinned HTTPS
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    checks: list[Check]
    scheme: str
    port: int
    host: str
    test_header: str
    test_header_value: str
    load_balancer: str


def read_environment(env: Mapping[str, str]) -> Settings:
    """The environment contract, validated (HookError naming each problem)."""
    missing = [k for k in ENVIRONMENT if not env.get(k)]
    if missing:
        raise HookError(f"environment lacks {', '.join(missing)}")
    problems = []
    checks: list[Check] = []
    try:
        raw = json.loads(env["CHECKS"])
        if not isinstance(raw, list) or not raw:
            raise HookError("must be a non-empty JSON list")
        checks = [Check.parse(c) for c in raw]
    except ValueError as exc:
        problems.append(f"CHECKS is not JSON: {exc}")
    except HookError as exc:
        problems.append(f"CHECKS: {exc}")
    if env["SCHEME"] not in ("https", "http"):
        problems.append(f"SCHEME {env['SCHEME']!r} must be https or http")
    port = int(env["PORT"]) if env["PORT"].isdigit() else 0
    if not 1 <= port <= 65535:
        problems.append(f"PORT {env['PORT']!r} must be a port number")
    if not env["LOAD_BALANCER"].startswith(("app/", "net/")):
        problems.append(f"LOAD_BALANCER {env['LOAD_BALANCER']!r} must be app/<name>/<id>")
    if problems:
        raise HookError("; ".join(problems))
    return Settings(checks=checks, scheme=env["SCHEME"], port=port, host=env["HOST"],
                    test_header=env["TEST_HEADER"], test_header_value=env["TEST_HEADER_VALUE"],
                    load_balancer=env["LOAD_BALANCER"])


def load_balancer_addresses(ec2: Any, load_balancer: str) -> list[str]:
    """The load balancer's private IPv4 addresses, one per node (its network interfaces are
    described `ELB app/<name>/<id>`), sorted."""
    paginator = ec2.get_paginator("describe_network_interfaces")
    addresses: set[str] = set()
    for page in paginator.paginate(Filters=[{"Name": "description",
                                             "Values": [f"ELB {load_balancer}"]}]):
        for eni in page.get("NetworkInterfaces", []):
            if eni.get("PrivateIpAddress"):
                addresses.add(eni["PrivateIpAddress"])
    if not addresses:
        raise HookError(f"no network interfaces described 'ELB {load_balancer}': is the load "
                        "balancer there, and may the hook call ec2:DescribeNetworkInterfaces?")
    return sorted(addresses)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to `address`, with `Host` = the connection's host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `address`, with SNI and `Host` = the connection's host, the certificate
    verified against it (not against the address)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float,
                 context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address, self._tls = address, context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def pinned_request(settings: Settings, addresses: Sequence[str], *,
                   context: ssl.SSLContext | None = None,
                   clock: Callable[[], float] = time.perf_counter) -> Request:
    """A `request` for `run_checks`: each call to the next of `addresses` (round robin), timed
    from connect to the last byte read."""
    tls = context or ssl.create_default_context()
    rotation: Iterator[str] = cycle(addresses)
    headers = {settings.test_header: settings.test_header_value,
               "User-Agent": "groundwork-deploy-hook", "Accept": "*/*"}

    def request(method: str, path: str, *, timeout: float) -> tuple[int, bytes, float]:
        address = next(rotation)
        conn: http.client.HTTPConnection
        if settings.scheme == "https":
            conn = _PinnedHTTPSConnection(settings.host, settings.port, address=address,
                                          timeout=timeout, context=tls)
        else:
            conn = _PinnedHTTPConnection(settings.host, settings.port, address=address,
                                         timeout=timeout)
        start = clock()
        try:
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            body = response.read(MAX_BODY_BYTES)
            return response.status, body, clock() - start
        finally:
            conn.close()

    return request


def _waiting_on_test_traffic(event: Mapping[str, Any]) -> bool:
    """True when the payload says the target revision has under 100 % of the test traffic
    (AWS sends an empty map at POST_TEST_TRAFFIC_SHIFT: the shift is complete)."""
    details = event.get("executionDetails") or {}
    weights = details.get("testTrafficWeights") or {}
    target = details.get("targetServiceRevisionArn")
    return bool(target) and target in weights and float(weights[target]) < 100


def _log(record: dict[str, Any]) -> None:
    logger.info(json.dumps(record, sort_keys=True, default=str))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (`deploy_hook.handler`)."""
    event = event if isinstance(event, dict) else {}
    base = {"deployment": event.get("resourceArn"), "executionId": event.get("executionId"),
            "lifecycleStage": event.get("lifecycleStage"),
            "targetServiceRevision": (event.get("executionDetails") or {})
            .get("targetServiceRevisionArn")}
    try:
        waits = int((event.get("hookDetails") or {}).get("groundworkWaits", 0))
        if _waiting_on_test_traffic(event):
            if waits >= MAX_WAITS:
                _log({**base, "hookStatus": "FAILED",
                      "error": f"test traffic not on the new revision after {waits} waits"})
                return {"hookStatus": "FAILED"}
            _log({**base, "hookStatus": "IN_PROGRESS", "waits": waits + 1,
                  "testTrafficWeights": event["executionDetails"]["testTrafficWeights"]})
            return {"hookStatus": "IN_PROGRESS", "callBackDelay": CALLBACK_DELAY_SECONDS,
                    "hookDetails": {"groundworkWaits": waits + 1}}
        settings = read_environment(os.environ)
        addresses = load_balancer_addresses(_ec2_client(), settings.load_balancer)
        report = run_checks(settings.checks, _request_factory(settings, addresses))
    except Exception as exc:  # any failure rolls the deployment back: say why
        _log({**base, "hookStatus": "FAILED", "error": f"{type(exc).__name__}: {exc}"})
        return {"hookStatus": "FAILED"}
    status = "SUCCEEDED" if report.passed else "FAILED"
    _log({**base, "hookStatus": status, "host": settings.host, "addresses": addresses,
          "reasons": report.reasons, **report.to_dict()})
    return {"hookStatus": status}


# The seams the tests replace (module attributes, looked up at call time).
def _ec2_client() -> Any:
    import boto3

    return boto3.client("ec2")


def _request_factory(settings: Settings, addresses: Sequence[str]) -> Request:
    return pinned_request(settings, addresses)
