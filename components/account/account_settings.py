"""`AccountSettings`: the account-wide switches that have no resource of their own elsewhere.

- EBS encryption by default in this region (EC2.7), optionally with a customer-managed default
  key (AWS's `aws/ebs` key otherwise);
- S3 Block Public Access at the account level, all four settings (S3.1): no bucket policy or ACL
  in the account can make data public, whatever a bucket's own block says;
- the IAM password policy with CIS values (IAM.15: at least 14 characters; IAM.16: the last 24
  passwords can't be reused; IAM.7: upper, lower, digit and symbol, 90-day expiry);
- the alternate SECURITY contact (Account.1), so AWS's security notices reach a team and not
  only the root mailbox.

The password policy and the contact are account-wide (global); EBS encryption by default is
per region: in a second region's stack switch the global ones off.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import child_opts, component_naming

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[\s0-9()+-]+$")
"""AWS's pattern for an alternate contact's phone number."""


class SecurityContactSettings(ArgsModel):
    """Who AWS tells about security issues in the account (the alternate SECURITY contact)."""

    name: Annotated[str, Field(max_length=64)] = ""
    """Name of the person or team (required when the contact is on)."""
    title: Annotated[str, Field(max_length=50)] = ""
    """Their title, e.g. Security team (required when the contact is on)."""
    email: Annotated[str, Field(max_length=254)] = ""
    """A monitored mailbox, e.g. security@example.com (required when the contact is on)."""
    phone: Annotated[str, Field(max_length=25)] = ""
    """A phone number, e.g. +1 555 0100 (required when the contact is on)."""

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if v and not EMAIL.match(v):
            raise ValueError(f"{v!r} is not an email address")
        return v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        if v and not PHONE.match(v):
            raise ValueError(f"{v!r} is not a phone number (digits, spaces, + - ( ) only)")
        return v

    def missing(self) -> list[str]:
        return [k for k in ("name", "title", "email", "phone") if not getattr(self, k).strip()]


def check_contact(settings: AccountSettingsSettings, owner: str) -> None:
    """The contact's four fields are required when it is on (AWS refuses an empty one)."""
    if settings.security_contact_enabled:
        missing = settings.security_contact.missing()
        if missing:
            raise ValueError(
                f"{owner}.security_contact_enabled is true, so {owner}.security_contact needs "
                + ", ".join(missing) + " (or switch the contact off when the organization sets it)")


class PasswordPolicySettings(ArgsModel):
    """The IAM password policy (CIS AWS Foundations values by default)."""

    minimum_length: Annotated[int, Field(ge=14, le=128)] = 14
    """Minimum password length (default 14, CIS and FSBP IAM.15; less is refused)."""
    reuse_prevention: Annotated[int, Field(ge=24, le=24)] = 24
    """How many previous passwords can't be reused (default 24, CIS and FSBP IAM.16: AWS's
    maximum, and the only value allowed)."""
    max_age_days: Annotated[int, Field(ge=0, le=90)] = 90
    """Days before a password expires (default 90, FSBP IAM.7; 0 never expires, which NIST
    800-63B prefers but IAM.7 fails)."""
    require_symbols: bool = True
    """At least one symbol (default true)."""
    require_numbers: bool = True
    """At least one digit (default true)."""
    require_uppercase: bool = True
    """At least one uppercase letter (default true)."""
    require_lowercase: bool = True
    """At least one lowercase letter (default true)."""


