"""Compute rules. ECS (FSBP ECS.*): no public IPs, hardened containers, logs, secrets, platform,
insights. EC2 instances (the NAT instance of `network.nat: instance`; FSBP EC2.8, EC2.3): IMDSv2
only, encrypted EBS volumes.

Container rules read the task definition's `containerDefinitions` (a JSON string input) and
report each offending container by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource

from ._base import (
    ALWAYS_SECRET_NAMES,
    EC2_INSTANCE,
    ECS_CLUSTER,
    ECS_SERVICE,
    ECS_TASK,
    SUBNET,
    Stack,
    as_json,
    as_list,
    get,
    is_true,
    known,
    looks_secret,
    resource_rule,
    stack_rule,
)
from ._documents import action_covers, document, matches, statements

FARGATE_PLATFORMS = (None, "LATEST", "1.4.0")
ECS_TASK_SET = "aws:ecs/taskSet:TaskSet"
"""A task set (a service on the EXTERNAL deployment controller) runs the service's tasks: its
network configuration and platform version are judged like a service's."""
SPOT_INSTANCE = "aws:ec2/spotInstanceRequest:SpotInstanceRequest"
"""A spot instance request launches an EC2 instance from the same arguments (metadata options,
block devices, public IP): the instance rules judge it like an ec2.Instance."""
EBS_VOLUME = "aws:ebs/volume:Volume"
INSTANCES = (EC2_INSTANCE, SPOT_INSTANCE)
INSIGHTS = ("enabled", "enhanced")


CONTAINER_KEYS = ("name", "image", "user", "privileged", "readonlyRootFilesystem", "environment",
                  "secrets", "logConfiguration", "logDriver", "options", "value", "valueFrom",
                  "healthCheck", "command", "interval", "timeout", "retries", "startPeriod",
                  "essential", "dependsOn", "containerName", "condition")
_FOLDED = {key.casefold(): key for key in CONTAINER_KEYS}
NUMERIC_ID = re.compile(r"[+-]?\d+")
"""A uid as runc reads it (Go's strconv.Atoi: a sign and leading zeros are fine)."""


def _as_aws_reads(pairs: list[tuple[str, Any]] | Mapping[str, Any]) -> dict[str, Any]:
    """An object of a container definition as the provider hands it to AWS: it decodes the
    JSON with Go's encoding/json, which matches keys to fields case-insensitively (with
    Unicode folding: `user` spelt with a long s is `user`) and lets the last of equal keys
    win. So `"User": "0"` after `"user": "1000"` runs as root; the rules read the key AWS
    gets."""
    out: dict[str, Any] = {}
    for key, value in (pairs.items() if isinstance(pairs, Mapping) else pairs):
        canonical = _FOLDED.get(str(key).casefold(), key)
        out.pop(canonical, None)
        out[canonical] = _as_aws_reads(value) if isinstance(value, Mapping) else (
            [_as_aws_reads(v) if isinstance(v, Mapping) else v for v in value]
            if isinstance(value, list) else value)
    return out


def containers(props, args) -> list[dict[str, Any]]:
    """The container definitions of a task definition as plain dicts, keys read the way AWS
    reads them (`_as_aws_reads`). Unreadable ones (a value marked secret shows offline as a
    placeholder) make the rule not applicable, never a pass."""
    raw = get(props, "containerDefinitions")
    try:
        parsed = (json.loads(raw, object_pairs_hook=_as_aws_reads) if isinstance(raw, str)
                  else as_json(raw))
    except ValueError:
        parsed = None
    if isinstance(parsed, list) and not isinstance(raw, str):
        parsed = [_as_aws_reads(c) if isinstance(c, Mapping) else c for c in parsed]
    if raw is not None and not isinstance(parsed, list):
        args.not_applicable("containerDefinitions is not readable JSON (marked secret?)")
    return [c for c in parsed if isinstance(c, dict)] if isinstance(parsed, list) else []


def _label(container: dict[str, Any]) -> str:
    return f"container '{container.get('name', '?')}'"


@resource_rule(
    "ecs-no-public-ip",
    control="ECS.2",
    description="ECS services don't assign public IPs to tasks.",
    fix="set network_configuration.assign_public_ip=False and run tasks in private subnets",
    types=[ECS_SERVICE, ECS_TASK_SET],
)
def ecs_no_public_ip(props, args, config) -> Iterator[str]:
    if is_true(get(props, "networkConfiguration", "assignPublicIp")):
        yield "assigns public IPs to its tasks"


