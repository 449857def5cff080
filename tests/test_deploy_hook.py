"""The pre-traffic hook's code (components/deploy_hook.py), offline.

`run_checks` is pure given its `request(method, path, *, timeout)`: the checks here get a
scripted fake (statuses, bodies and the seconds each request "took"), so a p95 is computed
over known timings. The handler runs with its two seams replaced (`_ec2_client`: a fake EC2
client answering DescribeNetworkInterfaces as AWS does for an ALB's nodes; `_request_factory`:
the scripted fake). `pinned_request`, the real request function, runs against local servers on
127.0.0.1 (plain HTTP, and HTTPS with a throwaway certificate for the host name), which is how
it is shown to connect to the ALB's address while sending and verifying the host name.
"""

from __future__ import annotations

import ast
import datetime as dt
import http.server
import ipaddress
import json
import logging
import math
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundwork.components import deploy_hook, smoke
from groundwork.components.deploy_hook import Check, p95, run_checks
from groundwork.components.smoke import SmokeCheckSettings

LB = "app/groundwork-prod-alb/50dc6c495c0c9188"
HOST = "api.example.test"
DEPLOYMENT = ("arn:aws:ecs:us-east-1:123456789012:service-deployment/groundwork-prod/"
              "groundwork-prod-api/EZe5RNVLH6PPzHXINuP28")
GREEN = "arn:aws:ecs:us-east-1:123456789012:service-revision/groundwork-prod/groundwork-prod-api/93134"
EVENT = {  # the POST_TEST_TRAFFIC_SHIFT payload AWS documents (lambda-lifecycle-hooks.html)
    "executionId": "3a0345ba-b029-404b-890d-7da2a4b266aa",
    "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
    "resourceArn": DEPLOYMENT,
    "executionDetails": {
        "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/groundwork-prod/groundwork-prod-api",
        "targetServiceRevisionArn": GREEN,
        "testTrafficWeights": {},
        "productionTrafficWeights": {},
    },
}


@dataclass
class Scripted:
    """A fake `request`: per path a list of answers (status, body, seconds) or exceptions,
    used in order (the last one repeats); records every call."""

    answers: dict[str, list[Any]]
    calls: list[tuple[str, str, float]] = field(default_factory=list)

    def __call__(self, method: str, path: str, *, timeout: float) -> tuple[int, bytes, float]:
        self.calls.append((method, path, timeout))
        script = self.answers[path]
        n = sum(1 for _, p, _ in self.calls if p == path) - 1
        answer = script[min(n, len(script) - 1)]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def ok(seconds: float = 0.02, body: bytes = b'{"status": "ok"}') -> tuple[int, bytes, float]:
    return 200, body, seconds


# --------------------------------------------------------------------------------------------
# run_checks: the must-show three
# --------------------------------------------------------------------------------------------


def test_a_healthy_check_passes():
    fake = Scripted({"/health": [ok()]})
    report = run_checks([Check(path="/health", json_key="status", requests=5)], fake)
    assert report.passed and report.reasons == []
    [check] = report.checks
    assert (check.check, check.requests, check.p95_ms, check.budget_ms) == ("GET /health", 5, 20, 1000)
    assert fake.calls == [("GET", "/health", 5.0)] * 5  # each request with the check's timeout


def test_a_bad_status_fails_naming_the_check():
    fake = Scripted({"/health/ready": [(503, b"starting", 0.01)]})
    report = run_checks([{"path": "/health/ready", "status": 200, "requests": 3}], fake)
    assert not report.passed
    assert report.reasons == ["GET /health/ready: status 503, want 200"]


def test_some_bad_answers_are_counted():
    fake = Scripted({"/health/ready": [ok(), (503, b"", 0.01), ok()]})
    report = run_checks([Check(path="/health/ready", requests=3)], fake)
    assert report.reasons == ["GET /health/ready: status 503, want 200 (1 of 3 requests)"]


