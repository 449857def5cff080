"""`ThreatDetection`: Amazon GuardDuty for one region, with the protection plans groundwork's
workloads need managed explicitly (each feature ENABLED or DISABLED, never left to whatever a
new detector happens to turn on).

Default on: the detector (GuardDuty.1), S3 Protection (S3 data events, GuardDuty.10), Runtime
Monitoring (GuardDuty.11) with the ECS Fargate agent managed by GuardDuty (GuardDuty.12: the
agent runs as a sidecar in every new Fargate task), RDS Protection (login events, GuardDuty.9)
and Lambda network logs (GuardDuty.6). Off by default because groundwork runs no EKS or EC2
fleet: EKS audit logs, the EKS and EC2 runtime agents, and EBS Malware Protection. Every plan is
billed by usage (events, vCPU-hours, GB scanned): docs/account.md.

Trap: a detector is one per account and region; an account whose GuardDuty is managed by an
Organizations delegated administrator must not create its own (switch it off).
"""

from __future__ import annotations

from typing import Literal

import pulumi
import pulumi_aws as aws

from groundwork.components.args import ArgsModel, ComponentArgs
from groundwork.components.base import child_opts, component_naming


class ThreatDetectionSettings(ArgsModel):
    """The detector's tunables: its publishing frequency and which protection plans run."""

    finding_publishing_frequency: Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] = "FIFTEEN_MINUTES"
    """How often updated findings reach EventBridge and Security Hub (default FIFTEEN_MINUTES:
    an active threat should not wait six hours, AWS's default)."""
    s3_data_events: bool = True
    """S3 Protection: object-level API activity on every bucket (default true, GuardDuty.10)."""
    runtime_monitoring: bool = True
    """Runtime Monitoring (default true, GuardDuty.11)."""
    ecs_fargate_agent_management: bool = True
    """GuardDuty manages the runtime agent for ECS Fargate (default true, GuardDuty.12: the
    services groundwork runs). Needs `runtime_monitoring`."""
    ec2_agent_management: bool = False
    """GuardDuty manages the runtime agent on EC2 instances (default false: groundwork runs no
    EC2 fleet). Needs `runtime_monitoring`."""
    eks_addon_management: bool = False
    """GuardDuty manages the EKS add-on (default false: no EKS). Needs `runtime_monitoring`."""
    rds_login_events: bool = True
    """RDS Protection: login activity on Aurora/RDS (default true, GuardDuty.9)."""
    lambda_network_logs: bool = True
    """Lambda Protection: network activity of functions (default true, GuardDuty.6)."""
    eks_audit_logs: bool = False
    """EKS audit-log monitoring (default false: groundwork runs no EKS)."""
    ebs_malware_protection: bool = False
    """Malware scans of EBS volumes on findings (default false: no EC2 fleet)."""

    def features(self) -> dict[str, tuple[bool, dict[str, bool]]]:
        """Feature name -> (on, additional configuration name -> on)."""
        on = self.runtime_monitoring
        runtime = {"ECS_FARGATE_AGENT_MANAGEMENT": on and self.ecs_fargate_agent_management,
                   "EC2_AGENT_MANAGEMENT": on and self.ec2_agent_management,
                   "EKS_ADDON_MANAGEMENT": on and self.eks_addon_management}
        return {
            "S3_DATA_EVENTS": (self.s3_data_events, {}),
            "RUNTIME_MONITORING": (self.runtime_monitoring, runtime),
            "RDS_LOGIN_EVENTS": (self.rds_login_events, {}),
            "LAMBDA_NETWORK_LOGS": (self.lambda_network_logs, {}),
            "EKS_AUDIT_LOGS": (self.eks_audit_logs, {}),
            "EBS_MALWARE_PROTECTION": (self.ebs_malware_protection, {}),
        }


class ThreatDetectionArgs(ComponentArgs, ThreatDetectionSettings):
    """Everything `ThreatDetection` takes (it connects to nothing)."""


def _status(on: bool) -> str:
    return "ENABLED" if on else "DISABLED"


class ThreatDetection(pulumi.ComponentResource):
    """A GuardDuty detector and one `DetectorFeature` per protection plan.

    `ThreatDetection(name, ThreatDetectionArgs(...), opts)`. Children: `<name>-detector` and
    `<name>-<feature>` (e.g. `<name>-runtime-monitoring`). Outputs: `detector_id`.
    """

    def __init__(self, name: str, args: ThreatDetectionArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else ThreatDetectionArgs()
        naming = component_naming("ThreatDetection", name, args)
        super().__init__("groundwork:account:ThreatDetection", name, None, opts)
        self.args = args
        self.detector = aws.guardduty.Detector(
            f"{name}-detector",
            enable=True,
            finding_publishing_frequency=args.finding_publishing_frequency,
            tags=naming.tagged(naming.prefix, Component="threat-detection"),
            opts=child_opts(self),
        )
        self.features: dict[str, aws.guardduty.DetectorFeature] = {}
        for feature, (on, extra) in args.features().items():
            self.features[feature] = aws.guardduty.DetectorFeature(
                f"{name}-{feature.lower().replace('_', '-')}",
                detector_id=self.detector.id,
                name=feature,
                status=_status(on),
                additional_configurations=[
                    aws.guardduty.DetectorFeatureAdditionalConfigurationArgs(name=k, status=_status(v))
                    for k, v in extra.items()] or None,
                opts=child_opts(self),
            )
        self.detector_id: pulumi.Output[str] = self.detector.id
        self.register_outputs({"detector_id": self.detector_id})
