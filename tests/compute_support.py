"""Helpers for the compute-tier tests (cluster, load balancer, services)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from groundwork.engine import PlanResult, ResourceRecord
from groundwork.testing import plan_program

CLUSTER = "aws:ecs/cluster:Cluster"
CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TG = "aws:lb/targetGroup:TargetGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
SG = "aws:ec2/securityGroup:SecurityGroup"
SUBNET = "aws:ec2/subnet:Subnet"
BUCKET = "aws:s3/bucket:Bucket"
REPOSITORY = "aws:ecr/repository:Repository"
COMPUTE_COMPONENTS = ("groundwork:compute:EcsCluster", "groundwork:compute:LoadBalancer",
                      "groundwork:compute:FargateService", "groundwork:compute:ServiceImage")

STANDALONE = Path(__file__).parent / "programs" / "standalone" / "__main__.py"

IMAGE = "ghcr.io/your-org/app:1.0.0"


def web(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "web", "image": IMAGE, "port": 8000, **extra}


def worker(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "worker", "image": IMAGE, **extra}


def service(plan: PlanResult, name: str) -> ResourceRecord:
    return plan.one(SERVICE, f"{name}-service")


def task(plan: PlanResult, name: str) -> ResourceRecord:
    return plan.one(TASK, f"{name}-task")


def containers(plan: PlanResult, name: str) -> list[dict[str, Any]]:
    return json.loads(task(plan, name).inputs["containerDefinitions"])


def app_container(plan: PlanResult, name: str) -> dict[str, Any]:
    """The service's own container (named like the service), whatever sidecars run beside it."""
    [app] = [c for c in containers(plan, name) if c["name"] == name]
    return app


def doc(record: ResourceRecord, key: str = "policy") -> dict[str, Any]:
    value = record.inputs[key]
    return json.loads(value) if isinstance(value, str) else value


def role_of(plan: PlanResult, arn: str) -> ResourceRecord:
    [role] = [r for r in plan.of_type(ROLE) if r.outputs.get("arn") == arn]
    return role


def policies_of_role(plan: PlanResult, role: ResourceRecord) -> list[ResourceRecord]:
    """Inline policies and managed-policy attachments on a role."""
    return [p for p in plan.of_type(ROLE_POLICY) + plan.of_type(ATTACHMENT)
            if p.inputs.get("role") in (role.id, role.outputs.get("name"))]


def statements(record: ResourceRecord) -> dict[str, dict[str, Any]]:
    """A policy's statements by Sid."""
    return {s["Sid"]: s for s in doc(record)["Statement"]}


def tier_subnet_ids(plan: PlanResult, tier: str) -> list[str]:
    return sorted(s.id for s in plan.of_type(SUBNET) if s.inputs["tags"]["Tier"] == tier)


def run_standalone(case: str, stack: str = "test", **config: object) -> PlanResult:
    """Run one case of tests/programs/standalone (components on their own, project
    `standalone`, so names start `standalone-<stack>-`)."""
    return plan_program(STANDALONE, stack=stack, project="standalone",
                        config={"aws:region": "us-east-1", "case": case, **config})


def physical_name(record: ResourceRecord) -> str | None:
    """The AWS name a resource is created under, if it names itself."""
    for key in ("name", "bucket", "family", "identifier", "replicationGroupId"):
        value = record.inputs.get(key)
        if isinstance(value, str):
            return value
    return None


def duplicate_names(plan: PlanResult) -> dict[tuple[str, str], int]:
    """(type, AWS name) pairs that more than one resource of the plan uses."""
    seen = Counter((r.type, n) for r in plan.custom_resources if (n := physical_name(r)))
    return {k: c for k, c in seen.items() if c > 1}


def duplicate_urns(plan: PlanResult) -> dict[str, int]:
    seen = Counter(r.urn for r in plan.resources)
    return {k: c for k, c in seen.items() if c > 1}