def test_a_latency_budget_exceeded_fails_with_the_nearest_rank_p95():
    """5 requests: nearest rank is ceil(0.95 x 5) = 5, the slowest, 1.84 s; the mean (0.6 s)
    and a median (0.3 s) would both pass the 1000 ms budget."""
    timings = [0.30, 0.25, 1.84, 0.31, 0.29]
    fake = Scripted({"/api/v1/products": [ok(t) for t in timings]})
    report = run_checks([Check(path="/api/v1/products", requests=5, p95_ms=1000)], fake)
    assert report.reasons == ["GET /api/v1/products: p95 1840 ms over the 1000 ms budget (5 requests)"]
    assert report.checks[0].p95_ms == 1840


def test_with_twenty_requests_the_slowest_one_is_forgiven():
    """20 requests: rank ceil(19) = 19, the second slowest: one outlier passes, two fail."""
    one = [ok(0.1)] * 19 + [ok(3.0)]
    assert run_checks([Check(path="/a", requests=20)], Scripted({"/a": one})).passed
    two = [ok(0.1)] * 18 + [ok(2.5), ok(3.0)]
    report = run_checks([Check(path="/a", requests=20)], Scripted({"/a": two}))
    assert report.reasons == ["GET /a: p95 2500 ms over the 1000 ms budget (20 requests)"]


# --------------------------------------------------------------------------------------------
# bodies, JSON keys, timeouts, connection errors
# --------------------------------------------------------------------------------------------


def test_a_body_without_the_substring_fails():
    fake = Scripted({"/health": [(200, b"degraded", 0.01)]})
    report = run_checks([Check(path="/health", body_contains="ok", requests=2)], fake)
    assert report.reasons == ["GET /health: body lacks 'ok'"]


@pytest.mark.parametrize(("body", "key", "reason"), [
    (b'{"state": "ok"}', "status", "GET /h: JSON body has no 'status'"),
    (b'{"data": {"items": []}}', "data.items.0", "GET /h: JSON body has no 'data.items.0'"),
    (b"<html>ok</html>", "status", "GET /h: body is not JSON (json_key 'status')"),
])
def test_a_missing_json_key_fails(body, key, reason):
    report = run_checks([Check(path="/h", json_key=key, requests=1)], Scripted({"/h": [(200, body, 0.01)]}))
    assert report.reasons == [reason]


def test_json_keys_walk_objects_and_list_indices():
    body = b'{"data": {"items": [{"id": 7}], "0": "zero"}, "status": null}'
    for key in ("status", "data.items", "data.items.0.id", "data.0"):
        assert run_checks([Check(path="/h", json_key=key, requests=1)],
                          Scripted({"/h": [(200, body, 0.01)]})).passed, key
    assert not run_checks([Check(path="/h", json_key="data.items.1", requests=1)],
                          Scripted({"/h": [(200, body, 0.01)]})).passed


def test_a_timeout_fails_the_check_and_ends_it():
    fake = Scripted({"/slow": [ok(), TimeoutError("timed out")], "/next": [ok()]})
    report = run_checks([Check(path="/slow", requests=5, timeout_seconds=2),
                         Check(path="/next", requests=1)], fake)
    assert report.reasons == ["GET /slow: timed out after 2 s (1 of 2 requests)"]
    assert [c.requests for c in report.checks] == [2, 1]  # no more requests to a dead target
    assert report.checks[1].passed


def test_an_answer_slower_than_the_timeout_counts_as_timed_out():
    fake = Scripted({"/s": [ok(6.0), ok(0.1)]})
    report = run_checks([Check(path="/s", requests=2, timeout_seconds=5, p95_ms=1000)], fake)
    assert report.reasons == ["GET /s: timed out after 5 s (1 of 2 requests)"]
    assert report.checks[0].p95_ms == 100  # over the answered request only


