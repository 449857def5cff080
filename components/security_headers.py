"""Security response headers, one set of settings for the ALB and for CloudFront.

`SecurityHeadersSettings` holds the headers (each `None` switches it off); two pure functions turn
them into what each edge takes:

- `listener_header_attributes(s)`: keyword arguments of `aws.lb.Listener` (ALB header
  modification: the ALB adds each header to every response, replacing a value the target sent;
  AWS, "HTTP header modification for your Application Load Balancer", Add response headers);
- `response_headers_policy_config(s)`: the `security_headers_config` of a CloudFront
  `aws.cloudfront.ResponseHeadersPolicy`, every header with `override=True` (the origin can't
  weaken it).

Switching a header off on the ALB: the listener attributes are Optional + Computed in the
provider, so a value that disappears from the program is NOT removed from the listener (the
provider keeps reading the old one back, and shows no diff). An ALB response header is off when
its attribute is empty (AWS: "By default, these headers are empty... the load balancer doesn't
modify this response header"), so a header switched off here is set to "" explicitly
(`HEADER_OFF`). Caveat: terraform-provider-aws (which pulumi-aws wraps) skips empty strings
when it sends attributes (internal/service/elbv2/listener.go, `expand`: `if v != ""`;
hashicorp/terraform-provider-aws#42513 and #43042, open), so on a listener that already sent the
header, "" shows as a diff on every `pulumi preview` until the header is cleared in the console or
with `aws elbv2 modify-listener-attributes` (docs/edge.md#security-headers): a visible drift
instead of a silent one. A new listener starts without it. The Server header is a bool the
provider always sends.

Limits checked here (mocks check none of them): a listener attribute value is at most 1 KiB
("The value for the attribute can not exceed 1K bytes in size", the ELB API's error as quoted in
public code; the API reference states no length) and printable ASCII (the ALB refuses a value
with quotes in HSTS as "contains invalid characters", kubernetes-sigs/aws-load-balancer-controller
#4097).
"""

from __future__ import annotations

import re
from typing import Any, Literal

import pulumi_aws as aws
from pydantic import field_validator

from groundwork.components.args import ArgsModel

HSTS_MIN_MAX_AGE = 31_536_000
"""One year in seconds: the least max-age groundwork accepts (and hstspreload.org requires)."""
ATTRIBUTE_MAX_BYTES = 1024
"""Longest ELB listener attribute value ("can not exceed 1K bytes")."""
HEADER_OFF = ""
"""The value of an ALB response-header attribute that means "don't add this header"."""
FRAME_OPTIONS = ("DENY", "SAMEORIGIN")
REFERRER_POLICIES = (
    "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
    "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
)
"""W3C Referrer Policy §3 (the values CloudFront's ReferrerPolicy takes)."""
ReferrerPolicy = Literal[
    "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
    "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
]
DEFAULT_CSP = ("default-src 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'; "
               "form-action 'self'; upgrade-insecure-requests")
"""Same-origin everything, no plugins, no framing, no <base> or form hijack; an API's JSON is
unaffected, and a simple app that serves its own scripts and styles (no inline ones) works."""

_PRINTABLE = re.compile(r"^[\x20-\x7e]+$")
_DIRECTIVE_NAME = re.compile(r"^[A-Za-z0-9-]+$")

ATTRIBUTES = {
    "strict_transport_security": "routing_http_response_strict_transport_security_header_value",
    "content_type_options": "routing_http_response_x_content_type_options_header_value",
    "frame_options": "routing_http_response_x_frame_options_header_value",
    "content_security_policy": "routing_http_response_content_security_policy_header_value",
}
"""Setting -> the `aws.lb.Listener` argument that carries it."""
SERVER_ATTRIBUTE = "routing_http_response_server_enabled"


