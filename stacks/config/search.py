"""The `search` section: the `SearchDomain` component's settings (components/search.py) plus
`enabled` (off by default: an OpenSearch domain is opt-in)."""

from __future__ import annotations

from groundwork.components.search import SearchDomainSettings
from groundwork.stacks.config._base import _Strict

__all__ = ["SearchConfig"]


class SearchConfig(_Strict, SearchDomainSettings):
    """Amazon OpenSearch Service in the data subnets (the `SearchDomain` component's settings).
    VPC placement, encryption at rest (data key) and in transit, the TLS policy, fine-grained
    access control with an IAM master role and the four log types are always on and not
    configurable. Services opt in with `use_search`."""

    enabled: bool = False
    """Create the search domain (default false)."""
