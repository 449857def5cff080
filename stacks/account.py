"""The account program's config (`account/`, the Pulumi project `groundwork-account`): one
stack per AWS account (and per extra region), validated before any resource exists.

Every key lives in the `groundwork-account:` namespace of `account/Pulumi.<stack>.yaml`. Each
section is its `AccountBaseline` piece's settings (components/account/) plus `enabled`, so one
type carries each concept from YAML to the component; a bad key is one line naming the full key
(`groundwork-account:budget.limit_usd`) and what is allowed, as the environment stacks' config.

    groundwork-account:tags:             {Owner: platform-team}   (Owner required)
    groundwork-account:audit_trail:      {enabled: true, retention_days: 2557, ...}
    groundwork-account:account_settings: {security_contact: {name, title, email, phone}}
    groundwork-account:budget:           {limit_usd: 500, alert_emails: [...]}

Reference: docs/account.md and docs/reference/account-baseline.md.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from groundwork.components.account.account_settings import AccountSettingsSettings, check_contact
from groundwork.components.account.audit_trail import AuditTrailSettings
from groundwork.components.account.budget import BudgetSettings
from groundwork.components.account.config_recorder import ConfigRecorderSettings
from groundwork.components.account.security_hub import SecurityHubSettings
from groundwork.components.account.threat_detection import ThreatDetectionSettings
from groundwork.components.base import COMPONENT_NAME
from groundwork.stacks.config._base import _Strict, _suggest
from groundwork.stacks.config.loader import ConfigError, _describe, _key_path

if TYPE_CHECKING:
    from groundwork.components.account.baseline import AccountBaseline, AccountBaselineArgs
    from groundwork.components.base import AccountContext

ACCOUNT_NAMESPACE = "groundwork-account"
"""The account program's project name, and so its config namespace."""
ACCOUNT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "account"
"""The account program in this repository."""
DEFAULT_REGION = "us-east-1"


class _Switch(_Strict):
    enabled: bool = True
    """Build this piece (default true; false when AWS Organizations or Control Tower already
    provides it for this account: docs/account.md)."""


class AuditTrailConfig(_Switch, AuditTrailSettings):
    """CloudTrail: `AuditTrail`'s settings plus `enabled`."""


class ConfigRecorderConfig(_Switch, ConfigRecorderSettings):
    """AWS Config: `ConfigRecorder`'s settings plus `enabled`."""


class ThreatDetectionConfig(_Switch, ThreatDetectionSettings):
    """GuardDuty: `ThreatDetection`'s settings plus `enabled`."""


class SecurityHubConfig(_Switch, SecurityHubSettings):
    """Security Hub: `SecurityHub`'s settings plus `enabled`."""


class AccountSettingsConfig(_Switch, AccountSettingsSettings):
    """Account-wide settings: `AccountSettings`'s settings plus `enabled`."""


class BudgetConfig(_Switch, BudgetSettings):
    """AWS Budgets: `Budget`'s settings plus `enabled`."""


SECTIONS = ("audit_trail", "config_recorder", "threat_detection", "security_hub",
            "account_settings", "budget")


class AccountConfig(_Strict):
    """The `groundwork-account:` namespace of one account stack."""

    stack: str = "main"
    region: str = DEFAULT_REGION
    name: Annotated[str, Field(pattern=COMPONENT_NAME.pattern, max_length=28)] = "baseline"
    """The AccountBaseline's name (default baseline): it starts every logical and AWS name."""
    name_prefix: str = ""
    """Start of every AWS name (default "": `groundwork-<stack>`, so a second region's stack
    never collides with the first)."""
    tags: dict[str, str] = Field(default_factory=dict, validate_default=True)
    """Tags of every resource; `Owner` is required (Project, Environment and ManagedBy are
    added)."""
    audit_trail: AuditTrailConfig = Field(default_factory=AuditTrailConfig)
    """CloudTrail."""
    config_recorder: ConfigRecorderConfig = Field(default_factory=ConfigRecorderConfig)
    """AWS Config."""
    threat_detection: ThreatDetectionConfig = Field(default_factory=ThreatDetectionConfig)
    """GuardDuty."""
    security_hub: SecurityHubConfig = Field(default_factory=SecurityHubConfig)
    """Security Hub."""
    account_settings: AccountSettingsConfig = Field(default_factory=AccountSettingsConfig)
    """EBS encryption by default, account S3 Block Public Access, password policy, security
    contact."""
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    """The monthly budget."""

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        if not str(v.get("Owner") or "").strip():
            raise ValueError("missing required tag Owner")
        reserved = [k for k in v if k.lower().startswith("aws:")]
        if reserved:
            raise ValueError(f"tag keys starting with aws: are reserved by AWS: {', '.join(reserved)}")
        return v

    @property
    def prefix(self) -> str:
        return self.name_prefix or f"groundwork-{self.stack}".lower()

    def all_tags(self) -> dict[str, str]:
        return {**self.tags, "Project": "groundwork", "Environment": "account",
                "ManagedBy": "pulumi"}

    def baseline_args(self, account: AccountContext | None = None) -> AccountBaselineArgs:
        """The AccountBaselineArgs this config describes."""
        from groundwork.components.account.baseline import AccountBaselineArgs

        values: dict[str, Any] = {}
        for section in SECTIONS:
            cfg = getattr(self, section)
            values[f"{section}_enabled"] = cfg.enabled
            values[section] = {k: getattr(cfg, k) for k in cfg.model_fields if k != "enabled"}
        return AccountBaselineArgs(**values, name_prefix=self.prefix, tags=dict(self.all_tags()),
                                   account=account)