def test_a_refused_connection_fails_with_its_reason():
    fake = Scripted({"/h": [ConnectionRefusedError(111, "Connection refused")]})
    report = run_checks([Check(path="/h")], fake)
    assert report.reasons == ["GET /h: [Errno 111] Connection refused"]
    assert report.checks[0].p95_ms is None


def test_every_failure_of_one_check_is_reported():
    fake = Scripted({"/h": [(500, b"oops", 2.0)]})
    report = run_checks([Check(path="/h", requests=2, json_key="status", body_contains="ok",
                               timeout_seconds=5)], fake)
    assert report.reasons == ["GET /h: status 500, want 200", "GET /h: body lacks 'ok'",
                              "GET /h: body is not JSON (json_key 'status')",
                              "GET /h: p95 2000 ms over the 1000 ms budget (2 requests)"]


def test_the_hook_reads_what_smoke_settings_dump():
    """The hook can't import groundwork: its `Check` must read `SmokeCheckSettings` dumps,
    with the same defaults."""
    assert Check.parse(SmokeCheckSettings().model_dump()) == Check()
    custom = SmokeCheckSettings(path="/api/v1/products", method="OPTIONS", status=204,
                                body_contains="x", requests=10, p95_ms=800, timeout_seconds=2.5)
    assert Check.parse(custom.model_dump()) == Check(**custom.model_dump())
    assert set(Check.__dataclass_fields__) == set(SmokeCheckSettings.model_fields)


# --------------------------------------------------------------------------------------------
# p95
# --------------------------------------------------------------------------------------------


@given(st.lists(st.floats(min_value=0, max_value=60, allow_nan=False), min_size=1, max_size=50))
def test_p95_is_the_nearest_rank(values):
    value = p95(values)
    rank = math.ceil(0.95 * len(values))
    assert value in values
    # at least 95 % of the values are <= it, and it is the smallest value with that property
    assert sum(v <= value for v in values) >= 0.95 * len(values)
    assert sum(v < value for v in values) < rank
    assert sorted(values)[rank - 1] == value
    assert min(values) <= value <= max(values)


def test_p95_of_small_samples_is_the_maximum():
    for n in range(1, 20):  # ceil(0.95 n) = n below 20 requests
        assert p95([float(i) for i in range(n)]) == n - 1
    assert p95([float(i) for i in range(20)]) == 18
    with pytest.raises(ValueError):
        p95([])


# --------------------------------------------------------------------------------------------
# the handler
# --------------------------------------------------------------------------------------------


