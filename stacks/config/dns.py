"""The `edge.dns` section: the app's alias records and the Route 53 health check
(components/domain_records.py, docs/edge.md).

Defaults come from the rest of the config: the zone is `load_balancer.certificate.zone_id`, the
domains are the certificate's (domain and alternative names), every web service's
`routing.host_headers`, then `domains` here; the health check requests the certificate's domain
at the first web service's `health_check.path`. With a given certificate ARN and no `zone_id`
nothing is created (the program knows no zone).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from groundwork.components.dns_names import DnsName
from groundwork.components.domain_records import DomainHealthCheckSettings
from groundwork.stacks.config._base import _Strict

__all__ = ["DnsConfig", "DnsHealthCheckConfig"]


class DnsHealthCheckConfig(_Strict, DomainHealthCheckSettings):
    """The Route 53 health check of the app's public health path (the `DomainRecords`
    component's `health_check`). `path` defaults to the first web service's
    `health_check.path` and `domain` to the certificate's domain unless set here; the prod
    profile sets `enabled: true`. Needs the records (a zone)."""


class DnsConfig(_Strict):
    """Alias records for the app's domains in a Route 53 zone, and the optional health check."""

    zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,31}$")] | None = None
    """Public hosted zone of the records (default none: load_balancer.certificate.zone_id, the
    zone that validates the certificate)."""
    records: bool | None = None
    """Create the alias records (default none: true when a zone is known; false keeps DNS out
    of the stack, e.g. when another stack owns the names)."""
    domains: list[DnsName] = Field(default_factory=list)
    """More domains that get records besides the certificate's names and the host headers
    (default none). Each must be covered by the certificate, or browsers get a TLS error."""
    health_check: DnsHealthCheckConfig = Field(default_factory=DnsHealthCheckConfig)
    """The Route 53 health check (default off; on in the prod profile: $1.50 a month, and the
    `route53-health-check` alarm pages when the app is unreachable from the internet)."""
