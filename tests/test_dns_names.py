"""DNS-name validation (issue 13, components/dns_names.py): property tests over generated valid
names and over mutations that break each rule, the certificate-coverage rule, and the config:
`certificate.domain: 10.0.0.0/33` and an uncovered host header are refused naming the key."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from groundwork.components.dns_names import (
    MAX_NAME_LENGTH,
    check_dns_name,
    covered_by,
    covers,
    record_key,
    validation_key,
)
from groundwork.components.load_balancer import CertificateSettings
from groundwork.components.service import RoutingSettings
from groundwork.stacks.config import ConfigError, load_environment
from groundwork.stacks.loader import read_stack_file

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
label = st.builds(
    lambda first, middle, last: first + middle + last if middle or last else first,
    st.sampled_from(ALNUM), st.text(ALNUM + "-", max_size=20), st.text(ALNUM, max_size=1),
).filter(lambda s: not s.endswith("-"))
tld = st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6)
name = st.builds(lambda labels, top: ".".join([*labels, top]), st.lists(label, min_size=1,
                                                                        max_size=4), tld)


def refused(value: str) -> str:
    with pytest.raises(ValueError) as info:
        check_dns_name(value, what="certificate.domain")
    return str(info.value)


@settings(max_examples=200)
@given(name)
def test_generated_valid_names_are_accepted_and_normalized(value: str):
    assert check_dns_name(value, what="x") == value
    assert check_dns_name(value.upper() + ".", what="x") == value  # case and one trailing dot
    assert check_dns_name(f"*.{value}", what="x") == f"*.{value}"  # a leftmost wildcard


@settings(max_examples=100)
@given(name, st.sampled_from("_ !@/:;,+=~"), st.integers(0, 1000))
def test_a_character_outside_letters_digits_hyphens_is_refused(value: str, bad: str, at: int):
    at %= len(value)
    mutated = value[:at] + bad + value[at:]
    msg = refused(mutated)
    assert "certificate.domain" in msg


@settings(max_examples=50)
@given(name)
def test_hyphen_first_or_last_in_a_label_is_refused(value: str):
    first, _, rest = value.partition(".")
    assert "RFC 1123" in refused(f"-{first}.{rest}")
    assert "RFC 1123" in refused(f"{first}-.{rest}")


@settings(max_examples=50)
@given(name)
def test_a_label_over_63_is_refused(value: str):
    assert "at most 63" in refused("a" * 64 + "." + value)
    assert check_dns_name("a" * 63 + "." + value, what="x")


@settings(max_examples=50)
@given(name)
def test_a_name_over_253_is_refused(value: str):
    long = ".".join(["a" * 50] * 5) + "." + value
    assert len(long) > MAX_NAME_LENGTH
    assert "at most 253" in refused(long)


@settings(max_examples=50)
@given(name)
def test_a_wildcard_anywhere_but_the_whole_leftmost_label_is_refused(value: str):
    first, _, rest = value.partition(".")
    for mutated in (f"{first}.*.{rest}", f"a*.{value}", f"{first}?.{rest}", f"*{first}.{rest}"):
        assert "wildcard" in refused(mutated)


@settings(max_examples=50)
@given(tld)
def test_a_single_label_or_a_bare_wildcard_tld_is_refused(top: str):
    assert "single label" in refused(top)
    assert "wildcard needs at least two labels" in refused(f"*.{top}")


@pytest.mark.parametrize(("value", "says"), [
    ("10.0.0.0/33", "CIDR"), ("10.0.0.1", "IP address"), ("::1", "IP address"),
    ("2001:db8::/32", "CIDR"), ("1.2.3.4.5", "all digits"), ("a..example.com", "empty label"),
    ("", "empty"), (".", "empty"),
])
def test_ip_addresses_cidrs_and_empty_labels_are_refused(value: str, says: str):
    assert says in refused(value)


def test_coverage_is_exact_or_one_level_of_wildcard():
    assert covers("app.example.com", "app.example.com")
    assert covers("*.example.com", "api.example.com")
    assert covers("*.example.com", "*.example.com")
    assert not covers("*.example.com", "example.com")
    assert not covers("*.example.com", "a.b.example.com")
    assert not covers("app.example.com", "*.example.com")
    assert not covers("app.example.com", "api.example.com")
    assert covered_by(["example.com", "*.example.com"], "www.example.com")


def test_a_wildcard_and_its_apex_share_a_validation_key_and_keys_stay_distinct():
    assert validation_key("*.example.com") == validation_key("example.com") == "example.com"
    assert record_key("*.example.com") == "_wildcard.example.com"
    # no DNS name has an underscore, so a real `wildcard.example.com` keeps its own key
    assert record_key("wildcard.example.com") != record_key("*.example.com")


def test_settings_models_check_their_domains():
    with pytest.raises(ValidationError, match="CIDR"):
        CertificateSettings(domain="10.0.0.0/33", zone_id="Z0123456789ABCDEFGHIJ")
    with pytest.raises(ValidationError, match="wildcard"):
        RoutingSettings(host_headers=["api.*.example.com"])
    assert RoutingSettings(host_headers=["API.Example.com."]).host_headers == ["api.example.com"]
    with pytest.raises(ValidationError, match="repeat"):
        CertificateSettings(domain="app.example.com", zone_id="Z0123456789ABCDEFGHIJ",
                            alternative_names=["APP.example.com"])


# -- through the config loader ------------------------------------------------------------------


def prod_config(**overrides: Any) -> dict[str, Any]:
    from groundwork.stacks.config import deep_merge

    return deep_merge(copy.deepcopy(read_stack_file("prod").namespace), overrides)


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_environment(raw, stack="prod", region="us-east-1")
    return info.value.problems


def test_certificate_domain_cidr_is_refused_with_the_key_named():
    found = problems(prod_config(load_balancer={"certificate": {"domain": "10.0.0.0/33"}}))
    assert any(p.startswith("groundwork:load_balancer.certificate.domain:") and "CIDR" in p
               for p in found), found


def test_host_header_not_covered_by_the_certificate_is_refused_naming_the_service():
    raw = prod_config()
    raw["services"][0]["routing"] = {"host_headers": ["api.example.com"]}
    found = problems(raw)
    assert any(p.startswith("groundwork:services[api].routing.host_headers:")
               and "api.example.com" in p and "not covered" in p for p in found), found
    # a wildcard SAN covers it (one level), and the config loads
    raw = prod_config(load_balancer={"certificate": {"alternative_names": ["*.example.com"]}})
    raw["services"][0]["routing"] = {"host_headers": ["api.example.com"]}
    env = load_environment(raw, stack="prod", region="us-east-1")
    assert env.dns_domains() == ["app.example.com", "*.example.com", "api.example.com"]


def test_dns_zone_without_any_domain_and_records_without_a_zone_are_refused():
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    cert = {"certificate": {"arn": arn, "domain": None, "zone_id": None}}
    found = problems(prod_config(load_balancer=cert, edge={"dns": {"zone_id": "Z0123456789ABCDEFGHIJ"}}))
    assert any(p.startswith("groundwork:edge.dns.zone_id:") for p in found), found
    found = problems(prod_config(load_balancer=cert, edge={"dns": {"records": True}}))
    assert any(p.startswith("groundwork:edge.dns.records:") for p in found), found
    # an arn and no zone: valid, and no domain is known (no records)
    env = load_environment(prod_config(load_balancer=cert), stack="prod", region="us-east-1")
    assert env.dns_zone_id is None and env.dns_domains() == []
