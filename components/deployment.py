"""How a `FargateService` deploys: ROLLING, BLUE_GREEN, CANARY or LINEAR (docs/compute.md#deployments).

ROLLING replaces tasks behind one target group (min healthy 100 %, max 200 %, circuit breaker
with rollback, alarm rollback). The other three run the new revision (green) next to the old
(blue) behind a second target group; ECS re-weights the production listener rule between them
on the schedule `traffic_schedule` computes.

Before any production traffic moves, ECS points the service's test listener rule (header
`X-Groundwork-Test: <service>` from inside the VPC only) at green and runs the pre-traffic hook
(stage POST_TEST_TRAFFIC_SHIFT): a Lambda (components/deploy_hook.py) that runs the smoke
checks through that rule and answers SUCCEEDED or FAILED; anything but SUCCEEDED rolls the
deployment back before a single production request reaches green.

Pure here: the settings, the schedule, the three IAM documents (ECS's infrastructure role scoped
to exactly the service's two rules and two target groups; the hook role that may invoke exactly
the hook function; the hook function's own logs and VPC network interfaces) and the hook's
worst-case run time. `BlueGreen` creates the resources as children of the service.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from groundwork.components.args import ArgsModel

if TYPE_CHECKING:  # components import pulumi lazily where they can (pure planning first)
    import pulumi
    import pulumi_aws as aws

    from groundwork.components.base import AccountContext, Naming
    from groundwork.components.smoke import SmokeCheckSettings

Strategy = Literal["ROLLING", "BLUE_GREEN", "CANARY", "LINEAR"]

TEST_HEADER = "X-Groundwork-Test"
"""The header the test listener rule matches; its value is the service's name."""
CLOUDFRONT_TEST_HEADER_VALUE = "via.cloudfront"
"""What CloudFront's origin sets `X-Groundwork-Test` to (replacing a viewer's): a dot, which no
component name has, so no test rule ever matches a request that came through CloudFront
(ALB compares header values case-insensitively; a name is lowercase letters, digits, hyphens)."""
HOOK_STAGE = "POST_TEST_TRAFFIC_SHIFT"
"""The lifecycle stage of the pre-traffic hook: the test rule already points at green, no
production traffic has moved yet (AWS lifecycle stages, docs/compute.md#deployments)."""
HOOK_STAGES_BEFORE_PRODUCTION = ("RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP",
                                 "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT")
"""The stages that run before production traffic shifts (in ECS's order)."""
HOOK_CODE = Path(__file__).with_name("deploy_hook.py")
"""The hook's code (stdlib + boto3, the function's only file)."""
HOOK_HANDLER = "deploy_hook.handler"
HOOK_RUNTIME = "python3.12"
HOOK_MARGIN_SECONDS = 30
"""Time the hook needs besides its requests: cold start in the VPC, finding the ALB's
addresses (DescribeNetworkInterfaces), the report."""
LAMBDA_MAX_TIMEOUT = 900
"""Lambda's longest run (15 minutes)."""
MAX_TEST_SOURCE_CIDRS = 3
"""Source CIDRs of a test rule: ALB takes "up to three match evaluations per condition" and
five per rule (the header's one value plus these), https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html."""


