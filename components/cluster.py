"""`EcsCluster`: the environment's ECS cluster and its Fargate capacity providers.

- Container Insights on (`enhanced` by default: per-task and per-container metrics; FSBP ECS.12),
  from config, never off.
- FARGATE and FARGATE_SPOT associated through `aws.ecs.ClusterCapacityProviders`, so each service
  picks one in its own capacity-provider strategy (dev services run on Spot by default); the
  cluster default is plain FARGATE, so a service that names none never lands on Spot.
- ECS Exec is off unless `cluster.execute_command` is true. When on, its sessions are encrypted
  with the environment's logs key and every session is logged to a KMS-encrypted log group
  (`logging = OVERRIDE`), so a shell into production always leaves a trail.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from groundwork.components.base import Naming, child_opts
from groundwork.stacks.config import ClusterConfig

CAPACITY_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


class EcsCluster(pulumi.ComponentResource):
    """The ECS cluster.

    Outputs: `name`, `arn`; `exec_log_group` (None unless ECS Exec is on) and `exec_key_arn`
    (the key that encrypts Exec sessions: the task role of every service needs kms:Decrypt on it
    when Exec is on).
    """

    def __init__(
        self,
        name: str,
        config: ClusterConfig,
        *,
        naming: Naming,
        logs_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`logs_key_arn`: the environment's logs key; it encrypts the Exec log group and the
        Exec session data (only used when `config.execute_command` is true)."""
        super().__init__("groundwork:compute:EcsCluster", name, None, opts)
        self.config = config
        physical = naming.name("cluster")

        self.exec_log_group: aws.cloudwatch.LogGroup | None = None
        self.exec_key_arn: pulumi.Input[str] | None = None
        configuration = None
        if config.execute_command:
            group_name = f"/ecs/{naming.name('exec')}"
            self.exec_log_group = aws.cloudwatch.LogGroup(
                f"{name}-exec-logs",
                name=group_name,
                kms_key_id=logs_key_arn,
                retention_in_days=config.log_retention_days,
                tags=naming.tagged(group_name, Component="cluster"),
                opts=child_opts(self),
            )
            self.exec_key_arn = logs_key_arn
            configuration = aws.ecs.ClusterConfigurationArgs(
                execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
                    kms_key_id=logs_key_arn,
                    logging="OVERRIDE",
                    log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                        cloud_watch_encryption_enabled=True,
                        cloud_watch_log_group_name=self.exec_log_group.name,
                    ),
                ),
            )

        self.cluster = aws.ecs.Cluster(
            name,
            name=physical,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights",
                                                 value=config.container_insights)],
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
