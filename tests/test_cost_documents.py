"""`groundwork cost` for DocumentDB: instance-hours by class, storage and I/O at the stated
assumptions, backup beyond the free 100 %, the managed secret; I/O-Optimized priced as such.
Priced from a real plan of the component (the mock's records, as the stacks' are)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from groundwork import cost
from groundwork.components.document_database import DOCDB_INSTANCE_CLASSES
from groundwork.testing import PlanResult, plan_function

PRICES = json.loads((Path(cost.__file__).parent / "prices" / "us-east-1.json").read_text())["docdb"]
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
HOURS = 730
# the price table's us-east-1 figures (USD). Storage and I/O cross-checked 2026-12-02; the
# instance rates and the I/O-Optimized ones are still listed under `unverified` there.
R6G_LARGE, R5_XLARGE, T4G_MEDIUM = 0.263, 0.554, 0.073  # per instance-hour
STORAGE, IO, BACKUP = 0.10, 0.20, 0.021  # per GB-month, per million I/Os, per GB-month
IOPT1_STORAGE, IOPT1_FACTOR = 0.30, 1.1  # I/O-Optimized: per GB-month; instance-rate multiplier


def _plan(**settings: Any) -> PlanResult:
    def body() -> None:
        import pulumi_aws as aws

        from groundwork.components.document_database import DocumentDatabase, DocumentDatabaseArgs

        group = aws.ec2.SecurityGroup("plain", vpc_id="vpc-1", description="plain")
        DocumentDatabase("documents", DocumentDatabaseArgs(
            security_group=group, subnet_ids=["subnet-a", "subnet-b"], data_key_arn=KEY,
            logs_key_arn=KEY, **settings))

    return plan_function(body, stack="c", project="lib")


@pytest.fixture(scope="module")
def standard() -> PlanResult:
    return _plan()


def _lines(plan: PlanResult, **assume: Any) -> dict[str, float]:
    est = cost.estimate(plan, cost.Assumptions(**assume))
    out: dict[str, float] = {}
    for line in est.lines:
        if line.component == "documents" and "log" not in line.item.lower():
            out[line.item] = out.get(line.item, 0) + line.monthly
    assert not [u for u in est.unpriced if "documents" in u]
    return out


def test_every_instance_class_of_the_size_table_has_a_price():
    assert set(PRICES["instance_hour"]) == set(DOCDB_INSTANCE_CLASSES)


def test_standard_cluster_lines(standard):
    lines = _lines(standard)
    assert lines["DocumentDB db.r6g.large hours"] == pytest.approx(2 * HOURS * R6G_LARGE)  # 383.98
    assert lines["DocumentDB storage (assumed size)"] == pytest.approx(100 * STORAGE)
    assert lines["DocumentDB I/O (assumed)"] == pytest.approx(100 * IO)
    # 14 days kept, 5 % a day changes: 100 GB x 0.05 x 13 beyond the free copy
    assert lines["DocumentDB backup beyond free (14 days kept)"] == pytest.approx(
        100 * 0.05 * 13 * BACKUP)
    assert lines["master password secret (DocumentDB-managed)"] == pytest.approx(0.40)
    # docs/document-database.md quotes "prod about $416 a month"
    assert sum(lines.values()) == pytest.approx(383.98 + 10 + 20 + 1.365 + 0.40)


def test_the_assumptions_move_the_usage_lines_and_are_printed(standard):
    lines = _lines(standard, docdb_storage_gb=500, docdb_io_millions=0)
    assert lines["DocumentDB storage (assumed size)"] == pytest.approx(500 * STORAGE)
    assert "DocumentDB I/O (assumed)" not in lines  # zero quantity: no line
    described = cost.Assumptions(docdb_storage_gb=500).describe(json.loads(
        (Path(cost.__file__).parent / "prices" / "us-east-1.json").read_text()))
    assert any("DocumentDB: 500 GB stored" in line for line in described)


def test_io_optimized_has_no_io_line_and_dearer_instances_and_storage():
    lines = _lines(_plan(storage_type="iopt1", instance_class="db.r5.xlarge", instance_count=3,
                         backup_retention_days=1))
    assert lines["DocumentDB db.r5.xlarge hours (I/O-Optimized)"] == pytest.approx(
        3 * HOURS * R5_XLARGE * IOPT1_FACTOR)
    assert lines["DocumentDB I/O-Optimized storage (assumed size)"] == pytest.approx(
        100 * IOPT1_STORAGE)
    assert "DocumentDB I/O (assumed)" not in lines
    assert not [k for k in lines if k.startswith("DocumentDB backup")]  # 1 day: all free


def test_dev_shape_is_one_small_instance_with_free_backups():
    """The dev profile's cluster (stacks/config/environment.py PROFILE_DEFAULTS): one
    db.t4g.medium, one day of backups (all free)."""
    lines = _lines(_plan(instance_class="db.t4g.medium", instance_count=1,
                         backup_retention_days=1, performance_insights=False))
    assert lines["DocumentDB db.t4g.medium hours"] == pytest.approx(HOURS * T4G_MEDIUM)  # 53.29
    assert not [k for k in lines if k.startswith("DocumentDB backup")]
    assert sum(lines.values()) == pytest.approx(53.29 + 10 + 20 + 0.40)
