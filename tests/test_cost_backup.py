"""`groundwork cost` for data protection: AWS Backup's warm storage of what the plan's selection
covers (in the vault and, through the copy actions, in the DR vault), the inter-region transfer
of the copies, the restore tests, RDS automated backup replication and the DR key, pinned to the
prod plan's own inputs; dev (backups off) has none of them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from groundwork import cost
from groundwork.engine import PlanResult

PRICES = json.loads((Path(cost.__file__).parent / "prices" / "us-east-1.json").read_text())
BACKUP_ITEMS = ("AWS Backup", "cross-region copy", "restore-testing", "restored RDS",
                "RDS replicated backups", "RDS backup replication")


def _lines(plan: PlanResult, **assume: float) -> list[cost.CostLine]:
    return cost.estimate(plan, cost.Assumptions(**assume)).lines


def _backup_lines(plan: PlanResult, **assume: float) -> dict[str, cost.CostLine]:
    return {line.item: line for line in _lines(plan, **assume)
            if line.item.startswith(BACKUP_ITEMS)}


def test_the_price_table_has_the_backup_rates_with_their_sources():
    backup = PRICES["backup"]
    assert backup["warm_gb_month"] == {"RDS": 0.095, "DocumentDB": 0.021, "S3": 0.05}
    # AWS Backup's cold tier: none of the stores groundwork backs up can use it
    assert not {"RDS", "DocumentDB", "S3"} & set(backup["cold_types"])
    assert PRICES["sources"]["backup"].startswith("https://aws.amazon.com/backup/pricing/")
    assert PRICES["data_transfer"]["inter_region_gb"] == 0.02
    assert any(u.startswith("backup.restore_testing_job") for u in PRICES["unverified"])


def test_changed_share_and_one_chain_per_vault_by_hand():
    """One store's points in one vault are one incremental chain: a full copy, then per
    interval between points next in age the data changed at least once in it."""
    assert cost.changed_share(0.05, 1) == pytest.approx(0.05)
    assert cost.changed_share(0.05, 31) == pytest.approx(1 - 0.95 ** 31)  # ~80 %, not 155 %
    assert cost.changed_share(0.05, 0) == 0.0 and cost.changed_share(1.5, 3) == 1.0
    assert cost.chain_storage_gb(100, 0.1, []) == 0.0
    assert cost.chain_storage_gb(100, 0.1, [(1, 3)]) == pytest.approx(100 + 2 * 10)  # ages 0, 1, 2
    # a second rule keeping the same points adds nothing
    assert cost.chain_storage_gb(100, 0.1, [(1, 3), (1, 3)]) == pytest.approx(120)
    # ages 0, 1, 2 (daily) and 0, 2, 4 (every other day): 0-1, 1-2, 2-4
    assert cost.chain_storage_gb(100, 0.1, [(1, 3), (2, 5)]) == pytest.approx(
        100 + 10 + 10 + 100 * (1 - 0.9 ** 2))


def test_prod_prices_the_database_backups_in_both_vaults_from_its_storage(prod):
    [db] = prod.of_type(cost.RDS_INSTANCE)
    [plan] = prod.of_type(cost.BACKUP_PLAN)
    rules = {r["ruleName"]: r for r in plan.inputs["rules"]}
    assert (rules["daily"]["lifecycle"]["deleteAfter"], rules["monthly"]["lifecycle"]["deleteAfter"],
            rules["daily"]["schedule"], rules["monthly"]["schedule"]) == (
        30, 365, "cron(0 5 ? * * *)", "cron(0 5 1 * ? *)")
    lines = _backup_lines(prod)
    name = db.name
    full = db.inputs["allocatedStorage"] * 0.5  # backup_db_used_share
    local = lines[f"AWS Backup warm storage: RDS {name} (full copy + changes)"]
    assert local.component == "backup" and local.unit_price == 0.095
    # daily points at ages 0..29, monthly at 0, 31, ..., 341 (the longest month apart): the full
    # copy, 29 days of changes, 29 -> 31, then ten months each holding what changed in it
    month = 1 - 0.95 ** 31
    expected = full + 29 * full * 0.05 + full * (1 - 0.95 ** 2) + 10 * full * month
    assert local.quantity == pytest.approx(expected, rel=1e-5)
    assert local.quantity < full * (1 + 29 * 0.05 + 11)  # never a full copy per monthly point
    dr = lines[f"AWS Backup warm storage in the DR vault: RDS {name} copies"]
    assert dr.unit_price == 0.095 and dr.quantity >= local.quantity  # + the continuous copies
    transfer = lines[f"cross-region copy transfer: RDS {name} (new data a month)"]
    assert transfer.unit_price == 0.02 and transfer.unit == "GB"
    assert transfer.quantity == pytest.approx(30 * full * 0.05, rel=1e-5)  # daily copies
    # the change rate drives both; the used share scales everything
    more = _backup_lines(prod, rds_backup_daily_change=0.10)
    assert more[local.item].quantity > local.quantity
    assert more[transfer.item].quantity > transfer.quantity
    double = _backup_lines(prod, backup_db_used_share=1.0)
    assert abs(double[local.item].quantity - 2 * local.quantity) < 1e-3


def test_prod_prices_the_asset_bucket_backup_from_the_size_assumption(prod):
    lines = _backup_lines(prod, backup_s3_gb_per_bucket=200)
    [bucket] = [b for b in prod.of_type("aws:s3/bucket:Bucket")
                if (b.inputs.get("tags") or {}).get("Backup")]
    s3 = lines[f"AWS Backup warm storage: S3 {bucket.name} (full copy + changes)"]
    assert s3.unit_price == 0.05 and s3.quantity > 200
    assert lines[f"AWS Backup warm storage in the DR vault: S3 {bucket.name} copies"].quantity > 200
    # only the tagged bucket: the log buckets are in no plan
    assert len([i for i in lines if i.startswith("AWS Backup warm storage: S3")]) == 1


def test_prod_prices_the_monthly_restore_test_and_the_throwaway_instance(prod):
    [db] = prod.of_type(cost.RDS_INSTANCE)
    [selection] = prod.of_type(cost.RESTORE_TESTING_SELECTION)
    lines = _backup_lines(prod)
    jobs = lines[f"restore-testing jobs (RDS {db.name})"]
    assert jobs.unit_price == PRICES["backup"]["restore_testing_job"]
    assert 0.9 < jobs.quantity <= 1.0  # monthly
    cls = db.inputs["instanceClass"]
    hours = lines[f"restored RDS {cls} while tested"]
    assert hours.unit_price == PRICES["rds_postgresql"]["instance_hour"][cls]  # single-AZ rate
    assert hours.quantity == round(jobs.quantity * (1 + selection.inputs["validationWindowHours"]), 6)


def test_prod_prices_rds_backup_replication_and_the_dr_key(prod):
    [replication] = prod.of_type(cost.RDS_BACKUP_REPLICATION)
    [db] = prod.of_type(cost.RDS_INSTANCE)
    lines = _backup_lines(prod)
    days = replication.inputs["retentionPeriod"]
    stored = lines[f"RDS replicated backups in the DR region ({days:g} days kept)"]
    assert stored.quantity == db.inputs["allocatedStorage"] * (1 + 0.05 * (days - 1))
    assert stored.unit_price == PRICES["rds_postgresql"]["backup_gb_month"]
    transfer = lines["RDS backup replication transfer (a month's changes)"]
    assert transfer.quantity == db.inputs["allocatedStorage"] * 0.05 * 30
    keys = [line for line in _lines(prod) if line.item == "KMS customer-managed key"]
    assert {"kms-dr"} <= {line.component for line in keys}
    assert sum(line.monthly for line in keys if line.component == "kms-dr") == 1.0


def test_cost_prod_prints_the_backup_lines_and_their_assumptions(prod):
    from rich.console import Console

    est = cost.estimate(prod)
    assert not est.unpriced
    console = Console(file=io.StringIO(), width=250, color_system=None)
    for part in cost.render(est):
        console.print(part)
    text = console.file.getvalue()
    assert "AWS Backup warm storage" in text and "cross-region copy transfer" in text
    assert "restore-testing jobs" in text and "RDS replicated backups" in text
    assert "AWS Backup: a backed-up database's data fills 50% of its allocated storage" in text
    assert "cold storage: none" in text
    assert "ONE incremental chain per store" in text and "1 - (1 - daily change)^days" in text
    # the restore-testing job fee is not confirmed by any source: the estimate says so
    assert f"${PRICES['backup']['restore_testing_job']:g} each: UNCONFIRMED" in text
    assert est.by_component()["backup"] > 100


def test_dev_has_no_backup_lines(dev):
    assert _backup_lines(dev) == {}
    assert "kms-dr" not in {line.component for line in _lines(dev)}