class DeploymentSettings(ArgsModel):
    """How ECS replaces tasks."""

    strategy: Strategy = "ROLLING"
    """Deployment strategy (default ROLLING, with circuit breaker and alarm rollback)."""
    bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 10
    """BLUE_GREEN/CANARY/LINEAR: minutes the new revision serves all traffic before the old one
    goes (default 10: a rollback within that time is instant)."""
    canary_percent: Annotated[float, Field(ge=0.1, lt=100)] = 10.0
    """CANARY: share of traffic the canary gets first (default 10 %)."""
    canary_bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 5
    """CANARY: minutes the canary share is held before all traffic shifts (default 5)."""
    linear_step_percent: Annotated[float, Field(ge=3, lt=100)] = 20.0
    """LINEAR: share of traffic each step adds (default 20 %: five steps)."""
    linear_step_bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 5
    """LINEAR: minutes each step is held before the next (default 5)."""
    pre_traffic_hook: bool = True
    """BLUE_GREEN/CANARY/LINEAR: run the smoke checks against the new revision through the test
    listener rule before any production traffic moves; a failure rolls back (default true: a
    revision is never trusted untested)."""
    hook_timeout_seconds: Annotated[int, Field(ge=10, le=LAMBDA_MAX_TIMEOUT)] = 300
    """The hook function's timeout; must cover the smoke checks' worst case (every request of
    every check timing out) plus 30 s (default 300: room for the default checks many times
    over, and a hung hook still fails the deployment within 5 minutes)."""
    ci_owns_image: bool = False
    """Let CI roll images (`aws ecs update-service`): Pulumi ignores task-definition drift on
    the service (default false). Desired-count drift is always ignored: autoscaling owns it."""
    wait_for_steady_state: bool = True
    """`pulumi up` waits until the deployment is steady, so a circuit-breaker rollback fails the
    update instead of passing silently (default true)."""

    @property
    def shifts_traffic(self) -> bool:
        """BLUE_GREEN/CANARY/LINEAR: green runs beside blue behind a second target group and ECS
        shifts traffic to it (a test rule, the infrastructure role)."""
        return self.strategy != "ROLLING"

    @property
    def runs_hook(self) -> bool:
        """The deployment runs the pre-traffic hook (a traffic shift with `pre_traffic_hook`)."""
        return self.shifts_traffic and self.pre_traffic_hook


# --------------------------------------------------------------------------------------------
# planning (pure)
# --------------------------------------------------------------------------------------------


def traffic_schedule(settings: DeploymentSettings) -> list[tuple[float, int]]:
    """The production traffic shifts of a deployment: (percent of production traffic on the new
    revision, minutes it is held), in order; the last step is always (100, bake time).
    CANARY: [(canary %, canary bake), (100, bake)]. LINEAR: step %, 2 x step %, ... capped at
    100, each held the step bake time, the 100 % step the bake time. BLUE_GREEN: [(100, bake)].
    ROLLING: [] (no second target group: tasks are replaced behind the one)."""
    s = settings
    if not s.shifts_traffic:
        return []
    if s.strategy == "BLUE_GREEN":
        return [(100.0, s.bake_time_minutes)]
    if s.strategy == "CANARY":
        return [(float(s.canary_percent), s.canary_bake_time_minutes), (100.0, s.bake_time_minutes)]
    steps: list[tuple[float, int]] = []
    k = 1
    while True:
        share = round(k * s.linear_step_percent, 6)
        if share >= 100:
            steps.append((100.0, s.bake_time_minutes))
            return steps
        steps.append((share, s.linear_step_bake_time_minutes))
        k += 1


def hook_worst_case_seconds(checks: Sequence[SmokeCheckSettings]) -> float:
    """The longest the hook can run: every request of every check timing out, plus
    `HOOK_MARGIN_SECONDS`."""
    return sum(c.requests * c.timeout_seconds for c in checks) + HOOK_MARGIN_SECONDS


def hook_timeout_problem(settings: DeploymentSettings,
                         checks: Sequence[SmokeCheckSettings]) -> str | None:
    """Why `deployment.hook_timeout_seconds` can't cover the checks, or None. A hook that Lambda
    kills mid-check fails every deployment, however healthy."""
    worst = hook_worst_case_seconds(checks)
    if not settings.runs_hook:
        return None
    if worst > settings.hook_timeout_seconds:
        return (f"deployment.hook_timeout_seconds {settings.hook_timeout_seconds} is below the smoke "
                f"checks' worst case {worst:g} s (sum of requests x timeout_seconds + "
                f"{HOOK_MARGIN_SECONDS}); raise it (at most {LAMBDA_MAX_TIMEOUT}) or send fewer "
                "requests")
    return None


def hook_host(host_headers: Sequence[str], certificate_names: Sequence[str]) -> str | None:
    """The host name the hook sends (and verifies TLS against): the first routed host, else the
    load balancer's certificate domain; a wildcard `*.x` becomes `deploy-hook.x` (the rule and
    the certificate both cover it). None when neither is known."""
    for host in (*host_headers, *certificate_names):
        return f"deploy-hook{host[1:]}" if host.startswith("*.") else host
    return None


