"""`FargateService`: one ECS service on Fargate, kind `web` (behind the shared ALB) or `worker`.

Task definition (FSBP ECS.2-ECS.10):
- cpu/memory from config (validated against Fargate's pairs before anything is registered),
  `runtime_platform` explicit (LINUX + X86_64 or ARM64).
- One container: numeric non-root `user`, `readonlyRootFilesystem`, a writable volume per
  `scratch_paths` entry (Fargate task storage), not privileged, no host PID (awsvpc), tini as
  PID 1 (`initProcessEnabled`: signals reach the app, zombies are reaped), `stopTimeout`, awslogs
  to a per-service log group encrypted with the logs key and with retention, plain settings in
  `environment`, secrets only as `secrets[].valueFrom` ARNs.
- Two roles. The execution role (used by ECS to start the task) may write its own log group,
  read exactly the secret ARNs the container references, decrypt them with the data key only via
  Secrets Manager, and pull from its own ECR repository when the image lives in ECR. The task
  role (the application's identity) gets nothing by default (ECS Exec's channel and log
  permissions when Exec is on).

Service:
- compute-tier subnets, no public IP (ECS.2), platform LATEST (ECS.10), FARGATE or FARGATE_SPOT
  (`spot`), AZ rebalancing on, tags propagated from the service.
- Deploys: min healthy 100 % / max 200 % (a full new set starts before any old task stops),
  circuit breaker with rollback, and alarm-based rollback on the alarms named by
  `components.alarm_names.deployment_alarm_names` (the alarms component creates them).
  `deployment.strategy` ROLLING (default), BLUE_GREEN or CANARY: the latter two get a second
  target group, a weighted production listener rule and an IAM role ECS assumes to re-weight it.
- A web service `depends_on` its listener rule (otherwise ECS races the ALB with "target group
  does not have an associated load balancer") and has a health-check grace period.
- Drift Pulumi ignores: `desiredCount` always (autoscaling owns the count after creation: a
  `pulumi up` during a traffic peak must not scale the service back to its minimum), and
  `taskDefinition` when `deployment.ci_owns_image` (CI registers revisions and updates the
  service; Pulumi keeps owning everything else).

Autoscaling: a scalable target (min/max from config) and target-tracking policies on average CPU
and memory; for web services also ALB requests per target (`<lb arn_suffix>/<tg arn_suffix>`;
ROLLING only, since blue/green moves traffic between two target groups); for workers with a
`queue_metric`, backlog per running task (metric math: queue depth / RunningTaskCount). The
queue metric's dimensions are the config's plain strings, overridden key by key by the
`queue_dimensions` argument (Outputs allowed: `{"QueueName": queue.name}` of an auto-named queue);
`queue_dimensions` on the component holds the result, which the QueueBacklog alarm uses too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from groundwork.components.alarm_names import deployment_alarm_names
from groundwork.components.base import AccountContext, Naming, child_opts
from groundwork.components.cluster import EcsCluster
from groundwork.components.image import ecr_repository_arn
from groundwork.components.load_balancer import LoadBalancer, Route
from groundwork.stacks.config import ServiceConfig

ECS_INFRASTRUCTURE_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"
"""AWS-managed policy the blue/green role carries (ECS re-weights the listener rule with it)."""
SCALE_OUT_COOLDOWN = 60
SCALE_IN_COOLDOWN = 300
EXEC_AGENT_PATHS = ("/var/lib/amazon", "/var/log/amazon")
"""Where ECS Exec's SSM agent writes its state and logs inside the container. With a read-only
root filesystem the agent can't start (AWS: readonlyRootFilesystem "isn't supported" with ECS
Exec) and `execute-command` fails with TargetNotConnected, so when Exec is on these two paths get
writable task volumes too (the workaround in aws/containers-roadmap#1359; ECS.5 stays on)."""


@dataclass(frozen=True)
class ServiceWiring:
    """What the stack hands a service besides its own config: settings and secrets of the data
    tier, and the keys that decrypt them."""

    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Extra plain settings (DATABASE_HOST...), merged over the config's `environment`."""
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Extra secrets: env var -> valueFrom (`<arn>` or `<arn>:<json-key>::`)."""
    secret_arns: Sequence[pulumi.Input[str]] = ()
    """Secret ARNs (without JSON-key suffix) behind `secrets`; the execution role reads exactly
    these plus the config's own `secrets`."""
    secrets_key_arn: pulumi.Input[str] | None = None
    """KMS key the secrets are encrypted with (kms:Decrypt via Secrets Manager only)."""


def secret_resource_arn(value_from: str) -> str:
    """The secret's own ARN from a `valueFrom` (drops `:json-key:version-stage:version-id`)."""
    return ":".join(value_from.split(":")[:7])


def trust_policy(service: str, *, account_id: str | None = None,
                 source_arn: str | None = None) -> str:
    """A role trust policy for an AWS service principal, optionally pinned to this account and
    source ARN pattern (confused-deputy guard)."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service},
                                 "Action": "sts:AssumeRole"}
    condition: dict[str, Any] = {}
    if account_id:
        condition["StringEquals"] = {"aws:SourceAccount": account_id}
    if source_arn:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def execution_policy(*, log_group_arn: str, secret_arns: Sequence[str], key_arn: str | None,
                     region: str, repository_arn: str | None,
                     dns_suffix: str = "amazonaws.com") -> dict[str, Any]:
    """The execution role's policy (pure): exactly what ECS needs to start this task."""
    statements: list[dict[str, Any]] = [{
        "Sid": "WriteOwnLogGroup",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [log_group_arn, f"{log_group_arn}:*"],
    }]
    if secret_arns:
        statements.append({
            "Sid": "ReadReferencedSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": sorted(set(secret_arns)),
        })
        if key_arn:
            statements.append({
                "Sid": "DecryptSecretsViaSecretsManager",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {"StringEquals": {
                    "kms:ViaService": f"secretsmanager.{region}.{dns_suffix}"}},
            })
    if repository_arn:
        statements += [
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken",
             "Resource": "*"},
            {"Sid": "PullOwnRepository", "Effect": "Allow",
             "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchGetImage"],
             "Resource": repository_arn},
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def exec_policy(*, log_group_arn: str, key_arn: str) -> dict[str, Any]:
    """Task-role permissions ECS Exec needs (only when `cluster.execute_command` is on)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ExecChannels", "Effect": "Allow",
         "Action": ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
         "Resource": "*"},
        {"Sid": "ExecSessionLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
         "Resource": [log_group_arn, f"{log_group_arn}:*"]},
        {"Sid": "ExecFindLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups",
         "Resource": "*"},
        {"Sid": "ExecSessionKey", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": key_arn},
    ]}


def container_definition(
    config: ServiceConfig,
    *,
    image: str,
    log_group: str,
    region: str,
    environment: Mapping[str, str],
    secrets: Mapping[str, str],
    writable_paths: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The service's one container (pure; ECS's camelCase JSON). `writable_paths` (default
    `config.scratch_paths`) each get a task volume mounted read-write."""
    writable = list(config.scratch_paths if writable_paths is None else writable_paths)
    definition: dict[str, Any] = {
        "name": config.name,
        "image": image,
        "essential": True,
        "user": config.user,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "mountPoints": [{"sourceVolume": volume_name(i), "containerPath": path, "readOnly": False}
                        for i, path in enumerate(writable)],
        "linuxParameters": {"initProcessEnabled": True},
        "stopTimeout": config.stop_timeout_seconds,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": config.name,
                # Never block the app on a slow log API; 25 MiB buffer, then drop.
                "mode": "non-blocking",
                "max-buffer-size": "25m",
            },
        },
    }
    if config.port is not None:
        definition["portMappings"] = [{"name": config.name, "containerPort": config.port,
                                       "protocol": "tcp"}]
    if config.command:
        definition["command"] = list(config.command)
    return definition


