"""The `edge` section: what stands in front of the services on the internet.

`mode` picks the entry point: `alb` (default; the shared ALB faces the internet) or
`cloudfront` (a CloudFront distribution in front, the ALB internal behind a VPC origin). The
shorthand `groundwork:edge: cloudfront` means `{mode: cloudfront}`. The sub-sections are the edge
components' settings: `waf` (components/web_firewall.py), `dns` (components/domain_records.py)
and `cloudfront` (components/cloudfront.py). See docs/edge.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from groundwork.stacks.config._base import _Strict

__all__ = ["EDGE_MODES", "EdgeConfig"]

EDGE_MODES = ("alb", "cloudfront")


class EdgeConfig(_Strict):
    """The internet edge: entry point, web firewall, DNS records and CloudFront."""

    mode: Literal["alb", "cloudfront"] = "alb"
    """Entry point (default alb: the shared ALB faces the internet, one hop, no CDN bill;
    cloudfront puts a distribution in front and makes the ALB internal)."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # `groundwork:edge: cloudfront` is the same as `{mode: cloudfront}`.
        if isinstance(value, str):
            return {"mode": value}
        return value
