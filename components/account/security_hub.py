"""`SecurityHub`: AWS Security Hub for one region, with AWS Foundational Security Best Practices
subscribed (the pack's `securityhub-fsbp-enabled`; no FSBP control checks Security Hub itself)
and, optionally, the CIS AWS Foundations Benchmark.

AWS's default standards are not enabled implicitly (`enable_default_standards=False`): the
subscriptions are explicit resources, so removing one is a reviewed change. Controls are
consolidated (`SECURITY_CONTROL` findings: one finding per control, whatever standards name it)
and new controls are enabled automatically. Most controls are evaluated from AWS Config, so the
account needs a `ConfigRecorder` (or an organization's) too; findings are billed per check.
"""

from __future__ import annotations

from typing import Literal

import pulumi
import pulumi_aws as aws

from groundwork.components.args import ArgsModel, ComponentArgs
from groundwork.components.base import AccountContext, account_for, child_opts, component_naming

CIS_VERSIONS = ("1.4.0", "3.0.0", "5.0.0")


def fsbp_arn(region: str, partition: str = "aws") -> str:
    """The FSBP standard's ARN in a region."""
    return f"arn:{partition}:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0"


def cis_arn(region: str, version: str, partition: str = "aws") -> str:
    """The CIS AWS Foundations Benchmark standard's ARN (1.4.0 and later are regional)."""
    return f"arn:{partition}:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/{version}"


class SecurityHubSettings(ArgsModel):
    """Which standards Security Hub checks. FSBP is always on."""

    cis_version: Literal["1.4.0", "3.0.0", "5.0.0"] | None = None
    """Also subscribe the CIS AWS Foundations Benchmark at this version (default none: FSBP
    already covers what groundwork builds; CIS adds account-level checks, billed per check)."""
    auto_enable_controls: bool = True
    """Enable controls AWS adds to a subscribed standard (default true)."""


class SecurityHubArgs(ComponentArgs, SecurityHubSettings):
    """Everything `SecurityHub` takes."""

    account: AccountContext | None = None
    """Region and partition of the standards' ARNs (default none: looked up)."""


class SecurityHub(pulumi.ComponentResource):
    """Security Hub with the FSBP standard subscribed (and CIS when asked).

    `SecurityHub(name, SecurityHubArgs(...), opts)`. Children: `<name>-account`, `<name>-fsbp`,
    `<name>-cis`. Outputs: `standards_arns`.
    """

    def __init__(self, name: str, args: SecurityHubArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else SecurityHubArgs()
        component_naming("SecurityHub", name, args)
        super().__init__("groundwork:account:SecurityHub", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        self.hub = aws.securityhub.Account(
            f"{name}-account",
            enable_default_standards=False,
            auto_enable_controls=args.auto_enable_controls,
            control_finding_generator="SECURITY_CONTROL",
            opts=child_opts(self),
        )
        arns = {"fsbp": fsbp_arn(account.region, account.partition)}
        if args.cis_version is not None:
            arns["cis"] = cis_arn(account.region, args.cis_version, account.partition)
        self.subscriptions = {
            key: aws.securityhub.StandardsSubscription(
                f"{name}-{key}", standards_arn=arn, opts=child_opts(self, depends_on=[self.hub]))
            for key, arn in arns.items()
        }
        self.standards_arns: dict[str, str] = arns
        self.register_outputs({"standards_arns": arns})
