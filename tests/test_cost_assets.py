"""`groundwork cost` for asset buckets: storage per class from the bucket's planned lifecycle
(objects of each age in the class their age gives them), requests and replication transfer,
each on a stated assumption; pinned by hand on the age model and on the committed prod stack
(the bucket, its DR replica and the replication config)."""

from __future__ import annotations

import pytest

from groundwork import cost
from groundwork.engine import PlanResult

DAYS = 365.0


def test_age_shares_follow_the_transition_days():
    shares = cost.age_shares([(30, "STANDARD_IA"), (90, "GLACIER_IR")], DAYS)
    assert shares == pytest.approx({"STANDARD": 30 / DAYS, "STANDARD_IA": 60 / DAYS,
                                    "GLACIER_IR": 275 / DAYS})
    assert cost.age_shares([], DAYS) == {"STANDARD": 1.0}
    # a transition after the oldest object's age never happens
    assert cost.age_shares([(30, "STANDARD_IA"), (400, "GLACIER_IR")], DAYS) == pytest.approx(
        {"STANDARD": 30 / DAYS, "STANDARD_IA": 335 / DAYS})


def test_the_archive_prefix_and_an_expiry_shape_the_shares():
    rules = [
        {"id": "transitions", "filter": {"prefix": ""},
         "transitions": [{"days": 30, "storageClass": "STANDARD_IA"}]},
        {"id": "archive", "filter": {"and": {"prefix": "archive/", "objectSizeGreaterThan": 1}},
         "transitions": [{"days": 30, "storageClass": "STANDARD_IA"},
                         {"days": 60, "storageClass": "DEEP_ARCHIVE"}]},
        {"id": "clean", "filter": {"prefix": ""}, "expiration": {"days": 120}},
    ]
    shares = cost.asset_storage_shares(rules, age_days=DAYS, archive_share=0.25)
    # the expiry caps every object's age at 120 days
    assert shares == pytest.approx({
        "STANDARD": 30 / 120, "STANDARD_IA": 0.75 * 90 / 120 + 0.25 * 30 / 120,
        "DEEP_ARCHIVE": 0.25 * 60 / 120})
    assert sum(shares.values()) == pytest.approx(1.0)


def _lines(plan: PlanResult, **assume) -> dict[tuple[str, str], cost.CostLine]:
    est = cost.estimate(plan, cost.Assumptions(**assume))
    return {(line.resource, line.item): line for line in est.lines if line.component == "assets"}


def test_prod_prices_the_bucket_its_replica_and_the_replication(prod):
    lines = _lines(prod)
    prices = cost.load_prices("us-east-1")["s3"]
    for bucket in ("assets-bucket", "assets-replica"):
        standard = lines[(bucket, "S3 STANDARD storage (assumed)")]
        assert standard.quantity == pytest.approx(100 * 30 / DAYS, rel=1e-5)
        assert (standard.unit, standard.unit_price) == ("GB-month", prices["storage_gb_month"]["STANDARD"])
        ia = lines[(bucket, "S3 STANDARD_IA storage (assumed)")]
        assert ia.quantity == pytest.approx(100 * 60 / DAYS, rel=1e-5) and ia.unit_price == 0.0125
        gir = lines[(bucket, "S3 GLACIER_IR storage (assumed)")]
        # 90 % follows the whole-bucket rule (GIR from day 90), 10 % the archive rule (GIR 90-180)
        assert gir.quantity == pytest.approx(100 * (0.9 * 275 + 0.1 * 90) / DAYS, rel=1e-5)
        # the rates cross-checked in the price table's provenance, pinned here
        assert (standard.unit_price, gir.unit_price) == (0.023, 0.004)
        deep = lines[(bucket, "S3 DEEP_ARCHIVE storage (assumed)")]
        assert deep.quantity == pytest.approx(100 * 0.1 * 185 / DAYS, rel=1e-5)
        assert deep.unit_price == 0.00099
        total = sum(v.quantity for (r, i), v in lines.items() if r == bucket and "storage" in i)
        assert total == pytest.approx(100.0)
    put = lines[("assets-bucket", "S3 PUT/LIST requests (assumed)")]
    assert (put.quantity, put.unit, put.unit_price) == (100.0, "1k requests", 0.005)
    assert lines[("assets-bucket", "S3 GET requests (assumed)")].monthly == pytest.approx(0.4)
    assert ("assets-replica", "S3 GET requests (assumed)") not in lines  # serves none until failover
    assert lines[("assets-replica", "S3 replication PUT requests (assumed)")].quantity == 100.0
    transfer = lines[("assets-replication-config", "S3 replication inter-region transfer (assumed)")]
    assert (transfer.quantity, transfer.unit, transfer.unit_price) == (10.0, "GB", 0.02)
    # the access-log buckets are not asset storage
    assert not any("access-logs" in r for r, _ in lines)


def test_the_assumptions_move_the_lines_and_are_printed(prod):
    lines = _lines(prod, asset_gb_per_bucket=1000.0, asset_replicated_gb_per_month=50.0)
    storage = sum(v.quantity for (r, i), v in lines.items() if r == "assets-bucket" and "storage" in i)
    assert storage == pytest.approx(1000.0)
    assert lines[("assets-replication-config",
                  "S3 replication inter-region transfer (assumed)")].monthly == pytest.approx(1.0)
    text = " ".join(cost.estimate(prod).assumptions)
    assert "S3 asset buckets: 100 GB each" in text and "written evenly over 365 days" in text
    assert "10 GB a month transferred to the DR region" in text


def test_dev_has_no_replication_line(dev):
    lines = _lines(dev)
    assert ("assets-bucket", "S3 STANDARD storage (assumed)") in lines
    assert not any(r.startswith("assets-replica") or "replication" in i for r, i in lines)
