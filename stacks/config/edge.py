"""The `edge` section: what stands in front of the services on the internet.

`mode` picks the entry point: `alb` (default; the shared ALB faces the internet) or
`cloudfront` (a CloudFront distribution in front, the ALB internal behind a VPC origin). The
shorthand `groundwork:edge: cloudfront` means `{mode: cloudfront}`. The sub-sections are the edge
components' settings: `waf` (components/web_firewall.py), `dns` (components/domain_records.py)
and `cloudfront` (components/cloudfront.py). See docs/edge.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from groundwork.components.web_firewall import WebFirewallSettings
from groundwork.stacks.config._base import _Strict
from groundwork.stacks.config.cloudfront import CloudFrontConfig
from groundwork.stacks.config.dns import DnsConfig

__all__ = ["EDGE_MODES", "EdgeConfig", "WebFirewallConfig"]

EDGE_MODES = ("alb", "cloudfront")


class WebFirewallConfig(_Strict, WebFirewallSettings):
    """The web ACL in front of the app (the `WebFirewall` component's settings): AWS managed
    rule groups, a rate limit, allow/deny lists, logging to an `aws-waf-logs-` group on the logs
    key. Metrics on every rule and the redaction of authorization and cookie are always on.
    `sql_injection` follows `database.enabled` unless set here."""

    enabled: bool = True
    """Create the web ACL (default true; the dev profile sets false: $5 + $1 a rule a month
    plus requests)."""


class EdgeConfig(_Strict):
    """The internet edge: entry point, web firewall, DNS records and CloudFront."""

    mode: Literal["alb", "cloudfront"] = "alb"
    """Entry point (default alb: the shared ALB faces the internet, one hop, no CDN bill;
    cloudfront puts a distribution in front and makes the ALB internal)."""
    cloudfront: CloudFrontConfig = Field(default_factory=CloudFrontConfig)
    """The CloudFront distribution (used with mode cloudfront; stacks/config/cloudfront.py)."""
    waf: WebFirewallConfig = Field(default_factory=WebFirewallConfig)
    """The AWS WAF web ACL: on the ALB in alb mode, on the distribution in cloudfront mode."""
    dns: DnsConfig = Field(default_factory=DnsConfig)
    """The app's alias records in Route 53 and the optional health check
    (stacks/config/dns.py)."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # `groundwork:edge: cloudfront` is the same as `{mode: cloudfront}`.
        if isinstance(value, str):
            return {"mode": value}
        return value