def _header_value(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{what} is empty; give a value, or null to switch the header off")
    if not _PRINTABLE.match(value):
        raise ValueError(f"{what} may only hold printable ASCII on one line (no newlines, tabs or "
                         "control characters): an HTTP header value, and the ALB refuses others")
    size = len(value.encode())
    if size > ATTRIBUTE_MAX_BYTES:
        raise ValueError(f"{what} is {size} bytes; an ALB listener attribute holds at most "
                         f"{ATTRIBUTE_MAX_BYTES}")
    return value


def check_hsts(value: str) -> str:
    """A Strict-Transport-Security value groundwork accepts: `max-age=<seconds>` of at least a
    year, `includeSubDomains`, optionally `preload`, each once, nothing else (RFC 6797 §6.1)."""
    value = _header_value(value, "strict_transport_security")
    seen: dict[str, str] = {}
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        name, eq, arg = (s.strip() for s in part.partition("="))
        key = name.lower()
        if key in seen:
            raise ValueError(f"strict_transport_security: directive {name!r} appears twice "
                             "(RFC 6797 §6.1: each directive at most once)")
        if key == "max-age":
            if not eq or not arg.isdigit():
                raise ValueError(f"strict_transport_security: max-age must be a whole number of "
                                 f"seconds without quotes, got {part!r}")
        elif key in ("includesubdomains", "preload"):
            if eq:
                raise ValueError(f"strict_transport_security: {name} takes no value, got {part!r}")
        else:
            raise ValueError(f"strict_transport_security: unknown directive {part!r}; allowed: "
                             "max-age=<seconds>, includeSubDomains, preload")
        seen[key] = arg
    if "max-age" not in seen:
        raise ValueError(f"strict_transport_security: max-age is missing (e.g. max-age="
                         f"{2 * HSTS_MIN_MAX_AGE}; includeSubDomains)")
    if int(seen["max-age"]) < HSTS_MIN_MAX_AGE:
        raise ValueError(f"strict_transport_security: max-age {seen['max-age']} is below one year "
                         f"({HSTS_MIN_MAX_AGE} s); a shorter pin leaves a window for downgrade "
                         "attacks (switch the header off with null instead)")
    if "includesubdomains" not in seen:
        raise ValueError("strict_transport_security: includeSubDomains is required (an HTTP "
                         "subdomain could otherwise set cookies for the app's domain)")
    return value


def check_frame_options(value: str) -> str:
    value = _header_value(value, "frame_options").upper()
    if value.startswith("ALLOW-FROM"):
        raise ValueError("frame_options ALLOW-FROM is obsolete: current browsers ignore it (and "
                         "then allow framing); use DENY or SAMEORIGIN and list the allowed parents "
                         "in content_security_policy's frame-ancestors")
    if value not in FRAME_OPTIONS:
        raise ValueError(f"frame_options must be DENY or SAMEORIGIN, got {value!r}")
    return value


def check_csp(value: str) -> str:
    """A Content-Security-Policy value: `;`-separated directives `<name> <values...>`."""
    value = _header_value(value, "content_security_policy")
    names: list[str] = []
    for directive in (d.strip() for d in value.split(";")):
        if not directive:
            continue
        name = directive.split()[0]
        if not _DIRECTIVE_NAME.match(name):
            raise ValueError(f"content_security_policy: {name!r} is not a directive name "
                             "(letters, digits and hyphens, e.g. default-src)")
        names.append(name.lower())
    if not names:
        raise ValueError("content_security_policy has no directive; give e.g. default-src 'self'")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"content_security_policy: {', '.join(twice)} appear(s) twice; browsers "
                         "ignore every repeat (CSP 3 §2.2.1), so the policy isn't what it reads")
    return value


