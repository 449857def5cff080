"""The cost of a SearchDomain: data and master node-hours by instance type and the gp3 volumes,
from the plan's domain record; nothing when the stacks have no domain (search off)."""

from __future__ import annotations

from typing import Any

import pytest

from groundwork.components.base import AccountContext
from groundwork.components.search import SEARCH_INSTANCE_TYPES, SearchDomain, SearchDomainArgs
from groundwork.components.security_groups import SecurityGroups, SecurityGroupsArgs
from groundwork.cost import estimate, load_prices
from groundwork.engine import PlanResult
from groundwork.testing import plan_function

PRICES = load_prices("us-east-1")["opensearch"]
HOURS = 730.0
# us-east-1 on-demand, the AWS Price List's AmazonES offer as cross-checked in the price table
# (2026-12-02): USD per node-hour, and per GB-month of gp3
R6G_LARGE, M6G_LARGE, T3_SMALL, GP3 = 0.167, 0.128, 0.036, 0.122
AWS_LISTS_NO = {"m5.8xlarge.search", "r5.8xlarge.search", "c5.8xlarge.search", "c5.12xlarge.search"}
"""Sizes AWS's OpenSearch price list has no row for (m5/r5 go 4xlarge -> 12xlarge, c5 4xlarge
-> 9xlarge): the component must refuse them."""


def _plan(**settings: Any) -> PlanResult:
    def body() -> None:
        groups = SecurityGroups("sg", SecurityGroupsArgs(vpc_id="vpc-1", vpc_cidr="10.0.0.0/16",
                                                         stores={"opensearch": 443}))
        zones = settings.get("availability_zones", 3)
        SearchDomain("search", SearchDomainArgs(
            security_group=groups, subnet_ids=[f"subnet-{i}" for i in range(zones)],
            data_key_arn="arn:aws:kms:us-east-1:1:key/d", logs_key_arn="arn:aws:kms:us-east-1:1:key/l",
            account=AccountContext(region="us-east-1", account_id="111111111111"), **settings))

    return plan_function(body)


@pytest.fixture(scope="module")
def plans() -> dict[str, PlanResult]:
    return {"prod": _plan(),
            "dev": _plan(instance_type="t3.small.search", instance_count=1, availability_zones=1,
                         dedicated_master=False, volume_size_gb=10)}


def _lines(plan: PlanResult) -> dict[str, tuple[float, str, float]]:
    return {line.item: (line.quantity, line.unit, line.unit_price)
            for line in estimate(plan).lines if line.resource == "search-domain"}


def test_prod_shape_prices_data_masters_and_storage(plans):
    lines = _lines(plans["prod"])
    assert lines == {
        "OpenSearch r6g.large.search x3 data node-hours": (3 * HOURS, "node-hour", R6G_LARGE),
        "OpenSearch m6g.large.search x3 master node-hours": (3 * HOURS, "node-hour", M6G_LARGE),
        "OpenSearch gp3 storage (100 GB x 3 data nodes)": (300, "GB-month", GP3),
    }
    total = sum(q * p for q, _, p in lines.values())
    # 730 h x (3 x 0.167 + 3 x 0.128) + 300 GB x 0.122 = 646.05 + 36.60
    assert total == pytest.approx(682.65)


def test_dev_shape_is_one_small_node(plans):
    lines = _lines(plans["dev"])
    assert lines == {
        "OpenSearch t3.small.search x1 data node-hours": (HOURS, "node-hour", T3_SMALL),
        "OpenSearch gp3 storage (10 GB x 1 data nodes)": (10, "GB-month", GP3),
    }
    # 730 h x 0.036 + 10 GB x 0.122 = 26.28 + 1.22
    assert sum(q * p for q, _, p in lines.values()) == pytest.approx(27.50)


def test_masters_are_counted_from_their_own_count_not_the_data_nodes():
    """The prod shape has 3 of each, which hides a mix-up: 6 data nodes and 5 masters."""
    lines = _lines(_plan(instance_count=6, dedicated_master_count=5))
    assert lines["OpenSearch r6g.large.search x6 data node-hours"] == (6 * HOURS, "node-hour",
                                                                      R6G_LARGE)
    assert lines["OpenSearch m6g.large.search x5 master node-hours"] == (5 * HOURS, "node-hour",
                                                                        M6G_LARGE)
    assert lines["OpenSearch gp3 storage (100 GB x 6 data nodes)"] == (600, "GB-month", GP3)


def test_the_component_accepts_exactly_the_priced_types_aws_offers():
    priced = set(PRICES["instance_hour"])
    assert set(SEARCH_INSTANCE_TYPES) == priced  # each accepted type is priced, and no other
    assert not AWS_LISTS_NO & set(SEARCH_INSTANCE_TYPES)


def test_the_log_groups_are_priced_as_log_groups(plans):
    groups = [line for line in estimate(plans["prod"]).lines
              if line.resource.startswith("search-log-")]
    assert {line.resource for line in groups} == {
        "search-log-index-slow-logs", "search-log-search-slow-logs",
        "search-log-application-logs", "search-log-audit-logs"}


def test_an_unknown_type_is_named_not_zero(plans):
    prices = load_prices("us-east-1")
    del prices["opensearch"]["instance_hour"]["r6g.large.search"]
    est = estimate(plans["prod"], prices=prices)
    assert any("OpenSearch data instance type r6g.large.search" in u for u in est.unpriced)


def test_no_lines_while_search_is_off(prod, dev):
    for plan in (prod, dev):
        assert not [line for line in estimate(plan).lines if "OpenSearch" in line.item]
