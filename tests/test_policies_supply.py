"""ECR (ECR.1-3) and Lambda (Lambda.1-2) rules: failing cases for each way around them, passing
cases, and the repositories ServiceImage really builds (the two-of-each program) passing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from groundwork.check import check_plan, synthetic, validate_resource, validate_stack
from groundwork.policies import rules

RULES = rules.by_name()
COVERED_RULES = {"ecr-image-scanning", "ecr-tag-immutability", "ecr-lifecycle-policy",
                 "lambda-not-public", "lambda-supported-runtime"}
REPO = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
PERMISSION = "aws:lambda/permission:Permission"
FUNCTION = "aws:lambda/function:Function"

KEEP_TEN = json.dumps({"rules": [{"rulePriority": 1, "selection": {
    "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10},
    "action": {"type": "expire"}}]})


def _filter(pattern: str) -> dict[str, str]:
    return {"filter": pattern, "filterType": "WILDCARD"}


def _repo(name: str = "repo", **props: Any):
    return synthetic(REPO, name, {"name": name, "imageTagMutability": "IMMUTABLE",
                                  "imageScanningConfiguration": {"scanOnPush": True}, **props})


def _lifecycle(repo, policy: str = KEEP_TEN):
    return synthetic(LIFECYCLE, "lifecycle", {"repository": "repo", "policy": policy},
                     deps={"repository": [repo]})


# --- ECR.1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("scanning", [None, {}, {"scanOnPush": False}, {"scanOnPush": "false"}],
                         ids=["absent", "empty", "false", "string-false"])
def test_ecr_scanning_fails_when_not_on_push(scanning):
    props = {} if scanning is None else {"imageScanningConfiguration": scanning}
    repo = synthetic(REPO, "repo", {"name": "repo", **props})
    [(_, message)] = validate_stack(RULES["ecr-image-scanning"], [repo])
    assert "does not scan images on push" in message and "[ECR.1]" in message


def test_ecr_scanning_registry_rule_must_cover_every_repository():
    repo = synthetic(REPO, "repo", {"name": "repo"})
    partial = synthetic(SCANNING, "scan", {"scanType": "ENHANCED", "rules": [
        {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [_filter("prod-*")]}]})
    manual = synthetic(SCANNING, "scan", {"scanType": "BASIC", "rules": [
        {"scanFrequency": "MANUAL", "repositoryFilters": [_filter("*")]}]})
    every = synthetic(SCANNING, "scan", {"scanType": "ENHANCED", "rules": [
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [_filter("*")]}]})
    rule = RULES["ecr-image-scanning"]
    assert validate_stack(rule, [repo, partial]) and validate_stack(rule, [repo, manual])
    assert validate_stack(rule, [repo, every]) == []
    assert validate_stack(rule, [_repo()]) == []


# --- ECR.2 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mutability", [None, "MUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION",
                                        "immutable"])
def test_ecr_tags_must_be_immutable(mutability):
    props = {} if mutability is None else {"imageTagMutability": mutability}
    [message] = validate_resource(RULES["ecr-tag-immutability"], REPO, props)
    assert "IMMUTABLE" in message and "[ECR.2]" in message


def test_ecr_immutable_tags_pass():
    assert validate_resource(RULES["ecr-tag-immutability"], REPO, {"imageTagMutability": "IMMUTABLE"}) == []


# --- ECR.3 ---------------------------------------------------------------------------------


def test_ecr_lifecycle_policy_required_and_must_have_a_rule():
    rule, repo = RULES["ecr-image-scanning"], _repo()
    rule = RULES["ecr-lifecycle-policy"]
    [(_, missing)] = validate_stack(rule, [repo])
    assert "has no lifecycle policy" in missing
    for empty in ('{"rules": []}', "{}", "not json"):
        [(_, message)] = validate_stack(rule, [repo, _lifecycle(repo, empty)])
        assert "without any rule" in message
    assert validate_stack(rule, [repo, _lifecycle(repo)]) == []


def test_ecr_lifecycle_of_another_repository_does_not_count():
    mine, other = _repo("mine"), _repo("other")
    [(urn, _)] = validate_stack(RULES["ecr-lifecycle-policy"], [mine, other, _lifecycle(other)])
    assert urn.endswith("::mine")


# --- Lambda.1 ------------------------------------------------------------------------------

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-AbCdEf"


@pytest.mark.parametrize("props", [
    {"principal": "*"},
    {"principal": " * "},
    {"principal": "*", "sourceArn": ""},
    {"principal": "*", "sourceAccount": "*"},
    {"principal": "secretsmanager.amazonaws.com"},  # any account's secret could invoke it
    {"principal": "s3.amazonaws.com", "sourceArn": "*"},
    {"principal": "123456789012", "functionUrlAuthType": "NONE"},
], ids=["star", "padded-star", "empty-source", "star-account", "service-unscoped", "service-star-arn",
        "url-auth-none"])
def test_lambda_permission_that_anyone_can_use_fails(props):
    problems = validate_resource(RULES["lambda-not-public"], PERMISSION,
                                 {"action": "lambda:InvokeFunction", "function": "rotate", **props})
    assert problems and all("[Lambda.1]" in p for p in problems)


@pytest.mark.parametrize("props", [
    {"principal": "secretsmanager.amazonaws.com", "sourceArn": SECRET_ARN},
    {"principal": "*", "sourceAccount": "123456789012"},
    {"principal": "*", "principalOrgId": "o-abc123"},
    {"principal": "arn:aws:iam::123456789012:role/caller"},
])
def test_lambda_permission_narrowed_passes(props):
    assert validate_resource(RULES["lambda-not-public"], PERMISSION,
                             {"action": "lambda:InvokeFunction", "function": "rotate", **props}) == []


# --- Lambda.2 ------------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", ["python3.8", "python3.9", "nodejs16.x", "go1.x", "python2.7", None])
def test_lambda_unsupported_runtime_fails(runtime):
    props = {"handler": "h.main"} if runtime is None else {"runtime": runtime, "handler": "h.main"}
    [message] = validate_resource(RULES["lambda-supported-runtime"], FUNCTION, props)
    assert "[Lambda.2]" in message


@pytest.mark.parametrize("props", [{"runtime": "python3.12"}, {"runtime": "nodejs22.x"},
                                   {"packageType": "Image", "imageUri": "x"}])
def test_lambda_supported_runtime_passes(props):
    assert validate_resource(RULES["lambda-supported-runtime"], FUNCTION, props) == []


# --- the real components ---------------------------------------------------------------------


def test_service_image_repositories_pass_the_ecr_rules(two_of_each):
    repos = [r for r in two_of_each.resources if r.type == REPO]
    assert len(repos) == 2
    result = check_plan(two_of_each)
    fired = {v.policy for v in result.violations if v.policy.startswith("ecr-")}
    assert fired == set()
