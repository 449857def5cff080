"""GithubDeployRole: who may assume the CI role (trust conditions) and what it may do (the
permissions `pulumi up` of the real stack needs, and nothing that lets it widen itself)."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from groundwork.components.github_deploy_role import (
    GITHUB_OIDC_HOST,
    INLINE_POLICY_MAX_CHARS,
    READ_VERBS,
    GithubDeployRoleArgs,
    GithubDeployRoleSettings,
    GithubPreviewRoleArgs,
    deploy_policies,
    policy_size,
    preview_policy,
    preview_trust_policy,
    trust_policy,
)
from groundwork.engine import PlanResult, plan_stack
from groundwork.stacks.config import CiConfig, ConfigError

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
ACCOUNT = "123456789012"
REGION = "us-east-1"
SUB = f"{GITHUB_OIDC_HOST}:sub"
AUD = f"{GITHUB_OIDC_HOST}:aud"
CI = {"repository": "acme/shop", "branches": ["main"], "environments": ["production"],
      "state_bucket": "acme-pulumi-state", "secrets_key_alias": "alias/pulumi-groundwork"}


@pytest.fixture(scope="module")
def prod_ci() -> PlanResult:
    return plan_stack("prod", overrides={"ci": CI})


def deploy_role(plan: PlanResult):
    [role] = [r for r in plan.of_type(ROLE) if r.parent.endswith("::ci")]
    return role


def trust_of(plan: PlanResult) -> dict[str, Any]:
    return json.loads(deploy_role(plan).inputs["assumeRolePolicy"])


def policies_of(plan: PlanResult) -> dict[str, dict[str, Any]]:
    return {r.name: json.loads(r.inputs["policy"]) for r in plan.of_type(POLICY)
            if r.parent.endswith("::ci")}


# --------------------------------------------------------------------------------------------
# trust
# --------------------------------------------------------------------------------------------


def test_trust_requires_the_sts_audience_and_exact_subjects(prod_ci):
    [statement] = trust_of(prod_ci)["Statement"]
    [provider] = prod_ci.of_type(OIDC)
    assert statement["Principal"] == {"Federated": provider.outputs["arn"]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    cond = statement["Condition"]
    assert cond["StringEquals"][AUD] == "sts.amazonaws.com"
    assert cond["StringEquals"][SUB] == ["repo:acme/shop:ref:refs/heads/main",
                                         "repo:acme/shop:environment:production"]
    assert "StringLike" not in cond  # no pattern: exact match only


def test_the_oidc_provider_is_github_with_the_sts_audience(prod_ci):
    [provider] = prod_ci.of_type(OIDC)
    assert provider.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]


def test_sessions_last_at_most_an_hour_and_the_arn_is_exported(prod_ci):
    role = deploy_role(prod_ci)
    assert role.inputs["maxSessionDuration"] == 3600
    assert prod_ci.stack_outputs["ci_deploy_role_arn"] == role.outputs["arn"]


def test_branch_patterns_use_string_like_scoped_to_the_repository():
    doc = trust_policy("arn:aws:iam::1:oidc-provider/x", "acme/shop", ["release/*"], [])
    cond = doc["Statement"][0]["Condition"]
    assert cond["StringLike"] == {SUB: ["repo:acme/shop:ref:refs/heads/release/*"]}
    assert SUB not in cond["StringEquals"] and cond["StringEquals"][AUD] == "sts.amazonaws.com"


@pytest.mark.parametrize("repository", ["acme/*", "*/shop", "acme/sh?p", "acme", "acme/shop/x"])
def test_a_wildcard_or_malformed_repository_is_refused(repository):
    with pytest.raises(ValueError, match="owner/name"):
        trust_policy("arn:aws:iam::1:oidc-provider/x", repository, ["main"], [])
    with pytest.raises(ConfigError) as err:
        plan_stack("dev", overrides={"ci": {"repository": repository}})
    assert any(p.startswith("groundwork:ci.repository:") for p in err.value.problems)


@pytest.mark.parametrize("branches", [["*"], ["**"], ["main", "/*"]])
def test_any_branch_is_refused(branches):
    with pytest.raises(ConfigError) as err:
        plan_stack("dev", overrides={"ci": {"repository": "acme/shop", "branches": branches}})
    assert any(p.startswith("groundwork:ci.branches:") and "any branch" in p for p in err.value.problems)


def test_no_branch_and_no_environment_is_refused():
    with pytest.raises(ValueError, match="set branches or environments"):
        CiConfig(repository="acme/shop", branches=[])


def test_an_existing_provider_is_reused_not_created():
    arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    plan = plan_stack("dev", overrides={"ci": {"repository": "acme/shop", "oidc_provider_arn": arn}})
    assert plan.of_type(OIDC) == []
    assert trust_of(plan)["Statement"][0]["Principal"] == {"Federated": arn}


def test_without_a_ci_section_there_is_no_role(dev):
    assert dev.of_type("groundwork:ci:GithubDeployRole") == []
    assert dev.of_type(OIDC) == [] and dev.of_type(POLICY) == []
    assert not [r for r in dev.of_type(ROLE) if "github" in r.inputs.get("name", "")]
    assert "ci_deploy_role_arn" not in dev.stack_outputs


# --------------------------------------------------------------------------------------------
# permissions: a tiny IAM evaluator (actions and resources; conditions are not evaluated)
# --------------------------------------------------------------------------------------------


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def allowed(policies: dict[str, dict[str, Any]], action: str, arn: str) -> bool:
    def matches(patterns: Any, value: str, *, ci: bool = False) -> bool:
        if ci:
            return any(fnmatchcase(value.lower(), p.lower()) for p in _as_list(patterns))
        return any(fnmatchcase(value, p) for p in _as_list(patterns))

    statements = [s for doc in policies.values() for s in doc["Statement"]]
    for s in statements:
        if s["Effect"] == "Deny" and matches(s["Resource"], arn):
            if "NotAction" in s and not matches(s["NotAction"], action, ci=True):
                return False
            if "Action" in s and matches(s["Action"], action, ci=True):
                return False
    return any(s["Effect"] == "Allow" and "Action" in s and matches(s["Action"], action, ci=True)
               and matches(s["Resource"], arn) for s in statements)


def _arns(plan: PlanResult) -> list[tuple[str, str, str]]:
    """(resource, create action, real-format ARN) of every named resource the stack creates."""
    a, r = ACCOUNT, REGION
    cluster = plan.one("aws:ecs/cluster:Cluster").inputs["name"]
    lb_name = plan.one("aws:lb/loadBalancer:LoadBalancer").inputs["name"]
    builders = {
        ROLE: ("iam:CreateRole", lambda i: f"arn:aws:iam::{a}:role/{i['name']}"),
        "aws:cloudwatch/logGroup:LogGroup": (
            "logs:CreateLogGroup", lambda i: f"arn:aws:logs:{r}:{a}:log-group:{i['name']}"),
        "aws:ecs/cluster:Cluster": (
            "ecs:CreateCluster", lambda i: f"arn:aws:ecs:{r}:{a}:cluster/{i['name']}"),
        "aws:ecs/service:Service": (
            "ecs:CreateService", lambda i: f"arn:aws:ecs:{r}:{a}:service/{cluster}/{i['name']}"),
        "aws:lb/loadBalancer:LoadBalancer": (
            "elasticloadbalancing:CreateLoadBalancer",
            lambda i: f"arn:aws:elasticloadbalancing:{r}:{a}:loadbalancer/app/{i['name']}/0123abcd"),
        "aws:lb/targetGroup:TargetGroup": (
            "elasticloadbalancing:CreateTargetGroup",
            lambda i: f"arn:aws:elasticloadbalancing:{r}:{a}:targetgroup/{i['name']}/0123abcd"),
        "aws:lb/listener:Listener": (
            "elasticloadbalancing:CreateListener",
            lambda i: f"arn:aws:elasticloadbalancing:{r}:{a}:listener/app/{lb_name}/0123abcd/4567"),
        "aws:rds/instance:Instance": (
            "rds:CreateDBInstance", lambda i: f"arn:aws:rds:{r}:{a}:db:{i['identifier']}"),
        "aws:rds/parameterGroup:ParameterGroup": (
            "rds:CreateDBParameterGroup", lambda i: f"arn:aws:rds:{r}:{a}:pg:{i['namePrefix']}x1"),
        "aws:rds/subnetGroup:SubnetGroup": (
            "rds:CreateDBSubnetGroup", lambda i: f"arn:aws:rds:{r}:{a}:subgrp:{i['name']}"),
        "aws:rds/eventSubscription:EventSubscription": (
            "rds:CreateEventSubscription", lambda i: f"arn:aws:rds:{r}:{a}:es:{i['name']}"),
        "aws:elasticache/replicationGroup:ReplicationGroup": (
            "elasticache:CreateReplicationGroup",
            lambda i: f"arn:aws:elasticache:{r}:{a}:replicationgroup:{i['replicationGroupId']}"),
        "aws:elasticache/parameterGroup:ParameterGroup": (
            "elasticache:CreateCacheParameterGroup",
            lambda i: f"arn:aws:elasticache:{r}:{a}:parametergroup:{i['name']}"),
        "aws:elasticache/subnetGroup:SubnetGroup": (
            "elasticache:CreateCacheSubnetGroup",
            lambda i: f"arn:aws:elasticache:{r}:{a}:subnetgroup:{i['name']}"),
        "aws:secretsmanager/secret:Secret": (
            "secretsmanager:CreateSecret",
            lambda i: f"arn:aws:secretsmanager:{r}:{a}:secret:{i.get('name') or i['namePrefix'] + 'x'}-Ab1"),
        "aws:sns/topic:Topic": ("sns:CreateTopic", lambda i: f"arn:aws:sns:{r}:{a}:{i['name']}"),
        "aws:cloudwatch/metricAlarm:MetricAlarm": (
            "cloudwatch:PutMetricAlarm", lambda i: f"arn:aws:cloudwatch:{r}:{a}:alarm:{i['name']}"),
        "aws:cloudwatch/dashboard:Dashboard": (
            "cloudwatch:PutDashboard", lambda i: f"arn:aws:cloudwatch::{a}:dashboard/{i['dashboardName']}"),
        "aws:s3/bucket:Bucket": ("s3:CreateBucket", lambda i: f"arn:aws:s3:::{i['bucket']}"),
        "aws:s3/bucketV2:BucketV2": ("s3:CreateBucket", lambda i: f"arn:aws:s3:::{i['bucket']}"),
        "aws:ecr/repository:Repository": (
            "ecr:CreateRepository", lambda i: f"arn:aws:ecr:{r}:{a}:repository/{i['name']}"),
        "aws:kms/alias:Alias": ("kms:CreateAlias", lambda i: f"arn:aws:kms:{r}:{a}:{i['name']}"),
    }
    out = []
    for record in plan.custom_resources:
        if record.type in builders and not record.parent.endswith(("::ci", "::ci-preview")):
            action, build = builders[record.type]
            out.append((f"{record.type.split(':')[-1]} {record.name}", action, build(record.inputs)))
    return out


def test_the_role_may_create_every_named_resource_of_the_real_stack(prod_ci):
    policies = policies_of(prod_ci)
    arns = _arns(prod_ci)
    assert len(arns) > 60  # the whole stack, not a handful
    refused = [(what, action, arn) for what, action, arn in arns if not allowed(policies, action, arn)]
    assert refused == []


def test_the_role_may_not_touch_another_environment(prod_ci):
    policies = policies_of(prod_ci)
    for action, arn in (
            ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/groundwork-dev-api-task"),
            ("rds:DeleteDBInstance", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:groundwork-dev-postgres"),
            ("ecs:UpdateService", f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/groundwork-dev-cluster/x"),
            ("secretsmanager:GetSecretValue",
             f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:groundwork-dev-cache-auth-x"),
            ("s3:PutObject", "arn:aws:s3:::acme-pulumi-state/.pulumi/stacks/groundwork/dev.json")):
        assert not allowed(policies, action, arn), (action, arn)
    assert allowed(policies, "s3:PutObject",
                   "arn:aws:s3:::acme-pulumi-state/.pulumi/stacks/groundwork/prod.json")
    assert allowed(policies, "s3:PutObject",
                   "arn:aws:s3:::acme-pulumi-state/.pulumi/locks/groundwork/prod/abc.json")


def test_the_role_can_never_widen_its_own_trust_or_permissions(prod_ci):
    policies = policies_of(prod_ci)
    role_arn = deploy_role(prod_ci).outputs["arn"]
    own_policy = next(iter(r for r in prod_ci.of_type(POLICY) if r.parent.endswith("::ci"))).outputs["arn"]
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB_OIDC_HOST}"
    for action, arn in (("iam:UpdateAssumeRolePolicy", role_arn), ("iam:AttachRolePolicy", role_arn),
                        ("iam:PutRolePolicy", role_arn), ("iam:CreatePolicyVersion", own_policy),
                        ("iam:UpdateOpenIDConnectProviderThumbprint", provider),
                        ("iam:AddClientIDToOpenIDConnectProvider", provider)):
        assert not allowed(policies, action, arn), (action, arn)
    assert allowed(policies, "iam:GetRole", role_arn)  # refresh still reads it


def test_attaching_admin_to_a_stack_role_is_refused(prod_ci):
    [attach] = [s for doc in policies_of(prod_ci).values() for s in doc["Statement"]
                if s["Sid"] == "AttachKnownPolicies"]
    allowed_arns = attach["Condition"]["ArnLike"]["iam:PolicyARN"]
    assert not any(fnmatchcase("arn:aws:iam::aws:policy/AdministratorAccess", p) for p in allowed_arns)
    assert any(fnmatchcase("arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", p)
               for p in allowed_arns)


def test_passrole_only_to_the_services_the_stack_uses(prod_ci):
    [pass_role] = [s for doc in policies_of(prod_ci).values() for s in doc["Statement"]
                   if "iam:PassRole" in _as_list(s.get("Action", []))]
    services = pass_role["Condition"]["StringEquals"]["iam:PassedToService"]
    assert set(services) == {"ecs-tasks.amazonaws.com", "ecs.amazonaws.com",
                             "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com"}
    assert pass_role["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/groundwork-prod-*"


def test_each_policy_fits_iams_size_limit(prod_ci):
    policies = policies_of(prod_ci)
    assert set(policies) == {"ci-network", "ci-data", "ci-compute", "ci-observability", "ci-iam",
                             "ci-state"}
    for name, doc in policies.items():
        # IAM counts a managed policy's characters without whitespace, at most 6,144
        size = len("".join(json.dumps(doc).split()))
        assert 0 < size <= 6144, (name, size)


def test_no_statement_grants_a_wildcard_action_on_every_resource():
    """`*` resources only with read actions, service-scoped actions and a region condition."""
    docs = deploy_policies(CiConfig(**CI), stack_prefix="groundwork-prod", environment="prod",
                           role_name="groundwork-prod-github-deploy", account_id=ACCOUNT, region=REGION)
    global_services = {"iam", "route53"}  # no region to pin them to
    unscoped = 0
    for doc in docs.values():
        for s in doc["Statement"]:
            assert _as_list(s.get("Action", [])) != ["*"], s["Sid"]
            if s["Effect"] == "Allow" and s["Resource"] == "*":
                unscoped += 1
                actions = _as_list(s["Action"])
                assert not any(a.endswith(":*") and a.split(":")[0] in {"iam", "kms", "s3", "rds"}
                               for a in actions), s["Sid"]
                # ... and pinned to the stack's region unless the service has none
                region = (s.get("Condition") or {}).get("StringEquals", {}).get("aws:RequestedRegion")
                assert region == REGION or actions == ["ecr:GetAuthorizationToken"] or all(
                    a.split(":")[0] in global_services for a in actions), s["Sid"]
    assert unscoped > 0  # the branch above ran


# --------------------------------------------------------------------------------------------
# the preview role: what pull requests assume for `pulumi preview`
# --------------------------------------------------------------------------------------------

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
WRITE_VERBS = ("Create", "Put", "Update", "Delete", "Attach", "Detach", "Modify", "Tag", "Untag",
               "Run", "Start", "Stop", "Register", "Deregister", "Associate", "Disassociate",
               "Authorize", "Revoke", "Replace", "Change", "Set", "Add", "Remove", "Pass",
               "Encrypt", "Generate", "Rotate", "Restore", "Reboot", "Invoke", "Publish", "Send",
               "Upload", "Import", "Enable", "Disable", "Cancel", "Request", "Copy", "Batch",
               "Assume", "Execute")
STATE = "arn:aws:s3:::acme-pulumi-state"


def preview_role(plan: PlanResult):
    [role] = [r for r in plan.of_type(ROLE) if r.parent.endswith("::ci-preview")]
    return role


def preview_doc(plan: PlanResult) -> dict[str, Any]:
    [policy] = [r for r in plan.of_type(ROLE_POLICY) if r.parent.endswith("::ci-preview")]
    assert policy.inputs["role"] == preview_role(plan).inputs["name"]
    return json.loads(policy.inputs["policy"])


def _preview_policy(**ci: Any) -> dict[str, Any]:
    return preview_policy(CiConfig(**{**CI, **ci}), stack_prefix="groundwork-prod", environment="prod",
                          account_id=ACCOUNT, region=REGION)


def test_the_preview_role_trusts_exactly_pull_requests_of_this_repository(prod_ci):
    role = preview_role(prod_ci)
    assert role.inputs["name"] == "groundwork-prod-github-preview"
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    [provider] = prod_ci.of_type(OIDC)
    assert statement["Principal"] == {"Federated": provider.outputs["arn"]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {
        AUD: "sts.amazonaws.com", SUB: "repo:acme/shop:pull_request"}}  # no StringLike, nothing else
    # ... and pull requests can't assume the deploy role
    assert "repo:acme/shop:pull_request" not in trust_of(prod_ci)["Statement"][0]["Condition"][
        "StringEquals"][SUB]


def test_preview_sessions_last_at_most_an_hour_and_the_arn_is_exported(prod_ci):
    role = preview_role(prod_ci)
    assert role.inputs["maxSessionDuration"] == 3600
    assert prod_ci.stack_outputs["ci_preview_role_arn"] == role.outputs["arn"]
    assert prod_ci.stack_outputs["ci_preview_role_arn"] != prod_ci.stack_outputs["ci_deploy_role_arn"]


def test_an_existing_provider_is_trusted_by_the_preview_role_too():
    arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    plan = plan_stack("dev", overrides={"ci": {"repository": "acme/shop", "oidc_provider_arn": arn}})
    statement = json.loads(preview_role(plan).inputs["assumeRolePolicy"])["Statement"][0]
    assert statement["Principal"] == {"Federated": arn}


@pytest.mark.parametrize("repository", ["acme/*", "*/shop", "acme"])
def test_the_preview_trust_refuses_a_wildcard_repository(repository):
    with pytest.raises(ValueError, match="owner/name"):
        preview_trust_policy("arn:aws:iam::1:oidc-provider/x", repository)


def test_the_preview_role_has_no_write_action(prod_ci):
    """Every allowed Action, wildcards included, is a Describe/List/Get (or kms:Decrypt)."""
    doc = preview_doc(prod_ci)
    actions = [a for s in doc["Statement"] if s["Effect"] == "Allow" for a in _as_list(s["Action"])]
    assert len(actions) > 30
    assert not any("NotAction" in s for s in doc["Statement"])
    for action in actions:
        verb = action.split(":", 1)[1]
        assert action != "*" and verb != "*" and not verb.startswith("*"), action
        assert not verb.startswith(WRITE_VERBS), action
        assert verb.startswith(READ_VERBS) or action == "kms:Decrypt", action
    # the wildcards can't reach the reads that return data or secrets
    for sensitive in ("secretsmanager:GetSecretValue", "ec2:GetPasswordData", "logs:GetLogEvents",
                      "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer", "s3:GetObject",
                      "ssm:GetParameter", "kms:GenerateDataKey", "s3:PutObject", "iam:PassRole"):
        assert not any(fnmatchcase(sensitive.lower(), a.lower()) for a in actions
                       if a != "s3:GetObject"), sensitive


def test_the_preview_role_never_reads_a_secret_value(prod_ci):
    policies = {"preview": preview_doc(prod_ci)}
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:groundwork-prod-cache-auth-Ab1"
    assert not allowed(policies, "secretsmanager:GetSecretValue", secret)
    assert allowed(policies, "secretsmanager:DescribeSecret", secret)
    [deny] = [s for s in policies["preview"]["Statement"] if s["Effect"] == "Deny"]
    assert "secretsmanager:GetSecretValue" in deny["Action"] and deny["Resource"] == "*"


def test_the_preview_role_reads_only_this_stacks_state_and_never_writes_it(prod_ci):
    policies = {"preview": preview_doc(prod_ci)}
    own = f"{STATE}/.pulumi/stacks/groundwork/prod.json"
    assert allowed(policies, "s3:GetObject", own)
    assert allowed(policies, "s3:GetObject", f"{STATE}/.pulumi/meta.yaml")
    assert allowed(policies, "s3:ListBucket", STATE)
    for action, arn in (("s3:GetObject", f"{STATE}/.pulumi/stacks/groundwork/dev.json"),
                        ("s3:GetObject", f"{STATE}/.pulumi/stacks/other/prod.json"),
                        ("s3:GetObject", "arn:aws:s3:::groundwork-prod-alb-logs/AWSLogs/x.gz"),
                        ("s3:PutObject", own), ("s3:DeleteObject", own),
                        ("s3:PutObject", f"{STATE}/.pulumi/locks/groundwork/prod/abc.json")):
        assert not allowed(policies, action, arn), (action, arn)


def test_the_preview_role_decrypts_only_with_the_secrets_provider_key(prod_ci):
    doc = preview_doc(prod_ci)
    [kms] = [s for s in doc["Statement"] if "kms:Decrypt" in _as_list(s["Action"])]
    assert kms["Action"] == ["kms:Decrypt"]
    assert kms["Resource"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"
    assert kms["Condition"] == {"ForAnyValue:StringEquals": {
        "kms:ResourceAliases": "alias/pulumi-groundwork"}}
    policies = {"preview": doc}
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    for action in ("kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"):
        assert not allowed(policies, action, key), action


def test_without_a_state_bucket_or_key_the_preview_role_reads_no_state_and_decrypts_nothing():
    doc = _preview_policy(state_bucket=None, secrets_key_alias=None)
    actions = [a for s in doc["Statement"] for a in _as_list(s["Action"])]
    assert "s3:GetObject" not in actions and "kms:Decrypt" not in actions
    assert not any(s["Sid"].startswith("State") for s in doc["Statement"])
    with_state = _preview_policy(secrets_key_alias=None)
    assert "kms:Decrypt" not in [a for s in with_state["Statement"] for a in _as_list(s["Action"])]
    [read] = [s for s in with_state["Statement"] if s["Sid"] == "StateRead"]
    assert read["Resource"] == [f"{STATE}/.pulumi/meta.yaml",
                                f"{STATE}/.pulumi/*/groundwork/prod.json*",
                                f"{STATE}/.pulumi/*/groundwork/prod/*"]


def test_unscoped_preview_reads_are_pinned_to_the_region():
    for s in _preview_policy()["Statement"]:
        if s["Effect"] == "Allow" and s["Resource"] == "*":
            actions = _as_list(s["Action"])
            region = (s.get("Condition") or {}).get("StringEquals", {}).get("aws:RequestedRegion")
            assert region == REGION or all(a.split(":")[0] in {"iam", "route53"} for a in actions), s


# what a refresh of each kind of resource reads: every AWS module the stack uses must be here
PREVIEW_READS = {
    "ec2": ("ec2:DescribeVpcs", "*"),
    "vpc": ("ec2:DescribeSecurityGroupRules", "*"),
    "iam": ("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/groundwork-prod-api-task"),
    "cloudwatch": ("cloudwatch:DescribeAlarms", "*"),
    "appautoscaling": ("application-autoscaling:DescribeScalingPolicies", "*"),
    "kms": ("kms:GetKeyPolicy", "*"),
    "sns": ("sns:GetTopicAttributes", "*"),
    "lb": ("elasticloadbalancing:DescribeLoadBalancers", "*"),
    "ecs": ("ecs:DescribeServices", "*"),
    "rds": ("rds:DescribeDBInstances", "*"),
    "elasticache": ("elasticache:DescribeReplicationGroups", "*"),
    "acm": ("acm:DescribeCertificate", "*"),
    "s3": ("s3:GetBucketPolicy", "arn:aws:s3:::groundwork-prod-alb-logs"),
    "secretsmanager": ("secretsmanager:DescribeSecret", "*"),
    "route53": ("route53:ListResourceRecordSets", "arn:aws:route53:::hostedzone/{zone}"),
}


def test_the_preview_role_reads_every_service_the_stack_uses(prod_ci):
    policies = {"preview": preview_doc(prod_ci)}
    modules = {r.type.split(":")[1].split("/")[0] for r in prod_ci.custom_resources
               if r.type.startswith("aws:")}
    assert modules - set(PREVIEW_READS) == set(), "a new AWS service: add its reads"
    zone = prod_ci.one("aws:route53/record:Record").inputs["zoneId"]
    for module in modules:
        action, arn = PREVIEW_READS[module]
        assert allowed(policies, action, arn.format(zone=zone)), (module, action)
    assert allowed(policies, "logs:DescribeLogGroups", "*")
    assert allowed(policies, "cloudwatch:GetDashboard", "*")
    assert allowed(policies, "iam:GetOpenIDConnectProvider",
                   f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB_OIDC_HOST}")
    assert not allowed(policies, "iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/someone-else")


def test_the_preview_policy_fits_the_inline_limit(prod_ci):
    assert 0 < policy_size(preview_doc(prod_ci)) <= INLINE_POLICY_MAX_CHARS
    assert INLINE_POLICY_MAX_CHARS == 10240


def test_the_deploy_role_can_never_widen_the_preview_role(prod_ci):
    policies = policies_of(prod_ci)
    arn = f"arn:aws:iam::{ACCOUNT}:role/groundwork-prod-github-preview"
    for action in ("iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy",
                   "iam:DeleteRole"):
        assert not allowed(policies, action, arn), action
    assert allowed(policies, "iam:GetRolePolicy", arn)  # refresh still reads it


def test_preview_false_creates_no_preview_role():
    plan = plan_stack("prod", overrides={"ci": {**CI, "preview": False}})
    assert plan.of_type("groundwork:ci:GithubPreviewRole") == []
    assert [r.inputs["name"] for r in plan.of_type(ROLE) if "github" in r.inputs["name"]] == [
        "groundwork-prod-github-deploy"]
    assert not [r for r in plan.of_type(ROLE_POLICY) if "preview" in r.parent]
    assert "ci_preview_role_arn" not in plan.stack_outputs
    assert "ci_deploy_role_arn" in plan.stack_outputs
    deny = next(s for d in policies_of(plan).values() for s in d["Statement"]
                if s["Sid"] == "NeverWidenItself")
    assert not any("preview" in r for r in deny["Resource"])


def test_the_preview_role_is_on_by_default_and_must_be_a_boolean():
    assert CiConfig(repository="acme/shop").preview is True
    with pytest.raises(ConfigError) as err:
        plan_stack("dev", overrides={"ci": {"repository": "acme/shop", "preview": "sometimes"}})
    assert any(p.startswith("groundwork:ci.preview:") for p in err.value.problems)


def test_without_a_ci_section_there_is_no_preview_role(dev):
    assert dev.of_type("groundwork:ci:GithubPreviewRole") == []
    assert "ci_preview_role_arn" not in dev.stack_outputs


def test_a_write_action_in_the_preview_policy_is_refused(monkeypatch):
    import groundwork.components.github_deploy_role as module

    real = module._stmt

    def sneaky(sid, actions, *args, **kwargs):
        if sid == "StackServicesRead":
            actions = [*actions, "ec2:CreateTags"]
        return real(sid, actions, *args, **kwargs)

    monkeypatch.setattr(module, "_stmt", sneaky)
    with pytest.raises(ValueError, match="read-only, not ec2:CreateTags"):
        _preview_policy()


def test_deploy_role_cannot_change_account_wide_vpc_settings():
    """VPC Block Public Access is account-wide and not managed by the stack: CI must not be able
    to change it (nor anything else account-wide in EC2)."""
    from groundwork.components.github_deploy_role import deploy_policies

    docs = deploy_policies(CiConfig(**CI), stack_prefix="groundwork-prod", environment="prod",
                           role_name="groundwork-prod-github-deploy", account_id="123456789012",
                           region="us-east-1")
    actions = [a for doc in docs.values()
               for st in doc["Statement"] if st["Effect"] == "Allow"
               for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])]
    assert actions
    assert not [a for a in actions if "BlockPublicAccess" in a or a in ("ec2:*", "*")]


# --------------------------------------------------------------------------------------------
# the library API: two roles in one program, Args refused before anything registers
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_roles() -> PlanResult:
    from test_alarms import run_alarms_program

    return run_alarms_program("two_of_each")


def test_two_deploy_roles_have_distinct_urns_and_names(two_roles):
    """`ci` (acme/shop) creates the OIDC provider, `ci-b` (acme/admin) trusts it: one provider
    per account and URL; every role and policy is named after its component."""
    plan = two_roles
    assert {c.name for c in plan.of_type("groundwork:ci:GithubDeployRole")} == {"ci", "ci-b"}
    assert {c.name for c in plan.of_type("groundwork:ci:GithubPreviewRole")} == {
        "ci-preview", "ci-b-preview"}
    assert plan.name_clashes == []
    [provider] = plan.of_type(OIDC)
    roles = {r.name: r for r in plan.of_type(ROLE)}
    assert {n: r.inputs["name"] for n, r in roles.items()} == {
        "ci-role": "alarms-test-ci-deploy", "ci-preview-role": "alarms-test-ci-preview",
        "ci-b-role": "alarms-test-ci-b-deploy", "ci-b-preview-role": "alarms-test-ci-b-preview"}
    for name, repository in (("ci", "acme/shop"), ("ci-b", "acme/admin")):
        for role in (roles[f"{name}-role"], roles[f"{name}-preview-role"]):
            [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
            assert statement["Principal"] == {"Federated": provider.outputs["arn"]}
            subs = statement["Condition"]["StringEquals"][SUB]
            assert all(sub.startswith(f"repo:{repository}:") for sub in _as_list(subs))
        component = plan.one("groundwork:ci:GithubDeployRole", name)
        policies = {p.inputs["name"]: json.loads(p.inputs["policy"]) for p in plan.of_type(POLICY)
                    if p.parent == component.urn}
        assert set(policies) == {f"alarms-test-{name}-deploy-{g}"
                                 for g in ("network", "data", "compute", "observability", "iam")}
        # each role denies changes to itself, its own policies and its own preview role
        [deny] = [st for doc in policies.values() for st in doc["Statement"]
                  if st["Sid"] == "NeverWidenItself"]
        assert deny["Resource"][:3] == [
            f"arn:aws:iam::{ACCOUNT}:role/alarms-test-{name}-deploy",
            f"arn:aws:iam::{ACCOUNT}:policy/alarms-test-{name}-deploy-*",
            f"arn:aws:iam::{ACCOUNT}:role/alarms-test-{name}-preview"]
        # and manages what carries the program's name prefix, in the program's environment
        [roles_own] = [st for doc in policies.values() for st in doc["Statement"]
                       if st["Sid"] == "RolesOwn"]
        assert roles_own["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/alarms-test-*"
        [kms] = [st for doc in policies.values() for st in doc["Statement"]
                 if st["Sid"] == "KmsOwnKeys"]
        assert kms["Condition"] == {"StringEquals": {"aws:ResourceTag/Environment": "test"}}


@pytest.mark.parametrize(("what", "message"), [
    ("deploy_role_without_repository", "GithubDeployRoleArgs.repository is required"),
    ("deploy_role_with_wildcard_repository", "repository\n  Value error, 'acme/*' has a wildcard"),
    ("deploy_role_for_any_branch", "branches\n  Value error, * would let any branch deploy"),
])
def test_bad_args_are_refused_before_anything_registers(what, message):
    from test_alarms import run_alarms_program

    plan = run_alarms_program("refuse", refuse=what)
    assert message in plan.stack_outputs.get("error", ""), plan.stack_outputs
    assert not plan.of_type("groundwork:ci:GithubDeployRole")
    assert not plan.of_type(ROLE) and not plan.of_type(OIDC)


def test_the_args_own_the_settings_the_ci_section_extends():
    assert issubclass(CiConfig, GithubDeployRoleSettings)
    assert issubclass(GithubDeployRoleArgs, GithubDeployRoleSettings)
    # the component's own default is unset (it refuses to build without one); the section
    # requires it
    assert GithubDeployRoleArgs().repository == ""
    with pytest.raises(ValueError, match="repository"):
        CiConfig()
    with pytest.raises(ValueError, match="oidc_provider_arn"):
        GithubDeployRoleArgs(repository="acme/shop", oidc_provider_arn="arn:aws:iam::1:oidc/x")
    with pytest.raises(ValueError, match="set branches or environments"):
        GithubDeployRoleArgs(repository="acme/shop", branches=[])
    with pytest.raises(ValueError, match="GithubPreviewRoleArgs has no argument 'branches'"):
        GithubPreviewRoleArgs(repository="acme/shop", branches=["main"])  # a deploy-role setting
