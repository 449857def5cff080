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
                  "secrets", "logConfiguration", "logDriver", "options", "value", "valueFrom")
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