LAMBDA_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""Lambda's function-name rule (CreateFunction: letters, digits, hyphens, underscores; 64)."""
IAM_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
"""IAM's role-name rule (CreateRole: letters, digits and +=,.@_-; 64)."""


@dataclass(frozen=True)
class BlueGreenNames:
    """The AWS names of one service's blue/green parts (`blue_green_names`)."""

    infrastructure_role: str
    hook_function: str
    hook_log_group: str
    """`/aws/lambda/<function>`: the group Lambda's own console and tools look in."""
    hook_role: str
    hook_invoke_role: str


def blue_green_names(naming: Naming) -> BlueGreenNames:
    """The infrastructure role, the hook function, its log group and its two roles (pure):
    functions and roles within 64 characters, whatever the prefix."""
    fn = naming.name("deploy-hook", max_length=64)
    return BlueGreenNames(
        infrastructure_role=naming.name("deploy", max_length=64), hook_function=fn,
        hook_log_group=f"/aws/lambda/{fn}", hook_role=naming.name("deploy-hook", max_length=64),
        hook_invoke_role=naming.name("hook-invoke", max_length=64))


def blue_green_name_problem(names: BlueGreenNames) -> str | None:
    """Why AWS would refuse one of `names` (a prefix with characters Lambda or IAM don't take,
    e.g. a dot in a function name), or None."""
    if not LAMBDA_FUNCTION_NAME.match(names.hook_function):
        return (f"the hook function's name {names.hook_function!r} is not a Lambda function name "
                "(letters, digits, - and _); choose a name_prefix of those")
    for role in (names.infrastructure_role, names.hook_role, names.hook_invoke_role):
        if not IAM_ROLE_NAME.match(role):
            return f"role name {role!r} is not an IAM role name (letters, digits and +=,.@_-)"
    return None


