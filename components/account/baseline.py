"""`AccountBaseline`: the whole account baseline as one component, each piece switchable.

`AccountBaseline(name, AccountBaselineArgs(...))` builds `AuditTrail` (`<name>-trail`),
`ConfigRecorder` (`<name>-config`, its delivery bucket logging into the trail's access-log
bucket), `ThreatDetection` (`<name>-guardduty`), `SecurityHub` (`<name>-securityhub`),
`AccountSettings` (`<name>-settings`) and `Budget` (`<name>-budget`). `<piece>_enabled=False`
leaves a piece out, for an account that gets it from AWS Organizations or Control Tower
(docs/account.md says how to decide); `<piece>` holds its settings.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pydantic import Field, model_validator

from groundwork.components.account.account_settings import (
    AccountSettings,
    AccountSettingsArgs,
    AccountSettingsSettings,
    check_contact,
)
from groundwork.components.account.audit_trail import AuditTrail, AuditTrailArgs, AuditTrailSettings
from groundwork.components.account.budget import Budget, BudgetArgs, BudgetSettings
from groundwork.components.account.config_recorder import (
    ConfigRecorder,
    ConfigRecorderArgs,
    ConfigRecorderSettings,
)
from groundwork.components.account.security_hub import SecurityHub, SecurityHubArgs, SecurityHubSettings
from groundwork.components.account.threat_detection import (
    ThreatDetection,
    ThreatDetectionArgs,
    ThreatDetectionSettings,
)
from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import AccountContext, account_for, check_component_name, component_naming

PIECES = {
    "audit_trail": "trail",
    "config_recorder": "config",
    "threat_detection": "guardduty",
    "security_hub": "securityhub",
    "account_settings": "settings",
    "budget": "budget",
}
"""Piece (its settings field) -> the suffix of its component's name."""


class AccountBaselineSettings(ArgsModel):
    """Which pieces of the baseline this account builds, and each piece's settings."""

    audit_trail_enabled: bool = True
    """CloudTrail (default true; false when an organization trail already records this
    account)."""
    audit_trail: AuditTrailSettings = Field(default_factory=AuditTrailSettings)
    """The trail's settings (default: AuditTrailSettings' defaults)."""
    config_recorder_enabled: bool = True
    """AWS Config (default true; false when Control Tower or an organization conformance setup
    already records this account, or in a region where another stack records it)."""
    config_recorder: ConfigRecorderSettings = Field(default_factory=ConfigRecorderSettings)
    """The recorder's settings (default: ConfigRecorderSettings' defaults)."""
    threat_detection_enabled: bool = True
    """GuardDuty (default true; false when a delegated administrator enables it for the
    organization's members)."""
    threat_detection: ThreatDetectionSettings = Field(default_factory=ThreatDetectionSettings)
    """The detector's settings (default: ThreatDetectionSettings' defaults)."""
    security_hub_enabled: bool = True
    """Security Hub (default true; false when a delegated administrator manages it)."""
    security_hub: SecurityHubSettings = Field(default_factory=SecurityHubSettings)
    """Security Hub's settings (default: FSBP only)."""
    account_settings_enabled: bool = True
    """EBS encryption by default, account S3 Block Public Access, password policy and security
    contact (default true; each also has its own switch)."""
    account_settings: AccountSettingsSettings = Field(default_factory=AccountSettingsSettings)
    """Their settings (default: everything on with CIS values; the security contact's four
    fields are required while it is on)."""
    budget_enabled: bool = True
    """The monthly cost budget (default true; false when the payer account budgets for this
    one)."""
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    """The budget's settings (default: 100 USD a month, alerts at 80 % and 100 %)."""

    def enabled(self) -> list[str]:
        """The pieces switched on, in build order."""
        return [piece for piece in PIECES if getattr(self, f"{piece}_enabled")]


class AccountBaselineArgs(ComponentArgs, AccountBaselineSettings):
    """Everything `AccountBaseline` takes."""

    ebs_default_kms_key_arn: Input[str] | None = None
    """A customer-managed key for EBS encryption by default (default none: `aws/ebs`)."""
    trail_kms_key_arn: Input[str] | None = None
    """An existing key for the trail (default none: the trail creates its own)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up once through the provider)."""

    @model_validator(mode="after")
    def _contact(self) -> AccountBaselineArgs:
        if self.account_settings_enabled:
            check_contact(self.account_settings, "AccountBaselineArgs.account_settings")
        return self


class AccountBaseline(pulumi.ComponentResource):
    """CloudTrail, Config, GuardDuty, Security Hub, account settings and a budget for one
    account and region, each switchable.

    `AccountBaseline(name, AccountBaselineArgs(...), opts)`. Attributes (None when switched
    off): `audit_trail`, `config_recorder`, `threat_detection`, `security_hub`,
    `account_settings`, `budget`. Outputs: `enabled` (the pieces built).
    """

    audit_trail: AuditTrail | None
    config_recorder: ConfigRecorder | None
    threat_detection: ThreatDetection | None
    security_hub: SecurityHub | None
    account_settings: AccountSettings | None
    budget: Budget | None

    def __init__(self, name: str, args: AccountBaselineArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else AccountBaselineArgs()
        component_naming("AccountBaseline", name, args)
        for suffix in PIECES.values():
            try:
                check_component_name("AccountBaseline", f"{name}-{suffix}")
            except ValueError:
                raise ValueError(f"AccountBaseline: name {name!r} is too long: its pieces are "
                                 f"named <name>-<piece> ({name}-{suffix}), at most 40 characters"
                                 ) from None
        super().__init__("groundwork:account:AccountBaseline", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        common: dict[str, Any] = {"name_prefix": args.name_prefix, "tags": dict(args.tags)}
        opts_ = pulumi.ResourceOptions(parent=self)

        def child(piece: str) -> str:
            return f"{name}-{PIECES[piece]}"

        self.audit_trail = AuditTrail(child("audit_trail"), AuditTrailArgs(
            **args.audit_trail.settings(AuditTrailSettings), **common,
            kms_key_arn=args.trail_kms_key_arn, account=account),
            opts=opts_) if args.audit_trail_enabled else None
        self.config_recorder = ConfigRecorder(child("config_recorder"), ConfigRecorderArgs(
            **args.config_recorder.settings(ConfigRecorderSettings), **common,
            access_log_bucket=self.audit_trail.access_log_bucket_name if self.audit_trail else None,
            account=account), opts=opts_) if args.config_recorder_enabled else None
        self.threat_detection = ThreatDetection(child("threat_detection"), ThreatDetectionArgs(
            **args.threat_detection.settings(ThreatDetectionSettings), **common),
            opts=opts_) if args.threat_detection_enabled else None
        self.security_hub = SecurityHub(child("security_hub"), SecurityHubArgs(
            **args.security_hub.settings(SecurityHubSettings), **common, account=account),
            opts=opts_) if args.security_hub_enabled else None
        self.account_settings = AccountSettings(child("account_settings"), AccountSettingsArgs(
            **args.account_settings.settings(AccountSettingsSettings), **common,
            ebs_default_kms_key_arn=args.ebs_default_kms_key_arn),
            opts=opts_) if args.account_settings_enabled else None
        self.budget = Budget(child("budget"), BudgetArgs(
            **args.budget.settings(BudgetSettings), **common, account=account),
            opts=opts_) if args.budget_enabled else None
        self.enabled: list[str] = args.enabled()
        self.register_outputs({"enabled": self.enabled})
