"""`groundwork cost` for CloudFront: data transfer out and HTTPS requests (both assumed, printed),
at the first-tier US/Europe rates, on the `edge: cloudfront` prod plan; nothing in the committed
stacks (edge.mode alb)."""

from __future__ import annotations

import pytest

from groundwork import cost
from groundwork.engine import PlanResult


def _lines(plan: PlanResult, assumptions: cost.Assumptions | None = None) -> dict[str, cost.CostLine]:
    est = cost.estimate(plan, assumptions)
    return {line.item: line for line in est.lines if line.resource == "cdn-distribution"}


def test_prod_cloudfront_prices_transfer_and_requests(prod_cloudfront: PlanResult) -> None:
    prices = cost.load_prices("us-east-1")["cloudfront"]
    lines = _lines(prod_cloudfront)
    out = lines["CloudFront data transfer out (assumed)"]
    assert (out.quantity, out.unit, out.unit_price) == (100.0, "GB", prices["gb_out_first_10tb"])
    requests = lines["CloudFront HTTPS requests (assumed)"]
    assert (requests.quantity, requests.unit) == (1000.0, "10k requests")  # 10 million
    assert requests.unit_price == prices["https_10k"] == pytest.approx(0.01)
    assert out.unit_price == pytest.approx(0.085)
    # $8.50 + $10.00 a month at the defaults
    assert sum(line.quantity * line.unit_price for line in lines.values()) == pytest.approx(18.5)


def test_assumptions_change_the_lines_and_are_printed(prod_cloudfront: PlanResult) -> None:
    a = cost.Assumptions(cloudfront_gb_per_month=2000.0, cloudfront_requests_millions=50.0)
    lines = _lines(prod_cloudfront, a)
    assert lines["CloudFront data transfer out (assumed)"].quantity == 2000.0
    assert lines["CloudFront HTTPS requests (assumed)"].quantity == 5000.0
    text = "\n".join(a.describe(cost.load_prices("us-east-1")))
    assert "CloudFront: 2000 GB out and 50 million HTTPS requests" in text
    assert "VPC origins" in text


def test_vpc_origin_and_policies_cost_nothing(prod_cloudfront: PlanResult) -> None:
    est = cost.estimate(prod_cloudfront)
    free = {"cdn-vpc-origin", "cdn-headers", "cdn-origin-ingress"}
    assert not [line for line in est.lines if line.resource in free]


def test_committed_prod_has_no_cloudfront_line(prod: PlanResult) -> None:
    assert not _lines(prod)