def _version(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def infrastructure_policy(*, rule_arns: Sequence[str],
                          target_group_arns: Sequence[str]) -> dict[str, Any]:
    """The ECS infrastructure role's inline policy (pure): what AWS's
    AmazonECSInfrastructureRolePolicyForLoadBalancers grants for an ALB rule-based blue/green
    deployment, scoped to this service's production and test rules and its two target groups.
    Left out: ModifyListener (listener-based NLB/ALB layouts, not used here). The Describe*
    actions support no resource-level permissions (IAM's ELBv2 action table), hence "*".
    https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSInfrastructureRolePolicyForLoadBalancers.html"""
    return _version(
        {"Sid": "ELBReadOperations", "Effect": "Allow",
         "Action": ["elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeTargetHealth"],
         "Resource": "*"},
        {"Sid": "ShiftTrafficOnTheseRules", "Effect": "Allow",
         "Action": "elasticloadbalancing:ModifyRule", "Resource": sorted(rule_arns)},
        {"Sid": "RegisterTasksInTheseTargetGroups", "Effect": "Allow",
         "Action": ["elasticloadbalancing:RegisterTargets",
                    "elasticloadbalancing:DeregisterTargets"],
         "Resource": sorted(target_group_arns)},
    )


def hook_invoke_policy(*, function_arn: str) -> dict[str, Any]:
    """The lifecycle-hook role's policy (pure): invoke exactly the hook function (AWS's example
    grants every function: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html)."""
    return _version({"Sid": "InvokeThisHook", "Effect": "Allow",
                     "Action": "lambda:InvokeFunction", "Resource": function_arn})


def hook_execution_policy(*, log_group_arn: str) -> dict[str, Any]:
    """The hook function's own permissions (pure): its log group, and the network interfaces a
    VPC function needs (what AWSLambdaVPCAccessExecutionRole grants; EC2's Describe has no
    resource-level permissions), which also lets the hook find the ALB's private addresses."""
    return _version(
        {"Sid": "WriteOwnLogGroup", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [log_group_arn, f"{log_group_arn}:*"]},
        {"Sid": "VpcNetworkInterfaces", "Effect": "Allow",
         "Action": ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
         "Resource": "*"},
        {"Sid": "DescribeNetworkInterfaces", "Effect": "Allow",
         "Action": "ec2:DescribeNetworkInterfaces", "Resource": "*"},
    )


def service_trust_policy(principal: str) -> str:
    """Trust of a role an AWS service assumes: the service principal alone, as AWS documents it
    for ECS's infrastructure and lifecycle-hook roles
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html).
    No aws:SourceAccount condition: AWS doesn't document that ECS sends it, and a condition the
    service doesn't satisfy fails every deployment at AssumeRole (docs/compute.md#deployments)."""
    return json.dumps(_version({
        "Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}))


def hook_environment(*, checks_json: str, http_only: bool, host: str, service: str,
                     load_balancer: str) -> dict[str, str]:
    """The hook's environment: the contract components/deploy_hook.py reads (pure)."""
    return {
        "CHECKS": checks_json,
        "SCHEME": "http" if http_only else "https",
        "PORT": "80" if http_only else "443",
        "HOST": host,
        "TEST_HEADER": TEST_HEADER,
        "TEST_HEADER_VALUE": service,
        "LOAD_BALANCER": load_balancer,
    }


# --------------------------------------------------------------------------------------------
# resources (children of the service)
# --------------------------------------------------------------------------------------------


@dataclass
class HookWiring:
    """What the pre-traffic hook runs with (the service resolves it, checked, before any
    resource is registered)."""

    subnet_ids: Any
    security_group_ids: Any
    logs_key_arn: Any
    log_retention_days: int
    environment: Any
    """The variables (`hook_environment`), an Output of the mapping."""


class BlueGreen:
    """The IAM and the hook of one BLUE_GREEN/CANARY/LINEAR service, created as children of
    `owner` (the `FargateService`): the infrastructure role `<name>-deploy-role` ECS assumes to
    re-weight the rules, with its inline policy; with the hook, the function, its log group and
    execution role, and the role ECS invokes it with. `depends_on`: what the ECS service waits
    for (its roles' policies: without them a delete leaves the service DRAINING, SDK note)."""

    def __init__(self, owner: pulumi.Resource, name: str, *, naming: Naming, describe: str,
                 account: AccountContext, settings: DeploymentSettings,
                 rule_arns: Sequence[Any], target_group_arns: Sequence[Any],
                 hook: HookWiring | None):
        import pulumi


        self._owner, self._name, self._naming = owner, name, naming
        self._settings = settings
        self.names = blue_green_names(naming)
        ecs_trust = service_trust_policy(account.service_principal("ecs"))

        # The infrastructure role: its logical name predates the inline policy (URN kept).
        self.infrastructure_role = self._role(
            "deploy-role", self.names.infrastructure_role,
            f"{describe}: ECS shifts traffic between target groups", ecs_trust)
        self.infrastructure_policy = self._policy(
            "deploy-policy", self.infrastructure_role,
            pulumi.Output.all(pulumi.Output.all(*rule_arns),
                              pulumi.Output.all(*target_group_arns)).apply(
                lambda a: infrastructure_policy(rule_arns=a[0], target_group_arns=a[1])))
        self.depends_on: list[pulumi.Resource] = [self.infrastructure_policy]
        self.hook_function: aws.lambda_.Function | None = None
        self.hook_log_group: aws.cloudwatch.LogGroup | None = None
        self.hook_role: aws.iam.Role | None = None
        self.hook_invoke_role: aws.iam.Role | None = None
        self.hook_invoke_policy: aws.iam.RolePolicy | None = None
        if hook is not None:
            self._hook(hook, account, describe, ecs_trust)

    def _hook(self, hook: HookWiring, account: AccountContext, describe: str,
              ecs_trust: Any) -> None:
        import pulumi
        import pulumi_aws as aws

        from groundwork.components.base import child_opts

        owner, name, naming = self._owner, self._name, self._naming
        fn_name, log_name = self.names.hook_function, self.names.hook_log_group
        self.hook_log_group = aws.cloudwatch.LogGroup(
            f"{name}-deploy-hook-logs",
            name=log_name,
            kms_key_id=hook.logs_key_arn,
            retention_in_days=hook.log_retention_days,
            tags=naming.tagged(log_name, Component="service", Service=name),
            opts=child_opts(owner),
        )
        self.hook_role = self._role(
            "deploy-hook-role", self.names.hook_role,
            f"{describe}: the pre-traffic hook function",
            service_trust_policy(account.service_principal("lambda")))
        self.hook_role_policy = self._policy(
            "deploy-hook-policy", self.hook_role,
            self.hook_log_group.arn.apply(lambda arn: hook_execution_policy(log_group_arn=arn)))
        self.hook_function = aws.lambda_.Function(
            f"{name}-deploy-hook",
            name=fn_name,
            description=f"{describe}: smoke checks through the test rule before traffic moves",
            role=self.hook_role.arn,
            runtime=HOOK_RUNTIME,
            handler=HOOK_HANDLER,
            architectures=["arm64"],
            code=pulumi.AssetArchive({HOOK_CODE.name: pulumi.FileAsset(str(HOOK_CODE))}),
            timeout=self._settings.hook_timeout_seconds,
            memory_size=256,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=hook.environment),
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=hook.subnet_ids, security_group_ids=hook.security_group_ids),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text", log_group=self.hook_log_group.name),
            tags=naming.tagged(fn_name, Component="service", Service=name),
            # Its log group and permissions (the VPC interfaces) exist before it is created.
            opts=child_opts(owner, depends_on=[self.hook_log_group, self.hook_role_policy]),
        )
        self.hook_invoke_role = self._role(
            "hook-invoke-role", self.names.hook_invoke_role,
            f"{describe}: ECS invokes the pre-traffic hook", ecs_trust)
        self.hook_invoke_policy = self._policy(
            "hook-invoke-policy", self.hook_invoke_role,
            self.hook_function.arn.apply(lambda arn: hook_invoke_policy(function_arn=arn)))
        self.depends_on.append(self.hook_invoke_policy)

    def _policy(self, key: str, role: aws.iam.Role,
                document: pulumi.Output[dict[str, Any]]) -> aws.iam.RolePolicy:
        """`role`'s inline policy `<service>-<key>`: `document` (JSON once known)."""
        import pulumi_aws as aws

        from groundwork.components.base import child_opts

        return aws.iam.RolePolicy(f"{self._name}-{key}", role=role.id,
                                  policy=document.apply(json.dumps),
                                  opts=child_opts(self._owner))

    def _role(self, key: str, physical: str, description: str, trust: Any) -> aws.iam.Role:
        """A role of this service's deployment, `<service>-<key>` (physical name `physical`),
        assumed under `trust`."""
        import pulumi_aws as aws

        from groundwork.components.base import child_opts

        return aws.iam.Role(
            f"{self._name}-{key}",
            name=physical,
            description=description,
            assume_role_policy=trust,
            tags=self._naming.tagged(physical, Component="service", Service=self._name),
            opts=child_opts(self._owner),
        )

    def deployment_configuration(self) -> aws.ecs.ServiceDeploymentConfigurationArgs:
        """The service's `deployment_configuration`: strategy, bake time, the canary or linear
        steps, and the pre-traffic lifecycle hook."""
        import pulumi_aws as aws

        s = self._settings
        ecs = aws.ecs
        hooks = None
        if self.hook_function is not None and self.hook_invoke_role is not None:
            hooks = [ecs.ServiceDeploymentConfigurationLifecycleHookArgs(
                lifecycle_stages=[HOOK_STAGE],
                hook_target_arn=self.hook_function.arn,
                role_arn=self.hook_invoke_role.arn,
            )]
        return ecs.ServiceDeploymentConfigurationArgs(
            strategy=s.strategy,
            bake_time_in_minutes=str(s.bake_time_minutes),
            canary_configuration=ecs.ServiceDeploymentConfigurationCanaryConfigurationArgs(
                canary_percent=s.canary_percent,
                canary_bake_time_in_minutes=str(s.canary_bake_time_minutes),
            ) if s.strategy == "CANARY" else None,
            linear_configuration=ecs.ServiceDeploymentConfigurationLinearConfigurationArgs(
                step_percent=s.linear_step_percent,
                step_bake_time_in_minutes=str(s.linear_step_bake_time_minutes),
            ) if s.strategy == "LINEAR" else None,
            lifecycle_hooks=hooks,
        )
