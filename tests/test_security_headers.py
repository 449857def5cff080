"""Security headers at the edge (issue 13, components/security_headers.py): the HTTPS listener
of both stacks carries HSTS, nosniff, X-Frame-Options and the CSP and drops Server; port 80
carries none; a CSP set through config reaches the listener; a header switched off is set to the
clearing value (never left out: the attributes are Computed); the checks on each value; the
CloudFront form of the same settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from groundwork.components.security_headers import (
    ATTRIBUTE_MAX_BYTES,
    DEFAULT_CSP,
    HEADER_OFF,
    SecurityHeadersSettings,
    listener_header_attributes,
    response_headers_policy_config,
)
from groundwork.engine import plan_stack

LISTENER = "aws:lb/listener:Listener"
HSTS = "routingHttpResponseStrictTransportSecurityHeaderValue"
NOSNIFF = "routingHttpResponseXContentTypeOptionsHeaderValue"
FRAME = "routingHttpResponseXFrameOptionsHeaderValue"
CSP = "routingHttpResponseContentSecurityPolicyHeaderValue"
SERVER = "routingHttpResponseServerEnabled"
DEFAULTS = {HSTS: "max-age=63072000; includeSubDomains", NOSNIFF: "nosniff", FRAME: "DENY",
            CSP: DEFAULT_CSP, SERVER: False}
CUSTOM_CSP = "default-src 'self'; img-src 'self' https://cdn.example.com; frame-ancestors 'none'"


def listener(plan, port: int):
    [found] = [li for li in plan.of_type(LISTENER) if li.inputs["port"] == port]
    return found


def headers(record) -> dict[str, object]:
    return {k: v for k, v in record.inputs.items() if k.startswith("routingHttpResponse")}


@pytest.fixture(scope="module")
def custom():
    """prod with its own CSP and X-Frame-Options switched off, through config."""
    return plan_stack("prod", overrides={"load_balancer": {"security_headers": {
        "content_security_policy": CUSTOM_CSP, "frame_options": None}}})


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_https_listener_carries_the_four_headers_and_http_none(stack, request):
    plan = request.getfixturevalue(stack)
    https = listener(plan, 443)
    assert https.inputs["protocol"] == "HTTPS"
    assert headers(https) == DEFAULTS
    assert DEFAULTS[HSTS].startswith("max-age=63072000")  # two years >= the one-year floor
    # port 80 only redirects: no header attribute at all (no diff on it either)
    assert headers(listener(plan, 80)) == {}


def test_csp_set_through_config_reaches_the_listener_and_off_is_explicit(custom, prod):
    https = listener(custom, 443)
    assert https.inputs[CSP] == CUSTOM_CSP != listener(prod, 443).inputs[CSP]
    # switched off: set to the clearing value, not left out (Computed: omitted keeps the old one)
    assert FRAME in https.inputs and https.inputs[FRAME] == HEADER_OFF == ""
    # the others keep their defaults
    assert {k: https.inputs[k] for k in (HSTS, NOSNIFF, SERVER)} == {
        HSTS: DEFAULTS[HSTS], NOSNIFF: "nosniff", SERVER: False}


def test_every_header_switched_off_gets_the_clearing_value():
    off = SecurityHeadersSettings(strict_transport_security=None, content_type_options=None,
                                  frame_options=None, content_security_policy=None,
                                  server_header=True)
    attrs = listener_header_attributes(off)
    assert attrs == {
        "routing_http_response_strict_transport_security_header_value": "",
        "routing_http_response_x_content_type_options_header_value": "",
        "routing_http_response_x_frame_options_header_value": "",
        "routing_http_response_content_security_policy_header_value": "",
        "routing_http_response_server_enabled": True,
    }


def test_plain_http_listener_never_gets_hsts():
    attrs = listener_header_attributes(SecurityHeadersSettings(), https=False)
    assert attrs["routing_http_response_strict_transport_security_header_value"] == HEADER_OFF
    assert attrs["routing_http_response_x_frame_options_header_value"] == "DENY"


@pytest.mark.parametrize("value", [
    "max-age=63072000; includeSubDomains", "max-age=31536000; includeSubDomains; preload",
    "includeSubDomains; max-age=31536000", "MAX-AGE=31536000;includesubdomains",
])
def test_hsts_accepted(value: str):
    assert SecurityHeadersSettings(strict_transport_security=value).strict_transport_security


@pytest.mark.parametrize(("value", "says"), [
    ("max-age=31535999; includeSubDomains", "below one year"),
    ("max-age=63072000", "includeSubDomains is required"),
    ("includeSubDomains", "max-age is missing"),
    ('max-age="63072000"; includeSubDomains', "without quotes"),
    ("max-age=63072000; includeSubDomains; preload=yes", "takes no value"),
    ("max-age=63072000; includeSubDomains; max-age=1", "twice"),
    ("max-age=63072000; includeSubDomains; always", "unknown directive"),
    ("max-age=63072000;\nincludeSubDomains", "printable ASCII"),
    ("", "empty"),
])
def test_hsts_refused(value: str, says: str):
    with pytest.raises(ValidationError, match=says):
        SecurityHeadersSettings(strict_transport_security=value)


@pytest.mark.parametrize(("value", "says"), [
    ("ALLOW-FROM https://partner.example.com", "obsolete"),
    ("allow", "DENY or SAMEORIGIN"),
])
def test_frame_options_refused(value: str, says: str):
    with pytest.raises(ValidationError, match=says):
        SecurityHeadersSettings(frame_options=value)


def test_frame_options_are_normalized():
    assert SecurityHeadersSettings(frame_options="sameorigin").frame_options == "SAMEORIGIN"


@pytest.mark.parametrize(("value", "says"), [
    ("default-src 'self'\r\nX-Injected: 1", "printable ASCII"),
    ("default-src 'self'; script-src \u00e9", "printable ASCII"),
    ("default-src " + "a" * ATTRIBUTE_MAX_BYTES, "at most 1024"),
    ("   ", "empty"),
    (";;", "no directive"),
    ("default-src 'self'; default-src https:", "twice"),
    ("default_src 'self'", "not a directive name"),
])
def test_csp_refused(value: str, says: str):
    with pytest.raises(ValidationError, match=says):
        SecurityHeadersSettings(content_security_policy=value)


def test_referrer_policy_is_a_w3c_value_and_nosniff_the_only_content_type_option():
    with pytest.raises(ValidationError):
        SecurityHeadersSettings(referrer_policy="never")
    with pytest.raises(ValidationError):
        SecurityHeadersSettings(content_type_options="sniff")


def test_cloudfront_policy_carries_the_same_headers_with_override():
    config = response_headers_policy_config(SecurityHeadersSettings(
        strict_transport_security="max-age=31536000; includeSubDomains; preload"))
    hsts = config.strict_transport_security
    assert (hsts.access_control_max_age_sec, hsts.include_subdomains, hsts.preload,
            hsts.override) == (31536000, True, True, True)
    assert config.content_type_options.override is True
    assert (config.frame_options.frame_option, config.frame_options.override) == ("DENY", True)
    assert config.content_security_policy.content_security_policy == DEFAULT_CSP
    assert config.content_security_policy.override is True
    assert (config.referrer_policy.referrer_policy, config.referrer_policy.override) == (
        "strict-origin-when-cross-origin", True)
    # a header switched off is not in the policy
    off = response_headers_policy_config(SecurityHeadersSettings(frame_options=None,
                                                                 referrer_policy=None))
    assert off.frame_options is None and off.referrer_policy is None


def test_cloudfront_policy_takes_the_configured_values_not_the_defaults():
    """Every header value of the policy is the setting's (each differs from its default)."""
    csp = "default-src 'none'; frame-ancestors 'none'"
    config = response_headers_policy_config(SecurityHeadersSettings(
        content_security_policy=csp, frame_options="SAMEORIGIN", referrer_policy="no-referrer",
        strict_transport_security="max-age=31536000; includeSubDomains"))
    assert config.content_security_policy.content_security_policy == csp
    assert config.frame_options.frame_option == "SAMEORIGIN"
    assert config.referrer_policy.referrer_policy == "no-referrer"
    hsts = config.strict_transport_security
    assert (hsts.access_control_max_age_sec, hsts.include_subdomains, hsts.preload) == (
        31536000, True, None)
