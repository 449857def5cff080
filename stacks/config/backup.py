"""The `backup` section: AWS Backup for the environment's data stores (the `BackupPlan`
component's settings, components/backup.py), the DR region its copies go to, and the stated
recovery objectives (`rpo_minutes`, `rto_minutes`) the schedule is checked against.

Off in dev by default (a documented choice: dev data is disposable and a vault with copies in a
second region costs more than dev's database); on in prod, where a 60-minute RPO and a
240-minute RTO are the defaults. See docs/backup.md."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from groundwork.components.backup import BackupPlanSettings
from groundwork.stacks.config._base import _Strict

__all__ = ["BACKUP_STORES", "DR_REGION_PAIRS", "TABLE_NAME", "BackupConfig", "BackupStore", "DrillConfig"]

BackupStore = Literal["database", "documents", "assets"]
BACKUP_STORES: tuple[BackupStore, ...] = ("database", "documents", "assets")
"""The stores AWS Backup can cover (RDS, DocumentDB, S3). The cache is covered by its own
snapshots and OpenSearch by its automated snapshots: AWS Backup supports neither."""


DR_REGION_PAIRS: dict[str, str] = {
    "us-east-1": "us-west-2", "us-east-2": "us-west-2", "us-west-1": "us-east-1",
    "us-west-2": "us-east-1", "ca-central-1": "ca-west-1", "ca-west-1": "ca-central-1",
    "eu-west-1": "eu-central-1", "eu-west-2": "eu-west-1", "eu-west-3": "eu-central-1",
    "eu-central-1": "eu-west-1", "eu-north-1": "eu-west-1", "eu-south-1": "eu-central-1",
    "ap-southeast-1": "ap-southeast-2", "ap-southeast-2": "ap-southeast-1",
    "ap-northeast-1": "ap-northeast-3", "ap-northeast-2": "ap-northeast-1",
    "ap-northeast-3": "ap-northeast-1", "ap-south-1": "ap-south-2", "sa-east-1": "us-east-1",
    "us-gov-west-1": "us-gov-east-1", "us-gov-east-1": "us-gov-west-1",
}
"""prod's default `backup.copy_to_region` for a stack region: another region of the same
partition, on the same continent where AWS has one (data residency), far enough apart that
one event rarely takes both. A region not listed must set copy_to_region."""


TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$")
"""`table` or `schema.table`: PostgreSQL identifiers the drill quotes into `SELECT count(*)`."""


class DrillConfig(_Strict):
    """What `groundwork drill restore` checks in the throwaway restore (docs/backup.md,
    "Restore drills")."""

    tables: list[str] = Field(default_factory=list)
    """Tables whose row counts the drill reports, `table` or `schema.table` (default none:
    connect and `SELECT 1` only). A table the restore lacks fails the check."""
    timeout_minutes: Annotated[int, Field(ge=5, le=1440)] = 120
    """How long the drill waits for the restored instance before it gives up, cleans up and
    reports `timeout` (default 120 minutes: half the default 240-minute RTO)."""
    instance_class: str | None = None
    """The throwaway instance's class (default none: the source's, so the measured restore
    time is the one a real recovery would see)."""
    from_cidr: str | None = None
    """The only ingress of the throwaway security group, on the database port: where the
    drill's check connects from (default none: the VPC's CIDR, for a drill run inside the VPC;
    `--from-cidr` overrides it)."""

    @field_validator("tables")
    @classmethod
    def _table_names(cls, tables: list[str]) -> list[str]:
        bad = [t for t in tables if not TABLE_NAME.match(t)]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))}: a table is `name` or `schema.name`, "
                             "letters, digits and underscores, a letter or underscore first")
        return tables

    @field_validator("from_cidr")
    @classmethod
    def _cidr(cls, value: str | None) -> str | None:
        if value is not None:
            import ipaddress

            try:
                ipaddress.IPv4Network(value)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not an IPv4 CIDR ({exc})") from None
            if value.endswith("/0"):
                raise ValueError(f"{value!r} opens the restored database to the internet; give "
                                 "the runner's address or the VPC's CIDR")
        return value


class BackupConfig(_Strict, BackupPlanSettings):
    """AWS Backup for the environment (the `BackupPlan` component's settings,
    components/backup.py): the daily, monthly and continuous rules, the vault lock, the DR
    region, restore testing and the stated RPO/RTO. The vault's deny-delete policy, the tag
    selection and encryption with the data key are always on and not keys."""

    enabled: bool = True
    """Back the stores up with AWS Backup (default true; the dev profile turns it off: dev's
    data is disposable and the vault, its copies and the DR key cost more than dev's database)."""
    stores: tuple[BackupStore, ...] = BACKUP_STORES
    """Which stores the plan covers, when they exist (default all three: the database, the
    DocumentDB cluster and the asset buckets)."""
    drill: DrillConfig = Field(default_factory=DrillConfig)
    """What the restore drill checks (`groundwork drill restore`, docs/operations.md)."""
