"""`EcsCluster`: an ECS cluster and its Fargate capacity providers.

- Container Insights on (`enhanced` by default: per-task and per-container metrics; FSBP ECS.12),
  never off.
- FARGATE and FARGATE_SPOT associated through `aws.ecs.ClusterCapacityProviders`, so each service
  picks one in its own capacity-provider strategy; the cluster default is plain FARGATE, so a
  service that names none never lands on Spot.
- ECS Exec is off unless `execute_command` is true. When on, its sessions are encrypted with the
  given logs key and every session is logged to a KMS-encrypted log group (`logging =
  OVERRIDE`), so a shell into production always leaves a trail.

Names: the cluster is `<prefix>-<name>` (`groundwork-prod-cluster` for the component "cluster"),
the Exec log group `/ecs/<prefix>-<name>-exec`.
"""

from __future__ import annotations

from typing import Literal

import pulumi
import pulumi_aws as aws
from pydantic import field_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input, check_retention
from groundwork.components.base import child_opts, component_naming

CAPACITY_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


class EcsClusterSettings(ArgsModel):
    """The cluster's tunables."""

    container_insights: Literal["enhanced", "enabled"] = "enhanced"
    """Container Insights level (default enhanced: per-task metrics; FSBP ECS.12 wants it on,
    and there is no off)."""
    execute_command: bool = False
    """Allow ECS Exec into tasks (default false: no shell into a task; when on, its sessions are
    encrypted and logged with `logs_key_arn`)."""
    log_retention_days: int = 365
    """Retention of the service log groups (the services' default) and of the Exec log group
    (default 365 days: a year of logs for incident reviews)."""

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        return check_retention(v)


class EcsClusterArgs(ComponentArgs, EcsClusterSettings):
    """Everything `EcsCluster` takes: its settings plus the key of its Exec logs."""

    logs_key_arn: Input[str] | None = None
    """KMS key of the Exec log group and of the Exec session data (required when
    `execute_command` is true, unused otherwise; e.g. `EnvironmentKeys.logs`)."""
    exec_log_group_name: str = ""
    """Name of the Exec log group (default "": `/ecs/<prefix>-<name>-exec`). Set it only to keep
    a group created before: a rename replaces it and deletes the session logs it holds."""


class EcsCluster(pulumi.ComponentResource):
    """The ECS cluster.

    `EcsCluster(name, EcsClusterArgs(...), opts)`. Outputs: `name`, `arn`; `exec_log_group`
    (None unless ECS Exec is on) and `exec_key_arn` (the key that encrypts Exec sessions: the
    task role of every service needs kms:Decrypt on it when Exec is on). `args`: the Args it was
    built with (`args.log_retention_days` is the services' default retention).
    """

    def __init__(self, name: str, args: EcsClusterArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else EcsClusterArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("EcsCluster", name, args)
        if args.execute_command and args.logs_key_arn is None:
            raise ValueError(f"EcsCluster {name!r}: EcsClusterArgs.logs_key_arn is required when "
                             "execute_command is true (a KMS key ARN that encrypts the Exec "
                             "sessions and their log group)")
        super().__init__("groundwork:compute:EcsCluster", name, None, opts)
        self.args = args
        physical = naming.name()

        self.exec_log_group: aws.cloudwatch.LogGroup | None = None
        self.exec_key_arn: Input[str] | None = None
        configuration = None
        if args.execute_command:
            group_name = args.exec_log_group_name or f"/ecs/{naming.name('exec')}"
            self.exec_log_group = aws.cloudwatch.LogGroup(
                f"{name}-exec-logs",
                name=group_name,
                kms_key_id=args.logs_key_arn,
                retention_in_days=args.log_retention_days,
                tags=naming.tagged(group_name, Component="cluster"),
                opts=child_opts(self),
            )
            self.exec_key_arn = args.logs_key_arn
            configuration = aws.ecs.ClusterConfigurationArgs(
                execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
                    kms_key_id=args.logs_key_arn,
                    logging="OVERRIDE",
                    log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                        cloud_watch_encryption_enabled=True,
                        cloud_watch_log_group_name=self.exec_log_group.name,
                    ),
                ),
            )

        # The cluster's logical name is the component's own (unique per component; its URN
        # predates the Args API).
        self.cluster = aws.ecs.Cluster(
            name,
            name=physical,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights",
                                                 value=args.container_insights)],
            configuration=configuration,
            tags=naming.tagged(physical, Component="cluster"),
            opts=child_opts(self),
        )
        self.capacity_providers = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            cluster_name=self.cluster.name,
            capacity_providers=list(CAPACITY_PROVIDERS),
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider="FARGATE", weight=1, base=0),
            ],
            opts=child_opts(self),
        )

        self.name: pulumi.Output[str] = self.cluster.name
        self.arn: pulumi.Output[str] = self.cluster.arn
        self.register_outputs({"name": self.name, "arn": self.arn})
