"""The `backup` section: AWS Backup for the environment's data stores (the `BackupPlan`
component's settings, components/backup.py), the DR region its copies go to, and the stated
recovery objectives (`rpo_minutes`, `rto_minutes`) the schedule is checked against.

Off in dev by default (a documented choice: dev data is disposable and a vault with copies in a
second region costs more than dev's database); on in prod, where the seed's 60-minute RPO and
240-minute RTO are the defaults. See docs/backup.md."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from groundwork.stacks.config._base import _Strict

__all__ = ["BACKUP_STORES", "BackupConfig", "BackupStore", "DrillConfig"]

BackupStore = Literal["database", "documents", "assets"]
BACKUP_STORES: tuple[BackupStore, ...] = ("database", "documents", "assets")
"""The stores AWS Backup can cover (RDS, DocumentDB, S3). The cache is covered by its own
snapshots and OpenSearch by its automated snapshots: AWS Backup supports neither."""


class DrillConfig(_Strict):
    """What `groundwork drill restore` checks in the throwaway restore (lane C fills it in)."""

    tables: list[str] = Field(default_factory=list)
    """Tables whose row counts the drill reports (default none: connect and `SELECT 1` only)."""
    timeout_minutes: Annotated[int, Field(ge=5, le=1440)] = 120
    """How long the drill waits for the restored instance (default 120 minutes)."""


class BackupConfig(_Strict):
    """AWS Backup for the environment (lane A fills in the `BackupPlan` settings)."""

    enabled: bool = True
    """Back the stores up with AWS Backup (default true; the dev profile turns it off: dev's
    data is disposable and the vault, its copies and the DR key cost more than dev's database)."""
    stores: tuple[BackupStore, ...] = BACKUP_STORES
    """Which stores the plan covers, when they exist (default all three: the database, the
    DocumentDB cluster and the asset buckets)."""
    copy_to_region: str | None = None
    """The DR region every recovery point is copied to (default none; prod requires one other
    than the stack's region)."""
    rpo_minutes: Annotated[int, Field(ge=1)] = 60
    """The recovery point objective in minutes (default 60, the seed's one hour): the model
    refuses a schedule that can't meet it."""
    rto_minutes: Annotated[int, Field(ge=1)] = 240
    """The recovery time objective in minutes (default 240, the seed's four hours): restore
    drills report their measured time against it."""
    drill: DrillConfig = Field(default_factory=DrillConfig)
    """What the restore drill checks (`groundwork drill restore`, docs/operations.md)."""