@resource_rule(
    "ecs-no-host-pid",
    control="ECS.3",
    description="Task definitions don't share the host's process namespace.",
    fix="remove pid_mode='host' (Fargate tasks use 'task' or nothing)",
    types=[ECS_TASK],
)
def ecs_no_host_pid(props, args, config) -> Iterator[str]:
    if get(props, "pidMode") == "host":
        yield "shares the host's process namespace (pidMode host)"


@resource_rule(
    "ecs-not-privileged",
    control="ECS.4",
    description="Containers are not privileged.",
    fix="remove \"privileged\": true from the container definition",
    types=[ECS_TASK],
)
def ecs_not_privileged(props, args, config) -> Iterator[str]:
    for c in containers(props, args):
        if c.get("privileged") is True:
            yield f"{_label(c)} runs privileged"


@resource_rule(
    "ecs-read-only-root",
    control="ECS.5",
    description="Containers have a read-only root filesystem.",
    fix="set \"readonlyRootFilesystem\": true and mount a writable volume for scratch paths",
    types=[ECS_TASK],
)
def ecs_read_only_root(props, args, config) -> Iterator[str]:
    for c in containers(props, args):
        if c.get("readonlyRootFilesystem") is not True:
            yield f"{_label(c)} has a writable root filesystem"


@resource_rule(
    "ecs-no-secrets-in-environment",
    control="ECS.8",
    description="No secret-looking values in container environment variables.",
    fix="move the value to Secrets Manager and pass it as secrets=[{name, valueFrom: <secret ARN>}]",
    types=[ECS_TASK],
)
def ecs_no_secrets_in_environment(props, args, config) -> Iterator[str]:
    for c in containers(props, args):
        for var in c.get("environment") or []:
            if not isinstance(var, dict):
                continue
            name = str(var.get("name", ""))
            if name.strip().upper() in ALWAYS_SECRET_NAMES:
                yield f"{_label(c)} environment variable {name} is on ECS.8's list of credential variables"
                continue
            why = looks_secret(name, var.get("value"))
            if why:
                yield f"{_label(c)} environment variable {name} {why}"


@resource_rule(
    "ecs-logging",
    control="ECS.9",
    description="Every container sends its logs somewhere (awslogs to CloudWatch).",
    fix="set logConfiguration {logDriver: awslogs, options: {awslogs-group, awslogs-region, "
        "awslogs-stream-prefix}}",
    types=[ECS_TASK],
)
def ecs_logging(props, args, config) -> Iterator[str]:
    for c in containers(props, args):
        if not (c.get("logConfiguration") or {}).get("logDriver"):
            yield f"{_label(c)} has no logConfiguration"


@resource_rule(
    "ecs-non-root-user",
    control="ECS.20",
    description="Containers run as a non-root user.",
    fix="set \"user\": \"10001:10001\" (a numeric uid other than 0) in the container definition",
    types=[ECS_TASK],
)
def ecs_non_root_user(props, args, config) -> Iterator[str]:
    """`user` is uid, uid:gid, uid:group, user, user:gid or user:group (Docker, ECS). The uid
    part decides: any spelling of 0 (00, +0, 0:1000) or the name root is root; unset is the
    image's USER, often root. A named user other than root passes: its uid is in the image."""
    for c in containers(props, args):
        text = str(c.get("user") if c.get("user") is not None else "").strip()
        uid = text.split(":", 1)[0].strip()
        if not text:
            yield f"{_label(c)} runs as the image default user (often root)"
        elif (NUMERIC_ID.fullmatch(uid) and int(uid) == 0) or uid.casefold() == "root":
            yield f"{_label(c)} runs as root (user {text!r})"


HEALTH_CHECK_KINDS = ("CMD", "CMD-SHELL")
"""How a `healthCheck.command` starts (Docker compares exactly; `NONE` disables the check)."""
HEALTH_CHECK_TIMINGS = ("interval", "timeout", "retries")
"""Written by groundwork, else AWS fills them in and every up sees a changed definition."""
DEPENDENCY_CONDITIONS = ("START", "COMPLETE", "SUCCESS", "HEALTHY")