class SecurityHeadersSettings(ArgsModel):
    """Security headers the edge adds to every response (the ALB's HTTPS listener; CloudFront's
    response-headers policy). null switches a header off."""

    strict_transport_security: str | None = "max-age=63072000; includeSubDomains"
    """Strict-Transport-Security (default max-age=63072000; includeSubDomains: two years, the
    hstspreload.org recommendation; max-age >= 1 year and includeSubDomains are required,
    `preload` may be added). Sent over HTTPS only: browsers ignore it over HTTP."""
    content_type_options: Literal["nosniff"] | None = "nosniff"
    """X-Content-Type-Options (default nosniff, its only value: browsers don't guess a script out
    of a text or JSON response)."""
    frame_options: str | None = "DENY"
    """X-Frame-Options, DENY or SAMEORIGIN (default DENY: no site may frame the app, no
    clickjacking; ALLOW-FROM is obsolete and refused)."""
    content_security_policy: str | None = DEFAULT_CSP
    """Content-Security-Policy (default: same-origin sources only, no plugins, no framing, no
    <base>/form hijack). ONE value for every service behind the listener; an app that needs inline
    scripts or third-party sources must widen it here. At most 1024 bytes (an ALB attribute)."""
    referrer_policy: ReferrerPolicy | None = "strict-origin-when-cross-origin"
    """Referrer-Policy (default strict-origin-when-cross-origin, browsers' own default: only the
    origin leaves the site). CloudFront only: the ALB has no such attribute."""
    server_header: bool = False
    """Send the ALB's `Server: awselb/2.0` header (default false: it tells an attacker what
    answers, and no client needs it)."""

    @field_validator("strict_transport_security")
    @classmethod
    def _hsts(cls, v: str | None) -> str | None:
        return None if v is None else check_hsts(v)

    @field_validator("frame_options")
    @classmethod
    def _frame(cls, v: str | None) -> str | None:
        return None if v is None else check_frame_options(v)

    @field_validator("content_security_policy")
    @classmethod
    def _csp(cls, v: str | None) -> str | None:
        return None if v is None else check_csp(v)


def listener_header_attributes(s: SecurityHeadersSettings, *, https: bool = True) -> dict[str, Any]:
    """Keyword arguments of `aws.lb.Listener` for `s` (pure). A header switched off is set to
    `HEADER_OFF` explicitly (the attributes are Computed: leaving one out would keep an old value).
    `https=False` (a listener serving plain HTTP, the `http_only` escape) leaves HSTS off:
    browsers ignore it over HTTP (RFC 6797 §8.1)."""
    values = {
        "strict_transport_security": s.strict_transport_security if https else None,
        "content_type_options": s.content_type_options,
        "frame_options": s.frame_options,
        "content_security_policy": s.content_security_policy,
    }
    out: dict[str, Any] = {ATTRIBUTES[k]: HEADER_OFF if v is None else v for k, v in values.items()}
    out[SERVER_ATTRIBUTE] = s.server_header
    return out


def hsts_directives(value: str) -> tuple[int, bool, bool]:
    """(max-age, includeSubDomains, preload) of a checked HSTS value."""
    parts = {p.strip().partition("=")[0].strip().lower(): p.strip().partition("=")[2].strip()
             for p in value.split(";") if p.strip()}
    return int(parts["max-age"]), "includesubdomains" in parts, "preload" in parts


def response_headers_policy_config(
        s: SecurityHeadersSettings) -> aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs:
    """The `security_headers_config` of a CloudFront response-headers policy for `s` (pure):
    each header that is on, `override=True`; a header switched off is left out
    (UpdateResponseHeadersPolicy replaces the whole policy, so leaving one out removes it)."""
    cf = aws.cloudfront
    kwargs: dict[str, Any] = {}
    if s.strict_transport_security is not None:
        max_age, subdomains, preload = hsts_directives(s.strict_transport_security)
        hsts = cf.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs
        kwargs["strict_transport_security"] = hsts(
            access_control_max_age_sec=max_age, include_subdomains=subdomains,
            preload=preload or None, override=True)
    if s.content_type_options is not None:
        kwargs["content_type_options"] = cf.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
            override=True)
    if s.frame_options is not None:
        kwargs["frame_options"] = cf.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
            frame_option=s.frame_options, override=True)
    if s.content_security_policy is not None:
        kwargs["content_security_policy"] = (
            cf.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs(
                content_security_policy=s.content_security_policy, override=True))
    if s.referrer_policy is not None:
        kwargs["referrer_policy"] = cf.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
            referrer_policy=s.referrer_policy, override=True)
    return cf.ResponseHeadersPolicySecurityHeadersConfigArgs(**kwargs)
