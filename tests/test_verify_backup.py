"""`groundwork verify`'s `backup` check against prod's planned backup, replayed in moto (5.2).

What moto models and what is stubbed:
- moto models AWS Backup vaults (CreateBackupVault, DescribeBackupVault with `Locked` and the
  retention days once PutBackupVaultLockConfiguration ran) and plans (CreateBackupPlan,
  GetBackupPlan with rules, copy actions and EnableContinuousBackup): those run on moto, the
  DR vault in moto's us-west-2.
- moto does NOT model backup jobs (ListBackupJobs answers 404 "Not yet implemented"):
  `JobsBackup` wraps moto's client and answers ListBackupJobs from a list the test sets.
- moto's RDS reports an instance's LatestRestorableTime as "now": the stale case moves the
  verifier's clock forward instead.
- prod's asset bucket (`assets.assets.arn`) and a DocumentDB cluster (`documents.arn`) have no
  continuous backup: their recency is the newest COMPLETED job of the stubbed ListBackupJobs
  (the fixture gives the bucket one, 10 minutes old).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from groundwork import verify

REGION, DR = "us-east-1", "us-west-2"
OTHERS = frozenset(c for c in verify.STACK_CHECKS if c != "backup")


class JobsBackup:
    """moto's backup client, plus ListBackupJobs (which moto doesn't model)."""

    def __init__(self, backup: Any, jobs: list[dict[str, Any]]):
        self._backup, self.jobs = backup, jobs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backup, name)

    def get_paginator(self, name: str) -> Any:
        if name != "list_backup_jobs":
            return self._backup.get_paginator(name)
        jobs = self.jobs

        class Pages:
            def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
                yield {"BackupJobs": [j for j in jobs if j["ResourceArn"] == kwargs["ByResourceArn"]
                                      and j["BackupVaultName"] == kwargs["ByBackupVaultName"]]}

        return Pages()


@dataclass
class Deployed:
    outputs: dict[str, Any]
    expect: verify.Expectations
    backup: JobsBackup
    clients: dict[str, Any]
    dr_backup: Any

    def run(self, *, now: datetime | None = None, expect: verify.Expectations | None = None,
            outputs: dict[str, Any] | None = None,
            **output_changes: Any) -> list[verify.CheckResult]:
        """Every check but `backup` skipped; `outputs` replaces top-level outputs,
        `output_changes` keys of the `backup` output."""
        outputs = {**self.outputs, **(outputs or {}),
                   "backup": {**self.outputs["backup"], **output_changes}}
        clients = {**self.clients, "backup": self.backup}
        verifier = verify.Verifier(outputs, expect or self.expect, clients=lambda n: clients[n],
                                   dr_clients=lambda n: self.dr_backup,
                                   now=None if now is None else (lambda: now))
        return verifier.run()


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    """aws.backup.Plan rule inputs -> CreateBackupPlan's rule."""
    out = {"RuleName": rule["ruleName"], "TargetBackupVaultName": rule["targetVaultName"],
           "ScheduleExpression": rule["schedule"],
           "EnableContinuousBackup": bool(rule.get("enableContinuousBackup")),
           "CopyActions": [{"DestinationBackupVaultArn": c["destinationVaultArn"]}
                           for c in rule.get("copyActions") or []]}
    return out


@pytest.fixture(scope="module")
def deployed(prod) -> Iterator[Deployed]:
    """prod's vaults, lock, plan and database in moto, from the plan's inputs and outputs."""
    with mock_aws():
        backup = boto3.client("backup", region_name=REGION)
        dr_backup = boto3.client("backup", region_name=DR)
        out = prod.stack_outputs
        for client, vault in ((backup, out["backup"]["vault_name"]),
                              (dr_backup, out["backup"]["dr_vault_name"])):
            [record] = [v for v in prod.of_type("aws:backup/vault:Vault")
                        if v.outputs["name"] == vault]
            client.create_backup_vault(BackupVaultName=vault,
                                       EncryptionKeyArn=record.inputs["kmsKeyArn"])
        for lock in prod.of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration"):
            client = dr_backup if "dr" in lock.name else backup
            client.put_backup_vault_lock_configuration(
                BackupVaultName=lock.inputs["backupVaultName"],
                MinRetentionDays=lock.inputs["minRetentionDays"],
                MaxRetentionDays=lock.inputs["maxRetentionDays"])
        plan = prod.one("aws:backup/plan:Plan")
        plan_id = backup.create_backup_plan(BackupPlan={
            "BackupPlanName": plan.inputs["name"],
            "Rules": [_rule(r) for r in plan.inputs["rules"]]})["BackupPlanId"]
        rds = boto3.client("rds", region_name=REGION)
        ident = out["database"]["identifier"]
        db = rds.create_db_instance(DBInstanceIdentifier=ident, Engine="postgres",
                                    DBInstanceClass="db.m7g.large", AllocatedStorage=50,
                                    MasterUsername="groundwork", MasterUserPassword="x" * 16,
                                    BackupRetentionPeriod=7)["DBInstance"]
        outputs = {**out, "backup": {**out["backup"], "plan_id": plan_id},
                   "database": {**out["database"], "arn": db["DBInstanceArn"]}}
        from groundwork.stacks.loader import environment_from_file

        expect = replace(verify.Expectations.from_config(environment_from_file("prod")), skip=OTHERS)
        yield Deployed(outputs, expect, JobsBackup(backup, _fresh_asset_jobs(outputs)), {"rds": rds},
                       dr_backup)