HEALTH_CHECK_RANGES = {"interval": (5, 300), "timeout": (2, 60), "retries": (1, 10), "startPeriod": (0, 300)}
"""What ECS takes, in whole seconds (retries: a count); RegisterTaskDefinition refuses the rest,
which a mock accepts (https://docs.aws.amazon.com/cdk/api/latest/python/aws_cdk.aws_ecs/HealthCheck.html)."""
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "busybox"})
_NO_OP = re.compile(r"^(true|:|/bin/true|/usr/bin/true|exit(\s+0)?|(echo|printf)(\s.*)?)$", re.DOTALL)
"""A command that exits 0 whatever the container is doing."""
_SWALLOWED = re.compile(r"(\|\||;|(?<!&)&(?!&))\s*"
                        r"(true|:|/bin/true|/usr/bin/true|exit(\s+0)?|(echo|printf)\b[^|&;]*)\s*;?$")
"""A script whose last step turns any failure into success (`... || true`, `...; exit 0`)."""


def _always_succeeds(kind: str, args: list[str]) -> bool:
    """The check exits 0 whatever the container does: a no-op command, or a shell script that
    ends by succeeding (`curl ... || true`). Deterministic text checks, no shell parsing: a
    script that only looks like this (`|| true` inside quotes) is rare enough to rewrite."""
    if kind == "CMD":
        program = args[0].strip().rsplit("/", 1)[-1]
        if not (program in SHELLS and len(args) >= 3 and args[1].strip() == "-c"):
            return program in ("true", "echo", "printf", ":")
        script = args[2]
    else:
        script = " ".join(args)
    script = script.strip().rstrip(";").strip()
    return bool(_NO_OP.match(script) or _SWALLOWED.search(script))


def health_check_problem(check: Any) -> str | None:
    """Why a container's `healthCheck` does not check anything, or None."""
    if not isinstance(check, Mapping):
        return "has no healthCheck"
    command = check.get("command")
    if not isinstance(command, list) or not command:
        return f"has a healthCheck without a command list ({command!r})"
    if command[0] not in HEALTH_CHECK_KINDS:
        return f"has a healthCheck command starting {command[0]!r}, not CMD or CMD-SHELL"
    rest = command[1:]
    if not rest or not all(isinstance(p, str) for p in rest) or not rest[0].strip():
        return f"has a healthCheck command with nothing to run after {command[0]}"
    if _always_succeeds(command[0], rest):
        return f"has a healthCheck that always succeeds ({' '.join(rest)!r}): it never reports a hang"
    missing = [k for k in HEALTH_CHECK_TIMINGS
               if isinstance(check.get(k), bool) or not isinstance(check.get(k), (int, float))]
    if missing:
        return f"has a healthCheck without {', '.join(missing)} (AWS fills them in: a new revision every up)"
    for key, (low, high) in HEALTH_CHECK_RANGES.items():
        value = check.get(key)
        if value is None and key not in HEALTH_CHECK_TIMINGS:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or value != int(value) or not low <= value <= high:
            return f"has a healthCheck with {key} {value!r} (ECS takes whole numbers {low}-{high})"
    return None


@resource_rule(
    "ecs-container-health-check",
    control="ECS container health check",
    description="Every container of a task definition has a healthCheck: a command starting CMD or "
                "CMD-SHELL with something to run, and interval, timeout and retries written.",
    fix="set container_health_check (the kind's default from the image contract, "
        "docs/compute.md#image-contract); write interval, timeout, retries and startPeriod",
    types=[ECS_TASK],
)
def ecs_container_health_check(props, args, config) -> Iterator[str]:
    """A hung container with no check runs forever (ECS replaces only unhealthy tasks); a
    check ECS fills in shows as drift on every up. Every container, sidecars too."""
    for c in containers(props, args):
        problem = health_check_problem(c.get("healthCheck"))
        if problem:
            yield f"{_label(c)} {problem}"


def _essential(container: Mapping[str, Any]) -> bool:
    """ECS's reading: `essential` unset is true."""
    value = container.get("essential")
    return value is None or is_true(value)


