"""WAFv2 alarms, per web ACL: a spike of blocked requests, and the rate-based rule blocking.

Namespace AWS/WAFV2, metric BlockedRequests (Sum). Dimensions are the ACL's `name` output
(WebACL), the rule's metric name (Rule; `ALL` for the whole ACL) and, for a REGIONAL ACL only,
Region (the ACL's region). A CLOUDFRONT-scope ACL reports in us-east-1 without a Region
dimension, so its alarms are created there (`AlarmSpec.region`) [AWS WAF metrics and
dimensions, https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html].

WAF publishes a datapoint only when a request matched: no data means nothing was blocked, so
both alarms treat missing data as not breaching.
"""

from __future__ import annotations

from typing import Any

from groundwork.components.alarms.base import AlarmSpec, Metric
from groundwork.components.alarms.targets import AlarmTargets, WebFirewallTarget

NAMESPACE = "AWS/WAFV2"
PERIOD = 300
"""Five minutes: the rate rule's default window, and smooth enough for a count of blocks."""
SPIKE_FLOOR = 100.0
"""The spike threshold never goes below 100 blocked requests in 5 minutes (background noise of
scanners on any public endpoint)."""


def blocked_spike_threshold(target: WebFirewallTarget) -> float:
    """Blocked requests per 5 minutes that make a spike: one client's whole allowance at the
    rate limit (rate_limit scaled to 5 minutes), at least SPIKE_FLOOR."""
    return max(SPIKE_FLOOR, float(round(target.settings.rate_per_five_minutes)))


def web_firewall_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    return [spec for fw in targets.web_firewalls for spec in _alarms(fw)]


def dimensions(target: WebFirewallTarget, rule: str) -> dict[str, Any]:
    dims: dict[str, Any] = {"WebACL": target.acl_name, "Rule": rule}
    if target.scope == "REGIONAL":
        dims["Region"] = target.region
    return dims


def _alarms(fw: WebFirewallTarget) -> list[AlarmSpec]:
    region = "us-east-1" if fw.scope == "CLOUDFRONT" else None
    s = fw.settings
    spike = blocked_spike_threshold(fw)
    return [
        AlarmSpec(
            key="waf-blocked-spike", scope=fw.name, watches=f"web ACL {fw.name} (every rule)",
            metric=Metric(NAMESPACE, "BlockedRequests", dimensions(fw, "ALL"), "Sum", PERIOD),
            comparison=">", threshold=spike,
            threshold_note=(f"rate_limit {s.rate_limit} per {s.rate_window_seconds} s scaled to "
                            f"300 s, at least {SPIKE_FLOOR:g}"),
            treat_missing_data="notBreaching", region=region),
        AlarmSpec(
            key="waf-rate-limited", scope=fw.name,
            watches=f"the rate-based rule of web ACL {fw.name}",
            metric=Metric(NAMESPACE, "BlockedRequests", dimensions(fw, fw.rate_rule_metric_name),
                          "Sum", PERIOD),
            comparison=">", threshold=0.0, threshold_note="any request the rate rule blocked",
            treat_missing_data="notBreaching", region=region),
    ]
