"""Smoke-check settings (components/smoke.py): what a check may say, the checks a service runs,
and the hook's CHECKS variable."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from groundwork.components import smoke
from groundwork.components.deploy_hook import Check, json_lookup
from groundwork.components.service import FargateServiceSettings
from groundwork.components.smoke import SmokeCheckSettings, effective_checks, hook_environment_checks


@pytest.mark.parametrize("key", ["status", "data.items", "data.items.0.id", "0", "checks.db-primary"])
def test_json_keys_are_dotted_paths(key):
    assert SmokeCheckSettings(json_key=key).json_key == key


@pytest.mark.parametrize("key", ["", ".status", "status.", "data..items", "data[0]", "a b", "9lives"])
def test_other_json_keys_are_refused_naming_the_key(key):
    with pytest.raises(ValidationError, match=r"json_key .* must be a dotted path"):
        SmokeCheckSettings(json_key=key)


@pytest.mark.parametrize("key", ["body_contains", "json_key"])
def test_a_body_check_on_head_is_refused_naming_the_key(key):
    with pytest.raises(ValidationError, match=rf"{key} needs a body; a HEAD response has none"):
        SmokeCheckSettings(method="HEAD", **{key: "status"})
    assert SmokeCheckSettings(method="GET", **{key: "status"})


def test_a_budget_over_the_timeout_is_refused():
    with pytest.raises(ValidationError, match=r"p95_ms 6000 is over timeout_seconds 5"):
        SmokeCheckSettings(p95_ms=6000, timeout_seconds=5)
    assert SmokeCheckSettings(p95_ms=5000, timeout_seconds=5)


def test_a_check_that_could_outlast_its_share_of_the_hook_is_refused():
    with pytest.raises(ValidationError, match=r"requests x timeout_seconds is 150 s, over 120 s"):
        SmokeCheckSettings(requests=50, timeout_seconds=3)
    assert SmokeCheckSettings(requests=40, timeout_seconds=3)


def test_smoke_checks_are_web_only_and_named_once():
    with pytest.raises(ValidationError, match=r"smoke_checks apply to web services only"):
        FargateServiceSettings(kind="worker", smoke_checks=[SmokeCheckSettings()])
    with pytest.raises(ValidationError, match=r"smoke_checks has GET /health more than once"):
        FargateServiceSettings(kind="web", port=8000, smoke_checks=[
            SmokeCheckSettings(), SmokeCheckSettings(requests=2), SmokeCheckSettings(method="HEAD")])


def test_without_smoke_checks_a_service_gets_its_health_check():
    web = FargateServiceSettings(kind="web", port=8000,
                                 health_check={"path": "/healthz", "matcher": "204-299,301"})
    assert effective_checks(web) == [SmokeCheckSettings(path="/healthz", status=204)]
    assert effective_checks(FargateServiceSettings(kind="worker")) == []
    listed = [SmokeCheckSettings(path="/api/v1/products", requests=10, p95_ms=800)]
    web = FargateServiceSettings(kind="web", port=8000, smoke_checks=listed)
    assert effective_checks(web) == listed


def test_the_hook_variable_is_the_dumps_and_refused_over_3_kb():
    checks = [SmokeCheckSettings(path="/health", json_key="status"),
              SmokeCheckSettings(path="/api/v1/products", requests=10, p95_ms=800)]
    text = hook_environment_checks(checks)
    assert json.loads(text) == [c.model_dump() for c in checks]
    assert [Check.parse(c) for c in json.loads(text)] == [Check(**c.model_dump()) for c in checks]
    many = [SmokeCheckSettings(path=f"/api/v1/{'x' * 40}/{i}", body_contains="y" * 150)
            for i in range(12)]
    with pytest.raises(ValueError, match=r"smoke_checks take \d+ bytes as the hook's CHECKS "
                                         r"variable, over 3072"):
        hook_environment_checks(many)


@given(st.recursive(st.integers() | st.text(max_size=3),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,3}", fullmatch=True), inner,
                                      max_size=3), max_leaves=10))
def test_every_path_the_validator_takes_is_found_where_it_points(document):
    """Each path to a value in a JSON document is a valid json_key, and the hook finds it."""
    def paths(node, prefix):
        yield prefix
        items = enumerate(node) if isinstance(node, list) else node.items() if isinstance(node, dict) else ()
        for key, child in items:
            yield from paths(child, [*prefix, str(key)])

    for path in paths(document, []):
        if not path:
            continue
        key = ".".join(path)
        assert SmokeCheckSettings(json_key=key).json_key == key
        expected = document
        for part in path:
            expected = expected[int(part)] if isinstance(expected, list) else expected[part]
        assert json_lookup(document, key) == expected


def test_first_status_of_a_matcher():
    assert [smoke.first_status(m) for m in ("200", "200-299", "301,200", " 204 ")] == [200, 200, 301, 204]