@resource_rule(
    "ecs-essential-container",
    control="ECS essential container",
    description="A task definition has an essential container that is not only a sidecar others "
                "depend on, and every dependsOn names another container of the task with a "
                "condition ECS accepts for it.",
    fix="keep the app container essential (sidecars such as the collector essential: false), and "
        "make dependsOn name the task's containers (HEALTHY only on one with a healthCheck; "
        "COMPLETE/SUCCESS never on an essential one)",
    types=[ECS_TASK],
)
def ecs_essential_container(props, args, config) -> Iterator[str]:
    """With sidecars, the task's health is its essential containers': if only a sidecar is
    essential, the app can exit or hang and the task stays up; a dependsOn on a container that
    doesn't exist, in a cycle, or with a condition ECS refuses fails at deploy time, which a mock
    accepts. A non-essential container nothing depends on is not a sidecar of anything: if it is
    the app, the task outlives it."""
    defs = containers(props, args)
    if not defs:
        return
    names = [str(c.get("name")) for c in defs]
    for name in sorted({n for n in names if names.count(n) > 1}):
        yield f"has two containers named '{name}' (ECS refuses duplicate names)"
    by_name = {str(c.get("name")): c for c in defs}
    depended: set[str] = set()
    edges: dict[str, list[str]] = {}
    for c in defs:
        for dep in c.get("dependsOn") or []:
            if not isinstance(dep, Mapping):
                yield f"{_label(c)} has a dependsOn entry that is not an object"
                continue
            target, condition = str(dep.get("containerName")), dep.get("condition")
            depended.add(target)
            edges.setdefault(str(c.get("name")), []).append(target)
            other = by_name.get(target)
            if other is None or target == c.get("name"):
                yield (f"{_label(c)} depends on container '{target}', which is not another "
                       "container of the task")
            elif condition not in DEPENDENCY_CONDITIONS:
                yield (f"{_label(c)} depends on '{target}' with condition {condition!r} "
                       "(START, COMPLETE, SUCCESS or HEALTHY)")
            elif condition == "HEALTHY" and health_check_problem(other.get("healthCheck")):
                yield f"{_label(c)} waits for '{target}' to be HEALTHY, which has no working healthCheck"
            elif condition in ("COMPLETE", "SUCCESS") and _essential(other):
                yield (f"{_label(c)} waits for essential '{target}' to {condition.lower()}: an "
                       "essential container that exits stops the task")
    cycle = _dependency_cycle(edges, by_name)
    if cycle:
        yield f"has a dependsOn cycle ({' -> '.join(cycle)}): no container of it ever starts"
    essential = [str(c.get("name")) for c in defs if _essential(c)]
    if not essential:
        yield "has no essential container"
        return
    if all(n in depended for n in essential):
        yield (f"has only sidecars essential ({', '.join(essential)}: other containers depend on "
               "them); the app container must be essential")
        return
    for c in defs:
        name = str(c.get("name"))
        if not _essential(c) and name not in depended:
            yield (f"{_label(c)} is not essential and no container depends on it: if it is the app, "
                   "the task stays up when it exits (make it essential, or make the app dependsOn it)")


