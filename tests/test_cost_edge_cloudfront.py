"""`groundwork cost` for CloudFront: data transfer out and HTTPS requests (both assumed, printed),
at the first-tier United States rates, on the `edge: cloudfront` prod plan; nothing in the committed
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


def test_describe_names_the_us_rate_and_europes_dearer_requests() -> None:
    text = "\n".join(cost.Assumptions().describe(cost.load_prices("us-east-1")))
    assert "first-tier United States rates" in text and "Europe's HTTPS requests cost 20 % more" in text
    assert "flat-rate plans not modelled" in text


def test_cost_command_passes_the_edge_options(prod_cloudfront: PlanResult, monkeypatch) -> None:
    """`--waf-requests`, `--cloudfront-gb`, `--cloudfront-requests` reach the estimate and are
    printed (the plan is the shared fixture: no re-planning)."""
    from typer.testing import CliRunner

    from groundwork import cli

    monkeypatch.setattr(cli, "run_plan", lambda stack: prod_cloudfront)
    result = CliRunner().invoke(cli.app, ["cost", "prod", "--waf-requests", "40", "--cloudfront-gb",
                                          "500", "--cloudfront-requests", "30"],
                                env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    a = cost.Assumptions(waf_requests_millions_per_acl=40, cloudfront_gb_per_month=500,
                         cloudfront_requests_millions=30)
    est = cost.estimate(prod_cloudfront, a)
    assert f"Total: {cost.money(est.total)} per month for stack prod" in result.output
    assert "WAF: 40 million requests inspected per web ACL" in result.output
    assert "CloudFront: 500 GB out and 30 million HTTPS requests" in result.output
    # each option moved the total by its own lines: 30 M more WAF requests per ACL (and 30 GB
    # more of WAF logs at 1 KB a request: $0.50 ingested, $0.03 a GB-month for 12 months), 400 GB
    # and 20 M requests more at the distribution
    acls = len(prod_cloudfront.of_type(cost.WEB_ACL))
    assert acls >= 1
    delta = 30 * 0.6 * acls + 30 * acls * (0.50 + 0.03 * 12) + 400 * 0.085 + 2000 * 0.01
    assert est.total == pytest.approx(cost.estimate(prod_cloudfront).total + delta, abs=0.01)
