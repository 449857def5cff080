"""The `edge.cloudfront` section: the `CloudFrontDistribution` component's settings
(components/cloudfront.py), used when `edge.mode` is cloudfront (docs/edge.md).

Defaults come from the rest of the config: `domains` from `load_balancer.certificate.domain`,
the certificate's `zone_id` from `load_balancer.certificate.zone_id` (a new certificate is then
requested in us-east-1 for the same domain), `require_web_acl` from `edge.waf.enabled`."""

from __future__ import annotations

from groundwork.components.cloudfront import CloudFrontDistributionSettings
from groundwork.stacks.config._base import _Strict

__all__ = ["CloudFrontConfig"]


class CloudFrontConfig(_Strict, CloudFrontDistributionSettings):
    """The CloudFront distribution in front of the internal ALB (`edge.mode: cloudfront`).
    HTTPS to viewers and origin, the VPC origin, caching disabled on the default behaviour, the
    security headers and standard logging v2 are always on and not configurable."""