def _fresh_asset_jobs(outputs: dict[str, Any], minutes: int = 10) -> list[dict[str, Any]]:
    """One COMPLETED backup job `minutes` old per exported asset bucket, in the plan's vault."""
    now = datetime.now(UTC)
    return [{"ResourceArn": bucket["arn"], "BackupVaultName": outputs["backup"]["vault_name"],
             "State": "COMPLETED", "CreationDate": now - timedelta(minutes=minutes + 5),
             "CompletionDate": now - timedelta(minutes=minutes)}
            for bucket in outputs["assets"].values()]


def by_target(results: list[verify.CheckResult]) -> dict[str, verify.CheckResult]:
    return {r.target: r for r in results if r.check == "backup"}


def test_prod_expects_a_locked_vault_a_dr_copy_continuous_backup_and_the_seed_rpo(deployed):
    assert deployed.expect.backup == verify.BackupExpectation(
        rpo_minutes=60, locked=True, dr_region=DR, continuous=True,
        stores=("database", "documents", "assets"))


def test_the_planned_backup_passes(deployed):
    results = by_target(deployed.run())
    out = deployed.outputs["backup"]
    assert {t: r.status for t, r in results.items()} == {
        f"vault {out['vault_name']}": "PASS", "plan groundwork-prod-backup-plan": "PASS",
        f"dr-vault ({DR}) {out['dr_vault_name']}": "PASS",
        f"latest backup {deployed.outputs['database']['identifier']}": "PASS",
        f"latest backup {deployed.outputs['assets']['assets']['bucket_name']}": "PASS",
    }, {t: r.detail for t, r in results.items()}
    assert "locked, retention" in results[f"vault {out['vault_name']}"].detail
    assert "each copied to the DR vault" in results["plan groundwork-prod-backup-plan"].detail
    assert "(continuous), within the RPO of 60 min" in results[
        f"latest backup {deployed.outputs['database']['identifier']}"].detail


def test_a_stale_restorable_time_fails_the_rpo(deployed):
    later = datetime.now(UTC) + timedelta(hours=2)
    target = f"latest backup {deployed.outputs['database']['identifier']}"
    [result] = [r for r in deployed.run(now=later) if r.target == target]
    assert result.status == "FAIL"
    assert "over the RPO of 60 min" in result.detail


def test_a_missing_or_unlocked_vault_fails(deployed):
    results = by_target(deployed.run(vault_name="groundwork-prod-nope",
                                     dr_vault_name="groundwork-prod-nope-dr"))
    assert results["vault groundwork-prod-nope"].status == "FAIL"
    assert "ResourceNotFoundException" in results["vault groundwork-prod-nope"].detail
    assert results[f"dr-vault ({DR}) groundwork-prod-nope-dr"].status == "FAIL"
    backup = deployed.backup
    backup.create_backup_vault(BackupVaultName="unlocked",
                               EncryptionKeyArn=deployed.outputs["kms_key_arns"]["data"])
    [vault] = [r for r in deployed.run(vault_name="unlocked") if r.target == "vault unlocked"]
    assert vault.status == "FAIL" and "NOT locked" in vault.detail


def test_a_vault_on_another_key_fails(deployed):
    deployed.backup.create_backup_vault(
        BackupVaultName="other-key", EncryptionKeyArn="arn:aws:kms:us-east-1:123456789012:key/other")
    deployed.backup.put_backup_vault_lock_configuration(BackupVaultName="other-key",
                                                        MinRetentionDays=7)
    [vault] = [r for r in deployed.run(vault_name="other-key") if r.target == "vault other-key"]
    assert vault.status == "FAIL" and "recovery points" in vault.detail