class FakeEc2:
    """DescribeNetworkInterfaces as EC2 answers it for an ALB: one interface per node,
    described `ELB app/<name>/<id>`, paginated."""

    def __init__(self, addresses: dict[str, list[str]]):
        self.addresses = addresses
        self.filters: list[Any] = []

    def get_paginator(self, operation: str) -> Any:
        assert operation == "describe_network_interfaces"
        fake = self

        class Paginator:
            def paginate(self, Filters: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
                fake.filters.append(Filters)
                [flt] = Filters
                assert flt["Name"] == "description"
                found = [ip for d in flt["Values"] for ip in fake.addresses.get(d, [])]
                for ip in found:  # a page per interface
                    yield {"NetworkInterfaces": [{"Description": flt["Values"][0],
                                                  "PrivateIpAddress": ip,
                                                  "InterfaceType": "interface"}]}

        return Paginator()


def hook_env(monkeypatch, **overrides: str) -> None:
    env = {"CHECKS": smoke.hook_environment_checks([
               SmokeCheckSettings(path="/health", json_key="status"),
               SmokeCheckSettings(path="/health/ready"),
               SmokeCheckSettings(path="/api/v1/products", requests=10, p95_ms=800)]),
           "SCHEME": "https", "PORT": "443", "HOST": HOST, "TEST_HEADER": "X-Groundwork-Test",
           "TEST_HEADER_VALUE": "api", "LOAD_BALANCER": LB}
    env.update(overrides)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def seams(monkeypatch):
    """The handler's two seams replaced: a fake EC2 client, and a request factory that
    records what it was built with and answers from `state.fake`."""

    @dataclass
    class State:
        ec2: FakeEc2 = field(default_factory=lambda: FakeEc2({f"ELB {LB}": ["10.0.1.9", "10.0.0.7"]}))
        fake: Scripted = field(default_factory=lambda: Scripted({
            "/health": [ok()], "/health/ready": [ok(body=b"ready")], "/api/v1/products": [ok(0.2)]}))
        built: list[Any] = field(default_factory=list)

    state = State()
    monkeypatch.setattr(deploy_hook, "_ec2_client", lambda: state.ec2)

    def factory(settings: Any, addresses: Any) -> Any:
        state.built.append((settings, list(addresses)))
        return state.fake

    monkeypatch.setattr(deploy_hook, "_request_factory", factory)
    return state


def logged(caplog) -> dict[str, Any]:
    [line] = [r.getMessage() for r in caplog.records if r.name == "root"]
    return json.loads(line)


def test_the_handler_succeeds_when_every_check_passes(monkeypatch, seams, caplog):
    hook_env(monkeypatch)
    with caplog.at_level(logging.INFO):
        assert deploy_hook.handler(EVENT, None) == {"hookStatus": "SUCCEEDED"}
    [(settings, addresses)] = seams.built
    assert addresses == ["10.0.0.7", "10.0.1.9"]
    assert seams.ec2.filters == [[{"Name": "description", "Values": [f"ELB {LB}"]}]]
    assert (settings.scheme, settings.port, settings.host, settings.test_header,
            settings.test_header_value) == ("https", 443, HOST, "X-Groundwork-Test", "api")
    assert [p for _, p, _ in seams.fake.calls] == ["/health"] * 5 + ["/health/ready"] * 5 + \
        ["/api/v1/products"] * 10
    record = logged(caplog)  # one JSON line: the deployment, the verdict, every check
    assert record["deployment"] == DEPLOYMENT and record["hookStatus"] == "SUCCEEDED"
    assert record["targetServiceRevision"] == GREEN
    assert [(c["check"], c["passed"], c["p95_ms"]) for c in record["checks"]] == [
        ("GET /health", True, 20), ("GET /health/ready", True, 20), ("GET /api/v1/products", True, 200)]


def test_the_handler_fails_on_a_failed_check_and_logs_why(monkeypatch, seams, caplog):
    hook_env(monkeypatch)
    seams.fake.answers["/health/ready"] = [(503, b"", 0.01)]
    seams.fake.answers["/api/v1/products"] = [ok(0.9)]
    with caplog.at_level(logging.INFO):
        assert deploy_hook.handler(EVENT, None) == {"hookStatus": "FAILED"}
    assert logged(caplog)["reasons"] == [
        "GET /health/ready: status 503, want 200",
        "GET /api/v1/products: p95 900 ms over the 800 ms budget (10 requests)"]


@pytest.mark.parametrize(("overrides", "error"), [
    ({"CHECKS": ""}, "environment lacks CHECKS"),
    ({"HOST": ""}, "environment lacks HOST"),
    ({"CHECKS": "[{"}, "CHECKS is not JSON"),
    ({"CHECKS": "[]"}, "CHECKS: must be a non-empty JSON list"),
    ({"CHECKS": '[{"path": "/h", "verb": "GET"}]'}, "unknown keys verb"),
    ({"CHECKS": '[{"path": "/h", "method": "POST"}]'}, "method must be one of GET, HEAD, OPTIONS"),
    ({"SCHEME": "ftp"}, "SCHEME 'ftp' must be https or http"),
    ({"PORT": "https"}, "PORT 'https' must be a port number"),
    ({"LOAD_BALANCER": "groundwork-prod-alb"}, "LOAD_BALANCER 'groundwork-prod-alb' must be"),
])
def test_a_bad_environment_fails_the_deployment(monkeypatch, seams, caplog, overrides, error):
    hook_env(monkeypatch, **overrides)
    with caplog.at_level(logging.INFO):
        assert deploy_hook.handler(EVENT, None) == {"hookStatus": "FAILED"}
    record = logged(caplog)
    assert record["hookStatus"] == "FAILED" and error in record["error"]
    assert record["deployment"] == DEPLOYMENT
    assert seams.fake.calls == []


def test_no_load_balancer_interfaces_fail_the_deployment(monkeypatch, seams, caplog):
    hook_env(monkeypatch)
    seams.ec2.addresses = {}
    with caplog.at_level(logging.INFO):
        assert deploy_hook.handler(EVENT, None) == {"hookStatus": "FAILED"}
    assert f"no network interfaces described 'ELB {LB}'" in logged(caplog)["error"]


def test_an_exception_fails_the_deployment(monkeypatch, seams, caplog):
    hook_env(monkeypatch)

    def broken() -> Any:
        raise RuntimeError("AccessDenied: ec2:DescribeNetworkInterfaces")

    monkeypatch.setattr(deploy_hook, "_ec2_client", broken)
    with caplog.at_level(logging.INFO):
        assert deploy_hook.handler(EVENT, None) == {"hookStatus": "FAILED"}
    assert logged(caplog)["error"] == "RuntimeError: AccessDenied: ec2:DescribeNetworkInterfaces"


def test_the_hook_waits_while_test_traffic_is_not_on_the_new_revision(monkeypatch, seams):
    """Only when the payload says so (AWS sends `{}` at POST_TEST_TRAFFIC_SHIFT); bounded."""
    hook_env(monkeypatch)
    shifting = {**EVENT, "executionDetails": {**EVENT["executionDetails"],
                                              "testTrafficWeights": {GREEN: 40, "blue": 60}}}
    answer = deploy_hook.handler(shifting, None)
    assert answer == {"hookStatus": "IN_PROGRESS", "callBackDelay": 15,
                      "hookDetails": {"groundworkWaits": 1}}
    assert seams.fake.calls == []
    again = {**shifting, "hookDetails": {"groundworkWaits": deploy_hook.MAX_WAITS}}
    assert deploy_hook.handler(again, None) == {"hookStatus": "FAILED"}
    done = {**shifting, "executionDetails": {**EVENT["executionDetails"],
                                             "testTrafficWeights": {GREEN: 100, "blue": 0}}}
    assert deploy_hook.handler(done, None) == {"hookStatus": "SUCCEEDED"}


# --------------------------------------------------------------------------------------------
# pinned_request: the ALB's address, the host name's TLS
# --------------------------------------------------------------------------------------------


@dataclass
class Seen:
    requests: list[dict[str, Any]] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)