def _dependency_cycle(edges: Mapping[str, list[str]], known: Mapping[str, Any]) -> list[str]:
    """The first dependsOn cycle (`a -> b -> a`) between two or more containers, or []."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(name: str) -> list[str]:
        state[name] = 1
        path.append(name)
        for target in edges.get(name, []):
            if target == name or target not in known:
                continue  # reported on its own
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[name] = 2
        return []

    for name in edges:
        if name not in state:
            found = visit(name)
            if found:
                return found
    return []


def _on_fargate(props) -> bool:
    """The tasks run on Fargate: by launch type, by a FARGATE capacity provider, or with neither
    set, by the cluster's default capacity provider strategy (not visible here), which a set
    platform version (taken for Fargate tasks only) says is Fargate."""
    launch = get(props, "launchType")
    if launch is not None:
        return launch == "FARGATE"
    strategies = as_list(get(props, "capacityProviderStrategies"))
    if strategies:
        return any(str(get(s, "capacityProvider", default="")).startswith("FARGATE") for s in strategies)
    return get(props, "platformVersion") is not None


@resource_rule(
    "ecs-fargate-latest-platform",
    control="ECS.10",
    description="Fargate services run on the latest platform version.",
    fix="set platform_version='LATEST' (or leave it unset)",
    types=[ECS_SERVICE, ECS_TASK_SET],
)
def ecs_fargate_latest_platform(props, args, config) -> Iterator[str]:
    version = get(props, "platformVersion")
    if _on_fargate(props) and version not in FARGATE_PLATFORMS:
        yield f"pins Fargate platform {version}"


@resource_rule(
    "ecs-container-insights",
    control="ECS.12",
    description="ECS clusters have Container Insights on.",
    fix="set settings=[{'name': 'containerInsights', 'value': 'enhanced'}] (or 'enabled')",
    types=[ECS_CLUSTER],
)
def ecs_container_insights(props, args, config) -> Iterator[str]:
    values = [get(s, "value") for s in as_list(get(props, "settings"))
              if get(s, "name") == "containerInsights"]
    if not any(v in INSIGHTS for v in values):
        yield "has Container Insights off"


# --------------------------------------------------------------------------------------------
# blue/green, canary and linear deployments
# --------------------------------------------------------------------------------------------

SHIFTED_STRATEGIES = ("BLUE_GREEN", "CANARY", "LINEAR")
TESTED_STAGES = ("TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT")
"""Lifecycle stages at which the test listener rule reaches the new revision and no production
traffic has moved yet: a hook here tests green before it serves (earlier stages run before the
test rule points at green; PRODUCTION_TRAFFIC_SHIFT and later, after users reach it)."""
IAM_ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ECS_INFRASTRUCTURE_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"
TRAFFIC_ACTIONS = ("elasticloadbalancing:ModifyRule", "elasticloadbalancing:ModifyListener",
                   "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
                   "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule",
                   "elasticloadbalancing:SetRulePriorities")
"""What moves production traffic or puts tasks behind it (the last three rewrite a listener's
rules: ECS needs none of them)."""
_PROBE_ELB_ARNS = ("arn:aws:elasticloadbalancing:zz-probe-1:000000000000:targetgroup/zzprobe/0",
                   "arn:aws:elasticloadbalancing:zz-probe-1:000000000000:"
                   "listener-rule/app/zzprobe/0/0/0",
                   "arn:aws:elasticloadbalancing:zz-probe-1:000000000000:listener/app/zzprobe/0/0")
"""Target group, rule and listener ARNs of nobody's: a resource pattern that matches one covers
every service's (`*`, the managed policy's `targetgroup/*/*`)."""


def _strategy(props: Any) -> str:
    """The deployment strategy as ECS reads it (unset is ROLLING; compared without case or
    padding, so a spelling the provider might pass on is judged, not waved through)."""
    value = get(props, "deploymentConfiguration", "strategy", default="ROLLING")
    return str(value or "ROLLING").strip().upper() or "ROLLING"


def _advanced(props: Any) -> list[Any]:
    return [get(lb, "advancedConfiguration") for lb in as_list(get(props, "loadBalancers"))
            if get(lb, "advancedConfiguration") is not None]


SHIFTING_CONTROLLERS = ("CODE_DEPLOY", "EXTERNAL")
"""Deployment controllers that move traffic outside ECS's lifecycle hooks: CodeDeploy's hooks are
in an AppSpec given at deploy time, EXTERNAL's task sets are shifted by whoever calls the API;
neither is in the plan. ECS-native blue/green, canary and linear need the ECS controller
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-implementation.html)."""
LAMBDA_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function[:/][A-Za-z0-9_-]+"
                        r"(:[A-Za-z0-9$_-]+)?$")
"""A Lambda function ARN (or one of its versions or aliases)."""


@resource_rule(
    "ecs-blue-green-tested",
    control="ECS blue/green tested",
    description="A BLUE_GREEN, CANARY or LINEAR ECS service has a test listener rule (not its "
                "production rule) on every load balancer and a Lambda lifecycle hook at "
                "TEST_TRAFFIC_SHIFT or POST_TEST_TRAFFIC_SHIFT, so the new revision is tested "
                "before production traffic moves; a service on the CODE_DEPLOY or EXTERNAL "
                "deployment controller, whose shifts the plan can't see, fails.",
    fix="set advanced_configuration.test_listener_rule and a lifecycle hook "
        "{lifecycle_stages: [POST_TEST_TRAFFIC_SHIFT], hook_target_arn: <function>, role_arn} "
        "(FargateService: deployment.pre_traffic_hook, test_listener_priority) on the ECS "
        "deployment controller",
    types=[ECS_SERVICE],
)
def ecs_blue_green_tested(props, args, config) -> Iterator[str]:
    """A PAUSE hook tests nothing by itself (its timeout may CONTINUE), a hook at
    PRODUCTION_TRAFFIC_SHIFT or later runs after users reach the revision, a hook with no
    test rule can only reach green through production, and so can one whose test rule is the
    production rule."""
    controller = str(get(props, "deploymentController", "type", default="ECS") or "ECS").strip().upper()
    if controller in SHIFTING_CONTROLLERS:
        yield (f"shifts traffic with the deployment controller {controller}, outside ECS's "
               "lifecycle hooks: nothing in the plan tests the new revision first")
        return
    strategy = _strategy(props)
    if strategy not in SHIFTED_STRATEGIES:
        return
    balancers = as_list(get(props, "loadBalancers"))
    advanced = [get(lb, "advancedConfiguration") for lb in balancers]
    if not advanced or not all(a is not None and get(a, "testListenerRule") for a in advanced):
        yield f"deploys {strategy} without a test listener rule (advancedConfiguration.testListenerRule)"
    for a in advanced:
        test = str(get(a, "testListenerRule", default="") or "").strip()
        if test and test == str(get(a, "productionListenerRule", default="") or "").strip():
            yield (f"deploys {strategy} whose test listener rule is its production listener rule "
                   f"({test}): the test reaches users")
    hooks = as_list(get(props, "deploymentConfiguration", "lifecycleHooks"))
    tested = [h for h in hooks
              if set(map(str, as_list(get(h, "lifecycleStages")))) & set(TESTED_STAGES)
              and str(get(h, "targetType", default="AWS_LAMBDA") or "AWS_LAMBDA") == "AWS_LAMBDA"
              and LAMBDA_ARN.match(str(get(h, "hookTargetArn", default="") or "").strip())]
    if not tested:
        stages = sorted({str(s) for h in hooks for s in as_list(get(h, "lifecycleStages"))})
        yield (f"deploys {strategy} with no Lambda hook before production traffic "
               f"(stages {', '.join(stages) or 'none'}; need TEST_TRAFFIC_SHIFT or "
               "POST_TEST_TRAFFIC_SHIFT, targeting a Lambda function ARN)")


MANAGED_POLICY = "aws:iam/policy:Policy"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
EXCLUSIVE_ATTACHMENTS = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
"""Every way a managed policy reaches a role: RolePolicyAttachment (`role`), PolicyAttachment
(`roles`), RolePolicyAttachmentsExclusive (`roleName`, `policyArns`), Role.managedPolicyArns."""


def _managed(stack: Stack, holder: PolicyResource, prop: str, arns: list[str]) -> Iterator[tuple[str, Any]]:
    """(ARN, document or None) of managed policies: a policy of the plan is read (by property
    dependency or by its ARN); an AWS-managed policy or one made elsewhere can't be (None)."""
    referenced = stack.referenced(holder, prop, [MANAGED_POLICY])
    by_arn = {str(known(p.props, "arn")): p for p in [*referenced, *stack.of_type(MANAGED_POLICY)]
              if known(p.props, "arn")}
    for arn in arns:
        policy = by_arn.get(arn)
        if policy is None and len(referenced) == 1 and len(arns) == 1:
            policy = referenced[0]
        yield arn, (get(policy.props, "policy") if policy is not None else None)


