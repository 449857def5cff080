"""Container registry rules: ECR repositories scan what is pushed, never let a tag move, and
expire old images (ServiceImage builds them that way; any program's repositories are judged)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from pulumi_policy import PolicyResource

from ._base import Stack, get, is_true, known, resource_rule, stack_rule

ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
ECR_REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


@stack_rule(
    "ecr-image-scanning",
    control="ECR.1",
    description="ECR repositories scan images on push (or the registry scans every repository).",
    fix="set image_scanning_configuration={'scan_on_push': True}, or add an "
        "ecr.RegistryScanningConfiguration whose rules scan every repository ('*') on push",
    types=[ECR_REPOSITORY, ECR_REGISTRY_SCANNING],
)
def ecr_image_scanning(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """A registry has one scanning configuration, and each RegistryScanningConfiguration replaces
    it: registry-wide scanning counts only when every one of them scans '*'."""
    configurations = stack.of_type(ECR_REGISTRY_SCANNING)

    def scans_everything(registry: PolicyResource) -> bool:
        for rule in get(registry.props, "rules", default=[]) or []:
            frequency = str(get(rule, "scanFrequency") or "")
            filters = [str(get(f, "filter") or "") for f in get(rule, "repositoryFilters", default=[]) or []]
            if frequency in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN") and "*" in filters:
                return True
        return False

    if configurations and all(scans_everything(r) for r in configurations):
        return
    for repo in stack.of_type(ECR_REPOSITORY):
        if not is_true(get(repo.props, "imageScanningConfiguration", "scanOnPush")):
            yield repo, "does not scan images on push (imageScanningConfiguration.scanOnPush not true)"


@resource_rule(
    "ecr-tag-immutability",
    control="ECR.2",
    description="ECR repositories make tags immutable, so a deployed tag always means the same image.",
    fix="set image_tag_mutability='IMMUTABLE' (deploy by digest or by a new tag per build)",
    types=[ECR_REPOSITORY],
)
def ecr_tag_immutability(props, args, config) -> Iterator[str]:
    # Absent means MUTABLE (AWS's default). IMMUTABLE_WITH_EXCLUSION lets matching tags move,
    # which is the mutability the control is about: it fails too (docs/policies.md).
    mutability = known(props, "imageTagMutability", "MUTABLE")
    if mutability != "IMMUTABLE":
        yield f"has image tag mutability {mutability!r}; tags must be IMMUTABLE"


def _lifecycle_rules(policy) -> list:
    text = policy if isinstance(policy, str) else json.dumps(policy) if policy is not None else ""
    try:
        document = json.loads(text) if text else None
    except ValueError:
        return []
    rules = document.get("rules") if isinstance(document, dict) else None
    return rules if isinstance(rules, list) else []


@stack_rule(
    "ecr-lifecycle-policy",
    control="ECR.3",
    description="ECR repositories have a lifecycle policy with at least one rule.",
    fix="add ecr.LifecyclePolicy(repository=<repo>.name, policy=...) with a rule that expires old "
        "images (ServiceImageArgs.keep_images)",
    types=[ECR_REPOSITORY, ECR_LIFECYCLE],
)
def ecr_lifecycle_policy(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for repo in stack.of_type(ECR_REPOSITORY):
        policies = stack.referring(repo, [ECR_LIFECYCLE], "repository")
        if not policies:
            yield repo, "has no lifecycle policy"
        elif not any(_lifecycle_rules(get(p.props, "policy")) for p in policies):
            yield repo, "has a lifecycle policy without any rule"