def serve(tls: ssl.SSLContext | None = None) -> tuple[Any, Seen]:
    seen = Seen()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.requests.append({"path": self.path, "host": self.headers.get("Host"),
                                  "test": self.headers.get("X-Groundwork-Test"),
                                  "peer": self.client_address[0]})
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        tls.sni_callback = lambda sock, name, ctx: seen.sni.append(name)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def settings(scheme: str, port: int) -> deploy_hook.Settings:
    return deploy_hook.Settings(checks=[Check()], scheme=scheme, port=port, host=HOST,
                                test_header="X-Groundwork-Test", test_header_value="api",
                                load_balancer=LB)


def test_pinned_http_goes_to_the_address_with_the_host_and_test_header():
    server, seen = serve()
    try:
        port = server.server_address[1]
        request = deploy_hook.pinned_request(settings("http", port), ["127.0.0.1"])
        status, body, seconds = request("GET", "/health", timeout=5)
        assert (status, json.loads(body)) == (200, {"status": "ok"}) and 0 <= seconds < 5
    finally:
        server.shutdown()
        server.server_close()
    assert seen.requests == [{"path": "/health", "host": f"{HOST}:{port}", "test": "api",
                              "peer": "127.0.0.1"}]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for HOST (EC key: quick to make)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def test_pinned_https_sends_sni_and_verifies_the_certificate_against_the_host(certificate):
    cert, key = certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    server, seen = serve(server_tls)
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        port = server.server_address[1]
        request = deploy_hook.pinned_request(settings("https", port), ["127.0.0.1"], context=trust)
        assert request("GET", "/health/ready", timeout=5)[0] == 200
        # the same address under a name the certificate does not cover: refused
        other = replace(settings("https", port), host="other.example.test")
        bad = deploy_hook.pinned_request(other, ["127.0.0.1"], context=trust)
        report = run_checks([Check(path="/health", requests=1)], bad)
    finally:
        server.shutdown()
        server.server_close()
    assert seen.sni[0] == HOST and ipaddress.ip_address(seen.requests[0]["peer"]).is_loopback
    assert seen.requests[0]["host"] == f"{HOST}:{port}"
    [reason] = report.reasons
    assert reason.startswith("GET /health: TLS ") and "other.example.test" in reason