def volume_name(index: int) -> str:
    return f"scratch-{index}"


def writable_paths(config: ServiceConfig, *, execute_command: bool) -> list[str]:
    """The container's writable paths: `scratch_paths`, plus ECS Exec's agent paths when Exec
    is on (`EXEC_AGENT_PATHS`); each once, in that order."""
    paths = [*config.scratch_paths, *(EXEC_AGENT_PATHS if execute_command else ())]
    return list(dict.fromkeys(paths))


class FargateService(pulumi.ComponentResource):
    """One Fargate service with its task definition, roles, log group, (web) target group and
    listener rule, and autoscaling.

    Outputs: `config`, `service` (aws.ecs.Service), `service_name`, `cluster_name`,
    `task_definition`, `log_group_name`, `execution_role`, `task_role`, `target_group`
    (web), `target_group_arn_suffix` (web, else None), `alternate_target_group` (BLUE_GREEN/
    CANARY), `alarm_names` (the deployment alarms it rolls back on), `queue_dimensions` (the
    queue metric's dimensions as scaled on, None without `scaling.queue_metric`).
    """

    def __init__(
        self,
        name: str,
        config: ServiceConfig,
        *,
        naming: Naming,
        account: AccountContext,
        cluster: EcsCluster,
        subnet_ids: Sequence[pulumi.Input[str]],
        security_group_ids: Sequence[pulumi.Input[str]],
        logs_key_arn: pulumi.Input[str],
        log_retention_days: int | None = None,
        image: pulumi.Input[str] | None = None,
        image_repository_arn: pulumi.Input[str] | None = None,
        image_depends_on: Sequence[pulumi.Resource] = (),
        wiring: ServiceWiring | None = None,
        load_balancer: LoadBalancer | None = None,
        listener_priority: int | None = None,
        deployment_alarms: bool = True,
        queue_dimensions: Mapping[str, pulumi.Input[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`image`: the image reference (default: `config.image`); `image_repository_arn`: the
        ECR repository it is pulled from (default: derived from `config.image` when that is a
        private ECR image, else none). `load_balancer` and `listener_priority` are required for
        a web service. `subnet_ids`: the compute tier. `security_group_ids`: the service's group
        of the security-group matrix. `deployment_alarms` (default true): roll deployments back
        on the alarms `components.alarm_names` names; false when the stack creates no alarms.
        `log_retention_days` (default: the cluster's `log_retention_days`).
        `queue_dimensions`: dimensions of `scaling.queue_metric` known only at deploy time
        (e.g. `{"QueueName": queue.name}`), merged over the config's `dimensions`."""
        super().__init__("groundwork:compute:FargateService", name, None, opts)
        if config.kind == "web" and (load_balancer is None or listener_priority is None):
            raise ValueError(f"service '{config.name}' is a web service: it needs the load "
                             "balancer and a listener priority")
        self.queue_dimensions = _queue_dimensions(config, queue_dimensions)
        wiring = wiring or ServiceWiring()
        self.config = config
        self._name = name
        self._naming = naming
        svc = config.name
        physical = naming.name(svc)
        image = image if image is not None else config.image
        if image is None:
            raise ValueError(f"service '{svc}': no image (set image, or build)")
        if image_repository_arn is None and config.image:
            image_repository_arn = ecr_repository_arn(config.image, account.partition)

        # -- logs ---------------------------------------------------------------------------
        log_group_name = f"/ecs/{physical}"
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name,
            kms_key_id=logs_key_arn,
            retention_in_days=log_retention_days or cluster.config.log_retention_days,
            tags=naming.tagged(log_group_name, Component="service", Service=svc),
            opts=child_opts(self),
        )
        self.log_group_name: pulumi.Output[str] = self.log_group.name

        # -- roles --------------------------------------------------------------------------
        secrets: dict[str, pulumi.Input[str]] = {**config.secrets, **wiring.secrets}
        secret_arns: list[pulumi.Input[str]] = [
            *(secret_resource_arn(v) for v in config.secrets.values()), *wiring.secret_arns]
        source_arn = pulumi.Output.from_input(account.account_id).apply(
            lambda a: f"arn:{account.partition}:ecs:{account.region}:{a}:*")
        tasks_trust = pulumi.Output.all(account.account_id, source_arn).apply(
            lambda a: trust_policy(account.service_principal("ecs-tasks"), account_id=a[0],
                                   source_arn=a[1]))
        self.execution_role = self._role("execution", tasks_trust, svc)
        self.task_role = self._role("task", tasks_trust, svc)
        policy_doc = pulumi.Output.all(
            self.log_group.arn, pulumi.Output.all(*secret_arns), wiring.secrets_key_arn,
            image_repository_arn,
        ).apply(lambda a: json.dumps(execution_policy(
            log_group_arn=a[0], secret_arns=a[1], key_arn=a[2], region=account.region,
            repository_arn=a[3], dns_suffix=account.dns_suffix)))
        aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=self.execution_role.id,
            policy=policy_doc,
            opts=child_opts(self),
        )
        if cluster.config.execute_command and cluster.exec_log_group is not None:
            aws.iam.RolePolicy(
                f"{name}-task-exec-policy",
                role=self.task_role.id,
                policy=pulumi.Output.all(cluster.exec_log_group.arn, cluster.exec_key_arn).apply(
                    lambda a: json.dumps(exec_policy(log_group_arn=a[0], key_arn=a[1]))),
                opts=child_opts(self),
            )

        # -- task definition ----------------------------------------------------------------
        environment = {**config.environment, **wiring.environment}
        writable = writable_paths(config, execute_command=cluster.config.execute_command)
        containers = pulumi.Output.all(
            image, self.log_group.name, pulumi.Output.from_input(environment),
            pulumi.Output.from_input(secrets),
        ).apply(lambda a: json.dumps([container_definition(
            config, image=a[0], log_group=a[1], region=account.region, environment=a[2],
            secrets=a[3], writable_paths=writable)]))
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=physical,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(config.cpu),
            memory=str(config.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=config.architecture),
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            container_definitions=containers,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=volume_name(i))
                     for i in range(len(writable))],
            tags=naming.tagged(physical, Component="service", Service=svc),
            opts=child_opts(self, depends_on=list(image_depends_on)),
        )

        # -- load balancer (web) ------------------------------------------------------------
        self.route: Route | None = None
        self.target_group: aws.lb.TargetGroup | None = None
        self.alternate_target_group: aws.lb.TargetGroup | None = None
        self.target_group_arn_suffix: pulumi.Output[str] | None = None
        load_balancers = None
        depends_on: list[pulumi.Resource] = [cluster.capacity_providers]
        strategy = config.deployment.strategy
        if config.kind == "web":
            assert load_balancer is not None and listener_priority is not None
            hc = config.health_check
            self.route = load_balancer.add_route(
                svc,
                port=int(config.port or 0),
                priority=listener_priority,
                host_headers=config.routing.host_headers,
                path_patterns=config.routing.path_patterns,
                health_check=aws.lb.TargetGroupHealthCheckArgs(
                    enabled=True, path=hc.path, matcher=hc.matcher, protocol="HTTP",
                    port="traffic-port", interval=hc.interval_seconds,
                    timeout=hc.timeout_seconds, healthy_threshold=hc.healthy_threshold,
                    unhealthy_threshold=hc.unhealthy_threshold),
                deregistration_delay=config.deregistration_delay_seconds,
                alternate=strategy != "ROLLING",
            )
            self.target_group = self.route.target_group
            self.alternate_target_group = self.route.alternate_target_group
            self.target_group_arn_suffix = self.target_group.arn_suffix
            advanced = None
            if self.alternate_target_group is not None:
                role = self._blue_green_role(svc)
                advanced = aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
                    alternate_target_group_arn=self.alternate_target_group.arn,
                    production_listener_rule=self.route.rule.arn,
                    role_arn=role.arn,
                )
                depends_on.append(self._blue_green_attachment)
            load_balancers = [aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=self.target_group.arn,
                container_name=svc,
                container_port=int(config.port or 0),
                advanced_configuration=advanced,
            )]
            depends_on.append(self.route.rule)

        # -- service ------------------------------------------------------------------------
        # Alarm-based rollback names alarms the alarms component creates later; with alarms
        # off (alarms.enabled: false) there are none to name, and ECS would wait on ghosts.
        self.alarm_names = deployment_alarm_names(naming, svc, config.kind) if deployment_alarms else []
        deployment = aws.ecs.ServiceDeploymentConfigurationArgs(strategy=strategy)
        if strategy != "ROLLING":
            deployment = aws.ecs.ServiceDeploymentConfigurationArgs(
                strategy=strategy,
                bake_time_in_minutes=str(config.deployment.bake_time_minutes),
                canary_configuration=aws.ecs.ServiceDeploymentConfigurationCanaryConfigurationArgs(
                    canary_percent=config.deployment.canary_percent,
                    canary_bake_time_in_minutes=str(config.deployment.canary_bake_time_minutes),
                ) if strategy == "CANARY" else None,
            )
        ignore = ["desiredCount"]
        if config.deployment.ci_owns_image:
            ignore.append("taskDefinition")
        self.service = aws.ecs.Service(
            f"{name}-service",
            name=physical,
            cluster=cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=config.initial_count,
            capacity_provider_strategies=[aws.ecs.ServiceCapacityProviderStrategyArgs(
                capacity_provider="FARGATE_SPOT" if config.spot else "FARGATE", weight=1)],
            platform_version="LATEST",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(subnet_ids),
                security_groups=list(security_group_ids),
                assign_public_ip=False,
            ),
            load_balancers=load_balancers,
            health_check_grace_period_seconds=(
                config.health_check.grace_period_seconds if config.kind == "web" else None),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True),
            alarms=aws.ecs.ServiceAlarmsArgs(
                alarm_names=self.alarm_names, enable=True, rollback=True) if self.alarm_names else None,
            deployment_configuration=deployment,
            availability_zone_rebalancing="ENABLED",
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            enable_execute_command=cluster.config.execute_command,
            wait_for_steady_state=config.deployment.wait_for_steady_state,
            tags=naming.tagged(physical, Component="service", Service=svc, Kind=config.kind),
            opts=child_opts(self, depends_on=depends_on, ignore_changes=ignore),
        )
        self.service_name: pulumi.Output[str] = self.service.name
        self.cluster_name: pulumi.Output[str] = cluster.name

        self._autoscaling(name, config, load_balancer)
        self.register_outputs({"service_name": self.service_name,
                               "log_group_name": self.log_group_name})

    # ---------------------------------------------------------------------------------------

    def _role(self, purpose: str, trust: pulumi.Input[str], svc: str) -> aws.iam.Role:
        physical = self._naming.name(svc, purpose, max_length=64)
        return aws.iam.Role(
            f"{self._name}-{purpose}-role",
            name=physical,
            description=f"{self._naming.prefix} {svc}: ECS {purpose} role",
            assume_role_policy=trust,
            tags=self._naming.tagged(physical, Component="service", Service=svc),
            opts=child_opts(self),
        )

    def _blue_green_role(self, svc: str) -> aws.iam.Role:
        """The role ECS assumes to re-weight the production listener rule (BLUE_GREEN/CANARY)."""
        physical = self._naming.name(svc, "deploy", max_length=64)
        role = aws.iam.Role(
            f"{self._name}-deploy-role",
            name=physical,
            description=f"{self._naming.prefix} {svc}: ECS shifts traffic between target groups",
            assume_role_policy=trust_policy("ecs.amazonaws.com"),
            tags=self._naming.tagged(physical, Component="service", Service=svc),
            opts=child_opts(self),
        )
        self._blue_green_attachment = aws.iam.RolePolicyAttachment(
            f"{self._name}-deploy-policy",
            role=role.name,
            policy_arn=role.arn.apply(
                lambda arn: f"arn:{arn.split(':')[1]}:iam::aws:policy/{ECS_INFRASTRUCTURE_POLICY}"),
            opts=child_opts(self),
        )
        return role

    def _autoscaling(self, name: str, config: ServiceConfig,
                     load_balancer: LoadBalancer | None) -> None:
        scaling = config.scaling
        svc = config.name
        self.scaling_target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", self.cluster_name, "/", self.service_name),
            min_capacity=scaling.min_count,
            max_capacity=scaling.max_count,
            tags=self._naming.tagged(self._naming.name(svc, "scaling"), Component="service",
                                     Service=svc),
            opts=child_opts(self),
        )
        policies: dict[str, tuple[float, Any]] = {
            "cpu": (scaling.cpu_target, _predefined("ECSServiceAverageCPUUtilization")),
            "memory": (scaling.memory_target, _predefined("ECSServiceAverageMemoryUtilization")),
        }
        if (config.kind == "web" and scaling.requests_per_target and load_balancer is not None
                and self.target_group is not None and self.alternate_target_group is None):
            label = pulumi.Output.concat(load_balancer.arn_suffix, "/",
                                         self.target_group.arn_suffix)
            policies["requests"] = (scaling.requests_per_target,
                                    _predefined("ALBRequestCountPerTarget", label))
        if config.kind == "worker" and scaling.queue_metric is not None:
            policies["queue"] = (scaling.queue_metric.target_per_task,
                                 self._backlog_per_task(config))
        self.scaling_policies: dict[str, aws.appautoscaling.Policy] = {}
        for key, (target, metric) in policies.items():
            spec = {"customized_metric_specification": metric} if key == "queue" \
                else {"predefined_metric_specification": metric}
            self.scaling_policies[key] = aws.appautoscaling.Policy(
                f"{name}-scale-{key}",
                name=self._naming.name(svc, "scale", key),
                policy_type="TargetTrackingScaling",
                service_namespace=self.scaling_target.service_namespace,
                scalable_dimension=self.scaling_target.scalable_dimension,
                resource_id=self.scaling_target.resource_id,
                target_tracking_scaling_policy_configuration=aws.appautoscaling
                .PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=float(target),
                    scale_in_cooldown=SCALE_IN_COOLDOWN,
                    scale_out_cooldown=SCALE_OUT_COOLDOWN,
                    **spec,
                ),
                opts=child_opts(self),
            )

    def _backlog_per_task(self, config: ServiceConfig) -> Any:
        """Queue depth divided by running tasks (AWS's 'backlog per task' pattern)."""
        q = config.scaling.queue_metric
        assert q is not None and self.queue_dimensions is not None
        m = aws.appautoscaling
        spec = "PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecification"
        metric = getattr(m, f"{spec}MetricArgs")
        stat = getattr(m, f"{spec}MetricMetricStatArgs")
        inner = getattr(m, f"{spec}MetricMetricStatMetricArgs")
        dim = getattr(m, f"{spec}MetricMetricStatMetricDimensionArgs")
        return getattr(m, f"{spec}Args")(metrics=[
            metric(id="backlog", label="queue depth", return_data=False, metric_stat=stat(
                stat="Sum", metric=inner(namespace=q.namespace, metric_name=q.metric_name,
                                         dimensions=[dim(name=k, value=v) for k, v
                                                     in sorted(self.queue_dimensions.items())]))),
            metric(id="tasks", label="running tasks", return_data=False, metric_stat=stat(
                stat="Average", metric=inner(
                    namespace="ECS/ContainerInsights", metric_name="RunningTaskCount",
                    dimensions=[dim(name="ClusterName", value=self.cluster_name),
                                dim(name="ServiceName", value=self.service_name)]))),
            metric(id="per_task", label="backlog per task", return_data=True,
                   expression="backlog / tasks"),
        ])


def _queue_dimensions(config: ServiceConfig, override: Mapping[str, pulumi.Input[str]] | None,
                      ) -> dict[str, pulumi.Input[str]] | None:
    """The queue metric's dimensions: the config's, overridden key by key by `override`; None
    when the service scales on no queue."""
    queue = config.scaling.queue_metric
    if queue is None:
        if override:
            raise ValueError(f"service '{config.name}': queue_dimensions given, but its config has "
                             "no scaling.queue_metric to apply them to")
        return None
    dims: dict[str, pulumi.Input[str]] = {**queue.dimensions, **(override or {})}
    if not dims:
        raise ValueError(f"service '{config.name}': scaling.queue_metric has no dimensions; set "
                         "them in config or pass queue_dimensions (e.g. {'QueueName': queue.name})")
    return dims


def _predefined(kind: str, label: pulumi.Input[str] | None = None) -> Any:
    return aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
        predefined_metric_type=kind, resource_label=label)