class AccountSettingsSettings(ArgsModel):
    """Which account-wide settings this component manages, and their values."""

    ebs_encryption_by_default: bool = True
    """Encrypt every new EBS volume and snapshot copy in this region (default true, EC2.7)."""
    s3_account_public_access_block: bool = True
    """Block public access for every bucket of the account, all four settings (default true,
    S3.1)."""
    vpc_block_public_access: Literal["block-ingress", "block-bidirectional", "off"] = "block-ingress"
    """VPC Block Public Access for the region (default block-ingress, FSBP EC2.172: nothing in
    any VPC is reachable from the internet except subnets excluded on purpose, which groundwork's
    `Network` does for its public tiers; NAT egress keeps working. `block-bidirectional` also cuts
    NAT egress; `off` leaves the account as AWS creates it)."""
    password_policy_enabled: bool = True
    """Manage the IAM password policy (default true)."""
    password_policy: PasswordPolicySettings = Field(default_factory=PasswordPolicySettings)
    """The policy's values (default: CIS's)."""
    security_contact_enabled: bool = True
    """Set the alternate SECURITY contact (default true, Account.1; then `security_contact`'s
    four fields are required)."""
    security_contact: SecurityContactSettings = Field(default_factory=SecurityContactSettings)
    """The contact (default empty: required when `security_contact_enabled` is on)."""


class AccountSettingsArgs(ComponentArgs, AccountSettingsSettings):
    """Everything `AccountSettings` takes."""

    ebs_default_kms_key_arn: Input[str] | None = None
    """A customer-managed key for EBS encryption by default (default none: AWS's `aws/ebs`
    key). Its policy must let the account's EC2 principals use it."""

    @model_validator(mode="after")
    def _contact(self) -> AccountSettingsArgs:
        check_contact(self, "AccountSettingsArgs")
        return self


class AccountSettings(pulumi.ComponentResource):
    """EBS encryption by default, account-level S3 Block Public Access, the IAM password policy
    and the alternate security contact.

    `AccountSettings(name, AccountSettingsArgs(...), opts)`. Children (each only when on):
    `<name>-ebs-encryption`, `<name>-ebs-key`, `<name>-s3-public-access`,
    `<name>-vpc-block-public-access`, `<name>-password-policy`, `<name>-security-contact`.
    """

    def __init__(self, name: str, args: AccountSettingsArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        if args is None:
            args = AccountSettingsArgs()
        component_naming("AccountSettings", name, args)
        super().__init__("groundwork:account:AccountSettings", name, None, opts)
        self.args = args
        self.resources: dict[str, Any] = {}
        if args.ebs_encryption_by_default:
            self.resources["ebs"] = aws.ebs.EncryptionByDefault(
                f"{name}-ebs-encryption", enabled=True, opts=child_opts(self))
            if args.ebs_default_kms_key_arn is not None:
                self.resources["ebs_key"] = aws.ebs.DefaultKmsKey(
                    f"{name}-ebs-key", key_arn=args.ebs_default_kms_key_arn, opts=child_opts(self))
        if args.s3_account_public_access_block:
            self.resources["s3"] = aws.s3.AccountPublicAccessBlock(
                f"{name}-s3-public-access",
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
                opts=child_opts(self),
            )
        if args.vpc_block_public_access != "off":
            self.resources["vpc_bpa"] = aws.ec2.VpcBlockPublicAccessOptions(
                f"{name}-vpc-block-public-access",
                internet_gateway_block_mode=args.vpc_block_public_access,
                opts=child_opts(self),
            )
        if args.password_policy_enabled:
            pp = args.password_policy
            self.resources["password"] = aws.iam.AccountPasswordPolicy(
                f"{name}-password-policy",
                minimum_password_length=pp.minimum_length,
                password_reuse_prevention=pp.reuse_prevention,
                max_password_age=pp.max_age_days or None,
                require_symbols=pp.require_symbols,
                require_numbers=pp.require_numbers,
                require_uppercase_characters=pp.require_uppercase,
                require_lowercase_characters=pp.require_lowercase,
                allow_users_to_change_password=True,
                hard_expiry=False,
                opts=child_opts(self),
            )
        if args.security_contact_enabled:
            c = args.security_contact
            self.resources["contact"] = aws.account.AlternativeContact(
                f"{name}-security-contact",
                alternate_contact_type="SECURITY",
                name=c.name,
                title=c.title,
                email_address=c.email,
                phone_number=c.phone,
                opts=child_opts(self),
            )
        self.register_outputs({})