def load_account(raw: Mapping[str, Any], *, stack: str, region: str | None = None) -> AccountConfig:
    """Validate the `groundwork-account:` keys (without the prefix) of one stack; ConfigError
    (one line per problem, naming the full key) before anything is registered."""
    ns = ACCOUNT_NAMESPACE
    allowed = [k for k in AccountConfig.model_fields if k not in {"stack", "region"}]
    problems = [f"{ns}:{key}: unknown key; allowed: {', '.join(allowed)}" + _suggest(str(key), allowed)
                for key in raw if key not in allowed]
    merged = {k: v for k, v in raw.items() if k in allowed}
    merged.update(stack=stack, region=region or DEFAULT_REGION)
    config: AccountConfig | None = None
    try:
        config = AccountConfig.model_validate(merged)
    except ValidationError as exc:
        for err in exc.errors():
            key = _key_path(tuple(err["loc"]), merged)
            line = f"{ns}:{key}: {_describe(err)}" if key else f"{ns}: {_describe(err)}"
            if err.get("type") == "extra_forbidden" and len(err["loc"]) >= 2:
                section = AccountConfig.model_fields.get(str(err["loc"][0]))
                model = section.annotation if section is not None else None
                if isinstance(model, type) and issubclass(model, BaseModel):
                    keys = list(model.model_fields)
                    line += f"; allowed: {', '.join(keys)}" + _suggest(str(err["loc"][-1]), keys)
            problems.append(line)
    if config is not None and config.account_settings.enabled:
        try:
            check_contact(config.account_settings, f"{ns}:account_settings")
        except ValueError as exc:
            problems.append(str(exc))
    if problems or config is None:
        raise ConfigError(problems, stack)
    return config


def account_from_file(stack: str, project_dir: Path = ACCOUNT_PROJECT_DIR) -> AccountConfig:
    """Validate `<project_dir>/Pulumi.<stack>.yaml` offline (the CLI's first step)."""
    from groundwork.stacks.loader import read_stack_file

    sf = read_stack_file(stack, project_dir, project=ACCOUNT_NAMESPACE)
    prefix = f"{ACCOUNT_NAMESPACE}:"
    raw = {k[len(prefix):]: v for k, v in sf.config.items() if k.startswith(prefix)}
    return load_account(raw, stack=stack, region=sf.region)


def account_from_pulumi() -> AccountConfig:
    """Validate the running program's config (the first line of `account/__main__.py`)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    everything = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{ACCOUNT_NAMESPACE}:"
    raw: dict[str, Any] = {}
    for key, value in everything.items():
        if not key.startswith(prefix):
            continue
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value) if value[:1] in "{[" else value
        raw[key[len(prefix):]] = value
    return load_account(raw, stack=pulumi.get_stack(), region=pulumi.Config("aws").get("region"))


def build_account(config: AccountConfig) -> AccountBaseline:
    """The account program: an explicit provider (region, default tags) and one AccountBaseline."""
    import pulumi
    import pulumi_aws as aws

    from groundwork.components.account.baseline import AccountBaseline
    from groundwork.components.base import AccountContext, partition_of

    provider = aws.Provider("aws", region=config.region, default_tags={"tags": config.all_tags()})
    account = AccountContext(
        region=config.region,
        account_id=aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(provider=provider)).account_id,
        partition=partition_of(config.region),
    )
    baseline = AccountBaseline(config.name, config.baseline_args(account),
                               opts=pulumi.ResourceOptions(providers={"aws": provider}))
    pulumi.export("enabled", baseline.enabled)
    if baseline.audit_trail is not None:
        pulumi.export("trail_arn", baseline.audit_trail.trail_arn)
        pulumi.export("trail_bucket", baseline.audit_trail.bucket_name)
    if baseline.config_recorder is not None:
        pulumi.export("config_bucket", baseline.config_recorder.bucket_name)
    if baseline.threat_detection is not None:
        pulumi.export("guardduty_detector_id", baseline.threat_detection.detector_id)
    if baseline.budget is not None:
        pulumi.export("budget_topic_arn", baseline.budget.topic_arn)
    return baseline