def _role_policies(stack: Stack, role: PolicyResource) -> Iterator[tuple[str, Any, str | None]]:
    """(where, document, managed policy ARN) of everything attached to `role`; a managed
    policy's document is None when it can't be read."""
    for i, inline in enumerate(as_list(get(role.props, "inlinePolicies"))):
        yield f"inline policy {known(inline, 'name') or i}", get(inline, "policy"), None
    for arn, doc in _managed(stack, role, "managedPolicyArns",
                             [str(a) for a in as_list(get(role.props, "managedPolicyArns"))]):
        yield "managed policy", doc, arn
    holders = (ROLE_POLICY, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT, EXCLUSIVE_ATTACHMENTS)
    for policy in stack.of_type(*holders):
        prop = {POLICY_ATTACHMENT: "roles", EXCLUSIVE_ATTACHMENTS: "roleName"}.get(
            policy.resource_type, "role")
        if role not in stack.referenced(policy, prop, [IAM_ROLE]):
            continue
        if policy.resource_type == ROLE_POLICY:
            yield f"role policy '{policy.name}'", get(policy.props, "policy"), None
            continue
        many = policy.resource_type == EXCLUSIVE_ATTACHMENTS
        key = "policyArns" if many else "policyArn"
        arns = [str(a) for a in as_list(get(policy.props, key))] if many \
            else [str(get(policy.props, key, default=""))]
        for arn, doc in _managed(stack, policy, key, arns):
            yield f"attachment '{policy.name}'", doc, arn