def test_a_plan_without_copies_or_continuous_backup_fails(deployed):
    vault = deployed.outputs["backup"]["vault_name"]
    plan_id = deployed.backup.create_backup_plan(BackupPlan={"BackupPlanName": "bare", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": vault}]})["BackupPlanId"]
    [plan] = [r for r in deployed.run(plan_id=plan_id) if r.target == "plan bare"]
    assert plan.status == "FAIL"
    assert "rule(s) daily don't copy to the DR vault" in plan.detail
    assert "no continuous-backup rule" in plan.detail
    [gone] = [r for r in deployed.run(plan_id="nope") if r.target.startswith("plan")]
    assert gone.status == "FAIL" and "does not exist" in gone.detail


def test_without_continuous_backup_the_latest_job_must_be_within_the_rpo(deployed):
    """prod's asset bucket (the `assets` output's ARN): the newest COMPLETED job from
    ListBackupJobs (stubbed), a newer FAILED job named."""
    vault = deployed.outputs["backup"]["vault_name"]
    bucket = deployed.outputs["assets"]["assets"]
    assert bucket["arn"] == f"arn:aws:s3:::{bucket['bucket_name']}"
    target = f"latest backup {bucket['bucket_name']}"
    now = datetime.now(UTC)
    jobs = deployed.backup.jobs
    saved = list(jobs)
    jobs[:] = [
        {"ResourceArn": bucket["arn"], "BackupVaultName": vault, "State": "COMPLETED",
         "CreationDate": now - timedelta(minutes=100), "CompletionDate": now - timedelta(minutes=90)},
        {"ResourceArn": bucket["arn"], "BackupVaultName": vault, "State": "FAILED",
         "StatusMessage": "Access denied to the KMS key", "CreationDate": now - timedelta(minutes=30)},
        # another vault's job doesn't count
        {"ResourceArn": bucket["arn"], "BackupVaultName": "someone-elses", "State": "COMPLETED",
         "CreationDate": now - timedelta(minutes=6), "CompletionDate": now - timedelta(minutes=5)},
    ]
    try:
        [job] = [r for r in deployed.run() if r.target == target]
        assert job.status == "FAIL"
        assert "latest completed backup 90 min ago, over the RPO of 60 min" in job.detail
        assert "a newer job FAILED: Access denied to the KMS key" in job.detail
        jobs[0]["CompletionDate"] = now - timedelta(minutes=20)
        jobs.pop(1)
        [job] = [r for r in deployed.run() if r.target == target]
        assert job.status == "PASS" and "20 min ago" in job.detail
        jobs[:] = [j for j in jobs if j["BackupVaultName"] != vault]
        [job] = [r for r in deployed.run() if r.target == target]
        assert job.status == "FAIL" and "no completed backup job" in job.detail
    finally:
        jobs[:] = saved


DOCS_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:groundwork-prod-documents"


def test_the_document_database_is_covered_by_its_arn(deployed):
    """With DocumentDB (`documents.arn` exported and `documents` in `backup.stores`): its newest
    COMPLETED job is held to the RPO like the bucket's (no continuous backup for DocumentDB)."""
    documents = {"cluster_identifier": "groundwork-prod-documents", "arn": DOCS_ARN}
    vault = deployed.outputs["backup"]["vault_name"]
    now = datetime.now(UTC)
    target = "latest backup groundwork-prod-documents"
    [job] = [r for r in deployed.run(outputs={"documents": documents}) if r.target == target]
    assert job.status == "FAIL" and "no completed backup job" in job.detail
    deployed.backup.jobs.append(
        {"ResourceArn": DOCS_ARN, "BackupVaultName": vault, "State": "COMPLETED",
         "CreationDate": now - timedelta(minutes=50), "CompletionDate": now - timedelta(minutes=45)})
    try:
        [job] = [r for r in deployed.run(outputs={"documents": documents}) if r.target == target]
        assert job.status == "PASS" and "45 min ago, within the RPO of 60 min" in job.detail
        later = now + timedelta(minutes=30)  # 75 min old by then
        [job] = [r for r in deployed.run(now=later, outputs={"documents": documents})
                 if r.target == target]
        assert job.status == "FAIL" and "over the RPO of 60 min" in job.detail
        # not among backup.stores: not checked
        assert deployed.expect.backup is not None
        only_db = replace(deployed.expect, backup=replace(deployed.expect.backup,
                                                          stores=("database",)))
        rows = deployed.run(outputs={"documents": documents}, expect=only_db)
        assert [r.target for r in rows if r.target.startswith("latest backup")] == [
            f"latest backup {deployed.outputs['database']['identifier']}"]
    finally:
        deployed.backup.jobs[:] = [j for j in deployed.backup.jobs if j["ResourceArn"] != DOCS_ARN]


def test_a_store_without_its_arn_output_is_skipped_naming_the_key(deployed):
    """A configured store whose ARN output is missing (an older stack's outputs) SKIPs naming
    the key, never passes silently."""
    bucket = {k: v for k, v in deployed.outputs["assets"]["assets"].items() if k != "arn"}
    documents = {"cluster_identifier": "groundwork-prod-documents"}
    rows = {r.target: r for r in deployed.run(outputs={"assets": {"assets": bucket},
                                                       "documents": documents})
            if r.check == "backup"}
    assert rows["latest backup (assets)"].detail == "SKIP: output assets.assets.arn missing"
    assert rows["latest backup (documents)"].detail == "SKIP: output documents.arn missing"
    assert rows["latest backup (assets)"].status == rows["latest backup (documents)"].status == "SKIP"


def test_dev_has_no_backup_check(dev):
    """dev: backups off and no `backup` output, so the check prints nothing."""
    from groundwork.stacks.loader import environment_from_file

    expect = verify.Expectations.from_config(environment_from_file("dev"))
    assert expect.backup is None
    assert verify.Verifier(dev.stack_outputs, expect, clients=lambda n: None).backup() == []