def test_requests_rotate_over_the_addresses(monkeypatch):
    used: list[str] = []

    class Conn:
        def __init__(self, host: str, port: int, *, address: str, **_: Any):
            used.append(address)

        def request(self, *a: Any, **k: Any) -> None:
            pass

        def getresponse(self) -> Any:
            class R:
                status = 200

                def read(self, n: int) -> bytes:
                    return b""
            return R()

        def close(self) -> None:
            pass

    monkeypatch.setattr(deploy_hook, "_PinnedHTTPSConnection", Conn)
    request = deploy_hook.pinned_request(settings("https", 443), ["10.0.0.7", "10.0.1.9"])
    for _ in range(3):
        request("GET", "/", timeout=1)
    assert used == ["10.0.0.7", "10.0.1.9", "10.0.0.7"]


# --------------------------------------------------------------------------------------------
# the file ships alone
# --------------------------------------------------------------------------------------------


def test_the_function_file_needs_only_what_the_lambda_runtime_has():
    """The Lambda gets this one file: the standard library and boto3/botocore only."""
    tree = ast.parse(Path(deploy_hook.__file__).read_text())
    imported = {((n.module or "") if isinstance(n, ast.ImportFrom) else a.name).split(".")[0]
                for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
                for a in (n.names if isinstance(n, ast.Import) else [n])}
    assert "groundwork" not in imported
    outside = {m for m in imported if m not in sys.stdlib_module_names} - {"boto3", "botocore"}
    assert not outside, outside
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level], \
        "no relative imports: the file is the function's only module"
    assert callable(deploy_hook.handler)


def test_prods_hook_function_reads_its_environment_as_the_configured_checks(prod):
    """The planned function's variables are what the hook reads: prod's three smoke checks,
    through the test rule's header, within Lambda's 4 KB of environment."""
    [fn] = [r for r in prod.of_type("aws:lambda/function:Function") if r.name == "api-deploy-hook"]
    env = fn.inputs["environment"]["variables"]
    settings = deploy_hook.read_environment(env)
    assert [(c.name, c.json_key, c.requests, c.p95_ms) for c in settings.checks] == [
        ("GET /health", "status", 5, 1000), ("GET /health/ready", None, 5, 1000),
        ("GET /api/v1/products", None, 10, 800)]
    assert (settings.scheme, settings.port, settings.test_header, settings.test_header_value) == (
        "https", 443, "X-Groundwork-Test", "api")
    assert settings.load_balancer.startswith("app/groundwork-prod-alb/")
    assert sum(len(k) + len(v) for k, v in env.items()) < 4096
    assert fn.inputs["handler"] == "deploy_hook.handler"