def _too_wide(doc: Any, own: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """(the traffic actions a document allows on every target group, rule or listener;
    action -> the other resources it allows them on: patterns and ARNs that are not `own`, the
    services' own rules and target groups)."""
    if document(doc) is None:
        return [], {}
    wide: list[str] = []
    elsewhere: dict[str, list[str]] = {}
    for st in statements(doc):
        if st.effect.strip().lower() != "allow":
            continue
        every = bool(st.not_resources) or any(
            matches(p, probe) for p in st.resources for probe in _PROBE_ELB_ARNS)
        for action in TRAFFIC_ACTIONS:
            granted = (not any(action_covers(p, action) for p in st.not_actions)) if st.not_actions \
                else any(action_covers(p, action) for p in st.actions)
            if not granted:
                continue
            if every:
                if action not in wide:
                    wide.append(action)
                continue
            for pattern in st.resources:
                if pattern.strip() not in own and pattern not in elsewhere.get(action, []):
                    elsewhere.setdefault(action, []).append(pattern)
    return wide, elsewhere


def _own_arns(props: Any) -> set[str]:
    """A blue/green service's own rules and target groups, read as they are (an ARN unknown
    during preview defers the rule rather than making every grant look foreign)."""
    own: set[str] = set()
    for lb in as_list(get(props, "loadBalancers")):
        for value in (get(lb, "targetGroupArn"),
                      *(get(lb, "advancedConfiguration", key) for key in
                        ("productionListenerRule", "testListenerRule", "alternateTargetGroupArn"))):
            if value:
                own.add(str(value).strip())
    return own


@stack_rule(
    "ecs-infrastructure-role-scoped",
    control="ECS infrastructure role scoped",
    description="The role ECS re-weights a blue/green service's listener rules with carries no "
                "AmazonECSInfrastructureRolePolicyForLoadBalancers nor any managed policy the "
                "check can't read, and allows ModifyRule, ModifyListener, RegisterTargets, "
                "DeregisterTargets, CreateRule, DeleteRule and SetRulePriorities only on the "
                "service's own rules and target groups, named.",
    fix="give the infrastructure role an inline policy naming the service's production and test "
        "rule ARNs and its two target group ARNs (components/deployment.py "
        "infrastructure_policy)",
    types=[ECS_SERVICE, IAM_ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT,
           EXCLUSIVE_ATTACHMENTS, MANAGED_POLICY],
)
def ecs_infrastructure_role_scoped(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """The managed policy lets ECS re-point any rule and register into any target group of the
    account: a confused or compromised deployment could move another service's traffic. So
    does a pattern pinned to the account (`targetgroup/*`) or to one ALB, and so does another
    service's ARN named exactly."""
    for service in stack.of_type(ECS_SERVICE):
        if not _advanced(service.props):
            continue
        roles = stack.referenced(service, "loadBalancers", [IAM_ROLE])
        if not roles:
            continue
        own: set[str] = set()
        for other in stack.of_type(ECS_SERVICE):  # a role shared by services may touch theirs
            if set(stack.referenced(other, "loadBalancers", [IAM_ROLE])) & set(roles):
                own |= _own_arns(other.props)
        for role in roles:
            label = f"(the infrastructure role of '{service.name}')"
            for where, doc, managed in _role_policies(stack, role):
                if managed is not None and managed.rsplit("/", 1)[-1] == ECS_INFRASTRUCTURE_POLICY:
                    yield role, f"{label} carries the AWS-managed {ECS_INFRASTRUCTURE_POLICY} ({where})"
                    continue
                if managed is not None and (doc is None or document(doc) is None):
                    yield role, (f"{label} carries the managed policy {managed}, which can't be read "
                                 f"here (AWS-managed or made outside the plan) ({where})")
                    continue
                wide, elsewhere = _too_wide(doc, own) if doc is not None else ([], {})
                if wide:
                    yield role, f"{label} allows {', '.join(wide)} on every target group or rule ({where})"
                for action, patterns in elsewhere.items():
                    yield role, (f"{label} allows {action} on {', '.join(patterns)}, not one of the "
                                 f"service's own rules or target groups ({where})")


# --------------------------------------------------------------------------------------------
# EC2 instances
# --------------------------------------------------------------------------------------------


@resource_rule(
    "ec2-imdsv2-required",
    control="EC2.8",
    description="EC2 instances require IMDSv2 session tokens (or have no metadata endpoint).",
    fix="set metadata_options={'http_tokens': 'required'} (the NAT instance does)",
    types=INSTANCES,
)
def ec2_imdsv2_required(props, args, config) -> Iterator[str]:
    options = get(props, "metadataOptions", default={})
    if get(options, "httpEndpoint") == "disabled":
        return
    tokens = get(options, "httpTokens")
    if tokens != "required":
        shown = f"'{tokens}'" if tokens else "unset, so the AMI's default decides"
        yield f"accepts IMDSv1 (metadataOptions.httpTokens {shown})"


EIP = "aws:ec2/eip:Eip"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"


@stack_rule(
    "ec2-no-public-ip",
    control="EC2.9",
    description="EC2 instances have no public IPv4 address (auto-assigned or an Elastic IP).",
    fix="launch instances in private subnets with associate_public_ip_address=False; only the dev "
        "NAT instance (network.nat: instance) needs one, which is why this is advisory in dev",
    types=[*INSTANCES, EIP, EIP_ASSOCIATION, SUBNET],
)
def ec2_no_public_ip(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """An address by associatePublicIpAddress, by the subnet's auto-assign when the instance
    leaves it unset, or an Elastic IP on the instance or on its primary network interface."""
    for instance in stack.of_type(*INSTANCES):
        public = get(instance.props, "associatePublicIpAddress")
        if is_true(public):
            yield instance, "gets a public IPv4 address (associatePublicIpAddress true)"
        elif public is None:
            for subnet in stack.referenced(instance, "subnetId", [SUBNET]):
                if is_true(known(subnet.props, "mapPublicIpOnLaunch")):
                    yield instance, (f"gets a public IPv4 address from subnet '{subnet.name}' "
                                     "(mapPublicIpOnLaunch true, associatePublicIpAddress unset)")
        eni = known(instance.props, "primaryNetworkInterfaceId")
        holders = (stack.referring(instance, [EIP], "instance")
                   + stack.referring(instance, [EIP_ASSOCIATION], "instanceId"))
        for kind, prop in ((EIP, "networkInterface"), (EIP_ASSOCIATION, "networkInterfaceId")):
            for holder in stack.of_type(kind):
                if holder in holders:
                    continue
                deps = (holder.property_dependencies or {}).get(prop, [])
                by_ref = any(d.urn == instance.urn for d in deps)
                if by_ref or (eni and known(holder.props, prop) == eni):
                    holders.append(holder)
        for holder in holders:
            yield instance, f"has the Elastic IP '{holder.name}'"


@resource_rule(
    "ec2-ebs-encrypted",
    control="EC2.3",
    description="EC2 instances' EBS volumes (root, block devices and ebs.Volume resources to attach) "
                "are encrypted at rest.",
    fix="set root_block_device={'encrypted': True, ...} and encrypted=True on every "
        "ebs_block_devices entry (EC2.7, encryption by default, is an account setting)",
    types=[*INSTANCES, EBS_VOLUME],
)
def ec2_ebs_encrypted(props, args, config) -> Iterator[str]:
    if args.resource_type == EBS_VOLUME:  # attached with ec2.VolumeAttachment
        if not is_true(get(props, "encrypted")):
            yield "is an unencrypted EBS volume (encrypted not true)"
        return
    if not is_true(get(props, "rootBlockDevice", "encrypted")):
        yield "has an unencrypted root volume (rootBlockDevice.encrypted not true)"
    for device in as_list(get(props, "ebsBlockDevices")):
        if not is_true(get(device, "encrypted")):
            yield f"has an unencrypted EBS volume {get(device, 'deviceName', default='?')}"
