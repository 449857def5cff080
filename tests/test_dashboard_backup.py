"""The dashboard's AWS Backup widgets (components/alarms/dashboard.py): per vault of the plan,
backup jobs and copy/restore jobs, completed beside failed, read by the vault's name output."""

from __future__ import annotations

import json
from typing import Any

from groundwork.components.alarms.dashboard import BACKUP_JOB_METRICS, BACKUP_NAMESPACE

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"


def _backup_widgets(plan: Any) -> list[dict[str, Any]]:
    [dashboard] = plan.of_type(DASHBOARD)
    body = json.loads(dashboard.inputs["dashboardBody"])
    return [w for w in body["widgets"] if w["type"] == "metric"
            and any(m[0] == BACKUP_NAMESPACE for m in w["properties"]["metrics"])]


def test_prod_graphs_its_vaults_jobs_by_the_vault_name_output(prod):
    vault = prod.stack_outputs["backup"]["vault_name"]
    [primary] = [v for v in prod.of_type("aws:backup/vault:Vault")
                 if "aws-dr" not in v.provider.split("::")[-1]]
    assert vault == primary.outputs["name"]
    widgets = _backup_widgets(prod)
    assert [w["properties"]["title"] for w in widgets] == [
        f"Backup vault {vault}: backup jobs per hour",
        f"Backup vault {vault}: copy and restore jobs per hour"]
    for widget, (_, names) in zip(widgets, BACKUP_JOB_METRICS, strict=True):
        props = widget["properties"]
        assert (props["region"], props["stat"], props["period"]) == ("us-east-1", "Sum", 3600)
        # [namespace, metric, "BackupVaultName", <vault>, {label}]: the one dimension AWS
        # publishes these per vault by, holding the vault's name
        assert [m[:4] for m in props["metrics"]] == [
            [BACKUP_NAMESPACE, name, "BackupVaultName", vault] for name in names]
        assert all(len(m) == 5 and "label" in m[4] for m in props["metrics"])
    metrics = {m[1] for w in widgets for m in w["properties"]["metrics"]}
    assert {"NumberOfBackupJobsFailed", "NumberOfCopyJobsFailed",
            "NumberOfRestoreJobsFailed"} <= metrics
    labels = [m[4]["label"] for w in widgets for m in w["properties"]["metrics"]]
    assert labels[:2] == ["backup completed", "backup failed"] and "copy failed" in labels


def test_dev_without_backups_has_no_backup_widget(dev):
    assert _backup_widgets(dev) == []
